"""The rules an allocation answer must obey before a planner can defend it (issue 11).

* **Minimum acceptable score** (scenario ``[allocation] min_score``, ``--min-score``;
  default :data:`planner.config.scenarios.DEFAULT_MIN_SCORE`): a site scoring below it is
  never given to a company. A company whose feasible sites all score below it gets "no
  acceptable site" (reason ``below_min_score``), not a worthless site 150 km out.
* **Sites of unknown area** (``--unknown-area``), an explicit policy reported with the
  answer: ``one`` (default) — such a site takes one company; ``unlimited`` — any number
  (their land is not checked); a number ``HA`` — each such site is taken to have ``HA``
  hectares and is filled like any other. Either way the placements stay flagged
  ``area_unknown``: check the land before promising it.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from planner import i18n
from planner.core.allocation import Allocation, allocate_ranked
from planner.core.ranking import RankResult, _show
from planner.errors import InputError

__all__ = ["UnknownArea", "allocate_with_rules", "check_min_score"]


@dataclass(frozen=True)
class UnknownArea:
    """Capacity policy for sites of unknown area: ``one``, ``unlimited`` or ``HA`` hectares."""

    mode: str = "one"  # "one" | "unlimited" | "ha"
    ha: float | None = None

    @classmethod
    def parse(cls, value) -> UnknownArea:
        """``"one"``, ``"unlimited"`` or a number of hectares > 0 (``"20"``, ``20``)."""
        if isinstance(value, UnknownArea):
            return value
        text = str(value).strip().lower().replace(",", ".")
        if text in ("one", "unlimited"):
            return cls(text)
        try:
            ha = float(text)
        except ValueError:
            ha = math.nan
        if isinstance(value, bool) or not (math.isfinite(ha) and ha > 0):
            raise InputError(i18n.tr("err.allocation.unknown_area", value=_show(str(value))))
        return cls("ha", ha)

    @property
    def label(self) -> str:
        """How the policy reads in a manifest (English)."""
        return self.label_in("en")

    def label_in(self, lang: str) -> str:
        """How the policy reads in a summary, in ``lang`` (catalog ``batch.policy_*``)."""
        if self.mode == "ha":
            return i18n.t("batch.policy_ha", lang, ha=i18n.format_number(self.ha, lang,
                                                                         significant=6))
        return i18n.t(f"batch.policy_{self.mode}", lang)

    def record(self) -> str:
        return self.mode if self.mode != "ha" else f"{self.ha:g}"


def check_min_score(value) -> float:
    """A minimum score in 0..100 (``--min-score``), else :class:`InputError`."""
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    if not ok or not (0 <= float(value) <= 100):
        raise InputError(i18n.tr("err.allocation.min_score", value=_show(value)))
    return float(value)


def allocate_with_rules(
    rr: RankResult,
    land_ha,
    capacity_ha,
    group,
    max_share: float | None,
    *,
    min_score: float,
    unknown_area: UnknownArea | str = "one",
    **solver,
) -> Allocation:
    """:func:`~planner.core.allocation.allocate_ranked` with the minimum score and the
    unknown-area policy applied (see the module docstring)."""
    min_score = check_min_score(min_score)
    policy = UnknownArea.parse(unknown_area)
    idx = np.asarray(rr.top_idx, dtype=np.int64)
    val = np.asarray(rr.top_score, dtype=np.float64)
    low = (idx >= 0) & ~(val >= min_score)  # the lists are best first: these are the tails
    kept = dataclasses.replace(
        rr, top_idx=np.where(low, -1, idx), top_score=np.where(low, np.nan, val)
    )
    cap = np.asarray(capacity_ha, dtype=np.float64)
    unknown = np.isnan(cap)
    per_unknown: int | None = 1
    if policy.mode == "unlimited":
        per_unknown = None
    elif policy.mode == "ha":
        cap, per_unknown = np.where(unknown, policy.ha, cap), None
    alloc = allocate_ranked(kept, land_ha, cap, group, max_share,
                            unknown_site_max_companies=per_unknown, **solver)  # fmt: skip
    had = (idx >= 0).any(axis=1)
    below = (alloc.site_idx < 0) & had & ~(kept.top_idx >= 0).any(axis=1)
    reason = np.where(below, "below_min_score", alloc.reason)
    blocked = np.where(below, idx[:, 0] if idx.shape[1] else -1, alloc.blocked_site)
    assigned = alloc.site_idx >= 0
    return dataclasses.replace(
        alloc,
        reason=reason.astype(str),
        blocked_site=blocked.astype(np.int64),
        area_unknown=assigned & unknown[np.maximum(alloc.site_idx, 0)],
        _capacity_ha=np.asarray(capacity_ha, dtype=np.float64) if policy.mode != "ha" else cap,
    )
