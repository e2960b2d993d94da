"""How a scenario sets weights and scores: pairwise comparisons, point tables, aggregation.

Three ways planners in Kazakhstan and Russia set up a suitability model, besides typing
weights:

* **Pairwise comparison** (Saaty's AHP, :mod:`planner.config.ahp`): a ``[weights.pairwise]``
  table holds one expert's judgements or several experts' (pooled by the geometric mean);
  the criteria weights are the principal eigenvector of the (pooled) matrix, and a
  consistency ratio above 0.10 is refused with the judgements to revise::

      [weights.pairwise]
      criteria = ["interchange", "zone", "almaty"]          # the matrix order
      matrix = [[1, 3, 5], ["1/3", 1, 2], ["1/5", "1/2", 1]]

      # or, instead of `matrix`, row criterion vs column criterion on the 1-9 scale:
      [weights.pairwise.judgements]
      interchange = { zone = 3, almaty = 5 }    # interchange moderately / strongly more important
      zone = { almaty = 2 }

      # or several experts, each with `matrix` or `judgements` (and an optional `name`):
      [[weights.pairwise.experts]]
      name = "Expert A"
      judgements = { interchange = { zone = 3, almaty = 5 }, zone = { almaty = 2 } }

  ``planner scenarios weigh`` writes such a table together with the derived weights and
  the recorded ``cr`` / ``lambda_max``; when a scenario is loaded, the weights are derived
  again from the matrices and any recorded value must agree (a hand edit of one but not
  the other is refused).
* **Point tables** (балльная оценка, :class:`PointTable`): class breaks in km, minutes
  (at a declared ``speed_kmh``) or zone-status categories -> points; the utility is
  ``points / max_points``::

      [criteria.interchange]
      weight = 25
      transform = "points"
      max_points = 10
      classes = [
        { from_km = 0, to_km = 3, points = 10 },
        { from_km = 3, to_km = 8, points = 6 },
        { from_km = 8, to_km = 15, points = 3 },
        { from_km = 15, points = 0 },            # open-ended: 15 km and farther
      ]

  A class holds ``from < d <= to`` (the first one also ``d = from``): a site exactly
  3 km away is in "0-3 km". Classes must start at 0, follow each other without a gap or
  an overlap and end open-ended, so every distance gets points; each mistake is named
  with its row (1 = the first class).
* **Aggregation** (:class:`Aggregation`): ``method = "wlc" | "topsis" | "promethee2"`` at
  the top of the scenario and an optional ``[aggregation]`` table of parameters; see
  :mod:`planner.core.aggregation`. WLC (the weighted sum) is the default and scores
  exactly as before; the method enters the scenario hash only when it is not WLC.

This module is configuration only (validation and parsing); the maths of the methods is in
:mod:`planner.config.ahp` and :mod:`planner.core.aggregation`, point lookups in
:mod:`planner.core.points`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from planner import i18n
from planner.config import ahp as _ahp
from planner.config._problems import shown
from planner.errors import ScenarioError
from planner.i18n import tr

__all__ = [
    "METHODS",
    "PREFERENCES",
    "Aggregation",
    "Pairwise",
    "PointClass",
    "PointTable",
    "apply_pairwise",
    "check_point_table",
    "format_judgement",
    "parse_judgement",
    "parse_pairwise",
]

METHODS = ("wlc", "topsis", "promethee2")
#: PROMETHEE preference functions with the exact O(n log n) net flow (see core.aggregation)
PREFERENCES = ("usual", "u-shape", "v-shape", "level", "linear")
_STATUSES = ("operating", "under_construction", "planned", "none")

_Num = Annotated[float, Field(allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


# --------------------------------------------------------------------------- point tables


class PointClass(_Strict):
    """One row of a point table: a distance class (km or minutes) or a zone status."""

    from_km: _Num | None = None
    to_km: _Num | None = None
    from_min: _Num | None = None
    to_min: _Num | None = None
    category: str | None = None
    points: _Num

    @property
    def unit(self) -> str | None:
        km = self.from_km is not None or self.to_km is not None
        mins = self.from_min is not None or self.to_min is not None
        cat = self.category is not None
        if km + mins + cat != 1:
            return None
        return "km" if km else "min" if mins else "category"

    @property
    def lower(self) -> float | None:
        return self.from_km if self.from_km is not None else self.from_min

    @property
    def upper(self) -> float | None:
        return self.to_km if self.to_km is not None else self.to_min


def _g(x: float) -> str:
    return f"{x:g}"


class PointTable(_Strict):
    """Points per class (балльная оценка); utility = points / ``max_points``.

    ``classes`` rows are ``{from_km, to_km, points}`` (or ``from_min`` / ``to_min`` with
    ``speed_kmh``: minutes at that average speed over the straight-line distance), or
    ``{category, points}`` for the zone status (``operating``, ``under_construction``,
    ``planned``, ``none``). ``inside_points`` (almaty only): the points of a site inside
    the Almaty city limits. ``sez_bonus_points`` (zone only): added inside an operating
    SEZ, capped at ``max_points``.
    """

    transform: Literal["points"]
    weight: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    classes: list[PointClass]
    max_points: _Num | None = None
    speed_kmh: _Num | None = None
    inside_points: _Num | None = None
    sez_bonus_points: _Num = 0.0

    @property
    def unit(self) -> str:
        return self.classes[0].unit or "km"

    @property
    def scale(self) -> float:
        """The points that give utility 1."""
        return (
            self.max_points if self.max_points is not None else max(c.points for c in self.classes)
        )

    @property
    def upper_km(self) -> np.ndarray:
        """Upper class bounds in km (without the open-ended last class), for a lookup."""
        ups = [c.upper for c in self.classes[:-1]]
        factor = self.speed_kmh / 60.0 if self.unit == "min" else 1.0
        return np.array(ups, dtype="f8") * factor

    @model_validator(mode="after")
    def _valid(self) -> PointTable:
        problems = _table_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _row(k: int, c: PointClass) -> str:
    unit = c.unit
    if unit == "category":
        return tr("err.points.row_category", row=k + 1, category=c.category)
    u = "km" if unit == "km" else "min"
    lo, hi = c.lower, c.upper
    if lo is not None and hi is not None:
        return tr("err.points.row_span", row=k + 1, span=f"{_g(lo)}-{_g(hi)} {u}")
    if lo is not None or hi is not None:
        which = "row_from" if lo is not None else "row_to"
        return tr(f"err.points.{which}", row=k + 1, value=_g(lo if lo is not None else hi), unit=u)
    return tr("err.points.row", row=k + 1)


def _table_problems(t: PointTable) -> list[str]:
    rows = t.classes
    if not rows:
        return [tr("err.points.empty")]
    problems = []
    units = []
    for k, c in enumerate(rows):
        if c.unit is None:
            problems.append(tr("err.points.unit", row=_row(k, c)))
        units.append(c.unit)
        if c.points < 0:
            problems.append(tr("err.points.negative", row=_row(k, c), value=_g(c.points)))
    if problems:
        return problems
    unit = units[0]
    for k, u in enumerate(units):
        if u != unit:
            problems.append(tr("err.points.mixed", row=_row(k, rows[k]), unit=u, first=unit))
    if problems:
        return problems
    problems += _category_problems(t) if unit == "category" else _distance_problems(t, unit)
    return problems + _points_problems(t)


def _category_problems(t: PointTable) -> list[str]:
    rows = t.classes
    problems: list[str] = []
    seen: dict[str, int] = {}
    for k, c in enumerate(rows):
        if c.category not in _STATUSES:
            problems.append(tr("err.points.status_unknown", row=_row(k, c), value=c.category,
                               choices=", ".join(_STATUSES)))  # fmt: skip
        elif c.category in seen:
            problems.append(tr("err.points.status_twice", row=_row(k, c), value=c.category,
                               first=seen[c.category] + 1))  # fmt: skip
        else:
            seen[c.category] = k
    missing = [s for s in _STATUSES if s not in seen]
    if missing and not problems:
        problems.append(tr("err.points.status_missing", values=", ".join(missing)))
    if t.speed_kmh is not None:
        problems.append(tr("err.points.speed_not_here"))
    return problems


def _distance_problems(t: PointTable, unit: str) -> list[str]:
    rows = t.classes
    problems: list[str] = []
    u = "km" if unit == "km" else "min"
    key = "from_km" if unit == "km" else "from_min"
    for k, c in enumerate(rows):
        lo, hi = c.lower, c.upper
        if lo is None:
            problems.append(tr("err.points.no_start", row=_row(k, c), key=key))
            continue
        if lo < 0:
            problems.append(tr("err.points.below_zero", row=_row(k, c), value=_g(lo), unit=u))
        if hi is None and k < len(rows) - 1:
            problems.append(tr("err.points.open_not_last", row=_row(k, c), key=f"to_{u}"))
        if hi is not None and hi <= lo:
            problems.append(tr("err.points.ends_before", row=_row(k, c), end=_g(hi),
                               start=_g(lo), unit=u))  # fmt: skip
        if k == 0 and lo is not None and lo > 0:
            problems.append(tr("err.points.first_not_zero", row=_row(k, c), value=_g(lo), unit=u))
        if k > 0:
            prev = rows[k - 1].upper
            if prev is None or lo is None:
                continue
            if lo != prev:
                problems.append(tr("err.points.gap" if lo > prev else "err.points.overlap",
                                   row=_row(k, c), start=_g(lo), prev_row=k, end=_g(prev),
                                   unit=u, this_row=k + 1))  # fmt: skip
    last = rows[-1]
    if last.upper is not None:
        problems.append(tr("err.points.last_closed", row=_row(len(rows) - 1, last),
                           end=_g(last.upper), unit=u, start=_g(last.lower or 0),
                           key=f"to_{u}"))  # fmt: skip
    if unit == "min" and t.speed_kmh is None:
        problems.append(tr("err.points.speed_missing"))
    if t.speed_kmh is not None and t.speed_kmh <= 0:
        problems.append(tr("err.points.speed_bad", value=_g(t.speed_kmh)))
    if t.speed_kmh is not None and unit == "km":
        problems.append(tr("err.points.speed_not_here"))
    return problems


def _points_problems(t: PointTable) -> list[str]:
    rows = t.classes
    problems: list[str] = []
    top = max(c.points for c in rows)
    if t.max_points is not None:
        if t.max_points <= 0:
            problems.append(tr("err.points.max_bad", value=_g(t.max_points)))
        else:
            for k, c in enumerate(rows):
                if c.points > t.max_points:
                    problems.append(tr("err.points.above_max", row=_row(k, c), value=_g(c.points),
                                       max=_g(t.max_points)))  # fmt: skip
    elif top <= 0:
        problems.append(tr("err.points.all_zero"))
    scale = t.max_points if t.max_points is not None else top
    for name in ("inside_points", "sez_bonus_points"):
        v = getattr(t, name)
        if v is not None and not (0 <= v <= max(scale, 0)):
            problems.append(tr("err.points.extra_range", key=name, value=_g(v), max=_g(scale)))
    return problems


def check_point_table(key: str, t: PointTable) -> list[str]:
    """Problems of a point table for criterion ``key`` (which criteria take which unit)."""
    problems = []
    if key == "zone" and t.unit != "category":
        problems.append(tr("err.points.zone_needs_category", key=key))
    if key != "zone" and t.unit == "category":
        problems.append(tr("err.points.category_not_zone", key=key))
    if key != "almaty" and t.inside_points is not None:
        problems.append(tr("err.points.inside_points", key=key))
    if key != "zone" and t.sez_bonus_points:
        problems.append(tr("err.points.sez_bonus", key=key))
    return problems


# --------------------------------------------------------------------------- aggregation


class Aggregation(_Strict):
    """The aggregation method and its parameters (see :mod:`planner.core.aggregation`).

    ``ideal`` (topsis): ``"feasible"`` takes the ideal and anti-ideal points from the sites
    ranked together (the classic TOPSIS), ``"utility"`` fixes them at utility 1 and 0 (no
    rank reversal when sites are added). ``preference``, ``q``, ``p`` (promethee2): the
    preference function on utility differences (0-1) with indifference threshold ``q``
    and preference threshold ``p``; the default ``linear`` with q = 0.02, p = 0.20 treats
    utility differences under 2 % of the scale as noise (the built-in geometry is
    indicative) and a difference of 20 % or more as a full preference.
    """

    method: Literal["wlc", "topsis", "promethee2"] = "wlc"
    ideal: Literal["feasible", "utility"] | None = None
    preference: Literal["usual", "u-shape", "v-shape", "level", "linear"] | None = None
    q: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] | None = None
    p: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] | None = None

    @model_validator(mode="after")
    def _fill(self) -> Aggregation:
        problems = []
        m = self.method
        if m != "topsis" and self.ideal is not None:
            problems.append(tr("err.aggregation.not_method", key="ideal", method="topsis", given=m))
        if m != "promethee2":
            for k in ("preference", "q", "p"):
                if getattr(self, k) is not None:
                    problems.append(tr("err.aggregation.not_method", key=k, method="promethee2",
                                       given=m))  # fmt: skip
        if problems:
            raise ValueError("; ".join(problems))
        upd: dict[str, Any] = {}
        if m == "topsis" and self.ideal is None:
            upd["ideal"] = "feasible"
        if m == "promethee2":
            pref = self.preference
            if pref is None:
                if self.q is not None or self.p is not None:
                    raise ValueError(tr("err.aggregation.no_preference"))
                upd.update(preference="linear", q=0.02, p=0.20)
            else:
                need = {"usual": (), "u-shape": ("q",), "v-shape": ("p",), "level": ("q", "p"),
                        "linear": ("q", "p")}[pref]  # fmt: skip
                for k in ("q", "p"):
                    given = getattr(self, k) is not None
                    if k in need and not given:
                        problems.append(tr("err.aggregation.needs", pref=pref, key=k))
                    if k not in need and given:
                        problems.append(tr("err.aggregation.has_no", pref=pref, key=k))
                if "q" in need and "p" in need and not problems and not self.q < self.p:
                    problems.append(tr("err.aggregation.q_p", q=_g(self.q), p=_g(self.p)))
                if problems:
                    raise ValueError("; ".join(problems))
        for k, v in upd.items():
            object.__setattr__(self, k, v)
        return self

    def canonical(self) -> dict[str, Any]:
        """What enters the scenario hash (only for methods other than WLC)."""
        return self.model_dump(exclude_none=True)


# --------------------------------------------------------------------------- pairwise

_FRACTION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:/\s*(\d+(?:\.\d+)?))?\s*$")


def parse_judgement(value: Any, where: str) -> float:
    """A judgement: a number 1/9-9, or text "3", "1/3", "1 / 5"."""
    if isinstance(value, bool):
        v = None
    elif isinstance(value, int | float):
        v = float(value)
    elif isinstance(value, str):
        m = _FRACTION.match(value.replace(",", "."))
        v = None if m is None else float(m.group(1)) / (float(m.group(2)) if m.group(2) else 1.0)
    else:
        v = None
    if v is None or not math.isfinite(v):
        raise ScenarioError(tr("err.pairwise.not_judgement", where=where, value=shown(value)))
    if not (1 / 9 - 1e-3 <= v <= 9 + 1e-9):
        raise ScenarioError(tr("err.pairwise.off_scale", where=where, value=shown(value)))
    return v


def format_judgement(v: float) -> int | float | str:
    """A matrix entry for TOML: 3, "1/3", or a float rounded to 6 digits (pooled values)."""
    if abs(v - round(v)) < 1e-9:
        return int(round(v))
    inv = 1.0 / v
    if abs(inv - round(inv)) < 1e-9:
        return f"1/{int(round(inv))}"
    return float(f"{v:.6g}")


@dataclass(frozen=True)
class Expert:
    name: str
    matrix: np.ndarray
    result: _ahp.AHPResult


@dataclass(frozen=True)
class Pairwise:
    """A parsed ``[weights.pairwise]`` table: the experts, the pooled matrix and its AHP.

    ``weights`` maps criterion -> weight (sum 1) in ``criteria`` order.
    """

    criteria: tuple[str, ...]
    experts: tuple[Expert, ...]
    pooled: _ahp.AHPResult

    @property
    def weights(self) -> dict[str, float]:
        return {k: float(w) for k, w in zip(self.criteria, self.pooled.weights, strict=True)}

    def record(self) -> dict[str, Any]:
        """Plain data for describe() / manifests."""
        return {
            "criteria": list(self.criteria),
            "experts": [{"name": e.name, "cr": e.result.cr} for e in self.experts],
            "pooling": "geometric_mean" if len(self.experts) > 1 else "single",
            "cr": self.pooled.cr,
            "lambda_max": self.pooled.lambda_max,
        }


_PAIR_KEYS = {"criteria", "matrix", "judgements", "experts", "cr", "lambda_max", "pooling"}
_EXPERT_KEYS = {"name", "matrix", "judgements", "cr"}


def _matrix_from_rows(rows: Any, crit: Sequence[str], where: str) -> np.ndarray:
    n = len(crit)
    if not isinstance(rows, list) or len(rows) != n:
        got = len(rows) if isinstance(rows, list) else type(rows).__name__
        raise ScenarioError(tr("err.pairwise.rows", where=where, n=n, criteria=", ".join(crit),
                               got=got))  # fmt: skip
    A = np.empty((n, n))
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != n:
            got = len(row) if isinstance(row, list) else type(row).__name__
            raise ScenarioError(tr("err.pairwise.row_len", where=where, row=i + 1, a=crit[i], n=n,
                                   got=got))  # fmt: skip
        for j, v in enumerate(row):
            A[i, j] = parse_judgement(v, tr("err.pairwise.cell", where=where, row=i + 1,
                                            a=crit[i], column=j + 1, b=crit[j]))  # fmt: skip
    return A


def _matrix_from_judgements(judg: Any, crit: Sequence[str], where: str) -> np.ndarray:
    if not isinstance(judg, Mapping):
        raise ScenarioError(tr("err.pairwise.judgements_table", where=where))
    pos = {k: i for i, k in enumerate(crit)}
    n = len(crit)
    A = np.full((n, n), np.nan)
    np.fill_diagonal(A, 1.0)
    problems = []
    for a, row in judg.items():
        if a not in pos:
            problems.append(tr("err.pairwise.not_compared", where=f"{where}.{a}", key=a,
                               criteria=", ".join(crit)))  # fmt: skip
            continue
        if not isinstance(row, Mapping):
            problems.append(tr("err.pairwise.row_table", where=f"{where}.{a}", value=shown(row)))
            continue
        for b, v in row.items():
            if b not in pos:
                problems.append(tr("err.pairwise.not_compared", where=f"{where}.{a}.{b}", key=b,
                                   criteria=", ".join(crit)))  # fmt: skip
                continue
            if a == b:
                problems.append(tr("err.pairwise.self", where=f"{where}.{a}.{b}"))
                continue
            x = parse_judgement(v, f"{where}.{a}.{b}")
            i, j = pos[a], pos[b]
            if not np.isnan(A[i, j]):
                problems.append(tr("err.pairwise.twice", where=f"{where}.{a}.{b}", a=a, b=b))
                continue
            A[i, j], A[j, i] = x, 1.0 / x
    for i in range(n):
        for j in range(i + 1, n):
            if np.isnan(A[i, j]):
                problems.append(tr("err.pairwise.missing", where=where, a=crit[i], b=crit[j]))
    if problems:
        raise ScenarioError("; ".join(problems))
    return A


def _expert_matrix(spec: Mapping, crit: Sequence[str], where: str) -> np.ndarray:
    has_m, has_j = "matrix" in spec, "judgements" in spec
    if has_m == has_j:
        raise ScenarioError(
            tr("err.pairwise.both" if has_m else "err.pairwise.neither", where=where)
        )
    if has_m:
        return _matrix_from_rows(spec["matrix"], crit, f"{where}.matrix")
    return _matrix_from_judgements(spec["judgements"], crit, f"{where}.judgements")


def _inconsistency(res: _ahp.AHPResult, crit: Sequence[str], who: str, lang: str) -> str:
    labels = list(crit)
    fixes = _ahp.suggest_fixes(res, top=3)
    path = _ahp.repair_path(res, max_steps=5)
    lines = "; ".join(f"({k + 1}) {_ahp.fix_text(f, labels, lang)}" for k, f in enumerate(fixes))
    num = i18n.format_number
    msg = i18n.t("err.pairwise.inconsistent", lang, who=who, cr=num(res.cr, lang, 3),
                 limit=num(_ahp.MAX_CR, lang, 2), lambda_max=num(res.lambda_max, lang, 3),
                 n=res.n, fixes=lines)  # fmt: skip
    if path:
        steps = i18n.t("err.pairwise.then", lang).join(
            i18n.t("err.pairwise.pair", lang, a=labels[f.i], b=labels[f.j],
                   value=format_judgement(f.scale_value)) for f in path
        )
        msg += " " + i18n.t("err.pairwise.repair", lang, steps=steps,
                            cr=num(path[-1].cr_scale, lang, 3))  # fmt: skip
    return msg + " " + i18n.t("err.pairwise.revise", lang)


def _criteria_of(raw: Mapping, criteria: Sequence[str] | None, where: str) -> tuple[str, ...]:
    crit = raw.get("criteria", criteria)
    if crit is None:
        raise ScenarioError(tr("err.pairwise.no_criteria", where=where))
    if not isinstance(crit, list | tuple) or not all(isinstance(c, str) for c in crit):
        raise ScenarioError(tr("err.pairwise.criteria_list", where=where, value=shown(crit)))
    crit = tuple(crit)
    dup = sorted({c for c in crit if crit.count(c) > 1})
    if dup:
        raise ScenarioError(tr("err.pairwise.criteria_twice", where=where, keys=", ".join(dup)))
    if len(crit) < 2:
        raise ScenarioError(tr("err.pairwise.criteria_few", where=where, value=shown(crit)))
    if criteria is not None and set(crit) != set(criteria):
        missing = [c for c in criteria if c not in crit]
        extra = [c for c in crit if c not in criteria]
        raise ScenarioError(tr("err.pairwise.criteria_set", where=where,
                               missing=", ".join(missing) or "-", extra=", ".join(extra) or "-"))
    return crit


def _expert_specs(raw: Mapping, where: str) -> tuple[list[tuple[Any, str, str]], bool]:
    experts_raw = raw.get("experts")
    single = "matrix" in raw or "judgements" in raw
    if experts_raw is not None and single:
        raise ScenarioError(tr("err.pairwise.single_and_experts", where=where))
    if experts_raw is None:
        specs = [({k: raw[k] for k in ("matrix", "judgements") if k in raw}, "", where)]
    else:
        if not isinstance(experts_raw, list) or not experts_raw:
            raise ScenarioError(tr("err.pairwise.experts_list", where=where))
        specs = []
        for k, e in enumerate(experts_raw):
            w = f"{where}.experts[{k + 1}]"
            if not isinstance(e, Mapping):
                raise ScenarioError(tr("err.pairwise.not_table", where=w, value=shown(e)))
            bad = sorted(set(e) - _EXPERT_KEYS)
            if bad:
                raise ScenarioError(tr("err.pairwise.unknown_keys", where=w, keys=", ".join(bad),
                                       choices=", ".join(sorted(_EXPERT_KEYS))))  # fmt: skip
            name = e.get("name", "")
            if not isinstance(name, str):
                raise ScenarioError(tr("err.pairwise.name_text", where=w, value=shown(name)))
            specs.append((e, name, w + (f" ({name})" if name else "")))
    return specs, experts_raw is not None


def parse_pairwise(
    raw: Any, criteria: Sequence[str] | None, where: str = "`weights.pairwise`",
    lang: str | None = None,
) -> Pairwise:
    """Validate a ``[weights.pairwise]`` table; refuse CR > 0.10 with the judgements to fix.

    ``criteria`` is the default matrix order (a scenario's criteria); a ``criteria`` key in
    the table overrides it and must then name the same set. ``lang``: the language of the
    "judgements to revise" message (default: the message language, :func:`i18n.tr`).
    """
    lang = lang or i18n.message_lang()
    if not isinstance(raw, Mapping):
        raise ScenarioError(tr("err.pairwise.not_table", where=where, value=shown(raw)))
    unknown = sorted(set(raw) - _PAIR_KEYS)
    if unknown:
        raise ScenarioError(tr("err.pairwise.unknown_keys", where=where, keys=", ".join(unknown),
                               choices=", ".join(sorted(_PAIR_KEYS))))  # fmt: skip
    crit = _criteria_of(raw, criteria, where)
    specs, _ = _expert_specs(raw, where)
    experts = []
    problems = []
    for spec, name, w in specs:
        A = _expert_matrix(spec, crit, w)
        res = _ahp.ahp(A, crit, w)
        if not res.consistent:
            problems.append(_inconsistency(res, crit, w, lang))
        experts.append(Expert(name=name, matrix=A, result=res))
        rec = spec.get("cr") if isinstance(spec, Mapping) else None
        _check_recorded(rec, res.cr, f"{w}.cr", 5e-4)
    if problems:
        raise ScenarioError(" ".join(problems))
    pooled_m = (
        experts[0].matrix
        if len(experts) == 1
        else _ahp.pool_geometric([e.matrix for e in experts], crit)
    )
    pooled_where = i18n.t("err.pairwise.pooled", lang, where=where)
    pooled = _ahp.ahp(pooled_m, crit, pooled_where)
    if not pooled.consistent:  # cannot happen when every expert is consistent, but cheap
        raise ScenarioError(_inconsistency(pooled, crit, pooled_where, lang))
    _check_recorded(raw.get("cr"), pooled.cr, f"{where}.cr", 5e-4)
    _check_recorded(raw.get("lambda_max"), pooled.lambda_max, f"{where}.lambda_max", 5e-4)
    pooling = raw.get("pooling")
    if pooling is not None and pooling not in ("geometric_mean", "single"):
        raise ScenarioError(tr("err.pairwise.pooling", where=where, value=shown(pooling)))
    return Pairwise(criteria=crit, experts=tuple(experts), pooled=pooled)


def _check_recorded(recorded: Any, actual: float, where: str, tol: float) -> None:
    if recorded is None:
        return
    if isinstance(recorded, bool) or not isinstance(recorded, int | float):
        raise ScenarioError(tr("err.pairwise.recorded_number", where=where, value=shown(recorded)))
    if abs(float(recorded) - actual) > tol:
        raise ScenarioError(tr("err.pairwise.recorded", where=where, value=shown(recorded),
                               actual=i18n.format_number(actual, i18n.message_lang(), 4)))


def apply_pairwise(data: Mapping[str, Any], source: str) -> tuple[dict[str, Any], Pairwise | None]:
    """Derive the criteria weights of raw scenario content from its ``[weights.pairwise]``.

    Returns the content without the ``weights`` table and with each criterion's ``weight``
    filled in (a weight already written must agree with the derived one to 5e-4 after
    normalisation), and the parsed :class:`Pairwise` (None when there is none).
    """
    data = dict(data)
    if "weights" not in data:
        return data, None
    wt = data.pop("weights")
    if not isinstance(wt, Mapping) or set(wt) - {"pairwise"} or "pairwise" not in wt:
        got = ", ".join(sorted(wt)) if isinstance(wt, Mapping) else shown(wt)
        raise ScenarioError(tr("err.pairwise.weights_table", source=source, got=got or "-"))
    crit_tables = data.get("criteria")
    if not isinstance(crit_tables, Mapping) or not crit_tables:
        return data, None  # the strict model reports the missing criteria
    try:
        pw = parse_pairwise(
            wt["pairwise"], list(crit_tables), tr("err.pairwise.in_scenario", source=source)
        )
    except ScenarioError:
        raise
    weights = pw.weights
    given = {
        k: t.get("weight")
        for k, t in crit_tables.items()
        if isinstance(t, Mapping) and "weight" in t
    }
    problems = []
    total = sum(v for v in given.values() if isinstance(v, int | float) and not isinstance(v, bool))
    if given and len(given) != len(crit_tables):
        problems.append(tr("err.pairwise.some_weights"))
    elif given and total > 0:
        for k, v in given.items():
            if isinstance(v, bool) or not isinstance(v, int | float):
                continue  # the strict model reports it
            if abs(v / total - weights[k]) > 5e-4:
                lg = i18n.message_lang()
                problems.append(tr("err.pairwise.weight_differs", key=k, value=shown(v),
                                   share=i18n.format_number(v / total, lg, 4),
                                   derived=i18n.format_number(weights[k], lg, 4)))  # fmt: skip
    if problems:
        raise ScenarioError(tr("err.scenario.one", source=source, problem="; ".join(problems)))
    data["criteria"] = {
        k: ({**t, "weight": weights[k]} if isinstance(t, Mapping) else t)
        for k, t in crit_tables.items()
    }
    return data, pw
