"""Layer loading, validation (one test per kind of bad input), replacement and export.

Bad inputs are built in code and written to ``tmp_path``; every test asserts that the
message names the problem (file, feature, field, value) and, where relevant, the fix.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import mapping, shape

import planner
from planner import InputError, LayerError, OutputExistsError
from planner.core.layerset import (
    DATE_FIELDS,
    LAYER_NAMES,
    LAYER_SPECS,
    STATUS_RANK,
    status_as_of,
)
from planner.inputs.layers import (
    builtin_geodata_dir,
    export_layers,
    load_layers,
    validate_layer,
)

BUILTIN = builtin_geodata_dir()
TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32643", always_xy=True)


# --------------------------------------------------------------------------- helpers


def builtin_fc(name: str) -> dict:
    return json.loads((BUILTIN / f"{name}.geojson").read_text(encoding="utf-8"))


def write_fc(folder: Path, name: str, fc: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.geojson"
    path.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    return path


def square(lon: float, lat: float, half: float = 0.01) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[lon - half, lat - half], [lon + half, lat - half],
                         [lon + half, lat + half], [lon - half, lat + half],
                         [lon - half, lat - half]]],
    }


def zone(fid: str, geometry: dict | None = None, **props) -> dict:
    p = {
        "id": fid, "name_en": f"Zone {fid}", "name_ru": f"Зона {fid}", "name_kk": f"Аймақ {fid}",
        "kind": "industrial_zone", "source": "test", "estimated": True, "accuracy_m": 500,
        "status": "operating", "status_since": "2020-01-01", "status_until": None,
        "planned_open": None, "announced": "2019-01-01", "area_ha": 300.0, "free_ha": 100.0,
        "sectors": "food", "parent_id": None,
    }
    p.update(props)
    return {"type": "Feature", "properties": p,
            "geometry": square(77.0, 43.45) if geometry is None else geometry}


def to_utm(geom):
    return shapely.transform(geom, lambda xy: np.column_stack(TO_UTM.transform(*xy.T)))


def fc(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def problems_of(path) -> list[str]:
    with pytest.raises(LayerError) as info:
        load_layers(path)
    return info.value.problems


def one_problem(path) -> str:
    probs = problems_of(path)
    assert len(probs) == 1, probs
    return probs[0]


# --------------------------------------------------------------------------- built-in set


def test_builtin_layers_load_clean(layers):
    assert tuple(layers.layers) == LAYER_NAMES == tuple(LAYER_SPECS)
    assert layers.notes == []
    assert set(layers.sources.values()) == {"builtin"}
    for name in LAYER_NAMES:
        gdf = layers[name]
        assert gdf.crs.to_epsg() == 4326
        assert gdf["id"].is_unique and gdf["id"].notna().all()
        assert gdf["estimated"].dtype == bool
        assert gdf["accuracy_m"].dtype == "float64"
        assert gdf["area_ha"].dtype == "float64" and gdf["free_ha"].dtype == "float64"
        for fld in DATE_FIELDS:  # contract: ISO strings or None
            for v in gdf[fld]:
                assert v is None or (isinstance(v, str) and dt.date.fromisoformat(v)), v
        assert shapely.is_valid(gdf.geometry.values).all()


def test_builtin_features_match_the_files(layers):
    for name in LAYER_NAMES:
        raw = builtin_fc(name)["features"]
        gdf = layers[name]
        assert list(gdf["id"]) == [f["properties"]["id"] for f in raw]
        for f, geom in zip(raw, gdf.geometry, strict=True):
            assert geom.equals_exact(shape(f["geometry"]), 1e-12), f["properties"]["id"]


def test_layerset_accessors(layers):
    m = layers.metric("zones")
    assert m.crs.to_epsg() == 32643 and layers.metric("zones") is m  # cached
    x, y = TO_UTM.transform(*layers.feature("cities", "almaty-centre").coords[0])
    got = layers.feature("cities", "almaty-centre", metric=True)
    assert (got.x, got.y) == pytest.approx((x, y), abs=0.01)
    ics = layers.kind("bakad", "interchange")
    assert len(ics) == 7 and set(ics["kind"]) == {"interchange"}
    assert set(layers.kind("transport", "airport", "railway")["kind"]) == {"airport", "railway"}
    with pytest.raises(KeyError, match="no feature with id 'nowhere'"):
        layers.feature("zones", "nowhere")


def test_fingerprint_is_stable_and_changes_with_the_data(layers, tmp_path):
    assert layers.fingerprint() == load_layers().fingerprint()
    assert len(layers.fingerprint()) == 12
    z = builtin_fc("zones")
    z["features"][0]["properties"]["free_ha"] = 1.0
    other = load_layers(write_fc(tmp_path, "zones", z))
    assert other.fingerprint() != layers.fingerprint()


def test_status_rank_orders_statuses():
    assert sorted(STATUS_RANK, key=STATUS_RANK.get) == [
        "none", "planned", "under_construction", "operating",
    ]


# --------------------------------------------------------------------------- bad inputs


def test_missing_crs_in_a_geopackage(tmp_path, layers):
    gdf = layers["zones"].copy()
    gdf = gdf.set_crs(None, allow_override=True)
    gpkg = tmp_path / "official.gpkg"
    with pytest.warns(UserWarning, match="crs"):
        gdf.to_file(gpkg, layer="zones", engine="pyogrio")
    msg = one_problem(gpkg)
    assert "official.gpkg" in msg and "'zones'" in msg
    assert "no CRS" in msg and "EPSG:4326" in msg


def test_non_4326_geopackage_is_reprojected_and_noted(tmp_path, layers):
    gpkg = tmp_path / "utm.gpkg"
    layers["zones"].to_crs(32643).to_file(gpkg, layer="zones", engine="pyogrio")
    ls = load_layers(gpkg)
    assert any("reprojected from EPSG:32643 to EPSG:4326" in n and "utm.gpkg" in n
               for n in ls.notes)
    assert ls["zones"].crs.to_epsg() == 4326
    for a, b in zip(ls["zones"].geometry, layers["zones"].geometry, strict=True):
        assert a.hausdorff_distance(b) < 1e-7  # degrees: ~1 cm
    assert ls.sources["zones"] == str(gpkg) and ls.sources["bakad"] == "builtin"


def test_projected_numbers_in_a_geojson_claiming_4326(tmp_path):
    z = builtin_fc("zones")
    for f in z["features"]:
        f["geometry"] = mapping(to_utm(shape(f["geometry"])))
    z.pop("crs", None)
    msg = one_problem(write_fc(tmp_path, "zones", z))
    assert "zones.geojson" in msg and "every feature" in msg
    assert "not degrees" in msg and "projected" in msg and "EPSG:4326" in msg


def test_degrees_in_a_geopackage_declaring_utm(tmp_path, layers):
    gpkg = tmp_path / "mislabelled.gpkg"
    layers["zones"].set_crs(32643, allow_override=True).to_file(gpkg, layer="zones")
    msg = one_problem(gpkg)
    assert "look like lon/lat degrees" in msg and "EPSG:32643" in msg


def test_bow_tie_zone_is_repaired_and_reported(tmp_path):
    bow = {"type": "Polygon", "coordinates": [[[77.0, 43.4], [77.02, 43.42], [77.02, 43.4],
                                               [77.0, 43.42], [77.0, 43.4]]]}
    assert not shape(bow).is_valid
    ls = load_layers(write_fc(tmp_path, "zones", fc(zone("z-ok"), zone("z-bow", bow))))
    note = [n for n in ls.notes if "z-bow" in n]
    assert len(note) == 1 and "Self-intersection" in note[0] and "make_valid" in note[0]
    fixed = ls.feature("zones", "z-bow")
    assert fixed.is_valid and fixed.geom_type == "MultiPolygon" and len(fixed.geoms) == 2
    assert fixed.area == pytest.approx(0.02 * 0.02 / 2)  # two triangles of a quarter each


def test_wrong_geometry_type_for_the_layer(tmp_path):
    line = {"type": "LineString", "coordinates": [[77.0, 43.4], [77.1, 43.5]]}
    msg = one_problem(write_fc(tmp_path, "zones", fc(zone("z-ok"), zone("z-line", line))))
    assert "feature 2 (id='z-line')" in msg
    assert "LineString is wrong for kind 'industrial_zone'" in msg
    assert "MultiPolygon or Polygon" in msg


def test_polygon_where_a_point_is_needed(tmp_path):
    b = builtin_fc("bakad")
    b["features"][1]["geometry"] = square(77.1, 43.3)
    msg = one_problem(write_fc(tmp_path, "bakad", b))
    assert "ic-talgar" in msg and "Polygon is wrong for kind 'interchange'" in msg


@pytest.mark.parametrize(
    "field", ["id", "name_en", "name_ru", "name_kk", "kind", "source", "estimated", "accuracy_m"]
)
def test_missing_required_field(tmp_path, field):
    z = fc(zone("z-1"), zone("z-2"))
    for f in z["features"]:
        del f["properties"][field]
    msg = one_problem(write_fc(tmp_path, "zones", z))
    assert f"required field `{field}` is missing" in msg and "zones.geojson" in msg


def test_missing_status_field_in_zones(tmp_path):
    z = fc(zone("z-1"))
    del z["features"][0]["properties"]["status"]
    msg = one_problem(write_fc(tmp_path, "zones", z))
    assert "required field `status` is missing" in msg and "operating" in msg


@pytest.mark.parametrize("field", ["name_ru", "source"])
def test_empty_required_value(tmp_path, field):
    msg = one_problem(write_fc(tmp_path, "zones", fc(zone("z-1"), zone("z-2", **{field: " "}))))
    assert f"feature 2 (id='z-2'): field `{field}` is empty" in msg


def test_unknown_status(tmp_path):
    msg = one_problem(write_fc(tmp_path, "zones", fc(zone("z-1", status="open"))))
    assert "field `status`: 'open' is not a known status" in msg
    assert "operating, under_construction, planned" in msg


def test_unknown_kind(tmp_path):
    msg = one_problem(write_fc(tmp_path, "zones", fc(zone("z-1", kind="technopark"))))
    assert "'technopark' is not a kind of layer 'zones'" in msg
    assert "industrial_zone, sez" in msg


def test_feature_far_outside_the_region(tmp_path):
    far = zone("z-far", square(10.0, 50.0))
    msg = one_problem(write_fc(tmp_path, "zones", fc(zone("z-1"), far)))
    assert "z-far" in msg and "far outside Almaty Region" in msg and "lon=10.0000" in msg
    assert "swapped" not in msg


def test_swapped_lat_lon_is_detected_and_named(tmp_path):
    b = builtin_fc("bakad")
    lon, lat = b["features"][2]["geometry"]["coordinates"]
    b["features"][2]["geometry"]["coordinates"] = [lat, lon]
    msg = one_problem(write_fc(tmp_path, "bakad", b))
    assert "ic-kulja" in msg and "latitude and longitude look swapped" in msg
    assert "[lon, lat]" in msg


def test_swapped_polygon_is_detected(tmp_path):
    sq = square(43.45, 77.0)  # lat, lon order
    msg = one_problem(write_fc(tmp_path, "zones", fc(zone("z-1", sq))))
    assert "look swapped" in msg


def test_duplicate_ids(tmp_path):
    msg = one_problem(write_fc(tmp_path, "zones", fc(zone("z-1"), zone("z-2"), zone("z-1"))))
    assert "duplicate id 'z-1' in features [1, 3]" in msg and "unique" in msg


@pytest.mark.parametrize("bad", ["2024-02-30", "30.06.2024", "2024", "soon"])
def test_bad_dates(tmp_path, bad):
    z = fc(zone("z-1"), zone("z-2", status_since=bad))
    msg = one_problem(write_fc(tmp_path, "zones", z))
    assert f"feature 2 (id='z-2'): field `status_since`: '{bad}' is not a valid ISO date" in msg
    assert "YYYY-MM-DD" in msg


def test_dates_out_of_order(tmp_path):
    z = fc(zone("z-1", status_since="2020-01-01", status_until="2019-01-01"),
           zone("z-2", announced="2021-01-01", status_since="2020-01-01"))
    probs = problems_of(write_fc(tmp_path, "zones", z))
    assert len(probs) == 2
    assert "z-1" in probs[0] and "status_until" in probs[0] and "not after" in probs[0]
    assert "z-2" in probs[1] and "announced" in probs[1]


@pytest.mark.parametrize(
    "geometry", [None, {"type": "Polygon", "coordinates": []}], ids=["null", "empty-polygon"]
)
def test_empty_geometry(tmp_path, geometry):
    f = zone("z-empty")
    f["geometry"] = geometry
    msg = one_problem(write_fc(tmp_path, "zones", fc(zone("z-1"), f)))
    assert "feature 2 (id='z-empty'): geometry is empty" in msg


def test_zone_point_with_area_becomes_an_estimated_circle(tmp_path):
    pt = {"type": "Point", "coordinates": [77.05, 43.45]}
    ls = load_layers(write_fc(tmp_path, "zones", fc(zone("z-1"), zone("z-pt", pt, area_ha=250.0,
                                                                       estimated=False))))
    circle = ls.feature("zones", "z-pt")
    assert circle.geom_type == "Polygon" and circle.is_valid
    row = ls["zones"].set_index("id").loc["z-pt"]
    assert bool(row["estimated"]) is True
    utm = to_utm(circle)
    assert utm.area / 1e4 == pytest.approx(250.0, rel=0.01)
    cx, cy = TO_UTM.transform(77.05, 43.45)
    assert utm.centroid.distance(shapely.Point(cx, cy)) < 5
    assert any("z-pt" in n and "approximate circle" in n and "estimated" in n for n in ls.notes)


def test_zone_point_without_area_is_refused(tmp_path):
    pt = {"type": "Point", "coordinates": [77.05, 43.45]}
    msg = one_problem(write_fc(tmp_path, "zones", fc(zone("z-pt", pt, area_ha=None))))
    assert "Point is wrong" in msg and "area_ha" in msg


@pytest.mark.parametrize(
    ("props", "text"),
    [
        ({"estimated": "yes"}, "field `estimated`: 'yes' is not a boolean"),
        ({"accuracy_m": -5}, "field `accuracy_m`: -5 is not a distance in metres"),
        ({"accuracy_m": None}, "field `accuracy_m` is empty"),
        ({"area_ha": "12,5 га"}, "field `area_ha`: '12,5 га' is not an area in hectares"),
        ({"area_ha": 100.0, "free_ha": 150.0}, "free_ha`: 150 is more than area_ha=100"),
    ],
)
def test_bad_attribute_values(tmp_path, props, text):
    msg = one_problem(write_fc(tmp_path, "zones", fc(zone("z-1"), zone("z-2", **props))))
    assert "z-2" in msg and text in msg


def test_three_different_problems_give_one_error_listing_all(tmp_path):
    line = {"type": "LineString", "coordinates": [[77.0, 43.4], [77.1, 43.5]]}
    z = fc(zone("z-1", status="open"), zone("z-2"), zone("z-2"), zone("z-4", line))
    path = write_fc(tmp_path, "zones", z)
    with pytest.raises(LayerError) as info:
        load_layers(path)
    probs = info.value.problems
    assert len(probs) == 3
    assert any("'open' is not a known status" in p for p in probs)
    assert any("duplicate id 'z-2'" in p for p in probs)
    assert any("LineString is wrong" in p for p in probs)
    text = str(info.value)
    assert text.startswith("3 problem(s)") and all(p in text for p in probs)
    assert isinstance(info.value, InputError) and isinstance(info.value, ValueError)


def test_missing_field_does_not_hide_other_problems(tmp_path):
    z = fc(zone("z-1", status="open"), zone("z-2", status_since="tomorrow"))
    for f in z["features"]:
        del f["properties"]["source"]
    probs = problems_of(write_fc(tmp_path, "zones", z))
    assert len(probs) == 3
    assert "`source` is missing" in probs[0]


def test_problems_in_several_files_are_raised_once(tmp_path):
    write_fc(tmp_path, "zones", fc(zone("z-1", status="open")))
    b = builtin_fc("bakad")
    b["features"][0]["properties"]["estimated"] = "maybe"
    write_fc(tmp_path, "bakad", b)
    probs = problems_of(tmp_path)
    assert len(probs) == 2
    assert any("bakad.geojson" in p and "'maybe'" in p for p in probs)
    assert any("zones.geojson" in p and "'open'" in p for p in probs)


def test_long_problem_lists_are_capped_in_the_message(tmp_path):
    z = fc(*(zone(f"z-{i}", status="open") for i in range(60)))
    with pytest.raises(LayerError) as info:
        load_layers(write_fc(tmp_path, "zones", z))
    assert len(info.value.problems) == 60
    assert "and 10 more" in str(info.value) and "z-59" not in str(info.value)


def test_required_ids_and_kinds(tmp_path):
    c = builtin_fc("cities")
    c["features"] = [f for f in c["features"] if f["properties"]["id"] != "gate-city"]
    msg = one_problem(write_fc(tmp_path / "c", "cities", c))
    assert "required feature id 'gate-city' is missing" in msg
    t = builtin_fc("transport")
    t["features"] = [f for f in t["features"]
                     if f["properties"]["kind"] not in ("logistics_target", "railway",
                                                        "rail_station", "freight_yard")]
    probs = problems_of(write_fc(tmp_path / "t", "transport", t))
    assert len(probs) == 2
    assert "no feature of kind 'logistics_target'" in probs[0]
    assert "railway, rail_station or freight_yard" in probs[1]


def test_required_id_with_the_wrong_kind(tmp_path):
    c = builtin_fc("cities")
    for f in c["features"]:
        if f["properties"]["id"] == "konaev-centre":
            f["properties"]["kind"] = "settlement"
            f["geometry"] = square(77.05, 43.86)
    msg = one_problem(write_fc(tmp_path, "cities", c))
    assert "'konaev-centre' has kind 'settlement'" in msg and "'city_centre'" in msg


def test_constraint_reasons(tmp_path):
    c = builtin_fc("constraints")
    for f in c["features"]:
        if f["properties"]["id"] != "mountain-front":  # one exclusion without a reason
            f["properties"]["reason"] = None
    msg = one_problem(write_fc(tmp_path, "constraints", c))
    assert "np-ile-alatau" in msg and "`reason` is empty" in msg
    c["features"][0]["properties"]["reason"] = "national_park"
    ls = load_layers(write_fc(tmp_path, "constraints", c))
    reasons = dict(zip(ls["constraints"]["id"], ls["constraints"]["reason"], strict=True))
    assert reasons["water-kapchagay"] == "water"
    assert reasons["region-almaty"] == "outside_region"
    assert any("water-kapchagay" in n and "'water'" in n for n in ls.notes)


def test_an_empty_layer_is_refused(tmp_path):
    msg = one_problem(write_fc(tmp_path, "zones", fc()))
    assert "no features" in msg


def test_validate_layer_in_memory(layers):
    fixed, probs, notes = validate_layer("zones", layers["zones"])
    assert probs == [] and notes == []
    bad = layers["zones"].copy()
    bad.loc[bad.index[0], "status"] = "closed"
    _, probs, _ = validate_layer("zones", bad, file="mem")
    assert len(probs) == 1 and probs[0].startswith("mem (layer 'zones'): feature 1 (id='aiz-1')")
    with pytest.raises(InputError, match="unknown layer name 'roads'"):
        validate_layer("roads", layers["zones"])


def test_estimated_as_gpkg_integers_and_text_booleans(layers):
    z = layers["zones"].copy()
    z["estimated"] = [1, 0] + [1] * (len(z) - 2)
    fixed, probs, _ = validate_layer("zones", z)
    assert probs == [] and fixed["estimated"].dtype == bool
    assert fixed["estimated"].tolist()[:2] == [True, False]
    z["estimated"] = ["true", "False"] + ["true"] * (len(z) - 2)
    fixed, probs, _ = validate_layer("zones", z)
    assert probs == [] and fixed["estimated"].tolist()[:2] == [True, False]


def test_z_coordinates_are_dropped(layers):
    z = layers["zones"].copy()
    z.geometry = shapely.force_3d(z.geometry.values, 700.0)
    fixed, probs, notes = validate_layer("zones", z)
    assert probs == [] and not shapely.has_z(fixed.geometry.values).any()
    assert any("Z coordinates dropped" in n for n in notes)


# --------------------------------------------------------------------------- user replacement


def test_folder_with_only_zones_replaces_zones_and_keeps_the_rest(tmp_path, layers):
    write_fc(tmp_path, "zones", fc(zone("z-a"), zone("z-b", square(77.1, 43.5))))
    (tmp_path / "readme.txt").write_text("ignored")
    ls = load_layers(tmp_path)
    assert list(ls["zones"]["id"]) == ["z-a", "z-b"]
    assert ls.sources["zones"] == str(tmp_path / "zones.geojson")
    for name in ("bakad", "cities", "transport", "constraints"):
        assert ls.sources[name] == "builtin"
        assert ls[name]["id"].tolist() == layers[name]["id"].tolist()
        assert ls[name].geometry.geom_equals(layers[name].geometry).all()
        assert any(f"layer {name!r}: not in" in n for n in ls.notes)


def test_a_single_layer_file_can_be_given(tmp_path):
    path = write_fc(tmp_path, "zones", fc(zone("z-a")))
    assert list(load_layers(path)["zones"]["id"]) == ["z-a"]
    other = write_fc(tmp_path, "parks", fc(zone("z-a")))
    with pytest.raises(InputError, match="named after the layer"):
        load_layers(other)


def test_one_geopackage_with_named_layers(tmp_path, layers):
    gpkg = export_layers(layers, tmp_path / "all.gpkg")
    ls = load_layers(gpkg)
    assert ls.notes == []
    for name in LAYER_NAMES:
        assert ls.sources[name] == str(gpkg)
        assert ls[name]["id"].tolist() == layers[name]["id"].tolist()
        # GeoPackage promotes a layer mixing Polygon and MultiPolygon to MultiPolygon
        assert ls[name].geometry.geom_equals(layers[name].geometry).all()
        for col in ("estimated", "accuracy_m", "status", "area_ha", "free_ha", *DATE_FIELDS):
            a, b = ls[name][col], layers[name][col]
            assert a.isna().tolist() == b.isna().tolist(), (name, col)
            assert a.dropna().tolist() == b.dropna().tolist(), (name, col)
    day = dt.date(2024, 6, 30)
    assert list(status_as_of(ls["zones"], day)) == list(status_as_of(layers["zones"], day))


def test_geopackage_with_some_layers_and_extras(tmp_path, layers):
    gpkg = tmp_path / "official.gpkg"
    layers["zones"].iloc[:3].to_file(gpkg, layer="zones", engine="pyogrio")
    layers["zones"].to_file(gpkg, layer="layer_styles", engine="pyogrio")
    ls = load_layers(gpkg)
    assert len(ls["zones"]) == 3 and ls.sources["cities"] == "builtin"
    assert any("ignored layer_styles" in n for n in ls.notes)


def test_bad_layer_paths(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_layers(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no layer found"):
        load_layers(tmp_path / "empty")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputError, match="neither a folder nor a GeoPackage"):
        load_layers(tmp_path / "notes.txt")
    twice = tmp_path / "twice"
    write_fc(twice, "zones", fc(zone("z-1")))
    (twice / "Zones.gpkg").write_bytes(b"")
    with pytest.raises(InputError, match="given twice"):
        load_layers(twice)


def test_unreadable_file_is_reported(tmp_path):
    (tmp_path / "zones.geojson").write_text("{ this is not json")
    msg = one_problem(tmp_path)
    assert "cannot read" in msg and "zones.geojson" in msg


# --------------------------------------------------------------------------- export


def test_export_writes_five_layers_readable_by_pyogrio(tmp_path, layers):
    out = export_layers(layers, tmp_path / "layers.gpkg")
    assert out == tmp_path / "layers.gpkg"
    listed = {str(n) for n, _ in pyogrio.list_layers(out)}
    assert listed == set(LAYER_NAMES)
    for name in LAYER_NAMES:
        info = pyogrio.read_info(out, layer=name)
        assert info["features"] == len(layers[name]) and info["crs"] == "EPSG:4326"
    back = gpd.read_file(out, layer="zones", engine="pyogrio")
    assert back["name_kk"].tolist() == layers["zones"]["name_kk"].tolist()
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_export_refuses_to_overwrite(tmp_path, layers):
    out = tmp_path / "layers.gpkg"
    out.write_bytes(b"keep me")
    with pytest.raises(OutputExistsError, match="--overwrite"):
        export_layers(layers, out)
    assert out.read_bytes() == b"keep me"
    export_layers(layers, out, overwrite=True)
    assert len(pyogrio.list_layers(out)) == 5


def test_export_needs_a_gpkg_name(tmp_path, layers):
    with pytest.raises(InputError, match=r"must end in \.gpkg"):
        export_layers(layers, tmp_path / "layers.shp")


# --------------------------------------------------------------------------- status_as_of


def _reference_status(rec: dict, day: dt.date) -> str:
    """Straightforward per-zone rules, written independently of the vectorised code."""
    def d(v):
        return dt.date.fromisoformat(v) if isinstance(v, str) else None

    announced, since, opens, until = (d(rec[k]) for k in
                                      ("announced", "status_since", "planned_open", "status_until"))
    if announced is not None and day < announced:
        return "none"
    if until is not None and day >= until:
        return "none"
    if rec["status"] == "operating":
        return "operating" if since is None or day >= since else "planned"
    if opens is not None and day >= opens:
        return "operating"
    if rec["status"] == "under_construction" and (since is None or day >= since):
        return "under_construction"
    return "planned"


def test_status_as_of_matches_a_reference_on_random_zones():
    rng = np.random.default_rng(7)
    n = 400
    days = pd.date_range("2010-01-01", "2040-01-01", freq="D")

    def dates():
        picked = np.array(days[rng.integers(0, len(days), n)].strftime("%Y-%m-%d"), dtype=object)
        picked[rng.random(n) < 0.4] = None
        return picked

    zones = pd.DataFrame({
        "status": rng.choice(["operating", "under_construction", "planned"], n),
        "announced": dates(), "status_since": dates(),
        "planned_open": dates(), "status_until": dates(),
    })
    for day in (dt.date(2012, 5, 1), dt.date(2025, 6, 30), dt.date(2039, 1, 1)):
        got = status_as_of(zones, day)
        want = [_reference_status(r, day) for r in zones.to_dict("records")]
        assert list(got) == want
        assert len(set(want)) == 4  # the sample exercises every outcome


def test_status_as_of_accepts_timestamps_nat_and_text_dates():
    zones = pd.DataFrame({
        "status": ["operating", "planned", "under_construction"],
        "announced": pd.to_datetime(["2010-01-01", None, None]),
        "status_since": [dt.date(2015, 1, 1), None, "2020-01-01"],
        "planned_open": [np.nan, "2030-01-01", None],
        "status_until": [None, None, pd.NaT],
    })
    assert list(status_as_of(zones, dt.date(2012, 1, 1))) == ["planned", "planned", "planned"]
    assert list(status_as_of(zones, "2031-01-01")) == ["operating", "operating",
                                                       "under_construction"]
    with pytest.raises(InputError, match="as_of"):
        status_as_of(zones, "next year")


def test_status_as_of_is_aligned_with_the_input(layers):
    z = layers["zones"].iloc[::-1]
    got = status_as_of(z, dt.date(2021, 1, 1))
    assert len(got) == len(z)
    assert dict(zip(z["id"], got, strict=True))["iz-kazybek-bek"] == "none"
    assert dict(zip(z["id"], got, strict=True))["aiz-1"] == "operating"


def test_no_warning_escapes_reading_odd_files(tmp_path):
    z = fc(zone("z-1"), zone("z-2", estimated="yes", accuracy_m="x"))
    path = write_fc(tmp_path, "zones", z)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        probs = problems_of(path)
    assert len(probs) == 2


def test_public_api_is_exported():
    for name in ("load_layers", "export_layers"):
        assert getattr(planner, name) is getattr(planner.inputs.layers, name)
    for name in ("status_as_of", "LayerSet", "LAYER_NAMES"):
        assert getattr(planner, name) is getattr(planner.core.layerset, name)
    assert copy.copy(LAYER_NAMES) == ("bakad", "cities", "zones", "transport", "constraints")


def test_geopackage_with_real_date_fields(tmp_path, layers):
    z = layers["zones"].copy()
    for fld in DATE_FIELDS:
        z[fld] = pd.to_datetime(z[fld])  # DATE/DATETIME columns, as QGIS writes them
    gpkg = tmp_path / "dates.gpkg"
    z.to_file(gpkg, layer="zones", engine="pyogrio")
    assert pyogrio.read_info(gpkg, layer="zones")["ogr_types"].count("OFTDateTime") == 4
    ls = load_layers(str(gpkg))
    for fld in DATE_FIELDS:
        assert ls["zones"][fld].tolist() == layers["zones"][fld].tolist()


def test_a_table_without_geometry_is_refused(tmp_path):
    gpkg = tmp_path / "attrs.gpkg"
    pyogrio.write_dataframe(pd.DataFrame({"id": ["z-1"]}), gpkg, layer="zones")
    msg = one_problem(gpkg)
    assert "attrs.gpkg" in msg and "no geometry column" in msg
