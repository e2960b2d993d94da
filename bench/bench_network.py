"""Benchmark: travel times by road, 1M sites x 12 targets on a 1M-node / 4M-edge graph.

    .venv/bin/python bench/bench_network.py                    # full size (a few minutes)
    .venv/bin/python bench/bench_network.py --side 300 --sites 100000   # quicker
    .venv/bin/python bench/bench_network.py --strict           # exit 2 when a target is missed

The graph is generated from arrays (no file): a jittered ``side x side`` street grid 100 m
apart (1M nodes at side 1000) with a random mix of road classes and their speeds, 5% of
streets one-way, diagonal streets to reach ~4M directed edges, and a motorway marked as
BAKAD across the middle on its own nodes, joined to the streets by link roads every 5 km
(its only entries). Sites are uniform random points over the grid (unsorted).

What it times (one process, after a warm-up that loads the numba cache):

* ``build``: :func:`planner.core.network.build_network` from the arrays (whole-millisecond
  times, directed edges, the largest strongly connected component) plus the reversed CSR
  graph and the snap index (KD-tree over the segments): everything a network file holds
  or derives once. Target <= 30 s.
* ``12 targets``: one Dijkstra per target (scipy.sparse.csgraph) for 12 point targets,
  then snapping 1M sites (KD-tree + exact refine) and looking up 1M x 12 times. Target
  <= 3 s.
* ``planner criteria``: :func:`planner.core.travel.prepare_travel` (6 target groups:
  BAKAD's entries as one multi-source run, Almaty, Konaev, Gate City, 4 rail stations,
  the airport) and :func:`planner.core.travel.travel_criteria` on the 1M sites.
* ``networkx``: the same shortest times with networkx (graph built from the same edges,
  one ``single_source_dijkstra_path_length`` per target on the reversed graph) for
  ``--nx-targets`` of the 12 targets, and the site times of a 1% subset of the sites from
  its node times, extrapolated to 12 targets and 1M sites. The node times must equal
  scipy's exactly (whole milliseconds) and so must the subset's site times.

Exit status: 0 agree, 1 disagree, 2 with --strict when a target is missed.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import numpy as np

SPACING_M = 100.0
X0, Y0 = 600_000.0, 4_750_000.0
CLASSES = ("residential", "tertiary", "secondary", "primary", "motorway", "motorway_link")
CLASS_P = (0.6, 0.2, 0.12, 0.08)
SPEEDS = (30.0, 45.0, 55.0, 65.0, 100.0, 50.0)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def make_graph(side: int, seed: int = 0):
    """Arrays of a street grid with a BAKAD-like motorway (see the module docstring)."""
    rng = np.random.default_rng(seed)
    n = side * side
    gx, gy = np.meshgrid(np.arange(side), np.arange(side))
    x = X0 + gx.ravel() * SPACING_M + rng.uniform(-30, 30, n)
    y = Y0 + gy.ravel() * SPACING_M + rng.uniform(-30, 30, n)
    ids = np.arange(n).reshape(side, side)
    u = [ids[:, :-1].ravel(), ids[:-1, :].ravel()]
    v = [ids[:, 1:].ravel(), ids[1:, :].ravel()]
    n_diag = int(0.028 * n)  # diagonals: ~4M directed edges in all at side 1000
    cells = rng.choice((side - 1) * (side - 1), n_diag, replace=False)
    ci, cj = cells // (side - 1), cells % (side - 1)
    u.append(ids[ci, cj])
    v.append(ids[ci + 1, cj + 1])
    u, v = np.concatenate(u), np.concatenate(v)
    cls = rng.choice(4, len(u), p=CLASS_P).astype(np.int16)
    speed = np.asarray(SPEEDS)[cls]
    oneway = rng.random(len(u)) < 0.05
    flip = rng.random(len(u)) < 0.5
    u, v = np.where(oneway & flip, v, u), np.where(oneway & flip, u, v)
    bwd = np.where(oneway, np.nan, speed)
    # the motorway: its own nodes along the middle row, offset half a block north
    row = side // 2
    mx = X0 + np.arange(side) * SPACING_M
    my = np.full(side, Y0 + (row + 0.5) * SPACING_M)
    m_ids = n + np.arange(side)
    mu, mv = m_ids[:-1], m_ids[1:]
    link_cols = np.arange(0, side, 50)
    lu, lv = ids[row, link_cols], m_ids[link_cols]
    x = np.concatenate([x, mx])
    y = np.concatenate([y, my])
    u = np.concatenate([u, mu, lu])
    v = np.concatenate([v, mv, lv])
    cls = np.concatenate([cls, np.full(len(mu), 4, np.int16), np.full(len(lu), 5, np.int16)])
    fwd = np.concatenate([speed, np.full(len(mu), SPEEDS[4]), np.full(len(lu), SPEEDS[5])])
    bwd = np.concatenate([bwd, np.full(len(mu), SPEEDS[4]), np.full(len(lu), SPEEDS[5])])
    bakad = np.concatenate([np.zeros(len(speed), bool), np.ones(len(mu), bool),
                            np.zeros(len(lu), bool)])  # fmt: skip
    snap = cls < 4
    return x, y, u, v, cls, fwd, bwd, snap, bakad


class BenchLayers:
    """The layers travel targets are read from (metric), placed on the generated grid."""

    def __init__(self, side: int, rng) -> None:
        import geopandas as gpd
        import pandas as pd
        import shapely

        span = side * SPACING_M

        def at(fx, fy):
            return shapely.Point(X0 + fx * span, Y0 + fy * span)

        def gdf(rows):
            df = pd.DataFrame(rows, columns=["id", "kind", "geometry"])
            return gpd.GeoDataFrame(df, geometry="geometry", crs=32643)

        ics = [(f"ic-{k}", "interchange", at(k / 10 + 0.05, 0.5)) for k in range(10)]
        ring = [("bakad", "ring_road", shapely.LineString([(X0, Y0), (X0 + span, Y0)]))]
        gate = shapely.box(X0 + 0.6 * span, Y0 + 0.7 * span, X0 + 0.7 * span, Y0 + 0.8 * span)
        self.layers = {
            "bakad": gdf(ring + ics),
            "cities": gdf([("almaty-centre", "city_centre", at(0.3, 0.3)),
                           ("konaev-centre", "city_centre", at(0.8, 0.95)),
                           ("gate-city", "planned_district", gate)]),
            "transport": gdf([(f"rail-{k}", "rail_station", at(*rng.uniform(0.05, 0.95, 2)))
                              for k in range(4)] + [("airport", "airport", at(0.7, 0.4))]),
        }  # fmt: skip

    def metric(self, name):
        return self.layers[name]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--side", type=int, default=1000, help="grid side (nodes = side^2)")
    ap.add_argument("--sites", type=int, default=1_000_000)
    ap.add_argument("--targets", type=int, default=12)
    ap.add_argument("--nx-targets", type=int, default=3, help="targets networkx computes")
    ap.add_argument("--subset", type=float, default=0.01, help="share of sites for networkx")
    ap.add_argument("--strict", action="store_true")
    args = ap.parse_args()

    from planner.core.network import (
        TargetGroup,
        build_network,
        lookup_times,
        shortest_times,
    )
    from planner.core.snap import SnapIndex
    from planner.core.travel import prepare_travel, travel_criteria

    rng = np.random.default_rng(1)
    arrays = make_graph(args.side)
    x, y, u, v, cls, fwd, bwd, snap, bakad = arrays
    n_directed = int(np.isfinite(fwd).sum() + np.isfinite(bwd).sum())
    print(f"graph: {len(x):,} nodes, {len(u):,} segments, {n_directed:,} directed edges")
    sx = rng.uniform(x.min(), x.max(), args.sites)
    sy = rng.uniform(y.min(), y.max(), args.sites)
    access = {"speed_kmh": 20.0, "detour": 1.0, "max_snap_m": 1000.0}

    # warm-up: compile / load the numba kernels on a tiny graph
    small = make_graph(20)
    wnet = build_network(*small[:7], class_names=CLASSES, seg_snap=small[7],
                         seg_bakad=small[8], access=access)  # fmt: skip
    wsnap = SnapIndex.from_network(wnet).snap(small[0][:50] + 5, small[1][:50] + 5)
    wms, wmem = shortest_times(wnet, [TargetGroup("w", nodes=np.array([0]))])
    lookup_times(wsnap, wsnap.dist_m, wnet.seg_u.astype(np.int64), wnet.seg_v.astype(np.int64),
                 wnet.seg_fwd_ms, wnet.seg_bwd_ms, wms, wmem)  # fmt: skip

    t0 = time.perf_counter()
    net = build_network(x, y, u, v, cls, fwd, bwd, class_names=CLASSES, seg_snap=snap,
                        seg_bakad=bakad, access=access)  # fmt: skip
    t_graph = time.perf_counter() - t0
    _ = net.reversed_csr
    t_csr = time.perf_counter() - t0 - t_graph
    index = net.snap_index
    t_build = time.perf_counter() - t0
    print(f"build from arrays: {t_build:.1f} s (graph + SCC {t_graph:.1f} s, reversed CSR "
          f"{t_csr:.1f} s, snap index {t_build - t_graph - t_csr:.1f} s); dropped "
          f"{net.meta['dropped']['nodes']:,} nodes; peak {peak_mb():,.0f} MB")  # fmt: skip

    targets = rng.choice(net.n_nodes, args.targets, replace=False)
    groups = [TargetGroup(f"t{k}", nodes=np.array([t])) for k, t in enumerate(targets)]
    t1 = time.perf_counter()
    node_ms, node_member = shortest_times(net, groups)
    t_dij = time.perf_counter() - t1
    s = index.snap(sx, sy)
    t_snap = time.perf_counter() - t1 - t_dij
    seg_u, seg_v = net.seg_u.astype(np.int64), net.seg_v.astype(np.int64)
    leg = s.dist_m * (3600.0 / access["speed_kmh"])
    site_ms, _ = lookup_times(s, leg, seg_u, seg_v, net.seg_fwd_ms, net.seg_bwd_ms, node_ms,
                              node_member)  # fmt: skip
    t_12 = time.perf_counter() - t1
    print(f"{args.sites:,} sites x {args.targets} targets: {t_12:.2f} s (Dijkstra "
          f"{t_dij:.2f} s = {t_dij / args.targets:.3f} s per target, snap {t_snap:.2f} s, "
          f"lookup {t_12 - t_dij - t_snap:.2f} s); peak {peak_mb():,.0f} MB")  # fmt: skip

    layers = BenchLayers(args.side, rng)
    t2 = time.perf_counter()
    prepared = prepare_travel(net, layers)
    t_prep = time.perf_counter() - t2
    crit = travel_criteria(sx, sy, prepared)
    t_crit = time.perf_counter() - t2
    print(f"planner travel criteria (6 groups, 17 target points), {args.sites:,} sites: "
          f"{t_crit:.2f} s (prepare_travel {t_prep:.2f} s: 6 Dijkstra runs, "
          f"travel_criteria {t_crit - t_prep:.2f} s); "
          f"{int(crit['no_road_access'].sum()):,} without road access")  # fmt: skip

    ok = _networkx_check(net, groups, node_ms, s, leg, site_ms, args, t_dij, t_12 - t_dij)
    targets_met = t_build <= 30.0 and t_12 <= 3.0
    print(f"targets: build <= 30 s {'met' if t_build <= 30 else 'MISSED'}; "
          f"1M x 12 <= 3 s {'met' if t_12 <= 3.0 else 'MISSED'}")
    if not ok:
        return 1
    return 2 if args.strict and not targets_met else 0


def _networkx_check(net, groups, node_ms, snap, leg, site_ms, args, t_dij, t_sites) -> bool:
    import networkx as nx

    t0 = time.perf_counter()
    src, dst, ms = net.edges()
    order = np.lexsort((ms, src, dst))
    d, s_, w = dst[order], src[order], ms[order]
    first = np.r_[True, (d[1:] != d[:-1]) | (s_[1:] != s_[:-1])]
    g = nx.DiGraph()
    g.add_nodes_from(range(net.n_nodes))
    g.add_weighted_edges_from(zip(d[first].tolist(), s_[first].tolist(), w[first].tolist(),
                                  strict=True), weight="w")  # fmt: skip
    t_graph = time.perf_counter() - t0
    k = min(args.nx_targets, len(groups))
    ok = True
    t1 = time.perf_counter()
    ref = np.empty((net.n_nodes, k))
    for j in range(k):
        dist = nx.single_source_dijkstra_path_length(g, int(groups[j].nodes[0]), weight="w")
        ref[:, j] = [dist.get(i, np.inf) for i in range(net.n_nodes)]
    t_nx = (time.perf_counter() - t1) / k
    same_nodes = np.array_equal(ref, node_ms[:, :k])
    ok &= same_nodes
    n_sub = max(1, int(len(snap.seg) * args.subset))
    rows = np.linspace(0, len(snap.seg) - 1, n_sub).astype(np.int64)
    t2 = time.perf_counter()
    sub = np.empty((n_sub, k))
    for i, r in enumerate(rows.tolist()):  # the per-site way: one lookup per site and target
        sg, t = int(snap.seg[r]), float(snap.t[r])
        a, b = int(net.seg_u[sg]), int(net.seg_v[sg])
        to_u = 0.0 if t <= 0 else t * float(net.seg_bwd_ms[sg])
        to_v = 0.0 if t >= 1 else (1 - t) * float(net.seg_fwd_ms[sg])
        for j in range(k):
            sub[i, j] = leg[r] + min(to_u + ref[a, j], to_v + ref[b, j])
    t_sub = time.perf_counter() - t2
    same_sites = np.array_equal(sub, site_ms[rows, :k])
    ok &= same_sites
    est = t_graph + t_nx * len(groups) + t_sub / n_sub * len(snap.seg) * len(groups) / k
    ours = t_dij + t_sites
    print(f"networkx: graph {t_graph:.1f} s, {t_nx:.2f} s per target ({k} run), "
          f"{n_sub:,} sites x {k} targets {t_sub:.2f} s; extrapolated to "
          f"{len(snap.seg):,} sites x {len(groups)} targets: {est:.0f} s "
          f"(planner {ours:.2f} s, {est / ours:.0f}x)")  # fmt: skip
    print(f"agreement: node times {'identical' if same_nodes else 'DIFFER'} on "
          f"{net.n_nodes:,} nodes x {k} targets; site times "
          f"{'identical' if same_sites else 'DIFFER'} on {n_sub:,} sites")  # fmt: skip
    return bool(ok)


if __name__ == "__main__":
    sys.exit(main())
