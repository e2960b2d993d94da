"""`planner score`: rank candidate sites for every company of a list (the batch job).

A thin skin over the batch job: options in, :func:`~planner.jobs.batch_outputs.plan_outputs`
(every output checked before any work), :func:`~planner.jobs.batch.run_batch`,
:func:`~planner.jobs.batch_outputs.write_batch`, summary out.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from planner.config.defaults import DEFAULT_SCENARIO

if TYPE_CHECKING:
    from planner.jobs.batch import BatchResult
    from planner.jobs.batch_stages import ProgressFn

from .app import (
    app,
    command,
    command_line,
    err_console,
    job_args,
    print_error,
    print_warning,
    print_written,
)
from .options import (
    AsOfOpt,
    CsvSepOpt,
    DemOpt,
    EncodingOpt,
    Lang,
    LangOpt,
    LayersOpt,
    MaxElevationOpt,
    MaxSlopeOpt,
    NetworkOpt,
    OverwriteOpt,
    RejectsOpt,
    ScenarioOpt,
    SheetOpt,
    SitesRejectsOpt,
    StrictOpt,
    parse_sites,
    terrain_scenario,
)

#: warnings listed on the terminal; the manifest holds them all
_MAX_WARNINGS_SHOWN = 20
#: options of the outputs and the terminal, not of the ranking
_OUTPUT_OPTIONS = ("output", "rejects", "map_path", "csv_sep", "overwrite", "quiet",
                   "site_rejects")  # fmt: skip


HELP = (
    "Rank the candidate sites for every company of a list (the main batch job).\n\n"
    "Each company is scored with the scenario's weights times its sector's multipliers; sites "
    "failing its hard needs (land, rail, distance from housing for its hazard class, distance "
    "to Almaty, Almaty allowed) are filtered out. Writes one row per (company, rank), a "
    "per-company summary (best site, sites filtered per need, the binding need of a company "
    "with no feasible site), the rejected rows, a manifest beside each file, and optionally "
    "an allocation and a map. The summary line goes to stderr.\n\n"
    "Exit codes: 0 every row ranked (companies without a feasible site are listed in the "
    "companies table); 3 finished, but some rows of the company list or the sites file "
    "were rejected (see the rejects files; --strict refuses them instead); "
    "1 no company could be ranked, or an error (existing outputs are refused before any "
    "work; nothing is half-written); 2 usage error."
)


@command(app, "score", help=HELP)
def score_cmd(
    ctx: typer.Context,
    companies_path: Annotated[
        Path,
        typer.Argument(
            metavar="COMPANIES",
            help="Company list: .csv (; , or tab; UTF-8, cp1251 or kz1048) or .xlsx, "
            "e.g. geodata/examples/companies.csv"
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "-o",
            "--output",
            help="Results file: .xlsx (sheets results, companies, allocation), .csv (tables "
            "beside it as <stem>.companies.csv ...), .gpkg or .geojson (site points), "
            "e.g. -o out/results.xlsx",
        ),
    ],
    sites: Annotated[
        str,
        typer.Option(
            "--sites",
            callback=parse_sites,
            help="Candidate sites: builtin (the industrial zones and SEZs), grid (1 km lattice "
            "within 20 km of BAKAD) or a file (.csv/.xlsx/.geojson/.gpkg, see `planner sites "
            "check`).",
        ),
    ] = "builtin",
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    as_of: AsOfOpt = None,
    top_k: Annotated[
        int, typer.Option("--top", min=1, max=1000, help="Sites listed per company, e.g. 10.")
    ] = 10,
    rejects: RejectsOpt = None,
    map_path: Annotated[
        Path | None,
        typer.Option(
            "--map",
            help="Also write an offline HTML map of each company's best site, "
            "e.g. --map maps/results.html",
        ),
    ] = None,
    allocate: Annotated[
        bool,
        typer.Option(
            "--allocate",
            help="Give each company at most one site, best total score, land per site within "
            "its free area (column allocated, sheet allocation).",
        ),
    ] = False,
    max_share: Annotated[
        float | None,
        typer.Option(
            "--max-share",
            help="With --allocate: largest share of the companies one zone or settlement may "
            "take, 0-1, e.g. 0.3 (default no limit).",
        ),
    ] = None,
    min_separation_km: Annotated[
        float | None,
        typer.Option(
            "--min-separation-km",
            help="Least distance between the sites listed for one company, km (default 2 "
            "for a generated grid, 0 for named sites): top 5 means five distinct options.",
        ),
    ] = None,
    min_score: Annotated[
        float | None,
        typer.Option(
            "--min-score",
            help="With --allocate: least score (0-100) of a site given to a company; below it "
            "the company gets no site, with the reason (default: the scenario's [allocation] "
            "min_score, 25).",
        ),
    ] = None,
    unknown_area: Annotated[
        str,
        typer.Option(
            "--unknown-area",
            help="With --allocate: capacity of a site of unknown area: one (one company, the "
            "default), unlimited (land not checked) or HA, e.g. 20 (assume 20 ha).",
        ),
    ] = "one",
    robustness: Annotated[
        bool,
        typer.Option(
            "--robustness",
            help="Add p_first, rank_p5, rank_p95 (2,000 random weight draws, +-25%) and, on "
            "ranks 1-2, the smallest weight change that swaps them (flip_ru / flip_kk / flip_en).",
        ),
    ] = False,
    layers: LayersOpt = None,
    network: NetworkOpt = None,
    dem: DemOpt = None,
    max_slope_pct: MaxSlopeOpt = None,
    max_elevation_m: MaxElevationOpt = None,
    encoding: EncodingOpt = None,
    sheet: SheetOpt = None,
    csv_sep: CsvSepOpt = None,
    strict: StrictOpt = False,
    site_rejects: SitesRejectsOpt = None,
    lang: LangOpt = Lang.ru,
    overwrite: OverwriteOpt = False,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="No progress bar, warnings or file list; "
                     "only the summary line and errors."),
    ] = False,
) -> None:
    """Rank the candidate sites for every company of a list (see HELP)."""
    from planner.jobs import batch as _batch
    from planner.jobs import batch_outputs as _outputs
    from planner.jobs.batch_stages import BatchOptions


    plan = _outputs.plan_outputs(
        output, rejects, map_path, overwrite=overwrite, allocate=allocate, csv_sep=csv_sep,
        inputs=[companies_path, sites, scenario, layers, dem], sites=sites,
        site_rejects=site_rejects,
    )
    with _progress(not quiet and err_console.is_terminal) as progress:
        args = job_args(ctx, _batch.run_batch, BatchOptions,
                        skip=(*_OUTPUT_OPTIONS, "max_slope_pct", "max_elevation_m"),
                        scenario=terrain_scenario(scenario, max_slope_pct, max_elevation_m),
                        progress=progress,
                        max_result_rows=_outputs.result_rows_limit(output))  # fmt: skip
        result = _batch.run_batch(**args)
    written = _outputs.write_batch(
        result, output, rejects=plan.rejects, map_path=map_path, overwrite=overwrite,
        csv_sep=csv_sep, command=command_line(ctx), map_lang=result.lang,
        site_rejects=plan.site_rejects,
    )  # fmt: skip
    _report(result, written, plan, quiet)


@contextlib.contextmanager
def _progress(show: bool) -> Iterator[ProgressFn | None]:
    """A transient progress bar on stderr and its callback (None when not shown)."""
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True, disable=not show) as bar:  # fmt: skip
        from planner.i18n import tr

        task = bar.add_task(escape(tr("out.batch.stage_reading")), total=1)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=escape(stage), completed=done, total=max(total, 1))

        yield progress if show else None


def _report(result: BatchResult, written: dict, plan, quiet: bool) -> None:
    """Warnings and files written (unless quiet), the summary lines, the exit code."""
    from planner import i18n

    lang = result.lang
    if not quiet:
        for msg in result.warnings[:_MAX_WARNINGS_SHOWN]:
            print_warning(msg, lang)
        if len(result.warnings) > _MAX_WARNINGS_SHOWN:
            more = len(result.warnings) - _MAX_WARNINGS_SHOWN
            print_warning(i18n.t("cli.warnings_more", lang, n=more), lang)
        print_written(written, lang)
    for line in result.summary_lines(plan.rejects if "rejects" in written else None,
                                     written.get("site_rejects")):
        err_console.print(escape(line), highlight=False)
    code = result.exit_code
    if code == 1:
        key = "none_ranked_rejected" if not result.counts["valid"] else "none_ranked_sites"
        print_error(i18n.t(f"cli.{key}", lang), lang)
    if code:
        raise typer.Exit(code)
