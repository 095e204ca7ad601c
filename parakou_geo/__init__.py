"""parakou_geo: street addressing, address register and planning maps for Parakou (Benin).

The addressing flow, one module per step: :mod:`~parakou_geo.io` (read) →
:mod:`~parakou_geo.check` → :mod:`~parakou_geo.prepare` → :mod:`~parakou_geo.streets` →
:mod:`~parakou_geo.codes` → :mod:`~parakou_geo.numbering` → :mod:`~parakou_geo.register`;
:mod:`~parakou_geo.pipeline` runs them all and :mod:`~parakou_geo.cli` is the command line.
Later changes (:mod:`~parakou_geo.register.update`, :mod:`~parakou_geo.register.lifecycle`,
:mod:`~parakou_geo.names`) write a register through the register package's one transaction.

Importing the package is light: the names below that need geopandas (``address``,
``read_layer``, ``Register``...) are loaded on first use, so ``parakou-geo --help`` and the
small register commands start quickly.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from parakou_geo._errors import (
    CRSError,
    InputError,
    MassChangeError,
    OutputError,
    ParakouGeoError,
    RegisterError,
    RegisterLockedError,
    SettingsError,
)
from parakou_geo.settings import AddressingSettings, load_settings

if TYPE_CHECKING:
    from parakou_geo.io import read_layer
    from parakou_geo.pipeline import AddressingResult, address, address_files
    from parakou_geo.register import Register, write_register

__all__ = [
    "AddressingResult",
    "AddressingSettings",
    "CRSError",
    "InputError",
    "MassChangeError",
    "OutputError",
    "ParakouGeoError",
    "Register",
    "RegisterError",
    "RegisterLockedError",
    "SettingsError",
    "address",
    "address_files",
    "load_settings",
    "read_layer",
    "write_register",
]

#: Public names loaded on first access, and the module that defines each.
_LAZY = {
    "read_layer": "parakou_geo.io",
    "AddressingResult": "parakou_geo.pipeline",
    "address": "parakou_geo.pipeline",
    "address_files": "parakou_geo.pipeline",
    "Register": "parakou_geo.register",
    "write_register": "parakou_geo.register",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'parakou_geo' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


logging.getLogger(__name__).addHandler(logging.NullHandler())
