"""Folium maps for the app's click map, with every asset from the package.

``streamlit-folium`` loads a map's ``default_js`` / ``default_css`` links as ``<script src>`` /
``<link href>`` in its component frame (inline scripts in the page header are not run there).
:func:`use_packaged_assets` replaces folium's CDN links with ``data:`` URIs of the files the
planner already inlines into its saved maps (:mod:`planner.render.assets`), so the map draws
with no network at all.

The click map carries no user text: features are drawn from geometry alone and markers show
numbers, so nothing a user typed or uploaded can reach the map's script.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import math
from collections.abc import Sequence

import folium
from markupsafe import Markup

from planner.render import assets as _assets
from planner.render.map_data import json_for_script

__all__ = [
    "use_packaged_assets", "click_map", "context_geojson", "marker_group", "packaged_links",
    "ClickContext", "ClickNow", "MAP_CENTER", "MAP_ZOOM",
]

MAP_CENTER = (43.45, 77.0)
MAP_ZOOM = 9

#: line / outline colours of the drawn layers (no fill except zones)
_STYLE = {
    "constraints": {"color": "#6a8f5a", "weight": 1, "fillColor": "#9fc48a", "fillOpacity": 0.25},
    "cities": {"color": "#555555", "weight": 1, "fillColor": "#bbbbbb", "fillOpacity": 0.15},
    "zones": {"color": "#117733", "weight": 2, "fillColor": "#44AA99", "fillOpacity": 0.35},
    "transport": {"color": "#882255", "weight": 2, "fillOpacity": 0.0},
    "bakad": {"color": "#c0392b", "weight": 4, "fillOpacity": 0.0},
}


def _data_uri(text: str, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")


@functools.cache
def packaged_links() -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """(js links, css links) as ``data:`` URIs: Leaflet, its icons, jQuery; the planner CSS."""
    js = (
        ("leaflet", _data_uri(_assets.leaflet_js(), "text/javascript")),
        ("leaflet_icons", _data_uri(_assets.leaflet_icons_js(), "text/javascript")),
        ("jquery", _data_uri(_assets.jquery_js(), "text/javascript")),
    )
    css = (
        ("leaflet_css", _data_uri(_assets.leaflet_css(), "text/css")),
        ("planner_css", _data_uri(_assets.planner_css(), "text/css")),
    )
    return js, css


def use_packaged_assets(m: folium.Map) -> folium.Map:
    """Replace the CDN links of ``m`` and of every element on it by the packaged assets."""
    stack = [m]
    while stack:
        el = stack.pop()
        if hasattr(el, "default_js"):
            _assets.strip_cdn_links(el)
        stack.extend(getattr(el, "_children", {}).values())
    js, css = packaged_links()
    m.default_js = list(js)
    m.default_css = list(css)
    return m


#: outlines of the click map are simplified to this, in metres (EPSG:32643): a pixel is
#: ~150 m at the opening zoom and ~10 m at zoom 13; the saved maps keep the exact geometry
CONTEXT_TOLERANCE_M = 15.0
#: coordinates of the click map rounded to this, in degrees (~1 m)
CONTEXT_GRID_DEG = 1e-5


@dataclasses.dataclass(frozen=True)
class ClickContext:
    """The click map's context layers, made once per layer set (:func:`context_geojson`)."""

    #: ``[{"key": layer, "geometries": [GeoJSON geometry, ...]}, ...]`` as script-safe JSON
    payload: str
    #: ``[[south, west], [north, east]]`` of all layers, degrees
    bounds: list[list[float]]


def context_geojson(layers) -> ClickContext:
    """The drawn layers (zones, cities, constraints, BAKAD, transport lines) as one JSON text:
    geometry only, simplified by :data:`CONTEXT_TOLERANCE_M` in EPSG:32643, EPSG:4326 at this
    edge, coordinates on a :data:`CONTEXT_GRID_DEG` grid (half the bytes of the exact
    outlines: less to send on every click). Made once and reused by every map and run."""
    import numpy as np
    import shapely

    from planner.crs import METRIC_CRS

    parts, boxes = [], []
    for key in _STYLE:
        gdf = layers.layers.get(key)
        if gdf is None or not len(gdf):
            continue
        geo = gdf.geometry[~gdf.geom_type.isin(["Point", "MultiPoint"])]
        if not len(geo):
            continue
        geo = geo.to_crs(METRIC_CRS).simplify(CONTEXT_TOLERANCE_M).to_crs(4326)
        geoms = shapely.set_precision(geo.to_numpy(), CONTEXT_GRID_DEG)
        geoms = geoms[~shapely.is_empty(geoms)]
        if not len(geoms):
            continue
        boxes.append(shapely.total_bounds(geoms))
        geometries = "[" + ",".join(shapely.to_geojson(geoms).tolist()) + "]"
        parts.append('{"key":' + json_for_script(key) + ',"geometries":' + geometries + "}")
    if boxes:
        b = np.vstack(boxes)
        west, south = (float(v) for v in b[:, :2].min(axis=0))
        east, north = (float(v) for v in b[:, 2:].max(axis=0))
        bounds = [[south, west], [north, east]]
    else:
        bounds = [[MAP_CENTER[0], MAP_CENTER[1]], [MAP_CENTER[0], MAP_CENTER[1]]]
    # GEOS writes numbers only; the keys are ours: nothing here can end a script element
    return ClickContext("[" + ",".join(parts) + "]", bounds)


class _TextMacros:
    """The ``script`` macro of a package template as an element's ``_template``, returning
    ``str``: streamlit-folium joins the scripts of a map's elements with ``+``, and a
    :class:`~markupsafe.Markup` (what an autoescaping template returns) on the right of a
    ``+`` escapes the text on its left, the map's own script."""

    def __init__(self, name: str) -> None:
        self.module = self
        self._macro = _assets.template_macro(name, "script")

    def script(self, this, kwargs=None) -> str:
        return str(self._macro(this, kwargs or {}))


class _RawScript(folium.MacroElement):
    """An element whose script comes from a package template (:class:`_TextMacros`) and is
    added to the page as raw text: branca would compile it as a Jinja template again."""

    template_name = ""

    def __init__(self) -> None:
        super().__init__()
        self._template = _TextMacros(self.template_name)

    def render(self, **kwargs) -> None:
        js = self._template.script(self, kwargs)
        self.get_root().script.add_child(_assets.raw_element(js), name=self.get_name())


class _ContextLayers(_RawScript):
    """Draws the context layers from the JSON of :class:`ClickContext` (one ``L.geoJSON`` per
    layer, styles from :data:`_STYLE`).

    The JSON is made once per process: folium's ``GeoJson`` would dump it, build a style map
    per feature and compile it as a Jinja template on every script run, and streamlit-folium
    would walk every coordinate for the bounds. The script is added as raw text (no second
    Jinja pass), like :class:`planner.render.maps._PlannerLayers`.
    """

    template_name = "app/context.js.j2"

    def __init__(self, context: ClickContext) -> None:
        super().__init__()
        self._name = "PlannerContext"
        self.payload = Markup(context.payload)  # noqa: S704 - numbers and our keys only
        self.styles = Markup(json_for_script(_STYLE))  # noqa: S704 - script-safe JSON
        self._known_bounds = context.bounds

    def _get_self_bounds(self) -> list[list[float]]:
        return self._known_bounds


def click_map(layers, context: ClickContext | None = None) -> folium.Map:
    """The map to click on: the context layers (outlines of zones, cities, constraints, BAKAD,
    transport lines) from the :class:`~planner.inputs.layers.LayerSet` (or ``context``, what
    :func:`context_geojson` made of it). Candidates go on top as :func:`marker_group`."""
    m = folium.Map(
        location=list(MAP_CENTER),
        zoom_start=MAP_ZOOM,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
    )
    _ContextLayers(context if context is not None else context_geojson(layers)).add_to(m)
    ClickNow().add_to(m)
    return use_packaged_assets(m)


class ClickNow(_RawScript):
    """Sends a click to the app at once instead of after streamlit-folium's 250 ms debounce.

    streamlit-folium (0.27) reports map events through ``underscore.debounce(..., 250)``,
    hard-coded in its built JavaScript. This element's script (a package template, no user
    text) hands a click to ``Streamlit.setComponentValue`` in the component's own format and
    records it as the component's last value, so the debounced report that follows finds
    nothing new. When the component does not look as expected (another version), it does
    nothing and the debounced report still comes.
    """

    template_name = "app/click_now.js.j2"

    def __init__(self) -> None:
        super().__init__()
        self._name = "ClickNow"


class _Markers(_RawScript):
    """Numbered markers from one JSON list, drawn into their feature group by a package
    template (raw script: no Jinja pass over the data, no folium element per marker)."""

    template_name = "app/markers.js.j2"

    def __init__(self, payload: list[list]) -> None:
        super().__init__()
        self._name = "PlannerMarkers"
        self.payload = Markup(json_for_script(payload))  # noqa: S704 - script-safe JSON


def marker_group(markers: Sequence[tuple[float, float, int | None, bool]]) -> folium.FeatureGroup:
    """The candidates as numbered markers: ``(lat, lon, number, clicked)``, ``number`` the
    rank (None: not ranked, shown as a dash), ``clicked`` for points added on the map (blue)
    against listed sites (dark)."""
    payload = []
    for lat, lon, number, clicked in markers:
        if not (math.isfinite(lat) and math.isfinite(lon)):
            continue
        # the label is a number or a dash, made here: never user text (and escaped all the same)
        label = "\u2013" if number is None else str(int(number))
        color = "#1f6feb" if clicked else "#332288"
        icon = _assets.render_template("app/number_icon.html.j2", color=color, label=label)
        payload.append([round(float(lat), 6), round(float(lon), 6), icon.strip()])
    group = folium.FeatureGroup(name="candidates")
    _Markers(payload).add_to(group)
    return group
