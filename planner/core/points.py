"""Point tables (балльная оценка): class lookups and their plain-language reasons.

A :class:`~planner.config.weighting.PointTable` gives points per class of distance
(km, or minutes at a declared speed) or per zone status; the utility is
``points / max_points``. Classes hold ``from < d <= to`` (the first one also ``d = from``),
so one :func:`numpy.searchsorted` over the upper breaks finds every site's class: no loop
over sites. A missing distance (NaN) gets utility 0, as in the other transforms.

The reasons say the class and its points: "3-8 км: 6 из 10", "3-8 km: 6 of 10",
"3-8 км: 10 балдан 6"; only the distinct classes are formatted.
"""

from __future__ import annotations

import numpy as np

from planner import i18n
from planner.config.scenarios import ZONE_STATUSES
from planner.config.weighting import PointTable

__all__ = [
    "class_index",
    "class_labels",
    "point_values",
    "points_text",
    "reason_texts",
    "utility_from_distance",
    "utility_from_status",
]


def _n(x: float, lang: str) -> str:
    return i18n.format_number(x, lang, significant=6)  # as format(x, "g")


def class_index(t: PointTable, d_km: np.ndarray) -> np.ndarray:
    """Row of ``t.classes`` for every distance (km); -1 where the distance is NaN."""
    d = np.asarray(d_km, dtype="f8")
    idx = np.searchsorted(t.upper_km, d, side="left")  # d == break -> the lower class
    return np.where(np.isnan(d), -1, idx)


def point_values(t: PointTable) -> np.ndarray:
    return np.array([c.points for c in t.classes], dtype="f8")


def utility_from_distance(
    t: PointTable, d_km: np.ndarray, inside: np.ndarray | None = None
) -> np.ndarray:
    """``points / max_points`` of each site's class; NaN distance -> 0; inside Almaty ->
    ``inside_points`` when the table has it."""
    idx = class_index(t, d_km)
    table = np.append(point_values(t) / t.scale, 0.0)  # -1 (NaN) picks the trailing 0
    u = table[idx]
    if t.inside_points is not None and inside is not None:
        u = np.where(np.asarray(inside, dtype=bool), t.inside_points / t.scale, u)
    return u


def _status_points(t: PointTable) -> np.ndarray:
    by_status = {c.category: c.points for c in t.classes}
    return np.array([by_status[s] for s in ZONE_STATUSES], dtype="f8")


def utility_from_status(
    t: PointTable, codes: np.ndarray, sez_operating: np.ndarray | None = None
) -> np.ndarray:
    """Points of each zone status code (index into ZONE_STATUSES) / ``max_points``, plus
    ``sez_bonus_points`` inside an operating SEZ, capped at ``max_points``."""
    pts = _status_points(t)[np.asarray(codes)]
    if t.sez_bonus_points and sez_operating is not None:
        pts = np.fmin(pts + t.sez_bonus_points * np.asarray(sez_operating, dtype=bool), t.scale)
    return pts / t.scale


def class_labels(t: PointTable, lang: str = "ru") -> list[str]:
    """One label per class: "0-3 км", "15 км и далее", or the zone status."""
    i18n.check_lang(lang)
    if t.unit == "category":
        return [i18n.status_label(c.category, lang) for c in t.classes]
    u = i18n.t(f"points.unit_{t.unit}", lang)
    out = []
    for c in t.classes:
        if c.upper is None:
            out.append(i18n.t("points.farther", lang, a=_n(c.lower, lang), unit=u))
        else:
            out.append(
                i18n.t("points.range", lang, a=_n(c.lower, lang), b=_n(c.upper, lang), unit=u)
            )
    return out


def points_text(points: float, t: PointTable, lang: str = "ru") -> str:
    """ "6 из 10" / "6 of 10" / "10 балдан 6"."""
    return i18n.t("points.of", lang, p=_n(round(points, 2), lang), m=_n(t.scale, lang))


def reason_texts(
    t: PointTable,
    values: np.ndarray,
    lang: str = "ru",
    inside: np.ndarray | None = None,
    sez_operating: np.ndarray | None = None,
    status_label: bool = True,
) -> np.ndarray:
    """ "3-8 км: 6 из 10" for every site (object array); "—" where the distance is unknown.

    ``values`` are distances in km, or for a category table the zone status codes
    (indices into ZONE_STATUSES). ``status_label=False`` leaves out the zone status and
    "inside Almaty" (when the sentence around already says it): "8 из 10".
    """
    labels = class_labels(t, lang) if status_label or t.unit != "category" else None
    if labels is None:
        labels = [""] * len(t.classes)
    pts = point_values(t)
    if t.unit == "category":
        codes = np.asarray(values)
        order = [ZONE_STATUSES.index(c.category) for c in t.classes]
        row_of_code = np.empty(len(ZONE_STATUSES), dtype=np.int64)
        row_of_code[order] = np.arange(len(order))
        idx = row_of_code[codes]
        texts = np.array(
            [_labelled(lab, points_text(p, t, lang)) for lab, p in zip(labels, pts, strict=True)],
            dtype=object,
        )
        out = texts[idx]
        if t.sez_bonus_points and sez_operating is not None:
            sez = np.asarray(sez_operating, dtype=bool)
            if sez.any():
                boosted = np.minimum(pts + t.sez_bonus_points, t.scale)
                sez_text = i18n.t("points.sez", lang)
                heads = [f"{lab}, {sez_text}" if lab else sez_text for lab in labels]
                bt = np.array(
                    [
                        _labelled(h, points_text(p, t, lang))
                        for h, p in zip(heads, boosted, strict=True)
                    ],
                    dtype=object,
                )
                out = np.where(sez, bt[idx], out)
        return out
    idx = class_index(t, values)
    texts = np.array(
        [f"{lab}: {points_text(p, t, lang)}" for lab, p in zip(labels, pts, strict=True)] + ["—"],
        dtype=object,
    )
    out = texts[idx]
    if t.inside_points is not None and inside is not None:
        ins = np.asarray(inside, dtype=bool)
        inside_text = _labelled(
            i18n.t("points.inside", lang) if status_label else "",
            points_text(t.inside_points, t, lang),
        )
        out = np.where(ins, inside_text, out)
    return out


def _labelled(label: str, points: str) -> str:
    return f"{label}: {points}" if label else points


def facts(df, rows: np.ndarray, key: str, t: PointTable, lang: str) -> np.ndarray:
    """:func:`reason_texts` for rows ``rows`` of a scored table (criteria columns present)."""
    import pandas as pd

    from planner.config.scenarios import CRITERIA

    col = CRITERIA[key]
    if t.unit == "category":
        status = df[col].iloc[rows].astype(object).fillna("none")
        codes, uniq = pd.factorize(status)
        lookup = np.array([ZONE_STATUSES.index(u) if u in ZONE_STATUSES else 3 for u in uniq])
        codes = lookup[codes] if len(codes) else np.zeros(0, dtype=np.int64)
        sez = None
        if t.sez_bonus_points and "sez_status" in df.columns:
            sez = (df["sez_status"].iloc[rows].astype(object) == "operating").to_numpy(dtype=bool)
        return reason_texts(t, codes, lang, sez_operating=sez, status_label=False)
    d = df[col].to_numpy(dtype="f8", na_value=np.nan)[rows]
    inside = None
    if t.inside_points is not None and "in_almaty" in df.columns:
        inside = df["in_almaty"].to_numpy(dtype=bool, na_value=False)[rows]
    return reason_texts(t, d, lang, inside=inside, status_label=False)
