"""The memory settings of a console run, and tables the register writer takes without copies."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

_POOL = ("from parakou_geo._memory import tune_allocators; {before}tune_allocators(); "
         "import pyarrow as pa; print(pa.default_memory_pool().backend_name)")


def _pool_after_tuning(before: str = "", env: dict[str, str] | None = None) -> str:
    """Backend of Arrow's default pool in a new process that called tune_allocators."""
    full = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    full.update(env or {})
    out = subprocess.run([sys.executable, "-c", _POOL.format(before=before)], env=full,
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_console_run_puts_arrow_on_the_system_heap() -> None:
    import pyarrow as pa

    if "system" not in pa.supported_memory_backends():
        pytest.skip("this pyarrow has no system memory pool")
    assert _pool_after_tuning() == "system"
    # pyarrow already imported (and its pool possibly used): the pool is switched directly
    assert _pool_after_tuning(before="import pyarrow as pa; pa.array([1]); ") == "system"


def test_a_users_arrow_pool_choice_is_kept() -> None:
    import pyarrow as pa

    other = next((b for b in pa.supported_memory_backends() if b != "system"), None)
    if other is None:
        pytest.skip("this pyarrow has only the system memory pool")
    assert _pool_after_tuning(env={"ARROW_DEFAULT_MEMORY_POOL": other}) == other


def test_the_console_entry_point_tunes_and_a_library_call_does_not() -> None:
    code = ("import sys, pyarrow as pa; from parakou_geo.cli import {fn}; sys.argv = "
            "['parakou-geo', '--help']\ntry:\n    {fn}({args})\nexcept SystemExit:\n    pass\n"
            "print(pa.default_memory_pool().backend_name, file=sys.stderr)")
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    console = subprocess.run([sys.executable, "-c", code.format(fn="run", args="")],
                             env=env, capture_output=True, text=True)
    library = subprocess.run([sys.executable, "-c", code.format(fn="main", args="['--help']")],
                             env=env, capture_output=True, text=True)
    assert console.stderr.split()[-1] == "system"
    import pyarrow as pa

    if set(pa.supported_memory_backends()) != {"system"}:  # Arrow's own heap otherwise
        assert library.stderr.split()[-1] != "system"


def _addresses(n: int = 1000) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 1000, (n, 2))
    return gpd.GeoDataFrame({
        "address_id": pd.array([f"id{i}" for i in range(n)], dtype="str"),
        "number": np.arange(n, dtype=np.int64),
        "x": xy[:, 0], "y": xy[:, 1],
        "retired": None,
    }, geometry=shapely.points(xy), crs="EPSG:32631")


def test_the_csv_table_shares_the_registers_columns() -> None:
    from parakou_geo.register import _csv_table

    addresses = _addresses()
    table = _csv_table(addresses)
    assert list(table.columns) == ["address_id", "number", "x", "y", "retired"]
    assert type(table) is pd.DataFrame
    for column in ("number", "x", "y"):  # a million rows of numbers are not copied
        assert np.shares_memory(table[column].to_numpy(), addresses[column].to_numpy())
    pd.testing.assert_frame_equal(table, pd.DataFrame(addresses.drop(columns="geometry")))


def test_the_layer_writer_takes_the_numbers_without_a_copy() -> None:
    from parakou_geo.register._arrow_layer import _attribute_table

    addresses = _addresses()
    table = _attribute_table(addresses)
    assert table is not None
    assert table.column_names == ["address_id", "number", "x", "y", "retired"]
    for column in ("number", "x", "y"):
        data = np.frombuffer(table.column(column).chunk(0).buffers()[1], dtype=np.float64
                             if column != "number" else np.int64)
        assert np.shares_memory(data, addresses[column].to_numpy())
        np.testing.assert_array_equal(data, addresses[column].to_numpy())


def test_the_collector_is_paused_during_a_run_and_back_after(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``address`` runs without the cyclic collector's passes; the collector is back after a
    run, after a run that failed on bad input, and stays off for a caller who had it off."""
    import gc

    from parakou_geo import InputError, pipeline
    from parakou_geo.datasets import load_sample

    seen: list[bool] = []
    real = pipeline.choose_streets

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "choose_streets", spy)
    sample = load_sample()
    assert gc.isenabled()
    result = pipeline.address(sample["roads"], sample["buildings"])
    assert seen == [False]
    assert len(result.register.addresses) > 100
    assert gc.isenabled()
    broken = sample["buildings"].iloc[:0]  # no buildings: an input error
    with pytest.raises(InputError):
        pipeline.address(sample["roads"], broken)
    assert gc.isenabled()
    gc.disable()
    try:
        pipeline.address(sample["roads"], sample["buildings"])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_is_back_when_the_last_of_several_threads_ends() -> None:
    import gc
    import threading

    from parakou_geo._memory import cycle_collection_paused

    inside, leave = threading.Event(), threading.Event()

    def other_run() -> None:
        with cycle_collection_paused():
            inside.set()
            leave.wait(timeout=60)

    thread = threading.Thread(target=other_run)
    thread.start()
    try:
        assert inside.wait(timeout=60)
        with cycle_collection_paused(), cycle_collection_paused():  # nested on this thread
            assert not gc.isenabled()
        assert not gc.isenabled()  # the other thread's run goes on
    finally:
        leave.set()
        thread.join(timeout=60)
    assert gc.isenabled()


def test_the_buildings_handed_to_a_run_are_freed_once_checked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A caller that hands its buildings over (no reference kept) gets their memory back
    before the numbering, collector paused or not: nothing in ``address`` holds them."""
    import weakref

    from parakou_geo import pipeline
    from parakou_geo.datasets import load_sample

    alive: list[bool] = []
    real = pipeline.choose_streets
    sample = load_sample()
    handed = weakref.ref(sample["buildings"])

    def spy(*args: object, **kwargs: object) -> object:
        alive.append(handed() is not None)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "choose_streets", spy)
    pipeline.address(sample.pop("roads"), sample.pop("buildings"))
    assert alive == [False]


def test_address_files_reads_without_the_collector_and_writes_with_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The inputs are read with the collector paused (their million geometries would be
    followed again at each pass); the register is written with it running (that write was
    slower with it paused), and afterwards it is as it was."""
    import gc

    from parakou_geo import pipeline
    from parakou_geo.datasets import sample_path
    from parakou_geo.register import _new_file

    seen: dict[str, bool] = {}
    real_read, real_write = pipeline.read_layer, _new_file.NewRegisterFile.write

    def reading(*args: object, **kwargs: object) -> object:
        seen["read"] = gc.isenabled()
        return real_read(*args, **kwargs)  # type: ignore[arg-type]

    def writing(self: _new_file.NewRegisterFile, register: object) -> None:
        seen["write"] = gc.isenabled()
        real_write(self, register)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "read_layer", reading)
    monkeypatch.setattr(_new_file.NewRegisterFile, "write", writing)
    assert gc.isenabled()
    sample = sample_path()
    pipeline.address_files(sample, sample, roads_layer="roads", buildings_layer="buildings",
                           output=tmp_path / "reg.gpkg")
    assert seen == {"read": False, "write": True}
    assert gc.isenabled()
