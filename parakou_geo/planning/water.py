"""Water points: distance coverage (a proxy) and inhabitants per point.

Same machinery as waste (:func:`~parakou_geo.planning.coverage.service_coverage`) with the water
defaults: 500 m to a water point (Sphere) and 250 inhabitants per point (Benin norm). Distance is
only a **proxy** for access: it says nothing of water quality, queueing or opening hours (ISO
24510 service concepts); every output carries that label.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np

from parakou_geo.planning.coverage import CoverageResult, service_coverage
from parakou_geo.planning.network import RoadGraph
from parakou_geo.planning.settings import DistanceMode, PlanningSettings

__all__ = ["WATER_LABEL", "WaterResult", "water_points"]

#: Label carried by every water output.
WATER_LABEL = "distance proxy: within reach, not a measure of service quality"


@dataclass(frozen=True)
class WaterResult:
    """Coverage and load of water points.

    Attributes
    ----------
    coverage : CoverageResult
        Who is within ``water_radius_m`` of a point.
    points : geopandas.GeoDataFrame
        Indexed like the input points: ``n_buildings``, ``population`` (assigned, nearest),
        ``population_within_radius``, ``over_capacity`` (more than ``water_persons_per_point``
        assigned), ``extra_points_needed``, ``indicator``.
    """

    coverage: CoverageResult
    points: gpd.GeoDataFrame

    def summary(self) -> dict[str, float | int | str]:
        """Return coverage figures, points needed by the norm and the proxy label."""
        out = self.coverage.summary()
        out["n_points_over_capacity"] = int(self.points["over_capacity"].sum())
        out["extra_points_needed"] = int(self.points["extra_points_needed"].sum())
        out["indicator"] = WATER_LABEL
        return out


def water_points(
    buildings: gpd.GeoDataFrame,
    points: gpd.GeoDataFrame,
    *,
    mode: DistanceMode | None = None,
    roads: gpd.GeoDataFrame | None = None,
    graph: RoadGraph | None = None,
    settings: PlanningSettings | None = None,
) -> WaterResult:
    """Coverage of water points (a distance proxy) and inhabitants per point.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Buildings with an optional population column, projected CRS in metres (EPSG:32631).
    points : geopandas.GeoDataFrame
        Water points (wells, standpipes, boreholes), same CRS.
    mode : {"straight", "network"}, optional
        Distance mode; default ``settings.distance_mode``.
    roads : geopandas.GeoDataFrame, optional
        Road lines (same CRS) for network distances.
    graph : RoadGraph, optional
        A prebuilt road graph.
    settings : PlanningSettings, optional
        ``water_radius_m`` (500 m) and ``water_persons_per_point`` (250).

    Returns
    -------
    WaterResult
        Per building coverage and per point load.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> b = gpd.GeoDataFrame({"pop": [300.0, 100.0]}, crs="EPSG:32631",
    ...                      geometry=[shapely.Point(0, 0), shapely.Point(900, 0)])
    >>> w = gpd.GeoDataFrame(geometry=[shapely.Point(0, 400)], crs="EPSG:32631")
    >>> r = water_points(b, w)
    >>> r.summary()["population_covered"], int(r.points["extra_points_needed"].iloc[0])
    (300.0, 1)
    """
    s = settings or PlanningSettings()
    cov = service_coverage(
        buildings, points, radius_m=s.water_radius_m, mode=mode, roads=roads, graph=graph,
        settings=s,
    )
    pts = cov.facilities.copy()
    pts["over_capacity"] = pts["population"] > s.water_persons_per_point
    needed = np.ceil(pts["population"] / s.water_persons_per_point - 1e-9)
    pts["extra_points_needed"] = (needed - 1).clip(lower=0).astype(int)
    pts["distance_mode"] = cov.distance_mode
    pts["indicator"] = WATER_LABEL
    return WaterResult(cov, pts)
