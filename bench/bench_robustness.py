"""Benchmark: robustness of per-company top-K rankings (Monte Carlo weights, flip weight).

Synthetic, seeded inputs: utilities of ``--sites`` sites over 12 criteria; companies with
weights from six sector profiles plus noise; each company's top-K sites taken with a
numpy argsort (so the K candidates are close competitors, as in real use). Times

* the first call (compiles the numba kernel or loads it from the cache),
* ``monte_carlo`` for one company comparing 12 sites (the ``planner compare`` case),
* ``monte_carlo_batch`` for every company's top-K,
* ``flip_weight_batch`` for every company,

and, in the same process, a straightforward vectorized numpy version of the batch (chunks
of companies: broadcast weights, batched matmul, stable argsort, rank histogram). Checks
the kernel and numpy agree exactly on p_first / rank percentiles (and rank_mean within
1e-12), and that every flip found is strict (the challenger wins just past the threshold,
the leader just before it). Exit code 1 on any mismatch.

    .venv/bin/python bench/bench_robustness.py --companies 1000 --k 10 --draws 2000
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import numpy as np

from planner.core import robustness as rb

N_CRIT = 12
PROFILES = np.array(
    [
        [3, 3, 1, 0.5, 0.5, 2, 1, 1, 0.5, 2, 1, 1],  # logistics
        [2, 1, 1, 1, 1, 3, 2, 3, 0.5, 1, 0.5, 1],  # heavy industry
        [1, 1, 3, 0.5, 2, 1, 1, 0.5, 2, 1, 0.2, 2],  # IT / services
        [2, 2, 2, 1, 1, 2, 1, 1, 1, 2, 0.5, 2],  # food
        [1, 1, 1, 2, 3, 3, 1, 1, 1, 1, 0.5, 1],  # Gate City / SEZ oriented
        [2, 2, 0.5, 1, 1, 2, 2, 2, 0.5, 2, 2, 0.5],  # export, Khorgos
    ]
)


def make_inputs(n_comp: int, n_sites: int, k: int, seed: int):
    rng = np.random.default_rng(seed)
    U = rng.beta(2.0, 2.0, size=(n_sites, N_CRIT))
    W = PROFILES[rng.integers(0, len(PROFILES), n_comp)] * rng.uniform(0.7, 1.3, (n_comp, N_CRIT))
    W /= W.sum(axis=1, keepdims=True)
    top_idx = np.empty((n_comp, k), dtype=np.int64)
    for start in range(0, n_comp, 100):  # chunks bound the score matrix
        S = W[start : start + 100] @ U.T
        top_idx[start : start + 100] = np.argsort(-S, axis=1, kind="stable")[:, :k]
    return U, W, top_idx


def numpy_batch(U_top, W, F, chunk: int = 50):
    """Straightforward vectorized numpy: returns p_first, p5, p95, rank_mean (C, K)."""
    n_comp, k, _ = U_top.shape
    out = {n: np.empty((n_comp, k)) for n in ("p_first", "rank_p5", "rank_p95", "rank_mean")}
    for start in range(0, n_comp, chunk):
        sl = slice(start, min(start + chunk, n_comp))
        Wd = F[None, :, :] * W[sl, None, :]
        Wd /= Wd.sum(axis=2, keepdims=True)
        S = Wd @ U_top[sl].transpose(0, 2, 1)  # (c, draws, k)
        order = np.argsort(-S, axis=2, kind="stable")
        ranks = np.empty_like(order)
        np.put_along_axis(ranks, order, np.broadcast_to(np.arange(1, k + 1), order.shape), 2)
        out["p_first"][sl] = (ranks == 1).mean(axis=1)
        out["rank_mean"][sl] = ranks.mean(axis=1)
        out["rank_p5"][sl] = np.percentile(ranks, 5, axis=1, method="inverted_cdf")
        out["rank_p95"][sl] = np.percentile(ranks, 95, axis=1, method="inverted_cdf")
    return out


def check_flips(U_top, W, flips, n_check: int) -> int:
    """Count flips that are not strict when rescored from scratch."""
    bad = 0
    for c in np.flatnonzero(flips.criterion_index >= 0)[:n_check]:
        j, a, b = int(flips.criterion_index[c]), int(flips.a[c]), int(flips.b[c])
        x, sign = float(flips.weight_to[c]), int(flips.direction[c])
        for step, leader in ((1e-7, b), (-1e-7, a)):
            xx = x + step * sign
            w2 = W[c] * (1 - xx) / (1 - W[c, j])
            w2[j] = xx
            s = U_top[c] @ w2
            other = a if leader == b else b
            bad += not s[leader] > s[other]
    return bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--companies", type=int, default=1000, help="number of companies, e.g. 1000")
    ap.add_argument("--sites", type=int, default=5000, help="sites to pick top-K from")
    ap.add_argument("--k", type=int, default=10, help="sites per company (top-K), e.g. 10")
    ap.add_argument("--draws", type=int, default=2000, help="Monte Carlo draws, e.g. 2000")
    ap.add_argument("--spread", type=float, default=0.25, help="relative weight spread")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    U, W, top_idx = make_inputs(args.companies, args.sites, args.k, args.seed)
    U_top, excluded = rb.gather_top(U, top_idx)
    mc = dict(draws=args.draws, spread=args.spread, seed=args.seed)
    ok = True

    t = time.perf_counter()
    rb.monte_carlo(U_top[0, :2], W[0], draws=1)
    print(f"first call (numba compile or cache load): {time.perf_counter() - t:.2f} s")

    U12 = U[np.argsort(-(U @ W[0]), kind="stable")[:12]]
    t = time.perf_counter()
    one = rb.monte_carlo(U12, W[0], **mc)
    print(
        f"monte_carlo, 12 sites x {args.draws} draws: {1e3 * (time.perf_counter() - t):.1f} ms "
        f"(p_first of the leader {one.p_first[0]:.3f})"
    )

    t = time.perf_counter()
    res = rb.monte_carlo_batch(U_top, W, excluded=excluded, **mc)
    t_batch = time.perf_counter() - t
    print(
        f"monte_carlo_batch, {args.companies} companies x top-{args.k} x {args.draws} draws: "
        f"{t_batch:.2f} s"
    )

    t = time.perf_counter()
    flips = rb.flip_weight_batch(U_top, W, [f"c{j}" for j in range(N_CRIT)], excluded=excluded)
    t_flip = time.perf_counter() - t
    n_flip = int((flips.criterion_index >= 0).sum())
    print(
        f"flip_weight_batch, {args.companies} companies: {1e3 * t_flip:.1f} ms "
        f"({n_flip} with a flip in [0, 1], median |delta| "
        f"{np.nanmedian(np.abs(flips.delta)) if n_flip else float('nan'):.3f})"
    )

    F = rb.draw_factors(args.draws, N_CRIT, args.spread, args.seed)
    t = time.perf_counter()
    ref = numpy_batch(U_top, W, F)
    t_np = time.perf_counter() - t
    print(f"numpy baseline (batched matmul + argsort): {t_np:.2f} s ({t_np / t_batch:.1f}x)")

    for name in ("p_first", "rank_p5", "rank_p95"):
        diff = int((getattr(res, name) != ref[name]).sum())
        if diff:
            ok = False
            print(f"MISMATCH {name}: {diff} of {ref[name].size} values differ from numpy")
    if not np.allclose(res.rank_mean, ref["rank_mean"], rtol=0, atol=1e-12):
        ok = False
        print("MISMATCH rank_mean")
    if not np.allclose(res.p_first.sum(axis=1), 1.0):
        ok = False
        print("MISMATCH p_first does not sum to 1")
    bad = check_flips(U_top, W, flips, n_check=200)
    if bad:
        ok = False
        print(f"MISMATCH {bad} flip checks failed (not strict)")
    stable = float((res.p_first[:, 0] >= 0.9).mean())
    print(f"share of companies whose leader wins >= 90 % of draws: {stable:.2f}")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss_mb:.0f} MB; checks {'OK' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
