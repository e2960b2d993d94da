"""The XLSX form experts fill in with pairwise judgements (``planner scenarios template``).

One sheet of instructions with Saaty's scale, one sheet per expert (row 1: the expert's
name; from row 4: one row per pair of criteria with "which matters more: A, B or =" and
"how many times (1-9)", both with drop-down validation), and a ``planner`` sheet with the
base scenario. Labels in Russian, Kazakh or English; the criterion keys stay in columns F
and G so :func:`planner.inputs.judgements.read_judgements` reads any language back.

The workbook is written atomically, with formulas, URLs and number conversion off, and
every text that did not come from this module (scenario titles, expert names) neutralised
against formula injection.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

from planner import i18n
from planner._atomic import atomic_output
from planner.config.ahp import RANDOM_INDEX
from planner.config.pairs_form import FIRST_ROW, HEADERS, META_SHEET
from planner.config.scenarios import Scenario
from planner.errors import InputError
from planner.render.outputs import FORMULA_TRIGGERS

__all__ = ["write_template"]

_TEXT = {
    "ru": {
        "instructions": "Инструкция",
        "expert_sheet": "Эксперт {k}",
        "expert": "Эксперт (ФИО):",
        "title": "Попарное сравнение критериев (метод анализа иерархий, Саати)",
        "how": (
            "На листе каждого эксперта в каждой строке сравните критерий A с критерием B: "
            "в столбце D укажите, что важнее для выбора площадки (A, B или = если равны), "
            "в столбце E — во сколько раз (1-9). Столбцы F и G не меняйте. "
            "Согласованность суждений проверяется: при отношении согласованности выше 0,10 "
            "программа назовёт суждения, которые стоит пересмотреть."
        ),
        "scale": "Шкала Саати",
        "base": "Базовый сценарий (преобразования и ограничения):",
        "scale_rows": (
            (1, "равная важность"),
            (3, "умеренное превосходство"),
            (5, "существенное превосходство"),
            (7, "значительное превосходство"),
            (9, "абсолютное превосходство"),
            ("2, 4, 6, 8", "промежуточные оценки"),
        ),
    },
    # Kazakh labels are best forms (GLOSSARY_kk.md), to be checked by a native editor
    "kk": {
        "instructions": "Нұсқаулық",
        "expert_sheet": "Сарапшы {k}",
        "expert": "Сарапшы (аты-жөні):",
        "title": "Өлшемшарттарды жұптап салыстыру (Саати әдісі)",
        "how": (
            "Әр сарапшы парағында әр жолда A өлшемшартын B өлшемшартымен салыстырыңыз: D "
            "бағанында алаң таңдау үшін қайсысы маңыздырақ екенін (A, B немесе тең болса =), "
            "E бағанында қанша есе (1-9) екенін жазыңыз. F және G бағандарын өзгертпеңіз. "
            "Келісімділік қатынасы 0,10-нан асса, бағдарлама қайта қарау керек "
            "салыстыруларды атайды."
        ),
        "scale": "Саати шкаласы",
        "base": "Негізгі сценарий (түрлендірулер мен шектеулер):",
        "scale_rows": (
            (1, "тең маңызды"),
            (3, "біршама маңыздырақ"),
            (5, "едәуір маңыздырақ"),
            (7, "әлдеқайда маңыздырақ"),
            (9, "абсолютті маңыздырақ"),
            ("2, 4, 6, 8", "аралық бағалар"),
        ),
    },
    "en": {
        "instructions": "Instructions",
        "expert_sheet": "Expert {k}",
        "expert": "Expert (name):",
        "title": "Pairwise comparison of criteria (Saaty's analytic hierarchy process)",
        "how": (
            "On each expert's sheet, compare criterion A with criterion B in every row: in "
            "column D say which matters more for choosing a site (A, B, or = if equal), in "
            "column E how many times more (1-9). Do not change columns F and G. The "
            "judgements are checked for consistency: above a consistency ratio of 0.10 the "
            "planner names the judgements to revise."
        ),
        "scale": "Saaty's scale",
        "base": "Base scenario (transforms and needs):",
        "scale_rows": (
            (1, "equal importance"),
            (3, "moderate importance"),
            (5, "strong importance"),
            (7, "very strong importance"),
            (9, "extreme importance"),
            ("2, 4, 6, 8", "intermediate values"),
        ),
    },
}
_SIDES = ["A", "B", "="]


def _safe(text: str) -> str:
    return "'" + text if isinstance(text, str) and text.startswith(FORMULA_TRIGGERS) else text


def write_template(
    path: str | Path,
    base: Scenario,
    *,
    criteria: Sequence[str] | None = None,
    lang: str = "ru",
    experts: int = 1,
    overwrite: bool = False,
    base_ref: str | None = None,
) -> Path:
    """Write the judgement form for ``criteria`` (default: the base scenario's) and return
    the path. ``experts`` sheets (1-50) are added, one per expert; ``base_ref`` is how
    ``planner scenarios weigh`` finds the base again (default: its name)."""
    import xlsxwriter

    i18n.check_lang(lang)
    crit = list(criteria) if criteria else list(base.criteria)
    unknown = [c for c in crit if c not in base.criteria]
    if unknown:
        raise InputError(
            f"criteria {', '.join(unknown)}: not in the base scenario {base.name!r} "
            f"({', '.join(base.criteria)}); pick criteria it scores or another --base"
        )
    if len(set(crit)) != len(crit) or not 2 <= len(crit) <= max(RANDOM_INDEX):
        raise InputError(
            f"criteria {crit}: give 2-{max(RANDOM_INDEX)} different criteria to compare"
        )
    if isinstance(experts, bool) or not isinstance(experts, int) or not 1 <= experts <= 50:
        raise InputError(f"experts: {experts!r}; give a whole number of expert sheets, 1-50")
    p = Path(path)
    if p.suffix.lower() != ".xlsx":
        raise InputError(f"template {p}: the form is an Excel workbook; name it *.xlsx")
    t = _TEXT[lang]
    labels = {k: i18n.criterion_label(k, lang) for k in crit}
    with atomic_output(p, overwrite=overwrite) as tmp:
        wb = xlsxwriter.Workbook(
            str(tmp),
            {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
        )
        bold = wb.add_format({"bold": True})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        head = wb.add_format({"bold": True, "text_wrap": True, "bg_color": "#DDEBF7", "border": 1})
        grey = wb.add_format({"font_color": "#808080"})
        answer = wb.add_format({"bg_color": "#FFF2CC", "border": 1})
        ws = wb.add_worksheet(t["instructions"])
        ws.set_column(0, 0, 14)
        ws.set_column(1, 1, 90)
        ws.write(0, 0, t["title"], bold)
        ws.merge_range(1, 0, 1, 1, t["how"], wrap)
        ws.set_row(1, 90)
        ws.write(3, 0, t["base"], bold)
        ws.write(3, 1, _safe(f"{base.name}: {base.title_ru if lang != 'en' else base.title_en}"))
        ws.write(5, 0, t["scale"], bold)
        for r, (v, words) in enumerate(t["scale_rows"], 6):
            ws.write(r, 0, str(v))
            ws.write(r, 1, words)
        pairs = list(itertools.combinations(crit, 2))
        for e in range(1, experts + 1):
            es = wb.add_worksheet(t["expert_sheet"].format(k=e))
            es.write(0, 0, t["expert"], bold)
            es.write(0, 1, "", answer)
            for c, h in enumerate(HEADERS[lang]):
                es.write(FIRST_ROW - 2, c, h, head)
            for r, (a, b) in enumerate(pairs, FIRST_ROW - 1):
                es.write_number(r, 0, r - FIRST_ROW + 2)
                es.write(r, 1, labels[a])
                es.write(r, 2, labels[b])
                es.write_blank(r, 3, None, answer)
                es.write_blank(r, 4, None, answer)
                es.write(r, 5, a, grey)
                es.write(r, 6, b, grey)
            last = FIRST_ROW - 2 + len(pairs)
            es.data_validation(FIRST_ROW - 1, 3, last, 3, {"validate": "list", "source": _SIDES})
            es.data_validation(
                FIRST_ROW - 1, 4, last, 4,
                {"validate": "integer", "criteria": "between", "minimum": 1, "maximum": 9},
            )  # fmt: skip
            es.set_column(0, 0, 5)
            es.set_column(1, 2, 30)
            es.set_column(3, 4, 18)
            es.set_column(5, 6, 14)
            es.freeze_panes(FIRST_ROW - 1, 0)
        ms = wb.add_worksheet(META_SHEET)
        for r, (k, v) in enumerate(
            (
                ("base", base_ref or base.name),
                ("lang", lang),
                ("criteria", ",".join(crit)),
                ("version", "1"),
            )
        ):
            ms.write(r, 0, k)
            ms.write(r, 1, _safe(v))
        wb.close()
    return p
