"""Benchmark: the one table reader (company lists and sites lists) vs a plain pandas read.

Files: a seeded sites list (``site_id;name;lat;lon;area_ha``, comma decimals, Cyrillic
names) and a seeded company list (``name;land_ha;sector;employees;ж/д``), ``--rows`` rows
each, written before timing as UTF-8 and as cp1251 (what Russian-locale Excel exports).

Timed, best of ``--repeat``:

* ``read_sites`` and ``read_companies`` (:mod:`planner.inputs.tables` +
  :mod:`planner.inputs.columns`: decode rule, separator sniffer, column specs, every check);
* the baseline, same run: ``pandas.read_csv(sep=";", dtype=str)`` of the same bytes
  (encoding given, no detection) and ``pd.to_numeric`` of the comma-decimal columns, no
  validation at all: the floor a reader that checks nothing would reach.

Both must agree on every coordinate / land area (exactly) and on the ids and names, else
exit 1. The cp1251 rows add the charset-normalizer detection to the planner's figure.

    .venv/bin/python bench/bench_tables.py                 # 200,000 rows
    .venv/bin/python bench/bench_tables.py --rows 20000 --repeat 1

Targets at 200,000 rows: sites within 6x and company lists within 16x of the baseline
(a company list also resolves every sector/OKED, derives stable ids from a hash of each
name and looks for duplicates and lost letters). Measured when the reader was unified, on
a shared 2-core machine (load 8): sites 5.2-7.2 s against 7.7 s for the sites reader it
replaced, company lists 8-16 s against 25-31 s.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from planner.inputs.companies import read_companies
from planner.inputs.sites import read_sites

TARGET_RATIO = {"sites": 6.0, "companies": 16.0}


def _sites_text(n: int, rng: np.random.Generator) -> str:
    lat = rng.uniform(43.1, 43.6, n).round(5)
    lon = rng.uniform(76.6, 77.4, n).round(5)
    area = rng.integers(1, 500, n)
    lines = ["site_id;name;lat;lon;area_ha"]
    lines += [
        f"s{i};Участок №{i};{a};{b};{c / 10}".replace(".", ",")
        for i, (a, b, c) in enumerate(zip(lat.tolist(), lon.tolist(), area.tolist(), strict=True))
    ]
    return "\n".join(lines) + "\n"


def _companies_text(n: int, rng: np.random.Generator) -> str:
    land = rng.integers(5, 600, n)
    sectors = np.array(["food", "logistics", "Пищевая", "23.61", "it"])[rng.integers(0, 5, n)]
    rail = np.array(["да", "нет", ""])[rng.integers(0, 3, n)]
    lines = ["name;land_ha;sector;employees;ж/д"]
    lines += [
        f"ООО Компания {i};{a / 10};{s};{i % 900};{r}".replace(".", ",", 1)
        for i, (a, s, r) in enumerate(zip(land.tolist(), sectors, rail, strict=True))
    ]
    return "\n".join(lines) + "\n"


def _numbers(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s.str.replace(",", ".", regex=False)).to_numpy(dtype="f8")


def _best(fn, repeat: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _baseline(path: Path, encoding: str) -> pd.DataFrame:
    text = path.read_bytes().decode(encoding)
    return pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False)


def _check_sites(got, base: pd.DataFrame) -> list[str]:
    problems = []
    for col in ("lat", "lon", "area_ha"):
        if not np.array_equal(got[col].to_numpy(), _numbers(base[col])):
            problems.append(f"sites: {col} differs from the baseline")
    if got["site_id"].tolist() != base["site_id"].tolist():
        problems.append("sites: ids differ from the baseline")
    if got["name"].tolist() != base["name"].tolist():
        problems.append("sites: names differ from the baseline")
    return problems


def _check_companies(got, base: pd.DataFrame) -> list[str]:
    problems = []
    if len(got.rejects):
        problems.append(f"companies: {len(got.rejects)} rows rejected, expected none")
    if not np.array_equal(got.valid["land_ha"].to_numpy(), _numbers(base["land_ha"])):
        problems.append("companies: land_ha differs from the baseline")
    if got.valid["name"].tolist() != base["name"].tolist():
        problems.append("companies: names differ from the baseline")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(5)
    texts = {"sites": _sites_text(args.rows, rng), "companies": _companies_text(args.rows, rng)}
    readers = {"sites": (read_sites, _check_sites), "companies": (read_companies, _check_companies)}
    problems: list[str] = []
    slow: list[str] = []
    print(f"{args.rows:,} rows; best of {args.repeat}")
    print(f"{'file':<22}{'planner s':>11}{'pandas s':>11}{'ratio':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for kind, text in texts.items():
            read, check = readers[kind]
            for encoding in ("utf-8", "cp1251"):
                path = Path(tmp) / f"{kind}-{encoding}.csv"
                path.write_bytes(text.encode(encoding))
                t_base, base = _best(lambda p=path, e=encoding: _baseline(p, e), args.repeat)
                t_ours, got = _best(lambda p=path, r=read: r(p), args.repeat)
                problems += check(got, base)
                ratio = t_ours / t_base
                print(f"{kind + ' ' + encoding:<22}{t_ours:>11.2f}{t_base:>11.2f}{ratio:>7.1f}x")
                if ratio > TARGET_RATIO[kind]:
                    slow.append(f"{kind} {encoding}: {ratio:.1f}x > {TARGET_RATIO[kind]}x")
    print("targets (sites 6x, companies 16x of the baseline): " + ("; ".join(slow) or "met"))
    for p in problems:
        print("DISAGREE:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
