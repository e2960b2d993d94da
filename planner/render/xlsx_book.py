"""Excel workbooks an analyst can hand on: localized headers, formats, a columns sheet.

:func:`write_book` writes the tables of a run (the results of ``planner score``, scored
sites, a comparison, rejects) as an ``.xlsx`` for people, in Russian, Kazakh or English:

* **headers** in the chosen language (the ``[columns]`` section of the catalog, or a
  pattern for the per-criterion columns: ``dist_<c>_km``, ``time_<c>_min``, ``c_<c>``,
  ``u_<c>``...); a column of the user's own file keeps its name;
* a **columns** sheet: for every sheet and column the header shown, the machine name,
  the unit and the definition (so programs read the book by machine names:
  :mod:`planner.inputs.planner_book`);
* an **about** sheet: title, scenario and its hash, the as-of date, the inputs (with
  their sha256), the sheets, the command and the data note;
* **number formats**: km, minutes, scores and points to 1 decimal, hectares to 2,
  shares as %, utilities to 2 decimals, ranks and counts as whole numbers, lon/lat to 5
  decimals (formats, not rounding: the cell keeps the full value);
* **Да/Нет** (Иә/Жоқ, Yes/No) instead of TRUE/FALSE, empty when not known;
* **labels of machine values**: a cell holding a machine value of a known column (company
  ``status``, ``sector``, ``no_site_reason``, allocation ``reason``, zone ``zone_status`` /
  ``sez_status`` / ``zone_kind``, ``exclusion_reason``, ``site_source``...) shows its label
  in the chosen language; the ``columns`` sheet pairs each label with its machine value
  (``machine = label``, one per line), so a reader maps it back exactly
  (:mod:`planner.inputs.planner_book`); a value that has no label stays as it is;
* a frozen header row, an autofilter, column widths from the content, headers wrapped;
* the per-company summary (sheet ``companies``) first when there is one.

Cells are written as values only: text cells starting a formula are already prefixed
with ``'`` by :func:`planner.render.outputs.neutralize_formulas`, and xlsxwriter's
``strings_to_formulas`` / ``strings_to_urls`` / ``strings_to_numbers`` are off, so the
book holds no formula, link or number made from text.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner import i18n
from planner.i18n.catalog import messages

__all__ = ["ABOUT_SHEET", "COLUMNS_SHEET", "VALUE_LABELS", "column_info", "value_labels",
           "write_book"]  # fmt: skip

COLUMNS_SHEET = "columns"
ABOUT_SHEET = "about"
_FIRST = ("companies",)  # sheets put first when present (the per-company summary)
_LANG_SUFFIX = re.compile(r"^(why|verdict|flip)_(ru|kk|en)$")
_RANK_METHOD = re.compile(r"^rank_(wlc|topsis|promethee2)$")
_DIST = {"dist_zone_km": "zone_proximity"}

#: number format by unit (Excel codes; Excel shows them with the reader's decimal mark)
_FORMATS = {
    "km": "0.0", "min": "0.0", "score": "0.0", "points": "0.0", "ha": "#,##0.00",
    "m": "#,##0", "utility": "0.00", "share": "0.0%", "rank": "0", "count": "#,##0",
    "row": "0", "degrees": "0.00000", "weight": "0.000",
}  # fmt: skip
#: unit words the catalog has already (else ``xlsx.unit_<unit>``)
_UNIT_KEYS = {"km": "map.km", "min": "map.min", "ha": "map.ha"}
#: unit of the columns whose unit is not in their name
_UNITS = {
    "row": "row", "land_ha": "ha", "employees": "count", "needs_rail": "yes_no",
    "export_oriented": "yes_no", "max_dist_almaty_km": "km", "rank": "rank", "score": "score",
    "score_wlc": "score", "allocated": "yes_no", "p_first": "share", "rank_p5": "rank",
    "rank_p95": "rank", "area_unknown": "yes_no", "site_capacity_ha": "ha",
    "site_area_ha": "ha", "site_free_ha": "ha", "area_ha": "ha", "free_ha": "ha",
    "zone_free_ha": "ha", "preferred_zone_match": "yes_no", "in_almaty": "yes_no",
    "excluded": "yes_no", "lon": "degrees", "lat": "degrees", "snap_m": "m",
    "no_road_access": "yes_no", "as_of": "date", "n_feasible": "count",
    "best_score": "score", "best_p_first": "share", "allocated_score": "score",
    "site_used_ha": "ha", "site_companies": "count", "position": "rank",
    "eligible": "yes_no", "rank_also": "rank", "score_also": "score", "met": "yes_no",
    "rank_from": "rank", "rank_to": "rank", "score_from": "score", "score_to": "score",
    "moved": "rank", "weight_scenario": "weight", "weight_used": "weight",
}  # fmt: skip


#: machine column -> catalog sections labelling its values ("sector": the sector profiles)
VALUE_LABELS: dict[str, tuple[str, ...]] = {
    "status": ("values.company_status", "status"), "no_site_reason": ("values.no_site_reason",),
    "allocation_reason": ("values.unassigned",), "reason": ("values.unassigned",),
    "zone_status": ("status",), "sez_status": ("status",), "zone_kind": ("kind",),
    "kind": ("kind",), "exclusion_reason": ("exclusion",), "site_source": ("values.site_source",),
    "sector": (),
}  # fmt: skip
#: columns holding several machine values joined with ";" (labels joined with "; ")
_MULTI = frozenset({"exclusion_reason"})
#: what joins a multi-valued cell's labels, and each (machine = label) pair of the columns sheet
LABEL_JOIN, PAIR = "; ", " = "


def value_labels(column: str, lang: str) -> dict[str, str]:
    """Machine value -> label in ``lang`` of the values of ``column`` (empty: not labelled)."""
    if column not in VALUE_LABELS:
        return {}
    out: dict[str, str] = {}
    for sec in VALUE_LABELS[column]:
        prefix = f"{sec}."
        out.update({k[len(prefix):]: v for k, v in messages(lang).items()
                    if k.startswith(prefix) and "." not in k[len(prefix):]})  # fmt: skip
    if column == "sector":
        from planner.config.sectors import load_sectors

        out.update({key: prof.title(lang) for key, prof in load_sectors().sectors.items()})
    return out


def _labelled(col: pd.Series, name: str, lang: str) -> tuple[pd.Series, str]:
    """The cells of a machine-value column as labels, and the (machine = label) pairs used."""
    words = value_labels(name, lang)
    if not words or col.dtype.kind in "biufcmM":
        return col, ""
    used: dict[str, str] = {}

    def one(v):
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return v
        parts = str(v).split(";") if name in _MULTI else [str(v)]
        if not all(p in words for p in parts if p):
            return v
        used.update({p: words[p] for p in parts if p})
        return LABEL_JOIN.join(words[p] for p in parts if p)

    obj = col.astype(object)
    table = {v: one(v) for v in pd.unique(obj.dropna())}  # each distinct value once
    out = obj.map(lambda v: table.get(v, v) if isinstance(v, str) else v)
    pairs = "\n".join(f"{k}{PAIR}{used[k]}" for k in sorted(used))
    return (out, pairs) if used else (col, "")


def _criterion(key: str, lang: str) -> str:
    return i18n.criterion_label(key, lang) if f"criterion.{key}" in messages(lang) else key


def _pattern(name: str, lang: str) -> tuple[str, str, str] | None:
    """(header, unit, definition) of a per-criterion or per-language column, else None."""
    for prefix, suffix, key, unit in (
        ("dist_", "_km", "dist", "km"), ("time_", "_min", "time", "min"),
        ("c_", "", "points", "points"), ("u_", "", "utility", "utility"),
        ("d_", "", "change", "points"), ("filtered_", "", None, "count"),
    ):  # fmt: skip
        if name.startswith(prefix) and name.endswith(suffix) and key is not None:
            crit = name[len(prefix) : len(name) - len(suffix)]
            crit = _DIST.get(name, crit if prefix != "time_" else f"time_{crit}")
            if f"criterion.{crit}" in messages(lang):
                label = _criterion(crit, lang)
                return (i18n.t(f"xlsx.{key}", lang, criterion=label), unit,
                        i18n.t(f"xlsx.{key}_def", lang, criterion=label))  # fmt: skip
    m = _LANG_SUFFIX.match(name)
    if m:
        language = i18n.t(f"xlsx.lang_{m.group(2)}", lang)
        return (i18n.t(f"xlsx.{m.group(1)}", lang, language=language), "text",
                i18n.t(f"xlsx.{m.group(1)}_def", lang, language=language))  # fmt: skip
    m = _RANK_METHOD.match(name)
    if m:
        method = i18n.t(f"method.{m.group(1)}", lang)
        return (i18n.t("xlsx.rank_method", lang, method=method), "rank",
                i18n.t("xlsx.rank_method_def", lang, method=method))  # fmt: skip
    return None


def column_info(name: str, lang: str) -> tuple[str, str | None, str]:
    """(header, unit key or None, definition) of a column in ``lang``.

    A column the catalog does not know (a column of the user's own file) keeps its name
    as header, with "a column of the input file" as definition.
    """
    name = str(name)
    cat = messages(lang)
    if f"columns.{name}" in cat:
        unit = _UNITS.get(name)
        if unit is None and name.endswith("_id"):
            unit = "text"
        return cat[f"columns.{name}"], unit or "text", cat[f"column_defs.{name}"]
    found = _pattern(name, lang)
    if found is not None:
        return found
    return name, None, i18n.t("xlsx.user_column_def", lang)


def _unique(labels: list[str], names: list[str]) -> list[str]:
    """Headers made unique within a sheet: a repeated one gets its machine name."""
    seen: dict[str, int] = {}
    for lab in labels:
        seen[lab.casefold()] = seen.get(lab.casefold(), 0) + 1
    return [
        f"{lab} ({name})" if seen[lab.casefold()] > 1 and lab != name else lab
        for lab, name in zip(labels, names, strict=True)
    ]


def _is_bool(col: pd.Series) -> bool:
    if col.dtype == bool or isinstance(col.dtype, pd.BooleanDtype):
        return True
    if col.dtype != object:
        return False
    vals = col.dropna()
    return len(vals) > 0 and all(isinstance(v, bool | np.bool_) for v in vals.tolist())


def _words(col: pd.Series, lang: str) -> pd.Series:
    """True/False as Да/Нет (Иә/Жоқ, Yes/No); missing stays empty."""
    yes, no = i18n.t("xlsx.yes", lang), i18n.t("xlsx.no", lang)
    obj = col.astype(object)
    return obj.map(lambda v: None if v is None or v is pd.NA else (yes if bool(v) else no))


def _width(header: str, col: pd.Series) -> float:
    sample = col.iloc[:300].map(lambda v: "" if v is None else str(v)).str.len()
    content = int(sample.max()) if len(sample) else 0
    if col.dtype.kind == "f":
        content = min(content, 10)
    longest_word = max((len(w) for w in header.split()), default=0)
    want = max(content, min(len(header), 18), longest_word, 6)
    return float(min(want + 2, 60))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _about_rows(about: Mapping[str, Any], sheets: list[str], lang: str) -> list[tuple[str, str]]:
    from planner.render.outputs import neutralize_cell

    def tr(key: str, **f) -> str:
        return i18n.t(f"xlsx.{key}", lang, **f)

    rows = [(tr("about_title"), "")]
    for key, label in (("scenario", "report.scenario"),
                       ("scenario_hash", "xlsx.about_scenario_hash"),
                       ("as_of", "xlsx.about_as_of")):  # fmt: skip
        if about.get(key):
            rows.append((i18n.t(label, lang), str(about[key])))
    cat = messages(lang)
    for label, value in (about.get("inputs") or {}).items():
        if value is None or str(value) == "builtin":
            text = tr("builtin")
        elif isinstance(value, str | os.PathLike) and Path(value).is_file():
            text = f"{value} (sha256 {_sha256(Path(value))})"
        else:
            text = str(value)
        name = cat.get(f"xlsx.input.{label}", str(label))
        rows.append((tr("about_input", label=name), text))
    described = {"results": "sheet_results", "companies": "sheet_companies",
                 "allocation": "sheet_allocation"}  # fmt: skip
    shown = [f"{s}: {tr(described[s])}" if s in described else s for s in sheets]
    rows.append((tr("about_sheets"), "; ".join([*shown, COLUMNS_SHEET, ABOUT_SHEET])))
    rows.append((tr("about_columns"), COLUMNS_SHEET))
    if about.get("version"):
        rows.append((tr("about_version"), str(about["version"])))
    rows.append((tr("about_note"), tr("data_note")))
    return [(k, neutralize_cell(v)) for k, v in rows]


def _prepared(table: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, list[tuple]]:
    """The table with yes/no words and value labels, and (header, machine name, unit,
    definition, machine = label pairs) per column."""
    out = table.copy()
    info = []
    for i, name in enumerate(table.columns):
        col = table.iloc[:, i]
        header, unit, definition = column_info(str(name), lang)
        pairs = ""
        if _is_bool(col):
            out.isetitem(i, _words(col, lang))
            unit = "yes_no"
        else:
            labelled, pairs = _labelled(col, str(name), lang)
            if pairs:
                out.isetitem(i, labelled)
        info.append((header, str(name), unit, definition, pairs))
    headers = _unique([h for h, *_ in info], [n for _, n, *_ in info])
    return out, [(h, *rest) for h, (_, *rest) in zip(headers, info, strict=True)]


def _write_sheet(xw, book, name: str, table: pd.DataFrame, info, fmts) -> None:
    table.to_excel(xw, sheet_name=name, index=False, header=False, startrow=1, na_rep="")
    ws = xw.sheets[name]
    for j, (header, _machine, unit, *_) in enumerate(info):
        ws.write_string(0, j, header, fmts["header"])
        fmt = fmts.get(unit) if unit in _FORMATS else None
        ws.set_column(j, j, _width(header, table.iloc[:, j]), fmt)
    ws.set_row(0, None, fmts["header"])
    ws.freeze_panes(1, 0)
    if len(info):
        ws.autofilter(0, 0, max(len(table), 1), len(info) - 1)


def write_book(
    tables: Mapping[str, pd.DataFrame], tmp: Path, lang: str, about: Mapping[str, Any],
    options: Mapping[str, bool],
) -> None:
    """Write ``tables`` (sheet name -> table, already formula-safe) to the file ``tmp``.

    ``about``: ``scenario``, ``scenario_hash``, ``as_of``, ``inputs`` (label -> path or
    spec), ``command``, ``version``: what the ``about`` sheet says.
    """
    i18n.check_lang(lang)
    order = [s for s in _FIRST if s in tables] + [s for s in tables if s not in _FIRST]
    catalog_rows = []
    with open(tmp, "wb") as fh, pd.ExcelWriter(
        fh, engine="xlsxwriter", engine_kwargs={"options": dict(options)}
    ) as xw:
        from planner.render.reproducible import output_datetime

        book = xw.book
        book.set_properties({"created": output_datetime()})  # reproducible bytes
        fmts = {u: book.add_format({"num_format": f}) for u, f in _FORMATS.items()}
        fmts["header"] = book.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bottom": 1, "bg_color": "#EEF2F7"}
        )
        for sheet in order:
            table, info = _prepared(tables[sheet], lang)
            _write_sheet(xw, book, sheet, table, info, fmts)
            unit_word = {u: i18n.t(_UNIT_KEYS.get(u, f"xlsx.unit_{u}"), lang)
                         for u in _FORMATS.keys() | {"yes_no", "text", "date"}}  # fmt: skip
            catalog_rows += [(sheet, machine, header, unit_word.get(unit, ""), definition, pairs)
                             for header, machine, unit, definition, pairs in info]  # fmt: skip
        cols = pd.DataFrame(catalog_rows)
        heads = [i18n.t(f"xlsx.col_{k}", lang) for k in
                 ("sheet", "column", "header", "unit", "definition", "values")]  # fmt: skip
        info = [(h, h, None, "") for h in heads]
        _write_sheet(xw, book, COLUMNS_SHEET, cols if len(cols) else pd.DataFrame(
            columns=range(6)), info, fmts)  # fmt: skip
        xw.sheets[COLUMNS_SHEET].set_column(5, 5, 50, book.add_format({"text_wrap": True}))
        rows = pd.DataFrame(_about_rows(about, order, lang))
        info = [(i18n.t("xlsx.about_item", lang), "item", None, ""),
                (i18n.t("xlsx.about_value", lang), "value", None, "")]  # fmt: skip
        _write_sheet(xw, book, ABOUT_SHEET, rows, info, fmts)
        xw.sheets[ABOUT_SHEET].set_column(1, 1, 100, book.add_format({"text_wrap": True}))
