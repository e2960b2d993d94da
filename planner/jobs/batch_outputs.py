"""The files of a batch run: :func:`plan_outputs` checks them all before any work,
:func:`write_batch` writes them, each atomically, with a manifest beside each.

Tables go through :func:`planner.render.outputs.write_table` (formula-safe CSV/XLSX, CSV
UTF-8 with BOM, GPKG/GeoJSON with point geometry); the optional map is built with
:func:`planner.render.maps.build_map` before any file is written, so a failure leaves none.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from planner._atomic import Output, check_outputs
from planner.errors import InputError
from planner.i18n import format_number, message_lang, tr

from .batch import BatchResult

__all__ = ["EXCEL_DATA_ROWS", "OutputPlan", "check_result_rows", "default_rejects_path",
           "plan_outputs", "result_rows_limit", "write_batch"]  # fmt: skip

#: data rows an Excel sheet holds (1,048,576 rows, one of them the header)
EXCEL_DATA_ROWS = 1_048_575

RESULT_SUFFIXES = (".csv", ".xlsx", ".gpkg", ".geojson")
REJECT_SUFFIXES = (".csv", ".xlsx")
MAP_SUFFIXES = (".html", ".htm")
_CSV_SEPS = (",", ";", "\t")


@dataclass(frozen=True)
class OutputPlan:
    """Every file a batch run may write (checked before any work)."""

    results: Path
    sheets: dict[str, Path]  # sibling files (CSV / GeoJSON outputs): name -> path
    rejects: Path
    map: Path | None
    #: the rejected rows of a sites file (only when the sites are a file)
    site_rejects: Path | None = None

    def outputs(self) -> list[Output | None]:
        """The files as :class:`~planner._atomic.Output` s, each with its manifest."""
        return [
            Output(self.results, tr("err.batch.output"), RESULT_SUFFIXES, "-o out/results.xlsx",
                   manifest=True),
            *(Output(p, tr("err.batch.table", name=name), manifest=True)
              for name, p in self.sheets.items()),
            Output(self.rejects, tr("err.batch.rejects_file"), REJECT_SUFFIXES,
                   "--rejects rejects.csv", manifest=True),
            Output(self.map, tr("err.batch.map_file"), MAP_SUFFIXES, "--map maps/results.html",
                   manifest=True)
            if self.map is not None else None,
            Output(self.site_rejects, tr("err.batch.site_rejects_file"), REJECT_SUFFIXES,
                   "--sites-rejects sites.rejects.csv", manifest=True)
            if self.site_rejects is not None else None,
        ]  # fmt: skip


def result_rows_limit(out: str | os.PathLike) -> int | None:
    """Most result rows ``out`` can hold: an Excel sheet's, None for other formats."""
    return EXCEL_DATA_ROWS if Path(out).suffix.lower() == ".xlsx" else None


def check_result_rows(companies: int, sites: int, top_k: int, limit: int | None) -> None:
    """Refuse, before scoring, a results table larger than its file can hold.

    The results have ``min(top_k, sites)`` rows per company (one per ranked site); over
    ``limit`` (an Excel sheet's rows) the run would fail only after scoring everything.
    """
    rows = companies * max(0, min(top_k, sites))
    if limit is not None and rows > limit:
        lg = message_lang()
        raise InputError(tr(
            "err.batch.too_many_rows", companies=format_number(companies, lg, grouping=True),
            sites=min(top_k, sites), top=top_k, rows=format_number(rows, lg, grouping=True),
            limit=format_number(limit, lg, grouping=True),
        ))


def default_rejects_path(out: str | os.PathLike) -> Path:
    """``<stem>.rejects.csv`` beside the results file."""
    out = Path(out)
    return out.with_name(f"{out.stem}.rejects.csv")


def _sites_file(sites) -> bool:
    return sites is not None and not isinstance(sites, pd.DataFrame) and str(sites) not in (
        "builtin", "grid")


def plan_outputs(
    out: str | os.PathLike,
    rejects: str | os.PathLike | None = None,
    map_path: str | os.PathLike | None = None,
    *,
    overwrite: bool = False,
    allocate: bool = False,
    csv_sep: str | None = None,
    inputs: Iterable[str | os.PathLike | None] = (),
    sites: Any = None,
    site_rejects: str | os.PathLike | None = None,
) -> OutputPlan:
    """The files a run writes (results, sibling tables, rejects, map and manifests), checked.

    Refuses before any work, with :func:`planner._atomic.check_outputs`, outputs that
    exist (without ``overwrite``), cannot be written or are one of ``inputs`` (the
    company list, sites, layers, scenario file: refused even with ``overwrite``). Raises
    :class:`~planner.errors.OutputExistsError` / :class:`~planner.errors.OutputError` /
    :class:`~planner.errors.InputError`; writes nothing. With ``sites`` a file, its
    rejects file (``site_rejects``, default ``<stem>.sites.rejects.csv``) is planned too.
    """
    if csv_sep is not None and csv_sep not in _CSV_SEPS:
        raise InputError(tr("err.batch.csv_sep", value=csv_sep))
    out = Path(out)
    names = ["companies", *(["allocation"] if allocate else [])]
    sheets: dict[str, Path] = {}
    if out.suffix.lower() in (".csv", ".geojson"):  # one table per file: the others beside it
        sheets = {n: out.with_name(f"{out.stem}.{n}.csv") for n in names}
    rej = Path(rejects) if rejects is not None else default_rejects_path(out)
    site_rej = None
    if _sites_file(sites) or site_rejects is not None:
        from .table_files import rejects_output

        site_rej = rejects_output(out, site_rejects, "sites.rejects").path
    plan = OutputPlan(out, sheets, rej, Path(map_path) if map_path is not None else None,
                      site_rej)  # fmt: skip
    check_outputs(plan.outputs(), overwrite, inputs)
    return plan


def _input_files(inputs: dict) -> list:
    """The recorded inputs that are files (not specs such as "builtin")."""
    return [v for v in inputs.values() if isinstance(v, str | os.PathLike)]


def _written_sheet_tables(result: BatchResult) -> dict[str, pd.DataFrame]:
    sheets = {"companies": result.companies}
    if result.allocation is not None:
        sheets["allocation"] = result.allocation
    return sheets


def _for_files(df: pd.DataFrame) -> pd.DataFrame:
    """Nullable booleans with NA (not given) as objects: True / False / empty cell."""
    out = df
    for c in df.columns:
        if isinstance(df[c].dtype, pd.BooleanDtype) and df[c].isna().any():
            if out is df:
                out = df.copy()
            out[c] = df[c].astype(object).where(df[c].notna(), None)
    return out


def _file_facts(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return {"path": str(path), "sha256": digest, "bytes": path.stat().st_size}


def write_batch(
    result: BatchResult,
    out: str | os.PathLike,
    rejects: str | os.PathLike | None = None,
    map_path: str | os.PathLike | None = None,
    overwrite: bool = False,
    csv_sep: str | None = None,
    *,
    command: Sequence[str] | str | None = None,
    map_lang: str = "ru",
    lang: str | None = None,
    site_rejects: str | os.PathLike | None = None,
) -> dict[str, Path]:
    """Write the results, sibling tables, rejects and map, each atomically, and manifests.

    Parameters
    ----------
    result
        From :func:`planner.jobs.batch.run_batch`.
    out
        Results file: ``.xlsx`` (sheets ``results``, ``companies``, ``allocation``),
        ``.gpkg`` (layer ``results`` with point geometry + attribute tables), ``.csv``
        (``<stem>.companies.csv`` / ``<stem>.allocation.csv`` beside it) or ``.geojson``
        (point features; the other tables as CSV beside it).
    rejects
        Where to write rejected rows (``.csv`` / ``.xlsx``); default ``<stem>.rejects.csv``
        beside ``out``. Written only when there are rejects.
    map_path
        Optional offline HTML map of each company's best site (:mod:`planner.render.maps`).
    overwrite
        Replace existing files; without it every target is checked first and nothing is
        written if one exists.
    csv_sep
        CSV separator (``","``, ``";"`` with decimal commas, or tab); default: the
        company list's (:class:`~planner.jobs.table_files.CsvStyle`: a ``;`` cp1251 list
        gets ``;`` cp1251 CSV results and rejects).
    command
        The command line, recorded in the manifests.
    lang
        Language of the XLSX headers, yes/no and the ``columns`` / ``about`` sheets
        (default ``map_lang``).
    site_rejects
        Where the rejected rows of a sites file go (default ``<stem>.sites.rejects.csv``).

    Returns
    -------
    dict
        Label -> path of every file written (``results``, ``companies``, ``allocation``,
        ``rejects``, ``map`` and their ``*_manifest``).
    """
    plan = plan_outputs(out, rejects, map_path, overwrite=overwrite,
                        allocate=result.allocation is not None, csv_sep=csv_sep,
                        inputs=_input_files(result.inputs),
                        site_rejects=site_rejects if result.site_rejects is not None
                        else None, sites=result.inputs.get("sites")
                        if result.site_rejects is not None else None)  # fmt: skip
    m = None
    if plan.map is not None and result.counts["ranked"]:
        m = _build_map(result, map_lang)  # before any file is written: a failure leaves none
    elif plan.map is not None:
        note = tr("warn.jobs.map_not_written", file=str(plan.map))
        if note not in result.warnings:
            result.warnings.append(note)
    written = _write_tables(result, plan, overwrite, csv_sep, lang or map_lang, command)
    if m is not None:
        from planner.render.maps import save_map

        save_map(m, plan.map, overwrite=overwrite)
        written["map"] = plan.map
    _write_manifests(result, written, command, overwrite)
    return written


def _about(result: BatchResult) -> dict[str, Any]:
    """What the ``about`` sheet of the XLSX says."""
    from planner._version import __version__

    return {"scenario": result.scenario_name, "scenario_hash": result.scenario_hash,
            "as_of": result.as_of.isoformat(), "inputs": dict(result.inputs),
            "version": __version__}  # fmt: skip


def _write_tables(result: BatchResult, plan: OutputPlan, overwrite: bool,
                  csv_sep: str | None, lang: str, command=None) -> dict[str, Path]:  # fmt: skip
    from planner.render.outputs import write_table

    from .table_files import CsvStyle

    c = result.counts
    written: dict[str, Path] = {}
    style = CsvStyle.follow(result.extra.get("company_file"), csv_sep).write_args()
    book = {"lang": lang, "about": _about(result)}
    if c["valid"]:
        sheets = {n: _for_files(t) for n, t in _written_sheet_tables(result).items()}
        main = _for_files(result.results)
        if plan.results.suffix.lower() == ".geojson":
            write_table(main, plan.results, overwrite=overwrite, sheet_name="results")
            for n, p in plan.sheets.items():
                write_table(sheets[n], p, overwrite=overwrite, **style)
        else:
            write_table(main, plan.results, overwrite=overwrite, sheets=sheets,
                        sheet_name="results", **style, **book)  # fmt: skip
        written["results"] = plan.results
        for n in sheets:
            if n in plan.sheets:
                written[n] = plan.sheets[n]
    if c["rejected"]:
        write_table(_for_files(result.rejects), plan.rejects, overwrite=overwrite,
                    sheet_name="rejects", **style, **book)  # fmt: skip
        written["rejects"] = plan.rejects
    site_rej = result.site_rejects
    if site_rej is not None and len(site_rej) and plan.site_rejects is not None:
        site_style = CsvStyle.follow(result.extra.get("sites_file"), csv_sep).write_args()
        write_table(site_rej, plan.site_rejects, overwrite=overwrite, sheet_name="rejects",
                    **site_style, **book)  # fmt: skip
        written["site_rejects"] = plan.site_rejects
    return written


def _write_manifests(result: BatchResult, written: dict[str, Path], command,
                     overwrite: bool) -> None:  # fmt: skip
    from planner.render.outputs import write_manifest

    common = {
        "scenario": result.scenario,
        "as_of": result.as_of,
        "counts": result.counts,
        "warnings": result.warnings,
        "command": command,
        "overwrite": overwrite,
    }
    inputs = dict(result.inputs)
    extra = {**result.extra, "files": {k: _file_facts(p) for k, p in written.items()}}
    for label in list(written):  # results, sibling tables, rejects, map
        if not label.endswith("_manifest"):
            written[f"{label}_manifest"] = write_manifest(
                written[label], inputs=inputs, extra={**extra, "this_file": label}, **common
            )


def _build_map(result: BatchResult, lang: str):
    from planner.render.maps import build_map

    rows = pd.DataFrame(result.results.drop(columns="geometry"))
    rows = rows.assign(company_name=rows["name"].astype(str))
    rows.attrs = dict(result.results.attrs)
    return build_map(
        result.layers,
        results=rows,
        lang=lang,
        as_of=result.as_of,
        scenario_name=result.scenario_name,
        scenario_hash=result.scenario_hash,
    )
