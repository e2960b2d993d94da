"""The Compare page: pick or click 2-12 sites, see the comparison update, download it."""

from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd
import streamlit as st

from planner.errors import PlannerError
from planner.webapp import engine, offline
from planner.webapp.state import (
    builtin_sites,
    in_page_lang,
    lang,
    layers,
    map_context,
    plain,
    scenario_names,
    t,
    upload_limit_mb,
    warm_up,
)

__all__ = ["compare_page", "on_map_click", "MAX_SITES"]

MAX_SITES = 12
_K = "cmp_"  # session-state prefix of this page


def _ss(name: str, default=None):
    key = _K + name
    if key not in st.session_state:
        st.session_state[key] = default
    return st.session_state[key]


def on_map_click() -> None:
    """streamlit-folium callback: add the clicked point before the page is drawn again."""
    value = st.session_state[_K + "map"] if _K + "map" in st.session_state else None
    hit = value.get("last_clicked") if isinstance(value, dict) else None
    if not hit:
        return
    points: list = _ss("points", [])
    n_sites = len(st.session_state[_K + "ids"]) if _K + "ids" in st.session_state else 0
    if n_sites + len(points) >= MAX_SITES:
        st.session_state[_K + "full"] = True
        return
    lat, lon = round(float(hit["lat"]), 5), round(float(hit["lng"]), 5)
    n = _ss("point_seq", 0) + 1
    st.session_state[_K + "point_seq"] = n
    label = t("point_label", n=n)
    points.append(engine.Candidate(lat=lat, lon=lon, label=label))


def _rows_height(n: int) -> int:
    """Pixels to show ``n`` rows of a table without scrolling (up to 12 sites)."""
    return 38 + 35 * max(1, n)


def _choice(label_key: str, options: dict[str, str]) -> str:
    """A radio of translated labels (one widget per language) returning the option's key."""
    labels = {text: key for key, text in options.items()}
    picked = st.radio(t(label_key), list(labels), horizontal=True, key=f"{_K}{label_key}_{lang()}")
    return labels.get(picked, next(iter(options)))


def _site_source():
    """The sites to pick from: built-in zones, or the sites of an uploaded file."""
    mode = _choice("sites_source", {"builtin": t("sites_from_builtin"),
                                    "file": t("sites_from_file")})  # fmt: skip
    if mode == "builtin":
        return builtin_sites(), None
    up = st.file_uploader(
        t("sites_file"), type=["csv", "xlsx", "geojson", "gpkg"], key=_K + "sites_upload"
    )
    st.caption(t("upload_limit", limit=upload_limit_mb()))
    if up is None:
        return None, None
    data = up.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    cached = st.session_state.get(_K + "sites_file")
    if cached is None or cached[0] != digest:
        try:
            engine.check_upload(up.name, len(data), upload_limit_mb(), lang())
            gdf = engine.read_site_file(up.name, data)
        except PlannerError as exc:
            st.error(plain(exc))
            return None, None
        cached = (digest, gdf)
        st.session_state[_K + "sites_file"] = cached
    return cached[1], cached[1]


def _company(scenario_ok: bool):
    """The company row to compare for (None: no company)."""
    mode = _choice("company", {v: t(f"company_{v}") for v in ("none", "list", "needs")})
    if mode == "none" or not scenario_ok:
        return None
    if mode == "needs":
        return _company_form()
    up = st.file_uploader(
        t("companies_file"), type=["csv", "txt", "tsv", "xlsx", "xlsm"], key=_K + "co_upload"
    )
    if up is None:
        return None
    data = up.getvalue()
    try:
        engine.check_upload(up.name, len(data), upload_limit_mb(), lang())
        table = _cached_companies(up.name, data)
    except PlannerError as exc:
        st.error(plain(exc))
        return None
    valid = table.valid
    if not len(valid):
        st.warning(t("no_valid_companies"))
        return None
    pos = st.selectbox(
        t("company_pick"),
        list(range(len(valid))),
        format_func=lambda i: f"{valid['name'].iloc[i]} ({valid['company_id'].iloc[i]})",
        key=_K + "co_pick",
    )
    return valid.iloc[int(pos)]


def _cached_companies(name: str, data: bytes):
    digest = hashlib.sha256(data).hexdigest()
    cached = st.session_state.get(_K + "co_table")
    if cached is None or cached[0] != (digest, lang()):  # the reasons are in the language
        cached = ((digest, lang()), engine.read_company_list(name, data, lang()))
        st.session_state[_K + "co_table"] = cached
    return cached[1]


def _company_form():
    c1, c2 = st.columns(2)
    name = c1.text_input(t("co_name"), value=t("co_name_default"), key=_K + "co_name")
    land = c2.number_input(
        t("co_land_ha"), min_value=0.1, max_value=5000.0, value=10.0, key=_K + "co_land"
    )
    sector = c1.text_input(t("co_sector"), value="", key=_K + "co_sector")
    hazard = c2.selectbox(
        t("co_hazard"), ["", "I", "II", "III", "IV", "V"], key=_K + "co_hazard"
    )
    rail = c1.checkbox(t("co_rail"), key=_K + "co_rail")
    max_km = c2.number_input(
        t("co_max_almaty"), min_value=0.0, max_value=500.0, value=0.0, key=_K + "co_max_km"
    )
    try:
        return engine.company_from_needs(
            name, land, sector, rail, hazard, max_km if max_km > 0 else None, lang=lang()
        )
    except PlannerError as exc:
        st.error(plain(exc))
        return None


def _controls():
    """The left column: sites, points, scenario, dates, company. Returns the request."""
    pool, sites_arg = _site_source()
    ids: list[str] = []
    if pool is not None and len(pool):
        names = dict(zip(pool["site_id"].astype(str), pool["name"].astype(str), strict=True))
        ids = st.multiselect(
            t("sites_pick"),
            list(names),
            format_func=lambda i: f"{names[i]} [{i}]",
            key=_K + "ids",
            max_selections=MAX_SITES,
            placeholder=t("sites_placeholder"),
        )
    points: list = _ss("points", [])
    if points:
        st.dataframe(
            pd.DataFrame(
                {
                    t("col_site"): [p.label for p in points],
                    t("col_lat"): [p.lat for p in points],
                    t("col_lon"): [p.lon for p in points],
                }
            ),
            hide_index=True,
            height=_rows_height(len(points)),
            key=_K + "points_table",
        )
        b1, b2 = st.columns(2)
        if b1.button(t("remove_last"), key=_K + "rm_last"):
            points.pop()
            st.rerun()
        if b2.button(t("remove_points"), key=_K + "rm_all"):
            points.clear()
            st.rerun()
    if st.session_state.pop(_K + "full", False):
        st.warning(t("too_many", n=MAX_SITES))
    names_ = scenario_names()
    scenario = st.selectbox(t("scenario"), list(names_), key=_K + "scenario")
    as_of = st.date_input(t("as_of"), value=dt.date.today(), key=_K + "as_of")
    also = None
    if st.checkbox(t("use_also"), key=_K + "use_also"):
        also = st.date_input(t("also_as_of"), value=dt.date(2030, 1, 1), key=_K + "also")
    company = _company(True)
    return ids, list(points), scenario, as_of, also, company, sites_arg


def _request_key(ids, points, scenario, as_of, also, company, sites_arg) -> tuple:
    co = None if company is None else tuple(map(str, company.to_dict().items()))
    sites_key = None if sites_arg is None else st.session_state.get(_K + "sites_file", (None,))[0]
    return (tuple(ids), tuple(points), scenario, as_of, also, co, sites_key, lang())


def _compare(ids, points, scenario, as_of, also, company, sites_arg):
    key = _request_key(ids, points, scenario, as_of, also, company, sites_arg)
    held = st.session_state.get(_K + "result")
    if held is not None and held[0] == key:
        return held[1], held[2]
    c = engine.run_comparison(
        layers(),
        ids,
        points,
        scenario=scenario,
        as_of=as_of,
        also_as_of=also,
        company=company,
        sites=sites_arg,
    )
    tabs = engine.comparison_tables(c, lang())
    tabs["matrix"] = engine.as_text(tabs["matrix"], lang())
    st.session_state[_K + "result"] = (key, c, tabs)
    return c, tabs


def _markers(c, pool, ids, points) -> list[tuple[float, float, int | None, bool]]:
    if c is not None:
        n_ids = len(ids)
        return [
            (lat, lon, c.number(i), i >= n_ids)
            for i, (lat, lon) in enumerate(
                zip(c.scored["lat"].astype(float), c.scored["lon"].astype(float), strict=True)
            )
        ]
    out = []
    if pool is not None and ids:
        sel = pool[pool["site_id"].astype(str).isin(ids)]
        out += [(float(a), float(b), None, False) for a, b in zip(sel["lat"], sel["lon"],
                                                                  strict=True)]  # fmt: skip
    out += [(p.lat, p.lon, None, True) for p in points]
    return out


def _click_map(markers) -> None:
    from streamlit_folium import st_folium

    # built on every run: folium maps cannot be rendered twice (streamlit-folium normalises
    # the random element ids, so the component is not re-mounted)
    base = offline.click_map(layers(), map_context())
    group = offline.marker_group(markers)
    st.caption(t("click_hint"))
    st_folium(
        base,
        key=_K + "map",
        height=520,
        use_container_width=True,
        returned_objects=["last_clicked"],
        feature_group_to_add=group,
        on_change=on_map_click,
    )


def _results(c, tabs) -> None:
    st.subheader(t("verdicts"))
    n = len(tabs["verdicts"])
    st.dataframe(tabs["verdicts"], hide_index=True, height=_rows_height(n), key=_K + "verdicts")
    st.subheader(t("robustness"))
    st.dataframe(tabs["robustness"], hide_index=True, height=_rows_height(n), key=_K + "robust")
    for line in c.robustness_texts[lang()][:1]:
        st.text(line)
    if c.flip_texts[lang()]:
        st.text(c.flip_texts[lang()])
    if c.also is not None:
        st.subheader(t("second_date", date=c.also.as_of.isoformat()))
        st.text(c.also.summary[lang()])
        for line in c.also.texts[lang()]:
            st.text(line)
    st.subheader(t("table"))
    st.dataframe(tabs["matrix"], hide_index=True, key=_K + "matrix")
    d1, d2 = st.columns(2)
    d1.download_button(
        t("download_html"),
        data=lambda: engine.report_html(c, lang()),
        file_name="compare.html",
        mime="text/html",
        key=_K + "dl_html",
        on_click="ignore",
    )
    d2.download_button(
        t("download_xlsx"),
        data=lambda: engine.report_xlsx(c, lang()),
        file_name="compare.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=_K + "dl_xlsx",
        on_click="ignore",
    )
    if st.toggle(t("show_memo"), key=_K + "memo"):
        st.iframe(engine.report_html(c, lang()).decode("utf-8"), height=900)


@in_page_lang
def compare_page() -> None:
    st.title(t("compare_title"))
    st.caption(t("compare_intro", n=MAX_SITES))
    with st.spinner(t("loading")):
        layers()
        warm_up()
    left, right = st.columns([2, 3])
    with left:
        request = _controls()
    ids, points, *_ = request
    c, tabs, error = None, None, None
    if len(ids) + len(points) >= 2:
        try:
            c, tabs = _compare(*request)
        except PlannerError as exc:
            error = str(exc)
    pool = builtin_sites() if request[-1] is None else request[-1]
    with right:
        _click_map(_markers(c, pool, ids, points))
    if error:
        st.error(plain(error))
    elif c is None:
        st.info(t("pick_two"))
    else:
        _results(c, tabs)
