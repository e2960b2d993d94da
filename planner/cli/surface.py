"""`planner surface`: a suitability surface (raster) over the region or around a feature."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from planner.config.defaults import DEFAULT_SCENARIO, MAX_SURFACE_CELLS

from .app import app, command, out_console
from .options import AsOfOpt, LayersOpt, OverwriteOpt, ScenarioOpt


def _cell(value: float) -> float:
    if not (math.isfinite(value) and value > 0):
        raise typer.BadParameter(f"{value!r}: give a cell size in metres > 0, e.g. 100")
    return value


@command(app, "surface")
def surface_cmd(
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
) -> None:
    """Score every cell of a grid (raster distances, exact memberships) and write it."""
    import numpy as np

    from planner.jobs import surface as _surface_job

    surf, bounds = _surface_job.run_surface(
        output, layers, scenario, as_of, cell_m=cell_m, extent=extent,
        max_cells=max_cells, png=png, overwrite=overwrite,
    )  # fmt: skip
    scored = surf.in_extent
    n = int(scored.sum())
    n_ex = int(surf.excluded.sum())
    values = surf.score[scored & ~surf.excluded]
    stats = (
        f"score {values.min():.1f}-{values.max():.1f}, median {np.median(values):.1f}"
        if len(values)
        else "no score"
    )
    out_console.print(
        f"wrote {escape(str(output))}: {surf.grid.nrows:,} x {surf.grid.ncols:,} cells of "
        f"{cell_m:g} m (EPSG:32643), {n:,} in extent {escape(extent)}, {n_ex:,} excluded; "
        f"{stats}; scenario {escape(surf.scenario)} (hash {surf.scenario_hash}), "
        f"as of {surf.as_of}",
        highlight=False,
    )
    if png is not None and bounds is not None:
        west, south, east, north = bounds
        out_console.print(
            f"wrote {escape(str(png))}: overlay for bounds west {west:.5f}, south {south:.5f}, "
            f"east {east:.5f}, north {north:.5f} "
            + escape("(degrees; folium bounds [[south, west], [north, east]])"),
            highlight=False,
        )
