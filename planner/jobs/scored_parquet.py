"""Scored sites as partitioned GeoParquet: a ``NAME.parquet`` folder of
``part.NNNNN.parquet`` files (EPSG:4326), written by the Dask workers part by part or by
the local engine as one part, and read back as one GeoDataFrame.

Like :func:`planner.core.scoring.write_scored`, every part carries the constant columns
``scenario``, ``scenario_hash`` and ``as_of`` (:data:`ATTR_COLUMNS`), so the scenario
travels with every copy of the data; reading turns them back into ``.attrs``.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd

from planner._atomic import atomic_dir, clean_leftovers
from planner.errors import InputError

__all__ = ["ATTR_COLUMNS", "drop_partials", "is_parquet", "read_scored_parquet", "write_part",
           "write_scored_parquet"]  # fmt: skip

#: constant columns that carry the scenario with every copy of a table (as write_scored)
ATTR_COLUMNS = ("scenario", "scenario_hash", "as_of")


def is_parquet(path: str | os.PathLike) -> bool:
    """``path`` names a partitioned GeoParquet folder (``*.parquet``, a trailing / allowed)."""
    return str(path).rstrip("/\\").lower().endswith(".parquet")


def write_part(gdf: gpd.GeoDataFrame, path, attrs: dict[str, str]) -> None:
    """One part file: ``gdf`` with the constant attribute columns, geometry last.

    Written as ``<part>.PID.partial`` and renamed: a worker killed mid-write leaves no
    half part (a retry writes it again; :func:`drop_partials` removes the leftover).
    """
    geom = gdf.geometry.name
    table = gdf[[c for c in gdf.columns if c != geom]].copy()
    for key in ATTR_COLUMNS:
        table[key] = pd.array([str(attrs[key])] * len(table), dtype="str")
    table[geom] = gdf.geometry
    partial = f"{path}.{os.getpid()}.partial"
    gpd.GeoDataFrame(table, geometry=geom, crs=gdf.crs).to_parquet(partial, index=False)
    os.replace(partial, path)


def drop_partials(folder: Path) -> None:
    """Remove the half-written parts of killed workers from a folder about to be swapped in."""
    for p in folder.glob("*.partial"):
        p.unlink(missing_ok=True)


def write_scored_parquet(
    scored: gpd.GeoDataFrame, path: str | os.PathLike, overwrite: bool = False
) -> Path:
    """Write a scored table as a one-part partitioned GeoParquet folder (local engine).

    The folder is replaced whole and atomically (:func:`planner._atomic.atomic_dir`).
    """
    path = Path(str(path).rstrip("/\\"))
    missing = [k for k in ATTR_COLUMNS if k not in scored.attrs]
    if missing:
        from planner.i18n import message_lang, quote, tr

        raise InputError(tr("err.scored.no_attrs", missing=", ".join(
            quote(k, message_lang()) for k in missing)))
    with atomic_dir(path, overwrite) as tmp:
        write_part(scored, tmp / "part.00000.parquet", scored.attrs)
    return path


def read_scored_parquet(path: str | os.PathLike) -> gpd.GeoDataFrame:
    """Read a partitioned scored-sites folder (or one part) into one GeoDataFrame.

    Rows come part by part (spatially grouped, not by rank); the constant columns
    scenario, scenario_hash and as_of become ``.attrs``.
    """
    path = Path(path)
    if not path.exists():  # a swap killed between its two renames: the previous folder back
        clean_leftovers(path)
    files = sorted(path.glob("part.*.parquet")) if path.is_dir() else [path]
    if not files:
        from planner.i18n import message_lang, quote, tr

        raise InputError(tr("err.scored.no_parts", path=quote(str(path), message_lang())))
    gdf = pd.concat([gpd.read_parquet(f) for f in files], ignore_index=True)
    attrs = {}
    for key in ATTR_COLUMNS:
        if key in gdf.columns:
            values = gdf.pop(key).unique()
            if len(values) == 1:
                attrs[key] = str(values[0])
    gdf = gpd.GeoDataFrame(gdf, geometry="geometry", crs="EPSG:4326")
    gdf.attrs = attrs
    return gdf
