"""`planner sites ...` (grid, check) and `planner score-sites`: candidate sites and their scores."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from planner.config.defaults import DEFAULT_SCENARIO

from .app import app, command, command_line, err_console, job_args, out_console
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
    RejectsOpt,
    ScenarioOpt,
    StrictOpt,
    parse_sites,
    terrain_scenario,
)

EXIT_REJECTS = 3
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
    ctx: typer.Context,
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
    from planner.render.outputs import write_manifest, write_sites

    check_outputs([Output(Path(output), "sites file", (".gpkg", ".geojson", ".csv", ".xlsx"),
                          "-o sites.gpkg", manifest=True)], overwrite,
                  inputs=[layers, dem])  # fmt: skip
    ls = load_layers(layers)
    sc = terrain_scenario(scenario, max_slope_pct, max_elevation_m)
    run = make_grid(ls, spacing_km=spacing_km, within_km=within_km, around=around,
                    hexagonal=not square, dem=dem, scenario=sc,
                    keep_excluded=keep_excluded, lang=lang.value)  # fmt: skip
    write_sites(run.sites, output, overwrite=overwrite)
    write_manifest(output, inputs={"layers": layers, "dem": dem},
                   scenario=sc,
                   counts={"sites": len(run.sites), "points": run.n_points,
                           "excluded": run.n_excluded, "terrain_unknown": run.n_unknown},
                   extra={"spacing_km": spacing_km, "within_km": within_km, "around": around,
                          "lattice": "square" if square else "hexagonal",
                          "excluded_kept": keep_excluded,
                          "layers_fingerprint": ls.fingerprint()},
                   command=command_line(ctx), overwrite=overwrite)  # fmt: skip
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
def check_cmd(
    path: SitesFileArg,
    rejects: RejectsOpt = None,
    csv_sep: CsvSepOpt = None,
    strict: StrictOpt = False,
    overwrite: OverwriteOpt = False,
    lang: LangOpt = Lang.ru,
) -> None:
    """Validate a sites file and print every problem with its row and id (exit 0 valid,
    3 some rows rejected: written with --rejects, 1 nothing usable or --strict)."""
    from planner import i18n
    from planner._atomic import Output, check_outputs
    from planner.inputs import sites as _sites
    from planner.inputs.rejects import row_problems
    from planner.jobs.table_files import REJECT_SUFFIXES, CsvStyle, write_rejects

    if rejects is not None:
        check_outputs([Output(rejects, "rejects file", REJECT_SUFFIXES, "--rejects r.csv",
                              manifest=True)], overwrite, inputs=[path])  # fmt: skip
    gdf = _sites.read_sites(path, strict=strict)
    table = _sites.site_rejects(gdf)
    facts = gdf.attrs.get("site_file", {})
    n_poly = int((gdf.geometry.geom_type != "Point").sum())
    if not len(table):
        line = i18n.t("cli.sites_ok", lang.value, path=path, n=_n(len(gdf), lang.value),
                      parcels=_n(n_poly, lang.value))  # fmt: skip
        out_console.print(escape(line), highlight=False)
        return
    lg = lang.value
    unit = facts.get("unit", "row")
    line = i18n.t("out.sites.read_" + ("features" if unit == "feature" else "rows"), lg,
                  path=path, rows=_n(facts.get("rows_in", 0), lg), valid=_n(len(gdf), lg),
                  rejected=_n(len(table), lg))  # fmt: skip
    out_console.print(escape(line), highlight=False)
    for line in row_problems(table, unit=unit):
        err_console.print(f"[red]{escape(i18n.t('out.sites.rejected', lg, line=line))}[/]",
                          highlight=False)  # fmt: skip
    if rejects is not None:
        write_rejects(table, rejects, overwrite=overwrite, style=CsvStyle.follow(facts, csv_sep),
                      lang=lg, inputs={"sites": path}, command=None,
                      counts={k: facts.get(k) for k in ("rows_in", "valid", "rejected")})
        out_console.print(escape(i18n.t("cli.wrote_file", lg, path=rejects)), highlight=False)
    raise typer.Exit(EXIT_REJECTS)


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
    rejects: RejectsOpt = None,
    strict: StrictOpt = False,
    csv_sep: CsvSepOpt = None,
    sector: Annotated[
        str | None,
        typer.Option(
            "--sector",
            help="Score the sites as a company of this sector would: its weights and its own "
            "transforms (e.g. --sector it: no penalty inside Almaty). A sector key, title or "
            "OKED code (`planner companies sectors`); its hard needs are not applied.",
        ),
    ] = None,
    dem: DemOpt = None,
    max_slope_pct: MaxSlopeOpt = None,
    max_elevation_m: MaxElevationOpt = None,
    lang: LangOpt = Lang.ru,
) -> None:
    """Score every site (criteria, utilities, points, score 0-100, rank, reasons) and write
    them. Bad rows of a sites file are left out and written to --rejects (default
    <stem>.rejects.csv beside the output; exit 3); --strict refuses the file instead."""
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
    if run.n_rejected:
        err_console.print(escape(i18n.t("out.sites.score_rejected", lg, n=_n(run.n_rejected, lg),
                                        path=run.rejects)), highlight=False)  # fmt: skip
        raise typer.Exit(EXIT_REJECTS)


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
