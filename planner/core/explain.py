"""Plain-language reasons for a score: ``why_ru`` / ``why_en``.

For each site the three criteria that contributed the most points (ties: the heavier
criterion first) are told as facts with names from the layers, e.g.
``"2.1 km to BAKAD interchange A-3 ...; inside Industrial zone Kairat (operating);
24 km from Almaty centre"``. Excluded sites get ``"excluded: national park"``.

Not on the scoring hot path, but vectorised: only distinct rounded distances and distinct
(zone, status) combinations are formatted in Python; the texts are joined with numpy
object arithmetic. Pass ``rows`` to explain only the sites a user looks at.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pandas as pd

from planner.config.scenarios import CRITERIA, Scenario, load_scenario
from planner.config.weighting import PointTable
from planner.errors import InputError

__all__ = ["EXCLUSION_TEXT", "STATUS_TEXT", "why_texts"]

log = logging.getLogger(__name__)

#: zone status -> (en, ru)
STATUS_TEXT = {
    "operating": ("operating", "действует"),
    "under_construction": ("under construction", "строится"),
    "planned": ("planned", "планируется"),
    "none": ("none", "нет"),
}
#: exclusion reason -> (en, ru)
EXCLUSION_TEXT = {
    "national_park": ("national park", "национальный парк"),
    "water": ("water body", "водоём"),
    "outside_region": ("outside Almaty Region", "за пределами Алматинской области"),
}
_N_FACTS = 3


def _km(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distances as text (en, ru): one decimal below 10 km, whole km above, '—' if unknown.

    Only the distinct rounded values are formatted, so this is cheap for any row count.
    """
    d = np.asarray(d, dtype="f8")
    finite = np.isfinite(d)
    key = np.where(finite, np.where(d < 9.95, np.round(d, 1), np.round(d)), -1.0)
    uniq, inv = np.unique(key, return_inverse=True)
    en = np.array([f"{v:.1f}" if v < 9.95 else f"{v:.0f}" for v in uniq.tolist()], dtype=object)
    en[uniq < 0] = "—"
    ru = np.array([t.replace(".", ",") for t in en.tolist()], dtype=object)
    return en[inv], ru[inv]


def _lookup(values: pd.Series, table: dict[str, str]) -> np.ndarray:
    """Map ids to names (unknown ids stay as they are), vectorised over distinct ids."""
    codes, uniq = pd.factorize(values.astype(object).fillna(""))
    names = np.array([table.get(u, u) for u in uniq], dtype=object)
    return names[codes] if len(codes) else np.array([], dtype=object)


def _names(layers, layer: str) -> tuple[dict[str, str], dict[str, str]]:
    gdf = layers[layer]
    ids = gdf["id"].astype(str).tolist()
    return (
        dict(zip(ids, gdf["name_en"].astype(str).tolist(), strict=True)),
        dict(zip(ids, gdf["name_ru"].astype(str).tolist(), strict=True)),
    )


Facts = tuple[np.ndarray, np.ndarray]


def _minutes(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minutes as text (en, ru): one decimal below 10 min, whole minutes above."""
    return _km(m)  # the same rounding and decimal comma as kilometres


def _time_fact(col: str, en: str, ru: str, labels: Callable | None = None):
    """Facts for a travel-time column: "18 min by road to ..." / "18 мин по дорогам до ...";
    a site with no road within the limit, or no way to the target, says so."""

    def make(df: pd.DataFrame, rows: np.ndarray) -> Facts:
        m = df[col].to_numpy(dtype="f8", na_value=np.nan)[rows]
        m_en, m_ru = _minutes(m)
        name_en, name_ru = labels(df, rows) if labels else ("", "")
        out_en = m_en + " min by road to " + en + name_en
        out_ru = m_ru + " мин по дорогам до " + ru + name_ru
        lost = ~np.isfinite(m)
        out_en[lost] = "cannot reach " + en + " by road"
        out_ru[lost] = "нет проезда по дорогам до " + ru
        if "no_road_access" in df.columns:
            far = df["no_road_access"].to_numpy(dtype=bool, na_value=False)[rows]
            snap_en, snap_ru = _km(df["snap_m"].to_numpy(dtype="f8", na_value=np.nan)[rows]
                                   / 1000.0)  # fmt: skip
            out_en[far] = "no road within reach (nearest " + snap_en[far] + " km)"
            out_ru[far] = "нет дороги поблизости (ближайшая в " + snap_ru[far] + " км)"
        return out_en, out_ru

    return make


def _fact_makers(layers) -> dict[str, Callable[[pd.DataFrame, np.ndarray], Facts]]:
    """criterion key -> function(scored table, row positions) -> (en texts, ru texts)."""
    ic_en, ic_ru = _names(layers, "bakad")
    zone_en, zone_ru = _names(layers, "zones")

    def dist(col: str, en: str, ru: str, inside: tuple[str, str] | None = None):
        en_pre, en_post = en.split("{}")
        ru_pre, ru_post = ru.split("{}")

        def make(df: pd.DataFrame, rows: np.ndarray) -> Facts:
            d = df[col].to_numpy(dtype="f8", na_value=np.nan)[rows]
            k_en, k_ru = _km(d)
            out_en = en_pre + k_en + en_post
            out_ru = ru_pre + k_ru + ru_post
            if inside is not None:
                at = d == 0
                out_en[at] = inside[0]
                out_ru[at] = inside[1]
            return out_en, out_ru

        return make

    def interchange_by_road(df: pd.DataFrame, rows: np.ndarray) -> Facts:
        ids = df["nearest_interchange_by_road"].iloc[rows]
        return " " + _lookup(ids, ic_en), " «" + _lookup(ids, ic_ru) + "»"

    def interchange(df: pd.DataFrame, rows: np.ndarray) -> Facts:
        k_en, k_ru = _km(df["dist_interchange_km"].to_numpy(dtype="f8", na_value=np.nan)[rows])
        ids = df["nearest_interchange"].iloc[rows]
        en = k_en + " km to BAKAD interchange " + _lookup(ids, ic_en)
        ru = k_ru + " км до развязки БАКАД «" + _lookup(ids, ic_ru) + "»"
        return en, ru

    def almaty(df: pd.DataFrame, rows: np.ndarray) -> Facts:
        k_en, k_ru = _km(df["dist_almaty_km"].to_numpy(dtype="f8", na_value=np.nan)[rows])
        inside = df["in_almaty"].to_numpy(dtype=bool, na_value=False)[rows]
        en = np.empty(len(rows), dtype=object)
        ru = np.empty(len(rows), dtype=object)
        en[inside] = "inside Almaty city limits (" + k_en[inside] + " km from the centre)"
        ru[inside] = "в черте Алматы (" + k_ru[inside] + " км от центра)"
        en[~inside] = k_en[~inside] + " km from Almaty centre"
        ru[~inside] = k_ru[~inside] + " км от центра Алматы"
        return en, ru

    def zone(df: pd.DataFrame, rows: np.ndarray) -> Facts:
        # few distinct (zone, status, kind, SEZ status) combinations: build each text once
        cols = ["zone_id", "zone_status", "zone_kind", "sez_status"]
        keys = df[cols].iloc[rows].astype(object)
        keys = keys.fillna("")
        codes, uniq = pd.factorize(pd.MultiIndex.from_frame(keys))
        en, ru = [], []
        for zid, status, kind, sez in uniq:
            if not zid or status == "none":
                en.append("not in an industrial zone or SEZ")
                ru.append("вне индустриальных зон и СЭЗ")
                continue
            s_en, s_ru = STATUS_TEXT.get(status, (status, status))
            e = f"inside {zone_en.get(zid, zid)} ({s_en})"
            r = f"на территории: {zone_ru.get(zid, zid)} ({s_ru})"
            if sez == "operating" and kind != "sez":
                e += ", within an operating SEZ"
                r += ", в действующей СЭЗ"
            en.append(e)
            ru.append(r)
        return np.array(en, dtype=object)[codes], np.array(ru, dtype=object)[codes]

    return {
        "bakad": dist("dist_bakad_km", "{} km from BAKAD", "{} км от БАКАД"),
        "interchange": interchange,
        "almaty": almaty,
        "konaev": dist("dist_konaev_km", "{} km from Konaev centre", "{} км от центра Конаева"),
        "gate_city": dist(
            "dist_gate_city_km", "{} km from Gate City", "{} км от Гейт Сити",
            ("inside Gate City", "в Гейт Сити"),
        ),
        "zone": zone,
        "zone_proximity": dist(
            "dist_zone_km", "{} km from the nearest operating zone",
            "{} км до ближайшей действующей зоны",
            ("inside an operating zone", "внутри действующей зоны"),
        ),
        "rail": dist("dist_rail_km", "{} km to rail", "{} км до железной дороги"),
        "airport": dist("dist_airport_km", "{} km to the airport", "{} км до аэропорта"),
        "highway": dist("dist_highway_km", "{} km to a highway", "{} км до трассы"),
        "khorgos": dist(
            "dist_khorgos_km", "{} km to Khorgos dry port", "{} км до сухого порта Хоргос"
        ),
        "housing": dist(
            "dist_housing_km", "{} km from housing", "{} км от жилья",
            ("inside a settlement", "в населённом пункте"),
        ),
        "time_interchange": _time_fact(
            "time_interchange_min", "BAKAD interchange", "развязки БАКАД", interchange_by_road
        ),
        "time_almaty": _time_fact("time_almaty_min", "Almaty centre", "центра Алматы"),
        "time_konaev": _time_fact("time_konaev_min", "Konaev centre", "центра Конаева"),
        "time_gate_city": _time_fact("time_gate_city_min", "Gate City", "Гейт Сити"),
        "time_rail": _time_fact("time_rail_min", "a rail station", "ж/д станции"),
        "time_airport": _time_fact("time_airport_min", "the airport", "аэропорта"),
    }  # fmt: skip


def _excluded_texts(reasons: pd.Series) -> Facts:
    codes, uniq = pd.factorize(reasons.astype(object).fillna(""))
    en, ru = [], []
    for r in uniq:
        parts = [p for p in str(r).split(";") if p]
        words = [EXCLUSION_TEXT.get(p, (p, p)) for p in parts] or [
            ("excluded area", "зона исключения")
        ]
        en.append("excluded: " + ", ".join(w[0] for w in words))
        ru.append("исключено: " + ", ".join(w[1] for w in words))
    return np.array(en, dtype=object)[codes], np.array(ru, dtype=object)[codes]


def why_texts(scored: pd.DataFrame, scenario: Scenario | str, layers, rows=None) -> pd.DataFrame:
    """``why_ru`` and ``why_en`` for the rows of a scored table (criteria + ``c_*`` columns).

    Parameters
    ----------
    scored
        Output of :func:`planner.core.scoring.score_table` joined to the criteria (as
        :func:`planner.core.scoring.score_sites` makes it).
    scenario
        The scenario that made the ``c_*`` columns.
    layers
        The LayerSet, for interchange and zone names.
    rows
        Optional boolean mask or index labels: explain only these rows.

    Returns
    -------
    DataFrame with ``why_ru``, ``why_en`` on the index of the explained rows.
    """
    sc = load_scenario(scenario)
    df = (
        scored
        if rows is None
        else (
            scored.loc[rows]
            if not isinstance(rows, np.ndarray) or rows.dtype != bool
            else scored[rows]
        )
    )
    keys = list(sc.weights)
    missing = [f"c_{k}" for k in keys if f"c_{k}" not in df.columns]
    missing += [c for c in ("excluded", "exclusion_reason") if c not in df.columns]
    if missing:
        raise InputError(
            f"scored table lacks column(s) {', '.join(missing)}; score it with scenario "
            f"{sc.name!r} first (planner.core.scoring.score_sites)"
        )
    n = len(df)
    en = np.full((n, _N_FACTS), "", dtype=object)
    ru = np.full((n, _N_FACTS), "", dtype=object)
    excluded = df["excluded"].to_numpy(dtype=bool, na_value=False)
    if n and keys:
        points = np.column_stack([df[f"c_{k}"].to_numpy(dtype="f8", na_value=0.0) for k in keys])
        w = np.array([sc.weights[k] for k in keys])
        if "zone" in keys and "zone_proximity" in keys and "dist_zone_km" in df.columns:
            # "inside an operating zone" only repeats the zone fact: tell something else
            inside = df["dist_zone_km"].to_numpy(dtype="f8", na_value=np.nan) == 0
            points[inside, keys.index("zone_proximity")] = -1.0
        # most points first; equal points (often 0): the heavier criterion first
        order = np.lexsort(
            (
                np.broadcast_to(np.arange(len(keys)), points.shape),
                np.broadcast_to(-w, points.shape),
                -points,
            ),
            axis=1,
        )
        top = order[:, :_N_FACTS]
        makers = _fact_makers(layers)
        live = ~excluded
        for j, key in enumerate(keys):
            hit_rows, hit_pos = np.nonzero((top == j) & live[:, None])
            if not len(hit_rows):
                continue
            if CRITERIA[key] not in df.columns:
                continue
            t_en, t_ru = makers[key](df, hit_rows)
            if isinstance(sc.criteria[key], PointTable):  # "... (3-8 km: 6 of 10)"
                t_en, t_ru = _with_points(df, hit_rows, key, sc.criteria[key], t_en, t_ru)
            en[hit_rows, hit_pos] = t_en
            ru[hit_rows, hit_pos] = t_ru
    out_en = _join(en)
    out_ru = _join(ru)
    if excluded.any():
        x_en, x_ru = _excluded_texts(df["exclusion_reason"][excluded])
        out_en[excluded] = x_en
        out_ru[excluded] = x_ru
    return pd.DataFrame(
        {"why_ru": pd.array(out_ru, dtype="str"), "why_en": pd.array(out_en, dtype="str")},
        index=df.index,
    )


def _with_points(df, rows, key, t, t_en, t_ru) -> Facts:
    from planner.core import points

    p_en = points.facts(df, rows, key, t, "en")
    p_ru = points.facts(df, rows, key, t, "ru")
    return t_en + " (" + p_en + ")", t_ru + " (" + p_ru + ")"


def _join(parts: np.ndarray) -> np.ndarray:
    out = parts[:, 0].copy() if parts.shape[1] else np.full(len(parts), "", dtype=object)
    for j in range(1, parts.shape[1]):
        col = parts[:, j]
        sep = np.where((col != "") & (out != ""), "; ", "").astype(object)
        out = out + sep + col
    return out
