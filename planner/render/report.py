"""Rendering of a site comparison (:class:`planner.core.compare.Comparison`).

Three outputs of the same content:

* :func:`terminal_renderables`: a rich table (rows = criteria, columns = sites, the best
  value of each row highlighted) and the verdict and robustness lines, for the terminal;
* :func:`render_report` / :func:`write_report`: one self-contained HTML file that works
  offline and prints on A4: the map of :func:`planner.render.maps.build_map` (Leaflet inlined,
  Content-Security-Policy, data as escaped JSON) with the report around it: score cards,
  a stacked-bar chart of each site's points (inline SVG made here), the comparison table,
  the robustness results, the scenario with its hash and the as-of date, and the
  data-provenance note;
* :func:`comparison_matrix` / :func:`write_xlsx`: the table as a spreadsheet through
  :func:`planner.render.outputs.write_table` (formula-safe cells).

Every user string (site names and ids, company names, scenario texts) is HTML-escaped
here before it reaches the page; the page has no script of its own apart from a fixed one
that redraws the map for printing, so no user text ever reaches JavaScript except as the
map's JSON payload, which :mod:`planner.render.maps` escapes.
"""

from __future__ import annotations

import html
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from branca.element import MacroElement

from planner import i18n
from planner._atomic import atomic_output, check_writable
from planner.config.scenarios import CRITERIA as CRITERION_COLUMNS
from planner.core.compare import NEED_KEYS, Comparison, _need_text
from planner.errors import InputError, OutputError
from planner.render import assets as _assets

__all__ = [
    "REPORT_CSS",
    "CRITERION_COLORS",
    "MatrixRow",
    "matrix_rows",
    "comparison_matrix",
    "terminal_renderables",
    "chart_svg",
    "build_report_map",
    "render_report",
    "write_report",
    "write_xlsx",
    "check_outputs",
    "run_compare",
]

log = logging.getLogger(__name__)

#: one colour per criterion (Paul Tol's muted scheme + 3), alternating dark and light so
#: that neighbouring segments stay apart in black-and-white print
CRITERION_COLORS = {
    "interchange": "#332288",
    "bakad": "#88CCEE",
    "zone": "#117733",
    "almaty": "#DDCC77",
    "gate_city": "#AA4499",
    "konaev": "#CC6677",
    "zone_proximity": "#44AA99",
    "rail": "#882255",
    "highway": "#999933",
    "airport": "#E69F00",
    "khorgos": "#6699CC",
    "housing": "#BBBBBB",
}

_L: dict[str, dict[str, str]] = {
    "en": {
        "title": "Comparison of sites",
        "subtitle": "{n} candidate sites, Almaty Region",
        "scenario": "Scenario",
        "hash": "hash",
        "weights_hash": "weights used, hash",
        "as_of": "As of",
        "also_as_of": "Also as of",
        "company": "Company",
        "sector": "sector",
        "land": "land",
        "summary": "Summary",
        "map": "Map",
        "map_caption": "Numbers are the ranks in this comparison; grey dots are sites that "
        "are excluded or do not meet the company's needs.",
        "cards": "Score cards",
        "chart": "Points by criterion",
        "chart_caption": "Each bar is a site's score (0-100) split into the points of each "
        "criterion; the numbers in the segments are points.",
        "table": "Comparison table",
        "table_caption": "Raw value and points per criterion; the best value of each row is "
        "bold and marked \u2605.",
        "robustness": "Robustness",
        "robust_mc": "Weights varied at random",
        "robust_flip": "Smallest single weight change that swaps the two best sites",
        "robust_time": "The same comparison as of {date}",
        "scenario_data": "Scenario and data",
        "criterion": "Criterion",
        "weight": "Weight",
        "weight_scenario": "Scenario weight",
        "weight_used": "Weight used",
        "points": "points",
        "score": "Score",
        "rank": "Rank",
        "rank_of": "{rank} of {n}",
        "not_ranked": "not ranked",
        "zone": "Zone",
        "zone_status": "Zone status",
        "sez": "SEZ",
        "area": "Area / free land",
        "needs": "Company needs",
        "p_first": "First in draws",
        "rank_range": "Rank range (5th-95th percentile)",
        "rank_at": "Rank as of {date}",
        "score_at": "Score as of {date}",
        "verdict": "Verdict",
        "why": "Why",
        "site": "Site",
        "source": "Source",
        "coords": "lat, lon",
        "needs_scenario": "Scenario needs",
        "provenance": "Data",
        "generated": "Made with planner {version}; layers fingerprint {fp}.",
        "eligible_no": "not eligible",
        "in_almaty": "inside Almaty",
        "none": "\u2013",
        "met": "met",
        "failed": "failed",
        "unknown": "unknown",
        "need_land": "Land (ha)",
        "need_rail": "Rail within (km)",
        "need_hazard": "From housing (km)",
        "need_max_dist_almaty": "To Almaty at most (km)",
        "need_in_almaty": "Inside Almaty",
        "not_allowed": "not allowed",
        "inside": "inside",
        "outside": "outside",
        "moves_site": "Site",
        "moves_rank": "Rank",
        "moves_score": "Score",
        "moves_why": "What changed",
        "draws_note": "{draws} draws, each weight x{lo}-{hi}, seed {seed}",
    },
    "ru": {
        "title": "Сравнение площадок",
        "subtitle": "Площадок: {n}, Алматинская область",
        "scenario": "Сценарий",
        "hash": "хеш",
        "weights_hash": "применённые веса, хеш",
        "as_of": "Дата оценки",
        "also_as_of": "Также на дату",
        "company": "Компания",
        "sector": "отрасль",
        "land": "земля",
        "summary": "Итоги",
        "map": "Карта",
        "map_caption": "Номера \u2014 места в этом сравнении; серые точки \u2014 площадки, "
        "которые исключены или не отвечают требованиям компании.",
        "cards": "Карточки площадок",
        "chart": "Баллы по критериям",
        "chart_caption": "Каждая полоса \u2014 балл площадки (0-100), разложенный на баллы "
        "критериев; числа в сегментах \u2014 баллы.",
        "table": "Таблица сравнения",
        "table_caption": "Значение и баллы по каждому критерию; лучшее значение строки "
        "выделено жирным и знаком \u2605.",
        "robustness": "Устойчивость",
        "robust_mc": "Случайное изменение весов",
        "robust_flip": "Наименьшее изменение одного веса, меняющее местами две лучшие площадки",
        "robust_time": "То же сравнение на {date}",
        "scenario_data": "Сценарий и данные",
        "criterion": "Критерий",
        "weight": "Вес",
        "weight_scenario": "Вес в сценарии",
        "weight_used": "Применённый вес",
        "points": "баллы",
        "score": "Балл",
        "rank": "Место",
        "rank_of": "{rank} из {n}",
        "not_ranked": "вне рейтинга",
        "zone": "Зона",
        "zone_status": "Статус зоны",
        "sez": "СЭЗ",
        "area": "Площадь / свободно",
        "needs": "Требования компании",
        "p_first": "Первая в вариантах",
        "rank_range": "Диапазон мест (5-95-й процентиль)",
        "rank_at": "Место на {date}",
        "score_at": "Балл на {date}",
        "verdict": "Вывод",
        "why": "Почему",
        "site": "Площадка",
        "source": "Источник",
        "coords": "широта, долгота",
        "needs_scenario": "Требования сценария",
        "provenance": "Данные",
        "generated": "Подготовлено planner {version}; отпечаток слоёв {fp}.",
        "eligible_no": "не подходит",
        "in_almaty": "в Алматы",
        "none": "\u2013",
        "met": "выполнено",
        "failed": "не выполнено",
        "unknown": "неизвестно",
        "need_land": "Земля (га)",
        "need_rail": "Ж/д не дальше (км)",
        "need_hazard": "От жилья не ближе (км)",
        "need_max_dist_almaty": "До Алматы не дальше (км)",
        "need_in_almaty": "В черте Алматы",
        "not_allowed": "нельзя",
        "inside": "в черте",
        "outside": "вне черты",
        "moves_site": "Площадка",
        "moves_rank": "Место",
        "moves_score": "Балл",
        "moves_why": "Что изменилось",
        "draws_note": "{draws} вариантов, каждый вес x{lo}-{hi}, seed {seed}",
    },
    "kk": {
        "title": "Алаңдарды салыстыру",
        "subtitle": "Алаңдар: {n}, Алматы облысы",
        "scenario": "Сценарий",
        "hash": "хеш",
        "weights_hash": "қолданылған салмақтар, хеш",
        "as_of": "Бағалау күні",
        "also_as_of": "Сондай-ақ күні",
        "company": "Компания",
        "sector": "сала",
        "land": "жер",
        "summary": "Қорытынды",
        "map": "Карта",
        "map_caption": "Нөмірлер \u2014 осы салыстырудағы орындар; сұр нүктелер \u2014 алынып "
        "тасталған немесе компания талаптарына сай емес алаңдар.",
        "cards": "Алаң карточкалары",
        "chart": "Критерийлер бойынша ұпайлар",
        "chart_caption": "Әр жолақ \u2014 алаңның балы (0-100), критерийлердің ұпайларына "
        "бөлінген; сегменттердегі сандар \u2014 ұпайлар.",
        "table": "Салыстыру кестесі",
        "table_caption": "Әр критерийдің мәні мен ұпайы; жолдағы ең жақсы мән қалың қаріппен "
        "және \u2605 белгісімен көрсетілген.",
        "robustness": "Тұрақтылық",
        "robust_mc": "Салмақтарды кездейсоқ өзгерту",
        "robust_flip": "Екі үздік алаңның орнын ауыстыратын бір салмақтың ең аз өзгерісі",
        "robust_time": "Сол салыстыру {date} күні",
        "scenario_data": "Сценарий және деректер",
        "criterion": "Критерий",
        "weight": "Салмақ",
        "weight_scenario": "Сценарийдегі салмақ",
        "weight_used": "Қолданылған салмақ",
        "points": "ұпай",
        "score": "Балл",
        "rank": "Орны",
        "rank_of": "{n} ішінен {rank}",
        "not_ranked": "рейтингтен тыс",
        "zone": "Аймақ",
        "zone_status": "Аймақ мәртебесі",
        "sez": "АЭА",
        "area": "Ауданы / бос жер",
        "needs": "Компания талаптары",
        "p_first": "Нұсқаларда бірінші",
        "rank_range": "Орын аралығы (5-95 процентиль)",
        "rank_at": "{date} күнгі орны",
        "score_at": "{date} күнгі балы",
        "verdict": "Қорытынды",
        "why": "Неліктен",
        "site": "Алаң",
        "source": "Дереккөз",
        "coords": "ендік, бойлық",
        "needs_scenario": "Сценарий талаптары",
        "provenance": "Деректер",
        "generated": "planner {version} арқылы дайындалды; қабаттар ізі {fp}.",
        "eligible_no": "сай емес",
        "in_almaty": "Алматы ішінде",
        "none": "\u2013",
        "met": "орындалды",
        "failed": "орындалмады",
        "unknown": "белгісіз",
        "need_land": "Жер (га)",
        "need_rail": "Т/ж алыс емес (км)",
        "need_hazard": "Тұрғын үйден кем емес (км)",
        "need_max_dist_almaty": "Алматыға дейін алыс емес (км)",
        "need_in_almaty": "Алматы шегінде",
        "not_allowed": "болмайды",
        "inside": "шегінде",
        "outside": "шегінен тыс",
        "moves_site": "Алаң",
        "moves_rank": "Орны",
        "moves_score": "Балл",
        "moves_why": "Не өзгерді",
        "draws_note": "{draws} нұсқа, әр салмақ x{lo}-{hi}, seed {seed}",
    },
}


def _t(lang: str) -> dict[str, str]:
    return _L[i18n.check_lang(lang)]


def _num(value: Any, digits: int, lang: str) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "\u2013"
    if not math.isfinite(v):
        return "\u2013"
    text = f"{v:,.{digits}f}".replace(",", "\u202f")
    return text.replace(".", ",") if lang in ("ru", "kk") else text


def _e(text: Any) -> str:
    """HTML-escaped text (quotes too), with braces as entities (folium renders through Jinja)."""
    return (
        html.escape("" if text is None else str(text)).replace("{", "&#123;").replace("}", "&#125;")
    )


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
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


def _zone_names(comparison: Comparison, lang: str) -> dict[str, str]:
    zones = comparison.layers["zones"]
    return dict(zip(zones["id"].astype(str), i18n.feature_names(zones, lang), strict=True))


def matrix_rows(comparison: Comparison, lang: str = "ru") -> list[MatrixRow]:
    """The comparison table: criteria (value + points), total, rank, zone, needs, robustness,
    the second date and the verdict, with the best cell of each row marked."""
    t = _t(lang)
    c = comparison
    o = c.order
    s = c.scored.iloc[o]
    n = len(o)
    eligible = c.eligible[o]
    # best values among the usable sites: eligible ones (not excluded, the company's needs met)
    usable = eligible if eligible.any() else ~s["excluded"].to_numpy(dtype=bool)
    rows: list[MatrixRow] = []
    in_alm = s["in_almaty"].to_numpy(dtype=bool)
    for k in c.criteria:
        col = CRITERION_COLUMNS[k]
        pts = s[f"c_{k}"].to_numpy("f8", na_value=np.nan)
        label = f"{i18n.criterion_label(k, lang)} ({_num(100 * c.weights[k], 0, lang)}%)"
        if col.endswith("_km"):
            vals = s[col].to_numpy("f8", na_value=np.nan)
            disp = [f"{_num(v, 1, lang)} {i18n.label('km', lang)}" for v in vals]
            if k == "almaty":
                disp = [
                    d + (f" ({t['in_almaty']})" if a else "")
                    for d, a in zip(disp, in_alm, strict=True)
                ]
            kind, values = "km", vals.tolist()
        elif col.endswith("_min"):  # travel time by road
            vals = s[col].to_numpy("f8", na_value=np.nan)
            disp = [f"{_num(v, 0 if v >= 10 else 1, lang)} {i18n.label('min', lang)}"
                    if np.isfinite(v) else "—" for v in vals]  # fmt: skip
            kind, values = "min", vals.tolist()
        else:
            st = s["zone_status"].astype(str).tolist()
            sez = s["sez_status"].astype(str).tolist()
            zid = s["zone_id"].astype(str).tolist()
            disp = [
                (i18n.status_label(a, lang) if z or a != "none" else i18n.label("no_zone", lang))
                + (f"; {t['sez']}: {i18n.status_label(b, lang)}" if b != "none" else "")
                for a, b, z in zip(st, sez, zid, strict=True)
            ]
            kind, values = "status", st
        rows.append(MatrixRow(k, label, kind, values, disp, pts.tolist(), _best_mask(pts, usable)))
    score = s["score"].to_numpy("f8")
    rows.append(
        MatrixRow("score", t["score"], "score", score.tolist(),
                  [_num(v, 1, lang) for v in score], None, _best_mask(score, eligible))
    )  # fmt: skip
    rank = c.rank[o]
    n_el = int(c.eligible.sum())
    rows.append(
        MatrixRow(
            "rank", t["rank"], "rank",
            [None if pd.isna(r) else int(r) for r in rank],
            [t["not_ranked"] if pd.isna(r) else t["rank_of"].format(rank=int(r), n=n_el)
             for r in rank],
            None, [bool(r == 1) if not pd.isna(r) else False for r in rank],
        )
    )  # fmt: skip
    names = _zone_names(c, lang)
    zid = s["zone_id"].astype(str).tolist()
    rows.append(
        MatrixRow("zone", t["zone"], "text", zid,
                  [names.get(z, z) if z else i18n.label("no_zone", lang) for z in zid], None,
                  [False] * n)
    )  # fmt: skip
    free = s["free_ha"].to_numpy("f8", na_value=np.nan)
    area = s["area_ha"].to_numpy("f8", na_value=np.nan)
    ha = i18n.label("ha", lang)
    rows.append(
        MatrixRow("free_ha", t["area"], "text", free.tolist(),
                  [f"{_num(a, 0, lang)} / {_num(f, 1, lang)} {ha}" for a, f in zip(area, free,
                                                                                  strict=True)],
                  None, [False] * n)
    )  # fmt: skip
    if c.company is not None and c.needs is not None:
        ids = s["site_id"].astype(str).tolist()
        for key in NEED_KEYS:
            sub = c.needs[c.needs["need"] == key].set_index("site_id")
            if sub.empty:
                continue
            req = float(sub["required"].iloc[0])
            label = t[f"need_{key}"] + ("" if key == "in_almaty" else f": {_num(req, 1, lang)}")
            if key == "in_almaty":
                label += f": {t['not_allowed']}"
            vals, disp = [], []
            for sid in ids:
                met = sub.at[sid, "met"]
                value = float(sub.at[sid, "value"])
                mark = "?" if pd.isna(met) else ("\u2713" if met else "\u2717")
                if key == "in_almaty":
                    shown = t["inside"] if value else t["outside"]
                elif key == "land" and not math.isfinite(value):
                    shown = t["unknown"]
                else:
                    shown = _num(value, 1, lang)
                vals.append(None if pd.isna(met) else bool(met))
                disp.append(f"{mark} {shown}")
            rows.append(MatrixRow(f"need_{key}", label, "need", vals, disp, None, [False] * n))
    mc = c.monte_carlo
    p = mc.p_first[o]
    rows.append(
        MatrixRow("p_first", t["p_first"], "pct", p.tolist(),
                  [f"{_num(100 * v, 0, lang)}%" if e else t["none"] for v, e in zip(p, eligible,
                                                                                    strict=True)],
                  None, _best_mask(p, eligible))
    )  # fmt: skip
    lo, hi = mc.rank_p5[o], mc.rank_p95[o]
    rows.append(
        MatrixRow("rank_range", t["rank_range"], "text",
                  [f"{int(a)}-{int(b)}" if np.isfinite(a) else "" for a, b in zip(lo, hi,
                                                                                  strict=True)],
                  [f"{int(a)}\u2013{int(b)}" if np.isfinite(a) else t["none"]
                   for a, b in zip(lo, hi, strict=True)], None, [False] * n)
    )  # fmt: skip
    if c.also is not None:
        d2 = c.also.as_of.isoformat()
        r2 = c.also.rank[o]
        n2 = int(c.also.eligible.sum())
        rows.append(
            MatrixRow(
                "rank_also", t["rank_at"].format(date=d2), "rank",
                [None if pd.isna(r) else int(r) for r in r2],
                [t["not_ranked"] if pd.isna(r) else t["rank_of"].format(rank=int(r), n=n2)
                 for r in r2],
                None, [bool(r == 1) if not pd.isna(r) else False for r in r2],
            )
        )  # fmt: skip
        s2 = c.also.scored["score"].to_numpy("f8")[o]
        rows.append(
            MatrixRow("score_also", t["score_at"].format(date=d2), "score", s2.tolist(),
                      [_num(v, 1, lang) for v in s2], None,
                      _best_mask(s2, c.also.eligible[o]))
        )  # fmt: skip
    verdicts = [c.verdicts[lang][i] for i in o]
    rows.append(MatrixRow("verdict", t["verdict"], "text", verdicts, verdicts, None, [False] * n))
    return rows


def _site_headers(comparison: Comparison, lang: str) -> list[tuple[str, str, str]]:
    """(badge, name, site_id) per site in display order; badge = rank or "x"."""
    out = []
    for i in comparison.order:
        num = comparison.number(int(i))
        out.append(
            (
                "\u00d7" if num is None else str(num),
                comparison.names[lang][i],
                str(comparison.scored["site_id"].iloc[i]),
            )
        )
    return out


def comparison_matrix(comparison: Comparison, lang: str = "ru") -> pd.DataFrame:
    """The comparison table for a spreadsheet: one row per value (criteria give a value row
    and a points row), one column per site (``#<position> <name>``), numbers as numbers."""
    t = _t(lang)
    heads = [f"#{p} {name}" for p, (_, name, _) in enumerate(_site_headers(comparison, lang), 1)]
    recs: list[list[Any]] = []
    labels: list[str] = []
    for row in matrix_rows(comparison, lang):
        if row.kind in ("km", "min"):
            labels.append(f"{row.label}, {i18n.label(row.kind, lang)}")
            recs.append([None if not np.isfinite(v) else round(v, 3) for v in row.values])
        elif row.kind == "status":
            labels.append(row.label)
            recs.append(list(row.display))
        elif row.kind in ("score", "pct"):
            labels.append(row.label)
            recs.append([None if not np.isfinite(v) else round(v, 4) for v in row.values])
        elif row.kind == "rank":
            labels.append(row.label)
            recs.append(list(row.values))
        else:
            labels.append(row.label)
            recs.append(list(row.display))
        if row.points is not None:
            labels.append(f"{row.label}, {t['points']}")
            recs.append([None if not np.isfinite(v) else round(v, 3) for v in row.points])
    data = {t["criterion"]: labels}
    for j, head in enumerate(heads):
        data[head] = pd.array([r[j] for r in recs], dtype=object)
    return pd.DataFrame(data)


# --------------------------------------------------------------------------- terminal


def terminal_renderables(comparison: Comparison, lang: str = "ru") -> list:
    """Rich renderables for the terminal: the comparison table, then the verdict,
    robustness and second-date lines. User text is passed as plain ``Text`` (no markup)."""
    from rich.table import Table
    from rich.text import Text

    t = _t(lang)
    c = comparison
    sc = c.scenario
    title = Text(
        f"{t['title']}: {t['scenario']} {sc.name} ({t['hash']} {sc.hash}), "
        f"{t['as_of']} {c.as_of.isoformat()}"
        + (f", {t['company']}: {c.company.name}" if c.company is not None else "")
    )
    table = Table(title=title, show_lines=False, header_style="bold", expand=False)
    table.add_column(t["criterion"], overflow="fold")
    for badge, name, sid in _site_headers(c, lang):
        head = Text(f"#{badge} {name}")
        if sid != name:
            head.append(f"\n{sid}", style="dim")
        table.add_column(head, overflow="fold", justify="right")
    for row in matrix_rows(c, lang):
        if row.key == "verdict":
            continue
        cells = []
        for j, shown in enumerate(row.display):
            txt = Text(shown)
            if row.points is not None:
                txt.append(f"\n{_num(row.points[j], 1, lang)}", style="cyan")
            if row.best[j]:
                txt.stylize("bold green")
            cells.append(txt)
        style = "bold" if row.key == "score" else None
        table.add_row(Text(row.label), *cells, style=style)
    out: list = [table]
    out.append(Text(t["verdict"], style="bold"))
    heads = _site_headers(c, lang)
    for pos, i in enumerate(c.order):
        badge = heads[pos][0]
        out.append(Text(f"#{badge} {c.names[lang][i]}: {c.verdicts[lang][i]}"))
    out.append(Text(t["robustness"], style="bold"))
    for line in c.robustness_texts[lang]:
        out.append(Text(line))
    out.append(Text(c.flip_texts[lang]))
    if c.also is not None:
        out.append(Text(c.also.summary[lang]))
    return out


# --------------------------------------------------------------------------- chart


def _ink(hex_color: str) -> str:
    r, g, b = (int(hex_color[k : k + 2], 16) / 255 for k in (1, 3, 5))
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#000" if lum > 0.5 else "#fff"


def chart_svg(comparison: Comparison, lang: str = "ru") -> str:
    """Stacked horizontal bars (inline SVG): each site's points by criterion, 0-100."""
    c = comparison
    keys = c.criteria
    o = c.order
    s = c.scored.iloc[o]
    heads = _site_headers(c, lang)
    label_w, bar_w, total_w, row_h, top = 250, 560, 60, 30, 26
    width = label_w + bar_w + total_w
    height = top + row_h * len(o) + 8
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{_e(_t(lang)["chart"])}">'
    ]
    for tick in range(0, 101, 20):  # scale
        x = label_w + bar_w * tick / 100
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 4}" class="grid"/>'
            f'<text x="{x:.1f}" y="{top - 10}" class="tick" text-anchor="middle">{tick}</text>'
        )
    for row, i in enumerate(o):
        y = top + row * row_h
        badge, name, _ = heads[row]
        ineligible = not bool(c.eligible[i])
        label = f"{badge}. {name}"
        if len(label) > 34:
            label = label[:33] + "\u2026"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + row_h / 2 + 4:.1f}" text-anchor="end" '
            f'class="lbl{" dim" if ineligible else ""}">{_e(label)}<title>{_e(name)}</title></text>'
        )
        x = float(label_w)
        g_cls = ' class="dim"' if ineligible else ""
        parts.append(f"<g{g_cls}>")
        for k in keys:
            pts = float(s[f"c_{k}"].iloc[row]) if pd.notna(s[f"c_{k}"].iloc[row]) else 0.0
            w = bar_w * max(pts, 0.0) / 100
            if w <= 0:
                continue
            color = CRITERION_COLORS.get(k, "#777777")
            crit = i18n.criterion_label(k, lang)
            parts.append(
                f'<rect x="{x:.2f}" y="{y + 4}" width="{w:.2f}" height="{row_h - 8}" '
                f'fill="{color}" class="seg" data-criterion="{_e(k)}">'
                f"<title>{_e(crit)}: {_e(_num(pts, 1, lang))}</title></rect>"
            )
            if w >= 26:
                parts.append(
                    f'<text x="{x + w / 2:.2f}" y="{y + row_h / 2 + 4:.1f}" text-anchor="middle" '
                    f'class="segv" fill="{_ink(color)}">{_e(_num(pts, 0, lang))}</text>'
                )
            x += w
        parts.append("</g>")
        total = float(s["score"].iloc[row])
        parts.append(
            f'<text x="{label_w + bar_w + 6}" y="{y + row_h / 2 + 4:.1f}" class="tot">'
            f"{_e(_num(total, 1, lang))}</text>"
        )
    parts.append("</svg>")
    legend = ['<ul class="legend">']
    for k in keys:
        color = CRITERION_COLORS.get(k, "#777777")
        legend.append(
            f'<li><span class="sw" style="background:{color}"></span>'
            f"{_e(i18n.criterion_label(k, lang))} ({_e(_num(100 * c.weights[k], 0, lang))}%)</li>"
        )
    legend.append("</ul>")
    return "".join(parts) + "".join(legend)


# --------------------------------------------------------------------------- HTML pieces


REPORT_CSS = r"""
html, body { height: auto !important; width: auto !important; }
body { margin: 0 !important; background: #f4f5f7; color: #111;
  font: 14px/1.45 "Segoe UI", Arial, "Helvetica Neue", sans-serif; }
.report { max-width: 1060px; margin: 0 auto; padding: 16px 22px 40px; background: #fff; }
.report h1 { font-size: 24px; margin: 4px 0 2px; }
.report h2 { font-size: 19px; margin: 26px 0 8px; padding-bottom: 3px;
  border-bottom: 2px solid #222; }
.report h3 { font-size: 15px; margin: 0; }
.report .meta { color: #333; margin: 2px 0; }
.report .meta b { color: #000; }
.report .note { font-size: 12px; color: #333; border-left: 3px solid #999; padding: 3px 8px;
  margin: 8px 0; background: #fafafa; }
.report .caption { font-size: 12px; color: #444; margin: 4px 0 8px; }
.report .badge { display: inline-block; min-width: 22px; height: 22px; border-radius: 11px;
  background: #111; color: #fff; font: 700 12px/22px Arial, sans-serif; text-align: center;
  padding: 0 4px; margin-right: 6px; }
.report .badge.x { background: #9e9e9e; }
.report ol.verdicts { list-style: none; padding: 0; margin: 0; }
.report ol.verdicts li { margin: 5px 0; display: flex; gap: 4px; align-items: baseline; }
.report ul.lines { margin: 4px 0; padding-left: 18px; }
.report div.folium-map { height: 560px !important; width: 100% !important;
  position: relative !important; border: 1px solid #999; box-sizing: border-box; }
.report .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr));
  gap: 12px; }
.report .card { border: 1px solid #bbb; border-radius: 6px; padding: 10px 12px; }
.report .card.ineligible { background: #f3f3f3; }
.report .card-head { display: flex; align-items: flex-start; gap: 6px; }
.report .card-head .nm { flex: 1; }
.report .card-head .sub { font-size: 12px; color: #444; word-break: break-all; }
.report .card .big { font-size: 22px; font-weight: 700; white-space: nowrap; }
.report .card .big small { font-size: 12px; font-weight: 400; color: #444; }
.report .card dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px;
  margin: 8px 0; font-size: 13px; }
.report .card dt { color: #444; }
.report .card dd { margin: 0; }
.report .card ul.needs { list-style: none; padding: 0; margin: 4px 0; font-size: 13px; }
.report .card .verdict { font-weight: 600; margin: 6px 0 2px; }
.report .card .why { font-size: 12px; color: #333; margin: 2px 0; }
.report svg.chart { max-width: 100%; height: auto; font: 12px Arial, sans-serif; }
.report svg.chart .grid { stroke: #ccc; stroke-width: 1; }
.report svg.chart .tick { fill: #444; font-size: 11px; }
.report svg.chart .lbl { fill: #111; }
.report svg.chart .dim { opacity: 0.45; }
.report svg.chart .seg { stroke: #fff; stroke-width: 1; }
.report svg.chart .segv { font-size: 11px; font-weight: 700; }
.report svg.chart .tot { font-weight: 700; fill: #111; }
.report ul.legend { list-style: none; padding: 0; margin: 6px 0; display: flex; flex-wrap: wrap;
  gap: 4px 14px; font-size: 12px; }
.report .sw { display: inline-block; width: 14px; height: 10px; margin-right: 4px;
  border: 1px solid #333; vertical-align: middle; }
.report .scroll { overflow-x: auto; }
.report table { border-collapse: collapse; width: 100%; font-size: 13px; }
.report th, .report td { border: 1px solid #bbb; padding: 3px 6px; vertical-align: top; }
.report thead th { background: #eceff1; text-align: center; }
.report td.num { text-align: right; white-space: nowrap; }
.report td .pts { color: #355; font-size: 11px; }
.report td.best { font-weight: 700; background: #e3f2e1; }
.report td.best::after { content: " \2605"; }
.report tr.total td { font-weight: 700; border-top: 2px solid #333; }
.report td.txt { font-size: 12px; min-width: 120px; }
.report table.cmp.many { font-size: 11px; }
.report .foot { font-size: 11px; color: #555; margin-top: 18px; }
@page { size: A4; margin: 12mm; }
@media print {
  body { background: #fff !important; font-size: 10pt; }
  .report { max-width: none; padding: 0; }
  .report section.page { break-before: page; page-break-before: always; }
  .report h2 { break-after: avoid; page-break-after: avoid; }
  .report .card, .report tr, .report svg.chart { break-inside: avoid; page-break-inside: avoid; }
  .report div.folium-map { height: 150mm !important; border: 1px solid #000; }
  .leaflet-control-container .leaflet-top, .leaflet-control-zoom, .leaflet-control-layers,
  .leaflet-control-measure, .leaflet-control-zoom-fullscreen, .no-print {
    display: none !important; }
  .report td.best { background: #fff !important; text-decoration: underline; }
  .report .scroll { overflow: visible; }
  .report table { font-size: 8.5pt; table-layout: fixed; width: 100%; }
  .report th, .report td, .report td.txt, .report td.num { font-size: 8.5pt; padding: 2px 3px;
    overflow-wrap: anywhere; white-space: normal; min-width: 0; }
  .report table.cmp.many th, .report table.cmp.many td { font-size: 6.5pt; }
  .report td .pts { font-size: 0.9em; }
  .report table.cmp th:first-child { width: 16%; }
  .report .cards { grid-template-columns: 1fr 1fr; }
  .report .card { font-size: 9pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

#: fits the map to the compared sites (the map fits the whole region by default) and
#: redraws it at its print size (Leaflet measures its container only on resize)
_PAGE_JS = r"""
(function () {
  function fit() {
    (window.plannerMaps || []).forEach(function (o) {
      o.map.invalidateSize(false);
      var T = o.data && o.data.sites, pts = [];
      if (T) {
        for (var i = 0; i < T.lat.length; i++) {
          if (T.lat[i] !== null && T.lon[i] !== null) { pts.push([T.lat[i], T.lon[i]]); }
        }
      }
      if (pts.length) {
        o.map.fitBounds(L.latLngBounds(pts).pad(0.25), {maxZoom: 12, animate: false});
      } else if (o.data && o.data.bounds) {
        o.map.fitBounds(o.data.bounds, {animate: false});
      }
    });
  }
  window.addEventListener('load', fit);
  window.addEventListener('beforeprint', fit);
  window.addEventListener('afterprint', fit);
  if (window.matchMedia) {
    var mq = window.matchMedia('print');
    if (mq.addEventListener) { mq.addEventListener('change', fit); }
  }
  window.plannerReportFit = fit;
})();
"""


def _badge(num: int | None) -> str:
    if num is None:
        return '<span class="badge x">\u00d7</span>'
    return f'<span class="badge">{num}</span>'


def _header_html(c: Comparison, lang: str) -> str:
    t = _t(lang)
    sc = c.scenario
    title = sc.title_en if lang == "en" else sc.title_ru
    meta = [
        f'<div class="meta"><b>{_e(t["scenario"])}:</b> {_e(sc.name)} \u2014 {_e(title)} '
        f"({_e(t['hash'])} <code>{_e(sc.hash)}</code>)</div>",
        f'<div class="meta"><b>{_e(t["as_of"])}:</b> {_e(c.as_of.isoformat())}'
        + (
            f" \u00b7 <b>{_e(t['also_as_of'])}:</b> {_e(c.also.as_of.isoformat())}"
            if c.also is not None
            else ""
        )
        + "</div>",
    ]
    if c.company is not None:
        co = c.company
        meta.append(
            f'<div class="meta"><b>{_e(t["company"])}:</b> {_e(co.name)}'
            + (f" ({_e(co.company_id)})" if co.company_id else "")
            + (f" \u00b7 {_e(t['sector'])}: {_e(co.sector)}" if co.sector else "")
            + (
                f" \u00b7 {_e(t['land'])}: {_e(_num(co.land_ha, 1, lang))} "
                f"{_e(i18n.label('ha', lang))}"
                if math.isfinite(co.land_ha)
                else ""
            )
            + f" \u00b7 {_e(t['weights_hash'])} <code>{_e(c.effective_hash)}</code></div>"
        )
    return (
        '<header class="r-head">'
        f"<h1>{_e(t['title'])}</h1>"
        f'<div class="meta">{_e(t["subtitle"].format(n=len(c.scored)))}</div>'
        + "".join(meta)
        + f'<p class="note">{_e(_provenance(c, lang))}</p>'
        "</header>"
    )


def _provenance(c: Comparison, lang: str) -> str:
    from planner.inputs.layers import LAYER_NAMES

    lines = []
    if any(c.layers.sources.get(n) == "builtin" for n in LAYER_NAMES):
        lines.append(i18n.label("note_indicative", lang))
    user = [n for n in LAYER_NAMES if c.layers.sources.get(n) != "builtin"]
    if user:
        lines.append(i18n.label("note_user_layers", lang, names=", ".join(user)))
    return " ".join(lines)


def _summary_html(c: Comparison, lang: str) -> str:
    t = _t(lang)
    items = []
    for i in c.order:
        name = c.names[lang][i]
        items.append(
            f"<li>{_badge(c.number(int(i)))}<span><b>{_e(name)}</b>: "
            f"{_e(c.verdicts[lang][i])}</span></li>"
        )
    lines = [c.robustness_texts[lang][0], c.flip_texts[lang]]
    if c.also is not None:
        lines.append(c.also.summary[lang])
    return (
        f'<section id="r-summary"><h2>{_e(t["summary"])}</h2>'
        f'<ol class="verdicts">{"".join(items)}</ol>'
        f'<ul class="lines">{"".join(f"<li>{_e(x)}</li>" for x in lines)}</ul></section>'
    )


def _cards_html(c: Comparison, lang: str) -> str:
    t = _t(lang)
    names = _zone_names(c, lang)
    mc = c.monte_carlo
    n_el = int(c.eligible.sum())
    cards = []
    why_col = f"why_{lang}" if f"why_{lang}" in c.scored.columns else "why_ru"
    for i in c.order:
        row = c.scored.iloc[i]
        num = c.number(int(i))
        zid = str(row["zone_id"])
        zone = (
            f"{names.get(zid, zid)} ({i18n.status_label(str(row['zone_status']), lang)})"
            if zid
            else i18n.label("no_zone", lang)
        )
        sub = f"{row['site_id']} \u00b7 {row['site_source']} \u00b7 " + (
            f"{_num(row['lat'], 5, 'en')}, {_num(row['lon'], 5, 'en')}"
        )
        dl = [
            (t["rank"], t["not_ranked"] if num is None else t["rank_of"].format(rank=num, n=n_el)),
            (t["zone"], zone),
        ]
        if str(row["sez_status"]) != "none":
            dl.append((t["sez"], i18n.status_label(str(row["sez_status"]), lang)))
        ha = i18n.label("ha", lang)
        dl.append((t["area"], f"{_num(row['area_ha'], 0, lang)} / {_num(row['free_ha'], 1, lang)} "
                   f"{ha}"))  # fmt: skip
        if c.eligible[i]:
            dl.append(
                (
                    t["p_first"],
                    f"{_num(100 * mc.p_first[i], 0, lang)}% \u00b7 {t['rank_range']}: "
                    f"{int(mc.rank_p5[i])}\u2013{int(mc.rank_p95[i])}",
                )
            )
        if c.also is not None:
            r2 = c.also.rank[i]
            dl.append(
                (
                    t["rank_at"].format(date=c.also.as_of.isoformat()),
                    (t["not_ranked"] if pd.isna(r2) else str(int(r2)))
                    + f" ({_num(c.also.scored['score'].iloc[i], 1, lang)})",
                )
            )
        needs = ""
        if c.company is not None and c.needs is not None:
            sub_n = c.needs[c.needs["site_id"] == str(row["site_id"])]
            lis = []
            for rw in sub_n.itertuples():
                mark = "?" if pd.isna(rw.met) else ("\u2713" if rw.met else "\u2717")
                cls = "unk" if pd.isna(rw.met) else ("met" if rw.met else "fail")
                text = _need_text(rw.need, rw.required, rw.value, lang)
                lis.append(f'<li class="{cls}">{mark} {_e(text)}</li>')
            needs = f'<div><b>{_e(t["needs"])}</b></div><ul class="needs">{"".join(lis)}</ul>'
        why = str(row.get(why_col, "") or "")
        cards.append(
            f'<article class="card{"" if c.eligible[i] else " ineligible"}">'
            f'<div class="card-head">{_badge(num)}<div class="nm"><h3>{_e(c.names[lang][i])}</h3>'
            f'<div class="sub">{_e(sub)}</div></div>'
            f'<div class="big">{_e(_num(row["score"], 1, lang))}<small>/100</small></div></div>'
            "<dl>"
            + "".join(f"<dt>{_e(a)}</dt><dd>{_e(b)}</dd>" for a, b in dl)
            + "</dl>"
            + needs
            + f'<p class="verdict">{_e(c.verdicts[lang][i])}</p>'
            + (f'<p class="why"><b>{_e(t["why"])}:</b> {_e(why)}</p>' if why else "")
            + "</article>"
        )
    return (
        f'<section id="r-cards" class="page"><h2>{_e(t["cards"])}</h2>'
        f'<div class="cards">{"".join(cards)}</div></section>'
    )


def _table_html(c: Comparison, lang: str) -> str:
    t = _t(lang)
    heads = _site_headers(c, lang)
    many = " many" if len(heads) > 6 else ""
    th = [f"<th>{_e(t['criterion'])}</th>"]
    for badge, name, sid in heads:
        num = None if badge == "\u00d7" else int(badge)
        th.append(
            f"<th>{_badge(num)}<div>{_e(name)}</div>"
            + (f'<div class="sub">{_e(sid)}</div>' if sid != name else "")
            + "</th>"
        )
    body = []
    for row in matrix_rows(c, lang):
        cls = ' class="total"' if row.key == "score" else ""
        tds = [f'<th scope="row">{_e(row.label)}</th>']
        for j, shown in enumerate(row.display):
            classes = ["txt" if row.key in ("verdict", "zone") else "num"]
            if row.best[j]:
                classes.append("best")
            inner = _e(shown)
            if row.points is not None:
                inner += f'<div class="pts">{_e(_num(row.points[j], 1, lang))}</div>'
            tds.append(f'<td class="{" ".join(classes)}">{inner}</td>')
        body.append(f'<tr{cls} data-row="{_e(row.key)}">{"".join(tds)}</tr>')
    return (
        f'<section id="r-table" class="page"><h2>{_e(t["table"])}</h2>'
        f'<p class="caption">{_e(t["table_caption"])}</p>'
        f'<div class="scroll"><table class="cmp{many}"><thead><tr>{"".join(th)}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div></section>"
    )


def _robustness_html(c: Comparison, lang: str) -> str:
    t = _t(lang)
    mc_lines = "".join(f"<li>{_e(x)}</li>" for x in c.robustness_texts[lang])
    parts = [
        f'<section id="r-robustness" class="page"><h2>{_e(t["robustness"])}</h2>',
        f'<h3>{_e(t["robust_mc"])}</h3><ul class="lines">{mc_lines}</ul>',
        f"<h3>{_e(t['robust_flip'])}</h3><p>{_e(c.flip_texts[lang])}</p>",
    ]
    if c.also is not None:
        a = c.also
        rows = []
        for i in c.order:
            ch = a.changes.iloc[i]
            r1 = t["not_ranked"] if pd.isna(ch["rank_from"]) else str(int(ch["rank_from"]))
            r2 = t["not_ranked"] if pd.isna(ch["rank_to"]) else str(int(ch["rank_to"]))
            why = a.reasons[lang][i]
            moved = ' class="moved"' if ch["moved"] else ""
            rows.append(
                f"<tr{moved}><td>{_e(c.names[lang][i])}"
                f'</td><td class="num">{_e(r1)} \u2192 {_e(r2)}</td><td class="num">'
                f"{_e(_num(ch['score_from'], 1, lang))} \u2192 {_e(_num(ch['score_to'], 1, lang))}"
                f'</td><td class="txt">{_e(why)}</td></tr>'
            )
        parts.append(
            f"<h3>{_e(t['robust_time'].format(date=a.as_of.isoformat()))}</h3>"
            f"<p>{_e(a.headline[lang])}</p>"
            f'<table class="moves"><thead><tr><th>{_e(t["moves_site"])}</th>'
            f"<th>{_e(t['moves_rank'])}</th><th>{_e(t['moves_score'])}</th>"
            f"<th>{_e(t['moves_why'])}</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )
    parts.append("</section>")
    return "".join(parts)


def _scenario_html(c: Comparison, lang: str) -> str:
    from planner._version import __version__

    t = _t(lang)
    sc = c.scenario
    rows = []
    for k in c.criteria:
        rows.append(
            f'<tr><td><span class="sw" style="background:{CRITERION_COLORS.get(k, "#777")}">'
            f"</span> {_e(i18n.criterion_label(k, lang))} <code>{_e(k)}</code></td>"
            f'<td class="num">{_e(_num(sc.weights.get(k, 0.0), 3, lang))}</td>'
            f'<td class="num">{_e(_num(c.weights[k], 3, lang))}</td></tr>'
        )
    generated = t["generated"].format(version=__version__, fp=c.layers.fingerprint())
    needs = sc.needs.model_dump()
    needs_text = ", ".join(f"{k} = {v}" for k, v in needs.items() if v is not None)
    desc = sc.description.strip()
    return (
        f'<section id="r-scenario" class="page"><h2>{_e(t["scenario_data"])}</h2>'
        f'<div class="meta"><b>{_e(t["scenario"])}:</b> {_e(sc.name)} \u2014 '
        f"{_e(sc.title_en if lang == 'en' else sc.title_ru)}</div>"
        f'<div class="meta"><b>{_e(t["hash"])}:</b> <code>{_e(sc.hash)}</code> \u00b7 '
        f"<b>{_e(t['as_of'])}:</b> {_e(c.as_of.isoformat())}</div>"
        + (f'<p class="caption">{_e(desc)}</p>' if desc else "")
        + f'<table class="weights"><thead><tr><th>{_e(t["criterion"])}</th>'
        f"<th>{_e(t['weight_scenario'])}</th><th>{_e(t['weight_used'])}</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<p class="caption"><b>{_e(t["needs_scenario"])}:</b> {_e(needs_text)}</p>'
        f'<p class="caption">{_e(t["robust_mc"])}: '
        + _e(
            t["draws_note"].format(
                draws=f"{c.draws:,}".replace(",", "\u202f"),
                lo=_num(1 - c.spread, 2, lang),
                hi=_num(1 + c.spread, 2, lang),
                seed=c.seed,
            )
        )
        + "</p>"
        f'<p class="note"><b>{_e(t["provenance"])}:</b> {_e(_provenance(c, lang))}</p>'
        f'<p class="foot">{_e(generated)}</p></section>'
    )


# --------------------------------------------------------------------------- the page


class _AfterMap(MacroElement):
    """Puts report HTML into the page body right after the map's own ``<div>``.

    A child of the map renders after the map has added its div to the figure body, so its
    HTML lands below the map. The text goes in as a raw element (no Jinja pass).
    """

    def __init__(self, text: str):
        super().__init__()
        self._name = "ReportAfterMap"
        self.text = text

    def render(self, **kwargs) -> None:
        self.get_root().html.add_child(_assets.raw_element(self.text), name=self.get_name())


_NEED_SHORT = {
    "en": {"land": "land", "rail": "rail", "hazard": "distance from housing",
           "max_dist_almaty": "distance to Almaty", "in_almaty": "inside Almaty"},
    "ru": {"land": "земля", "rail": "ж/д", "hazard": "разрыв до жилья",
           "max_dist_almaty": "расстояние до Алматы", "in_almaty": "в черте Алматы"},
    "kk": {"land": "жер", "rail": "т/ж", "hazard": "тұрғын үйге дейінгі қашықтық",
           "max_dist_almaty": "Алматыға дейінгі қашықтық", "in_almaty": "Алматы шегінде"},
}  # fmt: skip


def _map_frame(c: Comparison, lang: str) -> pd.DataFrame:
    """The scored sites for the map: comparison rank, and why an ineligible site is grey."""
    df = c.scored.copy()
    reasons = df["exclusion_reason"].astype(str).to_numpy(dtype=object)
    t_need = {"en": "company needs", "ru": "требования компании", "kk": "компания талаптары"}
    short = _NEED_SHORT[lang]
    for i in np.flatnonzero(~c.eligible & ~df["excluded"].to_numpy(dtype=bool)):
        failed = c.table.loc[c.table["site_id"] == df["site_id"].iloc[i], "needs_failed"]
        keys = str(failed.iloc[0]).split(";") if len(failed) else []
        label = ", ".join(short.get(k, k) for k in keys if k)
        reasons[i] = f"{t_need[lang]}: {label}" if label else t_need[lang]
    df["exclusion_reason"] = pd.array(reasons, dtype="str")
    df["name"] = pd.array(list(c.names[lang]), dtype="str")
    df["rank"] = c.rank
    df.attrs = {}
    return df


def build_report_map(comparison: Comparison, lang: str = "ru"):
    """The report's map: :func:`planner.render.maps.build_map` of the compared sites, numbered by
    rank (every asset inlined, data escaped as in every planner map)."""
    from planner.render.maps import build_map

    c = comparison
    return build_map(
        c.layers,
        scored=_map_frame(c, lang),
        lang=lang,
        top_k=max(1, len(c.scored)),
        as_of=c.as_of,
        scenario_name=c.scenario.name,
        scenario_hash=c.scenario.hash,
    )


def render_report(comparison: Comparison, lang: str = "ru") -> str:
    """The comparison as one self-contained HTML page (see the module docstring).

    Parameters
    ----------
    comparison
        From :func:`planner.core.compare.compare_sites`.
    lang
        ``ru`` (default), ``kk`` or ``en``.
    """
    i18n.check_lang(lang)
    t = _t(lang)
    c = comparison
    m = build_report_map(c, lang)
    fig = m.get_root()
    title = f"{t['title']}: " + ", ".join(c.names[lang][i] for i in c.order)
    fig.header.add_child(
        _assets.raw_element(f"<title>{html.escape(title)}</title>"), name="planner_title"
    )
    fig.header.add_child(_assets.raw_element(_assets.style_tag(REPORT_CSS)), name="report_css")
    fig.header.add_child(
        _assets.raw_element(f'<meta name="planner-report" content="compare/{_e(lang)}">'),
        name="report_meta",
    )
    before = (
        f'<div class="report" lang="{_e(lang)}">'
        + _header_html(c, lang)
        + _summary_html(c, lang)
        + f'<section id="r-map" class="page"><h2>{_e(t["map"])}</h2>'
        f'<p class="caption">{_e(t["map_caption"])}</p>'
    )
    after = (
        "</section>"
        f'<section id="r-chart" class="page"><h2>{_e(t["chart"])}</h2>'
        f'<p class="caption">{_e(t["chart_caption"])}</p>{chart_svg(c, lang)}</section>'
        + _table_html(c, lang)
        + _cards_html(c, lang)
        + _robustness_html(c, lang)
        + _scenario_html(c, lang)
        + "</div>"
        + _assets.script_tag(_PAGE_JS)
    )
    fig.html.add_child(_assets.raw_element(before), name="report_before")
    _AfterMap(after).add_to(m)
    page = fig.render()
    urls = _assets.external_urls(page)
    if urls:
        raise OutputError(
            f"the comparison report would load {len(urls)} file(s) from the network "
            f"({', '.join(urls[:3])}); this is a bug, please report it"
        )
    return page


def write_report(
    comparison: Comparison, path: str | Path, lang: str = "ru", overwrite: bool = False
) -> Path:
    """Write :func:`render_report` to ``path`` (.html), atomically; refuses an existing
    file unless ``overwrite``."""
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"report file {str(path)!r} must end in .html, e.g. maps/compare.html")
    check_writable(path, overwrite)
    page = render_report(comparison, lang)
    with atomic_output(path, overwrite) as tmp:
        tmp.write_text(page, encoding="utf-8")
    log.info("wrote comparison report %s (%.1f MB)", path, path.stat().st_size / 1e6)
    return path


def write_xlsx(
    comparison: Comparison, path: str | Path, lang: str = "ru", overwrite: bool = False
) -> Path:
    """Write the comparison to an Excel workbook through :func:`planner.render.outputs.write_table`.

    Sheets: ``comparison`` (the table: rows = values, columns = sites), ``sites`` (one
    tidy row per site), ``needs`` (with a company), ``robustness``, ``also_as_of`` (with
    a second date) and ``scenario`` (weights). Text cells that would start a formula are
    prefixed with ``'``.
    """
    from planner.render.outputs import write_table

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError(f"spreadsheet {str(path)!r} must end in .xlsx, e.g. out/compare.xlsx")
    c = comparison
    sheets: dict[str, pd.DataFrame] = {"sites": c.table.copy()}
    if c.needs is not None:
        sheets["needs"] = c.needs.copy()
    rob = [{"item": "monte_carlo", "text": line} for line in c.robustness_texts[lang]] + [
        {"item": "flip", "text": c.flip_texts[lang]}
    ]
    if c.flip is not None:
        f = c.flip
        rob.append(
            {
                "item": "flip_values",
                "text": f"criterion={f.criterion}; weight_from={f.weight_from:.6f}; "
                f"weight_to={f.weight_to:.6f}; a={c.scored['site_id'].iloc[f.a]}; "
                f"b={c.scored['site_id'].iloc[f.b]}",
            }
        )
    if c.also is not None:
        rob.append({"item": "also_as_of", "text": c.also.summary[lang]})
        changes = c.also.changes.copy()
        changes.insert(1, "name", list(c.names[lang]))
        changes["explanation"] = list(c.also.texts[lang])
        sheets["also_as_of"] = changes.iloc[c.order].reset_index(drop=True)
    sheets["robustness"] = pd.DataFrame(rob)
    sheets["scenario"] = pd.DataFrame(
        {
            "criterion": c.criteria,
            "label": [i18n.criterion_label(k, lang) for k in c.criteria],
            "weight_scenario": [float(c.scenario.weights.get(k, 0.0)) for k in c.criteria],
            "weight_used": [float(c.weights[k]) for k in c.criteria],
            "scenario": c.scenario.name,
            "scenario_hash": c.scenario.hash,
            "weights_hash": c.effective_hash,
            "as_of": c.as_of.isoformat(),
        }
    )
    return write_table(
        comparison_matrix(c, lang), path, overwrite=overwrite, sheets=sheets,
        sheet_name="comparison",
    )  # fmt: skip


def check_outputs(
    html_path: str | Path | None = None,
    xlsx_path: str | Path | None = None,
    overwrite: bool = False,
) -> None:
    """Refuse bad or existing output names before any work (``--html`` / ``--xlsx``)."""
    if html_path is not None:
        if Path(html_path).suffix.lower() not in (".html", ".htm"):
            raise InputError(
                f"report file {str(html_path)!r} must end in .html, e.g. --html maps/compare.html"
            )
        check_writable(html_path, overwrite)
    if xlsx_path is not None:
        if Path(xlsx_path).suffix.lower() != ".xlsx":
            raise InputError(
                f"spreadsheet {str(xlsx_path)!r} must end in .xlsx, e.g. --xlsx out/compare.xlsx"
            )
        check_writable(xlsx_path, overwrite)
    if html_path is not None and xlsx_path is not None:
        if Path(html_path).resolve() == Path(xlsx_path).resolve():
            raise InputError("--html and --xlsx name the same file; give two file names")


def run_compare(
    site_refs,
    *,
    at=(),
    company: str | None = None,
    companies: str | Path | None = None,
    scenario=None,
    as_of=None,
    also_as_of=None,
    lang: str = "ru",
    html_path: str | Path | None = None,
    xlsx_path: str | Path | None = None,
    draws: int = 2000,
    seed: int | None = 0,
    layers_path: str | Path | None = None,
    sites_path: str | Path | None = None,
    overwrite: bool = False,
    network=None,
) -> tuple[Comparison, dict[str, Path]]:
    """What ``planner compare`` runs: read the inputs, compare, write the outputs.

    ``site_refs`` are site ids (or names), ``at`` the ``LAT,LON[,LABEL]`` strings of
    ``--at`` (parsed with :func:`planner.core.compare.parse_at`). Outputs are checked before any
    work. Returns the comparison and the files written (``{"html": ..., "xlsx": ...}``).
    ``network``: a road network (:class:`planner.core.network.RoadNetwork`) for the
    travel-time criteria, resolved by the caller.
    """
    from planner.config.scenarios import DEFAULT_SCENARIO
    from planner.core.compare import check_site_count, compare_sites, find_company, parse_at
    from planner.inputs.companies import read_companies
    from planner.inputs.layers import load_layers

    i18n.check_lang(lang)
    refs = [*list(site_refs), *(parse_at(a) for a in at)]
    check_site_count(len(refs))
    if (company is None) != (companies is None):
        raise InputError(
            "--company and --companies go together: name the company with --company NAME and "
            "give the company list with --companies FILE"
        )
    check_outputs(html_path, xlsx_path, overwrite)
    layers = load_layers(layers_path)
    row = None
    if company is not None:
        row = find_company(read_companies(companies), company)
    comparison = compare_sites(
        refs,
        layers=layers,
        scenario=scenario or DEFAULT_SCENARIO,
        as_of=as_of,
        company=row,
        draws=draws,
        seed=seed,
        also_as_of=also_as_of,
        sites=sites_path,
        network=network,
    )
    written: dict[str, Path] = {}
    if html_path is not None:
        written["html"] = write_report(comparison, html_path, lang=lang, overwrite=overwrite)
    if xlsx_path is not None:
        written["xlsx"] = write_xlsx(comparison, xlsx_path, lang=lang, overwrite=overwrite)
    return comparison, written
