"""``python -m parakou_geo.cli``."""

from parakou_geo.cli import run

run()
