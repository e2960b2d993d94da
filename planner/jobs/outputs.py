"""The one check of a job's output names, made before any work: :func:`check_outputs`.

Every job (``planner score``, ``score-sites``, ``map``, ``compare``, ``surface``) lists the
files it will write as :class:`Output` s and calls :func:`check_outputs` first, so a bad
name, a clash, an existing file (without ``--overwrite``) or an unwritable folder is
refused in seconds, not after the work, and nothing is half-written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from planner._atomic import check_writable, unwritable_folder
from planner.errors import InputError
from planner.render.outputs import manifest_path

__all__ = ["Output", "check_outputs"]


@dataclass(frozen=True)
class Output:
    """One file (or folder) a job will write.

    Attributes
    ----------
    path
        Where.
    what
        How the message names it: ``"output"``, ``"rejects file"``, ``"map file"`` ...
    suffixes
        Accepted endings, lower case (empty: any).
    example
        The option with a good name, for the message, e.g. ``"--map maps/results.html"``.
    manifest
        A ``<path>.manifest.json`` is written beside it (checked too).
    """

    path: Path
    what: str
    suffixes: tuple[str, ...] = ()
    example: str = ""
    manifest: bool = False

    def files(self) -> list[Path]:
        return [self.path, *([manifest_path(self.path)] if self.manifest else [])]


def _or(items: tuple[str, ...]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def check_outputs(outputs: Iterable[Output | None], overwrite: bool = False) -> list[Output]:
    """Refuse, before any work, outputs a job could not write as asked; write nothing.

    In this order, over every output and manifest (``None`` entries are skipped):

    1. each name ends in one of its suffixes (:class:`~planner.errors.InputError`);
    2. no file is named twice, also through a manifest or a sibling
       (:class:`~planner.errors.InputError`);
    3. none exists unless ``overwrite`` (:class:`~planner.errors.OutputExistsError`), and
       each folder exists (:class:`~planner.errors.OutputError`);
    4. each folder takes a new file (:class:`~planner.errors.OutputError`): a read-only
       folder fails now, not after the work.

    Returns the outputs checked.
    """
    outs = [o for o in outputs if o is not None]
    for o in outs:
        sfx = o.path.suffix.lower()
        if o.suffixes and sfx not in o.suffixes:
            raise InputError(
                f"{o.what} {str(o.path)!r} must end in {_or(o.suffixes)} (unknown file type "
                f"{o.path.suffix or '(none)'!r})" + (f", e.g. {o.example}" if o.example else "")
            )
    seen: dict[Path, Path] = {}
    for p in (f for o in outs for f in o.files()):
        key = Path(os.path.abspath(p))
        if key in seen:
            raise InputError(
                f"output {str(p)!r} would be written twice (also as {str(seen[key])!r}); give "
                "each output its own file name"
            )
        seen[key] = p
    for p in seen.values():
        check_writable(p, overwrite)
    for folder in dict.fromkeys(Path(os.path.abspath(o.path)).parent for o in outs):
        _probe_folder(folder)
    return outs


def _probe_folder(folder: Path) -> None:
    """Create and remove a temporary file: a read-only folder fails now, not after the work."""
    try:
        fd, name = tempfile.mkstemp(prefix=".planner-probe-", dir=folder)
    except OSError as exc:
        raise unwritable_folder(folder, exc) from exc
    os.close(fd)
    os.unlink(name)
