"""The mass-change guard of updates, and building ids matched whatever their type."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from conftest import lines, lonlat, squares

from parakou_geo import AddressingSettings, MassChangeError, address, write_register
from parakou_geo.cli import main
from parakou_geo.register.update import update_register

GRID = [[(0, 0), (600, 0)], [(0, 120), (600, 120)], [(300, 0), (300, 120)]]
SETTINGS = AddressingSettings(centre=lonlat((-500, -500)))
N = 40


def _buildings(ids: object) -> gpd.GeoDataFrame:
    b = squares([(10 + 14 * i, 8) for i in range(N)])
    b["building_id"] = ids
    return b


@pytest.fixture
def register(tmp_path: Path) -> Path:
    """A register of 40 buildings whose ids are the integers 1..40."""
    res = address(lines(*GRID), _buildings(np.arange(1, N + 1)), settings=SETTINGS)
    path = tmp_path / "register.gpkg"
    write_register(res.register, path)
    return path


def _labels(path: Path) -> pd.Series:
    a = pyogrio.read_dataframe(path, layer="addresses", read_geometry=False)
    return a.set_index("building_id")["label"].sort_index()


@pytest.mark.parametrize("ids", [
    np.arange(1, N + 1).astype(float),  # 1 -> 1.0: the column was read as float
    [f"{i}.0" for i in range(1, N + 1)],  # "1.0" written as text
    [f" {i} " for i in range(1, N + 1)],  # stray spaces
])
def test_ids_that_changed_type_still_match(register: Path, ids: object) -> None:
    before = _labels(register)
    rep = update_register(register, lines(*GRID), _buildings(ids))
    assert rep.counts["retired"] == 0
    assert rep.counts["added"] == 0
    pd.testing.assert_series_equal(_labels(register), before)


def test_zero_padded_text_ids_are_refused_with_the_cause(register: Path) -> None:
    before = register.read_bytes()
    with pytest.raises(MassChangeError, match=r"retire 40 of the register's 40") as err:
        update_register(register, lines(*GRID),
                        _buildings([f"{i:06d}" for i in range(1, N + 1)]))
    assert "changed type" in str(err.value)
    assert "'000001'" in str(err.value)
    assert "The register is unchanged" in str(err.value)
    assert register.read_bytes() == before  # byte-identical


def test_a_renamed_id_column_is_named_in_the_refusal(register: Path) -> None:
    before = register.read_bytes()
    b = _buildings([f"x{i}" for i in range(N)])
    b["ref_bati"] = np.arange(1, N + 1)
    with pytest.raises(MassChangeError, match="column 'ref_bati' holds the register's"):
        update_register(register, lines(*GRID), b)
    assert register.read_bytes() == before


def test_a_file_missing_most_features_is_refused(register: Path) -> None:
    before = register.read_bytes()
    with pytest.raises(MassChangeError, match="has only 10 features for 40 active"):
        update_register(register, lines(*GRID), _buildings(np.arange(1, N + 1)).iloc[:10])
    assert register.read_bytes() == before


def test_small_changes_pass_and_the_limit_is_settable(register: Path) -> None:
    keep = _buildings(np.arange(1, N + 1))
    # 2 of 40 gone (5 %): within the default limit
    rep = update_register(register, lines(*GRID), keep.iloc[2:])
    assert rep.counts["retired"] == 2
    # 6 more gone is 15 %: refused at 5 %, accepted with a 20 % limit
    with pytest.raises(MassChangeError, match="retire 6 of the register's 38"):
        update_register(register, lines(*GRID), keep.iloc[8:])
    rep = update_register(register, lines(*GRID), keep.iloc[8:], max_change_share=0.2)
    assert rep.counts["retired"] == 6


def test_the_cli_refuses_then_accepts_with_the_flag(
    register: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roads, bld = tmp_path / "roads.gpkg", tmp_path / "bld.gpkg"
    lines(*GRID).to_file(roads)
    _buildings([f"{i:06d}" for i in range(1, N + 1)]).to_file(bld)
    before = register.read_bytes()
    args = ["-q", "update", str(register), "--roads", str(roads), "--buildings", str(bld),
            "--changes", str(tmp_path / "ch.csv")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "--allow-mass-retirement" in err
    assert "Traceback" not in err
    assert register.read_bytes() == before
    assert not (tmp_path / "ch.csv").exists()
    assert main([*args, "--allow-mass-retirement"]) == 0
    assert (pyogrio.read_dataframe(register, layer="addresses", read_geometry=False)["status"]
            == "retired").sum() == N
