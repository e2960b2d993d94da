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
from planner.config.pairs_form import FIRST_ROW, META_SHEET, headers
from planner.config.scenarios import Scenario
from planner.errors import InputError
from planner.render.outputs import neutralize_cell as _safe
from planner.render.reproducible import output_datetime

__all__ = ["write_template"]

#: Saaty's scale on the instructions sheet: value, message ``pairs.saaty.<key>``
_SAATY = (
    ("1", "equal"),
    ("3", "moderate"),
    ("5", "strong"),
    ("7", "very_strong"),
    ("9", "extreme"),
    ("2, 4, 6, 8", "intermediate"),
)
_SIDES = ["A", "B", "="]


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
        raise InputError(i18n.tr("err.judgements.template_unknown", keys=", ".join(unknown),
                                 name=base.name, choices=", ".join(base.criteria)))  # fmt: skip
    if len(set(crit)) != len(crit) or not 2 <= len(crit) <= max(RANDOM_INDEX):
        raise InputError(i18n.tr("err.judgements.template_count", keys=",".join(crit),
                                 max=max(RANDOM_INDEX)))  # fmt: skip
    if isinstance(experts, bool) or not isinstance(experts, int) or not 1 <= experts <= 50:
        raise InputError(i18n.tr("err.judgements.template_experts", value=experts))
    p = Path(path)
    if p.suffix.lower() != ".xlsx":
        raise InputError(i18n.tr("err.judgements.template_suffix", file=p))
    t = i18n.section("pairs", lang)
    labels = {k: i18n.criterion_label(k, lang) for k in crit}
    with atomic_output(p, overwrite=overwrite) as tmp:
        wb = xlsxwriter.Workbook(
            str(tmp),
            {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
        )
        wb.set_properties({"created": output_datetime()})  # reproducible bytes
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
        ws.write(3, 1, _safe(f"{base.name}: {base.title(lang)}"))
        ws.write(5, 0, t["scale"], bold)
        for r, (v, key) in enumerate(_SAATY, 6):
            ws.write(r, 0, v)
            ws.write(r, 1, i18n.t(f"pairs.saaty.{key}", lang))
        pairs = list(itertools.combinations(crit, 2))
        for e in range(1, experts + 1):
            es = wb.add_worksheet(t["expert_sheet"].format(k=e))
            es.write(0, 0, t["expert"], bold)
            es.write(0, 1, "", answer)
            for c, h in enumerate(headers(lang)):
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
