"""Robustness of a ranking: Monte Carlo weight perturbation and the flip weight.

Expected values come from an independent numpy re-implementation (matrix product, stable
argsort, ``np.percentile``), from brute-force scans of the weight, or by hand.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from planner import InputError
from planner.core import robustness as rb
from planner.core.ranking import rank_scores
from planner.core.scoring import weighted_sum

# --------------------------------------------------------------------------- references


def ref_ranks(U, w, F, excluded=None):
    """Ranks (draws, n) from scratch: matmul scores, stable sort, excluded last (0)."""
    U = np.asarray(U, dtype=float)
    n = U.shape[0]
    excluded = np.zeros(n, bool) if excluded is None else np.asarray(excluded)
    W = F * np.asarray(w, float)
    W = W / W.sum(axis=1, keepdims=True)
    S = W @ np.where(excluded[:, None], 0.0, U).T
    S[:, excluded] = -np.inf
    order = np.argsort(-S, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.broadcast_to(np.arange(1, n + 1), order.shape), axis=1)
    ranks = ranks.astype(float)
    ranks[:, excluded] = np.nan
    return ranks


def ref_summary(ranks):
    live = ~np.isnan(ranks[0])
    out = {
        "p_first": (ranks == 1).mean(axis=0),
        "rank_mean": np.full(ranks.shape[1], np.nan),
        "rank_p5": np.full(ranks.shape[1], np.nan),
        "rank_p95": np.full(ranks.shape[1], np.nan),
    }
    r = ranks[:, live]
    out["rank_mean"][live] = r.mean(axis=0)
    out["rank_p5"][live] = np.percentile(r, 5, axis=0, method="inverted_cdf")
    out["rank_p95"][live] = np.percentile(r, 95, axis=0, method="inverted_cdf")
    return out


def assert_matches_reference(res, U, w, draws, spread, seed, excluded=None):
    F = rb.draw_factors(draws, np.shape(U)[1], spread, seed)
    ref = ref_summary(ref_ranks(U, w, F, excluded))
    np.testing.assert_array_equal(res.p_first, ref["p_first"])
    np.testing.assert_allclose(res.rank_mean, ref["rank_mean"], rtol=1e-12)
    np.testing.assert_array_equal(res.rank_p5, ref["rank_p5"])
    np.testing.assert_array_equal(res.rank_p95, ref["rank_p95"])


def rescore(U, w, j, x):
    """Scores after moving weight j to x and rescaling the others proportionally."""
    w = np.asarray(w, float) / np.sum(w)
    w2 = w * (1.0 - x) / (1.0 - w[j])
    w2[j] = x
    return np.asarray(U, float) @ w2


def random_case(seed, n=6, m=5):
    rng = np.random.default_rng(seed)
    return rng.random((n, m)), rng.random(m) + 0.05


# A leads (69 vs 53 points); both criteria matter: worked out by hand in the tests below
HAND_U = np.array([[0.9, 0.2], [0.5, 0.6], [0.1, 0.1]])
HAND_W = np.array([0.7, 0.3])
HAND_KEYS = ["zone", "rail"]


# --------------------------------------------------------------------------- Monte Carlo


def test_same_seed_same_result_other_seed_other_draws():
    U, w = random_case(1, n=5, m=4)
    a = rb.monte_carlo(U, w, draws=500, spread=0.5, seed=7)
    b = rb.monte_carlo(U, w, draws=500, spread=0.5, seed=7)
    c = rb.monte_carlo(U, w, draws=500, spread=0.5, seed=8)
    for name in ("p_first", "rank_p5", "rank_p95", "rank_mean", "base_rank", "rank_share"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.rank_share, c.rank_share)
    f7, f8 = rb.draw_factors(500, 4, 0.5, 7), rb.draw_factors(500, 4, 0.5, 8)
    np.testing.assert_array_equal(f7, rb.draw_factors(500, 4, 0.5, 7))
    assert not np.array_equal(f7, f8)
    assert f7.min() >= 0.5 and f7.max() <= 1.5
    assert f7.min() < 0.52 and f7.max() > 1.48  # the whole range is used


def test_matches_independent_numpy_reference():
    U, w = random_case(2, n=8, m=6)
    excluded = np.zeros(8, bool)
    excluded[3] = True
    res = rb.monte_carlo(U, w, draws=700, spread=0.6, seed=3, excluded=excluded)
    assert_matches_reference(res, U, w, 700, 0.6, 3, excluded)
    np.testing.assert_allclose(res.rank_share.sum(axis=1), np.where(excluded, 0.0, 1.0))
    np.testing.assert_allclose(res.rank_share[:, 0], res.p_first)


def test_many_sites_use_the_sorting_path_and_agree():
    U, w = random_case(4, n=60, m=5)  # > _PAIRWISE_MAX sites: ranks by stable sort
    assert U.shape[0] > rb._PAIRWISE_MAX
    excluded = np.zeros(60, bool)
    excluded[[0, 17]] = True
    res = rb.monte_carlo(U, w, draws=300, spread=0.4, seed=5, excluded=excluded)
    assert_matches_reference(res, U, w, 300, 0.4, 5, excluded)


def test_many_identical_sites_keep_index_order_on_the_sorting_path():
    rng = np.random.default_rng(8)
    U = rng.random((70, 4)) * 0.5
    twins = np.arange(3, 70, 3)  # 23 identical rows better than every other row
    U[twins] = [0.8, 0.6, 0.9, 0.7]
    res = rb.monte_carlo(U, [0.1, 0.2, 0.3, 0.4], draws=200, spread=0.9, seed=0)
    expected = np.arange(1, twins.size + 1, dtype=float)
    np.testing.assert_array_equal(res.rank_p5[twins], expected)
    np.testing.assert_array_equal(res.rank_p95[twins], expected)
    assert res.p_first[3] == 1.0


def test_dominant_site_always_first():
    rng = np.random.default_rng(5)
    U = rng.random((6, 5)) * 0.8
    U[4] = 0.9  # better than every other site on every criterion
    res = rb.monte_carlo(U, rng.random(5), draws=1000, spread=0.9, seed=1)
    assert res.p_first[4] == 1.0
    assert res.rank_p5[4] == res.rank_p95[4] == 1.0
    assert res.rank_mean[4] == 1.0
    assert res.base_rank[4] == 1.0
    assert np.all(res.p_first[np.arange(6) != 4] == 0.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_identical_sites_split_first_place_by_index(seed):
    U = np.array(
        [
            [0.10, 0.20, 0.30],
            [0.71, 0.33, 0.47],  # identical to row 3: row 1 must always win the tie
            [0.95, 0.05, 0.05],  # a real competitor that wins some draws
            [0.71, 0.33, 0.47],
        ]
    )
    w = np.array([0.3, 0.3, 0.4])
    res = rb.monte_carlo(U, w, draws=2000, spread=0.9, seed=seed)
    assert res.p_first[3] == 0.0
    assert 0.0 < res.p_first[2] < 1.0  # the draws do change the leader
    assert res.p_first[1] + res.p_first[2] == pytest.approx(1.0, abs=0)
    # the twin never ranks above its earlier copy: its rank is always one more
    assert np.all(res.rank_share[3, 0] == 0)
    assert res.base_rank[3] == res.base_rank[1] + 1
    np.testing.assert_array_equal(res.rank_share[3, 1:], res.rank_share[1, :-1])
    again = rb.monte_carlo(U, w, draws=2000, spread=0.9, seed=seed)
    np.testing.assert_array_equal(res.p_first, again.p_first)


def test_p_first_sums_to_one_and_excluded_never_rank():
    rng = np.random.default_rng(11)
    U = rng.random((10, 7))
    U[2] = 1.0  # would dominate, but is excluded
    U[5] = np.nan  # excluded rows may hold NaN
    excluded = np.zeros(10, bool)
    excluded[[2, 5]] = True
    res = rb.monte_carlo(U, rng.random(7), draws=999, spread=0.5, seed=2, excluded=excluded)
    assert res.p_first.sum() == pytest.approx(1.0, abs=1e-12)
    assert res.p_first[2] == res.p_first[5] == 0.0
    for arr in (res.rank_p5, res.rank_p95, res.rank_mean, res.base_rank):
        assert np.isnan(arr[[2, 5]]).all()
        assert np.isfinite(np.delete(arr, [2, 5])).all()
    assert sorted(res.base_rank[~excluded]) == list(range(1, 9))
    assert res.rank_p95[~excluded].max() <= 8


def test_all_sites_excluded():
    res = rb.monte_carlo(np.ones((3, 2)), [1, 1], draws=10, excluded=[True, True, True])
    assert np.all(res.p_first == 0) and np.isnan(res.rank_mean).all()


def test_zero_spread_reproduces_the_base_ranking():
    U, w = random_case(6, n=7, m=4)
    res = rb.monte_carlo(U, w, draws=50, spread=0.0, seed=0)
    # the planner's weighted sum and rank rule (ties: lower index)
    scores = 100.0 * weighted_sum(U, w / w.sum())
    base = rank_scores(scores, ties="order").to_numpy(dtype="f8")
    np.testing.assert_array_equal(res.base_rank, base)
    np.testing.assert_array_equal(res.rank_p5, base)
    np.testing.assert_array_equal(res.rank_p95, base)
    np.testing.assert_array_equal(res.p_first, (base == 1).astype(float))
    # and the base ranking agrees with an independent sort of U @ w
    np.testing.assert_array_equal(
        base, np.argsort(np.argsort(-(U @ (w / w.sum())), kind="stable")) + 1.0
    )


def test_hand_checked_two_criteria_monte_carlo():
    # B = row 1 beats A = row 0 iff 0.9 w0 + 0.2 w1 < 0.5 w0 + 0.6 w1, i.e. w1 > w0:
    # with factors f ~ U[1 - s, 1 + s] that is 0.3 f1 > 0.7 f0.
    # spread 0.25: 0.3 * 1.25 = 0.375 < 0.7 * 0.75 = 0.525, so A always wins.
    res = rb.monte_carlo(HAND_U, HAND_W, draws=3000, spread=0.25, seed=0)
    np.testing.assert_array_equal(res.p_first, [1.0, 0.0, 0.0])
    # spread 0.9: f ~ U[0.1, 1.9]; P(f0 < 3 f1 / 7) = area / 1.8^2 with
    # area = integral from 7/30 to 1.9 of (3 f1 / 7 - 0.1) df1
    lo, hi = 7 / 30, 1.9
    area = (3 / 14 * hi**2 - 0.1 * hi) - (3 / 14 * lo**2 - 0.1 * lo)
    p_b = area / 1.8**2
    assert p_b == pytest.approx(0.18372, abs=1e-5)
    res = rb.monte_carlo(HAND_U, HAND_W, draws=20000, spread=0.9, seed=0)
    assert res.p_first[1] == pytest.approx(p_b, abs=0.01)  # 3.6 standard errors
    assert res.p_first[2] == 0.0
    assert res.rank_p5[0] == 1 and res.rank_p95[0] == 2
    assert res.rank_mean[1] == pytest.approx(2 - res.p_first[1])


def test_to_frame_on_the_sites_index():
    res = rb.monte_carlo(HAND_U, HAND_W, draws=100, excluded=[False, False, True])
    df = res.to_frame(pd.Index(["s-a", "s-b", "s-c"], name="site_id"))
    assert list(df.index) == ["s-a", "s-b", "s-c"]
    assert str(df["base_rank"].dtype) == "Int64" and df["base_rank"].isna().tolist() == [
        False,
        False,
        True,
    ]
    assert df.loc["s-a", "base_rank"] == 1 and df.loc["s-b", "rank_p95"] == 2
    with pytest.raises(InputError, match="index"):
        res.to_frame(["x"])


# --------------------------------------------------------------------------- batch


def batch_case(seed, n_comp=9, k=5, m=4):
    rng = np.random.default_rng(seed)
    U = rng.random((n_comp, k, m))
    W = rng.random((n_comp, m)) + 0.01
    excluded = np.zeros((n_comp, k), bool)
    excluded[0, 3:] = True  # a company with only 3 candidates (padding)
    U[0, 3:] = np.nan
    excluded[1, 1:] = True  # a company with a single candidate
    excluded[2, :] = True  # no candidate at all
    return U, W, excluded


def test_batch_equals_single_runs():
    U, W, excluded = batch_case(21)
    res = rb.monte_carlo_batch(U, W, draws=400, spread=0.5, seed=9, excluded=excluded)
    assert res.p_first.shape == (9, 5) and len(res) == 9
    for c in range(9):
        one = rb.monte_carlo(U[c], W[c], draws=400, spread=0.5, seed=9, excluded=excluded[c])
        got = res.company(c)
        for name in ("p_first", "rank_p5", "rank_p95", "rank_mean", "base_rank"):
            np.testing.assert_array_equal(getattr(got, name), getattr(one, name), err_msg=name)
    assert res.p_first[1, 0] == 1.0 and res.rank_p95[1, 0] == 1.0
    assert np.all(res.p_first[2] == 0.0) and np.isnan(res.base_rank[2]).all()
    np.testing.assert_allclose(res.p_first[3:].sum(axis=1), 1.0)
    c = 5
    assert_matches_reference(res.company(c), U[c], W[c], 400, 0.5, 9)


def test_batch_chunking_does_not_change_the_result():
    U, W, excluded = batch_case(22, n_comp=11)
    whole = rb.monte_carlo_batch(U, W, draws=200, seed=1, excluded=excluded)
    chunked = rb.monte_carlo_batch(U, W, draws=200, seed=1, excluded=excluded, chunk_companies=3)
    for name in ("p_first", "rank_p5", "rank_p95", "rank_mean", "base_rank"):
        np.testing.assert_array_equal(getattr(whole, name), getattr(chunked, name))
    df = whole.to_frame()
    assert df.shape == (55, 5) and df.loc[(0, 4), "base_rank"] is pd.NA


# --------------------------------------------------------------------------- flip weight


def test_hand_checked_two_criteria_flip():
    # changing the rail weight to y (zone = 1 - y): A = 0.9 - 0.7 y, B = 0.5 + 0.1 y,
    # equal at y = 0.5; the equivalent zone fall 0.7 -> 0.5 is the same change, and the
    # tie rule prefers the rising weight.
    res = rb.flip_weight(HAND_U, HAND_W, HAND_KEYS)
    assert (res.a, res.b) == (0, 1)
    assert res.criterion == "rail" and res.criterion_index == 1 and res.direction == 1
    assert res.weight_from == pytest.approx(0.3)
    assert res.weight_to == pytest.approx(0.5)
    assert res.delta == pytest.approx(0.2)
    assert res.score_gap == pytest.approx(69 - 53)
    # +-50 %: rail may only reach 0.45, zone may fall to 0.35 -> the zone fall to 0.5
    res = rb.flip_weight(HAND_U, HAND_W, HAND_KEYS, max_relative_change=0.5)
    assert res.criterion == "zone" and res.direction == -1
    assert res.weight_to == pytest.approx(0.5) and res.delta == pytest.approx(-0.2)
    # +-20 %: zone >= 0.56 and rail <= 0.36: no swap
    assert rb.flip_weight(HAND_U, HAND_W, HAND_KEYS, max_relative_change=0.2) is None


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("rel", [None, 1.0])
def test_flip_is_strict_minimal_and_verified_by_rescoring(seed, rel):
    U, w = random_case(100 + seed, n=6, m=5)
    wn = w / w.sum()
    res = rb.flip_weight(U, w, list("abcde"), max_relative_change=rel)
    base = U @ wn
    order = np.argsort(-base, kind="stable")
    a, b = int(order[0]), int(order[1])
    lo = np.zeros(5) if rel is None else np.maximum(0, wn * (1 - rel))
    hi = np.ones(5) if rel is None else np.minimum(1, wn * (1 + rel))
    # brute force: for every criterion, the closest weight on a fine grid at which b wins
    best = np.full(5, np.inf)
    for j in range(5):
        xs = np.linspace(lo[j], hi[j], 20001)
        grid = wn[None, :] * ((1 - xs) / (1 - wn[j]))[:, None]  # same convention, vectorized
        grid[:, j] = xs
        s = grid @ U[[a, b]].T
        wins = s[:, 1] > s[:, 0]
        if wins.any():
            best[j] = np.abs(xs[wins] - wn[j]).min()
    if res is None:
        assert np.isinf(best).all()
        return
    assert (res.a, res.b) == (a, b)
    j = res.criterion_index
    assert res.criterion == "abcde"[j]
    assert res.weight_from == pytest.approx(wn[j], abs=1e-15)
    assert res.delta == pytest.approx(res.weight_to - res.weight_from, abs=1e-15)
    assert lo[j] <= res.weight_to <= hi[j]
    # just past the threshold b strictly wins, just before it a still wins
    eps = 1e-7
    past = rescore(U, w, j, res.weight_to + eps * res.direction)
    before = rescore(U, w, j, res.weight_to - eps * res.direction)
    assert past[b] > past[a]
    assert before[a] > before[b]
    # no other single weight change does it with a smaller change
    step = (hi - lo).max() / 20000
    assert abs(res.delta) <= best.min() + 1e-12
    assert best[j] == pytest.approx(abs(res.delta), abs=2 * step)


def test_no_flip_when_leader_dominates_on_every_criterion():
    rng = np.random.default_rng(3)
    b_row = rng.random(6) * 0.9
    U = np.vstack([b_row + 0.05, b_row, rng.random(6) * 0.5])
    U[0, 2] = U[1, 2]  # equal on one criterion, better on the rest
    assert rb.flip_weight(U, rng.random(6), [f"c{i}" for i in range(6)]) is None
    # identical sites can never be swapped by weights: the first keeps the lead
    same = np.vstack([b_row, b_row])
    assert rb.flip_weight(same, np.ones(6), [f"c{i}" for i in range(6)]) is None


#: a dominates b and both are equal on criterion 1; for these weights the textbook
#: threshold w_j - D0 / slope_j rounds to 0.9999999999999999 instead of 1 (a tie, no win)
DOMINATED = [
    ([0.9, 0.5, 0.7], [0.6, 0.5, 0.4], [0.4, 0.2, 0.3]),
    ([0.9, 0.5, 0.7], [0.6, 0.5, 0.4], [0.5, 0.2, 0.4]),
    ([0.9, 0.5, 0.7], [0.6, 0.5, 0.4], [0.2, 0.2, 0.5]),
    ([0.8, 0.3, 0.6], [0.7, 0.3, 0.2], [0.3, 0.4, 0.4]),
]


@pytest.mark.parametrize(("ua", "ub", "w"), DOMINATED)
def test_no_flip_for_a_dominated_site_equal_on_one_criterion(ua, ub, w):
    U = np.array([ua, ub])
    # by hand: raising weight 1 to x gives D(x) = score_b - score_a = (1 - x) R, R < 0 the
    # weighted mean of U[b] - U[a] over criteria 0 and 2; D(1) = 0 is a tie, not a win
    assert rescore(U, w, 1, 1.0)[1] == rescore(U, w, 1, 1.0)[0]
    assert rb.flip_weight(U, w, ["x", "y", "z"]) is None
    batch = rb.flip_weight_batch(U[None], np.array([w]), ["x", "y", "z"])
    assert batch.has_pair[0] and batch.criterion_index[0] == -1 and batch.company(0) is None


def test_no_flip_for_many_dominated_sites_with_equal_criteria():
    # utilities with two decimals: equal criteria are common, as for zone sites that
    # share a zone status
    rng = np.random.default_rng(11)
    n_comp, m = 400, 4
    UB = np.round(rng.random((n_comp, m)) * 0.65, 2)
    UA = UB + np.round(rng.random((n_comp, m)) * 0.3, 2) * (rng.random((n_comp, m)) < 0.6)
    UA[np.arange(n_comp), rng.integers(0, m, n_comp)] += 0.05  # strictly better somewhere
    W = np.round(rng.random((n_comp, m)), 1) + 0.1
    keys = list("pqrs")
    batch = rb.flip_weight_batch(np.stack([UA, UB], axis=1), W, keys)
    assert batch.has_pair.all() and (batch.a == 0).all()
    assert (batch.criterion_index == -1).all()
    assert all(rb.flip_weight(np.array([UA[c], UB[c]]), W[c], keys) is None for c in range(50))


def test_a_small_real_lead_on_the_equal_criterion_still_flips():
    # the tolerance must not swallow a real flip: b now leads criterion 1 by 0.01
    U = np.array([[0.9, 0.5, 0.7], [0.6, 0.51, 0.4]])
    w = [0.4, 0.2, 0.3]
    res = rb.flip_weight(U, w, ["x", "y", "z"])
    assert res.criterion == "y" and res.direction == 1
    # by hand: D(x) = 0.01 x + (1 - x) R with R = (0.4 (-0.3) + 0.3 (-0.3)) / 0.7 = -0.3
    assert res.weight_to == pytest.approx(0.3 / 0.31, abs=1e-12)
    past = rescore(U, w, 1, res.weight_to + 1e-6)
    before = rescore(U, w, 1, res.weight_to - 1e-6)
    assert past[1] > past[0] and before[0] > before[1]
    batch = rb.flip_weight_batch(U[None], np.array([w]), ["x", "y", "z"])
    assert batch.company(0) == res


def test_flip_between_exactly_tied_sites_is_zero_and_strict():
    U = np.array([[0.8, 0.2], [0.2, 0.8]])  # equal scores at 0.5 / 0.5, A first by order
    res = rb.flip_weight(U, [0.5, 0.5], ["x", "y"])
    assert res.delta == 0.0 and res.weight_to == 0.5
    s = rescore(U, [0.5, 0.5], res.criterion_index, 0.5 + 1e-9 * res.direction)
    assert s[1] > s[0]
    text = rb.flip_text(res, "en")
    assert "equal scores" in text and "any rise" in text


def test_flip_weight_with_explicit_pair_and_excluded():
    U = np.array([[0.9, 0.1, 0.5], [1.0, 1.0, 1.0], [0.5, 0.6, 0.4], [0.2, 0.9, 0.5]])
    w = np.array([0.5, 0.3, 0.2])
    excluded = np.array([False, True, False, False])
    res = rb.flip_weight(U, w, ["p", "q", "r"], excluded=excluded)
    assert (res.a, res.b) == (0, 2)
    res3 = rb.flip_weight(U, w, ["p", "q", "r"], a=0, b=3, excluded=excluded)
    past = rescore(U, w, res3.criterion_index, res3.weight_to + 1e-7 * res3.direction)
    assert past[3] > past[0]
    with pytest.raises(InputError, match="swap the arguments"):
        rb.flip_weight(U, w, ["p", "q", "r"], a=3, b=0, excluded=excluded)
    with pytest.raises(InputError, match="excluded site"):
        rb.flip_weight(U, w, ["p", "q", "r"], a=1, b=0, excluded=excluded)
    with pytest.raises(InputError, match="at least two"):
        rb.flip_weight(U, w, ["p", "q", "r"], excluded=[True, True, True, False])


def test_flip_weight_batch_equals_single_calls():
    U, W, excluded = batch_case(31, n_comp=25, k=4, m=5)
    keys = list("vwxyz")
    res = rb.flip_weight_batch(U, W, keys, excluded=excluded, max_relative_change=1.0)
    assert len(res) == 25
    assert not res.has_pair[1] and not res.has_pair[2] and res.has_pair[0]
    found = 0
    for c in range(25):
        got = res.company(c)
        if not res.has_pair[c]:
            assert got is None and res.a[c] == -1
            continue
        one = rb.flip_weight(U[c], W[c], keys, excluded=excluded[c], max_relative_change=1.0)
        assert got == one
        found += one is not None
    assert 0 < found < 23  # the data hold both cases


# --------------------------------------------------------------------------- text


def make_flip(w_from, w_to, criterion="rail"):
    delta = w_to - w_from
    return rb.FlipResult(criterion, w_from, w_to, delta, 0, 0, 1, 1 if delta > 0 else -1, 3.0)


def test_flip_text_en_ru_and_rounding_towards_the_change():
    titles_en = {"rail": "rail access"}
    titles_ru = {"rail": "Ж/д доступ"}
    up = make_flip(0.10, 0.1649)
    assert rb.flip_text(up, "en", titles_en) == (
        "B overtakes A if the rail access weight rises from 0.10 to above 0.17."
    )
    assert rb.flip_text(up, "ru", titles_ru, names=("Участок 1", "Участок 2")) == (
        "Участок 2 обгоняет Участок 1, если вес критерия «Ж/д доступ» вырастет с 0,10 "
        "до значения выше 0,17."
    )
    down = make_flip(0.30, 0.2251)
    assert (
        rb.flip_text(down, "en")
        == "B overtakes A if the rail weight falls from 0.30 to below 0.22."
    )
    assert "снизится с 0,30 до значения ниже 0,22" in rb.flip_text(down, "ru")
    tiny = make_flip(0.1, 0.10123)  # two decimals would hide the change
    assert rb.flip_text(tiny, "en").endswith("rises from 0.1000 to above 0.1013.")
    assert rb.flip_text(None, "en", names=("Kairat", "Bereke")) == (
        "No single weight change within the allowed range swaps Kairat and Bereke."
    )
    assert "не меняет местами A и B" in rb.flip_text(None, "ru")
    with pytest.raises(InputError, match="language 'de'.*ru, kk, en"):
        rb.flip_text(up, "de")


@pytest.mark.parametrize(
    ("w_from", "w_to", "en", "ru"),
    [
        # two decimals would give "below 0.00", a weight that cannot exist
        (
            0.20,
            0.0072,
            "falls from 0.200 to below 0.007.",
            "снизится с 0,200 до значения ниже 0,007.",
        ),
        (0.20, 0.000034, "falls from 0.2000 to below 0.000034.", "до значения ниже 0,000034."),
        # the same at the top: never "above 1.00"
        (0.30, 0.9964, "rises from 0.3000 to above 0.9964.", "до значения выше 0,9964."),
    ],
)
def test_flip_text_near_the_ends_shows_a_bound_inside_0_1(w_from, w_to, en, ru):
    res = make_flip(w_from, w_to)
    assert rb.flip_text(res, "en").endswith(en)
    assert rb.flip_text(res, "ru").endswith(ru)


def test_flip_text_for_a_fall_to_near_zero_is_true_and_not_zero():
    # b leads criteria 1 and 2 by 0.007, a leads criterion 0 by 1: by hand
    # D(x) = -x + 0.007 (1 - x) when weight 0 falls to x, so b wins below 0.007 / 1.007
    U = np.array([[1.0, 0.5, 0.5], [0.0, 0.507, 0.507]])
    w = [0.2, 0.4, 0.4]
    res = rb.flip_weight(U, w, ["zone", "rail", "road"])
    assert res.criterion == "zone" and res.direction == -1
    assert res.weight_to == pytest.approx(0.007 / 1.007, abs=1e-12)
    text = rb.flip_text(res, "en", names=("Kairat", "Kairat-2"))
    assert text.startswith("Kairat-2 overtakes Kairat if the zone weight falls from 0.2")
    shown = float(text.rsplit(" ", 1)[1].rstrip("."))
    assert 0 < shown <= res.weight_to
    assert shown >= 0.9 * res.weight_to  # within 10 % of the room left: informative
    s = rescore(U, w, 0, shown)
    assert s[1] > s[0]


def test_flip_text_kazakh():
    titles = {"rail": "Теміржол"}
    names = ("«Қайрат»", "«Бережке»")
    up = make_flip(0.10, 0.1649)
    assert rb.flip_text(up, "kk", titles, names=names) == (
        "«Теміржол» салмағы 0,10-ден 0,17-ден жоғары мәнге өссе, «Бережке» «Қайрат» алаңын "
        "басып озады."
    )
    assert rb.flip_text(make_flip(0.30, 0.2251), "kk").startswith(
        "«rail» салмағы 0,30-ден 0,22-ден төмен мәнге түссе, B A"
    )
    assert "0,200-ден 0,007-ден төмен" in rb.flip_text(make_flip(0.20, 0.0072), "kk")
    tie = rb.FlipResult("rail", 0.5, 0.5, 0.0, 0, 0, 1, 1, 0.0)
    assert rb.flip_text(tie, "kk", titles, names=names) == (
        "«Қайрат» мен «Бережке» балдары тең («Қайрат» тізімдегі реті бойынша ғана алда); "
        "«Теміржол» салмағының 0,50-ден кез келген өсуі «Бережке» алаңын алға шығарады."
    )
    assert "кез келген төмендеуі" in rb.flip_text(replace(tie, direction=-1), "kk")
    assert rb.flip_text(None, "kk", names=names) == (
        "Рұқсат етілген шекте бір салмақты өзгерту «Қайрат» мен «Бережке» орындарын ауыстырмайды."
    )


def test_flip_text_threshold_is_on_the_winning_side():
    res = rb.flip_weight(HAND_U, HAND_W, HAND_KEYS)
    text = rb.flip_text(res, "en")
    assert text == "B overtakes A if the rail weight rises from 0.30 to above 0.50."
    shown = float(text.rsplit(" ", 1)[1].rstrip("."))
    s = rescore(HAND_U, HAND_W, 1, shown + 1e-9)
    assert s[1] > s[0]


# --------------------------------------------------------------------------- inputs


def test_from_scored_table():
    df = pd.DataFrame(
        {
            "site_id": ["a", "b", "c"],
            "u_rail": [0.2, 0.9, 0.5],
            "u_bakad": [0.8, 0.3, np.nan],
            "excluded": [False, False, True],
        }
    )
    U, keys, w, excl = rb.from_scored(df, {"bakad": 0.6, "rail": 0.2})
    assert keys == ["bakad", "rail"]
    np.testing.assert_array_equal(U[:2], [[0.8, 0.2], [0.3, 0.9]])
    np.testing.assert_array_equal(w, [0.6, 0.2])
    np.testing.assert_array_equal(excl, [False, False, True])
    res = rb.monte_carlo(U, w, draws=50, excluded=excl)
    assert res.base_rank[0] == 1 and np.isnan(res.base_rank[2])
    with pytest.raises(InputError, match="u_airport"):
        rb.from_scored(df, {"airport": 1.0})


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"U": [[0.5, np.nan]]}, r"site \(row\) 0, criterion \(column\) 1 is nan"),
        ({"U": [[0.5, 40.0]]}, "not scores 0-100"),
        ({"U": [0.5, 0.2]}, "shape"),
        ({"U": [["x", "y"]]}, "not a numeric array"),
        ({"weights": [0.5, -0.1]}, r"`weights`\[1\] = -0.1"),
        ({"weights": [0.0, 0.0]}, "all 0"),
        ({"weights": [1.0]}, r"expected \(2,\)"),
        ({"spread": 1.0}, "0 <= spread < 1"),
        ({"spread": "wide"}, "not a number"),
        ({"draws": 0}, "integer from 1"),
        ({"draws": 2.5}, "integer from 1"),
        ({"excluded": [True]}, "excluded"),
    ],
)
def test_bad_inputs_raise_input_error(kwargs, match):
    args = {"U": [[0.5, 0.2], [0.1, 0.9]], "weights": [0.5, 0.5]} | kwargs
    with pytest.raises(InputError, match=match):
        rb.monte_carlo(**args)


def test_gather_top_from_a_top_k_index():
    rng = np.random.default_rng(4)
    U = rng.random((30, 3))
    top_idx = np.array([[4, 7, 1], [29, -1, -1]])
    U_top, excluded = rb.gather_top(U, top_idx)
    np.testing.assert_array_equal(U_top[0], U[[4, 7, 1]])
    np.testing.assert_array_equal(U_top[1, 0], U[29])
    np.testing.assert_array_equal(excluded, [[False, False, False], [False, True, True]])
    res = rb.monte_carlo_batch(U_top, np.ones((2, 3)), draws=20, excluded=excluded)
    assert res.p_first[1, 0] == 1.0 and np.isnan(res.rank_mean[1, 1:]).all()
    with pytest.raises(InputError, match="row 1, slot 2 = 30"):
        rb.gather_top(U, [[0, 1, 2], [3, 4, 30]])


def test_batch_with_no_companies():
    res = rb.monte_carlo_batch(np.zeros((0, 3, 2)), np.zeros((0, 2)), draws=10)
    assert res.p_first.shape == (0, 3) and len(res.to_frame()) == 0
    flips = rb.flip_weight_batch(np.zeros((0, 3, 2)), np.zeros((0, 2)), ["x", "y"])
    assert len(flips) == 0


def test_bad_batch_and_flip_inputs():
    U = np.random.default_rng(0).random((3, 4, 2))
    with pytest.raises(InputError, match="one weight row per company"):
        rb.monte_carlo_batch(U, np.ones((2, 2)))
    with pytest.raises(InputError, match=r"`W` row 1"):
        rb.monte_carlo_batch(U, [[1, 1], [-1, 1], [1, 1]])
    with pytest.raises(InputError, match="chunk_companies"):
        rb.monte_carlo_batch(U, np.ones((3, 2)), chunk_companies=0)
    with pytest.raises(InputError, match="at most"):
        rb.monte_carlo(np.zeros((rb.MAX_SITES + 1, 1)), [1.0], draws=1)
    with pytest.raises(InputError, match="one criterion key per column"):
        rb.flip_weight(HAND_U, HAND_W, ["zone"])
    with pytest.raises(InputError, match="max_relative_change"):
        rb.flip_weight(HAND_U, HAND_W, HAND_KEYS, max_relative_change=-1)
    with pytest.raises(InputError, match="both `a` and `b`"):
        rb.flip_weight(HAND_U, HAND_W, HAND_KEYS, a=0)
