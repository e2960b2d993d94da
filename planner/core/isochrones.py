"""Isochrone bands: where a site reaches a target group within N minutes by road.

:func:`isochrone_bands` evaluates the travel-time model of the scores
(:func:`planner.core.travel.travel_criteria`: snap to the nearest road a site may join,
access leg, Dijkstra times of the network) at the centres of a square grid and joins the
cells of each band (e.g. 0-15, 15-30, 30-45 minutes) into polygons. A point inside a band
polygon is a site whose ``time_<target>_min`` lies in that band, up to the cell size: the
bands are the scores' own travel times, not a separate buffer model.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner import crs as _crs
from planner.core.travel import TRAVEL_TARGETS, PreparedTravel, travel_criteria
from planner.errors import InputError
from planner.i18n import format_number, message_lang, tr

__all__ = ["ISOCHRONE_MAX_CELLS", "check_breaks", "isochrone_bands", "isochrone_extent"]

#: the most grid cells one call evaluates (a 200 x 200 km square at 500 m is 160,000)
ISOCHRONE_MAX_CELLS = 4_000_000


def check_breaks(breaks_min: Sequence[float]) -> tuple[float, ...]:
    """Band limits in minutes: positive, finite, strictly increasing, at most 12."""
    try:
        vals = tuple(float(b) for b in breaks_min)
    except (TypeError, ValueError) as exc:
        raise InputError(tr("err.isochrones.not_numbers", value=_shown(breaks_min))) from exc
    arr = np.asarray(vals, dtype="f8")
    if (
        not len(arr)
        or len(arr) > 12
        or not np.isfinite(arr).all()
        or (arr <= 0).any()
        or (np.diff(arr) <= 0).any()
    ):
        raise InputError(tr("err.isochrones.bad_breaks", value=_shown(breaks_min)))
    return vals


def _shown(breaks_min) -> str:
    """The minutes as the user gave them, for a message: ``15,abc`` (a text as typed)."""
    if isinstance(breaks_min, str):
        return breaks_min
    try:
        return ",".join(f"{b:g}" if isinstance(b, float) else str(b) for b in breaks_min)
    except TypeError:
        return str(breaks_min)


def isochrone_extent(prepared: PreparedTravel) -> tuple[float, float, float, float]:
    """The metric box a site can join the network in: the roads' box grown by the access
    limit (``max_snap_m``)."""
    xy = prepared.index.segxy  # (n, 4): x0, y0, x1, y1
    pad = float(prepared.access["max_snap_m"])
    xs = np.concatenate([xy[:, 0], xy[:, 2]])
    ys = np.concatenate([xy[:, 1], xy[:, 3]])
    return (xs.min() - pad, ys.min() - pad, xs.max() + pad, ys.max() + pad)


def isochrone_bands(
    prepared: PreparedTravel,
    target: str,
    breaks_min: Sequence[float],
    cell_m: float = 500.0,
    bounds_xy: tuple[float, float, float, float] | None = None,
) -> gpd.GeoDataFrame:
    """Polygons of the travel-time bands to ``target`` (a key of
    :data:`~planner.core.travel.TRAVEL_TARGETS`, e.g. ``interchange``).

    ``breaks_min`` are the upper limits of the bands: ``(15, 30)`` gives 0-15 and 15-30
    minutes. ``bounds_xy`` (metric, EPSG:32643) defaults to :func:`isochrone_extent`.
    Returns one row per non-empty band in the metric CRS: ``target``, ``min_from``,
    ``min_to``, ``area_km2``, ``cell_m``, geometry (cells joined, edges on the grid).
    """
    if target not in TRAVEL_TARGETS or target not in prepared.groups:
        raise InputError(
            tr("err.isochrones.target", target=target, targets=", ".join(TRAVEL_TARGETS))
        )
    breaks = np.asarray(check_breaks(breaks_min), dtype="f8")
    if not (np.isfinite(cell_m) and 50.0 <= float(cell_m) <= 10_000.0):
        raise InputError(tr("err.isochrones.cell_size", cell=cell_m))
    x0, y0, x1, y1 = bounds_xy if bounds_xy is not None else isochrone_extent(prepared)
    nx = max(1, int(np.ceil((x1 - x0) / cell_m)))
    ny = max(1, int(np.ceil((y1 - y0) / cell_m)))
    if nx * ny > ISOCHRONE_MAX_CELLS:
        lang = message_lang()
        raise InputError(tr(
            "err.isochrones.too_many_cells",
            cells=format_number(nx * ny, lang, 0, grouping=True),
            cell=format_number(cell_m, lang, significant=6),
            limit=format_number(ISOCHRONE_MAX_CELLS, lang, 0, grouping=True),
            bigger=format_number(cell_m * 2, lang, significant=6),
        ))
    cx = x0 + (np.arange(nx) + 0.5) * cell_m
    cy = y0 + (np.arange(ny) + 0.5) * cell_m
    gx, gy = (a.ravel() for a in np.meshgrid(cx, cy))
    minutes = travel_criteria(gx, gy, prepared)[TRAVEL_TARGETS[target]].to_numpy("f8")
    # band k holds breaks[k-1] < t <= breaks[k] (band 0: t <= breaks[0])
    band = np.searchsorted(breaks, minutes, side="left")
    band[~np.isfinite(minutes)] = len(breaks)
    half = cell_m / 2.0
    rows = []
    lo = np.concatenate([[0.0], breaks[:-1]])
    for k in np.unique(band[band < len(breaks)]):
        sel = band == k
        cells = shapely.box(gx[sel] - half, gy[sel] - half, gx[sel] + half, gy[sel] + half)
        geom = shapely.coverage_union_all(cells)
        rows.append((target, float(lo[k]), float(breaks[k]), geom.area / 1e6, float(cell_m), geom))
    cols = ["target", "min_from", "min_to", "area_km2", "cell_m", "geometry"]
    df = pd.DataFrame(rows, columns=cols)
    return gpd.GeoDataFrame(df, geometry="geometry", crs=_crs.METRIC_CRS)
