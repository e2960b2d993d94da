"""`planner app`: the local web app (compare by clicking, batch upload, the map)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .app import app, command, out_console
from .options import Lang, LangOpt, LayersOpt

HELP = (
    "Start the web app for staff who do not use a terminal: compare sites by clicking on the "
    "map, rank a company list, see the offline map. It opens in a browser at "
    "http://127.0.0.1:8501 (this machine only). To serve the office network give "
    "--host 0.0.0.0 (or the machine's address) and a shared password with --password-file. "
    "Works with no internet: nothing is loaded from outside the machine and no usage "
    "statistics are sent. Stop it with Ctrl+C.\n\n"
    "Examples:\n\n"
    "  planner app\n\n"
    "  planner app --host 0.0.0.0 --port 8501 --password-file /etc/planner/app-password.txt"
)


@command(app, "app", help=HELP)
def app_cmd(
    host: Annotated[
        str,
        typer.Option("--host", help="Address to listen on, e.g. 0.0.0.0 for the office network."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port, e.g. 8501.")] = 8501,
    password_file: Annotated[
        Path | None,
        typer.Option(
            "--password-file",
            help="Text file whose first line is the shared password (needed with a --host "
            "other than this machine).",
        ),
    ] = None,
    max_upload_mb: Annotated[
        int, typer.Option("--max-upload-mb", help="Largest file staff may upload, MB.")
    ] = 20,
    layers: LayersOpt = None,
    lang: LangOpt = Lang.ru,
) -> None:
    """Start the web app (see HELP)."""
    from planner import i18n
    from planner.errors import InputError
    from planner.webapp import server

    try:
        server.check_serving(host, port, password_file, max_upload_mb)
    except InputError as exc:
        raise typer.BadParameter(str(exc), param_hint="--host / --password-file") from None
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - only shown
    line = i18n.t("out.app.serving", lang.value, url=f"http://{shown}:{port}")
    out_console.print(escape(line), highlight=False)
    server.serve(host, port, password_file, layers, max_upload_mb)
