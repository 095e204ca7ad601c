"""Reverse search: from positions to the nearest address and the number a door there gets.

Vectorised over any number of points: one KD-tree query for the nearest addresses, one bulk
nearest-piece query on the oriented street pieces (:class:`parakou_geo.numbering.StreetIndex`)
for the street, side and distance along it, and the numbering rule of
:mod:`parakou_geo.numbering` for the number.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parakou_geo._errors import InputError
from parakou_geo.numbering import StreetIndex, _parity_round, suffix_for
from parakou_geo.pluscodes import plus_codes
from parakou_geo.register.labels import make_labels

if TYPE_CHECKING:
    from parakou_geo.geocode.geocoder import Geocoder

__all__ = ["REVERSE_COLUMNS", "reverse_geocode"]

#: Columns of the reverse table, in order.
REVERSE_COLUMNS: tuple[str, ...] = (
    "lon", "lat", "plus_code", "label", "address_id", "status", "address_distance_m",
    "street_code", "street_name", "side", "street_distance_m", "along_m", "number",
    "would_label",
)


def _points(geo: Geocoder, points: object) -> tuple[np.ndarray, pd.Index]:
    """Return ``(n, 2)`` metric coordinates and the index of the input."""
    if isinstance(points, gpd.GeoDataFrame):
        points = points.geometry
    if isinstance(points, gpd.GeoSeries):
        if points.crs is None:
            raise InputError("points have no CRS; set one (e.g. EPSG:4326 for lon/lat)")
        metric = points.to_crs(geo.crs)
        bad = ~(metric.geom_type == "Point").to_numpy()
        if bad.any():
            raise InputError(f"{int(bad.sum())} of the geometries are not points (first at "
                             f"row {metric.index[np.flatnonzero(bad)[0]]!r})")
        return shapely.get_coordinates(np.asarray(metric.array)), points.index
    arr = np.asarray(points, dtype=float) if not isinstance(points, np.ndarray) else \
        points.astype(float)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise InputError(f"points: expected (lon, lat) pairs, an (n, 2) array; got shape "
                         f"{arr.shape}")
    lon, lat = arr[:, 0], arr[:, 1]
    bad = ~((np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"point {i} ({lon[i]}, {lat[i]}) is not a (lon, lat) in degrees")
    x, y = geo._to_metric.transform(lon, lat)
    return np.c_[x, y], pd.RangeIndex(len(arr))


def reverse_geocode(
    geo: Geocoder,
    points: gpd.GeoSeries | gpd.GeoDataFrame | np.ndarray | Sequence[tuple[float, float]],
    *,
    max_distance_m: float = 100.0,
    with_plus_codes: bool = True,
) -> pd.DataFrame:
    """Return, for each point, the nearest address, its street, side and the number it gets.

    Parameters
    ----------
    geo : Geocoder
        The register's geocoder.
    points : geopandas.GeoSeries, geopandas.GeoDataFrame or array-like
        Points in any CRS, or an ``(n, 2)`` array of ``(lon, lat)`` in EPSG:4326.
    max_distance_m : float
        Streets farther than this (metres) are not considered.
    with_plus_codes : bool
        Also give each point's Plus Code (about 20 µs per point; ``None`` when false).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``points``, columns :data:`REVERSE_COLUMNS`: the point's ``lon``,
        ``lat`` and ``plus_code``; the nearest active address (``label``, ``address_id``,
        ``status``, ``address_distance_m``); the nearest street (``street_code``,
        ``street_name``), the ``side`` of it the point is on, its distance to the street and
        along it from the origin (``along_m``, metres); ``number``, the number a door at this
        point would get on that street (metric and decametric numbering), and
        ``would_label``, with the next free suffix when that number is taken.
    """
    if not max_distance_m > 0:
        raise InputError(f"max_distance_m must be positive, got {max_distance_m!r}")
    xy, index = _points(geo, points)
    n = len(xy)
    lon, lat = geo._to_lonlat.transform(xy[:, 0], xy[:, 1])
    out = pd.DataFrame({"lon": np.round(lon, 7), "lat": np.round(lat, 7)}, index=index)
    out["plus_code"] = (plus_codes(np.asarray(lon), np.asarray(lat)) if with_plus_codes
                        else None)
    tree, rows = geo._active_tree
    label = np.full(n, None, dtype=object)
    a_id = np.full(n, None, dtype=object)
    status = np.full(n, None, dtype=object)
    a_dist = np.full(n, np.nan)
    if len(rows) and n:
        d, k = tree.query(xy, k=1)
        r = rows[k]
        label, a_id, status = geo.label[r], geo.address_id[r], geo.status[r]
        a_dist = np.round(d, 1)
    out["label"], out["address_id"], out["status"] = label, a_id, status
    out["address_distance_m"] = a_dist
    street = _street_part(geo, xy, max_distance_m)
    for col in ("street_code", "street_name", "side", "street_distance_m", "along_m",
                "number", "would_label"):
        out[col] = street[col].to_numpy() if col != "number" else street[col].array
    return out[list(REVERSE_COLUMNS)]


def _street_index(geo: Geocoder) -> tuple[StreetIndex, np.ndarray] | None:
    cached: tuple[StreetIndex, np.ndarray] | None = geo.__dict__.get("_reverse_index")
    if cached is not None:
        return cached
    pieces = geo._pieces
    if len(pieces) == 0:
        return None
    codes, street = np.unique(pieces["street_code"].to_numpy(dtype=object).astype(str),
                              return_inverse=True)
    seg = gpd.GeoDataFrame({"street": street, "offset_m": pieces["offset_m"].to_numpy()},
                           geometry=pieces.geometry.values, crs=pieces.crs)
    built = (StreetIndex(seg), codes)
    geo.__dict__["_reverse_index"] = built
    return built


def _street_part(geo: Geocoder, xy: np.ndarray, max_distance_m: float) -> pd.DataFrame:
    n = len(xy)
    frame = pd.DataFrame({
        "street_code": np.full(n, None, dtype=object),
        "street_name": np.full(n, None, dtype=object),
        "side": np.full(n, None, dtype=object),
        "street_distance_m": np.full(n, np.nan),
        "along_m": np.full(n, np.nan),
        "number": pd.array(np.full(n, pd.NA), dtype="Int64"),
        "would_label": np.full(n, None, dtype=object),
    })
    built = _street_index(geo)
    if built is None or n == 0:
        return frame
    index, codes = built
    pts = shapely.points(xy)
    pi, piece, dist = index.nearest(pts, max_distance_m=max_distance_m, xy=xy)
    if len(pi) == 0:
        return frame
    piece = index.off_spurs(xy[pi], piece)  # measured as the register measured its doors
    along, _fx, _fy, cross = index.project(xy[pi], piece)
    left = cross > 0
    code = codes[index.street[piece]]
    streets = geo._streets
    method = np.array([streets[c].method if c in streets else "" for c in code], dtype=object)
    name = np.array([streets[c].name if c in streets else "" for c in code], dtype=object)
    scale = np.where(method == "decametric", 10.0, 1.0)
    numbered = np.isin(method, ("metric", "decametric"))
    number = _parity_round(along / scale, left)
    frame.loc[pi, "street_code"] = code
    frame.loc[pi, "street_name"] = name
    frame.loc[pi, "side"] = np.where(left, "left", "right")
    frame.loc[pi, "street_distance_m"] = np.round(dist, 1)
    frame.loc[pi, "along_m"] = np.round(along, 1)
    num = pd.array(np.where(numbered, number, 0), dtype="Int64")
    num[~numbered] = pd.NA
    frame.loc[pi, "number"] = num
    taken = _taken_counts(geo)
    ranks = np.array([taken.get((c, int(v)), 0) for c, v in zip(code, number, strict=True)])
    suffix = np.array([suffix_for(int(rk), "latin") if rk <= 9 else suffix_for(int(rk),
                                                                             "letters")
                       for rk in ranks], dtype=object)
    labels = np.array(make_labels(number, suffix, code.astype(object), geo.prefix),
                      dtype=object)
    labels[~numbered] = None
    frame.loc[pi, "would_label"] = labels
    return frame


def _taken_counts(geo: Geocoder) -> dict[tuple[str, int], int]:
    """How many addresses (any status: numbers are never reused) hold each number."""
    cached: dict[tuple[str, int], int] | None = geo.__dict__.get("_taken_counts")
    if cached is None:
        cached = {k: len(v) for k, v in geo._by_number.items()}
        geo.__dict__["_taken_counts"] = cached
    return cached
