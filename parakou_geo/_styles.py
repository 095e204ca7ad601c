"""Private QGIS layer styles stored in the register GeoPackage (``layer_styles`` table).

QGIS (through GDAL) reads the ``layer_styles`` table of a GeoPackage when it is registered in
``gpkg_contents``, and applies the style marked ``useAsDefault`` when a layer is opened, so
the register appears styled and labelled on first open. The styles are QML written for
QGIS 3.22 and later (checked in a real QGIS by ``tests/test_qgis.py``):

- ``addresses``: points coloured by lifecycle status, labelled from 1:5,000 in;
- ``streets``: lines coloured by zone, labelled ``code — name`` from 1:25,000 in;
- ``unaddressed``: red warning triangles with the reason from 1:5,000 in;
- ``zones`` and ``quartiers``: outlines with their names; ``buildings``: a light fill;
  ``segments``: thin grey lines.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

__all__ = ["COVERED_COLOURS", "STATUS_COLOURS", "STREET_COLOURS", "UNADDRESSED_COLOUR",
           "coverage_styles", "layer_styles", "write_coverage_styles", "write_styles"]

_HEAD = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"

#: Fill colour (R, G, B) of address points by status; anything else is drawn black.
STATUS_COLOURS: dict[str, tuple[int, int, int]] = {
    "proposed": (255, 127, 0),
    "current": (35, 139, 69),
    "retired": (150, 150, 150),
    "rejected": (106, 61, 154),
}
_STATUS_LEGEND = {
    "proposed": "proposée (proposed)",
    "current": "en vigueur (current)",
    "retired": "retirée (retired)",
    "rejected": "rejetée (rejected)",
}
#: Colours of streets, one per zone in zone order (repeated when there are more zones).
STREET_COLOURS: tuple[tuple[int, int, int], ...] = (
    (31, 120, 180), (1, 133, 113), (197, 27, 125), (140, 81, 10), (84, 39, 143),
    (0, 109, 44), (90, 90, 90),
)
#: Colour of buildings left without an address (a warning red).
UNADDRESSED_COLOUR: tuple[int, int, int] = (215, 25, 28)

_TEXT = (20, 20, 20)

# geometry kinds as QGIS numbers them (QgsWkbTypes::GeometryType)
_GEOMETRY = {"point": 0, "line": 1, "polygon": 2}
_SYMBOL_KIND = {"point": "marker", "line": "line", "polygon": "fill"}


def _rgba(colour: tuple[int, int, int], alpha: int = 255) -> str:
    return f"{colour[0]},{colour[1]},{colour[2]},{alpha}"


@dataclass(frozen=True)
class _Layer:
    """One symbol layer: its QGIS class and properties."""

    cls: str
    props: tuple[tuple[str, str], ...]


def _props_xml(props: Sequence[tuple[str, str]]) -> str:
    # QGIS 3.22 reads the <Option> map; the <prop> copies keep older readers working
    options = "".join(f'<Option type="QString" name={quoteattr(k)} value={quoteattr(v)}/>'
                      for k, v in props)
    old = "".join(f"<prop k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in props)
    return f'<Option type="Map">{options}</Option>{old}'


def _symbol(name: str, kind: str, layers: Sequence[_Layer]) -> str:
    body = "".join(f'<layer class="{lyr.cls}" enabled="1" locked="0" pass="0">'
                   f"{_props_xml(lyr.props)}</layer>" for lyr in layers)
    return (f'<symbol type="{kind}" name={quoteattr(name)} alpha="1" clip_to_extent="1" '
            f'force_rhr="0">{body}</symbol>')


def _marker(shape: str, fill: tuple[int, int, int], size: float, *,
            outline: tuple[int, int, int] = (255, 255, 255), width: float = 0.3) -> _Layer:
    return _Layer("SimpleMarker", (
        ("name", shape), ("color", _rgba(fill)), ("size", f"{size:g}"), ("size_unit", "MM"),
        ("outline_color", _rgba(outline)), ("outline_style", "solid"),
        ("outline_width", f"{width:g}"), ("outline_width_unit", "MM"),
    ))


def _line(colour: tuple[int, int, int], width: float, *, dash: bool = False) -> _Layer:
    return _Layer("SimpleLine", (
        ("line_color", _rgba(colour)), ("line_width", f"{width:g}"), ("line_width_unit", "MM"),
        ("line_style", "dash" if dash else "solid"), ("capstyle", "round"),
        ("joinstyle", "round"),
    ))


def _fill(colour: tuple[int, int, int] | None, outline: tuple[int, int, int], width: float,
          *, dash: bool = False) -> _Layer:
    return _Layer("SimpleFill", (
        ("color", _rgba(colour) if colour else "0,0,0,0"),
        ("style", "solid" if colour else "no"),
        ("outline_color", _rgba(outline)), ("outline_width", f"{width:g}"),
        ("outline_width_unit", "MM"), ("outline_style", "dash" if dash else "solid"),
        ("joinstyle", "miter"),
    ))


def _single(kind: str, layers: Sequence[_Layer]) -> str:
    return ('<renderer-v2 type="singleSymbol" forceraster="0" symbollevels="0" '
            f'enableorderby="0"><symbols>{_symbol("0", kind, layers)}</symbols></renderer-v2>')


def _categorized(attr: str, kind: str,
                 categories: Sequence[tuple[str, str, Sequence[_Layer]]]) -> str:
    """Return a categorized renderer; a category with value ``""`` catches the others."""
    cats = "".join(f'<category render="true" symbol="{i}" value={quoteattr(value)} '
                   f"label={quoteattr(label)}/>"
                   for i, (value, label, _) in enumerate(categories))
    symbols = "".join(_symbol(str(i), kind, layers)
                      for i, (_, _, layers) in enumerate(categories))
    return (f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(attr)} forceraster="0" '
            f'symbollevels="0" enableorderby="0"><categories>{cats}</categories>'
            f"<symbols>{symbols}</symbols></renderer-v2>")


def _labeling(field: str, *, expression: bool = False, size: float = 7.0,
              max_scale: int | None = None, placement: int = 0, bold: bool = False,
              italic: bool = False, colour: tuple[int, int, int] = _TEXT,
              merge_lines: bool = False) -> str:
    """Return simple labeling; ``max_scale``: the largest scale denominator shown.

    QGIS writes its "minimum scale" (the most zoomed-out scale, e.g. 5000 for 1:5,000) as
    ``scaleMax`` and its "maximum scale" as ``scaleMin``.
    """
    scale = (f'scaleVisibility="1" scaleMax="{max_scale}" scaleMin="0"' if max_scale
             else 'scaleVisibility="0" scaleMax="0" scaleMin="0"')
    return (
        '<labeling type="simple"><settings calloutType="simple">'
        f'<text-style fieldName={quoteattr(field)} isExpression="{int(expression)}" '
        f'fontFamily="DejaVu Sans" fontSize="{size:g}" fontSizeUnit="Point" '
        f'textColor="{_rgba(colour)}" fontWeight="{75 if bold else 50}" '
        f'fontItalic="{int(italic)}" textOpacity="1" multilineHeight="1">'
        '<text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" '
        'bufferColor="255,255,255,255" bufferOpacity="0.9" bufferNoFill="1" '
        'bufferJoinStyle="128"/>'
        "</text-style>"
        f'<placement placement="{placement}" dist="0.8" distUnits="MM" '
        'placementFlags="10" overrunDistance="0" centroidInside="1" priority="5"/>'
        f'<rendering {scale} obstacle="1" obstacleType="1" drawLabels="1" '
        f'mergeLines="{int(merge_lines)}" displayAll="0" upsidedownLabels="0" '
        'labelPerPart="0" limitNumLabels="0" maxNumLabels="2000" minFeatureSize="0"/>'
        "</settings></labeling>"
    )


def _qml(geometry: str, renderer: str, labeling: str = "") -> str:
    labels = '1' if labeling else '0'
    return (
        _HEAD
        + f'<qgis version="3.22.0" styleCategories="Symbology|Labeling" '
        f'labelsEnabled="{labels}">{renderer}{labeling}'
        f"<layerGeometryType>{_GEOMETRY[geometry]}</layerGeometryType></qgis>\n"
    )


def _addresses() -> str:
    cats: list[tuple[str, str, Sequence[_Layer]]] = [
        (status, _STATUS_LEGEND[status],
         [_marker("circle", colour, 1.6 if status in ("retired", "rejected") else 2.2)])
        for status, colour in STATUS_COLOURS.items()
    ]
    cats.append(("", "autre (other)", [_marker("circle", (0, 0, 0), 1.6)]))
    return _qml("point", _categorized("status", "marker", cats),
                _labeling("label", size=7, max_scale=5000, placement=0))


def _streets(zones: Sequence[str]) -> str:
    cats: list[tuple[str, str, Sequence[_Layer]]] = [
        (zone, f"zone {zone}", [_line(STREET_COLOURS[i % len(STREET_COLOURS)], 0.9)])
        for i, zone in enumerate(zones)
    ]
    cats.append(("", "autre zone (other zone)", [_line((120, 120, 120), 0.9)]))
    label = ("if(coalesce(\"street_name\", '') = '', \"street_code\", "
             "\"street_code\" || ' — ' || \"street_name\")")
    return _qml("line", _categorized("zone", "line", cats),
                _labeling(label, expression=True, size=8, max_scale=25000, placement=3,
                          merge_lines=True))


def _unaddressed() -> str:
    return _qml("point",
                _single("marker", [_marker("triangle", UNADDRESSED_COLOUR, 3.0,
                                           outline=(90, 0, 0), width=0.3)]),
                _labeling("reason", size=6.5, max_scale=5000, placement=0,
                          colour=(150, 0, 0)))


def _zones() -> str:
    return _qml("polygon", _single("fill", [_fill(None, (40, 40, 40), 0.9)]),
                _labeling("'Arrondissement ' || \"zone\"", expression=True, size=11, bold=True,
                          placement=1, colour=(40, 40, 40)))


def _quartiers() -> str:
    return _qml("polygon", _single("fill", [_fill(None, (110, 110, 110), 0.4, dash=True)]),
                _labeling("quartier", size=8.5, italic=True, max_scale=50000, placement=1,
                          colour=(70, 70, 70)))


def _buildings(geometry: str) -> str:
    if geometry == "point":
        return _qml("point", _single("marker", [_marker("square", (225, 215, 200), 1.4,
                                                        outline=(185, 170, 150), width=0.1)]))
    return _qml("polygon", _single("fill", [_fill((242, 234, 222), (195, 182, 165), 0.1)]))


def _segments() -> str:
    return _qml("line", _single("line", [_line((170, 170, 170), 0.25, dash=True)]))


def layer_styles(*, zones: Sequence[str] = (), buildings_geometry: str = "polygon"
                 ) -> dict[str, tuple[str, str]]:
    """Return layer name → (style name, QML) for the register's spatial layers.

    Parameters
    ----------
    zones : sequence of str
        Zone values of the streets, one street colour each (in this order).
    buildings_geometry : {"polygon", "point"}
        Geometry of the buildings layer.
    """
    qml = {
        "addresses": _addresses(),
        "streets": _streets(zones),
        "unaddressed": _unaddressed(),
        "zones": _zones(),
        "quartiers": _quartiers(),
        "buildings": _buildings(buildings_geometry),
        "segments": _segments(),
    }
    return {layer: (f"parakou_geo {layer}", text) for layer, text in qml.items()}


_DDL = (
    "CREATE TABLE IF NOT EXISTS layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, "
    "f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256), "
    "f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT, "
    "useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), "
    "update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
)

_ENVELOPE_BYTES = (0, 32, 48, 48, 64)


def _first_geometry_kind(con: sqlite3.Connection, table: str, column: str) -> str:
    """'point' or 'polygon': the kind of the first geometry of a table of mixed type."""
    row = con.execute(f'SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL '
                      "LIMIT 1").fetchone()
    if row is None or len(row[0]) < 13:
        return "polygon"
    blob = bytes(row[0])
    code = (blob[3] >> 1) & 0x07
    wkb = blob[8 + (_ENVELOPE_BYTES[code] if code <= 4 else 0):]
    wkb_type = struct.unpack_from("<I" if wkb[0] == 1 else ">I", wkb, 1)[0] % 1000
    return "point" if wkb_type in (1, 4) else "polygon"


#: Colours of coverage results: buildings within reach of a service point, and the others.
COVERED_COLOURS: dict[str, tuple[int, int, int]] = {"yes": (26, 152, 80), "no": (215, 48, 39)}


def coverage_styles(topic: str, *, buildings_geometry: str = "point"
                    ) -> dict[str, tuple[str, str]]:
    """Return layer name → (style name, QML) for the layers of ``parakou-geo plan waste|water``.

    Buildings are coloured by whether a service point is within reach (column ``covered``),
    existing points are blue squares labelled with their name, proposed new sites purple
    stars labelled with their rank.
    """
    kind = "point" if buildings_geometry == "point" else "polygon"
    cats: list[tuple[str, str, Sequence[_Layer]]] = []
    for value, legend in (("yes", "desservi (covered)"), ("no", "non desservi (not covered)")):
        colour = COVERED_COLOURS[value]
        cats.append((value, legend, [_marker("circle", colour, 1.8)] if kind == "point" else
                     [_fill(colour, (90, 90, 90), 0.1)]))
    renderer = _categorized("if(\"covered\", 'yes', 'no')", _SYMBOL_KIND[kind], cats)
    qml = {
        f"{topic}_buildings": _qml(kind, renderer),
        f"{topic}_points": _qml("point", _single("marker", [_marker(
            "square", (33, 102, 172), 3.4, outline=(255, 255, 255), width=0.4)]),
            _labeling("name", size=8, bold=True, max_scale=25000, placement=0,
                      colour=(33, 102, 172))),
        f"{topic}_new_sites": _qml("point", _single("marker", [_marker(
            "star", (118, 42, 131), 5.0, outline=(255, 255, 255), width=0.4)]),
            _labeling("'n° ' || \"rank\"", expression=True, size=8, bold=True,
                      max_scale=25000, placement=0, colour=(118, 42, 131))),
    }
    return {layer: (f"parakou_geo {layer}", text) for layer, text in qml.items()}


def write_coverage_styles(con: sqlite3.Connection, topic: str) -> None:
    """Store the default QGIS styles of the coverage layers of ``topic`` present in ``con``."""
    geometry = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
    table = f"{topic}_buildings"
    kind = _geometry_kind(con, table, geometry[table]) if table in geometry else "point"
    _store(con, coverage_styles(topic, buildings_geometry=kind), geometry)


def _geometry_kind(con: sqlite3.Connection, table: str, column: str) -> str:
    """'point' or 'polygon', from the declared type or else the first geometry."""
    declared = con.execute("SELECT upper(geometry_type_name) FROM gpkg_geometry_columns "
                           "WHERE table_name = ?", (table,)).fetchone()[0]
    if declared == "GEOMETRY":
        return _first_geometry_kind(con, table, column)
    return "point" if "POINT" in declared else "polygon"


def _store(con: sqlite3.Connection, styles: dict[str, tuple[str, str]],
           geometry: dict[str, str]) -> None:
    """Create and register ``layer_styles``; add a default style for each layer present."""
    con.execute(_DDL)
    if con.execute("SELECT 1 FROM gpkg_contents WHERE table_name = 'layer_styles'"
                   ).fetchone() is None:
        con.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
            "last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', "
            "'QGIS layer styles', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))")
    con.executemany(
        "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
        "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner, "
        "ui) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, 'parakou_geo', '')",
        [(layer, geometry[layer], name, qml, f"Default style of {layer} (parakou_geo)")
         for layer, (name, qml) in styles.items() if layer in geometry],
    )


def write_styles(con: sqlite3.Connection) -> None:
    """Store the default QGIS style of each spatial layer of the register.

    Creates the ``layer_styles`` table (the layout QGIS itself creates), registers it in
    ``gpkg_contents`` so GDAL and QGIS see it, and adds one default style per spatial layer
    present, inside the caller's transaction.
    """
    geometry = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
    zones = [str(z) for (z,) in con.execute(
        "SELECT DISTINCT zone FROM streets WHERE zone IS NOT NULL")] if "streets" in geometry \
        else []
    zones.sort(key=lambda z: (0, int(z), z) if z.isdigit() else (1, 0, z))
    kind = _geometry_kind(con, "buildings", geometry["buildings"]) \
        if "buildings" in geometry else "polygon"
    _store(con, layer_styles(zones=zones, buildings_geometry=kind), geometry)
