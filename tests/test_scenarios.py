"""Scenarios: built-in TOML files, strict validation, normalised weights and the hash."""

from __future__ import annotations

import dataclasses
import math
import re
from importlib import resources

import pytest

from planner import ScenarioError
from planner.config.scenarios import (
    CRITERIA,
    DEFAULT_SCENARIO,
    Categorical,
    list_scenarios,
    load_scenario,
    scenario_from_dict,
)

BUILTIN = (
    "bakad-perimeter", "bakad-perimeter-time", "konaev-countermagnet", "export-logistics",
)

MINIMAL = """
name = "mine"
[criteria.bakad]
weight = 2
transform = "linear"
full_at_km = 2
zero_at_km = 15
[criteria.zone]
weight = 1
transform = "categorical"
values = { operating = 1.0, under_construction = 0.7, planned = 0.4, none = 0.0 }
"""


def _write(tmp_path, text, name="s.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_scenarios_load_with_titles_and_normalised_weights():
    scenarios = list_scenarios()
    assert [s.name for s in scenarios][0] == DEFAULT_SCENARIO
    assert sorted(s.name for s in scenarios) == sorted(BUILTIN)
    for sc in scenarios:
        assert sc.title_en and sc.title_ru and sc.description.strip()
        assert re.search("[а-яА-Я]", sc.title_ru)
        assert re.fullmatch(r"[0-9a-f]{12}", sc.hash)
        assert math.isclose(sum(sc.weights.values()), 1.0, abs_tol=1e-9)
        assert set(sc.weights) <= set(CRITERIA)
        assert isinstance(sc.criteria["zone"], Categorical)
        assert sc.needs.rail_max_km > 0 and sc.needs["rail_max_km"] == sc.needs.rail_max_km
    assert len({s.hash for s in scenarios}) == len(scenarios)


def test_builtin_files_explain_their_numbers_in_comments():
    folder = resources.files("planner").joinpath("config", "data", "scenarios")
    for name in BUILTIN:
        text = folder.joinpath(f"{name}.toml").read_text(encoding="utf-8")
        comments = [ln for ln in text.splitlines() if ln.strip().startswith("#")]
        assert len(comments) >= 8, f"{name}.toml should explain its numbers"


def test_default_scenario_follows_the_2022_policy():
    sc = load_scenario()
    w = sc.weights
    assert sc.name == "bakad-perimeter"
    assert w["interchange"] == max(w.values())  # BAKAD interchanges first
    assert sc.criteria["almaty"].inside_value == 0.0  # not inside the big city
    zone = sc.criteria["zone"]
    assert zone.values.operating > zone.values.under_construction > zone.values.planned > 0
    assert zone.sez_bonus > 0
    assert w["konaev"] > 0 and w["gate_city"] > 0


def test_load_by_path_and_default_name_from_the_file(tmp_path):
    sc = load_scenario(_write(tmp_path, MINIMAL.replace('name = "mine"\n', ""), "my-plan.toml"))
    assert sc.name == "my-plan"
    assert sc.weights == {"bakad": pytest.approx(2 / 3), "zone": pytest.approx(1 / 3)}
    assert load_scenario(sc) is sc


def test_hash_ignores_scale_and_titles_but_not_parameters(tmp_path):
    base = load_scenario(_write(tmp_path, MINIMAL, "a.toml"))
    doubled = load_scenario(
        _write(
            tmp_path,
            MINIMAL.replace("weight = 2", "weight = 4").replace("weight = 1", "weight = 2"),
            "b.toml",
        )
    )
    titled = load_scenario(_write(tmp_path, 'title_en = "Other"\n' + MINIMAL, "c.toml"))
    changed = load_scenario(
        _write(tmp_path, MINIMAL.replace("zero_at_km = 15", "zero_at_km = 16"), "d.toml")
    )
    assert base.hash == doubled.hash == titled.hash
    assert changed.hash != base.hash


def test_with_weights_renormalises_and_changes_the_hash():
    sc = load_scenario("bakad-perimeter")
    only = sc.with_weights({k: (1 if k == "rail" else 0) for k in sc.criteria})
    assert only.weights["rail"] == 1.0 and sum(only.weights.values()) == 1.0
    assert only.hash != sc.hash
    with pytest.raises(ScenarioError, match='"khorgos".*no such criterion'):
        sc.with_weights({"khorgos": 1})
    with pytest.raises(ScenarioError, match="all weights are 0"):
        sc.with_weights({k: 0 for k in sc.criteria})


def test_scenario_is_immutable():
    sc = load_scenario()
    with pytest.raises(dataclasses.FrozenInstanceError):
        sc.name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        sc.weights["bakad"] = 1.0  # type: ignore[index]


def test_unknown_scenario_names_the_choices():
    with pytest.raises(ScenarioError, match='"nope".*bakad-perimeter.*export-logistics'):
        load_scenario("nope")


BAD = [
    (
        '[criteria.bakad]\nweight = 1\ntransform = "linear"\nfull_at_km = 2\nzero_at_km = 2\n',
        r"`criteria\.bakad`: `full_at_km` and `zero_at_km` are both 2",
    ),
    (
        '[criteria.bakad]\nweight = -1\ntransform = "linear"\nfull_at_km = 2\nzero_at_km = 5\n',
        r'`criteria\.bakad\.weight`: "-1" is below 0; give a number of at least 0' ,
    ),
    (
        '[criteria.bakad]\nweight = "5"\ntransform = "linear"\nfull_at_km = 2\nzero_at_km = 5\n',
        r'`criteria\.bakad\.weight`: "5" is not a number' ,
    ),
    (
        '[criteria.bakad]\nweight = 0\ntransform = "linear"\nfull_at_km = 2\nzero_at_km = 5\n',
        r"all weights are 0",
    ),
    (
        '[criteria.bakad]\nweight = 1\ntransform = "sigmoid"\nfull_at_km = 2\n',
        r'`criteria\.bakad`: unknown transform "sigmoid"' ,
    ),
    ("[criteria.bakad]\nweight = 1\nfull_at_km = 2\n", r"`criteria\.bakad`.*no `transform`"),
    (
        '[criteria.bakad]\nweight = 1\ntransform = "linear"\nfull_at_km = 2\n',
        r"`criteria\.bakad\.zero_at_km`.*missing",
    ),
    (
        '[criteria.bakad]\nweight = 1\ntransform = "linear"\nfull_at_km = 2\nzero_at_km = 5\n'
        "colour = 1\n",
        r"`criteria\.bakad\.colour`: unknown key",
    ),
    (
        '[criteria.moon]\nweight = 1\ntransform = "linear"\nfull_at_km = 2\nzero_at_km = 5\n',
        r'`criteria\.moon`: unknown criterion "moon"' ,
    ),
    (
        '[criteria.bakad]\nweight = 1\ntransform = "exponential"\nhalf_km = 0\n',
        r"`criteria\.bakad\.half_km`.*greater than 0",
    ),
    (
        '[criteria.almaty]\nweight = 1\ntransform = "band"\nzero_below_km = 5\nfull_from_km = 3\n'
        "full_to_km = 9\nzero_above_km = 10\n",
        r"`criteria\.almaty`: the four distances .* need zero_below_km < full_from_km",
    ),
    (
        '[criteria.bakad]\nweight = 1\ntransform = "band"\nzero_below_km = 1\nfull_from_km = 3\n'
        "full_to_km = 9\nzero_above_km = 10\ninside_value = 0\n",
        r"`criteria\.bakad\.inside_value`",
    ),
    (
        '[criteria.zone]\nweight = 1\ntransform = "linear"\nfull_at_km = 2\nzero_at_km = 5\n',
        r"`criteria\.zone\.transform`.*categorical",
    ),
    (
        '[criteria.rail]\nweight = 1\ntransform = "categorical"\n'
        "values = { operating = 1, under_construction = 1, planned = 1, none = 0 }\n",
        r"`criteria\.rail\.transform`: categorical only applies to `zone`",
    ),
    (
        '[criteria.zone]\nweight = 1\ntransform = "categorical"\nvalues = { operating = 1.5 }\n',
        r'`criteria\.zone\.values\.operating`: "1\.5" is above 1.*'
        r"`criteria\.zone\.values\.under_construction`.*missing",
    ),
    (
        "wat = 1\n[criteria]\n",
        r"2 problems: `criteria`: .*at least one \[criteria\.<name>\].*`wat`: unknown key",
    ),
    (
        '[criteria.bakad]\nweight = 1\ntransform = "exponential"\nhalf_km = 3\n'
        "[needs]\nrail_km = 3\n",
        r"`needs\.rail_km`: unknown key",
    ),
    (
        'name = "Bad Name!"\n[criteria.bakad]\nweight = 1\ntransform = "exponential"\n'
        "half_km = 3\n",
        r"`name`.*pattern",
    ),
    ("[criteria.bakad\nweight = 1\n", r"not valid TOML"),
]


@pytest.mark.parametrize(("text", "match"), BAD)
def test_bad_scenario_files_name_the_file_and_key(tmp_path, text, match):
    path = _write(tmp_path, text, "bad.toml")
    with pytest.raises(ScenarioError, match=match) as info:
        load_scenario(path)
    assert str(path) in str(info.value)


def test_non_utf8_scenario_file(tmp_path):
    path = tmp_path / "cp.toml"
    path.write_bytes('title_ru = "Сценарий"\n'.encode("cp1251"))
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(path)


def test_scenario_from_dict_matches_file_loading(tmp_path):
    import tomllib

    data = tomllib.loads(MINIMAL)
    assert scenario_from_dict(data).hash == load_scenario(_write(tmp_path, MINIMAL)).hash


def test_cli_scenarios_list_and_show(cli):
    res = cli("scenarios", "list")
    assert res.exit_code == 0, res.output
    for sc in list_scenarios():
        assert sc.name[:12] in res.output and sc.hash in res.output
    res = cli("scenarios", "show", "export-logistics")
    assert res.exit_code == 0, res.output
    sc = load_scenario("export-logistics")
    assert sc.hash in res.output
    for key in sc.criteria:
        assert key in res.output
    assert "band" in res.output and "rail_max_km=2" in res.output
    assert "min_housing_km=0.5" in res.output and "allow_in_almaty" not in res.output
    res = cli("scenarios", "show", "konaev-countermagnet")
    assert "allow_in_almaty=false" in res.output


def test_cli_scenarios_show_bad_file(cli, tmp_path):
    path = _write(tmp_path, BAD[1][0], "bad.toml")
    res = cli("scenarios", "show", str(path))
    assert res.exit_code == 1
    assert "criteria.bakad.weight" in res.output and "Traceback" not in res.output
