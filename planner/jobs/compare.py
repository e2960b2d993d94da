"""``planner compare``: read the inputs, compare the sites, write the report and the tables.

The edge of a comparison: site ids and names are resolved against the built-in zone
sites and a user's sites file (:func:`resolve_sites`), the layers are resolved for the
date (and the second date) once (:class:`planner.core.prepared.Prepared`), and
:func:`planner.core.compare.compare` does the rest. :func:`run_compare` also reads the
company list and writes the HTML report and the XLSX (:mod:`planner.render.report`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner import crs as _crs
from planner import i18n
from planner._atomic import Output, check_outputs
from planner.config.scenarios import DEFAULT_SCENARIO, Scenario, load_scenario
from planner.core.compare import (
    SPREAD,
    Comparison,
    PointRef,
    check_site_count,
    compare,
    find_company,
    parse_at,
)
from planner.core.layerset import LayerSet
from planner.core.prepared import Prepared
from planner.core.sitetable import check_sites_table
from planner.errors import CompareError, InputError, UnknownSiteError
from planner.inputs.companies import read_companies
from planner.inputs.layers import load_layers
from planner.inputs.sites import builtin_sites, read_sites
from planner.render.report import write_report, write_xlsx

__all__ = ["known_sites", "resolve_sites", "compare_sites", "run_compare"]

log = logging.getLogger(__name__)

_POINT_SOURCE = "point"


def known_sites(
    layers: LayerSet, sites: gpd.GeoDataFrame | str | Path | None = None
) -> gpd.GeoDataFrame:
    """Every site a comparison can name: the user's ``sites`` (if any), then the built-in ones.

    ``sites`` is a sites table or a sites file (:func:`planner.inputs.sites.read_sites`). A file
    id equal to a built-in id shadows the built-in site (logged).
    """
    builtin = builtin_sites(layers)
    if sites is None:
        return builtin.reset_index(drop=True)
    user = sites if isinstance(sites, pd.DataFrame) else read_sites(sites)
    check_sites_table(user, ("site_id", "name", "lon", "lat"), error=CompareError)
    user_ids = set(user["site_id"].astype(str))
    shadowed = sorted(user_ids & set(builtin["site_id"].astype(str)))
    if shadowed:
        log.info("sites file ids %s shadow the built-in sites of the same id", shadowed)
    keep = ~builtin["site_id"].astype(str).isin(user_ids).to_numpy()
    if isinstance(user, gpd.GeoDataFrame):
        user = _crs.to_geographic(user, what="sites table")  # refuses a table with no CRS
    else:
        user = gpd.GeoDataFrame(
            user,
            geometry=gpd.points_from_xy(user["lon"], user["lat"]),
            crs=_crs.GEOGRAPHIC_CRS,
        )
    both = pd.concat([user, builtin[keep]], ignore_index=True)
    return gpd.GeoDataFrame(both, geometry="geometry", crs=_crs.GEOGRAPHIC_CRS)


def _lookup_site(ref: str, ids: np.ndarray, names: np.ndarray) -> int | None:
    """Row of ``ref`` by exact id, then case-insensitive id, then a unique name."""
    hit = np.flatnonzero(ids == ref)
    if hit.size:
        return int(hit[0])
    fold = ref.strip().casefold()
    for values in (ids, names):
        hit = np.flatnonzero(np.array([str(v).strip().casefold() for v in values]) == fold)
        if hit.size == 1:
            return int(hit[0])
    return None


def resolve_sites(
    refs: Sequence[str | PointRef],
    layers: LayerSet,
    sites: gpd.GeoDataFrame | str | Path | None = None,
) -> gpd.GeoDataFrame:
    """The sites table for ``refs`` (site ids or names, :class:`PointRef`), in that order.

    Returns the sites contract (``site_id``, ``name``, ``lon``, ``lat``, ``area_ha``,
    ``free_ha``, ``site_source``, geometry; EPSG:4326) on a ``RangeIndex``, plus ``ref``
    (what was asked for). Points get ids ``at-1``, ``at-2``... and ``site_source``
    ``"point"``; their name is the label, else ``"lat, lon"``.

    Raises
    ------
    SiteCountError
        fewer than 2 or more than 12 refs.
    UnknownSiteError
        listing every unknown id with its closest matches among known ids and names.
    CompareError
        a site given twice.
    """
    refs = list(refs)
    check_site_count(len(refs))
    table = known_sites(layers, sites)
    ids = table["site_id"].astype(str).to_numpy(dtype=object)
    names = table["name"].astype(str).to_numpy(dtype=object)
    rows: list[dict[str, Any]] = []
    unknown: dict[str, list[str]] = {}
    geoms = []
    n_points = 0
    for ref in refs:
        if isinstance(ref, PointRef):
            n_points += 1
            rows.append(
                {
                    "site_id": f"at-{n_points}",
                    "name": ref.label or f"{ref.lat:.5f}, {ref.lon:.5f}",
                    "lon": float(ref.lon),
                    "lat": float(ref.lat),
                    "area_ha": np.nan,
                    "free_ha": np.nan,
                    "site_source": _POINT_SOURCE,
                    "ref": f"{ref.lat:g},{ref.lon:g}",
                }
            )
            geoms.append(None)
            continue
        if not isinstance(ref, str):
            raise TypeError(f"site refs must be str or PointRef, not {type(ref).__name__}")
        i = _lookup_site(ref, ids, names)
        if i is None:
            choices = sorted(set(ids.tolist()) | set(names.tolist()))
            unknown[ref] = difflib.get_close_matches(ref, choices, n=4, cutoff=0.5)
            if not unknown[ref]:  # e.g. a name typed in another case or a fragment
                frag = ref.strip().casefold()
                unknown[ref] = [c for c in choices if frag and frag in c.casefold()][:4]
            continue
        row = table.iloc[i]
        rows.append(
            {
                "site_id": str(row["site_id"]),
                "name": str(row["name"]),
                "lon": float(row["lon"]),
                "lat": float(row["lat"]),
                "area_ha": float(row.get("area_ha", np.nan)),
                "free_ha": float(row.get("free_ha", np.nan)),
                "site_source": str(row.get("site_source", "")),
                "ref": ref,
            }
        )
        geoms.append(row.geometry)
    if unknown:
        parts = []
        lg = i18n.message_lang()
        for ref, close in unknown.items():
            hint = (i18n.tr("err.compare.did_you_mean",
                            names=", ".join(i18n.t("err.jobs.q", lg, name=c) for c in close))
                    if close else i18n.tr("err.compare.no_match"))  # fmt: skip
            parts.append(i18n.t("err.jobs.q", lg, name=ref) + f" ({hint})")
        some = ", ".join(sorted(set(ids.tolist()))[:12])
        raise UnknownSiteError(
            i18n.tr("err.compare.unknown_sites", sites="; ".join(parts), some=some), unknown,
        )
    taken = [r["site_id"] for r in rows if r["site_source"] != _POINT_SOURCE]
    dup = sorted({s for s in taken if taken.count(s) > 1})
    if dup:
        lg = i18n.message_lang()
        raise CompareError(i18n.tr("err.compare.duplicate",
                                   sites=", ".join(i18n.t("err.jobs.q", lg, name=d) for d in dup)))
    # point ids must not collide with a named site's id
    for r in rows:
        if r["site_source"] == _POINT_SOURCE and r["site_id"] in taken:
            k = 2
            while f"{r['site_id']}-{k}" in taken:
                k += 1
            r["site_id"] = f"{r['site_id']}-{k}"
    lon = np.array([r["lon"] for r in rows], dtype="f8")
    lat = np.array([r["lat"] for r in rows], dtype="f8")
    pts = gpd.points_from_xy(lon, lat)
    geometry = [g if g is not None else p for g, p in zip(geoms, pts, strict=True)]
    df = pd.DataFrame(rows)
    out = gpd.GeoDataFrame(
        {
            "site_id": pd.array(df["site_id"].to_numpy(dtype=object), dtype="str"),
            "name": pd.array(df["name"].to_numpy(dtype=object), dtype="str"),
            "lon": lon,
            "lat": lat,
            "area_ha": df["area_ha"].to_numpy(dtype="f8"),
            "free_ha": df["free_ha"].to_numpy(dtype="f8"),
            "site_source": pd.array(df["site_source"].to_numpy(dtype=object), dtype="str"),
            "ref": pd.array(df["ref"].to_numpy(dtype=object), dtype="str"),
        },
        geometry=gpd.GeoSeries(geometry, crs=_crs.GEOGRAPHIC_CRS),
        crs=_crs.GEOGRAPHIC_CRS,
    )
    return out


def compare_sites(
    site_refs: Sequence[str | PointRef],
    *,
    layers: LayerSet,
    scenario: Scenario | str | Path = DEFAULT_SCENARIO,
    as_of: dt.date | str | None = None,
    company: pd.Series | Mapping | None = None,
    draws: int = 2000,
    seed: int | None = 0,
    also_as_of: dt.date | str | None = None,
    sites: gpd.GeoDataFrame | str | Path | None = None,
    spread: float = SPREAD,
    network=None,
    terrain=None,
) -> Comparison:
    """Compare 2-12 candidate sites side by side.

    Parameters
    ----------
    site_refs
        Built-in site / zone ids (``iz-kairat``), ids from ``sites``, exact site names,
        or :class:`PointRef` coordinates (:func:`parse_at`), in the order to report them.
    layers
        The :class:`~planner.core.layerset.LayerSet`.
    scenario
        Built-in scenario name, TOML path or :class:`~planner.config.scenarios.Scenario`.
    as_of
        Date for zone statuses (default today).
    company
        A company row (:func:`find_company`; a row of ``CompanyTable.valid`` or a mapping
        with its columns): scores use its sector-adjusted weights and its hard needs
        decide which sites are eligible.
    draws, seed, spread
        Monte Carlo weight perturbation: ``draws`` random weight vectors, each weight
        scaled by a factor uniform in ``1 +- spread``, from ``numpy`` seed ``seed``.
    also_as_of
        A second date (e.g. ``2030-01-01``): the same comparison then, and why sites move.
    sites
        A sites table or file whose ids ``site_refs`` may name.
    network
        A road network (:class:`planner.core.network.RoadNetwork`) for the travel-time
        criteria, or None.
    terrain
        A DEM (:class:`planner.core.terrain.Terrain`): sites over the scenario's
        ``[terrain]`` limits are excluded, with the slope or elevation in the reason.

    Returns
    -------
    Comparison
    """
    sc = load_scenario(scenario)  # fail fast: scenario, date, sites, before any work
    prepared = Prepared.of(layers, as_of).with_network(network).with_terrain(terrain, sc)
    resolved = resolve_sites(site_refs, layers, sites)
    also = prepared.at(also_as_of) if also_as_of is not None else None
    return compare(
        resolved, prepared, scenario=sc, company=company, draws=draws, seed=seed,
        spread=spread, also=also,
    )  # fmt: skip


def run_compare(
    site_refs,
    *,
    at=(),
    company: str | None = None,
    companies: str | Path | None = None,
    scenario=None,
    as_of=None,
    also_as_of=None,
    lang: str = "ru",
    html_path: str | Path | None = None,
    xlsx_path: str | Path | None = None,
    draws: int = 2000,
    seed: int | None = 0,
    layers_path: str | Path | None = None,
    sites_path: str | Path | None = None,
    overwrite: bool = False,
    network: str | Path | None = None,
    rejects: str | Path | None = None,
    strict: bool = False,
    csv_sep: str | None = None,
    rejected: list[str] | None = None,
    dem: str | Path | None = None,
    command: list[str] | str | None = None,
) -> tuple[Comparison, dict[str, Path]]:
    """What ``planner compare`` runs: read the inputs, compare, write the outputs.

    ``site_refs`` are site ids (or names), ``at`` the ``LAT,LON[,LABEL]`` strings of
    ``--at`` (parsed with :func:`planner.core.compare.parse_at`). Outputs are checked before any
    work. Returns the comparison and the files written (``{"html": ..., "xlsx": ...}``).
    ``network``: a road network file or ``"builtin"`` (a travel-time scenario without it
    uses the coarse built-in network, with a logged note). ``dem``: an elevation model
    (GeoTIFF, any CRS) for the scenario's ``[terrain]`` limits.

    Bad rows of ``sites_path`` are left out (``strict``: the file is refused) and written
    to ``rejects`` (default ``<stem>.sites.rejects.csv`` beside the XLSX or HTML output,
    none without outputs) in the file's CSV convention (``csv_sep`` overrides); each is
    logged with its row and id and appended to ``rejected`` when a list is given.
    """
    i18n.check_lang(lang)
    refs = [*list(site_refs), *(parse_at(a) for a in at)]
    check_site_count(len(refs))
    if (company is None) != (companies is None):
        raise InputError(i18n.tr("err.compare.company_pair"))
    check_outputs(
        [
            Output(Path(html_path), i18n.tr("err.compare.report_file"), (".html", ".htm"),
                   "--html maps/compare.html", manifest=True) if html_path is not None else None,
            Output(Path(xlsx_path), i18n.tr("err.compare.spreadsheet"), (".xlsx",),
                   "--xlsx out/compare.xlsx", manifest=True) if xlsx_path is not None else None,
            rej_out := _rejects_output(sites_path, rejects, xlsx_path or html_path),
        ],
        overwrite,
        inputs=[layers_path, companies, sites_path, scenario, dem],
    )  # fmt: skip
    layers = load_layers(layers_path)
    from planner.inputs.dem import load_terrain

    terrain = load_terrain(dem)
    user_sites = None
    if sites_path is not None:
        user_sites = read_sites(sites_path, strict=strict)
        _refuse_rejected_refs(refs, user_sites)
    from planner.inputs.roads import network_for_scenario

    net, note = network_for_scenario(network, load_scenario(scenario or DEFAULT_SCENARIO),
                                     layers)  # fmt: skip
    if note:
        log.warning("%s", note)
    row = None
    if company is not None:
        row = find_company(read_companies(companies), company)
    comparison = compare_sites(
        refs,
        layers=layers,
        scenario=scenario or DEFAULT_SCENARIO,
        as_of=as_of,
        company=row,
        draws=draws,
        seed=seed,
        also_as_of=also_as_of,
        sites=user_sites,
        network=net,
        terrain=terrain,
    )
    written: dict[str, Path] = {}
    if html_path is not None:
        written["html"] = write_report(comparison, html_path, lang=lang, overwrite=overwrite)
    if xlsx_path is not None:
        written["xlsx"] = write_xlsx(comparison, xlsx_path, lang=lang, overwrite=overwrite)
    inputs = {"layers": layers_path, "sites": sites_path, "companies": companies,
              "scenario": scenario if isinstance(scenario, str | Path) else None,
              "network": network, "dem": dem}
    for label, path in list(written.items()):
        written[f"{label}_manifest"] = _compare_manifest(
            comparison, path, inputs, refs, note, command, overwrite)
    if user_sites is not None:  # the rejects file writes its own manifest
        written.update(_site_rejects(user_sites, rej_out, overwrite, csv_sep, lang, rejected,
                                     command))  # fmt: skip
    return comparison, written


def _refuse_rejected_refs(refs, user_sites) -> None:
    """A site asked for whose row of the sites file was rejected: say why, not "unknown"."""
    from planner.inputs.rejects import row_problems
    from planner.inputs.sites import site_rejects

    table = site_rejects(user_sites)
    if not len(table):
        return
    valid = set(user_sites["site_id"].astype(str))
    asked = {r for r in refs if isinstance(r, str) and r not in valid}
    hit = table[table["id"].astype(str).isin(asked)]
    if len(hit):
        lines = row_problems(hit, unit=user_sites.attrs["site_file"]["unit"])
        raise CompareError(i18n.tr("err.compare.rejected_asked",
                                   file=user_sites.attrs["site_file"]["path"],
                                   rows="; ".join(lines)))


def _rejects_output(sites_path, rejects, beside) -> Output | None:
    if sites_path is None or (rejects is None and beside is None):
        return None
    from .table_files import rejects_output

    return rejects_output(beside or rejects, rejects, "sites.rejects")


def _site_rejects(user_sites, out: Output | None, overwrite: bool, csv_sep, lang: str,
                  rejected: list[str] | None, command=None) -> dict[str, Path]:  # fmt: skip
    """Log (and collect) the rejected rows of the sites file; write them when planned."""
    from planner.inputs.rejects import row_problems
    from planner.inputs.sites import site_rejects

    from .table_files import CsvStyle, write_rejects

    table = site_rejects(user_sites)
    if not len(table):
        return {}
    facts = user_sites.attrs.get("site_file", {})
    lines = row_problems(table, unit=facts.get("unit", "row"))
    for line in lines:
        log.warning("%s", i18n.tr("warn.jobs.sites_file_rejected", file=facts.get("path", ""),
                                  line=line))
    if rejected is not None:
        rejected.extend(lines)
    if out is None:
        return {}
    return write_rejects(table, out.path, overwrite=overwrite,
                         style=CsvStyle.follow(facts, csv_sep), lang=lang,
                         inputs={"sites": facts.get("path")}, command=command,
                         counts={k: facts.get(k) for k in ("rows_in", "valid", "rejected")})


def _compare_manifest(comparison: Comparison, path: Path, inputs: dict, refs: list, note,
                      command, overwrite: bool) -> Path:
    """``<report>.manifest.json``: inputs' sha256, scenario and hash, date, sites compared."""
    from planner.render.outputs import write_manifest

    sc = comparison.scenario
    also = comparison.also.as_of if comparison.also is not None else None
    return write_manifest(
        path,
        inputs={k: (str(v) if isinstance(v, Path) else v) for k, v in inputs.items()
                if v is not None or k == "layers"},  # fmt: skip
        scenario={"name": sc.name, "hash": sc.hash, "effective_hash": comparison.effective_hash},
        as_of=comparison.as_of,
        counts={"sites": len(comparison.sites), "eligible": int(comparison.eligible.sum())},
        warnings=[note] if note else [],
        extra={"sites": [r if isinstance(r, str) else {"lat": r.lat, "lon": r.lon, "label": r.label}
                         for r in refs],
               "also_as_of": also, "draws": comparison.draws, "seed": comparison.seed,
               "company": comparison.company.name if comparison.company else None},
        command=command, overwrite=overwrite,
    )
