"""Read an XLSX the planner wrote for people back by machine names, independently of the
planner's own reader: the ``columns`` sheet (sheet, machine name, header, unit,
definition; headers in any language) maps each header back, and yes/no words become
booleans."""

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
        for col in table.columns:
            vals = set(table[col].dropna().astype(str))
            if vals and vals <= YES | NO:
                table[col] = table[col].map(lambda v: None if pd.isna(v) else str(v) in YES)
        out[name] = table
    return out if sheet is None else out[sheet]


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
