"""The root typer app, its global options and error handling.

Options shared by several commands are in :mod:`planner.cli.options`; the subcommands
live beside this module.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from planner.errors import PlannerError

app = typer.Typer(
    name="planner",
    help=(
        "Site selection for companies relocating to the Almaty region: layers, explainable "
        "scoring along BAKAD, batch ranking, offline maps.\n\n"
        "Exit codes: 0 ok, 1 error, 2 usage error, 3 some input rows rejected (score)."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

err_console = Console(stderr=True, soft_wrap=True)
out_console = Console(soft_wrap=True)

#: subcommand modules registered on the app, in help order
COMMAND_MODULES = (
    "layers", "scenarios", "sites", "companies", "score", "maps", "compare", "surface",
    "network",
)


class State:
    debug: bool = False


def _version_callback(value: bool) -> None:
    if value:
        from planner._version import __version__

        typer.echo(f"planner {__version__}")
        raise typer.Exit(0)


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version_callback,
            is_eager=True,
            help="Show the version and exit.",
        ),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log what the library does (to stderr).")
    ] = False,
) -> None:
    """Planner for the BAKAD perimeter, Konaev and Gate City."""
    State.debug = debug
    level = logging.DEBUG if debug else (logging.INFO if verbose else logging.WARNING)
    # distributed configures its own INFO logging at import; keep a Dask run quiet by default
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", logging.getLevelName(level).lower())
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )


def print_error(message: str) -> None:
    """One-paragraph error on stderr (markup in ``message`` is escaped)."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)


def handle_errors(func: Callable) -> Callable:
    """Turn planner errors (and OS errors on user files) into a clean message and exit 1."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (PlannerError, OSError) as exc:
            if State.debug:
                raise
            print_error(str(exc))
            raise typer.Exit(1) from None

    return wrapper


def register_commands() -> None:
    """Import every subcommand module present so it registers itself on :data:`app`."""
    for mod in COMMAND_MODULES:
        name = f"planner.cli.{mod}"
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def main() -> None:
    """Console-script entry point."""
    register_commands()
    app()
