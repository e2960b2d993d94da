"""Issue 13: the errors and warnings of the geospatial core (surface, road network, travel
times, isochrones, criteria, sites table, dates) speak the command's language: the CLI in
Russian by default, Kazakh or English with --lang; the library in English by default, or
the language of :func:`planner.i18n.use_lang`. Each message still names the value and the
fix, in one language (:func:`_lang_check.speaks`)."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from _lang_check import speaks
from test_network import FakeLayers, net_of

from planner import i18n
from planner.core.aggregation import require_chunkable
from planner.core.criteria import compute_criteria
from planner.core.isochrones import check_breaks, isochrone_bands
from planner.core.layerset import LayerSet, parse_as_of
from planner.core.network import describe_dropped, load_network, save_network
from planner.core.prepared import Prepared
from planner.core.scoring import score_table
from planner.core.sitetable import check_sites_table
from planner.core.travel import prepare_travel
from planner.errors import InputError, LayerError

LANGS = ("ru", "kk", "en")


#: the travel-time criteria keys of bakad-perimeter-time (scenario keys: code, not words;
#: the detector reads the English word inside ``time_airport`` as a catalog phrase)
TIMED = ("time_airport", "time_almaty", "time_gate_city", "time_interchange", "time_konaev",
         "time_rail")
#: the isochrone targets (keys of TRAVEL_TARGETS), named in a message as the values to use
TARGETS = ("interchange, almaty, konaev, gate_city, rail, airport",)
#: the zone statuses, named in a message as the values to use
STATUSES = ("operating, under_construction, planned, none",)
#: the layer names, named in a message as the layers to give
LAYER_LIST = ("bakad, cities, zones, transport, constraints",)


def _cli_error(cli, lang, *args):
    """Run a CLI command that must fail with exit 1; its one error paragraph."""
    res = cli(*args, *(("--lang", lang) if lang != "ru" else ()))
    assert res.exit_code == 1, res.output
    text = res.stderr.strip()
    assert text.startswith(i18n.t("cli.error", lang) + ":"), text
    assert "\n" not in text and "Traceback" not in text
    assert speaks(text, lang, allow=TIMED) == [], (lang, text)
    return text


# --------------------------------------------------------------------------- CLI


@pytest.mark.parametrize("lang", LANGS)
def test_surface_option_errors_speak_the_command_language(cli, tmp_path, lang):
    out = str(tmp_path / "s.tif")
    text = _cli_error(cli, lang, "surface", "-o", out, "--cell-m", "1")
    # the grid is too big: the option to change and a cell size that fits
    assert "--cell-m" in text and "--extent" in text and "44" in text
    assert "150\u202f000\u202f000" in text  # the limit, grouped as the language writes it
    text = _cli_error(cli, lang, "surface", "-o", out, "--extent", "nowhere:5km")
    assert "nowhere:5km" in text and "planner layers list" in text
    text = _cli_error(cli, lang, "surface", "-o", out, "--extent", "bbox:1,2")
    assert "bbox:1,2" in text and "bbox:76.7,43.1,77.2,43.5" in text
    text = _cli_error(cli, lang, "surface", "-o", out, "--scenario", "bakad-perimeter-time")
    assert "bakad-perimeter-time" in text and "planner score-sites --network" in text
    assert "bakad-perimeter" in text.replace("bakad-perimeter-time", "")
    assert not (tmp_path / "s.tif").exists()


def test_surface_errors_in_each_language_are_not_the_same_text(cli, tmp_path):
    texts = {lang: _cli_error(cli, lang, "surface", "-o", str(tmp_path / "s.tif"),
                              "--extent", "nowhere:5km") for lang in LANGS}  # fmt: skip
    assert "область «nowhere:5km»" in texts["ru"]
    assert "«nowhere:5km» аумағы" in texts["kk"]
    assert "extent 'nowhere:5km'" in texts["en"]


@pytest.mark.parametrize("lang", LANGS)
def test_map_isochrone_and_network_errors_speak_the_command_language(cli, tmp_path, lang):
    out = tmp_path / "m.html"
    text = _cli_error(cli, lang, "map", "-o", str(out), "--isochrones", "30,15")
    assert "30,15" in text and "15,30,45" in text
    missing = tmp_path / "n7q.npz"  # a name that is no catalog word
    text = _cli_error(cli, lang, "map", "-o", str(out), "--network", str(missing))
    assert str(missing) in text and "planner network build" in text and "builtin" in text
    bad = tmp_path / "bad.npz"
    bad.write_text("not a network", encoding="utf-8")
    text = _cli_error(cli, lang, "map", "-o", str(out), "--network", str(bad))
    assert str(bad) in text and "planner network build" in text
    assert not out.exists()


# --------------------------------------------------------------------------- library


def _error(lang, fn, *args, **kw) -> str:
    with i18n.use_lang(lang), pytest.raises(InputError) as info:
        fn(*args, **kw)
    text = str(info.value)
    assert speaks(text, lang, allow=TARGETS + STATUSES + LAYER_LIST) == [], (lang, text)
    return text


@pytest.mark.parametrize("lang", LANGS)
def test_isochrone_errors(lang):
    prepared = prepare_travel(net_of([(0, 0), (10_000, 0)], [(0, 1)]), FakeLayers())
    text = _error(lang, isochrone_bands, prepared, "harbour", [15, 30])
    assert "harbour" in text and "interchange, almaty, konaev" in text
    text = _error(lang, isochrone_bands, prepared, "almaty", [15], cell_m=20)
    assert "20" in text and "500" in text
    text = _error(lang, check_breaks, ["15", "abc"])
    assert "15,abc" in text and "15,30,45" in text


@pytest.mark.parametrize("lang", LANGS)
def test_travel_warnings_name_the_missing_target(lang, caplog):
    # every target 100 km from the one road: left out, and no time can be computed
    far = (100_000, 100_000)
    net = net_of([(0, 0), (1_000, 0)], [(0, 1)])
    with i18n.use_lang(lang), caplog.at_level(logging.WARNING, "planner.core.travel"):
        prepared = prepare_travel(net, FakeLayers(almaty=far, konaev=far, rail=(far,),
                                                  airport=far))  # fmt: skip
    notes = "\n".join(prepared.notes)
    assert "almaty-centre" in notes and "time_rail_min" in notes
    # the distance from the road's east end, in the language
    assert i18n.format_number(np.hypot(99_000, 100_000) / 1000, lang, 1) in notes
    # the target keys (interchange, airport...) are code, named as in TRAVEL_TARGETS
    assert speaks(notes, lang, allow=TARGETS[0].split(", ")) == [], notes
    assert [r.getMessage() for r in caplog.records] == list(prepared.notes)


@pytest.mark.parametrize("lang", LANGS)
def test_network_file_and_the_build_report(lang, tmp_path):
    net = net_of([(0, 0), (1_000, 0), (5_000, 0), (6_000, 0)], [(0, 1), (2, 3), (1, 2)],
                 oneway=(2,))  # fmt: skip
    text = describe_dropped(net.meta["dropped"], lang)
    assert speaks(text, lang) == [], text
    assert i18n.format_number(5.0, lang, 1) + " km" in text.replace("км", "km")  # dropped
    assert describe_dropped({}, lang) == i18n.t("out.network.dropped_none", lang)
    path = save_network(net, tmp_path / "n.npz")
    with np.load(path) as z:
        arrays = dict(z)
    arrays["meta_json"] = np.array(str(arrays["meta_json"]).replace('"version": ', '"version": 9'))
    np.savez(tmp_path / "old.npz", **arrays)
    text = _error(lang, load_network, tmp_path / "old.npz")
    assert "old.npz" in text and "planner network build" in text


@pytest.mark.parametrize("lang", LANGS)
def test_site_table_errors(lang):
    sites = pd.DataFrame({"site_id": ["a", "b", "a"], "lon": [77.0, 77.1, 77.2],
                          "lat": [43.5, 43.5, 43.5]})  # fmt: skip
    text = _error(lang, check_sites_table, sites)
    assert "«a»" in text if lang != "en" else "'a'" in text
    assert "1" in text and "3" in text  # both rows
    text = _error(lang, check_sites_table, sites.iloc[:0], allow_empty=False)
    assert "--sites builtin" in text
    bad = sites.assign(site_id=["a", "b", "c"], lat=[43.5, 95.0, 43.5])
    text = _error(lang, check_sites_table, bad)
    assert "95.0" in text and "-90" in text and "2" in text
    text = _error(lang, check_sites_table, sites.drop(columns="lat"))
    assert "lat" in text and "load_sites" in text


@pytest.mark.parametrize("lang", LANGS)
def test_criteria_dates_scores_and_methods(lang, layers):
    prepared = Prepared.of(layers, "2025-06-01")
    text = _error(lang, compute_criteria, [77.0, 200.0], [43.5, 43.5], prepared,
                  index=pd.Index(["s1", "s2"]))  # fmt: skip
    assert "s2" in text and "lon=200.0" in text and "-180" in text
    text = _error(lang, parse_as_of, "01.06.2025")
    assert "01.06.2025" in text and "2030-01-01" in text
    crit = pd.DataFrame({"zone_status": ["opened"], "sez_status": ["none"]})
    text = _error(lang, score_table, crit.assign(**{c: [1.0] for c in (
        "dist_bakad_km", "dist_interchange_km", "dist_almaty_km", "dist_konaev_km",
        "dist_gate_city_km", "dist_rail_km", "dist_airport_km", "dist_zone_km",
        "dist_housing_km")}), "bakad-perimeter")
    assert "opened" in text and "operating" in text
    sc = SimpleNamespace(name="my-promethee",
                         aggregation=SimpleNamespace(method="promethee2", ideal=None))
    text = _error(lang, require_chunkable, sc, "surface")
    assert "my-promethee" in text and "promethee2" in text and "wlc" in text
    assert i18n.t("err.aggregation.job_surface", lang) in text


def test_library_errors_stay_english_by_default(layers):
    with pytest.raises(InputError, match=r"isochrone minutes 15,abc are not numbers"):
        check_breaks(["15", "abc"])
    with pytest.raises(InputError, match="not unique"):
        check_sites_table(pd.DataFrame({"site_id": ["a", "a"], "lon": [77.0, 77.0],
                                        "lat": [43.5, 43.5]}))  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
def test_a_layer_set_without_a_layer_names_it(lang, layers):
    partial = LayerSet({k: v for k, v in layers.layers.items() if k != "zones"}, {})
    text = _error(lang, Prepared.of, partial, "2025-06-01")
    assert "«zones»" in text if lang != "en" else "'zones'" in text
    assert "planner.load_layers()" in text
    with pytest.raises(LayerError, match="the layer set has no layer 'zones'"):
        Prepared.of(partial, "2025-06-01")
