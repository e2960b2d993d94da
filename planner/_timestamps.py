"""The one timestamp outputs carry, so that two identical runs write identical bytes.

:func:`output_datetime` is ``SOURCE_DATE_EPOCH`` (UTC) when set (the reproducible-builds
convention), else 1980-01-01T00:00:00Z, the ZIP epoch xlsxwriter already uses for its
members; never the clock. :func:`gdal_date` makes GDAL write it as a GeoPackage's
``last_change`` (GDAL's ``OGR_CURRENT_DATE``) while a file is written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator

__all__ = ["gdal_date", "output_datetime"]

_ZIP_EPOCH = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)


def output_datetime() -> dt.datetime:
    """The timestamp written into outputs: ``SOURCE_DATE_EPOCH`` (UTC) if set and valid,
    else 1980-01-01T00:00:00Z."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if raw.isdigit():
        try:
            return dt.datetime.fromtimestamp(int(raw), dt.UTC)
        except (OverflowError, OSError, ValueError):
            pass
    return _ZIP_EPOCH


@contextlib.contextmanager
def gdal_date() -> Iterator[None]:
    """GDAL writes :func:`output_datetime` instead of the clock (GeoPackage last_change)."""
    import pyogrio

    key = "OGR_CURRENT_DATE"
    before = pyogrio.get_gdal_config_option(key)
    stamp = output_datetime().strftime("%Y-%m-%dT%H:%M:%S.000Z")
    pyogrio.set_gdal_config_options({key: stamp})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({key: before})
