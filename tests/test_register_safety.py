"""Safe writes: a killed update, two updates at once, unknown versions, styles for QGIS."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from conftest import lines, lonlat, squares

from parakou_geo import AddressingSettings, RegisterError, address, write_register
from parakou_geo.exports._input import load_register
from parakou_geo.register._transaction import read_meta

GRID = [[(0, 0), (300, 0)], [(0, 120), (300, 120)], [(150, 0), (150, 120)]]


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    roads = lines(*GRID, names=["Rue A", "Rue B", "Rue C"])
    bld = squares([(20 + 25 * i, 8) for i in range(10)])
    res = address(roads, bld, settings=AddressingSettings(centre=lonlat((-500, 0))))
    path = tmp_path / "register.gpkg"
    write_register(res.register, path)
    rp, bp = tmp_path / "roads.gpkg", tmp_path / "buildings.gpkg"
    roads.to_file(rp)
    more = squares([(20 + 25 * i, 8) for i in range(10)] + [(40, 110), (90, 110)])
    more.to_file(bp)
    return path, rp, bp


def _start(path: Path, rp: Path, bp: Path, pause: float | str | None) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env.pop("PARAKOU_GEO_PAUSE_BEFORE_COMMIT", None)
    if pause is not None:
        env["PARAKOU_GEO_PAUSE_BEFORE_COMMIT"] = str(pause)
    return subprocess.Popen(
        [sys.executable, "-m", "parakou_geo.cli", "-q", "update", str(path), "--roads",
         str(rp), "--buildings", str(bp), "--changes", str(path.with_suffix(".csv"))],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_pause(proc: subprocess.Popen[str]) -> None:
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    for line in proc.stderr:
        if "pausing" in line:
            return
        assert time.monotonic() < deadline
    proc.communicate()
    pytest.fail(f"the update ended before pausing (exit {proc.returncode})")


def _count(path: Path) -> int:
    return len(pyogrio.read_dataframe(path, layer="addresses", read_geometry=False))


def test_killed_update_leaves_the_previous_register_intact(
    setup: tuple[Path, Path, Path]
) -> None:
    path, rp, bp = setup
    before = path.read_bytes()
    proc = _start(path, rp, bp, pause=60)
    _wait_for_pause(proc)  # every change is made, none committed
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    # the change lived in memory: the file is untouched; SQLite ignores (or, had the change
    # reached the file, would roll back) the journal the dead transaction left beside it
    assert path.read_bytes() == before
    assert _count(path) == 10  # GDAL reads the previous register
    read_meta(path)
    assert path.read_bytes() == before
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # the lock died with the process: the next update runs
    proc = _start(path, rp, bp, pause=None)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert _count(path) == 12
    assert sorted(p.name for p in path.parent.glob("register.gpkg*")) == ["register.gpkg"]


def test_killed_update_whose_changes_reached_the_file_is_rolled_back(
    setup: tuple[Path, Path, Path]
) -> None:
    """With a tiny page cache the change spills into the file before the commit; SQLite's
    journal then brings the previous register back on the next open."""
    path, rp, bp = setup
    before = path.read_bytes()
    script = (
        "import logging, sys\n"
        "logging.basicConfig()\n"
        "import parakou_geo.register._transaction as g\n"
        "g._CACHE_KIB = 1  # SQLite's smallest page cache: changed pages go to the file early\n"
        "from parakou_geo.register.update import update_register_files\n"
        "update_register_files(sys.argv[1], sys.argv[2], sys.argv[3])\n"
    )
    env = dict(os.environ, PARAKOU_GEO_PAUSE_BEFORE_COMMIT="60")
    proc = subprocess.Popen([sys.executable, "-c", script, str(path), str(rp), str(bp)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_pause(proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    journal = Path(f"{path}-journal")
    assert journal.exists()
    assert journal.stat().st_size > 0
    assert path.read_bytes() != before  # the unfinished change did reach the file
    # GDAL opens files read-only and cannot undo it; our readers first open it for writing
    with pytest.raises(pyogrio.errors.DataSourceError, match="readonly"):
        _count(path)
    assert len(load_register(path).addresses) == 10  # as `parakou-geo export` reads it
    assert not journal.exists()
    assert path.read_bytes() == before
    assert _count(path) == 10
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_update_killed_at_random_moments_never_damages_the_register(
    setup: tuple[Path, Path, Path]
) -> None:
    path, rp, bp = setup
    for delay in (0.3, 0.9, 1.5, 2.2):
        proc = _start(path, rp, bp, pause=None)
        time.sleep(delay)
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGKILL)
        proc.communicate()
        read_meta(path)  # always a readable register of the right version
        assert _count(path) in (10, 12)
        with sqlite3.connect(path) as con:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_second_concurrent_update_fails_clearly_and_nothing_is_corrupted(
    setup: tuple[Path, Path, Path]
) -> None:
    path, rp, bp = setup
    # the first update holds the register until the test writes a line to its stdin: the
    # second one runs while it is held however slowly either process starts (no fixed pause)
    first = _start(path, rp, bp, pause="stdin")
    _wait_for_pause(first)
    second = _start(path, rp, bp, pause=None)
    _, err = second.communicate(timeout=120)
    assert second.returncode == 2
    assert "being changed by another process" in err
    assert "Traceback" not in err
    first.communicate("go\n", timeout=120)
    assert first.returncode == 0
    read_meta(path)
    assert _count(path) == 12
    runs = pyogrio.read_dataframe(path, layer="runs")
    assert runs["operation"].tolist() == ["address", "update"]


def test_commit_held_back_by_a_reader_fails_clearly_and_changes_nothing(
    setup: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from parakou_geo import RegisterLockedError
    from parakou_geo.register import _transaction
    from parakou_geo.register.update import update_register_files

    path, rp, bp = setup
    monkeypatch.setattr(_transaction, "_BUSY_MS", 1000)
    before = path.read_bytes()
    reader = sqlite3.connect(path)  # e.g. QGIS in the middle of a long read
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM addresses").fetchone()
    try:
        with pytest.raises(RegisterLockedError, match=r"for 1 s .*could not be saved"):
            update_register_files(path, rp, bp)
    finally:
        reader.rollback()
        reader.close()
    assert path.read_bytes() == before
    update_register_files(path, rp, bp)  # once the reader is gone, the update goes through
    assert _count(path) == 12


def test_unknown_schema_version_is_refused(setup: tuple[Path, Path, Path]) -> None:
    path, _, _ = setup
    with sqlite3.connect(path) as con:
        con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(RegisterError, match=r"schema version '99'.*reads version 1"):
        read_meta(path)


def test_a_plain_geopackage_is_not_a_register(tmp_path: Path) -> None:
    p = tmp_path / "other.gpkg"
    squares([(0, 0)]).to_file(p)
    with pytest.raises(RegisterError, match="not a parakou_geo register"):
        read_meta(p)
    with pytest.raises(RegisterError, match="not found"):
        read_meta(tmp_path / "missing.gpkg")


def test_layer_styles_for_qgis(setup: tuple[Path, Path, Path]) -> None:
    path, _, _ = setup
    with sqlite3.connect(path) as con:
        rows = pd.read_sql_query("SELECT f_table_name, f_geometry_column, styleQML, "
                                 "useAsDefault FROM layer_styles", con)
        geom = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
    # every spatial layer is styled; tests/test_styles.py and tests/test_qgis.py check more
    assert set(rows["f_table_name"]) == set(geom)
    assert (rows["useAsDefault"] == 1).all()
    for table, column, qml in zip(rows["f_table_name"], rows["f_geometry_column"],
                                  rows["styleQML"], strict=True):
        assert geom[table] == column
        root = ET.fromstring(qml.split("\n", 1)[1])  # after the DOCTYPE line
        assert root.tag == "qgis"
        if table not in ("addresses", "streets", "unaddressed"):
            continue
        assert root.get("labelsEnabled") == "1"
        assert root.find("renderer-v2") is not None
        assert root.find("labeling/settings/text-style") is not None
    qml = dict(zip(rows["f_table_name"], rows["styleQML"], strict=True))
    assert 'fieldName="label"' in qml["addresses"]
    assert "street_code" in qml["streets"]


def _small_register() -> object:
    roads = lines(*GRID, names=["Rue A", "Rue B", "Rue C"])
    bld = squares([(20 + 25 * i, 8) for i in range(10)])
    return address(roads, bld, settings=AddressingSettings(centre=lonlat((-500, 0)))).register


def test_a_new_register_is_written_to_disk_by_its_last_commit_not_by_gdals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from parakou_geo.register import _storage

    register = _small_register()
    gdal_sync: list[object] = []
    for name in ("write_dataframe", "write_arrow"):
        real = getattr(pyogrio, name)

        def spy(*args: object, _real: object = real, **kwargs: object) -> object:
            gdal_sync.append(pyogrio.get_gdal_config_option("OGR_SQLITE_SYNCHRONOUS"))
            return _real(*args, **kwargs)  # type: ignore[operator]

        monkeypatch.setattr(pyogrio, name, spy)
    ours: list[int] = []
    real_connect = _storage.connect

    def connect(*args: object, **kwargs: object) -> sqlite3.Connection:
        con = real_connect(*args, **kwargs)  # type: ignore[arg-type]
        ours.append(con.execute("PRAGMA synchronous").fetchone()[0])
        return con

    monkeypatch.setattr(_storage, "connect", connect)
    pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": "NORMAL"})  # a user's own
    try:
        write_register(register, tmp_path / "register.gpkg")  # type: ignore[arg-type]
        after = pyogrio.get_gdal_config_option("OGR_SQLITE_SYNCHRONOUS")
    finally:
        pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": None})
    # every GDAL write of the new file (and of the index template) skipped the disk waits;
    # the last commit, ours, waits for the whole file (FULL); the user's setting is back
    assert len(gdal_sync) >= 7
    assert set(gdal_sync) == {False}  # OFF, as pyogrio reads it
    assert ours
    assert ours[-1] == 2
    assert after == "NORMAL"
    assert len(load_register(tmp_path / "register.gpkg").addresses) == 10


def test_gdals_setting_is_put_back_when_the_write_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from parakou_geo.register import _arrow_layer

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_arrow_layer, "write_layer", broken)
    assert pyogrio.get_gdal_config_option("OGR_SQLITE_SYNCHRONOUS") is None
    with pytest.raises(Exception, match="cannot write the register"):
        write_register(_small_register(), tmp_path / "register.gpkg")  # type: ignore[arg-type]
    assert pyogrio.get_gdal_config_option("OGR_SQLITE_SYNCHRONOUS") is None
    assert not list(tmp_path.iterdir())  # nothing half-written left behind
