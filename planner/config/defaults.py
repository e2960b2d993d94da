"""Defaults that the command line shows in its help, in a module that imports nothing.

``planner --help`` and ``planner <command> --help`` print these without loading the scenario
machinery (pydantic) or the numeric core (numpy, numba): see :mod:`planner.cli`.
"""

from __future__ import annotations

__all__ = ["DEFAULT_SCENARIO", "MAX_SURFACE_CELLS"]

#: the scenario used when none is named
DEFAULT_SCENARIO = "bakad-perimeter"
#: refuse larger surface grids (memory: ~40 bytes per cell of the bounding box, plus the EDT)
MAX_SURFACE_CELLS = 150_000_000
