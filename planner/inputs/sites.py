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

import codecs
import io
import logging
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner import crs as _crs
from planner.errors import InputError, SiteFileError

__all__ = [
    "SITE_COLUMNS",
    "builtin_sites",
    "grid_sites",
    "load_sites",
    "read_sites",
    "write_sites",
]

log = logging.getLogger(__name__)

SITE_COLUMNS = ("site_id", "name", "lon", "lat", "area_ha", "free_ha", "site_source")
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx")
GEO_SUFFIXES = (".geojson", ".json", ".gpkg")
_MAX_LISTED = 50
#: beyond this a grid is almost certainly a typo in --spacing-km
MAX_GRID_SITES = 20_000_000


# --------------------------------------------------------------------------- column names


def _norm(name: object) -> str:
    return re.sub(r"[\s_\-]+", "", str(name).replace("\ufeff", "").strip().lower())


_ALIASES = {
    "lat": ("lat", "latitude", "широта"),
    "lon": ("lon", "lng", "long", "longitude", "долгота"),
    "site_id": ("site_id", "id"),
    "name": ("name", "наименование", "название"),
    "area_ha": ("area_ha",),
    "free_ha": ("free_ha",),
}


def _find_columns(columns: Iterable, where: str, problems: list[str]) -> dict[str, str]:
    """Map our field -> the file's column (case/space-insensitive aliases)."""
    cols = [c for c in columns if c != "geometry"]
    found: dict[str, str] = {}
    for field, aliases in _ALIASES.items():
        wanted = [_norm(a) for a in aliases]
        hits = [c for c in cols if _norm(c) in wanted]
        if field == "site_id" and len(hits) > 1:  # both site_id and id: site_id wins
            hits = sorted(hits, key=lambda c: wanted.index(_norm(c)))[:1]
        if len(hits) > 1:
            problems.append(
                f"{where}: columns {', '.join(repr(h) for h in hits)} all mean `{field}`; "
                "keep one of them"
            )
        elif hits:
            found[field] = hits[0]
    return found


# --------------------------------------------------------------------------- values


def _text(values: pd.Series) -> pd.Series:
    """Cell values as stripped text ('' for missing); integral floats lose their '.0'."""

    def one(v) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v).strip()

    return pd.Series(
        [one(v) for v in values.astype(object).tolist()], index=values.index, dtype=object
    )


def _numbers(text: pd.Series) -> np.ndarray:
    """Decimal numbers from text cells; comma decimals, spaces and a degree sign allowed."""
    clean = (
        text.str.replace("\u00a0", "", regex=False)
        .str.replace(" ", "", regex=False)
        .str.replace("°", "", regex=False)
        .str.replace(",", ".", regex=False)
    )
    vals = pd.to_numeric(clean.where(clean != "", None), errors="coerce")
    out = np.array(vals, dtype="f8")  # a copy: pandas hands out read-only views
    out[~np.isfinite(out)] = np.nan
    return out


def _fmt(v) -> str:
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "...'"


# --------------------------------------------------------------------------- text files


def _decode(data: bytes, where: str) -> str:
    """Text of a CSV: BOM, then strict UTF-8, then Cyrillic single-byte (cp1251 / kz1048)."""
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(enc)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{where}: starts with a {enc} byte-order mark but byte {exc.start} is not "
                    f"{enc}; save the file again as UTF-8"
                ) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["cp1251", "cp866"]).best()
    if best is None:
        raise InputError(
            f"{where}: the text encoding is neither UTF-8 nor a Cyrillic code page; "
            "save the file as UTF-8 (Excel: 'CSV UTF-8')"
        )
    enc = best.encoding
    text = data.decode(enc, errors="replace")
    if enc == "cp1251" and re.search("[ЌЋќћЎўЈҐЄЇґєјЅѕї]", text):
        # Kazakh letters saved as kz1048 look like Serbian/Ukrainian letters in cp1251
        enc, text = "kz1048", data.decode("kz1048", errors="replace")
    log.info("%s: read as %s (not UTF-8)", where, enc)
    return text


def _separator(text: str) -> str:
    header = next((ln for ln in text.splitlines() if ln.strip()), "")
    counts = {sep: header.count(sep) for sep in (";", "\t", ",")}
    best = max(counts, key=lambda s: counts[s])  # ties: ';' first (Russian-locale Excel)
    return best if counts[best] else ","


def _read_table(path: Path) -> pd.DataFrame:
    where = str(path)
    if path.suffix.lower() == ".xlsx":
        try:
            df = pd.read_excel(path, dtype=str, sheet_name=0, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many types for broken files
            raise InputError(
                f"cannot read {where} as an Excel workbook: {exc}; save it as .xlsx or CSV"
            ) from exc
        return df.astype(object).where(df.notna(), "")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {where}: {exc.strerror}; check the path") from exc
    text = _decode(data, where)
    sep = _separator(text)
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
            skipinitialspace=True,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(
            f"cannot read {where} as a table separated by {sep!r}: {exc}; check that every row "
            "has the same number of columns and that text with separators is in quotes"
        ) from exc
    return df


# --------------------------------------------------------------------------- validation


def _check_coordinates(
    lon: np.ndarray, lat: np.ndarray, labels: Sequence[str], problems: list[str]
) -> None:
    west, south, east, north = _crs.REGION_BOUNDS_LONLAT
    ok = np.isfinite(lon) & np.isfinite(lat)
    inside = ok & (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
    swapped = ok & ~inside & (lat >= west) & (lat <= east) & (lon >= south) & (lon <= north)
    for r in np.flatnonzero(swapped):
        problems.append(
            f"{labels[r]}: lat={lat[r]:g}, lon={lon[r]:g} look swapped (Almaty Region is at lat "
            f"{south}-{north}, lon {west}-{east}); swap the latitude and longitude values"
        )
    for r in np.flatnonzero(ok & ~inside & ~swapped):
        problems.append(
            f"{labels[r]}: lon={lon[r]:g}, lat={lat[r]:g} is outside Almaty Region "
            f"({west}-{east} E, {south}-{north} N); check the coordinates (decimal degrees, WGS84)"
        )


def _ids(
    raw: pd.Series | None, prefix: str, col: str | None, labels: Sequence[str], problems: list[str]
) -> np.ndarray:
    n = len(labels)
    if raw is None:
        return np.array([f"{prefix}-{i + 1}" for i in range(n)], dtype=object)
    ids = _text(raw).to_numpy(dtype=object)
    for r in np.flatnonzero(ids == ""):
        problems.append(
            f"{labels[r]}: column `{col}` is empty; give every site an id, or remove the "
            f"column to number the sites automatically ({prefix}-1, {prefix}-2, ...)"
        )
    s = pd.Series(ids)
    dup = s[(s != "") & s.duplicated(keep=False)]
    for val, grp in dup.groupby(dup, sort=True):
        where = ", ".join(labels[i] for i in grp.index[:10])
        problems.append(
            f"column `{col}`: id {val!r} is used more than once ({where}); ids must be unique"
        )
    return ids


def _raise(where: str, problems: list[str], unit: str) -> None:
    shown = problems[:_MAX_LISTED]
    more = f"\n  ... and {len(problems) - _MAX_LISTED} more" if len(problems) > _MAX_LISTED else ""
    raise SiteFileError(
        f"{where}: {len(problems)} problem(s) in the sites file ({unit}); nothing was loaded, "
        "fix them and run again:\n  - " + "\n  - ".join(shown) + more,
        problems,
    )


def _assemble(ids, names, lon, lat, area_ha, free_ha, source, geometry) -> gpd.GeoDataFrame:
    n = len(ids)
    names = np.where(
        pd.Series(names, dtype=object).fillna("").to_numpy(dtype=object) == "", ids, names
    )
    return gpd.GeoDataFrame(
        {
            "site_id": pd.array(np.asarray(ids, dtype=object), dtype="str"),
            "name": pd.array(np.asarray(names, dtype=object), dtype="str"),
            "lon": np.asarray(lon, dtype="f8"),
            "lat": np.asarray(lat, dtype="f8"),
            "area_ha": np.asarray(area_ha, dtype="f8")
            if area_ha is not None
            else np.full(n, np.nan),
            "free_ha": np.asarray(free_ha, dtype="f8")
            if free_ha is not None
            else np.full(n, np.nan),
            "site_source": pd.array([source] * n, dtype="str"),
        },
        geometry=geometry,
        crs=_crs.GEOGRAPHIC_CRS,
    )


def _optional_numbers(df, cols, field, labels, problems) -> np.ndarray | None:
    if field not in cols:
        return None
    text = _text(df[cols[field]])
    vals = _numbers(text)
    for r in np.flatnonzero(np.isnan(vals) & (text.to_numpy() != "")):
        problems.append(
            f"{labels[r]}: column `{cols[field]}`: {_fmt(text.iloc[r])} is not a number; "
            "use hectares, e.g. 12.5 (or leave the cell empty)"
        )
    for r in np.flatnonzero(vals < 0):
        problems.append(
            f"{labels[r]}: column `{cols[field]}`: {vals[r]:g} is negative; use hectares >= 0"
        )
    return vals


def _read_table_sites(path: Path) -> gpd.GeoDataFrame:
    where = str(path)
    df = _read_table(path)
    problems: list[str] = []
    cols = _find_columns(df.columns, where, problems)
    for field, names in (("lat", "lat, latitude or широта"), ("lon", "lon, longitude or долгота")):
        if field not in cols:
            problems.append(
                f"{where}: no {field} column "
                f"(found columns: {', '.join(map(str, df.columns)) or 'none'}); "
                f"name it {names} (any case)"
            )
    if problems:
        _raise(where, problems, "rows are counted from 1 below the header")
    if len(df) == 0:
        raise SiteFileError(f"{where}: the file has a header but no sites; add one row per site")
    labels = [f"row {i + 1}" for i in range(len(df))]
    coords = {}
    for field in ("lat", "lon"):
        col = cols[field]
        text = _text(df[col])
        vals = _numbers(text)
        tx = text.to_numpy(dtype=object)
        for r in np.flatnonzero(np.isnan(vals)):
            if tx[r] == "":
                problems.append(
                    f"{labels[r]}: column `{col}` is empty; every site needs {field} "
                    "in decimal degrees, e.g. " + ("43.52" if field == "lat" else "77.06")
                )
            else:
                problems.append(
                    f"{labels[r]}: column `{col}`: {_fmt(tx[r])} is not a number; use "
                    "decimal degrees, e.g. " + ("43.52" if field == "lat" else "77.06")
                )
        coords[field] = vals
    lon, lat = coords["lon"], coords["lat"]
    _check_coordinates(lon, lat, labels, problems)
    ids = _ids(
        df[cols["site_id"]] if "site_id" in cols else None,
        "row",
        cols.get("site_id"),
        labels,
        problems,
    )
    area = _optional_numbers(df, cols, "area_ha", labels, problems)
    free = _optional_numbers(df, cols, "free_ha", labels, problems)
    if problems:
        _raise(where, problems, "rows are counted from 1 below the header")
    names = (
        _text(df[cols["name"]]).to_numpy(dtype=object)
        if "name" in cols
        else np.full(len(df), "", dtype=object)
    )
    dropped = [c for c in df.columns if c not in cols.values()]
    if dropped:
        log.info("%s: columns not used for sites: %s", where, ", ".join(map(str, dropped)))
    return _assemble(ids, names, lon, lat, area, free, path.name, gpd.points_from_xy(lon, lat))


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
        log.info(
            "%s %s: invalid polygon (%s) repaired",
            where,
            labels[r],
            shapely.is_valid_reason(geoms[r]),
        )
        geoms[r] = fixed
    rep = np.where(good, geoms, None)
    rep[poly] = shapely.point_on_surface(geoms[poly])
    lon = np.full(len(gdf), np.nan)
    lat = np.full(len(gdf), np.nan)
    lon[good] = shapely.get_x(rep[good])
    lat[good] = shapely.get_y(rep[good])
    for r in np.flatnonzero(good & ~(np.isfinite(lon) & np.isfinite(lat))):
        problems.append(f"{labels[r]}: coordinates are not numbers (NaN); fix the geometry")
    _check_coordinates(lon, lat, labels, problems)
    cols = _find_columns(gdf.columns, where, problems)
    ids = _ids(
        gdf[cols["site_id"]] if "site_id" in cols else None,
        "feature",
        cols.get("site_id"),
        labels,
        problems,
    )
    area_attr = _optional_numbers(gdf, cols, "area_ha", labels, problems)
    free = _optional_numbers(gdf, cols, "free_ha", labels, problems)
    if problems:
        _raise(where, problems, unit)
    area = np.full(len(gdf), np.nan) if area_attr is None else area_attr.copy()
    if poly.any():
        metric = gpd.GeoSeries(geoms[poly], crs=_crs.GEOGRAPHIC_CRS).to_crs(_crs.METRIC_CRS)
        area[poly] = metric.area.to_numpy() / 1e4
    names = (
        _text(gdf[cols["name"]]).to_numpy(dtype=object)
        if "name" in cols
        else np.full(len(gdf), "", dtype=object)
    )
    return _assemble(
        ids, names, lon, lat, area, free, path.name, gpd.GeoSeries(geoms, crs=_crs.GEOGRAPHIC_CRS)
    )


# --------------------------------------------------------------------------- public API


def read_sites(path: str | Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read and validate a user's sites file.

    Parameters
    ----------
    path
        CSV/TXT (``;``, ``,`` or tab separated, comma decimals, UTF-8 with or without BOM,
        cp1251 or kz1048), XLSX (first sheet), GeoJSON or GeoPackage (points, or polygons
        = land parcels: representative point, ``area_ha`` computed in EPSG:32643).
        Columns are found case/space-insensitively: ``lat``/``latitude``/``широта``,
        ``lon``/``longitude``/``долгота``, ``site_id``/``id``, ``name``/``наименование``/
        ``название``, ``area_ha``, ``free_ha``.
    layer
        GeoPackage layer (needed only when the file holds several).

    Raises
    ------
    SiteFileError
        listing every bad row (empty or non-numeric coordinates, swapped lat/lon, points
        outside Almaty Region, empty or duplicate ids); nothing is loaded.
    InputError
        unreadable file, no CRS, projected numbers labelled as degrees, unknown format.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(
            f"sites file {str(path)!r} does not exist; give a CSV, XLSX, GeoJSON or GeoPackage "
            "file, or 'builtin' / 'grid'"
        )
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        gdf = _read_table_sites(path)
    elif suffix in GEO_SUFFIXES:
        gdf = _read_geo_sites(path, layer)
    else:
        raise InputError(
            f"sites file {str(path)!r}: unknown format {suffix or '(no suffix)'!r}; use "
            f"{', '.join(TABLE_SUFFIXES + GEO_SUFFIXES)}"
        )
    log.info("%s: %d site(s) loaded", path, len(gdf))
    return gdf


def builtin_sites(layers) -> gpd.GeoDataFrame:
    """Every zone of the ``zones`` layer as a candidate site (id = zone id, source "builtin")."""
    zones = layers["zones"]
    geoms = zones.geometry.to_numpy()
    rep = shapely.point_on_surface(geoms)
    area = pd.to_numeric(zones["area_ha"], errors="coerce").to_numpy(dtype="f8", na_value=np.nan)
    if np.isnan(area).any():
        measured = layers.metric("zones").area.to_numpy() / 1e4
        area = np.where(np.isnan(area), measured, area)
    free = pd.to_numeric(zones["free_ha"], errors="coerce").to_numpy(dtype="f8", na_value=np.nan)
    ids = zones["id"].astype(str).to_numpy(dtype=object)
    name_ru = zones["name_ru"].astype(object).to_numpy()
    name_en = zones["name_en"].astype(object).to_numpy()
    names = np.where(pd.isna(name_ru) | (name_ru == ""), name_en, name_ru)
    out = _assemble(
        ids,
        names,
        shapely.get_x(rep),
        shapely.get_y(rep),
        area,
        free,
        "builtin",
        gpd.GeoSeries(geoms, crs=_crs.GEOGRAPHIC_CRS),
    )
    return out


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
    the national park, in water or outside the region polygon are left out.
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
    return _assemble(ids, ids, lon, lat, None, None, "grid", gpd.points_from_xy(lon, lat))


def load_sites(spec: str | Path, layers, **grid_options) -> gpd.GeoDataFrame:
    """Sites from ``"builtin"`` (the zones), ``"grid"`` (:func:`grid_sites`) or a file path."""
    if not isinstance(spec, Path) and str(spec) == "builtin":
        return builtin_sites(layers)
    if not isinstance(spec, Path) and str(spec) == "grid":
        return grid_sites(layers, **grid_options)
    return read_sites(spec)


# --------------------------------------------------------------------------- writing


def write_sites(gdf: gpd.GeoDataFrame, path: str | Path, overwrite: bool = False) -> Path:
    """Write a sites (or scored sites) table atomically: .gpkg, .geojson, .csv or .xlsx.

    Delegates to :func:`planner.render.outputs.write_table`: CSV is UTF-8 with BOM, text cells
    starting with ``= + - @`` tab or CR are prefixed with ``'`` (formula injection), and
    GeoPackage/GeoJSON keep the geometry in EPSG:4326.
    """
    from planner.render.outputs import write_table

    path = Path(path)
    if path.suffix.lower() not in (".gpkg", ".geojson", ".csv", ".xlsx"):
        raise InputError(
            f"output {str(path)!r}: use a .gpkg, .geojson, .csv or .xlsx file name "
            "(e.g. -o sites.gpkg)"
        )
    if isinstance(gdf, gpd.GeoDataFrame) and gdf.crs is not None:
        gdf = _crs.to_geographic(gdf, what="sites")
    return write_table(gdf, path, overwrite=overwrite, sheet_name="sites")
