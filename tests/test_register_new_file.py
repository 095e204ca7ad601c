"""A register written by ``address_files(output=...)``: footprints ahead, same file, nothing left.

``address_files`` given an output writes the register's footprints on a thread while the
streets are numbered (``register/_new_file.py``), then the rest. The file must hold what
``write_register`` writes; a run that fails (or is stopped) while the footprints are being
written must stop that thread and leave no file; an existing output is refused before any work.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import types
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest

from parakou_geo import pipeline
from parakou_geo._errors import OutputError
from parakou_geo.datasets import sample_names_path, sample_path
from parakou_geo.register import _arrow_layer, _new_file, _write, write_register

#: Tables whose rows name the run (ids, times): compared by their keys only.
_RUN_TABLES = {"meta", "run_info", "runs"}
_VOLATILE_COLUMNS = {"last_change", "update_time"}


def _sample_run(**kwargs: Any) -> pipeline.AddressingResult:
    sample = sample_path()
    return pipeline.address_files(
        sample, sample, zones=sample, quartiers=sample, names=sample_names_path(),
        roads_layer="roads", buildings_layer="buildings", zones_layer="zones",
        quartiers_layer="quartiers", **kwargs)


def _content(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows (sorted), indexes and triggers of a GeoPackage, but the run's ids."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with contextlib.closing(sqlite3.connect(path)) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        out["schema"] = sorted(con.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE "
            "'sqlite_%'").fetchall())
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'")]
        for table in tables:
            columns = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')
                       if r[1] not in _VOLATILE_COLUMNS]
            if table in _RUN_TABLES:
                columns = columns[:1]
            names = ", ".join(f'"{c}"' for c in columns)
            out[table] = sorted(con.execute(f'SELECT {names} FROM "{table}"').fetchall(),
                                key=repr)
        for name in ("rtree_addresses_geom", "rtree_buildings_geom"):
            assert con.execute(f"SELECT rtreecheck('{name}')").fetchone()[0] == "ok"
    return out


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The sample written both ways, and which thread wrote the footprints when."""
    d = tmp_path_factory.mktemp("new_file")
    events: list[tuple[str, str]] = []
    real = _write.write_footprints

    def spy(*args: Any, **kwargs: Any) -> None:
        events.append(("footprints", threading.current_thread().name))
        real(*args, **kwargs)
        events.append(("footprints done", threading.current_thread().name))

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_write, "write_footprints", spy)
        ahead = _sample_run(output=d / "ahead.gpkg", csv_path=d / "ahead.csv",
                            progress=lambda step: events.append((step, "")))
    plain = _sample_run()
    write_register(plain.register, d / "plain.gpkg", csv_path=d / "plain.csv")
    return {"dir": d, "events": events, "ahead": ahead, "plain": plain}


def test_the_footprints_are_written_on_a_thread_while_the_streets_are_numbered(
        written: dict[str, Any]) -> None:
    steps = [name for name, _ in written["events"]]
    assert steps.index("footprints") < steps.index("streets") < steps.index("numbering")
    thread = dict(written["events"])["footprints"]
    assert thread.startswith("register-footprints"), thread


def test_the_file_holds_what_write_register_writes(written: dict[str, Any]) -> None:
    d = written["dir"]
    ahead, plain = _content(d / "ahead.gpkg"), _content(d / "plain.gpkg")
    assert ahead.keys() == plain.keys()
    for table in ahead:
        assert ahead[table] == plain[table], table
    assert len(ahead["buildings"]) == 2765  # every prepared building has its footprint
    assert (d / "ahead.csv").read_bytes() == (d / "plain.csv").read_bytes()
    # the returned tables are those of a run without output
    pd.testing.assert_frame_equal(written["ahead"].register.addresses,
                                  written["plain"].register.addresses)


def test_the_layers_read_back_as_written(written: dict[str, Any]) -> None:
    d = written["dir"]
    result = written["ahead"]
    footprints = gpd.read_file(d / "ahead.gpkg", layer="buildings")
    assert footprints["building_id"].tolist() == \
        result.register.buildings["building_id"].tolist()
    assert footprints.geometry.geom_equals(result.register.buildings.geometry).all()
    assert footprints.crs == result.register.buildings.crs
    assert len(gpd.read_file(d / "ahead.gpkg", layer="addresses")) == 2735


def test_an_existing_output_is_refused_before_the_inputs_are_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[object] = []
    monkeypatch.setattr(pipeline, "read_layer", lambda *a, **k: read.append(a))
    (tmp_path / "reg.gpkg").write_bytes(b"kept")
    with pytest.raises(OutputError, match="already exists"):
        _sample_run(output=tmp_path / "reg.gpkg")
    (tmp_path / "addresses.csv").write_bytes(b"kept")
    with pytest.raises(OutputError, match="already exists"):
        _sample_run(output=tmp_path / "other.gpkg", csv_path=tmp_path / "addresses.csv")
    assert read == []
    assert (tmp_path / "reg.gpkg").read_bytes() == b"kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["addresses.csv", "reg.gpkg"]


def test_a_csv_without_an_output_is_a_mistake() -> None:
    with pytest.raises(ValueError, match="give output too"):
        _sample_run(csv_path="addresses.csv")


class _Signalling(threading.Event):
    """An event that also sets ``on_set`` (the test's view of the stop signal)."""

    on_set = threading.Event()

    def set(self) -> None:
        super().set()
        type(self).on_set.set()


def test_a_run_failing_while_the_footprints_are_written_stops_them_and_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The numbering fails while the footprints' thread is between two slices: the thread
    is told to stop, stops at the next slice, and no file is left in the folder."""
    started = threading.Event()
    _Signalling.on_set = threading.Event()
    # the module's own view of threading (threads made elsewhere make events too)
    monkeypatch.setattr(_new_file, "threading", types.SimpleNamespace(Event=_Signalling))
    monkeypatch.setattr(_arrow_layer, "ROWS_PER_BATCH", 64)  # 44 slices for the sample
    real_wkb = _arrow_layer._wkb
    slices: list[int] = []

    def slow_wkb(*args: Any, **kwargs: Any) -> Any:
        slices.append(1)
        if len(slices) == 1:
            started.set()
            assert _Signalling.on_set.wait(60), "the run never asked the thread to stop"
        return real_wkb(*args, **kwargs)

    monkeypatch.setattr(_arrow_layer, "_wkb", slow_wkb)
    outcome: list[BaseException | None] = []
    real_footprints = _write.write_footprints

    def recording(*args: Any, **kwargs: Any) -> None:
        try:
            real_footprints(*args, **kwargs)
        except BaseException as exc:
            outcome.append(exc)
            raise
        outcome.append(None)

    monkeypatch.setattr(_write, "write_footprints", recording)

    def failing_numbering(*args: Any, **kwargs: Any) -> Any:
        assert started.wait(60)
        raise RuntimeError("numbering failed")

    monkeypatch.setattr(pipeline, "choose_streets", failing_numbering)
    with pytest.raises(RuntimeError, match="numbering failed"):
        _sample_run(output=tmp_path / "reg.gpkg", csv_path=tmp_path / "reg.csv")
    assert len(outcome) == 1
    assert isinstance(outcome[0], _arrow_layer.WriteStoppedError)
    assert len(slices) == 1  # stopped before the second slice was made
    assert list(tmp_path.iterdir()) == []
    assert not [t for t in threading.enumerate() if t.name.startswith("register-footprints")]


def test_tables_changed_after_the_footprints_were_written_are_written_anew(
        tmp_path: Path) -> None:
    result = _sample_run()
    register = result.register
    full = register.buildings
    with _new_file.new_register_file(tmp_path / "reg.gpkg", csv_path=None,
                                     overwrite=False) as out:
        out.write_footprints_ahead(full)
        register.buildings = full.iloc[:100]  # another frame than the one written ahead
        out.write(register)
    written = gpd.read_file(tmp_path / "reg.gpkg", layer="buildings")
    assert written["building_id"].tolist() == full["building_id"].iloc[:100].tolist()
    write_register(register, tmp_path / "plain.gpkg")
    assert _content(tmp_path / "reg.gpkg") == _content(tmp_path / "plain.gpkg")


def test_a_block_that_writes_nothing_leaves_nothing(tmp_path: Path) -> None:
    result = _sample_run()
    with pytest.raises(RuntimeError, match="not written"), \
            _new_file.new_register_file(tmp_path / "reg.gpkg", csv_path=None,
                                        overwrite=False) as out:
        out.write_footprints_ahead(result.register.buildings)
    assert list(tmp_path.iterdir()) == []


def test_a_register_made_by_someone_else_meanwhile_is_not_replaced(tmp_path: Path) -> None:
    result = _sample_run()
    final = tmp_path / "reg.gpkg"

    def theirs_meanwhile() -> None:
        with _new_file.new_register_file(final, csv_path=None, overwrite=False) as out:
            out.write(result.register)
            final.write_bytes(b"theirs")

    with pytest.raises(OutputError, match="was created while"):
        theirs_meanwhile()
    assert final.read_bytes() == b"theirs"
    assert [p.name for p in tmp_path.iterdir()] == ["reg.gpkg"]
