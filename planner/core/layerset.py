"""The layer data model: what a layer holds, the validated set, and zone status by date.

Shared by every stage (criteria, scoring, surfaces, maps, comparison) without reading any
file: reading and validating layers is :mod:`planner.inputs.layers`, which builds a
:class:`LayerSet` that satisfies the contract below.

After validation every layer is a GeoDataFrame in EPSG:4326 with the provenance fields
``id`` (str, unique), ``name_en``, ``name_ru``, ``name_kk``, ``kind``, ``source`` (str),
``estimated`` (bool), ``accuracy_m`` (float64), the dates ``status_since``,
``status_until``, ``planned_open``, ``announced`` (ISO ``YYYY-MM-DD`` strings or None),
``status``, ``sectors``, ``reason``, ``parent_id``, ``licence`` (text, missing allowed) and
``area_ha``, ``free_ha`` (float64, NaN unknown).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner import crs as _crs
from planner.errors import InputError, LayerError
from planner.i18n import tr

__all__ = [
    "LAYER_NAMES",
    "LAYER_SPECS",
    "STATUSES",
    "STATUS_RANK",
    "PROVENANCE_FIELDS",
    "DATE_FIELDS",
    "TEXT_FIELDS",
    "OPTIONAL_TEXT_FIELDS",
    "OPTIONAL_NUMBER_FIELDS",
    "REQUIRED_ID_KIND",
    "POINT_TYPES",
    "LINE_TYPES",
    "POLYGON_TYPES",
    "LayerSet",
    "LayerSpec",
    "is_missing",
    "parse_date",
    "parse_as_of",
    "status_as_of",
]

STATUSES = ("operating", "under_construction", "planned")
#: order used to pick the best status of overlapping zones
STATUS_RANK = {"none": 0, "planned": 1, "under_construction": 2, "operating": 3}

POINT_TYPES = frozenset({"Point"})
LINE_TYPES = frozenset({"LineString", "MultiLineString"})
POLYGON_TYPES = frozenset({"Polygon", "MultiPolygon"})

PROVENANCE_FIELDS = (
    "id", "name_en", "name_ru", "name_kk", "kind", "source", "estimated", "accuracy_m",
)
DATE_FIELDS = ("status_since", "status_until", "planned_open", "announced")
TEXT_FIELDS = ("id", "name_en", "name_ru", "name_kk", "kind", "source")
OPTIONAL_TEXT_FIELDS = ("status", "sectors", "reason", "parent_id", "licence")
OPTIONAL_NUMBER_FIELDS = ("area_ha", "free_ha")

#: the kind a required feature id must have (the scorer looks these up by id)
REQUIRED_ID_KIND = {
    "bakad": "ring_road", "almaty": "city_outline", "gate-city": "planned_district",
    "almaty-centre": "city_centre", "konaev-centre": "city_centre",
}  # fmt: skip


@dataclass(frozen=True)
class LayerSpec:
    """What one layer may hold: kinds, each with its allowed geometry types.

    ``required_ids`` must be present (with the kinds in ``REQUIRED_ID_KIND``),
    ``required_kinds`` must each have a feature, and of each group in ``required_any``
    at least one kind must have a feature.
    """

    name: str
    description: str
    kinds: dict[str, frozenset[str]]
    required_ids: tuple[str, ...] = ()
    required_kinds: tuple[str, ...] = ()
    needs_status: bool = False
    required_any: tuple[tuple[str, ...], ...] = ()


LAYER_SPECS: dict[str, LayerSpec] = {
    s.name: s
    for s in (
        LayerSpec(
            "bakad",
            "BAKAD ring road and its interchanges",
            {"ring_road": LINE_TYPES, "interchange": POINT_TYPES},
            required_ids=("bakad",),
            required_kinds=("ring_road", "interchange"),
        ),
        LayerSpec(
            "cities",
            "Almaty, Konaev, Gate City, Alatau and settlements",
            {
                "city_outline": POLYGON_TYPES,
                "city_centre": POINT_TYPES,
                "planned_district": POLYGON_TYPES,
                "settlement": POLYGON_TYPES,
                # a city administration's or district's territory: context, not housing
                "admin_boundary": POLYGON_TYPES,
                "residential": POLYGON_TYPES,  # any housing a user adds (planner.core.housing)
            },
            required_ids=("almaty", "almaty-centre", "konaev-centre", "gate-city"),
        ),
        LayerSpec(
            "zones",
            "industrial zones and special economic zones (SEZ)",
            {"industrial_zone": POLYGON_TYPES, "sez": POLYGON_TYPES},
            needs_status=True,
        ),
        LayerSpec(
            "transport",
            "rail, airport, highways and logistics targets",
            {
                "rail_station": POINT_TYPES,
                "freight_yard": POINT_TYPES,
                "airport": POINT_TYPES,
                "logistics_target": POINT_TYPES,
                "highway": LINE_TYPES,
                "railway": LINE_TYPES,
            },
            required_kinds=("airport", "highway", "logistics_target"),
            required_any=(("railway", "rail_station", "freight_yard"),),
        ),
        LayerSpec(
            "constraints",
            "exclusions: national park, water, city limits, region outline",
            {
                "exclusion": POLYGON_TYPES,
                "water": POLYGON_TYPES,
                "city_limits": POLYGON_TYPES,
                "region": POLYGON_TYPES,
            },
            required_kinds=("region",),
        ),
    )
}
LAYER_NAMES = tuple(LAYER_SPECS)


@dataclass
class LayerSet:
    """The validated layers in EPSG:4326, with their metric copies made on demand."""

    layers: dict[str, gpd.GeoDataFrame]
    sources: dict[str, str]
    notes: list[str] = field(default_factory=list)
    _metric: dict[str, gpd.GeoDataFrame] = field(default_factory=dict, repr=False)

    def __getitem__(self, name: str) -> gpd.GeoDataFrame:
        try:
            return self.layers[name]
        except KeyError:
            raise LayerError(tr("err.layerset.missing_layer", layer=name,
                                layers=", ".join(LAYER_NAMES))) from None

    def metric(self, name: str) -> gpd.GeoDataFrame:
        """Layer ``name`` in the metric CRS (EPSG:32643), cached."""
        if name not in self._metric:
            gdf = self[name]
            if gdf.crs is None:
                raise InputError(tr("err.layerset.no_crs", layer=name))
            self._metric[name] = _crs.to_metric(gdf, what=f"layer {name!r}")
        return self._metric[name]

    def kind(self, name: str, *kinds: str, metric: bool = False) -> gpd.GeoDataFrame:
        """Features of layer ``name`` whose ``kind`` is one of ``kinds``."""
        gdf = self.metric(name) if metric else self[name]
        return gdf[gdf["kind"].isin(kinds)]

    def feature(self, name: str, feature_id: str, metric: bool = False):
        """The geometry of feature ``feature_id`` of layer ``name``."""
        gdf = self.metric(name) if metric else self[name]
        hit = gdf[gdf["id"] == feature_id]
        if hit.empty:
            raise KeyError(f"layer {name!r} has no feature with id {feature_id!r}")
        return hit.geometry.iloc[0]

    def licences(self) -> list[str]:
        """The distinct ``licence`` values of the features, in layer order: the credits a
        map or report drawn from these layers must show."""
        seen: dict[str, None] = {}
        for name in LAYER_NAMES:
            gdf = self[name]
            if "licence" not in gdf.columns:
                continue
            for v in gdf["licence"].dropna():
                if str(v).strip():
                    seen.setdefault(str(v).strip())
        return list(seen)

    def fingerprint(self) -> str:
        """Short hash of the layer contents (goes into manifests)."""
        h = hashlib.sha256()
        for name in LAYER_NAMES:
            gdf = self[name]
            h.update(name.encode())
            h.update(b"".join(shapely.to_wkb(gdf.geometry.values)))
            attrs = gdf.drop(columns="geometry").astype(str)
            h.update(pd.util.hash_pandas_object(attrs, index=False).values.tobytes())
        return h.hexdigest()[:12]


# --------------------------------------------------------------------------- dates


def is_missing(v) -> bool:
    if v is None or v is pd.NaT:
        return True
    if isinstance(v, float | np.floating):
        return bool(np.isnan(v))
    if isinstance(v, np.datetime64):
        return bool(np.isnat(v))
    return isinstance(v, str) and not v.strip()


def parse_date(v) -> dt.date | None:
    """``v`` as a date; None when missing; ValueError/TypeError when not an ISO date."""
    if is_missing(v):
        return None
    if isinstance(v, pd.Timestamp | dt.datetime):  # Timestamp first: it is a datetime
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, np.datetime64):
        return pd.Timestamp(v).date()
    if not isinstance(v, str):
        raise TypeError(f"{type(v).__name__} is not a date")
    text = v.strip()
    # GeoPackage DATETIME fields come back as "YYYY-MM-DDTHH:MM:SS[.fff][Z]"
    return dt.datetime.fromisoformat(text).date() if "T" in text else dt.date.fromisoformat(text)


def _date_array(values) -> np.ndarray:
    out = np.empty(len(values), dtype="datetime64[D]")
    for i, v in enumerate(values):
        d = parse_date(v)
        out[i] = np.datetime64("NaT") if d is None else np.datetime64(d, "D")
    return out


def parse_as_of(as_of) -> dt.date:
    """The scoring date: ``None`` is today; dates, datetimes, timestamps and ISO strings
    (``YYYY-MM-DD``) are accepted; anything else is an :class:`InputError` saying how."""
    if as_of is None:
        return dt.date.today()
    try:
        day = parse_date(as_of)
    except TypeError as exc:
        raise TypeError(
            f"as_of must be a date or an ISO date string, not {type(as_of).__name__}"
        ) from exc
    except ValueError as exc:
        raise InputError(tr("err.layerset.as_of_bad", value=as_of)) from exc
    if day is None:
        raise InputError(tr("err.layerset.as_of_empty", example="2030-01-01"))
    return day


def status_as_of(zones: pd.DataFrame, as_of: dt.date) -> np.ndarray:
    """Each zone's status on ``as_of``: operating, under_construction, planned or none.

    Uses ``status`` with ``announced`` (before it the zone does not exist), ``status_since``
    (start of the current status), ``planned_open`` (a planned or building zone opens then)
    and ``status_until`` (the zone's term ends). Dates may be ISO strings, dates,
    timestamps or missing. Returns an object array aligned with ``zones``.
    """
    if as_of is None:
        raise InputError(tr("err.layerset.as_of_empty", example="2025-06-30"))
    today = np.datetime64(parse_as_of(as_of), "D")
    cols = {c: (zones[c].to_numpy(dtype=object) if c in zones else [None] * len(zones))
            for c in ("status", "announced", "status_since", "planned_open", "status_until")}
    status = np.array([s if isinstance(s, str) else "" for s in cols["status"]], dtype=object)
    announced, since, opens, until = (
        _date_array(cols[c]) for c in ("announced", "status_since", "planned_open", "status_until")
    )
    # comparisons with NaT are False, so a missing date never triggers its rule
    gone = (today < announced) | (today >= until)
    started = np.isnat(since) | (today >= since)
    operating = status == "operating"
    out = np.select(
        [
            gone,
            operating & started,
            operating,
            today >= opens,
            (status == "under_construction") & started,
        ],
        ["none", "operating", "planned", "operating", "under_construction"],
        default="planned",
    )
    return out.astype(object)
