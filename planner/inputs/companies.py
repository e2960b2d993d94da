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
  (``1 200,5``); an exponent (``1e-05``, how Excel shows tiny numbers) is read. Units
  in a number cell (``12,5 га``) are rejected, with the fix "use digits only, e.g. 12.5":
  the column header says the unit, and guessing units (m² vs ha) silently would be worse
  than asking.
* A ``?`` next to a Cyrillic letter (``?асымов``) is a Kazakh letter lost by a cp1251
  export: the row is kept (the name is still usable) and a warning says to save as UTF-8.
* Rows are numbered as the user sees them: the header is row 1, so the first data row of a
  CSV is row 2; Excel rows are Excel's row numbers. Blank rows are skipped and counted.
* Nothing is lost: every non-blank data row ends up in ``valid`` or ``rejects`` (with every
  problem of that row in ``reason``); unknown columns are kept and reported as ignored.
* Duplicate company names are kept (with distinct ``company_id``) and reported.

The file is read by the one table reader (:mod:`planner.inputs.tables`: encoding,
separator, Excel cells, row numbers) and checked column by column against
:data:`COLUMNS` (:mod:`planner.inputs.columns`); the sector/OKED resolution, Excel codes
that lost a zero, lost Kazakh letters and own-id uniqueness are the checks spanning
columns.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from planner import i18n
from planner.config.sectors import SectorCatalog, load_sectors, resolve_sector
from planner.errors import InputError, SectorError
from planner.inputs.columns import (
    ColumnMatch,
    ColumnSpec,
    RowNotes,
    Rule,
    by_value,
    check_column,
    fold_text,
    match_columns,
    norm_header,
    parse_decimal,
    parse_text,
    parse_yes_no,
)
from planner.inputs.rejects import rejects_table
from planner.inputs.tables import (
    RawTable,
    TableKind,
    cell_frame,
    free_name,
    read_table,
)

__all__ = [
    "COLUMNS",
    "COLUMN_ALIASES",
    "REQUIRED_COLUMNS",
    "CompanyTable",
    "columns_markdown",
    "example_path",
    "read_companies",
]

log = logging.getLogger(__name__)

_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}
_ROMAN_FIX = str.maketrans(
    {"І": "I", "і": "I", "Ⅰ": "I", "Ⅱ": "II", "Ⅲ": "III", "Ⅳ": "IV", "Ⅴ": "V"}
)
_HAZARD = {**_ROMAN, **{str(i): i for i in range(1, 6)}}
#: "?" next to a Cyrillic letter: a Kazakh letter lost by a cp1251 export
_CYR = "А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі"
#: a "?" where a letter should be: before a Cyrillic letter ("?асымов") or as an initial
#: (" ?."); a question mark ending a word ("Где?") is not matched
_LOST_LETTER_RE = rf"\?(?=[{_CYR}])|(?<!\S)\?(?=\.)"
_KIND = TableKind(
    what="company file", noun="company list", item="company",
    header_example="name;land_ha;sector",
)


@by_value
def _parse_hazard(cells: pd.Series) -> tuple[pd.api.extensions.ExtensionArray, np.ndarray]:
    """Sanitary class I-V (Roman, also Cyrillic І and the Unicode numerals) or 1-5."""
    norm = (
        cells.str.strip().str.replace(r"\s+", "", regex=True).str.translate(_ROMAN_FIX)
        .str.upper()
    )
    vals = norm.map(_HAZARD)
    bad = vals.isna().to_numpy(dtype=bool) & (norm != "").to_numpy(dtype=bool)
    return pd.array(vals.to_numpy(dtype=object), dtype="Int64"), bad


_YES_NO = "rejects.yes_no"  # messages "rejects.*" are keys of the language catalog
#: the words a yes/no cell may hold, as the fix of a refused one names them (every language)
_YES_NO_WORDS = "да/нет, иә/жоқ, yes/no, 1/0, true/false"
#: Kazakh letters a cp1251 file loses, named in the warning
_KAZAKH_LETTERS = "Қ, Ә, Ң"

#: the columns of a company list, in the order of the docs
COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "name", parse_text, required=True, help="company name (text)",
        empty="rejects.name_empty",
        aliases=("name", "company", "company_name", "наименование", "название", "компания",
                 "наименование компании", "организация", "предприятие", "атауы"),
    ),
    ColumnSpec(
        "land_ha", parse_decimal, required=True,
        help="land needed, hectares (12.5 or 12,5; no units)",
        invalid="rejects.land_invalid",
        empty="rejects.land_empty",
        rules=(
            Rule(lambda v: v <= 0, "rejects.land_not_positive"),
            Rule(lambda v: v > 1e6, "rejects.land_too_large"),
            Rule(lambda v: v > 1000, "rejects.land_large", warn=True),
        ),
        aliases=("land_ha", "land", "area_ha", "land_area_ha", "площадь_га", "площадь, га",
                 "площадь (га)", "площадь", "площадь участка, га", "потребность в земле, га",
                 "земля, га"),
    ),
    ColumnSpec(
        "sector", parse_text, help="sector key, title or OKED code (23.61, 01111)",
        aliases=("sector", "industry", "отрасль", "сектор", "вид деятельности", "сала"),
    ),
    ColumnSpec(
        "oked", parse_text, help="OKED code, used when sector is empty",
        aliases=("oked", "окэд", "код окэд", "оквэд", "код оквэд"),
    ),
    ColumnSpec(
        "employees", parse_decimal, help="number of jobs (whole number)",
        invalid="rejects.employees_invalid",
        rules=(
            Rule(lambda v: (v < 0) | (v != np.round(v)), "rejects.employees_whole"),
            Rule(lambda v: v > 1e7, "rejects.employees_too_large"),
        ),
        aliases=("employees", "staff", "jobs", "численность", "численность работников",
                 "число работников", "сотрудники", "работники", "рабочие места"),
    ),
    ColumnSpec(
        "needs_rail", parse_yes_no, invalid=_YES_NO,
        help="needs a rail siding: yes/no, да/нет, 1/0",
        aliases=("needs_rail", "rail", "ж/д", "жд", "железная дорога", "нужна ж/д",
                 "ж/д тупик"),
    ),
    ColumnSpec(
        "export_oriented", parse_yes_no, invalid=_YES_NO,
        help="exporter: yes/no, да/нет, 1/0",
        aliases=("export_oriented", "export", "exporter", "экспорт", "экспортер",
                 "экспортная ориентация"),
    ),
    ColumnSpec(
        "hazard_class", _parse_hazard,
        help="sanitary class I-V or 1-5 (1000/500/300/100/50 m from housing)",
        invalid="rejects.hazard",
        aliases=("hazard_class", "hazard", "класс_опасности", "класс опасности",
                 "санитарный класс", "класс санитарной опасности"),
    ),
    ColumnSpec(
        "max_dist_almaty_km", parse_decimal,
        help="farthest acceptable distance from Almaty centre, km",
        invalid="rejects.max_dist_invalid",
        rules=(Rule(lambda v: v <= 0, "rejects.max_dist_not_positive"),),
        aliases=("max_dist_almaty_km", "макс. до алматы, км", "до алматы, км",
                 "макс. расстояние до алматы, км", "максимальное расстояние до алматы, км"),
    ),
    ColumnSpec(
        "preferred_zone", parse_text, help="zone id the company prefers (e.g. aiz-1)",
        aliases=("preferred_zone", "zone", "зона", "предпочтительная зона", "желаемая зона"),
    ),
    ColumnSpec(
        "company_id", parse_text, help="your own unique id (else generated from the name)",
        aliases=("company_id", "id", "код компании", "идентификатор"),
    ),
)  # fmt: skip
#: canonical column -> accepted header names (matched case-, space- and punctuation-insensitively)
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {s.name: s.aliases for s in COLUMNS}
REQUIRED_COLUMNS: tuple[str, ...] = tuple(s.name for s in COLUMNS if s.required)


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
    for spec in COLUMNS:
        req = "yes" if spec.required else "no"
        names = ", ".join(f"`{a}`" for a in spec.aliases)
        lines.append(f"| `{spec.name}` | {req} | {spec.help} | {names} |")
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


def _file_error(path: Path, what: str) -> InputError:
    """An error about the whole file, in the message language (``i18n.tr``)."""
    return InputError(i18n.tr("err.companies.where", path=str(path), text=what))


def read_companies(
    path: str | Path, encoding: str | None = None, sheet: str | int | None = None, *,
    catalog: SectorCatalog | None = None, lang: str = "en",
) -> CompanyTable:  # fmt: skip
    """Read a company list (CSV or ``.xlsx``) into a :class:`CompanyTable`.

    Parameters
    ----------
    path
        ``.csv`` / ``.txt`` / ``.tsv`` (separator ``;``, ``,`` or tab, detected; an Excel
        ``sep=;`` first line is honoured) or ``.xlsx`` / ``.xlsm``.
    encoding
        CSV encoding; default: detected (UTF-8 with or without BOM, UTF-16 with BOM,
        cp1251, kz1048, cp866; see :func:`planner.inputs.tables.decode_text`).
    sheet
        Excel sheet name or 0-based index; default the first sheet.
    catalog
        Sector catalog used to map sector names and OKED codes (default: built-in).
    lang
        Language of the row problems (``reason`` of the rejects: what is wrong and the fix)
        and of the row prefix of warnings: ru, kk or en (catalog ``rejects.*``).

    Raises
    ------
    InputError
        For file-level problems (missing/empty/binary file, an ``.xlsx`` that is really
        CSV, no data rows, missing required columns, columns that look swapped). Row-level
        problems never raise: they go to ``rejects``.
    """
    path = Path(path)
    cat = catalog or load_sectors()
    raw = read_table(path, kind=_KIND, encoding=encoding, sheet=sheet)
    match = _match_columns(path, raw.header)
    if not raw.records:
        raise _file_error(path, i18n.tr("err.companies.no_rows",
                                        header=", ".join(repr(h) for h in raw.header)))
    text, notes = cell_frame(raw)
    headers = list(text.columns[: len(raw.header)])
    col = {canon: headers[i] for canon, i in match.found.items()}
    lang = i18n.check_lang(lang)
    values = _check_columns(text, col, notes, lang)
    _check_swapped(path, text, col, values["name"])
    sector_key, oked = _resolve_sectors(values, col, cat, notes, lang)
    _warn_numeric_codes(raw, match, notes, lang)
    _warn_lost_letters(values, col, notes, lang)
    _check_own_ids(values["company_id"], col, raw.rows, notes, lang)

    ok = notes.ok()
    extra_names = [headers[i] for i in match.ignored]
    valid = _valid_table(values, sector_key, oked, np.asarray(raw.rows, dtype=np.int64), ok)
    for h in extra_names:
        valid[free_name(h, list(valid.columns))] = text[h][ok].astype("str").to_numpy()
    ids = np.where(values["company_id"] != "", values["company_id"], values["name"])
    rejects = rejects_table(text, raw.rows, notes, ok, ids)
    warnings = _table_warnings(raw, headers, match.ignored, valid, lang)
    warnings += [
        i18n.t("rejects.row", lang, row=raw.rows[i], text=msg)
        for i, msg in sorted(notes.warnings, key=lambda t: t[0]) if ok[i]
    ]
    n = len(raw.records)
    if n != len(valid) + len(rejects):  # internal invariant: nothing is lost
        raise RuntimeError(
            f"internal error reading {path}: {n} rows in, {len(valid)} valid + {len(rejects)} "
            "rejected; please report this bug"
        )
    log.info(
        "read %s: %d rows, %d valid, %d rejected, %d warnings (encoding %s, separator %r)",
        path, n, len(valid), len(rejects), len(warnings), raw.encoding, raw.separator,
    )  # fmt: skip
    how_read = {k: getattr(raw, k) for k in ("encoding", "separator", "sheet", "blank_rows")}
    return CompanyTable(
        valid, rejects, warnings, n, path, columns=col, ignored_columns=extra_names, **how_read
    )


# ---------------------------------------------------------------------------------------
# columns
# ---------------------------------------------------------------------------------------
def _match_columns(path: Path, header: list[str]) -> ColumnMatch:
    match = match_columns(header, COLUMNS)
    if match.clashes:
        clashes = [
            i18n.tr("err.companies.clash", first=repr(header[idx[0]]), other=repr(header[i]),
                    name=canon)
            for canon, idx in match.clashes.items()
            for i in idx[1:]
        ]  # fmt: skip
        raise _file_error(path, i18n.tr("err.companies.clashes", clashes="; ".join(clashes)))
    missing = match.missing(COLUMNS)
    if missing:
        found = ", ".join(repr(h) for h in header) or i18n.tr("err.sites.none")
        # quoted: some names hold a comma ('площадь, га')
        accepted = "; ".join(f"{c}: {', '.join(map(repr, COLUMN_ALIASES[c]))}" for c in missing)
        hint = ""
        if len(header) == 1 and re.search(r"[;,\t]", header[0]):
            hint = i18n.tr("err.companies.one_column")
        raise _file_error(path, i18n.tr("err.companies.missing_columns", found=found,
                                        missing=", ".join(missing), accepted=accepted,
                                        hint=hint))  # fmt: skip
    return match


def _label(canon: str, col: dict[str, str], lang: str = "en") -> str:
    """``column land_ha``, or ``column land_ha ('Площадь, га')`` under another header (in
    ``lang``; an absent column by its name)."""
    label = col.get(canon, canon)
    if norm_header(label) == norm_header(canon):
        return i18n.t("rejects.column", lang, name=canon)
    return i18n.t("rejects.column_as", lang, name=canon, label=repr(label))


def _check_columns(text: pd.DataFrame, col: dict[str, str], notes: RowNotes,
                   lang: str = "en") -> dict:  # fmt: skip
    """Every column of :data:`COLUMNS` parsed and checked (absent ones are blank)."""
    blank = pd.Series([""] * len(text), dtype=object)
    values = {}
    for spec in COLUMNS:
        if spec.name in col:
            cells = text[col[spec.name]].astype(object).reset_index(drop=True)
        else:
            cells = blank
        label = _label(spec.name, col, lang)
        values[spec.name] = check_column(spec, cells, notes, col=label, lang=lang,
                                         context={"accepted": _YES_NO_WORDS},
                                         header=col.get(spec.name, spec.name))  # fmt: skip
    return values


def _check_swapped(path: Path, text: pd.DataFrame, col: dict[str, str], names) -> None:
    """Raise when name and land_ha look swapped (names are numbers, areas are text)."""
    _, land_bad = parse_decimal(text[col["land_ha"]])
    if len(names) < 2 or land_bad.mean() < 0.8:
        return
    names = pd.Series(names, dtype=object)
    _, refused = parse_decimal(names)
    if (~refused & (names != "").to_numpy(dtype=bool)).mean() >= 0.8:
        raise _file_error(path, i18n.tr("err.companies.swapped", name=repr(col["name"]),
                                        land=repr(col["land_ha"]), example=repr(names.iat[0])))


def _resolve_sectors(values: dict, col: dict[str, str], cat: SectorCatalog, notes: RowNotes,
                     lang: str = "en"):  # fmt: skip
    """Sector keys and OKED codes: each distinct sector (or, when empty, OKED) value once."""
    sector_in = pd.Series(values["sector"], dtype=object)
    oked_in = pd.Series(values["oked"], dtype=object)
    is_oked = ((sector_in == "") & (oked_in != "")).to_numpy(dtype=bool)
    src = sector_in.where(~is_oked, oked_in)
    codes, uniq = pd.factorize(src.to_numpy(dtype=object))
    res: list[tuple[str, str, str | None] | SectorError] = []
    for value in uniq:
        try:
            res.append(resolve_sector(value, cat))
        except SectorError as exc:
            res.append(exc)
    failed = np.array([isinstance(r, SectorError) for r in res], dtype=bool)[codes]
    ok_res = [None if isinstance(r, SectorError) else r for r in res]
    sector_key = np.array(
        [cat.default_sector if r is None else r[0] for r in ok_res], dtype=object
    )[codes]
    has_digits = np.array([r is not None and bool(r[1]) for r in ok_res], dtype=bool)[codes]
    warned = np.array([r is not None and r[2] is not None for r in ok_res], dtype=bool)[codes]
    oked = np.where(has_digits, src.to_numpy(dtype=object), "")  # as typed: 01111 stays

    def where(i: int) -> str:
        return _label("oked" if is_oked[i] else "sector", col, lang)

    for from_oked, canon in ((False, "sector"), (True, "oked")):
        rows = np.flatnonzero(failed & (is_oked == from_oked))
        notes.problem(rows, lambda i: f"{where(i)}: {res[codes[i]]}",
                      column=col.get(canon, canon), value=lambda i: src[i])  # fmt: skip
    notes.warn(np.flatnonzero(warned), lambda i: f"{where(i)}: {res[codes[i]][2]}")
    notes.problem(
        np.flatnonzero(is_oked & ~failed & ~has_digits),
        lambda i: i18n.t("rejects.oked", lang, col=_label("oked", col, lang), value=repr(src[i])),
    )
    return sector_key, oked


def _warn_numeric_codes(raw: RawTable, match: ColumnMatch, notes: RowNotes,
                        lang: str = "en") -> None:  # fmt: skip
    """Excel numeric cells in the sector / OKED column may have lost a leading zero."""
    code_cols = {match.found[c] for c in ("sector", "oked") if c in match.found}
    row_index = {r: i for i, r in enumerate(raw.rows)}
    for r, cidx, cell, cell_text in raw.numeric_cells:
        if cidx in code_cols and r in row_index and re.fullmatch(r"\d{1,4}", cell_text):
            notes.warn([row_index[r]], i18n.t("rejects.oked_number", lang, cell=cell,
                                              code=cell_text))  # fmt: skip


def _warn_lost_letters(values: dict, col: dict[str, str], notes: RowNotes,
                       lang: str = "en") -> None:  # fmt: skip
    """Kazakh letters lost to cp1251 ("?асымов"): keep the row, warn."""
    for canon in ("name", "preferred_zone"):
        if canon not in col:
            continue
        series = pd.Series(values[canon], dtype=object)
        lost = series.str.contains("?", regex=False).to_numpy(dtype=bool, copy=True)  # cheap
        lost[lost] = series[lost].str.contains(_LOST_LETTER_RE, regex=True).to_numpy(dtype=bool)
        notes.warn(
            np.flatnonzero(lost),
            lambda i, canon=canon, series=series: i18n.t(
                "rejects.lost_letter", lang, col=_label(canon, col, lang),
                value=repr(series.iat[i]), letters=_KAZAKH_LETTERS,
            ),
        )


def _check_own_ids(own_id: np.ndarray, col: dict[str, str], rows: list[int], notes,
                   lang: str = "en") -> None:  # fmt: skip
    """The file's own company ids must be unique (among rows without other problems)."""
    seen: dict[str, int] = {}
    for i, value in enumerate(own_id):
        if value and not notes.of(i):
            if value in seen:
                notes.problem([i], i18n.t(
                    "rejects.duplicate_id", lang, col=_label("company_id", col, lang),
                    value=repr(value), row=rows[seen[value]],
                ), column=col["company_id"], value=lambda _i, v=value: v)  # fmt: skip
            else:
                seen[value] = i


# ---------------------------------------------------------------------------------------
# tables
# ---------------------------------------------------------------------------------------
def _valid_table(values: dict, sector_key, oked, rows: np.ndarray, ok: np.ndarray):
    names = pd.Series(values["name"], dtype=object)
    emp = np.where(np.isnan(values["employees"]), None, values["employees"])
    valid = pd.DataFrame(
        {
            "company_id": _company_ids(names[ok], pd.Series(values["company_id"])[ok]),
            "row": rows[ok],
            "name": names[ok].to_numpy(),
            "land_ha": values["land_ha"][ok],
            "sector": sector_key[ok],
            "oked": oked[ok],
            "employees": pd.array(emp[ok].tolist(), dtype="Int64"),
            "needs_rail": values["needs_rail"][ok],
            "export_oriented": values["export_oriented"][ok],
            "hazard_class": values["hazard_class"][ok],
            "max_dist_almaty_km": values["max_dist_almaty_km"][ok],
            "preferred_zone": values["preferred_zone"][ok],
        }
    )
    for name in ("company_id", "name", "sector", "oked", "preferred_zone"):
        valid[name] = valid[name].astype("str")
    valid.index = pd.RangeIndex(len(valid))
    return valid


def _company_ids(names: pd.Series, own: pd.Series) -> list[str]:
    """The file's own ids, else ``c-`` + 8 hex of the normalized name (+ ``-2``, ``-3``...)."""
    if not len(names):
        return []
    given = own.to_numpy(dtype=object)
    key = fold_text(names)
    digest = {
        k: "c-" + hashlib.sha1(k.encode("utf-8"), usedforsecurity=False).hexdigest()[:8]
        for k in pd.unique(key)
    }
    base = pd.Series(key).map(digest)
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
    raw: RawTable, headers: list[str], ignored_idx: list[int], valid: pd.DataFrame,
    lang: str = "en",
) -> list[str]:  # fmt: skip
    out: list[str] = []
    if ignored_idx:
        names = ", ".join(repr(headers[i]) for i in ignored_idx)
        out.append(i18n.t("rejects.ignored_columns", lang, names=names))
    if raw.blank_rows:
        out.append(i18n.t("rejects.blank_rows", lang, n=raw.blank_rows))
    if raw.encoding in ("cp1251", "kz1048"):
        out.append(i18n.t("rejects.legacy_encoding", lang, encoding=raw.encoding))
    key = pd.Series(fold_text(valid["name"]), index=valid.index)
    dup = key.duplicated(keep=False).to_numpy(dtype=bool)
    if dup.any():
        groups = valid[dup].groupby(key[dup], sort=False)["row"]
        for _, rows in groups:
            shown = ", ".join(str(r) for r in rows.iloc[:10])
            if len(rows) > 10:
                shown += f"... ({len(rows)} rows)"
            out.append(i18n.t("rejects.duplicate_name", lang,
                              name=repr(valid.loc[rows.index[0], "name"]), rows=shown))
    return out
