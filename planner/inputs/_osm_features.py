"""Feature rows of the planner's layers from OpenStreetMap records (transport, cities,
constraints, candidate sites), with their provenance fields."""

from __future__ import annotations

import math
import re
from collections import defaultdict

import geopandas as gpd
import numpy as np
import shapely

from planner import crs as _crs
from planner import i18n
from planner.i18n import tr
from planner.inputs._osm_read import _low

OSM_LICENCE = "ODbL 1.0: © OpenStreetMap contributors"
_REGION_NAME = re.compile(r"алматинская\s+область|алматы\s+облысы|almaty\s+region", re.I)
_ALMATY_NAME = re.compile(r"^(алматы|almaty)$", re.I)
_KONAEV_NAME = re.compile(r"^(қонаев|конаев|konaev|qonaev)$", re.I)
#: place classes drawn as an estimated circle when no polygon covers their node, with the
#: radius (m) for an unknown population and the smallest radius for a known one
PLACE_RADIUS_M = {"town": (1500.0, 1000.0), "village": (700.0, 400.0), "hamlet": (300.0, 200.0)}
#: people per km2 of built-up area (rural Kazakhstan, houses with gardens)
BUILT_UP_DENSITY_PER_KM2 = 2000.0
#: positional accuracy claimed for OSM geometry, metres (traced from imagery / GPS)
ACCURACY_M = {"line": 20.0, "point": 20.0, "area": 50.0, "admin": 200.0}
#: housing and small water are united into one feature per tile of this size, metres
TILE_M = 25_000.0
#: water bodies at least this large stay features of their own (lakes, reservoirs), hectares
OWN_WATER_HA = 100.0


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
        notes.append(tr("err.osm.airstrips", n=small))
    if not any(r["kind"] == "railway" for r in rows):
        missing.append(tr("err.osm.no_rail"))
    return _frame(rows, geoms)


def _cities(c, stamp, polys, city_osm, admins, notes, missing) -> gpd.GeoDataFrame:
    rows, geoms = [], []
    if city_osm and polys.get(city_osm["osm"]) is not None:
        rows.append(_row(city_osm, "city_outline", "almaty", stamp, "admin"))
        geoms.append(polys[city_osm["osm"]])
    else:
        missing.append(tr("err.osm.no_city", name="Алматы"))
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
        notes.append(tr("err.osm.circles", n=len(uncovered), tiles=len(r)))
    for fid, ok in found.items():
        if not ok:
            missing.append(tr("err.osm.no_place_almaty", name="Алматы") if fid == "almaty-centre"
                           else tr("err.osm.no_place_konaev", name="Қонаев"))  # fmt: skip
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
        missing.append(tr("err.osm.no_region", name="Алматинская область"))
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
            notes.append(tr("err.osm.small_water", n=small, ha=f"{min_water_ha:g}"))
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
