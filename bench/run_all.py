"""Run every benchmark in turn (``make bench``); each prints its own figures and ratios.

Benchmarks are not tests: they time the fast paths against straightforward baselines measured
in the same run and check that both agree (a disagreement exits non-zero). Run them on an
otherwise idle machine; see bench/README.md for what each prints. ``--quick`` uses smaller sizes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

FULL = [
    ("criteria: 1M sites vs geopandas", ["bench_criteria.py"]),
    ("scoring: 1M sites, score_table + why", ["bench_scoring.py"]),
    ("aggregation: 1M sites, TOPSIS and PROMETHEE II vs WLC", ["bench_mcda.py"]),
    ("ranking: 1,000 companies x 100k sites", ["bench_ranking.py"]),
    ("batch: planner score end to end, 1,000 x 100k", ["bench_batch.py"]),
    ("robustness: Monte Carlo, 1,000 companies", ["bench_robustness.py"]),
    ("maps: 1k / 10k / 100k sites", ["bench_map.py"]),
    ("surface: Almaty Region at 100 m", ["bench_surface.py"]),
    ("dask: 1M..10M sites on a 2-worker LocalCluster", ["bench_dask.py"]),
    ("osm: layers from-osm on a generated 5M-node extract", ["bench_osm.py"]),
    ("tables: company and sites lists, 200k rows, vs pandas", ["bench_tables.py"]),
    ("web app: start to first page, 12-site comparison after a click", ["bench_app.py"]),
    ("startup: planner --version / --help, start of every command", ["bench_startup.py"]),
    ("network: 1M sites x 12 targets on a 1M-node road graph vs networkx", ["bench_network.py"]),
]
QUICK = {
    "bench_criteria.py": ["--n", "100000"],
    "bench_scoring.py": ["--sites", "100000"],
    "bench_mcda.py": ["--sites", "100000"],
    "bench_ranking.py": ["--companies", "200", "--sites", "20000"],
    "bench_batch.py": ["--companies", "200", "--sites", "20000", "--repeat", "1"],
    "bench_robustness.py": ["--companies", "200"],
    "bench_map.py": ["--sizes", "1000", "10000"],
    "bench_surface.py": ["--extent", "bakad:20km"],
    "bench_dask.py": ["--max-n", "1000000"],
    "bench_osm.py": ["--nodes", "1000000"],
    "bench_tables.py": ["--rows", "20000", "--repeat", "1"],
    "bench_app.py": ["--repeat", "1"],
    "bench_startup.py": ["--repeat", "3"],
    "bench_network.py": ["--side", "300", "--sites", "100000"],
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="smaller sizes (minutes, not tens of)")
    ap.add_argument("--only", nargs="*", help="run only these scripts, e.g. bench_ranking.py")
    args = ap.parse_args()
    failed = []
    for title, cmd in FULL:
        script = cmd[0]
        if args.only and script not in args.only:
            continue
        argv = [sys.executable, str(HERE / script), *cmd[1:]]
        if args.quick:
            argv += QUICK.get(script, [])
        print(f"\n=== {title}: {' '.join(argv[1:])}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call(argv)
        print(f"=== {script}: exit {rc} after {time.perf_counter() - t0:.1f} s", flush=True)
        if rc != 0:
            failed.append(script)
    if failed:
        print(f"\nfailed or disagreed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
