"""Road classes and speeds of the travel-time network (``data/road_speeds.toml``).

The table is validated strictly (unknown keys, non-positive speeds are errors) and
documents itself: every class has a default ``speed_kmh`` (used when a road has no usable
``maxspeed``) and ``snap`` (may a candidate site join the network on this road?). The
``[access.*]`` tables say how a site reaches the network: a straight leg to the nearest
joinable road, times ``detour``, at ``speed_kmh``, up to ``max_snap_m``.
"""

from __future__ import annotations

import functools
import math
import re
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from planner.config._problems import toml_where, value_problem, where
from planner.errors import InputError
from planner.i18n import tr

__all__ = [
    "AccessRule",
    "RoadClass",
    "RoadSpeeds",
    "load_road_speeds",
]

_Speed = Annotated[float, Field(gt=0, le=200, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class RoadClass(_Strict):
    """Default travel speed of a road class, and whether sites may join it."""

    speed_kmh: _Speed
    snap: bool


class AccessRule(_Strict):
    """A site's access leg: ``snap_m * detour`` at ``speed_kmh``, up to ``max_snap_m``."""

    speed_kmh: _Speed
    detour: Annotated[float, Field(ge=1, le=5, allow_inf_nan=False)]
    max_snap_m: Annotated[float, Field(gt=0, allow_inf_nan=False)]

    def leg_ms(self, snap_m):
        """Milliseconds of the access leg for straight distances ``snap_m`` (metres)."""
        return np.asarray(snap_m, dtype="f8") * (self.detour * 3600.0 / self.speed_kmh)


class _File(_Strict):
    version: int
    maxspeed_factor: Annotated[float, Field(gt=0, le=2, allow_inf_nan=False)]
    zone_speeds_kmh: dict[str, _Speed]
    classes: Annotated[dict[str, RoadClass], Field(min_length=1)]
    access: dict[str, AccessRule]


class RoadSpeeds:
    """The validated speed table; see ``planner/config/data/road_speeds.toml``."""

    def __init__(self, spec: _File, source: str) -> None:
        missing = [k for k in ("extract", "builtin") if k not in spec.access]
        if missing:
            raise InputError(tr("err.road_speeds.access", file=source, key=missing[0]))
        self.source = source
        self.maxspeed_factor = spec.maxspeed_factor
        self.zone_speeds_kmh: Mapping[str, float] = dict(spec.zone_speeds_kmh)
        self.classes: Mapping[str, RoadClass] = dict(spec.classes)
        self.access: Mapping[str, AccessRule] = dict(spec.access)
        self.class_names: tuple[str, ...] = tuple(spec.classes)

    def describe(self) -> dict:
        """Plain data for manifests and the network file."""
        return {
            "source": self.source,
            "maxspeed_factor": self.maxspeed_factor,
            "classes": {k: c.model_dump() for k, c in self.classes.items()},
            "zone_speeds_kmh": dict(self.zone_speeds_kmh),
            "access": {k: a.model_dump() for k, a in self.access.items()},
        }

    def class_code(self, names) -> np.ndarray:
        """Index of each class name in :attr:`class_names` (-1: not a road class)."""
        lookup = {n: i for i, n in enumerate(self.class_names)}
        names = np.asarray(names, dtype=object)
        uniq, inv = np.unique(names.astype(str), return_inverse=True)
        codes = np.array([lookup.get(u, -1) for u in uniq], dtype=np.int16)
        return codes[inv] if len(names) else np.empty(0, dtype=np.int16)

    def default_speed(self, codes: np.ndarray) -> np.ndarray:
        table = np.array([c.speed_kmh for c in self.classes.values()], dtype="f8")
        return table[np.asarray(codes, dtype=np.int64)]

    def snap_allowed(self, codes: np.ndarray) -> np.ndarray:
        table = np.array([c.snap for c in self.classes.values()], dtype=bool)
        return table[np.asarray(codes, dtype=np.int64)]

    def parse_maxspeed(self, values) -> np.ndarray:
        """``maxspeed`` tag values -> km/h (NaN when missing or not understood).

        Accepts ``60``, ``60 km/h``, ``60kmh``, ``30 mph``, ``60;40`` (the lowest), and
        the zone values of ``[zone_speeds_kmh]`` (``KZ:urban``); ``none``/``signals``/
        anything else gives NaN, so the class default applies.
        """
        values = np.asarray(values, dtype=object)
        if not len(values):
            return np.empty(0, dtype="f8")
        keys = np.array(["" if v is None else str(v) for v in values], dtype=object)
        uniq, inv = np.unique(keys.astype(str), return_inverse=True)
        parsed = np.array([self._one(u) for u in uniq.tolist()], dtype="f8")
        return parsed[inv]

    def _one(self, text: str) -> float:
        return _parse_speed(text, tuple(sorted(self.zone_speeds_kmh.items())))


_NUMBER = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def _parse_speed(text: str, zones: tuple[tuple[str, float], ...]) -> float:
    text = text.strip()
    if not text:
        return math.nan
    zone = dict(zones)
    best = math.inf
    for part in text.split(";"):
        part = part.strip()
        if part in zone:
            v = zone[part]
        else:
            m = _NUMBER.match(part)
            if not m:
                continue
            v = float(m.group(1).replace(",", "."))
            unit = (m.group(2) or "").lower()
            v *= 1.609344 if unit == "mph" else 1.852 if unit == "knots" else 1.0
        if 0 < v <= 200:
            best = min(best, v)
    return best if math.isfinite(best) else math.nan


def _read(path, source: str) -> RoadSpeeds:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        reason = (toml_where(exc) if isinstance(exc, tomllib.TOMLDecodeError)
                  else tr("err.sector.not_utf8") if isinstance(exc, UnicodeDecodeError)
                  else exc.strerror or exc)  # fmt: skip
        raise InputError(tr("err.road_speeds.unreadable", file=source, reason=reason)) from exc
    try:
        spec = _File.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            tr("err.scenario.at", key=where(e["loc"]), problem=value_problem(e))
            for e in exc.errors()
        )
        raise InputError(tr("err.road_speeds.invalid", file=source, problems=problems)) from exc
    return RoadSpeeds(spec, source)


@functools.lru_cache(maxsize=8)
def _builtin() -> RoadSpeeds:
    return _read(
        resources.files("planner.config").joinpath("data", "road_speeds.toml"),
        "built-in road_speeds.toml",
    )


def load_road_speeds(path: str | Path | None = None) -> RoadSpeeds:
    """The built-in speed table, or another TOML file laid out like it."""
    if path is None:
        return _builtin()
    return _read(Path(path), str(path))
