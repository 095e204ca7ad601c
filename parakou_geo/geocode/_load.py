"""Private: read what the geocoder needs from a register (layers, name history, old labels)."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from parakou_geo.exports._input import RegisterSource, load_register, result_register
from parakou_geo.register import Register
from parakou_geo.register.read import read_register

__all__ = ["ADDRESS_COLUMNS", "STREET_COLUMNS", "RegisterTables", "read_tables"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())


@dataclass
class RegisterTables:
    """The tables a :class:`~parakou_geo.geocode.Geocoder` is built from.

    Attributes
    ----------
    addresses, streets : geopandas.GeoDataFrame
        The register's layers (metric CRS).
    segments : geopandas.GeoDataFrame or None
        Oriented street segments (``street_code``, ``offset_m``), when the register has them.
    quartiers : geopandas.GeoDataFrame or None
        Quartier polygons with a ``quartier`` column.
    former_names : pandas.DataFrame
        ``street_code``, ``name``: names a street had before (name history).
    former_labels : pandas.DataFrame
        ``address_id``, ``label``: labels an address had before a renumbering or a move.
    meta : dict of str to str
        The register's ``meta`` table (empty when unknown).
    """

    addresses: gpd.GeoDataFrame
    streets: gpd.GeoDataFrame
    segments: gpd.GeoDataFrame | None
    quartiers: gpd.GeoDataFrame | None
    former_names: pd.DataFrame
    former_labels: pd.DataFrame
    meta: dict[str, str]


def _empty_names() -> pd.DataFrame:
    return pd.DataFrame({"street_code": pd.Series(dtype=object),
                         "name": pd.Series(dtype=object)})


def _empty_labels() -> pd.DataFrame:
    return pd.DataFrame({"address_id": pd.Series(dtype=object),
                         "label": pd.Series(dtype=object)})


def read_tables(source: RegisterSource) -> RegisterTables:
    """Return the tables of ``source`` (a register path, a Register or an AddressingResult).

    Raises
    ------
    InputError
        When the file is missing, is not a register, or lacks required columns.
    """
    held = source if isinstance(source, Register) else result_register(source)
    if held is not None:
        register = load_register(held)
        reg = held
        return RegisterTables(register.addresses, register.streets, reg.segments,
                              reg.quartiers, _empty_names(), _empty_labels(),
                              dict(reg.meta or {}))
    if not isinstance(source, str | os.PathLike):
        load_register(source)  # raises the error for a wrong type
        raise TypeError(f"not a register: {type(source).__name__}")  # not reached
    path = Path(source)
    read = read_register(path, layers=("addresses", "streets", "segments", "quartiers"),
                         columns={"addresses": ADDRESS_COLUMNS, "streets": STREET_COLUMNS,
                                  "segments": ("street_code", "offset_m")}, fast=True)
    register = load_register(read)
    segments, quartiers = read.segments, read.quartiers
    if quartiers is not None and "quartier" not in quartiers.columns:
        quartiers = None
    former_names, former_labels, meta = _history(path)
    return RegisterTables(register.addresses, register.streets, segments, quartiers,
                          former_names, former_labels, meta)


#: Columns the geocoder uses (others are not read: reading is most of the build time).
ADDRESS_COLUMNS = ("address_id", "label", "street_code", "street_name", "number", "suffix",
                   "zone", "quartier", "building_id", "side", "distance_to_street_m",
                   "method", "status", "lon", "lat", "created", "retired")
STREET_COLUMNS = ("street_code", "street_name", "zone", "length_m", "origin_x", "origin_y",
                  "status")


def _history(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, pd.DataFrame,
                                                    dict[str, str]]:
    """Read former street names, former address labels and ``meta`` (read-only)."""
    uri = f"{Path(path).resolve().as_uri()}?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as con:
            tables = {r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            parts = []
            if "street_names" in tables:
                parts.append(pd.read_sql_query(
                    "SELECT street_code, name FROM street_names WHERE valid_to IS NOT NULL",
                    con))
            if "history" in tables:
                parts.append(pd.read_sql_query(
                    "SELECT object_id AS street_code, old_value AS name FROM history WHERE "
                    "object_type = 'street' AND field = 'street_name' AND old_value IS NOT "
                    "NULL AND old_value != ''", con))
                labels = pd.read_sql_query(
                    "SELECT object_id AS address_id, old_value AS label FROM history WHERE "
                    "object_type = 'address' AND field = 'label' AND old_value IS NOT NULL "
                    "AND old_value != ''", con)
            else:
                labels = _empty_labels()
            meta = (dict(con.execute("SELECT key, value FROM meta").fetchall())
                    if "meta" in tables else {})
    except sqlite3.Error as exc:  # the layers were read: the history is a bonus
        logger.warning("%s: name history not read (%s)", path, exc)
        return _empty_names(), _empty_labels(), {}
    names = (pd.concat(parts, ignore_index=True).drop_duplicates() if parts
             else _empty_names())
    return names, labels.drop_duplicates(), meta
