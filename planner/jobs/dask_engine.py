"""Scoring engines: ``local`` (this process) and ``dask`` (a Dask cluster), one scoring path.

Both engines run the same two functions on the sites' metric ``x``/``y`` float arrays:
:func:`planner.core.criteria.compute_criteria_prepared` and
:func:`planner.core.scoring.score_table`.
The Dask engine only changes *where* they run:

1. The sites are ordered along a Hilbert curve (the curve dask-geopandas'
   ``spatial_shuffle`` uses) and cut into partitions, so every partition covers a compact
   area. Partitions carry ``site_id``/``lon``/``lat`` as plain columns, never pickled
   shapely geometries (measured in PITFALLS.md: pickling geometries dominates).
2. The prepared layers (:class:`planner.core.criteria.PreparedLayers`, ~100 kB of arrays) are
   scattered once to every worker (``broadcast=True``).
3. Each partition is scored by the same function; the partition's own rank is dropped.
4. Ranks are global (score descending, ties by ``site_id``, excluded sites ``<NA>``), made
   from small per-partition summaries: the distinct scores with their counts, then the
   ``site_id`` of tied rows only. They equal :func:`planner.core.scoring.rank_scores` on the
   whole table.

Partitions are submitted with their data inside the task, so the scheduler can recompute
them when a worker dies: no site is lost or duplicated. Output is either gathered into one
GeoDataFrame (same rows, columns and order as the local engine) or written by the workers
as partitioned GeoParquet (a ``.parquet`` directory of ``part.NNNNN.parquet`` files, with
constant scenario / scenario_hash / as_of columns, and ``<name>.parquet.manifest.json``
beside it, as :func:`planner.render.outputs.write_manifest` writes for every output).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import logging
import math
import os
import shutil
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner import crs as _crs
from planner.config.scenarios import DEFAULT_SCENARIO, Scenario, load_scenario
from planner.errors import InputError, OutputError, OutputExistsError, PlannerError

__all__ = [
    "DEFAULT_PARTITION_SITES",
    "ENGINES",
    "EngineError",
    "ScoreRun",
    "dask_client",
    "global_rank",
    "hilbert_codes",
    "read_scored_parquet",
    "run_score_sites",
    "score_sites_engine",
    "spatial_partitions",
    "write_scored_parquet",
]

log = logging.getLogger(__name__)

ENGINES = ("local", "dask")
#: sites per partition when ``npartitions`` is not given (~0.1-0.5 s of work per task)
DEFAULT_PARTITION_SITES = 250_000
_DASK_HINT = (
    "install the Dask extra: pip install 'bakad-siting-planner[dask]' "
    "(dask[dataframe], distributed, dask-geopandas, pyarrow)"
)


class EngineError(PlannerError, RuntimeError):
    """The Dask engine could not run (package missing, scheduler unreachable, task failed)."""


# --------------------------------------------------------------------------- checks


def _check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise InputError(f"engine {engine!r} is not known; use one of {', '.join(ENGINES)}")
    return engine


def _check_sites(sites: pd.DataFrame) -> None:
    missing = [c for c in ("site_id", "lon", "lat") if c not in sites.columns]
    if missing:
        raise InputError(
            f"sites table has no column(s) {', '.join(missing)}; load sites with "
            "planner.inputs.sites.load_sites (columns site_id, lon, lat)"
        )
    lon = sites["lon"].to_numpy(dtype="f8", na_value=np.nan)
    lat = sites["lat"].to_numpy(dtype="f8", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    if not ok.all():
        bad = np.flatnonzero(~ok)
        r = int(bad[0])
        raise InputError(
            f"{len(bad)} site(s) have no valid lon/lat, e.g. row {r + 1} site_id "
            f"{sites['site_id'].iloc[r]!r} (lon={lon[r]!r}, lat={lat[r]!r}); give decimal "
            "degrees (WGS84, lon -180..180, lat -90..90) or remove these rows"
        )
    ids = sites["site_id"]
    if pd.Index(ids).is_unique:
        return
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        first = np.flatnonzero(dup)[:2]
        raise InputError(
            f"site_id {ids.iloc[first[0]]!r} is not unique (rows {first[0] + 1} and "
            f"{first[1] + 1}); global ranks need unique ids: rename or drop duplicates"
        )


def _check_npartitions(npartitions: int | None) -> None:
    if npartitions is not None and (
        isinstance(npartitions, bool) or not isinstance(npartitions, int) or npartitions < 1
    ):
        raise InputError(f"npartitions={npartitions!r}: give a whole number >= 1, e.g. 8")


# --------------------------------------------------------------------------- partitions


def hilbert_codes(x, y, bounds: Sequence[float] | None = None, level: int = 16) -> np.ndarray:
    """Position of each point along a Hilbert curve of ``2**level`` x ``2**level`` cells.

    ``bounds`` (minx, miny, maxx, maxy) default to the points' own bounds. The curve keeps
    nearby points at nearby positions, so contiguous runs of sorted codes are compact areas
    (the order dask-geopandas' ``spatial_shuffle(by="hilbert")`` makes, computed here from
    float arrays without building geometries).
    """
    if not 1 <= level <= 31:
        raise ValueError(f"level={level!r}: must be 1..31")
    x = np.asarray(x, dtype="f8")
    y = np.asarray(y, dtype="f8")
    if len(x) == 0:
        return np.empty(0, dtype=np.uint64)
    if bounds is None:
        bounds = (x.min(), y.min(), x.max(), y.max())
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    n = 1 << level  # cells per side: bin k holds [minx + k * w / n, minx + (k + 1) * w / n)
    ix = np.clip(np.floor((x - minx) * (n / max(maxx - minx, 1e-12))), 0, n - 1).astype(np.int64)
    iy = np.clip(np.floor((y - miny) * (n / max(maxy - miny, 1e-12))), 0, n - 1).astype(np.int64)
    d = np.zeros(len(x), dtype=np.int64)
    s = n >> 1
    while s > 0:
        rx = (ix & s) > 0
        ry = (iy & s) > 0
        d += s * s * ((3 * rx.astype(np.int64)) ^ ry.astype(np.int64))
        # rotate the quadrant (classic xy -> d conversion)
        flip = ~ry & rx
        ix = np.where(flip, n - 1 - ix, ix)
        iy = np.where(flip, n - 1 - iy, iy)
        swap = ~ry
        ix, iy = np.where(swap, iy, ix), np.where(swap, ix, iy)
        s >>= 1
    return d.astype(np.uint64)


def spatial_partitions(lon, lat, npartitions: int) -> list[np.ndarray]:
    """Row positions of ``npartitions`` spatially compact partitions of nearly equal size.

    Rows are ordered by :func:`hilbert_codes` of their metric coordinates (ties by row
    position, so the split is deterministic) and cut into equal runs.
    """
    n = len(lon)
    npartitions = max(1, min(int(npartitions), max(n, 1)))
    if n == 0:
        return [np.empty(0, dtype=np.int64)]
    x, y = _crs.lonlat_to_metric(lon, lat)
    order = np.argsort(hilbert_codes(x, y, level=16), kind="stable")
    return [np.sort(p) for p in np.array_split(order, npartitions)]


def _default_npartitions(n: int, n_workers: int) -> int:
    return max(1, min(max(n, 1), max(2 * n_workers, math.ceil(n / DEFAULT_PARTITION_SITES))))


# --------------------------------------------------------------------------- global rank


def _score_summary(score: np.ndarray, excluded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct scores of the ranked (not excluded) rows, ascending, and their counts."""
    s = np.asarray(score, dtype="f8")[~np.asarray(excluded, dtype=bool)]
    return np.unique(s, return_counts=True)


@dataclasses.dataclass(frozen=True)
class _RankTable:
    """Distinct ranked scores (ascending) with the number of ranked rows above each."""

    scores: np.ndarray
    above: np.ndarray  # rows with a strictly higher score
    tied: np.ndarray  # the distinct scores held by more than one row, ascending

    @classmethod
    def merge(cls, summaries: Sequence[tuple[np.ndarray, np.ndarray]]) -> _RankTable:
        vals = np.concatenate([s for s, _ in summaries]) if summaries else np.empty(0)
        cnts = np.concatenate([c for _, c in summaries]) if summaries else np.empty(0, "i8")
        uniq, inv = np.unique(vals, return_inverse=True)
        counts = np.bincount(inv, weights=cnts, minlength=len(uniq)).astype(np.int64)
        above = counts[::-1].cumsum()[::-1] - counts  # rows with a higher score
        return cls(scores=uniq, above=above, tied=uniq[counts > 1])

    def base(self, score: np.ndarray) -> np.ndarray:
        """Rows ranked above each score (meaningless for scores not in the table)."""
        if not len(self.scores):
            return np.zeros(len(score), dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.scores, score), len(self.scores) - 1)
        return self.above[pos]


def _tied_mask(score: np.ndarray, excluded: np.ndarray, table: _RankTable) -> np.ndarray:
    if not len(table.tied):
        return np.zeros(len(score), dtype=bool)
    pos = np.minimum(np.searchsorted(table.tied, score), len(table.tied) - 1)
    return (table.tied[pos] == score) & ~np.asarray(excluded, dtype=bool)


def _tie_offsets(score: np.ndarray, site_id: np.ndarray) -> np.ndarray:
    """0-based place of each tied row among the rows of equal score (by ``site_id``)."""
    if not len(score):
        return np.empty(0, dtype=np.int64)
    ids = np.asarray(site_id, dtype=object).astype(str)
    _, key = np.unique(ids, return_inverse=True)
    order = np.lexsort((key, -score))
    s = score[order]
    start = np.r_[True, s[1:] != s[:-1]]
    group_first = np.maximum.accumulate(np.where(start, np.arange(len(s)), 0))
    offsets = np.empty(len(s), dtype=np.int64)
    offsets[order] = np.arange(len(s)) - group_first
    return offsets


def _ranks(score, excluded, table: _RankTable, tied_rows, tied_offsets) -> pd.arrays.IntegerArray:
    score = np.asarray(score, dtype="f8")
    excluded = np.asarray(excluded, dtype=bool)
    rank = table.base(score) + 1
    rank[tied_rows] += tied_offsets
    rank[excluded] = 0
    return pd.arrays.IntegerArray(rank.astype(np.int64), excluded.copy())


def global_rank(
    parts: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> list[pd.arrays.IntegerArray]:
    """Global ranks for a table split in parts, each ``(score, excluded, site_id)``.

    The same ranks as :func:`planner.core.scoring.rank_scores` on the concatenated table
    (1 = best score, ties to the smaller ``site_id`` as text, excluded ``<NA>``), made
    from the parts' distinct scores and their tied rows only: this is what the Dask engine
    does across workers, here in one process (used by tests and small runs).
    """
    table = _RankTable.merge([_score_summary(s, e) for s, e, _ in parts])
    tied = [_tied_mask(np.asarray(s, "f8"), e, table) for s, e, _ in parts]
    t_score = np.concatenate(
        [np.asarray(s, "f8")[m] for (s, _, _), m in zip(parts, tied, strict=True)]
    )
    t_ids = np.concatenate(
        [np.asarray(i, dtype=object)[m] for (_, _, i), m in zip(parts, tied, strict=True)]
    )
    offsets = _tie_offsets(t_score, t_ids)
    out, k = [], 0
    for (s, e, _), m in zip(parts, tied, strict=True):
        rows = np.flatnonzero(m)
        out.append(_ranks(s, e, table, rows, offsets[k : k + len(rows)]))
        k += len(rows)
    return out


# --------------------------------------------------------------------------- scenario payload


def _pack_scenario(sc: Scenario) -> dict[str, Any]:
    """Scenario as picklable plain data (its mappings are read-only proxies, which don't
    pickle); :func:`_unpack_scenario` rebuilds the identical object on a worker."""
    data = {}
    for f in dataclasses.fields(sc):
        v = getattr(sc, f.name)
        data[f.name] = ("proxy", dict(v)) if isinstance(v, MappingProxyType) else ("value", v)
    return data


def _unpack_scenario(data: dict[str, Any]) -> Scenario:
    return Scenario(
        **{k: MappingProxyType(v) if tag == "proxy" else v for k, (tag, v) in data.items()}
    )


# --------------------------------------------------------------------------- worker tasks
# Module-level functions so that workers import them from planner (no pickled closures).


def _score_part(part: pd.DataFrame, prepared, scenario_data: dict, travel=None) -> pd.DataFrame:
    """One partition: the part's columns + criteria + u_/c_ + score (no rank).

    ``travel`` (broadcast once) holds the node x target times: the part only snaps its
    sites to the road network and looks their times up."""
    from planner.core.criteria import compute_criteria_prepared
    from planner.core.scoring import score_table

    sc = _unpack_scenario(scenario_data)
    x, y = _crs.lonlat_to_metric(part["lon"].to_numpy(dtype="f8"), part["lat"].to_numpy(dtype="f8"))
    crit = compute_criteria_prepared(x, y, prepared, index=part.index, travel=travel)
    table = score_table(crit, sc, site_ids=part["site_id"].to_numpy())
    return pd.concat([part, crit, table.drop(columns="rank")], axis=1)


def _summary_task(scored: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return _score_summary(scored["score"].to_numpy(), scored["excluded"].to_numpy())


def _tied_task(
    scored: pd.DataFrame, table: _RankTable
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    score = scored["score"].to_numpy(dtype="f8")
    m = _tied_mask(score, scored["excluded"].to_numpy(), table)
    return np.flatnonzero(m), score[m], scored["site_id"].to_numpy(dtype=object)[m]


def _rank_task(scored: pd.DataFrame, table: _RankTable, rows: np.ndarray, offsets: np.ndarray):
    return _ranks(scored["score"].to_numpy(), scored["excluded"].to_numpy(), table, rows, offsets)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause Python's garbage collector while creating many geometries at once: each
    new object can trigger a collection that walks every live object (measured: 18 us
    per point with a worker's heap, 0.2 us paused)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _finish_part(scored: pd.DataFrame, rank, geometry_col: str | None) -> gpd.GeoDataFrame:
    """Attach the global rank and the geometry (from WKB, or points from lon/lat)."""
    df = scored.copy()
    pos = df.columns.get_loc("score") + 1
    df.insert(pos, "rank", pd.Series(rank, index=df.index))
    with _gc_paused():
        if geometry_col is not None and geometry_col in df.columns:
            geom = shapely.from_wkb(df.pop(geometry_col).to_numpy(dtype=object))
        else:
            geom = shapely.points(df["lon"].to_numpy("f8"), df["lat"].to_numpy("f8"))
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geom, index=df.index), crs="EPSG:4326")


def _write_part(
    scored: pd.DataFrame,
    rank,
    geometry_col: str | None,
    path: str,
    why: dict | None,
    attrs: dict[str, str],
) -> tuple[int, int, pd.DataFrame]:
    """Write one GeoParquet part; return its row count, excluded count and its top rows."""
    gdf = _finish_part(scored, rank, geometry_col)
    if why is not None:
        from planner.core.explain import why_texts

        texts = why_texts(gdf, _unpack_scenario(why["scenario"]), why["layers"])
        gdf["why_ru"] = texts["why_ru"]
        gdf["why_en"] = texts["why_en"]
    _to_parquet(gdf, path, attrs)
    top = _top_rows(gdf, why is not None)
    return len(gdf), int(gdf["excluded"].sum()), top


#: constant columns that carry the scenario with every copy of a table (as write_scored)
ATTR_COLUMNS = ("scenario", "scenario_hash", "as_of")


def _to_parquet(gdf: gpd.GeoDataFrame, path, attrs: dict[str, str]) -> None:
    geom = gdf.geometry.name
    table = gdf[[c for c in gdf.columns if c != geom]].copy()
    for key in ATTR_COLUMNS:
        table[key] = pd.array([str(attrs[key])] * len(table), dtype="str")
    table[geom] = gdf.geometry
    gpd.GeoDataFrame(table, geometry=geom, crs=gdf.crs).to_parquet(path, index=False)


def _top_rows(df: pd.DataFrame, why: bool, n: int = 100) -> pd.DataFrame:
    cols = ["rank", "site_id", "name", "score"] + (["why_en"] if why and "why_en" in df else [])
    cols = [c for c in cols if c in df.columns]
    ranked = df[df["rank"].notna()]
    return pd.DataFrame(ranked[cols]).sort_values("rank").head(n)


# --------------------------------------------------------------------------- Dask client


def _import_distributed():
    try:
        import distributed
    except ImportError as exc:
        raise EngineError(f"the dask engine needs the `distributed` package; {_DASK_HINT}") from exc
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
def _client_for(client, scheduler) -> Iterator[Any]:
    if client is not None:
        yield client
    else:
        with dask_client(scheduler) as c:
            yield c


def _n_workers(client) -> int:
    return max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))


# --------------------------------------------------------------------------- the Dask run


@dataclasses.dataclass
class _DaskRun:
    client: Any
    scored: list  # futures of scored partitions (pd.DataFrame)
    positions: list[np.ndarray]  # row positions of each partition in the input
    table: _RankTable
    ranks: list  # futures of IntegerArray ranks per partition


def _run_dask(
    client,
    payload: pd.DataFrame,
    prepared,
    sc: Scenario,
    npartitions: int | None,
    travel=None,
) -> _DaskRun:
    """Score ``payload`` (site_id, lon, lat, ... on a RangeIndex) on the cluster."""
    import dask

    n = len(payload)
    nparts = npartitions or _default_npartitions(n, _n_workers(client))
    positions = spatial_partitions(payload["lon"].to_numpy(), payload["lat"].to_numpy(), nparts)
    token = uuid.uuid4().hex[:12]
    scenario_data = _pack_scenario(sc)
    prepared_f = client.scatter(prepared, broadcast=True, hash=False)
    travel_f = None if travel is None else client.scatter(travel, broadcast=True, hash=False)
    log.info("dask: %d sites in %d partitions on %d workers", n, len(positions), _n_workers(client))
    # Each partition travels inside its task so the scheduler can recompute it if a
    # worker dies (scattered data would be lost with the worker). The graphs are then
    # large on purpose: raise distributed's size warning threshold for these submits only.
    biggest = max((len(p) for p in positions), default=0)
    row_bytes = payload.memory_usage(deep=True).sum() / max(n, 1)
    threshold = max(10 << 20, int(biggest * row_bytes * 2))
    with dask.config.set({"distributed.admin.large-graph-warning-threshold": threshold}):
        scored = [
            client.submit(
                _score_part, payload.iloc[pos], prepared_f, scenario_data, travel_f,
                key=f"planner-score-{token}-{i}", pure=False,
            )
            for i, pos in enumerate(positions)
        ]  # fmt: skip
    summaries = client.gather([client.submit(_summary_task, f, pure=False) for f in scored])
    table = _RankTable.merge(summaries)
    table_f = client.scatter(table, broadcast=True, hash=False)
    tied = client.gather([client.submit(_tied_task, f, table_f, pure=False) for f in scored])
    t_score = np.concatenate([t[1] for t in tied]) if tied else np.empty(0)
    t_ids = np.concatenate([t[2] for t in tied]) if tied else np.empty(0, dtype=object)
    offsets = _tie_offsets(t_score, t_ids)
    if len(t_score):
        log.info("dask: %d tied rows ranked by site_id", len(t_score))
    ranks, k = [], 0
    for f, (rows, _, _) in zip(scored, tied, strict=True):
        ranks.append(
            client.submit(_rank_task, f, table_f, rows, offsets[k : k + len(rows)], pure=False)
        )
        k += len(rows)
    return _DaskRun(client=client, scored=scored, positions=positions, table=table, ranks=ranks)


def _gather_checked(client, futures, what: str):
    try:
        return client.gather(futures)
    except PlannerError:
        raise
    except Exception as exc:  # a task failed on a worker (the cause is chained)
        raise EngineError(
            f"the Dask engine failed while {what}: {type(exc).__name__}: {exc}; rerun with "
            "--debug for the worker traceback, or use --engine local to compare"
        ) from exc


# --------------------------------------------------------------------------- public API


def score_sites_engine(
    sites: pd.DataFrame,
    layers,
    scenario: Scenario | str | Path = DEFAULT_SCENARIO,
    as_of: dt.date | str | None = None,
    *,
    engine: str = "local",
    scheduler: str | None = None,
    npartitions: int | None = None,
    why: bool = False,
    client=None,
    network=None,
) -> gpd.GeoDataFrame:
    """Score sites with the chosen engine; both give the same table.

    Parameters
    ----------
    sites
        A sites table (GeoDataFrame, or a DataFrame with ``site_id``, ``lon``, ``lat``).
    layers, scenario, as_of
        As for :func:`planner.core.scoring.score_sites`.
    engine
        ``"local"`` (this process) or ``"dask"`` (a Dask cluster).
    scheduler
        Dask only: scheduler address or scheduler-file path (default: a LocalCluster with
        one worker process per core, closed afterwards).
    npartitions
        Dask only: number of partitions (default: ~250k sites each, at least 2 per worker).
    why
        Add ``why_ru``/``why_en`` (computed on the gathered table).
    client
        Dask only: an existing ``distributed.Client`` to use (overrides ``scheduler``).
    network
        Road network (or prepared travel times) for the travel-time criteria; the Dask
        engine computes the node x target times once and broadcasts them.

    Returns
    -------
    GeoDataFrame as from :func:`planner.core.scoring.score_sites`: on the sites' index, in their
    order, ``.attrs`` = scenario, scenario_hash, as_of.
    """
    from planner.core.scoring import parse_as_of, score_sites

    _check_engine(engine)
    _check_npartitions(npartitions)
    sc = load_scenario(scenario)
    from planner.core.aggregation import require_chunkable

    if engine != "local":
        require_chunkable(sc, "the Dask engine")
    day = parse_as_of(as_of)
    if engine == "local" or len(sites) == 0:
        return score_sites(sites, layers, sc, day, why=why, network=network)
    out, _ = _score_dask_gather(sites, layers, sc, day, scheduler, npartitions, why, client,
                                network)  # fmt: skip
    return out


def _travel(network, layers):
    """The network's prepared travel times (node x target matrix), made once per run."""
    if network is None:
        return None
    from planner.core.travel import PreparedTravel, prepare_travel

    return network if isinstance(network, PreparedTravel) else prepare_travel(network, layers)


def _result_columns(sc: Scenario) -> set[str]:
    """Columns that scoring (re)computes: a sites column of the same name is replaced."""
    from planner.core.criteria import CRITERIA_COLUMNS
    from planner.core.travel import TRAVEL_COLUMNS

    keys = list(sc.criteria)
    return {
        *CRITERIA_COLUMNS, *TRAVEL_COLUMNS, *(f"u_{k}" for k in keys), *(f"c_{k}" for k in keys),
        "score", "rank", "why_ru", "why_en",
    }  # fmt: skip


def _score_dask_gather(sites, layers, sc, day, scheduler, npartitions, why, client,
                       network=None):  # fmt: skip
    from planner.core.criteria import prepare
    from planner.core.scoring import score_sites

    _check_sites(sites)
    prepared = prepare(layers, day)
    travel = _travel(network, layers)
    payload = pd.DataFrame(
        {
            "site_id": sites["site_id"].array,  # Arrow-backed text pickles as buffers
            "lon": sites["lon"].to_numpy(dtype="f8"),
            "lat": sites["lat"].to_numpy(dtype="f8"),
        }
    )
    with _client_for(client, scheduler) as c:
        run = _run_dask(c, payload, prepared, sc, npartitions, travel)
        scored = _gather_checked(c, run.scored, "scoring the partitions")
        ranks = _gather_checked(c, run.ranks, "ranking")
    n = len(sites)
    res = pd.concat(scored, axis=0).drop(columns=["site_id", "lon", "lat"])
    rank = np.zeros(n, dtype=np.int64)
    na = np.zeros(n, dtype=bool)
    for pos, r in zip(run.positions, ranks, strict=True):
        rank[pos] = r.to_numpy(dtype="i8", na_value=0)
        na[pos] = r.isna()
    res = res.sort_index()  # back to the input order: the index holds row positions
    if len(res) != n or not np.array_equal(res.index.to_numpy(), np.arange(n)):
        raise EngineError(
            f"the Dask engine returned {len(res)} rows for {n} sites; this is a bug, "
            "please report it with the input size and --npartitions"
        )
    res.index = sites.index
    res.insert(
        res.columns.get_loc("score") + 1, "rank",
        pd.Series(pd.arrays.IntegerArray(rank, na), index=sites.index),
    )  # fmt: skip
    clash = [c for c in sites.columns if c in _result_columns(sc)]
    if clash:
        log.info("sites columns %s are recomputed by scoring", ", ".join(clash))
    base = sites.drop(columns=clash)
    if not isinstance(base, gpd.GeoDataFrame):
        lon, lat = sites["lon"].to_numpy("f8"), sites["lat"].to_numpy("f8")
        with _gc_paused():
            points = gpd.points_from_xy(lon, lat)
        base = gpd.GeoDataFrame(base, geometry=points, crs="EPSG:4326")
    out = pd.concat([base, res], axis=1)
    if why:
        from planner.core.explain import why_texts

        texts = why_texts(out, sc, layers)
        out["why_ru"] = texts["why_ru"]
        out["why_en"] = texts["why_en"]
    # the local engine's column order, taken from scoring one site the local way
    template = score_sites(sites.iloc[:1], layers, sc, day, why=why, network=travel)
    if set(template.columns) == set(out.columns):
        out = out[list(template.columns)]
    out.attrs = {"scenario": sc.name, "scenario_hash": sc.hash, "as_of": day.isoformat()}
    return out, len(run.positions)


# --------------------------------------------------------------------------- partitioned output


def _is_parquet(path: str | os.PathLike) -> bool:
    return str(path).rstrip("/\\").lower().endswith(".parquet")


@contextlib.contextmanager
def _atomic_dir(path: Path, overwrite: bool) -> Iterator[Path]:
    """Yield a new temp folder beside ``path``; on success it replaces ``path``."""
    if path.exists() and not overwrite:
        raise OutputExistsError(
            f"output {str(path)!r} already exists; pass --overwrite to replace it "
            "or choose another name"
        )
    if not path.parent.exists():
        raise OutputError(
            f"output folder {str(path.parent)!r} does not exist; create it first "
            f"(mkdir -p {path.parent})"
        )
    tmp = path.parent / f".{path.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        tmp.mkdir()
    except OSError as exc:
        raise OutputError(
            f"cannot write into folder {str(path.parent)!r}: {exc.strerror}; choose a "
            "writable folder with -o"
        ) from exc
    try:
        yield tmp
        old = None
        if path.exists():
            old = path.parent / f".{path.name}.old-{uuid.uuid4().hex[:8]}"
            os.replace(path, old)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old) if old.is_dir() else old.unlink()
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_scored_parquet(
    scored: gpd.GeoDataFrame, path: str | os.PathLike, overwrite: bool = False
) -> Path:
    """Write a scored table as a one-part partitioned GeoParquet folder (local engine).

    Like :func:`planner.core.scoring.write_scored`, the constant columns scenario,
    scenario_hash and as_of carry ``scored.attrs`` with the data.
    """
    path = Path(str(path).rstrip("/\\"))
    missing = [k for k in ATTR_COLUMNS if k not in scored.attrs]
    if missing:
        raise InputError(
            f"scored table has no {', '.join(missing)} in .attrs; make it with score_sites"
        )
    with _atomic_dir(path, overwrite) as tmp:
        _to_parquet(scored, tmp / "part.00000.parquet", scored.attrs)
    return path


def read_scored_parquet(path: str | os.PathLike) -> gpd.GeoDataFrame:
    """Read a partitioned scored-sites folder (or one part) into one GeoDataFrame.

    Rows come part by part (spatially grouped, not by rank); the constant columns
    scenario, scenario_hash and as_of become ``.attrs``.
    """
    path = Path(path)
    files = sorted(path.glob("part.*.parquet")) if path.is_dir() else [path]
    if not files:
        raise InputError(
            f"{str(path)!r} holds no part.*.parquet files; give the folder written by "
            "planner score-sites -o NAME.parquet"
        )
    gdf = pd.concat([gpd.read_parquet(f) for f in files], ignore_index=True)
    attrs = {}
    for key in ATTR_COLUMNS:
        if key in gdf.columns:
            values = gdf.pop(key).unique()
            if len(values) == 1:
                attrs[key] = str(values[0])
    gdf = gpd.GeoDataFrame(gdf, geometry="geometry", crs="EPSG:4326")
    gdf.attrs = attrs
    return gdf


@dataclasses.dataclass(frozen=True)
class ScoreRun:
    """What a scoring run wrote: for the CLI's summary line and top table."""

    output: Path
    engine: str
    n_sites: int
    n_excluded: int
    n_partitions: int
    scenario: str
    scenario_hash: str
    as_of: str
    top: pd.DataFrame  # rank, site_id, name, score (+ why_en), best first
    seconds: float


def _payload_columns(sites: pd.DataFrame, sc: Scenario) -> tuple[pd.DataFrame, str | None]:
    """All site columns as plain data; a non-point geometry travels as WKB bytes."""
    geom_name = sites.geometry.name if isinstance(sites, gpd.GeoDataFrame) else None
    skip = _result_columns(sc) | {geom_name}
    # .array keeps Arrow-backed text as Arrow buffers: no Python str objects to pickle
    cols = {c: sites[c].array for c in sites.columns if c not in skip}
    wkb_col = None
    if geom_name is not None:
        geom = sites.geometry
        is_point = (geom.geom_type == "Point").to_numpy()
        same = is_point.all() and np.allclose(
            np.c_[geom.x.to_numpy(), geom.y.to_numpy()],
            np.c_[sites["lon"].to_numpy("f8"), sites["lat"].to_numpy("f8")],
            atol=1e-9,
            rtol=0,
        )
        if not same:
            wkb_col = "__geometry_wkb"
            cols[wkb_col] = shapely.to_wkb(geom.to_numpy())
    for k in ("lon", "lat"):
        cols[k] = sites[k].to_numpy(dtype="f8")
    return pd.DataFrame(cols), wkb_col


def _parquet_manifest(path, attrs, n, n_ex, engine, parts, inputs, command, overwrite) -> None:
    from planner.render.outputs import write_manifest

    write_manifest(
        path,
        inputs=dict(inputs or {}),
        scenario={"name": attrs["scenario"], "hash": attrs["scenario_hash"]},
        as_of=attrs["as_of"],
        counts={"sites": n, "excluded": n_ex, "ranked": n - n_ex},
        extra={
            "format": "partitioned GeoParquet (EPSG:4326), part.NNNNN.parquet",
            "engine": engine,
            "partitions": parts,
            "rank": "global: 1 = best score, ties to the smaller site_id, excluded sites null",
        },
        command=command,
        overwrite=overwrite,
    )


def run_score_sites(
    sites: pd.DataFrame,
    layers,
    output: str | os.PathLike,
    scenario: Scenario | str | Path = DEFAULT_SCENARIO,
    as_of: dt.date | str | None = None,
    *,
    engine: str = "local",
    scheduler: str | None = None,
    npartitions: int | None = None,
    why: bool = True,
    overwrite: bool = False,
    top: int = 10,
    client=None,
    inputs: dict | None = None,
    command=None,
    network=None,
) -> ScoreRun:
    """Score ``sites`` and write them: the function ``planner score-sites`` calls.

    ``output`` ending in ``.parquet`` is a partitioned GeoParquet folder (written by the
    workers with the dask engine, one part with the local engine) with a
    ``<output>.manifest.json`` beside it; any other suffix goes through
    :func:`planner.core.scoring.write_scored` (.gpkg, .geojson, .csv) after gathering.
    ``inputs`` and ``command`` are recorded in the manifest (see
    :func:`planner.render.outputs.write_manifest`).
    """
    from planner.core.scoring import parse_as_of, write_scored

    t0 = time.perf_counter()
    _check_engine(engine)
    _check_npartitions(npartitions)
    sc = load_scenario(scenario)
    from planner.core.aggregation import require_chunkable

    if engine != "local":
        require_chunkable(sc, "the Dask engine")
    day = parse_as_of(as_of)
    out_path = Path(str(output).rstrip("/\\"))
    from planner.render.outputs import manifest_path

    for target in (out_path, manifest_path(out_path)):
        if target.exists() and not overwrite:  # fail before the work, not after
            raise OutputExistsError(
                f"output {str(target)!r} already exists; pass --overwrite to replace it "
                "or choose another name"
            )
    if engine == "local" or not _is_parquet(out_path) or len(sites) == 0:
        if engine == "local" or len(sites) == 0:
            scored = score_sites_engine(sites, layers, sc, day, why=why, network=network)
            nparts = 1
        else:
            scored, nparts = _score_dask_gather(
                sites, layers, sc, day, scheduler, npartitions, why, client, network
            )
        if _is_parquet(out_path):
            write_scored_parquet(scored, out_path, overwrite=overwrite)
            _parquet_manifest(out_path, scored.attrs, len(scored),
                              int(scored["excluded"].sum()), engine, nparts, inputs, command,
                              overwrite)  # fmt: skip
        else:
            write_scored(scored, out_path, overwrite=overwrite, inputs=inputs, command=command)
        return ScoreRun(
            output=out_path, engine=engine, n_sites=len(scored),
            n_excluded=int(scored["excluded"].sum()),
            n_partitions=nparts,
            scenario=sc.name, scenario_hash=sc.hash, as_of=day.isoformat(),
            top=_top_rows(scored, why, top), seconds=time.perf_counter() - t0,
        )  # fmt: skip
    # dask + parquet: the workers write the parts, nothing big comes back
    _check_sites(sites)
    from planner.core.criteria import prepare

    prepared = prepare(layers, day)
    travel = _travel(network, layers)
    payload, wkb_col = _payload_columns(sites, sc)
    attrs = {"scenario": sc.name, "scenario_hash": sc.hash, "as_of": day.isoformat()}
    with _atomic_dir(out_path, overwrite) as tmp, _client_for(client, scheduler) as c:
        run = _run_dask(c, payload, prepared, sc, npartitions, travel)
        why_data = None
        if why:
            why_data = c.scatter(
                {"scenario": _pack_scenario(sc), "layers": layers}, broadcast=True, hash=False
            )
        writes = [
            c.submit(_write_part, f, r, wkb_col, str(tmp / f"part.{i:05d}.parquet"), why_data,
                     attrs, pure=False)
            for i, (f, r) in enumerate(zip(run.scored, run.ranks, strict=True))
        ]  # fmt: skip
        results = _gather_checked(c, writes, "writing the GeoParquet parts")
        n = sum(r[0] for r in results)
        n_ex = sum(r[1] for r in results)
        if n != len(sites):
            raise EngineError(
                f"wrote {n} rows for {len(sites)} sites; this is a bug, please report it"
            )
        best = pd.concat([r[2] for r in results], ignore_index=True) if results else pd.DataFrame()
        best = best.sort_values("rank").head(top) if len(best) else best
    _parquet_manifest(out_path, attrs, n, n_ex, engine, len(run.positions), inputs, command,
                      overwrite)  # fmt: skip
    return ScoreRun(
        output=out_path, engine=engine, n_sites=n, n_excluded=n_ex,
        n_partitions=len(run.positions), scenario=sc.name, scenario_hash=sc.hash,
        as_of=day.isoformat(), top=best.reset_index(drop=True), seconds=time.perf_counter() - t0,
    )  # fmt: skip
