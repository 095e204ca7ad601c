"""Communal forest on paper: a 100 m × 100 m square planted at 3 × 3 m.

Grid convention: first row/column at half a spacing from the plantable area's corner, so
positions at 1.5, 4.5, …, 97.5 m: 33 × 33 = 1,089 positions. With a 20 % replacement margin:
1,089 × 1.2 = 1,306.8 → 1,307 seedlings. With a 10 m outer buffer the core is 80 m × 80 m:
positions at 11.5 … 89.5 → 27 × 27 = 729, seedlings 874.8 → 875.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from parakou_geo import CRSError, InputError
from parakou_geo.planning import PlanningSettings, plan_forest
from tests.conftest import shift


@pytest.fixture
def square() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": ["Nikki-Kpérou"]},
                            geometry=[shapely.box(*shift((0, 0)), *shift((100, 100)))],
                            crs=32631)


def test_square_without_zoning(square: gpd.GeoDataFrame) -> None:
    plan = plan_forest(square, settings=PlanningSettings(forest_buffer_m=0))
    row = plan.parcels.iloc[0]
    assert row["area_ha"] == 1.0
    assert row["perimeter_m"] == 400.0
    assert row["n_positions"] == 1089
    assert row["n_seedlings"] == 1307
    assert len(plan.planting) == 1089
    xs = sorted(set(plan.planting.geometry.x.round(3) - shift((0, 0))[0]))
    assert xs[0] == 1.5
    assert xs[-1] == 97.5


def test_square_with_buffer(square: gpd.GeoDataFrame) -> None:
    plan = plan_forest(square)
    row = plan.parcels.iloc[0]
    assert row["core_area_ha"] == 0.64
    assert row["buffer_area_ha"] == 0.36
    assert row["n_positions"] == 729
    assert row["n_seedlings"] == 875
    assert sorted(plan.zoning["zone"]) == ["buffer", "core"]
    assert plan.zoning["area_ha"].sum() == pytest.approx(1.0)
    # planting the buffer too gives the full grid back
    full = plan_forest(square, settings=PlanningSettings(plant_buffer=True))
    assert full.parcels["n_positions"].iloc[0] == 1089


def test_margin_and_spacing(square: gpd.GeoDataFrame) -> None:
    s = PlanningSettings(forest_buffer_m=0, replacement_margin=0.4)
    # 1,089 × 1.4 = 1,524.6 → 1,525
    assert plan_forest(square, settings=s).summary()["n_seedlings"] == 1525
    s2 = PlanningSettings(forest_buffer_m=0, planting_spacing_x_m=2, planting_spacing_y_m=2,
                          replacement_margin=0.0)
    # 2 × 2 m: 50 × 50 = 2,500 positions (2,500 stems/ha, the dense end of the range)
    p = plan_forest(square, settings=s2).parcels.iloc[0]
    assert p["n_positions"] == 2500
    assert p["stems_per_ha"] == 2500.0


def test_errors(square: gpd.GeoDataFrame) -> None:
    with pytest.raises(CRSError, match="forests is in a geographic CRS"):
        plan_forest(square.to_crs(4326))
    pts = gpd.GeoDataFrame(geometry=[shapely.Point(*shift((0, 0)))], crs=32631)
    with pytest.raises(InputError, match="forests must hold polygons; rows 0"):
        plan_forest(pts)
