"""Reasons in words for the terrain of a site: "уклон 14 % > 10 %", "высота 1 350 м > 1 200 м",
"рельеф неизвестен". Numbers go through :func:`planner.i18n.numbers.format_number`; the
texts are the ``[why.terrain]`` entries of the catalog."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner import i18n
from planner.i18n.numbers import format_number

__all__ = ["excluded_texts", "number", "unknown_terrain"]


def number(value: float, lang: str, limit: float | None = None, digits: int = 0) -> str:
    """A slope (``digits=0``: 14 %) or elevation (1 350 m) for people, with at least the
    decimals of the ``limit`` it is compared with (1,8 % > 1,5 %), and one more where the
    rounded value would not show it is over the limit (10,4 % > 10 %, not 10 % > 10 %)."""
    v = float(value)
    if limit is not None:
        digits = max(digits, _decimals(limit))
        if round(v, digits) <= float(limit):
            digits += 1
    return format_number(v, lang, digits, grouping=True)


def _decimals(limit: float) -> int:
    return 0 if float(limit) % 1 == 0 else 1


def _part(code: str, slope: float, elev: float, limits, lang: str, words) -> str:
    top_slope, top_elev = limits.max_slope_pct, limits.max_elevation_m
    if code == "steep_slope" and top_slope is not None and np.isfinite(slope):
        return i18n.t("why.terrain.slope", lang, pct=number(slope, lang, top_slope),
                      max=number(top_slope, lang, digits=_decimals(top_slope)))
    if code == "high_elevation" and top_elev is not None and np.isfinite(elev):
        return i18n.t("why.terrain.elevation", lang, m=number(elev, lang, top_elev),
                      max=number(top_elev, lang, digits=_decimals(top_elev)))
    return words.get(code, code)


def excluded_texts(df: pd.DataFrame, limits, langs, *, sentence: bool = True
                   ) -> dict[str, np.ndarray]:  # fmt: skip
    """``why.excluded`` texts of the (excluded) rows of ``df``: every reason in words, with
    the measured slope / elevation against the limit for the terrain reasons (``sentence``
    False: the reasons only, comma-separated). Works on the distinct (reasons, slope,
    elevation) combinations, not per row."""
    reasons = df["exclusion_reason"].astype(object).fillna("").astype(str).to_numpy(dtype=object)
    n = len(reasons)
    slope = _values(df, "slope_pct", n)
    elev = _values(df, "elevation_m", n)
    # the values matter only where they are the reason: others stay NaN (fewer combinations)
    slope = np.where(np.char.find(reasons.astype(str), "steep_slope") >= 0, slope, np.nan)
    elev = np.where(np.char.find(reasons.astype(str), "high_elevation") >= 0, elev, np.nan)
    key = pd.MultiIndex.from_arrays([reasons, np.round(slope, 1), np.round(elev, 1)])
    codes, uniq = pd.factorize(key)
    out = {}
    for lang in langs:
        words = i18n.section("why.exclusion", lang)
        texts = []
        for r, s, e in uniq:
            parts = [_part(p, s, e, limits, lang, words) for p in str(r).split(";") if p]
            parts = parts or [i18n.t("why.excluded_area", lang)]
            text = ", ".join(parts)
            texts.append(i18n.t("why.excluded", lang, reasons=text) if sentence else text)
        out[lang] = np.array(texts, dtype=object)[codes]
    return out


def _values(df: pd.DataFrame, col: str, n: int) -> np.ndarray:
    if col not in df.columns:
        return np.full(n, np.nan)
    return pd.to_numeric(df[col], errors="coerce").to_numpy(dtype="f8", na_value=np.nan)


def unknown_terrain(df: pd.DataFrame, excluded: np.ndarray) -> np.ndarray:
    """Rows scored with a DEM whose terrain is unknown there (no DEM value), not excluded."""
    if "elevation_m" not in df.columns:
        return np.zeros(len(df), dtype=bool)
    elev = pd.to_numeric(df["elevation_m"], errors="coerce").to_numpy(dtype="f8", na_value=np.nan)
    return np.isnan(elev) & ~excluded
