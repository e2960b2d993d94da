"""Built-in and user-supplied geodata layers: loading, validation, export.

Every layer enters through :func:`load_layers`, which validates at the boundary: it
collects every problem (file, feature, field, value, fix) and raises one
:class:`~planner.LayerError`. Repairs it can make safely (reprojection to EPSG:4326,
``make_valid``, an approximate polygon for a zone given as a point with ``area_ha``)
are made and reported in :attr:`LayerSet.notes`.

What a validated layer holds (the layer contract, :data:`LAYER_SPECS`, :class:`LayerSet`,
zone status by date) is the data model in :mod:`planner.core.layerset`.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner import crs as _crs
from planner import i18n
from planner._atomic import atomic_output
from planner._infiles import either, refuse_special
from planner._timestamps import gdal_date
from planner.core.layerset import (
    DATE_FIELDS,
    LAYER_NAMES,
    LAYER_SPECS,
    OPTIONAL_NUMBER_FIELDS,
    OPTIONAL_TEXT_FIELDS,
    POLYGON_TYPES,
    PROVENANCE_FIELDS,
    REQUIRED_ID_KIND,
    STATUSES,
    TEXT_FIELDS,
    LayerSet,
    LayerSpec,
    is_missing,
    parse_date,
)
from planner.errors import InputError, LayerError
from planner.i18n import tr
from planner.inputs.columns import ColumnSpec, RowNotes, Rule, check_column, per_value, show_value

__all__ = [
    "builtin_geodata_dir",
    "load_layers",
    "validate_layer",
    "export_layers",
]

log = logging.getLogger(__name__)

#: constraints: the exclusion reason implied by the kind when ``reason`` is empty
_DEFAULT_REASON = {"water": "water", "region": "outside_region", "city_limits": "city_limits"}
#: at most this many problems are spelled out in the LayerError message (all are in .problems)
_MAX_LISTED = 50


_GEOJSON_SUFFIXES = (".geojson", ".json")
_SUFFIXES = (*_GEOJSON_SUFFIXES, ".gpkg")


def builtin_geodata_dir() -> Path:
    """Folder holding the built-in layers (inside the wheel, or the repo's ``geodata/``)."""
    here = Path(__file__).resolve().parent.parent
    for cand in (here / "_geodata", here.parent / "geodata"):
        if (cand / "bakad.geojson").is_file():
            return cand
    raise FileNotFoundError(
        "built-in geodata not found; reinstall the package (pip install bakad-siting-planner)"
    )


# --------------------------------------------------------------------------- value helpers


def _objects(s: pd.Series) -> np.ndarray:
    """Values of ``s`` as an object array with None for every kind of missing value."""
    return s.astype(object).where(s.notna(), None).to_numpy(copy=True)


def _text_series(values: Iterable, index: pd.Index) -> pd.Series:
    """Text column: str values, missing kept missing (pandas' default string dtype)."""
    vals = [None if is_missing(v) else str(v) for v in values]
    s = pd.Series(vals, index=index, dtype=object)
    try:
        return s.astype(pd.StringDtype(na_value=np.nan))
    except TypeError:  # pandas < 2.3 has no NaN-backed string dtype
        return s


# --------------------------------------------------------------------------- validation


def validate_layer(
    name: str, gdf: gpd.GeoDataFrame, file: str = "<memory>"
) -> tuple[gpd.GeoDataFrame, list[str], list[str]]:
    """Check one layer against :data:`LAYER_SPECS` and make the safe repairs.

    Parameters
    ----------
    name
        Layer name, one of :data:`LAYER_NAMES`.
    gdf
        The layer as read from its file, in any CRS.
    file
        Where it came from, for the messages.

    Returns
    -------
    (fixed, problems, notes)
        ``fixed`` is the layer in EPSG:4326 with the repairs made and the column types
        normalised (only meaningful when ``problems`` is empty); ``problems`` lists every
        error found; ``notes`` says what was repaired.
    """
    if name not in LAYER_SPECS:
        raise InputError(tr("err.layers.unknown_name", file=file, name=name,
                            names=", ".join(LAYER_NAMES)))  # fmt: skip
    spec = LAYER_SPECS[name]
    problems: list[str] = []
    notes: list[str] = []
    where = tr("err.layers.where", file=file, name=name)

    try:
        has_geometry = isinstance(gdf, gpd.GeoDataFrame) and gdf.geometry is not None
    except AttributeError:  # a GeoDataFrame without an active geometry column
        has_geometry = False
    if not has_geometry:
        problems.append(tr("err.layers.no_geometry", where=where))
        return gdf, problems, notes
    if len(gdf) == 0:
        problems.append(tr("err.layers.no_features", where=where))
        return gdf, problems, notes

    gdf = gdf.copy()
    gdf.index = pd.RangeIndex(len(gdf))
    geo_ok = _check_crs(gdf, where, problems)
    if geo_ok:
        gdf, geo_ok = _reproject(gdf, where, problems, notes)

    cols = set(gdf.columns)
    for fld in PROVENANCE_FIELDS:
        if fld not in cols:
            problems.append(tr("err.layers.field_missing", where=where, field=fld,
                               fields=", ".join(PROVENANCE_FIELDS)))  # fmt: skip
    if spec.needs_status and "status" not in cols:
        problems.append(tr("err.layers.status_missing", where=where,
                           statuses=", ".join(STATUSES)))  # fmt: skip
    for fld in (*PROVENANCE_FIELDS, *DATE_FIELDS, *OPTIONAL_TEXT_FIELDS, *OPTIONAL_NUMBER_FIELDS):
        if fld not in gdf.columns:
            gdf[fld] = None

    ids = _objects(gdf["id"])
    labels = [
        tr("err.layers.feature", where=where, n=i + 1) if is_missing(fid) else
        tr("err.layers.feature_id", where=where, n=i + 1, id=show_value(fid))
        for i, fid in enumerate(ids)
    ]  # fmt: skip
    kinds = _check_attributes(gdf, spec, cols, labels, problems, notes)
    _check_ids(ids, where, problems)
    if geo_ok:
        _check_geometry(gdf, spec, kinds, labels, where, problems, notes)
    _check_required(gdf, spec, where, problems)
    if not problems:
        gdf = _normalise(gdf)
    return gdf, problems, notes


def _check_crs(gdf: gpd.GeoDataFrame, where: str, problems: list[str]) -> bool:
    """Refuse a missing or mislabelled CRS; True when the coordinates can be trusted."""
    if gdf.crs is None:
        problems.append(tr("err.layers.no_crs", where=where))
        return False
    b = shapely.bounds(gdf.geometry.to_numpy())
    with np.errstate(invalid="ignore"):
        in_range = (np.abs(b[:, [0, 2]]) <= 180).all(1) & (np.abs(b[:, [1, 3]]) <= 90).all(1)
    degrees = in_range | np.isnan(b).any(1)  # empty geometries are reported elsewhere
    if gdf.crs.is_geographic and not degrees.all():
        bad = np.flatnonzero(~degrees)
        x, y = b[bad[0], 2], b[bad[0], 3]
        which = (
            tr("err.layers.every_feature") if len(bad) == len(gdf)
            else tr("err.layers.features", n=", ".join(str(i + 1) for i in bad[:10]))
        )
        problems.append(tr("err.layers.projected", where=where, which=which, x=f"{x:.0f}",
                           y=f"{y:.0f}", crs=gdf.crs.to_string()))  # fmt: skip
        return False
    finite = np.isfinite(b).all(1)
    if gdf.crs.is_projected and finite.any() and degrees[finite].all():
        x, y = b[np.flatnonzero(finite)[0], :2]
        problems.append(tr("err.layers.degrees", where=where, x=f"{x:.4f}", y=f"{y:.4f}",
                           crs=gdf.crs.to_string()))  # fmt: skip
        return False
    return True


def _reproject(gdf, where, problems, notes):
    if gdf.crs.equals(_crs.GEOGRAPHIC_CRS):
        return gdf, True
    try:
        out = gdf.to_crs(_crs.GEOGRAPHIC_CRS)
    except Exception as exc:  # pyproj raises its own CRSError family
        problems.append(tr("err.layers.reproject", where=where, crs=gdf.crs.to_string(),
                           error=exc))  # fmt: skip
        return gdf, False
    notes.append(tr("err.layers.reprojected", where=where, crs=gdf.crs.to_string()))
    return out, True


# messages "err.layers.*" are keys of the language catalog (columns.check_column)
_METRES = "metres"
_HECTARES = "hectares"


def _true_false(v) -> bool:
    """A boolean from bool, 0/1 (GeoPackage without a boolean subtype) or 'true'/'false'."""
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer) and v in (0, 1):
        return bool(v)
    if isinstance(v, str) and v.strip().lower() in ("true", "false"):
        return v.strip().lower() == "true"
    raise ValueError(f"{v!r} is not a boolean")


def _as_number(v) -> float | None:
    """A finite float, None when missing; ValueError when not a number."""
    if is_missing(v):
        return None
    if isinstance(v, bool | np.bool_):
        raise ValueError("a boolean is not a number")
    out = float(v.strip()) if isinstance(v, str) else float(v)
    if not math.isfinite(out):
        raise ValueError("not finite")
    return out


def _one_of(allowed):
    def check(v):
        if is_missing(v):
            return None
        if v not in allowed:
            raise ValueError(f"{v!r} is not allowed")
        return v

    return per_value(check)


def _number_spec(fld: str, rule: str, required: bool) -> ColumnSpec:
    return ColumnSpec(
        fld, per_value(_as_number, float), invalid=f"err.layers.{rule}_invalid",
        empty=f"err.layers.{rule}_empty" if required else None,
        rules=(Rule(lambda v: v < 0, f"err.layers.{rule}_invalid"),),
    )


#: provenance and size fields, checked before the free <= area rule
_FIELDS_SIZE: tuple[ColumnSpec, ...] = (
    *(ColumnSpec(f, per_value(lambda v: v), empty="err.layers.text_empty")
      for f in TEXT_FIELDS),
    ColumnSpec(
        "estimated", per_value(_true_false),
        invalid="err.layers.boolean", empty="err.layers.boolean",
    ),
    _number_spec("accuracy_m", _METRES, required=True),
    _number_spec("area_ha", _HECTARES, required=False),
    _number_spec("free_ha", _HECTARES, required=False),
)  # fmt: skip
_DATE_SPEC = dict(
    parse=per_value(parse_date),
    invalid="err.layers.date",
)


def _fields_kind_dates(spec: LayerSpec) -> tuple[ColumnSpec, ...]:
    """Kind, status and date fields of layer ``spec`` (the rules depend on the layer)."""
    status = "err.layers.status" if spec.needs_status else "err.layers.status_optional"
    return (
        ColumnSpec("kind", _one_of(spec.kinds), invalid="err.layers.kind"),
        ColumnSpec(
            "status", _one_of(STATUSES), invalid=status,
            empty=status if spec.needs_status else None,
        ),
        *(ColumnSpec(f, **_DATE_SPEC) for f in DATE_FIELDS),
    )  # fmt: skip


def _check_fields(gdf, specs, cols, rows: RowNotes, spec=None) -> dict[str, np.ndarray]:
    """Apply ``specs`` to the fields present (a missing required field is reported once,
    by the caller; optional numbers and dates are checked even when absent: all empty).
    ``spec`` (the layer) fills the messages naming its kinds."""
    out = {}
    lang = i18n.message_lang()
    context = {"statuses": ", ".join(STATUSES)}
    if spec is not None:
        context |= {"layer": spec.name, "kinds": ", ".join(spec.kinds)}
    for fs in specs:
        if fs.name not in cols and fs.name not in (*OPTIONAL_NUMBER_FIELDS, *DATE_FIELDS):
            continue
        cells = pd.Series(_objects(gdf[fs.name]), dtype=object)
        out[fs.name] = check_column(fs, cells, rows, col=_field(fs.name), blank_as=None,
                                    context=context, lang=lang)  # fmt: skip
    return out


def _field(name: str) -> str:
    """``field `free_ha``` in the message language."""
    return tr("err.layers.field", name=name)


def _check_attributes(gdf, spec, cols, labels, problems, notes) -> list[str | None]:
    """Field-by-field checks (column specs); returns each feature's kind (None: unusable)."""
    n = len(gdf)
    rows = RowNotes(n)
    values = _check_fields(gdf, _FIELDS_SIZE, cols, rows)
    if "estimated" in values:
        gdf["estimated"] = pd.Series(values["estimated"], index=gdf.index, dtype=object)
    for fld in ("accuracy_m", *OPTIONAL_NUMBER_FIELDS):
        if fld in values:
            nums = values[fld]
            gdf[fld] = np.where(nums < 0, np.nan, nums)
    over = gdf["free_ha"].to_numpy() > gdf["area_ha"].to_numpy() * (1 + 1e-9)
    rows.problem(
        np.flatnonzero(over),
        lambda i: tr("err.layers.free_over_area", field=_field("free_ha"),
                     free=f"{gdf['free_ha'].iat[i]:g}", area=f"{gdf['area_ha'].iat[i]:g}"),
    )

    values = _check_fields(gdf, _fields_kind_dates(spec), cols, rows, spec)
    kinds = list(values["kind"]) if "kind" in values else [None] * n
    for fld in DATE_FIELDS:
        gdf[fld] = pd.Series(
            [d.isoformat() if d else None for d in values[fld]], index=gdf.index, dtype=object
        )
    _check_date_order(values, rows)
    if spec.name == "constraints":
        _default_reasons(gdf, kinds, labels, rows, notes)
    _note_parents(gdf, labels, notes)
    problems.extend(rows.labelled(labels))
    return kinds


def _check_date_order(dates: dict, rows: RowNotes) -> None:
    for i, (ann, since, until) in enumerate(
        zip(dates["announced"], dates["status_since"], dates["status_until"], strict=True)
    ):
        if since and until and until <= since:
            rows.problem([i], tr("err.layers.until_before_since", field=_field("status_until"),
                                 until=until, since=since))  # fmt: skip
        if ann and since and ann > since:
            rows.problem([i], tr("err.layers.announced_after_since", field=_field("announced"),
                                 announced=ann, since=since))  # fmt: skip


def _default_reasons(gdf, kinds, labels, rows: RowNotes, notes: list[str]) -> None:
    """Constraints: an empty ``reason`` implied by the kind is filled in (and noted)."""
    reasons = _objects(gdf["reason"])
    for i, (k, r) in enumerate(zip(kinds, reasons, strict=True)):
        if not is_missing(r) or k is None:
            continue
        if k in _DEFAULT_REASON:
            reasons[i] = _DEFAULT_REASON[k]
            notes.append(tr("err.layers.reason_set", label=labels[i], reason=reasons[i], kind=k))
        else:
            rows.problem([i], tr("err.layers.reason_empty", field=_field("reason")))
    gdf["reason"] = pd.Series(reasons, index=gdf.index, dtype=object)


def _note_parents(gdf, labels, notes: list[str]) -> None:
    known = {str(v) for v in _objects(gdf["id"]) if not is_missing(v)}
    for i, p in enumerate(_objects(gdf["parent_id"])):
        if not is_missing(p) and str(p) not in known:
            notes.append(tr("err.layers.parent_unknown", label=labels[i], parent=p))


def _check_ids(ids: np.ndarray, where: str, problems: list[str]) -> None:
    keys = pd.Series([None if is_missing(v) else str(v) for v in ids], dtype=object)
    dup = keys[keys.duplicated(keep=False) & keys.notna()]
    for val in sorted(set(dup)):
        rows = [int(i) + 1 for i in np.flatnonzero(keys.to_numpy() == val)]
        problems.append(tr("err.layers.duplicate_id", where=where, id=val,
                           features=", ".join(map(str, rows))))  # fmt: skip


def _circle_for_point(geom, area_ha: float):
    """An approximate circle of ``area_ha`` around point ``geom`` (drawn in metres)."""
    x, y = _crs.lonlat_to_metric([geom.x], [geom.y])
    radius_m = math.sqrt(area_ha * 1e4 / math.pi)
    circle = shapely.Point(x[0], y[0]).buffer(radius_m, quad_segs=16)
    ring = shapely.get_coordinates(circle)
    lon, lat = _crs.metric_to_lonlat(ring[:, 0], ring[:, 1])
    return shapely.Polygon(np.column_stack([lon, lat]))


def _check_geometry(gdf, spec, kinds, labels, where, problems, notes) -> None:
    geoms = gdf.geometry.to_numpy().copy()
    if shapely.has_z(geoms).any():
        geoms = shapely.force_2d(geoms)
        notes.append(tr("err.layers.z_dropped", where=where))
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    coords, owner = shapely.get_coordinates(geoms, return_index=True)  # bounds skip NaN
    nonfinite = np.zeros(len(geoms), dtype=bool)
    nonfinite[owner[~np.isfinite(coords).all(axis=1)]] = True
    nonfinite &= ~missing
    area_ha = gdf["area_ha"].to_numpy()
    gtypes = np.array([None if g is None else g.geom_type for g in geoms], dtype=object)
    dropped = missing | nonfinite
    for i in np.flatnonzero(missing):
        problems.append(tr("err.layers.geometry_empty", label=labels[i]))
    for i in np.flatnonzero(nonfinite):
        problems.append(tr("err.layers.geometry_nan", label=labels[i]))
    for i in np.flatnonzero(~dropped):
        kind = kinds[i]
        if kind is None:
            continue
        allowed = spec.kinds[kind]
        if gtypes[i] in allowed:
            continue
        if gtypes[i] == "Point" and allowed == POLYGON_TYPES and area_ha[i] > 0:
            # a zone known only by its point and area: an approximate circle of that area
            geoms[i] = _circle_for_point(geoms[i], float(area_ha[i]))
            gdf.loc[i, "estimated"] = True
            notes.append(tr("err.layers.point_circle", label=labels[i],
                            area=f"{area_ha[i]:g}"))  # fmt: skip
            continue
        hint = (
            tr("err.layers.circle_hint")
            if allowed == POLYGON_TYPES and gtypes[i] == "Point" else ""
        )
        problems.append(tr("err.layers.geometry_kind", label=labels[i], type=gtypes[i],
                           kind=kind, layer=spec.name, hint=hint,
                           need=either(sorted(allowed))))  # fmt: skip
        dropped[i] = True

    check = ~dropped
    invalid = np.zeros(len(geoms), dtype=bool)
    invalid[check] = ~shapely.is_valid(geoms[check])
    for i in np.flatnonzero(invalid):
        reason = shapely.is_valid_reason(geoms[i])
        fixed = shapely.make_valid(geoms[i])
        if fixed.geom_type == "GeometryCollection":
            polys = [g for g in fixed.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
            fixed = shapely.union_all(polys) if polys else fixed
        kind = kinds[i]
        if fixed.is_empty or (kind and fixed.geom_type not in spec.kinds[kind]):
            problems.append(tr("err.layers.invalid_geometry", label=labels[i], reason=reason))
            dropped[i] = True
            continue
        geoms[i] = fixed
        notes.append(tr("err.layers.repaired", label=labels[i], reason=reason))

    # far outside the region; a swapped lat/lon is the usual cause
    west, south, east, north = _crs.REGION_BOUNDS_LONLAT
    b = shapely.bounds(geoms)
    with np.errstate(invalid="ignore"):
        inside = (b[:, 0] >= west) & (b[:, 2] <= east) & (b[:, 1] >= south) & (b[:, 3] <= north)
        swapped = (b[:, 1] >= west) & (b[:, 3] <= east) & (b[:, 0] >= south) & (b[:, 2] <= north)
    for i in np.flatnonzero(~dropped & ~inside):
        p = geoms[i] if geoms[i].geom_type == "Point" else geoms[i].representative_point()
        at = {"label": labels[i], "lon": f"{p.x:.4f}", "lat": f"{p.y:.4f}"}
        if swapped[i]:
            problems.append(tr("err.layers.swapped", **at))
        else:
            problems.append(tr(
                "err.layers.outside", **at, x0=f"{b[i, 0]:.2f}", x1=f"{b[i, 2]:.2f}",
                y0=f"{b[i, 1]:.2f}", y1=f"{b[i, 3]:.2f}", west=west, east=east, south=south,
                north=north,
            ))
    gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs), inplace=True)


def _check_required(gdf, spec, where, problems) -> None:
    ids = [None if is_missing(v) else str(v) for v in _objects(gdf["id"])]
    kinds = [None if is_missing(v) else str(v) for v in _objects(gdf["kind"])]
    kind_of = dict(zip(ids, kinds, strict=True))
    for rid in spec.required_ids:
        want = REQUIRED_ID_KIND.get(rid)
        if rid not in kind_of:
            problems.append(tr("err.layers.required_id", where=where, id=rid,
                               ids=", ".join(spec.required_ids)))  # fmt: skip
        elif want and kind_of[rid] != want:
            problems.append(tr("err.layers.required_id_kind", where=where, id=rid,
                               kind=kind_of[rid], want=want))  # fmt: skip
    present = set(kinds)
    for rk in spec.required_kinds:
        if rk not in present:
            problems.append(tr("err.layers.required_kind", where=where, kind=rk))
    for group in spec.required_any:
        if not present.intersection(group):
            problems.append(tr("err.layers.required_kinds", where=where, kinds=either(group)))


def _normalise(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Column types of the public layer contract (after a clean validation)."""
    gdf["estimated"] = gdf["estimated"].astype(bool)
    gdf["accuracy_m"] = gdf["accuracy_m"].astype("float64")
    for fld in OPTIONAL_NUMBER_FIELDS:
        gdf[fld] = gdf[fld].astype("float64")
    for fld in (*TEXT_FIELDS, *OPTIONAL_TEXT_FIELDS):
        gdf[fld] = _text_series(_objects(gdf[fld]), gdf.index)
    return gdf


# --------------------------------------------------------------------------- reading


def _read(path: Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read one layer; dates stay text so that a bad date is reported, not a crash."""
    kwargs: dict = {"datetime_as_string": True}
    if path.suffix.lower() in _GEOJSON_SUFFIXES:
        kwargs["DATE_AS_STRING"] = "YES"  # GDAL would otherwise fail on 2024-02-30
    what = tr("err.layers.where", file=path, name=layer) if layer else str(path)
    refuse_special(path, "layer file", LayerError)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            gdf = gpd.read_file(path, layer=layer, engine="pyogrio", **kwargs)
    except Exception as exc:  # pyogrio raises its own DataSourceError family
        raise InputError(tr("err.layers.unreadable", what=what, error=exc)) from exc
    for w in caught:  # GDAL/geopandas reading remarks; validation reports the real problems
        log.debug("reading %s: %s", what, w.message)
    return gdf


def _user_files(path: Path) -> tuple[dict[str, tuple[Path, str | None]], list[str]]:
    """Map layer name -> (file, gpkg layer) for a user's folder, GeoPackage or one file."""
    found: dict[str, tuple[Path, str | None]] = {}
    ignored: list[str] = []
    if path.is_dir():
        for p in sorted(path.iterdir()):
            if p.suffix.lower() not in _SUFFIXES or p.name.startswith("."):
                continue
            key = p.stem.lower()
            if key not in LAYER_SPECS:
                ignored.append(p.name)
            elif key in found:
                raise InputError(tr("err.layers.twice", path=path, name=key,
                                    first=found[key][0].name, second=p.name))  # fmt: skip
            else:
                found[key] = (p, None)
    elif path.is_file() and path.suffix.lower() == ".gpkg":
        import pyogrio

        try:
            listed = pyogrio.list_layers(path)
        except Exception as exc:  # pyogrio raises its own DataSourceError family
            raise InputError(tr("err.layers.gpkg_unreadable", path=path, error=exc)) from exc
        for lname, _gtype in listed:
            key = str(lname).lower()
            if key in LAYER_SPECS and key not in found:
                found[key] = (path, str(lname))
            else:
                ignored.append(str(lname))
    elif path.is_file() and path.suffix.lower() in _GEOJSON_SUFFIXES:
        if path.stem.lower() not in LAYER_SPECS:
            raise InputError(tr("err.layers.single_name", path=path,
                                names=", ".join(n + ".geojson" for n in LAYER_NAMES)))
        found[path.stem.lower()] = (path, None)
    elif not path.exists():
        raise InputError(tr("err.layers.path_missing", path=path))
    else:
        raise InputError(tr("err.layers.path_kind", path=path, names="/".join(LAYER_NAMES)))
    if not found:
        raise InputError(tr("err.layers.none_found", path=path, names=", ".join(LAYER_NAMES))
                         + (tr("err.layers.ignored", names=", ".join(ignored)) if ignored
                            else ""))  # fmt: skip
    return found, ignored


def load_layers(path: str | Path | None = None) -> LayerSet:
    """Load the built-in layers, replacing any given in ``path`` by the user's.

    Parameters
    ----------
    path
        ``None`` for the built-in set; a folder of ``<layer>.geojson``/``.gpkg`` files; one
        GeoPackage with layers named after :data:`LAYER_NAMES`; or one ``<layer>.geojson``.
        Layers not supplied are taken from the built-in set.

    Raises
    ------
    LayerError
        listing every problem found in every supplied layer (``.problems`` holds them).
    InputError
        when ``path`` does not exist or holds no layer.
    """
    builtin = builtin_geodata_dir()
    chosen = {n: (builtin / f"{n}.geojson", None) for n in LAYER_NAMES}
    user_layers: set[str] = set()
    notes: list[str] = []
    if path is not None:
        user, ignored = _user_files(Path(path))
        chosen.update(user)
        user_layers = set(user)
        if ignored:
            notes.append(tr("err.layers.ignored_note", path=path, ignored=", ".join(ignored),
                            names=", ".join(LAYER_NAMES)))  # fmt: skip
        for n in LAYER_NAMES:
            if n not in user:
                notes.append(tr("err.layers.builtin_used", name=n, path=path))
    layers: dict[str, gpd.GeoDataFrame] = {}
    sources: dict[str, str] = {}
    problems: list[str] = []
    for n, (file, lname) in chosen.items():
        try:
            raw = _read(file, lname)
        except InputError as exc:
            problems.append(str(exc))
            continue
        label = str(file) + (f":{lname}" if lname and lname != n else "")
        fixed, probs, nts = validate_layer(n, raw, file=label)
        problems += probs
        notes += nts
        layers[n] = fixed
        sources[n] = str(file) if n in user_layers else "builtin"
    if problems:
        listed = problems[:_MAX_LISTED]
        more = len(problems) - len(listed)
        raise LayerError(
            tr("err.layers.problems", n=len(problems)) + "\n  - " + "\n  - ".join(listed)
            + (tr("err.layers.more", n=more) if more else ""),
            problems,
        )
    for note in notes:
        log.info(note)
    return LayerSet(layers=layers, sources=sources, notes=notes)


# --------------------------------------------------------------------------- status, export




def export_layers(layers: LayerSet, path: str | Path, overwrite: bool = False) -> Path:
    """Write every layer into one GeoPackage (one table per layer, EPSG:4326), atomically.

    The file reads back with :func:`load_layers` and opens in QGIS/ArcGIS.
    """
    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise InputError(tr("err.layers.export_suffix", path=path))
    with atomic_output(path, overwrite) as tmp, gdal_date():  # reproducible last_change
        for n in LAYER_NAMES:
            gdf = _crs.to_geographic(layers[n], what=f"layer {n!r}").copy()
            for col in gdf.columns:
                if col != gdf.geometry.name and gdf[col].dtype == object:
                    gdf[col] = gdf[col].where(gdf[col].notna(), None)
            gdf.to_file(tmp, layer=n, driver="GPKG", engine="pyogrio")
    log.info("wrote %s (%d layers)", path, len(LAYER_NAMES))
    return path
