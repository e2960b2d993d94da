"""Scores: criteria -> 0-1 utilities (per scenario) -> weighted points -> score and rank.

Everything here is vectorised numpy over whole columns: this is on the 1M-site hot path
(:func:`utilities` and :func:`score_table`). The plain-language reasons (``why_ru`` / ``why_kk`` /
``why_en``, :mod:`planner.core.explain`) are not: ask for them only when needed.

Columns written (``<c>`` is a criterion key of the scenario, see
:data:`planner.config.scenarios.CRITERIA`): ``u_<c>`` utility 0-1, ``c_<c>`` points
(``weight * u * 100``; 0 for excluded sites; they add up to ``score``), ``score`` 0-100,
``rank`` (Int64, 1 = best, ``<NA>`` for excluded sites; ties go to the smaller
``site_id``, :func:`planner.core.ranking.rank_scores`). With a scenario ``method`` other
than ``wlc``, ``score`` is that method's score 0-100 over the sites not excluded
(:mod:`planner.core.aggregation`), ``rank`` follows it, and ``score_wlc`` keeps the
weighted sum the ``c_<c>`` points add up to. The weighted sum of the planner is
:func:`weighted_sum`.

Loading and writing sites files is :mod:`planner.jobs.score_sites`; here a loaded sites
table is scored against layers resolved once (:class:`planner.core.prepared.Prepared`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner import i18n
from planner.config.scenarios import (
    CRITERIA,
    DEFAULT_SCENARIO,
    ZONE_STATUSES,
    Band,
    Categorical,
    Exponential,
    Linear,
    Scenario,
    load_scenario,
)
from planner.config.weighting import PointTable
from planner.core.layerset import parse_as_of
from planner.core.ranking import rank_scores
from planner.errors import InputError

if TYPE_CHECKING:
    from planner.core.prepared import Prepared

__all__ = [
    "parse_as_of",
    "score_frame",
    "score_table",
    "utilities",
    "weighted_sum",
]

log = logging.getLogger(__name__)

_STATUS_CODE = {s: i for i, s in enumerate(ZONE_STATUSES)}


def _column(df: pd.DataFrame, col: str, key: str) -> pd.Series:
    if col not in df.columns and col.endswith("_min"):
        raise InputError(i18n.tr("err.scoring.no_travel_column", col=col, key=key))
    if col not in df.columns:
        raise InputError(i18n.tr("err.scoring.no_column", col=col, key=key))
    return df[col]


def _distance(df: pd.DataFrame, col: str, key: str) -> np.ndarray:
    s = _column(df, col, key)
    try:
        d = s.to_numpy(dtype="f8", na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise InputError(
            i18n.tr("err.scoring.not_numbers", col=col, value=_first_bad(s))
        ) from exc
    n_nan = int(np.isnan(d).sum())
    if n_nan:
        log.warning("%s", i18n.tr("warn.scoring.no_value", col=col, n=n_nan, key=key))
    return d


def _first_bad(s: pd.Series) -> object:
    """The first value of ``s`` that is not a number (for the message)."""
    try:
        bad = s[pd.to_numeric(s, errors="coerce").isna() & s.notna()]
    except (TypeError, ValueError):
        return s.iloc[0]
    return bad.iloc[0] if len(bad) else s.iloc[0]


def _ramp(d: np.ndarray, zero_km: float, full_km: float) -> np.ndarray:
    """0 at ``zero_km``, 1 at ``full_km`` (either order), clipped; NaN -> 0 (fmax drops NaN)."""
    u = d - zero_km
    u /= full_km - zero_km  # a division (not * 1/x) so that d == full_km gives exactly 1
    np.fmax(u, 0.0, out=u)
    np.fmin(u, 1.0, out=u)
    return u


def _object_view(s: pd.Series) -> np.ndarray | None:
    """The column's object ndarray when that is free (object / python-backed str), else None."""
    if s.dtype == object:
        return s.to_numpy()
    raw = getattr(s.array, "_ndarray", None)
    return raw if isinstance(raw, np.ndarray) and raw.dtype == object else None


def _status_codes(s: pd.Series, col: str) -> np.ndarray:
    """Codes into ZONE_STATUSES (missing -> "none"); an unknown status is an InputError."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes, cats = s.cat.codes.to_numpy(), list(s.cat.categories)
    else:
        # factorize the object array itself when there is one (2x faster than via pandas);
        # arrow-backed strings factorize fast in pandas
        raw = _object_view(s)
        codes, uniq = pd.factorize(raw if raw is not None else s, use_na_sentinel=True)
        cats = list(uniq)
    bad = [c for c in cats if c not in _STATUS_CODE]
    if bad:
        raise InputError(i18n.tr("err.scoring.bad_status", col=col, value=bad[0],
                                 statuses=", ".join(ZONE_STATUSES)))
    lookup = np.array([_STATUS_CODE[c] for c in cats] + [_STATUS_CODE["none"]], dtype=np.int8)
    return lookup[codes]  # code -1 (missing) picks the trailing "none"


def _is_operating(s: pd.Series) -> np.ndarray:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return _status_codes(s, "sez_status") == _STATUS_CODE["operating"]
    raw = _object_view(s)
    if raw is not None:
        return raw == "operating"
    return (s == "operating").to_numpy(dtype=bool, na_value=False)


def _point_utility(df: pd.DataFrame, key: str, col: str, t: PointTable) -> np.ndarray:
    from planner.core import points

    if t.unit == "category":
        codes = _status_codes(_column(df, col, key), col)
        sez = _is_operating(_column(df, "sez_status", key)) if t.sez_bonus_points else None
        return points.utility_from_status(t, codes, sez)
    inside = None
    if t.inside_points is not None:
        inside = _column(df, "in_almaty", key).to_numpy(dtype=bool, na_value=False)
    return points.utility_from_distance(t, _distance(df, col, key), inside)


def _utility(df: pd.DataFrame, key: str, t) -> np.ndarray:
    col = CRITERIA[key]
    if isinstance(t, PointTable):
        return _point_utility(df, key, col, t)
    if isinstance(t, Categorical):
        codes = _status_codes(_column(df, col, key), col)
        table = np.array([getattr(t.values, s) for s in ZONE_STATUSES])
        u = table[codes]
        if t.sez_bonus:
            sez = _is_operating(_column(df, "sez_status", key))
            u = np.fmin(u + t.sez_bonus * sez, 1.0)
        return u
    d = _distance(df, col, key)
    if hasattr(t, "unitless"):  # a travel time in minutes: the same ramps as for km
        t = t.unitless()
    if isinstance(t, Linear):
        return _ramp(d, t.zero_at_km, t.full_at_km)
    if isinstance(t, Exponential):
        u = np.exp2(d / -t.half_km)
        np.fmax(u, 0.0, out=u)
        return np.fmin(u, 1.0, out=u)
    if isinstance(t, Band):
        u = np.fmin(
            _ramp(d, t.zero_below_km, t.full_from_km), _ramp(d, t.zero_above_km, t.full_to_km)
        )
        if t.inside_value is not None:
            inside = _column(df, "in_almaty", key).to_numpy(dtype=bool, na_value=False)
            u[inside] = t.inside_value
        return u
    raise TypeError(f"unknown transform {t!r}")  # unreachable: the scenario is validated


def _utility_arrays(criteria_df: pd.DataFrame, sc: Scenario) -> dict[str, np.ndarray]:
    return {f"u_{k}": _utility(criteria_df, k, t) for k, t in sc.criteria.items()}


def utilities(
    criteria_df: pd.DataFrame, scenario: Scenario | str = DEFAULT_SCENARIO
) -> pd.DataFrame:
    """One 0-1 utility column ``u_<criterion>`` per criterion of ``scenario``.

    Returned on ``criteria_df``'s index. A missing distance (NaN) gives utility 0 and a
    logged warning.
    """
    sc = load_scenario(scenario)
    return pd.DataFrame(_utility_arrays(criteria_df, sc), index=criteria_df.index, copy=False)


def weighted_sum(columns, weights, *, keep=None, parts: list | None = None) -> np.ndarray:
    """``sum_k columns[k] * weights[k]``: the planner's one weighted sum.

    Summed term by term in criterion order, so identical rows always give bit-identical
    sums (the tie rule, not rounding noise, then decides between them).

    Parameters
    ----------
    columns
        One array per criterion (each ``(n,)``), or a 2-D array ``(n, m)`` (its columns).
    weights
        One weight per criterion: a number, or an array ``(n,)`` of per-row weights.
    keep
        Optional factor applied to every term (e.g. 0.0 for excluded rows).
    parts
        When a list is given, each term (points of one criterion) is appended to it.
    """
    if isinstance(columns, np.ndarray) and columns.ndim == 2:
        columns = [columns[:, j] for j in range(columns.shape[1])]
    columns = list(columns)
    weights = list(weights)
    if len(columns) != len(weights):
        raise InputError(
            i18n.tr("err.scoring.weights_count", n=len(columns), m=len(weights))
        )
    n = len(columns[0]) if columns else (0 if keep is None else len(keep))
    total = np.zeros(n)
    for col, w in zip(columns, weights, strict=True):
        term = np.asarray(col, dtype="f8") * w
        if keep is not None:
            term *= keep
        if parts is not None:
            parts.append(term)
        total += term
    return total


def score_table(
    criteria_df: pd.DataFrame,
    scenario: Scenario | str = DEFAULT_SCENARIO,
    weights: Mapping[str, float] | None = None,
    *,
    site_ids: Any = None,
) -> pd.DataFrame:
    """Utilities, points, score and rank for a criteria table (vectorised; the hot path).

    Parameters
    ----------
    criteria_df
        Columns per the criteria contract (at least those the scenario uses, and ``excluded``).
    scenario
        A :class:`~planner.config.scenarios.Scenario`, a built-in name or a TOML path.
    weights
        Optional new weights for some criteria of the scenario (re-normalised).
    site_ids
        Tie-breaker for the rank (default: ``criteria_df["site_id"]`` if present, else the
        input order).

    Returns
    -------
    DataFrame on ``criteria_df``'s index: ``u_<c>``, ``c_<c>``, ``score``, ``rank``.
    """
    sc = load_scenario(scenario)
    if weights:
        sc = sc.with_weights(weights)
    u = _utility_arrays(criteria_df, sc)
    excluded = _column(criteria_df, "excluded", "exclusions").to_numpy(dtype=bool, na_value=False)
    keys = list(sc.weights)
    terms: list[np.ndarray] = []
    score = weighted_sum(
        [u[f"u_{k}"] for k in keys],
        [sc.weights[k] * 100.0 for k in keys],
        keep=(~excluded).astype("f8"),  # excluded sites get no points
        parts=terms,
    )
    points = {f"c_{k}": c for k, c in zip(keys, terms, strict=True)}
    np.clip(score, 0.0, 100.0, out=score)  # float sums may stray past 100 by an ulp
    extra = {}
    if sc.method != "wlc":  # exclusions first, then the method over the remaining sites
        from planner.core.aggregation import method_scores, topsis_columns

        C = np.stack([u[f"u_{k}"] for k in sc.weights])  # criteria x sites
        w = np.fromiter(sc.weights.values(), dtype="f8", count=len(sc.weights))
        extra["score_wlc"] = score
        if sc.method == "topsis":
            m = topsis_columns(C, w, ~excluded, sc.aggregation.ideal or "feasible")
        else:
            m = method_scores(C.T, w, sc.aggregation, feasible=~excluded)
        score = np.nan_to_num(m, nan=0.0)
    if site_ids is None and "site_id" in criteria_df.columns:
        site_ids = criteria_df["site_id"].to_numpy(dtype=object)
    ties = "order" if site_ids is None else "site_id"
    rank = rank_scores(score, excluded, ties=ties, site_ids=site_ids)
    return pd.DataFrame(
        {**u, **points, "score": score, **extra, "rank": rank}, index=criteria_df.index, copy=False
    )


def score_frame(
    sites: pd.DataFrame,
    prepared: Prepared,
    scenario: Scenario | str | Path = DEFAULT_SCENARIO,
    *,
    why: bool = True,
) -> gpd.GeoDataFrame:
    """Score a sites table: sites + criteria + ``u_*`` + ``c_*`` + score + rank (+ why).

    Parameters
    ----------
    sites
        A sites table (see :mod:`planner.inputs.sites`): ``site_id``, ``lon``, ``lat``...
    prepared
        The layers and the date, resolved once (:class:`planner.core.prepared.Prepared`).
    scenario
        Built-in name, TOML path or :class:`~planner.config.scenarios.Scenario`.
    why
        Add ``why_ru`` / ``why_kk`` / ``why_en`` reasons (skip for very large tables; see
        :func:`planner.core.explain.why_texts` to explain chosen rows later).

    Returns
    -------
    GeoDataFrame on the sites' index, ``.attrs`` = scenario, scenario_hash, as_of.
    Ranks tie to the smaller ``site_id``.
    """
    from planner.core.criteria import compute_criteria
    from planner.core.sitetable import check_sites_table

    sc = load_scenario(scenario)
    check_sites_table(sites)
    lon = sites["lon"].to_numpy(dtype="f8", na_value=np.nan)
    lat = sites["lat"].to_numpy(dtype="f8", na_value=np.nan)
    crit = compute_criteria(lon, lat, prepared, index=sites.index)
    table = score_table(crit, sc, site_ids=sites["site_id"].to_numpy())
    replaced = set(crit.columns) | set(table.columns) | {f"why_{lang}" for lang in i18n.LANGS}
    clash = [c for c in sites.columns if c in replaced]
    if clash:
        log.info("sites columns %s are recomputed by scoring", ", ".join(clash))
    base = sites.drop(columns=clash)
    if not isinstance(base, gpd.GeoDataFrame):
        base = gpd.GeoDataFrame(base, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    # concat with the GeoDataFrame first keeps geometry and CRS and copies nothing (a
    # GeoDataFrame(...) around a plain concat copies every column: 1.5 s at 1M sites)
    out = pd.concat([base, crit, table], axis=1)
    if why:
        from planner.core.explain import why_texts

        texts = why_texts(out, sc, prepared.names)
        for col in texts.columns:
            out[col] = texts[col]
    out.attrs = {"scenario": sc.name, "scenario_hash": sc.hash, "as_of": prepared.as_of.isoformat()}
    return out
