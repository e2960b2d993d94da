"""Road-network job: build a network file, cached by the input's sha256.

A build is keyed by the input's sha256 and the build parameters (speed table, box,
format version). The cache (``$PLANNER_CACHE_DIR``, else ``$XDG_CACHE_HOME/planner`` or
``~/.cache/planner``, folder ``networks/``) keeps one ``.npz`` per key: building the
same extract again copies the cached network instead of reading the extract. An output
that already holds the network of the same key is left as it is ("up to date").
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner import crs as _crs
from planner._atomic import atomic_output
from planner.config.road_speeds import RoadSpeeds, load_road_speeds
from planner.core.network import (
    NETWORK_VERSION,
    RoadNetwork,
    describe_dropped,
    load_network,
    save_network,
)
from planner.errors import InputError, OutputError, OutputExistsError
from planner.inputs.roads import check_road_input, file_sha256, read_roads

__all__ = [
    "NetworkBuild",
    "build_network_file",
    "network_cache_dir",
]

log = logging.getLogger(__name__)


@dataclass
class NetworkBuild:
    """What :func:`build_network_file` did."""

    network: RoadNetwork
    output: Path
    how: str  # "built", "cache" (copied from the cache) or "up to date" (output kept)
    cache_key: str
    seconds: float
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """A short report for the terminal."""
        net = self.network
        s = net.summary()
        label = " (INDICATIVE)" if net.indicative else ""
        out = [
            f"network {self.output}{label}: {s['nodes']:,} nodes, {s['segments']:,} segments, "
            f"{s['length_km']:,.1f} km ({s['oneway_segments']:,} one-way segments); BAKAD "
            f"{s['bakad_km']:.1f} km with {s['bakad_entries']} entries",
            f"source: {net.meta.get('source', '?')}; {self.how} in {self.seconds:.1f} s "
            f"(cache key {self.cache_key[:16]})",
            describe_dropped(net.meta.get("dropped", {})),
        ]
        by_class = ", ".join(f"{k} {v:,.1f}" for k, v in s["km_by_class"].items())
        out.append(f"km by class: {by_class}")
        return out + list(self.notes)


def network_cache_dir() -> Path:
    """Folder of cached networks (``networks/`` under the planner cache)."""
    base = os.environ.get("PLANNER_CACHE_DIR")
    if base:
        return Path(base) / "networks"
    xdg = os.environ.get("XDG_CACHE_HOME")
    root = Path(xdg) if xdg else Path.home() / ".cache"
    return root / "planner" / "networks"


def _cache_key(source: str | Path, layers, bbox, speeds: RoadSpeeds) -> str:
    if str(source) == "builtin":
        what = f"builtin:{layers.fingerprint()}"
    else:
        what = file_sha256(check_road_input(source))
    params = json.dumps(
        {"version": NETWORK_VERSION, "speeds": speeds.describe(), "bbox": list(bbox or []),
         "what": what},
        sort_keys=True,
    )  # fmt: skip
    return hashlib.sha256(params.encode()).hexdigest()


def _check_output(output: Path) -> None:
    if output.suffix.lower() != ".npz":
        raise InputError(
            f"network output {str(output)!r} must end in .npz, e.g. -o network.npz"
        )


def build_network_file(
    source: str | Path,
    output: str | Path,
    *,
    layers=None,
    bbox: Sequence[float] | None = None,
    speeds_path: str | Path | None = None,
    overwrite: bool = False,
    use_cache: bool = True,
    cache_dir: str | Path | None = None,
    command: list[str] | str | None = None,
) -> NetworkBuild:
    """Build the network of ``source`` (an ``.osm.pbf``, a GeoPackage with a ``roads``
    layer, or ``"builtin"`` with ``layers``) into ``output`` (``.npz``), via the cache,
    and its ``<output>.manifest.json`` (kept when the output is up to date)."""
    from planner._atomic import manifest_path
    from planner.render.outputs import write_manifest

    output = Path(output)
    manifest = manifest_path(output)
    if manifest.exists() and not output.exists() and not overwrite:
        raise OutputExistsError(
            f"manifest {str(manifest)!r} already exists (left from an earlier network); "
            "pass --overwrite to replace it or choose another file name"
        )
    build = _build_network_file(source, output, layers=layers, bbox=bbox,
                                speeds_path=speeds_path, overwrite=overwrite,
                                use_cache=use_cache, cache_dir=cache_dir)  # fmt: skip
    if build.how == "up to date" and manifest.exists():
        return build
    summary = build.network.summary()
    write_manifest(
        output,
        inputs={"roads": source if str(source) == "builtin" else Path(source),
                "speeds": speeds_path and Path(speeds_path)},
        counts={k: summary[k] for k in ("nodes", "segments", "bakad_entries")},
        warnings=list(build.notes),
        extra={"how": build.how, "cache_key": build.cache_key, "bbox": list(bbox or []),
               "length_km": summary["length_km"], "bakad_km": summary["bakad_km"],
               "indicative": bool(build.network.indicative),
               "source": build.network.meta.get("source")},
        command=command, overwrite=True,  # the output was just (re)written or kept as is
    )
    return build


def _build_network_file(
    source: str | Path,
    output: Path,
    *,
    layers=None,
    bbox: Sequence[float] | None = None,
    speeds_path: str | Path | None = None,
    overwrite: bool = False,
    use_cache: bool = True,
    cache_dir: str | Path | None = None,
) -> NetworkBuild:
    t0 = time.perf_counter()
    output = Path(output)
    _check_output(output)
    speeds = load_road_speeds(speeds_path)
    if bbox is not None:
        _check_bbox(bbox)
    key = _cache_key(source, layers, bbox, speeds)
    if output.exists() and not overwrite:
        try:
            current = load_network(output)
        except InputError:
            current = None
        if current is not None and current.meta.get("cache_key") == key:
            return NetworkBuild(current, output, "up to date", key, time.perf_counter() - t0)
        raise OutputExistsError(
            f"output {str(output)!r} already exists (a network of other input or settings); "
            "pass --overwrite to replace it or choose another file name"
        )
    cache = Path(cache_dir) / "networks" if cache_dir else network_cache_dir()
    cached = cache / f"{key[:32]}.npz"
    if use_cache and cached.is_file():
        try:
            net = load_network(cached)
        except InputError as exc:
            log.warning("ignoring a broken cached network %s: %s", cached, exc)
        else:
            with atomic_output(output, overwrite=overwrite) as tmp:
                shutil.copyfile(cached, tmp)
            return NetworkBuild(net, output, "copied from the cache", key,
                                time.perf_counter() - t0)  # fmt: skip
    read = read_roads(source, layers, bbox=bbox, speeds=speeds)
    net = read.network
    net = _plain(net, cache_key=key)
    save_network(net, output, overwrite=overwrite)
    if use_cache:
        try:
            cache.mkdir(parents=True, exist_ok=True)
            save_network(net, cached, overwrite=True)
        except (OSError, OutputError) as exc:
            log.warning("could not keep the network in the cache %s: %s", cache, exc)
    return NetworkBuild(net, output, "built", key, time.perf_counter() - t0,
                        notes=list(read.report.get("notes", [])))  # fmt: skip


def _plain(net: RoadNetwork, **meta: Any) -> RoadNetwork:
    """A copy with ``meta`` added (derived arrays, computed on demand, are not copied)."""
    fields = {k: getattr(net, k) for k in RoadNetwork.__dataclass_fields__}
    fields["meta"] = {**net.meta, **meta}
    return RoadNetwork(**fields)


def _check_bbox(bbox: Sequence[float]) -> None:
    if len(bbox) != 4:
        raise InputError(f"bbox {list(bbox)!r}: give four numbers west,south,east,north")
    west, south, east, north = (float(b) for b in bbox)
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise InputError(
            f"bbox {list(bbox)!r}: need west < east and south < north in degrees "
            f"(lon/lat, WGS84), e.g. {','.join(str(v) for v in _crs.REGION_BOUNDS_LONLAT)}"
        )
