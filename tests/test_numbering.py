"""Door numbers on hand-made streets whose answers are worked out on paper."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import lines, lonlat, shift, squares
from hypothesis import given, settings
from hypothesis import strategies as st

from parakou_geo import AddressingSettings, address
from parakou_geo.numbering import StreetIndex, number_doors, suffix_for

# A 300 m street along y = 0. The centre lies west of it, so its origin is x = 0 and the
# direction of progression is west → east: north of it is the LEFT side (odd numbers).
STREET = [(0.0, 0.0), (300.0, 0.0)]
WEST = (-1000.0, 0.0)
EAST = (1300.0, 0.0)
# door point (square centre), expected number and suffix with the origin at x = 0
BUILDINGS = [
    ((12.0, 10.0), 13, ""),     # left, 12 m → nearest odd (tie 11/13 goes up) = 13
    ((12.0, -10.0), 12, ""),    # right, 12 m → 12
    ((47.4, 8.0), 47, ""),      # left, 47.4 → 47
    ((48.6, 9.0), 49, ""),      # left, 48.6 → 49
    ((100.2, -7.0), 100, ""),   # right, 100.2 → 100
    ((100.9, -30.0), 100, "bis"),  # right, 100.9 → 100, second along the street → bis
    ((101.0, -50.0), 102, ""),  # right, 101.0 → 102 (tie 100/102 goes up)
    ((0.4, 6.0), 1, ""),        # left, 0.4 → 1 (smallest odd)
    ((0.4, -6.0), 2, ""),       # right, 0.4 → 0 → smallest even 2
]


def _run(street: list[tuple[float, float]], centre: tuple[float, float],
         method: str = "metric", suffix_style: str = "latin") -> gpd.GeoDataFrame:
    roads = lines(street, names=["Rue Test"])
    bld = squares([b[0] for b in BUILDINGS])
    s = AddressingSettings(centre=lonlat(centre), method=method,  # type: ignore[arg-type]
                           suffix_style=suffix_style)  # type: ignore[arg-type]
    res = address(roads, bld, settings=s)
    return res.register.addresses.set_index("building_id").sort_index()


@pytest.mark.parametrize("street", [STREET, STREET[::-1]], ids=["drawn-west-east",
                                                                 "drawn-east-west"])
def test_metric_numbers_match_paper(street: list[tuple[float, float]]) -> None:
    got = _run(street, WEST)
    for i, (_, number, suffix) in enumerate(BUILDINGS):
        row = got.loc[f"B{i:02d}"]
        assert (row["number"], row["suffix"]) == (number, suffix), f"B{i:02d}"
        assert row["side"] == ("left" if number % 2 else "right")
    assert got.loc["B05", "label"] == "100 bis Rue 1.001"


def test_origin_and_parity_flip_when_centre_is_on_the_other_side() -> None:
    got = _run(STREET, EAST)
    # origin now at x = 300; north becomes the RIGHT side
    row = got.loc["B00"]  # x = 12, north → distance 288 right → 288
    assert (row["side"], row["number"]) == ("right", 288)
    row = got.loc["B01"]  # x = 12, south → left → 288 ± 1 → 289 (tie goes up)
    assert (row["side"], row["number"]) == ("left", 289)


def test_sequential_numbers() -> None:
    got = _run(STREET, WEST, method="sequential")
    left = got[got.side == "left"].sort_values("distance_m")
    right = got[got.side == "right"].sort_values("distance_m")
    assert left["number"].tolist() == [1, 3, 5, 7, 9][: len(left)]
    assert right["number"].tolist() == [2, 4, 6, 8, 10][: len(right)]
    assert (got["suffix"] == "").all()


def test_decametric_numbers() -> None:
    got = _run(STREET, WEST, method="decametric")
    # B04 at 100.2 m right → 10.02 decametres → 10; B06 at 101 m right → 10.1 → 10 (bis/ter)
    assert got.loc["B04", "number"] == 10
    assert got.loc["B06", "number"] == 10
    assert {got.loc["B05", "suffix"], got.loc["B06", "suffix"]} == {"bis", "ter"}


def test_letter_suffixes() -> None:
    got = _run(STREET, WEST, suffix_style="letters")
    assert got.loc["B05", "suffix"] == "A"
    assert got.loc["B05", "label"] == "100A Rue 1.001"


def test_suffix_sequence() -> None:
    assert [suffix_for(i, "latin") for i in range(1, 10)][-1] == "decies"
    assert all(len(suffix_for(i, "latin")) <= 9 for i in range(1, 10))
    assert suffix_for(28, "letters") == "AB"


def test_many_collisions_switch_whole_street_to_letters() -> None:
    roads = lines(STREET, names=["Rue Test"])
    # 12 buildings behind each other at 50 m along, left side: rank 0..11 needs 11 suffixes
    bld = squares([(50.0, 5.0 + 6 * k) for k in range(12)] + [(150.0, 5.0), (150.0, 11.0)])
    s = AddressingSettings(centre=lonlat(WEST))
    res = address(roads, bld, settings=s)
    sfx = set(res.register.addresses["suffix"])
    assert "bis" not in sfx
    assert {"A", "K"} <= sfx


def test_unaddressed_beyond_max_distance() -> None:
    roads = lines(STREET, names=["Rue Test"])
    bld = squares([(50.0, 99.0), (50.0, 101.5)])
    res = address(roads, bld, settings=AddressingSettings(centre=lonlat(WEST)))
    assert res.register.addresses["building_id"].tolist() == ["B00"]
    un = res.register.unaddressed
    assert un["building_id"].tolist() == ["B01"]
    assert un["reason"].tolist() == ["no_street_in_reach"]
    assert un["distance_to_street_m"].iloc[0] == pytest.approx(101.5, abs=0.1)


def test_number_doors_rejects_crs_mismatch() -> None:
    from parakou_geo.streets import build_streets

    net = build_streets(lines(STREET), centre_xy=(0.0, 0.0))
    doors = gpd.GeoSeries(shapely.points([(1.0, 1.0)]), crs=32632)
    with pytest.raises(ValueError, match="reproject the doors"):
        number_doors(doors, StreetIndex(net.segments))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 300), st.floats(-60, 60).filter(lambda y: abs(y) > 0.5)),
                min_size=1, max_size=40))
def test_parity_side_and_monotonic_along_random_doors(pts: list[tuple[float, float]]) -> None:
    from parakou_geo.streets import build_streets

    net = build_streets(lines(STREET), centre_xy=shift(WEST))
    doors = gpd.GeoSeries(shapely.points([shift(p) for p in pts]), crs=32631)
    out = number_doors(doors, StreetIndex(net.segments))
    left = out["side"] == "left"
    assert ((out["number"] % 2 == 1) == left).all()
    ys = np.array([p[1] for p in pts])
    assert (left.to_numpy() == (ys > 0)).all()
    for _, grp in out.groupby("side"):
        grp = grp.assign(rank=[0 if s == "" else int(suffix_rank(s)) for s in grp["suffix"]])
        grp = grp.sort_values(["distance_m", "number", "rank"])
        keys = list(zip(grp["number"], grp["rank"], strict=True))
        assert keys == sorted(keys)
        assert len(set(keys)) == len(keys)


def suffix_rank(s: str) -> int:
    for r in range(1, 30):
        if suffix_for(r, "latin" if s.islower() else "letters") == s:
            return r
    raise AssertionError(s)
