"""Road network and travel times on hand-built graphs, with times worked out by hand.

Every road here drives at 36 km/h (10 m/s: 1 km = 100 s) and the access leg is 36 km/h
with no detour, so times are easy to check on paper. Coordinates are metres in UTM 43N,
offset to the Almaty area.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from planner import crs as _crs
from planner.core.network import (
    TargetGroup,
    build_network,
    describe_dropped,
    load_network,
    save_network,
    shortest_times,
)
from planner.core.snap import SnapIndex
from planner.core.travel import TRAVEL_COLUMNS, prepare_travel, travel_criteria
from planner.errors import InputError, OutputExistsError

X0, Y0 = 640_000.0, 4_800_000.0
ACCESS = {"speed_kmh": 36.0, "detour": 1.0, "max_snap_m": 1000.0}
CLASSES = ("road", "motorway", "link")


def net_of(nodes, segs, *, oneway=(), bakad=(), motorway=(), speed=36.0, **kw):
    """A network from node (x, y) offsets and segments (u, v); ``oneway`` lists the
    segments drivable only u -> v, ``bakad``/``motorway`` the motorway segments."""
    xy = np.asarray(nodes, dtype="f8")
    u, v = np.asarray(segs, dtype=np.int64).T
    m = len(u)
    fwd = np.full(m, speed)
    bwd = np.full(m, speed)
    bwd[list(oneway)] = np.nan
    cls = np.zeros(m, dtype=np.int16)
    cls[list(motorway)] = 1
    snap = cls == 0
    is_bakad = np.zeros(m, dtype=bool)
    is_bakad[list(bakad)] = True
    return build_network(xy[:, 0] + X0, xy[:, 1] + Y0, u, v, cls, fwd, bwd,
                         class_names=CLASSES, seg_snap=snap, seg_bakad=is_bakad,
                         access={**ACCESS, **kw})  # fmt: skip


class FakeLayers:
    """The few layers travel targets are read from, in EPSG:32643 (offsets from X0, Y0)."""

    def __init__(self, *, interchanges=(), almaty=(0, 0), konaev=(0, 0), gate=None,
                 rail=((0, 0),), airport=(0, 0)):  # fmt: skip
        def pts(items, kind, prefix):
            return [(f"{prefix}{i}" if not isinstance(p[0], str) else p[0], kind,
                     shapely.Point(X0 + p[-2], Y0 + p[-1])) for i, p in enumerate(items)]

        ic = [(name, "interchange", shapely.Point(X0 + x, Y0 + y)) for name, x, y in interchanges]
        ring = [("bakad", "ring_road", shapely.LineString([(X0, Y0), (X0 + 1, Y0)]))]
        gate_geom = shapely.box(X0 + gate[0], Y0 + gate[1], X0 + gate[2], Y0 + gate[3]) \
            if gate else shapely.box(X0 + 90_000, Y0 + 90_000, X0 + 90_001, Y0 + 90_001)
        cities = [("almaty-centre", "city_centre", shapely.Point(X0 + almaty[0], Y0 + almaty[1])),
                  ("konaev-centre", "city_centre", shapely.Point(X0 + konaev[0], Y0 + konaev[1])),
                  ("gate-city", "planned_district", gate_geom)]  # fmt: skip
        transport = pts(rail, "rail_station", "rail-") + pts([airport], "airport", "airport-")
        self._layers = {
            "bakad": self._gdf(ring + ic),
            "cities": self._gdf(cities),
            "transport": self._gdf(transport),
            "zones": self._gdf([]),
        }

    @staticmethod
    def _gdf(rows):
        df = pd.DataFrame(rows, columns=["id", "kind", "geometry"])
        df["name_en"] = df["id"]
        df["name_ru"] = df["id"] + " (ru)"
        return gpd.GeoDataFrame(df, geometry="geometry", crs=_crs.METRIC_CRS)

    def metric(self, name):
        return self._layers[name]

    def names(self):
        """Feature names per layer and language, as the reasons take them."""
        from planner.core.prepared import FeatureNames

        return FeatureNames({
            layer: {lang: dict(zip(gdf["id"], gdf["name_en"], strict=True))
                    for lang in ("ru", "kk", "en")}
            for layer, gdf in self._layers.items()
        })  # fmt: skip

    def __getitem__(self, name):
        return self._layers[name].to_crs(_crs.GEOGRAPHIC_CRS)


def times(net, layers, xy):
    xy = np.asarray(xy, dtype="f8")
    prepared = prepare_travel(net, layers)
    return travel_criteria(xy[:, 0] + X0, xy[:, 1] + Y0, prepared), prepared


# --------------------------------------------------------------------------- one-way streets

SQUARE = [(0, 0), (1000, 0), (1000, 1000), (0, 1000)]  # A B C D
LOOP = [(0, 1), (1, 2), (2, 3), (3, 0)]  # A->B->C->D->A


@pytest.mark.parametrize(
    ("oneway", "expected_s"),
    [
        # leg 100 m (10 s) + half of C->D (50 s) + D->A (100 s) + A->B (100 s)
        ((0, 1, 2, 3), 260.0),
        # two-way: leg 10 s + back to C (50 s) + C->B (100 s)
        ((), 160.0),
    ],
)
def test_one_way_streets_force_the_long_way_round(oneway, expected_s):
    net = net_of(SQUARE, LOOP, oneway=oneway)
    layers = FakeLayers(airport=(1000, 0))  # at B
    crit, _ = times(net, layers, [(500, -100), (500, 1100)])
    # on A->B, 100 m south of its middle: leg 10 s + half of A->B (50 s)
    assert crit["time_airport_min"].iloc[0] == pytest.approx(60.0 / 60.0)
    assert crit["time_airport_min"].iloc[1] == pytest.approx(expected_s / 60.0)
    assert crit["snap_m"].tolist() == pytest.approx([100.0, 100.0])


def test_a_site_on_the_target_segment_goes_straight_along_it_if_allowed():
    net = net_of(SQUARE, LOOP, oneway=(0, 1, 2, 3))
    # airport beside the middle of A->B: site upstream goes 250 m along; downstream, round
    layers = FakeLayers(airport=(500, -100))
    crit, _ = times(net, layers, [(250, -100), (750, -100)])
    # site: leg 10 s, along 250 m (25 s), target leg 10 s
    assert crit["time_airport_min"].iloc[0] == pytest.approx(45.0 / 60.0)
    # past the target on a one-way street: on to B (25 s), round B-C-D-A (300 s), A to the
    # target's place (50 s), plus both legs (20 s)
    assert crit["time_airport_min"].iloc[1] == pytest.approx(395.0 / 60.0)


# --------------------------------------------------------------------------- river, one bridge


def test_a_river_with_one_bridge_makes_a_close_target_far():
    # south bank road y=0, north bank road y=400, one bridge at x=10 km
    nodes = [(0, 0), (5000, 0), (10000, 0), (0, 400), (5000, 400), (10000, 400)]
    segs = [(0, 1), (1, 2), (3, 4), (4, 5), (2, 5)]
    net = net_of(nodes, segs)
    layers = FakeLayers(almaty=(0, 400))
    crit, _ = times(net, layers, [(0, -50)])
    # straight line 450 m; by road: leg 5 s + 10 km east (1000 s) + bridge (40 s) + 10 km
    # back west (1000 s)
    assert crit["time_almaty_min"].iloc[0] == pytest.approx(2045.0 / 60.0)
    assert crit["snap_m"].iloc[0] == pytest.approx(50.0)


# --------------------------------------------------------------------------- interchanges only


def motorway_net():
    # BAKAD y=0 (72 km/h is not needed: links decide), local road y=500, links at both ends
    nodes = [(0, 0), (10000, 0), (0, 500), (6000, 500), (10000, 500)]
    segs = [(0, 1), (2, 3), (3, 4), (4, 1), (2, 0)]
    return net_of(nodes, segs, bakad=(0,), motorway=(0,))


def test_bakad_is_entered_only_at_its_interchanges():
    net = motorway_net()
    assert sorted(net.bakad_entries.tolist()) == [0, 1]
    layers = FakeLayers(interchanges=[("ic-west", 0, 0), ("ic-east", 10000, 0)])
    crit, _ = times(net, layers, [(6000, 50)])
    # 50 m from BAKAD but no frontage access: joins the local road 450 m away (45 s), then
    # 4 km east (400 s) and the 500 m link (50 s) to the east interchange
    assert crit["snap_m"].iloc[0] == pytest.approx(450.0)
    assert crit["time_interchange_min"].iloc[0] == pytest.approx(495.0 / 60.0)
    assert crit["nearest_interchange_by_road"].iloc[0] == "ic-east"


def test_sites_never_snap_to_a_motorway():
    net = motorway_net()
    snap = SnapIndex.from_network(net).snap(np.array([X0 + 3000.0]), np.array([Y0 + 1.0]))
    assert not net.seg_bakad[snap.seg[0]]
    assert net.class_names[net.seg_class[snap.seg[0]]] == "road"
    assert snap.dist_m[0] == pytest.approx(499.0)


# --------------------------------------------------------------------------- islands, far sites


def island_net():
    nodes = [*SQUARE, (50000, 0), (51000, 0)]
    segs = [*LOOP, (4, 5)]
    return net_of(nodes, segs)


def test_an_unreachable_island_is_dropped_and_reported():
    net = island_net()
    assert net.n_nodes == 4 and net.n_segments == 4
    dropped = net.meta["dropped"]
    assert dropped["components"] == 1
    assert dropped["segments"] == 1
    assert dropped["length_km"] == pytest.approx(1.0)
    assert "1 piece(s)" in describe_dropped(dropped)
    layers = FakeLayers(airport=(50500, 0))  # on the island: no road reaches it
    crit, prepared = times(net, layers, [(500, -100), (50500, 10)])
    assert np.isinf(crit["time_airport_min"]).all()
    assert any("airport" in n and "left out" in n for n in prepared.notes)
    # the site on the island: the nearest kept road is 49.5 km away
    assert bool(crit["no_road_access"].iloc[1])
    assert not bool(crit["no_road_access"].iloc[0])


def test_a_site_too_far_from_any_road_has_no_road_access_and_says_why():
    from planner.config.scenarios import scenario_from_dict
    from planner.core.explain import why_texts
    from planner.core.scoring import score_table

    net = net_of(SQUARE, LOOP)
    layers = FakeLayers(almaty=(0, 0))
    crit, _ = times(net, layers, [(500, 500), (500, -5000)])
    assert crit["no_road_access"].tolist() == [False, True]
    assert crit["snap_m"].iloc[1] == pytest.approx(5000.0)
    assert np.isinf(crit["time_almaty_min"].iloc[1])
    assert crit["nearest_interchange_by_road"].iloc[1] == ""
    sc = scenario_from_dict({"criteria": {"time_almaty": {
        "transform": "linear", "weight": 1, "full_at_min": 0, "zero_at_min": 60}}})  # fmt: skip
    table = score_table(crit.assign(excluded=False), sc)
    assert table["u_time_almaty"].iloc[1] == 0.0
    assert table["u_time_almaty"].iloc[0] > 0.8
    texts = why_texts(pd.concat([crit.assign(excluded=False, exclusion_reason=""), table],
                                axis=1), sc, layers.names())  # fmt: skip
    assert texts["why_en"].iloc[1] == "no road within reach (nearest 5.0 km)"
    assert texts["why_ru"].iloc[1] == "нет дороги поблизости (ближайшая в 5,0 км)"
    assert "мин по дорогам до центра Алматы" in texts["why_ru"].iloc[0]


def test_gate_city_inside_is_zero_minutes_by_road():
    net = net_of(SQUARE, LOOP)
    layers = FakeLayers(gate=(-10, -10, 1010, 300))  # holds A and B
    crit, _ = times(net, layers, [(500, 0), (500, 1000)])
    assert crit["time_gate_city_min"].iloc[0] == pytest.approx(0.0)
    # from the middle of C-D: 50 s to D, 100 s to A (inside)
    assert crit["time_gate_city_min"].iloc[1] == pytest.approx(150.0 / 60.0)


# --------------------------------------------------------------------------- file and build


def test_network_file_roundtrip_and_no_clobber(tmp_path):
    net = island_net()
    path = save_network(net, tmp_path / "n.npz")
    back = load_network(path)
    for name in ("node_x", "seg_u", "seg_fwd_ms", "seg_snap", "seg_bakad"):
        assert np.array_equal(getattr(back, name), getattr(net, name))
    assert back.meta["dropped"] == net.meta["dropped"]
    assert back.access == net.access
    with pytest.raises(OutputExistsError):
        save_network(net, path)
    (tmp_path / "bad.npz").write_bytes(b"not a network")
    with pytest.raises(InputError, match="not a planner network file"):
        load_network(tmp_path / "bad.npz")


def test_times_are_whole_milliseconds_and_parallel_edges_keep_the_fastest():
    nodes = [(0, 0), (1000, 0)]
    net = build_network(np.array([X0, X0 + 1000]), np.array([Y0, Y0]), [0, 0], [1, 1],
                        [0, 0], [36.0, 72.0], [36.0, np.nan], class_names=CLASSES,
                        access=ACCESS)  # fmt: skip
    assert nodes and net.seg_fwd_ms.tolist() == [100_000.0, 50_000.0]
    ms, _ = shortest_times(net, [TargetGroup("t", nodes=np.array([1]))])
    assert ms[:, 0].tolist() == [50_000.0, 0.0]  # the 72 km/h carriageway


def test_build_refuses_an_empty_network():
    with pytest.raises(InputError, match="no drivable segment"):
        build_network([X0], [Y0], [0], [0], [0], [36.0], [36.0], class_names=CLASSES,
                      access=ACCESS)  # fmt: skip


def test_travel_columns_contract():
    net = net_of(SQUARE, LOOP)
    crit, _ = times(net, FakeLayers(), [(10, 10)])
    assert tuple(crit.columns) == TRAVEL_COLUMNS
    assert crit["no_road_access"].dtype == bool
    assert isinstance(crit["nearest_interchange_by_road"].dtype, pd.CategoricalDtype)
