"""Isochrone bands on the map: one toggleable layer of polygons, coloured by band.

The bands come from :func:`planner.core.isochrones.isochrone_bands` (metric CRS); they are
drawn in EPSG:4326 with coordinates rounded to 5 decimals (about 1 m), in their own pane
under the zones and sites (the region's opaque outline moves to the context pane beneath
them), not interactive, so clicks still reach the sites; the legend lists each band
("15–30 мин по дорогам до развязки БАКАД"). Every text is from the catalog; the layer name
is HTML-escaped (the layer control puts it into innerHTML), the legend escapes its texts.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import shapely

from planner import crs as _crs
from planner import i18n
from planner.render.assets import html_text
from planner.render.colors import isochrone_colors
from planner.render.surface_image import CONTEXT_PANE, CONTEXT_Z

__all__ = ["ISOCHRONE_OPACITY", "add_isochrone_layer", "isochrone_texts"]

_PANE = "plannerIsochrones"
#: above the context outline (300) and the surface image (350), under zones and sites (400)
_PANE_Z = 370
#: fill opacity of the bands (the legend swatches use the same)
ISOCHRONE_OPACITY = 0.35


def _minutes(v: float, lang: str) -> str:
    return i18n.format_number(v, lang, significant=4)


def isochrone_texts(bands: gpd.GeoDataFrame, lang: str, indicative: bool) -> dict:
    """Layer name, per-band labels and the map note of ``bands`` in ``lang``."""
    target = str(bands["target"].iloc[0]) if len(bands) else "interchange"
    phrase = i18n.t(f"isochrones.target.{target}", lang)
    labels = [
        i18n.t("isochrones.band", lang, lo=_minutes(lo, lang), hi=_minutes(hi, lang),
               target=phrase)
        for lo, hi in zip(bands["min_from"], bands["min_to"], strict=True)
    ]  # fmt: skip
    cell = float(bands["cell_m"].iloc[0]) if len(bands) else 0.0
    note = i18n.t("isochrones.note", lang, target=phrase,
                  cell=i18n.format_number(cell, lang, grouping=True))  # fmt: skip
    if indicative:
        note += " " + i18n.t("isochrones.indicative", lang)
    return {"layer": i18n.t("isochrones.layer", lang, target=phrase), "labels": labels,
            "note": note}  # fmt: skip


def add_isochrone_layer(
    m: folium.Map,
    bands: gpd.GeoDataFrame,
    lang: str,
    indicative: bool = False,
    context_pane: bool = True,
) -> tuple[folium.GeoJson, dict]:
    """Add ``bands`` as one layer (in the layer control); return it and its payload
    (``title``, ``bands`` with ``label`` and ``fill``, ``opacity``, ``note``,
    ``contextPane``). ``context_pane``: also add the context pane (not when the surface
    image added it)."""
    texts = isochrone_texts(bands, lang, indicative)
    colors = isochrone_colors(len(bands))
    geo = _crs.to_geographic(bands) if bands.crs != _crs.GEOGRAPHIC_CRS else bands
    geoms = shapely.set_precision(np.asarray(geo.geometry.array), 1e-5)
    data = gpd.GeoDataFrame(
        {"fill": colors},
        geometry=geoms, crs=_crs.GEOGRAPHIC_CRS,
    )  # fmt: skip
    if context_pane:
        folium.map.CustomPane(CONTEXT_PANE, z_index=CONTEXT_Z, pointer_events=False).add_to(m)
    folium.map.CustomPane(_PANE, z_index=_PANE_Z, pointer_events=False).add_to(m)
    layer = folium.GeoJson(
        data.__geo_interface__,
        name=str(html_text(texts["layer"])),
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "color": f["properties"]["fill"],
            "weight": 0.5,
            "fillOpacity": ISOCHRONE_OPACITY,
        },
        overlay=True,
        control=True,
        show=True,
        pane=_PANE,
        interactive=False,
        smooth_factor=0.5,
    ).add_to(m)
    info = {
        "title": texts["layer"],
        "bands": [
            {"label": lab, "fill": c} for lab, c in zip(texts["labels"], colors, strict=True)
        ],
        "opacity": ISOCHRONE_OPACITY,
        "note": texts["note"],
        "contextPane": CONTEXT_PANE,
    }
    return layer, info
