"""The one reader of a register file: parakou_geo.register.read.read_register."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import lines, squares

from parakou_geo import AddressingSettings, InputError, address, write_register
from parakou_geo.register.read import read_register

GRID = [[(0, 0), (300, 0)], [(0, 120), (300, 120)], [(150, 0), (150, 120)]]


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    doors = [(20 + 25 * i, 10) for i in range(6)] + [(20 + 25 * i, 110) for i in range(6)]
    res = address(lines(*GRID, names=["Rue A", None, "Rue C"]), squares(doors),
                  run_date=dt.date(2026, 1, 1),
                  settings=AddressingSettings(street_prefix="Voie"))
    out = tmp_path_factory.mktemp("read") / "register.gpkg"
    write_register(res.register, out)
    return out


def test_reads_the_base_layers_and_the_stored_settings(path: Path) -> None:
    reg = read_register(path)
    assert len(reg.addresses) == 12
    assert reg.addresses["label"].str.contains(" Voie ").all()
    assert reg.addresses.crs.to_epsg() == 32631
    assert set(reg.streets["street_code"]) == {"1.001", "1.002", "1.003"}
    assert list(reg.run_info.columns) == ["key", "value"]
    assert reg.meta is not None
    assert '"street_prefix": "Voie"' in reg.meta["settings"]
    assert reg.segments is None
    assert reg.buildings is None


def test_only_the_layers_and_columns_asked_for(path: Path) -> None:
    reg = read_register(path, layers=("addresses", "segments"),
                        columns={"addresses": ("label", "no_such_column")})
    assert list(reg.addresses.columns) == ["label", "geometry"]
    assert len(reg.streets) == 0
    assert reg.segments is not None
    assert len(reg.segments) > 0
    bare = read_register(path, layers=("addresses",), geometry=False).addresses
    assert "geometry" not in bare.columns
    assert len(bare) == 12


def test_fast_points_are_the_stored_points(path: Path) -> None:
    slow = read_register(path, layers=("addresses",))
    fast = read_register(path, layers=("addresses",), fast=True,
                         columns={"addresses": ("address_id",)})
    assert list(fast.addresses.columns) == ["address_id", "geometry"]  # x/y read, then dropped
    assert isinstance(fast.addresses, gpd.GeoDataFrame)
    np.testing.assert_allclose(shapely.get_coordinates(fast.addresses.geometry.array),
                               shapely.get_coordinates(slow.addresses.geometry.array),
                               atol=0.01)


def test_clear_errors(tmp_path: Path, path: Path) -> None:
    with pytest.raises(InputError, match="does not exist; build one with"):
        read_register(tmp_path / "absent.gpkg")
    text = tmp_path / "notes.gpkg"
    text.write_text("not a database")
    with pytest.raises(InputError, match="cannot be read as a GeoPackage"):
        read_register(text)
    only = tmp_path / "only.gpkg"
    read_register(path).streets.to_file(only, layer="streets")
    with pytest.raises(InputError, match="not a parakou_geo register: it has no layer addresses"):
        read_register(only)
    with pytest.raises(ValueError, match="unknown register layer"):
        read_register(path, layers=("adresses",))
