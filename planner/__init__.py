"""planner: site selection for companies relocating to the Almaty region (BAKAD perimeter).

Data flows one way: layers -> criteria -> scores -> ranking / allocation -> tables, maps.
"""

from importlib.metadata import PackageNotFoundError, version

from ._errors import (
    InputError,
    LayerError,
    OutputError,
    OutputExistsError,
    PlannerError,
    ScenarioError,
)
from .crs import GEOGRAPHIC_CRS, METRIC_CRS
from .layers import LAYER_NAMES, LayerSet, export_layers, load_layers, status_as_of

try:
    __version__ = version("bakad-siting-planner")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"

#: public functions of the heavier modules, imported on first use (numba, folium, scipy)
_LAZY = {
    "compute_criteria": "criteria",
    "load_scenario": "scenarios",
    "list_scenarios": "scenarios",
    "score_sites": "scoring",
    "score_table": "scoring",
    "load_sites": "sites",
    "grid_sites": "sites",
    "read_companies": "companies",
    "load_sectors": "sectors",
    "rank_companies": "ranking",
    "allocate": "allocation",
    "monte_carlo": "robustness",
    "flip_weight": "robustness",
    "run_batch": "batch",
    "write_table": "outputs",
    "build_map": "maps",
    "save_map": "maps",
    "compare_sites": "compare",
    "score_sites_engine": "engine",
    "compute_surface": "surface",
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
