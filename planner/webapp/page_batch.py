"""The Batch page: upload a company list, rank the built-in sites (or the sites of an uploaded
sites file) for every company."""

from __future__ import annotations

import datetime as dt
import hashlib

import streamlit as st

from planner.errors import PlannerError
from planner.webapp import engine
from planner.webapp.state import (
    in_page_lang,
    lang,
    layers,
    plain,
    scenario_names,
    t,
    upload_limit_mb,
)

__all__ = ["batch_page"]

_K = "bat_"
_MIME = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
    ".html": "text/html",
}


def _sites_upload():
    """The sites to rank: None for the built-in zones, else the uploaded file (or False while
    the file is still to be given)."""
    options = {"builtin": t("sites_from_builtin"), "file": t("sites_from_file")}
    labels = {text: key for key, text in options.items()}
    picked = st.radio(t("app_sites.batch_sites"), list(labels), horizontal=True,
                      key=f"{_K}sites_source_{lang()}")  # fmt: skip
    if labels.get(picked, "builtin") == "builtin":
        return None
    up = st.file_uploader(
        t("sites_file"), type=["csv", "xlsx", "geojson", "gpkg"], key=_K + "sites_upload"
    )
    return False if up is None else up


def _run(up, scenario, as_of, top_k, allocate, sites_up=None) -> engine.BatchRun | None:
    data = up.getvalue()
    bar = st.progress(0.0, text=t("progress_start"))

    def progress(stage: str, done: int, total: int) -> None:
        frac = 0.0 if total <= 0 else min(1.0, done / total)
        bar.progress(frac, text=t("progress_stage", stage=stage))

    try:
        engine.check_upload(up.name, len(data), upload_limit_mb(), lang())
        sites_file = None
        if sites_up is not None:
            sites_file = (sites_up.name, sites_up.getvalue())
            engine.check_upload(sites_file[0], len(sites_file[1]), upload_limit_mb(), lang())
        run = engine.run_batch_upload(
            up.name,
            data,
            layers=layers(),
            scenario=scenario,
            as_of=as_of,
            top_k=top_k,
            allocate=allocate,
            lang=lang(),
            progress=progress,
            sites_file=sites_file,
        )
    except PlannerError as exc:
        bar.empty()
        st.error(plain(exc))
        return None
    bar.progress(1.0, text=t("progress_done"))
    return run


def _show(run: engine.BatchRun) -> None:
    c = run.counts
    m1, m2, m3 = st.columns(3)
    m1.metric(t("n_companies"), c.get("companies", c.get("valid", 0)))
    m2.metric(t("n_rejected"), c.get("rejected", len(run.rejects)))
    m3.metric(t("n_results"), len(run.results))
    if run.company_file:
        st.caption(
            t(
                "file_read_as",
                encoding=str(run.company_file.get("encoding") or "xlsx"),
                sep=repr(run.company_file.get("separator") or ""),
            )
        )
    if run.sites != "builtin":
        st.caption(t("app_sites.sites_used", name=run.sites))
    for w in run.warnings[:20]:
        st.warning(plain(w))
    st.subheader(t("best_per_company"))
    st.dataframe(run.companies, hide_index=True, key=_K + "companies")
    st.subheader(t("ranked"))
    st.dataframe(run.results, hide_index=True, key=_K + "results")
    if len(run.rejects):
        st.subheader(t("rejects"))
        st.caption(t("rejects_hint"))
        st.dataframe(run.rejects, hide_index=True, key=_K + "rejects")
    if run.site_rejects is not None and len(run.site_rejects):
        st.subheader(t("app_sites.site_rejects"))
        st.caption(t("app_sites.site_rejects_hint"))
        st.dataframe(run.site_rejects, hide_index=True, key=_K + "site_rejects")
    if run.allocation is not None and len(run.allocation):
        st.subheader(t("allocation"))
        st.dataframe(run.allocation, hide_index=True, key=_K + "allocation")
    cols = st.columns(max(1, len(run.files)))
    for col, (label, (name, data)) in zip(cols, sorted(run.files.items()), strict=False):
        suffix = name[name.rfind(".") :]
        col.download_button(
            t("download_file", name=name),
            data=data,
            file_name=name,
            mime=_MIME.get(suffix, "application/octet-stream"),
            key=_K + "dl_" + label,
            on_click="ignore",
        )


@in_page_lang
def batch_page() -> None:
    st.title(t("batch_title"))
    st.caption(t("batch_intro"))
    up = st.file_uploader(
        t("companies_file"), type=["csv", "txt", "tsv", "xlsx", "xlsm"], key=_K + "upload"
    )
    sites_up = _sites_upload()
    st.caption(t("upload_limit", limit=upload_limit_mb()))
    c1, c2, c3, c4 = st.columns(4)
    scenario = c1.selectbox(t("scenario"), list(scenario_names()), key=_K + "scenario")
    as_of = c2.date_input(t("as_of"), value=dt.date.today(), key=_K + "as_of")
    top_k = int(c3.number_input(t("top_k"), 1, 50, 10, key=_K + "top_k"))
    allocate = c4.checkbox(t("allocate"), key=_K + "allocate")
    ready = up is not None and sites_up is not False
    if ready and st.button(t("run_batch"), type="primary", key=_K + "run"):
        key = (hashlib.sha256(up.getvalue()).hexdigest(), scenario, as_of, top_k, allocate,
               lang())  # fmt: skip
        run = _run(up, scenario, as_of, top_k, allocate, sites_up or None)
        st.session_state[_K + "result"] = None if run is None else (key, run)
    held = st.session_state.get(_K + "result")
    if held is not None:
        _show(held[1])
    elif up is None:
        st.info(t("batch_upload_first"))
