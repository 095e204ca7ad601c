"""Private SQLite plumbing of the register GeoPackage: connections, geometry blobs, features.

A register is a GeoPackage (an SQLite file) written by GDAL when it is created. Later changes go
through :mod:`sqlite3` (see :mod:`parakou_geo.register._transaction` for the one transaction
they run in): features are read and appended directly as GeoPackage geometry blobs
(:func:`read_features`, :func:`insert_features`), keeping the spatial index and GDAL's feature
count right, and the register's attribute indexes are made here (:func:`create_indexes`).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import sqlite3
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from parakou_geo._errors import RegisterError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "PreparedInsert",
    "TableLayout",
    "TransactionAbortedError",
    "connect",
    "create_indexes",
    "insert_features",
    "prepare_insert",
    "read_features",
    "run_insert",
    "table_layout",
    "touch_contents",
]


_ENVELOPE_BYTES = (0, 32, 48, 48, 64)


@functools.lru_cache(maxsize=8)
def _blob_bounds(blob: bytes) -> tuple[float, float, float, float] | None:
    """(minx, miny, maxx, maxy) of a GeoPackage geometry blob; None when empty or unknown.

    Read from the header's envelope when present, from the WKB of a point otherwise, and by
    decoding the geometry only as a last resort.
    """
    if len(blob) < 8 or blob[:2] != b"GP" or blob[3] & 0x10:
        return None
    little = "<" if blob[3] & 0x01 else ">"
    code = (blob[3] >> 1) & 0x07
    if 1 <= code <= 4:
        minx, maxx, miny, maxy = struct.unpack_from(f"{little}4d", blob, 8)
        return minx, miny, maxx, maxy
    wkb = blob[8 + (_ENVELOPE_BYTES[code] if code <= 4 else 0):]
    if len(wkb) == 21:  # a 2D point
        order = "<" if wkb[0] == 1 else ">"
        x, y = struct.unpack_from(f"{order}2d", wkb, 5)
        return None if x != x else (x, y, x, y)
    import shapely  # not loaded by commands that only read tables (history)

    geom = shapely.from_wkb(bytes(wkb))
    return None if geom.is_empty else tuple(float(v) for v in geom.bounds)  # type: ignore[return-value]


def _st_is_empty(blob: bytes | None) -> int | None:
    if blob is None:
        return None
    return 1 if _blob_bounds(bytes(blob)) is None else 0


def _st_bound(index: int) -> Callable[[bytes | None], float | None]:
    def bound(blob: bytes | None) -> float | None:
        if blob is None:
            return None
        b = _blob_bounds(bytes(blob))
        return None if b is None else b[index]

    return bound


class TransactionAbortedError(RegisterError):
    """SQLite ended a change's transaction itself (disk full, I/O error): nothing more may run."""


class _Connection(sqlite3.Connection):
    """A connection that refuses statements once the transaction it was guarding has ended.

    When SQLite aborts a transaction itself (``SQLITE_FULL``, ``SQLITE_IOERR``...), the
    connection falls back to autocommit mode: every later statement would be saved on its own,
    half-applying the change. Inside :func:`transaction` (``guarded`` set), any statement run
    after the transaction ended raises :class:`TransactionAbortedError` instead.
    """

    guarded = False

    def _check(self) -> None:
        if self.guarded and not self.in_transaction:
            raise TransactionAbortedError(
                "SQLite ended the transaction (a previous statement failed); the rest of the "
                "change was not run")

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        self._check()
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        self._check()
        return super().executemany(sql, parameters)

    def executescript(self, sql_script: str, /) -> sqlite3.Cursor:
        self._check()
        return super().executescript(sql_script)


def connect(path: str | os.PathLike[str], *, any_thread: bool = False) -> sqlite3.Connection:
    """Open a register's SQLite database (no implicit transactions).

    The GeoPackage spatial-index triggers written by GDAL call ``ST_IsEmpty`` and
    ``ST_MinX``... which plain SQLite lacks; they are provided here so attribute updates work.
    With ``any_thread``, the connection may be used from another thread (one at a time).
    """
    con = sqlite3.connect(str(path), isolation_level=None, timeout=30,
                          check_same_thread=not any_thread, factory=_Connection)
    con.execute("PRAGMA foreign_keys = ON")
    con.create_function("ST_IsEmpty", 1, _st_is_empty, deterministic=True)
    for i, name in enumerate(("ST_MinX", "ST_MinY", "ST_MaxX", "ST_MaxY")):
        con.create_function(name, 1, _st_bound(i), deterministic=True)
    return con


_MULTI = {"MULTIPOINT": 0, "MULTILINESTRING": 1, "MULTIPOLYGON": 3}


def _blobs(geoms: np.ndarray, srs_id: int, declared: str) -> list[bytes | None]:
    """Encode geometries as GeoPackage blobs (little-endian header, envelope, WKB)."""
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    single = _MULTI.get(declared.upper())
    if single is not None:
        promote = shapely.get_type_id(geoms) == single
        if promote.any():
            make = {0: shapely.multipoints, 1: shapely.multilinestrings,
                    3: shapely.multipolygons}[single]
            geoms = geoms.copy()
            geoms[promote] = make(geoms[promote], indices=np.arange(int(promote.sum())))
    wkb = shapely.to_wkb(geoms, byte_order=1, output_dimension=2)
    bounds = shapely.bounds(geoms)
    kind = shapely.get_type_id(geoms)
    empty = shapely.is_empty(geoms)
    out: list[bytes | None] = []
    for w, b, k, e in zip(wkb, bounds, kind, empty, strict=True):
        if w is None:
            out.append(None)
        elif e:
            out.append(b"GP\x00\x11" + struct.pack("<i", srs_id) + w)
        elif k == 0:
            out.append(b"GP\x00\x01" + struct.pack("<i", srs_id) + w)
        else:
            out.append(b"GP\x00\x03" + struct.pack("<i4d", srs_id, b[0], b[2], b[1], b[3]) + w)
    return out


def _column_values(column: pd.Series) -> list[object]:
    """Return a column as plain Python values for SQLite (missing values as None)."""
    values = column.to_numpy()
    if values.dtype.kind in "iub":
        return list(values.tolist())
    if values.dtype.kind == "f":
        return [None if v != v else v for v in values.tolist()]
    missing = pd.isna(column).to_numpy()
    out = column.to_numpy(dtype=object).tolist()
    if missing.any():
        for i in np.flatnonzero(missing):
            out[i] = None
    return [v.item() if isinstance(v, np.generic) else v for v in out]


@dataclass(frozen=True)
class TableLayout:
    """What appending rows to a GeoPackage table needs to know about it.

    Attributes
    ----------
    table : str
        The table.
    columns : tuple of str
        Its columns.
    geometry : tuple of (str, str, int) or None
        Geometry column, declared geometry type and SRS id (None for attribute tables).
    rtree : str or None
        Its spatial index table, when it has one.
    triggers : tuple of (str, str)
        Name and SQL of the per-row insert triggers (spatial index, GDAL's feature count) that
        are suspended during a bulk insert.
    """

    table: str
    columns: tuple[str, ...]
    geometry: tuple[str, str, int] | None
    rtree: str | None
    triggers: tuple[tuple[str, str], ...]


def table_layout(con: sqlite3.Connection, table: str) -> TableLayout:
    """Return the :class:`TableLayout` of a table."""
    columns = tuple(r[1] for r in con.execute(f'PRAGMA table_info("{table}")'))
    row = con.execute("SELECT column_name, geometry_type_name, srs_id FROM "
                      "gpkg_geometry_columns WHERE table_name = ?", (table,)).fetchone()
    geometry = None if row is None else (str(row[0]), str(row[1]), int(row[2]))
    rtree = None if geometry is None else f"rtree_{table}_{geometry[0]}"
    names = [f"trigger_insert_feature_count_{table}", f"{rtree}_insert"]
    found = dict(con.execute(
        f"SELECT name, sql FROM sqlite_master WHERE name IN (?, ?{', ?' if rtree else ''})",
        (*names, rtree) if rtree else tuple(names)).fetchall())
    return TableLayout(
        table=table, columns=columns, geometry=geometry,
        rtree=rtree if rtree in found else None,
        triggers=tuple((n, found[n]) for n in names if n in found),
    )


@dataclass
class PreparedInsert:
    """Rows ready for :func:`run_insert` (made by :func:`prepare_insert`, without SQL)."""

    layout: TableLayout
    sql: str
    rows: list[tuple[object, ...]]
    bounds: np.ndarray | None


def prepare_insert(layout: TableLayout, frame: pd.DataFrame) -> PreparedInsert:
    """Turn a (Geo)DataFrame into rows for a table: plain values and GeoPackage blobs.

    Columns absent from the table are ignored; geometries are encoded in the table's SRS (the
    frame must already be in that CRS) and promoted to the declared multi type.
    """
    import shapely

    names = [c for c in frame.columns if c in layout.columns and c != "geometry"]
    data: list[list[object]] = [_column_values(frame[c]) for c in names]
    bounds = None
    if layout.geometry is not None and "geometry" in frame.columns and len(frame):
        geom_col, declared, srs_id = layout.geometry
        geoms = np.asarray(frame["geometry"].array)
        names.append(geom_col)
        data.append(list(_blobs(geoms, srs_id, declared)))
        bounds = shapely.bounds(geoms)
    quoted = ", ".join(f'"{n}"' for n in names)
    sql = f'INSERT INTO "{layout.table}" ({quoted}) VALUES ({", ".join("?" * len(names))})'
    return PreparedInsert(layout=layout, sql=sql, rows=list(zip(*data, strict=True)),
                          bounds=bounds)


def run_insert(con: sqlite3.Connection, prepared: PreparedInsert) -> int:
    """Append prepared rows inside the caller's transaction.

    The spatial index and GDAL's feature count are updated in bulk: their per-row triggers are
    suspended during the insert and restored afterwards.

    Returns
    -------
    int
        Number of rows inserted.
    """
    layout, rows = prepared.layout, prepared.rows
    if not rows:
        return 0
    for name, _ in layout.triggers:
        con.execute(f'DROP TRIGGER "{name}"')
    first = con.execute(f'SELECT coalesce(max(rowid), 0) FROM "{layout.table}"').fetchone()[0]
    con.executemany(prepared.sql, rows)
    if layout.rtree is not None and prepared.bounds is not None:
        fids = [r[0] for r in con.execute(
            f'SELECT rowid FROM "{layout.table}" WHERE rowid > ? ORDER BY rowid', (first,))]
        b = prepared.bounds
        keep = np.isfinite(b).all(axis=1)
        con.executemany(f'INSERT INTO "{layout.rtree}" VALUES (?, ?, ?, ?, ?)',
                        [(f, x0, x1, y0, y1) for f, x0, y0, x1, y1, k in
                         zip(fids, *b.T.tolist(), keep.tolist(), strict=True) if k])
    if any(name.startswith("trigger_insert_feature_count_") for name, _ in layout.triggers):
        con.execute("UPDATE gpkg_ogr_contents SET feature_count = feature_count + ? WHERE "
                    "lower(table_name) = lower(?)", (len(rows), layout.table))
    for _, ddl in layout.triggers:
        con.execute(ddl)
    return len(rows)


def insert_features(con: sqlite3.Connection, table: str, frame: pd.DataFrame) -> int:
    """Append rows of a (Geo)DataFrame to a GeoPackage table through SQLite.

    :func:`prepare_insert` then :func:`run_insert`: columns absent from the table are ignored,
    geometries become GeoPackage blobs, the spatial index and feature count are kept right.

    Returns
    -------
    int
        Number of rows inserted.
    """
    if len(frame) == 0:
        return 0
    return run_insert(con, prepare_insert(table_layout(con, table), frame))


def _wkb_sql(column: str) -> str:
    """Return SQL giving the WKB in a GeoPackage geometry blob (after header and envelope)."""
    flags = f'unicode(CAST(substr("{column}", 4, 1) AS TEXT))'
    return (f'substr("{column}", 9 + CASE ({flags} >> 1) & 7 WHEN 1 THEN 32 WHEN 2 THEN 48 '
            f'WHEN 3 THEN 48 WHEN 4 THEN 64 ELSE 0 END)')


def read_features(
    con: sqlite3.Connection,
    table: str,
    *,
    columns: Sequence[str] | None = None,
    geometry: bool = True,
    where: str | None = None,
    params: Sequence[object] = (),
) -> gpd.GeoDataFrame:
    """Read a GeoPackage feature table through SQLite (much faster than GDAL for small reads).

    Parameters
    ----------
    con : sqlite3.Connection
        An open register (see :func:`connect`).
    table : str
        The feature table.
    columns : sequence of str, optional
        Only these attribute columns (default: all).
    geometry : bool
        Also read the geometry (otherwise the ``geometry`` column is empty).
    where : str, optional
        An SQL condition on the table's columns, with ``?`` placeholders.
    params : sequence
        Values of the placeholders.

    Returns
    -------
    geopandas.GeoDataFrame
        Every attribute, indexed by the feature id, with the geometry as ``geometry`` in the
        table's CRS; BOOLEAN columns as bool.
    """
    import geopandas as gpd
    import shapely

    row = con.execute(
        "SELECT g.column_name, s.organization, s.organization_coordsys_id, s.definition FROM "
        "gpkg_geometry_columns g JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id WHERE "
        "lower(g.table_name) = lower(?)", (table,)).fetchone()
    if row is None:
        raise RegisterError(f"the register has no feature table {table!r}")
    geom_col, org, org_id, definition = row
    info = con.execute(f'PRAGMA table_info("{table}")').fetchall()
    pk = next((r[1] for r in info if r[5]), None)
    cols = [r[1] for r in info if r[1] not in (geom_col, pk)
            and (columns is None or r[1] in columns)]
    select = ", ".join([f'"{pk}"' if pk else "rowid", *(f'"{c}"' for c in cols),
                        _wkb_sql(geom_col) if geometry else "NULL"])
    sql = f'SELECT {select} FROM "{table}"' + (f" WHERE {where}" if where else "")
    rows = con.execute(sql, tuple(params)).fetchall()
    frame = pd.DataFrame.from_records(rows, columns=["fid", *cols, "geometry"],
                                      coerce_float=False)
    for (_, name, kind, *_rest) in info:
        if name in cols:
            frame[name] = _typed(frame[name], str(kind).upper())
    frame = frame.set_index(frame["fid"].astype(np.int64)).drop(columns="fid")
    geoms = shapely.from_wkb(frame.pop("geometry").to_numpy(dtype=object))
    if str(org).upper() == "EPSG" and int(org_id) > 0:
        crs: object = f"EPSG:{int(org_id)}"
    else:
        crs = definition if definition and definition != "undefined" else None
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, index=frame.index,
                                                         crs=crs).values, crs=crs)


def _typed(values: pd.Series, declared: str) -> pd.Series:
    """Give a column read from SQLite the dtype GDAL would (numbers, booleans, text)."""
    if len(values) == 0:
        return values
    present = values.notna()
    if declared == "BOOLEAN" and present.all():
        return values.astype(bool)
    if declared in ("INTEGER", "INT", "MEDIUMINT", "SMALLINT", "TINYINT") and present.all():
        return values.astype(np.int64)
    if declared in ("REAL", "DOUBLE", "FLOAT"):
        return pd.to_numeric(values).astype(float)
    return values


#: Attribute indexes for the register's own look-ups: name, table, columns, condition.
_INDEXES: tuple[tuple[str, str, str, str], ...] = (
    ("addresses_street_number", "addresses", "street_code, number", ""),
    ("addresses_address_id", "addresses", "address_id", ""),
    ("addresses_active_building", "addresses", "building_id",
     "status IN ('proposed', 'current')"),
    ("addresses_letter_suffix", "addresses", "street_code", "suffix >= 'A' AND suffix < '['"),
    ("streets_code", "streets", "street_code", ""),
)


def create_indexes(con: sqlite3.Connection) -> None:
    """Create the register's attribute indexes that are missing (registers of any age)."""
    con.execute("DROP INDEX IF EXISTS addresses_building")  # all statuses: nothing used it
    for name, table, columns, condition in _INDEXES:
        con.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})"
                    + (f" WHERE {condition}" if condition else ""))


def touch_contents(
    con: sqlite3.Connection, table: str, bounds: Sequence[float] | None = None
) -> None:
    """Refresh ``last_change`` of a table and grow its extent to ``bounds`` (minx, miny...)."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    con.execute("UPDATE gpkg_contents SET last_change = ? WHERE table_name = ?", (now, table))
    if bounds is not None and all(np.isfinite(bounds)):
        x0, y0, x1, y1 = (float(v) for v in bounds)
        con.execute(
            "UPDATE gpkg_contents SET min_x = min(coalesce(min_x, ?), ?), "
            "min_y = min(coalesce(min_y, ?), ?), max_x = max(coalesce(max_x, ?), ?), "
            "max_y = max(coalesce(max_y, ?), ?) WHERE table_name = ?",
            (x0, x0, y0, y0, x1, x1, y1, y1, table))
