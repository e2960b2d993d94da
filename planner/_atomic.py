"""Atomic output files: write to a temp file in the same folder, then replace."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from planner.errors import OutputError, OutputExistsError

__all__ = ["atomic_output", "check_writable"]


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
        raise OutputError(
            f"cannot write into folder {str(path.parent)!r}: {exc.strerror}; "
            "choose a writable folder with -o"
        ) from exc
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
