"""Startup of the command line (issue 13): `planner --version` and `planner --help` answer in
<= 0.3 s, and every subcommand starts its work within 1 s.

Each figure is the best (and the median) of ``--repeat`` fresh processes:

1. ``planner --version``, ``planner --help`` and ``planner <command> --help`` for every
   command (the help texts are printed by typer from the command modules, which import no
   heavy library: geopandas, numba, pandas, pydantic, folium load inside the commands).
2. **Start of work**: from spawning ``planner <command> ...`` until the command's own code
   runs (its function is entered, after the arguments were parsed); the process stops there,
   so no work is done and no file is written. ``planner layers list`` is also run to the end.
3. **Baselines** in the same run: the Python interpreter alone (``python -c pass``), and the
   eager import of the libraries behind the commands, what every command (``--version``
   too) paid before they were imported lazily.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: what ``planner`` imported before any command ran, before the imports were made lazy
EAGER = (
    "import planner.cli, planner.inputs.layers, planner.inputs.sites, planner.inputs.companies, "
    "planner.config.scenarios, planner.config.sectors, planner.jobs.batch, "
    "planner.jobs.batch_outputs, planner.jobs.compare, planner.render.report, "
    "planner.jobs.dask_engine, planner.jobs.surface, planner.jobs.network"
)

#: runs ``planner`` with argv, prints the seconds since BENCH_T0 when the command's own
#: function is entered, and stops there (exit 0)
_PROBE = r"""
import os, sys, time
t0 = float(os.environ["BENCH_T0"])
from planner.cli.app import app, register_commands
register_commands()
import typer.main
group = typer.main.get_command(app)
cmd = group
for part in os.environ["BENCH_PATH"].split():
    cmd = cmd.commands[part]
inner = cmd.callback
def entered(*args, **kwargs):
    print(f"started {time.time() - t0:.4f}", file=sys.stderr, flush=True)
    os._exit(0)
cmd.callback = entered
group(args=sys.argv[1:], prog_name="planner")
"""

#: a command line for each command (paths need not exist: the process stops at the start)
COMMANDS = {
    "layers list": [],
    "layers check": ["{tmp}"],
    "layers export": ["-o", "{tmp}/l.gpkg"],
    "layers from-osm": ["{tmp}/x.osm.pbf", "-o", "{tmp}/o.gpkg"],
    "scenarios list": [],
    "scenarios show": ["bakad-perimeter"],
    "scenarios weigh": ["{tmp}/pairs.toml"],
    "scenarios template": ["-o", "{tmp}/pairs.xlsx"],
    "sites grid": ["-o", "{tmp}/g.gpkg"],
    "sites check": ["{tmp}/s.csv"],
    "score-sites": ["builtin", "-o", "{tmp}/s.gpkg"],
    "companies check": ["{tmp}/c.csv"],
    "companies sectors": [],
    "score": ["{tmp}/c.csv", "-o", "{tmp}/r.csv"],
    "map": ["-o", "{tmp}/m.html"],
    "compare": ["iz-kairat", "sez-pit"],
    "surface": ["-o", "{tmp}/s.npz"],
    "app": ["--port", "8599"],
    "network build": ["builtin", "-o", "{tmp}/n.npz"],
    "network info": ["{tmp}/n.npz"],
}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("NUMBA_CACHE_DIR", str(Path(tempfile.gettempdir()) / "numba-bench"))
    return env


def _timed(argv: list[str], env: dict, repeat: int) -> tuple[float, float]:
    """(best, median) wall seconds of ``argv`` run to the end, ``repeat`` times."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True, check=False)  # fmt: skip
        times.append(time.perf_counter() - t0)
        if res.returncode not in (0, 3):
            raise SystemExit(f"{' '.join(argv)} failed ({res.returncode}): {res.stderr[-800:]}")
    return min(times), statistics.median(times)


def _started(path: str, args: list[str], env: dict, repeat: int) -> tuple[float, float]:
    """(best, median) seconds until ``planner <path> <args>`` enters its command function."""
    times = []
    for _ in range(repeat):
        env = dict(env, BENCH_T0=repr(time.time()), BENCH_PATH=path)
        res = subprocess.run([sys.executable, "-c", _PROBE, *path.split(), *args], env=env,
                             capture_output=True, text=True, check=False)  # fmt: skip
        line = [x for x in res.stderr.splitlines() if x.startswith("started ")]
        if res.returncode != 0 or not line:
            raise SystemExit(f"planner {path} did not start: {res.stderr[-800:]}")
        times.append(float(line[-1].split()[1]))
    return min(times), statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5, help="processes per figure (best of)")
    args = ap.parse_args()
    env = _env()
    py = [sys.executable]
    planner = [sys.executable, "-c", "from planner.cli import main; main()"]
    ok = True
    base, base_med = _timed([*py, "-c", "pass"], env, args.repeat)
    eager, eager_med = _timed([*py, "-c", EAGER], env, args.repeat)
    print(f"baseline: python -c pass {base:.3f} s (median {base_med:.3f}); eager import of the "
          f"commands' libraries {eager:.3f} s (median {eager_med:.3f})")  # fmt: skip
    for label, extra in (("--version", ["--version"]), ("--help", ["--help"])):
        best, med = _timed([*planner, *extra], env, args.repeat)
        ok &= best <= 0.3
        print(f"planner {label}: {best:.3f} s (median {med:.3f}; target <= 0.3 s); "
              f"{best / eager:.2f}x the eager import, +{best - base:.3f} s over python")
    worst_help = ("", 0.0)
    for path in COMMANDS:
        best, _ = _timed([*planner, *path.split(), "--help"], env, max(1, args.repeat // 2))
        worst_help = max(worst_help, (path, best), key=lambda x: x[1])
    print(f"planner <command> --help, {len(COMMANDS)} commands: slowest {worst_help[1]:.3f} s "
          f"(planner {worst_help[0]} --help)")
    with tempfile.TemporaryDirectory() as tmp:
        starts = {}
        for path, argv in COMMANDS.items():
            starts[path] = _started(path, [a.format(tmp=tmp) for a in argv], env, args.repeat)
        slow = max(starts, key=lambda p: starts[p][0])
        print("start of work (command function entered), best s: "
              + ", ".join(f"{p} {b:.2f}" for p, (b, _m) in starts.items()))
        print(f"slowest start: planner {slow} {starts[slow][0]:.3f} s (median "
              f"{starts[slow][1]:.3f}; target <= 1 s); {starts[slow][0] / eager:.2f}x the eager "
              "import")  # fmt: skip
        ok &= starts[slow][0] <= 1.0
    best, med = _timed([*planner, "layers", "list"], env, args.repeat)
    print(f"planner layers list to the end (loads the layers, prints the table): {best:.3f} s "
          f"(median {med:.3f})")
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
