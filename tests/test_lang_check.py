"""The one-language detector of the issue-13 tests (tests/_lang_check.py) finds what it
should and leaves code, names and numbers alone."""

from __future__ import annotations

import pytest
from _lang_check import speaks, stray_words, strip_code

from planner import i18n


@pytest.mark.parametrize(
    ("text", "lang", "found"),
    [
        # English sentences in Russian / Kazakh output
        ("ошибка: sites.csv, row 4: lon is not a number", "ru", "English: 'is not a number'"),
        ("қате: column lon must be between 40 and 90", "kk", "English: 'column must be between"),
        # Cyrillic in English output, Kazakh letters in Russian, Russian in Kazakh
        ("error: the value Алматы is wrong", "en", "Cyrillic: 'Алматы'"),
        ("площадка у ҮАААЖ", "ru", "Kazakh: 'ҮАААЖ'"),
        ("Файл бос: строка 3 и столбец для широты", "kk", "Russian"),
    ],
)
def test_stray_words_are_found(text, lang, found):
    hits = stray_words(text, lang)
    assert any(h.startswith(found) for h in hits), hits


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        # code and data are not words: paths, options, machine names, files, codes
        ("ошибка: /tmp/test_sites0/sites.csv: use --csv-sep ';' or --encoding cp1251", "ru"),
        ("қате: time_interchange_min бағаны жоқ; planner sites check --lang kk", "kk"),
        ("Gate City / Alatau: 12,5 km, WLC, TOPSIS, PROMETHEE II, EPSG:32643", "ru"),
        ("қараңыз: `score --help`, https://example.org/a b", "kk"),
        ("score 55.2 for site A-3 (row 4)", "en"),
        ("Сценарий bakad-perimeter: хеш 1a2b3c4d", "ru"),
        ("Қонаевқа дейін 2,1 км", "kk"),
    ],
)
def test_code_names_and_numbers_are_not_stray_words(text, lang):
    assert stray_words(text, lang) == [], strip_code(text)


def test_every_catalog_text_speaks_its_own_language():
    """The detector passes the catalog itself (fields blanked): no false alarms there, and
    the rules stay tight enough that the catalog is the measure of a good output."""
    import re

    for lang in i18n.LANGS:
        bad = {
            key: hits
            for key, text in i18n.messages(lang).items()
            if (hits := speaks(re.sub(r"\{[^}]*\}", " ", text), lang))
        }
        assert bad == {}, (lang, bad)
