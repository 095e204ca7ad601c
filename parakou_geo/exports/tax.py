"""Address lists for the tax service: CSV and XLSX that open directly in (French) Excel.

One row per address with its label, street, number, quartier, arrondissement (the one the
building stands in; the street's own arrondissement is a column beside it), building and parcel
identifiers (NUP, RFU id: passed through untouched, as text), footprint area (from the
register's building footprints), lon/lat, Plus Code and status. Only addresses in use
(``proposed`` and ``current``) are listed unless other statuses are asked for. Text that a
spreadsheet would run as a formula is neutralised.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from parakou_geo._crs import require_metric
from parakou_geo._errors import InputError
from parakou_geo.exports._input import (
    STATUSES,
    RegisterSource,
    load_register,
    read_footprints,
    select_addresses,
    text,
)
from parakou_geo.exports._spreadsheet import write_csv, write_xlsx
from parakou_geo.exports._words import Language, header, status_word, word
from parakou_geo.exports.settings import ExportSettings
from parakou_geo.pluscodes import plus_codes, short_plus_codes

__all__ = ["DEFAULT_TAX_STATUSES", "TAX_COLUMNS", "tax_table", "write_tax_csv",
           "write_tax_xlsx"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: Internal columns of the tax list, in order; the parcel columns go after ``building_id``.
TAX_COLUMNS: tuple[str, ...] = (
    "label", "street_code", "street_name", "number", "suffix", "quartier", "zone",
    "street_zone", "building_id", "area_m2", "lon", "lat", "plus_code", "plus_code_short",
    "status",
)

#: Statuses listed when none are asked for: the addresses in use on the doors.
DEFAULT_TAX_STATUSES: tuple[str, ...] = ("proposed", "current")

_ID_COLUMNS = ("street_code", "building_id", "zone", "street_zone")


def _lonlat(addr: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    if "lon" in addr.columns and "lat" in addr.columns:
        return (pd.to_numeric(addr["lon"], errors="coerce").to_numpy(dtype=float),
                pd.to_numeric(addr["lat"], errors="coerce").to_numpy(dtype=float))
    pts = addr.geometry.to_crs(4326)
    return pts.x.to_numpy(dtype=float), pts.y.to_numpy(dtype=float)


def _areas(addr: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame | None) -> pd.Series:
    if buildings is not None and len(buildings):
        require_metric(buildings, "buildings")
        if "building_id" not in buildings.columns:
            raise InputError(
                "buildings has no 'building_id' column; pass the footprints with the same "
                "building_id values as the register"
            )
        area = pd.Series(buildings.geometry.area.to_numpy(), index=text(buildings["building_id"]))
        area = area.groupby(level=0, sort=True).sum()
        area = area.where(area > 0)  # a building kept as a point has no footprint area
        return text(addr["building_id"]).map(area).astype(float).round(1)
    for col in ("area_m2", "building_area_m2", "footprint_m2"):
        if col in addr.columns:
            return pd.Series(pd.to_numeric(addr[col], errors="coerce"), index=addr.index).round(1)
    return pd.Series(np.nan, index=addr.index, dtype=float)


def _order(table: pd.DataFrame) -> pd.DataFrame:
    zone_num = pd.to_numeric(table["zone"], errors="coerce").fillna(np.inf)
    order = np.lexsort((
        table["building_id"].to_numpy(dtype=str),
        table["suffix"].to_numpy(dtype=str),
        pd.to_numeric(table["number"], errors="coerce").fillna(-1).to_numpy(),
        table["street_code"].to_numpy(dtype=str),
        zone_num.to_numpy(),
    ))
    return table.iloc[order].reset_index(drop=True)


def tax_table(
    register: RegisterSource,
    *,
    zones: Iterable[str | int] | None = None,
    quartiers: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    settings: ExportSettings | None = None,
) -> pd.DataFrame:
    """Return the tax-service address list (internal column names, one row per address).

    Parameters
    ----------
    register : str, os.PathLike, Register or AddressingResult
        The register GeoPackage or object (geometries in EPSG:32631, metres).
    zones, quartiers : iterable, optional
        Keep only these arrondissements (where the building stands) and quartiers (all when
        omitted).
    statuses : iterable, optional
        Keep only these statuses; default :data:`DEFAULT_TAX_STATUSES` (``proposed`` and
        ``current``: retired and rejected addresses are left out unless asked for).
    buildings : geopandas.GeoDataFrame, optional
        Building footprints in a metric CRS (EPSG:32631) with ``building_id``: gives the
        footprint area in m². Without it the register's own footprints (its ``buildings``
        layer) are used, else an ``area_m2`` column, else the area is left empty.
    settings : ExportSettings, optional
        Parcel columns, Plus Code locality; defaults when omitted.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TAX_COLUMNS` with the parcel columns after ``building_id``; sorted by
        arrondissement, street code, number, suffix. ``zone`` is the arrondissement the
        building stands in, ``street_zone`` the one of its street (the same for a register
        made before ``building_zone`` existed).

    Examples
    --------
    >>> from parakou_geo.datasets import load_sample
    >>> import parakou_geo
    >>> s = load_sample()
    >>> result = parakou_geo.address(s["roads"], s["buildings"], zones=s["zones"])
    >>> table = tax_table(result, zones=[1])
    >>> sorted(set(table["zone"]))
    ['1']
    """
    s = settings or ExportSettings()
    reg = load_register(register)
    zone_column = "building_zone" if "building_zone" in reg.addresses.columns else "zone"
    addr = select_addresses(
        reg, zones=zones, quartiers=quartiers,
        statuses=DEFAULT_TAX_STATUSES if statuses is None else statuses,
        zone_column=zone_column)
    if buildings is None:
        buildings = reg.buildings if reg.buildings is not None else read_footprints(register)
    lon, lat = _lonlat(addr)
    codes = plus_codes(lon, lat)
    out = pd.DataFrame(index=addr.index)
    for col in ("label", "street_code", "street_name"):
        out[col] = text(addr[col])
    out["number"] = pd.to_numeric(addr["number"], errors="coerce").astype("Int64")
    for col in ("suffix", "quartier"):
        out[col] = text(addr[col])
    building_zone = text(addr[zone_column])
    out["zone"] = building_zone.where(building_zone != "", text(addr["zone"]))
    out["street_zone"] = text(addr["zone"])
    out["building_id"] = text(addr["building_id"])
    for col in s.parcel_columns:
        out[col] = text(addr[col]) if col in addr.columns else ""
    out["area_m2"] = _areas(addr, buildings)
    out["lon"] = np.round(lon, 6)
    out["lat"] = np.round(lat, 6)
    out["plus_code"] = pd.Series(codes, index=addr.index).fillna("").astype(object)
    out["plus_code_short"] = pd.Series(
        short_plus_codes(codes, reference_lonlat=s.reference_lonlat, locality=s.locality),
        index=addr.index,
    ).fillna("").astype(object)
    out["status"] = text(addr["status"])
    return _order(out)


def _presented(table: pd.DataFrame, language: Language) -> pd.DataFrame:
    table = table.assign(status=table["status"].map(lambda v: status_word(v, language)))
    return table.rename(columns={c: header(c, language) for c in table.columns})


def write_tax_csv(
    register: RegisterSource,
    path: str | os.PathLike[str],
    *,
    zones: Iterable[str | int] | None = None,
    quartiers: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    settings: ExportSettings | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the tax list as CSV (UTF-8 with BOM, ``;`` by default), injection-safe.

    Parameters
    ----------
    register : str, os.PathLike, Register or AddressingResult
        The register (EPSG:32631).
    path : str or os.PathLike
        The CSV file.
    zones, quartiers, statuses : iterable, optional
        Filters, see :func:`tax_table`.
    buildings : geopandas.GeoDataFrame, optional
        Footprints (EPSG:32631) for the area column.
    settings : ExportSettings, optional
        Language, separator, parcel columns.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    s = settings or ExportSettings()
    table = tax_table(register, zones=zones, quartiers=quartiers, statuses=statuses,
                      buildings=buildings, settings=s)
    ids = [header(c, s.language) for c in (*_ID_COLUMNS, *s.parcel_columns)]  # type: ignore[arg-type]
    out = write_csv(_presented(table, s.language), path,  # type: ignore[arg-type]
                    separator=s.csv_separator, decimal=s.csv_decimal, overwrite=overwrite,
                    id_columns=ids if s.csv_ids_as_text else ())
    logger.info("wrote tax list %s (%d addresses)", out, len(table))
    return out


def write_tax_xlsx(
    register: RegisterSource,
    path: str | os.PathLike[str],
    *,
    zones: Iterable[str | int] | None = None,
    quartiers: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    settings: ExportSettings | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the tax list as XLSX: a summary sheet, then one sheet per arrondissement.

    Every sheet has a bold frozen header row, an auto-filter and fitted column widths;
    identifiers (street code, building id, arrondissement, parcel ids) are stored as text.

    Parameters
    ----------
    register : str, os.PathLike, Register or AddressingResult
        The register (EPSG:32631).
    path : str or os.PathLike
        The ``.xlsx`` file.
    zones, quartiers, statuses : iterable, optional
        Filters, see :func:`tax_table`.
    buildings : geopandas.GeoDataFrame, optional
        Footprints (EPSG:32631) for the area column.
    settings : ExportSettings, optional
        Language and parcel columns.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    s = settings or ExportSettings()
    lang: Language = s.language  # type: ignore[assignment]
    reg = load_register(register)
    if reg.buildings is None and buildings is None:
        buildings = read_footprints(register)
    table = tax_table(reg, zones=zones, quartiers=quartiers, statuses=statuses,
                      buildings=buildings, settings=s)
    listed = DEFAULT_TAX_STATUSES if statuses is None else tuple(statuses)
    zone_values = sorted(set(table["zone"]), key=lambda z: (not z.isdigit(), z.zfill(6)))
    sheets: list[tuple[str, pd.DataFrame]] = []
    summary_rows = []
    for z in zone_values:
        title = f"{word('arrondissement', lang)} {z}" if z else word("no_zone", lang)
        part = table.loc[table["zone"] == z]
        sheets.append((title, _presented(part, lang)))
        summary_rows.append(_summary_row(z, part, listed, lang, title))
    summary_rows.append(_summary_row(word("total", lang), table, listed, lang, ""))
    summary = pd.DataFrame(summary_rows)
    left_out = [st for st in STATUSES if st not in listed]
    n_left_out = int(text(reg.addresses["status"]).isin(left_out).sum())
    if n_left_out:
        note = word("tax_left_out", lang).format(
            n=n_left_out, statuses=", ".join(status_word(st, lang) for st in left_out))
        counts = [c for c in summary.columns if c not in (header("zone", lang),
                                                          header("sheet", lang))]
        summary = pd.concat([summary, pd.DataFrame({header("sheet", lang): ["", note]})],
                            ignore_index=True)
        summary[counts] = summary[counts].astype("Int64")
    ids = [header(c, lang) for c in (*_ID_COLUMNS, *s.parcel_columns)]
    out = write_xlsx([(word("summary", lang), summary), *sheets], path,
                     text_columns=ids, overwrite=overwrite)
    logger.info("wrote tax workbook %s (%d addresses, %d sheets)", out, len(table),
                len(sheets) + 1)
    return out


def _summary_row(zone: str, part: pd.DataFrame, listed: tuple[str, ...], lang: Language,
                 sheet: str) -> dict[str, object]:
    counts = part["status"].value_counts()
    row: dict[str, object] = {header("zone", lang): zone,
                              header("n_addresses", lang): len(part)}
    for st in STATUSES:
        if st in listed:
            row[status_word(st, lang)] = int(counts.get(st, 0))
    row[header("sheet", lang)] = sheet
    return row
