"""Siting new facilities: choose ``k`` sites among candidates to cover the most people.

This is the maximal covering location problem (MCLP). Existing points are kept: people they
already cover do not count again. Two methods:

* ``"greedy"`` (always available): repeatedly add the candidate covering the most people not yet
  covered; guaranteed to reach at least 63 % of the optimum, usually far more.
* ``"exact"``: PySAL ``spopt`` MCLP solved by PuLP's bundled CBC (optional extra
  ``pip install parakou_geo[planning]``, i.e. ``spopt`` and ``pulp``).

Distances are the analysis's own: straight-line, or along the roads when a road graph is
given (``graph=``, as for :func:`parakou_geo.planning.coverage.service_coverage` with
``mode="network"``), so the population "covered before" is the one the coverage analysis
reported. Demand no candidate can reach is listed with the reason (distance to the nearest
candidate), instead of a bare "infeasible".
"""

from __future__ import annotations

import importlib
import logging
import warnings
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from parakou_geo._errors import InputError, ParakouGeoError
from parakou_geo.planning._population import building_population, check_layers, door_points
from parakou_geo.planning.distance import MODE_LABELS, nearest_facility
from parakou_geo.planning.network import RoadGraph, _link_matrix
from parakou_geo.planning.settings import DistanceMode, PlanningSettings

__all__ = ["SitingMethod", "SitingResult", "candidate_sites", "site_new_points"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

SitingMethod = Literal["greedy", "exact"]

#: Largest demand × candidate matrix handed to the exact solver.
_MAX_EXACT_CELLS = 20_000_000


@dataclass(frozen=True)
class SitingResult:
    """New sites chosen to cover the most people.

    Attributes
    ----------
    chosen : geopandas.GeoDataFrame
        The chosen candidates (index labels of ``candidates``), in order of choice for greedy,
        with ``rank`` and ``population_added`` (people newly covered by this site, counted in
        the order of ``rank``).
    uncoverable : pandas.DataFrame
        Buildings not covered by an existing point and out of reach of every candidate:
        ``population``, ``nearest_candidate_m`` and ``reason``; indexed like the buildings.
    population : float
        Total population of the buildings.
    population_covered_before : float
        Population already covered by existing points.
    population_covered_after : float
        Population covered by existing points and the chosen sites.
    method : str
        ``"greedy"`` or ``"exact"``.
    distance_mode : str
        ``"straight_line"`` or ``"network"``.
    radius_m : float
        Coverage radius (metres).
    notes : list of str
        Plain-language remarks (fewer useful candidates than ``k``, solver status...).
    """

    chosen: gpd.GeoDataFrame
    uncoverable: pd.DataFrame
    population: float
    population_covered_before: float
    population_covered_after: float
    method: str
    distance_mode: str
    radius_m: float
    notes: list[str]

    def summary(self) -> dict[str, float | int | str]:
        """Return the headline figures (population and shares in percent)."""
        p = self.population
        return {
            "method": self.method,
            "n_new_sites": len(self.chosen),
            "radius_m": self.radius_m,
            "distance_mode": self.distance_mode,
            "population": p,
            "population_covered_before": self.population_covered_before,
            "population_covered_after": self.population_covered_after,
            "share_covered_before_pct": round(100 * self.population_covered_before / p, 2)
            if p else 0.0,
            "share_covered_after_pct": round(100 * self.population_covered_after / p, 2)
            if p else 0.0,
            "population_uncoverable": float(self.uncoverable["population"].sum()),
        }


def candidate_sites(roads: gpd.GeoDataFrame, *, spacing_m: float = 50.0) -> gpd.GeoDataFrame:
    """Generate candidate sites along roads, every ``spacing_m`` metres.

    Parameters
    ----------
    roads : geopandas.GeoDataFrame
        Road lines, projected CRS in metres (EPSG:32631).
    spacing_m : float
        Distance between candidates along each line (metres); each line gets a point at its
        start and then every ``spacing_m``. Points closer than 1 cm are merged.

    Returns
    -------
    geopandas.GeoDataFrame
        Points with ``candidate_id`` (``c00000``...), in a stable order (by x, then y).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> r = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (120, 0)])],
    ...                      crs="EPSG:32631")
    >>> candidate_sites(r, spacing_m=50).geometry.x.tolist()
    [0.0, 50.0, 100.0]
    """
    check_layers(roads=roads)
    if not spacing_m > 0:
        raise InputError(f"spacing_m={spacing_m!r} must be a positive number of metres")
    geoms = shapely.get_parts(np.asarray(roads.geometry.values, dtype=object))
    lines = geoms[shapely.get_type_id(geoms) == 1]
    length = shapely.length(lines)
    count = np.floor(length / spacing_m).astype(np.int64) + 1
    which = np.repeat(np.arange(len(lines)), count)
    start = np.repeat(np.cumsum(count) - count, count)
    dist = (np.arange(count.sum()) - start) * spacing_m
    xy = shapely.get_coordinates(shapely.line_interpolate_point(lines[which], dist))
    xy = np.unique(np.round(xy, 2), axis=0)
    return gpd.GeoDataFrame(
        {"candidate_id": [f"c{i:05d}" for i in range(len(xy))]},
        geometry=shapely.points(xy),
        crs=roads.crs,
    )


def site_new_points(
    buildings: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    *,
    k: int,
    radius_m: float,
    existing: gpd.GeoDataFrame | None = None,
    method: SitingMethod = "greedy",
    settings: PlanningSettings | None = None,
    time_limit_s: float = 120.0,
    graph: RoadGraph | None = None,
) -> SitingResult:
    """Choose ``k`` new sites among ``candidates`` to cover the most people within ``radius_m``.

    Distances are straight-line, or along the roads when ``graph`` is given (the result says
    which in ``distance_mode``). Use the same distance as the coverage analysis.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Demand: buildings with an optional population column, projected CRS in metres.
    candidates : geopandas.GeoDataFrame
        Candidate sites (points), same CRS; e.g. :func:`candidate_sites`.
    k : int
        Number of new sites.
    radius_m : float
        Coverage radius (metres), e.g. ``settings.waste_radius_m``.
    existing : geopandas.GeoDataFrame, optional
        Existing points, kept; the people they cover do not count again.
    method : {"greedy", "exact"}
        Greedy heuristic, or the exact MCLP (needs ``spopt`` and ``pulp``).
    settings : PlanningSettings, optional
        Population column and persons per building.
    time_limit_s : float
        Time limit of the exact solver (seconds).
    graph : RoadGraph, optional
        Road graph (:func:`parakou_geo.planning.network.build_road_graph`, same CRS): coverage
        is then measured along the roads, from each door to the existing points and to the
        candidates, as in the network coverage analysis.

    Returns
    -------
    SitingResult
        The chosen sites, population covered before and after, unreachable demand.

    Raises
    ------
    InputError
        For a bad ``k``, ``radius_m`` or ``method``, or empty candidates.
    ParakouGeoError
        When the exact method is asked but ``spopt``/``pulp`` are missing, or the solver fails.
    """
    s = settings or PlanningSettings()
    problems = []
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        problems.append(f"k={k!r} must be a whole number of new sites ≥ 1")
    if not radius_m > 0:
        problems.append(f"radius_m={radius_m!r} must be a positive number of metres")
    if method not in ("greedy", "exact"):
        problems.append(f"method={method!r} must be 'greedy' or 'exact'")
    if len(candidates) == 0:
        problems.append("candidates is empty; give sites or generate them with candidate_sites()")
    if problems:
        raise InputError(problems)
    check_layers(buildings=buildings, candidates=candidates, existing=existing)
    pop = building_population(buildings, s).to_numpy()
    demand = door_points(buildings)
    cand = door_points(candidates)
    mode: DistanceMode = "straight" if graph is None else "network"
    covered0 = np.zeros(len(buildings), dtype=bool)
    if existing is not None and len(existing):
        near = nearest_facility(buildings, existing, mode=mode, graph=graph,
                                max_distance_m=radius_m,
                                access_spacing_m=s.access_point_spacing_m)
        covered0 = near["distance_m"].to_numpy() <= radius_m
    # sparse coverage: demand i is covered by candidate j
    if graph is None:
        pairs = shapely.STRtree(cand).query(demand, predicate="dwithin", distance=radius_m)
        cover = csr_matrix(
            (np.ones(pairs.shape[1], dtype=bool), (pairs[0], pairs[1])),
            shape=(len(demand), len(cand)),
        )
    else:
        cover = _network_cover(graph, demand, cand, radius_m)
    reachable = np.asarray(cover.sum(axis=1)).ravel() > 0
    open_demand = ~covered0 & reachable & (pop > 0)
    notes: list[str] = []
    if method == "greedy":
        picks, gains = _greedy(cover, np.where(open_demand, pop, 0.0), int(k))
    else:
        picks, gains = _exact(cover, pop, open_demand, int(k), radius_m, time_limit_s, notes)
    if len(picks) < k:
        notes.append(
            f"only {len(picks)} candidate(s) cover people not yet covered; {k} were asked, the "
            "others would add nobody (add candidates or lower k)"
        )
    uncov = _uncoverable(buildings, pop, covered0 | reachable, demand, cand, radius_m,
                         network=graph is not None)
    covered_after = covered0.copy()
    if len(picks):
        covered_after |= np.asarray(cover[:, picks].sum(axis=1)).ravel() > 0
    chosen = candidates.iloc[picks].copy()
    chosen["rank"] = np.arange(1, len(picks) + 1)
    chosen["population_added"] = gains
    chosen["distance_mode"] = MODE_LABELS[mode]
    return SitingResult(
        chosen=chosen,
        uncoverable=uncov,
        population=float(pop.sum()),
        population_covered_before=float(pop[covered0].sum()),
        population_covered_after=float(pop[covered_after].sum()),
        method=method,
        distance_mode=MODE_LABELS[mode],
        radius_m=float(radius_m),
        notes=notes,
    )


#: Candidates searched per Dijkstra batch (bounds memory: batch × graph nodes distances).
_NETWORK_BATCH = 256


def _network_cover(graph: RoadGraph, demand: np.ndarray, cand: np.ndarray,
                   radius_m: float) -> csr_matrix:
    """Demand × candidate matrix: True where the walk along the roads is ≤ ``radius_m``.

    Walks are measured as in :meth:`RoadGraph.nearest`: straight to the nearest road, along
    the roads, straight to the candidate; a candidate on the door's own road piece is reached
    along that piece directly.
    """
    pts = graph.snap(demand)
    fac = graph.snap(cand)
    n, k = graph.n_nodes, len(fac)
    if len(pts) == 0 or k == 0:
        return csr_matrix((len(pts), k), dtype=bool)
    e = fac.edge
    fnode = n + np.arange(k)
    a = np.concatenate([graph.link_a, fnode, fnode])
    b = np.concatenate([graph.link_b, graph.u[e], graph.v[e]])
    w = np.concatenate([graph.link_m, fac.gap_m + fac.offset_m,
                        fac.gap_m + graph.length_m[e] - fac.offset_m])
    matrix = _link_matrix(a, b, w, n + k)  # the shortest of parallel links, as nearest()
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    pe = pts.edge
    for start in range(0, k, _NETWORK_BATCH):
        batch = np.arange(start, min(k, start + _NETWORK_BATCH))
        dist = dijkstra(matrix, directed=False, indices=fnode[batch], limit=radius_m)
        via_u = pts.offset_m[None, :] + dist[:, graph.u[pe]]
        via_v = (graph.length_m[pe] - pts.offset_m)[None, :] + dist[:, graph.v[pe]]
        total = pts.gap_m[None, :] + np.minimum(via_u, via_v)
        j, i = np.nonzero(total <= radius_m)
        rows.append(i)
        cols.append(batch[j])
    # a candidate on the door's own road piece: along the piece directly
    same = pd.DataFrame({"i": np.arange(len(pts)), "edge": pe}).merge(
        pd.DataFrame({"j": np.arange(k), "edge": e}), on="edge")
    if len(same):
        i, j = same["i"].to_numpy(), same["j"].to_numpy()
        direct = pts.gap_m[i] + np.abs(pts.offset_m[i] - fac.offset_m[j]) + fac.gap_m[j]
        ok = direct <= radius_m
        rows.append(i[ok])
        cols.append(j[ok])
    r, c = np.concatenate(rows), np.concatenate(cols)
    cover = csr_matrix((np.ones(len(r), dtype=bool), (r, c)), shape=(len(pts), k))
    cover.sum_duplicates()
    cover.data[:] = True
    return cover


def _greedy(cover: csr_matrix, weight: np.ndarray, k: int) -> tuple[list[int], list[float]]:
    """Pick up to ``k`` columns, each covering the most remaining weight (ties: first)."""
    w = weight.astype(float).copy()
    csc = cover.tocsc()
    picks: list[int] = []
    gains: list[float] = []
    for _ in range(k):
        gain = csc.T @ w
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        picks.append(j)
        gains.append(float(gain[j]))
        w[csc.indices[csc.indptr[j] : csc.indptr[j + 1]]] = 0.0
    return picks, gains


def _exact(
    cover: csr_matrix,
    pop: np.ndarray,
    open_demand: np.ndarray,
    k: int,
    radius_m: float,
    time_limit_s: float,
    notes: list[str],
) -> tuple[list[int], list[float]]:
    """Solve the MCLP on the open demand with spopt + PuLP/CBC; return picks in greedy order."""
    try:
        pulp = importlib.import_module("pulp")
        mclp_class = importlib.import_module("spopt.locate").MCLP
    except ImportError as exc:
        raise ParakouGeoError(
            "method='exact' needs the optional packages spopt and pulp "
            f"({exc}); install them with: pip install 'parakou_geo[planning]' "
            "(or pip install spopt pulp), or use method='greedy'"
        ) from exc
    rows = np.flatnonzero(open_demand)
    sub = cover[rows]
    cols = np.flatnonzero(np.asarray(sub.sum(axis=0)).ravel() > 0)
    if len(rows) == 0 or len(cols) == 0:
        return [], []
    if len(rows) * len(cols) > _MAX_EXACT_CELLS:
        raise InputError(
            f"the exact solver would need a {len(rows)} × {len(cols)} matrix (more than "
            f"{_MAX_EXACT_CELLS:,} cells); use method='greedy', fewer candidates (a larger "
            "spacing) or a smaller area"
        )
    p = min(k, len(cols))
    dense = sub[:, cols].toarray()
    cost = np.where(dense, 0.0, 2.0 * radius_m)
    with warnings.catch_warnings():
        # spopt 0.7 builds its model with PuLP calls that PuLP 3.x deprecates for 4.0
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"(pulp|spopt)")
        warnings.filterwarnings("ignore", message=r".*PuLP 4\.0.*", category=DeprecationWarning)
        model = mclp_class.from_cost_matrix(
            cost, pop[rows].astype(float), radius_m, p_facilities=p
        )
        solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s)
        model = model.solve(solver, results=False)
    status = pulp.LpStatus[model.problem.status]
    if status != "Optimal":
        raise ParakouGeoError(
            f"the exact MCLP solver stopped with status {status!r} after at most "
            f"{time_limit_s} s ({len(rows)} demand points, {len(cols)} candidates, k={p}); "
            "raise time_limit_s or use method='greedy'"
        )
    chosen = [int(cols[j]) for j, var in enumerate(model.fac_vars) if (var.value() or 0) > 0.5]
    notes.append(f"exact MCLP solved to optimality by CBC ({len(rows)} demand, {len(cols)} sites)")
    # report the chosen sites in greedy order so population_added adds up
    weight = np.where(open_demand, pop, 0.0)
    order, gains = _greedy(cover[:, chosen], weight, len(chosen))
    return [chosen[i] for i in order], gains


def _uncoverable(
    buildings: gpd.GeoDataFrame,
    pop: np.ndarray,
    coverable: np.ndarray,
    demand: np.ndarray,
    cand: np.ndarray,
    radius_m: float,
    *,
    network: bool = False,
) -> pd.DataFrame:
    """List buildings no candidate or existing point can cover, with the reason."""
    out_idx = np.flatnonzero(~coverable)
    if len(out_idx) == 0:
        return pd.DataFrame(
            {"population": pd.Series(dtype=float), "nearest_candidate_m": pd.Series(dtype=float),
             "reason": pd.Series(dtype=object)}
        )
    idx, d = shapely.STRtree(cand).query_nearest(
        demand[out_idx], return_distance=True, all_matches=False
    )
    nearest = np.full(len(out_idx), np.inf)
    nearest[idx[0]] = d
    if network:
        reason = [
            f"no candidate within {radius_m:g} m along the roads (the nearest is {m:.0f} m "
            "away in a straight line); add a candidate site nearer to it or widen the radius"
            for m in nearest
        ]
    else:
        reason = [
            f"nearest candidate is {m:.0f} m away, beyond the {radius_m:g} m radius; add a "
            "candidate site nearer to it or widen the radius"
            for m in nearest
        ]
    return pd.DataFrame(
        {"population": pop[out_idx], "nearest_candidate_m": np.round(nearest, 1),
         "reason": reason},
        index=buildings.index[out_idx],
    )
