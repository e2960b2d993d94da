"""Reading an OpenStreetMap extract with pyosmium: the objects the layers use, as records.

One streaming pass (osmium adds the area pass; a first one for ``--bakad-relation``).
pyosmium's C++ tag filter drops every other object before Python sees it, and the tags
of those that pass are read by key. Used by :mod:`planner.inputs.osm`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from planner.errors import InputError
from planner.i18n import tr

BAKAD_NAME = re.compile(
    r"бакад|bakad|үаааж|большая\s+алматинская\s+кольцевая|үлкен\s+алматы\s+айналма"
    r"|big\s+almaty\s+ring",
    re.IGNORECASE,
)
_NAME_TAGS = ("name", "name:ru", "name:kk", "name:en", "ref", "official_name", "alt_name",
              "int_name", "old_name")
_ROAD_KINDS = {"motorway", "trunk", "primary"}
_LINK = re.compile(r"^(motorway|trunk|primary|secondary|tertiary)_link$")
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
                c.broken.append(tr("err.osm.no_polygon", ref=_osm_ref(key), what=kind, error=exc))
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
            c.broken.append(tr("err.osm.not_closed", ref=f"way/{way.id}", what=area_kind))
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
        c.broken.append(tr("err.osm.way_nodes", ref=f"way/{way.id}", what=highway or railway,
                           error=exc))  # fmt: skip
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
        raise InputError(tr("err.osm.relation_missing", path=path, relation=relation_id))
    if not ways:
        raise InputError(tr("err.osm.relation_no_ways", path=path, relation=relation_id))
    return ways
