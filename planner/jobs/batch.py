"""The batch job behind ``planner score``: the best sites for every company of a list.

One pass, vectorised end to end (:func:`score_companies`):

1. the candidate sites' criteria (:func:`planner.core.criteria.compute_criteria`) and 0-1
   utilities ``U`` (:func:`planner.core.scoring.utilities`) are computed **once** for all sites;
2. every company gets its own weights ``W`` (scenario weights x its sector's multipliers,
   :func:`planner.config.sectors.weights_matrix`) and hard needs
   (:func:`planner.config.sectors.needs_arrays`: land, rail, distance from housing by hazard class,
   distance to Almaty, whether a site inside Almaty is allowed);
3. the fused kernel :func:`planner.core.ranking.rank_companies` filters the sites by each
   company's needs, counts why sites were filtered out and keeps the top ``K``;
4. optionally :func:`planner.core.allocation.allocate_ranked` gives each company at most one
   site (capacity and a share limit per zone / settlement) and
   :func:`planner.core.robustness.monte_carlo_batch` /
   :func:`~planner.core.robustness.flip_weight_batch`
   say how robust each company's ranking is to the weights;
5. the result tables are built only for the chosen (company, site) pairs, including the
   per-company points ``c_<criterion> = 100 * w_company * u`` and the reasons
   ``why_ru`` / ``why_en`` (:func:`planner.core.explain.why_texts`).

Tables of a :class:`BatchResult`:

``results``
    One row per (company, rank): the company's fields, ``rank`` (1 = best among the sites
    meeting its needs), ``site_id``, ``site_name``, ``score`` (0-100, the company's own
    weights), the criteria, the ``c_*`` points, ``why_ru`` / ``why_en``, ``lon`` / ``lat``
    and a point geometry. A site of unknown area counts as feasible for any land need
    and is flagged ``area_unknown`` (check the land before promising it). With
    allocation a column ``allocated`` marks the row of the site the company was given
    (that site may rank below ``K``: its row is then added). With robustness:
    ``p_first``, ``rank_p5``, ``rank_p95`` and, on ranks 1-2, ``flip_en`` / ``flip_ru``.
``companies``
    One row per valid company: ``status`` (``ranked`` or ``no_feasible_site``), best site
    and score, ``n_feasible``, ``filtered_<reason>`` counts, and for a company without any
    feasible site the binding need in ``no_site_reason`` with an explanation in
    ``no_site_detail``. Companies without a feasible site are listed here (and not in
    ``results``, whose every row has a rank).
``allocation``
    With allocation: one row per valid company, its site or why it got none.
``rejects``
    The input rows that could not be read, with every problem in ``reason``.

**Nothing is lost**: every input row is ranked, reported without a feasible site, or
rejected: ``rows_in == ranked + unplaced + rejected`` is checked before anything is
returned (:class:`BatchError` otherwise).

:func:`write_batch` writes the tables atomically (:func:`planner.render.outputs.write_table`:
formula-safe CSV/XLSX, CSV UTF-8 with BOM, GPKG/GeoJSON with point geometry), the rejects,
optionally an offline map (:mod:`planner.render.maps`), and a ``<file>.manifest.json`` beside each.
:func:`check_outputs` refuses existing files (without ``overwrite``) before any work.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner import crs as _crs
from planner._atomic import check_writable
from planner.config.scenarios import DEFAULT_SCENARIO, Scenario, load_scenario
from planner.config.sectors import SectorCatalog, needs_arrays, weights_matrix
from planner.core.ranking import (
    REASONS,
    NeedArrays,
    RankResult,
    SiteArrays,
    binding_reasons,
    rank_companies,
)
from planner.core.scoring import parse_as_of, utilities
from planner.errors import InputError, OutputError, PlannerError
from planner.inputs.companies import CompanyTable, read_companies

__all__ = [
    "ALLOCATION_CANDIDATES",
    "BatchError",
    "BatchResult",
    "OutputPlan",
    "ProgressFn",
    "check_outputs",
    "default_rejects_path",
    "plan_outputs",
    "run_batch",
    "score_companies",
    "write_batch",
]

log = logging.getLogger(__name__)

#: ``progress(stage, done, total)``: called before each stage and once at the end
ProgressFn = Callable[[str, int, int], None]

#: candidate sites per company in the allocation model (its best feasible ones)
ALLOCATION_CANDIDATES = 30
#: companies per ranking call when reporting progress (one kernel pass over the sites each)
_RANK_CHUNK = 512
#: largest top-K: the results table has one row per (company, rank)
_MAX_TOP_K = 1000
_RESULT_SUFFIXES = (".csv", ".xlsx", ".gpkg", ".geojson")
_REJECT_SUFFIXES = (".csv", ".xlsx")
_CSV_SEPS = (",", ";", "\t")
_SCORE_TOL = 1e-6  # score points: the kernel's sum vs the c_* columns

#: columns of ``results`` that come from the site, not the company (a company file column
#: of the same name is renamed "<name> (file)")
_SITE_FIELDS = (
    "rank", "site_id", "site_name", "score", "allocated", "p_first", "rank_p5", "rank_p95",
    "flip_en", "flip_ru", "area_unknown", "site_capacity_ha", "site_area_ha", "site_free_ha",
    "zone_id", "zone_status", "zone_kind", "sez_status", "zone_ids", "zone_free_ha",
    "preferred_zone_match", "in_almaty", "nearest_interchange", "excluded",
    "exclusion_reason", "why_ru", "why_en", "site_source", "lon", "lat", "geometry",
)  # fmt: skip


class BatchError(PlannerError, RuntimeError):
    """An internal check of the batch failed (a bug to report, not a user error)."""


# ---------------------------------------------------------------------------------------
# results


@dataclass
class BatchResult:
    """Everything one batch run produced (see the module docstring for the tables).

    Attributes
    ----------
    results, companies, allocation, rejects
        The tables (``allocation`` is None without allocation).
    counts
        ``rows_in``, ``valid``, ``rejected``, ``ranked``, ``unplaced``, ``result_rows``,
        ``sites``, ``sites_excluded``, ``blank_rows`` (+ ``allocated``, ``unassigned``).
    warnings
        Messages for the user (the company file's and the run's).
    scenario, as_of
        The scenario used and the date zone statuses were taken at.
    inputs
        Label -> input for the manifest (paths are hashed there).
    extra
        Run facts for the manifest: top_k, allocation status, robustness parameters,
        filtered-site totals, layer fingerprint, timings.
    layers
        The LayerSet used (for the map).
    rank, alloc
        The raw :class:`~planner.core.ranking.RankResult` and
        :class:`~planner.core.allocation.Allocation` (None when not run).
    """

    results: gpd.GeoDataFrame
    companies: pd.DataFrame
    rejects: pd.DataFrame
    allocation: pd.DataFrame | None
    counts: dict[str, int]
    warnings: list[str]
    scenario: Scenario
    as_of: dt.date
    inputs: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    layers: Any = None
    rank: RankResult | None = None
    alloc: Any = None

    @property
    def scenario_name(self) -> str:
        return self.scenario.name

    @property
    def scenario_hash(self) -> str:
        return self.scenario.hash

    @property
    def unplaced(self) -> pd.DataFrame:
        """Companies without any feasible site, with the binding need."""
        return self.companies[self.companies["status"] == "no_feasible_site"]

    @property
    def exit_code(self) -> int:
        """0 every row ranked; 3 some rows rejected; 1 no company could be ranked.

        Companies without a feasible site are reported, not rejected: they do not change
        the code unless no company at all could be ranked.
        """
        if self.counts["ranked"] == 0:
            return 1
        return 3 if self.counts["rejected"] else 0

    def summary_lines(self, rejects_path: str | os.PathLike | None = None) -> list[str]:
        """The run in a few plain lines, e.g. ``48 ranked, 2 rejected -> out/rejects.csv``."""
        c = self.counts
        first = f"{c['ranked']} ranked"
        if c["unplaced"]:
            why = self.unplaced["no_site_reason"].value_counts()
            reasons = ", ".join(
                f"{k}" if v == c["unplaced"] else f"{k} {v}" for k, v in why.items()
            )
            first += f", {c['unplaced']} without a feasible site ({reasons})"
        if c["rejected"]:
            first += f", {c['rejected']} rejected"
            if rejects_path is not None:
                first += f" -> {rejects_path}"
        first += f" (of {c['rows_in']:,} rows; {c['sites']:,} candidate sites"
        first += f", scenario {self.scenario_name} {self.scenario_hash}, as of {self.as_of})"
        lines = [first]
        if self.alloc is not None:
            a = self.alloc
            state = "optimal" if a.optimal else a.status
            line = f"allocation: {c['allocated']} of {c['valid']} companies placed ({state})"
            if c["unassigned"]:
                why = pd.Series(a.reason[a.reason != ""]).value_counts()
                line += "; unassigned: " + ", ".join(f"{k} {v}" for k, v in why.items())
            lines.append(line)
        return lines


# ---------------------------------------------------------------------------------------
# option checks


def _check_top_k(top_k) -> int:
    if isinstance(top_k, bool) or not isinstance(top_k, int | np.integer) or not (
        1 <= top_k <= _MAX_TOP_K
    ):
        raise InputError(
            f"top_k (--top) {top_k!r} must be a whole number from 1 to {_MAX_TOP_K}; "
            "e.g. --top 10 lists the 10 best sites per company"
        )
    return int(top_k)


def _check_max_share(max_share, allocate: bool) -> float | None:
    if max_share is None:
        return None
    if not allocate:
        raise InputError(
            f"max_share (--max-share) {max_share!r} only applies to the allocation; add "
            "--allocate, or drop --max-share"
        )
    if isinstance(max_share, bool) or not isinstance(max_share, int | float | np.floating) or not (
        0 < max_share <= 1
    ):
        raise InputError(
            f"max_share (--max-share) {max_share!r} must be a share of the companies in (0, 1], "
            "e.g. 0.3 for at most 30% of them in one zone or settlement"
        )
    return float(max_share)


# ---------------------------------------------------------------------------------------
# the core


def _stage(progress: ProgressFn | None, stages: list[str], name: str) -> None:
    if progress is not None:
        progress(name, stages.index(name), len(stages))


def _site_arrays(sites: pd.DataFrame, crit: pd.DataFrame) -> SiteArrays:
    free = sites["free_ha"].to_numpy(dtype="f8", na_value=np.nan)
    area = sites["area_ha"].to_numpy(dtype="f8", na_value=np.nan)
    return SiteArrays(
        capacity_ha=np.where(np.isnan(free), area, free),
        dist_rail_km=crit["dist_rail_km"].to_numpy(dtype="f8"),
        dist_housing_km=crit["dist_housing_km"].to_numpy(dtype="f8"),
        dist_almaty_km=crit["dist_almaty_km"].to_numpy(dtype="f8"),
        in_almaty=crit["in_almaty"].to_numpy(dtype=bool),
        excluded=crit["excluded"].to_numpy(dtype=bool),
    )


def _check_sites(sites) -> gpd.GeoDataFrame:
    if not isinstance(sites, pd.DataFrame):
        raise TypeError(f"sites must be a sites GeoDataFrame, not {type(sites).__name__}")
    missing = [c for c in ("site_id", "name", "lon", "lat", "area_ha", "free_ha") if c not in sites]
    if missing:
        raise InputError(
            f"sites table lacks column(s) {', '.join(missing)}; load the sites with "
            "planner.inputs.sites.load_sites (builtin, grid or a file)"
        )
    if len(sites) == 0:
        raise InputError(
            "the sites table has no sites; give a sites file with at least one site, or use "
            "--sites builtin"
        )
    ids = sites["site_id"].astype(str)
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        raise InputError(
            f"site_id values must be unique; {sorted(set(ids[dup]))[:5]} repeat; give each site "
            "its own id"
        )
    return sites


def _rank(U, W, sa: SiteArrays, needs: NeedArrays, k: int, progress, stages) -> RankResult:
    n = W.shape[0]
    if n <= 2 * _RANK_CHUNK or progress is None:
        return rank_companies(U, W, sa, needs, k=k)
    # long runs: rank in chunks of companies so the progress bar moves (each chunk is
    # one pass over the sites; blocks of 64 companies inside a chunk keep the kernel fast)
    parts = []
    for c0 in range(0, n, _RANK_CHUNK):
        c1 = min(n, c0 + _RANK_CHUNK)
        sub = NeedArrays(
            **{f: getattr(needs, f)[c0:c1] for f in NeedArrays.__dataclass_fields__}
        )
        parts.append(rank_companies(U, W[c0:c1], sa, sub, k=k))
        progress(f"ranking ({c1:,} of {n:,} companies)", stages.index("ranking"), len(stages))
    return RankResult(
        *(
            np.concatenate([getattr(p, f) for p in parts])
            for f in (
                "top_idx", "top_score", "top_area_unknown", "n_feasible", "reason_counts",
                "sole_reason_counts",
            )
        )
    )  # fmt: skip


def _check_method_robustness(sc: Scenario, robustness: bool) -> None:
    if robustness and sc.method != "wlc":
        raise InputError(
            f"robustness: the Monte Carlo over weights ranks by the weighted sum, but scenario "
            f"{sc.name!r} ranks by {sc.method}; drop --robustness, or see how the ranking "
            "differs between methods with `planner compare` (section: ranking by method)"
        )


def _site_groups(idx: np.ndarray, crit: pd.DataFrame, sites: pd.DataFrame, layers) -> np.ndarray:
    """Group label of sites ``idx`` for the share limit: zone, else "almaty" inside the
    city, else the nearest settlement or city outline (by polygon distance, EPSG:32643)."""
    import shapely

    labels = crit["zone_id"].to_numpy(dtype=object)[idx].copy()
    in_alm = crit["in_almaty"].to_numpy(dtype=bool)[idx]
    labels[(labels == "") & in_alm] = "almaty"
    rest = np.flatnonzero(labels == "")
    if rest.size:
        cities = layers.kind("cities", "settlement", "city_outline", metric=True)
        if len(cities) == 0:
            labels[rest] = ""
        else:
            lon = sites["lon"].to_numpy(dtype="f8")[idx[rest]]
            lat = sites["lat"].to_numpy(dtype="f8")[idx[rest]]
            x, y = _crs.lonlat_to_metric(lon, lat)
            tree = shapely.STRtree(cities.geometry.to_numpy())
            pairs = tree.query_nearest(shapely.points(x, y))
            first = np.unique(pairs[0], return_index=True)[1]  # ties: one polygon per site
            nearest = np.empty(rest.size, dtype=np.int64)
            nearest[pairs[0, first]] = pairs[1, first]
            labels[rest] = cities["id"].astype(str).to_numpy(dtype=object)[nearest]
    return labels


def _allocate(rr: RankResult, needs: NeedArrays, sa: SiteArrays, crit, sites, layers,
              max_share):  # fmt: skip
    from planner.core.allocation import allocate_ranked

    used = np.unique(rr.top_idx[rr.top_idx >= 0])
    group = np.full(sa.n_sites, None, dtype=object)
    if used.size:
        group[used] = _site_groups(used, crit, sites, layers)
    alloc = allocate_ranked(rr, needs.land_ha, sa.capacity_ha, group, max_share)
    return alloc, group


def _mc_and_flip(U, W, top_idx, keys, names: np.ndarray, draws: int, seed: int):
    from planner import i18n
    from planner.core.robustness import flip_text, flip_weight_batch, gather_top, monte_carlo_batch

    U_top, pad = gather_top(U, top_idx)
    mc = monte_carlo_batch(U_top, W, draws=draws, seed=seed, excluded=pad)
    fl = flip_weight_batch(U_top, W, keys, excluded=pad)
    n = top_idx.shape[0]
    titles = {lang: {k: i18n.criterion_label(k, lang) for k in keys} for lang in ("en", "ru")}
    flip = {"en": np.full(n, "", dtype=object), "ru": np.full(n, "", dtype=object)}
    for c in np.flatnonzero(fl.has_pair):  # one sentence per company: not a hot path
        res = fl.company(int(c))
        pair = (str(names[top_idx[c, fl.a[c]]]), str(names[top_idx[c, fl.b[c]]]))
        for lang in ("en", "ru"):
            flip[lang][c] = flip_text(res, lang, titles[lang], names=pair)
    return mc, fl, flip


def _binding_details(rr: RankResult, rows: np.ndarray, needs: NeedArrays, sa: SiteArrays,
                     reasons: np.ndarray) -> list[str]:  # fmt: skip
    """One English sentence per company in ``rows`` (each without a feasible site)."""
    live = ~sa.excluded
    n_sites = sa.n_sites
    cap = sa.capacity_ha[live]
    out = []
    for c in rows.tolist():  # only companies without any feasible site: few, not hot
        why = reasons[c]
        counts = ", ".join(
            f"{r} {int(n)}" for r, n in zip(REASONS, rr.reason_counts[c], strict=True) if n
        )
        head = f"none of the {n_sites} sites meets every need (sites failing each: {counts})"
        if why == "land" and np.isfinite(cap).any():
            hint = (
                f"land: it needs {needs.land_ha[c]:g} ha, the largest known free area of a "
                f"usable site is {np.nanmax(cap):g} ha"
            )
        elif why == "rail" and live.any():
            hint = (
                f"rail: it needs rail within {needs.rail_max_km[c]:g} km, the nearest usable "
                f"site is {sa.dist_rail_km[live].min():.1f} km from rail"
            )
        elif why == "hazard" and live.any():
            hint = (
                f"hazard: its hazard class keeps it {needs.min_housing_km[c]:g} km from housing, "
                f"the farthest usable site is {sa.dist_housing_km[live].max():.2f} km away"
            )
        elif why == "max_dist_almaty" and live.any():
            hint = (
                f"max_dist_almaty: it wants at most {needs.max_dist_almaty_km[c]:g} km from "
                f"Almaty, the nearest usable site is {sa.dist_almaty_km[live].min():.1f} km away"
            )
        elif why == "in_almaty":
            hint = "in_almaty: the only sites meeting its other needs are inside Almaty"
        elif why == "excluded":
            hint = "excluded: the sites lie in the national park, water or outside the region"
        else:
            hint = why or "no candidate sites"
        out.append(f"{hint}; {head}")
    return out


def _rename_clashes(valid: pd.DataFrame) -> pd.DataFrame:
    taken = set(valid.columns)
    ren = {}
    for c in valid.columns:
        if c in _SITE_FIELDS or c.startswith(("c_", "dist_")):
            new, k = f"{c} (file)", 2
            while new in taken:
                new, k = f"{c} (file {k})", k + 1
            ren[c] = new
            taken.add(new)
    return valid.rename(columns=ren) if ren else valid


def _result_rows(rr: RankResult, top_k: int, alloc) -> tuple[np.ndarray, np.ndarray]:
    """(company, slot) of every result row, company-major and best first."""
    keep = rr.top_idx >= 0
    keep[:, top_k:] = False
    if alloc is not None:
        # the allocated site's row, also when it ranks below top_k
        hit = (rr.top_idx == alloc.site_idx[:, None]) & (alloc.site_idx[:, None] >= 0)
        keep |= hit
    return np.nonzero(keep)


def _preferred_match(pref: np.ndarray, zone_ids: np.ndarray) -> np.ndarray:
    out = np.zeros(len(pref), dtype=bool)
    has = np.flatnonzero(pref != "")
    if has.size:  # only companies naming a zone: a short Python loop
        out[has] = [
            p.casefold() in {z.casefold() for z in zs.split(";") if z}
            for p, zs in zip(pref[has].tolist(), zone_ids[has].tolist(), strict=True)
        ]
    return out


def score_companies(
    companies: CompanyTable | pd.DataFrame,
    sites: gpd.GeoDataFrame,
    layers,
    *,
    scenario: Scenario | str | os.PathLike = DEFAULT_SCENARIO,
    as_of: dt.date | str | None = None,
    top_k: int = 10,
    allocate: bool = False,
    max_share: float | None = None,
    robustness: bool = False,
    draws: int = 2000,
    seed: int = 0,
    alloc_candidates: int = ALLOCATION_CANDIDATES,
    why: bool = True,
    catalog: SectorCatalog | None = None,
    progress: ProgressFn | None = None,
    network=None,
) -> BatchResult:
    """Rank ``sites`` for every company (the in-memory part of :func:`run_batch`).

    Parameters
    ----------
    companies
        A :class:`~planner.inputs.companies.CompanyTable` (its rejects and warnings are carried
        into the result) or its ``valid`` table.
    sites
        A sites table (:func:`planner.inputs.sites.load_sites`), EPSG:4326.
    layers
        The :class:`~planner.inputs.layers.LayerSet`.
    scenario, as_of
        Scenario (name, TOML path or object) and the date for zone statuses (default today).
    top_k
        Sites listed per company (1-1000).
    allocate, max_share
        Give each company at most one site (land per site <= its capacity; no zone /
        settlement group above ``max_share`` of the companies, None = no limit).
    robustness, draws, seed
        Monte Carlo weight perturbation (``draws`` draws, seeded) over each company's top
        ``K`` and the flip-weight sentence for ranks 1-2.
    alloc_candidates
        Candidate sites per company in the allocation model (at least ``top_k``).
    why
        Add ``why_ru`` / ``why_en`` to the result rows.
    progress
        ``progress(stage, done, total)`` callback (e.g. a progress bar).
    """
    t_start = time.perf_counter()
    timings: dict[str, float] = {}
    top_k = _check_top_k(top_k)
    max_share = _check_max_share(max_share, allocate)
    if isinstance(companies, CompanyTable):
        table = companies
        valid = table.valid
        rejects = table.rejects
        warnings = list(table.warnings)
        rows_in = table.rows_in
        blank = table.blank_rows
    elif isinstance(companies, pd.DataFrame):
        table = None
        missing = [c for c in ("company_id", "name", "land_ha") if c not in companies.columns]
        if missing:
            raise InputError(
                f"companies table lacks column(s) {', '.join(missing)}; read the list with "
                "planner.inputs.companies.read_companies (its .valid table has them)"
            )
        valid, rejects, warnings, rows_in, blank = companies, pd.DataFrame(), [], len(companies), 0
    else:
        raise TypeError(
            f"companies must be a CompanyTable or DataFrame, not {type(companies).__name__}"
        )
    sites = _check_sites(sites)
    sc = load_scenario(scenario)
    day = parse_as_of(as_of)
    _check_method_robustness(sc, robustness)
    keys = list(sc.weights)
    stages = ["criteria", "ranking", *(["allocation"] if allocate else []),
              *(["robustness"] if robustness else []), "results"]  # fmt: skip

    valid = valid.reset_index(drop=True)
    n_comp, n_sites = len(valid), len(sites)
    warnings += _preferred_zone_warnings(valid, layers)

    # 1. criteria and utilities, once for all sites
    _stage(progress, stages, "criteria")
    t0 = time.perf_counter()
    site_index = pd.RangeIndex(n_sites)
    from planner.core.criteria import compute_criteria

    crit = compute_criteria(
        sites["lon"].to_numpy(dtype="f8", na_value=np.nan),
        sites["lat"].to_numpy(dtype="f8", na_value=np.nan),
        layers, day, index=site_index, network=network,
    )  # fmt: skip
    U = np.ascontiguousarray(utilities(crit, sc)[[f"u_{k}" for k in keys]].to_numpy("f8"))
    sa = _site_arrays(sites, crit)
    timings["criteria_s"] = time.perf_counter() - t0

    # 2. per-company weights and needs, 3. the ranking kernel
    _stage(progress, stages, "ranking")
    t0 = time.perf_counter()
    W = weights_matrix(valid, keys, sc.weights, catalog)
    needs = NeedArrays(**needs_arrays(valid, sc.needs, catalog))
    k_rank = max(top_k, int(alloc_candidates)) if allocate else top_k
    k_rank = max(1, min(k_rank, n_sites))
    rr = _rank(U, W, sa, needs, k_rank, progress, stages)
    if sc.method != "wlc":  # the same needs filter, then the method among each company's sites
        from planner.core.aggregation import rank_companies_by_method

        rr = rank_companies_by_method(U, W, sa, needs, k_rank, sc.aggregation, rr)
    reasons = binding_reasons(rr)
    timings["ranking_s"] = time.perf_counter() - t0

    # 4. allocation and robustness
    alloc = group = None
    if allocate:
        _stage(progress, stages, "allocation")
        t0 = time.perf_counter()
        if n_comp:
            alloc, group = _allocate(rr, needs, sa, crit, sites, layers, max_share)
        timings["allocation_s"] = time.perf_counter() - t0
    site_names = sites["name"].astype(object).to_numpy()
    top = rr.top_idx[:, : min(top_k, rr.k)]
    mc = flip = None
    if robustness:
        _stage(progress, stages, "robustness")
        t0 = time.perf_counter()
        if n_comp:
            mc, _fl, flip = _mc_and_flip(U, W, top, keys, site_names, draws, seed)
        timings["robustness_s"] = time.perf_counter() - t0

    # 5. tables
    _stage(progress, stages, "results")
    t0 = time.perf_counter()
    ci, slot = _result_rows(rr, top_k, alloc)
    si = rr.top_idx[ci, slot]
    results = _results_table(
        valid, sites, crit, U, W, keys, rr, ci, slot, si, alloc, mc, flip, top.shape[1], sc,
        layers, why,
    )  # fmt: skip
    companies_tab = _companies_table(valid, sites, rr, reasons, needs, sa, alloc, mc, top.shape[1])
    alloc_tab = (
        _allocation_table(valid, sites, rr, needs, sa, alloc, group)
        if allocate
        else None
    )
    timings["results_s"] = time.perf_counter() - t0

    ranked = int((rr.n_feasible > 0).sum())
    unplaced = n_comp - ranked
    counts = {
        "rows_in": int(rows_in),
        "valid": n_comp,
        "rejected": len(rejects),
        "ranked": ranked,
        "unplaced": unplaced,
        "result_rows": len(results),
        "sites": n_sites,
        "sites_excluded": int(sa.excluded.sum()),
        "blank_rows": int(blank),
    }
    if allocate:
        counts["allocated"] = int(alloc.n_assigned) if alloc is not None else 0
        counts["unassigned"] = n_comp - counts["allocated"]
    _check_nothing_lost(counts, valid, results, companies_tab, rejects)

    extra: dict[str, Any] = {
        "top_k": top_k,
        "filtered_sites_total": {
            r: int(rr.reason_counts[:, j].sum()) for j, r in enumerate(REASONS)
        },
        "criteria": keys,
    }
    if layers is not None and hasattr(layers, "fingerprint"):
        extra["layers_fingerprint"] = layers.fingerprint()
    if alloc is not None:
        extra["allocation"] = {
            "status": alloc.status,
            "optimal": alloc.optimal,
            "objective": alloc.objective,
            "group_limit": alloc.group_limit,
            "max_share": max_share,
            "candidates_per_company": k_rank,
            "unknown_site_max_companies": alloc.unknown_site_max_companies,
            "solve_s": alloc.solve_s,
        }
    if robustness:
        extra["robustness"] = {"draws": draws, "spread": 0.25, "seed": seed, "over_top_k": top_k}
    timings["total_s"] = time.perf_counter() - t_start
    extra["timings"] = {k: round(v, 4) for k, v in timings.items()}
    if progress is not None:
        progress("done", len(stages), len(stages))
    log.info(
        "batch: %d companies x %d sites, %d ranked, %d unplaced in %.2f s",
        n_comp, n_sites, ranked, unplaced, timings["total_s"],
    )  # fmt: skip
    results.attrs = {"scenario": sc.name, "scenario_hash": sc.hash, "as_of": day.isoformat()}
    return BatchResult(
        results=results,
        companies=companies_tab,
        rejects=rejects,
        allocation=alloc_tab,
        counts=counts,
        warnings=warnings,
        scenario=sc,
        as_of=day,
        inputs={"companies": table.path if table is not None else None},
        extra=extra,
        layers=layers,
        rank=rr,
        alloc=alloc,
    )


def _preferred_zone_warnings(valid: pd.DataFrame, layers) -> list[str]:
    if "preferred_zone" not in valid.columns or layers is None:
        return []
    pref = valid["preferred_zone"].astype(object).fillna("").astype(str).to_numpy(dtype=object)
    known = {z.casefold() for z in layers["zones"]["id"].astype(str)}
    rows = valid["row"].tolist() if "row" in valid.columns else list(range(1, len(valid) + 1))
    bad = [
        (int(r), p)
        for r, p in zip(rows, pref.tolist(), strict=True)
        if p and p.casefold() not in known
    ]
    return [
        f"row {r}, column preferred_zone: {p!r} is not a zone id of the layers "
        f"({', '.join(sorted(known))}); preferred_zone_match stays false for this company"
        for r, p in bad
    ]


def _results_table(valid, sites, crit, U, W, keys, rr, ci, slot, si, alloc, mc, flip, k_top,
                   sc, layers, why) -> gpd.GeoDataFrame:  # fmt: skip
    n = len(ci)
    comp = _rename_clashes(valid).iloc[ci].reset_index(drop=True)
    rank = pd.array(slot + 1, dtype="Int64")
    score = rr.top_score[ci, slot]
    cols: dict[str, Any] = {
        "rank": rank,
        "site_id": sites["site_id"].astype(str).to_numpy(dtype=object)[si],
        "site_name": sites["name"].astype(object).fillna("").astype(str).to_numpy(dtype=object)[si],
        "score": score,
    }
    if alloc is not None:
        cols["allocated"] = alloc.site_idx[ci] == si
    if mc is not None:
        in_top = slot < k_top
        s = np.minimum(slot, k_top - 1)
        cols["p_first"] = np.where(in_top, mc.p_first[ci, s], np.nan)
        for name, arr in (("rank_p5", mc.rank_p5), ("rank_p95", mc.rank_p95)):
            vals = np.where(in_top, arr[ci, s], np.nan)
            cols[name] = pd.array(
                np.where(np.isfinite(vals), vals, 0).astype(np.int64), dtype="Int64"
            )
            cols[name][~np.isfinite(vals)] = pd.NA
        first2 = slot < 2
        for lang in ("en", "ru"):
            cols[f"flip_{lang}"] = np.where(first2, flip[lang][ci], "").astype(object)
    free = sites["free_ha"].to_numpy(dtype="f8", na_value=np.nan)[si]
    area = sites["area_ha"].to_numpy(dtype="f8", na_value=np.nan)[si]
    cols["area_unknown"] = rr.top_area_unknown[ci, slot]
    cols["site_capacity_ha"] = np.where(np.isnan(free), area, free)
    cols["site_area_ha"] = area
    cols["site_free_ha"] = free
    c = crit.iloc[si].reset_index(drop=True) if n else crit.iloc[:0].reset_index(drop=True)
    for col in ("zone_id", "zone_status", "zone_kind", "sez_status", "zone_ids"):
        cols[col] = c[col].to_numpy(dtype=object)
    pref = comp["preferred_zone"].astype(str).to_numpy(dtype=object) if "preferred_zone" in comp \
        else np.full(n, "", dtype=object)
    cols["preferred_zone_match"] = _preferred_match(pref, cols["zone_ids"])
    for col in crit.columns:
        if col.startswith(("dist_", "time_")) or col in (
            "nearest_interchange", "in_almaty", "zone_free_ha", "nearest_interchange_by_road",
            "snap_m", "no_road_access",
        ):  # fmt: skip
            cols[col] = c[col].to_numpy()
    # the company's own points: c_k = 100 * w_company_k * u_site_k (they sum to the score)
    points = 100.0 * W[ci] * U[si] if n else np.zeros((0, len(keys)))
    for j, k in enumerate(keys):
        cols[f"c_{k}"] = points[:, j]
    if sc.method != "wlc":  # the points add up to the weighted sum, not the method's score
        cols["score_wlc"] = points.sum(axis=1)
    elif n:
        off = np.abs(points.sum(axis=1) - score)
        if not (off <= _SCORE_TOL).all():
            r = int(np.argmax(off))
            raise BatchError(
                f"internal error: the points of result row {r} add up to "
                f"{points[r].sum():.6f}, the ranking gave {score[r]:.6f}; please report this bug"
            )
    out = pd.concat([comp, pd.DataFrame(cols)], axis=1)
    if why:
        from planner.core.explain import why_texts

        texts = why_texts(
            pd.concat([out[[f"c_{k}" for k in keys]], c], axis=1), sc, layers
        ) if n else pd.DataFrame({"why_ru": [], "why_en": []}, dtype="str")
        out["why_ru"] = texts["why_ru"].to_numpy()
        out["why_en"] = texts["why_en"].to_numpy()
    lon = sites["lon"].to_numpy(dtype="f8")[si]
    lat = sites["lat"].to_numpy(dtype="f8")[si]
    out["site_source"] = sites["site_source"].astype(str).to_numpy(dtype=object)[si] \
        if "site_source" in sites else ""
    out["lon"] = lon
    out["lat"] = lat
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].astype("str")
    return gpd.GeoDataFrame(
        out, geometry=gpd.points_from_xy(lon, lat), crs=_crs.GEOGRAPHIC_CRS
    )


def _companies_table(valid, sites, rr, reasons, needs, sa, alloc, mc, k_top) -> pd.DataFrame:
    n = len(valid)
    base = [c for c in ("company_id", "row", "name", "sector", "land_ha") if c in valid]
    out = valid[base].copy()
    feasible = rr.n_feasible > 0
    out["status"] = pd.array(np.where(feasible, "ranked", "no_feasible_site"), dtype="str")
    out["n_feasible"] = rr.n_feasible
    best = rr.top_idx[:, 0] if rr.k else np.full(n, -1)
    ids = np.append(sites["site_id"].astype(str).to_numpy(dtype=object), "")
    names = np.append(sites["name"].astype(object).fillna("").astype(str).to_numpy(dtype=object),
                      "")  # fmt: skip
    out["best_site_id"] = pd.array(ids[best], dtype="str")
    out["best_site_name"] = pd.array(names[best], dtype="str")
    out["best_score"] = rr.top_score[:, 0] if rr.k else np.full(n, np.nan)
    if mc is not None and n:
        out["best_p_first"] = np.where(best >= 0, mc.p_first[:, 0], np.nan)
    for j, r in enumerate(REASONS):
        out[f"filtered_{r}"] = rr.reason_counts[:, j]
    out["no_site_reason"] = pd.array(reasons, dtype="str")
    detail = np.full(n, "", dtype=object)
    lost = np.flatnonzero(~feasible)
    if lost.size:
        detail[lost] = _binding_details(rr, lost, needs, sa, reasons)
    out["no_site_detail"] = pd.array(detail, dtype="str")
    if alloc is not None:
        s = alloc.site_idx
        out["allocated_site_id"] = pd.array(ids[s], dtype="str")
        out["allocated_site_name"] = pd.array(names[s], dtype="str")
        out["allocated_score"] = alloc.score
        out["allocation_reason"] = pd.array(alloc.reason, dtype="str")
    return out.reset_index(drop=True)


def _allocation_table(valid, sites, rr, needs, sa, alloc, group) -> pd.DataFrame:
    n = len(valid)
    out = valid[[c for c in ("company_id", "row", "name", "land_ha") if c in valid]].copy()
    out = out.reset_index(drop=True)
    ids = np.append(sites["site_id"].astype(str).to_numpy(dtype=object), "")
    names = np.append(sites["name"].astype(object).fillna("").astype(str).to_numpy(dtype=object),
                      "")  # fmt: skip
    if alloc is None:  # no valid company
        site = np.full(n, -1, dtype=np.int64)
        reason = np.full(n, "", dtype=object)
    else:
        site, reason = alloc.site_idx, alloc.reason.astype(object)
    assigned = site >= 0
    hit = (rr.top_idx == site[:, None]) & assigned[:, None]
    rank = np.where(assigned, hit.argmax(axis=1) + 1, 0)
    land = np.where(np.isnan(needs.land_ha), 0.0, needs.land_ha)
    used = np.bincount(site[assigned], weights=land[assigned], minlength=sa.n_sites)
    n_at = np.bincount(site[assigned], minlength=sa.n_sites)
    grp = np.append(group if group is not None else np.full(sa.n_sites, None, dtype=object), None)
    out["allocated"] = assigned
    out["site_id"] = pd.array(ids[site], dtype="str")
    out["site_name"] = pd.array(names[site], dtype="str")
    out["rank"] = pd.array(np.where(assigned, rank, 0), dtype="Int64")
    out.loc[~assigned, "rank"] = pd.NA
    out["score"] = alloc.score if alloc is not None else np.full(n, np.nan)
    g = grp[site]
    out["group"] = pd.array([str(v) if v else "" for v in g.tolist()], dtype="str")
    cap = np.append(sa.capacity_ha, np.nan)[site]
    out["site_capacity_ha"] = np.where(assigned, cap, np.nan)
    out["site_used_ha"] = np.where(assigned, np.append(used, np.nan)[site], np.nan)
    out["site_companies"] = np.where(assigned, np.append(n_at, 0)[site], 0)
    out["area_unknown"] = assigned & np.isnan(cap)
    out["reason"] = pd.array(reason, dtype="str")
    notes = np.full(n, "", dtype=object)
    if alloc is not None:
        for i in np.flatnonzero(~assigned).tolist():  # unassigned companies only
            notes[i] = _unassigned_note(alloc, i, ids, names, grp, used, n_at, land, sa)
        area_unknown = np.flatnonzero(assigned & np.isnan(cap))
        notes[area_unknown] = "site area unknown: check the land before promising it"
    out["note"] = pd.array(notes, dtype="str")
    return out


def _unassigned_note(alloc, i, ids, names, grp, used, n_at, land, sa) -> str:
    why = alloc.reason[i]
    b = int(alloc.blocked_site[i])
    if why == "no_feasible_site" or b < 0:
        return "no site meets its needs (see no_site_reason in the companies table)"
    site = f"{names[b]} ({ids[b]})" if names[b] and names[b] != ids[b] else str(ids[b])
    if why == "capacity_taken" and np.isnan(sa.capacity_ha[b]):
        return (
            f"its best candidate {site} has an unknown area and already holds {int(n_at[b])} "
            "company(ies), the most a site of unknown size takes"
        )
    if why == "capacity_taken":
        left = sa.capacity_ha[b] - used[b]
        return f"its best candidate {site} has {left:.1f} ha left, it needs {land[i]:g} ha"
    if why == "group_share_limit":
        return (
            f"its best candidate {site} is in group {grp[b]!r}, which already holds "
            f"{alloc.group_limit} companies (the --max-share limit)"
        )
    return f"left unassigned by the optimum although its best candidate {site} had room"


def _check_nothing_lost(counts, valid, results, companies_tab, rejects) -> None:
    c = counts
    problems = []
    if c["rows_in"] != c["ranked"] + c["unplaced"] + c["rejected"]:
        problems.append(
            f"{c['rows_in']} rows in but {c['ranked']} ranked + {c['unplaced']} unplaced + "
            f"{c['rejected']} rejected"
        )
    if len(valid):
        in_results = set(results["company_id"].astype(str)) if len(results) else set()
        ranked_ids = set(
            companies_tab.loc[companies_tab["status"] == "ranked", "company_id"].astype(str)
        )
        if in_results != ranked_ids:
            problems.append(
                f"{len(ranked_ids ^ in_results)} companies differ between the results and the "
                "ranked companies"
            )
        if len(companies_tab) != len(valid):
            problems.append(f"{len(companies_tab)} summary rows for {len(valid)} companies")
    if problems:
        raise BatchError(
            "internal error, rows would be lost: " + "; ".join(problems) + "; please report "
            "this bug with the input file"
        )


# ---------------------------------------------------------------------------------------
# the whole job


def run_batch(
    companies_path: str | os.PathLike,
    *,
    sites: str | os.PathLike | gpd.GeoDataFrame = "builtin",
    scenario: Scenario | str | os.PathLike = DEFAULT_SCENARIO,
    as_of: dt.date | str | None = None,
    top_k: int = 10,
    allocate: bool = False,
    max_share: float | None = None,
    robustness: bool = False,
    layers=None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    progress: ProgressFn | None = None,
    **options,
) -> BatchResult:
    """Read a company list and rank the candidate sites for every company.

    Parameters
    ----------
    companies_path
        Company list (CSV or XLSX, see :func:`planner.inputs.companies.read_companies`).
    sites
        ``"builtin"`` (the zones), ``"grid"`` (a 1 km lattice within 20 km of BAKAD), a
        sites file (CSV/XLSX/GeoJSON/GPKG), or a sites GeoDataFrame.
    scenario, as_of, top_k, allocate, max_share, robustness
        See :func:`score_companies`.
    layers
        A LayerSet, a path to replacement layers, or None for the built-in layers.
    encoding, sheet
        For the company file (default: detected / the first sheet).
    progress
        ``progress(stage, done, total)`` callback.
    options
        Passed to :func:`score_companies` (``draws``, ``seed``, ``alloc_candidates``,
        ``why``, ``catalog``); ``network``: a road network file, ``"builtin"`` or None
        (travel-time scenarios then use the built-in coarse network, with a warning).

    Returns
    -------
    BatchResult
        With ``inputs`` filled for the manifest.
    """
    from planner.inputs.layers import LayerSet, load_layers
    from planner.inputs.sites import load_sites

    _check_top_k(top_k)
    _check_max_share(max_share, allocate)
    sc = load_scenario(scenario)  # a bad scenario fails before any reading
    _check_method_robustness(sc, robustness)
    parse_as_of(as_of)
    t0 = time.perf_counter()
    if progress is not None:
        progress("reading companies", 0, 1)
    table = read_companies(companies_path, encoding=encoding, sheet=sheet,
                           catalog=options.get("catalog"))  # fmt: skip
    ls = layers if isinstance(layers, LayerSet) else load_layers(layers)
    if progress is not None:
        progress("loading sites", 0, 1)
    if isinstance(sites, pd.DataFrame):
        site_table, sites_input = sites, "table in memory"
    else:
        site_table = load_sites(sites, ls)
        sites_input = Path(sites) if Path(str(sites)).is_file() else str(sites)
    from planner.inputs.roads import network_for_scenario, network_inputs

    net_spec = options.pop("network", None)
    net, net_note = network_for_scenario(net_spec, sc, ls)
    read_s = time.perf_counter() - t0
    result = score_companies(
        table, site_table, ls, scenario=sc, as_of=as_of, top_k=top_k, allocate=allocate,
        max_share=max_share, robustness=robustness, progress=progress, network=net, **options,
    )  # fmt: skip
    if net_note:
        result.warnings.append(net_note)
    for note in getattr(ls, "notes", []):
        result.warnings.append(f"layers: {note}")
    scenario_input: Any = sc.name
    if not isinstance(scenario, Scenario) and Path(str(scenario)).is_file():
        scenario_input = Path(scenario)
    layers_input = None
    if layers is not None and not isinstance(layers, LayerSet):
        layers_input = Path(layers)
    result.inputs = {
        "companies": Path(companies_path),
        "sites": sites_input,
        "scenario": scenario_input,
        "layers": layers_input,
        **network_inputs(net_spec, net),
    }
    result.extra["timings"]["read_s"] = round(read_s, 4)
    result.extra["company_file"] = {
        "encoding": table.encoding,
        "separator": table.separator,
        "sheet": table.sheet,
        "columns": table.columns,
        "ignored_columns": table.ignored_columns,
    }
    return result


# ---------------------------------------------------------------------------------------
# outputs


@dataclass(frozen=True)
class OutputPlan:
    """Every file a batch run may write (checked before any work)."""

    results: Path
    sheets: dict[str, Path]  # sibling files (CSV / GeoJSON outputs): name -> path
    rejects: Path
    map: Path | None

    def files(self) -> list[Path]:
        out = [self.results, *self.sheets.values(), self.rejects]
        if self.map is not None:
            out.append(self.map)
        return out

    def manifests(self) -> list[Path]:
        from planner.render.outputs import manifest_path

        main = [self.results, self.rejects] + ([self.map] if self.map is not None else [])
        return [manifest_path(p) for p in main]


def default_rejects_path(out: str | os.PathLike) -> Path:
    """``<stem>.rejects.csv`` beside the results file."""
    out = Path(out)
    return out.with_name(f"{out.stem}.rejects.csv")


def plan_outputs(
    out: str | os.PathLike,
    rejects: str | os.PathLike | None = None,
    map_path: str | os.PathLike | None = None,
    allocate: bool = False,
) -> OutputPlan:
    """The files a run writes: results, sibling tables, rejects, map (and manifests)."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in _RESULT_SUFFIXES:
        raise InputError(
            f"output {str(out)!r}: unknown file type {out.suffix or '(none)'!r}; use one of "
            f"{', '.join(_RESULT_SUFFIXES)}, e.g. -o out/results.xlsx"
        )
    names = ["companies", *(["allocation"] if allocate else [])]
    sheets: dict[str, Path] = {}
    if suffix in (".csv", ".geojson"):  # one table per file: the others go beside it
        sheets = {n: out.with_name(f"{out.stem}.{n}.csv") for n in names}
    rej = Path(rejects) if rejects is not None else default_rejects_path(out)
    if rej.suffix.lower() not in _REJECT_SUFFIXES:
        raise InputError(
            f"rejects file {str(rej)!r}: use a .csv or .xlsx name, e.g. --rejects rejects.csv"
        )
    mp = Path(map_path) if map_path is not None else None
    if mp is not None and mp.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"map file {str(mp)!r} must end in .html, e.g. --map maps/results.html")
    plan = OutputPlan(out, sheets, rej, mp)
    seen: dict[Path, Path] = {}
    for p in plan.files() + plan.manifests():
        key = Path(os.path.abspath(p))
        if key in seen:
            raise InputError(
                f"output {str(p)!r} would be written twice (also as {str(seen[key])!r}); give "
                "the results, --rejects and --map different file names"
            )
        seen[key] = p
    return plan


def check_outputs(
    out: str | os.PathLike,
    rejects: str | os.PathLike | None = None,
    map_path: str | os.PathLike | None = None,
    overwrite: bool = False,
    allocate: bool = False,
    csv_sep: str = ",",
) -> OutputPlan:
    """Refuse, before any work, outputs that exist (without ``overwrite``) or cannot be written.

    Checks every file a run may write, manifests included, and that each folder exists and
    takes a new file. Raises :class:`~planner.OutputExistsError` /
    :class:`~planner.OutputError` / :class:`~planner.InputError`; writes nothing.
    """
    if csv_sep not in _CSV_SEPS:
        raise InputError(
            f"csv separator {csv_sep!r} is not supported; use ',' , ';' (Russian Excel) or tab"
        )
    plan = plan_outputs(out, rejects, map_path, allocate)
    for p in plan.files() + plan.manifests():
        check_writable(p, overwrite)
    for folder in {Path(os.path.abspath(p)).parent for p in plan.files()}:
        _probe_folder(folder)
    return plan


def _probe_folder(folder: Path) -> None:
    """Create and remove a temporary file: a read-only folder fails now, not after the work."""
    try:
        fd, name = tempfile.mkstemp(prefix=".planner-probe-", dir=folder)
    except OSError as exc:
        raise OutputError(
            f"cannot write into folder {str(folder)!r}: {exc.strerror or exc}; choose a "
            "writable folder with -o / --rejects / --map"
        ) from exc
    os.close(fd)
    os.unlink(name)


def _written_sheet_tables(result: BatchResult) -> dict[str, pd.DataFrame]:
    sheets = {"companies": result.companies}
    if result.allocation is not None:
        sheets["allocation"] = result.allocation
    return sheets


def _for_files(df: pd.DataFrame) -> pd.DataFrame:
    """Nullable booleans with NA (not given) as objects: True / False / empty cell."""
    out = df
    for c in df.columns:
        if isinstance(df[c].dtype, pd.BooleanDtype) and df[c].isna().any():
            if out is df:
                out = df.copy()
            out[c] = df[c].astype(object).where(df[c].notna(), None)
    return out


def _file_facts(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return {"path": str(path), "sha256": digest, "bytes": path.stat().st_size}


def write_batch(
    result: BatchResult,
    out: str | os.PathLike,
    rejects: str | os.PathLike | None = None,
    map_path: str | os.PathLike | None = None,
    overwrite: bool = False,
    csv_sep: str = ",",
    *,
    command: Sequence[str] | str | None = None,
    map_lang: str = "ru",
) -> dict[str, Path]:
    """Write the results, sibling tables, rejects and map, each atomically, and manifests.

    Parameters
    ----------
    result
        From :func:`run_batch`.
    out
        Results file: ``.xlsx`` (sheets ``results``, ``companies``, ``allocation``),
        ``.gpkg`` (layer ``results`` with point geometry + attribute tables), ``.csv``
        (``<stem>.companies.csv`` / ``<stem>.allocation.csv`` beside it) or ``.geojson``
        (point features; the other tables as CSV beside it).
    rejects
        Where to write rejected rows (``.csv`` / ``.xlsx``); default ``<stem>.rejects.csv``
        beside ``out``. Written only when there are rejects.
    map_path
        Optional offline HTML map of each company's best site (:mod:`planner.render.maps`).
    overwrite
        Replace existing files; without it every target is checked first and nothing is
        written if one exists.
    csv_sep
        CSV separator (``","``, ``";"`` with decimal commas, or tab).
    command
        The command line, recorded in the manifests.

    Returns
    -------
    dict
        Label -> path of every file written (``results``, ``companies``, ``allocation``,
        ``rejects``, ``map`` and their ``*_manifest``).
    """
    from planner.render.outputs import write_manifest, write_table

    plan = check_outputs(out, rejects, map_path, overwrite, result.allocation is not None,
                         csv_sep)  # fmt: skip
    c = result.counts
    written: dict[str, Path] = {}
    m = None
    if plan.map is not None and c["ranked"]:
        m = _build_map(result, map_lang)  # before any file is written: a failure leaves none
    elif plan.map is not None:
        note = f"map {plan.map} not written: no company could be ranked"
        if note not in result.warnings:
            result.warnings.append(note)

    manifest_common = {
        "scenario": result.scenario,
        "as_of": result.as_of,
        "counts": c,
        "warnings": result.warnings,
        "command": command,
        "overwrite": overwrite,
    }
    inputs = {k: v for k, v in result.inputs.items()}
    if c["valid"]:
        sheets = {n: _for_files(t) for n, t in _written_sheet_tables(result).items()}
        main = _for_files(result.results)
        suffix = plan.results.suffix.lower()
        if suffix == ".geojson":
            write_table(main, plan.results, overwrite=overwrite, sheet_name="results")
            for n, p in plan.sheets.items():
                write_table(sheets[n], p, overwrite=overwrite, csv_sep=csv_sep)
        else:
            write_table(main, plan.results, overwrite=overwrite, csv_sep=csv_sep, sheets=sheets,
                        sheet_name="results")  # fmt: skip
        written["results"] = plan.results
        for n in sheets:
            if n in plan.sheets:
                written[n] = plan.sheets[n]
    if c["rejected"]:
        write_table(_for_files(result.rejects), plan.rejects, overwrite=overwrite,
                    csv_sep=csv_sep, sheet_name="rejects")  # fmt: skip
        written["rejects"] = plan.rejects
    if m is not None:
        from planner.render.maps import save_map

        save_map(m, plan.map, overwrite=overwrite)
        written["map"] = plan.map

    extra = {**result.extra, "files": {k: _file_facts(p) for k, p in written.items()}}
    for label in ("results", "rejects", "map"):
        if label in written:
            extra_label = {**extra, "this_file": label}
            written[f"{label}_manifest"] = write_manifest(
                written[label], inputs=inputs, extra=extra_label, **manifest_common
            )
    return written


def _build_map(result: BatchResult, lang: str):
    from planner.render.maps import build_map

    rows = pd.DataFrame(result.results.drop(columns="geometry"))
    rows = rows.assign(company_name=rows["name"].astype(str))
    rows.attrs = dict(result.results.attrs)
    return build_map(
        result.layers,
        results=rows,
        lang=lang,
        as_of=result.as_of,
        scenario_name=result.scenario_name,
        scenario_hash=result.scenario_hash,
    )
