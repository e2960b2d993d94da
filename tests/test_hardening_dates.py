"""Issue 12 item 10: a scoring date at which no zone exists yet scores correctly.

Before the fix every command died with ``IndexError`` in ``criteria._factorize_words``
(a membership matrix with zero columns): score, score-sites, compare and map.
"""

from __future__ import annotations

import numpy as np

from planner.core.criteria import _factorize_words

EARLY = "2000-01-01"  # before any built-in zone was founded


def test_factorize_words_without_features():
    codes, rows = _factorize_words(np.zeros((5, 0), dtype=np.uint64))
    assert codes.tolist() == [0] * 5 and rows.shape == (1, 0)
    codes, rows = _factorize_words(np.zeros((0, 2), dtype=np.uint64))
    assert codes.shape == (0,) and rows.shape == (0, 2)
    words = np.array([[1, 0], [2, 0], [1, 0]], dtype=np.uint64)
    codes, rows = _factorize_words(words)
    assert codes.tolist() == [0, 1, 0] and rows.tolist() == [[1, 0], [2, 0]]


def test_score_before_any_zone(cli, tmp_path):
    src = tmp_path / "c.csv"
    src.write_text("name;area_ha;sector\nAlpha;5;building_materials\n", encoding="utf-8")
    res = cli("score", src, "-o", tmp_path / "r.csv", "--as-of", EARLY, "--top", "3")
    assert res.exit_code == 0, res.output
    text = (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert "Alpha" in text and "inf" in text  # no zone operating: dist_zone_km is inf
    # the results read back into a map (inf distances used to be "not a number")
    res = cli("map", "-o", tmp_path / "m.html", "--results", tmp_path / "r.csv",
              "--company", "Alpha", "--as-of", EARLY)
    assert res.exit_code == 0, res.output
    # item 17: an unknown company names the results' own column (`name`, not company_name)
    res = cli("map", "-o", tmp_path / "m2.html", "--results", tmp_path / "r.csv",
              "--company", "Nobody", "--as-of", EARLY, "--lang", "en")
    assert res.exit_code == 1 and "as in column `name`" in res.output, res.output


def test_score_sites_before_any_zone(cli, tmp_path):
    out = tmp_path / "s.csv"
    res = cli("score-sites", "builtin", "-o", out, "--as-of", EARLY, "--no-why")
    assert res.exit_code == 0, res.output
    assert out.exists() and "IndexError" not in res.output


def test_compare_before_any_zone(cli):
    res = cli("compare", "iz-kairat", "sez-pit", "--as-of", EARLY, "--draws", "50",
              "--lang", "en")
    assert res.exit_code == 0, res.output
    assert "IndexError" not in res.output


def test_map_before_any_zone(cli, tmp_path):
    out = tmp_path / "m.html"
    res = cli("map", "-o", out, "--as-of", EARLY)
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 1000
