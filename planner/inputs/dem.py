"""Read a user DEM (``--dem FILE.tif``): any raster rasterio opens, in any CRS.

The first band is reprojected to EPSG:32643 (:mod:`planner.crs`) on square cells of about
the DEM's own resolution (bilinear; the source's nodata, and NaN, stay no data) and turned
into a :class:`planner.core.terrain.Terrain`, whose slope is computed in metres. Only the
part of the DEM around the planning region (:data:`planner.crs.REGION_BOUNDS_LONLAT`) is
read, so a continental mosaic costs no more than a local tile.

A file that is not a raster, has no CRS, holds no data, or covers none of the sites is an
:class:`~planner.errors.InputError` naming the file and the fix.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np

from planner import crs as _crs
from planner import i18n
from planner._infiles import noun
from planner.core.terrain import Terrain
from planner.errors import InputError
from planner.i18n import tr

__all__ = ["MAX_DEM_CELLS", "check_coverage", "load_terrain", "read_dem", "unknown_note"]

#: refuse a DEM larger than this after reprojection (about 1.6 GB of float32 grids)
MAX_DEM_CELLS = 200_000_000
#: how the file is named in messages


def read_dem(path: str | Path) -> Terrain:
    """The DEM at ``path`` resampled to EPSG:32643 (see the module docstring)."""
    try:
        import rasterio
        from rasterio.errors import RasterioError
    except ImportError as exc:  # rasterio is the optional [raster] extra
        raise InputError(tr("err.dem.rasterio", path=path)) from exc
    path = Path(path)
    if not path.is_file():
        raise InputError(tr("err.dem.missing", path=path, fix=tr("err.dem.fix")))
    try:
        with rasterio.open(path) as src:
            if src.crs is None:
                raise InputError(tr("err.dem.no_crs", path=path, fix=tr("err.dem.fix")))
            with warnings.catch_warnings():  # rasterio's own Affine products (affine 3.x)
                warnings.filterwarnings("ignore", "Use `@` matmul", PendingDeprecationWarning)
                return _reproject(src, path)
    except RasterioError as exc:
        raise InputError(tr("err.dem.unreadable", path=path, error=exc,
                            fix=tr("err.dem.fix"))) from exc  # fmt: skip


def _window_bounds(src) -> tuple[float, float, float, float]:
    """The DEM's bounds cut to the region (with a margin), in the DEM's CRS."""
    from rasterio.warp import transform_bounds

    west, south, east, north = _crs.REGION_BOUNDS_LONLAT
    m = 0.1  # degrees: keeps cells just outside the region for the slope at its edge
    try:
        rb = transform_bounds("EPSG:4326", src.crs, west - m, south - m, east + m, north + m)
    except Exception:  # noqa: BLE001 - a CRS that cannot hold the region: use the whole DEM
        return tuple(src.bounds)
    b = src.bounds
    return (max(b.left, rb[0]), max(b.bottom, rb[1]), min(b.right, rb[2]), min(b.top, rb[3]))


def _reproject(src, path: Path) -> Terrain:
    from rasterio.enums import Resampling
    from rasterio.warp import calculate_default_transform, reproject
    from rasterio.windows import from_bounds

    left, bottom, right, top = _window_bounds(src)
    if not (right > left and top > bottom):
        raise InputError(tr("err.dem.outside", path=path, extent=tuple(src.bounds), crs=src.crs,
                            fix=tr("err.dem.fix")))  # fmt: skip
    window = from_bounds(left, bottom, right, top, src.transform).round_offsets().round_lengths()
    data = src.read(1, window=window, masked=True).astype("f8")
    if data.size == 0 or data.mask.all() or not np.isfinite(data.filled(np.nan)).any():
        raise InputError(tr("err.dem.nodata", path=path, nodata=src.nodata,
                            fix=tr("err.dem.fix")))  # fmt: skip
    z = data.filled(np.nan)
    win_transform = src.window_transform(window)
    h, w = z.shape
    dst_crs = f"EPSG:{_crs.METRIC_CRS.to_epsg()}"
    t, width, height = calculate_default_transform(src.crs, dst_crs, w, h, left, bottom, right,
                                                   top)  # fmt: skip
    res = math.sqrt(abs(t.a * t.e))  # square cells of the DEM's own area
    t, width, height = calculate_default_transform(
        src.crs, dst_crs, w, h, left, bottom, right, top, resolution=res
    )
    if width * height > MAX_DEM_CELLS:
        lang = i18n.message_lang()
        raise InputError(tr("err.dem.too_big", path=path,
                            width=i18n.format_number(width, lang, grouping=True),
                            height=i18n.format_number(height, lang, grouping=True),
                            limit=i18n.format_number(MAX_DEM_CELLS, lang, grouping=True)))
    out = np.full((height, width), np.nan, dtype="f4")
    reproject(source=z, destination=out, src_transform=win_transform, src_crs=src.crs,
              src_nodata=np.nan, dst_transform=t, dst_crs=dst_crs, dst_nodata=np.nan,
              resampling=Resampling.bilinear)  # fmt: skip
    if not np.isfinite(out).any():
        raise InputError(tr("err.dem.empty", path=path, fix=tr("err.dem.fix")))
    return Terrain.from_grid(out, t.c, t.f, res, source=path.name)


def check_coverage(terrain: Terrain, x, y, what: str = "sites") -> int:
    """How many of the metric ``x``/``y`` have no DEM value; an InputError when none has one."""
    elev, _ = terrain.sample(x, y)
    unknown = int(np.isnan(elev).sum())
    if len(elev) and unknown == len(elev):
        xmin, ymin, xmax, ymax = terrain.bounds
        lon, lat = _crs.metric_to_lonlat(np.array([xmin, xmax]), np.array([ymin, ymax]))
        slon, slat = _crs.metric_to_lonlat(np.asarray(x, dtype="f8"), np.asarray(y, dtype="f8"))
        raise InputError(tr(
            "err.dem.no_coverage", path=terrain.source, what=noun(what),
            n=i18n.format_number(len(elev), i18n.message_lang(), grouping=True),
            dem=f"{lon[0]:.3f}-{lon[1]:.3f} E, {lat[0]:.3f}-{lat[1]:.3f} N",
            points=f"{np.nanmin(slon):.3f}-{np.nanmax(slon):.3f} E, "
                   f"{np.nanmin(slat):.3f}-{np.nanmax(slat):.3f} N",
        ))
    return unknown


def load_terrain(dem) -> Terrain | None:
    """``dem`` as a :class:`Terrain`: None stays None, a Terrain is kept, a path is read."""
    if dem is None or isinstance(dem, Terrain):
        return dem
    return read_dem(dem)


def unknown_note(terrain: Terrain | None, sites) -> str | None:
    """For the run's warnings: how many ``sites`` (a table with ``lon``/``lat``) the DEM
    does not cover (their terrain is unknown, so not checked against the limits); None when
    it covers them all. A DEM that covers none is an InputError (:func:`check_coverage`)."""
    if terrain is None or not len(sites):
        return None
    x, y = _crs.lonlat_to_metric(sites["lon"].to_numpy(dtype="f8", na_value=np.nan),
                                 sites["lat"].to_numpy(dtype="f8", na_value=np.nan))  # fmt: skip
    unknown = check_coverage(terrain, x, y)
    if not unknown:
        return None
    lang = i18n.message_lang()
    return tr("err.dem.partial", path=terrain.source,
              n=i18n.format_number(unknown, lang, grouping=True),
              total=i18n.format_number(len(sites), lang, grouping=True))
