"""Side-by-side comparison of a handful of candidate sites (what ``planner compare`` runs).

Akimat staff who must choose between, say, Kairat, the PIT and a plot near Boraldai need
more than a score each: the criteria side by side, whether the company's hard needs are
met, how robust the winner is to the weights, and what changes when planned zones open.
:func:`compare_sites` answers all of that for 2-12 sites and returns a :class:`Comparison`;
:mod:`planner.render.report` renders it (terminal table, offline HTML report, XLSX).

Everything is built from the planner's own pieces, so a comparison agrees with the rest
of the tool:

* sites: built-in zone sites (:func:`planner.inputs.sites.builtin_sites`), a user's sites file
  (:func:`planner.inputs.sites.read_sites`) or coordinates (:func:`parse_at`);
* scores: :func:`planner.core.scoring.score_sites` with the scenario's weights, or, for a
  company, the scenario's weights times its sector's multipliers
  (:func:`planner.config.sectors.weights_matrix`, as in ``planner score``);
* hard needs: the company's needs (:func:`planner.config.sectors.needs_arrays`) checked by the
  ranking kernel itself (:func:`planner.core.ranking.rank_companies`), one site at a time, so
  "feasible" means exactly what it means in the batch ranking (unknown free land counts
  as feasible and is flagged);
* robustness: :func:`planner.core.robustness.monte_carlo` (each weight scaled by a random
  factor in 1 +- 0.25, seeded) and :func:`planner.core.robustness.flip_weight` /
  :func:`~planner.core.robustness.flip_text` for the two best sites.

The comparison rank ranks the *eligible* sites only (not excluded and, with a company,
meeting every hard need), best score first, ties to the site given first (the rule of
:mod:`planner.core.robustness`). Ineligible sites keep their score but get no rank.
"""

from __future__ import annotations

import datetime as dt
import difflib
import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner import crs as _crs
from planner import i18n
from planner.config.scenarios import DEFAULT_SCENARIO, Scenario, load_scenario
from planner.errors import InputError

__all__ = [
    "MIN_SITES",
    "MAX_SITES",
    "SPREAD",
    "NEED_KEYS",
    "CompareError",
    "SiteCountError",
    "UnknownSiteError",
    "UnknownCompanyError",
    "PointRef",
    "CompanyInfo",
    "TimeComparison",
    "Comparison",
    "parse_at",
    "check_site_count",
    "known_sites",
    "resolve_sites",
    "find_company",
    "compare_sites",
]

log = logging.getLogger(__name__)

MIN_SITES = 2
MAX_SITES = 12
#: relative perturbation of every weight in the Monte Carlo (+-25 %)
SPREAD = 0.25
#: hard needs of a company shown per site (the ranking's reasons except ``excluded``)
NEED_KEYS = ("land", "rail", "hazard", "max_dist_almaty", "in_almaty")
#: changes of points smaller than this are not reported as a reason for a move
_POINTS_EPS = 0.05
_POINT_SOURCE = "point"
_LANGS = i18n.LANGS


# --------------------------------------------------------------------------- errors


class CompareError(InputError):
    """A comparison cannot be made from the sites or company given."""


class SiteCountError(CompareError):
    """Fewer than :data:`MIN_SITES` or more than :data:`MAX_SITES` sites (a usage error)."""


class UnknownSiteError(CompareError):
    """Site ids that are neither built-in nor in the sites file; ``suggestions`` per id."""

    def __init__(self, message: str, suggestions: Mapping[str, Sequence[str]]) -> None:
        super().__init__(message)
        self.suggestions = {k: list(v) for k, v in suggestions.items()}


class UnknownCompanyError(CompareError):
    """The company named is not in the company list (or the name is ambiguous)."""


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
        hint = " (it looks like comma decimals: write 43.40 with a dot)" if _COMMA_DEC(text) else ""
        raise CompareError(
            f"--at {text!r} is not LAT,LON[,LABEL]{hint}; give decimal degrees with a dot, "
            'latitude first, e.g. --at 43.40,76.95 or --at "43.40,76.95,Plot near Boraldai"'
        )
    lat, lon = float(m.group(1)), float(m.group(2))
    label = (m.group(3) or "").strip().strip('"').strip() or None
    west, south, east, north = _crs.REGION_BOUNDS_LONLAT
    inside = south <= lat <= north and west <= lon <= east
    if not inside and _COMMA_DEC(text):
        raise CompareError(
            f"--at {text!r} looks like comma decimals; write the numbers with a dot, latitude "
            "first, e.g. --at 43.40,76.95"
        )
    if not inside:
        if south <= lon <= north and west <= lat <= east:
            raise CompareError(
                f"--at {text!r}: latitude {lat:g} and longitude {lon:g} look swapped (Almaty "
                f"Region is at latitude {south}-{north}, longitude {west}-{east}); give the "
                f"latitude first: --at {lon:g},{lat:g}"
            )
        raise CompareError(
            f"--at {text!r}: lat={lat:g}, lon={lon:g} is outside Almaty Region (latitude "
            f"{south}-{north}, longitude {west}-{east}); check the coordinates (WGS84 decimal "
            "degrees, latitude first)"
        )
    return PointRef(lat=lat, lon=lon, label=label)


def check_site_count(n: int) -> None:
    """Refuse fewer than :data:`MIN_SITES` or more than :data:`MAX_SITES` sites."""
    if not MIN_SITES <= n <= MAX_SITES:
        what = "only 1 site was" if n == 1 else f"{n} sites were"
        raise SiteCountError(
            f"a comparison needs {MIN_SITES} to {MAX_SITES} sites, but {what} given; "
            + (
                "add another site id or --at LAT,LON"
                if n < MIN_SITES
                else f"leave out {n - MAX_SITES} of them (or rank many sites with "
                "`planner score-sites`)"
            )
        )


def known_sites(layers, sites: gpd.GeoDataFrame | str | Path | None = None) -> gpd.GeoDataFrame:
    """Every site a comparison can name: the user's ``sites`` (if any), then the built-in ones.

    ``sites`` is a sites table or a sites file (:func:`planner.inputs.sites.read_sites`). A file
    id equal to a built-in id shadows the built-in site (logged).
    """
    from planner.inputs.sites import builtin_sites, read_sites

    builtin = builtin_sites(layers)
    if sites is None:
        return builtin.reset_index(drop=True)
    user = sites if isinstance(sites, pd.DataFrame) else read_sites(sites)
    missing = [c for c in ("site_id", "name", "lon", "lat") if c not in user.columns]
    if missing:
        raise CompareError(
            f"sites table lacks column(s) {', '.join(missing)}; load it with "
            "planner.inputs.sites.read_sites"
        )
    user_ids = set(user["site_id"].astype(str))
    shadowed = sorted(user_ids & set(builtin["site_id"].astype(str)))
    if shadowed:
        log.info("sites file ids %s shadow the built-in sites of the same id", shadowed)
    keep = ~builtin["site_id"].astype(str).isin(user_ids).to_numpy()
    if isinstance(user, gpd.GeoDataFrame):
        user = _crs.to_geographic(user, what="sites table")  # refuses a table with no CRS
    else:
        user = gpd.GeoDataFrame(
            user,
            geometry=gpd.points_from_xy(user["lon"], user["lat"]),
            crs=_crs.GEOGRAPHIC_CRS,
        )
    both = pd.concat([user, builtin[keep]], ignore_index=True)
    return gpd.GeoDataFrame(both, geometry="geometry", crs=_crs.GEOGRAPHIC_CRS)


def _lookup_site(ref: str, ids: np.ndarray, names: np.ndarray) -> int | None:
    """Row of ``ref`` by exact id, then case-insensitive id, then a unique name."""
    hit = np.flatnonzero(ids == ref)
    if hit.size:
        return int(hit[0])
    fold = ref.strip().casefold()
    for values in (ids, names):
        hit = np.flatnonzero(np.array([str(v).strip().casefold() for v in values]) == fold)
        if hit.size == 1:
            return int(hit[0])
    return None


def resolve_sites(
    refs: Sequence[str | PointRef], layers, sites: gpd.GeoDataFrame | str | Path | None = None
) -> gpd.GeoDataFrame:
    """The sites table for ``refs`` (site ids or names, :class:`PointRef`), in that order.

    Returns the sites contract (``site_id``, ``name``, ``lon``, ``lat``, ``area_ha``,
    ``free_ha``, ``site_source``, geometry; EPSG:4326) on a ``RangeIndex``, plus ``ref``
    (what was asked for). Points get ids ``at-1``, ``at-2``... and ``site_source``
    ``"point"``; their name is the label, else ``"lat, lon"``.

    Raises
    ------
    SiteCountError
        fewer than 2 or more than 12 refs.
    UnknownSiteError
        listing every unknown id with its closest matches among known ids and names.
    CompareError
        a site given twice.
    """
    refs = list(refs)
    check_site_count(len(refs))
    table = known_sites(layers, sites)
    ids = table["site_id"].astype(str).to_numpy(dtype=object)
    names = table["name"].astype(str).to_numpy(dtype=object)
    rows: list[dict[str, Any]] = []
    unknown: dict[str, list[str]] = {}
    geoms = []
    n_points = 0
    for ref in refs:
        if isinstance(ref, PointRef):
            n_points += 1
            rows.append(
                {
                    "site_id": f"at-{n_points}",
                    "name": ref.label or f"{ref.lat:.5f}, {ref.lon:.5f}",
                    "lon": float(ref.lon),
                    "lat": float(ref.lat),
                    "area_ha": np.nan,
                    "free_ha": np.nan,
                    "site_source": _POINT_SOURCE,
                    "ref": f"{ref.lat:g},{ref.lon:g}",
                }
            )
            geoms.append(None)
            continue
        if not isinstance(ref, str):
            raise TypeError(f"site refs must be str or PointRef, not {type(ref).__name__}")
        i = _lookup_site(ref, ids, names)
        if i is None:
            choices = sorted(set(ids.tolist()) | set(names.tolist()))
            unknown[ref] = difflib.get_close_matches(ref, choices, n=4, cutoff=0.5)
            if not unknown[ref]:  # e.g. a name typed in another case or a fragment
                frag = ref.strip().casefold()
                unknown[ref] = [c for c in choices if frag and frag in c.casefold()][:4]
            continue
        row = table.iloc[i]
        rows.append(
            {
                "site_id": str(row["site_id"]),
                "name": str(row["name"]),
                "lon": float(row["lon"]),
                "lat": float(row["lat"]),
                "area_ha": float(row.get("area_ha", np.nan)),
                "free_ha": float(row.get("free_ha", np.nan)),
                "site_source": str(row.get("site_source", "")),
                "ref": ref,
            }
        )
        geoms.append(row.geometry)
    if unknown:
        parts = []
        for ref, close in unknown.items():
            hint = (
                f"did you mean {', '.join(repr(c) for c in close)}?" if close else "no close match"
            )
            parts.append(f"{ref!r} ({hint})")
        some = ", ".join(sorted(set(ids.tolist()))[:12])
        raise UnknownSiteError(
            f"unknown site id(s): {'; '.join(parts)}. Give built-in zone ids (e.g. {some}), "
            "ids from --sites FILE, or coordinates with --at LAT,LON",
            unknown,
        )
    taken = [r["site_id"] for r in rows if r["site_source"] != _POINT_SOURCE]
    dup = sorted({s for s in taken if taken.count(s) > 1})
    if dup:
        raise CompareError(
            f"site(s) {', '.join(repr(d) for d in dup)} given more than once; name each site once"
        )
    # point ids must not collide with a named site's id
    for r in rows:
        if r["site_source"] == _POINT_SOURCE and r["site_id"] in taken:
            k = 2
            while f"{r['site_id']}-{k}" in taken:
                k += 1
            r["site_id"] = f"{r['site_id']}-{k}"
    lon = np.array([r["lon"] for r in rows], dtype="f8")
    lat = np.array([r["lat"] for r in rows], dtype="f8")
    pts = gpd.points_from_xy(lon, lat)
    geometry = [g if g is not None else p for g, p in zip(geoms, pts, strict=True)]
    df = pd.DataFrame(rows)
    out = gpd.GeoDataFrame(
        {
            "site_id": pd.array(df["site_id"].to_numpy(dtype=object), dtype="str"),
            "name": pd.array(df["name"].to_numpy(dtype=object), dtype="str"),
            "lon": lon,
            "lat": lat,
            "area_ha": df["area_ha"].to_numpy(dtype="f8"),
            "free_ha": df["free_ha"].to_numpy(dtype="f8"),
            "site_source": pd.array(df["site_source"].to_numpy(dtype=object), dtype="str"),
            "ref": pd.array(df["ref"].to_numpy(dtype=object), dtype="str"),
        },
        geometry=gpd.GeoSeries(geometry, crs=_crs.GEOGRAPHIC_CRS),
        crs=_crs.GEOGRAPHIC_CRS,
    )
    return out


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
    where = str(getattr(companies, "path", "the company list"))
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
            f"{cid!r} (row {r})"
            for cid, r in zip(rows.get("company_id", rows.index), rows.get("row", rows.index),
                              strict=True)
        )  # fmt: skip
        raise UnknownCompanyError(
            f"{where}: {hit.sum()} companies are named {name!r} ({listed}); "
            "give the company_id with --company instead"
        )
    choices = sorted(set(names))
    close = difflib.get_close_matches(str(name), choices, n=4, cutoff=0.5)
    hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
    raise UnknownCompanyError(
        f"{where}: no company named {name!r} among {len(choices)} companies; {hint}"
        "give the name as in the file's name column, or its company_id"
    )


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


# --------------------------------------------------------------------------- text


def _q(name: str, lang: str) -> str:
    """A site name quoted for a sentence (Russian/Kazakh guillemets unless it has its own)."""
    if lang == "en" or "\u00ab" in name or "\u00bb" in name:
        return name
    return f"\u00ab{name}\u00bb"


def _n(value: float, digits: int, lang: str) -> str:
    if value is None or not np.isfinite(value):
        return "\u2013"
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if lang in ("ru", "kk") else text


_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "excluded": "Excluded ({reasons}): cannot be used.",
        "infeasible": "Does not meet the company's needs: {failed}.",
        "only": "The only usable site: {score} of 100.",
        "best": "Recommended: {score} of 100; next is {second} (\u2212{gap}); strongest on "
        "{strong}.",
        "other": "Rank {rank}: {gap} points behind the leader ({leader}), mostly on {crit} "
        "({pts}).",
        "tie": "Rank {rank}: the same score as {leader}.",
        "p_first": " First in {p}% of the weight draws.",
        "area_unknown": " Free land unknown: check before promising it.",
        "need_land": "land {value} ha free (needs {required} ha)",
        "need_land_unknown": "land: free area unknown (needs {required} ha)",
        "need_rail": "rail {value} km away (needs at most {required} km)",
        "need_hazard": "housing {value} km away (needs at least {required} km)",
        "need_max_dist_almaty": "{value} km from Almaty (needs at most {required} km)",
        "need_in_almaty": "inside Almaty (not allowed for this company)",
        "mc": "Weights varied at random {draws} times (each x{lo}-{hi}, seed {seed}): "
        "{site} ranks first in {p}% of the draws.",
        "mc_none": "No site can be ranked (all are excluded or fail the company's needs).",
        "mc_site": "{site}: first in {p}% of draws, rank {lo}-{hi} (5th-95th percentile).",
        "flip_few": "A weight flip needs two usable sites; only {n} is usable.",
        "also_same": "As of {date} the ranking stays the same.",
        "also_changed": "As of {date} the ranking changes: {moves}.",
        "also_head": "As of {date} the ranking changes.",
        "also_site": "{site}: rank {r1} \u2192 {r2}, score {s1} \u2192 {s2}",
        "also_site_same": "{site}: rank {r1} unchanged, score {s1} \u2192 {s2}",
        "also_zone": "{zone}: {st1} \u2192 {st2}",
        "also_zone_new": "now inside {zone} ({st2})",
        "also_sez": "SEZ {st1} \u2192 {st2}",
        "also_points": "{crit} {delta}",
        "also_nothing": "its own score is unchanged",
        "unranked": "not ranked",
    },
    "ru": {
        "excluded": "Исключена ({reasons}): использовать нельзя.",
        "infeasible": "Не отвечает требованиям компании: {failed}.",
        "only": "Единственная подходящая площадка: {score} из 100.",
        "best": "Рекомендуется: {score} из 100; следующая \u2014 {second} (\u2212{gap}); "
        "сильнее всего по критериям: {strong}.",
        "other": "Место {rank}: на {gap} ниже лидера ({leader}), больше всего по критерию "
        "«{crit}» ({pts}).",
        "tie": "Место {rank}: балл равен баллу лидера ({leader}).",
        "p_first": " Первая в {p}% вариантов весов.",
        "area_unknown": " Свободная площадь неизвестна: уточнить, прежде чем обещать.",
        "need_land": "земля: свободно {value} га (нужно {required} га)",
        "need_land_unknown": "земля: свободная площадь неизвестна (нужно {required} га)",
        "need_rail": "ж/д в {value} км (нужно не дальше {required} км)",
        "need_hazard": "жильё в {value} км (нужно не ближе {required} км)",
        "need_max_dist_almaty": "{value} км от Алматы (нужно не дальше {required} км)",
        "need_in_almaty": "в черте Алматы (для компании не допускается)",
        "mc": "Веса случайно изменены {draws} раз (каждый x{lo}-{hi}, seed {seed}): "
        "{site} на первом месте в {p}% вариантов.",
        "mc_none": "Ни одну площадку нельзя ранжировать (все исключены или не отвечают "
        "требованиям компании).",
        "mc_site": "{site}: первая в {p}% вариантов, место {lo}-{hi} (5-95-й процентиль).",
        "flip_few": "Для анализа смены лидера нужны две подходящие площадки; подходит {n}.",
        "also_same": "На {date} порядок площадок не меняется.",
        "also_changed": "На {date} порядок меняется: {moves}.",
        "also_head": "На {date} порядок площадок меняется.",
        "also_site": "{site}: место {r1} \u2192 {r2}, балл {s1} \u2192 {s2}",
        "also_site_same": "{site}: место {r1} без изменений, балл {s1} \u2192 {s2}",
        "also_zone": "{zone}: {st1} \u2192 {st2}",
        "also_zone_new": "теперь в зоне {zone} ({st2})",
        "also_sez": "СЭЗ: {st1} \u2192 {st2}",
        "also_points": "{crit} {delta}",
        "also_nothing": "собственный балл не изменился",
        "unranked": "вне рейтинга",
    },
    "kk": {
        "excluded": "Алынып тасталды ({reasons}): пайдалануға болмайды.",
        "infeasible": "Компания талаптарына сай емес: {failed}.",
        "only": "Жалғыз жарамды алаң: 100-ден {score}.",
        "best": "Ұсынылады: 100-ден {score}; келесісі \u2014 {second} (\u2212{gap}); ең күшті "
        "жақтары: {strong}.",
        "other": "{rank}-орын: көшбасшыдан ({leader}) {gap} ұпай төмен, негізінен «{crit}» "
        "бойынша ({pts}).",
        "tie": "{rank}-орын: балы көшбасшының ({leader}) балымен бірдей.",
        "p_first": " Салмақ нұсқаларының {p}%-ында бірінші.",
        "area_unknown": " Бос жер көлемі белгісіз: уәде бермес бұрын нақтылау керек.",
        "need_land": "жер: {value} га бос (қажет {required} га)",
        "need_land_unknown": "жер: бос көлемі белгісіз (қажет {required} га)",
        "need_rail": "т/ж {value} км жерде (қажет {required} км-ден алыс емес)",
        "need_hazard": "тұрғын үй {value} км жерде (қажет кемінде {required} км)",
        "need_max_dist_almaty": "Алматыдан {value} км (қажет {required} км-ден алыс емес)",
        "need_in_almaty": "Алматы шегінде (бұл компанияға рұқсат етілмейді)",
        "mc": "Салмақтар кездейсоқ {draws} рет өзгертілді (әрқайсысы x{lo}-{hi}, seed {seed}): "
        "{site} нұсқалардың {p}%-ында бірінші.",
        "mc_none": "Бірде-бір алаңды саралау мүмкін емес (барлығы алынып тасталды немесе "
        "компания талаптарына сай емес).",
        "mc_site": "{site}: нұсқалардың {p}%-ында бірінші, орны {lo}-{hi} (5-95 процентиль).",
        "flip_few": "Көшбасшының ауысуын талдау үшін екі жарамды алаң қажет; жарамдысы {n}.",
        "also_same": "{date} күні алаңдар реті өзгермейді.",
        "also_changed": "{date} күні рет өзгереді: {moves}.",
        "also_head": "{date} күні алаңдар реті өзгереді.",
        "also_site": "{site}: орны {r1} \u2192 {r2}, балы {s1} \u2192 {s2}",
        "also_site_same": "{site}: орны {r1} өзгеріссіз, балы {s1} \u2192 {s2}",
        "also_zone": "{zone}: {st1} \u2192 {st2}",
        "also_zone_new": "енді {zone} аймағында ({st2})",
        "also_sez": "АЭА: {st1} \u2192 {st2}",
        "also_points": "{crit} {delta}",
        "also_nothing": "өз балы өзгерген жоқ",
        "unranked": "рейтингтен тыс",
    },
}


def _flip_texts(
    flip, pair: tuple[int, int] | None, names: Mapping[str, list[str]], keys: list[str]
) -> dict[str, str]:
    from planner.core.robustness import flip_text

    out = {}
    for lang in _LANGS:
        titles = {k: i18n.criterion_label(k, lang) for k in keys}
        a, b = pair if pair is not None else (None, None)
        pair_names = (names[lang][a], names[lang][b]) if pair is not None else ("A", "B")
        quoted = (_q(pair_names[0], lang), _q(pair_names[1], lang))
        out[lang] = flip_text(flip, lang, titles, names=quoted)
    return out


# --------------------------------------------------------------------------- core


def _score(sites: gpd.GeoDataFrame, layers, sc_eff: Scenario, day: dt.date, network=None):
    from planner.core.scoring import score_sites

    base = sites.drop(columns=["ref"])
    return score_sites(base, layers, sc_eff, as_of=day, why=True, network=network)


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


def _need_text(key: str, required: float, value: float, lang: str) -> str:
    t = _TEXT[lang]
    if key == "land" and not np.isfinite(value):
        return t["need_land_unknown"].format(required=_n(required, 1, lang))
    if key == "in_almaty":
        return t["need_in_almaty"]
    digits = 1
    return t[f"need_{key}"].format(value=_n(value, digits, lang), required=_n(required, 1, lang))


def _site_names(scored: pd.DataFrame, layers) -> dict[str, list[str]]:
    """Each site's name per language: a built-in zone site is named like its zone."""
    names = scored["name"].astype(str).tolist()
    builtin = (scored["site_source"].astype(str) == "builtin").to_numpy()
    ids = scored["site_id"].astype(str).tolist()
    zones = layers["zones"]
    zone_ids = zones["id"].astype(str).tolist()
    out = {}
    for lang in _LANGS:
        by_id = dict(zip(zone_ids, i18n.feature_names(zones, lang), strict=True))
        out[lang] = [
            by_id.get(sid, nm) if b and by_id.get(sid) else nm
            for sid, nm, b in zip(ids, names, builtin, strict=True)
        ]
    return out


def _rank(score: np.ndarray, eligible: np.ndarray) -> pd.arrays.IntegerArray:
    from planner.core.scoring import rank_scores

    # no site ids: ties keep the order the sites were given in (planner.core.robustness' rule)
    return rank_scores(np.where(eligible, score, 0.0), ~eligible, None)


def _display_order(rank: pd.arrays.IntegerArray) -> np.ndarray:
    r = np.asarray(rank.to_numpy(dtype="f8", na_value=np.inf))
    return np.lexsort((np.arange(len(r)), r))


def _strong(points: np.ndarray, keys: list[str], lang: str, k: int = 2) -> str:
    top = np.argsort(-points, kind="stable")[:k]
    top = [j for j in top if points[j] > 0] or list(top[:1])
    return ", ".join(i18n.criterion_label(keys[j], lang) for j in top)


def _verdicts(
    scored: pd.DataFrame,
    keys: list[str],
    rank: pd.arrays.IntegerArray,
    eligible: np.ndarray,
    failed: list[list[str]],
    needs: pd.DataFrame | None,
    area_unknown: np.ndarray,
    p_first: np.ndarray,
    site_names: Mapping[str, list[str]],
) -> dict[str, tuple[str, ...]]:
    n = len(scored)
    score = scored["score"].to_numpy(dtype="f8")
    points = scored[[f"c_{k}" for k in keys]].to_numpy(dtype="f8", na_value=0.0)
    excluded = scored["excluded"].to_numpy(dtype=bool)
    reasons = scored["exclusion_reason"].astype(str).tolist()
    r = rank.to_numpy(dtype="f8", na_value=np.nan)
    lead = np.flatnonzero(r == 1)
    second = np.flatnonzero(r == 2)
    n_eligible = int(eligible.sum())
    out: dict[str, tuple[str, ...]] = {}
    for lang in _LANGS:
        t = _TEXT[lang]
        names = site_names[lang]
        texts = []
        for i in range(n):
            if excluded[i]:
                why = i18n.exclusion_label(reasons[i], lang) or i18n.label("excluded", lang)
                texts.append(t["excluded"].format(reasons=why))
                continue
            if not eligible[i]:
                rows = needs[(needs["site_id"] == str(scored["site_id"].iloc[i]))]
                parts = [
                    _need_text(rw.need, rw.required, rw.value, lang)
                    for rw in rows.itertuples()
                    if rw.need in failed[i]
                ]
                texts.append(t["infeasible"].format(failed="; ".join(parts)))
                continue
            if r[i] == 1:
                if n_eligible == 1:
                    text = t["only"].format(score=_n(score[i], 1, lang))
                else:
                    j = int(second[0])
                    text = t["best"].format(
                        score=_n(score[i], 1, lang),
                        gap=_n(score[i] - score[j], 1, lang),
                        second=_q(names[j], lang),
                        strong=_strong(points[i], keys, lang),
                    )
            else:
                a = int(lead[0])
                gap = score[a] - score[i]
                if gap <= 1e-9:
                    text = t["tie"].format(rank=int(r[i]), leader=_q(names[a], lang))
                else:
                    deficit = points[a] - points[i]
                    j = int(np.argmax(deficit))
                    text = t["other"].format(
                        rank=int(r[i]),
                        gap=_n(gap, 1, lang),
                        leader=_q(names[a], lang),
                        crit=i18n.criterion_label(keys[j], lang),
                        pts="\u2212" + _n(deficit[j], 1, lang),
                    )
            if n_eligible > 1 and p_first[i] > 0:
                text += t["p_first"].format(p=_n(100 * p_first[i], 0, lang))
            if area_unknown[i]:
                text += t["area_unknown"]
            texts.append(text)
        out[lang] = tuple(texts)
    return out


def _robustness_texts(
    site_names: Mapping[str, list[str]], mc, eligible, draws, seed, spread
) -> dict[str, tuple[str, ...]]:
    out = {}
    p = mc.p_first
    for lang in _LANGS:
        t = _TEXT[lang]
        names = site_names[lang]
        if not eligible.any():
            out[lang] = (t["mc_none"],)
            continue
        best = int(np.argmax(np.where(eligible, p, -1.0)))
        lines = [
            t["mc"].format(
                draws=f"{draws:,}".replace(",", "\u202f"),
                lo=_n(1 - spread, 2, lang),
                hi=_n(1 + spread, 2, lang),
                seed=seed,
                site=_q(names[best], lang),
                p=_n(100 * p[best], 0, lang),
            )
        ]
        order = np.lexsort((np.arange(len(p)), mc.base_rank))
        for i in order:
            if not eligible[i]:
                continue
            lines.append(
                t["mc_site"].format(
                    site=_q(names[i], lang),
                    p=_n(100 * p[i], 0, lang),
                    lo=int(mc.rank_p5[i]),
                    hi=int(mc.rank_p95[i]),
                )
            )
        out[lang] = tuple(lines)
    return out


def _time_comparison(
    base: pd.DataFrame,
    base_rank: pd.arrays.IntegerArray,
    other: pd.DataFrame,
    other_rank: pd.arrays.IntegerArray,
    other_eligible: np.ndarray,
    keys: list[str],
    day: dt.date,
    layers,
    site_names: Mapping[str, list[str]],
) -> TimeComparison:
    n = len(base)
    zone_names = {
        lang: dict(
            zip(
                layers["zones"]["id"].astype(str),
                i18n.feature_names(layers["zones"], lang),
                strict=True,
            )
        )
        for lang in _LANGS
    }
    r1 = base_rank.to_numpy(dtype="f8", na_value=np.nan)
    r2 = other_rank.to_numpy(dtype="f8", na_value=np.nan)
    s1 = base["score"].to_numpy(dtype="f8")
    s2 = other["score"].to_numpy(dtype="f8")
    d_pts = other[[f"c_{k}" for k in keys]].to_numpy("f8", na_value=0.0) - base[
        [f"c_{k}" for k in keys]
    ].to_numpy("f8", na_value=0.0)
    same_rank = (r1 == r2) | (np.isnan(r1) & np.isnan(r2))
    changes = pd.DataFrame(
        {
            "site_id": base["site_id"].astype("str").to_numpy(),
            "rank_from": base_rank,
            "rank_to": other_rank,
            "score_from": s1,
            "score_to": s2,
            "moved": ~same_rank,
            "zone_from": base["zone_id"].astype("str").to_numpy(),
            "zone_to": other["zone_id"].astype("str").to_numpy(),
            "status_from": base["zone_status"].astype("str").to_numpy(),
            "status_to": other["zone_status"].astype("str").to_numpy(),
            "sez_from": base["sez_status"].astype("str").to_numpy(),
            "sez_to": other["sez_status"].astype("str").to_numpy(),
        }
    )
    for j, k in enumerate(keys):
        changes[f"d_{k}"] = d_pts[:, j]
    texts: dict[str, tuple[str, ...]] = {}
    why: dict[str, tuple[str, ...]] = {}
    summary: dict[str, str] = {}
    headline: dict[str, str] = {}
    for lang in _LANGS:
        t = _TEXT[lang]
        names = site_names[lang]
        per_site = []
        per_why = []
        for i in range(n):
            reasons = []
            zf, zt = changes.at[i, "zone_from"], changes.at[i, "zone_to"]
            sf, st = changes.at[i, "status_from"], changes.at[i, "status_to"]
            if zf == zt and zt and sf != st:
                reasons.append(
                    t["also_zone"].format(
                        zone=zone_names[lang].get(zt, zt),
                        st1=i18n.status_label(sf, lang),
                        st2=i18n.status_label(st, lang),
                    )
                )
            elif zf != zt and zt:
                reasons.append(
                    t["also_zone_new"].format(
                        zone=zone_names[lang].get(zt, zt), st2=i18n.status_label(st, lang)
                    )
                )
            elif zf != zt:
                reasons.append(
                    t["also_zone"].format(
                        zone=zone_names[lang].get(zf, zf),
                        st1=i18n.status_label(sf, lang),
                        st2=i18n.status_label("none", lang),
                    )
                )
            sez_pair = (changes.at[i, "sez_from"], changes.at[i, "sez_to"])
            if sez_pair[0] != sez_pair[1] and (reasons == [] or sez_pair != (sf, st)):
                reasons.append(
                    t["also_sez"].format(
                        st1=i18n.status_label(changes.at[i, "sez_from"], lang),
                        st2=i18n.status_label(changes.at[i, "sez_to"], lang),
                    )
                )
            for j in np.argsort(-np.abs(d_pts[i]), kind="stable"):
                if abs(d_pts[i, j]) < _POINTS_EPS:
                    break
                sign = "+" if d_pts[i, j] > 0 else "\u2212"
                reasons.append(
                    t["also_points"].format(
                        crit=i18n.criterion_label(keys[j], lang),
                        delta=sign + _n(abs(d_pts[i, j]), 1, lang),
                    )
                )
            rank1 = t["unranked"] if np.isnan(r1[i]) else str(int(r1[i]))
            rank2 = t["unranked"] if np.isnan(r2[i]) else str(int(r2[i]))
            head_key = "also_site_same" if same_rank[i] else "also_site"
            head = t[head_key].format(
                site=_q(names[i], lang),
                r1=rank1,
                r2=rank2,
                s1=_n(s1[i], 1, lang),
                s2=_n(s2[i], 1, lang),
            )
            per_why.append("; ".join(reasons) or t["also_nothing"])
            per_site.append(f"{head} ({per_why[-1]})")
        texts[lang] = tuple(per_site)
        why[lang] = tuple(per_why)
        moved = [per_site[i] for i in np.flatnonzero(~same_rank)]
        summary[lang] = (
            t["also_changed"].format(date=day.isoformat(), moves="; ".join(moved))
            if moved
            else t["also_same"].format(date=day.isoformat())
        )
        headline[lang] = t["also_head" if moved else "also_same"].format(date=day.isoformat())
    return TimeComparison(
        as_of=day,
        scored=other,
        rank=other_rank,
        eligible=other_eligible,
        changes=changes,
        texts=texts,
        reasons=why,
        summary=summary,
        headline=headline,
    )


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
    if also is not None:
        cols["rank_also"] = also.rank[order]
        cols["score_also"] = also.scored["score"].to_numpy("f8")[order]
    for lang in _LANGS:
        cols[f"verdict_{lang}"] = np.array(cmp_parts["verdicts"][lang], dtype=object)[order]
    df = pd.DataFrame(cols)
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = df[c].astype("str")
    return df


def compare_sites(
    site_refs: Sequence[str | PointRef],
    *,
    layers,
    scenario: Scenario | str | Path = DEFAULT_SCENARIO,
    as_of: dt.date | str | None = None,
    company: pd.Series | Mapping | None = None,
    draws: int = 2000,
    seed: int | None = 0,
    also_as_of: dt.date | str | None = None,
    sites: gpd.GeoDataFrame | str | Path | None = None,
    spread: float = SPREAD,
    network=None,
) -> Comparison:
    """Compare 2-12 candidate sites side by side.

    Parameters
    ----------
    site_refs
        Built-in site / zone ids (``iz-kairat``), ids from ``sites``, exact site names,
        or :class:`PointRef` coordinates (:func:`parse_at`), in the order to report them.
    layers
        The :class:`~planner.inputs.layers.LayerSet`.
    scenario
        Built-in scenario name, TOML path or :class:`~planner.config.scenarios.Scenario`.
    as_of
        Date for zone statuses (default today).
    company
        A company row (:func:`find_company`; a row of ``CompanyTable.valid`` or a mapping
        with its columns): scores use its sector-adjusted weights and its hard needs
        decide which sites are eligible.
    draws, seed, spread
        Monte Carlo weight perturbation: ``draws`` random weight vectors, each weight
        scaled by a factor uniform in ``1 +- spread``, from ``numpy`` seed ``seed``.
    also_as_of
        A second date (e.g. ``2030-01-01``): the same comparison then, and why sites move.
    sites
        A sites table or file whose ids ``site_refs`` may name.

    Returns
    -------
    Comparison
    """
    from planner.core.robustness import flip_weight, from_scored, monte_carlo
    from planner.core.scoring import parse_as_of

    sc = load_scenario(scenario)
    day = parse_as_of(as_of)
    resolved = resolve_sites(site_refs, layers, sites)
    info = _company_info(company, sc) if company is not None else None
    sc_eff = sc.with_weights(info.weights) if info is not None else sc
    keys = list(sc_eff.weights)

    if network is not None:  # the node x target times once, for both dates
        from planner.core.travel import PreparedTravel, prepare_travel

        if not isinstance(network, PreparedTravel):
            network = prepare_travel(network, layers)
    scored = _score(resolved, layers, sc_eff, day, network)
    needs, needs_met, failed, area_unknown = _needs_check(scored, info, sc, keys)
    excluded = scored["excluded"].to_numpy(dtype=bool)
    eligible = ~excluded & needs_met
    score = scored["score"].to_numpy(dtype="f8")
    rank = _rank(score, eligible)
    scored["rank"] = rank
    scored["eligible"] = eligible

    ru = from_scored(scored, sc_eff.weights)
    U = np.where(np.isnan(ru.U), 0.0, ru.U)  # NaN only where excluded (not ranked anyway)
    mc = monte_carlo(U, ru.weights, draws=draws, spread=spread, seed=seed, excluded=~eligible)
    flip = None
    pair = None
    note = ""
    n_eligible = int(eligible.sum())
    names = _site_names(scored, layers)
    if n_eligible >= 2:
        r = rank.to_numpy(dtype="f8", na_value=np.nan)
        w = np.asarray(ru.weights, dtype="f8") / np.sum(ru.weights)
        flip = flip_weight(U, w, keys, excluded=~eligible)
        # flip_weight ranks from U (ties: lower index, as our rank): the same two sites
        a, b = (
            (flip.a, flip.b)
            if flip is not None
            else (int(np.flatnonzero(r == 1)[0]), int(np.flatnonzero(r == 2)[0]))
        )
        pair = (a, b)
        flip_texts = _flip_texts(flip, pair, names, keys)
    else:
        note = "fewer than two eligible sites"
        flip_texts = {lang: _TEXT[lang]["flip_few"].format(n=n_eligible) for lang in _LANGS}

    verdicts = _verdicts(
        scored, keys, rank, eligible, failed, needs, area_unknown, mc.p_first, names
    )
    rob = _robustness_texts(names, mc, eligible, draws, seed, spread)

    also = None
    if also_as_of is not None:
        day2 = parse_as_of(also_as_of)
        scored2 = _score(resolved, layers, sc_eff, day2, network)
        _, met2, _, _ = _needs_check(scored2, info, sc, keys)
        elig2 = ~scored2["excluded"].to_numpy(dtype=bool) & met2
        rank2 = _rank(scored2["score"].to_numpy(dtype="f8"), elig2)
        scored2["rank"] = rank2
        scored2["eligible"] = elig2
        also = _time_comparison(scored, rank, scored2, rank2, elig2, keys, day2, layers, names)

    order = _display_order(rank)
    table = _tidy_table(
        {
            "scored": scored, "keys": keys, "order": order, "mc": mc, "rank": rank,
            "eligible": eligible, "company": info, "needs_met": needs_met, "failed": failed,
            "area_unknown": area_unknown, "also": also, "verdicts": verdicts,
        }
    )  # fmt: skip
    log.info(
        "compared %d sites (%d eligible) with scenario %s as of %s",
        len(scored), n_eligible, sc.name, day.isoformat(),
    )  # fmt: skip
    return Comparison(
        sites=resolved,
        scored=scored,
        scenario=sc,
        weights=dict(sc_eff.weights),
        effective_hash=sc_eff.hash,
        as_of=day,
        layers=layers,
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
        verdicts=verdicts,
        flip_texts=flip_texts,
        robustness_texts=rob,
        also=also,
        table=table,
    )
