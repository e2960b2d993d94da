"""Input files: only regular files are read (issue 12, item 5).

``/dev/zero`` never ends, a FIFO blocks until someone writes to it, a socket or a device
cannot be read as a table at all: every input path (company and sites lists, layer files,
scenario and sector TOML, surfaces, judgement files) goes through :func:`check_regular`
before it is opened, so such a path is refused at once with a clear message. The check
opens nothing (``os.stat`` follows symbolic links, so a link to a regular file is fine).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from planner.errors import InputError

__all__ = ["check_regular", "read_regular_bytes", "read_regular_text", "refuse_special"]

_KINDS = (
    (stat.S_ISCHR, "a character device (like /dev/zero or a terminal)"),
    (stat.S_ISBLK, "a block device (a disk)"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def check_regular(
    path: str | Path, what: str = "input file", *, folder_ok: bool = False,
    error: type[InputError] = InputError,
) -> Path:
    """``path`` as a Path if it is a regular file (or a folder when ``folder_ok``).

    Raises :class:`~planner.InputError` naming the file and what it is otherwise
    (missing, a device, a FIFO, a socket, a folder).
    """
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError as exc:
        raise error(f"{what} {str(p)!r} does not exist; check the path") from exc
    except OSError as exc:
        raise error(f"{what} {str(p)!r} cannot be read ({exc.strerror}); check the path "
                         "and its permissions") from exc
    if stat.S_ISREG(st.st_mode) or (folder_ok and stat.S_ISDIR(st.st_mode)):
        return p
    raise error(
        f"{what} {str(p)!r} is {_kind(st.st_mode)}, not a regular file; the planner reads "
        "inputs only from ordinary files: save the data to a file and pass its path"
    )


def read_regular_bytes(path: str | Path, what: str = "input file") -> bytes:
    """The bytes of a regular file (:func:`check_regular`, then read)."""
    return check_regular(path, what).read_bytes()


def read_regular_text(path: str | Path, what: str = "input file") -> str:
    """The UTF-8 text of a regular file (:func:`check_regular`, then read)."""
    return check_regular(path, what).read_text(encoding="utf-8")


def refuse_special(
    path: str | Path, what: str = "input file", error: type[InputError] = InputError
) -> None:
    """Raise if ``path`` exists and is a device, FIFO or socket (not a file or folder).

    For readers that already explain a missing file or a folder in their own words.
    """
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise error(
            f"{what} {str(path)!r} is {_kind(mode)}, not a regular file; the planner reads "
            "inputs only from ordinary files: save the data to a file and pass its path"
        )
