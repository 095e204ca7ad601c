"""Disk full at every moment of a register change: the register is the old one or the new one.

Each operation (update, names, renumber, move, and writing a new register) runs on a small
filesystem with a given amount of free space, from none to enough. Whatever the level, the
register afterwards is exactly the previous one (and the error says it is unchanged) or exactly
the new one: ``PRAGMA integrity_check`` is ok, the GeoPackage triggers are all there, every
R-tree holds exactly the non-empty geometries of its table and GDAL's feature counts are right.

The limited filesystem is a tmpfs of fixed size (needs root, as in CI containers); otherwise the
same levels are applied as an SQLite page limit (``PRAGMA max_page_count``), which fails the
same statements with ``SQLITE_FULL``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from conftest import lines, lonlat, squares

import parakou_geo.register._storage as storage
from parakou_geo import (
    AddressingSettings,
    ParakouGeoError,
    address,
    address_files,
    write_register,
)
from parakou_geo.names import import_names, read_official_names
from parakou_geo.register.lifecycle import move_address, renumber_street
from parakou_geo.register.update import update_register_files

PAGE = 4096
#: Free space levels (in 4 KiB pages) tried for each operation: every page up to 24, then
#: sparser up to far more than any of these changes needs.
LEVELS = [*range(0, 24), 28, 32, 40, 48, 64, 96, 128, 192, 256]
_VOLATILE = {"time", "run_id", "last_change"}


def _grid() -> tuple[list[list[tuple[float, float]]], list[str]]:
    roads = [[(0, 120 * j), (600, 120 * j)] for j in range(3)]
    roads += [[(150 * i, 0), (150 * i, 240)] for i in range(5)]
    return roads, [f"Rue {chr(65 + i)}" for i in range(len(roads))]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A register of 60 buildings, and an update adding 150 buildings and a road."""
    d = tmp_path_factory.mktemp("fault_inputs")
    coords, names = _grid()
    roads = lines(*coords, names=names)
    first = [(15 + 25 * i, 8 + 120 * j) for j in range(3) for i in range(20)]
    res = address(roads, squares(first),
                  settings=AddressingSettings(centre=lonlat((-500, 0))))
    write_register(res.register, d / "register.gpkg")
    more = first + [(12 + 8 * i, 60 + 120 * j + (i % 3) * 12) for j in range(2)
                    for i in range(75)]
    squares(more).to_file(d / "buildings.gpkg")
    lines(*coords, [(0, 300), (600, 300)], names=[*names, "Rue Neuve"]).to_file(
        d / "roads.gpkg")
    with contextlib.closing(sqlite3.connect(d / "register.gpkg")) as con:
        codes = [r[0] for r in con.execute(
            "SELECT street_code FROM streets WHERE status = 'current' ORDER BY street_code")]
    code, _, _ = _street_with_most(d / "register.gpkg")
    with contextlib.closing(storage.connect(d / "register.gpkg")) as con:
        # hand-edited numbers that 'renumber' puts right
        con.execute("UPDATE addresses SET number = number + 1000, label = 'x' || label "
                    "WHERE street_code = ?", (code,))
    (d / "names.csv").write_text(
        "street_code;name;street_type;decision_date;reference\n" + "".join(
            f"{c};des Arbres {i};Rue;2026-01-0{1 + i % 9};Arrêté {i}\n"
            for i, c in enumerate(codes)), encoding="utf-8")
    (d / "move.txt").write_text(" ".join(_movable(d / "register.gpkg", d / "scratch.gpkg")))
    return {"register": d / "register.gpkg", "roads": d / "roads.gpkg", "move": d / "move.txt",
            "buildings": d / "buildings.gpkg", "names": d / "names.csv"}


def _street_with_most(path: Path) -> tuple[str, str, str]:
    """Return a street code with addresses, one of its address ids, and another street."""
    with contextlib.closing(sqlite3.connect(path)) as con:
        code, = con.execute("SELECT street_code FROM addresses GROUP BY street_code "
                            "ORDER BY count(*) DESC, street_code LIMIT 1").fetchone()
        aid, = con.execute("SELECT address_id FROM addresses WHERE street_code = ? ORDER BY "
                           "address_id LIMIT 1", (code,)).fetchone()
        other, = con.execute("SELECT street_code FROM streets WHERE street_code != ? AND "
                             "status = 'current' ORDER BY street_code LIMIT 1",
                             (code,)).fetchone()
    return str(code), str(aid), str(other)


Operation = Callable[[Path, dict[str, Path]], object]


def _update(reg: Path, inp: dict[str, Path]) -> object:
    return update_register_files(reg, inp["roads"], inp["buildings"],
                                 changes_csv=reg.with_name("changes.csv"),
                                 allow_mass_retirement=True)


def _names(reg: Path, inp: dict[str, Path]) -> object:
    return import_names(reg, read_official_names(inp["names"]))


def _renumber(reg: Path, inp: dict[str, Path]) -> object:
    code, _, _ = _street_with_most(reg)  # its numbers were scrambled by the fixture
    return renumber_street(reg, code, reason="council decision")


def _move(reg: Path, inp: dict[str, Path]) -> object:
    aid, other = inp["move"].read_text().split()
    return move_address(reg, aid, to_street=other, reason="door moved")


def _movable(register: Path, scratch: Path) -> tuple[str, str]:
    """Return an address and another street its door faces (found by trying)."""
    with contextlib.closing(sqlite3.connect(register)) as con:
        ids = [r[0] for r in con.execute("SELECT address_id FROM addresses ORDER BY "
                                         "distance_m, address_id LIMIT 20")]
        codes = [r[0] for r in con.execute("SELECT street_code FROM streets ORDER BY 1")]
    for aid in ids:
        for code in codes:
            shutil.copyfile(register, scratch)
            with contextlib.suppress(ParakouGeoError):
                move_address(scratch, aid, to_street=code, reason="probe")
                return str(aid), str(code)
    raise AssertionError("no movable address in the fixture")


OPERATIONS: dict[str, Operation] = {"update": _update, "names": _names,
                                    "renumber": _renumber, "move": _move}


def register_state(path: Path) -> tuple[object, ...]:
    """Check a register's integrity and return its content (without times and run ids)."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        schema = con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master "
                             "ORDER BY type, name").fetchall()
        layers = con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"
                             ).fetchall()
        counts = dict(con.execute("SELECT table_name, feature_count FROM gpkg_ogr_contents"))
        for table, column in layers:
            n, = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()
            assert counts.get(table) == n, f"feature count of {table}"
            rtree = f"rtree_{table}_{column}"
            assert any(r[1] == rtree for r in schema), rtree
            triggers = {r[1] for r in schema if r[0] == "trigger" and r[2] == table}
            assert {f"{rtree}_insert", f"{rtree}_delete", f"trigger_insert_feature_count_{table}",
                    f"trigger_delete_feature_count_{table}"} <= triggers, triggers
            assert sum(t.startswith(f"{rtree}_update") for t in triggers) >= 4, triggers
            ids = {r[0] for r in con.execute(f'SELECT id FROM "{rtree}"')}
            geo = {r[0] for r in con.execute(
                f'SELECT fid FROM "{table}" WHERE "{column}" IS NOT NULL AND '
                f'substr("{column}", 4, 1) NOT IN (x\'11\', x\'13\', x\'15\', x\'17\')')}
            assert ids == geo, f"R-tree of {table}"
        digest = hashlib.sha256()
        for kind, name, _, _ in schema:
            if kind != "table" or name.startswith(("rtree_", "sqlite_")):
                continue
            cur = con.execute(f'SELECT * FROM "{name}" ORDER BY rowid')
            keep = [i for i, d in enumerate(cur.description) if d[0] not in _VOLATILE]
            for row in cur:
                digest.update(repr([row[i] for i in keep]).encode())
        return tuple(schema), digest.hexdigest()


def _free_bytes(folder: Path) -> int:
    st = os.statvfs(folder)
    return st.f_bavail * st.f_frsize


class _Disk:
    """A folder with a chosen amount of free space (tmpfs) or a page limit (SQLite)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.mode = "tmpfs"
        self.limit_pages: int | None = None
        forced = os.environ.get("PARAKOU_GEO_TEST_PAGE_LIMIT") == "1"  # try the fallback
        mount = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(root)],
                               capture_output=True, check=False) \
            if os.geteuid() == 0 and not forced else None
        if mount is None or mount.returncode != 0:
            self.mode = "page_limit"

    @contextlib.contextmanager
    def leaving(self, pages: int, register: Path) -> Iterator[Path]:
        """Copy the register in, then leave ``pages`` pages of room for the change."""
        for child in self.root.iterdir():
            child.unlink()
        reg = self.root / "register.gpkg"
        shutil.copyfile(register, reg)
        if self.mode == "tmpfs":
            filler = self.root / "filler"
            with filler.open("wb") as fh:
                size = max(0, _free_bytes(self.root) - pages * PAGE)
                os.posix_fallocate(fh.fileno(), 0, size) if size else None
            assert abs(_free_bytes(self.root) - pages * PAGE) <= PAGE
            yield reg
        else:
            with contextlib.closing(sqlite3.connect(reg)) as con:
                used, = con.execute("PRAGMA page_count").fetchone()
            self.limit_pages = used + pages
            yield reg
            self.limit_pages = None

    def close(self) -> None:
        if self.mode == "tmpfs":
            subprocess.run(["umount", str(self.root)], check=False)


@pytest.fixture(scope="module")
def disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Disk]:
    d = _Disk(tmp_path_factory.mktemp("small_disk"))
    yield d
    d.close()


@pytest.fixture
def page_limit(disk: _Disk, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a tmpfs, make every register connection stop growing at the page limit."""
    if disk.mode != "page_limit":
        return
    plain = storage.connect

    def limited(path: str | os.PathLike[str], *, any_thread: bool = False) -> sqlite3.Connection:
        con = plain(path, any_thread=any_thread)
        if disk.limit_pages is not None:
            con.execute(f"PRAGMA max_page_count = {disk.limit_pages}")
        return con

    monkeypatch.setattr(storage, "connect", limited)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_disk_full_leaves_the_old_or_the_new_register(
    name: str, inputs: dict[str, Path], disk: _Disk, page_limit: None, tmp_path: Path
) -> None:
    operation = OPERATIONS[name]
    old = register_state(inputs["register"])
    ref = tmp_path / "register.gpkg"
    shutil.copyfile(inputs["register"], ref)
    operation(ref, inputs)
    new = register_state(ref)
    assert new != old
    outcomes: dict[str, list[int]] = {"old": [], "new": []}
    for pages in LEVELS:
        with disk.leaving(pages, inputs["register"]) as reg:
            try:
                operation(reg, inputs)
            except ParakouGeoError as exc:
                message = str(exc)
                state = register_state(reg)
                assert state == old, f"{name} at {pages} free pages: neither old nor new"
                assert "unchanged" in message, message
                assert "Nothing was written" not in message
                assert not (disk.root / "changes.csv").exists()  # no CSV for a refused change
                outcomes["old"].append(pages)
            else:
                assert register_state(reg) == new, f"{name} at {pages} free pages"
                outcomes["new"].append(pages)
    # the levels reached both outcomes, and failures are not an artefact of a broken setup
    # (a page limit only stops changes that grow the file: a move may fit in its pages; the
    # others are stopped at the lowest levels, which also shows the limit reached the code)
    assert outcomes["old"] or (disk.mode == "page_limit" and name == "move"), outcomes
    assert outcomes["new"], outcomes
    assert len(outcomes["old"]) + len(outcomes["new"]) >= 20
    print(f"{name} ({disk.mode}): unchanged at {outcomes['old']} free pages, "
          f"updated at {outcomes['new']}")


def _new_register_at_levels(disk: _Disk, inputs: dict[str, Path], levels: list[int],
                            write: Callable[[Path], None], rows: int) -> tuple[int, int]:
    """Write a new register (``write(target)``) with each level of free pages left.

    Each time the register and its CSV of ``rows`` addresses are written whole, or the error
    says the disk is full and nothing is left. Returns how many levels were refused, written.
    """
    written, refused = 0, 0
    for pages in levels:
        with disk.leaving(pages, inputs["register"]):
            target = disk.root / f"new_{uuid.uuid4().hex[:6]}.gpkg"
            try:
                write(target)
            except ParakouGeoError as exc:
                message = str(exc)
                assert "cannot write" in message, message
                assert "disk is full" in message, message
                assert len(message) < 400  # no SQL of a GeoPackage trigger in the message
                leftovers = sorted(p.name for p in disk.root.iterdir()
                                   if p.name not in ("register.gpkg", "filler"))
                assert leftovers == [], (pages, leftovers)
                refused += 1
            else:
                written += 1
                register_state(target)
                assert len(pd.read_csv(target.with_suffix(".csv"))) == rows
    assert written >= 1
    assert refused >= 1
    return refused, written


def test_writing_a_new_register_on_a_full_disk_leaves_nothing(
    inputs: dict[str, Path], disk: _Disk
) -> None:
    if disk.mode != "tmpfs":
        pytest.skip("needs a size-limited filesystem (root, to mount a tmpfs)")
    coords, names = _grid()
    res = address(lines(*coords, names=names), squares([(15 + 25 * i, 8) for i in range(20)]),
                  settings=AddressingSettings(centre=lonlat((-500, 0))))
    refused, written = _new_register_at_levels(
        disk, inputs, [*range(0, 200, 8), 400],
        lambda target: write_register(res.register, target, csv_path=target.with_suffix(".csv")),
        rows=20)
    print(f"address: {refused} levels refused cleanly, {written} written")


def test_a_run_writing_its_footprints_ahead_on_a_full_disk_leaves_nothing(
    inputs: dict[str, Path], disk: _Disk, capfd: pytest.CaptureFixture[str]
) -> None:
    """``address_files`` with an output writes the footprints on a thread while the streets
    are numbered: a disk that fills then, or later, is reported as full and leaves nothing,
    and GDAL's own messages from that thread do not reach the console."""
    if disk.mode != "tmpfs":
        pytest.skip("needs a size-limited filesystem (root, to mount a tmpfs)")
    settings = AddressingSettings(centre=lonlat((-500, 0)))
    refused, written = _new_register_at_levels(
        disk, inputs, [*range(0, 160, 8), 400],
        lambda target: address_files(inputs["roads"], inputs["buildings"], settings=settings,
                                     output=target, csv_path=target.with_suffix(".csv")),
        rows=210)
    assert "ERROR" not in capfd.readouterr().err
    print(f"address_files: {refused} levels refused cleanly, {written} written")


def test_a_large_register_on_a_full_disk_is_reported_as_a_full_disk(
    inputs: dict[str, Path], disk: _Disk
) -> None:
    """When the disk fills while GDAL writes a large layer, SQLite gives up with some MiB
    still free and GDAL reports only a failed rollback: the user is told the disk is full."""
    if disk.mode != "tmpfs":
        pytest.skip("needs a size-limited filesystem (root, to mount a tmpfs)")
    coords, names = _grid()
    centres = [(4 + 6 * i, side + 120 * j) for j in range(3) for i in range(99)
               for side in (-8, -14, 8, 14)] * 8
    buildings = squares(centres, size=3.0)
    buildings["building_id"] = [f"B{i:05d}" for i in range(len(buildings))]
    res = address(lines(*coords, names=names), buildings,
                  settings=AddressingSettings(centre=lonlat((-500, 0))))
    assert len(res.register.addresses) > 9_000
    with disk.leaving(640, inputs["register"]):  # 2.5 MiB: less than the new register
        target = disk.root / "large.gpkg"
        with pytest.raises(ParakouGeoError) as caught:
            write_register(res.register, target, csv_path=target.with_suffix(".csv"))
        message = str(caught.value)
        assert "disk is full" in message, message
        assert "free some space" in message, message
        assert "rollback" not in message.lower(), message
        leftovers = sorted(p.name for p in disk.root.iterdir()
                           if p.name not in ("register.gpkg", "filler"))
        assert leftovers == []


def test_gdals_failed_rollback_on_a_nearly_full_disk_is_a_full_disk(
    inputs: dict[str, Path], disk: _Disk, tmp_path: Path
) -> None:
    """GDAL can report a full disk only as "sqlite3_exec(ROLLBACK) failed" (seen writing
    100,000 addresses to a 24 MiB disk, with 6.3 MiB left): said as a full disk, with the
    free space, when little is left; as GDAL said it otherwise."""
    if disk.mode != "tmpfs":
        pytest.skip("needs a size-limited filesystem (root, to mount a tmpfs)")
    from pyogrio.errors import DataLayerError

    from parakou_geo.register._transaction import write_failure

    gdal = DataLayerError("Error while writing batch to OGR layer: sqlite3_exec(ROLLBACK) "
                          "failed: cannot rollback - no transaction is active")
    with disk.leaving(1_600, inputs["register"]):  # 6.25 MiB
        said = write_failure(gdal, disk.root)
    assert said.startswith("the disk is full (6."), said
    assert "MiB free in" in said
    assert "free some space" in said
    if shutil.disk_usage(tmp_path).free > 1 << 30:  # the machine's own disk has room
        roomy = write_failure(gdal, tmp_path)
        assert roomy.startswith("reported: Error while writing batch"), roomy


def test_read_only_filesystem_gives_clear_errors_and_changes_nothing(
    inputs: dict[str, Path], disk: _Disk, capsys: pytest.CaptureFixture[str]
) -> None:
    if disk.mode != "tmpfs":
        pytest.skip("needs a filesystem that can be made read-only (root, to mount a tmpfs)")
    from parakou_geo.cli import main

    with disk.leaving(256, inputs["register"]) as reg:
        before = reg.read_bytes()
        subprocess.run(["mount", "-o", "remount,ro", str(disk.root)], check=True)
        try:
            runs = {
                "update": ["update", str(reg), "--roads", str(inputs["roads"]), "--buildings",
                           str(inputs["buildings"]), "--allow-mass-retirement", "--changes",
                           str(inputs["roads"].with_name("ro_changes.csv"))],
                "names": ["names", str(reg), str(inputs["names"])],
                "address": ["address", "--roads", str(inputs["roads"]), "--buildings",
                            str(inputs["buildings"]), "-o", str(disk.root / "new.gpkg")],
                "history": ["history", str(reg), "-o", str(disk.root / "h.csv")],
            }
            for name, argv in runs.items():
                assert main(["-q", *argv]) == 2, name
                err = capsys.readouterr().err
                assert "internal error" not in err, err
                assert "read-only" in err.lower(), err
                if name in ("update", "names"):
                    assert "unchanged" in err, err
            assert reg.read_bytes() == before
        finally:
            subprocess.run(["mount", "-o", "remount,rw", str(disk.root)], check=True)
    assert not inputs["roads"].with_name("ro_changes.csv").exists()
