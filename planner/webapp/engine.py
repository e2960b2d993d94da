"""The work behind the app's pages, free of Streamlit: compare, batch, map, downloads.

Each function takes plain values (ids, points, bytes of an upload) and returns plain values
(the :class:`~planner.core.compare.Comparison`, bytes to download, tables), so the pages
stay thin and the tests and the bench call the same code the browser does. Inputs go
through the same readers as the command line, outputs through the same writers: an upload
is written to a private temporary folder under its own (sanitised) name so that every
error names the file as the user knows it, and removed when the run is over.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planner import i18n
from planner.errors import InputError

__all__ = [
    "MAX_UPLOAD_MB",
    "Candidate",
    "UploadTooLarge",
    "check_upload",
    "private_dir",
    "save_upload",
    "candidate_refs",
    "run_comparison",
    "comparison_tables",
    "as_text",
    "report_html",
    "report_xlsx",
    "read_company_list",
    "company_from_needs",
    "read_site_file",
    "BatchRun",
    "run_batch_upload",
    "offline_map_html",
]

#: default upload limit (MB); the server's own limit is set to the same value
MAX_UPLOAD_MB = 20

_SAFE_NAME = re.compile(r"[^\w.\-]+", re.UNICODE)


class UploadTooLarge(InputError):
    """An uploaded file is over the app's size limit."""


@dataclass(frozen=True)
class Candidate:
    """A point clicked on the map (WGS84 degrees) with its label ("Point 1")."""

    lat: float
    lon: float
    label: str


def check_upload(name: str, size_bytes: int, limit_mb: float = MAX_UPLOAD_MB, lang: str = "ru"):
    """Refuse a file over ``limit_mb`` with a message in the user's language."""
    if size_bytes > limit_mb * 1024 * 1024:
        raise UploadTooLarge(
            i18n.t(
                "app.upload_too_large",
                lang,
                name=name,
                size=i18n.format_number(size_bytes / 1024 / 1024, lang, digits=1),
                limit=i18n.format_number(limit_mb, lang, digits=0),
            )
        )


@contextmanager
def private_dir() -> Iterator[Path]:
    """A temporary folder only this run uses; removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix="planner-app-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def save_upload(folder: Path, name: str, data: bytes) -> Path:
    """Write an upload under its own base name (path parts and odd characters removed)."""
    base = Path(str(name).replace("\\", "/")).name
    stem = _SAFE_NAME.sub("_", Path(base).stem).strip("._") or "upload"
    suffix = _SAFE_NAME.sub("", Path(base).suffix.lower())[:8]
    path = folder / f"{stem[:80]}{suffix}"
    path.write_bytes(data)
    return path


def candidate_refs(site_ids: Sequence[str], points: Sequence[Candidate]) -> list:
    """What :func:`~planner.core.compare.compare_sites` takes: ids, then points in click order."""
    from planner.core.compare import PointRef

    return [*site_ids, *(PointRef(lat=p.lat, lon=p.lon, label=p.label) for p in points)]


def run_comparison(
    layers,
    site_ids: Sequence[str],
    points: Sequence[Candidate] = (),
    *,
    scenario: str,
    as_of: dt.date | None = None,
    also_as_of: dt.date | None = None,
    company: pd.Series | dict | None = None,
    sites=None,
    draws: int = 2000,
    seed: int = 0,
):
    """Compare the chosen sites and points, as ``planner compare`` does."""
    from planner.core.compare import check_site_count
    from planner.jobs.compare import compare_sites

    refs = candidate_refs(site_ids, points)
    check_site_count(len(refs))
    from planner.config.scenarios import load_scenario
    from planner.inputs.roads import network_for_scenario

    # a travel-time scenario compares on the coarse built-in road network (indicative)
    network, _ = network_for_scenario(None, load_scenario(scenario), layers)
    return compare_sites(
        refs,
        layers=layers,
        scenario=scenario,
        as_of=as_of,
        company=company,
        draws=draws,
        seed=seed,
        also_as_of=also_as_of,
        sites=sites,
        network=network,
    )


def comparison_tables(c, lang: str) -> dict[str, pd.DataFrame]:
    """The tables the compare page shows: matrix, verdicts, robustness (plain text cells)."""
    from planner.render.report_table import comparison_matrix

    order = list(c.order)
    names = c.names[lang]
    num = [c.number(i) for i in order]
    dash = "\u2013"
    verdicts = pd.DataFrame(
        {
            i18n.t("app.col_number", lang): [dash if n is None else str(n) for n in num],
            i18n.t("app.col_site", lang): [names[i] for i in order],
            i18n.t("app.col_score", lang): [
                i18n.format_number(float(c.scored["score"].iloc[i]), lang, digits=1)
                for i in order
            ],
            i18n.t("app.col_verdict", lang): [c.verdicts[lang][i] for i in order],
        }
    )
    tab = c.table.set_index("site_id")
    ids = c.scored["site_id"].astype(str).to_numpy()

    def fig(col: str, i: int, fmt: Callable[[float], str]) -> str:
        v = tab[col].get(ids[i]) if col in tab else None
        return dash if v is None or pd.isna(v) else fmt(float(v))

    pct = lambda v: i18n.format_number(100 * v, lang, digits=0) + "\u00a0%"  # noqa: E731
    whole = lambda v: str(int(round(v)))  # noqa: E731
    robust = pd.DataFrame(
        {
            i18n.t("app.col_number", lang): [dash if n is None else str(n) for n in num],
            i18n.t("app.col_site", lang): [names[i] for i in order],
            i18n.t("app.col_p_first", lang): [fig("p_first", i, pct) for i in order],
            i18n.t("app.col_rank_range", lang): [
                f"{fig('rank_p5', i, whole)}\u2013{fig('rank_p95', i, whole)}" for i in order
            ],
        }
    )
    return {"matrix": comparison_matrix(c, lang), "verdicts": verdicts, "robustness": robust}


def as_text(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``df`` with every cell as text (numbers formatted for ``lang``) for display: mixed
    columns (km, points and statuses in one column) stay exactly as in the report."""

    def cell(v) -> str:
        if v is None or (isinstance(v, float) and pd.isna(v)):
            return "\u2013"
        if isinstance(v, bool | str):
            return str(v)
        if isinstance(v, int | float):
            return i18n.format_number(v, lang, digits=None if isinstance(v, int) else 2)
        return str(v)

    return df.map(cell)


def report_html(c, lang: str) -> bytes:
    """The printable memo: the same self-contained HTML as ``planner compare --html``."""
    from planner.render.report import write_report

    with private_dir() as d:
        path = write_report(c, d / "compare.html", lang=lang, overwrite=True)
        return path.read_bytes()


def report_xlsx(c, lang: str) -> bytes:
    """The same XLSX as ``planner compare --xlsx``."""
    from planner.render.report import write_xlsx

    with private_dir() as d:
        path = write_xlsx(c, d / "compare.xlsx", lang=lang, overwrite=True)
        return path.read_bytes()


def read_company_list(name: str, data: bytes, lang: str = "ru"):
    """A company list upload through the CLI's reader: the :class:`CompanyTable` (the
    reasons of its rejected rows in ``lang``)."""
    from planner.inputs.companies import read_companies

    with private_dir() as d:
        return read_companies(save_upload(d, name, data), lang=lang)


def company_from_needs(
    name: str,
    land_ha: float,
    sector: str = "",
    needs_rail: bool = False,
    hazard_class: str = "",
    max_dist_almaty_km: float | None = None,
    *,
    lang: str = "ru",
) -> pd.Series:
    """A company typed into the form, read by the same reader as a one-row company list.

    Raises :class:`~planner.errors.InputError` with the reader's reason and fix when the
    values are not acceptable.
    """
    from planner.inputs.companies import read_companies

    row = {
        "name": name,
        "land_ha": land_ha,
        "sector": sector,
        "needs_rail": "yes" if needs_rail else "no",
        "hazard_class": hazard_class,
        "max_dist_almaty_km": "" if max_dist_almaty_km is None else max_dist_almaty_km,
    }
    with private_dir() as d:
        path = d / "company.csv"
        pd.DataFrame([row]).to_csv(path, index=False, encoding="utf-8")
        table = read_companies(path, lang=lang)
    if len(table.rejects):
        raise InputError(str(table.rejects["reason"].iloc[0]))
    return table.valid.iloc[0]


def read_site_file(name: str, data: bytes):
    """A sites file upload (.csv/.xlsx/.geojson/.gpkg) through the CLI's reader."""
    from planner.inputs.sites import read_sites

    with private_dir() as d:
        return read_sites(save_upload(d, name, data))


@dataclass
class BatchRun:
    """What the batch page shows and offers for download."""

    results: pd.DataFrame
    companies: pd.DataFrame
    rejects: pd.DataFrame
    allocation: pd.DataFrame | None
    counts: dict[str, int]
    warnings: list[str]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    company_file: dict[str, Any] = field(default_factory=dict)
    #: the candidate sites: "builtin" or the uploaded sites file's name
    sites: str = "builtin"
    #: the rejected rows of an uploaded sites file, with their reasons (None: built-in sites)
    site_rejects: pd.DataFrame | None = None


def run_batch_upload(
    name: str,
    data: bytes,
    *,
    layers,
    scenario: str,
    as_of: dt.date | None = None,
    top_k: int = 10,
    allocate: bool = False,
    lang: str = "ru",
    progress: Callable[[str, int, int], None] | None = None,
    sites_file: tuple[str, bytes] | None = None,
) -> BatchRun:
    """Rank the candidate sites for every company of an upload, as ``planner score`` does,
    and write the same files (results XLSX with its sheets, rejects CSV, map).

    The sites are the built-in zones, or ``sites_file`` (name, bytes): an uploaded sites file
    read by the same reader as ``planner score --sites FILE``."""
    from planner.jobs.batch import run_batch
    from planner.jobs.batch_outputs import write_batch

    with private_dir() as d:
        path = save_upload(d, name, data)
        sites: str | Path = "builtin"
        if sites_file is not None:
            (d / "sites").mkdir()  # apart from the company list: the names may be the same
            sites = save_upload(d / "sites", *sites_file)
        result = run_batch(
            path,
            sites=sites,
            scenario=scenario,
            as_of=as_of,
            top_k=top_k,
            allocate=allocate,
            layers=layers,
            progress=progress,
            lang=lang,  # the reasons of rejected rows and the table sentences
        )
        out = d / "out"
        out.mkdir()
        written = write_batch(
            result,
            out / "results.xlsx",
            rejects=out / "rejects.csv",
            map_path=out / "results_map.html",
            overwrite=True,
            command=["planner", "app", "batch"],
            map_lang=lang,
        )
        files = {}
        for label, p in written.items():
            p = Path(p)
            if p.is_file() and p.suffix in (".xlsx", ".csv", ".html"):
                files[str(label)] = (p.name, p.read_bytes())
    return BatchRun(
        results=pd.DataFrame(result.results.drop(columns="geometry", errors="ignore")),
        companies=result.companies,
        rejects=result.rejects,
        allocation=result.allocation,
        counts=dict(result.counts),
        warnings=list(result.warnings),
        files=files,
        company_file=dict(result.extra.get("company_file", {})),
        sites="builtin" if sites_file is None else Path(sites).name,
        site_rejects=getattr(result, "site_rejects", None),
    )


def offline_map_html(
    scenario: str, as_of: dt.date | None, lang: str, layers_path: str | None = None
) -> str:
    """The same offline map as ``planner map --sites builtin`` (the built-in sites scored)."""
    from planner.jobs.maps import make_map

    with private_dir() as d:
        path = make_map(
            d / "map.html",
            sites="builtin",
            scenario=scenario,
            as_of=as_of,
            lang=lang,
            layers_path=layers_path,
            overwrite=True,
        )
        return Path(path).read_text(encoding="utf-8")
