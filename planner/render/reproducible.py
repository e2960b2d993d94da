"""Byte-reproducible and interruptible output writing.

Two identical runs write identical bytes, so the sha256 in the manifests is stable:

* :func:`output_datetime` is the one timestamp outputs carry (XLSX document properties,
  GeoPackage ``last_change``): ``SOURCE_DATE_EPOCH`` when set (the reproducible-builds
  convention), else 1980-01-01T00:00:00Z, the ZIP epoch xlsxwriter already uses for its
  members; never the clock.
* :func:`stable_ids` replaces folium's random element ids (``map_<32 hex>``) in an HTML
  page by sequence numbers in order of appearance.

:func:`write_gis` writes GeoPackage / GeoJSON layers with that timestamp and reacts to
Ctrl-C within one chunk of rows: GDAL's C code holds the interpreter while it writes, so
SIGINT is recorded by a handler and raised as :class:`KeyboardInterrupt` between chunks;
the caller's :func:`planner._atomic.atomic_output` then removes the temporary file and
the previous output stays intact.
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from planner._timestamps import gdal_date, output_datetime

__all__ = ["CHUNK_ROWS", "deferred_interrupt", "output_datetime", "stable_ids", "write_gis"]

#: rows of the first GeoPackage chunk; later chunks are sized to take about
#: :data:`CHUNK_SECONDS` each (every append reopens the file: fewer, larger chunks are
#: faster), so Ctrl-C is answered within about that time
CHUNK_ROWS = 20_000
CHUNK_SECONDS = 2.0
_FOLIUM_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9A-Za-z])")


def stable_ids(page: str) -> str:
    """``page`` with folium's random 32-hex element ids numbered in order of appearance."""
    ids: dict[str, str] = {}

    def number(m: re.Match) -> str:
        return ids.setdefault(m.group(0), f"{len(ids):032x}")

    return _FOLIUM_ID.sub(number, page)


class _Interrupt:
    """Whether Ctrl-C was pressed inside :func:`deferred_interrupt`."""

    def __init__(self) -> None:
        self.pressed = False

    def check(self) -> None:
        """Raise :class:`KeyboardInterrupt` if Ctrl-C was pressed."""
        if self.pressed:
            raise KeyboardInterrupt


@contextlib.contextmanager
def deferred_interrupt() -> Iterator[_Interrupt]:
    """Record SIGINT instead of raising it in the middle of C code (where an extension may
    swallow it); :meth:`_Interrupt.check` raises it at a safe point, and leaving the
    block raises it if nobody did. Outside the main thread, or when SIGINT is ignored,
    nothing changes."""
    flag = _Interrupt()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous in (signal.SIG_IGN, None):
        yield flag
        return

    def record(signum, frame) -> None:
        flag.pressed = True

    signal.signal(signal.SIGINT, record)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)
    flag.check()


def write_gis(layers: Sequence[tuple[object, str | None]], path: Path, driver: str) -> None:
    """Write ``(frame, layer name)`` pairs into ``path`` (a temporary file) with ``driver``.

    GeoPackage layers go in chunks (:data:`CHUNK_ROWS` rows first, then about
    :data:`CHUNK_SECONDS` of writing each), checking for Ctrl-C between chunks; GeoJSON
    (one layer, no appending) in one call, checked afterwards.
    """
    import pyogrio

    with gdal_date(), deferred_interrupt() as interrupt:
        for frame, layer in layers:
            n = len(frame)
            step = n if driver != "GPKG" else max(1, CHUNK_ROWS)
            start = 0
            while start == 0 or start < n:
                chunk = frame.iloc[start : start + step] if n else frame  # empty: the layer
                t0 = time.perf_counter()
                pyogrio.write_dataframe(chunk, path, layer=layer, driver=driver,
                                        append=start > 0)  # fmt: skip
                interrupt.check()
                start += max(len(chunk), 1)
                rate = len(chunk) / max(time.perf_counter() - t0, 1e-3)  # rows per second
                step = max(step, int(rate * CHUNK_SECONDS))
