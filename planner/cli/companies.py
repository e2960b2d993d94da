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

from .app import app, command, command_line, err_console, out_console, print_warning
from .options import CsvSepOpt, EncodingOpt, Lang, LangOpt, OverwriteOpt, SheetOpt

companies_app = typer.Typer(
    help="Check company lists (CSV/Excel) and list the sector profiles.", no_args_is_help=True
)
app.add_typer(companies_app, name="companies")

EXIT_REJECTS = 3


@command(companies_app, "check")
def check_cmd(
    ctx: typer.Context,
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
    csv_sep: CsvSepOpt = None,
    overwrite: OverwriteOpt = False,
    lang: LangOpt = Lang.ru,
) -> None:
    """Read a company list and report valid rows, rejected rows and warnings."""
    from planner import i18n
    from planner._atomic import Output, check_outputs
    from planner.inputs import companies as _companies
    from planner.render import outputs as _outputs

    if rejects is not None:  # before reading
        check_outputs([Output(rejects, "rejects file", (".csv", ".xlsx"), "--rejects rejects.csv",
                              manifest=True)], overwrite, inputs=[path])  # fmt: skip
    lg = lang.value
    table = _companies.read_companies(path, encoding=encoding, sheet=sheet, lang=lg)
    counts = table.counts()
    if table.sheet:
        where = i18n.t("cli.where_sheet", lg, sheet=i18n.quote(str(table.sheet), lg))
    else:
        where = i18n.t("cli.where_csv", lg, encoding=table.encoding, sep=repr(table.separator))
    n = {k: i18n.format_number(v, lg, grouping=True) for k, v in counts.items()}
    line = i18n.t("cli.companies_read", lg, path=path, where=where, rows=n["rows_in"],
                  valid=n["valid"], rejected=n["rejected"], blank=n["blank_rows"])  # fmt: skip
    out_console.print(escape(line), highlight=False)
    by_sector = table.valid["sector"].value_counts()
    if len(by_sector):
        items = ", ".join(f"{k} {i18n.format_number(v, lg)}" for k, v in by_sector.items())
        out_console.print(escape(i18n.t("cli.sectors", lg, items=items)), highlight=False)
    for msg in table.warnings:
        print_warning(msg, lg)
    if len(table.rejects):
        ids = table.rejects["id"] if "id" in table.rejects else [""] * len(table.rejects)
        for row, ident, reason in zip(table.rejects["row"], ids, table.rejects["reason"],
                                      strict=True):  # fmt: skip
            head = escape(i18n.t("cli.rejected_row", lg, row=f"{row} ({ident!r})"))
            err_console.print(f"[red]{head}[/] {escape(reason)}", highlight=False)
        if rejects is not None:
            from planner.jobs.table_files import CsvStyle

            style = CsvStyle.follow({"separator": table.separator, "encoding": table.encoding},
                                    csv_sep)  # fmt: skip
            _outputs.write_table(table.rejects, rejects, overwrite=overwrite, lang=lg,
                                 sheet_name="rejects", **style.write_args())  # fmt: skip
            _outputs.write_manifest(rejects, inputs={"companies": path}, counts=counts,
                                    warnings=table.warnings, command=command_line(ctx),
                                    overwrite=overwrite)  # fmt: skip
            out_console.print(escape(i18n.t("cli.wrote_file", lg, path=rejects)),
                              highlight=False)  # fmt: skip
        raise typer.Exit(EXIT_REJECTS)


@command(companies_app, "sectors")
def sectors_cmd(
    sectors_file: Annotated[
        Path | None,
        typer.Option("--sectors", help="Another sector catalog (TOML). Default: built-in."),
    ] = None,
    lang: LangOpt = Lang.ru,
) -> None:
    """Table of sector profiles: multipliers, own transforms, hazard class, rail, city, OKED
    prefixes."""
    from planner import i18n
    from planner.config import sectors as _sectors

    cat = _sectors.load_sectors(sectors_file)
    prefixes: dict[str, list[str]] = {}
    for prefix, key in cat.oked.items():
        prefixes.setdefault(key, []).append(prefix)
    lg = lang.value
    w = i18n.section("cli", lg)
    table = Table(title=escape(w["sectors_title"] if sectors_file else w["sectors_builtin"]))
    table.add_column(escape(w["col_sector"]), no_wrap=True)
    for col in ("col_title", "col_multipliers", "col_transforms", "col_hazard", "col_rail",
                "col_in_almaty", "col_oked"):  # fmt: skip
        table.add_column(escape(w[col]), overflow="fold")
    for key, prof in cat.sectors.items():
        mult = ", ".join(
            f"{c} x{i18n.format_number(v, lg, significant=6)}" for c, v in prof.multipliers.items()
        ) or "-"  # fmt: skip
        hazard = (
            f"{prof.hazard_class} ({i18n.format_number(prof.housing_km * 1000, lg)} "
            f"{i18n.t('cli.unit_m', lg)})" if prof.hazard_class else "-"
        )  # fmt: skip
        own = "; ".join(
            f"{c}: {t.transform} "
            + ", ".join(f"{k}={v}" for k, v in t.model_dump(exclude={"transform", "weight"},
                                                              exclude_none=True).items())
            for c, t in prof.transforms.items()
        ) or "-"  # fmt: skip
        table.add_row(
            escape(key),
            escape(prof.title(lg)),
            escape(mult),
            escape(own),
            hazard,
            escape(w["needed"]) if prof.needs_rail else "-",
            escape(w["yes"] if prof.allow_in_almaty else w["no"]),
            escape(", ".join(prefixes.get(key, [])) or "-"),
        )
    out_console.print(table)
