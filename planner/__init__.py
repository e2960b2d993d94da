"""planner: site selection for companies relocating to the Almaty region (BAKAD perimeter).

Data flows one way: layers -> criteria -> scores -> ranking / allocation -> tables, maps.
"""

# Everything is imported on first use (``planner.load_layers``...): ``import planner`` (and so
# every ``planner ...`` command, ``planner --version`` included) does not pay for geopandas,
# numba, folium or scipy before it needs them.
#: public name -> the module (under ``planner``) that defines it
_LAZY = {
    "__version__": "_version",
    "GEOGRAPHIC_CRS": "crs",
    "METRIC_CRS": "crs",
    "LAYER_NAMES": "core.layerset",
    "LayerSet": "core.layerset",
    "status_as_of": "core.layerset",
    "PlannerError": "errors",
    "InputError": "errors",
    "LayerError": "errors",
    "ScenarioError": "errors",
    "OutputError": "errors",
    "OutputExistsError": "errors",
    "load_layers": "inputs.layers",
    "export_layers": "inputs.layers",
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


__all__ = list(_LAZY)


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
