"""Company lists (planner.inputs.companies) and sector profiles (planner.config.sectors)."""

from __future__ import annotations

import codecs
import tomllib
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from planner import InputError
from planner.config import sectors as sec
from planner.config.scenarios import load_scenario
from planner.core.ranking import NeedArrays
from planner.errors import SectorError
from planner.inputs.companies import COLUMN_ALIASES, columns_markdown, example_path, read_companies

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "geodata" / "examples" / "companies.csv"
SECTORS_TOML = REPO / "planner" / "config" / "data" / "sectors.toml"

KAZ_NAME = "ИП Қасымов Әлібек"
HEADER = "name;land_ha;sector\n"


def write(tmp_path: Path, text: str | bytes, name: str = "c.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return path


# --------------------------------------------------------------------------------------
# encodings and separators
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("encoding", "prefix", "detected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
        ("kz1048", b"", "kz1048"),
        ("utf-16", b"", "utf-16"),  # Excel "Unicode text": UTF-16 with BOM, tab-separated
    ],
)
def test_encodings_with_kazakh_letters(tmp_path, encoding, prefix, detected):
    sep = "\t" if encoding == "utf-16" else ";"
    text = sep.join(["Наименование", "Площадь, га"]) + "\n" + sep.join([KAZ_NAME, "12,5"]) + "\n"
    path = write(tmp_path, prefix + text.encode(encoding))
    table = read_companies(path)
    assert table.encoding == detected
    assert table.valid["name"].tolist() == [KAZ_NAME]
    assert table.valid["land_ha"].tolist() == [12.5]
    assert table.separator == sep


def test_cp1251_russian_text(tmp_path):
    text = "Наименование;Площадь, га;Отрасль\nООО «Ёлка и Щука»;3,5;Пищевая\n"
    table = read_companies(write(tmp_path, text, encoding="cp1251"))
    assert table.encoding == "cp1251"
    assert table.valid["name"].tolist() == ["ООО «Ёлка и Щука»"]
    assert table.valid["sector"].tolist() == ["food"]
    assert any("cp1251" in w and "UTF-8" in w for w in table.warnings)


def test_kz1048_is_not_mistaken_for_cp1251(tmp_path):
    raw = f"name;land_ha\n{KAZ_NAME};2\nТОО Ұлы Дала Өнім;3\n".encode("kz1048")
    garbage = raw.decode("cp1251")  # what a cp1251-only reader would silently produce
    assert KAZ_NAME not in garbage and "Ќ" in garbage
    table = read_companies(write(tmp_path, raw))
    assert table.encoding == "kz1048"
    assert table.valid["name"].tolist() == [KAZ_NAME, "ТОО Ұлы Дала Өнім"]
    # the override is honoured, even when it is wrong
    forced = read_companies(write(tmp_path, raw, "forced.csv"), encoding="cp1251")
    assert forced.valid["name"].iat[0] == garbage.splitlines()[1].split(";")[0]


def test_bad_encoding_override(tmp_path):
    path = write(tmp_path, f"name;land_ha\n{KAZ_NAME};2\n".encode("kz1048"))
    with pytest.raises(InputError, match=r"not valid utf-8 \(byte 0xc8 on line 2\)"):
        read_companies(path, encoding="utf-8")
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        read_companies(path, encoding="klingon")


def test_lost_kazakh_letters_warn_but_keep_the_row(tmp_path):
    raw = "name;land_ha\nИП Қасымов Ә.;4\nООО Обычная;5\n".encode("cp1251", errors="replace")
    assert raw.startswith(b"name;land_ha\n\xc8\xcf ?") and b"?." in raw
    table = read_companies(write(tmp_path, raw))
    assert table.valid["name"].tolist() == ["ИП ?асымов ?.", "ООО Обычная"]
    lost = [w for w in table.warnings if "in place of a letter" in w]
    assert len(lost) == 1
    assert lost[0].startswith("row 2, column name: 'ИП ?асымов ?.'") and "CSV UTF-8" in lost[0]
    assert table.rejects.empty


def test_question_marks_that_are_punctuation_do_not_warn(tmp_path):
    table = read_companies(write(tmp_path, "name;land_ha\nКафе «Что? Где?»;1\n"))
    assert not [w for w in table.warnings if "in place of a letter" in w]


def test_replacement_character_is_rejected(tmp_path):
    path = write(tmp_path, "name;land_ha\nООО Ок;1\nООО \ufffdлма;2\n")
    with pytest.raises(InputError, match=r"line 3 contains the replacement character U\+FFFD"):
        read_companies(path)


@pytest.mark.parametrize(
    ("text", "sep"),
    [
        ("name;land_ha;sector\nA;12,5;food\nB;3;it\n", ";"),
        ('name,land_ha,sector\nA,"12,5",food\nB,3,it\n', ","),
        ("name\tland_ha\tsector\nA\t12,5\tfood\nB\t3\tit\n", "\t"),
        ('Наименование;"Площадь, га";Отрасль\nA;12,5;food\nB;3;it\n', ";"),
        ("sep=,\nname,land_ha,sector\nA,12.5,food\nB,3,it\n", ","),
    ],
)
def test_separators_and_comma_decimals(tmp_path, text, sep):
    table = read_companies(write(tmp_path, text))
    assert table.separator == sep
    assert table.valid["land_ha"].tolist() == [12.5, 3.0]
    assert table.valid["sector"].tolist() == ["food", "it"]
    # Excel hides a "sep=" line, so the header is row 1 there too
    assert table.valid["row"].tolist() == [2, 3]


def test_number_formats(tmp_path):
    text = HEADER + "A;1 200,5;\nB;\u00a07.25 ;\nC;,5;\nD;1.200,5;\nE;12,5 га;\nF;-3;\nG;0;\n"
    table = read_companies(write(tmp_path, text))
    assert table.valid["land_ha"].tolist() == [1200.5, 7.25, 0.5]
    rej = table.rejects.set_index("row")["reason"]
    assert "'1.200,5' is not a number" in rej[5]
    assert rej[6] == (
        "column land_ha: '12,5 га' is not a number; use digits only, e.g. 12.5 (hectares, no units)"
    )
    assert "must be more than 0" in rej[7] and "must be more than 0" in rej[8]


# --------------------------------------------------------------------------------------
# columns
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "land_header", ["land_ha", "Land_HA", "площадь_га", "Площадь, га", "Площадь (га)", " ПЛОЩАДЬ "]
)
def test_land_aliases(tmp_path, land_header):
    table = read_companies(write(tmp_path, f"Наименование;{land_header}\nA;2\n"))
    assert table.valid["land_ha"].tolist() == [2.0]
    assert table.columns["land_ha"] == land_header.strip()


def test_all_russian_headers(tmp_path):
    text = (
        "Компания;Площадь, га;Отрасль;Численность;Ж/Д;Экспорт;Класс опасности;"
        "Макс. до Алматы, км;Зона;Код компании\n"
        "A;2;23.61;1 200;да;нет;II;60;aiz-1;my-1\n"
    )
    row = read_companies(write(tmp_path, text)).valid.iloc[0]
    assert row["company_id"] == "my-1"
    assert (row["sector"], row["oked"], row["employees"]) == ("building_materials", "23.61", 1200)
    assert (bool(row["needs_rail"]), bool(row["export_oriented"])) == (True, False)
    assert (row["hazard_class"], row["max_dist_almaty_km"], row["preferred_zone"]) == (
        2,
        60.0,
        "aiz-1",
    )


def test_missing_required_column_names_what_was_found(tmp_path):
    path = write(tmp_path, "Наименование;Отрасль\nA;food\n")
    with pytest.raises(InputError) as err:
        read_companies(path)
    msg = str(err.value)
    assert "required column(s) land_ha not found" in msg
    assert "Columns found: 'Наименование', 'Отрасль'" in msg
    assert "площадь_га" in msg and "площадь (га)" in msg and str(path) in msg


def test_one_column_header_hints_at_the_separator(tmp_path):
    path = write(tmp_path, "name|land_ha\nA|2\n")
    with pytest.raises(InputError, match="not found"):
        read_companies(path)
    path = write(tmp_path, '"name;land_ha"\n"A;2"\n', "q.csv")
    with pytest.raises(InputError, match="separator was not recognised"):
        read_companies(path)


def test_swapped_columns_are_a_file_error(tmp_path):
    path = write(tmp_path, "land_ha;name\nООО Альфа;12\nООО Бета;3,5\nООО Гамма;7\n")
    with pytest.raises(InputError, match="look swapped"):
        read_companies(path)


def test_duplicate_column_meaning(tmp_path):
    with pytest.raises(InputError, match="'площадь' and 'land_ha' both mean land_ha"):
        read_companies(write(tmp_path, "name;площадь;land_ha\nA;1;2\n"))


def test_unknown_columns_are_kept_and_reported(tmp_path):
    table = read_companies(write(tmp_path, "name;land_ha;Контакт;\nA;1;+7 701;x\n"))
    assert table.ignored_columns == ["Контакт", "column_4"]
    assert table.valid["Контакт"].tolist() == ["+7 701"]
    assert table.valid["column_4"].tolist() == ["x"]
    assert any("ignored column(s) 'Контакт', 'column_4'" in w for w in table.warnings)


# --------------------------------------------------------------------------------------
# file-level errors
# --------------------------------------------------------------------------------------
def test_zero_byte_file(tmp_path):
    with pytest.raises(InputError, match=r"c\.csv.*is empty \(0 bytes\)"):
        read_companies(write(tmp_path, b""))


def test_header_only_file(tmp_path):
    with pytest.raises(InputError, match="has a header .* but no data rows"):
        read_companies(write(tmp_path, "name;land_ha\n\n\n"))


def test_blank_only_file(tmp_path):
    with pytest.raises(InputError, match="only blank lines"):
        read_companies(write(tmp_path, "\n \n;;\n"))


def test_garbage_bytes_with_csv_name(tmp_path):
    garbage = np.random.default_rng(7).integers(0, 256, 4000, dtype=np.uint8).tobytes()
    with pytest.raises(InputError, match="is not a text \\(CSV\\) file"):
        read_companies(write(tmp_path, garbage))


def test_xlsx_that_is_really_csv(tmp_path):
    path = write(tmp_path, "name;land_ha\nA;1\n", "list.xlsx")
    with pytest.raises(InputError, match=r"Excel name but is not an Excel workbook.*CSV.*\.csv"):
        read_companies(path)


def test_xlsx_with_csv_name_and_old_xls(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["name", "land_ha"])
    wb.active.append(["A", 1])
    wb.save(tmp_path / "real.xlsx")
    path = write(tmp_path, (tmp_path / "real.xlsx").read_bytes(), "fake.csv")
    with pytest.raises(InputError, match="Excel workbook .* with a .csv name; rename it to .xlsx"):
        read_companies(path)
    ole = write(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old.xls")
    with pytest.raises(InputError, match="old Excel .xls"):
        read_companies(ole)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_companies(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="is a folder"):
        read_companies(tmp_path)


# --------------------------------------------------------------------------------------
# rows: validation, numbering, nothing lost
# --------------------------------------------------------------------------------------
def test_blank_rows_are_skipped_counted_and_numbering_is_kept(tmp_path):
    text = "name;land_ha\n\nA;1\n;\nB;много\n\n\n"
    table = read_companies(write(tmp_path, text))
    assert table.blank_rows == 2  # rows 2 and 4; trailing blank lines are not rows
    assert table.valid["row"].tolist() == [3]
    assert table.rejects["row"].tolist() == [5]
    assert table.rows_in == 2 == len(table.valid) + len(table.rejects)
    assert "2 blank row(s) skipped" in table.warnings


def test_every_problem_of_a_row_is_reported(tmp_path):
    text = (
        "name;land_ha;employees;needs_rail;hazard_class;sector;max_dist_almaty_km\n"
        ";abc;12,5;может быть;VI;металлургия;-5\n"
    )
    table = read_companies(write(tmp_path, text))
    assert table.valid.empty
    reason = table.rejects["reason"].iat[0]
    for part in (
        "column name: the cell is empty",
        "column land_ha: 'abc' is not a number",
        "column employees: '12,5' must be a whole number",
        "column needs_rail: 'может быть' is not yes/no; use да/нет",
        "column hazard_class: 'VI' is not a sanitary class; use I, II, III, IV, V or 1-5",
        'column sector: "металлургия" is not a sector; use a sector key (building_materials',
        "column max_dist_almaty_km: '-5' must be more than 0 km",
    ):
        assert part in reason
    assert table.rejects.columns.tolist() == [
        "row",
        "id",
        "column",
        "value",
        "reason",
        "name",
        "land_ha",
        "employees",
        "needs_rail",
        "hazard_class",
        "sector",
        "max_dist_almaty_km",
    ]
    assert table.rejects.iloc[0]["land_ha"] == "abc"  # original text kept
    # the cells the problems are about, in the order found, with their values as typed
    assert table.rejects.iloc[0]["column"] == (
        "name; land_ha; employees; needs_rail; hazard_class; max_dist_almaty_km; sector")
    assert table.rejects.iloc[0]["value"] == "; abc; 12,5; может быть; VI; -5; металлургия"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("да", True),
        ("Нет", False),
        ("1", True),
        ("0", False),
        ("yes", True),
        ("FALSE", False),
        ("", None),
        ("-", False),
    ],
)
def test_yes_no_values(tmp_path, cell, expected):
    table = read_companies(write(tmp_path, f"name;land_ha;ж/д\nA;1;{cell}\n"))
    value = table.valid["needs_rail"].iat[0]
    assert (None if pd.isna(value) else bool(value)) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("I", 1), ("ii", 2), ("III", 3), ("IV", 4), ("V", 5), ("4", 4), ("І", 1), ("Ⅲ", 3)],
)
def test_hazard_classes(tmp_path, cell, expected):
    table = read_companies(write(tmp_path, f"name;land_ha;класс опасности\nA;1;{cell}\n"))
    assert table.valid["hazard_class"].iat[0] == expected


def test_too_many_values_in_a_row(tmp_path):
    # a comma decimal in a comma-separated file splits the value in two
    text = "name,land_ha,sector\nA,12,5,food\nB,3,it\n"
    table = read_companies(write(tmp_path, text))
    assert table.valid["name"].tolist() == ["B"]
    assert table.rejects["row"].tolist() == [2]
    assert "the row has 4 values but the header has 3" in table.rejects["reason"].iat[0]
    assert table.rejects["extra_values"].iat[0] == "food"


def test_oked_codes(tmp_path):
    text = (
        "name;land_ha;ОКЭД;sector\nA;1;01111;\nB;1;22.21;\nC;1;47.11;\nD;1;2361;\nE;1;01111;it\n"
        "F;1;9;\n"
    )
    table = read_companies(write(tmp_path, text))
    v = table.valid.set_index("name")
    assert v.loc["A", "oked"] == "01111" and v.loc["A", "sector"] == "agro"
    assert (v.loc["B", "oked"], v.loc["B", "sector"]) == ("22.21", "plastics")
    assert v.loc["C", "sector"] == "other"
    assert any(
        w.startswith("row 4, column oked ('ОКЭД'): OKED 47.11 has no") for w in table.warnings
    )
    assert v.loc["D", "sector"] == "building_materials"
    assert (v.loc["E", "sector"], v.loc["E", "oked"]) == ("it", "")  # sector wins over OKED
    assert '"9" is not a sector' in table.rejects["reason"].iat[0]


def test_sector_names(tmp_path):
    text = (
        HEADER + "A;1;Пищевая промышленность и напитки\nB;1;ЛЁГКАЯ промышленность\nC;1;IT\nD;1;\n"
    )
    table = read_companies(write(tmp_path, text))
    assert table.valid["sector"].tolist() == ["food", "light_industry", "it", "other"]


def test_duplicate_names_and_stable_ids(tmp_path):
    text = "name;land_ha\nООО Альфа;1\nООО Бета;2\nооо  альфа;3\n"
    table = read_companies(write(tmp_path, text))
    ids = table.valid["company_id"].tolist()
    assert len(set(ids)) == 3 and ids[2] == ids[0] + "-2"
    assert any("duplicate company name 'ООО Альфа' on rows 2, 4" in w for w in table.warnings)
    # ids do not depend on row order: reversing the file keeps Бета's id
    rev = read_companies(write(tmp_path, "name;land_ha\nООО Бета;2\nООО Альфа;1\n", "r.csv"))
    assert rev.valid.set_index("name").loc["ООО Бета", "company_id"] == ids[1]


def test_own_ids_must_be_unique(tmp_path):
    table = read_companies(write(tmp_path, "id;name;land_ha\nx1;A;1\nx1;B;2\n;C;3\n"))
    assert table.valid["company_id"].tolist()[0] == "x1"
    assert table.valid["company_id"].iat[1].startswith("c-")
    assert "'x1' is already used on row 2" in table.rejects["reason"].iat[0]


def test_large_area_warns(tmp_path):
    table = read_companies(write(tmp_path, "name;land_ha\nA;25000\n"))
    assert len(table.valid) == 1
    assert any("very large" in w and "m²" in w for w in table.warnings)


def test_multiline_name_is_one_row(tmp_path):
    table = read_companies(write(tmp_path, 'name;land_ha\n"ООО\nДва";1\nB;2\n'))
    assert table.valid["name"].tolist() == ["ООО Два", "B"]
    assert table.valid["row"].tolist() == [2, 3]  # Excel shows one row per record


# --------------------------------------------------------------------------------------
# Excel
# --------------------------------------------------------------------------------------
def _workbook(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Список"
    ws.append(["Наименование", "Площадь, га", "ОКЭД", "Численность"])
    ws.append(["ООО Текст", "12,5", "01111", "120"])  # numbers stored as text
    ws.append(["ООО Числа", 7.25, 23.61, 80])
    ws.append([None, None, None, None])  # blank row 4
    ws.append(["ООО Формула", "=B2*2", "10.71", 5])  # formula, no cached value
    ws.append(["ООО Ноль потерян", 3, 1111, 5])  # numeric OKED: leading zero lost
    other = wb.create_sheet("Второй")
    other.append(["name", "land_ha"])
    other.append(["Z", 9])
    path = tmp_path / "list.xlsx"
    wb.save(path)
    return path


def test_xlsx(tmp_path):
    table = read_companies(_workbook(tmp_path))
    assert table.sheet == "Список" and table.encoding is None
    v = table.valid.set_index("name")
    assert v.loc["ООО Текст", "land_ha"] == 12.5
    assert v.loc["ООО Текст", "oked"] == "01111" and v.loc["ООО Текст", "sector"] == "agro"
    assert v.loc["ООО Числа", "land_ha"] == 7.25 and v.loc["ООО Числа", "oked"] == "23.61"
    assert v["row"].tolist() == [2, 3, 6]  # Excel's row numbers
    assert table.blank_rows == 1
    assert table.rejects["row"].tolist() == [5]
    reason = table.rejects["reason"].iat[0]
    assert "cell B5 holds a formula (=B2*2) with no saved value" in reason
    assert any(
        w.startswith("row 6, cell C6: OKED 1111 is stored as a number") for w in table.warnings
    )


def test_xlsx_sheet_choice(tmp_path):
    path = _workbook(tmp_path)
    assert read_companies(path, sheet="Второй").valid["name"].tolist() == ["Z"]
    assert read_companies(path, sheet=1).valid["name"].tolist() == ["Z"]
    with pytest.raises(
        InputError, match=r"has no sheet 'Нет'; its sheets are \['Список', 'Второй'\]"
    ):
        read_companies(path, sheet="Нет")


# --------------------------------------------------------------------------------------
# the built-in example and the README
# --------------------------------------------------------------------------------------
def test_example_file():
    raw = EXAMPLE.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8) and b";" in raw.splitlines()[0]
    table = read_companies(EXAMPLE)
    assert (table.encoding, table.separator) == ("utf-8-sig", ";")
    assert table.rows_in == 52 and len(table.valid) == 50 and len(table.rejects) == 2
    assert table.rejects["row"].tolist() == [20, 38]
    assert "'много' is not a number" in table.rejects["reason"].iat[0]
    assert "column name ('Наименование'): the cell is empty" in table.rejects["reason"].iat[1]
    v = table.valid
    assert v["land_ha"].between(0.5, 60).all() and v["land_ha"].min() == 0.5
    assert v["land_ha"].max() == 60
    assert set(v["sector"]) >= {
        "building_materials",
        "food",
        "paper",
        "plastics",
        "machine_building",
        "logistics",
        "pharma",
        "it",
    }
    assert (v["oked"] != "").sum() >= 5 and v["needs_rail"].sum() >= 5
    assert v["hazard_class"].notna().sum() >= 3 and v["export_oriented"].sum() >= 5
    assert (v["Примечание"] == "вымышленная компания").all()
    assert v["company_id"].is_unique


def test_readme_lists_the_columns():
    readme = (REPO / "geodata" / "examples" / "README.md").read_text(encoding="utf-8")
    assert columns_markdown() in readme
    assert f"table.counts()   # {read_companies(example_path()).counts()}" in readme
    assert "много" in readme and "20" in readme and "38" in readme


def test_column_aliases_are_unambiguous():
    from planner.inputs.columns import norm_header

    seen: dict[str, str] = {}
    for canon, aliases in COLUMN_ALIASES.items():
        assert canon in aliases
        for alias in aliases:
            assert seen.setdefault(norm_header(alias), canon) == canon, alias


# --------------------------------------------------------------------------------------
# sectors
# --------------------------------------------------------------------------------------
def test_builtin_catalog():
    cat = sec.load_sectors()
    assert tuple(cat.sectors) == sec.SECTOR_KEYS
    assert cat.sectors["it"].allow_in_almaty and not cat.sectors["logistics"].allow_in_almaty
    assert cat.sectors["building_materials"].needs_rail
    assert cat.sectors["it"].hazard_class is None and cat.sectors["chemicals"].hazard_class == 2


@pytest.mark.parametrize(
    ("code", "sector", "matched"),
    [
        ("01111", "agro", True),
        ("10.71", "food", True),
        ("11", "food", True),
        ("17.21", "paper", True),
        ("22.21", "plastics", True),
        ("22.11", "chemicals", True),
        ("23.61", "building_materials", True),
        ("16.23", "building_materials", True),
        ("16.10", "other", False),
        ("28.1", "machine_building", True),
        ("52.10", "logistics", True),
        ("21", "pharma", True),
        ("62.01", "it", True),
        ("20.41", "chemicals", True),
        ("14.13", "light_industry", True),
        ("47.11", "other", False),
    ],
)
def test_oked_mapping(code, sector, matched):
    assert sec.load_sectors().sector_for_oked(code) == (sector, matched)


def _toml_catalog() -> dict:
    return tomllib.loads(SECTORS_TOML.read_text(encoding="utf-8"))


def test_company_weights_match_an_independent_computation():
    raw = _toml_catalog()
    base = {"bakad": 3.0, "interchange": 2.0, "rail": 1.0, "housing": 1.0, "airport": 0.5}
    for key, prof in raw["sectors"].items():
        mult = prof.get("multipliers", {})
        expected = {c: w * mult.get(c, 1.0) for c, w in base.items()}
        total = sum(expected.values())
        got = sec.company_weights(base, key)
        assert got.keys() == expected.keys()
        for c in base:
            assert got[c] == pytest.approx(expected[c] / total)
        assert sum(got.values()) == pytest.approx(1.0)


def test_weights_matrix_rows_equal_company_weights():
    companies = pd.DataFrame({"sector": list(sec.SECTOR_KEYS) + ["", "it"]})
    base = {c: 1.0 + i for i, c in enumerate(sec.CRITERIA)}
    order = ["rail", "bakad", "housing", "it_missing"][:3]
    w = sec.weights_matrix(companies, order, base)
    assert w.shape == (len(companies), 3)
    assert np.allclose(w.sum(axis=1), 1.0)
    for i, key in enumerate(companies["sector"]):
        expected = sec.company_weights({c: base[c] for c in order}, key or "other")
        assert w[i] == pytest.approx([expected[c] for c in order])
    it_row = w[sec.SECTOR_KEYS.index("it")]
    bm_row = w[sec.SECTOR_KEYS.index("building_materials")]
    assert bm_row[0] > it_row[0]  # rail matters more for building materials than for IT


def test_weights_errors():
    with pytest.raises(InputError, match="Criteria nope are unknown"):
        sec.company_weights({"nope": 1.0}, "food")
    with pytest.raises(SectorError, match='Unknown sector "steel"'):
        sec.company_weights({"bakad": 1.0}, "steel")
    with pytest.raises(SectorError, match="Unknown sector key\\(s\\) steel in"):
        sec.weights_matrix(pd.DataFrame({"sector": ["steel"]}), ["bakad"], {"bakad": 1.0})
    with pytest.raises(InputError, match="leave no weight"):
        sec.weights_matrix(pd.DataFrame({"sector": ["food"]}), ["bakad"], {"rail": 1.0})


@pytest.mark.parametrize(("hazard", "km"), [(1, 1.0), (2, 0.5), (3, 0.3), (4, 0.1), (5, 0.05)])
def test_hazard_class_distances(hazard, km):
    needs = sec.company_needs({"land_ha": 2.0, "sector": "other", "hazard_class": hazard})
    assert needs.min_housing_km == pytest.approx(km)
    assert needs.allow_in_almaty is (hazard >= 4)  # no class I-III plant inside the city


def test_company_needs_rules():
    bm = sec.company_needs({"land_ha": 12.5, "sector": "building_materials"})
    assert bm == sec.Needs(12.5, 5.0, 0.3, None, False)  # sector defaults, catalog rail km
    own = sec.company_needs(
        {"land_ha": 1, "sector": "building_materials", "needs_rail": False, "hazard_class": 5}
    )
    assert own.rail_max_km is None and own.min_housing_km == pytest.approx(0.05)
    scen = {"rail_max_km": 3.0, "min_housing_km": 0.2, "max_dist_almaty_km": 90.0}
    food = sec.company_needs({"land_ha": 1, "sector": "food", "needs_rail": True}, scen)
    assert food == sec.Needs(1.0, 3.0, 0.2, 90.0, False)  # food's own 100 km capped at 90
    it = sec.company_needs({"land_ha": 0.5, "sector": "it", "max_dist_almaty_km": 30.0})
    assert it == sec.Needs(0.5, None, 0.0, 30.0, True)
    assert not sec.company_needs(
        {"land_ha": 1, "sector": "it"}, {"allow_in_almaty": False}
    ).allow_in_almaty


def test_needs_with_a_real_scenario():
    scenario = load_scenario("bakad-perimeter")
    needs = sec.company_needs({"land_ha": 3, "sector": "building_materials"}, scenario.needs)
    assert needs.rail_max_km == scenario.needs.rail_max_km  # the scenario's "has rail" distance
    assert sec.company_needs({"land_ha": 3, "sector": "it"}, scenario.needs).rail_max_km is None


def test_needs_arrays_match_company_needs_on_the_example():
    table = read_companies(EXAMPLE)
    scen = {"rail_max_km": 4.0}
    arr = sec.needs_arrays(table, scen)
    assert set(arr) == {
        "land_ha",
        "rail_max_km",
        "min_housing_km",
        "max_dist_almaty_km",
        "allow_in_almaty",
    }
    assert all(len(a) == len(table.valid) for a in arr.values())
    for i, row in table.valid.iterrows():
        one = sec.company_needs(row, scen)
        assert arr["land_ha"][i] == one.min_area_ha
        assert arr["rail_max_km"][i] == (np.inf if one.rail_max_km is None else one.rail_max_km)
        assert arr["min_housing_km"][i] == one.min_housing_km
        assert arr["allow_in_almaty"][i] == one.allow_in_almaty
    needs = NeedArrays(**arr)  # the ranking kernel accepts them as they are
    assert needs.n_companies == len(table.valid)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["sectors"]["food"].update(colour="red"), "sectors.food.colour`: unknown key"),
        (
            lambda d: d["sectors"]["food"]["multipliers"].update(beach=2.0),
            "unknown criterion beach",
        ),
        (
            lambda d: d["sectors"]["food"]["multipliers"].update(rail=-1.0),
            "must be numbers from 0 to 10",
        ),
        (lambda d: d["sectors"]["food"].update(hazard_class=7), "hazard_class"),
        (lambda d: d["oked"].update({"24": "steel"}), 'maps to unknown sector "steel"'),
        (lambda d: d["oked"].update({"2x": "food"}), '"2x" is not an OKED code'),
        (lambda d: d["sectors"].pop("agro"), "sectors agro are missing"),
        (
            lambda d: d["sectors"]["it"]["aliases"].append("логистика"),
            'also a name of sector "logistics"',
        ),
    ],
)
def test_bad_sector_catalogs(tmp_path, edit, message):
    raw = _toml_catalog()
    edit(raw)
    path = tmp_path / "sectors.toml"
    path.write_text(_dump_toml(raw), encoding="utf-8")
    with pytest.raises(SectorError, match=message):
        sec.load_sectors(path)


def test_bad_toml_syntax(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("version = = 1\n", encoding="utf-8")
    with pytest.raises(SectorError, match="not valid TOML"):
        sec.load_sectors(path)


def _dump_toml(raw: dict) -> str:
    """Tiny TOML writer for the catalog's shape (tomllib cannot write)."""
    import json

    def val(v):
        return json.dumps(v, ensure_ascii=False)

    lines = [f"{k} = {val(v)}" for k, v in raw.items() if not isinstance(v, dict)]
    for key, prof in raw["sectors"].items():
        lines.append(f"[sectors.{key}]")
        lines += [f"{k} = {val(v)}" for k, v in prof.items()
                  if k not in ("multipliers", "transforms")]  # fmt: skip
        lines.append(f"[sectors.{key}.multipliers]")
        lines += [f"{k} = {val(v)}" for k, v in prof.get("multipliers", {}).items()]
        for crit, table in prof.get("transforms", {}).items():  # a sector's own transforms
            lines.append(f"[sectors.{key}.transforms.{crit}]")
            lines += [f"{k} = {val(v)}" for k, v in table.items() if not isinstance(v, dict)]
            for sub, inner in ((k, v) for k, v in table.items() if isinstance(v, dict)):
                lines.append(f"[sectors.{key}.transforms.{crit}.{sub}]")
                lines += [f"{k} = {val(v)}" for k, v in inner.items()]
    lines.append("[oked]")
    lines += [f"{val(k)} = {val(v)}" for k, v in raw["oked"].items()]
    return "\n".join(lines) + "\n"


def test_dump_toml_roundtrip():
    raw = _toml_catalog()
    assert tomllib.loads(_dump_toml(raw)) == raw


# --------------------------------------------------------------------------------------
# CLI (planner/cli/companies.py; registered when "companies" is in COMMAND_MODULES)
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def companies_cli(cli):
    import planner.cli.companies  # noqa: F401 - registers `planner companies`

    return cli


def test_cli_check_example_writes_rejects(companies_cli, tmp_path):
    rejects = tmp_path / "rejects.csv"
    result = companies_cli("companies", "check", "--lang", "en", EXAMPLE, "--rejects", rejects)
    assert result.exit_code == 3, result.output
    assert "52 rows, 50 valid, 2 rejected" in result.output
    assert "row 20 ('" in result.output  # the row and its id
    assert "'много' is not a number" in result.output
    back = read_companies(rejects)  # `;` like the input, and readable again
    assert back.separator == ";" and back.rejects["row (file)"].tolist() == ["20", "38"]
    again = companies_cli("companies", "check", "--lang", "en", EXAMPLE, "--rejects", rejects)
    assert again.exit_code == 1 and "already exists" in again.output


def test_cli_check_clean_and_broken_files(companies_cli, tmp_path):
    good = write(tmp_path, "name;land_ha;sector\nA;1;food\n")
    result = companies_cli("companies", "check", "--lang", "en", good)
    assert result.exit_code == 0 and "1 valid, 0 rejected" in result.output
    assert "food 1" in result.output
    bad = write(tmp_path, b"", "empty.csv")
    result = companies_cli("companies", "check", "--lang", "en", bad)
    assert result.exit_code == 1 and "is empty (0 bytes)" in result.output
    assert "Traceback" not in result.output


def test_cli_sectors(companies_cli):
    result = companies_cli("companies", "sectors")
    assert result.exit_code == 0, result.output
    for key in sec.SECTOR_KEYS:
        assert key in result.output
