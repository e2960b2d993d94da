"""The wheel carries the built-in geodata and the page files, and an installed wheel works
from any folder (lists the layers, draws a map and a comparison report).

The wheel is built from this source tree, installed without dependencies into a fresh
virtual environment (no pip of its own, nothing downloaded), whose dependencies resolve
from the current environment's site-packages through a ``.pth`` line; the test then runs
the installed ``planner`` script from a folder outside the source tree.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from planner.core.layerset import LAYER_NAMES
from planner.render.assets import external_urls

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)
    assert res.returncode == 0, f"{cmd} failed:\n{res.stdout}\n{res.stderr}"
    return res


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    cmd = [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)]
    if importlib.util.find_spec("hatchling") is not None:
        cmd.append("--no-build-isolation")  # offline: the build backend is already here
    # else pip fetches hatchling from PyPI into an isolated build environment
    _run(cmd)
    wheels = list(out.glob("bakad_siting_planner-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_wheel_contains_the_geodata_and_the_script(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        scripts = zf.read(entry_points).decode()
    for layer in LAYER_NAMES:
        assert f"planner/_geodata/{layer}.geojson" in names
    assert "planner/py.typed" in names and "planner/inputs/layers.py" in names
    # every page file of the source tree: planner JS/CSS, templates, vendored plugins
    for folder in ("planner/render/static", "planner/render/templates", "planner/_vendor"):
        files = [p for p in (ROOT / folder).rglob("*") if p.is_file()]
        assert files, folder
        for path in files:
            assert path.relative_to(ROOT).as_posix() in names, path
    for lang in ("ru", "kk", "en"):  # the language catalog is package data
        assert f"planner/i18n/messages/{lang}.toml" in names
    assert "planner/webapp/streamlit_app.py" in names  # the script `planner app` runs
    assert "planner = planner.cli:main" in scripts
    assert not any(n.startswith("tests/") for n in names)


def test_installed_wheel_lists_the_layers_from_another_folder(wheel, tmp_path):
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    py = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps",
          "--no-index", "-q", str(wheel)])
    site = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
                .stdout.strip())
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "_planner_test_deps.pth").write_text("\n".join(sorted(deps)) + "\n")

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "COLUMNS": "200", "LANG": "C.UTF-8"}
    where = _run([str(py), "-c", "import planner, planner.inputs.layers as L; "
                  "print(planner.__file__); print(L.builtin_geodata_dir())"],
                 cwd=work, env=env).stdout.split()
    assert Path(where[0]).is_relative_to(site), where  # the wheel, not the source tree
    assert Path(where[1]) == site / "planner" / "_geodata"

    res = _run([str(venv / "bin" / "planner"), "layers", "list"], cwd=work, env=env)
    rows = [line for line in res.stdout.splitlines() if line.startswith("│")]
    listed = [row.split("│")[1].strip() for row in rows if row.split("│")[1].strip()]
    assert listed == list(LAYER_NAMES)
    version = _run([str(venv / "bin" / "planner"), "--version"], cwd=work, env=env)
    assert version.stdout.startswith("planner 0.")

    # a map and a comparison report from the installed templates and static files
    _run([str(venv / "bin" / "planner"), "map", "--sites", "builtin", "-o", "m.html"],
         cwd=work, env=env)
    _run([str(venv / "bin" / "planner"), "compare", "iz-kairat", "aiz-1", "--draws", "50",
          "--html", "c.html"], cwd=work, env=env)
    for name in ("m.html", "c.html"):
        page = (work / name).read_text(encoding="utf-8")
        assert "plannerMap(map_" in page and "function rampColor" in page, name
        assert "Content-Security-Policy" in page and external_urls(page) == [], name
    report = (work / "c.html").read_text(encoding="utf-8")
    assert '<svg class="chart"' in report and "@page" in report and 'id="r-scenario"' in report
