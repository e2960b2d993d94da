"""README.md is true: every command block runs, and the demo writes what the README lists.

Each fenced ``sh``/``bash``/``console`` block of README.md is run, line by line, in a fresh
temporary folder holding the files ``make demo`` leaves behind (``out/``, ``maps/``) and
the repository files the commands name (``geodata/``, ``Makefile``, ``pyproject.toml``),
with the ``planner`` of the running interpreter's environment first on ``PATH``.

Conventions in README.md (the markers are HTML comments, invisible on the rendered page):

- A command must exit 0, unless its trailing comment says ``exit N`` (``# exit 3: ...``).
- ``<!-- readme-test: skip: REASON -->`` right above a block: the block is not run
  (a server that runs until stopped, an install); reported as a skipped test with REASON.
- ``<!-- readme-test: skip "PREFIX": REASON -->`` (repeatable): the block's lines starting
  with PREFIX are not run; each is reported as a skipped test, and each marker must match.
- ``<!-- readme-test: stand-in NAME -->``: NAME is a file the reader brings (an
  OpenStreetMap extract); the test puts a small generated one of that name in the folder.
- ``<!-- readme-test: fill NAME after "PREFIX" -->``: after the line starting with PREFIX
  the test does what the README asks of a person there (experts answer the form NAME).

Every file a block writes (other than a manifest) must have its ``<file>.manifest.json``
with the fields the README promises; the demo's files must be exactly the README's table.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from _manifests import check_manifest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent
SHELL_LANGS = {"sh", "bash", "console", "shell"}
#: repository files the README's commands name, copied into every block's folder
COPIED = ("Makefile", "pyproject.toml", "geodata")
#: what `make` must not do in the test: install into the running environment
MAKE_ARGS = ["-o", ".venv/.installed", "-o", ".venv/.installed-test", "-o",
             ".venv/.installed-app", f"BIN={BIN}"]  # fmt: skip
TIMEOUT_S = 600

pytestmark = pytest.mark.slow


# ---------------------------------------------------------------------------------------
# README parsing
# ---------------------------------------------------------------------------------------
@dataclass
class Line:
    lineno: int
    text: str  # the command, continuation lines joined, comment removed
    comment: str
    skip: str | None = None  # the reason, when a marker says not to run it

    @property
    def expected_exit(self) -> int:
        found = re.search(r"\bexit (\d+)\b(?![/\d])", self.comment)
        return int(found.group(1)) if found else 0


@dataclass
class Block:
    lineno: int
    section: str
    lines: list[Line]
    skip: str | None = None
    skip_prefixes: dict[str, str] = field(default_factory=dict)
    stand_ins: list[str] = field(default_factory=list)
    fills: dict[str, str] = field(default_factory=dict)  # command prefix -> file to fill

    @property
    def id(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.section.lower()).strip("-")
        return f"L{self.lineno}-{slug}"


MARKER = re.compile(r"<!--\s*readme-test:\s*(.*?)\s*-->")


def _split_comment(line: str) -> tuple[str, str]:
    """``cmd  # comment`` -> (cmd, comment); a ``#`` inside quotes is not a comment."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1:].strip()
    return line.rstrip(), ""


def _commands(body: list[tuple[int, str]]) -> list[Line]:
    out: list[Line] = []
    pending: Line | None = None
    for lineno, raw in body:
        cmd, comment = _split_comment(raw)
        if pending is not None:
            pending.text += " " + cmd.strip().removesuffix("\\").strip()
            pending.comment = " ".join(filter(None, (pending.comment, comment)))
            if not cmd.endswith("\\"):
                out.append(pending)
                pending = None
            continue
        if not cmd.strip():
            continue
        line = Line(lineno, cmd.strip().removesuffix("\\").strip(), comment)
        if cmd.endswith("\\"):
            pending = line
        else:
            out.append(line)
    assert pending is None, f"README.md:{pending.lineno}: a continued line never ends"
    return out


def _apply_marker(block: Block, text: str, lineno: int) -> None:
    skip_lines = re.fullmatch(r'skip\s+"([^"]+)"\s*:\s*(.+)', text)
    if skip_lines:
        block.skip_prefixes[skip_lines.group(1)] = skip_lines.group(2)
    elif re.fullmatch(r"skip\s*:\s*(.+)", text):
        block.skip = text.split(":", 1)[1].strip()
    elif re.fullmatch(r"stand-in\s+\S+", text):
        block.stand_ins.append(text.split()[1])
    elif fill := re.fullmatch(r'fill\s+(\S+)\s+after\s+"([^"]+)"', text):
        block.fills[fill.group(2)] = fill.group(1)
    else:
        raise AssertionError(f"README.md:{lineno}: unknown readme-test marker {text!r}")


def parse_readme(text: str) -> list[Block]:
    """The README's command blocks, with their markers applied."""
    blocks: list[Block] = []
    lines = text.splitlines()
    section = "top"
    markers: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            section = line.lstrip("#").strip()
        found = MARKER.fullmatch(line.strip())
        if found:
            markers.append((i + 1, found.group(1)))
        elif line.startswith("```"):
            lang = line[3:].strip()
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
            if lang in SHELL_LANGS:
                body = [(j + 1, lines[j]) for j in range(i + 1, end)]
                if lang == "console":  # prompts: "$ cmd"; output lines are not commands
                    body = [(n, s[2:]) for n, s in body if s.startswith("$ ")]
                block = Block(i + 1, section, _commands(body))
                for n, m in markers:
                    _apply_marker(block, m, n)
                blocks.append(block)
            else:
                assert lang, f"README.md:{i + 1}: give every fenced block a language"
                assert not markers, f"README.md:{markers[0][0]}: marker above a {lang} block"
            markers = []
            i = end
        elif line.strip():
            assert not markers, f"README.md:{markers[0][0]}: a marker must sit above a block"
        i += 1
    for block in blocks:
        for prefix in block.skip_prefixes:
            hits = [ln for ln in block.lines if ln.text.startswith(prefix)]
            assert hits, f"README.md:{block.lineno}: skip marker {prefix!r} matches no line"
            for ln in hits:
                ln.skip = block.skip_prefixes[prefix]
        for prefix in block.fills:
            assert any(ln.text.startswith(prefix) for ln in block.lines), (
                f"README.md:{block.lineno}: fill marker {prefix!r} matches no line")
    return blocks


BLOCKS = parse_readme(README.read_text(encoding="utf-8"))
#: the quick start's `make demo`, run once for all blocks
DEMO = next(ln for b in BLOCKS if b.section == "Quick start" for ln in b.lines
            if ln.text == "make demo")  # fmt: skip


def _params():
    for block in BLOCKS:
        if block.skip:
            yield pytest.param(block, id=block.id, marks=pytest.mark.skip(reason=block.skip))
            continue
        yield pytest.param(block, id=block.id)
        for ln in block.lines:
            if ln.skip:
                reason = f"README.md:{ln.lineno} `{ln.text}`: {ln.skip}"
                yield pytest.param(None, id=f"{block.id}-L{ln.lineno}-not-run",
                                   marks=pytest.mark.skip(reason=reason))


# ---------------------------------------------------------------------------------------
# running
# ---------------------------------------------------------------------------------------
def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))
    env["PLANNER_CACHE_DIR"] = str(tmp / ".cache")  # network builds: not the user's cache
    env.pop("SOURCE_DATE_EPOCH", None)
    return env


def _run(line: Line, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    cmd = line.text
    if cmd.startswith("make "):
        cmd = " ".join(["make", *MAKE_ARGS, cmd.removeprefix("make ")])
    return subprocess.run(["bash", "-c", cmd], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=TIMEOUT_S)  # fmt: skip


def _files(folder: Path) -> dict[str, float]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*")
            if p.is_file() and ".cache" not in p.relative_to(folder).parts}  # fmt: skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A folder after the quick start's ``make demo``: (folder, files it wrote, result)."""
    folder = tmp_path_factory.mktemp("demo")
    for name in COPIED:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, folder / name)
    before = _files(folder)
    res = _run(DEMO, folder, _env(folder))
    assert res.returncode == DEMO.expected_exit, (
        f"README.md:{DEMO.lineno} `make demo` exited {res.returncode}:\n"
        f"{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    )
    written = sorted(set(_files(folder)) - set(before))
    return folder, written, res


def _from_tests(module: str):
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        return __import__(module)
    finally:
        sys.path.remove(str(ROOT / "tests"))


def _stand_in(name: str, folder: Path) -> None:
    if name.endswith(".osm.pbf"):  # a small extract: BAKAD, roads, rail, places, land use
        _from_tests("test_osm").build_extract(folder / name)
    elif name.endswith(".tif"):  # an SRTM-like DEM tile: degrees, metres, mountains south
        _dem(folder / name)
    else:
        raise AssertionError(f"no stand-in known for {name!r}; add one to tests/test_readme.py")


def _dem(path: Path) -> None:
    """A GeoTIFF elevation model in EPSG:4326 over the area the README grids cover: plains
    at 500-700 m rising steeply south of 43.3 N into the Ile-Alatau foothills."""
    import numpy as np
    import rasterio
    from affine import Affine

    west, north, res = 76.2, 44.2, 0.01
    lon = west + res * (np.arange(160) + 0.5)
    lat = north - res * (np.arange(140) + 0.5)
    z = 500 + 200 * (lon[None, :] - west) + 9000 * np.clip(43.3 - lat[:, None], 0, None)
    with rasterio.open(path, "w", driver="GTiff", height=z.shape[0], width=z.shape[1], count=1,
                       dtype="float32", crs="EPSG:4326", nodata=-9999.0,
                       transform=Affine(res, 0, west, 0, -res, north)) as dst:  # fmt: skip
        dst.write(z.astype("float32"), 1)


def _fill(name: str, folder: Path) -> None:
    if name == "pairs.xlsx":  # two experts answer; the third leaves the sheet blank
        weigh = _from_tests("test_weigh_cli")
        weigh._fill(folder / name, {1: weigh.EXPERT_1, 2: weigh.EXPERT_2})
    else:
        raise AssertionError(f"no filler known for {name!r}; add one to tests/test_readme.py")


def _outputs(paths) -> list[str]:
    return [p for p in paths if not p.endswith(".manifest.json")]


# ---------------------------------------------------------------------------------------
# tests
# ---------------------------------------------------------------------------------------
def test_every_command_block_is_run_or_marked():
    assert len(BLOCKS) >= 8
    for block in BLOCKS:
        assert block.lines, f"README.md:{block.lineno}: a command block with no command"
        if block.skip:
            assert len(block.skip) > 10, f"README.md:{block.lineno}: say why it is not run"
        else:
            assert any(not ln.skip for ln in block.lines), (
                f"README.md:{block.lineno}: every line is skipped; mark the block instead")
    quick = next(b for b in BLOCKS if b.section == "Quick start")
    assert [ln.text for ln in quick.lines] == ["make demo", "make test"], (
        "the quick start is exactly two commands")
    assert DEMO.expected_exit == 0


def test_readme_parser_reads_comments_exit_codes_and_markers():
    text = (
        "# S\n<!-- readme-test: skip \"planner app\": a server -->\n"
        "<!-- readme-test: stand-in x.osm.pbf -->\n```sh\n"
        "planner a 'x # y'   # exit 3: rejected rows\nplanner b --o \\\n   c  # exit 0/1\n"
        "# only a comment\nplanner app\n```\n<!-- readme-test: skip: installs -->\n"
        "```bash\npip install .\n```\n```toml\n[a]\n```\n"
    )
    first, second = parse_readme(text)
    assert [ln.text for ln in first.lines] == ["planner a 'x # y'", "planner b --o c",
                                               "planner app"]  # fmt: skip
    assert [ln.expected_exit for ln in first.lines] == [3, 0, 0]
    assert [ln.skip for ln in first.lines] == [None, None, "a server"]
    assert first.stand_ins == ["x.osm.pbf"] and first.section == "S"
    assert second.skip == "installs"
    with pytest.raises(AssertionError, match="matches no line"):
        parse_readme('<!-- readme-test: skip "nothing": x -->\n```sh\nplanner a\n```\n')
    with pytest.raises(AssertionError, match="unknown readme-test marker"):
        parse_readme("<!-- readme-test: skipp -->\n```sh\nplanner a\n```\n")
    with pytest.raises(AssertionError, match="must sit above a block"):
        parse_readme("<!-- readme-test: skip: why not -->\ntext\n```sh\nplanner a\n```\n")


def _demo_table() -> list[str]:
    """The files of the quick start's table, as written there."""
    text = README.read_text(encoding="utf-8").split("## Quick start", 1)[1].split("\n## ", 1)[0]
    names: list[str] = []
    for row in re.findall(r"^\|([^|\n]*)\|", text, flags=re.M):
        names += re.findall(r"`([^`]+)`", row)
    return names


def test_demo_writes_what_the_readme_lists_each_with_its_manifest(demo):
    folder, written, res = demo
    listed = _demo_table()
    assert "*.manifest.json" in listed, "the README table promises manifests"
    listed = [n for n in listed if n != "*.manifest.json"]
    assert sorted(_outputs(written)) == sorted(listed), (
        "the demo writes files the README's table does not list, or the other way round"
    )
    for name in _outputs(written):
        man = check_manifest(folder / name)
        if name.endswith((".xlsx", ".gpkg", ".html")):  # scored: scenario, hash and date
            assert man["scenario"]["name"] == "bakad-perimeter", name
            assert len(man["scenario"]["hash"]) >= 12 and man["as_of"], name
    assert sorted(written) == sorted([*listed, *(n + ".manifest.json" for n in listed)])
    # the lines `make demo` printed name what it wrote
    for name in listed:
        assert name in res.stdout, name


@pytest.mark.parametrize("block", list(_params()))
def test_readme_block_runs(block, demo, tmp_path):
    if block is None:  # a line the README marks as not run: reported as skipped
        return
    folder = tmp_path / "work"
    shutil.copytree(demo[0], folder, symlinks=True)
    for name in block.stand_ins:
        _stand_in(name, folder)
    env = _env(tmp_path)
    before = _files(folder)
    for line in block.lines:
        if line.skip:
            continue
        if line is DEMO:  # the quick start's own `make demo`: the fixture ran it here
            continue
        res = _run(line, folder, env)
        assert res.returncode == line.expected_exit, (
            f"README.md:{line.lineno} `{line.text}` exited {res.returncode}, the README says "
            f"{line.expected_exit}:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
        )
        for prefix, name in block.fills.items():
            if line.text.startswith(prefix):
                _fill(name, folder)
    after = _files(folder)
    changed = [p for p, t in after.items() if before.get(p) != t]
    problems = []
    for name in _outputs(changed):
        if name in block.stand_ins:
            continue
        try:
            check_manifest(folder / name, edited=name in block.fills.values())
        except AssertionError as exc:
            problems.append(f"{name}: {str(exc).splitlines()[0]}")
    assert not problems, "outputs without the manifest the README promises:\n" + "\n".join(
        problems)
