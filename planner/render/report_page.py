"""What the sections of the HTML comparison report show, as data for its templates.

Each function returns plain values (texts, numbers already formatted) for one section of
``templates/report/*.html.j2``: the header, the summary, the bar chart (inline SVG), the
table, the score cards, the robustness section and the scenario section. The templates
escape every value (autoescape); nothing here makes HTML.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from planner import i18n
from planner.core.compare import Comparison
from planner.core.verdicts import need_text as _need_text
from planner.render.colors import criterion_color, ink
from planner.render.map_data import provenance_lines, zone_names
from planner.render.report_table import matrix_rows, site_headers
from planner.render.report_text import num

__all__ = ["page_context"]

#: bar chart geometry (SVG user units): label column, bar, total column, row height, top
_LABEL_W, _BAR_W, _TOTAL_W, _ROW_H, _TOP = 250, 560, 60, 30, 26
_LABEL_MAX = 34  # characters of a site's label beside its bar


def _provenance(c: Comparison, lang: str) -> str:
    return " ".join(provenance_lines(c.layers, lang))


def _header(c: Comparison, lang: str, t: dict) -> dict:
    sc = c.scenario
    company = None
    if c.company is not None:
        co = c.company
        land = (
            f"{num(co.land_ha, 1, lang)} {i18n.label('ha', lang)}"
            if math.isfinite(co.land_ha)
            else None
        )
        company = {"name": co.name, "id": co.company_id, "sector": co.sector, "land": land}
    return {
        "subtitle": t["subtitle"].format(n=len(c.scored)),
        "scenario": sc.name,
        "scenario_title": sc.title(lang),
        "hash": sc.hash,
        "as_of": i18n.format_date(c.as_of, lang),
        "also_as_of": i18n.format_date(c.also.as_of, lang) if c.also is not None else None,
        "company": company,
        "weights_hash": c.effective_hash,
        "provenance": _provenance(c, lang),
    }


def _summary(c: Comparison, lang: str) -> dict:
    items = [
        {"number": c.number(int(i)), "name": c.names[lang][i], "verdict": c.verdicts[lang][i]}
        for i in c.order
    ]
    lines = [c.robustness_texts[lang][0], c.flip_texts[lang]]
    if c.also is not None:
        lines.append(c.also.summary[lang])
    return {"verdicts": items, "lines": lines}


def chart_data(c: Comparison, lang: str) -> dict:
    """Stacked horizontal bars: each site's points by criterion on a 0-100 scale."""
    s = c.scored.iloc[c.order]
    heads = site_headers(c, lang)
    height = _TOP + _ROW_H * len(c.order) + 8
    rows = []
    for row, i in enumerate(c.order):
        y = _TOP + row * _ROW_H
        badge, name, _ = heads[row]
        label = f"{badge}. {name}"
        if len(label) > _LABEL_MAX:
            label = label[: _LABEL_MAX - 1] + "\u2026"
        x, segs = float(_LABEL_W), []
        for k in c.criteria:
            pts = float(s[f"c_{k}"].iloc[row]) if pd.notna(s[f"c_{k}"].iloc[row]) else 0.0
            w = _BAR_W * max(pts, 0.0) / 100
            if w <= 0:
                continue
            color = criterion_color(k)
            segs.append(
                {
                    "x": f"{x:.2f}",
                    "w": f"{w:.2f}",
                    "mid": f"{x + w / 2:.2f}",
                    "key": k,
                    "color": color,
                    "ink": ink(color),
                    "value": num(pts, 0, lang) if w >= 26 else None,
                    "title": f"{i18n.criterion_label(k, lang)}: {num(pts, 1, lang)}",
                }
            )
            x += w
        rows.append(
            {
                "y": y,
                "text_y": f"{y + _ROW_H / 2 + 4:.1f}",
                "label": label,
                "name": name,
                "dim": not bool(c.eligible[i]),
                "segs": segs,
                "total": num(float(s["score"].iloc[row]), 1, lang),
            }
        )
    ticks = [
        {"x": f"{_LABEL_W + _BAR_W * tick / 100:.1f}", "label": tick} for tick in range(0, 101, 20)
    ]
    legend = [
        {
            "color": criterion_color(k),
            "label": f"{i18n.criterion_label(k, lang)} ({num(100 * c.weights[k], 0, lang)}%)",
        }
        for k in c.criteria
    ]
    return {
        "width": _LABEL_W + _BAR_W + _TOTAL_W,
        "height": height,
        "top": _TOP,
        "row_h": _ROW_H,
        "label_x": _LABEL_W - 8,
        "total_x": _LABEL_W + _BAR_W + 6,
        "ticks": ticks,
        "rows": rows,
        "legend": legend,
    }


def _table(c: Comparison, lang: str) -> dict:
    heads = [
        {
            "number": None if badge == "\u00d7" else int(badge),
            "name": name,
            "id": sid if sid != name else None,
        }
        for badge, name, sid in site_headers(c, lang)
    ]
    rows = []
    for row in matrix_rows(c, lang):
        kind = "txt" if row.key in ("verdict", "zone") else "num"
        cells = [
            {
                "cls": kind + (" best" if row.best[j] else ""),
                "text": shown,
                "points": num(row.points[j], 1, lang) if row.points is not None else None,
            }
            for j, shown in enumerate(row.display)
        ]
        rows.append(
            {"key": row.key, "label": row.label, "total": row.key == "score", "cells": cells}
        )
    return {"heads": heads, "many": len(heads) > 6, "rows": rows}


def _needs(c: Comparison, site_id: str, lang: str) -> list[dict] | None:
    if c.company is None or c.needs is None:
        return None
    out = []
    for rw in c.needs[c.needs["site_id"] == site_id].itertuples():
        unknown = pd.isna(rw.met)
        out.append(
            {
                "cls": "unk" if unknown else ("met" if rw.met else "fail"),
                "mark": "?" if unknown else ("\u2713" if rw.met else "\u2717"),
                "text": _need_text(rw.need, rw.required, rw.value, lang),
            }
        )
    return out


def _card_facts(c: Comparison, i: int, row, lang: str, t: dict, names: dict) -> list[tuple]:
    """The (term, value) pairs of one score card."""
    num_ = c.number(int(i))
    n_el = int(c.eligible.sum())
    zid = str(row["zone_id"])
    zone = (
        f"{names.get(zid, zid)} ({i18n.status_label(str(row['zone_status']), lang)})"
        if zid
        else i18n.label("no_zone", lang)
    )
    facts = [
        (t["rank"], t["not_ranked"] if num_ is None else t["rank_of"].format(rank=num_, n=n_el)),
        (t["zone"], zone),
    ]
    if str(row["sez_status"]) != "none":
        facts.append((t["sez"], i18n.status_label(str(row["sez_status"]), lang)))
    ha = i18n.label("ha", lang)
    facts.append(
        (t["area"], f"{num(row['area_ha'], 0, lang)} / {num(row['free_ha'], 1, lang)} {ha}")
    )
    if c.eligible[i]:
        mc = c.monte_carlo
        facts.append(
            (
                t["p_first"],
                f"{num(100 * mc.p_first[i], 0, lang)}% \u00b7 "
                f"{t['rank_range']}: {int(mc.rank_p5[i])}\u2013{int(mc.rank_p95[i])}",
            )
        )
    if c.also is not None:
        r2 = c.also.rank[i]
        facts.append(
            (
                t["rank_at"].format(date=i18n.format_date(c.also.as_of, lang)),
                (t["not_ranked"] if pd.isna(r2) else str(int(r2)))
                + f" ({num(c.also.scored['score'].iloc[i], 1, lang)})",
            )
        )
    return facts


def _cards(c: Comparison, lang: str, t: dict) -> list[dict]:
    names = zone_names(c.layers, lang)
    why_col = f"why_{lang}" if f"why_{lang}" in c.scored.columns else "why_ru"
    cards = []
    for i in c.order:
        row = c.scored.iloc[i]
        sub = (
            f"{row['site_id']} \u00b7 {row['site_source']} \u00b7 "
            f"{num(row['lat'], 5, 'en')}, {num(row['lon'], 5, 'en')}"
        )
        cards.append(
            {
                "eligible": bool(c.eligible[i]),
                "number": c.number(int(i)),
                "name": c.names[lang][i],
                "sub": sub,
                "score": num(row["score"], 1, lang),
                "facts": _card_facts(c, i, row, lang, t, names),
                "needs": _needs(c, str(row["site_id"]), lang),
                "verdict": c.verdicts[lang][i],
                "why": str(row.get(why_col, "") or ""),
            }
        )
    return cards


def _robustness(c: Comparison, lang: str, t: dict) -> dict:
    also = None
    if c.also is not None:
        a = c.also
        rows = []
        for i in c.order:
            ch = a.changes.iloc[i]
            rows.append(
                {
                    "moved": bool(ch["moved"]),
                    "name": c.names[lang][i],
                    "rank_from": t["not_ranked"]
                    if pd.isna(ch["rank_from"])
                    else str(int(ch["rank_from"])),
                    "rank_to": t["not_ranked"]
                    if pd.isna(ch["rank_to"])
                    else str(int(ch["rank_to"])),
                    "score_from": num(ch["score_from"], 1, lang),
                    "score_to": num(ch["score_to"], 1, lang),
                    "why": a.reasons[lang][i],
                }
            )
        also = {
            "title": t["robust_time"].format(date=i18n.format_date(a.as_of, lang)),
            "headline": a.headline[lang],
            "rows": rows,
        }
    methods = None
    if c.methods is not None:
        methods = {"lines": c.methods.texts[lang], "changes": c.methods.leader_changes}
    return {"mc": c.robustness_texts[lang], "flip": c.flip_texts[lang], "also": also,
            "methods": methods}  # fmt: skip


def _scenario(c: Comparison, lang: str, t: dict) -> dict:
    from planner._version import __version__

    sc = c.scenario
    weights = [
        {
            "color": criterion_color(k),
            "label": i18n.criterion_label(k, lang),
            "key": k,
            "scenario": num(sc.weights.get(k, 0.0), 3, lang),
            "used": num(c.weights[k], 3, lang),
        }
        for k in c.criteria
    ]
    needs = sc.needs.model_dump()
    draws = t["draws_note"].format(
        draws=i18n.format_number(c.draws, lang, grouping=True),
        lo=num(1 - c.spread, 2, lang),
        hi=num(1 + c.spread, 2, lang),
        seed=c.seed,
    )
    return {
        "description": sc.description_in(lang),
        "weights": weights,
        "needs": ", ".join(f"{k} = {_need_value(v, lang)}" for k, v in needs.items()
                           if v is not None),  # fmt: skip
        "draws": draws,
        "generated": t["generated"].format(version=__version__, fp=c.layers.fingerprint()),
    }


def page_context(c: Comparison, lang: str, t: dict[str, str]) -> dict[str, Any]:
    """Everything ``templates/report/*.html.j2`` show, for ``lang`` with labels ``t``."""
    return {
        "lang": lang,
        "t": t,
        "header": _header(c, lang, t),
        "summary": _summary(c, lang),
        "chart": chart_data(c, lang),
        "table": _table(c, lang),
        "cards": _cards(c, lang, t),
        "robustness": _robustness(c, lang, t),
        "scenario": _scenario(c, lang, t),
    }


def _need_value(value, lang: str) -> str:
    """A scenario need's value as the language writes numbers (Babel); other values as is."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return i18n.format_number(value, lang, significant=6)
    return str(value)
