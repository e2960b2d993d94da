"""Expert judgements for pairwise weighting, as the panel hands them in: TOML or XLSX.

``planner scenarios weigh PAIRS`` reads one of:

* **TOML** (``.toml``): a scenario fragment::

      base = "bakad-perimeter"            # transforms and needs come from this scenario
      name = "panel-2026"                 # optional: name and titles of the new scenario
      title_ru = "Экспертная панель 2026"

      [weights.pairwise]                  # as in a scenario (planner.config.weighting)
      [[weights.pairwise.experts]]
      name = "Expert A"
      judgements = { interchange = { zone = 3, almaty = 5 }, zone = { almaty = 2 } }

* **XLSX** (``.xlsx``): the template of ``planner scenarios template`` filled in by the
  experts (:mod:`planner.render.pairs_template`): one sheet per expert, one row per pair of
  criteria, the answer "which matters more: A, B or =" and "how much (1-9)". The
  machine-readable criterion keys sit beside the labels, so the labels may be in Russian,
  Kazakh or English. The hidden-from-nobody sheet ``planner`` records the base scenario.

Everything is read as text and parsed explicitly; a problem names the file, sheet, row
and column, the value and the fix. An expert sheet left entirely blank is skipped (and
reported); a partly filled one is an error.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner import i18n
from planner._infiles import refuse_special
from planner.config._problems import shown, toml_where
from planner.config.pairs_form import FIRST_ROW, META_SHEET, headers
from planner.errors import InputError
from planner.i18n import tr
from planner.inputs.tables import cell_text

__all__ = ["META_SHEET", "JudgementFile", "read_judgements"]

_COLS = "ABCDEFG"
# A and B as experts type them: Latin or Cyrillic look-alikes, any case
_SIDE = {"a": "A", "а": "A", "b": "B", "в": "B", "б": "B", "=": "=", "==": "="}


@dataclass(frozen=True)
class JudgementFile:
    """What a judgements file holds: the ``[weights.pairwise]`` table and the metadata.

    ``pairwise`` has the structure of a scenario's ``[weights.pairwise]`` table;
    ``meta`` holds ``base``, ``name``, ``title_en``, ``title_ru``, ``description`` when
    given; ``notes`` lists what was skipped (blank expert sheets).
    """

    path: Path
    pairwise: dict[str, Any]
    meta: dict[str, str]
    notes: list[str] = field(default_factory=list)


_META_KEYS = ("base", "name", "title_en", "title_ru", "title_kk", "description",
              "description_ru", "description_kk")  # fmt: skip


def read_judgements(path: str | Path) -> JudgementFile:
    """Read a PAIRS file (``.toml`` or ``.xlsx``); see the module docstring."""
    p = Path(path)
    refuse_special(p, "judgements file")
    if not p.is_file():
        raise InputError(tr("err.judgements.not_found", file=p))
    suffix = p.suffix.lower()
    if suffix == ".toml":
        return _read_toml(p)
    if suffix == ".xlsx":
        return _read_xlsx(p)
    raise InputError(tr("err.judgements.suffix", file=p, suffix=suffix or "-"))


def _read_toml(p: Path) -> JudgementFile:
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(tr("err.judgements.not_utf8", file=p)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(tr("err.judgements.not_toml", file=p, at=toml_where(exc))) from exc
    allowed = {*_META_KEYS, "weights"}
    extra = sorted(set(data) - allowed)
    if extra:
        raise InputError(tr("err.judgements.unknown_keys", file=p, keys=", ".join(extra),
                            choices=", ".join(sorted(allowed))))  # fmt: skip
    wt = data.get("weights")
    if (
        not isinstance(wt, dict)
        or not isinstance(wt.get("pairwise"), dict)
        or set(wt) != {"pairwise"}
    ):
        raise InputError(tr("err.judgements.no_pairwise", file=p))
    meta = {}
    for k in _META_KEYS:
        if k in data:
            if not isinstance(data[k], str):
                raise InputError(tr("err.judgements.not_text", file=p, key=k, value=shown(data[k])))
            meta[k] = data[k]
    return JudgementFile(path=p, pairwise=dict(wt["pairwise"]), meta=meta)


def _text(v: Any) -> str:
    return cell_text(v).strip()


def _read_xlsx(p: Path) -> JudgementFile:
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InputError(tr("err.judgements.not_xlsx", file=p)) from exc
    try:
        meta = _meta(wb, p)
        experts, criteria, notes, problems = [], None, [], []
        for ws in wb.worksheets:
            if ws.title == META_SHEET:
                continue
            rows = [tuple(r) for r in ws.iter_rows(min_row=1, max_col=len(_COLS), values_only=True)]
            if len(rows) < FIRST_ROW - 1 or not _is_expert_sheet(rows[FIRST_ROW - 2]):
                continue
            got = _expert(ws.title, rows, p, problems)
            if got is None:
                notes.append(tr("warn.config.sheet_blank", sheet=ws.title))
                continue
            name, crit, judg = got
            if criteria is None:
                criteria = crit
            elif crit != criteria:
                problems.append(tr("err.judgements.other_pairs", sheet=ws.title,
                                   criteria=", ".join(crit),
                                   first=", ".join(criteria)))  # fmt: skip
            experts.append({"name": name or ws.title, "judgements": judg})
    finally:
        wb.close()
    if problems:
        raise InputError(tr("err.judgements.problems", file=p, problems="; ".join(problems)))
    if not experts:
        raise InputError(tr("err.judgements.no_sheet", file=p))
    pairwise = {"criteria": list(criteria or []), "experts": experts}
    return JudgementFile(path=p, pairwise=pairwise, meta=meta, notes=notes)


def _meta(wb, p: Path) -> dict[str, str]:
    if META_SHEET not in wb.sheetnames:
        return {}
    meta = {}
    for r, row in enumerate(wb[META_SHEET].iter_rows(min_row=1, max_col=2, values_only=True), 1):
        key, value = _text(row[0]), _text(row[1] if len(row) > 1 else None)
        if key in _META_KEYS and value:
            meta[key] = value
        elif key and key not in _META_KEYS and key not in ("lang", "criteria", "version"):
            raise InputError(tr("err.judgements.meta_key", file=p, sheet=META_SHEET, row=r,
                                value=key, choices=", ".join(_META_KEYS)))  # fmt: skip
    return meta


def _is_expert_sheet(header: tuple) -> bool:
    cells = [_text(c) for c in header]
    keys = {h for lang in i18n.LANGS for h in headers(lang)[5:7]}  # "код A", "key B", ...
    return len(cells) >= 7 and cells[5] in keys and cells[6] in keys


def _expert(title: str, rows: list[tuple], p: Path, problems: list[str]):
    name = _text(rows[0][1]) if rows and len(rows[0]) > 1 else ""
    def at(r: int, col: str, key: str, **fields) -> str:
        return tr(f"err.judgements.{key}", sheet=title, row=r, column=col, **fields)

    crit: list[str] = []
    judg: dict[str, dict[str, Any]] = {}
    answered = 0
    local: list[str] = []
    for r, row in enumerate(rows[FIRST_ROW - 1 :], FIRST_ROW):
        row = tuple(row) + (None,) * (len(_COLS) - len(row))
        key_a, key_b = _text(row[5]), _text(row[6])
        side, much = _text(row[3]), _text(row[4])
        if not key_a and not key_b:
            if side or much:
                local.append(at(r, "F-G", "no_keys"))
            continue
        if not key_a or not key_b:
            local.append(at(r, "F" if not key_a else "G", "key_missing"))
            continue
        for k in (key_a, key_b):
            if k not in crit:
                crit.append(k)
        if not side and not much:
            local.append(at(r, "D", "no_answer"))
            continue
        answered += 1
        s = _SIDE.get(side.casefold())
        if s is None:
            local.append(at(r, "D", "bad_side", value=side))
            continue
        if s == "=":
            if much not in ("", "1"):
                local.append(at(r, "E", "equal_not_one", value=much))
                continue
            judg.setdefault(key_a, {})[key_b] = 1
            continue
        try:
            k = float(much.replace(",", "."))
        except ValueError:
            k = float("nan")
        if not (k == k and 1 <= k <= 9):
            local.append(at(r, "E", "bad_much", value=much))
            continue
        k = int(k) if k.is_integer() else k
        judg.setdefault(key_a, {})[key_b] = (
            k if s == "A" else (f"1/{k}" if isinstance(k, int) else 1 / k)
        )
    if answered == 0:
        return None
    problems.extend(local)
    return name, crit, judg
