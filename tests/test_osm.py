"""`planner layers from-osm`: small OSM files built here with pyosmium's writer (no downloads),
each feature tagged with a known truth (ids, lengths, counts) that the layers must match."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from _book import read_book
from _osm import OsmBuilder
from pyproj import Geod

from planner.errors import InputError
from planner.inputs.layers import load_layers
from planner.inputs.osm import layers_from_osm, write_osm_layers

GEOD = Geod(ellps="WGS84")
LAT0 = 43.45  # the test ring runs along this parallel, north of Almaty
TALDYKORGAN = (78.3735, 45.0156)  # outside Almaty Region


def _km(coords) -> float:
    xy = np.asarray(coords, dtype=float)
    return GEOD.line_length(xy[:, 0], xy[:, 1]) / 1000.0


def _box(b: OsmBuilder, w, s, e, n, tags):
    return b.way([(w, s), (e, s), (e, n), (w, n)], tags, close=True)


def build_extract(path):
    """The synthetic extract and its truth (ids and figures the layers must show)."""
    b = OsmBuilder()
    t: dict = {}
    # --- BAKAD: four ways, named three different ways, one dual-carriageway section, a gap
    a = [b.node(76.80 + 0.01 * i, LAT0) for i in range(6)]  # 76.80 .. 76.85
    t["j1"] = a[3]
    b.nodes[[n[0] for n in b.nodes].index(a[3])][3].update(
        {"highway": "motorway_junction", "ref": "5", "name": "Тестовая развязка"})
    t["way_a"] = b.way(a, {"highway": "motorway", "name": "БАКАД"})
    bn = [a[-1]] + [b.node(76.85 + 0.01 * i, LAT0) for i in range(1, 6)]  # .. 76.90
    t["way_b"] = b.way(bn[::-1], {"highway": "motorway",  # reversed, named in Russian only
                                  "name:ru": "Большая Алматинская кольцевая автодорога"})
    t["link1"] = b.way([bn[2], (76.87, LAT0 + 0.01)], {"highway": "motorway_link"})
    x = bn[-1]
    c1 = [x] + [b.node(76.90 + 0.01 * i, LAT0) for i in range(1, 6)]  # .. Y at 76.95
    y = c1[-1]
    t["j2"] = c1[2]
    b.nodes[[n[0] for n in b.nodes].index(c1[2])][3].update({"highway": "motorway_junction"})
    t["way_c1"] = b.way(c1, {"highway": "motorway", "ref": "БАКАД", "oneway": "yes"})
    off = LAT0 + 0.0003  # the other carriageway, 33 m north
    c2 = [y, b.node(76.94, off), b.node(76.93, off)]
    t["j3"] = b.node(76.921, off, {"highway": "motorway_junction", "name": "Развязка Б"})
    c2 += [t["j3"], b.node(76.91, off), x]
    t["way_c2"] = b.way(c2, {"highway": "motorway", "ref": "БАКАД", "oneway": "yes"})
    d = [b.node(76.955 + 0.005 * i, LAT0) for i in range(10)]  # 76.955 .. 77.00, gap 405 m
    t["way_d"] = b.way(d, {"highway": "trunk", "name": "bakad"})
    t["link2"] = b.way([d[4], (76.975, LAT0 - 0.01)], {"highway": "trunk_link"})
    t["link3"] = b.way([d[5], (76.98, LAT0 - 0.01)], {"highway": "trunk_link"})  # same ic
    m = [b.node(76.70, 43.30), b.node(76.71, 43.31, {"highway": "motorway_junction"})]
    t["other_motorway"] = b.way(m + [b.node(76.72, 43.32)],
                                {"highway": "motorway", "name": "Другая трасса"})
    t["ring_km"] = _km([(76.80 + 0.01 * i, LAT0) for i in range(21)])
    t["gap_m"] = GEOD.inv(76.95, LAT0, 76.955, LAT0)[2]
    # --- transport
    rail = [(76.80, 43.50), (76.90, 43.52), (77.00, 43.50)]
    t["rail"] = b.way(rail, {"railway": "rail", "name": "Турксиб"})
    t["rail_km"] = _km(rail)
    t["rail_broken"] = b.way([b.node(76.80, 43.55)], {"railway": "rail"})
    b.ways[-1][1].append(10**9)  # a node missing from the extract
    b.way([(76.6, 43.5), (76.7, 43.5)], {"railway": "abandoned"})
    t["station"] = b.node(76.90, 43.52, {"railway": "station", "name": "Станция Тест"})
    t["yard"] = b.node(76.95, 43.515, {"railway": "yard", "name": "Сортировочная"})
    b.node(76.93, 43.25, {"railway": "station", "station": "subway", "name": "Метро"})
    t["train_stop"] = b.node(76.85, 43.51, {"public_transport": "station", "train": "yes"})
    t["trunk"] = b.way([(77.05, 43.40), (77.05, 43.80)], {"highway": "trunk", "ref": "A-3"})
    t["trunk_km"] = _km([(77.05, 43.40), (77.05, 43.80)])
    t["primary"] = b.way([(76.60, 43.20), (76.70, 43.25)], {"highway": "primary"})
    b.way([(76.61, 43.21), (76.62, 43.22)], {"highway": "residential"})
    t["cross"] = b.way([(77.5, 43.9), TALDYKORGAN], {"highway": "trunk", "ref": "A-3"})
    t["airport"] = b.node(77.0405, 43.3521, {"aeroway": "aerodrome", "iata": "ALA",
                                             "icao": "UAAA", "name": "Алматы"})
    b.node(76.5, 43.6, {"aeroway": "aerodrome", "name": "Airstrip"})  # no code: left out
    # --- cities
    t["almaty_node"] = b.node(76.9457, 43.2364, {"place": "city", "name": "Алматы"})
    t["konaev_node"] = b.node(77.0533, 43.8649, {"place": "town", "name": "Қонаев",
                                                 "name:ru": "Конаев"})
    t["talgar"] = b.node(77.2395, 43.3027, {"place": "town", "name": "Талғар"})
    t["covered"] = b.node(76.705, 43.355, {"place": "village", "name": "Покрытое"})
    t["residential"] = _box(b, 76.70, 43.35, 76.71, 43.36, {"landuse": "residential"})
    t["village"] = b.node(76.75, 43.55, {"place": "village", "name": "Тестовое",
                                         "population": "3000"})
    t["bowtie"] = b.way([(76.72, 43.37), (76.73, 43.38), (76.72, 43.38), (76.73, 43.37)],
                        {"landuse": "residential"}, close=True)
    district = _box(b, 76.55, 43.55, 76.65, 43.62, {})
    t["district"] = b.relation([("w", district, "outer")], {
        "type": "boundary", "boundary": "administrative", "admin_level": "6",
        "name": "Тестовый район"})
    # --- candidate land
    t["industrial"] = _box(b, 76.85, 43.38, 76.86, 43.39,
                           {"landuse": "industrial", "name": "Промзона Тест"})
    t["industrial_odd"] = _box(b, 76.87, 43.38, 76.875, 43.385, {"landuse": "Industrial"})
    t["industrial_open"] = b.way([(76.88, 43.38), (76.89, 43.38), (76.89, 43.39)],
                                 {"landuse": "industrial"})
    # --- constraints
    park = _box(b, 77.30, 43.10, 77.40, 43.15, {})
    t["park"] = b.relation([("w", park, "outer")], {"type": "multipolygon",
                                                   "boundary": "national_park",
                                                   "name": "Иле-Алатауский"})
    t["protected"] = _box(b, 76.60, 43.60, 76.62, 43.62, {"boundary": "protected_area",
                                                          "protect_class": "4"})
    t["lake"] = _box(b, 76.65, 43.65, 76.67, 43.66, {"natural": "water"})
    b.way([(76.68, 43.65), (76.6807, 43.65), (76.6807, 43.6505), (76.68, 43.6505)],
          {"natural": "water"}, close=True)  # a 0.3 ha pond: left out
    b.write(path)
    return t


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    path = tmp_path_factory.mktemp("osm") / "almaty.osm.pbf"
    return path, build_extract(path)


@pytest.fixture(scope="module")
def result(extract):
    return layers_from_osm(extract[0])


def _ids(gdf, kind):
    return set(gdf.loc[gdf["kind"] == kind, "id"])


def test_bakad_is_one_line_of_the_tagged_length(result, extract):
    _, t = extract
    bak = result.layers["bakad"]
    ring = bak[bak["id"] == "bakad"].iloc[0]
    assert ring.geometry.geom_type == "LineString"
    assert set(ring["osm_ways"].split(";")) == {
        f"way/{t[k]}" for k in ("way_a", "way_b", "way_c1", "way_c2", "way_d")}
    length = _km(ring.geometry.coords)
    # one carriageway kept (the other lies 33 m away: at most 2 x 33 m longer)
    assert t["ring_km"] <= length + 0.01 and length < t["ring_km"] + 0.08
    assert ring["estimated"] is False or not ring["estimated"]
    assert ring["source"].startswith("OpenStreetMap 2026-11-20T21:00:00Z")
    assert ring["licence"].startswith("ODbL")
    assert any(f"gap of {t['gap_m']:.0f} m" in n for n in result.notes)


def test_interchanges_group_junctions_and_links(result, extract):
    _, t = extract
    bak = result.layers["bakad"]
    ics = bak[bak["kind"] == "interchange"]
    assert set(ics["id"]) == {
        f"osm-node-{t['j1']}", f"osm-ic-way-{t['link1']}",
        f"osm-node-{min(t['j2'], t['j3'])}", f"osm-ic-way-{min(t['link2'], t['link3'])}",
    }
    named = ics.set_index("id")
    assert named.loc[f"osm-node-{t['j1']}", "name_ru"] == "Тестовая развязка"
    two = named.loc[f"osm-node-{min(t['j2'], t['j3'])}"]
    assert set(two["junction_nodes"].split(";")) == {f"node/{t['j2']}", f"node/{t['j3']}"}
    assert two["name_ru"] == "Развязка Б"  # the name of the other junction node
    lk = named.loc[f"osm-ic-way-{min(t['link2'], t['link3'])}", "link_ways"]
    assert set(lk.split(";")) == {f"way/{t['link2']}", f"way/{t['link3']}"}
    ring = bak[bak["id"] == "bakad"].geometry.iloc[0]
    for g in ics.geometry:  # every interchange lies on the ring (junctions on C2: 33 m off)
        assert GEOD.inv(g.x, g.y, *ring.interpolate(ring.project(g)).coords[0])[2] < 40
    ch = ics["chainage_km"].to_numpy()
    assert (np.diff(ch) > 0).all() and 0 <= ch.min() and ch.max() <= t["ring_km"] + 0.1
    assert any("not on BAKAD" in n for n in result.notes)


def test_transport_matches_the_tags(result, extract):
    _, t = extract
    tr = result.layers["transport"]
    assert _ids(tr, "railway") == {f"osm-way-{t['rail']}"}
    rail = tr[tr["id"] == f"osm-way-{t['rail']}"].geometry.iloc[0]
    assert _km(rail.coords) == pytest.approx(t["rail_km"], abs=1e-3)
    assert _ids(tr, "rail_station") == {f"osm-node-{t['station']}", f"osm-node-{t['train_stop']}"}
    assert _ids(tr, "freight_yard") == {f"osm-node-{t['yard']}"}
    osm_roads = {i for i in _ids(tr, "highway") if i.startswith("osm-")}
    assert osm_roads == {
        f"osm-way-{t[k]}" for k in ("trunk", "primary", "cross", "other_motorway")}
    trunk = tr[tr["id"] == f"osm-way-{t['trunk']}"].iloc[0]
    assert trunk["road_ref"] == "A-3" and _km(trunk.geometry.coords) == pytest.approx(
        t["trunk_km"], abs=1e-3)
    assert _ids(tr, "airport") == {f"osm-node-{t['airport']}"}
    # the Khorgos dry port lies outside the region: the built-in target is kept, and said so
    assert _ids(tr, "logistics_target") == {"dryport-khorgos"}
    assert any("dryport-khorgos" in s for s in result.from_builtin)
    assert any("without an IATA or ICAO" in n for n in result.notes)


def test_clipping_cuts_at_the_region_border(result, extract):
    _, t = extract
    tr = result.layers["transport"]
    cross = tr[tr["id"] == f"osm-way-{t['cross']}"].geometry.iloc[0]
    area = shapely.union_all(load_layers().kind("constraints", "region").geometry)
    assert area.buffer(1e-6).contains(cross)
    assert not area.contains(shapely.Point(TALDYKORGAN))
    full = _km([(77.5, 43.9), TALDYKORGAN])
    assert 0 < _km(list(cross.coords)) < full


def test_cities_places_housing_and_admin(result, extract):
    _, t = extract
    ci = result.layers["cities"]
    centres = ci[ci["kind"] == "city_centre"].set_index("id")
    assert centres.loc["almaty-centre", "osm_id"] == f"node/{t['almaty_node']}"
    assert centres.loc["konaev-centre", "osm_id"] == f"node/{t['konaev_node']}"
    assert f"osm-node-{t['talgar']}" in centres.index
    stl = ci[ci["kind"] == "settlement"]

    def holding(osm):
        hits = stl[stl["osm_ids"].str.split(";").apply(lambda ids: osm in ids)]
        assert len(hits) == 1, osm
        return hits.iloc[0]

    # residential land, united per 25 km tile; the tile lists its OSM ids
    res = holding(f"way/{t['residential']}")
    assert not res["estimated"] and res["id"].startswith("osm-housing-")
    # a village with no residential polygon: an estimated circle from its population
    circle = holding(f"node/{t['village']}")
    assert circle["estimated"] and circle["accuracy_m"] == pytest.approx(
        np.sqrt(3000 / 2000 / np.pi) * 1000)
    assert "Тестовое r=691 m" in circle["places"]
    r_m = gpd.GeoSeries([circle.geometry], crs=4326).to_crs(32643).area.iloc[0] / np.pi
    assert np.sqrt(r_m) == pytest.approx(691, rel=0.1)  # a 16-gon of that radius
    assert not stl["osm_ids"].str.contains(f"node/{t['covered']}").any()  # has its polygon
    assert holding(f"node/{t['talgar']}")["estimated"]
    assert _ids(ci, "admin_boundary") == {f"osm-relation-{t['district']}"}
    # what OSM lacks comes from the built-in layers: Almaty's outline and Gate City
    assert {"almaty", "gate-city"} <= set(ci["id"])
    assert any(s.startswith("cities/gate-city") for s in result.from_builtin)


def test_constraints_and_candidates(result, extract):
    _, t = extract
    co = result.layers["constraints"]
    ex = co[co["kind"] == "exclusion"].set_index("id")
    assert ex.loc[f"osm-relation-{t['park']}", "reason"] == "national_park"
    assert ex.loc[f"osm-way-{t['protected']}", "reason"] == "protected_area"
    assert _ids(co, "water") == {f"osm-way-{t['lake']}"}
    assert any("under 1 ha" in n for n in result.notes)
    assert {"region-almaty", "region-almaty-city"} <= _ids(co, "region")  # built-in
    cand = result.candidates
    assert set(cand["site_id"]) == {f"osm-way-{t['industrial']}",
                                   f"osm-way-{t['industrial_odd']}"}
    row = cand.set_index("site_id").loc[f"osm-way-{t['industrial']}"]
    assert row["name"] == "Промзона Тест"
    metric = gpd.GeoSeries([row.geometry], crs=4326).to_crs(32643).area.iloc[0] / 1e4
    assert row["area_ha"] == pytest.approx(metric, abs=5e-4)  # rounded to 0.001 ha


def test_broken_geometry_is_reported_not_loaded(result, extract):
    _, t = extract
    text = "\n".join(result.broken)
    assert f"way/{t['rail_broken']}" in text
    assert f"way/{t['industrial_open']}" in text and "not closed" in text
    assert f"way/{t['bowtie']}" in text
    for gdf in result.layers.values():
        assert f"osm-way-{t['bowtie']}" not in set(gdf["id"])
        assert shapely.is_valid(gdf.geometry.to_numpy()).all()


def test_every_osm_feature_carries_provenance(result):
    for name, gdf in result.layers.items():
        osm = gdf[gdf["source"].str.startswith("OpenStreetMap")]
        assert len(osm), name
        assert (osm["licence"] == "ODbL 1.0: © OpenStreetMap contributors").all()
        assert osm["source"].str.contains("© OpenStreetMap contributors").all()
        assert (osm["accuracy_m"] > 0).all()
    assert "zones" not in result.layers  # industrial land is never an official zone


def test_report_counts_and_missing(result):
    text = result.report()
    assert "bakad: 5 feature(s) from OSM (interchange 4, ring_road 1)" in text
    assert "candidates: 2 feature(s)" in text
    assert "missing:" not in text or "БАКАД" not in text


def test_cli_writes_checks_and_scores(cli, extract, tmp_path):
    path, t = extract
    out = tmp_path / "official.gpkg"
    res = cli("layers", "from-osm", path, "-o", out, "--lang", "en")
    assert res.exit_code == 0, res.output
    assert "bakad: 5 feature(s)" in res.stdout
    cand = tmp_path / "official_candidates.gpkg"
    assert out.is_file() and cand.is_file()
    check = cli("layers", "check", out, "--lang", "en")
    assert check.exit_code == 0, check.output
    assert "`bakad, cities, transport, constraints` replaced" in check.stdout
    again = cli("layers", "from-osm", path, "-o", out, "--lang", "en")
    assert again.exit_code == 1 and "already exists" in again.stderr
    scored = tmp_path / "scored.gpkg"
    res = cli("score-sites", cand, "--layers", out, "-o", scored, "--as-of", "2026-01-01")
    assert res.exit_code == 0, res.output
    got = gpd.read_file(scored)
    assert set(got["site_id"]) == {f"osm-way-{t['industrial']}", f"osm-way-{t['industrial_odd']}"}
    # distances are measured to the OSM ring road, not the built-in estimate
    ring = load_layers(out).feature("bakad", "bakad", metric=True)
    pts = gpd.GeoSeries(got.geometry, crs=got.crs).to_crs(32643).representative_point()
    want = np.array([ring.distance(p) for p in pts]) / 1000
    np.testing.assert_allclose(got["dist_bakad_km"].to_numpy(), want, atol=0.01)
    # and `planner score` ranks companies on them (exit 3: the example has 2 bad rows)
    example = Path(__file__).resolve().parents[1] / "geodata" / "examples" / "companies.csv"
    xlsx = tmp_path / "results.xlsx"
    res = cli("score", example, "--layers", out, "--sites", cand, "-o", xlsx,
              "--as-of", "2026-01-01")
    assert res.exit_code == 3, res.output
    assert set(read_book(xlsx, "results")["site_id"].dropna()) <= set(got["site_id"])


def test_layers_list_shows_the_osm_licence(cli, extract, tmp_path):
    path, _ = extract
    out = tmp_path / "o.gpkg"
    assert cli("layers", "from-osm", path, "-o", out).exit_code == 0
    res = cli("layers", "list", "--layers", out)
    assert res.exit_code == 0, res.output
    assert "ODbL 1.0: © OpenStreetMap contributors" in res.stdout


def test_file_without_features_is_a_clear_error(cli, tmp_path):
    b = OsmBuilder()
    _box(b, 76.8, 43.4, 76.81, 43.41, {"building": "yes"})
    b.way([(76.8, 43.4), (76.9, 43.4)], {"highway": "residential"})
    path = b.write(tmp_path / "empty.osm.pbf")
    with pytest.raises(InputError, match="none of the features"):
        layers_from_osm(path)
    res = cli("layers", "from-osm", path, "-o", tmp_path / "x.gpkg", "--lang", "en")
    assert res.exit_code == 1
    assert "no way named БАКАД found; pass --bakad-relation" in res.stderr
    assert not (tmp_path / "x.gpkg").exists()


def test_features_outside_the_region_only(tmp_path):
    b = OsmBuilder()
    b.way([TALDYKORGAN, (78.4, 45.05)], {"railway": "rail"})
    path = b.write(tmp_path / "jetisu.osm.pbf")
    with pytest.raises(InputError, match="inside Almaty Region"):
        layers_from_osm(path)
    kept = layers_from_osm(path, clip=False)
    assert len(kept.layers["transport"]) > 0


def test_bakad_by_relation_and_missing_bakad(tmp_path):
    b = OsmBuilder()
    w1 = b.way([(76.80, LAT0), (76.85, LAT0)], {"highway": "motorway", "ref": "KZ-1"})
    w2 = b.way([(76.85, LAT0), (76.90, LAT0)], {"highway": "motorway"})
    b.way([(76.9, 43.5), (77.0, 43.5)], {"railway": "rail"})
    rel = b.relation([("w", w1, ""), ("w", w2, "")], {"type": "route", "route": "road"})
    path = b.write(tmp_path / "rel.osm.pbf", timestamp=None)
    plain = layers_from_osm(path)
    assert "bakad" not in plain.layers
    assert any("no way named БАКАД found; pass --bakad-relation" in m for m in plain.missing)
    assert "latest edit" in plain.stamp  # no header timestamp: the newest object's date
    by_rel = layers_from_osm(path, bakad_relation=rel)
    ring = by_rel.layers["bakad"].set_index("id").loc["bakad"]
    assert ring.geometry.geom_type == "LineString"
    assert set(ring["osm_ways"].split(";")) == {f"way/{w1}", f"way/{w2}"}
    assert _km(ring.geometry.coords) == pytest.approx(
        _km([(76.80, LAT0), (76.85, LAT0), (76.90, LAT0)]), abs=1e-3)
    # no junction on the ring: the built-in interchanges stand in, and the report says so
    assert any("bakad/ic-" in s for s in by_rel.from_builtin)
    with pytest.raises(InputError, match="relation 999 .* is not in the file"):
        layers_from_osm(path, bakad_relation=999)


def test_write_refuses_to_clobber(result, tmp_path):
    out = tmp_path / "o.gpkg"
    out.write_text("x")
    with pytest.raises(FileExistsError):
        write_osm_layers(result, out)
    write_osm_layers(result, out, overwrite=True)
    assert len(load_layers(out)["bakad"]) == 5
    assert json.dumps(result.counts)  # plain numbers, for a manifest or a log


def test_admin_outlines_from_osm_set_the_region_and_the_clip(tmp_path):
    b = OsmBuilder()
    region = _box(b, 76.5, 43.0, 77.5, 44.0, {})
    city = _box(b, 76.85, 43.15, 77.05, 43.35, {})
    inside = b.way([(76.6, 43.5), (76.7, 43.5)], {"railway": "rail"})
    outside = b.way([(77.6, 43.5), (77.7, 43.5)], {"railway": "rail"})  # built-in region only
    r = b.relation([("w", region, "outer")], {
        "type": "boundary", "boundary": "administrative", "admin_level": "4",
        "name": "Алматы облысы", "name:ru": "Алматинская область"})
    c = b.relation([("w", city, "outer")], {
        "type": "boundary", "boundary": "administrative", "admin_level": "4", "name": "Алматы"})
    res = layers_from_osm(b.write(tmp_path / "admin.osm.pbf"))
    co = res.layers["constraints"].set_index("id")
    assert co.loc["region-almaty", "osm_id"] == f"relation/{r}"
    assert co.loc["region-almaty-city", "osm_id"] == f"relation/{c}"
    assert co.loc["limits-almaty", "kind"] == "city_limits"
    assert res.layers["cities"].set_index("id").loc["almaty", "osm_id"] == f"relation/{c}"
    rails = set(res.layers["transport"]["id"])
    assert f"osm-way-{inside}" in rails and f"osm-way-{outside}" not in rails
    assert any("the OSM outline of Almaty Region" in n for n in res.notes)
    area = GEOD.geometry_area_perimeter(co.loc["region-almaty"].geometry)[0]
    box = GEOD.geometry_area_perimeter(shapely.box(76.5, 43.0, 77.5, 44.0))[0]
    assert abs(area) == pytest.approx(abs(box), rel=1e-9)
