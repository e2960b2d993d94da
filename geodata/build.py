"""Derive the built-in layers of ``geodata/`` from public boundary data (run by hand).

The five layer files in this folder are source data, committed to git. Most features were
transcribed by hand from the project's reference notes (estimates, flagged ``estimated``);
this script replaces the ones that public, licence-clear data now gives better, and keeps
every other feature as it is:

=========================  ===============================================================
feature(s)                 derived from (folder given by ``--public``)
=========================  ===============================================================
constraints/region-almaty  ``almaty_region_boundary_geokz2024`` (geokz 2024 / OCHA COD-AB,
                           CC BY 4.0): its polygon (the stray LineString of the source
                           collection dropped), simplified at 100 m; its holes are exactly the
                           simplified Almaty outline, so region and city share their edges
constraints/region-almaty-city, cities/almaty, constraints/limits-almaty
                           ``almaty_city_boundary_geokz2024`` (same source), 100 m
cities/konaev-city-admin, cities/alatau-city
                           ``almaty_region_districts_geokz2024`` (same source), 100 m
zones/sez-alatau           stand-in: the Alatau city outline above united with the estimated
                           Gate District (the SEZ covers all of Alatau city incl. Gate
                           District, and part of Konaev: 96,500 ha since January 2024)
constraints/water-kapchagay
                           ``kapchagay_reservoir_ne10m`` (Natural Earth 1:10M, public domain)
constraints/np-ile-alatau  the schematic park envelope :data:`PARK_ENVELOPE` (estimated), inside
                           and outside the Almaty city limits alike
constraints/mountain-front the estimated foothill line :data:`MOUNTAIN_FRONT` of the Trans-Ili
                           Alatau closed to the south, clipped to the planning area (region +
                           Almaty); checked against the OSM places north of it
cities/<settlements>       ``populated_places_osm_hot_bbox`` (HOT OSM export, ODbL): every
                           hamlet, village and town inside the region (current names,
                           e.g. Қонаев, Алатау), built-up area estimated as a circle
bakad/bakad                the estimated ring checked against
                           ``bakad_endpoint_settlements_osm`` (Kyrgauyldy, Kyzylkairat), the
                           district lengths and the Almaty outline; its west end adjusted
=========================  ===============================================================

Every feature gets ``licence`` (the licence and the credit it asks for). Run::

    python geodata/build.py --public ../shared/reference/geodata/public
    python geodata/build.py --public DIR --check     # only print the checks, write nothing

It prints the checks (areas against the independent figures, where BAKAD lies), writes the
five files (one feature per line, coordinates rounded to 1e-5 deg for boundaries, 1e-4 deg
for estimated circles) and is idempotent: a second run changes nothing. The tests read only
the committed files, never the public folder.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import mapping, shape

HERE = Path(__file__).resolve().parent
LAYERS = ("bakad", "cities", "zones", "transport", "constraints")
GEOD = Geod(ellps="WGS84")
_FW = Transformer.from_crs("EPSG:4326", "EPSG:32643", always_xy=True)
_BW = Transformer.from_crs("EPSG:32643", "EPSG:4326", always_xy=True)

#: Douglas-Peucker tolerance for the boundaries, metres (the source is ~1:1,000,000)
SIMPLIFY_M = 100.0
#: one-sigma position error claimed for the geokz boundaries: the source scale (~500 m at
#: 1:1M) plus the simplification; geokz's Almaty differs from OSM's by up to ~1 km
BOUNDARY_ACCURACY_M = 1000

LICENCE_GEOKZ = "CC BY 4.0: geokz 2024 (A. Rodionov), after OCHA COD-AB Kazakhstan"
LICENCE_OSM = "ODbL 1.0: © OpenStreetMap contributors"
LICENCE_NE = "Public domain: Natural Earth"
LICENCE_AIRPORTSDATA = "MIT: airportsdata"
LICENCE_ESTIMATE = "CC0 1.0: planner estimate"
SOURCE_GEOKZ = (
    "geokz 2024 (github arodionoff/geokz@41c1a00, {file}; derived from OCHA COD-AB "
    "Kazakhstan), simplified at 100 m"
)

#: place classes kept as settlements, with the built-up radius (m) used when the
#: population is unknown, and the smallest radius allowed when it is known
PLACE_RADIUS_M = {"town": (1500, 1000), "village": (700, 400), "hamlet": (300, 200)}
#: people per km2 of built-up area (rural Kazakhstan, houses with gardens), for the radius
BUILT_UP_DENSITY_PER_KM2 = 2000.0
#: the existing settlement ids, kept for the same OSM nodes (tests and users refer to them);
#: Boraldai (ex-Burundai) has no node in the HOT export: its old feature is kept as it was
KEEP_IDS = {
    1282416486: "kaskelen", 27522202: "talgar", 243743625: "esik", 2513603196: "otegen-batyr",
    243997970: "shamalgan", 3110028540: "baiserke", 2814784679: "kyzylkairat",
    11335541444: "kyrgauyldy", 1844578917: "kemertogan", 2271938585: "zhapek-batyr",
    457864354: "zhetygen",
}

#: BAKAD's west end: the estimated vertex [76.735 E, 43.185 N] ended the ring 2.4 km
#: north-west of Kyrgauyldy and made it 65.1 km long (official 66 km, Karasay district
#: 27.5 km). The road ends at Kyrgauyldy (press, May 2023): the last vertex is moved towards
#: the village, keeping the bearing of the last leg, which makes the ring ~65.8 km.
BAKAD_WEST_END_OLD = (76.735, 43.185)
BAKAD_WEST_END_NEW = (76.745, 43.178)
#: Ile-Alatau National Park, schematic envelope (lon, lat), estimated by hand between the
#: Chemolgan and Turgen rivers, foothills to the main ridge (3-10 km error). Earlier versions
#: cut the Almaty outline out of it, which left the mountain part of the city (Medeu,
#: Shymbulak, the Big Almaty gorge) neither excluded nor explained; protected land is
#: excluded wherever it is, so the envelope now crosses the city along an estimated park
#: edge at roughly 1,400-1,700 m (below Alma-Arasan, the Medeu rink and Shymbulak).
PARK_ENVELOPE = (
    (76.52, 43.17), (76.72, 43.15), (76.80, 43.13), (76.8991, 43.1003),
    # inside the Almaty city limits (estimated park edge, +-3-5 km)
    (76.91, 43.125), (76.94, 43.14), (76.98, 43.148), (77.02, 43.152), (77.05, 43.148),
    (77.08, 43.158), (77.11, 43.165), (77.1436, 43.1918),
    (77.2, 43.22), (77.3, 43.23), (77.6, 43.3), (77.76, 43.3), (77.76, 43.12),
    (77.5, 43.05), (76.95, 43.0), (76.52, 43.05), (76.52, 43.17),
)
#: the mountain front of the Trans-Ili Alatau (lon, lat, west -> east): the foot of the
#: foothills (break of slope from the piedmont plain, roughly the 1,000-1,200 m level),
#: estimated by hand south of the OSM nodes of the piedmont villages (Burgan, Zhambyl,
#: Kainar, Zhandosovo, Kaskelen, Voskhod, Kyrgauyldy, Tastybulak, Kargaly, Ermensai, the
#: southern districts of Almaty below Kok-Tobe, Akbulak, Baibulak, Talgar, Ryskulov,
#: Beriket, Kyzylzhar, Tauturgen, Arna) and north of the foothill villages (Nurlytau,
#: Zhailau, Leskhoz, Beskainar, Kotyrbulak, Batan). No DEM was used: +-3 km. It covers
#: 76.10-78.00 E only; other ranges of the region (Kastek, Chu-Ili, Ketmen) are not drawn:
#: give a DEM (--dem) with max_slope_pct / max_elevation_m there.
MOUNTAIN_FRONT = (
    (76.10, 43.10), (76.18, 43.125), (76.23, 43.12), (76.35, 43.145), (76.415, 43.145),
    (76.448, 43.14), (76.48, 43.145), (76.52, 43.15), (76.562, 43.155), (76.60, 43.155),
    (76.669, 43.155), (76.72, 43.158), (76.744, 43.16), (76.76, 43.16), (76.80, 43.163),
    (76.84, 43.165), (76.868, 43.166), (76.885, 43.17), (76.91, 43.178), (76.93, 43.18),
    (76.95, 43.195), (76.962, 43.215), (76.975, 43.228), (76.99, 43.225), (77.01, 43.215),
    (77.05, 43.22), (77.08, 43.24), (77.10, 43.245), (77.13, 43.255), (77.16, 43.27),
    (77.19, 43.275), (77.22, 43.275), (77.25, 43.28), (77.29, 43.285), (77.315, 43.285),
    (77.36, 43.30), (77.40, 43.31), (77.45, 43.325), (77.49, 43.335), (77.55, 43.345),
    (77.60, 43.343), (77.65, 43.355), (77.70, 43.40), (77.80, 43.43), (77.90, 43.45),
    (78.00, 43.46),
)
#: the mountain-front polygon is closed along this latitude (beyond the region's south border)
MOUNTAIN_FRONT_SOUTH = 42.85
MOUNTAIN_FRONT_ACCURACY_M = 3000
#: places that must stay outside the mountain front (checked, with their clearance)
FRONT_CLEAR_OF = {
    "Almaty centre": (76.9457, 43.2364), "Kaskelen": (76.631, 43.1965),
    "Kyrgauyldy": (76.7586, 43.1725), "Talgar": (77.2395, 43.3027),
    "Esik": (77.4659, 43.3595), "Turgen": (77.593, 43.3967), "Zhandosovo": (76.562, 43.1679),
}

#: the district lengths published for BAKAD, km (before Alatau city was cut from Ile, 2024)
BAKAD_DISTRICT_KM = {"Talgar": 19.2, "Ile+Alatau": 19.3, "Karasay": 27.5}


# --------------------------------------------------------------------------- helpers


def to_metric(g):
    return shapely.transform(g, lambda c: np.column_stack(_FW.transform(c[:, 0], c[:, 1])))


def to_lonlat(g):
    return shapely.transform(g, lambda c: np.column_stack(_BW.transform(c[:, 0], c[:, 1])))


def simplify(g, tol_m: float = SIMPLIFY_M):
    return to_lonlat(shapely.simplify(to_metric(g), tol_m, preserve_topology=True))


def rounded(g, dp: int):
    """Coordinates snapped to ``dp`` decimals; polygons oriented as RFC 7946 asks
    (exterior counter-clockwise, holes clockwise), which geodesic areas rely on."""
    g = shapely.set_precision(g, 10.0**-dp) if dp else g
    return shapely.orient_polygons(g, exterior_cw=False)


def area_km2(g) -> float:
    polys = getattr(g, "geoms", [g])
    return sum(abs(GEOD.geometry_area_perimeter(p)[0]) for p in polys) / 1e6


def dist_km(a, b) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2] / 1000.0


def line_km(coords) -> float:
    xy = np.asarray(coords)
    return GEOD.line_length(xy[:, 0], xy[:, 1]) / 1000.0


def read_fc(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def write_fc(path: Path, name: str, features: list[dict]) -> None:
    """GeoJSON (RFC 7946 + the CRS84 member the files always had), one feature per line."""
    head = {
        "type": "FeatureCollection",
        "name": name,
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
    }
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    text = json.dumps(head, ensure_ascii=False)[:-1] + ',\n"features":[\n' + ",\n".join(lines)
    path.write_text(text + "\n]}\n", encoding="utf-8")


def feature(props: dict, geom, dp: int = 5) -> dict:
    return {"type": "Feature", "properties": props, "geometry": mapping(rounded(geom, dp))}


_CYR = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі",
    ["a", "b", "v", "g", "d", "e", "yo", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p",
     "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya",
     "a", "g", "k", "n", "o", "u", "u", "h", "i"],
    strict=True,
))


def translit(text: str) -> str:
    """Russian/Kazakh Cyrillic to plain Latin (BGN/PCGN-like, ``й`` as ``i``)."""
    out = "".join(_CYR.get(ch.lower(), ch.lower()) if ch.isalpha() else ch for ch in text)
    return " ".join(w[:1].upper() + w[1:] for w in out.split(" "))


#: Kazakh letters as Russian writes them in place names (Қарабұлақ -> Карабулак)
_KK_TO_RU = str.maketrans("әғқңөұүһіӘҒҚҢӨҰҮҺІ", "агкноуухиАГКНОУУХИ")


def russian_form(name_kk: str) -> str:
    """The Russian spelling of a Kazakh place name with no ``name:ru`` in OSM: the Kazakh
    letters as Russian texts write them (Ақдала -> Акдала, Кіші -> Киши)."""
    return name_kk.translate(_KK_TO_RU)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", translit(text).lower()).strip("-")


def licence_for(props: dict) -> str:
    """Licence of a kept (hand-made) feature, from what its source says it used."""
    src = props.get("source", "")
    if "OpenStreetMap" in src or "OSM" in src:
        return LICENCE_OSM
    if "airportsdata" in src:
        return LICENCE_AIRPORTSDATA
    if "Natural Earth" in src:
        return LICENCE_NE
    return LICENCE_ESTIMATE


def circle(lon: float, lat: float, radius_m: float, n: int = 12):
    x, y = _FW.transform(lon, lat)
    return to_lonlat(shapely.Point(x, y).buffer(radius_m, quad_segs=max(1, n // 4)))


# --------------------------------------------------------------------------- public data


class Public:
    """The public layers this script uses, as shapely geometries in lon/lat."""

    def __init__(self, folder: Path):
        self.folder = folder
        region = shape(read_fc(folder / "almaty_region_boundary_geokz2024.geojson")[0]["geometry"])
        polys = [g for g in getattr(region, "geoms", [region]) if g.geom_type == "Polygon"]
        if len(polys) != 1:
            raise SystemExit(f"expected one region polygon, found {len(polys)}")
        self.region_raw = polys[0]
        self.almaty_raw = shape(
            read_fc(folder / "almaty_city_boundary_geokz2024.geojson")[0]["geometry"]
        )
        self.districts = {
            f["properties"]["name"]: (shape(f["geometry"]), f["properties"])
            for f in read_fc(folder / "almaty_region_districts_geokz2024.geojson")
        }
        self.reservoir = read_fc(folder / "kapchagay_reservoir_ne10m.geojson")[0]
        self.places = read_fc(folder / "populated_places_osm_hot_bbox.geojson")
        self.bakad_ends = {
            f["properties"]["name"]: tuple(f["geometry"]["coordinates"])
            for f in read_fc(folder / "bakad_endpoint_settlements_osm.geojson")
        }


def derive_boundaries(pub: Public) -> dict:
    """Simplified region, Almaty, Konaev city administration and Alatau city."""
    almaty = rounded(simplify(pub.almaty_raw), 5)
    almaty = shapely.MultiPolygon(list(getattr(almaty, "geoms", [almaty])))
    outer = rounded(simplify(shapely.Polygon(pub.region_raw.exterior)), 5)
    # the region's holes are the city: use the simplified city itself so the two share edges
    region = shapely.Polygon(outer.exterior, [p.exterior for p in almaty.geoms])
    if not region.is_valid:
        region = shapely.make_valid(region)
    region = rounded(region, 5)
    return {
        "region": region,
        "almaty": almaty,
        "konaev": rounded(simplify(pub.districts["Konaiev"][0]), 5),
        "alatau": rounded(simplify(pub.districts["Alatau"][0]), 5),
    }


def derive_settlements(pub: Public, region, almaty, konaev_outline) -> list[dict]:
    """Settlement circles from the HOT OSM places inside the region (not in Almaty)."""
    rows = []
    for f in pub.places:
        p = f["properties"]
        if p.get("place") not in PLACE_RADIUS_M or not (p.get("name") or "").strip():
            continue  # unnamed places (a handful) cannot be told apart or shown
        lon, lat = f["geometry"]["coordinates"]
        pt = shapely.Point(lon, lat)
        if not region.contains(pt) or almaty.contains(pt) or konaev_outline.contains(pt):
            continue  # Almaty and Konaev have their own outlines
        rows.append((p, lon, lat))
    rows.sort(key=lambda r: (r[0]["osm_id"]))
    slugs: dict[str, int] = {}
    for p, _lon, _lat in rows:
        s = slug(p.get("name_ru") or p["name"])
        slugs[s] = slugs.get(s, 0) + 1
    out = []
    used_keep: set[str] = set()
    for p, lon, lat in rows:
        name_kk = p["name"].strip()
        name_ru = (p.get("name_ru") or russian_form(name_kk)).strip()
        respelled = not p.get("name_ru") and russian_form(name_kk) != name_kk
        ru_note = "; name_ru: Russian spelling of the Kazakh name" if respelled else ""
        fid = KEEP_IDS.get(int(p["osm_id"]))
        if fid:
            used_keep.add(fid)
        else:
            s = slug(name_ru)
            fid = f"stl-{s}" if slugs[s] == 1 else f"stl-{s}-{p['osm_id']}"
        default_r, min_r = PLACE_RADIUS_M[p["place"]]
        pop = p.get("population")
        try:
            pop = int(str(pop).replace(" ", "")) if pop not in (None, "") else None
        except ValueError:
            pop = None
        if pop:
            r = math.sqrt(pop / BUILT_UP_DENSITY_PER_KM2 / math.pi) * 1000
            r = max(min_r, min(4000.0, r))
            how = f"from the population {pop:,}"
        else:
            r = float(default_r)
            how = "population unknown"
        r = round(r / 50) * 50
        props = {
            "id": fid,
            "name_en": translit(name_ru),
            "name_ru": name_ru,
            "name_kk": name_kk,
            "kind": "settlement",
            "source": (
                f"OSM place={p['place']} node {p['osm_id']} (HOT export), © OpenStreetMap "
                f"contributors (ODbL); built-up area: estimated circle r={r:.0f} m ({how})"
                f"{ru_note}"
            ),
            "estimated": True,
            "accuracy_m": int(r),
            "licence": LICENCE_OSM,
            "place": p["place"],
            "osm_id": int(p["osm_id"]),
        }
        if pop:
            props["population"] = pop
        props["area_ha"] = round(math.pi * r * r / 1e4, 1)
        out.append(feature(props, circle(lon, lat, r), dp=4))
    missing = set(KEEP_IDS.values()) - used_keep
    if missing:
        raise SystemExit(f"settlements not found in the public places: {sorted(missing)}")
    return out


def mountain_front(region, almaty):
    """The mountain-front polygon: the foothill line closed to the south, clipped to the
    planning area (Almaty Region with Almaty filling its hole)."""
    ring = [*MOUNTAIN_FRONT, (MOUNTAIN_FRONT[-1][0], MOUNTAIN_FRONT_SOUTH),
            (MOUNTAIN_FRONT[0][0], MOUNTAIN_FRONT_SOUTH)]
    area = shapely.union_all([shapely.Polygon(region.exterior), almaty])
    front = shapely.Polygon(ring).intersection(area)
    polys = [g for g in getattr(front, "geoms", [front]) if g.geom_type == "Polygon"]
    big = [g for g in polys if to_metric(g).area > 1e6]  # drop clipping slivers < 1 km2
    return big[0] if len(big) == 1 else shapely.MultiPolygon(big)


def exclusion_checks(pub: Public, cons: dict, bakad_coords, files: dict) -> list[str]:
    """Where the park and the mountain front lie against what must stay usable."""
    park = shape(cons["np-ile-alatau"]["geometry"])
    front = shape(cons["mountain-front"]["geometry"])
    fm = to_metric(front)
    lines = [
        f"Ile-Alatau NP envelope {area_km2(park):,.0f} km2 (official 1,987)",
        f"mountain front {area_km2(front):,.0f} km2",
        "clear of the mountain front (km): " + ", ".join(
            f"{n} {fm.distance(to_metric(shapely.Point(p))) / 1000:.1f}"
            for n, p in FRONT_CLEAR_OF.items()
        ),
        f"BAKAD clearance from the mountain front "
        f"{fm.distance(to_metric(shapely.LineString(bakad_coords))) / 1000:.2f} km, from the "
        f"park {to_metric(park).distance(to_metric(shapely.LineString(bakad_coords))) / 1000:.2f}"
        " km",
    ]
    bad = shapely.union_all([park, front])
    hits = [f["properties"]["id"] for n in ("zones", "cities") for f in files[n]
            if f["properties"]["kind"] in ("industrial_zone", "sez", "planned_district",
                                           "city_centre")
            and shape(f["geometry"]).intersects(bad)]
    lines.append(f"zones, city centres, planned districts touching park/front: {hits or 'none'}")
    inside = sorted(
        (f["properties"].get("name_ru") or f["properties"]["name"])
        for f in pub.places
        if f["properties"].get("place") in PLACE_RADIUS_M
        and front.contains(shapely.Point(f["geometry"]["coordinates"]))
    )
    lines.append(f"{len(inside)} OSM places inside the mountain front (mountain villages): "
                 + ", ".join(inside))
    return lines


def bakad_checks(line_coords, pub: Public, almaty, districts) -> list[str]:
    """Where the estimated ring lies: ends, clearance from Almaty, length per district."""
    xy = np.asarray(line_coords, dtype=float)
    kyz = pub.bakad_ends["Кызылкайрат"]
    kyr = pub.bakad_ends["Кыргаулды"]
    lines = [
        f"BAKAD length {line_km(xy):.2f} km (official 66)",
        f"east end {dist_km(xy[0], kyz):.2f} km from Kyzylkairat, west end "
        f"{dist_km(xy[-1], kyr):.2f} km from Kyrgauyldy",
    ]
    ring = shapely.LineString(xy)
    clearance = to_metric(ring).distance(to_metric(almaty))
    lines.append(f"clearance from the Almaty outline {clearance:.0f} m (crosses: "
                 f"{ring.intersects(almaty)})")
    # length per district: densify to ~20 m and assign each step to the district it lies in
    dense = [xy[0]]
    for (x0, y0), (x1, y1) in zip(xy[:-1], xy[1:], strict=True):
        n = max(1, int(dist_km((x0, y0), (x1, y1)) * 50))
        t = np.linspace(0, 1, n + 1)[1:, None]
        dense.extend(np.array([x0, y0]) + t * np.array([x1 - x0, y1 - y0]))
    d = np.asarray(dense)
    mid = shapely.points((d[:-1] + d[1:]) / 2)
    step = GEOD.inv(d[:-1, 0], d[:-1, 1], d[1:, 0], d[1:, 1])[2] / 1000
    per = {}
    for name, geom in districts.items():
        per[name] = float(step[shapely.contains(geom, mid)].sum())
    got = {
        "Talgar": per.get("Talgar", 0.0),
        "Ile+Alatau": per.get("Ile", 0.0) + per.get("Alatau", 0.0),
        "Karasay": per.get("Karasay", 0.0),
    }
    lines.append(
        "length per district (published): "
        + ", ".join(f"{k} {v:.1f} km ({BAKAD_DISTRICT_KM[k]})" for k, v in got.items())
    )
    return lines


# --------------------------------------------------------------------------- build


def build(pub: Public, files: dict[str, list[dict]]) -> tuple[dict[str, list[dict]], list[str]]:
    report: list[str] = []
    b = derive_boundaries(pub)
    region, almaty = b["region"], b["almaty"]
    by_id = {n: {f["properties"]["id"]: f for f in feats} for n, feats in files.items()}
    for feats in files.values():
        for f in feats:
            f["properties"].setdefault("licence", licence_for(f["properties"]))

    src_adm1 = SOURCE_GEOKZ.format(file="inst/shape/kaz_admbnda_adm1_2024.shp")
    src_adm2 = SOURCE_GEOKZ.format(file="inst/shape/kaz_admbnda_adm2_2024.shp")
    geokz = {"estimated": False, "accuracy_m": BOUNDARY_ACCURACY_M, "licence": LICENCE_GEOKZ}

    # --- constraints
    cons = by_id["constraints"]
    park = shapely.Polygon(PARK_ENVELOPE)
    cons["np-ile-alatau"] = feature({
        **{k: cons["np-ile-alatau"]["properties"][k]
           for k in ("id", "name_en", "name_ru", "name_kk", "kind")},
        "source": "Schematic envelope between the Chemolgan and Turgen rivers, foothills to "
                  "the main ridge, inside and outside the Almaty city limits (estimated, 3-10 "
                  "km error; geodata/build.py PARK_ENVELOPE); established 22 Feb 1996, "
                  "198,669 ha",
        "estimated": True,
        "accuracy_m": 10000,
        "status_since": "1996-02-22",
        "reason": "national_park",
        "licence": LICENCE_ESTIMATE,
        "area_ha": round(area_km2(park) * 100, 0),
    }, park)
    front = mountain_front(region, almaty)
    cons["mountain-front"] = feature({
        "id": "mountain-front",
        "name_en": "Trans-Ili Alatau mountain front (foothills and mountains)",
        "name_ru": "Горы и предгорья Заилийского Алатау",
        "name_kk": "Іле Алатауының таулары мен тау бөктері",
        "kind": "exclusion",
        "source": "Estimated by hand (geodata/build.py MOUNTAIN_FRONT): the foot of the "
                  "foothills of the Trans-Ili Alatau (break of slope, roughly the 1,000-1,200 "
                  "m level) south of the OSM nodes of the piedmont villages (© OpenStreetMap "
                  "contributors), closed to the south and clipped to Almaty Region and Almaty; "
                  "76.10-78.00 E only, no DEM used (give --dem for slope and elevation "
                  "limits)",
        "estimated": True,
        "accuracy_m": MOUNTAIN_FRONT_ACCURACY_M,
        "reason": "mountain_front",
        "licence": LICENCE_OSM,  # drawn against the OSM village nodes
        "area_ha": round(area_km2(front) * 100, 0),
    }, front)
    res = pub.reservoir
    cons["water-kapchagay"] = feature({
        "id": "water-kapchagay",
        "name_en": "Kapchagay reservoir",
        "name_ru": "Капшагайское водохранилище",
        "name_kk": "Қапшағай су қоймасы",
        "kind": "water",
        "source": "Natural Earth 1:10M lakes v4.0.0 (github martynafford/natural-earth-geojson"
                  "@0b9a6ce), not simplified; 1:10M generalisation, ±1-2 km",
        "estimated": False,
        "accuracy_m": 2000,
        "licence": LICENCE_NE,
        "reason": "water",
        "area_ha": round(area_km2(shape(res["geometry"])) * 100, 0),
    }, shape(res["geometry"]), dp=5)
    cons["limits-almaty"] = feature({
        "id": "limits-almaty",
        "name_en": "Almaty city limits",
        "name_ru": "Границы г. Алматы",
        "name_kk": "Алматы қаласының шекарасы",
        "kind": "city_limits",
        "source": src_adm1 + "; KZ-ALA incl. the Alatau settlement exclave (Medeu district)",
        **geokz,
        "reason": "city_limits",
        "area_ha": round(area_km2(almaty) * 100, 0),
    }, almaty)
    cons["region-almaty"] = feature({
        "id": "region-almaty",
        "name_en": "Almaty Region (2024 borders)",
        "name_ru": "Алматинская область (границы 2024 г.)",
        "name_kk": "Алматы облысы (2024 жылғы шекара)",
        "kind": "region",
        "source": src_adm1 + "; KZ-ALM after the Jetisu Region split of 8 June 2022; the "
                  "Almaty city limits are its holes",
        **geokz,
        "status_since": "2022-06-08",
        "reason": "outside_region",
        "area_ha": round(area_km2(region) * 100, 0),
    }, region)
    cons["region-almaty-city"] = feature({
        "id": "region-almaty-city",
        "name_en": "Almaty city (planned with the region)",
        "name_ru": "г. Алматы (планируется вместе с областью)",
        "name_kk": "Алматы қ. (облыспен бірге жоспарланады)",
        "kind": "region",
        "source": src_adm1 + "; KZ-ALA, a separate first-level unit: sites in the city are "
                  "in the planning area, scenarios keep heavy industry out with city_limits",
        **geokz,
        "reason": "outside_region",
        "area_ha": round(area_km2(almaty) * 100, 0),
    }, almaty)

    # --- cities
    cit = by_id["cities"]
    a = cit["almaty"]["properties"]
    cit["almaty"] = feature({
        **{k: a[k] for k in ("id", "name_en", "name_ru", "name_kk", "kind")},
        "source": src_adm1 + "; KZ-ALA incl. the Alatau settlement exclave (Medeu district, "
                  "holds SEZ PIT); 704 km2 here, ~683 km2 official",
        **geokz,
        "population": a.get("population"),
        "area_ha": round(area_km2(almaty) * 100, 0),
    }, almaty)
    kon_props = pub.districts["Konaiev"][1]
    cit["konaev-city-admin"] = feature({
        "id": "konaev-city-admin",
        "name_en": "Konaev city administration (territory)",
        "name_ru": "Городская администрация Конаева (территория)",
        "name_kk": "Қонаев қалалық әкімдігінің аумағы",
        "kind": "admin_boundary",
        "source": src_adm2 + f"; KATO {kon_props['kato']}, holds the town and the reservoir",
        **geokz,
        "area_ha": round(area_km2(b["konaev"]) * 100, 0),
    }, b["konaev"])
    ala_props = pub.districts["Alatau"][1]
    cit["alatau-city"] = feature({
        "id": "alatau-city",
        "name_en": "Alatau city (territory)",
        "name_ru": "Город Алатау (территория)",
        "name_kk": "Алатау қаласы (аумағы)",
        "kind": "admin_boundary",
        "source": src_adm2 + f"; KATO {ala_props['kato']}; city since 9 Jan 2024 (press "
                  "figure 88,000 ha, 73,000 ha here)",
        **geokz,
        "area_ha": round(area_km2(b["alatau"]) * 100, 0),
    }, b["alatau"])
    konaev_outline = shape(cit["konaev"]["geometry"])
    derived = set(KEEP_IDS.values()) | {
        k for k, f in cit.items() if f["properties"].get("osm_id") is not None
    }
    for fid in [k for k, f in cit.items() if f["properties"]["kind"] == "settlement"]:
        if fid in derived:
            del cit[fid]
    for f in derive_settlements(pub, region, almaty, konaev_outline):
        cit[f["properties"]["id"]] = f

    # --- zones: the SEZ Alatau stand-in
    zon = by_id["zones"]
    gate = shape(cit["gate-city"]["geometry"])
    # +2 m keeps the district inside the stand-in once the union's vertices are rounded
    standin = shapely.union_all([b["alatau"], to_lonlat(to_metric(gate).buffer(2.0))])
    z = zon["sez-alatau"]["properties"]
    z.update({
        "source": "SEZ G4 City created spring 2023 (30,000 ha, to 2048), enlarged in January "
                  "2024 to 96,500 ha and renamed Alatau, covering all of Alatau city and part "
                  "of Konaev (astanatimes.com). No SEZ boundary is published: stand-in = the "
                  "Alatau city outline (geokz 2024, CC BY 4.0) united with the estimated Gate "
                  f"District; {area_km2(standin) * 100:,.0f} of the 96,500 ha, the Konaev part "
                  "is unknown",
        "estimated": True,
        "accuracy_m": 10000,
        "licence": LICENCE_GEOKZ,
        # the zone as one candidate site: the indicative centre used so far (between
        # Zhanalyk and Alatau town, near the Zhetygen rail junction), not the arbitrary
        # point on the surface of the stand-in outline
        "site_lon": 77.075,
        "site_lat": 43.64,
    })
    zon["sez-alatau"]["geometry"] = mapping(rounded(standin, 5))

    # --- bakad: check, adjust the west end, recompute the end interchange's chainage
    bak = by_id["bakad"]
    coords = [tuple(c) for c in bak["bakad"]["geometry"]["coordinates"]]
    districts = {n: g for n, (g, _p) in pub.districts.items()}
    report += ["before: " + s for s in bakad_checks(coords, pub, almaty, districts)]
    if coords[-1] == BAKAD_WEST_END_OLD:
        coords[-1] = BAKAD_WEST_END_NEW
    bak["bakad"]["geometry"]["coordinates"] = [list(c) for c in coords]
    report += ["after:  " + s for s in bakad_checks(coords, pub, almaty, districts)]
    ic = bak["ic-kyrgauyldy"]
    ic["geometry"]["coordinates"] = list(coords[-1])
    ic["properties"]["chainage_km"] = round(line_km(coords), 1)
    ic["properties"]["source"] = (
        "Estimated from published interchange list and chainage; 7 of 8 interchanges "
        "identified; the west end of the ring, 1.3 km from the Kyrgauyldy OSM node "
        "(© OpenStreetMap contributors (ODbL))"
    )
    ic["properties"]["licence"] = LICENCE_OSM
    bp = bak["bakad"]["properties"]
    bp["source"] = re.sub(r"\s*West end adjusted.*$", "", bp["source"]) + (
        " West end adjusted towards Kyrgauyldy (geodata/build.py): length "
        f"{line_km(coords):.1f} km, per district as published within 1.5 km."
    )

    report += exclusion_checks(pub, cons, coords, {n: list(v.values()) for n, v in by_id.items()})

    # --- checks against independent figures
    kyz, esik, tal = (77.1861, 43.3039), (77.4659, 43.3595), (78.3735, 45.0156)
    report += [
        f"region {area_km2(region):,.0f} km2 (official ~105,000), "
        f"{shapely.get_num_coordinates(region)} vertices",
        f"Almaty {area_km2(almaty):,.1f} km2 (official ~683), "
        f"{shapely.get_num_coordinates(almaty)} vertices",
        f"Konaev city administration {area_km2(b['konaev']):,.0f} km2 (geokz 3,136)",
        f"Alatau city {area_km2(b['alatau']):,.1f} km2 (geokz 729.8; press 880)",
        f"SEZ Alatau stand-in {area_km2(standin):,.0f} km2 (stated 965)",
        f"Kapchagay reservoir {area_km2(shape(res['geometry'])):,.0f} km2",
        f"Konaev centre, Esik, Kyzylkairat in the region: "
        f"{[region.contains(shapely.Point(p)) for p in ((77.0533, 43.8649), esik, kyz)]}; "
        f"Taldykorgan: {region.contains(shapely.Point(tal))}",
        f"settlements: {sum(f['properties']['kind'] == 'settlement' for f in cit.values())}",
    ]
    out = {n: list(by_id[n].values()) for n in LAYERS}
    return out, report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--public", type=Path, required=True,
                    help="folder of the public GeoJSON files (see geodata/README.md)")
    ap.add_argument("--check", action="store_true", help="print the checks, write nothing")
    args = ap.parse_args(argv)
    pub = Public(args.public)
    files = {n: read_fc(HERE / f"{n}.geojson") for n in LAYERS}
    out, report = build(pub, files)
    print("\n".join(report))
    if args.check:
        return 0
    total = 0
    for n in LAYERS:
        path = HERE / f"{n}.geojson"
        write_fc(path, n, out[n])
        total += path.stat().st_size
        print(f"wrote {path.name}: {len(out[n])} features, {path.stat().st_size / 1024:.0f} KB")
    print(f"total {total / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
