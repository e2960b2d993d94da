"""`planner score`: end to end through the CLI (exit codes, summary, files, refusals)."""

from __future__ import annotations

import json
import shutil

import geopandas as gpd
import pandas as pd
import pytest
from _book import read_book, read_out_csv

from planner.inputs.companies import example_path
from planner.inputs.rejects import machine_headers

AS_OF = "2026-01-01"


@pytest.fixture()
def companies(tmp_path):
    """The example company list copied to tmp_path (tests write beside it)."""
    path = tmp_path / "companies.csv"
    shutil.copyfile(example_path(), path)
    return path


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_example_gives_exit_3_and_the_summary_line(cli, companies, tmp_path):
    out = tmp_path / "out" / "results.xlsx"
    out.parent.mkdir()
    rej = tmp_path / "out" / "rejects.csv"
    res = cli("score", "--lang", "en", companies, "--sites", "builtin", "--allocate", "-o", out,
              "--rejects", rej, "--as-of", AS_OF)  # fmt: skip
    assert res.exit_code == 3, res.output
    assert f"50 ranked, 2 rejected -> {rej}" in res.stderr
    assert "allocation: " in res.stderr and "Traceback" not in res.output
    assert "warning: ignored column(s) 'Примечание'" in res.stderr
    assert f"wrote {out}" in res.stdout
    book = read_book(out)
    assert set(book) == {"results", "companies", "allocation"}
    assert book["companies"]["company_id"].nunique() == 50
    rejects = machine_headers(read_out_csv(rej))  # ";" as the example list
    assert rejects["row"].tolist() == [20, 38] and rejects["reason"].str.len().min() > 10
    man = json.loads((tmp_path / "out" / "results.xlsx.manifest.json").read_text("utf-8"))
    assert man["command_line"].startswith("planner score ")
    assert "--allocate" in man["command_line"] and man["counts"]["ranked"] == 50


def test_all_valid_exit_0_and_default_rejects_not_written(cli, tmp_path):
    src = write(tmp_path / "ok.csv", "name;land_ha;sector\nA;2;it\nB;5,5;food\n")
    out = tmp_path / "r.csv"
    res = cli("score", "--lang", "en", src, "-o", out, "--as-of", AS_OF)
    assert res.exit_code == 0, res.output
    assert "2 ranked (of 2 rows" in res.stderr
    assert out.exists() and (tmp_path / "r.companies.csv").exists()
    assert not (tmp_path / "r.rejects.csv").exists()


def test_nothing_valid_exit_1_with_rejects(cli, tmp_path):
    src = write(tmp_path / "bad.csv", "name;land_ha\n;3\nX;много\n")
    out = tmp_path / "r.gpkg"
    res = cli("score", "--lang", "en", src, "-o", out, "--as-of", AS_OF)
    assert res.exit_code == 1, res.output
    assert "0 ranked, 2 rejected -> " in res.stderr
    assert "error: no company could be ranked: every row was rejected" in res.stderr
    assert (tmp_path / "r.rejects.csv").exists() and not out.exists()


def test_no_feasible_site_for_anyone_exit_1(cli, tmp_path):
    src = write(tmp_path / "huge.csv", "name;land_ha\nHuge;90000\n")
    res = cli("score", "--lang", "en", src, "-o", tmp_path / "r.csv", "--as-of", AS_OF)
    assert res.exit_code == 1
    assert "0 ranked, 1 without a feasible site (land)" in res.stderr
    comp = read_out_csv(tmp_path / "r.companies.csv")
    assert comp.loc[0, "no_site_reason"] == "land" and "90000" in comp.loc[0, "no_site_detail"]


def test_csv_semicolon_option(cli, companies, tmp_path):
    out = tmp_path / "r.csv"
    res = cli("score", "--lang", "en",
              companies, "-o", out, "--csv-sep", ";", "--as-of", AS_OF, "--quiet")
    assert res.exit_code == 3, res.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("company_id;row;name;")
    df = pd.read_csv(out, sep=";", decimal=",", encoding="utf-8-sig")
    assert df["score"].dtype.kind == "f" and df["score"].between(0, 100).all()
    assert "warning:" not in res.stderr and res.stdout == ""  # --quiet
    assert "50 ranked, 2 rejected" in res.stderr


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson"])
def test_gis_outputs_carry_points(cli, companies, tmp_path, suffix):
    out = tmp_path / f"r{suffix}"
    res = cli("score", "--lang", "en", companies, "-o", out, "--as-of", AS_OF)
    assert res.exit_code == 3, res.output
    gdf = gpd.read_file(out, layer="results") if suffix == ".gpkg" else gpd.read_file(out)
    assert (gdf.geometry.geom_type == "Point").all() and gdf.crs.to_epsg() == 4326
    assert gdf["company_id"].nunique() == 50


def test_existing_output_without_overwrite_touches_nothing(cli, companies, tmp_path):
    out = tmp_path / "r.xlsx"
    out.write_bytes(b"previous")
    res = cli("score", "--lang", "en", companies, "-o", out, "--map", tmp_path / "m.html")
    assert res.exit_code == 1
    assert "already exists; pass --overwrite" in res.stderr and "Traceback" not in res.output
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["companies.csv", "r.xlsx"]
    # a stale rejects file alone also stops the run before any work
    out.unlink()
    (tmp_path / "r.rejects.csv").write_text("old", encoding="utf-8")
    res = cli("score", "--lang", "en", companies, "-o", out)
    assert res.exit_code == 1 and not out.exists()
    res = cli("score", "--lang", "en", companies, "-o", out, "--overwrite", "--as-of", AS_OF)
    assert res.exit_code == 3 and out.exists()
    # the example is a ";" list: its rejects are too
    text = (tmp_path / "r.rejects.csv").read_text("utf-8-sig")
    assert text.startswith("File row;Id;Column;Value;")  # headed in --lang


def test_unwritable_output_folder(cli, companies, tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x", encoding="utf-8")
    res = cli("score", "--lang", "en", companies, "-o", blocker / "r.csv")
    assert res.exit_code == 1 and res.stderr.startswith("error: cannot write into folder")
    res = cli("score", "--lang", "en", companies, "-o", tmp_path / "missing" / "r.csv")
    assert res.exit_code == 1 and "does not exist; create it first" in res.stderr


def test_allocate_max_share_and_robustness(cli, companies, tmp_path):
    out = tmp_path / "r.xlsx"
    res = cli("score", "--lang", "en", companies, "-o", out, "--allocate", "--max-share", "0.1",
              "--robustness", "--top", "5", "--as-of", AS_OF)  # fmt: skip
    assert res.exit_code == 3, res.output
    book = read_book(out)
    results, alloc = book["results"], book["allocation"]
    assert {"allocated", "p_first", "rank_p5", "rank_p95", "flip_en", "flip_ru"} <= set(
        results.columns
    )
    got = alloc[alloc["allocated"]]
    assert got.groupby("group").size().max() <= 5  # floor(0.1 * 50)
    assert (alloc.loc[~alloc["allocated"], "reason"].astype(str) != "").all()
    assert "unassigned: " in res.stderr
    top = results[results["rank"] <= 5]
    assert top["p_first"].between(0, 1).all() and (top["rank_p5"] <= top["rank_p95"]).all()


def test_map_written(cli, companies, tmp_path):
    out, page = tmp_path / "r.csv", tmp_path / "m.html"
    res = cli("score", "--lang", "en", companies, "-o", out, "--map", page, "--as-of", AS_OF)
    assert res.exit_code == 3, res.output
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in html
    assert (tmp_path / "m.html.manifest.json").exists()


def test_usage_errors(cli, companies, tmp_path):
    res = cli("score", "--lang", "en", companies, "-o", tmp_path / "r.csv", "--as-of", "31.12.2025")
    assert res.exit_code == 2
    res = cli("score", "--lang", "en", companies, "-o", tmp_path / "r.csv", "--max-share", "0.3")
    assert res.exit_code == 1 and "only applies to the allocation" in res.stderr
    res = cli("score", "--lang", "en", companies, "-o", tmp_path / "r.txt")
    assert res.exit_code == 1 and "unknown file type" in res.stderr
    res = cli("score", "--lang", "en", tmp_path / "missing.csv", "-o", tmp_path / "r.csv")
    assert res.exit_code == 1 and "Traceback" not in res.output
    res = cli("score", "--lang", "en", companies, "-o", tmp_path / "r.csv", "--scenario", "nope")
    assert res.exit_code == 1 and "nope" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["companies.csv"]


def test_help_documents_exit_codes(cli):
    res = cli("score", "--lang", "en", "--help")
    assert res.exit_code == 0
    text = " ".join(res.stdout.split())
    assert "Exit codes: 0 every row ranked" in text and "3 finished" in text


def test_xlsx_company_list_with_sheet_and_cp1251_csv(cli, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "other"
    ws = book.create_sheet("Список")
    ws.append(["Наименование", "Площадь, га", "Отрасль", "score", "site_id"])
    ws.append(["ТОО «Альфа»", 3, "it", "x", "y"])
    book.save(tmp_path / "list.xlsx")
    res = cli("score", "--lang", "en",
              tmp_path / "list.xlsx", "--sheet", "Список", "-o", tmp_path / "a.csv",
              "--as-of", AS_OF)  # fmt: skip
    assert res.exit_code == 0, res.output
    df = pd.read_csv(tmp_path / "a.csv", encoding="utf-8-sig")
    assert df.loc[0, "name"] == "ТОО «Альфа»"
    # the file's own "score" / "site_id" columns do not overwrite the results' ones
    assert df.loc[0, "score (file)"] == "x" and df.loc[0, "site_id (file)"] == "y"
    assert df["score"].dtype.kind == "f" and df.loc[0, "site_id"] != "y"
    (tmp_path / "l.csv").write_bytes("name;land_ha\nОмега;2\n".encode("cp1251"))
    res = cli("score", "--lang", "en",
              tmp_path / "l.csv", "--encoding", "cp1251", "-o", tmp_path / "b.csv",
              "--as-of", AS_OF)  # fmt: skip
    assert res.exit_code == 0, res.output
    # a ";" cp1251 list in: ";" cp1251 results out
    assert read_out_csv(tmp_path / "b.csv", encoding="cp1251").loc[0, "name"] == "Омега"
