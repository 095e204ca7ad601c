"""Old import path of register updates, kept for one version: see parakou_geo.register.update.

Every public name of :mod:`parakou_geo.register.update` is re-exported here unchanged.
"""

from __future__ import annotations

from parakou_geo.register import update as _new
from parakou_geo.register.update import *  # noqa: F403  (the old path: same names)

__all__ = list(_new.__all__)
