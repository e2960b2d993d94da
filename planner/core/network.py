"""The road network as arrays: build, save/load, snap points to it, shortest travel times.

A :class:`RoadNetwork` is a set of straight road *segments* between *nodes* (metric
EPSG:32643 coordinates). Each segment carries its travel time in each direction in whole
milliseconds (``inf`` where one-way forbids that direction), its road class, whether a
candidate site may join the network on it (``seg_snap``: never on a motorway, which has
no frontage access) and whether it is part of BAKAD (``seg_bakad``). A segment whose two
ends are the same node is a *stub*: a place where sites may join the network at that node
(the coarse built-in network uses stubs for BAKAD interchanges).

Travel times are whole milliseconds stored as float64, so any sum of them along a path
is exact: the shortest times agree exactly with any other correct shortest-path code
(the benchmark checks networkx), whatever order the additions are made in.

:func:`build_network` turns raw arrays into a network: it derives the directed edges,
keeps only the largest strongly connected component (every kept node can reach every
other one and be reached from it) and reports what it dropped.
:class:`planner.core.snap.SnapIndex` finds the nearest joinable segment of many points.
:func:`shortest_times` runs one Dijkstra (scipy.sparse.csgraph) per target group on the
reversed graph, so it returns the time *from* every node *to* the group;
:func:`lookup_times` turns node times into times from snapped sites.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numba
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra

from planner import crs as _crs
from planner._atomic import atomic_output
from planner.errors import InputError
from planner.i18n import format_number, message_lang, tr
from planner.i18n import t as _t

__all__ = [
    "NETWORK_FORMAT",
    "NETWORK_VERSION",
    "RoadNetwork",
    "TargetGroup",
    "build_network",
    "describe_dropped",
    "load_network",
    "lookup_times",
    "save_network",
    "shortest_times",
]

log = logging.getLogger(__name__)

NETWORK_FORMAT = "planner-road-network"
NETWORK_VERSION = 1
#: the arrays of a network file, with their dtypes
_ARRAYS = {
    "node_x": "f8",
    "node_y": "f8",
    "seg_u": "i4",
    "seg_v": "i4",
    "seg_fwd_ms": "f8",
    "seg_bwd_ms": "f8",
    "seg_class": "i2",
    "seg_snap": "bool",
    "seg_bakad": "bool",
}


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """Road segments between nodes, with directed travel times (see the module docstring).

    ``access`` holds the access-leg rule (``speed_kmh``, ``detour``, ``max_snap_m``) and
    ``meta`` what the network was built from (``source``, ``sha256``, ``indicative``,
    ``dropped``, ``speeds`` ...), both plain data stored in the file.
    """

    node_x: np.ndarray
    node_y: np.ndarray
    seg_u: np.ndarray
    seg_v: np.ndarray
    seg_fwd_ms: np.ndarray
    seg_bwd_ms: np.ndarray
    seg_class: np.ndarray
    seg_snap: np.ndarray
    seg_bakad: np.ndarray
    class_names: tuple[str, ...]
    access: Mapping[str, float]
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        return len(self.node_x)

    @property
    def n_segments(self) -> int:
        return len(self.seg_u)

    @property
    def indicative(self) -> bool:
        return bool(self.meta.get("indicative", False))

    @cached_property
    def seg_len_m(self) -> np.ndarray:
        return np.hypot(
            self.node_x[self.seg_v] - self.node_x[self.seg_u],
            self.node_y[self.seg_v] - self.node_y[self.seg_u],
        )

    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Directed edges ``(src, dst, ms)``: each allowed direction of each non-stub segment."""
        return _directed(self.seg_u, self.seg_v, self.seg_fwd_ms, self.seg_bwd_ms)

    @cached_property
    def reversed_csr(self) -> sp.csr_matrix:
        """The graph with every edge turned round (row = edge head), parallel edges merged
        to the fastest: a Dijkstra from a target on it gives times *to* the target."""
        src, dst, ms = self.edges()
        return _csr(dst, src, ms, self.n_nodes)

    @cached_property
    def snap_index(self):
        """The :class:`planner.core.snap.SnapIndex` of the joinable segments (made once)."""
        from planner.core.snap import SnapIndex

        return SnapIndex.from_network(self)

    @cached_property
    def bakad_entries(self) -> np.ndarray:
        """Nodes where a vehicle can turn from another road onto BAKAD (sorted ids).

        A node is an entry when a non-BAKAD edge arrives at it and a BAKAD edge leaves it:
        on a real network that is where an on-ramp merges; BAKAD has no other entries.
        """
        src, dst, _ = self.edges()
        seg_of_edge = self._edge_segments()
        is_bakad = self.seg_bakad[seg_of_edge]
        arrive = np.zeros(self.n_nodes, dtype=bool)
        leave = np.zeros(self.n_nodes, dtype=bool)
        arrive[dst[~is_bakad]] = True
        leave[src[is_bakad]] = True
        # stubs (sites join there) also arrive at their node
        stub = (self.seg_u == self.seg_v) & ~self.seg_bakad
        arrive[self.seg_u[stub]] = True
        return np.flatnonzero(arrive & leave).astype(np.int64)

    def _edge_segments(self) -> np.ndarray:
        real = self.seg_u != self.seg_v
        f = real & np.isfinite(self.seg_fwd_ms)
        b = real & np.isfinite(self.seg_bwd_ms)
        return np.concatenate([np.flatnonzero(f), np.flatnonzero(b)])

    def summary(self) -> dict[str, Any]:
        """Counts and lengths for reports."""
        length = self.seg_len_m
        real = self.seg_u != self.seg_v
        oneway = real & (np.isfinite(self.seg_fwd_ms) != np.isfinite(self.seg_bwd_ms))
        by_class = {}
        for code, name in enumerate(self.class_names):
            m = (self.seg_class == code) & real
            if m.any():
                by_class[name] = round(float(length[m].sum()) / 1000.0, 1)
        return {
            "nodes": self.n_nodes,
            "segments": int(real.sum()),
            "length_km": round(float(length[real].sum()) / 1000.0, 1),
            "oneway_segments": int(oneway.sum()),
            "bakad_km": round(float(length[self.seg_bakad & real].sum()) / 1000.0, 1),
            "bakad_entries": len(self.bakad_entries),
            "km_by_class": by_class,
        }


def _directed(u, v, fwd, bwd):
    real = u != v
    f = real & np.isfinite(fwd)
    b = real & np.isfinite(bwd)
    src = np.concatenate([u[f], v[b]]).astype(np.int64)
    dst = np.concatenate([v[f], u[b]]).astype(np.int64)
    ms = np.concatenate([fwd[f], bwd[b]]).astype("f8")
    return src, dst, ms


def _csr(rows, cols, w, n: int) -> sp.csr_matrix:
    """CSR ``n x n`` of the edges, keeping the smallest weight of parallel edges (scipy
    would add them up) and explicit zero weights (scipy's csgraph treats them as edges)."""
    key = rows.astype(np.int64) * n + cols
    order = np.argsort(key, kind="stable")
    k = key[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]]) if len(k) else np.empty(0, np.int64)
    ww = np.minimum.reduceat(w[order], starts) if len(k) else np.empty(0)
    r, c = rows[order][starts], cols[order][starts]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(r, minlength=n), out=indptr[1:])
    return sp.csr_matrix((ww, c.astype(np.int32), indptr), shape=(n, n))


# --------------------------------------------------------------------------- build


def _check_arrays(n: int, m: int, **arrays) -> None:
    for name, a in arrays.items():
        if a.ndim != 1 or len(a) != (n if name.startswith("node") else m):
            want = n if name.startswith("node") else m
            raise InputError(tr("err.network.array_shape", name=name, shape=a.shape, want=want))


def build_network(
    node_x,
    node_y,
    seg_u,
    seg_v,
    seg_class,
    fwd_kmh,
    bwd_kmh,
    *,
    class_names: Sequence[str],
    seg_snap=None,
    seg_bakad=None,
    access: Mapping[str, float],
    meta: Mapping[str, Any] | None = None,
) -> RoadNetwork:
    """Build a network from raw arrays (metres, EPSG:32643; speeds in km/h).

    Parameters
    ----------
    node_x, node_y
        Node coordinates, metres.
    seg_u, seg_v
        Node ids at the two ends of each segment (``seg_u == seg_v``: a stub).
    seg_class
        Class code per segment (index into ``class_names``).
    fwd_kmh, bwd_kmh
        Speed from ``u`` to ``v`` and back; NaN or <= 0 forbids that direction (one-way).
    seg_snap, seg_bakad
        May sites join on this segment (default all); is it part of BAKAD (default none).
        BAKAD segments never take sites.
    access
        ``speed_kmh``, ``detour``, ``max_snap_m`` of the site access leg.
    meta
        Provenance stored with the network; ``dropped`` (what the largest strongly
        connected component left out) is added here.

    Returns
    -------
    RoadNetwork
        Only the largest strongly connected component, nodes renumbered.
    """
    node_x = np.asarray(node_x, dtype="f8")
    node_y = np.asarray(node_y, dtype="f8")
    seg_u = np.asarray(seg_u, dtype=np.int64)
    seg_v = np.asarray(seg_v, dtype=np.int64)
    n, m = len(node_x), len(seg_u)
    seg_class = np.asarray(seg_class, dtype=np.int16)
    fwd_kmh = np.asarray(fwd_kmh, dtype="f8")
    bwd_kmh = np.asarray(bwd_kmh, dtype="f8")
    seg_snap = np.ones(m, dtype=bool) if seg_snap is None else np.asarray(seg_snap, dtype=bool)
    seg_bakad = np.zeros(m, dtype=bool) if seg_bakad is None else np.asarray(seg_bakad, bool)
    _check_arrays(n, m, node_x=node_x, node_y=node_y, seg_u=seg_u, seg_v=seg_v,
                  seg_class=seg_class, fwd_kmh=fwd_kmh, bwd_kmh=bwd_kmh, seg_snap=seg_snap,
                  seg_bakad=seg_bakad)  # fmt: skip
    if not (np.isfinite(node_x).all() and np.isfinite(node_y).all()):
        raise InputError(tr("err.network.nonfinite_nodes"))
    if m and (seg_u.min() < 0 or seg_v.min() < 0 or max(seg_u.max(), seg_v.max()) >= n):
        raise InputError(tr("err.network.node_range", last=n - 1))
    if m and (seg_class.min() < 0 or seg_class.max() >= len(class_names)):
        raise InputError(tr("err.network.class_range", last=len(class_names) - 1))
    length = np.hypot(node_x[seg_v] - node_x[seg_u], node_y[seg_v] - node_y[seg_u])
    stub = seg_u == seg_v
    fwd_ms = _time_ms(length, fwd_kmh, stub)
    bwd_ms = _time_ms(length, bwd_kmh, stub)
    seg_snap = seg_snap & ~seg_bakad
    src, dst, _ = _directed(seg_u, seg_v, fwd_ms, bwd_ms)
    if not len(src):
        raise InputError(tr("err.network.no_drivable"))
    graph = sp.csr_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))
    n_comp, label = connected_components(graph, directed=True, connection="strong")
    size = np.bincount(label, minlength=n_comp)
    # a component only counts if it has an edge: isolated nodes are components too
    has_edge = np.zeros(n_comp, dtype=bool)
    has_edge[label[src]] = True
    size_e = np.where(has_edge, size, 0)
    main = int(np.argmax(size_e))
    keep_node = label == main
    keep_seg = keep_node[seg_u] & keep_node[seg_v]
    dropped = _dropped_report(label, main, has_edge, keep_seg, length, node_x, node_y, seg_u,
                              stub)  # fmt: skip
    new_id = np.cumsum(keep_node) - 1
    meta = {**dict(meta or {}), "dropped": dropped}
    net = RoadNetwork(
        node_x=np.ascontiguousarray(node_x[keep_node]),
        node_y=np.ascontiguousarray(node_y[keep_node]),
        seg_u=new_id[seg_u[keep_seg]].astype(np.int32),
        seg_v=new_id[seg_v[keep_seg]].astype(np.int32),
        seg_fwd_ms=fwd_ms[keep_seg],
        seg_bwd_ms=bwd_ms[keep_seg],
        seg_class=seg_class[keep_seg],
        seg_snap=seg_snap[keep_seg],
        seg_bakad=seg_bakad[keep_seg],
        class_names=tuple(str(c) for c in class_names),
        access={k: float(access[k]) for k in ("speed_kmh", "detour", "max_snap_m")},
        meta=meta,
    )
    if dropped["components"]:
        log.info("road network: %s", describe_dropped(dropped))
    return net


def _time_ms(length_m: np.ndarray, kmh: np.ndarray, stub: np.ndarray) -> np.ndarray:
    """Whole milliseconds (at least 1) to drive ``length_m`` at ``kmh``; inf if forbidden."""
    ok = np.isfinite(kmh) & (kmh > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ms = np.where(ok, np.maximum(np.rint(length_m * 3600.0 / kmh), 1.0), np.inf)
    ms[stub] = 0.0
    return ms


def _dropped_report(label, main, has_edge, keep_seg, length, x, y, seg_u, stub) -> dict:
    """What the largest strongly connected component leaves out, for the build report."""
    drop_seg = ~keep_seg & ~stub
    dropped_nodes = label != main
    comps = np.unique(label[dropped_nodes & has_edge[label]])
    report: dict[str, Any] = {
        "components": len(comps),
        "nodes": int((dropped_nodes & has_edge[label]).sum()),
        "segments": int(drop_seg.sum()),
        "length_km": round(float(length[drop_seg].sum()) / 1000.0, 3),
        "largest": [],
    }
    if len(comps):
        seg_comp = label[seg_u[drop_seg]]
        km = np.bincount(seg_comp, weights=length[drop_seg], minlength=len(label)) / 1000.0
        order = comps[np.argsort(-km[comps], kind="stable")][:5]
        for c in order:
            members = np.flatnonzero(label == c)
            lon, lat = _crs.metric_to_lonlat(x[members].mean(), y[members].mean())
            report["largest"].append(
                {"nodes": len(members), "length_km": round(float(km[c]), 3),
                 "lon": round(float(lon), 5), "lat": round(float(lat), 5)}
            )  # fmt: skip
    return report


def describe_dropped(dropped: Mapping[str, Any], lang: str | None = None) -> str:
    """One sentence on what :func:`build_network` dropped, in ``lang`` (default: the
    message language, :func:`planner.i18n.message_lang`)."""
    lang = lang or message_lang()
    if not dropped.get("components"):
        return _t("out.network.dropped_none", lang)

    def num(v, digits: int = 0) -> str:
        return format_number(v, lang, digits, grouping=True)

    parts = [
        _t("out.network.dropped", lang, pieces=num(dropped["components"]),
           nodes=num(dropped["nodes"]), segments=num(dropped["segments"]),
           km=num(dropped["length_km"], 1))
    ]
    big = dropped.get("largest") or []
    if big:
        b = big[0]
        parts.append(_t("out.network.dropped_largest", lang, km=num(b["length_km"], 1),
                        nodes=num(b["nodes"]), lat=num(b["lat"], 4), lon=num(b["lon"], 4)))
    return "; ".join(parts)


# --------------------------------------------------------------------------- file


def save_network(net: RoadNetwork, path: str | Path, overwrite: bool = False) -> Path:
    """Write the network to one ``.npz`` file (atomically; refuses to clobber)."""
    path = Path(path)
    meta = {
        "format": NETWORK_FORMAT,
        "version": NETWORK_VERSION,
        "class_names": list(net.class_names),
        "access": dict(net.access),
        "meta": dict(net.meta),
    }
    arrays = {k: np.ascontiguousarray(getattr(net, k), dtype=t) for k, t in _ARRAYS.items()}
    with atomic_output(path, overwrite=overwrite) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, meta_json=np.array(json.dumps(meta, sort_keys=True)),
                                **arrays)  # fmt: skip
    return path


def _bad_file(path, why: str, **fields) -> InputError:
    """The error for a network file that cannot be used (``why``: a key of ``err.network``)."""
    return InputError(
        tr("err.network.bad_file", path=str(path), why=tr(f"err.network.{why}", **fields))
    )


def load_network(path: str | Path) -> RoadNetwork:
    """Read a network written by :func:`save_network` (checked: format, version, shapes)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(tr("err.network.missing_file", path=str(path)))
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta_json"]))
            arrays = {k: np.asarray(z[k]) for k in _ARRAYS}
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
        log.debug("reading road network %s: %s", path, exc)  # the cause, for --debug / -v
        raise _bad_file(path, "not_network") from exc
    if meta.get("format") != NETWORK_FORMAT:
        raise _bad_file(path, "not_network")
    if meta.get("version") != NETWORK_VERSION:
        raise _bad_file(path, "bad_version", version=meta.get("version"), want=NETWORK_VERSION)
    for k, dtype in _ARRAYS.items():
        if arrays[k].dtype != np.dtype(dtype):
            raise _bad_file(path, "bad_dtype", name=k, dtype=arrays[k].dtype, want=dtype)
    n, m = len(arrays["node_x"]), len(arrays["seg_u"])
    _check_arrays(n, m, **arrays)
    if m and max(int(arrays["seg_u"].max()), int(arrays["seg_v"].max())) >= n:
        raise _bad_file(path, "bad_nodes")
    return RoadNetwork(
        **arrays,
        class_names=tuple(meta["class_names"]),
        access=dict(meta["access"]),
        meta=dict(meta["meta"]),
    )


# --------------------------------------------------------------------------- shortest times


@dataclass(frozen=True)
class TargetGroup:
    """A travel-time target: the nearest of its members counts.

    ``nodes`` are network nodes reached at no extra cost; ``points`` are
    ``(seg, t, extra_ms)``: places on segments, reached with ``extra_ms`` more (e.g. the
    straight leg from the road to a target off the road). ``labels`` (optional) need the
    member that is nearest: then :func:`shortest_times` returns its index (nodes first,
    then points).
    """

    key: str
    nodes: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    points: tuple[tuple[int, float, float], ...] = ()
    want_member: bool = False

    @property
    def n_members(self) -> int:
        return len(self.nodes) + len(self.points)


def _point_edges(net: RoadNetwork, seg: int, t: float, extra_ms: float):
    """Reversed-graph edges from a virtual node at ``t`` on ``seg`` to the segment's ends:
    forward, arriving from ``u`` costs ``t * fwd``; backward, from ``v``, ``(1-t) * bwd``."""
    u, v = int(net.seg_u[seg]), int(net.seg_v[seg])
    fwd, bwd = float(net.seg_fwd_ms[seg]), float(net.seg_bwd_ms[seg])
    out = []
    to_u = 0.0 if t <= 0.0 else t * fwd
    to_v = 0.0 if t >= 1.0 else (1.0 - t) * bwd
    if math.isfinite(to_u):
        out.append((u, float(np.rint(to_u + extra_ms))))
    if math.isfinite(to_v):
        out.append((v, float(np.rint(to_v + extra_ms))))
    return out


#: from this many nodes on, target groups run in worker processes (one per core)
PARALLEL_MIN_NODES = 200_000
_GRAPH: list = []  # the graph of the running shortest_times (in this process or a worker)


def _set_graph(graph) -> None:
    _GRAPH[:] = [graph]


def _one_dijkstra(job: tuple[np.ndarray, bool, int]) -> tuple[np.ndarray, np.ndarray | None]:
    """Times from every node to ``sources`` (and the nearest source's index, if asked)."""
    sources, want_member, n = job
    graph = _GRAPH[0]
    if want_member:
        dist, _, src = dijkstra(graph, directed=True, indices=sources, min_only=True,
                                return_predecessors=True)  # fmt: skip
        pos = np.full(graph.shape[0], -1, dtype=np.int64)
        pos[sources] = np.arange(len(sources))
        s = src[:n]
        return dist[:n], np.where(s >= 0, pos[np.maximum(s, 0)], -1).astype(np.int32)
    return dijkstra(graph, directed=True, indices=sources, min_only=True)[:n], None


def _workers(n_nodes: int, n_jobs: int, processes: int | None) -> int:
    if processes is not None:
        return max(1, min(int(processes), n_jobs))
    import multiprocessing

    if n_nodes < PARALLEL_MIN_NODES or n_jobs < 2 or os.name != "posix":
        return 1
    if multiprocessing.current_process().daemon:  # e.g. a Dask worker: no child processes
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), n_jobs))


def shortest_times(
    net: RoadNetwork, groups: Sequence[TargetGroup], processes: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Milliseconds from every node to each group, and the nearest member's index.

    One Dijkstra per group (all members at once: scipy's ``min_only``) on the reversed
    graph, with one virtual node per point member. Returns ``ms`` (n_nodes, n_groups),
    ``inf`` where a group cannot be reached, and ``member`` (n_nodes, n_groups) int32
    (-1 where not asked for or unreachable). scipy's Dijkstra holds the GIL, so on a
    large network the groups run in forked worker processes (``processes``; default one
    per core from :data:`PARALLEL_MIN_NODES` nodes on), with identical results.
    """
    n = net.n_nodes
    base = net.reversed_csr
    rows, cols, w = [], [], []
    first_virtual = []
    k = n
    for g in groups:
        first_virtual.append(k)
        for seg, t, extra in g.points:
            for node, ms in _point_edges(net, int(seg), float(t), float(extra)):
                rows.append(k)
                cols.append(node)
                w.append(ms)
            k += 1
    graph = _append_rows(base, np.asarray(rows, np.int64), np.asarray(cols, np.int64),
                         np.asarray(w, "f8"), k)  # fmt: skip
    ms = np.full((len(groups), n), np.inf)
    member = np.full((len(groups), n), -1, dtype=np.int32)
    jobs, slots = [], []
    for j, g in enumerate(groups):
        virt = np.arange(first_virtual[j], first_virtual[j] + len(g.points), dtype=np.int64)
        sources = np.concatenate([np.asarray(g.nodes, dtype=np.int64), virt])
        if len(sources):
            jobs.append((sources, g.want_member, n))
            slots.append(j)
    _GRAPH[:] = [graph]
    try:
        workers = _workers(n, len(jobs), processes)
        if workers > 1:
            import multiprocessing
            import sys

            # fork hands the graph over for free; from Python 3.12 fork warns in a
            # process with threads (numba's), so the graph is sent to a forkserver
            method = "fork" if sys.version_info < (3, 12) else "forkserver"
            ctx = multiprocessing.get_context(method)
            with ctx.Pool(workers, initializer=_set_graph, initargs=(graph,)) as pool:
                results = pool.map(_one_dijkstra, jobs, chunksize=1)
        else:
            results = [_one_dijkstra(job) for job in jobs]
    finally:
        _GRAPH.clear()
    for j, (dist, mem) in zip(slots, results, strict=True):
        ms[j] = dist
        if mem is not None:
            member[j] = mem
    return np.ascontiguousarray(ms.T), np.ascontiguousarray(member.T)


def _append_rows(base: sp.csr_matrix, rows, cols, w, size: int) -> sp.csr_matrix:
    """``base`` grown to ``size x size`` with extra rows (virtual nodes) appended."""
    n = base.shape[0]
    if size == n:
        return base
    order = np.argsort(rows, kind="stable")
    rows, cols, w = rows[order], cols[order], w[order]
    counts = np.bincount(rows - n, minlength=size - n)
    indptr = np.concatenate([base.indptr, base.indptr[-1] + np.cumsum(counts)])
    return sp.csr_matrix(
        (np.concatenate([base.data, w]), np.concatenate([base.indices, cols]).astype(np.int32),
         indptr),
        shape=(size, size),
    )  # fmt: skip


def build_stamp() -> str:
    """UTC time of a build, for the network's metadata."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


# --------------------------------------------------------------------------- lookups


@numba.njit(parallel=True, cache=True)
def _lookup_kernel(seg, t, leg_ms, seg_u, seg_v, fwd, bwd, node_ms, node_member, out_ms,
                   out_member):  # pragma: no cover - compiled
    n_groups = node_ms.shape[1]
    for i in numba.prange(len(seg)):
        s = seg[i]
        if s < 0:
            for g in range(n_groups):
                out_ms[i, g] = np.inf
                out_member[i, g] = -1
            continue
        u, v, ti = seg_u[s], seg_v[s], t[i]
        # from the site's place on the segment: back to u (against the segment's
        # direction) or on to v; at an end the node itself is reached at no cost
        to_u = 0.0 if ti <= 0.0 else ti * bwd[s]
        to_v = 0.0 if ti >= 1.0 else (1.0 - ti) * fwd[s]
        for g in range(n_groups):
            a = to_u + node_ms[u, g]
            b = to_v + node_ms[v, g]
            if b < a:
                out_ms[i, g] = leg_ms[i] + b
                out_member[i, g] = node_member[v, g]
            else:
                out_ms[i, g] = leg_ms[i] + a
                out_member[i, g] = node_member[u, g] if a < np.inf else -1


def lookup_times(
    snap, leg_ms, seg_u, seg_v, seg_fwd_ms, seg_bwd_ms, node_ms, node_member
) -> tuple[np.ndarray, np.ndarray]:
    """Milliseconds from snapped points (a :class:`planner.core.snap.Snap`) to each group:
    leg + along the segment + the node's time (the better end), and the nearest member's
    index; (n, n_groups) each."""
    n, g = len(snap.seg), node_ms.shape[1]
    out_ms = np.empty((n, g))
    out_member = np.empty((n, g), dtype=np.int32)
    _lookup_kernel(np.ascontiguousarray(snap.seg, dtype=np.int64),
                   np.ascontiguousarray(snap.t, dtype="f8"),
                   np.ascontiguousarray(leg_ms, dtype="f8"), seg_u, seg_v, seg_fwd_ms,
                   seg_bwd_ms, node_ms, node_member, out_ms, out_member)  # fmt: skip
    return out_ms, out_member
