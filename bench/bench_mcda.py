"""Benchmark: 1M sites scored by TOPSIS and PROMETHEE II against the weighted sum (WLC).

Seeded random sites over the Almaty agglomeration (as bench_scoring.py) with the built-in
layers; criteria are computed once, then ``score_table`` (utilities, points, the method's
score and the rank) is timed, warm (best of ``--repeat``), with the scenario's method set
to ``wlc`` (the baseline, today's scoring), ``topsis`` and ``promethee2``. Target: TOPSIS
within 2x the WLC time. PROMETHEE II is exact in O(m n log n) (planner.core.aggregation).

Self-checks (exit code 1 on failure): TOPSIS equals a straightforward 2-D numpy TOPSIS
on all sites; the PROMETHEE II net flow equals the O(n^2) pairwise definition on a
3,000-site sample scored on its own; WLC scores are unchanged by the other methods' runs.

Then the weight Monte Carlo (``planner score --robustness``) by method: ``--companies`` x
top 10 x 8 criteria x ``--draws`` draws, TOPSIS (compiled kernel) and PROMETHEE II (the
weighted-sum kernel on per-criterion flows) against the weighted sum in the same run;
check: TOPSIS's share of first places for one company equals numpy rescoring every draw.

    .venv/bin/python bench/bench_mcda.py --sites 1000000
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

import planner
from planner.config.scenarios import load_scenario
from planner.config.weighting import Aggregation
from planner.core import aggregation as ag
from planner.core.criteria import compute_criteria
from planner.core.prepared import Prepared
from planner.core.scoring import score_table


def _make_sites(n: int, seed: int = 42):
    rng = np.random.default_rng(seed)
    return rng.uniform(76.4, 77.6, n), rng.uniform(43.0, 43.95, n)


def _timed(fn, repeat: int):
    result = fn()  # warm-up (numba cache, allocator)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return result, best


def _topsis_2d(U: np.ndarray, w: np.ndarray) -> np.ndarray:
    """TOPSIS written out on the whole matrix (no planner code)."""
    V = U * w
    dp = np.sqrt(((V.max(axis=0) - V) ** 2).sum(axis=1))
    dm = np.sqrt(((V - V.min(axis=0)) ** 2).sum(axis=1))
    return 100 * dm / (dp + dm)


def _promethee_pairs(U: np.ndarray, w: np.ndarray, q: float, p: float) -> np.ndarray:
    n = len(U)
    phi = np.zeros(n)
    for j in range(U.shape[1]):
        d = U[:, j][:, None] - U[:, j][None, :]
        P = np.clip((d - q) / (p - q), 0.0, 1.0)
        phi += w[j] * (P.sum(axis=1) - P.sum(axis=0))
    return 50 * (1 + phi / (n - 1))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=1_000_000)
    ap.add_argument("--scenario", default="bakad-perimeter")
    ap.add_argument("--as-of", default="2025-11-01")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--companies", type=int, default=1000, help="Monte Carlo companies")
    ap.add_argument("--draws", type=int, default=2000, help="Monte Carlo draws")
    args = ap.parse_args(argv)

    layers = planner.load_layers()
    wlc = load_scenario(args.scenario)
    lon, lat = _make_sites(args.sites)
    crit = compute_criteria(lon, lat, Prepared.of(layers, args.as_of))
    crit["site_id"] = np.arange(args.sites)
    sc = {
        "wlc": wlc,
        "topsis": _with_method(wlc, "topsis"),
        "promethee2": _with_method(wlc, "promethee2"),
    }
    times, tables = {}, {}
    for m, s in sc.items():
        tables[m], times[m] = _timed(lambda s=s: score_table(crit, s), args.repeat)
    n = args.sites
    print(f"aggregation benchmark: {n:,} sites, {len(wlc.criteria)} criteria, scenario {wlc.name}")
    for m in sc:
        ratio = times[m] / times["wlc"]
        print(f"  score_table {m:<10}  best {times[m]:7.3f} s   {ratio:5.2f}x WLC")
    ratio = times["topsis"] / times["wlc"]
    print(f"  TOPSIS / WLC = {ratio:.2f} (target <= 2.0: {'met' if ratio <= 2.0 else 'MISSED'})")

    failures = []
    live = ~crit["excluded"].to_numpy()
    keys = list(wlc.weights)
    U = tables["wlc"][[f"u_{k}" for k in keys]].to_numpy()[live]
    w = np.array([wlc.weights[k] for k in keys])
    got = tables["topsis"]["score"].to_numpy()[live]
    if not np.allclose(got, _topsis_2d(U, w), atol=1e-9):
        failures.append("TOPSIS differs from the 2-D reference")
    if not np.array_equal(tables["topsis"]["score_wlc"].to_numpy(), tables["wlc"]["score"]):
        failures.append("the weighted sum changed under method topsis")
    sample = np.random.default_rng(0).choice(len(U), size=min(len(U), 3000), replace=False)
    agg = sc["promethee2"].aggregation
    fast = ag.method_scores(U[sample], w, agg)
    slow = _promethee_pairs(U[sample], w, agg.q, agg.p)
    if not np.allclose(fast, slow, atol=1e-9):
        failures.append(
            f"PROMETHEE II differs from the pairwise definition by {abs(fast - slow).max():.3g}"
        )
    failures += _bench_robustness(args.companies, args.draws, args.repeat)
    for f in failures:
        print(f"FAILED: {f}", file=sys.stderr)
    print("checks: " + ("all agree" if not failures else f"{len(failures)} failed"))
    return 1 if failures else 0


def _bench_robustness(n_comp: int, draws: int, repeat: int) -> list[str]:
    """Monte Carlo over weights, companies x top 10 x 8 criteria, by method (terms given).

    Baseline: the weighted-sum Monte Carlo in the same run. Check: the TOPSIS kernel's
    ranks equal TOPSIS rescored in numpy for the first company's first draws.
    """
    from planner.core.method_robustness import (
        MethodTerms,
        method_monte_carlo_batch,
        method_terms,
    )
    from planner.core.robustness import draw_factors, monte_carlo_batch

    rng = np.random.default_rng(1)
    k, m = 10, 8
    U = rng.random((n_comp, k, m))
    W = rng.random((n_comp, m))
    runs = {"wlc": lambda: monte_carlo_batch(U, W, draws=draws, seed=0)}
    for meth in ("topsis", "promethee2"):
        t = [method_terms(U[c], meth) for c in range(n_comp)]  # set-up, not timed
        a = np.stack([x.a for x in t])
        b = np.stack([x.b for x in t]) if t[0].b is not None else None
        terms = MethodTerms(meth, a, b)
        runs[meth] = lambda terms=terms: method_monte_carlo_batch(terms, W, draws=draws, seed=0)
    res, times = {}, {}
    for meth, fn in runs.items():
        res[meth], times[meth] = _timed(fn, repeat)
    print(f"weight Monte Carlo: {n_comp:,} companies x top {k} x {m} criteria x {draws:,} draws")
    for meth in runs:
        print(f"  {meth:<10}  best {times[meth]:7.3f} s   {times[meth] / times['wlc']:5.2f}x WLC")
    # TOPSIS rescored in numpy for company 0, all draws at once: who is first in each draw
    wd = draw_factors(draws, m, 0.25, 0) * W[0]
    w2 = (wd / wd.sum(axis=1, keepdims=True)) ** 2
    U0 = U[0]
    dp = np.sqrt(w2 @ ((U0.max(axis=0) - U0) ** 2).T)
    dm = np.sqrt(w2 @ ((U0 - U0.min(axis=0)) ** 2).T)
    first = np.bincount(np.argmax(dm / (dp + dm), axis=1), minlength=k) / draws
    if not np.allclose(res["topsis"].p_first[0], first):
        return ["the TOPSIS Monte Carlo differs from TOPSIS rescored in numpy"]
    return []


def _with_method(sc, method: str):
    from dataclasses import replace

    from planner.config import scenarios

    agg = Aggregation(method=method)
    out = replace(sc, aggregation=agg)
    # re-hash as the loader would (method enters the hash)
    return scenarios._build(
        name=out.name, title_en=out.title_en, title_ru=out.title_ru,
        description=out.description, criteria=dict(out.criteria), needs=out.needs,
        source=out.source, aggregation=agg,
    )  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
