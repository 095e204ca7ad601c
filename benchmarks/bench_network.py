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
import time

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra

from parakou_geo.planning.network import RoadGraph, SnappedPoints, _link_matrix, build_road_graph

X0, Y0 = 455000.0, 1028000.0


def grid_roads(n: int, block_m: float) -> gpd.GeoDataFrame:
    idx = np.arange(n)
    h = [((X0 + i * block_m, Y0 + j * block_m), (X0 + (i + 1) * block_m, Y0 + j * block_m))
         for j in idx for i in idx[:-1]]
    v = [((X0 + i * block_m, Y0 + j * block_m), (X0 + i * block_m, Y0 + (j + 1) * block_m))
         for i in idx for j in idx[:-1]]
    return gpd.GeoDataFrame(geometry=shapely.linestrings(h + v), crs=32631)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buildings", type=int, default=100_000)
    parser.add_argument("--facilities", type=int, default=50)
    parser.add_argument("--grid", type=int, default=101, help="nodes per side")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    block = 50.0
    span = (args.grid - 1) * block
    roads = grid_roads(args.grid, block)
    t = time.perf_counter()
    g = build_road_graph(roads)
    t_build = time.perf_counter() - t
    b_xy = rng.uniform(0, span, (args.buildings, 2)) + np.array([X0, Y0])
    f_xy = rng.uniform(0, span, (args.facilities, 2)) + np.array([X0, Y0])
    t = time.perf_counter()
    pts = g.snap(shapely.points(b_xy))
    fac = g.snap(shapely.points(f_xy))
    t_snap = time.perf_counter() - t
    print(f"network: {len(roads):,} road segments → {len(g.edges):,} edges, {g.n_nodes:,} nodes"
          f" (built in {t_build:.2f} s); {args.buildings:,} buildings, {args.facilities} "
          f"facilities snapped in {t_snap:.2f} s")
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
    print(f"end to end incl. graph build and snapping: one pass {t_build + t_snap + t1:.2f} s, "
          f"per facility {t_build + t_snap + t2:.2f} s")


if __name__ == "__main__":
    main()
