"""`planner compare`: 2-12 sites side by side, with an offline HTML report and XLSX.

A thin skin over :func:`planner.jobs.compare.run_compare` (which runs
:func:`planner.jobs.compare.compare_sites` and writes the files) and
:func:`planner.render.report.terminal_renderables` (what is printed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planner.config.defaults import DEFAULT_SCENARIO
from planner.errors import CompareError, SiteCountError

from .app import app, command, command_line, job_args, out_console, print_written
from .options import (
    AsOfOpt,
    CsvSepOpt,
    DemOpt,
    Lang,
    LangOpt,
    LayersOpt,
    MaxElevationOpt,
    MaxSlopeOpt,
    NetworkOpt,
    OverwriteOpt,
    ScenarioOpt,
    StrictOpt,
    date_option,
    terrain_scenario,
)


def _at(values: list[str] | None) -> list[str]:
    if not values:
        return []
    from planner.core import compare as _compare

    for v in values:
        try:
            _compare.parse_at(v)
        except CompareError as exc:
            raise typer.BadParameter(str(exc)) from None
    return list(values or [])


HELP = (
    "Compare 2-12 candidate sites side by side: criteria (km, zone status) and points per "
    "site with the best of each row highlighted, total and rank, the company's hard needs "
    "(with --company), a verdict per site, how robust the winner is to the weights "
    "(random weight draws, the smallest weight change that swaps the two best) and, with "
    "--also-as-of, how the ranking changes when planned zones open.\n\n"
    "SITE is a built-in site = zone id (e.g. iz-kairat, sez-pit; an unknown id lists the "
    "known ones), an id from --sites FILE, or an exact site name; --at LAT,LON[,LABEL] adds "
    "a site by coordinates (latitude first, "
    'decimal dots), e.g. --at "43.40,76.95,Plot near Boraldai".\n\n'
    "Examples:\n\n"
    "  planner compare iz-kairat sez-pit aiz-2 --at 43.40,76.95 --html maps/compare.html\n\n"
    "  planner compare iz-kairat iz-kairat-2 --also-as-of 2030-01-01 --xlsx out/compare.xlsx\n\n"
    '  planner compare iz-kairat sez-alatau --company "ООО «СтройБлок Восток»" '
    "--companies geodata/examples/companies.csv --lang ru\n\n"
    "Exit codes: 0 ok; 3 ok, but rows of --sites FILE were rejected (left out, listed, "
    "written with --rejects); 1 error (unknown site id, company not found, unreadable file, output "
    "exists without --overwrite); 2 usage error (fewer than 2 or more than 12 sites, a bad "
    "--at or date, --company without --companies)."
)


@command(app, "compare", help=HELP)
def compare_cmd(
    ctx: typer.Context,
    site_refs: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="SITE",
            help="Site ids to compare, e.g. iz-kairat sez-pit (2-12 sites with --at).",
            show_default=False,
        ),
    ] = None,
    at: Annotated[
        list[str] | None,
        typer.Option(
            "--at",
            metavar="LAT,LON[,LABEL]",
            callback=_at,
            help="A site by coordinates (WGS84 degrees, latitude first), e.g. --at 43.40,76.95 "
            'or --at "43.40,76.95,Plot near Boraldai". Repeatable.',
        ),
    ] = None,
    company: Annotated[
        str | None,
        typer.Option(
            "--company",
            help="Compare for this company of --companies (its name or company_id): its "
            "sector's weights and its hard needs (land, rail, housing distance, Almaty).",
        ),
    ] = None,
    companies: Annotated[
        Path | None,
        typer.Option(
            "--companies",
            help="Company list (.csv or .xlsx, as for `planner score`), "
            "e.g. geodata/examples/companies.csv",
        ),
    ] = None,
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    as_of: AsOfOpt = None,
    also_as_of: Annotated[
        str | None,
        date_option(
            "--also-as-of",
            help="Also compare as of this date (e.g. 2030-01-01, when planned zones open): "
            "ranks at both dates and why sites moved.",
        ),
    ] = None,
    lang: LangOpt = Lang.ru,
    html_path: Annotated[
        Path | None,
        typer.Option(
            "--html",
            help="Write the offline HTML report (map, score cards, chart, table; prints on "
            "A4), e.g. --html maps/compare.html",
        ),
    ] = None,
    xlsx_path: Annotated[
        Path | None,
        typer.Option("--xlsx", help="Write the table to Excel, e.g. --xlsx out/compare.xlsx"),
    ] = None,
    draws: Annotated[
        int,
        typer.Option(
            "--draws",
            min=1,
            max=1_000_000,
            help="Random weight draws for the robustness check (each weight x0.75-1.25).",
        ),
    ] = 2000,
    seed: Annotated[
        int,
        typer.Option("--seed", help="Seed of the random weight draws (same seed, same result)."),
    ] = 0,
    layers_path: LayersOpt = None,
    network: NetworkOpt = None,
    dem: DemOpt = None,
    max_slope_pct: MaxSlopeOpt = None,
    max_elevation_m: MaxElevationOpt = None,
    sites_path: Annotated[
        Path | None,
        typer.Option(
            "--sites",
            help="A sites file (.csv/.xlsx/.geojson/.gpkg) whose ids SITE may name, "
            "e.g. --sites my_plots.csv",
        ),
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects",
            help="Where to write the rejected rows of --sites FILE (.csv or .xlsx). Default: "
            "<stem>.sites.rejects.csv beside --xlsx or --html (none without them; the rows "
            "are listed on the terminal either way).",
        ),
    ] = None,
    strict: StrictOpt = False,
    csv_sep: CsvSepOpt = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Compare 2-12 candidate sites side by side (see HELP)."""
    from planner.core import compare as _compare
    from planner.jobs import compare as _compare_job
    from planner.render import report as _report

    try:
        _compare.check_site_count(len(site_refs or []) + len(at or []))
    except SiteCountError as exc:
        raise typer.BadParameter(str(exc), param_hint="SITE / --at") from None
    if (company is None) != (companies is None):
        from planner.i18n import tr

        raise typer.BadParameter(tr("err.compare.company_pair"),
                                 param_hint="--company / --companies")
    rejected: list[str] = []
    args = job_args(ctx, _compare_job.run_compare, skip=("max_slope_pct", "max_elevation_m"),
                    site_refs=list(site_refs or []), rejected=rejected,
                    scenario=terrain_scenario(scenario, max_slope_pct, max_elevation_m),
                    command=command_line(ctx))
    comparison, written = _compare_job.run_compare(**args)
    for item in _report.terminal_renderables(comparison, lang.value):
        out_console.print(item, highlight=False)
    print_written(written, lang.value)
    if rejected:
        raise typer.Exit(3)  # some rows of the sites file were left out (logged above)
