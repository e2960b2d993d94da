"""``planner sites grid``: a lattice of candidate sites, off excluded land.

The lattice comes from :func:`planner.inputs.sites.grid_sites`. Every point is then put
through the same exclusions as scoring (:func:`planner.core.criteria.compute_criteria`:
national park, mountain front, water, outside the region, and with a DEM the scenario's
``[terrain]`` limits), so a grid never offers a site that scoring would exclude. Excluded
points are dropped, or with ``keep_excluded`` kept with ``excluded`` and
``excluded_reason`` (the reasons in words, with the slope or elevation against the limit).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.config.scenarios import DEFAULT_SCENARIO, load_scenario
from planner.core.criteria import compute_criteria
from planner.core.prepared import Prepared
from planner.core.terrain_text import excluded_texts
from planner.inputs import sites as _sites
from planner.inputs.dem import check_coverage, load_terrain

__all__ = ["GridRun", "make_grid"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GridRun:
    """The lattice and its counts: ``n_points`` in the area, ``n_excluded`` of them
    excluded (dropped unless kept), ``n_unknown`` without a DEM value."""

    sites: gpd.GeoDataFrame
    n_points: int
    n_excluded: int
    n_unknown: int


def make_grid(layers, *, spacing_km: float = 1.0, within_km: float = 20.0,
              around: str | Sequence[str] = "bakad", hexagonal: bool = True, dem=None,
              scenario=DEFAULT_SCENARIO, keep_excluded: bool = False,
              lang: str = "ru") -> GridRun:  # fmt: skip
    """The lattice around ``around`` without excluded land (see the module docstring).

    ``dem`` is a GeoTIFF path or a :class:`planner.core.terrain.Terrain`; the limits are
    ``scenario``'s ``[terrain]`` table. ``lang`` is the language of ``excluded_reason``.
    """
    sc = load_scenario(scenario)
    terrain = load_terrain(dem)
    gdf = _sites.grid_sites(layers, spacing_km=spacing_km, within_km=within_km, around=around,
                     hexagonal=hexagonal, keep_excluded=True)  # fmt: skip
    lon = gdf["lon"].to_numpy(dtype="f8")
    lat = gdf["lat"].to_numpy(dtype="f8")
    n_unknown = 0
    if terrain is not None and len(gdf):
        from planner.crs import lonlat_to_metric

        n_unknown = check_coverage(terrain, *lonlat_to_metric(lon, lat), what="grid points")
    prepared = Prepared.of(layers).with_terrain(terrain, sc)
    crit = compute_criteria(lon, lat, prepared, index=gdf.index)
    excluded = crit["excluded"].to_numpy(dtype=bool)
    if not keep_excluded:
        out = gdf[~excluded]
    else:
        reason = np.full(len(gdf), "", dtype=object)
        if excluded.any():
            reason[excluded] = excluded_texts(crit[excluded], sc.terrain, [lang],
                                              sentence=False)[lang]  # fmt: skip
        out = gdf.assign(excluded=excluded, excluded_reason=pd.array(reason, dtype="str"))
    if terrain is not None:
        out = out.assign(**{c: crit.loc[out.index, c].to_numpy() for c in
                            ("elevation_m", "slope_pct")})  # fmt: skip
    log.info("grid: %d points, %d excluded (%s)", len(gdf), int(excluded.sum()),
             "kept and marked" if keep_excluded else "dropped")  # fmt: skip
    return GridRun(out, len(gdf), int(excluded.sum()), n_unknown)
