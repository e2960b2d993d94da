"""Every command turns an unexpected exception into one paragraph and exit 1; --debug
shows the traceback instead.

A failure (a bare ValueError, TypeError, KeyError ... such as a bug would raise) is injected
into a function each command runs, deep in its job where there is one; the table below
must name every command the CLI has.
"""

from __future__ import annotations

import functools
import importlib
import subprocess
import sys

import pytest
import typer

from planner.cli.app import app, register_commands
from planner.inputs.companies import example_path

AS_OF = "2026-01-01"


def _commands() -> set[str]:
    """Every leaf command of the CLI, as typed after ``planner``."""
    register_commands()

    def walk(cmd, prefix):
        subs = getattr(cmd, "commands", None)
        if not subs:
            return {prefix}
        return set().union(*(walk(c, f"{prefix} {n}".strip()) for n, c in subs.items()))

    return walk(typer.main.get_command(app), "")


# command -> (its arguments (tmp = the test's folder), the function that fails, what it raises)
CASES = {
    "layers list": ([], "planner.inputs.layers:load_layers", ValueError),
    "layers check": (["{tmp}"], "planner.inputs.layers:load_layers", TypeError),
    "layers export": (["-o", "{tmp}/l.gpkg"], "planner.inputs.layers:export_layers", KeyError),
    "layers from-osm": (["{tmp}/x.osm.pbf", "-o", "{tmp}/o.gpkg"],
                        "planner.inputs.osm:layers_from_osm", IndexError),
    "scenarios list": ([], "planner.config.scenarios:list_scenarios", ZeroDivisionError),
    "scenarios show": (["bakad-perimeter"], "planner.config.scenarios:load_scenario", ValueError),
    "scenarios weigh": (["{tmp}/pairs.toml"], "planner.jobs.weigh:weigh", TypeError),
    "scenarios template": (["-o", "{tmp}/pairs.xlsx"],
                           "planner.render.pairs_template:write_template", KeyError),
    "sites grid": (["-o", "{tmp}/g.gpkg"], "planner.inputs.sites:grid_sites", IndexError),
    "sites check": (["{tmp}/s.csv"], "planner.inputs.sites:read_sites", AttributeError),
    "score-sites": (["builtin", "-o", "{tmp}/s.gpkg", "--as-of", AS_OF, "--no-why"],
                    "planner.jobs.score_sites:write_scored", ValueError),
    "companies check": (["{companies}"], "planner.inputs.companies:read_companies", TypeError),
    "companies sectors": ([], "planner.config.sectors:load_sectors", KeyError),
    "score": (["{companies}", "-o", "{tmp}/r.csv", "--as-of", AS_OF],
              "planner.jobs.batch:build_tables", ValueError),
    "map": (["-o", "{tmp}/m.html", "--as-of", AS_OF], "planner.jobs.maps:build_map", TypeError),
    "compare": (["iz-kairat", "sez-pit", "--as-of", AS_OF, "--draws", "50"],
                "planner.jobs.compare:compare_sites", RuntimeError),
    "surface": (["-o", "{tmp}/s.npz", "--cell-m", "5000", "--as-of", AS_OF],
                "planner.jobs.surface:compute_surface", ValueError),
    "app": (["--port", "8599"], "planner.webapp.server:serve", RuntimeError),
    "network build": (["builtin", "-o", "{tmp}/n.npz"],
                      "planner.jobs.network:build_network_file", ValueError),
    "network info": (["{tmp}/n.npz"], "planner.core.network:load_network", KeyError),
}  # fmt: skip


def test_every_command_is_covered():
    assert set(CASES) == _commands()


def _inject(monkeypatch, target: str, exc_type: type[Exception]) -> str:
    """Make ``module:function`` raise ``exc_type``; returns the exception's text."""
    module, name = target.split(":")
    mod = importlib.import_module(module)
    original = getattr(mod, name)
    text = f"injected failure in {name}\nwith a second line"

    @functools.wraps(original)  # same signature: commands pass options by parameter name
    def fail(*args, **kwargs):
        raise exc_type(text)

    monkeypatch.setattr(mod, name, fail)
    return text


def _argv(command: str, args: list[str], tmp_path) -> list[str]:
    fill = {"tmp": str(tmp_path), "companies": str(example_path())}
    return [*command.split(), *(a.format(**fill) for a in args)]


@pytest.mark.parametrize("command", sorted(CASES))
def test_unexpected_error_is_one_paragraph_and_exit_1(cli, monkeypatch, tmp_path, command):
    args, target, exc_type = CASES[command]
    _inject(monkeypatch, target, exc_type)
    argv = _argv(command, args, tmp_path)
    res = cli(*argv)
    assert res.exit_code == 1, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr  # one paragraph, nothing else
    msg = lines[0]
    # Russian by default (the CLI's language), the exception's own text quoted as it is
    head = f"ошибка: planner {command}" + (" на входе " if args else ": непредвиденный сбой: ")
    assert msg.startswith(head)
    assert f"{exc_type.__name__}: " in msg and "injected failure in " in msg
    assert "with a second line" in msg  # the exception's own text, on the same line
    assert "запустите ещё раз с --debug" in msg and "Traceback" not in res.output
    # the input is named: the command's arguments as given
    for a in args:
        if not a.startswith("-"):
            assert a.format(tmp=tmp_path, companies=example_path()) in msg


@pytest.mark.parametrize("command", sorted(CASES))
def test_debug_lets_the_exception_through(cli, monkeypatch, tmp_path, command):
    args, target, exc_type = CASES[command]
    text = _inject(monkeypatch, target, exc_type)
    res = cli("--debug", *_argv(command, args, tmp_path))
    assert res.exit_code == 1
    assert isinstance(res.exception, exc_type) and res.exception.args == (text,)
    assert "failed unexpectedly" not in res.stderr


def test_nothing_is_written_when_the_batch_fails_midway(cli, monkeypatch, tmp_path):
    _inject(monkeypatch, "planner.jobs.batch:build_tables", ValueError)
    res = cli("score", example_path(), "-o", tmp_path / "r.xlsx", "--map", tmp_path / "m.html")
    assert res.exit_code == 1
    assert list(tmp_path.iterdir()) == []


_FAILING_MAIN = (
    "import sys, planner.config.scenarios as s\n"
    "def boom(*a, **k):\n"
    "    raise ValueError('injected failure')\n"
    "s.list_scenarios = boom\n"
    "from planner.cli import main\n"
    "sys.argv[0] = 'planner'\n"
    "main()\n"
)


_UNEXPECTED = {
    None: "ошибка: planner scenarios list: непредвиденный сбой: ValueError: injected failure. "
          "Это ошибка планировщика",
    "kk": "қате: planner scenarios list, кіріс: --lang kk: күтпеген іркіліс: ValueError: "
          "injected failure. Бұл жоспарлағыштың қатесі",
    "en": "error: planner scenarios list on --lang en failed unexpectedly: ValueError: injected "
          "failure. This is a bug in the planner",
}  # fmt: skip


@pytest.mark.parametrize(("debug", "lang"), [(False, None), (False, "kk"), (False, "en"),
                                             (True, None)])  # fmt: skip
def test_real_process_message_or_traceback(tmp_path, debug, lang):
    argv = [sys.executable, "-c", _FAILING_MAIN, *(["--debug"] if debug else []), "scenarios",
            "list", *(["--lang", lang] if lang else [])]  # fmt: skip
    res = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert res.returncode == 1
    if debug:
        assert "Traceback (most recent call last)" in res.stderr
        assert "ValueError: injected failure" in res.stderr
    else:
        assert res.stderr.startswith(_UNEXPECTED[lang]), res.stderr
        assert "Traceback" not in res.stderr and res.stderr.count("\n") == 1
