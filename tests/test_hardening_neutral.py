"""Issue 12 item 14: formula-neutralized names round-trip.

A name such as ``=cmd|' /C calc'!A0`` is written to CSV/XLSX as ``'=cmd...`` so no
spreadsheet runs it. Reading the results back (``planner map --results``) used to keep
the apostrophe: ``--company "=cmd..."`` was "not in the results" and the map showed
``'=cmd``. Now the mark is removed on reading (and made reversible: a name that itself
starts with ``'=`` gets one more apostrophe), and the HTML shows the original text,
escaped.
"""

from __future__ import annotations

import pandas as pd
import pytest

from planner.render.outputs import neutralize_cell, neutralize_formulas, restore_formulas

EVIL = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize("text", [EVIL, "+1", "-x", "@SUM(A1)", "'=already", "''+two",
                                  "plain", "'quoted", "ТОО «Қазақ»", ""])
def test_neutralize_then_restore_is_identity(text):
    df = pd.DataFrame({"name": [text], "=h": ["x"]})
    df["s"] = pd.array([text], dtype="string")
    safe = neutralize_formulas(df)
    cell = safe["name"].iloc[0]
    if text.lstrip("'").startswith(("=", "+", "-", "@")):
        assert cell == "'" + text and safe["s"].iloc[0] == "'" + text
    else:
        assert cell == text
    back = restore_formulas(safe.astype(object))
    assert back["name"].iloc[0] == text and back["s"].iloc[0] == text
    assert list(back.columns) == ["name", "=h", "s"]
    assert neutralize_cell(3) == 3


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_map_company_matches_the_original_name(cli, tmp_path, suffix):
    src = tmp_path / "c.csv"
    src.write_text(f'name;area_ha;sector\n"{EVIL}";5;food\nPlain Co;6;food\n', "utf-8")
    res_path = tmp_path / f"r{suffix}"
    res = cli("score", src, "-o", res_path, "--as-of", "2026-01-01", "--top", "3")
    assert res.exit_code == 0, res.output
    if suffix == ".csv":
        assert f"'{EVIL}" in res_path.read_text("utf-8-sig")  # inert in the CSV
    html = tmp_path / "m.html"
    res = cli("map", "-o", html, "--results", res_path, "--company", EVIL, "--as-of",
              "2026-01-01")
    assert res.exit_code == 0, res.output
    page = html.read_text("utf-8")
    assert "'=cmd" not in page and "&#39;=cmd" not in page and "\\u0027=cmd" not in page
    assert "=cmd|" in page or "=cmd\\u007c" in page or "=cmd&#124;" in page
