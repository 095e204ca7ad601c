"""New rows of the register's ``addresses`` table, and the fingerprints of its inputs.

Used by the first build (:mod:`parakou_geo.pipeline`) and by :mod:`parakou_geo.register.update`, so
that an address added later has exactly the columns and label of one made by the first build.
"""

from __future__ import annotations

import functools
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, overload

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyproj import CRS, Transformer

from parakou_geo.numbering import LATIN_SUFFIXES
from parakou_geo.register import ADDRESS_COLUMNS, address_uuid_array
from parakou_geo.register.labels import make_labels
from parakou_geo.settings import AddressingSettings

__all__ = ["address_rows", "building_zones", "file_fingerprint", "input_fingerprint",
           "quartier_of", "roads_fingerprint"]


def address_rows(
    *,
    building_ids: np.ndarray,
    doors: np.ndarray,
    codes: np.ndarray,
    numbers: np.ndarray,
    suffixes: np.ndarray,
    street_names: np.ndarray,
    zones: np.ndarray,
    numbering: pd.DataFrame,
    quartiers: gpd.GeoDataFrame | None,
    passthrough: pd.DataFrame,
    settings: AddressingSettings,
    metric_crs: CRS,
    day: str,
    zone_polygons: gpd.GeoDataFrame | None = None,
    door_xy: np.ndarray | None = None,
) -> pd.DataFrame:
    """Return new register rows (columns :data:`ADDRESS_COLUMNS`, then pass-through ids).

    Parameters
    ----------
    building_ids, doors, codes, numbers, suffixes, street_names, zones : numpy.ndarray
        One value per new address; ``doors`` are points in ``metric_crs``.
    numbering : pandas.DataFrame
        The rows of :func:`parakou_geo.numbering.number_doors` for these doors (side,
        distances, street point), in the same order.
    quartiers : geopandas.GeoDataFrame or None
        Quartier polygons (``quartier`` column) in ``metric_crs``.
    passthrough : pandas.DataFrame
        The buildings' own columns, in the same order, for ``settings.passthrough_columns``.
    settings : AddressingSettings
        Numbering method, label prefix, source.
    metric_crs : pyproj.CRS
        CRS of the door points.
    day : str
        ISO date written as ``created`` and ``updated``.
    zone_polygons : geopandas.GeoDataFrame or None
        Zone (arrondissement) polygons (``zone`` column) in ``metric_crs``: ``building_zone``
        is the zone the door stands in (``zone`` is the street's). A door outside every zone,
        or without zone polygons, takes its street's zone.
    door_xy : numpy.ndarray, optional
        ``(n, 2)`` coordinates of ``doors`` when the caller has them already.
    """
    numbers = np.asarray(numbers, dtype=np.int64)
    with ThreadPoolExecutor(1, thread_name_prefix="address-ids") as pool:
        # the ids are hashed by numpy (mostly outside the GIL) while the other columns are made
        ids = pool.submit(address_uuid_array, building_ids, codes, numbers, suffixes)
        frame = _rows(building_ids=building_ids, doors=doors, codes=codes, numbers=numbers,
                      suffixes=suffixes, street_names=street_names, zones=zones,
                      numbering=numbering, quartiers=quartiers, settings=settings,
                      metric_crs=metric_crs, day=day, zone_polygons=zone_polygons,
                      door_xy=door_xy)
        frame.insert(0, "address_id", text_column(ids.result()))
    for col in settings.passthrough_columns:
        if col in passthrough.columns:
            frame[col] = [None if pd.isna(v) else str(v)
                          for v in passthrough[col].to_numpy(dtype=object)]
    return frame


def _rows(*, building_ids: np.ndarray, doors: np.ndarray, codes: np.ndarray,
          numbers: np.ndarray, suffixes: np.ndarray, street_names: np.ndarray,
          zones: np.ndarray, numbering: pd.DataFrame, quartiers: gpd.GeoDataFrame | None,
          settings: AddressingSettings, metric_crs: CRS, day: str,
          zone_polygons: gpd.GeoDataFrame | None,
          door_xy: np.ndarray | None) -> pd.DataFrame:
    """:func:`address_rows`' columns but the address ids and the pass-through ids."""
    xy = shapely.get_coordinates(doors) if door_xy is None else np.asarray(door_xy)
    lon, lat = Transformer.from_crs(metric_crs, 4326, always_xy=True).transform(
        xy[:, 0], xy[:, 1])
    n = len(xy)
    # rounded in place where the arrays are our own: a million rows are built at once here
    lon, lat = (np.round(v, 7, out=v) if isinstance(v, np.ndarray) and v.flags.writeable
                else np.round(v, 7) for v in (lon, lat))
    created, updated = _repeated(day, n, copies=2)
    return pd.DataFrame(
        {
            "label": text_column(_labels(numbers, suffixes, codes, settings.street_prefix)),
            "street_code": text_column(codes),
            "street_name": text_column(street_names),
            "number": np.asarray(numbers, dtype=np.int64),
            "suffix": text_column(suffixes),
            "zone": text_column(zones),
            "building_zone": text_column(building_zones(doors, zone_polygons, zones)),
            "quartier": text_column(quartier_of(doors, quartiers)),
            "building_id": text_column(building_ids),
            "side": text_column(numbering["side"]),
            "distance_m": numbering["distance_m"].to_numpy(),
            "distance_to_street_m": numbering["distance_to_street_m"].to_numpy(),
            "street_choice": text_column(numbering["street_choice"]),
            "method": _repeated(settings.method, n),
            "status": _repeated("proposed", n),
            "official": False,
            "x": np.round(xy[:, 0], 2),
            "y": np.round(xy[:, 1], 2),
            "lon": lon,
            "lat": lat,
            "street_x": numbering["street_x"].to_numpy(),
            "street_y": numbering["street_y"].to_numpy(),
            "created": created,
            "updated": updated,
            "retired": None,
            "source": _repeated(settings.source, n),
        },
        columns=[c for c in ADDRESS_COLUMNS if c != "address_id"],  # inserted by address_rows
        copy=False,  # the new arrays as they are: no second copy of a million rows
    )


@functools.cache
def _arrow_text() -> pd.StringDtype | None:
    """Return the dtype pandas gives text stored as Arrow strings (None when it does not)."""
    dtype = pd.Series(["a"]).dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return dtype
    return None


def text_column(values: Any) -> Any:
    """Return text values as the column pandas would make of them, converted by Arrow at once.

    pandas checks every value in Python before storing text as Arrow strings; Arrow converts
    an array of Python strings itself about three times faster, and Arrow arrays (ids, labels)
    are wrapped without a copy. The result is the column pandas would build: text with missing
    values as its own text dtype; anything else (all missing, numbers, mixed values, or a
    pandas without Arrow text) is returned unchanged for pandas to infer as before.
    """
    dtype = _arrow_text()
    if isinstance(values, pd.Series | pd.Index):  # the values alone, never an index
        if dtype is not None and values.dtype == dtype:
            return values.array
        values = values.to_numpy()
    if dtype is None:
        return values
    if isinstance(values, pd.api.extensions.ExtensionArray):
        if values.dtype == dtype:
            return values
        values = values.to_numpy(dtype=object)
    if isinstance(values, pa.Array | pa.ChunkedArray):
        arr = values
    else:
        values = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) \
            else values
        if values.dtype != object:
            return values
        try:
            arr = pa.array(values, type=pa.large_string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return values
    if len(arr) == 0 or arr.null_count == len(arr):  # pandas keeps these as objects
        return values if not isinstance(values, pa.Array | pa.ChunkedArray) else \
            np.asarray(values.to_pylist(), dtype=object)
    return pd.array(arr, dtype=dtype)


@overload
def _repeated(value: str, n: int) -> Any: ...


@overload
def _repeated(value: str, n: int, *, copies: int) -> tuple[Any, ...]: ...


def _repeated(value: str, n: int, *, copies: int | None = None) -> Any:
    """Return a text column holding ``value`` ``n`` times (what pandas makes of a scalar).

    With ``copies``, that many columns, which share their (immutable) Arrow buffers but not
    their pandas arrays: a value set in one of them later is set in that one only.
    """
    if _arrow_text() is None or n == 0:
        return value if copies is None else (value,) * copies
    text = pa.array([value], type=pa.large_string()).take(np.zeros(n, np.int64))
    if copies is None:
        return text_column(text)
    return tuple(text_column(text) for _ in range(copies))


def _labels(numbers: np.ndarray, suffixes: np.ndarray, codes: np.ndarray,
            prefix: str) -> Any:
    """Return :func:`make_labels` as an Arrow array, built with Arrow compute when possible."""
    if _arrow_text() is None or len(codes) == 0 or np.asarray(numbers).dtype.kind not in "iu":
        return make_labels(numbers, suffixes, codes, prefix)
    try:
        sfx = pa.array(np.asarray(suffixes, dtype=object), type=pa.large_string())
        code = pa.array(np.asarray(codes, dtype=object), type=pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return make_labels(numbers, suffixes, codes, prefix)
    if sfx.null_count or code.null_count:  # written as "None" by make_labels
        return make_labels(numbers, suffixes, codes, prefix)
    none = pa.scalar("", pa.large_string())
    latin = pc.is_in(sfx, value_set=pa.array(LATIN_SUFFIXES, type=pa.large_string()))
    part = pc.if_else(latin, pc.binary_join_element_wise(pa.scalar(" ", pa.large_string()), sfx,
                                                         none), sfx)
    number = pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.large_string())
    return pc.binary_join_element_wise(number, part, pa.scalar(f" {prefix} ", pa.large_string()),
                                       code, none)


def quartier_of(points: np.ndarray, quartiers: gpd.GeoDataFrame | None,
                column: str = "quartier") -> np.ndarray:
    """Quartier name (or ``column``) of each point (None outside every polygon or layer)."""
    out = np.full(len(points), None, dtype=object)
    if quartiers is None or len(points) == 0:
        return out
    pi, qi = shapely.STRtree(np.asarray(quartiers.geometry.array)).query(
        points, predicate="intersects")
    order = np.lexsort((qi, pi))  # a point on a shared border takes the first quartier
    first = np.r_[True, pi[order][1:] != pi[order][:-1]]
    out[pi[order][first]] = quartiers[column].to_numpy(dtype=object)[qi[order][first]]
    return out


def building_zones(doors: np.ndarray, zones: gpd.GeoDataFrame | None,
                    street_zones: np.ndarray) -> np.ndarray:
    """Zone each door stands in; its street's zone outside every zone or without zones."""
    inside = quartier_of(doors, zones, column="zone")
    street = np.asarray(street_zones, dtype=object)
    return np.where(pd.isna(inside), street, inside).astype(object)


def roads_fingerprint(roads: gpd.GeoDataFrame) -> str:
    """Return a hash of prepared roads (ids, names, classes, geometry), order-independent.

    Parameters
    ----------
    roads : geopandas.GeoDataFrame
        Roads as returned by :func:`parakou_geo.prepare.prepare_roads` (canonical order).
    """
    h = hashlib.sha256()
    for col in ("road_id", "name", "road_class"):
        h.update("\x1f".join(map(str, roads[col].tolist())).encode())
    h.update(b"".join(shapely.to_wkb(np.asarray(roads.geometry.array), output_dimension=2)))
    return h.hexdigest()


def input_fingerprint(layer: gpd.GeoDataFrame, crs: str | None = None) -> str:
    """Return a hash of a layer exactly as given (CRS, columns, values, geometry, order).

    A cheap first test in register updates: an identical road layer needs no comparison.
    """
    h = hashlib.sha256()
    h.update(str(layer.crs.to_wkt() if layer.crs is not None else crs).encode())
    for col in layer.columns:
        if col == layer.geometry.name:
            continue
        h.update(str(col).encode() + b"\x1e")
        h.update("\x1f".join(map(str, layer[col].tolist())).encode())
    h.update(b"".join(w or b"" for w in shapely.to_wkb(np.asarray(layer.geometry.array))))
    return h.hexdigest()


def file_fingerprint(path: str | os.PathLike[str]) -> str:
    """Return ``"<path> sha256:<hex>"`` for the run record."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return f"{Path(path).resolve()} sha256:{h.hexdigest()}"
