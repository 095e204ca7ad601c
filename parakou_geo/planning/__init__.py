"""Planning: communal forest, green-space access, waste points, water points, siting.

One module per job: :mod:`~parakou_geo.planning.settings` (every default and its source),
:mod:`~parakou_geo.planning.network` (road graph, one multi-source shortest-path pass),
:mod:`~parakou_geo.planning.distance` (straight-line or network distances),
:mod:`~parakou_geo.planning.coverage` (generic coverage, counted in people),
:mod:`~parakou_geo.planning.waste`, :mod:`~parakou_geo.planning.water`,
:mod:`~parakou_geo.planning.green`, :mod:`~parakou_geo.planning.forest`,
:mod:`~parakou_geo.planning.siting` (greedy and exact MCLP) and
:mod:`~parakou_geo.planning.tables` (CSV/XLSX with French headers).

All functions take GeoDataFrames in a projected CRS in metres (EPSG:32631 for Parakou).
"""

from __future__ import annotations

import logging

from parakou_geo.planning.coverage import CoverageResult, service_coverage, zone_of
from parakou_geo.planning.distance import nearest_facility
from parakou_geo.planning.forest import ForestPlan, plan_forest, planting_grid
from parakou_geo.planning.green import GreenAccessResult, green_access, green_by_zone
from parakou_geo.planning.network import RoadGraph, SnappedPoints, build_road_graph
from parakou_geo.planning.settings import PlanningSettings, load_planning_settings
from parakou_geo.planning.siting import SitingResult, candidate_sites, site_new_points
from parakou_geo.planning.tables import translate_headers, write_table
from parakou_geo.planning.waste import WasteResult, points_needed, waste_points
from parakou_geo.planning.water import WaterResult, water_points

__all__ = [
    "CoverageResult",
    "ForestPlan",
    "GreenAccessResult",
    "PlanningSettings",
    "RoadGraph",
    "SitingResult",
    "SnappedPoints",
    "WasteResult",
    "WaterResult",
    "build_road_graph",
    "candidate_sites",
    "green_access",
    "green_by_zone",
    "load_planning_settings",
    "nearest_facility",
    "plan_forest",
    "planting_grid",
    "points_needed",
    "service_coverage",
    "site_new_points",
    "translate_headers",
    "waste_points",
    "water_points",
    "write_table",
    "zone_of",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
