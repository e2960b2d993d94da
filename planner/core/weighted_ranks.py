"""Utilities and weights of a few ranked sites: the checks and the rank-counting kernel that
the Monte Carlo (:mod:`planner.core.robustness`) and the weight flips
(:mod:`planner.core.flips`) share.

Scores are ``100 * sum_j w_j U_ij`` with the weights normalized to sum to 1; sites rank by
descending score, **ties go to the lower index** (the ``"order"`` rule of
:func:`planner.core.ranking.rank_scores`), and excluded sites get no rank. Scores inside
the kernel are summed criterion by criterion in a fixed order, so two sites with
identical utilities always get bit-identical scores and the tie rule, not rounding noise,
decides between them.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from planner.errors import InputError

#: largest number of sites ranked together in one Monte Carlo call (the rank histogram
#: per site is sites x sites; for more sites rank the top ones)
MAX_SITES = 2000
#: utilities may stray this far outside 0-1 (float noise) before they are refused
_UTILITY_TOL = 1e-9
#: rank by pairwise comparison up to this many sites, by a stable sort above it
_PAIRWISE_MAX = 48


@njit(parallel=True, cache=True)
def rank_counts(U, W, F, excl, counts):  # pragma: no cover - compiled
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
            draw_weights(F[d], W[c], w)
            for i in range(k):
                if excl[c, i]:
                    s[i] = -np.inf
                else:
                    acc = 0.0
                    for j in range(m):
                        acc += w[j] * U[c, i, j]
                    s[i] = acc
            count_ranks(s, excl[c], counts[c])


@njit(cache=True)
def draw_weights(factors, base, out):  # pragma: no cover - compiled
    """``out`` = the base weights times one draw's factors, renormalized to sum to 1."""
    tot = 0.0
    for j in range(out.shape[0]):
        out[j] = factors[j] * base[j]
        tot += out[j]
    for j in range(out.shape[0]):
        out[j] /= tot


@njit(cache=True)
def count_ranks(s, excl, counts):  # pragma: no cover - compiled
    """Add one to ``counts[i, rank_i - 1]`` for every site ``i`` not ``excl``, ranked by
    descending score ``s`` (excluded sites must score -inf); ties go to the lower index.

    The rank rule of the Monte Carlo kernels (``"order"`` of
    :func:`planner.core.ranking.rank_scores`), shared with the method kernels of
    :mod:`planner.core.method_robustness`.
    """
    k = s.shape[0]
    if k <= _PAIRWISE_MAX:
        for i in range(k):
            if excl[i]:
                continue
            si = s[i]
            r = 0
            for q in range(k):
                sq = s[q]
                if sq > si or (sq == si and q < i):
                    r += 1
            counts[i, r] += 1
    else:
        order = np.argsort(-s, kind="mergesort")  # stable: ties keep index order
        for p in range(k):
            i = order[p]
            if not excl[i]:
                counts[i, p] += 1


def base_ranks(U3: np.ndarray, W2: np.ndarray, excl2: np.ndarray) -> np.ndarray:
    """Ranks with the unperturbed weights, from the same kernel as the draws."""
    n_comp, k, m = U3.shape
    counts = np.zeros((n_comp, k, k), dtype=np.int64)
    rank_counts(U3, W2, np.ones((1, m)), excl2, counts)
    return np.where(excl2, np.nan, np.argmax(counts, axis=-1) + 1.0)


def _numbers(values, message: str) -> np.ndarray:
    """A float64 copy of ``values``; ``message`` (formatted with the cause) when not numeric."""
    try:
        return np.array(values, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise InputError(message.format(exc=exc)) from exc


def check_utilities(
    U: np.ndarray, excluded: np.ndarray | None, fn: str, batch: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(C, K, M) float64 C-contiguous copy with excluded rows zeroed, and (C, K) mask."""
    arr = _numbers(U, f"{fn}: `U` is not a numeric array ({{exc}}); pass utilities 0-1 as floats.")
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
    excl = check_excluded(excluded, (n_comp, k) if batch else (k,), fn)
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


def check_excluded(excluded, shape: tuple[int, ...], fn: str) -> np.ndarray:
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


def check_weights(weights, m: int, fn: str, row: int | None = None) -> np.ndarray:
    where = "`weights`" if row is None else f"`W` row {row}"
    w = _numbers(weights, f"{fn}: {where} is not numeric ({{exc}}); pass one float per criterion.")
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


def check_weight_rows(W, shape: tuple[int, int, int], fn: str) -> np.ndarray:
    """(n_companies, n_crit) weights, each row checked and normalized."""
    n_comp, _, m = shape
    W2 = _numbers(W, f"{fn}: `W` is not numeric ({{exc}}); pass one float per criterion.")
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
