"""Old import path of register updates, kept for one version: see parakou_geo.register.update.

Every public name of :mod:`parakou_geo.register.update` is re-exported here unchanged.
"""

from __future__ import annotations

from parakou_geo.register.update import (
    CHANGE_COLUMNS,
    MAX_CHANGE_SHARE,
    UpdatePlan,
    UpdateReport,
    apply_update,
    load_settings_of,
    update_register,
    update_register_files,
)

__all__ = [
    "CHANGE_COLUMNS",
    "MAX_CHANGE_SHARE",
    "UpdatePlan",
    "UpdateReport",
    "apply_update",
    "load_settings_of",
    "update_register",
    "update_register_files",
]
