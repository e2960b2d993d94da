"""The one module that owns coordinate reference systems.

All distance and area work happens in :data:`METRIC_CRS` (UTM zone 43N, metres); data
enters and leaves in :data:`GEOGRAPHIC_CRS` (WGS84 lon/lat); :data:`WEB_MERCATOR_CRS` only
for pictures laid on a web map (Leaflet stretches images in Web Mercator). Transformers are
always ``always_xy=True`` so coordinates are ``(lon, lat)`` / ``(x, y)`` everywhere.
"""

from __future__ import annotations

import threading

import numpy as np
from pyproj import CRS, Transformer

__all__ = [
    "METRIC_CRS",
    "GEOGRAPHIC_CRS",
    "WEB_MERCATOR_CRS",
    "REGION_BOUNDS_LONLAT",
    "lonlat_to_metric",
    "metric_to_lonlat",
    "lonlat_to_web_mercator",
    "web_mercator_to_lonlat",
    "to_metric",
    "to_geographic",
]

METRIC_CRS = CRS.from_epsg(32643)
GEOGRAPHIC_CRS = CRS.from_epsg(4326)
WEB_MERCATOR_CRS = CRS.from_epsg(3857)

#: Almaty Region (2022 borders) as (west, south, east, north) in degrees, with a margin.
REGION_BOUNDS_LONLAT: tuple[float, float, float, float] = (73.2, 41.8, 81.3, 47.1)

_local = threading.local()  # pyproj scales across threads only with one Transformer per thread


_DIRECTIONS = {
    "fwd": (GEOGRAPHIC_CRS, METRIC_CRS),
    "inv": (METRIC_CRS, GEOGRAPHIC_CRS),
    "lonlat_web": (GEOGRAPHIC_CRS, WEB_MERCATOR_CRS),
    "web_lonlat": (WEB_MERCATOR_CRS, GEOGRAPHIC_CRS),
}


def _transformer(direction: str) -> Transformer:
    cache = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    if direction not in cache:
        src, dst = _DIRECTIONS[direction]
        cache[direction] = Transformer.from_crs(src, dst, always_xy=True)
    return cache[direction]


def lonlat_to_metric(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS84 ``lon``/``lat`` arrays (degrees) to UTM 43N ``x``/``y`` (metres)."""
    x, y = _transformer("fwd").transform(np.asarray(lon, dtype="f8"), np.asarray(lat, dtype="f8"))
    return np.asarray(x, dtype="f8"), np.asarray(y, dtype="f8")


def metric_to_lonlat(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`lonlat_to_metric`: UTM 43N metres to WGS84 ``lon``/``lat``."""
    lon, lat = _transformer("inv").transform(np.asarray(x, dtype="f8"), np.asarray(y, dtype="f8"))
    return np.asarray(lon, dtype="f8"), np.asarray(lat, dtype="f8")


def lonlat_to_web_mercator(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 ``lon``/``lat`` (degrees) to Web Mercator ``x``/``y`` (EPSG:3857 metres)."""
    x, y = _transformer("lonlat_web").transform(
        np.asarray(lon, dtype="f8"), np.asarray(lat, dtype="f8")
    )
    return np.asarray(x, dtype="f8"), np.asarray(y, dtype="f8")


def web_mercator_to_lonlat(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`lonlat_to_web_mercator`: EPSG:3857 metres to WGS84 ``lon``/``lat``."""
    lon, lat = _transformer("web_lonlat").transform(
        np.asarray(x, dtype="f8"), np.asarray(y, dtype="f8")
    )
    return np.asarray(lon, dtype="f8"), np.asarray(lat, dtype="f8")


def _require_crs(gdf, what: str) -> None:
    if gdf.crs is None:
        from planner.errors import InputError
        from planner.i18n import tr

        raise InputError(tr("err.crs.no_crs", what=what))


def to_metric(gdf, what: str = "data"):
    """Return ``gdf`` reprojected to :data:`METRIC_CRS`; refuses data with no CRS."""
    _require_crs(gdf, what)
    return gdf if gdf.crs == METRIC_CRS else gdf.to_crs(METRIC_CRS)


def to_geographic(gdf, what: str = "data"):
    """Return ``gdf`` reprojected to :data:`GEOGRAPHIC_CRS` (for files and maps)."""
    _require_crs(gdf, what)
    return gdf if gdf.crs == GEOGRAPHIC_CRS else gdf.to_crs(GEOGRAPHIC_CRS)
