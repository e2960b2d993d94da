"""planner.jobs.batch: the batch job (ranking per company, allocation, robustness, outputs).

Expected values are computed independently where it matters: distances with shapely in
EPSG:32643 and pyproj.Geod, containment with shapely, weights with
``sectors.company_weights`` (not the vectorised ``weights_matrix`` the job uses), scores
with ``scoring.score_table`` under the company's weights, hashes with hashlib.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from _book import read_book
from pyproj import Geod

from planner import OutputError, OutputExistsError
from planner.config.scenarios import load_scenario
from planner.config.sectors import company_weights, sector_scenario
from planner.core.criteria import compute_criteria
from planner.core.prepared import Prepared
from planner.core.scoring import score_table
from planner.crs import lonlat_to_metric
from planner.errors import BatchError, InputError
from planner.inputs.companies import example_path, read_companies
from planner.inputs.sites import grid_sites
from planner.jobs.batch import run_batch, score_companies
from planner.jobs.batch_outputs import default_rejects_path, plan_outputs, write_batch
from planner.jobs.batch_tables import check_nothing_lost

AS_OF = "2026-01-01"
GEOD = Geod(ellps="WGS84")


def write_companies(path: Path, rows: list[list[str]]) -> Path:
    header = ["name", "land_ha", "sector", "needs_rail", "hazard_class"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def example(layers):
    return run_batch(example_path(), layers=layers, as_of=AS_OF, allocate=True,
                     max_share=0.3, robustness=True, draws=500)  # fmt: skip


@pytest.fixture(scope="module")
def test_sites(layers):
    """A 4 km lattice around BAKAD with known areas 20 / 60 / 100 ha and some unknown."""
    sites = grid_sites(layers, spacing_km=4, within_km=20)
    areas = np.resize(np.array([20.0, 60.0, 100.0, np.nan]), len(sites))
    return sites.assign(area_ha=areas, free_ha=np.nan)


@pytest.fixture(scope="module")
def needs_run(layers, test_sites, tmp_path_factory):
    path = write_companies(
        tmp_path_factory.mktemp("needs") / "needs.csv",
        [
            ["Needs sixty", "60", "logistics", "нет", ""],
            ["Rail user", "5", "logistics", "да", ""],
            ["Hazard one", "5", "chemicals", "нет", "I"],
            ["Office", "1", "it", "нет", ""],
        ],
    )
    return run_batch(path, sites=test_sites, layers=layers, as_of=AS_OF, top_k=15)


@pytest.fixture(scope="module")
def huge_run(layers, test_sites, tmp_path_factory):
    """An unknown area counts as feasible: here every site has a known area."""
    path = write_companies(
        tmp_path_factory.mktemp("huge") / "huge.csv",
        [["Office", "1", "it", "нет", ""], ["Huge", "50000", "logistics", "нет", ""]],
    )
    known = test_sites.assign(area_ha=test_sites["area_ha"].fillna(100.0))
    return run_batch(path, sites=known, layers=layers, as_of=AS_OF, lang="en")


def rows_of(result, name: str) -> pd.DataFrame:
    res = result.results
    return res[res["name"] == name]


def metric_points(df: pd.DataFrame) -> np.ndarray:
    x, y = lonlat_to_metric(df["lon"].to_numpy(), df["lat"].to_numpy())
    return shapely.points(x, y)


# --------------------------------------------------------------------------- the example


def test_example_counts_and_nothing_lost(example):
    c = example.counts
    assert (c["rows_in"], c["valid"], c["rejected"]) == (52, 50, 2)
    assert c["ranked"] == 50 and c["unplaced"] == 0
    assert c["rows_in"] == c["ranked"] + c["unplaced"] + c["rejected"]
    assert set(example.rejects["row"]) == {20, 38}
    assert example.results["company_id"].nunique() == 50
    assert set(example.companies["status"]) == {"ranked"}
    assert example.exit_code == 3
    line = example.summary_lines("out/rejects.csv", lang="en")[0]
    assert line.startswith("50 ranked, 2 rejected -> out/rejects.csv")


def test_results_ranks_contiguous_and_sorted(example):
    res = example.results
    top = res[res["rank"] <= 10]
    for _, g in top.groupby("company_id"):
        assert g["rank"].tolist() == list(range(1, len(g) + 1))
        assert (np.diff(g["score"].to_numpy()) <= 1e-9).all()
    assert len(top) <= 10 * 50
    assert res["rank"].notna().all() and res["site_id"].ne("").all()
    assert isinstance(res, gpd.GeoDataFrame) and (res.geometry.geom_type == "Point").all()
    assert np.allclose(res.geometry.x, res["lon"]) and np.allclose(res.geometry.y, res["lat"])


def test_points_use_each_companys_own_weights(example, layers):
    sc = load_scenario("bakad-perimeter")
    res = example.results
    keys = list(sc.weights)
    # the c_* columns add up to the score
    pts = res[[f"c_{k}" for k in keys]].to_numpy()
    assert np.allclose(pts.sum(axis=1), res["score"], atol=1e-6)
    # and equal the score_table points of the scenario re-weighted by the company's sector
    # (and scored with the sector's own transforms: IT's Almaty and zone)
    for sector in ("building_materials", "it", "logistics", "food"):
        rows = res[(res["sector"] == sector) & (res["rank"] == 1)].head(2)
        assert len(rows), sector
        w = company_weights(sc.weights, sector)
        crit = compute_criteria(
            rows["lon"], rows["lat"], Prepared.of(layers, AS_OF), index=rows.index
        )
        expect = score_table(crit, sector_scenario(sc, sector).with_weights(w))
        assert np.allclose(rows["score"], expect["score"], atol=1e-6)
        for k in keys:
            assert np.allclose(rows[f"c_{k}"], expect[f"c_{k}"], atol=1e-6), (sector, k)
    # sectors weigh differently: the same site scores differently for two sectors
    best = res[res["rank"] == 1]
    same_site = best.groupby("site_id")["score"].agg(["min", "max"])
    assert (same_site["max"] - same_site["min"] > 0.5).any()


def test_distances_match_geodesic(example, layers):
    res = example.results.drop_duplicates("site_id")
    centre = layers.feature("cities", "almaty-centre")
    _, _, d_m = GEOD.inv(
        res["lon"].to_numpy(), res["lat"].to_numpy(),
        np.full(len(res), centre.x), np.full(len(res), centre.y),
    )  # fmt: skip
    assert np.allclose(res["dist_almaty_km"], d_m / 1000, rtol=2e-3)


def test_why_texts_on_every_row(example):
    res = example.results
    assert (res["why_en"].str.len() > 10).all() and (res["why_ru"].str.len() > 10).all()
    assert res["why_ru"].str.contains("км").all()


def test_duplicate_names_are_reported_and_kept(tmp_path, layers):
    path = write_companies(
        tmp_path / "dup.csv",
        [["Same Name", "2", "it", "", ""], ["Same Name", "3", "food", "", ""]],
    )
    r = run_batch(path, layers=layers, as_of=AS_OF, lang="en")
    assert any("duplicate company name" in w for w in r.warnings)
    assert r.counts["ranked"] == 2 and r.results["company_id"].nunique() == 2
    assert r.exit_code == 0


# --------------------------------------------------------------------------- hard needs


def test_land_need_never_gets_a_smaller_site(needs_run, test_sites):
    rows = rows_of(needs_run, "Needs sixty")
    assert len(rows) == 15
    known = rows["site_capacity_ha"].notna()
    assert known.any(), "the test needs some sites of known area in the top list"
    assert (rows.loc[known, "site_capacity_ha"] >= 60).all()
    assert (rows["area_unknown"] == ~known).all()
    # independent: the sites' own areas
    area = test_sites.set_index("site_id")["area_ha"]
    assert not (area[rows["site_id"]] == 20).any()
    summary = needs_run.companies.set_index("name").loc["Needs sixty"]
    n_small = int((test_sites["area_ha"] == 20).sum())
    assert summary["filtered_land"] >= n_small - summary["filtered_excluded"]


def test_rail_need_only_gets_sites_near_rail(needs_run, layers):
    rows = rows_of(needs_run, "Rail user")
    assert len(rows)
    rail = layers.kind("transport", "railway", "rail_station", "freight_yard", metric=True)
    d_m = np.array(
        [shapely.distance(p, rail.geometry.to_numpy()).min() for p in metric_points(rows)]
    )
    rail_max_km = load_scenario("bakad-perimeter").needs.rail_max_km
    assert (d_m <= rail_max_km * 1000 + 1.0).all()
    assert np.allclose(rows["dist_rail_km"], d_m / 1000, atol=1e-3)
    # the need bites: other companies get sites farther from rail
    assert needs_run.companies.set_index("name").loc["Rail user", "filtered_rail"] > 0
    assert (rows_of(needs_run, "Office")["dist_rail_km"] > rail_max_km).any()


def test_hazard_class_one_keeps_away_from_housing_and_almaty(needs_run, layers):
    rows = rows_of(needs_run, "Hazard one")
    assert len(rows)
    housing = layers.kind("cities", "settlement", "city_outline", metric=True)
    d_m = np.array(
        [shapely.distance(p, housing.geometry.to_numpy()).min() for p in metric_points(rows)]
    )
    assert (d_m >= 1000 - 1.0).all()
    almaty = layers.feature("cities", "almaty")
    inside = shapely.contains_xy(almaty, rows["lon"].to_numpy(), rows["lat"].to_numpy())
    assert not inside.any() and not rows["in_almaty"].any()
    summary = needs_run.companies.set_index("name").loc["Hazard one"]
    assert summary["filtered_hazard"] > 0 and summary["filtered_in_almaty"] > 0


def test_company_without_a_feasible_site_is_reported(huge_run):
    assert rows_of(huge_run, "Huge").empty
    s = huge_run.companies.set_index("name").loc["Huge"]
    assert s["status"] == "no_feasible_site" and s["n_feasible"] == 0
    assert s["no_site_reason"] == "land"
    assert "50000" in s["no_site_detail"] and "100 ha" in s["no_site_detail"]
    c = huge_run.counts
    assert (c["ranked"], c["unplaced"], c["rejected"]) == (1, 1, 0)
    assert c["rows_in"] == c["ranked"] + c["unplaced"] + c["rejected"]
    assert "1 without a feasible site (land)" in huge_run.summary_lines(lang="en")[0]
    assert huge_run.exit_code == 0
    assert list(huge_run.unplaced["name"]) == ["Huge"]


def test_nothing_ranked_gives_exit_code_one(layers, tmp_path):
    path = write_companies(tmp_path / "huge.csv", [["Huge", "50000", "it", "", ""]])
    r = run_batch(path, layers=layers, as_of=AS_OF)  # built-in zones: all areas known
    assert r.counts["unplaced"] == 1 and r.exit_code == 1 and r.results.empty


def test_lost_rows_raise_an_internal_error(example):
    counts = dict(example.counts, ranked=example.counts["ranked"] - 1)
    with pytest.raises(BatchError, match="rows would be lost"):
        check_nothing_lost(counts, example.companies, example.results, example.companies,
                            example.rejects)  # fmt: skip
    short = example.results[example.results["company_id"] != example.results["company_id"][0]]
    with pytest.raises(BatchError, match="companies differ"):
        check_nothing_lost(example.counts, example.companies, short, example.companies,
                            example.rejects)  # fmt: skip


# --------------------------------------------------------------------------- allocation


def test_allocation_respects_capacity_and_share(example, layers):
    alloc = example.allocation
    res = example.results
    assert len(alloc) == 50
    got = alloc[alloc["allocated"]]
    # one allocated result row per allocated company, on the same site
    flagged = res[res["allocated"]]
    assert flagged["company_id"].is_unique
    assert set(flagged["company_id"]) == set(got["company_id"])
    assert dict(zip(flagged["company_id"], flagged["site_id"], strict=True)) == dict(
        zip(got["company_id"], got["site_id"], strict=True)
    )
    # capacity from the zones layer itself (free land), independent of the job's arrays
    zones = layers["zones"].set_index("id")
    cap = pd.to_numeric(zones["free_ha"], errors="coerce").fillna(
        pd.to_numeric(zones["area_ha"], errors="coerce")
    )
    used = got.groupby("site_id")["land_ha"].sum()
    assert (used <= cap[used.index] + 1e-6).all()
    # share: no group above floor(0.3 * 50) = 15 companies
    assert got.groupby("group").size().max() <= math.floor(0.3 * 50)
    # the unassigned say why
    lost = alloc[~alloc["allocated"]]
    assert (lost["reason"] != "").all() and (lost["note"] != "").all()
    assert example.counts["allocated"] == len(got)
    assert example.companies["allocated_site_id"].ne("").sum() == len(got)


def test_allocation_share_limit_binds(layers, tmp_path):
    rows = [[f"Office {i}", "1", "it", "", ""] for i in range(10)]
    path = write_companies(tmp_path / "offices.csv", rows)
    free = run_batch(path, layers=layers, as_of=AS_OF, allocate=True)
    assert free.allocation.groupby("site_id").size().max() > 2  # they crowd one site
    capped = run_batch(path, layers=layers, as_of=AS_OF, allocate=True, max_share=0.2)
    per_group = capped.allocation[capped.allocation["allocated"]].groupby("group").size()
    assert per_group.max() <= 2
    assert capped.counts["allocated"] + capped.counts["unassigned"] == 10


def test_allocated_site_below_top_k_gets_its_own_row(layers, tmp_path):
    rows = [[f"Office {i}", "1", "it", "", ""] for i in range(6)]
    path = write_companies(tmp_path / "six.csv", rows)
    r = run_batch(path, layers=layers, as_of=AS_OF, allocate=True, max_share=1 / 6, top_k=1)
    res = r.results
    assert res["allocated"].sum() == r.counts["allocated"] == 6
    extra = res[res["rank"] > 1]
    assert len(extra) and extra["allocated"].all()


def test_max_share_needs_allocate(layers):
    with pytest.raises(InputError, match="--allocate"):
        run_batch(example_path(), layers=layers, max_share=0.3)
    with pytest.raises(InputError, match=r"\(0, 1\]"):
        run_batch(example_path(), layers=layers, allocate=True, max_share=1.5)


# --------------------------------------------------------------------------- robustness


def test_robustness_columns_are_sane(example):
    res = example.results
    top = res[res["rank"] <= 10]
    assert top["p_first"].between(0, 1).all()
    sums = top.groupby("company_id")["p_first"].sum()
    assert np.allclose(sums, 1.0)
    assert (top["rank_p5"] <= top["rank_p95"]).all()
    n = top.groupby("company_id")["rank"].transform("size")
    assert (top["rank_p5"] >= 1).all() and (top["rank_p95"] <= n).all()
    # a company with one candidate always ranks it first
    single = top[n == 1]
    assert (single["p_first"] == 1).all()
    assert (res.loc[res["rank"] > 2, "flip_en"] == "").all()
    two = top[(n >= 2) & (top["rank"] <= 2)]
    assert len(two) and (two["flip_en"] != "").all() and (two["flip_ru"] != "").all()
    assert two["flip_en"].str.contains("overtakes|No single weight").all()


# --------------------------------------------------------------------------- outputs


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".gpkg", ".geojson"])
def test_each_format_written_and_readable(example, tmp_path, suffix):
    out = tmp_path / f"res{suffix}"
    written = write_batch(example, out, csv_sep=";" if suffix == ".csv" else ",")
    n = len(example.results)
    rej = default_rejects_path(out)
    assert written["rejects"] == rej and rej.exists()
    if suffix == ".csv":
        raw = out.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        df = pd.read_csv(out, sep=";", decimal=",", encoding="utf-8-sig")
        assert len(df) == n and np.allclose(df["score"], example.results["score"])
        comp = pd.read_csv(written["companies"], sep=";", encoding="utf-8-sig")
        assert len(comp) == 50 and written["companies"].name == "res.companies.csv"
        assert (tmp_path / "res.allocation.csv").exists()
    elif suffix == ".xlsx":
        book = read_book(out)  # by machine names (headers are in Russian)
        assert set(book) == {"results", "companies", "allocation"}
        assert len(book["results"]) == n and len(book["companies"]) == 50
        assert {"best_site_id", "best_score", "n_feasible", "filtered_land",
                "allocated_site_id"} <= set(book["companies"].columns)  # fmt: skip
    else:
        gdf = gpd.read_file(out, layer="results" if suffix == ".gpkg" else None)
        assert len(gdf) == n and (gdf.geometry.geom_type == "Point").all()
        assert gdf.crs.to_epsg() == 4326
        assert np.allclose(gdf.geometry.x, example.results["lon"].to_numpy())
        if suffix == ".gpkg":
            names = [row[0] for row in pyogrio.list_layers(out)]
            assert names == ["results", "companies", "allocation"]
        else:
            assert (tmp_path / "res.companies.csv").exists()


def test_manifest_content(example, tmp_path):
    out = tmp_path / "r.xlsx"
    written = write_batch(example, out, command=["planner", "score", "x"])
    man = json.loads(written["results_manifest"].read_text(encoding="utf-8"))
    expect_sha = hashlib.sha256(example_path().read_bytes()).hexdigest()
    assert man["inputs"]["companies"]["sha256"] == expect_sha
    assert man["inputs"]["sites"] == {"spec": "builtin"}
    assert man["scenario"]["name"] == "bakad-perimeter"
    assert man["scenario"]["hash"] == load_scenario("bakad-perimeter").hash
    assert man["as_of"] == AS_OF
    assert man["counts"]["rows_in"] == 52 and man["counts"]["rejected"] == 2
    assert man["output"]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert man["extra"]["allocation"]["optimal"] is True
    assert man["command_line"] == "planner score x"
    assert any("Примечание" in w for w in man["warnings"])
    rej = json.loads(written["rejects_manifest"].read_text(encoding="utf-8"))
    assert rej["extra"]["this_file"] == "rejects"


def test_existing_output_refused_before_anything(example, tmp_path):
    out = tmp_path / "r.csv"
    rej = default_rejects_path(out)
    rej.write_text("old rejects", encoding="utf-8")
    with pytest.raises(OutputExistsError, match="--overwrite"):
        write_batch(example, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.rejects.csv"]
    assert rej.read_text(encoding="utf-8") == "old rejects"
    with pytest.raises(OutputExistsError):
        plan_outputs(out)  # the CLI calls this before any work
    write_batch(example, out, overwrite=True)
    assert rej.read_text(encoding="utf-8-sig").startswith(  # headed in the language (ru)
        "Строка файла;Код;Столбец;Значение;Причина;")


def test_stale_manifest_is_refused_too(tmp_path):
    (tmp_path / "r.gpkg.manifest.json").write_text("{}", encoding="utf-8")
    with pytest.raises(OutputExistsError, match="manifest"):
        plan_outputs(tmp_path / "r.gpkg")


def test_output_names_checked(tmp_path):
    with pytest.raises(InputError, match="unknown file type"):
        plan_outputs(tmp_path / "r.txt")
    with pytest.raises(InputError, match="written twice"):
        plan_outputs(tmp_path / "r.csv", rejects=tmp_path / "r.csv")
    with pytest.raises(InputError, match="written twice"):
        plan_outputs(tmp_path / "r.csv", rejects=tmp_path / "r.companies.csv")
    with pytest.raises(InputError, match=".html"):
        plan_outputs(tmp_path / "r.csv", map_path=tmp_path / "m.png")


def test_unwritable_folder_refused_before_work(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError):
        plan_outputs(blocker / "r.csv")
    with pytest.raises(OutputError, match="does not exist"):
        plan_outputs(tmp_path / "missing" / "r.csv")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".gpkg"])
def test_failed_write_keeps_previous_output(example, tmp_path, monkeypatch, suffix):
    out = tmp_path / f"r{suffix}"
    write_batch(example, out)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def deny(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(os, "replace", deny)
    with pytest.raises(OutputError, match="Permission denied"):
        write_batch(example, out, overwrite=True)
    monkeypatch.undo()
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after == before  # previous files intact, no temp files left


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_folder_keeps_previous_output(example, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    out = folder / "r.csv"
    write_batch(example, out)
    before = out.read_bytes()
    folder.chmod(0o555)
    try:
        with pytest.raises(OutputError):
            plan_outputs(out, overwrite=True)
        with pytest.raises(OutputError):
            write_batch(example, out, overwrite=True)
    finally:
        folder.chmod(0o755)
    assert out.read_bytes() == before


HOSTILE = [
    "=HYPERLINK(\"http://evil.example\",\"click\")",
    "<img src=x onerror=alert(1)>",
    "`backtick` ${x} {{7*7}}",
    "+1+2",
    "@SUM(A1)",
]


def test_hostile_names_are_inert(layers, tmp_path):
    path = write_companies(tmp_path / "evil.csv", [[n, "2", "it", "", ""] for n in HOSTILE])
    r = run_batch(path, layers=layers, as_of=AS_OF)
    assert r.counts["ranked"] == len(HOSTILE)
    assert set(r.results["name"]) == set(HOSTILE)  # kept as given in memory
    out_csv = tmp_path / "r.csv"
    out_xlsx = tmp_path / "r.xlsx"
    write_batch(r, out_csv, map_path=tmp_path / "m.html")
    write_batch(r, out_xlsx)
    with out_csv.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh, delimiter=";"))  # a ";" list in: ";" results out
    col = table[0].index("name")
    cells = [row[col] for row in table[1:]]
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@")), cell
    assert "'=HYPERLINK" in " ".join(cells)
    book = openpyxl.load_workbook(out_xlsx)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    names = [c.value for c in book["results"]["C"][1:]]
    assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in names
    page = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert "<img src=x onerror" not in page
    assert "\\u003cimg src=x onerror" in page  # present only as escaped JSON data


def test_score_companies_accepts_a_dataframe(layers, test_sites):
    valid = read_companies(example_path()).valid.head(5)
    r = score_companies(valid, test_sites, layers, as_of=AS_OF, top_k=3, why=False)
    assert r.counts["rows_in"] == 5 and r.counts["rejected"] == 0
    assert "why_en" not in r.results.columns
    assert r.results.groupby("company_id").size().max() <= 3


def test_progress_is_reported(layers, tmp_path):
    seen = []
    path = write_companies(tmp_path / "p.csv", [["A", "1", "it", "", ""]])
    run_batch(path, layers=layers, as_of=AS_OF, allocate=True, robustness=True,
              progress=lambda stage, done, total: seen.append((stage, done, total)))  # fmt: skip
    stages = [s for s, _, _ in seen]
    for want in ("reading companies", "criteria", "ranking", "allocation", "robustness",
                 "results", "done"):  # fmt: skip
        assert want in stages
    assert seen[-1][1] == seen[-1][2]


def test_group_labels_zone_almaty_or_nearest_settlement(layers):
    from planner.jobs.batch_stages import _site_groups

    centre = layers.feature("cities", "almaty-centre")
    aiz = shapely.point_on_surface(layers.feature("zones", "aiz-1"))
    far = (76.60, 43.21)  # 2.5 km west of Kaskelen, in no zone
    lon = np.array([centre.x, aiz.x, far[0]])
    lat = np.array([centre.y, aiz.y, far[1]])
    sites = pd.DataFrame({"lon": lon, "lat": lat})
    crit = compute_criteria(lon, lat, Prepared.of(layers, AS_OF))
    labels = _site_groups(np.arange(3), crit, sites, layers)
    assert labels[0] == (crit["zone_id"][0] or "almaty")
    assert labels[1] == crit["zone_id"][1] != ""
    # independent nearest settlement / city outline: shapely distance in metres
    housing = layers.kind("cities", "settlement", "city_outline", metric=True)
    x, y = lonlat_to_metric(lon[2:], lat[2:])
    d = shapely.distance(shapely.points(x[0], y[0]), housing.geometry.to_numpy())
    assert crit["zone_id"][2] == ""
    assert labels[2] == housing["id"].iloc[int(np.argmin(d))]
    assert labels[2] == "kaskelen"


def test_chunked_ranking_with_progress_gives_the_same_result(layers, test_sites, monkeypatch):
    import planner.jobs.batch_stages as batch_stages

    valid = read_companies(example_path()).valid
    plain = score_companies(valid, test_sites, layers, as_of=AS_OF, why=False)
    monkeypatch.setattr(batch_stages, "_RANK_CHUNK", 8)
    calls = []
    chunked = score_companies(valid, test_sites, layers, as_of=AS_OF, why=False,
                              progress=lambda *a: calls.append(a))  # fmt: skip
    assert sum("ranking (" in c[0] for c in calls) == math.ceil(len(valid) / 8)
    pd.testing.assert_frame_equal(
        pd.DataFrame(plain.results.drop(columns="geometry")),
        pd.DataFrame(chunked.results.drop(columns="geometry")),
    )
    assert np.array_equal(plain.rank.reason_counts, chunked.rank.reason_counts)
