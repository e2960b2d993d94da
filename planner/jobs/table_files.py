"""How the tables of a job are written: the CSV convention of the input, rejects files.

**CSV convention.** A CSV the planner writes for an input follows how that input was
written (what :func:`planner.inputs.tables.read_table` detected): a ``;``-separated list
gets ``;``-separated rejects and results, with decimal commas (what Russian-locale Excel
reads); a ``,`` or tab list the same separator with decimal points; a list in a
single-byte code page (``cp1251``, ``kz1048``, ``cp866``) gets its rejects and results in
that code page, so they open as the list did (should a text have no byte there, the file
is written as UTF-8 with BOM instead); everything else, Excel inputs included, is UTF-8
with BOM and ``,``. ``--csv-sep`` overrides the separator.

**Rejects files.** A job reading a row-wise input writes the rows it could not use
(:mod:`planner.inputs.rejects`: row, id, column, value, reason, then the row's cells) to
``--rejects``, by default beside its output (``<stem>.rejects.csv``; the sites file of
``planner score`` to ``<stem>.sites.rejects.csv``), with a manifest, only when rows were
rejected.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from planner._atomic import Output

__all__ = ["CODE_PAGES_KEPT", "CSV_SEPARATORS", "CsvStyle", "rejects_output", "write_rejects"]

CSV_SEPARATORS = (",", ";", "\t")
#: input encodings a written CSV keeps (else UTF-8 with BOM)
CODE_PAGES_KEPT = ("cp1251", "kz1048", "cp866")
REJECT_SUFFIXES = (".csv", ".xlsx")


@dataclass(frozen=True)
class CsvStyle:
    """Separator and encoding of a written CSV (decimal comma with ``;``)."""

    sep: str = ","
    encoding: str = "utf-8-sig"

    @classmethod
    def follow(cls, facts: Mapping[str, Any] | None, sep: str | None = None) -> CsvStyle:
        """The convention of an input read with ``facts`` (``separator``, ``encoding``),
        the separator ``sep`` when given (``--csv-sep``)."""
        facts = facts or {}
        given = facts.get("separator")
        chosen = sep or (given if given in CSV_SEPARATORS else ",")
        enc = str(facts.get("encoding") or "").lower()
        return cls(chosen, enc if enc in CODE_PAGES_KEPT else "utf-8-sig")

    def write_args(self) -> dict[str, str]:
        """Keyword arguments of :func:`planner.render.outputs.write_table`."""
        return {"csv_sep": self.sep, "encoding": self.encoding}


def rejects_output(
    output: str | os.PathLike, given: str | os.PathLike | None, name: str = "rejects"
) -> Output:
    """The rejects file of ``output`` as an :class:`~planner._atomic.Output` to check
    before any work: ``given`` or ``<stem>.<name>.csv`` beside ``output``."""
    out = Path(str(output).rstrip("/\\"))
    path = Path(given) if given is not None else out.with_name(f"{out.stem}.{name}.csv")
    return Output(path, "rejects file", REJECT_SUFFIXES, "--rejects rejects.csv", manifest=True)


def write_rejects(
    rejects: pd.DataFrame, path: Path, *, overwrite: bool, style: CsvStyle, lang: str,
    inputs: Mapping[str, Any], counts: Mapping[str, Any], command: Sequence[str] | str | None,
    scenario: Any = None, as_of: Any = None,
) -> dict[str, Path]:  # fmt: skip
    """Write the rejected rows (CSV in ``style``, or XLSX in ``lang``) and their manifest."""
    from planner.render.outputs import write_manifest, write_table

    write_table(rejects, path, overwrite=overwrite, sheet_name="rejects", lang=lang,
                about={"inputs": dict(inputs)}, **style.write_args())  # fmt: skip
    manifest = write_manifest(path, inputs=dict(inputs), scenario=scenario, as_of=as_of,
                              counts=counts, command=command, overwrite=overwrite,
                              extra={"this_file": "rejects"})  # fmt: skip
    return {"rejects": path, "rejects_manifest": manifest}
