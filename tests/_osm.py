"""Build small OpenStreetMap files for the tests with pyosmium's writer (no downloads)."""

from __future__ import annotations

import itertools
from pathlib import Path

import osmium
from osmium.osm import mutable


class OsmBuilder:
    """Nodes, ways and relations with automatic ids; ``write(path)`` makes the file.

    Ids are allocated in creation order so that the file is sorted by type and id, as
    osmium expects. Coordinates are (lon, lat) in degrees.
    """

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.nodes: list[tuple[int, float, float, dict]] = []
        self.ways: list[tuple[int, list[int], dict]] = []
        self.relations: list[tuple[int, list[tuple[str, int, str]], dict]] = []

    def node(self, lon: float, lat: float, tags: dict | None = None) -> int:
        nid = next(self._ids)
        self.nodes.append((nid, lon, lat, dict(tags or {})))
        return nid

    def way(self, coords_or_ids, tags: dict | None = None, close: bool = False) -> int:
        ids = [c if isinstance(c, int) else self.node(*c) for c in coords_or_ids]
        if close:
            ids.append(ids[0])
        wid = next(self._ids)
        self.ways.append((wid, ids, dict(tags or {})))
        return wid

    def relation(self, members: list[tuple[str, int, str]], tags: dict) -> int:
        rid = next(self._ids)
        self.relations.append((rid, members, dict(tags)))
        return rid

    def write(self, path: Path, timestamp: str | None = "2026-11-20T21:00:00Z") -> Path:
        header = osmium.io.Header()
        if timestamp:
            header.set("osmosis_replication_timestamp", timestamp)
        writer = osmium.SimpleWriter(str(path), header=header)
        try:
            for nid, lon, lat, tags in self.nodes:
                writer.add_node(mutable.Node(id=nid, location=(lon, lat), tags=tags,
                                             version=1, timestamp="2025-03-04T05:06:07Z"))
            for wid, ids, tags in self.ways:
                writer.add_way(mutable.Way(id=wid, nodes=ids, tags=tags, version=1,
                                           timestamp="2025-03-04T05:06:07Z"))
            for rid, members, tags in self.relations:
                writer.add_relation(mutable.Relation(id=rid, members=members, tags=tags,
                                                     version=1))
        finally:
            writer.close()
        return path

