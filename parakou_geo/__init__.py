"""parakou_geo: street addressing, address register and planning maps for Parakou (Benin).

The addressing flow, one module per step: :mod:`~parakou_geo.io` (read) →
:mod:`~parakou_geo.validate` → :mod:`~parakou_geo.streets` → :mod:`~parakou_geo.codes` →
:mod:`~parakou_geo.numbering` → :mod:`~parakou_geo.register`; :mod:`~parakou_geo.pipeline`
runs them all and :mod:`~parakou_geo.cli` is the command line.
"""

from __future__ import annotations

import logging

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
from parakou_geo.io import read_layer
from parakou_geo.pipeline import AddressingResult, address, address_files
from parakou_geo.register import Register, write_register
from parakou_geo.settings import AddressingSettings, load_settings

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

logging.getLogger(__name__).addHandler(logging.NullHandler())
