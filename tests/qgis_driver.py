"""Drive a real QGIS (Debian's python3-qgis) for tests/test_qgis.py; run with /usr/bin/python3.

Usage: ``/usr/bin/python3 tests/qgis_driver.py CONFIG.json RESULT.json``. The config gives the
throw-away profile folder (the plugin is already unpacked in its python/plugins), the
parakou-geo command, the inputs and where to write. Everything QGIS reports is written to
RESULT.json for the test to check; this script checks nothing itself. QGIS is only imported
inside main() (pytest imports this module for doctests, where there is no QGIS).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

PLUGIN = "parakou_geo_qgis"
LAYERS = ("addresses", "unaddressed", "streets", "segments", "zones", "quartiers", "buildings")


def main(config_path: str, result_path: str) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import numpy as np  # Debian's python3-numpy, a dependency of python3-qgis
    cfg = json.loads(Path(config_path).read_text(encoding="utf-8"))
    from qgis.core import (
        QgsApplication,
        QgsCoordinateReferenceSystem,
        QgsFeatureRequest,
        QgsMapRendererSequentialJob,
        QgsMapSettings,
        QgsProcessingContext,
        QgsProcessingException,
        QgsProcessingFeedback,
        QgsProject,
        QgsRectangle,
        QgsVectorLayer,
    )
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor, QImage

    profile = cfg["profile"]
    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False, profile)
    app.initQgis()
    sys.path.append("/usr/share/qgis/python/plugins")
    import processing
    import qgis.utils
    from processing.core.Processing import Processing
    from processing.core.ProcessingConfig import ProcessingConfig

    Processing.initialize()
    out: dict[str, Any] = {"qgis_version": qgis.utils.Qgis.QGIS_VERSION}
    log: list[tuple[str, str, int]] = []
    QgsApplication.messageLog().messageReceived.connect(
        lambda message, tag, level: log.append((message, tag, int(level))))

    # the plugin as QGIS desktop finds it: <profile>/python/plugins/parakou_geo_qgis
    plugins = str(Path(profile) / "python" / "plugins")
    sys.path.insert(0, plugins)
    qgis.utils.plugin_paths = [plugins]
    qgis.utils.updateAvailablePlugins()
    out["plugin_found"] = PLUGIN in qgis.utils.available_plugins
    out["plugin_started"] = bool(qgis.utils.loadPlugin(PLUGIN)
                                 and qgis.utils.startProcessingPlugin(PLUGIN))
    registry = QgsApplication.processingRegistry()
    provider = registry.providerById("parakougeo")
    out["algorithms"] = sorted(a.id() for a in provider.algorithms()) if provider else []
    ProcessingConfig.setSettingValue("PARAKOU_GEO_COMMAND", cfg["command"])

    class Feedback(QgsProcessingFeedback):
        def __init__(self) -> None:
            super().__init__()
            self.progress: list[float] = []
            self.texts: list[str] = []
            self.errors: list[str] = []
            self.progressChanged.connect(self.progress.append)

        def setProgressText(self, text: str) -> None:  # noqa: N802
            self.texts.append(text)

        def pushInfo(self, info: str) -> None:  # noqa: N802
            self.texts.append(info)

        def reportError(self, error: str, fatalError: bool = False) -> None:  # noqa: N802, N803
            self.errors.append(error)

    # 1. build a register on the embedded sample, loading the results as QGIS desktop does
    sample = cfg["sample"]
    params = {
        "ROADS": f"{sample}|layername=roads", "BUILDINGS": f"{sample}|layername=buildings",
        "ZONES": f"{sample}|layername=zones", "QUARTIERS": f"{sample}|layername=quartiers",
        "NAMES": cfg["names"], "METHOD": 0, "MAX_DISTANCE": 100, "OUTPUT": cfg["register"],
    }
    project = QgsProject.instance()
    fb = Feedback()
    context = QgsProcessingContext()
    context.setProject(project)
    results = processing.runAndLoadResults("parakougeo:build", params, feedback=fb,
                                           context=context)
    out["build"] = {"results": {k: str(v) for k, v in results.items()},
                    "progress": fb.progress, "texts": fb.texts, "errors": fb.errors}
    root = project.layerTreeRoot()
    group = root.findGroup(Path(cfg["register"]).stem)
    out["group_layers"] = [n.layer().name() for n in group.findLayers()] if group else []
    loaded = {lyr.name(): lyr for lyr in project.mapLayers().values()}
    out["project_renderers"] = {n: lyr.renderer().type() for n, lyr in loaded.items()}
    out["project_labels"] = {n: lyr.labelsEnabled() for n, lyr in loaded.items()}

    # 2. every layer of the register opened fresh: loadDefaultStyle() must find its style
    styles = {}
    for name in LAYERS:
        layer = QgsVectorLayer(f"{cfg['register']}|layername={name}", name, "ogr")
        message, ok = layer.loadDefaultStyle()
        styles[name] = {"valid": layer.isValid(), "ok": ok, "message": message,
                        "features": layer.featureCount(), "renderer": layer.renderer().type()}
        if layer.labelsEnabled() and layer.labeling() is not None:
            s = layer.labeling().settings()
            styles[name]["label_min_scale"] = s.minimumScale
            styles[name]["label_max_scale"] = s.maximumScale
            styles[name]["label_field"] = s.fieldName
    out["styles"] = styles

    # 3. render the project (layer tree order), zoomed in so labels show, with and without labels
    def render(path: str, labels: bool, extent: QgsRectangle) -> dict[str, Any]:
        layers = [lyr for lyr in root.layerOrder() if lyr.name() in LAYERS]
        for lyr in layers:
            lyr.setLabelsEnabled(labels and lyr.labeling() is not None)
        ms = QgsMapSettings()
        ms.setLayers(layers)
        ms.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:32631"))
        ms.setOutputSize(QSize(*cfg["size"]))
        ms.setBackgroundColor(QColor("white"))
        ms.setExtent(extent)
        job = QgsMapRendererSequentialJob(ms)
        job.start()
        job.waitForFinished()
        image = job.renderedImage().convertToFormat(QImage.Format_RGB32)
        image.save(path)
        ptr = image.constBits()
        ptr.setsize(image.height() * image.bytesPerLine())
        # Format_RGB32 is 0xffRRGGBB per pixel: bytes B, G, R, 255 on little-endian machines
        px = np.frombuffer(bytes(ptr), dtype=np.uint8).reshape(
            image.height(), image.bytesPerLine() // 4, 4)[:, :image.width(), :3]
        # pixels within a tolerance of each colour (label text is antialiased)
        bgr = px[:, :, ::-1].astype(np.int16)
        counts = {key: int((np.abs(bgr - np.array(rgb, dtype=np.int16)).max(axis=2)
                            <= cfg["tolerance"].get(key, 0)).sum())
                  for key, rgb in cfg["colours"].items()}
        return {"scale": ms.scale(), "counts": counts}

    addresses = loaded["addresses"]
    centre = addresses.extent().center()
    half_w = cfg["zoom_half_width_m"]
    half_h = half_w * cfg["size"][1] / cfg["size"][0]
    zoom = QgsRectangle(centre.x() - half_w, centre.y() - half_h,
                        centre.x() + half_w, centre.y() + half_h)
    out["render_zoom"] = render(cfg["png_zoom"], True, zoom)
    out["render_zoom_nolabels"] = render(cfg["png_zoom_nolabels"], False, zoom)
    full = QgsRectangle(loaded["zones"].extent())
    full.grow(50)
    out["render_full"] = render(cfg["png_full"], True, full)

    # 4. bad inputs through the plugin: the command's message, no output
    bad = {}
    for key, roads, buildings in (("no_crs", cfg["roads_nocrs"], cfg["buildings"]),
                                  ("lines_as_buildings", f"{sample}|layername=roads",
                                   cfg["lines"])):
        fb = Feedback()
        before = len(log)
        target = cfg["bad_output"][key]
        try:
            processing.run("parakougeo:build",
                           {"ROADS": roads, "BUILDINGS": buildings, "OUTPUT": target},
                           feedback=fb)
            error = None
        except QgsProcessingException as exc:
            error = str(exc)
        bad[key] = {"exception": error, "feedback_errors": fb.errors,
                    "log": [m for m in log[before:] if m[1] == "parakou_geo"],
                    "output_exists": os.path.exists(target)}
    # an existing register is never replaced unless asked
    import hashlib

    def digest() -> str:
        return hashlib.sha256(Path(cfg["register"]).read_bytes()).hexdigest()

    before = digest()
    try:
        processing.run("parakougeo:build", {**params, "CSV": str(Path(cfg["work"]) / "x.csv")},
                       feedback=Feedback())
        error = None
    except QgsProcessingException as exc:
        error = str(exc)
    bad["exists"] = {"exception": error, "unchanged": digest() == before}

    # cancel while the command runs (on its first step event): stopped, nothing written
    class CancelOnStep(Feedback):
        def setProgressText(self, text: str) -> None:  # noqa: N802
            super().setProgressText(text)
            self.cancel()

    target = str(Path(cfg["work"]) / "canceled.gpkg")
    try:
        processing.run("parakougeo:build", {**params, "OUTPUT": target},
                       feedback=CancelOnStep())
        error = None
    except QgsProcessingException as exc:
        error = str(exc)
    bad["cancel"] = {"exception": error, "output_exists": os.path.exists(target),
                     "leftovers": sorted(p.name for p in Path(cfg["work"]).glob(".canceled*"))}
    out["bad"] = bad

    # 5. the other algorithms on the register built above; the coverage points are a memory
    # layer (not a file), which QGIS saves to a temporary file for the command
    source = QgsVectorLayer(f"{cfg['planning']}|layername=waste_points", "src", "ogr")
    memory_points = source.materialize(QgsFeatureRequest())
    out["memory_points"] = {"provider": memory_points.providerType(),
                            "features": memory_points.featureCount()}
    reg, work = cfg["register"], Path(cfg["work"])
    runs = {
        "tax": {"REGISTER": reg, "OUTPUT": str(work / "tax.xlsx"), "LANGUAGE": 0},
        "bal": {"REGISTER": reg, "OUTPUT": str(work / "bal.csv")},
        "streets": {"REGISTER": reg, "OUTPUT": str(work / "streets.html"), "ZONES": "1,2"},
        "signage": {"REGISTER": reg, "OUTPUT": str(work / "signage.csv"), "LANGUAGE": 1},
        "certificate": {"REGISTER": reg, "OUTPUT": str(work / "certificates.html"),
                        "STREET": "1.003"},
        "map": {"REGISTER": reg, "OUTPUT": str(work / "map.html"),
                "ZONES": f"{sample}|layername=zones"},
        "coverage": {"TOPIC": 0, "BUILDINGS": f"{reg}|layername=addresses",
                     "POINTS": memory_points, "SITE": 2,
                     "ROADS": f"{sample}|layername=roads", "OUTPUT": str(work / "coverage")},
        "update": {"REGISTER": reg, "ROADS": f"{sample}|layername=roads",
                   "BUILDINGS": f"{sample}|layername=buildings", "REASON": "test",
                   "CHANGES": str(work / "changes.csv")},
    }
    others = {}
    for alg, params in runs.items():
        fb = Feedback()
        context = QgsProcessingContext()
        context.setProject(project)
        try:
            res = processing.runAndLoadResults(f"parakougeo:{alg}", params, feedback=fb,
                                               context=context)
            error = None
        except QgsProcessingException as exc:
            res, error = {}, str(exc)
        others[alg] = {"error": error, "results": {k: str(v) for k, v in res.items()},
                       "texts": fb.texts, "progress": fb.progress}
    out["others"] = others

    # 6. the strings follow QGIS's interface language
    from qgis.core import QgsSettings

    QgsSettings().setValue("locale/overrideFlag", True)
    QgsSettings().setValue("locale/userLocale", "fr_FR")
    build_alg = registry.algorithmById("parakougeo:build")
    out["french"] = {"name": build_alg.displayName(), "group": build_alg.group(),
                     "provider": provider.name()}
    group = root.findGroup("waste")
    out["coverage_layers"] = [n.layer().name() for n in group.findLayers()] if group else []
    if group:
        cov_layers = [n.layer() for n in group.findLayers()]
        out["coverage_renderers"] = {lyr.name(): lyr.renderer().type() for lyr in cov_layers}
        extent = QgsRectangle(cov_layers[-1].extent())
        extent.grow(100)
        ms = QgsMapSettings()
        ms.setLayers(cov_layers)
        ms.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:32631"))
        ms.setOutputSize(QSize(900, 900))
        ms.setBackgroundColor(QColor("white"))
        ms.setExtent(extent)
        job = QgsMapRendererSequentialJob(ms)
        job.start()
        job.waitForFinished()
        job.renderedImage().save(cfg["png_coverage"])
    Path(result_path).write_text(json.dumps(out, indent=1, default=str), encoding="utf-8")
    sys.stdout.flush()
    sys.stderr.flush()
    # QGIS 3.22's exitQgis() can crash after Processing ran in a script; the results are
    # written, so leave without it
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
