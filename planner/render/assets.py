"""Static assets inlined into saved maps: Leaflet, jQuery, plugins and the planner's own JS.

folium links Leaflet, jQuery, Bootstrap and every plugin from CDNs; with no network such
a map is blank. :func:`inline_assets` empties those link lists on the map and its plugins
and puts the files themselves into the page header instead: Leaflet and jQuery from the
``xstatic-leaflet`` / ``xstatic-jquery`` packages, the fullscreen and measure plugins from
``planner/_vendor`` (see its README for versions, sources and licences). Images the
stylesheets refer to become ``data:`` URIs. The page also gets a Content-Security-Policy
that forbids every network request except, with ``basemap="osm"``, OSM tiles.

:data:`PLANNER_JS` is the one script that draws the planner's data: every string it puts
into the page goes through its ``esc`` function (HTML-escaped), data arrives as JSON.
"""

from __future__ import annotations

import base64
import functools
import json
import mimetypes
import re
from pathlib import Path

from planner.errors import PlannerError

__all__ = [
    "VENDOR_DIR",
    "OSM_TILE_ORIGIN",
    "leaflet_js",
    "leaflet_css",
    "leaflet_icons_js",
    "jquery_js",
    "fullscreen_js",
    "fullscreen_css",
    "measure_js",
    "measure_css",
    "script_tag",
    "style_tag",
    "csp_meta",
    "inline_assets",
    "strip_cdn_links",
    "raw_element",
    "external_urls",
    "PLANNER_JS",
    "PLANNER_CSS",
]

VENDOR_DIR = Path(__file__).resolve().parent.parent / "_vendor"
OSM_TILE_ORIGIN = "https://tile.openstreetmap.org"

_URL_RE = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")
_SOURCEMAP_RE = re.compile(r"^\s*//# sourceMappingURL=.*$", re.MULTILINE)
_LEAFLET_PREFIX_LINK = 'href="https://leafletjs.com" '


class AssetError(PlannerError, RuntimeError):
    """A bundled asset is missing or not what this module expects (reinstall the package)."""


def _xstatic_dir(module: str) -> Path:
    try:
        mod = __import__(f"xstatic.pkg.{module}", fromlist=["BASE_DIR"])
    except ImportError as exc:
        raise AssetError(
            f"the package xstatic-{module} is not installed; maps inline its files so they open "
            f"offline: pip install xstatic-{module}"
        ) from exc
    return Path(mod.BASE_DIR)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AssetError(
            f"map asset {str(path)!r} cannot be read ({exc.strerror}); reinstall the package"
        ) from exc


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".svg":
        mime = "image/svg+xml"
    try:
        payload = base64.b64encode(path.read_bytes()).decode("ascii")
    except OSError as exc:
        raise AssetError(f"map asset {str(path)!r} cannot be read; reinstall the package") from exc
    return f"data:{mime};base64,{payload}"


def _inline_css_urls(css: str, base: Path) -> str:
    """Replace relative ``url(...)`` references with data URIs of the files under ``base``."""

    def repl(match: re.Match) -> str:
        ref = match.group(2).strip()
        if ref.startswith(("data:", "#")):
            return match.group(0)
        if "//" in ref:
            raise AssetError(
                f"stylesheet under {base} refers to the network ({ref}); vendor the file"
            )
        return f'url("{_data_uri(base / ref)}")'

    return _URL_RE.sub(repl, css)


def _strip_js(js: str) -> str:
    return _SOURCEMAP_RE.sub("", js)


@functools.cache
def leaflet_js() -> str:
    """Leaflet 1.9.3 (xstatic-leaflet), without the external link in its attribution prefix."""
    js = _strip_js(_read(_xstatic_dir("leaflet") / "leaflet.js"))
    if js.count(_LEAFLET_PREFIX_LINK) != 1:
        raise AssetError(
            "the Leaflet build from xstatic-leaflet is not the expected one (attribution prefix "
            "not found); install xstatic-leaflet 1.9.3.x or update planner/_assets.py"
        )
    return js.replace(_LEAFLET_PREFIX_LINK, "")


@functools.cache
def leaflet_css() -> str:
    base = _xstatic_dir("leaflet")
    return _inline_css_urls(_read(base / "leaflet.css"), base)


@functools.cache
def leaflet_icons_js() -> str:
    """Make Leaflet's default marker icon come from data URIs.

    Leaflet derives the icon folder from its stylesheet; with the stylesheet inline that
    fails and it asks for ``marker-icon.png`` beside the HTML (leaflet-measure's capture
    marker does this too). With the images inline, default markers work offline.
    """
    base = _xstatic_dir("leaflet") / "images"
    urls = {
        "iconUrl": _data_uri(base / "marker-icon.png"),
        "iconRetinaUrl": _data_uri(base / "marker-icon-2x.png"),
        "shadowUrl": _data_uri(base / "marker-shadow.png"),
    }
    return (
        f"L.Icon.Default.mergeOptions({json.dumps(urls)});\n"
        "L.Icon.Default.prototype._getIconUrl = function (name) {\n"
        "  return L.Icon.prototype._getIconUrl.call(this, name);\n"
        "};"
    )


@functools.cache
def jquery_js() -> str:
    """jQuery 3.7 (xstatic-jquery): folium's own Popup elements call ``$``."""
    return _strip_js(_read(_xstatic_dir("jquery") / "jquery.min.js"))


@functools.cache
def fullscreen_js() -> str:
    return _strip_js(_read(VENDOR_DIR / "leaflet.fullscreen" / "Control.FullScreen.js"))


@functools.cache
def fullscreen_css() -> str:
    base = VENDOR_DIR / "leaflet.fullscreen"
    return _inline_css_urls(_read(base / "Control.FullScreen.css"), base)


@functools.cache
def measure_js(lang: str = "ru") -> str:
    """leaflet-measure 3.1.0; the Russian build for ru and kk (there is no Kazakh one)."""
    build = "en" if lang == "en" else "ru"
    return _strip_js(_read(VENDOR_DIR / "leaflet-measure" / f"leaflet-measure.{build}.js"))


@functools.cache
def measure_css() -> str:
    base = VENDOR_DIR / "leaflet-measure"
    return _inline_css_urls(_read(base / "leaflet-measure.css"), base)


def script_tag(js: str) -> str:
    """``<script>`` element holding ``js``; refuses code that would end the element early."""
    if re.search(r"</script", js, re.IGNORECASE):
        raise AssetError("inline script contains '</script'; it would end the element early")
    return f"<script>\n{js}\n</script>"


def style_tag(css: str) -> str:
    if re.search(r"</style", css, re.IGNORECASE):
        raise AssetError("inline stylesheet contains '</style'; it would end the element early")
    return f"<style>\n{css}\n</style>"


def csp_meta(allow_osm: bool) -> str:
    """A Content-Security-Policy that blocks every request (tiles from OSM if allowed).

    ``unsafe-inline`` is needed because everything is inline; ``unsafe-eval`` because
    leaflet-measure compiles its lodash templates with ``Function``.
    """
    img = "data: blob:" + (f" {OSM_TILE_ORIGIN}" if allow_osm else "")
    policy = (
        "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
        f"style-src 'unsafe-inline'; img-src {img}; font-src data:; connect-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )
    return f'<meta http-equiv="Content-Security-Policy" content="{policy}">'


def raw_element(text: str):
    """A branca element that renders ``text`` as is.

    ``branca.element.Element(text)`` compiles ``text`` as a Jinja template: ``{{``/``{%`` in
    a script or in user text would break or run there (geopandas#2657).
    """
    from branca.element import Element

    class _Raw(Element):
        def render(self, **kwargs) -> str:
            return self.text

    el = _Raw("")
    el.text = text
    return el


def strip_cdn_links(*elements) -> None:
    """Empty folium's CDN link lists (``default_js``/``default_css``) on ``elements``."""
    for el in elements:
        el.default_js = []
        el.default_css = []


def inline_assets(m, lang: str = "ru", allow_osm: bool = False) -> None:
    """Put every asset the map needs into its page header; remove folium's CDN links.

    ``m`` is a :class:`folium.Map`; plugin elements already added to it (any object with
    ``default_js``) are stripped too, so call this after adding the plugins.
    """
    strip_cdn_links(m)
    stack = list(m._children.values())
    while stack:
        el = stack.pop()
        if hasattr(el, "default_js"):
            strip_cdn_links(el)
        stack.extend(getattr(el, "_children", {}).values())
    header = m.get_root().header
    parts = [
        csp_meta(allow_osm),
        style_tag(leaflet_css()),
        style_tag(fullscreen_css()),
        style_tag(measure_css()),
        style_tag(PLANNER_CSS),
        script_tag(leaflet_js()),
        script_tag(leaflet_icons_js()),
        script_tag(jquery_js()),
        script_tag(fullscreen_js()),
        script_tag(measure_js(lang)),
        script_tag(PLANNER_JS),
    ]
    for i, part in enumerate(parts):
        header.add_child(raw_element(part), name=f"planner_asset_{i}")


_EXTERNAL_RE = re.compile(
    r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?\s*|url\(\s*["']?\s*|@import\s+["']?)"""
    r"""((?:https?:)?//[^"'\s)>]*)""",
    re.IGNORECASE,
)


def external_urls(html: str) -> list[str]:
    """URLs a page would load or link to outside itself (``src=``, ``href=``, ``url()``...)."""
    return sorted(set(_EXTERNAL_RE.findall(html)))


PLANNER_CSS = r"""
.leaflet-container { background: #e9eef2; font: 13px/1.35 "Segoe UI", Arial, sans-serif; }
.planner-box { background: rgba(255,255,255,0.94); padding: 5px 8px; border-radius: 5px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.35); max-width: 300px; }
.planner-legend { font-size: 12px; line-height: 1.2; }
.leaflet-control-layers { font-size: 13px; }
.planner-legend .lg-title { font-weight: 600; margin: 4px 0 3px; }
.planner-legend .lg-title:first-child { margin-top: 0; }
.planner-legend .lg-row { display: flex; align-items: center; gap: 6px; margin: 1px 0; }
.planner-legend .lg-sw { width: 16px; height: 10px; border: 1px solid #555; flex: none; }
.planner-legend .lg-line { width: 18px; height: 0; border-top-width: 3px; flex: none; }
.planner-legend .lg-ramp { height: 12px; border: 1px solid #555; margin: 2px 0; }
.planner-legend .lg-ticks { display: flex; justify-content: space-between; font-size: 11px; }
.planner-note { font-size: 11px; color: #222; max-width: 420px; }
.planner-note div { margin: 1px 0; }
.planner-popup { font-size: 12px; max-width: 360px; }
.planner-popup .pp-title { font-weight: 700; font-size: 13px; }
.planner-popup .pp-sub { color: #444; margin-bottom: 4px; }
.planner-popup .pp-excl { color: #a00; font-weight: 600; }
.planner-popup table { border-collapse: collapse; margin: 4px 0; width: 100%; }
.planner-popup th, .planner-popup td { border-bottom: 1px solid #ddd; padding: 1px 4px;
  text-align: left; }
.planner-popup td.num, .planner-popup th.num { text-align: right; white-space: nowrap; }
.planner-popup tr.pp-total td { font-weight: 700; border-bottom: none; }
.planner-popup .pp-why { margin-top: 4px; color: #222; }
.planner-num-icon { background: none; border: none; }
.planner-num { width: 22px; height: 22px; border-radius: 50%; border: 2px solid #111;
  color: #fff; font: 700 12px/22px Arial, sans-serif; text-align: center;
  text-shadow: 0 0 2px #000; box-shadow: 0 0 3px rgba(0,0,0,0.6); }
.planner-label { background: rgba(255,255,255,0.75); border: none; box-shadow: none;
  font-weight: 700; padding: 0 3px; }
.planner-label::before { display: none; }
"""

PLANNER_JS = r"""
(function (global) {
  'use strict';
  var ESC = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
             '`': '&#96;', '=': '&#61;'};
  function esc(v) {
    if (v === null || v === undefined) { return ''; }
    return String(v).replace(/[&<>"'`=]/g, function (c) { return ESC[c]; });
  }
  function fill(tpl, fields) {
    return String(tpl).replace(/\{(\w+)\}/g, function (m, k) {
      return Object.prototype.hasOwnProperty.call(fields, k) ? String(fields[k]) : m;
    });
  }
  // look-ups keyed by data (zone ids, statuses) must not reach Object.prototype members
  function own(obj, key) {
    return obj && Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : null;
  }
  function num(v, digits) {
    if (v === null || v === undefined || typeof v !== 'number' || !isFinite(v)) { return '\u2013'; }
    return v.toFixed(digits);
  }
  // viridis, 9 stops: perceptually uniform and readable for colour-blind users
  var RAMP = [[68, 1, 84], [71, 45, 123], [59, 82, 139], [44, 114, 142], [33, 145, 140],
              [40, 174, 128], [94, 201, 98], [173, 220, 48], [253, 231, 37]];
  function rampColor(t) {
    if (!(t >= 0)) { t = 0; }
    if (t > 1) { t = 1; }
    var x = t * (RAMP.length - 1), k = Math.min(Math.floor(x), RAMP.length - 2), f = x - k;
    var a = RAMP[k], b = RAMP[k + 1], c = [0, 1, 2].map(function (j) {
      return Math.round(a[j] + (b[j] - a[j]) * f);
    });
    return 'rgb(' + c[0] + ',' + c[1] + ',' + c[2] + ')';
  }
  function rampCss() {
    return 'linear-gradient(to right,' + RAMP.map(function (c, k) {
      return 'rgb(' + c.join(',') + ') ' + Math.round(100 * k / (RAMP.length - 1)) + '%';
    }).join(',') + ')';
  }
  var EXCLUDED_COLOR = '#9e9e9e';
  function cat(col, i) { return col ? col.v[col.c[i]] : ''; }

  function scoreColor(D, T, i) {
    if (T.rank[i] === null) { return EXCLUDED_COLOR; }
    var s = D.scale;
    return rampColor((T.score[i] - s.lo) / ((s.hi - s.lo) || 1));
  }

  function rawText(D, T, j, i) {
    var kind = T.kind[j], v = T.raw[j][i];
    if (kind === 'status') {
      return v ? (own(D.status, v) || v) : '\u2013';
    }
    if (kind === 'km') {
      var txt = num(v, 1) + ' ' + D.t.km;
      if (T.crit[j] === 'almaty' && T.inA && T.inA[i]) { txt += ' (' + D.t.in_almaty + ')'; }
      return txt;
    }
    if (kind === 'min') {
      return v === null || v === undefined ? '\u2013' : num(v, v < 10 ? 1 : 0) + ' ' + D.t.min;
    }
    return v === null || v === undefined ? '\u2013' : String(v);
  }

  function siteTooltip(D, T, i) {
    var head = T.name[i] || T.id[i];
    var tail = T.rank[i] === null ? ' (' + esc(D.t.excluded) + ')'
      : ' \u00b7 ' + esc(D.t.rank) + ' ' + esc(T.rank[i]);
    return '<b>' + esc(head) + '</b><br>' + esc(D.t.score) + ': ' + esc(num(T.score[i], 1)) + tail;
  }

  function sitePopup(D, T, i) {
    var h = ['<div class="planner-popup">'];
    h.push('<div class="pp-title">' + esc(T.name[i] || T.id[i]) + '</div>');
    var rank = T.rank[i] === null ? '' : ' \u00b7 ' + esc(D.t.rank) + ': ' + esc(T.rank[i]);
    h.push('<div class="pp-sub">' + (T.name[i] ? esc(T.id[i]) + ' \u00b7 ' : '') +
      esc(D.t.score) + ': <b>' + esc(num(T.score[i], 1)) + '</b>' + rank + '</div>');
    if (T.company && !T.comp) {
      h.push('<div>' + esc(D.t.company) + ': <b>' + esc(T.company[i]) + '</b></div>');
    }
    var ex = cat(T.excl, i);
    if (T.rank[i] === null || ex) {
      h.push('<div class="pp-excl">' + esc(D.t.excluded) + (ex ? ': ' + esc(ex) : '') + '</div>');
    }
    var zone = cat(T.zone, i), zs = cat(T.zs, i);
    var zname = zone ? own(D.zoneNames, zone) : null;
    var zoneText = zone ? esc(zname || zone) + (zs ? ' (' + esc(own(D.status, zs) || zs) + ')' : '')
      : esc(D.t.no_zone);
    h.push('<div>' + esc(D.t.zone) + ': ' + zoneText + '</div>');
    if (T.crit.length) {
      h.push('<table class="pp-table"><tr><th>' + esc(D.t.criterion) + '</th><th class="num">' +
        esc(D.t.value) + '</th><th class="num">' + esc(D.t.points) + '</th></tr>');
      for (var j = 0; j < T.crit.length; j++) {
        h.push('<tr class="pp-row"><td>' + esc(own(D.crit, T.crit[j]) || T.crit[j]) +
          '</td><td class="num">' + esc(rawText(D, T, j, i)) +
          '</td><td class="num">' + esc(num(T.pts[j][i], 1)) + '</td></tr>');
      }
      h.push('<tr class="pp-total"><td>' + esc(D.t.total) + '</td><td></td><td class="num">' +
        esc(num(T.score[i], 1)) + '</td></tr></table>');
    }
    if (T.comp && T.comp[i]) {
      var list = T.comp[i], more = T.compMore ? T.compMore[i] : 0;
      h.push('<div><b>' + esc(fill(D.t.companies, {n: list.length + more})) +
        '</b><ol class="pp-comp">');
      list.forEach(function (c) {
        h.push('<li>' + esc(c[0]) + ' \u2013 ' + esc(num(c[1], 1)) + '</li>');
      });
      h.push('</ol>' + (more ? esc(fill(D.t.more, {n: more})) : '') + '</div>');
    }
    var why = T.why ? T.why[String(i)] : null;
    if (why) {
      h.push('<div class="pp-why"><b>' + esc(D.t.why) + ':</b> ' + esc(why) + '</div>');
    }
    h.push('</div>');
    return h.join('');
  }

  function featurePopup(p) {
    var h = ['<div class="planner-popup"><div class="pp-title">' + esc(p.h) + '</div><table>'];
    (p.r || []).forEach(function (row) {
      h.push('<tr><td>' + esc(row[0]) + '</td><td>' + esc(row[1]) + '</td></tr>');
    });
    h.push('</table></div>');
    return h.join('');
  }

  function addFeatures(group, fc, pane) {
    var opts = {
      style: function (f) { return f.properties.s; },
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, f.properties.s); },
      onEachFeature: function (f, l) {
        var p = f.properties;
        if (p.lbl) {
          l.bindTooltip(esc(p.t),
            {permanent: true, direction: 'center', className: 'planner-label'});
        } else if (p.t) {
          l.bindTooltip(esc(p.t), {sticky: true});
        }
        l.bindPopup(featurePopup(p), {maxWidth: 380});
      }
    };
    if (pane) { opts.pane = pane; }  // its own canvas in that pane
    var layer = L.geoJSON(fc, opts);
    layer.addTo(group);
    return layer;
  }

  // the surface image's colours: fixed 0-100 stops, as in the PNG
  function stopsCss(stops) {
    return 'linear-gradient(to right,' + stops.map(function (s) {
      return s[1] + ' ' + s[0] + '%';
    }).join(',') + ')';
  }

  // One GeoJSON layer for any number of sites: features are made here from columns, popups
  // and tooltips are bound lazily on the first click / hover (no per-site objects up front).
  function addSites(D, group, T, radius) {
    var n = T.lon.length, feats = new Array(n), stroke = n <= 5000;
    for (var i = 0; i < n; i++) {
      feats[i] = {type: 'Feature', properties: {i: i},
                  geometry: {type: 'Point', coordinates: [T.lon[i], T.lat[i]]}};
    }
    var layer = L.geoJSON({type: 'FeatureCollection', features: feats}, {
      pointToLayer: function (f, latlng) {
        var k = f.properties.i;
        var r = typeof radius === 'function' ? radius(k) : radius;
        return L.circleMarker(latlng, {radius: r, stroke: stroke, weight: 0.6, color: '#222',
          fillColor: scoreColor(D, T, k), fillOpacity: stroke ? 0.9 : 0.8});
      }
    });
    layer.on('click', function (e) {
      var l = e.layer;
      if (!l.getPopup()) {
        l.bindPopup(sitePopup(D, T, l.feature.properties.i), {maxWidth: 380});
        l.openPopup();
      }
    });
    layer.on('mouseover', function (e) {
      var l = e.layer;
      if (!l.getTooltip()) {
        l.bindTooltip(siteTooltip(D, T, l.feature.properties.i));
        l.openTooltip();
      }
    });
    layer.addTo(group);
    return layer;
  }

  function addNumbered(D, group, T) {
    var layers = [];
    for (var i = T.lon.length - 1; i >= 0; i--) {
      var icon = L.divIcon({className: 'planner-num-icon', iconSize: [26, 26], iconAnchor: [13, 13],
        html: '<div class="planner-num" style="background:' + scoreColor(D, T, i) + '">' +
          esc(T.rank[i] === null ? '\u00d7' : T.rank[i]) + '</div>'});
      var m = L.marker([T.lat[i], T.lon[i]], {icon: icon, riseOnHover: true,
        zIndexOffset: 1000 - (T.rank[i] || 999)});
      m.feature = {type: 'Feature', properties: {i: i}};  // same lookup as the sites layer
      m.bindPopup(sitePopup(D, T, i), {maxWidth: 380});
      m.bindTooltip(siteTooltip(D, T, i));
      m.addTo(group);
      layers.push(m);
    }
    return layers;
  }

  function legend(map, D) {
    var c = L.control({position: 'bottomright'});
    c.onAdd = function () {
      var div = L.DomUtil.create('div', 'planner-box planner-legend');
      var h = [];
      function sw(style, text) {
        h.push('<div class="lg-row"><span class="lg-sw" style="' + style + '"></span><span>' +
          esc(text) + '</span></div>');
      }
      function line(style, text) {
        h.push('<div class="lg-row"><span class="lg-line" style="' + style + '"></span><span>' +
          esc(text) + '</span></div>');
      }
      if (D.surface) {
        var S = D.surface;
        h.push('<div class="lg-surface"><div class="lg-title">' + esc(D.t.legend_surface) +
          '</div>');
        h.push('<div class="lg-ramp" style="background:' + esc(stopsCss(S.stops)) + '"></div>');
        h.push('<div class="lg-ticks"><span>0</span><span>50</span><span>100</span></div>');
        sw('background:' + esc(S.excludedColor), D.t.legend_excluded);
        h.push('</div>');
      }
      if (D.sites || D.top || D.best) {
        h.push('<div class="lg-title">' + esc(D.t.legend_score) + '</div>');
        h.push('<div class="lg-ramp" style="background:' + rampCss() + '"></div>');
        var s = D.scale, mid = (s.lo + s.hi) / 2;
        h.push('<div class="lg-ticks"><span>' + esc(num(s.lo, 0)) + '</span><span>' +
          esc(num(mid, 0)) + '</span><span>' + esc(num(s.hi, 0)) + '</span></div>');
        sw('background:' + EXCLUDED_COLOR, D.t.legend_excluded);
        if (D.top) { h.push('<div class="lg-row">' + esc(D.t.legend_top) + '</div>'); }
        if (D.best) { h.push('<div class="lg-row">' + esc(D.t.legend_best) + '</div>'); }
      }
      h.push('<div class="lg-title">' + esc(fill(D.t.legend_zones, {date: D.asOf})) + '</div>');
      ['operating', 'under_construction', 'planned', 'none'].forEach(function (k) {
        sw('background:' + D.statusColor[k] + ';opacity:0.75', D.status[k]);
      });
      sw('background:#fff;border:2px dashed #333', D.t.legend_sez);
      h.push('<div class="lg-title">' + esc(D.t.legend_lines) + '</div>');
      line('border-top:4px solid #b2182b', D.t.legend_bakad);
      sw('background:#fff;border:2px solid #b2182b;border-radius:50%;width:10px;height:10px',
        D.t.legend_interchange);
      line('border-top:3px solid #e08214', D.t.legend_highway);
      line('border-top:3px dashed #333', D.t.legend_railway);
      div.innerHTML = h.join('');
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    c.addTo(map);
    return c;
  }

  function note(map, D) {
    var c = L.control({position: 'bottomleft'});
    c.onAdd = function () {
      var div = L.DomUtil.create('div', 'planner-box planner-note');
      D.note.forEach(function (text) {
        var line = L.DomUtil.create('div', '', div);
        line.textContent = text;
      });
      L.DomEvent.disableClickPropagation(div);
      return div;
    };
    c.addTo(map);
    return c;
  }

  global.plannerEsc = esc;
  global.plannerMaps = global.plannerMaps || [];

  // Draw order (one shared canvas: later is on top): the schematic region, areas, sites,
  // then the lines and points people orient by (transport, BAKAD), so sites never hide BAKAD.
  var ORDER = ['context', 'constraints', 'cities', 'zones', 'sites', 'best', 'transport', 'bakad'];

  global.plannerMap = function (map, G, D) {
    var out = {map: map, groups: G, data: D, layers: {}, counts: {}};
    ORDER.forEach(function (k) {
      if (!G[k]) { return; }
      if (k === 'sites' && D.sites) {
        out.layers.sites = addSites(D, G.sites, D.sites, D.sites.lon.length > 20000 ? 2.5 : 4);
      } else if (k === 'best' && D.best) {
        var B = D.best;
        out.layers.best = addSites(D, G.best, B, function (j) {
          return 5 + 2.5 * Math.sqrt(B.comp[j].length + (B.compMore ? B.compMore[j] : 0));
        });
      } else if (D.layers[k]) {
        var pane = k === 'context' && D.surface ? D.surface.contextPane : null;
        out.layers[k] = addFeatures(G[k], D.layers[k], pane);
      }
      if (out.layers[k]) { out.counts[k] = out.layers[k].getLayers().length; }
    });
    if (D.top && G.top) {
      out.layers.top = addNumbered(D, G.top, D.top);  // markers: their own pane, above all
      out.counts.top = out.layers.top.length;
    }
    // a group switched back on is drawn last: lift the groups that belong above it again
    map.on('overlayadd', function (e) {
      var k = ORDER.indexOf(Object.keys(G).filter(function (g) { return G[g] === e.layer; })[0]);
      if (k < 0) { return; }
      if (ORDER[k] === 'context') { G.context.bringToBack(); }
      ORDER.slice(k + 1).forEach(function (g) {
        if (G[g] && map.hasLayer(G[g]) && G[g].bringToFront) { G[g].bringToFront(); }
      });
    });
    L.control.scale({imperial: false, position: 'bottomleft'}).addTo(map);
    out.note = note(map, D);
    out.legend = legend(map, D);
    if (G.surface) {
      out.surface = G.surface;  // an image in its own pane: no draw order to restore
      map.on('overlayadd overlayremove', function (e) {
        if (e.layer !== G.surface) { return; }
        var el = out.legend.getContainer().querySelector('.lg-surface');
        if (el) { el.style.display = e.type === 'overlayadd' ? '' : 'none'; }
      });
    }
    if (D.bounds) { map.fitBounds(D.bounds); }
    global.plannerMaps.push(out);
    return out;
  };
})(window);
"""
