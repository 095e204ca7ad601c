"""Sort keys of footprints (parakou_geo._keys) and the canonical order and ids built from them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from conftest import ORIGIN, shared_file, squares
from hypothesis import given, settings
from hypothesis import strategies as st

from parakou_geo._keys import _geos_prefixes, _shell_starts, chunk_prefixes, key_order, prefix_order
from parakou_geo.prepare import (
    _building_labels,
    _geometry_keys,
    _ids_in_order,
    prepare_buildings,
)
from parakou_geo.settings import AddressingSettings


def _snap_rounding_keys(geoms: np.ndarray) -> np.ndarray:
    """The former keys: a full snap-rounding per geometry, then normalised hex WKB."""
    norm = shapely.normalize(shapely.set_precision(geoms, 0.001))
    return np.asarray(shapely.to_wkb(norm, hex=True), dtype=object)


def _footprints(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    xy = np.array(ORIGIN) + rng.uniform(0, 500, (n, 2))
    half = rng.uniform(2, 8, (n, 1))
    boxes = shapely.box(xy[:, :1] - half, xy[:, 1:] - half, xy[:, :1] + half, xy[:, 1:] + half)
    rot = rng.uniform(0, 90, n)
    return np.array([shapely.affinity.rotate(b, a) for b, a in zip(boxes.ravel(), rot,
                                                                   strict=True)], dtype=object)


def test_keys_sort_like_the_snap_rounding_keys() -> None:
    geoms = _footprints(2000, seed=3)
    # some footprints differ only below the millimetre, a few are points
    geoms[:50] = shapely.transform(geoms[1000:1050], lambda c: c + 1e-5)
    geoms[1900:] = shapely.centroid(geoms[1900:])
    new, old = _geometry_keys(geoms), _snap_rounding_keys(geoms)
    np.testing.assert_array_equal(np.lexsort((new,)), np.lexsort((old,)))


def test_keys_ignore_the_ring_start_and_sub_millimetre_noise() -> None:
    ring = [(0, 0), (10, 0), (10, 8), (0, 8)]
    a = shapely.Polygon(ring)
    b = shapely.Polygon(ring[2:] + ring[:2])
    c = shapely.Polygon([(x + 0.0001, y) for x, y in ring])
    keys = _geometry_keys(np.array([a, b, c], dtype=object))
    assert keys[0] == keys[1] == keys[2]
    assert _geometry_keys(np.array([shapely.box(0, 0, 1, 1)], dtype=object))[0] != keys[0]


def test_buildings_without_ids_and_with_a_missing_geometry() -> None:
    bld = squares([(10, 10), (40, 10), (70, 10)]).drop(columns="building_id")
    bld.loc[1, "geometry"] = None
    shuffled = bld.iloc[[2, 1, 0]]
    out = []
    for frame in (bld, shuffled):
        kept, dropped, _ = prepare_buildings(frame, settings=AddressingSettings(),
                                             metric_crs=frame.crs)
        out.append((kept["building_id"].tolist(), shapely.to_wkt(kept.geometry.values).tolist(),
                    dropped["building_id"].tolist()))
    assert out[0] == out[1]
    assert len(out[0][0]) == 2
    assert out[0][2] == ["b0000001"]  # the missing geometry sorts first


def test_millimetre_rounding_is_geos_pointwise_rounding_even_on_halves() -> None:
    k = np.arange(-3000, 3000)
    for x in (459000 + k / 2000.0, k / 2000.0):
        geoms = shapely.points(np.c_[x, -x])
        keys = _geometry_keys(geoms)
        geos = shapely.to_wkb(shapely.normalize(shapely.set_precision(geoms, 0.001,
                                                                      mode="pointwise")))
        assert list(keys) == list(geos)


# --- the canonical order without every key held at once (_keys.key_order) -----------------


def _lexsort_order(keys: list[bytes]) -> np.ndarray:
    """The reference: numpy's stable sort of the keys as Python ``bytes`` objects."""
    return np.lexsort((np.array(keys, dtype=object),))


def _prefix_order_of(keys: list[bytes], width: int) -> np.ndarray:
    held = np.array(keys, dtype=object)
    return prefix_order(held.astype(f"S{width}"), lambda rows: held[rows])


def test_prefix_order_is_bytes_order_on_prefixes_zero_bytes_and_ties() -> None:
    keys = [b"ab", b"a", b"ab\x00", b"a", b"", b"a\x00\x00\x00\x00\x00\x00\x00\x01",
            b"a\x00\x00\x00\x00\x00\x00\x00", b"a\x00\x00\x00\x00\x00\x00\x00\x00", b"\xff",
            b"a" * 20 + b"z", b"a" * 20 + b"b", b"a" * 20, b"ab", b"", b"\x00", b"\x00\x00"]
    # bytes order, a key before the longer keys it begins, equal keys in row order
    expected = [4, 13, 14, 15, 1, 3, 6, 7, 5, 11, 10, 9, 0, 12, 2, 8]
    np.testing.assert_array_equal(_lexsort_order(keys), expected)
    for width in (8, 16, 24):
        np.testing.assert_array_equal(_prefix_order_of(keys, width), expected)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from([b"\x00", b"\x01", b"a", b"\xff"]), max_size=20)
                .map(b"".join), max_size=60),
       st.sampled_from([8, 16]))
def test_prefix_order_matches_the_object_sort(keys: list[bytes], width: int) -> None:
    # few distinct bytes: many keys share their first 8 or 16 bytes and differ later
    keys = keys + keys[: len(keys) // 3]  # equal keys in several rows
    np.testing.assert_array_equal(_prefix_order_of(keys, width), _lexsort_order(keys))


def test_key_order_is_the_lexsort_of_the_keys_with_duplicates_and_missing_rows() -> None:
    geoms = _footprints(3000, seed=5)
    geoms[100:400] = geoms[1000:1300]  # the same footprints twice: tied keys
    geoms[400:450] = shapely.transform(geoms[2000:2050], lambda c: c + 2e-4)  # same to the mm
    geoms[450:460] = None
    geoms[460:500] = shapely.centroid(geoms[2500:2540])
    geoms[500:520] = shapely.multipolygons([[g] for g in geoms[2600:2620]])
    geoms[520:530] = shapely.difference(geoms[2700:2710], shapely.buffer(
        shapely.centroid(geoms[2700:2710]), 0.5))  # footprints with a courtyard
    geoms[530:535] = shapely.Polygon()
    rng = np.random.default_rng(1)
    geoms = geoms[rng.permutation(len(geoms))]
    expected = np.lexsort((_geometry_keys(geoms),))
    np.testing.assert_array_equal(key_order(geoms), expected)
    # same vertex start (x, y and the next x): only the full keys tell these apart
    ring = shapely.box(0, 0, 10, 10)
    shapes = np.array([ring, shapely.box(0, 0, 10, 11), ring, shapely.box(0, 0, 10, 9)],
                      dtype=object)
    np.testing.assert_array_equal(key_order(shapes), [3, 0, 2, 1])
    np.testing.assert_array_equal(key_order(shapes), np.lexsort((_geometry_keys(shapes),)))


def test_key_prefixes_are_the_first_bytes_of_the_keys_for_every_kind_of_geometry() -> None:
    geoms = _footprints(600, seed=9)
    geoms[:10] = None
    geoms[10:20] = shapely.Polygon()
    geoms[20:40] = shapely.centroid(geoms[20:40])
    geoms[40:50] = shapely.force_3d(geoms[40:50], 5.0)
    geoms[50:60] = shapely.multipolygons([[g] for g in geoms[50:60]])
    geoms[60:70] = shapely.difference(geoms[60:70], shapely.buffer(
        shapely.centroid(geoms[60:70]), 0.5))
    geoms[70] = shapely.Polygon([(0, 0), (0, 0), (0, 0), (0, 0)])
    geoms[71] = shapely.Polygon([(-0.0001, 0), (2, 0), (0, -0.0004), (-0.0001, 0)])  # -0.0
    width = np.dtype("S40")
    got = chunk_prefixes(geoms, width)
    np.testing.assert_array_equal(got.view(np.uint8), _geometry_keys(geoms).astype(width)
                                  .view(np.uint8))


def test_building_labels_are_the_formatted_numbers_in_pandas_text_dtype() -> None:
    for first, n in ((1, 12), (9_999_990, 25), (99_999_998, 4)):
        labels = _building_labels(n, first=first)
        assert list(labels) == [f"b{i:07d}" for i in range(first, first + n)]
    assert len(_building_labels(0)) == 0
    by_python = pd.Series(np.array(["b0000001"], dtype=object))
    assert pd.Series(_building_labels(1)).dtype == by_python.dtype


def test_id_order_is_python_string_order_for_any_text() -> None:
    ids = ["b10", "b9", "B9", "é", "e", "Ｚ", "😀", "z", "b1", "b10", "", "1", "10", "1a",
           "Zürich", "中", "b1 "]
    for column in (pd.Series(ids), pd.Series(np.array(ids, dtype=object)),
                   pd.Series([7, 10, 8, 100, 7])):
        values, order = _ids_in_order(column)
        reference = column.astype(str).to_numpy(dtype=object)
        np.testing.assert_array_equal(order, np.lexsort((reference,)))
        assert list(values) == list(reference)


def _odd_rings(n: int, seed: int) -> np.ndarray:
    """Footprints with what makes a shell's normalised start hard to tell from coordinates."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        x, y = ORIGIN[0] + rng.integers(0, 1000) * 0.5, ORIGIN[1] + rng.integers(0, 1000) * 0.5
        w, h = rng.integers(1, 20, 2) * 0.5
        pts = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]  # a flat top
        kind = int(rng.integers(0, 10))
        if kind == 1:
            pts = pts[::-1]
        elif kind == 2:  # a repeated point anywhere, the start included
            at = int(rng.integers(0, 4))
            pts.insert(at, pts[at])
        elif kind == 3:  # a notch in the top
            pts = [(x, y), (x + w, y), (x + w, y + h), (x + w / 2, y + h / 2), (x, y + h)]
        elif kind == 4:  # two peaks of the same height
            pts = [(x, y), (x + w, y), (x + w, y + h), (x + w / 2, y + h / 3), (x, y + h)]
        elif kind == 5:  # a bow tie
            pts = [(x, y), (x + w, y + h), (x + w, y), (x, y + h)]
        elif kind == 6:  # a spike at the top
            pts = [(x, y), (x + w, y), (x + w / 2, y + h), (x + w / 2, y + 2 * h),
                   (x + w / 2, y + h)]
        elif kind == 7:  # collapses to a point or a line at the millimetre
            pts = [(x, y), (x + 0.0004, y), (x + 0.0004, y + 0.0004)]
        elif kind == 8:  # flat: no rising segment
            pts = [(x, y), (x + w, y), (x + 2 * w, y)]
        elif kind == 9:  # a star of a few millimetres to a hundred metres, either way round
            k = int(rng.integers(3, 30))
            ang = np.sort(rng.uniform(0, 2 * np.pi, k))
            r = rng.uniform(0.3, 1, k) * float(rng.choice([0.002, 0.01, 1.0, 100.0]))
            pts = [tuple(p) for p in np.c_[x + r * np.cos(ang), y + r * np.sin(ang)]]
            if rng.random() < 0.5:
                pts = pts[::-1]
        shift = int(rng.integers(0, len(pts)))
        out.append(shapely.Polygon(pts[shift:] + pts[:shift]))
    rings = np.array(out, dtype=object)
    turned = rng.random(n) < 0.3
    rings[turned] = [shapely.affinity.rotate(g, float(rng.uniform(0, 360)), origin="centroid")
                     for g in rings[turned]]
    return rings


def test_shell_starts_from_coordinates_are_what_geos_normalisation_gives() -> None:
    geoms = np.concatenate([_odd_rings(6000, seed=5), _footprints(3000, seed=8)])
    width = np.dtype("S40")
    for shapes in (geoms, shapely.multipolygons([[g] for g in geoms])):  # files store either
        got = chunk_prefixes(shapes, width)
        np.testing.assert_array_equal(got.view(np.uint8), _geos_prefixes(shapes, width)
                                      .view(np.uint8))
    ok, _ = _shell_starts(geoms)
    # the plain footprints are all read from their coordinates; the odd rings partly
    assert ok[6000:].all()
    assert 0.3 < ok[:6000].mean() < 0.9
    # left to GEOS: a collinear cap (a spike), two peaks of one height, a repeated start
    x, y = ORIGIN
    left = [shapely.Polygon([(x, y), (x + 4, y), (x + 2, y + 3), (x + 2, y + 6), (x + 2, y + 3)]),
            shapely.Polygon([(x, y), (x + 4, y), (x + 4, y + 3), (x + 2, y + 1), (x, y + 3)]),
            shapely.Polygon([(x, y), (x + 4, y), (x + 4, y + 3), (x, y + 3), (x, y), (x, y)])]
    assert not _shell_starts(np.array(left, dtype=object))[0].any()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(-50, 50), st.integers(-50, 50)), min_size=3, max_size=9),
       st.sampled_from([0.0005, 0.001, 0.25, 3.0]))
def test_shell_starts_hold_for_any_ring(points: list[tuple[int, int]], scale: float) -> None:
    ring = [(ORIGIN[0] + px * scale, ORIGIN[1] + py * scale) for px, py in points]
    geoms = np.array([shapely.Polygon(ring), shapely.Polygon(ring[::-1])], dtype=object)
    width = np.dtype("S40")
    np.testing.assert_array_equal(chunk_prefixes(geoms, width).view(np.uint8),
                                  _geos_prefixes(geoms, width).view(np.uint8))


@pytest.mark.parametrize("place", ["porto", "north_bayreuth", "munich_altstadt",
                                   "heidelberg_altstadt", "moscow_center", "vancouver",
                                   "london_city", "liechtenstein"])
def test_shell_starts_on_real_footprints(place: str) -> None:
    path = shared_file("truth", f"{place}.gpkg")
    geoms = np.asarray(pyogrio.read_dataframe(path, layer="buildings").to_crs(32631)
                       .geometry.array)
    width = np.dtype("S40")
    np.testing.assert_array_equal(chunk_prefixes(geoms, width).view(np.uint8),
                                  _geos_prefixes(geoms, width).view(np.uint8))
    # polygons, or multipolygons of one part (vancouver, london, liechtenstein)
    first = shapely.get_geometry(geoms, 0)
    assert _shell_starts(first[shapely.get_num_interior_rings(first) == 0])[0].mean() > 0.9


def test_an_older_geos_leaves_every_key_start_to_geos(monkeypatch: pytest.MonkeyPatch) -> None:
    import parakou_geo._keys as keys

    geoms = _footprints(300, seed=4)
    width = np.dtype("S40")
    calls: list[int] = []
    real = keys._shell_starts

    def counted(polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        calls.append(len(polygons))
        return real(polygons)

    monkeypatch.setattr(keys, "_shell_starts", counted)
    monkeypatch.setattr(keys, "_GEOS_RULES_KNOWN", False)
    older = chunk_prefixes(geoms, width)
    assert calls == []
    monkeypatch.setattr(keys, "_GEOS_RULES_KNOWN", True)
    np.testing.assert_array_equal(chunk_prefixes(geoms, width), older)
    assert calls == [300]
