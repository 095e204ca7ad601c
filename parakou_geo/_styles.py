"""Private QGIS layer styles stored in the register GeoPackage (``layer_styles`` table).

QGIS reads the ``layer_styles`` table of a GeoPackage and applies the default style of a
layer when it is opened, so streets and addresses appear styled and labelled on first open.
"""

from __future__ import annotations

import sqlite3
from xml.sax.saxutils import quoteattr

__all__ = ["STYLES", "write_styles"]

_HEAD = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"


def _option_map(values: dict[str, str]) -> str:
    items = "".join(
        f'<Option name={quoteattr(k)} type="QString" value={quoteattr(v)}/>'
        for k, v in values.items()
    )
    return f'<Option type="Map">{items}</Option>'


def _labeling(field: str, *, expression: bool, size: str, min_scale: int, placement: str
              ) -> str:
    return (
        '<labeling type="simple"><settings calloutType="simple">'
        f'<text-style fieldName={quoteattr(field)} isExpression="{int(expression)}" '
        f'fontSize="{size}" fontSizeUnit="Point" textColor="20,20,20,255" fontWeight="50"/>'
        '<text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" '
        'bufferColor="255,255,255,255"/>'
        f'<placement placement="{placement}" dist="0.8" distUnits="MM"/>'
        f'<rendering scaleVisibility="1" scaleMin="{min_scale}" scaleMax="0" '
        'obstacle="1" drawLabels="1"/>'
        "</settings></labeling>"
    )


def _qml(symbol_type: str, layer_class: str, options: dict[str, str], labeling: str) -> str:
    return (
        _HEAD
        + '<qgis version="3.28.0" styleCategories="Symbology|Labeling" labelsEnabled="1">'
        '<renderer-v2 type="singleSymbol" forceraster="0" symbollevels="0" '
        'enableorderby="0"><symbols>'
        f'<symbol type="{symbol_type}" name="0" alpha="1" clip_to_extent="1" force_rhr="0">'
        f'<layer class="{layer_class}" enabled="1" locked="0" pass="0">'
        f"{_option_map(options)}</layer></symbol></symbols></renderer-v2>"
        f"{labeling}</qgis>\n"
    )


#: layer name → (style name, QML)
STYLES: dict[str, tuple[str, str]] = {
    "addresses": (
        "parakou_geo addresses",
        _qml("marker", "SimpleMarker",
             {"name": "circle", "color": "31,120,180,255", "size": "1.8",
              "outline_color": "255,255,255,255", "outline_width": "0.2"},
             _labeling("label", expression=False, size="7", min_scale=5000, placement="0")),
    ),
    "streets": (
        "parakou_geo streets",
        _qml("line", "SimpleLine",
             {"line_color": "90,90,90,255", "line_width": "0.6", "line_width_unit": "MM"},
             _labeling("concat('Rue ', \"street_code\", coalesce(' ' || \"street_name\", ''))",
                       expression=True, size="8", min_scale=25000, placement="2")),
    ),
    "unaddressed": (
        "parakou_geo unaddressed",
        _qml("marker", "SimpleMarker",
             {"name": "cross2", "color": "215,25,28,255", "size": "2.6",
              "outline_color": "215,25,28,255", "outline_width": "0.4"},
             _labeling("reason", expression=False, size="6", min_scale=5000, placement="0")),
    ),
}

_DDL = (
    "CREATE TABLE IF NOT EXISTS layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, "
    "f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256), "
    "f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT, "
    "useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), "
    "update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
)


def write_styles(con: sqlite3.Connection, geometry_column: str = "geom") -> None:
    """Create the ``layer_styles`` table and store the default style of each layer."""
    con.execute(_DDL)
    con.executemany(
        "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
        "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner) "
        "VALUES ('', '', ?, ?, ?, ?, '', 1, ?, 'parakou_geo')",
        [(layer, geometry_column, name, qml, f"Default style of {layer} (parakou_geo)")
         for layer, (name, qml) in STYLES.items()],
    )
