"""The Map page: the same offline map as ``planner map --sites builtin``."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from planner.errors import PlannerError
from planner.webapp.state import in_page_lang, lang, map_page_html, plain, scenario_names, t

__all__ = ["map_page"]

_K = "map_"


@in_page_lang
def map_page() -> None:
    st.title(t("map_title"))
    st.caption(t("map_intro"))
    c1, c2 = st.columns(2)
    scenario = c1.selectbox(t("scenario"), list(scenario_names()), key=_K + "scenario")
    as_of = c2.date_input(t("as_of"), value=dt.date.today(), key=_K + "as_of")
    try:
        with st.spinner(t("loading")):
            page = map_page_html(scenario, as_of, lang())
    except PlannerError as exc:
        st.error(plain(exc))
        return
    st.download_button(
        t("download_map"),
        data=page.encode("utf-8"),
        file_name="map.html",
        mime="text/html",
        key=_K + "dl",
        on_click="ignore",
    )
    st.iframe(page, height=720)
