"""The suitability surface on the map: an image layer from a data URI, legend, CLI --surface.

What the page does in a browser is tested in test_browser.py.
"""

from __future__ import annotations

import base64
import json
import re

import pytest
from test_maps import payload_of

from planner import i18n
from planner.core.prepared import Prepared
from planner.core.surface import compute_surface
from planner.errors import InputError
from planner.jobs.surface import read_surface, write_surface
from planner.render import assets as _assets
from planner.render import maps
from planner.render.colors import SITE_STOPS, SURFACE_STOPS
from planner.render.surface_image import SURFACE_MAX_PX, surface_overlay_png

AS_OF = "2025-06-01"
SCENARIO = "bakad-perimeter"
_OVERLAY_RE = re.compile(
    r"L\.imageOverlay\(\s*\"(data:image/png;base64,[A-Za-z0-9+/=]+)\",\s*(\[\[.*?\]\]),\s*(\{.*?\})",
    re.DOTALL,
)


@pytest.fixture(scope="module")
def surface(layers):
    return compute_surface(Prepared.of(layers, AS_OF), SCENARIO, cell_m=2000, extent="bakad:10km")


@pytest.fixture(scope="module")
def surface_npz(tmp_path_factory, surface):
    return write_surface(surface, tmp_path_factory.mktemp("surface") / "surface.npz")


def overlays(page: str) -> list[tuple[str, list, dict]]:
    """(data URI, bounds, options) of every L.imageOverlay(...) in the page."""
    return [
        (uri, json.loads(bounds), json.loads(re.sub(r",\s*\}$", "}", opts)))
        for uri, bounds, opts in _OVERLAY_RE.findall(page)
    ]


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_surface_is_one_png_overlay_with_its_bounds(tmp_path, layers, surface, lang):
    m = maps.build_map(layers, surface=surface, lang=lang)
    page = maps.save_map(m, tmp_path / "s.html").read_text(encoding="utf-8")
    found = overlays(page)
    assert len(found) == 1
    uri, bounds, opts = found[0]
    png, (west, south, east, north) = surface_overlay_png(surface, max_px=SURFACE_MAX_PX)
    assert base64.b64decode(uri.split(",", 1)[1]) == png
    assert bounds == [[south, west], [north, east]]  # exact: floats round-trip in JSON
    assert opts["pane"] == "plannerSurface"
    # the layer control lists it, under its translated name with the cell size
    name = i18n.label("layer_surface", lang, cell="2000")
    assert m.planner_groups["surface"] == name
    assert re.search(r'"' + re.escape(json.dumps(name)[1:-1]) + r'"\s*:\s*image_overlay_', page)
    assert "{cell}" not in name and "2000" in name
    # nothing from the network: no src=/href= to http(s), none that save_map would refuse
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert _assets.external_urls(page) == []
    # legend ramp and provenance from the surface
    data = payload_of(page)
    assert data["colors"]["surfaceRamp"] == [[v, c] for v, c in SURFACE_STOPS]
    assert data["colors"]["ramp"] == [[v, c] for v, c in SITE_STOPS]  # the sites: distinct
    assert data["surface"]["bounds"] == [[south, west], [north, east]]
    day = i18n.format_date(AS_OF, lang)
    assert any(surface.scenario_hash in line and day in line for line in data["note"])
    # the map is framed to show the whole surface
    (s0, w0), (n0, e0) = data["bounds"]
    assert s0 <= south and w0 <= west and n0 >= north and e0 >= east


def test_without_surface_the_map_is_unchanged(layers):
    m = maps.build_map(layers)
    page = maps.map_html(m)
    assert overlays(page) == [] and "plannerSurface" not in page
    assert m.planner_data["surface"] is None and "surface" not in m.planner_groups


def test_surface_image_lies_under_the_vector_layers(layers, surface):
    page = maps.map_html(maps.build_map(layers, surface=surface))
    pane_re = r'createPane\(\s*"(\w+)"\);\s*\w+\.style\.zIndex = (\d+);'
    panes = {name: int(z) for name, z in re.findall(pane_re, page)}
    # Leaflet: tiles 200, vector canvas (overlayPane) 400, markers 600
    assert 200 < panes["plannerContext"] < panes["plannerSurface"] < 400
    assert payload_of(page)["surface"]["contextPane"] == "plannerContext"


def test_surface_read_from_its_file(tmp_path, layers, surface_npz):
    m = maps.build_map(layers, surface=read_surface(surface_npz), lang="en")
    assert len(overlays(maps.map_html(m))) == 1
    with pytest.raises(TypeError, match="surface must be"):
        maps.build_map(layers, surface=42)
    # maps draw data: a file is read by planner.jobs.surface (make_map does it for --surface)
    with pytest.raises(TypeError, match="read the file first"):
        maps.build_map(layers, surface=surface_npz)


def test_surface_date_colours_zones_unless_given(layers, surface):
    assert maps.build_map(layers, surface=surface).planner_data["asOf"] == AS_OF
    m = maps.build_map(layers, surface=surface, as_of="2030-01-01")
    assert m.planner_data["asOf"] == "2030-01-01"


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("missing.npz", None, "does not exist"),
        ("bad.npz", b"not a zip file", "cannot read surface file"),
        ("bad.tif", b"not a tiff", "cannot read surface file"),
        ("surface.csv", b"a,b\n", "unknown type '.csv'"),
        ("surface.parquet", b"PAR1", "unknown type '.parquet'"),
    ],
)
def test_bad_surface_file_is_a_clear_error(tmp_path, name, content, match):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=match):
        read_surface(path)


# --------------------------------------------------------------------------- CLI


def test_cli_map_with_surface_only(cli, tmp_path, surface_npz, surface):
    out = tmp_path / "s.html"
    r = cli("map", "--surface", surface_npz, "--lang", "en", "-o", out)
    assert r.exit_code == 0, r.output
    page = out.read_text(encoding="utf-8")
    assert len(overlays(page)) == 1
    data = payload_of(page)
    # built-in sites are still drawn (the default), scored with the surface's scenario and date
    assert data["sites"] is not None and data["asOf"] == AS_OF
    assert any(f"(hash {surface.scenario_hash})" in line for line in data["note"])


def test_cli_map_surface_with_scored_sites(cli, tmp_path, surface_npz):
    out = tmp_path / "s.html"
    r = cli("map", "--sites", "builtin", "--scenario", SCENARIO, "--surface", surface_npz,
            "-o", out)  # fmt: skip
    assert r.exit_code == 0, r.output
    assert len(overlays(out.read_text(encoding="utf-8"))) == 1


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("--surface", "nope.npz"), "does not exist"),
        (("--as-of", "2030-01-01"), "as-of date '2025-06-01'"),
        (("--scenario", "konaev-countermagnet"), "scenario hash"),
    ],
)
def test_cli_surface_errors_exit_1(cli, tmp_path, surface_npz, args, match):
    out = tmp_path / "s.html"
    if args[0] != "--surface":
        args = ("--surface", str(surface_npz), *args)
    r = cli("map", *args, "-o", out, "--lang", "en")
    assert r.exit_code == 1, r.output
    assert match in r.output and "Traceback" not in r.output
    assert not out.exists()


def test_cli_bad_surface_file_exit_1(cli, tmp_path):
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"\x00" * 64)
    r = cli("map", "--surface", bad, "-o", tmp_path / "s.html", "--lang", "en")
    assert r.exit_code == 1
    assert "cannot read surface file" in r.output and "broken.npz" in r.output
    assert "Traceback" not in r.output


def test_hostile_surface_provenance_is_escaped(layers, surface):
    import dataclasses

    from _browser import HOSTILE

    evil = dataclasses.replace(surface, scenario=HOSTILE[3], as_of=AS_OF)
    page = maps.map_html(maps.build_map(layers, surface=evil))
    assert HOSTILE[3] not in page  # only as escaped JSON
    note = payload_of(page)["note"]
    assert any(HOSTILE[3] in line for line in note)  # shown (as text) in the note
