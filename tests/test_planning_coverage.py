"""Coverage, waste and water on a small grid worked out on paper.

Grid: 25 buildings (points) at x, y in {0, 100, 200, 300, 400} m, population x/100 + 1
(1 to 5 along x; total 5 × 15 = 75). One facility at (0, 0).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from parakou_geo import CRSError, InputError
from parakou_geo.planning import PlanningSettings, service_coverage, waste_points, water_points
from parakou_geo.planning.coverage import zone_of
from tests.conftest import shift


@pytest.fixture
def grid() -> gpd.GeoDataFrame:
    xy = [(x, y) for y in range(0, 500, 100) for x in range(0, 500, 100)]
    return gpd.GeoDataFrame(
        {"pop": [x / 100 + 1 for x, _ in xy], "side": ["A" if x < 250 else "B" for x, _ in xy]},
        geometry=shapely.points([shift(p) for p in xy]), crs=32631,
    )


def pts(*xy: tuple[float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=shapely.points([shift(p) for p in xy]), crs=32631)


def test_coverage_shares(grid: gpd.GeoDataFrame) -> None:
    cov = service_coverage(grid, pts((0, 0)), radius_m=150)
    s = cov.summary()
    # within 150 m: (0,0) 0 m, (100,0) and (0,100) 100 m, (100,100) 141.4 m
    assert s["n_buildings_covered"] == 4
    assert s["share_buildings_covered_pct"] == 16.0
    # their population: 1 + 2 + 1 + 2 = 6 of 75
    assert s["population_covered"] == 6.0
    assert s["share_population_covered_pct"] == 8.0
    assert s["distance_mode"] == "straight_line"
    by = cov.by_group("side").set_index("zone")
    # side A (x 0-200): 15 buildings, population 5 × (1+2+3) = 30
    assert by.loc["A", "n_buildings"] == 15
    assert by.loc["A", "share_buildings_covered_pct"] == pytest.approx(26.67)
    assert by.loc["A", "share_population_covered_pct"] == 20.0
    assert by.loc["B", "population_covered"] == 0.0
    assert cov.buildings.index.equals(grid.index)


def test_coverage_counts_people_and_assigns_nearest(grid: gpd.GeoDataFrame) -> None:
    cov = service_coverage(grid, pts((0, 0), (400, 400)), radius_m=150)
    # the second point covers (400,400) 5, (300,400) 4, (400,300) 5, (300,300) 4 = 18
    assert cov.summary()["population_covered"] == 6 + 18
    f = cov.facilities
    assert f["n_buildings"].sum() == 25
    assert f["population"].sum() == 75
    assert f["population_within_radius"].tolist() == [6.0, 18.0]


def test_facility_attributes_are_kept(grid: gpd.GeoDataFrame) -> None:
    points = pts((0, 0), (400, 400)).assign(name=["Point Kobo Kobo", "Point Tingé"])
    f = service_coverage(grid, points, radius_m=150).facilities
    assert f["name"].tolist() == ["Point Kobo Kobo", "Point Tingé"]
    assert f["population_within_radius"].tolist() == [6.0, 18.0]


def test_persons_per_building_when_no_column(grid: gpd.GeoDataFrame) -> None:
    cov = service_coverage(grid.drop(columns="pop"), pts((0, 0)), radius_m=150,
                           settings=PlanningSettings(persons_per_building=4))
    assert cov.summary()["population"] == 100.0
    assert cov.summary()["population_covered"] == 16.0


def test_missing_population_takes_default(grid: gpd.GeoDataFrame) -> None:
    g = grid.copy()
    g.loc[0, "pop"] = np.nan
    cov = service_coverage(g, pts((0, 0)), radius_m=150,
                           settings=PlanningSettings(persons_per_building=10))
    assert cov.summary()["population_covered"] == 10 + 2 + 1 + 2


def test_negative_population_is_an_error(grid: gpd.GeoDataFrame) -> None:
    g = grid.copy()
    g.loc[3, "pop"] = -1
    with pytest.raises(InputError, match=r"buildings\.pop holds negative populations \(rows 3\)"):
        service_coverage(g, pts((0, 0)), radius_m=150)


def test_zone_of(grid: gpd.GeoDataFrame) -> None:
    zones = gpd.GeoDataFrame(
        {"arr": ["1", "2"]},
        geometry=[shapely.box(*shift((-50, -50)), *shift((250, 450))),
                  shapely.box(*shift((250, -50)), *shift((350, 450)))], crs=32631)
    z = zone_of(grid, zones, column="arr")
    assert (z == "1").sum() == 15
    assert (z == "2").sum() == 5
    assert z.isna().sum() == 5


def test_waste_load_and_capacity() -> None:
    # 10,000 people at point p0: 5,000 kg/day; 3.5 days between collections → 17,500 kg →
    # 3 containers of 8,000 kg > 2 → over capacity. 100 people at p1: 50 kg/day, 175 kg, 1.
    b = gpd.GeoDataFrame({"pop": [6000.0, 4000.0, 100.0]}, crs=32631,
                         geometry=shapely.points([shift((0, 0)), shift((50, 0)),
                                                  shift((2000, 0))]))
    w = waste_points(b, pts((0, 10), (2000, 400)))
    p = w.points
    assert p["waste_kg_day"].tolist() == [5000.0, 50.0]
    assert p["waste_kg_per_collection"].tolist() == [17500.0, 175.0]
    assert p["containers_needed"].tolist() == [3, 1]
    assert p["over_capacity"].tolist() == [True, False]
    # p1 is 400 m away: beyond the 300 m default radius
    assert p["population_within_radius"].tolist() == [10000.0, 0.0]
    assert w.summary()["n_points_over_capacity"] == 1
    more = waste_points(b, pts((0, 10), (2000, 400)),
                        settings=PlanningSettings(collections_per_week=3.5))
    # every 2 days: 10,000 kg → 2 containers, not over capacity
    assert more.points["containers_needed"].tolist() == [2, 1]
    assert not more.points["over_capacity"].any()


def test_water_proxy_and_norm(grid: gpd.GeoDataFrame) -> None:
    g = grid.copy()
    g["pop"] = 20.0  # 25 × 20 = 500 people
    r = water_points(g, pts((0, 0)))
    s = r.summary()
    # within 500 m of (0,0): every point but (400,400) at 565.7 m; (300,400) and (400,300)
    # lie exactly on the radius (3-4-5 triangle) and count as covered → 24 of 25
    assert s["n_buildings_covered"] == 24
    assert s["population_covered"] == 24 * 20
    # 500 people on one point: norm 250 per point → over capacity, 1 more point needed
    assert r.points["over_capacity"].tolist() == [True]
    assert r.points["extra_points_needed"].tolist() == [1]
    assert "distance proxy" in s["indicator"]
    assert "distance proxy" in r.points["indicator"].iloc[0]


def test_network_mode_in_coverage(grid: gpd.GeoDataFrame) -> None:
    roads = gpd.GeoDataFrame(geometry=[shapely.LineString([shift((0, 0)), shift((400, 0))])],
                             crs=32631)
    cov = service_coverage(grid.iloc[:5], pts((0, 0)), radius_m=250, mode="network",
                           roads=roads)
    assert cov.distance_mode == "network"
    assert cov.buildings["distance_m"].tolist() == pytest.approx([0, 100, 200, 300, 400])
    assert cov.summary()["population_covered"] == 1 + 2 + 3


def test_bad_radius(grid: gpd.GeoDataFrame) -> None:
    with pytest.raises(InputError, match="radius_m=0"):
        service_coverage(grid, pts((0, 0)), radius_m=0)
    with pytest.raises(CRSError, match=r"facilities is in EPSG:32632 but buildings is in"):
        service_coverage(grid, pts((0, 0)).to_crs(32632), radius_m=10)
