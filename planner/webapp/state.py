"""What the app keeps: per process (layers, sites, scenarios, maps) and per session.

Process-wide resources are loaded once (``st.cache_resource`` / ``st.cache_data``) and never
changed afterwards, so sessions can share them; everything a user chooses, uploads or
computes lives in that session's ``st.session_state`` only.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import os
import re
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from planner import i18n
from planner.webapp.settings import LAYERS_ENV, PASSWORD_ENV, UPLOAD_ENV

__all__ = [
    "LAYERS_ENV",
    "PASSWORD_ENV",
    "UPLOAD_ENV",
    "in_page_lang",
    "lang",
    "t",
    "plain",
    "layers",
    "builtin_sites",
    "map_context",
    "scenario_names",
    "warm_up",
    "upload_limit_mb",
    "password_gate",
    "map_page_html",
]


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&])")


def lang() -> str:
    """The session's language (ru by default)."""
    value = st.session_state["lang"] if "lang" in st.session_state else i18n.DEFAULT_LANG
    return value if value in i18n.LANGS else i18n.DEFAULT_LANG


def in_page_lang(page: Callable[[], None]) -> Callable[[], None]:
    """Run a page in the session's language (``i18n.use_lang``): the errors and warnings
    the library raises while the page works are written in it, as the CLI's ``--lang``."""

    @functools.wraps(page)
    def run() -> None:
        with i18n.use_lang(lang()):
            page()

    return run


def t(key: str, /, **fields) -> str:
    """A message of the ``app`` section (or any full key) in the session's language."""
    return i18n.t(key if "." in key else f"app.{key}", lang(), **fields)


def plain(text: object) -> str:
    """``text`` made inert for Streamlit's Markdown (st.error, st.info...): every Markdown,
    HTML, LaTeX and directive character escaped, so user text shows as typed."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", "  \n")


@st.cache_resource(show_spinner=False)
def layers():
    """The layers, loaded once per process (built-in, or ``planner app --layers``)."""
    from planner.inputs.layers import load_layers

    return load_layers(os.environ.get(LAYERS_ENV) or None)


@st.cache_resource(show_spinner=False)
def map_context():
    """The click map's context layers as GeoJSON, made once per process."""
    from planner.webapp.offline import context_geojson

    return context_geojson(layers())


@st.cache_resource(show_spinner=False)
def builtin_sites():
    from planner.inputs.sites import builtin_sites as _builtin

    return _builtin(layers())


@st.cache_resource(show_spinner=False)
def scenario_names() -> tuple[str, ...]:
    from planner.config.scenarios import list_scenarios

    return tuple(s.name for s in list_scenarios())


@st.cache_resource(show_spinner=False)
def warm_up() -> bool:
    """Run one small comparison so the compiled kernels are ready before the first click."""
    from planner.webapp.engine import run_comparison

    ids = builtin_sites()["site_id"].astype(str).tolist()[:2]
    run_comparison(layers(), ids, scenario=scenario_names()[0], draws=50)
    return True


def upload_limit_mb() -> int:
    from planner.webapp.engine import MAX_UPLOAD_MB

    try:
        return max(1, int(os.environ.get(UPLOAD_ENV, MAX_UPLOAD_MB)))
    except ValueError:
        return MAX_UPLOAD_MB


@st.cache_resource(show_spinner=False)
def _password() -> str | None:
    path = os.environ.get(PASSWORD_ENV)
    if not path:
        return None
    from planner.webapp.server import first_line

    return first_line(Path(path).read_text(encoding="utf-8"))


def password_gate() -> bool:
    """True when no password is set or this session has entered it; else show the form."""
    secret = _password()
    if secret is None or st.session_state.get("authed"):
        return True
    with st.form("login"):
        st.subheader(t("password_title"))
        given = st.text_input(t("password"), type="password")
        ok = st.form_submit_button(t("password_button"))
    if ok:
        if hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8")):
            st.session_state["authed"] = True
            st.rerun()
        st.error(t("password_wrong"))
    return False


@st.cache_data(show_spinner=False, max_entries=16)
def map_page_html(scenario: str, as_of: dt.date | None, lang_: str) -> str:
    """The offline map of ``planner map --sites builtin`` (same for everyone: cached)."""
    from planner.webapp.engine import offline_map_html

    return offline_map_html(scenario, as_of, lang_, os.environ.get(LAYERS_ENV) or None)
