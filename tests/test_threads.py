"""Chunked work on threads (parakou_geo._threads): same results, in chunk order."""

from __future__ import annotations

import threading

import numpy as np
import shapely

from parakou_geo._threads import apply_chunked, map_chunks, thread_count


def test_results_come_back_in_chunk_order_when_the_first_chunk_finishes_last() -> None:
    last_done = threading.Event()
    waited: list[bool] = []

    def work(part: slice) -> tuple[int, int]:
        if part.start == 0:  # held until the last chunk has run on the other thread
            waited.append(last_done.wait(timeout=60))
        if part.stop == 100:
            last_done.set()
        return part.start, part.stop

    result = map_chunks(work, 100, chunk=30, threads=2)
    assert waited == [True]
    assert result == [(0, 30), (30, 60), (60, 90), (90, 100)]


def test_apply_chunked_equals_the_whole_array_call() -> None:
    rng = np.random.default_rng(0)
    geoms = shapely.buffer(shapely.points(rng.uniform(0, 100, (1000, 2))), 1.0, quad_segs=2)
    geoms[::7] = None
    geoms[3] = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])  # a bow tie: invalid
    for threads in (1, 2, 3):
        valid = apply_chunked(shapely.is_valid, geoms, dtype=bool, chunk=64, threads=threads)
        np.testing.assert_array_equal(valid, shapely.is_valid(geoms))
        doors = apply_chunked(shapely.point_on_surface, geoms, dtype=object, chunk=64,
                              threads=threads)
        assert shapely.equals_exact(doors, shapely.point_on_surface(geoms), 0)[
            ~shapely.is_missing(geoms)].all()
        assert shapely.is_missing(doors[::7]).all()
    assert len(apply_chunked(shapely.is_valid, geoms[:0], dtype=bool)) == 0
    assert map_chunks(lambda part: part, 0) == []


def test_thread_count_is_between_one_and_eight() -> None:
    assert 1 <= thread_count() <= 8
