"""Layout of the XLSX form for pairwise judgements, shared by its writer and its reader.

:mod:`planner.render.pairs_template` writes the form, :mod:`planner.inputs.judgements`
reads it back; both take the sheet layout from here.
"""

from __future__ import annotations

__all__ = ["FIRST_ROW", "HEADERS", "META_SHEET"]

#: the metadata sheet of the template (same name in every language)
META_SHEET = "planner"
#: column headers of an expert sheet, per language (row 3 of the sheet)
HEADERS: dict[str, tuple[str, ...]] = {
    "ru": ("№", "Критерий A", "Критерий B", "Что важнее: A, B или =",
           "Во сколько раз важнее (1-9)", "код A", "код B"),
    "kk": ("№", "A өлшемшарты", "B өлшемшарты", "Қайсысы маңыздырақ: A, B немесе =",
           "Қанша есе маңызды (1-9)", "A коды", "B коды"),
    "en": ("No.", "Criterion A", "Criterion B", "More important: A, B or =",
           "How much more (1-9)", "key A", "key B"),
}  # fmt: skip
#: first data row of an expert sheet (1-based, as Excel shows it)
FIRST_ROW = 4
