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

__all__ = [
    "check_regular", "either", "noun", "read_regular_bytes", "read_regular_text", "refuse_special",
]

_KINDS = (
    (stat.S_ISCHR, "chr"),
    (stat.S_ISBLK, "blk"),
    (stat.S_ISFIFO, "fifo"),
    (stat.S_ISSOCK, "sock"),
    (stat.S_ISDIR, "dir"),
)


def _kind(mode: int) -> str:
    from planner.i18n import tr

    for test, name in _KINDS:
        if test(mode):
            return tr(f"err.files.kind.{name}")
    return tr("err.files.kind.other")


def noun(what: str) -> str:
    """How messages name a kind of file (``"sites file"``) in the message language: the
    ``err.files.noun`` entry of the English noun, or the noun as given when it has none."""
    from planner import i18n

    return i18n.section("err.files.noun", i18n.message_lang()).get(
        what.replace(" ", "_"), what)


def either(items) -> str:
    """``a, b or c`` in the message language (``a, b или c``)."""
    from planner.i18n import tr

    items = [str(i) for i in items]
    if len(items) == 1:
        return items[0]
    return tr("err.outputs.or", items=", ".join(items[:-1]), last=items[-1])


def _special(what: str, path: str | Path, mode: int) -> str:
    from planner.i18n import tr

    return tr("err.files.special", what=noun(what), path=str(path), kind=_kind(mode))


def check_regular(
    path: str | Path, what: str = "input file", *, folder_ok: bool = False,
    error: type[InputError] = InputError,
) -> Path:
    """``path`` as a Path if it is a regular file (or a folder when ``folder_ok``).

    Raises :class:`~planner.InputError` naming the file and what it is otherwise
    (missing, a device, a FIFO, a socket, a folder).
    """
    from planner.i18n import tr

    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError as exc:
        raise error(tr("err.files.missing", what=noun(what), path=str(p))) from exc
    except OSError as exc:
        raise error(tr("err.files.unreadable", what=noun(what), path=str(p),
                       why=exc.strerror or exc)) from exc  # fmt: skip
    if stat.S_ISREG(st.st_mode) or (folder_ok and stat.S_ISDIR(st.st_mode)):
        return p
    raise error(_special(what, p, st.st_mode))


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
        raise error(_special(what, path, mode))
