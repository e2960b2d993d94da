"""The built-in boundaries derived from public data (geodata/build.py), checked against
independent figures: official areas, places known to be inside or outside, the licences.

Reads only the committed GeoJSON files (never the public source folder). Areas are geodesic
(:class:`pyproj.Geod` on WGS84); the check points' coordinates are written here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Point, shape

GEODATA = Path(__file__).resolve().parents[1] / "geodata"
GEOD = Geod(ellps="WGS84")
LAYER_FILES = ("bakad", "cities", "zones", "transport", "constraints")

#: places (lon, lat) from OpenStreetMap nodes / the reference notes
KONAEV = (77.0533, 43.8649)
ESIK = (77.4659, 43.3595)
TALDYKORGAN = (78.3735, 45.0156)  # Jetisu Region's centre since 2022
ALMATY_CENTRE = (76.9457, 43.2364)
#: features derived from public boundary data: (layer, id, licence word)
DERIVED = [
    ("constraints", "region-almaty", "CC BY 4.0"),
    ("constraints", "region-almaty-city", "CC BY 4.0"),
    ("constraints", "limits-almaty", "CC BY 4.0"),
    ("constraints", "water-kapchagay", "Natural Earth"),
    ("cities", "almaty", "CC BY 4.0"),
    ("cities", "konaev-city-admin", "CC BY 4.0"),
    ("cities", "alatau-city", "CC BY 4.0"),
]


def _features(name: str) -> list[dict]:
    return json.loads((GEODATA / f"{name}.geojson").read_text(encoding="utf-8"))["features"]


RAW = {n: _features(n) for n in LAYER_FILES}


def _feat(layer: str, fid: str) -> dict:
    hits = [f for f in RAW[layer] if f["properties"]["id"] == fid]
    assert len(hits) == 1, (layer, fid, len(hits))
    return hits[0]


def _geom(layer: str, fid: str):
    return shape(_feat(layer, fid)["geometry"])


def _km2(geom) -> float:
    """Geodesic area; holes subtract whatever the ring orientation (signed areas)."""
    total = 0.0
    for p in getattr(geom, "geoms", [geom]):
        if p.geom_type != "Polygon":  # shared edges of an intersection have no area
            continue
        total += abs(GEOD.polygon_area_perimeter(*p.exterior.xy)[0])
        for hole in p.interiors:
            total -= abs(GEOD.polygon_area_perimeter(*hole.xy)[0])
    return total / 1e6


def test_region_area_is_the_official_105_000_km2():
    assert _km2(_geom("constraints", "region-almaty")) == pytest.approx(105_000, rel=0.02)


def test_almaty_city_area_is_the_official_683_km2():
    almaty = _geom("cities", "almaty")
    assert _km2(almaty) == pytest.approx(683, rel=0.05)
    assert almaty.equals(_geom("constraints", "limits-almaty"))
    assert almaty.equals(_geom("constraints", "region-almaty-city"))
    assert almaty.contains(Point(ALMATY_CENTRE))


def test_konaev_and_esik_are_inside_the_region_and_taldykorgan_outside():
    region = _geom("constraints", "region-almaty")
    assert region.contains(Point(KONAEV))
    assert region.contains(Point(ESIK))
    assert not region.contains(Point(TALDYKORGAN))
    assert not region.contains(Point(ALMATY_CENTRE))  # the city is a hole of the region


def test_region_and_city_tile_the_planning_area_without_gaps_or_overlaps():
    region = _geom("constraints", "region-almaty")
    city = _geom("constraints", "region-almaty-city")
    assert _km2(region.intersection(city)) < 0.01
    union = shapely.union_all([region, city])
    assert union.geom_type == "Polygon" and len(union.interiors) == 0
    assert _km2(union) == pytest.approx(_km2(region) + _km2(city), rel=1e-6)


@pytest.mark.parametrize(("layer", "fid", "word"), DERIVED)
def test_derived_features_say_where_they_come_from(layer, fid, word):
    p = _feat(layer, fid)["properties"]
    assert p["estimated"] is False
    assert 500 <= p["accuracy_m"] <= 3000
    assert word in p["licence"]
    assert ("geokz" in p["source"]) == (word == "CC BY 4.0")
    assert shape(_feat(layer, fid)["geometry"]).is_valid


def test_every_builtin_feature_carries_its_licence():
    for name in LAYER_FILES:
        for f in RAW[name]:
            p = f["properties"]
            assert isinstance(p.get("licence"), str) and p["licence"].strip(), p["id"]
            if "OpenStreetMap" in p["source"] or "OSM" in p["source"]:
                assert p["licence"].startswith("ODbL"), p["id"]
            if p["licence"].startswith("CC0"):
                assert p["estimated"] is True, p["id"]  # only our own estimates are CC0


def test_konaev_and_alatau_territories():
    konaev = _geom("cities", "konaev-city-admin")
    alatau = _geom("cities", "alatau-city")
    assert konaev.contains(_geom("cities", "konaev-centre"))
    water = _geom("constraints", "water-kapchagay")
    assert _km2(water.intersection(konaev)) > 0.9 * _km2(water)  # it holds the reservoir
    assert alatau.contains(_geom("cities", "alatau-centre"))
    assert _km2(konaev) == pytest.approx(3136.3, rel=0.02)  # geokz district table
    assert _km2(alatau) == pytest.approx(729.8, rel=0.02)
    assert _km2(konaev.intersection(alatau)) < 1.0
    kinds = {_feat("cities", f)["properties"]["kind"] for f in ("konaev-city-admin", "alatau-city")}
    assert kinds == {"admin_boundary"}


def test_kapchagay_reservoir_is_the_natural_earth_outline():
    water = _geom("constraints", "water-kapchagay")
    assert _km2(water) == pytest.approx(935, rel=0.03)
    w, s, e, n = water.bounds
    assert 77.05 <= w <= 77.2 and 78.1 <= e <= 78.25 and 43.7 <= s and n <= 44.0


def test_sez_alatau_stand_in_is_the_alatau_city_outline_not_a_guess():
    sez = _geom("zones", "sez-alatau")
    p = _feat("zones", "sez-alatau")["properties"]
    assert sez.contains(_geom("cities", "alatau-city"))  # the SEZ covers all of Alatau city
    assert sez.contains(_geom("cities", "gate-city"))
    # only a part of the stated 96,500 ha is known: the Konaev part is not drawn
    assert 729.8 * 0.98 <= _km2(sez) < p["area_ha"] / 100
    assert p["estimated"] is True and "stand-in" in p["source"]


def test_settlements_have_current_names_and_lie_in_the_region_outside_almaty():
    region = _geom("constraints", "region-almaty")
    almaty = _geom("cities", "almaty")
    stl = [f for f in RAW["cities"] if f["properties"]["kind"] == "settlement"]
    assert len(stl) >= 300
    for f in stl:
        g = shape(f["geometry"])
        p = f["properties"]
        assert region.contains(g.centroid) and not almaty.intersects(g.centroid), p["id"]
        assert p["estimated"] is True and p["accuracy_m"] >= 200, p["id"]
    names_kk = {f["properties"]["id"]: f["properties"]["name_kk"] for f in stl}
    assert names_kk["zhetygen"] == "Алатау"  # ex-Zhetygen, a city since 2024
    assert names_kk["kaskelen"] == "Қаскелең"
    # the built-up radius follows the population: Kaskelen (84,199) > Kyrgauyldy (unknown)
    by_id = {f["properties"]["id"]: f["properties"] for f in stl}
    assert by_id["kaskelen"]["accuracy_m"] > by_id["kyrgauyldy"]["accuracy_m"]


def test_the_builtin_files_stay_small():
    total = sum((GEODATA / f"{n}.geojson").stat().st_size for n in LAYER_FILES)
    assert total < 400 * 1024
