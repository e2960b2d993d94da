"""Shared fixtures: the built-in layers (loaded once) and a CLI runner."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import planner
from planner.cli.app import app, register_commands


@pytest.fixture(scope="session")
def layers() -> planner.LayerSet:
    return planner.load_layers()


@pytest.fixture(scope="session")
def cli():
    """Invoke the CLI in-process: ``cli("layers", "list")`` returns a click Result."""
    register_commands()
    runner = CliRunner()

    def invoke(*args: str, **kw):
        return runner.invoke(app, [str(a) for a in args], **kw)

    return invoke
