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
  :func:`flip_text` says it in English, Russian or Kazakh (:mod:`planner.core.flips`,
  re-exported here).

Everything works on arrays, independent of how the utilities were computed: a utility
matrix ``U`` (sites x criteria, values 0-1), and a weight vector ``w`` (non-negative,
normalized here to sum to 1). The score of site ``i`` is ``100 * sum_j w_j U_ij``; sites
rank by descending score, **ties go to the lower index** (the order of the input), and
excluded sites get no rank. :func:`from_scored` builds the arrays from a scored sites
table (``u_<criterion>`` columns and ``excluded``).

Scores inside the Monte Carlo kernel (:mod:`planner.core.weighted_ranks`) are summed
criterion by criterion in a fixed order, so two sites with identical utilities always
get bit-identical scores and the tie rule, not rounding noise, decides between them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
import pandas as pd

from planner.core.flips import (
    FlipBatchResult,
    FlipResult,
    flip_text,
    flip_weight,
    flip_weight_batch,
)
from planner.core.ranking import _show
from planner.core.weighted_ranks import (
    _PAIRWISE_MAX,  # noqa: F401 - the kernel's switch to sorting (tests check it)
    MAX_SITES,
    check_utilities,
    check_weight_rows,
    check_weights,
    rank_counts,
)
from planner.errors import InputError
from planner.i18n import format_number, message_lang, tr

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
    "MAX_SITES",
]

log = logging.getLogger(__name__)

#: fills the rank histogram (companies, k, k) of a slice of companies for weight factors
CountFn = Callable[[slice, np.ndarray, np.ndarray], None]

#: largest number of draws (the factor matrix is draws x criteria float64)
MAX_DRAWS = 1_000_000
#: percentiles of the rank reported by the Monte Carlo (integer percent)
RANK_PERCENTILES = (5, 95)
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
            raise InputError(tr("err.robustness.index_len", got=len(index), n=n))
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


class RankingInputs(NamedTuple):
    """Arrays for the functions of this module, taken from a scored sites table."""

    U: np.ndarray
    criteria: list[str]
    weights: np.ndarray
    excluded: np.ndarray


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
    U3, excl2 = check_utilities(U, excluded, "monte_carlo", batch=False)
    W2 = check_weights(weights, U3.shape[2], "monte_carlo")[None, :]
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
    U3, excl2 = check_utilities(U_top, excluded, "monte_carlo_batch", batch=True)
    W2 = check_weight_rows(W, U3.shape, "monte_carlo_batch")
    res, _ = _monte_carlo_core(U3, W2, excl2, draws, spread, seed, keep_share=False,
                               chunk_companies=chunk_companies)  # fmt: skip
    return res


def from_scored(df: pd.DataFrame, weights: Mapping[str, float]) -> RankingInputs:
    """Arrays for this module from a scored sites table.

    Takes the ``u_<criterion>`` column of every key of ``weights`` (in that order) and
    the ``excluded`` column if present. Returns ``RankingInputs(U, criteria, weights,
    excluded)``, which unpacks as a tuple.
    """
    keys = [str(k) for k in weights]
    if not keys:
        raise InputError(tr("err.robustness.weights_empty"))
    cols = [f"u_{k}" for k in keys]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InputError(tr("err.robustness.no_columns", columns=", ".join(missing)))
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
        raise InputError(tr("err.robustness.gather_shapes", u=U.shape, idx=idx.shape,
                            dtype=idx.dtype))  # fmt: skip
    bad = (idx < -1) | (idx >= U.shape[0])
    if bad.any():
        c, i = (int(v) for v in np.argwhere(bad)[0])
        raise InputError(tr("err.robustness.gather_row", c=c, i=i, value=int(idx[c, i]),
                            last=U.shape[0] - 1))  # fmt: skip
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
    count: CountFn | None = None,
) -> tuple[MonteCarloBatchResult, np.ndarray | None]:
    """Run the kernel over chunks of companies; the rank histogram of company 0 if asked.

    ``count(companies, factors, counts)`` fills the rank histogram of a slice of companies
    for the given weight factors (default: the weighted sum of ``U3``, :func:`rank_counts`);
    the methods of :mod:`planner.core.method_robustness` pass their own kernel.
    """
    if count is None:
        def count(sl, F, out):
            rank_counts(U3[sl], W2[sl], F, excl2[sl], out)
    n_comp, k, m = U3.shape
    F = draw_factors(draws, m, spread, seed)
    draws = F.shape[0]
    if chunk_companies is None:
        chunk = max(1, _HIST_CELLS_PER_CHUNK // max(1, k * k))
    else:
        if not isinstance(chunk_companies, int | np.integer) or chunk_companies < 1:
            raise InputError(tr("err.robustness.chunk", value=_show(chunk_companies)))
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
        count(sl, F, counts)
        live = ~excl2[sl]
        cum = np.cumsum(counts, axis=-1) * 100  # integer test of "share >= q percent"
        p_first[sl] = counts[..., 0] / draws
        p5[sl] = np.where(live, np.argmax(cum >= lo_q * draws, axis=-1) + 1.0, np.nan)
        p95[sl] = np.where(live, np.argmax(cum >= hi_q * draws, axis=-1) + 1.0, np.nan)
        mean[sl] = np.where(live, counts @ ranks_1based / draws, np.nan)
        if keep_share:
            share = counts[0] / draws
    base_counts = np.zeros((n_comp, k, k), dtype=np.int64)
    count(slice(0, n_comp), np.ones((1, m)), base_counts)  # the unperturbed weights
    base = np.where(excl2, np.nan, np.argmax(base_counts, axis=-1) + 1.0)
    log.debug(
        "monte carlo: %d companies x %d sites x %d criteria, %d draws, spread %.3g: %.3f s",
        n_comp, k, m, draws, spread, time.perf_counter() - t0,
    )  # fmt: skip
    result = MonteCarloBatchResult(
        p_first=p_first, rank_p5=p5, rank_p95=p95, rank_mean=mean, base_rank=base,
        draws=draws, spread=spread, seed=seed,
    )  # fmt: skip
    return result, share


def _check_draws(draws) -> int:
    if (
        isinstance(draws, bool)
        or not isinstance(draws, int | np.integer)
        or not (1 <= draws <= MAX_DRAWS)
    ):
        most = format_number(MAX_DRAWS, message_lang(), grouping=True)
        raise InputError(tr("err.robustness.draws", value=_show(draws), max=most))
    return int(draws)


def _check_spread(spread) -> float:
    try:
        s = float(spread)
    except (TypeError, ValueError) as exc:
        raise InputError(tr("err.robustness.spread_type", value=_show(spread))) from exc
    if not 0.0 <= s < 1.0:
        raise InputError(tr("err.robustness.spread_range", value=_show(spread)))
    return s


def _to_int64(values: np.ndarray) -> pd.arrays.IntegerArray:
    v = np.asarray(values, dtype=np.float64)
    mask = np.isnan(v)
    return pd.arrays.IntegerArray(np.where(mask, 0, v).astype(np.int64), mask)
