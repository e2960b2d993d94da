"""Candidate sites: from a user's file, the built-in zones, or a generated lattice.

Every sites table is a GeoDataFrame in EPSG:4326 with :data:`SITE_COLUMNS`:
``site_id`` (str, unique), ``name`` (str), ``lon``/``lat`` (float64, the representative
point), ``area_ha`` / ``free_ha`` (float64, NaN = unknown), ``site_source`` ("builtin",
"grid" or the input file name) and ``geometry`` (the point, or the parcel polygon).

User files are validated once, here. As for company lists, a bad row (empty or swapped
coordinates, a point outside the region, a repeated id...) is left out and kept in a
rejects table (row, id, column, value, fix; :mod:`planner.inputs.rejects`) that the
commands write beside their output (exit 3); nothing is dropped silently. ``strict=True``
(``--strict``) keeps all-or-nothing: :class:`SiteFileError` lists every problem with its
row and id and nothing is loaded.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner import crs as _crs
from planner import i18n
from planner._infiles import either, refuse_special
from planner.core.sitetable import SITE_COLUMNS, builtin_sites, sites_table
from planner.errors import InputError, SiteFileError
from planner.i18n import tr
from planner.inputs.columns import (
    ColumnSpec,
    RowNotes,
    Rule,
    check_column,
    match_columns,
    parse_decimal,
    parse_degrees,
    parse_text,
)
from planner.inputs.rejects import REJECT_COLUMNS, rejects_table, row_problems
from planner.inputs.tables import (
    TABLE_SUFFIXES,
    TableKind,
    cell_frame,
    cell_text,
    read_table,
    row_label,
)

__all__ = [
    "COLUMNS",
    "SITE_COLUMNS",
    "builtin_sites",
    "grid_sites",
    "load_sites",
    "read_sites",
    "site_rejects",
]

log = logging.getLogger(__name__)

GEO_SUFFIXES = (".geojson", ".json", ".gpkg")
_MAX_LISTED = 50
#: beyond this a grid is almost certainly a typo in --spacing-km
MAX_GRID_SITES = 20_000_000


# --------------------------------------------------------------------------- columns

_SITES_KIND = TableKind(
    what="sites file", noun="sites list", item="site", header_example="site_id;name;lat;lon"
)
# messages "err.sites.*" are keys of the language catalog (columns.check_column)
_HECTARES = dict(
    parse=parse_decimal, invalid="err.sites.ha_invalid",
    rules=(Rule(lambda v: v < 0, "err.sites.ha_negative"),),
)
#: the columns of a sites table; lat/lon are the point (a geodata file has its geometry)
COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "lat", parse_degrees, required=True, aliases=("lat", "latitude", "широта"),
        invalid="err.sites.lat_invalid", empty="err.sites.lat_empty",
    ),
    ColumnSpec(
        "lon", parse_degrees, required=True,
        aliases=("lon", "lng", "long", "longitude", "долгота"),
        invalid="err.sites.lon_invalid", empty="err.sites.lon_empty",
    ),
    ColumnSpec(
        "site_id", parse_text, aliases=("site_id", "id"), exact_wins=True,
        empty="err.sites.id_empty",
    ),
    ColumnSpec("name", parse_text, aliases=("name", "наименование", "название")),
    ColumnSpec("area_ha", aliases=("area_ha",), **_HECTARES),
    ColumnSpec("free_ha", aliases=("free_ha",), **_HECTARES),
)  # fmt: skip
_ATTRIBUTES = tuple(s for s in COLUMNS if s.name not in ("lat", "lon"))


def _find_columns(
    columns: Sequence, specs: Sequence[ColumnSpec], where: str, problems: list[str]
) -> dict[str, str]:
    """Map our field -> the file's column (aliases as :func:`~.columns.norm_header`)."""
    cols = [str(c) for c in columns if c != "geometry"]
    match = match_columns(cols, specs)
    for field, idx in match.clashes.items():
        problems.append(tr("err.sites.clash", where=where, field=field,
                           columns=", ".join(repr(cols[i]) for i in idx)))  # fmt: skip
    return {field: cols[i] for field, i in match.found.items()}


def _check_fields(
    frame: pd.DataFrame, cols: dict[str, str], specs, notes: RowNotes, prefix: str,
    as_text=None,
) -> dict[str, np.ndarray]:
    """Parse and check the columns of ``specs`` present in ``frame``.

    ``as_text`` turns a column into text cells first (geodata attributes are typed).
    """
    out = {}
    for spec in specs:
        if spec.name in cols:
            cells = frame[cols[spec.name]].reset_index(drop=True)
            lang = i18n.message_lang()
            out[spec.name] = check_column(
                spec, as_text(cells) if as_text else cells, notes,
                col=i18n.t("err.sites.column", lang, name=cols[spec.name]),
                context={"prefix": prefix}, header=cols[spec.name], lang=lang,
            )
    return out


def _reject_repeated_ids(ids: np.ndarray, col: str | None, labels, notes: RowNotes) -> None:
    """A site id used again (among rows without other problems) rejects the later rows."""
    ids_s = pd.Series(ids, dtype=object)
    usable = notes.ok() & (ids_s != "").to_numpy(dtype=bool)
    cand = ids_s[usable]
    again = cand.duplicated(keep="first")
    if not again.any():
        return
    first = cand[~again].reset_index().set_index(0)["index"] if len(cand) else None
    first_of = {v: int(first[v]) for v in cand[again].unique()}
    notes.problem(
        again.index[again.to_numpy()],
        lambda i: tr("err.sites.id_repeated", col=col, id=ids[i], row=labels[first_of[ids[i]]]),
        column=col, value=lambda i: ids[i],
    )


# --------------------------------------------------------------------------- values


def _text(values: pd.Series) -> pd.Series:
    """Typed attribute values as cell text (:func:`~planner.inputs.tables.cell_text`)."""
    return pd.Series([cell_text(v) for v in values.astype(object).tolist()], dtype=object)


# --------------------------------------------------------------------------- validation


def _check_coordinates(
    lon: np.ndarray, lat: np.ndarray, notes: RowNotes, columns: str = "geometry"
) -> None:
    """Points outside Almaty Region (and swapped lat/lon) are problems of their rows."""
    west, south, east, north = _crs.REGION_BOUNDS_LONLAT
    ok = np.isfinite(lon) & np.isfinite(lat)
    inside = ok & (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
    swapped = ok & ~inside & (lat >= west) & (lat <= east) & (lon >= south) & (lon <= north)
    cell = {"column": columns, "value": lambda r: f"{lat[r]:g}; {lon[r]:g}"}
    box = dict(west=west, east=east, south=south, north=north)
    notes.problem(
        np.flatnonzero(swapped),
        lambda r: tr("err.sites.swapped", lat=f"{lat[r]:g}", lon=f"{lon[r]:g}", **box),
        **cell,
    )
    notes.problem(
        np.flatnonzero(ok & ~inside & ~swapped),
        lambda r: tr("err.sites.outside", lat=f"{lat[r]:g}", lon=f"{lon[r]:g}", **box),
        **cell,
    )


def _raise(where: str, problems: list[str], unit: str) -> None:
    shown = problems[:_MAX_LISTED]
    more = (tr("err.sites.more", n=len(problems) - _MAX_LISTED)
            if len(problems) > _MAX_LISTED else "")  # fmt: skip
    raise SiteFileError(
        tr("err.sites.problems", where=where, n=len(problems), unit=tr(f"err.sites.{unit}"))
        + "\n  - " + "\n  - ".join(shown) + more,
        problems,
    )


#: how the rows of a file are counted (keys of err.sites.*)
_TABLE_UNIT = "unit_rows"
_GEO_UNIT = "unit_features"


def _finish(
    path: Path, cells: pd.DataFrame, rows, notes: RowNotes, ids, fields: dict, geometry,
    unit: str, facts: dict,
) -> gpd.GeoDataFrame:  # fmt: skip
    """The sites table of the rows without problems; the others as rejects in ``.attrs``.

    ``fields`` holds ``name``, ``lon``, ``lat``, ``area_ha``, ``free_ha`` (arrays of all
    rows, or None); ``.attrs["site_rejects"]`` the rejected rows as records
    (:func:`planner.inputs.rejects.rejects_table`), ``.attrs["site_file"]`` how the file
    was read. A file with no usable row is refused (:class:`SiteFileError`).
    """
    ok = notes.ok()
    rejects = rejects_table(cells, rows, notes, ok, ids)
    what = "row" if unit == _TABLE_UNIT else "feature"
    if not ok.any():
        _raise(str(path), row_problems(rejects, unit=what), unit)

    def keep(v):
        return None if v is None else np.asarray(v)[ok]

    geoms = np.asarray(geometry, dtype=object)[ok]
    out = sites_table(
        np.asarray(ids, dtype=object)[ok], keep(fields["name"]), keep(fields["lon"]),
        keep(fields["lat"]), keep(fields["area_ha"]), keep(fields["free_ha"]), path.name,
        gpd.GeoSeries(geoms, crs=_crs.GEOGRAPHIC_CRS),
    )  # fmt: skip
    out.attrs["site_rejects"] = rejects.to_dict("records")
    out.attrs["site_file"] = {
        "path": str(path), "rows_in": len(ok), "valid": int(ok.sum()),
        "rejected": len(rejects), "unit": what, **facts,
    }  # fmt: skip
    return out


def site_rejects(sites: pd.DataFrame) -> pd.DataFrame:
    """The rejected rows of a sites file read with ``strict=False`` (empty: none)."""
    records = sites.attrs.get("site_rejects") or []
    return pd.DataFrame.from_records(records) if records else pd.DataFrame(
        columns=list(REJECT_COLUMNS))


def _read_table_sites(path: Path, encoding: str | None, sheet) -> gpd.GeoDataFrame:
    where = str(path)
    raw = read_table(path, kind=_SITES_KIND, encoding=encoding, sheet=sheet)
    text, notes = cell_frame(raw)
    problems: list[str] = []
    cols = _find_columns(text.columns, COLUMNS, where, problems)
    for field, spec in ((s.name, s) for s in COLUMNS if s.required):
        if field not in cols:
            names = either(f"`{a}`" for a in spec.aliases)
            problems.append(tr(
                "err.sites.no_column", where=where, field=field, names=names,
                found=", ".join(map(repr, raw.header)) or tr("err.sites.none"),
            ))
    if problems:
        _raise(where, problems, _TABLE_UNIT)
    if not raw.records:
        raise SiteFileError(tr("err.sites.no_rows", where=where))
    n = len(raw.records)
    labels = raw.labels()
    values = _check_fields(text, cols, COLUMNS, notes, "row")
    lon, lat = values["lon"], values["lat"]
    _check_coordinates(lon, lat, notes, f"{cols['lat']}; {cols['lon']}")
    ids = values.get("site_id")
    if ids is None:
        ids = np.array([f"row-{r}" for r in raw.rows], dtype=object)
    _reject_repeated_ids(ids, cols.get("site_id"), labels, notes)
    names = values.get("name", np.full(n, "", dtype=object))
    dropped = [c for c in text.columns if c not in cols.values()]
    if dropped:
        log.info("%s: columns not used for sites: %s", where, ", ".join(map(repr, dropped)))
    fields = {"name": names, "lon": lon, "lat": lat, "area_ha": values.get("area_ha"),
              "free_ha": values.get("free_ha")}  # fmt: skip
    facts = {k: getattr(raw, k) for k in ("encoding", "separator", "sheet", "blank_rows")}
    return _finish(path, text, raw.rows, notes, ids, fields,
                   gpd.points_from_xy(np.nan_to_num(lon), np.nan_to_num(lat)), _TABLE_UNIT,
                   facts)  # fmt: skip


# --------------------------------------------------------------------------- geodata files


def _read_geo(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    import warnings

    import pyogrio

    where = str(path)
    if layer is None and path.suffix.lower() == ".gpkg":
        try:
            names = [str(n) for n, _ in pyogrio.list_layers(path)]
        except Exception as exc:  # pyogrio's DataSourceError family
            raise InputError(tr("err.sites.gpkg_unreadable", where=where, error=exc)) from exc
        if len(names) > 1:
            raise InputError(tr("err.sites.gpkg_layers", where=where, n=len(names),
                                names=", ".join(names)))  # fmt: skip
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            gdf = gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # pyogrio's DataSourceError family
        raise InputError(tr("err.sites.geo_unreadable", where=where, error=exc)) from exc
    for w in caught:
        log.debug("reading %s: %s", where, w.message)
    return gdf


def _refuse_nan_coordinates(geoms, good, notes: RowNotes) -> None:
    """A feature with a NaN/infinite coordinate is a problem naming it (GEOS would raise)."""
    idx = np.flatnonzero(good)
    coords, owner = shapely.get_coordinates(geoms[idx], return_index=True)
    bad = idx[np.unique(owner[~np.isfinite(coords).all(axis=1)])]
    notes.problem(bad, tr("err.sites.coords_nan"), column="geometry")
    good[bad] = False


def _geometry_problems(geoms, notes: RowNotes) -> tuple[np.ndarray, np.ndarray]:
    """Features without a usable geometry are problems; (usable, polygon type) masks."""
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    types = shapely.get_type_id(geoms)  # 0 point, 3 polygon, 6 multipolygon
    wrong = ~missing & ~np.isin(types, (0, 3, 6))
    notes.problem(np.flatnonzero(missing), tr("err.sites.no_geometry"), column="geometry")
    notes.problem(
        np.flatnonzero(wrong),
        lambda r: tr("err.sites.geometry_type", type=geoms[r].geom_type), column="geometry",
    )
    good = ~missing & ~wrong
    _refuse_nan_coordinates(geoms, good, notes)
    return good, types


def _refuse_projected(where: str, gdf, geoms, good) -> None:
    if gdf.crs.is_geographic and good.any():
        b = shapely.total_bounds(geoms[good])
        beyond = (np.abs(b[[0, 2]]) > 180).any() or (np.abs(b[[1, 3]]) > 90).any()
        if np.isfinite(b).all() and beyond:
            raise InputError(tr("err.sites.projected", where=where, x=f"{b[2]:.0f}",
                                y=f"{b[3]:.0f}", crs=gdf.crs.to_string()))  # fmt: skip


def _repair_polygons(geoms, good, poly, notes: RowNotes) -> dict[int, str]:
    """Invalid parcels made valid (row -> why it was invalid); unrepairable ones rejected."""
    invalid = poly & ~shapely.is_valid(np.where(poly, geoms, None))
    repaired: dict[int, str] = {}
    for r in np.flatnonzero(invalid):
        fixed = shapely.make_valid(geoms[r])
        if fixed.geom_type == "GeometryCollection":
            fixed = shapely.union_all(
                [g for g in fixed.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
            )
        if fixed.is_empty or fixed.geom_type not in ("Polygon", "MultiPolygon"):
            notes.problem([r], tr("err.sites.polygon_broken",
                                  reason=shapely.is_valid_reason(geoms[r])), column="geometry")
            good[r] = poly[r] = False
            continue
        repaired[int(r)] = shapely.is_valid_reason(geoms[r])
        geoms[r] = fixed
    return repaired


def _read_geo_sites(path: Path, layer: str | None = None) -> gpd.GeoDataFrame:
    where = str(path)
    gdf = _read_geo(path, layer)
    if gdf.crs is None:
        raise InputError(tr("err.sites.no_crs", where=where))
    if len(gdf) == 0:
        raise SiteFileError(tr("err.sites.no_features", where=where))
    problems: list[str] = []
    n = len(gdf)
    labels = [row_label(i + 1, "feature") for i in range(n)]
    notes = RowNotes(n)
    geoms = np.array(gdf.geometry.to_numpy(), dtype=object)  # writable copy
    good, types = _geometry_problems(geoms, notes)
    _refuse_projected(where, gdf, geoms, good)
    if not gdf.crs.equals(_crs.GEOGRAPHIC_CRS):
        log.info("%s: reprojected from %s to EPSG:4326", where, gdf.crs.to_string())
        gdf = gdf.to_crs(_crs.GEOGRAPHIC_CRS)
        geoms = np.array(gdf.geometry.to_numpy(), dtype=object)  # writable copy
    poly = good & (types != 0)
    repaired = _repair_polygons(geoms, good, poly, notes)
    rep = np.where(good, geoms, None)
    rep[poly] = shapely.point_on_surface(geoms[poly])
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    lon[good] = shapely.get_x(rep[good])
    lat[good] = shapely.get_y(rep[good])
    notes.problem(np.flatnonzero(good & ~(np.isfinite(lon) & np.isfinite(lat))),
                  tr("err.sites.coords_nan"), column="geometry")
    _check_coordinates(lon, lat, notes)
    cols = _find_columns(gdf.columns, _ATTRIBUTES, where, problems)
    if problems:
        _raise(where, problems, _GEO_UNIT)
    values = _check_fields(gdf, cols, _ATTRIBUTES, notes, "feature", as_text=_text)
    ids = values.get("site_id")
    if ids is None:
        ids = np.array([f"feature-{i + 1}" for i in range(n)], dtype=object)
    _reject_repeated_ids(ids, cols.get("site_id"), labels, notes)
    area_attr = values.get("area_ha")
    area = np.full(n, np.nan) if area_attr is None else area_attr.copy()
    poly &= notes.ok()
    if poly.any():
        metric = gpd.GeoSeries(geoms[poly], crs=_crs.GEOGRAPHIC_CRS).to_crs(_crs.METRIC_CRS)
        area[poly] = metric.area.to_numpy() / 1e4
    names = values.get("name", np.full(n, "", dtype=object))
    attrs = pd.DataFrame({c: _text(gdf[c]).to_numpy() for c in gdf.columns
                          if c != gdf.geometry.name})  # fmt: skip
    fields = {"name": names, "lon": lon, "lat": lat, "area_ha": area,
              "free_ha": values.get("free_ha")}  # fmt: skip
    out = _finish(path, attrs, range(1, n + 1), notes, ids, fields, geoms, _GEO_UNIT, {})
    notes_ok = parcel_notes(ids, labels, area_attr, area, poly, repaired)
    out.attrs["site_notes"] = notes_ok
    for note in notes_ok:
        log.warning("%s: %s", where, note)
    return out


def parcel_notes(ids, labels, stated, area, poly, repaired: dict[int, str]) -> list[str]:
    """Per site id: a repaired invalid polygon, a stated area_ha replaced by the polygon's.

    A stated area within 0.5% (or 0.01 ha) of the polygon's is not worth a word."""
    notes = []
    lang = i18n.message_lang()

    def ha(x: float) -> str:
        return i18n.format_number(x, lang, 2, grouping=True)

    for r in np.flatnonzero(poly):
        site = tr("err.sites.site", id=ids[r], row=labels[r])
        if int(r) in repaired:
            notes.append(tr("err.sites.repaired", site=site, reason=repaired[int(r)],
                            area=ha(area[r])))  # fmt: skip
        s = np.nan if stated is None else float(stated[r])
        if np.isfinite(s) and abs(s - area[r]) > max(0.005 * abs(area[r]), 0.01):
            diff = ("+" if area[r] >= s else "-") + ha(abs(area[r] - s))
            notes.append(tr("err.sites.area_replaced", site=site, stated=ha(s),
                            area=ha(area[r]), diff=diff))  # fmt: skip
    return notes


# --------------------------------------------------------------------------- public API


def read_sites(
    path: str | Path,
    layer: str | None = None,
    *,
    encoding: str | None = None,
    sheet: str | int | None = None,
    strict: bool = True,
) -> gpd.GeoDataFrame:
    """Read and validate a user's sites file.

    Parameters
    ----------
    path
        CSV/TXT/TSV or XLSX, read exactly as company lists are
        (:func:`planner.inputs.tables.read_table`: ``;``, ``,`` or tab separated, comma
        decimals, UTF-8 with or without BOM, UTF-16 with BOM, cp1251, kz1048 or cp866),
        GeoJSON or GeoPackage (points, or polygons = land parcels: representative point,
        ``area_ha`` computed in EPSG:32643). Columns (:data:`COLUMNS`) are found case-,
        space- and punctuation-insensitively: ``lat``/``latitude``/``широта``,
        ``lon``/``lng``/``long``/``longitude``/``долгота``, ``site_id``/``id``,
        ``name``/``наименование``/``название``, ``area_ha``, ``free_ha``.
    layer
        GeoPackage layer (needed only when the file holds several).
    encoding
        CSV encoding; default: detected.
    sheet
        Excel sheet name or 0-based index; default the first sheet.
    strict
        All or nothing (the default here): any bad row refuses the file. With
        ``strict=False`` (what the commands do unless ``--strict``) bad rows are left out
        and kept, with their row, id, column, value and fix, in ``.attrs["site_rejects"]``
        (:func:`site_rejects` gives them as a table); ``.attrs["site_file"]`` says how
        the file was read (rows in, valid, rejected, encoding, separator).

    Rows are numbered as a spreadsheet shows them (the header is row 1; Excel's row
    numbers), features of a GeoJSON/GeoPackage from 1; every message names the row's id.

    Raises
    ------
    SiteFileError
        listing every bad row (empty or non-numeric coordinates, swapped lat/lon, points
        outside Almaty Region, empty or repeated ids) with its id; nothing is loaded
        (``strict``, or no row is usable).
    InputError
        unreadable file, no CRS, projected numbers labelled as degrees, unknown format.
    """
    path = Path(path)
    refuse_special(path, "sites file")
    if not path.is_file():
        raise InputError(tr("err.sites.missing", path=str(path)))
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        gdf = _read_table_sites(path, encoding, sheet)
    elif suffix in GEO_SUFFIXES:
        gdf = _read_geo_sites(path, layer)
    else:
        raise InputError(tr("err.sites.format", path=str(path),
                            suffix=suffix or tr("err.outputs.no_suffix"),
                            suffixes=", ".join(TABLE_SUFFIXES + GEO_SUFFIXES)))  # fmt: skip
    rejects = site_rejects(gdf)
    if strict and len(rejects):
        facts = gdf.attrs["site_file"]
        unit = _TABLE_UNIT if facts["unit"] == "row" else _GEO_UNIT
        _raise(str(path), row_problems(rejects, unit=facts["unit"]), unit)
    log.info("%s: %d site(s) loaded, %d rejected", path, len(gdf), len(rejects))
    return gdf


def _around_geometry(layers, around: str | Sequence[str]):
    """Union (metric) of the layers or feature ids named in ``around``."""
    from planner.core.layerset import LAYER_NAMES

    tokens = [t.strip() for t in (around.split(",") if isinstance(around, str) else around)]
    tokens = [t for t in tokens if t]
    if not tokens:
        raise InputError(tr("err.sites.around_empty"))
    geoms = []
    for tok in tokens:
        if tok in LAYER_NAMES:
            geoms.extend(layers.metric(tok).geometry.to_numpy())
            continue
        hits = [
            layers.metric(n).geometry[layers[n]["id"].astype(str).to_numpy() == tok].to_numpy()
            for n in LAYER_NAMES
        ]
        hits = [g for h in hits for g in h]
        if not hits:
            raise InputError(tr("err.sites.around_unknown", token=tok,
                                layers=", ".join(LAYER_NAMES)))  # fmt: skip
        geoms.extend(hits)
    return shapely.union_all(np.asarray(geoms, dtype=object))


def grid_sites(
    layers,
    spacing_km: float = 1.0,
    within_km: float = 20.0,
    around: str | Sequence[str] = "bakad",
    hexagonal: bool = True,
    keep_excluded: bool = False,
) -> gpd.GeoDataFrame:
    """A lattice of candidate points near a layer, without excluded land.

    The lattice is hexagonal by default: built in EPSG:32643 from arrays (no extra package,
    unlike H3), it gives every site six neighbours at exactly ``spacing_km`` and leaves no
    place farther than ``spacing_km / sqrt(3)`` from a site (0.58 x spacing, against 0.71 x
    for a square lattice), so rankings do not favour the lattice's axes. It is anchored at
    the UTM origin, so a point keeps its ``site_id`` (``g<spacing m>m-<row>-<col>``,
    zero-padded so that ids sort in lattice order) when ``within_km`` or ``around``
    change. ``hexagonal=False`` gives a square lattice.

    Parameters
    ----------
    layers
        The LayerSet.
    spacing_km
        Distance between neighbouring sites, km (> 0).
    within_km
        Keep sites within this distance of ``around``, km (>= 0; 0 keeps only points
        inside polygons).
    around
        Layer name(s) (``bakad``, ``zones``, ``cities``, ...) and/or feature ids
        (``konaev``, ``gate-city``, ``aiz-1``), a list or a comma-separated string.
    hexagonal
        Hexagonal (default) or square lattice.

    Returns
    -------
    Sites table (:data:`SITE_COLUMNS`, point geometry), ``site_source`` "grid"; sites in
    excluded land (national park, mountain front, water: the ``exclusion`` and ``water``
    constraints) or outside the region polygons are left out, unless ``keep_excluded``
    (then every lattice point of the area is kept; the caller marks them).
    """
    for name, v, lo in (("spacing_km", spacing_km, 0.0), ("within_km", within_km, -1.0)):
        if not (isinstance(v, int | float) and math.isfinite(v) and v > lo):
            need = "> 0" if lo == 0.0 else ">= 0"
            raise InputError(tr("err.sites.grid_km", name=name, value=v, need=need))
    s = float(spacing_km) * 1000.0
    area = _around_geometry(layers, around)
    if within_km > 0:
        area = shapely.buffer(area, float(within_km) * 1000.0, quad_segs=16)
    if area.is_empty or area.area == 0:
        raise InputError(tr("err.sites.grid_no_area", around=around, km=within_km))
    dy = s * math.sqrt(3) / 2 if hexagonal else s
    expected = area.area / (s * dy)
    if expected > MAX_GRID_SITES:
        lang = i18n.message_lang()
        raise InputError(tr(
            "err.sites.grid_too_many", spacing=spacing_km, km=within_km,
            n=i18n.format_number(expected, lang, 0, grouping=True),
            limit=i18n.format_number(MAX_GRID_SITES, lang, 0, grouping=True),
        ))
    minx, miny, maxx, maxy = area.bounds
    rows = np.arange(math.floor(miny / dy), math.ceil(maxy / dy) + 1, dtype=np.int64)
    cols = np.arange(math.floor(minx / s) - 1, math.ceil(maxx / s) + 1, dtype=np.int64)
    jj, ii = np.meshgrid(rows, cols, indexing="ij")
    jj, ii = jj.ravel(), ii.ravel()
    x = ii * s + ((jj & 1) * (s / 2) if hexagonal else 0.0)
    y = jj * dy
    shapely.prepare(area)
    keep = shapely.contains_xy(area, x, y)
    if not keep_excluded:
        keep = _off_excluded_land(layers, x, y, keep)
    x, y, jj, ii = x[keep], y[keep], jj[keep], ii[keep]
    lon, lat = _crs.metric_to_lonlat(x, y)
    tag = f"g{round(s)}m"
    pairs = zip(jj.tolist(), ii.tolist(), strict=True)
    ids = np.array([f"{tag}-{j:06d}-{i:06d}" for j, i in pairs], dtype=object)
    log.info(
        "grid: %d sites, spacing %.3g km, within %.3g km of %s",
        len(ids),
        spacing_km,
        within_km,
        around,
    )
    return sites_table(ids, ids, lon, lat, None, None, "grid", gpd.points_from_xy(lon, lat))


def _off_excluded_land(layers, x: np.ndarray, y: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``keep`` without the points in excluded land or outside every region polygon."""
    keep = keep.copy()
    cons = layers.metric("constraints")
    kinds = layers["constraints"]["kind"].to_numpy()
    excl = cons.geometry.to_numpy()[np.isin(kinds, ("exclusion", "water"))]
    region = cons.geometry.to_numpy()[kinds == "region"]
    if len(excl):
        bad = shapely.union_all(excl)
        shapely.prepare(bad)
        keep[keep] = ~shapely.contains_xy(bad, x[keep], y[keep])
    if len(region):
        reg = shapely.union_all(region)
        shapely.prepare(reg)
        keep[keep] = shapely.contains_xy(reg, x[keep], y[keep])
    return keep


def load_sites(spec: str | Path, layers, lang: str = "ru", *, strict: bool = True,
               **grid_options) -> gpd.GeoDataFrame:  # fmt: skip
    """Sites from ``"builtin"`` (the zones, named in ``lang``), ``"grid"``
    (:func:`grid_sites`) or a file path (:func:`read_sites`; ``strict=False`` leaves bad
    rows out, see :func:`site_rejects`)."""
    if not isinstance(spec, Path) and str(spec) == "builtin":
        return builtin_sites(layers, lang)
    if not isinstance(spec, Path) and str(spec) == "grid":
        return grid_sites(layers, **grid_options)
    return read_sites(spec, strict=strict)
