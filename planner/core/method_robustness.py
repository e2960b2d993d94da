"""Weight robustness of a ranking by TOPSIS or PROMETHEE II.

The Monte Carlo of :mod:`planner.core.robustness` (each weight times a factor uniform in
``1 +- spread``, renormalised, seeded by :func:`~planner.core.robustness.draw_factors`;
ranks by the rule of :func:`planner.core.ranking.rank_scores`, ties to the lower index)
ranks by the weighted sum. For the other aggregation methods of
:mod:`planner.core.aggregation`:

``promethee2``
    The net flow is linear in the weights: ``phi = sum_j w_j phi_j`` with per-criterion
    flows ``phi_j`` (:func:`~planner.core.aggregation.promethee_flows`) that do not depend
    on the weights. The flows are computed once over the sites ranked together (all of a
    company's feasible sites, not only its top K), mapped to 0-1 as
    ``(phi_j + 1) / 2`` (which keeps every ranking: the weights sum to 1), and the
    weighted-sum Monte Carlo and flip on them are **exactly** PROMETHEE II's rankings for
    the drawn weights.
``topsis``
    The ideal and anti-ideal utilities (``max`` / ``min`` over the sites ranked together,
    or 1 / 0 with ``ideal = "utility"``) do not depend on the weights either, so each
    site's squared gaps ``(A+_j - u_j)^2`` and ``(u_j - A-_j)^2`` are computed once and every
    draw only re-weights them: ``D+ = sqrt(sum_j w_j^2 gap+_j)``, closeness
    ``D- / (D+ + D-)``. A compiled kernel (:func:`topsis_rank_counts`) runs the draws for
    all companies in parallel with the same factors and rank counting as the weighted sum.
    The closeness is not linear in the weights, so no flip sentence is given for TOPSIS.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from numba import njit, prange

from planner.config.weighting import Aggregation
from planner.core.aggregation import feasible_mask, promethee_flows
from planner.core.ranking import NeedArrays, SiteArrays
from planner.core.robustness import (
    MonteCarloBatchResult,
    MonteCarloResult,
    _monte_carlo_core,
    monte_carlo,
    monte_carlo_batch,
)
from planner.core.weighted_ranks import (
    check_utilities,
    check_weight_rows,
    check_weights,
    count_ranks,
    draw_weights,
)
from planner.errors import InputError
from planner.i18n import tr

__all__ = [
    "METHODS",
    "MethodTerms",
    "method_terms",
    "method_monte_carlo",
    "method_monte_carlo_batch",
    "top_method_terms",
    "topsis_rank_counts",
]

#: the aggregation methods, in the order the reports list them
METHODS = ("wlc", "topsis", "promethee2")


class MethodTerms:
    """What a method's Monte Carlo needs of the ranked sites (arrays ``(..., k, n_crit)``).

    ``wlc``: ``a`` the utilities; ``promethee2``: ``a`` the flows mapped to 0-1;
    ``topsis``: ``a`` the squared gaps to the ideal, ``b`` those to the anti-ideal.
    """

    __slots__ = ("method", "a", "b")

    def __init__(self, method: str, a: np.ndarray, b: np.ndarray | None = None):
        self.method, self.a, self.b = method, a, b

    @property
    def linear(self) -> bool:
        """True when the score is a weighted sum of ``a`` (flip sentences apply)."""
        return self.method != "topsis"


def _agg(agg: Aggregation | str) -> Aggregation:
    return agg if isinstance(agg, Aggregation) else Aggregation(method=agg)


def _terms_of(sub: np.ndarray, agg: Aggregation) -> tuple[np.ndarray, np.ndarray | None]:
    """Terms of sites ranked together (``sub``: their utilities, no NaN)."""
    if agg.method == "wlc":
        return sub, None
    if agg.method == "promethee2":
        return np.clip((promethee_flows(sub, agg) + 1.0) * 0.5, 0.0, 1.0), None
    if agg.ideal == "utility" or not len(sub):
        hi, lo = np.ones(sub.shape[1]), np.zeros(sub.shape[1])
    else:
        hi, lo = sub.max(axis=0), sub.min(axis=0)
    return (hi - sub) ** 2, (sub - lo) ** 2


def method_terms(U, agg: Aggregation | str, ranked=None) -> MethodTerms:
    """Terms of every row of ``U`` (sites x criteria) for sites ``ranked`` together.

    Rows outside ``ranked`` take no part (they get zeros); ``ranked`` defaults to every
    row. ``agg`` is an :class:`~planner.config.weighting.Aggregation` or a method name
    (then with its default parameters).
    """
    agg = _agg(agg)
    U = np.asarray(U, dtype="f8")
    keep = np.ones(len(U), dtype=bool) if ranked is None else np.asarray(ranked, dtype=bool)
    sub = U[keep]
    if np.isnan(sub).any():
        raise InputError(tr("err.robustness.method_nan"))
    a_sub, b_sub = _terms_of(sub, agg)
    a = np.zeros(U.shape)
    a[keep] = a_sub
    b = None
    if b_sub is not None:
        b = np.zeros(U.shape)
        b[keep] = b_sub
    return MethodTerms(agg.method, a, b)


@njit(parallel=True, cache=True)
def topsis_rank_counts(GH, GL, W, F, excl, counts):  # pragma: no cover - compiled
    """:func:`planner.core.weighted_ranks.rank_counts` with the TOPSIS closeness as score.

    GH, GL (C, K, M) squared gaps to the ideal and anti-ideal, W (C, M) base weights,
    F (D, M) factors, excl (C, K). Each draw's weights are ``F[d] * W[c]`` renormalised.
    """
    n_comp, k, m = GH.shape
    draws = F.shape[0]
    for c in prange(n_comp):
        w2 = np.empty(m)
        s = np.empty(k)
        for d in range(draws):
            draw_weights(F[d], W[c], w2)
            for j in range(m):
                w2[j] = w2[j] ** 2
            for i in range(k):
                if excl[c, i]:
                    s[i] = -np.inf
                    continue
                dp = 0.0
                dm = 0.0
                for j in range(m):
                    dp += w2[j] * GH[c, i, j]
                    dm += w2[j] * GL[c, i, j]
                dp = np.sqrt(dp)
                dm = np.sqrt(dm)
                t = dp + dm
                s[i] = min(1.0, max(0.0, dm / t)) if t > 0 else 1.0
            count_ranks(s, excl[c], counts[c])


def _topsis_core(A3, B3, W2, excl2, draws, spread, seed, keep_share, chunk=None):
    def count(sl, F, out):
        topsis_rank_counts(A3[sl], B3[sl], W2[sl], F, excl2[sl], out)

    return _monte_carlo_core(A3, W2, excl2, draws, spread, seed, keep_share,
                             chunk_companies=chunk, count=count)  # fmt: skip


def method_monte_carlo(
    U, weights, agg: Aggregation | str, draws: int = 2000, spread: float = 0.25,
    seed: int | None = 0, excluded=None,
) -> MonteCarloResult:  # fmt: skip
    """:func:`planner.core.robustness.monte_carlo` for the ranking by ``agg.method``.

    The sites not ``excluded`` are ranked together (ideal points and flows are theirs).
    Same draws, spread, seed and result fields as the weighted-sum Monte Carlo.
    """
    agg = _agg(agg)
    U3, excl2 = check_utilities(U, excluded, "method_monte_carlo", batch=False)
    t = method_terms(U3[0], agg, ~excl2[0])
    if t.method != "topsis":
        return monte_carlo(t.a, weights, draws=draws, spread=spread, seed=seed,
                           excluded=excl2[0])  # fmt: skip
    w = check_weights(weights, U3.shape[2], "method_monte_carlo")[None, :]
    res, share = _topsis_core(t.a[None], t.b[None], w, excl2, draws, spread, seed, True)
    return replace(res.company(0), rank_share=share)


def method_monte_carlo_batch(
    terms: MethodTerms, W, draws: int = 2000, spread: float = 0.25, seed: int | None = 0,
    excluded=None, chunk_companies: int | None = None,
) -> MonteCarloBatchResult:  # fmt: skip
    """:func:`planner.core.robustness.monte_carlo_batch` on terms ``(C, K, M)`` from
    :func:`top_method_terms` (each company's top K, terms over its feasible sites)."""
    if terms.method != "topsis":
        return monte_carlo_batch(terms.a, W, draws=draws, spread=spread, seed=seed,
                                 excluded=excluded, chunk_companies=chunk_companies)  # fmt: skip
    A3, excl2 = check_utilities(terms.a, excluded, "method_monte_carlo_batch", batch=True)
    B3, _ = check_utilities(terms.b, excluded, "method_monte_carlo_batch", batch=True)
    W2 = check_weight_rows(W, A3.shape, "method_monte_carlo_batch")
    res, _ = _topsis_core(A3, B3, W2, excl2, draws, spread, seed, False, chunk_companies)
    return res


def top_method_terms(
    U, top_idx, sites: SiteArrays, needs: NeedArrays, agg: Aggregation
) -> tuple[MethodTerms, np.ndarray]:
    """Terms of each company's top-K sites, computed over all its feasible sites.

    ``U`` (n_sites, n_crit) utilities, ``top_idx`` (n_companies, k) site rows best first
    (-1 = padding, as in :class:`~planner.core.ranking.RankResult`). Companies with the
    same feasible sites share one computation. Returns the terms ``(n_companies, k,
    n_crit)`` and the padding mask ``(n_companies, k)``.
    """
    U = np.asarray(U, dtype="f8")
    idx = np.asarray(top_idx, dtype=np.int64)
    n_comp, k = idx.shape
    pad = idx < 0
    a = np.zeros((n_comp, k, U.shape[1]))
    b = np.zeros_like(a) if agg.method == "topsis" else None
    groups: dict[bytes, list[int]] = {}
    masks: dict[bytes, np.ndarray] = {}
    for c in range(n_comp):
        if pad[c].all():
            continue
        f = feasible_mask(sites, needs, c)
        key = np.packbits(f).tobytes()
        groups.setdefault(key, []).append(c)
        masks.setdefault(key, f)
    for key, comps in groups.items():
        feas = np.flatnonzero(masks[key])
        pos = np.full(len(U), -1, dtype=np.int64)
        pos[feas] = np.arange(len(feas))
        ga, gb = _terms_of(U[feas], agg)
        for c in comps:  # one gather per company (rows of a (n_companies, k) table)
            live = ~pad[c]
            rows = pos[idx[c, live]]
            if (rows < 0).any():
                raise InputError(
                    f"internal error: company row {c} has a top site that fails its needs; "
                    "please report this bug"
                )
            a[c, live] = ga[rows]
            if b is not None:
                b[c, live] = gb[rows]
    return MethodTerms(agg.method, a, b), pad
