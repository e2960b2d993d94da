"""The comparison report (``planner compare --html``) in a real headless Chromium, offline.

Same rule as tests/test_browser.py: without chromium/chromedriver the tests are skipped
locally and fail when the CI environment variable is set. A screenshot of the report is
written to $PLANNER_SCREENSHOT_DIR (or the test's tmp folder).
"""

from __future__ import annotations

import base64
import os
import re
import time
from pathlib import Path

import pytest
from _browser import driver_session

from planner import i18n
from planner.core import compare
from planner.jobs import compare as compare_job
from planner.render import report

pytestmark = pytest.mark.browser

AS_OF = "2026-01-01"
LATER = "2030-01-01"
HOSTILE = (
    "<img src=x onerror=window.__xss=1>",
    "${window.__xss=1}",
    "a`b`c",
    "</script><script>window.__xss=1</script>",
    "{{7*7}}",
    '=HYPERLINK("http://evil","x")',
)


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    yield from driver_session(tmp_path_factory, "chromium-profile-report")


@pytest.fixture(scope="module")
def hostile(layers, tmp_path_factory):
    refs = ["iz-kairat", "sez-pit"] + [
        compare.PointRef(lat=43.30 + 0.03 * i, lon=76.80 + 0.05 * i, label=h)
        for i, h in enumerate(HOSTILE)
    ]
    c = compare_job.compare_sites(refs, layers=layers, as_of=AS_OF, also_as_of=LATER, draws=300)
    path = tmp_path_factory.mktemp("report") / "compare.html"
    return report.write_report(c, path, lang="ru"), c


def open_report(driver, path: Path, timeout_s: float = 60.0) -> None:
    driver.get_log("browser")  # drop messages of the previous page
    driver.get(path.as_uri())
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout_s:
        ready = driver.execute_script(
            "return document.readyState === 'complete' && "
            "!!(window.plannerMaps && window.plannerMaps.length)"
        )
        if ready:
            time.sleep(0.3)  # an injected <img onerror> would fire asynchronously
            return
        time.sleep(0.05)
    raise AssertionError(f"{path.name}: the report's map never initialised")


def severe(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def test_report_opens_offline_and_shows_everything(driver, hostile, tmp_path):
    path, c = hostile
    open_report(driver, path)
    assert driver.execute_script("return typeof L") == "object"
    loaded = driver.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })"
        ".filter(function (n) { return n.indexOf('data:') !== 0; });"
    )
    assert loaded == []
    counts = driver.execute_script("return window.plannerMaps[0].counts")
    assert counts["top"] == int(c.eligible.sum()) == len(c.scored)  # numbered markers
    assert counts["sites"] == len(c.scored)
    numbers = driver.execute_script(
        "return Array.from(document.querySelectorAll('.planner-num'))"
        ".map(function (e) { return e.textContent; }).sort();"
    )
    assert sorted(numbers) == sorted(str(i) for i in range(1, len(c.scored) + 1))
    # the map is fitted to the compared sites, every site in view
    inside = driver.execute_script(
        "var o = window.plannerMaps[0], b = o.map.getBounds(), T = o.data.sites, n = 0;"
        "for (var i = 0; i < T.lat.length; i++) { if (b.contains([T.lat[i], T.lon[i]])) n++; }"
        "return n;"
    )
    assert inside == len(c.scored)
    assert len(driver.find_elements("css selector", "article.card")) == len(c.scored)
    segs = driver.find_elements("css selector", "svg.chart rect.seg")
    assert len(segs) == int((c.scored[[f"c_{k}" for k in c.criteria]] > 0).sum().sum())
    rows = driver.find_elements("css selector", "table.cmp tbody tr")
    assert len(rows) == len(report.matrix_rows(c, "ru"))
    best = driver.find_elements("css selector", "table.cmp tr[data-row='score'] td.best")
    assert len(best) == 1
    text = driver.find_element("css selector", ".report").text
    days = [i18n.format_date(d, "ru") for d in (AS_OF, LATER)]
    assert c.scenario.hash in text and all(d in text for d in days)
    assert "© OpenStreetMap contributors" in text
    assert c.flip_texts["ru"][:40] in text
    shots = Path(os.environ.get("PLANNER_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    shot = shots / "compare_report.png"
    assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 20_000
    assert severe(driver) == []


OPEN_POPUPS = """
var o = window.plannerMaps[0], texts = [];
['top', 'sites'].forEach(function (k) {
  var ls = o.layers[k].getLayers ? o.layers[k].getLayers() : o.layers[k];
  ls.forEach(function (l) {
    var ll = l.getLatLng();
    l.fire('mouseover', {latlng: ll}, true);
    l.fire('click', {latlng: ll}, true);
    if (l.getPopup && l.getPopup()) {
      l.openPopup(ll);
      texts.push(l.getPopup().getElement().innerText);
    }
    if (l.getTooltip && l.getTooltip()) {
      l.openTooltip(ll);
      texts.push(l.getTooltip().getElement().innerText);
    }
  });
});
return texts.join('\\n');
"""


def test_hostile_labels_stay_inert_and_literal(driver, hostile):
    path, _ = hostile
    open_report(driver, path)
    popups = driver.execute_script(OPEN_POPUPS)
    time.sleep(0.5)
    assert driver.execute_script("return typeof window.__xss") == "undefined"
    body = driver.execute_script("return document.body.innerText")
    for h in HOSTILE:
        assert h in body, h  # shown as the text it is, in the cards, table and summary
        assert h in popups, h
    assert "49" not in driver.execute_script(
        "return Array.from(document.querySelectorAll('article.card h3'))"
        ".map(function (e) { return e.textContent; }).join('|')"
    )
    assert driver.execute_script("return document.querySelectorAll('.report img').length") == 0
    assert HOSTILE[0] in driver.title
    assert severe(driver) == []


def test_print_stylesheet_and_pdf(driver, hostile):
    path, _ = hostile
    open_report(driver, path)
    rules = driver.execute_script(
        """
        var out = {print: 0, page: ''};
        Array.from(document.styleSheets).forEach(function (s) {
          Array.from(s.cssRules || []).forEach(function (r) {
            if (r.type === CSSRule.MEDIA_RULE && r.media.mediaText === 'print') { out.print++; }
            if (r.type === CSSRule.PAGE_RULE) { out.page = r.style.getPropertyValue('size'); }
          });
        });
        return out;
        """
    )
    assert rules["print"] >= 1 and rules["page"].lower() == "a4"
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        shown = driver.execute_script(
            "return ['.leaflet-control-zoom', '.leaflet-control-layers']"
            ".map(function (q) { return getComputedStyle(document.querySelector(q)).display; })"
        )
        assert shown == ["none", "none"]
        breaks = driver.execute_script(
            "return Array.from(document.querySelectorAll('section.page'))"
            ".map(function (s) { return getComputedStyle(s).breakBefore; })"
        )
        assert len(breaks) >= 5 and set(breaks) == {"page"}
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    pdf = driver.execute_cdp_cmd(
        "Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True}
    )
    data = base64.b64decode(pdf["data"])
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
    assert pages >= 6
    # A4 is 595 x 842 points
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert box and abs(float(box.group(1)) - 595.3) < 2 and abs(float(box.group(2)) - 841.9) < 2
    assert severe(driver) == []
