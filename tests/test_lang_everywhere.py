"""Every command that writes words speaks the chosen language, everywhere (issue 13).

Each command is run in-process with ``--lang ru``, ``kk`` and ``en``, on success and on one
or two typical bad inputs, and every word it produced is checked with
:func:`_lang_check.speaks`: stdout, stderr, and the files it wrote (XLSX cells, except the
machine names of the ``columns`` sheet; CSV cells; rejects files; HTML pages through
:func:`_lang_check.page_text`; not the JSON manifests). A table column that is in another
language on purpose (``why_kk`` in a Russian table: the reasons in every language) is left
out, like the user's own texts (company names of the example).

Runs are cached per (case, language) for the module, and a case may reuse the outputs of
another (``map --results`` reads the results ``score`` wrote in that language).

A case marked ``xfail(strict=True)`` still prints English (or another language) somewhere;
its reason names the area and the text. Once the text is moved to the catalog the case
passes, the strict marker turns it into a failure, and the marker must go.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pytest
from _lang_check import page_text, speaks, strip_code, without_user_text

from planner import i18n
from planner.render.xlsx_book import VALUE_LABELS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "geodata" / "examples" / "companies.csv"
AS_OF = "2026-06-01"
LANGS = ("ru", "kk", "en")
OK, REJECTS = 0, 3
#: a sites file with one bad row (its lon is text): rejected, the rest scored
SITES = "site_id;name;lon;lat\nP-1;P-1;77,05;43,45\nP-2;P-2;76,95;43,55\nP-3;P-3;abc;43,5\n"
#: the console script, for a case run through the real entry point
_MAIN = "import sys; from planner.cli import main; sys.argv[0] = 'planner'; main()"
#: the example's own cells and headers (rejected rows included): the user's texts
EXAMPLE_CELLS = tuple(sorted({c.strip() for line in EXAMPLE.read_text("utf-8-sig").splitlines()
                              for c in line.split(";") if len(c.strip()) > 2},
                             key=len, reverse=True))  # fmt: skip
#: the columns of a rejects file that are the user's (the reason is ours)
REJECTS_HEAD = ["row", "id", "column", "value", "reason"]
#: columns of ids (besides ``*_id`` and ``*_ids``)
ID_COLUMNS = frozenset({"nearest_housing", "nearest_interchange", "group", "preferred_zone",
                        "criterion"})
#: a company list without any column the planner knows
BAD_LIST = "foo;bar\n1;2\n"
#: a sector profiles file that is not TOML
BAD_SECTORS = "[sectors.x\ntitle_ru = 1\n"


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str
    files: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Case:
    """``args(work, lang, sweep)``: the command line (``--lang`` is added); ``files``: the
    outputs to read, relative to the case's folder; ``exits``: the exit codes expected."""

    args: Callable
    exits: tuple[int, ...] = (OK,)
    files: tuple[str, ...] = ()
    #: run through the real entry point (a usage error: the language is set before parsing)
    entry: bool = False


def _first_company(sweep, lang: str) -> str:
    sweep.run("score_xlsx", lang)
    import pandas as pd

    return str(pd.read_csv(EXAMPLE, sep=";", encoding="utf-8-sig").iloc[0, 0])


def _filled_form(sweep, lang: str) -> Path:
    """The pairwise form of ``scenarios template`` in ``lang``, answered by one expert."""
    sweep.run("template", lang)
    src = sweep.dir("template", lang) / "pairs.xlsx"
    dst = sweep.dir("weigh", lang) / "filled.xlsx"
    shutil.copy(src, dst)
    wb = openpyxl.load_workbook(dst)
    ws = wb.worksheets[1]
    for r, (side, much) in enumerate([("A", 3), ("A", 5), ("A", 2)], 4):
        ws.cell(r, 4, side)
        ws.cell(r, 5, much)
    wb.save(dst)
    return dst


CASES: dict[str, Case] = {
    # planner score: results with allocation (XLSX), the CSV tables and a map, bad inputs
    "score_xlsx": Case(lambda d, lang, s: ["score", EXAMPLE, "-o", d / "r.xlsx", "--allocate",
                                           "--top", "3", "--as-of", AS_OF],
                       (REJECTS,), ("r.xlsx", "r.rejects.csv")),  # fmt: skip
    "score_csv": Case(lambda d, lang, s: ["score", EXAMPLE, "-o", d / "r.csv", "--top", "2",
                                          "--as-of", AS_OF, "--map", d / "r.html"],
                      (REJECTS,), ("r.csv", "r.companies.csv", "r.rejects.csv", "r.html")),
    "score_bad_sites": Case(lambda d, lang, s: ["score", EXAMPLE, "-o", d / "r.xlsx", "--sites",
                                                d / "nosuch.csv"], (1,)),  # fmt: skip
    "score_bad_list": Case(lambda d, lang, s: ["score", s.text(d / "bad.csv", BAD_LIST), "-o",
                                               d / "r.xlsx"], (1,)),  # fmt: skip
    # planner score-sites: built-in (XLSX), a sites file with a bad row (CSV + rejects)
    "score_sites": Case(lambda d, lang, s: ["score-sites", "builtin", "-o", d / "s.xlsx",
                                            "--top", "3", "--as-of", AS_OF], files=("s.xlsx",)),
    "score_sites_file": Case(lambda d, lang, s: ["score-sites", s.text(d / "sites.csv", SITES),
                                                 "-o", d / "s.csv", "--as-of", AS_OF],
                             (REJECTS,), ("s.csv", "s.rejects.csv")),  # fmt: skip
    "score_sites_bad_scenario": Case(lambda d, lang, s: ["score-sites", "builtin", "-o",
                                                         d / "s.csv", "--scenario", "nosuch"],
                                     (1,)),  # fmt: skip
    # planner compare
    "compare": Case(lambda d, lang, s: ["compare", "iz-kairat", "sez-pit", "aiz-1", "--as-of",
                                        AS_OF, "--draws", "200", "--html", d / "c.html",
                                        "--xlsx", d / "c.xlsx"], files=("c.html", "c.xlsx")),
    "compare_bad_id": Case(lambda d, lang, s: ["compare", "iz-kairat", "nosuch"], (1,)),
    "compare_one_site": Case(lambda d, lang, s: ["compare", "iz-kairat"], (2,), entry=True),
    # planner map
    "map": Case(lambda d, lang, s: ["map", "-o", d / "m.html", "--as-of", AS_OF],
                files=("m.html",)),
    "map_results": Case(lambda d, lang, s: ["map", "--results", s.dir("score_xlsx", lang)
                                            / "r.xlsx", "--company", _first_company(s, lang),
                                            "-o", d / "m.html"], files=("m.html",)),
    "map_bad_results": Case(lambda d, lang, s: ["map", "--results", d / "nosuch.xlsx", "-o",
                                                d / "m.html"], (1,)),  # fmt: skip
    "map_bad_company": Case(lambda d, lang, s: ["map", "--results", s.dir("score_xlsx", lang)
                                                / "r.xlsx", "--company", "nosuch", "-o",
                                                d / "m.html"], (1,)),  # fmt: skip
    # planner surface
    "surface": Case(lambda d, lang, s: ["surface", "-o", d / "s.npz", "--cell-m", "2000",
                                        "--extent", "bakad:5km", "--as-of", AS_OF]),
    "surface_bad_extent": Case(lambda d, lang, s: ["surface", "-o", d / "s.npz", "--extent",
                                                   "nowhere:5km"], (1, 2)),  # fmt: skip
    # planner companies
    "companies_check": Case(lambda d, lang, s: ["companies", "check", EXAMPLE, "--rejects",
                                                d / "c.rejects.csv"],
                            (REJECTS,), ("c.rejects.csv",)),  # fmt: skip
    "companies_check_bad": Case(lambda d, lang, s: ["companies", "check",
                                                    s.text(d / "bad.csv", BAD_LIST)], (1,)),
    "companies_sectors": Case(lambda d, lang, s: ["companies", "sectors"]),
    "companies_sectors_bad": Case(lambda d, lang, s: ["companies", "sectors", "--sectors",
                                                      s.text(d / "bad.toml", BAD_SECTORS)],
                                  (1,)),  # fmt: skip
    # planner sites
    "sites_check": Case(lambda d, lang, s: ["sites", "check", s.text(d / "sites.csv", SITES),
                                            "--rejects", d / "s.rejects.csv"],
                        (REJECTS,), ("s.rejects.csv",)),  # fmt: skip
    "sites_check_missing": Case(lambda d, lang, s: ["sites", "check", d / "nosuch.csv"], (1, 2)),
    "sites_grid": Case(lambda d, lang, s: ["sites", "grid", "-o", d / "g.csv", "--spacing-km",
                                           "5", "--within-km", "5"], files=("g.csv",)),
    "sites_grid_bad_around": Case(lambda d, lang, s: ["sites", "grid", "-o", d / "g.csv",
                                                      "--around", "nowhere"], (1, 2)),
    # planner scenarios
    "scenarios_list": Case(lambda d, lang, s: ["scenarios", "list"]),
    "scenarios_show": Case(lambda d, lang, s: ["scenarios", "show", "bakad-perimeter"]),
    "scenarios_show_bad": Case(lambda d, lang, s: ["scenarios", "show", "nosuch"], (1,)),
    "template": Case(lambda d, lang, s: ["scenarios", "template", "-o", d / "pairs.xlsx",
                                         "--criteria", "interchange,zone,almaty"],
                     files=("pairs.xlsx",)),  # fmt: skip
    "template_bad_out": Case(lambda d, lang, s: ["scenarios", "template", "-o",
                                                 d / "pairs.txt"], (1, 2)),  # fmt: skip
    "weigh": Case(lambda d, lang, s: ["scenarios", "weigh", _filled_form(s, lang), "-o",
                                      d / "panel.toml"]),  # fmt: skip
    "weigh_unanswered": Case(lambda d, lang, s: ["scenarios", "weigh", s.dir("template", lang)
                                                 / "pairs.xlsx", "-o", d / "panel.toml"],
                             (1,)),  # fmt: skip
    # planner layers (a layers file is exported once, without --lang, for `layers check`)
    "layers_list": Case(lambda d, lang, s: ["layers", "list"]),
    "layers_check": Case(lambda d, lang, s: ["layers", "check", s.layers_file()]),
    "layers_check_bad": Case(lambda d, lang, s: ["layers", "check",
                                                 s.text(d / "bad.geojson", "{not json")], (1,)),
    "layers_export": Case(lambda d, lang, s: ["layers", "export", "-o", d / "l.gpkg"]),
    "layers_export_bad_out": Case(lambda d, lang, s: ["layers", "export", "-o", d / "l.txt"],
                                  (1, 2)),  # fmt: skip
    # planner network (a network is built once, without --lang, for `network info`)
    "network_build": Case(lambda d, lang, s: ["network", "build", "builtin", "-o", d / "n.npz"]),
    "network_build_missing": Case(lambda d, lang, s: ["network", "build", d / "nosuch.osm.pbf",
                                                      "-o", d / "n.npz"], (1, 2)),
    "network_info": Case(lambda d, lang, s: ["network", "info", s.network_file()]),
    "network_info_bad": Case(lambda d, lang, s: ["network", "info",
                                                 s.text(d / "bad.npz", "not a network")], (1,)),
}  # fmt: skip

#: the cases that do not speak one language yet: (case, lang) -> where, and the text
XFAIL: dict[tuple[str, str], str] = {}


class Sweep:
    """Runs each (case, language) once, in its own folder, and keeps the result."""

    def __init__(self, cli, root: Path) -> None:
        self.cli, self.root = cli, root
        self.runs: dict[tuple[str, str], Run] = {}
        self._layers: Path | None = None
        self._network: Path | None = None

    def dir(self, case: str, lang: str) -> Path:
        d = self.root / lang / case
        d.mkdir(parents=True, exist_ok=True)
        return d

    @staticmethod
    def text(path: Path, content: str) -> Path:
        path.write_text(content, encoding="utf-8")
        return path

    def layers_file(self) -> Path:
        if self._layers is None:
            self._layers = self.root / "layers.gpkg"
            res = self.cli("layers", "export", "-o", self._layers)
            assert res.exit_code == 0, res.output
        return self._layers

    def network_file(self) -> Path:
        if self._network is None:
            self._network = self.root / "network.npz"
            res = self.cli("network", "build", "builtin", "-o", self._network)
            assert res.exit_code == 0, res.output
        return self._network

    def run(self, name: str, lang: str) -> Run:
        if (name, lang) not in self.runs:
            case, d = CASES[name], self.dir(name, lang)
            args = [str(a) for a in case.args(d, lang, self)]
            lang_opt = ["--lang", lang] if takes_lang(args) else []  # else: the default, ru
            if case.entry:
                res = subprocess.run([sys.executable, "-c", _MAIN, *args, *lang_opt],
                                     capture_output=True, text=True, timeout=300)  # fmt: skip
                code = res.returncode
            else:
                res = self.cli(*args, *lang_opt)
                code = res.exit_code
            self.runs[name, lang] = Run(code, res.stdout, res.stderr, [d / f for f in case.files])
        return self.runs[name, lang]


def takes_lang(args: list[str]) -> bool:
    """Whether the command of ``args`` has a ``--lang`` option."""
    import typer

    from planner.cli.app import app, register_commands

    register_commands()
    cmd = typer.main.get_command(app)
    for word in args:
        sub = getattr(cmd, "commands", {}).get(word)
        if sub is None:
            break
        cmd = sub
    return any("--lang" in p.opts for p in cmd.params)


@pytest.fixture(scope="module")
def sweep(cli, tmp_path_factory) -> Sweep:
    return Sweep(cli, tmp_path_factory.mktemp("sweep"))


# --------------------------------------------------------------------------- the words of files


def _other_lang_column(name: object, lang: str) -> bool:
    """A column in another language on purpose: ``why_kk`` in a Russian table."""
    m = re.search(r"(?:^|_)(ru|kk|en)$", str(name or ""))
    return bool(m) and m.group(1) != lang


def _ids(name: object) -> bool:
    """A column of ids (``site_id``, ``zone_ids``, ``nearest_housing``): code, not words."""
    return bool(re.search(r"_ids?$", str(name))) or str(name) in ID_COLUMNS


def xlsx_words(path: Path, lang: str) -> str:
    """The cells of a workbook, one per line, without the ``columns`` sheet's machine
    names and without the columns in another language on purpose."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    machine: dict[tuple[str, str], str] = {}  # (sheet, header) -> machine name
    if "columns" in wb.sheetnames:
        for row in list(wb["columns"].iter_rows(values_only=True))[1:]:
            if len(row) > 2 and row[0] is not None:
                machine[str(row[0]), str(row[2])] = str(row[1])
    lines = []
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        if not rows:
            continue
        head = [machine.get((ws.title, str(h)), str(h)) for h in rows[0]]
        skip = {j for j, h in enumerate(head) if _other_lang_column(h, lang) or _ids(h)}
        if ws.title == "columns":
            skip |= {0, 1}  # the sheets' and the columns' machine names
        for i, row in enumerate(rows):
            if ws.title == "columns" and i and _other_lang_column(row[1], lang):
                continue  # the row describing such a column names it in ``lang`` anyway
            lines += [str(v) for j, v in enumerate(row) if v is not None and j not in skip]
            if ws.title == "columns" and i and len(row) > 5 and row[5]:  # machine = label
                lines = [*lines[:-1], *(p.split(" = ", 1)[-1] for p in str(row[5]).splitlines())]
    tabs = "|".join(re.escape(t) for t in wb.sheetnames)  # the tabs' names are code
    wb.close()
    return re.sub(rf"(?<![\w-])(?:{tabs})(?![\w-])", " ", "\n".join(lines))


def csv_words(path: Path, lang: str) -> str:
    """The cells of a CSV the planner wrote (any separator, UTF-8 or a code page), one per
    line, without the columns in another language on purpose."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1251")
    first = text.split("\n", 1)[0]
    sep = ";" if ";" in first else ("\t" if "\t" in first else ",")
    head, *rows = list(csv.reader(io.StringIO(text), delimiter=sep)) or [[]]
    rejects_heads = [REJECTS_HEAD] + [[i18n.t(f"columns.{n}", lg) for n in REJECTS_HEAD]
                                       for lg in i18n.LANGS]  # headed in any language
    if head[:5] in rejects_heads:  # the row's own cells are the user's
        keep = {4}
    else:  # machine names in the header, machine values in the enum columns
        keep = {j for j, h in enumerate(head)
                if not (_other_lang_column(h, lang) or _ids(h) or h in VALUE_LABELS)}
    return "\n".join(v for row in rows for j, v in enumerate(row) if v and j in keep)


def file_words(path: Path, lang: str) -> str:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return xlsx_words(path, lang)
    if suffix == ".csv":
        return csv_words(path, lang)
    if suffix in (".html", ".htm"):
        return page_text(path)
    raise AssertionError(f"no reader for {path}")


def check(text: str, lang: str) -> list[str]:
    """:func:`speaks` on ``text`` without the user's texts and without code (paths,
    machine names, backticked keys: :func:`strip_code`), so that a catalog word that is
    also a file name (``r.rejects.csv``) is not taken for a foreign phrase."""
    text = without_user_text(text)
    for cell in EXAMPLE_CELLS:
        text = text.replace(cell, " ")
    return speaks(strip_code(text), lang)


def problems(run: Run, lang: str) -> dict[str, list[str]]:
    """Every place of a run that does not speak ``lang``, with what it says instead."""
    found = {"stdout": check(run.stdout, lang), "stderr": check(run.stderr, lang)}
    for path in run.files:
        assert path.is_file(), f"{path.name} was not written"
        found[path.name] = check(file_words(path, lang), lang)
    return {k: v for k, v in found.items() if v}


def _params():
    for name in CASES:
        for lang in LANGS:
            why = XFAIL.get((name, lang))
            marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
            yield pytest.param(name, lang, id=f"{name}-{lang}", marks=marks)


@pytest.mark.parametrize(("name", "lang"), list(_params()))
def test_command_speaks_the_language(sweep, name, lang):
    run = sweep.run(name, lang)
    assert run.exit_code in CASES[name].exits, (run.exit_code, run.stdout, run.stderr)
    assert problems(run, lang) == {}


# --------------------------------------------------------------------------- built-in names


@pytest.mark.parametrize("lang", ["kk", "en"])
def test_score_sites_builtin_names_the_sites_in_the_language(sweep, lang):
    from _book import read_book

    assert sweep.run("score_sites", lang).exit_code == 0
    names = read_book(sweep.dir("score_sites", lang) / "s.xlsx", "sites")["name"].tolist()
    want = {"kk": "«Қайрат» индустриялық аймағы", "en": "Industrial zone Kairat"}[lang]
    assert want in names and len(names) == 8
    assert not [n for n in names if "Индустриальная" in n or "СЭЗ" in n], names
    # the map reads the labelled book back to machine values
    from planner.jobs.maps import read_scored

    back = read_scored(sweep.dir("score_sites", lang) / "s.xlsx")
    assert set(back["zone_status"]) <= {"operating", "under_construction", "planned", "none"}
    assert set(back["zone_kind"]) == {"industrial_zone", "sez"}
    assert set(back["site_source"]) == {"builtin"}
