"""Issue 13: the jobs, renderers, web app and the network/map/compare/score-sites commands
speak the user's language: terminal lines and errors in ru (default), kk and en, Dask
workers in the language of the command that sent them work.

Each error is triggered as a user would and checked for (a) the exit code, (b) one
paragraph naming the file, row, column, value and the fix, (c) one language
(:func:`tests._lang_check.speaks`).
"""

from __future__ import annotations

import sys

import pytest
from _lang_check import speaks

from planner import i18n
from planner.errors import EngineError, InputError

LANGS = ("ru", "kk", "en")


def _lang_args(lang: str) -> list[str]:
    return [] if lang == "ru" else ["--lang", lang]  # ru is the default


def _one_paragraph(text: str) -> str:
    lines = [x for x in text.splitlines() if x.strip()]
    assert len(lines) == 1, text
    return " ".join(text.split())


# --------------------------------------------------------------------------- network build/info

#: a word of each language's network lines (nodes; BAKAD in Kazakh is ҮАААЖ)
NETWORK_WORDS = {"ru": ("узлов", "БАКАД"), "kk": ("түйін", "ҮАААЖ"), "en": ("nodes", "BAKAD")}
HOW = {"ru": ("построена", "уже актуальна", "скопирована из кэша"),
       "kk": ("құрылды", "өзгеріс жоқ", "кэштен көшірілді"),
       "en": ("built", "up to date", "copied from the cache")}  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
def test_network_build_and_info_speak_the_language(cli, layers, tmp_path, monkeypatch, lang):
    from planner.inputs.roads import read_roads

    monkeypatch.setenv("PLANNER_CACHE_DIR", str(tmp_path / "cache"))
    with i18n.use_lang(lang):  # the road reader's own notes (planner.inputs.roads)
        read = read_roads("builtin", layers)
    notes = read.report["notes"]
    # road classes are keys of road_speeds.toml (OSM tags), quoted as code: not words
    classes = [f"«{c}»" if lang != "en" else c for c in read.network.summary()["km_by_class"]]
    out = tmp_path / "net.npz"
    built, kept, copied = HOW[lang]
    res = cli("network", "build", "builtin", "-o", out, *_lang_args(lang))
    assert res.exit_code == 0, res.output
    text = res.stdout
    for word in (*NETWORK_WORDS[lang], built, "builtin_bakad"):
        assert word in text, (word, text)
    assert speaks(text, lang, allow=[*notes, *classes, str(tmp_path)]) == [], text
    assert speaks(res.stderr, lang, allow=[str(tmp_path)]) == [], res.stderr  # the INDICATIVE note
    assert "OpenStreetMap" in res.stderr
    again = cli("network", "build", "builtin", "-o", out, *_lang_args(lang))
    assert again.exit_code == 0 and kept in again.stdout
    assert speaks(again.output, lang, allow=[*classes, str(tmp_path)]) == [], again.output
    copy = cli("network", "build", "builtin", "-o", tmp_path / "copy.npz", *_lang_args(lang))
    assert copy.exit_code == 0 and copied in copy.stdout
    assert speaks(copy.output, lang, allow=[*classes, str(tmp_path)]) == [], copy.output
    info = cli("network", "info", out, *_lang_args(lang))
    assert info.exit_code == 0, info.output
    assert all(w in info.stdout for w in NETWORK_WORDS[lang]) and str(out) in info.stdout
    assert len(info.stdout.splitlines()) == 6
    assert speaks(info.output, lang, allow=[*classes, str(tmp_path)]) == [], info.output


@pytest.mark.parametrize("lang", LANGS)
def test_network_output_errors(cli, tmp_path, monkeypatch, lang):
    monkeypatch.setenv("PLANNER_CACHE_DIR", str(tmp_path / "cache"))
    res = cli("network", "build", "builtin", "-o", tmp_path / "net.txt", *_lang_args(lang))
    assert res.exit_code == 1
    text = _one_paragraph(res.stderr)
    assert "net.txt" in text and ".npz" in text and "-o network.npz" in text  # value and fix
    assert speaks(text, lang, allow=[str(tmp_path)]) == [], text
    out = tmp_path / "net.npz"
    out.write_bytes(b"not a network")
    res = cli("network", "build", "builtin", "-o", out, *_lang_args(lang))
    assert res.exit_code == 1
    text = _one_paragraph(res.stderr)
    assert str(out) in text and "--overwrite" in text
    assert speaks(text, lang, allow=[str(tmp_path)]) == [], text
    res = cli("network", "build", "builtin", "-o", out, "--bbox", "1,2,3", *_lang_args(lang))
    assert res.exit_code == 2  # a usage error, in the command's language
    assert "1,2,3" in res.output and "--bbox 76.4,43.0,77.6,44.0" in res.output


# --------------------------------------------------------------------------- Dask


@pytest.mark.parametrize("lang", LANGS)
def test_bad_scheduler_speaks_the_language(cli, tmp_path, lang):
    missing = tmp_path / "sched.json"
    res = cli("score-sites", "builtin", "-o", tmp_path / "s.gpkg", "--engine", "dask",
              "--scheduler", missing, "--no-why", *_lang_args(lang))  # fmt: skip
    assert res.exit_code == 1, res.output
    text = _one_paragraph(res.stderr)
    assert str(missing) in text and "--scheduler tcp://" in text and "LocalCluster" in text
    assert speaks(text, lang, allow=[str(tmp_path)]) == [], text
    assert not (tmp_path / "s.gpkg").exists()


@pytest.mark.parametrize("lang", LANGS)
def test_unreachable_cluster_speaks_the_language(lang):
    pytest.importorskip("distributed")
    from planner.jobs.dask_client import dask_client

    with i18n.use_lang(lang), pytest.raises(EngineError) as info:
        with dask_client("tcp://127.0.0.1:9", timeout_s=1):
            pass
    text = str(info.value)
    cause = f"{type(info.value.__cause__).__name__}: {info.value.__cause__}"
    assert "tcp://127.0.0.1:9" in text and "dask scheduler" in text and "--scheduler" in text
    assert speaks(text, lang, allow=[cause]) == [], text


def test_dask_workers_speak_the_language_of_the_command():
    pytest.importorskip("distributed")
    from planner.jobs import dask_client as dc
    from planner.jobs import dask_engine as de

    with dc.dask_client(n_workers=1, threads_per_worker=1, memory_limit="1GiB") as client:
        # a worker does not inherit the message language: tasks carry it
        assert client.submit(i18n.message_lang, pure=False).result() == "en"
        assert client.submit(de._in_lang, "kk", i18n.message_lang, pure=False).result() == "kk"
        with i18n.use_lang("kk"):
            fut = client.submit(de._in_lang, i18n.message_lang(), dc.check_scheduler, "",
                                pure=False)  # fmt: skip
            with pytest.raises(InputError) as info:
                de._gather_checked(client, [fut], "scoring")
    text = str(info.value)
    assert text.startswith("--scheduler") and "LocalCluster" in text
    assert speaks(text, "kk") == [] and "мәні бос" in text


# --------------------------------------------------------------------------- map inputs

BAD_RESULTS = "company_name,rank,site_id,score,lon,lat\nA,1,iz-kairat,80,77.0,43.4\n" \
              "B,1,sez-pit,70,abc,43.3\n"  # fmt: skip
ROW = {"ru": "строка 3", "kk": "3-жол", "en": "row 3"}


@pytest.mark.parametrize("lang", LANGS)
def test_map_results_with_a_bad_value(cli, tmp_path, lang):
    path = tmp_path / "results.csv"
    path.write_text(BAD_RESULTS, encoding="utf-8")
    out = tmp_path / "m.html"
    res = cli("map", "--results", path, "-o", out, *_lang_args(lang))
    assert res.exit_code == 1, res.output
    text = _one_paragraph(res.stderr)
    # file, row, column, value, the range the value must be in
    for part in (str(path), ROW[lang], "lon", "abc", "-180", "180"):
        assert part in text, (part, text)
    assert speaks(text, lang, allow=[str(tmp_path)]) == [], text
    assert not out.exists()


@pytest.mark.parametrize("lang", LANGS)
def test_map_results_errors_name_the_file_and_the_fix(cli, tmp_path, lang):
    missing = tmp_path / "nope.csv"
    res = cli("map", "--results", missing, "-o", tmp_path / "m.html", *_lang_args(lang))
    assert res.exit_code == 1
    text = _one_paragraph(res.stderr)
    assert str(missing) in text and speaks(text, lang, allow=[str(tmp_path)]) == [], text
    cols = tmp_path / "cols.csv"
    cols.write_text("name,score\nA,1\n", encoding="utf-8")
    res = cli("map", "--results", cols, "-o", tmp_path / "m.html", *_lang_args(lang))
    assert res.exit_code == 1
    text = _one_paragraph(res.stderr)
    assert "`rank`" in text and "`site_id`" in text and "planner score" in text
    # column names are code (`site_id` is also an English catalog phrase: a header)
    assert speaks(text, lang, allow=[str(tmp_path), "`site_id`"]) == [], text
    good = tmp_path / "good.csv"
    good.write_text(BAD_RESULTS.replace("abc", "77.1"), encoding="utf-8")
    res = cli("map", "--results", good, "--company", "Zzz", "-o", tmp_path / "m.html",
              *_lang_args(lang))  # fmt: skip
    assert res.exit_code == 1
    text = _one_paragraph(res.stderr)
    assert "Zzz" in text and "company_name" in text and "company_id" in text
    assert speaks(text, lang, allow=[str(tmp_path)]) == [], text


@pytest.mark.parametrize("lang", LANGS)
def test_surface_file_errors(cli, tmp_path, lang):
    bad = tmp_path / "surface.csv"
    bad.write_text("a,b\n", encoding="utf-8")
    res = cli("map", "--surface", bad, "-o", tmp_path / "m.html", *_lang_args(lang))
    assert res.exit_code == 1
    text = _one_paragraph(res.stderr)
    assert str(bad) in text and ".csv" in text and "--surface surface.npz" in text
    assert speaks(text, lang, allow=[str(tmp_path)]) == [], text


# --------------------------------------------------------------------------- assets


@pytest.fixture
def no_leaflet(monkeypatch):
    """The map assets as after a broken install: xstatic-leaflet cannot be imported."""
    from planner.render import assets

    assets.leaflet_js.cache_clear()
    monkeypatch.setitem(sys.modules, "xstatic.pkg.leaflet", None)
    yield
    monkeypatch.undo()
    assets.leaflet_js.cache_clear()


@pytest.mark.parametrize("lang", LANGS)
def test_missing_asset_package(cli, tmp_path, no_leaflet, lang):
    out = tmp_path / "m.html"
    res = cli("map", "-o", out, *_lang_args(lang))
    assert res.exit_code == 1, res.output
    text = _one_paragraph(res.stderr)
    assert "xstatic-leaflet" in text and "pip install xstatic-leaflet" in text
    assert speaks(text, lang, allow=[str(tmp_path)]) == [], text
    assert not out.exists()


# --------------------------------------------------------------------------- compare, app


@pytest.mark.parametrize("lang", LANGS)
def test_compare_unknown_site(cli, lang):
    res = cli("compare", "iz-kairatt", "sez-pit", *_lang_args(lang))
    assert res.exit_code == 1
    text = _one_paragraph(res.stderr)
    assert "iz-kairatt" in text and "iz-kairat" in text and "--at LAT,LON" in text
    assert speaks(text, lang) == [], text


@pytest.mark.parametrize("lang", LANGS)
def test_app_settings_errors(cli, tmp_path, lang):
    short = tmp_path / "pw.txt"
    short.write_text("abc\n", encoding="utf-8")
    res = cli("app", "--host", "0.0.0.0", "--password-file", short,  # noqa: S104
              *_lang_args(lang))  # fmt: skip
    assert res.exit_code == 2
    assert "pw.txt" in res.output and "8" in res.output
    from planner.webapp import server

    with i18n.use_lang(lang), pytest.raises(InputError) as info:
        server.check_serving("0.0.0.0", 8501, None, 20)  # noqa: S104
    text = str(info.value)
    assert "--password-file" in text and speaks(text, lang, allow=[str(tmp_path)]) == [], text


# --------------------------------------------------------------------------- web app

COMPANIES = (
    "company_id;name;land_ha;sector\n"
    "c1;ТОО Альфа;12;logistics\n"
    "c2;ТОО Бета;много;logistics\n"
)


def _batch_page():
    from planner.webapp.page_batch import batch_page

    batch_page()


def test_app_batch_page_shows_rejected_rows_in_kazakh(monkeypatch):
    pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest

    # Streamlit runs the page as a new __main__ and leaves it: restore ours afterwards, or
    # the spawned Dask workers of later tests would import the page script as __main__
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])
    at = AppTest.from_function(_batch_page, default_timeout=300)
    at.session_state["lang"] = "kk"
    at.run()
    at.file_uploader(key="bat_upload").set_value(
        ("companies.csv", COMPANIES.encode("utf-8"), "text/csv")
    )
    at.run()
    at.button(key="bat_run").click().run()
    assert not at.exception, at.exception
    rejects = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    reasons = " ".join(rejects["reason"].astype(str))
    assert "много" in reasons and "land_ha" in reasons
    assert speaks(reasons, "kk") == [], reasons
    assert any(c in reasons for c in "әғқңөұүһі"), reasons  # Kazakh, not Russian or English
    for w in at.warning:
        assert speaks(w.value, "kk") == [], w.value


def test_app_pages_run_in_the_page_language(monkeypatch):
    from planner.webapp import state

    seen = []
    monkeypatch.setattr(state, "lang", lambda: "kk")

    @state.in_page_lang
    def page() -> None:
        seen.append(i18n.message_lang())

    page()
    assert seen == ["kk"] and i18n.message_lang() == "en"  # restored after the page

