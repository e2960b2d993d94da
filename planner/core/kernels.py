"""The compiled kernel of the criteria engine (numba, parallel over points).

Geometry arrives as *groups* of features packed into one table of straight segments in
the metric CRS (a point is a zero-length segment). ``seg`` rows are
``x1, y1, x2, y2, dx, dy, inv_len2, 0`` (``inv_len2`` = 1 / squared length, 0 for a point).
Consecutive segments of one feature form *boxes* of a few segments (``box_start``
offsets into ``seg``, bounding box ``box_bbox`` = minx, miny, maxx, maxy), and consecutive
boxes form *parts* (``part_box`` offsets into the boxes, ``part_bbox``, and
``part_feature``, the feature's index within its group).

A regular grid over the points (``grid`` = x0, y0, 1 / cell size, nx, ny, and the factor
applied to every output distance, e.g. 0.001 for km) lists, per group and cell, the
candidate parts (CSR ``*_start``/``*_part``, index ``cell * n_groups + g``, so one cell's
lists for every group sit together in memory):

* for the nearest-feature distance, every part whose box is not farther from the cell
  than an upper bound of the distance from anywhere in the cell to the group, sorted by
  that box distance (``near_lb``, squared), so the scan stops at the first part that
  cannot beat the best segment found: the pruning is exact;
* for point-in-polygon, every part that a rightward ray from the cell can cross.

One kernel, :func:`criteria_kernel`, does every group for a point in one pass, so the
first call compiles (or loads from the cache) once and the points are read once. It is
``@njit(parallel=True, cache=True, fastmath=False)``; callers pass C-contiguous float64 /
int64 arrays (int32 for the feature output) so one compiled signature serves every call.

:func:`radix_argsort` is the stable sort behind the rank of a score column
(:func:`planner.core.ranking.rank_scores`) for large tables.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = [
    "MODE_NEAREST",
    "MODE_INSIDE",
    "MODE_FEATURE",
    "RADIX_BITS",
    "criteria_kernel",
    "radix_argsort",
]

#: group mode bits: nearest-feature distance; point-in-polygon (with the first: distance 0
#: inside); also return which feature is nearest
MODE_NEAREST = 1
MODE_INSIDE = 2
MODE_FEATURE = 4


@njit(inline="always", cache=True)
def _box_dist2(x, y, bbox, b):  # pragma: no cover - compiled
    dx = 0.0
    if x < bbox[b, 0]:
        dx = bbox[b, 0] - x
    elif x > bbox[b, 2]:
        dx = x - bbox[b, 2]
    dy = 0.0
    if y < bbox[b, 1]:
        dy = bbox[b, 1] - y
    elif y > bbox[b, 3]:
        dy = y - bbox[b, 3]
    return dx * dx + dy * dy


@njit(inline="always", cache=True)
def _part_dist2(x, y, best, seg, box_start, box_bbox, b0, b1):  # pragma: no cover - compiled
    """min(best, squared distance to the part's segments), skipping boxes beyond best."""
    for b in range(b0, b1):
        if _box_dist2(x, y, box_bbox, b) >= best:
            continue
        for s in range(box_start[b], box_start[b + 1]):
            x1 = seg[s, 0]
            y1 = seg[s, 1]
            dx = seg[s, 4]
            dy = seg[s, 5]
            t = ((x - x1) * dx + (y - y1) * dy) * seg[s, 6]
            t = min(max(t, 0.0), 1.0)
            qx = x1 + t * dx - x
            qy = y1 + t * dy - y
            d2 = qx * qx + qy * qy
            if d2 < best:
                best = d2
    return best


@njit(cache=True)
def _part_crossings(x, y, seg, box_start, box_bbox, b0, b1):  # pragma: no cover - compiled
    """Crossings of the rightward ray from (x, y) with the part's segments."""
    crossings = 0
    for b in range(b0, b1):
        if y < box_bbox[b, 1] or y >= box_bbox[b, 3] or x >= box_bbox[b, 2]:
            continue
        for s in range(box_start[b], box_start[b + 1]):
            y1 = seg[s, 1]
            y2 = seg[s, 3]
            if (y1 > y) != (y2 > y):
                x1 = seg[s, 0]
                if x < x1 + (y - y1) * (seg[s, 2] - x1) / (y2 - y1):
                    crossings += 1
    return crossings


@njit(parallel=True, cache=True, fastmath=False)
def criteria_kernel(
    px, py, seg, box_start, box_bbox, part_box, part_bbox, part_feature,
    group_mode, group_word, group_row, grid,
    near_start, near_part, near_lb, pip_start, pip_part,
    out_dist, out_feature, out_words,
):  # pragma: no cover - compiled
    """Nearest-feature distance and polygon membership of every point for every group.

    For group ``g`` with the nearest bit: ``out_dist[group_row[g, 0], i]`` is the distance
    from point ``i`` to the nearest segment (times ``grid[5]``) and, with the feature bit,
    ``out_feature[group_row[g, 1], i]`` that feature's index (``inf`` and -1 for an empty
    group; 0 and -1 inside a polygon when the group also has the inside bit). With the
    inside bit, bit ``k % 64`` of ``out_words[i, group_word[g] + k // 64]`` is set when the
    point is inside polygon ``k`` (even-odd rule over all rings; ``out_words`` must be
    zeroed; a point exactly on a boundary may fall either way).
    """
    n = px.shape[0]
    n_groups = group_mode.shape[0]
    gx0 = grid[0]
    gy0 = grid[1]
    inv_cell = grid[2]
    nx = int(grid[3])
    ny = int(grid[4])
    scale = grid[5]
    one = np.uint64(1)
    for i in prange(n):
        x = px[i]
        y = py[i]
        cx = min(max(int((x - gx0) * inv_cell), 0), nx - 1)
        cy = min(max(int((y - gy0) * inv_cell), 0), ny - 1)
        cell = cy * nx + cx
        for g in range(n_groups):
            mode = group_mode[g]
            slot = cell * n_groups + g
            inside = False
            if mode & 2:
                w0 = group_word[g]
                for kk in range(pip_start[slot], pip_start[slot + 1]):
                    p = pip_part[kk]
                    # a rightward ray can only cross edges spanning y and reaching past x
                    if y < part_bbox[p, 1] or y >= part_bbox[p, 3] or x >= part_bbox[p, 2]:
                        continue
                    b0 = part_box[p]
                    b1 = part_box[p + 1]
                    if _part_crossings(x, y, seg, box_start, box_bbox, b0, b1) & 1:
                        k = part_feature[p]
                        out_words[i, w0 + (k >> 6)] ^= one << np.uint64(k & 63)
                if mode & 1:
                    for w in range(w0, group_word[g + 1]):
                        if out_words[i, w] != 0:
                            inside = True
            if mode & 1:
                row = group_row[g, 0]
                frow = group_row[g, 1]
                if inside:
                    out_dist[row, i] = 0.0
                    if frow >= 0:
                        out_feature[frow, i] = -1
                    continue
                best = np.inf
                best_f = -1
                for kk in range(near_start[slot], near_start[slot + 1]):
                    # near_lb bounds every point of the cell and ascends: nothing after helps
                    if near_lb[kk] >= best:
                        break
                    p = near_part[kk]
                    d2 = _box_dist2(x, y, part_bbox, p)
                    if d2 >= best:
                        continue
                    # a part that is one point: its box distance is the distance
                    if part_bbox[p, 0] != part_bbox[p, 2] or part_bbox[p, 1] != part_bbox[p, 3]:
                        b0 = part_box[p]
                        b1 = part_box[p + 1]
                        d2 = _part_dist2(x, y, best, seg, box_start, box_bbox, b0, b1)
                    if d2 < best:
                        best = d2
                        best_f = part_feature[p]
                out_dist[row, i] = np.sqrt(best) * scale
                if frow >= 0:
                    out_feature[frow, i] = best_f


#: bits per digit of :func:`radix_argsort` (2**11 counters per pass stay in L1)
RADIX_BITS = 11


@njit(cache=True)
def radix_argsort(keys):  # pragma: no cover - compiled
    """Stable argsort of uint64 keys: LSD radix sort, 11-bit digits (counts stay in L1).

    Returns the order and the keys in that order.
    """
    n = keys.size
    nb = 1 << RADIX_BITS
    passes = (64 + RADIX_BITS - 1) // RADIX_BITS
    mask = np.uint64(nb - 1)
    counts = np.zeros((passes, nb), dtype=np.int64)
    for i in range(n):
        k = keys[i]
        for p in range(passes):
            counts[p, (k >> np.uint64(RADIX_BITS * p)) & mask] += 1
    idx = np.arange(n)
    kk = keys.copy()
    idx2 = np.empty(n, dtype=np.int64)
    kk2 = np.empty(n, dtype=np.uint64)
    for p in range(passes):
        c = counts[p]
        same = False  # every key has the same digit here: nothing to move
        for b in range(nb):
            if c[b] != 0:
                same = c[b] == n
                break
        if same:
            continue
        shift = np.uint64(RADIX_BITS * p)
        total = 0
        for b in range(nb):
            t = c[b]
            c[b] = total
            total += t
        for i in range(n):
            k = kk[i]
            b = (k >> shift) & mask
            d = c[b]
            c[b] = d + 1
            kk2[d] = k
            idx2[d] = idx[i]
        kk, kk2 = kk2, kk
        idx, idx2 = idx2, idx
    return idx, kk
