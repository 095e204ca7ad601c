"""Service coverage: who lives within reach of a facility (waste point, water point...).

Coverage counts **people**, not points: each building carries its population (a column, or the
persons-per-building setting). Used by :mod:`~parakou_geo.planning.waste` and
:mod:`~parakou_geo.planning.water`.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from parakou_geo._errors import InputError
from parakou_geo.planning._population import building_population, check_layers, door_points
from parakou_geo.planning.distance import MODE_LABELS, nearest_facility
from parakou_geo.planning.network import RoadGraph
from parakou_geo.planning.settings import DistanceMode, PlanningSettings

__all__ = ["CoverageResult", "service_coverage", "zone_of"]


@dataclass(frozen=True)
class CoverageResult:
    """Coverage of buildings by facilities.

    Attributes
    ----------
    buildings : geopandas.GeoDataFrame
        Indexed like the input buildings: ``population``, ``facility`` (nearest facility's
        index label), ``distance_m``, ``covered`` (within ``radius_m``), ``distance_mode``.
    facilities : geopandas.GeoDataFrame
        Indexed like the input facilities: ``n_buildings`` and ``population`` assigned (nearest),
        ``population_within_radius`` of those assigned.
    radius_m : float
        The coverage radius (metres).
    distance_mode : str
        ``"straight_line"`` or ``"network"``.
    """

    buildings: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    radius_m: float
    distance_mode: str

    def summary(self) -> dict[str, float | int | str]:
        """Return the overall figures: counts, population and shares covered (percent)."""
        b = self.buildings
        pop = float(b["population"].sum())
        pop_cov = float(b.loc[b["covered"], "population"].sum())
        return {
            "n_buildings": len(b),
            "n_buildings_covered": int(b["covered"].sum()),
            "share_buildings_covered_pct": _pct(float(b["covered"].sum()), len(b)),
            "population": pop,
            "population_covered": pop_cov,
            "share_population_covered_pct": _pct(pop_cov, pop),
            "n_facilities": len(self.facilities),
            "radius_m": self.radius_m,
            "distance_mode": self.distance_mode,
        }

    def by_group(self, groups: pd.Series | str) -> pd.DataFrame:
        """Return coverage per zone (or quartier).

        Parameters
        ----------
        groups : pandas.Series or str
            The zone of each building (indexed like the buildings, e.g. from :func:`zone_of`),
            or the name of a column of the input buildings.

        Returns
        -------
        pandas.DataFrame
            One row per zone, sorted: ``zone``, ``n_buildings``, ``n_buildings_covered``,
            ``share_buildings_covered_pct``, ``population``, ``population_covered``,
            ``share_population_covered_pct``, ``radius_m``, ``distance_mode``.
        """
        b = self.buildings
        key = b[groups] if isinstance(groups, str) else groups.reindex(b.index)
        frame = pd.DataFrame({
            "zone": key.fillna("(hors zone)").astype(str).to_numpy(),
            "n": 1,
            "cov": b["covered"].astype(int).to_numpy(),
            "pop": b["population"].to_numpy(),
            "pop_cov": np.where(b["covered"], b["population"], 0.0),
        })
        g = frame.groupby("zone", sort=True).sum()
        out = pd.DataFrame({
            "zone": g.index.to_numpy(),
            "n_buildings": g["n"].to_numpy(),
            "n_buildings_covered": g["cov"].to_numpy(),
            "share_buildings_covered_pct": _pct_array(g["cov"], g["n"]),
            "population": g["pop"].to_numpy(),
            "population_covered": g["pop_cov"].to_numpy(),
            "share_population_covered_pct": _pct_array(g["pop_cov"], g["pop"]),
        })
        out["radius_m"] = self.radius_m
        out["distance_mode"] = self.distance_mode
        return out


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


def _pct_array(part: pd.Series, whole: pd.Series) -> np.ndarray:
    w = whole.to_numpy(dtype=float)
    p = part.to_numpy(dtype=float)
    out: np.ndarray = np.round(np.divide(100.0 * p, w, out=np.zeros_like(p), where=w > 0), 2)
    return out


def zone_of(
    buildings: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, *, column: str
) -> pd.Series:
    """Return the zone of each building (the zone holding its door point).

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Buildings, projected CRS in metres.
    zones : geopandas.GeoDataFrame
        Zone polygons (arrondissements, quartiers), same CRS.
    column : str
        The zones' column to return (e.g. ``arr_num`` or ``quartier``).

    Returns
    -------
    pandas.Series
        Indexed like ``buildings``; missing where a building is in no zone. A building on the
        border of two zones gets the first zone in ``zones`` order.
    """
    check_layers(buildings=buildings, zones=zones)
    if column not in zones.columns:
        raise InputError(
            f"zones has no column {column!r} (columns: {', '.join(map(str, zones.columns))}); "
            "pass the column holding the zone name or number"
        )
    pts = gpd.GeoSeries(door_points(buildings), crs=buildings.crs)
    idx = gpd.GeoSeries(zones.geometry.values, crs=zones.crs).sindex.query(
        pts.values, predicate="intersects"
    )
    order = np.lexsort((idx[1], idx[0]))
    p, z = idx[0][order], idx[1][order]
    first = np.r_[True, p[1:] != p[:-1]] if len(p) else np.zeros(0, bool)
    values = np.full(len(buildings), None, dtype=object)
    values[p[first]] = zones[column].to_numpy()[z[first]]
    return pd.Series(values, index=buildings.index, name=column)


def service_coverage(
    buildings: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    radius_m: float,
    mode: DistanceMode | None = None,
    roads: gpd.GeoDataFrame | None = None,
    graph: RoadGraph | None = None,
    settings: PlanningSettings | None = None,
) -> CoverageResult:
    """Assign every building to its nearest facility and say who is within ``radius_m``.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Buildings with an optional population column (``settings.population_column``),
        projected CRS in metres (EPSG:32631).
    facilities : geopandas.GeoDataFrame
        Facility points or polygons, same CRS.
    radius_m : float
        Coverage radius (metres).
    mode : {"straight", "network"}, optional
        Distance mode; default ``settings.distance_mode``.
    roads : geopandas.GeoDataFrame, optional
        Road lines (same CRS) for network distances.
    graph : RoadGraph, optional
        A prebuilt road graph.
    settings : PlanningSettings, optional
        Population column, persons per building, distance mode.

    Returns
    -------
    CoverageResult
        Per building and per facility tables, and :meth:`CoverageResult.summary`.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> b = gpd.GeoDataFrame({"pop": [4, 6]}, crs="EPSG:32631",
    ...                      geometry=[shapely.Point(0, 0), shapely.Point(500, 0)])
    >>> f = gpd.GeoDataFrame(geometry=[shapely.Point(0, 100)], crs="EPSG:32631")
    >>> service_coverage(b, f, radius_m=300).summary()["share_population_covered_pct"]
    40.0
    """
    s = settings or PlanningSettings()
    if not radius_m > 0:
        raise InputError(f"radius_m={radius_m!r} must be a positive number of metres")
    m: DistanceMode = mode or s.distance_mode
    near = nearest_facility(
        buildings, facilities, mode=m, roads=roads, graph=graph,
        access_spacing_m=s.access_point_spacing_m,
    )
    pop = building_population(buildings, s)
    out = gpd.GeoDataFrame(
        {
            "population": pop,
            "facility": near["facility"],
            "distance_m": near["distance_m"],
            "covered": near["distance_m"] <= radius_m,
            "distance_mode": near["distance_mode"],
        },
        geometry=buildings.geometry.values,
        index=buildings.index,
        crs=buildings.crs,
    )
    for col in buildings.columns:
        if col not in out.columns and col != buildings.geometry.name:
            out[col] = buildings[col].to_numpy()
    frame = pd.DataFrame({
        "facility": near["facility"].to_numpy(),
        "n": 1,
        "pop": pop.to_numpy(),
        "pop_in": np.where(out["covered"], pop, 0.0),
    }).dropna(subset=["facility"])
    g = frame.groupby("facility", sort=False).sum()
    fac = gpd.GeoDataFrame(
        {
            "n_buildings": g["n"].reindex(facilities.index, fill_value=0).astype(int),
            "population": g["pop"].reindex(facilities.index, fill_value=0.0).astype(float),
            "population_within_radius": g["pop_in"]
            .reindex(facilities.index, fill_value=0.0)
            .astype(float),
        },
        geometry=facilities.geometry.values,
        index=facilities.index,
        crs=facilities.crs,
    )
    # keep the facilities' own attributes (names, ids) ahead of the computed figures
    own = [c for c in facilities.columns if c != facilities.geometry.name and c not in fac]
    if own:
        fac = gpd.GeoDataFrame(pd.concat([pd.DataFrame(facilities[own]), pd.DataFrame(fac)],
                                         axis=1), geometry="geometry", crs=facilities.crs)
    return CoverageResult(out, fac, float(radius_m), MODE_LABELS[m])
