"""Aggregation methods besides the weighted sum: TOPSIS and PROMETHEE II.

A scenario's ``method`` (:class:`planner.config.weighting.Aggregation`) says how the 0-1
utilities ``u_sj`` of site ``s`` and criterion ``j`` and the weights ``w_j`` (sum 1) become
one score. Hard needs and exclusions are applied **before** any method: the methods
compare only the sites that may be chosen (for a company, those meeting its needs), and
the others get no score.

``wlc`` (weighted linear combination, the default)
    ``100 * sum_j w_j u_sj``, computed in :mod:`planner.core.scoring` exactly as before.
``topsis`` (Hwang & Yoon 1981)
    The weighted utilities ``v_sj = w_j u_sj`` are compared with an ideal point
    ``A+_j = max_s v_sj`` and an anti-ideal point ``A-_j = min_s v_sj`` over the sites
    ranked together (``ideal = "feasible"``, the classic method), or with ``w_j`` and 0
    (``ideal = "utility"``: independent of which other sites are ranked, so adding a site
    never reorders the others). Score ``100 * D- / (D+ + D-)`` with Euclidean distances
    ``D+``, ``D-`` to those points (100 when every site is the ideal). The scenario's
    transforms play the part of TOPSIS's normalisation step: utilities already share the
    0-1 scale, so no vector normalisation is applied on top. O(n m), vectorised.
``promethee2`` (Brans & Vincke 1985)
    For every ordered pair of sites, ``pi(a, b) = sum_j w_j P(u_aj - u_bj)`` with a
    preference function ``P`` on utility differences; the net flow
    ``phi(a) = sum_b (pi(a, b) - pi(b, a)) / (n - 1)`` lies in [-1, 1] and the score is
    ``50 * (1 + phi)``. A direct computation is O(n^2) (10^12 pairs for 1M sites); here
    it is **exact in O(m n log n)** for every preference function offered (usual,
    u-shape, v-shape, level, linear): per criterion the values are sorted once, and
    ``sum_b P(u_a - u_b)`` is a count or a difference of prefix sums between the
    thresholds found by binary search. Criteria with few distinct values (a categorical
    zone status, a point table) are done on the distinct values (a k x k table, exact by
    definition). No size limit applies; 1M sites take about a second per dozen criteria.
    The Gaussian preference function has no such exact form and is not offered.

The net flow is linear in the weights (``phi = sum_j w_j phi_j``), so the per-criterion
flows (:func:`promethee_flows`) can stand in for utilities in the weight-robustness tools.

Per company (``planner score``), :func:`rank_companies_by_method` groups companies that
have the same feasible sites, computes the method's per-criterion terms once per group
and the companies' scores as one matrix product per block of companies.
"""

from __future__ import annotations

import logging

import numpy as np
from numba import njit, prange

from planner.config.weighting import Aggregation
from planner.core.ranking import NeedArrays, RankResult, SiteArrays
from planner.errors import InputError
from planner.i18n import tr

__all__ = [
    "feasible_mask",
    "method_scores",
    "promethee_flows",
    "rank_companies_by_method",
    "require_chunkable",
    "topsis_columns",
    "topsis_scores",
]

log = logging.getLogger(__name__)

#: below this many distinct values a criterion's PROMETHEE flow uses the k x k table
_DISTINCT_MAX = 2048
#: companies scored together in one matrix product (bounds a block x sites temporary)
_BLOCK_CELLS = 8_000_000


def _check(U, w) -> tuple[np.ndarray, np.ndarray]:
    U = np.asarray(U, dtype="f8")
    if U.ndim != 2:
        raise InputError(f"utilities: expected (sites, criteria), got shape {U.shape}")
    w = np.asarray(w, dtype="f8").reshape(-1)
    if w.shape[0] != U.shape[1]:
        raise InputError(tr("err.aggregation.weights_count", n=w.shape[0], m=U.shape[1]))
    if not (np.isfinite(w).all() and (w >= 0).all() and w.sum() > 0):
        raise InputError(tr("err.aggregation.weights_bad", weights=w.tolist()))
    return U, w / w.sum()


# --------------------------------------------------------------------------- TOPSIS


def _topsis_terms(U: np.ndarray, ideal: str) -> tuple[np.ndarray, np.ndarray]:
    """Ideal and anti-ideal utilities per criterion (before weighting)."""
    m = U.shape[1]
    if ideal == "utility" or not len(U):
        return np.ones(m), np.zeros(m)
    return U.max(axis=0), U.min(axis=0)


def _closeness(dplus2: np.ndarray, dminus2: np.ndarray) -> np.ndarray:
    dp = np.sqrt(dplus2)
    dm = np.sqrt(dminus2)
    tot = dp + dm
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.where(tot > 0, dm / tot, 1.0)  # every site at the ideal: all best
    return np.clip(c, 0.0, 1.0)


@njit(cache=True)
def _column_range(C, keep, hi, lo):  # pragma: no cover - compiled
    """Max and min of every row of C (criteria x sites) over the kept sites."""
    m, n = C.shape
    for j in range(m):
        a = -np.inf
        b = np.inf
        for i in range(n):
            if keep[i]:
                x = C[j, i]
                a = max(a, x)
                b = min(b, x)
        hi[j] = a
        lo[j] = b


@njit(parallel=True, cache=True)
def _topsis_kernel(C, w, keep, hi, lo, out):  # pragma: no cover - compiled
    """Closeness of every kept site (one fused pass; NaN elsewhere)."""
    m, n = C.shape
    for i in prange(n):
        if not keep[i]:
            out[i] = np.nan
            continue
        dp = 0.0
        dm = 0.0
        for j in range(m):
            x = C[j, i]
            a = (hi[j] - x) * w[j]
            b = (x - lo[j]) * w[j]
            dp += a * a
            dm += b * b
        dp = np.sqrt(dp)
        dm = np.sqrt(dm)
        t = dp + dm
        out[i] = min(1.0, max(0.0, dm / t)) if t > 0 else 1.0  # all at the ideal: all best


def topsis_columns(C, w, keep, ideal: str = "feasible") -> np.ndarray:
    """TOPSIS score 0-100 from utilities by criterion (``C``: criteria x sites).

    The hot path of :func:`planner.core.scoring.score_table`: one compiled pass for the
    ideal points and one for the distances, no sites x criteria temporaries. NaN where
    not ``keep``.
    """
    C = np.ascontiguousarray(C, dtype="f8")
    w = np.ascontiguousarray(w, dtype="f8")
    keep = np.ascontiguousarray(keep, dtype=np.bool_)
    m, n = C.shape
    hi, lo = np.ones(m), np.zeros(m)
    if ideal != "utility" and keep.any():
        _column_range(C, keep, hi, lo)
    out = np.empty(n)
    _topsis_kernel(C, w / w.sum(), keep, hi, lo, out)
    out *= 100.0
    return out


def topsis_scores(U, w, ideal: str = "feasible") -> np.ndarray:
    """TOPSIS score 0-100 of every row of ``U`` (sites x criteria, all ranked together)."""
    U, w = _check(U, w)
    return topsis_columns(U.T, w, np.ones(len(U), dtype=bool), ideal)


# --------------------------------------------------------------------------- PROMETHEE II


def _pref(d: np.ndarray, fn: str, q: float, p: float) -> np.ndarray:
    """P(d) for utility differences ``d`` (the definition, used on small tables)."""
    if fn == "usual":
        return (d > 0).astype("f8")
    if fn == "u-shape":
        return (d > q).astype("f8")
    if fn == "v-shape":
        return np.clip(d / p, 0.0, 1.0)
    if fn == "level":
        return np.where(d > p, 1.0, np.where(d > q, 0.5, 0.0))
    if fn == "linear":
        return np.clip((d - q) / (p - q), 0.0, 1.0)
    raise ValueError(f"unknown preference function {fn!r}")


def _flow_sorted(vals: np.ndarray, counts: np.ndarray, fn: str, q: float, p: float) -> np.ndarray:
    """sum_b P(v - x_b) - P(x_b - v) for every distinct value v (sorted ``vals`` with
    ``counts``), by binary search and prefix sums of the counts and of the values."""
    n = counts.sum()
    cc = np.concatenate(([0.0], np.cumsum(counts, dtype="f8")))
    cs = np.concatenate(([0.0], np.cumsum(counts * vals)))
    x = vals
    if fn == "usual":
        q = p = 0.0
        fn = "u-shape"
    if fn == "u-shape":
        out_pref = cc[np.searchsorted(vals, x - q, side="left")]  # x_b < v - q
        in_pref = n - cc[np.searchsorted(vals, x + q, side="right")]  # x_b > v + q
        return out_pref - in_pref
    if fn == "v-shape":
        q = 0.0
    # v preferred: x_b < v - p -> 1; v - p <= x_b < v - q -> (v - x_b - q) / (p - q)
    i0 = np.searchsorted(vals, x - p, side="left")
    i1 = np.searchsorted(vals, x - q, side="left")
    cnt, tot = cc[i1] - cc[i0], cs[i1] - cs[i0]
    # b preferred: x_b > v + p -> 1; v + q < x_b <= v + p -> (x_b - v - q) / (p - q)
    j0 = np.searchsorted(vals, x + q, side="right")
    j1 = np.searchsorted(vals, x + p, side="right")
    cnt2, tot2 = cc[j1] - cc[j0], cs[j1] - cs[j0]
    if fn == "level":
        out_pref = cc[i0] + 0.5 * cnt
        in_pref = (n - cc[j1]) + 0.5 * cnt2
    else:  # linear, v-shape
        out_pref = cc[i0] + (cnt * (x - q) - tot) / (p - q)
        in_pref = (n - cc[j1]) + (tot2 - cnt2 * (x + q)) / (p - q)
    return out_pref - in_pref


def promethee_flows(U, agg: Aggregation | None = None) -> np.ndarray:
    """Per-criterion net flows ``phi_j`` (sites x criteria), each in [-1, 1].

    ``phi = flows @ w`` is the PROMETHEE II net flow for weights ``w`` (sum 1). Exact for
    any number of sites (see the module docstring); 0 for a single site.
    """
    U = np.asarray(U, dtype="f8")
    agg = agg if agg is not None else Aggregation(method="promethee2")
    fn, q, p = agg.preference or "linear", agg.q or 0.0, agg.p or 0.0
    n, m = U.shape
    out = np.zeros((n, m))
    if n < 2:
        return out
    for j in range(m):
        # one sort per criterion; the flows are computed once per distinct value
        vals, inv, counts = np.unique(U[:, j], return_inverse=True, return_counts=True)
        if len(vals) <= _DISTINCT_MAX:
            d = vals[:, None] - vals[None, :]
            flow = (_pref(d, fn, q, p) - _pref(-d, fn, q, p)) @ counts
        else:
            flow = _flow_sorted(vals, counts, fn, q, p)
        out[:, j] = flow[inv]
    out /= n - 1
    return out


def _promethee_score(flows: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.clip(50.0 * (1.0 + flows @ w), 0.0, 100.0)


# --------------------------------------------------------------------------- dispatch


def method_scores(U, w, agg: Aggregation, feasible=None) -> np.ndarray:
    """Score 0-100 of every site under ``agg.method``, ranking the ``feasible`` sites together.

    Sites outside ``feasible`` (excluded, or failing a company's needs) get NaN and take
    no part in the comparison (no effect on ideal points or flows).
    """
    U, w = _check(U, w)
    n = U.shape[0]
    keep = np.ones(n, dtype=bool) if feasible is None else np.asarray(feasible, dtype=bool)
    out = np.full(n, np.nan)
    sub = U[keep]
    if not len(sub):
        return out
    if np.isnan(sub).any():
        raise InputError(tr("err.aggregation.nan_ranked"))
    if agg.method == "wlc":  # the planner's one weighted sum, as score_table sums the points
        from planner.core.scoring import weighted_sum

        out[keep] = weighted_sum(sub, w * 100.0)
    elif agg.method == "topsis":
        out[keep] = topsis_scores(sub, w, agg.ideal or "feasible")
    elif agg.method == "promethee2":
        out[keep] = _promethee_score(promethee_flows(sub, agg), w)
    else:  # pragma: no cover - validated by the scenario
        raise ValueError(f"unknown method {agg.method!r}")
    return out


# --------------------------------------------------------------------------- per company


def feasible_mask(sites: SiteArrays, needs: NeedArrays, c: int) -> np.ndarray:
    """Sites meeting every hard need of company ``c`` (the rule of planner.core.ranking).

    Unknown capacity (NaN) counts as feasible; tests check that the counts agree with
    :func:`planner.core.ranking.rank_companies`.
    """
    ok = ~sites.excluded
    ok &= ~(sites.capacity_ha < needs.land_ha[c])  # NaN compares False: kept
    ok &= ~(sites.dist_rail_km > needs.rail_max_km[c])
    ok &= ~(sites.dist_housing_km < needs.min_housing_km[c])
    ok &= ~(sites.dist_almaty_km > needs.max_dist_almaty_km[c])
    if not needs.allow_in_almaty[c]:
        ok &= ~sites.in_almaty
    return ok


def _top_k(scores: np.ndarray, idx: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Best ``k`` of one company: (site indices, scores), ties to the lower site index."""
    if len(scores) > k:
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        cand = np.flatnonzero(scores >= kth)
    else:
        cand = np.arange(len(scores))
    order = np.lexsort((idx[cand], -scores[cand]))[:k]
    return idx[cand[order]], scores[cand[order]]


def rank_companies_by_method(
    U, W, sites: SiteArrays, needs: NeedArrays, k: int, agg: Aggregation, base: RankResult
) -> RankResult:
    """:func:`planner.core.ranking.rank_companies` with ``agg.method`` instead of the sum.

    ``base`` is the weighted-sum result for the same inputs: its counts of feasible and
    filtered sites do not depend on the method and are kept (and checked against the
    feasibility used here). Each company's sites are compared among its feasible sites.
    """
    U = np.ascontiguousarray(U, dtype="f8")
    W = np.asarray(W, dtype="f8")
    W = W / W.sum(axis=1, keepdims=True)
    n_comp = W.shape[0]
    top_idx = np.full((n_comp, k), -1, dtype=np.int64)
    top_score = np.full((n_comp, k), np.nan)
    masks: dict[bytes, list[int]] = {}
    mask_of: dict[bytes, np.ndarray] = {}
    for c in range(n_comp):
        f = feasible_mask(sites, needs, c)
        if int(f.sum()) != int(base.n_feasible[c]):
            raise InputError(
                f"internal error: company row {c} has {int(f.sum())} feasible sites here but "
                f"{int(base.n_feasible[c])} in the ranking kernel; please report this bug"
            )
        key = np.packbits(f).tobytes()
        masks.setdefault(key, []).append(c)
        mask_of.setdefault(key, f)
    for key, comps in masks.items():
        idx = np.flatnonzero(mask_of[key])
        if not len(idx):
            continue
        sub = U[idx]
        cs = np.asarray(comps)
        Wg = W[cs]
        block = max(1, _BLOCK_CELLS // max(1, len(idx)))
        if agg.method == "topsis":
            hi, lo = _topsis_terms(sub, agg.ideal or "feasible")
            gap_hi = (hi - sub) ** 2  # (sites, m)
            gap_lo = (sub - lo) ** 2
        else:
            flows = promethee_flows(sub, agg)
        for b0 in range(0, len(cs), block):
            wb = Wg[b0 : b0 + block]
            if agg.method == "topsis":
                w2 = (wb * wb).T
                S = 100.0 * _closeness(gap_hi @ w2, gap_lo @ w2).T
            else:
                S = _promethee_score(flows, wb.T).T
            for r, c in enumerate(cs[b0 : b0 + block]):
                ti, ts = _top_k(S[r], idx, k)
                top_idx[c, : len(ti)] = ti
                top_score[c, : len(ts)] = ts
    unknown = np.append(np.isnan(sites.capacity_ha), False)[top_idx]
    log.debug(
        "ranked %d companies by %s over %d feasible-site groups", n_comp, agg.method, len(masks)
    )
    return RankResult(
        top_idx, top_score, unknown, base.n_feasible, base.reason_counts, base.sole_reason_counts
    )


#: the jobs :func:`require_chunkable` knows by name (their words come from the catalog)
_JOBS = {"surface": "surface", "the suitability surface": "surface",
         "dask": "dask", "the Dask engine": "dask"}  # fmt: skip


def require_chunkable(sc, what: str) -> None:
    """Refuse a method whose scores depend on the whole set of sites, for a job that
    scores them in independent chunks (``what``: the job, ``"surface"`` or ``"dask"``,
    named in the message language; any other text is shown as given)."""
    agg = sc.aggregation
    if agg.method == "wlc" or (agg.method == "topsis" and agg.ideal == "utility"):
        return
    job = tr(f"err.aggregation.job_{_JOBS[what]}") if what in _JOBS else what
    raise InputError(
        tr("err.aggregation.chunked", what=job, scenario=sc.name, method=agg.method)
    )
