"""Usage errors (exit 2) speak the command's language: the real entry point sets the message
language from ``--lang`` (default Russian) before typer parses the options, so an option's
refusal, click's own "no such option" / "missing" / "not one of" and the usage line that
follows come in ru, kk or en (issue 13)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from _lang_check import speaks

_MAIN = "import sys; from planner.cli import main; sys.argv[0] = 'planner'; main()"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _MAIN, *args], capture_output=True, text=True,
                          timeout=120)  # fmt: skip


@pytest.mark.parametrize(
    ("args", "lang", "want"),
    [
        (("score", "x.csv", "--as-of", "2020-13-01", "--lang", "kk"), "kk",
         ["қате: '--as-of' мәні жарамсыз: «2020-13-01» күн емес; ЖЖЖЖ-АА-КК",
          "қолданылуы: planner score [OPTIONS]", "анықтама: planner score --help"]),
        (("score", "x.csv", "--as-of", "2020-13-01"), "ru",
         ["ошибка: недопустимое значение '--as-of': «2020-13-01» не дата",
          "использование: planner score", "справка: planner score --help"]),
        (("score", "x.csv", "--as-of", "2020-13-01", "--lang", "en"), "en",
         ["error: invalid value for '--as-of': '2020-13-01' is not a date; use YYYY-MM-DD",
          "usage: planner score"]),
        (("compare", "a", "b", "--att", "1", "--lang", "kk"), "kk",
         ["қате: мұндай параметр жоқ: --att. Мүмкін, мынаны меңзедіңіз: --at"]),
        (("compare", "a", "b", "--lang", "xx"), "ru",
         ["ошибка: недопустимое значение '--lang': «xx» не из списка 'ru', 'kk', 'en'"]),
        (("score", "--lang", "kk"), "kk", ["қате: 'COMPANIES' мәні берілмеген"]),
        (("score", "a.csv", "-o", "r.csv", "--csv-sep", "x", "--lang", "kk"), "kk",
         ["қате: '--csv-sep' мәні жарамсыз: «x» бөлгіш емес"]),
    ],
)  # fmt: skip
def test_usage_errors_speak_the_command_language(tmp_path, args, lang, want):
    res = _run(*args)
    assert res.returncode == 2, res.stderr
    assert res.stdout == "" and "Traceback" not in res.stderr
    for w in want:
        assert w in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 2  # the error, then usage and help
    assert speaks(res.stderr, lang) == [], res.stderr


def test_help_and_version_still_exit_0_and_bare_group_shows_its_help():
    assert _run("--version").returncode == 0
    res = _run("score", "--help")
    assert res.returncode == 0 and "Usage" in res.stdout
    res = _run()
    assert res.returncode == 2 and "Usage" in res.stdout + res.stderr
