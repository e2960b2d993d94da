"""Output files: checked before any work (:func:`check_outputs`), written atomically.

Every job lists the files it will write as :class:`Output` s and calls
:func:`check_outputs` first, so a bad name, a clash, an existing file (without
``--overwrite``) or an unwritable folder is refused in seconds, not after the work; then
each file is written to a temporary file (or folder) beside it and moved into place
(:func:`atomic_output`, :func:`atomic_dir`), so nothing is ever half-written.

Safety guarantees (README "Safety"):

* no output is ever an input: :func:`check_outputs` refuses an output that resolves
  (realpath, symlinks, hard links) to an input, or a folder output that holds one;
* a temporary file or folder carries the writer's process id
  (``.NAME.tmp-PID-RANDOM``): one left by a killed run is removed by the next run that
  writes beside it (:func:`clean_leftovers`), and a folder swap interrupted between its two
  renames is undone (the previous folder restored);
* a folder is swapped with one atomic ``renameat2(RENAME_EXCHANGE)`` where the kernel has
  it, so the output path always names a complete folder;
* a full disk (``ENOSPC``), also as reported by GDAL or xlsxwriter, becomes one
  :class:`~planner.errors.OutputError` saying so; the previous output is intact.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
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
    "check_not_inputs",
    "check_outputs",
    "clean_leftovers",
    "disk_full_error",
    "check_writable",
    "manifest_path",
    "unwritable_folder",
]


def check_writable(path: str | os.PathLike, overwrite: bool) -> Path:
    """Refuse an existing ``path`` unless ``overwrite``; refuse a missing parent folder."""
    from planner.i18n import tr

    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputExistsError(tr("err.outputs.exists", path=str(path)))
    if not path.parent.exists():
        raise OutputError(tr("err.outputs.no_folder", folder=str(path.parent)))
    return path


def unwritable_folder(folder: Path, exc: OSError) -> OutputError:
    """The error for a folder that refused a new file (``exc``: why)."""
    from planner.i18n import tr

    return OutputError(tr("err.outputs.unwritable", folder=str(folder), why=exc.strerror or exc))


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


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except (OSError, ValueError):
        return None


def _input_paths(inputs: Iterable) -> list[Path]:
    """The inputs that name existing files or folders: paths, the values of a dict (a
    manifest's inputs), an object's ``.path`` (a scenario read from a file); specs such
    as ``"builtin"`` and tables in memory are skipped."""
    paths = []
    for value in inputs:
        if isinstance(value, dict):
            paths += _input_paths(value.values())
            continue
        if not isinstance(value, str | os.PathLike):
            value = getattr(value, "path", None)
        if not isinstance(value, str | os.PathLike) or not str(value).strip():
            continue
        p = Path(value)
        if _stat(p) is not None:
            paths.append(p)
    return paths


def check_not_inputs(outputs: Iterable[Path], inputs: Iterable) -> None:
    """Refuse an output that is an input: the same path, a symlink to it, a hard link of it
    (same device and inode), or a folder holding it (a partitioned output replaced whole).

    Raises :class:`~planner.errors.InputError`; nothing is written.
    """
    ins = [(p, p.resolve(), _stat(p)) for p in _input_paths(inputs)]
    if not ins:
        return
    for out in outputs:
        real = Path(os.path.realpath(out))
        st = _stat(out)
        for given, in_real, in_st in ins:
            same = real == in_real or (
                st is not None and in_st is not None and _same_file(st, in_st)
            )
            inside = not same and st is not None and real in in_real.parents
            if same or inside:
                from planner.i18n import tr

                both = "" if str(out) == str(given) else tr("err.outputs.resolve",
                                                            path=str(in_real))
                raise InputError(tr("err.outputs.is_input" if same else "err.outputs.holds_input",
                                    path=str(out), input=str(given), both=both))  # fmt: skip


def _or(items: tuple[str, ...]) -> str:
    from planner._infiles import either

    return either(items)


def check_outputs(
    outputs: Iterable[Output | None],
    overwrite: bool = False,
    inputs: Iterable = (),
) -> list[Output]:
    """Refuse, before any work, outputs a job could not write as asked; write nothing.

    Leftovers of killed runs beside each output are cleaned first
    (:func:`clean_leftovers`). Then, in this order, over every output and manifest
    (``None`` entries are skipped):

    0. none is one of ``inputs`` (:func:`check_not_inputs`, even with ``overwrite``);

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
    check_not_inputs([f for o in outs for f in o.files()], inputs)
    for o in outs:
        sfx = o.path.suffix.lower()
        if o.suffixes and sfx not in o.suffixes:
            from planner._infiles import noun
            from planner.i18n import tr

            raise InputError(tr(
                "err.outputs.suffix", what=noun(o.what), path=str(o.path), suffixes=_or(o.suffixes),
                suffix=o.path.suffix or tr("err.outputs.no_suffix"),
            ) + (tr("err.outputs.example", example=o.example) if o.example else ""))
    seen: dict[Path, Path] = {}
    for p in (f for o in outs for f in o.files()):
        key = Path(os.path.abspath(p))
        if key in seen:
            from planner.i18n import tr

            raise InputError(tr("err.outputs.twice", path=str(p), other=str(seen[key])))
        seen[key] = p
    for p in seen.values():
        clean_leftovers(p)
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


# --------------------------------------------------------------------------- temporaries

_LEFTOVER = re.compile(r"\.(?:tmp|old)-(\d+)-[0-9a-f]{8}")


def _tmp_tag(kind: str = "tmp") -> str:
    """``tmp-PID-RANDOM``: whose temporary this is, so a later run can tell an orphan."""
    return f"{kind}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: someone else's live process
        return True
    return True


def _remove(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def clean_leftovers(path: str | os.PathLike) -> list[Path]:
    """Remove the temporaries that killed runs left beside ``path``; restore its folder.

    Looks for ``.STEM.tmp-PID-*`` / ``.NAME.tmp-PID-*`` / ``.NAME.old-PID-*`` whose process
    ``PID`` no longer runs (a live run's temporaries are left alone). If ``path`` is missing
    and such a run left the previous folder as ``.NAME.old-*`` (killed between the two
    renames of a swap without ``RENAME_EXCHANGE``), that folder is moved back first.
    Returns what was removed or restored.
    """
    path = Path(path)
    folder = path.parent
    done: list[Path] = []
    prefixes = {f".{path.name}", f".{path.stem}"}
    try:
        entries = list(folder.iterdir())
    except OSError:
        return done
    orphans = []
    for e in entries:
        for p in prefixes:
            m = _LEFTOVER.match(e.name[len(p) :]) if e.name.startswith(p) else None
            if m and not _alive(int(m.group(1))):
                orphans.append(e)
                break
    old = sorted(
        (e for e in orphans if e.name.startswith(f".{path.name}.old-") and e.is_dir()),
        key=lambda e: e.stat().st_mtime,
    )
    if old and not path.exists() and not path.is_symlink():
        os.replace(old[-1], path)
        orphans.remove(old[-1])
        done.append(path)
    for e in orphans:
        _remove(e)
        done.append(e)
    return done


# --------------------------------------------------------------------------- disk full

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_FULL_TEXT = (
    "no space left on device",
    "disk full",
    "disk is full",  # SQLite (GeoPackage): "database or disk is full"
    "disk quota exceeded",
    "file too large",
)


def disk_full_error(path: Path, exc: BaseException) -> OutputError | None:
    """:class:`~planner.errors.OutputError` for a write that ran out of space, else None.

    Recognizes ``OSError`` (``ENOSPC``, ``EDQUOT``, ``EFBIG``), and the wrappers of GDAL
    (pyogrio's errors) and xlsxwriter (``FileCreateError``, not an OSError) by their cause
    or their text.
    """
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        full = (isinstance(e, OSError) and e.errno in _FULL_ERRNOS) or any(
            t in str(e).lower() for t in _FULL_TEXT
        )
        if full:
            from planner.i18n import tr

            return OutputError(tr("err.outputs.disk_full", path=str(path),
                                  folder=str(path.parent), name=path.name))  # fmt: skip
        e = e.__cause__ or e.__context__ or (e.args[0] if e.args and isinstance(
            e.args[0], BaseException) else None)  # fmt: skip
    return None


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it over ``path`` atomically.

    The temporary is ``.STEM.tmp-PID-RANDOM.SUFFIX`` (the suffix kept: GDAL picks its
    driver by it); leftovers of killed runs are removed first (:func:`clean_leftovers`).
    On any error, Ctrl-C included, the temporary is removed and an existing ``path`` is
    left intact; a full disk raises :class:`~planner.errors.OutputError` saying so.
    """
    path = check_writable(path, overwrite)
    clean_leftovers(path)
    tmp = path.parent / f".{path.stem}.{_tmp_tag()}{path.suffix}"
    try:
        tmp.touch(exist_ok=False)
        tmp.unlink()  # writers such as GDAL want to create the file themselves
    except OSError as exc:
        raise disk_full_error(path, exc) or unwritable_folder(path.parent, exc) from exc
    try:
        yield tmp
        if not tmp.exists():
            raise OutputError(f"writer produced no file for {str(path)!r}")
        os.replace(tmp, path)
    except BaseException as exc:
        for extra in path.parent.iterdir():  # GDAL's -journal / -wal too
            if extra.name.startswith(tmp.name):
                _remove(extra)
        full = disk_full_error(path, exc) if isinstance(exc, Exception) else None
        if full is not None:
            raise full from exc
        raise


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where the
    system cannot (then the caller renames twice)."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yield a new temporary folder beside ``path``; on success it replaces ``path`` whole.

    The new folder is swapped in with one atomic exchange where the kernel has it (the
    path always names a complete folder); elsewhere by two renames, and a run killed
    between them leaves the previous folder as ``.NAME.old-PID-*``, which the next run
    moves back (:func:`clean_leftovers`). On any error the temporary folder is removed and
    an existing ``path`` is left intact; a full disk raises
    :class:`~planner.errors.OutputError` saying so.
    """
    path = check_writable(path, overwrite)
    clean_leftovers(path)
    tmp = path.parent / f".{path.name}.{_tmp_tag()}"
    try:
        tmp.mkdir()
    except OSError as exc:
        raise disk_full_error(path, exc) or unwritable_folder(path.parent, exc) from exc
    old = None
    try:
        yield tmp
        if not (path.exists() or path.is_symlink()):
            os.replace(tmp, path)
        elif _exchange(tmp, path):
            _remove(tmp)  # now the previous folder
        else:
            old = path.parent / f".{path.name}.{_tmp_tag('old')}"
            os.replace(path, old)
            os.replace(tmp, path)
            _remove(old)
    except BaseException as exc:
        if old is not None and old.exists():
            if path.exists():  # the new folder is in place: the previous one goes
                _remove(old)
            else:
                os.replace(old, path)
        _remove(tmp)
        full = disk_full_error(path, exc) if isinstance(exc, Exception) else None
        if full is not None:
            raise full from exc
        raise
