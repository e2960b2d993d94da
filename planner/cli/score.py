"""`planner score`: rank candidate sites for every company of a list (the batch job).

A thin skin over :mod:`planner.jobs.batch`: options in, :func:`~planner.jobs.batch.check_outputs`,
:func:`~planner.jobs.batch.run_batch`, :func:`~planner.jobs.batch.write_batch`, summary out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from planner.config.scenarios import DEFAULT_SCENARIO
from planner.jobs import batch as _batch

from .app import app, err_console, handle_errors, out_console, print_error
from .options import (
    AsOfOpt,
    EncodingOpt,
    LayersOpt,
    NetworkOpt,
    OverwriteOpt,
    ScenarioOpt,
    SheetOpt,
)

#: warnings listed on the terminal; the manifest holds them all
_MAX_WARNINGS_SHOWN = 20


def _csv_sep(value: str) -> str:
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";"}
    sep = named.get(value.strip().lower(), value)
    if sep not in (",", ";", "\t"):
        raise typer.BadParameter(f"{value!r} is not a separator; use ',' , ';' or tab")
    return sep


def _command_line(ctx: typer.Context) -> list[str]:
    """The command as typed (rebuilt from the parsed options, for the manifest)."""
    args = ["planner", "score"]
    for name, value in ctx.params.items():
        if value is None or value is False:
            continue
        if name == "companies":
            args.insert(2, str(value))
            continue
        flag = "--" + name.replace("_", "-")
        flag = {"--output": "-o", "--map-path": "--map"}.get(flag, flag)
        args.extend([flag] if value is True else [flag, str(value)])
    return args


HELP = (
    "Rank the candidate sites for every company of a list (the main batch job).\n\n"
    "Each company is scored with the scenario's weights times its sector's multipliers; sites "
    "failing its hard needs (land, rail, distance from housing for its hazard class, distance "
    "to Almaty, Almaty allowed) are filtered out. Writes one row per (company, rank), a "
    "per-company summary (best site, sites filtered per need, the binding need of a company "
    "with no feasible site), the rejected rows, a manifest beside each file, and optionally "
    "an allocation and a map. The summary line goes to stderr.\n\n"
    "Exit codes: 0 every row ranked (companies without a feasible site are listed in the "
    "companies table); 3 finished, but some rows were rejected (see the rejects file); "
    "1 no company could be ranked, or an error (existing outputs are refused before any "
    "work; nothing is half-written); 2 usage error."
)


@app.command("score", help=HELP)
@handle_errors
def score_cmd(
    ctx: typer.Context,
    companies: Annotated[
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
            help="Candidate sites: builtin (the industrial zones and SEZs), grid (1 km lattice "
            "within 20 km of BAKAD) or a file (.csv/.xlsx/.geojson/.gpkg, see `planner sites "
            "check`).",
        ),
    ] = "builtin",
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    as_of: AsOfOpt = None,
    top: Annotated[
        int, typer.Option("--top", min=1, max=1000, help="Sites listed per company, e.g. 10.")
    ] = 10,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects",
            help="Where to write rejected rows with their reasons (.csv or .xlsx). Default: "
            "<stem>.rejects.csv beside the results; written only when rows are rejected.",
        ),
    ] = None,
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
    robustness: Annotated[
        bool,
        typer.Option(
            "--robustness",
            help="Add p_first, rank_p5, rank_p95 (2,000 random weight draws, +-25%) and, on "
            "ranks 1-2, the smallest weight change that swaps them (flip_en / flip_ru).",
        ),
    ] = False,
    layers: LayersOpt = None,
    network: NetworkOpt = None,
    encoding: EncodingOpt = None,
    sheet: SheetOpt = None,
    csv_sep: Annotated[
        str,
        typer.Option(
            "--csv-sep",
            callback=_csv_sep,
            help="Separator of CSV outputs: ',' (default) or ';' (Russian Excel; decimal "
            "commas) or tab.",
        ),
    ] = ",",
    overwrite: OverwriteOpt = False,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="No progress bar, warnings or file list; "
                     "only the summary line and errors."),
    ] = False,
) -> None:
    """Rank the candidate sites for every company of a list (see HELP)."""
    plan = _batch.check_outputs(
        output, rejects, map_path, overwrite=overwrite, allocate=allocate, csv_sep=csv_sep
    )
    site_spec = sites if sites in ("builtin", "grid") else Path(sites)
    show = not quiet and err_console.is_terminal
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not show,
    ) as bar:
        task = bar.add_task("reading companies", total=1)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=escape(stage), completed=done, total=max(total, 1))

        result = _batch.run_batch(
            companies,
            sites=site_spec,
            scenario=scenario,
            as_of=as_of,
            top_k=top,
            allocate=allocate,
            max_share=max_share,
            robustness=robustness,
            layers=layers,
            encoding=encoding,
            sheet=sheet,
            progress=progress if show else None,
            network=network,
        )
    written = _batch.write_batch(
        result,
        output,
        rejects=plan.rejects,
        map_path=map_path,
        overwrite=overwrite,
        csv_sep=csv_sep,
        command=_command_line(ctx),
    )
    if not quiet:
        for msg in result.warnings[:_MAX_WARNINGS_SHOWN]:
            err_console.print(f"[yellow]warning:[/] {escape(msg)}", highlight=False)
        if len(result.warnings) > _MAX_WARNINGS_SHOWN:
            more = len(result.warnings) - _MAX_WARNINGS_SHOWN
            err_console.print(f"[yellow]warning:[/] ... and {more} more (see the manifest)")
        for label, path in written.items():
            if not label.endswith("_manifest"):
                out_console.print(f"wrote {escape(str(path))} ({label})", highlight=False)
    for line in result.summary_lines(plan.rejects if "rejects" in written else None):
        err_console.print(escape(line), highlight=False)
    code = result.exit_code
    if code == 1:
        print_error(
            "no company could be ranked: "
            + ("every row was rejected (see the rejects file)" if not result.counts["valid"]
               else "no candidate site meets any company's needs (see the companies table)")
        )
    if code:
        raise typer.Exit(code)
