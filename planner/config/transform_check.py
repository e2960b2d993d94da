"""One criterion's transform checked outside a scenario: a sector profile's ``[transforms]``.

:func:`check_transform` validates a ``[sectors.<key>.transforms.<criterion>]`` table with the
very models and checks a scenario's ``[criteria.<criterion>]`` goes through
(:mod:`planner.config.scenarios`), so a sector accepts exactly what a scenario accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from planner.config._problems import shown
from planner.config.scenarios import (
    CriterionKey,
    Transform,
    _criterion_problems,
    _format_validation,
    _Strict,
)
from planner.i18n import tr

__all__ = ["check_transform"]


class _OneCriterion(_Strict):
    criteria: dict[CriterionKey, Transform]


def check_transform(key: str, table: Any, where: str) -> Any:
    """One criterion's transform table (as in a scenario's ``[criteria.<key>]``, without
    ``weight``), validated exactly as a scenario's: a transform object with weight 1.

    Raises
    ------
    ValueError
        naming ``where`` (e.g. ``[sectors.it.transforms.almaty]``), the key and the fix.
    """
    if not isinstance(table, Mapping):
        raise ValueError(tr("err.sector.transform_table", where=where, value=shown(table)))
    if "weight" in table:
        raise ValueError(tr("err.sector.transform_weight", where=where))
    try:
        spec = _OneCriterion.model_validate({"criteria": {key: {**table, "weight": 1.0}}})
    except ValidationError as exc:
        problems = _format_validation(exc)
        raise ValueError(_one_criterion_message(where, key, problems)) from exc
    t = spec.criteria[key]
    problems = _criterion_problems(key, t)
    if problems:
        raise ValueError(_one_criterion_message(where, key, problems))
    return t


def _one_criterion_message(where: str, key: str, problems: list[str]) -> str:
    """``where`` and the problems, their keys relative to the criterion's table."""
    cut = [p.replace(f"criteria.{key}.", "").replace(f"criteria.{key}", "transform")
           for p in problems]  # fmt: skip
    return tr("err.sector.transform", where=where, problems="; ".join(cut))
