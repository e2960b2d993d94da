"""Saved maps opened in a real headless Chromium, offline, from file:// URLs.

One browser session serves the module. Without chromium/chromedriver the tests are skipped
locally and fail when the CI environment variable is set. A screenshot of the demo map is
written to $PLANNER_SCREENSHOT_DIR (or the test's tmp folder).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from _browser import (
    HOSTILE,
    driver_session,
    synthetic_results,
    synthetic_scored,
)

import planner
from planner import i18n
from planner.render import maps

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    yield from driver_session(tmp_path_factory, "chromium-profile")


@pytest.fixture(scope="module")
def layers_():
    return planner.load_layers()


@pytest.fixture(scope="module")
def map_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("maps")


@pytest.fixture(scope="module")
def demo(layers_, map_dir):
    """The demo map: built-in sites scored with the default scenario."""
    from planner.jobs.score_sites import score_sites

    scored = score_sites("builtin", layers_)
    m = maps.build_map(layers_, scored=scored, top_k=5)
    return maps.save_map(m, map_dir / "demo.html"), m, scored


@pytest.fixture(scope="module")
def hostile(layers_, map_dir):
    s = synthetic_scored(30, seed=11, hostile=True)
    s.attrs["scenario"] = HOSTILE[1]
    s.loc[s.index[5:8], "zone_id"] = ["constructor", "__proto__", "toString"]
    s.loc[s.index[5:8], "zone_status"] = ["constructor", "__proto__", "valueOf"]
    res = synthetic_results(s, list(HOSTILE), k=4, seed=2)
    zones = layers_["zones"].copy()
    zones.loc[zones.index[0], ["name_ru", "name_en", "name_kk"]] = HOSTILE[0]
    zones.loc[zones.index[1], "name_ru"] = HOSTILE[1]
    zones.loc[zones.index[2], "name_ru"] = HOSTILE[2]
    zones.loc[zones.index[3], "name_ru"] = HOSTILE[3]
    zones.loc[zones.index[4], "sectors"] = HOSTILE[0]
    evil = planner.LayerSet(
        layers={**layers_.layers, "zones": zones}, sources={**layers_.sources, "zones": "x.geojson"}
    )
    m = maps.build_map(evil, scored=s, results=res, company=HOSTILE[0], top_k=4)
    return maps.save_map(m, map_dir / "hostile.html"), m


def open_map(driver, path: Path, timeout_s: float = 60.0) -> float:
    driver.get_log("browser")  # drop messages of the previous page
    t0 = time.perf_counter()
    driver.get(path.as_uri())
    while time.perf_counter() - t0 < timeout_s:
        if driver.execute_script("return !!(window.plannerMaps && window.plannerMaps.length)"):
            return time.perf_counter() - t0
        time.sleep(0.05)
    raise AssertionError(f"{path.name}: the map never initialised")


def severe(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def control_labels(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll("
        "'.leaflet-control-layers-overlays label span, .leaflet-control-layers-base label span'))"
        ".filter(function (s) { return !s.querySelector('span'); })"
        ".map(function (s) { return s.textContent.trim(); });"
    )


# Opens every popup and tooltip of every layer (features, sites, numbered markers) in turn.
# every feature's popup and tooltip, at most 80 per layer: the built-in cities layer holds
# ~350 settlements (none with user text) and each popup costs ~0.1 s in headless Chromium
OPEN_ALL = """
var o = window.plannerMaps[0], popups = [], tips = [];
Object.keys(o.layers).forEach(function (k) {
  var ls = o.layers[k].getLayers ? o.layers[k].getLayers() : o.layers[k];
  ls.slice(0, 80).forEach(function (l) {
    var ll = l.getLatLng ? l.getLatLng() : l.getBounds().getCenter();
    l.fire('mouseover', {latlng: ll}, true);
    l.fire('click', {latlng: ll}, true);
    if (l.getPopup && l.getPopup()) {
      l.openPopup(ll);
      var p = l.getPopup().getElement();
      popups.push(p ? p.querySelector('.leaflet-popup-content').innerHTML : '');
    }
    if (l.getTooltip && l.getTooltip()) {
      l.openTooltip(ll);
      var t = l.getTooltip().getElement();
      tips.push(t ? t.innerHTML : '');
    }
  });
});
var imgs = document.querySelectorAll('.leaflet-popup-content img, .leaflet-tooltip img').length;
return {popups: popups, tips: tips, xss: typeof window.__xss, imgs: imgs};
"""


def test_demo_map_draws_all_layers_offline(driver, demo, tmp_path):
    path, m, scored = demo
    open_map(driver, path)
    assert driver.execute_script("return typeof L") == "object"
    assert driver.execute_script("return typeof jQuery") == "function"
    t = i18n.labels("ru")
    assert control_labels(driver) == [
        t["layer_context"],
        t["layer_constraints"],
        t["layer_cities"],
        t["layer_zones"],
        t["layer_transport"],
        t["layer_bakad"],
        t["layer_sites"],
        t["layer_top"].format(k=5),
    ]
    counts = driver.execute_script("return window.plannerMaps[0].counts")
    ls = planner.load_layers()
    assert counts["sites"] == len(scored) == len(ls["zones"])
    assert counts["top"] == 5
    assert counts["zones"] == len(ls["zones"])
    assert counts["bakad"] == len(ls["bakad"])
    assert counts["transport"] == len(ls["transport"])
    # every site is on the map and has been given to the canvas renderer
    drawn = driver.execute_script(
        "var o = window.plannerMaps[0];"
        "return o.layers.sites.getLayers().filter(function (l) {"
        "  return o.map.hasLayer(l) && !!l._renderer; }).length;"
    )
    assert drawn == len(scored)
    assert driver.execute_script("return document.querySelectorAll('.planner-num').length") == 5
    # the canvas really has paint on it (not a blank map)
    painted = driver.execute_script(
        "var c = document.querySelector('.leaflet-overlay-pane canvas');"
        "var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, n = 0;"
        "for (var i = 3; i < d.length; i += 4 * 7) { if (d[i] > 0) n++; } return n;"
    )
    assert painted > 1000
    legend = driver.find_element("css selector", ".planner-legend").text
    assert t["legend_score"] in legend and i18n.status_label("operating", "ru") in legend
    day = i18n.format_date(scored.attrs["as_of"], "ru")
    assert day in legend  # zone colours are for the scoring date
    note = driver.find_element("css selector", ".planner-note").text
    assert "© OpenStreetMap contributors" in note
    # the credits of every licence in the layers: geokz (CC BY 4.0), Natural Earth
    assert "CC BY 4.0: geokz 2024" in note and "Public domain: Natural Earth" in note
    assert t["legend_approximate"] in legend
    assert scored.attrs["scenario"] in note and scored.attrs["scenario_hash"] in note
    assert day in note
    assert driver.find_elements("css selector", ".leaflet-control-measure")
    assert driver.find_elements("css selector", ".leaflet-control-zoom-fullscreen")
    shots = Path(os.environ.get("PLANNER_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    shot = shots / "demo_map.png"
    assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 20_000
    assert severe(driver) == []


def test_page_colours_are_the_python_palette(driver, demo):
    import numpy as np

    from planner.render import colors

    path, m, _ = demo
    open_map(driver, path)
    got = driver.execute_script(
        "var bg = function (e) { return getComputedStyle(e).backgroundColor; };"
        "return {sw: Array.from(document.querySelectorAll('.planner-legend .lg-sw')).map(bg),"
        " nums: Array.from(document.querySelectorAll('.planner-num'))"
        "   .map(function (e) { return [e.textContent, bg(e)]; })};"
    )

    def rgb(h):
        return "rgb({}, {}, {})".format(*(int(h[k : k + 2], 16) for k in (1, 3, 5)))

    for colour in [*colors.STATUS_COLORS.values(), colors.EXCLUDED_COLOR]:
        assert rgb(colour) in got["sw"], colour
    # numbered sites: the page's ramp equals branca's, evaluated in Python at each score
    top, scale = m.planner_data["top"], m.planner_data["scale"]
    assert len(got["nums"]) == len(top["rank"])
    for text, css in got["nums"]:
        i = top["rank"].index(int(text))
        t = (top["score"][i] - scale["lo"]) / ((scale["hi"] - scale["lo"]) or 1)
        want = np.array(colors.SCORE_RAMP.rgba_floats_tuple(100 * min(max(t, 0), 1))[:3]) * 255
        have = np.array([int(v) for v in css[css.index("(") + 1 : -1].split(",")[:3]])
        assert np.abs(have - want).max() <= 1.01, (text, css, want)
    assert severe(driver) == []


def test_nothing_is_requested_from_the_network(driver, demo):
    path, _, _ = demo
    open_map(driver, path)
    loaded = driver.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })"
        ".filter(function (n) { return n.indexOf('data:') !== 0; });"
    )
    assert loaded == []
    assert severe(driver) == []


def test_popup_shows_the_score_breakdown(driver, demo):
    path, m, scored = demo
    open_map(driver, path)
    top = m.planner_data["top"]
    # numbered marker of rank 1 (the popup of the previous one may still be fading out, so
    # read each popup through its own layer)
    html = driver.execute_script(
        "var ls = window.plannerMaps[0].layers.top;"
        "var m = ls.filter(function (l) { return l.feature.properties.i === 0; });"
        "m[0].openPopup(); return m.length === 1 ? m[0].getPopup().getElement().innerText : '';"
    )
    assert top["rank"][0] == 1
    best = scored[scored["rank"] == 1].iloc[0]
    assert best["name"] in html
    assert i18n.format_number(best["score"], "ru", 1) in html  # "83,8": the map's language
    crit = [c[2:] for c in scored.columns if c.startswith("c_")]
    for key in crit:
        assert i18n.t(f"criterion.{key}", "ru") in html
        assert i18n.format_number(best[f"c_{key}"], "ru", 1) in html
    assert "Итого" in html and "Почему" in html
    zones = planner.load_layers()["zones"].set_index("id")
    assert f"{zones.loc[best['zone_id'], 'name_ru']} (" in html  # zone by name, with status
    rows = driver.execute_script(
        "var ls = window.plannerMaps[0].layers.top;"
        "var m = ls.filter(function (l) { return l.feature.properties.i === 0; })[0];"
        "return m.getPopup().getElement().querySelectorAll('.pp-row').length;"
    )
    assert rows == len(crit)
    # a site of the big layer: popup made on click from the columns
    text = driver.execute_script(
        "var l = window.plannerMaps[0].layers.sites.getLayers()[0];"
        "l.fire('click', {latlng: l.getLatLng()}, true);"
        "return l.getPopup().getElement().innerText;"
    )
    first = m.planner_data["sites"]
    name = first["name"][0] or first["id"][0]
    assert name in text and "Итого" in text
    # a zone: name, status as of the date
    text = driver.execute_script(
        "var l = window.plannerMaps[0].layers.zones.getLayers()[0];"
        "l.openPopup(l.getBounds().getCenter());"
        "return l.getPopup().getElement().innerText;"
    )
    assert i18n.t("map.status", "ru") in text
    assert severe(driver) == []


def test_measure_tool_measures_a_distance(driver, demo):
    from pyproj import Geod
    from selenium.webdriver.common.action_chains import ActionChains

    path, _, _ = demo
    open_map(driver, path)
    driver.execute_script(
        "var c = document.querySelector('.leaflet-control-measure');"
        "c.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));"
        "c.querySelector('.js-start').click();"
    )
    el = driver.find_element("css selector", ".folium-map")
    (
        ActionChains(driver)
        .move_to_element_with_offset(el, -150, 40)
        .click()
        .pause(0.3)
        .move_to_element_with_offset(el, 150, 40)
        .click()
        .pause(0.3)
        .perform()
    )
    text = driver.execute_script(
        "return document.querySelector('.leaflet-control-measure').innerText"
    )
    measured_km = float(text.split("Расстояние")[1].split("км")[0].strip())
    (lat1, lon1), (lat2, lon2) = driver.execute_script(
        "var m = window.plannerMaps[0].map, s = m.getSize();"
        "var a = m.containerPointToLatLng([s.x / 2 - 150, s.y / 2 + 40]);"
        "var b = m.containerPointToLatLng([s.x / 2 + 150, s.y / 2 + 40]);"
        "return [[a.lat, a.lng], [b.lat, b.lng]];"
    )
    _, _, dist_m = Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)
    assert measured_km == pytest.approx(dist_m / 1000, rel=0.01)
    # default Leaflet markers (e.g. added in a notebook) draw from inline images
    src = driver.execute_script(
        "var k = L.marker([43.3, 77.0]).addTo(window.plannerMaps[0].map); return k._icon.src;"
    )
    assert src.startswith("data:image/png;base64,")
    assert severe(driver) == []


def test_tooltip_has_name_and_score(driver, demo):
    path, m, scored = demo
    open_map(driver, path)
    text = driver.execute_script(
        "var l = window.plannerMaps[0].layers.sites.getLayers().slice(-1)[0];"
        "l.fire('mouseover', {latlng: l.getLatLng()}, true);"
        "return l.getTooltip().getElement().innerText;"
    )
    best = scored[scored["rank"] == 1].iloc[0]  # drawn last
    assert best["name"] in text and i18n.format_number(best["score"], "ru", 1) in text


def test_hostile_names_run_no_code(driver, hostile):
    path, m = hostile
    open_map(driver, path)
    out = driver.execute_script(OPEN_ALL)
    assert out["xss"] == "undefined"
    assert out["imgs"] == 0
    assert len(out["popups"]) > 50 and len(out["tips"]) > 50
    joined = "\n".join(out["popups"] + out["tips"])
    # shown as text: escaped in the markup, not dropped
    assert "&lt;img src=x onerror=window.__xss=1&gt;" in joined
    assert "${window.__xss=1}" in joined
    assert "&lt;/script&gt;&lt;script&gt;" in joined
    assert "&#96;" in joined or "`" in joined
    # ids that are Object.prototype members are shown as the text they are
    assert "constructor (constructor)" in joined and "toString (valueOf)" in joined
    assert "native code" not in joined
    labels = control_labels(driver)
    assert labels[-1] == i18n.label("layer_company", "ru", k=4, company=HOSTILE[0])
    note = driver.find_element("css selector", ".planner-note").text
    assert "${window.__xss=1}" in note
    assert HOSTILE[1] in driver.title
    time.sleep(0.5)  # an injected <img onerror> would fire asynchronously
    assert driver.execute_script("return typeof window.__xss") == "undefined"
    assert severe(driver) == []


def test_best_site_per_company_in_english(driver, layers_, map_dir):
    s = synthetic_scored(200, seed=4)
    res = synthetic_results(s, ["Alpha LLP", "ТОО Бета", "ИП Қасымов Ә."], k=3)
    m = maps.build_map(layers_, results=res, lang="en")
    path = maps.save_map(m, map_dir / "best.html")
    open_map(driver, path)
    counts = driver.execute_script("return window.plannerMaps[0].counts")
    assert counts["best"] == len(m.planner_data["best"]["id"]) == 3
    text = driver.execute_script(
        "var ls = window.plannerMaps[0].layers.best.getLayers(), out = [];"
        "ls.forEach(function (l) { l.fire('click', {latlng: l.getLatLng()}, true);"
        "  out.push(l.getPopup().getElement().innerText); });"
        "return out.join('\\n');"
    )
    for name in ("Alpha LLP", "ТОО Бета", "ИП Қасымов Ә."):
        assert name in text
    assert "Companies (1)" in text and "To BAKAD" in text
    assert control_labels(driver)[-1] == "Best site of each company"
    assert severe(driver) == []


def test_switching_layers_back_on_keeps_the_draw_order(driver, demo):
    path, _, _ = demo
    open_map(driver, path)
    order = driver.execute_script(
        """
        var o = window.plannerMaps[0], map = o.map;
        ['sites', 'zones', 'context'].forEach(function (k) {
          map.removeLayer(o.groups[k]); map.addLayer(o.groups[k]);
        });
        var r = o.layers.sites.getLayers()[0]._renderer, seen = [], cur = r._drawFirst;
        var kind = function (l) {
          var ks = ['context', 'zones', 'sites', 'bakad'];
          for (var i = 0; i < ks.length; i++) { if (o.layers[ks[i]].hasLayer(l)) return ks[i]; }
          return 'other';
        };
        while (cur) { seen.push(kind(cur.layer)); cur = cur.next; }
        return seen;
        """
    )
    first = {k: order.index(k) for k in ("context", "zones", "sites", "bakad")}
    last = {k: max(i for i, x in enumerate(order) if x == k) for k in first}
    # context at the bottom, then zones, then sites, then BAKAD on top
    assert last["context"] < first["zones"]
    assert last["zones"] < first["sites"]
    assert last["sites"] < first["bakad"]


def test_large_map_opens(driver, layers_, map_dir):
    n = 20_000
    m = maps.build_map(layers_, scored=synthetic_scored(n, seed=8))
    path = maps.save_map(m, map_dir / "big.html")
    seconds = open_map(driver, path, timeout_s=120)
    counts = driver.execute_script("return window.plannerMaps[0].counts")
    assert counts["sites"] == n and counts["top"] == 10
    assert seconds < 60, f"{n} sites took {seconds:.1f} s to open"
    data = json.loads(json.dumps(m.planner_data["scale"]))
    assert data["hi"] > data["lo"]
    assert severe(driver) == []


def test_surface_overlay_under_the_sites(driver, layers_, map_dir):
    from planner.core.prepared import Prepared
    from planner.core.surface import compute_surface
    from planner.jobs.score_sites import score_sites

    surf = compute_surface(Prepared.of(layers_, "2025-06-01"), "bakad-perimeter", cell_m=2000,
                           extent="bakad:10km")  # fmt: skip
    scored = score_sites("builtin", layers_, scenario="bakad-perimeter", as_of="2025-06-01")
    m = maps.build_map(layers_, scored=scored, surface=surf, lang="en")
    path = maps.save_map(m, map_dir / "surface.html")
    open_map(driver, path)
    name = i18n.label("layer_surface", "en", cell="2000")
    assert name in control_labels(driver)
    geometry = """
        var o = window.plannerMaps[0], map = o.map;
        var imgs = document.querySelectorAll(
          '.leaflet-plannerSurface-pane img.leaflet-image-layer');
        var el = imgs[0], r = el.getBoundingClientRect();
        var c = map.getContainer().getBoundingClientRect();
        var b = o.data.surface.bounds;
        var nw = map.latLngToContainerPoint([b[1][0], b[0][1]]);
        var se = map.latLngToContainerPoint([b[0][0], b[1][1]]);
        var z = function (sel) {
          return +getComputedStyle(document.querySelector(sel)).zIndex;
        };
        return {n: imgs.length, complete: el.complete, w: el.naturalWidth, h: el.naturalHeight,
                src: el.src.slice(0, 22), box: [r.left - c.left, r.top - c.top, r.width, r.height],
                want: [nw.x, nw.y, se.x - nw.x, se.y - nw.y], isOn: map.hasLayer(o.surface),
                zSurface: z('.leaflet-plannerSurface-pane'), zOverlay: z('.leaflet-overlay-pane'),
                zContext: z('.leaflet-plannerContext-pane'),
                contextCanvas: !!document.querySelector('.leaflet-plannerContext-pane canvas')};
        """
    t0 = time.perf_counter()
    while True:  # the first fitBounds may still be animating the zoom
        img = driver.execute_script(geometry)
        if img["box"] == pytest.approx(img["want"], abs=2) or time.perf_counter() - t0 > 10:
            break
        time.sleep(0.1)
    assert img["n"] == 1 and img["isOn"] and img["complete"]
    assert img["w"] > 0 and img["h"] > 0 and img["src"] == "data:image/png;base64,"
    assert img["box"] == pytest.approx(img["want"], abs=2)  # stretched over its bounds
    # region outline < surface < vector canvas (zones, sites, BAKAD)
    assert img["zContext"] < img["zSurface"] < img["zOverlay"] and img["contextCanvas"]
    legend = driver.find_element("css selector", ".planner-legend")
    assert "Suitability surface score" in legend.text
    # switching the layer off hides the image and its legend entry
    hidden = driver.execute_script(
        "var o = window.plannerMaps[0]; o.map.removeLayer(o.surface);"
        "return [document.querySelectorAll('.leaflet-plannerSurface-pane img').length,"
        " getComputedStyle(document.querySelector('.lg-surface')).display];"
    )
    assert hidden == [0, "none"]
    assert "Suitability surface score" not in legend.text
    driver.execute_script("var o = window.plannerMaps[0]; o.map.addLayer(o.surface);")
    assert "Suitability surface score" in legend.text
    shots = Path(os.environ.get("PLANNER_SCREENSHOT_DIR") or map_dir)
    shots.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(shots / "surface_map.png"))
    assert severe(driver) == []
