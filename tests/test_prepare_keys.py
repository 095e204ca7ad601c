"""Sort keys of footprints (prepare._geometry_keys): canonical, cheap, same order as before."""

from __future__ import annotations

import numpy as np
import shapely
from conftest import ORIGIN, squares

from parakou_geo.prepare import _geometry_keys, prepare_buildings
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
