"""Benchmark: the Dask engine on a 2-worker LocalCluster, 1M to 10M sites end to end.

    .venv/bin/python bench/bench_dask.py                    # 1M, 2M, 5M, 10M (~5-10 min)
    .venv/bin/python bench/bench_dask.py --max-n 2000000    # 1M, 2M only
    .venv/bin/python bench/bench_dask.py --sizes 200000,400000 --local-sizes 200000
    .venv/bin/python bench/bench_dask.py --scheduler tcp://10.0.0.5:8786   # a real cluster

Sites: ``n`` seeded uniform random points over the Almaty agglomeration (76.4-77.6 E,
43.05-43.95 N: the ring road, Almaty, Konaev, Gate City, part of the national park and
the reservoir), ids ``b00000000``..., built before any timer starts. Scenario
``bakad-perimeter``, zone statuses as of 2025-06-01, no ``why`` texts.

End to end = :func:`planner.jobs.dask_engine.run_score_sites` from the in-memory table to a
partitioned GeoParquet folder: Hilbert partitioning, shipping the partitions, criteria and
scores on the workers, the global rank, and every worker writing its parts. The cluster
(``--workers`` processes, 1 thread each; numba kernel threads = 1 per worker) is started
once, before the timers, and warmed up on 10k sites (loads the numba cache on each
worker). The local engine (the same function, ``engine="local"``: one process, numba on
every core, one Parquet part) runs on the same sites for ``--local-sizes``.

Printed: per size, the wall time, sites/s, seconds per million sites, and the client
process's peak memory (workers are separate processes; their memory limit is printed).
Then a least-squares line time = a + b * n over the Dask sizes with R^2 and the ratio of
per-million times (largest vs smallest size): linear growth means R^2 close to 1 and a
ratio near 1 (a fixed overhead makes small sizes relatively slower: ratio < 1).

Self-checks (exit 1 on failure): every run wrote exactly ``n`` rows (manifest and files);
on the smallest size that both engines ran, the Dask output equals the local output site
by site (every score within 1e-9, identical ranks). Figures on a shared 2-core machine
swing by 2-3x; the lead re-runs them on an idle machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import planner
from planner._atomic import manifest_path
from planner.jobs import dask_engine as engine
from planner.jobs.dask_client import dask_client

AS_OF = "2025-06-01"


def make_sites(n: int, seed: int = 42) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = "b" + pd.Series(np.arange(n)).astype("str").str.zfill(8)
    return pd.DataFrame(
        {
            "site_id": ids.to_numpy(),
            "lon": rng.uniform(76.4, 77.6, n),
            "lat": rng.uniform(43.05, 43.95, n),
        }
    )


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(
    sites, layers, out: Path, eng: str, client, npartitions=None
) -> tuple[float, engine.ScoreRun]:
    if out.exists():
        shutil.rmtree(out)
    manifest_path(out).unlink(missing_ok=True)
    t = time.perf_counter()
    res = engine.run_score_sites(
        sites, layers, out, as_of=AS_OF, engine=eng, client=client, npartitions=npartitions,
        why=False, top=3,
    )  # fmt: skip
    return time.perf_counter() - t, res


def count_rows(folder: Path) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(p).metadata.num_rows for p in folder.glob("part.*.parquet"))


def compare(dask_dir: Path, local_dir: Path) -> str | None:
    cols = ["site_id", "score", "rank"]
    a = pd.concat([pd.read_parquet(p, columns=cols) for p in sorted(dask_dir.glob("part.*"))])
    b = pd.concat([pd.read_parquet(p, columns=cols) for p in sorted(local_dir.glob("part.*"))])
    a = a.set_index("site_id").sort_index()
    b = b.set_index("site_id").sort_index()
    if not a.index.equals(b.index):
        return "different site ids"
    worst = float(np.max(np.abs(a["score"].to_numpy() - b["score"].to_numpy()), initial=0.0))
    if worst > 1e-9:
        return f"scores differ by up to {worst:g}"
    if not a["rank"].equals(b["rank"]):
        bad = int((a["rank"].fillna(-1) != b["rank"].fillna(-1)).sum())
        return f"{bad} ranks differ"
    return None


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--sizes",
        default="1000000,2000000,5000000,10000000",
        help="comma-separated site counts for the Dask engine",
    )
    p.add_argument(
        "--local-sizes",
        default="1000000,2000000",
        help="comma-separated site counts for the local engine (same sites)",
    )
    p.add_argument("--max-n", type=int, default=10_000_000, help="drop sizes above this")
    p.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    p.add_argument("--memory-limit", default="auto", help="per worker, e.g. 6GiB")
    p.add_argument("--scheduler", default=None, help="use this Dask scheduler instead")
    p.add_argument("--npartitions", type=int, default=None, help="default: ~250k sites each")
    p.add_argument("--keep", type=Path, default=None, help="write outputs here (default: temp)")
    args = p.parse_args(argv)  # fmt: skip

    sizes = sorted({int(s) for s in args.sizes.split(",") if s and int(s) <= args.max_n})
    local_sizes = sorted(
        {int(s) for s in args.local_sizes.split(",") if s and int(s) <= args.max_n}
    )
    if not sizes:
        print("no size left under --max-n", file=sys.stderr)
        return 2
    layers = planner.load_layers()
    workdir = Path(tempfile.mkdtemp(prefix="bench-dask-", dir=args.keep))
    failures: list[str] = []
    dask_times: dict[int, float] = {}
    local_times: dict[int, float] = {}
    try:
        with dask_client(
            args.scheduler, n_workers=args.workers, memory_limit=args.memory_limit
        ) as client:
            info = client.scheduler_info(n_workers=-1)["workers"]
            mem = sorted({w.get("memory_limit", 0) for w in info.values()})
            threads = sorted({w["nthreads"] for w in info.values()})
            limits = [f"{m / 2**30:.1f} GiB" for m in mem]
            print(f"cluster: {len(info)} workers x {threads} threads, memory limit {limits}")
            t = time.perf_counter()
            run(make_sites(10_000, seed=1), layers, workdir / "warm.parquet", "dask", client)
            warm = time.perf_counter() - t
            print(f"warm-up (10k sites, loads the kernel on each worker): {warm:.1f} s")
            for n in sizes:
                sites = make_sites(n)
                secs, res = run(sites, layers, workdir / f"dask-{n}.parquet", "dask", client,
                                args.npartitions)  # fmt: skip
                dask_times[n] = secs
                rows = count_rows(res.output)
                manifest = json.loads(manifest_path(res.output).read_text())
                listed = manifest["counts"]["sites"]
                if rows != n or res.n_sites != n or listed != n:
                    failures.append(f"dask {n:,}: wrote {rows:,} rows (manifest {listed:,})")
                print(f"dask  {n:>11,} sites: {secs:7.1f} s  {n / secs:>10,.0f} sites/s  "
                      f"{secs / n * 1e6:5.2f} s/M  {res.n_partitions} partitions  "
                      f"client peak {peak_mb():,.0f} MB")  # fmt: skip
                if n in local_sizes:
                    secs_l, res_l = run(
                        sites, layers, workdir / f"local-{n}.parquet", "local", None
                    )
                    local_times[n] = secs_l
                    print(f"local {n:>11,} sites: {secs_l:7.1f} s  {n / secs_l:>10,.0f} sites/s  "
                          f"{secs_l / n * 1e6:5.2f} s/M  (same sites, one process)")  # fmt: skip
                    if count_rows(res_l.output) != n:
                        failures.append(f"local {n:,}: wrong row count")
                    if n == min(set(sizes) & set(local_sizes)):
                        problem = compare(res.output, res_l.output)
                        print(f"check dask == local at {n:,} sites: {problem or 'identical'}")
                        if problem:
                            failures.append(f"dask != local at {n:,}: {problem}")
                    shutil.rmtree(res_l.output)
                    manifest_path(res_l.output).unlink()
                shutil.rmtree(res.output)
                manifest_path(res.output).unlink()
                del sites
            for n in local_sizes:
                if n not in sizes:
                    print(f"(local size {n:,} skipped: not among the Dask sizes)")
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)

    if len(dask_times) >= 2:
        n = np.array(sorted(dask_times), dtype=float)
        t = np.array([dask_times[int(k)] for k in n])
        b, a = np.polyfit(n, t, 1)
        r2 = 1 - ((t - (a + b * n)) ** 2).sum() / max(((t - t.mean()) ** 2).sum(), 1e-12)
        per_m = t / n * 1e6
        print(f"scaling: time = {a:.1f} s + {b * 1e6:.2f} s per million sites, R^2 = {r2:.3f}; "
              f"s/M at {int(n[-1]):,} vs {int(n[0]):,}: {per_m[-1] / per_m[0]:.2f}x "
              "(1.0 = perfectly linear)")  # fmt: skip
    for n in sorted(local_times):
        if n in dask_times:
            print(f"dask vs local at {n:,}: {local_times[n] / dask_times[n]:.2f}x "
                  "(>1: dask faster)")  # fmt: skip
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    warnings.simplefilter("default")
    sys.exit(main())
