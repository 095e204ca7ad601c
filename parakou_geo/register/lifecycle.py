"""Explicit, logged operations on a register: lifecycle, locks, renumbering, moves.

Each operation runs in one register transaction (under the register's lock; it happens
completely or not at all) and writes one history row per changed field, with the reason given.
Address ids never change.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
import uuid
from collections.abc import Sequence

import numpy as np
import pandas as pd

from parakou_geo._errors import RegisterError
from parakou_geo.numbering import (
    StreetIndex,
    first_number,
    next_free_suffix,
    next_sequential_number,
    parity_number,
    street_suffix_style,
    suffix_rank,
)
from parakou_geo.register._storage import read_features
from parakou_geo.register._transaction import (
    append_history,
    history_time,
    read_meta,
    record_run,
    transaction,
)
from parakou_geo.register.labels import make_labels
from parakou_geo.register.meta import load_settings_of

__all__ = [
    "lock_street",
    "move_address",
    "reject_addresses",
    "renumber_street",
    "unlock_street",
    "validate_addresses",
]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())


def _select(
    con: sqlite3.Connection,
    *,
    address_ids: Sequence[str] | None,
    street_code: str | None,
    zone: str | None,
) -> pd.DataFrame:
    clauses, params = [], []
    if address_ids:
        clauses.append(f"address_id IN ({', '.join('?' * len(address_ids))})")
        params += list(address_ids)
    if street_code:
        clauses.append("street_code = ?")
        params.append(street_code)
    if zone:
        clauses.append("zone = ?")
        params.append(zone)
    if not clauses:
        raise RegisterError("say which addresses: address ids, a street code or a zone")
    return pd.read_sql_query(
        f"SELECT address_id, label, status, street_code, official FROM addresses WHERE "
        f"{' AND '.join(clauses)}", con, params=params)


def _check_found(found: pd.DataFrame, address_ids: Sequence[str] | None, what: str,
                 con: sqlite3.Connection | None = None, street_code: str | None = None,
                 zone: str | None = None) -> None:
    if address_ids:
        missing = sorted(set(address_ids) - set(found["address_id"]))
        if missing:
            raise RegisterError(f"unknown address id(s): {', '.join(missing)}")
    if found.empty:
        if con is not None and street_code and con.execute(
                "SELECT 1 FROM streets WHERE street_code = ?", (street_code,)).fetchone() is None:
            raise RegisterError(f"unknown street {street_code!r}: no street of the register has "
                                "this code (codes look like 2.045; see the streets layer or "
                                "`parakou-geo export streets`)")
        if con is not None and zone and con.execute(
                "SELECT 1 FROM addresses WHERE zone = ? LIMIT 1", (zone,)).fetchone() is None:
            raise RegisterError(f"unknown zone {zone!r}: no address of the register is in it")
        raise RegisterError(f"no address matches {what}")


def validate_addresses(
    path: str | os.PathLike[str],
    *,
    address_ids: Sequence[str] | None = None,
    street_code: str | None = None,
    zone: str | None = None,
    official: bool = False,
    reason: str,
    run_date: dt.date | None = None,
) -> int:
    """Move proposed addresses to ``current`` (and optionally mark them official).

    Parameters
    ----------
    path : str or os.PathLike
        The register GeoPackage.
    address_ids, street_code, zone
        Which addresses: a list of ids, a whole street, a whole zone (combined with AND).
    official : bool
        Also set the official flag (e.g. after a council decision).
    reason : str
        Recorded in the history.
    run_date : datetime.date, optional
        The ``updated`` date (default today).

    Returns
    -------
    int
        How many addresses changed.
    """
    day = (run_date or dt.date.today()).isoformat()
    run_id = str(uuid.uuid4())
    with transaction(path) as con:
        found = _select(con, address_ids=address_ids, street_code=street_code, zone=zone)
        _check_found(found, address_ids, "the selection", con, street_code, zone)
        bad = found[found["status"].isin(["retired", "rejected"])]
        if len(bad) and address_ids:
            raise RegisterError(
                f"{len(bad)} selected address(es) are retired or rejected and cannot become "
                f"current (e.g. {bad['label'].iloc[0]}, {bad['status'].iloc[0]})")
        # a whole street or zone: its retired and rejected addresses simply stay as they are
        found = found[~found["status"].isin(["retired", "rejected"])]
        if found.empty:
            raise RegisterError("the selection holds no proposed or current address")
        rows: list[tuple[object, ...]] = []
        now = history_time(run_date)
        for a, st, off in zip(found["address_id"], found["status"], found["official"],
                              strict=True):
            if st != "current":
                rows.append((now, run_id, "validate", "address", a, "status", st, "current",
                             reason))
            if official and not off:
                rows.append((now, run_id, "validate", "address", a, "official", "0", "1",
                             reason))
        con.executemany(
            "UPDATE addresses SET status = 'current', official = MAX(official, ?), updated = ? "
            "WHERE address_id = ?", [(int(official), day, a) for a in found["address_id"]])
        append_history(con, rows)
        record_run(con, run_id, "validate", f"{len(found)} addresses")
    return len({r[4] for r in rows})


def reject_addresses(
    path: str | os.PathLike[str],
    address_ids: Sequence[str],
    *,
    reason: str,
    run_date: dt.date | None = None,
) -> int:
    """Reject proposed addresses (e.g. a building that is not a dwelling). Numbers stay taken.

    Returns
    -------
    int
        How many addresses were rejected.
    """
    if not reason.strip():
        raise RegisterError("a rejection needs a reason")
    day = (run_date or dt.date.today()).isoformat()
    run_id = str(uuid.uuid4())
    with transaction(path) as con:
        found = _select(con, address_ids=address_ids, street_code=None, zone=None)
        _check_found(found, address_ids, "the ids")
        bad = found[found["status"] != "proposed"]
        if len(bad):
            raise RegisterError(
                f"only proposed addresses can be rejected; {bad['label'].iloc[0]} is "
                f"{bad['status'].iloc[0]} (retire a current address by removing its building)")
        con.executemany("UPDATE addresses SET status = 'rejected', updated = ? WHERE "
                        "address_id = ?", [(day, a) for a in found["address_id"]])
        now = history_time(run_date)
        append_history(con, [(now, run_id, "reject", "address", a, "status", "proposed",
                              "rejected", reason) for a in found["address_id"]])
        record_run(con, run_id, "reject", f"{len(found)} addresses")
    return len(found)


def _set_lock(path: str | os.PathLike[str], street_code: str, locked: bool, reason: str,
              run_date: dt.date | None = None) -> None:
    run_id = str(uuid.uuid4())
    with transaction(path) as con:
        row = con.execute("SELECT locked FROM streets WHERE street_code = ? AND status = "
                          "'current'", (street_code,)).fetchone()
        if row is None:
            raise RegisterError(f"no current street with code {street_code!r}")
        if bool(row[0]) == locked:
            return
        con.execute("UPDATE streets SET locked = ? WHERE street_code = ?",
                    (int(locked), street_code))
        now = history_time(run_date)
        op = "lock" if locked else "unlock"
        append_history(con, [(now, run_id, op, "street", street_code, "locked",
                              str(int(not locked)), str(int(locked)), reason)])
        record_run(con, run_id, op, street_code)


def lock_street(path: str | os.PathLike[str], street_code: str, *, reason: str,
                run_date: dt.date | None = None) -> None:
    """Lock a street: updates neither add nor retire its addresses; renumbering is refused.

    ``run_date`` dates the history row (default today).
    """
    _set_lock(path, street_code, True, reason, run_date)


def unlock_street(path: str | os.PathLike[str], street_code: str, *, reason: str,
                  run_date: dt.date | None = None) -> None:
    """Unlock a street locked with :func:`lock_street` (``run_date``: history date)."""
    _set_lock(path, street_code, False, reason, run_date)


def _street(con: sqlite3.Connection, code: str) -> tuple[str | None, str, bool]:
    row = con.execute("SELECT street_name, zone, locked FROM streets WHERE street_code = ? "
                      "AND status = 'current'", (code,)).fetchone()
    if row is None:
        raise RegisterError(f"no current street with code {code!r}")
    return row[0], str(row[1]), bool(row[2])


def renumber_street(
    path: str | os.PathLike[str],
    street_code: str,
    *,
    reason: str,
    run_date: dt.date | None = None,
) -> pd.DataFrame:
    """Renumber every active address of one street from scratch, keeping their ids.

    Numbers and suffixes of the street's retired and rejected addresses stay taken, so they are
    never given again. The street must not be locked.

    Returns
    -------
    pandas.DataFrame
        ``address_id``, ``old_label``, ``new_label`` of the addresses whose label changed.
    """
    if not reason.strip():
        raise RegisterError("renumbering a street needs a reason")
    meta = read_meta(path)
    s = load_settings_of(meta)
    day = (run_date or dt.date.today()).isoformat()
    run_id = str(uuid.uuid4())
    with transaction(path) as con:
        _, _, locked = _street(con, street_code)
        if locked:
            raise RegisterError(f"street {street_code} is locked; unlock it first")
        rows = pd.read_sql_query(
            "SELECT address_id, label, number, suffix, side, distance_m, building_id, status "
            "FROM addresses WHERE street_code = ?", con, params=(street_code,))
        rows["rank"] = rows["suffix"].fillna("").map(suffix_rank)
        # ties along the street keep their present order (number, then suffix rank)
        live = rows[rows["status"].isin(["proposed", "current"])].sort_values(
            ["side", "distance_m", "number", "rank", "building_id"], kind="stable")
        taken = set(zip(rows.loc[~rows.index.isin(live.index), "number"].astype(int),
                        rows.loc[~rows.index.isin(live.index), "suffix"].fillna(""),
                        strict=True))
        style = street_suffix_style(rows["suffix"], s.suffix_style)
        counters = {"left": 0, "right": 0}
        out = []
        for a_id, old_label, side, dist, old_num, old_sfx in zip(
            live["address_id"], live["label"], live["side"], live["distance_m"],
            live["number"], live["suffix"], strict=True,
        ):
            left = side == "left"
            if s.method == "sequential":
                number = first_number(left) + 2 * counters[str(side)]
                counters[str(side)] += 1
            else:
                number = parity_number(float(dist), left, s.method)
            sfx = next_free_suffix(number, taken, style)
            if sfx is None:
                raise RegisterError(f"no free suffix for number {number} on {street_code}")
            taken.add((number, sfx))
            label = make_labels(np.array([number]), np.array([sfx], dtype=object),
                                np.array([street_code], dtype=object), s.street_prefix)[0]
            out.append((a_id, old_label, label, number, sfx, int(old_num),
                        "" if pd.isna(old_sfx) else str(old_sfx)))
        changed = [o for o in out if o[1] != o[2]]
        now = history_time(run_date)
        con.executemany("UPDATE addresses SET number = ?, suffix = ?, label = ?, updated = ? "
                        "WHERE address_id = ?",
                        [(o[3], o[4], o[2], day, o[0]) for o in changed])
        history: list[tuple[object, ...]] = []
        for a, old_label, new_label, number, sfx, old_number, old_sfx in changed:
            history.append((now, run_id, "renumber", "address", a, "label", old_label,
                            new_label, reason))
            if number != old_number:
                history.append((now, run_id, "renumber", "address", a, "number", old_number,
                                number, reason))
            if sfx != old_sfx:
                history.append((now, run_id, "renumber", "address", a, "suffix", old_sfx, sfx,
                                reason))
        append_history(con, history)
        record_run(con, run_id, "renumber", f"{street_code}: {len(changed)} changed")
    logger.info("renumbered %s: %d labels changed", street_code, len(changed))
    return pd.DataFrame([(o[0], o[1], o[2]) for o in changed],
                        columns=["address_id", "old_label", "new_label"])


def move_address(
    path: str | os.PathLike[str],
    address_id: str,
    *,
    to_street: str,
    reason: str,
    run_date: dt.date | None = None,
) -> str:
    """Give an address a number on another street, keeping its id.

    The door point is measured on the target street's segments (distance from its origin and
    side); the number follows the street's method, with the next free suffix.

    Returns
    -------
    str
        The new label.
    """
    meta = read_meta(path)
    s = load_settings_of(meta)
    day = (run_date or dt.date.today()).isoformat()
    run_id = str(uuid.uuid4())
    with transaction(path) as con:
        rec = con.execute("SELECT label, status, street_code, number, suffix, x, y, "
                          "official, side, zone FROM addresses WHERE address_id = ?",
                          (address_id,)).fetchone()
        if rec is None:
            raise RegisterError(f"unknown address id {address_id!r}")
        if rec[1] not in ("proposed", "current"):
            raise RegisterError(f"address {rec[0]} is {rec[1]}; only active addresses move")
        name, zone, locked = _street(con, to_street)
        if locked:
            raise RegisterError(f"street {to_street} is locked; unlock it first")
        taken = {(int(n), sfx or "") for n, sfx in con.execute(
            "SELECT number, suffix FROM addresses WHERE street_code = ?", (to_street,))}
        seg = read_features(con, "segments", where="street_code = ?", params=(to_street,))
        seg = seg.assign(street=0)
        index = StreetIndex(seg)
        xy = np.array([[float(rec[5]), float(rec[6])]])
        cand = np.arange(len(index.street))
        _, fx, fy, _ = index.project(np.repeat(xy, len(cand), axis=0), cand)
        gaps = np.hypot(fx - xy[0, 0], fy - xy[0, 1])
        best = int(np.argmin(gaps))
        if gaps[best] > s.max_distance_m:
            raise RegisterError(
                f"street {to_street} is {gaps[best]:.0f} m from the door of {rec[0]}, more "
                f"than max_distance_m={s.max_distance_m:g}; choose a street the door faces")
        # measured on the street's main line, as the first build does (not on a connector)
        along, fx, fy, cross = index.project(xy, index.off_spurs(xy, cand[best:best + 1]))
        left = bool(cross[0] > 0)
        distance = float(np.round(along[0], 3))
        # the street's own rule: sequential streets give the next free number of the side
        if s.method == "sequential":
            number = next_sequential_number((n for n, _ in taken), left)
        else:
            number = parity_number(distance, left, s.method)
        style = street_suffix_style((x for _, x in taken), s.suffix_style)
        sfx = next_free_suffix(number, taken, style)
        if sfx is None:
            raise RegisterError(f"no free suffix for number {number} on {to_street}")
        label = make_labels(np.array([number]), np.array([sfx], dtype=object),
                            np.array([to_street], dtype=object), s.street_prefix)[0]
        now = history_time(run_date)
        # the new label has not been adopted yet: the address is proposed again
        con.execute(
            "UPDATE addresses SET street_code = ?, street_name = ?, zone = ?, number = ?, "
            "suffix = ?, label = ?, side = ?, distance_m = ?, street_x = ?, street_y = ?, "
            "status = 'proposed', official = 0, updated = ? WHERE address_id = ?",
            (to_street, name, zone, number, sfx, label, "left" if left else "right",
             distance, round(float(fx[0]), 3), round(float(fy[0]), 3), day,
             address_id))
        side = "left" if left else "right"
        changes = [("street_code", rec[2], to_street), ("label", rec[0], label),
                   ("number", rec[3], number), ("suffix", rec[4] or "", sfx),
                   ("side", rec[8], side), ("zone", rec[9], zone),
                   ("status", rec[1], "proposed"), ("official", rec[7], 0)]
        append_history(con, [
            (now, run_id, "move", "address", address_id, f, old, new, reason)
            for f, old, new in changes if str(old) != str(new)
        ])
        record_run(con, run_id, "move", f"{rec[0]} → {label}")
        con.execute("UPDATE streets SET n_addresses = (SELECT count(*) FROM addresses a "
                    "WHERE a.street_code = streets.street_code AND a.status IN "
                    "('proposed', 'current'))")
    return label

