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

import functools
import math
from decimal import Decimal

from planner.i18n.catalog import check_lang

__all__ = ["GROUP_SEPARATOR", "format_general", "format_number"]

#: digit-group separator of every language (narrow no-break space)
GROUP_SEPARATOR = "\u202f"
#: shown for a missing or non-finite number
MISSING = "\u2013"


@functools.cache
def _locale(lang: str):
    from babel import Locale  # Babel costs ~25 ms to import: only when a number is written

    return Locale.parse(lang)


@functools.cache
def _pattern(digits: int | None, grouping: bool):
    from babel.numbers import parse_pattern

    frac = "." + "0" * (1 if digits is None else digits) if digits != 0 else ""
    return parse_pattern(("#,##0" if grouping else "0") + frac)


@functools.lru_cache(maxsize=65536)
def _format(value: float, lang: str, digits: int | None, grouping: bool, _neg: bool) -> str:
    """Cached (reasons repeat the same rounded distances); ``_neg`` keeps -0.0 apart from 0.0."""
    from babel.numbers import get_group_symbol

    if digits is None:  # every significant digit of the float, at least one decimal
        text = _pattern(None, grouping).apply(
            Decimal(repr(value)), _locale(lang), decimal_quantization=False
        )
    else:
        text = _pattern(digits, grouping).apply(Decimal(value), _locale(lang))
    if grouping:
        text = text.replace(get_group_symbol(_locale(lang)), GROUP_SEPARATOR)
    return text


def format_number(
    value: object, lang: str, digits: int | None = 0, *, grouping: bool = False, missing=MISSING
) -> str:
    """``value`` as text in ``lang``: ``format_number(2.14, "ru", 1)`` -> ``"2,1"``.

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
    grouping
        Separate thousands with :data:`GROUP_SEPARATOR` (``"96\u202f500"``).
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
    return _format(v, lang, digits, grouping, math.copysign(1.0, v) < 0)


def format_general(value: object, lang: str, spec: str = "g") -> str:
    """``value`` shown as Python's general format ``spec`` shows it (``"g"``, ``".3g"``:
    significant digits, trailing zeros dropped), in ``lang``: ``format_general(2.5, "ru")``
    -> ``"2,5"``; ``format_general(0.45678, "kk", ".3g")`` -> ``"0,457"``."""
    try:
        text = format(float(value), spec)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return format_number(value, lang)
    if "e" in text or "n" in text:  # exponent, nan, inf: every significant digit / missing
        return format_number(value, lang, None)
    return format_number(value, lang, len(text.partition(".")[2]))
