"""The packed site layer of maps (planner.render.map_pack): same table back, fewer bytes.

The page's decoder (static/planner.js) is checked against this in a real browser in
tests/test_browser_layout.py; here the Python decoder, the rounding and the size.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from _browser import HOSTILE, synthetic_scored

from planner.render import map_data, map_pack


def frame(df) -> pd.DataFrame:
    return pd.DataFrame(df.drop(columns=df.geometry.name)) if hasattr(df, "geometry") else df


def roundtrip(df, lang="ru", why_rows=None) -> tuple[dict, dict, dict]:
    cols = map_pack.site_columns(df, lang, why_rows)
    packed = map_pack.packed_table(cols)
    return map_pack.plain_table(cols), map_pack.unpack_table(packed), packed


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_unpacked_table_is_the_plain_table(lang):
    df = frame(synthetic_scored(500, seed=3, hostile=True))
    plain, back, packed = roundtrip(df, lang)
    assert back == plain
    assert set(HOSTILE[:3]) <= set(back["name"])  # user text survives, unescaped, as data
    assert packed["packed"] == 1 and packed["n"] == 500
    # the payload is plain base64: nothing a script element or Jinja could trip over
    assert set(packed["b64"]) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
    )


def test_rounding_is_the_plain_tables():
    df = frame(synthetic_scored(300, seed=8))
    plain, back, _ = roundtrip(df)
    assert back["lon"] == np.round(df["lon"].to_numpy(), 5).tolist()
    assert back["score"] == np.round(df["score"].to_numpy(), 1).tolist()
    assert back["pts"][0] == np.round(df[f"c_{back['crit'][0]}"].to_numpy(), 1).tolist()
    want = [None if pd.isna(r) else int(r) for r in df["rank"]]
    assert back["rank"] == want


def test_missing_infinite_and_huge_values():
    df = frame(synthetic_scored(60, seed=2))
    df.loc[df.index[:4], "score"] = np.nan
    df.loc[df.index[4:8], "dist_bakad_km"] = np.inf
    df.loc[df.index[8], "dist_almaty_km"] = 4.0e12  # a span beyond 32 bits: kept as JSON
    df.loc[df.index[9:12], "zone_id"] = None
    df["rank"] = df["rank"].astype("float64")
    df.loc[df.index[12], "rank"] = np.nan
    plain, back, _ = roundtrip(df)
    assert back == plain
    assert back["score"][:4] == [None] * 4
    j = back["crit"].index("bakad")
    assert back["raw"][j][4:8] == [None] * 4
    assert back["raw"][back["crit"].index("almaty")][8] == 4.0e12
    assert back["zone"]["v"][back["zone"]["c"][9]] == ""


def test_empty_and_one_row_tables():
    df = frame(synthetic_scored(5, seed=1))
    for part in (df.iloc[:0], df.iloc[:1]):
        plain, back, _ = roundtrip(part)
        assert back == plain


def test_mixed_type_categories_keep_their_text():
    df = frame(synthetic_scored(6, seed=4))
    df["zone_id"] = pd.Series([1, "1", None, "a", 1.5, "a"], dtype=object)
    plain, back, _ = roundtrip(df)
    zone = back["zone"]
    assert [zone["v"][c] for c in zone["c"]] == ["1", "1", "", "a", "1.5", "a"]
    assert back == plain


def test_why_only_for_the_rows_asked():
    df = frame(synthetic_scored(100, seed=6))
    rows = np.array([0, 5, 99])
    _, back, _ = roundtrip(df, why_rows=rows)
    assert sorted(back["why"], key=int) == ["0", "5", "99"]


def test_packed_is_a_fraction_of_the_json():
    df = frame(synthetic_scored(20_000, seed=9))
    cols = map_pack.site_columns(df, "ru", np.arange(map_data.WHY_MAX_SITES))
    plain = len(map_data.json_for_script(map_pack.plain_table(cols)))
    packed = len(map_data.json_for_script(map_pack.packed_table(cols)))
    assert packed < 0.4 * plain, (packed, plain)
    assert json.loads(map_data.json_for_script(map_pack.packed_table(cols)))["n"] == 20_000
