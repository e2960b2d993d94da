"""The data a map page draws, as JSON-ready columns: sites, companies, bounds, the note.

Sites travel as columns (``lon``, ``lat``, ``score``, ``rank``, ids, names, criteria points
and raw values, categorical zone and exclusion columns), not as one object per site: the
page builds its features from them (see ``static/planner.js``). :func:`json_for_script`
makes the JSON safe inside a script element and inside a Jinja template.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

import numpy as np
import pandas as pd

from planner import i18n
from planner.config.scenarios import CRITERIA
from planner.core.layerset import LAYER_NAMES
from planner.render.map_layers import COORD_DP

#: criterion key -> the raw column shown beside its points in popups (contract)
RAW_COLUMNS = CRITERIA
#: site rows whose `why` text goes into the page when there are many sites (best ranks first)
WHY_MAX_SITES = 5000
#: companies listed in one site's popup on the best-site-per-company map
COMPANIES_PER_POPUP = 30
_JINJA_OPEN = re.compile(r"\{(?=[{%#])")

__all__ = [
    "COMPANIES_PER_POPUP",
    "RAW_COLUMNS",
    "WHY_MAX_SITES",
    "best_per_company",
    "json_for_script",
    "map_bounds",
    "note_lines",
    "provenance_lines",
    "score_range",
    "site_table",
    "texts",
    "with_site_names",
    "zone_names",
]


def json_for_script(obj: Any) -> str:
    """JSON that is safe inside a script element and inside a Jinja template.

    No raw ``<``, ``>``, ``&`` (so ``</script>`` or ``<!--`` in the data cannot end or
    confuse the script element), no raw line separators, and no ``{{``/``{%``/``{#``: a
    ``{`` before ``{``, ``%`` or ``#`` is written ``\\u007b``; in compact JSON that only
    happens inside strings, so the value is unchanged.
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = _JINJA_OPEN.sub(r"\\u007b", text)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _floats(values, digits: int) -> list:
    arr = np.asarray(values, dtype="f8")
    out = np.round(arr, digits).tolist()
    bad = ~np.isfinite(arr)
    if bad.any():
        for i in np.flatnonzero(bad):
            out[i] = None
    return out


def texts(values) -> list[str]:
    s = pd.Series(values, dtype=object)
    return s.where(s.notna(), "").astype(str).tolist()


def _categorical(values) -> dict:
    """``{"v": distinct values, "c": code per row}``: small for repetitive text columns."""
    codes, uniques = pd.factorize(pd.Series(texts(values), dtype=object), sort=False)
    return {"v": [str(u) for u in uniques], "c": codes.tolist()}


def _bools(values) -> np.ndarray:
    s = pd.Series(values, dtype=object)
    text = s.astype(str).str.strip().str.lower()
    return text.isin(["true", "1", "yes", "да", "1.0"]).to_numpy()


def _criteria_keys(df: pd.DataFrame) -> list[str]:
    keys = [c[2:] for c in df.columns if c.startswith("c_") and len(c) > 2]
    known = [k for k in i18n.keys("criterion") if k in keys]
    return known + sorted(k for k in keys if k not in known)


def _why_column(df: pd.DataFrame, lang: str) -> str | None:
    for col in (f"why_{lang}", "why_ru", "why_en"):
        if col in df.columns:
            return col
    return None


def site_table(df: pd.DataFrame, lang: str, why_rows: np.ndarray | None = None) -> dict:
    """Columns of the sites for the page (rows in ``df`` order)."""
    n = len(df)
    rank = (
        pd.to_numeric(df["rank"], errors="coerce") if "rank" in df else pd.Series(np.nan, df.index)
    )
    ids = texts(df["site_id"]) if "site_id" in df else [str(i + 1) for i in range(n)]
    names = texts(df["name"]) if "name" in df else ids
    keys = _criteria_keys(df)
    raw, kinds = [], []
    for k in keys:
        col = RAW_COLUMNS.get(k)
        if col in df.columns and col.endswith("_km"):
            raw.append(_floats(pd.to_numeric(df[col], errors="coerce"), 1))
            kinds.append("km")
        elif col in df.columns and col.endswith("_min"):  # travel time by road
            raw.append(_floats(pd.to_numeric(df[col], errors="coerce"), 1))
            kinds.append("min")
        elif col in df.columns:
            raw.append(texts(df[col]))
            kinds.append("status")
        else:
            raw.append([None] * n)
            kinds.append("none")
    table: dict[str, Any] = {
        "lon": _floats(df["lon"], COORD_DP),
        "lat": _floats(df["lat"], COORD_DP),
        "score": _floats(pd.to_numeric(df["score"], errors="coerce"), 1),
        "rank": [None if pd.isna(r) else int(r) for r in rank.tolist()],
        "id": ids,
        "name": [None if nm == i else nm for nm, i in zip(names, ids, strict=True)],
        "zone": _categorical(df["zone_id"]) if "zone_id" in df else None,
        "zs": _categorical(df["zone_status"]) if "zone_status" in df else None,
        "crit": keys,
        "kind": kinds,
        "raw": raw,
        "pts": [_floats(pd.to_numeric(df[f"c_{k}"], errors="coerce"), 1) for k in keys],
    }
    if "in_almaty" in df.columns:
        table["inA"] = [bool(v) for v in _bools(df["in_almaty"])]
    if "exclusion_reason" in df.columns:
        excl = _categorical(df["exclusion_reason"])  # label the few distinct values only
        excl["v"] = [i18n.exclusion_label(v, lang) for v in excl["v"]]
        table["excl"] = excl
    wcol = _why_column(df, lang)
    if wcol is not None:
        rows = np.arange(n) if why_rows is None else why_rows
        why = texts(df[wcol].iloc[rows]) if len(rows) else []
        table["why"] = {str(int(i)): t for i, t in zip(rows, why, strict=True) if t}
    return table


def score_range(scores: np.ndarray) -> dict:
    s = scores[np.isfinite(scores)]
    if len(s) == 0:
        return {"lo": 0.0, "hi": 100.0}
    lo, hi = math.floor(float(s.min())), math.ceil(float(s.max()))
    if hi - lo < 1:
        lo, hi = max(0, hi - 1), max(hi, 1)
    return {"lo": float(lo), "hi": float(hi)}


def best_per_company(results: pd.DataFrame) -> tuple[pd.DataFrame, list, list]:
    """One row per site that is some company's best; companies listed per site.

    After ``planner score --allocate`` a company's allocated site counts as its best (the
    allocation may give it a lower-ranked site to respect land and share limits).
    """
    key = "company_id" if "company_id" in results.columns else "company_name"
    unallocated = np.zeros(len(results), dtype=bool)
    if "allocated" in results.columns:
        # as written (bool), or read back from .xlsx/.csv as text ("True", "1", "да", ...)
        flag = _bools(results["allocated"])
        if flag.any():
            unallocated = ~flag
    best = (
        results.assign(_unallocated=unallocated)
        .sort_values(
            ["_unallocated", "rank", "score"], ascending=[True, True, False], kind="stable"
        )
        .drop(columns="_unallocated")
    )
    best = best.drop_duplicates(subset=[key], keep="first")
    best = best.sort_values(["site_id", "score"], ascending=[True, False], kind="stable")
    comp: list = []
    more: list = []
    groups = best.groupby("site_id", sort=False)
    rep = groups.head(1)
    for _, g in groups:
        pairs = [
            [n, None if not np.isfinite(s) else round(float(s), 1)]
            for n, s in zip(g["company_name"], g["score"], strict=True)
        ]
        comp.append(pairs[:COMPANIES_PER_POPUP])
        more.append(max(0, len(pairs) - COMPANIES_PER_POPUP))
    return rep, comp, more


def with_site_names(rows: pd.DataFrame) -> pd.DataFrame:
    # in results `name` may be the company's name (an alias of company_name): sites use site_name
    return rows.assign(name=rows["site_name"] if "site_name" in rows else rows["site_id"])


def map_bounds(layers, tables: list[dict], boxes=()) -> list[list[float]]:
    """[[south, west], [north, east]] around BAKAD, the city centres, the sites of
    ``tables`` (1st-99th percentile) and ``boxes`` (west, south, east, north)."""
    b = layers["bakad"].total_bounds
    west, south, east, north = b
    for w, s, e, n in boxes:
        west, south, east, north = min(west, w), min(south, s), max(east, e), max(north, n)
    centres = layers.kind("cities", "city_centre")
    if len(centres):
        cb = centres.total_bounds
        west, south, east, north = (
            min(west, cb[0]),
            min(south, cb[1]),
            max(east, cb[2]),
            max(north, cb[3]),
        )
    for t in tables:
        lon = np.array([v for v in t["lon"] if v is not None], dtype="f8")
        lat = np.array([v for v in t["lat"] if v is not None], dtype="f8")
        if len(lon):
            west, east = min(west, np.percentile(lon, 1)), max(east, np.percentile(lon, 99))
            south, north = min(south, np.percentile(lat, 1)), max(north, np.percentile(lat, 99))
    pad_x, pad_y = (east - west) * 0.03, (north - south) * 0.03
    return [
        [round(south - pad_y, 5), round(west - pad_x, 5)],
        [round(north + pad_y, 5), round(east + pad_x, 5)],
    ]


def zone_names(layers, lang: str) -> dict[str, str]:
    """Zone id -> its name in ``lang``."""
    zones = layers["zones"]
    return dict(zip(texts(zones["id"]), i18n.feature_names(zones, lang), strict=True))


def provenance_lines(layers, lang: str) -> list[str]:
    """Where the layers come from: built-in (indicative) and/or the user's own layers."""
    t = i18n.labels(lang)
    lines = []
    if any(layers.sources.get(n) == "builtin" for n in LAYER_NAMES):
        lines.append(t["note_indicative"])
    user = [n for n in LAYER_NAMES if layers.sources.get(n) != "builtin"]
    if user:
        lines.append(t["note_user_layers"].format(names=", ".join(user)))
    if layers.licences():  # the attribution every licence of the data asks for
        lines.append(t["note_credits"].format(credits=" · ".join(layers.licences())))
    return lines


def note_lines(
    layers, lang: str, day: dt.date, scenario: str | None, shash: str | None, n_sites: int
) -> list[str]:
    """The map's note: data provenance, scenario and hash, date, number of sites."""
    t = i18n.labels(lang)
    lines = provenance_lines(layers, lang)
    if scenario:
        lines.append(t["note_scenario"].format(name=scenario, hash=shash or "\u2013"))
    else:
        lines.append(t["note_scenario_unknown"])
    lines.append(t["note_as_of"].format(date=i18n.format_date(day, lang)))
    if n_sites:
        lines.append(t["note_sites"].format(n=i18n.format_number(n_sites, lang, grouping=True)))
    return lines
