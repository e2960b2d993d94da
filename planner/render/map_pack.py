"""Site columns of a map, and their compact encoding for the page.

:func:`site_columns` reads a sites table into columns (numbers quantised to the decimals the
page shows, text columns, categorical columns). Two encodings of them reach the page:

* :func:`plain_table`: JSON-ready lists (``None`` for a missing value), the form
  ``static/planner.js`` draws from (top-K markers, best site per company, and every table
  of ``site_encoding="json"``);
* :func:`packed_table`: the same columns in about a third of the bytes, for the layer that
  may hold 100,000 sites: every number as an unsigned integer offset from the column's
  minimum in the fewest bytes that hold it (byte planes, so that deflate finds the
  repetition), text as JSON, all of it deflated (zlib) and base64-encoded. The page inflates
  it with the browser's own ``DecompressionStream`` and rebuilds the plain table
  (``plannerUnpack`` in ``static/planner.js``); :func:`unpack_table` is the same decoder in
  Python, so tests can check that both give the plain table back exactly.

Quantisation is the rounding the plain table already does (``np.round(x, d)`` is
``rint(x * 10**d) / 10**d``; the page divides the same integer by the same power of ten), so
both encodings give the same numbers, and the same popup text.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import struct
import zlib
from typing import Any

import numpy as np
import pandas as pd

from planner import i18n
from planner.config.scenarios import CRITERIA
from planner.render.map_layers import COORD_DP

__all__ = [
    "RAW_COLUMNS",
    "SiteColumns",
    "bools",
    "packed_table",
    "plain_table",
    "site_columns",
    "texts",
    "unpack_table",
]

#: criterion key -> the raw column shown beside its points in popups (contract)
RAW_COLUMNS = CRITERIA
#: zlib level of the packed table: 6 (the default) is ~4x slower than 1 for ~4 % fewer bytes
ZLIB_LEVEL = 1
_PACK_VERSION = 1


def texts(values) -> list[str]:
    s = pd.Series(values, dtype=object)
    return s.where(s.notna(), "").astype(str).tolist()


def bools(values) -> np.ndarray:
    s = pd.Series(values, dtype=object)
    text = s.astype(str).str.strip().str.lower()
    return text.isin(["true", "1", "yes", "да", "1.0"]).to_numpy()


def _categorical(values) -> dict:
    """``{"v": distinct texts in order of appearance, "c": codes}`` (codes as an int array).

    Values are factorized first and only the distinct ones made text (fast on 100k rows);
    values with the same text (``1`` and ``"1"``) share one code."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
    tcodes, tuniques = pd.factorize(pd.Series(texts(uniques), dtype=object))
    c = np.asarray(tcodes, dtype="i8")[codes] if len(codes) else np.zeros(0, "i8")
    return {"v": [str(u) for u in tuniques], "c": c}


def _criteria_keys(df: pd.DataFrame) -> list[str]:
    keys = [c[2:] for c in df.columns if c.startswith("c_") and len(c) > 2]
    known = [k for k in i18n.keys("criterion") if k in keys]
    return known + sorted(k for k in keys if k not in known)


def _why_column(df: pd.DataFrame, lang: str) -> str | None:
    for col in (f"why_{lang}", "why_ru", "why_en"):
        if col in df.columns:
            return col
    return None


@dataclasses.dataclass(frozen=True)
class Num:
    """A numeric column: ``q`` = rint(value * 10**dp) as float (NaN = missing)."""

    q: np.ndarray
    dp: int

    @classmethod
    def of(cls, values, dp: int) -> Num:
        s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
        if not (pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)):
            s = pd.to_numeric(s.astype(object), errors="coerce")
        x = s.to_numpy("f8", na_value=np.nan)
        with np.errstate(invalid="ignore", over="ignore"):
            q = np.rint(x * 10**dp)
        q[~np.isfinite(q)] = np.nan
        return cls(q, dp)

    def plain(self) -> list:
        ok = np.isfinite(self.q)
        vals = (self.q / 10**self.dp) if self.dp else self.q
        if not self.dp:
            return [int(v) if o else None for v, o in zip(vals.tolist(), ok, strict=True)]
        out = vals.tolist()
        if not ok.all():
            for i in np.flatnonzero(~ok):
                out[i] = None
        return out


@dataclasses.dataclass
class SiteColumns:
    """The columns of one site table, before encoding."""

    n: int
    nums: dict[str, Num]
    ids: list[str]
    names: list[str | None]
    cats: dict[str, dict]  # zone, zs, excl: {"v": [...], "c": int array}
    crit: list[str]
    kind: list[str]
    raw: list[Any]  # per criterion: Num, a categorical dict, or None
    pts: list[Num]
    in_almaty: np.ndarray | None = None
    why: dict[str, str] | None = None


def site_columns(df: pd.DataFrame, lang: str, why_rows: np.ndarray | None = None) -> SiteColumns:
    """The columns of the sites in ``df`` (rows in ``df`` order)."""
    n = len(df)
    rank = df["rank"] if "rank" in df else pd.Series(np.nan, df.index)
    ids = texts(df["site_id"]) if "site_id" in df else [str(i + 1) for i in range(n)]
    names = texts(df["name"]) if "name" in df else ids
    keys = _criteria_keys(df)
    raw, kinds = [], []
    for k in keys:
        col = RAW_COLUMNS.get(k)
        if col in df.columns and col.endswith(("_km", "_min")):  # distance, travel time
            raw.append(Num.of(df[col], 1))
            kinds.append("km" if col.endswith("_km") else "min")
        elif col in df.columns:
            raw.append(_categorical(df[col]))
            kinds.append("status")
        else:
            raw.append(None)
            kinds.append("none")
    cats = {}
    for key, col in (("zone", "zone_id"), ("zs", "zone_status")):
        if col in df.columns:
            cats[key] = _categorical(df[col])
    if "exclusion_reason" in df.columns:
        excl = _categorical(df["exclusion_reason"])  # label the few distinct values only
        excl["v"] = [i18n.exclusion_label(v, lang) for v in excl["v"]]
        cats["excl"] = excl
    why = None
    wcol = _why_column(df, lang)
    if wcol is not None:
        rows = np.arange(n) if why_rows is None else why_rows
        got = texts(df[wcol].iloc[rows]) if len(rows) else []
        why = {str(int(i)): t for i, t in zip(rows, got, strict=True) if t}
    return SiteColumns(
        n=n,
        nums={
            "lon": Num.of(df["lon"], COORD_DP),
            "lat": Num.of(df["lat"], COORD_DP),
            "score": Num.of(df["score"], 1),
            "rank": Num.of(rank, 0),
        },
        ids=ids,
        names=[None if nm == i else nm for nm, i in zip(names, ids, strict=True)],
        cats=cats,
        crit=keys,
        kind=kinds,
        raw=raw,
        pts=[Num.of(df[f"c_{k}"], 1) for k in keys],
        in_almaty=bools(df["in_almaty"]) if "in_almaty" in df.columns else None,
        why=why,
    )


def _plain_cat(cat: dict | None) -> dict | None:
    return None if cat is None else {"v": list(cat["v"]), "c": cat["c"].tolist()}


def _plain_raw(col, n: int) -> list:
    if col is None:
        return [None] * n
    if isinstance(col, Num):
        return col.plain()
    values = np.asarray(col["v"], dtype=object)
    return values[col["c"]].tolist() if n else []


def plain_table(c: SiteColumns) -> dict:
    """The JSON-ready table the page draws from (lists; ``None`` = missing)."""
    table: dict[str, Any] = {
        **{k: v.plain() for k, v in c.nums.items()},
        "id": list(c.ids),
        "name": list(c.names),
        "zone": _plain_cat(c.cats.get("zone")),
        "zs": _plain_cat(c.cats.get("zs")),
        "crit": list(c.crit),
        "kind": list(c.kind),
        "raw": [_plain_raw(col, c.n) for col in c.raw],
        "pts": [p.plain() for p in c.pts],
    }
    if c.in_almaty is not None:
        table["inA"] = [bool(v) for v in c.in_almaty]
    if "excl" in c.cats:
        table["excl"] = _plain_cat(c.cats["excl"])
    if c.why is not None:
        table["why"] = dict(c.why)
    return table


# --------------------------------------------------------------------------- packed encoding


def _planes(q: np.ndarray) -> tuple[dict, bytes]:
    """An integer column (float array, NaN = missing) as byte planes of ``q - min``.

    Spec: ``o`` offset (the minimum), ``w`` bytes per value, ``z`` the code of a missing
    value (``None``: none missing)."""
    ok = np.isfinite(q)
    lo = int(q[ok].min()) if ok.any() else 0
    hi = int(q[ok].max()) if ok.any() else 0
    span = hi - lo + (0 if ok.all() else 1)  # the code after the maximum means "missing"
    w = next((b for b in (1, 2, 3, 4) if span < 256**b), 0)
    if w == 0:  # a span beyond 32 bits (absurd distances): the column as JSON instead
        return {"j": Num(q, 0).plain()}, b""
    u = np.where(ok, q - lo, span).astype("<u4")
    planes = u.view("u1").reshape(len(u), 4)[:, :w].T.tobytes()
    return {"o": lo, "w": w, "z": None if ok.all() else span}, planes


def _num_spec(num: Num, chunks: list[bytes], pos: list[int]) -> dict:
    spec, data = _planes(num.q)
    if "j" in spec:  # quantised integers as JSON; the page divides them like the planes
        spec.update(d=num.dp)
        return spec
    spec.update(d=num.dp, at=pos[0])
    chunks.append(data)
    pos[0] += len(data)
    return spec


def _cat_spec(cat: dict | None, chunks, pos) -> dict | None:
    if cat is None:
        return None
    spec = _num_spec(Num(cat["c"].astype("f8"), 0), chunks, pos)
    return {"v": list(cat["v"]), "c": spec}


def packed_table(c: SiteColumns, level: int = ZLIB_LEVEL) -> dict:
    """``{"packed": 1, "n": rows, "b64": base64(zlib(header + byte planes))}``.

    The header (UTF-8 JSON after a 4-byte little-endian length) holds the text columns and
    one spec per numeric column (its byte offset ``at`` in the planes that follow).
    """
    chunks: list[bytes] = []
    pos = [0]
    raw = []
    for col in c.raw:
        if isinstance(col, Num):
            raw.append({"num": _num_spec(col, chunks, pos)})
        elif col is None:
            raw.append(None)
        else:
            raw.append({"cat": _cat_spec(col, chunks, pos)})
    head = {
        "v": _PACK_VERSION,
        "n": c.n,
        "nums": {k: _num_spec(v, chunks, pos) for k, v in c.nums.items()},
        "id": c.ids,
        "name": c.names,
        "cats": {k: _cat_spec(v, chunks, pos) for k, v in c.cats.items()},
        "crit": c.crit,
        "kind": c.kind,
        "raw": raw,
        "pts": [_num_spec(p, chunks, pos) for p in c.pts],
        "inA": None
        if c.in_almaty is None
        else _num_spec(Num(c.in_almaty.astype("f8"), 0), chunks, pos),
        "why": c.why,
    }
    text = json.dumps(head, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    body = text.encode("utf-8")
    blob = zlib.compress(b"".join([struct.pack("<I", len(body)), body, *chunks]), level)
    return {"packed": _PACK_VERSION, "n": c.n, "b64": base64.b64encode(blob).decode("ascii")}


def _unplane(spec: dict, n: int, data: memoryview) -> list:
    if "j" in spec:
        q = np.array([np.nan if v is None else v for v in spec["j"]], dtype="f8")
        return Num(q, spec["d"]).plain()
    w, at = spec["w"], spec["at"]
    planes = np.frombuffer(data[at : at + w * n], dtype="u1").reshape(w, n).astype("i8")
    u = sum(planes[b] << (8 * b) for b in range(w)) if n else np.zeros(0, "i8")
    missing = u == spec["z"] if spec["z"] is not None else np.zeros(n, bool)
    q = (u + spec["o"]).astype("f8")
    q[missing] = np.nan
    return Num(q, spec["d"]).plain()


def unpack_table(packed: dict) -> dict:
    """The plain table (:func:`plain_table`) back from :func:`packed_table`'s output."""
    blob = zlib.decompress(base64.b64decode(packed["b64"]))
    (size,) = struct.unpack_from("<I", blob)
    head = json.loads(blob[4 : 4 + size].decode("utf-8"))
    data = memoryview(blob)[4 + size :]
    n = head["n"]

    def cat(spec):
        return None if spec is None else {"v": spec["v"], "c": _unplane(spec["c"], n, data)}

    raw = []
    for col in head["raw"]:
        if col is None:
            raw.append([None] * n)
        elif "num" in col:
            raw.append(_unplane(col["num"], n, data))
        else:
            c = cat(col["cat"])
            raw.append([c["v"][k] for k in c["c"]])
    cats = {k: cat(v) for k, v in head["cats"].items()}
    table: dict[str, Any] = {
        **{k: _unplane(v, n, data) for k, v in head["nums"].items()},
        "id": head["id"],
        "name": head["name"],
        "zone": cats.get("zone"),
        "zs": cats.get("zs"),
        "crit": head["crit"],
        "kind": head["kind"],
        "raw": raw,
        "pts": [_unplane(p, n, data) for p in head["pts"]],
    }
    if head["inA"] is not None:
        table["inA"] = [bool(v) for v in _unplane(head["inA"], n, data)]
    if "excl" in cats:
        table["excl"] = cats["excl"]
    if head["why"] is not None:
        table["why"] = head["why"]
    return table
