"""Exception hierarchy: one base class, subclasses that also inherit the matching builtin."""

from __future__ import annotations

__all__ = [
    "PlannerError",
    "InputError",
    "LayerError",
    "ScenarioError",
    "OutputExistsError",
    "OutputError",
    "CatalogError",
]


class PlannerError(Exception):
    """Base class of every error the planner raises on purpose."""


class InputError(PlannerError, ValueError):
    """Bad user input (file, column, value); the message says where and how to fix it."""


class LayerError(InputError):
    """A layer file failed validation; ``problems`` holds every problem found."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


class ScenarioError(InputError):
    """A scenario file failed validation."""


class OutputExistsError(PlannerError, FileExistsError):
    """An output file exists and ``overwrite`` was not given."""


class OutputError(PlannerError, OSError):
    """An output could not be written (the previous file, if any, is intact)."""


class CatalogError(PlannerError, KeyError):
    """A message key or ``{field}`` the language catalog (planner.i18n) does not have."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""
