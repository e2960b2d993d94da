"""planner compare: the ranking under WLC, TOPSIS and PROMETHEE II, side by side."""

from __future__ import annotations

import numpy as np
import pytest
from _book import read_book

from planner.config.scenarios import load_scenario, scenario_from_dict
from planner.config.weighting import Aggregation
from planner.core.aggregation import method_scores
from planner.core.method_ranks import method_ranks
from planner.core.method_robustness import method_monte_carlo
from planner.core.robustness import from_scored
from planner.jobs import compare as compare_job
from planner.render import report

AS_OF = "2026-01-01"
# with the default scenario the weighted sum and PROMETHEE II put sez-alatau first,
# TOPSIS aiz-1
SITES = ["aiz-1", "aiz-2", "sez-alatau"]


@pytest.fixture(scope="module")
def cmp3(layers):
    return compare_job.compare_sites(SITES, layers=layers, as_of=AS_OF, draws=400)


def _expected_ranks(c, method):
    ri = from_scored(c.scored, c.weights)
    U = np.nan_to_num(ri.U)
    agg = c.scenario.aggregation if method == c.scenario.method else Aggregation(method=method)
    s = method_scores(U, ri.weights, agg, feasible=c.eligible)
    order = np.lexsort((np.arange(len(s)), -np.where(c.eligible, s, -np.inf)))
    rank = np.empty(len(s))
    rank[order] = np.arange(1, len(s) + 1)
    return np.where(c.eligible, rank, np.nan)


def test_ranks_by_method_and_the_leader_sentence(cmp3):
    mr = cmp3.methods
    assert mr.methods == ("wlc", "topsis", "promethee2") and mr.scenario_method == "wlc"
    for m in mr.methods:
        got = mr.ranks[m].to_numpy(dtype="f8", na_value=np.nan)
        np.testing.assert_array_equal(got, _expected_ranks(cmp3, m))
        col = cmp3.table[f"rank_{m}"].to_numpy(dtype="f8", na_value=np.nan)
        np.testing.assert_array_equal(col, got[cmp3.order])
    # WLC is the scenario's method: its rank is the comparison's rank
    assert mr.ranks["wlc"].tolist() == cmp3.rank.tolist()
    ids = cmp3.scored["site_id"].astype(str).tolist()
    assert {m: ids[i] for m, i in mr.leader.items()} == {
        "wlc": "sez-alatau", "topsis": "aiz-1", "promethee2": "sez-alatau"}  # fmt: skip
    assert mr.leader_changes
    ru = mr.texts["ru"][0]
    assert ru.startswith("Лидер зависит от метода: ") and "TOPSIS — " in ru
    assert mr.texts["en"][0].startswith("The leader depends on the method:")
    assert mr.texts["kk"][0].startswith("Көшбасшы әдіске байланысты:")


def test_the_outputs_show_the_methods(cmp3, tmp_path):
    rows = {r.key: r for r in report.matrix_rows(cmp3, "ru")}
    assert rows["rank_topsis"].label == "Место: TOPSIS"
    assert "(метод сценария)" in rows["rank_wlc"].label
    html = report.render_report(cmp3, "ru")
    assert "Ранжирование разными методами" in html and "Лидер зависит от метода" in html
    lines = [str(getattr(r, "plain", "")) for r in report.terminal_renderables(cmp3, "en")]
    assert any(t.startswith("The leader depends on the method") for t in lines)
    path = report.write_xlsx(cmp3, tmp_path / "c.xlsx", lang="en")
    sites = read_book(path, "sites")
    assert {"rank_wlc", "rank_topsis", "rank_promethee2"} <= set(sites.columns)
    rob = read_book(path, "robustness")
    assert (rob["item"] == "methods").sum() == 2


def test_same_leader_and_no_eligible_site():
    names = {lang: ["A", "B"] for lang in ("ru", "kk", "en")}
    U = np.array([[0.9, 0.8], [0.1, 0.2]])
    mr = method_ranks(U, [0.5, 0.5], Aggregation(), np.ones(2, bool), names)
    assert set(mr.leader.values()) == {0} and not mr.leader_changes
    assert mr.texts["en"] == ("All three methods put A first.",
                              "Every site has the same place under every method.")  # fmt: skip
    none = method_ranks(U, [0.5, 0.5], Aggregation(), np.zeros(2, bool), names)
    assert set(none.leader.values()) == {None} and len(none.texts["ru"]) == 1


def test_a_topsis_scenario_is_robust_by_topsis(layers):
    base = load_scenario("bakad-perimeter")
    data = base.describe()
    sc = scenario_from_dict(
        {"name": "t", "title_en": "t", "title_ru": "t", "description": "topsis",
         "method": "topsis", "criteria": data["criteria"], "needs": data["needs"]},
    )  # fmt: skip
    c = compare_job.compare_sites(SITES, layers=layers, as_of=AS_OF, scenario=sc, draws=300)
    assert c.methods.scenario_method == "topsis"
    ri = from_scored(c.scored, c.weights)
    mc = method_monte_carlo(np.nan_to_num(ri.U), ri.weights, "topsis", draws=300,
                            excluded=~c.eligible)  # fmt: skip
    np.testing.assert_array_equal(c.monte_carlo.p_first, mc.p_first)
    assert c.flip is None and "TOPSIS" in c.flip_texts["en"]
    assert c.rank.tolist() == c.methods.ranks["topsis"].tolist()


def test_a_topsis_scenario_compares_only_the_sites_meeting_the_needs(layers):
    from planner.core.compare import find_company, parse_at
    from planner.inputs.companies import example_path, read_companies

    row = find_company(read_companies(example_path()), "ООО «СтройБлок Восток»")
    data = load_scenario("bakad-perimeter").describe()
    sc = scenario_from_dict(
        {"name": "t", "method": "topsis", "criteria": data["criteria"], "needs": data["needs"]},
    )  # fmt: skip
    # a plot north of Baiserke, clear of housing (43.53 N 77.05 E now lies in Gate City)
    refs = ["iz-kairat", "sez-alatau", "sez-pit", parse_at("43.62,77.05,North of Baiserke")]
    c = compare_job.compare_sites(refs, layers=layers, as_of=AS_OF, scenario=sc, company=row,
                                  draws=200)  # fmt: skip
    assert c.eligible.tolist() == [False, True, False, True]  # rail need (as test_compare)
    ri = from_scored(c.scored, c.weights)
    want = method_scores(np.nan_to_num(ri.U), ri.weights, sc.aggregation, feasible=c.eligible)
    # the ideal points come from the two eligible sites only
    np.testing.assert_allclose(c.scored["score"].to_numpy()[c.eligible], want[c.eligible])
    assert sorted(c.rank[c.eligible].tolist()) == [1, 2]
