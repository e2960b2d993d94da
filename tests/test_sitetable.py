"""One sites-table check (planner.core.sitetable) for every stage that takes a sites table.

Local scoring, the engine front door, the batch job and comparisons accept and refuse a
table the same way, with the same message.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _criteria import point_sites

from planner.core.sitetable import SITE_COLUMNS, check_sites_table
from planner.errors import CompareError, InputError
from planner.inputs.companies import example_path, read_companies
from planner.jobs.batch import score_companies
from planner.jobs.compare import known_sites
from planner.jobs.dask_engine import score_sites_engine
from planner.jobs.score_sites import score_sites

AS_OF = "2025-06-01"


def _sites():
    return point_sites(["a", "b", "c"], [77.0, 77.05, 77.1], [43.4, 43.45, 43.5])


def _with(col: str, row: int, value):
    def edit(s):
        s = s.copy()
        s.loc[row, col] = value
        return s

    return edit


BAD_TABLES = {
    "no lat column": (
        lambda s: s.drop(columns="lat"),
        r"sites table has no column\(s\) lat; load the sites with planner.inputs.sites",
    ),
    "lat beyond 90": (
        _with("lat", 1, 95.0),
        r"1 site\(s\) have no valid lon/lat, e.g. row 2 site_id 'b' \(lon=77.05, lat=95.0\)",
    ),
    "missing lon": (
        _with("lon", 2, np.nan),
        r"1 site\(s\) have no valid lon/lat, e.g. row 3 site_id 'c'",
    ),
    "repeated id": (
        _with("site_id", 2, "a"),
        r"site_id 'a' is not unique \(rows 1 and 3\); ranks and results are keyed by site_id",
    ),
}


@pytest.fixture(scope="module")
def companies():
    return read_companies(example_path()).valid.head(3)


def _stages(layers, companies):
    return {
        "score_sites": lambda s: score_sites(s, layers, as_of=AS_OF, why=False),
        "engine": lambda s: score_sites_engine(s, layers, as_of=AS_OF),
        "batch": lambda s: score_companies(companies, s, layers, as_of=AS_OF, why=False),
        "compare": lambda s: known_sites(layers, s),
    }


@pytest.mark.parametrize("case", list(BAD_TABLES))
def test_every_stage_refuses_a_bad_table_alike(layers, companies, case):
    edit, message = BAD_TABLES[case]
    bad = edit(_sites())
    with pytest.raises(InputError, match=message):
        check_sites_table(bad)
    for name, stage in _stages(layers, companies).items():
        with pytest.raises(InputError, match=message) as info:
            stage(bad)
        assert isinstance(info.value, CompareError) == (name == "compare"), name


def test_every_stage_accepts_a_good_table(layers, companies):
    good = _sites()
    assert check_sites_table(good) is good
    scored = _stages(layers, companies)["score_sites"](good)
    assert scored["site_id"].tolist() == ["a", "b", "c"]
    assert len(_stages(layers, companies)["compare"](good)) > 3  # the user's and the built-in


def test_what_a_stage_needs_is_a_parameter():
    plain = pd.DataFrame({"site_id": ["a"], "lon": [77.0], "lat": [43.4]})
    assert check_sites_table(plain) is plain  # scoring needs only ids and coordinates
    with pytest.raises(InputError, match=r"no column\(s\) name, area_ha, free_ha"):
        check_sites_table(plain, SITE_COLUMNS[:-1])
    with pytest.raises(InputError, match="the sites table has no sites"):
        check_sites_table(plain.iloc[:0], allow_empty=False)
    assert len(check_sites_table(plain.iloc[:0])) == 0
    with pytest.raises(TypeError, match="not list"):
        check_sites_table([("a", 77.0, 43.4)])
    many = pd.DataFrame({"site_id": ["x", "y", "x", "x"], "lon": 77.0, "lat": 43.4})
    with pytest.raises(InputError, match=r"rows 1 and 3 and 1 more"):
        check_sites_table(many)
