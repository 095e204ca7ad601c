"""Private: compact, JSON-safe and script-safe encoding of layers for the map runtime.

Geometries are sent as one flat array of integer coordinates (degrees × 10^decimals, each
value the difference from the previous one) plus the offsets of
:func:`shapely.to_ragged_array`; attributes as columns of display text. User text is never
turned into HTML: the runtime shows it with ``textContent``, and :func:`script_json` escapes
``<``, ``>``, ``&`` and the JS line separators so nothing can close the ``<script>`` element.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parakou_geo._errors import CRSError, InputError

__all__ = [
    "GeomKind",
    "categorical",
    "display_values",
    "encode_geometry",
    "raise_all",
    "script_json",
    "to_lonlat",
]

GeomKind = Literal["point", "line", "polygon"]

_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                   "\u2029": "\\u2029"}


def script_json(value: Any) -> str:
    r"""Return ``value`` as JSON that can be pasted inside a ``<script>`` element.

    Examples
    --------
    >>> print(script_json({"name": "</script><b>"}))
    {"name":"\u003c/script\u003e\u003cb\u003e"}
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escaped in _SCRIPT_ESCAPES.items():
        text = text.replace(char, escaped)
    return text


def raise_all(problems: list[str], errors: list[InputError]) -> None:
    """Raise one error listing every problem; a lone error keeps its own class (CRSError...)."""
    if len(problems) == 1 and len(errors) == 1:
        raise errors[0]
    if problems:
        raise InputError(problems)


def to_lonlat(gdf: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    """Return a copy of ``gdf`` in EPSG:4326 without null or empty geometries.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        A layer in any CRS (EPSG:32631 for the register). A missing CRS is an error.
    name : str
        The argument name, shown in error messages.

    Returns
    -------
    geopandas.GeoDataFrame
        The layer in EPSG:4326 (degrees), original index kept.
    """
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(
            f"{name} must be a GeoDataFrame, got {type(gdf).__name__}; read the file first, "
            "e.g. parakou_geo.read_layer(path)"
        )
    if gdf.crs is None:
        raise CRSError(
            f"{name} has no CRS; set it first, e.g. {name} = {name}.set_crs('EPSG:32631')"
        )
    geoms = gdf.geometry
    keep = ~(geoms.isna().to_numpy() | shapely.is_empty(geoms.array))
    out = gdf.loc[keep]
    return out.to_crs(4326) if not out.crs.equals("EPSG:4326") else out.copy()


def encode_geometry(geoms: gpd.GeoSeries, *, decimals: int) -> dict[str, Any]:
    """Encode geometries in EPSG:4326 as delta-coded integer coordinates.

    Parameters
    ----------
    geoms : geopandas.GeoSeries
        Points, lines or polygons (single and multi parts may be mixed) in EPSG:4326, no
        empty geometries.
    decimals : int
        Decimals kept in degrees (6 ≈ 0.1 m).

    Returns
    -------
    dict
        ``kind`` ("point", "line", "polygon"), ``scale`` (10**decimals), ``c`` (flat list of
        lon/lat integer differences) and ``o`` (ragged-array offsets, outermost last).
    """
    arr = np.asarray(shapely.force_2d(geoms.array), dtype=object)
    if len(arr) == 0:
        return {"kind": "point", "scale": 10**decimals, "c": [], "o": []}
    types = set(shapely.get_type_id(arr).tolist())
    if types <= {0, 4}:
        kind: GeomKind = "point"
        arr = shapely.get_parts(arr) if 4 in types else arr
    elif types <= {1, 2, 5}:
        kind = "line"
        arr = _lines_only(arr)
    elif types <= {3, 6}:
        kind = "polygon"
    else:
        raise InputError(
            "a map layer mixes points, lines and polygons (geometry type ids "
            f"{sorted(types)}); split it into one layer per geometry type"
        )
    _, coords, offsets = shapely.to_ragged_array(arr)
    scale = 10**decimals
    ints = np.round(coords * scale).astype(np.int64)
    # lon and lat alternate in the flat array: difference each with its own predecessor.
    flat = ints.reshape(-1)
    deltas = np.empty_like(flat)
    deltas[:2] = flat[:2]
    deltas[2:] = flat[2:] - flat[:-2]
    return {
        "kind": kind,
        "scale": scale,
        "c": deltas.tolist(),
        "o": [o.astype(np.int64).tolist() for o in offsets],
    }


def _lines_only(arr: np.ndarray) -> np.ndarray:
    """Turn linear rings into line strings so that one ragged array holds them all."""
    rings = shapely.get_type_id(arr) == 2
    if rings.any():
        arr = arr.copy()
        arr[rings] = shapely.linestrings(shapely.get_coordinates(arr[rings]),
                                         indices=np.repeat(np.arange(int(rings.sum())),
                                                           shapely.get_num_coordinates(
                                                               arr[rings])))
    return arr


def display_values(values: pd.Series, *, digits: int = 2) -> list[Any]:
    """Return the values of a column as JSON-safe display values.

    Integers stay integers, other numbers are rounded to ``digits``; missing values (None,
    NaN, NaT, pandas.NA) become ``None``; dates become ISO text; everything else (decimals,
    bytes, objects) its text.

    Examples
    --------
    >>> display_values(pd.Series([1, None, "a", 2.345]))
    [1, None, 'a', 2.35]
    """
    return [_display(v, digits) for v in values.astype(object).tolist()]


def _display(value: Any, digits: int) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating | decimal.Decimal):
        f = float(value)
        if not math.isfinite(f):
            return None
        return int(f) if f.is_integer() and abs(f) < 2**53 else round(f, digits)
    if isinstance(value, dt.datetime | dt.date | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def categorical(values: pd.Series) -> tuple[list[int], list[str]]:
    """Return integer codes and their sorted categories (as text) for a column.

    Missing values get code ``-1``.

    Examples
    --------
    >>> categorical(pd.Series(["b", "a", None, "b"]))
    ([1, 0, -1, 1], ['a', 'b'])
    """
    text = [None if v is None else str(v) for v in display_values(values)]
    cats = sorted({t for t in text if t is not None})
    index = {c: i for i, c in enumerate(cats)}
    return [-1 if t is None else index[t] for t in text], cats
