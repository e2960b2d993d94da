"""One rank rule: ties broken the same way by scoring, the partitioned (Dask) rank,
comparisons and maps, all through planner.core.ranking.rank_scores.

The rule has one parameter: ``ties="site_id"`` (scored site tables: the smaller id as text
first) or ``ties="order"`` (a comparison's sites and a map of a table without ranks: the
row given first). Excluded rows are never ranked.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _criteria import make_criteria, point_sites

from planner.core.ranking import TIE_RULES, global_rank, rank_scores, tie_offsets
from planner.core.scoring import score_table
from planner.errors import InputError
from planner.jobs import compare as compare_job
from planner.jobs.score_sites import score_sites
from planner.render import map_pack, maps

AS_OF = "2025-06-01"


def _reference(score, excluded, ties, ids=None):
    """Stable lexsort on (-score, [str(id)], row) over the rows not excluded."""
    score = np.asarray(score, dtype="f8")
    live = np.flatnonzero(~np.asarray(excluded, dtype=bool))
    keys = [live, -score[live]] if ties == "order" else [
        live, np.asarray(ids, dtype=object)[live].astype(str), -score[live]
    ]  # fmt: skip
    order = live[np.lexsort(keys)]
    out = np.zeros(len(score), dtype=np.int64)
    out[order] = np.arange(1, len(order) + 1)
    return out


# --------------------------------------------------------------------------- the function


@pytest.mark.parametrize("ties", TIE_RULES)
@pytest.mark.parametrize("n", [500, 80_000])  # numpy path and the compiled radix path
def test_rank_scores_equals_a_lexsort_reference(ties, n):
    rng = np.random.default_rng(n)
    score = rng.choice(np.round(rng.uniform(-50, 100, 200), 2), n)  # ties, some negative
    score[rng.random(n) < 0.05] = 0.0
    score[rng.random(n) < 0.01] = -0.0  # the same score as 0.0
    excluded = rng.random(n) < 0.1
    score[excluded & (rng.random(n) < 0.5)] = np.nan  # NaN is fine where excluded
    ids = np.array([f"s{v}" for v in rng.permutation(n)], dtype=object)
    got = rank_scores(score, excluded, ties=ties, site_ids=ids)
    assert str(got.dtype) == "Int64"
    np.testing.assert_array_equal(np.asarray(got.isna()), excluded)
    want = _reference(np.nan_to_num(score), excluded, ties, ids)
    np.testing.assert_array_equal(got.to_numpy("i8", na_value=0)[~excluded], want[~excluded])


def test_the_two_rules_on_one_small_example():
    score = [5.0, 7.0, 5.0, 5.0, 7.0]
    ids = ["s9", "s10", "b", "a", "s1"]
    excluded = [False, False, False, True, False]
    assert rank_scores(score, excluded).tolist() == [3, 1, 4, pd.NA, 2]
    # ids compare as text: "s1" < "s10" < "s9"
    by_id = rank_scores(score, excluded, ties="site_id", site_ids=ids)
    assert by_id.tolist() == [4, 2, 3, pd.NA, 1]
    # integer ids are compared as text too, whatever order they come in
    ints = rank_scores([1.0, 1.0, 1.0], ties="site_id", site_ids=[10, 9, 100])
    assert ints.tolist() == [1, 3, 2]


def test_bad_calls_are_clear_errors():
    with pytest.raises(InputError, match="NaN"):
        rank_scores([1.0, np.nan])
    with pytest.raises(InputError, match="tie rule"):
        rank_scores([1.0], ties="name")
    with pytest.raises(InputError, match="needs one site_id"):
        rank_scores([1.0, 2.0], ties="site_id")
    with pytest.raises(InputError, match="differ in shape"):
        rank_scores([1.0, 2.0], [False])


@pytest.mark.parametrize("ties", TIE_RULES)
def test_rank_in_parts_equals_rank_of_the_whole(ties):
    rng = np.random.default_rng(5)
    n = 3000
    score = rng.choice(np.round(rng.uniform(0, 100, 60), 1), n)
    excluded = rng.random(n) < 0.2
    ids = np.array([f"id-{v}" for v in rng.permutation(n)], dtype=object)
    cuts = [700, 701, 1900]  # one part of a single row
    pieces = np.split(np.arange(n), cuts)
    parts = global_rank([(score[p], excluded[p], ids[p]) for p in pieces], ties=ties)
    got = pd.array(np.concatenate([p.to_numpy("i8", na_value=0) for p in parts]), dtype="Int64")
    got[np.concatenate([np.asarray(p.isna()) for p in parts])] = pd.NA
    want = rank_scores(score, excluded, ties=ties, site_ids=ids)
    pd.testing.assert_extension_array_equal(got, want)


def test_tie_offsets_place_rows_within_their_score():
    offsets = tie_offsets([3.0, 5.0, 3.0, 5.0, 3.0], ["c", "b", "a", "a", "b"])
    assert offsets.tolist() == [2, 1, 0, 0, 1]
    assert tie_offsets([3.0, 3.0, 3.0], [None] * 3, ties="order").tolist() == [0, 1, 2]


# --------------------------------------------------------------------------- local scoring


def test_score_table_and_score_sites_break_ties_by_site_id(layers):
    crit = make_criteria(4)  # four identical sites
    ranks = score_table(crit, "bakad-perimeter", site_ids=["s9", "s10", "b", "a"])["rank"]
    assert ranks.tolist() == [4, 3, 2, 1]  # a, b, s10, s9
    # the same place four times, given in another id order: equal scores, ranks by id
    sites = point_sites(["s9", "s10", "b", "a"], [77.05] * 4, [43.52] * 4)
    scored = score_sites(sites, layers, as_of=AS_OF, why=False)
    assert scored["score"].nunique() == 1
    assert scored["rank"].tolist() == [4, 3, 2, 1]
    want = rank_scores(scored["score"], scored["excluded"], ties="site_id",
                       site_ids=scored["site_id"])  # fmt: skip
    pd.testing.assert_extension_array_equal(scored["rank"].array, want)


# --------------------------------------------------------------------------- comparison


def test_compare_breaks_ties_by_the_order_given(layers):
    # two sites at one place: "z-twin" is given first, "a-twin" has the smaller id
    twins = point_sites(["a-twin", "z-twin"], [77.05, 77.05], [43.52, 43.52])
    c = compare_job.compare_sites(["z-twin", "a-twin", "aiz-1"], layers=layers, as_of=AS_OF,
                                  sites=twins, draws=200, seed=3)  # fmt: skip
    assert c.scored["site_id"].tolist() == ["z-twin", "a-twin", "aiz-1"]
    score = c.scored["score"].to_numpy()
    assert score[0] == score[1] and c.eligible[:2].all()
    want = rank_scores(np.where(c.eligible, score, 0.0), ~c.eligible, ties="order")
    pd.testing.assert_extension_array_equal(c.rank, want)
    assert c.rank[1] == c.rank[0] + 1  # the twin given first ranks first
    # the Monte Carlo and the flip use the same rule: the second twin is always one behind
    mc = c.monte_carlo
    assert mc.p_first[1] == 0 and mc.rank_p5[1] == mc.rank_p5[0] + 1
    assert mc.rank_p95[1] == mc.rank_p95[0] + 1
    # a scored sites table of the same two places ranks them by site_id instead
    table = score_sites(twins, layers, as_of=AS_OF, why=False)
    assert table["rank"].tolist() == [1, 2]  # "a-twin" first


# --------------------------------------------------------------------------- maps


def test_map_of_a_table_without_ranks_uses_the_same_rule(layers):
    sites = point_sites(["c", "a", "b", "d"], [77.05, 77.05, 77.3, 76.9], [43.52] * 4)
    scored = score_sites(sites, layers, as_of=AS_OF, why=False)
    table = scored.drop(columns="rank")
    table.loc[3, "score"] = np.nan  # a row without a score gets no rank
    m = maps.build_map(layers, scored=table, as_of=AS_OF, top_k=2)
    sites = map_pack.unpack_table(m.planner_data["sites"])
    shown = dict(zip(sites["id"], sites["rank"], strict=True))
    score = table["score"].to_numpy(dtype="f8")
    want = rank_scores(score, ~np.isfinite(score), ties="order")
    assert shown == {
        sid: (None if pd.isna(r) else int(r))
        for sid, r in zip(table["site_id"], want, strict=True)
    }
    # "c" and "a" tie: the row that comes first in the table ("c") ranks first
    assert scored.loc[0, "score"] == scored.loc[1, "score"]
    assert shown["c"] < shown["a"] and shown["d"] is None
