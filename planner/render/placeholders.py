"""Zones whose outline is unknown are drawn as the circle of their placement uncertainty.

An estimated zone outline (an ellipse of the stated area around a placeholder point) looks
like a surveyed boundary on a map. Where the placement error ``accuracy_m`` is larger than
the zone itself (the radius of a circle of its area), the shape says less than its error,
so maps draw the circle of ``accuracy_m`` around the placeholder instead: dashed, lightly
filled and labelled "location approximate" in the map's language. Only the picture changes;
criteria and scores use the layer's geometry as it is.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner import crs as _crs
from planner import i18n

__all__ = ["KINDS", "STYLE", "as_placeholders", "placeholder_mask"]

#: feature kinds whose estimated outline is replaced by the uncertainty circle
KINDS = ("industrial_zone", "sez", "planned_district")
#: how a placeholder circle is drawn (merged into the feature's own style)
STYLE = {"dashArray": "4 6", "weight": 1.5, "fillOpacity": 0.06}


def placeholder_mask(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """True for estimated zone polygons whose ``accuracy_m`` exceeds their own radius."""
    if len(gdf) == 0:
        return np.zeros(0, dtype=bool)
    kind = gdf["kind"].astype(object).to_numpy()
    est = gdf["estimated"].fillna(False).astype(bool).to_numpy()
    acc = pd.to_numeric(gdf["accuracy_m"], errors="coerce").to_numpy(dtype="f8", na_value=np.nan)
    area_m2 = _crs.to_metric(gdf, what="zones").area.to_numpy()
    own_radius_m = np.sqrt(area_m2 / np.pi)
    return np.isin(kind, KINDS) & est & (acc > own_radius_m)


def as_placeholders(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy of ``gdf`` where placeholders are circles of ``accuracy_m`` around their
    centre, their names end in "(location approximate)" (each name column in its own
    language) and ``approximate`` is True."""
    out = gdf.copy()
    mask = placeholder_mask(gdf)
    out["approximate"] = mask
    if not mask.any():
        return out
    metric = _crs.to_metric(gdf[mask], what="zones")
    radius = pd.to_numeric(metric["accuracy_m"]).to_numpy(dtype="f8")
    circles = shapely.buffer(shapely.centroid(metric.geometry.to_numpy()), radius, quad_segs=16)
    geoms = gpd.GeoSeries(circles, crs=_crs.METRIC_CRS).to_crs(gdf.crs).to_numpy()
    out.loc[mask, out.geometry.name] = geoms
    for lang in i18n.LANGS:
        col = f"name_{lang}"
        label = i18n.label("location_approximate", lang)
        if col in out.columns:
            names = out.loc[mask, col].astype(object)
            out.loc[mask, col] = [f"{n} ({label})" if isinstance(n, str) else n for n in names]
    return out
