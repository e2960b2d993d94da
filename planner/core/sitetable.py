"""The sites table contract shared by every stage, and the one check of a sites table.

A sites table is a GeoDataFrame in EPSG:4326 with :data:`SITE_COLUMNS`, built by
:func:`sites_table` (from a user's file or a lattice in :mod:`planner.inputs.sites`, or
from the zones layer by :func:`builtin_sites`). Stages that accept a table from a caller
(local and Dask scoring, the batch job, comparisons) check it with
:func:`check_sites_table`, so a table is accepted or refused the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner import crs as _crs
from planner import i18n
from planner.errors import InputError

__all__ = ["SITE_COLUMNS", "SCORING_COLUMNS", "builtin_sites", "check_sites_table", "sites_table"]

SITE_COLUMNS = ("site_id", "name", "lon", "lat", "area_ha", "free_ha", "site_source")
#: the columns scoring needs (the others are carried along when present)
SCORING_COLUMNS = ("site_id", "lon", "lat")


def check_sites_table(
    sites: object,
    columns: Sequence[str] = SCORING_COLUMNS,
    *,
    allow_empty: bool = True,
    error: type[InputError] = InputError,
) -> pd.DataFrame:
    """Refuse a sites table a stage cannot use; return it unchanged otherwise.

    Parameters
    ----------
    sites
        The table (a DataFrame or GeoDataFrame).
    columns
        The columns the stage needs (``site_id``, ``lon`` and ``lat`` at least).
    allow_empty
        Accept a table without rows.
    error
        The :class:`~planner.InputError` subclass to raise (e.g. a stage's own).

    Raises
    ------
    TypeError
        ``sites`` is not a DataFrame.
    InputError
        (or ``error``) a needed column is missing; no rows when rows are needed; a site
        without finite lon/lat in degrees (lon -180..180, lat -90..90); a ``site_id``
        used twice (ranks and results are keyed by it).
    """
    if not isinstance(sites, pd.DataFrame):
        raise TypeError(f"sites must be a sites table (GeoDataFrame), not {type(sites).__name__}")
    need = list(dict.fromkeys((*SCORING_COLUMNS, *columns)))
    missing = [c for c in need if c not in sites.columns]
    if missing:
        raise error(i18n.tr("err.sitetable.no_columns", columns=", ".join(missing)))
    if len(sites) == 0 and not allow_empty:
        raise error(i18n.tr("err.sitetable.no_sites"))
    lon = sites["lon"].to_numpy(dtype="f8", na_value=np.nan)
    lat = sites["lat"].to_numpy(dtype="f8", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    if not ok.all():
        bad = np.flatnonzero(~ok)
        r = int(bad[0])
        sid = sites["site_id"].iloc[r]
        raise error(i18n.tr("err.sitetable.bad_lonlat", n=len(bad), row=r + 1, site=sid,
                            lon=float(lon[r]), lat=float(lat[r])))
    ids = sites["site_id"]
    if pd.Index(ids).is_unique:
        return sites
    text = ids.astype(str)
    first = int(np.flatnonzero(text.duplicated(keep=False).to_numpy())[0])
    rows = np.flatnonzero((text == text.iloc[first]).to_numpy()) + 1
    more = i18n.tr("err.sitetable.more", n=len(rows) - 2) if len(rows) > 2 else ""
    raise error(i18n.tr("err.sitetable.not_unique", site=ids.iloc[first], first=rows[0],
                        second=rows[1], more=more))


def sites_table(ids, names, lon, lat, area_ha, free_ha, source, geometry) -> gpd.GeoDataFrame:
    """A sites table with :data:`SITE_COLUMNS` (an empty name becomes the id)."""
    n = len(ids)
    names = np.where(
        pd.Series(names, dtype=object).fillna("").to_numpy(dtype=object) == "", ids, names
    )

    def hectares(values) -> np.ndarray:
        return np.full(n, np.nan) if values is None else np.asarray(values, dtype="f8")

    return gpd.GeoDataFrame(
        {
            "site_id": pd.array(np.asarray(ids, dtype=object), dtype="str"),
            "name": pd.array(np.asarray(names, dtype=object), dtype="str"),
            "lon": np.asarray(lon, dtype="f8"),
            "lat": np.asarray(lat, dtype="f8"),
            "area_ha": hectares(area_ha),
            "free_ha": hectares(free_ha),
            "site_source": pd.array([source] * n, dtype="str"),
        },
        geometry=geometry,
        crs=_crs.GEOGRAPHIC_CRS,
    )


def _zone_site_points(zones: pd.DataFrame, geoms: np.ndarray) -> np.ndarray:
    """Each zone's point as a candidate site: ``site_lon``/``site_lat`` when given and inside
    the zone (a large SEZ drawn with a stand-in outline), else a point on its surface."""
    rep = shapely.point_on_surface(geoms)
    if not {"site_lon", "site_lat"} <= set(zones.columns):
        return rep
    lon, lat = (
        pd.to_numeric(zones[c], errors="coerce").to_numpy(dtype="f8", na_value=np.nan)
        for c in ("site_lon", "site_lat")
    )
    given = np.isfinite(lon) & np.isfinite(lat)
    pts = shapely.points(np.where(given, lon, 0.0), np.where(given, lat, 0.0))
    return np.where(given & shapely.covers(geoms, pts), pts, rep)


def builtin_sites(layers, lang: str = "ru") -> gpd.GeoDataFrame:
    """Every zone of the ``zones`` layer as a candidate site (id = zone id, source "builtin"),
    named in ``lang`` (``name_<lang>``, else Russian, English, the id)."""
    zones = layers["zones"]
    geoms = zones.geometry.to_numpy()
    rep = _zone_site_points(zones, geoms)
    area = pd.to_numeric(zones["area_ha"], errors="coerce").to_numpy(dtype="f8", na_value=np.nan)
    if np.isnan(area).any():
        measured = layers.metric("zones").area.to_numpy() / 1e4
        area = np.where(np.isnan(area), measured, area)
    free = pd.to_numeric(zones["free_ha"], errors="coerce").to_numpy(dtype="f8", na_value=np.nan)
    ids = zones["id"].astype(str).to_numpy(dtype=object)
    names = i18n.feature_names(zones, lang).to_numpy(dtype=object)
    return sites_table(
        ids, names, shapely.get_x(rep), shapely.get_y(rep), area, free, "builtin",
        gpd.GeoSeries(geoms, crs=_crs.GEOGRAPHIC_CRS),
    )  # fmt: skip
