"""A planner's first questions (issue 11, item 2): no candidate or result in protected or
mountain land, and a user DEM's slope and elevation limits.

Checked independently of the code under test: the protected land is read straight from
``geodata/constraints.geojson`` (json + shapely + pyproj, not the planner's layer reader),
and the DEMs are small GeoTIFFs written here whose slopes and elevations are known by
construction (a plane of known gradient), computed by hand below.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from _book import read_out_csv
from pyproj import Geod, Transformer

rasterio = pytest.importorskip("rasterio")
from affine import Affine  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GEO = ROOT / "geodata"
DEMO_COMPANIES = GEO / "examples" / "companies.csv"
_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32643", always_xy=True)
_LONLAT = Transformer.from_crs("EPSG:32643", "EPSG:4326", always_xy=True)
#: the point of the issue: the mountain part of Almaty, between the Big Almaty and Medeu gorges
MOUNTAIN_POINT = (77.00, 43.10)


def _features(layer: str) -> list[dict]:
    return json.loads((GEO / f"{layer}.geojson").read_text(encoding="utf-8"))["features"]


def _metric(geom):
    return shapely.transform(geom, lambda c: np.column_stack(_UTM.transform(c[:, 0], c[:, 1])))


def _geom(layer: str, fid: str):
    return _metric(next(shapely.geometry.shape(f["geometry"]) for f in _features(layer)
                        if f["properties"]["id"] == fid))  # fmt: skip


@pytest.fixture(scope="module")
def protected():
    """Protected and mountain land: every ``exclusion`` constraint, in metres."""
    geoms = [shapely.geometry.shape(f["geometry"]) for f in _features("constraints")
             if f["properties"]["kind"] == "exclusion"]  # fmt: skip
    g = _metric(shapely.union_all(geoms))
    shapely.prepare(g)
    return g


def _inside(geom, lon, lat) -> np.ndarray:
    x, y = _UTM.transform(np.asarray(lon, dtype="f8"), np.asarray(lat, dtype="f8"))
    return shapely.contains_xy(geom, x, y)


def _norm(text: str) -> str:
    return str(text).replace("\u202f", " ").replace("\xa0", " ")


# --------------------------------------------------------------------------- the layers


def test_protected_land_inside_the_city_limits_is_excluded(protected):
    park = _geom("constraints", "np-ile-alatau")
    front = _geom("constraints", "mountain-front")
    almaty = _geom("cities", "almaty")
    # the park is no longer drawn "minus the Almaty outline"
    assert park.intersection(almaty).area / 1e6 > 50
    assert front.intersection(almaty).area / 1e6 > 100
    assert _inside(almaty, *MOUNTAIN_POINT) and _inside(park, *MOUNTAIN_POINT)
    assert _inside(front, *MOUNTAIN_POINT)
    props = {f["properties"]["id"]: f["properties"] for f in _features("constraints")}
    for fid in ("np-ile-alatau", "mountain-front"):
        p = props[fid]
        assert p["estimated"] is True and p["accuracy_m"] >= 1000 and p["source"].strip()
        assert p["licence"].strip() and p["reason"] in ("national_park", "mountain_front")


def test_what_must_stay_usable_is_not_excluded(protected, layers):
    from planner.jobs.score_sites import score_sites

    cities = {f["properties"]["id"]: f for f in _features("cities")}
    points = {
        "Almaty centre": cities["almaty-centre"]["geometry"]["coordinates"],
        "Konaev centre": cities["konaev-centre"]["geometry"]["coordinates"],
        "Alatau centre": cities["alatau-centre"]["geometry"]["coordinates"],
    }
    for fid in ("gate-city", "konaev", "kaskelen", "talgar", "esik", "kyrgauyldy"):
        c = shapely.geometry.shape(cities[fid]["geometry"]).centroid
        points[fid] = (c.x, c.y)
    for f in _features("transport"):
        if f["geometry"]["type"] == "Point":
            points[f["properties"]["id"]] = f["geometry"]["coordinates"]
    for f in _features("zones"):
        p = f["properties"]
        if p.get("site_lon") is not None:
            points[p["id"]] = (p["site_lon"], p["site_lat"])
        else:
            c = shapely.geometry.shape(f["geometry"]).representative_point()
            points[p["id"]] = (c.x, c.y)
    lon, lat = np.array(list(points.values()), dtype="f8").T
    hit = [n for n, h in zip(points, _inside(protected, lon, lat), strict=True) if h]
    assert not hit, f"usable places drawn as protected land: {hit}"
    # zones and Gate City (whole polygons), BAKAD and its interchanges: clear of it
    for f in _features("zones") + _features("bakad") + [cities["gate-city"]]:
        g = _metric(shapely.geometry.shape(f["geometry"]))
        assert not g.intersects(protected), f["properties"]["id"]
    # the Almaty lowland (the city north of 43.25 N, where the plain is) stays open
    almaty = _geom("cities", "almaty")
    xs, ys = np.meshgrid(np.arange(*almaty.bounds[0::2], 500.0),
                         np.arange(*almaty.bounds[1::2], 500.0))  # fmt: skip
    x, y = xs.ravel(), ys.ravel()
    low = shapely.contains_xy(almaty, x, y) & (np.asarray(_LONLAT.transform(x, y)[1]) > 43.25)
    assert low.sum() > 500 and not shapely.contains_xy(protected, x[low], y[low]).any()
    # and the planner agrees: no built-in site is excluded
    scored = score_sites("builtin", layers, as_of="2026-01-01")
    assert not scored["excluded"].any(), scored.loc[scored["excluded"], "site_id"].tolist()


def test_the_mountain_part_of_almaty_is_excluded_and_explained(cli, tmp_path, layers):
    from planner.jobs.score_sites import score_sites

    site = pd.DataFrame({"site_id": ["medeu"], "name": ["Medeu"], "lon": [MOUNTAIN_POINT[0]],
                         "lat": [MOUNTAIN_POINT[1]]})  # fmt: skip
    path = tmp_path / "s.csv"
    site.to_csv(path, index=False)
    out = score_sites(path, layers, as_of="2026-01-01")
    row = out.iloc[0]
    assert row["excluded"] and pd.isna(row["rank"]) and row["score"] == 0
    assert "национальный парк" in row["why_ru"] and "горы и предгорья" in row["why_ru"]
    assert "national park" in row["why_en"] and "mountains and foothills" in row["why_en"]
    # compare: named as excluded, never recommended
    r = cli("compare", "iz-kairat", "--at", f"{MOUNTAIN_POINT[1]},{MOUNTAIN_POINT[0]},Medeu",
            "--lang", "en")  # fmt: skip
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert "Excluded (national park, mountains and foothills" in text
    assert "#× Medeu: Excluded" in text and "#1 Industrial zone Kairat: The only usable" in text


# --------------------------------------------------------------------------- candidates


def test_sites_grid_drops_or_marks_excluded_points(cli, tmp_path, protected):
    plain, kept = tmp_path / "g.csv", tmp_path / "k.csv"
    assert cli("sites", "grid", "-o", plain).exit_code == 0
    r = cli("sites", "grid", "-o", kept, "--keep-excluded", "--lang", "en")
    assert r.exit_code == 0, r.output
    g, k = pd.read_csv(plain), pd.read_csv(kept)
    assert len(g) > 1000 and not _inside(protected, g["lon"], g["lat"]).any()
    ex = k["excluded"].astype(str).str.lower().eq("true").to_numpy()
    inside = _inside(protected, k["lon"], k["lat"])
    assert inside.sum() > 100 and ex[inside].all()
    why = k.loc[inside, "excluded_reason"]
    assert why.str.contains("mountains and foothills|national park").all()
    assert why.str.contains("mountains and foothills").any() and why.str.contains("park").any()
    assert (k["excluded_reason"].fillna("").ne("").to_numpy() == ex).all()
    assert set(k.loc[~ex, "site_id"]) == set(g["site_id"])


@pytest.fixture(scope="module")
def demo_runs(cli, tmp_path_factory) -> dict[str, pd.DataFrame]:
    """The demo's runs: the companies on the grid (top 5) and on the built-in sites
    (allocated), and the scored grid."""
    d = tmp_path_factory.mktemp("demo-terrain")
    out = {}
    r = cli("score", DEMO_COMPANIES, "--sites", "grid", "--top", "5", "-o", d / "g.csv", "-q")
    assert r.exit_code in (0, 3), r.output
    out["grid"] = read_out_csv(d / "g.csv")  # ";" like the example list
    r = cli("score", DEMO_COMPANIES, "--sites", "builtin", "--allocate", "-o", d / "b.csv",
            "-q")  # fmt: skip
    assert r.exit_code in (0, 3), r.output
    out["builtin"] = read_out_csv(d / "b.csv")
    r = cli("score-sites", "grid", "-o", d / "s.csv", "--no-why", "--top", "0")
    assert r.exit_code == 0, r.output
    out["scored"] = pd.read_csv(d / "s.csv")
    return out


@pytest.mark.parametrize("run", ["grid", "builtin", "scored"])
def test_no_candidate_or_result_in_protected_land(demo_runs, protected, run):
    df = demo_runs[run]
    if run == "scored":
        df = df[df["rank"].notna()]  # every ranked (recommendable) site
    assert len(df) > 0
    inside = _inside(protected, df["lon"], df["lat"])
    assert not inside.any(), df.loc[inside, "site_id"].tolist()[:5]


# --------------------------------------------------------------------------- a user DEM

#: a plane made by hand, EPSG:32643, 30 m cells, 12 km west-east x 3 km north-south:
#: 800 m flat west of x0+4 km, a ramp rising 14 m per 100 m (14 %) eastwards to x0+8 km,
#: 1,360 m flat beyond
CELL = 30.0
RAMP_PCT = 14.0


def _origin() -> tuple[float, float]:
    x, y = _UTM.transform(77.00, 43.47)  # north of Almaty: open land, no exclusion
    return float(np.floor(x / CELL) * CELL), float(np.floor(y / CELL) * CELL)


def _hand_z(dx: np.ndarray) -> np.ndarray:
    return np.where(dx < 4000, 800.0, np.where(dx < 8000, 800 + RAMP_PCT / 100 * (dx - 4000),
                                               1360.0))  # fmt: skip


def from_origin(west: float, north: float, xres: float, yres: float) -> Affine:
    """rasterio.transform.from_origin without its deprecated Affine product."""
    return Affine(xres, 0.0, west, 0.0, -yres, north)


def _write(path: Path, z: np.ndarray, crs, transform, nodata=-9999.0) -> Path:
    with rasterio.open(path, "w", driver="GTiff", height=z.shape[0], width=z.shape[1], count=1,
                       dtype="float32", crs=crs, transform=transform, nodata=nodata) as dst:
        dst.write(z.astype("float32"), 1)
    return path


@pytest.fixture
def dem_utm(tmp_path) -> Path:
    x0, y0 = _origin()
    dx = (np.arange(400) + 0.5) * CELL
    return _write(tmp_path / "dem32643.tif", np.tile(_hand_z(dx), (100, 1)), "EPSG:32643",
                  from_origin(x0, y0, CELL, CELL))  # fmt: skip


def _site_at(dx: float, dy: float) -> tuple[float, float]:
    x0, y0 = _origin()
    lon, lat = _LONLAT.transform(x0 + dx, y0 - dy)
    return float(lon), float(lat)


@pytest.fixture
def terrain_sites(tmp_path) -> Path:
    rows = {"flat": _site_at(2015, 1515), "ramp": _site_at(6015, 1515),
            "plateau": _site_at(10015, 1515), "off-dem": (77.35, 43.47)}  # fmt: skip
    df = pd.DataFrame({"site_id": list(rows), "name": list(rows),
                       "lon": [v[0] for v in rows.values()],
                       "lat": [v[1] for v in rows.values()]})  # fmt: skip
    path = tmp_path / "sites.csv"
    df.to_csv(path, index=False)
    return path


def _scenario(tmp_path: Path, max_slope: float, max_elev: float) -> Path:
    path = tmp_path / "terrain.toml"
    path.write_text(
        'name = "terrain-test"\n[criteria.interchange]\nweight = 1\ntransform = "linear"\n'
        f"full_at_km = 3\nzero_at_km = 40\n[terrain]\nmax_slope_pct = {max_slope}\n"
        f"max_elevation_m = {max_elev}\n",
        encoding="utf-8",
    )
    return path


def test_slope_of_a_hand_made_grid():
    from planner.core.terrain import slope_pct

    z = np.array([[0.0, 0, 0], [10, 10, 10], [20, 20, 20]])  # 10 m per 100 m row
    np.testing.assert_allclose(slope_pct(z, 100.0), 10.0, rtol=1e-6)
    z = np.add.outer(np.zeros(3), [0.0, 3, 6]) + np.add.outer([0.0, 4, 8], np.zeros(3))
    np.testing.assert_allclose(slope_pct(z, 100.0), 5.0, rtol=1e-6)  # 3-4-5 triangle


def test_dem_in_utm_limits_slope_and_elevation(cli, tmp_path, dem_utm, terrain_sites, caplog):
    out = tmp_path / "scored.csv"
    r = cli("score-sites", terrain_sites, "-o", out, "--dem", dem_utm, "--lang", "en",
            "--scenario", _scenario(tmp_path, 10, 1200))  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "has no value at 1 of 4 sites" in caplog.text  # said, not passed silently
    df = pd.read_csv(out).set_index("site_id")
    ex = df["excluded"].astype(str).str.lower().eq("true")
    # by hand: the flat 800 m, the ramp 800 + 0.14 x (6015 - 4000) m at 14 %, the plateau
    assert df.loc["flat", "elevation_m"] == pytest.approx(800.0, abs=0.01)
    assert df.loc["flat", "slope_pct"] == pytest.approx(0.0, abs=0.01)
    assert df.loc["ramp", "elevation_m"] == pytest.approx(800 + 0.14 * 2015, abs=0.01)
    assert df.loc["ramp", "slope_pct"] == pytest.approx(RAMP_PCT, abs=0.01)
    assert df.loc["plateau", "elevation_m"] == pytest.approx(1360.0, abs=0.01)
    assert not ex["flat"] and ex["ramp"] and ex["plateau"] and not ex["off-dem"]
    assert df.loc["ramp", "exclusion_reason"] == "steep_slope"
    assert df.loc["plateau", "exclusion_reason"] == "high_elevation"
    assert _norm(df.loc["ramp", "why_ru"]) == "исключено: уклон 14 % > 10 %"
    assert _norm(df.loc["plateau", "why_ru"]) == "исключено: высота 1 360 м > 1 200 м"
    assert _norm(df.loc["plateau", "why_en"]) == "excluded: elevation 1 360 m > 1 200 m"
    # outside the DEM: kept, and said to be unknown rather than passed silently
    assert pd.isna(df.loc["off-dem", "elevation_m"])
    assert "рельеф неизвестен" in df.loc["off-dem", "why_ru"]
    assert "terrain unknown" in df.loc["off-dem", "why_en"]
    assert df.loc[["ramp", "plateau"], "rank"].isna().all()


def test_dem_in_degrees_is_reprojected(cli, tmp_path, terrain_sites):
    # z = 700 + 2000 m per degree of latitude southwards, 0.001 deg cells
    res, west, north = 0.001, 76.95, 43.52
    lat = north - (np.arange(120) + 0.5) * res
    z = np.repeat((700 + 2000 * (north - lat))[:, None], 150, axis=1)
    dem = _write(tmp_path / "dem4326.tif", z, "EPSG:4326", from_origin(west, north, res, res))
    lon0, lat0 = 77.00, 43.47
    sites = tmp_path / "one.csv"
    pd.DataFrame({"site_id": ["s"], "name": ["s"], "lon": [lon0], "lat": [lat0]}).to_csv(
        sites, index=False
    )
    m_per_deg = Geod(ellps="WGS84").inv(lon0, lat0 - 0.005, lon0, lat0 + 0.005)[2] / 0.01
    want_slope = 100 * 2000 / m_per_deg  # ~1.8 %
    out = tmp_path / "o.csv"
    r = cli("score-sites", sites, "-o", out, "--dem", dem, "--scenario",
            _scenario(tmp_path, 1.5, 3000))  # fmt: skip
    assert r.exit_code == 0, r.output
    row = pd.read_csv(out).iloc[0]
    assert row["elevation_m"] == pytest.approx(700 + 2000 * (north - lat0), abs=3.0)
    assert row["slope_pct"] == pytest.approx(want_slope, rel=0.03)
    assert str(row["excluded"]).lower() == "true"
    shown = f"{want_slope:.1f}".replace(".", ",")
    assert _norm(row["why_ru"]) == f"исключено: уклон {shown} % > 1,5 %"


def test_grid_and_batch_with_a_dem(cli, tmp_path, dem_utm):
    sc = _scenario(tmp_path, 10, 1200)
    kept, plain = tmp_path / "k.csv", tmp_path / "g.csv"
    base = ("sites", "grid", "--within-km", "20", "--dem", dem_utm, "--scenario", sc)
    assert cli(*base, "-o", plain).exit_code == 0
    r = cli(*base, "-o", kept, "--keep-excluded", "--lang", "ru")
    assert r.exit_code == 0, r.output
    k, g = pd.read_csv(kept), pd.read_csv(plain)
    over = (k["slope_pct"] > 10) | (k["elevation_m"] > 1200)
    assert over.sum() >= 10
    assert k.loc[over, "excluded"].astype(str).str.lower().eq("true").all()
    assert k.loc[over, "excluded_reason"].map(_norm).str.contains(r"уклон|высота").all()
    assert not ((g["slope_pct"] > 10) | (g["elevation_m"] > 1200)).any()
    # the batch never offers a site over the limits
    sites = tmp_path / "near.csv"
    k.loc[k["elevation_m"].notna(), ["site_id", "name", "lon", "lat"]].to_csv(sites, index=False)
    out = tmp_path / "r.csv"
    r = cli("score", DEMO_COMPANIES, "--sites", sites, "--dem", dem_utm, "--scenario", sc,
            "-o", out, "-q")  # fmt: skip
    assert r.exit_code in (0, 3), r.output
    res = read_out_csv(out)  # ";" like the example list
    res = res[res["site_id"].notna()]
    assert len(res) and not ((res["slope_pct"] > 10) | (res["elevation_m"] > 1200)).any()


def test_compare_names_the_terrain_reason(cli, tmp_path, dem_utm):
    lon, lat = _site_at(6015, 1515)
    r = cli("compare", "iz-kairat", "--at", f"{lat},{lon},Ramp", "--dem", dem_utm,
            "--scenario", _scenario(tmp_path, 10, 1200), "--lang", "en")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "Excluded (slope 14 % > 10 %)" in _norm(" ".join(r.output.split()))


def _bad_dems(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    text = tmp_path / "notes.tif"
    text.write_text("not a raster", encoding="utf-8")
    x0, y0 = _origin()
    z = np.tile(_hand_z((np.arange(40) + 0.5) * CELL), (10, 1))
    no_crs = _write(tmp_path / "nocrs.tif", z, None, from_origin(x0, y0, CELL, CELL))
    empty = _write(tmp_path / "empty.tif", np.full((10, 10), -9999.0), "EPSG:32643",
                   from_origin(x0, y0, CELL, CELL))  # fmt: skip
    far = _write(tmp_path / "far.tif", np.full((10, 10), 500.0), "EPSG:4326",
                 from_origin(79.5, 44.6, 0.01, 0.01))  # in the region, away from every site
    return {
        "not a raster": (text, "is not a raster"),
        "no CRS": (no_crs, "has no coordinate reference system"),
        "all nodata": (empty, "has no elevation values"),
        "elsewhere": (far, "covers none of the 8 sites"),
    }


@pytest.mark.parametrize("case", ["not a raster", "no CRS", "all nodata", "elsewhere"])
def test_bad_dem_is_one_paragraph_naming_the_file(cli, tmp_path, case):
    path, words = _bad_dems(tmp_path)[case]
    r = cli("score-sites", "builtin", "-o", tmp_path / "o.csv", "--dem", path, "--lang", "en")
    assert r.exit_code == 1, r.output
    text = " ".join(r.output.split())
    assert words in text and path.name in text and "Traceback" not in r.output
    assert not (tmp_path / "o.csv").exists()


def test_cli_limits_override_the_scenario(cli, tmp_path, dem_utm, terrain_sites):
    out = tmp_path / "o.csv"
    r = cli("score-sites", terrain_sites, "-o", out, "--dem", dem_utm, "--max-slope-pct", "20",
            "--max-elevation-m", "1000")  # fmt: skip
    assert r.exit_code == 0, r.output
    df = pd.read_csv(out).set_index("site_id")
    # the ramp site (1,082 m at 14 %) now fails on elevation only; the hash says the
    # limits differ from the scenario's own
    assert df.loc["ramp", "exclusion_reason"] == "high_elevation"
    assert _norm(df.loc["ramp", "why_en"]) == "excluded: elevation 1 082 m > 1 000 m"
    from planner.config.scenarios import load_scenario

    assert df["scenario_hash"].iloc[0] != load_scenario("bakad-perimeter").hash


@pytest.mark.parametrize(
    "table, words",
    [("max_slope_pct = -1", "max_slope_pct"), ("max_slope = 5", "max_slope"),
     ('max_elevation_m = "high"', "max_elevation_m")],
)  # fmt: skip
def test_terrain_table_is_validated(tmp_path, table, words):
    from planner.config.scenarios import load_scenario
    from planner.errors import ScenarioError

    path = tmp_path / "bad.toml"
    path.write_text('[criteria.interchange]\nweight = 1\ntransform = "linear"\n'
                    f"full_at_km = 3\nzero_at_km = 40\n[terrain]\n{table}\n",
                    encoding="utf-8")  # fmt: skip
    with pytest.raises(ScenarioError, match=words):
        load_scenario(path)
