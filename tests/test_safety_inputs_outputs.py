"""Issue 12, item 1: no command ever writes over one of its inputs.

Each case gives a command an output that resolves to one of its inputs (the same name, a
symlink, a hard link, or a partitioned folder holding the input) with --overwrite: it must
be refused before any work (exit 1, a message naming both), and the input is unchanged.
The inputs are placeholder bytes: the refusal comes before anything is read.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from planner._atomic import Output, check_outputs
from planner.errors import InputError

AS_OF = "2026-01-01"

# command -> (its arguments; {in} is the input file, {out} the output path), input suffix,
# output suffix
CASES = {
    "score -o": (["score", "{in}", "-o", "{out}"], ".csv", ".csv"),
    "score --rejects": (["score", "{in}", "-o", "{tmp}/r.xlsx", "--rejects", "{out}"],
                        ".csv", ".csv"),
    "score --map": (["score", "{in}", "-o", "{tmp}/r.xlsx", "--map", "{out}"],
                    ".csv", ".html"),
    "score --sites": (["score", "{tmp}/c.csv", "--sites", "{in}", "-o", "{out}"],
                      ".gpkg", ".gpkg"),
    "score-sites": (["score-sites", "{in}", "-o", "{out}", "--no-why"], ".csv", ".csv"),
    "compare --xlsx": (["compare", "iz-kairat", "sez-pit", "--company", "A", "--companies",
                        "{in}", "--xlsx", "{out}"], ".xlsx", ".xlsx"),
    "compare --html": (["compare", "iz-kairat", "sez-pit", "--sites", "{in}", "--html",
                        "{out}"], ".html", ".html"),
    "map": (["map", "--sites", "{in}", "-o", "{out}"], ".html", ".html"),
    "surface": (["surface", "--layers", "{in}", "-o", "{out}"], ".npz", ".npz"),
    "sites grid": (["sites", "grid", "--layers", "{in}", "-o", "{out}"], ".gpkg", ".gpkg"),
    "layers export": (["layers", "export", "--layers", "{in}", "-o", "{out}"], ".gpkg",
                      ".gpkg"),
    "scenarios weigh": (["scenarios", "weigh", "{in}", "-o", "{out}"], ".toml", ".toml"),
}  # fmt: skip

HOW = ("same", "symlink", "hardlink")


def _make(tmp_path: Path, how: str, in_sfx: str, out_sfx: str) -> tuple[Path, Path]:
    src = tmp_path / f"input{in_sfx}"
    src.write_bytes(b"precious input, must survive\n")
    (tmp_path / "c.csv").write_bytes(b"name,oked\nA,10\n")
    if how == "same":
        return src, src if in_sfx == out_sfx else None
    out = tmp_path / "sub" / f"alias{out_sfx}"
    out.parent.mkdir()
    if how == "symlink":
        out.symlink_to(src)
    else:
        os.link(src, out)
    return src, out


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("case", sorted(CASES))
def test_output_that_is_an_input_is_refused(cli, tmp_path, case, how):
    args, in_sfx, out_sfx = CASES[case]
    src, out = _make(tmp_path, how, in_sfx, out_sfx)
    if out is None:
        pytest.skip("the output format cannot be the input's")
    argv = [a.format(**{"in": src, "out": out, "tmp": tmp_path}) for a in args]
    res = cli(*argv, "--overwrite", *(["--as-of", AS_OF] if case in ("map", "surface") else []))
    assert res.exit_code == 1, res.output
    text = " ".join(res.output.split())
    assert "запись уничтожила бы входные данные" in text  # Russian by default
    assert src.read_bytes() == b"precious input, must survive\n"


def test_partitioned_output_holding_the_input_is_refused(tmp_path):
    folder = tmp_path / "scored.parquet"
    folder.mkdir()
    part = folder / "part.00000.parquet"
    part.write_bytes(b"data")
    with pytest.raises(InputError, match="holds the input"):
        check_outputs([Output(folder, "output", (".parquet",))], True, inputs=[part])
    assert part.read_bytes() == b"data"


def test_inputs_that_are_specs_or_tables_are_ignored(tmp_path):
    out = tmp_path / "r.csv"
    check_outputs([Output(out, "output")], inputs=["builtin", "grid", None, object(), {}])
    # a dict of manifest inputs and an object read from a file (scenario.path) are checked
    out.write_text("x")

    class Read:
        path = out

    for given in ({"companies": out}, Read()):
        with pytest.raises(InputError, match="is the input"):
            check_outputs([Output(out, "output")], True, inputs=[given])
