"""How far is the runner-up from the winner? The smallest change of one weight that swaps them.

:func:`flip_weight` finds the smallest change of one weight that lets site B (rank 2)
overtake site A (rank 1), :func:`flip_weight_batch` does it for many companies at once,
and :func:`flip_text` says it in English, Russian or Kazakh. Arrays as in
:mod:`planner.core.robustness`: utilities ``U`` (sites x criteria, 0-1), weights
normalized to sum to 1, ties to the lower index, excluded sites unranked
(:mod:`planner.core.weighted_ranks`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from planner import i18n
from planner.core.ranking import _show
from planner.core.scoring import weighted_sum
from planner.core.weighted_ranks import (
    base_ranks,
    check_utilities,
    check_weight_rows,
    check_weights,
)
from planner.errors import InputError

__all__ = ["FlipBatchResult", "FlipResult", "flip_text", "flip_weight", "flip_weight_batch"]

#: score differences (0-1 scale) this small are ties: a score sums m products of numbers
#: in 0-1 with weights summing to 1, so its rounding error is about m * 1.1e-16, far below
#: this, and a real difference of 1e-10 points changes no decision. A flip must leave the
#: challenger ahead by more than this at the end of the allowed range.
_GAP_TOL = 1e-12
#: decimals a weight in a flip sentence may get (|slope| <= 2, so a flip leaves at least
#: _GAP_TOL / 2 of room between the threshold and 0 or 1: 14 decimals always suffice)
_MAX_DIGITS = 15


@dataclass(frozen=True)
class FlipResult:
    """The smallest single-weight change that lets site ``b`` overtake site ``a``.

    Convention: weight ``criterion`` moves from ``weight_from`` to ``weight_to`` and every
    other weight is rescaled proportionally, ``w_k * (1 - weight_to) / (1 - weight_from)``,
    so the weights still sum to 1. ``weight_to`` is the exact threshold at which the two
    scores are equal; for any weight strictly beyond it (in the direction of ``delta``,
    within the allowed range) ``b`` scores strictly higher than ``a``. Only ``a`` and ``b``
    are compared: at that weight a third site may overtake either of them.

    Attributes
    ----------
    criterion : str
        Criterion key (from the ``criteria`` list).
    weight_from, weight_to : float
        The normalized weight now and at the threshold.
    delta : float
        ``weight_to - weight_from`` (positive: the weight rises). 0 when ``a`` and ``b``
        score exactly the same and ``a`` leads only by list order; then any change in
        the direction ``direction`` swaps them.
    criterion_index : int
        Column of ``criterion`` in ``U``.
    a, b : int
        Row indices of the leader and the challenger.
    direction : int
        +1 when the weight must rise, -1 when it must fall.
    score_gap : float
        ``score_a - score_b`` with the unperturbed weights, in score points (0-100).
    """

    criterion: str
    weight_from: float
    weight_to: float
    delta: float
    criterion_index: int
    a: int
    b: int
    direction: int
    score_gap: float


@dataclass(frozen=True, eq=False)
class FlipBatchResult:
    """:func:`flip_weight_batch` for many companies: arrays of shape (n_companies,).

    ``direction`` is +1 (the weight rises) or -1 (falls), 0 without a flip;
    ``criterion_index`` is -1 (and the floats NaN) where no single weight change within
    the allowed range swaps rank 1 and rank 2, or where a company has fewer than two
    sites that are not excluded (``has_pair`` False). ``a`` and ``b`` are the slots of
    rank 1 and rank 2 (-1 without a pair). ``company(c)`` gives a :class:`FlipResult` or
    None.
    """

    criteria: tuple[str, ...]
    criterion_index: np.ndarray
    weight_from: np.ndarray
    weight_to: np.ndarray
    delta: np.ndarray
    a: np.ndarray
    b: np.ndarray
    direction: np.ndarray
    score_gap: np.ndarray
    has_pair: np.ndarray

    def __len__(self) -> int:
        return self.criterion_index.shape[0]

    def company(self, c: int) -> FlipResult | None:
        """Company ``c`` as a :class:`FlipResult`, or None when no flip exists."""
        j = int(self.criterion_index[c])
        if j < 0:
            return None
        return FlipResult(
            criterion=self.criteria[j],
            weight_from=float(self.weight_from[c]),
            weight_to=float(self.weight_to[c]),
            delta=float(self.delta[c]),
            criterion_index=j,
            a=int(self.a[c]),
            b=int(self.b[c]),
            direction=int(self.direction[c]),
            score_gap=float(self.score_gap[c]),
        )


def flip_weight(
    U: np.ndarray,
    weights: np.ndarray,
    criteria: Sequence[str],
    *,
    a: int | None = None,
    b: int | None = None,
    excluded: np.ndarray | None = None,
    max_relative_change: float | None = None,
) -> FlipResult | None:
    """The smallest change of one weight that lets site ``b`` overtake site ``a``.

    Convention: when weight ``j`` moves from ``w_j`` to ``x``, every other weight is
    rescaled proportionally, ``w_k' = w_k (1 - x) / (1 - w_j)``, so the weights still sum
    to 1. The score difference ``score_b - score_a`` is then linear in ``x``:
    ``D(x) = D0 + (x - w_j) * slope_j`` with ``slope_j = d_j - (D0 - w_j d_j) / (1 - w_j)``
    and ``d = U[b] - U[a]``. For every criterion the threshold ``x* = w_j - D0 / slope_j``
    is kept when it lies inside the allowed range with room beyond it and ``b`` leads by
    more than rounding noise (1e-12 on the 0-1 score scale) at the end of the range, so
    that ``b`` strictly wins past it; the one closest to ``w_j`` is returned (ties: the
    steeper slope, then a rising weight, then the first criterion) once rescoring both
    sites confirms it. Two sites equal on a criterion never swap by raising its weight
    (at weight 1 they tie), so a site dominated on every criterion gets no flip. A
    criterion whose weight is 1 cannot move under this convention and is skipped.

    Parameters
    ----------
    U : array (n_sites, n_crit)
        Utilities 0-1.
    weights : array (n_crit,)
        Non-negative weights, normalized here to sum to 1.
    criteria : sequence of str
        Criterion keys, one per column of ``U``.
    a, b : int, optional
        Row indices of the leader and the challenger; by default the sites ranked 1 and
        2 with ``weights`` (ties: lower index). ``a`` must rank above ``b``.
    excluded : bool array (n_sites,), optional
        Sites that are not ranked (used to find ranks 1 and 2).
    max_relative_change : float, optional
        Allowed range of the new weight: ``w_j * (1 +- max_relative_change)`` clipped to
        [0, 1] (1.0 = within +-100 %). By default anywhere in [0, 1].

    Returns
    -------
    FlipResult or None
        None when no single weight change within the allowed range swaps them.
    """
    U3, excl2 = check_utilities(U, excluded, "flip_weight", batch=False)
    n, m = U3.shape[1:]
    keys = _check_criteria(criteria, m, "flip_weight")
    w = check_weights(weights, m, "flip_weight")
    rel = _check_relative(max_relative_change)
    ranks = base_ranks(U3, w[None, :], excl2)[0]  # as in monte_carlo and the batch
    if (a is None) != (b is None):
        raise InputError(i18n.tr("err.robustness.flip_pair"))
    if a is None:
        eligible = int((~excl2[0]).sum())
        if eligible < 2:
            raise InputError(i18n.tr("err.robustness.flip_few", n=eligible))
        a = int(np.flatnonzero(ranks == 1)[0])
        b = int(np.flatnonzero(ranks == 2)[0])
    else:
        for name, v in (("a", a), ("b", b)):
            if not isinstance(v, int | np.integer) or not 0 <= v < n:
                raise InputError(i18n.tr("err.robustness.flip_row", name=name, value=_show(v),
                                         last=n - 1))  # fmt: skip
            if excl2[0, v]:
                raise InputError(i18n.tr("err.robustness.flip_excluded", name=name, value=v))
        a, b = int(a), int(b)
        if a == b or ranks[a] > ranks[b]:
            raise InputError(i18n.tr("err.robustness.flip_order", a=a, b=b,
                                     rank_a=f"{ranks[a]:.0f}", rank_b=f"{ranks[b]:.0f}"))
    flip = _flip_core(U3[0, [a]], U3[0, [b]], w[None, :], rel)
    j = int(flip["j"][0])
    if j < 0:
        return None
    return FlipResult(
        criterion=keys[j],
        weight_from=float(flip["w_from"][0]),
        weight_to=float(flip["w_to"][0]),
        delta=float(flip["delta"][0]),
        criterion_index=j,
        a=a,
        b=b,
        direction=int(flip["direction"][0]),
        score_gap=float(flip["gap"][0]),
    )


def flip_weight_batch(
    U_top: np.ndarray,
    W: np.ndarray,
    criteria: Sequence[str],
    *,
    excluded: np.ndarray | None = None,
    max_relative_change: float | None = None,
) -> FlipBatchResult:
    """:func:`flip_weight` between rank 1 and rank 2 of every company, vectorized.

    ``U_top`` (n_companies, k, n_crit), ``W`` (n_companies, n_crit), ``excluded``
    (n_companies, k) as in :func:`monte_carlo_batch`; same convention and tie rules as
    :func:`flip_weight`.
    """
    U3, excl2 = check_utilities(U_top, excluded, "flip_weight_batch", batch=True)
    n_comp, k, m = U3.shape
    keys = _check_criteria(criteria, m, "flip_weight_batch")
    W2 = check_weight_rows(W, U3.shape, "flip_weight_batch")
    rel = _check_relative(max_relative_change)
    base = base_ranks(U3, W2, excl2)  # (C, K) float, NaN excluded
    has_pair = (~excl2).sum(axis=1) >= 2
    a = np.where(has_pair, np.argmax(base == 1, axis=1), -1)
    b = np.where(has_pair, np.argmax(base == 2, axis=1), -1)
    rows = np.arange(n_comp)
    flip = _flip_core(U3[rows, np.maximum(a, 0)], U3[rows, np.maximum(b, 0)], W2, rel)
    j = np.where(has_pair, flip["j"], -1)
    none = j < 0
    return FlipBatchResult(
        criteria=tuple(keys),
        criterion_index=j,
        weight_from=np.where(none, np.nan, flip["w_from"]),
        weight_to=np.where(none, np.nan, flip["w_to"]),
        delta=np.where(none, np.nan, flip["delta"]),
        a=a,
        b=b,
        direction=np.where(none, 0, flip["direction"]),
        score_gap=np.where(has_pair, flip["gap"], np.nan),
        has_pair=has_pair,
    )


def flip_text(
    result: FlipResult | None,
    lang: Literal["en", "ru", "kk"] = "en",
    criterion_titles: Mapping[str, str] | None = None,
    *,
    names: tuple[str, str] = ("A", "B"),
) -> str:
    """One sentence for a :class:`FlipResult` (or None), in English, Russian or Kazakh.

    e.g. "B overtakes A if the rail weight rises from 0.10 to above 0.17." The new weight
    is rounded *in the direction of the change* (up when it rises, down when it falls),
    so the sentence stays true after rounding. More decimals are shown (up to 4) when two
    would hide most of a small change, and as many as needed to keep the bound strictly
    inside 0-1 and within 10 % of the room left there: a fall to 0.0072 reads "below
    0.007", never "below 0.00", which no weight can be. Russian and Kazakh use a decimal
    comma.

    Parameters
    ----------
    result : FlipResult or None
    lang : "en", "ru" or "kk"
    criterion_titles : mapping criterion key -> title in ``lang``, optional
        Missing keys fall back to the key itself.
    names : (name of a, name of b)
        How to call the leader and the challenger.

    The text is plain: escape it before putting it into HTML.
    """
    t = i18n.section("flip", lang)  # an unknown language raises InputError
    name_a, name_b = names
    if result is None:
        return t["none"].format(a=name_a, b=name_b)
    title = (criterion_titles or {}).get(result.criterion, result.criterion)
    w0 = _fmt_weight(result.weight_from, 2, lang)
    rising = result.direction > 0
    if abs(result.delta) < 1e-9:
        return t["tie_rise" if rising else "tie_fall"].format(
            a=name_a, b=name_b, title=title, w0=w0
        )
    x = result.weight_to
    room = 1.0 - x if rising else x  # how far the weight can go beyond the threshold
    digits = 2
    while True:
        scale = 10.0**digits
        raw = x * scale
        shown = (math.ceil(raw - 1e-6) if rising else math.floor(raw + 1e-6)) / scale
        off = abs(shown - x)
        inside = shown < 1.0 if rising else shown > 0.0
        if inside and off <= 0.1 * room and (digits >= 4 or off <= 0.1 * abs(result.delta)):
            w1 = _fmt_weight(shown, digits, lang)
            break
        if digits >= _MAX_DIGITS:  # only for a hand-made result: the threshold itself
            w1 = _fmt_weight(x, None, lang)
            break
        digits += 1
    w0 = _fmt_weight(result.weight_from, min(digits, 4), lang)
    return t["rise" if rising else "fall"].format(a=name_a, b=name_b, title=title, w0=w0, w1=w1)


def _flip_core(UA: np.ndarray, UB: np.ndarray, W: np.ndarray, rel: float | None) -> dict:
    """Vectorized flip search: UA, UB, W are (C, M); returns arrays of shape (C,).

    With weight j at x and the others rescaled, ``D(x) = score_b - score_a`` (0-1 scale) is
    linear: ``D(x) = x d_j + (1 - x) R_j``, where ``R_j = D(0)`` is the weighted mean of
    ``d = UB - UA`` over the other criteria. ``D(1) = d_j`` exactly, so two sites equal on
    criterion j never flip by raising it, whatever rounding does to the slope. A flip in a
    direction exists iff ``D`` at that end of the allowed range exceeds :data:`_GAP_TOL`;
    the threshold is where the line through ``(w_j, D0)`` and that end crosses zero. Each
    chosen flip is then checked by rescoring both sites just past the threshold and at
    the end of the range; a candidate that fails is dropped and the next one is taken.
    """
    C, m = W.shape
    d = UB - UA
    # score_b - score_a; a ranks first, so a positive value is rounding noise
    D0 = np.minimum(np.einsum("cj,cj->c", W, d), 0.0)[:, None]
    # leave-one-out sums without cancellation (no "total - own term"): R_j stays accurate
    # even when 1 - w_j is tiny
    R = _sum_others(W * d) / np.maximum(_sum_others(W), np.finfo(float).tiny)
    movable = 1.0 - W > 1e-12
    if rel is None:
        lo, hi = np.zeros_like(W), np.ones_like(W)
    else:
        lo, hi = np.maximum(0.0, W * (1.0 - rel)), np.minimum(1.0, W * (1.0 + rel))
    D_hi = hi * d + (1.0 - hi) * R
    D_lo = lo * d + (1.0 - lo) * R
    rising = D_hi > D_lo
    end = np.where(rising, hi, lo)
    D_end = np.where(rising, D_hi, D_lo)
    wins = movable & (D_end > _GAP_TOL)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(wins, -D0 / np.where(wins, D_end - D0, 1.0), np.nan)  # in [0, 1)
    x = W + (end - W) * t
    ok = wins & np.where(rising, x < end, x > end)  # room beyond x* inside the range
    slope = d - R  # dD/dx
    idx = np.broadcast_to(np.arange(m), W.shape)
    rows = np.arange(C)
    while True:
        dist = np.where(ok, np.abs(x - W), np.inf)
        # rounded keys: equal changes that differ by float noise are ties for the rules after
        order = np.lexsort(
            (idx, ~rising, -np.round(np.abs(slope), 12), np.round(dist, 12)), axis=-1
        )
        j = order[:, 0]
        found = np.isfinite(dist[rows, j])
        c = rows[found]
        if c.size == 0:
            break
        jc = j[found]
        xc, ec = x[c, jc], end[c, jc]
        near = np.maximum(1e-9, 1e-6 * np.abs(xc - W[c, jc]))
        # at least the step that predicts a lead of _GAP_TOL, so that rounding cannot
        # decide the check; at most the room to the end (where the lead is D_end)
        with np.errstate(divide="ignore"):
            near = np.maximum(near, _GAP_TOL / np.abs(slope[c, jc]))
        step = np.minimum(near, np.abs(ec - xc))
        sign = np.where(rising[c, jc], 1.0, -1.0)
        good = _b_wins(UA[c], UB[c], W[c], jc, xc + sign * step) & _b_wins(
            UA[c], UB[c], W[c], jc, ec
        )
        if good.all():
            break
        ok[c[~good], jc[~good]] = False
    return {
        "j": np.where(found, j, -1),
        "w_from": W[rows, j],
        "w_to": x[rows, j],
        "delta": x[rows, j] - W[rows, j],
        "direction": np.where(rising[rows, j], 1, -1),
        "gap": -100.0 * D0[:, 0],
    }


def _sum_others(A: np.ndarray) -> np.ndarray:
    """``out[:, j] = sum over k != j of A[:, k]``, from prefix and suffix sums."""
    before = np.zeros_like(A)
    after = np.zeros_like(A)
    np.cumsum(A[:, :-1], axis=1, out=before[:, 1:])
    after[:, :-1] = np.cumsum(A[:, :0:-1], axis=1)[:, ::-1]
    return before + after


def _b_wins(UA: np.ndarray, UB: np.ndarray, W: np.ndarray, j: np.ndarray, x: np.ndarray):
    """Rescore: does b score strictly above a with weight ``j`` moved to ``x`` (per row)?"""
    rows = np.arange(W.shape[0])
    w2 = W * ((1.0 - x) / (1.0 - W[rows, j]))[:, None]
    w2[rows, j] = x
    per_row = [w2[:, k] for k in range(W.shape[1])]  # each row has its own weights
    # criterion by criterion, as the ranking kernel sums
    return weighted_sum(UB, per_row) > weighted_sum(UA, per_row)


def _check_relative(rel) -> float | None:
    if rel is None:
        return None
    try:
        r = float(rel)
    except (TypeError, ValueError) as exc:
        raise InputError(i18n.tr("err.robustness.relative_type", value=_show(rel))) from exc
    if not (math.isfinite(r) and r >= 0):
        raise InputError(i18n.tr("err.robustness.relative_range", value=_show(rel)))
    return r


def _check_criteria(criteria: Sequence[str], m: int, fn: str) -> list[str]:
    keys = [str(c) for c in criteria]
    if len(keys) != m:
        raise InputError(i18n.tr("err.robustness.criteria_len", fn=fn, n=len(keys), m=m))
    return keys


def _fmt_weight(value: float, digits: int | None, lang: str) -> str:
    """``digits`` decimals (None: every significant digit); a decimal comma in ru and kk."""
    return i18n.format_number(value, lang, digits)
