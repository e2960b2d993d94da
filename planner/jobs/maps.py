"""The ``planner map`` job: read what the map shows, check that it agrees, build, save.

:func:`make_map` reads scored sites (:func:`read_scored`, a ``planner score-sites`` file)
or scores the built-in sites, the results of ``planner score`` (:func:`read_results`) and
a suitability surface, checks that their scenario and date agree with each other and with
``--scenario`` / ``--as-of``, and draws them with :func:`planner.render.maps.build_map`.
Reading is strict: every bad value of a file is collected and raised once
(:class:`~planner.errors.MapInputError`), naming file, row, column and value.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner import crs as _crs
from planner import i18n
from planner._atomic import Output, check_outputs
from planner._infiles import refuse_special
from planner.config.scenarios import DEFAULT_SCENARIO, list_scenarios, load_scenario
from planner.core.isochrones import check_breaks, isochrone_bands
from planner.core.layerset import parse_as_of
from planner.core.travel import prepare_travel
from planner.errors import InputError, MapInputError
from planner.inputs.roads import network_for_scenario, resolve_network
from planner.inputs.tables import TableKind, cell_frame, read_table
from planner.render.map_data import texts as _texts
from planner.render.maps import _require, build_map, save_map
from planner.render.outputs import restore_formulas

from .surface import read_surface

__all__ = ["MapInputs", "make_map", "read_map_inputs", "read_results", "read_scored"]

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- reading tables


def _read_any(path: Path, what: str) -> tuple[pd.DataFrame, str | list[int]]:
    """Read a .csv/.xlsx/.gpkg/.geojson table; returns it and its row numbers as the user
    sees them (a spreadsheet's rows), or ``"feature"`` (features counted from 1).

    An ``.xlsx`` written by the planner is read from its ``results`` / ``sites`` sheet by
    machine names, whatever language its headers are in (:mod:`planner.inputs.planner_book`).
    """
    suffix = path.suffix.lower()
    kind_key = {"results": "results", "scored sites": "scored"}[what]
    file_of = i18n.tr(f"err.jobs.file_{kind_key}")  # "results file", in the message language
    refuse_special(path, file_of, MapInputError)
    if not path.is_file():
        raise MapInputError(i18n.tr("err.jobs.map_input_missing", what=file_of, file=str(path)))
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
            raise MapInputError(i18n.tr("err.jobs.map_input_unreadable", what=file_of,
                                        file=str(path), error=exc)) from exc
        if gdf.geometry.name in gdf.columns and gdf.crs is None and gdf.geometry.notna().any():
            raise MapInputError(i18n.tr("err.jobs.map_input_no_crs", what=file_of,
                                        file=str(path)))
        return gdf, "feature"
    if suffix in (".csv", ".xlsx", ".xlsm"):  # the one table reader, as for every input
        kind = TableKind(what=file_of, noun=i18n.tr(f"err.jobs.table_{kind_key}"), item="row")
        try:
            want = {"results": "results", "scored sites": "sites"}.get(what)
            raw = read_table(path, kind=kind, prefer_sheet=want)
        except InputError as exc:
            raise MapInputError(str(exc)) from exc
        df, notes = cell_frame(raw)
        problems = notes.labelled(raw.labels())
        if problems:
            raise MapInputError(i18n.tr("err.jobs.map_input_cells", what=file_of,
                                        file=str(path), problems="; ".join(problems[:10])))
        return restore_formulas(df), list(raw.rows)
    raise MapInputError(i18n.tr("err.jobs.map_input_type", what=file_of, file=str(path),
                                suffix=suffix or "-"))


def _row_labeller(unit: str | list[int]):
    # rows numbered as a spreadsheet shows them (tables.row_label); features counted from 1;
    # the word in the message language
    if isinstance(unit, str):
        return lambda i: i18n.tr("err.jobs.feature_n", n=i + 1)
    return lambda i: i18n.tr("err.jobs.row_n", n=unit[i])


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
    # an optional distance may be inf, as written (no zone operating yet at the date)
    bad = ~np.isfinite(vals) if required else (np.isnan(vals) & ~missing)
    if lo is not None:
        bad |= np.isfinite(vals) & ((vals < lo) | (vals > hi))
    for i in np.flatnonzero(bad)[:10]:
        value = str(text.iloc[i])[:40]
        if lo is None:
            problems.append(i18n.tr("err.jobs.cell_not_number", where=where, row=row_label(i),
                                    column=col, value=value))
        else:
            lg = i18n.message_lang()
            problems.append(i18n.tr(
                "err.jobs.cell_out_of_range", where=where, row=row_label(i), column=col,
                value=value, lo=i18n.format_number(lo, lg, significant=6),
                hi=i18n.format_number(hi, lg, significant=6),
            ))
    if bad.sum() > 10:
        problems.append(i18n.tr("err.jobs.cells_more", where=where, n=int(bad.sum()) - 10,
                                column=col))
    return vals


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


def _attr_or_col(df: pd.DataFrame, key: str) -> str | None:
    val = (getattr(df, "attrs", None) or {}).get(key)
    if val:
        return str(val)
    if key in df.columns and len(df):
        vals = df[key].dropna().astype(str).unique()
        if len(vals) == 1:
            return str(vals[0])
    return None


def _read_manifest(path: Path) -> dict:
    for cand in (path.with_name(path.name + ".manifest.json"), path.with_suffix(".manifest.json")):
        if cand.is_file():
            try:
                data = json.loads(cand.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                log.warning("%s", i18n.tr("warn.jobs.manifest_unreadable", file=str(cand),
                                          error=exc))
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
            raise MapInputError(i18n.tr("err.jobs.no_position", where=where, n=len(bad),
                                        example=label(bad[0])))
        geo = _crs.to_geographic(df, what=where)
        pts = shapely.point_on_surface(geo.geometry.to_numpy())
        df = df.assign(lon=shapely.get_x(pts), lat=shapely.get_y(pts))
    _require(
        df,
        {"site_id": ("site_id",), "score": ("score",), "lon": ("lon",), "lat": ("lat",)},
        where,
        i18n.tr("err.jobs.fix_scored"),
    )
    problems: list[str] = []
    df = pd.DataFrame(df.drop(columns=[c for c in ("geometry",) if c in df.columns])).copy()
    _coerce_numeric(df, where, label, problems, ("lon", "lat", "score"))
    if problems:
        raise MapInputError(i18n.tr("err.jobs.problems", n=len(problems), where=where,
                                    problems="; ".join(problems)))
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
        i18n.tr("err.jobs.fix_results"),
    )
    df = pd.DataFrame(df.drop(columns=[c for c in ("geometry",) if c in df.columns])).copy()
    if cols["company"] != "company_name":
        df["company_name"] = df[cols["company"]]
    problems: list[str] = []
    label = _row_labeller(unit)
    _coerce_numeric(df, where, label, problems, ("lon", "lat", "score"))
    rank = df["rank"].to_numpy(dtype="f8")
    for i in np.flatnonzero(~np.isfinite(rank))[:10]:
        problems.append(i18n.tr("err.jobs.rank_empty", where=where, row=label(i)))
    if problems:
        raise MapInputError(i18n.tr("err.jobs.problems", n=len(problems), where=where,
                                    problems="; ".join(problems)))
    df["company_name"] = _texts(df["company_name"])
    df.attrs = {k: v for k in ("scenario", "scenario_hash", "as_of") if (v := _attr_or_col(df, k))}
    df.attrs.update(_manifest_attrs(_read_manifest(path)))
    df.attrs["company_column"] = cols["company"]  # messages name the user's column
    return df


# --------------------------------------------------------------------------- checks


def _scenario_info(scenario) -> tuple[str, str]:
    sc = load_scenario(scenario)
    return sc.name, sc.hash


def _check_consistent(
    what: str, from_file: str | None, given: str | None, option: str, path, verb: str = "scored"
) -> None:
    """``what``: ``hash`` or ``date``; ``verb``: ``scored`` (a scored file or results) or
    ``computed`` (a surface), which also says how to redo it."""
    if from_file and given and from_file != given:
        raise InputError(i18n.tr(
            f"err.jobs.inconsistent_{what}_{verb}", file=str(path), from_file=from_file,
            option=option, given=given,
        ))


def _surface_scenario(surf, path) -> str:
    """The built-in scenario the surface was computed with (to score built-in sites alike)."""
    for sc in list_scenarios():
        if sc.name == surf.scenario and sc.hash == surf.scenario_hash:
            return sc.name
    raise InputError(i18n.tr("err.jobs.surface_scenario_unknown", file=str(path),
                             scenario=surf.scenario, hash=surf.scenario_hash))


# --------------------------------------------------------------------------- the job


@dataclass(frozen=True)
class _Asked:
    """The options of ``planner map`` as given, with the scenario hash and date resolved."""

    sites: str | Path | None
    results: str | Path | None
    scenario: str | Path | None
    surface: str | Path | None
    day: dt.date | None
    sc_hash: str | None
    #: True when the user gave --as-of; False when ``day`` came from the surface (or none)
    day_given: bool = False
    #: the road network built-in sites are scored with (travel-time scenarios)
    network: Any = None
    #: an elevation model (GeoTIFF) for scoring the built-in sites here, or None
    dem: str | Path | None = None


@dataclass(frozen=True)
class MapInputs:
    """What a map shows, read and checked against each other (see :func:`read_map_inputs`)."""

    layers: Any
    scored: gpd.GeoDataFrame | None
    results: pd.DataFrame | None
    surface: Any
    day: dt.date | None
    scenario_name: str | None
    scenario_hash: str | None
    isochrones: Any = None
    isochrones_indicative: bool = False

    def drawn(self) -> dict[str, Any]:
        """What :func:`planner.render.maps.build_map` draws besides the layers, by its names."""
        return {"scored": self.scored, "results": self.results, "as_of": self.day,
                "scenario_name": self.scenario_name, "scenario_hash": self.scenario_hash,
                "surface": self.surface, "isochrones": self.isochrones,
                "isochrones_indicative": self.isochrones_indicative}  # fmt: skip


def read_map_inputs(
    sites: str | Path | None = None,
    results: str | Path | None = None,
    scenario: str | Path | None = None,
    as_of: dt.date | str | None = None,
    surface: str | Path | None = None,
    layers_path: str | Path | None = None,
    network: str | Path | None = None,
    isochrones: Sequence[float] | None = None,
    isochrone_target: str = "interchange",
    isochrone_cell_m: float = 500.0,
    dem: str | Path | None = None,
    lang: str = "ru",
) -> MapInputs:
    """Read the layers, sites, results and surface of a map (see :func:`make_map`); the
    built-in sites are named in ``lang``.

    Raises :class:`~planner.errors.InputError` when their scenarios or dates disagree.
    """
    if isochrones is not None:
        isochrones = check_breaks(isochrones)  # fail before any work
    from planner.inputs.layers import load_layers

    day = parse_as_of(as_of) if as_of is not None else None
    surf = read_surface(surface) if surface is not None else None  # fail fast
    layers = load_layers(layers_path)
    sc_name = sc_hash = None
    if scenario is not None:
        sc_name, sc_hash = _scenario_info(scenario)
    if surf is not None:
        given = day and day.isoformat()
        _check_consistent("hash", surf.scenario_hash, sc_hash, "--scenario", surface, "computed")
        _check_consistent("date", surf.as_of, given, "--as-of", surface, "computed")
        day = day or parse_as_of(surf.as_of)
    if sites is None and results is None:
        sites = "builtin"
    net = resolve_network(network, layers)  # scores the built-in sites' travel times
    asked = _Asked(sites, results, scenario, surface, day, sc_hash, as_of is not None, net,
                   dem)  # fmt: skip
    if dem is not None and (sites is None or str(sites) != "builtin"):
        raise InputError(i18n.tr("err.jobs.map_dem", file=str(dem)))
    scored = _scored_sites(asked, layers, surf, lang) if sites is not None else None
    res = None
    if results is not None:
        res = read_results(results)
        _check_consistent("hash", res.attrs.get("scenario_hash"), sc_hash, "--scenario", results)
    if surf is not None:
        _check_surface_agrees(surf, surface, ((sites, scored), (results, res)))
    bands, indicative = None, False
    if isochrones is not None:  # without --network: the coarse built-in network, said so
        net = net if net is not None else resolve_network("builtin", layers)
        bands = isochrone_bands(prepare_travel(net, layers), isochrone_target, isochrones,
                                cell_m=isochrone_cell_m)  # fmt: skip
        indicative = net.indicative
    return MapInputs(layers, scored, res, surf, day, sc_name, sc_hash, bands, indicative)


def _scored_sites(asked: _Asked, layers, surf, lang: str = "ru") -> gpd.GeoDataFrame:
    """The built-in sites scored now (as the surface was, if any), or a scored file."""
    sites = asked.sites
    if str(sites) == "builtin" and not Path(str(sites)).is_file():
        from planner.inputs.sites import load_sites

        from .score_sites import score_sites

        scenario = asked.scenario
        if scenario is None and surf is not None:
            scenario = _surface_scenario(surf, asked.surface)
        sc = load_scenario(scenario or DEFAULT_SCENARIO)
        net = asked.network
        if net is None:  # a travel-time scenario gets the built-in network, said so
            net, note = network_for_scenario(None, sc, layers)
            if note:
                log.warning("%s", note)
        table = load_sites("builtin", layers, lang)
        return score_sites(table, layers, scenario=sc, as_of=asked.day, network=net,
                           terrain=asked.dem)  # fmt: skip
    scored = read_scored(sites)
    _check_consistent("hash", scored.attrs.get("scenario_hash"), asked.sc_hash, "--scenario",
                      sites)  # fmt: skip
    if asked.day_given:  # a date taken from the surface is checked against it below
        _check_consistent("date", scored.attrs.get("as_of"), asked.day.isoformat(), "--as-of",
                          sites)  # fmt: skip
    return scored


def _check_surface_agrees(surf, surface, tables) -> None:
    """The surface and each (path, table) of ``tables`` have the same scenario and date."""
    for path, df in tables:
        if df is None:
            continue
        for what, key, mine in (
            ("hash", "scenario_hash", surf.scenario_hash),
            ("date", "as_of", surf.as_of),
        ):
            theirs = df.attrs.get(key)
            if theirs and str(theirs) != mine:
                raise InputError(i18n.tr(f"err.jobs.surface_disagrees_{what}",
                                         surface=str(surface), mine=mine, file=str(path),
                                         theirs=theirs))  # fmt: skip


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
    network: str | Path | None = None,
    isochrones: Sequence[float] | None = None,
    isochrone_target: str = "interchange",
    isochrone_cell_m: float = 500.0,
    dem: str | Path | None = None,
    command: list[str] | str | None = None,
) -> Path:
    """Read the inputs, build the map and save it (what ``planner map`` runs).

    ``sites`` is a scored file (``planner score-sites`` output) or ``"builtin"`` (the
    built-in zone sites, scored here with ``scenario``); with neither ``sites`` nor
    ``results`` the built-in sites are used. ``surface`` is a ``.tif``/``.npz`` written by
    ``planner surface``, drawn under the sites; its scenario and date must agree with
    ``scenario``/``as_of`` and with the sites' (built-in sites are scored with them).
    ``network`` (a network file or ``"builtin"``) scores built-in sites' travel times;
    ``isochrones`` (minutes, e.g. ``(15, 30, 45)``) draws the travel-time bands to
    ``isochrone_target`` on a grid of ``isochrone_cell_m`` (the built-in network when no
    ``network`` is given).
    ``dem`` (with the built-in sites): an elevation model for the scenario's ``[terrain]``
    limits.
    """
    out = Path(output)
    # fail before any scoring work
    check_outputs([Output(out, "map file", (".html", ".htm"), "-o maps/demo.html",
                          manifest=True)], overwrite,
                  inputs=[sites, results, surface, layers_path, scenario, network,
                          dem])  # fmt: skip
    i18n.check_lang(lang)
    got = read_map_inputs(sites, results, scenario, as_of, surface, layers_path, network,
                          isochrones, isochrone_target, isochrone_cell_m, dem, lang)  # fmt: skip
    m = build_map(got.layers, company=company, lang=lang, basemap=basemap, top_k=top_k,
                  **got.drawn())  # fmt: skip
    path = save_map(m, out, overwrite=overwrite)
    _map_manifest(path, got, {"sites": sites, "results": results, "surface": surface,
                              "layers": layers_path, "scenario": scenario, "network": network,
                              "dem": dem},
                  {"company": company, "lang": lang, "top_k": top_k, "isochrones_min": isochrones,
                   "isochrone_target": isochrone_target if isochrones else None},
                  command, overwrite)
    return path


def _map_manifest(path: Path, got: MapInputs, inputs: dict, extra: dict, command,
                  overwrite: bool) -> None:
    """``<map>.manifest.json``: the inputs' sha256, the scenario, hash and date drawn."""
    from planner.render.outputs import write_manifest

    attrs: dict = {}
    for table in (got.results, got.scored):  # a scored file's own scenario and date
        if table is not None:
            attrs = {**table.attrs, **attrs}
    name = got.scenario_name or attrs.get("scenario")
    sc_hash = got.scenario_hash or attrs.get("scenario_hash")
    if name is None and inputs["scenario"] is not None:
        name = str(inputs["scenario"])
    if inputs["sites"] is None and inputs["results"] is None:
        inputs["sites"] = "builtin"
    inputs = {k: v for k, v in inputs.items() if v is not None or k == "layers"}
    counts = {"sites": 0 if got.scored is None else len(got.scored),
              "result_rows": 0 if got.results is None else len(got.results)}
    write_manifest(
        path, inputs={k: (Path(v) if isinstance(v, Path) else v) for k, v in inputs.items()},
        scenario={"name": name, "hash": sc_hash} if name or sc_hash else None,
        as_of=got.day or attrs.get("as_of"), counts=counts,
        extra={**extra, "surface": got.surface is not None}, command=command,
        overwrite=overwrite,
    )
