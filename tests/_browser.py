"""Headless Chromium for the browser tests: offline, no selenium-manager, fresh profile.

``make_driver(profile_dir)`` starts Debian's chromium through its chromedriver with every
network path closed (unresolvable hosts, a dead proxy, CDP offline emulation), so a map
that needed the network would fail visibly. ``browser_problem()`` says why no browser can
run (``None`` when it can).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from planner.config.scenarios import CRITERIA as SCORING_CRITERIA

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def browser_problem() -> str | None:
    """Why the browser tests cannot run here, or None."""
    for exe in (CHROMIUM, CHROMEDRIVER):
        if not (exe.is_file() and os.access(exe, os.X_OK)):
            return f"{exe} is missing (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium)"
    return None


#: Chromium switches of every browser test: headless, no background traffic, no network
#: (every host unresolvable, a dead proxy). ``tests/_appserver.py`` adds loopback exceptions.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
    "--metrics-recording-only",
    "--proxy-server=127.0.0.1:9",
)
#: no host name resolves (file:// pages need none)
NO_HOSTS = "--host-resolver-rules=MAP * ~NOTFOUND"
#: ... except the loopback addresses (a local server, e.g. the web app)
LOOPBACK_ONLY = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"


def chromium_options(profile_dir: Path, *extra: str, hosts: str = NO_HOSTS):
    """ChromeOptions with :data:`CHROMIUM_FLAGS`, ``hosts``, ``extra`` and a fresh profile."""
    from selenium import webdriver

    # the driver path is explicit, so selenium-manager (which may download) is not needed;
    # should anything still call it, keep it offline
    os.environ.setdefault("SE_OFFLINE", "true")
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in (*CHROMIUM_FLAGS, hosts, *extra, f"--user-data-dir={profile_dir}"):
        opts.add_argument(arg)
    return opts


def make_driver(profile_dir: Path):
    """A headless Chrome WebDriver with networking off and browser console logging on."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = chromium_options(
        profile_dir, "--proxy-bypass-list=<-loopback>", "--window-size=1400,1000"
    )
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(service=service, options=opts)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
        )
    except Exception:  # noqa: BLE001 - CDP is optional; the flags above already cut the network
        pass
    return driver


def driver_session(tmp_path_factory, profile_name: str):
    """Body of a module-scoped ``driver`` fixture: skip locally without Chromium, fail in CI."""
    import pytest

    problem = browser_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI, but {problem}")
        pytest.skip(problem)
    profile = tmp_path_factory.mktemp(profile_name)
    d = make_driver(profile)
    yield d
    quit_driver(d, profile)


def quit_driver(driver, profile_dir: Path | None = None) -> None:
    try:
        driver.quit()
    finally:
        if profile_dir is not None:
            shutil.rmtree(profile_dir, ignore_errors=True)


# --------------------------------------------------------------------------- synthetic inputs

#: the distance criteria (a scenario scores travel times instead of some of them, never both)
CRITERIA_KEYS = tuple(k for k, col in SCORING_CRITERIA.items() if not col.endswith("_min"))
#: criterion -> its raw distance column (the zone criterion scores a status, not a distance)
RAW = {k: col for k, col in SCORING_CRITERIA.items() if k != "zone" and k in CRITERIA_KEYS}
HOSTILE = (
    "<img src=x onerror=window.__xss=1>",
    "${window.__xss=1}",
    "`",
    "</script><script>window.__xss=1</script>",
)


def synthetic_scored(n: int, seed: int = 0, hostile: bool = False, excluded_share: float = 0.05):
    """A scored-sites GeoDataFrame with the contract's columns (random but consistent).

    c_<c> = weight * u * 100, score = sum of c_*, excluded rows score 0 and rank <NA>,
    rank 1 = best among the rest (ties to the lower index).
    """
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    lon = rng.uniform(76.6, 77.4, n)
    lat = rng.uniform(43.1, 43.9, n)
    w = rng.uniform(0.5, 1.5, len(CRITERIA_KEYS))
    w /= w.sum()
    u = rng.uniform(0, 1, (n, len(CRITERIA_KEYS)))
    excluded = rng.uniform(0, 1, n) < excluded_share
    pts = np.where(excluded[:, None], 0.0, u * w * 100)
    score = pts.sum(axis=1)
    order = np.lexsort((np.arange(n), -score))
    order = order[~excluded[order]]
    rank = pd.array([pd.NA] * n, dtype="Int64")
    rank[order] = np.arange(1, len(order) + 1)
    ids = np.array([f"s{i:06d}" for i in range(n)], dtype=object)
    names = np.array([f"Площадка {i}" for i in range(n)], dtype=object)
    zone_ids = np.array(["", "aiz-1", "sez-alatau", "iz-kairat"], dtype=object)[
        rng.integers(0, 4, n)
    ]
    zs = np.where(
        zone_ids == "", "none", np.where(zone_ids == "sez-alatau", "planned", "operating")
    )
    why_ru = np.array([f"{d:.1f} км до БАКАД" for d in rng.uniform(0, 30, n)], dtype=object)
    if hostile:
        k = min(n, len(HOSTILE))
        names[:k] = HOSTILE[:k]
        ids[:k] = [f"{h}-{i}" for i, h in enumerate(HOSTILE[:k])]
        zone_ids[:k] = HOSTILE[:k]
        why_ru[:k] = HOSTILE[:k]
    df = pd.DataFrame(
        {
            "site_id": ids,
            "name": names,
            "lon": lon,
            "lat": lat,
            "area_ha": rng.uniform(1, 200, n),
            "free_ha": rng.uniform(0, 50, n),
            "site_source": "grid",
        }
    )
    for col in RAW.values():
        df[col] = rng.uniform(0, 60, n)
    df["nearest_interchange"] = "ic-a3"
    df["in_almaty"] = rng.uniform(0, 1, n) < 0.1
    df["zone_id"] = zone_ids
    df["zone_status"] = zs
    df["zone_kind"] = np.where(zone_ids == "", "", "industrial_zone")
    df["zone_ids"] = zone_ids
    df["zone_free_ha"] = np.nan
    df["sez_status"] = "none"
    df["excluded"] = excluded
    df["exclusion_reason"] = np.where(excluded, "national_park", "")
    for j, key in enumerate(CRITERIA_KEYS):
        df[f"u_{key}"] = u[:, j]
    for j, key in enumerate(CRITERIA_KEYS):
        df[f"c_{key}"] = pts[:, j]
    df["score"] = score
    df["rank"] = rank
    df["why_ru"] = why_ru
    df["why_en"] = [t.replace("км до БАКАД", "km to BAKAD") for t in why_ru]
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    gdf.attrs = {
        "scenario": "test-scenario",
        "scenario_hash": "0123456789ab",
        "as_of": "2026-01-01",
    }
    return gdf


def synthetic_results(scored, companies: list[str], k: int = 5, seed: int = 1):
    """A `planner score`-style results table: each company's top-k of ``scored`` (reshuffled)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    ok = scored[scored["rank"].notna()].reset_index(drop=True)
    rows = []
    for ci, name in enumerate(companies):
        pick = rng.choice(len(ok), size=k, replace=False)
        sub = ok.iloc[pick].sort_values("score", ascending=False)
        for r, (_, s) in enumerate(sub.iterrows(), start=1):
            row = {
                "company_id": f"c{ci + 1}",
                "company_name": name,
                "rank": r,
                "site_id": s["site_id"],
                "site_name": s["name"],
                "score": s["score"],
                "lon": s["lon"],
                "lat": s["lat"],
                "zone_id": s["zone_id"],
                "zone_status": s["zone_status"],
                "why_ru": s["why_ru"],
                "why_en": s["why_en"],
            }
            for col in RAW.values():
                row[col] = s[col]
            for key in CRITERIA_KEYS:
                row[f"c_{key}"] = s[f"c_{key}"]
            rows.append(row)
    return pd.DataFrame(rows)
