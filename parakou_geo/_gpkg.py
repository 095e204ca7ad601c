"""Old import path of the register's storage, kept for one version.

The register's SQLite plumbing now lives in :mod:`parakou_geo.register._storage` (connections,
geometry blobs, reading and appending features, indexes) and
:mod:`parakou_geo.register._transaction` (the write transaction, metadata, history, recovery).
Names are looked up there at each access, so ``from parakou_geo._gpkg import connect`` gives
whatever :mod:`~parakou_geo.register._storage` holds at that moment. Setting an attribute here
(e.g. ``monkeypatch.setattr(_gpkg, "_BUSY_MS", ...)``) changes nothing: patch the new modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from parakou_geo._errors import RegisterError, RegisterLockedError
    from parakou_geo.register._storage import (
        PreparedInsert,
        TableLayout,
        TransactionAbortedError,
        connect,
        create_indexes,
        insert_features,
        prepare_insert,
        read_features,
        run_insert,
        table_layout,
        touch_contents,
    )
    from parakou_geo.register._transaction import (
        HISTORY_COLUMNS,
        SCHEMA_VERSION,
        append_history,
        create_support_tables,
        history_time,
        read_meta,
        record_run,
        recover_interrupted,
        transaction,
        write_meta,
    )

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


def __getattr__(name: str) -> Any:
    """Forward to the register package's storage modules (at each access)."""
    from parakou_geo.register import _storage, _transaction

    for module in (_transaction, _storage):
        if hasattr(module, name):
            return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
