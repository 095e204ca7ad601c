"""Private: canonical sort keys of geometries and the order they give.

The same buildings in any row order must get the same ids, so buildings without an id column
are ordered by a key of their footprint: its WKB once rounded to the millimetre and
normalised (:func:`geometry_keys`). :func:`key_order` gives the keys' order without holding a
million keys at once. Used by :mod:`parakou_geo.prepare` (buildings and roads).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from parakou_geo._threads import apply_chunked, map_chunks

__all__ = ["PREFIX_BYTES", "chunk_prefixes", "geometry_keys", "key_order", "prefix_order",
           "round_mm"]


def geometry_keys(geoms: np.ndarray) -> np.ndarray:
    """Stable sort keys of geometries, independent of vertex start and row order.

    Coordinates are rounded to the millimetre one by one, half up as GEOS does (no
    snap-rounding of the whole geometry, which costs ~10x more and changes no key order on
    ordinary footprints) and the geometry normalised; the key is its WKB. Raw bytes sort in
    the same order as their hex text, at half the size. A missing geometry gets the empty key.
    Computed in chunks on threads (the rounded copies are freed chunk by chunk).
    """
    return apply_chunked(_chunk_keys, geoms, dtype=object)


def _chunk_keys(geoms: np.ndarray) -> np.ndarray:
    """Return the keys of :func:`geometry_keys` for one chunk of geometries."""
    keys: np.ndarray = shapely.to_wkb(_canonical(geoms))
    keys[shapely.is_missing(geoms)] = b""
    return keys


def _canonical(geoms: np.ndarray) -> np.ndarray:
    """Return the geometries rounded to the millimetre and normalised (their key is the WKB)."""
    out: np.ndarray = shapely.normalize(shapely.transform(geoms, round_mm))
    return out


#: The start of a 2-D polygon's little-endian WKB: byte order, type, ring count, point count
#: of the shell, then its first two points.
_POLYGON_WKB_START = np.dtype([("order", "u1"), ("type", "<u4"), ("rings", "<u4"),
                               ("points", "<u4"), ("xy", "<f8", (4,))])


def chunk_prefixes(geoms: np.ndarray, width: np.dtype) -> np.ndarray:
    """Return the first ``width.itemsize`` bytes of each key, zero padded (dtype ``width``).

    A 2-D polygon without holes (nearly every footprint) gets them from its canonical
    coordinates, without writing its WKB: ``01``, type 3, one ring, the ring's point count,
    then the point coordinates, all little-endian as shapely writes WKB on such a machine.
    Other geometries (points, holes, multipolygons, Z...) take the first bytes of their WKB.
    """
    canon = _canonical(geoms)
    count = shapely.get_num_coordinates(canon)
    plain = ((shapely.get_type_id(canon) == 3) & (shapely.get_num_interior_rings(canon) == 0)
             & ~shapely.has_z(canon) & (count >= 2) & (sys.byteorder == "little"))
    out = np.zeros(len(geoms), dtype=width)
    if plain.any():
        first = (np.cumsum(count) - count)[plain]  # row of each shell's first point
        xy = shapely.get_coordinates(canon)
        start = np.zeros(int(plain.sum()), dtype=_POLYGON_WKB_START)
        start["order"], start["type"], start["rings"] = 1, 3, 1
        start["points"] = count[plain]
        start["xy"] = np.c_[xy[first], xy[first + 1]]
        raw = start.view(np.uint8).reshape(len(start), _POLYGON_WKB_START.itemsize)
        out[plain] = np.ascontiguousarray(raw[:, :width.itemsize]).view(width).ravel()
    other = ~plain & ~shapely.is_missing(geoms)  # missing geometries keep the empty key
    if other.any():
        out[other] = shapely.to_wkb(canon[other]).astype(width)
    return out


#: Leading bytes of each key compared as numbers by :func:`key_order` (a multiple of 8);
#: keys equal on them are compared in full. 40 bytes hold a polygon's header and its first
#: two and a half coordinates, so only identical first vertices are compared in full.
PREFIX_BYTES = 40


def key_order(geoms: np.ndarray) -> np.ndarray:
    """Return ``np.lexsort((geometry_keys(geoms),))`` without holding every key at once.

    Only the first :data:`PREFIX_BYTES` bytes of each key are kept (zero padded) and sorted
    as big-endian integers; keys equal on those bytes are computed again and compared in full.
    The order is the keys' byte order with ties in row order, as the object-array sort gives,
    at a fraction of its time and memory (a million keys are ~130 MB of ``bytes`` objects).
    """
    width = np.dtype(f"S{PREFIX_BYTES}")
    prefixes = np.empty(len(geoms), dtype=width)

    def work(part: slice) -> None:
        prefixes[part] = chunk_prefixes(geoms[part], width)

    map_chunks(work, len(geoms))
    return prefix_order(prefixes, lambda rows: geometry_keys(geoms[rows]))


def prefix_order(
    prefixes: np.ndarray, full_keys: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """Stable order of byte-string keys known by their zero-padded leading bytes.

    Parameters
    ----------
    prefixes : numpy.ndarray
        Fixed-width bytes (dtype ``S<k>``, ``k`` a multiple of 8): the first ``k`` bytes of
        each key, padded with zero bytes.
    full_keys : callable
        Returns the whole keys (an object array of ``bytes``) of the given row numbers.

    Returns
    -------
    numpy.ndarray
        The order ``np.lexsort((keys,))`` gives: ``bytes`` order (a key sorts before the
        longer keys it begins), equal keys in row order.

    Notes
    -----
    A padded prefix that is smaller than another belongs to a smaller key (where the padded
    bytes first differ, either both are real bytes, or the smaller is a zero past the end of
    its key while the other key goes on, so the first key begins the second). Keys with the
    same padded prefix are compared in full.
    """
    n = len(prefixes)
    words = prefixes.view(">u8").reshape(n, prefixes.dtype.itemsize // 8)
    columns = [words[:, j].astype(np.uint64) for j in range(words.shape[1])]
    columns = [c for c in columns if n and (c != c[0]).any()]  # equal everywhere: no say
    order: np.ndarray = np.arange(n)
    if columns:  # Arrow's stable multi-key sort looks at a later word only on ties
        table = pa.table({str(j): column for j, column in enumerate(columns)})
        order = pc.sort_indices(table, sort_keys=[(name, "ascending")
                                                  for name in table.column_names]
                                ).to_numpy().astype(np.intp)
    same = np.ones(max(n - 1, 0), dtype=bool)
    for column in columns:
        in_order = column[order]
        same &= in_order[1:] == in_order[:-1]
    if not same.any():
        return order
    run = np.cumsum(np.r_[True, ~same]) - 1  # run of equal prefixes at each position
    tied = np.flatnonzero(np.bincount(run)[run] > 1)  # positions in runs of 2 or more
    rows = order[tied]  # ascending row numbers within each run (the sort is stable)
    order[tied] = rows[np.lexsort((full_keys(rows), run[tied]))]
    return order


def round_mm(xy: np.ndarray) -> np.ndarray:
    """Round coordinates to the millimetre exactly as GEOS's fixed precision does.

    Half up (``java.lang.Math.round``); a result of zero keeps the sign of the input.
    """
    steps = np.floor(xy * 1000.0 + 0.5)
    steps = np.where(steps == 0, np.copysign(0.0, xy), steps)
    out: np.ndarray = steps / 1000.0
    return out
