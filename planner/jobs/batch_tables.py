"""The tables of a batch run, built from its stages (:class:`~planner.jobs.batch_stages.BatchRun`)
for the chosen (company, site) pairs only; see :mod:`planner.jobs.batch` for what each
column means.

:func:`build_tables` makes ``results``, ``companies`` and (with allocation) ``allocation``;
:func:`check_nothing_lost` refuses to return a run that lost a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from planner import crs as _crs
from planner import i18n
from planner.core.ranking import REASONS
from planner.errors import BatchError

from .batch_stages import BatchRun, SiteStage

__all__ = ["SITE_FIELDS", "BatchTables", "build_tables", "check_nothing_lost"]

_SCORE_TOL = 1e-6  # score points: the kernel's sum vs the c_* columns

#: columns of ``results`` that come from the site, not the company (a company file column
#: of the same name is renamed "<name> (file)")
SITE_FIELDS = (
    "rank", "site_id", "site_name", "score", "allocated", "p_first", "rank_p5", "rank_p95",
    "flip_ru", "flip_kk", "flip_en", "area_unknown", "site_capacity_ha", "site_area_ha",
    "site_free_ha", "zone_id", "zone_status", "zone_kind", "sez_status", "zone_ids", "zone_free_ha",
    "preferred_zone_match", "in_almaty", "nearest_interchange", "excluded",
    "exclusion_reason", "why_ru", "why_kk", "why_en", "site_source", "lon", "lat", "geometry",
)  # fmt: skip


@dataclass(frozen=True)
class BatchTables:
    """The tables of a run (``allocation`` is None without allocation)."""

    results: gpd.GeoDataFrame
    companies: pd.DataFrame
    allocation: pd.DataFrame | None


@dataclass(frozen=True)
class ResultRows:
    """The (company, slot) pairs of the results table, company-major and best first;
    ``site`` is the site row of each pair."""

    company: np.ndarray
    slot: np.ndarray
    site: np.ndarray

    @classmethod
    def of(cls, run: BatchRun) -> ResultRows:
        rr = run.rank.rr
        keep = rr.top_idx >= 0
        keep[:, run.options.top_k :] = False
        offered = run.rank.offered
        if offered is not None and run.rank.separation_km > 0:  # options apart, true ranks
            keep[:] = False
            ci, j = np.nonzero(offered >= 0)
            keep[ci, offered[ci, j]] = True
        if run.alloc is not None and run.alloc.alloc is not None:
            # the allocated site's row, also when it ranks below top_k
            site_idx = run.alloc.alloc.site_idx
            keep |= (rr.top_idx == site_idx[:, None]) & (site_idx[:, None] >= 0)
        ci, slot = np.nonzero(keep)
        return cls(ci, slot, rr.top_idx[ci, slot])

    def __len__(self) -> int:
        return len(self.company)


def build_tables(run: BatchRun) -> BatchTables:
    results = results_table(run, ResultRows.of(run))
    companies = companies_table(run)
    alloc = allocation_table(run) if run.options.allocate else None
    return BatchTables(results, companies, alloc)


# ---------------------------------------------------------------------------------------
# results: one row per (company, rank)


def results_table(run: BatchRun, rows: ResultRows) -> gpd.GeoDataFrame:
    st = run.sites
    n, si = len(rows), rows.site
    comp = _rename_clashes(run.companies.valid).iloc[rows.company].reset_index(drop=True)
    score = run.rank.rr.top_score[rows.company, rows.slot]
    cols: dict[str, Any] = {
        "rank": pd.array(rows.slot + 1, dtype="Int64"),
        "site_id": st.ids[si],
        "site_name": st.names[si],
        "score": score,
    }
    if run.alloc is not None and run.alloc.alloc is not None:
        cols["allocated"] = run.alloc.alloc.site_idx[rows.company] == si
    if run.robust is not None:
        cols.update(_robust_columns(run, rows))
    c = st.crit.iloc[si].reset_index(drop=True) if n else st.crit.iloc[:0].reset_index(drop=True)
    cols.update(_site_columns(run, rows, c, comp))
    points = _points(run, rows, score)
    for j, k in enumerate(st.keys):
        cols[f"c_{k}"] = points[:, j]
    if run.scenario.method != "wlc":  # the points add up to the weighted sum, not the score
        cols["score_wlc"] = points.sum(axis=1)
    out = pd.concat([comp, pd.DataFrame(cols)], axis=1)
    if run.options.why:
        from planner.core.explain import WHY_COLUMNS, why_texts

        texts = why_texts(
            pd.concat([out[[f"c_{k}" for k in st.keys]], c], axis=1), run.scenario,
            st.prepared.names,
        ) if n else pd.DataFrame({c: [] for c in WHY_COLUMNS}, dtype="str")
        for col in WHY_COLUMNS:
            out[col] = texts[col].to_numpy()
    sites = st.sites
    lon = sites["lon"].to_numpy(dtype="f8")[si]
    lat = sites["lat"].to_numpy(dtype="f8")[si]
    out["site_source"] = sites["site_source"].astype(str).to_numpy(dtype=object)[si] \
        if "site_source" in sites else ""
    out["lon"] = lon
    out["lat"] = lat
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].astype("str")
    return gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(lon, lat), crs=_crs.GEOGRAPHIC_CRS)


def _robust_columns(run: BatchRun, rows: ResultRows) -> dict[str, Any]:
    """p_first, rank_p5, rank_p95 within the top K; the flip sentences on ranks 1-2."""
    mc, flip = run.robust.mc, run.robust.flip
    ci, slot = rows.company, rows.slot
    k_top = run.rank.top.shape[1]
    in_top = slot < k_top
    s = np.minimum(slot, k_top - 1)
    cols: dict[str, Any] = {"p_first": np.where(in_top, mc.p_first[ci, s], np.nan)}
    for name, arr in (("rank_p5", mc.rank_p5), ("rank_p95", mc.rank_p95)):
        vals = np.where(in_top, arr[ci, s], np.nan)
        cols[name] = pd.array(np.where(np.isfinite(vals), vals, 0).astype(np.int64), dtype="Int64")
        cols[name][~np.isfinite(vals)] = pd.NA
    first2 = slot < 2
    for lang in i18n.LANGS:
        cols[f"flip_{lang}"] = np.where(first2, flip[lang][ci], "").astype(object)
    return cols


def _site_columns(run: BatchRun, rows: ResultRows, c: pd.DataFrame, comp) -> dict[str, Any]:
    """Area, zone, preferred-zone match and criteria of each row's site (``c``: its criteria)."""
    sites, si = run.sites.sites, rows.site
    free = sites["free_ha"].to_numpy(dtype="f8", na_value=np.nan)[si]
    area = sites["area_ha"].to_numpy(dtype="f8", na_value=np.nan)[si]
    cols: dict[str, Any] = {
        "area_unknown": run.rank.rr.top_area_unknown[rows.company, rows.slot],
        "site_capacity_ha": np.where(np.isnan(free), area, free),
        "site_area_ha": area,
        "site_free_ha": free,
    }
    for col in ("zone_id", "zone_status", "zone_kind", "sez_status", "zone_ids"):
        cols[col] = c[col].to_numpy(dtype=object)
    pref = comp["preferred_zone"].astype(str).to_numpy(dtype=object) if "preferred_zone" in comp \
        else np.full(len(rows), "", dtype=object)
    cols["preferred_zone_match"] = _preferred_match(pref, cols["zone_ids"])
    for col in run.sites.crit.columns:
        if col.startswith(("dist_", "time_")) or col in (
            "nearest_interchange", "in_almaty", "zone_free_ha", "nearest_interchange_by_road",
            "snap_m", "no_road_access", "elevation_m", "slope_pct",
        ):  # fmt: skip
            cols[col] = c[col].to_numpy()
    return cols


def _points(run: BatchRun, rows: ResultRows, score: np.ndarray) -> np.ndarray:
    """The company's own points ``c_k = 100 * w_company_k * u_site_k`` (they sum to the score)."""
    n = len(rows)
    points = 100.0 * run.rank.W[rows.company] * run.sites.U[rows.site] if n \
        else np.zeros((0, len(run.sites.keys)))
    if n and run.scenario.method == "wlc":  # another method's score is not the sum
        off = np.abs(points.sum(axis=1) - score)
        if not (off <= _SCORE_TOL).all():
            r = int(np.argmax(off))
            raise BatchError(
                f"internal error: the points of result row {r} add up to "
                f"{points[r].sum():.6f}, the ranking gave {score[r]:.6f}; please report this bug"
            )
    return points


def _rename_clashes(valid: pd.DataFrame) -> pd.DataFrame:
    taken = set(valid.columns)
    ren = {}
    for c in valid.columns:
        if c in SITE_FIELDS or c.startswith(("c_", "dist_")):
            new, k = f"{c} (file)", 2
            while new in taken:
                new, k = f"{c} (file {k})", k + 1
            ren[c] = new
            taken.add(new)
    return valid.rename(columns=ren) if ren else valid


def _preferred_match(pref: np.ndarray, zone_ids: np.ndarray) -> np.ndarray:
    out = np.zeros(len(pref), dtype=bool)
    has = np.flatnonzero(pref != "")
    if has.size:  # only companies naming a zone: a short Python loop
        out[has] = [
            p.casefold() in {z.casefold() for z in zs.split(";") if z}
            for p, zs in zip(pref[has].tolist(), zone_ids[has].tolist(), strict=True)
        ]
    return out


# ---------------------------------------------------------------------------------------
# companies: one row per valid company


def companies_table(run: BatchRun) -> pd.DataFrame:
    valid, rr = run.companies.valid, run.rank.rr
    n = len(valid)
    base = [c for c in ("company_id", "row", "name", "sector", "land_ha") if c in valid]
    out = valid[base].copy()
    feasible = rr.n_feasible > 0
    out["status"] = pd.array(np.where(feasible, "ranked", "no_feasible_site"), dtype="str")
    out["n_feasible"] = rr.n_feasible
    best = rr.top_idx[:, 0] if rr.k else np.full(n, -1)
    ids, names = _padded_labels(run.sites)
    out["best_site_id"] = pd.array(ids[best], dtype="str")
    out["best_site_name"] = pd.array(names[best], dtype="str")
    out["best_score"] = rr.top_score[:, 0] if rr.k else np.full(n, np.nan)
    if run.robust is not None and n:
        out["best_p_first"] = np.where(best >= 0, run.robust.mc.p_first[:, 0], np.nan)
    for j, r in enumerate(REASONS):
        out[f"filtered_{r}"] = rr.reason_counts[:, j]
    out["no_site_reason"] = pd.array(run.rank.reasons, dtype="str")
    detail = np.full(n, "", dtype=object)
    lost = np.flatnonzero(~feasible)
    if lost.size:
        detail[lost] = _binding_details(run, lost)
    out["no_site_detail"] = pd.array(detail, dtype="str")
    alloc = run.alloc.alloc if run.alloc is not None else None
    if alloc is not None:
        s = alloc.site_idx
        out["allocated_site_id"] = pd.array(ids[s], dtype="str")
        out["allocated_site_name"] = pd.array(names[s], dtype="str")
        out["allocated_score"] = alloc.score
        out["allocation_reason"] = pd.array(alloc.reason, dtype="str")
    return out.reset_index(drop=True)


def _padded_labels(st: SiteStage) -> tuple[np.ndarray, np.ndarray]:
    """Site ids and names with an empty label appended: index -1 (no site) gives ""."""
    return np.append(st.ids, ""), np.append(st.names, "")


def _num(x, lang: str, digits: int | None = None) -> str:
    """A number for a sentence: ``digits`` decimals, or as ``format(x, "g")``."""
    if digits is None:
        return i18n.format_number(x, lang, significant=6)
    return i18n.format_number(x, lang, digits)


def _need_and_best(run: BatchRun) -> dict[str, tuple[np.ndarray, float]]:
    """Per need with a figure: each company's need and the best usable (not excluded) site's
    value; a need is left out when no usable site has a value for it."""
    needs, sa = run.rank.needs, run.sites.arrays
    live = ~sa.excluded
    cap = sa.capacity_ha[live]
    out = {}
    if np.isfinite(cap).any():
        out["land"] = (needs.land_ha, np.nanmax(cap))
    if live.any():
        out["rail"] = (needs.rail_max_km, sa.dist_rail_km[live].min())
        out["hazard"] = (needs.min_housing_km, sa.dist_housing_km[live].max())
        out["max_dist_almaty"] = (needs.max_dist_almaty_km, sa.dist_almaty_km[live].min())
    return out


def _farthest_from_housing(run: BatchRun, lang: str) -> dict:
    """The usable site farthest from housing, its distance and the housing place it is
    nearest to (a city, settlement or residential district: planner.core.housing)."""
    st = run.sites
    live = np.flatnonzero(~st.arrays.excluded)
    i = int(live[np.argmax(st.arrays.dist_housing_km[live])])
    hid = str(st.crit["nearest_housing"].iloc[i])
    if not hid:
        place = i18n.t("batch.no_housing", lang)
    else:
        place = f"{st.prepared.names.of('cities', lang).get(hid, hid)} ({hid})"
    return {"site": str(st.ids[i]), "best": _num(st.arrays.dist_housing_km[i], lang, 2),
            "place": place}  # fmt: skip


def _binding_details(run: BatchRun, rows: np.ndarray) -> list[str]:
    """One sentence per company in ``rows`` (each without a feasible site), in the run's
    language (catalog ``batch.*``)."""
    rr, reasons, n_sites = run.rank.rr, run.rank.reasons, run.sites.arrays.n_sites
    lang = run.options.lang
    figures = _need_and_best(run)
    words = i18n.section("batch.reason", lang)
    out = []
    for c in rows.tolist():  # only companies without any feasible site: few, not hot
        why = reasons[c]
        counts = ", ".join(
            f"{words.get(r, r)} {int(n)}"
            for r, n in zip(REASONS, rr.reason_counts[c], strict=True)
            if n
        )
        head = i18n.t("batch.none_meets", lang, n=_num(n_sites, lang, 0), counts=counts)
        if why == "hazard" and "hazard" in figures:
            hint = i18n.t("batch.need_hazard", lang, need=_num(figures[why][0][c], lang),
                          **_farthest_from_housing(run, lang))  # fmt: skip
        elif why in figures:
            need, best = figures[why]
            digits = None if why == "land" else 1
            hint = i18n.t(f"batch.need_{why}", lang, need=_num(need[c], lang),
                          best=_num(best, lang, digits))  # fmt: skip
        elif why in ("in_almaty", "excluded"):
            hint = i18n.t(f"batch.need_{why}", lang)
        else:
            hint = why or i18n.t("batch.need_none", lang)
        out.append(f"{hint}; {head}")
    return out


# ---------------------------------------------------------------------------------------
# allocation: one row per valid company, its site or why it got none


@dataclass(frozen=True)
class _Occupancy:
    """How the allocation fills the sites: land used and companies per site, group labels
    (index -1 = no site gives None), each company's land need (NaN as 0)."""

    used_ha: np.ndarray
    n_at: np.ndarray
    group: np.ndarray
    land_ha: np.ndarray


def allocation_table(run: BatchRun) -> pd.DataFrame:
    valid, rr, sa = run.companies.valid, run.rank.rr, run.sites.arrays
    alloc, group = run.alloc.alloc, run.alloc.group
    n = len(valid)
    out = valid[[c for c in ("company_id", "row", "name", "land_ha") if c in valid]].copy()
    out = out.reset_index(drop=True)
    ids, names = _padded_labels(run.sites)
    if alloc is None:  # no valid company
        site = np.full(n, -1, dtype=np.int64)
        reason = np.full(n, "", dtype=object)
    else:
        site, reason = alloc.site_idx, alloc.reason.astype(object)
    assigned = site >= 0
    hit = (rr.top_idx == site[:, None]) & assigned[:, None]
    rank = np.where(assigned, hit.argmax(axis=1) + 1, 0)
    land = np.where(np.isnan(run.rank.needs.land_ha), 0.0, run.rank.needs.land_ha)
    occ = _Occupancy(
        used_ha=np.bincount(site[assigned], weights=land[assigned], minlength=sa.n_sites),
        n_at=np.bincount(site[assigned], minlength=sa.n_sites),
        group=np.append(group if group is not None else np.full(sa.n_sites, None, dtype=object),
                        None),  # fmt: skip
        land_ha=land,
    )
    out["allocated"] = assigned
    out["site_id"] = pd.array(ids[site], dtype="str")
    out["site_name"] = pd.array(names[site], dtype="str")
    out["rank"] = pd.array(np.where(assigned, rank, 0), dtype="Int64")
    out.loc[~assigned, "rank"] = pd.NA
    out["score"] = alloc.score if alloc is not None else np.full(n, np.nan)
    g = occ.group[site]
    out["group"] = pd.array([str(v) if v else "" for v in g.tolist()], dtype="str")
    cap = np.append(sa.capacity_ha, np.nan)[site]
    out["site_capacity_ha"] = np.where(assigned, cap, np.nan)
    out["site_used_ha"] = np.where(assigned, np.append(occ.used_ha, np.nan)[site], np.nan)
    out["site_companies"] = np.where(assigned, np.append(occ.n_at, 0)[site], 0)
    out["area_unknown"] = assigned & np.isnan(cap)
    out["reason"] = pd.array(reason, dtype="str")
    notes = np.full(n, "", dtype=object)
    if alloc is not None:
        for i in np.flatnonzero(~assigned).tolist():  # unassigned companies only
            notes[i] = _unassigned_note(run, i, occ, ids, names)
        area_unknown = np.flatnonzero(assigned & np.isnan(cap))
        notes[area_unknown] = i18n.t("batch.area_unknown", run.options.lang)
    out["note"] = pd.array(notes, dtype="str")
    return out


def _needs_text(valid: pd.DataFrame, i: int, land_ha: float, lang: str) -> str:
    """A company's hard needs in a few words: land, rail, hazard class."""
    row = valid.iloc[i]
    parts = [i18n.t("batch.needs_land", lang, ha=_num(land_ha, lang)) if land_ha > 0
             else i18n.t("batch.needs_no_land", lang)]  # fmt: skip
    rail = row.get("needs_rail")
    if rail is not None and not pd.isna(rail) and bool(rail):
        parts.append(i18n.t("batch.needs_rail", lang))
    hc = row.get("hazard_class")
    if hc is not None and not pd.isna(hc) and str(hc).strip():
        parts.append(i18n.t("batch.needs_hazard", lang, c=hc))
    return i18n.t("batch.needs", lang, parts=", ".join(parts))


def _unassigned_note(run: BatchRun, i: int, occ: _Occupancy, ids, names) -> str:
    alloc, sa = run.alloc.alloc, run.sites.arrays
    valid, lang = run.companies.valid, run.options.lang
    why = alloc.reason[i]
    b = int(alloc.blocked_site[i])
    needs = _needs_text(valid, i, float(occ.land_ha[i]), lang)
    if why == "no_feasible_site" or b < 0:
        return i18n.t("batch.no_site", lang, needs=needs)
    site = f"{names[b]} ({ids[b]})" if names[b] and names[b] != ids[b] else str(ids[b])
    if why == "below_min_score":
        given = run.options.min_score
        floor = given if given is not None else run.scenario.allocation.min_score
        best = float(run.rank.rr.top_score[i, 0])
        return i18n.t("batch.below_min_score", lang, site=site, best=_num(best, lang, 1),
                      floor=_num(floor, lang), needs=needs)  # fmt: skip
    holders = np.flatnonzero(alloc.site_idx == b)
    who = ", ".join(str(n) for n in valid["name"].to_numpy(dtype=object)[holders[:5]])
    if holders.size > 5:
        who = i18n.t("batch.more", lang, who=who, n=holders.size - 5)
    if why == "capacity_taken" and np.isnan(sa.capacity_ha[b]):
        return i18n.t("batch.unknown_area_full", lang, site=site, n=int(occ.n_at[b]), who=who,
                      needs=needs)  # fmt: skip
    if why == "capacity_taken":
        left = sa.capacity_ha[b] - occ.used_ha[b]
        return i18n.t("batch.capacity_taken", lang, site=site, left=_num(left, lang, 1),
                      need=_num(occ.land_ha[i], lang), who=who)  # fmt: skip
    if why == "group_share_limit":
        return i18n.t("batch.group_share_limit", lang, site=site, group=occ.group[b],
                      n=alloc.group_limit, needs=needs)  # fmt: skip
    return i18n.t("batch.left_by_optimum", lang, site=site, needs=needs)


# ---------------------------------------------------------------------------------------
# nothing lost


def check_nothing_lost(counts, valid, results, companies_tab, rejects) -> None:
    """Raise :class:`~planner.errors.BatchError` unless every input row is ranked, reported
    without a feasible site, or rejected, and results and companies name the same ones."""
    c = counts
    problems = []
    if c["rows_in"] != c["ranked"] + c["unplaced"] + c["rejected"]:
        problems.append(
            f"{c['rows_in']} rows in but {c['ranked']} ranked + {c['unplaced']} unplaced + "
            f"{c['rejected']} rejected"
        )
    if len(valid):
        in_results = set(results["company_id"].astype(str)) if len(results) else set()
        ranked_ids = set(
            companies_tab.loc[companies_tab["status"] == "ranked", "company_id"].astype(str)
        )
        if in_results != ranked_ids:
            problems.append(
                f"{len(ranked_ids ^ in_results)} companies differ between the results and the "
                "ranked companies"
            )
        if len(companies_tab) != len(valid):
            problems.append(f"{len(companies_tab)} summary rows for {len(valid)} companies")
    if problems:
        raise BatchError(
            "internal error, rows would be lost: " + "; ".join(problems) + "; please report "
            "this bug with the input file"
        )
