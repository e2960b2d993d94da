"""Candidate sites: reading and validating files, built-in zone sites, the lattice, the CLI."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from planner import InputError
from planner.crs import lonlat_to_metric
from planner.errors import SiteFileError
from planner.inputs.rejects import machine_headers
from planner.inputs.sites import (
    SITE_COLUMNS,
    builtin_sites,
    grid_sites,
    load_sites,
    read_sites,
    site_rejects,
)
from planner.render.outputs import write_sites

GEOD = Geod(ellps="WGS84")


def _csv(tmp_path, text: str, encoding: str = "utf-8", name: str = "sites.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _check_contract(gdf):
    assert list(gdf.columns) == [*SITE_COLUMNS, "geometry"]
    assert gdf.crs.to_epsg() == 4326
    assert gdf["site_id"].is_unique
    for col in ("lon", "lat", "area_ha", "free_ha"):
        assert gdf[col].dtype == "float64"
    assert np.isfinite(gdf[["lon", "lat"]].to_numpy()).all()


# --------------------------------------------------------------------------- CSV / XLSX


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("id;Наименование;Широта;Долгота\nA;Склад;43,38;77,06\nB;Завод;43,5;77,05\n", "cp1251"),
        ("id;Наименование;Широта;Долгота\nA;Склад;43,38;77,06\nB;Завод;43,5;77,05\n", "utf-8-sig"),
        ("site_id,name,latitude,longitude\nA,Склад,43.38,77.06\nB,Завод,43.5,77.05\n", "utf-8"),
        (" ID \t NAME \t LAT \t LON \nA\tСклад\t43.38\t77.06\nB\tЗавод\t43.5\t77.05\n", "utf-8"),
        (
            'Site ID;Название;Lat;Lon\nA;"Склад; №1";"43,38";"77,06"\n\nB;Завод;43,50;77,05\n',
            "utf-8",
        ),
    ],
)
def test_csv_dialects(tmp_path, text, encoding):
    gdf = read_sites(_csv(tmp_path, text, encoding))
    _check_contract(gdf)
    assert gdf["site_id"].tolist() == ["A", "B"]
    assert gdf["name"].iloc[1] == "Завод" and gdf["name"].iloc[0].startswith("Склад")
    np.testing.assert_allclose(gdf["lat"], [43.38, 43.5])
    np.testing.assert_allclose(gdf["lon"], [77.06, 77.05])
    assert (gdf["site_source"] == "sites.csv").all()
    np.testing.assert_allclose(shapely.get_x(gdf.geometry.to_numpy()), gdf["lon"])


def test_kz1048_keeps_kazakh_letters(tmp_path):
    text = "наименование;широта;долгота\nИП Қасымов Ә.;43,38;77,06\nТОО Өрлеу Ұлы;43,5;77,05\n"
    gdf = read_sites(_csv(tmp_path, text, "kz1048"))
    assert gdf["name"].tolist() == ["ИП Қасымов Ә.", "ТОО Өрлеу Ұлы"]


def test_default_ids_names_and_optional_areas(tmp_path):
    text = 'lat,lon,area_ha,free_ha\n43.38,77.06,"12,5",\n43.5,77.05,,3\n'
    gdf = read_sites(_csv(tmp_path, text))
    # ids by the row a spreadsheet shows (the header is row 1)
    assert gdf["site_id"].tolist() == ["row-2", "row-3"]
    assert gdf["name"].tolist() == ["row-2", "row-3"]
    np.testing.assert_allclose(gdf["area_ha"], [12.5, np.nan])
    np.testing.assert_allclose(gdf["free_ha"], [np.nan, 3.0])


def test_ids_keep_leading_zeros(tmp_path):
    gdf = read_sites(_csv(tmp_path, "id;lat;lon\n007;43.38;77.06\n010;43.5;77.05\n"))
    assert gdf["site_id"].tolist() == ["007", "010"]


#: one good row, then six bad ones (swapped, far, empty, text, duplicate id, no id)
BAD_ROWS = (
    "id;name;lat;lon\n"
    "A;ok;43,38;77,06\n"
    "B;swapped;76,95;43,24\n"
    "C;far;55,75;37,62\n"
    "D;empty;;77,0\n"
    "E;text;43°15′;77,0\n"
    "A;dup;43,5;77,05\n"
    ";noid;43,5;77,05\n"
)


def test_every_bad_row_is_reported_at_once(tmp_path):
    text = BAD_ROWS
    with pytest.raises(SiteFileError) as info:
        read_sites(_csv(tmp_path, text))
    msg = str(info.value)
    problems = info.value.problems
    assert "sites.csv" in msg and "nothing was loaded" in msg
    # rows as a spreadsheet shows them (header = row 1), each with the row's id
    assert any("row 3 (site 'B')" in p and "swapped" in p and "lat=76.95" in p for p in problems)
    assert any("row 4 (site 'C')" in p and "outside Almaty Region" in p and "lon=37.62" in p
               for p in problems)
    assert any("row 5 (site 'D')" in p and "column `lat` is empty" in p for p in problems)
    assert any("row 6 (site 'E')" in p and "'43°15′' is not a number" in p for p in problems)
    assert any("row 7 (site 'A')" in p and "id 'A' is already used on row 2" in p
               for p in problems)
    assert any("row 8 (no id)" in p and "column `id` is empty" in p for p in problems)
    assert len(problems) == 6


def test_bad_rows_go_to_rejects_the_rest_is_read(tmp_path):
    text = BAD_ROWS + "F;ok too;43,5;77,05\n"
    gdf = read_sites(_csv(tmp_path, text), strict=False)
    _check_contract(gdf)
    assert gdf["site_id"].tolist() == ["A", "F"]
    rej = site_rejects(gdf)
    assert list(rej.columns[:5]) == ["row", "id", "column", "value", "reason"]
    assert rej["row"].tolist() == [3, 4, 5, 6, 7, 8]
    assert rej["id"].tolist() == ["B", "C", "D", "E", "A", ""]
    assert rej["column"].tolist() == ["lat; lon", "lat; lon", "lat", "lat", "id", "id"]
    assert rej.loc[3, "value"] == "43°15′" and rej.loc[4, "value"] == "A"
    assert "swap the latitude and longitude" in rej.loc[0, "reason"]
    # the row's own cells follow, under the file's headers ("id" is ours: renamed)
    assert rej.loc[0, ["id (file)", "name", "lat", "lon"]].tolist() == ["B", "swapped", "76,95",
                                                                       "43,24"]
    facts = gdf.attrs["site_file"]
    assert (facts["rows_in"], facts["valid"], facts["rejected"]) == (8, 2, 6)
    assert facts["separator"] == ";"


def test_a_file_with_no_usable_row_is_refused_even_when_lenient(tmp_path):
    with pytest.raises(SiteFileError, match=r"row 2 \(site 'B'\).*swapped"):
        read_sites(_csv(tmp_path, "id;lat;lon\nB;76,9;43,2\n"), strict=False)


def test_missing_coordinate_columns_list_what_was_found(tmp_path):
    with pytest.raises(SiteFileError,
                       match=r"no lat column \(found columns: 'id', 'name', 'x', 'y'\)"):
        read_sites(_csv(tmp_path, "id,name,x,y\nA,a,77,43\n"))


def test_two_columns_for_one_field(tmp_path):
    with pytest.raises(SiteFileError, match="'lat', 'latitude' all mean `lat`"):
        read_sites(_csv(tmp_path, "lat,latitude,lon\n43.4,43.4,77\n"))


def test_empty_and_unknown_files(tmp_path):
    with pytest.raises(SiteFileError, match="no sites"):
        read_sites(_csv(tmp_path, "lat;lon\n"))
    with pytest.raises(InputError, match="does not exist"):
        read_sites(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="unknown format '.shp'"):
        read_sites(_csv(tmp_path, "x", name="a.shp"))


def test_xlsx(tmp_path):
    path = tmp_path / "sites.xlsx"
    pd.DataFrame(
        {"ID": ["01", "02"], "Широта": [43.38, 43.5], "Долгота": ["77,06", "77.05"]}
    ).to_excel(path, index=False)
    gdf = read_sites(path)
    assert gdf["site_id"].tolist() == ["01", "02"]
    np.testing.assert_allclose(gdf["lon"], [77.06, 77.05])


# --------------------------------------------------------------------------- GeoJSON / GPKG


def _square(lon, lat, half_deg=0.01):
    return shapely.box(lon - half_deg, lat - half_deg, lon + half_deg, lat + half_deg)


def test_geojson_points_and_parcels(tmp_path):
    parcel = _square(77.06, 43.4)
    gdf = gpd.GeoDataFrame(
        {"name": ["parcel", "point"], "free_ha": [10.0, None]},
        geometry=[parcel, shapely.Point(77.0, 43.5)],
        crs="EPSG:4326",
    )
    path = tmp_path / "parcels.geojson"
    gdf.to_file(path, driver="GeoJSON")
    sites = read_sites(path)
    _check_contract(sites)
    assert sites["site_id"].tolist() == ["feature-1", "feature-2"]
    area_geod = abs(GEOD.geometry_area_perimeter(parcel)[0]) / 1e4
    assert sites.loc[0, "area_ha"] == pytest.approx(area_geod, rel=5e-3)
    assert np.isnan(sites.loc[1, "area_ha"])
    assert parcel.contains(shapely.Point(sites.loc[0, "lon"], sites.loc[0, "lat"]))
    assert sites.geometry.iloc[0].geom_type == "Polygon"
    assert sites.loc[0, "free_ha"] == 10.0


def test_bow_tie_parcel_is_repaired(tmp_path):
    bow = shapely.Polygon([(77.0, 43.4), (77.02, 43.42), (77.02, 43.4), (77.0, 43.42)])
    assert not bow.is_valid and bow.area == 0
    path = tmp_path / "bow.geojson"
    gpd.GeoDataFrame({"id": ["bow"]}, geometry=[bow], crs="EPSG:4326").to_file(path)
    sites = read_sites(path)
    fixed = shapely.make_valid(bow)
    assert sites.loc[0, "area_ha"] == pytest.approx(
        abs(GEOD.geometry_area_perimeter(fixed)[0]) / 1e4, rel=5e-3
    )
    assert sites.loc[0, "area_ha"] > 0 and sites.geometry.iloc[0].is_valid


def test_gpkg_in_utm_is_reprojected(tmp_path):
    x, y = lonlat_to_metric([77.06], [43.4])
    gdf = gpd.GeoDataFrame({"id": ["u1"]}, geometry=[shapely.Point(x[0], y[0])], crs="EPSG:32643")
    path = tmp_path / "utm.gpkg"
    gdf.to_file(path, driver="GPKG")
    sites = read_sites(path)
    assert sites.loc[0, "lon"] == pytest.approx(77.06, abs=1e-9)
    assert sites.loc[0, "lat"] == pytest.approx(43.4, abs=1e-9)


def test_projected_numbers_labelled_as_degrees(tmp_path):
    x, y = lonlat_to_metric([77.06], [43.4])
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "p"},
                "geometry": {"type": "Point", "coordinates": [float(x[0]), float(y[0])]},
            }
        ],
    }
    path = tmp_path / "utm.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError, match="not degrees.*projected"):
        read_sites(path)


def test_gpkg_without_crs(tmp_path):
    gdf = gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.Point(77.0, 43.5)])
    path = tmp_path / "nocrs.gpkg"
    with pytest.warns(UserWarning, match="crs"):
        gdf.to_file(path, driver="GPKG")
    with pytest.raises(InputError, match="no CRS"):
        read_sites(path)


def test_geojson_bad_features(tmp_path):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "ok"},
                "geometry": {"type": "Point", "coordinates": [77.0, 43.5]},
            },
            {
                "type": "Feature",
                "properties": {"id": "line"},
                "geometry": {"type": "LineString", "coordinates": [[77.0, 43.5], [77.1, 43.6]]},
            },
            {"type": "Feature", "properties": {"id": "none"}, "geometry": None},
            {
                "type": "Feature",
                "properties": {"id": "swap"},
                "geometry": {"type": "Point", "coordinates": [43.5, 77.0]},
            },
            {
                "type": "Feature",
                "properties": {"id": "ok"},
                "geometry": {"type": "Point", "coordinates": [77.1, 43.5]},
            },
        ],
    }
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(SiteFileError) as info:
        read_sites(path)
    problems = info.value.problems
    assert any("feature 2" in p and "LineString" in p for p in problems)
    assert any("feature 3" in p and "no geometry" in p for p in problems)
    assert any("feature 4 (site 'swap')" in p and "swapped" in p for p in problems)
    assert any("feature 5 (site 'ok')" in p and "'ok' is already used on feature 1" in p
               for p in problems)
    kept = read_sites(path, strict=False)
    assert kept["site_id"].tolist() == ["ok"]
    assert site_rejects(kept)["row"].tolist() == [2, 3, 4, 5]


def test_gpkg_with_several_layers_asks_for_one(tmp_path):
    path = tmp_path / "two.gpkg"
    pt = gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.Point(77.0, 43.5)], crs="EPSG:4326")
    pt.to_file(path, layer="one", driver="GPKG")
    pt.to_file(path, layer="two", driver="GPKG")
    with pytest.raises(InputError, match="2 layers.*one, two"):
        read_sites(path)
    assert read_sites(path, layer="two")["site_id"].tolist() == ["a"]


# --------------------------------------------------------------------------- built-in and grid


def test_builtin_sites_are_the_zones(layers):
    sites = builtin_sites(layers)
    _check_contract(sites)
    zones = layers["zones"]
    assert sites["site_id"].tolist() == zones["id"].tolist()
    assert (sites["site_source"] == "builtin").all()
    np.testing.assert_allclose(sites["free_ha"], zones["free_ha"].astype(float))
    np.testing.assert_allclose(sites["area_ha"], zones["area_ha"].astype(float))
    assert sites["name"].tolist() == zones["name_ru"].tolist()
    inside = shapely.contains_xy(zones.geometry.to_numpy(), sites["lon"], sites["lat"])
    assert inside.all()


def test_grid_is_a_hexagonal_lattice_near_bakad(layers):
    grid = grid_sites(layers, spacing_km=2.0, within_km=10.0)
    _check_contract(grid)
    assert (grid["site_source"] == "grid").all()
    x, y = lonlat_to_metric(grid["lon"], grid["lat"])
    pts = np.column_stack([x, y])
    from scipy.spatial import cKDTree

    dist, _ = cKDTree(pts).query(pts, k=7)
    np.testing.assert_allclose(dist[:, 1], 2000.0, atol=1e-3)  # nearest neighbour = spacing
    full = (np.abs(dist[:, 1:] - 2000.0) < 1e-3).sum(axis=1)
    assert full.max() == 6  # six neighbours in the interior
    # every site within 10 km of BAKAD (geodesic check), none in the park or the water
    road = layers.feature("bakad", "bakad")
    lon_r, lat_r = np.asarray(road.coords).T
    sample = grid.sample(200, random_state=0)
    dense = shapely.segmentize(road, 0.002)
    dl, da = np.asarray(dense.coords).T
    for lon, lat in zip(sample["lon"], sample["lat"], strict=True):
        _, _, d = GEOD.inv(np.full(len(dl), lon), np.full(len(dl), lat), dl, da)
        assert d.min() < 10_050
    cons = layers["constraints"]
    bad = cons[cons["kind"].isin(["exclusion", "water"])].geometry.union_all()
    assert not shapely.contains_xy(bad, grid["lon"], grid["lat"]).any()
    region = cons[cons["kind"] == "region"].geometry.union_all()
    assert shapely.contains_xy(region, grid["lon"], grid["lat"]).all()


def test_grid_ids_are_stable_and_sortable(layers):
    small = grid_sites(layers, spacing_km=2.0, within_km=5.0)
    big = grid_sites(layers, spacing_km=2.0, within_km=10.0)
    assert set(small["site_id"]) <= set(big["site_id"])
    merged = small.merge(big, on="site_id", suffixes=("_s", "_b"))
    np.testing.assert_allclose(merged["lon_s"], merged["lon_b"])
    assert big["site_id"].is_monotonic_increasing
    assert big["site_id"].iloc[0].startswith("g2000m-")


def test_square_grid_and_around_features(layers):
    sq = grid_sites(
        layers, spacing_km=2.0, within_km=3.0, around="konaev,gate-city", hexagonal=False
    )
    x, y = lonlat_to_metric(sq["lon"], sq["lat"])
    for v in (x, y):  # a square lattice anchored at the UTM origin
        np.testing.assert_allclose(v / 2000.0, np.round(v / 2000.0), atol=1e-6)
    targets = shapely.union_all(
        [
            layers.feature("cities", "konaev", metric=True),
            layers.feature("cities", "gate-city", metric=True),
        ]
    )
    assert (shapely.distance(targets, shapely.points(x, y)) <= 3000.0 + 1e-6).all()
    zones_grid = grid_sites(layers, spacing_km=1.0, within_km=0.0, around="aiz-1")
    assert 3 <= len(zones_grid) <= 8  # 490 ha ~ 5.7 hexagonal cells of 0.87 km2


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"spacing_km": 0}, "spacing_km=0: must be a number of km > 0"),
        ({"within_km": -1}, "within_km=-1"),
        ({"around": "moon"}, "'moon' is neither a layer"),
        ({"spacing_km": 0.01, "within_km": 50}, "would have about"),
        ({"within_km": 0, "around": "bakad"}, "covers no area"),
    ],
)
def test_grid_bad_arguments(layers, kwargs, match):
    with pytest.raises(InputError, match=match):
        grid_sites(layers, **kwargs)


def test_load_sites_dispatch(layers, tmp_path):
    assert len(load_sites("builtin", layers)) == len(layers["zones"])
    assert (load_sites("grid", layers, spacing_km=5)["site_source"] == "grid").all()
    path = _csv(tmp_path, "lat,lon\n43.4,77.0\n")
    assert load_sites(str(path), layers)["site_id"].tolist() == ["row-2"]


def test_write_sites_round_trip(tmp_path, layers):
    sites = builtin_sites(layers)
    for suffix in (".gpkg", ".geojson", ".csv"):
        out = write_sites(sites, tmp_path / f"s{suffix}")
        back = read_sites(out) if suffix != ".geojson" else gpd.read_file(out)
        assert back["site_id"].tolist() == sites["site_id"].tolist()
    with pytest.raises(InputError, match=r"\.gpkg, \.geojson, \.csv or \.xlsx"):
        write_sites(sites, tmp_path / "s.shp")


# --------------------------------------------------------------------------- CLI


def test_cli_sites_grid_and_check(cli, tmp_path):
    out = tmp_path / "grid.gpkg"
    res = cli("sites", "grid", "--lang", "en", "--spacing-km", "3", "--within-km", "10", "-o", out)
    assert res.exit_code == 0, res.output
    gdf = gpd.read_file(out)
    assert len(gdf) > 50 and gdf.crs.to_epsg() == 4326
    assert str(len(gdf)) in res.output.replace(",", "")
    res = cli("sites", "grid", "--lang", "en", "--spacing-km", "3", "-o", out)
    assert res.exit_code == 1 and "already exists" in res.output
    res = cli("sites", "grid", "--lang", "en",
              "--spacing-km", "3", "--around", "moon", "-o", tmp_path / "m.csv")
    assert res.exit_code == 1 and "'moon'" in res.output
    res = cli("sites", "check", "--lang", "en", out)
    assert res.exit_code == 0 and "ok:" in res.output
    bad = _csv(tmp_path, "id;lat;lon\nA;76,9;43,2\n")
    res = cli("sites", "check", "--lang", "en", bad)
    assert res.exit_code == 1 and "row 2 (site 'A')" in res.output and "swapped" in res.output
    some = _csv(tmp_path, "id;lat;lon\nA;76,9;43,2\nB;43,4;77,0\n", name="some.csv")
    res = cli("sites", "check", "--lang", "en", some, "--rejects", tmp_path / "r.csv")
    assert res.exit_code == 3 and "row 2 (site 'A')" in res.output
    rej = pd.read_csv(tmp_path / "r.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert list(rej.columns[:3]) == ["File row", "Id", "Column"]  # headed in --lang
    rej = machine_headers(rej)
    assert rej[["row", "id", "column"]].values.tolist() == [["2", "A", "lat; lon"]]
    res = cli("sites", "check", "--lang", "en", some, "--strict")
    assert res.exit_code == 1 and "nothing was loaded" in res.output
