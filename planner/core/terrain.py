"""Terrain from a user DEM: elevation and slope at the sites, and the scenario's limits.

A :class:`Terrain` is a digital elevation model already resampled to the metric CRS
(EPSG:32643, :mod:`planner.crs`) on a grid of square cells; :mod:`planner.inputs.dem` reads
any GeoTIFF into one. The slope is computed here, in that metric grid (``numpy.gradient``
of the elevation over the cell size, in percent: 100 x rise / run), so a DEM in degrees
gives the same slope as one in metres.

At a site the value is that of the cell under it (no interpolation between cells: the
slope of a cell is already a local average over its neighbours). A site where the DEM has
no value (outside its extent, or a nodata cell) has ``NaN`` elevation and slope: its
terrain is **unknown**. It is not excluded for it (the DEM says nothing there), and its
reasons say that the terrain could not be checked (:mod:`planner.core.explain`).

The scenario's ``[terrain]`` limits (``max_slope_pct``, ``max_elevation_m``) travel with
the terrain (:meth:`Terrain.with_limits`); :func:`terrain_columns` gives the criteria
columns ``elevation_m``, ``slope_pct`` and the two exclusion masks.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

__all__ = [
    "TERRAIN_COLUMNS",
    "TERRAIN_REASONS",
    "Terrain",
    "slope_pct",
    "terrain_columns",
]

#: criteria columns added when a DEM is given
TERRAIN_COLUMNS = ("elevation_m", "slope_pct")
#: exclusion reasons the limits give (``exclusion_reason`` codes)
TERRAIN_REASONS = ("steep_slope", "high_elevation")


def slope_pct(elevation_m: np.ndarray, cell_m: float) -> np.ndarray:
    """Slope in percent (100 x |grad z|) of an elevation grid with square cells of
    ``cell_m`` metres; central differences inside, one-sided at the edges; a cell next to a
    nodata (``NaN``) cell has ``NaN`` slope."""
    z = np.asarray(elevation_m, dtype="f8")
    if z.ndim != 2:
        raise ValueError(f"elevation grid must be 2-D, not {z.ndim}-D")
    if min(z.shape) < 2:  # one row or column: no slope can be measured across it
        return np.full(z.shape, np.nan, dtype="f4")
    dz_dy, dz_dx = np.gradient(z, float(cell_m))
    return (100.0 * np.hypot(dz_dx, dz_dy)).astype("f4")


@dataclass(frozen=True, eq=False)
class Terrain:
    """A DEM on a metric grid (EPSG:32643), with its slope and the limits to apply.

    ``elevation_m`` and ``slope`` are (rows, cols) float32 grids, row 0 north, ``NaN`` where
    there is no data; cell (r, c) covers x in ``[x0 + c*cell_m, x0 + (c+1)*cell_m)`` and y in
    ``(y0 - (r+1)*cell_m, y0 - r*cell_m]``. ``source`` names the file (for messages and
    manifests).
    """

    elevation_m: np.ndarray
    slope: np.ndarray
    x0: float
    y0: float
    cell_m: float
    source: str = "DEM"
    max_slope_pct: float | None = None
    max_elevation_m: float | None = None

    @classmethod
    def from_grid(cls, elevation_m, x0: float, y0: float, cell_m: float,
                  source: str = "DEM") -> Terrain:  # fmt: skip
        """A terrain from a metric elevation grid (its slope computed here)."""
        z = np.asarray(elevation_m, dtype="f4")
        if not (np.isfinite(cell_m) and cell_m > 0):
            from planner.errors import InputError
            from planner.i18n import tr

            raise InputError(tr("err.terrain.cell_m", source=source, value=cell_m))
        return cls(z, slope_pct(z, cell_m), float(x0), float(y0), float(cell_m), source)

    def with_limits(self, max_slope_pct: float | None, max_elevation_m: float | None) -> Terrain:
        """A copy that excludes sites steeper than ``max_slope_pct`` or higher than
        ``max_elevation_m`` (None: no limit)."""
        return dataclasses.replace(self, max_slope_pct=max_slope_pct,
                                   max_elevation_m=max_elevation_m)  # fmt: skip

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` of the grid, metres."""
        rows, cols = self.elevation_m.shape
        return (self.x0, self.y0 - rows * self.cell_m, self.x0 + cols * self.cell_m, self.y0)

    def sample(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Elevation (m) and slope (%) of the cells under metric ``x``/``y``; ``NaN``
        outside the grid or on nodata."""
        x = np.asarray(x, dtype="f8")
        y = np.asarray(y, dtype="f8")
        rows, cols = self.elevation_m.shape
        with np.errstate(invalid="ignore"):
            c = np.floor((x - self.x0) / self.cell_m)
            r = np.floor((self.y0 - y) / self.cell_m)
            inside = (c >= 0) & (c < cols) & (r >= 0) & (r < rows)
        elev = np.full(x.shape, np.nan)
        slope = np.full(x.shape, np.nan)
        ri, ci = r[inside].astype(np.int64), c[inside].astype(np.int64)
        elev[inside] = self.elevation_m[ri, ci]
        slope[inside] = self.slope[ri, ci]
        return elev, slope


def terrain_columns(x, y, terrain: Terrain) -> dict[str, np.ndarray]:
    """``elevation_m``, ``slope_pct`` and the masks ``steep_slope`` / ``high_elevation``
    (True where a known value is over the terrain's limit) for metric ``x``/``y``."""
    elev, slope = terrain.sample(x, y)
    with np.errstate(invalid="ignore"):  # NaN (unknown) compares False: never excluded
        steep = (slope > terrain.max_slope_pct if terrain.max_slope_pct is not None
                 else np.zeros(len(elev), dtype=bool))  # fmt: skip
        high = (elev > terrain.max_elevation_m if terrain.max_elevation_m is not None
                else np.zeros(len(elev), dtype=bool))  # fmt: skip
    return {"elevation_m": elev, "slope_pct": slope, "steep_slope": steep,
            "high_elevation": high}  # fmt: skip


def merge_reasons(reasons, steep: np.ndarray, high: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The ``exclusion_reason`` values with the terrain reasons appended where the masks
    say: the distinct values (table) and each site's code into it. Works on the distinct
    (reason, steep, high) combinations, not per site."""
    import pandas as pd

    base = pd.Series(np.asarray(reasons, dtype=object)).fillna("").astype(str)
    key = base + "|" + steep.astype("i1").astype(str) + high.astype("i1").astype(str)
    codes, uniq = pd.factorize(key)
    table = []
    for k in uniq:
        text, flags = str(k).rsplit("|", 1)
        parts = [p for p in text.split(";") if p]
        parts += [r for r, f in zip(TERRAIN_REASONS, flags, strict=True) if f == "1"]
        table.append(";".join(parts))
    return table, codes.astype("i8")
