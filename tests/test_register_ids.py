"""Vectorised address ids: the same text as one uuid5 per address."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parakou_geo.register import ADDRESS_NAMESPACE, address_uuid, address_uuids

PART = st.text(max_size=12)


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(st.tuples(PART, PART, st.integers(0, 10**6),
                               st.one_of(st.none(), st.sampled_from(["", "bis", "A"]), PART)),
                     max_size=40))
def test_vectorised_ids_equal_uuid5(rows: list[tuple[str, str, int, str | None]]) -> None:
    ids = address_uuids([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
                        [r[3] for r in rows])
    assert list(ids) == [address_uuid(*r) for r in rows]  # type: ignore[arg-type]
    assert all(uuid.UUID(i).version == 5 for i in ids)


def test_known_id() -> None:
    expected = str(uuid.uuid5(ADDRESS_NAMESPACE, "B01875|1.001|25|"))
    assert address_uuids(["B01875"], ["1.001"], [25], [""])[0] == expected
    assert address_uuids([], [], [], []).shape == (0,)


def test_ids_made_by_chunks_equal_uuid5_across_chunk_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages are hashed a chunk at a time: every chunk end keeps its row's id."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    import parakou_geo.register as reg

    monkeypatch.setattr(reg, "_UUID_CHUNK", 3)
    n = 10
    bid = [f"b{i:07d}" for i in range(n)]
    code = np.array([f"1.{i:03d}" for i in range(n)], dtype=object)
    num = np.arange(100, 100 + n, dtype=np.int64)
    sfx = np.array(["", "bis", None, "A"] * 2 + ["", ""], dtype=object)
    expected = [str(uuid.uuid5(ADDRESS_NAMESPACE, f"{b}|{c}|{m}|{x}"))
                for b, c, m, x in zip(bid, code, num.tolist(), sfx, strict=True)]
    for ids in (bid, pd.array(bid, dtype="string[pyarrow]"), pa.array(bid), iter(bid)):
        assert reg.address_uuid_array(ids, code, num, sfx).to_pylist() == expected
    assert list(reg.address_uuids(bid, code, num, sfx)) == expected
