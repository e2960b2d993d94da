"""Command-line interface: a thin skin over the library (typer).

Exit codes: 0 ok, 1 runtime or input error, 2 usage error, 3 finished but some input rows
were rejected (``planner score``). User errors print one paragraph, no traceback;
``--debug`` shows the traceback.
"""

from __future__ import annotations

from .app import app, main

__all__ = ["app", "main"]
