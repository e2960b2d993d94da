"""How robust is a ranking of sites to the choice of weights?

Two questions akimat staff must answer when they defend a choice among a handful of
candidate sites:

* *Would the winner still win with slightly different weights?* --
  :func:`monte_carlo` perturbs every weight at random many times and reports, for each
  site, the share of draws in which it ranks first and the spread of its rank.
  :func:`monte_carlo_batch` does the same for many companies at once (each with its own
  top-K sites and weights), vectorized over companies and bounded in memory.
* *How far is the runner-up from the winner?* -- :func:`flip_weight` finds the smallest
  change of one weight that lets site B (rank 2) overtake site A (rank 1), and
  :func:`flip_text` says it in English, Russian or Kazakh.

Everything works on arrays, independent of how the utilities were computed: a utility
matrix ``U`` (sites x criteria, values 0-1), and a weight vector ``w`` (non-negative,
normalized here to sum to 1). The score of site ``i`` is ``100 * sum_j w_j U_ij``; sites
rank by descending score, **ties go to the lower index** (the order of the input), and
excluded sites get no rank. :func:`from_scored` builds the arrays from a scored sites
table (``u_<criterion>`` columns and ``excluded``).

Scores inside the Monte Carlo kernel are summed criterion by criterion in a fixed order,
so two sites with identical utilities always get bit-identical scores and the tie rule,
not rounding noise, decides between them.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd
from numba import njit, prange

from planner import i18n
from planner.errors import InputError

__all__ = [
    "FlipBatchResult",
    "FlipResult",
    "MonteCarloBatchResult",
    "MonteCarloResult",
    "RankingInputs",
    "draw_factors",
    "flip_text",
    "flip_weight",
    "flip_weight_batch",
    "from_scored",
    "gather_top",
    "monte_carlo",
    "monte_carlo_batch",
    "rank_scores",
    "weighted_scores",
]

log = logging.getLogger(__name__)

#: largest number of sites ranked together in one Monte Carlo call (the rank histogram
#: per site is sites x sites; for more sites rank the top ones)
MAX_SITES = 2000
#: largest number of draws (the factor matrix is draws x criteria float64)
MAX_DRAWS = 1_000_000
#: percentiles of the rank reported by the Monte Carlo (integer percent)
RANK_PERCENTILES = (5, 95)
#: utilities may stray this far outside 0-1 (float noise) before they are refused
_UTILITY_TOL = 1e-9
#: score differences (0-1 scale) this small are ties: a score sums m products of numbers
#: in 0-1 with weights summing to 1, so its rounding error is about m * 1.1e-16, far below
#: this, and a real difference of 1e-10 points changes no decision. A flip must leave the
#: challenger ahead by more than this at the end of the allowed range.
_GAP_TOL = 1e-12
#: decimals a weight in a flip sentence may get (|slope| <= 2, so a flip leaves at least
#: _GAP_TOL / 2 of room between the threshold and 0 or 1: 14 decimals always suffice)
_MAX_DIGITS = 15
#: rank by pairwise comparison up to this many sites, by a stable sort above it
_PAIRWISE_MAX = 48
#: companies per kernel call in the batch Monte Carlo: bounds the rank histogram chunk
_HIST_CELLS_PER_CHUNK = 4_000_000


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class MonteCarloResult:
    """Monte Carlo weight perturbation of one ranking (arrays aligned with the sites).

    Attributes
    ----------
    p_first : ndarray (n,)
        Share of draws in which the site ranks first (0 for excluded sites). Sums to 1
        over the sites unless every site is excluded.
    rank_p5, rank_p95 : ndarray (n,)
        5th and 95th percentile of the site's rank over the draws (inverted-CDF
        definition, so always a rank that occurred; NaN for excluded sites).
    rank_mean : ndarray (n,)
        Mean rank over the draws (NaN for excluded sites).
    base_rank : ndarray (n,)
        Rank with the unperturbed weights (1 = best; NaN for excluded sites).
    rank_share : ndarray (n, n) or None
        ``rank_share[i, r]``: share of draws in which site ``i`` has rank ``r + 1``
        (rows of excluded sites are 0). None in results taken from a batch.
    draws, spread, seed
        The parameters that produced the result (same inputs and parameters give an
        identical result).
    """

    p_first: np.ndarray
    rank_p5: np.ndarray
    rank_p95: np.ndarray
    rank_mean: np.ndarray
    base_rank: np.ndarray
    rank_share: np.ndarray | None
    draws: int
    spread: float
    seed: int | None

    def to_frame(self, index: pd.Index | Sequence | None = None) -> pd.DataFrame:
        """The per-site figures as a table on ``index`` (e.g. the sites' index).

        Ranks are nullable ``Int64`` (``<NA>`` for excluded sites), as in the scored
        sites table.
        """
        n = len(self.p_first)
        if index is not None and len(index) != n:
            raise InputError(
                f"MonteCarloResult.to_frame: `index` has {len(index)} labels but the result "
                f"has {n} sites; pass the index of the sites that were scored, in order."
            )
        return pd.DataFrame(
            {
                "base_rank": _to_int64(self.base_rank),
                "p_first": self.p_first,
                "rank_p5": _to_int64(self.rank_p5),
                "rank_p95": _to_int64(self.rank_p95),
                "rank_mean": self.rank_mean,
            },
            index=index,
        )


@dataclass(frozen=True, eq=False)
class MonteCarloBatchResult:
    """Monte Carlo for many companies: every array is (n_companies, k).

    ``company(c)`` gives company ``c`` as a :class:`MonteCarloResult`. Every company sees
    the same random factors (common random numbers), so ``company(c)`` equals
    ``monte_carlo(U_top[c], W[c], ...)`` with the same ``draws``, ``spread``, ``seed``
    apart from ``rank_share``.
    """

    p_first: np.ndarray
    rank_p5: np.ndarray
    rank_p95: np.ndarray
    rank_mean: np.ndarray
    base_rank: np.ndarray
    draws: int
    spread: float
    seed: int | None

    def __len__(self) -> int:
        return self.p_first.shape[0]

    def company(self, c: int) -> MonteCarloResult:
        """Company ``c`` (0-based) as a single result (``rank_share`` is None)."""
        return MonteCarloResult(
            p_first=self.p_first[c],
            rank_p5=self.rank_p5[c],
            rank_p95=self.rank_p95[c],
            rank_mean=self.rank_mean[c],
            base_rank=self.base_rank[c],
            rank_share=None,
            draws=self.draws,
            spread=self.spread,
            seed=self.seed,
        )

    def to_frame(self) -> pd.DataFrame:
        """Long table: one row per (company, slot), ranks ``Int64`` (<NA> if excluded)."""
        n_comp, k = self.p_first.shape
        index = pd.MultiIndex.from_product([range(n_comp), range(k)], names=["company", "slot"])
        return pd.DataFrame(
            {
                "base_rank": _to_int64(self.base_rank.ravel()),
                "p_first": self.p_first.ravel(),
                "rank_p5": _to_int64(self.rank_p5.ravel()),
                "rank_p95": _to_int64(self.rank_p95.ravel()),
                "rank_mean": self.rank_mean.ravel(),
            },
            index=index,
        )


@dataclass(frozen=True)
class FlipResult:
    """The smallest single-weight change that lets site ``b`` overtake site ``a``.

    Convention: weight ``criterion`` moves from ``weight_from`` to ``weight_to`` and every
    other weight is rescaled proportionally, ``w_k * (1 - weight_to) / (1 - weight_from)``,
    so the weights still sum to 1. ``weight_to`` is the exact threshold at which the two
    scores are equal; for any weight strictly beyond it (in the direction of ``delta``,
    within the allowed range) ``b`` scores strictly higher than ``a``. Only ``a`` and ``b``
    are compared: at that weight a third site may overtake either of them.

    Attributes
    ----------
    criterion : str
        Criterion key (from the ``criteria`` list).
    weight_from, weight_to : float
        The normalized weight now and at the threshold.
    delta : float
        ``weight_to - weight_from`` (positive: the weight rises). 0 when ``a`` and ``b``
        score exactly the same and ``a`` leads only by list order; then any change in
        the direction ``direction`` swaps them.
    criterion_index : int
        Column of ``criterion`` in ``U``.
    a, b : int
        Row indices of the leader and the challenger.
    direction : int
        +1 when the weight must rise, -1 when it must fall.
    score_gap : float
        ``score_a - score_b`` with the unperturbed weights, in score points (0-100).
    """

    criterion: str
    weight_from: float
    weight_to: float
    delta: float
    criterion_index: int
    a: int
    b: int
    direction: int
    score_gap: float


@dataclass(frozen=True, eq=False)
class FlipBatchResult:
    """:func:`flip_weight_batch` for many companies: arrays of shape (n_companies,).

    ``direction`` is +1 (the weight rises) or -1 (falls), 0 without a flip;
    ``criterion_index`` is -1 (and the floats NaN) where no single weight change within
    the allowed range swaps rank 1 and rank 2, or where a company has fewer than two
    sites that are not excluded (``has_pair`` False). ``a`` and ``b`` are the slots of
    rank 1 and rank 2 (-1 without a pair). ``company(c)`` gives a :class:`FlipResult` or
    None.
    """

    criteria: tuple[str, ...]
    criterion_index: np.ndarray
    weight_from: np.ndarray
    weight_to: np.ndarray
    delta: np.ndarray
    a: np.ndarray
    b: np.ndarray
    direction: np.ndarray
    score_gap: np.ndarray
    has_pair: np.ndarray

    def __len__(self) -> int:
        return self.criterion_index.shape[0]

    def company(self, c: int) -> FlipResult | None:
        """Company ``c`` as a :class:`FlipResult`, or None when no flip exists."""
        j = int(self.criterion_index[c])
        if j < 0:
            return None
        return FlipResult(
            criterion=self.criteria[j],
            weight_from=float(self.weight_from[c]),
            weight_to=float(self.weight_to[c]),
            delta=float(self.delta[c]),
            criterion_index=j,
            a=int(self.a[c]),
            b=int(self.b[c]),
            direction=int(self.direction[c]),
            score_gap=float(self.score_gap[c]),
        )


class RankingInputs(NamedTuple):
    """Arrays for the functions of this module, taken from a scored sites table."""

    U: np.ndarray
    criteria: list[str]
    weights: np.ndarray
    excluded: np.ndarray


# --------------------------------------------------------------------------- kernel


@njit(parallel=True, cache=True)
def _rank_counts(U, W, F, excl, counts):  # pragma: no cover - compiled
    """Add, per company c, draw d and site i, one to ``counts[c, i, rank_i - 1]``.

    U (C, K, M) utilities, W (C, M) base weights, F (D, M) factors, excl (C, K) bool.
    Each draw's weights are ``F[d] * W[c]`` renormalized; scores are summed over the
    criteria in order (identical rows give identical scores); ties go to the lower index.
    """
    n_comp, k, m = U.shape
    draws = F.shape[0]
    for c in prange(n_comp):
        w = np.empty(m)
        s = np.empty(k)
        for d in range(draws):
            tot = 0.0
            for j in range(m):
                w[j] = F[d, j] * W[c, j]
                tot += w[j]
            for j in range(m):
                w[j] /= tot
            for i in range(k):
                if excl[c, i]:
                    s[i] = -np.inf
                else:
                    acc = 0.0
                    for j in range(m):
                        acc += w[j] * U[c, i, j]
                    s[i] = acc
            if k <= _PAIRWISE_MAX:
                for i in range(k):
                    if excl[c, i]:
                        continue
                    si = s[i]
                    r = 0
                    for q in range(k):
                        sq = s[q]
                        if sq > si or (sq == si and q < i):
                            r += 1
                    counts[c, i, r] += 1
            else:
                order = np.argsort(-s, kind="mergesort")  # stable: ties keep index order
                for p in range(k):
                    i = order[p]
                    if not excl[c, i]:
                        counts[c, i, p] += 1


# --------------------------------------------------------------------------- public API


def draw_factors(draws: int, n_crit: int, spread: float, seed: int | None = 0) -> np.ndarray:
    """The random weight factors of the Monte Carlo: (draws, n_crit), uniform in
    ``[1 - spread, 1 + spread]`` from ``numpy.random.default_rng(seed)``.

    Exposed so that a result can be checked or reproduced independently.
    """
    draws = _check_draws(draws)
    spread = _check_spread(spread)
    rng = np.random.default_rng(seed)
    return rng.uniform(1.0 - spread, 1.0 + spread, size=(draws, int(n_crit)))


def weighted_scores(U: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Scores 0-100 of the sites: ``100 * U @ w`` with ``w`` normalized to sum to 1.

    Summed criterion by criterion in a fixed order, so identical rows give identical
    scores. NaN rows (e.g. excluded sites) give NaN.
    """
    U = np.asarray(U, dtype=np.float64)
    if U.ndim != 2:
        raise InputError(
            f"weighted_scores: `U` must be a 2-D array (sites x criteria), got shape "
            f"{U.shape}; pass one row per site and one column per criterion."
        )
    w = _check_weights(weights, U.shape[1], "weighted_scores")
    total = np.zeros(U.shape[0])
    for j in range(U.shape[1]):  # over criteria (~12), not rows
        total += w[j] * U[:, j]
    return 100.0 * total


def rank_scores(scores: np.ndarray, excluded: np.ndarray | None = None) -> np.ndarray:
    """Ranks 1..n by descending score; ties go to the lower index; excluded -> NaN.

    Returns float64 so that excluded sites can be NaN; use ``pandas.array(..., "Int64")``
    for a nullable integer column.
    """
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 1:
        raise InputError(f"rank_scores: `scores` must be 1-D, got shape {s.shape}.")
    excl = _check_excluded(excluded, (s.size,), "rank_scores")
    bad = np.flatnonzero(np.isnan(s) & ~excl)
    if bad.size:
        raise InputError(
            f"rank_scores: score of site {int(bad[0])} is NaN ({bad.size} site(s) in all); "
            "every site that is not excluded needs a score; fix the criteria or mark it "
            "excluded."
        )
    key = np.where(excl, np.inf, -s)
    order = np.argsort(key, kind="stable")
    ranks = np.empty(s.size)
    ranks[order] = np.arange(1, s.size + 1, dtype=np.float64)
    ranks[excl] = np.nan
    return ranks


def monte_carlo(
    U: np.ndarray,
    weights: np.ndarray,
    draws: int = 2000,
    spread: float = 0.25,
    seed: int | None = 0,
    excluded: np.ndarray | None = None,
) -> MonteCarloResult:
    """Perturb the weights at random and see how often each site still ranks first.

    Each draw multiplies every weight by an independent factor uniform in
    ``[1 - spread, 1 + spread]`` (see :func:`draw_factors`), renormalizes the weights to
    sum to 1, rescores every site and ranks them (ties: lower index wins, as in the base
    ranking; excluded sites are never ranked).

    Parameters
    ----------
    U : array (n_sites, n_crit)
        Utilities 0-1 (NaN allowed only in excluded rows). At most :data:`MAX_SITES` sites.
    weights : array (n_crit,)
        Non-negative weights; normalized here to sum to 1.
    draws : int
        Number of random weight vectors, 1 .. :data:`MAX_DRAWS`. 2,000 draws give
        ``p_first`` to about +-0.01 (one standard error).
    spread : float
        Relative perturbation, 0 <= spread < 1 (0.25 = each weight +-25 %).
    seed : int or None
        Seed of ``numpy.random.default_rng``; the same seed gives an identical result.
    excluded : bool array (n_sites,), optional
        Sites that must not rank (e.g. inside a national park).

    Returns
    -------
    MonteCarloResult
    """
    U3, excl2 = _check_utilities(U, excluded, "monte_carlo", batch=False)
    W2 = _check_weights(weights, U3.shape[2], "monte_carlo")[None, :]
    res, share = _monte_carlo_core(U3, W2, excl2, draws, spread, seed, keep_share=True)
    return replace(res.company(0), rank_share=share)


def monte_carlo_batch(
    U_top: np.ndarray,
    W: np.ndarray,
    draws: int = 2000,
    spread: float = 0.25,
    seed: int | None = 0,
    excluded: np.ndarray | None = None,
    chunk_companies: int | None = None,
) -> MonteCarloBatchResult:
    """:func:`monte_carlo` for many companies at once, each with its own sites and weights.

    Parameters
    ----------
    U_top : array (n_companies, k, n_crit)
        Utilities 0-1 of each company's candidate sites (e.g. its top-K). A company with
        fewer than ``k`` candidates pads with rows marked in ``excluded`` (their values
        may be NaN).
    W : array (n_companies, n_crit)
        Each company's weights (normalized per row here).
    draws, spread, seed
        As in :func:`monte_carlo`. All companies share the same random factors, so each
        company's result equals :func:`monte_carlo` on its own arrays.
    excluded : bool array (n_companies, k), optional
        Slots that must not rank (padding or excluded sites).
    chunk_companies : int, optional
        Companies per compiled-kernel call; by default sized so that the per-chunk rank
        histogram stays near 32 MB. Memory is then O(draws x n_crit + chunk x k^2);
        the result is the same for any chunk size.

    Returns
    -------
    MonteCarloBatchResult
        Arrays (n_companies, k).
    """
    U3, excl2 = _check_utilities(U_top, excluded, "monte_carlo_batch", batch=True)
    W2 = _check_weight_rows(W, U3.shape, "monte_carlo_batch")
    res, _ = _monte_carlo_core(U3, W2, excl2, draws, spread, seed, keep_share=False,
                               chunk_companies=chunk_companies)  # fmt: skip
    return res


def flip_weight(
    U: np.ndarray,
    weights: np.ndarray,
    criteria: Sequence[str],
    *,
    a: int | None = None,
    b: int | None = None,
    excluded: np.ndarray | None = None,
    max_relative_change: float | None = None,
) -> FlipResult | None:
    """The smallest change of one weight that lets site ``b`` overtake site ``a``.

    Convention: when weight ``j`` moves from ``w_j`` to ``x``, every other weight is
    rescaled proportionally, ``w_k' = w_k (1 - x) / (1 - w_j)``, so the weights still sum
    to 1. The score difference ``score_b - score_a`` is then linear in ``x``:
    ``D(x) = D0 + (x - w_j) * slope_j`` with ``slope_j = d_j - (D0 - w_j d_j) / (1 - w_j)``
    and ``d = U[b] - U[a]``. For every criterion the threshold ``x* = w_j - D0 / slope_j``
    is kept when it lies inside the allowed range with room beyond it and ``b`` leads by
    more than rounding noise (1e-12 on the 0-1 score scale) at the end of the range, so
    that ``b`` strictly wins past it; the one closest to ``w_j`` is returned (ties: the
    steeper slope, then a rising weight, then the first criterion) once rescoring both
    sites confirms it. Two sites equal on a criterion never swap by raising its weight
    (at weight 1 they tie), so a site dominated on every criterion gets no flip. A
    criterion whose weight is 1 cannot move under this convention and is skipped.

    Parameters
    ----------
    U : array (n_sites, n_crit)
        Utilities 0-1.
    weights : array (n_crit,)
        Non-negative weights, normalized here to sum to 1.
    criteria : sequence of str
        Criterion keys, one per column of ``U``.
    a, b : int, optional
        Row indices of the leader and the challenger; by default the sites ranked 1 and
        2 with ``weights`` (ties: lower index). ``a`` must rank above ``b``.
    excluded : bool array (n_sites,), optional
        Sites that are not ranked (used to find ranks 1 and 2).
    max_relative_change : float, optional
        Allowed range of the new weight: ``w_j * (1 +- max_relative_change)`` clipped to
        [0, 1] (1.0 = within +-100 %). By default anywhere in [0, 1].

    Returns
    -------
    FlipResult or None
        None when no single weight change within the allowed range swaps them.
    """
    U3, excl2 = _check_utilities(U, excluded, "flip_weight", batch=False)
    n, m = U3.shape[1:]
    keys = _check_criteria(criteria, m, "flip_weight")
    w = _check_weights(weights, m, "flip_weight")
    rel = _check_relative(max_relative_change)
    ranks = _base_ranks(U3, w[None, :], excl2)[0]  # as in monte_carlo and the batch
    if (a is None) != (b is None):
        raise InputError(
            "flip_weight: give both `a` and `b` (row indices of the leader and the "
            "challenger) or neither (then ranks 1 and 2 are used)."
        )
    if a is None:
        eligible = int((~excl2[0]).sum())
        if eligible < 2:
            raise InputError(
                f"flip_weight: {eligible} site(s) are not excluded; a flip needs at least "
                "two ranked sites. Add candidate sites or check why the others are excluded."
            )
        a = int(np.flatnonzero(ranks == 1)[0])
        b = int(np.flatnonzero(ranks == 2)[0])
    else:
        for name, v in (("a", a), ("b", b)):
            if not isinstance(v, int | np.integer) or not 0 <= v < n:
                raise InputError(
                    f"flip_weight: `{name}` = {v!r} is not a row index of `U` (0..{n - 1})."
                )
            if excl2[0, v]:
                raise InputError(
                    f"flip_weight: `{name}` = {v} is an excluded site; pick two ranked sites."
                )
        a, b = int(a), int(b)
        if a == b or ranks[a] > ranks[b]:
            raise InputError(
                f"flip_weight: site a = {a} (rank {ranks[a]:.0f}) must rank above site "
                f"b = {b} (rank {ranks[b]:.0f}); swap the arguments."
            )
    flip = _flip_core(U3[0, [a]], U3[0, [b]], w[None, :], rel)
    j = int(flip["j"][0])
    if j < 0:
        return None
    return FlipResult(
        criterion=keys[j],
        weight_from=float(flip["w_from"][0]),
        weight_to=float(flip["w_to"][0]),
        delta=float(flip["delta"][0]),
        criterion_index=j,
        a=a,
        b=b,
        direction=int(flip["direction"][0]),
        score_gap=float(flip["gap"][0]),
    )


def flip_weight_batch(
    U_top: np.ndarray,
    W: np.ndarray,
    criteria: Sequence[str],
    *,
    excluded: np.ndarray | None = None,
    max_relative_change: float | None = None,
) -> FlipBatchResult:
    """:func:`flip_weight` between rank 1 and rank 2 of every company, vectorized.

    ``U_top`` (n_companies, k, n_crit), ``W`` (n_companies, n_crit), ``excluded``
    (n_companies, k) as in :func:`monte_carlo_batch`; same convention and tie rules as
    :func:`flip_weight`.
    """
    U3, excl2 = _check_utilities(U_top, excluded, "flip_weight_batch", batch=True)
    n_comp, k, m = U3.shape
    keys = _check_criteria(criteria, m, "flip_weight_batch")
    W2 = _check_weight_rows(W, U3.shape, "flip_weight_batch")
    rel = _check_relative(max_relative_change)
    base = _base_ranks(U3, W2, excl2)  # (C, K) float, NaN excluded
    has_pair = (~excl2).sum(axis=1) >= 2
    a = np.where(has_pair, np.argmax(base == 1, axis=1), -1)
    b = np.where(has_pair, np.argmax(base == 2, axis=1), -1)
    rows = np.arange(n_comp)
    flip = _flip_core(U3[rows, np.maximum(a, 0)], U3[rows, np.maximum(b, 0)], W2, rel)
    j = np.where(has_pair, flip["j"], -1)
    none = j < 0
    return FlipBatchResult(
        criteria=tuple(keys),
        criterion_index=j,
        weight_from=np.where(none, np.nan, flip["w_from"]),
        weight_to=np.where(none, np.nan, flip["w_to"]),
        delta=np.where(none, np.nan, flip["delta"]),
        a=a,
        b=b,
        direction=np.where(none, 0, flip["direction"]),
        score_gap=np.where(has_pair, flip["gap"], np.nan),
        has_pair=has_pair,
    )


def flip_text(
    result: FlipResult | None,
    lang: Literal["en", "ru", "kk"] = "en",
    criterion_titles: Mapping[str, str] | None = None,
    *,
    names: tuple[str, str] = ("A", "B"),
) -> str:
    """One sentence for a :class:`FlipResult` (or None), in English, Russian or Kazakh.

    e.g. "B overtakes A if the rail weight rises from 0.10 to above 0.17." The new weight
    is rounded *in the direction of the change* (up when it rises, down when it falls),
    so the sentence stays true after rounding. More decimals are shown (up to 4) when two
    would hide most of a small change, and as many as needed to keep the bound strictly
    inside 0-1 and within 10 % of the room left there: a fall to 0.0072 reads "below
    0.007", never "below 0.00", which no weight can be. Russian and Kazakh use a decimal
    comma.

    Parameters
    ----------
    result : FlipResult or None
    lang : "en", "ru" or "kk"
    criterion_titles : mapping criterion key -> title in ``lang``, optional
        Missing keys fall back to the key itself.
    names : (name of a, name of b)
        How to call the leader and the challenger.

    The text is plain: escape it before putting it into HTML.
    """
    t = i18n.section("flip", lang)  # an unknown language raises InputError
    name_a, name_b = names
    if result is None:
        return t["none"].format(a=name_a, b=name_b)
    title = (criterion_titles or {}).get(result.criterion, result.criterion)
    w0 = _fmt_weight(result.weight_from, 2, lang)
    rising = result.direction > 0
    if abs(result.delta) < 1e-9:
        return t["tie_rise" if rising else "tie_fall"].format(
            a=name_a, b=name_b, title=title, w0=w0
        )
    x = result.weight_to
    room = 1.0 - x if rising else x  # how far the weight can go beyond the threshold
    digits = 2
    while True:
        scale = 10.0**digits
        raw = x * scale
        shown = (math.ceil(raw - 1e-6) if rising else math.floor(raw + 1e-6)) / scale
        off = abs(shown - x)
        inside = shown < 1.0 if rising else shown > 0.0
        if inside and off <= 0.1 * room and (digits >= 4 or off <= 0.1 * abs(result.delta)):
            w1 = _fmt_weight(shown, digits, lang)
            break
        if digits >= _MAX_DIGITS:  # only for a hand-made result: the threshold itself
            w1 = _fmt_weight(x, None, lang)
            break
        digits += 1
    w0 = _fmt_weight(result.weight_from, min(digits, 4), lang)
    return t["rise" if rising else "fall"].format(a=name_a, b=name_b, title=title, w0=w0, w1=w1)


def from_scored(df: pd.DataFrame, weights: Mapping[str, float]) -> RankingInputs:
    """Arrays for this module from a scored sites table.

    Takes the ``u_<criterion>`` column of every key of ``weights`` (in that order) and
    the ``excluded`` column if present. Returns ``RankingInputs(U, criteria, weights,
    excluded)``, which unpacks as a tuple.
    """
    keys = [str(k) for k in weights]
    if not keys:
        raise InputError("from_scored: `weights` is empty; pass the scenario's weights.")
    cols = [f"u_{k}" for k in keys]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InputError(
            f"from_scored: the table has no column(s) {', '.join(missing)}; pass the output "
            "of score_sites (it holds one u_<criterion> column per scenario criterion)."
        )
    U = df[cols].to_numpy(dtype=np.float64, na_value=np.nan)
    if "excluded" in df.columns:
        excl = df["excluded"].fillna(False).to_numpy(dtype=bool)
    else:
        excl = np.zeros(len(df), dtype=bool)
    w = np.array([float(weights[k]) for k in weights], dtype=np.float64)
    return RankingInputs(U, keys, w, excl)


def gather_top(U: np.ndarray, top_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Utilities of each company's top-K sites for :func:`monte_carlo_batch`.

    ``U`` (n_sites, n_crit) utilities of all sites; ``top_idx`` (n_companies, k) site row
    indices best first, -1 for padding (as in ``planner.core.ranking.RankResult.top_idx``).
    Returns ``U_top`` (n_companies, k, n_crit) and ``excluded`` (n_companies, k), True
    where padded. Note that the Monte Carlo then ranks only these K sites: a site outside
    the top-K that could rise to first place under other weights is not seen (rare for
    K = 10 and a spread of 0.25; widen K to check).
    """
    U = np.asarray(U, dtype=np.float64)
    idx = np.asarray(top_idx)
    if U.ndim != 2 or idx.ndim != 2 or idx.dtype.kind not in "iu":
        raise InputError(
            f"gather_top: need `U` (n_sites, n_crit) and integer `top_idx` (n_companies, k), "
            f"got shapes {U.shape} and {idx.shape} ({idx.dtype})."
        )
    bad = (idx < -1) | (idx >= U.shape[0])
    if bad.any():
        c, i = (int(v) for v in np.argwhere(bad)[0])
        raise InputError(
            f"gather_top: `top_idx` row {c}, slot {i} = {int(idx[c, i])} is not a site row "
            f"of `U` (0..{U.shape[0] - 1}) or -1 for padding."
        )
    pad = idx < 0
    return U[np.where(pad, 0, idx)], pad


# --------------------------------------------------------------------------- internals


def _monte_carlo_core(
    U3: np.ndarray,
    W2: np.ndarray,
    excl2: np.ndarray,
    draws: int,
    spread: float,
    seed: int | None,
    keep_share: bool,
    chunk_companies: int | None = None,
) -> tuple[MonteCarloBatchResult, np.ndarray | None]:
    """Run the kernel over chunks of companies; the rank histogram of company 0 if asked."""
    n_comp, k, m = U3.shape
    F = draw_factors(draws, m, spread, seed)
    draws = F.shape[0]
    if chunk_companies is None:
        chunk = max(1, _HIST_CELLS_PER_CHUNK // max(1, k * k))
    else:
        if not isinstance(chunk_companies, int | np.integer) or chunk_companies < 1:
            raise InputError(
                f"monte_carlo_batch: `chunk_companies` = {chunk_companies!r} must be a "
                "positive integer, e.g. 1000, or None for the default."
            )
        chunk = int(chunk_companies)
    t0 = time.perf_counter()
    shape = (n_comp, k)
    p_first = np.zeros(shape)
    p5 = np.full(shape, np.nan)
    p95 = np.full(shape, np.nan)
    mean = np.full(shape, np.nan)
    share = None
    ranks_1based = np.arange(1, k + 1, dtype=np.float64)
    lo_q, hi_q = RANK_PERCENTILES
    for start in range(0, n_comp, chunk):
        sl = slice(start, min(start + chunk, n_comp))
        counts = np.zeros((sl.stop - sl.start, k, k), dtype=np.int64)
        _rank_counts(U3[sl], W2[sl], F, excl2[sl], counts)
        live = ~excl2[sl]
        cum = np.cumsum(counts, axis=-1) * 100  # integer test of "share >= q percent"
        p_first[sl] = counts[..., 0] / draws
        p5[sl] = np.where(live, np.argmax(cum >= lo_q * draws, axis=-1) + 1.0, np.nan)
        p95[sl] = np.where(live, np.argmax(cum >= hi_q * draws, axis=-1) + 1.0, np.nan)
        mean[sl] = np.where(live, counts @ ranks_1based / draws, np.nan)
        if keep_share:
            share = counts[0] / draws
    base = _base_ranks(U3, W2, excl2)
    log.debug(
        "monte carlo: %d companies x %d sites x %d criteria, %d draws, spread %.3g: %.3f s",
        n_comp, k, m, draws, spread, time.perf_counter() - t0,
    )  # fmt: skip
    result = MonteCarloBatchResult(
        p_first=p_first, rank_p5=p5, rank_p95=p95, rank_mean=mean, base_rank=base,
        draws=draws, spread=spread, seed=seed,
    )  # fmt: skip
    return result, share


def _base_ranks(U3: np.ndarray, W2: np.ndarray, excl2: np.ndarray) -> np.ndarray:
    """Ranks with the unperturbed weights, from the same kernel as the draws."""
    n_comp, k, m = U3.shape
    counts = np.zeros((n_comp, k, k), dtype=np.int64)
    _rank_counts(U3, W2, np.ones((1, m)), excl2, counts)
    return np.where(excl2, np.nan, np.argmax(counts, axis=-1) + 1.0)


def _flip_core(UA: np.ndarray, UB: np.ndarray, W: np.ndarray, rel: float | None) -> dict:
    """Vectorized flip search: UA, UB, W are (C, M); returns arrays of shape (C,).

    With weight j at x and the others rescaled, ``D(x) = score_b - score_a`` (0-1 scale) is
    linear: ``D(x) = x d_j + (1 - x) R_j``, where ``R_j = D(0)`` is the weighted mean of
    ``d = UB - UA`` over the other criteria. ``D(1) = d_j`` exactly, so two sites equal on
    criterion j never flip by raising it, whatever rounding does to the slope. A flip in a
    direction exists iff ``D`` at that end of the allowed range exceeds :data:`_GAP_TOL`;
    the threshold is where the line through ``(w_j, D0)`` and that end crosses zero. Each
    chosen flip is then checked by rescoring both sites just past the threshold and at
    the end of the range; a candidate that fails is dropped and the next one is taken.
    """
    C, m = W.shape
    d = UB - UA
    # score_b - score_a; a ranks first, so a positive value is rounding noise
    D0 = np.minimum(np.einsum("cj,cj->c", W, d), 0.0)[:, None]
    # leave-one-out sums without cancellation (no "total - own term"): R_j stays accurate
    # even when 1 - w_j is tiny
    R = _sum_others(W * d) / np.maximum(_sum_others(W), np.finfo(float).tiny)
    movable = 1.0 - W > 1e-12
    if rel is None:
        lo, hi = np.zeros_like(W), np.ones_like(W)
    else:
        lo, hi = np.maximum(0.0, W * (1.0 - rel)), np.minimum(1.0, W * (1.0 + rel))
    D_hi = hi * d + (1.0 - hi) * R
    D_lo = lo * d + (1.0 - lo) * R
    rising = D_hi > D_lo
    end = np.where(rising, hi, lo)
    D_end = np.where(rising, D_hi, D_lo)
    wins = movable & (D_end > _GAP_TOL)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(wins, -D0 / np.where(wins, D_end - D0, 1.0), np.nan)  # in [0, 1)
    x = W + (end - W) * t
    ok = wins & np.where(rising, x < end, x > end)  # room beyond x* inside the range
    slope = d - R  # dD/dx
    idx = np.broadcast_to(np.arange(m), W.shape)
    rows = np.arange(C)
    while True:
        dist = np.where(ok, np.abs(x - W), np.inf)
        # rounded keys: equal changes that differ by float noise are ties for the rules after
        order = np.lexsort(
            (idx, ~rising, -np.round(np.abs(slope), 12), np.round(dist, 12)), axis=-1
        )
        j = order[:, 0]
        found = np.isfinite(dist[rows, j])
        c = rows[found]
        if c.size == 0:
            break
        jc = j[found]
        xc, ec = x[c, jc], end[c, jc]
        near = np.maximum(1e-9, 1e-6 * np.abs(xc - W[c, jc]))
        # at least the step that predicts a lead of _GAP_TOL, so that rounding cannot
        # decide the check; at most the room to the end (where the lead is D_end)
        with np.errstate(divide="ignore"):
            near = np.maximum(near, _GAP_TOL / np.abs(slope[c, jc]))
        step = np.minimum(near, np.abs(ec - xc))
        sign = np.where(rising[c, jc], 1.0, -1.0)
        good = _b_wins(UA[c], UB[c], W[c], jc, xc + sign * step) & _b_wins(
            UA[c], UB[c], W[c], jc, ec
        )
        if good.all():
            break
        ok[c[~good], jc[~good]] = False
    return {
        "j": np.where(found, j, -1),
        "w_from": W[rows, j],
        "w_to": x[rows, j],
        "delta": x[rows, j] - W[rows, j],
        "direction": np.where(rising[rows, j], 1, -1),
        "gap": -100.0 * D0[:, 0],
    }


def _sum_others(A: np.ndarray) -> np.ndarray:
    """``out[:, j] = sum over k != j of A[:, k]``, from prefix and suffix sums."""
    before = np.zeros_like(A)
    after = np.zeros_like(A)
    np.cumsum(A[:, :-1], axis=1, out=before[:, 1:])
    after[:, :-1] = np.cumsum(A[:, :0:-1], axis=1)[:, ::-1]
    return before + after


def _b_wins(UA: np.ndarray, UB: np.ndarray, W: np.ndarray, j: np.ndarray, x: np.ndarray):
    """Rescore: does b score strictly above a with weight ``j`` moved to ``x`` (per row)?"""
    rows = np.arange(W.shape[0])
    w2 = W * ((1.0 - x) / (1.0 - W[rows, j]))[:, None]
    w2[rows, j] = x
    sa = np.zeros(W.shape[0])
    sb = np.zeros(W.shape[0])
    for k in range(W.shape[1]):  # criterion by criterion, as the ranking kernel sums
        sa += w2[:, k] * UA[:, k]
        sb += w2[:, k] * UB[:, k]
    return sb > sa


def _check_utilities(
    U: np.ndarray, excluded: np.ndarray | None, fn: str, batch: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(C, K, M) float64 C-contiguous copy with excluded rows zeroed, and (C, K) mask."""
    try:
        arr = np.array(U, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"{fn}: `U` is not a numeric array ({exc}); pass utilities 0-1 as floats."
        ) from exc
    want = 3 if batch else 2
    what = "(n_companies, k, n_crit)" if batch else "(n_sites, n_crit)"
    if arr.ndim != want or arr.shape[-1] < 1 or arr.shape[-2] < 1:
        raise InputError(
            f"{fn}: utilities must have shape {what} with at least one site and one "
            f"criterion, got shape {arr.shape}."
        )
    if not batch:
        arr = arr[None]
    n_comp, k, _ = arr.shape
    if k > MAX_SITES:
        raise InputError(
            f"{fn}: {k} sites ranked together; the Monte Carlo keeps a rank histogram of "
            f"sites x sites and allows at most {MAX_SITES}. Rank the best sites only "
            "(e.g. the top 50) and pass those."
        )
    excl = _check_excluded(excluded, (n_comp, k) if batch else (k,), fn)
    excl = excl.reshape(n_comp, k)
    live = ~excl
    vals = arr[live]
    bad = ~np.isfinite(vals) | (vals < -_UTILITY_TOL) | (vals > 1.0 + _UTILITY_TOL)
    if bad.any():
        pos = np.argwhere(live[..., None] & (~np.isfinite(arr) | (arr < -_UTILITY_TOL)
                                             | (arr > 1.0 + _UTILITY_TOL)))  # fmt: skip
        c, i, j = (int(v) for v in pos[0])
        where = f"company {c}, site {i}" if batch else f"site (row) {i}"
        raise InputError(
            f"{fn}: utility at {where}, criterion (column) {j} is {float(arr[c, i, j])!r} "
            f"({int(bad.sum())} bad value(s) in all); utilities must be finite numbers in "
            "0-1 for every site that is not excluded. Pass the u_<criterion> columns of "
            "the scored table (not scores 0-100) or mark the site excluded."
        )
    arr[excl] = 0.0
    np.clip(arr, 0.0, 1.0, out=arr)
    # fresh writable C arrays: one compiled kernel signature serves every call
    return np.ascontiguousarray(arr), np.array(excl, dtype=bool, order="C")


def _check_excluded(excluded, shape: tuple[int, ...], fn: str) -> np.ndarray:
    if excluded is None:
        return np.zeros(shape, dtype=bool)
    ex = np.asarray(excluded)
    if ex.shape != shape:
        raise InputError(
            f"{fn}: `excluded` has shape {ex.shape} but the sites need {shape}; pass one "
            "True/False per site."
        )
    if ex.dtype != bool:
        if ex.dtype.kind not in "iu" or not np.isin(ex, (0, 1)).all():
            raise InputError(
                f"{fn}: `excluded` must hold True/False (or 0/1), got dtype {ex.dtype}."
            )
        ex = ex.astype(bool)
    return ex


def _check_weights(weights, m: int, fn: str, row: int | None = None) -> np.ndarray:
    where = "`weights`" if row is None else f"`W` row {row}"
    try:
        w = np.array(weights, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"{fn}: {where} is not numeric ({exc}); pass one float per criterion."
        ) from exc
    if w.shape != (m,):
        raise InputError(
            f"{fn}: {where} has shape {w.shape}, expected ({m},): one weight per criterion "
            "(column of the utilities)."
        )
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if bad.size:
        j = int(bad[0])
        raise InputError(
            f"{fn}: {where}[{j}] = {float(w[j])!r}; weights must be finite and >= 0, e.g. 0.25."
        )
    total = w.sum()
    if not total > 0:
        raise InputError(f"{fn}: {where} are all 0; give at least one criterion a positive weight.")
    return w / total


def _check_weight_rows(W, shape: tuple[int, int, int], fn: str) -> np.ndarray:
    """(n_companies, n_crit) weights, each row checked and normalized."""
    n_comp, _, m = shape
    try:
        W2 = np.array(W, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"{fn}: `W` is not numeric ({exc}); pass one float per criterion."
        ) from exc
    if W2.shape != (n_comp, m):
        raise InputError(
            f"{fn}: `W` must have shape (n_companies, n_crit) = {(n_comp, m)} to match the "
            f"utilities {shape}, got {W2.shape}; pass one weight row per company."
        )
    bad = np.argwhere(~np.isfinite(W2) | (W2 < 0))
    if bad.size:
        c, j = (int(v) for v in bad[0])
        raise InputError(
            f"{fn}: `W` row {c}[{j}] = {float(W2[c, j])!r} ({len(bad)} bad value(s) in all); "
            "weights must be finite and >= 0, e.g. 0.25."
        )
    total = W2.sum(axis=1, keepdims=True)
    zero = np.flatnonzero(~(total[:, 0] > 0))
    if zero.size:
        raise InputError(
            f"{fn}: `W` row {int(zero[0])} is all 0 ({zero.size} such row(s)); give every "
            "company at least one criterion with a positive weight."
        )
    return W2 / total


def _check_draws(draws) -> int:
    if (
        isinstance(draws, bool)
        or not isinstance(draws, int | np.integer)
        or not (1 <= draws <= MAX_DRAWS)
    ):
        raise InputError(
            f"monte_carlo: `draws` = {draws!r} must be an integer from 1 to {MAX_DRAWS:,}, "
            "e.g. 2000."
        )
    return int(draws)


def _check_spread(spread) -> float:
    try:
        s = float(spread)
    except (TypeError, ValueError) as exc:
        raise InputError(f"monte_carlo: `spread` = {spread!r} is not a number; e.g. 0.25.") from exc
    if not 0.0 <= s < 1.0:
        raise InputError(
            f"monte_carlo: `spread` = {spread!r} must satisfy 0 <= spread < 1 (a relative "
            "change: 0.25 lets each weight vary by +-25 %)."
        )
    return s


def _check_relative(rel) -> float | None:
    if rel is None:
        return None
    try:
        r = float(rel)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"flip_weight: `max_relative_change` = {rel!r} is not a number; e.g. 1.0 "
            "(+-100 %) or None for any weight in [0, 1]."
        ) from exc
    if not (math.isfinite(r) and r >= 0):
        raise InputError(
            f"flip_weight: `max_relative_change` = {rel!r} must be finite and >= 0, e.g. 1.0 "
            "(+-100 %), or None for any weight in [0, 1]."
        )
    return r


def _check_criteria(criteria: Sequence[str], m: int, fn: str) -> list[str]:
    keys = [str(c) for c in criteria]
    if len(keys) != m:
        raise InputError(
            f"{fn}: `criteria` has {len(keys)} keys but the utilities have {m} columns; "
            "pass one criterion key per column, in column order."
        )
    return keys


def _fmt_weight(value: float, digits: int | None, lang: str) -> str:
    """``digits`` decimals (None: every significant digit); a decimal comma in ru and kk."""
    return i18n.format_number(value, lang, digits)


def _to_int64(values: np.ndarray) -> pd.arrays.IntegerArray:
    v = np.asarray(values, dtype=np.float64)
    mask = np.isnan(v)
    return pd.arrays.IntegerArray(np.where(mask, 0, v).astype(np.int64), mask)
