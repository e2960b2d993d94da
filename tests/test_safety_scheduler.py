"""Issue 12, item 7: a bad --scheduler is explained at once, never a hang or a traceback.

Before: a missing scheduler file hung forever (distributed waits for it to appear), a
garbage or ``{}`` file raised an AssertionError, ``--scheduler ""`` silently started a
LocalCluster.
"""

from __future__ import annotations

import json
import time

import pytest

from planner.errors import EngineError, InputError
from planner.jobs.dask_client import check_scheduler, dask_client

pytest.importorskip("distributed")

BAD = {
    "missing.json": (None, "does not exist"),
    "garbage.json": (b"\x00\xffnot json at all", "is not the JSON"),
    "empty-object.json": (b"{}", "names no scheduler"),
    "list.json": (b"[1, 2]", "names no scheduler"),
    "blank-address.json": (b'{"address": "  "}', "names no scheduler"),
    "empty.json": (b"", "is not the JSON"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_scheduler_file_is_refused_before_any_work(cli, tmp_path, name):
    content, says = BAD[name]
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    t0 = time.perf_counter()
    res = cli("score-sites", "builtin", "-o", tmp_path / "s.gpkg", "--engine", "dask",
              "--scheduler", path, "--no-why", "--as-of", "2026-01-01", "--lang", "en")  # fmt: skip
    assert time.perf_counter() - t0 < 20
    assert res.exit_code == 1, res.output
    text = " ".join(res.output.split())
    assert says in text and "LocalCluster" in text
    assert not (tmp_path / "s.gpkg").exists()


def test_empty_scheduler_does_not_start_a_local_cluster(cli, tmp_path):
    res = cli("score-sites", "builtin", "-o", tmp_path / "s.gpkg", "--engine", "dask",
              "--scheduler", "", "--no-why", "--lang", "en")  # fmt: skip
    assert res.exit_code == 1, res.output
    assert "--scheduler is empty" in " ".join(res.output.split())


def test_a_folder_is_not_a_scheduler_file(tmp_path):
    folder = tmp_path / "dir.json"
    folder.mkdir()
    with pytest.raises(InputError, match="not a regular file"):
        check_scheduler(str(folder))


def test_scheduler_file_of_a_dead_scheduler_times_out_with_a_message(tmp_path):
    path = tmp_path / "sched.json"
    path.write_text(json.dumps({"address": "tcp://127.0.0.1:9"}), encoding="utf-8")
    t0 = time.perf_counter()
    with pytest.raises(EngineError, match=r"cannot connect to the Dask scheduler .* within 2 s"):
        with dask_client(str(path), timeout_s=2):
            pass
    assert time.perf_counter() - t0 < 30
