"""Scoring engines: the Dask engine gives the local engine's table, survives a dead worker."""

from __future__ import annotations

import json
import os
import pickle
import signal
import threading
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _criteria import point_sites

from planner.config.scenarios import load_scenario
from planner.core.ranking import rank_scores
from planner.core.scoring import score_table
from planner.errors import EngineError, InputError, OutputExistsError
from planner.inputs.sites import builtin_sites, grid_sites
from planner.jobs import dask_engine as engine
from planner.jobs.dask_client import dask_client
from planner.jobs.dask_engine import (
    global_rank,
    hilbert_codes,
    run_score_sites,
    score_sites_engine,
    spatial_partitions,
)
from planner.jobs.score_sites import score_sites
from planner.jobs.scored_parquet import read_scored_parquet

AS_OF = "2025-06-01"


def _random_sites(n: int, seed: int = 0, unique_places: int | None = None) -> pd.DataFrame:
    """Sites over the agglomeration; with ``unique_places`` many share a location (ties)."""
    rng = np.random.default_rng(seed)
    m = unique_places or n
    lon = rng.uniform(76.4, 77.6, m)
    lat = rng.uniform(43.05, 43.95, m)
    pick = rng.integers(0, m, n) if unique_places else np.arange(n)
    ids = np.array([f"s{i:07d}" for i in rng.permutation(n)], dtype=object)
    return pd.DataFrame({"site_id": ids, "lon": lon[pick], "lat": lat[pick]})


# --------------------------------------------------------------------------- no cluster


def test_hilbert_codes_walk_the_grid_cell_by_cell():
    level = 4
    n = 1 << level
    ix, iy = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    x, y = ix.ravel() + 0.5, iy.ravel() + 0.5
    codes = hilbert_codes(x, y, bounds=(0, 0, n, n), level=level)
    assert sorted(codes.tolist()) == list(range(n * n))  # a bijection
    order = np.argsort(codes)
    steps = np.abs(np.diff(ix.ravel()[order])) + np.abs(np.diff(iy.ravel()[order]))
    assert np.all(steps == 1)  # consecutive positions are neighbouring cells


def test_spatial_partitions_cover_every_row_once_and_are_compact():
    sites = _random_sites(20_000, seed=1)
    parts = spatial_partitions(sites["lon"].to_numpy(), sites["lat"].to_numpy(), 8)
    allpos = np.concatenate(parts)
    assert len(parts) == 8 and len(allpos) == len(sites)
    assert np.array_equal(np.sort(allpos), np.arange(len(sites)))
    assert max(map(len, parts)) - min(map(len, parts)) <= 1

    def bbox_area(pos):
        lon, lat = sites["lon"].to_numpy()[pos], sites["lat"].to_numpy()[pos]
        return np.ptp(lon) * np.ptp(lat)

    random_parts = np.array_split(np.random.default_rng(2).permutation(len(sites)), 8)
    assert sum(map(bbox_area, parts)) < 0.5 * sum(map(bbox_area, random_parts))


@pytest.mark.parametrize("seed", range(5))
def test_global_rank_equals_rank_scores(seed):
    rng = np.random.default_rng(seed)
    n = 5000
    score = rng.choice(np.round(rng.uniform(0, 100, 300), 3), n)  # many ties
    score[rng.random(n) < 0.1] = 0.0
    excluded = rng.random(n) < 0.15
    score[excluded] = 0.0
    ids = np.array([f"id-{v}" for v in rng.permutation(n * 3)[:n]], dtype=object)
    want = rank_scores(score, excluded, ties="site_id", site_ids=ids)
    cuts = np.sort(rng.choice(np.arange(1, n), rng.integers(1, 12), replace=False))
    perm = rng.permutation(n)  # parts hold rows in any order
    pieces = np.split(perm, cuts)
    got_parts = global_rank([(score[p], excluded[p], ids[p]) for p in pieces])
    got = np.zeros(n, dtype=np.int64)
    na = np.zeros(n, dtype=bool)
    for p, r in zip(pieces, got_parts, strict=True):
        got[p] = r.to_numpy(dtype="i8", na_value=0)
        na[p] = r.isna()
    np.testing.assert_array_equal(na, excluded)
    np.testing.assert_array_equal(got[~na], want.to_numpy(dtype="i8", na_value=0)[~na])


def test_scenario_payload_pickles_and_scores_identically():
    sc = load_scenario("export-logistics")
    with pytest.raises(TypeError):
        pickle.dumps(sc)  # why the payload exists; if this starts passing, drop the payload
    back = engine._unpack_scenario(pickle.loads(pickle.dumps(engine._pack_scenario(sc))))
    assert back.hash == sc.hash and dict(back.weights) == dict(sc.weights)
    crit = pd.DataFrame(
        {
            "dist_bakad_km": [1.0, 9.0], "dist_interchange_km": [2.0, 20.0],
            "dist_almaty_km": [15.0, 40.0], "in_almaty": [False, False],
            "dist_konaev_km": [60.0, 30.0], "dist_gate_city_km": [5.0, 1.0],
            "zone_status": ["operating", "none"], "sez_status": ["none", "none"],
            "dist_zone_km": [0.0, 12.0], "dist_rail_km": [1.0, 8.0],
            "dist_airport_km": [10.0, 30.0], "dist_highway_km": [0.5, 3.0],
            "dist_khorgos_km": [300.0, 280.0], "dist_housing_km": [2.0, 0.0],
            "excluded": [False, False],
        }
    )  # fmt: skip
    pd.testing.assert_frame_equal(score_table(crit, back), score_table(crit, sc))


def test_local_engine_is_score_sites(layers):
    sites = builtin_sites(layers)
    got = score_sites_engine(sites, layers, as_of=AS_OF, why=True)
    want = score_sites(sites, layers, as_of=AS_OF, why=True)
    pd.testing.assert_frame_equal(pd.DataFrame(got), pd.DataFrame(want))
    assert got.attrs == want.attrs


def test_engine_input_errors(layers, tmp_path):
    sites = _random_sites(10)
    with pytest.raises(InputError, match="spark"):
        score_sites_engine(sites, layers, engine="spark")
    with pytest.raises(InputError, match="npartitions"):
        score_sites_engine(sites, layers, engine="dask", npartitions=0)
    dup = sites.copy()
    dup.loc[3, "site_id"] = dup.loc[7, "site_id"]
    with pytest.raises(InputError, match="not unique.*rows 4 and 8"):
        score_sites_engine(dup, layers, engine="dask")
    bad = sites.copy()
    bad.loc[2, "lat"] = 95.0
    with pytest.raises(InputError, match="row 3"):
        score_sites_engine(bad, layers, engine="dask")
    (tmp_path / "out.parquet").mkdir()
    with pytest.raises(OutputExistsError, match="--overwrite"):
        run_score_sites(sites, layers, tmp_path / "out.parquet", as_of=AS_OF)


def test_unreachable_scheduler_is_a_clean_error(layers):
    with pytest.raises(EngineError, match="cannot connect to the Dask scheduler"):
        with dask_client("tcp://127.0.0.1:9", timeout_s=1):
            pass


def test_local_parquet_output_roundtrip(layers, tmp_path):
    sites = builtin_sites(layers)
    out = tmp_path / "scored.parquet"
    run = run_score_sites(sites, layers, out, as_of=AS_OF, why=False, top=3)
    assert run.n_sites == len(sites) and run.n_partitions == 1
    assert list(run.top["rank"]) == [1, 2, 3]
    back = read_scored_parquet(out)
    want = score_sites(sites, layers, as_of=AS_OF, why=False)
    assert back.attrs == want.attrs
    cols = [c for c in want.columns if c != "geometry"] + ["geometry"]  # geometry goes last
    assert list(back.columns) == cols
    want = pd.DataFrame(want[cols]).reset_index(drop=True)
    pd.testing.assert_frame_equal(pd.DataFrame(back), want)
    manifest = json.loads((tmp_path / "scored.parquet.manifest.json").read_text())
    assert manifest["counts"]["sites"] == len(sites) and manifest["extra"]["engine"] == "local"
    assert manifest["scenario"]["hash"] == back.attrs["scenario_hash"]
    # overwrite replaces the folder whole
    run_score_sites(sites.iloc[:5], layers, out, as_of=AS_OF, why=False, overwrite=True)
    assert len(read_scored_parquet(out)) == 5
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["scored.parquet", "scored.parquet.manifest.json"]  # no temp folders left


# --------------------------------------------------------------------------- Dask cluster


@pytest.fixture(scope="module")
def client():
    pytest.importorskip("distributed")
    # a real LocalCluster: 2 worker processes, 1 thread each
    with dask_client(n_workers=2, threads_per_worker=1, memory_limit="2GiB") as c:
        yield c


def _assert_same_table(got: gpd.GeoDataFrame, want: gpd.GeoDataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    assert got.index.equals(want.index)
    assert got.attrs == want.attrs
    for col in want.columns:
        if col == "geometry":
            assert got.geometry.geom_equals_exact(want.geometry, 1e-12).all()
        elif want[col].dtype.kind == "f":
            np.testing.assert_allclose(got[col], want[col], rtol=1e-12, atol=1e-12, err_msg=col)
        else:
            pd.testing.assert_series_equal(got[col], want[col], check_names=True)


def test_dask_engine_equals_local_on_100k_sites(client, layers):
    # 100k sites on 30k places: many equal scores, ranked by site_id across partitions
    sites = _random_sites(100_000, seed=4, unique_places=30_000)
    sites.index = pd.RangeIndex(100_000, 200_000)  # results come back on the sites' index
    want = score_sites_engine(sites, layers, as_of=AS_OF, engine="local")
    got = score_sites_engine(
        sites, layers, as_of=AS_OF, engine="dask", client=client, npartitions=9
    )
    _assert_same_table(got, want)
    ranked = want["rank"].notna()
    assert ranked.sum() > 50_000 and want.loc[ranked, "score"].duplicated().sum() > 10_000
    assert got["rank"].dropna().is_unique


def test_dask_engine_breaks_ties_by_site_id_as_text(client, layers):
    # 30 sites at 3 places (equal scores within a place), in 4 partitions; as numbers the
    # ids would sort s2 < s10, as text (the rule) s10 < s2
    ids = [f"s{v}" for v in np.random.default_rng(1).permutation(30)]
    sites = point_sites(ids, np.repeat([77.05, 77.3, 76.9], 10), np.full(30, 43.52))
    want = score_sites_engine(sites, layers, as_of=AS_OF, engine="local")
    got = score_sites_engine(
        sites, layers, as_of=AS_OF, engine="dask", client=client, npartitions=4
    )
    pd.testing.assert_series_equal(got["rank"], want["rank"])
    expect = rank_scores(want["score"], want["excluded"], ties="site_id",
                         site_ids=want["site_id"])  # fmt: skip
    pd.testing.assert_extension_array_equal(want["rank"].array, expect)
    for _, place in want.groupby("lon"):
        assert place["score"].nunique() == 1
        assert place.sort_values("rank")["site_id"].tolist() == sorted(place["site_id"])


def test_dask_parquet_output_equals_local(client, layers, tmp_path):
    sites = pd.concat(
        [builtin_sites(layers), grid_sites(layers, spacing_km=3, within_km=8)], ignore_index=True
    )
    sites = gpd.GeoDataFrame(sites, geometry="geometry", crs="EPSG:4326")
    assert (sites.geom_type != "Point").any()  # parcels travel as WKB
    out = tmp_path / "scored.parquet"
    run = run_score_sites(
        sites, layers, f"{out}/", as_of=AS_OF, engine="dask", client=client, npartitions=3, top=5
    )
    assert run.n_sites == len(sites) and run.n_partitions == 3
    assert sorted(p.name for p in out.iterdir()) == [
        "part.00000.parquet", "part.00001.parquet", "part.00002.parquet",
    ]  # fmt: skip
    manifest = json.loads((tmp_path / "scored.parquet.manifest.json").read_text())
    assert manifest["extra"]["partitions"] == 3 and manifest["counts"]["sites"] == len(sites)
    got = read_scored_parquet(out).set_index("site_id").sort_index()
    want = score_sites(sites, layers, as_of=AS_OF, why=True).set_index("site_id").sort_index()
    _assert_same_table(got[want.columns], want)
    assert got.attrs == want.attrs
    assert list(run.top["site_id"]) == list(want.sort_values("rank").index[:5])
    # the gathered path writes other formats through write_sites
    gpkg = tmp_path / "scored.gpkg"
    run_score_sites(sites, layers, gpkg, as_of=AS_OF, engine="dask", client=client, why=False)
    assert len(gpd.read_file(gpkg)) == len(sites)


def test_worker_killed_mid_run_loses_and_duplicates_nothing(client, layers):
    sites = _random_sites(100_000, seed=6)
    want = score_sites_engine(sites, layers, as_of=AS_OF, engine="local")
    pids = client.run(os.getpid)
    result: dict = {}

    def work():
        try:
            result["out"] = score_sites_engine(
                sites, layers, as_of=AS_OF, engine="dask", client=client, npartitions=24
            )
        except BaseException as exc:  # reported below
            result["error"] = exc

    th = threading.Thread(target=work)
    th.start()
    victim = None
    deadline = time.monotonic() + 60
    while victim is None and time.monotonic() < deadline:
        for addr, keys in client.processing().items():
            if any("planner-score" in str(k) for k in keys):
                victim = addr
                break
        time.sleep(0.005)
    assert victim is not None, "no scoring task was seen running"
    os.kill(pids[victim], signal.SIGKILL)
    th.join(timeout=240)
    assert not th.is_alive()
    assert "error" not in result, result.get("error")
    got = result["out"]
    assert len(got) == len(sites)
    assert got["site_id"].is_unique
    assert set(got["site_id"]) == set(sites["site_id"])
    pd.testing.assert_series_equal(got["rank"], want["rank"])
    np.testing.assert_allclose(got["score"], want["score"], rtol=1e-12)
    # the dead worker was replaced (its pid is gone)
    client.wait_for_workers(2, timeout=60)
    assert pids[victim] not in client.run(os.getpid).values()


def test_cli_score_sites_engine_dask_uses_the_scheduler(cli, client, layers, tmp_path):
    out = tmp_path / "grid.parquet"
    res = cli(
        "score-sites", "grid", "--lang", "en", "-o", out, "--engine", "dask",
        "--scheduler", client.scheduler.address, "--no-why", "--top", "0",
    )
    assert res.exit_code == 0, res.output
    assert "engine dask" in res.output
    back = read_scored_parquet(out)
    want = score_sites(grid_sites(layers), layers, why=False)
    assert len(back) == len(want)
    assert sorted(back["site_id"]) == sorted(want["site_id"])
    merged = back.set_index("site_id")["rank"].astype("Int64")
    assert (merged.loc[want["site_id"]].to_numpy() == want["rank"].to_numpy()).all()


def test_cli_score_sites_unknown_engine_is_an_error(cli, tmp_path):
    res = cli("score-sites", "--lang", "en",
              "builtin", "-o", tmp_path / "x.csv", "--engine", "spark")
    assert res.exit_code == 1
    assert "spark" in res.output
