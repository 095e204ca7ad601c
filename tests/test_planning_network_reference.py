"""The vectorised road graph and snapping give the former implementation's distances.

The former code (GEOS intersections of line pairs, one STRtree nearest query per point) is kept
in ``benchmarks/bench_network.py`` as the reference.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_network import reference_build_road_graph, reference_snap
from bench_numbering import make_roads

from parakou_geo.planning import _graph
from parakou_geo.planning._graph import FIRST_M as _FIRST
from parakou_geo.planning.network import build_road_graph


def _awkward_roads(seed: int) -> gpd.GeoDataFrame:
    """A jittered street grid plus crossings, overlaps, near misses and a repeated vertex."""
    roads = make_roads(300, np.random.default_rng(seed))
    x0, y0, x1, y1 = roads.total_bounds
    extra = [
        shapely.LineString([(x0, y0), ((x0 + x1) / 2, (y0 + y1) / 2 + 7), (x1, y1)]),  # diagonal
        shapely.LineString([(x0, y1), (x1, y0)]),  # the other diagonal, crossing it
        shapely.LineString([(x0 + 10, y0 + 40), (x0 + 10, y0 + 40), (x0 + 200, y0 + 41)]),
    ]
    g = np.asarray(roads.geometry.values)
    a = shapely.get_coordinates(g[5])
    extra.append(shapely.LineString([a[0], a[1], 2 * a[1] - a[0]]))  # shares a piece of road 5
    extra += [shapely.LineString([(x0 + 300, y0 + 5), (x0 + 500, y0 + 5)]),  # overlapping
              shapely.LineString([(x0 + 400, y0 + 5), (x0 + 600, y0 + 5)])]  # collinear pair
    mid = shapely.line_interpolate_point(g[40], 0.5, normalized=True)
    extra.append(shapely.LineString([(mid.x + 0.3, mid.y + 0.3), (mid.x + 60, mid.y + 80)]))
    return gpd.GeoDataFrame(geometry=np.r_[g, extra], crs=roads.crs)


@pytest.mark.parametrize("seed", [0, 1])
def test_same_graph_and_distances_as_the_reference(seed: int) -> None:
    roads = _awkward_roads(seed)
    new, ref = build_road_graph(roads), reference_build_road_graph(roads)
    assert len(new.edges) == len(ref.edges)
    assert new.n_nodes == ref.n_nodes
    np.testing.assert_allclose(np.sort(new.length_m), np.sort(ref.length_m), atol=1e-6)

    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = roads.total_bounds
    pts = shapely.points(rng.uniform((x0 - 100, y0 - 100), (x1 + 100, y1 + 100), (3000, 2)))
    fac = shapely.points(rng.uniform((x0, y0), (x1, y1), (12, 2)))
    s_new, s_ref = new.snap(pts), reference_snap(ref, pts)
    np.testing.assert_allclose(s_new.gap_m, s_ref.gap_m, atol=1e-9)
    d_new, _ = new.nearest(s_new, new.snap(fac))
    d_ref, _ = ref.nearest(s_ref, reference_snap(ref, fac))
    assert (np.isfinite(d_new) == np.isfinite(d_ref)).all()
    finite = np.isfinite(d_ref)
    assert finite.mean() > 0.9
    np.testing.assert_allclose(d_new[finite], d_ref[finite], rtol=0, atol=1e-6)


def test_points_far_from_every_road_and_on_vertices() -> None:
    roads = _awkward_roads(2)
    g = build_road_graph(roads)
    x0, y0, x1, y1 = roads.total_bounds
    vertices = shapely.points(shapely.get_coordinates(g.edges[:50]))
    far = shapely.points([(x0 - 5000, y0), (x1 + 800, y1 + 900)])
    pts = np.r_[vertices, far]
    s = g.snap(pts)
    ref = reference_snap(g, pts)
    np.testing.assert_allclose(s.gap_m, ref.gap_m, atol=1e-9)
    assert (s.gap_m[: len(vertices)] < 1e-9).all()
    # where the nearest edge is a tie (a vertex shared by edges), the snap point is the same
    here = shapely.line_interpolate_point(g.edges[s.edge], s.offset_m)
    there = shapely.line_interpolate_point(g.edges[ref.edge], ref.offset_m)
    np.testing.assert_allclose(shapely.get_coordinates(here), shapely.get_coordinates(there),
                               atol=1e-6)


def test_snapping_on_threads_gives_the_same_answer_as_one_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    roads = _awkward_roads(3)
    g = build_road_graph(roads)
    x0, y0, x1, y1 = roads.total_bounds
    xy = np.random.default_rng(3).uniform((x0 - 80, y0 - 80), (x1 + 80, y1 + 80), (70_000, 2))
    xy[:500] = shapely.get_coordinates(g.edges)[:500]  # on vertices: ties between edges
    xy[-500:, 0] = x1 + np.linspace(10.0, 400.0, 500)  # some beyond the grid's reach
    index = g._snap_index
    one = index.nearest(xy, threads=1)
    three = index.nearest(xy, threads=3)  # three chunks of 23,334 points
    monkeypatch.setattr(_graph, "MAX_CHUNK_POINTS", 9_000)
    small = index.nearest(xy, threads=1)  # eight chunks one after the other
    for a, b, c in zip(one, three, small, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    _piece, _t, gap, near = one
    assert not near[-100:].any()  # left to the R-tree
    ref = reference_snap(g, shapely.points(xy[near]))
    np.testing.assert_allclose(gap, ref.gap_m, atol=1e-9)
    assert (gap[:500] < 1e-9).all()


def test_points_on_grid_cell_edges_get_the_nearest_piece_of_all() -> None:
    """Points exactly on (and a hair beside) the snapping grid's cell edges, where the first
    read of nearby cells decides alone, against a brute-force search over every piece."""
    roads = _awkward_roads(4)
    g = build_road_graph(roads)
    index = g._snap_index
    grid, pc = index.grid, index.pieces
    ex, ey = np.meshgrid(np.arange(0, grid.shape[0] + 1, 3), np.arange(0, grid.shape[1] + 1, 3))
    edges = grid.origin + grid.cell * np.stack([ex.ravel(), ey.ravel()], axis=1)
    xy = np.concatenate([edges, edges + 1e-9, edges - 1e-9,
                         edges + np.array([_FIRST, 0.0]), edges - np.array([0.0, _FIRST])])
    piece, _t, gap, near = index.nearest(xy, threads=1)
    ax, ay, dx, dy, len2 = pc.columns
    px, py = xy[near, :1], xy[near, 1:]
    t = np.clip(((px - ax) * dx + (py - ay) * dy) / len2, 0.0, 1.0)
    brute = np.hypot(px - ax - t * dx, py - ay - t * dy)  # every point to every piece
    np.testing.assert_array_equal(gap, brute.min(axis=1))
    assert (brute[np.arange(len(piece)), piece] == gap).all()
    assert near.mean() > 0.5
