"""Interactive offline maps (folium / Leaflet) of the layers, scored sites and company results.

:func:`build_map` returns a :class:`folium.Map` (notebooks display it as is);
:func:`save_map` writes it as one self-contained HTML file that opens with no network:
Leaflet, jQuery and the plugins are inlined (:mod:`planner.render.assets`), markers are circles
or ``divIcon``s (no image files), and a Content-Security-Policy blocks every request.
``planner map`` reads its inputs and saves the map in :func:`planner.jobs.maps.make_map`.

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
import re
from pathlib import Path
from typing import Any

import folium
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium import plugins

from planner import i18n
from planner._atomic import atomic_output, check_writable
from planner.core.layerset import parse_as_of
from planner.errors import InputError, MapInputError, OutputError
from planner.render import assets as _assets
from planner.render.colors import page_colors
from planner.render.isochrone_layer import add_isochrone_layer
from planner.render.map_data import (
    RAW_COLUMNS,
    WHY_MAX_SITES,
    best_per_company,
    json_for_script,
    map_bounds,
    note_lines,
    score_range,
    site_table,
    texts,
    with_site_names,
    zone_names,
)
from planner.render.map_layers import layer_payload
from planner.render.map_pack import packed_table, plain_table, site_columns
from planner.render.reproducible import stable_ids
from planner.render.surface_image import (
    add_surface_layer,
    as_surface,
    cell_label,
)

__all__ = [
    "BASEMAPS",
    "SITE_ENCODINGS",
    "build_map",
    "save_map",
    "select_company",
    "map_html",
]

log = logging.getLogger(__name__)

BASEMAPS = ("none", "osm")
#: how the layer of scored sites reaches the page (see planner.render.map_pack)
SITE_ENCODINGS = ("packed", "json")
#: the vector layer groups, bottom to top in the layer control
_LAYER_GROUPS = ("context", "constraints", "cities", "zones", "transport", "bakad")


# --------------------------------------------------------------------------- input tables


def _require(
    df: pd.DataFrame, cols: dict[str, tuple[str, ...]], where: str, fix: str
) -> dict[str, str]:
    """Map each required field to a column present (first alias found); one error if any missing."""
    found, missing = {}, []
    for field, aliases in cols.items():
        hit = next((a for a in aliases if a in df.columns), None)
        if hit is None:
            missing.append(i18n.tr("err.render.or").join(f"`{a}`" for a in aliases))
        else:
            found[field] = hit
    if missing:
        shown = ", ".join(repr(str(c)) for c in df.columns[:25])
        shown += ", ..." if len(df.columns) > 25 else ""
        raise MapInputError(i18n.tr("err.render.columns_missing", where=where,
                                    missing="; ".join(missing), found=shown, fix=fix))
    return found


def select_company(results: pd.DataFrame, company: str) -> pd.DataFrame:
    """Rows of one company (by company_name, case-insensitive, or company_id), best rank first."""
    want = company.strip().casefold()
    names = pd.Series(texts(results["company_name"]), index=results.index)
    hit = names.str.strip().str.casefold() == want
    if not hit.any() and "company_id" in results.columns:
        hit = (
            pd.Series(texts(results["company_id"]), index=results.index).str.strip()
            == company.strip()
        )
    if not hit.any():
        choices = sorted(set(names))
        close = difflib.get_close_matches(company, choices, n=3, cutoff=0.5)
        lg = i18n.message_lang()
        names = ", ".join(i18n.t("err.jobs.q", lg, name=c) for c in close)
        hint = i18n.tr("err.render.did_you_mean", names=names) if close else ""
        raise MapInputError(i18n.tr(
            "err.render.company_unknown", company=company, n=len(choices),
            examples=", ".join(i18n.t("err.jobs.q", lg, name=c) for c in choices[:3]), hint=hint,
            column=results.attrs.get("company_column", "company_name"),
        ))
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
        self.payload_js = _payload_js(payload)

    def render(self, **kwargs) -> None:
        js = _assets.render_template_around(
            "map_call.js.j2", self.payload_js, map=self._parent.get_name(), groups=self.groups_js
        )
        self.get_root().script.add_child(_assets.raw_element(js), name=self.get_name())


_B64_SLOT = "\u0000planner-b64\u0000"
_B64_CHARS = re.compile(r"[A-Za-z0-9+/=]*")


def _payload_js(payload: dict) -> str:
    """:func:`json_for_script` of the payload; a packed site table's base64 (megabytes of
    characters that need no escaping, checked here) is put in after, not scanned again."""
    sites = payload.get("sites")
    if not (isinstance(sites, dict) and sites.get("packed")):
        return json_for_script(payload)
    b64 = sites["b64"]
    if not _B64_CHARS.fullmatch(b64):
        raise AssertionError("packed site table is not base64")  # pragma: no cover
    head = json_for_script({**payload, "sites": {**sites, "b64": _B64_SLOT}})
    slot = json_for_script(_B64_SLOT)[1:-1]
    if head.count(slot) != 1:  # pragma: no cover - the slot is in no text of the catalog
        raise AssertionError("packed site slot not found exactly once")
    return head.replace(slot, b64)


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


def _check_options(lang: str, basemap: str, top_k, site_encoding: str = "packed") -> None:
    i18n.check_lang(lang)
    if basemap not in BASEMAPS:
        raise InputError(i18n.tr("err.render.basemap", value=basemap, known=", ".join(BASEMAPS)))
    if site_encoding not in SITE_ENCODINGS:
        raise InputError(i18n.tr("err.render.site_encoding", value=site_encoding,
                                 known=", ".join(SITE_ENCODINGS)))
    if not isinstance(top_k, int | np.integer) or top_k < 1:
        raise InputError(i18n.tr("err.render.top_k", value=repr(top_k)))


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
    # zoom in quarter steps, so the first view fits the data closely (the +/- buttons and
    # the mouse wheel still step by a whole zoom level)
    m = folium.Map(
        location=[43.45, 77.0],
        zoom_start=9,
        tiles=None,
        prefer_canvas=True,
        control_scale=False,
        zoom_snap=0.25,
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
        "t": {**i18n.labels(lang), **i18n.section("map_layout", lang)},
        "crit": dict(i18n.section("criterion", lang)),
        "status": dict(i18n.section("status", lang)),
        "colors": page_colors(),
        "asOf": day.isoformat(),
        # shown in the page: the date and numbers as Babel writes them in this language
        "asOfText": i18n.format_date(day, lang),
        "numfmt": i18n.number_symbols(lang),
        "zoneNames": zone_names(layers, lang),
        "layers": layer_payload(layers, lang, basemap, day),
        "sites": None,
        "top": None,
        "best": None,
        "surface": surface,
    }


#: the columns of a scored-sites table the map uses (site_columns, the names, the draw order)
_SHOWN = re.compile(
    r"^(?:site_id|site_source|name|lon|lat|score|rank|zone_id|zone_status|in_almaty|"
    r"exclusion_reason|why_\w+|c_\w+|"
    + "|".join(re.escape(c) for c in sorted(set(RAW_COLUMNS.values())))
    + r")$"
)


def _add_scored(
    m: folium.Map, parts: _MapParts, scored, lang: str, top_k: int, numbered: bool, encoding: str
):
    """Scored sites: one canvas layer; the ``top_k`` best numbered too if ``numbered``."""
    t = parts.payload["t"]
    _require(
        scored,
        {"site_id": ("site_id",), "score": ("score",), "lon": ("lon",), "lat": ("lat",)},
        i18n.tr("err.render.scored_sites"),
        i18n.tr("err.render.fix_scored_api"),
    )
    # only the columns the page shows: reordering a 100k-row table copies every column
    shown = pd.DataFrame(scored[[c for c in scored.columns if _SHOWN.match(str(c))]])
    score = pd.to_numeric(shown["score"], errors="coerce").to_numpy("f8")
    rank = (
        pd.to_numeric(shown["rank"], errors="coerce").to_numpy("f8")
        if "rank" in shown
        else _rank_from_score(score)
    )
    included = np.isfinite(rank)
    # draw order: excluded first, then ascending score, so the best lie on top
    order = np.lexsort((np.where(included, score, -np.inf), included))
    df = shown.take(order)  # the one copy of the table
    df.index = pd.RangeIndex(len(df))
    rank = rank[order]
    df["rank"] = rank
    df = _localized_builtin_names(df, parts.payload["zoneNames"])
    why_rows = None
    if len(df) > WHY_MAX_SITES:
        why_rows = np.flatnonzero(np.isfinite(rank) & (rank <= WHY_MAX_SITES))
    cols = site_columns(df, lang, why_rows)
    parts.payload["sites"] = packed_table(cols) if encoding == "packed" else plain_table(cols)
    parts.n_sites = len(df)
    parts.scores.append(score[included])
    parts.groups["sites"] = _group(m, t["layer_sites"])
    top = df[np.isfinite(rank) & (rank <= top_k)].sort_values("rank", kind="stable")
    if numbered and len(top):
        parts.payload["top"] = site_table(top, lang)
        parts.tables.append(parts.payload["top"])
        parts.groups["top"] = _group(m, t["layer_top"].format(k=len(top)))
    elif len(top) == 0:
        lon, lat = cols.nums["lon"], cols.nums["lat"]
        parts.tables.append({"lon": lon.q / 10**lon.dp, "lat": lat.q / 10**lat.dp})


def _localized_builtin_names(df: pd.DataFrame, zone_names: dict[str, str]) -> pd.DataFrame:
    """Built-in sites (one per zone, named in Russian) named in the map's language."""
    if "site_source" not in df.columns or "site_id" not in df.columns:
        return df
    builtin = df["site_source"].to_numpy(dtype=object) == "builtin"
    if not builtin.any():  # e.g. a grid of 100k sites: no text conversion at all
        return df
    ids = pd.Series(texts(df["site_id"]), index=df.index)
    hit = builtin & ids.isin(list(zone_names)).to_numpy()
    if not hit.any():
        return df
    names = df["name"].astype(object) if "name" in df.columns else ids.astype(object)
    return df.assign(name=names.where(~hit, ids.map(zone_names)))


def _add_results(m: folium.Map, parts: _MapParts, results, company, lang: str, top_k: int):
    """``company``'s ``top_k`` sites, numbered; or each company's best site."""
    t = parts.payload["t"]
    if company is not None:
        rows = with_site_names(select_company(results, company).head(top_k))
        tab = site_table(rows, lang)
        tab["company"] = texts(rows["company_name"])
        parts.payload["top"] = tab
        cname = str(rows["company_name"].iloc[0])
        parts.groups["top"] = _group(m, t["layer_company"].format(k=len(rows), company=cname))
    else:
        rep, comp, more = best_per_company(results)
        rows = with_site_names(rep)
        tab = site_table(rows, lang)
        tab["comp"] = comp
        tab["compMore"] = more
        tab["company"] = texts(rows["company_name"])
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
                date=i18n.format_date(info["asOf"], lang),
                cell=cell_label(info["cellM"], lang),
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
    folium.LayerControl(position="topright", collapsed=True).add_to(m)
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
    site_encoding: str = "packed",
    isochrones=None,
    isochrones_indicative: bool = False,
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
        A :class:`planner.core.surface.Surface` (a file is read by
        :func:`planner.jobs.surface.read_surface`): drawn as an image layer (toggle in the
        layer control, colour ramp in the legend) under the zones and sites.
    site_encoding
        ``packed`` (default): the layer of scored sites travels quantised and deflated, and
        the page inflates it (:mod:`planner.render.map_pack`; about a third of the bytes);
        ``json``: plain JSON columns (the encoding of earlier versions, e.g. to read the page's
        data by eye). Both draw the same map.
    isochrones, isochrones_indicative
        Travel-time bands of :func:`planner.core.isochrones.isochrone_bands`: one layer of
        polygons under the zones and sites, a tooltip per band, a line in the note
        (``isochrones_indicative``: drawn from the coarse built-in network, said so).

    Returns
    -------
    folium.Map
        With every asset inlined; ``m.planner_data`` holds the JSON payload drawn.
    """
    _check_options(lang, basemap, top_k, site_encoding)
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
    iso = None
    if isochrones is not None and len(isochrones):
        parts.groups["isochrones"], iso = add_isochrone_layer(
            m, isochrones, lang, isochrones_indicative, context_pane=surface is None
        )
        parts.payload["isochrones"] = iso
    if parts.surface is not None or iso is not None:
        parts.payload["contextPane"] = (parts.surface or iso)["contextPane"]
    if scored is not None:
        _add_scored(m, parts, scored, lang, top_k, results is None, site_encoding)
    if results is not None:
        _add_results(m, parts, results, company, lang, top_k)
    elif company is not None:
        raise InputError(i18n.tr("err.render.company_without_results"))
    _frame(parts, layers, lang, day, scenario_name, scenario_hash)
    if iso is not None:
        parts.payload["note"].append(iso["note"])
    title = t["title"] + (f" \u2014 {scenario_name}" if scenario_name else "")
    _finish(m, parts, lang, basemap, title)
    m.planner_data = parts.payload
    m.planner_groups = {k: g.layer_name for k, g in parts.groups.items()}
    return m


def _rank_from_score(score: np.ndarray) -> np.ndarray:
    """Ranks of a table without ``rank``: the planner's rule, ties in table order, no
    rank for a missing score (float, NaN = unranked)."""
    from planner.core.ranking import rank_scores

    rank = rank_scores(score, ~np.isfinite(score), ties="order")
    return rank.to_numpy(dtype="f8", na_value=np.nan)


# --------------------------------------------------------------------------- saving


def map_html(m: folium.Map) -> str:
    """The full HTML page of ``m`` (folium's random element ids numbered: the same map
    gives the same bytes)."""
    return stable_ids(m.get_root().render())


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
        raise InputError(i18n.tr("err.render.map_suffix", file=str(path)))
    check_writable(path, overwrite)
    page = map_html(m)
    urls = _assets.external_urls(page)
    if urls and not allow_external:
        raise OutputError(i18n.tr("err.render.external", file=str(path), n=len(urls),
                                  urls=", ".join(urls[:3])))
    with atomic_output(path, overwrite) as tmp:
        tmp.write_text(page, encoding="utf-8")
    log.info("wrote map %s (%.1f MB)", path, path.stat().st_size / 1e6)
    return path
