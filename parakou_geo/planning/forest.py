"""The communal forest: areas, core/buffer zoning, planting grid and seedlings.

Planting grid convention: rows and columns ``spacing`` apart, the first at half a spacing from
the lower-left corner of the plantable area's bounding box (a 100 m × 100 m square at 3 × 3 m
gets positions at 1.5, 4.5, …, 97.5 m: 33 × 33 = 1,089); only positions strictly inside the
plantable area are kept. Seedlings = positions × (1 + replacement margin), rounded up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parakou_geo._errors import InputError
from parakou_geo.planning._population import check_layers
from parakou_geo.planning.settings import PlanningSettings

__all__ = ["ForestPlan", "plan_forest", "planting_grid"]

_M2_PER_HA = 10_000.0


@dataclass(frozen=True)
class ForestPlan:
    """A forest planting plan.

    Attributes
    ----------
    parcels : geopandas.GeoDataFrame
        Indexed like the input: ``area_ha``, ``perimeter_m``, ``core_area_ha``,
        ``buffer_area_ha``, ``plantable_area_ha``, ``n_positions``, ``n_seedlings``,
        ``stems_per_ha``.
    zoning : geopandas.GeoDataFrame
        One row per parcel and zone (``"core"``, ``"buffer"``): ``parcel``, ``zone``,
        ``area_ha``.
    planting : geopandas.GeoDataFrame
        Planting positions (points) with their ``parcel``.
    """

    parcels: gpd.GeoDataFrame
    zoning: gpd.GeoDataFrame
    planting: gpd.GeoDataFrame

    def summary(self) -> dict[str, float | int]:
        """Return totals: areas (ha), perimeter (m), positions and seedlings."""
        p = self.parcels
        return {
            "n_parcels": len(p),
            "area_ha": round(float(p["area_ha"].sum()), 4),
            "perimeter_m": round(float(p["perimeter_m"].sum()), 2),
            "plantable_area_ha": round(float(p["plantable_area_ha"].sum()), 4),
            "n_positions": int(p["n_positions"].sum()),
            "n_seedlings": int(p["n_seedlings"].sum()),
        }


def planting_grid(area: shapely.Geometry, *, spacing_x_m: float, spacing_y_m: float) -> np.ndarray:
    """Return the planting positions inside a polygon (see the module's grid convention).

    Parameters
    ----------
    area : shapely.Polygon or shapely.MultiPolygon
        Plantable area, metric coordinates.
    spacing_x_m, spacing_y_m : float
        Spacing between columns and between rows (metres).

    Returns
    -------
    numpy.ndarray
        Coordinates, shape ``(n, 2)``, sorted by y then x.

    Examples
    --------
    >>> len(planting_grid(shapely.box(0, 0, 100, 100), spacing_x_m=3, spacing_y_m=3))
    1089
    """
    if area is None or shapely.is_empty(area):
        return np.zeros((0, 2), dtype=float)
    minx, miny, maxx, maxy = shapely.bounds(area)
    xs = np.arange(minx + spacing_x_m / 2, maxx, spacing_x_m)
    ys = np.arange(miny + spacing_y_m / 2, maxy, spacing_y_m)
    mx, my = np.meshgrid(xs, ys)
    gx, gy = mx.ravel(), my.ravel()
    shapely.prepare(area)
    inside = shapely.contains_xy(area, gx, gy)
    return np.column_stack([gx[inside], gy[inside]])


def plan_forest(
    forests: gpd.GeoDataFrame,
    *,
    settings: PlanningSettings | None = None,
) -> ForestPlan:
    """Plan the planting of forest polygons.

    Parameters
    ----------
    forests : geopandas.GeoDataFrame
        Planned forest polygons, projected CRS in metres (EPSG:32631).
    settings : PlanningSettings, optional
        ``planting_spacing_x_m``/``planting_spacing_y_m`` (3 × 3 m), ``replacement_margin``
        (0.20), ``forest_buffer_m`` (10 m outer buffer band; 0 for no zoning),
        ``plant_buffer``.

    Returns
    -------
    ForestPlan
        Per parcel table, zoning polygons and planting points.

    Raises
    ------
    CRSError
        When ``forests`` is not in a metric CRS.
    InputError
        When a feature is not a polygon.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> f = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 100, 100)], crs="EPSG:32631")
    >>> plan = plan_forest(f, settings=PlanningSettings(forest_buffer_m=0))
    >>> plan.summary()["n_positions"], plan.summary()["n_seedlings"]
    (1089, 1307)
    """
    s = settings or PlanningSettings()
    check_layers(forests=forests)
    geoms = np.asarray(forests.geometry.values, dtype=object)
    not_poly = ~np.isin(shapely.get_type_id(geoms), (3, 6))
    if not_poly.any():
        rows = ", ".join(map(str, forests.index[not_poly][:5]))
        raise InputError(
            f"forests must hold polygons; rows {rows} are "
            f"{sorted(set(shapely.get_type_id(geoms[not_poly]).tolist()))} geometry types "
            "(points/lines); draw the forest outlines as polygons"
        )
    w = float(s.forest_buffer_m)
    core = shapely.buffer(geoms, -w, join_style="mitre") if w > 0 else geoms
    buffer_band = shapely.difference(geoms, core)
    plantable = shapely.union(core, buffer_band) if s.plant_buffer else core
    n_pos = np.zeros(len(geoms), dtype=np.int64)
    pts_xy: list[np.ndarray] = []
    parcel_of: list[np.ndarray] = []
    for i, area in enumerate(plantable):  # one vectorised grid per parcel (a handful of parcels)
        xy = planting_grid(area, spacing_x_m=s.planting_spacing_x_m,
                           spacing_y_m=s.planting_spacing_y_m)
        n_pos[i] = len(xy)
        pts_xy.append(xy)
        parcel_of.append(np.full(len(xy), i))
    seedlings = np.array([math.ceil(n * (1 + s.replacement_margin) - 1e-9) for n in n_pos],
                         dtype=np.int64)
    area_ha = shapely.area(geoms) / _M2_PER_HA
    plantable_ha = shapely.area(plantable) / _M2_PER_HA
    parcels = gpd.GeoDataFrame(
        {
            "area_ha": np.round(area_ha, 4),
            "perimeter_m": np.round(shapely.length(geoms), 2),
            "core_area_ha": np.round(shapely.area(core) / _M2_PER_HA, 4),
            "buffer_area_ha": np.round(shapely.area(buffer_band) / _M2_PER_HA, 4),
            "plantable_area_ha": np.round(plantable_ha, 4),
            "n_positions": n_pos,
            "n_seedlings": seedlings,
            "stems_per_ha": np.round(
                np.divide(n_pos, plantable_ha, out=np.zeros(len(n_pos)), where=plantable_ha > 0),
                1,
            ),
        },
        geometry=geoms,
        index=forests.index,
        crs=forests.crs,
    )
    labels = forests.index.to_numpy()
    zoning = gpd.GeoDataFrame(
        {
            "parcel": np.concatenate([labels, labels]),
            "zone": ["core"] * len(geoms) + ["buffer"] * len(geoms),
            "area_ha": np.round(np.concatenate([shapely.area(core), shapely.area(buffer_band)])
                                / _M2_PER_HA, 4),
        },
        geometry=np.concatenate([core, buffer_band]),
        crs=forests.crs,
    )
    zoning = zoning[~zoning.geometry.is_empty].reset_index(drop=True)
    xy = np.concatenate(pts_xy) if pts_xy else np.zeros((0, 2))
    which = np.concatenate(parcel_of) if parcel_of else np.zeros(0, dtype=np.int64)
    planting = gpd.GeoDataFrame(
        {"parcel": pd.Series(labels[which] if len(which) else [], dtype=object)},
        geometry=shapely.points(xy) if len(xy) else [],
        crs=forests.crs,
    )
    return ForestPlan(parcels, zoning, planting)
