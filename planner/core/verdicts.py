"""The words of a comparison: verdicts, needs, robustness and date-change sentences.

Everything a reader of :class:`planner.core.compare.Comparison` sees as text, in Russian,
Kazakh and English, built from the numbers the comparison computed. Texts are plain:
escape them before putting them into HTML.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from planner import i18n
from planner.core.flips import flip_text
from planner.core.prepared import FeatureNames

__all__ = ["need_text", "site_names", "verdicts", "robustness_texts", "flip_texts",
           "time_comparison"]  # fmt: skip

#: changes of points smaller than this are not reported as a reason for a move
_POINTS_EPS = 0.05
_LANGS = i18n.LANGS


def _q(name: str, lang: str) -> str:
    """A site name quoted for a sentence (Russian/Kazakh guillemets unless it has its own)."""
    return i18n.quote(name, lang)


def _n(value: float, digits: int, lang: str) -> str:
    return i18n.format_number(value, lang, digits)


def flip_texts(
    flip,
    pair: tuple[int, int] | None,
    names: Mapping[str, list[str]],
    keys: list[str],
    n_eligible: int = 2,
) -> dict[str, str]:
    """The flip sentence per language (or why there is none: fewer than two sites)."""
    if n_eligible < 2:
        return {lang: i18n.t("compare.flip_few", lang, n=n_eligible) for lang in _LANGS}
    out = {}
    for lang in _LANGS:
        titles = {k: i18n.criterion_label(k, lang) for k in keys}
        a, b = pair if pair is not None else (None, None)
        pair_names = (names[lang][a], names[lang][b]) if pair is not None else ("A", "B")
        quoted = (_q(pair_names[0], lang), _q(pair_names[1], lang))
        out[lang] = flip_text(flip, lang, titles, names=quoted)
    return out


def need_text(key: str, required: float, value: float, lang: str) -> str:
    t = i18n.section("compare", lang)
    if key == "land" and not np.isfinite(value):
        return t["need_land_unknown"].format(required=_n(required, 1, lang))
    if key == "in_almaty":
        return t["need_in_almaty"]
    digits = 1
    return t[f"need_{key}"].format(value=_n(value, digits, lang), required=_n(required, 1, lang))


def site_names(scored: pd.DataFrame, feature_names: FeatureNames) -> dict[str, list[str]]:
    """Each site's name per language: a built-in zone site is named like its zone."""
    names = scored["name"].astype(str).tolist()
    builtin = (scored["site_source"].astype(str) == "builtin").to_numpy()
    ids = scored["site_id"].astype(str).tolist()
    out = {}
    for lang in _LANGS:
        by_id = feature_names.of("zones", lang)
        out[lang] = [
            by_id.get(sid, nm) if b and by_id.get(sid) else nm
            for sid, nm, b in zip(ids, names, builtin, strict=True)
        ]
    return out


def _strong(points: np.ndarray, keys: list[str], lang: str, k: int = 2) -> str:
    top = np.argsort(-points, kind="stable")[:k]
    top = [j for j in top if points[j] > 0] or list(top[:1])
    return ", ".join(i18n.criterion_label(keys[j], lang) for j in top)


@dataclasses.dataclass(frozen=True)
class _Limits:
    max_slope_pct: float | None = None
    max_elevation_m: float | None = None


_NO_LIMITS = _Limits()


def verdicts(
    scored: pd.DataFrame,
    keys: list[str],
    rank: pd.arrays.IntegerArray,
    eligible: np.ndarray,
    failed: list[list[str]],
    needs: pd.DataFrame | None,
    area_unknown: np.ndarray,
    p_first: np.ndarray,
    site_names: Mapping[str, list[str]],
    terrain=None,
) -> dict[str, tuple[str, ...]]:
    """One verdict per site and language. ``terrain`` (the DEM with its limits, or None)
    puts the slope or elevation against the limit into an exclusion's reason."""
    from planner.core.terrain_text import excluded_texts

    n = len(scored)
    score = scored["score"].to_numpy(dtype="f8")
    points = scored[[f"c_{k}" for k in keys]].to_numpy(dtype="f8", na_value=0.0)
    excluded = scored["excluded"].to_numpy(dtype=bool)
    limits = terrain if terrain is not None else _NO_LIMITS
    reason_text = excluded_texts(scored, limits, _LANGS, sentence=False)
    r = rank.to_numpy(dtype="f8", na_value=np.nan)
    lead = np.flatnonzero(r == 1)
    second = np.flatnonzero(r == 2)
    n_eligible = int(eligible.sum())
    out: dict[str, tuple[str, ...]] = {}
    for lang in _LANGS:
        t = i18n.section("compare", lang)
        names = site_names[lang]
        texts = []
        for i in range(n):
            if excluded[i]:
                texts.append(t["excluded"].format(reasons=reason_text[lang][i]))
                continue
            if not eligible[i]:
                rows = needs[(needs["site_id"] == str(scored["site_id"].iloc[i]))]
                parts = [
                    need_text(rw.need, rw.required, rw.value, lang)
                    for rw in rows.itertuples()
                    if rw.need in failed[i]
                ]
                texts.append(t["infeasible"].format(failed="; ".join(parts)))
                continue
            if r[i] == 1:
                if n_eligible == 1:
                    text = t["only"].format(score=_n(score[i], 1, lang))
                else:
                    j = int(second[0])
                    text = t["best"].format(
                        score=_n(score[i], 1, lang),
                        gap=_n(score[i] - score[j], 1, lang),
                        second=_q(names[j], lang),
                        strong=_strong(points[i], keys, lang),
                    )
            else:
                a = int(lead[0])
                gap = score[a] - score[i]
                if gap <= 1e-9:
                    text = t["tie"].format(rank=int(r[i]), leader=_q(names[a], lang))
                else:
                    deficit = points[a] - points[i]
                    j = int(np.argmax(deficit))
                    text = t["other"].format(
                        rank=int(r[i]),
                        gap=_n(gap, 1, lang),
                        leader=_q(names[a], lang),
                        crit=i18n.criterion_label(keys[j], lang),
                        pts="\u2212" + _n(deficit[j], 1, lang),
                    )
            if n_eligible > 1 and p_first[i] > 0:
                text += t["p_first"].format(p=_n(100 * p_first[i], 0, lang))
            if area_unknown[i]:
                text += t["area_unknown"]
            texts.append(text)
        out[lang] = tuple(texts)
    return out


def robustness_texts(
    site_names: Mapping[str, list[str]], mc, eligible, draws, seed, spread
) -> dict[str, tuple[str, ...]]:
    out = {}
    p = mc.p_first
    for lang in _LANGS:
        t = i18n.section("compare", lang)
        names = site_names[lang]
        if not eligible.any():
            out[lang] = (t["mc_none"],)
            continue
        best = int(np.argmax(np.where(eligible, p, -1.0)))
        lines = [
            t["mc"].format(
                draws=i18n.format_number(draws, lang, grouping=True),
                lo=_n(1 - spread, 2, lang),
                hi=_n(1 + spread, 2, lang),
                seed=seed,
                site=_q(names[best], lang),
                p=_n(100 * p[best], 0, lang),
            )
        ]
        order = np.lexsort((np.arange(len(p)), mc.base_rank))
        for i in order:
            if not eligible[i]:
                continue
            lines.append(
                t["mc_site"].format(
                    site=_q(names[i], lang),
                    p=_n(100 * p[i], 0, lang),
                    lo=int(mc.rank_p5[i]),
                    hi=int(mc.rank_p95[i]),
                )
            )
        out[lang] = tuple(lines)
    return out


def time_comparison(
    base: pd.DataFrame,
    base_rank: pd.arrays.IntegerArray,
    other: pd.DataFrame,
    other_rank: pd.arrays.IntegerArray,
    other_eligible: np.ndarray,
    keys: list[str],
    day: dt.date,
    feature_names: FeatureNames,
    site_names: Mapping[str, list[str]],
) -> dict[str, Any]:
    """The fields of a :class:`planner.core.compare.TimeComparison`."""
    n = len(base)
    zone_names = {lang: feature_names.of("zones", lang) for lang in _LANGS}
    r1 = base_rank.to_numpy(dtype="f8", na_value=np.nan)
    r2 = other_rank.to_numpy(dtype="f8", na_value=np.nan)
    s1 = base["score"].to_numpy(dtype="f8")
    s2 = other["score"].to_numpy(dtype="f8")
    d_pts = other[[f"c_{k}" for k in keys]].to_numpy("f8", na_value=0.0) - base[
        [f"c_{k}" for k in keys]
    ].to_numpy("f8", na_value=0.0)
    same_rank = (r1 == r2) | (np.isnan(r1) & np.isnan(r2))
    changes = pd.DataFrame(
        {
            "site_id": base["site_id"].astype("str").to_numpy(),
            "rank_from": base_rank,
            "rank_to": other_rank,
            "score_from": s1,
            "score_to": s2,
            "moved": ~same_rank,
            "zone_from": base["zone_id"].astype("str").to_numpy(),
            "zone_to": other["zone_id"].astype("str").to_numpy(),
            "status_from": base["zone_status"].astype("str").to_numpy(),
            "status_to": other["zone_status"].astype("str").to_numpy(),
            "sez_from": base["sez_status"].astype("str").to_numpy(),
            "sez_to": other["sez_status"].astype("str").to_numpy(),
        }
    )
    for j, k in enumerate(keys):
        changes[f"d_{k}"] = d_pts[:, j]
    texts: dict[str, tuple[str, ...]] = {}
    why: dict[str, tuple[str, ...]] = {}
    summary: dict[str, str] = {}
    headline: dict[str, str] = {}
    for lang in _LANGS:
        t = i18n.section("compare", lang)
        names = site_names[lang]
        per_site = []
        per_why = []
        for i in range(n):
            reasons = []
            zf, zt = changes.at[i, "zone_from"], changes.at[i, "zone_to"]
            sf, st = changes.at[i, "status_from"], changes.at[i, "status_to"]
            if zf == zt and zt and sf != st:
                reasons.append(
                    t["also_zone"].format(
                        zone=zone_names[lang].get(zt, zt),
                        st1=i18n.status_label(sf, lang),
                        st2=i18n.status_label(st, lang),
                    )
                )
            elif zf != zt and zt:
                reasons.append(
                    t["also_zone_new"].format(
                        zone=zone_names[lang].get(zt, zt), st2=i18n.status_label(st, lang)
                    )
                )
            elif zf != zt:
                reasons.append(
                    t["also_zone"].format(
                        zone=zone_names[lang].get(zf, zf),
                        st1=i18n.status_label(sf, lang),
                        st2=i18n.status_label("none", lang),
                    )
                )
            sez_pair = (changes.at[i, "sez_from"], changes.at[i, "sez_to"])
            if sez_pair[0] != sez_pair[1] and (reasons == [] or sez_pair != (sf, st)):
                reasons.append(
                    t["also_sez"].format(
                        st1=i18n.status_label(changes.at[i, "sez_from"], lang),
                        st2=i18n.status_label(changes.at[i, "sez_to"], lang),
                    )
                )
            for j in np.argsort(-np.abs(d_pts[i]), kind="stable"):
                if abs(d_pts[i, j]) < _POINTS_EPS:
                    break
                sign = "+" if d_pts[i, j] > 0 else "\u2212"
                reasons.append(
                    t["also_points"].format(
                        crit=i18n.criterion_label(keys[j], lang),
                        delta=sign + _n(abs(d_pts[i, j]), 1, lang),
                    )
                )
            rank1 = t["unranked"] if np.isnan(r1[i]) else str(int(r1[i]))
            rank2 = t["unranked"] if np.isnan(r2[i]) else str(int(r2[i]))
            head_key = "also_site_same" if same_rank[i] else "also_site"
            head = t[head_key].format(
                site=_q(names[i], lang),
                r1=rank1,
                r2=rank2,
                s1=_n(s1[i], 1, lang),
                s2=_n(s2[i], 1, lang),
            )
            per_why.append("; ".join(reasons) or t["also_nothing"])
            per_site.append(f"{head} ({per_why[-1]})")
        texts[lang] = tuple(per_site)
        why[lang] = tuple(per_why)
        moved = [per_site[i] for i in np.flatnonzero(~same_rank)]
        summary[lang] = (
            t["also_changed"].format(date=i18n.format_date(day, lang), moves="; ".join(moved))
            if moved
            else t["also_same"].format(date=i18n.format_date(day, lang))
        )
        headline[lang] = t["also_head" if moved else "also_same"].format(
            date=i18n.format_date(day, lang)
        )
    return {
        "as_of": day,
        "scored": other,
        "rank": other_rank,
        "eligible": other_eligible,
        "changes": changes,
        "texts": texts,
        "reasons": why,
        "summary": summary,
        "headline": headline,
    }

