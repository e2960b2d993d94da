"""Benchmark: scoring 1M candidate sites (criteria -> utilities -> points -> score -> rank).

Seeded random sites over the Almaty agglomeration (76.4-77.6 E, 43.0-43.95 N, the BAKAD
belt, Gate City and Konaev) with the built-in layers. Times, warm (best of ``--repeat``;
the first call, which compiles or loads the numba cache, is reported separately):

* ``compute_criteria`` (planner.core.criteria),
* ``score_table`` (planner.core.scoring: utilities, points, score, rank): target ~0.1 s at 1M,
* the whole ``score_sites(..., why=False)``,
* ``why_texts`` on ``--why-rows`` rows (not on the hot path; extrapolated to all sites).

Self-checks (exit code 1 on any failure): on a sample, the score equals an independent
re-implementation of the weighted sum from the TOML parameters; points add up to the
score; excluded sites score 0 and have no rank; the rank equals a numpy ``lexsort`` on
``(-score, site_id)`` over all sites.

    .venv/bin/python bench/bench_scoring.py --sites 1000000 --scenario bakad-perimeter
"""

from __future__ import annotations

import argparse
import sys
import time

import geopandas as gpd
import numpy as np
import pandas as pd

import planner
from planner.config.scenarios import CRITERIA, load_scenario
from planner.core.criteria import compute_criteria
from planner.core.explain import why_texts
from planner.core.prepared import Prepared
from planner.core.scoring import score_table
from planner.jobs.score_sites import score_sites


def make_sites(n: int, seed: int = 42) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    lon = rng.uniform(76.4, 77.6, n)
    lat = rng.uniform(43.0, 43.95, n)
    ids = np.char.add("s", np.char.zfill(np.arange(n).astype(str), 7)).astype(object)
    return gpd.GeoDataFrame(
        {"site_id": ids, "name": ids, "lon": lon, "lat": lat, "area_ha": np.nan,
         "free_ha": np.nan, "site_source": "bench"},
        geometry=gpd.GeoSeries.from_xy(lon, lat, crs="EPSG:4326"),
    )  # fmt: skip


def reference_score(crit: pd.DataFrame, sc) -> np.ndarray:
    """The weighted sum written out from the scenario's parameters (no planner code)."""
    total = np.zeros(len(crit))
    weight_sum = sum(t.weight for t in sc.criteria.values())
    for key, t in sc.criteria.items():
        if t.transform == "categorical":
            u = crit["zone_status"].map(t.values.model_dump()).to_numpy(float)
            u = np.minimum(u + t.sez_bonus * (crit["sez_status"] == "operating").to_numpy(), 1.0)
        else:
            d = crit[CRITERIA[key]].to_numpy(float)
            if t.transform == "linear":
                u = np.clip((d - t.zero_at_km) / (t.full_at_km - t.zero_at_km), 0, 1)
            elif t.transform == "exponential":
                u = 0.5 ** (d / t.half_km)
            else:
                up = np.clip((d - t.zero_below_km) / (t.full_from_km - t.zero_below_km), 0, 1)
                down = np.clip((t.zero_above_km - d) / (t.zero_above_km - t.full_to_km), 0, 1)
                u = np.minimum(up, down)
                if t.inside_value is not None:
                    u = np.where(crit["in_almaty"].to_numpy(), t.inside_value, u)
        total += 100.0 * t.weight / weight_sum * u
    return np.where(crit["excluded"].to_numpy(), 0.0, total)


def timed(fn, repeat: int):
    t0 = time.perf_counter()
    result = fn()
    first = time.perf_counter() - t0
    best = first
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return result, first, best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=1_000_000)
    ap.add_argument("--scenario", default="bakad-perimeter")
    ap.add_argument("--as-of", default="2025-11-01")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--why-rows", type=int, default=100_000)
    args = ap.parse_args(argv)

    layers = planner.load_layers()
    sc = load_scenario(args.scenario)
    sites = make_sites(args.sites)
    lon, lat = sites["lon"].to_numpy(), sites["lat"].to_numpy()
    ids = sites["site_id"].to_numpy()

    crit, c_first, c_best = timed(
        lambda: compute_criteria(lon, lat, Prepared.of(layers, args.as_of), index=sites.index),
        args.repeat,
    )
    table, s_first, s_best = timed(lambda: score_table(crit, sc, site_ids=ids), args.repeat)
    _, all_first, all_best = timed(
        lambda: score_sites(sites, layers, sc, as_of=args.as_of, why=False), max(1, args.repeat - 1)
    )
    rows = min(args.why_rows, args.sites)
    scored = pd.concat([crit, table], axis=1)
    mask = np.zeros(args.sites, dtype=bool)
    mask[:rows] = True
    prepared = Prepared.of(layers, args.as_of)  # the names the reasons use, resolved once
    t0 = time.perf_counter()
    texts = why_texts(scored, sc, prepared, rows=mask)
    why_s = time.perf_counter() - t0

    n = args.sites
    print(f"scoring benchmark: {n:,} sites, scenario {sc.name} ({sc.hash}), as of {args.as_of}")
    print(f"  compute_criteria        first {c_first:7.3f} s   best {c_best:7.3f} s")
    print(f"  score_table             first {s_first:7.3f} s   best {s_best:7.3f} s")
    print(f"  score_sites(why=False)  first {all_first:7.3f} s   best {all_best:7.3f} s")
    print(f"  why_texts ({rows:,} rows)   {why_s:7.3f} s   (~{why_s * n / rows:.1f} s for all)")

    failures = []
    rng = np.random.default_rng(0)
    sample = rng.choice(n, size=min(n, 5_000), replace=False)
    ref = reference_score(crit.iloc[sample], sc)
    got = table["score"].to_numpy()[sample]
    if not np.allclose(got, ref, atol=1e-9):
        failures.append(f"score differs from the reference by up to {np.abs(got - ref).max():.3g}")
    points = table[[f"c_{k}" for k in sc.criteria]].sum(axis=1).to_numpy()
    if not np.allclose(points, table["score"].to_numpy(), atol=1e-9):
        failures.append("points do not add up to the score")
    excluded = crit["excluded"].to_numpy()
    if not (table["rank"].isna().to_numpy() == excluded).all():
        failures.append("rank is missing exactly for excluded sites: violated")
    if (table["score"].to_numpy()[excluded] != 0).any():
        failures.append("an excluded site has a score")
    live = np.flatnonzero(~excluded)
    order = live[np.lexsort((ids[live].astype(str), -table["score"].to_numpy()[live]))]
    expected = np.empty(n, dtype=np.int64)
    expected[order] = np.arange(1, len(order) + 1)
    got_rank = table["rank"].to_numpy(dtype="float64", na_value=np.nan)[live]
    if not (got_rank == expected[live]).all():
        failures.append("rank differs from lexsort on (-score, site_id)")
    if texts["why_en"].eq("").any():
        failures.append("an empty why_en")
    print(f"  excluded {excluded.sum():,}; top score {table['score'].max():.2f}; "
          f"median {np.median(table['score']):.2f}")  # fmt: skip
    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr)
    print("self-check:", "FAILED" if failures else "ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
