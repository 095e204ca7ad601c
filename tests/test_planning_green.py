"""Green-space access on paper.

Parks (local metres): P1 box (100,-50)-(200,50), 1 ha; P2 box (-100,-30)-(-40,30), 0.36 ha
(too small to count); P3 box (0,600)-(71,671), 0.5041 ha (counts, but not for 1 ha).
Buildings, 10 people each: b0 (0,0) 100 m from P1; b1 (500,0) 300 m from P1;
b2 (0,400) 200 m from P3, 364 m from P1; b3 (1000,1000) far from all.
SDG 11.7.1 without roads: straight × 1.5 to any open space ≤ 400 m: b0 (P2 40 m → 60),
b2 (200 → 300); not b1 (300 → 450).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from parakou_geo.planning import green_access, green_by_zone
from tests.conftest import shift


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(*shift((x0, y0)), *shift((x1, y1)))


@pytest.fixture
def parks() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": ["P1", "P2", "P3"]},
                            geometry=[box(100, -50, 200, 50), box(-100, -30, -40, 30),
                                      box(0, 600, 71, 671)], crs=32631)


@pytest.fixture
def homes() -> gpd.GeoDataFrame:
    xy = [(0, 0), (500, 0), (0, 400), (1000, 1000)]
    return gpd.GeoDataFrame({"pop": [10.0] * 4, "q": ["N", "N", "S", "S"]},
                            geometry=shapely.points([shift(p) for p in xy]), crs=32631)


def test_green_access_on_paper(homes: gpd.GeoDataFrame, parks: gpd.GeoDataFrame) -> None:
    r = green_access(homes, parks)
    b = r.buildings
    assert b["green_distance_m"].round(1).tolist()[:3] == [100.0, 300.0, 200.0]
    assert b["green_within"].tolist() == [True, True, True, False]
    assert b["green_large_within"].tolist() == [True, True, False, False]
    assert b["sdg_within"].tolist() == [True, False, True, False]
    assert r.green_spaces["counted"].tolist() == [True, False, True]
    assert r.green_spaces["counted_large"].tolist() == [True, False, False]
    s = r.summary()
    assert s["share_population_green_pct"] == 75.0
    assert s["share_population_green_large_pct"] == 50.0
    assert s["share_population_sdg_pct"] == 50.0
    assert s["sdg_distance_mode"] == "straight_line×1.5"
    by = r.by_group("q").set_index("zone")
    assert by.loc["N", "share_population_green_pct"] == 100.0
    assert by.loc["S", "share_population_green_pct"] == 50.0


def test_sdg_uses_network_when_roads_given(homes: gpd.GeoDataFrame,
                                           parks: gpd.GeoDataFrame) -> None:
    # one road along y = 0 from x -200 to 600: b1 (500,0) walks 300 m to P1's east edge
    # (access point (200,0) snaps to the road) → 300 ≤ 400 with the network
    roads = gpd.GeoDataFrame(geometry=[shapely.LineString([shift((-200, 0)), shift((600, 0))])],
                             crs=32631)
    r = green_access(homes, parks, roads=roads)
    assert r.buildings["sdg_walk_m"].iloc[1] == pytest.approx(300.0)
    assert r.buildings["sdg_within"].iloc[1]
    assert r.summary()["sdg_distance_mode"] == "network"


def test_green_by_zone_and_canopy(parks: gpd.GeoDataFrame) -> None:
    zones = gpd.GeoDataFrame({"arr": [1, 2]},
                             geometry=[box(0, -100, 300, 100), box(300, -100, 600, 100)],
                             crs=32631)
    canopy = gpd.GeoDataFrame(geometry=[box(0, -100, 300, -40)], crs=32631)
    t = green_by_zone(zones, parks, column="arr", population=pd.Series({"1": 50, "2": 20}),
                      canopy=canopy).set_index("zone")
    # zone 1 is 6 ha and holds all of P1 (1 ha): 16.67 %, 10,000 m² / 50 = 200 m² each;
    # canopy 300 × 60 = 18,000 m² = 30 % → target met
    assert t.loc["1", "zone_area_ha"] == 6.0
    assert t.loc["1", "green_area_ha"] == 1.0
    assert t.loc["1", "green_share_pct"] == pytest.approx(16.67)
    assert t.loc["1", "green_m2_per_inhabitant"] == 200.0
    assert t.loc["1", "canopy_share_pct"] == 30.0
    assert bool(t.loc["1", "canopy_target_met"])
    assert t.loc["2", "green_area_ha"] == 0.0
    assert not bool(t.loc["2", "canopy_target_met"])
