"""Private SQLite plumbing of the register GeoPackage: metadata, history, locks, transactions.

A register is a GeoPackage (an SQLite file). Attribute-only edits (status, names, locks...)
go through :mod:`sqlite3`; new features are appended through GDAL. Every change to a register
happens on a copy that replaces the file only once complete (:func:`transaction`), under an
exclusive lock (:func:`register_lock`), so a killed process or a second concurrent update
never leaves a damaged register.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import logging
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import shapely

from parakou_geo._errors import OutputError, RegisterError, RegisterLockedError

__all__ = [
    "HISTORY_COLUMNS",
    "SCHEMA_VERSION",
    "RegisterError",
    "RegisterLockedError",
    "append_history",
    "connect",
    "create_support_tables",
    "read_meta",
    "register_lock",
    "transaction",
    "write_meta",
]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: Version of the register layout written by this code; other versions are refused.
SCHEMA_VERSION = 1

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


def _geometry(blob: bytes | None) -> shapely.Geometry | None:
    """Decode a GeoPackage geometry blob (header + WKB)."""
    if blob is None or len(blob) < 8 or blob[:2] != b"GP":
        return None
    flags = blob[3]
    envelope = (0, 32, 48, 48, 64)[(flags >> 1) & 0x07] if ((flags >> 1) & 0x07) <= 4 else 0
    return shapely.from_wkb(bytes(blob[8 + envelope:]))


def _st_is_empty(blob: bytes | None) -> int | None:
    if blob is None:
        return None
    if len(blob) >= 4 and blob[:2] == b"GP" and blob[3] & 0x10:
        return 1
    geom = _geometry(blob)
    return 1 if geom is None or geom.is_empty else 0


def _st_bound(index: int) -> Callable[[bytes | None], float | None]:
    def bound(blob: bytes | None) -> float | None:
        geom = _geometry(blob)
        if geom is None or geom.is_empty:
            return None
        return float(geom.bounds[index])

    return bound


def connect(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """Open a register's SQLite database (no implicit transactions).

    The GeoPackage spatial-index triggers written by GDAL call ``ST_IsEmpty`` and
    ``ST_MinX``... which plain SQLite lacks; they are provided here so attribute updates work.
    """
    con = sqlite3.connect(str(path), isolation_level=None, timeout=30)
    con.execute("PRAGMA foreign_keys = ON")
    con.create_function("ST_IsEmpty", 1, _st_is_empty, deterministic=True)
    for i, name in enumerate(("ST_MinX", "ST_MinY", "ST_MaxX", "ST_MaxY")):
        con.create_function(name, 1, _st_bound(i), deterministic=True)
    return con


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


def read_meta(path: str | os.PathLike[str]) -> dict[str, str]:
    """Return a register's metadata, refusing files that are not registers of this version.

    Raises
    ------
    RegisterError
        The file is missing, not a GeoPackage, not a parakou_geo register, or of another
        schema version.
    """
    p = Path(path)
    if not p.is_file():
        raise RegisterError(f"register not found: {p}")
    try:
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


def append_history(con: sqlite3.Connection, rows: Sequence[Sequence[object]]) -> None:
    """Append history rows (values in :data:`HISTORY_COLUMNS` order)."""
    con.executemany(
        f"INSERT INTO history ({', '.join(HISTORY_COLUMNS)}) VALUES "
        f"({', '.join('?' * len(HISTORY_COLUMNS))})",
        [tuple(None if v is None else str(v) for v in r) for r in rows],
    )


@contextlib.contextmanager
def register_lock(path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the exclusive update lock of a register (a ``.lock`` file beside it).

    The lock is released by the operating system when the process ends, even when killed.

    Raises
    ------
    RegisterLockedError
        When another process holds the lock.
    """
    lock_path = Path(f"{path}.lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                holder = os.pread(fd, 200, 0).decode(errors="replace").strip()
                raise RegisterLockedError(
                    f"{path} is being changed by another process ({holder or 'unknown'}); "
                    "wait until it has finished, then run your command again. The register "
                    "was not touched."
                ) from exc
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}".encode(),
                  0)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def transaction(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Lock the register and yield a working copy that replaces it only on success.

    The copy lives in the same folder and is moved over the register with an atomic rename
    when the block ends without error; on error (or if the process is killed) the register is
    exactly as before.
    """
    final = Path(path)
    with register_lock(final):
        read_meta(final)
        # holding the lock, any working copy left beside the register is from a killed run
        for stale in final.parent.glob(f".{final.stem}.*.tmp.gpkg*"):
            logger.warning("removing %s left by an interrupted run", stale)
            stale.unlink()
        fd, tmp_name = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=".tmp.gpkg",
                                        dir=final.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            shutil.copy2(final, tmp)
            yield tmp
            pause = os.environ.get("PARAKOU_GEO_PAUSE_BEFORE_COMMIT")
            if pause:  # lets tests kill a process in the middle of an update
                logger.warning("test hook: pausing %s s before replacing %s", pause, final)
                time.sleep(float(pause))
            with contextlib.closing(connect(tmp)) as con:
                if con.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise OutputError(f"the updated copy of {final} failed its integrity check")
            os.replace(tmp, final)
        finally:
            for leftover in (tmp, Path(f"{tmp}-journal"), Path(f"{tmp}-wal"),
                             Path(f"{tmp}-shm")):
                if leftover.exists():
                    leftover.unlink()
