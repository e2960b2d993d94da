"""`planner companies ...`: check a company list, list the sector profiles.

Exit codes: 0 every row valid, 1 file-level error, 3 the list was read but some rows were
rejected (they are listed, and written with ``--rejects``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from .app import app, command, err_console, out_console
from .options import EncodingOpt, OverwriteOpt, SheetOpt

companies_app = typer.Typer(
    help="Check company lists (CSV/Excel) and list the sector profiles.", no_args_is_help=True
)
app.add_typer(companies_app, name="companies")

EXIT_REJECTS = 3


@command(companies_app, "check")
def check_cmd(
    path: Annotated[
        Path, typer.Argument(help="Company list: .csv (; , or tab) or .xlsx, e.g. companies.csv")
    ],
    encoding: EncodingOpt = None,
    sheet: SheetOpt = None,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects",
            help="Write the rejected rows with their reasons here (.csv or .xlsx), "
            "e.g. rejects.csv",
        ),
    ] = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Read a company list and report valid rows, rejected rows and warnings."""
    from planner.inputs import companies as _companies
    from planner.render import outputs as _outputs

    table = _companies.read_companies(path, encoding=encoding, sheet=sheet)
    counts = table.counts()
    where = f"sheet {table.sheet!r}" if table.sheet else f"{table.encoding}, separator "
    where += "" if table.sheet else repr(table.separator)
    out_console.print(
        f"{escape(str(path))} ({escape(where)}): {counts['rows_in']} rows, "
        f"{counts['valid']} valid, {counts['rejected']} rejected, "
        f"{counts['blank_rows']} blank skipped",
        highlight=False,
    )
    by_sector = table.valid["sector"].value_counts()
    if len(by_sector):
        out_console.print(
            "sectors: " + ", ".join(f"{escape(k)} {v}" for k, v in by_sector.items()),
            highlight=False,
        )
    for msg in table.warnings:
        err_console.print(f"[yellow]warning:[/] {escape(msg)}", highlight=False)
    if len(table.rejects):
        for row, reason in zip(table.rejects["row"], table.rejects["reason"], strict=True):
            err_console.print(f"[red]rejected row {row}:[/] {escape(reason)}", highlight=False)
        if rejects is not None:
            sep = ";" if table.separator == ";" else ","
            _outputs.write_table(table.rejects, rejects, overwrite=overwrite, csv_sep=sep)
            out_console.print(f"wrote {escape(str(rejects))}", highlight=False)
        raise typer.Exit(EXIT_REJECTS)


@command(companies_app, "sectors")
def sectors_cmd(
    sectors_file: Annotated[
        Path | None,
        typer.Option("--sectors", help="Another sector catalog (TOML). Default: built-in."),
    ] = None,
) -> None:
    """Table of sector profiles: multipliers, hazard class, rail, city, OKED prefixes."""
    from planner.config import sectors as _sectors

    cat = _sectors.load_sectors(sectors_file)
    prefixes: dict[str, list[str]] = {}
    for prefix, key in cat.oked.items():
        prefixes.setdefault(key, []).append(prefix)
    table = Table(title="sector profiles" + ("" if sectors_file else " (built-in)"))
    table.add_column("sector", no_wrap=True)
    for col in ("title", "multipliers", "hazard", "rail", "in Almaty", "OKED"):
        table.add_column(col, overflow="fold")
    for key, prof in cat.sectors.items():
        mult = ", ".join(f"{c} x{v:g}" for c, v in prof.multipliers.items()) or "-"
        hazard = (
            f"{prof.hazard_class} ({prof.housing_km * 1000:.0f} m)" if prof.hazard_class else "-"
        )
        rail = "needed" if prof.needs_rail else "-"
        table.add_row(
            escape(key),
            escape(f"{prof.title_en} / {prof.title_ru}"),
            escape(mult),
            hazard,
            rail,
            "yes" if prof.allow_in_almaty else "no",
            escape(", ".join(prefixes.get(key, [])) or "-"),
        )
    out_console.print(table)
