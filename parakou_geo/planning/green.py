"""Green-space access: distance to public green space, 300 m shares, SDG 11.7.1, canopy.

Indicators (defaults in :class:`~parakou_geo.planning.settings.PlanningSettings`):

* WHO Europe 2016: living within 300 m of a public green space of at least 0.5 ha (and 1 ha);
* SDG 11.7.1: population within 400 m **walking** of open public space: the network distance
  when roads are given, else the straight line times ``detour_factor`` (1.5);
* the "30" of 3-30-300: tree canopy share per zone, against 30 %, when a canopy layer is given;
* green space per inhabitant per zone (m²/inhabitant; no WHO standard exists for it).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parakou_geo._errors import InputError
from parakou_geo.planning._population import building_population, check_layers
from parakou_geo.planning.distance import MODE_LABELS, nearest_facility
from parakou_geo.planning.network import RoadGraph, build_road_graph
from parakou_geo.planning.settings import DistanceMode, PlanningSettings

__all__ = ["GreenAccessResult", "green_access", "green_by_zone"]

_M2_PER_HA = 10_000.0


@dataclass(frozen=True)
class GreenAccessResult:
    """Green-space access of every building.

    Attributes
    ----------
    buildings : geopandas.GeoDataFrame
        Indexed like the input: ``population``, ``green_distance_m`` (to the nearest green
        space ≥ ``green_min_area_ha``), ``green_within`` (≤ ``green_max_distance_m``),
        ``green_large_distance_m``/``green_large_within`` (≥ ``green_min_area_large_ha``),
        ``sdg_walk_m`` (walking distance to any open public space) and ``sdg_within``
        (≤ ``sdg_walk_distance_m``), ``distance_mode``, ``sdg_distance_mode``.
    green_spaces : geopandas.GeoDataFrame
        The input green spaces with ``area_ha``, ``counted`` and ``counted_large``.
    """

    buildings: gpd.GeoDataFrame
    green_spaces: gpd.GeoDataFrame

    def summary(self) -> dict[str, float | int | str]:
        """Return overall shares (percent) of buildings and population within reach."""
        row = self.by_group(pd.Series("all", index=self.buildings.index)).iloc[0]
        return {str(k): v.item() if hasattr(v, "item") else v for k, v in row.items()}

    def by_group(self, groups: pd.Series | str) -> pd.DataFrame:
        """Return the shares per zone or quartier.

        Parameters
        ----------
        groups : pandas.Series or str
            Zone of each building (indexed like the buildings), or a column name.

        Returns
        -------
        pandas.DataFrame
            ``zone``, ``n_buildings``, ``population``, ``share_buildings_green_pct``,
            ``share_population_green_pct``, ``share_population_green_large_pct``,
            ``share_population_sdg_pct``, ``distance_mode``, ``sdg_distance_mode``.
        """
        b = self.buildings
        key = b[groups] if isinstance(groups, str) else groups.reindex(b.index)
        pop = b["population"].to_numpy()
        f = pd.DataFrame({
            "zone": key.fillna("(hors zone)").astype(str).to_numpy(),
            "n": 1,
            "pop": pop,
            "b_green": b["green_within"].astype(int).to_numpy(),
            "p_green": np.where(b["green_within"], pop, 0.0),
            "p_large": np.where(b["green_large_within"], pop, 0.0),
            "p_sdg": np.where(b["sdg_within"], pop, 0.0),
        })
        g = f.groupby("zone", sort=True).sum()
        n, p = g["n"].to_numpy(float), g["pop"].to_numpy(float)

        def pct(x: pd.Series, whole: np.ndarray) -> np.ndarray:
            v = x.to_numpy(float)
            ratio = np.divide(100 * v, whole, out=np.zeros_like(v), where=whole > 0)
            out: np.ndarray = np.round(ratio, 2)
            return out

        return pd.DataFrame({
            "zone": g.index.to_numpy(),
            "n_buildings": g["n"].to_numpy(),
            "population": p,
            "share_buildings_green_pct": pct(g["b_green"], n),
            "share_population_green_pct": pct(g["p_green"], p),
            "share_population_green_large_pct": pct(g["p_large"], p),
            "share_population_sdg_pct": pct(g["p_sdg"], p),
            "distance_mode": b["distance_mode"].iloc[0] if len(b) else "",
            "sdg_distance_mode": b["sdg_distance_mode"].iloc[0] if len(b) else "",
        })


def green_access(
    buildings: gpd.GeoDataFrame,
    green_spaces: gpd.GeoDataFrame,
    *,
    mode: DistanceMode | None = None,
    roads: gpd.GeoDataFrame | None = None,
    graph: RoadGraph | None = None,
    settings: PlanningSettings | None = None,
) -> GreenAccessResult:
    """Distance from every building to public green space, and who is within reach.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Buildings with an optional population column, projected CRS in metres (EPSG:32631).
    green_spaces : geopandas.GeoDataFrame
        Public green / open space polygons, same CRS. All of them count as open public space
        for SDG 11.7.1; only those of at least ``green_min_area_ha`` for the 300 m indicator.
    mode : {"straight", "network"}, optional
        Distance mode for the 300 m indicators; default ``settings.distance_mode``.
    roads : geopandas.GeoDataFrame, optional
        Road lines (same CRS): network distances, and the SDG walking distance.
    graph : RoadGraph, optional
        A prebuilt road graph.
    settings : PlanningSettings, optional
        Thresholds (300 m, 0.5 ha, 1 ha, 400 m walking, detour factor 1.5).

    Returns
    -------
    GreenAccessResult
        Per building distances and flags; shares with :meth:`GreenAccessResult.by_group`.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> b = gpd.GeoDataFrame({"pop": [5.0, 5.0]}, crs="EPSG:32631",
    ...                      geometry=[shapely.Point(0, 0), shapely.Point(1000, 0)])
    >>> park = gpd.GeoDataFrame(geometry=[shapely.box(100, -50, 200, 50)], crs="EPSG:32631")
    >>> green_access(b, park).summary()["share_population_green_pct"]
    50.0
    """
    s = settings or PlanningSettings()
    m: DistanceMode = mode or s.distance_mode
    check_layers(buildings=buildings, green_spaces=green_spaces, roads=roads)
    if len(green_spaces) == 0:
        raise InputError("green_spaces is empty; give the public green space polygons")
    g = graph
    if g is None and roads is not None:
        g = build_road_graph(roads, snap_tolerance_m=s.snap_tolerance_m)
    area_ha = green_spaces.geometry.area / _M2_PER_HA
    counted = area_ha >= s.green_min_area_ha - 1e-9
    large = area_ha >= s.green_min_area_large_ha - 1e-9
    pop = building_population(buildings, s)

    def dist(select: pd.Series, how: DistanceMode) -> tuple[np.ndarray, str]:
        if not select.any():
            return np.full(len(buildings), np.inf), MODE_LABELS[how]
        near = nearest_facility(buildings, green_spaces[select], mode=how, graph=g,
                                access_spacing_m=s.access_point_spacing_m)
        return near["distance_m"].to_numpy(), MODE_LABELS[how]

    d_green, label = dist(counted, m)
    d_large, _ = dist(large, m)
    if g is not None:
        d_sdg, _ = dist(pd.Series(True, index=green_spaces.index), "network")
        sdg_label = MODE_LABELS["network"]
    else:
        d_straight, _ = dist(pd.Series(True, index=green_spaces.index), "straight")
        d_sdg = d_straight * s.detour_factor
        sdg_label = f"straight_line×{s.detour_factor:g}"
    out = gpd.GeoDataFrame(
        {
            "population": pop,
            "green_distance_m": d_green,
            "green_within": d_green <= s.green_max_distance_m,
            "green_large_distance_m": d_large,
            "green_large_within": d_large <= s.green_max_distance_m,
            "sdg_walk_m": d_sdg,
            "sdg_within": d_sdg <= s.sdg_walk_distance_m,
            "distance_mode": label,
            "sdg_distance_mode": sdg_label,
        },
        geometry=buildings.geometry.values,
        index=buildings.index,
        crs=buildings.crs,
    )
    for col in buildings.columns:
        if col not in out.columns and col != buildings.geometry.name:
            out[col] = buildings[col].to_numpy()
    spaces = green_spaces.copy()
    spaces["area_ha"] = area_ha.round(4)
    spaces["counted"] = counted
    spaces["counted_large"] = large
    return GreenAccessResult(out, spaces)


def green_by_zone(
    zones: gpd.GeoDataFrame,
    green_spaces: gpd.GeoDataFrame,
    *,
    column: str,
    population: pd.Series | None = None,
    canopy: gpd.GeoDataFrame | None = None,
    settings: PlanningSettings | None = None,
) -> pd.DataFrame:
    """Green area, green space per inhabitant and canopy share per zone.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        Zone polygons (arrondissements or quartiers), projected CRS in metres.
    green_spaces : geopandas.GeoDataFrame
        Public green space polygons, same CRS.
    column : str
        The zones' name or number column.
    population : pandas.Series, optional
        Inhabitants per zone, indexed by the zone value (e.g. the ``population`` column of
        :meth:`GreenAccessResult.by_group`, or a census table).
    canopy : geopandas.GeoDataFrame, optional
        Tree canopy polygons, same CRS: adds ``canopy_share_pct`` and ``canopy_target_met``
        (≥ ``canopy_target_share``, 30 %).
    settings : PlanningSettings, optional
        The canopy target.

    Returns
    -------
    pandas.DataFrame
        ``zone``, ``zone_area_ha``, ``green_area_ha``, ``green_share_pct``, ``population``,
        ``green_m2_per_inhabitant`` and, with a canopy layer, the canopy columns.
    """
    s = settings or PlanningSettings()
    check_layers(zones=zones, green_spaces=green_spaces, canopy=canopy)
    if column not in zones.columns:
        raise InputError(
            f"zones has no column {column!r} (columns: {', '.join(map(str, zones.columns))})"
        )
    zg = np.asarray(zones.geometry.values, dtype=object)
    zone_area = shapely.area(zg)

    def covered_area(layer: gpd.GeoDataFrame) -> np.ndarray:
        union = shapely.union_all(np.asarray(layer.geometry.values, dtype=object))
        return np.asarray(shapely.area(shapely.intersection(zg, union)))

    green = covered_area(green_spaces)
    out = pd.DataFrame({
        "zone": zones[column].astype(str).to_numpy(),
        "zone_area_ha": np.round(zone_area / _M2_PER_HA, 4),
        "green_area_ha": np.round(green / _M2_PER_HA, 4),
        "green_share_pct": np.round(100 * green / np.where(zone_area > 0, zone_area, 1), 2),
    })
    if population is not None:
        pop = population.copy()
        pop.index = pop.index.astype(str)
        p = pop.reindex(out["zone"]).to_numpy(dtype=float)
        out["population"] = p
        with np.errstate(divide="ignore", invalid="ignore"):
            out["green_m2_per_inhabitant"] = np.round(np.where(p > 0, green / p, np.nan), 2)
    if canopy is not None:
        c = covered_area(canopy)
        share = c / np.where(zone_area > 0, zone_area, 1)
        out["canopy_share_pct"] = np.round(100 * share, 2)
        out["canopy_target_met"] = share >= s.canopy_target_share - 1e-12
    return out.sort_values("zone", kind="stable").reset_index(drop=True)
