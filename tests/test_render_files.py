"""The render package's own files and colours: static JS/CSS, Jinja2 templates, one palette.

What the pages do in a browser is tested in test_browser.py and test_report_browser.py.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from branca.colormap import linear
from markupsafe import Markup

from planner.errors import AssetError
from planner.render import assets, colors


def test_static_files_are_package_data_read_once():
    js = assets.planner_js()
    assert "global.plannerMap = function (map, G, D)" in js
    assert assets.planner_js() is js  # cached
    for name in ("planner.css", "report.css", "report.js"):
        assert assets.static_text(name).strip()
    with pytest.raises(AssetError, match="reinstall"):
        assets.static_text("nope.js")
    with pytest.raises(AssetError, match="reinstall"):
        assets.render_template("nope.html.j2")


def test_templates_escape_every_value():
    hostile = "<img src=x onerror=alert(1)> \"q\" 'a' & {{ 7*7 }} {% if 1 %}"
    out = assets.title_tag(hostile)
    assert out.startswith("<title>") and out.endswith("</title>")
    inner = out[len("<title>") : -len("</title>")]
    assert not re.search(r"[<>\"'{}]", inner), inner
    assert inner == (
        "&lt;img src=x onerror=alert(1)&gt; &#34;q&#34; &#39;a&#39; &amp; &#123;&#123; 7*7 "
        "&#125;&#125; &#123;% if 1 %&#125;"
    )
    meta = assets.meta_tag('a"b', "<x>")
    assert meta == '<meta name="a&#34;b" content="&lt;x&gt;">'
    # None is empty; markup the package made passes unchanged
    assert assets.html_text(None) == ""
    assert assets.html_text(Markup("<b>x</b>")) == "<b>x</b>"


def test_inline_tags_hold_code_as_is_and_refuse_early_ends():
    js = "if (a < b && c > d) { x = '{{ y }}'; }"
    assert assets.script_tag(js) == f"<script>\n{js}\n</script>"
    assert assets.style_tag("a > b { c: d }") == "<style>\na > b { c: d }\n</style>"
    with pytest.raises(AssetError, match="</style"):
        assets.style_tag("x</STYLE>")


def test_surface_ramp_is_branca_viridis_sampled_evenly():
    stops = colors.SURFACE_STOPS
    assert len(stops) == colors.RAMP_STOPS
    assert [p for p, _ in stops] == pytest.approx(np.linspace(0, 100, colors.RAMP_STOPS))
    for p, hex_color in stops:
        assert hex_color == linear.viridis.rgb_hex_str(p / 100)
    lut = colors.ramp_lut()
    assert lut.shape == (256, 3) and lut.dtype == np.uint8
    ends = [[int(h[k : k + 2], 16) for k in (1, 3, 5)] for h in (stops[0][1], stops[-1][1])]
    assert lut[0].tolist() == ends[0] and lut[-1].tolist() == ends[1]
    # between the stops the LUT is the ramp's own linear interpolation
    for i in (37, 128, 201):
        want = np.array(colors.SURFACE_RAMP.rgba_floats_tuple(i / 255 * 100)[:3]) * 255
        assert np.abs(lut[i] - want).max() <= 0.5 + 1e-9


def test_site_ramp_is_red_purple_and_distinct_from_surface_and_isochrones():
    stops = colors.SITE_STOPS
    assert len(stops) == colors.RAMP_STOPS
    for p, hex_color in stops:
        assert hex_color == linear.RdPu_09.rgb_hex_str(0.25 + 0.75 * p / 100)
    sites = {c for _, c in stops}
    assert not sites & {c for _, c in colors.SURFACE_STOPS}
    assert not sites & set(colors.isochrone_colors(6))


def test_the_page_scripts_have_no_colours_of_their_own():
    for js in (assets.planner_js(), assets.planner_layout_js()):
        assert not re.findall(r"#[0-9a-fA-F]{3}\b|#[0-9a-fA-F]{6}\b|rgba?\(\s*\d", js)
    assert "D.colors" in assets.planner_js() and "colors.leader" in assets.planner_layout_js()


def test_legend_symbols_use_the_colours_the_map_draws_with():
    page = colors.page_colors()
    style = colors.feature_style
    assert page["zones"] == colors.STATUS_COLORS
    for status, fill in colors.STATUS_COLORS.items():
        assert style("industrial_zone", status, 1.0, "none")["fillColor"] == fill
        assert style("sez", status, 1.0, "none")["fillColor"] == fill
    assert page["sez"]["stroke"] == style("sez", "operating", 1.0, "none")["color"]
    assert page["sez"]["dash"] and "dashArray" in style("sez", "planned", 1.0, "none")
    lines = page["lines"]
    pairs = {"legend_bakad": "ring_road", "legend_highway": "highway",
             "legend_railway": "railway", "legend_interchange": "interchange"}  # fmt: skip
    for key, kind in pairs.items():
        assert lines[key]["stroke"] == style(kind, None, 0.0, "none")["color"], key
        assert lines[key]["dash"] == ("dashArray" in style(kind, None, 0.0, "none")), key
    assert lines["legend_interchange"]["fill"] == style("interchange", None, 0, "none")["fillColor"]
    assert page["ramp"] == [[p, c] for p, c in colors.SITE_STOPS]
    assert page["surfaceRamp"] == [[p, c] for p, c in colors.SURFACE_STOPS]
    assert page["excluded"] == colors.EXCLUDED_COLOR


def test_map_payload_carries_the_palette(layers):
    from planner.render import maps

    m = maps.build_map(layers)
    assert m.planner_data["colors"] == colors.page_colors()
    zones = m.planner_data["layers"]["zones"]["features"]
    fills = {f["properties"]["s"]["fillColor"] for f in zones}
    assert fills <= set(colors.STATUS_COLORS.values())


def test_text_colour_on_a_fill():
    assert colors.ink("#332288") == "#fff" and colors.ink("#DDCC77") == "#000"
    assert colors.criterion_color("bakad") == colors.CRITERION_COLORS["bakad"]
    assert colors.criterion_color("new_criterion").startswith("#")
