"""Maps and compare reports without clutter, checked in a real headless Chromium (offline).

For the ru/kk/en demo maps (``planner map --sites builtin``) and compare reports
(``planner compare``): no text of another language's catalog, numbered markers that do not
overlap at the default zoom, city labels clear of them, every popup fully visible (inside the
map, clear of the legend, the layer control and the other controls), the first view framed
on Almaty, BAKAD and the sites. Also: markers stacked on one place spread with leader lines,
the packed site layer decodes in the page to the same table and the same popup text as the
plain JSON one, and the legend of a single site. Screenshots go to $PLANNER_SCREENSHOT_DIR
(or the module's tmp folder).
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import numpy as np
import pytest
from _browser import driver_session, synthetic_scored

import planner
from planner import i18n
from planner.render import map_pack, maps

pytestmark = pytest.mark.browser

LANGS = ("ru", "kk", "en")


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    yield from driver_session(tmp_path_factory, "chromium-layout")


@pytest.fixture(scope="module")
def layers_():
    return planner.load_layers()


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("layout")


@pytest.fixture(scope="module")
def shots(out_dir):
    path = Path(os.environ.get("PLANNER_SCREENSHOT_DIR") or out_dir / "screens")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def demo_maps(out_dir):
    from planner.jobs.maps import make_map

    return {lang: make_map(out_dir / f"demo_{lang}.html", sites="builtin", lang=lang)
            for lang in LANGS}  # fmt: skip


@pytest.fixture(scope="module")
def reports(out_dir):
    from planner.jobs.compare import run_compare

    out = {}
    for lang in LANGS:
        _, files = run_compare(
            ["iz-kairat", "sez-pit", "aiz-2"], at=["43.40,76.95"], lang=lang,
            html_path=out_dir / f"compare_{lang}.html", draws=200,
        )  # fmt: skip
        out[lang] = files["html"]
    return out


def open_page(driver, path: Path, timeout_s: float = 60.0) -> None:
    driver.get_log("browser")
    driver.get(path.as_uri())
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout_s:
        if driver.execute_script("return !!(window.plannerMaps && window.plannerMaps.length)"):
            time.sleep(0.3)  # report.js refits on load
            return
        time.sleep(0.05)
    raise AssertionError(f"{path.name}: the map never initialised")


def severe(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


# rectangles in the map container's pixels
RECTS = """
var o = window.plannerMaps[0], c = o.map.getContainer(), cr = c.getBoundingClientRect();
function rect(el) {
  var r = el.getBoundingClientRect();
  return [r.left - cr.left, r.top - cr.top, r.right - cr.left, r.bottom - cr.top];
}
function all(sel) {
  return Array.from(c.querySelectorAll(sel)).filter(function (el) {
    var r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  }).map(rect);
}
var s = o.map.getSize();
return {size: [s.x, s.y], controls: all('.leaflet-control'), nums: all('.planner-num'),
        labels: all('.planner-label'), popups: all('.leaflet-popup-content-wrapper')};
"""


def overlap(a, b, pad: float = 0.0) -> bool:
    return a[0] < b[2] - pad and b[0] < a[2] - pad and a[1] < b[3] - pad and b[1] < a[3] - pad


def inside(a, size) -> bool:
    return a[0] >= -0.5 and a[1] >= -0.5 and a[2] <= size[0] + 0.5 and a[3] <= size[1] + 0.5


def screenshot(driver, path: Path) -> None:
    """The page with the best site's popup open, as a user sees it."""
    driver.execute_script(
        "var o = window.plannerMaps[0]; o.map.closePopup();"
        "o.layers.top.filter(function (m) { return m.feature.properties.i === 0; })[0]"
        ".openPopup();"
    )
    time.sleep(0.5)  # the popup fades in
    assert driver.save_screenshot(str(path)) and path.stat().st_size > 20_000


def check_layout(driver) -> dict:
    """Numbered markers apart, labels clear of them, every numbered popup fully visible."""
    got = driver.execute_script(RECTS)
    nums = got["nums"]
    assert nums, "no numbered markers on the map"
    for i, a in enumerate(nums):
        for b in nums[i + 1 :]:
            assert not overlap(a, b), f"numbered markers overlap: {a} {b}"
    for lab in got["labels"]:
        for a in nums:
            assert not overlap(lab, a), f"a city label covers a numbered marker: {lab} {a}"
    n = driver.execute_script("return window.plannerMaps[0].layers.top.length")
    for k in range(n):
        driver.execute_script(
            "var o = window.plannerMaps[0]; o.map.closePopup(); o.layers.top[arguments[0]]"
            ".openPopup();",
            k,
        )
        time.sleep(0.05)
        r = driver.execute_script(RECTS)
        pop = driver.execute_script(
            "var c = window.plannerMaps[0].map.getContainer().getBoundingClientRect();"
            "var el = window.plannerMaps[0].layers.top[arguments[0]].getPopup().getElement();"
            "var b = el.querySelector('.leaflet-popup-content-wrapper').getBoundingClientRect();"
            "return [b.left - c.left, b.top - c.top, b.right - c.left, b.bottom - c.top];",
            k,
        )
        assert inside(pop, r["size"]), f"popup {k} not inside the map: {pop} {r['size']}"
        for ctl in r["controls"]:
            assert not overlap(pop, ctl), f"popup {k} {pop} under a control {ctl}"
    driver.execute_script("window.plannerMaps[0].map.closePopup();")
    return got


# the first view: Almaty's centre, BAKAD and the numbered sites' true places on the map and
# clear of every control
FRAMED = """
var o = window.plannerMaps[0], map = o.map, pts = [];
var b = o.layers.bakad.getBounds();
pts.push(b.getSouthWest(), b.getNorthEast());
o.layers.cities.getLayers().forEach(function (l) {
  if (l.feature.properties.lbl && /almaty|алматы/i.test(l.feature.properties.t)) {
    pts.push(l.getLatLng());
  }
});
(o.layers.top || []).forEach(function (m) { pts.push(m._home); });
return pts.map(function (p) { var q = map.latLngToContainerPoint(p); return [q.x, q.y]; });
"""


def check_framed(driver, got) -> None:
    pts = driver.execute_script(FRAMED)
    assert len(pts) >= 4
    for x, y in pts:
        assert 0 <= x <= got["size"][0] and 0 <= y <= got["size"][1], (x, y, got["size"])
        for c in got["controls"]:
            assert not (c[0] <= x <= c[2] and c[1] <= y <= c[3]), f"{(x, y)} under {c}"


def foreign_fragments(lang: str) -> set[str]:
    """Text of the other languages' catalogs that ``lang``'s catalog does not contain."""
    mine = i18n.messages(lang)
    mine_text = "\n".join(mine.values())
    out = set()
    for other in LANGS:
        if other == lang:
            continue
        for key, tpl in i18n.messages(other).items():
            if tpl == mine.get(key):
                continue
            for frag in re.split(r"\{[^}]*\}", tpl):
                frag = frag.strip(" :;,.()\u2014\u2013-\u00b7\n\"«»'")
                if len(frag) >= 6 and frag not in mine_text:
                    out.add(frag)
    return out


# every text of the page: the document (hidden parts too), popups and tooltips of the
# numbered markers, of up to 30 sites and of up to 30 features of each layer
ALL_TEXT = """
var o = window.plannerMaps[0], out = [document.title];
var walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT), node;
while ((node = walk.nextNode())) {  // every text node but scripts and styles, hidden or not
  // machine names (criterion keys, hashes) are shown as <code> on purpose
  if (!/^(SCRIPT|STYLE|NOSCRIPT|CODE)$/.test(node.parentNode.nodeName)) { out.push(node.data); }
}
Array.from(document.querySelectorAll('[title], [placeholder], [aria-label]')).forEach(
  function (el) { out.push(el.title || '', el.placeholder || '',
                           el.getAttribute('aria-label') || ''); });
Object.keys(o.layers).forEach(function (k) {
  var ls = o.layers[k].getLayers ? o.layers[k].getLayers() : o.layers[k];
  ls.slice(0, 30).forEach(function (l) {
    var ll = l.getLatLng ? l.getLatLng() : l.getBounds().getCenter();
    l.fire('mouseover', {latlng: ll}, true);
    l.fire('click', {latlng: ll}, true);
    if (l.getPopup && l.getPopup()) {
      l.openPopup(ll);
      out.push(l.getPopup().getElement().textContent);
    }
    if (l.getTooltip && l.getTooltip()) { out.push(l.getTooltip().getContent()); }
  });
});
o.map.closePopup();
return out.join('\\n');
"""


def data_texts() -> list[str]:
    """Text the layers bring (each feature's `source` note, the licences' credits): data,
    cited as published, like user-supplied names."""
    ls = planner.load_layers()
    out = set(ls.licences())
    for name in ls.layers:
        gdf = ls[name]
        if "source" in gdf.columns:
            out |= {str(v) for v in gdf["source"].dropna()}
    return sorted(out, key=len, reverse=True)


def check_language(driver, lang: str) -> None:
    text = driver.execute_script(ALL_TEXT)
    for quoted in data_texts():
        text = text.replace(quoted, " ")
    found = sorted(f for f in foreign_fragments(lang) if f in text)
    assert not found, f"{lang} page holds text of another language: {found[:8]}"


@pytest.mark.parametrize("lang", LANGS)
def test_demo_map_reads_clean(driver, demo_maps, shots, lang):
    open_page(driver, demo_maps[lang])
    check_framed(driver, driver.execute_script(RECTS))  # before popups pan the map
    check_layout(driver)
    screenshot(driver, shots / f"map_{lang}.png")
    check_language(driver, lang)
    assert severe(driver) == []


@pytest.mark.parametrize("lang", LANGS)
def test_compare_report_reads_clean(driver, reports, shots, lang):
    open_page(driver, reports[lang])
    driver.execute_script(
        "var m = document.querySelector('.folium-map'); m.scrollIntoView(); "
        "window.scrollBy(0, -20);"
    )
    got = check_layout(driver)
    screenshot(driver, shots / f"compare_{lang}.png")
    check_language(driver, lang)
    assert got["nums"] and severe(driver) == []


def test_markers_on_one_place_spread_with_leader_lines(driver, layers_, out_dir, shots):
    s = synthetic_scored(40, seed=5)
    best = s["rank"].notna() & (s["rank"] <= 12)
    s.loc[best, ["lon", "lat"]] = [76.95, 43.25]  # twelve best on one spot
    near = s["rank"].notna() & (s["rank"] > 12) & (s["rank"] <= 15)
    s.loc[near, "lon"] = 76.95 + 0.002 * np.arange(1, int(near.sum()) + 1)
    s.loc[near, "lat"] = 43.25
    m = maps.build_map(layers_, scored=s, top_k=15)
    path = maps.save_map(m, out_dir / "stacked.html")
    open_page(driver, path)
    got = check_layout(driver)
    assert len(got["nums"]) == 15
    leaders = driver.execute_script(
        "return window.plannerMaps[0].leaders.getLayers().filter(function (l) {"
        "  return l instanceof L.Polyline; }).length;"
    )
    assert leaders >= 12  # every marker moved off the shared spot has its line
    time.sleep(0.3)  # the last popup fades out
    assert driver.save_screenshot(str(shots / "stacked.png"))
    # zoomed in far enough, the near ones need no spreading any more, the stacked still do
    driver.execute_script("var o = window.plannerMaps[0]; o.map.setView([43.25, 76.95], 17);")
    time.sleep(0.4)
    again = check_layout(driver)
    assert len(again["nums"]) == 15
    assert severe(driver) == []


SAME_POPUPS = """
var o = window.plannerMaps[0], T = o.data.sites, idx = arguments[0];
return {table: JSON.stringify(T), popups: idx.map(function (i) {
  var div = document.createElement('div');
  div.innerHTML = window.plannerSitePopup(o.data, T, i);
  return div.innerText + '\\n' + div.innerHTML;
})};
"""


def test_packed_sites_decode_to_the_same_table_and_popups(driver, layers_, out_dir):
    s = synthetic_scored(3000, seed=12, hostile=True)
    s.loc[s.index[10:14], "score"] = np.nan
    s.loc[s.index[20:25], "dist_bakad_km"] = np.nan
    pages = {}
    for enc in maps.SITE_ENCODINGS:
        m = maps.build_map(layers_, scored=s, site_encoding=enc, lang="en")
        pages[enc] = (maps.save_map(m, out_dir / f"enc_{enc}.html"), m)
    assert pages["packed"][0].stat().st_size < pages["json"][0].stat().st_size
    idx = [0, 1, 2, 3, 11, 22, 1500, 2999]
    seen = {}
    for enc, (path, _) in pages.items():
        open_page(driver, path)
        seen[enc] = driver.execute_script(SAME_POPUPS, idx)
        assert severe(driver) == []
    assert seen["packed"]["popups"] == seen["json"]["popups"]
    assert "km" in seen["packed"]["popups"][0]
    assert json.loads(seen["packed"]["table"]) == json.loads(seen["json"]["table"])
    plain = pages["json"][1].planner_data["sites"]
    assert json.loads(seen["packed"]["table"]) == json.loads(json.dumps(plain))
    assert map_pack.unpack_table(pages["packed"][1].planner_data["sites"]) == plain


def test_legend_of_a_single_site(driver, layers_, out_dir):
    s = synthetic_scored(1, seed=3, excluded_share=0.0)
    m = maps.build_map(layers_, scored=s, lang="en")
    path = maps.save_map(m, out_dir / "single.html")
    open_page(driver, path)
    legend = driver.find_element("css selector", ".planner-legend").text
    score = f"{round(float(s['score'].iloc[0]), 1):.1f}"
    assert i18n.t("map_layout.legend_single", "en", score=score) in legend
    assert not driver.find_elements("css selector", ".planner-legend .lg-site-ramp")
    assert severe(driver) == []
