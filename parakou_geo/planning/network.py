"""The road network as a graph, and distances along it from many points to many facilities.

:func:`build_road_graph` splits the road lines at junctions and makes a weighted graph (edge
weight = length in metres). :meth:`RoadGraph.nearest` gives every point's distance to the nearest
facility in **one** multi-source Dijkstra pass (``scipy.sparse.csgraph.dijkstra`` with
``min_only=True``), not one search per point or per facility.

A point reaches the network by a straight walk to the nearest point of the nearest road edge,
then along the edge to either end. Every leg is at least as long as the straight line it
replaces, so a network distance is never shorter than the straight-line distance.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from parakou_geo._crs import require_metric
from parakou_geo._errors import InputError
from parakou_geo._lines import split_at_measures

__all__ = ["RoadGraph", "SnappedPoints", "build_road_graph"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: Smallest edge weight: csgraph drops explicit zeros, so zero-length links get this (metres).
_MIN_WEIGHT = 1e-9
#: Coordinates are rounded to this (metres) to merge identical line ends into one node.
_NODE_DECIMALS = 6
#: Spacing (metres) of the sample points along the edges that bound snapping distances.
_SAMPLE_M = 10.0
#: Points farther than this (metres) from every sample point are snapped by the R-tree alone.
_NEAR_M = 60.0


@dataclass(frozen=True)
class SnappedPoints:
    """Points attached to the network: their edge, position along it and walk to it.

    Attributes
    ----------
    edge : numpy.ndarray of int
        Position of the nearest edge in :attr:`RoadGraph.edges`.
    offset_m : numpy.ndarray of float
        Distance along the edge from its first node to the snap point (metres).
    gap_m : numpy.ndarray of float
        Straight-line distance from the point to the snap point (metres).
    """

    edge: np.ndarray
    offset_m: np.ndarray
    gap_m: np.ndarray

    def __len__(self) -> int:
        return len(self.edge)


@dataclass(frozen=True)
class _Pieces:
    """The straight pieces of lines as coordinate arrays."""

    a: np.ndarray  # (m, 2) start of each piece
    b: np.ndarray  # (m, 2) end
    edge: np.ndarray  # the line each piece belongs to
    start_m: np.ndarray  # distance along its line to the piece's start (metres)
    length: np.ndarray

    @classmethod
    def of(cls, lines: np.ndarray) -> _Pieces:
        """Split ``lines`` (LineStrings) into their straight pieces, in line order."""
        coords, owner = shapely.get_coordinates(lines, return_index=True)
        start = np.flatnonzero(owner[1:] == owner[:-1])
        a, b, edge = coords[start], coords[start + 1], owner[start]
        length = np.hypot(*(b - a).T)
        first = np.r_[True, edge[1:] != edge[:-1]]
        start_m = np.cumsum(length) - length
        start_m -= start_m[first][np.cumsum(first) - 1]  # restart at each line
        return cls(a, b, edge.astype(np.int64), start_m, length)

    def boxes(self, pad: float = 0.0) -> np.ndarray:
        """Bounding boxes of the pieces, grown by ``pad`` metres."""
        lo, hi = np.minimum(self.a, self.b) - pad, np.maximum(self.a, self.b) + pad
        return np.asarray(shapely.box(lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1]))


def _cells(c0: np.ndarray, c1: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every cell ``(cx, cy)`` of every cell range ``c0..c1`` (inclusive), with its range."""
    w, h = c1[:, 0] - c0[:, 0] + 1, c1[:, 1] - c0[:, 1] + 1
    count = w * h
    which = np.repeat(np.arange(len(c0)), count)
    k = np.arange(len(which)) - np.repeat(np.cumsum(count) - count, count)
    return which, c0[which, 0] + k % w[which], c0[which, 1] + k // w[which]


@dataclass(frozen=True)
class _BoxGrid:
    """Bounding boxes registered in the square cells of a grid (a bucket index in numpy)."""

    origin: np.ndarray
    cell: float
    shape: tuple[int, int]
    start: np.ndarray  # offsets into ``item`` of each cell (row-major), plus the end
    item: np.ndarray  # box positions, by cell

    @classmethod
    def of(cls, lo: np.ndarray, hi: np.ndarray, cell: float) -> _BoxGrid:
        """Register boxes ``lo``-``hi`` (arrays ``(n, 2)``) in cells of ``cell`` metres."""
        origin = lo.min(axis=0)
        span = hi.max(axis=0) - origin
        cell = max(cell, float(np.sqrt(span[0] * span[1] / 4e6)))  # at most ~4 million cells
        nx, ny = (span // cell).astype(np.int64) + 1
        which, cx, cy = _cells(((lo - origin) // cell).astype(np.int64),
                               ((hi - origin) // cell).astype(np.int64))
        key = cy * nx + cx
        order = np.argsort(key, kind="stable")
        start = np.searchsorted(key[order], np.arange(nx * ny + 1))
        return cls(origin, cell, (int(nx), int(ny)), start, which[order])

    def query(self, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (query box, registered box) sharing a cell, grouped by query box in order.

        Every registered box that intersects a query box is in a pair with it (some pairs
        more than once, and some whose boxes only share a cell).
        """
        top = np.array(self.shape) - 1
        c0 = np.clip((lo - self.origin) // self.cell, 0, top).astype(np.int64)
        c1 = np.clip((hi - self.origin) // self.cell, 0, top).astype(np.int64)
        which, cx, cy = _cells(c0, c1)
        key = cy * self.shape[0] + cx
        first, count = self.start[key], self.start[key + 1] - self.start[key]
        pair_q = np.repeat(which, count)
        pos = np.arange(len(pair_q)) - np.repeat(np.cumsum(count) - count - first, count)
        return pair_q, self.item[pos]


@dataclass(frozen=True)
class _SnapIndex:
    """Sample points along every piece in a k-d tree, and the pieces' boxes in a grid."""

    pieces: _Pieces
    tree: cKDTree
    grid: _BoxGrid

    @classmethod
    def of(cls, pieces: _Pieces, sample_m: float = _SAMPLE_M) -> _SnapIndex:
        """Sample ``pieces`` (both ends and every ``sample_m`` metres at most)."""
        n = np.maximum(1, np.ceil(pieces.length / sample_m)).astype(np.int64)
        piece = np.repeat(np.arange(len(n)), n + 1)
        step = np.arange(len(piece)) - np.repeat(np.cumsum(n + 1) - (n + 1), n + 1)
        t = step / n[piece]
        xy = pieces.a[piece] + t[:, None] * (pieces.b[piece] - pieces.a[piece])
        grid = _BoxGrid.of(np.minimum(pieces.a, pieces.b), np.maximum(pieces.a, pieces.b),
                           cell=2 * sample_m)
        return cls(pieces, cKDTree(xy), grid)


@dataclass(frozen=True)
class RoadGraph:
    """A road network prepared for shortest paths (build it with :func:`build_road_graph`).

    Attributes
    ----------
    edges : numpy.ndarray of shapely.LineString
        Road pieces between junctions, metric CRS.
    u, v : numpy.ndarray of int
        First and last node of each edge.
    length_m : numpy.ndarray of float
        Length of each edge (metres).
    node_xy : numpy.ndarray
        Node coordinates, shape ``(n_nodes, 2)``.
    link_a, link_b, link_m : numpy.ndarray
        Every graph link (edges and the short connectors between road ends closer than the snap
        tolerance) with its weight in metres.
    crs : Any
        The CRS of the coordinates.
    """

    edges: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length_m: np.ndarray
    node_xy: np.ndarray
    link_a: np.ndarray
    link_b: np.ndarray
    link_m: np.ndarray
    crs: Any
    tree: shapely.STRtree

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_xy)

    def snap(self, points: np.ndarray) -> SnappedPoints:
        """Attach points to their nearest edge.

        Parameters
        ----------
        points : numpy.ndarray of shapely.Point
            Points in the graph's metric CRS.

        Returns
        -------
        SnappedPoints
            Edge, offset along it and straight gap (metres) of each point, in input order.
        """
        points = np.asarray(points, dtype=object)
        if len(points) == 0:
            empty = np.zeros(0)
            return SnappedPoints(np.zeros(0, dtype=np.int64), empty, empty)
        edge = np.full(len(points), -1, dtype=np.int64)
        offset = np.zeros(len(points))
        gap = np.zeros(len(points))
        simple = (shapely.get_type_id(points) == 0) & ~shapely.is_empty(points)
        if simple.any():
            rows = np.flatnonzero(simple)
            e, o, g, near = self._snap_xy(shapely.get_coordinates(points[simple]))
            edge[rows[near]], offset[rows[near]], gap[rows[near]] = e, o, g
            simple[rows[~near]] = False
        rest = np.flatnonzero(~simple)
        if len(rest):  # other geometries (e.g. polygons), and points far from every road
            idx, dist = self.tree.query_nearest(points[rest], return_distance=True,
                                                all_matches=False)
            order = np.argsort(idx[0], kind="stable")
            e = idx[1][order].astype(np.int64)
            edge[rest], gap[rest] = e, dist[order]
            offset[rest] = np.clip(shapely.line_locate_point(self.edges[e], points[rest]),
                                   0.0, self.length_m[e])
        return SnappedPoints(edge, offset, gap)

    @cached_property
    def _snap_index(self) -> _SnapIndex:
        return _SnapIndex.of(_Pieces.of(self.edges))

    def _snap_xy(
        self, xy: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Nearest edge of points given as coordinates, with numpy and two spatial indexes.

        The nearest sample point along the edges (a k-d tree) bounds each point's distance to
        the network from above; every straight piece whose bounding box lies within that bound
        is a candidate (one bounding-box query), and exact point-to-piece distances decide.
        Ties go to the lowest edge, then the earliest piece along it. Points farther than
        ``_NEAR_M`` from every sample are left out (``near`` False): they would have too many
        candidates.
        """
        index = self._snap_index
        pc = index.pieces
        bound, _ = index.tree.query(xy, k=1, distance_upper_bound=_NEAR_M)
        near = np.isfinite(bound)
        if not near.any():
            return np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0), near
        xy, bound = xy[near], bound[near]
        r = (bound * (1 + 1e-9) + 1e-9)[:, None]
        p, q = index.grid.query(xy - r, xy + r)  # grouped by point, every point present
        a, d = pc.a[q], pc.b[q] - pc.a[q]
        len2 = np.einsum("nc,nc->n", d, d)
        t = np.clip(np.einsum("nc,nc->n", xy[p] - a, d) / np.where(len2 > 0, len2, 1.0), 0, 1)
        dist = np.hypot(*(xy[p] - a - t[:, None] * d).T)
        first = np.flatnonzero(np.r_[True, p[1:] != p[:-1]])
        count = np.diff(np.r_[first, len(p)])
        gap = np.minimum.reduceat(dist, first)
        piece = np.minimum.reduceat(np.where(dist == np.repeat(gap, count), q, len(pc.a)), first)
        # the position along the chosen piece
        a, d = pc.a[piece], pc.b[piece] - pc.a[piece]
        len2 = np.einsum("nc,nc->n", d, d)
        t = np.clip(np.einsum("nc,nc->n", xy - a, d) / np.where(len2 > 0, len2, 1.0), 0, 1)
        edge = pc.edge[piece]
        offset = np.clip(pc.start_m[piece] + t * pc.length[piece], 0.0, self.length_m[edge])
        return edge, offset, gap, near

    def nearest(
        self,
        points: np.ndarray | SnappedPoints,
        facilities: np.ndarray | SnappedPoints,
        *,
        facility_ids: np.ndarray | None = None,
        max_distance_m: float | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Distance along the network from every point to its nearest facility, in one pass.

        Parameters
        ----------
        points : numpy.ndarray of shapely.Point or SnappedPoints
            Origins (buildings' door points), metric CRS; snap them once with :meth:`snap` to
            reuse them.
        facilities : numpy.ndarray of shapely.Point or SnappedPoints
            Facility access points, metric CRS.
        facility_ids : numpy.ndarray of int, optional
            The facility each access point belongs to (several access points may share one,
            e.g. the entrances of a park). Default: one facility per access point.
        max_distance_m : float, optional
            Stop searching beyond this distance (metres); farther points get ``inf``.

        Returns
        -------
        distance_m : numpy.ndarray of float
            Network distance (metres); ``inf`` when no facility is reachable.
        facility : numpy.ndarray of int
            The nearest facility (its id, or access point position), ``-1`` when unreachable.
        """
        pts = points if isinstance(points, SnappedPoints) else self.snap(points)
        fac = facilities if isinstance(facilities, SnappedPoints) else self.snap(facilities)
        ids = np.arange(len(fac)) if facility_ids is None else np.asarray(facility_ids)
        n = self.n_nodes
        if len(fac) == 0 or len(pts) == 0:
            return np.full(len(pts), np.inf), np.full(len(pts), -1, dtype=np.int64)
        node_dist, node_src = self.node_distances(fac, max_distance_m=max_distance_m)
        e = pts.edge
        via_u = pts.offset_m + node_dist[self.u[e]]
        via_v = (self.length_m[e] - pts.offset_m) + node_dist[self.v[e]]
        use_v = via_v < via_u
        dist = pts.gap_m + np.where(use_v, via_v, via_u)
        src = np.where(use_v, node_src[self.v[e]], node_src[self.u[e]])
        # a facility on the point's own edge: walk along the edge directly
        same = pd.DataFrame({"p": np.arange(len(pts)), "edge": e}).merge(
            pd.DataFrame({"f": np.arange(len(fac)), "edge": fac.edge}), on="edge"
        )
        if len(same):
            p, f = same["p"].to_numpy(), same["f"].to_numpy()
            direct = pts.gap_m[p] + np.abs(pts.offset_m[p] - fac.offset_m[f]) + fac.gap_m[f]
            order = np.lexsort((f, direct, p))
            p, f, direct = p[order], f[order], direct[order]
            first = np.r_[True, p[1:] != p[:-1]]
            p, f, direct = p[first], f[first], direct[first]
            better = direct < dist[p]
            dist[p[better]] = direct[better]
            src[p[better]] = f[better] + n
        if max_distance_m is not None:
            dist[dist > max_distance_m] = np.inf
        reachable = np.isfinite(dist)
        facility = np.full(len(pts), -1, dtype=np.int64)
        facility[reachable] = ids[src[reachable] - n]
        return dist, facility

    def node_distances(
        self, facilities: SnappedPoints, *, max_distance_m: float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Run the multi-source Dijkstra pass from facilities attached to the network.

        Parameters
        ----------
        facilities : SnappedPoints
            Facilities snapped with :meth:`snap`.
        max_distance_m : float, optional
            Search limit (metres).

        Returns
        -------
        distance_m : numpy.ndarray
            For every graph node then every facility node: distance to the nearest facility.
        source : numpy.ndarray of int
            The nearest facility's node (``n_nodes + facility position``), negative when none.
        """
        n = self.n_nodes
        k = len(facilities)
        fnode = n + np.arange(k)
        e = facilities.edge
        rows = np.concatenate([self.link_a, fnode, fnode])
        cols = np.concatenate([self.link_b, self.u[e], self.v[e]])
        w = np.concatenate([
            self.link_m,
            facilities.gap_m + facilities.offset_m,
            facilities.gap_m + self.length_m[e] - facilities.offset_m,
        ])
        matrix = _link_matrix(rows, cols, w, n + k)
        dist, _pred, src = dijkstra(
            matrix,
            directed=False,
            indices=fnode,
            min_only=True,
            return_predecessors=True,
            limit=np.inf if max_distance_m is None else float(max_distance_m),
        )
        return dist, src


def _link_matrix(rows: np.ndarray, cols: np.ndarray, w: np.ndarray, n: int) -> csr_matrix:
    """Return the upper-triangular weight matrix, keeping the shortest of parallel links."""
    a, b = np.minimum(rows, cols), np.maximum(rows, cols)
    keep = a != b
    a, b, w = a[keep], b[keep], np.maximum(w[keep], _MIN_WEIGHT)
    order = np.lexsort((w, b, a))
    a, b, w = a[order], b[order], w[order]
    first = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])]
    return csr_matrix((w[first], (a[first], b[first])), shape=(n, n))


def _junction_cuts(lines: np.ndarray, *, snap_tolerance_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Where each line meets another one: line position and distance along it (metres).

    The same cuts as :func:`parakou_geo._lines.junction_cuts` (crossings, shared points,
    overlaps and line ends within ``snap_tolerance_m`` of another line), found on the lines'
    straight pieces with numpy: the spatial index only pairs bounding boxes, and the
    intersections and distances are computed on coordinate arrays.
    """
    pc = _Pieces.of(lines)
    boxes = pc.boxes()
    tree = shapely.STRtree(boxes)
    i, j = tree.query(boxes)
    keep = pc.edge[i] < pc.edge[j]
    i, j = i[keep], j[keep]
    cut_line: list[np.ndarray] = []
    cut_m: list[np.ndarray] = []

    # crossings and touches of two pieces: A + t r = C + u s
    a, r, c, sv = pc.a[i], pc.b[i] - pc.a[i], pc.a[j], pc.b[j] - pc.a[j]
    denom = r[:, 0] * sv[:, 1] - r[:, 1] * sv[:, 0]
    ca = c - a
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (ca[:, 0] * sv[:, 1] - ca[:, 1] * sv[:, 0]) / denom
        u = (ca[:, 0] * r[:, 1] - ca[:, 1] * r[:, 0]) / denom
    hit = (denom != 0) & (t >= 0) & (t <= 1) & (u >= 0) & (u <= 1)
    if hit.any():
        ih, jh, th = i[hit], j[hit], t[hit]
        xy = pc.a[ih] + th[:, None] * (pc.b[ih] - pc.a[ih])
        cut_line += [pc.edge[ih], pc.edge[jh]]
        cut_m += [pc.start_m[ih] + np.hypot(*(xy - pc.a[ih]).T),
                  pc.start_m[jh] + np.hypot(*(xy - pc.a[jh]).T)]
    # collinear pieces: the ends of their overlap (a point when they touch end to end)
    line = (denom == 0) & (ca[:, 0] * r[:, 1] - ca[:, 1] * r[:, 0] == 0)
    line &= (pc.length[i] > 0) & (pc.length[j] > 0)
    if line.any():
        il, jl = i[line], j[line]
        for on, other in ((il, jl), (jl, il)):  # ends of one piece lying on the other
            for end in (pc.a[on], pc.b[on]):
                d = pc.b[other] - pc.a[other]
                t = np.einsum("nc,nc->n", end - pc.a[other], d) / pc.length[other] ** 2
                inside = (t >= 0) & (t <= 1)
                xy = end[inside]
                for side in (on[inside], other[inside]):
                    cut_line.append(pc.edge[side])
                    cut_m.append(pc.start_m[side] + np.hypot(*(xy - pc.a[side]).T))

    # line ends near another line: cut it at the nearest point (first piece on ties)
    last = np.r_[pc.edge[1:] != pc.edge[:-1], True]
    first = np.r_[True, last[:-1]]
    ends = np.concatenate([pc.a[first], pc.b[last]])
    end_line = np.concatenate([pc.edge[first], pc.edge[last]])
    tol = snap_tolerance_m
    e, q = tree.query(shapely.box(ends[:, 0] - tol, ends[:, 1] - tol, ends[:, 0] + tol,
                                  ends[:, 1] + tol))
    keep = end_line[e] != pc.edge[q]
    e, q = e[keep], q[keep]
    d = pc.b[q] - pc.a[q]
    len2 = np.einsum("nc,nc->n", d, d)
    tq = np.clip(np.einsum("nc,nc->n", ends[e] - pc.a[q], d) / np.where(len2 > 0, len2, 1.0),
                 0.0, 1.0)
    gap = np.hypot(*(ends[e] - pc.a[q] - tq[:, None] * d).T)
    near = gap <= tol
    e, q, tq, gap = e[near], q[near], tq[near], gap[near]
    if len(e):
        order = np.lexsort((q, gap, pc.edge[q], e))
        e, q, tq = e[order], q[order], tq[order]
        best = np.r_[True, (e[1:] != e[:-1]) | (pc.edge[q][1:] != pc.edge[q][:-1])]
        e, q, tq = e[best], q[best], tq[best]
        cut_line.append(pc.edge[q])
        cut_m.append(pc.start_m[q] + tq * pc.length[q])
    if not cut_line:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(cut_line).astype(np.int64), np.concatenate(cut_m)


def build_road_graph(roads: gpd.GeoDataFrame, *, snap_tolerance_m: float = 0.5) -> RoadGraph:
    """Build the routable graph of a road layer.

    Parameters
    ----------
    roads : geopandas.GeoDataFrame
        Road lines (LineString or MultiLineString) in a projected CRS in metres, e.g.
        EPSG:32631.
    snap_tolerance_m : float
        Road ends closer than this (metres) to another road are connected to it.

    Returns
    -------
    RoadGraph
        Edges split at every junction and crossing, with nodes and weights in metres.

    Raises
    ------
    CRSError
        When ``roads`` has no CRS or a geographic one.
    InputError
        When ``roads`` holds no line.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> roads = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (100, 0)]),
    ...                                    shapely.LineString([(50, 0), (50, 80)])],
    ...                          crs="EPSG:32631")
    >>> g = build_road_graph(roads)
    >>> len(g.edges), g.n_nodes
    (3, 4)
    """
    require_metric(roads, "roads")
    geoms = shapely.get_parts(np.asarray(roads.geometry.values, dtype=object))
    lines = geoms[(shapely.get_type_id(geoms) == 1) & ~shapely.is_empty(geoms)]
    lines = lines[shapely.length(lines) > 0]
    if len(lines) == 0:
        raise InputError(
            f"roads holds no line ({len(roads)} features, types "
            f"{sorted(set(roads.geom_type.dropna()))}); give the road centre lines"
        )
    cut_line, cut_m = _junction_cuts(lines, snap_tolerance_m=snap_tolerance_m)
    pieces, _parent = split_at_measures(lines, cut_line, cut_m, min_piece_m=snap_tolerance_m)
    coords, owner = shapely.get_coordinates(pieces, return_index=True)
    last = np.r_[owner[1:] != owner[:-1], True]
    first = np.r_[True, last[:-1]]
    ends = np.concatenate([coords[first], coords[last]])
    node_xy, inverse = np.unique(np.round(ends, _NODE_DECIMALS), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    m = len(pieces)
    u, v = inverse[:m], inverse[m:]
    length = shapely.length(pieces)
    pairs = cKDTree(node_xy).query_pairs(r=snap_tolerance_m, output_type="ndarray")
    gap = np.hypot(*(node_xy[pairs[:, 0]] - node_xy[pairs[:, 1]]).T) if len(pairs) else np.zeros(0)
    link_a = np.concatenate([u, pairs[:, 0]]).astype(np.int64)
    link_b = np.concatenate([v, pairs[:, 1]]).astype(np.int64)
    link_m = np.concatenate([length, gap])
    logger.info("road graph: %d lines → %d edges, %d nodes", len(lines), m, len(node_xy))
    return RoadGraph(
        edges=pieces,
        u=u.astype(np.int64),
        v=v.astype(np.int64),
        length_m=length,
        node_xy=node_xy,
        link_a=link_a,
        link_b=link_b,
        link_m=link_m,
        crs=roads.crs,
        tree=shapely.STRtree(pieces),
    )
