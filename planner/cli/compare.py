"""`planner compare`: 2-12 sites side by side, with an offline HTML report and XLSX.

A thin skin over :func:`planner.render.report.run_compare` (which runs
:func:`planner.core.compare.compare_sites` and writes the files) and
:func:`planner.render.report.terminal_renderables` (what is printed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from planner.config.scenarios import DEFAULT_SCENARIO
from planner.core import compare as _compare
from planner.render import report as _report

from .app import app, err_console, handle_errors, out_console
from .options import (
    AsOfOpt,
    Lang,
    LangOpt,
    LayersOpt,
    NetworkOpt,
    OverwriteOpt,
    ScenarioOpt,
    date_option,
)


def _network_for(spec: str | None, scenario: str, layers_path: Path | None):
    """The road network of --network, or the built-in one for a travel-time scenario."""
    from planner.config.scenarios import load_scenario
    from planner.inputs.layers import load_layers
    from planner.inputs.roads import network_for_scenario, scenario_needs_network

    sc = load_scenario(scenario)
    if spec is None and not scenario_needs_network(sc):
        return None
    net, note = network_for_scenario(spec, sc, load_layers(layers_path))
    if note:
        err_console.print(f"note: {escape(note)}", highlight=False)
    return net


def _at(values: list[str] | None) -> list[str]:
    for v in values or []:
        try:
            _compare.parse_at(v)
        except _compare.CompareError as exc:
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
    "Exit codes: 0 ok; 1 error (unknown site id, company not found, unreadable file, output "
    "exists without --overwrite); 2 usage error (fewer than 2 or more than 12 sites, a bad "
    "--at or date, --company without --companies)."
)


@app.command("compare", help=HELP)
@handle_errors
def compare_cmd(
    sites: Annotated[
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
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            help="Write the offline HTML report (map, score cards, chart, table; prints on "
            "A4), e.g. --html maps/compare.html",
        ),
    ] = None,
    xlsx: Annotated[
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
    layers: LayersOpt = None,
    sites_file: Annotated[
        Path | None,
        typer.Option(
            "--sites",
            help="A sites file (.csv/.xlsx/.geojson/.gpkg) whose ids SITE may name, "
            "e.g. --sites my_plots.csv",
        ),
    ] = None,
    network: NetworkOpt = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Compare 2-12 candidate sites side by side (see HELP)."""
    refs = list(sites or [])
    points = list(at or [])
    try:
        _compare.check_site_count(len(refs) + len(points))
    except _compare.SiteCountError as exc:
        raise typer.BadParameter(str(exc), param_hint="SITE / --at") from None
    if (company is None) != (companies is None):
        raise typer.BadParameter(
            "--company and --companies go together: name the company with --company NAME and "
            "give the company list with --companies FILE",
            param_hint="--company / --companies",
        )
    net = _network_for(network, scenario, layers)
    comparison, written = _report.run_compare(
        refs,
        at=points,
        company=company,
        companies=companies,
        scenario=scenario,
        as_of=as_of,
        also_as_of=also_as_of,
        lang=lang.value,
        html_path=html,
        xlsx_path=xlsx,
        draws=draws,
        seed=seed,
        layers_path=layers,
        sites_path=sites_file,
        overwrite=overwrite,
        network=net,
    )
    for item in _report.terminal_renderables(comparison, lang.value):
        out_console.print(item, highlight=False)
    for label, path in written.items():
        out_console.print(f"wrote {escape(str(path))} ({label})", highlight=False)
