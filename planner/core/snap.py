"""Joining points to a road network: the nearest segment a site may join, exactly.

:class:`SnapIndex` samples every joinable segment of a
:class:`~planner.core.network.RoadNetwork` (never a motorway) and keeps the samples in a
grid of cells, and for sites far from every road in a KD-tree (scipy.spatial.cKDTree);
a query measures the segments of the nearest samples exactly (compiled kernels) and proves
that no nearer segment was missed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numba
import numpy as np
from scipy.spatial import cKDTree

__all__ = ["Snap", "SnapIndex"]

#: candidates per site in the first KD-tree query, then more for sites left unproven
_SNAP_K = (12, 48, 192)
#: networks with at most this many joinable segments settle far points by measuring every
#: segment (exact; a coarse network's long roads defeat the KD-tree's proof and each far
#: point would need its own radius search)
BRUTE_MAX_SEGMENTS = 4096
#: candidate cells per chunk of the brute-force stage (bounds its memory)
_BRUTE_CHUNK_CELLS = 4_000_000


@dataclass(frozen=True)
class Snap:
    """Where points join the network: segment id (-1: none), position 0-1 along it from
    ``seg_u`` to ``seg_v``, and the straight distance in metres."""

    seg: np.ndarray
    t: np.ndarray
    dist_m: np.ndarray


@numba.njit(cache=True, inline="always")
def _to_segment(x, y, ax, ay, dx, dy):  # pragma: no cover - compiled
    """Squared distance from (x, y) to the segment from (ax, ay) along (dx, dy), and the
    position 0-1 of its nearest point."""
    l2 = dx * dx + dy * dy
    t = 0.0
    if l2 > 0.0:
        t = ((x - ax) * dx + (y - ay) * dy) / l2
        t = min(max(t, 0.0), 1.0)
    qx = ax + t * dx - x
    qy = ay + t * dy - y
    return qx * qx + qy * qy, t


@numba.njit(parallel=True, cache=True)
def _refine(px, py, cand, segxy, out_seg, out_t, out_d2, rows):  # pragma: no cover - compiled
    """Exact nearest of each row's candidate segments (ties: the smaller segment id)."""
    k_n = cand.shape[1]
    for j in numba.prange(len(rows)):
        i = rows[j]
        best = np.inf
        bs = -1
        bt = 0.0
        x, y = px[i], py[i]
        for k in range(k_n):
            s = cand[j, k]
            if s < 0:
                continue
            ax, ay = segxy[s, 0], segxy[s, 1]
            d2, t = _to_segment(x, y, ax, ay, segxy[s, 2] - ax, segxy[s, 3] - ay)
            if d2 < best or (d2 == best and s < bs):
                best, bs, bt = d2, s, t
        out_seg[i] = bs
        out_t[i] = bt
        out_d2[i] = best


@numba.njit(cache=True, inline="always")
def _cell_best(x, y, key, keys, start, cell_xy, cell_seg, best, bs, bt):  # pragma: no cover
    """Nearest of the segments sampled in one cell (their ends stored in cell order)."""
    pos = np.searchsorted(keys, key)
    if pos >= len(keys) or keys[pos] != key:
        return best, bs, bt
    for j in range(start[pos], start[pos + 1]):
        d2, t = _to_segment(x, y, cell_xy[j, 0], cell_xy[j, 1], cell_xy[j, 2], cell_xy[j, 3])
        s = cell_seg[j]
        if d2 < best or (d2 == best and s < bs):
            best, bs, bt = d2, s, t
    return best, bs, bt


@numba.njit(parallel=True, cache=True)
def _grid_pass(px, py, grid, keys, start, cell_xy, cell_seg, max_ring, half_gap, out_seg,
               out_t, out_d2, done):  # pragma: no cover - compiled
    """Ring search: the segments sampled in the point's cell, then ring after ring of cells
    around it, until the best is nearer than any unvisited sample can make a segment
    (``ring * cell - half_gap``); ``done`` where that happened within ``max_ring``."""
    x0, y0, inv_c, ny = grid[0], grid[1], grid[2], np.int64(grid[3])
    cell = 1.0 / inv_c
    for i in numba.prange(len(px)):
        x, y = px[i], py[i]
        cx = np.int64(np.floor((x - x0) * inv_c))
        cy = np.int64(np.floor((y - y0) * inv_c))
        best = np.inf
        bs = np.int64(-1)
        bt = 0.0
        proven = False
        for r in range(max_ring + 1):
            for gx in range(cx - r, cx + r + 1):
                edge = gx == cx - r or gx == cx + r
                step = 1 if edge else 2 * r
                gy = cy - r
                while gy <= cy + r:
                    if gx >= 0 and 0 <= gy < ny:
                        best, bs, bt = _cell_best(x, y, gx * ny + gy, keys, start, cell_xy,
                                                  cell_seg, best, bs, bt)  # fmt: skip
                    gy += step
            if bs >= 0 and np.sqrt(best) <= r * cell - half_gap:
                proven = True
                break
        out_seg[i] = bs
        out_t[i] = bt
        out_d2[i] = best
        done[i] = proven


#: rings of cells searched around a point before the KD-tree takes over (9 x 9 cells)
_REACH = 4


@dataclass(frozen=True, eq=False)
class SnapIndex:
    """Nearest joinable segment of many points, exact.

    Every joinable segment is sampled at ``m = ceil(length / spacing)`` points (the
    middles of ``m`` equal pieces; a stub at its node), so every point of a segment is
    within ``half_gap_m`` of one of its samples. Two stages, both exact:

    1. A grid of cells one sample spacing wide lists the segments sampled in each cell
       (their ends stored in cell order). The segments of the point's cell, then of ring
       after ring of cells around it, are measured exactly; a segment with no sample in
       the first ``r`` rings is farther than ``r`` cells minus ``half_gap_m``, so the
       answer is proven as soon as it is nearer than that (almost every site near a
       road, within 4 rings).
    2. The rest (sites far from every road) ask a KD-tree (scipy cKDTree) of the samples
       for the ``k`` nearest, measure their segments, and are proven when the best
       distance plus ``half_gap_m`` is below the ``k``-th sample's distance; unproven
       points are asked again with more candidates, then with a radius search.

    Arrays only (the KD-tree is built on first need): it pickles small.
    """

    sample_xy: np.ndarray  # (m, 2), ordered by grid cell
    sample_seg: np.ndarray  # (m,) segment of each sample
    cell_xy: np.ndarray  # (m, 4): ax, ay, bx - ax, by - ay of each sample's segment
    segxy: np.ndarray  # (n_segments, 4): ax, ay, bx, by of every segment
    half_gap_m: float
    grid: np.ndarray  # x0, y0, 1 / cell, rows per column
    cell_keys: np.ndarray  # sorted keys of the cells that hold samples
    cell_start: np.ndarray  # samples of cell k: cell_start[k]:cell_start[k + 1]
    _tree: list = field(default_factory=list, repr=False)  # [cKDTree] once built

    @classmethod
    def from_network(cls, net, spacing_m: float | None = None) -> SnapIndex:
        segxy = np.ascontiguousarray(
            np.column_stack(
                [net.node_x[net.seg_u], net.node_y[net.seg_u],
                 net.node_x[net.seg_v], net.node_y[net.seg_v]]
            )  # fmt: skip
        )
        ids = np.flatnonzero(net.seg_snap)
        length = net.seg_len_m[ids]
        if spacing_m is None:
            real = length[length > 0]
            spacing_m = float(np.clip(np.median(real), 20.0, 500.0)) if len(real) else 100.0
        count = np.maximum(np.ceil(length / spacing_m), 1).astype(np.int64)
        seg = np.repeat(ids, count)
        start = np.cumsum(count) - count
        k = np.arange(len(seg)) - np.repeat(start, count)
        t = (k + 0.5) / np.repeat(count, count)
        t[np.repeat(length == 0, count)] = 0.0
        xy = segxy[seg, 0:2] + t[:, None] * (segxy[seg, 2:4] - segxy[seg, 0:2])
        half = float((length / count).max() / 2.0) if len(ids) else 0.0
        cell = spacing_m
        x0 = float(xy[:, 0].min()) if len(xy) else 0.0
        y0 = float(xy[:, 1].min()) if len(xy) else 0.0
        ny = int((xy[:, 1].max() - y0) // cell) + 2 * _REACH + 2 if len(xy) else 1
        key = np.floor((xy[:, 0] - x0) / cell).astype(np.int64) * ny
        key += np.floor((xy[:, 1] - y0) / cell).astype(np.int64)
        order = np.argsort(key, kind="stable")
        key = key[order]
        first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.empty(0, int)
        sseg = seg[order]
        ends = segxy[sseg]
        return cls(
            sample_xy=np.ascontiguousarray(xy[order]),
            sample_seg=np.ascontiguousarray(sseg, dtype=np.int64),
            cell_xy=np.ascontiguousarray(
                np.column_stack([ends[:, 0:2], ends[:, 2:4] - ends[:, 0:2]])
            ),
            segxy=segxy,
            half_gap_m=half * (1 + 1e-9) + 1e-6,
            grid=np.array([x0, y0, 1.0 / cell, ny], dtype="f8"),
            cell_keys=np.ascontiguousarray(key[first]),
            cell_start=np.r_[first, len(key)].astype(np.int64),
        )

    @property
    def tree(self) -> cKDTree:
        if not self._tree:
            self._tree.append(cKDTree(self.sample_xy, balanced_tree=False, compact_nodes=False))
        return self._tree[0]

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_tree"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        object.__setattr__(self, "_tree", [])

    def snap(self, x, y) -> Snap:
        """Nearest joinable segment of metric points ``x``/``y`` (exact; see the class)."""
        x = np.ascontiguousarray(x, dtype="f8")
        y = np.ascontiguousarray(y, dtype="f8")
        n = len(x)
        seg = np.full(n, -1, dtype=np.int64)
        t = np.zeros(n)
        d2 = np.full(n, np.inf)
        if n == 0 or not len(self.sample_seg):
            return Snap(seg=seg, t=t, dist_m=np.sqrt(d2))
        order = _spatial_order(x, y)  # nearby points in a row: their cells stay in cache
        xs, ys = x[order], y[order]
        sseg, st, sd2 = np.full(n, -1, dtype=np.int64), np.zeros(n), np.full(n, np.inf)
        done = np.zeros(n, dtype=bool)
        _grid_pass(xs, ys, self.grid, self.cell_keys, self.cell_start, self.cell_xy,
                   self.sample_seg, _REACH, self.half_gap_m, sseg, st, sd2, done)  # fmt: skip
        rows = np.flatnonzero(~done)
        if len(rows):
            self._far(xs, ys, rows, sseg, st, sd2)
        seg[order], t[order], d2[order] = sseg, st, sd2
        return Snap(seg=seg, t=t, dist_m=np.sqrt(d2))

    def _far(self, x, y, rows, seg, t, d2) -> None:
        """The KD-tree stage for points the grid could not settle (far from roads)."""
        joinable = np.unique(self.sample_seg)
        if len(joinable) <= BRUTE_MAX_SEGMENTS:
            step = max(1, _BRUTE_CHUNK_CELLS // len(joinable))
            for i in range(0, len(rows), step):
                part = rows[i : i + step]
                cand = np.ascontiguousarray(np.broadcast_to(joinable, (len(part), len(joinable))))
                _refine(x, y, cand, self.segxy, seg, t, d2, part)
            return
        xy = np.column_stack([x, y])
        n_samples = len(self.sample_seg)
        for k in _SNAP_K:
            kk = min(k, n_samples)
            dist, idx = self.tree.query(xy[rows], k=kk, workers=-1)
            dist = dist.reshape(len(rows), kk)
            idx = idx.reshape(len(rows), kk)
            cand = np.where(idx < n_samples, self.sample_seg[np.minimum(idx, n_samples - 1)], -1)
            _refine(x, y, np.ascontiguousarray(cand), self.segxy, seg, t, d2, rows)
            proven = (np.sqrt(d2[rows]) + self.half_gap_m < dist[:, -1]) | (kk == n_samples)
            proven |= ~np.isfinite(dist[:, -1])
            rows = rows[~proven]
            if not len(rows):
                return
        # farther still: search every sample in the proving radius
        radius = np.sqrt(d2[rows]) + self.half_gap_m
        hits = self.tree.query_ball_point(xy[rows], radius, workers=-1)
        width = max(len(h) for h in hits)
        cand = np.full((len(rows), width), -1, dtype=np.int64)
        for j, h in enumerate(hits):  # few rows: sites tens of km from any road
            cand[j, : len(h)] = self.sample_seg[np.asarray(h, dtype=np.int64)]
        _refine(x, y, cand, self.segxy, seg, t, d2, rows)


def _spatial_order(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Row order along 1 km grid rows (serpentine), cheap and good enough for cache use."""
    if len(x) < 50_000:
        return np.arange(len(x))
    cx = np.floor((x - x.min()) / 1000.0).astype(np.int64)
    cy = np.floor((y - y.min()) / 1000.0).astype(np.int64)
    cx = np.where(cy % 2 == 1, cx.max() - cx, cx)
    return np.argsort(cy * (cx.max() + 1) + cx, kind="stable")
