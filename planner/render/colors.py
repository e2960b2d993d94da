"""Every colour of the maps and the comparison report, in one place.

* :data:`SCORE_RAMP`: the one colour ramp for scores (sites on the map, the suitability
  surface image and both legend ramps): branca's viridis (perceptually uniform, readable for
  colour-blind users), sampled at :data:`RAMP_STOPS` evenly spaced stops that the browser
  interpolates between; :data:`COLOUR_STOPS` lists them as ``(percent, "#rrggbb")``.
* :data:`STATUS_COLORS`: zone fill by status as of the map date.
* :func:`feature_style`: the Leaflet style of each layer feature kind.
* :func:`page_colors`: the colours the page's script draws with (site colours, the legend),
  as JSON data; legend symbols take their colours from the styles above, so a legend swatch
  can never disagree with what the map draws. ``static/planner.js`` has no colour of its own.
* :data:`CRITERION_COLORS`: one colour per criterion in the report's bar chart.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from branca.colormap import LinearColormap, linear

__all__ = [
    "COLOUR_STOPS",
    "CRITERION_COLORS",
    "EXCLUDED_COLOR",
    "SITE_OUTLINE_COLOR",
    "RAMP_STOPS",
    "SCORE_RAMP",
    "STATUS_COLORS",
    "SURFACE_EXCLUDED_RGBA",
    "criterion_color",
    "feature_style",
    "ink",
    "page_colors",
    "ramp_lut",
]

#: stops of the score ramp the browser interpolates between (site colours, legend gradients)
RAMP_STOPS = 9
#: scores 0-100 to colours: branca's viridis at RAMP_STOPS evenly spaced stops
SCORE_RAMP = LinearColormap(
    [linear.viridis.rgba_floats_tuple(k / (RAMP_STOPS - 1)) for k in range(RAMP_STOPS)],
    vmin=0.0,
    vmax=100.0,
)
#: the ramp's stops as (score 0-100, "#rrggbb")
COLOUR_STOPS: tuple[tuple[float, str], ...] = tuple(
    (float(v), SCORE_RAMP.rgb_hex_str(v)) for v in SCORE_RAMP.index
)
#: sites excluded from the ranking (national park, water, outside the region)
EXCLUDED_COLOR = "#9e9e9e"
#: the outline of a site's circle (drawn up to 5,000 sites)
SITE_OUTLINE_COLOR = "#222222"
#: excluded cells of the suitability surface image (grey, semi-transparent)
SURFACE_EXCLUDED_RGBA = (150, 150, 150, 140)
#: zone fill colours by status as of the map date
STATUS_COLORS = {
    "operating": "#1a9850",
    "under_construction": "#fdae61",
    "planned": "#8073ac",
    "none": "#bdbdbd",
}
#: one colour per criterion (Paul Tol's muted scheme + 3), alternating dark and light so
#: that neighbouring segments stay apart in black-and-white print
CRITERION_COLORS = {
    "interchange": "#332288",
    "bakad": "#88CCEE",
    "zone": "#117733",
    "almaty": "#DDCC77",
    "gate_city": "#AA4499",
    "konaev": "#CC6677",
    "zone_proximity": "#44AA99",
    "rail": "#882255",
    "highway": "#999933",
    "airport": "#E69F00",
    "khorgos": "#6699CC",
    "housing": "#BBBBBB",
}
_CRITERION_FALLBACK = "#777777"
_ZONE_OUTLINE = "#333333"  # the dashed outline that marks an SEZ

#: Leaflet path options per feature kind (zones and the region are styled in feature_style)
_STYLES: dict[str, dict[str, Any]] = {
    "ring_road": {"color": "#b2182b", "weight": 5, "opacity": 0.9},
    "interchange": {"radius": 5, "color": "#b2182b", "weight": 2, "fillColor": "#ffffff",
                    "fillOpacity": 1},
    "city_outline": {"color": "#636363", "weight": 1.2, "fillColor": "#cfcfcf",
                     "fillOpacity": 0.35},
    "planned_district": {"color": "#762a83", "weight": 2, "dashArray": "6 4",
                         "fillColor": "#c2a5cf", "fillOpacity": 0.3},
    "settlement": {"color": "#969696", "weight": 0.8, "fillColor": "#d9d9d9",
                   "fillOpacity": 0.55},
    "residential": {"color": "#969696", "weight": 0.8, "dashArray": "4 3",
                    "fillColor": "#d9d9d9", "fillOpacity": 0.45},
    "city_centre": {"radius": 4, "color": "#000000", "weight": 1, "fillColor": "#000000",
                    "fillOpacity": 1},
    "highway": {"color": "#e08214", "weight": 3, "opacity": 0.9},
    "railway": {"color": "#333333", "weight": 2, "dashArray": "6 4"},
    "rail_station": {"radius": 4, "color": "#333333", "weight": 1.5, "fillColor": "#ffffff",
                     "fillOpacity": 1},
    "freight_yard": {"radius": 5, "color": "#333333", "weight": 1.5, "fillColor": "#bababa",
                     "fillOpacity": 1},
    "airport": {"radius": 7, "color": "#08306b", "weight": 2, "fillColor": "#4292c6",
                "fillOpacity": 1},
    "logistics_target": {"radius": 7, "color": "#543005", "weight": 2, "fillColor": "#bf812d",
                         "fillOpacity": 1},
    "exclusion": {"color": "#238b45", "weight": 1, "fillColor": "#74c476", "fillOpacity": 0.28},
    "water": {"color": "#4292c6", "weight": 1, "fillColor": "#9ecae1", "fillOpacity": 0.8},
    "city_limits": {"color": "#525252", "weight": 1.5, "dashArray": "3 4", "fill": False},
    "admin_boundary": {"color": "#8c6d31", "weight": 1, "dashArray": "2 4", "fill": False},
}  # fmt: skip
_DEFAULT_STYLE = {"color": "#555555", "weight": 1.5, "fillOpacity": 0.2}


def feature_style(kind: str, status: str | None, area_ha: float, basemap: str) -> dict:
    """Leaflet path options of one layer feature (no ``None`` values)."""
    if kind == "region":
        return {
            "color": "#6b6b6b",
            "weight": 1.5,
            "fillColor": "#fbfaf4",
            "fillOpacity": 0.0 if basemap == "osm" else 1.0,
            "interactive": False,
        }
    if kind in ("industrial_zone", "sez"):
        color = STATUS_COLORS.get(status or "none", STATUS_COLORS["none"])
        big = area_ha > 10_000  # SEZ Alatau covers ~96,500 ha: keep what lies under it visible
        style = {
            "color": _ZONE_OUTLINE if kind == "sez" else color,
            "weight": 2.5 if kind == "sez" else 1.5,
            "dashArray": "8 5" if kind == "sez" else None,
            "fillColor": color,
            "fillOpacity": 0.18 if big else 0.5,
        }
        return {k: v for k, v in style.items() if v is not None}
    return dict(_STYLES.get(kind, _DEFAULT_STYLE))


def _line(kind: str, width: int) -> dict:
    style = _STYLES[kind]
    return {"shape": "line", "stroke": style["color"], "width": width,
            "dash": "dashArray" in style}  # fmt: skip


@functools.cache
def page_colors() -> dict:
    """The colours the page's script draws sites and the legend with, as JSON-ready data.

    ``ramp`` (score ramp stops), ``excluded`` (excluded sites), ``siteOutline`` (the circle
    around a site), ``zones`` (status -> fill), ``zoneOpacity``, ``sez``, ``approximate``
    (a zone of unknown outline) and ``lines``
    (symbols for the SEZ outline, BAKAD, its interchanges, highways and railways, from the
    same styles the map draws them with).
    """
    ic = _STYLES["interchange"]
    return {
        "ramp": [[p, c] for p, c in COLOUR_STOPS],
        "excluded": EXCLUDED_COLOR,
        "siteOutline": SITE_OUTLINE_COLOR,
        "zones": dict(STATUS_COLORS),
        "zoneOpacity": 0.75,
        "sez": {"shape": "swatch", "fill": "#ffffff", "stroke": _ZONE_OUTLINE, "width": 2,
                "dash": True},
        # a zone of unknown outline: the dashed circle of its placement error
        "approximate": {"shape": "dot", "fill": "#ffffff", "stroke": _ZONE_OUTLINE,
                        "width": 1.5, "dash": True},
        "lines": {
            "legend_bakad": _line("ring_road", 4),
            "legend_interchange": {"shape": "dot", "fill": ic["fillColor"], "stroke": ic["color"],
                                   "width": ic["weight"], "dash": False},
            "legend_highway": _line("highway", 3),
            "legend_railway": _line("railway", 3),
        },
    }  # fmt: skip


@functools.cache
def ramp_lut() -> np.ndarray:
    """256 RGB colours of :data:`SCORE_RAMP` (index = round(score * 2.55)), uint8."""
    values = np.linspace(SCORE_RAMP.vmin, SCORE_RAMP.vmax, 256)
    rgb = np.array([SCORE_RAMP.rgba_floats_tuple(v)[:3] for v in values])
    lut = np.round(rgb * 255).astype(np.uint8)
    lut.setflags(write=False)
    return lut


def criterion_color(key: str) -> str:
    return CRITERION_COLORS.get(key, _CRITERION_FALLBACK)


def ink(hex_color: str) -> str:
    """Black or white, whichever reads better on ``hex_color`` (``#rrggbb``)."""
    r, g, b = (int(hex_color[k : k + 2], 16) / 255 for k in (1, 3, 5))
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#000" if lum > 0.5 else "#fff"


def isochrone_colors(n: int) -> list[str]:
    """``n`` fill colours of isochrone bands, nearest band first: branca's YlOrRd reversed
    (dark red near, pale yellow far), a ramp distinct from the scores' viridis."""
    ramp = linear.YlOrRd_09
    if n <= 1:
        return [ramp.rgb_hex_str(ramp.vmax)]
    return [ramp.rgb_hex_str(ramp.vmax - (ramp.vmax - ramp.vmin) * k / (n - 1) * 0.85)
            for k in range(n)]  # fmt: skip
