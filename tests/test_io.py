"""Reading layers from every supported format, and the errors for unreadable inputs."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import pytest
from conftest import lines, shared_file, squares

from parakou_geo import InputError, read_layer


@pytest.fixture
def roads() -> gpd.GeoDataFrame:
    return lines([(0, 0), (100, 0)], [(100, 0), (100, 80)], names=["Rue A", None]).to_crs(4326)


@pytest.mark.parametrize("suffix", [".gpkg", ".shp", ".geojson", ".parquet"])
def test_every_format_reads_the_same_features(roads: gpd.GeoDataFrame, tmp_path: Path,
                                              suffix: str) -> None:
    path = tmp_path / f"roads{suffix}"
    if suffix == ".parquet":
        roads.to_parquet(path)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            roads.to_file(path)
    got = read_layer(path, kind="roads")
    assert len(got) == 2
    assert got.crs.to_epsg() == 4326
    assert sorted(got["road_id"]) == ["r0", "r1"]
    assert got.attrs["source"].startswith(str(path))


def test_layer_chosen_by_kind_or_asked_for(roads: gpd.GeoDataFrame, tmp_path: Path) -> None:
    path = tmp_path / "all.gpkg"
    roads.to_file(path, layer="voies")
    squares([(10, 10)]).to_file(path, layer="batiments")
    squares([(50, 50)]).to_file(path, layer="parcelles")
    assert len(read_layer(path, kind="roads")) == 2  # the only line layer
    with pytest.raises(InputError, match=r"has 3 layers \(voies, batiments, parcelles\).*"
                                         r"--buildings-layer"):
        read_layer(path, kind="buildings")
    assert len(read_layer(path, layer="parcelles", kind="buildings")) == 1
    with pytest.raises(InputError, match="cannot read layer 'nope'"):
        read_layer(path, layer="nope")


@pytest.mark.realdata
def test_osm_pbf_roads_and_buildings() -> None:
    pbf = shared_file("cities", "kotka.osm.pbf")
    roads = read_layer(pbf, kind="roads")
    buildings = read_layer(pbf, kind="buildings")
    assert roads["highway"].notna().all()
    assert roads["road_id"].str.startswith("w").all()
    assert len(roads) == 331
    assert buildings["building"].notna().all()
    assert buildings["building_id"].is_unique
    assert len(buildings) == 2219
    with pytest.raises(InputError, match=r"roads .* or buildings"):
        read_layer(pbf, kind="zones")


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_layer(tmp_path / "nope.gpkg")
    with pytest.raises(InputError, match="is a folder"):
        read_layer(tmp_path)


def _as_read_feature_by_feature(path: Path) -> gpd.GeoDataFrame:
    """The reference: pyogrio's feature-by-feature reader, as read_layer used before."""
    import pyogrio

    return pyogrio.read_dataframe(path, on_invalid="fix")


def _assert_same_frame(got: gpd.GeoDataFrame, expected: gpd.GeoDataFrame) -> None:
    import shapely
    from geopandas.testing import assert_geodataframe_equal

    assert_geodataframe_equal(got, expected, check_dtype=True, check_crs=True)
    assert (shapely.to_wkb(got.geometry.values) == shapely.to_wkb(expected.geometry.values)).all()
    for column in expected.columns.drop("geometry"):  # None stays None, NaN stays NaN
        assert [type(v) for v in got[column]] == [type(v) for v in expected[column]]


def test_geopackage_read_through_arrow_is_the_feature_by_feature_frame(tmp_path: Path) -> None:
    import numpy as np
    import pandas as pd
    import shapely

    from parakou_geo.io import _read_gpkg_arrow

    n = 70_000  # more than one Arrow batch of GDAL and several decoding chunks
    rng = np.random.default_rng(2)
    xy = rng.uniform(0, 5000, (n, 2)) + np.array([459000.0, 1032000.0])
    geoms = shapely.buffer(shapely.points(xy), 3, quad_segs=1)
    geoms[5] = None
    geoms[6] = shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 2, 3, 3)])
    geoms[n - 1] = shapely.Polygon()
    frame = gpd.GeoDataFrame({
        "name": np.where(np.arange(n) % 5 == 0, None, [f"Rue {i} é" for i in range(n)]),
        "empty_text": pd.Series([None] * n, dtype=object),
        "storeys": pd.Series(np.where(np.arange(n) % 7 == 0, None, np.arange(n) % 4),
                             dtype="Int32"),
        "osm_id": np.arange(n, dtype=np.int64) * 1_000_003,
        "height": np.where(np.arange(n) % 3 == 0, np.nan, np.arange(n) / 8),
    }, geometry=geoms, crs=32631)
    path = tmp_path / "buildings.gpkg"
    frame.to_file(path, layer="buildings")
    assert _read_gpkg_arrow(path, None) is not None  # the Arrow way is taken
    got = read_layer(path, kind="buildings")
    expected = _as_read_feature_by_feature(path)
    assert got.attrs.pop("source")
    _assert_same_frame(got, expected)
    assert got["empty_text"].dtype == object
    assert got.loc[0, "empty_text"] is None
    assert got.geometry.isna().sum() == 1
    assert got.geometry.is_empty.sum() == 1

    z = gpd.GeoDataFrame({"when": pd.to_datetime(["2024-01-02 10:00", "2024-03-04 11:30"]),
                          "ok": [True, False]},
                         geometry=shapely.force_3d(geoms[:2], 12.0), crs=32631)
    path = tmp_path / "dates.gpkg"
    z.to_file(path)
    assert _read_gpkg_arrow(path, None) is None  # dates and booleans: the slow way
    got = read_layer(path)
    got.attrs.clear()
    _assert_same_frame(got, _as_read_feature_by_feature(path))
