"""Distance from every building to its nearest facility, straight-line or along the roads.

Outputs always carry a ``distance_mode`` column (``"straight_line"`` or ``"network"``) so a table
or map says how distances were measured.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parakou_geo._errors import InputError
from parakou_geo.planning._population import check_layers, door_points
from parakou_geo.planning.network import RoadGraph, build_road_graph
from parakou_geo.planning.settings import DistanceMode

__all__ = ["MODE_LABELS", "access_points", "nearest_facility"]

#: Value of the ``distance_mode`` column for each mode.
MODE_LABELS: dict[str, str] = {"straight": "straight_line", "network": "network"}


def access_points(
    facilities: gpd.GeoDataFrame | gpd.GeoSeries, *, spacing_m: float = 25.0
) -> tuple[np.ndarray, np.ndarray]:
    """Return the points from which a facility is reached, and the facility of each.

    Parameters
    ----------
    facilities : geopandas.GeoDataFrame or geopandas.GeoSeries
        Points, lines or polygons, metric CRS.
    spacing_m : float
        A polygon is reached anywhere along its boundary: its boundary vertices, with extra
        points at most this far apart (metres).

    Returns
    -------
    points : numpy.ndarray of shapely.Point
        Access points.
    facility : numpy.ndarray of int
        Position in ``facilities`` of each access point.
    """
    geoms = np.asarray(facilities.geometry.values, dtype=object)
    type_id = shapely.get_type_id(geoms)
    outline = geoms.copy()
    polygonal = np.isin(type_id, (3, 6))
    outline[polygonal] = shapely.boundary(geoms[polygonal])
    outline = shapely.segmentize(outline, spacing_m)
    xy, idx = shapely.get_coordinates(outline, return_index=True)
    return shapely.points(xy), idx.astype(np.int64)


def nearest_facility(
    buildings: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    mode: DistanceMode = "straight",
    roads: gpd.GeoDataFrame | None = None,
    graph: RoadGraph | None = None,
    max_distance_m: float | None = None,
    access_spacing_m: float = 25.0,
) -> pd.DataFrame:
    """Distance from each building to its nearest facility.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Buildings (polygons or door points), projected CRS in metres (EPSG:32631). Distances
        start from a point inside each building (its door point).
    facilities : geopandas.GeoDataFrame
        Facilities (points, or polygons such as parks), same CRS. Distance to a polygon is to its
        nearest edge (0 inside it).
    mode : {"straight", "network"}
        Straight line, or along the road network (needs ``roads`` or ``graph``).
    roads : geopandas.GeoDataFrame, optional
        Road lines, same CRS, for ``mode="network"``.
    graph : RoadGraph, optional
        A graph already built from the roads (saves rebuilding it).
    max_distance_m : float, optional
        Farther facilities are ignored (metres): such buildings get no facility and ``inf``.
    access_spacing_m : float
        Spacing (metres) of access points along polygon boundaries, network mode.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``buildings``: ``facility`` (the index label of the nearest facility,
        missing when none), ``distance_m`` (metres, ``inf`` when none) and ``distance_mode``.

    Raises
    ------
    CRSError
        When a layer is not in a metric CRS or the layers' CRSs differ.
    InputError
        When ``mode="network"`` is asked without roads, or ``facilities`` is empty.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> b = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0), shapely.Point(10, 0)],
    ...                      crs="EPSG:32631")
    >>> f = gpd.GeoDataFrame(geometry=[shapely.Point(0, 3)], index=["well"], crs="EPSG:32631")
    >>> nearest_facility(b, f)["distance_m"].round(2).tolist()
    [3.0, 10.44]
    """
    if mode not in MODE_LABELS:
        raise InputError(f"mode={mode!r} must be 'straight' or 'network'")
    if mode == "network" and roads is None and graph is None:
        raise InputError(
            "mode='network' measures distances along the roads: pass roads=<road lines> (or "
            "graph=build_road_graph(roads)), or use mode='straight'"
        )
    check_layers(buildings=buildings, facilities=facilities, roads=roads)
    if len(facilities) == 0:
        raise InputError("facilities is empty; give at least one facility")
    pts = door_points(buildings)
    fac_geoms = np.asarray(facilities.geometry.values, dtype=object)
    if mode == "straight":
        dist, pos = _straight(pts, fac_geoms, max_distance_m)
    else:
        g = graph if graph is not None else build_road_graph(roads)
        apts, afac = access_points(facilities, spacing_m=access_spacing_m)
        dist, pos = g.nearest(pts, apts, facility_ids=afac, max_distance_m=max_distance_m)
        _inside_d, inside_pos = _straight(pts, fac_geoms, 0.0)
        inside = inside_pos >= 0
        dist[inside], pos[inside] = 0.0, inside_pos[inside]
    labels = pd.Series(facilities.index.to_numpy(), dtype=object)
    facility = labels.reindex(pos).to_numpy()
    return pd.DataFrame(
        {"facility": facility, "distance_m": dist, "distance_mode": MODE_LABELS[mode]},
        index=buildings.index,
    )


def _straight(
    pts: np.ndarray, fac_geoms: np.ndarray, max_distance_m: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest facility by straight line; ties go to the first facility."""
    tree = shapely.STRtree(fac_geoms)
    kwargs = {} if max_distance_m is None else {"max_distance": max(max_distance_m, 1e-9)}
    idx, d = tree.query_nearest(pts, return_distance=True, all_matches=True, **kwargs)
    dist = np.full(len(pts), np.inf)
    pos = np.full(len(pts), -1, dtype=np.int64)
    if idx.shape[1]:
        order = np.lexsort((idx[1], idx[0]))
        p, f, dd = idx[0][order], idx[1][order], d[order]
        first = np.r_[True, p[1:] != p[:-1]]
        dist[p[first]], pos[p[first]] = dd[first], f[first]
    return dist, pos
