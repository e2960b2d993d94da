"""The criteria engine: contract, geodesic agreement, exactness, hand-checked places, edges."""

from __future__ import annotations

import datetime as dt
import logging
import pickle

import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from planner import InputError
from planner.core.criteria import (
    CRITERIA_COLUMNS,
    CRITERIA_DTYPES,
    SegmentSet,
    compute_criteria,
    compute_criteria_prepared,
    empty_criteria,
    prepare,
)
from planner.core.prepared import Prepared
from planner.crs import lonlat_to_metric

GEOD = pyproj.Geod(ellps="WGS84")
AS_OF = dt.date(2025, 6, 1)
#: zones whose layer record says they operate on AS_OF (read off geodata/zones.geojson)
OPERATING_2025 = ("aiz-1", "sez-pit", "iz-kairat", "sez-alatau")


# --------------------------------------------------------------------------- helpers


def _geoms(layers, layer, *, kinds=(), ids=()):
    gdf = layers[layer]
    mask = gdf["kind"].isin(kinds) | gdf["id"].isin(ids)
    return list(gdf.geometry[mask])


def _lines_lonlat(geoms):
    """Every line / ring of the geometries as (k, 2) lon/lat arrays; points as 1-row arrays."""
    out = []
    for g in geoms:
        for part in shapely.get_parts(g):
            if part.geom_type == "Polygon":
                out += [np.asarray(r.coords) for r in (part.exterior, *part.interiors)]
            else:
                out.append(np.asarray(part.coords))
    return out


def _densify(lines, step_m):
    """Points every ``step_m`` metres along the geodesics between consecutive vertices."""
    lon, lat = [], []
    for c in lines:
        if len(c) == 1:
            lon.append(c[:, 0])
            lat.append(c[:, 1])
            continue
        for (lo1, la1), (lo2, la2) in zip(c[:-1], c[1:], strict=True):
            if GEOD.inv(lo1, la1, lo2, la2)[2] < step_m:  # pyproj cannot split it: both ends
                lon.append(np.array([lo1, lo2]))
                lat.append(np.array([la1, la2]))
                continue
            r = GEOD.inv_intermediate(
                lo1,
                la1,
                lo2,
                la2,
                del_s=step_m,
                initial_idx=0,
                terminus_idx=0,
                return_back_azimuth=True,
            )
            lon.append(np.asarray(r.lons))
            lat.append(np.asarray(r.lats))
    return np.concatenate(lon), np.concatenate(lat)


def geodesic_distance_m(site_lon, site_lat, geoms, step_m=20.0, coarse=50):
    """Geodesic distance from each site to the geometries' outlines (densified every
    ``step_m``): a coarse pass every ``coarse`` points finds the windows to search finely."""
    flon, flat = _densify(_lines_lonlat(geoms), step_m)
    clon, clat = flon[::coarse], flat[::coarse]
    n, m = len(site_lon), len(clon)
    _, _, dc = GEOD.inv(
        np.repeat(site_lon, m), np.repeat(site_lat, m), np.tile(clon, n), np.tile(clat, n)
    )
    dc = dc.reshape(n, m)
    out = np.empty(n)
    # the nearest fine point lies within half a coarse step of a coarse point no farther
    # than the nearest coarse point plus a coarse step
    span = step_m * coarse
    for i in range(n):
        near = np.flatnonzero(dc[i] <= dc[i].min() + span + step_m)
        idx = np.unique(
            np.clip(
                (near[:, None] * coarse + np.arange(-coarse, coarse + 1)).ravel(), 0, len(flon) - 1
            )
        )
        _, _, d = GEOD.inv(
            np.full(len(idx), site_lon[i]), np.full(len(idx), site_lat[i]), flon[idx], flat[idx]
        )
        out[i] = d.min()
    return out


def _inside(geoms, lon, lat):
    return np.any([shapely.contains_xy(g, lon, lat) for g in geoms], axis=0)


def _assert_close_km(got_km, want_m, what):
    want_km = want_m / 1000.0
    tol = np.maximum(0.005 * want_km, 0.05)
    err = np.abs(got_km - want_km)
    worst = int(np.argmax(err - tol))
    assert (err <= tol).all(), (
        f"{what}: {int((err > tol).sum())} sites off, worst {got_km[worst]:.4f} km "
        f"vs geodesic {want_km[worst]:.4f} km"
    )


@pytest.fixture(scope="module")
def sites(layers):
    """Sites across the region, in the core around Almaty, and close to BAKAD's vertices."""
    rng = np.random.default_rng(20250601)
    region = _geoms(layers, "constraints", kinds=("region",))[0]
    lon = rng.uniform(73.7, 80.8, 600)
    lat = rng.uniform(42.2, 46.7, 600)
    keep = shapely.contains_xy(region, lon, lat)
    lon, lat = lon[keep][:100], lat[keep][:100]
    core_lon, core_lat = rng.uniform(76.5, 77.6, 120), rng.uniform(43.0, 44.0, 120)
    bakad = np.asarray(_geoms(layers, "bakad", kinds=("ring_road",))[0].coords)
    pick = bakad[rng.integers(0, len(bakad), 60)]
    near_lon = pick[:, 0] + rng.normal(0, 0.01, 60)
    near_lat = pick[:, 1] + rng.normal(0, 0.01, 60)
    lon = np.concatenate([lon, core_lon, near_lon])
    lat = np.concatenate([lat, core_lat, near_lat])
    return pd.DataFrame(
        {"lon": lon, "lat": lat}, index=pd.Index([f"s{i}" for i in range(len(lon))])
    )


@pytest.fixture(scope="module")
def crit(sites, layers):
    return compute_criteria(sites["lon"], sites["lat"], Prepared.of(layers, AS_OF))


# --------------------------------------------------------------------------- contract


def test_columns_dtypes_and_index(crit, sites):
    assert tuple(crit.columns) == CRITERIA_COLUMNS
    for col, dtype in CRITERIA_DTYPES.items():
        assert str(crit[col].dtype) == dtype, col
    assert crit.index.equals(sites.index)


def test_no_nan_inside_region(crit):
    inside = ~crit["exclusion_reason"].str.contains("outside_region")
    assert inside.sum() > 200
    dist = crit.loc[inside, [c for c in CRITERIA_COLUMNS if c.startswith("dist_")]]
    assert np.isfinite(dist.to_numpy()).all()
    assert (dist.to_numpy() >= 0).all()
    for col in ("nearest_interchange", "zone_status", "sez_status"):
        assert (crit[col] != "").all(), col


# --------------------------------------------------------------------------- geodesic agreement


def test_point_distances_match_geodesic(crit, sites, layers):
    lon, lat = sites["lon"].to_numpy(), sites["lat"].to_numpy()
    cities = layers["cities"].set_index("id")
    for col, fid in (("dist_almaty_km", "almaty-centre"), ("dist_konaev_km", "konaev-centre")):
        pt = cities.geometry[fid]
        _, _, d = GEOD.inv(lon, lat, np.full(len(lon), pt.x), np.full(len(lon), pt.y))
        _assert_close_km(crit[col].to_numpy(), d, col)
    for col, kind in (("dist_airport_km", "airport"), ("dist_khorgos_km", "logistics_target")):
        pts = _geoms(layers, "transport", kinds=(kind,))
        d = np.min(
            [GEOD.inv(lon, lat, np.full(len(lon), p.x), np.full(len(lon), p.y))[2] for p in pts],
            axis=0,
        )
        _assert_close_km(crit[col].to_numpy(), d, col)


def test_nearest_interchange_matches_geodesic(crit, sites, layers):
    lon, lat = sites["lon"].to_numpy(), sites["lat"].to_numpy()
    ics = layers["bakad"][layers["bakad"]["kind"] == "interchange"]
    d = np.array(
        [
            GEOD.inv(lon, lat, np.full(len(lon), p.x), np.full(len(lon), p.y))[2]
            for p in ics.geometry
        ]
    )
    _assert_close_km(crit["dist_interchange_km"].to_numpy(), d.min(axis=0), "dist_interchange_km")
    best = ics["id"].to_numpy()[d.argmin(axis=0)]
    # a site about equally far from two interchanges may pick either
    second = np.sort(d, axis=0)[1]
    clear = second - d.min(axis=0) > 0.01 * d.min(axis=0) + 50
    assert clear.sum() > 200
    assert (crit["nearest_interchange"].to_numpy()[clear] == best[clear]).all()


@pytest.mark.parametrize(
    ("col", "layer", "kinds", "ids", "polygon"),
    [
        ("dist_bakad_km", "bakad", ("ring_road",), (), False),
        ("dist_highway_km", "transport", ("highway",), (), False),
        ("dist_rail_km", "transport", ("railway", "rail_station", "freight_yard"), (), False),
        ("dist_gate_city_km", "cities", (), ("gate-city",), True),
        # housing: every place people live or will live (planner.core.housing; issue 11)
        ("dist_housing_km", "cities", ("settlement", "city_outline", "planned_district"), (),
         True),
        ("dist_zone_km", "zones", (), OPERATING_2025, True),
    ],
)
def test_line_and_polygon_distances_match_geodesic(
    crit, sites, layers, col, layer, kinds, ids, polygon
):
    lon, lat = sites["lon"].to_numpy(), sites["lat"].to_numpy()
    geoms = _geoms(layers, layer, kinds=kinds, ids=ids)
    assert geoms
    want = geodesic_distance_m(lon, lat, geoms)
    if polygon:
        inside = _inside(geoms, lon, lat)
        want[inside] = 0.0
        assert (crit[col].to_numpy()[inside] == 0).all()
    _assert_close_km(crit[col].to_numpy(), want, col)


# --------------------------------------------------------------------------- exact vs shapely


def test_kernel_is_exact_against_shapely_in_metric_crs(layers):
    """Dense random points, many near outlines: pruning must never change a distance."""
    rng = np.random.default_rng(7)
    lon = np.concatenate([rng.uniform(76.0, 77.9, 20_000), rng.uniform(76.8, 77.2, 10_000)])
    lat = np.concatenate([rng.uniform(43.0, 44.1, 20_000), rng.uniform(43.2, 43.6, 10_000)])
    x, y = lonlat_to_metric(lon, lat)
    got = compute_criteria(lon, lat, Prepared.of(layers, AS_OF))
    pts = shapely.points(x, y)

    def metric(layer, kinds=(), ids=()):
        gdf = layers.metric(layer)
        return shapely.union_all(
            gdf.geometry[gdf["kind"].isin(kinds) | gdf["id"].isin(ids)].to_numpy()
        )

    checks = {
        "dist_bakad_km": metric("bakad", ("ring_road",)),
        "dist_interchange_km": metric("bakad", ("interchange",)),
        "dist_gate_city_km": metric("cities", ids=("gate-city",)),
        "dist_zone_km": metric("zones", ids=OPERATING_2025),
        "dist_rail_km": metric("transport", ("railway", "rail_station", "freight_yard")),
        "dist_airport_km": metric("transport", ("airport",)),
        "dist_highway_km": metric("transport", ("highway",)),
        "dist_khorgos_km": metric("transport", ("logistics_target",)),
        "dist_housing_km": metric("cities", ("settlement", "city_outline", "planned_district")),
    }
    for col, geom in checks.items():
        want = shapely.distance(pts, geom) / 1000.0
        np.testing.assert_allclose(got[col].to_numpy(), want, rtol=0, atol=1e-9, err_msg=col)
    almaty = metric("cities", ids=("almaty",))
    np.testing.assert_array_equal(got["in_almaty"].to_numpy(), shapely.contains_xy(almaty, x, y))
    region = metric("constraints", ("region",))
    water = metric("constraints", ("water",))
    park = metric("constraints", ids=("np-ile-alatau",))
    front = metric("constraints", ids=("mountain-front",))
    reason = got["exclusion_reason"].to_numpy()
    np.testing.assert_array_equal(
        np.char.find(reason.astype(str), "outside_region") >= 0, ~shapely.contains_xy(region, x, y)
    )
    np.testing.assert_array_equal(
        np.char.find(reason.astype(str), "water") >= 0, shapely.contains_xy(water, x, y)
    )
    np.testing.assert_array_equal(
        np.char.find(reason.astype(str), "national_park") >= 0, shapely.contains_xy(park, x, y)
    )
    np.testing.assert_array_equal(
        np.char.find(reason.astype(str), "mountain_front") >= 0, shapely.contains_xy(front, x, y)
    )
    assert (got["excluded"].to_numpy() == (reason != "")).all()
    assert got["excluded"].sum() > 1000 and (~got["excluded"]).sum() > 1000


# --------------------------------------------------------------------------- places


def _one(layers, lon, lat, as_of=AS_OF):
    return compute_criteria([lon], [lat], Prepared.of(layers, as_of)).iloc[0]


def test_almaty_centre(layers):
    r = _one(layers, 76.9457, 43.2364)
    assert r["in_almaty"]
    assert r["dist_almaty_km"] < 0.05
    assert r["dist_housing_km"] == 0
    assert 70.0 < r["dist_konaev_km"] < 70.8  # FACTS: 70.4 km geodesic
    assert 14.6 < r["dist_airport_km"] < 15.4  # FACTS: 15.0 km
    assert not r["excluded"] and r["exclusion_reason"] == ""


def test_kapchagay_reservoir_is_water(layers):
    r = _one(layers, 77.5, 43.8)
    assert r["excluded"] and r["exclusion_reason"] == "water"


def test_national_park_and_outside_region(layers):
    park = _one(layers, 77.41, 43.15)  # Ile-Alatau National Park, east of Almaty
    # ... and in the mountains: both reasons, in the fixed order
    assert park["excluded"] and park["exclusion_reason"] == "national_park;mountain_front"
    bishkek = _one(layers, 74.6, 42.87)
    assert bishkek["excluded"] and bishkek["exclusion_reason"] == "outside_region"
    assert np.isfinite(bishkek["dist_bakad_km"]) and bishkek["dist_bakad_km"] > 150


def test_kairat_zone_by_date(layers):
    lon, lat = 77.06, 43.38  # centre of iz-kairat (opened 2024, announced 2022)
    now = _one(layers, lon, lat, "2025-01-15")
    assert (now["zone_id"], now["zone_status"], now["zone_kind"]) == (
        "iz-kairat",
        "operating",
        "industrial_zone",
    )
    assert now["zone_ids"] == "iz-kairat" and now["dist_zone_km"] == 0
    assert now["zone_free_ha"] == 120.0 and now["sez_status"] == "none"
    before = _one(layers, lon, lat, dt.date(2020, 1, 1))
    assert before["zone_status"] in ("planned", "none")
    assert before["zone_id"] in ("iz-kairat", "")
    assert before["dist_zone_km"] > 0


def test_sez_alatau_by_date(layers):
    lon, lat = 77.05, 43.75  # inside SEZ Alatau (Alatau city), far from the small zones
    early = _one(layers, lon, lat, "2022-06-01")
    assert (early["zone_id"], early["zone_status"], early["sez_status"]) == (
        "sez-alatau",
        "planned",
        "planned",
    )
    assert early["dist_zone_km"] > 0
    late = _one(layers, lon, lat, "2030-01-01")
    assert (late["zone_id"], late["zone_status"], late["zone_kind"]) == (
        "sez-alatau",
        "operating",
        "sez",
    )
    assert late["sez_status"] == "operating" and late["dist_zone_km"] == 0


def test_zone_inside_zone_takes_best_status_then_smaller(layers):
    lon, lat = 77.075, 43.50  # iz-bereke (planned) inside sez-alatau
    r = _one(layers, lon, lat, "2025-06-01")  # SEZ operating beats the planned zone
    assert (r["zone_id"], r["zone_status"], r["zone_ids"]) == (
        "sez-alatau",
        "operating",
        "sez-alatau;iz-bereke",
    )
    assert r["zone_free_ha"] == 20000.0 and r["sez_status"] == "operating"
    tie = _one(layers, lon, lat, "2022-06-01")  # both planned: the smaller zone wins
    assert (tie["zone_id"], tie["zone_status"], tie["zone_ids"]) == (
        "iz-bereke",
        "planned",
        "iz-bereke;sez-alatau",
    )
    assert tie["zone_kind"] == "industrial_zone" and tie["sez_status"] == "planned"


def test_overlapping_zones_one_row_each(layers):
    # aiz-1 (operating) and aiz-2 (under construction) overlap around here
    lon, lat = np.array([76.8375, 76.8375]), np.array([43.3283, 43.3283])
    got = compute_criteria(lon, lat, Prepared.of(layers, AS_OF))
    assert len(got) == 2
    assert got["zone_ids"].tolist() == ["aiz-1;aiz-2"] * 2
    assert got["zone_id"].tolist() == ["aiz-1"] * 2


def test_pit_zone_term_ends(layers):
    r = _one(layers, 77.1489, 43.3501, "2030-01-01")  # SEZ PIT's term ends 2028-01-01
    assert r["zone_id"] == "" and r["zone_status"] == "none" and r["zone_kind"] == ""
    assert np.isnan(r["zone_free_ha"]) and r["dist_zone_km"] > 0


def test_as_of_changes_only_zone_columns(layers, sites):
    a = compute_criteria(sites["lon"], sites["lat"], Prepared.of(layers, "2022-06-01"))
    b = compute_criteria(sites["lon"], sites["lat"], Prepared.of(layers, "2030-01-01"))
    zone_cols = [
        "zone_id",
        "zone_status",
        "zone_kind",
        "zone_ids",
        "zone_free_ha",
        "sez_status",
        "dist_zone_km",
    ]
    pd.testing.assert_frame_equal(a.drop(columns=zone_cols), b.drop(columns=zone_cols))
    assert (a["zone_status"] != b["zone_status"]).any()
    assert (a["dist_zone_km"] != b["dist_zone_km"]).any()


# --------------------------------------------------------------------------- edges


def test_order_invariance(layers, sites, crit):
    shuffled = sites.sample(frac=1.0, random_state=3)
    got = compute_criteria(shuffled["lon"], shuffled["lat"], Prepared.of(layers, AS_OF))
    assert got.index.equals(shuffled.index)
    pd.testing.assert_frame_equal(got.loc[crit.index], crit)


def test_subset_gives_same_rows(layers, sites, crit):
    part = sites.iloc[5:40]
    got = compute_criteria(part["lon"], part["lat"], Prepared.of(layers, AS_OF))
    pd.testing.assert_frame_equal(got, crit.iloc[5:40])


def test_empty_input(layers):
    got = compute_criteria([], [], Prepared.of(layers, AS_OF))
    assert len(got) == 0 and tuple(got.columns) == CRITERIA_COLUMNS
    assert {c: str(t) for c, t in got.dtypes.items()} == CRITERIA_DTYPES
    assert tuple(empty_criteria().columns) == CRITERIA_COLUMNS


def test_index_alignment(layers):
    idx = pd.Index(["b", "a", "c"], name="site_id")
    got = compute_criteria(
        np.array([76.9457, 77.5, 77.06]),
        np.array([43.2364, 43.8, 43.38]),
        Prepared.of(layers, AS_OF),
        index=idx,
    )
    assert got.index.equals(idx)
    assert got.loc["a", "exclusion_reason"] == "water" and got.loc["b", "in_almaty"]
    series = pd.Series([77.06], index=[42])
    assert compute_criteria(
        series, pd.Series([43.38], index=[42]), Prepared.of(layers, AS_OF)
    ).index.tolist() == [42]


def test_identical_and_collinear_points(layers):
    same = compute_criteria([77.0] * 5, [43.5] * 5, Prepared.of(layers, AS_OF))
    assert (same.nunique() == 1).all()
    prepared = Prepared.of(layers, AS_OF)
    row = compute_criteria(np.linspace(76.5, 77.5, 50), np.full(50, 43.4), prepared)
    single = pd.concat(
        [compute_criteria([lo], [43.4], prepared) for lo in np.linspace(76.5, 77.5, 50)[::7]]
    )
    pd.testing.assert_frame_equal(
        row.iloc[::7].reset_index(drop=True), single.reset_index(drop=True)
    )


def test_bad_coordinates_name_the_row(layers):
    with pytest.raises(InputError, match=r"row 2 \(site 'b'\).*lat=95"):
        compute_criteria(
            [77.0, 77.0], [43.5, 95.0], Prepared.of(layers, AS_OF), index=pd.Index(["a", "b"])
        )
    with pytest.raises(InputError, match="row 1.*lon=nan"):
        compute_criteria([np.nan], [43.5], Prepared.of(layers, AS_OF))
    with pytest.raises(InputError, match="2 site.*lon=200.0.*lon=-inf"):
        compute_criteria([200.0, -np.inf], [43.5, 43.5], Prepared.of(layers, AS_OF))
    with pytest.raises(InputError, match="not numbers"):
        compute_criteria(["east"], [43.5], Prepared.of(layers, AS_OF))
    with pytest.raises(InputError, match="one length"):
        compute_criteria([77.0, 77.1], [43.5], Prepared.of(layers, AS_OF))


def test_bad_as_of(layers):
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        Prepared.of(layers, "01.06.2025")
    with pytest.raises(TypeError, match="as_of"):
        Prepared.of(layers, 2025)
    ts = compute_criteria([77.0], [43.5], Prepared.of(layers, pd.Timestamp("2025-06-01")))
    pd.testing.assert_frame_equal(ts, compute_criteria([77.0], [43.5], Prepared.of(layers, AS_OF)))
    with pytest.raises(TypeError, match="resolved for a date"):
        compute_criteria([77.0], [43.5], layers)


def test_prepared_pickles_and_matches(layers, sites, crit):
    prepared = pickle.loads(pickle.dumps(prepare(layers, AS_OF)))
    x, y = lonlat_to_metric(sites["lon"].to_numpy(), sites["lat"].to_numpy())
    got = compute_criteria_prepared(x, y, prepared, index=sites.index)
    pd.testing.assert_frame_equal(got, crit)
    centre = layers["cities"].set_index("id").geometry["almaty-centre"]
    cx, cy = lonlat_to_metric([centre.x], [centre.y])
    assert prepared.almaty_centre_xy == pytest.approx((cx[0], cy[0]), abs=1e-6)
    with pytest.raises(InputError, match="non-finite"):
        compute_criteria_prepared(np.array([np.inf]), np.array([0.0]), prepared)


def test_missing_kind_gives_inf_and_a_log(layers, caplog):
    from planner.core.layerset import LayerSet

    transport = layers["transport"]
    no_rail = LayerSet(
        layers={
            **layers.layers,
            "transport": transport[
                ~transport["kind"].isin(["railway", "rail_station", "freight_yard"])
            ],
        },
        sources=layers.sources,
    )
    with caplog.at_level(logging.WARNING, logger="planner.core.criteria"):
        got = compute_criteria([77.0], [43.5], Prepared.of(no_rail, AS_OF))
    assert np.isinf(got["dist_rail_km"].iloc[0])
    assert "dist_rail_km" in caplog.text


# --------------------------------------------------------------------------- segment sets


def test_segment_set_holes_multipolygons_and_many_features():
    rng = np.random.default_rng(11)
    ring = shapely.Polygon(
        [(0, 0), (1000, 0), (1000, 1000), (0, 1000)],
        holes=[[(300, 300), (700, 300), (700, 700), (300, 700)]],
    )
    multi = shapely.MultiPolygon([shapely.box(2000, 0, 2500, 500), shapely.box(3000, 0, 3500, 800)])
    squares = [
        shapely.box(4000 + 120 * i, 2000, 4100 + 120 * i, 2100 + (i % 7) * 10) for i in range(100)
    ]
    geoms = [ring, multi, *squares]
    s = SegmentSet.from_geometries(
        geoms, [f"f{i}" for i in range(len(geoms))], part_size=8, box_size=2
    )
    x = np.concatenate([rng.uniform(-200, 17_000, 30_000), [500.0, 2250.0, 4050.0]])
    y = np.concatenate([rng.uniform(-200, 2_300, 30_000), [500.0, 250.0, 2050.0]])
    words = s.contains(x, y)
    assert words.shape == (len(x), 2)
    for k, g in enumerate(geoms):
        bit = (words[:, k // 64] >> np.uint64(k % 64)) & np.uint64(1)
        np.testing.assert_array_equal(
            bit.astype(bool), shapely.contains_xy(g, x, y), err_msg=f"feature {k}"
        )
    assert not words[-3].any()  # inside the hole
    dist, feat = s.nearest(x, y)
    boundaries = shapely.boundary(np.array(geoms, dtype=object))
    each = shapely.distance(shapely.points(x, y)[:, None], boundaries[None, :])
    np.testing.assert_allclose(dist, each.min(axis=1), rtol=0, atol=1e-9)
    np.testing.assert_allclose(each[np.arange(len(x)), feat], dist, rtol=0, atol=1e-9)
    poly = s.polygon_distance(x, y)
    np.testing.assert_allclose(
        poly, shapely.distance(shapely.points(x, y), shapely.union_all(geoms)), rtol=0, atol=1e-9
    )


def test_empty_segment_set():
    s = SegmentSet.from_geometries([], [])
    dist, feat = s.nearest(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    assert np.isinf(dist).all() and (feat == -1).all()
    assert not s.contains(np.array([1.0]), np.array([1.0])).any()


@pytest.mark.parametrize("storage", ["python", "pyarrow"])
def test_string_columns_with_either_storage(layers, sites, crit, storage):
    if storage == "pyarrow":
        pytest.importorskip("pyarrow")
    with pd.option_context("mode.string_storage", storage):
        got = compute_criteria(sites["lon"], sites["lat"], Prepared.of(layers, AS_OF))
        assert got["zone_ids"].dtype == pd.api.types.pandas_dtype("str")
    for col in ("nearest_interchange", "zone_id", "zone_ids", "zone_status", "exclusion_reason"):
        assert got[col].tolist() == crit[col].tolist(), col
