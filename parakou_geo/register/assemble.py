"""The register tables of a first build, from the numbered buildings (used by the pipeline).

:func:`assemble` turns the numbering of every building into the register's tables, already in
the register's row order; :func:`run_info` describes the run. Text columns are built as Arrow
strings (pandas' own text storage) without a detour through a million Python strings, and the
large intermediate arrays are dropped as soon as they are used, so the peak memory of a
first build stays close to the tables themselves.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyproj import CRS

from parakou_geo.register import Register, zone_sort_key
from parakou_geo.register.rows import address_rows, text_column
from parakou_geo.settings import AddressingSettings

if TYPE_CHECKING:
    from parakou_geo.check import LayerReport
    from parakou_geo.numbering import StreetIndex
    from parakou_geo.streets import StreetNetwork

__all__ = ["REASON_EMPTY", "REASON_NO_STREET", "assemble", "package_version", "run_info"]

REASON_NO_STREET = "no_street_in_reach"
REASON_EMPTY = "empty_geometry"

#: Columns of the numbering table that the address rows read.
_NUMBERING_COLUMNS = ("side", "distance_m", "distance_to_street_m", "street_choice",
                      "street_x", "street_y")


def package_version() -> str:
    """Return the installed version of parakou_geo (``"unknown"`` from a source tree)."""
    try:
        return version("parakou_geo")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def assemble(
    bld: gpd.GeoDataFrame,
    dropped: gpd.GeoDataFrame,
    numbers: pd.DataFrame,
    table: pd.DataFrame,
    net: StreetNetwork,
    index: StreetIndex,
    s: AddressingSettings,
    metric: CRS,
    run_day: dt.date,
    quartiers: gpd.GeoDataFrame | None,
    zones: gpd.GeoDataFrame | None = None,
    *,
    door_xy: np.ndarray | None = None,
    footprints: gpd.GeoDataFrame | None = None,
) -> Register:
    """Return the register tables of a first build.

    Parameters
    ----------
    bld : geopandas.GeoDataFrame
        The prepared buildings (``building_id``, ``door`` points, footprints), metric CRS.
    dropped : geopandas.GeoDataFrame
        Buildings dropped for an empty geometry.
    numbers : pandas.DataFrame
        :func:`parakou_geo.numbering.number_doors` of the buildings' doors, in their order.
        Hand it over (keep no other reference) and it is freed before the rows are built.
    table : pandas.DataFrame
        One row per street: ``street_code``, ``name``, ``name_source``, ``zone``, lengths.
    net : StreetNetwork
        The streets and their oriented segments.
    index : StreetIndex
        The street pieces (for the distance of doors out of reach).
    s : AddressingSettings
        The run's settings.
    metric : pyproj.CRS
        The metric CRS of every geometry.
    run_day : datetime.date
        ``created`` and ``updated`` of the new addresses.
    quartiers, zones : geopandas.GeoDataFrame or None
        Quartier and zone polygons, metric CRS.
    door_xy : numpy.ndarray, optional
        ``(n, 2)`` coordinates of the door points, when the caller has them.
    footprints : geopandas.GeoDataFrame, optional
        The ``buildings`` layer (``building_id`` and footprint of every prepared building),
        when the caller made it already (to write it ahead); else it is made here.

    Returns
    -------
    Register
        ``addresses`` sorted by :func:`parakou_geo.register.address_order`, ``streets``,
        ``unaddressed``, ``segments`` and ``buildings``; ``run_info`` is left empty.
    """
    street = numbers["street"].to_numpy()
    ok = street >= 0
    st = street[ok]
    code = table["street_code"].to_numpy(dtype=object)[st]
    num = numbers["number"].to_numpy()[ok]
    building_ids = text_column(bld["building_id"])  # Arrow text: no Python strings
    bid = building_ids[ok]
    street_zones = table["zone"].to_numpy(dtype=object)[st]
    # the register's row order first, so the address table is built once, already sorted
    order = _first_order(table, st, numbers["side"].to_numpy()[ok], num,
                         numbers["distance_m"].to_numpy()[ok], bid)
    rows = np.flatnonzero(ok)[order]
    sfx = numbers["suffix"].to_numpy(dtype=object)[rows]
    st, code, num, bid, street_zones = (st[order], code[order], num[order], bid[order],
                                        street_zones[order])
    del order
    door = np.asarray(bld["door"].array)[rows]
    numbering = numbers[list(_NUMBERING_COLUMNS)].iloc[rows]
    del numbers  # freed here when the caller handed it over: the rows below are the peak
    frame = address_rows(
        building_ids=bid, doors=door, codes=code, numbers=num, suffixes=sfx,
        street_names=table["name"].to_numpy(dtype=object)[st],
        zones=street_zones,
        numbering=numbering, quartiers=quartiers,
        passthrough=pd.DataFrame(bld[[c for c in s.passthrough_columns
                                      if c in bld.columns]].iloc[rows]),
        settings=s, metric_crs=metric,
        day=run_day.isoformat(), zone_polygons=zones,
        door_xy=None if door_xy is None else door_xy[rows],
    )
    del st, code, num, sfx, bid, street_zones, rows, numbering
    frame["geometry"] = door
    addresses = gpd.GeoDataFrame(frame, geometry="geometry", crs=metric, copy=False)
    del frame, door

    return Register(addresses=addresses, streets=_streets(addresses, table, net, metric),
                    unaddressed=_unaddressed(bld, building_ids, ok, dropped, index, s, metric),
                    run_info=pd.DataFrame({"key": [], "value": []}),
                    segments=_segments(table, net, metric),
                    buildings=footprints if footprints is not None else footprints_layer(bld))


def footprints_layer(bld: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the register's ``buildings`` layer: the id and footprint of every building.

    Its columns are views of ``bld``'s (no copy of a million footprints' references).
    """
    layer = bld[["building_id", bld.geometry.name]].reset_index(drop=True)
    return layer if layer.geometry.name == "geometry" else layer.rename_geometry("geometry")


def _first_order(table: pd.DataFrame, st: np.ndarray, side: np.ndarray, number: np.ndarray,
                 distance: np.ndarray, building_ids: Any) -> np.ndarray:
    """Return :func:`parakou_geo.register.address_order` of the new addresses, faster.

    Zones and street codes are ranked once per street (a few thousand texts) rather than
    compared a million times, and the rows are sorted on numbers; only rows still tied
    after the distance (rare) are ordered by their building id, as ``address_order`` does.
    """
    zone_num = zone_sort_key(table["zone"])
    codes = table["street_code"].astype(str).to_numpy(dtype=object)
    code_rank = np.empty(len(codes), dtype=np.int64)
    by_code = sorted(range(len(codes)), key=codes.__getitem__)  # Python text order
    code_rank[by_code] = np.r_[0, np.cumsum(codes[by_code][1:] != codes[by_code][:-1])] \
        if len(codes) else np.zeros(0, np.int64)
    zone_key, code_key = zone_num[st], code_rank[st]
    side_key = np.asarray(side, dtype=object) != "left"  # "left" < "right"
    order = np.lexsort((distance, number, side_key, code_key, zone_key))
    keys = (zone_key, code_key, side_key, number, distance)
    tied = np.ones(max(len(order) - 1, 0), dtype=bool)
    for key in keys:
        ordered = key[order]
        tied &= ordered[1:] == ordered[:-1]
    if tied.any():  # same street, side, number and distance: by building id
        run_start = np.r_[True, ~tied]
        run = np.cumsum(run_start) - 1
        size = np.bincount(run)
        in_tie = size[run] > 1
        rows = order[in_tie]
        ids = pa.array(pd.array(building_ids)[rows].astype(str).to_numpy(dtype=object),
                       type=pa.large_string())
        # Arrow compares UTF-8 bytes: the code point order of Python strings
        within = pc.sort_indices(pa.table({"run": run[in_tie], "id": ids}),
                                 sort_keys=[("run", "ascending"), ("id", "ascending")])
        order[in_tie] = rows[np.asarray(within, dtype=np.int64)]
    return order


def _unaddressed(bld: gpd.GeoDataFrame, building_ids: Any, ok: np.ndarray,
                 dropped: gpd.GeoDataFrame, index: StreetIndex, s: AddressingSettings,
                 metric: CRS) -> gpd.GeoDataFrame:
    """Return the buildings with no street in reach and those without a usable geometry."""
    far = ~ok
    far_doors = np.asarray(bld["door"].array)[far]
    if len(far_doors):
        _, dist = index.tree.query_nearest(far_doors, return_distance=True, all_matches=False)
    else:
        dist = np.zeros(0)
    detail = [f"nearest street {d:.0f} m away (maximum {s.max_distance_m:g} m)" for d in dist]
    unaddressed = gpd.GeoDataFrame(
        {
            "building_id": pd.Series(np.concatenate(
                [np.asarray(building_ids[far], dtype=object),
                 dropped["building_id"].to_numpy(dtype=object)]), dtype=object),
            "reason": pd.Series([REASON_NO_STREET] * int(far.sum())
                                + [REASON_EMPTY] * len(dropped), dtype=object),
            "detail": pd.Series(detail + ["the feature has no geometry or an empty one"]
                                * len(dropped), dtype=object),
            "distance_to_street_m": np.concatenate([np.round(dist, 1),
                                                    np.full(len(dropped), np.nan)]),
        },
        geometry=gpd.GeoSeries(np.concatenate([far_doors, np.asarray(dropped.geometry.array)]),
                               crs=metric).values,
    )
    return unaddressed.sort_values(["reason", "building_id"], kind="stable") \
        .reset_index(drop=True)


def _streets(addresses: pd.DataFrame, table: pd.DataFrame, net: StreetNetwork,
             metric: CRS) -> gpd.GeoDataFrame:
    """One row per street, sorted by zone then code, with its number of addresses."""
    n_addr = addresses.groupby("street_code").size()
    streets = gpd.GeoDataFrame(
        {
            "street_code": table["street_code"].to_numpy(dtype=object),
            "street_name": table["name"].to_numpy(dtype=object),
            "name_source": table["name_source"].to_numpy(dtype=object),
            "zone": table["zone"].to_numpy(dtype=object),
            "length_m": np.round(table["length_m"].to_numpy(), 1),
            "n_segments": table["n_segments"].to_numpy(),
            "n_addresses": n_addr.reindex(table["street_code"]).fillna(0).astype(int).to_numpy(),
            "origin_x": np.round(table["origin_x"].to_numpy(), 2),
            "origin_y": np.round(table["origin_y"].to_numpy(), 2),
            "road_ids": table["road_ids"].to_numpy(dtype=object),
            "status": "current",
            "locked": False,
            "street_type": None,
        },
        geometry=net.streets.geometry.values,
        crs=metric,
    )
    return streets.iloc[np.lexsort((streets["street_code"].astype(str).to_numpy(),
                                    zone_sort_key(streets["zone"])))].reset_index(drop=True)


def _segments(table: pd.DataFrame, net: StreetNetwork, metric: CRS) -> gpd.GeoDataFrame:
    """Return the oriented street segments door numbers are measured on."""
    code_of = table["street_code"].to_numpy(dtype=object)
    return gpd.GeoDataFrame(
        {
            "street_code": code_of[net.segments["street"].to_numpy()],
            "offset_m": np.round(net.segments["offset_m"].to_numpy(), 3),
            "road_id": net.segments["road_id"].to_numpy(dtype=object),
            "access_rank": net.segments["access_rank"].to_numpy(dtype=np.int64),
        },
        geometry=net.segments.geometry.values, crs=metric,
    )


def run_info(
    s: AddressingSettings,
    metric: CRS,
    centre: tuple[float, float],
    counts: dict[str, int],
    reports: dict[str, LayerReport],
    inputs: dict[str, str],
    run_day: dt.date,
) -> pd.DataFrame:
    """Return the ``run_info`` table: version, date, CRS, settings, inputs, counts, repairs."""
    rows: list[tuple[str, str]] = [
        ("parakou_geo_version", package_version()),
        ("run_date", run_day.isoformat()),
        ("run_time_utc", dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()),
        ("metric_crs", metric.to_string()),
        ("centre_xy", f"{centre[0]:.2f} {centre[1]:.2f}"),
        ("settings", json.dumps(asdict(s), sort_keys=True, ensure_ascii=False)),
    ]
    rows += [(f"input_{k}", v) for k, v in sorted(inputs.items())]
    rows += [(f"count_{k}", str(v)) for k, v in counts.items()]
    for layer, rep in reports.items():
        rows += [
            (f"{layer}_repaired", str(rep.n_repaired)),
            (f"{layer}_dropped_empty", str(rep.n_dropped_empty)),
            (f"{layer}_excluded_class", str(rep.n_excluded_class)),
        ]
    return pd.DataFrame(rows, columns=["key", "value"])
