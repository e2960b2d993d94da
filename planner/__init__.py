"""planner: site selection for companies relocating to the Almaty region (BAKAD perimeter).

Data flows one way: layers -> criteria -> scores -> ranking / allocation -> tables, maps.
"""

from planner._version import __version__
from planner.core.layerset import LAYER_NAMES, LayerSet, status_as_of
from planner.crs import GEOGRAPHIC_CRS, METRIC_CRS
from planner.errors import (
    InputError,
    LayerError,
    OutputError,
    OutputExistsError,
    PlannerError,
    ScenarioError,
)
from planner.inputs.layers import export_layers, load_layers

#: public functions of the heavier modules, imported on first use (numba, folium, scipy)
_LAZY = {
    "compute_criteria": "core.criteria",
    "load_scenario": "config.scenarios",
    "list_scenarios": "config.scenarios",
    "Prepared": "core.prepared",
    "score_sites": "jobs.score_sites",
    "score_table": "core.scoring",
    "load_sites": "inputs.sites",
    "grid_sites": "inputs.sites",
    "read_companies": "inputs.companies",
    "load_sectors": "config.sectors",
    "rank_companies": "core.ranking",
    "allocate": "core.allocation",
    "monte_carlo": "core.robustness",
    "flip_weight": "core.robustness",
    "run_batch": "jobs.batch",
    "write_table": "render.outputs",
    "build_map": "render.maps",
    "save_map": "render.maps",
    "compare_sites": "jobs.compare",
    "score_sites_engine": "jobs.dask_engine",
    "compute_surface": "core.surface",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'planner' has no attribute {name!r}")


__all__ = [
    *_LAZY,
    "__version__",
    "GEOGRAPHIC_CRS",
    "METRIC_CRS",
    "LAYER_NAMES",
    "LayerSet",
    "load_layers",
    "export_layers",
    "status_as_of",
    "PlannerError",
    "InputError",
    "LayerError",
    "ScenarioError",
    "OutputError",
    "OutputExistsError",
]
