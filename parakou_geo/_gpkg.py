"""Private SQLite plumbing of the register GeoPackage: metadata, history, locks, transactions.

A register is a GeoPackage (an SQLite file) written by GDAL when it is created. Every later
change goes through :mod:`sqlite3` in one SQLite transaction (:func:`transaction`) that holds
the register's write lock, so a killed process or a second concurrent update never leaves a
damaged or half-changed register. Features are read and appended directly as
GeoPackage geometry blobs (:func:`read_features`, :func:`insert_features`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import os
import sqlite3
import struct
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parakou_geo._errors import RegisterError, RegisterLockedError

__all__ = [
    "HISTORY_COLUMNS",
    "SCHEMA_VERSION",
    "PreparedInsert",
    "RegisterError",
    "RegisterLockedError",
    "TableLayout",
    "TransactionAbortedError",
    "append_history",
    "connect",
    "create_indexes",
    "create_support_tables",
    "history_time",
    "insert_features",
    "prepare_insert",
    "read_features",
    "read_meta",
    "record_run",
    "recover_interrupted",
    "run_insert",
    "table_layout",
    "touch_contents",
    "transaction",
    "write_meta",
]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: Version of the register layout written by this code; other versions are refused.
SCHEMA_VERSION = 1

#: Page cache of a change transaction, in KiB (SQLite only allocates what it uses).
_CACHE_KIB = 512 * 1024
#: How long a change waits for readers to finish before its commit gives up, in ms.
_BUSY_MS = 30_000

HISTORY_COLUMNS: tuple[str, ...] = (
    "time", "run_id", "operation", "object_type", "object_id", "field", "old_value",
    "new_value", "reason",
)


_TABLES = {
    "meta": "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT)",
    "history": (
        "CREATE TABLE history (fid INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, "
        "run_id TEXT, operation TEXT NOT NULL, object_type TEXT NOT NULL, object_id TEXT NOT "
        "NULL, field TEXT, old_value TEXT, new_value TEXT, reason TEXT)"
    ),
    "street_names": (
        "CREATE TABLE street_names (fid INTEGER PRIMARY KEY AUTOINCREMENT, street_code TEXT "
        "NOT NULL, name TEXT NOT NULL, street_type TEXT, decision_date TEXT, reference TEXT, "
        "valid_from TEXT NOT NULL, valid_to TEXT)"
    ),
    "runs": (
        "CREATE TABLE runs (fid INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, "
        "time TEXT NOT NULL, operation TEXT NOT NULL, summary TEXT)"
    ),
}
_DESCRIPTIONS = {
    "meta": "Register metadata: schema version, settings, inputs",
    "history": "Every change to addresses and streets, with the operation and reason",
    "street_names": "Official street names and their history",
    "runs": "Each run that changed the register",
}


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


def create_support_tables(path: str | os.PathLike[str], meta: dict[str, str]) -> None:
    """Create ``meta``, ``history``, ``street_names`` and ``runs`` and register them."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with contextlib.closing(connect(path)) as con:
        con.execute("BEGIN")
        for name, ddl in _TABLES.items():
            con.execute(ddl)
            con.execute(
                "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
                "last_change) VALUES (?, 'attributes', ?, ?, ?)",
                (name, name, _DESCRIPTIONS[name], now),
            )
        con.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", sorted(meta.items()))
        con.execute("COMMIT")


def recover_interrupted(path: str | os.PathLike[str]) -> None:
    """Undo the unfinished change a killed program left in a GeoPackage, if there is one.

    A change interrupted after part of it reached the file leaves ``<file>-journal`` beside
    it; the first program that opens the file for writing restores the previous state from it.
    Programs that open the file read-only (GDAL's default) cannot, and fail; calling this
    before such a read makes it work. Does nothing when there is no journal.
    """
    p = Path(path)
    if not Path(f"{p}-journal").exists() or not p.is_file():
        return
    try:
        with contextlib.closing(sqlite3.connect(str(p), timeout=30)) as con:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        logger.warning("%s: could not undo an interrupted change (%s); open the file once "
                       "with write access, e.g. in QGIS", p, exc)
    else:
        logger.info("%s: checked for an interrupted change (journal beside the file)", p)


def read_meta(path: str | os.PathLike[str]) -> dict[str, str]:
    """Return a register's metadata, refusing files that are not registers of this version.

    Raises
    ------
    RegisterError
        The file is missing, not a GeoPackage, not a parakou_geo register, or of another
        schema version.
    """
    p = Path(path)
    if p.exists() and not p.is_file():
        raise RegisterError(f"{p} is not a register file (a folder, a named pipe or a device); "
                            "give the register's .gpkg file")
    if not p.is_file():
        raise RegisterError(f"register not found: {p}")
    try:
        # opening the file for writing also undoes a change a killed program left unfinished
        with contextlib.closing(connect(p)) as con:
            tables = {r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "gpkg_contents" not in tables:
                raise RegisterError(f"{p} is not a GeoPackage register")
            if "meta" not in tables:
                raise RegisterError(
                    f"{p} is a GeoPackage but not a parakou_geo register (no meta table); "
                    "create one with 'parakou-geo address'")
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.DatabaseError as exc:
        raise RegisterError(f"{p} cannot be opened as a GeoPackage register ({exc})") from exc
    version = meta.get("schema_version")
    if version != str(SCHEMA_VERSION):
        raise RegisterError(
            f"{p} has register schema version {version!r}; this parakou_geo reads version "
            f"{SCHEMA_VERSION}. Open it with the parakou_geo release that wrote it, or "
            "upgrade parakou_geo"
        )
    return meta


def write_meta(con: sqlite3.Connection, values: dict[str, str]) -> None:
    """Insert or replace metadata entries."""
    con.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                    sorted(values.items()))


def history_time(day: dt.date | None = None) -> str:
    """Return the ``time`` written in the history for a change taking effect on ``day``.

    The current UTC time; with a ``day`` other than today (an update or decision entered with
    ``--date``), that day at the current time of day, so ``history --since`` and date diffs
    follow the dates the register's users gave. ``runs.time`` keeps the real clock time.
    """
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    if day is not None and day != now.date():
        now = dt.datetime.combine(day, now.time(), tzinfo=dt.UTC)
    return now.isoformat()


def record_run(con: sqlite3.Connection, run_id: str, operation: str, summary: str) -> None:
    """Add a row to the ``runs`` table, stamped with the current UTC clock time."""
    con.execute("INSERT INTO runs (run_id, time, operation, summary) VALUES (?, ?, ?, ?)",
                (run_id, history_time(), operation, summary))


def append_history(con: sqlite3.Connection, rows: Sequence[Sequence[object]]) -> None:
    """Append history rows (values in :data:`HISTORY_COLUMNS` order)."""
    con.executemany(
        f"INSERT INTO history ({', '.join(HISTORY_COLUMNS)}) VALUES "
        f"({', '.join('?' * len(HISTORY_COLUMNS))})",
        [tuple(None if v is None else str(v) for v in r) for r in rows],
    )


def _cause(exc: BaseException) -> str:
    """Plain words for an SQLite failure, with what to do about it."""
    text = str(exc)
    low = text.lower()
    if "full" in low:
        return "the disk is full (free some space, then run the command again)"
    if "readonly" in low or "read-only" in low:
        return ("the register or its folder is read-only (SQLite writes a journal beside the "
                "file: give write access to both, then run the command again)")
    if "unable to open" in low:
        return ("SQLite cannot create its journal beside the register (is the folder "
                "read-only or full?)")
    if "i/o" in low:
        return "a disk I/O error (check the disk, then run the command again)"
    if "interrupt" in low:
        return "the change was interrupted"
    return f"reported: {text.splitlines()[0][:200] if text else type(exc).__name__}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _register_state(final: Path, rolled_back: bool) -> str:
    """Say what a register holds after a failed change (restoring it from its journal)."""
    journal = Path(f"{final}-journal")
    if rolled_back and not (journal.exists() and journal.stat().st_size > 0):
        return "the register is unchanged"
    try:  # a program opening the file for writing restores it from its journal
        with contextlib.closing(sqlite3.connect(str(final), timeout=30)) as con:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        pass
    if journal.exists() and journal.stat().st_size > 0:
        return (f"part of the change may be in the file, but {journal} holds what is needed "
                "to undo it: keep that file, free some disk space and open the register "
                "once with any parakou-geo command (or QGIS), which restores it unchanged")
    return "the register is unchanged (restored from its journal)"


@contextlib.contextmanager
def transaction(path: str | os.PathLike[str]) -> Iterator[sqlite3.Connection]:
    """Yield a connection inside one SQLite write transaction on the register.

    The transaction takes the register's write lock at once (``BEGIN IMMEDIATE``): a second
    process trying to change the register meanwhile fails straight away with
    :class:`RegisterLockedError`, while readers (QGIS, exports) go on reading the previous
    state. The operating system releases the lock when the process ends, even when killed.

    The block's changes are committed together when it ends without error and rolled back on
    any error. SQLite's rollback journal makes this atomic on disk: if the process is killed,
    the register file still holds the previous state (changes stay in memory until the commit,
    unless they outgrow a 512 MiB page cache), and whatever part of an unfinished change
    reached the file is undone from ``<register>-journal`` by the next program that opens it
    for writing (see :func:`recover_interrupted`). The commit syncs the journal and the file
    to disk.

    When SQLite aborts the transaction itself (disk full, I/O error), every later statement of
    the block is refused (:class:`TransactionAbortedError`) instead of running on its own, and
    the failure becomes a :class:`RegisterError` saying what the register now holds.

    Raises
    ------
    RegisterLockedError
        When another process is changing the register.
    RegisterError
        When the file is not a register of this version, or the change could not be saved
        (disk full, read-only file, I/O error); the message says the register's state.
    """
    final = Path(path)
    read_meta(final)  # opening the file also rolls back a change a killed run left
    con = connect(final, any_thread=True)
    assert isinstance(con, _Connection)
    rolled_back = True
    try:
        con.execute("PRAGMA synchronous = FULL")
        # room to keep the whole change in memory: the file is written only at commit
        con.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
        con.execute("PRAGMA busy_timeout = 0")
        try:
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            raise RegisterLockedError(
                f"{final} is being changed by another process (another parakou-geo command, "
                "or a QGIS edit being saved); wait until it has finished, then run your "
                "command again. The register was not touched."
            ) from exc
        con.guarded = True
        # the commit may wait for readers (QGIS drawing the map) to finish their read
        con.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
        yield con
        pause = os.environ.get("PARAKOU_GEO_PAUSE_BEFORE_COMMIT")
        if pause:  # lets tests kill a process in the middle of an update
            logger.warning("test hook: pausing %s before committing to %s", pause, final)
            if pause == "stdin":  # until the test writes a line: an event, not a duration
                sys.stdin.readline()
            else:
                time.sleep(float(pause))
        con._check()  # SQLite may have ended the transaction under a caught error
        con.guarded = False
        try:
            con.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            raise RegisterLockedError(
                f"{final} stayed in use by another program for {_BUSY_MS // 1000} s (a QGIS "
                "edit session or a long read), so the change could not be saved; the register "
                "was not changed. Close it there, then run your command again."
            ) from exc
    except BaseException as exc:
        con.guarded = False
        if con.in_transaction:
            try:
                con.execute("ROLLBACK")
            except sqlite3.Error:
                rolled_back = False
        con.close()
        if isinstance(exc, sqlite3.Error | TransactionAbortedError):
            cause = exc.__context__ if isinstance(exc, TransactionAbortedError) and \
                isinstance(exc.__context__, sqlite3.Error) else exc
            raise RegisterError(
                f"{final}: the change could not be saved: {_cause(cause)}. "
                f"{_sentence(_register_state(final, rolled_back))}."
            ) from exc
        if isinstance(exc, OSError):
            raise RegisterError(
                f"{final}: the change could not be made ({exc}). "
                f"{_sentence(_register_state(final, rolled_back))}."
            ) from exc
        raise
    finally:
        con.close()
