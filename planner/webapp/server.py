"""Start the app: Streamlit configured in code for an office machine with no internet.

:func:`server_options` is the whole server configuration (passed as Streamlit's command-line
flags, which win over any ``~/.streamlit/config.toml``): usage statistics off, no file
watcher, headless, the upload limit, no developer toolbar, error details hidden from users.
:func:`serve` is what ``planner app`` runs.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any

from planner.errors import InputError
from planner.i18n import tr

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "SCRIPT",
    "first_line",
    "is_local",
    "server_options",
    "check_serving",
    "app_environment",
    "serve",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8501
SCRIPT = Path(__file__).resolve().parent / "streamlit_app.py"


def first_line(text: str) -> str:
    """The password in a password file: its first line, without surrounding spaces."""
    lines = text.strip().splitlines()
    return lines[0].strip() if lines else ""


def is_local(host: str) -> bool:
    """True for loopback addresses and ``localhost`` (reachable from this machine only)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def server_options(host: str, port: int, max_upload_mb: int) -> dict[str, Any]:
    """Streamlit's settings for the app (see the module docstring)."""
    return {
        "server.address": host,
        "server.port": int(port),
        "server.headless": True,
        "server.fileWatcherType": "none",
        "server.runOnSave": False,
        "server.maxUploadSize": int(max_upload_mb),
        "server.enableStaticServing": False,
        "server.enableXsrfProtection": True,
        "server.enableCORS": True,
        "browser.gatherUsageStats": False,
        "browser.serverAddress": host,
        "browser.serverPort": int(port),
        "client.toolbarMode": "viewer",
        "client.showErrorDetails": "none",
        "global.developmentMode": False,
        "theme.base": "light",
        "logger.level": "warning",
    }


def check_serving(host: str, port: int, password_file: Path | None, max_upload_mb: int) -> None:
    """Refuse settings that would expose the app or cannot work, with the fix."""
    if not 1 <= int(port) <= 65535:
        raise InputError(tr("err.app.port", port=port))
    if not 1 <= int(max_upload_mb) <= 1024:
        raise InputError(tr("err.app.max_upload", value=max_upload_mb))
    if password_file is None:
        if not is_local(host):
            raise InputError(tr("err.app.host_needs_password", host=host))
        return
    try:
        secret = first_line(Path(password_file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(tr("err.app.password_unreadable", file=str(password_file),
                            error=exc)) from None
    if len(secret) < 8:
        raise InputError(tr("err.app.password_short", file=str(password_file)))


def app_environment(
    password_file: Path | None, layers_path: Path | None, max_upload_mb: int
) -> dict[str, str]:
    """Environment variables through which the server passes its settings to the pages."""
    from planner.webapp.settings import LAYERS_ENV, PASSWORD_ENV, UPLOAD_ENV

    env = {UPLOAD_ENV: str(int(max_upload_mb))}
    if password_file is not None:
        env[PASSWORD_ENV] = str(Path(password_file).resolve())
    if layers_path is not None:
        env[LAYERS_ENV] = str(Path(layers_path).resolve())
    return env


def _prefetch() -> None:
    """Import the pages and load the layers while the browser loads the frontend, so the
    first page does not wait for them (module imports and file caches are per process)."""
    try:
        import planner.jobs.compare  # noqa: F401
        import planner.webapp.ui  # noqa: F401
        from planner.inputs.layers import load_layers

        load_layers(os.environ.get("PLANNER_APP_LAYERS") or None)
    except Exception:  # noqa: BLE001, S110 - only a head start; the pages report real errors
        pass


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    password_file: Path | None = None,
    layers_path: Path | None = None,
    max_upload_mb: int = 20,
) -> None:
    """Run the app until interrupted (blocking)."""
    check_serving(host, port, password_file, max_upload_mb)
    from planner.webapp.settings import LAYERS_ENV, PASSWORD_ENV

    for key in (PASSWORD_ENV, LAYERS_ENV):
        os.environ.pop(key, None)
    os.environ.update(app_environment(password_file, layers_path, max_upload_mb))
    import threading

    from streamlit.web import bootstrap

    threading.Thread(target=_prefetch, name="planner-prefetch", daemon=True).start()

    options = server_options(host, port, max_upload_mb)
    bootstrap.load_config_options(flag_options=options)
    bootstrap.run(str(SCRIPT), False, [], options)
