"""Read an XLSX the planner wrote for people back by machine names, independently of the
planner's own reader: the ``columns`` sheet (sheet, machine name, header, unit,
definition, ``machine = label`` pairs of labelled values) maps each header back, yes/no
words become booleans and value labels their machine values."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

YES = {"Да", "Иә", "Yes"}
NO = {"Нет", "Жоқ", "No"}


def read_book(path: str | Path, sheet: str | None = None) -> pd.DataFrame | dict:
    """One sheet (or every data sheet, ``sheet=None``) with machine-name headers."""
    book = pd.read_excel(path, sheet_name=None, engine="openpyxl")
    cols = book["columns"]
    out = {}
    for name, table in book.items():
        if name in ("columns", "about"):
            continue
        mine = cols[cols.iloc[:, 0] == name]
        rename = dict(zip(mine.iloc[:, 2].astype(str), mine.iloc[:, 1].astype(str), strict=True))
        table = table.rename(columns=rename)
        if cols.shape[1] > 5:  # labelled values: "machine = label" lines
            for machine, text in zip(mine.iloc[:, 1].astype(str), mine.iloc[:, 5], strict=True):
                pairs = dict(reversed(line.split(" = ", 1)) for line in str(text).splitlines()
                             if " = " in line) if isinstance(text, str) else {}
                if pairs and machine in table:
                    table[machine] = table[machine].map(lambda v, p=pairs: _machine(v, p))
        for col in table.columns:
            vals = set(table[col].dropna().astype(str))
            if vals and vals <= YES | NO:
                table[col] = table[col].map(lambda v: None if pd.isna(v) else str(v) in YES)
        out[name] = table
    return out if sheet is None else out[sheet]


def _machine(value, pairs: dict[str, str]):
    if not isinstance(value, str):
        return value
    if value in pairs:
        return pairs[value]
    parts = value.split("; ")
    return ";".join(pairs[p] for p in parts) if all(p in pairs for p in parts) else value


def read_out_csv(path: str | Path, encoding: str = "utf-8-sig", **kw) -> pd.DataFrame:
    """A CSV the planner wrote, in the convention of its input: ``;`` with decimal commas
    (a Russian-Excel list in), else ``,`` or tab with decimal points."""
    with open(path, "rb") as fh:  # UTF-8 with BOM when the text has no byte in the code page
        if fh.read(3) == b"\xef\xbb\xbf":
            encoding = "utf-8-sig"
    with open(path, encoding=encoding, newline="") as fh:
        first = fh.readline()
    sep = ";" if ";" in first else ("\t" if "\t" in first else ",")
    return pd.read_csv(path, sep=sep, decimal="," if sep == ";" else ".", encoding=encoding, **kw)
