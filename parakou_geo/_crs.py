"""Private CRS helpers: metric checks, UTM zone choice, plausibility of coordinates."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
from pyproj import CRS, Transformer

from parakou_geo._errors import CRSError

__all__ = [
    "check_coordinates_match_crs",
    "check_metric_crs_fits",
    "require_metric",
    "resolve_metric_crs",
    "utm_crs_for",
]


def utm_crs_for(lon: float, lat: float) -> CRS:
    """Return the WGS 84 / UTM CRS whose zone holds ``(lon, lat)`` (degrees)."""
    zone = min(60, max(1, math.floor((lon + 180.0) / 6.0) + 1))
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def resolve_metric_crs(setting: str, roads: gpd.GeoDataFrame) -> CRS:
    """Turn the ``crs`` setting into a projected CRS.

    Parameters
    ----------
    setting : str
        An EPSG code or ``"auto"``.
    roads : geopandas.GeoDataFrame
        Roads with a CRS; their centroid picks the UTM zone for ``"auto"``.

    Returns
    -------
    pyproj.CRS
        A projected CRS in metres.
    """
    if setting == "auto":
        minx, miny, maxx, maxy = roads.to_crs(4326).total_bounds
        return utm_crs_for((minx + maxx) / 2.0, (miny + maxy) / 2.0)
    try:
        crs = CRS.from_user_input(setting)
    except Exception as exc:  # pyproj raises its own CRSError
        raise CRSError(f"crs setting {setting!r} is not a known CRS ({exc})") from exc
    if not crs.is_projected:
        raise CRSError(
            f"crs setting {setting!r} is geographic (degrees); choose a metric CRS such as "
            "'EPSG:32631' (UTM 31N, Parakou) or 'auto'"
        )
    return crs


def check_metric_crs_fits(metric: CRS, data: gpd.GeoDataFrame, source: str) -> None:
    """Refuse a metric CRS whose area of use is far from the data.

    A UTM zone used far from its own zone distorts distances (about 4 % at 16° of longitude
    away), so door numbers would be wrong in metres.

    Raises
    ------
    CRSError
        With the one-option fix (``--metric-crs auto``).
    """
    area = metric.area_of_use
    if area is None or len(data) == 0:
        return
    minx, miny, maxx, maxy = data.to_crs(4326).total_bounds
    lon, lat = (minx + maxx) / 2.0, (miny + maxy) / 2.0
    west, south, east, north = area.bounds
    margin = 1.0
    if not (west - margin <= lon <= east + margin and south - margin <= lat <= north + margin):
        best = utm_crs_for(lon, lat).to_string()
        raise CRSError(
            f"{source}: the data lie at lon {lon:.2f}, lat {lat:.2f}, outside the area of the "
            f"metric CRS {metric.to_string()} ({metric.name}), where distances in metres would "
            f"be distorted. Fix: use the data's own UTM zone: --metric-crs auto (here {best}), "
            f"or in Python AddressingSettings(crs='auto')"
        )


def require_metric(gdf: gpd.GeoDataFrame | gpd.GeoSeries, name: str) -> None:
    """Raise :class:`CRSError` unless ``gdf`` has a projected CRS in metres.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame or geopandas.GeoSeries
        The data passed to a metric function.
    name : str
        The argument name, shown in the message.
    """
    crs = gdf.crs
    if crs is None:
        raise CRSError(
            f"{name} has no CRS; set it first, e.g. {name} = {name}.set_crs('EPSG:4326')"
            f".to_crs('EPSG:32631')"
        )
    if not crs.is_projected:
        raise CRSError(
            f"{name} is in a geographic CRS ({crs.to_string()}, degrees) but this function works "
            f"in metres; reproject first: {name} = {name}.to_crs('EPSG:32631')"
        )
    unit = crs.axis_info[0].unit_name if crs.axis_info else "metre"
    if unit not in ("metre", "meter"):
        raise CRSError(
            f"{name} is in {crs.to_string()} whose unit is {unit!r}, not metres; reproject "
            f"first: {name} = {name}.to_crs('EPSG:32631')"
        )


def check_coordinates_match_crs(gdf: gpd.GeoDataFrame, source: str) -> list[str]:
    """Return problems when the coordinates cannot be in the declared CRS.

    Catches the common mistakes of a layer in degrees declared as UTM (every coordinate between
    -180 and 180) and a projected layer declared as EPSG:4326 (values beyond ±180/±90).
    """
    crs = gdf.crs
    if crs is None or len(gdf) == 0:
        return []
    bounds = gdf.geometry.total_bounds
    if not np.all(np.isfinite(bounds)):
        return []
    minx, miny, maxx, maxy = bounds
    looks_degrees = minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90
    if crs.is_projected and looks_degrees:
        return [
            f"{source}: coordinates look like longitude/latitude in degrees (x {minx:.4f} to "
            f"{maxx:.4f}, y {miny:.4f} to {maxy:.4f}) but the layer declares "
            f"{crs.to_string()} (metres). Fix: set the layer's CRS to EPSG:4326 without "
            "reprojecting (QGIS: Layer ▸ Set CRS, then save; Python: gdf.set_crs('EPSG:4326', "
            "allow_override=True)). --crs cannot fix it: it only applies to layers that have "
            "no CRS"
        ]
    if crs.is_geographic and not looks_degrees:
        return [
            f"{source}: coordinates up to x {maxx:.0f}, y {maxy:.0f} cannot be degrees but the "
            f"layer declares {crs.to_string()}. Fix: set the layer's true projected CRS, e.g. "
            "gdf.set_crs('EPSG:32631', allow_override=True), or pass --crs EPSG:32631"
        ]
    if crs.is_projected and crs.area_of_use is not None:
        west, south, east, north = crs.area_of_use.bounds
        try:
            tr = Transformer.from_crs(crs, 4326, always_xy=True)
            lon, lat = tr.transform((minx + maxx) / 2.0, (miny + maxy) / 2.0)
        except Exception:  # pragma: no cover - pyproj failure on exotic CRS
            return []
        margin = 6.0
        if not (
            west - margin <= lon <= east + margin and south - margin <= lat <= north + margin
        ):
            return [
                f"{source}: the data centre falls at lon {lon:.2f}, lat {lat:.2f}, far outside "
                f"the area of {crs.to_string()} ({crs.name}). The declared CRS is probably "
                "wrong. Fix: set the CRS the coordinates were really made in "
                "(gdf.set_crs(..., allow_override=True) or --crs)"
            ]
    return []
