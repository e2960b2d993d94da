"""Utilities per scoring variant: companies whose sector scores a criterion differently.

A sector profile may score a criterion with its own transform
(:func:`planner.config.sectors.sector_scenario`: e.g. IT offices are not penalised inside
Almaty). The companies of a run then fall into a few *variants* (variant 0: the scenario
as it is), each with its own utilities ``U`` (sites x criteria, in the scenario's
criterion order). :class:`UtilityVariants` keeps them and which company uses which, and
runs per-company work (ranking, robustness) once per variant on that variant's companies,
so a company without a sector transform is scored exactly as before, bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields

import numpy as np

from planner.core.ranking import NeedArrays, RankResult

__all__ = ["UtilityVariants", "rank_by_variant", "take_needs", "take_result"]


@dataclass(frozen=True)
class UtilityVariants:
    """``U[v]`` (n_sites, n_criteria) utilities of variant ``v``; ``of_company`` (n_companies,)
    the variant of each company; ``scenarios[v]`` the scenario each was scored with."""

    U: tuple[np.ndarray, ...]
    of_company: np.ndarray
    scenarios: tuple = ()

    @classmethod
    def single(cls, U: np.ndarray, n_companies: int, scenario=None) -> UtilityVariants:
        """Every company scored with the same utilities."""
        return cls((U,), np.zeros(n_companies, dtype=np.intp),
                   (scenario,) if scenario is not None else ())  # fmt: skip

    def take(self, rows) -> UtilityVariants:
        """The same utilities for the companies ``rows`` only."""
        return UtilityVariants(self.U, self.of_company[rows], self.scenarios)

    def groups(self) -> Iterator[tuple[int, np.ndarray]]:
        """``(variant, company rows)`` for each variant some company uses."""
        for v in range(len(self.U)):
            rows = np.flatnonzero(self.of_company == v)
            if rows.size:
                yield v, rows

    def rows(self, company: np.ndarray, site: np.ndarray) -> np.ndarray:
        """The utilities of site ``site[i]`` as company ``company[i]`` scores them."""
        company, site = np.asarray(company), np.asarray(site)
        out = np.empty((len(company), self.U[0].shape[1]))
        var = self.of_company[company]
        for v, U in enumerate(self.U):
            hit = var == v
            if hit.any():
                out[hit] = U[site[hit]]
        return out

    def per_company(self, fn: Callable[[np.ndarray, np.ndarray], tuple], n: int) -> tuple:
        """Run ``fn(U, rows)`` once per variant on its company rows and put the results'
        arrays (first axis: those companies) back into company order."""
        out: list[np.ndarray] | None = None
        for v, rows in self.groups():
            parts = fn(self.U[v], rows)
            if out is None:
                out = [np.zeros((n, *p.shape[1:]), dtype=p.dtype) for p in parts]
            for o, p in zip(out, parts, strict=True):
                o[rows] = p
        if out is None:  # no company: the shapes of an empty run
            return tuple(fn(self.U[0], np.arange(0)))
        return tuple(out)


def take_needs(needs: NeedArrays, rows: np.ndarray) -> NeedArrays:
    """The needs of the companies ``rows``."""
    return NeedArrays(**{f.name: getattr(needs, f.name)[rows] for f in fields(NeedArrays)})


_RANK_FIELDS = ("top_idx", "top_score", "top_area_unknown", "n_feasible", "reason_counts",
                "sole_reason_counts")  # fmt: skip


def take_result(rr: RankResult, rows: np.ndarray) -> RankResult:
    """The ranking of the companies ``rows``."""
    return RankResult(*(getattr(rr, f)[rows] for f in _RANK_FIELDS))


def rank_by_variant(variants: UtilityVariants,
                    rank: Callable[[np.ndarray, np.ndarray], RankResult]) -> RankResult:
    """``rank(U, rows)`` (the ranking of companies ``rows`` on utilities ``U``) once per
    variant on its companies; the results in company order."""
    n = len(variants.of_company)
    if len(variants.U) == 1:
        return rank(variants.U[0], np.arange(n))

    def one(U, rows):
        rr = rank(U, rows)
        return tuple(getattr(rr, f) for f in _RANK_FIELDS)

    return RankResult(*variants.per_company(one, n))
