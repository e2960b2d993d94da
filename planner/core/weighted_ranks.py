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
from planner.i18n import format_number, message_lang, tr

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


def _numbers(values, key: str, **fields) -> np.ndarray:
    """A float64 copy of ``values``; the message ``key`` (with the cause ``exc``) when not
    numeric."""
    try:
        return np.array(values, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise InputError(tr(key, exc=exc, **fields)) from exc


def _value(x: float) -> str:
    """A bad value for a message: a number in the message language, or nan / inf."""
    return format_number(x, message_lang(), significant=6) if np.isfinite(x) else repr(float(x))


def check_utilities(
    U: np.ndarray, excluded: np.ndarray | None, fn: str, batch: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(C, K, M) float64 C-contiguous copy with excluded rows zeroed, and (C, K) mask."""
    arr = _numbers(U, "err.robustness.u_numbers", fn=fn)
    want = 3 if batch else 2
    what = "(n_companies, k, n_crit)" if batch else "(n_sites, n_crit)"
    if arr.ndim != want or arr.shape[-1] < 1 or arr.shape[-2] < 1:
        raise InputError(tr("err.robustness.u_shape", fn=fn, what=what, shape=arr.shape))
    if not batch:
        arr = arr[None]
    n_comp, k, _ = arr.shape
    if k > MAX_SITES:
        raise InputError(tr("err.robustness.too_many_sites", fn=fn, k=k, max=MAX_SITES))
    excl = check_excluded(excluded, (n_comp, k) if batch else (k,), fn)
    excl = excl.reshape(n_comp, k)
    live = ~excl
    vals = arr[live]
    bad = ~np.isfinite(vals) | (vals < -_UTILITY_TOL) | (vals > 1.0 + _UTILITY_TOL)
    if bad.any():
        pos = np.argwhere(live[..., None] & (~np.isfinite(arr) | (arr < -_UTILITY_TOL)
                                             | (arr > 1.0 + _UTILITY_TOL)))  # fmt: skip
        c, i, j = (int(v) for v in pos[0])
        where = (tr("err.robustness.at_company_site", c=c, i=i) if batch
                 else tr("err.robustness.at_site", i=i))  # fmt: skip
        raise InputError(tr("err.robustness.utility_bad", fn=fn, where=where, j=j,
                            value=_value(arr[c, i, j]), n=int(bad.sum())))  # fmt: skip
    arr[excl] = 0.0
    np.clip(arr, 0.0, 1.0, out=arr)
    # fresh writable C arrays: one compiled kernel signature serves every call
    return np.ascontiguousarray(arr), np.array(excl, dtype=bool, order="C")


def check_excluded(excluded, shape: tuple[int, ...], fn: str) -> np.ndarray:
    if excluded is None:
        return np.zeros(shape, dtype=bool)
    ex = np.asarray(excluded)
    if ex.shape != shape:
        raise InputError(tr("err.robustness.excluded_shape", fn=fn, shape=ex.shape, need=shape))
    if ex.dtype != bool:
        if ex.dtype.kind not in "iu" or not np.isin(ex, (0, 1)).all():
            raise InputError(tr("err.robustness.excluded_dtype", fn=fn, dtype=ex.dtype))
        ex = ex.astype(bool)
    return ex


def check_weights(weights, m: int, fn: str, row: int | None = None) -> np.ndarray:
    where = tr("err.robustness.where_weights") if row is None else tr(
        "err.robustness.where_w_row", row=row)
    w = _numbers(weights, "err.robustness.weights_numbers", fn=fn, where=where)
    if w.shape != (m,):
        raise InputError(tr("err.robustness.weights_shape", fn=fn, where=where, shape=w.shape,
                            m=m))  # fmt: skip
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if bad.size:
        j = int(bad[0])
        raise InputError(tr("err.robustness.weight_bad", fn=fn, where=where, j=j,
                            value=_value(w[j])))  # fmt: skip
    total = w.sum()
    if not total > 0:
        raise InputError(tr("err.robustness.weights_zero", fn=fn, where=where))
    return w / total


def check_weight_rows(W, shape: tuple[int, int, int], fn: str) -> np.ndarray:
    """(n_companies, n_crit) weights, each row checked and normalized."""
    n_comp, _, m = shape
    W2 = _numbers(W, "err.robustness.w_numbers", fn=fn)
    if W2.shape != (n_comp, m):
        raise InputError(tr("err.robustness.w_shape", fn=fn, want=(n_comp, m), shape=shape,
                            got=W2.shape))  # fmt: skip
    bad = np.argwhere(~np.isfinite(W2) | (W2 < 0))
    if bad.size:
        c, j = (int(v) for v in bad[0])
        raise InputError(tr("err.robustness.w_bad", fn=fn, c=c, j=j, value=_value(W2[c, j]),
                            n=len(bad)))  # fmt: skip
    total = W2.sum(axis=1, keepdims=True)
    zero = np.flatnonzero(~(total[:, 0] > 0))
    if zero.size:
        raise InputError(tr("err.robustness.w_zero", fn=fn, row=int(zero[0]), n=zero.size))
    return W2 / total
