"""The one table reader (planner.inputs.tables) and column specs (planner.inputs.columns).

A file is read the same way by every command: the company-list path and the sites path
must agree on the encoding, the separator and every cell.
"""

from __future__ import annotations

import codecs
import random
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from planner import InputError
from planner.errors import SiteFileError
from planner.inputs import columns as cols
from planner.inputs.companies import read_companies
from planner.inputs.sites import read_sites, site_rejects
from planner.inputs.tables import cell_frame, decode_text, read_table, sniff_separator

KAZ = "ИП Қасымов Әлібек"
#: a list that is a company list and a sites list at once (each reader ignores the rest)
ROWS = [
    ("name", "land_ha", "lat", "lon", "site_id"),
    (KAZ, "12,5", "43,38", "77,06", "A"),
    ("ООО «Ёлка и Щука»", "3", "43.5", "77.05", "B"),
    ("ТОО Өрлеу; филиал", "1 200,5", "43,45", "76,95", "C"),
]


def _text(sep: str, rows=ROWS) -> str:
    def cell(v: str) -> str:
        return f'"{v}"' if sep in v or '"' in v else v

    return "\n".join(sep.join(cell(v) for v in row) for row in rows) + "\n"


def _write(tmp_path, data: bytes, name: str = "list.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _both(path, **kw):
    """The same file through the company path and the sites path."""
    return read_companies(path, **kw), read_sites(path, **kw)


# --------------------------------------------------------------------------- one file, two readers


@pytest.mark.parametrize("sep", [";", ",", "\t"])
@pytest.mark.parametrize(
    ("encoding", "prefix", "detected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
        ("utf-16", b"", "utf-16"),
        ("kz1048", b"", "kz1048"),
    ],
)
def test_companies_and_sites_read_a_file_identically(tmp_path, sep, encoding, prefix, detected):
    path = _write(tmp_path, prefix + _text(sep).encode(encoding))
    raw = read_table(path)
    companies, sites = _both(path)
    assert (raw.encoding, raw.separator) == (detected, sep)
    assert (companies.encoding, companies.separator) == (detected, sep)
    names = [r[0] for r in ROWS[1:]]
    assert companies.valid["name"].tolist() == names == sites["name"].tolist()
    assert companies.valid["land_ha"].tolist() == [12.5, 3.0, 1200.5]
    np.testing.assert_allclose(sites["lat"], [43.38, 43.5, 43.45])
    np.testing.assert_allclose(sites["lon"], [77.06, 77.05, 76.95])
    assert sites["site_id"].tolist() == ["A", "B", "C"]
    assert raw.records == [list(r) for r in ROWS[1:]]


def test_russian_cp1251_is_one_rule_for_both(tmp_path):
    rows = [r if i != 1 else ("ООО Ромашка", *r[1:]) for i, r in enumerate(ROWS)]
    rows = [(r[0].replace("Өрлеу", "Орлеу"), *r[1:]) for r in rows]
    path = _write(tmp_path, _text(";", rows).encode("cp1251"))
    companies, sites = _both(path)
    assert companies.encoding == read_table(path).encoding == "cp1251"
    assert companies.valid["name"].tolist() == sites["name"].tolist()
    assert sites["name"].iat[1] == "ООО «Ёлка и Щука»"


def test_cp866_dos_export_is_read_by_both(tmp_path):
    text = (
        "Наименование;Площадь, га;Широта;Долгота\n"
        "Завод Восток;2;43,4;77,0\nСклад Юг;3;43,5;77,1\n"
    )
    path = _write(tmp_path, text.encode("cp866"))
    companies, sites = _both(path)
    assert read_table(path).encoding == companies.encoding == "cp866"
    assert companies.valid["name"].tolist() == ["Завод Восток", "Склад Юг"]
    assert sites["name"].tolist() == ["Завод Восток", "Склад Юг"]


def test_excel_hint_line_and_explicit_encoding_for_both(tmp_path):
    text = "sep=,\n" + _text(",")
    path = _write(tmp_path, text.encode("kz1048"))
    companies, sites = _both(path, encoding="kz1048")
    assert companies.separator == ","
    assert companies.valid["row"].tolist() == [2, 3, 4]  # Excel hides the sep= line
    assert companies.valid["name"].tolist() == sites["name"].tolist()
    with pytest.raises(InputError, match=r"sites file .* is not valid utf-8 \(byte 0x.. on line 3"):
        read_sites(path, encoding="utf-8")


def test_xlsx_is_read_alike_and_cell_problems_reach_both(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in ROWS:
        ws.append(list(row))
    ws.append(["ООО Формула", 1, "=C2*2", 77.0, "D"])  # a formula without a saved value
    path = tmp_path / "list.xlsx"
    wb.save(path)
    companies = read_companies(path)
    assert companies.valid["name"].tolist() == [r[0] for r in ROWS[1:]]
    assert companies.rejects["row"].tolist() == [5]
    assert "cell C5 holds a formula (=C2*2) with no saved value" in companies.rejects["reason"][0]
    with pytest.raises(SiteFileError) as info:
        read_sites(path)
    # one row numbering for every reader: Excel's row 5, for companies and sites alike
    assert any(
        p.startswith("row 5 (site 'D'): cell C5 holds a formula (=C2*2) with no saved value")
        for p in info.value.problems
    )
    lenient = read_sites(path, strict=False)
    assert site_rejects(lenient)["row"].tolist() == companies.rejects["row"].tolist() == [5]
    ws.delete_rows(5)
    wb.save(path)
    sites = read_sites(path)
    assert sites["name"].tolist() == companies.valid["name"].tolist()


def test_a_row_with_the_separator_in_a_value_is_refused_alike(tmp_path):
    # a comma decimal in a comma-separated file: one value too many
    path = _write(tmp_path, b"name,land_ha,lat,lon\nA,12,5,43.4,77.0\nB,3,43.5,77.1\n")
    companies = read_companies(path)
    assert companies.rejects["row"].tolist() == [2]
    reason = "the row has 5 values but the header has 4 columns"
    assert reason in companies.rejects["reason"].iat[0]
    with pytest.raises(SiteFileError) as info:
        read_sites(path)
    assert any(p.startswith(f"row 2 (site 'row-2'): {reason}") for p in info.value.problems)


# --------------------------------------------------------------------------- decoding


#: a Russian cp1251 list with byte 0x98 (undefined in cp1251; cp866 reads it as garbage)
_DAMAGED_CP1251 = (
    "name;land_ha;lat;lon\n"
    + "\n".join(f"ООО Ромашка {i};{i},5;43,4;77,0 Пищевая промышленность" for i in range(20))
).encode("cp1251").replace(b"\xe0", b"\x98", 1)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ("name;land_ha\nООО \ufffdлма;2\n".encode(), r"line 2 contains the replacement character"),
        (_DAMAGED_CP1251, "is not a text"),
        (b"name;land_ha\nA\x00B;2\n", "is not a text"),
        (
            codecs.BOM_UTF8 + b"name;land_ha\n\xff\xfe;2\n",
            r"utf-8-sig byte-order mark but byte 16 \(line 2\)",
        ),
    ],
)
def test_text_that_does_not_round_trip_is_refused_by_both(tmp_path, data, match):
    path = _write(tmp_path, data)
    for read in (read_companies, read_sites):
        with pytest.raises(InputError, match=match):
            read(path)


def test_many_lost_letters_do_not_make_a_cp1251_list_unreadable(tmp_path):
    # a long cp1251 export where every Kazakh letter became '?': chaotic text, still cp1251
    lines = ["name;land_ha"] + [f"ИП ?асымов ?.{i};{i % 9 + 1}" for i in range(40)]
    path = _write(tmp_path, "\n".join(lines).encode("cp1251"))
    table = read_companies(path)
    assert table.encoding == "cp1251" and len(table.valid) == 40
    assert sum("in place of a letter" in w for w in table.warnings) == 40


def test_kz1048_and_cp1251_differ_in_sixteen_letters(tmp_path):
    raw = f"name;land_ha\n{KAZ};2\n".encode("kz1048")
    assert decode_text(raw) == (f"name;land_ha\n{KAZ};2\n", "kz1048")
    assert decode_text("name;land_ha\nЁлка;2\n".encode("cp1251"))[1] == "cp1251"


def test_an_explicit_encoding_is_strict_and_named(tmp_path):
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        decode_text(b"a;b\n", "x.csv", "klingon")
    text, enc = decode_text(codecs.BOM_UTF8 + b"a;b\n", "x.csv", "utf-8")
    assert (text, enc) == ("a;b\n", "utf-8")  # the BOM is not part of the text


# --------------------------------------------------------------------------- separators


@pytest.mark.parametrize(
    ("text", "sep"),
    [
        ("a;b;c\n1;2;3\n", ";"),
        ("a,b,c\n1,2,3\n", ","),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ('a;"b;c"\n1;2\n', ";"),  # a quoted separator is not a column
        ("a;b\n1,5;2,5\n", ";"),  # comma decimals in a ';' file
        ("a,b\n1;2,3\n", ","),  # the header decides when rows disagree
        ("a;b,c\n1;2,3\n", ";"),  # a tie: ';' (Russian-locale Excel) wins
        ("one\n1\n", ";"),  # one column: any separator reads it
    ],
)
def test_one_separator_sniffer(text, sep):
    assert sniff_separator(text) == sep


# --------------------------------------------------------------------------- cells and specs


def test_cell_frame_pads_short_rows_and_keeps_surplus(tmp_path):
    path = _write(tmp_path, b"a;b;a\n1\n1;2;3;4\n")
    text, notes = cell_frame(read_table(path))
    assert list(text.columns) == ["a", "b", "a (2)", "extra_values"]
    assert text.iloc[0].tolist() == ["1", "", "", ""]
    assert text.iloc[1].tolist() == ["1", "2", "3", "4"]
    assert notes.ok().tolist() == [True, False]


def test_match_columns_aliases_clashes_and_exact_wins():
    specs = (
        cols.ColumnSpec("site_id", cols.parse_text, aliases=("id",), exact_wins=True),
        cols.ColumnSpec("lat", cols.parse_degrees, aliases=("latitude", "широта"), required=True),
    )
    m = cols.match_columns(["ID", "Site ID", "x"], specs)
    assert m.found == {"site_id": 1} and m.ignored == [0, 2] and m.missing(specs) == ["lat"]
    m = cols.match_columns(["Широта", "LAT.", "id"], specs)
    assert m.clashes == {"lat": [0, 1]} and m.found == {"site_id": 2}


def test_check_column_messages_one_per_rule():
    spec = cols.ColumnSpec(
        "land_ha",
        cols.parse_decimal,
        invalid="{col}: {value} is not a number",
        empty="{col}: {value} is empty",
        rules=(
            cols.Rule(lambda v: v <= 0, "{col}: {value} must be > 0"),
            cols.Rule(lambda v: v > 1000, "{col}: {parsed:g} is large", warn=True),
        ),
    )
    notes = cols.RowNotes(5)
    cells = pd.Series(["12,5", " ", "abc", "-1", "2 000"], dtype=object)
    values = cols.check_column(spec, cells, notes, col="column land_ha")
    np.testing.assert_array_equal(values, [12.5, np.nan, np.nan, -1.0, 2000.0])
    assert notes.labelled(["r1", "r2", "r3", "r4", "r5"]) == [
        "r2: column land_ha: the cell is empty",
        "r3: column land_ha: 'abc' is not a number",
        "r4: column land_ha: '-1' must be > 0",
    ]
    assert notes.warnings == [(4, "column land_ha: 2000 is large")]


_PY_SPACES = re.compile(r"\s+")
_PY_NUMBER = re.compile(cols.NUMBER_RE)


def _reference_decimal(cell: str) -> tuple[float, bool]:
    """The parse rule in plain Python (re + float): what the Arrow kernels must match."""
    compact = _PY_SPACES.sub("", cell)
    if not compact:
        return np.nan, False
    if not _PY_NUMBER.fullmatch(compact):
        return np.nan, True
    value = float(compact.replace(",", "."))
    return (value, False) if np.isfinite(value) else (np.nan, True)


def test_arrow_decimal_parser_matches_python_semantics():
    rng = random.Random(3)
    alphabet = "0123456789,.,.+-eE \u00a0\u202f\u2009\t\u3000\u2028xга°"
    cells = ["", " ", "1e999", "1.", ".5", "+3", "1 200,5", "1.200,5", "12,5 га", "٣"]
    cells += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))) for _ in range(3000)]
    values, bad = cols.parse_decimal(pd.Series(cells, dtype=object))
    for cell, v, b in zip(cells, values, bad, strict=True):
        want, want_bad = _reference_decimal(cell)
        assert b == want_bad, cell
        assert (np.isnan(v) and np.isnan(want)) or v == want, cell


def test_clean_text_and_blank_match_python_strip():
    cells = ["  a\tb\n", "\u00a0x\u3000", "\x85", "", "a\x1fb", " \u2028 "]
    got = cols.clean_text(pd.Series(cells, dtype=object)).tolist()
    assert got == [re.sub(r"[\x00-\x1f\x7f]+", " ", c).strip() for c in cells]
    blank = cols.blank_cells(pd.Series([*cells, None, np.nan, 0, False], dtype=object))
    assert blank.tolist() == [not c.strip() for c in cells] + [True, True, False, False]


def test_results_for_maps_go_through_the_same_reader(tmp_path):
    # a results table re-saved by Russian-locale Excel: cp1251, ';', comma decimals
    from planner.jobs.maps import read_results

    text = (
        "company_name;rank;site_id;score;lon;lat\n"
        "ООО Ёлка;1;aiz-1;81,5;77,06;43,38\n"
        "ООО Ёлка;2;iz-kairat;79,25;77,05;43,5\n"
    )
    path = _write(tmp_path, text.encode("cp1251"), "results.csv")
    assert (read_table(path).encoding, read_table(path).separator) == ("cp1251", ";")
    back = read_results(path)
    assert back["company_name"].tolist() == ["ООО Ёлка", "ООО Ёлка"]
    np.testing.assert_allclose(back["score"], [81.5, 79.25])
    np.testing.assert_allclose(back["lon"], [77.06, 77.05])
