"""Register tables and files: determinism, safe writes, layers that open in GIS tools."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from parakou_geo import OutputError, address, write_register
from parakou_geo.codes import read_names_csv
from parakou_geo.datasets import load_sample, sample_names_path

DAY = dt.date(2026, 11, 27)


@pytest.fixture(scope="module")
def sample() -> dict[str, gpd.GeoDataFrame]:
    return load_sample()


def _csv_bytes(sample: dict[str, gpd.GeoDataFrame], tmp: Path, seed: int | None) -> bytes:
    roads, bld, zones = sample["roads"], sample["buildings"], sample["zones"]
    if seed is not None:
        rng = np.random.default_rng(seed)
        roads = roads.iloc[rng.permutation(len(roads))]
        bld = bld.iloc[rng.permutation(len(bld))]
        zones = zones.iloc[rng.permutation(len(zones))]
    res = address(roads, bld, zones=zones, names=read_names_csv(sample_names_path()),
                  run_date=DAY)
    out = tmp / f"r{seed}.gpkg"
    csv = tmp / f"r{seed}.csv"
    write_register(res.register, out, csv_path=csv)
    return csv.read_bytes()


def test_same_input_in_any_row_order_gives_a_byte_identical_csv(
    sample: dict[str, gpd.GeoDataFrame], tmp_path: Path
) -> None:
    reference = _csv_bytes(sample, tmp_path, None)
    assert reference.count(b"\n") > 2000
    for seed in (1, 2):
        assert _csv_bytes(sample, tmp_path, seed) == reference


def test_building_ids_generated_without_an_id_column_are_order_independent(
    sample: dict[str, gpd.GeoDataFrame],
) -> None:
    bld = sample["buildings"].drop(columns=["building_id"])
    a = address(sample["roads"], bld, run_date=DAY).register.addresses
    b = address(sample["roads"], bld.iloc[::-1], run_date=DAY).register.addresses
    pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns="geometry")),
                                  pd.DataFrame(b.drop(columns="geometry")))


def test_register_layers_and_columns(sample: dict[str, gpd.GeoDataFrame], tmp_path: Path
                                     ) -> None:
    res = address(sample["roads"], sample["buildings"], zones=sample["zones"], run_date=DAY)
    out = tmp_path / "register.gpkg"
    write_register(res.register, out)
    layers = dict(pyogrio.list_layers(out).tolist())
    assert layers["addresses"] == "Point"
    assert layers["streets"] == "MultiLineString"
    assert layers["unaddressed"] == "Point"
    assert layers["run_info"] is None
    addr = gpd.read_file(out, layer="addresses")
    assert addr.crs.to_epsg() == 32631
    assert (addr["status"] == "proposed").all()
    assert addr["address_id"].is_unique
    assert addr["label"].str.fullmatch(r"\d+( [a-z]+|[A-Z]+)? Rue [123]\.\d{3}").all()
    assert addr["lon"].between(2.5, 2.8).all()
    assert addr["lat"].between(9.2, 9.5).all()
    assert {"nup", "rfu_id"} <= set(addr.columns)
    streets = gpd.read_file(out, layer="streets")
    assert streets["street_code"].is_unique
    assert streets["n_addresses"].sum() == len(addr)
    info = dict(pyogrio.read_dataframe(out, layer="run_info")[["key", "value"]].values)
    assert info["count_addresses"] == str(len(addr))
    assert info["metric_crs"] == "EPSG:32631"
    assert '"method": "metric"' in info["settings"]


def test_nup_keeps_leading_digits_as_text(sample: dict[str, gpd.GeoDataFrame]) -> None:
    bld = sample["buildings"].copy()
    bld.loc[bld.index[0], "nup"] = "000123456"
    res = address(sample["roads"], bld, run_date=DAY)
    a = res.register.addresses.set_index("building_id")
    assert a.loc[bld["building_id"].iloc[0], "nup"] == "000123456"


def test_failed_write_leaves_nothing_behind(
    sample: dict[str, gpd.GeoDataFrame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    res = address(sample["roads"], sample["buildings"], run_date=DAY)
    calls = {"n": 0}
    real = pyogrio.write_dataframe

    def failing(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full (simulated)")
        real(*args, **kwargs)

    monkeypatch.setattr(pyogrio, "write_dataframe", failing)
    with pytest.raises(OutputError, match="the disk is full"):
        write_register(res.register, tmp_path / "r.gpkg", csv_path=tmp_path / "r.csv")
    assert list(tmp_path.iterdir()) == []


def test_existing_register_is_not_replaced(sample: dict[str, gpd.GeoDataFrame],
                                           tmp_path: Path) -> None:
    res = address(sample["roads"], sample["buildings"], run_date=DAY)
    out = tmp_path / "r.gpkg"
    write_register(res.register, out)
    before = out.read_bytes()
    with pytest.raises(OutputError, match="already exists"):
        write_register(res.register, out)
    assert out.read_bytes() == before
    write_register(res.register, out, overwrite=True)
    with pytest.raises(OutputError, match=r"\.gpkg"):
        write_register(res.register, tmp_path / "r.shp")


def test_features_read_through_sqlite_equal_what_gdal_reads(
    sample: dict[str, gpd.GeoDataFrame], tmp_path: Path
) -> None:
    import contextlib

    from parakou_geo.register._storage import connect, read_features

    res = address(sample["roads"], sample["buildings"], zones=sample["zones"], run_date=DAY)
    path = tmp_path / "register.gpkg"
    write_register(res.register, path)
    with contextlib.closing(connect(path)) as con:
        for layer in ("streets", "segments", "zones", "buildings", "unaddressed"):
            ours = read_features(con, layer)
            gdal = pyogrio.read_dataframe(path, layer=layer, fid_as_index=True)
            assert ours.crs == gdal.crs, layer
            assert list(ours.index) == list(gdal.index), layer
            assert list(ours.columns) == list(gdal.columns), layer
            assert ours.geometry.geom_equals_exact(gdal.geometry, 0).all(), layer
            for col in gdal.columns.drop("geometry"):
                mine = [None if pd.isna(v) else v for v in ours[col]]
                theirs = [None if pd.isna(v) else v for v in gdal[col]]
                assert mine == theirs, (layer, col)
        one = read_features(con, "segments", where="street_code = ?",
                            params=(str(res.register.streets["street_code"].iloc[0]),))
        assert len(one) > 0
        assert (one["street_code"] == res.register.streets["street_code"].iloc[0]).all()
