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

Files: GeoTIFF (``.tif``, needs ``rasterio``), a Parquet table of cell centres
(``.parquet``, needs ``pyarrow``) or ``.npz`` (numpy only), written and read by
:mod:`planner.jobs.surface`. Pictures of a surface (the PNG overlay for web maps) are
drawn by :mod:`planner.render.surface_image`.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from planner import crs as _crs
from planner.config.defaults import MAX_SURFACE_CELLS
from planner.config.scenarios import (
    CRITERIA,
    DEFAULT_SCENARIO,
    ZONE_STATUSES,
    Scenario,
    load_scenario,
)
from planner.core.layerset import STATUS_RANK, LayerSet
from planner.core.prepared import Prepared
from planner.core.scoring import score_table
from planner.core.segments import SegmentSet
from planner.errors import InputError
from planner.i18n import format_number, message_lang, tr

__all__ = [
    "MAX_SURFACE_CELLS",
    "Grid",
    "Surface",
    "compute_surface",
    "surface_grid",
]

log = logging.getLogger(__name__)

#: points of a group above which a distance is computed by EDT instead of exactly
_MAX_EXACT_POINTS = 64
#: rows of cells scored at once (bounds the temporaries of score_table)
_BLOCK_CELLS = 2_000_000
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


def _constraints(arrays):
    """The constraint polygons and a per-feature flag: True for region polygons (a site
    outside all of them is excluded), False for exclusions (park, water)."""
    return arrays.constraints, np.asarray(arrays.constraint_region, dtype=bool)


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


def _extent(extent: str, prepared: Prepared, cell_m: float):
    """(grid, mask function) for an extent spec; the mask is computed on the grid."""
    layers = prepared.layers
    spec = str(extent).strip()
    if spec == "region":
        cons, is_region = _constraints(prepared.arrays)
        segs = _selected_segments(cons, is_region)
        if not len(segs):
            raise InputError(tr("err.surface.no_region"))
        grid = Grid.covering(_seg_bounds(segs), cell_m)
        return grid, lambda g: _fill(g, cons, is_region)
    if spec.startswith("bbox:"):
        try:
            w, s, e, n = (float(v) for v in spec[5:].split(","))
        except ValueError as exc:
            raise InputError(tr("err.surface.bbox_numbers", spec=spec)) from exc
        if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
            raise InputError(tr("err.surface.bbox_order", spec=spec))
        t = np.linspace(0, 1, 65)
        lon = np.r_[w + (e - w) * t, np.full(65, e), e - (e - w) * t, np.full(65, w)]
        lat = np.r_[np.full(65, s), s + (n - s) * t, np.full(65, n), n - (n - s) * t]
        x, y = _crs.lonlat_to_metric(lon, lat)
        grid = Grid.covering((x.min(), y.min(), x.max(), y.max()), cell_m)
        return grid, lambda g: np.ones(g.shape, dtype=bool)
    m = _EXTENT_RE.match(spec)
    if not m:
        raise InputError(tr("err.surface.extent_unknown", spec=spec))
    target, km = m.group(1), float(m.group(2))
    geom = (
        layers.kind("bakad", "ring_road", metric=True).geometry.union_all()
        if target == "bakad"
        else _find_feature(layers, target)
    )
    if geom is None or geom.is_empty:
        raise InputError(tr("err.surface.extent_feature", spec=spec, target=target))
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
    ``zone_rank``/``sez_rank`` int8 status ranks (:data:`planner.core.layerset.STATUS_RANK`),
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


def _distance_grids(grid: Grid, arrays, needed: set[str]) -> dict[str, np.ndarray]:
    """The km grids of the distance criteria in ``needed``."""
    groups = {
        "dist_bakad_km": (arrays.bakad, False),
        "dist_interchange_km": (arrays.interchange, False),
        "dist_gate_city_km": (arrays.gate_city, True),
        "dist_zone_km": (arrays.zones_operating, True),
        "dist_rail_km": (arrays.rail, False),
        "dist_airport_km": (arrays.airport, False),
        "dist_highway_km": (arrays.highway, False),
        "dist_khorgos_km": (arrays.khorgos, False),
        "dist_housing_km": (arrays.housing, True),
    }
    centres = {"dist_almaty_km": arrays.almaty_centre_xy, "dist_konaev_km": arrays.konaev_centre_xy}
    grids: dict[str, np.ndarray] = {}
    for col in sorted(needed):
        t = time.perf_counter()
        if col in groups:
            segset, polygons = groups[col]
            grids[col] = _distance_km(grid, segset, polygons)
        elif col in centres:
            cx, cy = centres[col]
            grids[col] = _point_distance_km(grid, np.array([cx]), np.array([cy]))
        log.debug("surface: %s in %.1f s", col, time.perf_counter() - t)
    return grids


def _score_grid(grid: Grid, mask, sc: Scenario, columns: dict[str, np.ndarray | None]):
    """Score the cells of ``mask`` block by block with :func:`score_table` (float32, NaN
    outside the mask). ``columns`` are grids by criteria column; ``zone_status`` and
    ``sez_status`` hold status ranks."""
    score = np.full(grid.shape, np.nan, dtype=np.float32)
    step = max(1, _BLOCK_CELLS // grid.ncols)
    for r in range(0, grid.nrows, step):
        rs = slice(r, min(r + step, grid.nrows))
        m = mask[rs]
        if not m.any():
            continue
        data: dict[str, object] = {}
        for col, values in columns.items():
            if values is None:
                continue
            cells = values[rs][m]
            data[col] = _status_categorical(cells) if col.endswith("_status") else cells
        table = score_table(pd.DataFrame(data), sc)
        block = score[rs]
        block[m] = table["score"].to_numpy(dtype=np.float32)
        score[rs] = block
    return score


def _check_grid(grid: Grid, extent: str, cell_m: float, max_cells: int) -> None:
    if grid.size > max_cells:
        bigger = cell_m * math.ceil(math.sqrt(grid.size / max_cells))
        lang = message_lang()

        def count(v: int) -> str:
            return format_number(v, lang, 0, grouping=True)

        raise InputError(tr("err.surface.too_many_cells", extent=extent,
                            cell=format_number(cell_m, lang, significant=6),
                            rows=count(grid.nrows), cols=count(grid.ncols),
                            cells=count(grid.size), limit=count(max_cells),
                            bigger=format_number(bigger, lang, significant=6)))


def compute_surface(
    prepared: Prepared,
    scenario: Scenario | str | Path = DEFAULT_SCENARIO,
    cell_m: float = 100.0,
    extent: str = "region",
    *,
    keep_criteria: bool = False,
    max_cells: int = MAX_SURFACE_CELLS,
) -> Surface:
    """Score every cell of a grid over ``extent`` (see the module docstring for the method).

    Parameters
    ----------
    prepared
        The layers resolved for the date (:class:`planner.core.prepared.Prepared`).
    scenario
        Built-in name, TOML path or :class:`~planner.config.scenarios.Scenario`.
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
    if not (isinstance(cell_m, int | float) and math.isfinite(cell_m) and cell_m > 0):
        raise InputError(tr("err.surface.cell_m", value=cell_m))
    t0 = time.perf_counter()
    sc = load_scenario(scenario)
    from planner.core.aggregation import require_chunkable

    require_chunkable(sc, "surface")
    arrays = prepared.arrays
    grid, mask_fn = _extent(extent, prepared, float(cell_m))
    _check_grid(grid, extent, cell_m, max_cells)
    log.info("surface: %d x %d cells of %g m over %s", grid.nrows, grid.ncols, cell_m, extent)
    mask = mask_fn(grid)

    needed = {CRITERIA[k] for k in sc.criteria}
    timed = sorted(k for k in sc.criteria if CRITERIA[k].endswith("_min"))
    if timed:
        raise InputError(
            tr("err.surface.travel_scenario", scenario=sc.name, criteria=", ".join(timed))
        )
    grids = _distance_grids(grid, arrays, needed)
    zone_rank = sez_rank = None
    if "zone_status" in needed:
        zone_rank, sez_rank = _zone_grids(grid, arrays)
    in_almaty = _fill(grid, arrays.almaty) if "dist_almaty_km" in needed else None
    cons, is_region = _constraints(arrays)
    excluded = _fill(grid, cons, ~is_region) | ~_fill(grid, cons, is_region)
    columns = {**grids, "zone_status": zone_rank, "sez_status": sez_rank,
               "in_almaty": in_almaty, "excluded": excluded}  # fmt: skip
    score = _score_grid(grid, mask, sc, columns)
    log.info("surface: %d cells scored in %.1f s", int(mask.sum()), time.perf_counter() - t0)
    return Surface(
        grid=grid,
        score=score,
        excluded=excluded & mask,
        scenario=sc.name,
        scenario_hash=sc.hash,
        as_of=prepared.as_of.isoformat(),
        extent=str(extent),
        criteria=_kept(grids, zone_rank, sez_rank, in_almaty) if keep_criteria else {},
    )


def surface_grid(prepared: Prepared, cell_m: float = 100.0, extent: str = "region") -> Grid:
    """The grid :func:`compute_surface` would use (to check its size before computing)."""
    return _extent(extent, prepared, float(cell_m))[0]


def _kept(grids, zone_rank, sez_rank, in_almaty) -> dict[str, np.ndarray]:
    kept = dict(grids)
    if zone_rank is not None:
        kept["zone_rank"], kept["sez_rank"] = zone_rank, sez_rank
    if in_almaty is not None:
        kept["in_almaty"] = in_almaty
    return kept
