"""The comparison table: one :class:`MatrixRow` per line, one cell per site.

The rows, in order: each criterion (raw value and points), the total score, the rank, the
zone, the land, the company's hard needs (with a company), the share of Monte Carlo draws a
site ranks first, its rank range, the rank and score at the second date (with one), the
rank under each aggregation method (WLC, TOPSIS, PROMETHEE II), and the verdict. The
HTML report, the terminal table and the spreadsheet all read these rows.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd

from planner import i18n
from planner.config.scenarios import CRITERIA as CRITERION_COLUMNS
from planner.core.compare import NEED_KEYS, Comparison
from planner.render.map_data import zone_names
from planner.render.report_text import num, text

__all__ = ["MatrixRow", "comparison_matrix", "matrix_rows", "site_headers"]


@dataclasses.dataclass(frozen=True)
class MatrixRow:
    """One row of the comparison table, cells in display order (:attr:`Comparison.order`).

    ``kind``: ``km`` / ``status`` (a criterion: ``values`` raw, ``points`` its points),
    ``score``, ``rank``, ``text``, ``pct``, ``need``. ``display`` holds the text shown;
    ``best`` marks the best cell(s) of the row.
    """

    key: str
    label: str
    kind: str
    values: list[Any]
    display: list[str]
    points: list[float] | None
    best: list[bool]


def _best_mask(values: np.ndarray, usable: np.ndarray, higher: bool = True) -> list[bool]:
    v = np.where(usable & np.isfinite(values), values if higher else -values, -np.inf)
    if not np.isfinite(v).any():
        return [False] * len(values)
    top = v.max()
    mask = np.isfinite(v) & (np.abs(v - top) <= 1e-9)
    finite = v[np.isfinite(v)]
    if mask.sum() == len(finite) and len(finite) > 1:  # everyone equal: nothing stands out
        return [False] * len(values)
    return mask.tolist()


@dataclasses.dataclass(frozen=True)
class _View:
    """The comparison as the table shows it: sites in display order, texts in ``lang``."""

    c: Comparison
    lang: str
    t: dict[str, str]
    s: pd.DataFrame  # scored sites in display order
    eligible: np.ndarray  # in display order

    @property
    def n(self) -> int:
        return len(self.s)

    def text_row(self, key: str, label: str, values: list, display: list[str]) -> MatrixRow:
        return MatrixRow(key, label, "text", values, display, None, [False] * self.n)

    def rank_row(self, key: str, label: str, rank: np.ndarray, n_ranked: int) -> MatrixRow:
        t = self.t
        shown = [
            t["not_ranked"] if pd.isna(r) else t["rank_of"].format(rank=int(r), n=n_ranked)
            for r in rank
        ]
        values = [None if pd.isna(r) else int(r) for r in rank]
        best = [bool(r == 1) if not pd.isna(r) else False for r in rank]
        return MatrixRow(key, label, "rank", values, shown, None, best)

    def score_row(self, key: str, label: str, score: np.ndarray, eligible) -> MatrixRow:
        shown = [num(v, 1, self.lang) for v in score]
        return MatrixRow(
            key, label, "score", score.tolist(), shown, None, _best_mask(score, eligible)
        )


def _criterion_row(v: _View, k: str, usable: np.ndarray) -> MatrixRow:
    c, s, lang = v.c, v.s, v.lang
    col = CRITERION_COLUMNS[k]
    pts = s[f"c_{k}"].to_numpy("f8", na_value=np.nan)
    label = f"{i18n.criterion_label(k, lang)} ({num(100 * c.weights[k], 0, lang)}%)"
    if col.endswith("_km"):
        vals = s[col].to_numpy("f8", na_value=np.nan)
        disp = [f"{num(x, 1, lang)} {i18n.label('km', lang)}" for x in vals]
        if k == "almaty":
            in_alm = s["in_almaty"].to_numpy(dtype=bool)
            disp = [
                d + (f" ({v.t['in_almaty']})" if a else "")
                for d, a in zip(disp, in_alm, strict=True)
            ]
        return MatrixRow(k, label, "km", vals.tolist(), disp, pts.tolist(), _best_mask(pts, usable))
    if col.endswith("_min"):  # travel time by road
        vals = s[col].to_numpy("f8", na_value=np.nan)
        disp = [f"{num(x, 0 if x >= 10 else 1, lang)} {i18n.label('min', lang)}"
                if np.isfinite(x) else "\u2014" for x in vals]  # fmt: skip
        return MatrixRow(k, label, "min", vals.tolist(), disp, pts.tolist(),
                         _best_mask(pts, usable))  # fmt: skip
    st = s["zone_status"].astype(str).tolist()
    sez = s["sez_status"].astype(str).tolist()
    zid = s["zone_id"].astype(str).tolist()
    disp = [
        (i18n.status_label(a, lang) if z or a != "none" else i18n.label("no_zone", lang))
        + (f"; {v.t['sez']}: {i18n.status_label(b, lang)}" if b != "none" else "")
        for a, b, z in zip(st, sez, zid, strict=True)
    ]
    return MatrixRow(k, label, "status", st, disp, pts.tolist(), _best_mask(pts, usable))


def _site_rows(v: _View) -> list[MatrixRow]:
    """Total, rank, zone and land."""
    c, s, t, lang = v.c, v.s, v.t, v.lang
    rows = [
        v.score_row("score", t["score"], s["score"].to_numpy("f8"), v.eligible),
        v.rank_row("rank", t["rank"], c.rank[c.order], int(c.eligible.sum())),
    ]
    names = zone_names(c.layers, lang)
    zid = s["zone_id"].astype(str).tolist()
    rows.append(
        v.text_row(
            "zone",
            t["zone"],
            zid,
            [names.get(z, z) if z else i18n.label("no_zone", lang) for z in zid],
        )
    )
    free = s["free_ha"].to_numpy("f8", na_value=np.nan)
    area = s["area_ha"].to_numpy("f8", na_value=np.nan)
    ha = i18n.label("ha", lang)
    shown = [f"{num(a, 0, lang)} / {num(f, 1, lang)} {ha}" for a, f in zip(area, free, strict=True)]
    rows.append(v.text_row("free_ha", t["area"], free.tolist(), shown))
    return rows


def _need_row(v: _View, key: str, sub: pd.DataFrame) -> MatrixRow:
    """One hard need of the company: met / failed / unknown and the site's value."""
    t, lang = v.t, v.lang
    req = float(sub["required"].iloc[0])
    if key == "in_almaty":
        label = f"{t['need_in_almaty']}: {t['not_allowed']}"
    else:
        label = f"{t[f'need_{key}']}: {num(req, 1, lang)}"
    vals, disp = [], []
    for sid in v.s["site_id"].astype(str).tolist():
        met = sub.at[sid, "met"]
        value = float(sub.at[sid, "value"])
        mark = "?" if pd.isna(met) else ("\u2713" if met else "\u2717")
        if key == "in_almaty":
            shown = t["inside"] if value else t["outside"]
        elif key == "land" and not math.isfinite(value):
            shown = t["unknown"]
        else:
            shown = num(value, 1, lang)
        vals.append(None if pd.isna(met) else bool(met))
        disp.append(f"{mark} {shown}")
    return MatrixRow(f"need_{key}", label, "need", vals, disp, None, [False] * v.n)


def _need_rows(v: _View) -> list[MatrixRow]:
    c = v.c
    if c.company is None or c.needs is None:
        return []
    rows = []
    for key in NEED_KEYS:
        sub = c.needs[c.needs["need"] == key].set_index("site_id")
        if not sub.empty:
            rows.append(_need_row(v, key, sub))
    return rows


def _robustness_rows(v: _View) -> list[MatrixRow]:
    """Share of draws ranked first, rank range; rank and score at the second date."""
    c, t, lang, o = v.c, v.t, v.lang, v.c.order
    mc = c.monte_carlo
    p = mc.p_first[o]
    shown = [
        f"{num(100 * x, 0, lang)}%" if e else t["none"] for x, e in zip(p, v.eligible, strict=True)
    ]
    rows = [
        MatrixRow(
            "p_first", t["p_first"], "pct", p.tolist(), shown, None, _best_mask(p, v.eligible)
        )
    ]
    lo, hi = mc.rank_p5[o], mc.rank_p95[o]
    values = [f"{int(a)}-{int(b)}" if np.isfinite(a) else "" for a, b in zip(lo, hi, strict=True)]
    shown = [
        f"{int(a)}\u2013{int(b)}" if np.isfinite(a) else t["none"]
        for a, b in zip(lo, hi, strict=True)
    ]
    rows.append(v.text_row("rank_range", t["rank_range"], values, shown))
    if c.also is not None:
        d2 = i18n.format_date(c.also.as_of, lang)
        rows.append(
            v.rank_row(
                "rank_also",
                t["rank_at"].format(date=d2),
                c.also.rank[o],
                int(c.also.eligible.sum()),
            )
        )
        s2 = c.also.scored["score"].to_numpy("f8")[o]
        rows.append(
            v.score_row("score_also", t["score_at"].format(date=d2), s2, c.also.eligible[o])
        )
    return rows


def _method_rows(v: _View) -> list[MatrixRow]:
    """The rank under each aggregation method (the scenario's marked)."""
    c, t, lang = v.c, v.t, v.lang
    mr = c.methods
    if mr is None:
        return []
    rows = []
    for m in mr.methods:
        label = t["rank_by"].format(method=i18n.t(f"method.{m}", lang))
        if m == mr.scenario_method:
            label += f" ({t['method_scenario']})"
        rows.append(v.rank_row(f"rank_{m}", label, mr.ranks[m][c.order], int(c.eligible.sum())))
    return rows


def matrix_rows(comparison: Comparison, lang: str = "ru") -> list[MatrixRow]:
    """The comparison table: criteria (value + points), total, rank, zone, needs, robustness,
    the second date and the verdict, with the best cell of each row marked."""
    c = comparison
    v = _View(c, lang, text(lang), c.scored.iloc[c.order], c.eligible[c.order])
    # best values among the usable sites: eligible ones (not excluded, the company's needs met)
    usable = v.eligible if v.eligible.any() else ~v.s["excluded"].to_numpy(dtype=bool)
    rows = [_criterion_row(v, k, usable) for k in c.criteria]
    rows += _site_rows(v) + _need_rows(v) + _robustness_rows(v) + _method_rows(v)
    verdicts = [c.verdicts[lang][i] for i in c.order]
    rows.append(v.text_row("verdict", v.t["verdict"], verdicts, verdicts))
    return rows


def site_headers(comparison: Comparison, lang: str) -> list[tuple[str, str, str]]:
    """(badge, name, site_id) per site in display order; badge = rank or "x"."""
    out = []
    for i in comparison.order:
        number = comparison.number(int(i))
        out.append(
            (
                "\u00d7" if number is None else str(number),
                comparison.names[lang][i],
                str(comparison.scored["site_id"].iloc[i]),
            )
        )
    return out


def _rounded(values, digits: int) -> list:
    return [None if not np.isfinite(x) else round(x, digits) for x in values]


def comparison_matrix(comparison: Comparison, lang: str = "ru") -> pd.DataFrame:
    """The comparison table for a spreadsheet: one row per value (criteria give a value row
    and a points row), one column per site (``#<position> <name>``), numbers as numbers."""
    t = text(lang)
    heads = [f"#{p} {name}" for p, (_, name, _) in enumerate(site_headers(comparison, lang), 1)]
    recs: list[list[Any]] = []
    labels: list[str] = []
    for row in matrix_rows(comparison, lang):
        if row.kind in ("km", "min"):
            labels.append(f"{row.label}, {i18n.label(row.kind, lang)}")
            recs.append(_rounded(row.values, 3))
        elif row.kind in ("score", "pct"):
            labels.append(row.label)
            recs.append(_rounded(row.values, 4))
        else:
            labels.append(row.label)
            recs.append(list(row.values if row.kind == "rank" else row.display))
        if row.points is not None:
            labels.append(f"{row.label}, {t['points']}")
            recs.append(_rounded(row.points, 3))
    data = {t["criterion"]: labels}
    for j, head in enumerate(heads):
        data[head] = pd.array([r[j] for r in recs], dtype=object)
    return pd.DataFrame(data)
