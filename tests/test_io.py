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
