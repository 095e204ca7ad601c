"""A prepared spatial index of oriented street pieces: nearest piece, foot point, side.

Every straight piece (two consecutive vertices) of every street segment is indexed, so the foot
point, the distance along the street and the side of a door come from a closed-form projection
in numpy rather than from per-geometry linear referencing. :mod:`parakou_geo.numbering` turns
these measures into numbers.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import shapely

from parakou_geo._crs import require_metric
from parakou_geo._lines import curve_order
from parakou_geo.streets import SPUR_MAX_M, spur_segments

__all__ = ["StreetIndex"]

#: Half the side of the square first searched around each point (metres): most doors face a
#: street closer than this, and the pieces near them are found by their boxes alone.
_NEAR_M = 30.0
#: Half the side of the second square, for the doors with no piece in the first (metres).
_WIDE_M = 120.0
#: Distances this close (metres) to each other, or to a search radius, are left to GEOS: its
#: rounding and numpy's may differ in the last digits (ties, pieces at the edge of a reach).
_GEOS_M = 1e-9


class StreetIndex:
    """A prepared spatial index of oriented street segments, built once and reused.

    The index holds every straight piece (two consecutive vertices) of every segment, so the
    foot point, the distance along the street and the side of a door come from a closed-form
    projection in numpy rather than from per-geometry linear referencing.

    Parameters
    ----------
    segments : geopandas.GeoDataFrame
        Oriented segments in a metric CRS with ``street`` and ``offset_m`` columns, as in
        :attr:`parakou_geo.streets.StreetNetwork.segments`.
    """

    def __init__(self, segments: gpd.GeoDataFrame) -> None:
        require_metric(segments, "segments")
        self.crs = segments.crs
        self.geoms = np.asarray(segments.geometry.array)
        coords, owner = shapely.get_coordinates(self.geoms, return_index=True)
        start = np.flatnonzero(owner[1:] == owner[:-1])
        a, b = coords[start], coords[start + 1]
        length = np.hypot(b[:, 0] - a[:, 0], b[:, 1] - a[:, 1])
        # distance along its segment at each piece's start
        first = np.r_[True, owner[start][1:] != owner[start][:-1]]
        run = np.cumsum(length)
        base = np.where(first, run - length, 0.0)
        base = np.maximum.accumulate(np.where(first, base, -np.inf))
        along0 = run - length - base
        keep = length > 0
        self.ax, self.ay = a[keep, 0], a[keep, 1]
        self.bx, self.by = b[keep, 0], b[keep, 1]
        self.dx, self.dy = (b - a)[keep, 0], (b - a)[keep, 1]
        self.length = length[keep]
        seg = owner[start][keep]
        self.street = segments["street"].to_numpy()[seg]
        #: access rank of each piece's road (see :mod:`parakou_geo.access`; 1 when unknown)
        self.rank = (segments["access_rank"].to_numpy(dtype=np.int64)[seg]
                     if "access_rank" in segments.columns
                     else np.ones(len(seg), dtype=np.int64))
        self.along0 = segments["offset_m"].to_numpy(dtype=float)[seg] + along0[keep]
        self.pieces = shapely.linestrings(
            np.stack([a[keep], b[keep]], axis=1))
        self.tree = shapely.STRtree(self.pieces)
        #: pieces of short side branches (:func:`parakou_geo.streets.spur_segments`)
        self.spur = spur_segments(segments)[seg]


    def nearest(
        self,
        points: np.ndarray,
        *,
        max_distance_m: float,
        threads: int | None = None,
        xy: np.ndarray | None = None,
        subset: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Find the nearest straight street piece of each point within ``max_distance_m``.

        Points are sorted along a space-filling curve for cache locality and split across
        threads (shapely releases the GIL).

        Parameters
        ----------
        points : numpy.ndarray of shapely.Point
            Door points, same metric CRS.
        max_distance_m : float
            Search radius in metres.
        threads : int, optional
            Worker threads; default: the number of CPUs (at most 8).
        xy : numpy.ndarray, optional
            The points' ``(n, 2)`` coordinates, when already at hand.
        subset : numpy.ndarray of int, optional
            Search only these pieces (rows of the index); the piece indices returned are
            still rows of the whole index.

        Returns
        -------
        point_index, piece_index, distance_m : numpy.ndarray
            One row per point that has a street in reach, sorted by point.
        """
        n = len(points)
        if n == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        coords = shapely.get_coordinates(points) if xy is None else np.asarray(xy)
        order = curve_order(coords)
        near = min(max_distance_m, _NEAR_M)
        workers = threads or min(8, os.cpu_count() or 1)
        chunks = np.array_split(order, max(1, min(4 * workers, n // 20_000 + 1)))
        tree = self.tree if subset is None else shapely.STRtree(self.pieces[subset])
        rows = None if subset is None else np.asarray(subset)

        def search(chunk: np.ndarray, near: float, last: bool
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            # the pieces whose boxes meet a square of side 2 × near around each point: when
            # the closest of them is within near, it is the nearest piece. Returns the points
            # settled (with no street when ``last`` and none is within near), and the point
            # and piece of each one found. Two pieces equally close are left to GEOS.
            x, y = coords[chunk, 0], coords[chunk, 1]
            qi, sj = tree.query(shapely.box(x - near, y - near, x + near, y + near))
            settled = np.full(len(chunk), last)
            if not len(qi):
                return settled, qi, sj
            opens = np.r_[True, qi[1:] != qi[:-1]]  # pairs come by point
            group, start = np.cumsum(opens) - 1, np.flatnonzero(opens)
            d = self.distance(coords[chunk[qi]], sj if rows is None else rows[sj])
            low = np.minimum.reduceat(d, start)[group]
            tie = np.bincount(group, weights=d - low <= _GEOS_M) > 1
            at_min = np.flatnonzero(d == low)
            best = at_min[np.r_[True, group[at_min][1:] != group[at_min][:-1]]]
            within = d[best] <= near
            settled[qi[best[within]]] = True
            settled[qi[best[within & tie]]] = False
            keep = best[within & ~tie]
            return settled, qi[keep], sj[keep]

        def query(chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            settled, pi, si = search(chunk, near, near >= max_distance_m)
            wide = min(max_distance_m, _WIDE_M)
            rest = np.flatnonzero(~settled)
            if len(rest) and wide > near:  # doors farther from their street: a wider square
                more, mi, mj = search(chunk[rest], wide, wide >= max_distance_m)
                settled[rest[more]] = True
                pi, si = np.concatenate([pi, rest[mi]]), np.concatenate([si, mj])
            # the distance as GEOS measures it, as its nearest search reports it
            dist = self.geos_distance(coords[chunk[pi]], si if rows is None else rows[si])
            rest = np.flatnonzero(~settled)
            if len(rest):  # ties, and doors beyond the wide square
                (ri, rj), rd = tree.query_nearest(
                    points[chunk[rest]], max_distance=max_distance_m, return_distance=True,
                    all_matches=False,
                )
                pi = np.concatenate([pi, rest[ri]])
                si = np.concatenate([si, rj])
                dist = np.concatenate([dist, rd])
            return chunk[pi], (si if rows is None else rows[si]), dist

        if len(chunks) == 1:
            results = [query(chunks[0])]
        else:
            with ThreadPoolExecutor(max_workers=min(workers, len(chunks))) as pool:
                results = list(pool.map(query, chunks))
        pi = np.concatenate([r[0] for r in results])
        si = np.concatenate([r[1] for r in results])
        dist = np.concatenate([r[2] for r in results])
        back = np.argsort(pi, kind="stable")
        return pi[back], si[back], dist[back]

    def pieces_within(self, points: np.ndarray, xy: np.ndarray, reach: np.ndarray, *,
                      tree: shapely.STRtree | None = None,
                      rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Return ``tree.query(points, predicate="dwithin", distance=reach)``, faster.

        The same pairs (point, tree row) in the same order: the pieces whose boxes meet the
        square of half-side ``reach`` around each point (GEOS's own first step), kept when
        their distance (:meth:`distance`, in numpy) is within ``reach``. Only distances within
        :data:`_GEOS_M` of ``reach`` are left to GEOS, so the rounding of neither can change
        which pieces are kept.

        Parameters
        ----------
        points : numpy.ndarray of shapely.Point
            The points (metric CRS).
        xy : numpy.ndarray
            Their ``(n, 2)`` coordinates.
        reach : numpy.ndarray
            The search radius of each point (metres).
        tree : shapely.STRtree, optional
            A tree of some of the pieces (default: all, :attr:`tree`).
        rows : numpy.ndarray of int, optional
            The rows of the index of the tree's pieces (with ``tree``).

        Returns
        -------
        point_index, tree_index : numpy.ndarray
            As ``STRtree.query`` returns them.
        """
        tree = self.tree if tree is None else tree
        x, y = xy[:, 0], xy[:, 1]
        qi, pi = tree.query(shapely.box(x - reach, y - reach, x + reach, y + reach))
        piece = pi if rows is None else rows[pi]
        d = self.distance(xy[qi], piece)
        r = reach[qi]
        keep = d <= r
        edge = np.flatnonzero(np.abs(d - r) <= _GEOS_M)
        if len(edge):
            keep[edge] = shapely.dwithin(points[qi[edge]], self.pieces[piece[edge]], r[edge])
        return qi[keep], pi[keep]

    def distance(self, xy: np.ndarray, piece: np.ndarray) -> np.ndarray:
        """Return the distance from points to pieces, to their :meth:`project` foot points."""
        _, foot_x, foot_y, _ = self.project(xy, piece)
        out: np.ndarray = np.hypot(xy[:, 0] - foot_x, xy[:, 1] - foot_y)
        return out

    def geos_distance(self, xy: np.ndarray, piece: np.ndarray) -> np.ndarray:
        """Return the distance from points to pieces as GEOS measures it, to the last bit.

        GEOS's point-to-segment distance (``Distance::pointToSegment``), term by term in the
        same order: the projection factor ``r`` picks an end (``r <= 0``, ``r >= 1``) or the
        perpendicular ``|s| × length``. Equal to ``shapely.distance`` of the point and the
        piece (where GEOS is built without fused multiply-adds, as on x86-64), without a
        geometry object per point.
        """
        px, py = xy[:, 0], xy[:, 1]
        ax, ay, dx, dy = self.ax[piece], self.ay[piece], self.dx[piece], self.dy[piece]
        ux, uy = px - ax, py - ay
        len2 = dx * dx + dy * dy
        r = ux * dx + uy * dy
        r /= len2
        # GEOS's s is ((ay - py) dx - (ax - px) dy) / len2: here negated exactly, then |s|
        out: np.ndarray = uy * dx - ux * dy
        out /= len2
        np.abs(out, out=out)
        out *= np.sqrt(len2)
        start = np.flatnonzero(r <= 0.0)
        out[start] = np.sqrt(ux[start] * ux[start] + uy[start] * uy[start])
        end = np.flatnonzero(r >= 1.0)
        vx, vy = px[end] - self.bx[piece[end]], py[end] - self.by[piece[end]]
        out[end] = np.sqrt(vx * vx + vy * vy)
        return out

    def off_spurs(self, xy: np.ndarray, piece: np.ndarray) -> np.ndarray:
        """Move points measured on a short side branch onto their street's main line.

        A stub of a few metres hanging off a street (a connector to a courtyard or across a
        pedestrian street) is part of the street, but measuring a door along it would give a
        side and a number that belong to no line of houses. Such points take the nearest piece
        of the same street that is not a branch, within their distance plus
        :data:`parakou_geo.streets.SPUR_MAX_M`.

        Parameters
        ----------
        xy : numpy.ndarray
            ``(n, 2)`` point coordinates (metres).
        piece : numpy.ndarray of int
            The piece of each point (rows of the index).

        Returns
        -------
        numpy.ndarray of int
            The pieces to measure the points on.
        """
        move = np.flatnonzero(self.spur[piece])
        main = np.flatnonzero(~self.spur)
        if len(move) == 0 or len(main) == 0:
            return piece
        pts = shapely.points(xy[move])
        reach = shapely.distance(pts, self.pieces[piece[move]]) + SPUR_MAX_M
        qi, qj = shapely.STRtree(self.pieces[main]).query(pts, predicate="dwithin",
                                                          distance=reach)
        qj = main[qj]
        same = self.street[qj] == self.street[piece[move[qi]]]
        qi, qj = qi[same], qj[same]
        dist = shapely.distance(pts[qi], self.pieces[qj])
        order = np.lexsort((qj, dist, qi))
        first = order[np.r_[True, qi[order][1:] != qi[order][:-1]]]
        out = piece.copy()
        out[move[qi[first]]] = qj[first]
        return out

    def project(
        self, xy: np.ndarray, piece: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Project points on their pieces.

        Parameters
        ----------
        xy : numpy.ndarray
            ``(n, 2)`` point coordinates (metres).
        piece : numpy.ndarray of int
            The piece of each point (from :meth:`nearest`).

        Returns
        -------
        along_m, foot_x, foot_y, cross : numpy.ndarray
            Distance along the street from its origin, the foot point, and the signed
            cross product (positive: the point is left of the direction of progression).
        """
        ax, ay = self.ax[piece], self.ay[piece]
        dx, dy = self.dx[piece], self.dy[piece]
        length = self.length[piece]
        px, py = xy[:, 0] - ax, xy[:, 1] - ay
        t = np.clip((px * dx + py * dy) / (length * length), 0.0, 1.0)
        along = self.along0[piece] + t * length
        cross = dx * py - dy * px
        return along, ax + t * dx, ay + t * dy, cross
