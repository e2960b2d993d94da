"""Interactive offline maps (folium / Leaflet) of the layers, scored sites and company results.

:func:`build_map` returns a :class:`folium.Map` (notebooks display it as is);
:func:`save_map` writes it as one self-contained HTML file that opens with no network:
Leaflet, jQuery and the plugins are inlined (:mod:`planner.render.assets`), markers are circles
or ``divIcon``s (no image files), and a Content-Security-Policy blocks every request.
:func:`make_map` is what ``planner map`` runs: read the inputs, build, save.

Data reaches the page as JSON only (``<`` ``>`` ``&`` escaped, so ``</script>`` in a name
cannot end the script) and one script (:data:`planner.render.assets.PLANNER_JS`) draws it; every
string it puts into HTML is escaped there. No folium ``Popup``/``Tooltip``/``GeoJsonTooltip``
is used, because folium puts their text into HTML or JS template literals unescaped.
Layer names in the layer control are HTML-escaped here.

A suitability surface (:mod:`planner.core.surface`) is drawn as one PNG image (a ``data:`` URI,
resampled to Web Mercator) in its own pane between the schematic region outline and the
vector layers, so zones, sites and BAKAD stay on top of it.

Scale: sites go into one GeoJSON layer drawn on the canvas renderer, built in the browser
from columns (lon/lat rounded to 5 decimals, about 1 m), with popups and tooltips bound on
the first click or hover; only the top-K sites become individual (numbered) markers.
"""

from __future__ import annotations

import datetime as dt
import difflib
import html
import json
import logging
import math
import os
import re
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium import plugins

from planner import crs as _crs
from planner import i18n
from planner._atomic import atomic_output, check_writable
from planner.config.scenarios import CRITERIA
from planner.errors import InputError, OutputError
from planner.inputs.layers import LAYER_NAMES, parse_as_of, status_as_of
from planner.render import assets as _assets

__all__ = [
    "BASEMAPS",
    "STATUS_COLORS",
    "RAW_COLUMNS",
    "MapInputError",
    "build_map",
    "save_map",
    "make_map",
    "read_scored",
    "read_results",
    "select_company",
    "map_html",
    "read_surface_file",
]

log = logging.getLogger(__name__)

BASEMAPS = ("none", "osm")
#: zone fill colours by status as of the map date
STATUS_COLORS = {
    "operating": "#1a9850",
    "under_construction": "#fdae61",
    "planned": "#8073ac",
    "none": "#bdbdbd",
}
#: criterion key -> the raw column shown beside its points in popups (contract)
RAW_COLUMNS = CRITERIA
#: site rows whose `why` text goes into the page when there are many sites (best ranks first)
WHY_MAX_SITES = 5000
#: companies listed in one site's popup on the best-site-per-company map
COMPANIES_PER_POPUP = 30
_COORD_DP = 5  # ~1 m: plenty for a map, and half the bytes of full precision
_JINJA_OPEN = re.compile(r"\{(?=[{%#])")
#: the surface image is at most this many pixels wide or high
SURFACE_MAX_PX = 1024
#: Leaflet panes (z-index): tiles 200 < region outline < surface image < vectors 400
_CONTEXT_PANE, _CONTEXT_Z = "plannerContext", 300
_SURFACE_PANE, _SURFACE_Z = "plannerSurface", 350
_SURFACE_SUFFIXES = (".tif", ".tiff", ".npz")


class MapInputError(InputError):
    """A scored-sites or results table cannot be mapped (missing columns, bad values)."""


# --------------------------------------------------------------------------- JSON for the page


def _json_for_script(obj: Any) -> str:
    """JSON that is safe inside ``<script>`` and inside a Jinja template.

    No raw ``<``, ``>``, ``&`` (so ``</script>`` or ``<!--`` in the data cannot end or
    confuse the script element), no raw line separators, and no ``{{``/``{%``/``{#``: a
    ``{`` before ``{``, ``%`` or ``#`` is written ``\\u007b``; in compact JSON that only
    happens inside strings, so the value is unchanged.
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = _JINJA_OPEN.sub(r"\\u007b", text)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _floats(values, digits: int) -> list:
    arr = np.asarray(values, dtype="f8")
    out = np.round(arr, digits).tolist()
    bad = ~np.isfinite(arr)
    if bad.any():
        for i in np.flatnonzero(bad):
            out[i] = None
    return out


def _texts(values) -> list[str]:
    s = pd.Series(values, dtype=object)
    return s.where(s.notna(), "").astype(str).tolist()


def _categorical(values) -> dict:
    """``{"v": distinct values, "c": code per row}``: small for repetitive text columns."""
    codes, uniques = pd.factorize(pd.Series(_texts(values), dtype=object), sort=False)
    return {"v": [str(u) for u in uniques], "c": codes.tolist()}


# --------------------------------------------------------------------------- layer features


def _round_geom(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(geoms, lambda c: np.round(c, _COORD_DP))


def _fmt_ha(v, lang: str) -> str | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(f):
        return None
    return f"{f:,.0f}".replace(",", "\u202f") + " " + i18n.label("ha", lang)


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
        rows.append([t["chainage"], str(ch)])
    acc = rec.get("accuracy_m")
    if acc is not None and not (isinstance(acc, float) and math.isnan(acc)):
        key = "estimated" if bool(rec.get("estimated")) else "exact"
        rows.append(["", t[key].format(m=f"{float(acc):.0f}")])
    if rec.get("source"):
        rows.append([t["source"], str(rec["source"])])
    return rows


def _style(kind: str, status: str | None, area_ha: float, basemap: str) -> dict:
    if kind == "region":
        fill = 0.0 if basemap == "osm" else 1.0
        return {
            "color": "#6b6b6b",
            "weight": 1.5,
            "fillColor": "#fbfaf4",
            "fillOpacity": fill,
            "interactive": False,
        }
    if kind in ("industrial_zone", "sez"):
        color = STATUS_COLORS.get(status or "none", STATUS_COLORS["none"])
        big = area_ha > 10_000  # SEZ Alatau covers ~96,500 ha: keep what lies under it visible
        return {
            "color": "#333333" if kind == "sez" else color,
            "weight": 2.5 if kind == "sez" else 1.5,
            "dashArray": "8 5" if kind == "sez" else None,
            "fillColor": color,
            "fillOpacity": 0.18 if big else 0.5,
        }
    styles = {
        "ring_road": {"color": "#b2182b", "weight": 5, "opacity": 0.9},
        "interchange": {
            "radius": 5,
            "color": "#b2182b",
            "weight": 2,
            "fillColor": "#ffffff",
            "fillOpacity": 1,
        },
        "city_outline": {
            "color": "#636363",
            "weight": 1.2,
            "fillColor": "#cfcfcf",
            "fillOpacity": 0.35,
        },
        "planned_district": {
            "color": "#762a83",
            "weight": 2,
            "dashArray": "6 4",
            "fillColor": "#c2a5cf",
            "fillOpacity": 0.3,
        },
        "settlement": {
            "color": "#969696",
            "weight": 0.8,
            "fillColor": "#d9d9d9",
            "fillOpacity": 0.55,
        },
        "city_centre": {
            "radius": 4,
            "color": "#000000",
            "weight": 1,
            "fillColor": "#000000",
            "fillOpacity": 1,
        },
        "highway": {"color": "#e08214", "weight": 3, "opacity": 0.9},
        "railway": {"color": "#333333", "weight": 2, "dashArray": "6 4"},
        "rail_station": {
            "radius": 4,
            "color": "#333333",
            "weight": 1.5,
            "fillColor": "#ffffff",
            "fillOpacity": 1,
        },
        "freight_yard": {
            "radius": 5,
            "color": "#333333",
            "weight": 1.5,
            "fillColor": "#bababa",
            "fillOpacity": 1,
        },
        "airport": {
            "radius": 7,
            "color": "#08306b",
            "weight": 2,
            "fillColor": "#4292c6",
            "fillOpacity": 1,
        },
        "logistics_target": {
            "radius": 7,
            "color": "#543005",
            "weight": 2,
            "fillColor": "#bf812d",
            "fillOpacity": 1,
        },
        "exclusion": {"color": "#238b45", "weight": 1, "fillColor": "#74c476", "fillOpacity": 0.28},
        "water": {"color": "#4292c6", "weight": 1, "fillColor": "#9ecae1", "fillOpacity": 0.8},
        "city_limits": {"color": "#525252", "weight": 1.5, "dashArray": "3 4", "fill": False},
    }
    return dict(styles.get(kind, {"color": "#555555", "weight": 1.5, "fillOpacity": 0.2}))


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
    geoms = _round_geom(gdf.geometry.to_numpy())
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
            "s": {k: v for k, v in _style(kind, status, a, basemap).items() if v is not None},
        }
        if kind in labelled_kinds:
            props["lbl"] = 1
        feats.append({"type": "Feature", "geometry": geom.__geo_interface__, "properties": props})
    return {"type": "FeatureCollection", "features": feats}


def _layer_payload(layers, lang: str, basemap: str, as_of: dt.date) -> dict[str, dict]:
    cons = layers["constraints"]
    zones = layers["zones"]
    statuses = status_as_of(zones, as_of)
    area = pd.to_numeric(zones["area_ha"], errors="coerce").fillna(0.0).to_numpy()
    order = np.argsort(-area, kind="stable")  # big zones first, so small ones are drawn on top
    transport = layers["transport"]
    tkind = transport["kind"].to_numpy()
    t_order = np.argsort(np.select([np.isin(tkind, ["highway", "railway"])], [0], 1), kind="stable")
    cities = layers["cities"]
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


# --------------------------------------------------------------------------- site tables


def _criteria_keys(df: pd.DataFrame) -> list[str]:
    keys = [c[2:] for c in df.columns if c.startswith("c_") and len(c) > 2]
    known = [k for k in i18n.CRITERIA if k in keys]
    return known + sorted(k for k in keys if k not in i18n.CRITERIA)


def _why_column(df: pd.DataFrame, lang: str) -> str | None:
    for col in (f"why_{lang}", "why_ru", "why_en"):
        if col in df.columns:
            return col
    return None


def _site_table(df: pd.DataFrame, lang: str, why_rows: np.ndarray | None = None) -> dict:
    """Columns of the sites for the page (rows in ``df`` order)."""
    n = len(df)
    rank = (
        pd.to_numeric(df["rank"], errors="coerce") if "rank" in df else pd.Series(np.nan, df.index)
    )
    ids = _texts(df["site_id"]) if "site_id" in df else [str(i + 1) for i in range(n)]
    names = _texts(df["name"]) if "name" in df else ids
    keys = _criteria_keys(df)
    raw, kinds = [], []
    for k in keys:
        col = RAW_COLUMNS.get(k)
        if col in df.columns and col.endswith("_km"):
            raw.append(_floats(pd.to_numeric(df[col], errors="coerce"), 1))
            kinds.append("km")
        elif col in df.columns and col.endswith("_min"):  # travel time by road
            raw.append(_floats(pd.to_numeric(df[col], errors="coerce"), 1))
            kinds.append("min")
        elif col in df.columns:
            raw.append(_texts(df[col]))
            kinds.append("status")
        else:
            raw.append([None] * n)
            kinds.append("none")
    table: dict[str, Any] = {
        "lon": _floats(df["lon"], _COORD_DP),
        "lat": _floats(df["lat"], _COORD_DP),
        "score": _floats(pd.to_numeric(df["score"], errors="coerce"), 1),
        "rank": [None if pd.isna(r) else int(r) for r in rank.tolist()],
        "id": ids,
        "name": [None if nm == i else nm for nm, i in zip(names, ids, strict=True)],
        "zone": _categorical(df["zone_id"]) if "zone_id" in df else None,
        "zs": _categorical(df["zone_status"]) if "zone_status" in df else None,
        "crit": keys,
        "kind": kinds,
        "raw": raw,
        "pts": [_floats(pd.to_numeric(df[f"c_{k}"], errors="coerce"), 1) for k in keys],
    }
    if "in_almaty" in df.columns:
        table["inA"] = [bool(v) for v in _bools(df["in_almaty"])]
    if "exclusion_reason" in df.columns:
        excl = _categorical(df["exclusion_reason"])  # label the few distinct values only
        excl["v"] = [i18n.exclusion_label(v, lang) for v in excl["v"]]
        table["excl"] = excl
    wcol = _why_column(df, lang)
    if wcol is not None:
        rows = np.arange(n) if why_rows is None else why_rows
        texts = _texts(df[wcol].iloc[rows]) if len(rows) else []
        table["why"] = {str(int(i)): t for i, t in zip(rows, texts, strict=True) if t}
    return table


def _bools(values) -> np.ndarray:
    s = pd.Series(values, dtype=object)
    text = s.astype(str).str.strip().str.lower()
    return text.isin(["true", "1", "yes", "да", "1.0"]).to_numpy()


def _score_range(scores: np.ndarray) -> dict:
    s = scores[np.isfinite(scores)]
    if len(s) == 0:
        return {"lo": 0.0, "hi": 100.0}
    lo, hi = math.floor(float(s.min())), math.ceil(float(s.max()))
    if hi - lo < 1:
        lo, hi = max(0, hi - 1), max(hi, 1)
    return {"lo": float(lo), "hi": float(hi)}


# --------------------------------------------------------------------------- input tables


def _attr_or_col(df: pd.DataFrame, key: str) -> str | None:
    val = (getattr(df, "attrs", None) or {}).get(key)
    if val:
        return str(val)
    if key in df.columns and len(df):
        vals = df[key].dropna().astype(str).unique()
        if len(vals) == 1:
            return str(vals[0])
    return None


def _require(
    df: pd.DataFrame, cols: dict[str, tuple[str, ...]], where: str, fix: str
) -> dict[str, str]:
    """Map each required field to a column present (first alias found); one error if any missing."""
    found, missing = {}, []
    for field, aliases in cols.items():
        hit = next((a for a in aliases if a in df.columns), None)
        if hit is None:
            missing.append(" or ".join(f"`{a}`" for a in aliases))
        else:
            found[field] = hit
    if missing:
        shown = ", ".join(map(str, df.columns[:25])) + (", ..." if len(df.columns) > 25 else "")
        raise MapInputError(
            f"{where}: required column(s) {'; '.join(missing)} missing "
            f"(columns found: {shown}); {fix}"
        )
    return found


def _numeric_column(
    df: pd.DataFrame,
    col: str,
    where: str,
    row_label,
    problems: list[str],
    required: bool,
    lo: float | None = None,
    hi: float | None = None,
) -> np.ndarray:
    raw = df[col]
    if raw.dtype.kind in "fiub":
        vals = raw.to_numpy(dtype="f8", na_value=np.nan)
        text = raw.astype(str)
        missing = raw.isna().to_numpy()
    else:
        text = raw.astype(object).where(raw.notna(), "").astype(str).str.strip()
        vals = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
        vals = vals.to_numpy(dtype="f8", na_value=np.nan)
        missing = (text == "").to_numpy()
    bad = ~np.isfinite(vals) if required else (~np.isfinite(vals) & ~missing)
    if lo is not None:
        bad |= np.isfinite(vals) & ((vals < lo) | (vals > hi))
    for i in np.flatnonzero(bad)[:10]:
        problems.append(
            f"{where} {row_label(i)}, column `{col}`: {str(text.iloc[i])[:40]!r} is not "
            + (f"a number in {lo:g}..{hi:g}" if lo is not None else "a number")
        )
    if bad.sum() > 10:
        problems.append(f"{where}: {int(bad.sum()) - 10} more bad value(s) in column `{col}`")
    return vals


def _read_any(path: Path, what: str) -> tuple[pd.DataFrame, str]:
    """Read a .csv/.xlsx/.gpkg/.geojson table; returns it and the row-numbering unit."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise MapInputError(f"{what} file {str(path)!r} does not exist; check the path")
    if suffix in (".gpkg", ".geojson", ".json"):
        try:
            layer = None
            if suffix == ".gpkg":
                import pyogrio

                names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
                # `planner score` writes results/companies/allocation layers: take ours by name
                layer = what if what in names else names[0]
            gdf = gpd.read_file(path, layer=layer, engine="pyogrio")
        except Exception as exc:  # pyogrio raises its own DataSourceError family
            raise MapInputError(
                f"cannot read {what} file {str(path)!r}: {exc}; give the file written by planner"
            ) from exc
        if gdf.geometry.name in gdf.columns and gdf.crs is None and gdf.geometry.notna().any():
            raise MapInputError(f"{what} file {str(path)!r} has no CRS; write it with EPSG:4326")
        return gdf, "feature"
    if suffix == ".csv":
        try:
            data = path.read_bytes()
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise MapInputError(
                f"{what} file {str(path)!r} is not UTF-8 (byte {exc.start}); save it as UTF-8 "
                "(planner writes UTF-8 with BOM)"
            ) from exc
        header = text.split("\n", 1)[0]
        sep = max((",", ";", "\t"), key=header.count)
        import io

        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
        return df, "row"
    if suffix in (".xlsx", ".xlsm"):
        try:
            df = pd.read_excel(path, dtype=str, engine="openpyxl").fillna("")
        except Exception as exc:  # openpyxl raises zipfile/KeyError on non-xlsx data
            raise MapInputError(
                f"cannot read {what} file {str(path)!r} as Excel: {exc}; save it as .xlsx"
            ) from exc
        return df, "row"
    raise MapInputError(
        f"{what} file {str(path)!r}: unknown type {suffix or '(none)'}; use .gpkg, .geojson, "
        ".csv or .xlsx"
    )


def _row_labeller(unit: str):
    # spreadsheet rows as the user sees them: header is row 1, first data row is 2
    return (lambda i: f"row {i + 2}") if unit == "row" else (lambda i: f"feature {i + 1}")


def _coerce_numeric(
    df: pd.DataFrame, where: str, label, problems: list[str], required: tuple[str, ...]
):
    for col in df.columns:
        if col in ("lon", "lat", "score") and col in required:
            lo, hi = {"lon": (-180, 180), "lat": (-90, 90), "score": (0, 100)}[col]
            df[col] = _numeric_column(df, col, where, label, problems, True, lo, hi)
        elif (
            col == "rank"
            or col.startswith(("dist_", "c_", "u_"))
            or col in ("area_ha", "free_ha", "zone_free_ha")
        ):
            df[col] = _numeric_column(df, col, where, label, problems, False)


def _read_manifest(path: Path) -> dict:
    for cand in (path.with_name(path.name + ".manifest.json"), path.with_suffix(".manifest.json")):
        if cand.is_file():
            try:
                data = json.loads(cand.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                log.warning("ignoring unreadable manifest %s: %s", cand, exc)
                return {}
            return data if isinstance(data, dict) else {}
    return {}


def _manifest_attrs(man: dict) -> dict:
    out = {}
    sc = man.get("scenario")
    if isinstance(sc, dict):
        out["scenario"] = sc.get("name")
        out["scenario_hash"] = sc.get("hash") or man.get("scenario_hash")
    elif sc:
        out["scenario"] = sc
        out["scenario_hash"] = man.get("scenario_hash")
    if man.get("as_of"):
        out["as_of"] = str(man["as_of"])[:10]
    return {k: v for k, v in out.items() if v}


def read_scored(path: str | Path) -> gpd.GeoDataFrame:
    """Read back a file written by ``planner score-sites`` (.gpkg, .geojson or .csv).

    Sites need ``site_id``, ``score`` and a position (``lon``/``lat`` columns, or point/
    polygon geometry). Every bad value is collected and raised once. ``.attrs`` gets
    scenario, scenario_hash and as_of from a ``<file>.manifest.json`` beside it or from
    constant columns of those names.
    """
    path = Path(path)
    df, unit = _read_any(path, "scored sites")
    where = str(path)
    label = _row_labeller(unit)
    if isinstance(df, gpd.GeoDataFrame) and not {"lon", "lat"} <= set(df.columns):
        if df.geometry.isna().any() or df.geometry.is_empty.any():
            bad = np.flatnonzero((df.geometry.isna() | df.geometry.is_empty).to_numpy())
            raise MapInputError(
                f"{where}: {len(bad)} feature(s) without geometry or lon/lat, "
                f"e.g. {label(bad[0])}; give every site a position"
            )
        geo = _crs.to_geographic(df, what=where)
        pts = shapely.point_on_surface(geo.geometry.to_numpy())
        df = df.assign(lon=shapely.get_x(pts), lat=shapely.get_y(pts))
    _require(
        df,
        {"site_id": ("site_id",), "score": ("score",), "lon": ("lon",), "lat": ("lat",)},
        where,
        "give the file written by `planner score-sites`",
    )
    problems: list[str] = []
    df = pd.DataFrame(df.drop(columns=[c for c in ("geometry",) if c in df.columns])).copy()
    _coerce_numeric(df, where, label, problems, ("lon", "lat", "score"))
    if problems:
        raise MapInputError(
            f"{len(problems)} problem(s) in {where}; fix them and run again: " + "; ".join(problems)
        )
    out = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326")
    attrs = _manifest_attrs(_read_manifest(path))
    for key in ("scenario", "scenario_hash", "as_of"):
        attrs.setdefault(key, _attr_or_col(df, key))
    out.attrs = {k: v for k, v in attrs.items() if v}
    return out


def read_results(path: str | Path) -> pd.DataFrame:
    """Read the per-(company, rank) table of ``planner score`` (.csv, .xlsx, .gpkg, .geojson).

    Needs company_name (or name), rank, site_id, score, lon, lat; keeps every other column.
    ``company_name`` is always present in the result.
    """
    path = Path(path)
    df, unit = _read_any(path, "results")
    where = str(path)
    cols = _require(
        df,
        {
            "company": ("company_name", "name"),
            "rank": ("rank",),
            "site_id": ("site_id",),
            "score": ("score",),
            "lon": ("lon",),
            "lat": ("lat",),
        },
        where,
        "give the results table written by `planner score`",
    )
    df = pd.DataFrame(df.drop(columns=[c for c in ("geometry",) if c in df.columns])).copy()
    if cols["company"] != "company_name":
        df["company_name"] = df[cols["company"]]
    problems: list[str] = []
    label = _row_labeller(unit)
    _coerce_numeric(df, where, label, problems, ("lon", "lat", "score"))
    rank = df["rank"].to_numpy(dtype="f8")
    for i in np.flatnonzero(~np.isfinite(rank))[:10]:
        problems.append(f"{where} {label(i)}, column `rank`: empty; every result row needs a rank")
    if problems:
        raise MapInputError(
            f"{len(problems)} problem(s) in {where}; fix them and run again: " + "; ".join(problems)
        )
    df["company_name"] = _texts(df["company_name"])
    df.attrs = {k: v for k in ("scenario", "scenario_hash", "as_of") if (v := _attr_or_col(df, k))}
    df.attrs.update(_manifest_attrs(_read_manifest(path)))
    return df


def select_company(results: pd.DataFrame, company: str) -> pd.DataFrame:
    """Rows of one company (by company_name, case-insensitive, or company_id), best rank first."""
    want = company.strip().casefold()
    names = pd.Series(_texts(results["company_name"]), index=results.index)
    hit = names.str.strip().str.casefold() == want
    if not hit.any() and "company_id" in results.columns:
        hit = (
            pd.Series(_texts(results["company_id"]), index=results.index).str.strip()
            == company.strip()
        )
    if not hit.any():
        choices = sorted(set(names))
        close = difflib.get_close_matches(company, choices, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
        raise MapInputError(
            f"company {company!r} is not in the results ({len(choices)} companies, e.g. "
            f"{', '.join(repr(c) for c in choices[:3])}); {hint}give the name as in column "
            "`company_name` or the `company_id`"
        )
    rows = results[hit]
    return rows.sort_values("rank", kind="stable")


def _best_per_company(results: pd.DataFrame) -> tuple[pd.DataFrame, list, list]:
    """One row per site that is some company's best; companies listed per site.

    After ``planner score --allocate`` a company's allocated site counts as its best (the
    allocation may give it a lower-ranked site to respect land and share limits).
    """
    key = "company_id" if "company_id" in results.columns else "company_name"
    unallocated = np.zeros(len(results), dtype=bool)
    if "allocated" in results.columns:
        flag = pd.Series(results["allocated"]).astype("boolean").fillna(False).to_numpy(bool)
        if flag.any():
            unallocated = ~flag
    best = results.assign(_unallocated=unallocated).sort_values(
        ["_unallocated", "rank", "score"], ascending=[True, True, False], kind="stable"
    ).drop(columns="_unallocated")
    best = best.drop_duplicates(subset=[key], keep="first")
    best = best.sort_values(["site_id", "score"], ascending=[True, False], kind="stable")
    comp: list = []
    more: list = []
    groups = best.groupby("site_id", sort=False)
    rep = groups.head(1)
    for _, g in groups:
        pairs = [
            [n, None if not np.isfinite(s) else round(float(s), 1)]
            for n, s in zip(g["company_name"], g["score"], strict=True)
        ]
        comp.append(pairs[:COMPANIES_PER_POPUP])
        more.append(max(0, len(pairs) - COMPANIES_PER_POPUP))
    return rep, comp, more


# --------------------------------------------------------------------------- the map


class _PlannerLayers(MacroElement):
    """Runs ``plannerMap(map, groups, data)``: draws every group from the JSON payload.

    branca's ``MacroElement.render`` wraps a template's script output in ``Element(...)``,
    which compiles it as a Jinja template a second time: data such as ``{{ 7*7 }}`` would be
    evaluated (template injection). This element adds its script as raw text instead.
    """

    def __init__(self, groups: dict[str, folium.FeatureGroup], payload: dict):
        super().__init__()
        self._name = "PlannerLayers"
        self.groups_js = (
            "{" + ",".join(f"{json.dumps(k)}:{g.get_name()}" for k, g in groups.items()) + "}"
        )
        self.payload_js = _json_for_script(payload)

    def render(self, **kwargs) -> None:
        js = f"plannerMap({self._parent.get_name()}, {self.groups_js}, {self.payload_js});"
        self.get_root().script.add_child(_assets.raw_element(js), name=self.get_name())


def _bounds(layers, tables: list[dict], boxes=()) -> list[list[float]]:
    """[[south, west], [north, east]] around BAKAD, the city centres, the sites of
    ``tables`` (1st-99th percentile) and ``boxes`` (west, south, east, north)."""
    b = layers["bakad"].total_bounds
    west, south, east, north = b
    for w, s, e, n in boxes:
        west, south, east, north = min(west, w), min(south, s), max(east, e), max(north, n)
    centres = layers.kind("cities", "city_centre")
    if len(centres):
        cb = centres.total_bounds
        west, south, east, north = (
            min(west, cb[0]),
            min(south, cb[1]),
            max(east, cb[2]),
            max(north, cb[3]),
        )
    for t in tables:
        lon = np.array([v for v in t["lon"] if v is not None], dtype="f8")
        lat = np.array([v for v in t["lat"] if v is not None], dtype="f8")
        if len(lon):
            west, east = min(west, np.percentile(lon, 1)), max(east, np.percentile(lon, 99))
            south, north = min(south, np.percentile(lat, 1)), max(north, np.percentile(lat, 99))
    pad_x, pad_y = (east - west) * 0.03, (north - south) * 0.03
    return [
        [round(south - pad_y, 5), round(west - pad_x, 5)],
        [round(north + pad_y, 5), round(east + pad_x, 5)],
    ]


def _html_label(text: str) -> str:
    """``text`` escaped for innerHTML and for folium's second Jinja pass over scripts."""
    return html.escape(text).replace("{", "&#123;").replace("}", "&#125;")


def _group(m: folium.Map, text: str, show: bool = True) -> folium.FeatureGroup:
    # the layer control puts names into innerHTML, and folium renders its script through
    # Jinja twice: escape HTML and braces
    return folium.FeatureGroup(
        name=_html_label(text), overlay=True, control=True, show=show
    ).add_to(m)


def read_surface_file(path: str | os.PathLike):
    """:func:`planner.core.surface.read_surface` with a clear :class:`MapInputError` for a
    missing, unsupported or unreadable file."""
    from planner.core.surface import read_surface

    path = Path(path)
    if path.suffix.lower() not in _SURFACE_SUFFIXES:
        raise MapInputError(
            f"surface file {str(path)!r}: unknown type {path.suffix or '(none)'!r}; give the "
            ".tif or .npz written by `planner surface`, e.g. --surface surface.npz"
        )
    if not path.is_file():
        raise MapInputError(
            f"surface file {str(path)!r} does not exist; check the path, or write one with "
            "`planner surface -o surface.npz`"
        )
    try:
        return read_surface(path)
    except InputError:
        raise
    # numpy, zipfile, json and rasterio each raise their own errors on a damaged file
    except Exception as exc:  # noqa: BLE001
        raise MapInputError(
            f"cannot read surface file {str(path)!r} ({type(exc).__name__}: {exc}); give the "
            ".tif or .npz written by `planner surface`"
        ) from exc


def _surface_label_cell(cell_m: float) -> str:
    return f"{float(cell_m):g}"


def _as_surface(surface):
    """A Surface from a Surface or the path of its file."""
    from planner.core.surface import Surface

    if isinstance(surface, Surface):
        return surface
    if isinstance(surface, str | os.PathLike):
        return read_surface_file(surface)
    raise TypeError(
        "surface must be a planner.core.surface.Surface or the path of a .tif/.npz file, "
        f"not {type(surface).__name__}"
    )


def _add_surface(
    m: folium.Map, surface, lang: str
) -> tuple[folium.raster_layers.ImageOverlay, dict]:
    """Add the surface image (own pane, in the layer control); return it and its payload."""
    from planner.core.surface import _EXCLUDED_RGBA, COLOUR_STOPS, png_data_uri, surface_overlay_png

    png, (west, south, east, north) = surface_overlay_png(surface, max_px=SURFACE_MAX_PX)
    cell = _surface_label_cell(surface.grid.cell_m)
    name = i18n.label("layer_surface", lang, cell=cell)
    # the region outline is opaque without a basemap: it gets a pane under the image
    folium.map.CustomPane(_CONTEXT_PANE, z_index=_CONTEXT_Z, pointer_events=False).add_to(m)
    folium.map.CustomPane(_SURFACE_PANE, z_index=_SURFACE_Z, pointer_events=False).add_to(m)
    overlay = folium.raster_layers.ImageOverlay(
        png_data_uri(png),
        bounds=[[south, west], [north, east]],
        name=_html_label(name),
        overlay=True,
        control=True,
        show=True,
        pixelated=False,  # folium's pixelated CSS would apply to every image layer
        pane=_SURFACE_PANE,
        interactive=False,
        alt=name,
    ).add_to(m)
    r, g, b, a = _EXCLUDED_RGBA
    info = {
        "name": name,
        "cellM": float(surface.grid.cell_m),
        "bounds": [[south, west], [north, east]],
        "stops": [[float(v), c] for v, c in COLOUR_STOPS],
        "excludedColor": f"rgba({r},{g},{b},{a / 255:.2f})",
        "contextPane": _CONTEXT_PANE,
        "scenario": surface.scenario,
        "scenarioHash": surface.scenario_hash,
        "asOf": surface.as_of,
    }
    return overlay, info


def build_map(
    layers,
    scored: pd.DataFrame | None = None,
    results: pd.DataFrame | None = None,
    company: str | None = None,
    lang: str = "ru",
    basemap: str = "none",
    top_k: int = 10,
    as_of: dt.date | str | None = None,
    scenario_name: str | None = None,
    scenario_hash: str | None = None,
    surface=None,
) -> folium.Map:
    """Build the interactive map of the layers and (optionally) scored sites and results.

    Parameters
    ----------
    layers
        The :class:`~planner.inputs.layers.LayerSet`.
    scored
        Scored sites (``score_sites`` output or :func:`read_scored`): one canvas layer
        coloured by score, and the ``top_k`` best as numbered markers.
    results
        The per-(company, rank) table of ``planner score`` (:func:`read_results`). With
        ``company``: that company's ``top_k`` sites, numbered; without: each company's best
        site (one marker per site, sized by the number of companies).
    lang
        ``ru`` (default), ``kk`` or ``en``: labels, legends, popups and feature names.
    basemap
        ``none`` (default): a vector context only, fully offline; ``osm``: OpenStreetMap
        tiles underneath (online use; attribution shown).
    as_of, scenario_name, scenario_hash
        Shown in the note; ``as_of`` also colours zones by their status on that date.
        Default: ``scored.attrs`` (then the surface's date, then today for ``as_of``).
    surface
        A :class:`planner.core.surface.Surface` or the path of its ``.tif``/``.npz`` file: drawn
        as an image layer (toggle in the layer control, colour ramp in the legend) under
        the zones and sites.

    Returns
    -------
    folium.Map
        With every asset inlined; ``m.planner_data`` holds the JSON payload drawn.
    """
    i18n.check_lang(lang)
    if basemap not in BASEMAPS:
        raise InputError(f"basemap {basemap!r} is not known; use one of {', '.join(BASEMAPS)}")
    if not isinstance(top_k, int | np.integer) or top_k < 1:
        raise InputError(f"top_k {top_k!r} must be a whole number >= 1, e.g. 10")
    attrs: dict = {}
    for df in (results, scored):
        if df is not None:
            attrs.update({k: v for k, v in (df.attrs or {}).items() if v})
    day = parse_as_of(as_of if as_of is not None else attrs.get("as_of"))
    scenario_name = scenario_name or attrs.get("scenario")
    scenario_hash = scenario_hash or attrs.get("scenario_hash")
    t = i18n.labels(lang)
    if surface is not None:
        surface = _as_surface(surface)
    if as_of is None and not attrs.get("as_of") and surface is not None:
        day = parse_as_of(surface.as_of)

    m = folium.Map(
        location=[43.45, 77.0], zoom_start=9, tiles=None, prefer_canvas=True, control_scale=False
    )
    if basemap == "osm":
        folium.TileLayer(
            tiles=_assets.OSM_TILE_ORIGIN + "/{z}/{x}/{y}.png",
            attr="\u00a9 OpenStreetMap contributors",
            name=_html_label(t["layer_osm"]),
            max_zoom=19,
            overlay=False,
            control=True,
        ).add_to(m)

    groups: dict[str, folium.FeatureGroup] = {}
    for key in ("context", "constraints", "cities", "zones", "transport", "bakad"):
        groups[key] = _group(m, t[f"layer_{key}"])
    surface_info = None
    if surface is not None:
        groups["surface"], surface_info = _add_surface(m, surface, lang)
    payload: dict[str, Any] = {
        "lang": lang,
        "t": t,
        "crit": {k: i18n.criterion_label(k, lang) for k in i18n.CRITERIA},
        "status": {k: i18n.status_label(k, lang) for k in i18n.STATUSES},
        "statusColor": STATUS_COLORS,
        "asOf": day.isoformat(),
        "zoneNames": dict(
            zip(
                _texts(layers["zones"]["id"]),
                i18n.feature_names(layers["zones"], lang),
                strict=True,
            )
        ),
        "layers": _layer_payload(layers, lang, basemap, day),
        "sites": None,
        "top": None,
        "best": None,
        "surface": surface_info,
    }
    scale_scores: list[np.ndarray] = []
    tables: list[dict] = []
    n_sites = 0

    if scored is not None:
        _require(
            scored,
            {"site_id": ("site_id",), "score": ("score",), "lon": ("lon",), "lat": ("lat",)},
            "scored sites",
            "pass the output of planner.core.scoring.score_sites or read_scored()",
        )
        df = pd.DataFrame(
            scored.drop(columns=[scored.geometry.name])
            if isinstance(scored, gpd.GeoDataFrame)
            else scored
        )
        score = pd.to_numeric(df["score"], errors="coerce").to_numpy("f8")
        rank = (
            pd.to_numeric(df["rank"], errors="coerce").to_numpy("f8")
            if "rank" in df
            else _rank_from_score(score)
        )
        df = df.assign(rank=rank)
        included = np.isfinite(rank)
        # draw order: excluded first, then ascending score, so the best lie on top
        order = np.lexsort((np.where(included, score, -np.inf), included))
        df = df.iloc[order].reset_index(drop=True)
        rank = rank[order]
        why_rows = None
        if len(df) > WHY_MAX_SITES:
            why_rows = np.flatnonzero(np.isfinite(rank) & (rank <= WHY_MAX_SITES))
        payload["sites"] = _site_table(df, lang, why_rows)
        n_sites = len(df)
        scale_scores.append(score[included])
        groups["sites"] = _group(m, t["layer_sites"])
        top = df[np.isfinite(rank) & (rank <= top_k)].sort_values("rank", kind="stable")
        if results is None and len(top):
            payload["top"] = _site_table(top, lang)
            tables.append(payload["top"])
            groups["top"] = _group(m, t["layer_top"].format(k=len(top)))
        elif len(top) == 0:
            tables.append(payload["sites"])

    if results is not None:
        if company is not None:
            rows = _with_site_names(select_company(results, company).head(top_k))
            tab = _site_table(rows, lang)
            tab["company"] = _texts(rows["company_name"])
            payload["top"] = tab
            tables.append(tab)
            cname = str(rows["company_name"].iloc[0])
            groups["top"] = _group(m, t["layer_company"].format(k=len(rows), company=cname))
            scale_scores.append(rows["score"].to_numpy("f8"))
        else:
            rep, comp, more = _best_per_company(results)
            rep = _with_site_names(rep)
            tab = _site_table(rep, lang)
            tab["comp"] = comp
            tab["compMore"] = more
            tab["company"] = _texts(rep["company_name"])
            payload["best"] = tab
            tables.append(tab)
            groups["best"] = _group(m, t["layer_best"])
            scale_scores.append(rep["score"].to_numpy("f8"))
    elif company is not None:
        raise InputError("company given without results; pass the results table of `planner score`")

    payload["scale"] = _score_range(np.concatenate(scale_scores) if scale_scores else np.array([]))
    boxes = []
    if surface_info is not None:
        (s, w), (n, e) = surface_info["bounds"]
        boxes.append((w, s, e, n))
    payload["bounds"] = _bounds(layers, tables, boxes)
    payload["note"] = _note_lines(layers, lang, day, scenario_name, scenario_hash, n_sites)
    if surface_info is not None:
        payload["note"].append(
            t["note_surface"].format(
                name=surface_info["scenario"],
                hash=surface_info["scenarioHash"],
                date=surface_info["asOf"],
                cell=_surface_label_cell(surface_info["cellM"]),
            )
        )

    _PlannerLayers(groups, payload).add_to(m)
    plugins.Fullscreen(
        position="topleft", title=t["fullscreen"], title_cancel=t["fullscreen_exit"]
    ).add_to(m)
    plugins.MeasureControl(
        position="topleft",
        primary_length_unit="kilometers",
        secondary_length_unit="meters",
        primary_area_unit="hectares",
        secondary_area_unit="sqmeters",
    ).add_to(m)
    folium.LayerControl(position="topright", collapsed=False).add_to(m)
    title = t["title"] + (f" \u2014 {scenario_name}" if scenario_name else "")
    m.get_root().header.add_child(
        _assets.raw_element(f"<title>{html.escape(title)}</title>"), name="planner_title"
    )
    _assets.inline_assets(m, lang=lang, allow_osm=basemap == "osm")
    m.planner_data = payload
    m.planner_groups = {k: g.layer_name for k, g in groups.items()}
    return m


def _with_site_names(rows: pd.DataFrame) -> pd.DataFrame:
    # in results `name` may be the company's name (an alias of company_name): sites use site_name
    return rows.assign(name=rows["site_name"] if "site_name" in rows else rows["site_id"])


def _rank_from_score(score: np.ndarray) -> np.ndarray:
    order = np.argsort(-np.nan_to_num(score, nan=-np.inf), kind="stable")
    rank = np.empty(len(score), dtype="f8")
    rank[order] = np.arange(1, len(score) + 1)
    return np.where(np.isfinite(score), rank, np.nan)


def _note_lines(
    layers, lang: str, day: dt.date, scenario: str | None, shash: str | None, n_sites: int
) -> list[str]:
    t = i18n.labels(lang)
    lines = []
    builtin = [n for n in LAYER_NAMES if layers.sources.get(n) == "builtin"]
    if builtin:
        lines.append(t["note_indicative"])
    user = [n for n in LAYER_NAMES if layers.sources.get(n) != "builtin"]
    if user:
        lines.append(t["note_user_layers"].format(names=", ".join(user)))
    if scenario:
        lines.append(t["note_scenario"].format(name=scenario, hash=shash or "\u2013"))
    else:
        lines.append(t["note_scenario_unknown"])
    lines.append(t["note_as_of"].format(date=day.isoformat()))
    if n_sites:
        lines.append(t["note_sites"].format(n=f"{n_sites:,}".replace(",", "\u202f")))
    return lines


# --------------------------------------------------------------------------- saving


def map_html(m: folium.Map) -> str:
    """The full HTML page of ``m``."""
    return m.get_root().render()


def save_map(
    m: folium.Map, path: str | Path, overwrite: bool = False, allow_external: bool = False
) -> Path:
    """Write ``m`` as one self-contained HTML file, atomically.

    Refuses an existing file unless ``overwrite``. Refuses (OutputError) a page that would
    load anything from the network (e.g. a folium plugin added in a notebook that was not
    inlined) unless ``allow_external``.
    """
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"map file {str(path)!r} must end in .html, e.g. maps/demo.html")
    check_writable(path, overwrite)
    page = map_html(m)
    urls = _assets.external_urls(page)
    if urls and not allow_external:
        raise OutputError(
            f"map for {str(path)!r} would load {len(urls)} file(s) from the network "
            f"({', '.join(urls[:3])}); it would not open offline. Add the element's JS/CSS with "
            "planner.render.assets.inline_assets, or pass allow_external=True"
        )
    with atomic_output(path, overwrite) as tmp:
        tmp.write_text(page, encoding="utf-8")
    log.info("wrote map %s (%.1f MB)", path, path.stat().st_size / 1e6)
    return path


# --------------------------------------------------------------------------- the command


def _scenario_info(scenario) -> tuple[str, str]:
    from planner.config.scenarios import load_scenario

    sc = load_scenario(scenario)
    return sc.name, sc.hash


def _check_consistent(
    what: str,
    from_file: str | None,
    given: str | None,
    option: str,
    path,
    verb: str = "scored",
    redo: str = "score the sites again",
) -> None:
    if from_file and given and from_file != given:
        raise InputError(
            f"{path} was {verb} with {what} {from_file!r}, but {option} {given!r} was given; "
            f"drop {option} (the map shows the file's {what}) or {redo}"
        )


def _surface_scenario(surf, path) -> str:
    """The built-in scenario the surface was computed with (to score built-in sites alike)."""
    from planner.config.scenarios import list_scenarios

    for sc in list_scenarios():
        if sc.name == surf.scenario and sc.hash == surf.scenario_hash:
            return sc.name
    raise InputError(
        f"surface {str(path)!r} was computed with scenario {surf.scenario!r} (hash "
        f"{surf.scenario_hash}), which is not a built-in scenario; pass --scenario with that "
        "scenario's TOML file to score the built-in sites alike, or give --sites/--results"
    )


def make_map(
    output: str | Path,
    sites: str | Path | None = None,
    results: str | Path | None = None,
    company: str | None = None,
    scenario: str | Path | None = None,
    as_of: dt.date | str | None = None,
    lang: str = "ru",
    basemap: str = "none",
    top_k: int = 10,
    layers_path: str | Path | None = None,
    overwrite: bool = False,
    surface: str | Path | None = None,
) -> Path:
    """Read the inputs, build the map and save it (what ``planner map`` runs).

    ``sites`` is a scored file (``planner score-sites`` output) or ``"builtin"`` (the
    built-in zone sites, scored here with ``scenario``); with neither ``sites`` nor
    ``results`` the built-in sites are used. ``surface`` is a ``.tif``/``.npz`` written by
    ``planner surface``, drawn under the sites; its scenario and date must agree with
    ``scenario``/``as_of`` and with the sites' (built-in sites are scored with them).
    """
    from planner.inputs.layers import load_layers

    out = Path(output)
    if out.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"map file {str(out)!r} must end in .html, e.g. -o maps/demo.html")
    check_writable(out, overwrite)  # fail before any scoring work
    i18n.check_lang(lang)
    day = parse_as_of(as_of) if as_of is not None else None
    surf = read_surface_file(surface) if surface is not None else None  # fail fast
    layers = load_layers(layers_path)
    scored = None
    res = None
    sc_name = sc_hash = None
    if scenario is not None:
        sc_name, sc_hash = _scenario_info(scenario)
    if surf is not None:
        redo = {"verb": "computed", "redo": "compute the surface again (planner surface)"}
        given = day and day.isoformat()
        _check_consistent(
            "scenario hash", surf.scenario_hash, sc_hash, "--scenario", surface, **redo
        )
        _check_consistent("as-of date", surf.as_of, given, "--as-of", surface, **redo)
        day = day or parse_as_of(surf.as_of)
    if sites is None and results is None:
        sites = "builtin"
    if sites is not None and str(sites) == "builtin" and not Path(str(sites)).is_file():
        from planner.core.scoring import score_sites

        if scenario is None and surf is not None:
            scenario = _surface_scenario(surf, surface)
        scored = score_sites("builtin", layers, scenario=scenario or _default_scenario(), as_of=day)
    elif sites is not None:
        scored = read_scored(sites)
        _check_consistent(
            "scenario hash", scored.attrs.get("scenario_hash"), sc_hash, "--scenario", sites
        )
        _check_consistent(
            "as-of date", scored.attrs.get("as_of"), day and day.isoformat(), "--as-of", sites
        )
    if results is not None:
        res = read_results(results)
        _check_consistent(
            "scenario hash", res.attrs.get("scenario_hash"), sc_hash, "--scenario", results
        )
    if surf is not None:
        for path, df in ((sites, scored), (results, res)):
            if df is None:
                continue
            for what, key, mine in (
                ("scenario hash", "scenario_hash", surf.scenario_hash),
                ("as-of date", "as_of", surf.as_of),
            ):
                theirs = df.attrs.get(key)
                if theirs and str(theirs) != mine:
                    raise InputError(
                        f"surface {str(surface)!r} was computed with {what} {mine!r} but "
                        f"{str(path)!r} has {theirs!r}; map a surface and sites of the same "
                        "scenario and date (planner surface --scenario ... --as-of ...)"
                    )
    m = build_map(
        layers,
        scored=scored,
        results=res,
        company=company,
        lang=lang,
        basemap=basemap,
        top_k=top_k,
        as_of=day,
        scenario_name=sc_name,
        scenario_hash=sc_hash,
        surface=surf,
    )
    return save_map(m, out, overwrite=overwrite)


def _default_scenario() -> str:
    from planner.config.scenarios import DEFAULT_SCENARIO

    return DEFAULT_SCENARIO
