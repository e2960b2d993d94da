"""The suitability surface as a picture: a PNG for web maps and its layer on a folium map.

:func:`surface_overlay_png` resamples a :class:`planner.core.surface.Surface` (a grid in
EPSG:32643) to an image whose pixels are evenly spaced in Web Mercator, which is how Leaflet
stretches an image overlay between its corners: pixel centres are projected EPSG:3857 ->
EPSG:4326 -> EPSG:32643 with pyproj and take the nearest (block-averaged) cell, in one
resampling step.
Colours come from the score ramp of :mod:`planner.render.colors`; the PNG is encoded by
``branca.utilities.write_png`` (what folium uses for array images).

folium's own path for arrays, ``ImageOverlay(array, mercator_project=True)``, is not used:
it resamples a second time (from a lon/lat grid, linearly, which blends colours and the
transparent edge), and ``write_png`` rescales every channel of a float image to its own
maximum, which would make the 75 % opaque image fully opaque and stretch the colours.

:func:`add_surface_layer` puts the image on a map in its own pane, between the schematic
region outline and the vector layers.
"""

from __future__ import annotations

import base64
import os
import struct
import zlib
from collections.abc import Mapping

import folium
import numpy as np
from branca.utilities import write_png

from planner import crs as _crs
from planner import i18n
from planner.errors import InputError
from planner.render.assets import html_text
from planner.render.colors import SURFACE_EXCLUDED_RGBA, ramp_lut

__all__ = [
    "CONTEXT_PANE",
    "CONTEXT_Z",
    "SURFACE_MAX_PX",
    "add_surface_layer",
    "as_surface",
    "png_data_uri",
    "surface_overlay_png",
]

#: the surface image is at most this many pixels wide or high
SURFACE_MAX_PX = 1024
#: Leaflet panes (z-index): tiles 200 < region outline < surface image < vectors 400
CONTEXT_PANE, CONTEXT_Z = "plannerContext", 300
_SURFACE_PANE, _SURFACE_Z = "plannerSurface", 350
_PNG_HEAD = 8 + 4 + 4 + 13 + 4  # signature and the IHDR chunk


def _block_reduce(surface, f: int):
    """Mean score and majority exclusion over f x f blocks (NaN cells ignored)."""
    from planner.core.surface import Grid

    g = surface.grid
    if f <= 1:
        return surface.score, surface.excluded, g
    nr, nc = -(-g.nrows // f), -(-g.ncols // f)
    pad = ((0, nr * f - g.nrows), (0, nc * f - g.ncols))
    s = np.pad(surface.score, pad, constant_values=np.nan).reshape(nr, f, nc, f)
    ok = ~np.isnan(s)
    n = ok.sum(axis=(1, 3))
    total = np.where(ok, s, 0).sum(axis=(1, 3), dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / n, np.nan).astype(np.float32)
    ex = np.pad(surface.excluded, pad).reshape(nr, f, nc, f).sum(axis=(1, 3))
    excluded = ex * 2 > np.maximum(n, 1)
    return mean, excluded, Grid(g.x0, g.y0, g.cell_m * f, nr, nc)


def _lonlat_bounds(surface) -> tuple[tuple[float, float, float, float], tuple[int, ...]]:
    """(west, south, east, north) of the extent's bounding box of cells, and that box."""
    g = surface.grid
    rows, cols = np.nonzero(surface.in_extent)
    if not len(rows):
        raise InputError(i18n.tr("err.render.surface_empty"))
    r0, r1, c0, c1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    # the box's outline, densely sampled: its edges curve in lon/lat
    t = np.linspace(0, 1, 129)
    ex = np.r_[c0 + (c1 - c0) * t, np.full(129, c1), c1 - (c1 - c0) * t, np.full(129, c0)]
    ey = np.r_[np.full(129, r0), r0 + (r1 - r0) * t, np.full(129, r1), r1 - (r1 - r0) * t]
    lon, lat = _crs.metric_to_lonlat(g.x0 + ex * g.cell_m, g.y0 - ey * g.cell_m)
    bounds = (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
    return bounds, (int(r0), int(r1), int(c0), int(c1))


def _rgba(val: np.ndarray, exc: np.ndarray, opacity: float) -> np.ndarray:
    """Pixel colours: the score ramp, excluded cells grey, no data transparent."""
    rgba = np.zeros((len(val), 4), dtype=np.uint8)
    ok = ~np.isnan(val) & ~exc
    idx = np.clip(np.round(val[ok] * 2.55), 0, 255).astype(np.int64)
    rgba[ok, :3] = ramp_lut()[idx]
    rgba[ok, 3] = round(255 * opacity)
    rgba[~np.isnan(val) & exc] = SURFACE_EXCLUDED_RGBA
    return rgba


def _with_text(png: bytes, text: Mapping[str, str]) -> bytes:
    """``png`` with ``tEXt`` chunks (keyword, Latin-1 text) right after its header."""
    chunks = b""
    for key, value in text.items():
        data = key.encode("latin-1") + b"\x00" + value.encode("latin-1", "replace")
        crc = zlib.crc32(b"tEXt" + data)
        chunks += struct.pack(">I", len(data)) + b"tEXt" + data + struct.pack(">I", crc)
    return png[:_PNG_HEAD] + chunks + png[_PNG_HEAD:]


def surface_overlay_png(
    surface, max_px: int = SURFACE_MAX_PX, opacity: float = 0.75
) -> tuple[bytes, tuple[float, float, float, float]]:
    """A PNG of the surface for a web map, and its bounds (west, south, east, north) in degrees.

    At most ``max_px`` wide or high, pixels evenly spaced in Web Mercator; excluded cells
    grey, cells outside the extent transparent. The PNG carries its bounds and date as
    text. For folium (offline, a data URI)::

        png, (w, s, e, n) = surface_overlay_png(surface)
        folium.raster_layers.ImageOverlay(png_data_uri(png), bounds=[[s, w], [n, e]]).add_to(m)
    """
    if not 0 < opacity <= 1:
        raise InputError(i18n.tr("err.render.opacity", value=repr(opacity)))
    bounds, (r0, r1, c0, c1) = _lonlat_bounds(surface)
    west, south, east, north = bounds
    (x_w, x_e), (y_s, y_n) = _crs.lonlat_to_web_mercator([west, east], [south, north])
    aspect = (y_n - y_s) / (x_e - x_w)
    width = int(min(max_px, max(1, round(max_px / max(aspect, 1e-9)))))
    height = int(min(max_px, max(1, round(width * aspect))))
    # average cells down to about one per output pixel before sampling
    f = max(1, int((c1 - c0) // width), int((r1 - r0) // height))
    score, excluded, sg = _block_reduce(surface, f)
    # pixel centres, evenly spaced in Web Mercator; its columns are meridians and its rows
    # parallels, so a column's longitude and a row's latitude are found once each
    px = x_w + (np.arange(width) + 0.5) / width * (x_e - x_w)
    py = y_n - (np.arange(height) + 0.5) / height * (y_n - y_s)
    plon, _ = _crs.web_mercator_to_lonlat(px, np.full(width, (y_s + y_n) / 2))
    _, plat = _crs.web_mercator_to_lonlat(np.full(height, (x_w + x_e) / 2), py)
    glon, glat = np.meshgrid(plon, plat)
    x, y = _crs.lonlat_to_metric(glon.ravel(), glat.ravel())
    col = np.floor((x - sg.x0) / sg.cell_m).astype(np.int64)
    row = np.floor((sg.y0 - y) / sg.cell_m).astype(np.int64)
    inside = (col >= 0) & (col < sg.ncols) & (row >= 0) & (row < sg.nrows)
    val = np.full(len(x), np.nan, dtype=np.float32)
    exc = np.zeros(len(x), dtype=bool)
    val[inside] = score[row[inside], col[inside]]
    exc[inside] = excluded[row[inside], col[inside]]
    png = write_png(_rgba(val, exc, opacity).reshape(height, width, 4))
    text = {
        "Title": f"planner suitability surface, scenario {surface.scenario}",
        "bounds_lonlat": ",".join(f"{v:.6f}" for v in bounds),
        "as_of": surface.as_of,
    }
    return _with_text(png, text), bounds


def png_data_uri(png: bytes) -> str:
    """``data:image/png;base64,...`` for an offline map."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# --------------------------------------------------------------------------- on a map


def as_surface(surface):
    """The Surface to draw (maps draw data; files are read by planner.jobs.surface)."""
    from planner.core.surface import Surface

    if isinstance(surface, Surface):
        return surface
    hint = (
        "; read the file first with planner.jobs.surface.read_surface"
        if isinstance(surface, str | os.PathLike)
        else ""
    )
    raise TypeError(
        f"surface must be a planner.core.surface.Surface, not {type(surface).__name__}{hint}"
    )


def cell_label(cell_m: float, lang: str) -> str:
    """The cell size in metres as the language writes it (``format(x, "g")`` digits)."""
    return i18n.format_number(float(cell_m), lang, significant=6, grouping=False)


def add_surface_layer(
    m: folium.Map, surface, lang: str
) -> tuple[folium.raster_layers.ImageOverlay, dict]:
    """Add the surface image (own pane, in the layer control); return it and its payload."""
    png, (west, south, east, north) = surface_overlay_png(surface, max_px=SURFACE_MAX_PX)
    name = i18n.label("layer_surface", lang, cell=cell_label(surface.grid.cell_m, lang))
    # the region outline is opaque without a basemap: it gets a pane under the image
    folium.map.CustomPane(CONTEXT_PANE, z_index=CONTEXT_Z, pointer_events=False).add_to(m)
    folium.map.CustomPane(_SURFACE_PANE, z_index=_SURFACE_Z, pointer_events=False).add_to(m)
    overlay = folium.raster_layers.ImageOverlay(
        png_data_uri(png),
        bounds=[[south, west], [north, east]],
        name=str(html_text(name)),
        overlay=True,
        control=True,
        show=True,
        pixelated=False,  # folium's pixelated CSS would apply to every image layer
        pane=_SURFACE_PANE,
        interactive=False,
        alt=name,
    ).add_to(m)
    r, g, b, a = SURFACE_EXCLUDED_RGBA
    info = {
        "name": name,
        "cellM": float(surface.grid.cell_m),
        "bounds": [[south, west], [north, east]],
        "excludedColor": f"rgba({r},{g},{b},{a / 255:.2f})",
        "contextPane": CONTEXT_PANE,
        "scenario": surface.scenario,
        "scenarioHash": surface.scenario_hash,
        "asOf": surface.as_of,
    }
    return overlay, info
