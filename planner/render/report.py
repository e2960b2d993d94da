"""Rendering of a site comparison (:class:`planner.core.compare.Comparison`).

Three outputs of the same content:

* :func:`terminal_renderables`: a rich table (rows = criteria, columns = sites, the best
  value of each row highlighted) and the verdict and robustness lines, for the terminal;
* :func:`render_report` / :func:`write_report`: one self-contained HTML file that works
  offline and prints on A4: the map of :func:`planner.render.maps.build_map` (Leaflet inlined,
  Content-Security-Policy, data as escaped JSON) with the report around it: score cards,
  a stacked-bar chart of each site's points (inline SVG), the comparison table, the
  robustness results, the scenario with its hash and the as-of date, and the
  data-provenance note;
* :func:`comparison_matrix` / :func:`write_xlsx`: the table as a spreadsheet through
  :func:`planner.render.outputs.write_table` (formula-safe cells).

The table's rows are :func:`planner.render.report_table.matrix_rows`; the HTML comes from the
Jinja2 templates ``planner/render/templates/report/*.j2`` (autoescape: every user string,
such as site, company and scenario names, is HTML-escaped) filled by
:mod:`planner.render.report_page`, styled by ``static/report.css``. The page has no script
of its own apart from a fixed one (``static/report.js``) that redraws the map for printing,
so no user text ever reaches JavaScript except as the map's JSON payload, which
:mod:`planner.render.maps` escapes.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
from branca.element import MacroElement

from planner import i18n
from planner._atomic import atomic_output, check_writable
from planner.core.compare import Comparison
from planner.errors import InputError, OutputError
from planner.render import assets as _assets
from planner.render.report_page import page_context
from planner.render.report_table import MatrixRow, comparison_matrix, matrix_rows, site_headers
from planner.render.report_text import num, text
from planner.render.reproducible import stable_ids

__all__ = [
    "MatrixRow",
    "matrix_rows",
    "comparison_matrix",
    "terminal_renderables",
    "build_report_map",
    "render_report",
    "write_report",
    "write_xlsx",
]

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- terminal


def terminal_renderables(comparison: Comparison, lang: str = "ru") -> list:
    """Rich renderables for the terminal: the comparison table, then the verdict,
    robustness and second-date lines. User text is passed as plain ``Text`` (no markup)."""
    from rich.table import Table
    from rich.text import Text

    t = text(lang)
    c = comparison
    sc = c.scenario
    title = Text(
        f"{t['title']}: {t['scenario']} {sc.name} ({t['hash']} {sc.hash}), "
        f"{t['as_of']} {i18n.format_date(c.as_of, lang)}"
        + (f", {t['company']}: {c.company.name}" if c.company is not None else "")
    )
    table = Table(title=title, show_lines=False, header_style="bold", expand=False)
    table.add_column(t["criterion"], overflow="fold")
    for badge, name, sid in site_headers(c, lang):
        head = Text(f"#{badge} {name}")
        if sid != name:
            head.append(f"\n{sid}", style="dim")
        table.add_column(head, overflow="fold", justify="right")
    for row in matrix_rows(c, lang):
        if row.key == "verdict":
            continue
        cells = []
        for j, shown in enumerate(row.display):
            txt = Text(shown)
            if row.points is not None:
                txt.append(f"\n{num(row.points[j], 1, lang)}", style="cyan")
            if row.best[j]:
                txt.stylize("bold green")
            cells.append(txt)
        style = "bold" if row.key == "score" else None
        table.add_row(Text(row.label), *cells, style=style)
    out: list = [table]
    out.append(Text(t["verdict"], style="bold"))
    heads = site_headers(c, lang)
    for pos, i in enumerate(c.order):
        badge = heads[pos][0]
        out.append(Text(f"#{badge} {c.names[lang][i]}: {c.verdicts[lang][i]}"))
    out.append(Text(t["robustness"], style="bold"))
    for line in c.robustness_texts[lang]:
        out.append(Text(line))
    out.append(Text(c.flip_texts[lang]))
    if c.methods is not None:
        out.append(Text(t["robust_methods"], style="bold"))
        for j, line in enumerate(c.methods.texts[lang]):
            out.append(Text(line, style="bold yellow" if j == 0 and c.methods.leader_changes
                            else None))  # fmt: skip
    if c.also is not None:
        out.append(Text(c.also.summary[lang]))
    return out


# --------------------------------------------------------------------------- the page


class _AfterMap(MacroElement):
    """Puts report HTML into the page body right after the map's own ``<div>``.

    A child of the map renders after the map has added its div to the figure body, so its
    HTML lands below the map. The text goes in as a raw element (no Jinja pass).
    """

    def __init__(self, text: str):
        super().__init__()
        self._name = "ReportAfterMap"
        self.text = text

    def render(self, **kwargs) -> None:
        self.get_root().html.add_child(_assets.raw_element(self.text), name=self.get_name())


def _map_frame(c: Comparison, lang: str) -> pd.DataFrame:
    """The scored sites for the map: comparison rank, and why an ineligible site is grey."""
    df = c.scored.copy()
    reasons = df["exclusion_reason"].astype(str).to_numpy(dtype=object)
    t_need = i18n.t("report.company_needs", lang)
    short = i18n.section("report.need_short", lang)
    for i in np.flatnonzero(~c.eligible & ~df["excluded"].to_numpy(dtype=bool)):
        failed = c.table.loc[c.table["site_id"] == df["site_id"].iloc[i], "needs_failed"]
        keys = str(failed.iloc[0]).split(";") if len(failed) else []
        label = ", ".join(short.get(k, k) for k in keys if k)
        reasons[i] = f"{t_need}: {label}" if label else t_need
    df["exclusion_reason"] = pd.array(reasons, dtype="str")
    df["name"] = pd.array(list(c.names[lang]), dtype="str")
    df["rank"] = c.rank
    df.attrs = {}
    return df


def build_report_map(comparison: Comparison, lang: str = "ru"):
    """The report's map: :func:`planner.render.maps.build_map` of the compared sites, numbered by
    rank (every asset inlined, data escaped as in every planner map)."""
    from planner.render.maps import build_map

    c = comparison
    return build_map(
        c.layers,
        scored=_map_frame(c, lang),
        lang=lang,
        top_k=max(1, len(c.scored)),
        as_of=c.as_of,
        scenario_name=c.scenario.name,
        scenario_hash=c.scenario.hash,
    )


def render_report(comparison: Comparison, lang: str = "ru") -> str:
    """The comparison as one self-contained HTML page (see the module docstring).

    Parameters
    ----------
    comparison
        From :func:`planner.core.compare.compare_sites`.
    lang
        ``ru`` (default), ``kk`` or ``en``.
    """
    t = text(lang)  # checks lang
    c = comparison
    m = build_report_map(c, lang)
    fig = m.get_root()
    title = f"{t['title']}: " + ", ".join(c.names[lang][i] for i in c.order)
    head = [
        ("planner_title", _assets.title_tag(title)),
        ("report_css", _assets.style_tag(_assets.static_text("report.css"))),
        ("report_meta", _assets.meta_tag("planner-report", f"compare/{lang}")),
    ]
    for name, element in head:
        fig.header.add_child(_assets.raw_element(element), name=name)
    context = page_context(c, lang, t)
    top = _assets.render_template("report/top.html.j2", **context)
    bottom = _assets.render_template("report/bottom.html.j2", **context)
    fig.html.add_child(_assets.raw_element(top), name="report_before")
    script = _assets.script_tag(_assets.static_text("report.js"))
    _AfterMap(bottom + "\n" + script).add_to(m)
    page = stable_ids(fig.render())  # folium ids numbered: reproducible bytes
    urls = _assets.external_urls(page)
    if urls:
        raise OutputError(
            f"the comparison report would load {len(urls)} file(s) from the network "
            f"({', '.join(urls[:3])}); this is a bug, please report it"
        )
    return page


def write_report(
    comparison: Comparison, path: str | Path, lang: str = "ru", overwrite: bool = False
) -> Path:
    """Write :func:`render_report` to ``path`` (.html), atomically; refuses an existing
    file unless ``overwrite``."""
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise InputError(i18n.tr("err.render.report_suffix", file=str(path)))
    check_writable(path, overwrite)
    page = render_report(comparison, lang)
    with atomic_output(path, overwrite) as tmp:
        tmp.write_text(page, encoding="utf-8")
    log.info("wrote comparison report %s (%.1f MB)", path, path.stat().st_size / 1e6)
    return path


def write_xlsx(
    comparison: Comparison, path: str | Path, lang: str = "ru", overwrite: bool = False
) -> Path:
    """Write the comparison to an Excel workbook through :func:`planner.render.outputs.write_table`.

    Sheets: ``comparison`` (the table: rows = values, columns = sites), ``sites`` (one
    tidy row per site), ``needs`` (with a company), ``robustness``, ``also_as_of`` (with
    a second date) and ``scenario`` (weights), with headers in ``lang``, the ``columns`` and
    ``about`` sheets and number formats (:mod:`planner.render.xlsx_book`). Text cells that
    would start a formula are prefixed with ``'``.
    """
    from planner.render.outputs import write_table

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError(i18n.tr("err.render.xlsx_suffix", file=str(path)))
    c = comparison
    sheets: dict[str, pd.DataFrame] = {"sites": c.table.copy()}
    # the sites named in ``lang`` (built-in sites from the layers' name_<lang>; table rows
    # follow ``c.order``, the names the input order)
    sheets["sites"]["name"] = [c.names[lang][i] for i in c.order]
    if c.needs is not None:
        sheets["needs"] = c.needs.copy()
    rob = [{"item": "monte_carlo", "text": line} for line in c.robustness_texts[lang]] + [
        {"item": "flip", "text": c.flip_texts[lang]}
    ]
    if c.methods is not None:
        rob += [{"item": "methods", "text": line} for line in c.methods.texts[lang]]
    if c.flip is not None:
        f = c.flip
        rob.append(
            {
                "item": "flip_values",
                "text": f"criterion={f.criterion}; weight_from={f.weight_from:.6f}; "
                f"weight_to={f.weight_to:.6f}; a={c.scored['site_id'].iloc[f.a]}; "
                f"b={c.scored['site_id'].iloc[f.b]}",
            }
        )
    if c.also is not None:
        rob.append({"item": "also_as_of", "text": c.also.summary[lang]})
        changes = c.also.changes.copy()
        changes.insert(1, "name", list(c.names[lang]))
        changes["explanation"] = list(c.also.texts[lang])
        sheets["also_as_of"] = changes.iloc[c.order].reset_index(drop=True)
    sheets["robustness"] = pd.DataFrame(rob)
    sheets["scenario"] = pd.DataFrame(
        {
            "criterion": c.criteria,
            "label": [i18n.criterion_label(k, lang) for k in c.criteria],
            "weight_scenario": [float(c.scenario.weights.get(k, 0.0)) for k in c.criteria],
            "weight_used": [float(c.weights[k]) for k in c.criteria],
            "scenario": c.scenario.name,
            "scenario_hash": c.scenario.hash,
            "weights_hash": c.effective_hash,
            "as_of": c.as_of.isoformat(),
        }
    )
    about = {"scenario": c.scenario.name, "scenario_hash": c.scenario.hash,
             "as_of": c.as_of.isoformat()}  # fmt: skip
    return write_table(
        comparison_matrix(c, lang), path, overwrite=overwrite, sheets=sheets,
        sheet_name="comparison", lang=lang, about=about,
    )  # fmt: skip
