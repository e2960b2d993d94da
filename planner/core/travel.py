"""Travel-time criteria: minutes by road from each site to BAKAD, cities, rail, airport.

:func:`prepare_travel` attaches the targets of the layers to a
:class:`~planner.core.network.RoadNetwork` and runs one Dijkstra per target group on the
reversed graph (:func:`~planner.core.network.shortest_times`): the result, a node x
target time matrix with the snap index, is a :class:`PreparedTravel` that pickles, so a
partitioned engine broadcasts it once and every partition only snaps its sites and looks
their times up (:func:`travel_criteria`).

Targets (the nearest member of each group counts):

* ``interchange``: BAKAD's entries. On a network where BAKAD is marked (by name/ref),
  the nodes where a link road merges onto it; each is labelled with the nearest
  interchange of the ``bakad`` layer (``nearest_interchange_by_road``). Where the
  network has no BAKAD, the interchange points are joined to the nearest road.
* ``almaty`` / ``konaev``: the ``almaty-centre`` / ``konaev-centre`` points.
* ``gate_city``: every network node inside the ``gate-city`` outline (if none, its
  representative point joined to the nearest road); a site inside takes 0 minutes.
* ``rail``: rail stations and freight yards (lorries load at stations, not on the line).
* ``airport``: the airports.

A site joins the network at the nearest point of a road it may join (``snap_m`` metres
away; never a motorway), by an access leg of ``snap_m * detour`` at the network's access
speed; a target point off the road does the same. A site farther than the network's
``max_snap_m`` from every road has ``no_road_access`` and infinite times. Turn
restrictions and congestion are not modelled.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from planner.core.network import (
    RoadNetwork,
    TargetGroup,
    lookup_times,
    shortest_times,
)
from planner.core.snap import SnapIndex
from planner.errors import InputError
from planner.i18n import format_number, message_lang, tr

__all__ = [
    "TRAVEL_COLUMNS",
    "TRAVEL_DTYPES",
    "TRAVEL_TARGETS",
    "PreparedTravel",
    "prepare_travel",
    "travel_criteria",
]

log = logging.getLogger(__name__)

#: target group -> its column of minutes
TRAVEL_TARGETS: Mapping[str, str] = {
    "interchange": "time_interchange_min",
    "almaty": "time_almaty_min",
    "konaev": "time_konaev_min",
    "gate_city": "time_gate_city_min",
    "rail": "time_rail_min",
    "airport": "time_airport_min",
}
#: column -> dtype of the travel-time criteria, in contract order
TRAVEL_DTYPES: dict[str, str] = {
    "time_interchange_min": "float64",
    "nearest_interchange_by_road": "category",
    "time_almaty_min": "float64",
    "time_konaev_min": "float64",
    "time_gate_city_min": "float64",
    "time_rail_min": "float64",
    "time_airport_min": "float64",
    "snap_m": "float64",
    "no_road_access": "bool",
}
TRAVEL_COLUMNS: tuple[str, ...] = tuple(TRAVEL_DTYPES)

_MS_PER_MIN = 60_000.0


@dataclass(frozen=True, eq=False)
class PreparedTravel:
    """What partitions need to compute travel times: the snap index, the segments' ends
    and times, and the node x target time matrix (``node_ms``, milliseconds)."""

    index: SnapIndex
    seg_u: np.ndarray
    seg_v: np.ndarray
    seg_fwd_ms: np.ndarray
    seg_bwd_ms: np.ndarray
    node_ms: np.ndarray  # (n_nodes, n_groups)
    node_member: np.ndarray  # (n_nodes, n_groups) int32
    groups: tuple[str, ...]
    #: per group: (segment, position, extra ms) of each point member, for sites that
    #: join the same segment as a target point (the direct way along it)
    point_members: tuple[np.ndarray, ...]
    #: per group: the label of each member (interchange id), or None
    member_labels: tuple[np.ndarray | None, ...]
    interchange_ids: tuple[str, ...]
    #: (group index, polygon): a site inside the polygon is there (0 minutes)
    areas: tuple[tuple[int, object], ...]
    access: Mapping[str, float]
    network_meta: Mapping[str, object]
    notes: tuple[str, ...] = field(default=())

    def leg_ms(self, snap_m: np.ndarray) -> np.ndarray:
        a = self.access
        return np.asarray(snap_m, "f8") * (float(a["detour"]) * 3600.0 / float(a["speed_kmh"]))

    @property
    def indicative(self) -> bool:
        return bool(self.network_meta.get("indicative", False))


def _layer(layers, name: str, *kinds: str):
    gdf = layers.metric(name)
    return gdf[gdf["kind"].isin(kinds)] if kinds else gdf


def _by_id(layers, name: str, fid: str):
    gdf = layers.metric(name)
    hit = gdf[gdf["id"].astype(str) == fid]
    return None if hit.empty else hit.geometry.iloc[0]


def _points_group(key, xs, ys, index, prepared_access, notes, names) -> TargetGroup:
    """A group of target points joined to the nearest road (too far: left out, noted)."""
    xs, ys = np.asarray(xs, "f8"), np.asarray(ys, "f8")
    snap = index.snap(xs, ys)
    limit = float(prepared_access["max_snap_m"])
    leg = snap.dist_m * (float(prepared_access["detour"]) * 3600.0
                         / float(prepared_access["speed_kmh"]))  # fmt: skip
    pts = []
    for j in range(len(xs)):
        if snap.seg[j] < 0 or snap.dist_m[j] > limit:
            lang = message_lang()
            notes.append(tr("warn.travel.target_far", name=names[j], key=key,
                            km=format_number(snap.dist_m[j] / 1000, lang, 1),
                            limit=format_number(limit / 1000, lang, 1)))
            continue
        pts.append((int(snap.seg[j]), float(snap.t[j]), float(np.rint(leg[j]))))
    return TargetGroup(key=key, points=tuple(pts))


def _point_xy(geoms) -> tuple[np.ndarray, np.ndarray]:
    pts = shapely.point_on_surface(np.asarray(list(geoms), dtype=object))
    return shapely.get_x(pts), shapely.get_y(pts)


def prepare_travel(network: RoadNetwork, layers) -> PreparedTravel:
    """Attach the layers' targets to ``network`` and compute node x target times.

    ``layers`` is a :class:`~planner.inputs.layers.LayerSet` (its metric layers and ids).
    Runs one Dijkstra per target group; the result is reused for any number of sites.
    """
    index = network.snap_index
    access = dict(network.access)
    notes: list[str] = []
    groups: list[TargetGroup] = []
    labels: list[np.ndarray | None] = []

    ics = _layer(layers, "bakad", "interchange")
    ic_ids = tuple(ics["id"].astype(str))
    icx, icy = _point_xy(ics.geometry)
    entries = network.bakad_entries
    if len(entries) and len(ic_ids):
        d2 = (network.node_x[entries][:, None] - icx[None, :]) ** 2
        d2 += (network.node_y[entries][:, None] - icy[None, :]) ** 2
        groups.append(TargetGroup("interchange", nodes=entries, want_member=True))
        labels.append(np.asarray(np.argmin(d2, axis=1), dtype=np.int64))
    else:
        if len(ic_ids):
            notes.append(tr("warn.travel.no_bakad_road"))
        g = _points_group("interchange", icx, icy, index, access, notes, list(ic_ids))
        groups.append(TargetGroup("interchange", points=g.points, want_member=True))
        kept = [j for j in range(len(ic_ids)) if _kept(index, access, icx[j], icy[j])]
        labels.append(np.asarray(kept, dtype=np.int64))

    for key, fid in (("almaty", "almaty-centre"), ("konaev", "konaev-centre")):
        geom = _by_id(layers, "cities", fid)
        if geom is None:
            groups.append(TargetGroup(key))
            notes.append(tr("warn.travel.no_city_feature", fid=fid, key=key))
        else:
            x, y = _point_xy([geom])
            groups.append(_points_group(key, x, y, index, access, notes, [fid]))
        labels.append(None)

    gate = _by_id(layers, "cities", "gate-city")
    areas = []
    if gate is None:
        groups.append(TargetGroup("gate_city"))
        notes.append(tr("warn.travel.no_city_feature", fid="gate-city", key="gate_city"))
    else:
        shapely.prepare(gate)
        inside = np.flatnonzero(shapely.contains_xy(gate, network.node_x, network.node_y))
        points: tuple = ()
        if not len(inside):  # no road node inside: the nearest road to its middle
            x, y = _point_xy([gate])
            points = _points_group("gate_city", x, y, index, access, notes, ["gate-city"]).points
        groups.append(TargetGroup("gate_city", nodes=inside, points=points))
        areas.append((len(groups) - 1, gate))
    labels.append(None)

    for key, kinds in (("rail", ("rail_station", "freight_yard")), ("airport", ("airport",))):
        feats = _layer(layers, "transport", *kinds)
        x, y = _point_xy(feats.geometry)
        groups.append(_points_group(key, x, y, index, access, notes,
                                    list(feats["id"].astype(str))))  # fmt: skip
        labels.append(None)

    node_ms, node_member = shortest_times(network, groups)
    for key, col in zip((g.key for g in groups), node_ms.T, strict=True):
        if not np.isfinite(col).any():
            notes.append(tr("warn.travel.unreachable", key=key, column=TRAVEL_TARGETS[key]))
    for note in notes:
        log.warning("%s", note)
    point_members = tuple(
        np.array([(s, t, e) for s, t, e in g.points], dtype="f8").reshape(-1, 3) for g in groups
    )
    member_labels = tuple(
        None if lab is None else _member_label_table(g, lab) for g, lab in zip(groups, labels,
                                                                               strict=True)
    )
    return PreparedTravel(
        index=index,
        seg_u=np.ascontiguousarray(network.seg_u, dtype=np.int64),
        seg_v=np.ascontiguousarray(network.seg_v, dtype=np.int64),
        seg_fwd_ms=np.ascontiguousarray(network.seg_fwd_ms),
        seg_bwd_ms=np.ascontiguousarray(network.seg_bwd_ms),
        node_ms=node_ms,
        node_member=node_member,
        groups=tuple(g.key for g in groups),
        point_members=point_members,
        member_labels=member_labels,
        interchange_ids=ic_ids,
        areas=tuple(areas),
        access=access,
        network_meta=dict(network.meta),
        notes=tuple(notes),
    )


def _kept(index: SnapIndex, access, x: float, y: float) -> bool:
    snap = index.snap(np.array([x]), np.array([y]))
    return bool(snap.seg[0] >= 0 and snap.dist_m[0] <= float(access["max_snap_m"]))


def _member_label_table(g: TargetGroup, lab: np.ndarray) -> np.ndarray:
    """Member index (nodes first, then points) -> label index."""
    if len(lab) != g.n_members:
        raise InputError(  # a bug, not user input: members and labels are made together
            f"travel target {g.key}: {g.n_members} members but {len(lab)} labels"
        )
    return lab


def travel_criteria(x, y, prepared: PreparedTravel, index: pd.Index | None = None) -> pd.DataFrame:
    """Travel-time criteria (:data:`TRAVEL_COLUMNS`) of sites at metric ``x``/``y``.

    ``time_*_min`` are minutes by road (``inf``: no road access, or no target of that
    kind can be reached); ``snap_m`` the straight distance to the road the site joins;
    ``nearest_interchange_by_road`` the interchange reached first (``""`` if none).
    """
    x = np.ascontiguousarray(x, dtype="f8")
    y = np.ascontiguousarray(y, dtype="f8")
    index = pd.RangeIndex(len(x)) if index is None else pd.Index(index)
    p = prepared
    snap = p.index.snap(x, y)
    no_access = (snap.seg < 0) | ~(snap.dist_m <= float(p.access["max_snap_m"]))
    leg = p.leg_ms(snap.dist_m)
    ms, member = lookup_times(snap, leg, p.seg_u, p.seg_v, p.seg_fwd_ms, p.seg_bwd_ms,
                              p.node_ms, p.node_member)  # fmt: skip
    _same_segment(ms, member, snap, leg, p)
    ms[no_access] = np.inf
    member[no_access] = -1
    for j, area in p.areas:
        ms[shapely.contains_xy(area, x, y), j] = 0.0
    cols: dict[str, object] = {}
    for j, key in enumerate(p.groups):
        cols[TRAVEL_TARGETS[key]] = ms[:, j] / _MS_PER_MIN
    g = p.groups.index("interchange")
    lab = p.member_labels[g]
    m = member[:, g]
    # codes into ["", *interchange ids] (the vocabulary of nearest_interchange)
    code = np.zeros(len(x), dtype=np.int64)
    ok = m >= 0
    if lab is not None and ok.any():
        code[ok] = lab[m[ok]] + 1
    cats = pd.CategoricalDtype(pd.Index(["", *p.interchange_ids], dtype="str"))
    width = np.int8 if len(cats.categories) < 127 else np.int32
    cols["nearest_interchange_by_road"] = pd.Categorical.from_codes(code.astype(width), dtype=cats)
    cols["snap_m"] = snap.dist_m
    cols["no_road_access"] = no_access
    return pd.DataFrame({c: cols[c] for c in TRAVEL_COLUMNS}, index=index, copy=False)


def _same_segment(ms, member, snap, leg, p: PreparedTravel) -> None:
    """A site on the same segment as a target point may go straight along it."""
    for j, pts in enumerate(p.point_members):
        n_nodes = 0 if p.member_labels[j] is None else len(p.member_labels[j]) - len(pts)
        for k, (seg, t_m, extra) in enumerate(pts):
            rows = np.flatnonzero(snap.seg == int(seg))
            if not len(rows):
                continue
            t = snap.t[rows]
            s = int(seg)
            with np.errstate(invalid="ignore"):
                along = np.where(
                    t <= t_m,
                    np.where(t == t_m, 0.0, (t_m - t) * p.seg_fwd_ms[s]),
                    (t - t_m) * p.seg_bwd_ms[s],
                )
            direct = leg[rows] + along + extra
            better = direct < ms[rows, j]
            ms[rows[better], j] = direct[better]
            member[rows[better], j] = n_nodes + k
