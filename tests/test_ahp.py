"""Pairwise comparison weights (Saaty's AHP) against Saaty's published examples."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from planner.config import ahp
from planner.errors import ScenarioError


def _m(rows: list[str]) -> np.ndarray:
    return np.array([[float(Fraction(x)) for x in r.split()] for r in rows])


# Saaty, T. L. (1990) "How to make a decision: The analytic hierarchy process", European
# Journal of Operational Research 48, 9-26: the house-buying example (criteria: size of
# house, transportation, neighbourhood, age, yard space, modern facilities, general
# condition, financing). Published: priorities .173 .054 .188 .018 .031 .036 .167 .333,
# lambda_max = 9.669, C.I. = 0.238, C.R. = 0.169 (an inconsistent matrix).
HOUSE = _m([
    "1 5 3 7 6 6 1/3 1/4",
    "1/5 1 1/3 5 3 3 1/5 1/7",
    "1/3 3 1 6 3 4 6 1/5",
    "1/7 1/5 1/6 1 1/3 1/4 1/7 1/8",
    "1/6 1/3 1/3 3 1 1/2 1/5 1/6",
    "1/6 1/3 1/4 4 2 1 1/5 1/6",
    "3 5 1/6 7 5 5 1 1/2",
    "4 7 5 8 6 6 2 1",
])  # fmt: skip
HOUSE_LABELS = ["size", "transport", "neighbourhood", "age", "yard", "facilities",
                "condition", "financing"]  # fmt: skip

# Saaty, T. L. (1980) The Analytic Hierarchy Process, McGraw-Hill, "wealth of nations"
# (Saaty & Khouja 1976): US, USSR, China, France, UK, Japan, W. Germany. Published:
# eigenvector .427 .230 .021 .052 .052 .123 .094, lambda_max = 7.61, C.R. 0.08.
WEALTH = _m([
    "1 4 9 6 6 5 5",
    "1/4 1 7 5 5 3 4",
    "1/9 1/7 1 1/5 1/5 1/7 1/5",
    "1/6 1/5 5 1 1 1/3 1/3",
    "1/6 1/5 5 1 1 1/3 1/3",
    "1/5 1/3 7 3 3 1 2",
    "1/5 1/4 5 3 3 1/2 1",
])  # fmt: skip

# Saaty, T. L. (1977) "A scaling method for priorities in hierarchical structures", J. Math.
# Psychology 15, 234-281: relative brightness of four chairs from a light source.
# Published: eigenvector 0.61, 0.24, 0.10, 0.05 and lambda_max = 4.39.
LIGHT = _m(["1 5 6 7", "1/5 1 4 6", "1/6 1/4 1 4", "1/7 1/6 1/4 1"])


def test_house_example_weights_lambda_ci_cr():
    r = ahp.ahp(HOUSE)
    assert np.round(r.weights, 3).tolist() == [0.173, 0.054, 0.188, 0.018, 0.031, 0.036,
                                               0.167, 0.333]  # fmt: skip
    assert round(r.lambda_max, 3) == 9.669
    assert round(r.ci, 3) == 0.238
    assert round(r.cr, 3) == 0.169
    assert not r.consistent


def test_wealth_of_nations_example():
    r = ahp.ahp(WEALTH)
    assert np.round(r.weights, 3).tolist() == [0.427, 0.230, 0.021, 0.052, 0.052, 0.123, 0.094]
    assert round(r.lambda_max, 2) == 7.61
    assert round(r.cr, 2) == 0.08
    assert r.consistent


def test_light_intensity_example():
    r = ahp.ahp(LIGHT)
    assert np.round(r.weights, 2).tolist() == [0.62, 0.24, 0.10, 0.05] or np.round(
        r.weights, 2
    ).tolist() == [0.61, 0.24, 0.10, 0.05]
    assert round(r.lambda_max, 2) == 4.39


def test_consistent_matrix_gives_ratio_weights_and_zero_cr():
    w = np.array([0.5, 0.3, 0.2])
    r = ahp.ahp(w[:, None] / w[None, :])
    np.testing.assert_allclose(r.weights, w, rtol=1e-12)
    assert r.cr == pytest.approx(0.0, abs=1e-12)


def test_house_fix_names_the_most_inconsistent_judgement():
    r = ahp.ahp(HOUSE, HOUSE_LABELS)
    best = ahp.suggest_fixes(r)[0]
    # neighbourhood vs general condition = 6 contradicts the rest (they imply ~1.1)
    assert (HOUSE_LABELS[best.i], HOUSE_LABELS[best.j]) == ("neighbourhood", "condition")
    assert best.current == 6
    assert best.consistent_value == pytest.approx(1.13, abs=0.01)
    assert best.scale_value == 1
    assert best.cr_consistent < best.cr and best.cr_scale <= ahp.MAX_CR
    text = ahp.fix_text(best, HOUSE_LABELS, "en")
    now = "«neighbourhood» is strongly to very strongly more important than «condition» (6)"
    assert now in text
    assert "«neighbourhood» is as important as «condition» (1)" in text
    assert "CR 0.169 -> 0.088" in text
    assert "ОС 0,169 -> 0,088" in ahp.fix_text(best, HOUSE_LABELS, "ru")
    path = ahp.repair_path(r)
    assert len(path) == 1 and path[0].cr_scale <= ahp.MAX_CR


def test_fixes_are_ordered_by_the_cr_they_leave():
    fixes = ahp.suggest_fixes(ahp.ahp(HOUSE), top=28)
    crs = [f.cr_consistent for f in fixes]
    assert crs == sorted(crs) and len(fixes) == 28


def test_geometric_mean_pooling_is_reciprocal():
    a = np.array([[1, 2], [0.5, 1]])
    b = np.array([[1, 8], [1 / 8, 1]])
    pooled = ahp.pool_geometric([a, b])
    assert pooled[0, 1] == pytest.approx(4.0)
    assert pooled[1, 0] == pytest.approx(0.25)
    r = ahp.ahp(pooled)
    assert r.weights == pytest.approx([0.8, 0.2])


@pytest.mark.parametrize(
    ("matrix", "match"),
    [
        ([[1, 3], [3, 1]], r"row 2 \(b\), column 1 \(a\): 3 is not the reciprocal.*write 1/3"),
        ([[1, 0], [1, 1]], r'row 1 \(a\), column 2 \(b\): "0" is not a positive number' ),
        ([[2, 3], [1 / 3, 1]], r"row 1 \(a\), column 1: 2 on the diagonal"),
        ([[1, 2, 3], [0.5, 1, 1]], r"must be square"),
    ],
)
def test_bad_matrices_name_row_and_column(matrix, match):
    with pytest.raises(ScenarioError, match=match):
        ahp.ahp(matrix, ["a", "b", "c"][: len(matrix[0])])


def test_judgement_words_in_three_languages():
    en = ahp.judgement_text("A", "B", 1 / 5, "en")
    assert en == "«B» is strongly more important than «A» (5)"
    assert ahp.judgement_text("A", "B", 3, "ru") == "«A» умеренно важнее, чем «B» (3)"
    assert ahp.judgement_text("A", "B", 7, "kk") == "«A» «B» өлшемшартынан әлдеқайда маңыздырақ (7)"
