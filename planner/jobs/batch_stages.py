"""The stages of the batch job (:func:`planner.jobs.batch.score_companies`), each a function
from the previous stages' frozen dataclasses to its own.

1. :func:`criteria_stage` -> :class:`SiteStage`: criteria and 0-1 utilities of every
   candidate site, once for all companies;
2. :func:`rank_stage` -> :class:`RankStage`: each company's weights and hard needs and the
   fused ranking kernel (top ``K`` feasible sites, counts of sites filtered per need);
3. :func:`allocation_stage` -> :class:`AllocStage` (with ``allocate``): at most one site per
   company within capacity and the share limit per zone / settlement;
4. :func:`robustness_stage` -> :class:`RobustStage` (with ``robustness``): Monte Carlo
   weight draws over each company's top ``K`` and the flip-weight sentence.

:class:`BatchRun` bundles the stages for the table builders
(:mod:`planner.jobs.batch_tables`); :class:`StageClock` reports progress and times them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner import crs as _crs
from planner import i18n
from planner.config.scenarios import Scenario
from planner.config.sectors import SectorCatalog, needs_arrays, weights_matrix
from planner.config.weighting import Aggregation
from planner.core.prepared import Prepared
from planner.core.ranking import NeedArrays, RankResult, SiteArrays, binding_reasons, rank_companies
from planner.core.scoring import utilities
from planner.core.variants import UtilityVariants, rank_by_variant, take_needs, take_result
from planner.errors import InputError
from planner.inputs.companies import CompanyTable

__all__ = [
    "ALLOCATION_CANDIDATES",
    "AllocStage",
    "BatchOptions",
    "BatchRun",
    "CompanyRows",
    "ProgressFn",
    "RankStage",
    "RobustStage",
    "SiteStage",
    "StageClock",
    "allocation_stage",
    "criteria_stage",
    "rank_stage",
    "robustness_stage",
]

#: ``progress(stage, done, total)``: called before each stage and once at the end
ProgressFn = Callable[[str, int, int], None]

#: candidate sites per company in the allocation model (its best feasible ones)
ALLOCATION_CANDIDATES = 30
#: companies per ranking call when reporting progress (one kernel pass over the sites each)
_RANK_CHUNK = 512
#: largest top-K: the results table has one row per (company, rank)
_MAX_TOP_K = 1000


# ---------------------------------------------------------------------------------------
# options


@dataclass(frozen=True)
class BatchOptions:
    """What a batch run computes (see :func:`planner.jobs.batch.score_companies`).

    Build it with :meth:`checked`, which refuses bad values with an
    :class:`~planner.errors.InputError` naming the CLI option.
    """

    top_k: int = 10
    allocate: bool = False
    max_share: float | None = None
    robustness: bool = False
    draws: int = 2000
    seed: int = 0
    alloc_candidates: int = ALLOCATION_CANDIDATES
    why: bool = True
    catalog: SectorCatalog | None = None
    #: least score of an allocated site (None: the scenario's ``[allocation] min_score``)
    min_score: float | None = None
    #: capacity of a site of unknown area: "one", "unlimited" or hectares
    unknown_area: str | float = "one"
    #: least distance between a company's listed sites (None: 2 km on grids, else 0)
    min_separation_km: float | None = None
    #: language of the sentences in the tables (no_site_detail, note): ru, kk or en
    lang: str = "ru"

    def checked(self) -> BatchOptions:
        """The options with ``top_k`` and ``max_share`` validated (and made int / float)."""
        return dataclasses.replace(
            self,
            top_k=_check_top_k(self.top_k),
            max_share=_check_max_share(self.max_share, self.allocate),
            **_check_allocation_rules(self),
            min_separation_km=_check_separation(self.min_separation_km),
            lang=i18n.check_lang(self.lang),
        )

    @property
    def stages(self) -> list[str]:
        """Stage names in run order, as reported to the progress callback."""
        return ["criteria", "ranking", *(["allocation"] if self.allocate else []),
                *(["robustness"] if self.robustness else []), "results"]  # fmt: skip


def _check_top_k(top_k) -> int:
    if isinstance(top_k, bool) or not isinstance(top_k, int | np.integer) or not (
        1 <= top_k <= _MAX_TOP_K
    ):
        raise InputError(i18n.tr("err.batch.top_k", value=repr(top_k), max=_MAX_TOP_K))
    return int(top_k)


def _check_allocation_rules(opts: BatchOptions) -> dict:
    from planner.core.allocation_rules import UnknownArea, check_min_score

    policy = UnknownArea.parse(opts.unknown_area)
    given = [o for o, v in (("--min-score", opts.min_score is not None),
                            ("--unknown-area", policy.mode != "one")) if v]  # fmt: skip
    if given and not opts.allocate:
        raise InputError(i18n.tr("err.batch.allocation_only",
                                 options=i18n.tr("err.batch.and").join(given)))
    min_score = None if opts.min_score is None else check_min_score(opts.min_score)
    return {"min_score": min_score, "unknown_area": policy.record()}


def _check_separation(value) -> float | None:
    if value is None:
        return None
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    if not ok or not (0 <= float(value) < 1000):
        raise InputError(i18n.tr("err.batch.min_separation", value=repr(value)))
    return float(value)


def _check_max_share(max_share, allocate: bool) -> float | None:
    if max_share is None:
        return None
    if not allocate:
        raise InputError(i18n.tr("err.batch.max_share_alone", value=repr(max_share)))
    if isinstance(max_share, bool) or not isinstance(max_share, int | float | np.floating) or not (
        0 < max_share <= 1
    ):
        raise InputError(i18n.tr("err.batch.max_share", value=repr(max_share)))
    return float(max_share)


# ---------------------------------------------------------------------------------------
# progress and timings


@dataclass
class StageClock:
    """Reports each stage to ``progress`` as it starts and records ``<stage>_s`` timings."""

    progress: ProgressFn | None
    stages: list[str]
    timings: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)

    def report(self, text: str, stage: str) -> None:
        if self.progress is not None:
            self.progress(text, self.stages.index(stage), len(self.stages))

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.report(i18n.tr(f"out.batch.stage_{name}"), name)
        t0 = time.perf_counter()
        yield
        self.timings[f"{name}_s"] = time.perf_counter() - t0

    def finish(self) -> dict[str, float]:
        """Record ``total_s``, report ``done``; the timings rounded for the manifest."""
        self.timings["total_s"] = time.perf_counter() - self.started
        if self.progress is not None:
            self.progress(i18n.tr("out.batch.stage_done"), len(self.stages), len(self.stages))
        return {k: round(v, 4) for k, v in self.timings.items()}


# ---------------------------------------------------------------------------------------
# the stages' data


@dataclass(frozen=True)
class CompanyRows:
    """The companies of a run: the valid rows (on a RangeIndex) and what was not valid."""

    valid: pd.DataFrame
    rejects: pd.DataFrame
    warnings: list[str]
    rows_in: int
    blank_rows: int
    path: Path | None

    @classmethod
    def of(cls, companies: CompanyTable | pd.DataFrame) -> CompanyRows:
        """From a :class:`~planner.inputs.companies.CompanyTable` or its ``valid`` table."""
        if isinstance(companies, CompanyTable):
            t = companies
            return cls(t.valid.reset_index(drop=True), t.rejects, list(t.warnings), t.rows_in,
                       t.blank_rows, t.path)  # fmt: skip
        if isinstance(companies, pd.DataFrame):
            missing = [c for c in ("company_id", "name", "land_ha") if c not in companies.columns]
            if missing:
                raise InputError(i18n.tr("err.batch.companies_columns",
                                         columns=", ".join(missing)))
            return cls(companies.reset_index(drop=True), pd.DataFrame(), [], len(companies), 0,
                       None)  # fmt: skip
        raise TypeError(
            f"companies must be a CompanyTable or DataFrame, not {type(companies).__name__}"
        )


@dataclass(frozen=True)
class SiteStage:
    """Stage 1: the candidate sites with their criteria and utilities (``U``: sites x keys),
    and the layers resolved for the date (``prepared``: feature names for the reasons)."""

    sites: gpd.GeoDataFrame
    crit: pd.DataFrame
    U: np.ndarray
    arrays: SiteArrays
    keys: list[str]
    prepared: Prepared

    @property
    def ids(self) -> np.ndarray:
        """``site_id`` as text (object array)."""
        return self.sites["site_id"].astype(str).to_numpy(dtype=object)

    @property
    def names(self) -> np.ndarray:
        """``name`` as text, missing names empty (object array)."""
        return self.sites["name"].astype(object).fillna("").astype(str).to_numpy(dtype=object)


@dataclass(frozen=True)
class RankStage:
    """Stage 2: per-company weights ``W`` and needs, the ranking and each binding need."""

    W: np.ndarray
    needs: NeedArrays
    rr: RankResult
    reasons: np.ndarray
    k_rank: int
    top: np.ndarray  # rr.top_idx cut to the top_k columns listed in the results
    #: (n_companies, top_k) positions in rr.top_idx of the sites offered (-1 padded): the
    #: best first, each at least ``separation_km`` from the others (planner.core.separation)
    offered: np.ndarray | None = None
    separation_km: float = 0.0
    #: the utilities each company is scored with (its sector may transform a criterion its
    #: own way: planner.config.sectors.transform_variants); None: the sites' ``U`` for all
    variants: UtilityVariants | None = None

    @property
    def listed(self) -> np.ndarray:
        """``(n_companies, top_k)`` site rows of the sites listed for each company, best
        first, -1 padded: the offered sites when alternatives must be apart, else the top K."""
        if self.offered is None or self.separation_km <= 0:
            return self.top
        return np.where(self.offered >= 0,
                        np.take_along_axis(self.rr.top_idx, np.maximum(self.offered, 0), 1),
                        -1)  # fmt: skip

    def listed_position(self) -> np.ndarray:
        """``(n_companies, rr.k)``: the position in :attr:`listed` of each ranked slot, -1
        when the slot's site is not listed."""
        n, k = self.rr.top_idx.shape
        pos = np.full((n, k), -1, dtype=np.int64)
        if self.offered is None or self.separation_km <= 0:
            pos[:, : self.top.shape[1]] = np.arange(self.top.shape[1])
            return pos
        ci, j = np.nonzero(self.offered >= 0)
        pos[ci, self.offered[ci, j]] = j
        return pos


@dataclass(frozen=True)
class AllocStage:
    """Stage 3: the allocation (None without valid companies) and each used site's group."""

    alloc: Any
    group: np.ndarray | None


@dataclass(frozen=True)
class RobustStage:
    """Stage 4: Monte Carlo ranks over the top ``K`` and the flip sentences per language."""

    mc: Any
    flip: dict[str, np.ndarray]


@dataclass(frozen=True)
class BatchRun:
    """Every stage of one run: what the table builders read."""

    companies: CompanyRows
    sites: SiteStage
    rank: RankStage
    alloc: AllocStage | None
    robust: RobustStage | None
    scenario: Scenario
    layers: Any
    options: BatchOptions


# ---------------------------------------------------------------------------------------
# 1. criteria and utilities, once for all sites


def criteria_stage(sites: gpd.GeoDataFrame, layers, sc: Scenario, day,
                   network=None, terrain=None) -> SiteStage:  # fmt: skip
    from planner.core.criteria import compute_criteria

    keys = list(sc.weights)
    prepared = Prepared.of(layers, day).with_network(network).with_terrain(terrain, sc)
    lon = sites["lon"].to_numpy(dtype="f8", na_value=np.nan)
    lat = sites["lat"].to_numpy(dtype="f8", na_value=np.nan)
    if terrain is not None:  # a DEM over none of the sites is a mistake, not "unknown"
        from planner.inputs.dem import check_coverage

        check_coverage(terrain, *_crs.lonlat_to_metric(lon, lat))
    crit = compute_criteria(lon, lat, prepared, index=pd.RangeIndex(len(sites)))
    U = np.ascontiguousarray(utilities(crit, sc)[[f"u_{k}" for k in keys]].to_numpy("f8"))
    return SiteStage(sites, crit, U, _site_arrays(sites, crit), keys, prepared)


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


# ---------------------------------------------------------------------------------------
# 2. per-company weights and needs, the ranking kernel


def rank_stage(
    valid: pd.DataFrame, st: SiteStage, sc: Scenario, opts: BatchOptions, clock: StageClock
) -> RankStage:
    W = weights_matrix(valid, st.keys, sc.weights, opts.catalog)
    needs = NeedArrays(**needs_arrays(valid, sc.needs, opts.catalog))
    variants = _variants(valid, st, sc, opts)
    k_rank = max(opts.top_k, int(opts.alloc_candidates)) if opts.allocate else opts.top_k
    sep_km = _separation_km(st, opts)
    if sep_km > 0:  # look deeper: the neighbours of the kept sites are skipped
        k_rank = max(k_rank, opts.top_k * _SEARCH_DEPTH)
    k_rank = max(1, min(k_rank, len(st.sites)))
    rr = _rank(variants, W, needs, st.arrays, k_rank, clock)
    if sc.method != "wlc":  # the same needs filter, then the method among each company's sites
        from planner.core.aggregation import rank_companies_by_method

        base = rr

        def by_method(U, rows):
            return rank_companies_by_method(U, W[rows], st.arrays, take_needs(needs, rows),
                                            k_rank, sc.aggregation, take_result(base, rows))

        rr = rank_by_variant(variants, by_method)
    top = rr.top_idx[:, : min(opts.top_k, rr.k)]
    offered = _offered(st, rr, opts.top_k, sep_km)
    return RankStage(W, needs, rr, binding_reasons(rr), k_rank, top, offered, sep_km, variants)


def _variants(valid: pd.DataFrame, st: SiteStage, sc: Scenario,
              opts: BatchOptions) -> UtilityVariants:  # fmt: skip
    """Each company's utilities: the sites' ``U``, or its sector's transforms applied."""
    from planner.config.sectors import transform_variants

    scs, of = transform_variants(valid, sc, opts.catalog)
    cols = [f"u_{k}" for k in st.keys]
    U = [st.U] + [np.ascontiguousarray(utilities(st.crit, v)[cols].to_numpy("f8"))
                  for v in scs[1:]]  # fmt: skip
    return UtilityVariants(tuple(U), of, tuple(scs))


#: ranked sites searched per site offered when alternatives must be apart
_SEARCH_DEPTH = 20


def _separation_km(st: SiteStage, opts: BatchOptions) -> float:
    from planner.core.separation import default_separation_km

    if opts.min_separation_km is not None:
        return float(opts.min_separation_km)
    return default_separation_km(st.sites["site_source"].astype(str).to_numpy(dtype=object))


def _offered(st: SiteStage, rr: RankResult, top_k: int, sep_km: float) -> np.ndarray:
    from planner.core.separation import separated_slots

    x, y = _crs.lonlat_to_metric(st.sites["lon"].to_numpy("f8"), st.sites["lat"].to_numpy("f8"))
    return separated_slots(rr.top_idx, x, y, top_k, sep_km)


_RANK_FIELDS = ("top_idx", "top_score", "top_area_unknown", "n_feasible", "reason_counts",
                "sole_reason_counts")  # fmt: skip


def _rank(variants: UtilityVariants, W, needs: NeedArrays, sa: SiteArrays, k: int,
          clock: StageClock) -> RankResult:  # fmt: skip
    def part(var: UtilityVariants, w, nd: NeedArrays) -> RankResult:
        return rank_by_variant(var, lambda U, rows: rank_companies(
            U, w[rows], sa, take_needs(nd, rows), k=k))  # fmt: skip

    n = W.shape[0]
    if n <= 2 * _RANK_CHUNK or clock.progress is None:
        return part(variants, W, needs)
    # long runs: rank in chunks of companies so the progress bar moves (each chunk is
    # one pass over the sites; blocks of 64 companies inside a chunk keep the kernel fast)
    parts = []
    for c0 in range(0, n, _RANK_CHUNK):
        c1 = min(n, c0 + _RANK_CHUNK)
        rows = np.arange(c0, c1)
        parts.append(part(variants.take(rows), W[rows], take_needs(needs, rows)))
        clock.report(i18n.tr("out.batch.stage_ranking_part", done=i18n.format_number(
            c1, i18n.message_lang(), grouping=True), n=i18n.format_number(
            n, i18n.message_lang(), grouping=True)), "ranking")
    return RankResult(*(np.concatenate([getattr(p, f) for p in parts]) for f in _RANK_FIELDS))


# ---------------------------------------------------------------------------------------
# 3. allocation


def allocation_stage(st: SiteStage, rk: RankStage, layers, opts: BatchOptions,
                     sc: Scenario) -> AllocStage:  # fmt: skip
    """The allocation under the scenario's minimum score (or ``opts.min_score``) and the
    unknown-area policy (:mod:`planner.core.allocation_rules`)."""
    from planner.core.allocation_rules import allocate_with_rules

    rr, sa = rk.rr, st.arrays
    used = np.unique(rr.top_idx[rr.top_idx >= 0])
    group = np.full(sa.n_sites, None, dtype=object)
    if used.size:
        group[used] = _site_groups(used, st.crit, st.sites, layers)
    min_score = opts.min_score if opts.min_score is not None else sc.allocation.min_score
    alloc = allocate_with_rules(rr, rk.needs.land_ha, sa.capacity_ha, group, opts.max_share,
                                min_score=min_score, unknown_area=opts.unknown_area)  # fmt: skip
    return AllocStage(alloc, group)


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


# ---------------------------------------------------------------------------------------
# 4. robustness


def robustness_stage(st: SiteStage, rk: RankStage, opts: BatchOptions,
                     agg: Aggregation | None = None) -> RobustStage:  # fmt: skip
    """Monte Carlo over the sites listed for each company (its top K, or with
    ``--min-separation-km`` the alternatives apart) ranked by ``agg.method`` (default: the
    weighted sum); flip sentences where the score is linear in the weights (not TOPSIS)."""
    from planner.core.method_robustness import (
        MethodTerms,
        method_monte_carlo_batch,
        top_method_terms,
    )
    from planner.core.robustness import flip_text, flip_weight_batch, monte_carlo_batch

    top_idx, keys = rk.listed, st.keys
    names = {lang: _site_names(st, lang) for lang in i18n.LANGS}
    variants = rk.variants or UtilityVariants.single(st.U, top_idx.shape[0])
    if agg is None or agg.method == "wlc":
        U_top, pad = _gather_listed(variants, top_idx)
        mc = monte_carlo_batch(U_top, rk.W, draws=opts.draws, seed=opts.seed, excluded=pad)
        fl = flip_weight_batch(U_top, rk.W, keys, excluded=pad)
    else:  # the method's terms over each company's feasible sites, drawn the same way

        def terms_of(U, rows):
            t, p = top_method_terms(U, top_idx[rows], st.arrays, take_needs(rk.needs, rows), agg)
            return (t.a, p) if t.b is None else (t.a, p, t.b)

        a, pad, *b = variants.per_company(terms_of, top_idx.shape[0])
        terms = MethodTerms(agg.method, a, b[0] if b else None)
        mc = method_monte_carlo_batch(terms, rk.W, draws=opts.draws, seed=opts.seed,
                                      excluded=pad)  # fmt: skip
        fl = flip_weight_batch(terms.a, rk.W, keys, excluded=pad) if terms.linear else None
    n = top_idx.shape[0]
    titles = {lang: {k: i18n.criterion_label(k, lang) for k in keys} for lang in i18n.LANGS}
    flip = {lang: np.full(n, "", dtype=object) for lang in i18n.LANGS}
    for c in np.flatnonzero(fl.has_pair) if fl is not None else ():  # not a hot path
        res = fl.company(int(c))
        a, b = top_idx[c, fl.a[c]], top_idx[c, fl.b[c]]
        for lang in i18n.LANGS:
            pair = (str(names[lang][a]), str(names[lang][b]))
            flip[lang][c] = flip_text(res, lang, titles[lang], names=pair)
    return RobustStage(mc, flip)


def _gather_listed(variants: UtilityVariants, top_idx: np.ndarray):
    """``(U_top, pad)`` of :func:`planner.core.robustness.gather_top`, each company's rows
    from its own utilities."""
    from planner.core.robustness import gather_top

    if len(variants.U) == 1:
        return gather_top(variants.U[0], top_idx)
    return variants.per_company(lambda U, rows: gather_top(U, top_idx[rows]), top_idx.shape[0])


def _site_names(st: SiteStage, lang: str) -> np.ndarray:
    """The sites' names for sentences in ``lang``: a built-in site (a zone) by its name in
    that language, any other by the name it was given."""
    names = st.sites["name"].astype(object).to_numpy().copy()
    if "site_source" not in st.sites:
        return names
    builtin = (st.sites["site_source"].astype(str) == "builtin").to_numpy()
    if builtin.any():
        table = st.prepared.names.of("zones", lang)
        ids = st.sites["site_id"].astype(str).to_numpy(dtype=object)[builtin]
        names[builtin] = [table.get(i, n) for i, n in zip(ids, names[builtin], strict=True)]
    return names
