"""Plain-language reasons for a score: ``why_ru`` / ``why_kk`` / ``why_en``.

For each site the three criteria that contributed the most points (ties: the heavier
criterion first) are told as facts with names from the layers, e.g.
``"2.1 km to BAKAD interchange A-3 ...; inside Industrial zone Kairat (operating);
24 km from Almaty centre"``. Excluded sites get ``"excluded: national park"``.

Not on the scoring hot path, but vectorised: only distinct rounded distances and distinct
(zone, status) combinations are formatted in Python; the texts are joined with numpy
object arithmetic. Pass ``rows`` to explain only the sites a user looks at. The sentences
are the messages ``why.*`` of the language catalog (:mod:`planner.i18n`), numbers are
formatted by :func:`planner.i18n.format_number`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from planner import i18n
from planner.config.scenarios import CRITERIA, Scenario, load_scenario
from planner.config.weighting import PointTable
from planner.core.prepared import FeatureNames, part_of
from planner.errors import InputError

__all__ = ["WHY_LANGS", "WHY_COLUMNS", "why_texts"]

log = logging.getLogger(__name__)

#: languages of the ``why_<lang>`` columns (the texts are messages ``why.*`` of the catalog)
WHY_LANGS = i18n.LANGS
#: the reason columns of a scored table, one per language
WHY_COLUMNS = tuple(f"why_{lang}" for lang in WHY_LANGS)
_N_FACTS = 3
_UNKNOWN_KM = "\u2014"

#: language -> one text per row
Facts = dict[str, np.ndarray]


def _km(d: np.ndarray) -> Facts:
    """Distances as text per language: one decimal below 10 km, whole km above, '—' if unknown.

    Only the distinct rounded values are formatted, so this is cheap for any row count.
    """
    d = np.asarray(d, dtype="f8")
    finite = np.isfinite(d)
    key = np.where(finite, np.where(d < 9.95, np.round(d, 1), np.round(d)), -1.0)
    uniq, inv = np.unique(key, return_inverse=True)
    out = {}
    for lang in WHY_LANGS:
        text = np.array(
            [i18n.format_number(v, lang, 1 if v < 9.95 else 0) for v in uniq.tolist()],
            dtype=object,
        )
        text[uniq < 0] = _UNKNOWN_KM
        out[lang] = text[inv]
    return out


def _time_fact(col: str, key: str, labels: Callable | None = None, inside: str | None = None):
    """Facts for a travel-time column: "18 мин по дорогам до ..." (``why.<key>``); a site
    with no road within reach, or no way to the target, says so instead."""

    def make(df: pd.DataFrame, rows: np.ndarray) -> Facts:
        m = df[col].to_numpy(dtype="f8", na_value=np.nan)[rows]
        minutes = _km(m)  # minutes take the same rounding and number format as km
        names = labels(df, rows) if labels else {}
        out = {}
        far = np.zeros(len(rows), dtype=bool)
        if "no_road_access" in df.columns:
            far = df["no_road_access"].to_numpy(dtype=bool, na_value=False)[rows]
        snap_km = _km(df["snap_m"].to_numpy(dtype="f8", na_value=np.nan)[rows] / 1000.0) \
            if far.any() else None
        lost = ~np.isfinite(m) & ~far
        for lang in WHY_LANGS:
            extra = {"name": names[lang]} if labels else {}
            text = i18n.fill_array(f"why.{key}", lang, min=minutes[lang], **extra)
            if inside is not None:
                text[m == 0] = i18n.t(f"why.{inside}", lang)
            if lost.any():
                text[lost] = i18n.t("why.no_route", lang)
            if far.any():
                text[far] = i18n.fill_array("why.no_road", lang, km=snap_km[lang][far])
            out[lang] = text
        return out

    return make


def _lookup(values: pd.Series, table: Mapping[str, str]) -> np.ndarray:
    """Map ids to names (unknown ids stay as they are), vectorised over distinct ids."""
    codes, uniq = pd.factorize(values.astype(object).fillna(""))
    names = np.array([table.get(u, u) for u in uniq], dtype=object)
    return names[codes] if len(codes) else np.array([], dtype=object)


def _names(names: FeatureNames, layer: str) -> dict[str, Mapping[str, str]]:
    """language -> feature id -> the feature's name in that language."""
    return {lang: names.of(layer, lang) for lang in WHY_LANGS}


def _fact_makers(names: FeatureNames) -> dict[str, Callable[[pd.DataFrame, np.ndarray], Facts]]:
    """criterion key -> function(scored table, row positions) -> texts per language."""
    ic_names = _names(names, "bakad")
    zone_names = _names(names, "zones")

    def dist(col: str, key: str, inside: str | None = None):
        def make(df: pd.DataFrame, rows: np.ndarray) -> Facts:
            d = df[col].to_numpy(dtype="f8", na_value=np.nan)[rows]
            km = _km(d)
            out = {lang: i18n.fill_array(f"why.{key}", lang, km=km[lang]) for lang in WHY_LANGS}
            if inside is not None:
                at = d == 0
                for lang in WHY_LANGS:
                    out[lang][at] = i18n.t(f"why.{inside}", lang)
            return out

        return make

    def interchange(df: pd.DataFrame, rows: np.ndarray) -> Facts:
        km = _km(df["dist_interchange_km"].to_numpy(dtype="f8", na_value=np.nan)[rows])
        ids = df["nearest_interchange"].iloc[rows]
        return {
            lang: i18n.fill_array(
                "why.interchange", lang, km=km[lang], name=_lookup(ids, ic_names[lang])
            )
            for lang in WHY_LANGS
        }

    def interchange_by_road(df: pd.DataFrame, rows: np.ndarray) -> dict[str, np.ndarray]:
        ids = df["nearest_interchange_by_road"].iloc[rows]
        return {lang: _lookup(ids, ic_names[lang]) for lang in WHY_LANGS}

    def almaty(df: pd.DataFrame, rows: np.ndarray) -> Facts:
        km = _km(df["dist_almaty_km"].to_numpy(dtype="f8", na_value=np.nan)[rows])
        inside = df["in_almaty"].to_numpy(dtype=bool, na_value=False)[rows]
        out = {lang: i18n.fill_array("why.almaty", lang, km=km[lang]) for lang in WHY_LANGS}
        if inside.any():
            for lang in WHY_LANGS:
                out[lang][inside] = i18n.fill_array("why.almaty_inside", lang, km=km[lang][inside])
        return out

    def zone(df: pd.DataFrame, rows: np.ndarray) -> Facts:
        # few distinct (zone, status, kind, SEZ status) combinations: build each text once
        cols = ["zone_id", "zone_status", "zone_kind", "sez_status"]
        keys = df[cols].iloc[rows].astype(object)
        keys = keys.fillna("")
        codes, uniq = pd.factorize(pd.MultiIndex.from_frame(keys))
        out = {}
        for lang in WHY_LANGS:
            statuses = i18n.section("why.status", lang)
            texts = []
            for zid, status, kind, sez in uniq:
                if not zid or status == "none":
                    texts.append(i18n.t("why.zone_none", lang))
                    continue
                text = i18n.t(
                    "why.zone",
                    lang,
                    zone=zone_names[lang].get(zid, zid),
                    status=statuses.get(status, status),
                )
                if sez == "operating" and kind != "sez":
                    text += i18n.t("why.zone_sez", lang)
                texts.append(text)
            out[lang] = np.array(texts, dtype=object)[codes]
        return out

    return {
        "bakad": dist("dist_bakad_km", "bakad"),
        "interchange": interchange,
        "almaty": almaty,
        "konaev": dist("dist_konaev_km", "konaev"),
        "gate_city": dist("dist_gate_city_km", "gate_city", "gate_city_inside"),
        "zone": zone,
        "zone_proximity": dist("dist_zone_km", "zone_proximity", "zone_proximity_inside"),
        "rail": dist("dist_rail_km", "rail"),
        "airport": dist("dist_airport_km", "airport"),
        "highway": dist("dist_highway_km", "highway"),
        "khorgos": dist("dist_khorgos_km", "khorgos"),
        "housing": dist("dist_housing_km", "housing", "housing_inside"),
        "time_interchange": _time_fact("time_interchange_min", "time_interchange",
                                       interchange_by_road),
        "time_almaty": _time_fact("time_almaty_min", "time_almaty"),
        "time_konaev": _time_fact("time_konaev_min", "time_konaev"),
        "time_gate_city": _time_fact("time_gate_city_min", "time_gate_city",
                                     inside="gate_city_inside"),
        "time_rail": _time_fact("time_rail_min", "time_rail"),
        "time_airport": _time_fact("time_airport_min", "time_airport"),
    }  # fmt: skip


def why_texts(scored: pd.DataFrame, scenario: Scenario | str, names, rows=None) -> pd.DataFrame:
    """``why_ru``, ``why_kk`` and ``why_en`` for the rows of a scored table (criteria +
    ``c_*`` columns).

    Parameters
    ----------
    scored
        Output of :func:`planner.core.scoring.score_table` joined to the criteria (as
        :func:`planner.core.scoring.score_frame` makes it).
    scenario
        The scenario that made the ``c_*`` columns.
    names
        Interchange and zone names: the :class:`~planner.core.prepared.Prepared` layers
        or their :class:`~planner.core.prepared.FeatureNames`.
    rows
        Optional boolean mask or index labels: explain only these rows.

    Returns
    -------
    DataFrame with ``why_ru``, ``why_kk``, ``why_en`` on the index of the explained rows.
    """
    sc = load_scenario(scenario)
    names = part_of(names, FeatureNames, "why_texts")
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
        raise InputError(i18n.tr("err.ranking.why_columns", columns=", ".join(missing),
                                 scenario=sc.name))  # fmt: skip
    n = len(df)
    facts = {lang: np.full((n, _N_FACTS + 1), "", dtype=object) for lang in WHY_LANGS}
    excluded = df["excluded"].to_numpy(dtype=bool, na_value=False)
    held_down = _city_rule_rows(df, sc, ~excluded)  # key -> rows the city rule keeps low
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
        makers = _fact_makers(names)
        live = ~excluded
        for j, key in enumerate(keys):
            told = live & ~held_down.get(key, np.zeros(n, dtype=bool))  # told by the rule
            hit_rows, hit_pos = np.nonzero((top == j) & told[:, None])
            if not len(hit_rows):
                continue
            if CRITERIA[key] not in df.columns:
                continue
            made = makers[key](df, hit_rows)
            if isinstance(sc.criteria[key], PointTable):  # "... (3-8 km: 6 of 10)"
                made = _with_points(df, hit_rows, key, sc.criteria[key], made)
            for lang in WHY_LANGS:
                facts[lang][hit_rows, hit_pos] = made[lang]
    for key, rows in held_down.items():  # why an in-city site scores low: the last fact
        made = _city_rule_facts(df[f"c_{key}"].to_numpy(dtype="f8", na_value=0.0)[rows])
        for lang in WHY_LANGS:
            facts[lang][rows, _N_FACTS] = made[lang]
    out = {lang: _join(facts[lang]) for lang in WHY_LANGS}
    from planner.core import terrain_text

    unknown = terrain_text.unknown_terrain(df, excluded)
    if unknown.any():  # scored with a DEM that has no value here: say so
        for lang in WHY_LANGS:
            note = i18n.t("why.terrain.unknown", lang)
            col = out[lang][unknown]
            out[lang][unknown] = np.where(col != "", col + "; " + note, note)
    if excluded.any():
        texts = terrain_text.excluded_texts(df[excluded], sc.terrain, WHY_LANGS)
        for lang in WHY_LANGS:
            out[lang][excluded] = texts[lang]
    return pd.DataFrame(
        {f"why_{lang}": pd.array(out[lang], dtype="str") for lang in WHY_LANGS},
        index=df.index,
    )


def _city_rule_rows(df: pd.DataFrame, sc: Scenario, live: np.ndarray) -> dict[str, np.ndarray]:
    """Criterion key -> the live rows inside Almaty that the scenario's city rule
    (``inside_value`` / ``inside_points`` below full marks: the 2022 policy of no production
    inside the city) scores low, for the ``almaty`` and ``time_almaty`` criteria."""
    if "in_almaty" not in df.columns:
        return {}
    inside = df["in_almaty"].to_numpy(dtype=bool, na_value=False) & live
    out = {}
    for key in ("almaty", "time_almaty"):
        t = sc.criteria.get(key)
        if t is None or f"c_{key}" not in df.columns:
            continue
        if isinstance(t, PointTable):
            low = t.inside_points is not None and t.inside_points < t.scale
        else:
            low = getattr(t, "inside_value", None) is not None and t.inside_value < 1.0
        if low and inside.any():
            out[key] = inside
    return out


def _city_rule_facts(points: np.ndarray) -> Facts:
    """"внутри Алматы: 0 баллов по политике 2022 г. ..." (or the points left) per language."""
    zero = np.round(points, 1) <= 0
    out = {}
    for lang in WHY_LANGS:
        text = np.full(len(points), i18n.t("why.city_rule.zero", lang), dtype=object)
        if (~zero).any():
            pts = np.array([i18n.format_number(v, lang, 1) for v in points[~zero].tolist()],
                           dtype=object)  # fmt: skip
            text[~zero] = i18n.fill_array("why.city_rule.points", lang, points=pts)
        out[lang] = text
    return out


def _with_points(df, rows, key, t, made: Facts) -> Facts:
    """Each fact with its points from the point table: "... (3-8 km: 6 of 10)"."""
    from planner.core import points

    return {
        lang: made[lang] + " (" + points.facts(df, rows, key, t, lang) + ")" for lang in WHY_LANGS
    }


def _join(parts: np.ndarray) -> np.ndarray:
    out = parts[:, 0].copy() if parts.shape[1] else np.full(len(parts), "", dtype=object)
    for j in range(1, parts.shape[1]):
        col = parts[:, j]
        sep = np.where((col != "") & (out != ""), "; ", "").astype(object)
        out = out + sep + col
    return out
