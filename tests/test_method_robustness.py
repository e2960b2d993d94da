"""planner.core.method_robustness: weight robustness of TOPSIS and PROMETHEE II rankings."""

from __future__ import annotations

import numpy as np
import pytest

from planner.config.weighting import Aggregation
from planner.core import aggregation as ag
from planner.core.method_robustness import (
    method_monte_carlo,
    method_monte_carlo_batch,
    method_terms,
    top_method_terms,
)
from planner.core.ranking import NeedArrays, SiteArrays, rank_companies, rank_scores
from planner.core.robustness import draw_factors, monte_carlo

# Sites 0 and 1 are mirror images; site 2 is balanced but below both on the weighted sum.
U_HAND = np.array([[1.0, 0.0], [0.0, 1.0], [0.45, 0.45]])


def _draw_weights(draws, m, spread, seed, w=None):
    F = draw_factors(draws, m, spread, seed)
    W = F * (np.ones(m) if w is None else np.asarray(w))
    return W / W.sum(axis=1, keepdims=True)


def test_promethee_by_hand_balanced_site_is_always_second():
    # usual criterion: per-criterion flows are (1, -1, 0) and (-1, 1, 0), so the net flows
    # are w1 - w2, w2 - w1 and 0: site 2 is second in every draw (first only on a tie),
    # site 0 first whenever its factor is the larger one
    agg = Aggregation(method="promethee2", preference="usual")
    t = method_terms(U_HAND, agg)
    np.testing.assert_allclose(t.a, [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    res = method_monte_carlo(U_HAND, [0.5, 0.5], agg, draws=1000, spread=0.25, seed=7)
    F = draw_factors(1000, 2, 0.25, 7)
    assert res.p_first[0] == pytest.approx(np.mean(F[:, 0] > F[:, 1]))
    assert res.p_first[1] == pytest.approx(np.mean(F[:, 1] > F[:, 0]))
    assert res.p_first[2] == 0.0
    assert res.rank_p5[2] == res.rank_p95[2] == 2
    # equal weights: three net flows of 0, ranked by the tie rule (input order)
    assert res.base_rank.tolist() == [1.0, 2.0, 3.0]
    # the weighted sum ranks the balanced site last unless a weight falls below 0.45
    wlc = monte_carlo(U_HAND, [0.5, 0.5], draws=1000, spread=0.25, seed=7)
    Wd = _draw_weights(1000, 2, 0.25, 7)
    assert wlc.rank_share[2, 2] == pytest.approx(np.mean(Wd.min(axis=1) >= 0.45))


def test_topsis_by_hand():
    # ideal (1, 1), anti-ideal (0, 0): closeness of site 0 is w1, of site 1 w2, of site 2
    # 0.45 whatever the weights; site 2 is second when the smaller weight is below 0.45
    agg = Aggregation(method="topsis")
    res = method_monte_carlo(U_HAND, [0.5, 0.5], agg, draws=800, spread=0.3, seed=3)
    Wd = _draw_weights(800, 2, 0.3, 3)
    assert res.p_first[0] == pytest.approx(np.mean(Wd[:, 0] > Wd[:, 1]))
    rank2 = 1 + (Wd[:, 0] > 0.45).astype(int) + (Wd[:, 1] > 0.45).astype(int)
    assert res.rank_mean[2] == pytest.approx(rank2.mean())
    assert res.base_rank.tolist() == [1.0, 2.0, 3.0]  # tie of sites 0 and 1: lower index


@pytest.mark.parametrize("method", ["topsis", "promethee2"])
def test_each_draw_is_the_method_ranking(method):
    rng = np.random.default_rng(11)
    U = rng.random((9, 4))
    excl = np.zeros(9, dtype=bool)
    excl[[2, 6]] = True
    w = np.array([0.4, 0.3, 0.2, 0.1])
    agg = Aggregation(method=method)
    res = method_monte_carlo(U, w, agg, draws=300, spread=0.4, seed=5, excluded=excl)
    counts = np.zeros((9, 9))
    for wd in _draw_weights(300, 4, 0.4, 5, w):  # the definition, one draw at a time
        s = ag.method_scores(U, wd, agg, feasible=~excl)
        r = rank_scores(np.nan_to_num(s), excl).to_numpy(dtype="f8", na_value=np.nan)
        counts[np.flatnonzero(~excl), r[~excl].astype(int) - 1] += 1
    np.testing.assert_allclose(res.rank_share, counts / 300)
    base = rank_scores(np.nan_to_num(ag.method_scores(U, w, agg, feasible=~excl)), excl)
    np.testing.assert_array_equal(res.base_rank, base.to_numpy(dtype="f8", na_value=np.nan))


@pytest.mark.parametrize("method", ["topsis", "promethee2"])
def test_batch_equals_each_company_over_its_feasible_sites(method):
    rng = np.random.default_rng(4)
    n, m, c, k = 200, 3, 6, 5
    U = rng.random((n, m))
    sites = SiteArrays(
        capacity_ha=rng.uniform(1, 50, n), dist_rail_km=rng.uniform(0, 20, n),
        dist_housing_km=rng.uniform(0, 3, n), dist_almaty_km=rng.uniform(5, 90, n),
        in_almaty=rng.random(n) < 0.2, excluded=rng.random(n) < 0.1,
    )  # fmt: skip
    needs = NeedArrays(
        land_ha=rng.choice([0.0, 30.0], c), rail_max_km=rng.choice([np.inf, 8.0], c),
        min_housing_km=np.zeros(c), max_dist_almaty_km=np.full(c, np.inf),
        allow_in_almaty=np.ones(c, dtype=bool),
    )  # fmt: skip
    W = rng.random((c, m))
    agg = Aggregation(method=method)
    rr = ag.rank_companies_by_method(U, W, sites, needs, k, agg,
                                     rank_companies(U, W, sites, needs, k=k))  # fmt: skip
    terms, pad = top_method_terms(U, rr.top_idx, sites, needs, agg)
    res = method_monte_carlo_batch(terms, W, draws=200, seed=1, excluded=pad)
    for i in range(c):
        f = ag.feasible_mask(sites, needs, i)
        one = method_terms(U, agg, f)  # terms over all its feasible sites
        np.testing.assert_allclose(terms.a[i], one.a[rr.top_idx[i]])
        # the top K keep their order with the base weights
        assert res.base_rank[i].tolist() == list(range(1, k + 1))
        assert res.p_first[i].sum() == pytest.approx(1.0)


@pytest.mark.parametrize("method", ["topsis", "promethee2"])
def test_score_robustness_runs_under_the_method(method, layers, tmp_path):
    from importlib import resources

    from planner.config.scenarios import DEFAULT_SCENARIO
    from planner.inputs.companies import example_path
    from planner.jobs.batch import run_batch

    src = resources.files("planner.config") / "data" / "scenarios" / f"{DEFAULT_SCENARIO}.toml"
    path = tmp_path / f"{method}.toml"
    path.write_text(f'method = "{method}"\n' + src.read_text(encoding="utf-8"), encoding="utf-8")
    res = run_batch(example_path(), layers=layers, as_of="2026-01-01", scenario=path,
                    robustness=True, draws=300).results  # fmt: skip
    top = res[res["rank"] <= 10]
    assert np.allclose(top.groupby("company_id")["p_first"].sum(), 1.0)
    assert (top["rank_p5"] <= top["rank_p95"]).all()
    # flip sentences only where the score is linear in the weights
    two = top[top["rank"] <= 2]
    assert ((two["flip_en"] != "").any()) == (method == "promethee2")
