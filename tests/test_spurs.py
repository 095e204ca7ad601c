"""Doors are measured on a street's main line, not on the short branches hanging off it.

Worked on paper: "Rue A" runs 200 m west to east from its origin at (0, 0); an 8 m connector
under the same name leaves it northwards at x = 100. Two doors stand north of the street, 6 m
from it and 3 m either side of the connector: they face Rue A's north (left) side, so they take
odd numbers 97 and 103, like their neighbour at x = 60. Measured on the connector, the first
would be on its left and the second on its right, numbered 6 m along a branch nobody lives on.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from conftest import lines, lonlat, squares

from parakou_geo import AddressingSettings, address, write_register
from parakou_geo.numbering import StreetIndex, number_doors
from parakou_geo.register.lifecycle import move_address
from parakou_geo.streets import build_streets, spur_segments


def _network(stub_length: float) -> tuple[gpd.GeoDataFrame, StreetIndex]:
    roads = gpd.GeoDataFrame(
        {"road_id": ["main", "stub"], "name": ["Rue A", "Rue A"]},
        geometry=[shapely.LineString([(0, 0), (200, 0)]),
                  shapely.LineString([(100, 0), (100, stub_length)])],
        crs=32631,
    )
    net = build_streets(roads, centre_xy=(-50.0, 0.0))
    return net.segments, StreetIndex(net.segments)


def test_connector_is_a_branch_and_the_main_line_is_not() -> None:
    segments, _ = _network(8.0)
    flags = spur_segments(segments)
    length = shapely.length(np.asarray(segments.geometry.array))
    assert flags.sum() == 1
    assert length[flags][0] == 8.0


def test_doors_beside_a_connector_are_measured_on_the_main_line() -> None:
    _, index = _network(8.0)
    doors = gpd.GeoSeries(shapely.points([(97, 6), (103, 6), (60, 6), (103, -6)]), crs=32631)
    out = number_doors(doors, index)
    assert out["side"].tolist() == ["left", "left", "left", "right"]
    assert out["number"].tolist() == [97, 103, 61, 104]


def test_a_long_side_street_keeps_its_own_measure() -> None:
    # 60 m is a street of its own length, not a connector: a door beside it is measured on it
    _, index = _network(60.0)
    out = number_doors(gpd.GeoSeries(shapely.points([(103, 40)]), crs=32631), index)
    assert out["distance_to_street_m"].round(3).tolist() == [3.0]
    assert out["side"].tolist() == ["right"]


def test_a_door_moved_beside_a_connector_gets_the_first_build_number(tmp_path: Path) -> None:
    # Rue A along y = 0; Rue B along y = 40 with an 8 m connector south at x = 100 (to y = 32).
    # The house (x 101..105, y 6..10) is first on Rue A. Moved to Rue B, its nearest piece of
    # Rue B is the connector's end (about 22 m), but it is measured on Rue B's main line,
    # south of it (right of west -> east), foot x = 103: number 104 - as a first build of the
    # house alone on Rue B gives.
    s = AddressingSettings(centre=lonlat((-500, -500)))
    roads = lines([(0, 0), (400, 0)], [(0, 40), (400, 40)], [(100, 40), (100, 32)],
                  names=["Rue A", "Rue B", "Rue B"])
    house = squares([(103, 8)])
    reg = tmp_path / "register.gpkg"
    write_register(address(roads, house, settings=s).register, reg)
    start = pyogrio.read_dataframe(reg, layer="addresses", read_geometry=False)
    streets = pyogrio.read_dataframe(reg, layer="streets", read_geometry=False)
    code_b = str(streets.loc[streets["street_name"] == "Rue B", "street_code"].iloc[0])
    move_address(reg, str(start["address_id"].iloc[0]), to_street=code_b, reason="door")
    moved = pyogrio.read_dataframe(reg, layer="addresses", read_geometry=False).iloc[0]
    alone = address(roads.iloc[1:], house, settings=s).register.addresses.iloc[0]
    assert (moved["side"], int(moved["number"])) == ("right", 104)
    assert (alone["side"], int(alone["number"])) == ("right", 104)
