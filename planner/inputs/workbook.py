"""Excel workbooks read with bounded memory (issue 12, item 4).

A workbook is a ZIP archive of XML. Two hostile shapes used to exhaust the machine:

* **a stray cell far away** (one formatted cell at ``XFD1048576``): the sheet's declared
  dimensions become 16,384 columns x 1,048,576 rows and a reader that walks the declared
  range creates billions of cells. Here the sheet is streamed (openpyxl read-only mode)
  with its declared dimensions ignored: each row is as wide as its own last cell, empty
  rows cost nothing, trailing empty cells are dropped, and columns with neither a header
  nor a value are left out. Memory follows the data, not the dimensions.
* **a ZIP bomb** (3 MB on disk unpacking to 3 GiB): the sizes the archive declares for
  its members are added up *before* anything is decompressed, and a workbook unpacking to
  more than :data:`MAX_UNPACKED_BYTES` is refused. (Python's zipfile never yields more
  bytes than a member declares, so the declared sizes bound what is read.)

While streaming, more than :data:`MAX_CELLS` non-empty cells, or rows spanning more than
:data:`MAX_SPAN` cell positions in all (a stray cell at column XFD on thousands of rows),
stop the read with a message naming the row and the fix.
"""

from __future__ import annotations

import zipfile
from typing import TYPE_CHECKING

from openpyxl.utils import get_column_letter

from planner import i18n
from planner.i18n import tr

if TYPE_CHECKING:
    from planner.inputs.tables import RawTable, _Where

__all__ = ["MAX_CELLS", "MAX_SPAN", "MAX_UNPACKED_BYTES", "check_archive", "read_xlsx"]

#: the most a workbook may unpack to (all ZIP members, as declared)
MAX_UNPACKED_BYTES = 256 << 20
#: the most non-empty cells read from one sheet
MAX_CELLS = 2_000_000
#: the most cell positions (row widths summed) walked in one sheet
MAX_SPAN = 40_000_000
def _mib(n: float, digits: int = 0) -> str:
    return i18n.format_number(n / 2**20, i18n.message_lang(), digits, grouping=True)


def _n(n: int) -> str:
    return i18n.format_number(n, i18n.message_lang(), grouping=True)


def check_archive(where: _Where) -> None:
    """Refuse a ZIP that is not a workbook or that unpacks to too much, reading nothing."""
    try:
        with zipfile.ZipFile(where.path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise where.error(tr("err.tables.damaged_zip", error=exc)) from exc
    names = [i.filename for i in infos]
    if "xl/workbook.xml" not in names:
        shown = ", ".join(repr(n) for n in names[:5]) + (", ..." if len(names) > 5 else "")
        raise where.error(tr("err.tables.zip", n=len(names),
                             names=shown or tr("err.sites.none")))  # fmt: skip
    total = sum(i.file_size for i in infos)
    if total > MAX_UNPACKED_BYTES:
        size = where.path.stat().st_size
        raise where.error(tr("err.tables.zip_bomb", total=_mib(total), size=_mib(size, 1),
                             limit=_mib(MAX_UNPACKED_BYTES), fix=tr("err.tables.fix_unused")))


def _open(where: _Where, data_only: bool):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return openpyxl.load_workbook(where.path, read_only=True, data_only=data_only)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise where.error(tr("err.tables.bad_xlsx", error=exc)) from exc


class _Limits:
    def __init__(self, where: _Where) -> None:
        self.where, self.cells, self.span = where, 0, 0

    def row(self, rownum: int, width: int, filled: int) -> None:
        self.cells += filled
        self.span += width
        if self.cells > MAX_CELLS:
            raise self.where.error(tr("err.tables.too_many_cells", limit=_n(MAX_CELLS),
                                      row=rownum))  # fmt: skip
        if self.span > MAX_SPAN:
            raise self.where.error(tr(
                "err.tables.too_wide", row=rownum, column=get_column_letter(max(width, 1)),
                limit=_n(MAX_SPAN), fix=tr("err.tables.fix_unused"),
            ))


def _row_texts(row_val, row_f, rownum, problems, numeric_cells) -> tuple[list[str], int]:
    """The texts of one streamed row (trailing blanks dropped) and its non-empty count."""
    from planner.inputs.tables import cell_text

    texts: list[str] = []
    filled = 0
    n_f = len(row_f)
    for i, cv in enumerate(row_val):
        value = cv.value
        cf = row_f[i] if i < n_f else None
        is_formula = cf is not None and cf.data_type == "f"
        if value is None and not is_formula:
            texts.append("")
            continue
        coord = f"{get_column_letter(i + 1)}{rownum}"
        if is_formula and value is None:
            problems.setdefault(rownum, []).append(tr("err.tables.formula", cell=coord,
                                                      formula=cf.value))  # fmt: skip
        elif cv.data_type == "e":
            problems.setdefault(rownum, []).append(tr("err.tables.excel_error", cell=coord,
                                                      value=value))  # fmt: skip
            value = None
        elif cv.data_type == "n" and isinstance(value, int | float) and not isinstance(
            value, bool
        ):
            numeric_cells.append((rownum, i, coord, cell_text(value)))
        text = cell_text(value)
        filled += bool(text)
        texts.append(text)
    while texts and not texts[-1]:
        texts.pop()
    return texts, filled


def _drop_empty_columns(header, records, numeric_cells):
    """Leave out the columns with neither a header nor any value (a stray far cell's gap)."""
    width = max([len(header), *map(len, records)])
    used = [False] * width
    for rec in (header, *records):
        for i, v in enumerate(rec):
            if v and not used[i]:
                used[i] = True
    if all(used):
        return header, records, numeric_cells
    keep = [i for i, u in enumerate(used) if u]
    new = {old: k for k, old in enumerate(keep)}

    def cut(rec):
        return [rec[i] for i in keep if i < len(rec)]

    numeric = [(r, new[c], name, t) for r, c, name, t in numeric_cells if c in new]
    return cut(header), [cut(r) for r in records], numeric


def read_xlsx(sheet: str | int | None, where: _Where, prefer: str | None = None) -> RawTable:
    """The chosen sheet as a :class:`~planner.inputs.tables.RawTable` (see module doc)."""
    from planner.inputs.tables import _pick_sheet, _split_header

    check_archive(where)
    wb_val = _open(where, data_only=True)
    try:
        wb_f = _open(where, data_only=False)
    except BaseException:
        wb_val.close()
        raise
    try:
        if sheet is None and prefer in wb_val.sheetnames:
            sheet = prefer
        name = _pick_sheet(wb_val.sheetnames, sheet, where)
        ws_val, ws_f = wb_val[name], wb_f[name]
        for ws in (ws_val, ws_f):
            ws.reset_dimensions()  # the declared <dimension> may be A1:XFD1048576
        problems: dict[int, list[str]] = {}
        numeric_cells: list[tuple[int, int, str, str]] = []
        records: list[list[str]] = []
        numbers: list[int] = []
        limits = _Limits(where)
        rows_f = ws_f.iter_rows(min_row=1)
        for rownum, row_val in enumerate(ws_val.iter_rows(min_row=1), start=1):
            row_f = next(rows_f, ())
            if not row_val:  # a row absent from the sheet (the gap before a far stray cell)
                continue
            texts, filled = _row_texts(row_val, row_f, rownum, problems, numeric_cells)
            limits.row(rownum, len(row_val), filled)
            if texts:
                records.append(texts)
                numbers.append(rownum)
        from planner.inputs.planner_book import machine_names

        book = machine_names(wb_val, name)  # the planner's own XLSX: by machine names
    finally:
        wb_val.close()
        wb_f.close()
    if records:
        header, body, numeric_cells = _drop_empty_columns(records[0], records[1:], numeric_cells)
        records = [header, *body]
    raw = _split_header(records, numbers, where, sheet=name)
    if book is not None:
        raw.header = book.header(raw.header)
        book.records(raw.header, raw.records)
    raw.blank_rows = (raw.rows[-1] - raw.header_row - len(raw.rows)) if raw.rows else 0
    first_data = raw.rows[0] if raw.rows else raw.header_row + 1
    raw.cell_problems = {r: p for r, p in problems.items() if r >= first_data}
    raw.numeric_cells = numeric_cells
    return raw
