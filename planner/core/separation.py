"""Alternatives that are real options: at least ``min_separation_km`` apart (issue 11).

On a fine grid a company's best sites are neighbouring points of one patch of land; five
of them are one option, not five. :func:`separated_slots` walks each company's ranked
list best first and keeps a site only when it lies at least ``min_separation_km`` (in
EPSG:32643 metres) from every site already kept, until ``k`` are kept: a greedy
best-first thinning, so the first option is always the best site. The kept sites keep
their true rank among all feasible sites.

Defaults (:func:`default_separation_km`): 2 km for generated grids, 0 for named sites
(a user's list of plots: each plot is its own option however close).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["DEFAULT_GRID_SEPARATION_KM", "default_separation_km", "separated_slots"]

#: least distance between the alternatives offered on a generated grid
DEFAULT_GRID_SEPARATION_KM = 2.0


def default_separation_km(site_source) -> float:
    """2 km when every site comes from a generated grid, else 0 (named sites)."""
    src = np.asarray(site_source, dtype=object)
    return DEFAULT_GRID_SEPARATION_KM if len(src) and (src == "grid").all() else 0.0


@njit(parallel=True, cache=True)
def _thin(idx: np.ndarray, x: np.ndarray, y: np.ndarray, k: int, sep2: float) -> np.ndarray:
    n, m = idx.shape
    out = np.full((n, k), -1, dtype=np.int64)
    for c in prange(n):
        got = 0
        for j in range(m):
            s = idx[c, j]
            if s < 0 or got == k:
                break
            ok = True
            for q in range(got):
                t = idx[c, out[c, q]]
                dx = x[s] - x[t]
                dy = y[s] - y[t]
                if dx * dx + dy * dy < sep2:
                    ok = False
                    break
            if ok:
                out[c, got] = j
                got += 1
    return out


def separated_slots(
    top_idx: np.ndarray, x_m: np.ndarray, y_m: np.ndarray, k: int, min_separation_km: float
) -> np.ndarray:
    """``(n_companies, k)`` positions in ``top_idx`` of the kept sites, best first, -1
    padded. ``x_m``/``y_m`` are the sites' metric coordinates (EPSG:32643)."""
    idx = np.ascontiguousarray(top_idx, dtype=np.int64)
    if min_separation_km <= 0:
        slots = np.where(idx[:, :k] >= 0, np.arange(min(k, idx.shape[1]))[None, :], -1)
        return np.pad(slots, ((0, 0), (0, k - slots.shape[1])), constant_values=-1)
    x = np.ascontiguousarray(x_m, dtype=np.float64)
    y = np.ascontiguousarray(y_m, dtype=np.float64)
    sep_m = float(min_separation_km) * 1000.0
    return _thin(idx, x, y, int(k), sep_m * sep_m)
