"""The Processing algorithms: each one runs a ``parakou-geo`` subcommand.

Layers given to an algorithm are passed to the command as files (a layer that is not a plain
file, e.g. a memory layer or a selection, is first saved to a temporary GeoPackage by QGIS).
The command's JSON progress drives QGIS's progress bar; its error message becomes the
algorithm's error and is written to QGIS's log (tab ``parakou_geo``). Layers the command
writes are added to the project with the styles stored in their GeoPackage.
"""

import os
import sqlite3
from collections import deque

from processing.core.ProcessingConfig import ProcessingConfig
from qgis.core import (
    Qgis,
    QgsMessageLog,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputFile,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingUtils,
)
from qgis.PyQt.QtGui import QIcon

from .i18n import language, tr
from .runner import CommandNotFoundError, find_command, run_cli

#: Processing setting holding the path of the parakou-geo command (empty: on the PATH).
COMMAND_SETTING = "PARAKOU_GEO_COMMAND"
#: Tab of QGIS's log messages panel where the command's errors are written.
LOG_TAG = "parakou_geo"
#: Layers of a register, from the top of the layer tree to the bottom.
REGISTER_LAYERS = ("addresses", "unaddressed", "streets", "segments", "zones", "quartiers",
                   "buildings")

_ICON = os.path.join(os.path.dirname(__file__), "icon.svg")
# formats parakou_geo reads directly; other layers are saved to a GeoPackage by QGIS first
_FORMATS = ["gpkg", "shp", "geojson", "json", "fgb", "gml", "kml", "sqlite"]
_MULTI_LAYER = (".gpkg", ".sqlite")
_STATUSES = ("proposed", "current", "retired", "rejected")
_LANGUAGES = ("fr", "en")
# post-processors are used after the algorithm copy that made them is gone: keep them alive
_KEEP_ALIVE = deque(maxlen=500)


def _spatial_tables(path):
    """Return the feature tables of a GeoPackage (read with sqlite3: safe in any thread)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT table_name FROM gpkg_contents "
                           "WHERE data_type = 'features'").fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


def _place_in_group(project, layer, group_name, rank):
    """Move ``layer`` into the group ``group_name`` (created on top), ordered by ``rank``."""
    root = project.layerTreeRoot()
    node = root.findLayer(layer.id())
    if node is None:
        return
    group = root.findGroup(group_name)
    if group is None:
        group = root.insertGroup(0, group_name)
    layer.setCustomProperty("parakou_geo/rank", rank)
    index = 0
    for child in group.children():
        other = getattr(child, "layer", lambda: None)()
        if other is not None and int(other.customProperty("parakou_geo/rank", 0)) < rank:
            index += 1
    parent = node.parent()
    group.insertChildNode(index, node.clone())
    parent.removeChildNode(node)


class _StyledLayer(QgsProcessingLayerPostProcessorInterface):
    """Apply the layer's default style (from its GeoPackage) and place it in its group."""

    def __init__(self, group_name, rank):
        super().__init__()
        self.group_name = group_name
        self.rank = rank

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS API)
        """Style and place the layer (QGIS calls this in the main thread, layer in project)."""
        _, ok = layer.loadDefaultStyle()
        if not ok:
            feedback.pushInfo(f"{layer.name()}: no stored style, QGIS's default is used")
        layer.triggerRepaint()
        project = context.project()
        if project is not None:
            _place_in_group(project, layer, self.group_name, self.rank)


def _language_default():
    return _LANGUAGES.index(language())


class _Algorithm(QgsProcessingAlgorithm):
    """Common part: names and help from :mod:`.i18n`, running the command, loading layers."""

    KEY = ""
    GROUP = ""

    def name(self):
        return self.KEY

    def displayName(self):  # noqa: N802
        return tr(f"{self.KEY}.name")

    def shortHelpString(self):  # noqa: N802
        return tr(f"{self.KEY}.help")

    def group(self):
        return tr(f"group.{self.GROUP}")

    def groupId(self):  # noqa: N802
        return self.GROUP

    def icon(self):
        return QIcon(_ICON)

    def createInstance(self):  # noqa: N802
        return type(self)()

    # -- helpers for the subclasses ----------------------------------------------------
    def _layer_args(self, parameters, name, option, context, feedback, *, required=True):
        """Return ``[--option, path(, --option-layer, layer)]`` for a layer parameter."""
        if parameters.get(name) in (None, "") and not required:
            return []
        path, layer = self.parameterAsCompatibleSourceLayerPathAndLayerName(
            parameters, name, context, _FORMATS, "gpkg", feedback)
        if not path:
            if required:
                raise QgsProcessingException(tr("msg.no_layer", param=name))
            return []
        args = [f"--{option}", path]
        if layer and path.lower().endswith(_MULTI_LAYER):
            args += [f"--{option}-layer", layer]
        return args

    def _language(self, parameters, context):
        return _LANGUAGES[self.parameterAsEnum(parameters, "LANGUAGE", context)]

    def _add_language(self):
        self.addParameter(QgsProcessingParameterEnum(
            "LANGUAGE", tr("p.language"), options=["Français", "English"],
            defaultValue=_language_default()))

    def _run(self, args, feedback):
        """Run ``parakou-geo *args``; raise QgsProcessingException with its message on error."""
        try:
            command = find_command(ProcessingConfig.getSetting(COMMAND_SETTING) or "")
        except CommandNotFoundError as exc:
            self._fail(str(exc), feedback)
        feedback.pushCommandInfo(tr("msg.running", cmd=" ".join(
            [*command, "--progress", "json", *[str(a) for a in args]])))

        def on_event(event):
            kind = event.get("event")
            if kind == "step":
                feedback.setProgressText(str(event.get("text", "")))
                feedback.setProgress(float(event.get("percent", 0)))
            elif kind == "log":
                message = f"{event.get('level', '')}: {event.get('message', '')}"
                getattr(feedback, "pushWarning", feedback.pushInfo)(message)
            elif kind == "done":
                feedback.setProgress(100)

        def on_text(stream, line):
            (feedback.pushInfo if stream == "stdout" else feedback.pushConsoleInfo)(line)

        try:
            result = run_cli(command, args, on_event=on_event, on_text=on_text,
                             is_canceled=feedback.isCanceled)
        except CommandNotFoundError as exc:
            self._fail(str(exc), feedback)
        if result.exit_code == -1:
            raise QgsProcessingException(tr("msg.canceled"))
        if result.exit_code != 0:
            message = result.error
            if "--overwrite" in message and self.parameterDefinition("OVERWRITE") is not None:
                message += " " + tr("msg.overwrite", option=tr("p.overwrite"))
            self._fail(message, feedback)
        return result

    def _fail(self, message, feedback):
        QgsMessageLog.logMessage(message, LOG_TAG, Qgis.Critical)
        feedback.reportError(message, True)
        raise QgsProcessingException(tr("msg.failed", message=message))

    def _load_gpkg(self, path, context, order=()):
        """Add the feature layers of a GeoPackage to the project once the algorithm ends."""
        project = context.project()
        if project is None:  # qgis_process: nothing to load into
            return
        tables = _spatial_tables(path)
        ranked = [t for t in order if t in tables] + sorted(t for t in tables if t not in order)
        group = os.path.splitext(os.path.basename(path))[0]
        for rank, table in enumerate(ranked):
            details = QgsProcessingContext.LayerDetails(
                table, project, table, QgsProcessingUtils.LayerHint.Vector)
            post = _StyledLayer(group, rank)
            _KEEP_ALIVE.append(post)
            details.setPostProcessor(post)
            context.addLayerToLoadOnCompletion(f"{path}|layername={table}", details)


class BuildRegister(_Algorithm):
    """``parakou-geo address``."""

    KEY = "build"
    GROUP = "register"
    METHODS = ("metric", "sequential", "decametric")
    SUFFIXES = ("latin", "letters")

    def initAlgorithm(self, config=None):  # noqa: D102, N802
        line, poly, point = (QgsProcessing.TypeVectorLine, QgsProcessing.TypeVectorPolygon,
                             QgsProcessing.TypeVectorPoint)
        self.addParameter(QgsProcessingParameterFeatureSource("ROADS", tr("p.roads"), [line]))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "BUILDINGS", tr("p.buildings"), [poly, point]))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "ZONES", tr("p.zones"), [poly], optional=True))
        self.addParameter(QgsProcessingParameterField(
            "ZONE_COLUMN", tr("p.zone_column"), parentLayerParameterName="ZONES",
            optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "QUARTIERS", tr("p.quartiers"), [poly], optional=True))
        self.addParameter(QgsProcessingParameterField(
            "QUARTIER_COLUMN", tr("p.quartier_column"), parentLayerParameterName="QUARTIERS",
            optional=True))
        self.addParameter(QgsProcessingParameterFile(
            "NAMES", tr("p.names"), extension="csv", optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            "METHOD", tr("p.method"), options=list(self.METHODS), defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            "SUFFIX_STYLE", tr("p.suffix"), options=["bis, ter…", "A, B…"], defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            "MAX_DISTANCE", tr("p.max_distance"), QgsProcessingParameterNumber.Double,
            defaultValue=100.0, minValue=1.0))
        self.addParameter(QgsProcessingParameterString(
            "CRS", tr("p.crs"), optional=True))
        self.addParameter(QgsProcessingParameterFile(
            "SETTINGS", tr("p.settings"), extension="toml", optional=True))
        self.addParameter(QgsProcessingParameterBoolean(
            "OVERWRITE", tr("p.overwrite"), defaultValue=False))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", tr("p.register_out"), "GeoPackage (*.gpkg)"))
        self.addParameter(QgsProcessingParameterFileDestination(
            "CSV", tr("p.csv_out"), "CSV (*.csv)", optional=True, createByDefault=False))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: D102, N802
        output = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        args = ["address"]
        args += self._layer_args(parameters, "ROADS", "roads", context, feedback)
        args += self._layer_args(parameters, "BUILDINGS", "buildings", context, feedback)
        args += self._layer_args(parameters, "ZONES", "zones", context, feedback,
                                 required=False)
        args += self._layer_args(parameters, "QUARTIERS", "quartiers", context, feedback,
                                 required=False)
        for name, option in (("ZONE_COLUMN", "--zone-column"),
                             ("QUARTIER_COLUMN", "--quartier-column")):
            fields = self.parameterAsFields(parameters, name, context)
            if fields:
                args += [option, fields[0]]
        for name, option in (("NAMES", "--names"), ("SETTINGS", "--settings"),
                             ("CRS", "--crs")):
            value = self.parameterAsString(parameters, name, context)
            if value:
                args += [option, value]
        args += ["--method", self.METHODS[self.parameterAsEnum(parameters, "METHOD", context)],
                 "--suffix-style",
                 self.SUFFIXES[self.parameterAsEnum(parameters, "SUFFIX_STYLE", context)],
                 "--max-distance",
                 f"{self.parameterAsDouble(parameters, 'MAX_DISTANCE', context):g}"]
        csv = self.parameterAsFileOutput(parameters, "CSV", context) \
            if parameters.get("CSV") else ""
        if not csv:
            csv = os.path.splitext(output)[0] + "_addresses.csv"
        args += ["--csv", csv, "-o", output]
        if self.parameterAsBoolean(parameters, "OVERWRITE", context):
            args.append("--overwrite")
        self._run(args, feedback)
        self._load_gpkg(output, context, REGISTER_LAYERS)
        return {"OUTPUT": output, "CSV": csv}


class UpdateRegister(_Algorithm):
    """``parakou-geo update``."""

    KEY = "update"
    GROUP = "register"

    def initAlgorithm(self, config=None):  # noqa: D102, N802
        self.addParameter(QgsProcessingParameterFile(
            "REGISTER", tr("p.register_in"), extension="gpkg"))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "ROADS", tr("p.roads"), [QgsProcessing.TypeVectorLine]))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "BUILDINGS", tr("p.buildings"),
            [QgsProcessing.TypeVectorPolygon, QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterString("CRS", tr("p.crs"), optional=True))
        self.addParameter(QgsProcessingParameterString(
            "REASON", tr("p.reason"), optional=True))
        self.addParameter(QgsProcessingParameterFileDestination(
            "CHANGES", tr("p.changes_out"), "CSV (*.csv)"))
        self.addOutput(QgsProcessingOutputFile("REGISTER_OUT", tr("p.register_in")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: D102, N802
        register = self.parameterAsFile(parameters, "REGISTER", context)
        changes = self.parameterAsFileOutput(parameters, "CHANGES", context)
        args = ["update", register]
        args += self._layer_args(parameters, "ROADS", "roads", context, feedback)
        args += self._layer_args(parameters, "BUILDINGS", "buildings", context, feedback)
        for name, option in (("CRS", "--crs"), ("REASON", "--reason")):
            value = self.parameterAsString(parameters, name, context)
            if value:
                args += [option, value]
        args += ["--changes", changes]
        self._run(args, feedback)
        self._register = register
        return {"REGISTER_OUT": register, "CHANGES": changes}

    def postProcessAlgorithm(self, context, feedback):  # noqa: D102, N802
        # in the main thread: layers of the register already in the project show the update
        register = os.path.normcase(os.path.abspath(getattr(self, "_register", "")))
        project = context.project()
        n = 0
        if project is not None:
            for layer in project.mapLayers().values():
                source = layer.source().split("|")[0]
                if os.path.normcase(os.path.abspath(source)) == register:
                    layer.reload()
                    layer.triggerRepaint()
                    n += 1
        if n:
            feedback.pushInfo(tr("msg.reloaded", n=n))
        return {}


class _Export(_Algorithm):
    """``parakou-geo export KIND``."""

    GROUP = "exports"
    SUFFIXES = ("csv",)
    FILTERS = True
    STATUS = True

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(
            "REGISTER", tr("p.register_in"), extension="gpkg"))
        if self.FILTERS:
            self.addParameter(QgsProcessingParameterString(
                "ZONES", tr("p.zone_filter"), optional=True))
        if self.STATUS:
            self.addParameter(QgsProcessingParameterEnum(
                "STATUS", tr("p.status_filter"), options=list(_STATUSES),
                allowMultiple=True, optional=True))
        self._extra_parameters()
        self._add_language()
        filters = ";;".join(f"{s.upper()} (*.{s})" for s in self.SUFFIXES)
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", tr("p.output_file"), filters))

    def _extra_parameters(self):
        pass

    def _extra_args(self, parameters, context):
        return []

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        output = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        args = ["export", self.KEY, self.parameterAsFile(parameters, "REGISTER", context),
                "-o", output, "--lang", self._language(parameters, context),
                # QGIS's save dialog has already asked before replacing a file
                "--overwrite"]
        if self.FILTERS:
            zones = self.parameterAsString(parameters, "ZONES", context)
            for zone in (z.strip() for z in zones.replace(";", ",").split(",")):
                if zone:
                    args += ["--zone", zone]
        if self.STATUS:
            for i in self.parameterAsEnums(parameters, "STATUS", context):
                args += ["--status", _STATUSES[i]]
        args += self._extra_args(parameters, context)
        self._run(args, feedback)
        return {"OUTPUT": output}


class ExportTax(_Export):
    """``parakou-geo export tax``."""

    KEY = "tax"
    SUFFIXES = ("xlsx", "csv")


class ExportBal(_Export):
    """``parakou-geo export bal``."""

    KEY = "bal"
    SUFFIXES = ("csv",)


class ExportStreets(_Export):
    """``parakou-geo export streets`` (filters by zone only)."""

    KEY = "streets"
    SUFFIXES = ("xlsx", "csv", "html")
    STATUS = False


class ExportSignage(_Export):
    """``parakou-geo export signage``."""

    KEY = "signage"
    SUFFIXES = ("xlsx", "csv")


class ExportCertificates(_Export):
    """``parakou-geo export certificate``."""

    KEY = "certificate"
    SUFFIXES = ("html",)
    FILTERS = False

    def _extra_parameters(self):
        self.addParameter(QgsProcessingParameterString(
            "ADDRESSES", tr("p.addresses"), optional=True))
        self.addParameter(QgsProcessingParameterString("STREET", tr("p.street"), optional=True))

    def _extra_args(self, parameters, context):
        addresses = [a.strip() for a in
                     self.parameterAsString(parameters, "ADDRESSES", context).split(";")
                     if a.strip()]
        street = self.parameterAsString(parameters, "STREET", context).strip()
        if bool(addresses) == bool(street):
            raise QgsProcessingException(tr("certificate.which"))
        if street:
            return ["--street", street]
        args = []
        for a in addresses:
            args += ["--address", a]
        return args


class AddressingMap(_Algorithm):
    """``parakou-geo map address``."""

    KEY = "map"
    GROUP = "maps"

    def initAlgorithm(self, config=None):  # noqa: D102, N802
        poly = [QgsProcessing.TypeVectorPolygon]
        self.addParameter(QgsProcessingParameterFile(
            "REGISTER", tr("p.register_in"), extension="gpkg"))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "ZONES", tr("p.zones"), poly, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "QUARTIERS", tr("p.quartiers"), poly, optional=True))
        self.addParameter(QgsProcessingParameterBoolean(
            "OFFLINE", tr("p.offline"), defaultValue=False))
        self._add_language()
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", tr("p.map_out"), "HTML (*.html)"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: D102, N802
        output = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        args = ["map", "address", self.parameterAsFile(parameters, "REGISTER", context),
                "-o", output, "--lang", self._language(parameters, context), "--overwrite"]
        args += self._layer_args(parameters, "ZONES", "zones", context, feedback,
                                 required=False)
        args += self._layer_args(parameters, "QUARTIERS", "quartiers", context, feedback,
                                 required=False)
        if self.parameterAsBoolean(parameters, "OFFLINE", context):
            args.append("--offline")
        self._run(args, feedback)
        return {"OUTPUT": output}


class PlanningCoverage(_Algorithm):
    """``parakou-geo plan waste`` / ``plan water``."""

    KEY = "coverage"
    GROUP = "planning"
    TOPICS = ("waste", "water")

    def initAlgorithm(self, config=None):  # noqa: D102, N802
        self.addParameter(QgsProcessingParameterEnum(
            "TOPIC", tr("p.topic"), options=[tr("topic.waste"), tr("topic.water")],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "BUILDINGS", tr("p.cov_buildings"),
            [QgsProcessing.TypeVectorPolygon, QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterField(
            "POPULATION", tr("p.population"), parentLayerParameterName="BUILDINGS",
            type=QgsProcessingParameterField.Numeric, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "POINTS", tr("p.points"), [QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterNumber(
            "RADIUS", tr("p.radius"), QgsProcessingParameterNumber.Double, defaultValue=0.0,
            minValue=0.0))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "ROADS", tr("p.cov_roads"), [QgsProcessing.TypeVectorLine], optional=True))
        self.addParameter(QgsProcessingParameterBoolean(
            "NETWORK", tr("p.network"), defaultValue=False))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "ZONES", tr("p.cov_zones"), [QgsProcessing.TypeVectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterField(
            "ZONE_COLUMN", tr("p.zone_column"), parentLayerParameterName="ZONES",
            optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            "SITE", tr("p.site"), QgsProcessingParameterNumber.Integer, defaultValue=0,
            minValue=0))
        self._add_language()
        self.addParameter(QgsProcessingParameterFolderDestination(
            "OUTPUT", tr("p.folder_out")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: D102, N802
        topic = self.TOPICS[self.parameterAsEnum(parameters, "TOPIC", context)]
        folder = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        os.makedirs(folder, exist_ok=True)
        args = ["plan", topic]
        args += self._layer_args(parameters, "BUILDINGS", "buildings", context, feedback)
        args += self._layer_args(parameters, "POINTS", "points", context, feedback)
        args += self._layer_args(parameters, "ROADS", "roads", context, feedback,
                                 required=False)
        args += self._layer_args(parameters, "ZONES", "zones", context, feedback,
                                 required=False)
        for name, option in (("POPULATION", "--population-column"),
                             ("ZONE_COLUMN", "--zone-column")):
            fields = self.parameterAsFields(parameters, name, context)
            if fields:
                args += [option, fields[0]]
        radius = self.parameterAsDouble(parameters, "RADIUS", context)
        if radius > 0:
            args += ["--radius", f"{radius:g}"]
        if self.parameterAsBoolean(parameters, "NETWORK", context):
            args.append("--network")
        site = self.parameterAsInt(parameters, "SITE", context)
        if site > 0:
            args += ["--site", str(site)]
        args += ["--language", self._language(parameters, context), "-o", folder,
                 "--overwrite"]
        self._run(args, feedback)
        gpkg = os.path.join(folder, f"{topic}.gpkg")
        if os.path.exists(gpkg):
            self._load_gpkg(gpkg, context, (f"{topic}_new_sites", f"{topic}_points",
                                            f"{topic}_buildings"))
        return {"OUTPUT": folder}


ALGORITHMS = (BuildRegister, UpdateRegister, ExportTax, ExportBal, ExportStreets,
              ExportSignage, ExportCertificates, AddressingMap, PlanningCoverage)
