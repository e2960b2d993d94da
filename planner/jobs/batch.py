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
   ``why_ru`` / ``why_kk`` / ``why_en`` (:func:`planner.core.explain.why_texts`).

Tables of a :class:`BatchResult`:

``results``
    One row per (company, rank): the company's fields, ``rank`` (1 = best among the sites
    meeting its needs), ``site_id``, ``site_name``, ``score`` (0-100, the company's own
    weights), the criteria, the ``c_*`` points, ``why_ru`` / ``why_kk`` / ``why_en``,
    ``lon`` / ``lat`` and a point geometry. A site of unknown area counts as feasible for
    any land need and is flagged ``area_unknown`` (check the land before promising it). With
    allocation a column ``allocated`` marks the row of the site the company was given
    (that site may rank below ``K``: its row is then added). With robustness:
    ``p_first``, ``rank_p5``, ``rank_p95`` and, on ranks 1-2, ``flip_ru`` / ``flip_kk`` /
    ``flip_en``.
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

The stages live in :mod:`planner.jobs.batch_stages` (one frozen dataclass per stage's
output), the tables in :mod:`planner.jobs.batch_tables`, the files in
:mod:`planner.jobs.batch_outputs`: :func:`~planner.jobs.batch_outputs.plan_outputs` refuses
existing files (without ``overwrite``) before any work and
:func:`~planner.jobs.batch_outputs.write_batch` writes the tables atomically
(:func:`planner.render.outputs.write_table`: formula-safe CSV/XLSX, CSV UTF-8 with BOM,
GPKG/GeoJSON with point geometry), the rejects, optionally an offline map
(:mod:`planner.render.maps`), and a ``<file>.manifest.json`` beside each.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from planner import i18n
from planner.config.scenarios import DEFAULT_SCENARIO, Scenario, load_scenario
from planner.config.sectors import SectorCatalog
from planner.core.ranking import REASONS, RankResult
from planner.core.scoring import parse_as_of
from planner.core.sitetable import check_sites_table
from planner.errors import InputError
from planner.inputs.companies import CompanyTable, read_companies

from .batch_stages import (
    ALLOCATION_CANDIDATES,
    AllocStage,
    BatchOptions,
    BatchRun,
    CompanyRows,
    ProgressFn,
    StageClock,
    allocation_stage,
    criteria_stage,
    rank_stage,
    robustness_stage,
)
from .batch_tables import BatchTables, build_tables, check_nothing_lost

__all__ = ["BatchResult", "run_batch", "score_companies"]

log = logging.getLogger(__name__)


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
    lang: str = "ru"
    #: rejected rows of a sites file (row, id, column, value, reason + cells); None: no file
    site_rejects: pd.DataFrame | None = None

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
        return 3 if self.counts["rejected"] or self.counts.get("sites_rejected") else 0

    def summary_lines(self, rejects_path: str | os.PathLike | None = None,
                      site_rejects_path: str | os.PathLike | None = None,
                      lang: str | None = None) -> list[str]:  # fmt: skip
        """The run in a few plain lines in ``lang`` (default: the run's), e.g.
        ``48 ranked, 2 rejected -> out/rejects.csv`` (catalog ``cli.*``)."""
        lg = i18n.check_lang(lang or self.lang)
        lines = self._summary_lines(rejects_path, lg)
        n = self.counts.get("sites_rejected", 0)
        if n:
            rej = self.site_rejects
            shown = ", ".join(
                i18n.t("out.batch.site_row", lg, row=r, id=i18n.t("err.jobs.q", lg, name=i))
                for r, i in zip(rej["row"][:5], rej["id"][:5], strict=True)
            )
            line = i18n.t("out.batch.sites_rejected", lg, n=i18n.format_number(n, lg),
                          rows=shown + (", ..." if n > 5 else ""))  # fmt: skip
            if site_rejects_path is not None:
                line += f" -> {site_rejects_path}"
            lines.insert(1, line + i18n.t("out.batch.sites_scored", lg, n=i18n.format_number(
                self.counts["sites"], lg, grouping=True)))
        return lines

    def _summary_lines(self, rejects_path: str | os.PathLike | None = None,
                       lang: str | None = None) -> list[str]:  # fmt: skip
        lang = i18n.check_lang(lang or self.lang)
        c = self.counts

        def num(n: int) -> str:
            return i18n.format_number(n, lang, grouping=True)

        first = i18n.t("cli.ranked", lang, n=num(c["ranked"]))
        if c["unplaced"]:
            why = self.unplaced["no_site_reason"].value_counts()
            words = i18n.section("batch.reason", lang)
            reasons = ", ".join(
                words.get(k, k) if v == c["unplaced"] else f"{words.get(k, k)} {num(v)}"
                for k, v in why.items()
            )
            first += i18n.t("cli.unplaced", lang, n=num(c["unplaced"]), reasons=reasons)
        if c["rejected"]:
            first += i18n.t("cli.rejected", lang, n=num(c["rejected"]))
            if rejects_path is not None:
                first += f" -> {rejects_path}"
        first += i18n.t("cli.run_tail", lang, rows=num(c["rows_in"]), sites=num(c["sites"]),
                        scenario=self.scenario_name, hash=self.scenario_hash,
                        date=self.as_of.isoformat())  # fmt: skip
        lines = [first]
        if self.alloc is not None:
            a = self.alloc
            state = i18n.t("cli.optimal", lang) if a.optimal else a.status
            line = i18n.t("cli.allocation", lang, placed=num(c["allocated"]),
                          valid=num(c["valid"]), state=state)  # fmt: skip
            if c["unassigned"]:
                why = pd.Series(a.reason[a.reason != ""]).value_counts()
                words = i18n.section("batch.unassigned", lang)
                line += i18n.t("cli.unassigned", lang, reasons=", ".join(
                    f"{words.get(k, k)} {num(v)}" for k, v in why.items()))  # fmt: skip
            lines.append(line)
            lines.extend(self._allocation_rules_lines(lang))
        return lines

    def _allocation_rules_lines(self, lang: str) -> list[str]:
        """The allocation's rules as applied, then every unplaced company and why."""
        from planner.core.allocation_rules import UnknownArea

        facts = self.extra.get("allocation", {})
        lines = []
        if "min_score" in facts:
            policy = UnknownArea.parse(facts.get("unknown_area", "one"))
            score = i18n.format_number(facts["min_score"], lang, significant=6)
            lines.append(i18n.t("cli.allocation_rules", lang, score=score,
                                policy=policy.label_in(lang)))  # fmt: skip
        tab = self.allocation
        if tab is not None and len(tab):
            lost = tab[~tab["allocated"].to_numpy(dtype=bool)]
            ids = lost["company_id"] if "company_id" in lost else lost.index
            for cid, name, note in zip(ids, lost["name"], lost["note"], strict=True):
                lines.append(i18n.t("cli.not_placed", lang, name=name, id=cid, note=note))
        return lines


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
        i18n.tr("warn.jobs.preferred_zone", row=r, value=p, known=", ".join(sorted(known)))
        for r, p in bad
    ]




# ---------------------------------------------------------------------------------------
# the in-memory job


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
    min_score: float | None = None,
    unknown_area: str | float = "one",
    min_separation_km: float | None = None,
    network=None,
    terrain=None,
    lang: str = "ru",
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
        The :class:`~planner.core.layerset.LayerSet`.
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
    min_separation_km
        Least distance between the sites listed for one company (None: 2 km when the sites
        are a generated grid, else 0); see :mod:`planner.core.separation`.
    min_score, unknown_area
        Allocation rules (:mod:`planner.core.allocation_rules`): least score of an
        allocated site (None: the scenario's ``[allocation] min_score``) and the capacity
        of a site of unknown area (``"one"``, ``"unlimited"`` or hectares).
    why
        Add ``why_ru`` / ``why_kk`` / ``why_en`` to the result rows.
    progress
        ``progress(stage, done, total)`` callback (e.g. a progress bar).
    network
        A road network (:class:`planner.core.network.RoadNetwork`) for the travel-time
        criteria, or None.
    terrain
        A DEM (:class:`planner.core.terrain.Terrain`, :func:`planner.inputs.dem.read_dem`):
        sites over the scenario's ``[terrain]`` limits are excluded; or None.
    lang
        Language of the sentences in the tables (``no_site_detail``, ``note``) and of
        :meth:`BatchResult.summary_lines`: ru, kk or en. The reasons come in all three
        (``why_ru``, ``why_kk``, ``why_en``).
    """
    opts = BatchOptions(
        top_k=top_k, allocate=allocate, max_share=max_share, robustness=robustness, draws=draws,
        seed=seed, alloc_candidates=alloc_candidates, why=why, catalog=catalog,
        min_score=min_score, unknown_area=unknown_area, min_separation_km=min_separation_km,
        lang=lang,
    ).checked()  # fmt: skip
    clock = StageClock(progress, opts.stages)
    rows = CompanyRows.of(companies)
    sites = check_sites_table(
        sites, ("site_id", "name", "lon", "lat", "area_ha", "free_ha"), allow_empty=False
    )
    sc = load_scenario(scenario)
    day = parse_as_of(as_of)
    warnings = rows.warnings + _preferred_zone_warnings(rows.valid, layers)
    run = _run_stages(rows, sites, layers, sc, day, opts, clock, network, terrain)
    with clock.stage("results"):
        tables = build_tables(run)
    counts = _counts(run, tables)
    check_nothing_lost(counts, rows.valid, tables.results, tables.companies, rows.rejects)
    extra = _run_facts(run)
    extra["timings"] = clock.finish()
    log.info(
        "batch: %d companies x %d sites, %d ranked, %d unplaced in %.2f s",
        counts["valid"], counts["sites"], counts["ranked"], counts["unplaced"],
        clock.timings["total_s"],
    )  # fmt: skip
    tables.results.attrs = {"scenario": sc.name, "scenario_hash": sc.hash,
                            "as_of": day.isoformat()}  # fmt: skip
    result = BatchResult(tables.results, tables.companies, rows.rejects, tables.allocation,
                         counts, warnings, sc, day, extra=extra, layers=layers, rank=run.rank.rr,
                         alloc=run.alloc.alloc if run.alloc is not None else None,
                         lang=opts.lang)  # fmt: skip
    result.inputs["companies"] = rows.path if isinstance(companies, CompanyTable) else None
    return result


def _run_stages(rows: CompanyRows, sites, layers, sc: Scenario, day: dt.date,
                opts: BatchOptions, clock: StageClock, network=None,
                terrain=None) -> BatchRun:  # fmt: skip
    """Stages 1-4 (criteria, ranking, allocation, robustness), each timed by ``clock``."""
    with clock.stage("criteria"):
        st = criteria_stage(sites, layers, sc, day, network, terrain)
    with clock.stage("ranking"):
        rk = rank_stage(rows.valid, st, sc, opts, clock)
    alloc = robust = None
    n_comp = len(rows.valid)
    if opts.allocate:
        with clock.stage("allocation"):
            alloc = allocation_stage(st, rk, layers, opts, sc) if n_comp \
                else AllocStage(None, None)
    if opts.robustness:
        with clock.stage("robustness"):
            robust = robustness_stage(st, rk, opts, sc.aggregation) if n_comp else None
    return BatchRun(rows, st, rk, alloc, robust, sc, layers, opts)


def _counts(run: BatchRun, tables: BatchTables) -> dict[str, int]:
    rows, rr = run.companies, run.rank.rr
    n_comp = len(rows.valid)
    ranked = int((rr.n_feasible > 0).sum())
    counts = {
        "rows_in": int(rows.rows_in),
        "valid": n_comp,
        "rejected": len(rows.rejects),
        "ranked": ranked,
        "unplaced": n_comp - ranked,
        "result_rows": len(tables.results),
        "sites": len(run.sites.sites),
        "sites_excluded": int(run.sites.arrays.excluded.sum()),
        "blank_rows": int(rows.blank_rows),
    }
    if run.options.allocate:
        alloc = run.alloc.alloc
        counts["allocated"] = int(alloc.n_assigned) if alloc is not None else 0
        counts["unassigned"] = n_comp - counts["allocated"]
    return counts


def _run_facts(run: BatchRun) -> dict[str, Any]:
    """Run facts for the manifest: top_k, filtered-site totals, layers, allocation, robustness."""
    opts, rr, layers = run.options, run.rank.rr, run.layers
    extra: dict[str, Any] = {
        "top_k": opts.top_k,
        "min_separation_km": run.rank.separation_km,
        "filtered_sites_total": {
            r: int(rr.reason_counts[:, j].sum()) for j, r in enumerate(REASONS)
        },
        "criteria": run.sites.keys,
    }
    if layers is not None and hasattr(layers, "fingerprint"):
        extra["layers_fingerprint"] = layers.fingerprint()
    alloc = run.alloc.alloc if run.alloc is not None else None
    if alloc is not None:
        extra["allocation"] = {
            "status": alloc.status,
            "optimal": alloc.optimal,
            "objective": alloc.objective,
            "group_limit": alloc.group_limit,
            "max_share": opts.max_share,
            "candidates_per_company": run.rank.k_rank,
            "unknown_site_max_companies": alloc.unknown_site_max_companies,
            "unknown_area": opts.unknown_area,
            "min_score": _min_score(run),
            "solve_s": alloc.solve_s,
        }
    if opts.robustness:
        extra["robustness"] = {"draws": opts.draws, "spread": 0.25, "seed": opts.seed,
                               "over_top_k": opts.top_k}  # fmt: skip
    return extra


def _min_score(run: BatchRun) -> float:
    """The minimum acceptable score the allocation used (option, else the scenario's)."""
    given = run.options.min_score
    return float(given if given is not None else run.scenario.allocation.min_score)


def run_batch(
    companies_path: str | os.PathLike,
    *,
    sites: str | os.PathLike | gpd.GeoDataFrame = "builtin",
    scenario: Scenario | str | os.PathLike = DEFAULT_SCENARIO,
    as_of: dt.date | str | None = None,
    layers=None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    progress: ProgressFn | None = None,
    max_result_rows: int | None = None,
    network: str | os.PathLike | None = None,
    strict: bool = False,
    dem: str | os.PathLike | None = None,
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
    scenario, as_of
        See :func:`score_companies`.
    layers
        A LayerSet, a path to replacement layers, or None for the built-in layers.
    encoding, sheet
        For the company file (default: detected / the first sheet).
    progress
        ``progress(stage, done, total)`` callback.
    max_result_rows
        Most result rows the output holds (an Excel sheet's:
        :func:`~planner.jobs.batch_outputs.result_rows_limit`); more companies x ``top_k``
        is refused after reading the list and the sites, before any scoring.
    network
        A road network file (``planner network build``), ``"builtin"``, or None (a
        travel-time scenario then uses the coarse built-in network, with a warning).
    strict
        All or nothing: a rejected row of the company list or of a sites file refuses the
        run (:class:`~planner.errors.InputError` listing them) instead of leaving the row
        out (in ``rejects`` / ``site_rejects``, exit code 3).
    dem
        An elevation model file (GeoTIFF, any CRS) or None: see :func:`score_companies`
        ``terrain``.
    options
        The :class:`~planner.jobs.batch_stages.BatchOptions`, passed to
        :func:`score_companies`: ``top_k``, ``allocate``, ``max_share``, ``robustness``,
        ``draws``, ``seed``, ``alloc_candidates``, ``why``, ``catalog``.

    Returns
    -------
    BatchResult
        With ``inputs`` filled for the manifest.
    """
    from planner.core.layerset import LayerSet
    from planner.inputs.layers import load_layers
    from planner.inputs.sites import load_sites

    from .batch_outputs import check_result_rows

    opts = BatchOptions(**options).checked()  # bad options fail before any reading
    sc = load_scenario(scenario)  # a bad scenario fails before any reading
    parse_as_of(as_of)
    t0 = time.perf_counter()
    if progress is not None:
        progress(i18n.tr("out.batch.stage_reading"), 0, 1)
    table = read_companies(companies_path, encoding=encoding, sheet=sheet,
                           catalog=options.get("catalog"), lang=opts.lang)  # fmt: skip
    if strict and len(table.rejects):
        _refuse_rejects(companies_path, table.rejects)
    ls = layers if isinstance(layers, LayerSet) else load_layers(layers)
    if progress is not None:
        progress(i18n.tr("out.batch.stage_sites"), 0, 1)
    if isinstance(sites, pd.DataFrame):
        site_table, sites_input = sites, "table in memory"
    else:
        site_table = load_sites(sites, ls, opts.lang, strict=strict)
        sites_input = Path(sites) if Path(str(sites)).is_file() else str(sites)
    check_result_rows(len(table.valid), len(site_table), opts.top_k, max_result_rows)
    from planner.inputs.roads import network_for_scenario, network_inputs

    net, net_note = network_for_scenario(network, sc, ls)
    from planner.inputs.dem import load_terrain, unknown_note

    terrain = load_terrain(dem)
    dem_note = unknown_note(terrain, site_table)  # a DEM over none of the sites: refused here
    read_s = time.perf_counter() - t0
    result = score_companies(table, site_table, ls, scenario=sc, as_of=as_of, progress=progress,
                             network=net, terrain=terrain, **options)  # fmt: skip
    if net_note:
        result.warnings.append(net_note)
    if dem_note:
        result.warnings.append(dem_note)
    for note in getattr(ls, "notes", []):
        result.warnings.append(i18n.tr("warn.jobs.layers_note", note=note))
    result.warnings.extend(i18n.tr("warn.jobs.sites_note", note=n)
                           for n in site_table.attrs.get("site_notes", []))  # fmt: skip
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
        **network_inputs(network, net),
        **({"dem": Path(dem)} if dem is not None and terrain is not None
           and not isinstance(dem, type(terrain)) else {}),
    }
    result.extra["timings"]["read_s"] = round(read_s, 4)
    facts = ("encoding", "separator", "sheet", "columns", "ignored_columns")
    result.extra["company_file"] = {k: getattr(table, k) for k in facts}
    if "site_file" in site_table.attrs:  # a sites file: its rejected rows are reported
        from planner.inputs.rejects import row_problems
        from planner.inputs.sites import site_rejects

        result.site_rejects = site_rejects(site_table)
        result.counts["sites_rejected"] = len(result.site_rejects)
        unit = site_table.attrs["site_file"]["unit"]
        result.warnings.extend(i18n.tr("warn.jobs.site_rejected", line=line) for line in
                               row_problems(result.site_rejects, unit=unit))  # fmt: skip
        result.extra["sites_file"] = dict(site_table.attrs["site_file"])
    return result


def _refuse_rejects(path, rejects: pd.DataFrame) -> None:
    """--strict: a company list with rejected rows is refused, every row named."""
    from planner.inputs.rejects import row_problems

    lines = row_problems(rejects, what="company")
    more = i18n.tr("err.batch.more", n=len(lines) - 50) if len(lines) > 50 else ""
    shown = "\n  - ".join(lines[:50]) + (f"\n  {more}" if more else "")
    raise InputError(i18n.tr("err.batch.strict", file=str(path), n=len(lines), rows=shown))
