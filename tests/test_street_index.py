"""``StreetIndex.nearest`` finds most pieces from boxes around the doors and leaves the rest to
GEOS: its answers must be GEOS's nearest-piece search's own, piece and distance, tie for tie.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from parakou_geo import street_index
from parakou_geo.street_index import StreetIndex


def _grid_segments(n: int = 6, step: float = 80.0) -> gpd.GeoDataFrame:
    """A grid of streets cut at every crossing, plus a bent lane and a duplicated piece."""
    x0, y0 = 455_000.0, 1_030_000.0
    lines = []
    for i in range(n):
        for j in range(n - 1):
            lines.append(shapely.LineString([(x0 + i * step, y0 + j * step),
                                             (x0 + i * step, y0 + (j + 1) * step)]))
            lines.append(shapely.LineString([(x0 + j * step, y0 + i * step),
                                             (x0 + (j + 1) * step, y0 + i * step)]))
    lines.append(shapely.LineString([(x0 + 10, y0 + 10), (x0 + 40, y0 + 25),
                                     (x0 + 70, y0 + 10)]))
    lines.append(lines[0])  # two pieces in the same place: a tie on their whole length
    return gpd.GeoDataFrame({"street": np.arange(len(lines)) % 7,
                             "offset_m": np.zeros(len(lines))},
                            geometry=lines, crs="EPSG:32631")


def _geos_nearest(index: StreetIndex, points: np.ndarray,
                  max_distance_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """GEOS's nearest-piece search of every point (what the index answered before)."""
    (pi, si), dist = index.tree.query_nearest(points, max_distance=max_distance_m,
                                              return_distance=True, all_matches=False)
    order = np.argsort(pi, kind="stable")
    return pi[order], si[order], dist[order]


def _points(xy: np.ndarray) -> np.ndarray:
    return np.asarray(shapely.points(xy))


@pytest.mark.parametrize("max_distance_m", [3.0, 25.0, 60.0, 100.0, 300.0])
def test_nearest_is_geos_nearest(max_distance_m: float) -> None:
    index = StreetIndex(_grid_segments())
    rng = np.random.default_rng(7)
    x0, y0 = 455_000.0, 1_030_000.0
    xy = np.vstack([
        rng.uniform([x0 - 300, y0 - 300], [x0 + 700, y0 + 700], size=(3_000, 2)),
        # at the same distance from two pieces: crossings' diagonals, mid-blocks
        [(x0 + 40 + k, y0 + 40 + k) for k in range(0, 40, 5)],
        [(x0 + 40, y0 + 40), (x0 + 120, y0 + 40), (x0 + 80 + 3, y0 + 80 + 3)],
        # on a piece, on a vertex, far away
        [(x0 + 80, y0 + 17), (x0 + 80, y0 + 80), (x0 + 5_000, y0)],
    ])
    points = _points(xy)
    got = index.nearest(points, max_distance_m=max_distance_m, xy=xy, threads=2)
    want = _geos_nearest(index, points, max_distance_m)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    # the search really settled most doors itself (not all through GEOS)
    assert len(got[0]) > 0


def test_nearest_on_a_subset_answers_rows_of_the_whole_index() -> None:
    index = StreetIndex(_grid_segments())
    rng = np.random.default_rng(3)
    xy = rng.uniform([454_900, 1_029_900], [455_500, 1_030_500], size=(500, 2))
    subset = np.arange(0, len(index.pieces), 3)
    got = index.nearest(_points(xy), max_distance_m=100.0, xy=xy, subset=subset)
    (pi, si), dist = shapely.STRtree(index.pieces[subset]).query_nearest(
        _points(xy), max_distance=100.0, return_distance=True, all_matches=False)
    order = np.argsort(pi, kind="stable")
    np.testing.assert_array_equal(got[0], pi[order])
    np.testing.assert_array_equal(got[1], subset[si[order]])
    np.testing.assert_array_equal(got[2], dist[order])


def test_nearest_without_the_box_search_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Squares too small to hold any piece send every door to GEOS: same answers."""
    index = StreetIndex(_grid_segments())
    rng = np.random.default_rng(5)
    xy = rng.uniform([454_900, 1_029_900], [455_500, 1_030_500], size=(800, 2))
    fast = index.nearest(_points(xy), max_distance_m=100.0, xy=xy)
    monkeypatch.setattr(street_index, "_NEAR_M", 1e-9)
    monkeypatch.setattr(street_index, "_WIDE_M", 1e-9)
    slow = index.nearest(_points(xy), max_distance_m=100.0, xy=xy)
    for f, s in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(f, s)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-200, 600), st.floats(-200, 600)), min_size=1,
                max_size=60),
       st.sampled_from([10.0, 30.0, 80.0, 200.0]))
def test_nearest_is_geos_nearest_anywhere(offsets: list[tuple[float, float]],
                                          max_distance_m: float) -> None:
    index = StreetIndex(_grid_segments(4))
    xy = np.asarray(offsets) + np.array([455_000.0, 1_030_000.0])
    points = _points(xy)
    got = index.nearest(points, max_distance_m=max_distance_m, xy=xy)
    want = _geos_nearest(index, points, max_distance_m)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pieces_within_reach_are_geos_dwithin_pairs_in_its_order(seed: int) -> None:
    """The street choice's search of the pieces around each door (``pieces_within``)
    answers what GEOS's ``dwithin`` query answers, pair for pair and in the same order (the
    order decides between pieces of one street at the same cost), also for radii that are
    exactly a piece's distance."""
    index = StreetIndex(_grid_segments())
    rng = np.random.default_rng(seed)
    xy = rng.uniform(-30, 430, size=(3_000, 2)) + np.array([455_000.0, 1_030_000.0])
    xy[:40] = np.c_[455_000.0 + 80 * rng.integers(0, 6, 40), 1_030_000.0 + rng.uniform(0, 400, 40)]
    points = _points(xy)
    reach = rng.uniform(0.5, 90.0, len(xy))
    # a third of the radii are the exact (GEOS) distance to some piece: on the boundary
    edge = rng.choice(len(xy), len(xy) // 3, replace=False)
    reach[edge] = shapely.distance(points[edge], index.pieces[rng.integers(0, len(index.pieces),
                                                                          len(edge))])
    sub = np.flatnonzero(np.arange(len(index.pieces)) % 3 != 1)  # a tree of some pieces
    tree = shapely.STRtree(index.pieces[sub])
    want = tree.query(points, predicate="dwithin", distance=reach)
    got = index.pieces_within(points, xy, reach, tree=tree, rows=sub)
    assert len(want[0]) > 3_000
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


def test_geos_distance_is_shapely_distance_to_the_last_bit() -> None:
    """The nearest search reports its distances without a GEOS call: they must be GEOS's.

    Points anywhere, on the pieces' ends, on their middles and on their lines beyond them
    (where the projection factor is exactly 0 or 1, or just past).
    """
    import platform

    index = StreetIndex(_grid_segments())
    rng = np.random.default_rng(11)
    n = 20_000
    piece = rng.integers(0, len(index.pieces), n)
    a = np.c_[index.ax[piece], index.ay[piece]]
    b = np.c_[index.bx[piece], index.by[piece]]
    t = rng.choice([-0.5, 0.0, 0.5, 1.0, 1.5], n)[:, None]
    xy = a + t * (b - a) + rng.normal(0, 20, (n, 2)) * (rng.random((n, 1)) < 0.7)
    want = shapely.distance(_points(xy), index.pieces[piece])
    got = index.geos_distance(xy, piece)
    assert (got == 0).sum() > 1_000
    assert (t[:, 0] < 0).sum() > 1_000
    if platform.machine() in ("x86_64", "AMD64"):  # GEOS there has no fused multiply-adds
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)
