"""Page files: the assets inlined into saved maps, the planner's own JS/CSS, the templates.

folium links Leaflet, jQuery, Bootstrap and every plugin from CDNs; with no network such
a map is blank. :func:`inline_assets` empties those link lists on the map and its plugins
and puts the files themselves into the page header instead: Leaflet and jQuery from the
``xstatic-leaflet`` / ``xstatic-jquery`` packages, the fullscreen and measure plugins from
``planner/_vendor`` (see its README for versions, sources and licences). Images the
stylesheets refer to become ``data:`` URIs. The page also gets a Content-Security-Policy
that forbids every network request except, with ``basemap="osm"``, OSM tiles.

The planner's own page files are package data, read with :mod:`importlib.resources`:
``static/planner.js`` is the one script that draws the planner's data (every string it puts
into the page goes through its ``esc`` function, data arrives as JSON), ``static/*.css``
the stylesheets, ``templates/*.j2`` the Jinja2 templates of the HTML (autoescape on, see
:func:`html_text`).
"""

from __future__ import annotations

import base64
import functools
import mimetypes
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from markupsafe import escape as _markup_escape

from planner.errors import AssetError

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
    "title_tag",
    "meta_tag",
    "inline_assets",
    "strip_cdn_links",
    "raw_element",
    "external_urls",
    "static_text",
    "planner_js",
    "planner_layout_js",
    "planner_css",
    "html_text",
    "render_template",
    "render_template_around",
    "template_macro",
]

VENDOR_DIR = Path(str(resources.files("planner") / "_vendor"))
OSM_TILE_ORIGIN = "https://tile.openstreetmap.org"

_URL_RE = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")
_SOURCEMAP_RE = re.compile(r"^\s*//# sourceMappingURL=.*$", re.MULTILINE)
_LEAFLET_PREFIX_LINK = 'href="https://leafletjs.com" '


def _tr(key: str, /, **fields: object) -> str:
    from planner.i18n import tr

    return tr(key, **fields)


def _xstatic_dir(module: str) -> Path:
    try:
        mod = __import__(f"xstatic.pkg.{module}", fromlist=["BASE_DIR"])
    except ImportError as exc:
        raise AssetError(_tr("err.render.xstatic_missing", package=f"xstatic-{module}")) from exc
    return Path(mod.BASE_DIR)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AssetError(_tr("err.render.asset_unreadable", file=str(path),
                             error=exc.strerror or exc)) from exc


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".svg":
        mime = "image/svg+xml"
    try:
        payload = base64.b64encode(path.read_bytes()).decode("ascii")
    except OSError as exc:
        raise AssetError(_tr("err.render.asset_unreadable", file=str(path),
                             error=exc.strerror or exc)) from exc
    return f"data:{mime};base64,{payload}"


def _inline_css_urls(css: str, base: Path) -> str:
    """Replace relative ``url(...)`` references with data URIs of the files under ``base``."""

    def repl(match: re.Match) -> str:
        ref = match.group(2).strip()
        if ref.startswith(("data:", "#")):
            return match.group(0)
        if "//" in ref:
            raise AssetError(_tr("err.render.css_network", folder=str(base), url=ref))
        return f'url("{_data_uri(base / ref)}")'

    return _URL_RE.sub(repl, css)


def _strip_js(js: str) -> str:
    return _SOURCEMAP_RE.sub("", js)


@functools.cache
def leaflet_js() -> str:
    """Leaflet 1.9.3 (xstatic-leaflet), without the external link in its attribution prefix."""
    js = _strip_js(_read(_xstatic_dir("leaflet") / "leaflet.js"))
    if js.count(_LEAFLET_PREFIX_LINK) != 1:
        raise AssetError(_tr("err.render.leaflet_build"))
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
    return render_template("leaflet_icons.js.j2", urls=urls)


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
    """leaflet-measure 3.1.0: its en or ru build; for any other language (kk, which the
    plugin has no build for) the ru build with each phrase of the catalog's ``measure``
    section replaced by that language's."""
    build = "en" if lang == "en" else "ru"
    js = _strip_js(_read(VENDOR_DIR / "leaflet-measure" / f"leaflet-measure.{build}.js"))
    return js if lang in ("en", "ru") else _translated_measure(js, lang)


def _translated_measure(js: str, lang: str) -> str:
    from planner import i18n

    pairs = [(i18n.t(f"measure.{k}", "ru"), i18n.t(f"measure.{k}", lang))
             for k in i18n.keys("measure")]  # fmt: skip
    for ru, text in sorted(pairs, key=lambda p: -len(p[0])):  # "Измерение" after longer ones
        # a whole phrase between markup or quotes: text of the plugin's HTML templates
        pattern = re.compile(r"(?<=[>\"'])" + re.escape(ru) + r"(?=[<\"'])")
        js, n = pattern.subn(lambda _m, text=text: text, js)
        if n == 0:
            raise AssetError(_tr("err.render.measure_phrase", phrase=ru, lang=lang))
    return js


@functools.cache
def measure_css() -> str:
    base = VENDOR_DIR / "leaflet-measure"
    return _inline_css_urls(_read(base / "leaflet-measure.css"), base)


def script_tag(js: str) -> str:
    """A script element holding ``js``; refuses code that would end the element early."""
    if re.search(r"</script", js, re.IGNORECASE):
        raise AssetError("inline script contains '</script'; it would end the element early")
    return str(template_macro("page.html.j2", "script")(js))


def style_tag(css: str) -> str:
    if re.search(r"</style", css, re.IGNORECASE):
        raise AssetError("inline stylesheet contains '</style'; it would end the element early")
    return str(template_macro("page.html.j2", "style")(css))


def csp_meta(allow_osm: bool) -> str:
    """A Content-Security-Policy that blocks every request (tiles from OSM if allowed).

    ``unsafe-inline`` is needed because everything is inline; ``unsafe-eval`` because
    leaflet-measure compiles its lodash templates with ``Function``.
    """
    img = "data: blob:" + (f" {OSM_TILE_ORIGIN}" if allow_osm else "")
    return str(template_macro("page.html.j2", "csp")(img))


def title_tag(text: str) -> str:
    """The page's ``<title>`` with ``text`` escaped."""
    return str(template_macro("page.html.j2", "title")(text))


def meta_tag(name: str, content: str) -> str:
    """``<meta name=... content=...>`` with both escaped."""
    return str(template_macro("page.html.j2", "meta")(name, content))


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
        style_tag(planner_css()),
        script_tag(leaflet_js()),
        script_tag(leaflet_icons_js()),
        script_tag(jquery_js()),
        script_tag(fullscreen_js()),
        script_tag(measure_js(lang)),
        script_tag(planner_layout_js()),
        script_tag(planner_js()),
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


# --------------------------------------------------------------------------- own page files


@functools.cache
def static_text(name: str) -> str:
    """The text of ``planner/render/static/<name>`` (package data)."""
    try:
        return (resources.files(__package__) / "static" / name).read_text(encoding="utf-8")
    except OSError as exc:
        raise AssetError(_tr("err.render.static_missing", name=name,
                             error=exc.strerror or exc)) from exc


def planner_js() -> str:
    """The script that draws the planner's data on a map (``static/planner.js``)."""
    return static_text("planner.js")


def planner_layout_js() -> str:
    """Marker spreading, popup panning, label decluttering (``static/planner_layout.js``)."""
    return static_text("planner_layout.js")


def planner_css() -> str:
    return static_text("planner.css")


def html_text(value: Any) -> Markup:
    """``value`` as HTML text: markupsafe's escaping, and braces as character references.

    Every ``{{ value }}`` of the templates goes through this (autoescape with this as
    ``finalize``). The braces rule keeps text that reaches a page from ever being read as a
    Jinja expression by a later template pass (folium renders element scripts through
    Jinja). ``None`` is the empty string; :class:`~markupsafe.Markup` passes unchanged.
    """
    if isinstance(value, Markup):
        return value
    text = str(_markup_escape("" if value is None else value))
    return Markup(text.replace("{", "&#123;").replace("}", "&#125;"))  # noqa: S704 - escaped


@functools.cache
def _jinja() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader(__package__, "templates"),
        autoescape=True,
        finalize=html_text,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _template(name: str) -> jinja2.Template:
    try:
        return _jinja().get_template(name)
    except jinja2.TemplateNotFound as exc:
        raise AssetError(_tr("err.render.template_missing", name=name)) from exc


def render_template(name: str, /, **context: Any) -> str:
    """``planner/render/templates/<name>`` rendered with ``context`` (autoescaped)."""
    return _template(name).render(**context)


_SLOT = Markup("\x00planner-slot\x00")


def render_template_around(name: str, content: str, /, **context: Any) -> str:
    """``render_template`` with ``content`` (markup or code made here, e.g. megabytes of map
    JSON) put where the template writes ``{{ slot }}``. The content is joined outside
    Jinja: through the template it would be copied several times (0.15 s at 100k sites)."""
    head, found, tail = render_template(name, slot=_SLOT, **context).partition(_SLOT)
    if not found:
        raise AssetError(_tr("err.render.template_slot", name=name))
    return "".join((head, content, tail))


def template_macro(name: str, macro: str):
    """The macro ``macro`` of template ``name``: a callable returning :class:`Markup`."""
    return getattr(_template(name).module, macro)
