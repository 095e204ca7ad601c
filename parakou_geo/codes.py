"""Street codes ``<zone>.<nnn>`` and official street names.

Zones come from an optional zones layer (arrondissements): a street crossing zones belongs to
the zone holding most of its length. Within a zone, codes follow a spiral order from the centre
outwards (distance bands, then bearing clockwise from north), so neighbouring streets get close
codes. Official names from a CSV (by code or by road id) replace the input names; codes stay.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parakou_geo._crs import require_metric
from parakou_geo._errors import InputError
from parakou_geo.names import (
    check_names,
    full_name,
    read_official_names,
    read_text_csv,
    resolve_names,
)
from parakou_geo.settings import AddressingSettings

__all__ = [
    "allocate_codes",
    "apply_official_names",
    "assign_zones",
    "read_names_csv",
    "read_text_csv",
]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())


def assign_zones(
    streets: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame | None,
    *,
    default_zone: str = "1",
) -> pd.Series:
    """Return the zone of each street: the zone holding most of its length.

    Parameters
    ----------
    streets : geopandas.GeoDataFrame
        Street lines in a metric CRS.
    zones : geopandas.GeoDataFrame or None
        Zone polygons with a text ``zone`` column, same CRS. ``None``: every street gets
        ``default_zone``.
    default_zone : str
        Zone used without a zones layer.

    Returns
    -------
    pandas.Series
        ``zone`` (text), indexed like ``streets``. A street outside every zone takes the
        nearest zone.
    """
    require_metric(streets, "streets")
    if zones is None or len(zones) == 0:
        return pd.Series(default_zone, index=streets.index, name="zone", dtype=object)
    require_metric(zones, "zones")
    if zones.crs != streets.crs:
        raise InputError(
            f"zones are in {zones.crs} but streets in {streets.crs}; reproject the zones first: "
            f"zones.to_crs({streets.crs.to_string()!r})"
        )
    lines = np.asarray(streets.geometry.array)
    polys = np.asarray(zones.geometry.array)
    li, zi = shapely.STRtree(polys).query(lines, predicate="intersects")
    share = shapely.length(shapely.intersection(lines[li], polys[zi]))
    zone_codes = zones["zone"].to_numpy(dtype=object)
    result = np.full(len(lines), None, dtype=object)
    if len(li):
        # largest share first; ties → lowest zone row (zones are sorted by zone number)
        order = np.lexsort((zi, -np.round(share, 6), li))
        first = np.r_[True, li[order][1:] != li[order][:-1]]
        result[li[order][first]] = zone_codes[zi[order][first]]
    outside = np.flatnonzero(pd.isna(result))
    if len(outside):
        qi, zj = shapely.STRtree(polys).query_nearest(lines[outside], all_matches=False)
        result[outside[qi]] = zone_codes[zj]
        logger.warning("%d street(s) lie outside every zone; given the nearest zone",
                       len(outside))
    return pd.Series(result, index=streets.index, name="zone", dtype=object)


def allocate_codes(
    streets: gpd.GeoDataFrame,
    zone: pd.Series,
    *,
    centre_xy: tuple[float, float],
    settings: AddressingSettings | None = None,
    first_number: Mapping[str, int] | None = None,
) -> pd.Series:
    """Give every street a code ``<zone>.<nnn>`` in spiral order from the centre.

    Parameters
    ----------
    streets : geopandas.GeoDataFrame
        Streets with ``origin_x``/``origin_y`` (metres, metric CRS), in canonical order.
    zone : pandas.Series
        Zone of each street (text), indexed like ``streets``.
    centre_xy : tuple of float
        The reference centre in the same CRS.
    settings : AddressingSettings, optional
        ``code_band_m`` (ring width) and ``code_digits``.
    first_number : mapping of str to int, optional
        First street number to use in each zone (default 1): register updates continue after
        the highest number ever used, so codes are never reused.

    Returns
    -------
    pandas.Series
        ``street_code`` indexed like ``streets``. Numbers run 1, 2, 3... per zone, ordered by
        distance band from the centre, then bearing clockwise from north, then distance. The
        number of digits grows past ``code_digits`` only when a zone has more streets than it
        can hold.
    """
    s = settings or AddressingSettings()
    cx, cy = centre_xy
    dx = streets["origin_x"].to_numpy() - cx
    dy = streets["origin_y"].to_numpy() - cy
    dist = np.round(np.hypot(dx, dy), 3)
    band = np.floor(dist / s.code_band_m).astype(np.int64)
    bearing = np.round(np.degrees(np.arctan2(dx, dy)) % 360.0, 6)
    frame = pd.DataFrame(
        {"zone": zone.to_numpy(dtype=object), "band": band, "bearing": bearing,
         "dist": dist, "row": np.arange(len(streets))}
    )
    frame = frame.sort_values(["zone", "band", "bearing", "dist", "row"], kind="stable")
    start = frame["zone"].map(lambda z: (first_number or {}).get(z, 1))
    frame["n"] = frame.groupby("zone").cumcount() + start.to_numpy(dtype=np.int64)
    counts = frame.groupby("zone")["n"].transform("max")
    width = np.maximum(s.code_digits, counts.astype(str).str.len())
    for z, w in frame.groupby("zone")["n"].max().items():
        if len(str(w)) > s.code_digits:
            logger.warning(
                "zone %s has %d streets, more than %d digits hold; its codes use %d digits",
                z, w, s.code_digits, len(str(w)),
            )
    codes = [
        f"{z}.{n:0{w}d}" for z, n, w in zip(frame["zone"], frame["n"], width, strict=True)
    ]
    out = pd.Series(codes, index=frame["row"].to_numpy(), dtype=object).sort_index()
    out.index = streets.index
    out.name = "street_code"
    return out


def read_names_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read an official names CSV (kept name; see :func:`parakou_geo.names.read_official_names`).

    Parameters
    ----------
    path : str or os.PathLike
        UTF-8 CSV (``,`` or ``;`` separated) with a ``name`` column and either ``street_code``
        (or ``code``) or ``road_id``; optional ``street_type``, ``decision_date``,
        ``reference``.

    Returns
    -------
    pandas.DataFrame
        The columns of the file, all text.
    """
    return read_official_names(path)


def apply_official_names(
    streets: pd.DataFrame,
    names: pd.DataFrame,
    segments: pd.DataFrame,
) -> pd.DataFrame:
    """Give streets their official names; codes do not change.

    The names go through the same checks as ``parakou-geo names``
    (:func:`parakou_geo.names.check_names`).

    Parameters
    ----------
    streets : pandas.DataFrame
        Streets with ``street_code`` and ``name``.
    names : pandas.DataFrame
        ``name`` with ``street_code`` and/or ``road_id`` (see :func:`read_names_csv`).
    segments : pandas.DataFrame
        Segments with ``street`` (row of ``streets``) and ``road_id``.

    Returns
    -------
    pandas.DataFrame
        A copy of ``streets`` with ``name`` replaced where an official name is given and
        ``name_source`` (``official``, ``input`` or None).

    Raises
    ------
    InputError
        Listing every problem of the names (unknown code or road id, empty, duplicate in the
        commune, forbidden characters...).
    """
    source = str(names.attrs.get("source", "names"))
    out = streets.copy()
    out["name_source"] = out["name"].notna().map({True: "input", False: None})
    codes = out["street_code"].to_numpy(dtype=object).astype(str)
    road_codes: dict[str, list[str]] = {}
    for road, row in sorted({(str(r), int(i)) for r, i in zip(
            segments["road_id"], segments["street"], strict=True) if r is not None}):
        road_codes.setdefault(road, []).append(codes[row])
    register_like = pd.DataFrame({"street_code": codes, "street_name": out["name"].to_numpy(),
                                  "street_type": None, "name_source": None,
                                  "status": "current"})
    problems = check_names(names, register_like, road_codes=road_codes)
    if problems:
        raise InputError(
            [*problems, "Fix these lines in the names CSV and run again"], source=source
        )
    table = resolve_names(names, road_codes)[0].drop_duplicates("street_code")
    if len(table):
        position = pd.Series(np.arange(len(out)), index=codes)
        labels = out.index[position[table["street_code"]].to_numpy()]
        out.loc[labels, "name"] = [full_name(n, t) for n, t in zip(
            table["name"], table["street_type"], strict=True)]
        out.loc[labels, "name_source"] = "official"
    return out
