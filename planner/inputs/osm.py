"""Planner layers from an OpenStreetMap extract (``.osm.pbf``, ``.osm``), read with pyosmium.

One streaming pass (two when areas or ``--bakad-relation`` need it) over the file picks
the features the layers use; pyosmium's C++ filters drop every other object before Python
sees it, and geometries come from osmium's WKB factory (ways, and areas assembled from
closed ways and multipolygon/boundary relations):

========== ===================================================================================
layer      what is taken (kind)
========== ===================================================================================
bakad      ways named БАКАД / BAKAD / «Большая Алматинская кольцевая...» (or the members of
           ``bakad_relation``), merged into one line (``ring_road``, id ``bakad``); its
           ``highway=motorway_junction`` nodes and the link roads that join it, grouped
           into ``interchange`` points
transport  ``railway=rail`` (``railway``); ``railway=station|halt`` (``rail_station``) and
           freight yards/stations (``freight_yard``); ``highway=motorway|trunk|primary``
           other than BAKAD (``highway``); aerodromes with an IATA or ICAO code (``airport``)
cities     the Almaty admin outline (``almaty``), the Almaty and Konaev place nodes
           (``almaty-centre``, ``konaev-centre``), other city/town nodes (``city_centre``),
           district-level admin boundaries (``admin_boundary``), ``landuse=residential`` and
           place polygons (``settlement``), and villages/hamlets with neither: an estimated
           circle (``settlement``, ``estimated=true``)
constraints ``boundary=national_park|protected_area`` (``exclusion``), water >= 1 ha
           (``water``), the Almaty Region and Almaty city admin outlines (``region``,
           ``city_limits``)
candidates ``landuse=industrial`` polygons: candidate sites (not zones), a separate file
========== ===================================================================================

Everything is clipped to the planning area (Almaty Region and Almaty city; the OSM outline
when the extract has it, else the built-in one). Every feature has ``source =
"OpenStreetMap <file timestamp> ..."``, ``estimated``, ``accuracy_m`` and ``licence`` (ODbL).
Features a layer must have but the extract lacks (Gate City, the Khorgos dry port outside the
region...) are taken from the built-in layers and the report says so; a layer with no OSM
feature at all is not written, so the built-in one stays in use. The report counts every
layer and says what is missing (e.g. "no way named БАКАД found; pass --bakad-relation").

The reading is in :mod:`planner.inputs._osm_read`, BAKAD in :mod:`planner.inputs._osm_bakad`
and the other layers' feature rows in :mod:`planner.inputs._osm_features`; this module
assembles, clips, completes and writes them.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner import crs as _crs
from planner._atomic import atomic_output, check_writable
from planner.errors import InputError
from planner.i18n import tr
from planner.inputs._osm_bakad import _bakad_layer
from planner.inputs._osm_features import (
    OSM_LICENCE,
    _admin,
    _candidates,
    _cities,
    _constraints,
    _poly,
    _transport,
)
from planner.inputs._osm_read import _collect, _Collected, _osm_ref, _relation_members
from planner.inputs.layers import LAYER_SPECS, load_layers

__all__ = ["OSM_LICENCE", "OsmLayers", "candidates_path", "layers_from_osm", "write_osm_layers"]

log = logging.getLogger(__name__)



@dataclass
class OsmLayers:
    """The layers made from an extract, the candidate sites and the report."""

    path: Path
    stamp: str
    layers: dict[str, gpd.GeoDataFrame]
    candidates: gpd.GeoDataFrame
    counts: dict[str, dict[str, int]]
    missing: list[str]
    notes: list[str]
    from_builtin: list[str]
    broken: list[str]

    def report(self, lang: str = "en") -> str:
        """Plain-text report in ``lang``: counts per layer and kind, what is missing, what
        was done."""
        from planner import i18n

        words = i18n.section("out.osm", lang)
        lines = [words["title"].format(path=self.path, stamp=self.stamp)]
        for name in ("bakad", "transport", "cities", "constraints", "candidates"):
            kinds = self.counts.get(name, {})
            total = sum(kinds.values())
            what = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or words["none"]
            written = name == "candidates" or name in self.layers
            lines.append(words["layer"].format(name=name, n=total, kinds=what)
                         + ("" if written or not total else words["not_written"]))
        for title, items in (("missing", self.missing), ("from_builtin", self.from_builtin),
                             ("broken", self.broken), ("notes", self.notes)):
            if items:
                lines.append(f"  {words[title]}:")
                lines += [f"    - {s}" for s in items[:30]]
                if len(items) > 30:
                    lines.append(words["more"].format(n=len(items) - 30))
        return "\n".join(lines)


def _clip(gdf: gpd.GeoDataFrame, area_ll) -> gpd.GeoDataFrame:
    """Features inside the planning area, lines and polygons cut at its border."""
    if gdf.empty:
        return gdf
    geoms = gdf.geometry.to_numpy()
    shapely.prepare(area_ll)  # one polygon tested against every feature
    keep = shapely.intersects(area_ll, geoms)
    gdf = gdf[keep].copy()
    geoms = geoms[keep]
    inside = shapely.within(geoms, area_ll)
    cut = shapely.intersection(geoms[~inside], area_ll)
    cut = np.array([_keep_type(g, o) for g, o in zip(cut, geoms[~inside], strict=True)],
                   dtype=object)
    geoms = geoms.copy()
    geoms[~inside] = cut
    gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=_crs.GEOGRAPHIC_CRS))
    return gdf[~gdf.geometry.isna() & ~gdf.geometry.is_empty]


def _keep_type(geom, original):
    """The part of ``geom`` of ``original``'s dimension (clipping can add points/lines)."""
    if geom is None or geom.is_empty:
        return None
    dim = shapely.get_dimensions(original)
    if geom.geom_type == "GeometryCollection":
        parts = [g for g in geom.geoms if shapely.get_dimensions(g) == dim]
        geom = shapely.union_all(parts) if parts else None
        if geom is not None and dim == 1:
            geom = shapely.line_merge(geom)
    if geom is None or geom.is_empty or shapely.get_dimensions(geom) != dim:
        return None
    return geom


def layers_from_osm(
    path: str | Path, bakad_relation: int | None = None, clip: bool = True,
    min_water_ha: float = 1.0,
) -> OsmLayers:
    """Read an OSM extract and make the planner's layers from it.

    Parameters
    ----------
    path
        ``.osm.pbf`` (or ``.osm``/``.osm.bz2``) extract covering (part of) Almaty Region.
    bakad_relation
        OSM id of BAKAD's route relation, when its ways are not named БАКАД/BAKAD.
    clip
        Cut every feature to the planning area (Almaty Region and Almaty city).
    min_water_ha
        Water polygons smaller than this are left out (ponds), hectares.

    Raises
    ------
    InputError
        the file is missing or unreadable, or holds none of the features (the message
        carries the report).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(tr("err.osm.missing", path=path))
    bakad_ways: set[int] = set()
    if bakad_relation is not None:
        bakad_ways = _relation_members(path, bakad_relation)
    try:
        c, stamp = _collect(path, bakad_ways)
    except (RuntimeError, ValueError) as exc:  # osmium: unknown format, truncated file...
        raise InputError(tr("err.osm.unreadable", path=path, error=exc)) from exc
    if not stamp:
        stamp = tr("err.osm.latest_edit", time=c.latest.astimezone(dt.UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ")) if c.latest else tr("err.osm.no_stamp")
    return _assemble(path, c, stamp, bakad_relation, clip, min_water_ha)


def _assemble(path, c: _Collected, stamp, relation, clip, min_water_ha) -> OsmLayers:
    notes: list[str] = []
    missing: list[str] = []
    broken = list(c.broken)
    for key, what in sorted(c.area_candidates.items()):
        if key not in c.areas_made:
            broken.append(tr("err.osm.not_assembled", ref=_osm_ref(key), what=what))
    builtin = load_layers()
    region_osm, city_osm, admins = _admin(c.areas)
    polys = {}
    for a in c.areas:
        g = _poly(shapely.from_wkb(a["wkb"]))
        if g is None:
            broken.append(tr("err.osm.invalid_polygon", ref=a["osm"], what=a["what"]))
        polys[a["osm"]] = g

    # the planning area: Almaty Region and Almaty city, from OSM where the extract has them
    cons = builtin["constraints"]
    parts, said = [], []
    for rec, fid, what in ((region_osm, "region-almaty", "region"),
                           (city_osm, "region-almaty-city", "city")):
        if rec and polys.get(rec["osm"]) is not None:
            parts.append(polys[rec["osm"]])
            said.append(tr(f"err.osm.osm_{what}"))
        else:
            parts += list(cons.loc[cons["id"] == fid].geometry)
            said.append(tr(f"err.osm.builtin_{what}"))
    area_ll = shapely.union_all(parts)
    if clip:
        notes.append(tr("err.osm.clipped", region=said[0], city=said[1]))

    def finish(gdf):
        return _clip(gdf, area_ll) if clip else gdf

    layers: dict[str, gpd.GeoDataFrame] = {}
    counts: dict[str, dict[str, int]] = {}
    bakad = _bakad_layer(c, stamp, relation, notes, missing)
    if bakad is not None:
        layers["bakad"] = finish(bakad)
    layers["transport"] = finish(_transport(c, stamp, polys, notes, missing))
    layers["cities"] = finish(_cities(c, stamp, polys, city_osm, admins, notes, missing))
    layers["constraints"] = finish(
        _constraints(c, stamp, polys, region_osm, city_osm, min_water_ha, notes, missing))
    cand = finish(_candidates(c, stamp, polys))
    for name, gdf in layers.items():
        counts[name] = gdf["kind"].value_counts().to_dict() if len(gdf) else {}
    counts["candidates"] = {"industrial land": len(cand)} if len(cand) else {}
    if not any(counts.values()):
        from planner import i18n

        rep = OsmLayers(path, stamp, {}, cand, counts, missing, notes, [], broken).report(
            i18n.message_lang())
        raise InputError(tr("err.osm.nothing_inside" if clip else "err.osm.nothing",
                            path=path, report=rep))  # fmt: skip
    from_builtin: list[str] = []
    out: dict[str, gpd.GeoDataFrame] = {}
    for name, gdf in layers.items():
        if gdf.empty:
            missing.append(tr("err.osm.no_feature", name=name))
            continue
        out[name] = _complete(name, gdf, builtin, from_builtin)
    cons = out.get("constraints")
    if cons is not None and "region-almaty-city" not in set(cons["id"]) and (
            "region-almaty" in set(cons["id"]) and cons.loc[cons["id"] == "region-almaty",
                                                              "source"].iloc[0].startswith("Open")):
        # the OSM region has the city as a hole: keep the city in the planning area
        out["constraints"] = _complete_ids("constraints", cons, builtin, ("region-almaty-city",),
                                           from_builtin)
    return OsmLayers(path, stamp, out, cand, counts, missing, notes, from_builtin, broken)


def _complete_ids(name, gdf, builtin, ids, from_builtin):
    return _complete(name, gdf, builtin, from_builtin, extra_ids=ids)


def _complete(name: str, gdf: gpd.GeoDataFrame, builtin, from_builtin: list[str],
              extra_ids: tuple[str, ...] = ()):
    """Add the built-in features a layer must have but the extract did not give."""
    spec = LAYER_SPECS[name]
    base = builtin[name]
    ids = set(gdf["id"])
    kinds = set(gdf["kind"])
    take = np.zeros(len(base), dtype=bool)
    for rid in (*spec.required_ids, *extra_ids):
        if rid not in ids:
            take |= (base["id"] == rid).to_numpy()
    for rk in spec.required_kinds:
        if rk not in kinds:
            take |= (base["kind"] == rk).to_numpy()
    for group in spec.required_any:
        if not kinds.intersection(group):
            take |= base["kind"].isin(group).to_numpy()
    if not take.any():
        return gdf.reset_index(drop=True)
    extra = base[take]
    for _, r in extra.iterrows():
        from_builtin.append(tr("err.osm.from_builtin_estimated" if r["estimated"] else
                               "err.osm.from_builtin_public", ref=f"{name}/{r['id']}",
                               kind=r["kind"]))  # fmt: skip
    cols = list(dict.fromkeys([*gdf.columns, *extra.columns]))
    merged = pd.concat([gdf.reindex(columns=cols), extra.reindex(columns=cols)],
                       ignore_index=True)
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=_crs.GEOGRAPHIC_CRS)


# --------------------------------------------------------------------------- writing


def candidates_path(output: str | Path) -> Path:
    """Default file of the candidate sites beside ``output``: ``<stem>_candidates.gpkg``."""
    output = Path(output)
    return output.with_name(f"{output.stem}_candidates.gpkg")


def write_osm_layers(result: OsmLayers, output: str | Path, candidates: str | Path | None = None,
                     overwrite: bool = False) -> tuple[Path, Path | None]:
    """Write the layers (one GeoPackage, a table per layer) and the candidate sites.

    Both outputs are checked before anything is written; each is written atomically.
    Returns the two paths (the second None when there is no candidate site).
    """
    output = Path(output)
    if output.suffix.lower() != ".gpkg":
        raise InputError(tr("err.osm.output_suffix", path=output))
    cand_path = Path(candidates) if candidates else candidates_path(output)
    check_writable(output, overwrite)
    if len(result.candidates):
        check_writable(cand_path, overwrite)
    with atomic_output(output, overwrite) as tmp:
        for name, gdf in result.layers.items():
            gdf = gdf.copy()
            for col in gdf.columns:
                if col != gdf.geometry.name and gdf[col].dtype == object:
                    gdf[col] = gdf[col].where(gdf[col].notna(), None)
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
    if not len(result.candidates):
        return output, None
    with atomic_output(cand_path, overwrite) as tmp:
        result.candidates.to_file(tmp, layer="candidate_sites", driver="GPKG", engine="pyogrio")
    return output, cand_path
