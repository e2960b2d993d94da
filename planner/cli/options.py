"""Options shared by several commands, each defined once: name, type, help and parser.

A command takes one as ``scenario: ScenarioOpt = DEFAULT_SCENARIO``; the default stays in
the signature, where typer wants it with ``Annotated`` and a reader looks for it. Where a
command gives an option its own meaning (``planner map --as-of`` falls back to the scored
file's date, ``planner compare --also-as-of``), it keeps a local definition, built with
:func:`date_option` for dates so that every date is parsed and shown alike.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = [
    "DATE_METAVAR",
    "AsOfOpt",
    "DemOpt",
    "MaxElevationOpt",
    "MaxSlopeOpt",
    "EncodingOpt",
    "Lang",
    "LangOpt",
    "LayersOpt",
    "NetworkOpt",
    "OverwriteOpt",
    "RejectsOpt",
    "ScenarioOpt",
    "SheetOpt",
    "SitesRejectsOpt",
    "StrictOpt",
    "CsvSepOpt",
    "date_option",
    "parse_date",
    "parse_sites",
    "terrain_scenario",
]

DATE_METAVAR = "YYYY-MM-DD"


class Lang(StrEnum):
    """Language of the texts a command writes or prints."""

    ru = "ru"
    kk = "kk"
    en = "en"


def parse_date(value: str | None) -> str | None:
    """Callback of the date options: an ISO date as ``YYYY-MM-DD``; ``None`` (not given) stays.

    A bad date is a usage error (exit 2), reported before any work.
    """
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        from planner.i18n import tr

        raise typer.BadParameter(tr("cli.usage_bad_date", value=value)) from None


def parse_sites(value: str | None) -> str | Path | None:
    """Callback of the sites options: ``builtin`` and ``grid`` as given, else a file path."""
    if value is None or value in ("builtin", "grid"):
        return value
    return Path(value)


def date_option(*names: str, help: str) -> Any:
    """A date option parsed by :func:`parse_date`, for a command's own date options."""
    return typer.Option(*names, callback=parse_date, metavar=DATE_METAVAR, help=help)


ScenarioOpt = Annotated[
    str,
    typer.Option(
        "--scenario",
        help="Scoring scenario: a built-in name (see `planner scenarios list`) or a .toml "
        "path, e.g. export-logistics or my_weights.toml.",
    ),
]

AsOfOpt = Annotated[
    str | None,
    date_option(
        "--as-of",
        help="Date at which zone statuses (planned, under construction, operating) are "
        "taken, YYYY-MM-DD, e.g. 2030-01-01. Default: today.",
    ),
]

LayersOpt = Annotated[
    Path | None,
    typer.Option(
        "--layers",
        help="Replacement layers: a folder of bakad/cities/zones/transport/constraints "
        ".geojson|.gpkg files, or one .gpkg with layers so named, e.g. --layers "
        "official.gpkg. Layers not given stay built-in. Default: all built-in.",
    ),
]

OverwriteOpt = Annotated[
    bool,
    typer.Option(
        "--overwrite",
        help="Replace existing output files. Without it an existing output is refused "
        "(exit 1).",
    ),
]

LangOpt = Annotated[
    Lang,
    typer.Option(
        "--lang",
        help="Language of the printed and written texts (labels, reasons, reports): "
        "ru, kk or en, e.g. --lang en.",
    ),
]

EncodingOpt = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        help="Encoding of a company CSV, e.g. cp1251 or kz1048. Default: detected.",
    ),
]

RejectsOpt = Annotated[
    Path | None,
    typer.Option(
        "--rejects",
        help="Where to write the rejected rows with their reasons (.csv or .xlsx), e.g. "
        "--rejects rejects.csv. `planner score` writes <stem>.rejects.csv beside the results "
        "by default; rejects are written only when rows are rejected.",
    ),
]

SheetOpt = Annotated[
    str | None,
    typer.Option(
        "--sheet",
        help="Excel sheet of the company list, e.g. --sheet Companies. Default: the first "
        "sheet.",
    ),
]

NetworkOpt = Annotated[
    str | None,
    typer.Option(
        "--network",
        help="Road network for the travel-time criteria (time_*_min): a .npz from `planner "
        "network build`, or builtin (the coarse, indicative network of the built-in BAKAD, "
        "interchanges and highways), e.g. --network network.npz. Default: none, or builtin "
        "when the scenario scores travel times.",
    ),
]

StrictOpt = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="All or nothing: refuse the input when any row of it cannot be used (exit 1, "
        "every bad row listed). Default: leave the bad rows out, write them to the rejects "
        "file with row, id, column, value and the fix, use the rest, exit 3.",
    ),
]

SitesRejectsOpt = Annotated[
    Path | None,
    typer.Option(
        "--sites-rejects",
        help="Where to write the rejected rows of a sites file (.csv or .xlsx), e.g. "
        "--sites-rejects sites.rejects.csv. Default: <stem>.sites.rejects.csv beside the "
        "results; written only when rows are rejected.",
    ),
]


def parse_csv_sep(value: str | None) -> str | None:
    """Callback of ``--csv-sep``: ``,`` ``;`` or tab (also ``comma``, ``semicolon``, ``tab``)."""
    if value is None:
        return None
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";"}
    sep = named.get(value.strip().lower(), value)
    if sep not in (",", ";", "\t"):
        from planner.i18n import tr

        raise typer.BadParameter(tr("cli.usage_bad_sep", value=value))
    return sep


CsvSepOpt = Annotated[
    str | None,
    typer.Option(
        "--csv-sep",
        callback=parse_csv_sep,
        help="Separator of CSV outputs (results, rejects): ',' or ';' (Russian Excel; "
        "decimal commas) or tab. Default: the input's own (a ';' list gets ';' files, "
        "in its encoding).",
    ),
]

DemOpt = Annotated[
    Path | None,
    typer.Option(
        "--dem",
        help="Elevation model (GeoTIFF, any CRS, metres), e.g. --dem srtm.tif: adds "
        "elevation_m and slope_pct and excludes sites over the scenario's [terrain] limits "
        "(max_slope_pct, default 10; max_elevation_m). Sites where the DEM has no value are "
        "kept and marked 'terrain unknown'. Needs the [raster] extra.",
    ),
]

MaxSlopeOpt = Annotated[
    float | None,
    typer.Option(
        "--max-slope-pct",
        min=0.01,
        help="With --dem: exclude sites steeper than this, percent, e.g. 8 (overrides the "
        "scenario's [terrain] max_slope_pct, default 10).",
    ),
]

MaxElevationOpt = Annotated[
    float | None,
    typer.Option(
        "--max-elevation-m",
        help="With --dem: exclude sites higher than this, metres, e.g. 1200 (overrides the "
        "scenario's [terrain] max_elevation_m, default none).",
    ),
]


def terrain_scenario(scenario, max_slope_pct: float | None, max_elevation_m: float | None):
    """``scenario`` with the --max-slope-pct / --max-elevation-m overrides (a Scenario
    object then, whose hash records them); unchanged when neither is given."""
    if max_slope_pct is None and max_elevation_m is None:
        return scenario
    from planner.config.scenarios import DEFAULT_SCENARIO, load_scenario

    return load_scenario(scenario or DEFAULT_SCENARIO).with_terrain(max_slope_pct,
                                                                     max_elevation_m)
