"""Safe outputs (planner.render.outputs): formats, formula injection, atomicity, manifests."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
from importlib import metadata
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import Transformer

import planner
from planner import InputError, OutputError, OutputExistsError
from planner._atomic import manifest_path
from planner.inputs.companies import read_companies
from planner.render import outputs as out

EXAMPLE = Path(__file__).resolve().parents[1] / "geodata" / "examples" / "companies.csv"

HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "<img src=x onerror=alert(1)>",
    "`backtick` name",
    "${x}",
]
TRIGGERS = tuple("=+-@\t\r")


def hostile_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": HOSTILE,
            "score": np.linspace(-4.5, 3.5, len(HOSTILE)),  # negative numbers stay numbers
            "rank": pd.array(range(1, len(HOSTILE) + 1), dtype="Int64"),
            "note": pd.Series(["ok"] * (len(HOSTILE) - 1) + [None], dtype="str"),
        }
    )


def read_csv_cells(path: Path, sep: str) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel then shows Cyrillic
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=sep))


# --------------------------------------------------------------------------------------
# formula injection
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_csv_cells_are_inert(tmp_path, sep):
    path = out.write_table(hostile_frame(), tmp_path / "t.csv", csv_sep=sep)
    rows = read_csv_cells(path, sep)
    assert rows[0] == ["name", "score", "rank", "note"]
    for value, row in zip(HOSTILE, rows[1:], strict=True):
        cell = row[0]
        if value.startswith(TRIGGERS):
            assert cell == "'" + value
        else:
            assert cell == value  # HTML-ish text is plain text in a CSV: unchanged
        assert not cell.startswith(TRIGGERS)
    scores = [row[1] for row in rows[1:]]
    assert scores[0] == ("-4,5" if sep == ";" else "-4.5")  # a number, not "'-4.5"
    assert rows[-1][3] == ""  # missing text -> empty cell


def test_xlsx_cells_are_strings_not_formulas(tmp_path):
    path = out.write_table(hostile_frame(), tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(path).active  # data_only=False: formulas would show as "f"
    for r, value in enumerate(HOSTILE, start=2):
        cell = ws.cell(row=r, column=1)
        assert cell.data_type == "s", (value, cell.data_type)
        text = cell.value.replace("_x000D_", "\r")  # OOXML's escape for a carriage return
        assert text == ("'" + value if value.startswith(TRIGGERS) else value)
        score = ws.cell(row=r, column=2)
        assert score.data_type == "n" and isinstance(score.value, float)
    assert ws.cell(row=2, column=2).value == -4.5
    assert ws.cell(row=len(HOSTILE) + 1, column=4).value is None


def test_headers_are_neutralized_too(tmp_path):
    df = pd.DataFrame({"=cmd|' /C calc'!A0": ["x"], "ok": [1]})
    rows = read_csv_cells(out.write_table(df, tmp_path / "h.csv"), ",")
    assert rows[0] == ["'=cmd|' /C calc'!A0", "ok"]
    ws = openpyxl.load_workbook(out.write_table(df, tmp_path / "h.xlsx")).active
    assert ws["A1"].value == "'=cmd|' /C calc'!A0" and ws["A1"].data_type == "s"


def test_mixed_object_column(tmp_path):
    df = pd.DataFrame({"v": pd.Series([-1, "=1+1", 2.5, None], dtype=object)})
    neutral = out.neutralize_formulas(df)["v"].tolist()
    assert neutral[:3] == [-1, "'=1+1", 2.5] and neutral[3] is None
    assert df["v"].iat[1] == "=1+1"  # the input is not modified


def test_companies_roundtrip_keeps_hostile_names_inert(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text('name;land_ha\n"=HYPERLINK(""http://x"",""y"")";2\n${x};3\n', encoding="utf-8")
    table = read_companies(src)
    assert table.valid["name"].iat[0] == '=HYPERLINK("http://x","y")'  # data kept as given
    path = out.write_table(table.valid, tmp_path / "ranked.xlsx")
    ws = openpyxl.load_workbook(path).active
    names = {c.value: c.data_type for c in ws["C"][1:]}
    assert names == {'\'=HYPERLINK("http://x","y")': "s", "${x}": "s"}


# --------------------------------------------------------------------------------------
# CSV / XLSX content
# --------------------------------------------------------------------------------------
def test_csv_semicolon_comma_decimals_roundtrip(tmp_path):
    table = read_companies(EXAMPLE)
    path = out.write_table(table.valid, tmp_path / "c.csv", csv_sep=";")
    back = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig", dtype={"oked": str})
    assert back["land_ha"].tolist() == table.valid["land_ha"].tolist()
    assert back["name"].tolist() == table.valid["name"].tolist()
    assert "ТОО «Қазақ Тас Өнімдері»" in back["name"].tolist()
    assert back["oked"].fillna("").tolist() == table.valid["oked"].tolist()
    # and the rejects file can be read again by the planner: nothing is lost
    rej = out.write_table(table.rejects, tmp_path / "rejects.csv", csv_sep=";")
    again = read_companies(rej)
    assert again.rejects["row"].tolist() == [2, 3] and len(again.valid) == 0
    assert again.rejects["row (file)"].tolist() == ["20", "38"]
    assert again.rejects["reason (file)"].tolist() == table.rejects["reason"].tolist()


def test_xlsx_sheets_and_names(tmp_path):
    df = hostile_frame()
    summary = pd.DataFrame({"company": ["=A"], "n": [3]})
    path = out.write_table(
        df, tmp_path / "r.xlsx", sheets={"summary": summary, "a/b:c*" + "x" * 40: df}
    )
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["table", "summary", "a_b_c_" + "x" * 25]
    with pytest.raises(InputError, match="clashes with another sheet"):
        out.write_table(df, tmp_path / "s.xlsx", sheets={"table": summary})
    assert not (tmp_path / "s.xlsx").exists()


def test_xlsx_summary_sheet_content(tmp_path):
    summary = pd.DataFrame({"company": ["=A", "B"], "n": [3, -1]})
    wb = openpyxl.load_workbook(
        out.write_table(hostile_frame(), tmp_path / "r.xlsx", sheets={"summary": summary})
    )
    assert wb.sheetnames == ["table", "summary"]
    ws = wb["summary"]
    assert [c.value for c in ws[2]] == ["'=A", 3] and ws["B3"].value == -1


def test_xlsx_special_values(tmp_path):
    df = pd.DataFrame(
        {
            "limit_km": [np.inf, 5.0, np.nan],
            "when": pd.to_datetime(["2025-01-01 10:00"] * 3).tz_localize("Asia/Almaty"),
            "ok": pd.array([True, None, False], dtype="boolean"),
        }
    )
    ws = openpyxl.load_workbook(out.write_table(df, tmp_path / "v.xlsx")).active
    assert [ws["A2"].value, ws["A3"].value, ws["A4"].value] == ["inf", 5, None]
    assert ws["B2"].value == dt.datetime(2025, 1, 1, 5, 0)  # stored in UTC
    assert [ws["C2"].value, ws["C3"].value, ws["C4"].value] == [True, None, False]


def test_geodataframe_to_csv_gets_lon_lat(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"site_id": ["a"]}, geometry=[shapely.Point(500000, 4800000)], crs="EPSG:32643"
    )
    rows = read_csv_cells(out.write_table(gdf, tmp_path / "g.csv"), ",")
    lon, lat = Transformer.from_crs(32643, 4326, always_xy=True).transform(500000, 4800000)
    assert rows[0] == ["site_id", "lon", "lat"]
    assert float(rows[1][1]) == pytest.approx(lon, abs=1e-9)
    assert float(rows[1][2]) == pytest.approx(lat, abs=1e-9)


# --------------------------------------------------------------------------------------
# GIS formats
# --------------------------------------------------------------------------------------
def test_gpkg_is_epsg4326_with_extra_layers(tmp_path):
    xs, ys = np.array([420000.0, 500000.0]), np.array([4790000.0, 4850000.0])
    gdf = gpd.GeoDataFrame(
        {"site_id": ["s1", "s2"], "score": [-1.0, 80.5], "name": ["=A", "Б"]},
        geometry=shapely.points(xs, ys),
        crs="EPSG:32643",
    )
    summary = pd.DataFrame({"company_id": ["c-1"], "best_site": ["s2"]})
    path = out.write_table(gdf, tmp_path / "scored.gpkg", sheets={"summary": summary})
    layers = dict(pyogrio.list_layers(path))
    assert layers == {"scored": "Point", "summary": None}
    back = gpd.read_file(path, layer="scored")
    assert back.crs.to_epsg() == 4326
    lon, lat = Transformer.from_crs(32643, 4326, always_xy=True).transform(xs, ys)
    assert np.allclose(back.geometry.x, lon, atol=1e-9) and np.allclose(
        back.geometry.y, lat, atol=1e-9
    )
    assert back["name"].tolist() == ["=A", "Б"]  # GIS attributes are data, not formulas
    assert pyogrio.read_dataframe(path, layer="summary")["best_site"].tolist() == ["s2"]
    with pytest.raises(InputError, match="also the main layer's name"):
        out.write_table(gdf, tmp_path / "x.gpkg", sheets={"X": summary})


def test_geojson_from_lon_lat_table(tmp_path):
    df = pd.DataFrame({"lon": [76.9, 77.05], "lat": [43.25, 43.86], "limit_km": [np.inf, 2.0]})
    path = out.write_table(df, tmp_path / "p.geojson")
    doc = json.loads(path.read_text(encoding="utf-8"))
    coords = [f["geometry"]["coordinates"] for f in doc["features"]]
    assert coords == [[76.9, 43.25], [77.05, 43.86]]
    assert [f["properties"]["limit_km"] for f in doc["features"]] == [None, 2.0]
    with pytest.raises(InputError, match="GeoJSON file holds one table"):
        out.write_table(df, tmp_path / "q.geojson", sheets={"s": df})


def test_gis_input_errors(tmp_path):
    with pytest.raises(InputError, match="needs geometry"):
        out.write_table(pd.DataFrame({"a": [1]}), tmp_path / "a.gpkg")
    with pytest.raises(InputError, match=r"rows \[1\] have no lon/lat"):
        out.write_table(
            pd.DataFrame({"lon": [77.0, np.nan], "lat": [43.0, 43.1]}), tmp_path / "b.gpkg"
        )
    no_crs = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(77, 43)])
    with pytest.raises(InputError, match="has no CRS"):
        out.write_table(no_crs, tmp_path / "c.geojson")
    assert not any(tmp_path.iterdir())


def test_format_and_option_errors(tmp_path):
    df = pd.DataFrame({"a": [1]})
    with pytest.raises(InputError, match="unknown file type '.parquet'"):
        out.write_table(df, tmp_path / "a.parquet")
    with pytest.raises(InputError, match="csv_sep '\\|' is not supported"):
        out.write_table(df, tmp_path / "a.csv", csv_sep="|")


# --------------------------------------------------------------------------------------
# atomicity and overwrite
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".gpkg", ".geojson"])
def test_existing_output_needs_overwrite(tmp_path, suffix):
    df = pd.DataFrame({"lon": [77.0], "lat": [43.5], "v": ["first"]})
    path = out.write_table(df, tmp_path / f"o{suffix}")
    before = path.read_bytes()
    with pytest.raises(OutputExistsError, match="already exists; pass --overwrite"):
        out.write_table(df.assign(v="second"), path)
    assert path.read_bytes() == before
    out.write_table(df.assign(v="second"), path, overwrite=True)
    assert path.read_bytes() != before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temp files left


def test_csv_sibling_sheets_refused_before_anything_is_written(tmp_path):
    df = pd.DataFrame({"a": [1]})
    (tmp_path / "r.summary.csv").write_text("old", encoding="utf-8")
    with pytest.raises(OutputExistsError):
        out.write_table(df, tmp_path / "r.csv", sheets={"summary": df})
    assert not (tmp_path / "r.csv").exists()
    assert (tmp_path / "r.summary.csv").read_text(encoding="utf-8") == "old"
    out.write_table(df, tmp_path / "r.csv", sheets={"summary": df.assign(b=2)}, overwrite=True)
    assert read_csv_cells(tmp_path / "r.summary.csv", ",") == [["a", "b"], ["1", "2"]]


def test_unwritable_folder_parent_is_a_file(tmp_path):
    # works as root too (chmod does not stop root): a "folder" that is really a file
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="cannot write into folder"):
        out.write_table(pd.DataFrame({"a": [1]}), blocker / "out.csv")


def test_missing_folder(tmp_path):
    with pytest.raises(OutputError, match="does not exist; create it first"):
        out.write_table(pd.DataFrame({"a": [1]}), tmp_path / "nope" / "out.xlsx")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".gpkg"])
def test_failed_final_move_keeps_previous_output(tmp_path, monkeypatch, suffix):
    df = pd.DataFrame({"lon": [77.0], "lat": [43.5], "v": ["old"]})
    path = out.write_table(df, tmp_path / f"keep{suffix}")
    before = path.read_bytes()

    def deny(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(os, "replace", deny)
    with pytest.raises(
        OutputError, match="Permission denied; any previous file there is unchanged"
    ):
        out.write_table(df.assign(v="new"), path, overwrite=True)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_writer_crash_midway_keeps_previous_output(tmp_path, monkeypatch):
    path = out.write_table(pd.DataFrame({"a": [1]}), tmp_path / "w.csv")
    before = path.read_bytes()

    def crash(self, target, **kw):
        Path(target).write_text("partial", encoding="utf-8")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", crash)
    with pytest.raises(OutputError, match="No space left on device"):
        out.write_table(pd.DataFrame({"a": [2]}), path, overwrite=True)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["w.csv"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_folder_as_user(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = out.write_table(pd.DataFrame({"a": [1]}), folder / "x.csv")
    before = path.read_bytes()
    folder.chmod(0o555)
    try:
        with pytest.raises(OutputError):
            out.write_table(pd.DataFrame({"a": [2]}), path, overwrite=True)
    finally:
        folder.chmod(0o755)
    assert path.read_bytes() == before


# --------------------------------------------------------------------------------------
# manifest
# --------------------------------------------------------------------------------------
class _Scenario:
    name = "bakad-perimeter"
    hash = "0123456789ab"


def test_manifest(tmp_path):
    output = out.write_table(pd.DataFrame({"a": [1]}), tmp_path / "ranking.csv")
    layers_dir = tmp_path / "layers"
    layers_dir.mkdir()
    (layers_dir / "zones.geojson").write_text("{}", encoding="utf-8")
    table = read_companies(EXAMPLE)
    path = out.write_manifest(
        output,
        inputs={
            "companies": EXAMPLE,
            "layers": layers_dir,
            "builtin_layers": None,
            "sites": "grid",
        },
        scenario=_Scenario(),
        as_of=dt.date(2025, 6, 1),
        counts={**table.counts(), "sites": np.int64(12)},
        warnings=table.warnings,
        extra={"top_k": 10, "limit": float("inf")},
        command=["planner", "score", "companies list.csv"],
    )
    assert path == tmp_path / "ranking.csv.manifest.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["inputs"]["companies"]["sha256"] == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert doc["inputs"]["companies"]["bytes"] == EXAMPLE.stat().st_size
    assert doc["inputs"]["layers"]["files"] == 1 and len(doc["inputs"]["layers"]["sha256"]) == 64
    assert doc["inputs"]["builtin_layers"] == {"builtin": True}
    assert doc["inputs"]["sites"] == {"spec": "grid"}
    assert doc["output"]["sha256"] == hashlib.sha256(output.read_bytes()).hexdigest()
    assert doc["scenario"] == {"name": "bakad-perimeter", "hash": "0123456789ab"}
    assert doc["as_of"] == "2025-06-01"
    assert doc["counts"] == {
        "rows_in": 52,
        "valid": 50,
        "rejected": 2,
        "blank_rows": 0,
        "warnings": 1,
        "sites": 12,
    }
    assert doc["warnings"] == table.warnings
    assert doc["command_line"] == "planner score 'companies list.csv'"
    assert doc["extra"] == {"top_k": 10, "limit": None}
    versions = doc["versions"]
    assert versions["planner"] == planner.__version__
    for pkg in ("numpy", "pandas", "geopandas", "shapely", "pyproj"):
        assert versions[pkg] == metadata.version(pkg)
    # refuses to clobber, like every output
    with pytest.raises(OutputExistsError):
        out.write_manifest(output, inputs={})
    out.write_manifest(output, inputs={}, overwrite=True)
    assert json.loads(path.read_text(encoding="utf-8"))["inputs"] == {}


def test_manifest_errors(tmp_path):
    with pytest.raises(InputError, match="write the output first"):
        out.write_manifest(tmp_path / "none.csv", inputs={})
    output = out.write_table(pd.DataFrame({"a": [1]}), tmp_path / "o.csv")
    with pytest.raises(InputError, match="manifest input 'companies'.*does not exist"):
        out.write_manifest(output, inputs={"companies": tmp_path / "missing.csv"})
    assert not manifest_path(output).exists()
