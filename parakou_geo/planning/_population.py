"""Private helpers: population per building, door points, input checks of planning functions."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parakou_geo._crs import require_metric
from parakou_geo._errors import CRSError, InputError
from parakou_geo.planning.settings import PlanningSettings

__all__ = ["building_population", "check_layers", "door_points"]


def check_layers(**layers: gpd.GeoDataFrame | None) -> None:
    """Check that every given layer is a metric GeoDataFrame and that all share one CRS.

    Every problem is collected and reported at once.
    """
    problems: list[str] = []
    crs_seen: dict[str, object] = {}
    for name, gdf in layers.items():
        if gdf is None:
            continue
        if not isinstance(gdf, gpd.GeoDataFrame | gpd.GeoSeries):
            problems.append(
                f"{name} must be a GeoDataFrame, got {type(gdf).__name__}; read it with "
                "parakou_geo.read_layer(...)"
            )
            continue
        try:
            require_metric(gdf, name)
        except CRSError as exc:
            problems.append(str(exc))
            continue
        n_empty = int((gdf.geometry.isna() | gdf.geometry.is_empty).sum())
        if n_empty:
            problems.append(f"{name} has {n_empty} empty or missing geometries; drop them first")
        crs_seen[name] = gdf.crs
    names = list(crs_seen)
    problems += [
        f"{other} is in {crs_seen[other]} but {names[0]} is in {crs_seen[names[0]]}; "
        f"reproject one: {other} = {other}.to_crs({names[0]}.crs)"
        for other in names[1:]
        if crs_seen[other] != crs_seen[names[0]]
    ]
    if problems:
        raise CRSError(problems)


def door_points(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> np.ndarray:
    """Return one point per feature: the point itself, or a point inside the polygon/line."""
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    is_point = shapely.get_type_id(geoms) == 0
    out = geoms.copy()
    if (~is_point).any():
        out[~is_point] = shapely.point_on_surface(geoms[~is_point])
    return out


def building_population(
    buildings: gpd.GeoDataFrame, settings: PlanningSettings, *, name: str = "buildings"
) -> pd.Series:
    """Return persons per building, indexed like ``buildings``.

    The ``settings.population_column`` when present (missing values take
    ``settings.persons_per_building``), else ``settings.persons_per_building`` everywhere.
    A negative or non-numeric population is an :class:`InputError`.
    """
    col = settings.population_column
    if col not in buildings.columns:
        return pd.Series(
            float(settings.persons_per_building), index=buildings.index, name="population"
        )
    values = pd.to_numeric(buildings[col], errors="coerce")
    bad_text = values.isna() & buildings[col].notna()
    negative = values < 0
    problems = []
    if bad_text.any():
        rows = ", ".join(map(str, buildings.index[bad_text][:5]))
        problems.append(
            f"{name}.{col} holds non-numeric values (rows {rows}); fix them or drop the column"
        )
    if negative.any():
        rows = ", ".join(map(str, buildings.index[negative][:5]))
        problems.append(f"{name}.{col} holds negative populations (rows {rows}); fix them")
    if problems:
        raise InputError(problems)
    out: pd.Series = values.fillna(float(settings.persons_per_building)).astype(float)
    return out.rename("population")
