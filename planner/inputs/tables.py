"""One reader for user tables (company lists, sites lists): bytes -> header + text records.

Every CSV or Excel table a user gives the planner goes through :func:`read_table`, so a
file is read the same way whichever command reads it:

* **one decode rule** (:func:`decode_text`): a byte-order mark (UTF-8 or UTF-16) first,
  then strict UTF-8, then the Cyrillic code page charset-normalizer finds most plausible
  among :data:`CODE_PAGES` (ties go to cp1251, Russian-locale Excel's "ANSI"); kz1048 is
  told from cp1251 by the 16 letters in which they differ. The text must decode strictly
  and encode back to the same bytes: a file that does not round-trip, holds NUL bytes or
  many control characters, or already contains U+FFFD (damaged before it reached the
  file) is refused, never read with replacement characters.
* **one separator sniffer** (:func:`sniff_separator`): ``;``, tab or ``,``, the one giving
  the widest header that the data rows agree with; ties go to ``;`` (Russian-locale Excel),
  then tab, then ``,``. An Excel ``sep=;`` first line is honoured (and not counted as a row).
* **one row numbering**: rows as the user sees them (CSV: the header is row 1; Excel:
  Excel's row numbers); blank rows are skipped and counted, trailing blank lines are not.
* Excel workbooks (``.xlsx``/``.xlsm``) are read cell by cell with openpyxl: cells become
  the text Excel shows for them, formulas without a saved value and error cells are
  reported per row, numeric cells are listed (codes such as OKED may have lost a zero).

Header aliases and per-column validation are :mod:`planner.inputs.columns`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planner._infiles import noun, refuse_special
from planner.errors import InputError
from planner.i18n import tr
from planner.inputs.columns import RowNotes

__all__ = [
    "CODE_PAGES",
    "CSV_SUFFIXES",
    "TABLE_SUFFIXES",
    "XLSX_SUFFIXES",
    "RawTable",
    "TableKind",
    "cell_frame",
    "cell_text",
    "decode_text",
    "free_name",
    "read_table",
    "row_label",
    "sniff_separator",
]

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm", ".xls")
TABLE_SUFFIXES = (*CSV_SUFFIXES, *XLSX_SUFFIXES)
#: single-byte code pages tried after UTF-8, in tie order (kz1048 is told from cp1251 apart)
CODE_PAGES = ("cp1251", "cp866")
#: letters cp1251 gives for the kz1048 bytes of Kazakh letters (Serbian/Macedonian/Ukrainian)
_KZ_BYTES = "ЌЋќћЎўЈҐЄЇґєјЅѕї".encode("cp1251")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_SEPARATORS = (";", "\t", ",")
#: what a UTF-8 line of a Russian/Kazakh table holds: ASCII, Latin-1, Cyrillic, punctuation
_PLAUSIBLE_UTF8 = re.compile(r"[\x00-\x7f\u00a0-\u024f\u0400-\u04ff\u2000-\u206f\u2116\u20b8]*")
#: bytes of a big file the code-page detection looks at (head and tail)
_DETECT_BYTES = 1 << 20
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class TableKind:
    """How messages name a kind of table: ``company file``, a ``company list``, ..."""

    what: str = "table file"
    noun: str = "table"
    item: str = "row"
    header_example: str = "name;lat;lon"


@dataclass
class RawTable:
    """A table as read: header and non-blank records as text, with their row numbers."""

    path: Path
    header: list[str]
    header_row: int
    rows: list[int]  # row number of each record, as the user sees it
    records: list[list[str]]
    blank_rows: int
    encoding: str | None = None
    separator: str | None = None
    sheet: str | None = None
    #: row number -> problems found in its cells (Excel formulas without values, errors)
    cell_problems: dict[int, list[str]] = field(default_factory=dict)
    #: Excel numeric cells: (row, column index, cell name, text)
    numeric_cells: list[tuple[int, int, str, str]] = field(default_factory=list)

    def labels(self) -> list[str]:
        """``row N`` of each record (:func:`row_label`)."""
        return [row_label(r) for r in self.rows]


def row_label(line: int, unit: str = "row") -> str:
    """How every message names a row: ``row 3`` is the row a spreadsheet shows as 3 (the
    header is row 1 of a CSV; Excel rows are Excel's numbers); ``feature 3`` is the third
    feature of a GeoJSON/GeoPackage. The one numbering of every reader and rejects file.
    In the message language (``строка 3`` in Russian)."""
    return tr(f"err.tables.unit_{'feature' if unit == 'feature' else 'row'}", n=line)


class _Where:
    """The file named in messages: ``company file '/path/c.csv': ...``."""

    def __init__(self, path: Path, kind: TableKind) -> None:
        self.path, self.kind = path, kind

    def error(self, what: str) -> InputError:
        return InputError(tr("err.tables.where", what=noun(self.kind.what), path=str(self.path),
                             text=what))  # fmt: skip

    def not_text(self) -> InputError:
        return self.error(tr("err.tables.not_text", pages=", ".join(CODE_PAGES)))

    def per_item(self) -> str:
        """``one row per site``: what a row of this kind of table holds."""
        from planner import i18n

        items = i18n.section("err.tables.per_item", i18n.message_lang())
        return items.get(self.kind.item, items["row"])


# --------------------------------------------------------------------------- decoding


def decode_text(
    data: bytes, path: str | Path = "<bytes>", encoding: str | None = None,
    kind: TableKind = TableKind(),
) -> tuple[str, str]:
    """Text of a CSV file and the encoding it was read with (see the module docstring).

    ``encoding`` forces one encoding (still strict: a byte it cannot decode is an error
    naming the byte and its line). Raises :class:`~planner.InputError` for text that
    cannot be trusted.
    """
    where = _Where(Path(path), kind)
    if encoding:
        return _decode_as(data, encoding, where), encoding
    for bom, enc, name in (
        (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
    ):
        if data.startswith(bom):
            body = data[len(bom) :]
            try:
                return _check_text(body.decode(enc), where), name
            except UnicodeDecodeError as exc:
                if enc == "utf-8":
                    _refuse_mixed(body, where)
                line = body[: exc.start].decode(enc).count("\n") + 1
                raise where.error(tr("err.tables.bad_bom", name=name,
                                     byte=exc.start + len(bom), line=line)) from exc  # fmt: skip
    try:
        return _check_text(data.decode("utf-8"), where), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise where.not_text()
    _refuse_mixed(data, where)
    enc = _code_page(data)
    if enc is None:
        raise where.not_text()
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as exc:  # e.g. 0x98, undefined in cp1251
        raise where.not_text() from exc
    if text.encode(enc) != data:
        raise where.not_text()
    return _check_text(text, where), enc


def _line_encodings(data: bytes) -> tuple[list[int], list[int]]:
    """Numbers of the lines that are UTF-8 and of those that are not (ASCII lines in neither).

    A line counts as UTF-8 when it decodes strictly, holds at least two bytes beyond its
    characters (two Cyrillic letters, or one 3-byte character) and reads as Cyrillic,
    Latin or common punctuation: single-byte Russian or Kazakh text essentially never does
    (cp1251 lowercase letters are 0xE0-0xFF, UTF-8 lead bytes needing two or three
    continuation bytes; the rare run that decodes gives Coptic or Tamil letters).
    """
    utf8, single = [], []
    for n, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            single.append(n)
            continue
        if len(line) - len(text) >= 2 and _PLAUSIBLE_UTF8.fullmatch(text):
            utf8.append(n)
        elif not _PLAUSIBLE_UTF8.fullmatch(text):  # decodes, but to Coptic, Tamil, ...
            single.append(n)
    return utf8, single


def _lines(numbers: list[int], limit: int = 10) -> str:
    shown = ", ".join(map(str, numbers[:limit]))
    if len(numbers) > limit:
        return tr("err.tables.lines_more", lines=shown, more=len(numbers) - limit)
    return tr("err.tables.line" if len(numbers) == 1 else "err.tables.lines", lines=shown)


def _refuse_mixed(data: bytes, where: _Where) -> None:
    """Refuse a file mixing UTF-8 lines with single-byte (cp1251/kz1048/cp866) lines."""
    utf8, single = _line_encodings(data)
    if not (utf8 and single):
        return
    raise where.error(tr("err.tables.mixed", n_utf8=len(utf8), utf8=_lines(utf8),
                         n_single=len(single), single=_lines(single)))  # fmt: skip


def _code_page(data: bytes) -> str | None:
    """The most plausible of :data:`CODE_PAGES` (or kz1048), None when none is."""
    from charset_normalizer import from_bytes

    # threshold=1: rank every code page that decodes; charset-normalizer's default (0.2)
    # drops real cp1251 lists with many '?' (lost Kazakh letters) and short cells. A big
    # file is judged on its head and tail (the whole file is then decoded strictly).
    half = _DETECT_BYTES // 2
    sample = data if len(data) <= _DETECT_BYTES else data[:half] + data[-half:]
    best = from_bytes(sample, cp_isolation=list(CODE_PAGES), threshold=1.0).best()
    if best is None:
        return None
    enc = codecs.lookup(best.encoding).name
    if enc == "cp1251":
        # The two differ only in 16 letters: Kazakh ones in kz1048, Serbian/Macedonian/
        # Ukrainian ones in cp1251. Those never occur in Russian or Kazakh text, so any of
        # them in the cp1251 reading means the file is kz1048.
        if any(bytes([b]) in data for b in _KZ_BYTES):
            return "kz1048"
    return enc


def _decode_as(data: bytes, encoding: str, where: _Where) -> str:
    try:
        enc = encoding
        if codecs.lookup(enc).name == "utf-8" and data.startswith(codecs.BOM_UTF8):
            enc = "utf-8-sig"
        text = data.decode(enc)
    except LookupError as exc:
        raise where.error(tr("err.tables.unknown_encoding", encoding=encoding)) from exc
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise where.error(tr("err.tables.not_encoding", encoding=encoding,
                             byte=f"{data[exc.start]:#04x}", line=line)) from exc  # fmt: skip
    return _check_text(text, where)


def _check_text(text: str, where: _Where) -> str:
    if "\ufffd" in text:
        line = text[: text.index("\ufffd")].count("\n") + 1
        raise where.error(tr("err.tables.replacement", line=line))
    n_ctrl = len(_CONTROL_RE.findall(text))
    if n_ctrl and (n_ctrl > 0.005 * len(text) or "\x00" in text):
        raise where.not_text()
    return text


# --------------------------------------------------------------------------- CSV


def sniff_separator(text: str) -> str:
    """``;``, tab or ``,``: the one giving the widest header that data rows agree with."""
    lines = [ln for ln in text.splitlines()[:60] if ln.strip()]
    sample = "\n".join(lines)
    best, best_score = ";", None
    for pref, sep in enumerate(_SEPARATORS):
        try:
            rows = list(csv.reader(io.StringIO(sample), delimiter=sep))
        except csv.Error:  # e.g. a cell over the field size limit
            continue
        if not rows:
            continue
        width = len(rows[0])
        body = rows[1:] or rows
        agree = sum(1 for r in body if len(r) == width) / len(body)
        score = (width > 1, round(agree, 1), width, -pref)
        if best_score is None or score > best_score:
            best, best_score = sep, score
    return best


def _read_csv(data: bytes, encoding: str | None, where: _Where) -> RawTable:
    text, enc = decode_text(data, where.path, encoding, where.kind)
    text = text.lstrip("\ufeff")
    sep_line = re.match(r"\s*sep=(.)[ \t]*\r?\n", text, flags=re.IGNORECASE)
    if sep_line:  # Excel's "sep=;" hint line: Excel hides it, so row numbers start after it
        sep = sep_line.group(1)
        text = text[sep_line.end() :]
    else:
        sep = sniff_separator(text)
    if len(text) >= csv.field_size_limit():  # a cell may be longer than csv's 131,072
        csv.field_size_limit(len(text) + 1)  # characters: read it (the file is in memory)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=False))
    except csv.Error as exc:
        raise where.error(tr("err.tables.csv_error", error=exc)) from exc
    return _split_header(records, range(1, len(records) + 1), where, encoding=enc, separator=sep)


def _split_header(
    records: list[list[str]], numbers: Sequence[int], where: _Where, **meta
) -> RawTable:
    """The first non-blank record is the header; blank records are skipped and counted."""
    nonblank = [i for i, rec in enumerate(records) if "".join(rec).strip()]
    if not nonblank:
        raise where.error(tr("err.tables.no_header", example=where.kind.header_example))
    h = nonblank[0]
    body = nonblank[-1] - h  # records below the header; trailing blank lines are not counted
    return RawTable(
        path=where.path,
        header=[str(c).replace("\ufeff", "").strip() for c in records[h]],
        header_row=numbers[h],
        rows=[numbers[i] for i in nonblank[1:]],
        records=[records[i] for i in nonblank[1:]],
        blank_rows=body - (len(nonblank) - 1),
        **meta,
    )


# --------------------------------------------------------------------------- Excel


def cell_text(value) -> str:
    """The text of a typed cell (Excel, GeoPackage attribute): integral numbers without
    ``.0``, booleans as ``true``/``false``, dates in ISO form, missing as ''."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _pick_sheet(names: list[str], sheet: str | int | None, where: _Where) -> str:
    if sheet is None:
        return names[0]
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if not 0 <= sheet < len(names):
            raise where.error(tr("err.tables.no_sheet_number", sheet=sheet, sheets=names))
        return names[sheet]
    if str(sheet) in names:
        return str(sheet)
    raise where.error(tr("err.tables.no_sheet", sheet=sheet, sheets=names))


def _read_xlsx(sheet: str | int | None, where: _Where, prefer: str | None = None) -> RawTable:
    """Streamed with bounded memory: :mod:`planner.inputs.workbook`."""
    from planner.inputs.workbook import read_xlsx

    return read_xlsx(sheet, where, prefer)


# --------------------------------------------------------------------------- entry point


def read_table(
    path: str | Path,
    *,
    kind: TableKind = TableKind(),
    encoding: str | None = None,
    sheet: str | int | None = None,
    prefer_sheet: str | None = None,
) -> RawTable:
    """Read a CSV (``.csv``/``.txt``/``.tsv``) or Excel (``.xlsx``/``.xlsm``) table.

    Parameters
    ----------
    path
        The file. An Excel workbook is recognised by its content as well as its name: a
        workbook named ``.csv``, a CSV named ``.xlsx`` and an old binary ``.xls`` are
        refused with the fix.
    kind
        How the messages name the file and its rows.
    encoding
        CSV encoding; default: detected by :func:`decode_text`.
    sheet
        Excel sheet name or 0-based index; default the first sheet.
    prefer_sheet
        Without ``sheet``: the sheet to read when the workbook has one so named (e.g.
        ``results`` of the planner's own XLSX), else the first.

    Raises
    ------
    InputError
        missing, empty, binary or undecodable file, a file whose name and content
        disagree, a missing sheet, no header.
    """
    where = _Where(Path(path), kind)
    if not where.path.exists():
        raise where.error(tr("err.tables.missing"))
    if where.path.is_dir():
        raise where.error(tr("err.tables.folder"))
    refuse_special(where.path, kind.what)
    data = where.path.read_bytes()
    suffix = where.path.suffix.lower()
    if not data:
        raise where.error(tr("err.tables.empty", per_item=where.per_item()))
    is_zip = data[:4] == _ZIP_MAGIC
    if data[:8] == _OLE_MAGIC:
        raise where.error(tr("err.tables.old_xls"))
    if suffix in XLSX_SUFFIXES or (is_zip and suffix not in CSV_SUFFIXES):
        if not is_zip:
            looks = tr("err.tables.looks_text" if _looks_like_text(data) else
                       "err.tables.looks_neither")  # fmt: skip
            raise where.error(tr("err.tables.not_xlsx", looks=looks))
        return _read_xlsx(sheet, where, prefer_sheet)
    if is_zip:
        from planner.inputs.workbook import check_archive

        check_archive(where)  # a ZIP that is not a workbook is named as such
        raise where.error(tr("err.tables.xlsx_named_csv"))
    if sheet is not None:
        raise where.error(tr("err.tables.csv_sheet", sheet=sheet))
    return _read_csv(data, encoding, where)


def _looks_like_text(data: bytes) -> bool:
    try:
        decode_text(data[:65536])
    except InputError:
        return False
    return True


# --------------------------------------------------------------------------- cells


def _unique_headers(header: list[str]) -> list[str]:
    """Header names made unique (``name (2)``); an empty one is ``column_<n>``."""
    out: list[str] = []
    seen: set[str] = set()
    for i, name in enumerate(header):
        base = name or f"column_{i + 1}"
        cand, k = base, 2
        while cand in seen:
            cand, k = f"{base} ({k})", k + 1
        seen.add(cand)
        out.append(cand)
    return out


def free_name(name: str, taken: list[str]) -> str:
    """``name``, or ``name (file)``, ``name (file 2)``... if it is taken."""
    cand, k = name, 1
    while cand in taken:
        cand = f"{name} (file)" if k == 1 else f"{name} (file {k})"
        k += 1
    return cand


def _sep_name(sep: str) -> str:
    return tr("err.tables.tab") if sep == "\t" else repr(sep)


def cell_frame(raw: RawTable) -> tuple[pd.DataFrame, RowNotes]:
    """The records as a text frame under the (made unique) headers, and their problems.

    A row with more values than the header keeps the surplus in an ``extra_values``
    column and gets a problem naming the separator; a shorter row is padded with blanks.
    Excel cell problems (formulas without values, error cells) are on their rows.
    """
    headers = _unique_headers(raw.header)
    width = len(headers)
    notes = RowNotes(len(raw.records))
    row_index = {r: i for i, r in enumerate(raw.rows)}
    for r, probs in raw.cell_problems.items():
        if r in row_index:
            for p in probs:
                notes.problem([row_index[r]], p)
    if set(map(len, raw.records)) <= {width}:  # the usual case: nothing to pad or cut
        cells, extras = raw.records, []
    else:
        cells = [rec[:width] + [""] * (width - len(rec)) for rec in raw.records]
        extras = [rec[width:] for rec in raw.records]
    text = pd.DataFrame(cells, columns=headers, dtype=object)
    surplus = [i for i, ex in enumerate(extras) if "".join(ex).strip()]
    if surplus:
        sep = raw.separator or ";"
        text[free_name("extra_values", headers)] = [
            sep.join(ex) if any(c.strip() for c in ex) else "" for ex in extras
        ]
        fix = tr("err.tables.quote_comma" if sep == "," else "err.tables.quote")
        notes.problem(
            surplus,
            lambda i: tr("err.tables.extra_values", n=width + len(extras[i]), width=width,
                         sep=_sep_name(sep), fix=fix),
        )
    return text, notes
