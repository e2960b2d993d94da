"""Layers and a date resolved once, at the edge: the object every stage of core takes.

The stages need, from the layers: metric arrays for the criteria kernel at one date (zone
statuses depend on it, :class:`planner.core.criteria.PreparedLayers`), the names of the
features in each language (interchanges and zones in the reasons, zones in a comparison)
and the date itself. :meth:`Prepared.of` derives all of it once from a
:class:`~planner.core.layerset.LayerSet`; criteria, scoring, explain, surfaces and
comparisons take the :class:`Prepared` object and never go back to the raw layers.

    prepared = Prepared.of(load_layers(), "2030-01-01")
    crit = compute_criteria(lon, lat, prepared)
    later = prepared.at("2035-01-01")   # same layers and names, another date
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from planner import i18n
from planner.core.layerset import LAYER_NAMES, LayerSet, parse_as_of

if TYPE_CHECKING:
    from planner.core.criteria import PreparedLayers

__all__ = ["FeatureNames", "Prepared", "part_of"]


@dataclass(frozen=True)
class FeatureNames:
    """Every feature's name per layer and language (:func:`planner.i18n.feature_names`).

    ``names.of("zones", "ru")`` maps zone ids to Russian names. Plain dictionaries, so it
    pickles small (a distributed engine ships it instead of the layers).
    """

    table: Mapping[str, Mapping[str, Mapping[str, str]]]

    @classmethod
    def from_layers(cls, layers: LayerSet) -> FeatureNames:
        """The names of every feature, as :func:`planner.i18n.feature_names` gives them
        (the language's name, else Russian, English, the id)."""
        table: dict[str, dict[str, dict[str, str]]] = {}
        for name in LAYER_NAMES:
            if name not in layers.layers:
                continue
            gdf = layers[name]
            ids = [str(v) for v in gdf["id"].tolist()]
            table[name] = {
                lang: dict(zip(ids, i18n.feature_names(gdf, lang).tolist(), strict=True))
                for lang in i18n.LANGS
            }
        return cls(table)

    def of(self, layer: str, lang: str) -> Mapping[str, str]:
        """Feature id -> name in ``lang`` for ``layer`` (empty for an unknown layer)."""
        return self.table.get(layer, {}).get(i18n.check_lang(lang), {})


@dataclass(frozen=True, eq=False)
class Prepared:
    """The layers resolved for one date (see the module docstring).

    Attributes
    ----------
    as_of
        The date zone statuses are taken at.
    arrays
        Metric arrays of the layers for the criteria kernel at ``as_of`` (picklable,
        ~100 kB: what a distributed engine broadcasts).
    names
        Feature names per layer and language.
    layers
        The source layers, for what is drawn (maps, reports) and for geometry lookups
        that are not criteria (a surface's extent).
    travel
        Travel times by road to the layers' targets
        (:class:`planner.core.travel.PreparedTravel`, see :meth:`with_network`), or None:
        the criteria then have no ``time_*`` columns.
    """

    as_of: dt.date
    arrays: PreparedLayers
    names: FeatureNames
    layers: LayerSet = field(repr=False)
    travel: Any = field(default=None, repr=False)

    def with_network(self, network) -> Prepared:
        """A copy with travel times on ``network`` (a
        :class:`planner.core.network.RoadNetwork`, or prepared travel times); one Dijkstra
        per target group, done here once for every site scored with the copy."""
        if network is None:
            return self
        from planner.core.travel import PreparedTravel, prepare_travel

        travel = network if isinstance(network, PreparedTravel) else prepare_travel(
            network, self.layers
        )
        return Prepared(as_of=self.as_of, arrays=self.arrays, names=self.names,
                        layers=self.layers, travel=travel)  # fmt: skip

    def with_terrain(self, terrain, scenario=None) -> Prepared:
        """A copy whose criteria add ``elevation_m`` and ``slope_pct`` from ``terrain`` (a
        :class:`planner.core.terrain.Terrain`) and exclude the sites over the
        ``[terrain]`` limits of ``scenario`` (default: the limits the terrain carries)."""
        if terrain is None:
            return self
        if scenario is not None:
            lim = scenario.terrain
            terrain = terrain.with_limits(lim.max_slope_pct, lim.max_elevation_m)
        arrays = dataclasses.replace(self.arrays, terrain=terrain)
        return Prepared(as_of=self.as_of, arrays=arrays, names=self.names,
                        layers=self.layers, travel=self.travel)  # fmt: skip

    @property
    def terrain(self):
        """The DEM the criteria use (:meth:`with_terrain`), or None."""
        return self.arrays.terrain

    @classmethod
    def of(cls, layers: LayerSet, as_of: dt.date | str | None = None) -> Prepared:
        """Resolve ``layers`` for ``as_of`` (a date, an ISO string, or None for today)."""
        if not isinstance(layers, LayerSet):
            raise TypeError(
                f"layers must be a LayerSet (planner.load_layers()), not {type(layers).__name__}"
            )
        from planner.core.criteria import prepare

        day = parse_as_of(as_of)
        return cls(as_of=day, arrays=prepare(layers, day), names=FeatureNames.from_layers(layers),
                   layers=layers)  # fmt: skip

    def at(self, as_of: dt.date | str | None) -> Prepared:
        """The same layers and names for another date (only the date's arrays are redone)."""
        from planner.core.criteria import prepare

        day = parse_as_of(as_of)
        if day == self.as_of:
            return self
        arrays = prepare(self.layers, day)
        if self.arrays.terrain is not None:
            arrays = dataclasses.replace(arrays, terrain=self.arrays.terrain)
        return Prepared(as_of=day, arrays=arrays, names=self.names,
                        layers=self.layers, travel=self.travel)  # fmt: skip


def part_of(obj: Any, kind: type, user: str):
    """``obj`` when it is a ``kind``, else the ``kind`` a :class:`Prepared` ``obj`` holds
    (its arrays or its names); a :class:`TypeError` naming ``user`` otherwise."""
    if isinstance(obj, kind):
        return obj
    if isinstance(obj, Prepared):
        for value in (obj.arrays, obj.names):
            if isinstance(value, kind):
                return value
    raise TypeError(
        f"{user} needs the layers resolved for a date, "
        f"planner.core.prepared.Prepared.of(layers, as_of) (or its {kind.__name__}), not "
        f"{type(obj).__name__}"
    )
