"""Road graph and network distances, worked out on paper.

The U-shaped network (local metres, placed at ORIGIN): A (0,0)→(0,100), B (0,100)→(100,100),
C (100,100)→(100,0); a spur S (-100,50)→(0,50) meeting A at a T; a far road D (500,0)→(600,0)
not connected to the rest.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from parakou_geo import CRSError, InputError
from parakou_geo.planning import build_road_graph, nearest_facility
from tests.conftest import lines, shift

U = [
    [(0, 0), (0, 100)],
    [(0, 100), (100, 100)],
    [(100, 100), (100, 0)],
    [(-100, 50), (0, 50)],
    [(500, 0), (600, 0)],
]


def points(*xy: tuple[float, float], index: list[str] | None = None) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        geometry=shapely.points([shift(p) for p in xy]), index=index, crs=32631
    )


@pytest.fixture(scope="module")
def roads() -> gpd.GeoDataFrame:
    return lines(*U)


def test_graph_splits_at_t_junction(roads: gpd.GeoDataFrame) -> None:
    g = build_road_graph(roads)
    # A is cut at the T (0,50): 6 edges; nodes (0,0) (0,50) (0,100) (100,100) (100,0)
    # (-100,50) (500,0) (600,0)
    assert len(g.edges) == 6
    assert g.n_nodes == 8
    assert sorted(np.round(g.length_m, 6)) == [50, 50, 100, 100, 100, 100]


def test_network_differs_from_straight_line(roads: gpd.GeoDataFrame) -> None:
    b = points((-5, 0), (-100, 55))
    f = points((105, 0), (50, 110), index=["east", "north"])
    net = nearest_facility(b, f, mode="network", roads=roads)
    st_ = nearest_facility(b, f, mode="straight")
    # building 0: straight, east is nearest (110 m) vs north hypot(55, 110) = 122.98 m;
    # along the roads: to east 5+100+100+100+5 = 310, to north 5+100+50+10 = 165
    assert st_["facility"].tolist()[0] == "east"
    assert st_["distance_m"].iloc[0] == pytest.approx(110.0)
    assert net["facility"].tolist()[0] == "north"
    assert net["distance_m"].iloc[0] == pytest.approx(165.0)
    # building 1 on the spur: 5 + 100 (spur) + 50 (A up) + 50 (B) + 10 = 215
    assert net["facility"].tolist()[1] == "north"
    assert net["distance_m"].iloc[1] == pytest.approx(215.0)
    assert set(net["distance_mode"]) == {"network"}
    assert set(st_["distance_mode"]) == {"straight_line"}


def test_facility_on_the_same_edge(roads: gpd.GeoDataFrame) -> None:
    # building snaps to A at (0,10) gap 3; facility to A at (0,30) gap 4: 3 + 20 + 4 = 27
    net = nearest_facility(points((-3, 10)), points((-4, 30)), mode="network", roads=roads)
    assert net["distance_m"].iloc[0] == pytest.approx(27.0)


def test_unreachable_facility_gives_inf(roads: gpd.GeoDataFrame) -> None:
    net = nearest_facility(points((-5, 0)), points((550, 5)), mode="network", roads=roads)
    assert np.isinf(net["distance_m"].iloc[0])
    assert net["facility"].isna().all()


def test_near_miss_junction_is_connected() -> None:
    # E ends 0.3 m short of A: connected by a 0.3 m link (tolerance 0.5 m)
    roads = lines([(0, 0), (0, 100)], [(-50, 20), (-0.3, 20)])
    net = nearest_facility(points((-50, 25)), points((5, 90)), mode="network", roads=roads)
    assert net["distance_m"].iloc[0] == pytest.approx(5 + 49.7 + 0.3 + 70 + 5)


def test_one_pass_equals_separate_searches(roads: gpd.GeoDataFrame) -> None:
    g = build_road_graph(roads)
    rng = np.random.default_rng(1)
    b = shapely.points(rng.uniform(-120, 150, (200, 2)) + np.array(shift((0, 0))))
    f = shapely.points(rng.uniform(-120, 150, (7, 2)) + np.array(shift((0, 0))))
    d, fac = g.nearest(b, f)
    each = np.column_stack([g.nearest(b, f[[j]])[0] for j in range(len(f))])
    np.testing.assert_allclose(d, each.min(axis=1))
    np.testing.assert_allclose(each[np.arange(len(b)), fac], d)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-150, 200), st.floats(-50, 160)), min_size=1, max_size=20),
    st.lists(st.tuples(st.floats(-150, 200), st.floats(-50, 160)), min_size=1, max_size=4),
)
def test_network_never_shorter_than_straight(
    bxy: list[tuple[float, float]], fxy: list[tuple[float, float]]
) -> None:
    roads = lines(*U)
    b, f = points(*bxy), points(*fxy)
    net = nearest_facility(b, f, mode="network", roads=roads)
    st_ = nearest_facility(b, f, mode="straight")
    assert (net["distance_m"].to_numpy() >= st_["distance_m"].to_numpy() - 1e-6).all()


def test_polygon_facility_inside_is_zero(roads: gpd.GeoDataFrame) -> None:
    park = gpd.GeoDataFrame(geometry=[shapely.box(*shift((10, 10)), *shift((40, 40)))],
                            crs=32631)
    b = points((20, 20), (-5, 25))
    net = nearest_facility(b, park, mode="network", roads=roads)
    assert net["distance_m"].iloc[0] == 0.0
    # (-5,25) → A at (0,25) gap 5, up to (0,50)... the park is reached only via its nearest
    # boundary access point (10,25): not on a road, so 5 + straight gap of the access point
    # to A (10 m at (0,25)) → 15
    assert net["distance_m"].iloc[1] == pytest.approx(15.0)


def test_errors_name_the_argument(roads: gpd.GeoDataFrame) -> None:
    b = points((0, 0))
    with pytest.raises(InputError, match=r"mode='network'.*roads="):
        nearest_facility(b, points((1, 1)), mode="network")
    with pytest.raises(CRSError, match="facilities is in a geographic CRS"):
        nearest_facility(b, points((1, 1)).to_crs(4326))
    with pytest.raises(CRSError, match="roads has no CRS"):
        build_road_graph(roads.set_crs(None, allow_override=True))
    with pytest.raises(InputError, match="facilities is empty"):
        nearest_facility(b, points((1, 1)).iloc[:0])


@pytest.mark.realdata
def test_kibera_network_not_shorter_than_straight_line() -> None:
    from tests.conftest import shared_file

    path = shared_file("cities", "kibera.gpkg")
    b = gpd.read_file(path, layer="kianda_structures").to_crs(32737)
    r = gpd.read_file(path, layer="kibera_roads").to_crs(32737)
    facilities = gpd.GeoDataFrame(geometry=b.geometry.centroid.iloc[[0, 500, 1000, 1500]]
                                  .to_numpy(), crs=32737)
    net = nearest_facility(b, facilities, mode="network", roads=r)
    st_ = nearest_facility(b, facilities, mode="straight")
    assert np.isfinite(net["distance_m"]).all()
    assert (net["distance_m"].to_numpy() >= st_["distance_m"].to_numpy() - 1e-6).all()
    # the paths of Kibera are winding: the network is clearly longer on average
    assert net["distance_m"].mean() > 1.1 * st_["distance_m"].mean()
