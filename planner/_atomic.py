"""Atomic output files: write to a temp file in the same folder, then replace."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from planner.errors import OutputError, OutputExistsError

__all__ = ["atomic_dir", "atomic_output", "check_writable", "unwritable_folder"]


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
