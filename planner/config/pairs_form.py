"""Layout of the XLSX form for pairwise judgements, shared by its writer and its reader.

:mod:`planner.render.pairs_template` writes the form, :mod:`planner.inputs.judgements`
reads it back; both take the sheet layout from here.
"""

from __future__ import annotations

from planner import i18n

__all__ = ["FIRST_ROW", "HEADER_KEYS", "META_SHEET", "headers"]

#: the metadata sheet of the template (same name in every language)
META_SHEET = "planner"
#: the columns of an expert sheet (messages ``pairs.header.<key>``; row 3 of the sheet)
HEADER_KEYS = ("number", "criterion_a", "criterion_b", "which", "how_much", "key_a", "key_b")
#: first data row of an expert sheet (1-based, as Excel shows it)
FIRST_ROW = 4


def headers(lang: str) -> tuple[str, ...]:
    """Column headers of an expert sheet in ``lang``, in column order."""
    return tuple(i18n.t(f"pairs.header.{k}", lang) for k in HEADER_KEYS)
