"""Scoring: transforms, points, score, rank, reasons, score_sites and `planner score-sites`."""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _criteria import make_criteria, point_sites

from planner import InputError
from planner.config.scenarios import CRITERIA, load_scenario, scenario_from_dict
from planner.core.criteria import CRITERIA_COLUMNS
from planner.core.explain import why_texts
from planner.core.prepared import Prepared
from planner.core.ranking import rank_scores
from planner.core.scoring import score_table, utilities
from planner.inputs.sites import builtin_sites, read_sites
from planner.jobs.score_sites import score_sites


def _one(key: str, spec: dict):
    return scenario_from_dict({"criteria": {key: {"weight": 1, **spec}}}, source="test")


# --------------------------------------------------------------------------- transforms


def test_linear_nearer_is_better():
    sc = _one("bakad", {"transform": "linear", "full_at_km": 2, "zero_at_km": 12})
    d = np.array([0, 2, 4.5, 7, 12, 30, np.nan])
    u = utilities(make_criteria(len(d), dist_bakad_km=d), sc)["u_bakad"].to_numpy()
    np.testing.assert_allclose(u, [1, 1, 0.75, 0.5, 0, 0, 0])


def test_linear_farther_is_better():
    sc = _one("housing", {"transform": "linear", "full_at_km": 3, "zero_at_km": 0.5})
    d = np.array([0, 0.5, 1.75, 3, 10])
    u = utilities(make_criteria(len(d), dist_housing_km=d), sc)["u_housing"].to_numpy()
    np.testing.assert_allclose(u, [0, 0, 0.5, 1, 1])


def test_exponential_halves_every_half_km():
    sc = _one("rail", {"transform": "exponential", "half_km": 4})
    d = np.array([0, 4, 8, 12, np.inf])
    u = utilities(make_criteria(len(d), dist_rail_km=d), sc)["u_rail"].to_numpy()
    np.testing.assert_allclose(u, [1, 0.5, 0.25, 0.125, 0])


def test_band_with_shoulders_and_inside_value():
    spec = {
        "transform": "band",
        "zero_below_km": 10,
        "full_from_km": 20,
        "full_to_km": 40,
        "zero_above_km": 80,
        "inside_value": 0.1,
    }
    sc = _one("almaty", spec)
    d = np.array([5, 10, 15, 20, 30, 40, 60, 80, 100, 30])
    inside = np.zeros(len(d), bool)
    inside[-1] = True
    u = utilities(make_criteria(len(d), dist_almaty_km=d, in_almaty=inside), sc)["u_almaty"]
    np.testing.assert_allclose(u.to_numpy(), [0, 0, 0.5, 1, 1, 1, 0.5, 0, 0, 0.1])


def test_categorical_statuses_and_sez_bonus_clipped():
    spec = {
        "transform": "categorical",
        "sez_bonus": 0.3,
        "values": {"operating": 0.9, "under_construction": 0.6, "planned": 0.3, "none": 0.0},
    }
    sc = _one("zone", spec)
    status = ["operating", "under_construction", "planned", "none", "operating", "planned"]
    sez = ["none", "none", "none", "none", "operating", "operating"]
    crit = make_criteria(len(status), zone_status=status, sez_status=sez)
    np.testing.assert_allclose(utilities(crit, sc)["u_zone"], [0.9, 0.6, 0.3, 0, 1.0, 0.6])
    cat = crit.astype({"zone_status": "category", "sez_status": "category"})
    np.testing.assert_allclose(utilities(cat, sc)["u_zone"], [0.9, 0.6, 0.3, 0, 1.0, 0.6])


def test_unknown_zone_status_and_missing_column_are_named():
    sc = load_scenario("bakad-perimeter")
    with pytest.raises(InputError, match=r"`zone_status`: 'opened' is not a zone status"):
        utilities(make_criteria(2, zone_status=["none", "opened"]), sc)
    with pytest.raises(InputError, match=r"no column `dist_rail_km`.*'rail'"):
        utilities(make_criteria(2).drop(columns="dist_rail_km"), sc)


def test_utilities_keep_the_input_index():
    idx = pd.Index(["b", "a", "c"], name="site")
    u = utilities(make_criteria(3, index=idx), "export-logistics")
    assert u.index.equals(idx)
    assert list(u.columns) == [f"u_{k}" for k in load_scenario("export-logistics").criteria]


# --------------------------------------------------------------------------- score table


def _expected_score(crit: pd.DataFrame, sc) -> np.ndarray:
    """Independent re-implementation of the weighted sum from the TOML parameters."""
    total = np.zeros(len(crit))
    for key, t in sc.criteria.items():
        raw = t.weight / sum(x.weight for x in sc.criteria.values())
        if t.transform == "categorical":
            u = crit["zone_status"].map(t.values.model_dump()).to_numpy(float)
            u = np.minimum(u + t.sez_bonus * (crit["sez_status"] == "operating").to_numpy(), 1)
        else:
            d = crit[CRITERIA[key]].to_numpy(float)
            if t.transform == "linear":
                u = np.clip((d - t.zero_at_km) / (t.full_at_km - t.zero_at_km), 0, 1)
            elif t.transform == "exponential":
                u = 0.5 ** (d / t.half_km)
            else:
                up = np.clip((d - t.zero_below_km) / (t.full_from_km - t.zero_below_km), 0, 1)
                down = np.clip((t.zero_above_km - d) / (t.zero_above_km - t.full_to_km), 0, 1)
                u = np.minimum(up, down)
                if t.inside_value is not None:
                    u = np.where(crit["in_almaty"], t.inside_value, u)
        total += 100 * raw * u
    return np.where(crit["excluded"], 0.0, total)


@pytest.mark.parametrize("name", ["bakad-perimeter", "konaev-countermagnet", "export-logistics"])
def test_score_table_matches_an_independent_weighted_sum(name):
    rng = np.random.default_rng(7)
    n = 300
    statuses = np.array(["operating", "under_construction", "planned", "none"])
    crit = make_criteria(
        n,
        **{c: rng.uniform(0, 120, n) for c in CRITERIA.values() if c.startswith("dist_")},
        in_almaty=rng.random(n) < 0.2,
        zone_status=statuses[rng.integers(0, 4, n)],
        sez_status=statuses[rng.integers(0, 4, n)],
        excluded=rng.random(n) < 0.1,
    )
    sc = load_scenario(name)
    table = score_table(crit, sc)
    np.testing.assert_allclose(table["score"], _expected_score(crit, sc), atol=1e-9)
    points = table[[f"c_{k}" for k in sc.criteria]].sum(axis=1)
    np.testing.assert_allclose(points, table["score"], atol=1e-9)
    assert table["score"].between(0, 100).all()
    excluded = crit["excluded"].to_numpy()
    assert table["rank"].isna().to_numpy().tolist() == excluded.tolist()
    assert (table.loc[excluded, "score"] == 0).all()
    ranked = table.loc[~excluded].sort_values("rank")
    assert ranked["rank"].tolist() == list(range(1, (~excluded).sum() + 1))
    assert ranked["score"].is_monotonic_decreasing


def test_rank_ties_go_to_the_smaller_site_id():
    crit = make_criteria(4)  # four identical sites
    table = score_table(crit, "bakad-perimeter", site_ids=["d", "b", "c", "a"])
    assert table["score"].nunique() == 1
    assert table["rank"].tolist() == [4, 2, 3, 1]
    crit["site_id"] = ["d", "b", "c", "a"]
    assert score_table(crit, "bakad-perimeter")["rank"].tolist() == [4, 2, 3, 1]
    assert score_table(make_criteria(3), "bakad-perimeter")["rank"].tolist() == [1, 2, 3]


@pytest.mark.parametrize("n", [1_000, 120_000])  # numpy path and the compiled radix path
def test_rank_scores_equals_a_lexsort_reference(n):
    rng = np.random.default_rng(n)
    score = np.round(rng.uniform(0, 100, n), 1)  # many ties
    score[:50] = 0.0
    excluded = rng.random(n) < 0.05
    ids = np.array([f"s{v}" for v in rng.permutation(n)], dtype=object)
    rank = rank_scores(score, excluded, ties="site_id", site_ids=ids)
    live = np.flatnonzero(~excluded)
    ref_order = live[np.lexsort((ids[live].astype(str), -score[live]))]
    expected = np.zeros(n, dtype=np.int64)
    expected[ref_order] = np.arange(1, len(live) + 1)
    assert pd.isna(rank[excluded]).all()
    np.testing.assert_array_equal(np.asarray(rank[~excluded], dtype=np.int64), expected[~excluded])


def test_rank_scores_rejects_nan():
    with pytest.raises(ValueError, match="NaN"):
        rank_scores(np.array([1.0, np.nan]), np.zeros(2, bool))


def test_weights_override():
    crit = make_criteria(2, dist_rail_km=[0.0, 50.0])
    sc = load_scenario("bakad-perimeter")
    weights = {k: 0 for k in sc.criteria} | {"rail": 1}
    table = score_table(crit, sc, weights=weights)
    np.testing.assert_allclose(table["score"], [100.0, 0.0])
    assert list(table.columns[: len(sc.criteria)]) == [f"u_{k}" for k in sc.criteria]


# --------------------------------------------------------------------------- with the layers


@pytest.fixture(scope="module")
def scored_2030(layers):
    return score_sites(builtin_sites(layers), layers, as_of="2030-01-01")


def test_score_sites_contract(layers, scored_2030):
    sc = load_scenario()
    out = scored_2030
    assert isinstance(out, gpd.GeoDataFrame) and out.crs.to_epsg() == 4326
    for col in (
        "site_id",
        "name",
        "lon",
        "lat",
        "area_ha",
        "free_ha",
        "site_source",
        *CRITERIA_COLUMNS,
        "score",
        "rank",
        "why_ru",
        "why_en",
    ):
        assert col in out.columns, col
    for key in sc.criteria:
        assert f"u_{key}" in out.columns and f"c_{key}" in out.columns
    assert str(out["rank"].dtype) == "Int64"
    assert out.attrs == {
        "scenario": "bakad-perimeter",
        "scenario_hash": sc.hash,
        "as_of": "2030-01-01",
    }
    assert out.index.equals(builtin_sites(layers).index)
    assert out["score"].notna().all()


def test_why_texts_name_the_interchange_and_zone(layers, scored_2030):
    row = scored_2030.set_index("site_id").loc["iz-kairat"]
    names = layers["bakad"].set_index("id")
    ic = names.loc[row["nearest_interchange"]]
    assert ic["name_en"] in row["why_en"] and ic["name_ru"] in row["why_ru"]
    zones = layers["zones"].set_index("id")
    assert zones.loc["iz-kairat", "name_en"] in row["why_en"]
    assert zones.loc["iz-kairat", "name_ru"] in row["why_ru"]
    assert row["why_en"].count("; ") == 2  # three facts
    km = f"{row['dist_interchange_km']:.1f}"
    assert f"{km} km to BAKAD interchange" in row["why_en"]
    assert f"{km.replace('.', ',')} км до развязки БАКАД" in row["why_ru"]


def test_why_texts_for_excluded_sites(layers):
    crit = make_criteria(
        2, excluded=[True, False], exclusion_reason=["national_park;outside_region", ""]
    )
    table = pd.concat([crit, score_table(crit, "bakad-perimeter")], axis=1)
    prepared = Prepared.of(layers, "2025-06-01")
    texts = why_texts(table, "bakad-perimeter", prepared)
    assert texts["why_en"].iloc[0] == "excluded: national park, outside Almaty Region"
    assert texts["why_ru"].iloc[0].startswith("исключено: национальный парк")
    assert not texts["why_en"].iloc[1].startswith("excluded")
    only = why_texts(table, "bakad-perimeter", prepared.names, rows=np.array([False, True]))
    assert len(only) == 1 and only.index[0] == 1


def test_as_of_changes_gate_city_sez_and_planned_zones(layers):
    sites = builtin_sites(layers)
    early = score_sites(sites, layers, as_of=dt.date(2022, 6, 1), why=False).set_index("site_id")
    late = score_sites(sites, layers, as_of="2030-01-01", why=False).set_index("site_id")
    # Gate City's industrial zone sits in the Alatau SEZ: planned in 2022, operating by 2030
    assert early.loc["iz-bereke", "sez_status"] == "planned"
    assert late.loc["iz-bereke", "sez_status"] == "operating"
    assert late.loc["iz-bereke", "score"] > early.loc["iz-bereke", "score"]
    # Kairat-2 was not even announced in 2022 and opens in 2028
    assert early.loc["iz-kairat-2", "zone_status"] == "none"
    assert late.loc["iz-kairat-2", "zone_status"] == "operating"
    assert late.loc["iz-kairat-2", "rank"] < early.loc["iz-kairat-2", "rank"]


def _sites_at(points: dict[str, tuple[float, float]]) -> gpd.GeoDataFrame:
    ids = list(points)
    return point_sites(ids, [points[i][0] for i in ids], [points[i][1] for i in ids])


def test_policy_zone_near_interchange_beats_the_steppe(layers):
    from pyproj import Geod

    # a point inside the operating Kairat zone, then the same point 80 km north-east
    kairat = builtin_sites(layers).set_index("site_id").loc["iz-kairat"]
    lon2, lat2, _ = Geod(ellps="WGS84").fwd(kairat["lon"], kairat["lat"], 45, 80_000)
    out = score_sites(
        _sites_at({"zone": (kairat["lon"], kairat["lat"]), "steppe": (lon2, lat2)}),
        layers,
        as_of="2025-11-01",
    ).set_index("site_id")
    assert out.loc["zone", "zone_status"] == "operating"
    assert out.loc["zone", "dist_interchange_km"] < 5
    assert out.loc["steppe", "dist_interchange_km"] > 60
    assert (
        out.loc["zone", "rank"] == 1 and out.loc["zone", "score"] > out.loc["steppe", "score"] + 30
    )


def test_policy_central_almaty_does_not_top_the_default(layers):
    centre = layers["cities"].set_index("id").geometry["almaty-centre"]
    sites = pd.concat(
        [builtin_sites(layers), _sites_at({"centre": (centre.x, centre.y)})], ignore_index=True
    )
    out = score_sites(sites, layers, as_of="2025-11-01").set_index("site_id")
    assert bool(out.loc["centre", "in_almaty"])
    assert out.loc["centre", "rank"] > out["rank"].min()
    assert out.loc["centre", "u_almaty"] == 0.0


def test_score_sites_accepts_a_spec_and_rejects_bad_tables(layers):
    out = score_sites("builtin", layers, scenario="export-logistics", as_of="2025-01-01", why=False)
    assert out.attrs["scenario"] == "export-logistics" and "why_en" not in out.columns
    with pytest.raises(InputError, match="no column"):
        score_sites(pd.DataFrame({"x": [1]}), layers)
    bad = _sites_at({"a": (77.0, 43.5)})
    bad.loc[0, "lat"] = np.nan
    with pytest.raises(InputError, match="site_id 'a'"):
        score_sites(bad, layers)
    with pytest.raises(InputError, match="'2025-13-01' is not a date"):
        score_sites("builtin", layers, as_of="2025-13-01")


# --------------------------------------------------------------------------- CLI


def test_cli_score_sites_csv_is_safe_and_refuses_to_clobber(cli, tmp_path, layers):
    src = tmp_path / "sites.csv"
    src.write_text(
        "id;name;lat;lon\n"
        'A1;"=HYPERLINK(""http://x"")";43,38;77,06\n'
        "A2;+Завод;43,50;77,05\n"
        "A3;ok;43,25;76,95\n",
        encoding="utf-8",
    )
    out = tmp_path / "scored.csv"
    res = cli("score-sites", "--lang", "en", src, "-o", out, "--as-of", "2025-11-01")
    assert res.exit_code == 0, res.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert table.loc[0, "name"].startswith("'=HYPERLINK")
    assert table.loc[1, "name"] == "'+Завод"
    assert set(table["scenario_hash"]) == {load_scenario().hash}
    assert {"score", "rank", "why_ru", "why_en", "c_interchange", "u_zone"} <= set(table.columns)
    manifest = json.loads(out.with_name("scored.csv.manifest.json").read_text(encoding="utf-8"))
    assert (
        manifest["scenario"]["hash"] == load_scenario().hash and manifest["as_of"] == "2025-11-01"
    )
    before = out.read_bytes()
    res = cli("score-sites", "--lang", "en", src, "-o", out)
    assert res.exit_code == 1 and "--overwrite" in res.output
    assert out.read_bytes() == before
    res = cli("score-sites", "--lang", "en",
              src, "-o", out, "--overwrite", "--scenario", "export-logistics")
    assert res.exit_code == 0, res.output
    assert set(pd.read_csv(out, encoding="utf-8-sig")["scenario"]) == {"export-logistics"}


def test_cli_score_sites_gpkg_builtin(cli, tmp_path):
    out = tmp_path / "scored.gpkg"
    res = cli("score-sites", "--lang", "en",
              "builtin", "-o", out, "--as-of", "2030-01-01", "--top", "3")
    assert res.exit_code == 0, res.output
    assert "top 3" in res.output
    gdf = gpd.read_file(out)
    assert len(gdf) == 8 and gdf.crs.to_epsg() == 4326
    assert gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert sorted(gdf["rank"].dropna().astype(int)) == list(range(1, 9))


def test_cli_score_sites_usage_errors(cli, tmp_path):
    res = cli("score-sites", "--lang", "en",
              "builtin", "-o", tmp_path / "x.csv", "--as-of", "2025-02-30")
    assert res.exit_code == 2 and "2025-02-30" in res.output
    res = cli("score-sites", "--lang", "en",
              "builtin", "-o", tmp_path / "x.csv", "--scenario", "nope")
    assert res.exit_code == 1 and '"nope"' in res.output
    res = cli("score-sites", "--lang", "en", tmp_path / "missing.csv", "-o", tmp_path / "x.csv")
    assert res.exit_code == 1 and "does not exist" in res.output
    assert not (tmp_path / "x.csv").exists()


def test_read_back_scored_sites_is_not_confused(tmp_path, layers):
    """A scored CSV can be fed back as a sites file (extra columns are ignored)."""
    out = tmp_path / "scored.csv"
    from planner.jobs.score_sites import write_scored

    write_scored(score_sites("builtin", layers, as_of="2030-01-01"), out)
    again = read_sites(out)
    assert again["site_id"].tolist() == builtin_sites(layers)["site_id"].tolist()
