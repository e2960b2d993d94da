"""Side-by-side comparison of a handful of candidate sites (what ``planner compare`` runs).

Akimat staff who must choose between, say, Kairat, the PIT and a plot near Boraldai need
more than a score each: the criteria side by side, whether the company's hard needs are
met, how robust the winner is to the weights, and what changes when planned zones open.
:func:`compare` answers all of that for 2-12 resolved sites and returns a
:class:`Comparison`; :func:`planner.jobs.compare.compare_sites` reads the inputs (site ids,
``--at`` points, a sites file, the layers) and calls it; :mod:`planner.render.report`
renders the result (terminal table, offline HTML report, XLSX); the sentences are
:mod:`planner.core.verdicts`.

Everything is built from the planner's own pieces, so a comparison agrees with the rest
of the tool:

* scores: :func:`planner.core.scoring.score_frame` with the scenario's weights, or, for a
  company, the scenario's weights times its sector's multipliers
  (:func:`planner.config.sectors.weights_matrix`, as in ``planner score``);
* hard needs: the company's needs (:func:`planner.config.sectors.needs_arrays`) checked by the
  ranking kernel itself (:func:`planner.core.ranking.rank_companies`), one site at a time, so
  "feasible" means exactly what it means in the batch ranking (unknown free land counts
  as feasible and is flagged);
* robustness: :func:`planner.core.robustness.monte_carlo` (each weight scaled by a random
  factor in 1 +- 0.25, seeded) and :func:`planner.core.flips.flip_weight` /
  :func:`~planner.core.flips.flip_text` for the two best sites.

The comparison rank ranks the *eligible* sites only (not excluded and, with a company,
meeting every hard need), best score first, ties to the site given first
(:func:`planner.core.ranking.rank_scores` with ``ties="order"``, the rule of
:mod:`planner.core.robustness`). Ineligible sites keep their score but get no rank.
"""

from __future__ import annotations

import datetime as dt
import difflib
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner import crs as _crs
from planner import i18n
from planner.config.scenarios import DEFAULT_SCENARIO, Scenario, load_scenario
from planner.core.flips import flip_weight
from planner.core.method_ranks import MethodRanks, method_ranks
from planner.core.method_robustness import method_monte_carlo, method_terms
from planner.core.prepared import Prepared
from planner.core.ranking import _show, rank_scores
from planner.core.robustness import from_scored
from planner.core.scoring import score_frame
from planner.core.verdicts import (
    flip_texts,
    robustness_texts,
    site_names,
    time_comparison,
    verdicts,
)
from planner.errors import CompareError, SiteCountError, UnknownCompanyError

__all__ = [
    "MIN_SITES",
    "MAX_SITES",
    "SPREAD",
    "NEED_KEYS",
    "PointRef",
    "CompanyInfo",
    "TimeComparison",
    "Comparison",
    "parse_at",
    "check_site_count",
    "find_company",
    "compare",
]

log = logging.getLogger(__name__)

MIN_SITES = 2
MAX_SITES = 12
#: relative perturbation of every weight in the Monte Carlo (+-25 %)
SPREAD = 0.25
#: hard needs of a company shown per site (the ranking's reasons except ``excluded``)
NEED_KEYS = ("land", "rail", "hazard", "max_dist_almaty", "in_almaty")


# --------------------------------------------------------------------------- site references


@dataclass(frozen=True)
class PointRef:
    """A site given by coordinates (``--at LAT,LON[,LABEL]``)."""

    lat: float
    lon: float
    label: str | None = None


_NUM = r"[+-]?\d+(?:\.\d+)?"
_COMMA_DEC = re.compile(r"^\s*\d+,\d+\s*,\s*\d+,\d+").match
_AT_RE = re.compile(rf"^\s*({_NUM})\s*,\s*({_NUM})\s*(?:,(.*))?$", re.DOTALL)


def parse_at(text: str) -> PointRef:
    """Parse ``"LAT,LON"`` or ``"LAT,LON,LABEL"`` (decimal degrees with a dot, WGS84).

    The label may itself contain commas (everything after the second comma). Coordinates
    must lie in Almaty Region; swapped values (``76.95,43.40``) are refused with a hint.

    Raises
    ------
    CompareError
        with the value and the fix.
    """
    if not isinstance(text, str):
        raise TypeError(f"--at value must be a string, not {type(text).__name__}")
    m = _AT_RE.match(text)
    if m is None:
        hint = i18n.tr("err.compare.at_hint_comma") if _COMMA_DEC(text) else ""
        raise CompareError(i18n.tr("err.compare.at_syntax", text=_quoted(text), hint=hint))
    lat, lon = float(m.group(1)), float(m.group(2))
    label = (m.group(3) or "").strip().strip('"').strip() or None
    west, south, east, north = _crs.REGION_BOUNDS_LONLAT
    inside = south <= lat <= north and west <= lon <= east
    if not inside and _COMMA_DEC(text):
        raise CompareError(i18n.tr("err.compare.at_comma", text=_quoted(text)))
    if not inside:
        lang = i18n.message_lang()

        def num(x: float) -> str:
            return i18n.format_number(x, lang, significant=6)

        box = {"south": num(south), "north": num(north), "west": num(west), "east": num(east)}
        if south <= lon <= north and west <= lat <= east:
            raise CompareError(i18n.tr("err.compare.at_swapped", text=_quoted(text), lat=num(lat),
                                       lon=num(lon), fix=f"{lon:g},{lat:g}", **box))
        raise CompareError(i18n.tr("err.compare.at_outside", text=_quoted(text), lat=num(lat),
                                   lon=num(lon), **box))
    return PointRef(lat=lat, lon=lon, label=label)


def check_site_count(n: int) -> None:
    """Refuse fewer than :data:`MIN_SITES` or more than :data:`MAX_SITES` sites."""
    if not MIN_SITES <= n <= MAX_SITES:
        fix = (
            i18n.tr("err.compare.sites_add")
            if n < MIN_SITES
            else i18n.tr("err.compare.sites_drop", n=n - MAX_SITES)
        )
        key = "err.compare.sites_count_one" if n == 1 else "err.compare.sites_count"
        raise SiteCountError(i18n.tr(key, lo=MIN_SITES, hi=MAX_SITES, n=n, fix=fix))


# --------------------------------------------------------------------------- company


@dataclass(frozen=True)
class CompanyInfo:
    """The company a comparison is made for: its weights and hard needs."""

    company_id: str
    name: str
    sector: str
    land_ha: float
    weights: Mapping[str, float]
    needs: Any  # planner.config.sectors.Needs (None fields = no limit)
    row: pd.Series = field(repr=False, compare=False)


def _quoted(value: object) -> str:
    """A value the user gave, quoted for a message: 'x' in English, «x» in ru/kk."""
    return _show(str(value))


def find_company(companies, name: str) -> pd.Series:
    """The row of ``companies`` (a :class:`~planner.inputs.companies.CompanyTable` or its ``valid``
    table) whose ``name`` or ``company_id`` is ``name`` (case-insensitive).

    Raises
    ------
    UnknownCompanyError
        not found (with close matches) or ambiguous (several companies of that name:
        give the ``company_id``).
    """
    df = getattr(companies, "valid", companies)
    if not isinstance(df, pd.DataFrame) or "name" not in df.columns:
        raise TypeError("companies must be a CompanyTable or its `valid` DataFrame")
    where = str(getattr(companies, "path", "") or i18n.tr("err.compare.company_list"))
    want = str(name).strip().casefold()
    names = df["name"].astype(str)
    hit = (names.str.strip().str.casefold() == want).to_numpy()
    if "company_id" in df.columns:
        ids = df["company_id"].astype(str)
        by_id = (ids.str.strip().str.casefold() == want).to_numpy()
        if by_id.any():
            hit = by_id
    if hit.sum() == 1:
        return df.iloc[int(np.flatnonzero(hit)[0])]
    if hit.sum() > 1:
        rows = df.iloc[np.flatnonzero(hit)]
        listed = ", ".join(
            i18n.tr("err.compare.company_at_row", id=_quoted(cid), row=r)
            for cid, r in zip(rows.get("company_id", rows.index), rows.get("row", rows.index),
                              strict=True)
        )  # fmt: skip
        raise UnknownCompanyError(i18n.tr("err.compare.company_ambiguous", file=where,
                                          n=int(hit.sum()), name=_quoted(name), listed=listed))
    choices = sorted(set(names))
    close = difflib.get_close_matches(str(name), choices, n=4, cutoff=0.5)
    hint = (
        i18n.tr("err.compare.company_close", names=", ".join(_quoted(c) for c in close))
        if close
        else ""
    )
    raise UnknownCompanyError(i18n.tr("err.compare.company_unknown", file=where, name=_quoted(name),
                                      n=len(choices), hint=hint))


def _company_info(row: pd.Series | Mapping, sc: Scenario) -> CompanyInfo:
    from planner.config.sectors import company_needs, weights_matrix

    if isinstance(row, Mapping):
        row = pd.Series(dict(row))
    if not isinstance(row, pd.Series):
        raise TypeError(f"company must be a row (Series or mapping), not {type(row).__name__}")
    frame = row.to_frame().T.infer_objects()
    keys = list(sc.weights)
    w = weights_matrix(frame, keys, sc.weights)[0]
    land = pd.to_numeric(pd.Series([row.get("land_ha")]), errors="coerce").iloc[0]
    sector = row.get("sector")
    return CompanyInfo(
        company_id=str(row.get("company_id", "") or ""),
        name=str(row.get("name", "") or row.get("company_id", "")),
        sector="" if sector is None or pd.isna(sector) else str(sector),
        land_ha=float(land) if pd.notna(land) else math.nan,
        weights={k: float(v) for k, v in zip(keys, w, strict=True)},
        needs=company_needs(row, sc.needs),
        row=row,
    )


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class TimeComparison:
    """The same comparison as of another date: ranks there and why sites moved.

    ``changes`` has one row per site (input order): ``site_id``, ``rank_from``,
    ``rank_to`` (Int64, <NA> = not eligible), ``score_from``, ``score_to``, ``moved``,
    ``zone_from`` / ``zone_to`` (zone ids), ``status_from`` / ``status_to``,
    ``sez_from`` / ``sez_to`` and ``d_<criterion>`` (change of points). ``texts[lang]``
    explains each site's change in one sentence, ``reasons[lang]`` gives only what changed
    at the site; ``summary[lang]`` says it for the whole comparison (``headline[lang]`` in short).
    """

    as_of: dt.date
    scored: gpd.GeoDataFrame
    rank: pd.arrays.IntegerArray
    eligible: np.ndarray
    changes: pd.DataFrame
    texts: Mapping[str, tuple[str, ...]]
    reasons: Mapping[str, tuple[str, ...]]
    summary: Mapping[str, str]
    headline: Mapping[str, str]


@dataclass(frozen=True, eq=False)
class Comparison:
    """A side-by-side comparison of 2-12 sites (see :func:`compare_sites`).

    Arrays and the rows of ``scored`` follow the order the sites were given in; ``order``
    lists their row positions best first (eligible by rank, then the rest in input order);
    ``number`` is what the map and the report show: the rank, or None when not eligible.

    Attributes
    ----------
    sites : GeoDataFrame
        The resolved sites (sites contract + ``ref``).
    scored : GeoDataFrame
        :func:`~planner.core.scoring.score_sites` output for them (``u_*``, ``c_*``, score,
        why texts), with ``rank`` replaced by the comparison rank and ``eligible`` added.
    scenario : Scenario
        The scenario as given; ``weights`` the weights used (the company's when given).
    needs : DataFrame or None
        With a company: one row per (site, applicable need): ``site_id``, ``need``
        (:data:`NEED_KEYS`), ``required``, ``value``, ``met`` (boolean, <NA> = unknown).
    monte_carlo : MonteCarloResult
        Weight perturbation over the eligible sites.
    flip : FlipResult or None
        Smallest single weight change that swaps rank 1 and rank 2 (None: none exists
        or fewer than two eligible sites, see ``flip_note``).
    names, verdicts, flip_texts, robustness_texts : per language ("ru", "kk", "en")
        Each site's name in that language (built-in zone sites take the zone's name in
        the language, other sites their own); one verdict per site (input order); the
        flip sentence; summary lines.
    also : TimeComparison or None
        The comparison as of ``also_as_of``.
    methods : MethodRanks
        The eligible sites ranked by each aggregation method, and whether the leader
        depends on the method. ``monte_carlo`` and ``flip`` use the scenario's method.
    table : DataFrame
        One tidy row per site in ``order``: ids, position, score, rank, zone, statuses,
        criteria values and points, robustness figures, needs, verdicts.
    """

    sites: gpd.GeoDataFrame
    scored: gpd.GeoDataFrame
    scenario: Scenario
    weights: Mapping[str, float]
    effective_hash: str
    as_of: dt.date
    layers: Any = field(repr=False)
    company: CompanyInfo | None
    needs: pd.DataFrame | None
    eligible: np.ndarray
    rank: pd.arrays.IntegerArray
    order: np.ndarray
    monte_carlo: Any
    draws: int
    seed: int | None
    spread: float
    flip: Any
    flip_pair: tuple[int, int] | None
    flip_note: str
    names: Mapping[str, tuple[str, ...]]
    verdicts: Mapping[str, tuple[str, ...]]
    flip_texts: Mapping[str, str]
    robustness_texts: Mapping[str, tuple[str, ...]]
    also: TimeComparison | None
    table: pd.DataFrame
    #: ranks under WLC, TOPSIS and PROMETHEE II (:mod:`planner.core.method_ranks`)
    methods: MethodRanks | None = None

    @property
    def criteria(self) -> list[str]:
        """Criterion keys of the scenario, in scenario order."""
        return list(self.weights)

    @property
    def labels(self) -> list[str]:
        """The ``name`` of each site (input order), as given or as in the layers."""
        return self.scored["name"].astype(str).tolist()

    def number(self, i: int) -> int | None:
        """The map / card number of site row ``i``: its rank, None when not eligible."""
        r = self.rank[i]
        return None if pd.isna(r) else int(r)


# --------------------------------------------------------------------------- core


def _score(sites: gpd.GeoDataFrame, prepared: Prepared, sc_eff: Scenario):
    base = sites.drop(columns=["ref"])
    return score_frame(base, prepared, sc_eff, why=True)


def _needs_check(scored: pd.DataFrame, company: CompanyInfo | None, sc: Scenario, keys: list[str]):
    """(needs table or None, needs_met, failed keys per site, area unknown per site)."""
    n = len(scored)
    excluded = scored["excluded"].to_numpy(dtype=bool)
    if company is None:
        return None, np.ones(n, dtype=bool), [[] for _ in range(n)], np.zeros(n, dtype=bool)
    from planner.config.sectors import needs_arrays
    from planner.core.ranking import REASONS, NeedArrays, SiteArrays, rank_companies

    frame = company.row.to_frame().T.infer_objects()
    need = NeedArrays(**needs_arrays(frame, sc.needs))
    free = scored["free_ha"].to_numpy(dtype="f8", na_value=np.nan)
    area = scored["area_ha"].to_numpy(dtype="f8", na_value=np.nan)
    cap = np.where(np.isnan(free), area, free)
    rail = scored["dist_rail_km"].to_numpy(dtype="f8", na_value=np.nan)
    house = scored["dist_housing_km"].to_numpy(dtype="f8", na_value=np.nan)
    alm = scored["dist_almaty_km"].to_numpy(dtype="f8", na_value=np.nan)
    in_alm = scored["in_almaty"].to_numpy(dtype=bool)
    U = scored[[f"u_{k}" for k in keys]].to_numpy(dtype="f8", na_value=np.nan)
    W = np.ones((1, len(keys))) / len(keys)
    fails = np.zeros((n, len(REASONS)), dtype=bool)
    for i in range(n):  # at most 12 sites: the ranking kernel decides each one's needs
        sa = SiteArrays(
            capacity_ha=cap[i : i + 1],
            dist_rail_km=rail[i : i + 1],
            dist_housing_km=house[i : i + 1],
            dist_almaty_km=alm[i : i + 1],
            in_almaty=in_alm[i : i + 1],
            excluded=excluded[i : i + 1],
        )
        u = np.nan_to_num(U[i : i + 1], nan=0.0) if excluded[i] else U[i : i + 1]
        rr = rank_companies(u, W, sa, need, k=1)
        fails[i] = rr.reason_counts[0] > 0
    col = {r: j for j, r in enumerate(REASONS)}
    land_req = float(need.land_ha[0])
    applies = {
        "land": land_req > 0,
        "rail": bool(np.isfinite(need.rail_max_km[0])),
        "hazard": float(need.min_housing_km[0]) > 0,
        "max_dist_almaty": bool(np.isfinite(need.max_dist_almaty_km[0])),
        "in_almaty": not bool(need.allow_in_almaty[0]),
    }
    required = {
        "land": land_req,
        "rail": float(need.rail_max_km[0]),
        "hazard": float(need.min_housing_km[0]),
        "max_dist_almaty": float(need.max_dist_almaty_km[0]),
        "in_almaty": 0.0,
    }
    values = {"land": cap, "rail": rail, "hazard": house, "max_dist_almaty": alm,
              "in_almaty": in_alm.astype("f8")}  # fmt: skip
    recs = []
    failed: list[list[str]] = [[] for _ in range(n)]
    ids = scored["site_id"].astype(str).tolist()
    for i in range(n):
        for key in NEED_KEYS:
            if not applies[key]:
                continue
            fail = bool(fails[i, col[key]])
            met: Any = not fail
            if key == "land" and np.isnan(cap[i]):
                met = pd.NA
            if fail:
                failed[i].append(key)
            recs.append(
                {
                    "site_id": ids[i],
                    "need": key,
                    "required": required[key],
                    "value": float(values[key][i]),
                    "met": met,
                }
            )
    table = pd.DataFrame(recs, columns=["site_id", "need", "required", "value", "met"])
    table["met"] = table["met"].astype("boolean")
    table["site_id"] = table["site_id"].astype("str")
    table["need"] = table["need"].astype("str")
    needs_met = ~fails[:, [col[k] for k in NEED_KEYS]].any(axis=1)
    # unknown free land passes the land need (as in the ranking) but is flagged
    return table, needs_met, failed, np.isnan(cap) & applies["land"]


def _with_housing_names(needs: pd.DataFrame, scored: pd.DataFrame, names) -> pd.DataFrame:
    """``place_id`` and ``place_<lang>`` on the hazard rows: the housing (a city,
    settlement or residential district) nearest to the site, the one its gap is measured to."""
    out = needs.copy()
    if "nearest_housing" not in scored.columns:
        return out
    by_site = dict(zip(scored["site_id"].astype(str), scored["nearest_housing"].astype(object)
                       .fillna("").astype(str), strict=False))  # fmt: skip
    hazard = (out["need"] == "hazard").to_numpy()
    pid = np.where(hazard, out["site_id"].map(by_site).fillna("").to_numpy(dtype=object), "")
    out["place_id"] = pd.array(pid.astype(str), dtype="str")
    for lang in i18n.LANGS:
        table = names.of("cities", lang)
        out[f"place_{lang}"] = pd.array([table.get(p, p) if p else "" for p in pid.tolist()],
                                        dtype="str")  # fmt: skip
    return out


def _rank(score: np.ndarray, eligible: np.ndarray) -> pd.arrays.IntegerArray:
    # ties keep the order the sites were given in (the rule of planner.core.robustness)
    return rank_scores(np.where(eligible, score, 0.0), ~eligible, ties="order")


def _display_order(rank: pd.arrays.IntegerArray) -> np.ndarray:
    r = np.asarray(rank.to_numpy(dtype="f8", na_value=np.inf))
    return np.lexsort((np.arange(len(r)), r))


def _tidy_table(cmp_parts: dict[str, Any]) -> pd.DataFrame:
    scored = cmp_parts["scored"]
    keys = cmp_parts["keys"]
    order = cmp_parts["order"]
    mc = cmp_parts["mc"]
    rank = cmp_parts["rank"]
    cols: dict[str, Any] = {
        "position": np.arange(1, len(order) + 1),
        "site_id": scored["site_id"].astype("str").to_numpy()[order],
        "name": scored["name"].astype("str").to_numpy()[order],
        "site_source": scored["site_source"].astype("str").to_numpy()[order],
        "lon": scored["lon"].to_numpy("f8")[order],
        "lat": scored["lat"].to_numpy("f8")[order],
        "area_ha": scored["area_ha"].to_numpy("f8", na_value=np.nan)[order],
        "free_ha": scored["free_ha"].to_numpy("f8", na_value=np.nan)[order],
        "score": scored["score"].to_numpy("f8")[order],
        "rank": rank[order],
        "eligible": cmp_parts["eligible"][order],
        "excluded": scored["excluded"].to_numpy(bool)[order],
        "exclusion_reason": scored["exclusion_reason"].astype("str").to_numpy()[order],
    }
    for col in ("zone_id", "zone_status", "zone_kind", "zone_ids", "sez_status",
                "nearest_interchange"):  # fmt: skip
        cols[col] = scored[col].astype("str").to_numpy()[order]
    cols["zone_free_ha"] = scored["zone_free_ha"].to_numpy("f8", na_value=np.nan)[order]
    cols["in_almaty"] = scored["in_almaty"].to_numpy(bool)[order]
    from planner.config.scenarios import CRITERIA

    for k in keys:
        col = CRITERIA[k]
        if col.endswith(("_km", "_min")):
            cols[col] = scored[col].to_numpy("f8", na_value=np.nan)[order]
        cols[f"c_{k}"] = scored[f"c_{k}"].to_numpy("f8", na_value=np.nan)[order]
    cols["p_first"] = mc.p_first[order]
    for name, arr in (("rank_p5", mc.rank_p5), ("rank_p95", mc.rank_p95)):
        vals = arr[order]
        cols[name] = pd.arrays.IntegerArray(
            np.where(np.isfinite(vals), vals, 0).astype(np.int64), ~np.isfinite(vals)
        )
    if cmp_parts["company"] is not None:
        cols["needs_met"] = cmp_parts["needs_met"][order]
        cols["needs_failed"] = np.array([";".join(cmp_parts["failed"][i]) for i in order],
                                        dtype=object)  # fmt: skip
        cols["area_unknown"] = cmp_parts["area_unknown"][order]
    also = cmp_parts["also"]
    for m, r in cmp_parts["methods"].ranks.items():
        cols[f"rank_{m}"] = r[order]
    if also is not None:
        cols["rank_also"] = also.rank[order]
        cols["score_also"] = also.scored["score"].to_numpy("f8")[order]
    for lang in i18n.LANGS:
        cols[f"verdict_{lang}"] = np.array(cmp_parts["verdicts"][lang], dtype=object)[order]
    df = pd.DataFrame(cols)
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = df[c].astype("str")
    return df


def _company_scenario(info: CompanyInfo, sc: Scenario) -> Scenario:
    """The scenario as the company's sector scores it (its ``[transforms]``)."""
    from planner.config.sectors import transform_variants

    scenarios, of = transform_variants(info.row.to_frame().T.infer_objects(), sc)
    return scenarios[int(of[0])]


def _eligible_and_rank(scored: gpd.GeoDataFrame, info: CompanyInfo | None, sc: Scenario,
                       keys: list[str], names=None):  # fmt: skip
    """Score-independent needs check, eligibility and the comparison rank (set on ``scored``)."""
    needs, needs_met, failed, area_unknown = _needs_check(scored, info, sc, keys)
    if needs is not None and names is not None:
        needs = _with_housing_names(needs, scored, names)
    eligible = ~scored["excluded"].to_numpy(dtype=bool) & needs_met
    rank = _rank(scored["score"].to_numpy(dtype="f8"), eligible)
    scored["rank"] = rank
    scored["eligible"] = eligible
    return needs, needs_met, failed, area_unknown, eligible, rank


def _flip(U, weights, keys: list[str], rank, eligible, names, linear: bool = True):
    """(flip, pair of rows, note, flip sentences) for ranks 1 and 2 of the eligible sites.

    ``U``: what the score is a weighted sum of (utilities, or PROMETHEE's flows); not
    ``linear`` (TOPSIS): no flip, a sentence saying why.
    """
    n_eligible = int(eligible.sum())
    if n_eligible < 2:
        texts = flip_texts(None, None, names, keys, n_eligible)
        return None, None, i18n.tr("out.compare.note_few"), texts
    if not linear:
        texts = {lang: i18n.t("compare.flip_nonlinear", lang) for lang in i18n.LANGS}
        return None, None, i18n.tr("out.compare.note_nonlinear"), texts
    r = rank.to_numpy(dtype="f8", na_value=np.nan)
    w = np.asarray(weights, dtype="f8") / np.sum(weights)
    flip = flip_weight(U, w, keys, excluded=~eligible)
    # flip_weight ranks from U (ties: lower index, as our rank): the same two sites
    a, b = (
        (flip.a, flip.b)
        if flip is not None
        else (int(np.flatnonzero(r == 1)[0]), int(np.flatnonzero(r == 2)[0]))
    )
    return flip, (a, b), "", flip_texts(flip, (a, b), names, keys)


def compare(
    sites: gpd.GeoDataFrame,
    prepared: Prepared,
    *,
    scenario: Scenario | str | Path = DEFAULT_SCENARIO,
    company: pd.Series | Mapping | None = None,
    draws: int = 2000,
    seed: int | None = 0,
    spread: float = SPREAD,
    also: Prepared | None = None,
) -> Comparison:
    """Compare resolved sites side by side (what :func:`planner.jobs.compare.compare_sites`
    runs once it has read the inputs).

    Parameters
    ----------
    sites
        The sites in the order to report them: the sites contract plus ``ref`` (what was
        asked for), as :func:`planner.jobs.compare.resolve_sites` makes it.
    prepared
        The layers resolved for the comparison date (:class:`Prepared`).
    scenario, company, draws, seed, spread
        As for :func:`planner.jobs.compare.compare_sites`.
    also
        The same layers resolved for a second date (``prepared.at(day2)``): the same
        comparison then, and why sites move.
    """
    check_site_count(len(sites))
    sc = load_scenario(scenario)
    info = _company_info(company, sc) if company is not None else None
    # a company: its sector's transforms (e.g. IT not penalised inside Almaty), its weights
    sc_eff = _company_scenario(info, sc).with_weights(info.weights) if info is not None else sc
    keys = list(sc_eff.weights)

    scored = _score(sites, prepared, sc_eff)
    needs, needs_met, failed, area_unknown, eligible, rank = _eligible_and_rank(
        scored, info, sc, keys, prepared.names
    )
    ru = from_scored(scored, sc_eff.weights)
    U = np.where(np.isnan(ru.U), 0.0, ru.U)  # NaN only where excluded (not ranked anyway)
    agg = sc_eff.aggregation  # robustness of the scenario's own method
    names = site_names(scored, prepared.names)
    by_method = method_ranks(U, ru.weights, agg, eligible, names)
    if agg.method != "wlc":  # the method compares the eligible sites only (needs first)
        rank = by_method.ranks[agg.method]
        scored["score"] = np.where(eligible, by_method.scores[agg.method], scored["score"])
        scored["rank"] = rank
    mc = method_monte_carlo(U, ru.weights, agg, draws=draws, spread=spread, seed=seed,
                            excluded=~eligible)  # fmt: skip
    lin = method_terms(U, agg, eligible)
    flip, pair, note, flip_sentences = _flip(lin.a, ru.weights, keys, rank, eligible, names,
                                             lin.linear)  # fmt: skip
    verdict_texts = verdicts(
        scored, keys, rank, eligible, failed, needs, area_unknown, mc.p_first, names,
        terrain=prepared.terrain,
    )
    rob = robustness_texts(names, mc, eligible, draws, seed, spread)

    later = None
    if also is not None:
        scored2 = _score(sites, also, sc_eff)
        *_, elig2, rank2 = _eligible_and_rank(scored2, info, sc, keys, also.names)
        later = TimeComparison(**time_comparison(
            scored, rank, scored2, rank2, elig2, keys, also.as_of, prepared.names, names
        ))  # fmt: skip

    order = _display_order(rank)
    table = _tidy_table(
        {
            "scored": scored, "keys": keys, "order": order, "mc": mc, "rank": rank,
            "eligible": eligible, "company": info, "needs_met": needs_met, "failed": failed,
            "area_unknown": area_unknown, "also": later, "verdicts": verdict_texts,
            "methods": by_method,
        }
    )  # fmt: skip
    log.info(
        "compared %d sites (%d eligible) with scenario %s as of %s",
        len(scored), int(eligible.sum()), sc.name, prepared.as_of.isoformat(),
    )  # fmt: skip
    return Comparison(
        sites=sites,
        scored=scored,
        scenario=sc,
        weights=dict(sc_eff.weights),
        effective_hash=sc_eff.hash,
        as_of=prepared.as_of,
        layers=prepared.layers,
        company=info,
        needs=needs,
        eligible=eligible,
        rank=rank,
        order=order,
        monte_carlo=mc,
        draws=int(mc.draws),
        seed=seed,
        spread=float(spread),
        flip=flip,
        flip_pair=pair,
        flip_note=note,
        names={lang: tuple(v) for lang, v in names.items()},
        verdicts=verdict_texts,
        flip_texts=flip_sentences,
        robustness_texts=rob,
        also=later,
        table=table,
        methods=by_method,
    )
