"""Every exception class the planner raises on purpose, in one module.

One base class, :class:`PlannerError`; each subclass also inherits the matching builtin
(``ValueError`` for bad input, ``FileExistsError`` / ``OSError`` for outputs,
``RuntimeError`` for a failed internal check), so callers may catch either.

``InputError`` and its subclasses mean the user can fix the input: the message names the
file, row, column, value and the fix. The ``RuntimeError`` family (``BatchError``,
``AllocationError``, ``EngineError``, ``AssetError``) means an internal check or the
environment failed: a bug to report, a package to install or a cluster to reach.
The CLI prints any of them as one paragraph and exits 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = [
    "PlannerError",
    # bad input
    "InputError",
    "LayerError",
    "ScenarioError",
    "SectorError",
    "SiteFileError",
    "MapInputError",
    "CompareError",
    "SiteCountError",
    "UnknownSiteError",
    "UnknownCompanyError",
    # outputs
    "OutputExistsError",
    "OutputError",
    # internal checks and environment
    "AllocationError",
    "BatchError",
    "EngineError",
    "AssetError",
    "CatalogError",
]


class PlannerError(Exception):
    """Base class of every error the planner raises on purpose."""


# --------------------------------------------------------------------------- bad input


class InputError(PlannerError, ValueError):
    """Bad user input (file, column, value); the message says where and how to fix it."""


class LayerError(InputError):
    """A layer file failed validation; ``problems`` holds every problem found."""

    def __init__(self, message: str, problems: Sequence[str] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


class ScenarioError(InputError):
    """A scenario file failed validation."""


class SectorError(InputError):
    """The sector catalog (TOML) failed validation, or a sector key is unknown."""


class SiteFileError(InputError):
    """A sites file failed validation; ``problems`` holds every problem found."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


class MapInputError(InputError):
    """A scored-sites or results table cannot be mapped (missing columns, bad values)."""


class CompareError(InputError):
    """A comparison cannot be made from the sites or company given."""


class SiteCountError(CompareError):
    """Fewer than 2 or more than 12 sites to compare (a usage error)."""


class UnknownSiteError(CompareError):
    """Site ids that are neither built-in nor in the sites file; ``suggestions`` per id."""

    def __init__(self, message: str, suggestions: Mapping[str, Sequence[str]]) -> None:
        super().__init__(message)
        self.suggestions = {k: list(v) for k, v in suggestions.items()}


class UnknownCompanyError(CompareError):
    """The company named is not in the company list (or the name is ambiguous)."""


# --------------------------------------------------------------------------- outputs


class OutputExistsError(PlannerError, FileExistsError):
    """An output file exists and ``overwrite`` was not given."""


class OutputError(PlannerError, OSError):
    """An output could not be written (the previous file, if any, is intact)."""


# --------------------------------------------------------------------------- internal checks


class AllocationError(PlannerError, RuntimeError):
    """The solver returned something unusable (a bug to report, not a user error)."""


class BatchError(PlannerError, RuntimeError):
    """An internal check of the batch failed (a bug to report, not a user error)."""


class EngineError(PlannerError, RuntimeError):
    """The Dask engine could not run (package missing, scheduler unreachable, task failed)."""


class AssetError(PlannerError, RuntimeError):
    """A bundled asset is missing or not what this module expects (reinstall the package)."""


class CatalogError(PlannerError, KeyError):
    """A message key or ``{field}`` the language catalog (planner.i18n) does not have."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""
