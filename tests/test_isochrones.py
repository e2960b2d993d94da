"""Isochrone bands: hand-computed bands on a straight road, agreement with the scores'
travel times on the built-in data, errors, and `planner map --isochrones` end to end."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import shapely
from test_network import X0, Y0, FakeLayers, net_of

from planner.core.isochrones import isochrone_bands
from planner.core.travel import prepare_travel, travel_criteria
from planner.errors import InputError
from planner.inputs.roads import builtin_roads
from planner.jobs.maps import read_map_inputs
from planner.render.maps import build_map

# one straight road 20 km east from (X0, Y0) at 36 km/h (100 s per km); the access leg is
# also 100 s per km, no detour, at most 1 km: a point (x, y) with 0 <= x <= 20 km and
# |y| <= 1 km reaches the road's west end in (x + |y|) / 10 s, i.e. (x + |y|) / 600 min
ROAD = net_of([(0, 0), (10_000, 0), (20_000, 0)], [(0, 1), (1, 2)])


@pytest.fixture(scope="module")
def straight():
    return prepare_travel(ROAD, FakeLayers(almaty=(0, 0)))


def expected_band(x, y):
    """0: <= 10 min, 1: 10-20 min, 2: none (farther, or off the road's reach)."""
    t_min = (x + np.abs(y)) / 600.0
    band = np.where(t_min <= 10, 0, np.where(t_min <= 20, 1, 2))
    return np.where(np.abs(y) > 1000, 2, band)


def test_bands_on_a_straight_road_match_the_hand_computed_times(straight):
    cell = 100.0
    bands = isochrone_bands(straight, "almaty", [10, 20], cell_m=cell,
                            bounds_xy=(X0, Y0 - 1500, X0 + 20_000, Y0 + 1500))  # fmt: skip
    assert bands["min_from"].tolist() == [0.0, 10.0]
    assert bands["min_to"].tolist() == [10.0, 20.0]
    assert bands.crs.to_epsg() == 32643
    # band 0: |y| <= 1 km and x <= 6 km - |y|: 2 * (6 km * 1 km - 1 km^2 / 2) = 11 km^2;
    # band 1: x from 6 km - |y| to 12 km - |y|: 6 km * 2 km = 12 km^2
    assert bands["area_km2"].tolist() == pytest.approx([11.0, 12.0], rel=0.03)
    rng = np.random.default_rng(3)
    x = rng.uniform(1, 19_999, 4000)
    y = rng.uniform(-1499, 1499, 4000)
    want = expected_band(x, y)
    # a cell takes its centre's band: points within one cell of a limit may go either way
    t_m = x + np.abs(y)
    clear = (np.abs(t_m - 6000) > cell) & (np.abs(t_m - 12_000) > cell)
    clear &= np.abs(np.abs(y) - 1000) > cell
    got = np.full(len(x), 2)
    for k, geom in enumerate(bands.geometry):
        got[shapely.contains_xy(geom, x + X0, y + Y0)] = k
    assert clear.sum() > 3000
    assert np.array_equal(got[clear], want[clear])


def test_bands_are_the_scores_own_travel_times_on_the_built_in_network(layers):
    prepared = prepare_travel(builtin_roads(layers).network, layers)
    bands = isochrone_bands(prepared, "interchange", [15, 30, 45], cell_m=1000)
    assert len(bands) == 3
    # random points: the band polygon a point lies in is the band of its grid cell's
    # centre time, and of its own time unless that differs from the centre's
    x0, y0, x1, y1 = bands.total_bounds
    rng = np.random.default_rng(5)
    x = rng.uniform(x0, x1, 3000)
    y = rng.uniform(y0, y1, 3000)
    minutes = travel_criteria(x, y, prepared)["time_interchange_min"].to_numpy()
    cx = x0 + (np.floor((x - x0) / 1000) + 0.5) * 1000
    cy = y0 + (np.floor((y - y0) / 1000) + 0.5) * 1000
    centre = travel_criteria(cx, cy, prepared)["time_interchange_min"].to_numpy()
    for (lo, hi), geom in zip(bands[["min_from", "min_to"]].to_numpy(), bands.geometry,
                              strict=True):  # fmt: skip
        inside = shapely.contains_xy(geom, x, y)
        assert inside.sum() > 20
        assert ((centre[inside] > lo) | (lo == 0)).all() and (centre[inside] <= hi).all()
        same_cell_time = np.isclose(minutes, centre, atol=2.0)
        ok = inside & same_cell_time
        assert ((minutes[ok] > lo - 2) & (minutes[ok] <= hi + 2)).all()


def test_bad_isochrone_requests_are_refused_with_the_fix(straight):
    with pytest.raises(InputError, match=r"increasing order, e\.g\. 15,30,45"):
        isochrone_bands(straight, "almaty", [30, 15])
    with pytest.raises(InputError, match="positive"):
        isochrone_bands(straight, "almaty", [0, 15])
    with pytest.raises(InputError, match="not known; use one of interchange"):
        isochrone_bands(straight, "seaport", [15])
    with pytest.raises(InputError, match="larger cell size"):
        isochrone_bands(straight, "almaty", [15], cell_m=50,
                        bounds_xy=(X0, Y0, X0 + 200_000, Y0 + 200_000))  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "title"),
    [("ru", "до развязки БАКАД"), ("kk", "ҮАААЖ көлік айрығына дейін"),
     ("en", "to a BAKAD interchange")],
)  # fmt: skip
def test_map_draws_the_bands_with_a_legend_and_a_note(lang, title):
    got = read_map_inputs(isochrones=(15, 30), isochrone_cell_m=2000)
    assert got.isochrones_indicative  # no --network: the coarse built-in one, said so
    m = build_map(got.layers, lang=lang, **got.drawn())
    iso = m.planner_data["isochrones"]
    assert title in iso["title"]
    assert [b["label"] for b in iso["bands"]] == (
        ["0–15 min", "15–30 min"] if lang == "en" else ["0–15 мин", "15–30 мин"]
    )
    assert len({b["fill"] for b in iso["bands"]}) == 2
    assert any(title in line for line in m.planner_data["note"])
    assert m.planner_data["contextPane"] == iso["contextPane"]
    assert "isochrones" in m.planner_groups


def test_planner_map_isochrones_end_to_end(cli, tmp_path):
    out = tmp_path / "iso.html"
    res = cli("map", "-o", str(out), "--isochrones", "15,30,45", "--isochrone-target",
              "rail", "--isochrone-cell-m", "2000", "--lang", "en")  # fmt: skip
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    assert "Isochrones: to a rail station, min by road" in html
    payload = json.loads(re.search(r'"isochrones":\s*(\{.*?"contextPane":\s*"[^"]+"\})', html)[1])
    assert [b["label"] for b in payload["bands"]] == ["0–15 min", "15–30 min", "30–45 min"]
    res = cli("map", "-o", str(tmp_path / "bad.html"), "--isochrones", "45,15", "--lang", "en")
    assert res.exit_code == 1
    assert "increasing order" in res.output
    assert not (tmp_path / "bad.html").exists()


def test_map_of_built_in_sites_under_a_travel_time_scenario(cli, tmp_path):
    # failed before with "criteria table has no column `time_interchange_min`": the map
    # now gives a travel-time scenario the built-in network, as score and compare do
    out = tmp_path / "time.html"
    res = cli("map", "-o", str(out), "--sites", "builtin", "--scenario", "bakad-perimeter-time")
    assert res.exit_code == 0, res.output
    assert "bakad-perimeter-time" in out.read_text(encoding="utf-8")
