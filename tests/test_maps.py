"""Maps: structure of the folium.Map, the saved HTML (offline, escaped), inputs, CLI.

What the page does in a browser is tested in test_browser.py; here we check the map object,
the JSON payload it carries, and the file on disk.
"""

from __future__ import annotations

import datetime as dt
import html as htmllib
import json
import re
from html.parser import HTMLParser

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _browser import CRITERIA_KEYS, HOSTILE, synthetic_results, synthetic_scored
from folium import plugins

import planner
from planner import i18n
from planner.config.scenarios import load_scenario
from planner.core.layerset import LAYER_SPECS
from planner.errors import AssetError, InputError, OutputError, OutputExistsError
from planner.jobs import maps as jobs_maps
from planner.render import assets as _assets
from planner.render import colors, map_data, map_pack, maps

# --------------------------------------------------------------------------- helpers


def sites_of(payload: dict) -> dict:
    """The plain site table of a payload (unpacked if packed, see planner.render.map_pack)."""
    sites = payload["sites"]
    return map_pack.unpack_table(sites) if sites and sites.get("packed") else sites


def payload_of(page: str) -> dict:
    """The JSON object the page passes to plannerMap(map, groups, data)."""
    m = re.search(r"plannerMap\((map_\w+), \{[^{}]*\}, ", page)
    assert m, "plannerMap(...) call not found in the page"
    obj, _ = json.JSONDecoder().raw_decode(page, m.end())
    return obj


def script_elements(page: str) -> list[str]:
    """Text of every <script> element, split the way an HTML parser splits them."""

    class Collect(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.scripts: list[str] = []
            self._in = False

        def handle_starttag(self, tag, attrs):
            if tag == "script":
                self._in = True
                self.scripts.append("")

        def handle_endtag(self, tag):
            if tag == "script":
                self._in = False

        def handle_data(self, data):
            if self._in:
                self.scripts[-1] += data

    p = Collect()
    p.feed(page)
    p.close()
    return p.scripts


def layer_control_names(m: folium.Map) -> list[str]:
    return [
        c.layer_name
        for c in m._children.values()
        if isinstance(c, folium.FeatureGroup) and c.control
    ]


@pytest.fixture(scope="module")
def scored():
    return synthetic_scored(300, seed=3)


@pytest.fixture(scope="module")
def demo_map(layers, scored):
    return maps.build_map(layers, scored=scored, top_k=7)


@pytest.fixture(scope="module")
def demo_page(demo_map):
    return maps.map_html(demo_map)


# --------------------------------------------------------------------------- i18n


def test_every_language_has_every_label():
    # the whole catalog, key by key and field by field: tests/test_i18n.py
    labels = {lang: i18n.labels(lang) for lang in i18n.LANGS}
    for lang in i18n.LANGS:
        assert list(labels[lang]) == list(labels["ru"]), lang
        assert all(v.strip() for v in labels[lang].values()), lang
    for name in ("criterion", "status", "kind", "exclusion"):
        for lang in i18n.LANGS:
            assert list(i18n.section(name, lang)) == list(i18n.keys(name)), (name, lang)
    # the three languages really differ where it matters
    assert len({i18n.label("layer_zones", lang) for lang in i18n.LANGS}) == 3
    kazakh = set("әғқңөұүі")  # Kazakh-only letters (һ is rare in these words)
    kk_text = " ".join(labels["kk"].values()).lower()
    ru_text = " ".join(labels["ru"].values()).lower()
    assert kazakh <= set(kk_text) and not kazakh & set(ru_text)
    same = [k for k in labels["ru"] if labels["ru"][k] == labels["kk"][k]]
    assert len(same) < 12, same


def test_labels_cover_every_layer_kind_and_criterion():
    kinds = {k for spec in LAYER_SPECS.values() for k in spec.kinds}
    assert kinds <= set(i18n.keys("kind"))
    assert set(CRITERIA_KEYS) <= set(i18n.keys("criterion"))
    assert set(map_data.RAW_COLUMNS) == set(i18n.keys("criterion"))


def test_unknown_language_is_refused(layers):
    with pytest.raises(InputError, match=r"language 'de'.*ru, kk, en"):
        i18n.check_lang("de")
    with pytest.raises(InputError, match="language"):
        maps.build_map(layers, lang="de")


def test_feature_names_fall_back_to_russian_then_id():
    df = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "name_ru": ["Р", None, ""],
            "name_kk": ["Қ", "", None],
            "name_en": ["E", "E2", None],
        }
    )
    assert i18n.feature_names(df, "kk").tolist() == ["Қ", "E2", "c"]
    assert i18n.feature_names(df, "ru").tolist() == ["Р", "E2", "c"]


# --------------------------------------------------------------------------- map structure


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_layer_groups_and_controls_in_each_language(layers, scored, lang):
    m = maps.build_map(layers, scored=scored, lang=lang, top_k=5)
    t = i18n.labels(lang)
    expected = [
        t["layer_context"],
        t["layer_constraints"],
        t["layer_cities"],
        t["layer_zones"],
        t["layer_transport"],
        t["layer_bakad"],
        t["layer_sites"],
        t["layer_top"].format(k=5),
    ]
    assert layer_control_names(m) == [htmllib.escape(x) for x in expected]
    kinds = {type(c) for c in m._children.values()}
    assert {folium.LayerControl, plugins.Fullscreen, plugins.MeasureControl} <= kinds
    assert m.planner_data["lang"] == lang
    assert m.planner_data["crit"]["bakad"] == i18n.t("criterion.bakad", lang)


def test_payload_in_page_equals_map_data(demo_map, demo_page):
    assert payload_of(demo_page) == json.loads(json.dumps(demo_map.planner_data))


def test_sites_payload_coordinates_scores_and_order(demo_page, scored):
    sites = sites_of(payload_of(demo_page))
    assert len(sites["lon"]) == len(scored)
    by_id = scored.set_index("site_id")
    for k in range(len(sites["id"])):
        row = by_id.loc[sites["id"][k]]
        # GeoJSON order: lon in [lon], lat in [lat], 5 decimals
        assert sites["lon"][k] == round(float(row["lon"]), 5)
        assert sites["lat"][k] == round(float(row["lat"]), 5)
        assert sites["score"][k] == pytest.approx(float(row["score"]), abs=0.051)
        want_rank = None if pd.isna(row["rank"]) else int(row["rank"])
        assert sites["rank"][k] == want_rank
    # drawn in order: excluded first, then ascending score (best on top)
    ranks = [r for r in sites["rank"] if r is not None]
    assert sites["rank"][: sites["rank"].count(None)] == [None] * sites["rank"].count(None)
    assert ranks == sorted(ranks, reverse=True)
    # points of every criterion add up to the score
    pts = np.array(sites["pts"], dtype=float)
    assert sites["crit"] == list(CRITERIA_KEYS)
    np.testing.assert_allclose(pts.sum(axis=0), sites["score"], atol=0.65)


def test_top_k_are_the_best_ranks_numbered(demo_map, scored):
    top = demo_map.planner_data["top"]
    assert top["rank"] == [1, 2, 3, 4, 5, 6, 7]
    best = scored[scored["rank"].notna()].sort_values("rank").head(7)
    assert top["id"] == best["site_id"].tolist()


def test_score_scale_spans_included_sites(demo_map, scored):
    s = demo_map.planner_data["scale"]
    inc = scored.loc[scored["rank"].notna(), "score"]
    assert s["lo"] <= inc.min() and s["hi"] >= inc.max()
    assert s["hi"] - s["lo"] <= inc.max() - inc.min() + 2


def test_note_has_provenance_scenario_and_date(demo_map, scored):
    note = demo_map.planner_data["note"]
    text = " ".join(note)
    assert "© OpenStreetMap contributors" in text
    assert "ориентировочная" in text
    assert scored.attrs["scenario"] in text and scored.attrs["scenario_hash"] in text
    assert "1 января 2026\u202fг." in text  # the date as Russian writes it (Babel)
    en = maps.build_map(
        planner.load_layers(), lang="en", as_of="2030-05-01", scenario_name="x", scenario_hash="abc"
    )
    assert any("indicative" in line for line in en.planner_data["note"])
    assert "As of: May 1, 2030" in en.planner_data["note"]


@pytest.mark.parametrize(
    ("as_of", "status"),
    # FACTS.md: SEZ G4 City / Alatau was still planned in the 2022 statement, created 2023
    [("2022-06-01", "planned"), ("2030-01-01", "operating")],
)
def test_zones_coloured_by_status_as_of_the_date(layers, as_of, status):
    m = maps.build_map(layers, as_of=as_of)
    zones = layers["zones"].reset_index(drop=True)
    i = int(np.flatnonzero(zones["id"] == "sez-alatau")[0])
    name = i18n.feature_names(zones, "ru").iloc[i]
    feats = [
        f for f in m.planner_data["layers"]["zones"]["features"] if f["properties"]["h"] == name
    ]
    assert len(feats) == 1
    props = feats[0]["properties"]
    assert props["s"]["fillColor"] == colors.STATUS_COLORS[status]
    assert [i18n.t("map.status", "ru"), i18n.t(f"status.{status}", "ru")] in props["r"]
    assert m.planner_data["asOf"] == as_of


def test_layer_features_are_all_drawn(layers, demo_map):
    lay = demo_map.planner_data["layers"]
    assert len(lay["zones"]["features"]) == len(layers["zones"])
    assert len(lay["bakad"]["features"]) == len(layers["bakad"])
    assert len(lay["transport"]["features"]) == len(layers["transport"])
    assert len(lay["cities"]["features"]) == len(layers["cities"])
    n_region = int((layers["constraints"]["kind"] == "region").sum())
    assert len(lay["context"]["features"]) == n_region
    assert len(lay["constraints"]["features"]) == len(layers["constraints"]) - n_region
    # coordinates rounded to 5 decimals, [lon, lat] order
    ring = lay["bakad"]["features"][0]["geometry"]["coordinates"]
    assert all(round(c, 5) == c for pt in ring for c in pt)
    assert all(76 < pt[0] < 78 and 43 < pt[1] < 44 for pt in ring)


# --------------------------------------------------------------------------- offline


def _refs(page: str) -> list[str]:
    """Every src=/href= value and url() in the page (independent of planner.render.assets)."""
    refs = re.findall(r"""\b(?:src|href)\s*=\s*["']?([^"'\s>]*)""", page, re.IGNORECASE)
    refs += re.findall(r"""url\(\s*["']?([^"')]*)""", page)
    return refs


def test_saved_map_needs_no_network(tmp_path, demo_map):
    out = maps.save_map(demo_map, tmp_path / "m.html")
    page = out.read_text(encoding="utf-8")
    refs = _refs(page)
    assert refs, "expected at least the inlined data: URIs"
    bad = [r for r in refs if r.lower().startswith(("http:", "https:", "//"))]
    assert bad == []
    for cdn in ("cdn.jsdelivr", "cdnjs", "unpkg", "code.jquery", "bootstrapcdn", "googleapis"):
        assert cdn not in page
    assert "Leaflet 1.9.3" in page and "jQuery v3.7.1" in page
    assert "L.Control.Measure" in page and "fullscreen" in page.lower()
    # images come inline (layer-control icon, measure and fullscreen icons)
    assert page.count("data:image/png;base64,") >= 5 and "data:image/svg+xml;base64," in page
    assert "Content-Security-Policy" in page and "connect-src 'none'" in page
    assert "tile.openstreetmap.org" not in page
    assert "sourceMappingURL" not in page
    assert _assets.external_urls(page) == []


def test_osm_basemap_adds_tiles_with_attribution(layers, tmp_path):
    m = maps.build_map(layers, basemap="osm")
    tiles = [c for c in m._children.values() if isinstance(c, folium.TileLayer)]
    assert len(tiles) == 1
    assert tiles[0].tiles.startswith("https://tile.openstreetmap.org/")
    assert "OpenStreetMap contributors" in tiles[0].options["attribution"]
    page = maps.save_map(m, tmp_path / "osm.html").read_text(encoding="utf-8")
    assert "img-src data: blob: https://tile.openstreetmap.org" in page
    assert [r for r in _refs(page) if r.startswith(("http", "//"))] == []
    # the region is drawn as an outline only, over the tiles
    region = m.planner_data["layers"]["context"]["features"][0]["properties"]["s"]
    assert region["fillOpacity"] == 0
    with pytest.raises(InputError, match="basemap"):
        maps.build_map(layers, basemap="google")


def test_save_refuses_a_map_that_loads_from_a_cdn(tmp_path):
    m = folium.Map(tiles=None)
    plugins.Fullscreen().add_to(m)
    with pytest.raises(OutputError, match=r"network.*cdn\.jsdelivr"):
        maps.save_map(m, tmp_path / "cdn.html")
    assert not (tmp_path / "cdn.html").exists()
    maps.save_map(m, tmp_path / "cdn.html", allow_external=True)
    assert (tmp_path / "cdn.html").stat().st_size > 0


def test_external_urls_finds_each_kind_of_reference():
    page = (
        '<script src="https://a.example/x.js"></script><link href=//b.example/y.css>'
        "<style>.x{background:url('http://c.example/i.png')}</style>"
        '<img src="data:image/png;base64,AAAA"><a href="#top">'
    )
    assert _assets.external_urls(page) == [
        "//b.example/y.css",
        "http://c.example/i.png",
        "https://a.example/x.js",
    ]


def test_inlined_scripts_cannot_end_early():
    with pytest.raises(AssetError, match="</script"):
        _assets.script_tag("var a = '</SCRIPT>';")
    assert 'leafletjs.com"' not in _assets.leaflet_js()


# --------------------------------------------------------------------------- escaping


@pytest.fixture(scope="module")
def hostile_page(layers, tmp_path_factory):
    s = synthetic_scored(40, seed=5, hostile=True)
    s.attrs["scenario"] = HOSTILE[1]
    s.loc[s.index[len(HOSTILE)], "name"] = "{{ 7*7 }}"
    res = synthetic_results(s, list(HOSTILE), k=4)
    zones = layers["zones"].copy()
    zones.loc[zones.index[0], ["name_ru", "name_en", "name_kk"]] = HOSTILE[0]
    zones.loc[zones.index[1], "name_ru"] = HOSTILE[3]
    zones.loc[zones.index[2], "sectors"] = HOSTILE[1]
    evil = planner.LayerSet(
        layers={**layers.layers, "zones": zones},
        sources={**layers.sources, "zones": "evil.geojson"},
    )
    m = maps.build_map(evil, scored=s, results=res, company=HOSTILE[0], top_k=4)
    out = maps.save_map(m, tmp_path_factory.mktemp("hostile") / "hostile.html")
    return m, out.read_text(encoding="utf-8")


def test_hostile_text_never_reaches_the_page_raw(hostile_page):
    m, page = hostile_page
    assert "<img src=x onerror" not in page
    assert "window.__xss=1</script>" not in page
    # parsed as a browser does, the page has exactly our script elements, and the data
    # arrives whole inside one of them: no "</script>" from the data ended it early
    scripts = script_elements(page)
    assert len(scripts) == 9  # 7 inlined assets, folium's settings, the map script
    main = [s for s in scripts if "plannerMap(map_" in s]
    assert len(main) == 1
    payload = payload_of(main[0])
    # jinja never saw the data ({{ 7*7 }} would have become 49)
    payload["sites"] = sites_of(payload)
    assert "{{ 7*7 }}" in json.dumps(payload, ensure_ascii=False)
    # the data survived intact, to be escaped by the page's own esc() at display time
    assert HOSTILE[0] in payload["top"]["company"]
    assert set(HOSTILE[:3]) <= set(sites_of(payload)["name"])
    # (aiz-2's outline is unknown: its name ends in "(location approximate)")
    approx = f" ({i18n.label('location_approximate', 'ru')})"
    assert any(
        f["properties"]["h"] in (HOSTILE[3], HOSTILE[3] + approx)
        for f in payload["layers"]["zones"]["features"]
    )


def test_hostile_company_is_escaped_in_the_layer_control(hostile_page):
    m, page = hostile_page
    names = layer_control_names(m)
    assert names[-1] == htmllib.escape(i18n.label("layer_company", "ru", k=4, company=HOSTILE[0]))
    assert "&lt;img src=x onerror=window.__xss=1&gt;" in names[-1]
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    assert "$" in title and "<" not in title.replace("&lt;", "")


def test_jinja_never_evaluates_user_text(layers, scored):
    # folium renders element scripts through Jinja twice; {{ }} in data must stay text
    res = synthetic_results(scored, ["{{ 7*7 }} <b>x</b>", "{% if 1 %}yes{% endif %}"], k=1)
    s = scored.head(3).copy()
    s["name"] = ["{{ 6*7 }}", "{# c #}", "{%raw%}"]
    page = maps.map_html(
        maps.build_map(layers, scored=s, results=res, company="{{ 7*7 }} <b>x</b>")
    )
    assert "7*7" in page and "42" not in sites_of(payload_of(page))["name"]
    assert sorted(sites_of(payload_of(page))["name"]) == sorted(s["name"])
    assert "Лучшие 1: 49" not in page


def test_json_for_script_escapes_markup():
    value = {"a": "</script><!-- & \u2028 `${x}` {{ y }} {%z%} {#c#}", "b": {"c": [{}]}}
    text = map_data.json_for_script(value)
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert "{{" not in text and "{%" not in text and "{#" not in text
    assert json.loads(text) == value


# --------------------------------------------------------------------------- results


@pytest.fixture(scope="module")
def results(scored):
    return synthetic_results(scored, ["ТОО Альфа", "Beta LLC", "ИП Қасымов Ә."], k=6)


def test_company_top_k_numbered(layers, results):
    m = maps.build_map(layers, results=results, company="  тоо альфа ", top_k=4)
    top = m.planner_data["top"]
    want = results[results["company_name"] == "ТОО Альфа"].sort_values("rank").head(4)
    assert top["rank"] == [1, 2, 3, 4]
    assert top["id"] == want["site_id"].tolist()
    assert top["name"] == [
        n if n != i else None for n, i in zip(want["site_name"], want["site_id"], strict=True)
    ]
    assert top["company"] == ["ТОО Альфа"] * 4
    assert layer_control_names(m)[-1] == i18n.label("layer_company", "ru", k=4, company="ТОО Альфа")
    # by company_id too
    m2 = maps.build_map(layers, results=results, company="c3", top_k=2)
    assert m2.planner_data["top"]["company"] == ["ИП Қасымов Ә."] * 2


def test_unknown_company_names_close_matches(layers, results):
    with pytest.raises(
        InputError, match=r"'ТОО Альфаа' is not in the results.*did you mean 'ТОО Альфа'"
    ):
        maps.build_map(layers, results=results, company="ТОО Альфаа")


def test_best_site_per_company_groups_companies_by_site(layers, results):
    res = results.copy()
    # make two companies share their best site
    a = res.index[(res["company_name"] == "Beta LLC") & (res["rank"] == 1)][0]
    b = res.index[(res["company_name"] == "ТОО Альфа") & (res["rank"] == 1)][0]
    for col in res.columns:
        if col not in ("company_id", "company_name", "rank"):
            res.at[a, col] = res.at[b, col]
    m = maps.build_map(layers, results=res)
    best = m.planner_data["best"]
    assert m.planner_data["top"] is None and m.planner_data["sites"] is None
    assert len(best["id"]) == 2
    shared = best["id"].index(res.at[b, "site_id"])
    assert sorted(c[0] for c in best["comp"][shared]) == ["Beta LLC", "ТОО Альфа"]
    assert sum(len(c) for c in best["comp"]) == 3


def test_allocated_site_is_shown_as_the_companys_site(layers, results):
    res = results.copy()
    res["allocated"] = False
    # the allocation gave "Beta LLC" its rank-3 site (land or share limits)
    pick = res.index[(res["company_name"] == "Beta LLC") & (res["rank"] == 3)][0]
    res.at[pick, "allocated"] = True
    first = res[(res["company_name"] == "Beta LLC") & (res["rank"] == 1)]["site_id"].iloc[0]
    assert first != res.at[pick, "site_id"]  # else the test could not tell them apart
    best = maps.build_map(layers, results=res).planner_data["best"]
    pairs = zip(best["id"], best["comp"], strict=True)
    where = {c[0]: site for site, comps in pairs for c in comps}
    assert where["Beta LLC"] == res.at[pick, "site_id"]
    alfa = res[(res["company_name"] == "ТОО Альфа") & (res["rank"] == 1)]["site_id"].iloc[0]
    assert where["ТОО Альфа"] == alfa  # not allocated: its best rank is shown


# --------------------------------------------------------------------------- input files


def test_read_scored_roundtrips_gpkg_geojson_and_csv(tmp_path, scored):
    small = scored.head(30).copy()
    small["rank"] = small["rank"].astype("float64")
    small.to_file(tmp_path / "s.gpkg", engine="pyogrio")
    small.to_file(tmp_path / "s.geojson", engine="pyogrio")
    pd.DataFrame(small.drop(columns="geometry")).to_csv(
        tmp_path / "s.csv", sep=";", decimal=",", index=False, encoding="utf-8-sig"
    )
    for name in ("s.gpkg", "s.geojson", "s.csv"):
        back = jobs_maps.read_scored(tmp_path / name)
        assert back.crs == "EPSG:4326", name
        np.testing.assert_allclose(back["lon"], small["lon"], atol=1e-9, err_msg=name)
        np.testing.assert_allclose(back["score"], small["score"], atol=1e-9, err_msg=name)
        assert back["rank"].isna().tolist() == small["rank"].isna().tolist(), name
        assert back["site_id"].astype(str).tolist() == small["site_id"].tolist(), name
        assert back["name"].astype(str).tolist() == small["name"].tolist(), name


def test_read_scored_takes_position_from_geometry_and_scenario_from_manifest(tmp_path, scored):
    poly = scored.head(5).drop(columns=["lon", "lat"]).copy()
    poly = poly.set_geometry(poly.to_crs(planner.METRIC_CRS).buffer(500).to_crs(4326))
    poly.to_file(tmp_path / "p.geojson", engine="pyogrio")
    (tmp_path / "p.geojson.manifest.json").write_text(
        json.dumps(
            {"scenario": {"name": "bakad-perimeter", "hash": "feedbeef0001"}, "as_of": "2024-02-03"}
        ),
        encoding="utf-8",
    )
    back = jobs_maps.read_scored(tmp_path / "p.geojson")
    np.testing.assert_allclose(back["lon"], scored.head(5)["lon"], atol=1e-4)
    np.testing.assert_allclose(back["lat"], scored.head(5)["lat"], atol=1e-4)
    assert back.attrs == {
        "scenario": "bakad-perimeter",
        "scenario_hash": "feedbeef0001",
        "as_of": "2024-02-03",
    }


def test_read_scored_names_missing_columns(tmp_path):
    pd.DataFrame({"id": ["a"], "x": [1], "y": [2]}).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(
        InputError,
        match=r"bad\.csv.*`site_id`.*`score`.*`lon`.*`lat`.*columns found: 'id', 'x', 'y'",
    ):
        jobs_maps.read_scored(tmp_path / "bad.csv")


def test_read_scored_names_bad_rows(tmp_path):
    df = pd.DataFrame(
        {
            "site_id": ["a", "b", "c"],
            "score": ["10", "20,5", "x"],
            "lon": ["77.0", "abc", "77.1"],
            "lat": ["43.5", "43.6", "95"],
        }
    )
    df.to_csv(tmp_path / "rows.csv", index=False, sep=";")
    with pytest.raises(InputError) as exc:
        jobs_maps.read_scored(tmp_path / "rows.csv")
    msg = str(exc.value)
    assert "3 problem(s)" in msg or "problem(s)" in msg
    assert "row 3, column `lon`: 'abc'" in msg
    assert "row 4, column `lat`: '95' is not a number in -90..90" in msg
    assert "row 4, column `score`: 'x'" in msg


def test_read_results_csv_and_xlsx(tmp_path, results):
    results.to_csv(tmp_path / "r.csv", index=False, encoding="utf-8-sig")
    results.rename(columns={"company_name": "name"}).to_excel(tmp_path / "r.xlsx", index=False)
    for name in ("r.csv", "r.xlsx"):
        back = jobs_maps.read_results(tmp_path / name)
        assert back["company_name"].tolist() == results["company_name"].tolist(), name
        np.testing.assert_allclose(back["score"], results["score"], atol=1e-9)
        assert back["rank"].tolist() == results["rank"].tolist()
    (tmp_path / "r.txt").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match=r"unknown type '\.txt'"):
        jobs_maps.read_results(tmp_path / "r.txt")


def test_missing_input_file_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match=r"does not exist"):
        jobs_maps.read_scored(tmp_path / "nope.gpkg")


# --------------------------------------------------------------------------- saving


def test_save_refuses_existing_file_and_keeps_it_on_failure(tmp_path, demo_map, monkeypatch):
    out = tmp_path / "m.html"
    out.write_text("old", encoding="utf-8")
    with pytest.raises(OutputExistsError, match="already exists"):
        maps.save_map(demo_map, out)
    assert out.read_text(encoding="utf-8") == "old"

    def boom(m):
        raise RuntimeError("render failed")

    monkeypatch.setattr(maps, "map_html", boom)
    with pytest.raises(RuntimeError):
        maps.save_map(demo_map, out, overwrite=True)
    assert out.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["m.html"]
    monkeypatch.undo()
    maps.save_map(demo_map, out, overwrite=True)
    assert out.stat().st_size > 100_000


def test_save_requires_html_suffix(tmp_path, demo_map):
    with pytest.raises(InputError, match=r"\.html"):
        maps.save_map(demo_map, tmp_path / "m.png")


def test_bytes_per_site_keep_100k_under_8_mb(layers):
    n = 20_000
    m = maps.build_map(layers, scored=synthetic_scored(n, seed=9))
    base = len(maps.map_html(maps.build_map(layers)).encode())
    size = len(maps.map_html(m).encode())
    per_site = (size - base) / n
    assert per_site * 100_000 + base < 8e6, f"{per_site:.0f} bytes per site"
    # `why` texts are kept for every site up to WHY_MAX_SITES, then for the best ranks only
    assert len(sites_of(m.planner_data)["why"]) == map_data.WHY_MAX_SITES


def test_top_k_must_be_positive(layers):
    with pytest.raises(InputError, match="top_k"):
        maps.build_map(layers, top_k=0)


# --------------------------------------------------------------------------- command line


@pytest.fixture()
def scored_file(tmp_path, scored):
    path = tmp_path / "scored.gpkg"
    s = scored.copy()
    s["rank"] = s["rank"].astype("float64")
    s.to_file(path, engine="pyogrio")
    return path


def test_cli_map_from_scored_file(cli, tmp_path, scored_file):
    out = tmp_path / "m.html"
    r = cli("map", "--sites", scored_file, "--lang", "en", "--top", "3", "-o", out)
    assert r.exit_code == 0, r.output
    assert "wrote" in r.output
    data = payload_of(out.read_text(encoding="utf-8"))
    assert len(sites_of(data)["id"]) == 300 and data["top"]["rank"] == [1, 2, 3]
    assert data["t"]["layer_zones"] == "Industrial zones and SEZs"
    r = cli("map", "--sites", scored_file, "-o", out)
    assert r.exit_code == 1 and "уже существует" in r.output and "Traceback" not in r.output
    assert cli("map", "--sites", scored_file, "-o", out, "--overwrite").exit_code == 0


def test_cli_usage_errors_exit_2(cli, tmp_path, scored_file):
    out = tmp_path / "m.html"
    r = cli("map", "--sites", scored_file, "--lang", "de", "-o", out)
    assert r.exit_code == 2
    r = cli("map", "--sites", scored_file, "--as-of", "2024-13-01", "-o", out)
    assert r.exit_code == 2 and "2024-13-01" in r.output
    r = cli("map", "--sites", scored_file, "--top", "0", "-o", out)
    assert r.exit_code == 2
    assert not out.exists()


def test_cli_results_company(cli, tmp_path, results):
    path = tmp_path / "results.csv"
    results.to_csv(path, index=False, encoding="utf-8-sig")
    out = tmp_path / "c.html"
    r = cli("map", "--results", path, "--company", "Beta LLC", "--top", "3", "-o", out)
    assert r.exit_code == 0, r.output
    data = payload_of(out.read_text(encoding="utf-8"))
    assert data["top"]["company"] == ["Beta LLC"] * 3
    r = cli("map", "--results", path, "--company", "Gamma", "-o", tmp_path / "d.html",
            "--lang", "en")
    assert r.exit_code == 1 and "'Gamma' is not in the results" in r.output


def test_cli_refuses_scenario_other_than_the_files(cli, tmp_path, scored_file):
    (tmp_path / "scored.gpkg.manifest.json").write_text(
        json.dumps({"scenario": "bakad-perimeter", "scenario_hash": "000000000000"}),
        encoding="utf-8",
    )
    r = cli(
        "map", "--sites", scored_file, "--scenario", "bakad-perimeter", "-o", tmp_path / "x.html"
    )
    assert r.exit_code == 1
    assert "000000000000" in r.output and "--scenario" in r.output


def test_cli_builtin_sites_scored_with_the_scenario(cli, tmp_path):
    sc = load_scenario("konaev-countermagnet")
    out = tmp_path / "b.html"
    r = cli(
        "map",
        "--sites",
        "builtin",
        "--scenario",
        "konaev-countermagnet",
        "--as-of",
        "2030-01-01",
        "-o",
        out,
    )
    assert r.exit_code == 0, r.output
    data = payload_of(out.read_text(encoding="utf-8"))
    assert f"Сценарий: {sc.name} (хеш {sc.hash})" in data["note"]
    assert "Дата оценки: 1 января 2030\u202fг." in data["note"]
    assert sorted(sites_of(data)["id"]) == sorted(planner.load_layers()["zones"]["id"])


def test_build_map_accepts_score_sites_output(layers):
    from planner.jobs.score_sites import score_sites

    s = score_sites("builtin", layers, as_of=dt.date(2030, 1, 1))
    m = maps.build_map(layers, scored=s)
    assert m.planner_data["asOf"] == "2030-01-01"
    assert any(s.attrs["scenario_hash"] in line for line in m.planner_data["note"])
    assert isinstance(s, gpd.GeoDataFrame) and len(sites_of(m.planner_data)["id"]) == len(s)
