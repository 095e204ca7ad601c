"""The Processing provider: its setting (where parakou-geo is) and its algorithms."""

import os

from processing.core.ProcessingConfig import ProcessingConfig, Setting
from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from . import algorithms
from .algorithms import COMMAND_SETTING
from .i18n import tr

_ICON = os.path.join(os.path.dirname(__file__), "icon.svg")


class ParakouGeoProvider(QgsProcessingProvider):
    """Processing provider running the ``parakou-geo`` command."""

    def id(self):  # noqa: D102
        return "parakougeo"

    def name(self):  # noqa: D102
        return tr("provider")

    def longName(self):  # noqa: D102, N802
        return tr("provider")

    def icon(self):  # noqa: D102
        return QIcon(_ICON)

    def load(self):  # noqa: D102
        ProcessingConfig.settingIcons[self.name()] = self.icon()
        ProcessingConfig.addSetting(Setting(self.name(), COMMAND_SETTING,
                                            tr("setting.command"), "",
                                            valuetype=Setting.FILE))
        ProcessingConfig.readSettings()
        self.refreshAlgorithms()
        return True

    def unload(self):  # noqa: D102
        ProcessingConfig.removeSetting(COMMAND_SETTING)

    def loadAlgorithms(self):  # noqa: D102, N802
        for cls in algorithms.ALGORITHMS:
            self.addAlgorithm(cls())
