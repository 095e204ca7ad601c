"""The settings a register stores (its ``meta`` table), read without writing.

Exports, maps and the geocoder write labels of the register's streets; they take the label
settings (``street_prefix``...) from the settings the register was built with, so that a
register built with ``street_prefix = "Voie"`` reads ``Voie 1.002`` everywhere.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from pathlib import Path

from parakou_geo._errors import RegisterError
from parakou_geo.settings import AddressingSettings

__all__ = ["label_prefix", "load_settings_of", "read_stored_meta", "stored_setting"]

#: The word before a street code when neither the register nor the caller gives one.
DEFAULT_PREFIX = "Rue"


def read_stored_meta(path: str | os.PathLike[str]) -> dict[str, str]:
    """Return the ``meta`` table of a register file, read-only (empty when it has none)."""
    uri = f"{Path(path).resolve().as_uri()}?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as con:
            tables = {r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "meta" not in tables:
                return {}
            return {str(k): str(v) for k, v in con.execute("SELECT key, value FROM meta")}
    except sqlite3.Error:
        return {}


def stored_setting(meta: dict[str, str] | None, key: str, default: str) -> str:
    """Return one addressing setting stored in a register's ``meta`` (``default`` if absent).

    Examples
    --------
    >>> stored_setting({"settings": '{"street_prefix": "Voie"}'}, "street_prefix", "Rue")
    'Voie'
    >>> stored_setting({}, "street_prefix", "Rue")
    'Rue'
    """
    try:
        value = json.loads((meta or {}).get("settings", "{}")).get(key)
    except (json.JSONDecodeError, AttributeError):
        return default
    return str(value) if value else default


def label_prefix(meta: dict[str, str] | None, fallback: str | None = None) -> str:
    """Return the word before street codes in labels: the register's own ``street_prefix``.

    ``fallback`` (then ``"Rue"``) is used only for a register that stores no settings (one
    assembled by hand).
    """
    return stored_setting(meta, "street_prefix", fallback or DEFAULT_PREFIX)


def load_settings_of(meta: dict[str, str]) -> AddressingSettings:
    """Return the settings a register was built with (from its ``meta`` table)."""
    try:
        return AddressingSettings().replace(**json.loads(meta["settings"]))
    except (KeyError, json.JSONDecodeError) as exc:
        raise RegisterError(f"the register's stored settings cannot be read ({exc})") from exc
