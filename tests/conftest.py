"""Shared fixtures: tiny hand-made layers in EPSG:32631 and the path of ../shared/data."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

#: Hand-made fixtures are drawn in local metres and placed at this EPSG:32631 point (Parakou).
ORIGIN = (459000.0, 1032000.0)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_file(*parts: str) -> Path:
    """Return a file of ../shared/data or skip the test with the reason."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real-data test: {path} is absent (../shared/data is not beside the clone)")
    return path


def lines(*coords: list[tuple[float, float]], names: list[str | None] | None = None,
          crs: int | None = 32631) -> gpd.GeoDataFrame:
    geoms = [shapely.LineString([shift(p) for p in c]) for c in coords]
    return gpd.GeoDataFrame(
        {"road_id": [f"r{i}" for i in range(len(geoms))],
         "name": names if names is not None else [None] * len(geoms)},
        geometry=geoms, crs=crs,
    )


def squares(centres: list[tuple[float, float]], *, size: float = 4.0,
            crs: int | None = 32631) -> gpd.GeoDataFrame:
    h = size / 2
    geoms = [shapely.box(*shift((x - h, y - h)), *shift((x + h, y + h))) for x, y in centres]
    return gpd.GeoDataFrame({"building_id": [f"B{i:02d}" for i in range(len(geoms))]},
                            geometry=geoms, crs=crs)


def shift(p: tuple[float, float]) -> tuple[float, float]:
    """Place a local (x, y) in metres at :data:`ORIGIN`."""
    return (p[0] + ORIGIN[0], p[1] + ORIGIN[1])


def lonlat(p: tuple[float, float]) -> tuple[float, float]:
    """Longitude/latitude of a local (x, y) point."""
    g = gpd.GeoSeries(shapely.points([shift(p)]), crs=32631).to_crs(4326)
    return (float(g.x.iloc[0]), float(g.y.iloc[0]))
