"""Issue 12 item 17: messages that misled (the ZIP case is in test_hardening_readers).

* ``1e300`` / ``1e999`` were "not a number" (or accepted as 1e300 ha with a warning,
  or crashed the jobs column's integer cast): now "out of range";
* header names holding commas (``площадь, га``) were listed comma-separated: now quoted;
* NaN coordinates in a polygon raised a GEOS error: now a problem naming the feature;
* ``company_name`` was named where the results column is ``name``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from planner.errors import InputError, LayerError, MapInputError, SiteFileError
from planner.inputs.companies import read_companies
from planner.inputs.layers import builtin_geodata_dir, load_layers
from planner.inputs.sites import read_sites
from planner.render.maps import select_company


def test_huge_numbers_are_out_of_range(tmp_path):
    src = tmp_path / "c.csv"
    src.write_text("name;area_ha;sector;employees\nA;1e300;food;5\nB;1e999;food;5\n"
                   "C;5;food;1e300\nD;5;food;99999999999999999999999\nE;5;food;12\n", "utf-8")
    table = read_companies(src)  # used to raise TypeError (Int64 cast of 1e300)
    assert table.valid["name"].tolist() == ["E"]
    reasons = dict(zip(table.rejects["row"], table.rejects["reason"], strict=True))
    assert "'1e300' is out of range" in reasons[2]
    assert "'1e999' is a number, but out of range" in reasons[3]
    assert "not a number" not in " ".join(reasons.values())
    assert "out of range" in reasons[4] and "out of range" in reasons[5]


def test_aliases_with_commas_are_quoted(tmp_path):
    src = tmp_path / "c.csv"
    src.write_text("name;sector\nA;food\n", "utf-8")
    with pytest.raises(InputError) as err:
        read_companies(src)
    assert "'площадь, га'" in str(err.value)


def test_nan_polygon_coordinates_name_the_feature(tmp_path):
    poly = [[76.9, 43.4], [float("nan"), 43.4], [76.91, 43.41], [76.9, 43.4]]
    feats = [
        {"type": "Feature", "properties": {"id": "a"},
         "geometry": {"type": "Point", "coordinates": [76.9, 43.4]}},
        {"type": "Feature", "properties": {"id": "b"},
         "geometry": {"type": "Polygon", "coordinates": [poly]}},
    ]
    src = tmp_path / "s.geojson"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), "utf-8")
    with pytest.raises(SiteFileError, match=r"feature 2 \(site 'b'\): coordinates are not numbers"):
        read_sites(src)
    layers = tmp_path / "layers"
    layers.mkdir()
    for p in Path(builtin_geodata_dir()).glob("*.geojson"):
        shutil.copy(p, layers / p.name)
    zones = json.loads((layers / "zones.geojson").read_text("utf-8"))
    zones["features"][0]["geometry"] = {"type": "Polygon", "coordinates": [poly]}
    (layers / "zones.geojson").write_text(json.dumps(zones), "utf-8")
    with pytest.raises(LayerError) as err:
        load_layers(layers)
    assert "feature 1" in str(err.value) and "not numbers" in str(err.value)


def test_unknown_company_names_the_users_column():
    results = pd.DataFrame({"company_name": ["Alpha"], "rank": [1]})
    results.attrs["company_column"] = "name"
    with pytest.raises(MapInputError, match="as in column `name`"):
        select_company(results, "Beta")
    with pytest.raises(MapInputError, match="as in column `company_name`"):
        select_company(pd.DataFrame({"company_name": ["Alpha"], "rank": [1]}), "Beta")
