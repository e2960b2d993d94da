"""Planner layers from an OpenStreetMap extract (``.osm.pbf``, ``.osm``), read with pyosmium.

One streaming pass (two when areas or ``--bakad-relation`` need it) over the file picks
the features the layers use; pyosmium's C++ filters drop every other object before Python
sees it, and geometries come from osmium's WKB factory (ways, and areas assembled from
closed ways and multipolygon/boundary relations):

========== ===================================================================================
layer      what is taken (kind)
========== ===================================================================================
bakad      ways named БАКАД / BAKAD / «Большая Алматинская кольцевая...» (or the members of
           ``bakad_relation``), merged into one line (``ring_road``, id ``bakad``); its
           ``highway=motorway_junction`` nodes and the link roads that join it, grouped
           into ``interchange`` points
transport  ``railway=rail`` (``railway``); ``railway=station|halt`` (``rail_station``) and
           freight yards/stations (``freight_yard``); ``highway=motorway|trunk|primary``
           other than BAKAD (``highway``); aerodromes with an IATA or ICAO code (``airport``)
cities     the Almaty admin outline (``almaty``), the Almaty and Konaev place nodes
           (``almaty-centre``, ``konaev-centre``), other city/town nodes (``city_centre``),
           district-level admin boundaries (``admin_boundary``), ``landuse=residential`` and
           place polygons (``settlement``), and villages/hamlets with neither: an estimated
           circle (``settlement``, ``estimated=true``)
constraints ``boundary=national_park|protected_area`` (``exclusion``), water >= 1 ha
           (``water``), the Almaty Region and Almaty city admin outlines (``region``,
           ``city_limits``)
candidates ``landuse=industrial`` polygons: candidate sites (not zones), a separate file
========== ===================================================================================

Everything is clipped to the planning area (Almaty Region and Almaty city; the OSM outline
when the extract has it, else the built-in one). Every feature has ``source =
"OpenStreetMap <file timestamp> ..."``, ``estimated``, ``accuracy_m`` and ``licence`` (ODbL).
Features a layer must have but the extract lacks (Gate City, the Khorgos dry port outside the
region...) are taken from the built-in layers and the report says so; a layer with no OSM
feature at all is not written, so the built-in one stays in use. The report counts every
layer and says what is missing (e.g. "no way named БАКАД found; pass --bakad-relation").
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner import crs as _crs
from planner import i18n
from planner._atomic import atomic_output, check_writable
from planner.errors import InputError
from planner.inputs.layers import LAYER_SPECS, load_layers

__all__ = ["OSM_LICENCE", "OsmLayers", "candidates_path", "layers_from_osm", "write_osm_layers"]

log = logging.getLogger(__name__)

OSM_LICENCE = "ODbL 1.0: © OpenStreetMap contributors"
#: names BAKAD goes by in OSM (name, name:ru/kk/en, ref, official/alt names), lower case
BAKAD_NAME = re.compile(
    r"бакад|bakad|үаааж|большая\s+алматинская\s+кольцевая|үлкен\s+алматы\s+айналма"
    r"|big\s+almaty\s+ring",
    re.IGNORECASE,
)
_NAME_TAGS = ("name", "name:ru", "name:kk", "name:en", "ref", "official_name", "alt_name",
              "int_name", "old_name")
_REGION_NAME = re.compile(r"алматинская\s+область|алматы\s+облысы|almaty\s+region", re.I)
_ALMATY_NAME = re.compile(r"^(алматы|almaty)$", re.I)
_KONAEV_NAME = re.compile(r"^(қонаев|конаев|konaev|qonaev)$", re.I)
_ROAD_KINDS = {"motorway", "trunk", "primary"}
_LINK = re.compile(r"^(motorway|trunk|primary|secondary|tertiary)_link$")
#: place classes drawn as an estimated circle when no polygon covers their node, with the
#: radius (m) for an unknown population and the smallest radius for a known one
PLACE_RADIUS_M = {"town": (1500.0, 1000.0), "village": (700.0, 400.0), "hamlet": (300.0, 200.0)}
#: people per km2 of built-up area (rural Kazakhstan, houses with gardens)
BUILT_UP_DENSITY_PER_KM2 = 2000.0
#: positional accuracy claimed for OSM geometry, metres (traced from imagery / GPS)
ACCURACY_M = {"line": 20.0, "point": 20.0, "area": 50.0, "admin": 200.0}
#: link roads and junction nodes closer than this belong to the same interchange, metres
INTERCHANGE_CLUSTER_M = 1000.0
#: housing and small water are united into one feature per tile of this size, metres
TILE_M = 25_000.0
#: water bodies at least this large stay features of their own (lakes, reservoirs), hectares
OWN_WATER_HA = 100.0
#: pieces of the ring road farther apart than this are not joined into one line, metres
MAX_RING_GAP_M = 3000.0
#: a ring piece lying within this distance of a longer piece is the other carriageway, m
CARRIAGEWAY_M = 60.0
#: area kinds whose tags on an open way are a mapping error (boundary ways are not)
_AREA_ONLY = ("industrial", "residential", "water", "aerodrome")
#: the tags whose objects can matter: pyosmium's C++ filter drops every other object (the
#: streets, buildings and points of interest that make most of an extract) before Python
_PASS_TAGS = (
    *(("highway", v) for v in ("motorway", "trunk", "primary", "secondary", "motorway_link",
                                "trunk_link", "primary_link", "secondary_link",
                                "tertiary_link", "motorway_junction")),
    *(("railway", v) for v in ("rail", "station", "halt", "yard")),
    ("public_transport", "station"),
    *(("place", v) for v in ("city", "town", "village", "hamlet")),
    *(("landuse", v) for v in ("residential", "industrial", "reservoir", "basin")),
    ("natural", "water"), ("waterway", "riverbank"),
    *(("boundary", v) for v in ("national_park", "protected_area", "administrative")),
    ("aeroway", "aerodrome"),
)
# values are matched exactly by the C++ filter: accept the capitalised spellings mappers use
_PASS_TAGS = tuple(dict.fromkeys(
    (k, f(v)) for k, v in _PASS_TAGS for f in (str.lower, str.capitalize, str.upper)))
#: the keys read from an object that passed (reading all tags is slow in pyosmium)
_KEYS = (
    "highway", "railway", "public_transport", "place", "landuse", "natural", "waterway",
    "boundary", "aeroway", "admin_level", "type", "name", "name:ru", "name:kk", "name:en",
    "int_name", "ref", "official_name", "alt_name", "old_name", "train", "station", "subway",
    "usage", "railway:traffic_mode", "population", "iata", "icao", "protect_class",
    "destination", "destination:ref",
)


# --------------------------------------------------------------------------- collecting


@dataclass
class _Collected:
    """Raw records from the file, before geometry work (coordinates in lon/lat)."""

    ring: list[dict] = field(default_factory=list)  # BAKAD ways
    links: list[dict] = field(default_factory=list)  # *_link ways (first/last node ids)
    junctions: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)  # rail + roads
    points: list[dict] = field(default_factory=list)  # stations, aerodromes, places
    areas: list[dict] = field(default_factory=list)
    ring_nodes: set[int] = field(default_factory=set)
    area_candidates: dict[str, str] = field(default_factory=dict)  # "w12"/"r5" -> what
    areas_made: set[str] = field(default_factory=set)
    broken: list[str] = field(default_factory=list)
    latest: dt.datetime | None = None
    objects_seen: int = 0


def _tags(obj) -> dict[str, str]:
    tags = obj.tags
    out = {}
    for k in _KEYS:
        v = tags.get(k)
        if v:
            out[k] = v.strip()
    return out


def _low(tags: dict, key: str) -> str:
    return tags.get(key, "").strip().lower()


def _is_bakad(tags: dict) -> bool:
    return any(BAKAD_NAME.search(tags.get(k, "")) for k in _NAME_TAGS)


def _area_kind(tags: dict) -> str | None:
    """What an area (closed way / multipolygon) is for the layers, None if nothing."""
    landuse, natural = _low(tags, "landuse"), _low(tags, "natural")
    boundary = _low(tags, "boundary")
    if landuse == "industrial":
        return "industrial"
    if landuse == "residential":
        return "residential"
    if boundary in ("national_park", "protected_area"):
        return boundary
    if natural == "water" or landuse in ("reservoir", "basin") or _low(tags, "waterway") == (
        "riverbank"
    ):
        return "water"
    if boundary == "administrative" and _low(tags, "admin_level") in ("4", "5", "6"):
        return "admin"
    if _low(tags, "place") in ("city", "town", "village", "hamlet"):
        return "place"
    if _low(tags, "aeroway") == "aerodrome":
        return "aerodrome"
    if _low(tags, "railway") in ("station", "halt", "yard"):
        return "station"
    return None


def _point_kind(tags: dict) -> str | None:
    railway = _low(tags, "railway")
    if _low(tags, "highway") == "motorway_junction":
        return "junction"
    if railway in ("station", "halt", "yard") or (
        _low(tags, "public_transport") == "station" and _low(tags, "train") == "yes"
    ):
        return "station"
    if _low(tags, "aeroway") == "aerodrome":
        return "aerodrome"
    if _low(tags, "place") in ("city", "town", "village", "hamlet"):
        return "place"
    return None


def _stamp(c: _Collected, obj) -> None:
    try:
        ts = obj.timestamp
    except Exception:  # noqa: BLE001 - objects without metadata
        return
    if ts is not None and ts.year > 1970 and (c.latest is None or ts > c.latest):
        c.latest = ts


def _collect(path: Path, bakad_ways: set[int]) -> tuple[_Collected, str | None]:
    """One streaming pass (osmium adds the area pass) collecting what the layers use."""
    import osmium

    wkb = osmium.geom.WKBFactory()
    c = _Collected()
    if bakad_ways:
        _collect_ring(path, bakad_ways, c, wkb)
    fp = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_areas(osmium.filter.TagFilter(*_PASS_TAGS))  # relations worth assembling
        .with_filter(osmium.filter.TagFilter(*_PASS_TAGS))
    )
    header = fp.header
    stamp = header.get("osmosis_replication_timestamp") or header.get("timestamp") or None
    for obj in fp:
        c.objects_seen += 1
        if obj.is_node():
            tags = _tags(obj)
            kind = _point_kind(tags)
            if kind is None or not obj.location.valid():
                continue
            _stamp(c, obj)
            rec = {"osm": f"node/{obj.id}", "id": obj.id, "tags": tags,
                   "lon": obj.location.lon, "lat": obj.location.lat, "what": kind}
            (c.junctions if kind == "junction" else c.points).append(rec)
        elif obj.is_way():
            _way(c, obj, wkb, bakad_ways)
        elif obj.is_area():
            tags = _tags(obj)
            kind = _area_kind(tags)
            if kind is None:
                continue
            key = ("w" if obj.from_way() else "r") + str(obj.orig_id())
            c.areas_made.add(key)
            try:
                geom = wkb.create_multipolygon(obj)
            except RuntimeError as exc:
                c.broken.append(f"{_osm_ref(key)} ({kind}): no polygon could be made ({exc})")
                continue
            _stamp(c, obj)
            c.areas.append({"osm": _osm_ref(key), "id": obj.orig_id(), "tags": tags,
                            "what": kind, "wkb": geom})
        elif obj.is_relation():
            tags = _tags(obj)
            if _low(tags, "type") in ("multipolygon", "boundary") and _area_kind(tags):
                c.area_candidates[f"r{obj.id}"] = _area_kind(tags) or ""
    return c, stamp


def _osm_ref(key: str) -> str:
    return ("way/" if key[0] == "w" else "relation/") + key[1:]


def _way(c: _Collected, way, wkb, bakad_ways: set[int]) -> None:
    tags = _tags(way)
    highway, railway = _low(tags, "highway"), _low(tags, "railway")
    area_kind = _area_kind(tags)
    if area_kind and highway == "" and railway in ("", "station", "yard", "halt"):
        nodes = way.nodes
        if len(nodes) >= 4 and nodes[0].ref == nodes[-1].ref:
            c.area_candidates[f"w{way.id}"] = area_kind
        elif area_kind in _AREA_ONLY:  # boundary ways are members of their relation
            c.broken.append(
                f"way/{way.id} ({area_kind}): tagged as an area but not closed; skipped"
            )
        return
    if way.id in bakad_ways:
        return  # collected by _collect_ring
    link = bool(_LINK.match(highway))
    ring = bool(highway) and not link and not bakad_ways and _is_bakad(tags)
    line = ring or link or railway == "rail" or highway in _ROAD_KINDS
    if not line:
        return
    try:
        geom = wkb.create_linestring(way)
    except Exception as exc:  # noqa: BLE001 - osmium raises InvalidLocationError/RuntimeError
        c.broken.append(f"way/{way.id} ({highway or railway}): {exc}; nodes missing from the "
                        "extract? skipped")
        return
    _stamp(c, way)
    rec = {"osm": f"way/{way.id}", "id": way.id, "tags": tags, "wkb": geom}
    if ring:
        c.ring.append(rec)
        c.ring_nodes.update(n.ref for n in way.nodes)
    elif link:
        rec["refs"] = [(n.ref, n.location.lon, n.location.lat) for n in way.nodes]
        c.links.append(rec)
    else:
        rec["what"] = "railway" if railway == "rail" else "highway"
        c.lines.append(rec)


def _collect_ring(path: Path, bakad_ways: set[int], c: _Collected, wkb) -> None:
    """The ways of BAKAD's relation, whatever their tags (a pass over nodes and ways)."""
    import osmium

    fp = (osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
          .with_locations().with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
          .with_filter(osmium.filter.IdFilter(bakad_ways)))
    for way in fp:
        tags = _tags(way)
        link = bool(_LINK.match(_low(tags, "highway")))
        if not _low(tags, "highway"):
            continue
        try:
            geom = wkb.create_linestring(way)
        except Exception as exc:  # noqa: BLE001 - osmium raises InvalidLocationError/RuntimeError
            c.broken.append(f"way/{way.id} (BAKAD): {exc}; nodes missing from the extract?")
            continue
        _stamp(c, way)
        rec = {"osm": f"way/{way.id}", "id": way.id, "tags": tags, "wkb": geom}
        if link:
            rec["refs"] = [(n.ref, n.location.lon, n.location.lat) for n in way.nodes]
            c.links.append(rec)
        else:
            c.ring.append(rec)
            c.ring_nodes.update(n.ref for n in way.nodes)


def _relation_members(path: Path, relation_id: int) -> set[int]:
    """Way ids of relation ``relation_id`` (a first, relations-only pass)."""
    import osmium

    ways: set[int] = set()
    found = False
    for rel in osmium.FileProcessor(str(path), osmium.osm.RELATION):
        if rel.id == relation_id:
            found = True
            ways = {m.ref for m in rel.members if m.type == "w"}
            break
    if not found:
        raise InputError(
            f"{path}: relation {relation_id} (--bakad-relation) is not in the file; check the "
            "id on openstreetmap.org/relation/ID, or cut a larger extract"
        )
    if not ways:
        raise InputError(f"{path}: relation {relation_id} has no way members; give the id of "
                         "BAKAD's route relation")
    return ways


# --------------------------------------------------------------------------- feature rows


def _names(tags: dict, kind: str, osm: str) -> dict[str, str]:
    base = tags.get("name") or ""
    out = {}
    for lang in ("ru", "kk", "en"):
        name = tags.get(f"name:{lang}") or (tags.get("int_name") if lang == "en" else "") or base
        if not name:
            name = f"{i18n.kind_label(kind, lang)} (OSM {osm})"
        out[f"name_{lang}"] = name
    return out


def _row(rec: dict, kind: str, fid: str, stamp: str, accuracy: str, **extra) -> dict:
    row = {
        "id": fid,
        **_names(rec.get("tags", {}), kind, rec["osm"]),
        "kind": kind,
        "source": f"OpenStreetMap {stamp}, {rec['osm']}, © OpenStreetMap contributors (ODbL)",
        "estimated": False,
        "accuracy_m": ACCURACY_M[accuracy],
        "licence": OSM_LICENCE,
        "osm_id": rec["osm"],
    }
    row.update(extra)
    return row


def _fid(osm: str) -> str:
    return "osm-" + osm.replace("/", "-")


def _frame(rows: list[dict], geoms: list) -> gpd.GeoDataFrame:
    if not rows:
        return gpd.GeoDataFrame({"id": []}, geometry=gpd.GeoSeries([], crs=_crs.GEOGRAPHIC_CRS))
    return gpd.GeoDataFrame(rows, geometry=gpd.GeoSeries(geoms, crs=_crs.GEOGRAPHIC_CRS))


def _to_metric_geoms(geoms) -> np.ndarray:
    return gpd.GeoSeries(geoms, crs=_crs.GEOGRAPHIC_CRS).to_crs(_crs.METRIC_CRS).to_numpy()


def _to_lonlat_geoms(geoms) -> np.ndarray:
    return gpd.GeoSeries(geoms, crs=_crs.METRIC_CRS).to_crs(_crs.GEOGRAPHIC_CRS).to_numpy()


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
        notes.append(f"bakad: {dropped_m / 1000:.1f} km of a second carriageway left out; "
                     "the line follows one carriageway")
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
            notes.append(f"bakad: a gap of {d:.0f} m between its ways was bridged")
        line = shapely.LineString(coords)
    if rest:
        notes.append(
            f"bakad: {len(rest)} piece(s) ({sum(p.length for p in rest) / 1000:.1f} km) lie more "
            f"than {MAX_RING_GAP_M / 1000:.0f} km from the rest and were kept as separate parts"
        )
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
        notes.append(f"bakad: {len(unused)} motorway_junction node(s) not on BAKAD ignored")
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
    notes.append(f"bakad: {len(out)} interchange(s) from {sum(1 for p in pts if p[2])} "
                 f"motorway_junction node(s) and {links_used} link road(s)")
    return out


def _bakad_layer(c: _Collected, stamp: str, relation: int | None, notes: list[str],
                 missing: list[str]) -> gpd.GeoDataFrame | None:
    if not c.ring:
        missing.append(
            "no way named БАКАД found; pass --bakad-relation ID (the route relation of BAKAD "
            "on openstreetmap.org)" if relation is None else
            f"relation {relation}: none of its ways is a highway in the extract"
        )
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
        missing.append("BAKAD has no motorway_junction node and no link road in the extract")
    for r, g in ics:
        rows.append(r)
        geoms.append(g)
    notes.append(f"bakad: ring road {ring_m.length / 1000:.1f} km from {len(ways)} way(s)")
    return _frame(rows, geoms)


# --------------------------------------------------------------------------- other layers


def _poly(geom):
    """Polygons only (an assembled area may be invalid: repair), None when nothing is left."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if geom.geom_type == "GeometryCollection":
        geom = shapely.union_all([g for g in geom.geoms if g.geom_type in ("Polygon",
                                                                            "MultiPolygon")])
    if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        return None
    return geom


def _admin(areas: list[dict]) -> tuple[dict | None, dict | None, list[dict]]:
    region = city = None
    others = []
    for a in areas:
        if a["what"] != "admin":
            continue
        level = _low(a["tags"], "admin_level")
        names = [a["tags"].get(k, "") for k in ("name", "name:ru", "name:kk", "name:en")]
        if level == "4" and any(_REGION_NAME.search(n) for n in names):
            region = a
        elif level == "4" and any(_ALMATY_NAME.match(n.strip()) for n in names):
            city = a
        elif level in ("5", "6"):
            others.append(a)
    return region, city, others


def _circle_radii_m(recs: list[dict]) -> tuple[np.ndarray, list[str]]:
    """Estimated built-up radius of each place node: from its population, else its class."""
    radii, hows = [], []
    for rec in recs:
        default_r, min_r = PLACE_RADIUS_M[_low(rec["tags"], "place")]
        try:
            pop = int(str(rec["tags"].get("population", "")).replace(" ", ""))
        except ValueError:
            pop = 0
        if pop > 0:
            r = max(min_r, min(4000.0, math.sqrt(pop / BUILT_UP_DENSITY_PER_KM2 / math.pi) * 1e3))
            hows.append(f"from the population {pop:,}")
        else:
            r = default_r
            hows.append("population unknown")
        radii.append(r)
    return np.asarray(radii, dtype="f8"), hows



def _tiled(group: str, recs: list[dict], metric: np.ndarray, kind: str, stamp: str,
           what: str, **fields) -> tuple[list[dict], list]:
    """Polygons (metric) united into one feature per :data:`TILE_M` tile.

    The criteria test membership feature by feature: a region-wide extract's tens of
    thousands of residential polygons as as many features would cost every site one bit
    each. Tiles keep a few hundred features; ``osm_ids`` lists what each one holds.
    """
    c = shapely.point_on_surface(metric)
    tx = np.floor(shapely.get_x(c) / TILE_M).astype("i8")
    ty = np.floor(shapely.get_y(c) / TILE_M).astype("i8")
    tiles: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, key in enumerate(zip(tx.tolist(), ty.tolist(), strict=True)):
        tiles[key].append(i)
    rows, geoms = [], []
    for (x, y), idx in sorted(tiles.items()):
        ids = sorted(recs[i]["osm"] for i in idx)
        n = len(idx)
        row = {
            "id": f"osm-{group}-{x}-{y}",
            **{f"name_{lang}": i18n.t(f"osm.{group}", lang, n=n) for lang in i18n.LANGS},
            "kind": kind,
            "source": f"OpenStreetMap {stamp}, {n} {what} in a {TILE_M / 1000:.0f} km tile, "
                      "© OpenStreetMap contributors (ODbL)",
            "estimated": False,
            "accuracy_m": ACCURACY_M["area"],
            "licence": OSM_LICENCE,
            "osm_id": ids[0] if n == 1 else f"{n} objects",
            "osm_ids": ";".join(ids),
        }
        for k, v in fields.items():
            row[k] = v(idx) if callable(v) else v
        rows.append(row)
        geoms.append(shapely.union_all(metric[idx]))
    return rows, list(_to_lonlat_geoms(geoms)) if geoms else []


@dataclass
class OsmLayers:
    """The layers made from an extract, the candidate sites and the report."""

    path: Path
    stamp: str
    layers: dict[str, gpd.GeoDataFrame]
    candidates: gpd.GeoDataFrame
    counts: dict[str, dict[str, int]]
    missing: list[str]
    notes: list[str]
    from_builtin: list[str]
    broken: list[str]

    def report(self) -> str:
        """Plain-text report: counts per layer and kind, what is missing, what was done."""
        lines = [f"OpenStreetMap extract {self.path} ({self.stamp})"]
        for name in ("bakad", "transport", "cities", "constraints", "candidates"):
            kinds = self.counts.get(name, {})
            total = sum(kinds.values())
            what = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or "none"
            written = name == "candidates" or name in self.layers
            lines.append(f"  {name}: {total} feature(s) from OSM ({what})"
                         + ("" if written or not total else "; not written"))
        for title, items in (("missing", self.missing), ("from the built-in layers",
                             self.from_builtin), ("skipped (broken geometry)", self.broken),
                             ("notes", self.notes)):
            if items:
                lines.append(f"  {title}:")
                lines += [f"    - {s}" for s in items[:30]]
                if len(items) > 30:
                    lines.append(f"    ... and {len(items) - 30} more")
        return "\n".join(lines)


def _clip(gdf: gpd.GeoDataFrame, area_ll) -> gpd.GeoDataFrame:
    """Features inside the planning area, lines and polygons cut at its border."""
    if gdf.empty:
        return gdf
    geoms = gdf.geometry.to_numpy()
    shapely.prepare(area_ll)  # one polygon tested against every feature
    keep = shapely.intersects(area_ll, geoms)
    gdf = gdf[keep].copy()
    geoms = geoms[keep]
    inside = shapely.within(geoms, area_ll)
    cut = shapely.intersection(geoms[~inside], area_ll)
    cut = np.array([_keep_type(g, o) for g, o in zip(cut, geoms[~inside], strict=True)],
                   dtype=object)
    geoms = geoms.copy()
    geoms[~inside] = cut
    gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=_crs.GEOGRAPHIC_CRS))
    return gdf[~gdf.geometry.isna() & ~gdf.geometry.is_empty]


def _keep_type(geom, original):
    """The part of ``geom`` of ``original``'s dimension (clipping can add points/lines)."""
    if geom is None or geom.is_empty:
        return None
    dim = shapely.get_dimensions(original)
    if geom.geom_type == "GeometryCollection":
        parts = [g for g in geom.geoms if shapely.get_dimensions(g) == dim]
        geom = shapely.union_all(parts) if parts else None
        if geom is not None and dim == 1:
            geom = shapely.line_merge(geom)
    if geom is None or geom.is_empty or shapely.get_dimensions(geom) != dim:
        return None
    return geom


def layers_from_osm(
    path: str | Path, bakad_relation: int | None = None, clip: bool = True,
    min_water_ha: float = 1.0,
) -> OsmLayers:
    """Read an OSM extract and make the planner's layers from it.

    Parameters
    ----------
    path
        ``.osm.pbf`` (or ``.osm``/``.osm.bz2``) extract covering (part of) Almaty Region.
    bakad_relation
        OSM id of BAKAD's route relation, when its ways are not named БАКАД/BAKAD.
    clip
        Cut every feature to the planning area (Almaty Region and Almaty city).
    min_water_ha
        Water polygons smaller than this are left out (ponds), hectares.

    Raises
    ------
    InputError
        the file is missing or unreadable, or holds none of the features (the message
        carries the report).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(
            f"OSM extract {str(path)!r} does not exist; download one (e.g. the Kazakhstan "
            "extract as .osm.pbf) and cut it with `osmium extract` (see README)"
        )
    bakad_ways: set[int] = set()
    if bakad_relation is not None:
        bakad_ways = _relation_members(path, bakad_relation)
    try:
        c, stamp = _collect(path, bakad_ways)
    except (RuntimeError, ValueError) as exc:  # osmium: unknown format, truncated file...
        raise InputError(
            f"cannot read OSM extract {str(path)!r}: {exc}; give an .osm.pbf or .osm file "
            "(e.g. cut with `osmium extract`)"
        ) from exc
    if not stamp:
        stamp = (c.latest.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") + " (latest edit; "
                 "the file has no timestamp)") if c.latest else "(no timestamp in the file)"
    return _assemble(path, c, stamp, bakad_relation, clip, min_water_ha)


def _assemble(path, c: _Collected, stamp, relation, clip, min_water_ha) -> OsmLayers:
    notes: list[str] = []
    missing: list[str] = []
    broken = list(c.broken)
    for key, what in sorted(c.area_candidates.items()):
        if key not in c.areas_made:
            broken.append(f"{_osm_ref(key)} ({what}): the polygon could not be assembled "
                          "(open or self-crossing rings, or members missing from the extract)")
    builtin = load_layers()
    region_osm, city_osm, admins = _admin(c.areas)
    polys = {}
    for a in c.areas:
        g = _poly(shapely.from_wkb(a["wkb"]))
        if g is None:
            broken.append(f"{a['osm']} ({a['what']}): invalid polygon that cannot be repaired")
        polys[a["osm"]] = g

    # the planning area: Almaty Region and Almaty city, from OSM where the extract has them
    cons = builtin["constraints"]
    parts, said = [], []
    for rec, fid, what in ((region_osm, "region-almaty", "Almaty Region"),
                           (city_osm, "region-almaty-city", "Almaty city")):
        if rec and polys.get(rec["osm"]) is not None:
            parts.append(polys[rec["osm"]])
            said.append(f"the OSM outline of {what}")
        else:
            parts += list(cons.loc[cons["id"] == fid].geometry)
            said.append(f"the built-in outline of {what}")
    area_ll = shapely.union_all(parts)
    if clip:
        notes.append(f"clipped to {' and '.join(said)}")

    def finish(gdf):
        return _clip(gdf, area_ll) if clip else gdf

    layers: dict[str, gpd.GeoDataFrame] = {}
    counts: dict[str, dict[str, int]] = {}
    bakad = _bakad_layer(c, stamp, relation, notes, missing)
    if bakad is not None:
        layers["bakad"] = finish(bakad)
    layers["transport"] = finish(_transport(c, stamp, polys, notes, missing))
    layers["cities"] = finish(_cities(c, stamp, polys, city_osm, admins, notes, missing))
    layers["constraints"] = finish(
        _constraints(c, stamp, polys, region_osm, city_osm, min_water_ha, notes, missing))
    cand = finish(_candidates(c, stamp, polys))
    for name, gdf in layers.items():
        counts[name] = gdf["kind"].value_counts().to_dict() if len(gdf) else {}
    counts["candidates"] = {"industrial land": len(cand)} if len(cand) else {}
    if not any(counts.values()):
        rep = OsmLayers(path, stamp, {}, cand, counts, missing, notes, [], broken).report()
        raise InputError(
            f"{path}: none of the features the planner uses (BAKAD, rail, roads, stations, "
            "airports, places, residential or industrial land, protected areas, water) was "
            f"found{' inside Almaty Region' if clip else ''}; is it an extract of the Almaty "
            f"area? Report:\n{rep}"
        )
    from_builtin: list[str] = []
    out: dict[str, gpd.GeoDataFrame] = {}
    for name, gdf in layers.items():
        if gdf.empty:
            missing.append(f"{name}: no feature in the extract; the built-in layer stays in use")
            continue
        out[name] = _complete(name, gdf, builtin, from_builtin)
    cons = out.get("constraints")
    if cons is not None and "region-almaty-city" not in set(cons["id"]) and (
            "region-almaty" in set(cons["id"]) and cons.loc[cons["id"] == "region-almaty",
                                                              "source"].iloc[0].startswith("Open")):
        # the OSM region has the city as a hole: keep the city in the planning area
        out["constraints"] = _complete_ids("constraints", cons, builtin, ("region-almaty-city",),
                                           from_builtin)
    return OsmLayers(path, stamp, out, cand, counts, missing, notes, from_builtin, broken)


def _complete_ids(name, gdf, builtin, ids, from_builtin):
    return _complete(name, gdf, builtin, from_builtin, extra_ids=ids)


def _complete(name: str, gdf: gpd.GeoDataFrame, builtin, from_builtin: list[str],
              extra_ids: tuple[str, ...] = ()):
    """Add the built-in features a layer must have but the extract did not give."""
    spec = LAYER_SPECS[name]
    base = builtin[name]
    ids = set(gdf["id"])
    kinds = set(gdf["kind"])
    take = np.zeros(len(base), dtype=bool)
    for rid in (*spec.required_ids, *extra_ids):
        if rid not in ids:
            take |= (base["id"] == rid).to_numpy()
    for rk in spec.required_kinds:
        if rk not in kinds:
            take |= (base["kind"] == rk).to_numpy()
    for group in spec.required_any:
        if not kinds.intersection(group):
            take |= base["kind"].isin(group).to_numpy()
    if not take.any():
        return gdf.reset_index(drop=True)
    extra = base[take]
    for _, r in extra.iterrows():
        from_builtin.append(f"{name}/{r['id']} ({r['kind']}, "
                            f"{'estimated' if r['estimated'] else 'public data'}): not in the "
                            "extract")
    cols = list(dict.fromkeys([*gdf.columns, *extra.columns]))
    merged = pd.concat([gdf.reindex(columns=cols), extra.reindex(columns=cols)],
                       ignore_index=True)
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=_crs.GEOGRAPHIC_CRS)


def _point_of(rec: dict, polys: dict):
    if "lon" in rec:
        return shapely.Point(rec["lon"], rec["lat"])
    g = polys.get(rec["osm"])
    return None if g is None else g.representative_point()


def _transport(c, stamp, polys, notes, missing) -> gpd.GeoDataFrame:
    rows, geoms = [], []
    for rec in c.lines:
        kind = rec["what"]
        extra = {"road_ref": rec["tags"].get("ref", "")} if kind == "highway" else {}
        if kind == "highway":
            extra["road_class"] = _low(rec["tags"], "highway")
        rows.append(_row(rec, kind, _fid(rec["osm"]), stamp, "line", **extra))
        geoms.append(shapely.from_wkb(rec["wkb"]))
    small = 0
    for rec in [*c.points, *(a for a in c.areas if a["what"] in ("station", "aerodrome"))]:
        t = rec["tags"]
        if rec["what"] == "station":
            if _low(t, "station") in ("subway", "light_rail", "monorail", "funicular") or _low(
                    t, "subway") == "yes":
                continue
            freight = _low(t, "railway") == "yard" or _low(t, "station") == "freight" or _low(
                t, "usage") == "freight" or _low(t, "railway:traffic_mode") == "freight"
            kind = "freight_yard" if freight else "rail_station"
        elif rec["what"] == "aerodrome":
            if not (t.get("iata") or t.get("icao")):
                small += 1
                continue
            kind = "airport"
        else:
            continue
        pt = _point_of(rec, polys)
        if pt is None:
            continue
        extra = {"iata": t.get("iata", ""), "icao": t.get("icao", "")} if kind == "airport" else {}
        rows.append(_row(rec, kind, _fid(rec["osm"]), stamp, "point", **extra))
        geoms.append(pt)
    if small:
        notes.append(f"transport: {small} aerodrome(s) without an IATA or ICAO code "
                     "(airstrips) left out")
    if not any(r["kind"] == "railway" for r in rows):
        missing.append("no railway=rail way in the extract")
    return _frame(rows, geoms)


def _cities(c, stamp, polys, city_osm, admins, notes, missing) -> gpd.GeoDataFrame:
    rows, geoms = [], []
    if city_osm and polys.get(city_osm["osm"]) is not None:
        rows.append(_row(city_osm, "city_outline", "almaty", stamp, "admin"))
        geoms.append(polys[city_osm["osm"]])
    else:
        missing.append("no admin_level=4 boundary named Алматы (Almaty city limits)")
    for a in admins:
        if polys.get(a["osm"]) is None:
            continue
        rows.append(_row(a, "admin_boundary", _fid(a["osm"]), stamp, "admin",
                         admin_level=_low(a["tags"], "admin_level")))
        geoms.append(polys[a["osm"]])
    housing = [a for a in c.areas
               if a["what"] in ("residential", "place") and polys.get(a["osm"]) is not None]
    housing_ll = np.array([polys[a["osm"]] for a in housing], dtype=object)
    if len(housing):
        r, g = _tiled("housing", housing, _to_metric_geoms(housing_ll), "settlement", stamp,
                      "residential / place polygon(s)")
        rows += r
        geoms += g
    found = {"almaty-centre": False, "konaev-centre": False}
    uncovered = []
    places = [rec for rec in c.points if rec["what"] == "place"]
    pts = shapely.points([p["lon"] for p in places], [p["lat"] for p in places]) if places else []
    covered = np.zeros(len(places), dtype=bool)
    if len(housing) and len(places):
        tree = shapely.STRtree(housing_ll)
        hit_pt, _ = tree.query(pts, predicate="within")
        covered[hit_pt] = True
    for i, rec in enumerate(places):
        t = rec["tags"]
        place = _low(t, "place")
        names = [t.get(k, "").strip() for k in ("name", "name:ru", "name:kk", "name:en")]
        fid = None
        if place == "city" and any(_ALMATY_NAME.match(n) for n in names):
            fid = "almaty-centre"
        elif place in ("city", "town") and any(_KONAEV_NAME.match(n) for n in names):
            fid = "konaev-centre"
        if fid and not found[fid]:
            found[fid] = True
            rows.append(_row(rec, "city_centre", fid, stamp, "point", place=place))
            geoms.append(pts[i])
            continue
        if place in ("city", "town"):
            rows.append(_row(rec, "city_centre", _fid(rec["osm"]), stamp, "point", place=place))
            geoms.append(pts[i])
        if place in PLACE_RADIUS_M and not covered[i]:
            uncovered.append(rec)
    if uncovered:
        radii, _hows = _circle_radii_m(uncovered)
        x, y = _crs.lonlat_to_metric([p["lon"] for p in uncovered], [p["lat"] for p in uncovered])
        circles = shapely.buffer(shapely.points(x, y), radii, quad_segs=4)
        r, g = _tiled(
            "places", uncovered, circles, "settlement", stamp,
            "place node(s) with no residential polygon (built-up area: estimated circles "
            f"of {PLACE_RADIUS_M['hamlet'][1]:.0f}-4000 m from the population or the place "
            "class)",
            estimated=True, accuracy_m=lambda idx: float(radii[idx].max()),
            places=lambda idx: "; ".join(
                f"{uncovered[i]['tags'].get('name', '?')} r={radii[i]:.0f} m" for i in idx))
        rows += r
        geoms += g
        notes.append(f"cities: {len(uncovered)} village/hamlet node(s) without a residential "
                     f"polygon drawn as estimated circles (estimated=true) in {len(r)} tile(s)")
    for fid, ok in found.items():
        if not ok:
            missing.append(f"no place node for {fid.replace('-centre', '').title()} "
                           f"({'place=city Алматы' if fid == 'almaty-centre' else 'Қонаев'})")
    return _frame(rows, geoms)


def _constraints(c, stamp, polys, region_osm, city_osm, min_water_ha, notes,
                 missing) -> gpd.GeoDataFrame:
    rows, geoms = [], []
    if region_osm and polys.get(region_osm["osm"]) is not None:
        rows.append(_row(region_osm, "region", "region-almaty", stamp, "admin",
                         reason="outside_region"))
        geoms.append(polys[region_osm["osm"]])
        if city_osm and polys.get(city_osm["osm"]) is not None:
            rows.append(_row(city_osm, "region", "region-almaty-city", stamp, "admin",
                             reason="outside_region"))
            geoms.append(polys[city_osm["osm"]])
    else:
        missing.append("no admin_level=4 boundary named Алматинская область (the region "
                       "outline)")
    if city_osm and polys.get(city_osm["osm"]) is not None:
        rows.append(_row(city_osm, "city_limits", "limits-almaty", stamp, "admin",
                         reason="city_limits"))
        geoms.append(polys[city_osm["osm"]])
    for a in c.areas:
        if a["what"] in ("national_park", "protected_area") and polys.get(a["osm"]) is not None:
            extra = {"reason": a["what"]}
            if a["tags"].get("protect_class"):
                extra["protect_class"] = a["tags"]["protect_class"]
            rows.append(_row(a, "exclusion", _fid(a["osm"]), stamp, "area", **extra))
            geoms.append(polys[a["osm"]])
    water = [a for a in c.areas if a["what"] == "water" and polys.get(a["osm"]) is not None]
    if water:
        metric = _to_metric_geoms([polys[a["osm"]] for a in water])
        area_ha = shapely.area(metric) / 1e4
        small = int((area_ha < min_water_ha).sum())
        if small:
            notes.append(f"constraints: {small} water polygon(s) under {min_water_ha:g} ha "
                         "left out")
        for i in np.flatnonzero(area_ha >= OWN_WATER_HA):  # lakes, reservoirs: on their own
            rows.append(_row(water[i], "water", _fid(water[i]["osm"]), stamp, "area",
                             reason="water", area_ha=round(float(area_ha[i]), 2)))
            geoms.append(polys[water[i]["osm"]])
        mid = np.flatnonzero((area_ha >= min_water_ha) & (area_ha < OWN_WATER_HA))
        if len(mid):
            r, g = _tiled("water", [water[i] for i in mid], metric[mid], "water", stamp,
                          f"water polygon(s) of {min_water_ha:g}-{OWN_WATER_HA:g} ha",
                          reason="water")
            rows += r
            geoms += g
    return _frame(rows, geoms)


def _candidates(c, stamp, polys) -> gpd.GeoDataFrame:
    rows, geoms = [], []
    for a in c.areas:
        g = polys.get(a["osm"])
        if a["what"] != "industrial" or g is None:
            continue
        names = _names(a["tags"], "industrial_zone", a["osm"])
        rows.append({
            "site_id": _fid(a["osm"]),
            "name": a["tags"].get("name") or names["name_ru"],
            "source": f"OpenStreetMap {stamp}, {a['osm']} landuse=industrial, "
                      "© OpenStreetMap contributors (ODbL)",
            "estimated": False,
            "accuracy_m": ACCURACY_M["area"],
            "licence": OSM_LICENCE,
            "osm_id": a["osm"],
        })
        geoms.append(g)
    gdf = _frame(rows, geoms)
    if len(gdf):
        gdf["area_ha"] = np.round(shapely.area(_to_metric_geoms(gdf.geometry.to_numpy())) / 1e4, 3)
    return gdf


# --------------------------------------------------------------------------- writing


def candidates_path(output: str | Path) -> Path:
    """Default file of the candidate sites beside ``output``: ``<stem>_candidates.gpkg``."""
    output = Path(output)
    return output.with_name(f"{output.stem}_candidates.gpkg")


def write_osm_layers(result: OsmLayers, output: str | Path, candidates: str | Path | None = None,
                     overwrite: bool = False) -> tuple[Path, Path | None]:
    """Write the layers (one GeoPackage, a table per layer) and the candidate sites.

    Both outputs are checked before anything is written; each is written atomically.
    Returns the two paths (the second None when there is no candidate site).
    """
    output = Path(output)
    if output.suffix.lower() != ".gpkg":
        raise InputError(f"output {str(output)!r} must end in .gpkg, e.g. -o official.gpkg")
    cand_path = Path(candidates) if candidates else candidates_path(output)
    check_writable(output, overwrite)
    if len(result.candidates):
        check_writable(cand_path, overwrite)
    with atomic_output(output, overwrite) as tmp:
        for name, gdf in result.layers.items():
            gdf = gdf.copy()
            for col in gdf.columns:
                if col != gdf.geometry.name and gdf[col].dtype == object:
                    gdf[col] = gdf[col].where(gdf[col].notna(), None)
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
    if not len(result.candidates):
        return output, None
    with atomic_output(cand_path, overwrite) as tmp:
        result.candidates.to_file(tmp, layer="candidate_sites", driver="GPKG", engine="pyogrio")
    return output, cand_path
