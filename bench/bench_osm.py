"""Benchmark: `planner layers from-osm` on a generated extract of 5 million nodes.

    .venv/bin/python bench/bench_osm.py                        # 5,000,000 nodes (~3 min)
    .venv/bin/python bench/bench_osm.py --nodes 1000000        # quicker
    .venv/bin/python bench/bench_osm.py --keep /tmp/osm-bench  # reuse the generated file
    .venv/bin/python bench/bench_osm.py --no-baseline --strict # exit 2 when a target is missed

The extract is written with pyosmium's writer (seeded, nothing downloaded) over the Almaty
area (76.4-77.6 E, 43.25-43.9 N) with the mix of a real city extract: ~40% of the nodes in
buildings (closed ways the area assembler must build and the filters must drop), ~45% in
residential/service streets (highways Python sees and discards), the rest in residential and
industrial land, water, rail, trunk/primary roads, BAKAD with its junctions, place nodes
and tagged points of interest.

Timed, each in a fresh subprocess so that its peak memory (``ru_maxrss``) is its own (the
extract is generated in a subprocess too: a child's ``ru_maxrss`` starts at the size of the
process it was forked from):

1. **planner**: :func:`planner.inputs.osm.layers_from_osm` + :func:`write_osm_layers`
   (read, assemble, clip to the region, validate, write the GeoPackages).
2. **baseline**: the straightforward way with GDAL's OSM driver: ``pyogrio`` reads the
   ``points``, ``lines`` and ``multipolygons`` layers whole and pandas picks the features.

Agreement (exit 1 on failure): both find the same number of ``railway=rail`` ways with the
same total length (to 0.1%) and the same ``landuse=industrial`` polygons. Targets: the
planner converts 5M nodes in <= 60 s and <= 2 GB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WEST, SOUTH, EAST, NORTH = 76.4, 43.25, 77.6, 43.9
#: share of the nodes in each kind of feature, and nodes per feature
MIX = {
    "building": (0.40, 4),
    "street": (0.45, 10),
    "residential": (0.04, 20),
    "industrial": (0.01, 10),
    "water": (0.01, 30),
    "rail": (0.01, 50),
    "road": (0.04, 40),
    "poi": (0.04, 1),
}


def generate(path: Path, n_nodes: int, seed: int = 1) -> dict:
    """Write the synthetic extract; returns what it holds (counts per kind).

    Nodes go to the writer as they are made (ids ascending); a way is kept as the range of
    its node ids (closed ways repeat the first), so memory stays small at any size.
    """
    import numpy as np
    import osmium
    from osmium.osm import mutable

    rng = np.random.default_rng(seed)
    ts = "2026-11-01T00:00:00Z"
    writer = osmium.SimpleWriter(str(path), overwrite=True)
    state = {"nid": 0}
    ways: list[tuple[int, int, bool, dict]] = []  # (first node id, count, closed, tags)
    counts: dict[str, int] = {}

    def add_nodes(lon, lat, tags=None) -> int:
        first = state["nid"] + 1
        for i, (x, y) in enumerate(zip(lon.tolist(), lat.tolist(), strict=True)):
            t = tags(i) if callable(tags) else (tags or {})
            writer.add_node(mutable.Node(id=first + i, location=(x, y), tags=t, version=1,
                                         timestamp=ts))
        state["nid"] = first + len(lon) - 1
        return first

    def centres(k):
        return rng.uniform(WEST, EAST, k), rng.uniform(SOUTH, NORTH, k)

    def polygons(kind, k, m, size_deg, tags):
        cx, cy = centres(k)
        ang = np.linspace(0, 2 * np.pi, m, endpoint=False)
        for x, y in zip(cx, cy, strict=True):
            r = size_deg * rng.uniform(0.5, 1.5)
            first = add_nodes(x + r * np.cos(ang), y + 0.75 * r * np.sin(ang))
            ways.append((first, m, True, tags))
        counts[kind] = k

    def lines(kind, k, m, step_deg, tags_fn):
        cx, cy = centres(k)
        for i, (x, y) in enumerate(zip(cx, cy, strict=True)):
            a = rng.uniform(0, 2 * np.pi)
            t = np.arange(m) * step_deg
            jitter = rng.normal(0, step_deg * 0.1, m)
            first = add_nodes(x + t * np.cos(a), y + t * np.sin(a) + jitter)
            ways.append((first, m, False, tags_fn(i)))
        counts[kind] = k

    try:
        share = {k: int(n_nodes * s / m) for k, (s, m) in MIX.items()}
        polygons("building", share["building"], 4, 0.0002, {"building": "yes"})
        lines("street", share["street"], 10, 0.0008,
              lambda i: {"highway": "residential" if i % 3 else "service"})
        polygons("residential", share["residential"], 20, 0.004, {"landuse": "residential"})
        polygons("industrial", share["industrial"], 10, 0.003, {"landuse": "industrial"})
        polygons("water", share["water"], 30, 0.005, {"natural": "water"})
        lines("rail", share["rail"], 50, 0.002, lambda i: {"railway": "rail"})
        lines("road", share["road"], 40, 0.003,
              lambda i: {"highway": "trunk" if i % 4 == 0 else "primary", "ref": f"R-{i % 50}"})
        px, py = centres(share["poi"])
        add_nodes(px, py, {"amenity": "cafe"})
        # BAKAD: a half ring north of Almaty in 60 named ways, with 8 junction nodes
        n_ring = 1200
        junction = {75 + j * 150: j + 1 for j in range(8)}
        first = add_nodes(
            np.linspace(76.75, 77.18, n_ring),
            43.30 + 0.14 * np.sin(np.linspace(0, np.pi, n_ring)),
            lambda i: ({"highway": "motorway_junction", "ref": str(junction[i])}
                       if i in junction else {}),
        )
        for s0 in range(0, n_ring - 1, 20):
            ways.append((first + s0, min(21, n_ring - s0), False,
                         {"highway": "motorway", "name": "БАКАД"}))
        counts["bakad_ways"] = len(range(0, n_ring - 1, 20))
        pl_x, pl_y = centres(1000)
        add_nodes(pl_x, pl_y, {"place": "village", "name": "Ауыл"})
        for wid, (first, m, closed, tags) in enumerate(ways, start=1):
            ids = list(range(first, first + m)) + ([first] if closed else [])
            writer.add_way(mutable.Way(id=wid, nodes=ids, tags=tags, version=1, timestamp=ts))
    finally:
        writer.close()
    counts["nodes"] = state["nid"]
    counts["ways"] = len(ways)
    return counts


def child_planner(path: str, out_dir: str) -> dict:
    from planner.inputs.osm import layers_from_osm, write_osm_layers

    t0 = time.perf_counter()
    res = layers_from_osm(path)
    t_read = time.perf_counter() - t0
    t1 = time.perf_counter()
    write_osm_layers(res, Path(out_dir) / "official.gpkg", overwrite=True)
    t_write = time.perf_counter() - t1
    tr = res.layers["transport"]
    rail = tr[tr["kind"] == "railway"].to_crs(32643)
    return {
        "t_read": t_read, "t_write": t_write, "total_s": t_read + t_write,
        "counts": res.counts, "rail_n": len(rail), "rail_km": float(rail.length.sum() / 1000),
        "industrial_n": len(res.candidates),
    }


def child_baseline(path: str) -> dict:
    import geopandas as gpd
    import numpy as np
    import pyogrio
    import shapely

    import planner

    t0 = time.perf_counter()
    lines = pyogrio.read_dataframe(path, layer="lines")
    polys = pyogrio.read_dataframe(path, layer="multipolygons")
    points = pyogrio.read_dataframe(path, layer="points")
    t_read = time.perf_counter() - t0
    cons = planner.load_layers()["constraints"]
    area = shapely.union_all(cons[cons["kind"] == "region"].geometry.to_numpy())
    rail = lines[lines["railway"] == "rail"]
    rail = gpd.GeoDataFrame(rail, geometry="geometry", crs=4326).clip(area)
    ind = polys[polys["landuse"] == "industrial"]
    ind = ind[shapely.intersects(area, ind.geometry.to_numpy())]
    total = time.perf_counter() - t0
    return {"t_read": t_read, "total_s": total, "rail_n": len(rail),
            "rail_km": float(rail.to_crs(32643).length.sum() / 1000),
            "industrial_n": len(ind), "points": len(points), "lines": len(lines),
            "polys": int(np.asarray(len(polys)))}


def run_child(args: list[str]) -> dict:
    """Run one side in a fresh process; its JSON result is the last line it prints."""
    proc = subprocess.run([sys.executable, __file__, *args], stdout=subprocess.PIPE, check=False)
    if proc.returncode:
        raise SystemExit(f"child {args[:2]} failed with exit {proc.returncode}")
    return json.loads(proc.stdout.decode().strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=5_000_000, help="nodes in the extract")
    ap.add_argument("--keep", type=Path, help="folder to keep (and reuse) the extract in")
    ap.add_argument("--no-baseline", action="store_true", help="skip the GDAL baseline")
    ap.add_argument("--strict", action="store_true", help="exit 2 when a target is missed")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        import resource

        kind, *rest = args.child
        if kind == "generate":
            res = generate(Path(rest[0]), int(rest[1]))
        else:
            res = child_planner(*rest) if kind == "planner" else child_baseline(*rest)
        res["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(res))
        return 0

    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-osm-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"synthetic-{args.nodes}.osm.pbf"
    if not path.exists():
        t = time.perf_counter()
        info = run_child(["--child", "generate", str(path), str(args.nodes)])
        print(f"generated {path.name}: {info['nodes']:,} nodes, {info['ways']:,} ways "
              f"in {time.perf_counter() - t:.1f} s ({path.stat().st_size / 2**20:.0f} MB)")
    else:
        print(f"reusing {path} ({path.stat().st_size / 2**20:.0f} MB)")

    fast = run_child(["--child", "planner", str(path), str(folder)])
    rate = args.nodes / fast["total_s"]
    print(f"planner layers from-osm: {fast['total_s']:.1f} s (read+assemble {fast['t_read']:.1f}"
          f" s, write {fast['t_write']:.1f} s), {rate / 1e6:.2f} M nodes/s, peak "
          f"{fast['peak_mb']:,.0f} MB")
    print("  counts: " + "; ".join(
        f"{k} " + ", ".join(f"{kk} {vv}" for kk, vv in v.items())
        for k, v in fast["counts"].items()))
    ok = True
    if not args.no_baseline:
        base = run_child(["--child", "baseline", str(path)])
        print(f"baseline GDAL OSM driver (pyogrio) + pandas: {base['total_s']:.1f} s (read "
              f"{base['t_read']:.1f} s), peak {base['peak_mb']:,.0f} MB; planner is "
              f"{base['total_s'] / fast['total_s']:.1f}x faster")
        agree = (fast["rail_n"] == base["rail_n"]
                 and abs(fast["rail_km"] - base["rail_km"]) <= 1e-3 * base["rail_km"]
                 and fast["industrial_n"] == base["industrial_n"])
        print(f"agreement: rail ways {fast['rail_n']} / {base['rail_n']}, rail "
              f"{fast['rail_km']:,.1f} / {base['rail_km']:,.1f} km, industrial "
              f"{fast['industrial_n']} / {base['industrial_n']}: {'ok' if agree else 'DIFFER'}")
        ok = agree
    full = args.nodes >= 5_000_000
    targets = [("5M nodes in <= 60 s", fast["total_s"] <= 60 if full else None,
                f"{fast['total_s']:.1f} s for {args.nodes:,} nodes"),
               ("peak memory <= 2 GB", fast["peak_mb"] <= 2048, f"{fast['peak_mb']:,.0f} MB")]
    for name, passed, got in targets:
        verdict = "not measured (needs --nodes 5000000)" if passed is None else (
            "met" if passed else "MISSED")
        print(f"target {name}: {verdict} ({got})")
    if not ok:
        return 1
    if args.strict and any(p is False for _, p, _ in targets):
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
