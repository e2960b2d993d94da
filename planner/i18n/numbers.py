"""Numbers written for people, per language: the one place that formats them (Babel).

Babel (CLDR) supplies the decimal mark of each language (a comma in ru and kk, a point in
en) and applies the number pattern. Two house rules on top, kept here so every table,
popup, reason and report agrees:

* rounding is that of Python's ``format`` (round half to even on the exact binary value):
  the value goes to Babel as the exact :class:`~decimal.Decimal` of the float, so
  ``0.35`` (really 0.34999...) shows as ``0.3``, as everywhere else in the planner;
* digit groups are separated by a narrow no-break space (U+202F, ISO 80000-1) in all
  three languages, instead of CLDR's no-break space (ru, kk) or comma (en): one
  unambiguous form that never breaks a line and that a reader of the Russian and the
  English report reads the same way.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from decimal import Decimal

from planner.i18n.catalog import check_lang

__all__ = ["GROUP_SEPARATOR", "format_number", "format_date", "number_symbols"]

#: digit-group separator of every language (narrow no-break space)
GROUP_SEPARATOR = "\u202f"
#: shown for a missing or non-finite number
MISSING = "\u2013"


@functools.cache
def _locale(lang: str):
    from babel import Locale  # Babel costs ~25 ms to import: only when a number is written

    return Locale.parse(lang)


@functools.cache
def _pattern(digits: int | None, significant: int | None, grouping: bool):
    from babel.numbers import parse_pattern

    if significant is not None:  # CLDR significant digits: "@#####" = 1 to 6 of them
        return parse_pattern("@" + "#" * (significant - 1))
    frac = "." + "0" * (1 if digits is None else digits) if digits != 0 else ""
    return parse_pattern(("#,##0" if grouping else "0") + frac)


@functools.lru_cache(maxsize=65536)
def _format(
    value: float, lang: str, digits: int | None, significant: int | None, grouping: bool, _neg: bool
) -> str:
    """Cached (reasons repeat the same rounded distances); ``_neg`` keeps -0.0 apart from 0.0."""
    from babel.numbers import get_group_symbol

    if significant is not None and value == 0:
        significant, digits = None, 0  # CLDR would write "0.0"; Python's "g" writes "0"
    pattern = _pattern(digits, significant, grouping)
    if digits is None and significant is None:  # every significant digit, >= one decimal
        text = pattern.apply(Decimal(repr(value)), _locale(lang), decimal_quantization=False)
    else:
        text = pattern.apply(Decimal(value), _locale(lang))
    if grouping:
        text = text.replace(get_group_symbol(_locale(lang)), GROUP_SEPARATOR)
    return text


def format_number(
    value: object,
    lang: str,
    digits: int | None = 0,
    *,
    significant: int | None = None,
    grouping: bool = False,
    missing: str = MISSING,
) -> str:
    """``value`` as text in ``lang``: ``format_number(2.14, "ru", 1)`` -> ``"2,1"``.

    Every number written for people goes through here (tables, popups, reasons, reports,
    terminal lines), so the three languages are formatted alike everywhere.

    Parameters
    ----------
    value
        A number (int, float, numpy scalar); anything else, NaN or infinity gives
        ``missing``.
    lang
        ``ru``, ``kk`` or ``en``.
    digits
        Decimals shown (rounded half to even, as Python's ``format``); None shows every
        significant digit of the float (at least one decimal).
    significant
        Instead of ``digits``: at most this many significant digits, no trailing zeros
        (Python's ``format(x, "g")`` for 1e-4 <= |x| < 1e6, never an exponent: ``2.5``,
        ``3``, ``0.333333``).
    grouping
        Separate thousands with :data:`GROUP_SEPARATOR` (``"96\u202f500"``); not with
        ``significant``.
    missing
        Text for a missing value (default an en dash).
    """
    check_lang(lang)
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return missing
    if not math.isfinite(v):
        return missing
    if significant is not None and (grouping or significant < 1):
        raise ValueError("format_number: `significant` >= 1, without `grouping`")
    return _format(v, lang, digits, significant, grouping, math.copysign(1.0, v) < 0)


@functools.cache
def number_symbols(lang: str) -> dict[str, str]:
    """The symbols a page needs to write numbers as :func:`format_number` does (Babel/CLDR):
    ``decimal`` mark, digit ``group`` separator, ``minus`` sign. Maps send these to their
    script so that a number drawn in the browser reads like one written in Python."""
    from babel.numbers import get_decimal_symbol, get_minus_sign_symbol

    check_lang(lang)
    loc = _locale(lang)
    return {"decimal": get_decimal_symbol(loc), "group": GROUP_SEPARATOR,
            "minus": get_minus_sign_symbol(loc)}  # fmt: skip


def format_date(value: dt.date | str, lang: str) -> str:
    """A date as people of ``lang`` write it (Babel, CLDR ``long`` format): "6 декабря
    2026 г.", "2026 ж. 6 желтоқсан", "December 6, 2026". A text is read as ISO
    ``YYYY-MM-DD``; machine outputs (manifests, tables) keep ISO dates."""
    from babel.dates import format_date as _babel_date

    check_lang(lang)
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return _babel_date(day, format="long", locale=_locale(lang))
