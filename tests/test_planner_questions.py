"""A planner's first questions (issue 11): answers checked independently of the code under test.

Each test recomputes what it checks from the inputs (the written tables, the layers'
geometry) with plain pandas/shapely, rather than reusing the planner's own functions.
Geometry is read from the layers, never hard-coded, so the tests hold when the built-in
geography is redrawn.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _book import read_book, read_out_csv
from test_maps import payload_of

from planner.core.prepared import Prepared
from planner.core.surface import compute_surface
from planner.inputs.rejects import machine_headers
from planner.jobs.surface import write_surface

ROOT = Path(__file__).resolve().parents[1]
DEMO_COMPANIES = ROOT / "geodata" / "examples" / "companies.csv"
SCENARIO = "bakad-perimeter"


def _truthy(values) -> pd.Series:
    return pd.Series(values, dtype=object).astype(str).str.strip().str.lower().isin(["true", "1"])


# --------------------------------------------------------------------------- 7: map of --allocate


@pytest.fixture(scope="module")
def demo_allocated(cli, tmp_path_factory) -> Path:
    """What `make demo` writes: the example companies on the built-in sites, --allocate."""
    out = tmp_path_factory.mktemp("demo") / "results.xlsx"
    r = cli("score", DEMO_COMPANIES, "--sites", "builtin", "--allocate", "-o", out,
            "--rejects", out.with_name("rejects.csv"), "--quiet")  # fmt: skip
    assert r.exit_code in (0, 3), r.output
    return out


def _expected_best_counts(results: pd.DataFrame) -> Counter:
    """Per site, the companies whose best is there: the allocated site, else the rank-1 site."""
    results = results.assign(_alloc=_truthy(results["allocated"]).to_numpy())
    best = {}
    for company, rows in results.groupby("company_id", sort=False):
        hit = rows[rows["_alloc"]]
        pick = hit if len(hit) else rows.sort_values("rank", kind="stable").head(1)
        best[company] = str(pick["site_id"].iloc[0])
    return Counter(best.values())


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_map_of_the_demos_allocated_results(cli, tmp_path, demo_allocated, fmt):
    results = read_book(demo_allocated, "results")
    assert _truthy(results["allocated"]).any(), "the demo places companies"
    src = demo_allocated
    if fmt == "csv":  # the same table as a spreadsheet user re-saves it: flags as text
        src = tmp_path / "results.csv"
        results.to_csv(src, index=False, sep=";", encoding="utf-8-sig")
    out = tmp_path / "r.html"
    r = cli("map", "--results", src, "-o", out)
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output and "unexpectedly" not in r.output
    best = payload_of(out.read_text(encoding="utf-8"))["best"]
    shown = Counter(
        {sid: len(c) + more for sid, c, more in zip(best["id"], best["comp"], best["compMore"],
                                                    strict=True)}  # fmt: skip
    )
    assert shown == _expected_best_counts(results)


# --------------------------------------------------------------------------- 8: honest messages


@pytest.fixture(scope="module")
def surface_2025(layers, tmp_path_factory) -> Path:
    surf = compute_surface(
        Prepared.of(layers, "2025-06-01"), SCENARIO, cell_m=2000, extent="bakad:10km"
    )
    return write_surface(surf, tmp_path_factory.mktemp("surface") / "s.npz")


def test_map_sites_and_surface_of_other_dates_says_what_happened(cli, tmp_path, surface_2025):
    sites = tmp_path / "sites_2030.csv"
    r = cli("score-sites", "builtin", "--scenario", SCENARIO, "--as-of", "2030-01-01",
            "-o", sites, "--top", "0")  # fmt: skip
    assert r.exit_code == 0, r.output
    out = tmp_path / "m.html"
    r = cli("map", "--sites", sites, "--surface", surface_2025, "-o", out, "--lang", "en")
    assert r.exit_code == 1, r.output
    msg = " ".join(r.output.split())
    assert "--as-of" not in msg.split(";")[0], "no --as-of was given: the date is the surface's"
    assert "was given" not in msg
    assert "2025-06-01" in msg and "2030-01-01" in msg and "s.npz" in msg
    assert not out.exists()
    # with --as-of given, the message names --as-of
    r = cli("map", "--sites", sites, "--surface", surface_2025, "--as-of", "2030-01-01",
            "-o", out, "--lang", "en")  # fmt: skip
    assert r.exit_code == 1 and "--as-of '2030-01-01' was given" in " ".join(r.output.split())


# --------------------------------------------------------------------------- 3: allocation rules


def _sites_of_unknown_area(layers, path: Path) -> Path:
    """The built-in sites' points without any area, plus one far out east of BAKAD."""
    from planner.inputs.sites import load_sites

    builtin = load_sites("builtin", layers)
    west, south, east, north = layers["bakad"].total_bounds
    far = pd.DataFrame({"site_id": ["far-east"], "lon": [east + 1.6], "lat": [(south + north) / 2]})
    table = pd.concat([builtin[["site_id", "lon", "lat"]], far], ignore_index=True)
    table.to_csv(path, index=False)
    return path


def _scenario_with_min_score(tmp_path: Path, min_score: float) -> Path:
    from planner.config import scenarios

    src = Path(scenarios.__file__).parent / "data" / "scenarios" / f"{SCENARIO}.toml"
    text = src.read_text(encoding="utf-8").replace(f'name = "{SCENARIO}"', 'name = "strict"')
    path = tmp_path / "strict.toml"
    path.write_text(text + f"\n[allocation]\nmin_score = {min_score}\n", encoding="utf-8")
    return path


def _allocate(cli, tmp_path, layers, *options) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    sites = _sites_of_unknown_area(layers, tmp_path / "sites.csv")
    out = tmp_path / "alloc.xlsx"
    r = cli("score", DEMO_COMPANIES, "--lang", "en", "--sites", sites, "--allocate", *options,
            "-o", out,
            "--rejects", tmp_path / "rejects.csv", "--quiet")  # fmt: skip
    assert r.exit_code in (0, 3), r.output
    book = read_book(out)
    return book["results"], book["allocation"], " ".join(r.output.split())


@pytest.mark.parametrize(
    ("options", "floor", "per_site"),
    [
        (("--min-score", "50"), 50.0, "one"),
        (("--unknown-area", "unlimited", "--scenario", "STRICT"), 70.0, "unlimited"),
        (("--unknown-area", "20"), 25.0, "20"),
    ],
)
def test_allocation_rules(cli, tmp_path, layers, options, floor, per_site):
    options = tuple(str(_scenario_with_min_score(tmp_path, 70)) if o == "STRICT" else o
                    for o in options)  # fmt: skip
    results, alloc, said = _allocate(cli, tmp_path, layers, *options)
    placed = alloc[alloc["allocated"].astype(bool)]
    # no allocation below the minimum acceptable score, which the summary states
    assert (placed["score"] >= floor).all()
    assert f"minimum acceptable score {floor:g} of 100" in said
    # the unknown-area policy holds and is reported
    at = placed.groupby("site_id")
    if per_site == "one":
        assert at.size().max() <= 1 and "one company per site of unknown area" in said
    elif per_site == "unlimited":
        assert "any number of companies" in said
    else:
        assert at["land_ha"].sum().max() <= 20 + 1e-9 and "assumed to have 20 ha" in said
    # every unplaced company is listed with why
    best = results.groupby("company_id")["score"].max()
    for rec in alloc[~alloc["allocated"].astype(bool)].itertuples():
        line = said.split(f"not placed: {rec.name} ({rec.company_id}): ", 1)
        assert len(line) == 2, f"{rec.name} is not listed as unplaced"
        why = line[1].split(" not placed: ", 1)[0]
        if best.get(rec.company_id, -1) < floor:
            assert f"below the minimum acceptable score {floor:g}" in why and "needs" in why
        elif "taken by" in why:
            holders = placed[placed["site_id"] == rec.site_id]["name"] if pd.notna(
                rec.site_id) else placed["name"]
            assert any(str(h) in why for h in holders)
    if per_site == "one":  # 9 sites of one company each for 50 companies: most stay unplaced
        assert (~alloc["allocated"].astype(bool)).sum() >= len(alloc) - 9


def test_allocation_rules_need_allocate(cli, tmp_path):
    r = cli("score", DEMO_COMPANIES, "--min-score", "40", "-o", tmp_path / "x.xlsx")
    assert r.exit_code in (1, 2) and "--allocate" in r.output and "Traceback" not in r.output
    r = cli("score", DEMO_COMPANIES, "--allocate", "--unknown-area", "lots", "-o",
            tmp_path / "x.xlsx")  # fmt: skip
    assert r.exit_code in (1, 2) and "unlimited" in r.output and not (tmp_path / "x.xlsx").exists()


# --------------------------------------------------------------------------- 1: housing gaps

HOUSING_KINDS = ("city_outline", "settlement", "planned_district", "residential")


def _housing_metric(cities, as_of: str):
    """Housing outlines in EPSG:32643, computed here from the layer's own fields."""
    import datetime as dt

    h = cities[cities["kind"].isin(HOUSING_KINDS)].to_crs(32643)
    day = dt.date.fromisoformat(as_of)

    def on(col, before):
        v = pd.to_datetime(h[col], errors="coerce") if col in h else pd.Series(pd.NaT, h.index)
        d = v.dt.date
        return d.map(lambda x: False if pd.isna(x) else (day < x if before else day >= x))

    gone = on("announced", True).astype(bool) | on("status_until", False).astype(bool)
    return h[~gone.to_numpy()]


def _probe_sites(housing, path: Path) -> Path:
    """Points inside every housing outline and at 0.3-2 km outside it (EPSG:4326 CSV)."""
    import geopandas as gpd

    pts, ids = [], []
    for fid, geom in zip(housing["id"], housing.geometry, strict=True):
        pts.append(geom.representative_point())
        ids.append(f"{fid}-in")
        for d_km in (0.3, 0.7, 1.2, 2.0):
            grown = geom.buffer(d_km * 1000)
            ring = max(getattr(grown, "geoms", [grown]), key=lambda g: g.area).exterior
            for frac in (0.1, 0.6):
                pts.append(ring.interpolate(frac, normalized=True))
                ids.append(f"{fid}-{d_km}-{frac}")
    g = gpd.GeoSeries(pts, crs=32643).to_crs(4326)
    pd.DataFrame({"site_id": ids, "lon": g.x, "lat": g.y}).to_csv(path, index=False)
    return path


def _hazard_companies(path: Path) -> Path:
    pd.DataFrame({
        "name": ["Class I plant", "Class II plant", "Office"],
        "land_ha": [1, 1, 1],
        "sector": ["other"] * 3,
        "hazard_class": ["I", "II", ""],
    }).to_csv(path, index=False)  # fmt: skip
    return path


def _with_residential(layers, tmp_path: Path, announced: str) -> Path:
    """The built-in layers plus one user residential district (announced on a date),
    drawn 25 km from every existing housing outline, written as a --layers GeoPackage."""
    cities = layers["cities"]
    housing = cities[cities["kind"].isin(HOUSING_KINDS)].to_crs(32643)
    bakad = layers["bakad"].to_crs(32643)
    ring = bakad[bakad["kind"] == "ring_road"].geometry.union_all()
    grown = ring.buffer(3000)
    far = max(getattr(grown, "geoms", [grown]), key=lambda g: g.area).exterior
    spot = max((far.interpolate(f, normalized=True) for f in np.linspace(0, 1, 60)),
               key=lambda p: housing.distance(p).min())  # fmt: skip
    import geopandas as gpd

    row = {c: None for c in cities.columns if c != "geometry"}
    row.update(id="user-mkr", kind="residential", name_en="User district",
               name_ru="Пользовательский мкр.", name_kk="Пайдаланушы ықшамауданы",
               source="test", estimated=True, accuracy_m=10.0, announced=announced)  # fmt: skip
    new = gpd.GeoDataFrame([row], geometry=[spot.buffer(800)], crs=32643).to_crs(cities.crs)
    out = tmp_path / "layers.gpkg"
    for name in layers.layers:
        gdf = layers[name]
        if name == "cities":
            gdf = pd.concat([gdf, new], ignore_index=True)
        gdf.to_file(out, layer=name, engine="pyogrio")
    return out


@pytest.mark.parametrize("as_of", ["2022-06-01", "2030-01-01"])
def test_no_hazardous_plant_within_its_gap_of_any_housing(cli, tmp_path, layers, as_of):
    lay = _with_residential(layers, tmp_path, announced="2025-01-01")
    from planner.inputs.layers import load_layers

    user = load_layers(lay)
    housing = _housing_metric(user["cities"], as_of)
    assert {"gate-city", "user-mkr"} <= set(housing["id"]) or as_of < "2025-01-01"
    sites = _probe_sites(_housing_metric(user["cities"], "2030-01-01"), tmp_path / "sites.csv")
    out = tmp_path / "r.csv"
    r = cli("score", _hazard_companies(tmp_path / "c.csv"), "--sites", sites, "--layers", lay,
            "--as-of", as_of, "--top", "1000", "-o", out, "--quiet")  # fmt: skip
    assert r.exit_code in (0, 3), r.output
    res = read_out_csv(out)
    import geopandas as gpd

    pts = gpd.GeoSeries(gpd.points_from_xy(res["lon"], res["lat"]), crs=4326).to_crs(32643)
    outline = housing.geometry.union_all()
    dist_m = pts.distance(outline).to_numpy()
    gap_m = res["name"].map({"Class I plant": 1000.0, "Class II plant": 500.0, "Office": 0.0})
    assert (dist_m >= gap_m.to_numpy() - 1.0).all()
    office = res[res["name"] == "Office"]
    assert office["site_id"].str.endswith("-in").any(), "no-hazard companies may be anywhere"
    # the user's residential district counts only once announced
    inside_user = res[(res["name"] == "Class I plant") & (res["site_id"] == "user-mkr-in")]
    assert inside_user.empty == (as_of >= "2025-01-01")


def test_hazard_reason_names_the_housing(cli, tmp_path, layers):
    gate = layers["cities"]
    gate = gate[gate["id"] == "gate-city"].to_crs(32643)
    import geopandas as gpd

    g = gate.geometry.iloc[0]
    grown = g.buffer(200)
    ring = max(getattr(grown, "geoms", [grown]), key=lambda p: p.area).exterior
    pts = [g.representative_point(), ring.interpolate(0.5, normalized=True)]
    ll = gpd.GeoSeries(pts, crs=32643).to_crs(4326)
    housing = _housing_metric(layers["cities"], "2030-01-01")
    nearest = [housing["id"].iloc[int(housing.distance(p).to_numpy().argmin())] for p in pts]
    sites = tmp_path / "s.csv"
    pd.DataFrame({"site_id": ["a", "b"], "lon": ll.x, "lat": ll.y}).to_csv(sites, index=False)
    out = tmp_path / "r.xlsx"
    r = cli("score", _hazard_companies(tmp_path / "c.csv"), "--lang", "en", "--sites", sites,
            "--as-of",
            "2030-01-01", "-o", out, "--quiet")  # fmt: skip
    assert r.exit_code in (0, 3), r.output
    comp = read_book(out, "companies").set_index("name")
    for name in ("Class I plant", "Class II plant"):
        detail = str(comp.at[name, "no_site_detail"])
        assert detail.startswith("hazard:"), detail
        assert f"({nearest[1]})" in detail or f"({nearest[0]})" in detail, detail
    assert comp.at["Office", "status"] == "ranked"


# --------------------------------------------------------------------------- 5: real options


def _pairwise_min_km(res: pd.DataFrame) -> pd.Series:
    import geopandas as gpd

    pts = gpd.GeoSeries(gpd.points_from_xy(res["lon"], res["lat"]), crs=4326).to_crs(32643)
    res = res.assign(_x=pts.x.to_numpy(), _y=pts.y.to_numpy())
    out = {}
    for cid, g in res.groupby("company_id"):
        xy = g[["_x", "_y"]].to_numpy()
        d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
        np.fill_diagonal(d, np.inf)
        out[cid] = d.min() / 1000.0
    return pd.Series(out)


@pytest.fixture(scope="module")
def grid_top5(cli, tmp_path_factory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("grid") / "g.csv"
    r = cli("score", DEMO_COMPANIES, "--sites", "grid", "--top", "5", "-o", out, "--quiet")
    assert r.exit_code in (0, 3), r.output
    return read_out_csv(out)


def test_grid_top5_are_at_least_2km_apart(grid_top5):
    res = grid_top5
    assert (res.groupby("company_id").size() == 5).all()
    assert (_pairwise_min_km(res) >= 2.0 - 1e-6).all()
    assert (res.groupby("company_id")["rank"].min() == 1).all(), "the best site is always kept"


def test_named_sites_keep_neighbours_unless_asked(cli, tmp_path, grid_top5):
    # the grid's own listed sites and their close neighbours as a named sites file
    pts = grid_top5.drop_duplicates("site_id")[["site_id", "lon", "lat"]].head(40)
    near = pts.assign(site_id=pts["site_id"] + "-n", lon=pts["lon"] + 0.004)  # ~320 m east
    sites = tmp_path / "named.csv"
    pd.concat([pts, near]).to_csv(sites, index=False)
    for extra, floor in (((), 0.0), (("--min-separation-km", "1"), 1.0)):
        out = tmp_path / f"n{floor}.csv"
        r = cli("score", DEMO_COMPANIES, "--sites", sites, "--top", "5", "-o", out, "--quiet",
                *extra)  # fmt: skip
        assert r.exit_code in (0, 3), r.output
        res = read_out_csv(out)
        gaps = _pairwise_min_km(res)
        assert (gaps >= floor - 1e-6).all()
        if floor == 0.0:
            assert (gaps < 1.0).any(), "named plots are each an option however close"


# --------------------------------------------------------------------------- 6: sites rejects


def _bad_sites_rows(layers) -> tuple[list[list[str]], dict[str, int]]:
    """Zone points as a sites list: one row with lat/lon swapped, one with both empty.

    Returns the rows (header first; a blank row in the middle, as lists have) and the row
    each bad site is on as a spreadsheet shows it (header = row 1, blank rows counted)."""
    zones = layers["zones"]
    pts = zones.geometry.representative_point()
    rows = [["id", "наименование", "широта", "долгота"]]
    for i, (zid, p) in enumerate(zip(zones["id"].astype(str), pts, strict=True)):
        lat, lon = f"{p.y:.5f}".replace(".", ","), f"{p.x:.5f}".replace(".", ",")
        if i == 1:
            lat, lon = lon, lat  # swapped
        if i == 3:
            lat = lon = ""  # empty
        if i == 2:
            rows.append(["", "", "", ""])  # a blank row: skipped, but it has a number
        rows.append([f"s-{zid}", f"Участок {i}", lat, lon])
    bad = {rows[r][0]: r + 1 for r in range(1, len(rows)) if rows[r][0] and (
        rows[r][2] == "" or float(rows[r][2].replace(",", ".")) > 60)}  # fmt: skip
    return rows, bad


def _write_sites(rows, path: Path) -> Path:
    if path.suffix == ".csv":  # as Russian Excel saves it: ';', cp1251, comma decimals
        path.write_bytes(("\r\n".join(";".join(r) for r in rows) + "\r\n").encode("cp1251"))
    else:
        import openpyxl

        wb = openpyxl.Workbook()
        for r in rows:
            wb.active.append([c if c else None for c in r])
        wb.save(path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_sites_file_with_a_swapped_and_an_empty_row(cli, tmp_path, layers, suffix):
    rows, bad = _bad_sites_rows(layers)
    assert len(bad) == 2
    sites = _write_sites(rows, tmp_path / f"sites{suffix}")
    good = [r[0] for r in rows[1:] if r[0] and r[0] not in bad]
    out = tmp_path / "r.csv"
    r = cli("score", DEMO_COMPANIES, "--sites", sites, "--top", "50", "-o", out, "--quiet")
    assert r.exit_code == 3, r.output
    res = pd.read_csv(out, sep=None, engine="python", encoding="utf-8-sig", dtype=str)
    assert set(res["site_id"]) <= set(good) and set(res["site_id"]) & set(good)
    assert not set(res["site_id"]) & set(bad)
    rej_path = tmp_path / "r.sites.rejects.csv"
    enc = "cp1251" if suffix == ".csv" else "utf-8-sig"
    sep = ";" if suffix == ".csv" else ","
    rej = machine_headers(pd.read_csv(rej_path, sep=sep, encoding=enc, dtype=str,
                                      keep_default_na=False))  # headed in the language
    assert dict(zip(rej["id"], rej["row"].astype(int), strict=True)) == bad
    said = " ".join(r.output.split())  # the summary names each rejected row and its id
    for ident, line in bad.items():
        assert f"строка {line} («{ident}»)" in said  # in Russian, the default
    # score-sites and compare read the file the same way
    r = cli("score-sites", sites, "-o", tmp_path / "s.csv", "--top", "0")
    assert r.exit_code == 3, r.output
    rej2 = machine_headers(pd.read_csv(tmp_path / "s.rejects.csv", sep=sep, encoding=enc,
                                       dtype=str))
    assert dict(zip(rej2["id"], rej2["row"].astype(int), strict=True)) == bad
    assert len(pd.read_csv(tmp_path / "s.csv", dtype=str)) == len(good)
    r = cli("compare", *good[:2], "--sites", sites, "--xlsx", tmp_path / "c.xlsx")
    assert r.exit_code == 3, r.output
    assert (tmp_path / "c.sites.rejects.csv").exists()
    # --strict keeps all-or-nothing
    r = cli("score-sites", sites, "-o", tmp_path / "strict.csv", "--strict", "--lang", "en")
    assert r.exit_code == 1 and not (tmp_path / "strict.csv").exists()
    assert all(f"row {n} (site '{i}')" in " ".join(r.output.split()) for i, n in bad.items())
    r = cli("score", DEMO_COMPANIES, "--sites", sites, "-o", tmp_path / "s2.csv", "--strict")
    assert r.exit_code == 1 and "--strict" in r.output and not (tmp_path / "s2.csv").exists()
# --------------------------------------------------------------------------- 4: IT near the PIT

PKG = ROOT / "planner"
SECTORS_TOML = PKG / "config" / "data" / "sectors.toml"
SCENARIO_TOML = PKG / "config" / "data" / "scenarios" / f"{SCENARIO}.toml"
#: the sector cell as analysts write it: key, Russian title, alias, OKED codes
IT_SPELLINGS = ("it", "ИТ и разработка", "информационные технологии", "62.01", "63.11")
PIT = "sez-pit"
_COLUMN = {"bakad": "dist_bakad_km", "interchange": "dist_interchange_km",
           "almaty": "dist_almaty_km", "konaev": "dist_konaev_km",
           "gate_city": "dist_gate_city_km", "zone_proximity": "dist_zone_km",
           "rail": "dist_rail_km", "airport": "dist_airport_km", "highway": "dist_highway_km",
           "khorgos": "dist_khorgos_km", "housing": "dist_housing_km"}  # fmt: skip


def _toml(path: Path) -> dict:
    import tomllib

    return tomllib.loads(path.read_text(encoding="utf-8"))


def _utility(spec: dict, rows: pd.DataFrame, key: str) -> np.ndarray:
    """One criterion's utility, from the TOML table and the written columns (our own maths)."""
    kind = spec["transform"]
    if kind == "categorical":
        u = rows["zone_status"].fillna("none").map(spec["values"]).to_numpy(dtype=float)
        sez = rows["sez_status"].astype(str).eq("operating").to_numpy()
        return np.minimum(u + spec.get("sez_bonus", 0.0) * sez, 1.0)
    d = rows[_COLUMN[key]].to_numpy(dtype=float)
    if kind == "linear":
        full, zero = spec["full_at_km"], spec["zero_at_km"]
        return np.clip((zero - d) / (zero - full), 0, 1)
    if kind == "exponential":
        return 0.5 ** (d / spec["half_km"])
    assert kind == "band", kind
    up = np.clip((d - spec["zero_below_km"]) / (spec["full_from_km"] - spec["zero_below_km"]), 0, 1)
    down = np.clip((spec["zero_above_km"] - d) / (spec["zero_above_km"] - spec["full_to_km"]), 0, 1)
    u = np.minimum(up, down)
    if spec.get("inside_value") is not None:
        u = np.where(_truthy(rows["in_almaty"]).to_numpy(), spec["inside_value"], u)
    return u


def _expected_points(rows: pd.DataFrame, sector: str) -> pd.DataFrame:
    """The points of each row for a company of ``sector``, from the two TOML files."""
    scenario, sectors = _toml(SCENARIO_TOML), _toml(SECTORS_TOML)["sectors"][sector]
    mult, own = sectors.get("multipliers", {}), sectors.get("transforms", {})
    w = {k: c["weight"] * mult.get(k, 1.0) for k, c in scenario["criteria"].items()}
    total = sum(w.values())
    return pd.DataFrame({
        k: 100 * w[k] / total * _utility(own.get(k, c), rows, k)
        for k, c in scenario["criteria"].items()
    }, index=rows.index)  # fmt: skip


def _company_file(path: Path) -> Path:
    """A companies list as an analyst types it: Russian headers, ';', comma decimals."""
    names = [f"ТОО «Софт {i}»" for i in range(len(IT_SPELLINGS))] + [
        "ТОО «Швейный цех»", "ТОО «Хлебозавод»"]  # fmt: skip
    sectors = [*IT_SPELLINGS, "Лёгкая промышленность", "пищевая промышленность"]
    text = "Наименование;Площадь, га;Отрасль;Численность\n" + "".join(
        f"{n};0,5;{s};40\n" for n, s in zip(names, sectors, strict=True)
    )
    path.write_text(text, encoding="utf-8-sig")
    return path


@pytest.fixture(scope="module")
def it_results(cli, tmp_path_factory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("it") / "r.csv"
    src = _company_file(out.with_name("companies.csv"))
    r = cli("score", src, "--sites", "builtin", "--top", "10", "-o", out, "--quiet")
    assert r.exit_code == 0, r.output
    return read_out_csv(out)


def test_it_company_gets_the_pit_in_its_top_2(it_results):
    res = it_results
    for i, spelling in enumerate(IT_SPELLINGS):
        rows = res[res["name"] == f"ТОО «Софт {i}»"].sort_values("rank")
        assert len(rows) == 8, f"{spelling}: every built-in site is open to an IT office"
        pts = _expected_points(rows, "it")
        # the written points and score are what the TOML files say, independently computed
        for k in pts.columns:
            assert np.allclose(rows[f"c_{k}"], pts[k], atol=1e-6), (spelling, k)
        assert np.allclose(rows["score"], pts.sum(axis=1), atol=1e-6), spelling
        best2 = rows.loc[pts.sum(axis=1).sort_values(ascending=False).index[:2], "site_id"]
        assert PIT in set(best2), (spelling, best2.tolist())
        assert PIT in set(rows.head(2)["site_id"]), (spelling, rows.head(3).to_dict("records"))
        pit = rows[rows["site_id"] == PIT].iloc[0]
        assert _truthy([pit["in_almaty"]]).iloc[0] and pit["c_almaty"] > 0
        assert "2022" not in pit["why_ru"], "no production rule for an IT office"


def test_production_in_the_city_gets_0_with_the_reason(it_results, cli, tmp_path):
    from planner import i18n

    res = it_results
    for name in ("ТОО «Швейный цех»", "ТОО «Хлебозавод»"):  # the city is housing: no plant
        rows = res[res["name"] == name]
        assert len(rows) and not _truthy(rows["in_almaty"]).any(), name
        assert not rows["why_ru"].str.contains("2022").any()
    # the same rule with no company: every in-city site, in all three languages
    out = tmp_path / "s.csv"
    r = cli("score-sites", "builtin", "-o", out, "--top", "0")
    assert r.exit_code == 0, r.output
    sites = read_out_csv(out)
    city = sites[_truthy(sites["in_almaty"]).to_numpy()]
    assert len(city) >= 2 and (city["c_almaty"] == 0).all()
    assert np.allclose(city["c_almaty"], _expected_points(city, "other")["almaty"])
    assert PIT in set(city["site_id"])
    for lang, col in (("ru", "why_ru"), ("en", "why_en")):
        assert city[col].str.endswith(i18n.t("why.city_rule.zero", lang)).all(), col
    kk = i18n.t("why.city_rule.zero", "kk")
    assert kk.startswith("Алматы ішінде") and "2022" in kk and "0 балл" in kk
    for lang in i18n.LANGS:
        assert "2022" in i18n.t("why.city_rule.points", lang, points="3,0")


def test_compare_for_an_it_company_puts_the_pit_in_the_top_2(cli, tmp_path):
    src = _company_file(tmp_path / "c.csv")
    sites = ["iz-kairat", "iz-bereke", PIT, "aiz-1", "iz-kairat-2", "sez-alatau"]
    for name, sector in (("ТОО «Софт 1»", "it"), ("ТОО «Швейный цех»", "light_industry")):
        out = tmp_path / f"{sector}.xlsx"
        r = cli("compare", *sites, "--company", name, "--companies", src, "--xlsx", out)
        assert r.exit_code == 0, r.output
        book = read_book(out)
        table = next(df for df in book.values() if {"site_id", "rank", "c_almaty"} <= set(df))
        pts = _expected_points(table, sector)
        assert np.allclose(table["score"], pts.sum(axis=1), atol=1e-6), sector
        if sector == "it":
            assert int(table.loc[table["site_id"] == PIT, "rank"].iloc[0]) <= 2
        else:
            inside = _truthy(table["in_almaty"]).to_numpy()
            assert inside.any() and (table.loc[inside, "c_almaty"] == 0).all()


@pytest.mark.parametrize("sector", ["ИТ", "62.01"])
def test_score_sites_as_an_it_company_puts_the_pit_in_the_top_2(cli, tmp_path, sector):
    out = tmp_path / "s.csv"
    r = cli("score-sites", "builtin", "--sector", sector, "-o", out, "--top", "0")
    assert r.exit_code == 0, r.output
    sites = read_out_csv(out)
    assert (sites["scenario"] == f"{SCENARIO}@it").all()
    pts = _expected_points(sites, "it")
    for k in pts.columns:
        assert np.allclose(sites[f"c_{k}"], pts[k], atol=1e-6), k
    assert np.allclose(sites["score"], pts.sum(axis=1), atol=1e-6)
    best2 = sites.loc[pts.sum(axis=1).sort_values(ascending=False).index[:2], "site_id"]
    assert PIT in set(best2)
    assert int(sites.loc[sites["site_id"] == PIT, "rank"].iloc[0]) <= 2
    assert not sites["why_ru"].str.contains("2022").any()


def test_a_sector_transform_is_checked_like_a_scenario(cli, tmp_path):
    text = SECTORS_TOML.read_text(encoding="utf-8")
    bad = text.replace("[sectors.it.transforms.almaty]\ntransform = \"linear\"\nfull_at_km = 25\n",
                       "[sectors.it.transforms.almaty]\ntransform = \"linear\"\nful_at_km = 25\n")
    assert bad != text
    path = tmp_path / "my_sectors.toml"
    path.write_text(bad, encoding="utf-8")
    r = cli("companies", "sectors", "--sectors", path)
    msg = " ".join(r.output.split())
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "my_sectors.toml" in msg and "[sectors.it.transforms.almaty]" in msg
    assert "ful_at_km" in msg and "full_at_km" in msg
    wrong_kind = text.replace("[sectors.it.transforms.time_almaty]\ntransform = \"linear\"\n"
                              "full_at_min = 30\nzero_at_min = 75\n",
                              "[sectors.it.transforms.time_almaty]\ntransform = \"linear\"\n"
                              "full_at_km = 30\nzero_at_km = 75\n")  # fmt: skip
    path.write_text(wrong_kind, encoding="utf-8")
    r = cli("companies", "sectors", "--sectors", path)
    msg = " ".join(r.output.split())
    assert r.exit_code == 1 and "[sectors.it.transforms.time_almaty]" in msg and "_min" in msg


# --------------------------------------------------------------------------- robustness on a grid


def test_grid_robustness_covers_every_listed_alternative(cli, tmp_path):
    src = _company_file(tmp_path / "c.csv")
    out = tmp_path / "g.csv"
    r = cli("score", src, "--sites", "grid", "--top", "5", "--robustness",
            "-o", out, "--quiet")  # fmt: skip
    assert r.exit_code == 0, r.output
    res = read_out_csv(out)
    assert (res["rank"] > 5).any(), "the alternatives apart go below the raw top 5"
    assert res["p_first"].notna().all() and res["rank_p5"].notna().all()
    assert res["rank_p95"].between(1, 5).all() and (res["rank_p5"] <= res["rank_p95"]).all()
    for _, g in res.groupby("company_id"):
        assert abs(g["p_first"].sum() - 1.0) < 1e-9, "each draw has one first place"


# --------------------------------------------------------------------------- compare: which housing


def test_compare_hazard_line_names_the_housing(cli, tmp_path, layers):
    src = tmp_path / "c.csv"
    src.write_text("name;land_ha;sector;hazard_class\nХимзавод;2;chemicals;I\n", encoding="utf-8")
    housing = _housing_metric(layers["cities"], "2030-01-01")
    from planner.inputs.sites import load_sites

    builtin = load_sites("builtin", layers)
    import geopandas as gpd

    for lang in ("ru", "kk", "en"):
        out = tmp_path / f"{lang}.xlsx"
        r = cli("compare", "iz-kairat", "iz-bereke", "--company", "Химзавод", "--companies", src,
                "--as-of", "2030-01-01", "--lang", lang, "--xlsx", out)  # fmt: skip
        assert r.exit_code == 0, r.output
        text = " ".join(r.output.split())
        for sid in ("iz-kairat", "iz-bereke"):
            row = builtin[builtin["site_id"] == sid].iloc[0]
            p = gpd.GeoSeries(gpd.points_from_xy([row["lon"]], [row["lat"]]), crs=4326)
            d = housing.distance(p.to_crs(32643).iloc[0]).to_numpy()
            assert d.min() < 1000, f"{sid} is within the class I gap of some housing"
            place = housing.iloc[int(d.argmin())]
            assert str(place[f"name_{lang}"]) in text, (lang, sid, place[f"name_{lang}"])
