"""Issue 12 item 15: a parcel's stated area_ha replaced by its polygon's area, and an
invalid parcel repaired, are reported per site id (log, sites' attrs, manifests).

Before, both happened without a word.
"""

from __future__ import annotations

import json
import logging

from planner.inputs.sites import read_sites

# ~ 0.01 deg x 0.01 deg near 43.4 N: about 88 ha
SQUARE = [[76.90, 43.40], [76.91, 43.40], [76.91, 43.41], [76.90, 43.41], [76.90, 43.40]]
BOWTIE = [[76.95, 43.40], [76.96, 43.41], [76.96, 43.40], [76.95, 43.41], [76.95, 43.40]]


def _parcels(path, stated_square=12.0, stated_ok=None):
    feats = [
        {"type": "Feature", "properties": {"id": "p-square", "area_ha": stated_square},
         "geometry": {"type": "Polygon", "coordinates": [SQUARE]}},
        {"type": "Feature", "properties": {"id": "p-bowtie", "area_ha": None},
         "geometry": {"type": "Polygon", "coordinates": [BOWTIE]}},
        {"type": "Feature", "properties": {"id": "p-point", "area_ha": 5.0},
         "geometry": {"type": "Point", "coordinates": [76.93, 43.42]}},
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), "utf-8")
    return path


def test_replaced_area_and_repair_are_reported_per_site(tmp_path, caplog):
    src = _parcels(tmp_path / "p.geojson")
    with caplog.at_level(logging.WARNING, logger="planner.inputs.sites"):
        gdf = read_sites(src)
    notes = gdf.attrs["site_notes"]
    square = gdf.set_index("site_id").loc["p-square", "area_ha"]
    assert 80 < square < 95
    replaced = [n for n in notes if "stated area_ha 12.00 replaced" in n]
    assert len(replaced) == 1 and "'p-square'" in replaced[0] and f"{square:,.2f} ha" in replaced[0]
    repaired = [n for n in notes if "invalid polygon" in n]
    assert len(repaired) == 1 and "'p-bowtie'" in repaired[0] and "Self-intersection" in repaired[0]
    assert not any("p-point" in n for n in notes)  # a point keeps its stated area
    assert sum("p-square" in r.getMessage() for r in caplog.records) == 1


def test_matching_stated_area_is_quiet(tmp_path):
    src = _parcels(tmp_path / "p.geojson", stated_square=None)
    gdf = read_sites(src)
    area = float(gdf.set_index("site_id").loc["p-square", "area_ha"])
    src = _parcels(tmp_path / "q.geojson", stated_square=round(area, 3))
    notes = read_sites(src).attrs["site_notes"]
    assert not any("p-square" in n for n in notes)


def test_score_sites_manifest_lists_them(cli, tmp_path):
    src = _parcels(tmp_path / "p.geojson")
    out = tmp_path / "s.csv"
    res = cli("score-sites", src, "-o", out, "--as-of", "2026-01-01", "--no-why")
    assert res.exit_code == 0, res.output
    manifest = json.loads((tmp_path / "s.csv.manifest.json").read_text("utf-8"))
    text = json.dumps(manifest, ensure_ascii=False)
    assert "указанная area_ha 12,00 заменена" in text and "p-bowtie" in text  # ru default
