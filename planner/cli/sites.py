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
    kind = "square" if square else "hexagonal"
    done = "marked" if keep_excluded else "dropped"
    unknown = f", {run.n_unknown:,} with no DEM value (terrain unknown)" if run.n_unknown else ""
    out_console.print(
        f"wrote {escape(str(output))}: {len(run.sites):,} sites on a {kind} lattice, "
        f"{spacing_km:g} km apart, within {within_km:g} km of {escape(around)} "
        f"({run.n_excluded:,} of {run.n_points:,} points on excluded land {done}{unknown})",
        highlight=False,
    )


@command(sites_app, "check")
def check_cmd(path: SitesFileArg) -> None:
    """Validate a sites file and print every problem (exit 0 valid, 1 problems)."""
    from planner.inputs import sites as _sites

    gdf = _sites.read_sites(path)
    n_poly = int((gdf.geometry.geom_type != "Point").sum())
    out_console.print(
        f"ok: {escape(str(path))}: {len(gdf):,} sites ({n_poly} parcels with area), ids unique, "
        "coordinates inside Almaty Region",
        highlight=False,
    )


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
            help="Write why_ru/why_en reasons (--no-why is faster for very large grids).",
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
) -> None:
    """Score every site (criteria, utilities, points, score 0-100, rank, reasons) and write them."""
    from planner.jobs import dask_engine as _engine

    inputs = {"sites": sites, "layers": layers, "scenario": scenario}
    run = _engine.run_score_sites(
        **job_args(ctx, _engine.run_score_sites, skip=TERRAIN_OPTIONS, inputs=inputs,
                   command=command_line(ctx),
                   scenario=terrain_scenario(scenario, max_slope_pct, max_elevation_m))
    )
    out_console.print(
        f"wrote {escape(str(run.output))}: {run.n_sites:,} sites ({run.n_excluded:,} excluded), "
        f"scenario {escape(run.scenario)} (hash {run.scenario_hash}), as of {run.as_of}, "
        f"engine {run.engine} ({run.n_partitions} partition(s), {run.seconds:.1f} s)",
        highlight=False,
    )
    if top and len(run.top):
        out_console.print(_top_table(run.top, why))


def _top_table(best, why: bool) -> Table:
    """The best sites: rank, id, name (when any differs from the id), score, reasons."""
    named = bool((best["name"].astype(str) != best["site_id"].astype(str)).any())
    cols = ["rank", "site_id", *(["name"] if named else []), "score", *(["why"] if why else [])]
    table = Table(title=f"top {len(best)}")
    for col in cols:
        table.add_column(col, overflow="fold")
    for rec in best.itertuples(index=False):
        cells = {
            "rank": str(rec.rank),
            "site_id": escape(str(rec.site_id)),
            "name": escape(str(rec.name)),
            "score": f"{rec.score:.1f}",
            "why": escape(str(rec.why_en)) if why else "",
        }
        table.add_row(*(cells[c] for c in cols))
    return table
