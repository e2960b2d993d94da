"""Issue 12, item 6: limits that can be checked before reading or scoring are.

Before: a company list too long for an Excel sheet failed after 2.5 min and 9.5 GB of
scoring; ``--rejects EXISTING`` was refused only after reading the whole list.
"""

from __future__ import annotations

import pytest

from planner.errors import InputError
from planner.inputs.companies import example_path
from planner.jobs import batch, batch_outputs
from planner.jobs.batch_outputs import EXCEL_DATA_ROWS, check_result_rows, result_rows_limit


def _never(what: str):
    def fail(*args, **kwargs):
        raise AssertionError(f"{what} ran before the limit was checked")

    return fail


def test_existing_rejects_file_is_refused_before_reading(cli, tmp_path, monkeypatch):
    (tmp_path / "rejects.csv").write_text("keep me")
    monkeypatch.setattr(batch, "read_companies", _never("reading the company list"))
    res = cli("score", example_path(), "-o", tmp_path / "r.xlsx", "--rejects",
              tmp_path / "rejects.csv")  # fmt: skip
    assert res.exit_code == 1, res.output
    assert "уже существует" in " ".join(res.output.split())  # Russian by default
    assert (tmp_path / "rejects.csv").read_text() == "keep me"


def test_too_many_rows_for_an_excel_sheet_refused_before_scoring(cli, tmp_path, monkeypatch):
    # 52 example companies x --top 10 = 520 rows; an "Excel sheet" of 100 rows here
    monkeypatch.setattr(batch_outputs, "EXCEL_DATA_ROWS", 100)
    monkeypatch.setattr(batch, "score_companies", _never("scoring"))
    res = cli("score", example_path(), "-o", tmp_path / "r.xlsx", "--top", "10", "--lang", "en")
    assert res.exit_code == 1, res.output
    text = " ".join(res.output.split())
    assert "more than an Excel sheet holds (100)" in text and "-o results.csv" in text
    assert not list(tmp_path.iterdir())


def test_the_same_list_to_csv_is_not_limited(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(batch_outputs, "EXCEL_DATA_ROWS", 100)
    res = cli("score", example_path(), "-o", tmp_path / "r.csv", "--top", "10",
              "--as-of", "2026-01-01")  # fmt: skip
    assert res.exit_code in (0, 3), res.output


def test_result_rows_estimate():
    assert result_rows_limit("r.xlsx") == EXCEL_DATA_ROWS == 1_048_575
    assert result_rows_limit("r.gpkg") is None
    check_result_rows(104_857, 20, 10, EXCEL_DATA_ROWS)  # 1,048,570 rows fit
    with pytest.raises(InputError, match="1\u202f048\u202f580 result rows"):  # format_number
        check_result_rows(104_858, 20, 10, EXCEL_DATA_ROWS)
    check_result_rows(10**9, 0, 10, EXCEL_DATA_ROWS)  # no sites: no rows
    check_result_rows(10**9, 20, 10, None)
