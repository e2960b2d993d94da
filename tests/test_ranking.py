"""Per-company ranking kernel: against a brute-force numpy reference, reasons, validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner import InputError
from planner.core.ranking import (
    REASONS,
    NeedArrays,
    SiteArrays,
    binding_reason,
    binding_reasons,
    rank_companies,
)


def _random_case(seed: int, n_sites: int, n_comp: int, n_crit: int = 5, dtype=np.float64):
    rng = np.random.default_rng(seed)
    U = rng.random((n_sites, n_crit)).astype(dtype)
    W = rng.random((n_comp, n_crit))
    W[rng.random((n_comp, n_crit)) < 0.2] = 0.0
    W[:, 0] += 0.01  # no all-zero row
    cap = rng.uniform(0, 40, n_sites)
    cap[rng.random(n_sites) < 0.2] = np.nan
    sites = SiteArrays(
        capacity_ha=cap,
        dist_rail_km=rng.exponential(5, n_sites),
        dist_housing_km=rng.exponential(2, n_sites),
        dist_almaty_km=rng.uniform(0, 90, n_sites),
        in_almaty=rng.random(n_sites) < 0.2,
        excluded=rng.random(n_sites) < 0.1,
    )
    needs = NeedArrays(
        land_ha=rng.uniform(0, 30, n_comp),
        rail_max_km=np.where(rng.random(n_comp) < 0.4, rng.uniform(1, 8, n_comp), np.inf),
        min_housing_km=np.where(rng.random(n_comp) < 0.3, rng.uniform(0.5, 3, n_comp), 0.0),
        max_dist_almaty_km=np.where(rng.random(n_comp) < 0.3, rng.uniform(10, 60, n_comp), np.inf),
        allow_in_almaty=rng.random(n_comp) < 0.5,
    )
    return U, W, sites, needs


def _reference(U, W, sites: SiteArrays, needs: NeedArrays, k: int):
    """Brute force, written independently of the kernel: full matrix, masks, lexsort."""
    U = U.astype(np.float64)
    Wn = W / W.sum(axis=1, keepdims=True)
    n_comp, n_sites = W.shape[0], U.shape[0]
    idx = np.full((n_comp, k), -1)
    score = np.full((n_comp, k), np.nan)
    feas = np.zeros(n_comp, dtype=int)
    fails = np.zeros((n_comp, len(REASONS)), dtype=int)
    soles = np.zeros((n_comp, len(REASONS)), dtype=int)
    for c in range(n_comp):
        with np.errstate(invalid="ignore"):
            masks = np.stack(
                [
                    sites.excluded,
                    ~np.isnan(sites.capacity_ha) & (sites.capacity_ha < needs.land_ha[c]),
                    sites.dist_rail_km > needs.rail_max_km[c],
                    sites.dist_housing_km < needs.min_housing_km[c],
                    sites.dist_almaty_km > needs.max_dist_almaty_km[c],
                    sites.in_almaty & ~needs.allow_in_almaty[c],
                ]
            )
        nfail = masks.sum(axis=0)
        fails[c] = masks.sum(axis=1)
        soles[c] = (masks & (nfail == 1)).sum(axis=1)
        ok = np.flatnonzero(nfail == 0)
        feas[c] = ok.size
        s = 100.0 * (U[ok] @ Wn[c])
        order = np.lexsort((ok, -s))[:k]
        idx[c, : order.size] = ok[order]
        score[c, : order.size] = s[order]
    assert n_sites == sites.n_sites
    return idx, score, feas, fails, soles


@pytest.mark.parametrize(
    ("seed", "n_sites", "n_comp", "k", "dtype"),
    [
        (0, 300, 37, 10, np.float64),  # 37: blocks of companies do not divide evenly
        (1, 50, 5, 60, np.float64),  # k larger than the number of sites: padding
        (2, 1000, 130, 5, np.float32),
        (3, 1, 3, 2, np.float64),
        (4, 200, 1, 1, np.float32),
    ],
)
def test_matches_brute_force(seed, n_sites, n_comp, k, dtype):
    U, W, sites, needs = _random_case(seed, n_sites, n_comp, dtype=dtype)
    r = rank_companies(U, W, sites, needs, k=k)
    idx, score, feas, fails, soles = _reference(U, W, sites, needs, k)
    np.testing.assert_array_equal(r.top_idx, idx)
    np.testing.assert_allclose(r.top_score, score, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(r.n_feasible, feas)
    np.testing.assert_array_equal(r.reason_counts, fails)
    np.testing.assert_array_equal(r.sole_reason_counts, soles)
    assert r.top_idx.shape == (n_comp, k) and r.top_idx.dtype == np.int64


def test_padding_and_scores_range():
    U, W, sites, needs = _random_case(5, 40, 20)
    r = rank_companies(U, W, sites, needs, k=40)
    pad = r.top_idx < 0
    assert pad.any() and (~pad).any()
    assert np.isnan(r.top_score[pad]).all()
    assert ((r.top_score[~pad] >= 0) & (r.top_score[~pad] <= 100)).all()
    # rows are best first, and the number kept is the number feasible (k = n_sites)
    np.testing.assert_array_equal((~pad).sum(axis=1), r.n_feasible)
    assert (np.diff(np.where(pad, -1.0, r.top_score), axis=1) <= 0).all()


def test_ties_go_to_lower_site_index():
    U = np.tile([[0.5, 0.2]], (6, 1))
    U[4] = [0.9, 0.9]  # the one clear winner
    sites = _plain_sites(6)
    r = rank_companies(U, [[1.0, 1.0]], sites, NeedArrays.none(1), k=3)
    np.testing.assert_array_equal(r.top_idx[0], [4, 0, 1])
    np.testing.assert_allclose(r.top_score[0], [90.0, 35.0, 35.0])


def _plain_sites(n, **over):
    kw = dict(
        capacity_ha=np.full(n, 100.0),
        dist_rail_km=np.ones(n),
        dist_housing_km=np.full(n, 5.0),
        dist_almaty_km=np.full(n, 30.0),
        in_almaty=np.zeros(n, bool),
        excluded=np.zeros(n, bool),
    )
    kw.update(over)
    return SiteArrays(**kw)


def test_reason_counts_by_hand():
    # site 0 ok; 1 excluded; 2 too small; 3 far from rail; 4 too close to housing;
    # 5 too far from Almaty; 6 inside Almaty; 7 too small AND far from rail
    sites = _plain_sites(
        8,
        excluded=np.array([0, 1, 0, 0, 0, 0, 0, 0], bool),
        capacity_ha=np.array([100, 100, 5, 100, 100, 100, 100, 5.0]),
        dist_rail_km=np.array([1, 1, 1, 20, 1, 1, 1, 20.0]),
        dist_housing_km=np.array([5, 5, 5, 5, 0.5, 5, 5, 5.0]),
        dist_almaty_km=np.array([30, 30, 30, 30, 30, 90, 30, 30.0]),
        in_almaty=np.array([0, 0, 0, 0, 0, 0, 1, 0], bool),
    )
    needs = NeedArrays(
        land_ha=[10.0, 1.0],
        rail_max_km=[5.0, np.inf],
        min_housing_km=[1.0, 0.0],
        max_dist_almaty_km=[60.0, np.inf],
        allow_in_almaty=[False, True],
    )
    U = np.full((8, 1), 0.5)
    r = rank_companies(U, [[1.0], [1.0]], sites, needs, k=8)
    assert r.reasons == ("excluded", "land", "rail", "hazard", "max_dist_almaty", "in_almaty")
    np.testing.assert_array_equal(r.reason_counts[0], [1, 2, 2, 1, 1, 1])
    np.testing.assert_array_equal(r.sole_reason_counts[0], [1, 1, 1, 1, 1, 1])
    assert r.n_feasible[0] == 1 and r.top_idx[0, 0] == 0 and (r.top_idx[0, 1:] == -1).all()
    # the second company has no needs: only the excluded site is removed
    np.testing.assert_array_equal(r.reason_counts[1], [1, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(r.top_idx[1, :7], [0, 2, 3, 4, 5, 6, 7])


def test_binding_reason_prefers_the_sole_reason_over_the_most_frequent():
    # sites 0-2 fail land AND rail (3 each, the most frequent); site 3 fails hazard only
    sites = _plain_sites(
        4,
        capacity_ha=np.array([1, 1, 1, 100.0]),
        dist_rail_km=np.array([20, 20, 20, 1.0]),
        dist_housing_km=np.array([5, 5, 5, 0.1]),
    )
    needs = NeedArrays([10.0], [5.0], [1.0], [np.inf], [True])
    r = rank_companies(np.ones((4, 1)), [[1.0]], sites, needs)
    np.testing.assert_array_equal(r.reason_counts[0], [0, 3, 3, 1, 0, 0])
    assert r.n_feasible[0] == 0
    assert binding_reason(r, 0) == "hazard"  # dropping it frees site 3; dropping land frees none


def test_binding_reason_falls_back_to_most_frequent_and_none_when_feasible():
    sites = _plain_sites(
        3,
        capacity_ha=np.array([1, 1, 100.0]),
        dist_rail_km=np.array([20, 20, 20.0]),
        dist_almaty_km=np.array([30, 90, 90.0]),
    )
    needs = NeedArrays([10.0, 10.0], [5.0, np.inf], [0.0, 0.0], [60.0, np.inf], [True, True])
    r = rank_companies(np.ones((3, 1)), [[1.0], [1.0]], sites, needs)
    # company 0: every site fails two needs; rail fails at all three -> most frequent
    np.testing.assert_array_equal(r.sole_reason_counts[0], 0)
    assert binding_reason(r, 0) == "rail"
    assert r.n_feasible[1] == 1 and binding_reason(r, 1) is None
    np.testing.assert_array_equal(binding_reasons(r), ["rail", ""])
    with pytest.raises(IndexError):
        binding_reason(r, 2)


def test_binding_reasons_vectorized_matches_scalar():
    U, W, sites, needs = _random_case(11, 60, 80)
    needs = NeedArrays(
        needs.land_ha * 3, needs.rail_max_km / 4, needs.min_housing_km * 2,
        needs.max_dist_almaty_km, needs.allow_in_almaty,
    )  # fmt: skip
    r = rank_companies(U, W, sites, needs)
    many = binding_reasons(r)
    assert (r.n_feasible == 0).sum() > 3
    assert list(many) == [binding_reason(r, i) or "" for i in range(r.n_companies)]


def test_unknown_capacity_is_feasible_and_flagged():
    sites = _plain_sites(3, capacity_ha=np.array([np.nan, 5.0, 50.0]))
    U = np.array([[1.0], [0.9], [0.5]])
    r = rank_companies(U, [[1.0]], sites, NeedArrays([20.0], [np.inf], [0], [np.inf], [True]))
    np.testing.assert_array_equal(r.top_idx[0, :3], [0, 2, -1])
    np.testing.assert_array_equal(r.top_area_unknown[0, :3], [True, False, False])
    np.testing.assert_array_equal(r.reason_counts[0], [0, 1, 0, 0, 0, 0])


def test_nan_needs_mean_no_need():
    U, W, sites, _ = _random_case(6, 100, 4)
    nan = np.full(4, np.nan)
    r = rank_companies(U, W, sites, NeedArrays(nan, nan, nan, nan, [True] * 4))
    free = rank_companies(U, W, sites, NeedArrays.none(4))
    np.testing.assert_array_equal(r.top_idx, free.top_idx)
    np.testing.assert_array_equal(r.n_feasible, np.full(4, (~sites.excluded).sum()))


def test_weights_are_rescaled_to_sum_one():
    U, W, sites, needs = _random_case(7, 120, 6)
    a = rank_companies(U, W, sites, needs)
    b = rank_companies(U, W * 7.5, sites, needs)
    np.testing.assert_array_equal(a.top_idx, b.top_idx)
    np.testing.assert_allclose(a.top_score, b.top_score, atol=1e-9)
    # the score is 100 * U @ w with w summing to 1, recomputed here
    w = W[2] / W[2].sum()
    np.testing.assert_allclose(a.top_score[2, 0], 100 * U[a.top_idx[2, 0]] @ w, atol=1e-9)


def test_float32_and_float64_agree():
    U, W, sites, needs = _random_case(8, 500, 30, dtype=np.float32)
    a = rank_companies(U, W, sites, needs)
    b = rank_companies(U.astype(np.float64), W, sites, needs)
    np.testing.assert_array_equal(a.top_idx, b.top_idx)
    np.testing.assert_allclose(a.top_score, b.top_score, atol=1e-4)


def test_empty_inputs():
    r = rank_companies(np.zeros((0, 3)), np.ones((2, 3)), _plain_sites(0), NeedArrays.none(2))
    assert (r.top_idx == -1).all() and (r.n_feasible == 0).all()
    assert binding_reason(r, 0) is None
    r = rank_companies(np.zeros((4, 3)), np.ones((0, 3)), _plain_sites(4), NeedArrays.none(0))
    assert r.top_idx.shape == (0, 10)


def test_nan_utility_allowed_only_at_excluded_sites():
    U = np.array([[0.5, np.nan], [0.2, 0.3]])
    ex = _plain_sites(2, excluded=np.array([True, False]))
    r = rank_companies(U, [[1, 1]], ex, NeedArrays.none(1))
    assert r.top_idx[0, 0] == 1
    with pytest.raises(InputError, match=r"utilities U: NaN or a value outside 0-1 .*rows 0"):
        rank_companies(U, [[1, 1]], _plain_sites(2), NeedArrays.none(1))
    with pytest.raises(InputError, match="outside 0-1"):
        rank_companies(np.array([[1.5, 0.1]]), [[1, 1]], _plain_sites(1), NeedArrays.none(1))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(W=[[1.0, 1.0, 1.0]]), "weights W has 3 criteria .* U has 2"),
        (dict(W=[[-1.0, 2.0]]), "negative, NaN or infinite weight for company rows 0"),
        (dict(W=[[0.0, 0.0]]), "all weights are zero"),
        (dict(k=0), "k: 0 is not a whole number"),
        (dict(k=2.5), "k: 2.5"),
        (dict(U=np.ones((3, 2))), "sites arrays have 2 sites but utilities U has 3 rows"),
        (dict(needs=NeedArrays.none(3)), "needs arrays have 3 companies but weights W has 1"),
        (dict(U=np.array([["a", "b"], ["c", "d"]])), "not numeric"),
    ],
)
def test_input_errors(kwargs, match):
    args = dict(U=np.ones((2, 2)) / 2, W=[[1.0, 1.0]], sites=_plain_sites(2),
                needs=NeedArrays.none(1), k=1)  # fmt: skip
    args.update(kwargs)
    with pytest.raises(InputError, match=match):
        rank_companies(**args)


def test_site_and_need_array_validation():
    with pytest.raises(InputError, match=r"sites.dist_rail_km: NaN at non-excluded site rows 1"):
        _plain_sites(3, dist_rail_km=np.array([1.0, np.nan, 2.0]))
    # NaN at an excluded site is fine
    _plain_sites(2, dist_rail_km=np.array([np.nan, 1.0]), excluded=np.array([True, False]))
    with pytest.raises(InputError, match="sites.capacity_ha: negative area at site rows 0"):
        _plain_sites(2, capacity_ha=np.array([-1.0, 3.0]))
    with pytest.raises(InputError, match="sites.in_almaty: has 3 values but 2"):
        _plain_sites(2, in_almaty=np.zeros(3, bool))
    with pytest.raises(InputError, match=r"sites.excluded: row 1 holds None"):
        _plain_sites(2, excluded=np.array([False, None], dtype=object))
    with pytest.raises(InputError, match="needs.rail_max_km: negative value at company rows 0"):
        NeedArrays([1.0], [-2.0], [0.0], [np.inf], [True])
    with pytest.raises(InputError, match="needs.land_ha: cannot read"):
        NeedArrays(["12,5 га"], [1.0], [0.0], [np.inf], [True])


def test_from_frame():
    df = pd.DataFrame(
        {
            "area_ha": [10.0, np.nan, 30.0],
            "free_ha": [np.nan, np.nan, 4.0],  # a zone site: its free land is the capacity
            "dist_rail_km": [1.0, 2.0, 3.0],
            "dist_housing_km": [1.0, 2.0, 3.0],
            "dist_almaty_km": [1.0, 2.0, 3.0],
            "in_almaty": [True, False, False],
            "excluded": [False, False, True],
        }
    )
    s = SiteArrays.from_frame(df)
    np.testing.assert_array_equal(s.capacity_ha, [10.0, np.nan, 4.0])
    np.testing.assert_array_equal(s.excluded, [False, False, True])
    with pytest.raises(InputError, match="lacks column.*dist_rail_km"):
        SiteArrays.from_frame(df.drop(columns="dist_rail_km"))
    df["in_almaty"] = pd.array([True, None, False], dtype="boolean")
    with pytest.raises(InputError, match="column in_almaty: missing value at rows 1"):
        SiteArrays.from_frame(df)

    comp = pd.DataFrame({"land_ha": [5.0, np.nan], "allow_in_almaty": [False, None]})
    n = NeedArrays.from_frame(comp)
    np.testing.assert_array_equal(n.land_ha, [5.0, 0.0])
    np.testing.assert_array_equal(n.allow_in_almaty, [False, True])
    np.testing.assert_array_equal(n.rail_max_km, [np.inf, np.inf])


def test_result_does_not_depend_on_thread_count():
    import numba

    U, W, sites, needs = _random_case(9, 400, 50)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = rank_companies(U, W, sites, needs)
    finally:
        numba.set_num_threads(before)
    many = rank_companies(U, W, sites, needs)
    np.testing.assert_array_equal(one.top_idx, many.top_idx)
    np.testing.assert_array_equal(one.top_score, many.top_score)
    np.testing.assert_array_equal(one.sole_reason_counts, many.sole_reason_counts)


def _bench_module():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "bench" / "bench_ranking.py"
    spec = importlib.util.spec_from_file_location("bench_ranking", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_benchmark_check_agrees_with_pandas_and_can_fail():
    bench = _bench_module()
    out = bench.run(companies=30, sites=3000, k=10, seed=1)
    assert out["identical"], out["problem"]
    assert out["no_feasible"] >= 0 and out["kernel_s"] > 0
    # the checker itself must notice a wrong answer
    U, W, sites, needs = bench.make_inputs(12, 500, seed=2)
    r = rank_companies(U, W, sites, needs, k=5)
    base = bench.pandas_baseline(U, W, sites, needs, 5)
    assert bench.compare(r, base, U, W)[0]
    swapped = r.top_idx.copy()
    swapped[0, [0, 1]] = swapped[0, [1, 0]]
    bad = type(r)(swapped, r.top_score, r.top_area_unknown, r.n_feasible, r.reason_counts,
                  r.sole_reason_counts)  # fmt: skip
    ok, _, problem = bench.compare(bad, base, U, W)
    assert not ok and "company 0 position 0" in problem
