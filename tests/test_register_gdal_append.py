"""Rows handed to GDAL directly, outside the GIL (``register/_gdal_append.py``): the same
function pyogrio calls, GDAL's errors reported as pyogrio reports them, nothing printed."""

from __future__ import annotations

import contextlib
import ctypes
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyogrio
import pytest
import shapely

from parakou_geo.register import _gdal_append

pytestmark = pytest.mark.skipif(not _gdal_append.available(),
                                reason="GDAL cannot be called directly on this platform")


def _table(n: int, start: int = 0) -> pa.Table:
    xy = np.c_[np.arange(start, start + n) * 10.0 + 452_000, np.full(n, 1_030_000.0)]
    return pa.table({
        "name": pa.array([f"n{i}" for i in range(start, start + n)]),
        "number": pa.array(np.arange(start, start + n), pa.int64()),
        "geometry": pa.array(shapely.to_wkb(shapely.points(xy)), pa.binary()),
    })


def _new_layer(path: Path, schema: pa.Schema) -> None:
    pyogrio.write_arrow(schema.empty_table(), path, layer="things", driver="GPKG",
                        geometry_name="geometry", geometry_type="Point", crs="EPSG:32631")


def _rows(path: Path) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(path)) as con:
        return con.execute("SELECT fid, name, number FROM things ORDER BY fid").fetchall()


def test_gdal_is_called_without_the_gil() -> None:
    lib = _gdal_append._gdal()
    # a CDLL (not a PyDLL): ctypes releases the GIL around each call of its functions
    assert isinstance(lib, ctypes.CDLL)
    assert not isinstance(lib, ctypes.PyDLL)
    python_api = ctypes._FUNCFLAG_PYTHONAPI  # type: ignore[attr-defined]
    assert not lib.OGR_L_WriteArrowBatch._flags_ & python_api


def test_batches_are_appended_in_order(tmp_path: Path) -> None:
    path = tmp_path / "a.gpkg"
    table = _table(25)
    _new_layer(path, table.schema)
    _gdal_append.append_batches(str(path), "things", table.to_batches(max_chunksize=4))
    assert _rows(path) == [(i + 1, f"n{i}", i) for i in range(25)]
    back = pyogrio.read_dataframe(path, layer="things")
    assert back.crs.to_epsg() == 32631
    assert shapely.equals(np.asarray(back.geometry.array),
                          shapely.from_wkb(table["geometry"].to_numpy(False))).all()


def test_a_missing_file_or_layer_is_reported(tmp_path: Path,
                                             capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(pyogrio.errors.DataSourceError, match=r"nowhere\.gpkg"):
        _gdal_append.append_batches(str(tmp_path / "nowhere.gpkg"), "things", [])
    path = tmp_path / "a.gpkg"
    _new_layer(path, _table(1).schema)
    with pytest.raises(pyogrio.errors.DataLayerError, match="'others'"):
        _gdal_append.append_batches(str(path), "others", _table(3).to_batches())
    assert "ERROR" not in capfd.readouterr().err  # GDAL printed nothing of its own


def test_gdals_failure_is_raised_with_its_message(tmp_path: Path,
                                                  capfd: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.gpkg"
    _new_layer(path, _table(1).schema)
    wrong = _table(3).append_column("extra", pa.array([1.0, 2.0, 3.0]))  # no such field
    with pytest.raises(pyogrio.errors.DataLayerError, match=r"(?i)extra"):
        _gdal_append.append_batches(str(path), "things", wrong.to_batches())
    assert "ERROR" not in capfd.readouterr().err
    assert _rows(path) == []
    # the file was closed: it takes rows again
    _gdal_append.append_batches(str(path), "things", _table(2).to_batches())
    assert len(_rows(path)) == 2


def test_an_error_of_the_batches_reaches_the_caller_and_the_file_is_closed(
        tmp_path: Path) -> None:
    path = tmp_path / "a.gpkg"
    _new_layer(path, _table(1).schema)

    def batches() -> Iterator[pa.RecordBatch]:
        yield from _table(5).to_batches()
        raise MemoryError("no room for the second batch")

    with pytest.raises(MemoryError, match="second batch"):
        _gdal_append.append_batches(str(path), "things", batches())
    assert [r[0] for r in _rows(path)] == [1, 2, 3, 4, 5]  # the first batch, written
    _gdal_append.append_batches(str(path), "things", _table(2, start=5).to_batches())
    assert [r[2] for r in _rows(path)] == list(range(7))


def test_a_gdal_without_the_arrow_writer_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """A GDAL older than 3.8 (no ``OGR_L_WriteArrowBatch``) or a loader that does not find
    GDAL's functions through pyogrio's module (Windows): the rows go through pyogrio."""

    class NoArrowWriter:
        def __init__(self, path: str) -> None:
            self.path = path

        def __getattr__(self, name: str) -> object:
            raise AttributeError(name)

    monkeypatch.setattr(ctypes, "CDLL", NoArrowWriter)
    _gdal_append._gdal.cache_clear()
    try:
        assert not _gdal_append.available()
        with pytest.raises(RuntimeError, match="through pyogrio"):
            _gdal_append.append_batches("x.gpkg", "things", [])
    finally:
        monkeypatch.undo()
        _gdal_append._gdal.cache_clear()
    assert _gdal_append.available()
