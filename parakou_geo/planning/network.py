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
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from parakou_geo._crs import require_metric
from parakou_geo._errors import InputError
from parakou_geo.planning._graph import Pieces, SnapIndex, link_matrix, node_ids
from parakou_geo.planning._noding import junction_cuts, split_lines

__all__ = ["RoadGraph", "SnappedPoints", "build_road_graph"]

#: The link matrix builder, under the name other planning modules import.
_link_matrix = link_matrix

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

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

    @cached_property
    def tree(self) -> shapely.STRtree:
        """R-tree of :attr:`edges` (for points far from every road and other geometries)."""
        return shapely.STRtree(self.edges)

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
            xy = shapely.get_coordinates(points if len(rows) == len(points) else points[rows])
            e, o, g, near = self._snap_xy(xy)
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
    def _snap_index(self) -> SnapIndex:
        return SnapIndex.of(Pieces.of(self.edges))

    def _snap_xy(
        self, xy: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Nearest edge of points given as coordinates (see :meth:`SnapIndex.nearest`).

        Returns the edge, offset along it and gap of the points within reach (``near``).
        """
        pc = self._snap_index.pieces
        piece, t, gap, near = self._snap_index.nearest(xy)
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
    geoms = np.asarray(roads.geometry.values, dtype=object)
    if (shapely.get_type_id(geoms) > 1).any():  # multi-part and collections
        geoms = shapely.get_parts(geoms)
    lines = geoms[(shapely.get_type_id(geoms) == 1) & ~shapely.is_empty(geoms)]
    lines = lines[shapely.length(lines) > 0]
    if len(lines) == 0:
        raise InputError(
            f"roads holds no line ({len(roads)} features, types "
            f"{sorted(set(roads.geom_type.dropna()))}); give the road centre lines"
        )
    cut_line, cut_m = junction_cuts(lines, snap_tolerance_m=snap_tolerance_m)
    pieces = split_lines(lines, cut_line, cut_m, min_piece_m=snap_tolerance_m)
    coords, owner = shapely.get_coordinates(pieces, return_index=True)
    last = np.r_[owner[1:] != owner[:-1], True]
    first = np.r_[True, last[:-1]]
    ends = np.concatenate([coords[first], coords[last]])
    node_xy, inverse = node_ids(ends)
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
    )
