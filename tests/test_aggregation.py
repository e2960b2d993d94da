"""TOPSIS and PROMETHEE II: hand-checked rankings, the exact fast flow, per-company ranking."""

from __future__ import annotations

import numpy as np
import pytest

from planner.config.weighting import Aggregation
from planner.core import aggregation as ag
from planner.core.ranking import NeedArrays, SiteArrays, rank_companies

U = np.array([[0.8, 0.2], [0.5, 0.5], [0.2, 0.6]])  # sites A, B, C


def test_topsis_by_hand():
    """w = (0.5, 0.5). Weighted utilities v: A (0.4, 0.1), B (0.25, 0.25), C (0.1, 0.3).
    Ideal (max) (0.4, 0.3), anti-ideal (min) (0.1, 0.1).

    A: D+ = sqrt(0 + 0.2^2) = 0.2, D- = sqrt(0.3^2 + 0) = 0.3 -> 0.3 / 0.5 = 0.6
    B: D+ = sqrt(0.15^2 + 0.05^2) = sqrt(0.025), D- = sqrt(0.15^2 + 0.15^2) = sqrt(0.045)
       -> sqrt(0.045) / (sqrt(0.025) + sqrt(0.045)) = 0.2121 / 0.3702 = 0.5729
    C: D+ = sqrt(0.3^2 + 0) = 0.3, D- = sqrt(0 + 0.2^2) = 0.2 -> 0.4
    The weighted sum ties A and B (0.5 each); TOPSIS puts A ahead of B.
    """
    s = ag.topsis_scores(U, [0.5, 0.5])
    np.testing.assert_allclose(s, [60.0, 100 * 0.045**0.5 / (0.025**0.5 + 0.045**0.5), 40.0])
    assert round(s[1], 2) == 57.29
    # ideal = "utility": ideal (0.5, 0.5), anti (0, 0)
    # A: D+ = sqrt(0.1^2 + 0.4^2) = 0.4123, D- = sqrt(0.4^2 + 0.1^2) = 0.4123 -> 0.5
    assert ag.topsis_scores(U, [0.5, 0.5], ideal="utility")[0] == pytest.approx(50.0)


def test_promethee2_by_hand():
    """Linear preference, q = 0.1, p = 0.4 (P = (d - 0.1) / 0.3 between), w = (0.6, 0.4).

    Criterion 1 (A .8, B .5, C .2): P(A,B) = (0.3-0.1)/0.3 = 2/3, P(A,C) = 1, P(B,C) = 2/3.
      phi1: A (2/3 + 1)/2 = 5/6, B (2/3 - 2/3)/2 = 0, C (-1 - 2/3)/2 = -5/6.
    Criterion 2 (A .2, B .5, C .6): P(B,A) = 2/3, P(C,A) = 1, P(C,B) = 0 (0.1 <= q).
      phi2: A (-2/3 - 1)/2 = -5/6, B (2/3 - 0)/2 = 1/3, C (1 + 0)/2 = 1/2.
    phi = 0.6 phi1 + 0.4 phi2: A 1/2 - 1/3 = 1/6, B 2/15, C -1/2 + 1/5 = -3/10.
    Score 50 (1 + phi): A 58.33, B 56.67, C 35.
    """
    agg = Aggregation(method="promethee2", preference="linear", q=0.1, p=0.4)
    flows = ag.promethee_flows(U, agg)
    np.testing.assert_allclose(flows, [[5 / 6, -5 / 6], [0, 1 / 3], [-5 / 6, 1 / 2]], atol=1e-12)
    s = ag.method_scores(U, [0.6, 0.4], agg)
    np.testing.assert_allclose(s, [50 * (1 + 1 / 6), 50 * (1 + 2 / 15), 35.0])


def _brute(U, w, fn, q, p):
    n = len(U)
    phi = np.zeros(n)
    for j in range(U.shape[1]):
        d = U[:, j][:, None] - U[:, j][None, :]
        P = ag._pref(d, fn, q, p)
        phi += w[j] * (P.sum(axis=1) - P.sum(axis=0))
    return phi / (n - 1)


@pytest.mark.parametrize(
    ("fn", "q", "p"),
    [("usual", None, None), ("u-shape", 0.1, None), ("v-shape", None, 0.3),
     ("level", 0.05, 0.3), ("linear", 0.02, 0.2)],
)  # fmt: skip
@pytest.mark.parametrize("seed", [0, 1])
def test_exact_flow_equals_the_pairwise_definition(fn, q, p, seed):
    rng = np.random.default_rng(seed)
    n = 2600  # above the distinct-value table limit: the sorted path runs
    U = rng.random((n, 3))
    U[:, 2] = np.round(U[:, 2], 1)  # few distinct values: the table path, ties on thresholds
    w = rng.random(3)
    w /= w.sum()
    kw = {k: v for k, v in (("q", q), ("p", p)) if v is not None}
    agg = Aggregation(method="promethee2", preference=fn, **kw)
    got = ag.promethee_flows(U, agg) @ w
    np.testing.assert_allclose(got, _brute(U, w, fn, agg.q or 0.0, agg.p or 0.0), atol=1e-12)


def test_method_scores_ignore_infeasible_sites():
    agg = Aggregation(method="topsis")
    extra = np.vstack([U, [[1.0, 1.0]]])
    s = ag.method_scores(extra, [0.5, 0.5], agg, feasible=[True, True, True, False])
    assert np.isnan(s[3])
    np.testing.assert_allclose(s[:3], ag.topsis_scores(U, [0.5, 0.5]))


@pytest.mark.parametrize("method", ["topsis", "promethee2"])
def test_per_company_ranking_matches_each_company_alone(method):
    rng = np.random.default_rng(3)
    n, m, c = 400, 4, 12
    Us = rng.random((n, m))
    sites = SiteArrays(
        capacity_ha=np.where(rng.random(n) < 0.3, np.nan, rng.uniform(1, 50, n)),
        dist_rail_km=rng.uniform(0, 20, n), dist_housing_km=rng.uniform(0, 3, n),
        dist_almaty_km=rng.uniform(5, 90, n), in_almaty=rng.random(n) < 0.2,
        excluded=rng.random(n) < 0.1,
    )  # fmt: skip
    needs = NeedArrays(
        land_ha=rng.choice([0.0, 10.0, 30.0], c), rail_max_km=rng.choice([np.inf, 5.0], c),
        min_housing_km=rng.choice([0.0, 1.0], c), max_dist_almaty_km=rng.choice([np.inf, 60.0], c),
        allow_in_almaty=rng.random(c) < 0.5,
    )  # fmt: skip
    W = rng.random((c, m))
    base = rank_companies(Us, W, sites, needs, k=5)
    agg = Aggregation(method=method)
    rr = ag.rank_companies_by_method(Us, W, sites, needs, 5, agg, base)
    for i in range(c):
        f = ag.feasible_mask(sites, needs, i)
        assert f.sum() == base.n_feasible[i]
        s = ag.method_scores(Us, W[i], agg, feasible=f)
        order = np.lexsort((np.arange(n), -np.nan_to_num(s, nan=-1.0)))[: min(5, f.sum())]
        assert rr.top_idx[i, : len(order)].tolist() == order.tolist()
        np.testing.assert_allclose(rr.top_score[i, : len(order)], s[order], rtol=1e-12)
