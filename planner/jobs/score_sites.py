"""Score candidate sites from files or specs, and write the scored table with its manifest.

The edge of site scoring: the sites are loaded (``"builtin"``, ``"grid"`` or a file, see
:func:`planner.inputs.sites.load_sites`), the layers are resolved for the date once
(:class:`planner.core.prepared.Prepared`) and :func:`planner.core.scoring.score_frame`
scores them; :func:`write_scored` writes the result atomically with its manifest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from planner.config.scenarios import DEFAULT_SCENARIO, Scenario, load_scenario
from planner.core.layerset import LayerSet, parse_as_of
from planner.core.prepared import Prepared
from planner.core.scoring import score_frame
from planner.crs import lonlat_to_metric
from planner.errors import InputError
from planner.inputs.dem import check_coverage, load_terrain
from planner.inputs.sites import load_sites
from planner.render.outputs import write_manifest, write_sites

__all__ = ["score_sites", "write_scored"]


def score_sites(
    sites: gpd.GeoDataFrame | str | Path,
    layers: LayerSet,
    scenario: Scenario | str | Path = DEFAULT_SCENARIO,
    as_of: dt.date | str | None = None,
    why: bool = True,
    network=None,
    terrain=None,
    *,
    check_dem: bool = True,
    lang: str = "ru",
) -> gpd.GeoDataFrame:
    """Score candidate sites: sites + criteria + ``u_*`` + ``c_*`` + score + rank (+ why).

    Parameters
    ----------
    sites
        A sites table (see :mod:`planner.inputs.sites`), or a spec for
        :func:`planner.inputs.sites.load_sites` ("builtin", "grid" or a file path).
    layers
        The :class:`~planner.core.layerset.LayerSet`.
    scenario
        Built-in name, TOML path or :class:`~planner.config.scenarios.Scenario`.
    as_of
        Date for zone statuses (default today).
    why
        Add ``why_ru`` / ``why_kk`` / ``why_en`` reasons (skip for very large tables; see
        :func:`planner.core.explain.why_texts` to explain chosen rows later).
    network
        Road network (:class:`planner.core.network.RoadNetwork`) for the travel-time
        criteria (``time_*_min``), or None.
    terrain
        A DEM (:class:`planner.core.terrain.Terrain`, or a GeoTIFF path read by
        :func:`planner.inputs.dem.read_dem`): adds ``elevation_m`` and ``slope_pct`` and
        excludes the sites over the scenario's ``[terrain]`` limits. A DEM that covers none
        of the sites is an InputError (``check_dem=False`` skips that check).
    lang
        Language of the built-in sites' ``name`` (``sites="builtin"``; Russian when a zone
        has no name in that language).

    Returns
    -------
    GeoDataFrame on the sites' index, ``.attrs`` = scenario, scenario_hash, as_of
    (see :func:`planner.core.scoring.score_frame`).
    """
    sc = load_scenario(scenario)
    day = parse_as_of(as_of)
    if not isinstance(sites, pd.DataFrame):
        sites = load_sites(sites, layers, lang)
    terrain = load_terrain(terrain)
    if terrain is not None and check_dem:
        check_coverage(terrain, *lonlat_to_metric(sites["lon"].to_numpy(dtype="f8"),
                                                  sites["lat"].to_numpy(dtype="f8")))
    prepared = Prepared.of(layers, day).with_network(network).with_terrain(terrain, sc)
    scored = score_frame(sites, prepared, sc, why=why)
    if sites.attrs.get("site_notes"):  # repaired parcels, replaced areas: to the manifest
        scored.attrs["site_notes"] = list(sites.attrs["site_notes"])
    return scored


def write_scored(
    scored: gpd.GeoDataFrame,
    path: str | Path,
    overwrite: bool = False,
    *,
    inputs: Mapping[str, Any] | None = None,
    command: Any = None,
    lang: str | None = None,
) -> Path:
    """Write a :func:`score_sites` result and its ``<path>.manifest.json``, atomically.

    The file gets three constant columns from ``scored.attrs`` (``scenario``,
    ``scenario_hash``, ``as_of``) so the scenario travels with every copy of the table;
    the manifest records the inputs' hashes, counts and versions. ``lang``: an ``.xlsx``
    for people in that language (headers, yes/no, ``columns`` and ``about`` sheets).
    """
    attrs = dict(scored.attrs)
    missing = [k for k in ("scenario", "scenario_hash", "as_of") if k not in attrs]
    if missing:
        from planner.i18n import message_lang, quote, tr

        raise InputError(tr("err.scored.no_attrs", missing=", ".join(
            quote(k, message_lang()) for k in missing)))
    table = scored.copy()
    for key in ("scenario", "scenario_hash", "as_of"):
        table[key] = pd.array([str(attrs[key])] * len(table), dtype="str")
    about = {"scenario": attrs["scenario"], "scenario_hash": attrs["scenario_hash"],
             "as_of": attrs["as_of"], "inputs": dict(inputs or {})}  # fmt: skip
    out = write_sites(table, path, overwrite=overwrite, lang=lang, about=about)
    counts = {
        "sites": len(scored),
        "excluded": int(scored["excluded"].sum()) if "excluded" in scored else 0,
        "ranked": int(scored["rank"].notna().sum()) if "rank" in scored else 0,
    }
    write_manifest(
        out,
        inputs=dict(inputs or {}),
        scenario={"name": attrs["scenario"], "hash": attrs["scenario_hash"]},
        as_of=attrs["as_of"],
        counts=counts,
        warnings=[f"sites: {n}" for n in attrs.get("site_notes", [])] or None,
        command=command,
        overwrite=overwrite,
    )
    return out
