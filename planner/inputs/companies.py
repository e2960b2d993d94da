"""Company lists (CSV or Excel) of relocating companies: reading, validation, rejects.

:func:`read_companies` reads what planners and analysts actually have: CSV exported by a
Russian-locale Excel (``;`` separator, comma decimals, UTF-8 with BOM or cp1251), files in
kz1048 with Kazakh letters, tab-separated UTF-16 "Unicode text", and ``.xlsx`` workbooks.
Everything is read as text and parsed explicitly, so OKED ``01111`` stays ``"01111"`` and
``12,5`` becomes 12.5.

Columns (header names are case-, space- and punctuation-insensitive; ё = е):

================== ======== ==============================================================
column             required accepted header names (besides the column name itself)
================== ======== ==============================================================
name               yes      наименование, название, компания, организация, предприятие
land_ha            yes      площадь_га, площадь, га / площадь (га), площадь, land, area_ha
sector             no       отрасль, сектор, вид деятельности: a sector key, its Russian or
                            English title, or an OKED code (23.61, 01111)
oked               no       окэд, код окэд, оквэд: used when ``sector`` is empty
employees          no       численность, численность работников, сотрудники
needs_rail         no       ж/д, жд, железная дорога: yes/no, да/нет, 1/0, true/false
export_oriented    no       экспорт, экспортер: yes/no as above
hazard_class       no       класс опасности, санитарный класс: I-V or 1-5
max_dist_almaty_km no       макс. до алматы, км / до алматы, км
preferred_zone     no       зона, предпочтительная зона (a zone id, e.g. aiz-1)
company_id         no       id, код компании, идентификатор (generated from the name when absent)
================== ======== ==============================================================

The full alias list is :data:`COLUMN_ALIASES` (:func:`columns_markdown` renders it).

Decisions (documented for users in ``geodata/examples/README.md``):

* Numbers take ``.`` or ``,`` as the decimal mark and spaces as thousands separators
  (``1 200,5``). Units in a number cell (``12,5 га``) are rejected, with the fix
  "use digits only, e.g. 12.5": the column header says the unit, and guessing units
  (m² vs ha) silently would be worse than asking.
* A ``?`` next to a Cyrillic letter (``?асымов``) is a Kazakh letter lost by a cp1251
  export: the row is kept (the name is still usable) and a warning says to save as UTF-8.
* Rows are numbered as the user sees them: the header is row 1, so the first data row of a
  CSV is row 2; Excel rows are Excel's row numbers. Blank rows are skipped and counted.
* Nothing is lost: every non-blank data row ends up in ``valid`` or ``rejects`` (with every
  problem of that row in ``reason``); unknown columns are kept and reported as ignored.
* Duplicate company names are kept (with distinct ``company_id``) and reported.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import logging
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from planner.config.sectors import SectorCatalog, load_sectors, resolve_sector
from planner.errors import InputError, SectorError

__all__ = [
    "COLUMN_ALIASES",
    "REQUIRED_COLUMNS",
    "CompanyTable",
    "columns_markdown",
    "example_path",
    "read_companies",
]

log = logging.getLogger(__name__)

#: canonical column -> accepted header names (matched case-, space- and punctuation-insensitively)
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "name": (
        "name",
        "company",
        "company_name",
        "наименование",
        "название",
        "компания",
        "наименование компании",
        "организация",
        "предприятие",
        "атауы",
    ),
    "land_ha": (
        "land_ha",
        "land",
        "area_ha",
        "land_area_ha",
        "площадь_га",
        "площадь, га",
        "площадь (га)",
        "площадь",
        "площадь участка, га",
        "потребность в земле, га",
        "земля, га",
    ),
    "sector": ("sector", "industry", "отрасль", "сектор", "вид деятельности", "сала"),
    "oked": ("oked", "окэд", "код окэд", "оквэд", "код оквэд"),
    "employees": (
        "employees",
        "staff",
        "jobs",
        "численность",
        "численность работников",
        "число работников",
        "сотрудники",
        "работники",
        "рабочие места",
    ),
    "needs_rail": (
        "needs_rail",
        "rail",
        "ж/д",
        "жд",
        "железная дорога",
        "нужна ж/д",
        "ж/д тупик",
    ),
    "export_oriented": (
        "export_oriented",
        "export",
        "exporter",
        "экспорт",
        "экспортер",
        "экспортная ориентация",
    ),
    "hazard_class": (
        "hazard_class",
        "hazard",
        "класс_опасности",
        "класс опасности",
        "санитарный класс",
        "класс санитарной опасности",
    ),
    "max_dist_almaty_km": (
        "max_dist_almaty_km",
        "макс. до алматы, км",
        "до алматы, км",
        "макс. расстояние до алматы, км",
        "максимальное расстояние до алматы, км",
    ),
    "preferred_zone": ("preferred_zone", "zone", "зона", "предпочтительная зона", "желаемая зона"),
    "company_id": ("company_id", "id", "код компании", "идентификатор"),
}
REQUIRED_COLUMNS: tuple[str, ...] = ("name", "land_ha")
_COLUMN_HELP = {
    "name": "company name (text)",
    "land_ha": "land needed, hectares (12.5 or 12,5; no units)",
    "sector": "sector key, title or OKED code (23.61, 01111)",
    "oked": "OKED code, used when sector is empty",
    "employees": "number of jobs (whole number)",
    "needs_rail": "needs a rail siding: yes/no, да/нет, 1/0",
    "export_oriented": "exporter: yes/no, да/нет, 1/0",
    "hazard_class": "sanitary class I-V or 1-5 (1000/500/300/100/50 m from housing)",
    "max_dist_almaty_km": "farthest acceptable distance from Almaty centre, km",
    "preferred_zone": "zone id the company prefers (e.g. aiz-1)",
    "company_id": "your own unique id (else generated from the name)",
}

_TRUE = frozenset(
    {"yes", "y", "true", "t", "1", "+", "да", "д", "истина", "иә", "ия", "x", "х", "✓"}
)
_FALSE = frozenset({"no", "n", "false", "f", "0", "-", "—", "–", "нет", "н", "ложь", "жоқ"})
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}
_ROMAN_FIX = str.maketrans(
    {"І": "I", "і": "I", "Ⅰ": "I", "Ⅱ": "II", "Ⅲ": "III", "Ⅳ": "IV", "Ⅴ": "V"}
)
_NUMBER_RE = r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)"
_SPACES_RE = r"[\s\u00a0\u2007\u2009\u202f]+"
#: "?" next to a Cyrillic letter: a Kazakh letter lost by a cp1251 export
_CYR = "А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі"
#: a "?" where a letter should be: before a Cyrillic letter ("?асымов") or as an initial
#: (" ?."); a question mark ending a word ("Где?") is not matched
_LOST_LETTER_RE = rf"\?(?=[{_CYR}])|(?<!\S)\?(?=\.)"
#: letters cp1251 gives for the kz1048 bytes of Kazakh letters (Serbian/Macedonian/Ukrainian)
_CP1251_FOR_KZ = frozenset("ЌЋќћЎўЈҐЄЇґєјЅѕї")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_CSV_SUFFIXES = (".csv", ".txt", ".tsv")
_XLSX_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def _norm_header(value: str) -> str:
    return re.sub(r"[\W_]+", "", str(value).replace("\ufeff", "").casefold().replace("ё", "е"))


_ALIAS_INDEX: dict[str, str] = {
    _norm_header(alias): canon for canon, aliases in COLUMN_ALIASES.items() for alias in aliases
}


def example_path() -> Path:
    """The built-in fictional company list (``geodata/examples/companies.csv``) for demos."""
    from planner.inputs.layers import builtin_geodata_dir

    return builtin_geodata_dir() / "examples" / "companies.csv"


def columns_markdown() -> str:
    """The accepted columns and header names as a Markdown table (for READMEs)."""
    lines = [
        "| column | required | meaning | accepted header names |",
        "|---|---|---|---|",
    ]
    for canon, aliases in COLUMN_ALIASES.items():
        req = "yes" if canon in REQUIRED_COLUMNS else "no"
        names = ", ".join(f"`{a}`" for a in aliases)
        lines.append(f"| `{canon}` | {req} | {_COLUMN_HELP[canon]} | {names} |")
    return "\n".join(lines) + "\n"


@dataclass
class CompanyTable:
    """A parsed company list: valid rows, rejected rows and warnings; nothing is lost.

    Attributes
    ----------
    valid
        One row per accepted company: ``company_id`` (unique, stable: the file's own id or
        ``c-`` + 8 hex of the name, ``-2``... for repeated names), ``row`` (as the user
        sees it), ``name``, ``land_ha``, ``sector`` (a sector key), ``oked`` (digits, ``""``
        if none), ``employees`` (Int64), ``needs_rail`` / ``export_oriented`` (boolean, NA =
        not given: the sector default applies), ``hazard_class`` (Int64 1-5, NA = sector
        default), ``max_dist_almaty_km`` (float, NaN = none), ``preferred_zone`` (str), then
        the file's unknown columns as text.
    rejects
        ``row``, the row's original cells (under the file's own headers) and ``reason``
        (every problem of the row, ``; ``-joined).
    warnings
        Messages for kept rows and the file (lost Kazakh letters, duplicates, ignored
        columns, blank rows, OKED codes without a profile...).
    rows_in
        Non-blank data rows read; always ``len(valid) + len(rejects)``.
    """

    valid: pd.DataFrame
    rejects: pd.DataFrame
    warnings: list[str]
    rows_in: int
    path: Path
    encoding: str | None = None
    separator: str | None = None
    sheet: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    blank_rows: int = 0

    @property
    def source(self) -> str:
        """The input file name (for ``site_source``-style provenance)."""
        return self.path.name

    def counts(self) -> dict[str, int]:
        """Counts for manifests and CLI summaries."""
        return {
            "rows_in": self.rows_in,
            "valid": len(self.valid),
            "rejected": len(self.rejects),
            "blank_rows": self.blank_rows,
            "warnings": len(self.warnings),
        }


# ---------------------------------------------------------------------------------------
# raw reading: bytes -> header + text records with row numbers
# ---------------------------------------------------------------------------------------
@dataclass
class _Raw:
    header: list[str]
    header_row: int
    rows: list[int]  # row number of each record
    records: list[list[str]]
    blank_rows: int
    encoding: str | None = None
    separator: str | None = None
    sheet: str | None = None
    cell_problems: dict[int, list[str]] = field(default_factory=dict)  # row -> problems
    #: Excel numeric cells: (row, column index, cell name, text) - OKED codes may have lost zeros
    numeric_cells: list[tuple[int, int, str, str]] = field(default_factory=list)


def _file_error(path: Path, what: str) -> InputError:
    return InputError(f"company file {str(path)!r}: {what}")


def _decode(data: bytes, path: Path, encoding: str | None) -> tuple[str, str]:
    """Decode ``data``; detect UTF-8 (BOM or not), UTF-16 (BOM), cp1251 or kz1048."""
    if encoding:
        enc = encoding
        try:
            if codecs.lookup(enc).name == "utf-8" and data.startswith(codecs.BOM_UTF8):
                enc = "utf-8-sig"
            text = data.decode(enc)
        except LookupError as exc:
            raise _file_error(
                path, f"unknown encoding {encoding!r}; use e.g. utf-8, cp1251 or kz1048"
            ) from exc
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise _file_error(
                path,
                f"is not valid {encoding} (byte {data[exc.start]:#04x} on line {line}); "
                "give the right encoding, or leave it out to detect it",
            ) from exc
        return _check_text(text, path), encoding
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data, "utf-8-sig", path), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", path), "utf-16"
    try:
        return _check_text(data.decode("utf-8"), path), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise _not_text(path)
    as_1251 = data.decode("cp1251", errors="replace")  # 0x98 is undefined in cp1251
    as_kz = data.decode("kz1048", errors="replace")
    # The two differ only in 16 letters: Kazakh ones in kz1048, Serbian/Macedonian/
    # Ukrainian ones in cp1251. Those never occur in Russian or Kazakh text, so any of them
    # in the cp1251 reading means the file is kz1048.
    if as_1251 != as_kz and any(ch in _CP1251_FOR_KZ for ch in as_1251):
        return _strict(data, "kz1048", path), "kz1048"
    return _strict(data, "cp1251", path), "cp1251"


def _strict(data: bytes, enc: str, path: Path) -> str:
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as exc:
        raise _not_text(path) from exc
    return _check_text(text, path)


def _not_text(path: Path) -> InputError:
    return _file_error(
        path,
        "is not a text (CSV) file: it holds binary bytes in no known encoding (UTF-8, "
        "cp1251, kz1048); export the list from Excel as 'CSV UTF-8' or save it as .xlsx",
    )


def _check_text(text: str, path: Path) -> str:
    if "\ufffd" in text:
        line = text[: text.index("\ufffd")].count("\n") + 1
        raise _file_error(
            path,
            f"line {line} contains the replacement character U+FFFD: the text was already "
            "damaged by a wrong encoding conversion before it reached this file; export the "
            "list again from the original as 'CSV UTF-8'",
        )
    n_ctrl = len(_CONTROL_RE.findall(text))
    if n_ctrl and (n_ctrl > 0.005 * len(text) or "\x00" in text):
        raise _not_text(path)
    return text


def _sniff_separator(text: str) -> str:
    """Pick ``;``, tab or ``,``: the one giving the widest header that data rows agree with."""
    lines = [ln for ln in text.splitlines()[:60] if ln.strip()]
    sample = "\n".join(lines)
    best, best_score = ";", None
    for pref, sep in enumerate((";", "\t", ",")):
        rows = list(csv.reader(io.StringIO(sample), delimiter=sep))
        if not rows:
            continue
        width = len(rows[0])
        body = rows[1:] or rows
        agree = sum(1 for r in body if len(r) == width) / len(body)
        score = (width > 1, round(agree, 1), width, -pref)
        if best_score is None or score > best_score:
            best, best_score = sep, score
    return best


def _read_csv(path: Path, data: bytes, encoding: str | None) -> _Raw:
    text, enc = _decode(data, path, encoding)
    text = text.lstrip("\ufeff")
    sep_line = re.match(r"\s*sep=(.)[ \t]*\r?\n", text, flags=re.IGNORECASE)
    if sep_line:  # Excel's "sep=;" hint line: Excel hides it, so row numbers start after it
        sep = sep_line.group(1)
        text = text[sep_line.end() :]
    else:
        sep = _sniff_separator(text)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=False))
    except csv.Error as exc:
        raise _file_error(
            path, f'cannot be read as CSV ({exc}); check quotes (") in the file'
        ) from exc
    numbered = [(i + 1, rec) for i, rec in enumerate(records)]
    return _split_header(path, numbered, encoding=enc, separator=sep)


def _split_header(path: Path, numbered: list[tuple[int, list[str]]], **meta) -> _Raw:
    def blank(rec: list[str]) -> bool:
        return not any(str(c).strip() for c in rec)

    nonblank = [i for i, (_, rec) in enumerate(numbered) if not blank(rec)]
    if not nonblank:
        raise _file_error(
            path,
            "has no header and no data (only blank lines or empty cells); the first row "
            "must name the columns, e.g. name;land_ha;sector",
        )
    h = nonblank[0]
    header_row, header = numbered[h]
    body = numbered[h + 1 : nonblank[-1] + 1]  # trailing blank lines are not counted
    rows = [r for r, rec in body if not blank(rec)]
    records = [rec for _, rec in body if not blank(rec)]
    return _Raw(
        header=[str(c).replace("\ufeff", "").strip() for c in header],
        header_row=header_row,
        rows=rows,
        records=records,
        blank_rows=len(body) - len(records),
        **meta,
    )


def _cell_text(value) -> str:
    if value is None:
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


def _read_xlsx(path: Path, sheet: str | int | None) -> _Raw:
    try:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise InputError("reading .xlsx needs openpyxl: pip install openpyxl") from exc
    try:
        wb_val = openpyxl.load_workbook(path, data_only=True)
        wb_f = openpyxl.load_workbook(path, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _file_error(
            path,
            f"is not a readable Excel workbook ({exc}); open it in Excel and save it "
            "again as .xlsx, or export it as 'CSV UTF-8'",
        ) from exc
    names = wb_val.sheetnames
    if sheet is None:
        name = names[0]
    elif isinstance(sheet, int) and not isinstance(sheet, bool):
        if not 0 <= sheet < len(names):
            raise _file_error(path, f"has no sheet number {sheet} (0-based); its sheets: {names}")
        name = names[sheet]
    elif str(sheet) in names:
        name = str(sheet)
    else:
        raise _file_error(path, f"has no sheet {sheet!r}; its sheets are {names}")
    ws_val, ws_f = wb_val[name], wb_f[name]
    problems: dict[int, list[str]] = {}
    numeric_cells: list[tuple[int, int, str, str]] = []  # row, col index, cell, text
    numbered: list[tuple[int, list[str]]] = []
    max_col = ws_val.max_column
    for row_val, row_f in zip(
        ws_val.iter_rows(min_col=1, max_col=max_col),
        ws_f.iter_rows(min_col=1, max_col=max_col),
        strict=True,
    ):
        texts = []
        rownum = row_val[0].row
        for cv, cf in zip(row_val, row_f, strict=True):
            value = cv.value
            if cf.data_type == "f" and value is None:
                problems.setdefault(rownum, []).append(
                    f"cell {cf.coordinate} holds a formula ({cf.value}) with no saved value; "
                    "open the file in Excel and save it, or paste the values instead of formulas"
                )
            elif cv.data_type == "e":
                problems.setdefault(rownum, []).append(
                    f"cell {cv.coordinate} holds the Excel error {value}; fix or clear it"
                )
                value = None
            elif (
                cv.data_type == "n"
                and isinstance(value, int | float)
                and not isinstance(value, bool)
            ):
                numeric_cells.append((rownum, len(texts), cv.coordinate, _cell_text(value)))
            texts.append(_cell_text(value))
        numbered.append((rownum, texts))
    raw = _split_header(path, numbered, sheet=name)
    first_data = raw.rows[0] if raw.rows else raw.header_row + 1
    raw.cell_problems = {r: p for r, p in problems.items() if r >= first_data}
    # numeric cells where OKED codes may have lost a leading zero (checked once columns are known)
    raw.numeric_cells = numeric_cells
    return raw


def _read_raw(path: Path, encoding: str | None, sheet: str | int | None) -> _Raw:
    if not path.exists():
        raise _file_error(path, "does not exist; check the path")
    if path.is_dir():
        raise _file_error(path, "is a folder, not a file; pass a .csv or .xlsx file")
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if not data:
        raise _file_error(
            path,
            "is empty (0 bytes); export the company list again (header row + one row per company)",
        )
    is_zip = data[:4] == b"PK\x03\x04"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _file_error(
            path,
            "is an old Excel .xls workbook or a password-protected one; save it in Excel "
            "as 'Excel Workbook (.xlsx)' without a password, or as 'CSV UTF-8'",
        )
    if suffix in _XLSX_SUFFIXES or (is_zip and suffix not in _CSV_SUFFIXES):
        if not is_zip:
            looks = "text (probably CSV)" if _looks_like_text(data) else "neither Excel nor text"
            raise _file_error(
                path,
                f"has an Excel name but is not an Excel workbook: its content is {looks}; "
                "rename it to .csv if it is CSV, or save it from Excel as .xlsx",
            )
        return _read_xlsx(path, sheet)
    if is_zip:
        raise _file_error(
            path,
            "is an Excel workbook (.xlsx) with a .csv name; rename it to .xlsx, or save it "
            "from Excel as 'CSV UTF-8'",
        )
    if sheet is not None:
        raise _file_error(path, f"is a CSV file: sheet={sheet!r} applies only to .xlsx workbooks")
    return _read_csv(path, data, encoding)


def _looks_like_text(data: bytes) -> bool:
    try:
        _decode(data[:65536], Path("probe"), None)
    except InputError:
        return False
    return True


# ---------------------------------------------------------------------------------------
# columns and values
# ---------------------------------------------------------------------------------------
def _map_columns(path: Path, header: list[str]) -> tuple[dict[str, int], list[int]]:
    mapping: dict[str, int] = {}
    ignored: list[int] = []
    clashes: list[str] = []
    for i, name in enumerate(header):
        canon = _ALIAS_INDEX.get(_norm_header(name)) if name else None
        if canon is None:
            ignored.append(i)
        elif canon in mapping:
            clashes.append(f"{header[mapping[canon]]!r} and {name!r} both mean {canon}")
        else:
            mapping[canon] = i
    if clashes:
        raise _file_error(path, f"has duplicate columns: {'; '.join(clashes)}; keep one of each")
    missing = [c for c in REQUIRED_COLUMNS if c not in mapping]
    if missing:
        found = ", ".join(repr(h) for h in header) or "none"
        accepted = "; ".join(f"{c}: {', '.join(COLUMN_ALIASES[c])}" for c in missing)
        hint = ""
        if len(header) == 1 and re.search(r"[;,\t]", header[0]):
            hint = (
                " The header was read as one column: the separator was not recognised; use "
                "';' or ',' between columns (or add a first line 'sep=;')."
            )
        raise _file_error(
            path,
            f"required column(s) {', '.join(missing)} not found. Columns found: {found}. "
            f"Accepted names (case and spaces do not matter): {accepted}.{hint}",
        )
    return mapping, ignored


def _unique_headers(header: list[str]) -> list[str]:
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


def _parse_numbers(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Text -> float; blank -> NaN. Returns (values, bad) where bad marks non-numbers."""
    compact = s.str.replace(_SPACES_RE, "", regex=True)
    ok = compact.str.fullmatch(_NUMBER_RE).fillna(False).to_numpy(dtype=bool)
    blank = (compact == "").to_numpy(dtype=bool)
    values = np.full(len(s), np.nan)
    if ok.any():
        values[ok] = compact[ok].str.replace(",", ".", regex=False).astype("float64").to_numpy()
    return values, ~ok & ~blank


def _parse_bools(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    norm = s.str.strip().str.casefold()
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    is_true = norm.isin(_TRUE).to_numpy(dtype=bool)
    is_false = norm.isin(_FALSE).to_numpy(dtype=bool)
    out[is_true] = True
    out[is_false] = False
    bad = ~is_true & ~is_false & (norm != "").to_numpy(dtype=bool)
    return out, bad


def _parse_hazard(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    norm = s.str.strip().str.replace(r"\s+", "", regex=True).str.translate(_ROMAN_FIX).str.upper()
    mapping = {**_ROMAN, **{str(i): i for i in range(1, 6)}}
    vals = norm.map(mapping)
    bad = vals.isna().to_numpy(dtype=bool) & (norm != "").to_numpy(dtype=bool)
    return pd.array(vals.to_numpy(dtype=object), dtype="Int64"), bad


def _clean_text(s: pd.Series) -> pd.Series:
    """Line breaks, tabs and other control characters -> one space; trimmed."""
    return s.str.replace(r"[\x00-\x1f\x7f]+", " ", regex=True).str.strip()


def read_companies(
    path: str | Path,
    encoding: str | None = None,
    sheet: str | int | None = None,
    *,
    catalog: SectorCatalog | None = None,
) -> CompanyTable:
    """Read a company list (CSV or ``.xlsx``) into a :class:`CompanyTable`.

    Parameters
    ----------
    path
        ``.csv`` / ``.txt`` / ``.tsv`` (separator ``;``, ``,`` or tab, detected; an Excel
        ``sep=;`` first line is honoured) or ``.xlsx`` / ``.xlsm``.
    encoding
        CSV encoding; default: detected (UTF-8 with or without BOM, UTF-16 with BOM,
        cp1251, kz1048).
    sheet
        Excel sheet name or 0-based index; default the first sheet.
    catalog
        Sector catalog used to map sector names and OKED codes (default: built-in).

    Raises
    ------
    InputError
        For file-level problems (missing/empty/binary file, an ``.xlsx`` that is really
        CSV, no data rows, missing required columns, columns that look swapped). Row-level
        problems never raise: they go to ``rejects``.
    """
    path = Path(path)
    cat = catalog or load_sectors()
    raw = _read_raw(path, encoding, sheet)
    mapping, ignored_idx = _map_columns(path, raw.header)
    if not raw.records:
        raise _file_error(
            path,
            f"has a header ({', '.join(repr(h) for h in raw.header)}) but no data rows; "
            "add one company per row below the header",
        )
    headers = _unique_headers(raw.header)
    width = len(headers)
    n = len(raw.records)
    problems: list[list[str]] = [[] for _ in range(n)]
    row_warnings: list[tuple[int, str]] = []
    row_index = {r: i for i, r in enumerate(raw.rows)}
    for r, probs in raw.cell_problems.items():
        if r in row_index:
            problems[row_index[r]].extend(probs)

    # cells as a text frame under the file's own headers; surplus cells are kept
    cells = [rec[:width] + [""] * (width - len(rec)) for rec in raw.records]
    extras = [rec[width:] for rec in raw.records]
    text = pd.DataFrame(cells, columns=headers, dtype=object)
    surplus = [i for i, ex in enumerate(extras) if any(c.strip() for c in ex)]
    if surplus:
        sep = raw.separator or ";"
        text[_free_name("extra_values", headers)] = [
            sep.join(ex) if any(c.strip() for c in ex) else "" for ex in extras
        ]
        fix = "put it in double quotes"
        if sep == ",":
            fix += " (e.g. a comma decimal: \"12,5\"), or save the file with ';' as separator"
        for i in surplus:
            problems[i].append(
                f"the row has {width + len(extras[i])} values but the header has {width} "
                f"columns; a value probably contains the separator {_sep_name(sep)}: {fix}"
            )

    col = {canon: headers[i] for canon, i in mapping.items()}

    def where(canon: str) -> str:
        label = col[canon]
        return (
            f"column {canon}"
            if _norm_header(label) == _norm_header(canon)
            else (f"column {canon} ({label!r})")
        )

    def add(mask: np.ndarray, canon: str, fix: str) -> None:
        values = text[col[canon]]
        for i in np.flatnonzero(mask):
            shown = repr(values.iat[i]) if values.iat[i].strip() else "the cell"
            problems[i].append(f"{where(canon)}: {shown} {fix}")

    def get(canon: str) -> pd.Series:
        return (
            text[col[canon]].astype(object) if canon in col else pd.Series([""] * n, dtype=object)
        )

    # name
    names = _clean_text(get("name"))
    add((names == "").to_numpy(dtype=bool), "name", "is empty; every company needs a name")

    # land_ha (required, > 0)
    land, bad = _parse_numbers(get("land_ha"))
    _check_swapped(path, names, bad, col)
    add(bad, "land_ha", "is not a number; use digits only, e.g. 12.5 (hectares, no units)")
    add(np.isnan(land) & ~bad, "land_ha", "is empty; give the land needed in hectares, e.g. 12.5")
    add(~np.isnan(land) & (land <= 0), "land_ha", "must be more than 0 hectares, e.g. 0.5")
    big = np.flatnonzero(land > 1000)
    for i in big:
        row_warnings.append(
            (
                i,
                f"{where('land_ha')}: {land[i]:g} ha is very large (check the unit: hectares, "
                "not m²; 1 ha = 10,000 m²)",
            )
        )

    # employees (whole number >= 0)
    emp, bad = _parse_numbers(get("employees"))
    if "employees" in col:
        add(bad, "employees", "is not a number; use a whole number, e.g. 120")
        frac = ~np.isnan(emp) & ((emp < 0) | (emp != np.round(emp)))
        add(frac, "employees", "must be a whole number >= 0, e.g. 120")
        emp = np.where(frac, np.nan, emp)
    employees = pd.array(np.where(np.isnan(emp), None, emp).tolist(), dtype="Int64")

    # yes/no columns
    bools = {}
    for canon in ("needs_rail", "export_oriented"):
        vals, bad = _parse_bools(get(canon))
        if canon in col:
            add(bad, canon, "is not yes/no; use да/нет, yes/no, 1/0 or true/false")
        bools[canon] = vals

    # hazard class
    hazard, bad = _parse_hazard(get("hazard_class"))
    if "hazard_class" in col:
        add(bad, "hazard_class", "is not a sanitary class; use I, II, III, IV, V or 1-5")

    # max distance to Almaty (> 0)
    max_alm, bad = _parse_numbers(get("max_dist_almaty_km"))
    if "max_dist_almaty_km" in col:
        add(bad, "max_dist_almaty_km", "is not a number; use digits only, e.g. 60 (km, no units)")
        add(~np.isnan(max_alm) & (max_alm <= 0), "max_dist_almaty_km", "must be more than 0 km")

    # sector / OKED: resolve each distinct value once
    sector_in = _clean_text(get("sector"))
    oked_in = _clean_text(get("oked"))
    use_oked = (sector_in == "") & (oked_in != "")
    source = sector_in.where(~use_oked, oked_in)
    resolved: dict[str, tuple[str, str, str | None] | SectorError] = {}
    for value in pd.unique(source.to_numpy()):
        try:
            resolved[value] = resolve_sector(value, cat)
        except SectorError as exc:
            resolved[value] = exc
    src = pd.Series(source.to_numpy(dtype=object))
    is_oked_col = use_oked.to_numpy(dtype=bool)
    ok_res = {v: r for v, r in resolved.items() if not isinstance(r, SectorError)}
    sector_key = src.map({v: r[0] for v, r in ok_res.items()}).astype(object)
    sector_key = sector_key.fillna(cat.default_sector)
    sector_key = sector_key.to_numpy(dtype=object)
    has_digits = src.map(lambda v: v in ok_res and bool(ok_res[v][1]))
    has_digits = has_digits.to_numpy(dtype=bool)
    oked = np.where(has_digits, src.to_numpy(dtype=object), "")  # as typed: 01111 stays
    failed = src.map(lambda v: isinstance(resolved[v], SectorError)).to_numpy(dtype=bool)
    warned = src.map(lambda v: v in ok_res and ok_res[v][2] is not None).to_numpy(dtype=bool)
    for i in np.flatnonzero(failed):
        problems[i].append(f"{where('oked' if is_oked_col[i] else 'sector')}: {resolved[src[i]]}")
    for i in np.flatnonzero(warned):
        canon = "oked" if is_oked_col[i] else "sector"
        row_warnings.append((i, f"{where(canon)}: {ok_res[src[i]][2]}"))
    for i in np.flatnonzero(is_oked_col & ~failed & ~has_digits):
        problems[i].append(f"{where('oked')}: {src[i]!r} is not an OKED code; use e.g. 23.61")

    # Excel numeric cells in the sector / OKED column may have lost a leading zero
    code_cols = {mapping[c] for c in ("sector", "oked") if c in mapping}
    for r, cidx, cell, cell_text in raw.numeric_cells:
        if cidx in code_cols and r in row_index and re.fullmatch(r"\d{1,4}", cell_text):
            row_warnings.append(
                (
                    row_index[r],
                    f"cell {cell}: OKED {cell_text} is stored as a number in Excel, so "
                    "a leading zero may be lost (01111 becomes 1111); format the column as Text "
                    "and type the code again",
                )
            )

    zone = _clean_text(get("preferred_zone"))
    own_id = _clean_text(get("company_id"))

    # Kazakh letters lost to cp1251 ("?асымов"): keep the row, warn
    for canon, series in (("name", names), ("preferred_zone", zone)):
        lost = series.str.contains(_LOST_LETTER_RE, regex=True).to_numpy(dtype=bool)
        for i in np.flatnonzero(lost):
            row_warnings.append(
                (
                    i,
                    f"{where(canon)}: {series.iat[i]!r} has '?' in place of a letter (Kazakh "
                    "letters such as Қ, Ә, Ң are lost when a file is saved as cp1251/ANSI); "
                    "the row is kept; save the file as 'CSV UTF-8' (or .xlsx) to keep the "
                    "names intact",
                )
            )

    # user ids must be unique
    seen_ids: dict[str, int] = {}
    for i, value in enumerate(own_id.to_numpy()):
        if value and not problems[i]:
            if value in seen_ids:
                problems[i].append(
                    f"{where('company_id')}: {value!r} is already used on row "
                    f"{raw.rows[seen_ids[value]]}; give each company its own id"
                )
            else:
                seen_ids[value] = i

    ok = np.array([not p for p in problems], dtype=bool)
    rows = np.asarray(raw.rows, dtype=np.int64)
    extra_names = [headers[i] for i in ignored_idx]

    valid = pd.DataFrame(
        {
            "company_id": _company_ids(names[ok], own_id[ok]),
            "row": rows[ok],
            "name": names[ok].to_numpy(),
            "land_ha": land[ok],
            "sector": sector_key[ok],
            "oked": oked[ok],
            "employees": employees[ok],
            "needs_rail": bools["needs_rail"][ok].array,
            "export_oriented": bools["export_oriented"][ok].array,
            "hazard_class": hazard[ok],
            "max_dist_almaty_km": max_alm[ok],
            "preferred_zone": zone[ok].to_numpy(),
        }
    )
    for name in ("company_id", "name", "sector", "oked", "preferred_zone"):
        valid[name] = valid[name].astype("str")
    for h in extra_names:
        valid[_free_name(h, list(valid.columns))] = text[h][ok].astype("str").to_numpy()
    valid.index = pd.RangeIndex(len(valid))

    rejects = text[~ok].copy()
    # "row" and "reason" are ours: a file column so named is renamed "row (file)"
    rejects.columns = [
        _free_name(h, [c for c in headers if c != h] + ["row", "reason"]) for h in rejects.columns
    ]
    rejects.insert(0, "row", rows[~ok])
    rejects["reason"] = ["; ".join(p) for p, good in zip(problems, ok, strict=True) if not good]
    rejects = rejects.astype({c: "str" for c in rejects.columns if rejects[c].dtype == object})
    rejects.index = pd.RangeIndex(len(rejects))

    warnings = _table_warnings(raw, headers, ignored_idx, valid)
    warnings += [
        f"row {raw.rows[i]}, {msg}" for i, msg in sorted(row_warnings, key=lambda t: t[0]) if ok[i]
    ]

    if n != len(valid) + len(rejects):  # internal invariant: nothing is lost
        raise RuntimeError(
            f"internal error reading {path}: {n} rows in, {len(valid)} valid + {len(rejects)} "
            "rejected; please report this bug"
        )
    table = CompanyTable(
        valid=valid,
        rejects=rejects,
        warnings=warnings,
        rows_in=n,
        path=path,
        encoding=raw.encoding,
        separator=raw.separator,
        sheet=raw.sheet,
        columns=col,
        ignored_columns=extra_names,
        blank_rows=raw.blank_rows,
    )
    log.info(
        "read %s: %d rows, %d valid, %d rejected, %d warnings (encoding %s, separator %r)",
        path,
        n,
        len(valid),
        len(rejects),
        len(warnings),
        raw.encoding,
        raw.separator,
    )
    return table


def _free_name(name: str, taken: list[str]) -> str:
    """``name``, or ``name (file)``, ``name (file 2)``... if it is taken."""
    cand, k = name, 1
    while cand in taken:
        cand = f"{name} (file)" if k == 1 else f"{name} (file {k})"
        k += 1
    return cand


def _sep_name(sep: str) -> str:
    return {"\t": "tab", ";": "';'", ",": "','"}.get(sep, repr(sep))


def _check_swapped(path: Path, names: pd.Series, land_bad: np.ndarray, col: dict[str, str]) -> None:
    """Raise when name and land_ha look swapped (names are numbers, areas are text)."""
    if len(names) < 2 or land_bad.mean() < 0.8:
        return
    compact = names.str.replace(_SPACES_RE, "", regex=True)
    numeric_names = compact.str.fullmatch(_NUMBER_RE).fillna(False).to_numpy(dtype=bool)
    if numeric_names.mean() >= 0.8:
        raise _file_error(
            path,
            f"columns name ({col['name']!r}) and land_ha ({col['land_ha']!r}) look swapped: "
            f"names are numbers (e.g. {names.iat[0]!r}) and areas are text; fix the header row "
            "so each column name is above its values",
        )


def _company_ids(names: pd.Series, own: pd.Series) -> list[str]:
    """The file's own ids, else ``c-`` + 8 hex of the normalized name (+ ``-2``, ``-3``...)."""
    if not len(names):
        return []
    given = own.to_numpy(dtype=object)
    key = names.str.casefold().str.replace(r"\s+", " ", regex=True).str.strip()
    digest = {
        k: "c-" + hashlib.sha1(k.encode("utf-8"), usedforsecurity=False).hexdigest()[:8]
        for k in pd.unique(key.to_numpy(dtype=object))
    }
    base = pd.Series(key.to_numpy(dtype=object)).map(digest)
    nth = base.where(given == "").groupby(base).cumcount().to_numpy() + 1
    base_arr = base.to_numpy(dtype=object)
    ids = np.where(nth == 1, base_arr, base_arr + "-" + nth.astype(str).astype(object))
    ids = np.where(given != "", given, ids)
    taken = set(given[given != ""])
    clash = [i for i, v in enumerate(ids) if given[i] == "" and v in taken]
    for i in clash:  # a generated id equal to one of the file's own ids (rare)
        k = int(nth[i]) + 1
        while f"{base[i]}-{k}" in taken or f"{base[i]}-{k}" in set(ids):
            k += 1
        ids[i] = f"{base[i]}-{k}"
    return ids.tolist()


def _table_warnings(
    raw: _Raw, headers: list[str], ignored_idx: list[int], valid: pd.DataFrame
) -> list[str]:
    out: list[str] = []
    if ignored_idx:
        out.append(
            "ignored column(s) "
            + ", ".join(repr(headers[i]) for i in ignored_idx)
            + ": not used for scoring, kept in the output as text (see the accepted column "
            "names in the docs if one of them was meant to be used)"
        )
    if raw.blank_rows:
        out.append(f"{raw.blank_rows} blank row(s) skipped")
    if raw.encoding in ("cp1251", "kz1048"):
        out.append(
            f"the file is in {raw.encoding} (a legacy 'ANSI' encoding); it was read correctly, "
            "but 'CSV UTF-8' keeps every Kazakh letter"
        )
    key = valid["name"].str.casefold().str.replace(r"\s+", " ", regex=True)
    dup = key.duplicated(keep=False).to_numpy(dtype=bool)
    if dup.any():
        groups = valid[dup].groupby(key[dup], sort=False)["row"]
        for _, rows in groups:
            shown = ", ".join(str(r) for r in rows.iloc[:10])
            if len(rows) > 10:
                shown += f"... ({len(rows)} rows)"
            out.append(
                f"duplicate company name {valid.loc[rows.index[0], 'name']!r} on rows "
                f"{shown}: all kept with different company_id; "
                "remove the copies if they are the same company"
            )
    return out
