"""The built-in geography checked against FACTS.md, independently of the code under test.

Figures are computed from the raw GeoJSON (read with :mod:`json`) on the WGS84 ellipsoid
with :class:`pyproj.Geod`, and areas in EPSG:32643 with a pyproj Transformer made here,
not with :mod:`planner.crs`. Where the loaded layers are used, they are compared with
these independent figures.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import shape

import planner
from planner.core.layerset import status_as_of
from planner.inputs.layers import builtin_geodata_dir

GEODATA = Path(__file__).resolve().parents[1] / "geodata"
GEOD = Geod(ellps="WGS84")
TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32643", always_xy=True)
LAYER_FILES = ("bakad", "cities", "zones", "transport", "constraints")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")


def _raw(name: str) -> list[dict]:
    return json.loads((GEODATA / f"{name}.geojson").read_text(encoding="utf-8"))["features"]


RAW = {name: _raw(name) for name in LAYER_FILES}


def _feat(layer: str, fid: str) -> dict:
    hits = [f for f in RAW[layer] if f["properties"]["id"] == fid]
    assert len(hits) == 1, f"{layer}/{fid}: {len(hits)} features"
    return hits[0]


def _geom(layer: str, fid: str):
    return shape(_feat(layer, fid)["geometry"])


def _lonlat(layer: str, fid: str) -> tuple[float, float]:
    g = _geom(layer, fid)
    assert g.geom_type == "Point"
    return g.x, g.y


def _dist_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2] / 1000.0


def _utm_area_ha(geom) -> float:
    utm = shapely.transform(geom, lambda xy: np.column_stack(TO_UTM.transform(xy[:, 0], xy[:, 1])))
    return utm.area / 1e4


def _geodesic_area_ha(geom) -> float:
    polys = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
    return sum(abs(GEOD.geometry_area_perimeter(p)[0]) for p in polys) / 1e4


def _point_to_line_m(lon: float, lat: float, line) -> float:
    """Geodesic distance from a point to a polyline, densified to ~10 m steps."""
    xy = np.asarray(line.coords)
    best = math.inf
    for (x0, y0), (x1, y1) in zip(xy[:-1], xy[1:], strict=True):
        seg_m = GEOD.inv(x0, y0, x1, y1)[2]
        pts = [(x0, y0), *GEOD.npts(x0, y0, x1, y1, max(1, int(seg_m // 10))), (x1, y1)]
        lons, lats = np.array(pts).T
        d = GEOD.inv(np.full(len(lons), lon), np.full(len(lats), lat), lons, lats)[2]
        best = min(best, float(d.min()))
    return best


# --------------------------------------------------------------------------- the files


def test_the_package_uses_the_repository_geodata():
    assert builtin_geodata_dir().resolve() == GEODATA.resolve()


@pytest.mark.parametrize("name", LAYER_FILES)
def test_every_feature_has_provenance_fields(name):
    for f in RAW[name]:
        p = f["properties"]
        fid = p.get("id")
        assert isinstance(fid, str) and re.fullmatch(r"[a-z0-9][a-z0-9-]*", fid), fid
        for fld in ("name_en", "name_ru", "name_kk", "kind", "source"):
            assert isinstance(p.get(fld), str) and p[fld].strip(), (fid, fld)
        assert CYRILLIC.search(p["name_ru"]), (fid, p["name_ru"])
        assert isinstance(p.get("estimated"), bool), (fid, p.get("estimated"))
        acc = p.get("accuracy_m")
        assert isinstance(acc, int | float) and not isinstance(acc, bool) and acc > 0, (fid, acc)
        if "OSM" in p["source"] or "OpenStreetMap" in p["source"]:
            assert "© OpenStreetMap contributors" in p["source"], fid  # ODbL credit


def test_ids_are_unique_across_all_layers():
    ids = [f["properties"]["id"] for name in LAYER_FILES for f in RAW[name]]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", LAYER_FILES)
def test_statuses_and_dates_are_valid(name):
    for f in RAW[name]:
        p = f["properties"]
        assert p.get("status") in (None, "operating", "under_construction", "planned"), p["id"]
        dates = {}
        for fld in ("status_since", "status_until", "planned_open", "announced"):
            v = p.get(fld)
            if v is not None:
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", v), (p["id"], fld, v)
                dates[fld] = dt.date.fromisoformat(v)
                assert dt.date(1990, 1, 1) <= dates[fld] <= dt.date(2060, 1, 1), (p["id"], v)
        if "status_since" in dates and "status_until" in dates:
            assert dates["status_since"] < dates["status_until"], p["id"]
        if "announced" in dates and "status_since" in dates:
            assert dates["announced"] <= dates["status_since"], p["id"]
    if name == "zones":
        assert all(f["properties"]["status"] for f in RAW[name])


def test_geometries_are_valid_and_inside_the_region_box():
    for name in LAYER_FILES:
        for f in RAW[name]:
            g = shape(f["geometry"])
            assert g.is_valid and not g.is_empty, f["properties"]["id"]
            w, s, e, n = g.bounds
            assert 73.7 <= w and e <= 80.9 and 42.2 <= s and n <= 46.7, f["properties"]["id"]


# --------------------------------------------------------------------------- BAKAD


def test_bakad_length_matches_the_official_66_km():
    line = _geom("bakad", "bakad")
    lons, lats = np.asarray(line.coords).T
    length_km = GEOD.line_length(lons, lats) / 1000
    assert 60 <= length_km <= 70
    # official 66 km; the estimated polyline (west end adjusted towards Kyrgauyldy by
    # geodata/build.py) is 65.8 km
    assert length_km == pytest.approx(66.0, abs=0.5)


def test_bakad_does_not_cross_the_almaty_outline():
    line, almaty = _geom("bakad", "bakad"), _geom("cities", "almaty")
    assert not line.intersects(almaty)
    centre = _lonlat("cities", "almaty-centre")
    # a half ring north of Almaty: its northernmost point is north of the centre
    assert max(lat for _, lat in line.coords) > centre[1] + 0.15


def test_bakad_ends_at_kyzylkairat_and_kyrgauyldy():
    coords = list(_geom("bakad", "bakad").coords)
    # the OSM nodes of the two end settlements (public geodata README)
    assert _dist_km(coords[0], (77.1861, 43.3039)) < 1.5  # km 0 at Kyzylkairat (east)
    assert _dist_km(coords[-1], (76.7586, 43.1725)) < 1.5  # far end at Kyrgauyldy (west)


def test_every_interchange_is_on_the_road_and_at_its_chainage():
    line = _geom("bakad", "bakad")
    xy = np.asarray(line.coords)
    seg_m = GEOD.inv(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])[2]
    cum_km = np.concatenate([[0], np.cumsum(seg_m)]) / 1000
    ics = [f for f in RAW["bakad"] if f["properties"]["kind"] == "interchange"]
    assert len(ics) >= 7  # FACTS: 7 of the 8 interchanges identified
    for f in ics:
        lon, lat = f["geometry"]["coordinates"]
        assert _point_to_line_m(lon, lat, line) <= 300, f["properties"]["id"]
        # chainage: along-road distance from km 0 to the nearest vertex
        k = int(np.argmin(np.hypot(xy[:, 0] - lon, xy[:, 1] - lat)))
        assert f["properties"]["chainage_km"] == pytest.approx(cum_km[k], abs=1.0)


def test_loaded_bakad_matches_the_file(layers):
    assert layers.feature("bakad", "bakad").equals_exact(_geom("bakad", "bakad"), 1e-12)


# --------------------------------------------------------------------------- cities


@pytest.mark.parametrize(
    ("a", "b", "km", "tol"),
    [
        (("cities", "almaty-centre"), ("cities", "konaev-centre"), 70.4, 0.5),
        (("cities", "almaty-centre"), ("transport", "airport-ala"), 15.0, 0.5),
        (("cities", "almaty-centre"), ("cities", "alatau-centre"), 50.2, 0.5),
    ],
)
def test_distances_match_facts(a, b, km, tol):
    assert _dist_km(_lonlat(*a), _lonlat(*b)) == pytest.approx(km, abs=tol)


def test_almaty_to_konaev_is_67_to_74_km():
    km = _dist_km(_lonlat("cities", "almaty-centre"), _lonlat("cities", "konaev-centre"))
    assert 67 <= km <= 74


def test_utm_43n_distance_agrees_with_geodesic_within_0_1_percent():
    a, k = _lonlat("cities", "almaty-centre"), _lonlat("cities", "konaev-centre")
    x, y = planner.crs.lonlat_to_metric([a[0], k[0]], [a[1], k[1]])
    utm_km = math.hypot(x[1] - x[0], y[1] - y[0]) / 1000
    assert utm_km == pytest.approx(_dist_km(a, k), rel=1e-3)


def test_gate_city_lies_between_almaty_and_konaev():
    a, k = _lonlat("cities", "almaty-centre"), _lonlat("cities", "konaev-centre")
    c = _geom("cities", "gate-city").centroid
    r_m = 6_371_008.8
    az_ak, _, d_ak = GEOD.inv(a[0], a[1], k[0], k[1])
    az_ac, _, d_ac = GEOD.inv(a[0], a[1], c.x, c.y)
    # cross-track and along-track distance of the centroid from the Almaty->Konaev line
    xt = math.asin(math.sin(d_ac / r_m) * math.sin(math.radians(az_ac - az_ak))) * r_m
    at = math.acos(math.cos(d_ac / r_m) / math.cos(xt / r_m)) * r_m
    assert abs(xt) < 10_000
    assert 0.25 * d_ak < at < 0.75 * d_ak
    assert _dist_km((c.x, c.y), (77.06, 43.52)) < 4  # FACTS centroid, +-4 km


def test_gate_city_is_about_4000_ha():
    gc = _geom("cities", "gate-city")
    assert _geodesic_area_ha(gc) == pytest.approx(4000, rel=0.05)
    area_ha = _feat("cities", "gate-city")["properties"]["area_ha"]
    assert _utm_area_ha(gc) == pytest.approx(area_ha, rel=0.03)


def test_almaty_outline_is_about_705_km2_with_the_pit_exclave():
    almaty = _geom("cities", "almaty")
    assert _geodesic_area_ha(almaty) / 100 == pytest.approx(705, rel=0.05)
    assert almaty.contains(_geom("cities", "almaty-centre"))
    assert almaty.contains(_geom("zones", "sez-pit").centroid)  # Alatau settlement exclave
    assert almaty.equals(_geom("constraints", "limits-almaty"))


def test_konaev_centre_is_in_konaev_on_the_shore_not_in_the_reservoir():
    centre = _geom("cities", "konaev-centre")
    assert _geom("cities", "konaev").contains(centre)
    assert not _geom("constraints", "water-kapchagay").contains(centre)


# --------------------------------------------------------------------------- zones


#: zones drawn as a stand-in outline that covers only part of the stated area
STAND_INS = ("sez-alatau",)


@pytest.mark.parametrize("fid", [f["properties"]["id"] for f in RAW["zones"]])
def test_zone_area_matches_area_ha_in_utm(fid, layers):
    geom = _geom("zones", fid)
    area_ha = _feat("zones", fid)["properties"]["area_ha"]
    independent = _utm_area_ha(geom)
    if fid in STAND_INS:
        assert independent < area_ha
    else:
        assert independent == pytest.approx(area_ha, rel=0.03)
    loaded = layers.metric("zones")
    assert loaded.crs.to_epsg() == 32643
    mine = float(loaded.loc[loaded["id"] == fid].geometry.area.iloc[0]) / 1e4
    assert mine == pytest.approx(independent, rel=1e-6)


def _status(fid: str, day: str, layers) -> str:
    z = layers["zones"]
    return status_as_of(z[z["id"] == fid], dt.date.fromisoformat(day))[0]


@pytest.mark.parametrize(
    ("fid", "day", "expected"),
    [
        ("iz-kairat", "2023-06-30", "planned"),  # opened 2024
        ("iz-kairat", "2024-12-31", "operating"),
        ("iz-kairat-2", "2024-06-30", "none"),  # planned (2025)
        ("iz-kairat-2", "2025-06-30", "planned"),
        ("sez-alatau", "2022-06-30", "planned"),  # planned in the 2022 statement
        ("sez-alatau", "2030-01-01", "operating"),
        ("sez-alatau", "2049-01-01", "none"),  # created to 2048
        ("sez-pit", "2010-01-01", "operating"),  # since 2003
        ("sez-pit", "2027-12-31", "operating"),
        ("sez-pit", "2028-01-01", "none"),  # term to 1 Jan 2028
        ("aiz-1", "2022-06-30", "operating"),  # since ~2015
        ("aiz-2", "2024-06-30", "under_construction"),  # stage 2 being prepared
        ("iz-kazybek-bek", "2025-09-01", "planned"),  # launched Sept 2025
        ("iz-kazybek-bek", "2025-10-01", "operating"),
        ("iz-bereke", "2025-06-30", "planned"),  # announced 2016, status unknown
    ],
)
def test_zone_status_as_of_matches_facts(fid, day, expected, layers):
    assert _status(fid, day, layers) == expected


def test_zone_kinds_and_areas_match_facts():
    props = {f["properties"]["id"]: f["properties"] for f in RAW["zones"]}
    assert props["sez-alatau"]["kind"] == props["sez-pit"]["kind"] == "sez"
    assert props["sez-alatau"]["area_ha"] == 96_500
    assert props["sez-pit"]["area_ha"] == 163
    assert props["aiz-1"]["area_ha"] == 490 and props["aiz-2"]["area_ha"] == 194
    assert props["iz-kairat"]["status"] == "operating"
    assert props["iz-kairat"]["status_since"].startswith("2024")
    assert props["iz-kairat-2"]["status"] == "planned"
    for p in props.values():
        assert p["free_ha"] is None or 0 <= p["free_ha"] <= p["area_ha"], p["id"]


def test_bereke_is_inside_gate_city_and_alatau_centre_inside_the_sez():
    assert _geom("cities", "gate-city").contains(_geom("zones", "iz-bereke"))
    assert _geom("zones", "sez-alatau").contains(_geom("cities", "alatau-centre"))


def test_sez_alatau_covers_gate_city_and_bereke():
    sez = _geom("zones", "sez-alatau")
    assert sez.contains(_geom("cities", "gate-city"))
    assert sez.contains(_geom("zones", "iz-bereke"))


# --------------------------------------------------------------------------- constraints


def test_region_holds_the_region_features_and_not_khorgos():
    # the planning area: Almaty Region and Almaty city (a hole of the region's outline)
    region = shapely.union_all(
        [shape(f["geometry"]) for f in RAW["constraints"] if f["properties"]["kind"] == "region"]
    )
    assert not _geom("constraints", "region-almaty").contains(_geom("cities", "almaty-centre"))
    for name in ("bakad", "cities", "zones"):
        for f in RAW[name]:
            assert region.contains(shape(f["geometry"])), f["properties"]["id"]
    # Khorgos dry port is in Jetisu Region since 2022
    assert not region.contains(_geom("transport", "dryport-khorgos"))
    assert region.contains(_geom("transport", "airport-ala"))


def test_no_zone_or_road_in_the_national_park():
    park = _geom("constraints", "np-ile-alatau")
    assert not park.intersects(_geom("bakad", "bakad"))
    for f in RAW["zones"]:
        assert not park.intersects(shape(f["geometry"])), f["properties"]["id"]
    assert {f["properties"]["reason"] for f in RAW["constraints"]} >= {
        "national_park", "water", "outside_region",
    }
