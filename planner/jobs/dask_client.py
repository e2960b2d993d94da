"""The Dask cluster the ``dask`` engine runs on: a client to a running scheduler, or a
LocalCluster started here and closed afterwards (:func:`dask_client`).

``distributed`` is imported only when a client is made: without the ``[dask]`` extra the
rest of the planner works and the dask engine says how to install it.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from planner.errors import EngineError, InputError
from planner.i18n import format_number, message_lang, tr

__all__ = ["dask_hint", "check_scheduler", "client_for", "dask_client", "worker_count"]

#: the command that installs the Dask extra (quoted in the messages ``err.dask.*``)
DASK_PIP = "pip install 'bakad-siting-planner[dask]'"
#: what the Dask extra brings
DASK_PACKAGES = "dask[dataframe], distributed, dask-geopandas, pyarrow"


def dask_hint() -> str:
    """How to install the Dask extra, in the message language."""
    return tr("err.dask.hint", pip=DASK_PIP, packages=DASK_PACKAGES)


def _fix() -> str:
    return tr("err.dask.scheduler_fix")


def _import_distributed():
    try:
        import distributed
    except ImportError as exc:
        raise EngineError(tr("err.dask.no_distributed", hint=dask_hint())) from exc
    return distributed


def check_scheduler(scheduler: str | None) -> None:
    """Refuse, before any work, a scheduler that cannot be reached as given.

    An empty address is refused (it would silently start a LocalCluster); a scheduler file
    (``*.json``) must be a readable regular file holding a JSON object with an
    ``address`` (a missing file would be waited for forever, a bad one would fail with an
    AssertionError deep in ``distributed``). Raises :class:`~planner.errors.InputError`.
    """
    if scheduler is None:
        return
    if not str(scheduler).strip():
        raise InputError(tr("err.dask.scheduler_empty", fix=_fix()))
    if not str(scheduler).lower().endswith(".json"):
        return
    path = Path(scheduler)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as exc:
        raise InputError(tr("err.dask.scheduler_file_missing", file=str(path), fix=_fix())) from exc
    except OSError as exc:
        raise InputError(tr("err.dask.scheduler_file_unreadable", file=str(path),
                            error=exc.strerror or exc, fix=_fix())) from exc
    if not stat.S_ISREG(mode):
        raise InputError(tr("err.dask.scheduler_file_not_file", file=str(path), fix=_fix()))
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.loads(fh.read(1_000_001))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(tr("err.dask.scheduler_file_bad_json", file=str(path), error=exc,
                            fix=_fix())) from exc
    address = doc.get("address") if isinstance(doc, dict) else None
    if not isinstance(address, str) or not address.strip():
        raise InputError(tr("err.dask.scheduler_file_no_address", file=str(path), fix=_fix()))


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
    check_scheduler(scheduler)
    distributed = _import_distributed()
    if scheduler is not None:
        address = scheduler
        if str(scheduler).lower().endswith(".json"):  # read here: distributed waits forever
            address = json.loads(Path(scheduler).read_text(encoding="utf-8"))["address"]
        try:
            client = distributed.Client(address=address, timeout=f"{timeout_s}s")
        except Exception as exc:  # OSError, TimeoutError, ValueError, AssertionError ...
            raise EngineError(tr(
                "err.dask.unreachable", scheduler=scheduler, error=f"{type(exc).__name__}: {exc}",
                seconds=format_number(timeout_s, message_lang(), significant=3), fix=_fix(),
            )) from exc
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
