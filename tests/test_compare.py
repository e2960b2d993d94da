"""`planner compare`: side-by-side comparison, robustness, reports, XLSX and the CLI.

Expected values are computed here independently: geodesic distances with pyproj.Geod,
zone statuses from the zone's own dates, utilities from the scenario's ramps, the Monte
Carlo from the documented random factors with a numpy matrix product, and the flip weight
by rescoring with numpy (and a brute-force scan of every weight).
"""

from __future__ import annotations

import datetime as dt
import io
import re

import numpy as np
import pandas as pd
import pytest
import shapely
from markupsafe import escape
from pyproj import Geod

from planner.config.scenarios import load_scenario
from planner.config.sectors import company_weights
from planner.core import compare
from planner.core.robustness import draw_factors
from planner.errors import (
    CompareError,
    InputError,
    SiteCountError,
    UnknownCompanyError,
    UnknownSiteError,
)
from planner.inputs.companies import example_path, read_companies
from planner.jobs import compare as compare_job
from planner.render import assets as _assets
from planner.render import report

GEOD = Geod(ellps="WGS84")
AS_OF = "2026-01-01"
LATER = "2030-01-01"
#: a plot north-west of the A-3 interchange, outside every zone
PLOT = compare.PointRef(lat=43.455, lon=77.01, label="Участок у Отеген Батыра")
HOSTILE = (
    "<img src=x onerror=window.__xss=1>",
    "${window.__xss=1}",
    "a`b",
    "</script><script>window.__xss=1</script>",
    "{{7*7}}",
    '=HYPERLINK("http://evil","x")',
)


def geod_km(lon1, lat1, lon2, lat2) -> float:
    return GEOD.inv(lon1, lat1, lon2, lat2)[2] / 1000.0


@pytest.fixture(scope="module")
def cmp_time(layers):
    """Kairat-2 (planned, opens 2028) against a plot, as of 2026 and 2030."""
    return compare_job.compare_sites(
        ["iz-kairat-2", PLOT], layers=layers, as_of=AS_OF, also_as_of=LATER, seed=1
    )


@pytest.fixture(scope="module")
def cmp_five(layers):
    return compare_job.compare_sites(
        ["iz-kairat", "sez-pit", "aiz-2", compare.parse_at("43.40,76.95,Plot"), "iz-kairat-2"],
        layers=layers,
        as_of=AS_OF,
        also_as_of=LATER,
    )


@pytest.fixture(scope="module")
def company_row():
    table = read_companies(example_path())
    return compare.find_company(table, "ООО «СтройБлок Восток»")


@pytest.fixture(scope="module")
def cmp_company(layers, company_row):
    return compare_job.compare_sites(
        ["iz-kairat", "sez-alatau", "sez-pit", compare.parse_at("43.53,77.05,Near Baiserke")],
        layers=layers,
        as_of=AS_OF,
        company=company_row,
    )


@pytest.fixture(scope="module")
def cmp_hostile(layers):
    refs = ["iz-kairat"] + [
        compare.PointRef(lat=43.30 + 0.03 * i, lon=76.80 + 0.05 * i, label=h)
        for i, h in enumerate(HOSTILE)
    ]
    return compare_job.compare_sites(refs, layers=layers, as_of=AS_OF, draws=300)


# --------------------------------------------------------------------------- site refs


def test_parse_at_reads_lat_lon_and_label():
    p = compare.parse_at(' 43.40 , 76.95 , "Участок, у Боралдая" ')
    assert (p.lat, p.lon, p.label) == (43.40, 76.95, "Участок, у Боралдая")
    assert compare.parse_at("43.4,76.95").label is None


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("76.95,43.40", "look swapped.*--at 43.4,76.95"),
        ("43,40,76,95", "comma decimals"),
        ("50.1,76.9", "outside Almaty Region"),
        ("somewhere", "is not LAT,LON"),
    ],
)
def test_parse_at_refuses_bad_coordinates(text, match):
    with pytest.raises(CompareError, match=match):
        compare.parse_at(text)


@pytest.mark.parametrize("n", [0, 1, 13])
def test_site_count_is_2_to_12(layers, n):
    refs = [compare.PointRef(43.3 + 0.01 * i, 76.9) for i in range(n)]
    with pytest.raises(SiteCountError, match="2 to 12 sites"):
        compare_job.compare_sites(refs, layers=layers, as_of=AS_OF)


def test_unknown_ids_list_close_matches(layers):
    with pytest.raises(UnknownSiteError) as info:
        compare_job.compare_sites(["iz-kairatt", "sez-pt", "aiz-1"], layers=layers)
    msg = str(info.value)
    assert "'iz-kairatt' (did you mean 'iz-kairat'" in msg
    assert "'sez-pt' (did you mean 'sez-pit'" in msg
    assert "aiz-1'" not in msg.split("Give")[0]  # known ids are not reported
    assert info.value.suggestions["sez-pt"][0] == "sez-pit"


def test_sites_by_name_file_and_duplicates(layers, tmp_path):
    f = tmp_path / "plots.csv"
    f.write_text("id;name;lat;lon;area_ha\np1;Участок 1;43,41;76,98;12,5\n", encoding="utf-8")
    c = compare_job.compare_sites(
        ["p1", "Индустриальная зона «Кайрат»"], layers=layers, as_of=AS_OF, sites=f, draws=50
    )
    assert c.sites["site_id"].tolist() == ["p1", "iz-kairat"]
    assert c.sites["site_source"].tolist() == ["plots.csv", "builtin"]
    assert c.sites["area_ha"].iloc[0] == 12.5
    with pytest.raises(CompareError, match="more than once"):
        compare_job.compare_sites(["iz-kairat", "IZ-KAIRAT"], layers=layers, as_of=AS_OF)


# --------------------------------------------------------------------------- values


def test_values_match_independent_geodesy_and_zone_dates(cmp_time, layers):
    c = cmp_time
    row = c.scored.iloc[1]  # the plot
    assert row["site_id"] == "at-1" and row["name"] == PLOT.label
    ics = layers.kind("bakad", "interchange")
    d = np.array([geod_km(PLOT.lon, PLOT.lat, g.x, g.y) for g in ics.geometry], dtype=float)
    assert row["dist_interchange_km"] == pytest.approx(d.min(), rel=2e-3, abs=0.02)
    assert row["nearest_interchange"] == ics["id"].iloc[int(d.argmin())]
    centre = layers.feature("cities", "almaty-centre")
    assert row["dist_almaty_km"] == pytest.approx(
        geod_km(PLOT.lon, PLOT.lat, centre.x, centre.y), rel=2e-3
    )
    # points of the interchange criterion from the scenario's own ramp
    sc = load_scenario("bakad-perimeter")
    t = sc.criteria["interchange"]
    u = np.clip((d.min() - t.zero_at_km) / (t.full_at_km - t.zero_at_km), 0, 1)
    assert row["c_interchange"] == pytest.approx(100 * sc.weights["interchange"] * u, abs=0.05)
    # the plot lies in Alatau city (geokz 2024 outline), which the SEZ Alatau stand-in covers
    assert layers.feature("zones", "sez-alatau").contains(shapely.Point(PLOT.lon, PLOT.lat))
    assert row["zone_id"] == "sez-alatau" and row["zone_status"] == "operating"

    # Kairat-2's status from its own dates: planned until planned_open, then operating
    z = layers["zones"].set_index("id").loc["iz-kairat-2"]
    opens = dt.date.fromisoformat(z["planned_open"])

    def expected(day: str) -> str:
        return "operating" if dt.date.fromisoformat(day) >= opens else str(z["status"])

    assert c.scored["zone_status"].iloc[0] == expected(AS_OF) == "planned"
    assert c.also.scored["zone_status"].iloc[0] == expected(LATER) == "operating"
    vals = sc.criteria["zone"].values
    gain = 100 * sc.weights["zone"] * (vals.operating - vals.planned)
    ch = c.also.changes.iloc[0]
    assert ch["d_zone"] == pytest.approx(gain)
    assert (ch["status_from"], ch["status_to"]) == ("planned", "operating")
    assert ch["score_to"] - ch["score_from"] == pytest.approx(
        ch[[f"d_{k}" for k in c.criteria]].sum()
    )


def test_also_as_of_explains_who_moved(cmp_five):
    c = cmp_five
    ch = c.also.changes.set_index("site_id")
    # the PIT's SEZ term ends on 2028-01-01: it drops; Kairat-2 opens in 2028: it rises
    assert (
        ch.at["sez-pit", "status_to"] == "none"
        and ch.at["sez-pit", "rank_to"] > ch.at["sez-pit", "rank_from"]
    )
    assert ch.at["iz-kairat-2", "rank_to"] == 1 and ch.at["iz-kairat-2", "moved"]
    i = c.scored.index[c.scored["site_id"] == "iz-kairat-2"][0]
    assert "planned \u2192 operating" in c.also.texts["en"][i]
    assert "планируется \u2192 действует" in c.also.texts["ru"][i]
    assert c.also.summary["en"].startswith("As of January 1, 2030 the ranking changes")
    # ranks at both dates are the score order of the eligible sites
    for rank, scored in ((c.rank, c.scored), (c.also.rank, c.also.scored)):
        order = np.argsort(-scored["score"].to_numpy(), kind="stable")
        assert np.asarray(rank, dtype=float)[order].tolist() == list(range(1, 6))


def test_rank_order_and_display_order(cmp_five):
    c = cmp_five
    assert c.table["rank"].tolist() == [1, 2, 3, 4, 5]
    assert c.table["score"].is_monotonic_decreasing
    assert list(c.table["site_id"]) == c.scored["site_id"].iloc[c.order].tolist()
    best = c.table.iloc[0]
    assert best["verdict_en"].startswith("Recommended:")
    assert c.table.iloc[1]["verdict_en"].startswith("Rank 2:")


# --------------------------------------------------------------------------- robustness


def test_dominating_site_is_always_first(layers):
    c = compare_job.compare_sites(["iz-kazybek-bek", "sez-alatau"], layers=layers, as_of=AS_OF)
    U = c.scored[[f"u_{k}" for k in c.criteria]].to_numpy()
    assert (U[1] >= U[0]).all() and (U[1] > U[0]).any()  # the precondition: dominance
    assert c.monte_carlo.p_first.tolist() == [0.0, 1.0]
    assert c.monte_carlo.rank_p5.tolist() == [2, 1] and c.monte_carlo.rank_p95.tolist() == [2, 1]
    assert c.flip is None  # no single weight can make a dominated site win
    assert "No single weight change" in c.flip_texts["en"]


def test_monte_carlo_is_seeded_and_matches_numpy(layers):
    # a close race (at 43.40,76.95 the plot lies in SEZ Alatau's Alatau city outline and
    # always wins; 4 km west of it, outside any zone, it does not)
    refs = ["sez-pit", compare.parse_at("43.40,76.90,Plot")]
    a = compare_job.compare_sites(refs, layers=layers, as_of=AS_OF, draws=1500, seed=7)
    b = compare_job.compare_sites(refs, layers=layers, as_of=AS_OF, draws=1500, seed=7)
    np.testing.assert_array_equal(a.monte_carlo.p_first, b.monte_carlo.p_first)
    np.testing.assert_array_equal(a.monte_carlo.rank_p95, b.monte_carlo.rank_p95)
    # independent: the documented factors (uniform 1 +- 0.25), scores by matrix product
    U = a.scored[[f"u_{k}" for k in a.criteria]].to_numpy()
    w = np.array([a.weights[k] for k in a.criteria])
    F = draw_factors(1500, len(w), 0.25, seed=7)
    W = F * w
    W /= W.sum(axis=1, keepdims=True)
    first = np.argmax(W @ U.T, axis=1)
    expected = np.bincount(first, minlength=len(refs)) / 1500
    np.testing.assert_allclose(a.monte_carlo.p_first, expected)
    assert 0 < a.monte_carlo.p_first.max() < 1  # a real race: the test can see a change
    assert a.monte_carlo.p_first.sum() == pytest.approx(1.0)
    c = compare_job.compare_sites(refs, layers=layers, as_of=AS_OF, draws=1500, seed=8)
    assert c.monte_carlo.p_first[0] != a.monte_carlo.p_first[0]  # the seed matters
    assert abs(c.monte_carlo.p_first[0] - a.monte_carlo.p_first[0]) < 0.06


def _rescored(U, w, j, x):
    """Scores after moving weight j to x and rescaling the others (the flip convention)."""
    w2 = w * (1 - x) / (1 - w[j])
    w2[j] = x
    return 100 * U @ w2


def test_flip_weight_verified_by_rescoring(cmp_five):
    c = cmp_five
    f = c.flip
    assert f is not None
    U = c.scored[[f"u_{k}" for k in c.criteria]].to_numpy()
    w = np.array([c.weights[k] for k in c.criteria])
    j = c.criteria.index(f.criterion)
    a, b = c.flip_pair
    assert (c.rank[a], c.rank[b]) == (1, 2)
    assert w[j] == pytest.approx(f.weight_from)
    eps = 1e-6 * f.direction
    before = _rescored(U, w, j, f.weight_to - eps)
    after = _rescored(U, w, j, f.weight_to + eps)
    assert before[a] > before[b] and after[b] > after[a]
    # brute force: no weight of any criterion swaps them with a smaller change
    xs = np.linspace(0, 1, 4001)
    for k in range(len(w)):
        if w[k] >= 1:
            continue
        S = np.stack([_rescored(U, w, k, x) for x in xs])
        wins = xs[S[:, b] > S[:, a]]
        if wins.size:
            assert np.abs(wins - w[k]).min() >= abs(f.delta) - 1e-3
    # the sentence rounds toward the change and never claims an impossible weight
    assert re.search(r"(rises|falls) from 0\.\d+ to (above|below) 0\.\d+", c.flip_texts["en"])
    assert "below 0.00." not in c.flip_texts["en"]


def test_flip_sentence_for_a_fall_to_near_zero(layers):
    c = compare_job.compare_sites(
        ["iz-kairat", "iz-kairat-2"], layers=layers, as_of=AS_OF, draws=100
    )
    f = c.flip
    assert f.direction == -1 and 0 < f.weight_to < 0.01  # the zone weight must almost vanish
    text = c.flip_texts["en"]
    shown = float(re.search(r"below (\d\.\d+)", text).group(1))
    assert 0 < shown and shown <= f.weight_to + 1e-12  # rounded down, but not to zero
    assert re.search(r"ниже 0,0+[1-9]", c.flip_texts["ru"])
    assert "0,00-ден төмен" not in c.flip_texts["kk"]


# --------------------------------------------------------------------------- company


def test_company_weights_needs_and_eligibility(cmp_company, company_row):
    c = cmp_company
    sc = load_scenario("bakad-perimeter")
    w = company_weights(sc.weights, company_row["sector"])
    assert c.weights == pytest.approx(w)
    U = c.scored[[f"u_{k}" for k in c.criteria]].to_numpy()
    score = 100 * U @ np.array([w[k] for k in c.criteria])
    ok = ~c.scored["excluded"].to_numpy()
    np.testing.assert_allclose(c.scored["score"].to_numpy()[ok], score[ok], atol=1e-9)
    needs = c.needs.set_index(["site_id", "need"])
    rail_km = c.company.needs.rail_max_km
    for sid, d in zip(c.scored["site_id"], c.scored["dist_rail_km"], strict=True):
        assert bool(needs.at[(sid, "rail"), "met"]) == (d <= rail_km)
    # the company needs rail within 3 km: Kairat (6 km) and the PIT fail, Alatau passes
    el = dict(zip(c.scored["site_id"], c.eligible, strict=True))
    # the point lies in Gate City, housing under construction: a class III plant keeps 300 m
    # from it (issue 11), whatever its land
    assert el == {"iz-kairat": False, "sez-alatau": True, "sez-pit": False, "at-1": False}
    assert pd.isna(c.rank[0]) and not pd.isna(c.rank[1])
    # the point has no known area: the land need counts as met (as in the ranking), flagged
    assert pd.isna(needs.at[("at-1", "land"), "met"])
    point = c.table.set_index("site_id").loc["at-1"]
    assert point["area_unknown"] and not point["needs_met"]
    assert point["needs_failed"] == "hazard" and not bool(needs.at[("at-1", "hazard"), "met"])
    kairat = c.table.set_index("site_id").loc["iz-kairat"]
    assert kairat["needs_failed"] == "rail"
    assert "rail 6.1 km away (needs at most 3.0 km)" in kairat["verdict_en"]
    assert c.monte_carlo.p_first[0] == 0 and np.isnan(c.monte_carlo.rank_p5[0])
    # the best value of a row is picked among the eligible sites only
    shown = c.table["site_id"].tolist()
    for row in report.matrix_rows(c, "en"):
        assert all(el[sid] for sid, best in zip(shown, row.best, strict=True) if best), row.key


def test_find_company_errors():
    table = read_companies(example_path())
    with pytest.raises(UnknownCompanyError, match="did you mean 'ООО «СтройБлок Восток»'"):
        compare.find_company(table, "ООО СтройБлок Восток")
    row = compare.find_company(table, table.valid["company_id"].iloc[2])
    assert row["name"] == table.valid["name"].iloc[2]


# --------------------------------------------------------------------------- table, HTML


def test_matrix_marks_the_best_cells(cmp_five):
    rows = {r.key: r for r in report.matrix_rows(cmp_five, "en")}
    for k in cmp_five.criteria:
        pts = np.array(rows[k].points)
        best = np.array(rows[k].best)
        if best.any():
            assert set(np.flatnonzero(best)) == set(np.flatnonzero(np.isclose(pts, pts.max())))
    assert rows["score"].best == [True, False, False, False, False]
    assert rows["rank"].display[0] == "1 of 5"
    matrix = report.comparison_matrix(cmp_five, "en")
    assert matrix.shape == (len(cmp_five.criteria) * 2 + 12, 6)  # + score ... 3 methods, verdict
    # built-in sites are named like their zone, in the report's language
    assert matrix.columns[1] == "#1 Industrial zone Kairat" == "#1 " + cmp_five.names["en"][0]
    assert (
        cmp_five.names["ru"][0] == cmp_five.table["name"].iloc[0] == "Индустриальная зона «Кайрат»"
    )


def test_report_html_is_offline_escaped_and_printable(cmp_hostile):
    page = report.render_report(cmp_hostile, "en")
    assert _assets.external_urls(page) == []
    assert "@media print" in page and re.search(r"@page\s*\{\s*size:\s*A4", page)
    assert 'http-equiv="Content-Security-Policy"' in page
    for h in HOSTILE:
        if any(ch in h for ch in "<>&\"'"):
            assert h not in page, h  # never raw
        # HTML-escaped by the templates (Jinja autoescape), braces as character references
        assert str(escape(h)).replace("{", "&#123;").replace("}", "&#125;") in page
    # "<" is escaped everywhere (HTML entities, \u003c in the map's JSON): no tag can form
    assert "<img src=x" not in page and "<script>window" not in page
    # the scenario, its hash, the date and the provenance note
    assert "bakad-perimeter" in page and cmp_hostile.scenario.hash in page
    assert AS_OF in page and "© OpenStreetMap contributors" in page
    for section in ("r-summary", "r-map", "r-chart", "r-table", "r-cards", "r-robustness",
                    "r-scenario"):  # fmt: skip
        assert f'id="{section}"' in page
    # one stacked segment per positive number of points
    n_pos = int((cmp_hostile.scored[[f"c_{k}" for k in cmp_hostile.criteria]] > 0).sum().sum())
    assert page.count('class="seg"') == n_pos
    assert page.count('<article class="card') == len(HOSTILE) + 1


def test_report_languages(cmp_five):
    ru = report.render_report(cmp_five, "ru")
    kk = report.render_report(cmp_five, "kk")
    assert "Сравнение площадок" in ru and "Рекомендуется" in ru
    assert "Алаңдарды салыстыру" in kk and "Ұсынылады" in kk
    with pytest.raises(InputError, match="language 'de'"):
        report.render_report(cmp_five, "de")


def test_xlsx_is_readable_and_formula_safe(cmp_hostile, tmp_path):
    import openpyxl

    path = report.write_xlsx(cmp_hostile, tmp_path / "cmp.xlsx", lang="ru")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == ["comparison", "sites"] and "scenario" in wb.sheetnames
    formulas = [
        cell.coordinate
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    assert formulas == []
    ws = wb["sites"]
    header = [c.value for c in ws[1]]
    names = [r[header.index("Название")] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert "'" + HOSTILE[5] in names and HOSTILE[0] in names
    main = wb["comparison"]
    heads = [c.value for c in main[1]]
    assert heads[0] == "Критерий" and len(heads) == len(HOSTILE) + 2
    score_row = next(r for r in main.iter_rows(values_only=True) if r[0] == "Балл")
    assert isinstance(score_row[1], float)
    with pytest.raises(InputError, match="must end in .xlsx"):
        report.write_xlsx(cmp_hostile, tmp_path / "cmp.csv")
    with pytest.raises(FileExistsError):
        report.write_xlsx(cmp_hostile, path)


def test_terminal_table_has_every_site_and_criterion(cmp_five):
    from rich.console import Console

    con = Console(width=240, record=True, file=io.StringIO())
    for item in report.terminal_renderables(cmp_five, "en"):
        con.print(item)
    text = con.export_text()
    for sid in cmp_five.scored["site_id"]:
        assert sid in text
    for k in cmp_five.criteria:
        from planner import i18n

        assert i18n.criterion_label(k, "en").split()[0] in text
    assert "Recommended:" in text and "overtakes" in text and "As of January 1, 2030" in text


# --------------------------------------------------------------------------- CLI


def test_cli_writes_report_and_xlsx(cli, tmp_path):
    out_html, out_xlsx = tmp_path / "c.html", tmp_path / "c.xlsx"
    args = ["compare", "iz-kairat", "sez-pit", "--at", "43.40,76.95,Участок у Боралдая",
            "--as-of", AS_OF, "--also-as-of", LATER, "--lang", "en", "--draws", "200",
            "--html", out_html, "--xlsx", out_xlsx]  # fmt: skip
    r = cli(*args)
    assert r.exit_code == 0, r.output
    assert "Участок у Боралдая" in r.output and "Recommended:" in r.output
    assert out_html.stat().st_size > 100_000 and out_xlsx.stat().st_size > 1000
    r = cli(*args)
    assert r.exit_code == 1 and "already exists" in r.output
    r = cli(*args, "--overwrite")
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["iz-kairat"], 2, "2 to 12 sites"),
        (["iz-kairat", *[f"--at=43.3{i},76.9" for i in range(12)]], 2, "13 sites"),
        (["iz-kairatt", "sez-pit"], 1, "did you mean 'iz-kairat'"),
        (["iz-kairat", "--at", "76.9,43.4"], 2, "look swapped"),
        (["iz-kairat", "sez-pit", "--company", "X"], 2, "go together"),
        (["iz-kairat", "sez-pit", "--as-of", "2026-13-01"], 2, "not a date"),
        (["iz-kairat", "sez-pit", "--html", "x.pdf"], 1, "must end in .html"),
    ],
)
def test_cli_errors_and_exit_codes(cli, args, code, text):
    r = cli("compare", *args, "--lang", "en")
    assert r.exit_code == code, r.output
    assert text in " ".join(r.output.replace("\u2502", " ").split())
    assert "Traceback" not in r.output


def test_cli_company(cli):
    r = cli("compare", "iz-kairat", "sez-alatau", "--company", "ООО «СтройБлок Восток»",
            "--companies", example_path(), "--as-of", AS_OF, "--draws", "100")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "Не отвечает требованиям компании" in r.output
    r = cli("compare", "iz-kairat", "sez-alatau", "--company", "Nobody LLP",
            "--companies", example_path(), "--lang", "en")  # fmt: skip
    assert r.exit_code == 1 and "no company named 'Nobody LLP'" in r.output
