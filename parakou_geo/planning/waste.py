"""Household waste: coverage of regrouping points, waste load and containers per point.

Each building is assigned to its nearest point; a point receives the waste of the people
assigned to it (``waste_kg_per_person_day``, 0.5 kg by default). Between two collections
(``collections_per_week``) that waste fills containers of ``container_capacity_kg``; a point
needing more than ``containers_per_point`` containers is flagged over capacity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np

from parakou_geo.planning.coverage import CoverageResult, service_coverage
from parakou_geo.planning.network import RoadGraph
from parakou_geo.planning.settings import DistanceMode, PlanningSettings

__all__ = ["WasteResult", "points_needed", "waste_points"]


@dataclass(frozen=True)
class WasteResult:
    """Coverage and load of waste regrouping points.

    Attributes
    ----------
    coverage : CoverageResult
        Who is within the radius of a point, and each building's assigned point.
    points : geopandas.GeoDataFrame
        Indexed like the input points: ``n_buildings``, ``population`` (assigned),
        ``population_within_radius``, ``waste_kg_day``, ``waste_kg_per_collection``,
        ``containers_needed``, ``over_capacity``, ``distance_mode``.
    """

    coverage: CoverageResult
    points: gpd.GeoDataFrame

    def summary(self) -> dict[str, float | int | str]:
        """Return coverage figures plus total waste (kg/day) and points over capacity."""
        out = self.coverage.summary()
        out["waste_kg_day"] = round(float(self.points["waste_kg_day"].sum()), 3)
        out["n_points_over_capacity"] = int(self.points["over_capacity"].sum())
        return out


def waste_points(
    buildings: gpd.GeoDataFrame,
    points: gpd.GeoDataFrame,
    *,
    mode: DistanceMode | None = None,
    roads: gpd.GeoDataFrame | None = None,
    graph: RoadGraph | None = None,
    settings: PlanningSettings | None = None,
) -> WasteResult:
    """Coverage, waste per day and containers needed at each waste regrouping point.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Buildings with an optional population column, projected CRS in metres (EPSG:32631).
    points : geopandas.GeoDataFrame
        Existing waste points, same CRS.
    mode : {"straight", "network"}, optional
        Distance mode; default ``settings.distance_mode``.
    roads : geopandas.GeoDataFrame, optional
        Road lines (same CRS) for network distances.
    graph : RoadGraph, optional
        A prebuilt road graph.
    settings : PlanningSettings, optional
        ``waste_radius_m`` (300 m), ``waste_kg_per_person_day`` (0.5), ``container_capacity_kg``
        (8,000), ``containers_per_point`` (2), ``collections_per_week`` (2).

    Returns
    -------
    WasteResult
        Per building coverage and per point load.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> b = gpd.GeoDataFrame({"pop": [1000.0]}, geometry=[shapely.Point(0, 0)],
    ...                      crs="EPSG:32631")
    >>> p = gpd.GeoDataFrame(geometry=[shapely.Point(0, 50)], crs="EPSG:32631")
    >>> waste_points(b, p).points[["waste_kg_day", "containers_needed"]].values.tolist()
    [[500.0, 1.0]]
    """
    s = settings or PlanningSettings()
    cov = service_coverage(
        buildings, points, radius_m=s.waste_radius_m, mode=mode, roads=roads, graph=graph,
        settings=s,
    )
    pts = cov.facilities.copy()
    days_between = 7.0 / s.collections_per_week
    pts["waste_kg_day"] = pts["population"] * s.waste_kg_per_person_day
    pts["waste_kg_per_collection"] = pts["waste_kg_day"] * days_between
    # a tiny tolerance keeps an exact multiple of the capacity from needing one more container
    pts["containers_needed"] = np.ceil(
        pts["waste_kg_per_collection"] / s.container_capacity_kg - 1e-9
    ).clip(lower=0).astype(int)  # a whole number (no -0.0 for a point that serves nobody)
    pts["over_capacity"] = pts["containers_needed"] > s.containers_per_point
    pts["distance_mode"] = cov.distance_mode
    return WasteResult(cov, pts)


def points_needed(population: float, settings: PlanningSettings | None = None) -> int:
    """Return how many full points (all containers) the waste of ``population`` needs.

    Parameters
    ----------
    population : float
        Inhabitants.
    settings : PlanningSettings, optional
        Waste generation, collection frequency and container settings.

    Returns
    -------
    int
        Points needed so no point is over capacity.

    Examples
    --------
    >>> points_needed(10_000)
    2
    """
    s = settings or PlanningSettings()
    per_collection = population * s.waste_kg_per_person_day * 7.0 / s.collections_per_week
    return math.ceil(per_collection / (s.container_capacity_kg * s.containers_per_point) - 1e-9)
