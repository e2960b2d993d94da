"""Scenarios, sector catalogs, weights and expert judgements speak the command's language.

Each error a user can cause in a configuration file (a scenario TOML, a sector catalog, a
pairwise table, the XLSX judgements form) is one paragraph in ru (the default), kk or en
naming the file, the key (or sheet, row and column), the value and the fix; the terminal
lines of ``planner scenarios list / show / weigh / template`` are in the same language
(:func:`_lang_check.speaks`). Machine names (criterion, scenario and sector keys) are code
in every language and are passed as ``allow``.
"""

from __future__ import annotations

from importlib import resources

import pytest
from _lang_check import speaks
from openpyxl import load_workbook

from planner.config.scenarios import CRITERIA, list_scenarios
from planner.config.sectors import SECTOR_KEYS

LANGS = ("ru", "kk", "en")
#: machine names that are the same in every language (keys the user writes in TOML)
MACHINE = (*CRITERIA, *SECTOR_KEYS, *(s.name for s in list_scenarios()), "allow_in_almaty")
#: the first sheet of an expert in the form, per language
SHEET = {"ru": "Эксперт 1", "kk": "Сарапшы 1", "en": "Expert 1"}


def _run(cli, *args, lang):
    """The command with ``--lang`` (none for ru: the default); one line of text."""
    r = cli(*args, *(("--lang", lang) if lang != "ru" else ()))
    return r, " ".join(r.output.split())


def _one_language(text: str, lang: str, *extra: str) -> None:
    assert speaks(text, lang, allow=(*MACHINE, *extra)) == [], text


BAD_SCENARIO = (
    'name = "mine"\n'
    "[criteria.interchange]\nweight = -1\ntransform = \"linear\"\nfull_at_km = 3\n"
    "zero_at_km = 25\ncolour = \"red\"\n"
)
#: the parts of the paragraph per language: the key, the value, the fix
BAD_SCENARIO_PARTS = {
    "ru": ("В сценарии", "«criteria.interchange.weight»: «-1» меньше 0; укажите число не меньше 0",
           "«criteria.interchange.colour»: неизвестный ключ (значение «red»); удалите его"),
    "kk": ("сценарийінде 2 мәселе бар", "«criteria.interchange.weight»: «-1» 0 мәнінен кіші",
           "«criteria.interchange.colour»: белгісіз кілт (мәні «red»)"),
    "en": ("Scenario",
           '`criteria.interchange.weight`: "-1" is below 0; give a number of at least 0',
           '`criteria.interchange.colour`: unknown key (value "red"); remove it'),
}


@pytest.mark.parametrize("lang", LANGS)
def test_bad_scenario_file_values(cli, tmp_path, lang):
    path = tmp_path / "mine.toml"
    path.write_text(BAD_SCENARIO, encoding="utf-8")
    r, text = _run(cli, "scenarios", "show", path, lang=lang)
    assert r.exit_code == 1
    assert str(path) in text
    for part in BAD_SCENARIO_PARTS[lang]:
        assert part in text, (part, text)
    assert "Traceback" not in text and text.count("\n") == 0
    _one_language(text, lang, str(tmp_path))


SCENARIO_CASES = [
    # a transform that cannot score its criterion, a time criterion in km, a point table gap
    ('[criteria.zone]\nweight = 1\ntransform = "linear"\nfull_at_km = 1\nzero_at_km = 9\n',
     "criteria.zone.transform"),
    ('[criteria.time_rail]\nweight = 1\ntransform = "linear"\nfull_at_km = 1\nzero_at_km = 9\n',
     "criteria.time_rail"),
    ('[criteria.rail]\nweight = 1\ntransform = "points"\nclasses = [{ from_km = 0, to_km = 3, '
     "points = 10 }, { from_km = 4, points = 0 }]\n", "criteria.rail"),
    ('method = "promethee2"\n[aggregation]\npreference = "linear"\nq = 0.1\n'
     '[criteria.rail]\nweight = 1\ntransform = "linear"\nfull_at_km = 1\nzero_at_km = 9\n',
     "aggregation"),
    ("[criteria.rail\nweight = 1\n", "TOML"),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("text", "key"), SCENARIO_CASES)
def test_scenario_problems_speak_the_language(cli, tmp_path, lang, text, key):
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    r, out = _run(cli, "scenarios", "show", path, lang=lang)
    assert r.exit_code == 1
    assert str(path) in out and key in out
    _one_language(out, lang, str(tmp_path))


@pytest.mark.parametrize("lang", LANGS)
def test_unknown_scenario_lists_the_built_in_ones(cli, lang):
    r, out = _run(cli, "scenarios", "show", "nope", lang=lang)
    assert r.exit_code == 1
    assert "nope" in out and "bakad-perimeter" in out and ".toml" in out
    _one_language(out, lang)


def _sectors(extra_food: str = "", oked: str = "") -> str:
    """The built-in sector catalog with a line added to [sectors.food] and to [oked]."""
    text = (resources.files("planner") / "config" / "data" / "sectors.toml").read_text("utf-8")
    text = text.replace("[sectors.food]\n", f"[sectors.food]\n{extra_food}", 1)
    return text.replace("[oked]\n", f"[oked]\n{oked}", 1)


@pytest.mark.parametrize("lang", LANGS)
def test_bad_sector_catalog(cli, tmp_path, lang):
    path = tmp_path / "sectors.toml"
    path.write_text(_sectors(extra_food='colour = "red"\n'), encoding="utf-8")
    r, out = _run(cli, "companies", "sectors", "--sectors", path, lang=lang)
    assert r.exit_code == 1
    assert str(path) in out and "sectors.food.colour" in out and "red" in out
    assert "planner/config/data/sectors.toml" in out  # where to see the expected keys
    _one_language(out, lang, str(tmp_path))
    path.write_text(_sectors(oked='"98" = "steel"\n'), encoding="utf-8")
    r, out = _run(cli, "companies", "sectors", "--sectors", path, lang=lang)
    assert r.exit_code == 1
    assert "98" in out and "steel" in out and "building_materials" in out  # the choices
    _one_language(out, lang, str(tmp_path), "steel")


PAIRS = """base = "bakad-perimeter"
[weights.pairwise]
criteria = ["interchange", "zone", "almaty"]
judgements = { interchange = { zone = 3, almaty = "1/2" }, zone = { almaty = 7 } }
"""
#: the inconsistency, the judgement to change and the request to the expert
INCONSISTENT = {
    "ru": ("ОС = 1,520 > 0,10", "замените на:", "Попросите эксперта"),
    "kk": ("CR = 1,520 > 0,10", "былай өзгертіңіз:", "Сарапшыдан"),
    "en": ("CR = 1.520 > 0.10", "change it to:", "Ask the expert"),
}


@pytest.mark.parametrize("lang", LANGS)
def test_inconsistent_ahp_names_the_judgements_to_revise(cli, tmp_path, lang):
    path = tmp_path / "pairs.toml"
    path.write_text(PAIRS, encoding="utf-8")
    r, out = _run(cli, "scenarios", "weigh", path, lang=lang)
    assert r.exit_code == 1
    assert str(path) in out and "«interchange»" in out
    for part in INCONSISTENT[lang]:
        assert part in out, (part, out)
    _one_language(out, lang, str(tmp_path))


@pytest.mark.parametrize("lang", LANGS)
def test_bad_judgement_values_in_toml(cli, tmp_path, lang):
    path = tmp_path / "pairs.toml"
    path.write_text(PAIRS.replace('"1/2"', "12"), encoding="utf-8")
    r, out = _run(cli, "scenarios", "weigh", path, lang=lang)
    assert r.exit_code == 1
    assert str(path) in out and "judgements.interchange.almaty" in out
    assert ('"12"' if lang == "en" else "«12»") in out
    assert "1/9" in out  # the scale to use
    _one_language(out, lang, str(tmp_path))


def _form(cli, tmp_path, lang, answers):
    form = tmp_path / f"pairs-{lang}.xlsx"
    r = cli("scenarios", "template", "-o", form, "--lang", lang, "--criteria",
            "interchange,zone,almaty", "--experts", "2")  # fmt: skip
    assert r.exit_code == 0, r.output
    _one_language(" ".join(r.output.split()), lang, str(tmp_path))
    assert str(form) in " ".join(r.output.split())
    wb = load_workbook(form)
    ws = wb[SHEET[lang]]
    for row, (side, much) in enumerate(answers, 4):
        ws.cell(row, 4, side)
        ws.cell(row, 5, much)
    wb.save(form)
    return form


#: sheet, row, column, value of the two bad cells, per language
BAD_CELLS = {
    "ru": ("лист «Эксперт 1», строка 5, столбец D: «X»", "строка 6, столбец E: «12»"),
    "kk": ("«Сарапшы 1» парағы, 5-жол, D бағаны: «X»", "6-жол, E бағаны: «12»"),
    "en": ('sheet «Expert 1», row 5, column D: "X"', 'row 6, column E: "12"'),
}


@pytest.mark.parametrize("lang", LANGS)
def test_bad_pairs_form_cells(cli, tmp_path, lang):
    form = _form(cli, tmp_path, lang, [("A", 3), ("X", 2), ("A", 12)])
    r, out = _run(cli, "scenarios", "weigh", form, lang=lang)
    assert r.exit_code == 1
    assert str(form) in out
    for part in BAD_CELLS[lang]:
        assert part in out, (part, out)
    _one_language(out, lang, str(tmp_path), SHEET[lang])


@pytest.mark.parametrize("lang", LANGS)
def test_weigh_output_speaks_the_language(cli, tmp_path, lang):
    form = _form(cli, tmp_path, lang, [("A", 3), ("A", 5), ("A", 2)])
    out = tmp_path / "panel.toml"
    r = cli("scenarios", "weigh", form, "-o", out, *(("--lang", lang) if lang != "ru" else ()))
    assert r.exit_code == 0, r.output
    lines = " ".join(r.stderr.split())
    # the weights table, each expert's CR, the pooled CR, the notes, where it was written
    second = SHEET[lang][:-1] + "2"  # left blank: skipped, with a note
    assert ("ОС 0" if lang == "ru" else "CR 0") in lines
    assert str(out) in lines and f"«{second}»" in lines and "interchange" in lines
    _one_language(lines, lang, str(tmp_path), SHEET[lang], second)
    # the comment heading the TOML speaks it too; the scenario loads and shows in it
    head = "\n".join(x for x in out.read_text("utf-8").splitlines() if x.startswith("#"))
    assert head and speaks(head, lang, allow=[str(tmp_path), *MACHINE]) == []
    r = cli("scenarios", "show", out, "--lang", lang)
    assert r.exit_code == 0, r.output
    assert speaks(_without_titles(r.output, 2), lang, allow=[str(tmp_path), *MACHINE]) == []


def _without_titles(text: str, n: int) -> str:
    """``scenarios show`` output without the title and description lines (the scenario's
    own texts; a weighed scenario's are made in every language)."""
    first, *rest = text.splitlines()
    return "\n".join([first, *rest[n:]])


@pytest.mark.parametrize("lang", LANGS)
def test_scenarios_list_and_show_speak_the_language(cli, lang):
    r = cli("scenarios", "list", "--lang", lang)
    assert r.exit_code == 0
    assert speaks(r.output, lang, allow=MACHINE) == []
    for sc in list_scenarios():
        r = cli("scenarios", "show", sc.name, "--lang", lang)
        assert r.exit_code == 0, r.output
        assert sc.hash in r.output
        assert speaks(r.output, lang, allow=MACHINE) == [], (sc.name, r.output)


def test_show_table_headers_and_cells_follow_the_language(cli):
    words = {
        "ru": ("Критерии", "критерий", "вес, %", "преобразование", "линейная шкала",
               "Требования:", "встроенный сценарий", "25,0"),
        "kk": ("Өлшемшарттар", "өлшемшарт", "салмақ, %", "түрлендіру", "сызықтық шкала",
               "Шектеулер:", "кірістірілген сценарий", "25,0"),
        "en": ("Criteria", "criterion", "weight, %", "transform", "linear ramp", "Needs:",
               "built-in scenario", "25.0"),
    }
    for lang, expected in words.items():
        r = cli("scenarios", "show", "bakad-perimeter", "--lang", lang)
        assert r.exit_code == 0
        for w in expected:
            assert w in r.output, (lang, w)
