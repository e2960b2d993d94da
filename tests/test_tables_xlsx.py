"""Tables an analyst can hand on (issue 13): the XLSX looked at with openpyxl, CSV round trips.

Expectations are written out here (header words, number formats, yes/no words), not
taken from the planner's catalog, so a wrong catalog entry fails.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from _book import read_book

from planner.inputs.rejects import machine_headers
from planner.jobs.batch import run_batch
from planner.jobs.batch_outputs import write_batch

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "geodata" / "examples" / "companies.csv"
AS_OF = "2026-06-01"
CYRILLIC = re.compile("[\u0400-\u04ff]")
#: a few headers per language, as an analyst expects to read them
HEADERS = {
    "ru": {"score": "Балл", "rank": "Место", "site_id": "Код площадки",
           "dist_bakad_km": "До БАКАД, км", "allocated": "Назначена", "p_first": "Доля побед"},
    "kk": {"score": "Жалпы балл", "rank": "Орын", "site_id": "Алаң коды",
           "dist_bakad_km": "ҮАААЖ-ге дейін (км)", "allocated": "Бекітілді",
           "p_first": "Бірінші болу үлесі"},
    "en": {"score": "Score", "rank": "Rank", "site_id": "Site id",
           "dist_bakad_km": "To BAKAD, km", "allocated": "Allocated", "p_first": "Share first"},
}  # fmt: skip
YES_NO = {"ru": ("Да", "Нет"), "kk": ("Иә", "Жоқ"), "en": ("Yes", "No")}


@pytest.fixture(scope="module")
def batch(layers):
    return run_batch(EXAMPLE, sites="builtin", as_of=AS_OF, layers=layers, allocate=True,
                     robustness=True, draws=200, top_k=3)  # fmt: skip


@pytest.fixture(scope="module")
def books(batch, tmp_path_factory) -> dict[str, Path]:
    out = {}
    for lang in ("ru", "kk", "en"):
        path = tmp_path_factory.mktemp(lang) / "results.xlsx"
        write_batch(batch, path, command=["planner", "score"], lang=lang)
        out[lang] = path
    return out


def _header(ws) -> list[str]:
    return [c.value for c in ws[1]]


def _col(ws, header: str) -> list:
    j = _header(ws).index(header)
    return [row[j].value for row in ws.iter_rows(min_row=2)]


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_xlsx_for_people(books, batch, lang):
    wb = openpyxl.load_workbook(books[lang])
    # the per-company summary first, then the results, the allocation, columns, about
    assert wb.sheetnames == ["companies", "results", "allocation", "columns", "about"]
    ws = wb["results"]
    head = _header(ws)
    for machine, word in HEADERS[lang].items():
        assert word in head, (machine, word)
    for name in wb.sheetnames:
        sheet = wb[name]
        assert sheet.freeze_panes == "A2", name
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), name
        formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
        assert formulas == [], (name, formulas[:5])
        assert all((sheet.column_dimensions[col].width or 0) >= 6
                   for col in sheet.column_dimensions)  # fmt: skip
    # number formats: km and scores to 1 decimal, shares as %, ranks whole
    fmt = {h: ws.cell(row=2, column=j + 1).number_format for j, h in enumerate(head)}
    w = HEADERS[lang]
    assert fmt[w["dist_bakad_km"]] == "0.0" and fmt[w["score"]] == "0.0"
    assert fmt[w["p_first"]].endswith("%") and fmt[w["rank"]] == "0"
    # the values stay exact (formats, not rounding)
    scores = np.array(_col(ws, w["score"]), dtype=float)
    np.testing.assert_allclose(scores, batch.results["score"].to_numpy(), rtol=1e-12)
    # yes/no words instead of TRUE/FALSE
    yes, no = YES_NO[lang]
    assert set(_col(ws, w["allocated"])) <= {yes, no} and yes in _col(ws, w["allocated"])
    assert not any(isinstance(c.value, bool) for row in ws.iter_rows() for c in row)


def test_headers_are_in_one_language(books):
    user_columns = {"Примечание"}  # the example list's own column, kept as named
    for lang in ("en", "kk"):
        wb = openpyxl.load_workbook(books[lang])
        ru = openpyxl.load_workbook(books["ru"])
        for name in ("companies", "results", "allocation"):
            head = [h for h in _header(wb[name]) if h not in user_columns]
            if lang == "en":
                assert not [h for h in head if CYRILLIC.search(h)], name
            else:
                ru_only = set(_header(ru[name])) - set(head)
                assert ru_only, "Kazakh headers differ from Russian ones"
                assert not set(head) & ru_only


def test_columns_and_about_sheets(books, batch):
    wb = openpyxl.load_workbook(books["en"])
    cols = list(wb["columns"].iter_rows(values_only=True))
    assert cols[0] == ("Sheet", "Column (machine name)", "Header", "Unit", "Definition",
                       "Machine value = label")  # fmt: skip
    listed = {(r[0], r[1]): r for r in cols[1:]}
    results_cols = [c for c in batch.results.columns if c != "geometry"]
    assert [k[1] for k in listed if k[0] == "results"] == results_cols
    assert listed[("results", "dist_bakad_km")][2:4] == ("To BAKAD, km", "km")
    assert listed[("results", "p_first")][3] == "share, %"
    assert all(r[4] for r in cols[1:]), "every column is defined"
    about = dict(wb["about"].iter_rows(min_row=2, values_only=True))
    assert about["Scenario"] == "bakad-perimeter" and about["Zone statuses as of"] == AS_OF
    assert about["Scenario hash"] == batch.scenario_hash
    digest = hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert digest in about["Input: company list"]
    assert "indicative" in about["Data"]


@pytest.mark.parametrize("lang", ["kk", "en"])
def test_our_xlsx_is_read_back_by_machine_names(cli, books, batch, tmp_path, lang):
    from planner.jobs.maps import read_results

    got = read_results(books[lang])
    assert {"company_name", "rank", "site_id", "score", "lon", "lat", "allocated"} <= set(got)
    assert got["site_id"].tolist() == batch.results["site_id"].tolist()
    assert set(got["allocated"]) <= {"true", "false"}
    r = cli("map", "--results", books[lang], "--company", batch.results["name"].iloc[0],
            "-o", tmp_path / "m.html", "--lang", lang)  # fmt: skip
    assert r.exit_code == 0, r.output
    mine = read_book(books[lang], "companies")
    assert mine["company_id"].tolist() == batch.companies["company_id"].tolist()


#: labels of machine values an analyst expects to read (company status, sector, zone status)
VALUES = {
    "ru": {"ranked": "площадки подобраны", "building_materials": "Строительные материалы",
           "operating": "действует"},
    "kk": {"ranked": "алаңдар іріктелді", "building_materials": "Құрылыс материалдары",
           "operating": "жұмыс істейді"},
    "en": {"ranked": "sites ranked", "building_materials": "Building materials",
           "operating": "operating"},
}  # fmt: skip


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_machine_values_read_as_labels_and_back(books, batch, lang):
    wb = openpyxl.load_workbook(books[lang])
    words = VALUES[lang]
    head = {"ru": ("Итог", "Отрасль"), "kk": ("Нәтиже", "Сала"), "en": ("Status", "Sector")}
    status, sector = (_col(wb["companies"], h) for h in head[lang])
    assert set(status) == {words["ranked"]} and words["building_materials"] in sector
    assert "ranked" not in status and "building_materials" not in sector
    pairs = {(r[0], r[1]): r[5] for r in wb["columns"].iter_rows(min_row=2, values_only=True)}
    assert f"ranked = {words['ranked']}" in pairs[("companies", "status")].splitlines()
    assert f"operating = {words['operating']}" in pairs[("results", "zone_status")].splitlines()
    assert pairs[("results", "score")] is None  # numbers are not labelled
    # read back (the test's own reader and the planner's): the machine values, exactly
    mine = read_book(books[lang])
    for sheet in ("companies", "results", "allocation"):
        want = getattr(batch, sheet)
        for col in ("status", "sector", "zone_status", "zone_kind", "sez_status", "site_source",
                    "reason", "no_site_reason", "allocation_reason"):
            if col in want:
                got, exp = ([("" if pd.isna(v) else str(v)) for v in t[col].tolist()]
                            for t in (mine[sheet], want))  # fmt: skip
                assert got == exp, (sheet, col)
    from planner.inputs.tables import read_table

    raw = read_table(books[lang], sheet="companies")
    i = raw.header.index("sector")
    assert [r[i] for r in raw.records] == batch.companies["sector"].astype(str).tolist()


def test_hostile_text_stays_text(layers, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("name;land_ha\n=HYPERLINK(\"http://x\");5\n@SUM(1);3\n", encoding="utf-8")
    result = run_batch(path, sites="builtin", as_of=AS_OF, layers=layers, top_k=1)
    out = tmp_path / "r.xlsx"
    write_batch(result, out, lang="kk")
    wb = openpyxl.load_workbook(out)
    assert not [c for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f"]  # fmt: skip
    names = _col(wb["results"], "Атауы")
    assert set(names) == {"'=HYPERLINK(\"http://x\")", "'@SUM(1)"}


# --------------------------------------------------------------------------- CSV


def _cp1251_list(tmp_path: Path) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8-sig")
    path = tmp_path / "список.csv"
    path.write_bytes(text.replace("\n", "\r\n").encode("cp1251", errors="replace"))
    return path


def test_csv_follows_the_input_convention(layers, tmp_path):
    src = _cp1251_list(tmp_path)
    result = run_batch(src, sites="builtin", as_of=AS_OF, layers=layers, top_k=3)
    assert result.extra["company_file"]["separator"] in (",", ";")
    sep = result.extra["company_file"]["separator"]
    out = tmp_path / "r.csv"
    written = write_batch(result, out)
    raw = out.read_bytes()
    # cp1251 in, cp1251 out, unless the text has letters cp1251 lacks (the Kazakh reasons)
    kazakh = "why_kk" in result.results.columns
    assert raw.startswith(b"\xef\xbb\xbf") == kazakh
    dec = "," if sep == ";" else "."
    back = pd.read_csv(out, sep=sep, decimal=dec, encoding="utf-8-sig" if kazakh else "cp1251")
    np.testing.assert_allclose(back["score"], result.results["score"], rtol=1e-9)
    assert back["name"].tolist() == result.results["name"].tolist()
    rej = pd.read_csv(written["rejects"], sep=sep, encoding="cp1251", dtype=str)
    assert list(rej.columns[:2]) == ["Строка файла", "Код"]  # headed in the language (ru)
    rej = machine_headers(rej)
    assert rej["row"].astype(int).tolist() == result.rejects["row"].tolist()
    assert list(rej.columns[:5]) == ["row", "id", "column", "value", "reason"]


def test_semicolon_list_gets_semicolon_files_unless_told(layers, tmp_path):
    src = tmp_path / "c.csv"
    src.write_bytes("Наименование;Площадь, га\nООО Альфа;12,5\nООО Бета;много\n".encode("cp1251"))
    result = run_batch(src, sites="builtin", as_of=AS_OF, layers=layers, top_k=2)
    written = write_batch(result, tmp_path / "r.csv")
    text = (tmp_path / "r.csv").read_bytes().decode("utf-8-sig")  # Kazakh reasons: UTF-8
    assert text.splitlines()[0].count(";") > 5 and "12,5" in text  # decimal comma
    rej = written["rejects"].read_bytes().decode("cp1251").splitlines()
    assert rej[0].startswith("Строка файла;Код;Столбец;Значение;Причина")
    assert rej[1].startswith("3;ООО Бета;Площадь, га;много;") or rej[1].startswith(
        '3;ООО Бета;"Площадь, га";много;')
    written = write_batch(result, tmp_path / "c2.csv", csv_sep=",")
    assert (tmp_path / "c2.csv").read_bytes().decode("utf-8-sig").splitlines()[0].count(";") == 0
    back = pd.read_csv(tmp_path / "c2.csv", encoding="utf-8-sig")
    np.testing.assert_allclose(back["land_ha"], [12.5, 12.5][: len(back)])


def test_cli_csv_round_trip(cli, tmp_path):
    src = _cp1251_list(tmp_path)
    out = tmp_path / "o.csv"
    r = cli("score", src, "-o", out, "--top", "2", "--quiet", "--as-of", AS_OF)
    assert r.exit_code == 3, r.output
    back = pd.read_csv(out, sep=None, engine="python", encoding="utf-8-sig", dtype=str)
    assert len(back) and {"company_id", "rank", "site_id", "score"} <= set(back.columns)
    r = cli("score", src, "-o", tmp_path / "o2.csv", "--top", "2", "--quiet", "--csv-sep", "tab",
            "--as-of", AS_OF)  # fmt: skip
    assert (tmp_path / "o2.csv").read_bytes().decode("utf-8-sig").splitlines()[0].count("\t") > 5


def test_map_inputs_count_rows_as_a_spreadsheet_does(batch, tmp_path):
    from planner.errors import MapInputError
    from planner.jobs.maps import read_results

    out = tmp_path / "r.csv"
    write_batch(batch, out, csv_sep=",")
    import csv

    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    # a bad score on the 5th data row, after a blank line: the spreadsheet shows it as row 7
    rows[5][rows[0].index("score")] = "много"
    rows.insert(3, [])
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    with pytest.raises(MapInputError, match=r"row 7, column `score`: 'много'"):
        read_results(out)
