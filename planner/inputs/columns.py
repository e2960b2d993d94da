"""Column specs: header aliases, one parser and one message per rule, for every input table.

A :class:`ColumnSpec` says what one column of an input holds: the header names it may
have, the parser that turns its cells into values (refusing what it cannot read), and the
message for each problem: a refused cell, a blank cell where a value is needed, a value
that breaks a rule. :func:`check_column` applies a spec to a column and records every
problem on its row (:class:`RowNotes`), so readers (company lists, sites, layer
attributes) are a table of specs plus the few checks that span several columns.

Messages are templates: ``{col}`` is the column as the reader names it (``column
land_ha``, ``column `lat```, ``field `kind```), ``{value}`` the cell as typed (``'12,5
га'``, or ``the cell`` when blank), ``{parsed}`` the parsed value; readers may pass more
fields (e.g. ``{prefix}``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from planner import i18n

__all__ = [
    "NUMBER_RE",
    "SPACES_RE",
    "ColumnMatch",
    "ColumnSpec",
    "Rule",
    "RowNotes",
    "blank_cells",
    "by_value",
    "check_column",
    "clean_text",
    "fold_text",
    "match_columns",
    "norm_header",
    "parse_decimal",
    "parse_degrees",
    "parse_text",
    "parse_yes_no",
    "per_value",
    "show_value",
]

# Patterns run in Arrow (RE2) and agree with Python's re: classes are spelled out.
#: a decimal number with ``.`` or ``,`` as the decimal mark (and an optional exponent)
NUMBER_RE = r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?"
#: every character ``str.isspace`` accepts: spaces, no-break and thin spaces, line breaks
SPACES_RE = "[\t-\r\x1c- \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+"
_CONTROL_RE = "[\x00-\x1f\x7f]+"
_TRUE = frozenset(
    {"yes", "y", "true", "t", "1", "+", "да", "д", "истина", "иә", "ия", "x", "х", "✓"}
)
_FALSE = frozenset({"no", "n", "false", "f", "0", "-", "—", "–", "нет", "н", "ложь", "жоқ"})
_SHOWN_CHARS = 60

#: a parser: cells -> (values, refused); blank cells are never refused
Parser = Callable[[pd.Series], tuple[Any, np.ndarray]]


# --------------------------------------------------------------------------- headers


def norm_header(value: object) -> str:
    """A header as matched: case-, space- and punctuation-insensitive, ё = е."""
    return re.sub(r"[\W_]+", "", str(value).replace("\ufeff", "").casefold().replace("ё", "е"))


@dataclass(frozen=True)
class Rule:
    """A rule on parsed values: ``when`` marks the rows breaking it; ``warn`` keeps them."""

    when: Callable[[Any], np.ndarray]
    message: str
    warn: bool = False


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an input: its names, its parser and its messages.

    Attributes
    ----------
    name
        The canonical column name.
    parse
        Cells -> ``(values, refused)``; ``values`` positional (array), ``refused`` a
        boolean mask of non-blank cells the parser cannot read.
    invalid
        Message for a refused cell.
    empty
        Message for a blank cell when a value is needed (None: blank is allowed).
    rules
        Further rules on the parsed values of readable cells.
    aliases
        Header names (the name itself included), matched with :func:`norm_header`.
    required
        The column itself must be in the file.
    exact_wins
        When several headers mean this column, one spelled as ``name`` is taken and the
        others are ignored (instead of a clash).
    help
        What the column holds, for docs.
    """

    name: str
    parse: Parser
    invalid: str = "err.columns.invalid"
    empty: str | None = None
    rules: tuple[Rule, ...] = ()
    aliases: tuple[str, ...] = ()
    required: bool = False
    exact_wins: bool = False
    help: str = ""


@dataclass
class ColumnMatch:
    """Which header column holds each spec's column."""

    found: dict[str, int] = field(default_factory=dict)
    #: canonical name -> every header index meaning it (when more than one and none wins)
    clashes: dict[str, list[int]] = field(default_factory=dict)
    ignored: list[int] = field(default_factory=list)

    def missing(self, specs: Iterable[ColumnSpec]) -> list[str]:
        """Required columns not found."""
        return [s.name for s in specs if s.required and s.name not in self.found]


def match_columns(header: Sequence[object], specs: Sequence[ColumnSpec]) -> ColumnMatch:
    """Map each spec to the header column named by one of its aliases."""
    index = {norm_header(a): s for s in specs for a in (s.name, *s.aliases)}
    hits: dict[str, list[int]] = {}
    match = ColumnMatch()
    for i, name in enumerate(header):
        spec = index.get(norm_header(name)) if str(name) else None
        if spec is None:
            match.ignored.append(i)
        else:
            hits.setdefault(spec.name, []).append(i)
    by_name = {s.name: s for s in specs}
    for canon, idx in hits.items():
        exact = [i for i in idx if norm_header(header[i]) == norm_header(canon)]
        if len(idx) == 1:
            match.found[canon] = idx[0]
        elif by_name[canon].exact_wins and len(exact) == 1:
            match.found[canon] = exact[0]
            match.ignored.extend(i for i in idx if i != exact[0])
        else:
            match.clashes[canon] = idx
    match.ignored.sort()
    return match


# --------------------------------------------------------------------------- parsers


def _arrow(cells: pd.Series) -> pa.Array:
    """Text cells as an Arrow string array, missing as ''."""
    return pc.fill_null(pa.array(cells.to_numpy(dtype=object), type=pa.large_string()), "")


def blank_cells(cells: pd.Series) -> np.ndarray:
    """Missing values and text of only spaces (other values are never blank)."""
    missing = cells.isna().to_numpy(dtype=bool)
    try:
        text = _arrow(cells)
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # not all text (layer attributes)
        text = _arrow(cells.astype(object).where(~missing, "").map(str))
    return missing | pc.equal(pc.utf8_trim_whitespace(text), "").to_numpy(zero_copy_only=False)


def clean_text(cells: pd.Series) -> np.ndarray:
    """Line breaks, tabs and other control characters -> one space; trimmed (Arrow)."""
    text = pc.utf8_trim_whitespace(pc.replace_substring_regex(_arrow(cells), _CONTROL_RE, " "))
    return text.to_numpy(zero_copy_only=False).astype(object)


def fold_text(cells: Iterable[str]) -> np.ndarray:
    """Text as compared: case-folded (``str.casefold``), space runs -> one space, trimmed."""
    folded = pa.array([str(s).casefold() for s in cells], type=pa.large_string())
    key = pc.utf8_trim_whitespace(pc.replace_substring_regex(folded, SPACES_RE, " "))
    return key.to_numpy(zero_copy_only=False).astype(object)


def parse_text(cells: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Text cells, cleaned (:func:`clean_text`); nothing is refused."""
    return clean_text(cells), np.zeros(len(cells), dtype=bool)


def parse_decimal(cells: pd.Series, drop: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Text -> float: ``.`` or ``,`` decimals, spaces as thousands separators; blank -> NaN.

    Units or other text in the cell (``12,5 га``, ``1.200,5``) are refused: guessing
    would be worse than asking. ``drop`` is a sign removed first (``°``). Vectorized in
    Arrow.
    """
    text = _arrow(cells)
    if drop:
        text = pc.replace_substring(text, drop, "")
    compact = pc.replace_substring_regex(text, SPACES_RE, "")
    ok = pc.match_substring_regex(compact, f"^(?:{NUMBER_RE})$")
    dotted = pc.replace_substring(compact, ",", ".")
    values = pc.cast(pc.if_else(ok, dotted, None), pa.float64()).to_numpy(zero_copy_only=False)
    values = np.array(values, dtype="f8")  # writable
    blank = pc.equal(compact, "").to_numpy(zero_copy_only=False)
    ok = ok.to_numpy(zero_copy_only=False)
    bad = ok & ~np.isfinite(values)
    values[bad] = np.nan  # 1e999: not a usable number (check_column says "out of range")
    return values, (~ok & ~blank) | bad


def parse_degrees(cells: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Decimal degrees: :func:`parse_decimal` after dropping a degree sign (``43,52°``)."""
    return parse_decimal(cells, drop="°")


def by_value(fn: Callable[[pd.Series], tuple[Any, np.ndarray]]) -> Parser:
    """A parser running ``fn`` once per distinct cell (for columns of few values)."""

    def parse(cells: pd.Series) -> tuple[Any, np.ndarray]:
        codes, uniques = pd.factorize(cells.astype(object), use_na_sentinel=False)
        values, bad = fn(pd.Series(uniques, dtype=object))
        return values[codes], np.asarray(bad, dtype=bool)[codes]

    return parse


@by_value
def parse_yes_no(cells: pd.Series) -> tuple[pd.api.extensions.ExtensionArray, np.ndarray]:
    """yes/no, да/нет, иә/жоқ, 1/0, true/false, +/- -> nullable boolean (blank: NA)."""
    norm = cells.str.strip().str.casefold()
    out = pd.Series(pd.NA, index=cells.index, dtype="boolean")
    is_true = norm.isin(_TRUE).to_numpy(dtype=bool)
    is_false = norm.isin(_FALSE).to_numpy(dtype=bool)
    out[is_true] = True
    out[is_false] = False
    bad = ~is_true & ~is_false & (norm != "").to_numpy(dtype=bool)
    return out.array, bad


def per_value(fn: Callable[[Any], Any], dtype: Any = object) -> Parser:
    """A parser from a per-value callable (None for blank; ValueError/TypeError refuses)."""

    def parse(cells: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        values = np.empty(len(cells), dtype=dtype)
        refused = np.zeros(len(cells), dtype=bool)
        for i, v in enumerate(cells.astype(object).where(cells.notna(), None)):
            try:
                x = fn(v)
            except (TypeError, ValueError):
                x, refused[i] = None, True
            values[i] = (np.nan if x is None else x) if dtype is float else x
        return values, refused

    return parse


# --------------------------------------------------------------------------- checking


class RowNotes:
    """Problems (the row is rejected) and warnings (the row is kept) of ``n`` rows."""

    def __init__(self, n: int) -> None:
        self.n = n
        self._problems: dict[int, list[str]] = {}
        #: row -> (column, value as typed) of each problem that names one cell
        self._cells: dict[int, list[tuple[str, str]]] = {}
        self.warnings: list[tuple[int, str]] = []

    def problem(
        self, rows: Iterable[int], message: str | Callable[[int], str], *,
        column: str | None = None, value: Callable[[int], object] | None = None,
    ) -> None:
        """Record a problem on each of ``rows``; ``column`` (the file's header) and
        ``value(i)`` (the cell as typed) say which cell it is about, for rejects files."""
        for i in rows:
            text = message(int(i)) if callable(message) else message
            self._problems.setdefault(int(i), []).append(text)
            if column is not None:
                cell = "" if value is None else value(int(i))
                self._cells.setdefault(int(i), []).append((column, _cell_str(cell)))

    def cells(self, row: int) -> list[tuple[str, str]]:
        """(column, value) of the problems of one row that name a cell, in the order found."""
        return self._cells.get(row, [])

    def warn(self, rows: Iterable[int], message: str | Callable[[int], str]) -> None:
        for i in rows:
            self.warnings.append((int(i), message(int(i)) if callable(message) else message))

    def of(self, row: int) -> list[str]:
        """The problems of one row, in the order found."""
        return self._problems.get(row, [])

    def ok(self) -> np.ndarray:
        """Rows without problems."""
        ok = np.ones(self.n, dtype=bool)
        ok[list(self._problems)] = False
        return ok

    def labelled(self, labels: Sequence[str]) -> list[str]:
        """Every problem as ``<label>: <problem>``, row by row."""
        return [f"{labels[i]}: {m}" for i in sorted(self._problems) for m in self._problems[i]]


def _cell_str(value: object) -> str:
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def show_value(value: object, blank: bool = False, blank_as: str | None = "the cell") -> str:
    """A cell as shown in messages: its repr (shortened), or ``blank_as`` when blank."""
    if blank and blank_as is not None:
        return blank_as
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


#: messages of a :class:`ColumnSpec` that start so are keys of the language catalog
_CATALOG = ("rejects.", "err.")

def check_column(
    spec: ColumnSpec,
    cells: pd.Series,
    notes: RowNotes,
    *,
    col: str,
    blank_as: str | None = "the cell",
    context: Mapping[str, object] | None = None,
    header: str | None = None,
    lang: str = "en",
) -> Any:
    """Parse ``cells`` with ``spec``, record every problem in ``notes``, return the values.

    Refused cells get ``spec.invalid``; blank cells ``spec.empty`` (when set); readable
    values breaking a rule that rule's message (a problem, or a warning). A message that
    is a catalog key (``rejects.*``, ``err.*``) is told in ``lang``, its ``{parsed}`` number written
    as the language writes numbers; the default ``blank_as`` is "the cell" in ``lang``.
    ``header`` (the file's column name, default ``spec.name``) is recorded with each problem.
    """
    values, refused = spec.parse(cells)
    blank = blank_cells(cells)
    refused = np.asarray(refused, dtype=bool) & ~blank
    raw = cells.to_numpy(dtype=object)
    extra = dict(context or {})
    if blank_as == "the cell":
        blank_as = i18n.t("rejects.cell", lang)
    cell = {"column": header or spec.name, "value": lambda i: raw[i]}

    def fmt(template: str) -> Callable[[int], str]:
        if template.startswith(_CATALOG):  # a message of the catalog, in ``lang``
            text = i18n.template(template, lang)
            return lambda i: text.format(
                col=col, value=show_value(raw[i], blank[i], blank_as),
                parsed=i18n.format_number(values[i], lang, significant=6), **extra,
            )  # fmt: skip
        return lambda i: template.format(
            col=col, value=show_value(raw[i], blank[i], blank_as), parsed=values[i], **extra
        )

    if refused.any() and isinstance(values, np.ndarray) and values.dtype.kind == "f":
        # 1e999 overflows a float: a number, out of range, not "not a number"
        compact = pd.Series(raw[refused], dtype=object).astype(str).str.replace(
            SPACES_RE, "", regex=True)
        huge = np.zeros(len(raw), dtype=bool)
        huge[np.flatnonzero(refused)] = compact.str.fullmatch(NUMBER_RE).to_numpy(dtype=bool)
        notes.problem(np.flatnonzero(huge), fmt("rejects.huge_number"), **cell)
        refused = refused & ~huge
    notes.problem(np.flatnonzero(refused), fmt(spec.invalid), **cell)
    if spec.empty is not None:
        notes.problem(np.flatnonzero(blank), fmt(spec.empty), **cell)
    readable = ~refused & ~blank & ~np.isnan(np.asarray(values, dtype="f8")) if (
        isinstance(values, np.ndarray) and values.dtype.kind == "f") else ~refused & ~blank
    for rule in spec.rules:
        rows = np.flatnonzero(np.asarray(rule.when(values), dtype=bool) & readable)
        if rule.warn:
            notes.warn(rows, fmt(rule.message))
        else:
            notes.problem(rows, fmt(rule.message), **cell)
    return values
