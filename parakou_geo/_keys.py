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


#: Whether the running GEOS orients rings by the rule :func:`_shell_starts` repeats: every
#: version since 3.9 (shapely 2 wheels bring 3.11 or later); older ones are left to GEOS.
_GEOS_RULES_KNOWN = shapely.geos_version >= (3, 9, 0)

#: Bytes of a multipolygon's own WKB header: byte order, type, number of parts.
_MULTI_HEADER = 9

#: The start of a 2-D polygon's little-endian WKB: byte order, type, ring count, point count
#: of the shell, then its first two points.
_POLYGON_WKB_START = np.dtype([("order", "u1"), ("type", "<u4"), ("rings", "<u4"),
                               ("points", "<u4"), ("xy", "<f8", (4,))])


def chunk_prefixes(geoms: np.ndarray, width: np.dtype) -> np.ndarray:
    """Return the first ``width.itemsize`` bytes of each key, zero padded (dtype ``width``).

    A 2-D polygon without holes (nearly every footprint), or a multipolygon of one such part,
    gets them from its coordinates, without a rounded or normalised copy of it
    (:func:`_shell_starts`): ``01``, type 3, one ring, the ring's point count, then the
    normalised ring's first two points, all little-endian as shapely writes WKB on such a
    machine (after ``01``, type 6, one part for the multipolygon). The others (points, holes,
    multipolygons, Z, and the rings whose normalised start :func:`_shell_starts` leaves to
    GEOS) take the first bytes of their key as GEOS makes it.
    """
    out = np.zeros(len(geoms), dtype=width)
    done = np.zeros(len(geoms), dtype=bool)
    kind = shapely.get_type_id(geoms)
    # a multipolygon of one part (as many files store every footprint) is its polygon
    multi = (kind == 6) & (shapely.get_num_geometries(geoms) == 1)
    polygon = geoms.copy()
    polygon[multi] = shapely.get_geometry(geoms[multi], 0)
    shell = (((kind == 3) | multi) & (shapely.get_num_interior_rings(polygon) == 0)
             & ~shapely.has_z(geoms) & (shapely.get_num_coordinates(geoms) >= 4)
             & (sys.byteorder == "little") & _GEOS_RULES_KNOWN)
    if shell.any():
        rows = np.flatnonzero(shell)
        ok, start = _shell_starts(polygon[rows])
        raw = _with_multi_headers(start, multi[rows])
        out[rows[ok]] = np.ascontiguousarray(raw[ok, :width.itemsize]).view(width).ravel()
        done[rows[ok]] = True
    rest = np.flatnonzero(~done)
    if len(rest):
        out[rest] = _geos_prefixes(geoms[rest], width)
    return out


def _with_multi_headers(start: np.ndarray, multi: np.ndarray) -> np.ndarray:
    """Return polygon key starts as bytes, those of ``multi`` rows in a multipolygon of one.

    A multipolygon's WKB is its own header (byte order, type 6, one part) then its polygon's.
    """
    raw = np.zeros((len(start), _MULTI_HEADER + _POLYGON_WKB_START.itemsize), dtype=np.uint8)
    polygon = start.view(np.uint8).reshape(len(start), _POLYGON_WKB_START.itemsize)
    raw[~multi, :_POLYGON_WKB_START.itemsize] = polygon[~multi]
    raw[multi, _MULTI_HEADER:] = polygon[multi]
    raw[multi, 0] = 1  # little-endian
    raw[multi, 1] = 6  # MultiPolygon
    raw[multi, 5] = 1  # one part
    return raw


def _geos_prefixes(geoms: np.ndarray, width: np.dtype) -> np.ndarray:
    """:func:`chunk_prefixes` from the WKB of the rounded, normalised geometries GEOS makes.

    The few footprints :func:`_shell_starts` leaves aside (and every one with a GEOS older
    than 3.9) take this way; a missing geometry keeps the empty key.
    """
    out = np.zeros(len(geoms), dtype=width)
    present = ~shapely.is_missing(geoms)
    if present.any():
        out[present] = shapely.to_wkb(_canonical(geoms[present])).astype(width)
    return out


def _shell_starts(polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the start of the key of 2-D polygons without holes, from their coordinates.

    GEOS normalises a polygon's shell (``Polygon::normalize``) by starting it at its smallest
    point (``x``, then ``y``; the first one if it repeats) and turning it clockwise. Whether
    a ring turns counter-clockwise is decided as GEOS does (``Orientation::isCCW``): at the
    last rising segment that ends on the highest ``y``, by the turn of its cap (or the
    direction of a flat top). Coordinates are rounded to the millimetre first, as
    :func:`_canonical` does.

    Returns
    -------
    ok : numpy.ndarray of bool
        The polygons whose start is given. A ring is left to GEOS (False) when the answer
        could depend on details this does not repeat: several rising segments ending on the
        highest ``y``, a pointed cap whose turn is too close to call in floating point
        (collinear ones included), a start point repeated just before it (the normalised
        ring then has one point less), or coordinates that are not finite.
    start : numpy.ndarray
        ``_POLYGON_WKB_START`` records (meaningful where ``ok``).
    """
    m = len(polygons)
    count = shapely.get_num_coordinates(polygons)  # the closing point included
    xy = round_mm(shapely.get_coordinates(polygons))
    n = count - 1  # the ring's points without the closing one (n >= 3 here)
    first = np.cumsum(count) - count  # row of each ring's first point in xy
    ring = np.repeat(np.arange(m), count)
    pos = np.arange(len(xy)) - first[ring]
    x, y = xy[:, 0], xy[:, 1]
    unique = pos < n[ring]  # every point but the closing one
    ring_u, pos_u, x_u, y_u = ring[unique], pos[unique], x[unique], y[unique]
    starts_u = np.cumsum(n) - n
    # the smallest point: smallest x, then smallest y, the first one if it repeats
    low_x = np.minimum.reduceat(x_u, starts_u)
    at_x = x_u == low_x[ring_u]
    low_y = np.minimum.reduceat(np.where(at_x, y_u, np.inf), starts_u)
    lowest = np.flatnonzero(at_x & (y_u == low_y[ring_u]))
    lowest = lowest[np.r_[True, ring_u[lowest][1:] != ring_u[lowest][:-1]]]
    low = pos_u[lowest]  # position of the start in each ring

    def point(k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Coordinates of the point at cyclic position ``k`` of each ring."""
        at = starts_u + np.mod(k, n)
        return x_u[at], y_u[at]

    # isCCW: the rising segments (each point from the one before it, cyclically) that end
    # on the ring's highest y
    top = np.maximum.reduceat(y_u, starts_u)
    n_u = n[ring_u]
    before = starts_u[ring_u] + np.mod(pos_u - 1, n_u)  # each point's predecessor
    peak = (y_u > y_u[before]) & (y_u == top[ring_u])
    peaks = np.bincount(ring_u[peak], minlength=m)
    up = np.zeros(m, dtype=np.int64)
    up[ring_u[peak]] = pos_u[peak]  # the one peak of the rings that have exactly one
    # the next point below the top after it, cyclically, and the point before that one
    below = ~(y_u == top[ring_u])
    order_key = np.mod(pos_u - up[ring_u] - 1, n_u)  # steps after the peak, minus one
    big = np.iinfo(np.int64).max
    step = np.full(m, big, dtype=np.int64)
    np.minimum.at(step, ring_u[below], order_key[below])
    flat = step == big
    step = np.where(flat, 0, step)
    down_low = up + step + 1
    hx, hy = point(up)
    lx, ly = point(up - 1)
    dx, dy = point(down_low)
    ex, ey = point(down_low - 1)
    pointed = (hx == ex) & (hy == ey)
    # the cap's turn, as GEOS's orientation filter computes it (q = down low)
    det_left = (lx - dx) * (hy - dy)
    det_right = (ly - dy) * (hx - dx)
    det = det_left - det_right
    # GEOS takes the sign of det as it is unless it is too close to call in floating point
    # (then it computes it exactly): those caps, and the collinear ones, are left to it
    clear_turn = np.abs(det) > 1e-12 * (np.abs(det_left) + np.abs(det_right))
    ccw = np.where(pointed, det > 0, (ex - hx) < 0)
    ok = (peaks == 1) & ~flat & (clear_turn | ~pointed) \
        & np.isfinite(np.add.reduceat(x_u + y_u, starts_u))
    # clockwise: a counter-clockwise ring is reversed, so its second point is the one before
    sx, sy = point(low)
    tx, ty = point(np.where(ccw, low - 1, low + 1))
    # a start repeated just before it: GEOS's closing of the started ring drops a point
    px, py = point(low - 1)
    ok &= ~((px == sx) & (py == sy))
    start = np.zeros(m, dtype=_POLYGON_WKB_START)
    start["order"], start["type"], start["rings"] = 1, 3, 1
    start["points"] = count
    start["xy"] = np.c_[sx, sy, tx, ty]
    return ok, start


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
