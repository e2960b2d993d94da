"""Output files: checked before any work (:func:`check_outputs`), written atomically.

Every job lists the files it will write as :class:`Output` s and calls
:func:`check_outputs` first, so a bad name, a clash, an existing file (without
``--overwrite``) or an unwritable folder is refused in seconds, not after the work; then
each file is written to a temporary file (or folder) beside it and moved into place
(:func:`atomic_output`, :func:`atomic_dir`), so nothing is ever half-written.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from planner.errors import InputError, OutputError, OutputExistsError

__all__ = [
    "Output",
    "atomic_dir",
    "atomic_output",
    "check_outputs",
    "check_writable",
    "manifest_path",
    "unwritable_folder",
]


def check_writable(path: str | os.PathLike, overwrite: bool) -> Path:
    """Refuse an existing ``path`` unless ``overwrite``; refuse a missing parent folder."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputExistsError(
            f"output {str(path)!r} already exists; pass --overwrite to replace it "
            "or choose another file name"
        )
    if not path.parent.exists():
        raise OutputError(
            f"output folder {str(path.parent)!r} does not exist; create it first "
            f"(mkdir -p {path.parent})"
        )
    return path


def unwritable_folder(folder: Path, exc: OSError) -> OutputError:
    """The error for a folder that refused a new file (``exc``: why)."""
    return OutputError(
        f"cannot write into folder {str(folder)!r}: {exc.strerror or exc}; "
        "choose a writable folder with -o"
    )


def manifest_path(output_path: str | os.PathLike) -> Path:
    """``<output>.manifest.json`` beside ``output_path``."""
    output_path = Path(output_path)
    return output_path.with_name(output_path.name + ".manifest.json")


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


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it over ``path`` atomically.

    On any error the temporary file is removed and an existing ``path`` is left intact.
    """
    path = check_writable(path, overwrite)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent
        )
    except OSError as exc:
        raise unwritable_folder(path.parent, exc) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers such as GDAL want to create the file themselves
    try:
        yield tmp
        if not tmp.exists():
            raise OutputError(f"writer produced no file for {str(path)!r}")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yield a new temporary folder beside ``path``; on success it replaces ``path`` whole.

    On any error the temporary folder is removed and an existing ``path`` is left intact.
    """
    path = check_writable(path, overwrite)
    tmp = path.parent / f".{path.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        tmp.mkdir()
    except OSError as exc:
        raise unwritable_folder(path.parent, exc) from exc
    try:
        yield tmp
        old = None
        if path.exists():
            old = path.parent / f".{path.name}.old-{uuid.uuid4().hex[:8]}"
            os.replace(path, old)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old) if old.is_dir() else old.unlink()
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
