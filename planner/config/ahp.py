"""Weights from pairwise comparisons: Saaty's analytic hierarchy process (AHP).

An expert compares every pair of criteria on Saaty's 1-9 scale: ``a[i, j] = 3`` says
criterion ``i`` is moderately more important than ``j`` (and ``a[j, i] = 1/3``). The
weights are the principal (Perron) eigenvector of the reciprocal matrix ``A``, normalised
to sum 1; its eigenvalue ``lambda_max >= n`` measures how far the judgements are from a
consistent set (``a[i, k] = a[i, j] * a[j, k]`` for all triples):

* consistency index ``CI = (lambda_max - n) / (n - 1)``;
* consistency ratio ``CR = CI / RI(n)``, with Saaty's random index ``RI`` (the mean CI of
  random reciprocal matrices, :data:`RANDOM_INDEX`). Saaty's rule: ``CR <= 0.10``
  (:data:`MAX_CR`) is acceptable; above it the judgements must be revised.

:func:`suggest_fixes` names the judgements to revise: for every pair it replaces the
judgement by the value the *other* judgements imply, ``w_i / w_j``, and by the nearest
value of the 1-9 scale, and reports how far CR falls; :func:`repair_path` applies the best
such change greedily until CR is acceptable. :func:`pool_geometric` pools several
experts' matrices by the element-wise geometric mean (Aczel & Saaty 1983, the only
pooling that keeps the pooled matrix reciprocal).

Checked against Saaty's published examples (tests/test_ahp.py). Numpy only: the matrices
have at most a dozen rows. It lives in ``config`` because a scenario's weights are derived
from its ``[weights.pairwise]`` table when the scenario is loaded (config imports no core).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from planner import i18n
from planner.errors import ScenarioError
from planner.i18n import tr

__all__ = [
    "MAX_CR",
    "RANDOM_INDEX",
    "SCALE",
    "AHPResult",
    "Fix",
    "ahp",
    "fix_text",
    "judgement_text",
    "nearest_scale",
    "pool_geometric",
    "repair_path",
    "suggest_fixes",
]

#: Saaty's threshold: a consistency ratio above this is refused
MAX_CR = 0.10
#: Saaty's random index RI(n) (Saaty 1980, The Analytic Hierarchy Process, table 1.7,
#: extended to n = 15 in Saaty 1994); n = 1, 2 are always consistent
RANDOM_INDEX: dict[int, float] = {
    1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45,
    10: 1.49, 11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59,
}  # fmt: skip
#: the values of Saaty's scale: 1/9 .. 1/2, 1 .. 9
SCALE: tuple[float, ...] = tuple(
    [1.0 / k for k in range(9, 1, -1)] + [float(k) for k in range(1, 10)]
)
#: a matrix entry and the inverse of its mirror may differ by this (relative), so that
#: 0.333 passes for 1/3; anything larger is a typing error
_RECIPROCAL_RTOL = 0.01


@dataclass(frozen=True)
class AHPResult:
    """Weights and consistency of one pairwise comparison matrix.

    ``weights`` sum to 1 (in the matrix's row order); ``cr`` is 0 for n <= 2.
    """

    matrix: np.ndarray
    weights: np.ndarray
    lambda_max: float
    ci: float
    cr: float
    n: int

    @property
    def consistent(self) -> bool:
        return self.cr <= MAX_CR + 1e-12


@dataclass(frozen=True)
class Fix:
    """Replacing judgement ``a[i, j]`` (and its mirror) lowers CR from ``cr`` to ...

    ``consistent_value`` = ``w_i / w_j`` (what the other judgements imply) gives
    ``cr_consistent``; ``scale_value``, the nearest value of the 1-9 scale, gives
    ``cr_scale``. ``i < j`` are row positions of the matrix.
    """

    i: int
    j: int
    current: float
    consistent_value: float
    scale_value: float
    cr: float
    cr_consistent: float
    cr_scale: float


def _check_matrix(a, labels: Sequence[str] | None, where: str) -> np.ndarray:
    A = np.asarray(a, dtype="f8")
    if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] < 1:
        raise ScenarioError(tr("err.ahp.square", where=where, shape=" x ".join(map(str, A.shape))))
    n = A.shape[0]
    if n > max(RANDOM_INDEX):
        raise ScenarioError(tr("err.ahp.too_many", where=where, n=n, max=max(RANDOM_INDEX)))
    names = list(labels) if labels is not None else [str(k + 1) for k in range(n)]
    problems = []
    bad = ~np.isfinite(A) | (A <= 0)
    for i, j in zip(*np.nonzero(bad), strict=True):
        problems.append(tr("err.ahp.not_positive", row=i + 1, a=names[i], column=j + 1,
                           b=names[j], value=f"{float(A[i, j]):g}"))  # fmt: skip
    if not problems:
        diag = np.flatnonzero(np.abs(np.diag(A) - 1.0) > 1e-9)
        for i in diag:
            problems.append(tr("err.ahp.diagonal", row=i + 1, a=names[i], value=f"{A[i, i]:g}"))
        off = np.abs(A * A.T - 1.0) > 2 * _RECIPROCAL_RTOL
        for i, j in zip(*np.nonzero(np.triu(off, 1)), strict=True):
            problems.append(tr("err.ahp.reciprocal", row=j + 1, a=names[j], column=i + 1,
                               b=names[i], value=f"{A[j, i]:.4g}", other=f"{A[i, j]:.4g}",
                               fix=_fraction(1.0 / A[i, j])))  # fmt: skip
    if problems:
        raise ScenarioError(tr("err.ahp.problems", where=where, problems="; ".join(problems)))
    return A


def _fraction(x: float) -> str:
    """``3`` for 3.0, ``1/3`` for 0.333.., else 4 significant digits."""
    if x >= 1:
        return f"{x:.0f}" if abs(x - round(x)) < 1e-9 else f"{x:.3g}"
    inv = 1.0 / x
    return f"1/{inv:.0f}" if abs(inv - round(inv)) < 1e-6 else f"{x:.3g}"


def _eigen(A: np.ndarray) -> tuple[float, np.ndarray]:
    vals, vecs = np.linalg.eig(A)
    k = int(np.argmax(vals.real))
    w = np.abs(vecs[:, k].real)  # the Perron vector has one sign; abs removes it
    return float(vals[k].real), w / w.sum()


def _cr(lam: float, n: int) -> tuple[float, float]:
    if n <= 2:
        return 0.0, 0.0
    ci = max(0.0, (lam - n) / (n - 1))  # rounding may give -1e-16 for a consistent matrix
    return ci, ci / RANDOM_INDEX[n]


def ahp(matrix, labels: Sequence[str] | None = None, where: str = "") -> AHPResult:
    """Principal-eigenvector weights, lambda_max, CI and CR of a reciprocal matrix.

    Raises
    ------
    ScenarioError
        naming ``where``, the row and the column of every non-positive entry, diagonal
        entry other than 1, or entry that is not the reciprocal of its mirror.
    """
    A = _check_matrix(matrix, labels, where or tr("err.ahp.matrix"))
    n = A.shape[0]
    lam, w = _eigen(A)
    ci, cr = _cr(lam, n)
    return AHPResult(matrix=A, weights=w, lambda_max=lam, ci=ci, cr=cr, n=n)


def pool_geometric(matrices: Sequence, labels: Sequence[str] | None = None) -> np.ndarray:
    """Element-wise geometric mean of several experts' reciprocal matrices (same order)."""
    if not len(matrices):
        raise ScenarioError(tr("err.ahp.none"))
    stack = [_check_matrix(m, labels, tr("err.ahp.expert", k=k + 1))
             for k, m in enumerate(matrices)]  # fmt: skip
    shapes = {m.shape for m in stack}
    if len(shapes) != 1:
        sizes = ", ".join(" x ".join(map(str, sh)) for sh in sorted(shapes))
        raise ScenarioError(tr("err.ahp.sizes", sizes=sizes))
    return np.exp(np.mean(np.log(np.stack(stack)), axis=0))


def nearest_scale(x: float) -> float:
    """The value of Saaty's scale nearest to ``x`` on a log scale (ratios, not differences)."""
    s = np.asarray(SCALE)
    return float(s[np.argmin(np.abs(np.log(s) - math.log(x)))])


def _with(A: np.ndarray, i: int, j: int, v: float) -> np.ndarray:
    B = A.copy()
    B[i, j] = v
    B[j, i] = 1.0 / v
    return B


def suggest_fixes(result: AHPResult, top: int = 3) -> list[Fix]:
    """The ``top`` judgements whose replacement by ``w_i / w_j`` lowers CR most, best first."""
    A, w, n = result.matrix, result.weights, result.n
    fixes = []
    for i in range(n):
        for j in range(i + 1, n):
            target = float(w[i] / w[j])
            scale = nearest_scale(target)
            cr_t = _cr(_eigen(_with(A, i, j, target))[0], n)[1]
            cr_s = _cr(_eigen(_with(A, i, j, scale))[0], n)[1]
            fixes.append(Fix(i, j, float(A[i, j]), target, scale, result.cr, cr_t, cr_s))
    fixes.sort(key=lambda f: (f.cr_consistent, f.i, f.j))
    return fixes[:top]


def repair_path(result: AHPResult, max_steps: int | None = None) -> list[Fix]:
    """Greedy changes to scale values until CR <= :data:`MAX_CR` (or no change helps).

    Each step takes the judgement whose replacement by the nearest scale value of
    ``w_i / w_j`` lowers CR most, applies it and recomputes the weights; a judgement is
    changed at most once.
    """
    steps: list[Fix] = []
    changed: set[tuple[int, int]] = set()
    cur = result
    limit = max_steps if max_steps is not None else cur.n * (cur.n - 1) // 2
    while not cur.consistent and len(steps) < limit:
        A, w, n = cur.matrix, cur.weights, cur.n
        best = None
        for i in range(n):
            for j in range(i + 1, n):
                target = float(w[i] / w[j])
                scale = nearest_scale(target)
                if (i, j) in changed or abs(math.log(scale) - math.log(A[i, j])) < 1e-9:
                    continue  # changed once already, or already that value
                cr_s = _cr(_eigen(_with(A, i, j, scale))[0], n)[1]
                if best is None or cr_s < best.cr_scale - 1e-12:
                    cr_t = _cr(_eigen(_with(A, i, j, target))[0], n)[1]
                    best = Fix(i, j, float(A[i, j]), target, scale, cur.cr, cr_t, cr_s)
        if best is None or best.cr_scale >= cur.cr - 1e-12:
            break
        steps.append(best)
        changed.add((best.i, best.j))
        cur = ahp(_with(A, best.i, best.j, best.scale_value))
    return steps


def _ratio(x: float, lang: str) -> str:
    """A ratio for a sentence: 2.45, or 1/2.45 below 1 (judgements read as "k times")."""
    if x >= 1:
        return i18n.format_number(x, lang, 0 if abs(x - round(x)) < 1e-9 else 2)
    inv = 1.0 / x
    return "1/" + i18n.format_number(inv, lang, 0 if abs(inv - round(inv)) < 1e-6 else 2)


def judgement_text(a: str, b: str, value: float, lang: str = "en") -> str:
    """``value`` = a[a, b] in words: "«A» is strongly more important than «B» (5)".

    A value below 1 is said the other way round ("«B» is ... than «A» (3)").
    """
    if value < 1:
        a, b, value = b, a, 1.0 / value
    shown = _ratio(value, lang)
    k = min(9, max(1, round(value)))
    if k == 1:
        return i18n.t("ahp.judgement_equal", lang, a=a, b=b, value=shown)
    return i18n.t("ahp.judgement", lang, a=a, b=b, words=i18n.t(f"ahp.more.{k}", lang), value=shown)


def fix_text(fix: Fix, labels: Sequence[str], lang: str = "en") -> str:
    """One sentence: the judgement, what the others imply, the suggested value, the new CR."""
    a, b = labels[fix.i], labels[fix.j]
    now = judgement_text(a, b, fix.current, lang)
    sug = judgement_text(a, b, fix.scale_value, lang)
    return i18n.t(
        "ahp.fix",
        lang,
        now=now,
        implied=_ratio(fix.consistent_value, lang),
        suggested=sug,
        cr_from=i18n.format_number(fix.cr, lang, 3),
        cr_to=i18n.format_number(fix.cr_scale, lang, 3),
    )
