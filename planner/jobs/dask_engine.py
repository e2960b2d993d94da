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
   ``site_id`` of tied rows only (:func:`planner.core.ranking.global_rank` and its parts).
   They equal :func:`planner.core.ranking.rank_scores` on the whole table.

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
from planner import i18n
from planner._atomic import Output, atomic_dir, check_outputs
from planner.config.scenarios import DEFAULT_SCENARIO, Scenario, load_scenario
from planner.core.ranking import RankTable, global_rank, score_summary, tie_offsets
from planner.core.sitetable import check_sites_table
from planner.errors import EngineError, InputError, PlannerError

from .dask_client import check_scheduler, client_for, worker_count
from .scored_parquet import drop_partials, is_parquet, write_part, write_scored_parquet

__all__ = [
    "DEFAULT_PARTITION_SITES",
    "ENGINES",
    "EngineOptions",
    "ScoreRun",
    "global_rank",
    "hilbert_codes",
    "run_score_sites",
    "score_sites_engine",
    "spatial_partitions",
]

#: times a part's write (and its rank) is retried after a worker died or the write failed
WRITE_RETRIES = 3
#: scoring + writing on the cluster, at most this many times when work is lost with a worker
RUN_ATTEMPTS = 2

log = logging.getLogger(__name__)

ENGINES = ("local", "dask")
#: sites per partition when ``npartitions`` is not given (~0.1-0.5 s of work per task)
DEFAULT_PARTITION_SITES = 250_000


# --------------------------------------------------------------------------- checks


def _check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise InputError(i18n.tr("err.dask.engine_unknown", engine=engine,
                                 engines=", ".join(ENGINES)))
    return engine


def _check_npartitions(npartitions: int | None) -> None:
    if npartitions is not None and (
        isinstance(npartitions, bool) or not isinstance(npartitions, int) or npartitions < 1
    ):
        raise InputError(i18n.tr("err.dask.npartitions", value=repr(npartitions)))


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


def _in_lang(lang: str, func, /, *args):
    """Run a worker task in the message language of the command that submitted it (a
    worker does not inherit it): its errors then speak the user's language."""
    with i18n.use_lang(lang):
        return func(*args)


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
    return score_summary(scored["score"].to_numpy(), scored["excluded"].to_numpy())


def _tied_task(
    scored: pd.DataFrame, table: RankTable
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    score = scored["score"].to_numpy(dtype="f8")
    m = table.tied_mask(score, scored["excluded"].to_numpy())
    return np.flatnonzero(m), score[m], scored["site_id"].to_numpy(dtype=object)[m]


def _rank_task(scored: pd.DataFrame, table: RankTable, rows: np.ndarray, offsets: np.ndarray):
    return table.ranks(scored["score"].to_numpy(), scored["excluded"].to_numpy(), rows, offsets)


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

        texts = why_texts(gdf, _unpack_scenario(why["scenario"]), why["names"])
        for col in texts.columns:
            gdf[col] = texts[col]
    write_part(gdf, path, attrs)
    top = _top_rows(gdf, why is not None)
    return len(gdf), int(gdf["excluded"].sum()), top


def _top_rows(df: pd.DataFrame, why: bool, n: int = 100) -> pd.DataFrame:
    whys = [f"why_{lang}" for lang in i18n.LANGS if why and f"why_{lang}" in df]
    cols = ["rank", "site_id", "name", "score", *whys]
    cols = [c for c in cols if c in df.columns]
    ranked = df[df["rank"].notna()]
    return pd.DataFrame(ranked[cols]).sort_values("rank").head(n)


# --------------------------------------------------------------------------- the Dask run


@dataclasses.dataclass
class _DaskRun:
    client: Any
    scored: list  # futures of scored partitions (pd.DataFrame)
    positions: list[np.ndarray]  # row positions of each partition in the input
    table: RankTable
    ranks: list  # futures of IntegerArray ranks per partition
    # the scattered inputs (prepared layers, rank table), held while the run's futures
    # live: a partition lost with a killed worker is recomputed from them (released, they
    # would be forgotten and every task depending on them cancelled)
    held: tuple = ()


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
    lang = i18n.message_lang()
    nparts = npartitions or _default_npartitions(n, worker_count(client))
    positions = spatial_partitions(payload["lon"].to_numpy(), payload["lat"].to_numpy(), nparts)
    token = uuid.uuid4().hex[:12]
    scenario_data = _pack_scenario(sc)
    prepared_f = client.scatter(prepared, broadcast=True, hash=False)
    travel_f = None if travel is None else client.scatter(travel, broadcast=True, hash=False)
    log.info(
        "dask: %d sites in %d partitions on %d workers", n, len(positions), worker_count(client)
    )
    # Each partition travels inside its task so the scheduler can recompute it if a
    # worker dies (scattered data would be lost with the worker). The graphs are then
    # large on purpose: raise distributed's size warning threshold for these submits only.
    biggest = max((len(p) for p in positions), default=0)
    row_bytes = payload.memory_usage(deep=True).sum() / max(n, 1)
    threshold = max(10 << 20, int(biggest * row_bytes * 2))
    with dask.config.set({"distributed.admin.large-graph-warning-threshold": threshold}):
        scored = [
            client.submit(
                _in_lang, lang, _score_part, payload.iloc[pos], prepared_f, scenario_data,
                travel_f, key=f"planner-score-{token}-{i}", pure=False,
            )
            for i, pos in enumerate(positions)
        ]  # fmt: skip
    summaries = client.gather([client.submit(_in_lang, lang, _summary_task, f, pure=False)
                               for f in scored])  # fmt: skip
    table = RankTable.merge(summaries)
    table_f = client.scatter(table, broadcast=True, hash=False)
    tied = client.gather([client.submit(_in_lang, lang, _tied_task, f, table_f, pure=False)
                          for f in scored])  # fmt: skip
    t_score = np.concatenate([t[1] for t in tied]) if tied else np.empty(0)
    t_ids = np.concatenate([t[2] for t in tied]) if tied else np.empty(0, dtype=object)
    offsets = tie_offsets(t_score, t_ids, "site_id")
    if len(t_score):
        log.info("dask: %d tied rows ranked by site_id", len(t_score))
    ranks, k = [], 0
    for f, (rows, _, _) in zip(scored, tied, strict=True):
        ranks.append(
            client.submit(_in_lang, lang, _rank_task, f, table_f, rows,
                          offsets[k : k + len(rows)], pure=False,
                          retries=WRITE_RETRIES)  # fmt: skip
        )
        k += len(rows)
    return _DaskRun(client=client, scored=scored, positions=positions, table=table, ranks=ranks,
                    held=(prepared_f, table_f))  # fmt: skip


def _gather_checked(client, futures, what: str):
    try:
        return client.gather(futures)
    except PlannerError:
        raise
    except Exception as exc:  # a task failed on a worker (the cause is chained)
        raise EngineError(i18n.tr("err.dask.failed", what=i18n.tr(f"err.dask.while_{what}"),
                                  error=f"{type(exc).__name__}: {exc}")) from exc


# --------------------------------------------------------------------------- public API


@dataclasses.dataclass(frozen=True)
class EngineOptions:
    """Where scoring runs: ``engine`` and, for ``dask``, the cluster and the partitions.

    ``scheduler`` is an address or scheduler file (None: a LocalCluster here), ``client``
    an existing ``distributed.Client`` (overrides ``scheduler``), ``npartitions`` None for
    ~250k sites each, at least 2 per worker.
    """

    engine: str = "local"
    scheduler: str | None = None
    npartitions: int | None = None
    client: Any = None

    def checked(self) -> EngineOptions:
        _check_engine(self.engine)
        _check_npartitions(self.npartitions)
        if self.client is None:
            check_scheduler(self.scheduler)
        return self

    def on_cluster(self, n_sites: int) -> bool:
        """Whether the sites go to the cluster (an empty table is scored here)."""
        return self.engine == "dask" and n_sites > 0


@dataclasses.dataclass(frozen=True)
class _ScoreJob:
    """One scoring request with the scenario loaded and the date resolved."""

    sites: pd.DataFrame
    layers: Any
    scenario: Scenario
    day: dt.date
    why: bool
    engine: EngineOptions
    network: Any = None  # a RoadNetwork, its prepared travel times, or None
    terrain: Any = None  # a DEM (planner.core.terrain.Terrain) or None

    @classmethod
    def make(cls, sites, layers, scenario, as_of, why: bool, engine: EngineOptions,
             network=None, terrain=None) -> _ScoreJob:  # fmt: skip
        from planner.core.scoring import parse_as_of

        engine = engine.checked()
        sc = load_scenario(scenario)
        if engine.engine != "local":  # a set-relative method cannot score in partitions
            from planner.core.aggregation import require_chunkable

            require_chunkable(sc, "dask")
        return cls(sites, layers, sc, parse_as_of(as_of), why, engine, network, terrain)

    def prepared(self):
        """The layers resolved for the date, with the travel times on the network (one
        Dijkstra per target group, here, before any partition is sent)."""
        from planner.core.prepared import Prepared

        return (Prepared.of(self.layers, self.day).with_network(self.network)
                .with_terrain(self.terrain, self.scenario))  # fmt: skip

    @property
    def attrs(self) -> dict[str, str]:
        """``.attrs`` of the scored table (and the constant columns of the parquet parts)."""
        sc = self.scenario
        return {"scenario": sc.name, "scenario_hash": sc.hash, "as_of": self.day.isoformat()}

    def score_here(self) -> gpd.GeoDataFrame:
        """The local engine: :func:`planner.jobs.score_sites.score_sites` in this process."""
        from planner.jobs.score_sites import score_sites

        return score_sites(self.sites, self.layers, self.scenario, self.day, why=self.why,
                           network=self.network, terrain=self.terrain)  # fmt: skip


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
    terrain=None,
) -> gpd.GeoDataFrame:
    """Score sites with the chosen engine; both give the same table.

    Parameters
    ----------
    sites
        A sites table (GeoDataFrame, or a DataFrame with ``site_id``, ``lon``, ``lat``).
    layers, scenario, as_of
        As for :func:`planner.jobs.score_sites.score_sites`.
    engine, scheduler, npartitions, client
        See :class:`EngineOptions`: ``"local"`` (this process) or ``"dask"`` (a Dask
        cluster).
    why
        Add ``why_ru``/``why_kk``/``why_en`` (computed on the gathered table).
    network
        A road network (:class:`planner.core.network.RoadNetwork`) or its prepared travel
        times, for the travel-time criteria: the Dask engine computes the node x target
        times once and broadcasts them.
    terrain
        A DEM (:class:`planner.core.terrain.Terrain`), broadcast with the layers.

    Returns
    -------
    GeoDataFrame as from :func:`planner.jobs.score_sites.score_sites`: on the sites' index, in their
    order, ``.attrs`` = scenario, scenario_hash, as_of.
    """
    job = _ScoreJob.make(sites, layers, scenario, as_of, why,
                         EngineOptions(engine, scheduler, npartitions, client),
                         network, terrain)  # fmt: skip
    if not job.engine.on_cluster(len(sites)):
        return job.score_here()
    return _score_dask_gather(job)[0]


def _result_columns(sc: Scenario) -> set[str]:
    """Columns that scoring (re)computes: a sites column of the same name is replaced."""
    from planner.core.criteria import CRITERIA_COLUMNS
    from planner.core.terrain import TERRAIN_COLUMNS
    from planner.core.travel import TRAVEL_COLUMNS

    keys = list(sc.criteria)
    return {
        *CRITERIA_COLUMNS, *TRAVEL_COLUMNS, *TERRAIN_COLUMNS,
        *(f"u_{k}" for k in keys), *(f"c_{k}" for k in keys),
        "score", "rank", *(f"why_{lang}" for lang in i18n.LANGS),
    }  # fmt: skip


def _score_dask_gather(job: _ScoreJob) -> tuple[gpd.GeoDataFrame, int]:
    """Score on the cluster and gather the table (as the local engine's); also the number
    of partitions."""
    from planner.jobs.score_sites import score_sites

    sites, layers, sc, day, why = job.sites, job.layers, job.scenario, job.day, job.why
    check_sites_table(sites)
    prepared = job.prepared()
    payload = pd.DataFrame(
        {
            "site_id": sites["site_id"].array,  # Arrow-backed text pickles as buffers
            "lon": sites["lon"].to_numpy(dtype="f8"),
            "lat": sites["lat"].to_numpy(dtype="f8"),
        }
    )
    with client_for(job.engine.client, job.engine.scheduler) as c:
        run = _run_dask(c, payload, prepared.arrays, sc, job.engine.npartitions,
                        prepared.travel)  # fmt: skip
        scored = _gather_checked(c, run.scored, "scoring")
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

        texts = why_texts(out, sc, prepared.names)
        for col in texts.columns:
            out[col] = texts[col]
    # the local engine's column order, taken from scoring one site the local way
    template = score_sites(sites.iloc[:1], layers, sc, day, why=why, network=prepared.travel,
                           terrain=job.terrain, check_dem=False)  # fmt: skip
    if set(template.columns) == set(out.columns):
        out = out[list(template.columns)]
    out.attrs = job.attrs
    return out, len(run.positions)


# --------------------------------------------------------------------------- score and write


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
    top: pd.DataFrame  # rank, site_id, name, score (+ why_ru, why_kk, why_en), best first
    seconds: float
    #: rows of a sites file left out (written to ``rejects``); exit code 3 when any
    n_rejected: int = 0
    rejects: Path | None = None


@dataclasses.dataclass(frozen=True)
class _Target:
    """Where and how a run writes, and what its manifest records."""

    path: Path
    overwrite: bool
    top: int
    inputs: dict | None
    command: Any
    lang: str | None = None

    def run(self, job: _ScoreJob, n: int, n_ex: int, parts: int, top: pd.DataFrame) -> ScoreRun:
        sc = job.scenario
        return ScoreRun(
            output=self.path, engine=job.engine.engine, n_sites=n, n_excluded=n_ex,
            n_partitions=parts, scenario=sc.name, scenario_hash=sc.hash,
            as_of=job.day.isoformat(), top=top, seconds=0.0,
        )  # fmt: skip

    def parquet_manifest(self, run: ScoreRun) -> None:
        from planner.render.outputs import write_manifest

        write_manifest(
            run.output,
            inputs=dict(self.inputs or {}),
            scenario={"name": run.scenario, "hash": run.scenario_hash},
            as_of=run.as_of,
            counts={"sites": run.n_sites, "excluded": run.n_excluded,
                    "ranked": run.n_sites - run.n_excluded},  # fmt: skip
            extra={
                "format": "partitioned GeoParquet (EPSG:4326), part.NNNNN.parquet",
                "engine": run.engine,
                "partitions": run.n_partitions,
                "rank": "global: 1 = best score, ties to the smaller site_id, excluded sites null",
            },
            command=self.command,
            overwrite=self.overwrite,
        )


#: what ``planner score-sites -o`` writes
SCORED_SUFFIXES = (".gpkg", ".geojson", ".csv", ".xlsx", ".parquet")


def run_score_sites(
    sites: pd.DataFrame | str | Path,
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
    rejects: str | os.PathLike | None = None,
    strict: bool = False,
    csv_sep: str | None = None,
    lang: str = "ru",
    sector: str | None = None,
    dem=None,
) -> ScoreRun:
    """Score ``sites`` and write them: the function ``planner score-sites`` calls.

    ``sites`` is a sites table or a spec for :func:`planner.inputs.sites.load_sites`
    (``"builtin"``, ``"grid"`` or a file); ``layers`` a LayerSet or what
    :func:`planner.inputs.layers.load_layers` takes (None: built-in). The scenario, the
    options and the output are checked (:func:`planner._atomic.check_outputs`) before
    anything is read.

    ``output`` ending in ``.parquet`` is a partitioned GeoParquet folder (written by the
    workers with the dask engine, one part with the local engine) with a
    ``<output>.manifest.json`` beside it; any other suffix goes through
    :func:`planner.jobs.score_sites.write_scored` (.gpkg, .geojson, .csv, .xlsx) after gathering.
    ``inputs`` and ``command`` are recorded in the manifest (see
    :func:`planner.render.outputs.write_manifest`). ``network`` is a road network file
    (``planner network build``), ``"builtin"`` or None; a travel-time scenario without
    one uses the coarse built-in network (logged, and recorded in the manifest). ``dem``
    is an elevation model file (GeoTIFF, any CRS) for the scenario's ``[terrain]`` limits.

    A sites file's bad rows are left out and written to ``rejects`` (default
    ``<stem>.rejects.csv`` beside ``output``; in the file's CSV convention or ``csv_sep``,
    :mod:`planner.jobs.table_files`); ``strict`` refuses such a file instead. ``lang``:
    an ``.xlsx`` output for people in that language (:mod:`planner.render.xlsx_book`) and
    the built-in sites' names in it.
    ``sector`` (a sector key, title or OKED code) scores the sites as a company of that
    sector would (:func:`planner.config.sectors.scenario_for_sector`: its weights and
    transforms; the scenario is then named ``<scenario>@<sector>``).
    """
    t0 = time.perf_counter()
    engine_opts = EngineOptions(engine, scheduler, npartitions, client).checked()
    scenario = load_scenario(scenario)  # a bad scenario fails before any reading
    if sector is not None:
        from planner.config.sectors import scenario_for_sector

        scenario = scenario_for_sector(scenario, sector)
    target = _Target(Path(str(output).rstrip("/\\")), overwrite, top, inputs, command, lang)
    from .table_files import rejects_output

    rej = rejects_output(target.path, rejects) if _is_file(sites) else None
    check_outputs([Output(target.path, "output", SCORED_SUFFIXES, "-o scored.gpkg",
                          manifest=True), rej], overwrite,
                  inputs=[sites, layers, scenario, inputs, scheduler, dem])  # fmt: skip
    layers, sites = _read_inputs(layers, sites, strict, lang or "ru")
    from planner.inputs.roads import network_for_scenario, network_inputs

    net, note = network_for_scenario(network, scenario, layers)
    if note:
        log.warning("%s", note)
    if net is not None:
        target = dataclasses.replace(
            target, inputs={**(target.inputs or {}), **network_inputs(network, net)}
        )
    from planner.inputs.dem import load_terrain, unknown_note

    terrain = load_terrain(dem)
    if terrain is not None:
        note = unknown_note(terrain, sites)
        if note:
            log.warning("%s", note)
        target = dataclasses.replace(target, inputs={**(target.inputs or {}), "dem": dem})
    job = _ScoreJob.make(sites, layers, scenario, as_of, why, engine_opts, net, terrain)
    if job.engine.on_cluster(len(sites)) and is_parquet(target.path):
        run = _score_parts_on_cluster(job, target)
    else:
        run = _score_and_write(job, target)
    n_rej, rej_path = _write_site_rejects(sites, rej, target, run, csv_sep)
    return dataclasses.replace(run, seconds=time.perf_counter() - t0, n_rejected=n_rej,
                               rejects=rej_path)  # fmt: skip


def _is_file(sites) -> bool:
    return not isinstance(sites, pd.DataFrame) and str(sites) not in ("builtin", "grid")


def _write_site_rejects(sites, rej, target: _Target, run: ScoreRun, csv_sep):
    """The rejected rows of a sites file, written beside the output: (count, path)."""
    from planner.inputs.sites import site_rejects

    from .table_files import CsvStyle, write_rejects

    table = site_rejects(sites)
    if rej is None or not len(table):
        return 0, None
    facts = sites.attrs.get("site_file", {})
    write_rejects(table, rej.path, overwrite=target.overwrite,
                  style=CsvStyle.follow(facts, csv_sep), lang=target.lang or "ru",
                  inputs=dict(target.inputs or {}), command=target.command,
                  counts={k: facts.get(k) for k in ("rows_in", "valid", "rejected")},
                  scenario={"name": run.scenario, "hash": run.scenario_hash},
                  as_of=run.as_of)  # fmt: skip
    return len(table), rej.path


def _read_inputs(layers, sites, strict: bool = True, lang: str = "ru") -> tuple[Any, pd.DataFrame]:
    """The LayerSet and the sites table, read from their specs when not given as objects
    (the built-in sites named in ``lang``)."""
    from planner.core.layerset import LayerSet

    if not isinstance(layers, LayerSet):
        from planner.inputs.layers import load_layers

        layers = load_layers(layers)
    if not isinstance(sites, pd.DataFrame):
        from planner.inputs.sites import load_sites

        sites = load_sites(sites, layers, lang, strict=strict)
    return layers, sites


def _score_and_write(job: _ScoreJob, target: _Target) -> ScoreRun:
    """Score (here or gathered from the cluster), then write one file or one parquet part."""
    from planner.jobs.score_sites import write_scored

    if job.engine.on_cluster(len(job.sites)):
        scored, nparts = _score_dask_gather(job)
    else:
        scored, nparts = job.score_here(), 1
    n_ex = int(scored["excluded"].sum())
    run = target.run(job, len(scored), n_ex, nparts, _top_rows(scored, job.why, target.top))
    if is_parquet(target.path):
        write_scored_parquet(scored, target.path, overwrite=target.overwrite)
        target.parquet_manifest(run)
    else:
        write_scored(scored, target.path, overwrite=target.overwrite, inputs=target.inputs,
                     command=target.command, lang=target.lang)  # fmt: skip
    return run


def _score_parts_on_cluster(job: _ScoreJob, target: _Target) -> ScoreRun:
    """dask + parquet: the workers write the parts, nothing big comes back."""
    sites, sc = job.sites, job.scenario
    check_sites_table(sites)
    prepared = job.prepared()
    payload, wkb_col = _payload_columns(sites, sc)
    eng = job.engine
    with atomic_dir(target.path, target.overwrite) as tmp, \
            client_for(eng.client, eng.scheduler) as c:  # fmt: skip
        why_data = None
        if job.why:
            # small: travels inside each write task, so a write retried after a worker died
            # finds it (scattered, it was lost with the worker and the writes cancelled)
            why_data = {"scenario": _pack_scenario(sc), "names": prepared.names}
        for attempt in range(1, RUN_ATTEMPTS + 1):
            run = _run_dask(c, payload, prepared.arrays, sc, eng.npartitions, prepared.travel)
            try:
                results = _write_parts(c, run, tmp, wkb_col, why_data, job.attrs)
                break
            except EngineError as exc:
                if attempt == RUN_ATTEMPTS or not _lost_work(exc.__cause__):
                    raise
                log.warning("%s", i18n.tr("warn.jobs.dask_retry", error=exc.__cause__))
                for p in tmp.iterdir():
                    p.unlink(missing_ok=True)
        drop_partials(tmp)
        n = sum(r[0] for r in results)
        n_ex = sum(r[1] for r in results)
        if n != len(sites):
            raise EngineError(
                f"wrote {n} rows for {len(sites)} sites; this is a bug, please report it"
            )
        best = pd.concat([r[2] for r in results], ignore_index=True) if results else pd.DataFrame()
        best = best.sort_values("rank").head(target.top) if len(best) else best
    out = target.run(job, n, n_ex, len(run.positions), best.reset_index(drop=True))
    target.parquet_manifest(out)
    return out


def _write_parts(c, run: _DaskRun, tmp: Path, wkb_col, why_data, attrs) -> list:
    """Each partition written as ``tmp/part.NNNNN.parquet`` by a worker; their results.

    A write whose worker dies is retried (each write replaces its own file); where the
    cluster cannot recompute the inputs of a write any more (they were lost with the
    worker: "already forgotten"), the caller scores and writes again.
    """
    lang = i18n.message_lang()
    writes = [
        c.submit(_in_lang, lang, _write_part, f, r, wkb_col, str(tmp / f"part.{i:05d}.parquet"),
                 why_data, attrs, key=f"planner-write-{uuid.uuid4().hex[:12]}-{i}", pure=False,
                 retries=WRITE_RETRIES)
        for i, (f, r) in enumerate(zip(run.scored, run.ranks, strict=True))
    ]  # fmt: skip
    return _gather_checked(c, writes, "writing")


def _lost_work(exc: BaseException | None) -> bool:
    """A task cancelled or killed with its worker (not an error of the task itself)."""
    return type(exc).__name__ in ("FutureCancelledError", "CancelledError", "KilledWorker")


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
