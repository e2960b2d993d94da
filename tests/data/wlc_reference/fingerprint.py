"""Fingerprints of the demo's outputs under the built-in (WLC) scenarios.

``python tests/data/wlc_reference/fingerprint.py > tests/data/wlc_reference/demo.json``
records, for every built-in scenario, the sha256 of the exact bytes of what ``make demo``
computes (scores, ranks, points, utilities, reasons; the built-in sites and the 1 km grid,
and the example companies ranked and allocated on the built-in sites) as of a fixed date.
``tests/test_mcda_wlc.py`` recomputes them and requires equality: adding aggregation
methods must not move a single bit of a WLC result. Regenerate (and say why in the commit)
only when a change is *meant* to change scores, e.g. new geodata.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

AS_OF = "2026-01-01"
ROOT = Path(__file__).resolve().parents[3]
COMPANIES = ROOT / "geodata" / "examples" / "companies.csv"


def _digest(df: pd.DataFrame, cols: list[str]) -> str:
    h = hashlib.sha256()
    for c in cols:
        h.update(c.encode())
        s = df[c]
        if pd.api.types.is_float_dtype(s.dtype):
            h.update(np.ascontiguousarray(s.to_numpy("f8")).tobytes())
        elif pd.api.types.is_integer_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
            arr = s.astype("float64").to_numpy("f8", na_value=-1.0)
            h.update(np.ascontiguousarray(arr).tobytes())
        else:
            h.update("\x1f".join(s.astype(str).tolist()).encode())
    return h.hexdigest()


def _score_cols(df: pd.DataFrame) -> list[str]:
    keep = [c for c in df.columns if c.startswith(("u_", "c_"))]
    keep += [c for c in ("score", "rank", "why_ru", "why_en", "site_id") if c in df.columns]
    return sorted(keep)


def fingerprints() -> dict[str, dict[str, str]]:
    from planner.config.scenarios import TIME_CRITERIA, list_scenarios
    from planner.inputs.layers import load_layers
    from planner.inputs.sites import load_sites
    from planner.jobs.batch import run_batch
    from planner.jobs.score_sites import score_sites

    layers = load_layers()
    grid = load_sites("grid", layers)
    out: dict[str, dict[str, str]] = {}
    for sc in list_scenarios():
        if any(k in TIME_CRITERIA for k in sc.criteria):
            continue  # travel times need a road network (issue 15): not in this reference
        rec: dict[str, str] = {"hash": sc.hash}
        for label, sites in (("builtin", "builtin"), ("grid", grid)):
            scored = score_sites(sites, layers, sc, as_of=AS_OF, why=(label == "builtin"))
            rec[f"sites_{label}"] = _digest(scored, _score_cols(scored))
        res = run_batch(
            COMPANIES, sites="builtin", scenario=sc, as_of=AS_OF, allocate=True, layers=layers
        )
        cols = [c for c in res.results.columns if c.startswith("c_")]
        cols += ["company_id", "rank", "site_id", "score", "why_ru", "why_en"]
        rec["batch_results"] = _digest(res.results, sorted(cols))
        rec["batch_allocation"] = _digest(res.allocation, sorted(res.allocation.columns))
        res = run_batch(COMPANIES, sites=grid, scenario=sc, as_of=AS_OF, top_k=5, layers=layers)
        rec["batch_grid"] = _digest(res.results, sorted(cols))
        out[sc.name] = rec
    return out


if __name__ == "__main__":
    json.dump(fingerprints(), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
