"""Suitability surfaces: raster criteria against exact vector criteria, files, PNG overlay, CLI."""

from __future__ import annotations

import json
import math
import struct
import zlib

import numpy as np
import pandas as pd
import pytest
import shapely

import planner.cli.surface  # noqa: F401  (registers `planner surface`; app.py does not list it yet)
from planner import crs
from planner.config.scenarios import Band, Exponential, Linear, load_scenario
from planner.core.criteria import SegmentSet, compute_criteria
from planner.core.layerset import STATUS_RANK
from planner.core.prepared import Prepared
from planner.core.scoring import score_table
from planner.core.surface import (
    Grid,
    _distance_km,
    _fill,
    compute_surface,
)
from planner.errors import InputError, OutputExistsError
from planner.jobs.surface import read_surface, write_surface
from planner.render.colors import SURFACE_STOPS
from planner.render.surface_image import png_data_uri, surface_overlay_png

AS_OF = "2025-06-01"
_BY_RANK = {v: k for k, v in STATUS_RANK.items()}


@pytest.fixture(scope="module")
def bakad_surface(layers):
    prepared = Prepared.of(layers, AS_OF)
    return compute_surface(prepared, cell_m=400, extent="bakad:15km", keep_criteria=True)


@pytest.fixture(scope="module")
def region_surface(layers):
    prepared = Prepared.of(layers, AS_OF)
    return compute_surface(prepared, cell_m=2500, extent="region", keep_criteria=True)


def _sample(surface, n, seed=0):
    rows, cols = np.nonzero(surface.in_extent)
    k = np.random.default_rng(seed).choice(len(rows), min(n, len(rows)), replace=False)
    return rows[k], cols[k]


def _exact(surface, layers, rows, cols):
    x, y = surface.grid.col_x(cols), surface.grid.row_y(rows)
    lon, lat = crs.metric_to_lonlat(x, y)
    return compute_criteria(lon, lat, Prepared.of(layers, AS_OF))


@pytest.mark.parametrize("which", ["bakad_surface", "region_surface"])
def test_raster_criteria_match_exact_vector_criteria(which, request, layers):
    surface = request.getfixturevalue(which)
    rows, cols = _sample(surface, 3000)
    exact = _exact(surface, layers, rows, cols)
    cell_km = surface.grid.cell_m / 1000.0
    dist_cols = [c for c in surface.criteria if c.startswith("dist_")]
    assert len(dist_cols) >= 8  # the default scenario's distances
    for col in dist_cols:
        err = np.abs(surface.criteria[col][rows, cols] - exact[col].to_numpy())
        # the documented bound is 0.83 cell; the issue asks for at most one cell
        assert err.max() <= 0.84 * cell_km, (col, err.max())
    # memberships are tested at the cell centre: exact
    zone = np.array([_BY_RANK[r] for r in surface.criteria["zone_rank"][rows, cols]])
    sez = np.array([_BY_RANK[r] for r in surface.criteria["sez_rank"][rows, cols]])
    np.testing.assert_array_equal(zone, exact["zone_status"].to_numpy(dtype=object))
    np.testing.assert_array_equal(sez, exact["sez_status"].to_numpy(dtype=object))
    np.testing.assert_array_equal(surface.criteria["in_almaty"][rows, cols], exact["in_almaty"])
    np.testing.assert_array_equal(surface.excluded[rows, cols], exact["excluded"])
    assert exact["excluded"].any() and (~exact["excluded"]).any()


def _max_slope_per_km(transform) -> float:
    if isinstance(transform, Linear):
        return 1.0 / abs(transform.zero_at_km - transform.full_at_km)
    if isinstance(transform, Exponential):
        return math.log(2) / transform.half_km
    if isinstance(transform, Band):
        return max(
            1.0 / abs(transform.full_from_km - transform.zero_below_km),
            1.0 / abs(transform.zero_above_km - transform.full_to_km),
        )
    return 0.0  # categorical: exact memberships


def test_surface_score_within_the_error_the_cell_size_allows(bakad_surface, layers):
    rows, cols = _sample(bakad_surface, 3000, seed=1)
    exact = _exact(bakad_surface, layers, rows, cols)
    expected = score_table(exact, "bakad-perimeter")["score"].to_numpy()
    sc = load_scenario("bakad-perimeter")
    cell_km = bakad_surface.grid.cell_m / 1000.0
    bound = sum(
        100 * sc.weights[k] * _max_slope_per_km(t) * 0.84 * cell_km for k, t in sc.criteria.items()
    )
    err = np.abs(bakad_surface.score[rows, cols] - expected)
    assert err.max() <= bound + 1e-4
    assert np.corrcoef(bakad_surface.score[rows, cols], expected)[0, 1] > 0.99
    # excluded cells score 0, as in score_table
    ex = bakad_surface.excluded & bakad_surface.in_extent
    assert ex.any() and np.all(bakad_surface.score[ex] == 0)


def test_extent_masks(bakad_surface, region_surface, layers):
    # bakad:15km: in-extent cells are those within 15 km of the road (+- one cell)
    rows, cols = np.nonzero(np.ones(bakad_surface.grid.shape, dtype=bool))
    d = bakad_surface.criteria["dist_bakad_km"][rows, cols]
    inside = bakad_surface.in_extent[rows, cols]
    assert np.all(d[inside] <= 15.0) and np.all(d[~inside] > 15.0)
    assert np.isnan(bakad_surface.score[~bakad_surface.in_extent]).all()
    # region: cells outside the region polygon are outside the extent, never "excluded"
    # the planning area: every region polygon (Almaty Region and Almaty city, its hole)
    region = shapely.union_all(layers.kind("constraints", "region", metric=True).geometry)
    g = region_surface.grid
    rr, cc = np.meshgrid(np.arange(g.nrows), np.arange(g.ncols), indexing="ij")
    expected = shapely.contains_xy(region, g.col_x(cc.ravel()), g.row_y(rr.ravel()))
    np.testing.assert_array_equal(region_surface.in_extent.ravel(), expected)


def test_targets_outside_the_extent_still_count(layers):
    # a box around Konaev: BAKAD, the airport's region and most lines lie outside it
    s = compute_surface(
        Prepared.of(layers, AS_OF),
        cell_m=1000,
        extent="bbox:76.9,43.75,77.2,43.95",
        keep_criteria=True,
    )
    rows, cols = _sample(s, 500)
    exact = _exact(s, layers, rows, cols)
    for col in ("dist_bakad_km", "dist_gate_city_km", "dist_zone_km", "dist_rail_km"):
        err = np.abs(s.criteria[col][rows, cols] - exact[col].to_numpy())
        assert err.max() <= 0.84, col
    assert exact["dist_bakad_km"].min() > 30  # the road is far outside the box


def test_polygon_fill_matches_shapely_including_holes():
    rng = np.random.default_rng(3)
    outer = shapely.Polygon(
        [(1000 + 900 * math.cos(a), 2000 + 700 * math.sin(a)) for a in np.linspace(0, 6.2, 40)],
        holes=[[(1100, 1900), (1300, 1950), (1250, 2200), (1050, 2150)]],
    )
    second = shapely.box(3000, 1000, 3400, 1800)
    segs = SegmentSet.from_geometries([outer, second], ["a", "b"])
    grid = Grid.covering((0, 900, 3600, 2900), 37.0)
    got = _fill(grid, segs)
    rr, cc = np.meshgrid(np.arange(grid.nrows), np.arange(grid.ncols), indexing="ij")
    x, y = grid.col_x(cc), grid.row_y(rr)
    want = shapely.contains_xy(outer, x, y) | shapely.contains_xy(second, x, y)
    assert got.sum() > 1000
    np.testing.assert_array_equal(got, want)
    # a random concave polygon
    pts = rng.uniform(0, 3000, size=(12, 2))
    ang = np.argsort(np.arctan2(pts[:, 1] - 1500, pts[:, 0] - 1500))
    poly = shapely.Polygon(pts[ang])
    got = _fill(Grid.covering((0, 0, 3000, 3000), 50.0), SegmentSet.from_geometries([poly], ["p"]))
    g2 = Grid.covering((0, 0, 3000, 3000), 50.0)
    rr, cc = np.meshgrid(np.arange(g2.nrows), np.arange(g2.ncols), indexing="ij")
    np.testing.assert_array_equal(got, shapely.contains_xy(poly, g2.col_x(cc), g2.row_y(rr)))


@pytest.mark.parametrize("polygons", [False, True])
def test_edt_distance_error_under_one_cell(polygons):
    rng = np.random.default_rng(5 + polygons)
    cell = 100.0
    if polygons:
        geoms = [
            shapely.Point(rng.uniform(0, 20_000, 2)).buffer(rng.uniform(300, 2000))
            for _ in range(4)
        ]
    else:
        geoms = [shapely.LineString(rng.uniform(0, 20_000, size=(5, 2))) for _ in range(3)]
        geoms.append(shapely.MultiPoint(rng.uniform(0, 20_000, size=(80, 2))))  # > exact limit
    segs = SegmentSet.from_geometries(geoms, [str(i) for i in range(len(geoms))])
    grid = Grid.covering((2000, 2000, 18_000, 18_000), cell)
    got = _distance_km(grid, segs, polygons) * 1000
    rr, cc = np.meshgrid(np.arange(grid.nrows), np.arange(grid.ncols), indexing="ij")
    pts = shapely.points(grid.col_x(cc.ravel()), grid.row_y(rr.ravel()))
    union = shapely.union_all(geoms)
    want = shapely.distance(union, pts).reshape(grid.shape)
    err = np.abs(got - want)
    assert err.max() <= 0.84 * cell
    assert err.mean() < 0.5 * cell


def test_point_distances_are_exact():
    segs = SegmentSet.from_geometries([shapely.MultiPoint([(0, 0), (5000, 7000)])], ["p"])
    grid = Grid.covering((-3000, -3000, 8000, 9000), 250.0)
    got = _distance_km(grid, segs, False)
    rr, cc = np.meshgrid(np.arange(grid.nrows), np.arange(grid.ncols), indexing="ij")
    x, y = grid.col_x(cc), grid.row_y(rr)
    want = np.minimum(np.hypot(x, y), np.hypot(x - 5000, y - 7000)) / 1000
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_surface_refuses_bad_input(layers):
    with pytest.raises(InputError, match="limit"):
        compute_surface(Prepared.of(layers, AS_OF), cell_m=100, extent="region", max_cells=1000)
    with pytest.raises(InputError, match="nowhere"):
        compute_surface(Prepared.of(layers, AS_OF), cell_m=1000, extent="nowhere:5km")
    with pytest.raises(InputError, match="not understood"):
        compute_surface(Prepared.of(layers, AS_OF), cell_m=1000, extent="bakad-20")
    with pytest.raises(InputError, match="cell_m"):
        compute_surface(Prepared.of(layers, AS_OF), cell_m=0, extent="bakad:5km")


def test_as_of_changes_zone_statuses(layers):
    early = compute_surface(
        Prepared.of(layers, "2010-01-01"), cell_m=2000, extent="region", keep_criteria=True
    )
    late = compute_surface(
        Prepared.of(layers, "2030-01-01"), cell_m=2000, extent="region", keep_criteria=True
    )
    assert early.as_of == "2010-01-01"
    assert (late.criteria["zone_rank"] > 0).sum() > (early.criteria["zone_rank"] > 0).sum()


@pytest.mark.parametrize("suffix", [".npz", ".tif"])
def test_write_read_roundtrip(bakad_surface, tmp_path, suffix):
    if suffix == ".tif":
        pytest.importorskip("rasterio")
    path = tmp_path / f"s{suffix}"
    write_surface(bakad_surface, path)
    back = read_surface(path)
    assert back.grid == bakad_surface.grid
    np.testing.assert_array_equal(back.score, bakad_surface.score)
    np.testing.assert_array_equal(back.excluded, bakad_surface.excluded)
    assert (back.scenario_hash, back.as_of, back.extent) == (
        bakad_surface.scenario_hash, AS_OF, "bakad:15km",
    )  # fmt: skip
    with pytest.raises(OutputExistsError):
        write_surface(bakad_surface, path)
    write_surface(bakad_surface, path, overwrite=True)


def test_geotiff_georeferencing(bakad_surface, tmp_path):
    rasterio = pytest.importorskip("rasterio")
    path = write_surface(bakad_surface, tmp_path / "s.tif")
    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 32643
        assert src.count == 2 and src.dtypes[0] == "float32"
        assert src.descriptions == ("score", "excluded")
        # the centre of a cell maps back to that cell
        rows, cols = _sample(bakad_surface, 20)
        x, y = bakad_surface.grid.col_x(cols), bakad_surface.grid.row_y(rows)
        r2, c2 = rasterio.transform.rowcol(src.transform, x, y)
        np.testing.assert_array_equal(r2, rows)
        np.testing.assert_array_equal(c2, cols)
        assert json.loads(src.tags()["scenario_hash"]) == bakad_surface.scenario_hash


def test_parquet_cells(bakad_surface, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    path = write_surface(bakad_surface, tmp_path / "s.parquet")
    df = pd.read_parquet(path)
    assert len(df) == int(bakad_surface.in_extent.sum())
    assert list(df.columns) == ["x_m", "y_m", "lon", "lat", "score", "excluded"]
    x, y = crs.lonlat_to_metric(df["lon"], df["lat"])
    np.testing.assert_allclose(x, df["x_m"], atol=1e-3)
    np.testing.assert_allclose(y, df["y_m"], atol=1e-3)
    meta = json.loads(pq.read_schema(path).metadata[b"planner"])
    assert meta["cell_m"] == 400 and meta["crs"] == "EPSG:32643"


def _decode_png(data: bytes):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    idat = b""
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n : pos + 12 + n])
        assert crc == zlib.crc32(kind + body)
        if kind == b"IDAT":
            idat += body
        else:
            chunks.setdefault(kind, []).append(body)
        pos += 12 + n
    w, h, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][0][:10])
    assert (depth, colour) == (8, 6)
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(h, 1 + 4 * w)
    assert np.all(raw[:, 0] == 0)  # filter type 0 on every row
    text = dict(c.split(b"\x00", 1) for c in chunks.get(b"tEXt", []))
    return raw[:, 1:].reshape(h, w, 4), text


def test_overlay_png_is_web_mercator_and_coloured(region_surface):
    png, (west, south, east, north) = surface_overlay_png(region_surface, max_px=400)
    img, text = _decode_png(png)
    h, w, _ = img.shape
    assert max(h, w) == 400
    assert text[b"bounds_lonlat"].decode() == ",".join(
        f"{v:.6f}" for v in (west, south, east, north)
    )
    # the region spans about 42.2-46.7 N, 73.7-80.8 E
    assert 73 < west < 74.5 and 80.3 < east < 81.5 and 41.8 < south < 42.6 and 46.3 < north < 47.2
    # transparent outside the extent, opaque inside
    assert img[..., 3].min() == 0 and img[..., 3].max() > 0
    # the best cell: find its pixel through Web Mercator and check the colour is the top one
    g = region_surface.grid
    score = np.where(region_surface.excluded, -1, np.nan_to_num(region_surface.score, nan=-1))
    r, c = np.unravel_index(np.argmax(score), score.shape)
    lon, lat = crs.metric_to_lonlat(g.col_x([c]), g.row_y([r]))

    def merc(v):
        return np.log(np.tan(np.pi / 4 + np.radians(v) / 2))

    px = int((lon[0] - west) / (east - west) * w)
    py = int((merc(north) - merc(lat[0])) / (merc(north) - merc(south)) * h)
    top = np.array([int(SURFACE_STOPS[-1][1][i : i + 2], 16) for i in (1, 3, 5)])
    bottom = np.array([int(SURFACE_STOPS[0][1][i : i + 2], 16) for i in (1, 3, 5)])
    patch = img[max(py - 1, 0) : py + 2, max(px - 1, 0) : px + 2, :3].reshape(-1, 3).astype(int)
    d_top = np.abs(patch - top).sum(axis=1).min()
    assert d_top < np.abs(top - bottom).sum() / 3
    # excluded land (the national park, the reservoir) is drawn grey
    assert np.all(img[(img[..., 3] == 140)][:, :3] == 150)
    assert (img[..., 3] == 140).sum() > 10
    assert png_data_uri(png).startswith("data:image/png;base64,iVBORw0KGgo")


def test_cli_surface(cli, tmp_path):
    out = tmp_path / "s.npz"
    png = tmp_path / "s.png"
    args = ["surface", "-o", out, "--cell-m", "1000", "--extent", "bakad:10km", "--as-of", AS_OF]
    res = cli(*args, "--png", png)
    assert res.exit_code == 0, res.output
    assert "bakad:10km" in res.output and "[[south, west], [north, east]]" in res.output
    back = read_surface(out)
    assert back.grid.cell_m == 1000 and back.as_of == AS_OF
    _decode_png(png.read_bytes())
    again = cli(*args)
    assert again.exit_code == 1 and "уже существует" in again.output
    assert cli(*args, "--overwrite").exit_code == 0
    bad = cli("surface", "-o", tmp_path / "x.xyz")
    assert bad.exit_code == 1 and ".tif" in bad.output
    bad = cli("surface", "-o", tmp_path / "x.npz", "--extent", "nowhere:3km")
    assert bad.exit_code == 1 and "nowhere" in bad.output
    assert cli("surface", "-o", tmp_path / "x.npz", "--cell-m", "-5").exit_code == 2
    assert cli("surface", "-o", tmp_path / "x.npz", "--as-of", "2025-13-01").exit_code == 2
