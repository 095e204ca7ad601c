"""The register CSV written through Arrow has exactly the bytes pandas would write."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parakou_geo import register
from parakou_geo.register import write_addresses_csv

TEXT = st.one_of(st.none(), st.text(alphabet=st.sampled_from(list('ab ,"\n\r\t=+-éü€1.')),
                                    max_size=6))
FLOAT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e7, max_value=1e7).map(lambda v: round(v, 3)),
    st.sampled_from([0.0, -0.0, 100.0, 1e-4, 9.9999e-5, 1e10, 9999999999.5, 1e16, 5e-324]),
)


def _pandas_bytes(frame: pd.DataFrame, path: Path) -> bytes:
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return path.read_bytes()


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(TEXT, FLOAT, st.integers(-2**62, 2**62), st.booleans(), TEXT),
                     min_size=1, max_size=30))
def test_same_bytes_as_pandas(tmp_path_factory: pytest.TempPathFactory,
                              rows: list[tuple[object, ...]]) -> None:
    tmp = tmp_path_factory.mktemp("csv")
    frame = pd.DataFrame(rows, columns=["label", "distance_m", "number", "official", "a,b"])
    frame["label"] = frame["label"].astype(object)
    frame["as_str"] = frame["a,b"].astype("str")  # pandas' own text dtype
    assert register._arrow_csv_ok(frame)
    write_addresses_csv(frame, tmp / "fast.csv")
    assert (tmp / "fast.csv").read_bytes() == _pandas_bytes(frame, tmp / "pandas.csv")


def test_chunks_join_into_the_same_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"label": [f"{i} Rue 1.00{i % 7}" for i in range(1000)],
                          "x": np.round(rng.uniform(4e5, 5e5, 1000), 2),
                          "note": [None if i % 3 else 'dit "le grand", nord' for i in range(1000)]})
    monkeypatch.setattr(register, "_CSV_CHUNK_ROWS", 64)
    write_addresses_csv(frame, tmp_path / "fast.csv")
    assert (tmp_path / "fast.csv").read_bytes() == _pandas_bytes(frame, tmp_path / "p.csv")


def test_other_column_types_fall_back_to_pandas(tmp_path: Path) -> None:
    frame = pd.DataFrame({"day": pd.to_datetime(["2026-11-29", None]), "n": [1, None],
                          "mixed": [1, "a"]})
    assert not register._arrow_csv_ok(frame)
    write_addresses_csv(frame, tmp_path / "f.csv")
    assert (tmp_path / "f.csv").read_bytes() == _pandas_bytes(frame, tmp_path / "p.csv")
