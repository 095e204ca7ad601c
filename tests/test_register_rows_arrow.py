"""The Arrow shortcuts of the register rows give exactly what the per-value code gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from parakou_geo.numbering import LATIN_SUFFIXES
from parakou_geo.register import address_uuid, address_uuid_array, address_uuids
from parakou_geo.register.labels import make_labels
from parakou_geo.register.rows import _labels, text_column

_SUFFIX = st.sampled_from(["", "A", "B", "Z", "AA", *LATIN_SUFFIXES])
_CODE = st.text(min_size=1, max_size=8)


@given(st.lists(st.tuples(st.integers(-5, 10**6), _SUFFIX, _CODE), min_size=1, max_size=40),
       st.sampled_from(["Rue", "Voie", "Ruelle é"]))
def test_arrow_labels_are_make_labels(rows: list[tuple[int, str, str]], prefix: str) -> None:
    number = np.array([r[0] for r in rows], dtype=np.int64)
    suffix = np.array([r[1] for r in rows], dtype=object)
    code = np.array([r[2] for r in rows], dtype=object)
    got = _labels(number, suffix, code, prefix)
    assert list(pd.Series(text_column(got))) == make_labels(number, suffix, code, prefix)


def test_labels_fall_back_for_missing_parts_and_float_numbers() -> None:
    code = np.array(["1.001", None], dtype=object)
    assert _labels(np.array([1, 2]), np.array(["", "bis"], dtype=object), code, "Rue") == \
        make_labels(np.array([1, 2]), np.array(["", "bis"], dtype=object), code, "Rue")
    number = np.array([3.0])
    assert _labels(number, np.array([""], dtype=object), np.array(["1.001"], dtype=object),
                   "Rue") == ["3.0 Rue 1.001"]


@pytest.mark.parametrize("values", [
    np.array(["a", None, "c"], dtype=object),
    np.array(["a", np.nan, "é"], dtype=object),
    np.array([None, None], dtype=object),
    np.array([], dtype=object),
    np.array([1, 2], dtype=object),
    np.array(["a", 2], dtype=object),
    np.array([1.5, 2.5]),
])
def test_text_column_gives_the_column_pandas_infers(values: np.ndarray) -> None:
    expected = pd.DataFrame({"c": values})["c"]
    got = pd.DataFrame({"c": text_column(values)})["c"]
    assert got.dtype == expected.dtype
    pd.testing.assert_series_equal(got, expected)


@given(st.lists(st.tuples(st.text(min_size=1), _CODE, st.integers(0, 10**6), _SUFFIX),
                min_size=1, max_size=30))
def test_uuid_array_is_address_uuid(rows: list[tuple[str, str, int, str]]) -> None:
    cols = list(zip(*rows, strict=True))
    got = address_uuid_array(*cols).to_pylist()
    assert got == [address_uuid(*r) for r in rows]
    assert got == list(address_uuids(*cols))


def test_the_two_dates_share_their_text_but_change_alone() -> None:
    """``created`` and ``updated`` are one Arrow text (no second million dates in memory),
    yet a date set in one column of the register's rows is set in that column only."""
    from parakou_geo.datasets import load_sample
    from parakou_geo.pipeline import address

    rows = address(*(load_sample()[k] for k in ("roads", "buildings"))).register.addresses
    created, updated = (rows[c].array for c in ("created", "updated"))
    if hasattr(created, "_pa_array"):  # pandas keeps text as Arrow: the buffers are shared
        buffers = {c._pa_array.chunk(0).buffers()[2].address for c in (created, updated)}
        assert len(buffers) == 1
    day = rows["created"].iloc[0]
    rows.loc[rows.index[:10], "updated"] = "2030-01-01"
    assert (rows["created"] == day).all()
    assert (rows["updated"].iloc[:10] == "2030-01-01").all()
    assert (rows["updated"].iloc[10:] == day).all()
    rows.iloc[-1, rows.columns.get_loc("created")] = "2029-12-31"
    assert rows["updated"].iloc[-1] == day


def test_repeated_copies_are_separate_columns_of_one_text() -> None:
    """The copies go into a frame as they are (``copy=False``, as the rows are built): a
    value set in one copy is not seen in the other."""
    from parakou_geo.register.rows import _repeated

    first, second = _repeated("2026-12-07", 5, copies=2)
    frame = pd.DataFrame({"created": first, "updated": second, "n": np.arange(5)},
                         copy=False)
    frame.loc[frame["n"] > 2, "updated"] = "2027-01-01"
    assert frame["created"].tolist() == ["2026-12-07"] * 5
    assert frame["updated"].tolist() == ["2026-12-07"] * 3 + ["2027-01-01"] * 2
