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
from planner.core.layerset import LAYER_NAMES
from planner.render.map_pack import RAW_COLUMNS, plain_table, site_columns, texts
from planner.render.map_pack import bools as _bools

#: site rows whose `why` text goes into the page when there are many sites (best ranks first)
WHY_MAX_SITES = 5000
#: a site table up to this size is framed whole; a bigger one by its 1st-99th percentiles
FRAME_ALL_SITES = 1000
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


def site_table(df: pd.DataFrame, lang: str, why_rows: np.ndarray | None = None) -> dict:
    """Columns of the sites for the page (rows in ``df`` order), as JSON-ready lists."""
    return plain_table(site_columns(df, lang, why_rows))


def score_range(scores: np.ndarray) -> dict:
    """The colour scale of the sites: ``lo``/``hi`` (whole points around the scores), ``n``
    scores, and ``same``: the score (1 decimal) when every score rounds to it (one site, or
    ties), else ``None`` (the legend then shows that value, not a ramp)."""
    s = scores[np.isfinite(scores)]
    if len(s) == 0:
        return {"lo": 0.0, "hi": 100.0, "n": 0, "same": None}
    lo, hi = math.floor(float(s.min())), math.ceil(float(s.max()))
    if hi - lo < 1:
        lo, hi = max(0, hi - 1), max(hi, 1)
    r = np.round(s, 1)
    same = float(r[0]) if (r == r[0]).all() else None
    return {"lo": float(lo), "hi": float(hi), "n": int(len(s)), "same": same}


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
    ``tables`` (all of them; the 1st-99th percentile of a table of more than
    :data:`FRAME_ALL_SITES`) and ``boxes`` (west, south, east, north)."""
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
    for t in tables:  # lists (None = missing) or float arrays (NaN = missing)
        lon, lat = np.array(t["lon"], dtype="f8"), np.array(t["lat"], dtype="f8")
        ok = np.isfinite(lon) & np.isfinite(lat)
        lon, lat = lon[ok], lat[ok]
        if len(lon):
            q = (1, 99) if len(lon) > FRAME_ALL_SITES else (0, 100)  # outliers of big grids out
            west, east = min(west, np.percentile(lon, q[0])), max(east, np.percentile(lon, q[1]))
            south = min(south, np.percentile(lat, q[0]))
            north = max(north, np.percentile(lat, q[1]))
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
