"""`planner sites ...` (grid, check) and `planner score-sites`: candidate sites and their scores."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from planner.config.defaults import DEFAULT_SCENARIO

from .app import app, command, command_line, job_args, out_console
from .options import (
    AsOfOpt,
    DemOpt,
    Lang,
    LangOpt,
    LayersOpt,
    MaxElevationOpt,
    MaxSlopeOpt,
    NetworkOpt,
    OverwriteOpt,
    ScenarioOpt,
    parse_sites,
    terrain_scenario,
)

#: the terrain overrides, turned into the scenario by the command itself
TERRAIN_OPTIONS = ("max_slope_pct", "max_elevation_m")


def _n(value: float, lang: str, digits: int | None = 0, **kw) -> str:
    """A number for a terminal line (Babel, :func:`planner.i18n.format_number`)."""
    from planner import i18n

    if digits is None:
        return i18n.format_number(value, lang, significant=6)
    return i18n.format_number(value, lang, digits, grouping=True, **kw)

sites_app = typer.Typer(
    help="Candidate sites: generate a lattice, check a file.", no_args_is_help=True
)
app.add_typer(sites_app, name="sites")

OutputOpt = Annotated[
    Path,
    typer.Option(
        "-o", "--output", help="File to write: .gpkg, .geojson or .csv (e.g. -o sites.gpkg)."
    ),
]

SitesFileArg = Annotated[
    Path, typer.Argument(help="Sites file to validate: .csv, .xlsx, .geojson or .gpkg.")
]


@command(sites_app, "grid")
def grid_cmd(
    output: OutputOpt,
    spacing_km: Annotated[
        float, typer.Option("--spacing-km", help="Distance between sites, km (e.g. 1).", min=0.01)
    ] = 1.0,
    within_km: Annotated[
        float,
        typer.Option(
            "--within-km",
            help="Keep sites within this distance of --around, km (e.g. 20).",
            min=0.0,
        ),
    ] = 20.0,
    around: Annotated[
        str,
        typer.Option(
            "--around",
            help="Layer(s) or feature id(s), comma-separated: "
            "bakad, zones, cities, konaev, gate-city ...",
        ),
    ] = "bakad",
    square: Annotated[
        bool, typer.Option("--square", help="Square lattice instead of hexagonal.")
    ] = False,
    layers: LayersOpt = None,
    dem: DemOpt = None,
    scenario: Annotated[
        str,
        typer.Option(
            "--scenario",
            help="Scenario whose [terrain] limits apply with --dem (max_slope_pct, "
            "max_elevation_m): a built-in name or a .toml path.",
        ),
    ] = DEFAULT_SCENARIO,
    max_slope_pct: MaxSlopeOpt = None,
    max_elevation_m: MaxElevationOpt = None,
    keep_excluded: Annotated[
        bool,
        typer.Option(
            "--keep-excluded",
            help="Keep the points on excluded land (park, mountain front, water, outside the "
            "region, over the DEM limits) with columns excluded and excluded_reason, instead "
            "of dropping them.",
        ),
    ] = False,
    lang: LangOpt = Lang.ru,
    overwrite: OverwriteOpt = False,
) -> None:
    """Generate a lattice of candidate sites near BAKAD (or other features), no excluded land."""
    from planner import i18n
    from planner._atomic import Output, check_outputs
    from planner.inputs.layers import load_layers
    from planner.jobs.grid import make_grid
    from planner.render.outputs import write_sites

    check_outputs([Output(Path(output), "sites file", (".gpkg", ".geojson", ".csv", ".xlsx"),
                          "-o sites.gpkg")], overwrite, inputs=[layers, dem])  # fmt: skip
    ls = load_layers(layers)
    run = make_grid(ls, spacing_km=spacing_km, within_km=within_km, around=around,
                    hexagonal=not square, dem=dem,
                    scenario=terrain_scenario(scenario, max_slope_pct, max_elevation_m),
                    keep_excluded=keep_excluded, lang=lang.value)  # fmt: skip
    write_sites(run.sites, output, overwrite=overwrite)
    lg = lang.value
    excluded = i18n.t("cli.grid_marked" if keep_excluded else "cli.grid_dropped", lg,
                      n=_n(run.n_excluded, lg), points=_n(run.n_points, lg))  # fmt: skip
    if run.n_unknown:
        excluded += i18n.t("cli.grid_unknown", lg, n=_n(run.n_unknown, lg))
    line = i18n.t("cli.grid_square" if square else "cli.grid_hex", lg, path=output,
                  n=_n(len(run.sites), lg), spacing=_n(spacing_km, lg, None),
                  within=_n(within_km, lg, None), around=around, excluded=excluded)  # fmt: skip
    out_console.print(escape(line), highlight=False)


@command(sites_app, "check")
def check_cmd(path: SitesFileArg, lang: LangOpt = Lang.ru) -> None:
    """Validate a sites file and print every problem (exit 0 valid, 1 problems)."""
    from planner import i18n
    from planner.inputs import sites as _sites


    gdf = _sites.read_sites(path)
    n_poly = int((gdf.geometry.geom_type != "Point").sum())
    line = i18n.t("cli.sites_ok", lang.value, path=path, n=_n(len(gdf), lang.value),
                  parcels=_n(n_poly, lang.value))  # fmt: skip
    out_console.print(escape(line), highlight=False)


@command(app, "score-sites")
def score_sites_cmd(
    ctx: typer.Context,
    sites: Annotated[
        str,
        typer.Argument(
            metavar="SITES",
            callback=parse_sites,
            help="Sites: a .csv/.xlsx/.geojson/.gpkg file, 'builtin' "
            "(the zones) or 'grid' (1 km lattice around BAKAD).",
        ),
    ],
    output: OutputOpt,
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    as_of: AsOfOpt = None,
    layers: LayersOpt = None,
    overwrite: OverwriteOpt = False,
    why: Annotated[
        bool,
        typer.Option(
            "--why/--no-why",
            help="Write why_ru/why_kk/why_en reasons (--no-why is faster for very large grids).",
        ),
    ] = True,
    top: Annotated[
        int, typer.Option("--top", help="Print the N best sites (0: none).", min=0)
    ] = 10,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="local (this process) or dask (a Dask cluster; with -o NAME.parquet the "
            "workers write partitioned GeoParquet). Needs the [dask] extra.",
        ),
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Dask scheduler address, e.g. tcp://10.0.0.5:8786, or a scheduler file .json "
            "(default: a LocalCluster here, one worker per core).",
        ),
    ] = None,
    npartitions: Annotated[
        int | None,
        typer.Option(
            "--npartitions", min=1,
            help="Dask partitions (default ~250,000 sites each, at least 2 per worker).",
        ),
    ] = None,
    network: NetworkOpt = None,
    dem: DemOpt = None,
    max_slope_pct: MaxSlopeOpt = None,
    max_elevation_m: MaxElevationOpt = None,
    lang: LangOpt = Lang.ru,
) -> None:
    """Score every site (criteria, utilities, points, score 0-100, rank, reasons) and write them."""
    from planner import i18n
    from planner.jobs import dask_engine as _engine


    inputs = {"sites": sites, "layers": layers, "scenario": scenario}
    run = _engine.run_score_sites(
        **job_args(ctx, _engine.run_score_sites, skip=(*TERRAIN_OPTIONS, "lang"), inputs=inputs,
                   command=command_line(ctx),
                   scenario=terrain_scenario(scenario, max_slope_pct, max_elevation_m))
    )
    lg = lang.value
    line = i18n.t(
        "cli.scored", lg, path=run.output, n=_n(run.n_sites, lg), excluded=_n(run.n_excluded, lg),
        scenario=run.scenario, hash=run.scenario_hash, date=run.as_of, engine=run.engine,
        parts=_n(run.n_partitions, lg), seconds=_n(run.seconds, lg, 1),
    )  # fmt: skip
    out_console.print(escape(line), highlight=False)
    if top and len(run.top):
        out_console.print(_top_table(run.top, why, lg))


def _top_table(best, why: bool, lang: str) -> Table:
    """The best sites: rank, id, name (when any differs from the id), score, reasons."""
    from planner import i18n

    named = bool((best["name"].astype(str) != best["site_id"].astype(str)).any())
    cols = ["rank", "site_id", *(["name"] if named else []), "score", *(["why"] if why else [])]
    heads = {"rank": "col_rank", "site_id": "col_site", "name": "col_name", "score": "col_score",
             "why": "col_why"}  # fmt: skip
    table = Table(title=escape(i18n.t("cli.top", lang, n=len(best))))
    for col in cols:
        table.add_column(escape(i18n.t(f"cli.{heads[col]}", lang)), overflow="fold")
    why_col = f"why_{lang}"
    for rec in best.to_dict("records"):
        cells = {
            "rank": str(rec["rank"]),
            "site_id": escape(str(rec["site_id"])),
            "name": escape(str(rec["name"])),
            "score": _n(rec["score"], lang, 1),
            "why": escape(str(rec.get(why_col, ""))) if why else "",
        }
        table.add_row(*(cells[c] for c in cols))
    return table
