"""One set of numbering rules: a door added later is numbered as the first build numbers it.

A door added by ``update`` or moved by ``move`` onto a street gets the number the first build
gives it on that street, for the metric and decametric methods (the number is the door's
distance along the street, rounded to its side's parity; only the suffix may differ: the next
free one of that number, every status included, since a number once given is never given
again).

Where the rule intentionally differs (sequential streets: the first build numbers every door
of a side 1, 3, 5... in order along the street, but numbers never change afterwards):

- ``update`` gives a new door the number of the door *before it* on its side (the first
  number of the side when none is before it), then the next free suffix, so a door added
  between 3 and 5 becomes ``3 bis`` where a first build would have made it 5;
- ``move`` gives the moved door the *next free number* of its side (after the highest number
  of that parity ever given on the street), with no suffix.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from conftest import lines, lonlat, squares
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parakou_geo import AddressingSettings, address, write_register
from parakou_geo.numbering import suffix_rank
from parakou_geo.register.lifecycle import move_address
from parakou_geo.register.update import update_register

D0, D1 = dt.date(2026, 1, 10), dt.date(2026, 6, 1)
CENTRE = lonlat((-500, -500))  # street origins at x = 0
METHODS = ("metric", "sequential", "decametric")

#: doors as (slot along the street, side); a door stands at x = 5 * slot, 8 m off the street
doors_st = st.lists(st.tuples(st.integers(1, 79), st.sampled_from([-1, 1])), min_size=1,
                    max_size=8, unique=True)
door_st = st.tuples(st.integers(1, 79), st.sampled_from([-1, 1]))


def _buildings(doors: list[tuple[int, int]], ids: list[str], y0: float = 0.0) \
        -> gpd.GeoDataFrame:
    b = squares([(5.0 * k, y0 + 8.0 * side) for k, side in doors], size=3.0)
    b["building_id"] = ids
    return b


def _numbers(path: Path) -> pd.DataFrame:
    a = pyogrio.read_dataframe(path, layer="addresses", read_geometry=False)
    return pd.DataFrame(a).set_index("building_id")


def _row(frame: pd.DataFrame, building_id: str) -> dict[str, Any]:
    return {str(k): v for k, v in frame.loc[building_id].to_dict().items()}


def _build(tmp: Path, roads: gpd.GeoDataFrame, bld: gpd.GeoDataFrame,
           s: AddressingSettings, name: str) -> Path:
    path = tmp / f"{name}.gpkg"
    path.unlink(missing_ok=True)
    write_register(address(roads, bld, settings=s, run_date=D0).register, path)
    return path


@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(old=doors_st, new=door_st)
def test_a_door_added_by_update_gets_the_first_build_number(
    tmp_path: Path, method: str, old: list[tuple[int, int]], new: tuple[int, int]
) -> None:
    if new in old:
        return
    s = AddressingSettings(method=method, centre=CENTRE)  # type: ignore[arg-type]
    roads = lines([(0, 0), (400, 0)], names=["Rue Test"])
    ids = [f"B{i:02d}" for i in range(len(old))]
    everyone = _buildings([*old, new], [*ids, "NEW"])
    reg = _build(tmp_path, roads, _buildings(old, ids), s, "register")
    update_register(reg, roads, everyone, run_date=D1)
    added = _row(_numbers(reg), "NEW")
    first = _numbers(_build(tmp_path, roads, everyone, s, "first"))
    before = _numbers(_build(tmp_path, roads, _buildings(old, ids), s, "before"))
    side = _row(first, "NEW")["side"]
    assert added["side"] == side
    if method != "sequential":
        assert int(added["number"]) == int(_row(first, "NEW")["number"])
    else:  # the door before it on its side keeps its number: the new door shares it
        same = before[before["side"] == side]
        ahead = same[same["distance_m"] <= float(added["distance_m"])]
        expected = (int(ahead.sort_values("distance_m")["number"].iloc[-1]) if len(ahead)
                    else int(same.sort_values("distance_m")["number"].iloc[0]) if len(same)
                    else (1 if side == "left" else 2))
        assert int(added["number"]) == expected
    # the suffix is the next free one of that number on the street
    taken = before.loc[before["number"] == added["number"], "suffix"].fillna("")
    assert suffix_rank(str(added["suffix"] or "")) == len(taken)


@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(on_b=doors_st, mover=st.integers(1, 79))
def test_a_moved_door_gets_the_first_build_number_of_its_new_street(
    tmp_path: Path, method: str, on_b: list[tuple[int, int]], mover: int
) -> None:
    s = AddressingSettings(method=method, centre=CENTRE)  # type: ignore[arg-type]
    # street A along y = 0, street B along y = 40; the mover stands 8 m north of A
    roads = lines([(0, 0), (400, 0)], [(0, 40), (400, 40)], names=["Rue A", "Rue B"])
    ids = [f"B{i:02d}" for i in range(len(on_b))]
    bld = pd.concat([_buildings([(mover, 1)], ["MOVER"]), _buildings(on_b, ids, y0=40.0)],
                    ignore_index=True)
    reg = _build(tmp_path, roads, bld, s, "register")
    start = _numbers(reg)
    code_b = str(start.loc[ids[0], "street_code"])
    assert start.loc["MOVER", "street_code"] != code_b
    move_address(reg, str(start.loc["MOVER", "address_id"]), to_street=code_b, reason="door")
    moved = _row(_numbers(reg), "MOVER")
    # the first build of the mover alone on street B
    alone = _row(_numbers(_build(tmp_path, roads.iloc[[1]], bld.iloc[[0]], s, "alone")),
                 "MOVER")
    assert moved["side"] == alone["side"]
    on_street = start[start["street_code"] == code_b]
    if method != "sequential":
        assert int(moved["number"]) == int(alone["number"])
        taken = on_street.loc[on_street["number"] == moved["number"], "suffix"].fillna("")
        assert suffix_rank(str(moved["suffix"] or "")) == len(taken)
    else:  # the next free number of its side
        odd = moved["side"] == "left"
        side = on_street["number"][(on_street["number"] % 2 == 1) == odd]
        expected = int(side.max()) + 2 if len(side) else (1 if odd else 2)
        assert int(moved["number"]) == expected
        assert (moved["suffix"] or "") == ""
