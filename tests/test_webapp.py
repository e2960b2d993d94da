"""The web app (`planner app`) in process: settings, offline click map, engine, AppTest pages."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

pytest.importorskip("streamlit")
pytest.importorskip("streamlit_folium")

from planner.errors import InputError  # noqa: E402
from planner.render.assets import external_urls  # noqa: E402
from planner.webapp import engine, offline, server  # noqa: E402

SCRIPT = str(server.SCRIPT)


@pytest.fixture(scope="module")
def layers():
    from planner.inputs.layers import load_layers

    return load_layers()


def test_server_settings_keep_everything_on_the_machine():
    opts = server.server_options("127.0.0.1", 8501, 20)
    assert opts["browser.gatherUsageStats"] is False
    assert opts["server.headless"] is True
    assert opts["server.maxUploadSize"] == 20
    assert opts["server.fileWatcherType"] == "none"
    assert opts["server.enableXsrfProtection"] is True


def test_network_host_needs_a_password_file(tmp_path):
    server.check_serving("127.0.0.1", 8501, None, 20)
    server.check_serving("localhost", 8501, None, 20)
    with pytest.raises(InputError, match="--password-file"):
        server.check_serving("0.0.0.0", 8501, None, 20)  # noqa: S104
    short = tmp_path / "pw.txt"
    short.write_text("abc\n", encoding="utf-8")
    with pytest.raises(InputError, match="at least 8"):
        server.check_serving("0.0.0.0", 8501, short, 20)  # noqa: S104
    good = tmp_path / "pw2.txt"
    good.write_text("correct horse battery\n", encoding="utf-8")
    server.check_serving("0.0.0.0", 8501, good, 20)  # noqa: S104
    with pytest.raises(InputError, match="port"):
        server.check_serving("127.0.0.1", 0, None, 20)


def test_cli_refuses_network_without_password():
    from typer.testing import CliRunner

    from planner.cli.app import app, register_commands

    register_commands()
    res = CliRunner().invoke(app, ["app", "--host", "0.0.0.0"])  # noqa: S104
    assert res.exit_code == 2
    assert "--password-file" in res.output


def test_click_map_loads_nothing_from_the_network(layers):
    m = offline.click_map(layers)
    group = offline.marker_group([(43.4, 76.9, 1, True), (43.5, 77.0, None, False)])
    group.add_to(m)
    links = []
    stack = [m]
    while stack:
        el = stack.pop()
        links += [u for _, u in getattr(el, "default_js", [])]
        links += [u for _, u in getattr(el, "default_css", [])]
        stack.extend(getattr(el, "_children", {}).values())
    assert links and all(u.startswith("data:") for u in links)
    html = m.get_root().render()
    assert external_urls(html) == []
    assert "L.map(" in html and "planner-num" in html


def test_upload_limit_message_names_file_and_limit():
    engine.check_upload("small.csv", 1000, 1)
    with pytest.raises(engine.UploadTooLarge) as exc:
        engine.check_upload("big.csv", 3 * 1024 * 1024, 1, "en")
    assert "big.csv" in str(exc.value) and "1 MB" in str(exc.value)
    with pytest.raises(engine.UploadTooLarge, match="МБ"):
        engine.check_upload("big.csv", 3 * 1024 * 1024, 1, "ru")


def test_upload_names_cannot_leave_the_private_folder(tmp_path):
    p = engine.save_upload(tmp_path, "../../etc/pass wd<script>.CSV", b"x")
    assert p.parent == tmp_path and p.suffix == ".csv"
    assert "/" not in p.name and "<" not in p.name


def test_comparison_tables_and_downloads(layers):
    pts = [engine.Candidate(43.40, 76.95, "Point 1")]
    c = engine.run_comparison(layers, ["aiz-1", "iz-kairat"], pts, scenario="bakad-perimeter",
                              draws=200)  # fmt: skip
    tabs = engine.comparison_tables(c, "en")
    assert len(tabs["verdicts"]) == 3 and len(tabs["robustness"]) == 3
    assert set(tabs["verdicts"]["No."]) <= {"1", "2", "3", "\u2013"}
    assert "Point 1" in tabs["verdicts"]["Site"].tolist()
    html = engine.report_html(c, "en").decode("utf-8")
    assert 'name="planner-report"' in html and external_urls(html) == []
    wb = openpyxl.load_workbook(io.BytesIO(engine.report_xlsx(c, "en")))
    assert wb.sheetnames


def test_company_typed_in_goes_through_the_reader():
    row = engine.company_from_needs("Cement <b>plant</b>", 12.5, "", True, "II", 40.0)
    assert row["land_ha"] == 12.5 and bool(row["needs_rail"]) is True
    with pytest.raises(InputError):
        engine.company_from_needs("", 12.5)


# --------------------------------------------------------------------------- AppTest


def _app(timeout: float = 120):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(SCRIPT, default_timeout=timeout)
    at.run()
    assert not at.exception, at.exception
    return at


def _frame(at, label: str):
    return next(d for d in at.dataframe if label in list(d.value.columns))


def test_apptest_compare_two_sites_then_a_click():
    at = _app()
    assert at.title[0].value == "Сравнение площадок"
    at.multiselect(key="cmp_ids").set_value(["aiz-1", "iz-kairat"]).run()
    assert not at.exception, at.exception
    verdicts = _frame(at, "Вывод")
    assert len(verdicts.value) == 2
    # a click on the map: what streamlit-folium puts into the session, then its callback
    at.session_state["cmp_map"] = {"last_clicked": {"lat": 43.41, "lng": 76.93}}
    from planner.webapp import page_compare

    at.run()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(page_compare.st, "session_state", at.session_state)
        page_compare.on_map_click()
    at.run()
    assert not at.exception, at.exception
    assert len(_frame(at, "Вывод").value) == 3
    assert "Точка 1" in _frame(at, "Вывод").value["Площадка"].tolist()


def test_apptest_language_switch_and_session_isolation():
    a, b = _app(), _app()
    a.sidebar.radio(key="lang").set_value("en").run()
    assert a.title[0].value == "Compare sites"
    assert b.title[0].value == "Сравнение площадок"
    a.multiselect(key="cmp_ids").set_value(["aiz-1", "aiz-2"]).run()
    b.run()
    assert any("Verdict" in d.value.columns for d in a.dataframe)
    assert not any("Вывод" in d.value.columns for d in b.dataframe)


def test_apptest_password_gate(tmp_path, monkeypatch):
    pw = tmp_path / "pw.txt"
    pw.write_text("office-secret-1\n", encoding="utf-8")
    monkeypatch.setenv("PLANNER_APP_PASSWORD_FILE", str(pw))
    from planner.webapp import state

    state._password.clear()
    try:
        at = _app()
        assert not at.title  # nothing but the form
        at.text_input[0].input("wrong-password")
        at.button[0].click().run()
        assert at.error and not at.title
        at.text_input[0].input("office-secret-1")
        at.button[0].click().run()
        assert at.title[0].value == "Сравнение площадок"
    finally:
        state._password.clear()


def test_apptest_hostile_error_text_is_inert():
    from planner.webapp.state import plain

    s = plain("![x](http://evil.example/a.png) <img src=x onerror=alert(1)> :red[x] $x$")
    import re

    # every Markdown / HTML / LaTeX / directive character is backslash-escaped
    assert re.search(r"(?<!\\)[\[\]()<>$:!=]", s) is None, s
    assert Path(SCRIPT).is_file()


# --------------------------------------------------------------------------- click map script


def test_click_map_script_as_streamlit_folium_sends_it(layers):
    """The script the component evaluates: the map's own code unescaped (a Markup joined on
    the right of it would escape it), the context layers from one JSON payload, the click
    sent at once, the numbered markers as script-safe JSON."""
    from streamlit_folium import generate_leaflet_string

    context = offline.context_geojson(layers)
    m = offline.click_map(layers, context)
    m.get_root().render()
    script = generate_leaflet_string(m)
    assert "&#34;" not in script and "&quot;" not in script
    assert ".on(\"click\"" in script and "setComponentValue" in script
    assert script.count("L.geoJSON(") == 1 and context.payload in script
    assert m.get_bounds() == context.bounds  # known: no walk over every coordinate
    group = offline.marker_group([(43.4, 76.9, 1, True), (43.5, 77.0, None, False),
                                  (float("nan"), 77.0, 2, True)])  # fmt: skip
    group.add_to(m)
    text = generate_leaflet_string(group)
    assert "<" not in text.split("L.featureGroup", 1)[1]  # html only as \u003c in JSON
    assert text.count("planner-num\\\"") == 2  # the NaN point is left out


def test_click_map_context_is_light_but_complete(layers):
    import json

    context = offline.context_geojson(layers)
    data = json.loads(context.payload)
    assert [d["key"] for d in data] == ["constraints", "cities", "zones", "transport", "bakad"]
    n_in = {k: int((~layers[k].geom_type.isin(["Point", "MultiPoint"])).sum())
            for k in ("cities", "zones", "bakad")}  # fmt: skip
    for d in data:
        if d["key"] in n_in:
            assert len(d["geometries"]) == n_in[d["key"]]
    (south, west), (north, east) = context.bounds
    assert 42 < south < 44 < north < 47 and 73 < west < 77 < east < 81
    assert len(context.payload) < 200_000  # sent to the browser on every script run


# --------------------------------------------------------------------------- batch + sites


SITES_CSV = (
    "site_id,name,latitude,longitude,area_ha\n"
    "my-1,Участок у БАКАД,43.38,77.06,40\n"
    "my-2,Склад <b>Север</b>,43.50,77.05,25\n"
    "my-3,Площадка Юг,43.30,76.80,60\n"
)


def _batch_page():
    from planner.webapp.page_batch import batch_page

    batch_page()


def test_apptest_batch_ranks_an_uploaded_sites_file_as_the_cli(tmp_path):
    from streamlit.testing.v1 import AppTest

    from planner.jobs.batch import run_batch

    companies = Path(__file__).resolve().parent.parent / "geodata" / "examples" / "companies.csv"
    at = AppTest.from_function(_batch_page, default_timeout=300)
    at.run()
    at.radio(key="bat_sites_source_ru").set_value("Мой файл площадок").run()
    assert not at.button  # no run before the sites file is given
    at.file_uploader(key="bat_upload").set_value(
        ("companies.csv", companies.read_bytes(), "text/csv")
    )
    at.file_uploader(key="bat_sites_upload").set_value(
        ("my sites.csv", SITES_CSV.encode("utf-8"), "text/csv")
    )
    at.run()
    at.button(key="bat_run").click().run()
    assert not at.exception, at.exception
    results = next(d.value for d in at.dataframe if "site_id" in d.value.columns
                   and "rank" in d.value.columns)  # fmt: skip
    assert set(results["site_id"]) <= {"my-1", "my-2", "my-3"}
    assert any("my_sites.csv" in c.value for c in at.caption)
    # the same ranking as `planner score companies.csv --sites my_sites.csv`
    sites = tmp_path / "my_sites.csv"
    sites.write_text(SITES_CSV, encoding="utf-8")
    cli = run_batch(companies, sites=sites, top_k=10).results
    keys = ["company_id", "rank", "site_id"]
    pd.testing.assert_frame_equal(
        results[keys].astype(str).reset_index(drop=True),
        cli[keys].astype(str).reset_index(drop=True),
    )


def test_apptest_batch_lists_the_rejected_rows_of_a_sites_file():
    from streamlit.testing.v1 import AppTest

    from planner.jobs.batch import BatchResult

    if "site_rejects" not in BatchResult.__dataclass_fields__:
        pytest.skip("the sites reader does not report rejected rows yet (helper tables)")
    companies = Path(__file__).resolve().parent.parent / "geodata" / "examples" / "companies.csv"
    bad = SITES_CSV + "my-4,Перепутаны координаты,77.06,43.38,10\n"
    at = AppTest.from_function(_batch_page, default_timeout=300)
    at.run()
    at.radio(key="bat_sites_source_ru").set_value("Мой файл площадок").run()
    at.file_uploader(key="bat_upload").set_value(
        ("companies.csv", companies.read_bytes(), "text/csv")
    )
    at.file_uploader(key="bat_sites_upload").set_value(
        ("sites.csv", bad.encode("utf-8"), "text/csv")
    )
    at.run()
    at.button(key="bat_run").click().run()
    assert not at.exception, at.exception
    assert any(h.value == "Отклонённые строки файла площадок" for h in at.subheader)
    rejected = next(d.value for d in at.dataframe if "reason" in d.value.columns
                    and "my-4" in d.value.astype(str).to_numpy().ravel())  # fmt: skip
    assert "перепутаны местами" in " ".join(rejected["reason"].astype(str))  # page in Russian
    results = next(d.value for d in at.dataframe if "site_id" in d.value.columns
                   and "rank" in d.value.columns)  # fmt: skip
    assert "my-4" not in set(results["site_id"])
    labels = [b.label for b in at.get("download_button")]
    assert any("sites.rejects" in x for x in labels), labels
