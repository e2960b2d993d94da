"""Built-in and user-supplied geodata layers: loading, validation, export.

Every layer enters through :func:`load_layers`, which validates at the boundary: it
collects every problem (file, feature, field, value, fix) and raises one
:class:`~planner.LayerError`. Repairs it can make safely (reprojection to EPSG:4326,
``make_valid``, an approximate polygon for a zone given as a point with ``area_ha``)
are made and reported in :attr:`LayerSet.notes`.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import crs as _crs
from ._atomic import atomic_output
from ._errors import InputError, LayerError

__all__ = [
    "LAYER_NAMES",
    "LAYER_SPECS",
    "STATUSES",
    "LayerSet",
    "LayerSpec",
    "builtin_geodata_dir",
    "load_layers",
    "validate_layer",
    "status_as_of",
    "export_layers",
]

log = logging.getLogger(__name__)

STATUSES = ("operating", "under_construction", "planned")
#: order used to pick the best status of overlapping zones
STATUS_RANK = {"none": 0, "planned": 1, "under_construction": 2, "operating": 3}

_POINT = frozenset({"Point"})
_LINE = frozenset({"LineString", "MultiLineString"})
_POLY = frozenset({"Polygon", "MultiPolygon"})

PROVENANCE_FIELDS = ("id", "name_en", "name_ru", "name_kk", "kind", "source", "estimated", "accuracy_m")
DATE_FIELDS = ("status_since", "status_until", "planned_open", "announced")


@dataclass(frozen=True)
class LayerSpec:
    """What one layer may hold: kinds, each with its allowed geometry types."""

    name: str
    description: str
    kinds: dict[str, frozenset[str]]
    required_ids: tuple[str, ...] = ()
    required_kinds: tuple[str, ...] = ()
    needs_status: bool = False


LAYER_SPECS: dict[str, LayerSpec] = {
    s.name: s
    for s in (
        LayerSpec(
            "bakad",
            "BAKAD ring road and its interchanges",
            {"ring_road": _LINE, "interchange": _POINT},
            required_kinds=("ring_road", "interchange"),
        ),
        LayerSpec(
            "cities",
            "Almaty, Konaev, Gate City, Alatau and settlements",
            {
                "city_outline": _POLY,
                "city_centre": _POINT,
                "planned_district": _POLY,
                "settlement": _POLY,
            },
            required_ids=("almaty", "almaty-centre", "konaev-centre", "gate-city"),
        ),
        LayerSpec(
            "zones",
            "industrial zones and special economic zones (SEZ)",
            {"industrial_zone": _POLY, "sez": _POLY},
            needs_status=True,
        ),
        LayerSpec(
            "transport",
            "rail, airport, highways and logistics targets",
            {
                "rail_station": _POINT,
                "freight_yard": _POINT,
                "airport": _POINT,
                "logistics_target": _POINT,
                "highway": _LINE,
                "railway": _LINE,
            },
            required_kinds=("airport", "highway"),
        ),
        LayerSpec(
            "constraints",
            "exclusions: national park, water, city limits, region outline",
            {"exclusion": _POLY, "water": _POLY, "city_limits": _POLY, "region": _POLY},
            required_kinds=("region",),
        ),
    )
}
LAYER_NAMES = tuple(LAYER_SPECS)
_SUFFIXES = (".geojson", ".json", ".gpkg")


def builtin_geodata_dir() -> Path:
    """Folder holding the built-in layers (inside the wheel, or the repo's ``geodata/``)."""
    here = Path(__file__).resolve().parent
    for cand in (here / "_geodata", here.parent / "geodata"):
        if (cand / "bakad.geojson").is_file():
            return cand
    raise FileNotFoundError(
        "built-in geodata not found; reinstall the package (pip install bakad-siting-planner)"
    )


@dataclass
class LayerSet:
    """The validated layers in EPSG:4326, with their metric copies made on demand."""

    layers: dict[str, gpd.GeoDataFrame]
    sources: dict[str, str]
    notes: list[str] = field(default_factory=list)
    _metric: dict[str, gpd.GeoDataFrame] = field(default_factory=dict, repr=False)

    def __getitem__(self, name: str) -> gpd.GeoDataFrame:
        return self.layers[name]

    def metric(self, name: str) -> gpd.GeoDataFrame:
        """Layer ``name`` in the metric CRS (EPSG:32643), cached."""
        if name not in self._metric:
            self._metric[name] = _crs.to_metric(self.layers[name], what=f"layer {name!r}")
        return self._metric[name]

    def kind(self, name: str, *kinds: str, metric: bool = False) -> gpd.GeoDataFrame:
        """Features of layer ``name`` whose ``kind`` is one of ``kinds``."""
        gdf = self.metric(name) if metric else self.layers[name]
        return gdf[gdf["kind"].isin(kinds)]

    def feature(self, name: str, feature_id: str, metric: bool = False):
        """The geometry of feature ``feature_id`` of layer ``name``."""
        gdf = self.metric(name) if metric else self.layers[name]
        hit = gdf[gdf["id"] == feature_id]
        if hit.empty:
            raise KeyError(f"layer {name!r} has no feature with id {feature_id!r}")
        return hit.geometry.iloc[0]

    def fingerprint(self) -> str:
        """Short hash of the layer contents (goes into manifests)."""
        import hashlib

        h = hashlib.sha256()
        for name in LAYER_NAMES:
            gdf = self.layers[name]
            h.update(name.encode())
            h.update(b"".join(shapely.to_wkb(gdf.geometry.values)))
            h.update(pd.util.hash_pandas_object(gdf.drop(columns="geometry").astype(str), index=False)
                     .values.tobytes())
        return h.hexdigest()[:12]


def _fmt_val(v) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_missing(v) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.strip()


def _parse_date(v) -> dt.date | None:
    if _is_missing(v):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, pd.Timestamp):
        return v.date()
    return dt.date.fromisoformat(str(v).strip()[:10])


def validate_layer(
    name: str, gdf: gpd.GeoDataFrame, file: str = "<memory>"
) -> tuple[gpd.GeoDataFrame, list[str], list[str]]:
    """Check one layer against :data:`LAYER_SPECS`.

    Returns ``(fixed, problems, notes)``: ``fixed`` is the layer in EPSG:4326 with safe
    repairs made, ``problems`` the errors (empty when valid), ``notes`` what was repaired.
    """
    spec = LAYER_SPECS[name]
    problems: list[str] = []
    notes: list[str] = []
    where = f"{file} (layer {name!r})"

    if gdf.crs is None:
        problems.append(
            f"{where}: no CRS is declared; declare the CRS when saving the file "
            "(GeoJSON: EPSG:4326 lon/lat; GeoPackage: set the layer's SRS) or reproject to EPSG:4326"
        )
        return gdf, problems, notes
    if len(gdf) == 0:
        problems.append(f"{where}: the layer has no features; add at least one feature")
        return gdf, problems, notes

    gdf = gdf.copy()
    # GeoJSON is EPSG:4326 by definition, so projected numbers in it arrive silently mislabelled.
    if gdf.crs.is_geographic:
        b = gdf.total_bounds
        if np.isfinite(b).all() and (abs(b[0]) > 180 or abs(b[2]) > 180 or abs(b[1]) > 90 or abs(b[3]) > 90):
            problems.append(
                f"{where}: coordinates up to x={b[2]:.0f}, y={b[3]:.0f} are not degrees although the "
                f"file says {gdf.crs.to_string()}; the data is projected (e.g. UTM 43N metres): "
                "declare its real CRS in the file, or reproject it to EPSG:4326"
            )
            return gdf, problems, notes
    if not gdf.crs.equals(_crs.GEOGRAPHIC_CRS):
        notes.append(f"{where}: reprojected from {gdf.crs.to_string()} to EPSG:4326")
        gdf = gdf.to_crs(_crs.GEOGRAPHIC_CRS)

    cols = set(gdf.columns)
    for fld in PROVENANCE_FIELDS:
        if fld not in cols:
            problems.append(
                f"{where}: required field `{fld}` is missing from every feature; add it "
                f"(every feature needs {', '.join(PROVENANCE_FIELDS)})"
            )
    if spec.needs_status and "status" not in cols:
        problems.append(
            f"{where}: required field `status` is missing; use one of {', '.join(STATUSES)}"
        )
    for fld in DATE_FIELDS:
        if fld not in gdf.columns:
            gdf[fld] = None
    for fld in ("status", "area_ha", "free_ha", "sectors", "reason", "parent_id"):
        if fld not in gdf.columns:
            gdf[fld] = None
    if problems:
        return gdf, problems, notes

    ids = gdf["id"].astype(object)
    dup = ids[ids.duplicated(keep=False) & ids.notna()]
    for val in sorted(set(dup)):
        rows = [int(i) + 1 for i in np.flatnonzero(ids.to_numpy() == val)]
        problems.append(
            f"{where}: duplicate id {val!r} in features {rows}; give every feature a unique `id`"
        )

    west, south, east, north = _crs.REGION_BOUNDS_LONLAT
    geoms = gdf.geometry.to_numpy()
    new_geoms = geoms.copy()
    for i, (geom, row) in enumerate(zip(geoms, gdf.drop(columns="geometry").itertuples(index=False), strict=True)):
        rec = row._asdict()
        fid = rec.get("id")
        loc = f"{where}: feature {i + 1} (id={_fmt_val(fid)})"
        for fld in ("id", "name_en", "name_ru", "name_kk", "kind", "source"):
            if _is_missing(rec.get(fld)):
                problems.append(f"{loc}: field `{fld}` is empty; fill it in")
        est = rec.get("estimated")
        if not isinstance(est, bool | np.bool_):
            problems.append(f"{loc}: field `estimated`: {_fmt_val(est)} is not a boolean; use true or false")
        acc = rec.get("accuracy_m")
        try:
            acc_ok = acc is not None and float(acc) >= 0 and math.isfinite(float(acc))
        except (TypeError, ValueError):
            acc_ok = False
        if not acc_ok:
            problems.append(f"{loc}: field `accuracy_m`: {_fmt_val(acc)} is not a distance in metres; use a number >= 0")
        kind = rec.get("kind")
        if not _is_missing(kind) and kind not in spec.kinds:
            problems.append(
                f"{loc}: field `kind`: {_fmt_val(kind)} is not a kind of layer {name!r}; "
                f"use one of {', '.join(spec.kinds)}"
            )
            kind = None
        status = rec.get("status")
        if spec.needs_status and (_is_missing(status) or status not in STATUSES):
            problems.append(
                f"{loc}: field `status`: {_fmt_val(status)} is not a known status; "
                f"use one of {', '.join(STATUSES)}"
            )
        elif not _is_missing(status) and status not in STATUSES:
            problems.append(
                f"{loc}: field `status`: {_fmt_val(status)} is not a known status; "
                f"use one of {', '.join(STATUSES)} or leave it empty"
            )
        for fld in DATE_FIELDS:
            try:
                _parse_date(rec.get(fld))
            except (TypeError, ValueError):
                problems.append(
                    f"{loc}: field `{fld}`: {_fmt_val(rec.get(fld))} is not an ISO date; use YYYY-MM-DD"
                )
        # geometry
        if geom is None or geom.is_empty:
            problems.append(f"{loc}: geometry is empty; give the feature a geometry or remove it")
            continue
        if kind is not None:
            allowed = spec.kinds[kind]
            gtype = geom.geom_type
            if gtype == "Point" and allowed == _POLY and _usable_number(rec.get("area_ha")):
                # a zone known only by its point and area: draw an approximate circle of that area
                area_m2 = float(rec["area_ha"]) * 1e4
                x, y = _crs.lonlat_to_metric([geom.x], [geom.y])
                circle = shapely.Point(x[0], y[0]).buffer(math.sqrt(area_m2 / math.pi), quad_segs=16)
                ring = shapely.get_coordinates(circle)
                lon, lat = _crs.metric_to_lonlat(ring[:, 0], ring[:, 1])
                geom = shapely.Polygon(np.column_stack([lon, lat]))
                new_geoms[i] = geom
                gdf.loc[gdf.index[i], "estimated"] = True
                notes.append(f"{loc}: point with area_ha={rec['area_ha']} drawn as an approximate circle, flagged estimated")
            elif gtype not in allowed:
                problems.append(
                    f"{loc}: geometry {gtype} is wrong for kind {kind!r}; "
                    f"layer {name!r} needs {' or '.join(sorted(allowed))} here"
                )
                continue
        if not shapely.is_valid(geom):
            reason = shapely.is_valid_reason(geom)
            fixed = shapely.make_valid(geom)
            if fixed.geom_type == "GeometryCollection":
                polys = [g for g in fixed.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
                fixed = shapely.union_all(polys) if polys else fixed
            if fixed.is_empty or (kind and fixed.geom_type not in spec.kinds[kind]):
                problems.append(f"{loc}: invalid geometry ({reason}) cannot be repaired; redraw it")
                continue
            new_geoms[i] = fixed
            notes.append(f"{loc}: invalid geometry ({reason}) repaired with make_valid")
            geom = fixed
        # far outside the region: a swapped lat/lon is the usual cause
        c = geom.representative_point() if geom.geom_type != "Point" else geom
        if not (west <= c.x <= east and south <= c.y <= north):
            if west <= c.y <= east and south <= c.x <= north:
                problems.append(
                    f"{loc}: lies at lon={c.x:.4f}, lat={c.y:.4f}, outside Almaty Region; "
                    "latitude and longitude look swapped: GeoJSON stores [lon, lat], swap them"
                )
            else:
                problems.append(
                    f"{loc}: lies at lon={c.x:.4f}, lat={c.y:.4f}, far outside Almaty Region "
                    f"({west}-{east} E, {south}-{north} N); check the coordinates and the CRS"
                )
    gdf = gdf.set_geometry(gpd.GeoSeries(new_geoms, index=gdf.index, crs=gdf.crs))

    present_ids = set(ids.dropna())
    for rid in spec.required_ids:
        if rid not in present_ids:
            problems.append(
                f"{where}: required feature id {rid!r} is missing; the scorer needs it "
                f"(required ids: {', '.join(spec.required_ids)})"
            )
    kinds_present = set(gdf["kind"].dropna())
    for rk in spec.required_kinds:
        if rk not in kinds_present:
            problems.append(f"{where}: no feature of kind {rk!r}; the scorer needs at least one")
    if not problems:
        gdf["estimated"] = gdf["estimated"].astype(bool)
        gdf["accuracy_m"] = gdf["accuracy_m"].astype(float)
    return gdf, problems, notes


def _usable_number(v) -> bool:
    try:
        return v is not None and float(v) > 0 and math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def _read(path: Path, layer: str | None = None) -> gpd.GeoDataFrame:
    try:
        return gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # pyogrio raises its own DataSourceError family
        what = f"{path}" + (f" layer {layer!r}" if layer else "")
        raise InputError(
            f"cannot read {what}: {exc}; give a GeoJSON or GeoPackage file readable by GDAL"
        ) from exc


def _user_files(path: Path) -> tuple[dict[str, tuple[Path, str | None]], list[str]]:
    """Map layer name -> (file, gpkg layer) for a user's directory or GeoPackage."""
    found: dict[str, tuple[Path, str | None]] = {}
    ignored: list[str] = []
    if path.is_dir():
        for p in sorted(path.iterdir()):
            if p.suffix.lower() in _SUFFIXES:
                if p.stem in LAYER_SPECS:
                    found[p.stem] = (p, None)
                else:
                    ignored.append(p.name)
    elif path.is_file() and path.suffix.lower() == ".gpkg":
        import pyogrio

        for lname, _gtype in pyogrio.list_layers(path):
            if lname in LAYER_SPECS:
                found[lname] = (path, lname)
            else:
                ignored.append(lname)
    elif path.is_file() and path.suffix.lower() in (".geojson", ".json") and path.stem in LAYER_SPECS:
        found[path.stem] = (path, None)
    elif not path.exists():
        raise InputError(f"layers path {str(path)!r} does not exist; give a folder or a .gpkg file")
    else:
        raise InputError(
            f"layers path {str(path)!r} is neither a folder nor a GeoPackage; give a folder of "
            f"{'/'.join(LAYER_NAMES)}.geojson|.gpkg files or one .gpkg with layers named so"
        )
    if not found:
        raise InputError(
            f"{path}: no layer found; name files or GeoPackage layers after the layer they "
            f"replace: {', '.join(LAYER_NAMES)}" + (f" (ignored: {', '.join(ignored)})" if ignored else "")
        )
    return found, ignored


def load_layers(path: str | Path | None = None) -> LayerSet:
    """Load the built-in layers, replacing any given in ``path`` by the user's.

    Parameters
    ----------
    path
        ``None`` for the built-in set; a folder of ``<layer>.geojson``/``.gpkg`` files; or
        one GeoPackage with layers named after :data:`LAYER_NAMES`. Layers not supplied
        are taken from the built-in set.

    Raises
    ------
    LayerError
        listing every problem found in every supplied layer.
    """
    builtin = builtin_geodata_dir()
    chosen: dict[str, tuple[Path, str | None]] = {n: (builtin / f"{n}.geojson", None) for n in LAYER_NAMES}
    notes: list[str] = []
    if path is not None:
        user, ignored = _user_files(Path(path))
        chosen.update(user)
        if ignored:
            notes.append(f"{path}: ignored {', '.join(ignored)} (not a layer name: {', '.join(LAYER_NAMES)})")
        for n in LAYER_NAMES:
            if n not in user:
                notes.append(f"layer {n!r}: not in {path}, using the built-in layer")
    layers: dict[str, gpd.GeoDataFrame] = {}
    sources: dict[str, str] = {}
    problems: list[str] = []
    for n, (file, lname) in chosen.items():
        raw = _read(file, lname)
        fixed, probs, nts = validate_layer(n, raw, file=str(file))
        problems += probs
        notes += nts
        layers[n] = fixed
        sources[n] = "builtin" if file.parent == builtin else str(file)
    if problems:
        raise LayerError(
            f"{len(problems)} problem(s) in the layers; fix them and run again:\n  - "
            + "\n  - ".join(problems),
            problems,
        )
    for note in notes:
        log.info(note)
    return LayerSet(layers=layers, sources=sources, notes=notes)


def status_as_of(zones: pd.DataFrame, as_of: dt.date) -> np.ndarray:
    """Each zone's status on ``as_of``: operating, under_construction, planned or none.

    Uses ``status`` with ``announced`` (before it the zone does not exist), ``status_since``
    (start of the current status), ``planned_open`` (a planned or building zone opens then)
    and ``status_until`` (the zone's term ends).
    """
    out = []
    for rec in zones[["status", "announced", "status_since", "planned_open", "status_until"]].itertuples(index=False):
        status, announced, since, opens, until = (
            rec.status, _parse_date(rec.announced), _parse_date(rec.status_since),
            _parse_date(rec.planned_open), _parse_date(rec.status_until),
        )
        if (announced and as_of < announced) or (until and as_of >= until):
            out.append("none")
        elif status == "operating":
            out.append("operating" if since is None or as_of >= since else "planned")
        elif opens is not None and as_of >= opens:
            out.append("operating")
        elif status == "under_construction" and (since is None or as_of >= since):
            out.append("under_construction")
        else:
            out.append("planned")
    return np.array(out, dtype=object)


def export_layers(layers: LayerSet, path: str | Path, overwrite: bool = False) -> Path:
    """Write every layer into one GeoPackage (one table per layer), atomically."""
    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise InputError(f"export file {str(path)!r} must end in .gpkg (a GeoPackage QGIS can open)")
    with atomic_output(path, overwrite) as tmp:
        for n in LAYER_NAMES:
            gdf = layers[n].copy()
            for col in gdf.columns:
                if col != "geometry" and gdf[col].dtype == object:
                    gdf[col] = gdf[col].where(gdf[col].notna(), None)
            gdf.to_file(tmp, layer=n, driver="GPKG", engine="pyogrio")
    return path
