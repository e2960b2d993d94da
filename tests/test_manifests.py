"""Every output has its ``<file>.manifest.json`` (README "Outputs and safety").

tests/test_readme.py checks the manifests of every file the README's commands write; this
covers what no README block writes (surfaces and their PNG overlays) and what a manifest
must say for maps drawn from another command's output, and that a manifest left beside a
missing output is never clobbered without --overwrite.
"""

from __future__ import annotations

import json
from pathlib import Path

from _manifests import check_manifest

from planner.render.outputs import _sha256_file

AS_OF = "2026-01-01"


def test_surface_and_its_png_have_manifests(cli, tmp_path):
    out, png = tmp_path / "s.npz", tmp_path / "s.png"
    res = cli("surface", "-o", out, "--cell-m", "2000", "--extent", "bakad:5km",
              "--as-of", AS_OF, "--png", png)  # fmt: skip
    assert res.exit_code == 0, res.output
    for path in (out, png):
        man = check_manifest(path)
        assert man["scenario"]["name"] == "bakad-perimeter" and man["as_of"] == AS_OF
        assert man["counts"]["in_extent"] > 0 and man["extra"]["cell_m"] == 2000
        assert man["inputs"]["layers"] == {"builtin": True}
        assert man["command_line"].startswith("planner surface -o ")
    assert json.loads((tmp_path / "s.png.manifest.json").read_text())["extra"][
        "png_bounds_wsen"]  # fmt: skip


def test_map_manifest_names_the_scored_file_its_scenario_and_date(cli, tmp_path):
    scored = tmp_path / "scored.gpkg"
    res = cli("score-sites", "builtin", "-o", scored, "--as-of", AS_OF,
              "--scenario", "export-logistics")  # fmt: skip
    assert res.exit_code == 0, res.output
    out = tmp_path / "m.html"
    res = cli("map", "--sites", scored, "-o", out, "--lang", "en")
    assert res.exit_code == 0, res.output
    man = check_manifest(out)
    assert man["inputs"]["sites"]["sha256"] == _sha256_file(scored)
    assert man["scenario"]["name"] == "export-logistics" and man["scenario"]["hash"]
    assert man["as_of"] == AS_OF and man["counts"]["sites"] > 0
    assert "results" not in man["inputs"] and man["extra"]["lang"] == "en"


def test_a_left_manifest_is_not_clobbered_without_overwrite(cli, tmp_path):
    for args, name in ((["map", "-o"], "m.html"), (["network", "build", "builtin", "-o"],
                                                   "n.npz")):  # fmt: skip
        left = tmp_path / f"{name}.manifest.json"
        left.write_text("{}")
        res = cli(*args, tmp_path / name)
        text = " ".join(res.output.split())
        # Russian by default (the network job's own manifest check may still be English)
        assert res.exit_code == 1 and ("уже существует" in text or "already exists" in text), name
        assert left.read_text() == "{}" and not (tmp_path / name).exists()
        res = cli(*args, tmp_path / name, "--overwrite")
        assert res.exit_code == 0, res.output
        check_manifest(tmp_path / name)


def test_companies_check_rejects_have_a_manifest(cli, tmp_path):
    import planner.cli.companies  # noqa: F401 - registers `planner companies`

    example = Path(__file__).resolve().parents[1] / "geodata" / "examples" / "companies.csv"
    rejects = tmp_path / "rejects.csv"
    res = cli("companies", "check", example, "--rejects", rejects)
    assert res.exit_code == 3, res.output
    man = check_manifest(rejects)
    assert man["inputs"]["companies"]["sha256"] == _sha256_file(example)
    assert man["counts"]["rejected"] == 2 and man["counts"]["rows_in"] == 52
