"""The QGIS styles stored in a register, checked as data (tests/test_qgis.py opens them in QGIS)."""

from __future__ import annotations

import sqlite3
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from conftest import lines, lonlat, shift, squares

from parakou_geo import AddressingSettings, address, write_register
from parakou_geo._styles import STATUS_COLOURS, STREET_COLOURS

# two separate street groups, one in each zone
GRID = [[(0, 0), (140, 0)], [(20, 0), (20, 120)], [(170, 0), (300, 0)], [(250, 0), (250, 120)]]


def _zones() -> gpd.GeoDataFrame:
    west = shapely.box(*shift((-50, -50)), *shift((150, 200)))
    east = shapely.box(*shift((150, -50)), *shift((350, 200)))
    return gpd.GeoDataFrame({"arr_num": [2, 10]}, geometry=[west, east], crs=32631)


def _register(tmp_path: Path, buildings: gpd.GeoDataFrame) -> Path:
    roads = lines(*GRID, names=["Rue A", None, "Rue C", "Rue D"])
    res = address(roads, buildings, zones=_zones(),
                  settings=AddressingSettings(centre=lonlat((-500, 0))))
    path = tmp_path / "register.gpkg"
    write_register(res.register, path)
    return path


def _styles(path: Path) -> dict[str, ET.Element]:
    with sqlite3.connect(path) as con:
        rows = con.execute("SELECT f_table_name, styleQML FROM layer_styles "
                           "WHERE useAsDefault = 1").fetchall()
    return {t: ET.fromstring(qml.split("\n", 1)[1]) for t, qml in rows}


@pytest.fixture
def register(tmp_path: Path) -> Path:
    return _register(tmp_path, squares([(10 + 25 * i, 8) for i in range(12)]
                                       + [(258, 20 + 20 * i) for i in range(5)]))


def test_styles_table_is_registered_and_the_version_is_one_qgis_322_reads(register: Path
                                                                           ) -> None:
    with sqlite3.connect(register) as con:
        contents = dict(con.execute("SELECT table_name, data_type FROM gpkg_contents"))
        version = con.execute("PRAGMA user_version").fetchone()[0]
        app = con.execute("PRAGMA application_id").fetchone()[0]
    assert contents["layer_styles"] == "attributes"
    # GeoPackage 1.2 ("GPKG" application id, user_version 10200): GDAL 3.6 (QGIS 3.22)
    # warns that a 1.4 file "may only be partially supported"
    assert (app, version) == (0x47504B47, 10200)
    assert "layer_styles" in {name for name, _ in pyogrio.list_layers(register)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        styles = pyogrio.read_dataframe(register, layer="layer_styles")
    assert set(styles["f_table_name"]) == {"addresses", "streets", "unaddressed", "zones",
                                           "segments", "buildings"}


def test_every_spatial_layer_has_a_style_of_its_geometry(register: Path) -> None:
    with sqlite3.connect(register) as con:
        geometry = dict(con.execute(
            "SELECT table_name, geometry_type_name FROM gpkg_geometry_columns"))
    expected = {"POINT": "0", "LINESTRING": "1", "MULTILINESTRING": "1",
                "MULTIPOLYGON": "2", "GEOMETRY": "2"}  # buildings here are polygons
    styles = _styles(register)
    assert set(styles) == set(geometry)
    for table, root in styles.items():
        assert root.findtext("layerGeometryType") == expected[geometry[table]], table


def test_addresses_by_status_labelled_from_1_to_5000(register: Path) -> None:
    root = _styles(register)["addresses"]
    renderer = root.find("renderer-v2")
    assert renderer is not None
    assert (renderer.get("type"), renderer.get("attr")) == ("categorizedSymbol", "status")
    values = [c.get("value") for c in renderer.iter("category")]
    assert values == [*STATUS_COLOURS, ""]
    colours = [o.get("value") for o in renderer.iter("Option") if o.get("name") == "color"]
    assert colours[:4] == [f"{r},{g},{b},255" for r, g, b in STATUS_COLOURS.values()]
    text = root.find("labeling/settings/text-style")
    rendering = root.find("labeling/settings/rendering")
    assert text is not None
    assert rendering is not None
    assert text.get("fieldName") == "label"
    assert text.find("text-buffer") is not None  # QGIS reads the buffer inside text-style
    # QGIS's "minimum scale" 1:5,000 is stored as scaleMax: labels show from 1:5,000 in
    assert (rendering.get("scaleVisibility"), rendering.get("scaleMax"),
            rendering.get("scaleMin")) == ("1", "5000", "0")


def test_streets_by_zone_with_code_and_name_labels(register: Path) -> None:
    root = _styles(register)["streets"]
    renderer = root.find("renderer-v2")
    assert renderer is not None
    assert renderer.get("attr") == "zone"
    with sqlite3.connect(register) as con:
        zones = sorted({z for (z,) in con.execute("SELECT zone FROM streets")}, key=int)
    assert zones == ["2", "10"]  # numeric order, not text order
    assert [c.get("value") for c in renderer.iter("category")] == [*zones, ""]
    colours = [o.get("value") for o in renderer.iter("Option") if o.get("name") == "line_color"]
    assert colours[:2] == [f"{r},{g},{b},255" for r, g, b in STREET_COLOURS[:2]]
    text = root.find("labeling/settings/text-style")
    assert text is not None
    assert text.get("isExpression") == "1"
    expr = text.get("fieldName") or ""
    assert "' — '" in expr
    assert "Rue" not in expr


def test_point_buildings_get_a_point_style(tmp_path: Path) -> None:
    points = squares([(20 + 25 * i, 8) for i in range(6)]).copy()
    points["geometry"] = points.geometry.centroid
    path = _register(tmp_path, points)
    assert _styles(path)["buildings"].findtext("layerGeometryType") == "0"


def test_coverage_layers_get_styles_of_their_geometry(tmp_path: Path) -> None:
    from parakou_geo._styles import COVERED_COLOURS, write_coverage_styles

    path = tmp_path / "water.gpkg"
    bld = squares([(0, 0), (50, 0)])
    bld["covered"] = [True, False]
    bld.to_file(path, layer="water_buildings")
    pts = bld.copy()
    pts["geometry"] = pts.geometry.centroid
    pts["name"] = ["P1", "P2"]
    pts.to_file(path, layer="water_points")
    with sqlite3.connect(path) as con:
        write_coverage_styles(con, "water")
    styles = _styles(path)
    assert set(styles) == {"water_buildings", "water_points"}  # no new sites layer here
    buildings = styles["water_buildings"]
    assert buildings.findtext("layerGeometryType") == "2"
    renderer = buildings.find("renderer-v2")
    assert renderer is not None
    assert [c.get("value") for c in renderer.iter("category")] == ["yes", "no"]
    colours = [o.get("value") for o in renderer.iter("Option") if o.get("name") == "color"]
    assert colours == [f"{r},{g},{b},255" for r, g, b in COVERED_COLOURS.values()]
    assert styles["water_points"].findtext("layerGeometryType") == "0"
