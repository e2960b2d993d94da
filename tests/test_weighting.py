"""Scenarios with pairwise weights, point tables and an aggregation method."""

from __future__ import annotations

import copy
import tomllib

import numpy as np
import pandas as pd
import pytest

from planner.config.scenarios import list_scenarios, load_scenario, scenario_from_dict
from planner.core import points
from planner.core.scoring import score_table
from planner.errors import ScenarioError

BASE = """
[criteria.interchange]
weight = 3
transform = "points"
max_points = 10
classes = [
  { from_km = 0, to_km = 3, points = 10 },
  { from_km = 3, to_km = 8, points = 6 },
  { from_km = 8, to_km = 15, points = 3 },
  { from_km = 15, points = 0 },
]
[criteria.zone]
weight = 2
transform = "categorical"
values = { operating = 1, under_construction = 0.7, planned = 0.4, none = 0 }
[criteria.almaty]
weight = 1
transform = "linear"
full_at_km = 20
zero_at_km = 60
"""


def _sc(extra: str = "", base: str = BASE, **replace):
    text = base + extra
    for a, b in replace.items():
        text = text.replace(a.replace("__", " "), b)
    return scenario_from_dict(tomllib.loads(text), "test.toml")


def _table(classes: str, extra: str = "", key: str = "interchange") -> str:
    return f'[criteria.{key}]\nweight = 1\ntransform = "points"\n{extra}\nclasses = [{classes}]\n'


# --------------------------------------------------------------------------- point tables


def test_point_table_utilities_and_breaks():
    sc = _sc()
    t = sc.criteria["interchange"]
    d = np.array([0.0, 2.9, 3.0, 3.0001, 8.0, 14.9, 15.0, 40.0, np.nan])
    # a class holds from < d <= to: 3 km exactly is still "0-3 km"
    assert points.utility_from_distance(t, d).tolist() == [1, 1, 1, 0.6, 0.6, 0.3, 0.3, 0, 0]
    assert points.reason_texts(t, d, "ru").tolist()[:4] == [
        "0-3 км: 10 из 10", "0-3 км: 10 из 10", "0-3 км: 10 из 10", "3-8 км: 6 из 10",
    ]  # fmt: skip
    assert points.reason_texts(t, np.array([5.0]), "en")[0] == "3-8 km: 6 of 10"
    assert points.reason_texts(t, np.array([5.0]), "kk")[0] == "3-8 км: 10 балдан 6"
    assert points.reason_texts(t, np.array([99.0]), "ru")[0] == "15 км и далее: 0 из 10"
    assert points.reason_texts(t, np.array([np.nan]), "en")[0] == "—"


@pytest.mark.parametrize(
    ("classes", "match"),
    [
        (
            "{ from_km = 0, to_km = 3, points = 10 }, { from_km = 4, to_km = 8, points = 6 },"
            "{ from_km = 8, points = 0 }",
            r"row 2 \(4-8 km\): starts at 4 km but row 1 ends at 3 km: a gap \(3-4 km would get "
            r"no points\); start row 2 at 3 km",
        ),
        (
            "{ from_km = 0, to_km = 3, points = 10 }, { from_km = 2, to_km = 8, points = 6 },"
            "{ from_km = 8, points = 0 }",
            r"row 2 \(2-8 km\): starts at 2 km but row 1 ends at 3 km: the rows overlap "
            r"\(2-3 km is in both\); start row 2 at 3 km",
        ),
        (
            "{ from_km = 1, to_km = 3, points = 10 }, { from_km = 3, points = 0 }",
            r"row 1 \(1-3 km\): the first class starts at 1 km.*start it at 0",
        ),
        (
            "{ from_km = 0, to_km = 3, points = 10 }, { from_km = 3, to_km = 50, points = 1 }",
            r"row 2 \(3-50 km\): the last class ends at 50 km.*drop its `to_km`",
        ),
        (
            "{ from_km = 0, to_km = 3, points = 10 }, { from_km = 8, to_km = 3, points = 1 },"
            "{ from_km = 3, points = 0 }",
            r"row 2 \(8-3 km\): ends at 3 km, not after its start 8 km",
        ),
        (
            "{ from_km = 0, to_km = 3, points = 10 }, { from_min = 3, points = 1 }",
            r"row 2 \(from 3 min\): mixes units \(min here, km in row 1\)",
        ),
        (
            "{ from_min = 0, to_min = 10, points = 10 }, { from_min = 10, points = 1 }",
            r"minute classes need `speed_kmh`",
        ),
        (
            "{ from_km = 0, to_km = 3, points = 11 }, { from_km = 3, points = 0 }",
            r"row 1 \(0-3 km\): 11 points is more than max_points 10",
        ),
    ],
)
def test_point_table_mistakes_name_the_row(classes, match):
    text = _table(classes, "max_points = 10")
    with pytest.raises(ScenarioError, match=match):
        scenario_from_dict(tomllib.loads(text), "t.toml")


def test_point_table_minutes_and_categories():
    text = _table(
        "{ from_min = 0, to_min = 15, points = 10 }, { from_min = 15, points = 2 }",
        "speed_kmh = 40",
    ) + _table(
        '{ category = "operating", points = 8 }, { category = "under_construction", points = 5 },'
        '{ category = "planned", points = 2 }, { category = "none", points = 0 }',
        "sez_bonus_points = 2\nmax_points = 10", key="zone",
    )  # fmt: skip
    sc = scenario_from_dict(tomllib.loads(text), "t.toml")
    t = sc.criteria["interchange"]
    # 15 min at 40 km/h = 10 km
    assert points.utility_from_distance(t, np.array([9.99, 10.0, 10.01])).tolist() == [1, 1, 0.2]
    assert points.reason_texts(t, np.array([4.0]), "ru")[0] == "0-15 мин: 10 из 10"
    z = sc.criteria["zone"]
    u = points.utility_from_status(z, np.array([0, 1, 2, 3, 0]), np.array([0, 0, 0, 0, 1], bool))
    assert u.tolist() == [0.8, 0.5, 0.2, 0.0, 1.0]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            _table('{ category = "operating", points = 8 }, { category = "none", points = 0 }',
                   key="zone"),
            r"no row for status under_construction, planned",
        ),
        (
            _table('{ category = "operating", points = 8 }, { category = "operating", points = 1 },'
                   '{ category = "planned", points = 8 }, { category = "none", points = 0 },'
                   '{ category = "under_construction", points = 0 }', key="zone"),
            r'row 2 \(operating\): status "operating" already has points in row 1' ,
        ),
        (
            _table("{ from_km = 0, to_km = 3, points = 10 }, { from_km = 3, points = 0 }",
                   key="zone"),
            r"the zone criterion is a status, not a distance",
        ),
        (
            _table("{ from_km = 0, to_km = 3, points = 10 }, { from_km = 3, points = 0 }",
                   "inside_points = 0"),
            r"only the `almaty` criterion has points for sites inside",
        ),
    ],
)  # fmt: skip
def test_point_table_unit_and_category_rules(text, match):
    with pytest.raises(ScenarioError, match=match):
        scenario_from_dict(tomllib.loads(text), "t.toml")


# --------------------------------------------------------------------------- pairwise


PAIRS = """
[weights.pairwise.judgements]
interchange = { zone = 3, almaty = 5 }
zone = { almaty = 2 }
"""


def test_pairwise_judgements_set_the_weights():
    text = BASE.replace("weight = 3\n", "").replace("weight = 2\n", "").replace("weight = 1\n", "")
    sc = _sc(PAIRS, base=text)
    assert sc.pairwise is not None and sc.pairwise.pooled.cr < 0.01
    w = sc.weights
    assert w["interchange"] > w["zone"] > w["almaty"]
    assert sum(w.values()) == pytest.approx(1.0)
    # the same as the full matrix form, and as the weights written out
    sc2 = _sc(
        '[weights.pairwise]\ncriteria = ["interchange", "zone", "almaty"]\n'
        'matrix = [[1, 3, 5], ["1/3", 1, 2], ["1/5", "1/2", 1]]\n', base=text,
    )  # fmt: skip
    assert sc2.hash == sc.hash
    written = BASE
    for old, key in zip(("weight = 3", "weight = 2", "weight = 1"), w, strict=True):
        written = written.replace(old, f"weight = {w[key]:.6f}")
    assert _sc(PAIRS, base=written).hash == sc.hash


def test_pairwise_weight_edited_by_hand_is_refused():
    with pytest.raises(ScenarioError, match=r"`criteria.interchange.weight` = 3 .* the pairwise "
                       r"matrix gives 0\.6483"):
        _sc(PAIRS)


def test_pairwise_missing_pair_and_inconsistency_are_named():
    text = BASE.replace("weight = 3\n", "").replace("weight = 2\n", "").replace("weight = 1\n", "")
    msg = r'no judgement of "zone" against "almaty"; add `zone = \{ almaty'
    with pytest.raises(ScenarioError, match=msg):
        _sc(PAIRS.replace("zone = { almaty = 2 }", ""), base=text)
    bad = PAIRS.replace("almaty = 5", 'almaty = "1/2"').replace("almaty = 2 }", "almaty = 7 }")
    with pytest.raises(ScenarioError, match=r"CR = 1\.520 > 0\.10.*Most inconsistent judgements.*"
                       r"change it to: .*Changing .* gives CR 0\.0"):
        _sc(bad, base=text)


def test_experts_pooled_by_geometric_mean():
    text = BASE.replace("weight = 3\n", "").replace("weight = 2\n", "").replace("weight = 1\n", "")
    experts = """
[[weights.pairwise.experts]]
name = "A"
judgements = { interchange = { zone = 2, almaty = 4 }, zone = { almaty = 2 } }
[[weights.pairwise.experts]]
name = "B"
judgements = { interchange = { zone = 8, almaty = 8 }, zone = { almaty = 1 } }
"""
    sc = _sc(experts, base=text)
    pooled = sc.pairwise.pooled.matrix
    assert pooled[0, 1] == pytest.approx(4.0)  # sqrt(2 * 8)
    assert pooled[1, 2] == pytest.approx(2**0.5)  # sqrt(2 * 1)
    assert [e.name for e in sc.pairwise.experts] == ["A", "B"]


# --------------------------------------------------------------------------- aggregation


def test_builtin_scenarios_keep_their_hash_and_wlc():
    assert {s.name: s.hash for s in list_scenarios()} == {
        "bakad-perimeter": "cb52f3e1b518",
        "bakad-perimeter-time": "fa73267e455f",
        "export-logistics": "70ccb2047164",
        "konaev-countermagnet": "88ec7fc47d88",
    }
    assert all(s.method == "wlc" for s in list_scenarios())


def test_method_enters_the_hash_only_when_not_wlc():
    sc = _sc()
    assert _sc('method = "wlc"\n' + BASE, base="").hash == sc.hash
    top = _sc('method = "topsis"\n' + BASE, base="")
    assert top.hash != sc.hash and top.aggregation.ideal == "feasible"
    pro = _sc('method = "promethee2"\n' + BASE, base="")
    agg = pro.aggregation
    assert (agg.preference, agg.q, agg.p) == ("linear", 0.02, 0.2)
    assert len({top.hash, pro.hash, sc.hash}) == 3


@pytest.mark.parametrize(
    ("head", "match"),
    [
        ('method = "topsis"\n[aggregation]\nq = 0.1\n', r"`q` applies to method promethee2"),
        ('method = "promethee2"\n[aggregation]\npreference = "linear"\nq = 0.1\n',
         r'preference "linear" needs `p`' ),
        ('method = "promethee2"\n[aggregation]\npreference = "linear"\nq = 0.3\np = 0.2\n',
         r"q = 0.3 must be below p = 0.2"),
        ('method = "electre"\n', r"method"),
    ],
)  # fmt: skip
def test_aggregation_parameters_are_checked(head, match):
    with pytest.raises(ScenarioError, match=match):
        _sc(head + BASE, base="")


def test_score_table_exclusions_before_the_method():
    """An excluded site with extreme utilities must not move the others' TOPSIS scores."""
    sc = load_scenario("bakad-perimeter")
    top = scenario_from_dict({**_raw("bakad-perimeter"), "method": "topsis"}, "t")
    rng = np.random.default_rng(0)
    n = 50
    crit = pd.DataFrame({
        "dist_bakad_km": rng.uniform(0, 30, n), "dist_interchange_km": rng.uniform(0, 30, n),
        "dist_almaty_km": rng.uniform(5, 100, n), "in_almaty": rng.random(n) < 0.2,
        "dist_konaev_km": rng.uniform(0, 90, n), "dist_gate_city_km": rng.uniform(0, 60, n),
        "zone_status": rng.choice(["operating", "planned", "none"], n),
        "sez_status": rng.choice(["operating", "none"], n),
        "dist_zone_km": rng.uniform(0, 20, n), "dist_rail_km": rng.uniform(0, 20, n),
        "dist_highway_km": rng.uniform(0, 20, n), "excluded": np.zeros(n, bool),
    })  # fmt: skip
    base = score_table(crit.iloc[:-1], top)
    crit.loc[n - 1, ["dist_interchange_km", "dist_bakad_km", "dist_gate_city_km"]] = 0.0
    crit.loc[n - 1, "excluded"] = True
    with_excluded = score_table(crit, top)
    np.testing.assert_array_equal(with_excluded["score"].to_numpy()[:-1], base["score"].to_numpy())
    assert with_excluded["score"].iloc[-1] == 0 and pd.isna(with_excluded["rank"].iloc[-1])
    # the weighted sum stays available beside the method's score
    wlc = score_table(crit, sc)
    np.testing.assert_array_equal(with_excluded["score_wlc"].to_numpy(), wlc["score"].to_numpy())
    assert "score_wlc" not in wlc


def _raw(name: str) -> dict:
    from importlib import resources

    text = resources.files("planner.config").joinpath(f"data/scenarios/{name}.toml").read_text()
    return copy.deepcopy(tomllib.loads(text))
