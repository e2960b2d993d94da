"""Issue 12, the table reader: mixed encodings (2), hostile workbooks (4), long cells (9)
and a ZIP named .csv (17).

Each test reproduces what used to happen (mojibake read "correctly", 8 GB for a stray
cell at XFD, a ZIP bomb read whole, a ``_csv.Error`` traceback, "an Excel workbook" for
any ZIP) and checks the clear message or the correct read. The workbooks are built in the
test, small on disk; the memory of the hostile reads is measured in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import PatternFill

import planner
from planner.errors import InputError
from planner.inputs import workbook
from planner.inputs.companies import read_companies
from planner.inputs.tables import decode_text, read_table

ROWS = [
    "name;area_ha;sector",
    "ООО «СтройБлок Восток»;12,5;building_materials",
    "АО «Уральский кирпич»;35;building_materials",
    "ТОО «Қазақ Астық»;8;food",
    "ИП Сергеев;4;food",
    "ТОО «Алматы Логистик»;20;logistics",
]

# --------------------------------------------------------------------------- item 2


def _mixed(main: str, pasted: str, pasted_at=(2, 3)) -> bytes:
    out = []
    for i, line in enumerate(ROWS):
        enc = pasted if i in pasted_at else main
        out.append(line.encode(enc, errors="replace"))
    return b"\r\n".join(out) + b"\r\n"


@pytest.mark.parametrize(
    ("main", "pasted", "minority"),
    [("cp1251", "utf-8", "UTF-8 (lines 3, 4)"), ("kz1048", "utf-8", "UTF-8 (lines 3, 4)"),
     ("utf-8", "cp1251", "cp1251 (lines 3, 4)")],
)
def test_mixed_encodings_are_refused_naming_the_lines(tmp_path, main, pasted, minority):
    data = _mixed(main, pasted)
    if main == "utf-8":
        minority = "such as cp1251 (lines 3, 4)"
    path = tmp_path / "c.csv"
    path.write_bytes(data)
    with pytest.raises(InputError, match="mixes two encodings") as err:
        read_table(path)
    assert minority in str(err.value) and str(path) in str(err.value)
    # the same with a UTF-8 byte-order mark
    path.write_bytes(b"\xef\xbb\xbf" + data)
    with pytest.raises(InputError, match="mixes two encodings"):
        read_table(path)


@pytest.mark.parametrize("enc", ["cp1251", "kz1048", "cp866", "utf-8"])
def test_single_encoding_files_still_read(tmp_path, enc):
    text = "\r\n".join(ROWS) + "\r\n"
    data = text.encode(enc, errors="replace")
    got, used = decode_text(data)
    assert got == data.decode(enc) and got.encode(used) == data


def test_example_list_in_every_code_page_reads():
    text = Path(planner.inputs.companies.example_path()).read_text("utf-8-sig")
    for enc in ("cp1251", "kz1048", "cp866"):
        data = text.encode(enc, errors="replace")
        got, used = decode_text(data)
        assert got.encode(used) == data


# --------------------------------------------------------------------------- item 9


def test_cell_over_the_csv_field_limit_is_read(tmp_path):
    long_note = "x" * 200_000
    path = tmp_path / "c.csv"
    path.write_text(f'name;area_ha;note\nAlpha;5;"{long_note}"\nBeta;6;short\n', "utf-8")
    raw = read_table(path)
    assert raw.separator == ";" and raw.header == ["name", "area_ha", "note"]
    assert raw.records[0][2] == long_note and raw.records[1] == ["Beta", "6", "short"]
    # as the first cell of the header too (the sniffer used to raise _csv.Error)
    path.write_text(f"{long_note};b\n1;2\n", "utf-8")
    assert read_table(path).header[1] == "b"


# --------------------------------------------------------------------------- item 17


def test_zip_named_csv_is_not_called_a_workbook(tmp_path):
    path = tmp_path / "c.csv"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("companies.csv", "\n".join(ROWS))
    with pytest.raises(InputError) as err:
        read_table(path)
    msg = str(err.value)
    assert "ZIP archive, not an Excel workbook" in msg and "'companies.csv'" in msg
    assert "unpack it" in msg
    xlsx = tmp_path / "c.xlsx"
    xlsx.write_bytes(path.read_bytes())
    with pytest.raises(InputError, match="ZIP archive, not an Excel workbook"):
        read_table(xlsx)
    # a real workbook named .csv is still told apart
    wb = openpyxl.Workbook()
    wb.active.append(["name"])
    wb.save(tmp_path / "w.csv")
    with pytest.raises(InputError, match=r"Excel workbook \(\.xlsx\) with a \.csv name"):
        read_table(tmp_path / "w.csv")


# --------------------------------------------------------------------------- item 4


def _workbook_with_stray_cells(path: Path, n_rows: int = 300) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["name", "area_ha", "sector"])
    for i in range(n_rows):
        ws.append([f"Company {i}", 5 + i % 7, "food"])
    ws["XFD1"] = "note"  # a header far to the right
    ws["XFD1048576"].fill = PatternFill("solid", fgColor="FFFF00")  # formatting, no value
    wb.save(path)


_MEASURE = """
import json, resource, sys
from planner.errors import InputError
from planner.inputs.tables import read_table
try:
    raw = read_table(sys.argv[1])
    out = {"header": raw.header, "n": len(raw.records), "blank": raw.blank_rows,
           "rows": raw.rows[-1]}
except InputError as exc:
    out = {"error": str(exc)}
# peak RSS of this process image: VmHWM (ru_maxrss survives execve on Linux, so it
# would report the forking pytest process's size)
hwm = [ln for ln in open("/proc/self/status") if ln.startswith("VmHWM:")]
out["maxrss_mb"] = (int(hwm[0].split()[1]) if hwm else
                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024
print(json.dumps(out))
"""


def _measure(path: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(Path(planner.__file__).parents[1])}
    res = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], capture_output=True,
                         text=True, timeout=300, env=env)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_stray_cell_at_xfd_reads_the_used_range_in_bounded_memory(tmp_path):
    path = tmp_path / "stray.xlsx"
    _workbook_with_stray_cells(path)
    assert path.stat().st_size < 50_000
    with zipfile.ZipFile(path) as zf:  # the declared dimension is the whole sheet
        assert b'ref="A1:XFD1048576"' in zf.read("xl/worksheets/sheet1.xml")[:2000]
    out = _measure(path)
    assert out["header"] == ["name", "area_ha", "sector", "note"]
    assert out["n"] == 300 and out["rows"] == 301 and out["blank"] == 0
    assert out["maxrss_mb"] < 500, out


def test_stray_cells_read_in_process_keep_numbers_and_names(tmp_path):
    path = tmp_path / "stray.xlsx"
    _workbook_with_stray_cells(path, n_rows=5)
    raw = read_table(path)
    assert raw.records[0] == ["Company 0", "5", "food"]
    assert raw.numeric_cells[0] == (2, 1, "B2", "5")
    companies = read_companies(path)
    assert len(companies.valid) == 5 and companies.valid["row"].tolist() == [2, 3, 4, 5, 6]


def _bomb(path: Path, unpacked: int) -> None:
    """A workbook whose sheet XML is ``unpacked`` bytes of rows, deflated to ~1/1000."""
    wb = openpyxl.Workbook()
    wb.active.append(["name"])
    wb.save(path)
    with zipfile.ZipFile(path) as src:
        parts = {n: src.read(n) for n in src.namelist()}
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 20_000
    head = parts["xl/worksheets/sheet1.xml"].split(b"<sheetData")[0] + b"<sheetData>"
    tail = b"</sheetData></worksheet>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in parts.items():
            if name != "xl/worksheets/sheet1.xml":
                zf.writestr(name, data)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(head)
            written = 0
            while written < unpacked:
                fh.write(row)
                written += len(row)
            fh.write(tail)


def test_zip_bomb_is_refused_before_unpacking(tmp_path):
    path = tmp_path / "bomb.xlsx"
    _bomb(path, workbook.MAX_UNPACKED_BYTES + (16 << 20))
    assert path.stat().st_size < 8 << 20  # a few MB on disk
    out = _measure(path)
    assert "unpacks to" in out["error"] and "ZIP bomb" in out["error"]
    assert str(path) in out["error"] and "CSV UTF-8" in out["error"]
    assert out["maxrss_mb"] < 500, out


def test_cell_and_span_caps_stop_the_read(tmp_path, monkeypatch):
    path = tmp_path / "many.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["name", "area_ha"])
    for i in range(50):
        ws.append([f"c{i}", i])
    ws["XFD30"] = "far"
    wb.save(path)
    monkeypatch.setattr(workbook, "MAX_CELLS", 40)
    with pytest.raises(InputError, match=r"more than 40 non-empty cells \(reached at row 2"):
        read_table(path)
    monkeypatch.setattr(workbook, "MAX_CELLS", 10**6)
    monkeypatch.setattr(workbook, "MAX_SPAN", 10_000)
    with pytest.raises(InputError, match="row 30 ends at column XFD"):
        read_table(path)
