"""Benchmark: time and HTML size of `planner.render.maps` for 1k, 10k and 100k scored sites.

Run: ``.venv/bin/python bench/bench_map.py [--sizes 1000 10000 100000] [--browser]``

For each size it builds a synthetic scored-sites table with the contract's columns (12
criteria, distances, points, reasons; seeded), then times ``build_map`` and ``save_map``
separately (cold: a fresh map each time) and reports the file size, for the map as written
(``site_encoding="packed"``: quantised, deflated columns the page inflates) and, as the
baseline in the same run, the plain JSON columns of earlier versions (``"json"``); the
``ratio`` columns are packed / json. Self-checks: the page holds every site (payload parsed
back from the saved file, unpacked, equal to the JSON baseline's), loads nothing from the
network, and the packed 100k map meets the targets (<= 8 MB, <= 1.5 s to build and write;
the lead re-measures these on an idle machine). With ``--browser`` it also opens each file
in headless Chromium (offline) and reports the time until the map has drawn its layers.
Exit code 1 if a check fails.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

import planner
from planner.config.scenarios import CRITERIA as SCORING_CRITERIA
from planner.render import assets as _assets
from planner.render import map_pack, maps

CRITERIA = tuple(SCORING_CRITERIA)
TARGET_100K_MB = 8.0
TARGET_100K_S = 1.5
ENCODINGS = ("json", "packed")  # the baseline first


def synthetic_scored(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    """Sites around BAKAD with every contract column; points add up to the score."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(76.55, 77.45, n)
    lat = rng.uniform(43.05, 43.95, n)
    w = rng.uniform(0.5, 1.5, len(CRITERIA))
    w /= w.sum()
    u = rng.uniform(0, 1, (n, len(CRITERIA)))
    excluded = rng.uniform(0, 1, n) < 0.05
    pts = np.where(excluded[:, None], 0.0, u * w * 100)
    score = pts.sum(axis=1)
    order = np.lexsort((np.arange(n), -score))
    order = order[~excluded[order]]
    rank = np.full(n, np.nan)
    rank[order] = np.arange(1, len(order) + 1)
    cols = {
        "site_id": [f"grid-{i:07d}" for i in range(n)],
        "lon": lon,
        "lat": lat,
        "area_ha": np.full(n, 100.0),
        "free_ha": np.nan,
        "site_source": "grid",
    }
    cols["name"] = cols["site_id"]
    for key in CRITERIA:
        if key != "zone":
            cols[f"dist_{key}_km"] = rng.uniform(0, 80, n)
    zone = np.array(["", "aiz-1", "iz-kairat", "sez-alatau"], dtype=object)[rng.integers(0, 4, n)]
    cols.update(
        zone_id=zone,
        zone_status=np.where(zone == "", "none", "operating"),
        in_almaty=rng.uniform(0, 1, n) < 0.1,
        excluded=excluded,
        exclusion_reason=np.where(excluded, "water", ""),
    )
    for j, key in enumerate(CRITERIA):
        cols[f"c_{key}"] = pts[:, j]
    cols["score"] = score
    cols["rank"] = pd.array(np.where(np.isnan(rank), None, rank), dtype="Int64")
    km = cols["dist_bakad_km"]
    cols["why_ru"] = [f"{d:.1f} км до БАКАД; вне зон; 24 км от центра Алматы" for d in km]
    cols["why_en"] = [f"{d:.1f} km to BAKAD; outside zones; 24 km from Almaty centre" for d in km]
    gdf = gpd.GeoDataFrame(pd.DataFrame(cols), geometry=gpd.points_from_xy(lon, lat), crs=4326)
    gdf.attrs = {"scenario": "bench", "scenario_hash": "000000000000", "as_of": "2026-01-01"}
    return gdf


def payload_sites(page: str) -> dict | None:
    """The plain site table in a saved page (unpacked if packed)."""
    m = re.search(r"plannerMap\((map_\w+), \{[^{}]*\}, ", page)
    if not m:
        return None
    obj, _ = json.JSONDecoder().raw_decode(page, m.end())
    sites = obj["sites"]
    return map_pack.unpack_table(sites) if sites.get("packed") else sites


def browser_seconds(path: Path) -> float | None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from _browser import browser_problem, make_driver, quit_driver

    if browser_problem():
        return None
    profile = Path(tempfile.mkdtemp(prefix="bench-map-chromium-"))
    driver = make_driver(profile)
    try:
        t0 = time.perf_counter()
        driver.get(path.as_uri())
        while time.perf_counter() - t0 < 300:
            if driver.execute_script("return !!(window.plannerMaps && plannerMaps.length)"):
                return time.perf_counter() - t0
            time.sleep(0.05)
        return float("inf")
    finally:
        quit_driver(driver, profile)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument(
        "--out", type=Path, default=None, help="folder for the HTML files (default: temp)"
    )
    ap.add_argument("--browser", action="store_true", help="also time opening each map in Chromium")
    args = ap.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-map-"))
    out.mkdir(parents=True, exist_ok=True)
    layers = planner.load_layers()
    maps.build_map(layers)  # warm imports and asset caches (not part of the per-size timing)

    ok = True
    print(
        f"{'sites':>8} {'encoding':>8} {'build s':>8} {'write s':>8} {'total s':>8} {'MB':>7} "
        f"{'B/site':>7}{' open s':>8} {'s ratio':>8} {'MB ratio':>8}  checks"
    )
    for n in args.sizes:
        scored = synthetic_scored(n, seed=n)
        base: dict = {}
        for enc in ENCODINGS:
            t0 = time.perf_counter()
            m = maps.build_map(layers, scored=scored, top_k=10, site_encoding=enc)
            t1 = time.perf_counter()
            path = maps.save_map(m, out / f"map_{n}_{enc}.html", overwrite=True)
            t2 = time.perf_counter()
            size = path.stat().st_size
            page = path.read_text(encoding="utf-8")
            sites = payload_sites(page)
            problems = []
            if sites is None or len(sites["lon"]) != n:
                problems.append(f"page holds {0 if sites is None else len(sites['lon'])} sites")
            if enc == "json":
                base = {"s": t2 - t0, "mb": size / 1e6, "sites": sites}
            elif sites != base.get("sites"):
                problems.append("unpacked sites differ from the JSON baseline")
            if _assets.external_urls(page):
                problems.append(f"external URLs {_assets.external_urls(page)[:3]}")
            if enc == "packed" and n >= 100_000:
                if size / 1e6 > TARGET_100K_MB:
                    problems.append(f"size {size / 1e6:.1f} MB > {TARGET_100K_MB} MB")
                if t2 - t0 > TARGET_100K_S:
                    problems.append(f"time {t2 - t0:.2f} s > {TARGET_100K_S} s")
            opened = browser_seconds(path) if args.browser else None
            ok &= not problems
            opened_txt = f"{opened:8.2f}" if opened is not None else f"{'-':>8}"
            ratios = (
                f"{(t2 - t0) / base['s']:>8.2f} {size / 1e6 / base['mb']:>8.2f}"
                if enc != "json"
                else f"{'1.00':>8} {'1.00':>8}"
            )
            print(
                f"{n:>8} {enc:>8} {t1 - t0:>8.2f} {t2 - t1:>8.2f} {t2 - t0:>8.2f} "
                f"{size / 1e6:>7.2f} {size / n:>7.0f} {opened_txt} {ratios}  "
                + ("ok" if not problems else "FAIL: " + "; ".join(problems))
            )
    print(f"maps in {out}")
    print(
        f"targets at 100k sites (packed): <= {TARGET_100K_MB} MB and <= {TARGET_100K_S} s to "
        "build + write (idle machine; under load compare the ratios)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
