"""`planner --version`, `planner --help` and `planner <command> --help` load no heavy library.

The command modules import geopandas, pandas, numba, pydantic, folium... inside the commands,
so the help and the version answer at once and a command starts its work at once (timed in
bench/bench_startup.py; here only what is imported, in a fresh interpreter).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# (not pydantic: typer itself imports it for some options, e.g. `planner compare --help`)
HEAVY = ("geopandas", "pandas", "numpy", "numba", "pyproj", "shapely", "scipy", "folium",
         "jinja2", "openpyxl", "streamlit", "dask", "babel")  # fmt: skip
#: the planner modules the command line may load before a command runs
LIGHT = ("planner", "planner.cli", "planner.errors", "planner.config", "planner.config.defaults",
         "planner._version", "planner._lang")  # fmt: skip

_PROBE = """
import json, sys
sys.argv = ["planner", *json.loads(sys.argv[1])]
from planner.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {heavy}
                        or (m.startswith("planner.") and not m.startswith("planner.cli.")
                            and m not in {light}))), file=sys.stderr)
"""


def _loaded(args: list[str]) -> tuple[list[str], str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    res = subprocess.run(
        [sys.executable, "-c", _PROBE.format(heavy=set(HEAVY), light=set(LIGHT)), json.dumps(args)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    return json.loads(res.stderr.strip().splitlines()[-1]), res.stdout


@pytest.mark.parametrize(
    "args",
    [["--version"], ["--help"], ["compare", "--help"], ["score", "--help"],
     ["layers", "--help"], ["surface", "--help"], ["app", "--help"]],
)  # fmt: skip
def test_version_and_help_load_no_heavy_library(args):
    loaded, out = _loaded(args)
    assert loaded == [], f"planner {' '.join(args)} imported {loaded[:8]}"
    assert ("planner " in out) if args == ["--version"] else ("Usage" in out)


def test_help_shows_the_defaults_the_commands_use():
    from planner.config import scenarios
    from planner.config.defaults import DEFAULT_SCENARIO, MAX_SURFACE_CELLS
    from planner.core import surface

    assert scenarios.DEFAULT_SCENARIO == DEFAULT_SCENARIO
    assert DEFAULT_SCENARIO in {s.name for s in scenarios.list_scenarios()}
    assert surface.MAX_SURFACE_CELLS == MAX_SURFACE_CELLS


def test_import_planner_is_light():
    res = subprocess.run(
        [sys.executable, "-c", "import planner, sys, json; "
         "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
         f"{set(HEAVY)!r})))"],
        env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(res.stdout) == []
    import planner

    assert planner.load_layers is planner.inputs.layers.load_layers
    assert set(planner.__all__) <= set(dir(planner))
