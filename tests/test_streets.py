"""Segments → streets on hand-made networks."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from conftest import lines, shift
from pyproj import CRS

from parakou_geo import AddressingSettings, CRSError
from parakou_geo.prepare import prepare_roads
from parakou_geo.streets import build_streets, name_key

C = shift((-500.0, 0.0))  # reference centre west of every fixture


def test_same_name_touching_segments_form_one_street_with_offsets() -> None:
    roads = lines([(200, 0), (100, 0)], [(0, 0), (100, 0)], [(200, 0), (300, 0)],
                  names=["Rue A", "rue  a", "Rue A"])
    net = build_streets(roads, centre_xy=C)
    assert len(net.streets) == 1
    st = net.streets.iloc[0]
    assert st["length_m"] == pytest.approx(300)
    assert (st["origin_x"], st["origin_y"]) == pytest.approx(shift((0, 0)))
    assert sorted(net.segments["offset_m"].round(6)) == [0, 100, 200]
    # merged line runs from the origin eastwards
    merged = st.geometry
    assert merged.geom_type == "LineString"
    assert shapely.get_coordinates(merged)[0] == pytest.approx(shift((0, 0)))


def test_same_name_not_touching_gives_two_streets() -> None:
    roads = lines([(0, 0), (100, 0)], [(0, 50), (100, 50)], names=["Rue A", "Rue A"])
    assert len(build_streets(roads, centre_xy=C).streets) == 2


def test_unnamed_strokes_continue_straight_through_a_junction() -> None:
    # a straight west-east road crossed by a north-south one, all unnamed, noded at (100, 0)
    roads = lines([(0, 0), (100, 0)], [(100, 0), (200, 2)], [(100, -80), (100, 0)],
                  [(100, 0), (100, 80)])
    net = build_streets(roads, centre_xy=C)
    seg = net.segments.set_index("road_id")
    assert seg.loc["r0", "street"] == seg.loc["r1", "street"]
    assert seg.loc["r2", "street"] == seg.loc["r3", "street"]
    assert seg.loc["r0", "street"] != seg.loc["r2", "street"]
    assert len(net.streets) == 2


def test_sharp_turn_is_not_a_continuation() -> None:
    roads = lines([(0, 0), (100, 0)], [(100, 0), (130, 90)])  # ~72° deflection
    assert len(build_streets(roads, centre_xy=C).streets) == 2


def test_unnoded_crossing_and_t_junction_are_split() -> None:
    # one long line crossed in its middle without a shared vertex, and a T that stops 0.3 m short
    roads = lines([(0, 0), (200, 0)], [(100, -50), (100, 50)], [(150, 60), (150, 0.3)],
                  names=["Rue Longue", None, None])
    net = build_streets(roads, centre_xy=C)
    long_segments = net.segments[net.segments["road_id"] == "r0"]
    assert len(long_segments) == 3  # split at x = 100 and x = 150
    assert sorted(long_segments["offset_m"].round(3)) == [0, 100, 150]


def test_fork_keeps_one_street_and_measures_branches_from_the_origin() -> None:
    roads = lines([(0, 0), (100, 0)], [(100, 0), (200, 0)], [(100, 0), (160, 60)],
                  names=["Rue Y", "Rue Y", "Rue Y"])
    net = build_streets(roads, centre_xy=C)
    assert len(net.streets) == 1
    seg = net.segments.set_index("road_id")
    assert seg.loc["r2", "offset_m"] == pytest.approx(100)
    assert net.streets.iloc[0].geometry.geom_type == "MultiLineString"


def test_loop_street_gets_an_origin_and_finite_offsets() -> None:
    ring = [(0, 0), (100, 0), (100, 100), (0, 100), (0, 0)]
    roads = lines(ring[:3], ring[2:], names=["Boucle", "Boucle"])
    net = build_streets(roads, centre_xy=C)
    assert len(net.streets) == 1
    assert np.isfinite(net.segments["offset_m"]).all()


def test_geographic_crs_is_refused_with_the_fix() -> None:
    roads = lines([(0, 0), (1, 0)]).to_crs(4326)
    with pytest.raises(CRSError, match=r"to_crs\('EPSG:32631'\)"):
        build_streets(roads, centre_xy=(0.0, 0.0))


def test_name_key_ignores_case_accents_and_spaces() -> None:
    assert name_key(" Avenue  du Marché") == name_key("avenue du marche")
    assert name_key(None) is None
    assert name_key(float("nan")) is None


def test_result_does_not_depend_on_input_order() -> None:
    roads = lines([(0, 0), (100, 0)], [(100, 0), (200, 0)], [(100, 0), (100, 100)],
                  [(100, 100), (200, 100)], names=[None, None, "Rue B", None])
    a = build_streets(roads, centre_xy=C)
    shuffled = roads.iloc[[3, 1, 2, 0]]
    s = AddressingSettings()
    ra, _ = prepare_roads(roads, settings=s, metric_crs=CRS(32631))
    rb, _ = prepare_roads(shuffled, settings=s, metric_crs=CRS(32631))
    na, nb = build_streets(ra, centre_xy=C), build_streets(rb, centre_xy=C)
    assert len(a.streets) == len(na.streets)
    assert (na.streets.geometry.to_wkb() == nb.streets.geometry.to_wkb()).all()
    assert (na.segments["offset_m"] == nb.segments["offset_m"]).all()
