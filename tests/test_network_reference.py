"""Travel times against independent references: networkx shortest paths and brute-force
nearest segments, on random directed graphs with one-way streets and points off nodes."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from planner.core import snap as snap_mod
from planner.core.network import (
    TargetGroup,
    build_network,
    lookup_times,
    shortest_times,
)
from planner.core.snap import SnapIndex

CLASSES = ("road", "motorway")


def random_network(seed: int, side: int = 14):
    """A jittered grid: random speeds, 25% one-way (random direction), 10% of streets
    missing, a few motorway segments sites may not join."""
    rng = np.random.default_rng(seed)
    gx, gy = np.meshgrid(np.arange(side), np.arange(side))
    x = gx.ravel() * 300.0 + rng.uniform(-80, 80, side * side) + 640_000
    y = gy.ravel() * 300.0 + rng.uniform(-80, 80, side * side) + 4_800_000
    ids = np.arange(side * side).reshape(side, side)
    u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    keep = rng.random(len(u)) > 0.1
    u, v = u[keep], v[keep]
    flip = rng.random(len(u)) < 0.5
    u, v = np.where(flip, v, u), np.where(flip, u, v)
    m = len(u)
    speed = rng.choice([20.0, 30.0, 50.0, 70.0], m)
    bwd = np.where(rng.random(m) < 0.25, np.nan, speed)
    cls = (rng.random(m) < 0.05).astype(np.int16)
    net = build_network(x, y, u, v, cls, speed, bwd, class_names=CLASSES, seg_snap=cls == 0,
                        access={"speed_kmh": 15.0, "detour": 1.2, "max_snap_m": 400.0})  # fmt: skip
    return net, rng


def nx_times(net, group: TargetGroup) -> np.ndarray:
    """Milliseconds from every node to the group, by networkx on the reversed graph."""
    g = nx.DiGraph()
    g.add_nodes_from(range(net.n_nodes))
    src, dst, ms = net.edges()
    for a, b, w in zip(dst.tolist(), src.tolist(), ms.tolist(), strict=True):  # reversed
        if not g.has_edge(a, b) or g[a][b]["w"] > w:
            g.add_edge(a, b, w=w)
    sources = [int(n) for n in group.nodes]
    for k, (seg, t, extra) in enumerate(group.points):
        p = ("p", k)
        sources.append(p)
        fwd, bwd = net.seg_fwd_ms[seg], net.seg_bwd_ms[seg]
        to_u = 0.0 if t <= 0 else t * fwd
        to_v = 0.0 if t >= 1 else (1 - t) * bwd
        if np.isfinite(to_u):
            g.add_edge(p, int(net.seg_u[seg]), w=float(np.rint(to_u + extra)))
        if np.isfinite(to_v):
            g.add_edge(p, int(net.seg_v[seg]), w=float(np.rint(to_v + extra)))
    dist = nx.multi_source_dijkstra_path_length(g, sources, weight="w")
    return np.array([dist.get(i, np.inf) for i in range(net.n_nodes)])


def brute_snap(net, x, y):
    snappable = np.flatnonzero(net.seg_snap)
    ax, ay = net.node_x[net.seg_u[snappable]], net.node_y[net.seg_u[snappable]]
    bx, by = net.node_x[net.seg_v[snappable]], net.node_y[net.seg_v[snappable]]
    dx, dy = bx - ax, by - ay
    l2 = dx * dx + dy * dy
    t = np.clip(((x[:, None] - ax) * dx + (y[:, None] - ay) * dy) / np.where(l2 > 0, l2, 1), 0, 1)
    d = np.hypot(ax + t * dx - x[:, None], ay + t * dy - y[:, None])
    return d.min(axis=1)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shortest_times_equal_networkx_exactly(seed):
    net, rng = random_network(seed)
    segs = rng.choice(np.flatnonzero(net.seg_u != net.seg_v), 3, replace=False)
    groups = [
        TargetGroup("one", nodes=np.array([int(rng.integers(net.n_nodes))])),
        TargetGroup("set", nodes=rng.choice(net.n_nodes, 4, replace=False), want_member=True),
        TargetGroup("points", points=tuple((int(s), float(rng.random()), 1234.0) for s in segs)),
    ]
    ms, member = shortest_times(net, groups)
    for j, g in enumerate(groups):
        assert np.array_equal(ms[:, j], nx_times(net, g))  # exact: whole milliseconds
    # the member found is the one at that distance
    set_nodes = groups[1].nodes
    for node in rng.choice(net.n_nodes, 20):
        one = TargetGroup("x", nodes=np.array([set_nodes[member[node, 1]]]))
        assert nx_times(net, one)[node] == ms[node, 1]


@pytest.mark.parametrize("far_stage", ["kdtree", "every-segment"])
@pytest.mark.parametrize("seed", [4, 5])
def test_snapping_is_exact_against_brute_force(seed, far_stage, monkeypatch):
    # points far from roads are settled by the KD-tree on large networks, by measuring
    # every segment on small ones: both must be exact
    monkeypatch.setattr(snap_mod, "BRUTE_MAX_SEGMENTS", 0 if far_stage == "kdtree" else 10**9)
    net, rng = random_network(seed)
    n = 3000
    x = rng.uniform(net.node_x.min() - 3000, net.node_x.max() + 3000, n)
    y = rng.uniform(net.node_y.min() - 3000, net.node_y.max() + 3000, n)
    snap = SnapIndex.from_network(net).snap(x, y)
    assert np.allclose(snap.dist_m, brute_snap(net, x, y), rtol=0, atol=1e-6)
    assert net.seg_snap[snap.seg].all()  # never a motorway


@pytest.mark.parametrize("seed", [6, 7])
def test_site_times_follow_the_formula_with_networkx_node_times(seed):
    net, rng = random_network(seed)
    group = TargetGroup("set", nodes=rng.choice(net.n_nodes, 3, replace=False))
    ms, member = shortest_times(net, [group])
    ref = nx_times(net, group)
    x = rng.uniform(net.node_x.min(), net.node_x.max(), 500)
    y = rng.uniform(net.node_y.min(), net.node_y.max(), 500)
    snap = SnapIndex.from_network(net).snap(x, y)
    leg = snap.dist_m * 1.2 * 3600.0 / 15.0
    got, _ = lookup_times(snap, leg, net.seg_u.astype(np.int64), net.seg_v.astype(np.int64),
                          net.seg_fwd_ms, net.seg_bwd_ms, ms, member)  # fmt: skip
    u, v, t = net.seg_u[snap.seg], net.seg_v[snap.seg], snap.t
    with np.errstate(invalid="ignore"):
        via_u = np.where(t <= 0, 0.0, t * net.seg_bwd_ms[snap.seg]) + ref[u]
        via_v = np.where(t >= 1, 0.0, (1 - t) * net.seg_fwd_ms[snap.seg]) + ref[v]
    assert np.array_equal(got[:, 0], leg + np.minimum(via_u, via_v))


def test_shortest_times_in_worker_processes_are_identical():
    net, rng = random_network(8)
    segs = rng.choice(np.flatnonzero(net.seg_u != net.seg_v), 2, replace=False)
    groups = [
        TargetGroup("a", nodes=np.array([3])),
        TargetGroup("b", nodes=rng.choice(net.n_nodes, 3, replace=False), want_member=True),
        TargetGroup("c", points=tuple((int(s), 0.5, 10.0) for s in segs)),
        TargetGroup("empty"),
    ]
    one = shortest_times(net, groups, processes=1)
    two = shortest_times(net, groups, processes=2)
    assert np.array_equal(one[0], two[0]) and np.array_equal(one[1], two[1])
    assert np.isinf(one[0][:, 3]).all()
