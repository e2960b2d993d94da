"""Travel-time criteria in scenarios, scoring, reasons, batch ranking, compare and the
Dask engine (identical to the local engine)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _book import read_out_csv
from typer.testing import CliRunner

from planner.cli.app import app, register_commands
from planner.config.scenarios import list_scenarios, load_scenario, scenario_from_dict
from planner.config.sectors import load_sectors
from planner.core.travel import TRAVEL_COLUMNS, prepare_travel
from planner.errors import InputError, ScenarioError
from planner.inputs.roads import builtin_roads
from planner.inputs.sites import grid_sites
from planner.jobs import dask_engine as engine
from planner.jobs.score_sites import score_sites

register_commands()
runner = CliRunner()
TIME = "bakad-perimeter-time"


@pytest.fixture(scope="module")
def network(layers):
    return builtin_roads(layers).network


def linear(**kw):
    return {"transform": "linear", "weight": 1, **kw}


# --------------------------------------------------------------------------- scenarios


def test_distance_scenarios_keep_their_hashes():
    hashes = {s.name: s.hash for s in list_scenarios()}
    # the hashes before travel times existed: adding criteria changed no distance scenario
    assert hashes["bakad-perimeter"] == "cb52f3e1b518"
    assert hashes["export-logistics"] == "70ccb2047164"
    assert hashes["konaev-countermagnet"] == "88ec7fc47d88"
    assert TIME in hashes


def test_time_criteria_take_minutes():
    ramp = linear(full_at_min=5, zero_at_min=40)
    sc = scenario_from_dict({"criteria": {"time_interchange": ramp}})
    assert sc.describe()["criteria"]["time_interchange"]["full_at_min"] == 5
    with pytest.raises(ScenarioError, match="scored in minutes.*_min"):
        scenario_from_dict({"criteria": {"time_rail": linear(full_at_km=1, zero_at_km=9)}})
    with pytest.raises(ScenarioError, match="scored in km.*time_rail"):
        scenario_from_dict({"criteria": {"rail": linear(full_at_min=1, zero_at_min=9)}})
    with pytest.raises(ScenarioError, match=r"time_airport\.zero_at_min`: a required key"):
        scenario_from_dict({"criteria": {"time_airport": linear(full_at_min=1)}})
    with pytest.raises(ScenarioError, match="`full_at_min` and `zero_at_min` are both 3"):
        scenario_from_dict({"criteria": {"time_airport": linear(full_at_min=3, zero_at_min=3)}})
    band = {"transform": "band", "weight": 1, "inside_value": 0.0, "zero_below_min": 1,
            "full_from_min": 2, "full_to_min": 3, "zero_above_min": 4}  # fmt: skip
    assert scenario_from_dict({"criteria": {"time_almaty": band}}).criteria["time_almaty"]
    table = {"transform": "points", "weight": 1, "speed_kmh": 40,
             "classes": [{"from_min": 0, "to_min": 10, "points": 10},
                         {"from_min": 10, "points": 0}]}  # fmt: skip
    with pytest.raises(ScenarioError, match="already in minutes"):
        scenario_from_dict({"criteria": {"time_rail": table}})
    with pytest.raises(ScenarioError, match="inside_value"):
        scenario_from_dict({"criteria": {"time_konaev": band}})


def test_a_sector_multiplier_applies_to_the_travel_time_twin():
    cat = load_sectors()
    prof = next(p for p in cat.sectors.values() if p.multipliers.get("rail", 1.0) != 1.0)
    assert prof.multiplier("time_rail") == prof.multiplier("rail")


# --------------------------------------------------------------------------- scoring


def test_scoring_by_travel_time(layers, network):
    out = score_sites("builtin", layers, TIME, "2026-01-01", network=network)
    for col in TRAVEL_COLUMNS:
        assert col in out.columns
    assert np.isfinite(out["time_interchange_min"]).all()
    assert (out["time_interchange_min"] > 0).all()
    # by road is never faster than the straight line at the fastest speed (100 km/h)
    assert (out["time_interchange_min"] >= out["dist_interchange_km"] * 60 / 100 - 1e-9).all()
    ics = set(layers.kind("bakad", "interchange")["id"])
    assert set(out["nearest_interchange_by_road"].astype(str)) <= ics
    assert out["why_ru"].str.contains("мин по дорогам до развязки БАКАД «").any()
    assert out["why_en"].str.contains("min by road to BAKAD interchange ").any()
    assert out["score"].between(0, 100).all()


def test_travel_scenario_without_network_says_how_to_get_one(layers):
    with pytest.raises(InputError, match="--network"):
        score_sites("builtin", layers, TIME, "2026-01-01")


def test_distance_scoring_is_unchanged_by_a_network(layers, network):
    plain = score_sites("builtin", layers, "bakad-perimeter", "2026-01-01")
    with_net = score_sites("builtin", layers, "bakad-perimeter", "2026-01-01", network=network)
    pd.testing.assert_frame_equal(with_net[plain.columns], plain)


# --------------------------------------------------------------------------- engines


@pytest.fixture(scope="module")
def client():
    pytest.importorskip("distributed")
    from planner.jobs.dask_client import dask_client

    with dask_client(n_workers=2, threads_per_worker=1, memory_limit="2GiB") as c:
        yield c


def test_dask_and_local_give_identical_travel_times(layers, network, client):
    sites = grid_sites(layers, spacing_km=4, within_km=15)
    travel = prepare_travel(network, layers)
    local = engine.score_sites_engine(sites, layers, TIME, "2026-01-01", network=travel,
                                      why=True)  # fmt: skip
    dask = engine.score_sites_engine(sites, layers, TIME, "2026-01-01", engine="dask",
                                     npartitions=3, client=client, network=network,
                                     why=True)  # fmt: skip
    assert list(dask.columns) == list(local.columns)
    for col in (*TRAVEL_COLUMNS, "score", "rank", "why_ru"):
        pd.testing.assert_series_equal(dask[col], local[col], check_exact=True)


# --------------------------------------------------------------------------- CLI


def test_cli_score_and_compare_with_a_network(tmp_path, monkeypatch):
    from pathlib import Path

    monkeypatch.setenv("PLANNER_CACHE_DIR", str(tmp_path / "cache"))
    net = tmp_path / "coarse.npz"
    res = runner.invoke(app, ["network", "build", "builtin", "-o", str(net), "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert "INDICATIVE" in res.output
    companies = Path(__file__).resolve().parents[1] / "geodata" / "examples" / "companies.csv"
    out = tmp_path / "r.csv"
    res = runner.invoke(app, ["score", str(companies), "-o", str(out), "--scenario", TIME,
                              "--network", str(net), "-q"])  # fmt: skip
    assert res.exit_code == 3, res.output  # the example has 2 rejected rows
    table = read_out_csv(out)  # ";" with decimal commas, as the example list
    assert {"time_interchange_min", "c_time_interchange"} <= set(table.columns)
    assert table["why_ru"].str.contains("мин по дорогам").any()
    res = runner.invoke(app, ["compare", "iz-kairat", "aiz-1", "--scenario", TIME,
                              "--network", str(net), "--lang", "en"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "By road to a BAKAD" in res.output and " min" in res.output
    scored = tmp_path / "s.csv"
    res = runner.invoke(app, ["score-sites", "builtin", "-o", str(scored), "--scenario", TIME])
    assert res.exit_code == 0, res.output
    manifest = (tmp_path / "s.csv.manifest.json").read_text(encoding="utf-8")
    assert "built-in coarse network (INDICATIVE)" in manifest  # what the scores rest on
    assert pd.read_csv(scored)["time_almaty_min"].notna().all()


def test_load_scenario_time_is_built_in():
    sc = load_scenario(TIME)
    assert {"time_interchange", "time_almaty", "zone"} <= set(sc.criteria)


def test_a_surface_refuses_travel_time_scenarios(layers):
    from planner.core.prepared import Prepared
    from planner.core.surface import compute_surface

    with pytest.raises(InputError, match="travel times by road"):
        compute_surface(Prepared.of(layers, "2026-01-01"), TIME, cell_m=5000)
