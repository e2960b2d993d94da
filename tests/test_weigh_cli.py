"""`planner scenarios template` and `planner scenarios weigh`: the expert panel workflow."""

from __future__ import annotations

import tomllib

import pytest
from openpyxl import load_workbook

from planner.config.scenarios import load_scenario

# pairs of interchange, zone, almaty, gate_city in template order:
# (i,z) (i,a) (i,g) (z,a) (z,g) (a,g)
EXPERT_1 = [("A", 2), ("A", 3), ("A", 5), ("A", 2), ("A", 3), ("A", 2)]
EXPERT_2 = [("A", 3), ("A", 3), ("A", 4), ("=", None), ("A", 2), ("=", None)]
CRIT = "interchange,zone,almaty,gate_city"


def _fill(path, answers: dict[int, list], lang_sheet="Эксперт {k}", names=None):
    wb = load_workbook(path)
    for k, rows in answers.items():
        ws = wb[lang_sheet.format(k=k)]
        if names:
            ws["B1"] = names[k]
        for r, (side, much) in enumerate(rows, 4):
            ws.cell(r, 4, side)
            ws.cell(r, 5, much)
    wb.save(path)


def test_template_then_weigh_makes_a_scenario(cli, tmp_path):
    form = tmp_path / "pairs.xlsx"
    r = cli("scenarios", "template", "-o", form, "--lang", "ru", "--criteria", CRIT,
            "--experts", "3")  # fmt: skip
    assert r.exit_code == 0, r.output
    wb = load_workbook(form)
    assert wb.sheetnames == ["Инструкция", "Эксперт 1", "Эксперт 2", "Эксперт 3", "planner"]
    assert wb["Эксперт 1"]["B4"].value == "До развязки БАКАД"
    assert wb["Эксперт 1"]["F4"].value == "interchange"
    formula = '=HYPERLINK("http://evil","x")'
    hostile = "+cmd|' /C calc'!A0"
    _fill(form, {1: EXPERT_1, 2: EXPERT_2}, names={1: formula, 2: hostile})
    out = tmp_path / "panel.toml"
    r = cli("scenarios", "weigh", form, "-o", out)
    assert r.exit_code == 0, r.output
    assert "лист «Эксперт 3»: ответов нет, пропущен" in r.output
    sc = load_scenario(out)
    assert list(sc.criteria) == ["interchange", "zone", "almaty", "gate_city"]
    assert sc.pairwise is not None and len(sc.pairwise.experts) == 2
    # a formula is never evaluated (the sheet name stands in); text is kept, TOML-escaped
    assert [e.name for e in sc.pairwise.experts] == ["Эксперт 1", hostile]
    data = tomllib.loads(out.read_text(encoding="utf-8"))
    assert data["weights"]["pairwise"]["experts"][1]["matrix"][0] == [1, 3, 3, 4]
    assert data["weights"]["pairwise"]["pooling"] == "geometric_mean"
    # transforms and needs come from the base; weights derive from the matrices
    assert sc.criteria["interchange"].full_at_km == 3
    assert sc.weights["interchange"] == pytest.approx(0.504, abs=1e-3)
    # refused without --overwrite, before any work
    r = cli("scenarios", "weigh", form, "-o", out)
    assert r.exit_code == 1 and "уже существует" in r.output


def test_inconsistent_expert_is_refused_with_the_fix(cli, tmp_path):
    form = tmp_path / "pairs.xlsx"
    assert cli("scenarios", "template", "-o", form, "--lang", "en", "--criteria",
               "interchange,zone,almaty").exit_code == 0  # fmt: skip
    # interchange 3x zone, zone 7x almaty, but almaty 2x interchange: circular
    _fill(form, {1: [("A", 3), ("B", 2), ("A", 7)]}, lang_sheet="Expert {k}")
    r = cli("scenarios", "weigh", form, "--lang", "en")
    assert r.exit_code == 1
    text = " ".join(r.output.split())
    assert "CR = 1.520 > 0.10" in text
    assert "Most inconsistent judgements" in text and "change it to:" in text


def test_bad_cells_name_sheet_row_and_column(cli, tmp_path):
    form = tmp_path / "pairs.xlsx"
    assert cli("scenarios", "template", "-o", form, "--lang", "kk", "--criteria",
               "interchange,zone,almaty").exit_code == 0  # fmt: skip
    _fill(form, {1: [("A", 3), ("X", 2), ("A", 12)]}, lang_sheet="Сарапшы {k}")
    r = cli("scenarios", "weigh", form, "--lang", "en")
    assert r.exit_code == 1
    text = " ".join(r.output.split())
    assert 'sheet «Сарапшы 1», row 5, column D: "X" is not A, B or =' in text
    assert 'sheet «Сарапшы 1», row 6, column E: "12" is not a number from 1 to 9' in text


def test_template_neutralises_hostile_titles(cli, tmp_path):
    base = tmp_path / "base.toml"
    base.write_text(
        'title_ru = "=cmd|\' /C calc\'!A0"\ntitle_en = "@SUM(1)"\n'
        '[criteria.interchange]\nweight = 1\ntransform = "linear"\nfull_at_km = 3\n'
        'zero_at_km = 25\n[criteria.zone]\nweight = 1\ntransform = "categorical"\n'
        "values = { operating = 1, under_construction = 0.7, planned = 0.4, none = 0 }\n",
        encoding="utf-8",
    )
    form = tmp_path / "pairs.xlsx"
    r = cli("scenarios", "template", "-o", form, "--base", base, "--lang", "ru")
    assert r.exit_code == 0, r.output
    cell = load_workbook(form)["Инструкция"]["B4"].value
    assert cell.startswith("base: =cmd") or not cell.startswith("=")
    # the base is recorded so that weigh finds it again
    meta = {row[0]: row[1] for row in load_workbook(form)["planner"].iter_rows(values_only=True)}
    assert meta["base"] == str(base)


def test_weigh_toml_pairs(cli, tmp_path):
    pairs = tmp_path / "pairs.toml"
    pairs.write_text(
        'base = "export-logistics"\nname = "Panel 2026"\n'
        "[weights.pairwise]\n"
        'criteria = ["interchange", "rail", "khorgos"]\n'
        "[[weights.pairwise.experts]]\n"
        'name = "A"\n'
        'matrix = [[1, 2, 4], ["1/2", 1, 2], ["1/4", "1/2", 1]]\n',
        encoding="utf-8",
    )
    r = cli("scenarios", "weigh", pairs)
    assert r.exit_code == 0, r.output
    assert 'name = "panel-2026"' in r.output
    assert "weight = 0.571429" in r.output  # 4/7: a consistent matrix gives exact ratios
