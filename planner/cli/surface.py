"""`planner surface`: a suitability surface (raster) over the region or around a feature."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from planner.config.defaults import DEFAULT_SCENARIO, MAX_SURFACE_CELLS

from .app import app, command, command_line, out_console
from .options import AsOfOpt, Lang, LangOpt, LayersOpt, OverwriteOpt, ScenarioOpt


def _cell(value: float) -> float:
    if not (math.isfinite(value) and value > 0):
        from planner.i18n import tr

        raise typer.BadParameter(tr("err.surface.cell_m_option", value=value))
    return value


@command(app, "surface")
def surface_cmd(
    ctx: typer.Context,
    output: Annotated[
        Path,
        typer.Option(
            "-o",
            "--output",
            help="File to write: .tif (GeoTIFF, EPSG:32643, bands score and excluded), "
            ".parquet (one row per cell: x_m, y_m, lon, lat, score, excluded) or .npz "
            "(e.g. -o surface.tif).",
        ),
    ],
    cell_m: Annotated[
        float,
        typer.Option(
            "--cell-m", callback=_cell, help="Cell size in metres (EPSG:32643), e.g. 100."
        ),
    ] = 100.0,
    extent: Annotated[
        str,
        typer.Option(
            "--extent",
            help="Area: 'region' (the region polygon), '<feature>:<N>km' (e.g. bakad:20km, "
            "konaev:30km, gate-city:15km) or 'bbox:W,S,E,N' in degrees.",
        ),
    ] = "region",
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    as_of: AsOfOpt = None,
    layers: LayersOpt = None,
    png: Annotated[
        Path | None,
        typer.Option(
            "--png",
            help="Also write a web-map overlay image (Web Mercator), e.g. --png surface.png.",
        ),
    ] = None,
    max_cells: Annotated[
        int,
        typer.Option(
            "--max-cells", min=1, help="Refuse grids with more cells (memory ~40 bytes per cell)."
        ),
    ] = MAX_SURFACE_CELLS,
    overwrite: OverwriteOpt = False,
    lang: LangOpt = Lang.ru,
) -> None:
    """Score every cell of a grid (raster distances, exact memberships) and write it."""
    import numpy as np

    from planner import i18n
    from planner.jobs import surface as _surface_job


    surf, bounds = _surface_job.run_surface(
        output, layers, scenario, as_of, cell_m=cell_m, extent=extent,
        max_cells=max_cells, png=png, overwrite=overwrite, command=command_line(ctx),
    )  # fmt: skip
    scored = surf.in_extent
    n = int(scored.sum())
    n_ex = int(surf.excluded.sum())
    values = surf.score[scored & ~surf.excluded]
    lg = lang.value

    def num(x, digits: int | None = 0) -> str:
        if digits is None:
            return i18n.format_number(x, lg, significant=6)
        return i18n.format_number(x, lg, digits, grouping=digits == 0)

    stats = (
        i18n.t("cli.surface_stats", lg, lo=num(values.min(), 1), hi=num(values.max(), 1),
               median=num(np.median(values), 1))  # fmt: skip
        if len(values)
        else i18n.t("cli.surface_none", lg)
    )
    line = i18n.t(
        "cli.surface", lg, path=output, rows=num(surf.grid.nrows), cols=num(surf.grid.ncols),
        cell=num(cell_m, None), n=num(n), extent=extent, excluded=num(n_ex), stats=stats,
        scenario=surf.scenario, hash=surf.scenario_hash, date=surf.as_of,
    )  # fmt: skip
    out_console.print(escape(line), highlight=False)
    if png is not None and bounds is not None:
        west, south, east, north = (num(v, 5) for v in bounds)
        line = i18n.t("cli.surface_png", lg, path=png, west=west, south=south, east=east,
                      north=north)  # fmt: skip
        out_console.print(escape(line), highlight=False)
