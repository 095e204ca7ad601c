"""The address UUIDs made by Arrow and numpy (``register._uuids``) are those of
:func:`parakou_geo.register.address_uuid` (``uuid.uuid5``), for every kind of name."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from parakou_geo.register import ADDRESS_NAMESPACE, address_uuid, address_uuid_array, address_uuids
from parakou_geo.register._uuids import uuid5_digests


def _names(n: int, seed: int) -> tuple[list[str], list[str], np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    alphabet = [*"abcXYZ0189/-_. ", "é", "ß", "中", "👍", "|"]
    ids = ["".join(rng.choice(alphabet, int(k))) for k in rng.integers(0, 150, n)]
    codes = [f"{rng.integers(1, 9)}.{rng.integers(0, 999):03d}" for _ in range(n)]
    numbers = rng.integers(-5, 10**12, n)
    suffixes = list(rng.choice(["", "bis", "ter", "A", "quater"], n))
    return ids, codes, numbers, suffixes


def _python(ids: list[str], codes: list[str], numbers: np.ndarray,
            suffixes: list[str]) -> list[str]:
    return [address_uuid(*row) for row in zip(ids, codes, numbers.tolist(), suffixes,
                                              strict=True)]


@pytest.mark.parametrize("seed", [0, 1])
def test_many_names_of_one_two_and_three_blocks(seed: int) -> None:
    ids, codes, numbers, suffixes = _names(3_000, seed)
    fast = uuid5_digests(ADDRESS_NAMESPACE.bytes, [ids, codes, numbers, suffixes])
    assert fast is not None  # text and integers: the vectorised path
    want = _python(ids, codes, numbers, suffixes)
    assert list(address_uuids(ids, codes, numbers, suffixes)) == want
    lengths = {16 + len(f"{b}|{c}|{m}|{x}".encode()) for b, c, m, x in
               zip(ids, codes, numbers.tolist(), suffixes, strict=True)}
    assert min(lengths) <= 55 < 56 <= 119 < 120 <= max(lengths)  # 1, 2 and 3 blocks


def test_messages_at_the_padding_boundaries() -> None:
    """Messages of 55, 56, 63, 64, 119 and 120 bytes: padding in one block or the next."""
    fixed = "|1.001|7|"  # 9 bytes of the name besides the id
    ids = ["x" * (total - 16 - len(fixed)) for total in (25, 55, 56, 63, 64, 119, 120, 183,
                                                         184)]
    n = len(ids)
    got = list(address_uuids(ids, ["1.001"] * n, np.full(n, 7), [""] * n))
    assert got == _python(ids, ["1.001"] * n, np.full(n, 7), [""] * n)
    assert [16 + len(f"{i}{fixed}") for i in ids] == [25, 55, 56, 63, 64, 119, 120, 183, 184]


def test_every_kind_of_column_the_register_passes() -> None:
    ids, codes, numbers, suffixes = _names(500, 3)
    want = _python(ids, codes, numbers, suffixes)
    arrow_ids = pa.array(["pad"] * 7 + ids, type=pa.large_string()).slice(7)  # an offset
    chunked = pa.chunked_array([pa.array(codes[:100]), pa.array(codes[100:])])
    forms = [
        (ids, codes, numbers, suffixes),
        (arrow_ids, chunked, pa.array(numbers), np.array(suffixes, dtype=object)),
        (pd.array(ids, dtype="string[pyarrow]"), np.array(codes, dtype=object),
         numbers.tolist(), pd.array(suffixes, dtype="string[pyarrow]")),
    ]
    for form in forms:
        assert uuid5_digests(ADDRESS_NAMESPACE.bytes, list(form)) is not None
        assert list(address_uuids(*form)) == want
        assert address_uuid_array(*form).to_pylist() == want


@pytest.mark.parametrize("suffix", [None, float("nan"), pd.NA, 2.5, True, b"bis"])
def test_values_python_writes_its_own_way_go_to_hashlib(suffix: object) -> None:
    """Missing values, floats, booleans and bytes are written as Python writes them."""
    ids, codes, numbers = ["B1", "B2", "B3"], ["1.001"] * 3, np.array([1, 2, 3])
    suffixes = np.array(["", suffix, "bis"], dtype=object)
    assert uuid5_digests(ADDRESS_NAMESPACE.bytes, [ids, codes, numbers, suffixes]) is None
    assert list(address_uuids(ids, codes, numbers, suffixes)) == _python(
        ids, codes, numbers, list(suffixes))


def test_sha1_of_arrow_messages_is_hashlibs() -> None:
    from parakou_geo.register._uuids import _sha1

    rng = np.random.default_rng(9)
    messages = [rng.bytes(int(k)) for k in rng.integers(0, 300, 2_000)] + [b"", b"abc"]
    got = _sha1(pa.array(messages, type=pa.large_binary()))
    want = np.frombuffer(b"".join(hashlib.sha1(m).digest() for m in messages),
                         dtype=np.uint8).reshape(-1, 20)
    np.testing.assert_array_equal(got, want)
