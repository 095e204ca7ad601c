"""Old import path of the register's lifecycle operations, kept for one version.

Every public name of :mod:`parakou_geo.register.lifecycle` is re-exported here unchanged.
"""

from __future__ import annotations

from parakou_geo.register import lifecycle as _new
from parakou_geo.register.lifecycle import *  # noqa: F403  (the old path: same names)

__all__ = list(_new.__all__)
