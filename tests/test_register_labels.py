"""Exports and maps write street labels with the register's own settings (issue 13, bug 3)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from parakou_geo import AddressingSettings, address, write_register
from parakou_geo.datasets import load_sample
from parakou_geo.exports import bal_table, signage_plan
from parakou_geo.maps import addressing_map


@pytest.fixture(scope="module")
def voie(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A register of the sample built with ``street_prefix = "Voie"``."""
    s = load_sample()
    res = address(s["roads"], s["buildings"], zones=s["zones"], run_date=dt.date(2026, 1, 1),
                  settings=AddressingSettings(street_prefix="Voie"))
    path = tmp_path_factory.mktemp("voie") / "register.gpkg"
    write_register(res.register, path)
    return path


def _unnamed_codes(path: Path) -> list[str]:
    st = pyogrio.read_dataframe(path, layer="streets", read_geometry=False)
    unnamed = st["street_name"].isna() | (st["street_name"].fillna("").str.len() < 3)
    codes = sorted(st.loc[unnamed, "street_code"].astype(str))
    assert codes, "the sample has streets without a name"
    return codes


def test_the_register_labels_use_its_prefix(voie: Path) -> None:
    a = pyogrio.read_dataframe(voie, layer="addresses", read_geometry=False)
    assert a["label"].str.contains(r"^\d+(?: ?\w+)? Voie \d+\.\d{3}$", regex=True).all()


def test_bal_voie_nom_reads_the_register_prefix(voie: Path) -> None:
    table = bal_table(voie)
    addr = pd.DataFrame(pyogrio.read_dataframe(voie, layer="addresses", read_geometry=False))
    unnamed = set(_unnamed_codes(voie))
    on_unnamed = addr[addr["street_code"].isin(unnamed)
                      & addr["status"].isin(["proposed", "current"])]
    expected = sorted(f"Voie {c}" for c in on_unnamed["street_code"])
    got = sorted(v for v in table["voie_nom"] if re.fullmatch(r"\w+ \d+\.\d{3}", v))
    assert got == expected
    assert "Voie 1.002" in got


def test_signage_plates_read_the_register_prefix(voie: Path) -> None:
    plates = signage_plan(voie).plates
    street = plates[plates["kind"] == "street"]
    assert len(street)
    codes = set(_unnamed_codes(voie))
    texts = street.loc[street["street_code"].isin(codes), "plate_text"]
    assert len(texts)
    assert (texts == "Voie " + street.loc[texts.index, "street_code"]).all()


def test_map_street_labels_read_the_register_prefix(voie: Path) -> None:
    html = addressing_map(voie).get_root().render()
    code = _unnamed_codes(voie)[0]
    assert f"Voie {code}" in html
    assert f"Rue {code}" not in html
