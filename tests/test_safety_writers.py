"""Issue 12, items 3, 8, 11 and the fault-injection acceptance: every writer, killed or
interrupted at each step of its atomic write or folder swap, leaves the previous output
readable, and the next run cleans up what the killed one left.

A kill is simulated in a forked child that calls ``os._exit`` just before or just after a
step (``os.replace``, the folder exchange, the removal of the previous folder); Ctrl-C
by raising KeyboardInterrupt at the same points in-process. The steps:

* a file (CSV, XLSX, GPKG, GeoJSON, manifest, HTML/TOML through atomic_output): the
  temporary file written, then ``os.replace`` over the output;
* a partitioned GeoParquet folder: ``renameat2(RENAME_EXCHANGE)`` then the removal of the
  previous folder; without the exchange (other systems) the two renames
  (output -> ``.NAME.old-PID-*``, temporary -> output) and the removal.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from planner import _atomic
from planner._atomic import atomic_output
from planner.errors import OutputError
from planner.jobs.scored_parquet import read_scored_parquet, write_scored_parquet
from planner.render import outputs as out
from planner.render import reproducible

# --------------------------------------------------------------------------- the writers


def _frame(version: int, n: int = 3) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(
        {"site_id": [f"s{i}" for i in range(n)], "v": [version] * n},
        geometry=shapely.points([76.9 + i / 100 for i in range(n)], [43.2] * n),
        crs="EPSG:4326",
    )
    gdf.attrs = {"scenario": "test", "scenario_hash": "abc", "as_of": "2026-01-01"}
    return gdf


def _table(suffix):
    def write(path: Path, version: int, overwrite: bool) -> None:
        df = _frame(version) if suffix in (".gpkg", ".geojson") else pd.DataFrame(
            {"v": [version] * 3})
        out.write_table(df, path, overwrite=overwrite)

    def read(path: Path) -> int:
        if suffix == ".csv":
            df = pd.read_csv(path, encoding="utf-8-sig")
        elif suffix == ".xlsx":
            df = pd.read_excel(path)
        else:
            df = gpd.read_file(path)
        assert df["v"].nunique() == 1 and len(df) == 3
        return int(df["v"].iloc[0])

    return write, read


def _manifest():
    def write(path: Path, version: int, overwrite: bool) -> None:
        data = path.with_name("data.txt")
        data.write_text(str(version))
        out.write_manifest(data, inputs={}, counts={"v": version}, overwrite=overwrite)

    def read(path: Path) -> int:
        return json.loads(_atomic.manifest_path(path.with_name("data.txt")).read_text())[
            "counts"]["v"]  # fmt: skip

    return write, read


def _text():
    def write(path: Path, version: int, overwrite: bool) -> None:
        with atomic_output(path, overwrite) as tmp:
            tmp.write_text(f"<html>{version}</html>")

    def read(path: Path) -> int:
        return int(path.read_text().removeprefix("<html>").removesuffix("</html>"))

    return write, read


def _parquet():
    def write(path: Path, version: int, overwrite: bool) -> None:
        write_scored_parquet(_frame(version, 5), path, overwrite=overwrite)

    def read(path: Path) -> int:
        back = read_scored_parquet(path)
        assert len(back) == 5 and back["v"].nunique() == 1
        return int(back["v"].iloc[0])

    return write, read


WRITERS = {
    "results.csv": _table(".csv"),
    "results.xlsx": _table(".xlsx"),
    "results.gpkg": _table(".gpkg"),
    "results.geojson": _table(".geojson"),
    "data.txt.manifest.json": _manifest(),
    "map.html": _text(),
    "scored.parquet": _parquet(),
}
FILE_STEPS = [("replace", 1, "before"), ("replace", 1, "after")]
DIR_STEPS = [("replace", 1, "after"), ("exchange", 1, "before"), ("exchange", 1, "after"),
             ("remove", 1, "before")]  # fmt: skip
# os.replace 1: the part file moved into the temporary folder (still writing);
# without the exchange, 2: output -> .NAME.old-*, 3: temporary folder -> output
DIR_FALLBACK_STEPS = [("replace", 1, "after"), ("replace", 2, "before"), ("replace", 2, "after"),
                      ("replace", 3, "after"), ("remove", 1, "before")]  # fmt: skip


def _cases():
    for name in WRITERS:
        if name.endswith(".parquet"):
            yield from ((name, True, s) for s in DIR_STEPS)
            yield from ((name, False, s) for s in DIR_FALLBACK_STEPS)
        else:
            yield from ((name, True, s) for s in FILE_STEPS)


CASES = list(_cases())
IDS = [f"{n}-{'x' if ex else 'noexchange'}-{s[0]}{s[1]}-{s[2]}" for n, ex, s in CASES]


def _arm(monkeypatch, step: tuple[str, int, str], action, exchange: bool) -> None:
    """Call ``action`` just before/after the nth call of the step's function."""
    what, nth, when = step
    target, name = {"replace": (os, "replace"), "exchange": (_atomic, "_exchange"),
                    "remove": (_atomic, "_remove")}[what]  # fmt: skip
    original = getattr(target, name)
    if not exchange:
        monkeypatch.setattr(_atomic, "_exchange", lambda a, b: False)
        if what == "exchange":
            original = lambda a, b: False  # noqa: E731
    calls = [0]

    def hooked(*args, **kwargs):
        calls[0] += 1
        if calls[0] == nth and when == "before":
            action()
        result = original(*args, **kwargs)
        if calls[0] == nth and when == "after":
            action()
        return result

    monkeypatch.setattr(target, name, hooked)


def _new_in_place(name: str, exchange: bool, step: tuple[str, int, str]) -> bool:
    """Whether the step comes after the new output was moved in."""
    what, nth, when = step
    if not name.endswith(".parquet"):
        return when == "after"
    if what == "remove":
        return True
    if exchange:
        return what == "exchange" and when == "after"
    return what == "replace" and nth == 3


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def _kill_child(monkeypatch, write, path, step, exchange) -> None:
    pid = os.fork()
    if pid == 0:  # the child: write version 2, killed at the step
        code = 0
        try:
            _arm(monkeypatch, step, lambda: os._exit(9), exchange)
            write(path, 2, True)
            code = 3  # the step never came
        except BaseException:
            code = 4
        finally:
            os._exit(code)
    deadline = time.monotonic() + 120
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            pytest.fail("the writer did not reach the step")
        time.sleep(0.02)
    assert os.waitstatus_to_exitcode(status) == 9, "the child did not die at the step"


@pytest.mark.parametrize(("name", "exchange", "step"), CASES, ids=IDS)
def test_killed_at_each_step_previous_output_readable_next_run_cleans(
    tmp_path, monkeypatch, name, exchange, step
):
    write, read = WRITERS[name]
    path = tmp_path / name
    write(path, 1, False)
    _kill_child(monkeypatch, write, path, step, exchange)
    # the output is readable: the previous version, or the new one once it was moved in
    assert read(path) == (2 if _new_in_place(name, exchange, step) else 1)
    # the next run cleans up the killed run's temporaries (its process is gone)
    write(path, 3, True)
    assert read(path) == 3
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(("name", "exchange", "step"), CASES, ids=IDS)
def test_ctrl_c_at_each_step_keeps_previous_output_and_leaves_nothing(
    tmp_path, monkeypatch, name, exchange, step
):
    write, read = WRITERS[name]
    path = tmp_path / name
    write(path, 1, False)

    def interrupt():
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        _arm(m, step, interrupt, exchange)
        with pytest.raises(KeyboardInterrupt):
            write(path, 2, True)
    assert read(path) == (2 if _new_in_place(name, exchange, step) else 1)
    assert _leftovers(tmp_path) == []


def test_orphaned_previous_folder_is_restored_by_the_next_run(tmp_path):
    """The original failure: killed between the two renames, no output and the data in
    .NAME.old-*; a read or the next run's output check moves it back."""
    path = tmp_path / "scored.parquet"
    write_scored_parquet(_frame(1, 5), path)
    orphan = tmp_path / ".scored.parquet.old-999999999-0123abcd"  # no such process
    os.replace(path, orphan)
    (tmp_path / ".scored.parquet.tmp-999999999-89abcdef").mkdir()
    assert read_scored_parquet(path)["v"].iloc[0] == 1  # the read restores it
    assert _leftovers(tmp_path) == []
    os.replace(path, orphan)
    _atomic.check_outputs([_atomic.Output(path, "output", (".parquet",))], overwrite=True)
    assert path.is_dir() and _leftovers(tmp_path) == []


def test_a_live_runs_temporaries_are_left_alone(tmp_path):
    live = tmp_path / f".r.tmp-{os.getppid()}-0123abcd.csv"
    live.write_text("being written")
    dead = tmp_path / ".r.tmp-999999999-0123abcd.csv"
    dead.write_text("orphan")
    journal = tmp_path / ".r.tmp-999999999-0123abcd.gpkg-journal"
    journal.write_text("orphan")
    out.write_table(pd.DataFrame({"v": [1]}), tmp_path / "r.csv")
    assert _leftovers(tmp_path) == [live.name]


# --------------------------------------------------------------------------- disk full


def _enospc_pyogrio(monkeypatch, message: str):
    import pyogrio
    import pyogrio.errors

    def full(df, path, *a, **k):
        Path(path).write_bytes(b"partial")
        raise pyogrio.errors.DataSourceError(message)

    monkeypatch.setattr(pyogrio, "write_dataframe", full)


@pytest.mark.parametrize(
    ("suffix", "message"),
    [(".gpkg", "sqlite3_exec(COMMIT) failed: database or disk is full"),
     (".geojson", "Failed to write feature: No space left on device")],
)  # fmt: skip
def test_disk_full_gis_is_a_clear_message(tmp_path, monkeypatch, suffix, message):
    write, read = _table(suffix)
    path = tmp_path / f"r{suffix}"
    write(path, 1, False)
    _enospc_pyogrio(monkeypatch, message)
    with pytest.raises(OutputError, match=r"disk full while writing .* previous r\S* is unchanged"):
        write(path, 2, True)
    monkeypatch.undo()
    assert read(path) == 1 and _leftovers(tmp_path) == []


def test_disk_full_xlsx_file_create_error_is_a_clear_message(tmp_path, monkeypatch):
    import xlsxwriter.workbook
    from xlsxwriter.exceptions import FileCreateError

    assert not issubclass(FileCreateError, OSError)
    write, read = _table(".xlsx")
    path = tmp_path / "r.xlsx"
    write(path, 1, False)

    def full(self):
        self.filename.write(b"PK partial")
        raise FileCreateError(OSError(errno.ENOSPC, "No space left on device"))

    monkeypatch.setattr(xlsxwriter.workbook.Workbook, "_store_workbook", full)
    with pytest.raises(OutputError, match="disk full while writing"):
        write(path, 2, True)
    monkeypatch.undo()
    assert read(path) == 1 and _leftovers(tmp_path) == []


def test_disk_full_in_the_cli_is_one_paragraph(cli, tmp_path, monkeypatch):
    _enospc_pyogrio(monkeypatch, "database or disk is full")
    res = cli("score-sites", "builtin", "-o", tmp_path / "s.gpkg", "--no-why",
              "--as-of", "2026-01-01")  # fmt: skip
    assert res.exit_code == 1
    assert "диск заполнен при записи" in " ".join(res.output.split())  # Russian by default
    assert "Traceback" not in res.output and _leftovers(tmp_path) == []


# --------------------------------------------------------------------------- Ctrl-C (item 8)


def _ctrl_c_in_first_chunk(monkeypatch) -> list[int]:
    """Ctrl-C pressed while GDAL writes the first chunk (the signal arrives during C code)."""
    import pyogrio

    original = pyogrio.write_dataframe
    calls: list[int] = []

    def slow_write(df, path, *a, **k):
        calls.append(len(df))
        if len(calls) == 1:
            signal.raise_signal(signal.SIGINT)
        return original(df, path, *a, **k)

    monkeypatch.setattr(pyogrio, "write_dataframe", slow_write)
    monkeypatch.setattr(reproducible, "CHUNK_ROWS", 10)
    return calls


def test_ctrl_c_during_gpkg_write_stops_after_one_chunk(tmp_path, monkeypatch):
    path = tmp_path / "r.gpkg"
    out.write_table(_frame(1, 100), path)
    before = path.read_bytes()
    calls = _ctrl_c_in_first_chunk(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        out.write_table(_frame(2, 100), path, overwrite=True)
    assert calls == [10]  # promptly: not the 9 other chunks
    assert path.read_bytes() == before and _leftovers(tmp_path) == []
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_during_gpkg_write_in_the_cli_exits_130(cli, tmp_path, monkeypatch):
    path = tmp_path / "s.gpkg"
    args = ("score-sites", "builtin", "-o", path, "--no-why", "--as-of", "2026-01-01")
    assert cli(*args).exit_code == 0
    before = path.read_bytes()
    _ctrl_c_in_first_chunk(monkeypatch)
    res = cli(*args, "--overwrite")
    assert res.exit_code == 130, res.output
    assert "прервано (Ctrl-C)" in res.output
    assert path.read_bytes() == before and _leftovers(tmp_path) == []


def test_chunked_gpkg_equals_one_write(tmp_path, monkeypatch):
    out.write_table(_frame(1, 45), tmp_path / "one.gpkg")
    monkeypatch.setattr(reproducible, "CHUNK_ROWS", 10)
    out.write_table(_frame(1, 45), tmp_path / "chunks.gpkg")
    a, b = (gpd.read_file(tmp_path / n) for n in ("one.gpkg", "chunks.gpkg"))
    pd.testing.assert_frame_equal(a, b)
