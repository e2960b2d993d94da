"""The rejects table every reader writes: one row per rejected input row, the same columns.

Company lists and sites files alike (and any other row-wise input) put a row they cannot
use into a rejects table instead of dropping it silently or refusing the whole file:

======== ===============================================================================
column   what
======== ===============================================================================
row      the row as the user sees it (:func:`planner.inputs.tables.row_label`): the
         header is row 1 of a CSV, Excel rows are Excel's row numbers; a feature's number
         (from 1) in a GeoJSON/GeoPackage
id       the row's id: the file's own id (``site_id``, ``company_id``), else its name
column   the file's column(s) the problems are about (``; ``-joined), empty when a problem
         spans the row (e.g. swapped coordinates name both)
value    the cell(s) as typed, in the order of ``column``
reason   every problem of the row with its fix, ``; ``-joined
...      then the row's original cells under the file's own headers (a header equal to one
         of ours is renamed ``row (file)``...)
======== ===============================================================================

These are the machine names of the table in memory. A rejects *file* is written for
people: its five columns are headed in the command's language (``Строка файла``,
``Причина``...: :func:`planner.render.outputs.write_table`, the ``columns.*`` messages; the
cells keep their own headers). A rejects file read
back as an input (fixed rows run again) is understood in any language:
:func:`machine_headers` maps the headers of every language back to the machine names.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from planner import i18n
from planner.inputs.columns import RowNotes
from planner.inputs.tables import free_name, row_label

__all__ = [
    "REJECT_COLUMNS", "machine_headers", "rejects_table", "row_problems",
]  # fmt: skip

REJECT_COLUMNS = ("row", "id", "column", "value", "reason")


def _header(name: str, lang: str) -> str:
    """The header of one of :data:`REJECT_COLUMNS` in a rejects file (``columns.*``)."""
    return i18n.t(f"columns.{name}", lang)


def machine_headers(table: pd.DataFrame) -> pd.DataFrame:
    """A rejects file's table with the headers of :data:`REJECT_COLUMNS` in any language
    (and their ``(file)`` forms) back to the machine names (``Причина`` -> ``reason``)."""
    back = {}
    for name in REJECT_COLUMNS:
        for lang in i18n.LANGS:
            back.setdefault(_header(name, lang), name)
    return table.rename(columns={c: back[c] for c in table.columns if c in back})


def _joined(pairs: list[tuple[str, str]], k: int) -> str:
    seen: list[str] = []
    for pair in pairs:
        if pair[k] not in seen or k == 1:
            seen.append(pair[k])
    return "; ".join(seen)


def rejects_table(
    cells: pd.DataFrame, rows: Sequence[int], notes: RowNotes, ok: np.ndarray,
    ids: Sequence[object],
) -> pd.DataFrame:  # fmt: skip
    """The rejected rows (``~ok``) as a table of :data:`REJECT_COLUMNS` + original cells.

    ``cells`` are the file's cells (text, one row per input row), ``rows`` their row
    numbers as the user sees them, ``ids`` each row's id (``""`` when none).
    """
    bad = np.flatnonzero(~np.asarray(ok, dtype=bool))
    original = machine_headers(cells.iloc[bad])  # a rejects file read back: its own columns
    headers = [str(c) for c in original.columns]
    original.columns = [
        free_name(h, [c for c in headers if c != h] + list(REJECT_COLUMNS)) for h in headers
    ]
    pairs = [[(c, v) for c, v in notes.cells(int(i))] for i in bad]
    # one (column, value) per distinct column, in the order found
    firsts = [list(dict((c, v) for c, v in p).items()) for p in pairs]
    head = pd.DataFrame(
        {
            "row": np.asarray(rows, dtype=np.int64)[bad],
            "id": [str(ids[i]) if ids[i] is not None else "" for i in bad],
            "column": [_joined(p, 0) for p in firsts],
            "value": [_joined(p, 1) for p in firsts],
            "reason": ["; ".join(notes.of(int(i))) for i in bad],
        },
        index=original.index,
    )
    out = pd.concat([head, original], axis=1)
    out = out.astype({c: "str" for c in out.columns if out[c].dtype == object})
    out.index = pd.RangeIndex(len(out))
    return out


def row_problems(rejects: pd.DataFrame, what: str = "site", unit: str = "row") -> list[str]:
    """Each rejected row as one line naming its row and id: ``row 3 (site 'B'): ...``, in
    the message language (``what``: ``site`` or ``company``)."""
    who = i18n.section("err.rejects", i18n.message_lang())
    named = who["company" if what == "company" else "site"]
    out = []
    for row, ident, reason in zip(rejects["row"], rejects["id"], rejects["reason"], strict=True):
        out.append(who["line"].format(row=row_label(int(row), unit), reason=reason,
                                      who=named.format(id=ident) if ident else who["no_id"]))
    return out
