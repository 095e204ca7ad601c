r"""Make docs/qgis_plugin.png: the plugin's dialog in QGIS beside the styled register it built.

Run with the Python that has QGIS (Debian: /usr/bin/python3), headless::

    .venv/bin/parakou-geo -q demo -o /tmp/demo
    bash scripts/build_qgis_plugin.sh /tmp/dist
    QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/qgis_screenshot.py \
        /tmp/dist/parakou_geo_qgis-0.1.0.zip /tmp/demo/register.gpkg data/parakou_sample.gpkg \
        docs/qgis_plugin.png

The dialog is QGIS's own Processing dialog of "Build an address register" (grabbed from an
offscreen window); the map is the register rendered by QGIS with the styles stored in it.
The picture is reduced to 128 colours (Pillow, when installed) to keep the file small.
"""

from __future__ import annotations

import os
import sys
import tempfile
import zipfile
from pathlib import Path

LAYERS = ("buildings", "zones", "quartiers", "segments", "streets", "unaddressed", "addresses")


def main(zip_path: str, register: str, sample: str, output: str) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import (
        QgsApplication,
        QgsMapRendererSequentialJob,
        QgsMapSettings,
        QgsProject,
        QgsRectangle,
        QgsVectorLayer,
    )
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor, QFont, QImage, QPainter

    profile = tempfile.mkdtemp(prefix="qgis_profile_")
    plugins = Path(profile) / "python" / "plugins"
    plugins.mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(plugins)
    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], True, profile)
    app.initQgis()
    sys.path.append("/usr/share/qgis/python/plugins")
    import qgis.utils
    from processing.core.Processing import Processing
    from processing.gui.AlgorithmDialog import AlgorithmDialog

    Processing.initialize()
    sys.path.insert(0, str(plugins))
    qgis.utils.plugin_paths = [str(plugins)]
    qgis.utils.updateAvailablePlugins()
    qgis.utils.loadPlugin("parakou_geo_qgis")
    qgis.utils.startProcessingPlugin("parakou_geo_qgis")

    layers = []
    for name in LAYERS:
        layer = QgsVectorLayer(f"{register}|layername={name}", name, "ogr")
        layer.loadDefaultStyle()
        layers.append(layer)
    # the dialog's layer choices: the sample's input layers, as a user would have them
    QgsProject.instance().addMapLayers([
        QgsVectorLayer(f"{sample}|layername={name}", name, "ogr")
        for name in ("roads", "buildings", "zones", "quartiers")])

    height = 700
    alg = QgsApplication.processingRegistry().createAlgorithmById("parakougeo:build")
    dialog = AlgorithmDialog(alg)
    dialog.resize(720, height)
    dialog.show()
    app.processEvents()
    panel = dialog.grab().toImage()

    settings = QgsMapSettings()
    settings.setLayers(layers[::-1])  # first in the list is drawn on top
    settings.setDestinationCrs(layers[0].crs())
    settings.setOutputSize(QSize(820, height))
    settings.setBackgroundColor(QColor("white"))
    centre = layers[-1].extent().center()
    half_w, half_h = 150.0, 150.0 * height / 820
    settings.setExtent(QgsRectangle(centre.x() - half_w, centre.y() - half_h,
                                    centre.x() + half_w, centre.y() + half_h))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    map_image = job.renderedImage()

    sheet = QImage(panel.width() + map_image.width() + 12, height, QImage.Format_RGB32)
    sheet.fill(QColor(210, 210, 210))
    painter = QPainter(sheet)
    painter.drawImage(0, 0, panel)
    painter.drawImage(panel.width() + 12, 0, map_image)
    painter.setPen(QColor(60, 60, 60))
    painter.setFont(QFont("DejaVu Sans", 9))
    painter.drawText(panel.width() + 20, height - 10,
                     f"QGIS {qgis.utils.Qgis.QGIS_VERSION.split('-')[0]}: register styled "
                     f"from its GeoPackage (1:{settings.scale():,.0f})")
    painter.end()
    sheet.save(output)
    try:
        from PIL import Image
    except ImportError:
        pass
    else:
        with Image.open(output) as im:
            small = im.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT,
                                               dither=Image.Dither.NONE)
        small.save(output, optimize=True)
    os._exit(0)  # QGIS 3.22's exitQgis() can crash after Processing ran in a script


if __name__ == "__main__":
    main(*sys.argv[1:5])
