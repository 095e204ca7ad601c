"""The register's one write transaction, its metadata, history and run records.

Every change to an existing register goes through :func:`transaction`: one SQLite transaction
that holds the register's write lock, so a killed process or a second concurrent update never
leaves a damaged or half-changed register. :func:`read_meta` refuses files that are not
registers of this schema version; :func:`recover_interrupted` undoes a change a killed program
left unfinished. Connections come from :func:`parakou_geo.register._storage.connect`, looked up
at call time (tests limit the file's size by replacing it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from parakou_geo._errors import RegisterError, RegisterLockedError
from parakou_geo.register import _storage
from parakou_geo.register._storage import TransactionAbortedError

__all__ = [
    "HISTORY_COLUMNS",
    "SCHEMA_VERSION",
    "append_history",
    "create_support_tables",
    "history_time",
    "read_meta",
    "record_run",
    "recover_interrupted",
    "transaction",
    "unsynced_gdal_writes",
    "write_failure",
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



@contextlib.contextmanager
def unsynced_gdal_writes() -> Iterator[None]:
    """Let GDAL write a new register file without waiting for the disk at each commit.

    GDAL commits several times for each layer it adds, and each commit waits for the disk
    (four ``fsync`` calls): 130 of them for a new register, seconds on a hard disk or a USB
    stick. A new register is a temporary file until it is complete; the last commit, made by
    this package's own connection with SQLite's default (``FULL``) synchronisation, writes
    the whole file to the disk before it is moved into place. GDAL's ``OGR_SQLITE_SYNCHRONOUS``
    is set to ``OFF`` for the duration and then put back as it was.
    """
    import pyogrio  # loaded only by the commands that write through GDAL

    before = pyogrio.get_gdal_config_option("OGR_SQLITE_SYNCHRONOUS")
    pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": "OFF"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": before})


def create_support_tables(path: str | os.PathLike[str], meta: dict[str, str]) -> None:
    """Create ``meta``, ``history``, ``street_names`` and ``runs`` and register them."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with contextlib.closing(_storage.connect(path)) as con:
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
        with contextlib.closing(_storage.connect(p)) as con:
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


def write_failure(exc: BaseException, folder: Path) -> str:
    """Plain words for a failed write: GDAL reports a full disk as odd follow-up errors."""
    cause = _cause(exc)
    if not cause.startswith("reported:"):  # SQLite or the system said what it was
        return cause
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        free = None
    # SQLite stops when a large write does not fit, so some MiB can remain (a register of
    # 100,000 addresses needs about 50 MiB); GDAL then reports a failed rollback
    if free is not None and free < _NEARLY_FULL and os.access(folder, os.W_OK):
        return (f"the disk is full ({free / (1 << 20):.1f} MiB free in {folder}; free some "
                "space, then run the command again)")
    return cause


#: Free space (bytes) under which a failed write is put down to a full disk.
_NEARLY_FULL = 64 << 20


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


def _run_or_locked(con: sqlite3.Connection, sql: str, message: str) -> None:
    """Run ``sql``; SQLite's "locked"/"busy" becomes a :class:`RegisterLockedError`."""
    try:
        con.execute(sql)
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        raise RegisterLockedError(message) from exc


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
    con = _storage.connect(final, any_thread=True)
    assert isinstance(con, _storage._Connection)
    rolled_back = True
    try:
        con.execute("PRAGMA synchronous = FULL")
        # room to keep the whole change in memory: the file is written only at commit
        con.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
        con.execute("PRAGMA busy_timeout = 0")
        _run_or_locked(con, "BEGIN IMMEDIATE", (
            f"{final} is being changed by another process (another parakou-geo command, "
            "or a QGIS edit being saved); wait until it has finished, then run your "
            "command again. The register was not touched."))
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
        _run_or_locked(con, "COMMIT", (
            f"{final} stayed in use by another program for {_BUSY_MS // 1000} s (a QGIS "
            "edit session or a long read), so the change could not be saved; the register "
            "was not changed. Close it there, then run your command again."))
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
