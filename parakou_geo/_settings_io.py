"""Private plumbing shared by every settings dataclass: checked copies and TOML tables."""

from __future__ import annotations

import dataclasses
import difflib
import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from parakou_geo._errors import SettingsError

__all__ = ["load_table", "replace_checked"]


class _Replaceable(Protocol):
    def replace(self, **changes: Any) -> Any: ...


S = TypeVar("S")
R = TypeVar("R", bound=_Replaceable)


def replace_checked(settings: S, what: str, changes: dict[str, Any]) -> S:
    """Return a copy of a settings dataclass with ``changes``, refusing unknown names.

    TOML lists become tuples (settings dataclasses are frozen and hold tuples). The copy is
    validated again by the dataclass's own ``__post_init__``.

    Parameters
    ----------
    settings : dataclass instance
        The settings to copy.
    what : str
        Their domain, for the message (``"map"``, ``"planning"``...).
    changes : dict
        Setting names and their new values.
    """
    known = [f.name for f in dataclasses.fields(settings)]  # type: ignore[arg-type]
    unknown = sorted(set(changes) - set(known))
    if unknown:
        raise SettingsError(
            f"unknown {what} setting(s): {', '.join(unknown)}; known settings: "
            + ", ".join(sorted(known))
        )
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in changes.items()}
    return dataclasses.replace(settings, **values)  # type: ignore[type-var]


#: Tables of a parakou_geo settings file (a near-miss of one of these is a typing error).
KNOWN_TABLES = ("addressing", "exports", "maps", "planning")


def _refuse_misspelt_tables(p: Path, data: dict[str, Any]) -> None:
    """Refuse a table whose name is a near-miss of a known one: its settings would be lost."""
    for name in data:
        if name in KNOWN_TABLES:
            continue
        close = difflib.get_close_matches(name.lower(), KNOWN_TABLES, n=1, cutoff=0.75)
        if close:
            raise SettingsError(
                f"{p}: unknown table [{name}]: did you mean [{close[0]}]? Its settings would "
                f"be ignored; rename the table to [{close[0]}]")


def load_table(path: str | os.PathLike[str], table: str, factory: Callable[[], R]) -> R:
    """Read one table of a TOML settings file into a settings dataclass.

    Parameters
    ----------
    path : str or os.PathLike
        The TOML file, e.g. ``parakou_geo.toml``.
    table : str
        The table name (``addressing``, ``exports``, ``maps``, ``planning``); a missing table
        gives the defaults.
    factory : callable
        Returns the default settings (the dataclass itself).

    Raises
    ------
    SettingsError
        When the file cannot be read, or the table holds an unknown or invalid setting; the
        message starts with the file name.
    """
    p = Path(path)
    if p.exists() and not (p.is_file() or p.is_dir()):
        raise SettingsError(f"{p} is not a regular file (a named pipe or device?); give the "
                            "settings as a TOML file on disk")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{p}: cannot read settings file ({exc})") from exc
    _refuse_misspelt_tables(p, data)
    values = data.get(table, {})
    if not isinstance(values, dict):
        raise SettingsError(f"{p}: [{table}] must be a table")
    try:
        result: R = factory().replace(**values)
    except SettingsError as exc:
        raise SettingsError(f"{p}: {exc}") from exc
    return result
