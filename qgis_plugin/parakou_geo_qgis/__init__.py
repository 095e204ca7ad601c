"""QGIS Processing plugin running the ``parakou-geo`` command of a parakou_geo installation.

QGIS's own Python has no geopandas (and Debian blocks pip there), so the algorithms run the
user's ``parakou-geo`` command in a subprocess, like the Processing R provider runs R: files
go in and out, progress comes back as JSON lines (``parakou-geo --progress json``).
"""


def classFactory(iface):  # noqa: N802 (the name QGIS looks for)
    """Return the plugin object (called by QGIS when the plugin is loaded)."""
    from .plugin import ParakouGeoPlugin

    return ParakouGeoPlugin(iface)
