"""Hand-made criteria tables and site tables for scoring tests."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.config.scenarios import CRITERIA

DIST_COLUMNS = [c for c in CRITERIA.values() if c.startswith("dist_")]
#: travel times by road (minutes), scored like distances
TIME_COLUMNS = [c for c in CRITERIA.values() if c.endswith("_min")]


def make_criteria(n: int = 1, index=None, **columns) -> pd.DataFrame:
    """A criteria table of ``n`` neutral sites; keyword arguments override columns.

    Defaults: every distance 10 km and travel time 10 minutes, not in Almaty, no zone, not
    excluded.
    """
    data: dict[str, object] = {c: np.full(n, 10.0) for c in [*DIST_COLUMNS, *TIME_COLUMNS]}
    data.update(
        nearest_interchange=np.full(n, "ic-a3", dtype=object),
        in_almaty=np.zeros(n, dtype=bool),
        zone_id=np.full(n, "", dtype=object),
        zone_status=np.full(n, "none", dtype=object),
        zone_kind=np.full(n, "", dtype=object),
        zone_ids=np.full(n, "", dtype=object),
        zone_free_ha=np.full(n, np.nan),
        sez_status=np.full(n, "none", dtype=object),
        excluded=np.zeros(n, dtype=bool),
        exclusion_reason=np.full(n, "", dtype=object),
    )
    for key, value in columns.items():
        arr = np.asarray(value)
        data[key] = np.full(n, value) if arr.ndim == 0 else arr
    df = pd.DataFrame(data, index=index)
    for col in (
        "nearest_interchange",
        "zone_id",
        "zone_status",
        "zone_kind",
        "zone_ids",
        "sez_status",
        "exclusion_reason",
    ):
        df[col] = df[col].astype("str")
    return df


def point_sites(ids, lon, lat) -> gpd.GeoDataFrame:
    """A sites table (the contract's columns) of points at ``lon``/``lat``, named by id."""
    ids = list(ids)
    return gpd.GeoDataFrame(
        {
            "site_id": ids,
            "name": ids,
            "lon": lon,
            "lat": lat,
            "area_ha": np.nan,
            "free_ha": np.nan,
            "site_source": "test",
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )
