"""The Dask cluster the ``dask`` engine runs on: a client to a running scheduler, or a
LocalCluster started here and closed afterwards (:func:`dask_client`).

``distributed`` is imported only when a client is made: without the ``[dask]`` extra the
rest of the planner works and the dask engine says how to install it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from planner.errors import EngineError

__all__ = ["DASK_HINT", "client_for", "dask_client", "worker_count"]

DASK_HINT = (
    "install the Dask extra: pip install 'bakad-siting-planner[dask]' "
    "(dask[dataframe], distributed, dask-geopandas, pyarrow)"
)


def _import_distributed():
    try:
        import distributed
    except ImportError as exc:
        raise EngineError(f"the dask engine needs the `distributed` package; {DASK_HINT}") from exc
    return distributed


@contextlib.contextmanager
def dask_client(
    scheduler: str | None = None,
    n_workers: int | None = None,
    threads_per_worker: int = 1,
    memory_limit: str | float = "auto",
    timeout_s: float = 30.0,
) -> Iterator[Any]:
    """A ``distributed.Client``: to ``scheduler`` if given, else to a new LocalCluster.

    Parameters
    ----------
    scheduler
        Address of a running scheduler (``tcp://10.0.0.5:8786``), or the path of a scheduler
        file (``*.json``, from ``dask scheduler --scheduler-file``). ``None``: start a
        LocalCluster of ``n_workers`` processes here and close it afterwards.
    n_workers, threads_per_worker, memory_limit
        LocalCluster only: worker processes (default: one per core), threads each (1:
        the compiled criteria kernel already uses its own threads), memory per worker.
    timeout_s
        How long to wait for the scheduler.
    """
    distributed = _import_distributed()
    if scheduler:
        kw = (
            {"scheduler_file": scheduler}
            if str(scheduler).endswith(".json")
            else {"address": scheduler}
        )
        try:
            client = distributed.Client(**kw, timeout=f"{timeout_s}s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise EngineError(
                f"cannot connect to the Dask scheduler {scheduler!r} ({exc}); check the address "
                "(e.g. tcp://10.0.0.5:8786) and that `dask scheduler` runs there, or leave "
                "--scheduler out to use a LocalCluster on this machine"
            ) from exc
        try:
            yield client
        finally:
            client.close()
        return
    n_workers = n_workers or max(1, os.cpu_count() or 1)
    cluster = distributed.LocalCluster(
        n_workers=n_workers,
        threads_per_worker=threads_per_worker,
        processes=True,
        memory_limit=memory_limit,
        # the scheduler always serves HTTP: a free loopback port, never a clash on :8787
        dashboard_address="127.0.0.1:0",
        # numba's kernel threads, per worker, so that workers do not oversubscribe the cores
        env={"NUMBA_NUM_THREADS": str(threads_per_worker)},
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@contextlib.contextmanager
def client_for(client, scheduler) -> Iterator[Any]:
    if client is not None:
        yield client
    else:
        with dask_client(scheduler) as c:
            yield c


def worker_count(client) -> int:
    """Workers the scheduler knows now (at least 1)."""
    return max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))
