"""Old import path of the register's history operations, kept for one version.

Every public name of :mod:`parakou_geo.register.history` is re-exported here unchanged.
"""

from __future__ import annotations

from parakou_geo.register import history as _new
from parakou_geo.register.history import *  # noqa: F403  (the old path: same names)

__all__ = list(_new.__all__)
