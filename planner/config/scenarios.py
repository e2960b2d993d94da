"""Scoring scenarios: how each criterion becomes a 0-1 utility, and how much it weighs.

A scenario is a TOML file (the built-in ones live in ``planner/config/data/scenarios/*.toml``)::

    name = "my-scenario"
    title_ru = "..."                # titles and descriptions in Russian, Kazakh, English;
    title_kk = "..."                # a missing one falls back to Russian, then English
    title_en = "..."
    description_ru = "..."
    description_kk = "..."
    description = "..."             # English

    [criteria.interchange]          # criterion key, see CRITERIA
    weight = 25                     # any non-negative number; weights are normalised to sum 1
    transform = "linear"            # linear | exponential | band | categorical
    full_at_km = 3                  # utility 1 at or below 3 km ...
    zero_at_km = 25                 # ... falling linearly to 0 at 25 km

    [needs]
    rail_max_km = 3                 # a site this close to rail "has rail"

    [terrain]                       # applied only with a DEM (--dem FILE.tif)
    max_slope_pct = 10              # steeper sites are excluded (default 10)
    max_elevation_m = 1200          # higher sites are excluded (default: no limit)

It is validated strictly (pydantic, ``extra="forbid"``): unknown keys, unknown criteria or
transforms, missing parameters, negative or all-zero weights and degenerate ramps are
:class:`~planner.ScenarioError` naming the file and the key. The scenario hash is the
first 12 hex digits of the sha256 of the canonical scoring content (normalised weights,
transforms, needs; not the titles or comments), so two files that score identically
share a hash and any change that can move a score changes it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    model_validator,
)

from planner._infiles import refuse_special
from planner.config._problems import shown, toml_where, value_problem
from planner.config.defaults import DEFAULT_SCENARIO
from planner.config.weighting import (
    Aggregation,
    Pairwise,
    PointTable,
    apply_pairwise,
    check_point_table,
)
from planner.errors import ScenarioError
from planner.i18n import tr

__all__ = [
    "CRITERIA",
    "DEFAULT_MIN_SCORE",
    "DEFAULT_SCENARIO",
    "AllocationRules",
    "DEFAULT_MAX_SLOPE_PCT",
    "TerrainLimits",
    "TIME_CRITERIA",
    "ZONE_STATUSES",
    "Band",
    "BandMin",
    "Categorical",
    "Exponential",
    "ExponentialMin",
    "Linear",
    "LinearMin",
    "Needs",
    "Scenario",
    "list_scenarios",
    "load_scenario",
    "scenario_from_dict",
]

log = logging.getLogger(__name__)

#: criterion key -> the criteria column it scores (see planner.core.criteria)
CRITERIA: Mapping[str, str] = MappingProxyType(
    {
        "bakad": "dist_bakad_km",
        "interchange": "dist_interchange_km",
        "almaty": "dist_almaty_km",
        "konaev": "dist_konaev_km",
        "gate_city": "dist_gate_city_km",
        "zone": "zone_status",
        "zone_proximity": "dist_zone_km",
        "rail": "dist_rail_km",
        "airport": "dist_airport_km",
        "highway": "dist_highway_km",
        "khorgos": "dist_khorgos_km",
        "housing": "dist_housing_km",
        # travel time by road (minutes; needs a road network, planner.core.travel)
        "time_interchange": "time_interchange_min",
        "time_almaty": "time_almaty_min",
        "time_konaev": "time_konaev_min",
        "time_gate_city": "time_gate_city_min",
        "time_rail": "time_rail_min",
        "time_airport": "time_airport_min",
    }
)
#: the criteria scored in minutes of travel by road (transforms take ``*_min`` keys)
TIME_CRITERIA: frozenset[str] = frozenset(k for k, c in CRITERIA.items() if c.endswith("_min"))
ZONE_STATUSES = ("operating", "under_construction", "planned", "none")

CriterionKey = Literal[
    "bakad", "interchange", "almaty", "konaev", "gate_city", "zone", "zone_proximity",
    "rail", "airport", "highway", "khorgos", "housing",
    "time_interchange", "time_almaty", "time_konaev", "time_gate_city", "time_rail",
    "time_airport",
]  # fmt: skip

_Km = Annotated[float, Field(ge=0, allow_inf_nan=False, description="distance in km")]
_Min = Annotated[float, Field(ge=0, allow_inf_nan=False, description="travel time in minutes")]
_Unit = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
_Weight = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Linear(_Strict):
    """Utility 1 at ``full_at_km``, 0 at ``zero_at_km``, linear between, flat outside.

    ``full_at_km > zero_at_km`` means "farther is better" (e.g. distance from housing).
    """

    transform: Literal["linear"]
    weight: _Weight
    full_at_km: _Km
    zero_at_km: _Km

    @model_validator(mode="after")
    def _distinct(self) -> Linear:
        if self.full_at_km == self.zero_at_km:
            raise ValueError(tr("err.scenario.ramp_equal_km", value=shown(self.full_at_km)))
        return self


class Exponential(_Strict):
    """Utility ``0.5 ** (d / half_km)``: 1 at 0 km, 0.5 at ``half_km``, 0.25 at twice that."""

    transform: Literal["exponential"]
    weight: _Weight
    half_km: Annotated[float, Field(gt=0, allow_inf_nan=False)]


class Band(_Strict):
    """A plateau with shoulders: 0 below ``zero_below_km``, ramps up to 1 at ``full_from_km``,
    1 until ``full_to_km``, ramps down to 0 at ``zero_above_km``.

    ``inside_value`` (almaty only) is the utility of a site inside the Almaty city limits,
    whatever its distance from the centre: the "don't crowd Almaty" rule.
    """

    transform: Literal["band"]
    weight: _Weight
    zero_below_km: _Km
    full_from_km: _Km
    full_to_km: _Km
    zero_above_km: _Km
    inside_value: _Unit | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        a, b, c, d = self.zero_below_km, self.full_from_km, self.full_to_km, self.zero_above_km
        if not (a < b <= c < d):
            raise ValueError(tr("err.scenario.band_order_km", values=shown([a, b, c, d])))
        return self


class StatusValues(_Strict):
    """Utility of each zone status (all four are required, each 0-1)."""

    operating: _Unit
    under_construction: _Unit
    planned: _Unit
    none: _Unit


class Categorical(_Strict):
    """Zone status -> utility, plus ``sez_bonus`` when a containing SEZ is operating (max 1)."""

    transform: Literal["categorical"]
    weight: _Weight
    values: StatusValues
    sez_bonus: _Unit = 0.0


class LinearMin(_Strict):
    """:class:`Linear` for a travel time: utility 1 at ``full_at_min``, 0 at ``zero_at_min``."""

    transform: Literal["linear"]
    weight: _Weight
    full_at_min: _Min
    zero_at_min: _Min

    @model_validator(mode="after")
    def _distinct(self) -> LinearMin:
        if self.full_at_min == self.zero_at_min:
            raise ValueError(tr("err.scenario.ramp_equal_min", value=shown(self.full_at_min)))
        return self

    def unitless(self) -> Linear:
        """The same ramp as a :class:`Linear` (the utility math does not care for units)."""
        return Linear.model_construct(transform="linear", weight=self.weight,
                                      full_at_km=self.full_at_min, zero_at_km=self.zero_at_min)


class ExponentialMin(_Strict):
    """:class:`Exponential` for a travel time: utility ``0.5 ** (minutes / half_min)``."""

    transform: Literal["exponential"]
    weight: _Weight
    half_min: Annotated[float, Field(gt=0, allow_inf_nan=False)]

    def unitless(self) -> Exponential:
        return Exponential.model_construct(transform="exponential", weight=self.weight,
                                           half_km=self.half_min)


class BandMin(_Strict):
    """:class:`Band` for a travel time, in minutes (``inside_value``: time_almaty only)."""

    transform: Literal["band"]
    weight: _Weight
    zero_below_min: _Min
    full_from_min: _Min
    full_to_min: _Min
    zero_above_min: _Min
    inside_value: _Unit | None = None

    @model_validator(mode="after")
    def _ordered(self) -> BandMin:
        a, b, c, d = self.zero_below_min, self.full_from_min, self.full_to_min, self.zero_above_min
        if not (a < b <= c < d):
            raise ValueError(tr("err.scenario.band_order_min", values=shown([a, b, c, d])))
        return self

    def unitless(self) -> Band:
        return Band.model_construct(
            transform="band", weight=self.weight, zero_below_km=self.zero_below_min,
            full_from_km=self.full_from_min, full_to_km=self.full_to_min,
            zero_above_km=self.zero_above_min, inside_value=self.inside_value,
        )  # fmt: skip


_MINUTE_TAGS = ("linear_min", "exponential_min", "band_min")


def _transform_tag(value: Any) -> Any:
    """The union member of a criterion table: its ``transform``, with ``_min`` when the
    table's parameters are in minutes (``full_at_min`` ...)."""
    if isinstance(value, BaseModel):
        minutes = isinstance(value, LinearMin | ExponentialMin | BandMin)
        return f"{value.transform}_min" if minutes else value.transform
    if not isinstance(value, Mapping):
        return "linear"  # not a table: let a model report "should be a valid dictionary"
    if "transform" not in value:
        return None
    tag = value["transform"]
    if tag in ("linear", "exponential", "band") and any(
        str(k).endswith("_min") for k in value
    ):
        return f"{tag}_min"
    return tag


Transform = Annotated[
    Annotated[Linear, Tag("linear")]
    | Annotated[Exponential, Tag("exponential")]
    | Annotated[Band, Tag("band")]
    | Annotated[Categorical, Tag("categorical")]
    | Annotated[PointTable, Tag("points")]
    | Annotated[LinearMin, Tag("linear_min")]
    | Annotated[ExponentialMin, Tag("exponential_min")]
    | Annotated[BandMin, Tag("band_min")],
    Discriminator(_transform_tag),
]


class Needs(_Strict):
    """Scenario-wide hard needs, combined with each company's own (planner.config.sectors).

    ``rail_max_km``: the distance that counts as "has rail" for companies needing rail;
    ``min_housing_km``: the least distance from housing for every company;
    ``max_dist_almaty_km``: the farthest any company may be from Almaty centre;
    ``allow_in_almaty``: false forbids sites inside the Almaty city limits.
    Unset (None) leaves the companies' and sectors' own values alone.
    """

    rail_max_km: _Km = 3.0
    min_housing_km: _Km | None = None
    max_dist_almaty_km: _Km | None = None
    allow_in_almaty: bool | None = None

    def __getitem__(self, key: str) -> Any:
        if key not in type(self).model_fields:
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default) if key in type(self).model_fields else default


#: default least score (0-100) of a site the allocation may give a company: under a quarter
#: of the scenario's points the site meets too little of the policy to be defended
DEFAULT_MIN_SCORE = 25.0


class AllocationRules(_Strict):
    """``[allocation]``: ``min_score``, the least score (0-100) of a site the allocation
    may give a company; below it the answer is "no acceptable site"."""

    min_score: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = DEFAULT_MIN_SCORE


#: default steepest slope (percent) of a site when a DEM is given: an industrial platform on
#: steeper ground needs earthworks out of proportion (terracing, retaining walls)
DEFAULT_MAX_SLOPE_PCT = 10.0


class TerrainLimits(_Strict):
    """``[terrain]``: limits applied when a DEM is given (``--dem``); sites over them are
    excluded with the value in the reason. ``max_slope_pct``: the steepest slope, percent
    (default 10); ``max_elevation_m``: the highest elevation, metres (default none). Without
    a DEM they do nothing."""

    max_slope_pct: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = (
        DEFAULT_MAX_SLOPE_PCT
    )
    max_elevation_m: Annotated[float, Field(allow_inf_nan=False)] | None = None


class _ScenarioFile(_Strict):
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")] | None = None
    title_en: str = ""
    title_ru: str = ""
    title_kk: str = ""
    description: str = ""
    description_ru: str = ""
    description_kk: str = ""
    criteria: Annotated[dict[CriterionKey, Transform], Field(min_length=1)]
    needs: Needs = Needs()
    allocation: AllocationRules = AllocationRules()
    terrain: TerrainLimits = TerrainLimits()
    method: Literal["wlc", "topsis", "promethee2"] = "wlc"
    aggregation: dict[str, Any] | None = None  # parameters, validated by Aggregation


@dataclass(frozen=True)
class Scenario:
    """A validated scenario. ``weights`` are normalised to sum 1 (criterion key -> weight)."""

    name: str
    title_en: str
    title_ru: str
    description: str
    criteria: Mapping[str, Linear | Exponential | Band | Categorical | PointTable]
    weights: Mapping[str, float]
    needs: Needs
    hash: str
    source: str
    #: aggregation method and parameters (planner.config.weighting); WLC by default
    aggregation: Aggregation = Aggregation()
    #: the pairwise comparisons the weights were derived from, if any
    pairwise: Pairwise | None = None
    #: ``[allocation]`` rules (minimum acceptable score)
    allocation: AllocationRules = AllocationRules()
    #: ``[terrain]`` limits, applied with a DEM (``--dem``)
    terrain: TerrainLimits = TerrainLimits()
    #: Kazakh title; Russian and Kazakh descriptions (``description`` is the English one)
    title_kk: str = ""
    description_ru: str = ""
    description_kk: str = ""

    def title(self, lang: str) -> str:
        """The title in ``lang`` (ru, kk, en); a missing one falls back to Russian, then
        English, then the name."""
        own = {"ru": self.title_ru, "kk": self.title_kk, "en": self.title_en}.get(lang, "")
        return own or self.title_ru or self.title_en or self.name

    def description_in(self, lang: str) -> str:
        """The description in ``lang`` (ru, kk, en), one line; a missing one falls back to
        Russian, then English."""
        own = {"ru": self.description_ru, "kk": self.description_kk,
               "en": self.description}.get(lang, "")  # fmt: skip
        return " ".join((own or self.description_ru or self.description).split())

    def _texts(self) -> dict[str, str]:
        """The titles and descriptions (for a copy with other weights)."""
        return {"title_en": self.title_en, "title_ru": self.title_ru, "title_kk": self.title_kk,
                "description": self.description, "description_ru": self.description_ru,
                "description_kk": self.description_kk}  # fmt: skip

    @property
    def method(self) -> str:
        """``"wlc"``, ``"topsis"`` or ``"promethee2"``."""
        return self.aggregation.method

    def with_weights(self, weights: Mapping[str, float]) -> Scenario:
        """A copy with other (re-normalised) weights; keys must be criteria of this scenario."""
        problems = []
        for key, w in weights.items():
            if key not in self.criteria:
                problems.append(tr("err.scenario.weight_unknown", key=key, name=self.name,
                                   choices=", ".join(self.criteria)))  # fmt: skip
            elif not (isinstance(w, int | float) and math.isfinite(w) and w >= 0):
                problems.append(tr("err.scenario.weight_bad", key=key, value=shown(w)))
        if problems:
            raise ScenarioError("; ".join(problems))
        raw = {k: float(weights.get(k, self.criteria[k].weight)) for k in self.criteria}
        if sum(raw.values()) <= 0:
            raise ScenarioError(tr("err.scenario.weights_zero", value=shown(dict(weights))))
        crit = {k: t.model_copy(update={"weight": raw[k]}) for k, t in self.criteria.items()}
        return _build(
            name=self.name,
            **self._texts(),
            criteria=crit,
            needs=self.needs,
            source=f"{self.source} (weights changed)",
            aggregation=self.aggregation,
            allocation=self.allocation,
            terrain=self.terrain,
        )

    def with_transforms(self, transforms: Mapping[str, Any], label: str = "") -> Scenario:
        """A copy scoring the criteria of ``transforms`` (criterion key -> a transform from
        :func:`planner.config.transform_check.check_transform`) with those transforms, each
        keeping this scenario's weight: what a sector profile's ``[transforms]`` do. Keys
        this scenario does not score are ignored; no key left: this scenario itself."""
        use = {k: t for k, t in transforms.items() if k in self.criteria}
        if not use:
            return self
        crit = {k: (use[k] if k in use else t).model_copy(update={"weight": t.weight})
                for k, t in self.criteria.items()}  # fmt: skip
        return _build(
            name=self.name, title_en=self.title_en, title_ru=self.title_ru,
            description=self.description, criteria=crit, needs=self.needs,
            source=f"{self.source} ({label or 'transforms changed'})",
            aggregation=self.aggregation, pairwise=self.pairwise, allocation=self.allocation,
            terrain=self.terrain,
        )  # fmt: skip

    def with_terrain(self, max_slope_pct: float | None = None,
                     max_elevation_m: float | None = None) -> Scenario:  # fmt: skip
        """A copy with other ``[terrain]`` limits (None keeps the scenario's own); the
        hash changes with them, as they change which sites are excluded with a DEM."""
        data = self.terrain.model_dump()
        if max_slope_pct is not None:
            data["max_slope_pct"] = max_slope_pct
        if max_elevation_m is not None:
            data["max_elevation_m"] = max_elevation_m
        try:
            terrain = TerrainLimits(**data)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ScenarioError(tr("err.scenario.terrain", key=".".join(map(str, err["loc"])),
                                   problem=value_problem(err))) from None  # fmt: skip
        if terrain == self.terrain:
            return self
        return _build(
            name=self.name, **self._texts(), criteria=dict(self.criteria), needs=self.needs,
            source=f"{self.source} (terrain limits {terrain.model_dump()})",
            aggregation=self.aggregation, pairwise=self.pairwise, allocation=self.allocation,
            terrain=terrain,
        )  # fmt: skip

    def describe(self) -> dict[str, Any]:
        """Plain data for display and manifests."""
        return {
            "name": self.name,
            "hash": self.hash,
            **self._texts(),
            "source": self.source,
            "criteria": {
                k: {**t.model_dump(exclude_none=True), "weight": self.weights[k]}
                for k, t in self.criteria.items()
            },
            "needs": self.needs.model_dump(),
            "allocation": self.allocation.model_dump(),
            "terrain": self.terrain.model_dump(),
            **({"aggregation": self.aggregation.canonical()} if self.method != "wlc" else {}),
            **({"pairwise": self.pairwise.record()} if self.pairwise is not None else {}),
        }


def _canonical_weight(w: float) -> float:
    return float(f"{w:.12g}")


def _build(
    *, name, title_en, title_ru, description, criteria, needs, source,
    aggregation: Aggregation | None = None, pairwise: Pairwise | None = None,
    allocation: AllocationRules | None = None, terrain: TerrainLimits | None = None,
    title_kk: str = "", description_ru: str = "", description_kk: str = "",
) -> Scenario:  # fmt: skip
    terrain = terrain if terrain is not None else TerrainLimits()
    allocation = allocation if allocation is not None else AllocationRules()
    aggregation = aggregation if aggregation is not None else Aggregation()
    total = sum(t.weight for t in criteria.values())
    weights = {k: _canonical_weight(t.weight / total) for k, t in criteria.items()}
    canonical = {
        "criteria": {
            k: {**t.model_dump(exclude={"weight"}), "weight": weights[k]}
            for k, t in sorted(criteria.items())
        },
        "needs": needs.model_dump(),
    }
    if aggregation.method != "wlc":  # WLC scenarios keep the hash they always had
        canonical["aggregation"] = aggregation.canonical()
    if allocation != AllocationRules():  # scenarios on the default keep their hash
        canonical["allocation"] = allocation.model_dump()
    if terrain != TerrainLimits():  # likewise for the terrain limits
        canonical["terrain"] = terrain.model_dump()
    blob = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    digest = hashlib.sha256(blob.encode()).hexdigest()[:12]
    return Scenario(
        name=name,
        title_en=title_en or name,
        title_ru=title_ru or title_en or name,
        description=description,
        criteria=MappingProxyType(dict(criteria)),
        weights=MappingProxyType(weights),
        needs=needs,
        hash=digest,
        source=source,
        aggregation=aggregation,
        pairwise=pairwise,
        allocation=allocation,
        terrain=terrain,
        title_kk=title_kk,
        description_ru=description_ru,
        description_kk=description_kk,
    )


def _loc(loc: tuple) -> str:
    tags = ("linear", "exponential", "band", "categorical", "points", *_MINUTE_TAGS)
    parts = [str(p) for p in loc if p not in tags]
    if parts and parts[-1] == "[key]":
        parts = parts[:-1]
    return ".".join(parts) or tr("err.cfgvalue.top_level")


def _format_validation(exc: ValidationError) -> list[str]:
    problems = []
    for err in exc.errors():
        loc = _loc(err["loc"])
        if len(err["loc"]) > 1 and err["loc"][1] in TIME_CRITERIA:
            loc = loc.replace("_km", "_min")  # a time table missing its parameters
        typ = err["type"]
        if typ == "literal_error" and err["loc"][-1] == "[key]":
            msg = tr("err.scenario.criterion_unknown", value=shown(err["input"]),
                     choices=", ".join(CRITERIA))  # fmt: skip
        elif typ == "too_short" and loc == "criteria":
            msg = tr("err.scenario.no_criteria")
        else:
            msg = value_problem(err)
        problems.append(tr("err.scenario.at", key=loc, problem=msg))
    return problems


def _summary(source: str, problems: list[str]) -> str:
    if len(problems) == 1:
        return tr("err.scenario.one", source=source, problem=problems[0])
    return tr("err.scenario.many", source=source, n=len(problems), problems="; ".join(problems))


def _criterion_problems(key: str, t) -> list[str]:
    """What is wrong with transform ``t`` for criterion ``key`` beyond its own fields
    (the kind and units the criterion takes); each problem names `criteria.<key>`."""
    problems: list[str] = []
    if isinstance(t, PointTable) and key in TIME_CRITERIA:
        return [tr("err.scenario.points_for_time", key=key)]
    if isinstance(t, PointTable):
        return check_point_table(key, t)
    if key == "zone" and not isinstance(t, Categorical):
        problems.append(tr("err.scenario.zone_not_categorical", transform=t.transform))
    if key != "zone" and isinstance(t, Categorical):
        problems.append(tr("err.scenario.categorical_not_zone", key=key))
    minutes = isinstance(t, LinearMin | ExponentialMin | BandMin)
    if key in TIME_CRITERIA and isinstance(t, Linear | Exponential | Band):
        problems.append(tr("err.scenario.time_in_km", key=key, transform=t.transform))
    if key not in TIME_CRITERIA and minutes:
        twin = f"time_{key}"
        problems.append(
            tr("err.scenario.distance_in_min_twin", key=key, transform=t.transform, twin=twin)
            if twin in CRITERIA
            else tr("err.scenario.distance_in_min", key=key, transform=t.transform)
        )
    if key == "time_almaty" and isinstance(t, BandMin):
        return problems
    if key != "almaty" and isinstance(t, Band | BandMin) and t.inside_value is not None:
        problems.append(tr("err.scenario.inside_value", key=key))
    return problems


def scenario_from_dict(
    data: Mapping[str, Any], source: str = "<memory>", name: str | None = None
) -> Scenario:
    """Validate scenario content (as parsed from TOML) into a :class:`Scenario`.

    Raises
    ------
    ScenarioError
        listing every problem, each naming ``source`` and the key.
    """
    data, pairwise = apply_pairwise(data, source)
    try:
        spec = _ScenarioFile.model_validate(dict(data))
    except ValidationError as exc:
        raise ScenarioError(_summary(source, _format_validation(exc))) from exc
    try:
        aggregation = Aggregation(method=spec.method, **(spec.aggregation or {}))
    except (ValidationError, TypeError) as exc:
        msgs = (
            [tr("err.scenario.at", key=f"aggregation.{_loc(e['loc'])}" if e["loc"] else
                "aggregation", problem=value_problem(e)) for e in exc.errors()]
            if isinstance(exc, ValidationError) else [tr("err.scenario.aggregation_method")]
        )  # fmt: skip
        raise ScenarioError(_summary(source, msgs)) from exc
    problems = [p for key, t in spec.criteria.items() for p in _criterion_problems(key, t)]
    if spec.criteria and all(t.weight == 0 for t in spec.criteria.values()):
        problems.append(tr("err.scenario.all_zero"))
    if problems:
        raise ScenarioError(_summary(source, problems))
    final_name = spec.name or name or "custom"
    return _build(
        name=final_name,
        title_en=spec.title_en,
        title_ru=spec.title_ru,
        title_kk=spec.title_kk,
        description=spec.description,
        description_ru=spec.description_ru,
        description_kk=spec.description_kk,
        criteria=dict(spec.criteria),
        needs=spec.needs,
        source=source,
        aggregation=aggregation,
        pairwise=pairwise,
        allocation=spec.allocation,
        terrain=spec.terrain,
    )


def _builtin_dir():
    return resources.files("planner").joinpath("config", "data", "scenarios")


def _builtin_names() -> list[str]:
    return sorted(
        p.name.removesuffix(".toml") for p in _builtin_dir().iterdir() if p.name.endswith(".toml")
    )


def _load_file(path: Path | Any, source: str, stem: str) -> Scenario:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(tr("err.scenario.not_utf8", source=source, byte=exc.start)) from exc
    except OSError as exc:
        raise ScenarioError(
            tr("err.scenario.unreadable", source=source, reason=exc.strerror or exc)
        ) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(tr("err.scenario.not_toml", source=source, at=toml_where(exc))) from exc
    return scenario_from_dict(data, source=source, name=stem)


def load_scenario(name_or_path: str | Path | Scenario = DEFAULT_SCENARIO) -> Scenario:
    """A built-in scenario by name (see :func:`list_scenarios`) or a TOML file by path."""
    if isinstance(name_or_path, Scenario):
        return name_or_path
    text = str(name_or_path)
    builtin = _builtin_names()
    if not isinstance(name_or_path, Path) and text in builtin:
        sc = _load_file(_builtin_dir().joinpath(f"{text}.toml"), f"built-in {text!r}", text)
        if sc.name != text:
            raise ScenarioError(f"built-in scenario file {text}.toml declares name {sc.name!r}")
        return sc
    path = Path(text)
    refuse_special(path, "scenario file", ScenarioError)
    if path.is_file():
        return _load_file(path, str(path), path.stem)
    raise ScenarioError(tr("err.scenario.not_found", name=text, builtin=", ".join(builtin)))


def list_scenarios() -> list[Scenario]:
    """The built-in scenarios, validated, sorted by name (the default first)."""
    names = _builtin_names()
    names.sort(key=lambda n: (n != DEFAULT_SCENARIO, n))
    return [load_scenario(n) for n in names]
