"""Private numpy kernels of the road graph: pieces, bucket grids, node ids, links, snapping.

Everything works on coordinate arrays of the lines' straight pieces; snapping uses a numpy
bucket grid and a k-d tree (scipy). Noding (where lines meet) is in
:mod:`parakou_geo.planning._noding`; :mod:`parakou_geo.planning.network` holds the public API.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.spatial import cKDTree

#: Smallest edge weight: csgraph drops explicit zeros, so zero-length links get this (metres).
MIN_WEIGHT = 1e-9
#: Coordinates are rounded to this (metres) to merge identical line ends into one node.
NODE_DECIMALS = 6
#: Spacing (metres) of the sample points along the pieces that give each point a first piece.
SAMPLE_M = 50.0
#: Side (metres) of the bucket grid cells holding the pieces' bounding boxes.
CELL_M = 30.0
#: Snapping first reads the cells within this distance (metres) of each point.
FIRST_M = 10.0
#: Points farther than this (metres) from their first piece are snapped by the R-tree alone.
NEAR_M = 120.0
#: Points are snapped in bands this many grid cells high (and as wide), band after band.
BAND_CELLS = 4
#: Fewest points a snapping thread gets.
CHUNK_POINTS = 20_000
#: Most points snapped at once (bounds the memory of the candidate pairs).
MAX_CHUNK_POINTS = 131_072


@dataclass(frozen=True)
class Pieces:
    """The straight pieces of lines as coordinate arrays."""

    a: np.ndarray  # (m, 2) start of each piece
    b: np.ndarray  # (m, 2) end
    edge: np.ndarray  # the line each piece belongs to
    start_m: np.ndarray  # distance along its line to the piece's start (metres)
    length: np.ndarray

    @classmethod
    def of(cls, lines: np.ndarray) -> Pieces:
        """Split ``lines`` (LineStrings) into their straight pieces, in line order."""
        coords, owner = shapely.get_coordinates(lines, return_index=True)
        start = np.flatnonzero(owner[1:] == owner[:-1])
        a, b, edge = coords[start], coords[start + 1], owner[start]
        length = np.hypot(*(b - a).T)
        first = np.r_[True, edge[1:] != edge[:-1]]
        start_m = np.cumsum(length) - length
        start_m -= start_m[first][np.cumsum(first) - 1]  # restart at each line
        return cls(a, b, edge.astype(np.int64), start_m, length)

    @cached_property
    def columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Start x, start y, x and y extent and squared length (1 when 0) as 1-d arrays."""
        ax, ay = self.a[:, 0].copy(), self.a[:, 1].copy()
        dx, dy = self.b[:, 0] - ax, self.b[:, 1] - ay
        len2 = dx * dx + dy * dy
        return ax, ay, dx, dy, np.where(len2 > 0, len2, 1.0)


def _cell_of(v: np.ndarray, origin: np.ndarray | float, cell: float) -> np.ndarray:
    """Cell number (as floats) of coordinates ``v`` in a grid of ``cell`` metres.

    ``floor((v - origin) / cell)``: monotonic in ``v``, which is all the bucket grids need
    (three times faster than numpy's floor division of floats).
    """
    out: np.ndarray = np.floor((v - origin) / cell)
    return out


def _cells(c0: np.ndarray, c1: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every cell ``(cx, cy)`` of every cell range ``c0..c1`` (inclusive), with its range."""
    w, h = c1[:, 0] - c0[:, 0] + 1, c1[:, 1] - c0[:, 1] + 1
    count = w * h
    which = np.repeat(np.arange(len(c0)), count)
    k = np.arange(len(which)) - np.repeat(np.cumsum(count) - count, count)
    return which, c0[which, 0] + k % w[which], c0[which, 1] + k // w[which]


def stable_order(key: np.ndarray) -> np.ndarray:
    """``numpy.argsort(key, kind="stable")`` for non-negative integer keys, faster.

    numpy sorts 16-bit integers by radix; keys below 2**32 are sorted as two 16-bit digits
    (low digit first, both sorts stable), which gives the same order.
    """
    top = int(key.max()) if len(key) else 0
    if top < 2**16:
        return np.argsort(key.astype(np.uint16), kind="stable")
    if top < 2**32:
        low = np.argsort((key & 0xFFFF).astype(np.uint16), kind="stable")
        return low[np.argsort((key[low] >> 16).astype(np.uint16), kind="stable")]
    return np.argsort(key, kind="stable")


@dataclass(frozen=True)
class BoxGrid:
    """Bounding boxes registered in the square cells of a grid (a bucket index in numpy)."""

    origin: np.ndarray
    cell: float
    shape: tuple[int, int]
    start: np.ndarray  # offsets into ``item`` of each cell (row-major), plus the end
    item: np.ndarray  # box positions, by cell

    @classmethod
    def of(cls, lo: np.ndarray, hi: np.ndarray, cell: float) -> BoxGrid:
        """Register boxes ``lo``-``hi`` (arrays ``(n, 2)``) in cells of ``cell`` metres."""
        origin = lo.min(axis=0)
        span = hi.max(axis=0) - origin
        cell = max(cell, float(np.sqrt(span[0] * span[1] / 4e6)))  # at most ~4 million cells
        nx, ny = _cell_of(span, 0.0, cell).astype(np.int64) + 1
        which, cx, cy = _cells(_cell_of(lo, origin, cell).astype(np.int64),
                               _cell_of(hi, origin, cell).astype(np.int64))
        key = cy * nx + cx
        order = stable_order(key)
        start = np.zeros(nx * ny + 1, dtype=np.int64)
        np.cumsum(np.bincount(key, minlength=nx * ny), out=start[1:])
        return cls(origin, cell, (int(nx), int(ny)), start, which[order])

    def reach(self, xy: np.ndarray, half: float) -> np.ndarray:
        """How far from points ``xy`` a query of the square ``xy ± half`` reads all boxes.

        That is the distance from each point to the edge of the cells the query reads
        (infinite on a side where the grid ends), less a micrometre for rounding: every box
        closer to the point than this is among the query's pairs.
        """
        top = np.array(self.shape) - 1
        raw0 = _cell_of(xy - half, self.origin, self.cell)
        raw1 = _cell_of(xy + half, self.origin, self.cell)
        c0, c1 = np.clip(raw0, 0, top), np.clip(raw1, 0, top)
        low = np.where(raw0 < 0, np.inf, xy - (self.origin + c0 * self.cell))
        high = np.where(raw1 > top, np.inf, self.origin + (c1 + 1) * self.cell - xy)
        side = np.minimum(low, high)
        out: np.ndarray = np.minimum(side[:, 0], side[:, 1]) - 1e-6  # not .min(axis=1): slow
        return out

    def query(self, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (query box, registered box) sharing a cell, grouped by query box in order.

        Every registered box that intersects a query box is in a pair with it (some pairs
        more than once, and some whose boxes only share a cell). The cells of one row of the
        grid are consecutive in :attr:`item`, so each query box reads one range per row.
        """
        nx = self.shape[0]
        top = np.array(self.shape) - 1
        c0 = np.clip(_cell_of(lo, self.origin, self.cell), 0, top).astype(np.int64)
        c1 = np.clip(_cell_of(hi, self.origin, self.cell), 0, top).astype(np.int64)
        rows = c1[:, 1] - c0[:, 1] + 1
        which = np.repeat(np.arange(len(lo)), rows)
        row_start = np.cumsum(rows) - rows
        base = (c0[which, 1] + np.arange(len(which)) - np.repeat(row_start, rows)) * nx
        first = self.start[base + c0[which, 0]]
        count = self.start[base + c1[which, 0] + 1] - first
        pair_q = np.repeat(which, count)
        pos = np.arange(len(pair_q)) - np.repeat(np.cumsum(count) - count - first, count)
        return pair_q, self.item[pos]


def _piece_distance(
    x: np.ndarray, y: np.ndarray, pieces: Pieces, q: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Distance from points ``(x, y)`` to pieces ``q`` and the position (0-1) along each piece."""
    ax, ay, dx, dy, len2 = (v[q] for v in pieces.columns)
    wx, wy = x - ax, y - ay
    t = wx * dx + wy * dy
    t /= len2
    np.clip(t, 0.0, 1.0, out=t)
    wx -= t * dx
    wy -= t * dy
    return np.hypot(wx, wy), t


@dataclass(frozen=True)
class SnapIndex:
    """Sample points along every piece in a k-d tree, and the pieces' boxes in a grid."""

    pieces: Pieces
    tree: cKDTree
    sample_piece: np.ndarray
    grid: BoxGrid

    @classmethod
    def of(cls, pieces: Pieces, sample_m: float = SAMPLE_M) -> SnapIndex:
        """Sample ``pieces`` at the middles of sub-pieces of at most ``sample_m`` metres."""
        n = np.maximum(1, np.ceil(pieces.length / sample_m)).astype(np.int64)
        piece = np.repeat(np.arange(len(n)), n)
        step = np.arange(len(piece)) - np.repeat(np.cumsum(n) - n, n)
        t = (step + 0.5) / n[piece]
        xy = pieces.a[piece] + t[:, None] * (pieces.b[piece] - pieces.a[piece])
        grid = BoxGrid.of(np.minimum(pieces.a, pieces.b), np.maximum(pieces.a, pieces.b),
                          cell=CELL_M)
        pieces.columns  # noqa: B018 (computed once here, before threads read it)
        # an unbalanced tree without shrunk boxes builds in half the time; the nearest-sample
        # queries take as long
        return cls(pieces, cKDTree(xy, balanced_tree=False, compact_nodes=False), piece, grid)

    def nearest(
        self, xy: np.ndarray, *, threads: int | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Find the nearest piece of points given as coordinates ``(n, 2)``.

        A first piece bounds each point's distance to the network from above: the nearest of
        the pieces registered near the point (which settles it when it is closer than the
        edge of the cells read) or the piece of the nearest sample point (k-d tree). Every
        piece whose bounding box lies within that bound is a candidate (one bucket-grid
        query), and exact point-to-piece distances decide. Ties go to the lowest piece (the
        lowest line, then the earliest piece along it).

        The points are taken in bands of grid cells (neighbours one after the other, which
        keeps the tree and the grid in the processor's caches), in chunks of at most
        ``MAX_CHUNK_POINTS`` and, when there are many, on threads (numpy and scipy release
        the GIL). Each point's answer depends on that point alone, so the result is the same
        whatever the order, the chunks and the threads.

        Parameters
        ----------
        xy : numpy.ndarray
            Point coordinates, shape ``(n, 2)``, in the pieces' metric CRS.
        threads : int, optional
            Most threads to use; default: the number of processors, at most 8.

        Returns
        -------
        piece, t, gap : numpy.ndarray
            For the points within ``NEAR_M`` of their first piece: the nearest piece, the
            position (0-1) along it and the distance (metres).
        near : numpy.ndarray of bool
            Which points these are (farther ones would have too many candidates).
        """
        n = len(xy)
        if n == 0:
            empty = np.zeros(0)
            return np.zeros(0, dtype=np.int64), empty, empty, np.zeros(0, dtype=bool)
        band = _cell_of(xy, self.grid.origin, BAND_CELLS * self.grid.cell).astype(np.int64)
        band -= band.min(axis=0)
        order = stable_order(band[:, 1] * (int(band[:, 0].max()) + 1) + band[:, 0])
        workers = min(threads or min(8, os.cpu_count() or 1), max(1, n // CHUNK_POINTS))
        chunks = np.array_split(order, max(workers, -(-n // MAX_CHUNK_POINTS)))
        if workers == 1:
            results = [self._nearest(xy[rows]) for rows in chunks]
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                results = list(pool.map(lambda rows: self._nearest(xy[rows]), chunks))
        piece = np.zeros(n, dtype=np.int64)
        t, gap = np.zeros(n), np.zeros(n)
        near = np.zeros(n, dtype=bool)
        for rows, (c_piece, c_t, c_gap, c_near) in zip(chunks, results, strict=True):
            at = rows[c_near]
            piece[at], t[at], gap[at] = c_piece, c_t, c_gap
            near[rows] = c_near
        return piece[near], t[near], gap[near], near

    def _nearest(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`nearest` of one chunk of points, in one thread.

        First the pieces registered in the cells within ``FIRST_M`` of each point: when the
        nearest of them is closer than the edge of the cells read, no other piece can be
        closer and the point is done. The others search again within the distance to that
        piece or, when none was found within ``FIRST_M`` + one cell, to the piece of the
        nearest sample (k-d tree) if that is closer.
        """
        pc, grid = self.pieces, self.grid
        n = len(xy)
        x, y = xy[:, 0].copy(), xy[:, 1].copy()
        piece = np.full(n, len(pc.a), dtype=np.int64)
        gap = np.full(n, np.inf)
        at, gap_1, piece_1 = _closest(*grid.query(xy - FIRST_M, xy + FIRST_M), x, y, pc)
        gap[at], piece[at] = gap_1, piece_1
        rest = np.flatnonzero(gap > grid.reach(xy, FIRST_M))
        bound = gap[rest]
        loose = np.flatnonzero(bound > FIRST_M + grid.cell)  # none found, or a long piece
        if len(loose):
            rows = rest[loose]
            _, sample = self.tree.query(xy[rows], k=1)
            by_sample, _ = _piece_distance(x[rows], y[rows], pc, self.sample_piece[sample])
            bound[loose] = np.minimum(bound[loose], by_sample)
        within = bound <= NEAR_M
        near = np.ones(n, dtype=bool)
        near[rest[~within]] = False
        rows, r = rest[within], (bound[within] * (1 + 1e-9) + 1e-9)[:, None]
        if len(rows):
            p, q = grid.query(xy[rows] - r, xy[rows] + r)  # every point has a pair
            _, gap[rows], piece[rows] = _closest(p, q, x[rows], y[rows], pc)
        piece, gap = piece[near], gap[near]
        _, t = _piece_distance(x[near], y[near], pc, piece)
        return piece, t, gap, near


def _closest(
    p: np.ndarray, q: np.ndarray, x: np.ndarray, y: np.ndarray, pieces: Pieces
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest piece among candidate pairs (point ``p``, piece ``q``), grouped by point.

    Returns the points that have candidates, their distance to the nearest one and that piece
    (the lowest on ties).
    """
    if len(p) == 0:
        return p, np.zeros(0), q
    dist, _ = _piece_distance(x[p], y[p], pieces, q)
    first = np.flatnonzero(np.r_[True, p[1:] != p[:-1]])
    count = np.diff(np.r_[first, len(p)])
    gap = np.minimum.reduceat(dist, first)
    low = np.minimum.reduceat(np.where(dist == np.repeat(gap, count), q, len(pieces.a)), first)
    return p[first], gap, low


def link_matrix(rows: np.ndarray, cols: np.ndarray, w: np.ndarray, n: int) -> csr_matrix:
    """Return the upper-triangular weight matrix, keeping the shortest of parallel links."""
    a, b = np.minimum(rows, cols), np.maximum(rows, cols)
    keep = a != b
    a, b, w = a[keep], b[keep], np.maximum(w[keep], MIN_WEIGHT)
    order = np.lexsort((w, b, a))
    a, b, w = a[order], b[order], w[order]
    first = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])]
    return csr_matrix((w[first], (a[first], b[first])), shape=(n, n))


def node_ids(ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge points ``(n, 2)`` equal after rounding to ``NODE_DECIMALS``.

    Returns the node coordinates in lexicographic (x, then y) order, as
    ``numpy.unique(..., axis=0)`` gives them, and each point's node; sorting complex numbers
    gives the same order about ten times faster.
    """
    r = np.round(ends, NODE_DECIMALS)
    key, inverse = np.unique(r[:, 0] + 1j * r[:, 1], return_inverse=True)
    return np.stack([key.real, key.imag], axis=1), inverse.ravel()
