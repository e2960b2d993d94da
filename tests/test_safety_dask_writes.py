"""Issue 12, item 12: a Dask worker killed while the GeoParquet parts are written.

Before: a kill during scoring was survived, but a kill during the writes failed the whole
run. Now each part's write (and its rank) is retried on another worker, a part is never
half-written (written aside and renamed), and the folder swapped in holds every row once.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pandas as pd
import pytest

from planner.jobs.dask_client import dask_client
from planner.jobs.dask_engine import run_score_sites
from planner.jobs.scored_parquet import read_scored_parquet

AS_OF = "2026-01-01"


@pytest.fixture(scope="module")
def client():
    pytest.importorskip("distributed")
    with dask_client(n_workers=2, threads_per_worker=1, memory_limit="2GiB") as c:
        yield c


def _sites(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(12)
    ids = np.array([f"s{i:07d}" for i in range(n)], dtype=object)
    return pd.DataFrame({"site_id": ids, "lon": rng.uniform(76.4, 77.6, n),
                         "lat": rng.uniform(43.05, 43.95, n)})  # fmt: skip


@pytest.mark.slow
def test_worker_killed_while_parts_are_written_is_survived(client, layers, tmp_path):
    sites = _sites(60_000)
    out = tmp_path / "scored.parquet"
    pids = client.run(os.getpid)
    result: dict = {}

    def work():
        try:
            result["run"] = run_score_sites(sites, layers, out, as_of=AS_OF, engine="dask",
                                            client=client, npartitions=16, why=True)  # fmt: skip
        except BaseException as exc:  # reported below
            result["error"] = exc

    th = threading.Thread(target=work)
    th.start()
    victim = None
    deadline = time.monotonic() + 240
    while victim is None and time.monotonic() < deadline and th.is_alive():
        for addr, keys in client.processing().items():
            if any("planner-write" in str(k) for k in keys):
                victim = addr
                break
        time.sleep(0.005)
    assert victim is not None, "no write task was seen running"
    os.kill(pids[victim], signal.SIGKILL)
    th.join(timeout=300)
    assert not th.is_alive()
    assert "error" not in result, result.get("error")
    back = read_scored_parquet(out)
    assert len(back) == len(sites)
    assert back["site_id"].is_unique
    assert not list(out.glob("*.partial"))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    client.wait_for_workers(2, timeout=60)
