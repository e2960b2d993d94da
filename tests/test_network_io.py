"""Road networks from OpenStreetMap files (written here with pyosmium), GeoPackage
roads layers and the built-in layers; `planner network build|info` and its cache."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import osmium
import pytest
import shapely
from osmium.osm.mutable import Node, Way
from typer.testing import CliRunner

from planner.cli.app import app, register_commands
from planner.config.road_speeds import load_road_speeds
from planner.core.network import load_network
from planner.errors import InputError
from planner.inputs.roads import builtin_roads, read_gpkg_roads, read_osm_roads

register_commands()
runner = CliRunner()

LON0, LAT0 = 77.0, 43.5
DLON = 0.001  # ~81 m at 43.5 N
DLAT = 0.001  # ~111 m


def write_osm(path, ways, nodes):
    w = osmium.SimpleWriter(str(path), overwrite=True)
    for nid, (i, j) in sorted(nodes.items()):
        w.add_node(Node(id=nid, location=(LON0 + i * DLON, LAT0 + j * DLAT), tags={}))
    for wid, (refs, tags) in enumerate(ways, start=100):
        w.add_way(Way(id=wid, nodes=refs, tags=tags))
    w.close()
    return path


def grid_nodes():
    # a 4 x 3 lattice of node ids 1..12: id = 1 + i + 4 * j
    return {1 + i + 4 * j: (i, j) for i in range(4) for j in range(3)}


def street(*refs, **tags):
    return (list(refs), {"highway": "residential", **tags})


@pytest.fixture
def osm_file(tmp_path):
    ways = [
        street(1, 2, 3, 4),  # two-way, class default 30 km/h
        street(5, 6, 7, 8, oneway="yes", maxspeed="KZ:urban"),  # forward only, 60 km/h
        street(12, 11, 10, 9, oneway="-1", maxspeed="50 mph"),  # drawn backwards: 9->12
        street(1, 5, 9), street(4, 8, 12), street(2, 6, 10), street(3, 7, 11),
        ([1, 2], {"highway": "footway"}),  # not a road
        ([3, 4], {"highway": "service", "access": "private"}),  # no motor access
        ([20, 21], {"highway": "residential"}),  # an island
        ([30, 31, 32], {"highway": "motorway", "name": "БАКАД", "oneway": "no"}),
        ([4, 30], {"highway": "motorway_link"}),
        ([32, 12], {"highway": "motorway_link"}),
        ([40, 41, 42, 40], {"highway": "tertiary", "junction": "roundabout"}),
        ([8, 40], {"highway": "tertiary"}),
    ]
    nodes = {**grid_nodes(), 20: (10, 10), 21: (11, 10), 30: (6, 0), 31: (6, 1), 32: (6, 2),
             40: (4, 5), 41: (5, 5), 42: (4.5, 6)}  # fmt: skip
    return write_osm(tmp_path / "small.osm.pbf", ways, nodes)


def seg_between(net, a_xy, b_xy):
    """Index of the segment whose ends are nearest ``a_xy`` and ``b_xy`` (grid units)."""
    from planner import crs as _crs

    ax, ay = _crs.lonlat_to_metric(LON0 + a_xy[0] * DLON, LAT0 + a_xy[1] * DLAT)
    bx, by = _crs.lonlat_to_metric(LON0 + b_xy[0] * DLON, LAT0 + b_xy[1] * DLAT)
    a = int(np.argmin(np.hypot(net.node_x - ax, net.node_y - ay)))
    b = int(np.argmin(np.hypot(net.node_x - bx, net.node_y - by)))
    ends = ((net.seg_u == a) & (net.seg_v == b)) | ((net.seg_u == b) & (net.seg_v == a))
    hit = np.flatnonzero(ends)
    assert len(hit) == 1, (a_xy, b_xy, hit)
    return int(hit[0]), a


def drives(net, seg, from_node) -> bool:
    forward = net.seg_u[seg] == from_node
    return bool(np.isfinite(net.seg_fwd_ms[seg] if forward else net.seg_bwd_ms[seg]))


def test_osm_ways_become_directed_timed_segments(osm_file):
    read = read_osm_roads(osm_file)
    net = read.network
    # one-way=yes: 5 -> 8 only
    s, a = seg_between(net, (0, 1), (1, 1))
    assert drives(net, s, a) and not drives(net, s, net.seg_v[s] if net.seg_u[s] == a else
                                           net.seg_u[s])  # fmt: skip
    # one-way=-1 on a way drawn 12 -> 9: drivable 9 -> 12 only
    s, a = seg_between(net, (0, 2), (1, 2))
    other = net.seg_v[s] if net.seg_u[s] == a else net.seg_u[s]
    assert drives(net, s, a) and not drives(net, s, other)
    # speeds: KZ:urban 60 km/h, 50 mph, class default 30 km/h
    for (p, q), kmh in (((0, 1), (1, 1)), 60.0), (((0, 2), (1, 2)), 50 * 1.609344), \
            (((0, 0), (1, 0)), 30.0):  # fmt: skip
        s, _ = seg_between(net, p, q)
        ms = min(net.seg_fwd_ms[s], net.seg_bwd_ms[s])
        assert ms == pytest.approx(net.seg_len_m[s] * 3600.0 / kmh, abs=0.5)
    # the roundabout is one-way in drawing order
    s, a = seg_between(net, (4, 5), (5, 5))
    assert drives(net, s, a) and not drives(net, s, net.seg_v[s] if net.seg_u[s] == a
                                           else net.seg_u[s])  # fmt: skip
    assert read.report["skipped_ways"] == {"footway": 1, "service (no motor access)": 1}
    assert net.meta["dropped"]["components"] == 1  # the island


def test_osm_bakad_is_marked_and_entered_at_its_links(osm_file):
    net = read_osm_roads(osm_file).network
    assert int(net.seg_bakad.sum()) == 2
    assert not net.seg_snap[net.seg_bakad].any()
    assert len(net.bakad_entries) == 2  # where the two links join it


def test_osm_unreadable_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"garbage")
    with pytest.raises(InputError, match="cannot be read"):
        read_osm_roads(bad)


def test_osm_without_roads_is_a_clear_error(tmp_path):
    path = write_osm(tmp_path / "none.osm.pbf", [([1, 2], {"highway": "footway"})],
                     {1: (0, 0), 2: (1, 0)})  # fmt: skip
    with pytest.raises(InputError, match="no drivable road"):
        read_osm_roads(path)


def test_gpkg_roads_layer(tmp_path):
    lines = [shapely.LineString([(0, 0), (1000, 0)]), shapely.LineString([(1000, 0), (1000, 800)]),
             shapely.LineString([(1000, 800), (0, 0)]),
             shapely.LineString([(500, -400), (500, 400)])]  # crosses, shares no vertex
    gdf = gpd.GeoDataFrame(
        {"highway": ["primary", "primary", "primary", "footway"],
         "oneway": ["yes", "", "", ""], "maxspeed": ["36", "", "", ""], "bakad": [0, 0, 0, 0]},
        geometry=[shapely.affinity.translate(g, 640_000, 4_800_000) for g in lines],
        crs=32643,
    )  # fmt: skip
    path = tmp_path / "roads.gpkg"
    gdf.to_file(path, layer="roads")
    read = read_gpkg_roads(path)
    net = read.network
    assert net.n_nodes == 3 and net.n_segments == 3
    assert read.report["skipped_ways"] == {"footway": 1}
    first = int(np.argmin(net.seg_len_m - 1000.0 != 0))
    assert net.seg_fwd_ms[first] == 100_000.0 and np.isinf(net.seg_bwd_ms[first])
    default = load_road_speeds().classes["primary"].speed_kmh
    other = int(np.flatnonzero(np.isclose(net.seg_len_m, 800.0))[0])
    assert net.seg_fwd_ms[other] == pytest.approx(800 * 3600 / default, abs=0.5)
    gdf.to_file(tmp_path / "other.gpkg", layer="zones")
    with pytest.raises(InputError, match="no `roads` layer"):
        read_gpkg_roads(tmp_path / "other.gpkg")


def test_builtin_network_is_indicative_and_joins_bakad_at_interchanges(layers):
    read = builtin_roads(layers)
    net = read.network
    assert net.indicative
    assert net.meta["dropped"]["components"] == 0
    ics = layers.kind("bakad", "interchange")
    assert len(net.bakad_entries) == len(ics)
    assert not net.seg_snap[net.seg_bakad].any()
    assert net.access["detour"] > 1.0


# --------------------------------------------------------------------------- CLI and cache


def test_cli_build_caches_by_sha256_and_reports(osm_file, tmp_path, monkeypatch):
    monkeypatch.setenv("PLANNER_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "net.npz"
    res = runner.invoke(app, ["network", "build", str(osm_file), "-o", str(out), "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert "built" in res.output and "dropped 1 piece(s) of road not connected both ways" in (
        " ".join(res.output.split())
    )
    assert len(list((tmp_path / "cache" / "networks").glob("*.npz"))) == 1
    again = runner.invoke(app, ["network", "build", str(osm_file), "-o", str(out), "--lang", "en"])
    assert again.exit_code == 0 and "up to date" in again.output
    copy = tmp_path / "copy.npz"
    res = runner.invoke(app, ["network", "build", str(osm_file), "-o", str(copy), "--lang", "en"])
    assert res.exit_code == 0 and "copied from the cache" in res.output
    assert np.array_equal(load_network(copy).seg_fwd_ms, load_network(out).seg_fwd_ms)
    info = runner.invoke(app, ["network", "info", str(out), "--lang", "en"])
    assert info.exit_code == 0 and "BAKAD" in info.output
    # another input over an existing output: refused
    other = tmp_path / "other.osm.pbf"
    write_osm(other, [street(1, 2)], {1: (0, 0), 2: (1, 0)})
    res = runner.invoke(app, ["network", "build", str(other), "-o", str(out), "--lang", "en"])
    assert res.exit_code == 1 and "--overwrite" in res.output


def test_cli_build_usage_errors(tmp_path):
    res = runner.invoke(app, ["network", "build", "builtin", "-o", str(tmp_path / "x.npz"),
                              "--bbox", "1,2,3"])  # fmt: skip
    assert res.exit_code == 2
    res = runner.invoke(app, ["network", "build", str(tmp_path / "missing.osm.pbf"),
                              "-o", str(tmp_path / "x.npz"), "--lang", "en"])  # fmt: skip
    assert res.exit_code == 1 and "does not exist" in res.output
