"""Properties of the scoring that must hold for any input (hypothesis)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import shapely
from _criteria import DIST_COLUMNS, TIME_COLUMNS, make_criteria, point_sites
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.config.scenarios import list_scenarios, load_scenario
from planner.core.scoring import score_table, utilities
from planner.crs import lonlat_to_metric, metric_to_lonlat
from planner.inputs.sites import builtin_sites
from planner.jobs.score_sites import score_sites

SCENARIOS = [s.name for s in list_scenarios()]
STATUSES = ["operating", "under_construction", "planned", "none"]
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

distance = st.one_of(st.floats(0, 500, allow_nan=False), st.just(0.0), st.just(np.inf))


@st.composite
def criteria_tables(draw, min_size=1, max_size=30):
    n = draw(st.integers(min_size, max_size))
    cols = {c: draw(st.lists(distance, min_size=n, max_size=n))
            for c in [*DIST_COLUMNS, *TIME_COLUMNS]}  # fmt: skip
    cols["in_almaty"] = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    cols["zone_status"] = draw(st.lists(st.sampled_from(STATUSES), min_size=n, max_size=n))
    cols["sez_status"] = draw(st.lists(st.sampled_from(STATUSES), min_size=n, max_size=n))
    cols["excluded"] = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return make_criteria(n, **cols)


@FAST
@given(crit=criteria_tables(), name=st.sampled_from(SCENARIOS))
def test_score_is_between_0_and_100_and_excluded_are_never_ranked(crit, name):
    table = score_table(crit, name)
    score = table["score"].to_numpy()
    assert np.isfinite(score).all() and (score >= 0).all() and (score <= 100).all()
    excluded = crit["excluded"].to_numpy()
    assert table["rank"].isna().to_numpy().tolist() == excluded.tolist()
    ranks = table.loc[~excluded, "rank"].astype(int).sort_values().tolist()
    assert ranks == list(range(1, (~excluded).sum() + 1))
    u = table[[c for c in table.columns if c.startswith("u_")]].to_numpy()
    assert ((u >= 0) & (u <= 1)).all()


@FAST
@given(
    crit=criteria_tables(min_size=2), name=st.sampled_from(SCENARIOS), seed=st.integers(0, 2**31)
)
def test_shuffling_changes_no_score_and_no_rank(crit, name, seed):
    crit = crit.assign(site_id=[f"s{i:03d}" for i in range(len(crit))])
    perm = np.random.default_rng(seed).permutation(len(crit))
    a = score_table(crit, name).set_index(crit["site_id"])
    b = score_table(crit.iloc[perm], name).set_index(crit["site_id"].iloc[perm])
    pd.testing.assert_series_equal(a["score"], b["score"].loc[a.index])
    pd.testing.assert_series_equal(a["rank"], b["rank"].loc[a.index])


@FAST
@given(crit=criteria_tables(), name=st.sampled_from(SCENARIOS))
def test_identical_sites_get_identical_scores(crit, name):
    twice = pd.concat([crit, crit], ignore_index=True)
    table = score_table(twice, name)
    n = len(crit)
    np.testing.assert_array_equal(table["score"].to_numpy()[:n], table["score"].to_numpy()[n:])
    ranked = ~crit["excluded"].to_numpy()
    r = table["rank"].to_numpy(dtype="float64", na_value=np.nan)
    assert (np.abs(r[:n][ranked] - r[n:][ranked]) <= (ranked.sum() * 2)).all()
    # a copy ranks right after its twin or shares the tie group: no site scores between them
    s = table["score"].to_numpy()
    for i in np.flatnonzero(ranked):
        lo, hi = sorted((r[i], r[n + i]))
        between = (r > lo) & (r < hi)
        assert (s[between] == s[i]).all()


@FAST
@given(crit=criteria_tables(), name=st.sampled_from(SCENARIOS), data=st.data())
def test_planned_to_operating_never_lowers_a_score(crit, name, data):
    rows = data.draw(st.lists(st.integers(0, len(crit) - 1), max_size=len(crit)))
    later = crit.copy()
    status = later["zone_status"].to_numpy(dtype=object)
    for r in rows:
        if status[r] in ("planned", "under_construction"):
            status[r] = "operating"
    later["zone_status"] = pd.array(status, dtype="str")
    before = score_table(crit, name)["score"].to_numpy()
    after = score_table(later, name)["score"].to_numpy()
    assert (after >= before - 1e-9).all()


@FAST
@given(
    name=st.sampled_from(SCENARIOS),
    d=st.lists(st.floats(0, 300, allow_nan=False), min_size=2, max_size=40),
)
def test_distance_utilities_are_monotone(name, d):
    """Nearer is never worse for every nearer-is-better transform (and the reverse)."""
    sc = load_scenario(name)
    d = np.sort(np.asarray(d))
    crit = make_criteria(len(d), **{c: d for c in [*DIST_COLUMNS, *TIME_COLUMNS]})
    u = utilities(crit, sc)
    for key, t in sc.criteria.items():
        if t.transform in ("categorical", "band"):
            continue
        values = u[f"u_{key}"].to_numpy()
        full, zero = (getattr(t, f"{p}_km", getattr(t, f"{p}_min", 0.0))
                      for p in ("full_at", "zero_at"))  # fmt: skip
        farther_better = t.transform == "linear" and full > zero
        steps = np.diff(values)
        assert (steps >= -1e-12).all() if farther_better else (steps <= 1e-12).all(), key


# --------------------------------------------------------------------------- with the layers


@st.composite
def points_and_fractions(draw):
    n = draw(st.integers(1, 8))
    lon = draw(st.lists(st.floats(76.4, 77.6), min_size=n, max_size=n))
    lat = draw(st.lists(st.floats(43.1, 43.9), min_size=n, max_size=n))
    frac = draw(st.lists(st.floats(0.05, 1.0), min_size=n, max_size=n))
    return np.array(lon), np.array(lat), np.array(frac)


_NETWORK: dict = {}


def _network(layers):
    """The coarse built-in road network (for the travel-time scenarios), made once."""
    if "net" not in _NETWORK:
        from planner.inputs.roads import builtin_roads

        _NETWORK["net"] = builtin_roads(layers).network
    return _NETWORK["net"]


def _sites(lon, lat, prefix="p"):
    return point_sites([f"{prefix}{i}" for i in range(len(lon))], lon, lat)


@SLOW
@given(pts=points_and_fractions())
def test_moving_towards_bakad_never_lowers_the_bakad_utility(layers, pts):
    lon, lat, frac = pts
    road = layers.feature("bakad", "bakad", metric=True)
    x, y = lonlat_to_metric(lon, lat)
    here = shapely.points(x, y)
    near = shapely.get_coordinates(shapely.shortest_line(here, road))[1::2]
    x2 = x + frac * (near[:, 0] - x)
    y2 = y + frac * (near[:, 1] - y)
    lon2, lat2 = metric_to_lonlat(x2, y2)
    sites = _sites(np.concatenate([lon, lon2]), np.concatenate([lat, lat2]))
    for name in SCENARIOS:
        out = score_sites(sites, layers, scenario=name, as_of="2025-11-01", why=False,
                          network=_network(layers))  # fmt: skip
        n = len(lon)
        d = out["dist_bakad_km"].to_numpy()
        assert (d[n:] <= d[:n] + 1e-9).all()
        if "u_bakad" in out:
            u = out["u_bakad"].to_numpy()
            assert (u[n:] >= u[:n] - 1e-12).all()


def _with_zone_operating(layers, zone_id: str):
    zones = layers["zones"].copy()
    hit = zones["id"] == zone_id
    zones.loc[hit, "status"] = "operating"
    for col in ("status_since", "planned_open", "status_until", "announced"):
        zones.loc[hit, col] = None
    return dataclasses.replace(layers, layers={**layers.layers, "zones": zones}, _metric={})


@SLOW
@given(data=st.data())
def test_a_zone_opening_never_lowers_its_sites_scores(layers, data):
    zone_id = data.draw(st.sampled_from(["iz-kairat-2", "iz-bereke", "aiz-2"]))
    name = data.draw(st.sampled_from(SCENARIOS))
    poly = layers.feature("zones", zone_id)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**31)))
    minx, miny, maxx, maxy = poly.bounds
    lon = rng.uniform(minx, maxx, 60)
    lat = rng.uniform(miny, maxy, 60)
    keep = shapely.contains_xy(poly, lon, lat)
    sites = _sites(lon[keep], lat[keep])
    as_of = "2023-01-01"  # all three are planned or under construction then
    net = _network(layers)
    before = score_sites(sites, layers, scenario=name, as_of=as_of, why=False, network=net)
    after = score_sites(
        sites, _with_zone_operating(layers, zone_id), scenario=name, as_of=as_of, why=False,
        network=net,
    )
    assert (after["zone_status"] == "operating").all()
    assert (after["score"].to_numpy() >= before["score"].to_numpy() - 1e-9).all()


def test_shuffled_sites_table_scores_identically(layers):
    sites = builtin_sites(layers)
    rng = np.random.default_rng(3)
    extra = _sites(rng.uniform(76.6, 77.4, 40), rng.uniform(43.15, 43.8, 40), prefix="r")
    sites = pd.concat([sites, extra], ignore_index=True)
    a = score_sites(sites, layers, as_of="2025-11-01").set_index("site_id")
    b = score_sites(sites.sample(frac=1, random_state=1), layers, as_of="2025-11-01")
    b = b.set_index("site_id").loc[a.index]
    pd.testing.assert_series_equal(a["score"], b["score"])
    pd.testing.assert_series_equal(a["rank"], b["rank"])
    assert (a["why_en"] == b["why_en"]).all()


@pytest.mark.parametrize("name", SCENARIOS)
def test_excluded_sites_score_zero_with_layers(layers, name):
    park = layers["constraints"].set_index("id").geometry["np-ile-alatau"]
    water = layers["constraints"].set_index("id").geometry["water-kapchagay"]
    pts = [park.representative_point(), water.representative_point(), shapely.Point(85.0, 45.0)]
    sites = _sites(np.array([p.x for p in pts]), np.array([p.y for p in pts]))
    out = score_sites(sites, layers, scenario=name, as_of="2025-11-01", network=_network(layers))
    assert out["excluded"].all() and out["rank"].isna().all() and (out["score"] == 0).all()
    # the park lies in the mountains: both reasons
    assert out["why_en"].tolist()[:2] == [
        "excluded: national park, mountains and foothills of the Trans-Ili Alatau",
        "excluded: water body",
    ]
    assert "outside Almaty Region" in out["why_en"].iloc[2]
