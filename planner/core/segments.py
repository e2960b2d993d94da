"""Features as metric segments, and the grid that feeds the criteria kernel.

:class:`SegmentSet` holds features (points, lines, polygons) as straight segments in
EPSG:32643 metres, in boxes of a few segments, in parts; several sets are packed into the
flat layout of :func:`planner.core.kernels.criteria_kernel` (:class:`Pack`), and
:func:`evaluate` runs the kernel on metric points through a grid of candidate parts per
cell (nearest-distance candidates sorted by a lower bound, so the pruning is exact;
point-in-polygon candidates by a rightward ray). :mod:`planner.core.criteria` builds its
prepared layers from these sets; :mod:`planner.core.surface` rasterises them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numba
import numpy as np
import shapely

from planner.core import kernels as _kernels
from planner.core.kernels import MODE_FEATURE, MODE_INSIDE, MODE_NEAREST

__all__ = ["Pack", "SegmentSet", "evaluate"]

#: segments per part (the grid lists parts) and per box (the kernel skips far boxes)
_PART_SIZE = 16
_BOX_SIZE = 4
#: the kernel's grid: about this many points per cell, at most this many cells
_POINTS_PER_CELL = 48
_MAX_CELLS = 40_000
#: cap on cells x parts handled at once while building the grid (bounds temporary memory)
_GRID_BLOCK = 2_000_000
#: points per work item of the kernel's threads: small enough to rebalance when another
#: process takes a core away, large enough to cost nothing
_CHUNK = 4096


# --------------------------------------------------------------------------- geometry sets


@dataclass(frozen=True)
class SegmentSet:
    """Features as straight metric segments, in boxes of a few segments, in parts.

    ``seg`` (m, 4) holds ``x1, y1, x2, y2`` in metres (a point is a zero-length segment).
    Box ``b`` is ``seg[box_start[b]:box_start[b + 1]]`` inside ``box_bbox[b]`` (minx,
    miny, maxx, maxy); part ``p`` is boxes ``part_box[p]:part_box[p + 1]`` inside
    ``part_bbox[p]`` and belongs to feature ``part_feature[p]`` (id
    ``ids[part_feature[p]]``). Arrays only, so it pickles small.
    """

    seg: np.ndarray
    box_start: np.ndarray
    box_bbox: np.ndarray
    part_box: np.ndarray
    part_bbox: np.ndarray
    part_feature: np.ndarray
    ids: np.ndarray

    @property
    def n_features(self) -> int:
        return len(self.ids)

    @property
    def n_parts(self) -> int:
        return len(self.part_bbox)

    @classmethod
    def from_geometries(
        cls,
        geoms: Sequence,
        ids: Sequence[str],
        part_size: int = _PART_SIZE,
        box_size: int = _BOX_SIZE,
    ) -> SegmentSet:
        """Build from metric shapely geometries (points, lines, polygons; any mix).

        Polygons contribute every ring, so one set serves both the boundary distance and
        the point-in-polygon test. ``ids`` names the features, in ``geoms`` order.
        """
        pieces: list[np.ndarray] = []
        box_sizes: list[int] = []
        part_boxes: list[int] = []
        feats: list[int] = []
        for k, geom in enumerate(geoms):
            for coords in _linear_parts(geom):
                pair = [coords, coords] if len(coords) == 1 else [coords[:-1], coords[1:]]
                segs = np.hstack(pair)
                pieces.append(segs)
                for j in range(0, len(segs), part_size):
                    end = min(j + part_size, len(segs))
                    sizes = [min(box_size, end - i) for i in range(j, end, box_size)]
                    box_sizes += sizes
                    part_boxes.append(len(sizes))
                    feats.append(k)
        seg = np.ascontiguousarray(np.vstack(pieces) if pieces else np.empty((0, 4)), dtype="f8")
        box_start = np.concatenate([[0], np.cumsum(box_sizes, dtype="i8")]).astype("i8")
        part_box = np.concatenate([[0], np.cumsum(part_boxes, dtype="i8")]).astype("i8")
        return cls(
            seg=seg,
            box_start=box_start,
            box_bbox=_bboxes(seg, box_start),
            part_box=part_box,
            part_bbox=_bboxes(seg, box_start[part_box]),
            part_feature=np.array(feats, dtype="i8"),
            ids=np.array([str(i) for i in ids], dtype=object),
        )

    @classmethod
    def from_point(cls, xy: tuple[float, float], fid: str) -> SegmentSet:
        """One metric point ``(x, y)`` as a set."""
        return cls.from_geometries([shapely.Point(xy)], [fid])

    def nearest(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Metres from metric ``x``/``y`` to the nearest feature (a polygon's boundary) and
        that feature's index; an empty set gives ``inf`` and -1."""
        dist, feat, _ = evaluate(Pack.build([(self, MODE_NEAREST | MODE_FEATURE)]), x, y)
        return dist[0], feat[0]

    def contains(self, x, y) -> np.ndarray:
        """Membership bits ``uint64`` (n, ceil(n_features / 64)): polygon ``k`` is bit ``k``."""
        return evaluate(Pack.build([(self, MODE_INSIDE)]), x, y)[2]

    def polygon_distance(self, x, y) -> np.ndarray:
        """Metres to the nearest polygon of the set, 0 inside any of them."""
        return evaluate(Pack.build([(self, MODE_NEAREST | MODE_INSIDE)]), x, y)[0][0]


def _linear_parts(geom) -> Iterable[np.ndarray]:
    """Coordinate arrays (k, 2) of every point, line and ring of ``geom``."""
    if geom is None or geom.is_empty:
        return
    gtype = geom.geom_type
    if gtype in ("Point", "LineString", "LinearRing"):
        yield shapely.get_coordinates(geom)
    elif gtype == "Polygon":
        for ring in shapely.get_rings(geom):
            yield shapely.get_coordinates(ring)
    else:  # Multi* and GeometryCollection
        for part in shapely.get_parts(geom):
            yield from _linear_parts(part)


def _bboxes(seg: np.ndarray, start: np.ndarray) -> np.ndarray:
    """(minx, miny, maxx, maxy) of the segment runs ``seg[start[i]:start[i + 1]]``."""
    if len(start) < 2:
        return np.empty((0, 4), dtype="f8")
    at = start[:-1]
    cols = [
        np.minimum.reduceat(np.minimum(seg[:, 0], seg[:, 2]), at),
        np.minimum.reduceat(np.minimum(seg[:, 1], seg[:, 3]), at),
        np.maximum.reduceat(np.maximum(seg[:, 0], seg[:, 2]), at),
        np.maximum.reduceat(np.maximum(seg[:, 1], seg[:, 3]), at),
    ]
    return np.ascontiguousarray(np.column_stack(cols), dtype="f8")


@dataclass(frozen=True)
class Pack:
    """Several :class:`SegmentSet` groups in the flat layout of the kernel."""

    seg: np.ndarray  # (m, 8): x1, y1, x2, y2, dx, dy, inv_len2, 0
    box_start: np.ndarray
    box_bbox: np.ndarray
    part_box: np.ndarray
    part_bbox: np.ndarray
    part_feature: np.ndarray
    anchor: np.ndarray  # (P, 2): a vertex of each part, bounds the distance from a cell
    group_mode: np.ndarray
    group_part: np.ndarray  # (G + 1,) part offsets
    group_word: np.ndarray  # (G + 1,) offsets into the membership words
    group_row: np.ndarray  # (G, 2) output rows of the distance and the feature, or -1

    @classmethod
    def build(cls, groups: Sequence[tuple[SegmentSet, int]]) -> Pack:
        segs, box_bbox, part_bbox, feats = [], [], [], []
        box_starts, part_boxes = [np.zeros(1, "i8")], [np.zeros(1, "i8")]
        group_part, group_word, group_row = [0], [0], []
        n_seg = n_box = rows = frows = 0
        for s, mode in groups:
            segs.append(s.seg)
            box_starts.append(s.box_start[1:] + n_seg)
            box_bbox.append(s.box_bbox)
            part_boxes.append(s.part_box[1:] + n_box)
            part_bbox.append(s.part_bbox)
            feats.append(s.part_feature)
            n_seg += len(s.seg)
            n_box += len(s.box_bbox)
            group_part.append(group_part[-1] + s.n_parts)
            words = -(-s.n_features // 64) if mode & MODE_INSIDE else 0
            group_word.append(group_word[-1] + words)
            near, feature = bool(mode & MODE_NEAREST), bool(mode & MODE_FEATURE)
            group_row.append((rows if near else -1, frows if near and feature else -1))
            rows += near
            frows += near and feature
        xy = np.vstack([np.empty((0, 4)), *segs])
        d = xy[:, 2:4] - xy[:, 0:2]
        len2 = (d * d).sum(axis=1)
        inv = np.divide(1.0, len2, out=np.zeros_like(len2), where=len2 > 0)
        seg = np.ascontiguousarray(np.column_stack([xy, d, inv, np.zeros_like(inv)]), dtype="f8")
        box_start = np.concatenate(box_starts).astype("i8")
        part_box = np.concatenate(part_boxes).astype("i8")
        part_seg = box_start[part_box]
        return cls(
            seg=seg,
            box_start=box_start,
            box_bbox=np.ascontiguousarray(np.vstack([np.empty((0, 4)), *box_bbox])),
            part_box=part_box,
            part_bbox=np.ascontiguousarray(np.vstack([np.empty((0, 4)), *part_bbox])),
            part_feature=np.concatenate([np.empty(0, "i8"), *feats]).astype("i8"),
            anchor=np.ascontiguousarray(seg[(part_seg[:-1] + part_seg[1:]) // 2, 0:2]),
            group_mode=np.array([m for _, m in groups], dtype="i8"),
            group_part=np.asarray(group_part, dtype="i8"),
            group_word=np.asarray(group_word, dtype="i8"),
            group_row=np.asarray(group_row, dtype="i8").reshape(-1, 2),
        )

    @property
    def n_rows(self) -> int:
        return int((self.group_row[:, 0] >= 0).sum())

    @property
    def n_feature_rows(self) -> int:
        return int((self.group_row[:, 1] >= 0).sum())

    @property
    def n_words(self) -> int:
        return int(self.group_word[-1])


# --------------------------------------------------------------------------- the grid


def _grid(pack: Pack, x: np.ndarray, y: np.ndarray, scale: float = 1.0):
    """A grid over the points with every group's candidate parts per cell (see _kernels).

    Returns ``grid``, the nearest-distance candidates as CSR (``start``, ``part``, and the
    squared distance from the cell to each part's box, ascending within a cell), and the
    point-in-polygon candidates as CSR (``start``, ``part``).
    """
    n = len(x)
    x0, y0 = float(x.min()), float(y.min())
    w, h = float(x.max()) - x0, float(y.max()) - y0
    target = min(max(n // _POINTS_PER_CELL, 1), _MAX_CELLS)
    cell = max(math.sqrt(w * h / target), w / target, h / target, 1.0)
    nx, ny = int(w // cell) + 1, int(h // cell) + 1
    # pad the cell boxes so rounding of the kernel's cell index cannot put a point outside
    pad = 1e-6 * cell + 1e-3
    cx0 = x0 + np.arange(nx) * cell - pad
    cy0 = y0 + np.arange(ny) * cell - pad
    edges = (cx0, cx0 + cell + 2 * pad, cy0, cy0 + cell + 2 * pad)
    near, pip = [], []
    for g, mode in enumerate(pack.group_mode):
        pa, pb = int(pack.group_part[g]), int(pack.group_part[g + 1])
        near.append(_near_candidates(pack, pa, pb, edges) if mode & MODE_NEAREST else None)
        pip.append(_pip_candidates(pack, pa, pb, edges) if mode & MODE_INSIDE else None)
    grid = np.array([x0, y0, 1.0 / cell, nx, ny, scale], dtype="f8")
    near_start, near_part, near_lb = _csr(near, nx * ny)
    pip_start, pip_part, _ = _csr(pip, nx * ny)
    return grid, near_start, near_part, near_lb, pip_start, pip_part


def _blocks(ny: int, nx: int, n_parts: int) -> Iterable[tuple[int, int]]:
    step = max(1, _GRID_BLOCK // max(1, nx * n_parts))
    for r0 in range(0, ny, step):
        yield r0, min(ny, r0 + step)


def _near_candidates(pack: Pack, pa: int, pb: int, edges):
    """(cell, part, cell-to-box distance squared) for every part that may hold the nearest
    segment of some point of the cell, sorted by cell, then distance."""
    cminx, cmaxx, cminy, cmaxy = edges
    nx, n_parts = len(cminx), pb - pa
    if n_parts == 0:
        return None
    bb = pack.part_bbox[pa:pb]
    an = pack.anchor[pa:pb]
    dx = np.maximum(np.maximum(bb[:, 0] - cmaxx[:, None], cminx[:, None] - bb[:, 2]), 0)
    dy = np.maximum(np.maximum(bb[:, 1] - cmaxy[:, None], cminy[:, None] - bb[:, 3]), 0)
    # no point of the cell is farther from the group than from any part's anchor vertex,
    # and an anchor is no farther from the cell than the cell's farthest corner
    ux = np.maximum(np.abs(an[:, 0] - cminx[:, None]), np.abs(an[:, 0] - cmaxx[:, None]))
    uy = np.maximum(np.abs(an[:, 1] - cminy[:, None]), np.abs(an[:, 1] - cmaxy[:, None]))
    dx2, dy2, ux2, uy2 = dx * dx, dy * dy, ux * ux, uy * uy
    cells, parts, lbs = [], [], []
    for r0, r1 in _blocks(len(cminy), nx, n_parts):
        ub = (uy2[r0:r1, None, :] + ux2[None, :, :]).min(axis=2)
        lb = (dy2[r0:r1, None, :] + dx2[None, :, :]).reshape((r1 - r0) * nx, n_parts)
        c, p = np.nonzero(lb <= ub.reshape(-1, 1))
        lbs.append(lb[c, p])
        cells.append(c + r0 * nx)
        parts.append(p + pa)
    cell_a, part_a, lb_a = np.concatenate(cells), np.concatenate(parts), np.concatenate(lbs)
    order = np.lexsort((lb_a, cell_a))
    return cell_a[order], part_a[order], lb_a[order]


def _pip_candidates(pack: Pack, pa: int, pb: int, edges):
    """(cell, part) for every part a rightward ray from a point of the cell may cross."""
    cminx, _, cminy, cmaxy = edges
    nx, n_parts = len(cminx), pb - pa
    if n_parts == 0:
        return None
    bb = pack.part_bbox[pa:pb]
    spans_y = (bb[:, 1] <= cmaxy[:, None]) & (bb[:, 3] >= cminy[:, None])
    right = bb[:, 2] > cminx[:, None]
    cells, parts = [], []
    for r0, r1 in _blocks(len(cminy), nx, n_parts):
        hit = (spans_y[r0:r1, None, :] & right[None, :, :]).reshape((r1 - r0) * nx, n_parts)
        c, p = np.nonzero(hit)
        cells.append(c + r0 * nx)
        parts.append(p + pa)
    cell_a = np.concatenate(cells)
    return cell_a, np.concatenate(parts), np.zeros(len(cell_a))


def _csr(per_group: list, ncell: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-group (cell, part, value) lists as CSR indexed by ``cell * n_groups + g``.

    Cell-major, so the candidates of every group for one cell sit together in memory.
    Within a (cell, group) the input order (ascending value) is kept.
    """
    n_groups = len(per_group)
    keys, parts, values = [np.empty(0, "i8")], [np.empty(0, "i8")], [np.empty(0, "f8")]
    for g, cand in enumerate(per_group):
        if cand is None:
            continue
        cells, prt, val = cand
        keys.append(cells * n_groups + g)
        parts.append(prt)
        values.append(val)
    key = np.concatenate(keys)
    order = np.argsort(key, kind="stable")
    start = np.zeros(ncell * n_groups + 1, dtype="i8")
    np.cumsum(np.bincount(key, minlength=ncell * n_groups), out=start[1:])
    return (
        start,
        np.ascontiguousarray(np.concatenate(parts)[order], dtype="i8"),
        np.ascontiguousarray(np.concatenate(values)[order], dtype="f8"),
    )


def evaluate(
    pack: Pack, x, y, scale: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run the kernel: distances (rows, n) in metres times ``scale``, feature indices,
    membership words."""
    x = np.ascontiguousarray(x, dtype="f8")
    y = np.ascontiguousarray(y, dtype="f8")
    n = len(x)
    dist = np.empty((pack.n_rows, n), dtype="f8")
    feat = np.empty((pack.n_feature_rows, n), dtype="i4")
    words = np.zeros((n, max(pack.n_words, 1)), dtype=np.uint64)
    if n == 0:
        return dist, feat, words
    grid, near_start, near_part, near_lb, pip_start, pip_part = _grid(pack, x, y, scale)
    with numba.parallel_chunksize(_CHUNK):
        _kernels.criteria_kernel(
            x, y, pack.seg, pack.box_start, pack.box_bbox, pack.part_box, pack.part_bbox,
            pack.part_feature, pack.group_mode, pack.group_word, pack.group_row, grid,
            near_start, near_part, near_lb, pip_start, pip_part, dist, feat, words,
        )
    return dist, feat, words
