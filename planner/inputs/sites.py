"""Candidate sites: from a user's file, the built-in zones, or a generated lattice.

Every sites table is a GeoDataFrame in EPSG:4326 with :data:`SITE_COLUMNS`:
``site_id`` (str, unique), ``name`` (str), ``lon``/``lat`` (float64, the representative
point), ``area_ha`` / ``free_ha`` (float64, NaN = unknown), ``site_source`` ("builtin",
"grid" or the input file name) and ``geometry`` (the point, or the parcel polygon).

User files are validated once, here, and a file with any bad row is refused as a whole
(:class:`SiteFileError` lists every problem with its row and column): a siting list with
silently dropped rows is worse than one that has to be fixed.
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
from planner._infiles import refuse_special
from planner.core.sitetable import SITE_COLUMNS, builtin_sites, sites_table
from planner.errors import InputError, SiteFileError
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
from planner.inputs.tables import TABLE_SUFFIXES, TableKind, cell_frame, cell_text, read_table

__all__ = [
    "COLUMNS",
    "SITE_COLUMNS",
    "builtin_sites",
    "grid_sites",
    "load_sites",
    "read_sites",
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
_HECTARES = dict(
    parse=parse_decimal,
    invalid="{col}: {value} is not a number; use hectares, e.g. 12.5 (or leave the cell empty)",
    rules=(Rule(lambda v: v < 0, "{col}: {parsed:g} is negative; use hectares >= 0"),),
)
#: the columns of a sites table; lat/lon are the point (a geodata file has its geometry)
COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "lat", parse_degrees, required=True, aliases=("lat", "latitude", "широта"),
        invalid="{col}: {value} is not a number; use decimal degrees, e.g. 43.52",
        empty="{col} is empty; every site needs lat in decimal degrees, e.g. 43.52",
    ),
    ColumnSpec(
        "lon", parse_degrees, required=True,
        aliases=("lon", "lng", "long", "longitude", "долгота"),
        invalid="{col}: {value} is not a number; use decimal degrees, e.g. 77.06",
        empty="{col} is empty; every site needs lon in decimal degrees, e.g. 77.06",
    ),
    ColumnSpec(
        "site_id", parse_text, aliases=("site_id", "id"), exact_wins=True,
        empty="{col} is empty; give every site an id, or remove the column to number the "
        "sites automatically ({prefix}-1, {prefix}-2, ...)",
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
        problems.append(
            f"{where}: columns {', '.join(repr(cols[i]) for i in idx)} all mean `{field}`; "
            "keep one of them"
        )
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
            out[spec.name] = check_column(
                spec, as_text(cells) if as_text else cells, notes,
                col=f"column `{cols[spec.name]}`", context={"prefix": prefix},
            )
    return out


def _check_unique_ids(ids: np.ndarray, col: str | None, labels, problems: list[str]) -> None:
    s = pd.Series(ids)
    dup = s[(s != "") & s.duplicated(keep=False)]
    for val, grp in dup.groupby(dup, sort=True):
        where = ", ".join(labels[i] for i in grp.index[:10])
        problems.append(
            f"column `{col}`: id {val!r} is used more than once ({where}); ids must be unique"
        )


# --------------------------------------------------------------------------- values


def _text(values: pd.Series) -> pd.Series:
    """Typed attribute values as cell text (:func:`~planner.inputs.tables.cell_text`)."""
    return pd.Series([cell_text(v) for v in values.astype(object).tolist()], dtype=object)


# --------------------------------------------------------------------------- validation


def _check_coordinates(lon: np.ndarray, lat: np.ndarray, notes: RowNotes) -> None:
    """Points outside Almaty Region (and swapped lat/lon) are problems of their rows."""
    west, south, east, north = _crs.REGION_BOUNDS_LONLAT
    ok = np.isfinite(lon) & np.isfinite(lat)
    inside = ok & (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
    swapped = ok & ~inside & (lat >= west) & (lat <= east) & (lon >= south) & (lon <= north)
    notes.problem(
        np.flatnonzero(swapped),
        lambda r: f"lat={lat[r]:g}, lon={lon[r]:g} look swapped (Almaty Region is at lat "
        f"{south}-{north}, lon {west}-{east}); swap the latitude and longitude values",
    )
    notes.problem(
        np.flatnonzero(ok & ~inside & ~swapped),
        lambda r: f"lon={lon[r]:g}, lat={lat[r]:g} is outside Almaty Region "
        f"({west}-{east} E, {south}-{north} N); check the coordinates (decimal degrees, WGS84)",
    )


def _raise(where: str, problems: list[str], unit: str) -> None:
    shown = problems[:_MAX_LISTED]
    more = f"\n  ... and {len(problems) - _MAX_LISTED} more" if len(problems) > _MAX_LISTED else ""
    raise SiteFileError(
        f"{where}: {len(problems)} problem(s) in the sites file ({unit}); nothing was loaded, "
        "fix them and run again:\n  - " + "\n  - ".join(shown) + more,
        problems,
    )


def _read_table_sites(path: Path, encoding: str | None, sheet) -> gpd.GeoDataFrame:
    where = str(path)
    raw = read_table(path, kind=_SITES_KIND, encoding=encoding, sheet=sheet)
    text, notes = cell_frame(raw)
    problems: list[str] = []
    cols = _find_columns(text.columns, COLUMNS, where, problems)
    for field, spec in ((s.name, s) for s in COLUMNS if s.required):
        if field not in cols:
            names = ", ".join(f"`{a}`" for a in spec.aliases[:-1]) + f" or `{spec.aliases[-1]}`"
            problems.append(
                f"{where}: no {field} column "
                f"(found columns: {', '.join(map(repr, raw.header)) or 'none'}); "
                f"name it {names} (any case)"
            )
    if problems:
        _raise(where, problems, "rows are counted from 1 below the header")
    if not raw.records:
        raise SiteFileError(f"{where}: the file has a header but no sites; add one row per site")
    n = len(raw.records)
    labels = [f"row {i + 1}" for i in range(n)]
    values = _check_fields(text, cols, COLUMNS, notes, "row")
    lon, lat = values["lon"], values["lat"]
    _check_coordinates(lon, lat, notes)
    ids = values.get("site_id")
    if ids is None:
        ids = np.array([f"row-{i + 1}" for i in range(n)], dtype=object)
    problems = notes.labelled(labels)
    _check_unique_ids(ids, cols.get("site_id"), labels, problems)
    if problems:
        _raise(where, problems, "rows are counted from 1 below the header")
    names = values.get("name", np.full(n, "", dtype=object))
    dropped = [c for c in text.columns if c not in cols.values()]
    if dropped:
        log.info("%s: columns not used for sites: %s", where, ", ".join(map(repr, dropped)))
    return sites_table(
        ids, names, lon, lat, values.get("area_ha"), values.get("free_ha"), path.name,
        gpd.points_from_xy(lon, lat),
    )  # fmt: skip


# --------------------------------------------------------------------------- geodata files


def _read_geo(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    import warnings

    import pyogrio

    where = str(path)
    if layer is None and path.suffix.lower() == ".gpkg":
        try:
            names = [str(n) for n, _ in pyogrio.list_layers(path)]
        except Exception as exc:  # pyogrio's DataSourceError family
            raise InputError(
                f"cannot read {where}: {exc}; give a GeoPackage readable by GDAL"
            ) from exc
        if len(names) > 1:
            raise InputError(
                f"{where} holds {len(names)} layers ({', '.join(names)}); save the sites layer "
                "as its own file or name the layer (read_sites(path, layer=...))"
            )
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            gdf = gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # pyogrio's DataSourceError family
        raise InputError(
            f"cannot read {where}: {exc}; give a CSV, XLSX, GeoJSON or GeoPackage file"
        ) from exc
    for w in caught:
        log.debug("reading %s: %s", where, w.message)
    return gdf


def _refuse_nan_coordinates(geoms, good, labels, problems) -> None:
    """A feature with a NaN/infinite coordinate is a problem naming it (GEOS would raise)."""
    idx = np.flatnonzero(good)
    coords, owner = shapely.get_coordinates(geoms[idx], return_index=True)
    bad = np.unique(owner[~np.isfinite(coords).all(axis=1)])
    for r in idx[bad]:
        problems.append(f"{labels[r]}: coordinates are not numbers (NaN or infinite); fix or "
                        "redraw the geometry")
        good[r] = False


def _read_geo_sites(path: Path, layer: str | None = None) -> gpd.GeoDataFrame:
    where = str(path)
    gdf = _read_geo(path, layer)
    unit = "features are counted from 1 in file order"
    if gdf.crs is None:
        raise InputError(
            f"{where}: no CRS is declared; save it with its CRS (GeoJSON: EPSG:4326 lon/lat; "
            "GeoPackage: set the layer's SRS), the planner does not guess"
        )
    if len(gdf) == 0:
        raise SiteFileError(f"{where}: the file has no features; add one point or polygon per site")
    problems: list[str] = []
    labels = [f"feature {i + 1}" for i in range(len(gdf))]
    geoms = np.array(gdf.geometry.to_numpy(), dtype=object)  # writable copy
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    types = shapely.get_type_id(geoms)  # 0 point, 3 polygon, 6 multipolygon
    wrong = ~missing & ~np.isin(types, (0, 3, 6))
    for r in np.flatnonzero(missing):
        problems.append(f"{labels[r]}: has no geometry; give it a point or polygon or remove it")
    for r in np.flatnonzero(wrong):
        problems.append(
            f"{labels[r]}: geometry {geoms[r].geom_type} is not a site; use a Point "
            "or a (Multi)Polygon land parcel"
        )
    good = ~missing & ~wrong
    _refuse_nan_coordinates(geoms, good, labels, problems)
    if gdf.crs.is_geographic and good.any():
        b = shapely.total_bounds(geoms[good])
        beyond = (np.abs(b[[0, 2]]) > 180).any() or (np.abs(b[[1, 3]]) > 90).any()
        if np.isfinite(b).all() and beyond:
            raise InputError(
                f"{where}: coordinates up to x={b[2]:.0f}, y={b[3]:.0f} are not degrees "
                f"although the file says {gdf.crs.to_string()}; the data is projected (e.g. "
                "UTM 43N metres): declare its real CRS in the file, or reproject it to EPSG:4326"
            )
    if not gdf.crs.equals(_crs.GEOGRAPHIC_CRS):
        log.info("%s: reprojected from %s to EPSG:4326", where, gdf.crs.to_string())
        gdf = gdf.to_crs(_crs.GEOGRAPHIC_CRS)
        geoms = np.array(gdf.geometry.to_numpy(), dtype=object)  # writable copy
    poly = good & (types != 0)
    invalid = poly & ~shapely.is_valid(np.where(poly, geoms, None))
    repaired: dict[int, str] = {}  # row -> why the polygon was invalid
    for r in np.flatnonzero(invalid):
        fixed = shapely.make_valid(geoms[r])
        if fixed.geom_type == "GeometryCollection":
            fixed = shapely.union_all(
                [g for g in fixed.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
            )
        if fixed.is_empty or fixed.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(
                f"{labels[r]}: invalid polygon ({shapely.is_valid_reason(geoms[r])}) "
                "cannot be repaired; redraw it"
            )
            good[r] = poly[r] = False
            continue
        repaired[int(r)] = shapely.is_valid_reason(geoms[r])
        geoms[r] = fixed
    rep = np.where(good, geoms, None)
    rep[poly] = shapely.point_on_surface(geoms[poly])
    lon = np.full(len(gdf), np.nan)
    lat = np.full(len(gdf), np.nan)
    lon[good] = shapely.get_x(rep[good])
    lat[good] = shapely.get_y(rep[good])
    for r in np.flatnonzero(good & ~(np.isfinite(lon) & np.isfinite(lat))):
        problems.append(f"{labels[r]}: coordinates are not numbers (NaN); fix the geometry")
    notes = RowNotes(len(gdf))
    _check_coordinates(lon, lat, notes)
    cols = _find_columns(gdf.columns, _ATTRIBUTES, where, problems)
    values = _check_fields(gdf, cols, _ATTRIBUTES, notes, "feature", as_text=_text)
    problems += notes.labelled(labels)
    ids = values.get("site_id")
    if ids is None:
        ids = np.array([f"feature-{i + 1}" for i in range(len(gdf))], dtype=object)
    _check_unique_ids(ids, cols.get("site_id"), labels, problems)
    area_attr, free = values.get("area_ha"), values.get("free_ha")
    if problems:
        _raise(where, problems, unit)
    area = np.full(len(gdf), np.nan) if area_attr is None else area_attr.copy()
    if poly.any():
        metric = gpd.GeoSeries(geoms[poly], crs=_crs.GEOGRAPHIC_CRS).to_crs(_crs.METRIC_CRS)
        area[poly] = metric.area.to_numpy() / 1e4
    names = values.get("name", np.full(len(gdf), "", dtype=object))
    out = sites_table(
        ids, names, lon, lat, area, free, path.name, gpd.GeoSeries(geoms, crs=_crs.GEOGRAPHIC_CRS)
    )
    out.attrs["site_notes"] = parcel_notes(ids, labels, area_attr, area, poly, repaired)
    for note in out.attrs["site_notes"]:
        log.warning("%s: %s", where, note)
    return out


def parcel_notes(ids, labels, stated, area, poly, repaired: dict[int, str]) -> list[str]:
    """Per site id: a repaired invalid polygon, a stated area_ha replaced by the polygon's.

    A stated area within 0.5% (or 0.01 ha) of the polygon's is not worth a word."""
    notes = []
    for r in np.flatnonzero(poly):
        site = f"site {ids[r]!r} ({labels[r]})"
        if int(r) in repaired:
            notes.append(
                f"{site}: invalid polygon ({repaired[int(r)]}) repaired (shapely make_valid); "
                f"its area is now {area[r]:,.2f} ha; check the parcel outline and fix it at "
                "the source"
            )
        s = np.nan if stated is None else float(stated[r])
        if np.isfinite(s) and abs(s - area[r]) > max(0.005 * abs(area[r]), 0.01):
            notes.append(
                f"{site}: stated area_ha {s:,.2f} replaced by its polygon's area "
                f"{area[r]:,.2f} ha (computed in EPSG:32643, {area[r] - s:+,.2f} ha); the "
                "polygon is used for land checks: correct the outline or the stated area"
            )
    return notes


# --------------------------------------------------------------------------- public API


def read_sites(
    path: str | Path,
    layer: str | None = None,
    *,
    encoding: str | None = None,
    sheet: str | int | None = None,
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

    Raises
    ------
    SiteFileError
        listing every bad row (empty or non-numeric coordinates, swapped lat/lon, points
        outside Almaty Region, empty or duplicate ids); nothing is loaded.
    InputError
        unreadable file, no CRS, projected numbers labelled as degrees, unknown format.
    """
    path = Path(path)
    refuse_special(path, "sites file")
    if not path.is_file():
        raise InputError(
            f"sites file {str(path)!r} does not exist; give a CSV, XLSX, GeoJSON or GeoPackage "
            "file, or 'builtin' / 'grid'"
        )
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        gdf = _read_table_sites(path, encoding, sheet)
    elif suffix in GEO_SUFFIXES:
        gdf = _read_geo_sites(path, layer)
    else:
        raise InputError(
            f"sites file {str(path)!r}: unknown format {suffix or '(no suffix)'!r}; use "
            f"{', '.join(TABLE_SUFFIXES + GEO_SUFFIXES)}"
        )
    log.info("%s: %d site(s) loaded", path, len(gdf))
    return gdf


def _around_geometry(layers, around: str | Sequence[str]):
    """Union (metric) of the layers or feature ids named in ``around``."""
    from planner.core.layerset import LAYER_NAMES

    tokens = [t.strip() for t in (around.split(",") if isinstance(around, str) else around)]
    tokens = [t for t in tokens if t]
    if not tokens:
        raise InputError(
            "around is empty; name a layer (e.g. bakad, zones, cities) or a feature id"
        )
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
            raise InputError(
                f"around {tok!r} is neither a layer ({', '.join(LAYER_NAMES)}) nor a feature id; "
                "use e.g. --around bakad, --around zones or --around konaev,gate-city "
                "(ids: planner layers list)"
            )
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
            raise InputError(f"{name}={v!r}: must be a number of km {need}, e.g. {name}=1")
    s = float(spacing_km) * 1000.0
    area = _around_geometry(layers, around)
    if within_km > 0:
        area = shapely.buffer(area, float(within_km) * 1000.0, quad_segs=16)
    if area.is_empty or area.area == 0:
        raise InputError(
            f"grid around {around!r} within {within_km} km covers no area; use within_km > 0 "
            "around lines and points"
        )
    dy = s * math.sqrt(3) / 2 if hexagonal else s
    expected = area.area / (s * dy)
    if expected > MAX_GRID_SITES:
        raise InputError(
            f"a grid with spacing_km={spacing_km} within {within_km} km would have about "
            f"{expected:,.0f} sites (limit {MAX_GRID_SITES:,}); increase spacing_km"
        )
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


def load_sites(spec: str | Path, layers, lang: str = "ru", **grid_options) -> gpd.GeoDataFrame:
    """Sites from ``"builtin"`` (the zones, named in ``lang``), ``"grid"``
    (:func:`grid_sites`) or a file path."""
    if not isinstance(spec, Path) and str(spec) == "builtin":
        return builtin_sites(layers, lang)
    if not isinstance(spec, Path) and str(spec) == "grid":
        return grid_sites(layers, **grid_options)
    return read_sites(spec)
