"""Safe, atomic output tables (CSV, Excel, GeoPackage, GeoJSON) and run manifests.

* **Atomic**: every file is written to a temporary file beside the target and moved over it
  only when complete (:func:`planner._atomic.atomic_output`); an existing output is refused
  unless ``overwrite=True``; on any failure the previous file is left intact.
* **Formula injection**: text cells (and headers) starting with ``= + - @``, tab or CR are
  prefixed with ``'`` in CSV and XLSX, so spreadsheet programs show them as text (OWASP
  "CSV injection"); numbers, including negative ones, stay numbers. XLSX is written by
  xlsxwriter with ``strings_to_formulas``, ``strings_to_urls`` and ``strings_to_numbers``
  off, so no string ever becomes a formula, link or number.
* **Excel-friendly CSV**: UTF-8 with BOM (Excel then shows Cyrillic); with ``csv_sep=";"``
  (what Russian-locale Excel expects) decimals are written with a comma.
* **GIS**: ``.gpkg`` / ``.geojson`` carry the geometry in EPSG:4326.

:func:`write_manifest` writes ``<output>.manifest.json`` beside an output: sha256 of the
inputs and the output, scenario name and hash, as-of date, package versions, counts,
warnings and the command line, so a result can be traced and reproduced.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import os
import re
import shlex
import sys
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner import i18n
from planner._atomic import atomic_output, check_writable, manifest_path
from planner.errors import InputError, OutputError, PlannerError
from planner.i18n import tr
from planner.render.reproducible import output_datetime

__all__ = [
    "FORMULA_TRIGGERS",
    "TABLE_SUFFIXES",
    "neutralize_cell",
    "neutralize_formulas",
    "restore_formulas",
    "write_manifest",
    "write_sites",
    "write_table",
]

log = logging.getLogger(__name__)

#: first characters that make a spreadsheet treat a cell as a formula
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
TABLE_SUFFIXES = (".csv", ".xlsx", ".gpkg", ".geojson")
_TRIGGER_RE = r"^'*[=+\-@\t\r]"  # with leading apostrophes: the mark is reversible
_EXCEL_MAX_ROWS = 1_048_576
_EXCEL_MAX_CHARS = 32_767
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_CSV_SEPS = {",": "comma", ";": "semicolon", "\t": "tab"}
#: the own columns of a rejects table (planner.inputs.rejects.REJECT_COLUMNS)
_REJECT_COLUMNS = ("row", "id", "column", "value", "reason")


# ---------------------------------------------------------------------------------------
# cell safety
# ---------------------------------------------------------------------------------------
def neutralize_cell(value):
    """``value`` with ``'`` before it if it is text a spreadsheet would read as a formula.

    Text already starting with ``'`` before a trigger gets one more, so that
    :func:`restore_formulas` gives every original text back exactly."""
    if isinstance(value, str) and value.lstrip("'").startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def restore_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Inverse of :func:`neutralize_formulas` for a table read back as text: the ``'``
    added before a formula-like cell or header is removed (names match the originals)."""
    out = df.rename(columns=lambda c: c[1:] if isinstance(c, str) and re.match(
        _TRIGGER_RE, c) and c.startswith("'") else c)
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if col.dtype == object or isinstance(col.dtype, pd.StringDtype):
            text = col.astype("string")
            hit = (text.str.match(_TRIGGER_RE) & text.str.startswith("'")).fillna(False)
            if hit.any():
                out.isetitem(i, col.where(~hit.to_numpy(dtype=bool), text.str[1:]))
    return out


def neutralize_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` with text cells and headers that start a formula prefixed by ``'``.

    Only text is changed: numeric columns (negative numbers too) and non-string cells of
    mixed columns are left as they are.
    """
    out = df.copy()
    out.columns = [neutralize_cell(str(c)) if isinstance(c, str) else c for c in out.columns]
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if isinstance(col.dtype, pd.StringDtype):
            hit = col.str.contains(_TRIGGER_RE, regex=True).fillna(False).to_numpy(dtype=bool)
            if hit.any():
                out.isetitem(i, col.where(~hit, "'" + col))
        elif col.dtype == object:
            out.isetitem(i, col.map(neutralize_cell))
    return out


# ---------------------------------------------------------------------------------------
# write_table
# ---------------------------------------------------------------------------------------
def write_table(
    df: pd.DataFrame,
    path: str | os.PathLike,
    overwrite: bool = False,
    csv_sep: str = ",",
    geometry=None,
    sheets: Mapping[str, pd.DataFrame] | None = None,
    *,
    decimal: str | None = None,
    sheet_name: str = "table",
    encoding: str = "utf-8-sig",
    lang: str | None = None,
    about: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``df`` to ``path`` safely; the format follows the extension.

    Parameters
    ----------
    df
        The table (a DataFrame or GeoDataFrame). Its index is not written.
    path
        ``.csv`` (UTF-8 with BOM), ``.xlsx``, ``.gpkg`` or ``.geojson`` (EPSG:4326).
    overwrite
        Replace an existing file; without it an existing output raises
        :class:`~planner.OutputExistsError`.
    csv_sep
        CSV separator: ``","`` (default), ``";"`` (Russian-locale Excel) or ``"\\t"``.
    geometry
        For ``.gpkg`` / ``.geojson``: the geometry to write: None = ``df``'s active
        geometry, or points from its ``lon`` / ``lat`` columns (EPSG:4326) when ``df`` is a
        plain DataFrame; a column name; or a GeoSeries aligned to ``df``. For ``.csv`` /
        ``.xlsx`` geometry columns are left out (positions are in ``lon`` / ``lat``, added
        from the geometry's representative points when missing).
    sheets
        Extra tables, e.g. ``{"summary": per_company}``: extra sheets in ``.xlsx``, extra
        (attribute-only) layers in ``.gpkg``, and sibling files ``<stem>.<name>.csv`` beside
        a ``.csv`` (each file is atomic on its own; all targets are checked for existence
        before any is written). Not possible for ``.geojson`` (one table per file).
    decimal
        CSV decimal mark; default ``","`` when ``csv_sep=";"``, else ``"."``.
    sheet_name
        Name of the main sheet (``.xlsx``) or layer (``.gpkg``; default the file stem).
    encoding
        CSV encoding: ``utf-8-sig`` (UTF-8 with BOM, default), or the single-byte code page
        of the input (``cp1251``, ``kz1048``, ``cp866``) when every character of the table
        has a byte there; otherwise UTF-8 with BOM all the same (logged).
    lang
        ``.xlsx`` for people (:mod:`planner.render.xlsx_book`): headers, yes/no and the
        ``columns`` / ``about`` sheets in ``ru``, ``kk`` or ``en``, number formats. None
        (default) writes plain sheets under the machine names.
    about
        With ``lang``: what the ``about`` sheet says (scenario, hash, date, inputs...).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OutputExistsError
        ``path`` (or a sibling CSV) exists and ``overwrite`` is False; nothing is written.
    OutputError
        The folder is missing or not writable, or the final move fails; a previous file at
        ``path`` is left intact.
    InputError
        Unknown extension, bad ``csv_sep``, missing geometry, table too large for Excel.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise InputError(tr("err.outputs.table_type", path=str(path),
                            suffix=path.suffix or tr("err.outputs.no_suffix"),
                            suffixes=", ".join(TABLE_SUFFIXES)))  # fmt: skip
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, not {type(df).__name__}")
    sheets = dict(sheets or {})
    for name, table in sheets.items():
        if not isinstance(table, pd.DataFrame):
            raise TypeError(f"sheets[{name!r}] must be a DataFrame, not {type(table).__name__}")
    if suffix == ".csv":
        if sheet_name == "rejects" and lang is not None:
            df = _reject_headers(df, lang)
        if csv_sep not in _CSV_SEPS:
            raise InputError(
                f"csv_sep {csv_sep!r} is not supported; use ',' , ';' (Russian Excel) or '\\t'"
            )
        targets = {name: _sibling(path, name) for name in sheets}
        for target in (path, *targets.values()):  # refuse before writing anything
            check_writable(target, overwrite)
        dec = decimal or ("," if csv_sep == ";" else ".")
        _write_csv(_tabular(df, geometry), path, overwrite, csv_sep, dec, encoding)
        for name, target in targets.items():
            _write_csv(_tabular(table := sheets[name], None), target, overwrite, csv_sep, dec,
                       encoding)  # fmt: skip
            log.debug("wrote sheet %r (%d rows) to %s", name, len(table), target)
    elif suffix == ".xlsx" and lang is not None:
        _write_book(df, geometry, sheets, path, overwrite, sheet_name, lang, about or {})
    elif suffix == ".xlsx":
        _write_xlsx(df, geometry, sheets, path, overwrite, sheet_name)
    else:
        if suffix == ".geojson" and sheets:
            raise InputError(
                f"output {str(path)!r}: a GeoJSON file holds one table, so sheets "
                f"{sorted(sheets)} cannot go in it; write them to .xlsx/.csv or use .gpkg"
            )
        layer = path.stem if sheet_name == "table" else sheet_name
        if layer.casefold() in {str(n).casefold() for n in sheets}:
            raise InputError(
                f"output {str(path)!r}: sheet name {layer!r} is also the main layer's name; "
                "choose another sheet name"
            )
        _write_gis(df, geometry, sheets, path, overwrite, layer)
    log.info("wrote %s (%d rows)", path, len(df))
    return path


def _reject_headers(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A rejects table's own columns headed in ``lang`` (``columns.*``: "Строка файла",
    "Причина"...), as in its XLSX; the row's cells keep their headers. Read back by
    :func:`planner.inputs.rejects.machine_headers`."""
    if not set(_REJECT_COLUMNS) <= set(df.columns):
        return df
    names = {c: i18n.t(f"columns.{c}", lang) for c in _REJECT_COLUMNS}
    taken = [str(c) for c in df.columns if c not in names]
    for c, h in names.items():
        k = 1
        while names[c] in taken:
            names[c] = f"{h} ({k})"
            k += 1
    return df.rename(columns=names)


def _sibling(path: Path, name: str) -> Path:
    safe = re.sub(r"[^\w.-]+", "_", str(name)).strip("._") or "sheet"
    return path.with_name(f"{path.stem}.{safe}{path.suffix}")


class _Guard:
    """Turn OS errors of a write into OutputError (the previous file stays intact)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None or isinstance(exc, PlannerError) or not isinstance(exc, OSError):
            return False
        raise OutputError(tr("err.outputs.cannot_write", path=str(self.path),
                             why=exc.strerror or exc)) from exc  # fmt: skip


def _geo_columns(df: pd.DataFrame) -> list[str]:
    try:
        from geopandas.array import GeometryDtype
    except ImportError:  # pragma: no cover - geopandas is a dependency
        return []
    return [c for c in df.columns if isinstance(df[c].dtype, GeometryDtype)]


def _tabular(df: pd.DataFrame, geometry) -> pd.DataFrame:
    """``df`` for CSV/XLSX: geometry columns dropped, lon/lat kept or added, formulas inert."""
    geo_cols = _geo_columns(df)
    out = df.drop(columns=geo_cols) if geo_cols else df
    geom = None
    if isinstance(geometry, str) and geometry in df.columns:
        geom = df[geometry]
    elif geometry is not None and not isinstance(geometry, str):
        geom = geometry
    elif geo_cols:
        geom = (
            df.geometry if hasattr(df, "geometry") and _has_active_geometry(df) else df[geo_cols[0]]
        )
    if geom is not None and not {"lon", "lat"} <= set(out.columns):
        import geopandas as gpd

        from planner.crs import to_geographic

        gs = to_geographic(gpd.GeoSeries(geom, index=df.index), what="geometry")
        pts = gs.representative_point()
        out = out.assign(lon=pts.x.to_numpy(), lat=pts.y.to_numpy())
    return neutralize_formulas(pd.DataFrame(out))


def _has_active_geometry(df) -> bool:
    try:
        df.geometry  # noqa: B018 - raises when no active geometry column is set
    except AttributeError:
        return False
    return True


def _write_csv(df: pd.DataFrame, path: Path, overwrite: bool, sep: str, decimal: str,
               encoding: str = "utf-8-sig") -> None:  # fmt: skip
    opts = dict(sep=sep, decimal=decimal, index=False, lineterminator="\r\n", na_rep="")
    with _Guard(path), atomic_output(path, overwrite) as tmp:
        try:
            df.to_csv(tmp, encoding=encoding, **opts)
        except UnicodeEncodeError as exc:  # a code page without a byte for some text
            log.warning("%s: %r has no byte for %r; written as UTF-8 with BOM instead", path,
                        encoding, exc.object[exc.start : exc.end])  # fmt: skip
            df.to_csv(tmp, encoding="utf-8-sig", **opts)


def _sheet_names(main: str, sheets: Mapping[str, pd.DataFrame]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in (main, *sheets):
        clean = _SHEET_BAD.sub("_", str(name)).strip("'")[:31] or "sheet"
        if clean.casefold() in {v.casefold() for v in out.values()}:
            raise InputError(
                f"sheet name {name!r} clashes with another sheet once made valid for Excel "
                f"({clean!r}: at most 31 characters, no []:*?/\\); choose distinct names"
            )
        out[name] = clean
    return out


def _excel_ready(df: pd.DataFrame, what: str) -> pd.DataFrame:
    if len(df) >= _EXCEL_MAX_ROWS:
        lang = i18n.message_lang()
        raise InputError(tr("err.outputs.excel_rows", what=what,
                            n=i18n.format_number(len(df), lang, grouping=True),
                            limit=i18n.format_number(_EXCEL_MAX_ROWS - 1, lang, grouping=True)))
    out = df.copy()
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            out.isetitem(i, col.dt.tz_convert("UTC").dt.tz_localize(None))
        elif col.dtype.kind == "f" and np.isinf(col.to_numpy()).any():
            # Excel has no infinity (xlsxwriter would write #DIV/0!): say it in words
            vals = col.to_numpy()
            words = np.where(vals > 0, "inf", "-inf (negative infinity)")
            out.isetitem(i, col.astype(object).where(~np.isinf(vals), words))
        elif col.dtype == object or isinstance(col.dtype, pd.StringDtype):
            lengths = col.astype(object).map(lambda v: len(v) if isinstance(v, str) else 0)
            if (lengths > _EXCEL_MAX_CHARS).any():
                log.warning(
                    "%s: column %r has text longer than Excel's %d characters per cell; cut",
                    what,
                    out.columns[i],
                    _EXCEL_MAX_CHARS,
                )
                cut = col.astype(object).map(
                    lambda v: v[:_EXCEL_MAX_CHARS] if isinstance(v, str) else v
                )
                out.isetitem(i, cut)
    return out


_XLSX_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def _write_book(df, geometry, sheets, path: Path, overwrite: bool, main: str, lang: str,
                about: Mapping[str, Any]) -> None:  # fmt: skip
    """An XLSX for people (:mod:`planner.render.xlsx_book`), atomically."""
    from planner.render.xlsx_book import ABOUT_SHEET, COLUMNS_SHEET, write_book

    names = _sheet_names(main, sheets)
    for name, clean in names.items():
        if clean.casefold() in (COLUMNS_SHEET, ABOUT_SHEET):
            raise InputError(f"sheet name {name!r} is reserved for the {clean} sheet; "
                             "choose another name")  # fmt: skip
    tables = {names[main]: _excel_ready(_tabular(df, geometry), f"table for {path.name}")}
    for name, table in sheets.items():
        tables[names[name]] = _excel_ready(_tabular(table, None), f"sheet {name!r}")
    with _Guard(path), atomic_output(path, overwrite) as tmp:
        write_book(tables, tmp, lang, about, _XLSX_OPTIONS)


def _write_xlsx(df, geometry, sheets, path: Path, overwrite: bool, main: str) -> None:
    names = _sheet_names(main, sheets)
    tables = {names[main]: _excel_ready(_tabular(df, geometry), f"table for {path.name}")}
    for name, table in sheets.items():
        tables[names[name]] = _excel_ready(_tabular(table, None), f"sheet {name!r}")
    options = {
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
    }
    with _Guard(path), atomic_output(path, overwrite) as tmp, open(tmp, "wb") as fh:
        # our own handle: closed even when xlsxwriter fails (pandas would leak its own)
        with pd.ExcelWriter(fh, engine="xlsxwriter", engine_kwargs={"options": options}) as xw:
            xw.book.set_properties({"created": output_datetime()})  # reproducible bytes
            for sheet, table in tables.items():
                table.to_excel(xw, sheet_name=sheet, index=False, na_rep="")
                ws = xw.sheets[sheet]
                ws.freeze_panes(1, 0)
                if table.shape[1]:
                    ws.autofilter(0, 0, max(len(table), 1), table.shape[1] - 1)
                for j, colname in enumerate(table.columns):
                    sample = table.iloc[:200, j].astype(str).str.len()
                    width = max([len(str(colname)), *sample.tolist(), 6])
                    ws.set_column(j, j, min(width + 2, 60))


def _as_geodataframe(df: pd.DataFrame, geometry, what: str):
    import geopandas as gpd

    from planner.crs import GEOGRAPHIC_CRS, to_geographic

    if geometry is not None and not isinstance(geometry, str):
        gs = gpd.GeoSeries(geometry)
        if not gs.index.equals(df.index):
            raise InputError(f"{what}: the geometry's index does not match the table's rows")
        base = df.drop(columns=_geo_columns(df))
        gdf = gpd.GeoDataFrame(pd.DataFrame(base), geometry=gs.values, crs=gs.crs)
    elif isinstance(geometry, str):
        if geometry not in df.columns:
            raise InputError(
                f"{what}: geometry column {geometry!r} not found in {list(df.columns)}"
            )
        gdf = gpd.GeoDataFrame(df, geometry=geometry, crs=getattr(df[geometry], "crs", None))
    elif isinstance(df, gpd.GeoDataFrame) and _has_active_geometry(df):
        gdf = df
    elif {"lon", "lat"} <= set(df.columns):
        lon = pd.to_numeric(df["lon"], errors="coerce").to_numpy(dtype=float)
        lat = pd.to_numeric(df["lat"], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~(np.isfinite(lon) & np.isfinite(lat)))
        if bad.size:
            raise InputError(
                f"{what}: rows {bad[:10].tolist()} have no lon/lat; fill them or drop those rows "
                "before writing a map layer"
            )
        gdf = gpd.GeoDataFrame(
            pd.DataFrame(df), geometry=gpd.points_from_xy(lon, lat), crs=GEOGRAPHIC_CRS
        )
    else:
        raise InputError(
            f"{what}: a .gpkg/.geojson needs geometry: pass a GeoDataFrame, geometry=<column or "
            "GeoSeries>, or a table with lon and lat columns"
        )
    gdf = to_geographic(gdf, what=what)
    # keep one geometry column; others as WKT text
    for c in _geo_columns(gdf):
        if c != gdf.geometry.name:
            gdf = gdf.assign(**{c: gdf[c].to_wkt()})
    return gdf


def _gis_ready(df: pd.DataFrame, finite_only: bool) -> pd.DataFrame:
    """Text columns as str/None for GDAL; for GeoJSON (no infinity in JSON) inf -> null."""
    out = df.copy()
    geo = set(_geo_columns(out))
    for c in out.columns:
        col = out[c]
        if c in geo:
            continue
        if col.dtype == object:
            out[c] = col.map(lambda v: None if _is_missing(v) else str(v))
        elif isinstance(col.dtype, pd.StringDtype):
            out[c] = col.astype(object).where(col.notna(), None)
        elif finite_only and col.dtype.kind == "f" and np.isinf(col.to_numpy()).any():
            log.warning("column %r: infinite values written as null (JSON has no infinity)", c)
            out[c] = col.where(np.isfinite(col.to_numpy()), np.nan)
    return out


def _is_missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists, arrays: not a missing scalar
        return False


def _write_gis(df, geometry, sheets, path: Path, overwrite: bool, layer: str) -> None:
    from planner.render.reproducible import write_gis

    driver = "GPKG" if path.suffix.lower() == ".gpkg" else "GeoJSON"
    json_out = driver == "GeoJSON"
    gdf = _gis_ready(_as_geodataframe(df, geometry, f"table for {path.name}"), json_out)
    # GeoJSON: named after the output, not the temporary file (its "name" member)
    frames = [(gdf, path.stem if json_out else layer)]
    for name, table in sheets.items():
        extra = _gis_ready(pd.DataFrame(table.drop(columns=_geo_columns(table))), json_out)
        frames.append((extra, str(name)))
    with _Guard(path), atomic_output(path, overwrite) as tmp:
        write_gis(frames, tmp, driver)


# ---------------------------------------------------------------------------------------
# manifest
# ---------------------------------------------------------------------------------------
_VERSIONED = ("numpy", "pandas", "geopandas", "shapely", "pyproj", "pyogrio")


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fingerprint(path: Path, label: str) -> dict[str, Any]:
    if path.is_file():
        return {"path": str(path), "sha256": _sha256_file(path), "bytes": path.stat().st_size}
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        digest = hashlib.sha256()
        for f in files:
            digest.update(f.relative_to(path).as_posix().encode("utf-8") + b"\0")
            digest.update(_sha256_file(f).encode("ascii") + b"\n")
        return {"path": str(path), "sha256": digest.hexdigest(), "files": len(files)}
    raise InputError(tr("err.outputs.manifest_input", label=label, path=str(path)))


def _versions() -> dict[str, str]:
    out: dict[str, str] = {"python": sys.version.split()[0]}
    try:
        from planner._version import __version__

        out["planner"] = __version__
    except ImportError:  # pragma: no cover
        out["planner"] = "unknown"
    for name in _VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    try:
        import pyproj
        import shapely

        out["GEOS"] = shapely.geos_version_string
        out["PROJ"] = pyproj.proj_version_str
    except ImportError:  # pragma: no cover
        pass
    return out


def _jsonable(value):
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return [_jsonable(v) for v in sorted(value, key=str)]
    if isinstance(value, list | tuple | np.ndarray | pd.Series | pd.Index):
        return [_jsonable(v) for v in list(value)]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if value is None or isinstance(value, str | int):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def _scenario_info(scenario) -> dict[str, Any] | None:
    if scenario is None:
        return None
    if isinstance(scenario, str):
        return {"name": scenario}
    if isinstance(scenario, Mapping):
        return _jsonable(scenario)
    info = {"name": getattr(scenario, "name", str(scenario))}
    for attr in ("hash", "title_en", "title_ru", "title_kk"):
        if getattr(scenario, attr, None) is not None:
            info[attr] = getattr(scenario, attr)
    return _jsonable(info)


def write_manifest(
    output_path: str | os.PathLike,
    *,
    inputs: Mapping[str, str | os.PathLike | None],
    scenario=None,
    as_of: dt.date | str | None = None,
    counts: Mapping[str, Any] | None = None,
    warnings: Sequence[str] | None = None,
    extra: Mapping[str, Any] | None = None,
    command: Sequence[str] | str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write ``<output_path>.manifest.json`` describing how ``output_path`` was made.

    Parameters
    ----------
    output_path
        The output file (or folder) already written; its sha256 is recorded.
    inputs
        Label -> input. A :class:`~pathlib.Path` must exist and is hashed (a folder: every
        file in it); a ``str`` naming an existing file likewise; any other ``str`` (e.g.
        ``"builtin"``, ``"grid"``) is recorded as a spec; ``None`` means built-in data.
    scenario
        A scenario object (``.name``, ``.hash``), a mapping, or a name.
    as_of
        The as-of date of the scoring.
    counts, warnings, extra
        Row counts (e.g. ``CompanyTable.counts()``), warning messages, any other facts.
    command
        The command line (a list of arguments, or a string).
    overwrite
        Replace an existing manifest (pass the same value as for the output).
    """
    output_path = Path(output_path)
    target = manifest_path(output_path)
    if not output_path.exists():
        raise InputError(
            f"manifest: output {str(output_path)!r} does not exist; write the output first"
        )
    recorded: dict[str, Any] = {}
    for label, value in inputs.items():
        if value is None:
            recorded[label] = {"builtin": True}
        elif isinstance(value, str) and not Path(value).exists():
            recorded[label] = {"spec": value}
        else:
            recorded[label] = _fingerprint(Path(value), label)
    if isinstance(as_of, dt.date):
        as_of = as_of.isoformat()
    if isinstance(command, str | None):
        command_line = command
    else:
        command_line = shlex.join(str(a) for a in command)
    doc = {
        "manifest_version": 1,
        "output": _fingerprint(output_path, "output"),
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "inputs": recorded,
        "scenario": _scenario_info(scenario),
        "as_of": as_of,
        "versions": _versions(),
        "counts": _jsonable(dict(counts or {})),
        "warnings": [str(w) for w in (warnings or [])],
        "command_line": command_line,
        "extra": _jsonable(dict(extra or {})),
    }
    text = json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    with _Guard(target), atomic_output(target, overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target


def write_sites(gdf, path: str | os.PathLike, overwrite: bool = False, *,
                lang: str | None = None, about: Mapping[str, Any] | None = None) -> Path:
    """Write a sites (or scored sites) table atomically: .gpkg, .geojson, .csv or .xlsx.

    Through :func:`write_table`: CSV is UTF-8 with BOM, text cells starting with
    ``= + - @`` tab or CR are prefixed with ``'`` (formula injection), and
    GeoPackage/GeoJSON keep the geometry in EPSG:4326.
    """
    import geopandas as gpd

    from planner.crs import to_geographic

    path = Path(path)
    if path.suffix.lower() not in (".gpkg", ".geojson", ".csv", ".xlsx"):
        raise InputError(tr("err.outputs.sites_type", path=str(path)))
    if isinstance(gdf, gpd.GeoDataFrame) and gdf.crs is not None:
        gdf = to_geographic(gdf, what="sites")
    return write_table(gdf, path, overwrite=overwrite, sheet_name="sites", lang=lang, about=about)
