"""`planner map`: an interactive offline HTML map of layers, scored sites and results."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .app import app, command, command_line, job_args, out_console
from .options import DemOpt, Lang, LangOpt, LayersOpt, NetworkOpt, OverwriteOpt, date_option


class IsochroneTarget(StrEnum):
    interchange = "interchange"
    almaty = "almaty"
    konaev = "konaev"
    gate_city = "gate_city"
    rail = "rail"
    airport = "airport"


def _minutes(text: str | None) -> list[float] | None:
    """``"15,30,45"`` -> [15.0, 30.0, 45.0] (checked again by the job)."""
    if text is None:
        return None
    try:
        return [float(v) for v in text.replace(";", ",").split(",") if v.strip()]
    except ValueError as exc:
        from planner.i18n import tr

        raise typer.BadParameter(tr("err.jobs.minutes", value=text)) from exc


class Basemap(StrEnum):
    none = "none"
    osm = "osm"


@command(app, "map")
def map_cmd(
    ctx: typer.Context,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="HTML file to write, e.g. maps/demo.html")
    ],
    sites: Annotated[
        str | None,
        typer.Option(
            "--sites",
            help="Scored sites written by `planner score-sites` (.gpkg/.geojson/.csv), or "
            "`builtin` to score the built-in zone sites now. Default: builtin when --results "
            "is not given.",
        ),
    ] = None,
    results: Annotated[
        Path | None,
        typer.Option(
            "--results", help="Results table of `planner score` (.csv/.xlsx/.gpkg/.geojson)."
        ),
    ] = None,
    company: Annotated[
        str | None,
        typer.Option(
            "--company",
            help="Show this company's top-K sites, numbered (name or company_id). "
            "Without it, the map shows each company's best site.",
        ),
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option(
            "--scenario",
            help="Scenario name or TOML file (for --sites builtin; checked "
            "against a scored file's own), e.g. bakad-perimeter.",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        date_option(
            "--as-of",
            help="Date for zone statuses, e.g. 2030-01-01. Default: the scored file's date, "
            "else today.",
        ),
    ] = None,
    lang: LangOpt = Lang.ru,
    basemap: Annotated[
        Basemap,
        typer.Option(
            "--basemap",
            help="none: vector context only, fully offline; osm: OpenStreetMap "
            "tiles (needs internet when viewing).",
        ),
    ] = Basemap.none,
    top_k: Annotated[
        int, typer.Option("--top", min=1, max=500, help="How many best sites to number, e.g. 10.")
    ] = 10,
    surface: Annotated[
        Path | None,
        typer.Option(
            "--surface",
            help="Suitability surface written by `planner surface` (.tif or .npz), drawn as "
            "an image layer under the sites, e.g. --surface surface.npz.",
        ),
    ] = None,
    network: NetworkOpt = None,
    isochrones: Annotated[
        str | None,
        typer.Option(
            "--isochrones",
            metavar="MINUTES",
            callback=_minutes,
            help="Draw travel-time bands by road with these upper limits in minutes, e.g. "
            "--isochrones 15,30,45 (uses --network, else the coarse built-in network).",
        ),
    ] = None,
    isochrone_target: Annotated[
        IsochroneTarget,
        typer.Option("--isochrone-target", help="What the bands measure time to."),
    ] = IsochroneTarget.interchange,
    isochrone_cell_m: Annotated[
        float,
        typer.Option(
            "--isochrone-cell-m", min=50, max=10000,
            help="Grid cell of the bands in metres, e.g. 250 for finer edges (slower).",
        ),
    ] = 500.0,
    layers_path: LayersOpt = None,
    dem: DemOpt = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Write an interactive map that opens offline: layers, sites coloured by score, top-K."""
    from planner import i18n
    from planner.jobs import maps as _maps

    path = _maps.make_map(**job_args(ctx, _maps.make_map, command=command_line(ctx)))
    mb = i18n.format_number(path.stat().st_size / 1e6, lang.value, 1)
    out_console.print(escape(i18n.t("cli.wrote_size", lang.value, path=path, mb=mb)),
                      highlight=False)  # fmt: skip
