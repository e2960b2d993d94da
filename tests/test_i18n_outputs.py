"""Issue 13 acceptance: what the planner writes with ``--lang kk`` / ``--lang en`` holds no
text of another language's catalog.

For each language the catalog's texts are cut into phrases (the literal text between the
``{fields}``, split at punctuation); a phrase of another language is *foreign* unless it
also occurs in the chosen language's catalog (numbers, units, proper names such as
"Gate City" or "TOPSIS" are the same in several languages and prove nothing). The outputs
are the ones a user reads: the terminal summary of ``planner score``, the sentence columns
of its XLSX (``why_<lang>``, ``flip_<lang>``, ``no_site_detail``, ``note``) and of its
rejects file (``reason``: what is wrong and the fix), the HTML of
``planner compare`` and of ``planner map``. User-supplied text (the example's company
names, written in Russian) is removed before searching: it is the user's, not ours.

The columns named for another language (``why_ru`` in a Kazakh run) are checked against
*their* language: every run writes the reasons in all three.
"""

from __future__ import annotations

import re
import shutil

import pytest
from _book import read_book, read_out_csv
from _lang_check import foreign_in, foreign_phrases, page_text, without_user_text

from planner import i18n
from planner.inputs.companies import example_path
from planner.inputs.rejects import machine_headers

AS_OF = "2030-01-01"


def test_phrases_of_the_catalogs_are_found_and_told_apart():
    assert "до развязки бакад" in foreign_phrases("kk")
    assert "to a bakad interchange" in foreign_phrases("ru")
    assert "gate city" not in foreign_phrases("kk")  # a proper name in every language
    assert foreign_in("Балл: 55; до развязки БАКАД «А-3»", "kk") == ["до развязки бакад"]
    assert foreign_in(i18n.t("why.almaty", "kk", km="2,1"), "kk") == []
    assert foreign_in("рейтингтегі орны", "kk") == []  # "рейтинг" inside a Kazakh word


@pytest.fixture(scope="module")
def runs(tmp_path_factory, cli):
    """``planner score``, ``compare`` and ``map`` with --lang kk and --lang en (once)."""
    base = tmp_path_factory.mktemp("langs")
    companies = base / "companies.csv"
    shutil.copyfile(example_path(), companies)
    out = {}
    for lang in ("kk", "en"):
        d = base / lang
        d.mkdir()
        res = cli(*[
            "score", str(companies), "--lang", lang, "--allocate", "--robustness",
            "--max-share", "0.1", "--min-score", "40", "--as-of", AS_OF, "-o",
            str(d / "results.xlsx"), "--map", str(d / "results.html"), "--quiet",
        ])  # fmt: skip
        assert res.exit_code == 3, res.output
        cmp = cli(*[
            "compare", "iz-kairat", "sez-alatau", "iz-bereke", "--at", "43.62,77.05,Plot",
            "--lang", lang, "--as-of", "2022-06-01", "--also-as-of", AS_OF,
            "--company", "ООО «СтройБлок Восток»", "--companies", str(companies),
            "--html", str(d / "compare.html"), "--draws", "200",
        ])  # fmt: skip
        assert cmp.exit_code == 0, cmp.output
        mp = cli("map", "--lang", lang, "--sites", "builtin", "--as-of", AS_OF, "-o",
                 d / "map.html")
        assert mp.exit_code == 0, mp.output
        out[lang] = {"dir": d, "score": res.output, "compare": cmp.output, "map": mp.output}
    return out


@pytest.mark.parametrize("lang", ["kk", "en"])
def test_terminal_lines_speak_one_language(runs, lang):
    for what in ("score", "compare", "map"):
        # file paths are the user's (results.rejects.csv), not words
        text = re.sub(r"\S*/\S*", " ", without_user_text(runs[lang][what]))
        assert foreign_in(text, lang) == [], what


@pytest.mark.parametrize("lang", ["kk", "en"])
def test_score_tables_speak_one_language(runs, lang):
    book = read_book(runs[lang]["dir"] / "results.xlsx")  # headers back to machine names
    res, comp, alloc = book["results"], book["companies"], book["allocation"]
    for col_lang in i18n.LANGS:  # the reasons come in all three, each in its own language
        for col in (f"why_{col_lang}", f"flip_{col_lang}"):
            text = without_user_text("\n".join(res[col].dropna().astype(str)))
            assert text.strip(), col
            assert foreign_in(text, col_lang) == [], col
    rejects = machine_headers(read_out_csv(runs[lang]["dir"] / "results.rejects.csv"))
    sentences = [comp["no_site_detail"], alloc["note"], rejects["reason"]]
    text = without_user_text("\n".join(s.dropna().astype(str).str.cat(sep="\n")
                                        for s in sentences))  # fmt: skip
    assert text.strip()
    assert foreign_in(text, lang) == []


@pytest.mark.parametrize("lang", ["kk", "en"])
@pytest.mark.parametrize("page", ["compare.html", "map.html", "results.html"])
def test_pages_speak_one_language(runs, lang, page):
    text = without_user_text(page_text(runs[lang]["dir"] / page))
    assert foreign_in(text, lang) == []


# --------------------------------------------------------------------------- the pieces


def test_every_builtin_scenario_and_sector_has_its_texts_in_three_languages():
    from planner.config.scenarios import list_scenarios
    from planner.config.sectors import load_sectors

    for sc in list_scenarios():
        titles = [sc.title(lang) for lang in i18n.LANGS]
        descriptions = [sc.description_in(lang) for lang in i18n.LANGS]
        assert len(set(titles)) == 3 and len(set(descriptions)) == 3, sc.name
        assert re.search("[әғқңөұүі]", sc.title("kk") + sc.description_in("kk")), sc.name
        assert not re.search("[а-яё]", sc.title("en") + sc.description_in("en"), re.I)
        for lang in ("kk", "en"):
            assert foreign_in(sc.title(lang) + ". " + sc.description_in(lang), lang) == []
    for key, prof in load_sectors().sectors.items():
        assert prof.title_kk and prof.rationale_kk, key
        assert prof.title("kk") == prof.title_kk and prof.title("en") == prof.title_en


def test_a_scenario_without_kazakh_texts_falls_back_to_russian(tmp_path):
    from planner.config.scenarios import load_scenario

    path = tmp_path / "mine.toml"
    path.write_text('title_ru = "Мой"\ntitle_en = "Mine"\ndescription = "Mine, in English"\n'
                    '[criteria.bakad]\nweight = 1\ntransform = "linear"\nfull_at_km = 1\n'
                    'zero_at_km = 9\n', encoding="utf-8")  # fmt: skip
    sc = load_scenario(path)
    assert (sc.title("kk"), sc.title("en"), sc.title("ru")) == ("Мой", "Mine", "Мой")
    assert sc.description_in("kk") == sc.description_in("ru") == "Mine, in English"


def test_reasons_come_in_three_languages_with_their_own_numbers(layers):
    from planner.jobs.score_sites import score_sites

    scored = score_sites("builtin", layers, as_of=AS_OF)
    assert {"why_ru", "why_kk", "why_en"} <= set(scored.columns)
    kk, en = scored["why_kk"].str.cat(sep=" | "), scored["why_en"].str.cat(sep=" | ")
    assert re.search(r"\d,\d км", kk) and not re.search(r"\d\.\d", kk)
    assert re.search(r"\d\.\d km", en) and not re.search(r"\d,\d", en)
    assert "ҮАААЖ" in kk and "БАКАД" not in kk
    for lang, text in (("kk", kk), ("en", en)):
        assert foreign_in(text, lang) == []


def test_numbers_and_dates_follow_the_language():
    import datetime as dt

    assert i18n.format_number(2.14, "ru", 1) == i18n.format_number(2.14, "kk", 1) == "2,1"
    assert i18n.format_number(2.14, "en", 1) == "2.1"
    assert [i18n.number_symbols(lang)["decimal"] for lang in i18n.LANGS] == [",", ",", "."]
    day = dt.date(2030, 1, 1)
    assert i18n.format_date(day, "ru") == "1 января 2030\u202fг."  # CLDR: narrow no-break space
    assert "қаңтар" in i18n.format_date(day, "kk") and "2030" in i18n.format_date(day, "kk")
    assert i18n.format_date("2030-01-01", "en") == "January 1, 2030"
