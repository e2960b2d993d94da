"""Benchmark: the criteria engine on a 1M-site grid around BAKAD vs the geopandas way.

    .venv/bin/python bench/bench_criteria.py                 # 1,000,000 sites, both sides
    .venv/bin/python bench/bench_criteria.py --n 200000      # smaller
    .venv/bin/python bench/bench_criteria.py --baseline-n 100000   # baseline on a subsample

Every side runs in its own subprocess, so each reports its own peak memory (ru_maxrss;
tracemalloc misses numpy/numba buffers):

* ``compile``: the first kernel call with an empty numba cache (``NUMBA_CACHE_DIR`` set to
  a new folder), then again from that cache: what a CLI user waits for once, then always.
* ``fast``: ``planner.core.criteria`` as the library runs it. A warm-up on 1,000 sites (loads
  the numba cache) is reported separately; then one cold run on all sites, timed by step:
  reprojection (pyproj on arrays), ``prepare``, ``compute_criteria_prepared`` and, when
  :mod:`planner.core.scoring` exists, ``score_table(criteria, "bakad-perimeter")``.
* ``baseline``: the same criteria the straightforward geopandas way: ``GeoSeries.to_crs``,
  ``GeoSeries.distance`` to lines and polygons, ``sjoin`` for zones, exclusions and the
  region, ``sjoin_nearest`` for the nearest interchange, zone, rail, airport, highway,
  logistics target and settlement (ties de-duplicated), pandas ``groupby`` for zone lists.

The parent checks both agree on every site the baseline computed (each distance column
within 1 m, the same ids, statuses and flags), prints both times, the ratio, sites per
second and peak memory, and the targets (whole 1M scoring <= 1.0 s, >= 10x the baseline,
<= 1.5 GB). Exit status: 0 agree, 1 disagree (2 with --strict when a target is missed).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

AS_OF = "2025-06-01"
SCENARIO = "bakad-perimeter"
MARGIN_M = 20_000.0  # grid reaches this far beyond BAKAD's bounding box

DIST_COLUMNS = (
    "dist_bakad_km", "dist_interchange_km", "dist_almaty_km", "dist_konaev_km",
    "dist_gate_city_km", "dist_zone_km", "dist_rail_km", "dist_airport_km",
    "dist_highway_km", "dist_khorgos_km", "dist_housing_km",
)  # fmt: skip
LABEL_COLUMNS = (
    "nearest_interchange", "in_almaty", "zone_id", "zone_status", "zone_kind", "zone_ids",
    "sez_status", "excluded", "exclusion_reason",
)  # fmt: skip


def grid_sites(n: int) -> tuple[np.ndarray, np.ndarray]:
    """About ``n`` sites on a regular metric grid around BAKAD, as lon/lat arrays."""
    import planner
    from planner.crs import metric_to_lonlat

    west, south, east, north = planner.load_layers().metric("bakad").total_bounds
    west, south, east, north = west - MARGIN_M, south - MARGIN_M, east + MARGIN_M, north + MARGIN_M
    step = math.sqrt((east - west) * (north - south) / n)
    nx = max(1, round((east - west) / step))
    ny = max(1, math.ceil(n / nx))
    x = west + (np.arange(n) % nx + 0.5) * (east - west) / nx
    y = south + (np.arange(n) // nx + 0.5) * (north - south) / ny
    return metric_to_lonlat(x, y)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kB on Linux


def save(path: str, df, extra: dict) -> None:
    """Distances as float arrays, labels as factorized codes (small and exact)."""
    import pandas as pd

    arrays = {c: df[c].to_numpy(dtype="f8") for c in DIST_COLUMNS}
    for c in LABEL_COLUMNS:
        codes, uniq = pd.factorize(df[c].astype(str), use_na_sentinel=False)
        arrays[f"{c}__codes"] = codes.astype("i4")
        arrays[f"{c}__uniq"] = np.asarray(uniq, dtype=str)
    np.savez(path, **arrays)
    Path(path + ".json").write_text(json.dumps(extra))


# --------------------------------------------------------------------------- workers


def worker_compile() -> dict:
    t0 = time.perf_counter()
    import planner
    from planner.core.criteria import compute_criteria
    from planner.core.prepared import Prepared

    t_import = time.perf_counter() - t0
    layers = planner.load_layers()
    lon, lat = grid_sites(1000)
    t0 = time.perf_counter()
    compute_criteria(lon, lat, Prepared.of(layers, AS_OF))
    return {"import_s": t_import, "first_call_s": time.perf_counter() - t0}


def worker_fast(n: int, out: str) -> dict:
    import planner
    from planner.core.criteria import _project, compute_criteria, compute_criteria_prepared, prepare
    from planner.core.prepared import Prepared

    layers = planner.load_layers()
    lon, lat = grid_sites(n)
    w_lon, w_lat = grid_sites(1000)
    score_table = scenario = None
    try:  # scoring is another module; time it when it is there
        from planner.config.scenarios import load_scenario
        from planner.core.scoring import score_table

        scenario = load_scenario(SCENARIO)
    except ImportError as exc:
        res_scoring = f"not timed: {exc}"
    else:
        res_scoring = None
    t0 = time.perf_counter()
    # one-off process costs, reported apart: load (or compile) the numba kernels of both steps
    w_crit = compute_criteria(w_lon, w_lat, Prepared.of(layers, AS_OF))
    if score_table is not None:
        score_table(w_crit, scenario)
    res = {"warmup_1k_s": time.perf_counter() - t0, "n": len(lon)}
    if res_scoring:
        res["scoring"] = res_scoring
    import numba

    res["threads"] = numba.get_num_threads()
    # the cold run: the public entry points, once
    t = [time.perf_counter()]
    # resolving the layers for the date is part of the cold run (as it was inside compute_criteria)
    crit = compute_criteria(lon, lat, Prepared.of(layers, AS_OF))
    t.append(time.perf_counter())
    res["criteria_s"] = t[1] - t[0]
    if score_table is not None:
        scores = score_table(crit, scenario)
        t.append(time.perf_counter())
        res["score_s"] = t[2] - t[1]
        res["score_sum"] = float(scores["score"].sum())
        del scores
    res["total_s"] = t[-1] - t[0]
    res["peak_mb"] = peak_mb()
    save(out, crit, res)
    del crit
    # a second run, by step, for the breakdown
    t = [time.perf_counter()]
    x, y = _project(lon, lat)
    t.append(time.perf_counter())
    prepared = prepare(layers, AS_OF)
    t.append(time.perf_counter())
    compute_criteria_prepared(x, y, prepared)
    t.append(time.perf_counter())
    names = ("reproject", "prepare", "kernel+columns")
    res["steps"] = {s: t[i + 1] - t[i] for i, s in enumerate(names)}
    return res


def _status_as_of(zones, as_of):
    import datetime as dt

    from planner.core.layerset import status_as_of

    return status_as_of(zones, dt.date.fromisoformat(as_of))


def worker_baseline(n: int, every: int, out: str) -> dict:
    """The criteria the straightforward geopandas way (the numbers must agree)."""
    import geopandas as gpd
    import pandas as pd

    import planner
    from planner.core.layerset import STATUS_RANK

    layers = planner.load_layers()
    lon, lat = grid_sites(n)
    lon, lat = lon[::every], lat[::every]
    res = {"n": len(lon), "threads": 1}
    m = {name: layers.metric(name) for name in planner.LAYER_NAMES}

    def kind(layer, *kinds):
        gdf = m[layer]
        return gdf[gdf["kind"].isin(kinds)][["id", "geometry"]].reset_index(drop=True)

    def one(layer, fid):
        gdf = m[layer]
        return gdf.geometry[gdf["id"] == fid].iloc[0]

    def nearest(pts, features):
        j = gpd.sjoin_nearest(pts, features, how="left", distance_col="d")
        return j[~j.index.duplicated(keep="first")]  # ties give duplicate rows

    t0 = time.perf_counter()
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(
        planner.METRIC_CRS
    )
    g = pts.geometry
    out_df = pd.DataFrame(index=pts.index)
    out_df["dist_bakad_km"] = g.distance(one("bakad", "bakad")) / 1000
    ic = nearest(pts, kind("bakad", "interchange"))
    out_df["dist_interchange_km"] = ic["d"] / 1000
    out_df["nearest_interchange"] = ic["id"]
    out_df["dist_almaty_km"] = g.distance(one("cities", "almaty-centre")) / 1000
    almaty = gpd.GeoDataFrame(geometry=[one("cities", "almaty")], crs=planner.METRIC_CRS)
    out_df["in_almaty"] = out_df.index.isin(gpd.sjoin(pts, almaty, predicate="within").index)
    out_df["dist_konaev_km"] = g.distance(one("cities", "konaev-centre")) / 1000
    out_df["dist_gate_city_km"] = g.distance(one("cities", "gate-city")) / 1000

    zones = m["zones"].copy()
    zones["st"] = _status_as_of(zones, AS_OF)
    zones = zones[zones["st"] != "none"]
    zones["rank"] = zones["st"].map(STATUS_RANK)
    zones["area"] = zones.area
    zj = gpd.sjoin(pts, zones[["id", "kind", "st", "rank", "area", "free_ha", "geometry"]],
                   predicate="within")  # fmt: skip
    zj = zj.rename_axis("site").sort_values(["site", "rank", "area", "id"],
                                            ascending=[True, False, True, True])  # fmt: skip
    grp = zj.groupby(level="site", sort=False)
    first = grp.first()
    out_df["zone_id"] = first["id"].reindex(out_df.index).fillna("")
    out_df["zone_status"] = first["st"].reindex(out_df.index).fillna("none")
    out_df["zone_kind"] = first["kind"].reindex(out_df.index).fillna("")
    out_df["zone_ids"] = grp["id"].agg(";".join).reindex(out_df.index).fillna("")
    out_df["zone_free_ha"] = first["free_ha"].reindex(out_df.index)
    sez = zj[zj["kind"] == "sez"].groupby(level="site")["rank"].max()
    rank_name = {v: k for k, v in STATUS_RANK.items()}
    out_df["sez_status"] = sez.map(rank_name).reindex(out_df.index).fillna("none")
    zop = zones[zones["st"] == "operating"][["id", "geometry"]].reset_index(drop=True)
    out_df["dist_zone_km"] = nearest(pts, zop)["d"] / 1000

    out_df["dist_rail_km"] = nearest(pts, kind("transport", "railway", "rail_station",
                                               "freight_yard"))["d"] / 1000  # fmt: skip
    out_df["dist_airport_km"] = nearest(pts, kind("transport", "airport"))["d"] / 1000
    out_df["dist_highway_km"] = nearest(pts, kind("transport", "highway"))["d"] / 1000
    out_df["dist_khorgos_km"] = nearest(pts, kind("transport", "logistics_target"))["d"] / 1000
    housing = kind("cities", "settlement", "city_outline")
    out_df["dist_housing_km"] = nearest(pts, housing)["d"] / 1000

    cons = m["constraints"]
    excl = cons[cons["kind"].isin(["exclusion", "water"])][["reason", "geometry"]]
    ej = gpd.sjoin(pts, excl, predicate="within")
    order = ["national_park", "water"]
    reasons = ej.groupby(level=0)["reason"].agg(lambda r: ";".join(sorted(set(r), key=order.index)))
    region = cons[cons["kind"] == "region"][["geometry"]]
    outside = ~out_df.index.isin(gpd.sjoin(pts, region, predicate="within").index)
    reason = reasons.reindex(out_df.index).fillna("")
    reason = reason.where(~outside, (reason + ";outside_region").str.lstrip(";"))
    out_df["exclusion_reason"] = reason
    out_df["excluded"] = reason != ""
    res["total_s"] = time.perf_counter() - t0
    res["peak_mb"] = peak_mb()
    save(out, out_df, res)
    return res


# --------------------------------------------------------------------------- parent


def run_worker(args: list[str], env: dict | None = None) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env=env, check=False
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"worker {args[:2]} failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def compare(fast_path: str, base_path: str, every: int) -> list[str]:
    """Problems found comparing the two result files (empty when they agree)."""
    f, b = np.load(fast_path), np.load(base_path)
    problems = []
    for c in DIST_COLUMNS:
        diff_m = np.abs(f[c][::every] - b[c]) * 1000
        worst = float(np.nanmax(diff_m)) if len(diff_m) else 0.0
        print(f"  {c:22s} max |diff| {worst:10.6f} m")
        if not worst < 1.0 or np.isnan(diff_m).any():
            problems.append(f"{c}: max difference {worst:.3f} m (limit 1 m)")
    for c in LABEL_COLUMNS:
        fv = f[f"{c}__uniq"][f[f"{c}__codes"]][::every]
        bv = b[f"{c}__uniq"][b[f"{c}__codes"]]
        bad = np.flatnonzero(fv != bv)
        print(f"  {c:22s} {len(bad)} mismatches")
        if len(bad):
            i = bad[0]
            problems.append(
                f"{c}: {len(bad)} sites differ, e.g. #{i * every}: {fv[i]!r} vs {bv[i]!r}"
            )
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="sites in the grid (default 1M)")
    ap.add_argument("--baseline-n", type=int, default=None,
                    help="sites the geopandas baseline computes (a regular subsample; default --n)")
    ap.add_argument("--no-baseline", action="store_true", help="time the fast path only")
    ap.add_argument("--strict", action="store_true", help="exit 2 when a target is missed")
    ap.add_argument("--worker", choices=["compile", "fast", "baseline"], help=argparse.SUPPRESS)
    ap.add_argument("--every", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    a = ap.parse_args()

    if a.worker == "compile":
        print(json.dumps(worker_compile()))
        return 0
    if a.worker == "fast":
        print(json.dumps(worker_fast(a.n, a.out)))
        return 0
    if a.worker == "baseline":
        print(json.dumps(worker_baseline(a.n, a.every, a.out)))
        return 0

    every = max(1, a.n // a.baseline_n) if a.baseline_n else 1
    print(f"criteria benchmark: {a.n:,} grid sites around BAKAD, as of {AS_OF}, "
          f"{os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="bench-criteria-") as tmp:
        env = {**os.environ, "NUMBA_CACHE_DIR": os.path.join(tmp, "numba-cache")}
        cold = run_worker(["--worker", "compile"], env)
        cached = run_worker(["--worker", "compile"], env)
        print(f"kernel first call, empty numba cache : {cold['first_call_s']:.2f} s (compile)")
        print(f"kernel first call, from the cache    : {cached['first_call_s']:.2f} s"
              f" (import planner.core.criteria {cached['import_s']:.2f} s)")

        fast_out = os.path.join(tmp, "fast.npz")
        fast = run_worker(["--worker", "fast", "--n", str(a.n), "--out", fast_out])
        n = fast["n"]
        print(f"\nfast ({fast['threads']} threads), warm-up on 1k sites "
              f"{fast['warmup_1k_s']:.2f} s; cold run on {n:,} sites:")
        print(f"  compute_criteria {fast['criteria_s']:7.3f} s  (validate, reproject, prepare, "
              "kernel, columns)")
        if "score_s" in fast:
            print(f"  score_table      {fast['score_s']:7.3f} s  ({SCENARIO})")
        else:
            print(f"  score_table      {fast['scoring']}")
        print(f"  total            {fast['total_s']:7.3f} s  = {n / fast['total_s']:,.0f} sites/s, "
              f"peak {fast['peak_mb']:,.0f} MB")
        steps = ", ".join(f"{k} {v:.3f} s" for k, v in fast["steps"].items())
        print(f"  (second run of the criteria by step: {steps})")

        problems: list[str] = []
        base = None
        if not a.no_baseline:
            base_out = os.path.join(tmp, "base.npz")
            base = run_worker(["--worker", "baseline", "--n", str(a.n), "--every", str(every),
                               "--out", base_out])  # fmt: skip
            nb = base["n"]
            print(f"\nbaseline (geopandas, 1 thread) on {nb:,} sites: {base['total_s']:.2f} s = "
                  f"{nb / base['total_s']:,.0f} sites/s, peak {base['peak_mb']:,.0f} MB")
            print("\nagreement (fast vs baseline, same sites):")
            problems = compare(fast_out, base_out, every)

    fast_crit = fast["total_s"] - fast.get("score_s", 0.0)
    print("\ntargets:")
    if n >= 1_000_000:
        targets = [(f"whole scoring of {n:,} sites <= 1.0 s", fast["total_s"] <= 1.0,
                    f"{fast['total_s']:.3f} s")]  # fmt: skip
    else:
        targets = []
        print(f"  [n/a] whole scoring <= 1.0 s is set for 1,000,000 sites (ran {n:,})")
    if base is not None:
        ratio = (base["total_s"] / base["n"]) / (fast_crit / n)
        targets.append((">= 10x faster than the baseline (criteria, per site)", ratio >= 10,
                        f"{ratio:.1f}x"))
    targets.append(("peak memory <= 1.5 GB", fast["peak_mb"] <= 1536, f"{fast['peak_mb']:,.0f} MB"))
    for what, ok, value in targets:
        print(f"  [{'met' if ok else 'MISSED'}] {what}: {value}")
    if problems:
        print("\nDISAGREEMENT:\n  " + "\n  ".join(problems))
        return 1
    if base is not None:
        print("\nfast and baseline agree on every compared site")
    return 2 if a.strict and not all(ok for _, ok, _ in targets) else 0


if __name__ == "__main__":
    sys.exit(main())
