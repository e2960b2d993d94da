"""Suitability surfaces: a 0-100 score for every cell of a metric grid, by raster methods.

A region-wide 100 m grid has ~28 M cells in its bounding box: too many for per-point
vector work on one machine, but cheap as rasters. :func:`compute_surface` takes the same
prepared layers as the criteria (:func:`planner.core.criteria.prepare`) and, on a grid in
EPSG:32643 aligned to multiples of ``cell_m``:

* distances to lines and polygons: the features are rasterised (polygon interiors by
  cell centre, even-odd; lines and polygon boundaries by dense sampling, every
  ``cell_m / 4``) and :func:`scipy.ndimage.distance_transform_edt` with
  ``sampling=cell_m`` measures from each cell centre to the nearest marked centre. The
  error against the exact vector distance is at most ``0.71 + 0.125`` cell (a marked
  centre lies within half a cell diagonal of the feature): under one cell;
* distances to a few points (interchanges, airport, city centres, Khorgos): exact;
* zone status, SEZ status, Almaty city limits and exclusions: polygon membership of the
  cell centre, exact.

The columns are then scored by :func:`planner.core.scoring.score_table`, the function that
scores sites, block by block. Rankings should use exact vector criteria (a raster
shortcut changes top-10 lists, see PITFALLS.md): surfaces are for region-wide pictures.

Outputs: GeoTIFF (``.tif``, needs ``rasterio``), a Parquet table of cell centres
(``.parquet``, needs ``pyarrow``) or ``.npz`` (numpy only); and a PNG overlay in Web
Mercator for folium (:func:`surface_overlay_png`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import math
import os
import re
import struct
import time
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from planner import crs as _crs
from planner._atomic import atomic_output
from planner.config.scenarios import (
    CRITERIA,
    DEFAULT_SCENARIO,
    ZONE_STATUSES,
    Scenario,
    load_scenario,
)
from planner.errors import InputError, OutputError
from planner.inputs.layers import STATUS_RANK, LayerSet

__all__ = [
    "COLOUR_STOPS",
    "MAX_SURFACE_CELLS",
    "SURFACE_SUFFIXES",
    "Grid",
    "Surface",
    "compute_surface",
    "png_data_uri",
    "read_surface",
    "surface_grid",
    "surface_overlay_png",
    "write_surface",
]

log = logging.getLogger(__name__)

#: refuse larger grids (memory: ~40 bytes per cell of the bounding box, plus the EDT)
MAX_SURFACE_CELLS = 150_000_000
SURFACE_SUFFIXES = (".tif", ".tiff", ".parquet", ".npz")
#: points of a group above which a distance is computed by EDT instead of exactly
_MAX_EXACT_POINTS = 64
#: rows of cells scored at once (bounds the temporaries of score_table)
_BLOCK_CELLS = 2_000_000
#: viridis at six stops (colour-blind safe, dark = low score, yellow = high)
COLOUR_STOPS: tuple[tuple[float, str], ...] = (
    (0.0, "#440154"),
    (20.0, "#414487"),
    (40.0, "#2a788e"),
    (60.0, "#22a884"),
    (80.0, "#7ad151"),
    (100.0, "#fde725"),
)
_EXCLUDED_RGBA = (150, 150, 150, 140)
_EXTENT_RE = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*:\s*([0-9]+(?:\.[0-9]*)?)\s*km\s*$")


# --------------------------------------------------------------------------- the grid


@dataclasses.dataclass(frozen=True)
class Grid:
    """A north-up grid in EPSG:32643: ``x0``/``y0`` the west/north edges (m)."""

    x0: float
    y0: float
    cell_m: float
    nrows: int
    ncols: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.nrows, self.ncols

    @property
    def size(self) -> int:
        return self.nrows * self.ncols

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in metres."""
        return (
            self.x0,
            self.y0 - self.nrows * self.cell_m,
            self.x0 + self.ncols * self.cell_m,
            self.y0,
        )

    @property
    def transform(self) -> tuple[float, float, float, float, float, float]:
        """Affine coefficients (a, b, c, d, e, f): x = a*col + b*row + c, y = d*col + e*row + f."""
        return (self.cell_m, 0.0, self.x0, 0.0, -self.cell_m, self.y0)

    def col_x(self, cols=None) -> np.ndarray:
        cols = np.arange(self.ncols) if cols is None else np.asarray(cols)
        return self.x0 + (cols + 0.5) * self.cell_m

    def row_y(self, rows=None) -> np.ndarray:
        rows = np.arange(self.nrows) if rows is None else np.asarray(rows)
        return self.y0 - (rows + 0.5) * self.cell_m

    @classmethod
    def covering(cls, bounds, cell_m: float) -> Grid:
        """The grid aligned to multiples of ``cell_m`` that covers metric ``bounds``."""
        minx, miny, maxx, maxy = bounds
        x0 = math.floor(minx / cell_m) * cell_m
        y0 = math.ceil(maxy / cell_m) * cell_m
        ncols = max(1, math.ceil((maxx - x0) / cell_m))
        nrows = max(1, math.ceil((y0 - miny) / cell_m))
        return cls(float(x0), float(y0), float(cell_m), int(nrows), int(ncols))

    def union(self, bounds) -> Grid:
        """The grid on the same lattice covering this grid and ``bounds``."""
        w, s, e, n = self.bounds
        return Grid.covering(
            (min(w, bounds[0]), min(s, bounds[1]), max(e, bounds[2]), max(n, bounds[3])),
            self.cell_m,
        )

    def offset_in(self, outer: Grid) -> tuple[int, int]:
        """(row, col) of this grid's first cell inside ``outer`` (same lattice)."""
        return (
            int(round((outer.y0 - self.y0) / self.cell_m)),
            int(round((self.x0 - outer.x0) / self.cell_m)),
        )


# --------------------------------------------------------------------------- rasterising


def _part_starts(segset) -> np.ndarray:
    """Segment offsets of the parts of a SegmentSet, ``(n_parts + 1,)``."""
    if hasattr(segset, "part_start"):
        return np.asarray(segset.part_start)
    return np.asarray(segset.box_start)[np.asarray(segset.part_box)]  # parts made of boxes


def _feature_segments(segset) -> Iterator[tuple[int, np.ndarray]]:
    """(feature index, its segments (k, 4)) of a :class:`planner.core.criteria.SegmentSet`."""
    if segset.n_parts == 0:
        return
    sizes = np.diff(_part_starts(segset))
    seg_feature = np.repeat(segset.part_feature, sizes)
    order = np.argsort(seg_feature, kind="stable")
    feats, starts = np.unique(seg_feature[order], return_index=True)
    bounds = np.append(starts, len(order))
    for k, f in enumerate(feats):
        yield int(f), segset.seg[order[bounds[k] : bounds[k + 1]]]


def _fill_polygon(grid: Grid, seg: np.ndarray) -> tuple[slice, slice, np.ndarray] | None:
    """Cells whose centre is inside the rings ``seg`` (even-odd), within their bbox window."""
    xs = np.r_[seg[:, 0], seg[:, 2]]
    ys = np.r_[seg[:, 1], seg[:, 3]]
    c = grid.cell_m
    r0 = max(0, math.floor((grid.y0 - ys.max()) / c - 0.5) + 1)
    r1 = min(grid.nrows, math.floor((grid.y0 - ys.min()) / c - 0.5) + 1)
    c0 = max(0, math.ceil((xs.min() - grid.x0) / c - 0.5))
    c1 = min(grid.ncols, math.floor((xs.max() - grid.x0) / c - 0.5) + 1)
    if r1 <= r0 or c1 <= c0:
        return None
    x1, y1, x2, y2 = seg[:, 0], seg[:, 1], seg[:, 2], seg[:, 3]
    keep = y1 != y2
    x1, y1, x2, y2 = x1[keep], y1[keep], x2[keep], y2[keep]
    ylo, yhi = np.minimum(y1, y2), np.maximum(y1, y2)
    # rows whose centre y satisfies ylo <= y < yhi (half-open: a vertex counts once)
    ra = np.maximum(np.floor((grid.y0 - yhi) / c - 0.5).astype(np.int64) + 1, r0)
    rb = np.minimum(np.floor((grid.y0 - ylo) / c - 0.5).astype(np.int64), r1 - 1)
    count = np.maximum(rb - ra + 1, 0)
    h, w = r1 - r0, c1 - c0
    toggles = np.zeros((h, w + 1), dtype=np.uint8)
    if count.sum():
        e = np.repeat(np.arange(len(count)), count)
        rows = ra[e] + (np.arange(len(e)) - np.repeat(np.cumsum(count) - count, count))
        yc = grid.y0 - (rows + 0.5) * c
        xc = x1[e] + (yc - y1[e]) * (x2[e] - x1[e]) / (y2[e] - y1[e])
        # toggle from the first cell whose centre lies east of the crossing
        cols = np.clip(np.ceil((xc - grid.x0) / c - 0.5).astype(np.int64), c0, c1) - c0
        np.add.at(toggles, (rows - r0, cols), 1)
    # uint8 sums wrap modulo 256, an even number: the parity survives
    inside = (np.cumsum(toggles, axis=1, dtype=np.uint8)[:, :w] & 1).astype(bool)
    return slice(r0, r1), slice(c0, c1), inside


def _fill(grid: Grid, segset, select: np.ndarray | None = None) -> np.ndarray:
    """Cells whose centre is inside any polygon of ``segset`` (of the ``select``-ed ones)."""
    out = np.zeros(grid.shape, dtype=bool)
    for f, seg in _feature_segments(segset):
        if select is not None and not select[f]:
            continue
        hit = _fill_polygon(grid, seg)
        if hit is not None:
            rs, cs, m = hit
            out[rs, cs] |= m
    return out


def _mark_lines(grid: Grid, seg: np.ndarray, out: np.ndarray) -> None:
    """Mark every cell that a segment passes through (samples every cell_m / 4)."""
    if not len(seg):
        return
    c = grid.cell_m
    length = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1])
    n = np.ceil(length / (c / 4.0)).astype(np.int64) + 1
    e = np.repeat(np.arange(len(seg)), n)
    first = np.repeat(np.cumsum(n) - n, n)
    t = (np.arange(len(e)) - first) / np.maximum(n[e] - 1, 1)
    x = seg[e, 0] + t * (seg[e, 2] - seg[e, 0])
    y = seg[e, 1] + t * (seg[e, 3] - seg[e, 1])
    col = np.floor((x - grid.x0) / c).astype(np.int64)
    row = np.floor((grid.y0 - y) / c).astype(np.int64)
    ok = (col >= 0) & (col < grid.ncols) & (row >= 0) & (row < grid.nrows)
    out[row[ok], col[ok]] = True


def _constraints(prepared):
    """The constraint polygons and a per-feature flag: True for region polygons (a site
    outside all of them is excluded), False for exclusions (park, water)."""
    return prepared.constraints, np.asarray(prepared.constraint_region, dtype=bool)


def _selected_segments(segset, select: np.ndarray) -> np.ndarray:
    parts = [seg for f, seg in _feature_segments(segset) if select[f]]
    return np.vstack(parts) if parts else np.empty((0, 4))


def _segset_bounds(segset) -> tuple[float, float, float, float]:
    return _seg_bounds(segset.seg)


def _seg_bounds(s: np.ndarray) -> tuple[float, float, float, float]:
    return (
        float(min(s[:, 0].min(), s[:, 2].min())),
        float(min(s[:, 1].min(), s[:, 3].min())),
        float(max(s[:, 0].max(), s[:, 2].max())),
        float(max(s[:, 1].max(), s[:, 3].max())),
    )


def _point_distance_km(grid: Grid, px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """Exact km from every cell centre to the nearest of a few points."""
    out = np.empty(grid.shape, dtype=np.float32)
    cx = grid.col_x()
    step = max(1, _BLOCK_CELLS // max(grid.ncols, 1))
    for r in range(0, grid.nrows, step):
        ry = grid.row_y(np.arange(r, min(r + step, grid.nrows)))
        best = np.full((len(ry), grid.ncols), np.inf)
        for x, y in zip(px, py, strict=True):
            d2 = (ry[:, None] - y) ** 2 + ((cx - x) ** 2)[None, :]
            np.minimum(best, d2, out=best)
        out[r : r + len(ry)] = np.sqrt(best) / 1000.0
    return out


def _distance_km(grid: Grid, segset, polygons: bool) -> np.ndarray:
    """km from every cell centre of ``grid`` to the features of ``segset`` (0 inside
    polygons when ``polygons``); ``inf`` when the set is empty."""
    from scipy import ndimage

    if segset.n_parts == 0:
        return np.full(grid.shape, np.inf, dtype=np.float32)
    s = segset.seg
    points = np.all(s[:, 0:2] == s[:, 2:4])
    if points and not polygons and len(s) <= _MAX_EXACT_POINTS:
        return _point_distance_km(grid, s[:, 0], s[:, 1])
    domain = grid.union(_segset_bounds(segset))  # targets outside the grid still count
    target = np.zeros(domain.shape, dtype=bool)
    _mark_lines(domain, s, target)
    if polygons:
        target |= _fill(domain, segset)
    dist = ndimage.distance_transform_edt(~target, sampling=grid.cell_m)
    r, c = grid.offset_in(domain)
    out = dist[r : r + grid.nrows, c : c + grid.ncols].astype(np.float32)
    out /= 1000.0
    return out


# --------------------------------------------------------------------------- extent


def _find_feature(layers: LayerSet, fid: str):
    for name in layers.layers:
        gdf = layers.metric(name)
        hit = gdf[gdf["id"].astype(str) == fid]
        if len(hit):
            return hit.geometry.union_all()
    return None


def _extent(extent: str, layers: LayerSet, prepared, cell_m: float):
    """(grid, mask function) for an extent spec; the mask is computed on the grid."""
    from planner.core.criteria import SegmentSet

    spec = str(extent).strip()
    if spec == "region":
        cons, is_region = _constraints(prepared)
        segs = _selected_segments(cons, is_region)
        if not len(segs):
            raise InputError(
                "extent 'region': the constraints layer has no region polygon; add one "
                "(kind region) or use an extent such as bakad:20km"
            )
        grid = Grid.covering(_seg_bounds(segs), cell_m)
        return grid, lambda g: _fill(g, cons, is_region)
    if spec.startswith("bbox:"):
        try:
            w, s, e, n = (float(v) for v in spec[5:].split(","))
        except ValueError as exc:
            raise InputError(
                f"extent {spec!r}: bbox needs four numbers west,south,east,north in degrees, "
                "e.g. bbox:76.7,43.1,77.2,43.5"
            ) from exc
        if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
            raise InputError(
                f"extent {spec!r}: need west < east and south < north in degrees "
                "(lon -180..180, lat -90..90), e.g. bbox:76.7,43.1,77.2,43.5"
            )
        t = np.linspace(0, 1, 65)
        lon = np.r_[w + (e - w) * t, np.full(65, e), e - (e - w) * t, np.full(65, w)]
        lat = np.r_[np.full(65, s), s + (n - s) * t, np.full(65, n), n - (n - s) * t]
        x, y = _crs.lonlat_to_metric(lon, lat)
        grid = Grid.covering((x.min(), y.min(), x.max(), y.max()), cell_m)
        return grid, lambda g: np.ones(g.shape, dtype=bool)
    m = _EXTENT_RE.match(spec)
    if not m:
        raise InputError(
            f"extent {spec!r} is not understood; use 'region', '<feature>:<N>km' "
            "(e.g. bakad:20km, konaev:30km, gate-city:15km) or 'bbox:W,S,E,N' in degrees"
        )
    target, km = m.group(1), float(m.group(2))
    geom = (
        layers.kind("bakad", "ring_road", metric=True).geometry.union_all()
        if target == "bakad"
        else _find_feature(layers, target)
    )
    if geom is None or geom.is_empty:
        raise InputError(
            f"extent {spec!r}: no feature with id {target!r} in the layers; use bakad or a "
            "feature id shown by `planner layers list` (e.g. konaev, gate-city, aiz-1)"
        )
    segs = SegmentSet.from_geometries([geom], [target])
    minx, miny, maxx, maxy = geom.bounds
    r = km * 1000.0
    grid = Grid.covering((minx - r, miny - r, maxx + r, maxy + r), cell_m)
    polygon = geom.geom_type in ("Polygon", "MultiPolygon")
    return grid, lambda g: _distance_km(g, segs, polygon) <= km


# --------------------------------------------------------------------------- the surface


@dataclasses.dataclass(frozen=True)
class Surface:
    """A computed suitability surface.

    ``score`` float32 (rows, cols): 0-100, ``NaN`` outside the extent, 0 on excluded
    cells; ``excluded`` bool (national park, water, outside the region); ``criteria``
    (only with ``keep_criteria``) the grids behind the score: ``dist_*_km`` float32 km,
    ``zone_rank``/``sez_rank`` int8 status ranks (:data:`planner.inputs.layers.STATUS_RANK`),
    ``in_almaty`` bool.
    """

    grid: Grid
    score: np.ndarray
    excluded: np.ndarray
    scenario: str
    scenario_hash: str
    as_of: str
    extent: str
    criteria: Mapping[str, np.ndarray] = dataclasses.field(default_factory=dict)

    @property
    def in_extent(self) -> np.ndarray:
        return ~np.isnan(self.score)

    def metadata(self) -> dict[str, object]:
        return {
            "scenario": self.scenario,
            "scenario_hash": self.scenario_hash,
            "as_of": self.as_of,
            "extent": self.extent,
            "cell_m": self.grid.cell_m,
            "crs": "EPSG:32643",
            "transform": list(self.grid.transform),
            "shape": list(self.grid.shape),
            "units": "score 0-100 (NaN outside the extent, 0 on excluded cells)",
        }

    def cells(self) -> pd.DataFrame:
        """Table of the cells in the extent: x_m, y_m, lon, lat, score, excluded."""
        rows, cols = np.nonzero(self.in_extent)
        x = self.grid.col_x(cols)
        y = self.grid.row_y(rows)
        lon, lat = _crs.metric_to_lonlat(x, y)
        return pd.DataFrame(
            {
                "x_m": x,
                "y_m": y,
                "lon": lon,
                "lat": lat,
                "score": self.score[rows, cols],
                "excluded": self.excluded[rows, cols],
            }
        )


def _zone_grids(grid: Grid, prepared) -> tuple[np.ndarray, np.ndarray]:
    """Best status rank of the zones, and of the SEZs, containing each cell centre."""
    zone = np.zeros(grid.shape, dtype=np.int8)
    sez = np.zeros(grid.shape, dtype=np.int8)
    for f, seg in _feature_segments(prepared.zones):
        hit = _fill_polygon(grid, seg)
        if hit is None:
            continue
        rs, cs, m = hit
        rank = np.int8(STATUS_RANK[str(prepared.zone_status[f])])
        np.maximum(zone[rs, cs], np.where(m, rank, 0).astype(np.int8), out=zone[rs, cs])
        if str(prepared.zone_kind[f]) == "sez":
            np.maximum(sez[rs, cs], np.where(m, rank, 0).astype(np.int8), out=sez[rs, cs])
    return zone, sez


def _status_categorical(ranks: np.ndarray) -> pd.Categorical:
    by_rank = {v: k for k, v in STATUS_RANK.items()}
    lookup = np.array([ZONE_STATUSES.index(by_rank[r]) for r in range(4)], dtype=np.int8)
    return pd.Categorical.from_codes(lookup[ranks], categories=list(ZONE_STATUSES))


def compute_surface(
    layers: LayerSet,
    scenario: Scenario | str | Path = DEFAULT_SCENARIO,
    as_of: dt.date | str | None = None,
    cell_m: float = 100.0,
    extent: str = "region",
    *,
    keep_criteria: bool = False,
    max_cells: int = MAX_SURFACE_CELLS,
) -> Surface:
    """Score every cell of a grid over ``extent`` (see the module docstring for the method).

    Parameters
    ----------
    layers
        The LayerSet.
    scenario, as_of
        As for :func:`planner.core.scoring.score_sites`.
    cell_m
        Cell size in metres (EPSG:32643), e.g. 100.
    extent
        ``"region"`` (the region polygon), ``"<feature>:<N>km"`` (cells within N km of
        BAKAD or a feature id, e.g. ``bakad:20km``, ``konaev:30km``) or
        ``"bbox:W,S,E,N"`` in degrees.
    keep_criteria
        Keep the distance grids (km) in :attr:`Surface.criteria` (for checks; memory).
    max_cells
        Refuse grids with more cells in their bounding box.
    """
    from planner.core.criteria import prepare
    from planner.core.scoring import parse_as_of, score_table

    if not (isinstance(cell_m, int | float) and math.isfinite(cell_m) and cell_m > 0):
        raise InputError(f"cell_m={cell_m!r}: give a cell size in metres > 0, e.g. 100")
    t0 = time.perf_counter()
    sc = load_scenario(scenario)
    from planner.core.aggregation import require_chunkable

    require_chunkable(sc, "the suitability surface")
    day = parse_as_of(as_of)
    prepared = prepare(layers, day)
    grid, mask_fn = _extent(extent, layers, prepared, float(cell_m))
    if grid.size > max_cells:
        bigger = cell_m * math.ceil(math.sqrt(grid.size / max_cells))
        raise InputError(
            f"extent {extent!r} at cell_m={cell_m:g} is a grid of {grid.nrows:,} x "
            f"{grid.ncols:,} = {grid.size:,} cells (limit {max_cells:,}, ~40 bytes per "
            f"cell); use a larger --cell-m (e.g. {bigger:g})"
            " or a smaller --extent"
        )
    log.info("surface: %d x %d cells of %g m over %s", grid.nrows, grid.ncols, cell_m, extent)
    mask = mask_fn(grid)

    needed = {CRITERIA[k] for k in sc.criteria}
    timed = sorted(k for k in sc.criteria if CRITERIA[k].endswith("_min"))
    if timed:
        raise InputError(
            f"scenario {sc.name!r} scores travel times by road ({', '.join(timed)}); a "
            "surface is made of straight-line distances: use a distance scenario (e.g. "
            "bakad-perimeter), or score sites with `planner score-sites --network`"
        )
    groups = {
        "dist_bakad_km": (prepared.bakad, False),
        "dist_interchange_km": (prepared.interchange, False),
        "dist_gate_city_km": (prepared.gate_city, True),
        "dist_zone_km": (prepared.zones_operating, True),
        "dist_rail_km": (prepared.rail, False),
        "dist_airport_km": (prepared.airport, False),
        "dist_highway_km": (prepared.highway, False),
        "dist_khorgos_km": (prepared.khorgos, False),
        "dist_housing_km": (prepared.housing, True),
    }
    grids: dict[str, np.ndarray] = {}
    for col in sorted(needed):
        t = time.perf_counter()
        if col in groups:
            segset, polygons = groups[col]
            grids[col] = _distance_km(grid, segset, polygons)
        elif col == "dist_almaty_km":
            ax, ay = prepared.almaty_centre_xy
            grids[col] = _point_distance_km(grid, np.array([ax]), np.array([ay]))
        elif col == "dist_konaev_km":
            kx, ky = prepared.konaev_centre_xy
            grids[col] = _point_distance_km(grid, np.array([kx]), np.array([ky]))
        log.debug("surface: %s in %.1f s", col, time.perf_counter() - t)
    zone_rank = sez_rank = None
    if "zone_status" in needed:
        zone_rank, sez_rank = _zone_grids(grid, prepared)
    in_almaty = _fill(grid, prepared.almaty) if "dist_almaty_km" in needed else None
    cons, is_region = _constraints(prepared)
    excluded = _fill(grid, cons, ~is_region) | ~_fill(grid, cons, is_region)

    score = np.full(grid.shape, np.nan, dtype=np.float32)
    step = max(1, _BLOCK_CELLS // grid.ncols)
    for r in range(0, grid.nrows, step):
        rs = slice(r, min(r + step, grid.nrows))
        m = mask[rs]
        if not m.any():
            continue
        data: dict[str, object] = {c: g[rs][m] for c, g in grids.items()}
        if zone_rank is not None:
            data["zone_status"] = _status_categorical(zone_rank[rs][m])
            data["sez_status"] = _status_categorical(sez_rank[rs][m])
        if in_almaty is not None:
            data["in_almaty"] = in_almaty[rs][m]
        data["excluded"] = excluded[rs][m]
        table = score_table(pd.DataFrame(data), sc)
        block = score[rs]
        block[m] = table["score"].to_numpy(dtype=np.float32)
        score[rs] = block
    log.info("surface: %d cells scored in %.1f s", int(mask.sum()), time.perf_counter() - t0)
    return Surface(
        grid=grid,
        score=score,
        excluded=excluded & mask,
        scenario=sc.name,
        scenario_hash=sc.hash,
        as_of=day.isoformat(),
        extent=str(extent),
        criteria=_kept(grids, zone_rank, sez_rank, in_almaty) if keep_criteria else {},
    )


def surface_grid(
    layers: LayerSet, cell_m: float = 100.0, extent: str = "region", as_of=None
) -> Grid:
    """The grid :func:`compute_surface` would use (to check its size before computing)."""
    from planner.core.criteria import prepare
    from planner.core.scoring import parse_as_of

    return _extent(extent, layers, prepare(layers, parse_as_of(as_of)), float(cell_m))[0]


def _kept(grids, zone_rank, sez_rank, in_almaty) -> dict[str, np.ndarray]:
    kept = dict(grids)
    if zone_rank is not None:
        kept["zone_rank"], kept["sez_rank"] = zone_rank, sez_rank
    if in_almaty is not None:
        kept["in_almaty"] = in_almaty
    return kept


# --------------------------------------------------------------------------- files


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SURFACE_SUFFIXES:
        raise InputError(
            f"output {str(path)!r}: unknown suffix {suffix or '(none)'!r}; use .tif (GeoTIFF, "
            "needs rasterio), .parquet (cell centres, needs pyarrow) or .npz (numpy)"
        )
    return suffix


def write_surface(surface: Surface, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write ``surface`` by suffix: ``.tif`` (2 bands: score float32 with NaN nodata, and
    excluded uint8 0/1 with 255 outside the extent), ``.parquet`` (one row per cell of the
    extent) or ``.npz``; refuses an existing file without ``overwrite``."""
    path = Path(path)
    suffix = _suffix(path)
    meta = surface.metadata()
    if suffix in (".tif", ".tiff"):
        try:
            import rasterio
            from rasterio.transform import Affine
        except ImportError as exc:
            raise OutputError(
                f"writing {str(path)!r} needs rasterio (pip install rasterio); or write "
                ".parquet or .npz instead"
            ) from exc
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
            raise OutputError(
                f"writing {str(path)!r} needs pyarrow (pip install pyarrow); or write .npz"
            ) from exc
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
    """Read a surface written as ``.npz`` or ``.tif`` by :func:`write_surface`."""
    path = Path(path)
    suffix = _suffix(path)
    if suffix == ".parquet":
        raise InputError(
            f"{str(path)!r}: a .parquet surface is a table of cells; read it with "
            "pandas.read_parquet"
        )
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
        raise InputError(f"{str(path)!r}: not a planner surface (shape or transform mismatch)")
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


# --------------------------------------------------------------------------- PNG overlay


def _lut() -> np.ndarray:
    """256 RGB colours interpolated between :data:`COLOUR_STOPS` (index = score * 2.55)."""
    pos = np.array([p for p, _ in COLOUR_STOPS]) / 100.0
    rgb = np.array([[int(h[i : i + 2], 16) for i in (1, 3, 5)] for _, h in COLOUR_STOPS])
    t = np.linspace(0, 1, 256)
    return (
        np.stack([np.interp(t, pos, rgb[:, k]) for k in range(3)], axis=1).round().astype(np.uint8)
    )


def _png(rgba: np.ndarray, text: Mapping[str, str]) -> bytes:
    """Encode an (h, w, 4) uint8 array as PNG (zlib only, no imaging library needed)."""
    h, w, _ = rgba.shape

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = np.concatenate([np.zeros((h, 1), dtype=np.uint8), rgba.reshape(h, w * 4)], axis=1)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
    for k, v in text.items():
        out += chunk(b"tEXt", k.encode("latin-1") + b"\x00" + v.encode("latin-1", "replace"))
    out += chunk(b"IDAT", zlib.compress(raw.tobytes(), 6)) + chunk(b"IEND", b"")
    return out


def _block_reduce(surface: Surface, f: int) -> tuple[np.ndarray, np.ndarray, Grid]:
    """Mean score and majority exclusion over f x f blocks (NaN cells ignored)."""
    g = surface.grid
    if f <= 1:
        return surface.score, surface.excluded, g
    nr, nc = -(-g.nrows // f), -(-g.ncols // f)
    pad = ((0, nr * f - g.nrows), (0, nc * f - g.ncols))
    s = np.pad(surface.score, pad, constant_values=np.nan).reshape(nr, f, nc, f)
    ok = ~np.isnan(s)
    n = ok.sum(axis=(1, 3))
    total = np.where(ok, s, 0).sum(axis=(1, 3), dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / n, np.nan).astype(np.float32)
    ex = np.pad(surface.excluded, pad).reshape(nr, f, nc, f).sum(axis=(1, 3))
    excluded = ex * 2 > np.maximum(n, 1)
    return mean, excluded, Grid(g.x0, g.y0, g.cell_m * f, nr, nc)


def _mercator_y(lat: np.ndarray) -> np.ndarray:
    return np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))


def surface_overlay_png(
    surface: Surface, max_px: int = 1024, opacity: float = 0.75
) -> tuple[bytes, tuple[float, float, float, float]]:
    """A PNG of the surface for a web map, and its bounds (west, south, east, north) in degrees.

    The image is resampled to Web Mercator (what Leaflet stretches an ImageOverlay in), at
    most ``max_px`` wide or high; colours from :data:`COLOUR_STOPS`, excluded cells grey,
    cells outside the extent transparent. For folium (offline, a data URI)::

        png, (w, s, e, n) = surface_overlay_png(surface)
        folium.raster_layers.ImageOverlay(png_data_uri(png), bounds=[[s, w], [n, e]]).add_to(m)
    """
    if not 0 < opacity <= 1:
        raise InputError(f"opacity={opacity!r}: give a number in (0, 1], e.g. 0.75")
    g = surface.grid
    rows, cols = np.nonzero(surface.in_extent)
    if not len(rows):
        raise InputError("the surface has no cell inside its extent: nothing to draw")
    # bounds in degrees from the outline of the extent's bounding box of cells
    r0, r1, c0, c1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    t = np.linspace(0, 1, 129)
    ex = np.r_[c0 + (c1 - c0) * t, np.full(129, c1), c1 - (c1 - c0) * t, np.full(129, c0)]
    ey = np.r_[np.full(129, r0), r0 + (r1 - r0) * t, np.full(129, r1), r1 - (r1 - r0) * t]
    lon, lat = _crs.metric_to_lonlat(g.x0 + ex * g.cell_m, g.y0 - ey * g.cell_m)
    west, east, south, north = lon.min(), lon.max(), lat.min(), lat.max()
    my_s, my_n = _mercator_y(np.array([south, north]))
    aspect = (my_n - my_s) / np.radians(east - west)
    width = int(min(max_px, max(1, round(max_px / max(aspect, 1e-9)))))
    height = int(min(max_px, max(1, round(width * aspect))))
    # average cells down to about one per output pixel before sampling
    f = max(1, int((c1 - c0) // width), int((r1 - r0) // height))
    score, excluded, sg = _block_reduce(surface, f)
    plon = west + (np.arange(width) + 0.5) / width * (east - west)
    pmy = my_n - (np.arange(height) + 0.5) / height * (my_n - my_s)
    plat = np.degrees(2 * np.arctan(np.exp(pmy)) - np.pi / 2)
    LON, LAT = np.meshgrid(plon, plat)
    x, y = _crs.lonlat_to_metric(LON.ravel(), LAT.ravel())
    col = np.floor((x - sg.x0) / sg.cell_m).astype(np.int64)
    row = np.floor((sg.y0 - y) / sg.cell_m).astype(np.int64)
    inside = (col >= 0) & (col < sg.ncols) & (row >= 0) & (row < sg.nrows)
    val = np.full(len(x), np.nan, dtype=np.float32)
    exc = np.zeros(len(x), dtype=bool)
    val[inside] = score[row[inside], col[inside]]
    exc[inside] = excluded[row[inside], col[inside]]
    rgba = np.zeros((len(x), 4), dtype=np.uint8)
    ok = ~np.isnan(val) & ~exc
    idx = np.clip(np.round(val[ok] * 2.55), 0, 255).astype(np.int64)
    rgba[ok, :3] = _lut()[idx]
    rgba[ok, 3] = round(255 * opacity)
    rgba[~np.isnan(val) & exc] = _EXCLUDED_RGBA
    bounds = (float(west), float(south), float(east), float(north))
    text = {
        "Title": f"planner suitability surface, scenario {surface.scenario}",
        "bounds_lonlat": ",".join(f"{v:.6f}" for v in bounds),
        "as_of": surface.as_of,
    }
    return _png(rgba.reshape(height, width, 4), text), bounds


def png_data_uri(png: bytes) -> str:
    """``data:image/png;base64,...`` for an offline map."""
    import base64

    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
