"""Issue 13: the errors of ranking, allocation, comparison and robustness speak the
command's language (catalog ``core_rank.toml``): Russian by default, Kazakh or English
with ``--lang``, English for the library API unless :func:`planner.i18n.use_lang` says
otherwise.

Each error is caused as a user would (a bad option, an unknown company, too few or too
many sites to compare, a bad argument of the library) and checked for its exit code, the
one paragraph naming the value and the fix, and one language only (``speaks``).
"""

from __future__ import annotations

import numpy as np
import pytest
from _lang_check import speaks

from planner import i18n
from planner.core import compare
from planner.core.allocation import allocate, group_limit
from planner.core.allocation_rules import UnknownArea, check_min_score
from planner.core.flips import flip_weight
from planner.core.ranking import NeedArrays, SiteArrays, rank_companies
from planner.core.robustness import monte_carlo
from planner.errors import CompareError, InputError, SiteCountError
from planner.inputs.companies import example_path

#: (--lang given, language expected): no --lang means Russian
LANGS = [(None, "ru"), ("kk", "kk"), ("en", "en")]


def _with_lang(args: list, lang: str | None) -> list:
    return [*args, "--lang", lang] if lang else args


def _flat(text: str) -> str:
    """The output as one line: rich's box drawing and line wraps removed."""
    for ch in "│╭╮╰╯─":
        text = text.replace(ch, " ")
    return " ".join(text.split())


# --------------------------------------------------------------------------- planner score

MIN_SCORE_WORDS = {"ru": "минимальный балл", "kk": "ең төмен балл", "en": "minimum score"}
UNKNOWN_AREA_WORDS = {"ru": "неизвестной площади", "kk": "көлемі белгісіз", "en": "unknown-area"}


@pytest.mark.parametrize(("given", "lang"), LANGS)
def test_score_min_score_out_of_range(cli, tmp_path, given, lang):
    out = tmp_path / "out.xlsx"
    r = cli(*_with_lang(["score", example_path(), "--allocate", "--min-score", "150", "-o",
                         out], given))  # fmt: skip
    assert r.exit_code == 1, r.output
    msg = _flat(r.stderr)
    assert msg.count("\n") == 0 and "Traceback" not in r.output
    assert "--min-score" in msg and "150" in msg  # the option and the value
    assert "100" in msg and "25" in msg  # the allowed range and an example: the fix
    assert MIN_SCORE_WORDS[lang] in msg
    assert speaks(msg, lang) == []
    assert not out.exists()


@pytest.mark.parametrize(("given", "lang"), LANGS)
def test_score_unknown_area_policy(cli, tmp_path, given, lang):
    r = cli(*_with_lang(["score", example_path(), "--allocate", "--unknown-area", "lots",
                         "-o", tmp_path / "out.xlsx"], given))  # fmt: skip
    assert r.exit_code == 1, r.output
    msg = _flat(r.stderr)
    assert "--unknown-area" in msg and "lots" in msg
    assert "one" in msg and "unlimited" in msg and "20" in msg  # the three choices
    assert UNKNOWN_AREA_WORDS[lang] in msg
    assert speaks(msg, lang) == []


# --------------------------------------------------------------------------- planner compare

COUNT_WORDS = {
    "ru": ("от 2 до 12 площадок", "добавьте", "уберите лишние (1)"),
    "kk": ("2–12 алаң керек", "қосыңыз", "артығын (1) алып тастаңыз"),
    "en": ("needs 2 to 12 sites", "add another site id", "leave out 1 of them"),
}


@pytest.mark.parametrize(("given", "lang"), LANGS)
def test_compare_too_few_and_too_many_sites(cli, given, lang):
    need, add, drop = COUNT_WORDS[lang]
    r = cli(*_with_lang(["compare", "iz-kairat"], given))
    assert r.exit_code == 2, r.output
    msg = _flat(r.output)
    assert need in msg and add in msg and "--at LAT,LON" in msg
    # the paragraph itself (click's own "Usage:" frame around it is the CLI's)
    text = i18n.t("err.compare.sites_count_one", lang, lo=2, hi=12, n=1,
                  fix=i18n.t("err.compare.sites_add", lang))  # fmt: skip
    assert text in msg and speaks(text, lang) == []
    many = ["iz-kairat", *[f"--at=43.3{i},76.9" for i in range(12)]]
    r = cli(*_with_lang(["compare", *many], given))
    assert r.exit_code == 2, r.output
    msg = _flat(r.output)
    assert need in msg and "13" in msg and drop in msg and "planner score-sites" in msg


@pytest.mark.parametrize(("given", "lang"), LANGS)
def test_compare_unknown_company(cli, given, lang):
    r = cli(*_with_lang(["compare", "iz-kairat", "sez-alatau", "--company", "Nobody LLP",
                         "--companies", example_path()], given))  # fmt: skip
    assert r.exit_code == 1, r.output
    msg = _flat(r.stderr)
    assert "companies.csv" in msg and "Nobody LLP" in msg and "50" in msg  # file, value
    assert "company_id" in msg and "name" in msg  # the fix: the name column or the id
    assert "Traceback" not in r.output
    assert speaks(msg, lang) == []


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_compare_company_close_match_and_ambiguous(lang):
    from planner.inputs.companies import read_companies

    companies = read_companies(example_path())
    with i18n.use_lang(lang), pytest.raises(CompareError) as err:
        compare.find_company(companies, "ООО СтройБлок Восток")
    msg = str(err.value)
    assert "ООО «СтройБлок Восток»" in msg  # the close match, as written in the file
    assert speaks(msg, lang, allow=["ООО СтройБлок Восток"]) == []  # what the user typed
    twice = companies.valid.iloc[[0, 0]].copy()
    twice["company_id"] = ["A-1", "A-2"]
    with i18n.use_lang(lang), pytest.raises(CompareError) as err:
        compare.find_company(twice, str(twice["name"].iloc[0]))
    msg = str(err.value)
    assert "A-1" in msg and "A-2" in msg and "--company" in msg and "company_id" in msg
    assert speaks(msg, lang) == []


AT_CASES = [
    ("76.95,43.40", "--at 43.4,76.95"),  # swapped: the fix is the command to type
    ("50.1,76.9", "WGS84"),  # outside the region
    ("43,40,76,95", "--at 43.40,76.95"),  # comma decimals
    ("somewhere", "LAT,LON[,LABEL]"),  # not coordinates at all
]


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
@pytest.mark.parametrize(("text", "fix"), AT_CASES)
def test_compare_at_errors(lang, text, fix):
    with i18n.use_lang(lang), pytest.raises(CompareError) as err:
        compare.parse_at(text)
    msg = str(err.value)
    assert text in msg and fix in msg
    assert speaks(msg, lang) == []
    if lang != "en" and text == "50.1,76.9":
        assert "50,1" in msg  # our numbers in the language's format; the value as typed


def test_site_count_library_default_is_english():
    with pytest.raises(SiteCountError, match="only 1 site was given"):
        compare.check_site_count(1)
    with i18n.use_lang("kk"), pytest.raises(SiteCountError, match="бір ғана алаң"):
        compare.check_site_count(1)


# --------------------------------------------------------------------------- library errors


def _one_site_problem():
    U = np.array([[0.5, 0.5], [0.2, 0.9]])
    return U, np.array([0.5, 0.5])


LIBRARY_ERRORS = [
    # (call, what the message must name)
    (lambda: group_limit(10, 2.0), ("max_share", "2.0", "0.3")),
    (lambda: check_min_score(-5), ("--min-score", "-5", "25")),
    (lambda: UnknownArea.parse("lots"), ("--unknown-area", "lots", "unlimited")),
    (lambda: monte_carlo(*_one_site_problem(), draws=0), ("draws", "0", "2000")),
    (lambda: monte_carlo(*_one_site_problem(), spread=1.5), ("spread", "1.5", "0.25")),
    (lambda: flip_weight(*_one_site_problem(), ["a", "b"], excluded=np.array([False, True])),
     ("flip_weight", "1")),
    (lambda: rank_companies(np.ones((2, 2)), np.ones((1, 2)), _sites(2), NeedArrays.none(1),
                            k=0), ("k=10", "0")),
    (lambda: allocate([[1.0, 2.0]], [1.0], [5.0, -3.0], None, None), ("capacity_ha", "-3.0")),
]


def _sites(n: int) -> SiteArrays:
    return SiteArrays(capacity_ha=np.full(n, 10.0), dist_rail_km=np.zeros(n),
                      dist_housing_km=np.full(n, 5.0), dist_almaty_km=np.full(n, 30.0),
                      in_almaty=np.zeros(n, bool), excluded=np.zeros(n, bool))  # fmt: skip


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
@pytest.mark.parametrize(("call", "names"), LIBRARY_ERRORS)
def test_library_errors_speak_the_message_language(lang, call, names):
    with i18n.use_lang(lang), pytest.raises(InputError) as err:
        call()
    msg = str(err.value)
    for part in names:
        assert part in msg, (part, msg)
    assert speaks(msg, lang) == []
    with pytest.raises(InputError) as plain:  # outside use_lang: English, as before
        call()
    assert speaks(str(plain.value), "en") == []


def test_allocation_explains_in_the_message_language():
    # company 1 needs 8 ha where company 0 took 3 of 10; company 2 has no candidate
    a = allocate([[90.0, np.nan], [80.0, np.nan], [np.nan, np.nan]], [3.0, 8.0, 1.0],
                 [10.0, 1.0], None, None)  # fmt: skip
    assert a.explain(0).startswith("company 0: site 0, score 90.0")
    assert "has 7.0 ha left, it needs 8.0 ha" in a.explain(1)
    for lang, words in (("ru", ("осталось 7,0 га", "нужно 8,0 га")),
                        ("kk", ("7,0 га қалды", "оған 8,0 га керек"))):  # fmt: skip
        with i18n.use_lang(lang):
            lines = [a.explain(i) for i in range(3)]
        assert "90,0" in lines[0]
        assert all(w in lines[1] for w in words), lines[1]
        assert speaks("\n".join(lines), lang) == []
