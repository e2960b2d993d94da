"""Issue 12 item 5: /dev/zero, FIFOs and other special files are refused as inputs.

Before the fix ``planner score /dev/zero`` read forever (and filled memory) and a FIFO
blocked until someone wrote to it. Every input path is now checked to be a regular file
before it is opened. Each CLI run is bounded by a timeout (a hang fails the test).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import planner
from planner._infiles import check_regular, refuse_special
from planner.errors import InputError
from planner.inputs.companies import example_path
from planner.inputs.sites import read_sites
from planner.inputs.tables import read_table

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX only")


@pytest.fixture
def fifo(tmp_path) -> Path:
    p = tmp_path / "list.csv"
    os.mkfifo(p)
    return p


_MAIN = "import sys\nfrom planner.cli import main\nsys.argv[0] = 'planner'\nmain()\n"


def _run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(Path(planner.__file__).parents[1])}
    return subprocess.run(
        [sys.executable, "-c", _MAIN, *map(str, args)],
        capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL,
    )


def test_helpers_name_the_kind(fifo, tmp_path):
    with pytest.raises(InputError, match="named pipe"):
        check_regular(fifo, "company file")
    with pytest.raises(InputError, match="character device"):
        check_regular("/dev/zero", "company file")
    with pytest.raises(InputError, match="does not exist"):
        check_regular(tmp_path / "nope.csv")
    refuse_special(tmp_path)  # a folder is left to the caller's own message
    refuse_special(tmp_path / "nope.csv")
    assert check_regular(example_path()) == Path(example_path())


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_read_table_and_sites_refuse(special, fifo):
    path = fifo if special == "fifo" else Path(special)
    with pytest.raises(InputError, match="not a regular file"):
        read_table(path)
    with pytest.raises(InputError, match="not a regular file"):
        read_sites(path)


def test_cli_score_refuses_fifo_and_dev_zero(fifo, tmp_path):
    for src in (fifo, "/dev/zero"):
        res = _run("score", src, "-o", tmp_path / "r.csv")
        assert res.returncode == 1, res.stderr
        assert "не обычный файл" in res.stderr and "Traceback" not in res.stderr  # ru default


def test_cli_other_inputs_refuse_special_files(fifo, tmp_path):
    toml = tmp_path / "w.toml"
    os.mkfifo(toml)
    sites = tmp_path / "s.geojson"
    os.mkfifo(sites)
    surface = tmp_path / "s.npz"
    os.mkfifo(surface)
    cases = [
        ("score", example_path(), "-o", tmp_path / "r.csv", "--scenario", toml),
        ("score", example_path(), "-o", tmp_path / "r2.csv", "--sites", sites),
        ("sites", "check", fifo),
        ("companies", "sectors", "--sectors", toml),
        ("map", "-o", tmp_path / "m.html", "--results", fifo),
        ("map", "-o", tmp_path / "m2.html", "--surface", surface),
        ("scenarios", "weigh", toml),
    ]
    for args in cases:
        res = _run(*args)
        assert res.returncode in (1, 2), (args, res.stderr)
        assert "не обычный файл" in res.stderr, (args, res.stderr)  # Russian by default


def test_layer_folder_with_a_fifo_is_refused(tmp_path):
    from planner.inputs.layers import builtin_geodata_dir

    layers = tmp_path / "layers"
    layers.mkdir()
    for p in Path(builtin_geodata_dir()).glob("*.geojson"):
        shutil.copy(p, layers / p.name)
    zones = layers / "zones.geojson"
    zones.unlink()
    os.mkfifo(zones)
    with pytest.raises(InputError, match="not a regular file"):
        planner.load_layers(layers)
