"""Roads for the travel-time network: from an OpenStreetMap extract, a GeoPackage ``roads``
layer, or (no extract) a coarse network made from the built-in layers.

Every reader ends in :func:`planner.core.network.build_network`: nodes, straight
segments between them, a class and a speed per direction. What each reader does:

* :func:`read_osm_roads` streams an ``.osm.pbf`` (or ``.osm``) with pyosmium: every way
  with a ``highway`` class of the speed table (``planner/config/data/road_speeds.toml``),
  drivable (``access=no|private`` and ``motor_vehicle|motorcar=no`` dropped), inside a
  lon/lat box (default: Almaty Region). One-way: ``oneway=yes|true|1`` forward,
  ``-1|reverse`` backward, ``no|false|0`` both ways; otherwise ``junction=roundabout|
  circular`` and ``highway=motorway`` are one-way forward. Speed: ``maxspeed`` (or
  ``maxspeed:forward|backward``) times the table's factor, else the class default. Ways
  share a node where they share an OSM node (a bridge over a road does not). BAKAD is the
  motorway/trunk/primary ways whose name, ref or official name says БАКАД / BAKAD /
  Большая Алматинская кольцевая / Үлкен Алматы айналма.
* :func:`read_gpkg_roads` reads a ``roads`` layer (lines; columns ``highway`` required;
  ``oneway``, ``maxspeed``, ``junction``, ``name``, ``ref``, ``access``, ``bakad``
  optional, with the OSM meanings above). Lines join where they share a vertex.
* :func:`builtin_roads` builds the coarse, indicative network: BAKAD from the ``bakad``
  layer (no site joins it), a node at each interchange where sites may join, the
  built-in highways, link roads from each interchange to a highway passing within 3 km,
  and from a highway's end to another highway within 5 km (city streets). Local roads
  are not in it: the access leg (road speed table, ``[access.builtin]``) stands for them.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from planner import crs as _crs
from planner.config.road_speeds import RoadSpeeds, load_road_speeds
from planner.config.scenarios import TIME_CRITERIA, Scenario
from planner.core.network import RoadNetwork, build_network, build_stamp, load_network
from planner.errors import InputError
from planner.i18n import tr

__all__ = [
    "BAKAD_PATTERN",
    "RoadRead",
    "builtin_roads",
    "check_road_input",
    "file_sha256",
    "network_for_scenario",
    "network_inputs",
    "read_gpkg_roads",
    "read_osm_roads",
    "read_roads",
    "resolve_network",
    "scenario_needs_network",
]

log = logging.getLogger(__name__)

#: names, refs and official names that mark BAKAD's carriageways
BAKAD_PATTERN = re.compile(
    r"БАКАД|BAKAD|Больш\w* Алматинск\w* кольцев|Үлкен Алматы айналма|Big Almaty Ring",
    re.IGNORECASE,
)
_BAKAD_TAGS = ("name", "ref", "int_ref", "official_name", "name:ru", "name:kk", "name:en",
               "alt_name", "old_name")  # fmt: skip
_BAKAD_CLASSES = frozenset({"motorway", "trunk", "primary"})
_NO_ACCESS = frozenset({"no", "private"})
_YES = frozenset({"yes", "designated", "destination", "permissive", "delivery"})
#: oneway tag -> (forward allowed, backward allowed); None: the class/junction decides
_ONEWAY = {
    "yes": (True, False), "true": (True, False), "1": (True, False),
    "-1": (False, True), "reverse": (False, True),
    "no": (True, True), "false": (True, True), "0": (True, True),
    "reversible": (True, True), "alternating": (True, True),
}  # fmt: skip
_IMPLIED_ONEWAY_CLASSES = frozenset({"motorway"})
_ROUNDABOUT = frozenset({"roundabout", "circular"})
#: builtin network: segment length cap (m), interchange-to-highway link reach (m)
_BUILTIN_STEP_M = 500.0
_BUILTIN_LINK_M = 3000.0
_BUILTIN_JOIN_M = 5000.0


@dataclass
class RoadRead:
    """What a reader found: the network and a report (counts, skipped classes, notes)."""

    network: RoadNetwork
    report: dict[str, Any] = field(default_factory=dict)


def file_sha256(path: str | Path) -> str:
    """sha256 of a file's bytes (read in 1 MB blocks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --------------------------------------------------------------------------- way attributes


def _tag(tags, key: str) -> str:
    v = tags.get(key)
    return "" if v is None else str(v).strip().lower()


def _direction(oneway: str, junction: str, highway: str) -> tuple[bool, bool]:
    if oneway in _ONEWAY:
        return _ONEWAY[oneway]
    if junction in _ROUNDABOUT or highway in _IMPLIED_ONEWAY_CLASSES:
        return True, False
    return True, True


def _drivable(tags) -> bool:
    if _tag(tags, "area") == "yes":
        return False
    for key in ("motor_vehicle", "motorcar"):
        if _tag(tags, key) in _NO_ACCESS | {"no"}:
            return False
    if _tag(tags, "access") in _NO_ACCESS:
        return any(_tag(tags, k) in _YES for k in ("motor_vehicle", "motorcar", "hgv"))
    return True


def _is_bakad(tags, highway: str) -> bool:
    if highway not in _BAKAD_CLASSES:
        return False
    return any(BAKAD_PATTERN.search(str(tags.get(k) or "")) for k in _BAKAD_TAGS)


@dataclass
class _Ways:
    """Ways as vertex runs: vertex keys (shared key = shared node), lon/lat or x/y, and
    per-way class code, speeds per direction and flags."""

    keys: list = field(default_factory=list)
    xs: list = field(default_factory=list)
    ys: list = field(default_factory=list)
    way: list = field(default_factory=list)
    cls: list = field(default_factory=list)
    fwd: list = field(default_factory=list)
    bwd: list = field(default_factory=list)
    bakad: list = field(default_factory=list)
    maxspeed: list = field(default_factory=list)

    def add(self, keys, xs, ys, cls: int, fwd: bool, bwd: bool, bakad: bool, maxspeed) -> None:
        w = len(self.cls)
        self.keys.extend(keys)
        self.xs.extend(xs)
        self.ys.extend(ys)
        self.way.extend([w] * len(keys))
        self.cls.append(cls)
        self.fwd.append(fwd)
        self.bwd.append(bwd)
        self.bakad.append(bakad)
        self.maxspeed.append(maxspeed)


def _speeds(ways: _Ways, speeds: RoadSpeeds) -> tuple[np.ndarray, np.ndarray]:
    """km/h forward and backward per way: maxspeed x factor, else the class default."""
    cls = np.asarray(ways.cls, dtype=np.int64)
    default = speeds.default_speed(cls)
    ms = np.array(ways.maxspeed, dtype=object).reshape(-1, 3) if ways.maxspeed else np.empty(
        (0, 3), dtype=object
    )
    both = speeds.parse_maxspeed(ms[:, 0]) * speeds.maxspeed_factor
    fw = speeds.parse_maxspeed(ms[:, 1]) * speeds.maxspeed_factor
    bw = speeds.parse_maxspeed(ms[:, 2]) * speeds.maxspeed_factor
    fwd = np.where(np.isfinite(fw), fw, np.where(np.isfinite(both), both, default))
    bwd = np.where(np.isfinite(bw), bw, np.where(np.isfinite(both), both, default))
    fwd[~np.asarray(ways.fwd, dtype=bool)] = np.nan
    bwd[~np.asarray(ways.bwd, dtype=bool)] = np.nan
    return fwd, bwd


def _assemble(ways: _Ways, speeds: RoadSpeeds, *, metric: bool, access: dict, meta: dict,
              keep_vertex: np.ndarray | None = None) -> RoadNetwork:
    """Vertex runs -> nodes (one per key) and segments (consecutive vertices of a way)."""
    keys = np.asarray(ways.keys)
    xs = np.asarray(ways.xs, dtype="f8")
    ys = np.asarray(ways.ys, dtype="f8")
    way = np.asarray(ways.way, dtype=np.int64)
    if not len(keys):
        raise InputError(tr("err.roads.no_road", source=meta.get("source") or meta.get("input")
                            or tr("err.roads.the_input")))  # fmt: skip
    uniq, first, node = np.unique(keys, return_index=True, return_inverse=True)
    if metric:
        nx, ny = xs[first], ys[first]
    else:
        nx, ny = _crs.lonlat_to_metric(xs[first], ys[first])
    same_way = way[1:] == way[:-1]
    if keep_vertex is not None:
        same_way &= keep_vertex[1:] & keep_vertex[:-1]
    a = np.flatnonzero(same_way)
    u, v = node[a], node[a + 1]
    w = way[a]
    nondegenerate = u != v  # a way passing twice through one node in a row
    u, v, w = u[nondegenerate], v[nondegenerate], w[nondegenerate]
    fwd, bwd = _speeds(ways, speeds)
    cls = np.asarray(ways.cls, dtype=np.int16)
    bakad = np.asarray(ways.bakad, dtype=bool)
    snap = speeds.snap_allowed(cls)
    return build_network(
        nx, ny, u, v, cls[w], fwd[w], bwd[w],
        class_names=speeds.class_names,
        seg_snap=snap[w],
        seg_bakad=bakad[w],
        access=access,
        meta=meta,
    )  # fmt: skip


# --------------------------------------------------------------------------- OpenStreetMap


def _osmium():
    try:
        import osmium
    except ImportError as exc:  # a core dependency; only a broken install lacks it
        raise InputError(tr("err.roads.osmium")) from exc
    return osmium


def read_osm_roads(
    path: str | Path,
    *,
    bbox: Sequence[float] | None = None,
    speeds: RoadSpeeds | None = None,
    meta: dict | None = None,
) -> RoadRead:
    """Build a network from the drivable ways of an OSM extract (see the module docstring).

    ``bbox`` is ``(west, south, east, north)`` in degrees (default: the region bounds of
    :data:`planner.crs.REGION_BOUNDS_LONLAT`); segments with an end outside are left out.
    """
    osmium = _osmium()
    speeds = speeds or load_road_speeds()
    path = Path(path)
    west, south, east, north = bbox or _crs.REGION_BOUNDS_LONLAT
    lookup = {n: i for i, n in enumerate(speeds.class_names)}
    ways = _Ways()
    skipped: Counter = Counter()
    missing_nodes = 0
    n_bakad = 0
    try:
        fp = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for w in fp:
            tags = w.tags
            hw = _tag(tags, "highway")
            code = lookup.get(hw)
            if code is None or hw.startswith("builtin_"):
                skipped[hw] += 1
                continue
            if not _drivable(tags):
                skipped[f"{hw} (no motor access)"] += 1
                continue
            fwd, bwd = _direction(_tag(tags, "oneway"), _tag(tags, "junction"), hw)
            is_bakad = _is_bakad(tags, hw)
            n_bakad += is_bakad
            keys, lons, lats = [], [], []
            for nd in w.nodes:
                loc = nd.location
                if not loc.valid():
                    missing_nodes += 1
                    # a node missing from the extract: -1 ends the run (no segment across)
                    keys.append(-1 - len(keys))
                    lons.append(np.nan)
                    lats.append(np.nan)
                    continue
                keys.append(nd.ref)
                lons.append(loc.lon)
                lats.append(loc.lat)
            ways.add(keys, lons, lats, code, fwd, bwd, is_bakad,
                     (tags.get("maxspeed"), tags.get("maxspeed:forward"),
                      tags.get("maxspeed:backward")))  # fmt: skip
    except RuntimeError as exc:
        raise InputError(tr("err.roads.osm_unreadable", path=path, error=exc)) from exc
    lon = np.asarray(ways.xs, dtype="f8")
    lat = np.asarray(ways.ys, dtype="f8")
    with np.errstate(invalid="ignore"):
        inside = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
    # vertices of missing nodes get unique negative keys and are never inside
    keys = np.asarray(ways.keys, dtype=np.int64)
    bad = ~inside
    lon[bad] = west
    lat[bad] = south
    ways.xs, ways.ys = lon.tolist(), lat.tolist()
    ways.keys = np.where(bad, -(np.arange(len(keys)) + 1) - (1 << 40), keys).tolist()
    report = {
        "ways": len(ways.cls),
        "bakad_ways": int(n_bakad),
        "skipped_ways": dict(sorted(skipped.items(), key=lambda kv: -kv[1])[:12]),
        "missing_nodes": missing_nodes,
        "bbox": [west, south, east, north],
    }
    notes = []
    if not n_bakad:
        notes.append(tr("err.roads.no_bakad_way", names="БАКАД/BAKAD"))
    if missing_nodes:
        notes.append(tr("err.roads.missing_nodes", n=missing_nodes))
    report["notes"] = notes
    net = _assemble(
        ways, speeds, metric=False, access=speeds.access["extract"].model_dump(),
        meta={**(meta or {}), "source": f"OpenStreetMap extract {path.name}",
              "indicative": False, "built": build_stamp(), "speeds": speeds.describe(),
              "read": report},
        keep_vertex=inside,
    )  # fmt: skip
    return RoadRead(network=net, report=report)


# --------------------------------------------------------------------------- GeoPackage


def _gpkg_column(df: pd.DataFrame, name: str) -> np.ndarray:
    if name not in df.columns:
        return np.array([""] * len(df), dtype=object)
    return np.array(["" if pd.isna(v) else str(v).strip() for v in df[name]], dtype=object)


def read_gpkg_roads(
    path: str | Path, *, speeds: RoadSpeeds | None = None, meta: dict | None = None
) -> RoadRead:
    """Build a network from the ``roads`` layer of a GeoPackage (see the module docstring)."""
    import pyogrio

    speeds = speeds or load_road_speeds()
    path = Path(path)
    try:
        names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    except Exception as exc:  # pyogrio raises its own DataSourceError types
        raise InputError(tr("err.roads.gpkg_unreadable", path=path, error=exc)) from exc
    if "roads" not in names:
        raise InputError(tr("err.roads.no_layer", path=path,
                            names=", ".join(names) or tr("err.sites.none")))  # fmt: skip
    gdf = pyogrio.read_dataframe(path, layer="roads")
    problems = []
    if gdf.crs is None:
        problems.append(tr("err.roads.no_crs"))
    if "highway" not in gdf.columns:
        problems.append(tr("err.roads.no_highway"))
    types = set(gdf.geometry.geom_type.dropna())
    if types - {"LineString", "MultiLineString"}:
        problems.append(tr("err.roads.not_lines", types=", ".join(sorted(types))))
    if problems:
        raise InputError(tr("err.roads.gpkg", path=path, problems="; ".join(problems)))
    gdf = _crs.to_metric(gdf, what=f"{path} (roads)")
    hw = np.array([v.lower() for v in _gpkg_column(gdf, "highway")], dtype=object)
    codes = speeds.class_code(hw)
    builtin = np.array([h.startswith("builtin_") for h in hw], dtype=bool)
    access = _gpkg_column(gdf, "access")
    motor = _gpkg_column(gdf, "motor_vehicle")
    drivable = np.array(
        [_drivable({"access": a, "motor_vehicle": m}) for a, m in zip(access, motor,
                                                                     strict=True)], dtype=bool
    )  # fmt: skip
    keep = (codes >= 0) & ~builtin & drivable & gdf.geometry.notna().to_numpy()
    skipped = Counter(hw[~keep].tolist())
    oneway = _gpkg_column(gdf, "oneway")
    junction = _gpkg_column(gdf, "junction")
    maxspeed = _gpkg_column(gdf, "maxspeed")
    bakad_col = _gpkg_column(gdf, "bakad")
    names = {k: _gpkg_column(gdf, k) for k in ("name", "ref", "official_name")}
    ways = _Ways()
    geoms = gdf.geometry.to_numpy()
    n_bakad = 0
    for i in np.flatnonzero(keep):
        fwd, bwd = _direction(oneway[i].lower(), junction[i].lower(), hw[i])
        flag = bakad_col[i].lower() in ("1", "true", "yes") or _is_bakad(
            {k: v[i] for k, v in names.items()}, hw[i]
        )
        n_bakad += flag
        for part in shapely.get_parts(geoms[i]):
            xy = shapely.get_coordinates(part)
            key = [(round(float(x) * 100), round(float(y) * 100)) for x, y in xy]
            ways.add(key, xy[:, 0].tolist(), xy[:, 1].tolist(), int(codes[i]), fwd, bwd, flag,
                     (maxspeed[i], "", ""))  # fmt: skip
    # vertex keys: centimetre grid cells of the metric coordinates
    ways.keys = [kx * 10_000_000_000 + ky for kx, ky in ways.keys]
    report = {"ways": int(keep.sum()), "bakad_ways": int(n_bakad),
              "skipped_ways": dict(skipped.most_common(12)), "notes": []}  # fmt: skip
    if not n_bakad:
        report["notes"].append(tr("err.roads.no_bakad_road", names="БАКАД/BAKAD"))
    net = _assemble(
        ways, speeds, metric=True, access=speeds.access["extract"].model_dump(),
        meta={**(meta or {}), "source": f"roads layer of {path.name}", "indicative": False,
              "built": build_stamp(), "speeds": speeds.describe(), "read": report},
    )  # fmt: skip
    return RoadRead(network=net, report=report)


# --------------------------------------------------------------------------- built-in


def _line_with(line, extra_m: Sequence[float], step_m: float) -> np.ndarray:
    """Coordinates of ``line`` with points added at the distances ``extra_m`` along it and
    so that no piece is longer than ``step_m``."""
    xy = shapely.get_coordinates(line)
    seg = np.hypot(*np.diff(xy, axis=0).T)
    along = np.concatenate([[0.0], np.cumsum(seg)])
    total = along[-1]
    fill = np.linspace(0.0, total, int(np.ceil(total / step_m)) + 1) if total > 0 else [0.0]
    d = np.unique(np.round(np.concatenate([along, np.asarray(extra_m, "f8"), fill]), 3))
    d = d[(d >= 0) & (d <= total)]
    return shapely.get_coordinates(shapely.line_interpolate_point(line, d))


def builtin_roads(layers, *, speeds: RoadSpeeds | None = None) -> RoadRead:
    """The coarse, indicative network of the layers' BAKAD, interchanges and highways."""
    speeds = speeds or load_road_speeds()
    code = {n: i for i, n in enumerate(speeds.class_names)}
    ring = layers.metric("bakad")
    ring_lines = [g for g in ring[ring["kind"] == "ring_road"].geometry if g is not None]
    ics = ring[ring["kind"] == "interchange"]
    highways = layers.metric("transport")
    highways = highways[highways["kind"] == "highway"]
    hw_lines = [ln for g in highways.geometry for ln in shapely.get_parts(g)]
    ring_parts = [ln for g in ring_lines for ln in shapely.get_parts(g)]
    ic_pts = list(ics.geometry)
    ic_ids = list(ics["id"].astype(str))

    ways = _Ways()

    def key(x: float, y: float):
        return (round(x), round(y))  # 1 m: coincident vertices are one node

    # BAKAD with a vertex at each interchange's place on it
    ic_on_ring: list[tuple[float, float] | None] = []
    extras: list[list[float]] = [[] for _ in ring_parts]
    for p in ic_pts:
        if not ring_parts:
            ic_on_ring.append(None)
            continue
        d = [ln.distance(p) for ln in ring_parts]
        j = int(np.argmin(d))
        at = ring_parts[j].project(p)
        extras[j].append(at)
        q = ring_parts[j].interpolate(at)
        ic_on_ring.append((q.x, q.y))
    for ln, ex in zip(ring_parts, extras, strict=True):
        xy = _line_with(ln, ex, _BUILTIN_STEP_M)
        ways.add([key(*c) for c in xy], xy[:, 0].tolist(), xy[:, 1].tolist(),
                 code["builtin_bakad"], True, True, True, ("", "", ""))  # fmt: skip

    # highways, with a vertex where each link road (interchange or fork) meets them
    hw_extra: list[list[float]] = [[] for _ in hw_lines]
    links: list[tuple[tuple[float, float], int, float]] = []
    for q in ic_on_ring:
        if q is None:
            continue
        pt = shapely.Point(q)
        for j, ln in enumerate(hw_lines):
            if ln.distance(pt) <= _BUILTIN_LINK_M:
                at = ln.project(pt)
                hw_extra[j].append(at)
                links.append((q, j, at))
    for i, ln in enumerate(hw_lines):  # a highway starting or ending on another: a fork
        for end in (shapely.get_point(ln, 0), shapely.get_point(ln, -1)):
            for j, other in enumerate(hw_lines):
                if j != i and 0 < other.distance(end) <= _BUILTIN_JOIN_M:
                    at = other.project(end)
                    hw_extra[j].append(at)
                    links.append(((end.x, end.y), j, at))
    for ln, ex in zip(hw_lines, hw_extra, strict=True):
        xy = _line_with(ln, ex, _BUILTIN_STEP_M)
        ways.add([key(*c) for c in xy], xy[:, 0].tolist(), xy[:, 1].tolist(),
                 code["builtin_highway"], True, True, False, ("", "", ""))  # fmt: skip
    for (x0, y0), j, at in links:
        q = hw_lines[j].interpolate(at)
        ways.add([key(x0, y0), key(q.x, q.y)], [x0, q.x], [y0, q.y], code["builtin_link"],
                 True, True, False, ("", "", ""))  # fmt: skip
    # interchange stubs: where sites join the network at each interchange
    stubs = [q for q in ic_on_ring if q is not None]
    return _builtin_finish(ways, stubs, speeds, code, len(ways.cls), ic_ids, layers)


def _builtin_finish(ways: _Ways, stubs, speeds: RoadSpeeds, code, n_ways, ic_ids, layers):
    keys = np.asarray([k[0] * 10_000_000 + k[1] for k in ways.keys], dtype=np.int64)
    xs = np.asarray(ways.xs, dtype="f8")
    ys = np.asarray(ways.ys, dtype="f8")
    way = np.asarray(ways.way, dtype=np.int64)
    stub_keys = np.asarray([round(x) * 10_000_000 + round(y) for x, y in stubs], dtype=np.int64)
    uniq, first, node = np.unique(keys, return_index=True, return_inverse=True)
    a = np.flatnonzero((way[1:] == way[:-1]) & (node[1:] != node[:-1]))
    u, v, w = node[a], node[a + 1], way[a]
    su = np.searchsorted(uniq, stub_keys)
    fwd, bwd = _speeds(ways, speeds)
    cls = np.asarray(ways.cls, dtype=np.int16)
    bakad = np.asarray(ways.bakad, dtype=bool)
    snap = speeds.snap_allowed(cls)
    link = code["builtin_link"]
    access = speeds.access["builtin"]
    notes = [tr("err.roads.builtin_note", detour=f"{access.detour:g}",
                speed=f"{access.speed_kmh:g}")]
    net = build_network(
        xs[first], ys[first],
        np.concatenate([u, su]), np.concatenate([v, su]),
        np.concatenate([cls[w], np.full(len(su), link, dtype=np.int16)]),
        np.concatenate([fwd[w], np.full(len(su), np.nan)]),
        np.concatenate([bwd[w], np.full(len(su), np.nan)]),
        class_names=speeds.class_names,
        seg_snap=np.concatenate([snap[w], np.ones(len(su), dtype=bool)]),
        seg_bakad=np.concatenate([bakad[w], np.zeros(len(su), dtype=bool)]),
        access=access.model_dump(),
        meta={"source": "built-in coarse network (INDICATIVE): BAKAD, "
                        f"{len(ic_ids)} interchanges and the built-in highways",
              "indicative": True, "built": build_stamp(), "speeds": speeds.describe(),
              "layers": layers.fingerprint() if hasattr(layers, "fingerprint") else "",
              "read": {"ways": n_ways, "notes": notes}},
    )  # fmt: skip
    return RoadRead(network=net, report={"ways": n_ways, "notes": notes})


# --------------------------------------------------------------------------- dispatch

_OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz")


def read_roads(
    source: str | Path,
    layers=None,
    *,
    bbox: Sequence[float] | None = None,
    speeds: RoadSpeeds | None = None,
) -> RoadRead:
    """Dispatch on the input: ``"builtin"`` (needs ``layers``), an OSM extract or a
    GeoPackage with a ``roads`` layer."""
    if str(source) == "builtin":
        if layers is None:
            raise InputError(tr("err.roads.builtin_layers"))
        return builtin_roads(layers, speeds=speeds)
    path = check_road_input(source)
    name = path.name.lower()
    digest = file_sha256(path)
    meta = {"input": path.name, "sha256": digest}
    if name.endswith(_OSM_SUFFIXES):
        return read_osm_roads(path, bbox=bbox, speeds=speeds, meta=meta)
    return read_gpkg_roads(path, speeds=speeds, meta=meta)

def check_road_input(source: str | Path) -> Path:
    """The road input file, checked: it exists and is an OSM extract or a GeoPackage."""
    path = Path(source)
    if not path.is_file():
        raise InputError(tr("err.roads.missing", path=path))
    if not path.name.lower().endswith((*_OSM_SUFFIXES, ".gpkg")):
        raise InputError(tr("err.roads.file_type", path=path, suffixes=", ".join(_OSM_SUFFIXES)))
    return path


# --------------------------------------------------------------------------- for scoring runs


def scenario_needs_network(scenario: Scenario) -> bool:
    """Does the scenario score a travel time?"""
    return any(k in TIME_CRITERIA for k in scenario.criteria)


def resolve_network(spec: str | Path | None, layers) -> RoadNetwork | None:
    """``None``: no network; ``"builtin"``: the coarse network of ``layers``; else a file."""
    if spec is None:
        return None
    if str(spec) == "builtin":
        return read_roads("builtin", layers).network
    return load_network(spec)


def network_for_scenario(
    spec: str | Path | None, scenario: Scenario, layers
) -> tuple[RoadNetwork | None, str | None]:
    """The network a run uses, and a note to show: a travel-time scenario without
    ``--network`` gets the coarse built-in network (labelled indicative)."""
    if spec is None and scenario_needs_network(scenario):
        note = tr("err.roads.builtin_used", scenario=scenario.name)
        return resolve_network("builtin", layers), note
    net = resolve_network(spec, layers)
    note = None
    if net is not None and net.indicative:
        note = tr("err.roads.builtin_times")
    return net, note


def network_inputs(spec, net: RoadNetwork | None) -> dict[str, Any]:
    """What a manifest records about the network used."""
    if net is None:
        return {}
    source = str(net.meta.get("source", ""))
    if net.meta.get("sha256"):
        source += f" (input sha256 {net.meta['sha256']})"
    return {
        "network": str(spec) if spec is not None else "builtin",
        "network_source": source
        + (" [INDICATIVE]" if net.indicative and "INDICATIVE" not in source else ""),
    }
