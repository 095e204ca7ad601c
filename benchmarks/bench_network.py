"""Benchmark: network distance from 100,000 buildings to 50 facilities, one pass vs per facility.

A synthetic 101 × 101 street grid (50 m blocks, 20,200 segments) in EPSG:32631, 100,000 random
building points and 50 random facilities (seeded). The same prepared graph and snapped points
are used by both methods, in the same run:

* **one pass**: :meth:`parakou_geo.planning.RoadGraph.nearest` — a single multi-source
  ``scipy.sparse.csgraph.dijkstra(..., indices=facility_nodes, min_only=True)``;
* **per facility**: one single-source ``dijkstra`` per facility, each followed by the
  buildings' distances to that facility, keeping the minimum.

Results must agree; prints timings and the speed-up. Run by hand::

    .venv/bin/python benchmarks/bench_network.py [--buildings 100000] [--facilities 50]
"""

from __future__ import annotations

import argparse
import os
import time

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra

from parakou_geo._crs import require_metric
from parakou_geo._lines import junction_cuts, split_at_measures
from parakou_geo.planning.network import RoadGraph, SnappedPoints, _link_matrix, build_road_graph

X0, Y0 = 455000.0, 1028000.0


def grid_roads(n: int, block_m: float) -> gpd.GeoDataFrame:
    idx = np.arange(n)
    h = [((X0 + i * block_m, Y0 + j * block_m), (X0 + (i + 1) * block_m, Y0 + j * block_m))
         for j in idx for i in idx[:-1]]
    v = [((X0 + i * block_m, Y0 + j * block_m), (X0 + i * block_m, Y0 + (j + 1) * block_m))
         for i in idx for j in idx[:-1]]
    return gpd.GeoDataFrame(geometry=shapely.linestrings(h + v), crs=32631)


# --------------------------------------------------------------------------------------------
# the reference: graph building and snapping as they were before the numpy rewrite
# --------------------------------------------------------------------------------------------


def reference_build_road_graph(roads: gpd.GeoDataFrame, *,
                               snap_tolerance_m: float = 0.5) -> RoadGraph:
    """Build the graph as before: GEOS intersections of line pairs, then the same steps."""
    from scipy.spatial import cKDTree

    require_metric(roads, "roads")
    geoms = shapely.get_parts(np.asarray(roads.geometry.values, dtype=object))
    lines = geoms[(shapely.get_type_id(geoms) == 1) & ~shapely.is_empty(geoms)]
    lines = lines[shapely.length(lines) > 0]
    cut_line, cut_m = junction_cuts(lines, snap_tolerance_m=snap_tolerance_m)
    pieces, _ = split_at_measures(lines, cut_line, cut_m, min_piece_m=snap_tolerance_m)
    ends = np.concatenate([shapely.get_coordinates(shapely.get_point(pieces, 0)),
                           shapely.get_coordinates(shapely.get_point(pieces, -1))])
    node_xy, inverse = np.unique(np.round(ends, 6), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    m = len(pieces)
    u, v = inverse[:m], inverse[m:]
    length = shapely.length(pieces)
    pairs = cKDTree(node_xy).query_pairs(r=snap_tolerance_m, output_type="ndarray")
    gap = np.hypot(*(node_xy[pairs[:, 0]] - node_xy[pairs[:, 1]]).T) if len(pairs) \
        else np.zeros(0)
    return RoadGraph(
        edges=pieces, u=u.astype(np.int64), v=v.astype(np.int64), length_m=length,
        node_xy=node_xy, link_a=np.concatenate([u, pairs[:, 0]]).astype(np.int64),
        link_b=np.concatenate([v, pairs[:, 1]]).astype(np.int64),
        link_m=np.concatenate([length, gap]), crs=roads.crs,
    )


def reference_snap(g: RoadGraph, points: np.ndarray) -> SnappedPoints:
    """Snap as before: one STRtree nearest query, then ``line_locate_point``."""
    idx, gap = g.tree.query_nearest(points, return_distance=True, all_matches=False)
    order = np.argsort(idx[0], kind="stable")
    edge = idx[1][order].astype(np.int64)
    offset = shapely.line_locate_point(g.edges[edge], points)
    return SnappedPoints(edge, np.clip(offset, 0.0, g.length_m[edge]), gap[order])


def per_facility(g: RoadGraph, pts: SnappedPoints, fac: SnappedPoints) -> np.ndarray:
    """Baseline: a separate shortest-path search from each facility."""
    n, k = g.n_nodes, len(fac)
    e = fac.edge
    fnode = n + np.arange(k)
    matrix = _link_matrix(
        np.concatenate([g.link_a, fnode, fnode]),
        np.concatenate([g.link_b, g.u[e], g.v[e]]),
        np.concatenate([g.link_m, fac.gap_m + fac.offset_m,
                        fac.gap_m + g.length_m[e] - fac.offset_m]),
        n + k,
    )
    best = np.full(len(pts), np.inf)
    pe = pts.edge
    for j in range(k):
        d = dijkstra(matrix, directed=False, indices=fnode[j])
        via = np.minimum(pts.offset_m + d[g.u[pe]], g.length_m[pe] - pts.offset_m + d[g.v[pe]])
        dist = pts.gap_m + via
        same = pe == e[j]
        dist[same] = np.minimum(
            dist[same], pts.gap_m[same] + np.abs(pts.offset_m[same] - fac.offset_m[j])
            + fac.gap_m[j])
        np.minimum(best, dist, out=best)
    return best


def end_to_end(roads: gpd.GeoDataFrame, b_xy: np.ndarray, f_xy: np.ndarray,
               build: object, snap: object) -> tuple[dict[str, float], np.ndarray]:
    """Graph, snapping and the one pass with the given builder and snapper; times and result."""
    times = {}
    t = time.perf_counter()
    g = build(roads)  # type: ignore[operator]
    times["graph"] = time.perf_counter() - t
    t = time.perf_counter()
    pts = snap(g, shapely.points(b_xy))  # type: ignore[operator]
    fac = snap(g, shapely.points(f_xy))  # type: ignore[operator]
    times["snap"] = time.perf_counter() - t
    t = time.perf_counter()
    dist, _ = g.nearest(pts, fac)
    times["pass"] = time.perf_counter() - t
    times["total"] = sum(times.values())
    return times, dist


def jittered_roads(n_segments: int, seed: int) -> gpd.GeoDataFrame:
    """Return the jittered city of ``bench_numbering.py`` (bent 3-vertex segments)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_numbering import make_roads

    return make_roads(n_segments, np.random.default_rng(seed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buildings", type=int, default=100_000)
    parser.add_argument("--facilities", type=int, default=50)
    parser.add_argument("--grid", type=int, default=101, help="nodes per side")
    parser.add_argument("--roads", choices=["grid", "jittered"], default="grid",
                        help="the square grid, or the jittered city of bench_numbering "
                             "(20,000 segments)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    block = 50.0
    if args.roads == "grid":
        roads = grid_roads(args.grid, block)
    else:
        roads = jittered_roads(20_000, args.seed)
    x0, y0, x1, y1 = roads.total_bounds
    b_xy = rng.uniform((x0, y0), (x1, y1), (args.buildings, 2))
    f_xy = rng.uniform((x0, y0), (x1, y1), (args.facilities, 2))
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())} "
          f"({os.cpu_count()} cores)")

    # 1. end to end (graph + snapping + one pass): this code vs the former one, interleaved
    runs: dict[str, list[dict[str, float]]] = {"new": [], "reference": []}
    max_diff = 0.0
    for r in range(args.repeat):
        order = ("new", "reference") if r % 2 == 0 else ("reference", "new")
        out = {}
        for name in order:
            if name == "new":
                times, dist = end_to_end(roads, b_xy, f_xy, build_road_graph,
                                         lambda g, p: g.snap(p))
            else:
                times, dist = end_to_end(roads, b_xy, f_xy, reference_build_road_graph,
                                         reference_snap)
            runs[name].append(times)
            out[name] = dist
        finite = np.isfinite(out["new"]) | np.isfinite(out["reference"])
        assert (np.isfinite(out["new"]) == np.isfinite(out["reference"])).all()
        max_diff = max(max_diff, float(np.max(np.abs(out["new"][finite]
                                                     - out["reference"][finite]))))
    g = build_road_graph(roads)
    print(f"network: {len(roads):,} road segments → {len(g.edges):,} edges, {g.n_nodes:,} "
          f"nodes; {args.buildings:,} buildings, {args.facilities} facilities")
    print("end to end (graph + snapping + one pass), best of "
          f"{args.repeat} interleaved rounds:")
    for name in ("reference", "new"):
        best = {k: min(t[k] for t in runs[name]) for k in runs[name][0]}
        print(f"  {name:9s} graph {best['graph']:.3f} s, snap {best['snap']:.3f} s, pass "
              f"{best['pass']:.3f} s, total {best['total']:.3f} s")
    t_new = min(t["total"] for t in runs["new"])
    t_ref = min(t["total"] for t in runs["reference"])
    print(f"  speed-up {t_ref / t_new:.1f}x (target >= 4x); largest distance difference "
          f"{max_diff:.2e} m (target <= 1e-6 m)")

    # 2. the shortest-path step: one multi-source pass vs one search per facility
    pts = g.snap(shapely.points(b_xy))
    fac = g.snap(shapely.points(f_xy))
    one, per = [], []
    for _ in range(args.repeat):
        t = time.perf_counter()
        d_one, _f = g.nearest(pts, fac)
        one.append(time.perf_counter() - t)
        t = time.perf_counter()
        d_per = per_facility(g, pts, fac)
        per.append(time.perf_counter() - t)
        np.testing.assert_allclose(d_one, d_per, rtol=0, atol=1e-6)
    straight = np.min(np.hypot(b_xy[:, None, 0] - f_xy[None, :, 0],
                               b_xy[:, None, 1] - f_xy[None, :, 1]), axis=1)
    assert (d_one >= straight - 1e-6).all(), "a network distance is shorter than the straight line"
    t1, t2 = min(one), min(per)
    print(f"one multi-source pass: {t1 * 1000:.1f} ms (best of {args.repeat})")
    print(f"one search per facility: {t2 * 1000:.1f} ms (best of {args.repeat})")
    print(f"speed-up: {t2 / t1:.1f}× (same results; network ≥ straight line for every building)")
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
