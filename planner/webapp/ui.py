"""The app's frame: page setup, language switch, password, navigation."""

from __future__ import annotations

import os
import sys
import time

import streamlit as st

from planner import i18n
from planner.webapp.page_batch import batch_page
from planner.webapp.page_compare import compare_page
from planner.webapp.page_map import map_page
from planner.webapp.settings import TIMING_ENV
from planner.webapp.state import password_gate, t

__all__ = ["main"]


def main() -> None:
    """Draw the current page for this session (Streamlit runs this on every interaction)."""
    st.set_page_config(page_title="planner", layout="wide", initial_sidebar_state="expanded")
    with st.sidebar:
        st.radio(
            "Тіл / Язык / Language",
            list(i18n.LANGS),
            format_func=lambda code: i18n.t("app.lang_self", code),
            key="lang",
            horizontal=True,
        )
        st.caption(t("offline_note"))
    if not password_gate():
        st.stop()
    pages = [
        st.Page(compare_page, title=t("nav_compare"), url_path="compare", default=True),
        st.Page(batch_page, title=t("nav_batch"), url_path="batch"),
        st.Page(map_page, title=t("nav_map"), url_path="map"),
    ]
    t0 = time.perf_counter()
    st.navigation(pages, position="sidebar").run()
    if os.environ.get(TIMING_ENV):
        # one line per script run, for bench/bench_app.py (server share of an update)
        print(f"planner-app-run {time.perf_counter() - t0:.4f}", file=sys.stderr, flush=True)
