"""The comparison report's labels and numbers, from the language catalog (:mod:`planner.i18n`).

:func:`text` is the ``report`` section of the catalog (``t["title"]``...), :func:`num` the
catalog's number format with digit groups (``83,8`` in ru and kk, ``83.8`` in en).
"""

from __future__ import annotations

from collections.abc import Mapping

from planner import i18n

__all__ = ["num", "text"]


def text(lang: str) -> Mapping[str, str]:
    """The report's labels in ``lang`` (checked: ru, kk or en)."""
    return i18n.section("report", lang)


def num(value: object, digits: int, lang: str) -> str:
    """``value`` with ``digits`` decimals as ``lang`` writes it; an en dash for no number."""
    return i18n.format_number(value, lang, digits, grouping=True)
