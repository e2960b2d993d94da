"""Benchmark: `planner surface` for Almaty Region at 100 m (time, peak memory, accuracy).

    .venv/bin/python bench/bench_surface.py                     # region, 100 m (~28 M cells)
    .venv/bin/python bench/bench_surface.py --cell-m 250        # smaller grid
    .venv/bin/python bench/bench_surface.py --max-n 5000000     # cap the grid: coarser cells
    .venv/bin/python bench/bench_surface.py --extent bakad:20km --cell-m 50

The surface runs in a fresh subprocess so that its peak memory (``ru_maxrss``; numpy
buffers are invisible to tracemalloc) is its own: :func:`planner.core.surface.compute_surface`
(scenario ``bakad-perimeter``, as of 2025-06-01), then writing the GeoTIFF (when rasterio
is installed; else ``.npz``) and the PNG overlay, each timed. ``--max-n`` caps the cells
of the grid's bounding box: the cell grows until the grid fits.

Self-check (exit 1 on failure): 3,000 random cells of the extent against the exact
vector criteria (:func:`planner.core.criteria.compute_criteria` at the cell centres): every
distance within one cell, zone status, SEZ status, Almaty and exclusion flags equal.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AS_OF = "2025-06-01"


def child(cell_m: float, extent: str, out_dir: str) -> dict:
    import numpy as np

    import planner
    from planner import crs
    from planner.core.criteria import compute_criteria
    from planner.core.layerset import STATUS_RANK
    from planner.core.prepared import Prepared
    from planner.core.surface import compute_surface
    from planner.jobs.surface import write_surface
    from planner.render.surface_image import surface_overlay_png

    layers = planner.load_layers()
    t = time.perf_counter()
    prepared = Prepared.of(layers, AS_OF)
    surf = compute_surface(prepared, cell_m=cell_m, extent=extent, keep_criteria=True)
    t_surface = time.perf_counter() - t
    peak_surface = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        import rasterio  # noqa: F401

        path = Path(out_dir) / "surface.tif"
    except ImportError:
        path = Path(out_dir) / "surface.npz"
    t = time.perf_counter()
    write_surface(surf, path)
    t_write = time.perf_counter() - t
    t = time.perf_counter()
    png, bounds = surface_overlay_png(surf)
    t_png = time.perf_counter() - t

    rows, cols = np.nonzero(surf.in_extent)
    k = np.random.default_rng(0).choice(len(rows), min(3000, len(rows)), replace=False)
    rows, cols = rows[k], cols[k]
    lon, lat = crs.metric_to_lonlat(surf.grid.col_x(cols), surf.grid.row_y(rows))
    exact = compute_criteria(lon, lat, prepared)
    worst = {
        c: float(np.max(np.abs(g[rows, cols] - exact[c].to_numpy())) * 1000)
        for c, g in surf.criteria.items()
        if c.startswith("dist_")
    }
    by_rank = {v: k for k, v in STATUS_RANK.items()}
    mismatches = {
        "zone_status": int(
            (np.array([by_rank[r] for r in surf.criteria["zone_rank"][rows, cols]])
             != exact["zone_status"].to_numpy(dtype=object)).sum()
        ),
        "sez_status": int(
            (np.array([by_rank[r] for r in surf.criteria["sez_rank"][rows, cols]])
             != exact["sez_status"].to_numpy(dtype=object)).sum()
        ),
        "in_almaty": int((surf.criteria["in_almaty"][rows, cols] != exact["in_almaty"]).sum()),
        "excluded": int((surf.excluded[rows, cols] != exact["excluded"]).sum()),
    }  # fmt: skip
    return {
        "shape": list(surf.grid.shape),
        "cells": surf.grid.size,
        "in_extent": int(surf.in_extent.sum()),
        "excluded": int(surf.excluded.sum()),
        "t_surface": t_surface,
        "peak_surface_mb": peak_surface,
        "file": path.name,
        "file_mb": path.stat().st_size / 2**20,
        "t_write": t_write,
        "t_png": t_png,
        "png_kb": len(png) / 1024,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worst_m": worst,
        "mismatches": mismatches,
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cell-m", type=float, default=100.0, help="cell size, metres")
    p.add_argument("--extent", default="region", help="region | bakad:20km | bbox:W,S,E,N")
    p.add_argument("--max-n", type=int, default=None, help="cap on grid cells (coarser cells)")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--out", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.child:
        print(json.dumps(child(args.cell_m, args.extent, args.out)))
        return 0

    cell_m = args.cell_m
    if args.max_n:
        import planner
        from planner.core.prepared import Prepared
        from planner.core.surface import surface_grid

        prepared = Prepared.of(planner.load_layers(), AS_OF)
        cells = surface_grid(prepared, cell_m, args.extent).size
        if cells > args.max_n:
            cell_m = math.ceil(cell_m * math.sqrt(cells / args.max_n))
            print(f"--max-n {args.max_n:,}: {cells:,} cells at {args.cell_m:g} m; "
                  f"using {cell_m:g} m")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-surface-") as tmp:
        cmd = [sys.executable, __file__, "--child", "--cell-m", str(cell_m), "--extent",
               args.extent, "--out", tmp]  # fmt: skip
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t
    if proc.returncode != 0:
        print(proc.stdout, proc.stderr, sep="\n")
        return 1
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    rows, cols = r["shape"]
    print(f"surface {args.extent} at {cell_m:g} m: {rows:,} x {cols:,} = {r['cells']:,} cells, "
          f"{r['in_extent']:,} in the extent ({r['excluded']:,} excluded)")  # fmt: skip
    print(f"  compute_surface: {r['t_surface']:.1f} s ({r['in_extent'] / r['t_surface']:,.0f} "
          f"cells/s), peak memory {r['peak_surface_mb']:,.0f} MB")  # fmt: skip
    print(f"  write {r['file']}: {r['t_write']:.1f} s, {r['file_mb']:.1f} MB")
    print(f"  PNG overlay: {r['t_png']:.1f} s, {r['png_kb']:.0f} kB")
    print(f"  process peak memory {r['peak_mb']:,.0f} MB; wall incl. imports {wall:.1f} s")
    failures = []
    for col, m in sorted(r["worst_m"].items()):
        ok = m <= cell_m
        print(f"  check {col}: max error {m:,.1f} m vs exact ({m / cell_m:.2f} cell) "
              f"{'ok' if ok else 'TOO LARGE'}")  # fmt: skip
        if not ok:
            failures.append(col)
    for col, n in r["mismatches"].items():
        print(f"  check {col}: {n} of 3,000 sampled cells differ from exact")
        if n:
            failures.append(col)
    if failures:
        print("FAILED: " + ", ".join(failures))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
