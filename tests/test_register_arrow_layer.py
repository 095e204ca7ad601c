"""The register's large layers, written through Arrow a slice at a time, are the layers
``pyogrio.write_dataframe`` writes: same table definition, field types, rows and geometry blobs.
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from parakou_geo.register import _arrow_layer, _gdal_append
from parakou_geo.register._arrow_layer import write_layer


@pytest.fixture(autouse=True, params=["gdal_direct", "pyogrio"])
def writer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test twice: rows handed to GDAL directly (outside the GIL) and through pyogrio
    (where GDAL cannot be reached directly)."""
    if request.param == "pyogrio":
        monkeypatch.setattr(_gdal_append, "available", lambda: False)
    elif sys.platform.startswith("linux"):
        assert _gdal_append.available()  # pyogrio's wheels on Linux: GDAL is reachable
    elif not _gdal_append.available():
        pytest.skip("GDAL cannot be called directly on this platform")
    return str(request.param)


def _layer_content(path: Path, layer: str) -> dict[str, object]:
    """Everything GDAL wrote for ``layer``, but the time stamp."""
    with contextlib.closing(sqlite3.connect(path)) as con:
        return {
            "sql": con.execute("SELECT sql FROM sqlite_master WHERE name = ?",
                               (layer,)).fetchall(),
            "contents": con.execute(
                "SELECT table_name, data_type, identifier, description, min_x, min_y, max_x, "
                "max_y, srs_id FROM gpkg_contents WHERE table_name = ?", (layer,)).fetchall(),
            "geometry_columns": con.execute(
                "SELECT * FROM gpkg_geometry_columns WHERE table_name = ?", (layer,)).fetchall(),
            "count": con.execute("SELECT * FROM gpkg_ogr_contents WHERE table_name = ?",
                                 (layer,)).fetchall(),
            "triggers": sorted(con.execute("SELECT name, sql FROM sqlite_master WHERE type = "
                                           "'trigger' AND tbl_name = ?", (layer,)).fetchall()),
            "rows": con.execute(f'SELECT * FROM "{layer}" ORDER BY fid').fetchall(),
        }


def _both(tmp_path: Path, frame: gpd.GeoDataFrame,
          **kwargs: object) -> tuple[dict[str, object], dict[str, object]]:
    """The layer as pyogrio writes it and as :func:`write_layer` writes it."""
    old, new = tmp_path / "old.gpkg", tmp_path / "new.gpkg"
    geometry_type = kwargs.get("geometry_type")
    promote = bool(kwargs.get("promote_to_multi", False))
    options = {"SPATIAL_INDEX": "NO", "DESCRIPTION": "a layer"}
    pyogrio.write_dataframe(frame, old, layer="things", driver="GPKG",
                            geometry_type=geometry_type, promote_to_multi=promote or None,
                            use_arrow=not promote, layer_options=options)
    write_layer(frame, new, layer="things", geometry_type=geometry_type,  # type: ignore[arg-type]
                promote_to_multi=promote, layer_options=options)
    return _layer_content(old, "things"), _layer_content(new, "things")


def _points(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 10_000, size=(n, 2)) + np.array([452_000.0, 1_026_000.0])
    text = pd.Series([f"B{i:05d}" if i % 7 else None for i in range(n)], dtype="str")
    return gpd.GeoDataFrame({
        "address_id": text,
        "number": np.arange(n, dtype=np.int64),
        "distance_m": np.where(np.arange(n) % 5 == 0, np.nan, rng.uniform(0, 50, n)),
        "official": np.arange(n) % 2 == 0,
        "quartier": pd.Series([None] * n, dtype=object),  # an all-missing column
        "retired": pd.Series([None if i % 3 else "2026-01-01" for i in range(n)],
                             dtype=object),
        "parcel": pd.Series(np.arange(n) * 10, dtype="Int64"),
    }, geometry=shapely.points(xy), crs="EPSG:32631")


def _footprints(n: int, seed: int = 1) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(452_000, 462_000, n)
    y = rng.uniform(1_026_000, 1_036_000, n)
    boxes = shapely.box(x, y, x + rng.uniform(4, 20, n), y + rng.uniform(4, 20, n))
    geoms = np.array(boxes, dtype=object)  # a copy: boxes stay boxes
    geoms[::5] = shapely.points(x[::5], y[::5])  # point buildings
    geoms[1::7] = [shapely.MultiPolygon([b, shapely.box(b.bounds[2] + 1, b.bounds[1],
                                                        b.bounds[2] + 5, b.bounds[1] + 4)])
                   for b in boxes[1::7]]  # a building of two parts
    geoms[2::11] = shapely.linestrings(np.stack([np.c_[x[2::11], y[2::11]],
                                                 np.c_[x[2::11] + 3, y[2::11] + 1]], axis=1))
    holed = shapely.Polygon([(0, 0), (30, 0), (30, 30), (0, 30)],
                            [[(10, 10), (20, 10), (20, 20), (10, 20)]])
    geoms[3] = shapely.transform(holed, lambda c: c + np.array([455_000.0, 1_030_000.0]))
    return gpd.GeoDataFrame({"building_id": [f"b{i}" for i in range(n)]},
                            geometry=geoms, crs="EPSG:32631")


def test_points_layer_is_what_pyogrio_writes(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_arrow_layer, "ROWS_PER_BATCH", 97)  # many slices, a short last one
    old, new = _both(tmp_path, _points(1_000), geometry_type=None)
    assert new == old
    assert len(new["rows"]) == 1_000  # type: ignore[arg-type]
    assert "POINT" in str(new["geometry_columns"])


def test_footprints_promoted_to_multi_as_pyogrio_does(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_arrow_layer, "ROWS_PER_BATCH", 64)
    frame = _footprints(500)
    old, new = _both(tmp_path, frame, geometry_type="Unknown", promote_to_multi=True)
    assert new == old
    back = pyogrio.read_dataframe(tmp_path / "new.gpkg", layer="things")
    assert set(back.geom_type) == {"MultiPolygon", "MultiPoint", "MultiLineString"}
    assert shapely.equals(np.asarray(back.geometry.array),
                          np.asarray(frame.geometry.array)).all()


@pytest.mark.parametrize("case", ["empty_table", "empty_geometry", "z", "datetime", "mixed"])
def test_other_tables_take_pyogrios_own_path(tmp_path: Path, case: str) -> None:
    frame = _points(20)
    geometry_type = None
    if case == "empty_table":
        frame = frame.iloc[:0]
    elif case == "empty_geometry":
        frame.loc[3, "geometry"] = shapely.Point()
    elif case == "z":
        frame = frame.set_geometry(shapely.force_3d(np.asarray(frame.geometry.array), 2.0))
        geometry_type = "Point Z"
    elif case == "datetime":
        frame["when"] = pd.Timestamp("2026-11-29 10:00")
    else:
        frame["retired"] = pd.Series([1, "x"] * 10, dtype=object)
    old, new = _both(tmp_path, frame, geometry_type=geometry_type)
    assert new == old


def test_a_slice_that_cannot_be_made_is_reported_as_itself(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An error while a slice is encoded reaches the caller as it is, not as GDAL's
    "error while accessing batch from stream"."""
    monkeypatch.setattr(_arrow_layer, "ROWS_PER_BATCH", 10)
    calls = {"n": 0}
    real = _arrow_layer._point_wkb

    def fail_on_third(points: np.ndarray) -> object:
        calls["n"] += 1
        if calls["n"] == 3:
            raise MemoryError("no room for the third slice")
        return real(points)

    monkeypatch.setattr(_arrow_layer, "_point_wkb", fail_on_third)
    with pytest.raises(MemoryError, match="third slice"):
        write_layer(_points(50), tmp_path / "x.gpkg", layer="things", geometry_type=None,
                    layer_options={"SPATIAL_INDEX": "NO"})
