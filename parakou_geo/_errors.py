"""The exception hierarchy of parakou_geo.

Every error the library raises on purpose derives from :class:`ParakouGeoError`, so callers
(and the CLI) can catch one class. Subclasses also derive from the matching built-in
(``ValueError``, ``TypeError``) so generic handlers keep working.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "CRSError",
    "InputError",
    "MassChangeError",
    "OutputError",
    "ParakouGeoError",
    "RegisterError",
    "RegisterLockedError",
    "SettingsError",
]


class ParakouGeoError(Exception):
    """Base class of every error raised by parakou_geo."""


class SettingsError(ParakouGeoError, ValueError):
    """A setting has a value outside its allowed range or type."""


class InputError(ParakouGeoError, ValueError):
    """Input data cannot be used as given.

    Parameters
    ----------
    problems : sequence of str
        Every problem found, each a full sentence naming the feature and the fix.
    source : str, optional
        The file (or layer) the problems come from, shown first in the message.
    note : str, optional
        A closing sentence shown after the problems (what happened, what to do next); it is
        not one of the problems and is not counted.
    """

    def __init__(self, problems: str | Sequence[str], *, source: str | None = None,
                 note: str | None = None) -> None:
        self.problems: list[str] = [problems] if isinstance(problems, str) else list(problems)
        self.source = source
        self.note = note
        super().__init__(self._format())

    def _format(self) -> str:
        head = f"{self.source}: " if self.source else ""
        tail = f"\n{self.note}" if self.note else ""
        if len(self.problems) == 1:
            return head + self.problems[0] + tail
        lines = [f"{head}{len(self.problems)} problems found:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines) + tail


class CRSError(InputError):
    """A layer has a missing, geographic or mismatched coordinate reference system."""


class OutputError(ParakouGeoError, OSError):
    """An output file cannot be written (exists, locked, or the folder is missing)."""


class RegisterError(ParakouGeoError, ValueError):
    """A register file cannot be used (not a register, unknown version, bad operation)."""


class MassChangeError(RegisterError):
    """An update would retire or re-suffix a large share of the register; nothing was changed."""


class RegisterLockedError(RegisterError):
    """Another process is changing the register."""
