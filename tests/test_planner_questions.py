"""A planner's first questions (issue 11): answers checked independently of the code under test.

Each test recomputes what it checks from the inputs (the written tables, the layers'
geometry) with plain pandas/shapely, rather than reusing the planner's own functions.
Geometry is read from the layers, never hard-coded, so the tests hold when the built-in
geography is redrawn.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from test_maps import payload_of

from planner.core.prepared import Prepared
from planner.core.surface import compute_surface
from planner.jobs.surface import write_surface

ROOT = Path(__file__).resolve().parents[1]
DEMO_COMPANIES = ROOT / "geodata" / "examples" / "companies.csv"
SCENARIO = "bakad-perimeter"


def _truthy(values) -> pd.Series:
    return pd.Series(values, dtype=object).astype(str).str.strip().str.lower().isin(["true", "1"])


# --------------------------------------------------------------------------- 7: map of --allocate


@pytest.fixture(scope="module")
def demo_allocated(cli, tmp_path_factory) -> Path:
    """What `make demo` writes: the example companies on the built-in sites, --allocate."""
    out = tmp_path_factory.mktemp("demo") / "results.xlsx"
    r = cli("score", DEMO_COMPANIES, "--sites", "builtin", "--allocate", "-o", out,
            "--rejects", out.with_name("rejects.csv"), "--quiet")  # fmt: skip
    assert r.exit_code in (0, 3), r.output
    return out


def _expected_best_counts(results: pd.DataFrame) -> Counter:
    """Per site, the companies whose best is there: the allocated site, else the rank-1 site."""
    results = results.assign(_alloc=_truthy(results["allocated"]).to_numpy())
    best = {}
    for company, rows in results.groupby("company_id", sort=False):
        hit = rows[rows["_alloc"]]
        pick = hit if len(hit) else rows.sort_values("rank", kind="stable").head(1)
        best[company] = str(pick["site_id"].iloc[0])
    return Counter(best.values())


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_map_of_the_demos_allocated_results(cli, tmp_path, demo_allocated, fmt):
    results = pd.read_excel(demo_allocated, sheet_name="results", engine="openpyxl")
    assert _truthy(results["allocated"]).any(), "the demo places companies"
    src = demo_allocated
    if fmt == "csv":  # the same table as a spreadsheet user re-saves it: flags as text
        src = tmp_path / "results.csv"
        results.to_csv(src, index=False, sep=";", encoding="utf-8-sig")
    out = tmp_path / "r.html"
    r = cli("map", "--results", src, "-o", out)
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output and "unexpectedly" not in r.output
    best = payload_of(out.read_text(encoding="utf-8"))["best"]
    shown = Counter(
        {sid: len(c) + more for sid, c, more in zip(best["id"], best["comp"], best["compMore"],
                                                    strict=True)}  # fmt: skip
    )
    assert shown == _expected_best_counts(results)


# --------------------------------------------------------------------------- 8: honest messages


@pytest.fixture(scope="module")
def surface_2025(layers, tmp_path_factory) -> Path:
    surf = compute_surface(
        Prepared.of(layers, "2025-06-01"), SCENARIO, cell_m=2000, extent="bakad:10km"
    )
    return write_surface(surf, tmp_path_factory.mktemp("surface") / "s.npz")


def test_map_sites_and_surface_of_other_dates_says_what_happened(cli, tmp_path, surface_2025):
    sites = tmp_path / "sites_2030.csv"
    r = cli("score-sites", "builtin", "--scenario", SCENARIO, "--as-of", "2030-01-01",
            "-o", sites, "--top", "0")  # fmt: skip
    assert r.exit_code == 0, r.output
    out = tmp_path / "m.html"
    r = cli("map", "--sites", sites, "--surface", surface_2025, "-o", out)
    assert r.exit_code == 1, r.output
    msg = " ".join(r.output.split())
    assert "--as-of" not in msg.split(";")[0], "no --as-of was given: the date is the surface's"
    assert "was given" not in msg
    assert "2025-06-01" in msg and "2030-01-01" in msg and "s.npz" in msg
    assert not out.exists()
    # with --as-of given, the message names --as-of
    r = cli("map", "--sites", sites, "--surface", surface_2025, "--as-of", "2030-01-01",
            "-o", out)  # fmt: skip
    assert r.exit_code == 1 and "--as-of '2030-01-01' was given" in " ".join(r.output.split())
