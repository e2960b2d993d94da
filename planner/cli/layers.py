"""`planner layers ...`: list, check and export the geodata layers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from planner.errors import LayerError

from .app import app, command, command_line, err_console, out_console
from .options import LayersOpt, OverwriteOpt

layers_app = typer.Typer(help="List, check and export the geodata layers.", no_args_is_help=True)
app.add_typer(layers_app, name="layers")


def _say(console, text: str) -> None:
    console.print(escape(text), highlight=False)


@command(layers_app, "list")
def list_cmd(layers: LayersOpt = None) -> None:
    """Table of layers: kinds, feature counts, statuses, estimated count, sources."""
    from planner.inputs import layers as _layers

    ls = _layers.load_layers(layers)
    for note in ls.notes:
        _say(err_console, f"note: {note}")
    title = "planner layers " + (f"({layers})" if layers else "(built-in, indicative)")
    table = Table(title=escape(title))
    for col in ("layer", "kinds", "features", "statuses", "estimated", "source", "licences"):
        table.add_column(col, overflow="fold", no_wrap=col == "layer")
    for name in _layers.LAYER_NAMES:
        gdf = ls[name]
        kinds = ", ".join(f"{k} {n}" for k, n in gdf["kind"].value_counts().sort_index().items())
        st = gdf["status"].dropna().value_counts().sort_index()
        statuses = ", ".join(f"{k} {n}" for k, n in st.items()) or "-"
        src = ls.sources[name]
        if src == "builtin":
            src = "built-in; " + _source_summary(gdf)
        lic = gdf["licence"].fillna("not given").str.split(":").str[0].value_counts()
        table.add_row(name, escape(kinds), str(len(gdf)), escape(statuses),
                      f"{int(gdf['estimated'].sum())}/{len(gdf)}", escape(src),
                      escape(", ".join(f"{k} {n}" for k, n in lic.items())))
    out_console.print(table)
    if "builtin" in ls.sources.values():
        _say(out_console, "Built-in geometry is indicative where `estimated` (see "
             "geodata/README.md); boundaries from geokz / OCHA COD-AB, settlements and "
             "places from OpenStreetMap.")
    for credit in ls.licences():
        _say(out_console, f"Licence and credit: {credit}")


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
    from planner.inputs import layers as _layers

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
    ctx: typer.Context,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="GeoPackage to write, e.g. layers.gpkg")
    ],
    layers: LayersOpt = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Write all layers into one GeoPackage that QGIS/ArcGIS can open."""
    from planner._atomic import Output, check_outputs
    from planner.inputs import layers as _layers
    from planner.render.outputs import write_manifest

    check_outputs([Output(output, "layers file", (".gpkg",), "-o layers.gpkg", manifest=True)],
                  overwrite, inputs=[layers])  # fmt: skip
    ls = _layers.load_layers(layers)
    _layers.export_layers(ls, output, overwrite=overwrite)
    write_manifest(output, inputs={"layers": layers},
                   counts={n: len(ls[n]) for n in _layers.LAYER_NAMES},
                   extra={"sources": ls.sources, "crs": "EPSG:4326",
                          "layers_fingerprint": ls.fingerprint()},
                   command=command_line(ctx), overwrite=overwrite)  # fmt: skip
    _say(out_console, f"wrote {output} ({len(_layers.LAYER_NAMES)} layers, EPSG:4326)")


@command(layers_app, "from-osm")
def from_osm_cmd(
    ctx: typer.Context,
    extract: Annotated[
        Path,
        typer.Argument(help="OpenStreetMap extract (.osm.pbf or .osm) of the region, e.g. "
                       "almaty.osm.pbf cut with `osmium extract`"),
    ],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="GeoPackage of layers to write, e.g. "
                           "official.gpkg (use it with --layers)")
    ],
    candidates: Annotated[
        Path | None,
        typer.Option("--candidates", help="GeoPackage of candidate sites (landuse=industrial "
                     "land) to write. Default: <output>_candidates.gpkg beside the output."),
    ] = None,
    bakad_relation: Annotated[
        int | None,
        typer.Option("--bakad-relation", help="OSM id of BAKAD's route relation, when its "
                     "ways are not named БАКАД/BAKAD, e.g. 12345678.", min=1),
    ] = None,
    min_water_ha: Annotated[
        float,
        typer.Option("--min-water-ha", help="Leave out water polygons smaller than this, "
                     "hectares (e.g. 1).", min=0.0),
    ] = 1.0,
    clip: Annotated[
        bool,
        typer.Option("--clip/--no-clip", help="Cut features to Almaty Region and Almaty city "
                     "(default) or keep everything in the extract."),
    ] = True,
    overwrite: OverwriteOpt = False,
) -> None:
    """Turn an OpenStreetMap extract into planner layers (exit 1 when it holds none)."""
    from planner.inputs.osm import OSM_LICENCE
    from planner.jobs.osm_layers import layers_from_osm_job

    result, out, cand = layers_from_osm_job(
        extract, output, candidates=candidates, bakad_relation=bakad_relation,
        min_water_ha=min_water_ha, clip=clip, overwrite=overwrite, command=command_line(ctx),
    )
    _say(out_console, result.report())
    _say(out_console, f"wrote {out} (layers {', '.join(result.layers)}; EPSG:4326; "
         f"{OSM_LICENCE}); check it with `planner layers check {out}`")
    if cand is not None:
        _say(out_console, f"wrote {cand} ({len(result.candidates)} candidate sites: "
             f"planner score-sites {cand} --layers {out} -o scored.gpkg)")
