"""Reading the planner's own XLSX back by machine names (whatever language it was written in).

A workbook written for people (:mod:`planner.render.xlsx_book`) has headers in Russian,
Kazakh or English and Да/Нет (Иә/Жоқ, Yes/No) for booleans; its ``columns`` sheet lists,
per sheet, each header with the machine name and unit. :func:`machine_header` gives a
sheet's headers as machine names and its yes/no cells as ``true``/``false``, so
``planner map --results out/results.xlsx``, the web app and any reader of
:func:`planner.inputs.tables.read_table` read the book as if it had machine headers. A
workbook without that sheet (anyone else's) is left as it is.
"""

from __future__ import annotations

import functools

from planner import i18n

__all__ = ["COLUMNS_SHEET", "MachineNames", "machine_names"]

COLUMNS_SHEET = "columns"


@functools.cache
def _words() -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    """(machine-name headers, yes/no unit words, yes words, no words) in every language."""

    def each(key: str) -> frozenset[str]:
        return frozenset(i18n.t(key, lang) for lang in i18n.LANGS)

    return each("xlsx.col_column"), each("xlsx.unit_yes_no"), each("xlsx.yes"), each("xlsx.no")


class MachineNames:
    """Header -> machine name of one sheet, and the machine names of its yes/no columns."""

    def __init__(self, names: dict[str, str], yes_no: set[str]) -> None:
        self.names, self.yes_no = names, yes_no

    def header(self, header: list[str]) -> list[str]:
        return [self.names.get(h, h) for h in header]

    def records(self, header: list[str], records: list[list[str]]) -> None:
        """Yes/no words of the yes/no columns as ``true``/``false``, in place."""
        _, _, yes, no = _words()
        cols = [i for i, h in enumerate(header) if h in self.yes_no]
        for rec in records:
            for i in cols:
                if i < len(rec):
                    v = rec[i]
                    rec[i] = "true" if v in yes else "false" if v in no else v


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
    for row in rows:
        if len(row) < 4 or row[0] != sheet or row[1] is None or row[2] is None:
            continue
        names[str(row[2])] = str(row[1])
        if row[3] in yes_no_units:
            yes_no.add(str(row[1]))
    return MachineNames(names, yes_no)
