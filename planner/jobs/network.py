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
from planner.i18n import tr
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

    def lines(self, lang: str = "en") -> list[str]:
        """A short report for the terminal, in ``lang`` (catalog ``out.network``)."""
        from planner import i18n

        net = self.network
        s = net.summary()
        num = _num(lang)
        how = i18n.t(f"out.network.how_{_HOW[self.how]}", lang)
        out = [
            i18n.t("out.network.built", lang, path=self.output, label=_label(net, lang),
                   nodes=num(s["nodes"]), segments=num(s["segments"]),
                   km=num(s["length_km"], 1), oneway=num(s["oneway_segments"]),
                   bakad_km=num(s["bakad_km"], 1), entries=num(s["bakad_entries"])),
            i18n.t("out.network.source_how", lang, source=source_text(net.meta, lang),
                   how=how, seconds=num(self.seconds, 1), key=self.cache_key[:16]),
            describe_dropped(net.meta.get("dropped", {}), lang),
            by_class_text(s["km_by_class"], lang),
        ]  # fmt: skip
        return out + list(self.notes)


#: what a build did (:attr:`NetworkBuild.how`) -> its catalog key ``out.network.how_*``
_HOW = {"built": "built", "copied from the cache": "cache", "up to date": "kept"}


def _num(lang: str):
    from planner import i18n

    def num(x, digits: int = 0) -> str:
        return i18n.format_number(x, lang, digits=digits, grouping=True)

    return num


def _label(net: RoadNetwork, lang: str) -> str:
    from planner import i18n

    return i18n.t("out.network.indicative_label", lang) if net.indicative else ""


def source_text(meta: dict[str, Any], lang: str) -> str:
    """Where a network came from, in ``lang`` (the file keeps it in English in ``source``)."""
    import re

    from planner import i18n

    source = str(meta.get("source", "?"))
    for prefix, key in (("OpenStreetMap extract ", "source_osm"),
                        ("roads layer of ", "source_layer")):  # fmt: skip
        if source.startswith(prefix):
            return i18n.t(f"out.network.{key}", lang, file=source[len(prefix):])
    if meta.get("indicative") and source.startswith("built-in coarse network"):
        n = re.search(r"(\d+) interchanges", source)
        return i18n.t("out.network.source_builtin", lang, n=n.group(1) if n else "?")
    return source


def by_class_text(km_by_class: dict[str, float], lang: str) -> str:
    """``km by class: motorway 12.3, ...`` in ``lang`` (road classes are OSM tags: quoted)."""
    from planner import i18n

    num = _num(lang)
    items = ", ".join(i18n.t("out.network.class_km", lang, cls=k, km=num(v, 1))
                      for k, v in km_by_class.items())  # fmt: skip
    return i18n.t("out.network.by_class", lang, items=items or "-")


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
        raise InputError(tr("err.jobs.network_suffix", file=str(output)))


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
        raise OutputExistsError(tr("err.jobs.network_manifest_exists", file=str(manifest)))
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
        raise OutputExistsError(tr("err.jobs.network_exists", file=str(output)))
    cache = Path(cache_dir) / "networks" if cache_dir else network_cache_dir()
    cached = cache / f"{key[:32]}.npz"
    if use_cache and cached.is_file():
        try:
            net = load_network(cached)
        except InputError as exc:
            log.warning("%s", tr("warn.jobs.cache_broken", file=str(cached), error=exc))
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
            log.warning("%s", tr("warn.jobs.cache_unwritable", folder=str(cache), error=exc))
    return NetworkBuild(net, output, "built", key, time.perf_counter() - t0,
                        notes=list(read.report.get("notes", [])))  # fmt: skip


def _plain(net: RoadNetwork, **meta: Any) -> RoadNetwork:
    """A copy with ``meta`` added (derived arrays, computed on demand, are not copied)."""
    fields = {k: getattr(net, k) for k in RoadNetwork.__dataclass_fields__}
    fields["meta"] = {**net.meta, **meta}
    return RoadNetwork(**fields)


def _check_bbox(bbox: Sequence[float]) -> None:
    if len(bbox) != 4:
        raise InputError(tr("err.jobs.bbox_count", bbox=list(bbox)))
    west, south, east, north = (float(b) for b in bbox)
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise InputError(tr("err.jobs.bbox_order", bbox=list(bbox),
                            example=",".join(str(v) for v in _crs.REGION_BOUNDS_LONLAT)))
