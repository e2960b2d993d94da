"""Issue 12, item 16: identical runs write identical bytes.

Before: GeoJSON carried the temporary file's name (``"name": ".g.s6is81na"``), XLSX the
clock in docProps/core.xml, GeoPackage the clock in gpkg_contents.last_change, the HTML
maps and the comparison report folium's random element ids; so the manifests' sha256
changed between identical runs. The demo pipeline (``make demo``, plus GeoJSON and the
comparison report) runs twice in-process and every output must match byte for byte.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from planner.inputs.companies import example_path
from planner.render.reproducible import output_datetime, stable_ids

AS_OF = "2026-01-01"


def _demo(cli, out: Path) -> None:
    out.mkdir()
    companies = example_path()
    runs = [
        ["score", companies, "--sites", "builtin", "--allocate", "-o", out / "results.xlsx",
         "--rejects", out / "rejects.csv", "--map", out / "results.html"],
        ["score", companies, "--sites", "builtin", "--top", "3", "-o", out / "results.gpkg"],
        ["score", companies, "--sites", "builtin", "--top", "3", "-o", out / "results.geojson"],
        ["score-sites", "builtin", "-o", out / "sites.gpkg", "--no-why"],
        ["map", "--sites", "builtin", "-o", out / "demo.html"],
        ["compare", "iz-kairat", "sez-pit", "--draws", "50", "--html", out / "compare.html",
         "--xlsx", out / "compare.xlsx"],
    ]  # fmt: skip
    for args in runs:
        res = cli(*args, "--as-of", AS_OF, "--overwrite")
        assert res.exit_code in (0, 3), (args, res.output)


@pytest.mark.slow
def test_demo_pipeline_twice_gives_the_same_bytes(cli, tmp_path):
    _demo(cli, tmp_path / "a")
    _demo(cli, tmp_path / "b")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert {"results.xlsx", "results.gpkg", "results.geojson", "demo.html", "compare.html",
            "compare.xlsx", "sites.gpkg", "results.html"} <= set(names)  # fmt: skip
    for name in names:
        a, b = (tmp_path / d / name for d in "ab")
        if name.endswith(".manifest.json"):  # created_utc differs; what it fingerprints not
            da, db = json.loads(a.read_text("utf-8")), json.loads(b.read_text("utf-8"))
            assert da["output"]["sha256"] == db["output"]["sha256"], name
        else:
            assert a.read_bytes() == b.read_bytes(), name
    geo = json.loads((tmp_path / "a" / "results.geojson").read_text("utf-8"))
    assert geo["name"] == "results"
    with sqlite3.connect(tmp_path / "a" / "results.gpkg") as db:
        stamps = {r[0] for r in db.execute("SELECT last_change FROM gpkg_contents")}
    assert stamps == {"1980-01-01T00:00:00.000Z"}


def test_source_date_epoch_sets_the_timestamp(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert output_datetime().isoformat() == "2023-11-14T22:13:20+00:00"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "not a number")
    assert output_datetime().year == 1980


def test_stable_ids_number_folium_ids_in_order():
    a, b = "e769a00f2c4789e31b4bd9306b4ea673", "468f31e3f158a5bce4e19c7b70cc98f3"
    page = f"#map_{a} {{}} var feature_group_{b} = x; f_{b}.addTo(map_{a}); sha {a}"
    out = stable_ids(page)
    assert out == (f"#map_{0:032x} {{}} var feature_group_{1:032x} = x; "
                   f"f_{1:032x}.addTo(map_{0:032x}); sha {a}")  # fmt: skip


def test_layers_export_is_byte_reproducible(cli, tmp_path, monkeypatch):
    # `planner layers export` took GDAL's clock as the GeoPackage's last_change
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    for name in ("a.gpkg", "b.gpkg"):
        res = cli("layers", "export", "-o", tmp_path / name)
        assert res.exit_code == 0, res.output
    assert (tmp_path / "a.gpkg").read_bytes() == (tmp_path / "b.gpkg").read_bytes()
    with sqlite3.connect(tmp_path / "a.gpkg") as db:
        stamps = {r[0] for r in db.execute("SELECT last_change FROM gpkg_contents")}
    assert stamps == {"2023-11-14T22:13:20.000Z"}
