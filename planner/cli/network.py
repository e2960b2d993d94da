"""`planner network ...`: build a road network for travel times, and describe one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .app import app, command, command_line, err_console, out_console
from .options import Lang, LangOpt, LayersOpt, OverwriteOpt

network_app = typer.Typer(
    help="Road networks for travel-time criteria: build from an OpenStreetMap extract, "
    "inspect.",
    no_args_is_help=True,
)
app.add_typer(network_app, name="network")


def _bbox(value: str | None) -> list[float] | None:
    """The --bbox numbers; a usage error (exit 2) in the command's language if not four."""
    from planner.i18n import tr

    if value is None:
        return None
    try:
        parts = [float(v) for v in value.replace(" ", "").split(",")]
    except ValueError:
        parts = []
    if len(parts) != 4:
        raise typer.BadParameter(tr("err.jobs.bbox_not_box", value=value), param_hint="--bbox")
    return parts


BUILD_HELP = (
    "Build a road network for travel-time criteria and write it as one .npz file.\n\n"
    "INPUT is an OpenStreetMap extract (.osm.pbf; e.g. Kazakhstan from a Geofabrik "
    "download, or the region cut with `osmium extract`), a GeoPackage with a `roads` line "
    "layer (column highway, optional oneway, maxspeed, junction, name, ref, bakad), or "
    "builtin: the coarse, INDICATIVE network of the built-in (or --layers) BAKAD, "
    "interchanges and highways.\n\n"
    "Roads are directed (oneway, roundabouts and motorways respected); speeds come from "
    "maxspeed or the road-class table (planner/config/data/road_speeds.toml); BAKAD (ways "
    "named БАКАД/BAKAD) is entered only through its link roads, and no site joins a "
    "motorway. Only the largest strongly connected part is kept; what was dropped is "
    "reported. Builds are cached by the input's sha256 ($PLANNER_CACHE_DIR or "
    "~/.cache/planner). Turn restrictions and congestion are not modelled.\n\n"
    "Examples:\n\n"
    "  planner network build kazakhstan-latest.osm.pbf -o network.npz\n\n"
    "  planner network build builtin -o coarse.npz\n\n"
    "Exit codes: 0 ok (also when the output is already up to date); 1 error (unreadable "
    "input, no roads, output exists); 2 usage error."
)


@command(network_app, "build", help=BUILD_HELP)
def build_cmd(
    ctx: typer.Context,
    source: Annotated[
        str,
        typer.Argument(
            metavar="INPUT",
            help="OpenStreetMap extract (.osm.pbf), GeoPackage with a roads layer, or "
            "builtin, e.g. almaty.osm.pbf",
        ),
    ],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Network file to write, e.g. network.npz")
    ],
    bbox: Annotated[
        str | None,
        typer.Option(
            "--bbox",
            help="Keep roads inside west,south,east,north (degrees), e.g. "
            "76.4,43.0,77.6,44.0. Default: Almaty Region with a margin.",
        ),
    ] = None,
    speeds: Annotated[
        Path | None,
        typer.Option(
            "--speeds",
            help="Another road speed table (TOML laid out like the built-in "
            "road_speeds.toml), e.g. --speeds my_speeds.toml",
        ),
    ] = None,
    layers: LayersOpt = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Build again even if the cache has this input.")
    ] = False,
    overwrite: OverwriteOpt = False,
    lang: LangOpt = Lang.ru,
) -> None:
    """Build a road network (see BUILD_HELP)."""
    from planner import i18n
    from planner.inputs.layers import load_layers
    from planner.jobs import network as _network

    box = _bbox(bbox)
    ls = load_layers(layers) if source == "builtin" else None
    result = _network.build_network_file(
        source, output, layers=ls, bbox=box, speeds_path=speeds, overwrite=overwrite,
        use_cache=not no_cache, command=command_line(ctx),
    )  # fmt: skip
    for line in result.lines(lang.value):
        out_console.print(escape(line), highlight=False)
    if result.network.indicative:
        err_console.print(escape(i18n.t("out.network.indicative_note", lang.value)),
                          highlight=False)


@command(network_app, "info")
def info_cmd(
    path: Annotated[Path, typer.Argument(help="Network file (.npz), e.g. network.npz")],
    lang: LangOpt = Lang.ru,
) -> None:
    """Describe a network file: source, size, classes, BAKAD, what the build dropped."""
    from planner import i18n
    from planner.core import network as _roadnet
    from planner.jobs import network as _network

    lg = lang.value
    net = _roadnet.load_network(path)
    s = net.summary()
    meta = net.meta

    def num(x, digits: int = 0) -> str:
        return i18n.format_number(x, lg, digits=digits, grouping=True)

    def sig(x) -> str:
        return i18n.format_number(x, lg, significant=6, grouping=False)

    label = i18n.t("out.network.indicative_label", lg) if net.indicative else ""
    lines = [
        i18n.t("out.network.info", lg, path=path, label=label, nodes=num(s["nodes"]),
               segments=num(s["segments"]), km=num(s["length_km"], 1),
               oneway=num(s["oneway_segments"])),
        i18n.t("out.network.info_source", lg, source=_network.source_text(meta, lg),
               built=meta.get("built", "?"), sha=str(meta.get("sha256", "-"))[:16]),
        i18n.t("out.network.info_bakad", lg, km=num(s["bakad_km"], 1),
               entries=num(s["bakad_entries"])),
        i18n.t("out.network.info_access", lg, detour=sig(net.access["detour"]),
               speed=sig(net.access["speed_kmh"]), snap=sig(net.access["max_snap_m"])),
        _roadnet.describe_dropped(meta.get("dropped", {}), lg),
        _network.by_class_text(s["km_by_class"], lg),
    ]  # fmt: skip
    for line in lines:
        out_console.print(escape(line), highlight=False)
