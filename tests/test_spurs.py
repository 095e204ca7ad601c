"""Doors are measured on a street's main line, not on the short branches hanging off it.

Worked on paper: "Rue A" runs 200 m west to east from its origin at (0, 0); an 8 m connector
under the same name leaves it northwards at x = 100. Two doors stand north of the street, 6 m
from it and 3 m either side of the connector: they face Rue A's north (left) side, so they take
odd numbers 97 and 103, like their neighbour at x = 60. Measured on the connector, the first
would be on its left and the second on its right, numbered 6 m along a branch nobody lives on.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from parakou_geo.numbering import StreetIndex, number_doors
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
