"""Reading the planner's own XLSX back by machine names (whatever language it was written in).

A workbook written for people (:mod:`planner.render.xlsx_book`) has headers in Russian,
Kazakh or English, Да/Нет (Иә/Жоқ, Yes/No) for booleans and labels for machine values
(a company's status, a sector...); its ``columns`` sheet lists, per sheet, each header with
the machine name and unit, and, for a column of labelled values, each ``machine = label``
pair (one per line). :func:`machine_names` gives a sheet's headers as machine names, its
yes/no cells as ``true``/``false`` and its labels as the machine values, so
``planner map --results out/results.xlsx``, the web app and any reader of
:func:`planner.inputs.tables.read_table` read the book as if it had machine headers. A
workbook without that sheet (anyone else's) is left as it is.
"""

from __future__ import annotations

import functools

from planner import i18n

__all__ = ["COLUMNS_SHEET", "MachineNames", "machine_names", "machine_value"]

COLUMNS_SHEET = "columns"


@functools.cache
def _words() -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    """(machine-name headers, yes/no unit words, yes words, no words) in every language."""

    def each(key: str) -> frozenset[str]:
        return frozenset(i18n.t(key, lang) for lang in i18n.LANGS)

    return each("xlsx.col_column"), each("xlsx.unit_yes_no"), each("xlsx.yes"), each("xlsx.no")


#: what joins the labels of a multi-valued cell, the machine values, and a pair's two sides
_LABEL_JOIN, _MACHINE_JOIN, _PAIR = "; ", ";", " = "


def _pairs(text: object) -> dict[str, str]:
    """Label -> machine value from a ``columns`` sheet cell of ``machine = label`` lines."""
    out = {}
    for line in str(text or "").splitlines():
        machine, sep, label = line.partition(_PAIR)
        if sep and machine.strip() and label:
            out[label] = machine.strip()
    return out


class MachineNames:
    """Header -> machine name of one sheet, the machine names of its yes/no columns, and
    label -> machine value per column of labelled values."""

    def __init__(self, names: dict[str, str], yes_no: set[str],
                 values: dict[str, dict[str, str]] | None = None) -> None:  # fmt: skip
        self.names, self.yes_no, self.values = names, yes_no, values or {}

    def header(self, header: list[str]) -> list[str]:
        return [self.names.get(h, h) for h in header]

    def records(self, header: list[str], records: list[list[str]]) -> None:
        """Yes/no words of the yes/no columns as ``true``/``false`` and labels as machine
        values, in place."""
        _, _, yes, no = _words()
        cols = [i for i, h in enumerate(header) if h in self.yes_no]
        labelled = [(i, self.values[h]) for i, h in enumerate(header) if h in self.values]
        for rec in records:
            for i in cols:
                if i < len(rec):
                    v = rec[i]
                    rec[i] = "true" if v in yes else "false" if v in no else v
            for i, pairs in labelled:
                if i < len(rec):
                    rec[i] = machine_value(rec[i], pairs)


def machine_value(cell: str, pairs: dict[str, str]) -> str:
    """The machine value of a labelled cell (labels joined with "; " give values joined
    with ";"); a cell that is not a label stays as it is."""
    if cell in pairs:
        return pairs[cell]
    parts = cell.split(_LABEL_JOIN)
    if len(parts) > 1 and all(p in pairs for p in parts):
        return _MACHINE_JOIN.join(pairs[p] for p in parts)
    return cell


def machine_names(wb, sheet: str) -> MachineNames | None:
    """The machine names of ``sheet`` from the ``columns`` sheet of an open workbook
    (openpyxl), or None when the workbook is not one the planner wrote."""
    if sheet == COLUMNS_SHEET or COLUMNS_SHEET not in wb.sheetnames:
        return None
    machine_head, yes_no_units, _, _ = _words()
    rows = wb[COLUMNS_SHEET].iter_rows(values_only=True)
    head = next(rows, None)
    if not head or len(head) < 4 or head[1] not in machine_head:
        return None
    names: dict[str, str] = {}
    yes_no: set[str] = set()
    values: dict[str, dict[str, str]] = {}
    for row in rows:
        if len(row) < 4 or row[0] != sheet or row[1] is None or row[2] is None:
            continue
        names[str(row[2])] = str(row[1])
        if row[3] in yes_no_units:
            yes_no.add(str(row[1]))
        if len(row) > 5 and _pairs(row[5]):
            values[str(row[1])] = _pairs(row[5])
    return MachineNames(names, yes_no, values)
