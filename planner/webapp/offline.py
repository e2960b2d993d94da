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
import functools
import math
from collections.abc import Sequence

import folium

from planner.render import assets as _assets

__all__ = [
    "use_packaged_assets", "click_map", "context_geojson", "marker_group", "packaged_links",
    "MAP_CENTER", "MAP_ZOOM",
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


def _number_icon(label: str, color: str) -> folium.DivIcon:
    # label is a number or a dash, made here: never user text (and escaped all the same)
    return folium.DivIcon(
        html=_assets.render_template("app/number_icon.html.j2", color=color, label=label).strip(),
        icon_size=(26, 26),
        icon_anchor=(13, 13),
        class_name="planner-num-icon",
    )


def context_geojson(layers) -> tuple[tuple[str, dict], ...]:
    """The drawn layers as GeoJSON mappings (geometry only, EPSG:4326 at this edge): made
    once per layer set and reused for every map."""
    out = []
    for key in ("constraints", "cities", "zones", "transport", "bakad"):
        gdf = layers.layers.get(key)
        if gdf is None or not len(gdf):
            continue
        geo = gdf[~gdf.geom_type.isin(["Point", "MultiPoint"])][["geometry"]].to_crs(4326)
        if len(geo):
            out.append((key, geo.__geo_interface__))
    return tuple(out)


def click_map(layers, context: tuple[tuple[str, dict], ...] | None = None) -> folium.Map:
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
    for key, data in context if context is not None else context_geojson(layers):
        style = dict(_STYLE[key])
        folium.GeoJson(
            data,
            name=key,
            style_function=lambda _f, s=style: s,
            interactive=False,
            control=False,
        ).add_to(m)
    return use_packaged_assets(m)


def marker_group(markers: Sequence[tuple[float, float, int | None, bool]]) -> folium.FeatureGroup:
    """The candidates as numbered markers: ``(lat, lon, number, clicked)``, ``number`` the
    rank (None: not ranked, shown as a dash), ``clicked`` for points added on the map (blue)
    against listed sites (dark)."""
    group = folium.FeatureGroup(name="candidates")
    for lat, lon, number, clicked in markers:
        if not (math.isfinite(lat) and math.isfinite(lon)):
            continue
        label = "\u2013" if number is None else str(int(number))
        color = "#1f6feb" if clicked else "#332288"
        folium.Marker([float(lat), float(lon)], icon=_number_icon(label, color)).add_to(group)
    return group
