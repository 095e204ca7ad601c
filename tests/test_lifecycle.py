"""Explicit operations: validate, reject, lock, renumber, move; history and diffs."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
import shapely
from shapely import Point

from parakou_geo import AddressingSettings, RegisterError, address, write_register
from parakou_geo.datasets import load_sample
from parakou_geo.register.history import changes_between, diff_registers, read_history
from parakou_geo.register.lifecycle import (
    lock_street,
    move_address,
    reject_addresses,
    renumber_street,
    unlock_street,
    validate_addresses,
)

DAY = dt.date(2026, 3, 1)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    s = load_sample()
    res = address(s["roads"], s["buildings"], zones=s["zones"], run_date=DAY)
    path = tmp_path_factory.mktemp("reg") / "register.gpkg"
    write_register(res.register, path)
    return path


@pytest.fixture
def reg(built: Path, tmp_path: Path) -> Path:
    path = tmp_path / "register.gpkg"
    shutil.copy(built, path)
    return path


def _addr(path: Path) -> pd.DataFrame:
    return pd.DataFrame(pyogrio.read_dataframe(path, layer="addresses", read_geometry=False))


def _busiest_street(path: Path) -> str:
    a = _addr(path)
    return str(a["street_code"].value_counts().sort_index().idxmax())


def test_validate_a_street_makes_it_current_and_official(reg: Path) -> None:
    code = _busiest_street(reg)
    n = validate_addresses(reg, street_code=code, official=True, reason="délibération 12")
    a = _addr(reg)
    on = a["street_code"] == code
    assert n == int(on.sum())
    assert (a.loc[on, "status"] == "current").all()
    assert a.loc[on, "official"].astype(bool).all()
    assert (a.loc[~on, "status"] == "proposed").all()
    h = read_history(reg)
    assert set(h["operation"]) == {"validate"}
    assert (h["reason"] == "délibération 12").all()
    assert len(h) == 2 * n  # status and official for each address


def test_reject_only_proposed_addresses(reg: Path) -> None:
    a = _addr(reg)
    first, second = a["address_id"].iloc[0], a["address_id"].iloc[1]
    assert reject_addresses(reg, [first], reason="hangar") == 1
    assert _addr(reg).set_index("address_id").loc[first, "status"] == "rejected"
    validate_addresses(reg, address_ids=[second], reason="ok")
    with pytest.raises(RegisterError, match="only proposed"):
        reject_addresses(reg, [second], reason="oops")
    with pytest.raises(RegisterError, match="unknown address id"):
        reject_addresses(reg, ["nope"], reason="x")
    with pytest.raises(RegisterError, match="retired or rejected"):
        validate_addresses(reg, address_ids=[first], reason="x")


def test_renumber_is_explicit_logged_and_keeps_ids(reg: Path) -> None:
    code = _busiest_street(reg)
    before = _addr(reg).set_index("address_id")
    # a fresh register is already numbered by the rules: renumbering changes nothing
    assert renumber_street(reg, code, reason="check").empty
    # switch the register to sequential numbering, then renumber that street only
    import sqlite3

    with sqlite3.connect(reg) as con:
        settings = con.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()[0]
        con.execute("UPDATE meta SET value = ? WHERE key = 'settings'",
                    (settings.replace('"method": "metric"', '"method": "sequential"'),))
    changed = renumber_street(reg, code, reason="council chose sequential numbers")
    after = _addr(reg).set_index("address_id")
    assert len(changed) > 0
    assert set(after.index) == set(before.index)
    on = after["street_code"] == code
    left = after[on & (after["side"] == "left")].sort_values("distance_m")
    assert left["number"].tolist() == list(range(1, 2 * len(left), 2))
    off = after.index[~on]
    assert (after.loc[off, "label"] == before.loc[off, "label"]).all()
    h = read_history(reg)
    assert (h.loc[h["field"] == "label", "reason"] == "council chose sequential numbers").all()
    assert len(h[h["field"] == "label"]) == len(changed)


def test_locked_street_cannot_be_renumbered(reg: Path) -> None:
    code = _busiest_street(reg)
    lock_street(reg, code, reason="plates ordered")
    with pytest.raises(RegisterError, match="locked"):
        renumber_street(reg, code, reason="x")
    unlock_street(reg, code, reason="plates installed")
    renumber_street(reg, code, reason="x")
    ops = read_history(reg, object_id=code)["operation"].tolist()
    assert ops == ["lock", "unlock"]


def test_move_keeps_the_id_and_measures_on_the_new_street(reg: Path) -> None:
    a = _addr(reg)
    streets = pyogrio.read_dataframe(reg, layer="streets")
    # an address whose door also faces another street less than 60 m away (a corner)
    for _, row in a.iterrows():
        door = Point(float(row["x"]), float(row["y"]))
        others = streets[streets["street_code"] != row["street_code"]]
        dist = others.distance(door)
        if dist.min() < 60:
            target = str(others.loc[dist.idxmin(), "street_code"])
            break
    label = move_address(reg, row["address_id"], to_street=target, reason="door moved")
    after = _addr(reg).set_index("address_id").loc[row["address_id"]]
    assert after["street_code"] == target
    assert after["label"] == label
    assert label.endswith(f"Rue {target}")
    assert (after["number"] % 2 == 1) == (after["side"] == "left")
    assert not _addr(reg)["label"].duplicated().any()
    assert after["status"] == "proposed"  # a new label waits for adoption
    h = read_history(reg, object_id=row["address_id"]).set_index("field")
    assert h.loc["street_code", "old_value"] == row["street_code"]
    assert h.loc["label", "old_value"] == row["label"]
    assert h.loc["label", "new_value"] == label
    assert (h["reason"] == "door moved").all()


def test_move_to_a_distant_street_is_refused(reg: Path) -> None:
    a = _addr(reg)
    row = a.iloc[0]
    streets = pyogrio.read_dataframe(reg, layer="streets")
    door = Point(float(row["x"]), float(row["y"]))
    far = streets.loc[streets.distance(door).idxmax(), "street_code"]
    with pytest.raises(RegisterError, match="more than max_distance_m"):
        move_address(reg, row["address_id"], to_street=far, reason="x")


def test_validating_a_street_skips_its_retired_addresses(reg: Path) -> None:
    code = _busiest_street(reg)
    one = _addr(reg).query("street_code == @code")["address_id"].iloc[0]
    reject_addresses(reg, [one], reason="not a dwelling")
    n = validate_addresses(reg, street_code=code, reason="council")
    a = _addr(reg).set_index("address_id")
    assert a.loc[one, "status"] == "rejected"
    assert n == int((a["street_code"] == code).sum()) - 1


def test_diff_between_two_register_files_and_two_dates(reg: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.gpkg"
    shutil.copy(reg, old)
    a = _addr(reg)
    validate_addresses(reg, address_ids=[a["address_id"].iloc[0]], reason="ok")
    reject_addresses(reg, [a["address_id"].iloc[1]], reason="no")
    d = diff_registers(old, reg)
    assert d["change"].unique().tolist() == ["changed"]
    status = d[d["field"] == "status"].set_index("address_id")
    assert status.loc[a["address_id"].iloc[0], "after"] == "current"
    assert status.loc[a["address_id"].iloc[1], "after"] == "rejected"
    today = dt.datetime.now(dt.UTC).date()
    summary = changes_between(reg, today, today)
    assert len(summary) == 2
    assert changes_between(reg, dt.date(2000, 1, 1), dt.date(2000, 1, 2)).empty
    with pytest.raises(RegisterError, match="before the start date"):
        changes_between(reg, today, dt.date(2000, 1, 1))


def test_unknown_street_or_zone_is_named_as_such(reg: Path) -> None:
    from parakou_geo import RegisterError

    with pytest.raises(RegisterError, match=r"unknown street '9\.999': no street of the "
                                            r"register has this code"):
        validate_addresses(reg, street_code="9.999", reason="x")
    with pytest.raises(RegisterError, match="unknown zone '42'"):
        validate_addresses(reg, zone="42", reason="x")


def test_lifecycle_commands_take_the_decision_date(reg: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from parakou_geo.cli import main

    code = _busiest_street(reg)
    a = _addr(reg)
    one = a.loc[a["street_code"] != code, "address_id"].iloc[0]
    assert main(["-q", "validate", str(reg), "--street", code, "--reason", "délib. 3",
                 "--date", "2026-04-02"]) == 0
    assert main(["-q", "reject", str(reg), one, "--reason", "doublon",
                 "--date", "2026-04-03"]) == 0
    assert main(["-q", "lock", str(reg), code, "--reason", "plaques posées",
                 "--date", "2026-04-04"]) == 0
    assert main(["-q", "unlock", str(reg), code, "--reason", "erreur",
                 "--date", "2026-04-05"]) == 0
    capsys.readouterr()
    h = read_history(reg)
    days = {op: sorted(set(h.loc[h["operation"] == op, "time"].str[:10]))
            for op in ("validate", "reject", "lock", "unlock")}
    assert days == {"validate": ["2026-04-02"], "reject": ["2026-04-03"],
                    "lock": ["2026-04-04"], "unlock": ["2026-04-05"]}
    updated = _addr(reg).set_index("address_id")
    assert updated.loc[one, "updated"] == "2026-04-03"


def test_move_onto_a_sequential_street_takes_the_next_free_number(tmp_path: Path) -> None:
    """Issue 13, bug 1: a sequential street keeps its sequential rule when a door moves in."""
    s = load_sample()
    res = address(s["roads"], s["buildings"], zones=s["zones"], run_date=DAY,
                  settings=AddressingSettings(method="sequential"))
    reg = tmp_path / "register.gpkg"
    write_register(res.register, reg)
    a = _addr(reg)
    segments = pyogrio.read_dataframe(reg, layer="segments")
    # the busiest street that some other street's door faces within 60 m
    for target in a["street_code"].value_counts().index:
        on_target = segments[segments["street_code"] == target]
        others = a[a["street_code"] != target]
        gap = shapely.distance(shapely.points(others[["x", "y"]].to_numpy()),
                               on_target.geometry.union_all())
        if gap.min() < 60:
            row = others.iloc[int(gap.argmin())]
            break
    before = a.loc[a["street_code"] == target, "number"].astype(int)
    label = move_address(reg, row["address_id"], to_street=str(target), reason="door moved")
    after = _addr(reg).set_index("address_id").loc[row["address_id"]]
    side_numbers = before[(before % 2 == 1) == (after["side"] == "left")]
    assert int(after["number"]) == int(side_numbers.max()) + 2
    assert after["suffix"] in ("", None)
    assert label == f"{int(after['number'])} Rue {target}"
    assert int(after["number"]) <= 2 * len(before) + 2  # not a distance in metres
