"""Suitability surfaces as files: compute one from the layers and write it, read it back.

:func:`run_surface` is what ``planner surface`` runs: it resolves the layers for the date
once, computes the surface (:func:`planner.core.surface.compute_surface`) and writes it
(:func:`write_surface`: GeoTIFF, Parquet table of cells or ``.npz``), with an optional
PNG overlay. :func:`read_surface` reads a ``.tif`` or ``.npz`` back (``planner map
--surface``) and says clearly what is wrong with a missing, unsupported or damaged file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import numpy as np

from planner._atomic import Output, atomic_output, check_outputs
from planner._infiles import refuse_special
from planner.config.scenarios import DEFAULT_SCENARIO, Scenario, load_scenario
from planner.core.layerset import LayerSet
from planner.core.prepared import Prepared
from planner.core.surface import (
    MAX_SURFACE_CELLS,
    Grid,
    Surface,
    compute_surface,
)
from planner.errors import InputError, OutputError
from planner.i18n import tr
from planner.inputs.layers import load_layers
from planner.render.surface_image import surface_overlay_png

__all__ = [
    "SURFACE_SUFFIXES",
    "check_suffix",
    "read_surface",
    "run_surface",
    "write_surface",
]

#: file types a surface is written as; .parquet (a table of cells) is not read back
SURFACE_SUFFIXES = (".tif", ".tiff", ".parquet", ".npz")
_READABLE = (".tif", ".tiff", ".npz")


def check_suffix(path: str | os.PathLike) -> str:
    """The suffix of a surface output, or an :class:`InputError` naming the ones allowed."""
    suffix = Path(path).suffix.lower()
    if suffix not in SURFACE_SUFFIXES:
        raise InputError(tr("err.surface.output_suffix", file=str(path), suffix=suffix or "-"))
    return suffix


def write_surface(surface: Surface, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write ``surface`` by suffix: ``.tif`` (2 bands: score float32 with NaN nodata, and
    excluded uint8 0/1 with 255 outside the extent), ``.parquet`` (one row per cell of the
    extent) or ``.npz``; refuses an existing file without ``overwrite``."""
    path = Path(path)
    suffix = check_suffix(path)
    meta = surface.metadata()
    if suffix in (".tif", ".tiff"):
        try:
            import rasterio
            from rasterio.transform import Affine
        except ImportError as exc:
            raise OutputError(tr("err.surface.needs_rasterio", file=str(path))) from exc
        excl = np.where(surface.in_extent, surface.excluded, 255).astype(np.uint8)
        a, b, c, d, e, f = surface.grid.transform
        profile = {
            "driver": "GTiff",
            "width": surface.grid.ncols,
            "height": surface.grid.nrows,
            "count": 2,
            "dtype": "float32",
            "crs": "EPSG:32643",
            "transform": Affine(a, b, c, d, e, f),
            "nodata": float("nan"),
            "compress": "deflate",
            "tiled": True,
            "blockxsize": 256,
            "blockysize": 256,
        }
        with atomic_output(path, overwrite) as tmp, rasterio.open(tmp, "w", **profile) as dst:
            dst.write(surface.score, 1)
            dst.write(excl.astype(np.float32), 2)
            dst.set_band_description(1, "score")
            dst.set_band_description(2, "excluded")
            dst.update_tags(**{k: json.dumps(v) for k, v in meta.items()})
        return path
    if suffix == ".parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError as exc:
            raise OutputError(tr("err.surface.needs_pyarrow", file=str(path))) from exc
        table = pa.Table.from_pandas(surface.cells(), preserve_index=False)
        table = table.replace_schema_metadata(
            {**(table.schema.metadata or {}), b"planner": json.dumps(meta).encode()}
        )
        with atomic_output(path, overwrite) as tmp:
            pq.write_table(table, tmp, compression="zstd")
        return path
    with atomic_output(path, overwrite) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(
            fh,
            score=surface.score,
            excluded=surface.excluded,
            metadata=np.array(json.dumps(meta)),
        )
    return path


def read_surface(path: str | os.PathLike) -> Surface:
    """Read a surface written as ``.npz`` or ``.tif`` by :func:`write_surface`.

    Raises an :class:`InputError` naming the file and the fix for a missing file, another
    type (a ``.parquet`` surface is a table of cells: read it with pandas) or a file that
    is damaged or not a planner surface.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _READABLE:
        hint = tr("err.surface.parquet_hint") if suffix == ".parquet" else ""
        raise InputError(tr("err.surface.input_type", file=str(path),
                            suffix=path.suffix or "-", hint=hint))
    refuse_special(path, tr("err.surface.file"))
    if not path.is_file():
        raise InputError(tr("err.surface.missing", file=str(path)))
    try:
        return _read(path, suffix)
    except InputError:
        raise
    # numpy, zipfile, json and rasterio each raise their own errors on a damaged file
    except Exception as exc:  # noqa: BLE001
        raise InputError(tr("err.surface.unreadable", file=str(path),
                            error=f"{type(exc).__name__}: {exc}")) from exc


def _read(path: Path, suffix: str) -> Surface:
    if suffix == ".npz":
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["metadata"]))
            score, excluded = z["score"], z["excluded"]
    else:
        import rasterio

        with rasterio.open(path) as src:
            meta = {k: json.loads(v) for k, v in src.tags().items() if k in _META_KEYS}
            score = src.read(1)
            excluded = src.read(2) == 1
    a, _, c, _, e, f = meta["transform"]
    nrows, ncols = meta["shape"]
    grid = Grid(x0=c, y0=f, cell_m=a, nrows=nrows, ncols=ncols)
    if score.shape != grid.shape or abs(e + a) > 1e-9:
        raise InputError(tr("err.surface.not_surface", file=str(path)))
    return Surface(
        grid=grid,
        score=score,
        excluded=excluded,
        scenario=meta["scenario"],
        scenario_hash=meta["scenario_hash"],
        as_of=meta["as_of"],
        extent=meta["extent"],
    )


_META_KEYS = ("scenario", "scenario_hash", "as_of", "extent", "cell_m", "crs", "transform",
              "shape", "units")  # fmt: skip


def run_surface(
    output: str | os.PathLike,
    layers: LayerSet | str | os.PathLike | None,
    scenario: Scenario | str | Path = DEFAULT_SCENARIO,
    as_of: dt.date | str | None = None,
    *,
    cell_m: float = 100.0,
    extent: str = "region",
    max_cells: int = MAX_SURFACE_CELLS,
    png: str | os.PathLike | None = None,
    overwrite: bool = False,
    command: list[str] | str | None = None,
) -> tuple[Surface, tuple[float, float, float, float] | None]:
    """Compute a surface and write it (and a PNG overlay): what ``planner surface`` runs.

    ``layers`` is a LayerSet, a path to replacement layers, or None for the built-in
    ones. Outputs are checked before any work. Returns the surface and, with ``png``, the
    overlay's bounds (west, south, east, north) in degrees.
    """
    sc = load_scenario(scenario)  # fail fast: bad scenario, bad suffix, existing outputs
    check_outputs(
        [
            Output(Path(output), tr("err.surface.file"), SURFACE_SUFFIXES, "-o surface.tif",
                   manifest=True),
            Output(Path(png), tr("err.surface.overlay"), (".png",), "--png surface.png",
                   manifest=True)
            if png is not None else None,
        ],
        overwrite,
        inputs=[scenario, None if isinstance(layers, LayerSet) else layers],
    )  # fmt: skip
    layers_in = None if isinstance(layers, LayerSet) else layers
    if not isinstance(layers, LayerSet):
        layers = load_layers(layers)
    prepared = Prepared.of(layers, as_of)
    surface = compute_surface(prepared, sc, cell_m=cell_m, extent=extent, max_cells=max_cells)
    write_surface(surface, output, overwrite=overwrite)
    bounds = None
    if png is not None:
        image, bounds = surface_overlay_png(surface)
        with atomic_output(png, overwrite) as tmp:
            Path(tmp).write_bytes(image)
    given = None if isinstance(scenario, Scenario) else scenario
    for path in (output, png):
        if path is not None:
            _surface_manifest(surface, sc, Path(path), layers_in, given, bounds, command,
                              overwrite)
    return surface, bounds


def _surface_manifest(surface: Surface, sc: Scenario, path: Path, layers, scenario, bounds,
                      command, overwrite: bool) -> None:
    """``<surface>.manifest.json``: scenario and hash, date, grid, cells scored."""
    from planner.render.outputs import write_manifest

    inside = surface.in_extent
    write_manifest(
        path,
        inputs={"layers": layers and str(layers), "scenario": scenario and str(scenario)},
        scenario=sc, as_of=surface.as_of,
        counts={"cells": int(surface.score.size), "in_extent": int(inside.sum()),
                "excluded": int((surface.excluded & inside).sum())},
        extra={"extent": surface.extent, "cell_m": surface.grid.cell_m, "crs": "EPSG:32643",
               "png_bounds_wsen": bounds if path.suffix.lower() == ".png" else None},
        command=command, overwrite=overwrite,
    )
