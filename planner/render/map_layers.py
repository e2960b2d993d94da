"""The layers of a map as GeoJSON for the page: geometry, tooltip, popup rows and style.

One FeatureCollection per layer group (context, constraints, cities, zones, transport,
BAKAD), coordinates rounded to 5 decimals (about 1 m). Styles come from
:func:`planner.render.colors.feature_style`; zones are coloured by their status as of the
map date and drawn big first, so small ones lie on top.
"""

from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner import i18n
from planner.core.layerset import status_as_of
from planner.render import placeholders
from planner.render.colors import feature_style

__all__ = ["COORD_DP", "layer_payload", "round_geom"]

COORD_DP = 5  # ~1 m: plenty for a map, and half the bytes of full precision


def round_geom(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(geoms, lambda c: np.round(c, COORD_DP))


def _fmt_ha(v, lang: str) -> str | None:
    text = i18n.format_number(v, lang, 0, grouping=True, missing="")
    return f"{text} {i18n.label('ha', lang)}" if text else None


def _feature_rows(rec: dict, lang: str, status: str | None) -> list[list[str]]:
    t = i18n.labels(lang)
    rows = [[t["kind"], i18n.kind_label(str(rec.get("kind")), lang)]]
    if status is not None:
        rows.append([t["status"], i18n.status_label(status, lang)])
    for key, field in (("area", "area_ha"), ("free", "free_ha")):
        val = _fmt_ha(rec.get(field), lang)
        if val:
            rows.append([t[key], val])
    if isinstance(rec.get("sectors"), str) and rec["sectors"].strip():
        rows.append([t["sectors"], rec["sectors"]])
    ch = rec.get("chainage_km")
    if ch is not None and not (isinstance(ch, float) and math.isnan(ch)):
        rows.append([t["chainage"], i18n.format_number(ch, lang, 1)])
    acc = rec.get("accuracy_m")
    if acc is not None and not (isinstance(acc, float) and math.isnan(acc)):
        key = "estimated" if bool(rec.get("estimated")) else "exact"
        rows.append(["", t[key].format(m=i18n.format_number(acc, lang))])
    if rec.get("source"):
        rows.append([t["source"], str(rec["source"])])
    return rows


def _features(
    gdf: gpd.GeoDataFrame,
    lang: str,
    basemap: str,
    statuses: np.ndarray | None = None,
    labelled_kinds: tuple[str, ...] = (),
) -> dict:
    """A GeoJSON FeatureCollection for one group, with tooltip, popup rows and style."""
    if len(gdf) == 0:
        return {"type": "FeatureCollection", "features": []}
    names = i18n.feature_names(gdf, lang).tolist()
    geoms = round_geom(gdf.geometry.to_numpy())
    area = pd.to_numeric(gdf.get("area_ha"), errors="coerce") if "area_ha" in gdf else None
    recs = gdf.drop(columns=gdf.geometry.name).to_dict("records")
    feats = []
    for i, (rec, geom) in enumerate(zip(recs, geoms, strict=True)):
        if geom is None or geom.is_empty:
            continue
        kind = str(rec.get("kind"))
        status = None if statuses is None else str(statuses[i])
        a = float(area.iloc[i]) if area is not None and pd.notna(area.iloc[i]) else 0.0
        props = {
            "t": names[i],
            "h": names[i],
            "r": _feature_rows(rec, lang, status),
            "s": feature_style(kind, status, a, basemap),
        }
        if kind in labelled_kinds:
            props["lbl"] = 1
        if rec.get("approximate") is True:  # outline unknown: the uncertainty circle
            props["s"] = {**props["s"], **placeholders.STYLE}
        feats.append({"type": "Feature", "geometry": geom.__geo_interface__, "properties": props})
    return {"type": "FeatureCollection", "features": feats}


def layer_payload(layers, lang: str, basemap: str, as_of: dt.date) -> dict[str, dict]:
    cons = layers["constraints"]
    zones = placeholders.as_placeholders(layers["zones"])
    statuses = status_as_of(zones, as_of)
    area = pd.to_numeric(zones["area_ha"], errors="coerce").fillna(0.0).to_numpy()
    order = np.argsort(-area, kind="stable")  # big zones first, so small ones are drawn on top
    transport = layers["transport"]
    tkind = transport["kind"].to_numpy()
    t_order = np.argsort(np.select([np.isin(tkind, ["highway", "railway"])], [0], 1), kind="stable")
    cities = placeholders.as_placeholders(layers["cities"])
    c_order = np.argsort(
        np.select([cities["kind"].to_numpy() == "city_centre"], [1], 0), kind="stable"
    )
    bakad = layers["bakad"]
    b_order = np.argsort(
        np.select([bakad["kind"].to_numpy() == "interchange"], [1], 0), kind="stable"
    )
    return {
        "context": _features(cons[cons["kind"] == "region"], lang, basemap),
        "constraints": _features(cons[cons["kind"] != "region"], lang, basemap),
        "cities": _features(cities.iloc[c_order], lang, basemap, labelled_kinds=("city_centre",)),
        "zones": _features(zones.iloc[order], lang, basemap, statuses=statuses[order]),
        "transport": _features(transport.iloc[t_order], lang, basemap),
        "bakad": _features(bakad.iloc[b_order], lang, basemap),
    }
