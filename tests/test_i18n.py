"""The language catalog (planner.i18n): complete in ru, kk and en, loud, Babel numbers."""

from __future__ import annotations

import re
import string
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner import i18n
from planner.errors import CatalogError, InputError
from planner.i18n import catalog

NNBSP = "\u202f"
ROOT = Path(__file__).resolve().parents[1]


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}


# --------------------------------------------------------------------------- completeness


def test_every_key_exists_in_ru_kk_and_en_with_the_same_fields():
    ru = i18n.messages("ru")
    assert len(ru) > 200  # map, criteria, statuses, kinds, reasons, verdicts, flips, report
    for lang in ("kk", "en"):
        other = i18n.messages(lang)
        assert sorted(set(ru) - set(other)) == [], f"missing in {lang}"
        assert sorted(set(other) - set(ru)) == [], f"only in {lang}"
        assert list(other) == list(ru), f"{lang}: keys in another order than ru.toml"
        for key, text in ru.items():
            assert _fields(other[key]) == _fields(text), (lang, key)
    for lang in i18n.LANGS:
        empty = [k for k, v in i18n.messages(lang).items() if not v.strip()]
        assert empty == [], (lang, empty)


def test_catalog_files_are_package_data_read_once():
    files = resources.files("planner.i18n").joinpath("messages")
    assert sorted(p.name for p in files.iterdir() if p.name.endswith(".toml")) == [
        "en.toml", "kk.toml", "ru.toml",
    ]  # fmt: skip
    i18n.t("map.title", "kk")
    before = catalog._load.cache_info()
    for lang in i18n.LANGS:
        for _ in range(50):
            i18n.t("map.layer_top", lang, k=3)
            i18n.section("compare", lang)["best"]
    after = catalog._load.cache_info()
    assert after.misses == before.misses and after.currsize == len(i18n.LANGS)


def test_kazakh_text_is_kazakh_and_languages_differ():
    kazakh = set("әғқңөұүі")
    kk_text = " ".join(i18n.messages("kk").values()).lower()
    ru_text = " ".join(i18n.messages("ru").values()).lower()
    assert kazakh <= set(kk_text) and not kazakh & set(ru_text)
    en = i18n.messages("en")
    cyrillic = [k for k, v in en.items() if re.search("[\u0400-\u04ff]", v)]
    assert cyrillic == [], cyrillic
    same = [k for k, v in i18n.messages("kk").items() if v == i18n.messages("ru")[k]]
    # hashes, "{zone}: {st1} → {st2}", "Компания", "хеш", "{ha} га" ...: a few percent at most
    assert len(same) < 0.08 * len(en), same


# --------------------------------------------------------------------------- loud lookups


def test_t_fills_fields_and_fails_loudly():
    assert i18n.t("map.layer_top", "en", k=5) == "Top 5 sites"
    assert i18n.t("criterion.konaev", "kk") == "Қонаевқа дейін"
    with pytest.raises(CatalogError, match=r"'map\.nope' is not in the kk catalog.*kk\.toml"):
        i18n.t("map.nope", "kk")
    with pytest.raises(KeyError):  # a CatalogError is a KeyError too
        i18n.t("nope", "ru")
    with pytest.raises(CatalogError, match=r"'map\.layer_top' \(ru\) needs the field 'k'"):
        i18n.t("map.layer_top", "ru")
    with pytest.raises(InputError, match=r"language 'de' is not supported; use one of ru, kk"):
        i18n.t("map.title", "de")


def test_section_is_a_read_only_loud_mapping():
    s = i18n.section("compare", "ru")
    assert s["unranked"] == "вне рейтинга"
    assert "best" in s and "need_land" in s
    assert "need_short.land" not in i18n.section("report", "ru")  # direct children only
    assert i18n.section("report.need_short", "en")["rail"] == "rail"
    with pytest.raises(CatalogError, match=r"'compare\.nope' is not in the ru catalog"):
        s["nope"]
    assert s.get("nope", "x") == "x"
    with pytest.raises(TypeError):
        s["best"] = "x"  # type: ignore[index]
    with pytest.raises(CatalogError, match="section 'nope'"):
        i18n.section("nope", "ru")
    assert i18n.keys("status") == ("operating", "under_construction", "planned", "none")


def test_value_labels_show_unknown_values_as_they_are():
    assert i18n.criterion_label("my_criterion", "kk") == "my_criterion"
    assert i18n.kind_label("quarry", "en") == "quarry"
    assert i18n.exclusion_label("national_park;water;flood", "en") == (
        "national park, water, flood"
    )
    assert i18n.status_label("planned", "kk") == "жоспарланған"


def test_quote_follows_the_language():
    assert i18n.quote("Kairat", "en") == "Kairat"
    assert i18n.quote("Кайрат", "ru") == "«Кайрат»"
    assert i18n.quote("Қайрат", "kk") == "«Қайрат»"
    assert i18n.quote("ТОО «Альфа»", "ru") == "ТОО «Альфа»"


def test_fill_array_equals_t_row_by_row():
    km = np.array(["2,1", "15", "\u2014"], dtype=object)
    names = np.array(["A-3", "Б", "«C»"], dtype=object)
    for lang in i18n.LANGS:
        got = i18n.fill_array("why.interchange", lang, km=km, name=names)
        want = [
            i18n.t("why.interchange", lang, km=k, name=n) for k, n in zip(km, names, strict=True)
        ]
        assert got.tolist() == want
    assert i18n.fill_array("why.bakad", "en", km=np.array([], dtype=object)).tolist() == []
    with pytest.raises(CatalogError, match="needs the field 'name'"):
        i18n.fill_array("why.interchange", "en", km=km)


# --------------------------------------------------------------------------- numbers


def test_format_number_per_language():
    f = i18n.format_number
    assert f(2.14, "ru", 1) == "2,1" and f(2.14, "kk", 1) == "2,1" and f(2.14, "en", 1) == "2.1"
    assert f(96500, "ru", grouping=True) == f"96{NNBSP}500"
    assert f(1234567.891, "en", 2, grouping=True) == f"1{NNBSP}234{NNBSP}567.89"
    assert f(1234567.891, "kk", 2, grouping=True) == f"1{NNBSP}234{NNBSP}567,89"
    assert f(1234.5, "ru", 1) == "1234,5"  # no groups unless asked
    assert f(0.35, "ru", 1) == "0,3"  # the float is 0.34999...: as Python's format
    assert f(2.25, "en", 1) == "2.2" and f(2.5, "en", 0) == "2"  # ties to even
    assert f(0.1 + 0.2, "ru", None) == "0,30000000000000004"
    assert f(0.17, "en", None) == "0.17" and f(1.0, "ru", None) == "1,0"
    assert f(float("nan"), "ru", 1) == "\u2013" and f(None, "en") == "\u2013"
    assert f(float("inf"), "kk", 1, missing="") == "" and f("x", "ru") == "\u2013"
    assert f(np.float32(2.5), "ru", 1) == "2,5" and f(np.int64(3000), "en", grouping=True) == (
        f"3{NNBSP}000"
    )
    # -0.0 and 0.0 are equal keys of a cache: each keeps its sign (as Python's format)
    assert f(0.0, "en", 1) == "0.0" and f(-0.0, "en", 1) == "-0.0" and f(0.0, "en", 1) == "0.0"
    with pytest.raises(InputError, match="language"):
        f(1.0, "de")


@given(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
    st.integers(0, 4),
    st.booleans(),
)
def test_format_number_rounds_exactly_like_python_format(x, digits, grouping):
    want = f"{x:,.{digits}f}".replace(",", NNBSP) if grouping else f"{x:.{digits}f}"
    assert i18n.format_number(x, "en", digits, grouping=grouping) == want
    assert i18n.format_number(x, "ru", digits, grouping=grouping) == want.replace(".", ",")


@given(
    st.one_of(
        st.floats(min_value=-999_999, max_value=999_999).filter(lambda v: v == 0 or abs(v) >= 1e-4),
        st.integers(-999_999, 999_999).map(lambda k: k / 8),  # class breaks: 2.5, 8.125
    )
)
def test_format_number_significant_digits_like_format_g(x):
    want = format(x, "g")  # for 1e-4 <= |x| < 1e6 "g" writes no exponent
    assert i18n.format_number(x, "en", significant=6) == want
    assert i18n.format_number(x, "kk", significant=6) == want.replace(".", ",")


def test_no_module_formats_decimal_commas_by_hand():
    hand = re.compile(r"""replace\(\s*["']\.["']\s*,\s*["'],["']\s*\)|\\u202f["']\)""")
    hits = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in sorted((ROOT / "planner").rglob("*.py"))
        if p.parent.name != "i18n"
        for n, line in enumerate(p.read_text("utf-8").splitlines(), 1)
        if hand.search(line)
    ]
    assert hits == [], hits


def test_no_module_holds_its_own_translation_table():
    table = re.compile(r"""["'](ru|kk|en)["']\s*:\s*(\{|\(|["'][^"']*[\u0400-\u04ff])""")
    hits = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in sorted((ROOT / "planner").rglob("*.py"))
        for n, line in enumerate(p.read_text("utf-8").splitlines(), 1)
        if table.search(line)
    ]
    assert hits == [], hits


# --------------------------------------------------------------------------- Kazakh terms

#: forms GLOSSARY_kk.md (the project's terminology review) says to avoid in Kazakh text,
#: each with the verified form to use instead
AVOID = {
    r"бакад": "ҮАААЖ (Үлкен Алматы айналма автомобиль жолы)",
    r"\bүааж\b": "ҮАААЖ",
    r"автокөлік жолы": "автомобиль жолы",
    r"критерий": "өлшемшарт",
    r"индустриалд": "индустриялық аймақ",
    r"\bконаев|кунаев": "Қонаев",
    r"\bкапшагай": "Қапшағай",
    r"\bиле\b": "Іле",
    r"\bалматы облыс\b": "Алматы облысы",
    r"тас жол": "тасжол",
    r"жол айры": "көлік айрығы",
    r"ұпай": "балл",
    r"әкімшілі": "әкімдік",
}
#: verified Kazakh terms the catalog uses (key -> form)
VERIFIED = {
    "map.legend_bakad": "ҮАААЖ",
    "map.legend_interchange": "көлік айрығы",
    "map.legend_highway": "Тасжол",
    "map.criterion": "Өлшемшарт",
    "map.legend_sez": "АЭА",
    "map.legend_excluded": "Алынып тасталды",
    "map.note_indicative": "әкімдіктің",
    "map.title": "Алматы облысы",
    "kind.industrial_zone": "индустриялық аймақ",
    "kind.settlement": "елді мекен",
    "kind.airport": "әуежай",
    "status.operating": "жұмыс істейді",
    "status.under_construction": "салынуда",
    "status.planned": "жоспарланған",
    "criterion.zone_proximity": "Жұмыс істеп тұрған",
    "criterion.konaev": "Қонаев",
    "report.chart": "Өлшемшарттар",
    "why.interchange": "ҮАААЖ-нің",
}


def test_kazakh_catalog_uses_the_glossary_terms():
    kk = i18n.messages("kk")
    bad = [
        (key, pattern, fix)
        for key, text in kk.items()
        for pattern, fix in AVOID.items()
        if re.search(pattern, text.casefold())
    ]
    assert bad == [], bad
    for key, form in VERIFIED.items():
        assert form in kk[key], (key, form, kk[key])


def test_unverified_kazakh_terms_are_listed_and_still_used():
    notes = i18n.unverified()
    assert len(notes) >= 8
    terms = [n["term"] for n in notes]
    assert len(set(terms)) == len(terms)
    for entry in ("rank / place in ranking", "weight (of a criterion)", "scenario"):
        assert entry in terms  # the glossary's own "Not verified" list
    kk = i18n.messages("kk")
    root = Path(__file__).resolve().parent.parent
    for note in notes:
        assert set(note) <= {"term", "kk", "keys", "files", "note"}, note
        assert note.get("keys") or note.get("files"), note
        for key in note.get("keys", ()):
            assert key in kk, (note["term"], key)
            assert note["kk"].casefold() in kk[key].casefold(), (note["term"], key, kk[key])
        for name in note.get("files", ()):  # package data: built-in scenarios, sectors
            text = (root / name).read_text("utf-8").casefold()
            assert note["kk"].casefold() in text, (note["term"], name)
    assert "unverified" not in " ".join(kk)  # notes are not messages
