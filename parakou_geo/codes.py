"""Street codes ``<zone>.<nnn>`` and official street names.

Zones come from an optional zones layer (arrondissements): a street crossing zones belongs to
the zone holding most of its length. Within a zone, codes follow a spiral order from the centre
outwards (distance bands, then bearing clockwise from north), so neighbouring streets get close
codes. Official names from a CSV (by code or by road id) replace the input names; codes stay.
"""

from __future__ import annotations

import csv
import logging
import os
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parakou_geo._crs import require_metric
from parakou_geo._errors import InputError
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


def read_text_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a names CSV as text: ``,`` or ``;``, UTF-8 with or without BOM (Excel).

    Column names are stripped and lower-cased; ``code`` is read as ``street_code``. Values are
    kept as text, untouched (an empty cell is an empty string).
    """
    from parakou_geo.validate import ensure_regular_file

    p = ensure_regular_file(path, "names CSV")
    if p.is_file() and p.stat().st_size == 0:
        raise InputError("the file is empty (0 bytes); it needs a header line and one line "
                         "per street", source=str(p))
    try:
        frame = pd.read_csv(p, dtype=str, sep=None, engine="python", encoding="utf-8-sig",
                            keep_default_na=False)
    except FileNotFoundError as exc:
        raise InputError(f"names file not found: {p}") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{p} is a folder; give the names CSV file") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError,
            csv.Error) as exc:
        raise InputError(
            f"cannot be read as a UTF-8 CSV ({exc}); save it from Excel as 'CSV UTF-8'",
            source=str(p),
        ) from exc
    frame.columns = [c.strip().lower() for c in frame.columns]
    if "code" in frame.columns and "street_code" not in frame.columns:
        frame = frame.rename(columns={"code": "street_code"})
    return frame


def read_names_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read an official names CSV.

    Parameters
    ----------
    path : str or os.PathLike
        UTF-8 CSV (``,`` or ``;`` separated) with a ``name`` column and either ``street_code``
        (or ``code``) or ``road_id``.

    Returns
    -------
    pandas.DataFrame
        Columns ``name`` and ``street_code`` and/or ``road_id``, all text.
    """
    frame = read_text_csv(path)
    p = Path(path)
    if "name" not in frame.columns or not ({"street_code", "road_id"} & set(frame.columns)):
        raise InputError(
            f"needs a 'name' column and a 'street_code' or 'road_id' column; found "
            f"{', '.join(frame.columns)}",
            source=str(p),
        )
    from parakou_geo.names import formula_problem  # names imports this module

    problems = [f"line {line}: {problem}" for line, problem in enumerate(
        (formula_problem(str(v)) for v in frame["name"]), start=2) if problem]
    if problems:
        raise InputError([*problems, "Official names are refused when a spreadsheet would "
                          "run them; fix the file and run again"], source=str(p))
    frame.attrs["source"] = str(p)
    return frame


def apply_official_names(
    streets: pd.DataFrame,
    names: pd.DataFrame,
    segments: pd.DataFrame,
) -> pd.DataFrame:
    """Give streets their official names; codes do not change.

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
        Listing every unknown code or road id, empty name, and street given two names.
    """
    source = str(names.attrs.get("source", "names"))
    out = streets.copy()
    out["name_source"] = out["name"].notna().map({True: "input", False: None})
    problems: list[str] = []
    given: dict[int, tuple[str, str]] = {}
    code_to_row = pd.Series(np.arange(len(out)), index=out["street_code"].to_numpy())
    road_to_rows = segments.groupby("road_id")["street"].agg(lambda s: sorted(set(s)))
    for line, rec in enumerate(names.to_dict("records"), start=2):
        name = str(rec.get("name", "")).strip()
        code = str(rec.get("street_code", "") or "").strip()
        road = str(rec.get("road_id", "") or "").strip()
        if not name:
            problems.append(f"line {line}: empty name")
            continue
        if code:
            if code not in code_to_row.index:
                problems.append(f"line {line}: unknown street code {code!r}")
                continue
            rows = [int(code_to_row[code])]
        elif road:
            if road not in road_to_rows.index:
                problems.append(f"line {line}: road id {road!r} is not in the roads layer")
                continue
            rows = list(road_to_rows[road])
        else:
            problems.append(f"line {line}: neither street_code nor road_id given")
            continue
        for r in rows:
            if r in given and given[r][0] != name:
                problems.append(
                    f"line {line}: street {out['street_code'].iloc[r]} already named "
                    f"{given[r][0]!r} on line {given[r][1]}, now {name!r}"
                )
            given[r] = (name, str(line))
    if problems:
        raise InputError(
            [*problems, "Fix these lines in the names CSV and run again"], source=source
        )
    rows = list(given)
    if rows:
        labels = out.index[rows]
        out.loc[labels, "name"] = [given[r][0] for r in rows]
        out.loc[labels, "name_source"] = "official"
    return out
