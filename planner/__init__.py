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

__all__ = [
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
