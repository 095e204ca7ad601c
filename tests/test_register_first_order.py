"""The first build's row order: the same as ``address_order`` on the finished table."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from parakou_geo.register import address_order
from parakou_geo.register.assemble import _first_order

ZONES = st.sampled_from(["1", "2", "10", "03", "A", "zone sud", "É"])
CODES = st.text(alphabet="0123.ABÉé-", min_size=1, max_size=6)


@settings(max_examples=150, deadline=None)
@given(
    streets=st.lists(st.tuples(ZONES, CODES), min_size=1, max_size=8),
    rows=st.lists(st.tuples(st.integers(0, 7), st.booleans(), st.integers(1, 6),
                            st.sampled_from([0.0, 2.5, 2.5000001, 7.0]),
                            st.text(alphabet="bB0123é", min_size=1, max_size=4)),
                  max_size=60, unique_by=lambda r: r[4]),
)
def test_first_order_is_address_order(streets: list[tuple[str, str]],
                                      rows: list[tuple[int, bool, int, float, str]]) -> None:
    table = pd.DataFrame({"zone": [z for z, _ in streets], "street_code": [c for _, c in streets]})
    st_row = np.array([r[0] % len(streets) for r in rows], dtype=np.int64)
    side = np.array(["left" if r[1] else "right" for r in rows], dtype=object)
    number = np.array([r[2] for r in rows], dtype=np.int64)
    distance = np.array([r[3] for r in rows], dtype=np.float64)
    bid = pd.array([r[4] for r in rows], dtype="string[pyarrow]")
    frame = pd.DataFrame({
        "zone": table["zone"].to_numpy(dtype=object)[st_row],
        "street_code": table["street_code"].to_numpy(dtype=object)[st_row],
        "side": side, "number": number, "distance_m": distance, "building_id": bid,
    })
    expected = address_order(frame)
    got = _first_order(table, st_row, side, number, distance, bid)
    assert got.tolist() == expected.tolist()


def test_ties_on_every_key_go_by_building_id() -> None:
    table = pd.DataFrame({"zone": ["1"], "street_code": ["1.001"]})
    st_row = np.zeros(4, dtype=np.int64)
    side = np.array(["left"] * 4, dtype=object)
    bid = pd.array(["b9", "b10", "a", "B"], dtype="string[pyarrow]")
    got = _first_order(table, st_row, side, np.full(4, 3), np.full(4, 12.5), bid)
    assert [bid[i] for i in got] == ["B", "a", "b10", "b9"]  # text order, as the register's
