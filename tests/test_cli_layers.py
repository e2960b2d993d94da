"""`planner layers list|check|export`, `--version`, exit codes and error output."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pyogrio
import pytest

from planner.core.layerset import LAYER_NAMES
from planner.inputs.layers import builtin_geodata_dir

# run the CLI as a user would, in a separate process (for tracebacks and exit codes)
_MAIN = "import sys; from planner.cli import main; sys.argv[0] = 'planner'; main()"
CLI = [sys.executable, "-c", _MAIN]


def _zones_with_three_problems(folder: Path) -> Path:
    fc = json.loads((builtin_geodata_dir() / "zones.geojson").read_text(encoding="utf-8"))
    feats = fc["features"]
    feats[0]["properties"]["status"] = "open"  # 1: unknown status
    feats[1]["properties"]["id"] = feats[2]["properties"]["id"]  # 2: duplicate id
    feats[3]["properties"]["announced"] = "31.12.2024"  # 3: bad date
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "zones.geojson"
    path.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    return path


def _good_folder(folder: Path) -> Path:
    fc = json.loads((builtin_geodata_dir() / "zones.geojson").read_text(encoding="utf-8"))
    fc["features"] = fc["features"][:2]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "zones.geojson").write_text(json.dumps(fc), encoding="utf-8")
    return folder


def test_list_shows_every_layer(cli):
    res = cli("layers", "list", "--lang", "en")
    assert res.exit_code == 0, res.output
    for name in LAYER_NAMES:
        assert name in res.stdout
    assert "indicative" in res.stdout and "OpenStreetMap" in res.stdout


def test_list_with_replacement_layers(cli, tmp_path):
    folder = _good_folder(tmp_path / "official")
    res = cli("layers", "list", "--lang", "en", "--layers", folder)
    assert res.exit_code == 0, res.output
    assert "official" in res.stdout
    assert "zones" in res.stdout
    assert "note: layer 'bakad': not in" in res.stderr  # notes go to stderr


def test_check_valid_data_exits_0(cli, tmp_path):
    folder = _good_folder(tmp_path / "official")
    res = cli("layers", "check", "--lang", "en", folder)
    assert res.exit_code == 0, res.output
    assert "ok:" in res.stdout and "`zones` replaced" in res.stdout
    assert "using the built-in layer" in res.stdout  # notes are shown


def test_check_prints_every_problem_and_exits_1(cli, tmp_path):
    path = _zones_with_three_problems(tmp_path / "bad")
    res = cli("layers", "check", "--lang", "en", path.parent)
    assert res.exit_code == 1
    err = res.stderr
    assert "3 problem(s)" in err
    assert "'open' is not a known status" in err
    assert "duplicate id 'sez-pit'" in err
    assert "'31.12.2024' is not a valid ISO date" in err
    assert "Traceback" not in res.output and res.stdout == ""


def test_check_missing_path_is_a_clean_error(cli, tmp_path):
    res = cli("layers", "check", "--lang", "en", tmp_path / "nope")
    assert res.exit_code == 1
    assert res.stderr.startswith("error: layers path") and "does not exist" in res.stderr
    assert "Traceback" not in res.output


def test_export_writes_five_layers_and_refuses_to_overwrite(cli, tmp_path):
    out = tmp_path / "layers.gpkg"
    res = cli("layers", "export", "--lang", "en", "-o", out)
    assert res.exit_code == 0, res.output
    assert {str(n) for n, _ in pyogrio.list_layers(out)} == set(LAYER_NAMES)
    before = out.read_bytes()

    res = cli("layers", "export", "--lang", "en", "-o", out)
    assert res.exit_code == 1
    assert "already exists" in res.stderr and "--overwrite" in res.stderr
    assert "Traceback" not in res.output
    assert out.read_bytes() == before

    res = cli("layers", "export", "--lang", "en", "-o", out, "--overwrite")
    assert res.exit_code == 0, res.output
    assert len(pyogrio.list_layers(out)) == 5


def test_export_of_replaced_layers(cli, tmp_path):
    folder = _good_folder(tmp_path / "official")
    out = tmp_path / "merged.gpkg"
    res = cli("layers", "export", "--lang", "en", "--layers", folder, "-o", out)
    assert res.exit_code == 0, res.output
    assert pyogrio.read_info(out, layer="zones")["features"] == 2


def test_export_needs_gpkg(cli, tmp_path):
    res = cli("layers", "export", "--lang", "en", "-o", tmp_path / "layers.shp")
    assert res.exit_code == 1 and ".gpkg" in res.stderr
    assert not (tmp_path / "layers.shp").exists()


def test_export_into_a_missing_folder(cli, tmp_path):
    res = cli("layers", "export", "--lang", "en", "-o", tmp_path / "no" / "layers.gpkg")
    assert res.exit_code == 1 and "does not exist" in res.stderr


def test_version(cli):
    res = cli("--version")
    assert res.exit_code == 0
    assert res.stdout.strip() == f"planner {version('bakad-siting-planner')}"


def test_unknown_command_exits_2(cli):
    res = cli("frobnicate")
    assert res.exit_code == 2
    assert "No such command" in res.output


def test_unknown_option_exits_2(cli):
    assert cli("layers", "list", "--lang", "en", "--colour").exit_code == 2


def test_user_error_has_no_traceback_but_debug_shows_one(tmp_path):
    path = _zones_with_three_problems(tmp_path / "bad")
    plain = subprocess.run([*CLI, "layers", "list", "--layers", str(path.parent)],
                           capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert plain.returncode == 1
    assert "Traceback" not in plain.stderr
    assert plain.stderr.startswith("ошибка: в слоях найдено ошибок: 3")  # Russian by default
    debug = subprocess.run([*CLI, "--debug", "layers", "list", "--layers", str(path.parent)],
                           capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert "LayerError" in debug.stderr


@pytest.mark.parametrize("args", [["frobnicate"], ["layers", "check"]])
def test_usage_errors_exit_2_in_a_real_process(args, tmp_path):
    res = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert res.returncode == 2 and "Traceback" not in res.stderr


def test_user_text_is_printed_literally_not_as_markup(cli, tmp_path):
    folder = _good_folder(tmp_path / "[bold]official[/bold]")
    res = cli("layers", "check", "--lang", "en", folder)
    assert res.exit_code == 0, res.output
    assert "[bold]official[/bold] is valid" in res.stdout
