"""`planner layers ...`: list, check and export the geodata layers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from planner.errors import LayerError

from .app import app, command, command_line, err_console, out_console
from .options import Lang, LangOpt, LayersOpt, OverwriteOpt

layers_app = typer.Typer(help="List, check and export the geodata layers.", no_args_is_help=True)
app.add_typer(layers_app, name="layers")


def _say(console, text: str) -> None:
    console.print(escape(text), highlight=False)


_COLUMNS = ("layer", "kinds", "features", "statuses", "estimated", "source", "licences")


@command(layers_app, "list")
def list_cmd(layers: LayersOpt = None, lang: LangOpt = Lang.ru) -> None:
    """Table of layers: kinds, feature counts, statuses, estimated count, sources."""
    from planner import i18n
    from planner.inputs import layers as _layers

    lg = lang.value
    words = i18n.section("out.layers", lg)
    ls = _layers.load_layers(layers)
    for note in ls.notes:
        _say(err_console, words["note"].format(note=note))
    title = words["title_path"].format(path=layers) if layers else words["title_builtin"]
    table = Table(title=escape(title))
    for col in _COLUMNS:
        table.add_column(escape(words[f"col_{col}"]), overflow="fold", no_wrap=col == "layer")
    for name in _layers.LAYER_NAMES:
        gdf = ls[name]
        kinds = ", ".join(f"{i18n.kind_label(k, lg)} {n}"
                          for k, n in gdf["kind"].value_counts().sort_index().items())
        st = gdf["status"].dropna().value_counts().sort_index()
        statuses = ", ".join(f"{i18n.status_label(k, lg)} {n}" for k, n in st.items()) or "-"
        src = ls.sources[name]
        if src == "builtin":
            src = words["builtin_source"].format(summary=_source_summary(gdf, lg))
        lic = gdf["licence"].fillna(words["not_given"]).str.split(":").str[0].value_counts()
        table.add_row(name, escape(kinds), str(len(gdf)), escape(statuses),
                      f"{int(gdf['estimated'].sum())}/{len(gdf)}", escape(src),
                      escape(", ".join(f"{k} {n}" for k, n in lic.items())))
    out_console.print(table)
    if "builtin" in ls.sources.values():
        _say(out_console, words["indicative"])
    for credit in ls.licences():
        _say(out_console, words["credit"].format(credit=credit))


def _source_summary(gdf, lang: str) -> str:
    from planner import i18n

    words = i18n.section("out.layers", lang)
    osm = int(gdf["source"].str.contains("OpenStreetMap", na=False).sum())
    parts = [words["accuracy"].format(lo=i18n.format_number(gdf["accuracy_m"].min(), lang),
                                      hi=i18n.format_number(gdf["accuracy_m"].max(), lang))]
    if osm:
        parts.append(words["osm_derived"].format(n=osm))
    return ", ".join(parts)


@command(layers_app, "check")
def check_cmd(
    path: Annotated[
        Path,
        typer.Argument(help="Folder of layer files, a .gpkg or one <layer>.geojson to "
                       "validate, e.g. ./official/"),
    ],
    lang: LangOpt = Lang.ru,
) -> None:
    """Validate a user's layers and print every problem (exit 0 valid, 1 problems)."""
    from planner import i18n
    from planner.inputs import layers as _layers

    words = i18n.section("out.layers", lang.value)
    try:
        ls = _layers.load_layers(path)
    except LayerError as exc:
        head = escape(words["problems"].format(n=len(exc.problems), path=path))
        err_console.print(f"[bold red]{head}[/]", highlight=False)
        for p in exc.problems:
            _say(err_console, f"  - {p}")
        raise typer.Exit(1) from None
    for note in ls.notes:
        _say(out_console, words["note"].format(note=note))
    replaced = [n for n, s in ls.sources.items() if s != "builtin"]
    _say(out_console, words["valid"].format(path=path, names=", ".join(replaced)))


@command(layers_app, "export")
def export_cmd(
    ctx: typer.Context,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="GeoPackage to write, e.g. layers.gpkg")
    ],
    layers: LayersOpt = None,
    overwrite: OverwriteOpt = False,
    lang: LangOpt = Lang.ru,
) -> None:
    """Write all layers into one GeoPackage that QGIS/ArcGIS can open."""
    from planner import i18n
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
    _say(out_console, i18n.t("out.layers.exported", lang.value, path=output,
                             n=len(_layers.LAYER_NAMES)))


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
    lang: LangOpt = Lang.ru,
) -> None:
    """Turn an OpenStreetMap extract into planner layers (exit 1 when it holds none)."""
    from planner import i18n
    from planner.inputs.osm import OSM_LICENCE
    from planner.jobs.osm_layers import layers_from_osm_job

    result, out, cand = layers_from_osm_job(
        extract, output, candidates=candidates, bakad_relation=bakad_relation,
        min_water_ha=min_water_ha, clip=clip, overwrite=overwrite, command=command_line(ctx),
    )
    lg = lang.value
    _say(out_console, result.report(lg))
    _say(out_console, i18n.t("out.layers.osm_wrote", lg, path=out, names=", ".join(result.layers),
                             licence=OSM_LICENCE))  # fmt: skip
    if cand is not None:
        _say(out_console, i18n.t("out.layers.osm_candidates", lg, path=cand, layers=out,
                                 n=len(result.candidates)))  # fmt: skip
