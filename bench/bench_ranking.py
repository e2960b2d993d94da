"""Benchmark: per-company top-k ranking, fused numba kernel vs a pandas per-company loop.

Synthetic but realistic inputs (seeded): sites scattered over the Almaty agglomeration
with clusters at industrial zones, 12 criteria utilities derived from distances to a ring
road, rail lines, settlements, etc.; companies from six sector profiles, each with its own
weights and hard needs (land, rail, distance from housing, distance to Almaty, Almaty
allowed). Times the kernel (the warm-up call that compiles or loads the numba cache is
reported separately) and, in the same process, a straightforward pandas baseline (per
company: filter the sites table, score, ``nlargest(k, keep="first")``; a full stable
``sort_values`` is 2.5x slower again). Checks both give the same
top-k (ids, scores within 1e-4; an id swap is accepted only between scores equal within
1e-9, i.e. a tie broken by rounding) and the same feasibility counts. Exit code 1 if not.

    .venv/bin/python bench/bench_ranking.py --companies 1000 --sites 100000 --k 10

File I/O is not part of either timing. Target: kernel <= 2 s at 1,000 x 100,000, top 10.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import numpy as np
import pandas as pd

from planner.core.allocation import allocate_ranked
from planner.core.ranking import REASONS, NeedArrays, SiteArrays, rank_companies

CRITERIA = (
    "bakad", "interchange", "almaty", "konaev", "gate_city", "zone", "zone_proximity",
    "rail", "airport", "highway", "khorgos", "housing",
)  # fmt: skip

# six sector profiles: relative weight per criterion (same order as CRITERIA)
PROFILES = np.array(
    [
        [3, 3, 1, 0.5, 0.5, 2, 1, 1, 0.5, 2, 1, 1],  # logistics
        [2, 1, 1, 1, 1, 3, 2, 3, 0.5, 1, 0.5, 1],  # heavy industry
        [1, 1, 3, 0.5, 2, 1, 1, 0.5, 2, 1, 0.2, 2],  # IT / services
        [2, 2, 1, 1, 1, 2, 1, 1, 1, 2, 2, 1],  # trade / warehousing
        [1, 1, 2, 1, 1, 2, 1, 1, 3, 1, 0.5, 1],  # pharma / light industry
        [1, 1, 0.5, 2, 0.5, 2, 2, 2, 0.2, 1, 0.5, 0.5],  # agro-processing
    ]
)


def _seg_dist(x, y, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = np.clip(((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy), 0, 1)
    return np.hypot(x - (ax + t * dx), y - (ay + t * dy))


def _decay(d_km, full_km, zero_km):
    return np.clip((zero_km - d_km) / (zero_km - full_km), 0.0, 1.0)


def make_inputs(n_companies: int, n_sites: int, seed: int = 42):
    """Seeded synthetic utilities, site attributes, weights and needs (km around Almaty)."""
    rng = np.random.default_rng(seed)
    zones = rng.uniform(-40, 40, size=(10, 2))
    n_cl = int(n_sites * 0.4)
    r = 80 * np.sqrt(rng.random(n_sites - n_cl))
    a = rng.uniform(0, 2 * np.pi, n_sites - n_cl)
    which = rng.integers(0, len(zones), n_cl)
    x = np.concatenate([r * np.cos(a), zones[which, 0] + rng.normal(0, 3, n_cl)])
    y = np.concatenate([r * np.sin(a), zones[which, 1] + rng.normal(0, 3, n_cl)])

    d_almaty = np.hypot(x, y)
    d_bakad = np.abs(d_almaty - 20.0)
    ang = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    d_ic = np.min(np.hypot(x[:, None] - 20 * np.cos(ang), y[:, None] - 20 * np.sin(ang)), axis=1)
    d_konaev = np.hypot(x - 5, y - 68)
    d_gate = np.maximum(np.hypot(x + 5, y - 45) - 4, 0)
    zone_dist = np.min(np.hypot(x[:, None] - zones[:, 0], y[:, None] - zones[:, 1]), axis=1)
    zone_status = np.where(zone_dist < 3, rng.choice([0.4, 0.7, 1.0], n_sites), 0.0)
    d_rail = np.minimum.reduce([
        _seg_dist(x, y, -80, -10, 80, 20), _seg_dist(x, y, 0, 0, 10, 80),
        _seg_dist(x, y, -60, 40, 40, -60),
    ])  # fmt: skip
    d_airport = np.hypot(x - 8, y - 5)
    d_highway = np.minimum(_seg_dist(x, y, -80, 0, 80, 0), _seg_dist(x, y, 0, -10, 5, 80))
    d_khorgos = np.hypot(x - 300, y - 50)
    towns = rng.uniform(-70, 70, size=(15, 2))
    d_housing = np.maximum(
        np.min(np.hypot(x[:, None] - towns[:, 0], y[:, None] - towns[:, 1]), axis=1) - 1.5, 0
    )
    d_housing = np.where(d_almaty < 12, 0.0, d_housing)

    U = np.column_stack([
        _decay(d_bakad, 1, 25), _decay(d_ic, 2, 30), _decay(np.abs(d_almaty - 25), 5, 60),
        _decay(d_konaev, 5, 80), _decay(d_gate, 0, 40), zone_status, _decay(zone_dist, 0, 30),
        _decay(d_rail, 1, 15), _decay(d_airport, 5, 60), _decay(d_highway, 1, 20),
        _decay(d_khorgos, 200, 400), _decay(d_housing, 0, 10),
    ]).astype(np.float32)  # fmt: skip
    capacity = rng.lognormal(np.log(20), 1.0, n_sites)
    capacity[rng.random(n_sites) < 0.3] = np.nan
    sites = SiteArrays(
        capacity_ha=capacity,
        dist_rail_km=d_rail,
        dist_housing_km=d_housing,
        dist_almaty_km=d_almaty,
        in_almaty=d_almaty < 12,
        excluded=(y < -35) | (rng.random(n_sites) < 0.01),
    )

    prof = rng.integers(0, len(PROFILES), n_companies)
    W = PROFILES[prof] * rng.lognormal(0, 0.3, size=(n_companies, len(CRITERIA)))
    W /= W.sum(axis=1, keepdims=True)
    land = rng.lognormal(np.log(5), 1.0, n_companies)
    rail_max = np.where(rng.random(n_companies) < 0.3, rng.uniform(3, 10, n_companies), np.inf)
    min_housing = np.where(rng.random(n_companies) < 0.1, rng.uniform(1, 3, n_companies), 0.0)
    max_almaty = np.where(rng.random(n_companies) < 0.25, rng.uniform(30, 80, n_companies), np.inf)
    allow_in = rng.random(n_companies) < 0.5
    # ~1% impossible requests: within 10 km of the centre but not inside Almaty
    odd = rng.random(n_companies) < 0.01
    max_almaty[odd], allow_in[odd] = 10.0, False
    needs = NeedArrays(
        land_ha=land,
        rail_max_km=rail_max,
        min_housing_km=min_housing,
        max_dist_almaty_km=max_almaty,
        allow_in_almaty=allow_in,
    )
    return U, W, sites, needs


def pandas_baseline(U, W, sites: SiteArrays, needs: NeedArrays, k: int):
    """The straightforward way: per company, filter a DataFrame, score, take the k best."""
    cols = [f"u_{c}" for c in CRITERIA]
    df = pd.DataFrame(U.astype(np.float64), columns=cols)
    df["capacity_ha"] = sites.capacity_ha
    df["dist_rail_km"] = sites.dist_rail_km
    df["dist_housing_km"] = sites.dist_housing_km
    df["dist_almaty_km"] = sites.dist_almaty_km
    df["in_almaty"] = sites.in_almaty
    df["excluded"] = sites.excluded
    n_comp = W.shape[0]
    top_idx = np.full((n_comp, k), -1, dtype=np.int64)
    top_score = np.full((n_comp, k), np.nan)
    n_feas = np.zeros(n_comp, dtype=np.int64)
    fails = np.zeros((n_comp, len(REASONS)), dtype=np.int64)
    for c in range(n_comp):
        checks = (
            df["excluded"],
            df["capacity_ha"] < needs.land_ha[c],
            df["dist_rail_km"] > needs.rail_max_km[c],
            df["dist_housing_km"] < needs.min_housing_km[c],
            df["dist_almaty_km"] > needs.max_dist_almaty_km[c],
            df["in_almaty"] & (not needs.allow_in_almaty[c]),
        )  # same order as REASONS
        fails[c] = [int(m.sum()) for m in checks]
        ok = ~(checks[0] | checks[1] | checks[2] | checks[3] | checks[4] | checks[5])
        n_feas[c] = int(ok.sum())
        score = 100.0 * df.loc[ok, cols].dot(W[c])
        best = score.nlargest(k, keep="first")  # ties: the first (lower index) wins
        top_idx[c, : len(best)] = best.index.to_numpy()
        top_score[c, : len(best)] = best.to_numpy()
    return top_idx, top_score, n_feas, fails


def compare(result, base, U, W) -> tuple[bool, int, str]:
    """Same top-k? Returns (ok, near-tie swaps accepted, first problem)."""
    b_idx, b_score, b_feas, b_fails = base
    if not np.array_equal(result.n_feasible, b_feas):
        return False, 0, "n_feasible differs"
    if not np.array_equal(result.reason_counts, b_fails):
        return False, 0, "reason counts differ"
    pad_k, pad_b = result.top_idx < 0, b_idx < 0
    if not np.array_equal(pad_k, pad_b):
        return False, 0, "number of sites kept differs"
    if not np.allclose(result.top_score[~pad_k], b_score[~pad_b], rtol=0, atol=1e-4):
        return False, 0, "scores differ by more than 1e-4"
    swaps = 0
    w = W / W.sum(axis=1, keepdims=True)
    for c, p in zip(*np.nonzero(result.top_idx != b_idx), strict=True):
        # both sites at this position, scored independently: only a tie may swap them
        mine, other = int(result.top_idx[c, p]), int(b_idx[c, p])
        s_mine = 100.0 * float(U[mine].astype(np.float64) @ w[c])
        s_other = 100.0 * float(U[other].astype(np.float64) @ w[c])
        if abs(s_mine - s_other) > 1e-9 or abs(s_mine - result.top_score[c, p]) > 1e-6:
            return False, swaps, f"company {c} position {p}: site {mine} vs {other}"
        swaps += 1
    return True, swaps, ""


def run_allocation(companies: int, sites: int, k: int, time_limit_s: float, seed: int = 42):
    """Rank with ``k`` candidates, then allocate (sites grouped into 40 zones, share 5%)."""
    U, W, site_arr, needs = make_inputs(companies, sites, seed)
    result = rank_companies(U, W, site_arr, needs, k)
    group = np.random.default_rng(seed).integers(0, 40, sites).astype(str)
    t0 = time.perf_counter()
    a = allocate_ranked(result, needs.land_ha, site_arr.capacity_ha, group, 0.05,
                        time_limit_s=time_limit_s)  # fmt: skip
    return a, time.perf_counter() - t0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def run(companies: int, sites: int, k: int, seed: int = 42, baseline: bool = True) -> dict:
    t0 = time.perf_counter()
    U, W, site_arr, needs = make_inputs(companies, sites, seed)
    t_gen = time.perf_counter() - t0
    mem_inputs = _peak_mb()

    # warm-up: compiles the kernel, or loads it from numba's cache
    n_w = min(sites, 1000)
    small = SiteArrays(*(getattr(site_arr, f)[:n_w] for f in site_arr.__dataclass_fields__))
    needs_w = NeedArrays(*(getattr(needs, f)[:8] for f in needs.__dataclass_fields__))
    t0 = time.perf_counter()
    rank_companies(U[:n_w], W[:8], small, needs_w, k)
    t_warm = time.perf_counter() - t0

    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        result = rank_companies(U, W, site_arr, needs, k)
        times.append(time.perf_counter() - t0)
    t_kernel = min(times)
    mem_kernel = _peak_mb()
    out = {
        "companies": companies, "sites": sites, "k": k, "criteria": U.shape[1],
        "generate_s": t_gen, "warmup_s": t_warm, "kernel_s": t_kernel,
        "kernel_runs_s": times, "peak_rss_inputs_mb": mem_inputs,
        "peak_rss_kernel_mb": mem_kernel,
        "no_feasible": int((result.n_feasible == 0).sum()),
    }  # fmt: skip
    if baseline:
        t0 = time.perf_counter()
        base = pandas_baseline(U, W, site_arr, needs, k)
        out["baseline_s"] = time.perf_counter() - t0
        out["peak_rss_baseline_mb"] = _peak_mb()
        out["ratio"] = out["baseline_s"] / t_kernel
        out["identical"], out["tie_swaps"], out["problem"] = compare(result, base, U, W)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--companies", type=int, default=1000, help="companies (default 1000)")
    ap.add_argument("--sites", type=int, default=100_000, help="sites (default 100000)")
    ap.add_argument("--k", type=int, default=10, help="sites kept per company (default 10)")
    ap.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    ap.add_argument("--no-baseline", action="store_true", help="time the kernel only")
    ap.add_argument(
        "--allocate", type=float, metavar="SECONDS", default=0.0,
        help="also time allocate_ranked on the top-k lists with this time limit (s), e.g. 20",
    )  # fmt: skip
    args = ap.parse_args(argv)
    r = run(args.companies, args.sites, args.k, args.seed, baseline=not args.no_baseline)
    print(
        f"ranking: {r['companies']} companies x {r['sites']} sites x {r['criteria']} criteria, "
        f"top {r['k']} ({r['no_feasible']} companies with no feasible site)"
    )
    print(f"  inputs generated        {r['generate_s']:8.3f} s")
    print(f"  warm-up (compile/cache) {r['warmup_s']:8.3f} s")
    print(
        f"  fused numba kernel      {r['kernel_s']:8.3f} s  (best of 3: "
        + ", ".join(f"{t:.3f}" for t in r["kernel_runs_s"])
        + ")"
    )
    if "baseline_s" in r:
        print(f"  pandas per-company loop {r['baseline_s']:8.3f} s  ratio {r['ratio']:.1f}x")
    print(
        f"  peak RSS: inputs {r['peak_rss_inputs_mb']:.0f} MB, after kernel "
        f"{r['peak_rss_kernel_mb']:.0f} MB"
        + (f", after baseline {r['peak_rss_baseline_mb']:.0f} MB" if "baseline_s" in r else "")
    )
    target = 2.0 * (r["companies"] * r["sites"]) / 1e8
    print(f"  target <= {target:.2f} s: {'met' if r['kernel_s'] <= target else 'NOT met'}")
    if args.allocate > 0:
        a, t = run_allocation(args.companies, args.sites, args.k, args.allocate, args.seed)
        print(
            f"  allocation (k={args.k} candidates): {t:.2f} s, {a.status} via {a.method}, "
            f"{a.n_assigned} of {args.companies} placed, total {a.objective:.1f}, "
            f"gap <= {100 * a.gap:.2f}% of bound {a.bound:.1f}"
        )
    if "identical" in r:
        if r["identical"]:
            print(f"  check: identical top-{r['k']} (near-tie swaps accepted: {r['tie_swaps']})")
        else:
            print(f"  check FAILED: {r['problem']}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
