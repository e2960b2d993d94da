"""How a comparison's ranking differs between aggregation methods.

For the sites of a comparison, :func:`method_ranks` scores the eligible sites (not
excluded and, with a company, meeting its hard needs: the same filter as every method)
with the weighted sum, TOPSIS and PROMETHEE II (:func:`planner.core.aggregation.method_scores`,
the scenario's own parameters for its method, the defaults of
:class:`~planner.config.weighting.Aggregation` for the others), ranks each by the planner's
one rank rule (:func:`planner.core.ranking.rank_scores`, ties to the site given first) and
says in a sentence whether the leader depends on the method.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner import i18n
from planner.config.weighting import Aggregation
from planner.core.aggregation import method_scores
from planner.core.method_robustness import METHODS
from planner.core.ranking import rank_scores

__all__ = ["MethodRanks", "method_ranks"]

#: each site's name per language
Names = Mapping[str, list[str]] | Mapping[str, tuple[str, ...]]


@dataclass(frozen=True, eq=False)
class MethodRanks:
    """Scores and ranks of the same sites under each method (arrays in input order).

    ``scores[m]`` 0-100 (NaN where not eligible), ``ranks[m]`` Int64 (<NA> where not
    eligible), ``leader[m]`` the row ranked first (None without eligible sites),
    ``scenario_method`` the method of the scenario, ``moved`` the rows whose rank is not
    the same under every method, ``texts[lang]`` the summary sentences.
    """

    methods: tuple[str, ...]
    scores: Mapping[str, np.ndarray]
    ranks: Mapping[str, pd.arrays.IntegerArray]
    leader: Mapping[str, int | None]
    scenario_method: str
    moved: np.ndarray
    texts: Mapping[str, tuple[str, ...]]

    @property
    def leader_changes(self) -> bool:
        """True when the methods do not agree on the site ranked first."""
        return len({v for v in self.leader.values() if v is not None}) > 1


def _texts(leader: dict[str, int | None], moved: np.ndarray, n_ranked: int, names: Names) -> dict:
    out = {}
    firsts = {v for v in leader.values() if v is not None}
    for lang in i18n.LANGS:
        if not firsts:
            out[lang] = (i18n.t("compare.mc_none", lang),)
            continue
        nm = names[lang]
        if len(firsts) > 1:
            items = ", ".join(
                i18n.t("compare.methods_item", lang, method=i18n.t(f"method.{m}", lang),
                       site=i18n.quote(nm[i], lang))  # fmt: skip
                for m, i in leader.items()
                if i is not None
            )
            head = i18n.t("compare.methods_leader_differs", lang, leaders=items)
        else:
            only = next(iter(firsts))
            head = i18n.t("compare.methods_same_leader", lang, site=i18n.quote(nm[only], lang))
        if moved.any():
            tail = i18n.t("compare.methods_ranks_differ", lang, n=int(moved.sum()), total=n_ranked)
        else:
            tail = i18n.t("compare.methods_ranks_same", lang)
        out[lang] = (head, tail)
    return out


def method_ranks(U, weights, scenario_agg: Aggregation, eligible, names: Names) -> MethodRanks:
    """Scores and ranks of the sites (``U``: utilities, sites x criteria) under every method.

    ``eligible`` sites are ranked together (the others take no part); ``names[lang]`` are
    the sites' names for the sentences.
    """
    eligible = np.asarray(eligible, dtype=bool)
    U = np.where(eligible[:, None], np.asarray(U, dtype="f8"), 0.0)
    scores, ranks, leader = {}, {}, {}
    for m in METHODS:
        agg = scenario_agg if m == scenario_agg.method else Aggregation(method=m)
        s = method_scores(U, weights, agg, feasible=eligible)
        r = rank_scores(np.where(eligible, s, 0.0), ~eligible, ties="order")
        scores[m], ranks[m] = s, r
        first = np.flatnonzero(np.asarray(r.to_numpy(dtype="f8", na_value=np.nan)) == 1)
        leader[m] = int(first[0]) if first.size else None
    stack = np.vstack([ranks[m].to_numpy(dtype="f8", na_value=0.0) for m in METHODS])
    moved = eligible & (stack != stack[0]).any(axis=0)
    return MethodRanks(
        methods=METHODS, scores=scores, ranks=ranks, leader=leader,
        scenario_method=scenario_agg.method, moved=moved,
        texts=_texts(leader, moved, int(eligible.sum()), names),
    )  # fmt: skip
