"""BAKAD from OpenStreetMap records: the ring's ways as one line, its interchanges."""

from __future__ import annotations

from collections import defaultdict

import geopandas as gpd
import numpy as np
import shapely

from planner import crs as _crs
from planner.i18n import tr
from planner.inputs._osm_features import _fid, _frame, _row, _to_lonlat_geoms, _to_metric_geoms
from planner.inputs._osm_read import _Collected

#: link roads and junction nodes closer than this belong to the same interchange, metres
INTERCHANGE_CLUSTER_M = 1000.0
#: pieces of the ring road farther apart than this are not joined into one line, metres
MAX_RING_GAP_M = 3000.0
#: a ring piece lying within this distance of a longer piece is the other carriageway, m
CARRIAGEWAY_M = 60.0


# --------------------------------------------------------------------------- BAKAD


def _merge_ring(ways: list[dict], notes: list[str]):
    """The ring's ways as one metric line: one carriageway kept, pieces chained.

    Ways are taken longest first; the part of a way lying within :data:`CARRIAGEWAY_M` of
    what is already kept is the other carriageway (or a duplicate) and is cut away. What
    remains is merged at shared nodes and the pieces are chained end to end, bridging gaps
    up to :data:`MAX_RING_GAP_M` (cut carriageway ends, ways missing from the extract).
    """
    lines = _to_metric_geoms(shapely.from_wkb([w["wkb"] for w in ways]))
    kept: list = []
    dropped_m = 0.0
    for g in sorted(lines, key=lambda g: -g.length):
        if kept:
            rest = g.difference(shapely.union_all(kept).buffer(CARRIAGEWAY_M))
            parts = [p for p in shapely.get_parts(rest) if p.length > 2 * CARRIAGEWAY_M]
            dropped_m += g.length - sum(p.length for p in parts)
            kept += parts
        else:
            kept.append(g)
    if dropped_m > 2 * CARRIAGEWAY_M:
        notes.append(tr("err.osm.carriageway", km=f"{dropped_m / 1000:.1f}"))
    merged = shapely.line_merge(shapely.MultiLineString(kept))
    kept = sorted(shapely.get_parts(merged), key=lambda g: -g.length)
    line = kept.pop(0)
    rest: list = []
    while kept:
        coords = np.asarray(line.coords)
        best = None
        for i, p in enumerate(kept):
            pc = np.asarray(p.coords)
            for end_at_start, a in ((True, coords[0]), (False, coords[-1])):
                for flip, b in ((False, pc[0]), (True, pc[-1])):
                    d = float(np.hypot(*(a - b)))
                    if best is None or d < best[0]:
                        best = (d, i, end_at_start, flip)
        d, i, at_start, flip = best
        if d > MAX_RING_GAP_M:
            rest = kept
            break
        pc = np.asarray(kept.pop(i).coords)
        if at_start:  # piece goes before the line: its far end first
            pc = pc if flip else pc[::-1]
            coords = np.vstack([pc, coords[1:] if d == 0 else coords])
        else:
            pc = pc[::-1] if flip else pc
            coords = np.vstack([coords, pc[1:] if d == 0 else pc])
        if d > 0:
            notes.append(tr("err.osm.gap", m=f"{d:.0f}"))
        line = shapely.LineString(coords)
    if rest:
        notes.append(tr("err.osm.pieces", n=len(rest),
                        km=f"{sum(p.length for p in rest) / 1000:.1f}",
                        gap=f"{MAX_RING_GAP_M / 1000:.0f}"))  # fmt: skip
        return shapely.MultiLineString([line, *rest])
    return line


def _interchanges(c: _Collected, ring_m, stamp: str, notes: list[str]) -> list[tuple]:
    """Junction nodes on the ring and link-road connections, one point per interchange."""
    pts = []  # (x, y, junction rec or None, link rec or None)
    for j in c.junctions:
        if j["id"] in c.ring_nodes:
            pts.append((j["lon"], j["lat"], j, None))
    links_used = 0
    for lk in c.links:
        joins = [(lon, lat) for ref, lon, lat in lk["refs"] if ref in c.ring_nodes]
        if not joins:
            continue
        links_used += 1
        for lon, lat in dict.fromkeys(joins):  # where the link leaves or joins the ring
            pts.append((lon, lat, None, lk))
    unused = [j for j in c.junctions if j["id"] not in c.ring_nodes]
    if unused:
        notes.append(tr("err.osm.junctions_ignored", n=len(unused)))
    if not pts:
        return []
    x, y = _crs.lonlat_to_metric([p[0] for p in pts], [p[1] for p in pts])
    # single-linkage clusters within INTERCHANGE_CLUSTER_M (a handful of points: O(n^2) is fine)
    n = len(pts)
    label = list(range(n))

    def find(i):
        while label[i] != i:
            label[i] = label[label[i]]
            i = label[i]
        return i

    d = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    for i, k in zip(*np.nonzero(np.triu(d <= INTERCHANGE_CLUSTER_M, 1)), strict=True):
        label[find(int(i))] = find(int(k))
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        groups[find(i)].append(i)
    out = []
    for members in groups.values():
        juncs = sorted((pts[i][2] for i in members if pts[i][2]), key=lambda r: r["id"])
        links = [pts[i][3] for i in members if pts[i][3]]
        if juncs:
            rec = juncs[0]
            pos = shapely.Point(rec["lon"], rec["lat"])
            fid = _fid(rec["osm"])
            tags = dict(rec["tags"])
            if not tags.get("name"):
                alt = [j["tags"].get("name") for j in juncs if j["tags"].get("name")]
                tags["name"] = alt[0] if alt else ""
        else:
            mx, my = float(np.mean(x[members])), float(np.mean(y[members]))
            snapped = ring_m.interpolate(ring_m.project(shapely.Point(mx, my)))
            lon, lat = _crs.metric_to_lonlat([snapped.x], [snapped.y])
            pos = shapely.Point(lon[0], lat[0])
            rec = min(links, key=lambda r: r["id"])
            fid = "osm-ic-" + rec["osm"].replace("/", "-")
            tags = {}
            for lk in links:
                for k in ("destination", "destination:ref", "name"):
                    if lk["tags"].get(k) and not tags.get("name"):
                        tags["name"] = lk["tags"][k]
        if not tags.get("name") and tags.get("ref"):
            tags["name"] = f"exit {tags['ref']}"
        px, py = _crs.lonlat_to_metric([pos.x], [pos.y])
        chain_km = round(float(ring_m.project(shapely.Point(px[0], py[0]))) / 1000, 2)
        link_ids = sorted({lk["osm"] for lk in links})
        row = _row({"osm": rec["osm"], "tags": tags}, "interchange", fid, stamp, "point",
                   chainage_km=chain_km, junction_nodes=";".join(j["osm"] for j in juncs),
                   link_ways=";".join(link_ids))
        out.append((row, pos))
    out.sort(key=lambda t: t[0]["chainage_km"])
    notes.append(tr("err.osm.interchanges", n=len(out), nodes=sum(1 for p in pts if p[2]),
                    links=links_used))  # fmt: skip
    return out


def _bakad_layer(c: _Collected, stamp: str, relation: int | None, notes: list[str],
                 missing: list[str]) -> gpd.GeoDataFrame | None:
    if not c.ring:
        missing.append(tr("err.osm.no_bakad", name="БАКАД") if relation is None else
                       tr("err.osm.relation_empty", relation=relation))
        return None
    ring_m = _merge_ring(c.ring, notes)
    ring_ll = _to_lonlat_geoms([ring_m])[0]
    main = ring_m if ring_m.geom_type == "LineString" else ring_m.geoms[0]
    name_tags = next((w["tags"] for w in c.ring if w["tags"].get("name")), {})
    ways = sorted(w["osm"] for w in c.ring)
    row = _row({"osm": f"{len(ways)} ways", "tags": name_tags}, "ring_road", "bakad", stamp,
               "line", length_km=round(ring_m.length / 1000, 3), osm_ways=";".join(ways))
    row["osm_id"] = ways[0] if len(ways) == 1 else f"{len(ways)} ways"
    rows, geoms = [row], [ring_ll]
    ics = _interchanges(c, main, stamp, notes)
    if not ics:
        missing.append(tr("err.osm.no_interchange"))
    for r, g in ics:
        rows.append(r)
        geoms.append(g)
    notes.append(tr("err.osm.ring", km=f"{ring_m.length / 1000:.1f}", n=len(ways)))
    return _frame(rows, geoms)
