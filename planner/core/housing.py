"""Housing for sanitary protection gaps: every place people live or will live (issue 11).

A hazardous plant keeps its sanitary gap (hazard class I-V: 1000 / 500 / 300 / 100 / 50 m,
:data:`planner.config.sectors.HAZARD_CLASS_HOUSING_M`) from the *outline* of every place
where people live or will live as of the scoring date:

* cities (``city_outline``: Almaty, Konaev ...) and settlements (``settlement``);
* residential districts planned or under construction (``planned_district``: Gate City,
  the Alatau city districts), from the day they are announced (``announced``) until their
  term ends (``status_until``), whatever their build status;
* any feature of a user's ``cities`` layer of kind ``residential``.

A feature whose dates say it does not exist on the scoring date (announced later, or
ended) is not housing then. The distance is to the outline (0 inside), in EPSG:32643.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np

from planner.core.layerset import LayerSet, status_as_of

__all__ = ["HOUSING_KINDS", "housing_features"]

#: kinds of the ``cities`` layer that are housing
HOUSING_KINDS = ("city_outline", "settlement", "planned_district", "residential")


def housing_features(layers: LayerSet, as_of: dt.date) -> gpd.GeoDataFrame:
    """The housing features of ``layers`` on ``as_of``, metric (EPSG:32643)."""
    gdf = layers.kind("cities", *HOUSING_KINDS, metric=True)
    if gdf.empty:
        return gdf
    exists = np.asarray(status_as_of(gdf, as_of), dtype=object) != "none"
    return gdf[exists]
