"""Ranking: the one rank rule of a score column, and per-company ranking of sites.

:func:`rank_scores` ranks one score column (1 = best, excluded rows unranked) with the
tie rule as a parameter; :func:`global_rank` gives the same ranks for a table split in
parts (the Dask engine). Everything that ranks sites by score uses them.

Per-company ranking of sites: hard needs as filters, weighted utilities as the score.

Every company ``c`` has its own weight vector ``W[c]`` over the scoring criteria and its
own hard needs (land, rail, distance from housing, distance to Almaty, whether a site
inside Almaty is acceptable). :func:`rank_companies` keeps, for each company, the ``k``
feasible sites with the highest score ``100 * U[s] @ W[c]`` and counts why the other
sites were filtered out.

The work is one fused compiled kernel (numba, parallel over blocks of companies): per
block (up to 64 companies) one pass over the sites computes the feasibility checks,
counts the failing reasons, takes the dot product for feasible sites only and keeps a
top-``k`` in a small sorted insertion buffer. Nothing of size ``n_companies x n_sites``
is ever allocated, so 1,000 companies x 1M sites need no more memory than the inputs.

Semantics (the public contract of this module)
----------------------------------------------
* A site fails a company's need when (reasons, in :data:`REASONS` order):

  - ``excluded``: ``sites.excluded`` (national park, water, outside the region);
  - ``land``: ``capacity_ha < land_ha``. **An unknown capacity (NaN) counts as
    feasible**: the site stays in the list and is flagged in
    :attr:`RankResult.top_area_unknown`, so a planner checks the land before promising it.
    Dropping such sites would hide most user-supplied and grid sites, whose area is
    rarely known;
  - ``rail``: ``dist_rail_km > rail_max_km``;
  - ``hazard``: ``dist_housing_km < min_housing_km`` (hazardous plants keep away from
    housing);
  - ``max_dist_almaty``: ``dist_almaty_km > max_dist_almaty_km``;
  - ``in_almaty``: ``in_almaty`` and not ``allow_in_almaty``.

* A NaN in a company's need means "no such need" (``land_ha`` 0, ``rail_max_km`` inf,
  ``min_housing_km`` 0, ``max_dist_almaty_km`` inf, ``allow_in_almaty`` True).
* Ties in score go to the lower site index, so results do not depend on threads.
* :attr:`RankResult.reason_counts` counts every failing reason of every site (a site
  failing two needs counts under both); :attr:`RankResult.sole_reason_counts` counts sites
  whose *only* failing reason it is. See :func:`binding_reason`.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numba
import numpy as np
import pandas as pd
from numba import njit, prange

from planner.core import kernels as _kernels
from planner.errors import InputError
from planner.i18n import message_lang, quote, tr

__all__ = [
    "REASONS",
    "SiteArrays",
    "NeedArrays",
    "RankResult",
    "rank_companies",
    "binding_reason",
    "binding_reasons",
    "TIE_RULES",
    "rank_scores",
    "RankTable",
    "score_summary",
    "tie_offsets",
    "global_rank",
]

log = logging.getLogger(__name__)

#: why a site is filtered out for a company, in the column order of the reason counts
REASONS: tuple[str, ...] = ("excluded", "land", "rail", "hazard", "max_dist_almaty", "in_almaty")
_N_REASONS = len(REASONS)

#: at most this many companies share one pass over the sites (the utility row is read once
#: per block instead of once per company); measured best at 32-64 for 12 criteria
_MAX_BLOCK = 64


def _ready(arr: np.ndarray) -> np.ndarray:
    """C-contiguous and writeable: numba compiles a separate kernel for read-only arrays
    (pandas 3 hands out read-only views), which would cost seconds of compile per layout."""
    if arr.flags.c_contiguous and arr.flags.writeable:
        return arr
    return np.array(arr, order="C", copy=True)


def _float_array(value, name: str, n: int | None) -> np.ndarray:
    try:
        arr = _ready(np.asarray(value, dtype=np.float64))
    except (TypeError, ValueError) as exc:
        raise InputError(tr("err.ranking.not_numbers", name=name, error=exc)) from exc
    if arr.ndim != 1:
        raise InputError(tr("err.ranking.not_1d", name=name, shape=arr.shape))
    if n is not None and arr.shape[0] != n:
        raise InputError(tr("err.ranking.length", name=name, got=arr.shape[0], n=n))
    return arr


def _bool_array(value, name: str, n: int | None) -> np.ndarray:
    raw = np.asarray(value)
    if raw.ndim != 1:
        raise InputError(tr("err.ranking.not_1d", name=name, shape=raw.shape))
    if n is not None and raw.shape[0] != n:
        raise InputError(tr("err.ranking.length", name=name, got=raw.shape[0], n=n))
    if raw.dtype == np.bool_:
        return _ready(raw)
    if raw.dtype.kind in "iuf":
        bad = ~np.isin(raw, (0, 1))
    else:
        bad = np.array([not isinstance(v, bool | np.bool_) for v in raw.tolist()], dtype=bool)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise InputError(tr("err.ranking.not_bool", name=name, row=first,
                            value=_show(raw[first])))
    return _ready(raw.astype(bool))


def _show(value) -> str:
    """A value the user gave, for a message in the message language: numpy scalars as
    plain Python values; ``repr`` in English, a text in guillemets in Russian and Kazakh."""
    if isinstance(value, np.generic):
        value = value.item()
    lang = message_lang()
    if lang == "en" or not isinstance(value, str):
        return repr(value)
    return quote(value, lang)


def _rows(mask: np.ndarray, limit: int = 5) -> str:
    idx = np.flatnonzero(mask)
    shown = ", ".join(str(i) for i in idx[:limit])
    if idx.size > limit:
        return tr("err.ranking.rows_more", rows=shown, n=idx.size - limit)
    return shown


@dataclass(frozen=True)
class SiteArrays:
    """Per-site attributes the hard needs are checked against (one value per site).

    Parameters
    ----------
    capacity_ha
        Land a company could get at the site: the site's area, or for a zone its free
        area. NaN = unknown (feasible for any land need, flagged).
    dist_rail_km, dist_housing_km, dist_almaty_km
        Criteria columns of the same names. NaN is allowed only at excluded sites.
    in_almaty, excluded
        Booleans from the criteria table.
    """

    capacity_ha: np.ndarray
    dist_rail_km: np.ndarray
    dist_housing_km: np.ndarray
    dist_almaty_km: np.ndarray
    in_almaty: np.ndarray
    excluded: np.ndarray

    def __post_init__(self) -> None:
        cap = _float_array(self.capacity_ha, "sites.capacity_ha", None)
        n = cap.shape[0]
        set_ = object.__setattr__
        set_(self, "capacity_ha", cap)
        set_(self, "excluded", _bool_array(self.excluded, "sites.excluded", n))
        set_(self, "in_almaty", _bool_array(self.in_almaty, "sites.in_almaty", n))
        bad = cap < 0
        if bad.any():
            raise InputError(tr("err.ranking.negative_area", rows=_rows(bad),
                                first=_show(float(cap[bad][0]))))
        for name in ("dist_rail_km", "dist_housing_km", "dist_almaty_km"):
            arr = _float_array(getattr(self, name), f"sites.{name}", n)
            nan = np.isnan(arr) & ~self.excluded
            if nan.any():
                raise InputError(tr("err.ranking.nan_distance", name=f"sites.{name}",
                                    rows=_rows(nan)))
            if (arr < 0).any():
                raise InputError(tr("err.ranking.negative_distance", name=f"sites.{name}",
                                    rows=_rows(arr < 0)))
            set_(self, name, arr)

    @property
    def n_sites(self) -> int:
        return int(self.capacity_ha.shape[0])

    @classmethod
    def from_frame(cls, df) -> SiteArrays:
        """Build from a scored sites table (sites contract + criteria columns).

        Capacity is ``free_ha`` where known, else ``area_ha`` (a built-in zone site carries
        the zone's free land in ``free_ha``; other sites only their own area).
        """
        missing = [
            c
            for c in ("dist_rail_km", "dist_housing_km", "dist_almaty_km", "in_almaty", "excluded")
            if c not in df.columns
        ]
        if missing:
            raise InputError(tr("err.ranking.lacks_columns", columns=", ".join(missing)))

        def num(col: str) -> np.ndarray:
            if col not in df.columns:
                return np.full(len(df), np.nan)
            return df[col].to_numpy(dtype=np.float64, na_value=np.nan)

        def flag(col: str) -> np.ndarray:
            s = df[col]
            na = s.isna().to_numpy()
            if na.any():
                raise InputError(tr("err.ranking.flag_missing", column=col, rows=_rows(na)))
            return s.to_numpy(dtype=bool)

        free, area = num("free_ha"), num("area_ha")
        return cls(
            capacity_ha=np.where(np.isnan(free), area, free),
            dist_rail_km=num("dist_rail_km"),
            dist_housing_km=num("dist_housing_km"),
            dist_almaty_km=num("dist_almaty_km"),
            in_almaty=flag("in_almaty"),
            excluded=flag("excluded"),
        )


_NEED_DEFAULTS = {
    "land_ha": 0.0,
    "rail_max_km": math.inf,
    "min_housing_km": 0.0,
    "max_dist_almaty_km": math.inf,
}


@dataclass(frozen=True)
class NeedArrays:
    """Per-company hard needs (one value per company); NaN means "no such need"."""

    land_ha: np.ndarray
    rail_max_km: np.ndarray
    min_housing_km: np.ndarray
    max_dist_almaty_km: np.ndarray
    allow_in_almaty: np.ndarray

    def __post_init__(self) -> None:
        land = _float_array(self.land_ha, "needs.land_ha", None)
        n = land.shape[0]
        set_ = object.__setattr__
        for name, default in _NEED_DEFAULTS.items():
            arr = (
                land
                if name == "land_ha"
                else _float_array(getattr(self, name), f"needs.{name}", n)
            )
            arr = np.where(np.isnan(arr), default, arr)
            if (arr < 0).any():
                raise InputError(tr("err.ranking.negative_need", name=f"needs.{name}",
                                    rows=_rows(arr < 0), first=_show(float(arr[arr < 0][0]))))
            set_(self, name, _ready(arr))
        set_(self, "allow_in_almaty", _bool_array(self.allow_in_almaty, "needs.allow_in_almaty", n))

    @property
    def n_companies(self) -> int:
        return int(self.land_ha.shape[0])

    @classmethod
    def none(cls, n_companies: int) -> NeedArrays:
        """Needs of ``n_companies`` companies that have no hard need at all."""
        return cls(
            land_ha=np.zeros(n_companies),
            rail_max_km=np.full(n_companies, np.inf),
            min_housing_km=np.zeros(n_companies),
            max_dist_almaty_km=np.full(n_companies, np.inf),
            allow_in_almaty=np.ones(n_companies, dtype=bool),
        )

    @classmethod
    def from_frame(cls, df) -> NeedArrays:
        """Build from a companies table with columns of the same names (absent = no need)."""
        n = len(df)

        def col(name: str, default):
            if name not in df.columns:
                return np.full(n, default)
            if isinstance(default, bool):
                vals = df[name].to_numpy(dtype=object, copy=True)
                vals[df[name].isna().to_numpy()] = default
                return vals
            return df[name].to_numpy(dtype=np.float64, na_value=np.nan)

        return cls(
            land_ha=col("land_ha", 0.0),
            rail_max_km=col("rail_max_km", math.inf),
            min_housing_km=col("min_housing_km", 0.0),
            max_dist_almaty_km=col("max_dist_almaty_km", math.inf),
            allow_in_almaty=col("allow_in_almaty", True),
        )


@dataclass(frozen=True)
class RankResult:
    """Top-``k`` feasible sites per company and why the other sites were filtered out.

    Attributes
    ----------
    top_idx
        ``(n_companies, k)`` int64 site row indices, best first; -1 pads rows with fewer
        than ``k`` feasible sites.
    top_score
        ``(n_companies, k)`` float64 score 0-100 (``100 * U[s] @ w``); NaN where padded.
    top_area_unknown
        ``(n_companies, k)`` bool: the site's capacity is unknown (kept as feasible).
    n_feasible
        ``(n_companies,)`` number of sites passing every need.
    reason_counts
        ``(n_companies, len(REASONS))`` sites failing each reason (a site may count under
        several reasons).
    sole_reason_counts
        ``(n_companies, len(REASONS))`` sites for which that reason is the only failing
        one: dropping that one need would make exactly these sites feasible.
    """

    top_idx: np.ndarray
    top_score: np.ndarray
    top_area_unknown: np.ndarray
    n_feasible: np.ndarray
    reason_counts: np.ndarray
    sole_reason_counts: np.ndarray
    reasons: tuple[str, ...] = field(default=REASONS)

    @property
    def k(self) -> int:
        return int(self.top_idx.shape[1])

    @property
    def n_companies(self) -> int:
        return int(self.top_idx.shape[0])


# ---------------------------------------------------------------------------------------
# compiled kernels


@njit(cache=True, inline="always")
def _insert(ts, ti, j, k, score, site):
    """Insert (score, site) into row ``j`` of the descending top-k buffer.

    The caller has checked ``score > ts[j, k-1]``. Sites arrive in increasing index order,
    so a strict comparison keeps the lower index ahead of an equal score.
    """
    p = k - 1
    while p > 0 and ts[j, p - 1] < score:
        ts[j, p] = ts[j, p - 1]
        ti[j, p] = ti[j, p - 1]
        p -= 1
    ts[j, p] = score
    ti[j, p] = site


# reassoc lets LLVM split the dot product into independent (SIMD) sums: 1.5x faster. No
# "nnan"/"ninf" flags: the NaN capacity test below relies on IEEE comparisons.
@njit(parallel=True, cache=True, fastmath={"reassoc", "contract"})
def _rank_kernel(
    U, W, cap, rail, house, almaty, in_alm, excl,
    land, rail_max, min_house, max_alm, allow_in, k, block,
    top_idx, top_score, n_feas, fail_counts, sole_counts,
):  # fmt: skip
    n_sites, n_crit = U.shape
    n_comp = W.shape[0]
    n_blocks = (n_comp + block - 1) // block
    for b in prange(n_blocks):
        c0 = b * block
        nb = min(c0 + block, n_comp) - c0
        ts = np.full((nb, k), -np.inf)
        ti = np.full((nb, k), -1, dtype=np.int64)
        fails = np.zeros((nb, 6), dtype=np.int64)  # 6 = len(REASONS), in that order
        soles = np.zeros((nb, 6), dtype=np.int64)
        nf = np.zeros(nb, dtype=np.int64)
        for s in range(n_sites):
            ex = excl[s]
            cap_s = cap[s]
            rail_s = rail[s]
            house_s = house[s]
            alm_s = almaty[s]
            in_s = in_alm[s]
            for j in range(nb):
                c = c0 + j
                nfail = 0
                last = 0
                if ex:
                    fails[j, 0] += 1
                    nfail += 1
                    last = 0
                if cap_s < land[c]:  # NaN capacity compares False: unknown stays feasible
                    fails[j, 1] += 1
                    nfail += 1
                    last = 1
                if rail_s > rail_max[c]:
                    fails[j, 2] += 1
                    nfail += 1
                    last = 2
                if house_s < min_house[c]:
                    fails[j, 3] += 1
                    nfail += 1
                    last = 3
                if alm_s > max_alm[c]:
                    fails[j, 4] += 1
                    nfail += 1
                    last = 4
                if in_s and not allow_in[c]:
                    fails[j, 5] += 1
                    nfail += 1
                    last = 5
                if nfail == 0:
                    nf[j] += 1
                    sc = 0.0
                    for q in range(n_crit):
                        sc += U[s, q] * W[c, q]
                    if sc > ts[j, k - 1]:
                        _insert(ts, ti, j, k, sc, s)
                elif nfail == 1:
                    soles[j, last] += 1
        for j in range(nb):
            c = c0 + j
            n_feas[c] = nf[j]
            for r in range(6):
                fail_counts[c, r] = fails[j, r]
                sole_counts[c, r] = soles[j, r]
            for p in range(k):
                top_idx[c, p] = ti[j, p]
                top_score[c, p] = 100.0 * ts[j, p] if ti[j, p] >= 0 else np.nan


@njit(parallel=True, cache=True)
def _top_k_rows_kernel(S, F, k, top_idx, top_score):
    n_rows, n_cols = S.shape
    for c in prange(n_rows):
        ts = np.full((1, k), -np.inf)
        ti = np.full((1, k), -1, dtype=np.int64)
        for s in range(n_cols):
            if F[c, s]:
                v = S[c, s]
                if v > ts[0, k - 1]:
                    _insert(ts, ti, 0, k, v, s)
        for p in range(k):
            top_idx[c, p] = ti[0, p]
            top_score[c, p] = ts[0, p] if ti[0, p] >= 0 else np.nan


def _top_k_rows(scores: np.ndarray, feasible: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` columns of every row among ``feasible`` ones (ties: lower column first).

    ``scores`` must be finite where ``feasible``. Returns ``(idx, score)`` padded with -1/NaN.
    """
    n_rows = scores.shape[0]
    top_idx = np.empty((n_rows, k), dtype=np.int64)
    top_score = np.empty((n_rows, k), dtype=np.float64)
    _top_k_rows_kernel(
        _ready(np.asarray(scores, dtype=np.float64)),
        _ready(np.asarray(feasible, dtype=np.bool_)),
        k,
        top_idx,
        top_score,
    )
    return top_idx, top_score


# ---------------------------------------------------------------------------------------
# public entry points


def _check_matrices(U, W) -> tuple[np.ndarray, np.ndarray]:
    U = np.asarray(U)
    if U.ndim != 2:
        raise InputError(tr("err.ranking.u_shape", shape=U.shape))
    if U.dtype.kind not in "fiu":
        raise InputError(tr("err.ranking.u_dtype", dtype=U.dtype))
    U = _ready(U.astype(np.float32 if U.dtype == np.float32 else np.float64, copy=False))
    W = np.asarray(W)
    if W.ndim == 1:
        W = W[None, :]
    if W.ndim != 2 or W.dtype.kind not in "fiu":
        raise InputError(tr("err.ranking.w_shape", shape=W.shape, dtype=W.dtype))
    W = np.array(W, dtype=np.float64, order="C")  # a copy: rows are rescaled below
    if W.shape[1] != U.shape[1]:
        raise InputError(tr("err.ranking.w_columns", w=W.shape[1], u=U.shape[1]))
    bad = ~np.isfinite(W).all(axis=1) | (W < 0).any(axis=1)
    if bad.any():
        raise InputError(tr("err.ranking.w_bad", rows=_rows(bad)))
    total = W.sum(axis=1)
    if (total <= 0).any():
        raise InputError(tr("err.ranking.w_zero", rows=_rows(total <= 0)))
    off = np.abs(total - 1.0) > 1e-6
    if off.any():
        log.debug("rescaling the weights of %d companies to sum 1", int(off.sum()))
    W /= total[:, None]
    return U, W


def _block_size(n_comp: int) -> int:
    """Companies per block: large blocks, but at least 4 blocks per thread to balance load."""
    return int(min(_MAX_BLOCK, max(1, -(-n_comp // (4 * numba.get_num_threads())))))


def rank_companies(U, W, sites: SiteArrays, needs: NeedArrays, k: int = 10) -> RankResult:
    """Rank sites for every company: filter by its hard needs, keep the best ``k``.

    Parameters
    ----------
    U
        ``(n_sites, n_criteria)`` utilities 0-1 (float32 or float64) from scoring.
    W
        ``(n_companies, n_criteria)`` weights >= 0, same criteria order as ``U``; rows are
        rescaled to sum 1 so the score is 0-100.
    sites, needs
        Per-site attributes and per-company needs (see the module docstring).
    k
        Sites kept per company (>= 1).

    Returns
    -------
    RankResult
        Row ``i`` describes company ``i`` (row ``i`` of ``W`` and ``needs``).
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise InputError(tr("err.ranking.k", value=_show(k)))
    k = int(k)
    U, W = _check_matrices(U, W)
    n_sites, n_comp = U.shape[0], W.shape[0]
    if sites.n_sites != n_sites:
        raise InputError(tr("err.ranking.n_sites", sites=sites.n_sites, rows=n_sites))
    if needs.n_companies != n_comp:
        raise InputError(tr("err.ranking.n_companies", needs=needs.n_companies, rows=n_comp))
    live = ~sites.excluded
    u_live = U[live]
    bad = ~((u_live >= -1e-9) & (u_live <= 1 + 1e-9)).all(axis=1)  # NaN fails both tests
    if bad.any():
        rows = np.zeros(U.shape[0], dtype=bool)
        rows[np.flatnonzero(live)[bad]] = True
        raise InputError(tr("err.ranking.u_range", rows=_rows(rows)))

    top_idx = np.empty((n_comp, k), dtype=np.int64)
    top_score = np.empty((n_comp, k), dtype=np.float64)
    n_feas = np.empty(n_comp, dtype=np.int64)
    fails = np.empty((n_comp, _N_REASONS), dtype=np.int64)
    soles = np.empty((n_comp, _N_REASONS), dtype=np.int64)
    _rank_kernel(
        U, W,
        sites.capacity_ha, sites.dist_rail_km, sites.dist_housing_km, sites.dist_almaty_km,
        sites.in_almaty, sites.excluded,
        needs.land_ha, needs.rail_max_km, needs.min_housing_km, needs.max_dist_almaty_km,
        needs.allow_in_almaty,
        k, _block_size(n_comp), top_idx, top_score, n_feas, fails, soles,
    )  # fmt: skip
    unknown = np.append(np.isnan(sites.capacity_ha), False)[top_idx]  # -1 -> the False pad
    log.debug(
        "ranked %d sites for %d companies (k=%d); %d companies without a feasible site",
        n_sites, n_comp, k, int((n_feas == 0).sum()),
    )  # fmt: skip
    return RankResult(top_idx, top_score, unknown, n_feas, fails, soles)


def binding_reasons(result: RankResult) -> np.ndarray:
    """:func:`binding_reason` for every company at once: an array of str, "" if feasible."""
    soles, fails = result.sole_reason_counts, result.reason_counts
    # argmax returns the first maximum: ties go to the earlier reason in REASONS
    pick = np.where(soles.max(axis=1) > 0, soles.argmax(axis=1), fails.argmax(axis=1))
    names = np.asarray(result.reasons, dtype=object)[pick]
    out = np.where((result.n_feasible == 0) & (fails.max(axis=1) > 0), names, "")
    return out.astype(str)


def binding_reason(result: RankResult, i: int) -> str | None:
    """The need that keeps company ``i`` from any site, or None if it has a feasible site.

    "Binding" is the reason that alone, if dropped, would make the most sites feasible:
    the reason with the most sites for which it is the *only* failing need
    (:attr:`RankResult.sole_reason_counts`). When every site fails two needs or more, no
    single need is binding and the most frequent failing reason is returned instead.
    Ties go to the reason listed first in :data:`REASONS`. None also when there are no
    sites at all.
    """
    if not 0 <= i < result.n_companies:
        raise IndexError(f"company row {i} out of range 0-{result.n_companies - 1}")
    if result.n_feasible[i] > 0 or result.reason_counts[i].max() == 0:
        return None
    soles, fails = result.sole_reason_counts[i], result.reason_counts[i]
    pick = int(soles.argmax()) if soles.max() > 0 else int(fails.argmax())
    return result.reasons[pick]


# ---------------------------------------------------------------------------------------
# ranks of one score column: the one rank rule of the planner

#: how equal scores are ordered: ``"order"`` keeps the input order (the lower row first);
#: ``"site_id"`` puts the smaller ``site_id`` (compared as text) first, then the input order
TIE_RULES: tuple[str, ...] = ("order", "site_id")

_RADIX_MIN = 50_000  # below this numpy's sort is as fast and needs no compiled kernel
_SIGN = np.uint64(1 << 63)


def _argsort_desc(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stable order of finite or infinite floats, largest first (ties keep the input order).

    Returns ``(order, tie)``: ``tie[i]`` is True when the ``i``-th and ``i+1``-th values
    in that order are equal.
    """
    v = np.ascontiguousarray(values, dtype="f8") + 0.0  # + 0.0 turns -0.0 into 0.0
    if len(v) < _RADIX_MIN:
        order = np.argsort(-v, kind="stable")
        ranked = v[order]
        return order, ranked[1:] == ranked[:-1]
    bits = v.view(np.uint64)
    if (v < 0).any():
        # IEEE bits as keys that sort like the values: flip every bit of a negative number,
        # only the sign bit of the others; inverted they sort descending
        keys = np.where(bits >= _SIGN, bits, ~(bits | _SIGN))
    else:  # the IEEE bits of floats >= 0 sort like the values
        keys = ~bits
    order, sorted_keys = _kernels.radix_argsort(keys)
    return order, sorted_keys[1:] == sorted_keys[:-1]


def _check_rank_inputs(score, excluded, ties: str, site_ids) -> tuple[np.ndarray, np.ndarray]:
    if ties not in TIE_RULES:
        raise InputError(tr("err.ranking.tie_rule", value=_show(ties),
                            choices=", ".join(TIE_RULES)))
    s = np.asarray(score, dtype="f8")
    if s.ndim != 1:
        raise InputError(tr("err.ranking.score_1d", shape=s.shape))
    excl = np.zeros(s.shape, dtype=bool) if excluded is None else np.asarray(excluded, dtype=bool)
    if excl.shape != s.shape:
        raise InputError(tr("err.ranking.excluded_shape", shape=s.shape, excluded=excl.shape))
    bad = np.flatnonzero(np.isnan(s) & ~excl)
    if bad.size:
        raise InputError(tr("err.ranking.score_nan", row=int(bad[0]), n=bad.size))
    if ties == "site_id" and (site_ids is None or len(site_ids) != len(s)):
        raise InputError(tr("err.ranking.site_ids", got=0 if site_ids is None else len(site_ids),
                            n=len(s)))
    return s, excl


def rank_scores(
    score, excluded=None, *, ties: str = "order", site_ids=None
) -> pd.arrays.IntegerArray:
    """Ranks 1..n by descending ``score``; ``excluded`` rows get <NA>; equal scores by ``ties``.

    The planner's one rank rule: site scores, comparisons, maps and the partitioned
    engine (:func:`global_rank`) all rank with it.

    Parameters
    ----------
    score
        One number per row (NaN only at excluded rows).
    excluded
        Rows that get no rank (default: none).
    ties
        ``"order"``: equal scores keep the input order (the lower row first).
        ``"site_id"``: the smaller ``site_ids`` value, compared as text, first; equal ids
        keep the input order. Equivalent to a stable sort on ``(-score, str(site_id))``;
        only tied scores pay for comparing ids, and nothing when the tied sites already
        come in id order (e.g. a grid).
    site_ids
        One id per row; needed by ``ties="site_id"``.

    Returns
    -------
    pandas IntegerArray (``Int64``): 1 = best.
    """
    s, excl = _check_rank_inputs(score, excluded, ties, site_ids)
    rank = np.zeros(len(s), dtype=np.int64)
    idx = np.flatnonzero(~excl)
    order, tie = _argsort_desc(s[idx])
    if ties == "site_id" and tie.any():
        member = np.zeros(len(order), dtype=bool)
        member[1:] |= tie
        member[:-1] |= tie
        pos = np.flatnonzero(member)
        group = np.cumsum(np.concatenate(([True], ~tie)))[pos]
        ids = np.asarray(site_ids, dtype=object)[idx[order[pos]]].astype(str)
        same_group = group[1:] == group[:-1]
        if not np.all(~same_group | (ids[1:] >= ids[:-1])):
            # group first, then id; the input order (stable) last
            key = np.argsort(ids, kind="stable")
            id_rank = np.empty_like(key)
            id_rank[key] = np.arange(len(key))
            order[pos] = order[pos][np.lexsort((id_rank, group))]
    rank[idx[order]] = np.arange(1, len(idx) + 1)
    return pd.arrays.IntegerArray(rank, excl.copy())


# -------------------------------------------------------------- the same ranks, in parts
# A table split in parts (e.g. the partitions of a Dask run) is ranked from small
# summaries: each part's distinct scores with their counts (-> RankTable: how many rows
# score above each score), then only the tied rows, ordered among themselves by
# rank_scores. The result equals rank_scores on the concatenated parts.


def score_summary(score, excluded) -> tuple[np.ndarray, np.ndarray]:
    """Distinct scores of the ranked (not excluded) rows of a part, ascending, and counts."""
    s = np.asarray(score, dtype="f8")[~np.asarray(excluded, dtype=bool)]
    return np.unique(s, return_counts=True)


@dataclass(frozen=True)
class RankTable:
    """Distinct ranked scores of every part (ascending) with the number of rows above each."""

    scores: np.ndarray
    above: np.ndarray  # rows with a strictly higher score
    tied: np.ndarray  # the distinct scores held by more than one row, ascending

    @classmethod
    def merge(cls, summaries) -> RankTable:
        """The table of all parts from their :func:`score_summary`."""
        summaries = list(summaries)
        vals = np.concatenate([s for s, _ in summaries]) if summaries else np.empty(0)
        cnts = np.concatenate([c for _, c in summaries]) if summaries else np.empty(0, "i8")
        uniq, inv = np.unique(vals, return_inverse=True)
        counts = np.bincount(inv, weights=cnts, minlength=len(uniq)).astype(np.int64)
        above = counts[::-1].cumsum()[::-1] - counts
        return cls(scores=uniq, above=above, tied=uniq[counts > 1])

    def base(self, score: np.ndarray) -> np.ndarray:
        """Rows ranked above each score (meaningless for scores not in the table)."""
        if not len(self.scores):
            return np.zeros(len(score), dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.scores, score), len(self.scores) - 1)
        return self.above[pos]

    def tied_mask(self, score, excluded) -> np.ndarray:
        """Rows of a part whose score some other row (of any part) has too."""
        score = np.asarray(score, dtype="f8")
        if not len(self.tied):
            return np.zeros(len(score), dtype=bool)
        pos = np.minimum(np.searchsorted(self.tied, score), len(self.tied) - 1)
        return (self.tied[pos] == score) & ~np.asarray(excluded, dtype=bool)

    def ranks(self, score, excluded, tied_rows, tied_offsets) -> pd.arrays.IntegerArray:
        """The ranks of a part: rows above + 1, plus each tied row's :func:`tie_offsets`."""
        score = np.asarray(score, dtype="f8")
        excluded = np.asarray(excluded, dtype=bool)
        rank = self.base(score) + 1
        rank[tied_rows] += tied_offsets
        rank[excluded] = 0
        return pd.arrays.IntegerArray(rank.astype(np.int64), excluded.copy())


def tie_offsets(score, site_ids, ties: str = "site_id") -> np.ndarray:
    """0-based place of each tied row among the rows of equal score, by :func:`rank_scores`.

    ``score`` and ``site_ids`` are the tied rows of every part, concatenated in part order
    (which is the input order of ``ties="order"``).
    """
    score = np.asarray(score, dtype="f8")
    if not len(score):
        return np.empty(0, dtype=np.int64)
    rank = rank_scores(score, ties=ties, site_ids=site_ids).to_numpy(dtype=np.int64)
    uniq, inv, counts = np.unique(score, return_inverse=True, return_counts=True)
    first = counts[::-1].cumsum()[::-1] - counts + 1  # the best rank of each distinct score
    return rank - first[inv]


def global_rank(parts, ties: str = "site_id") -> list[pd.arrays.IntegerArray]:
    """:func:`rank_scores` of a table split in parts, each ``(score, excluded, site_id)``.

    Made from the parts' distinct scores and their tied rows only: what the Dask engine
    does across workers, here in one process. Returns one rank array per part, equal to
    ``rank_scores`` of the concatenated parts with the same ``ties`` rule.
    """
    parts = list(parts)
    table = RankTable.merge([score_summary(s, e) for s, e, _ in parts])
    tied = [table.tied_mask(s, e) for s, e, _ in parts]
    t_score = np.concatenate([np.empty(0)] + [
        np.asarray(s, "f8")[m] for (s, _, _), m in zip(parts, tied, strict=True)
    ])  # fmt: skip
    t_ids = np.concatenate([np.empty(0, dtype=object)] + [
        np.asarray(i, dtype=object)[m] if i is not None else np.full(int(m.sum()), None)
        for (_, _, i), m in zip(parts, tied, strict=True)
    ])  # fmt: skip
    offsets = tie_offsets(t_score, t_ids, ties)
    out, k = [], 0
    for (s, e, _), m in zip(parts, tied, strict=True):
        rows = np.flatnonzero(m)
        out.append(table.ranks(s, e, rows, offsets[k : k + len(rows)]))
        k += len(rows)
    return out
