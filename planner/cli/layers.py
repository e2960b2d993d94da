"""`planner layers ...`: list, check and export the geodata layers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from planner.errors import LayerError
from planner.inputs import layers as _layers

from .app import app, command, err_console, out_console
from .options import LayersOpt, OverwriteOpt

layers_app = typer.Typer(help="List, check and export the geodata layers.", no_args_is_help=True)
app.add_typer(layers_app, name="layers")


def _say(console, text: str) -> None:
    console.print(escape(text), highlight=False)


@command(layers_app, "list")
def list_cmd(layers: LayersOpt = None) -> None:
    """Table of layers: kinds, feature counts, statuses, estimated count, sources."""
    ls = _layers.load_layers(layers)
    for note in ls.notes:
        _say(err_console, f"note: {note}")
    title = "planner layers " + (f"({layers})" if layers else "(built-in, indicative)")
    table = Table(title=escape(title))
    for col in ("layer", "kinds", "features", "statuses", "estimated", "source"):
        table.add_column(col, overflow="fold")
    for name in _layers.LAYER_NAMES:
        gdf = ls[name]
        kinds = ", ".join(f"{k} {n}" for k, n in gdf["kind"].value_counts().sort_index().items())
        st = gdf["status"].dropna().value_counts().sort_index()
        statuses = ", ".join(f"{k} {n}" for k, n in st.items()) or "-"
        src = ls.sources[name]
        if src == "builtin":
            src = "built-in; " + _source_summary(gdf)
        table.add_row(name, escape(kinds), str(len(gdf)), escape(statuses),
                      f"{int(gdf['estimated'].sum())}/{len(gdf)}", escape(src))
    out_console.print(table)
    _say(out_console, "Built-in geometry is indicative (approximate; see geodata/README.md); "
         "© OpenStreetMap contributors where derived from OSM.")


def _source_summary(gdf) -> str:
    osm = int(gdf["source"].str.contains("OpenStreetMap", na=False).sum())
    parts = [f"accuracy {gdf['accuracy_m'].min():.0f}-{gdf['accuracy_m'].max():.0f} m"]
    if osm:
        parts.append(f"{osm} OSM-derived")
    return ", ".join(parts)


@command(layers_app, "check")
def check_cmd(
    path: Annotated[
        Path,
        typer.Argument(help="Folder of layer files, a .gpkg or one <layer>.geojson to "
                       "validate, e.g. ./official/"),
    ],
) -> None:
    """Validate a user's layers and print every problem (exit 0 valid, 1 problems)."""
    try:
        ls = _layers.load_layers(path)
    except LayerError as exc:
        err_console.print(f"[bold red]{len(exc.problems)} problem(s)[/] in {escape(str(path))}:",
                          highlight=False)
        for p in exc.problems:
            _say(err_console, f"  - {p}")
        raise typer.Exit(1) from None
    for note in ls.notes:
        _say(out_console, f"note: {note}")
    replaced = [n for n, s in ls.sources.items() if s != "builtin"]
    _say(out_console, f"ok: {path} is valid ({', '.join(replaced)} replaced)")


@command(layers_app, "export")
def export_cmd(
    output: Annotated[
        Path, typer.Option("-o", "--output", help="GeoPackage to write, e.g. layers.gpkg")
    ],
    layers: LayersOpt = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Write all layers into one GeoPackage that QGIS/ArcGIS can open."""
    from planner._atomic import Output, check_outputs

    check_outputs([Output(output, "layers file", (".gpkg",), "-o layers.gpkg")], overwrite,
                  inputs=[layers])  # fmt: skip
    ls = _layers.load_layers(layers)
    _layers.export_layers(ls, output, overwrite=overwrite)
    _say(out_console, f"wrote {output} ({len(_layers.LAYER_NAMES)} layers, EPSG:4326)")
