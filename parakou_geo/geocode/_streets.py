"""Private: street lines measured from their origin, for interpolated numbers and reverse."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["Pieces", "oriented_segments", "place_along"]


def oriented_segments(
    streets: gpd.GeoDataFrame, segments: gpd.GeoDataFrame | None
) -> gpd.GeoDataFrame:
    """Return oriented pieces ``street_code``, ``offset_m``, ``geometry`` (metric CRS).

    The register's ``segments`` layer is used when there is one. Without it, each street's
    lines are merged and turned so that they start at the street's origin; the parts of a
    street that stays in several pieces follow each other in order of distance to the origin.
    """
    if segments is not None and len(segments):
        out = segments[["street_code", "offset_m", "geometry"]].copy()
        out["street_code"] = out["street_code"].astype(str)
        out["offset_m"] = out["offset_m"].astype(float)
        return gpd.GeoDataFrame(out.reset_index(drop=True), crs=segments.crs)
    merged = shapely.line_merge(np.asarray(streets.geometry.array))
    parts, owner = shapely.get_parts(merged, return_index=True)
    codes = streets["street_code"].astype(str).to_numpy()[owner]
    if {"origin_x", "origin_y"} <= set(streets.columns):
        ox = streets["origin_x"].to_numpy(dtype=float)[owner]
        oy = streets["origin_y"].to_numpy(dtype=float)[owner]
    else:
        start = shapely.get_point(parts, 0)
        ox, oy = shapely.get_x(start), shapely.get_y(start)
    first, last = shapely.get_point(parts, 0), shapely.get_point(parts, -1)
    d_first = np.hypot(shapely.get_x(first) - ox, shapely.get_y(first) - oy)
    d_last = np.hypot(shapely.get_x(last) - ox, shapely.get_y(last) - oy)
    flip = d_last < d_first
    parts = parts.copy()
    parts[flip] = shapely.reverse(parts[flip])
    frame = pd.DataFrame({"street_code": codes, "near": np.minimum(d_first, d_last),
                          "length": shapely.length(parts)})
    order = np.lexsort((frame["near"].to_numpy(), codes))
    frame = frame.iloc[order]
    offset = frame.groupby("street_code", sort=False)["length"].cumsum() - frame["length"]
    return gpd.GeoDataFrame({"street_code": frame["street_code"].to_numpy(),
                             "offset_m": offset.to_numpy(dtype=float)},
                            geometry=parts[order], crs=streets.crs)


class Pieces:
    """The oriented pieces as arrays (offsets, lines, lengths), for quick look-ups."""

    def __init__(self, pieces: gpd.GeoDataFrame) -> None:
        self.offset = pieces["offset_m"].to_numpy(dtype=float)
        self.geom = np.asarray(pieces.geometry.array)
        self.length = shapely.length(self.geom)


def place_along(
    pieces: Pieces, rows: np.ndarray, distance_m: float, *, left: bool,
    setback_m: float,
) -> tuple[float, float, float, float] | None:
    """Place a door ``distance_m`` along a street, ``setback_m`` to its left or right.

    Parameters
    ----------
    pieces : Pieces
        From :func:`oriented_segments`.
    rows : numpy.ndarray of int
        The positions of the street's pieces in ``pieces``.
    distance_m : float
        Distance from the street's origin (metres).
    left : bool
        Left of the direction of progression (odd numbers).
    setback_m : float
        Distance of the door from the street line (metres).

    Returns
    -------
    tuple of float or None
        ``(door_x, door_y, street_x, street_y)``; ``None`` when the street has no pieces or
        the distance is beyond its end.
    """
    if len(rows) == 0:
        return None
    offsets, geoms, lengths = pieces.offset[rows], pieces.geom[rows], pieces.length[rows]
    inside = (offsets <= distance_m + 1e-9) & (distance_m <= offsets + lengths + 1e-9)
    if not inside.any():
        return None
    k = int(np.flatnonzero(inside)[0])
    line, local = geoms[k], distance_m - offsets[k]
    foot = shapely.line_interpolate_point(line, local)
    a = shapely.line_interpolate_point(line, max(local - 1.0, 0.0))
    b = shapely.line_interpolate_point(line, min(local + 1.0, float(lengths[k])))
    dx, dy = shapely.get_x(b) - shapely.get_x(a), shapely.get_y(b) - shapely.get_y(a)
    norm = float(np.hypot(dx, dy)) or 1.0
    nx, ny = -dy / norm, dx / norm  # left of the direction of progression
    sign = 1.0 if left else -1.0
    fx, fy = float(shapely.get_x(foot)), float(shapely.get_y(foot))
    return fx + sign * setback_m * nx, fy + sign * setback_m * ny, fx, fy
