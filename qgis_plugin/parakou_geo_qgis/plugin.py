"""The plugin object: registers the Processing provider."""

from qgis.core import QgsApplication

from .provider import ParakouGeoProvider


class ParakouGeoPlugin:
    """Adds the parakou_geo provider to the Processing toolbox."""

    def __init__(self, iface):
        self.iface = iface
        self.provider = None

    def initProcessing(self):  # noqa: N802 (QGIS API)
        """Register the provider (also called by qgis_process, without a GUI)."""
        if self.provider is None:
            self.provider = ParakouGeoProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):  # noqa: N802 (QGIS API)
        """Start the plugin in QGIS desktop."""
        self.initProcessing()

    def unload(self):
        """Remove the provider when the plugin is unloaded."""
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
