"""Interactive offline maps (folium / Leaflet) of the layers, scored sites and company results.

:func:`build_map` returns a :class:`folium.Map` (notebooks display it as is);
:func:`save_map` writes it as one self-contained HTML file that opens with no network:
Leaflet, jQuery and the plugins are inlined (:mod:`planner.render.assets`), markers are circles
or ``divIcon``s (no image files), and a Content-Security-Policy blocks every request.
:func:`make_map` is what ``planner map`` runs: read the inputs, build, save.

Data reaches the page as JSON only (:mod:`planner.render.map_data`: ``<`` ``>`` ``&``
escaped, so ``</script>`` in a name cannot end the script) and one script
(``planner/render/static/planner.js``) draws it; every string it puts into HTML is escaped
there. No folium ``Popup``/``Tooltip``/``GeoJsonTooltip`` is used, because folium puts their
text into HTML or JS template literals unescaped. Layer names in the layer control are
HTML-escaped here. Colours come from :mod:`planner.render.colors`.

A suitability surface (:mod:`planner.core.surface`) is drawn as one PNG image
(:mod:`planner.render.surface_image`) in its own pane between the schematic region outline
and the vector layers, so zones, sites and BAKAD stay on top of it.

Scale: sites go into one GeoJSON layer drawn on the canvas renderer, built in the browser
from columns (lon/lat rounded to 5 decimals, about 1 m), with popups and tooltips bound on
the first click or hover; only the top-K sites become individual (numbered) markers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import json
import logging
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
from planner.core.layerset import parse_as_of
from planner.errors import InputError, MapInputError, OutputError
from planner.render import assets as _assets
from planner.render.colors import legend_colors
from planner.render.map_data import (
    WHY_MAX_SITES,
    best_per_company,
    json_for_script,
    map_bounds,
    note_lines,
    score_range,
    site_table,
    with_site_names,
    zone_names,
)
from planner.render.map_data import texts as _texts
from planner.render.map_layers import layer_payload
from planner.render.surface_image import (
    add_surface_layer,
    as_surface,
    cell_label,
    read_surface_file,
)

__all__ = [
    "BASEMAPS",
    "build_map",
    "save_map",
    "make_map",
    "read_scored",
    "read_results",
    "select_company",
    "map_html",
]

log = logging.getLogger(__name__)

BASEMAPS = ("none", "osm")
#: the vector layer groups, bottom to top in the layer control
_LAYER_GROUPS = ("context", "constraints", "cities", "zones", "transport", "bakad")


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
        self.payload_js = json_for_script(payload)

    def render(self, **kwargs) -> None:
        js = _assets.render_template(
            "map_call.js.j2",
            map=self._parent.get_name(),
            groups=self.groups_js,
            payload=self.payload_js,
        )
        self.get_root().script.add_child(_assets.raw_element(js), name=self.get_name())


def _group(m: folium.Map, text: str, show: bool = True) -> folium.FeatureGroup:
    # the layer control puts names into innerHTML, and folium renders its script through
    # Jinja twice: escape HTML and braces
    return folium.FeatureGroup(
        name=str(_assets.html_text(text)), overlay=True, control=True, show=show
    ).add_to(m)


@dataclasses.dataclass
class _MapParts:
    """What :func:`build_map` assembles before the page is finished."""

    groups: dict[str, folium.FeatureGroup]
    payload: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: site tables the initial view is fitted to
    tables: list[dict] = dataclasses.field(default_factory=list)
    #: scores the colour scale spans
    scores: list[np.ndarray] = dataclasses.field(default_factory=list)
    n_sites: int = 0
    surface: dict | None = None


def _check_options(lang: str, basemap: str, top_k) -> None:
    i18n.check_lang(lang)
    if basemap not in BASEMAPS:
        raise InputError(f"basemap {basemap!r} is not known; use one of {', '.join(BASEMAPS)}")
    if not isinstance(top_k, int | np.integer) or top_k < 1:
        raise InputError(f"top_k {top_k!r} must be a whole number >= 1, e.g. 10")


def _provenance(scored, results, surface, as_of, name, shash) -> tuple[dt.date, Any, Any]:
    """The map's date, scenario name and hash: given, else from the tables' attrs, else
    (the date) from the surface, else today."""
    attrs: dict = {}
    for df in (results, scored):
        if df is not None:
            attrs.update({k: v for k, v in (df.attrs or {}).items() if v})
    if as_of is None:
        as_of = attrs.get("as_of") or (surface.as_of if surface is not None else None)
    return parse_as_of(as_of), name or attrs.get("scenario"), shash or attrs.get("scenario_hash")


def _base_map(basemap: str, t: dict) -> folium.Map:
    m = folium.Map(
        location=[43.45, 77.0], zoom_start=9, tiles=None, prefer_canvas=True, control_scale=False
    )
    if basemap == "osm":
        folium.TileLayer(
            tiles=_assets.OSM_TILE_ORIGIN + "/{z}/{x}/{y}.png",
            attr="\u00a9 OpenStreetMap contributors",
            name=str(_assets.html_text(t["layer_osm"])),
            max_zoom=19,
            overlay=False,
            control=True,
        ).add_to(m)
    return m


def _base_payload(layers, lang: str, basemap: str, day: dt.date, surface: dict | None) -> dict:
    return {
        "lang": lang,
        "t": i18n.labels(lang),
        "crit": {k: i18n.criterion_label(k, lang) for k in i18n.CRITERIA},
        "status": {k: i18n.status_label(k, lang) for k in i18n.STATUSES},
        "colors": legend_colors(),
        "asOf": day.isoformat(),
        "zoneNames": zone_names(layers, lang),
        "layers": layer_payload(layers, lang, basemap, day),
        "sites": None,
        "top": None,
        "best": None,
        "surface": surface,
    }


def _add_scored(m: folium.Map, parts: _MapParts, scored, lang: str, top_k: int, numbered: bool):
    """Scored sites: one canvas layer; the ``top_k`` best numbered too if ``numbered``."""
    t = parts.payload["t"]
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
    parts.payload["sites"] = site_table(df, lang, why_rows)
    parts.n_sites = len(df)
    parts.scores.append(score[included])
    parts.groups["sites"] = _group(m, t["layer_sites"])
    top = df[np.isfinite(rank) & (rank <= top_k)].sort_values("rank", kind="stable")
    if numbered and len(top):
        parts.payload["top"] = site_table(top, lang)
        parts.tables.append(parts.payload["top"])
        parts.groups["top"] = _group(m, t["layer_top"].format(k=len(top)))
    elif len(top) == 0:
        parts.tables.append(parts.payload["sites"])


def _add_results(m: folium.Map, parts: _MapParts, results, company, lang: str, top_k: int):
    """``company``'s ``top_k`` sites, numbered; or each company's best site."""
    t = parts.payload["t"]
    if company is not None:
        rows = with_site_names(select_company(results, company).head(top_k))
        tab = site_table(rows, lang)
        tab["company"] = _texts(rows["company_name"])
        parts.payload["top"] = tab
        cname = str(rows["company_name"].iloc[0])
        parts.groups["top"] = _group(m, t["layer_company"].format(k=len(rows), company=cname))
    else:
        rep, comp, more = best_per_company(results)
        rows = with_site_names(rep)
        tab = site_table(rows, lang)
        tab["comp"] = comp
        tab["compMore"] = more
        tab["company"] = _texts(rows["company_name"])
        parts.payload["best"] = tab
        parts.groups["best"] = _group(m, t["layer_best"])
    parts.tables.append(tab)
    parts.scores.append(rows["score"].to_numpy("f8"))


def _frame(parts: _MapParts, layers, lang: str, day: dt.date, scenario, shash) -> None:
    """Colour scale, initial view and the note (provenance, scenario, date, surface)."""
    p = parts.payload
    p["scale"] = score_range(np.concatenate(parts.scores) if parts.scores else np.array([]))
    boxes = []
    if parts.surface is not None:
        (s, w), (n, e) = parts.surface["bounds"]
        boxes.append((w, s, e, n))
    p["bounds"] = map_bounds(layers, parts.tables, boxes)
    p["note"] = note_lines(layers, lang, day, scenario, shash, parts.n_sites)
    if parts.surface is not None:
        info = parts.surface
        p["note"].append(
            p["t"]["note_surface"].format(
                name=info["scenario"],
                hash=info["scenarioHash"],
                date=info["asOf"],
                cell=cell_label(info["cellM"]),
            )
        )


def _finish(m: folium.Map, parts: _MapParts, lang: str, basemap: str, title: str) -> None:
    """The drawing script, map controls, page title and every asset inlined."""
    t = parts.payload["t"]
    _PlannerLayers(parts.groups, parts.payload).add_to(m)
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
    m.get_root().header.add_child(
        _assets.raw_element(_assets.title_tag(title)), name="planner_title"
    )
    _assets.inline_assets(m, lang=lang, allow_osm=basemap == "osm")


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
        The :class:`~planner.core.layerset.LayerSet`.
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
    _check_options(lang, basemap, top_k)
    surface = as_surface(surface) if surface is not None else None
    day, scenario_name, scenario_hash = _provenance(
        scored, results, surface, as_of, scenario_name, scenario_hash
    )
    t = i18n.labels(lang)
    m = _base_map(basemap, t)
    parts = _MapParts(groups={key: _group(m, t[f"layer_{key}"]) for key in _LAYER_GROUPS})
    if surface is not None:
        parts.groups["surface"], parts.surface = add_surface_layer(m, surface, lang)
    parts.payload = _base_payload(layers, lang, basemap, day, parts.surface)
    if scored is not None:
        _add_scored(m, parts, scored, lang, top_k, numbered=results is None)
    if results is not None:
        _add_results(m, parts, results, company, lang, top_k)
    elif company is not None:
        raise InputError("company given without results; pass the results table of `planner score`")
    _frame(parts, layers, lang, day, scenario_name, scenario_hash)
    title = t["title"] + (f" \u2014 {scenario_name}" if scenario_name else "")
    _finish(m, parts, lang, basemap, title)
    m.planner_data = parts.payload
    m.planner_groups = {k: g.layer_name for k, g in parts.groups.items()}
    return m


def _rank_from_score(score: np.ndarray) -> np.ndarray:
    order = np.argsort(-np.nan_to_num(score, nan=-np.inf), kind="stable")
    rank = np.empty(len(score), dtype="f8")
    rank[order] = np.arange(1, len(score) + 1)
    return np.where(np.isfinite(score), rank, np.nan)


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
