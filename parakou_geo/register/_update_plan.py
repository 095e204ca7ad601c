"""Private: the *plan* of a register update — what changes, computed without writing.

:func:`number_new` gives numbers to the new buildings (it only reads the register: the numbers
already taken where new doors land); :func:`plan_changes` turns the matched and numbered
buildings into an :class:`UpdatePlan` (rows to add and retire, the new ``unaddressed`` layer,
history rows, the changes table and counts) and is pure: it can be tested without files.
:func:`parakou_geo.register.update.apply_update` writes a plan in the register's transaction.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from parakou_geo.access import choose_streets
from parakou_geo.numbering import (
    StreetIndex,
    next_free_suffix,
    number_doors,
    sequential_insert_numbers,
    street_suffix_style,
)
from parakou_geo.register._transaction import history_time
from parakou_geo.register._update_match import _Old, _text
from parakou_geo.register.rows import address_rows
from parakou_geo.settings import AddressingSettings

__all__ = ["CHANGE_COLUMNS", "NewAddresses", "UpdateContext", "UpdatePlan", "number_new",
           "plan_changes"]

#: Columns of the changes table (and CSV) an update produces.
CHANGE_COLUMNS: tuple[str, ...] = (
    "change", "object_type", "object_id", "building_id", "street_code", "label", "detail",
)


@dataclass(frozen=True)
class UpdateContext:
    """What every step of one update shares.

    Attributes
    ----------
    settings : AddressingSettings
        The settings the register was built with.
    metric : pyproj.CRS
        The register's metric CRS.
    run_id : str
        Id of the update in the ``runs`` and ``history`` tables.
    run_date : datetime.date or None
        The date the update takes effect (None: today).
    reason : str or None
        Recorded in the history with every change.
    day : str
        ``run_date`` (or today) as ISO text, fixed when the context is made.
    """

    settings: AddressingSettings
    metric: CRS
    run_id: str
    run_date: dt.date | None = None
    reason: str | None = None
    #: The update's date as ISO text, written on new and retired addresses (set once).
    day: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "day", (self.run_date or dt.date.today()).isoformat())


@dataclass(frozen=True)
class NewAddresses:
    """New buildings after numbering (:func:`number_new`).

    Attributes
    ----------
    rows : geopandas.GeoDataFrame
        The new address rows (register columns, door points).
    unaddressed : geopandas.GeoDataFrame
        New buildings left without an address, with ``reason`` and ``detail``.
    footprints : geopandas.GeoDataFrame
        Footprints of the addressed buildings (``building_id``).
    """

    rows: gpd.GeoDataFrame
    unaddressed: gpd.GeoDataFrame
    footprints: gpd.GeoDataFrame


@dataclass(frozen=True)
class UpdatePlan:
    """Everything an update changes, ready to be written in one transaction.

    Attributes
    ----------
    run_id, day : str
        The update's id and date.
    match_method : str
        ``"building id"`` or ``"footprint overlap"``.
    roads_changed : bool
        Whether the streets and segments are replaced.
    fingerprints : dict of str to str
        Input fingerprints stored in ``meta``.
    added : NewAddresses
        Addresses and footprints to insert (``added.unaddressed``: only the new buildings).
    retire : pandas.DataFrame
        Active addresses to retire (``address_id``, ``building_id``, ``street_code``...).
    deferred : pandas.DataFrame
        Retirements held back because the street is locked (kept, reported).
    unaddressed : geopandas.GeoDataFrame
        The whole new ``unaddressed`` layer (also features without a usable geometry).
    streets, segments : geopandas.GeoDataFrame
        The streets and segments after the update.
    street_changes : list of tuple of str
        Streets added and retired, as rows of the changes table.
    history : list of tuple
        History rows (:data:`parakou_geo.register._transaction.HISTORY_COLUMNS` order).
    changes : pandas.DataFrame
        The changes table (:data:`CHANGE_COLUMNS`).
    counts : dict of str to int
        Addresses kept, added, retired, deferred; streets added and retired; unaddressed.
    """

    run_id: str
    day: str
    match_method: str
    roads_changed: bool
    fingerprints: dict[str, str]
    added: NewAddresses
    retire: pd.DataFrame
    deferred: pd.DataFrame
    unaddressed: gpd.GeoDataFrame
    streets: gpd.GeoDataFrame
    segments: gpd.GeoDataFrame
    street_changes: list[tuple[str, ...]]
    history: list[tuple[object, ...]]
    changes: pd.DataFrame
    counts: dict[str, int]


def plan_changes(
    ctx: UpdateContext,
    old: _Old,
    added: NewAddresses,
    gone: pd.DataFrame,
    dropped: gpd.GeoDataFrame,
    *,
    streets: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame,
    street_changes: list[tuple[str, ...]],
    roads_changed: bool,
    fingerprints: dict[str, str],
    match_method: str,
) -> UpdatePlan:
    """Return what an update changes (pure: no file is read or written).

    Parameters
    ----------
    ctx : UpdateContext
        The update's settings, id, date and reason.
    old : _Old
        The register's state before the update.
    added : NewAddresses
        The new buildings, numbered.
    gone : pandas.DataFrame
        The active addresses of buildings no longer in the data.
    dropped : geopandas.GeoDataFrame
        Input features without a usable geometry (``building_id``, ``reason``).
    streets, segments : geopandas.GeoDataFrame
        The streets and segments after the update.
    street_changes : list of tuple of str
        Streets added and retired.
    roads_changed, fingerprints, match_method
        As in :class:`UpdatePlan`.
    """
    locked = set(streets.loc[streets["locked"].astype(bool), "street_code"])
    deferred = gone[gone["street_code"].isin(locked)]
    retire = gone[~gone["street_code"].isin(locked)]
    was_unaddressed = {str(b) for b in old.unaddressed_ids}
    new_unaddressed = added.unaddressed[~added.unaddressed["building_id"].isin(
        old.unaddressed_ids)]
    changes = _changes(added.rows, retire, deferred, street_changes, new_unaddressed,
                       was_unaddressed)
    history = _history(ctx, added.rows, retire, street_changes)
    now = history_time(ctx.run_date)
    history += [(now, ctx.run_id, "update", "address", a, None, st, st,
                 f"retirement deferred: building {b} is gone but street {c} is locked")
                for a, b, c, st in zip(deferred["address_id"], deferred["building_id"],
                                       deferred["street_code"], deferred["status"],
                                       strict=True)]
    unaddressed = added.unaddressed if dropped.empty else pd.concat(
        [added.unaddressed, dropped.assign(
            detail="the feature has no geometry or an empty one",
            distance_to_street_m=np.nan)], ignore_index=True)
    counts = {
        "kept": len(old.active_ids) - len(retire),
        "added": len(added.rows),
        "retired": len(retire),
        "retirement_deferred": len(deferred),
        "streets_added": sum(1 for c in street_changes if c[0] == "street_added"),
        "streets_retired": sum(1 for c in street_changes if c[0] == "street_retired"),
        "unaddressed": len(added.unaddressed) + len(dropped),
    }
    return UpdatePlan(
        run_id=ctx.run_id, day=ctx.day, match_method=match_method,
        roads_changed=roads_changed, fingerprints=fingerprints, added=added, retire=retire,
        deferred=deferred, unaddressed=unaddressed, streets=streets, segments=segments,
        street_changes=street_changes, history=history,
        changes=pd.DataFrame(changes, columns=list(CHANGE_COLUMNS)), counts=counts,
    )


@dataclass(frozen=True)
class _Numbered:
    """New doors after numbering: which are addressed, on which street, with which label."""

    cand: gpd.GeoDataFrame
    num: pd.DataFrame
    code: np.ndarray
    number: np.ndarray
    suffix: np.ndarray
    addressed: np.ndarray


def number_new(
    ctx: UpdateContext,
    cand: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame,
    old: _Old,
    con: sqlite3.Connection,
) -> NewAddresses:
    """Give numbers to the new buildings without touching any existing number.

    ``con`` is only read: the numbers already taken where new doors land, and for sequential
    streets the active doors of each side.
    """
    s, metric = ctx.settings, ctx.metric
    current = streets[streets["status"].to_numpy() == "current"]
    codes = current["street_code"].to_numpy(dtype=object).astype(str)
    position = {c: i for i, c in enumerate(codes)}
    street = np.array([position.get(c, -1) for c in
                       segments["street_code"].to_numpy(dtype=object).astype(str)],
                      dtype=np.int64)
    live = street >= 0
    seg = gpd.GeoDataFrame({"street": street[live], "offset_m": segments["offset_m"].to_numpy(
        dtype=float)[live]}, geometry=segments.geometry.values[live], crs=metric)
    if "access_rank" in segments.columns:  # registers before 0.2 have no ranks: all equal
        seg["access_rank"] = pd.to_numeric(segments["access_rank"]).fillna(1).to_numpy(
            dtype=np.int64)[live]
    index = StreetIndex(seg)
    doors = gpd.GeoSeries(cand["door"].array, crs=metric)
    choice = choose_streets(
        np.asarray(cand.geometry.array), np.asarray(doors.array), index,
        street_named=current["street_name"].notna().to_numpy(),
        entrance=cand["door_is_entrance"].to_numpy(dtype=bool), settings=s)
    num = number_doors(doors, index, method=s.method, suffix_style=s.suffix_style,
                       max_distance_m=s.max_distance_m, tiebreak=np.arange(len(cand)),
                       choice=choice)
    ok = num["street"].to_numpy() >= 0
    code = codes[np.maximum(num["street"].to_numpy(), 0)].astype(object)
    code[~ok] = None
    locked = set(current.loc[current["locked"].astype(bool), "street_code"])
    on_locked = np.array([c in locked for c in code], dtype=bool)

    order = np.lexsort((_text(cand["building_id"]), num["distance_m"].to_numpy(),
                        _text(num["side"]), _text(code)))
    number = num["number"].to_numpy().copy()
    suffix = np.full(len(cand), "", dtype=object)
    full = np.zeros(len(cand), dtype=bool)
    if s.method == "sequential":
        active = _sides(con)
        number = sequential_insert_numbers(
            code, num["side"].to_numpy(dtype=object), num["distance_m"].to_numpy(dtype=float),
            active["street_code"].to_numpy(dtype=object),
            active["side"].to_numpy(dtype=object),
            active["distance_m"].to_numpy(dtype=float), active["number"].to_numpy())
    taken, letters_streets = _taken(con, code, number)
    on_street: dict[str, set[tuple[int, str]]] = {}
    for c, n, x in taken:
        on_street.setdefault(c, set()).add((n, x))
    for i in order:
        if not ok[i] or on_locked[i]:
            continue
        style = street_suffix_style(["A"] if code[i] in letters_streets else [],
                                    s.suffix_style)
        used = on_street.setdefault(code[i], set())
        sfx = next_free_suffix(int(number[i]), used, style)
        if sfx is None:
            full[i] = True
        else:
            suffix[i] = sfx
            used.add((int(number[i]), sfx))
    addressed = ok & ~on_locked & ~full
    rows = _new_address_rows(ctx, _Numbered(cand, num, code, number, suffix, addressed),
                             current, old)
    footprints = gpd.GeoDataFrame(
        {"building_id": cand["building_id"].to_numpy(dtype=object)[addressed]},
        geometry=cand.geometry.values[addressed], crs=metric)
    reasons = np.where(~ok, "no_street_in_reach",
                       np.where(on_locked, "street_locked", "no_free_suffix"))
    detail = np.where(~ok, f"no street within {s.max_distance_m:g} m",
                      np.where(on_locked, "the street is locked against automatic changes",
                               "every suffix of this number is taken"))
    miss = ~addressed
    unaddressed = gpd.GeoDataFrame(
        {"building_id": cand["building_id"].to_numpy(dtype=object)[miss],
         "reason": reasons[miss], "detail": detail[miss],
         "distance_to_street_m": num["distance_to_street_m"].to_numpy()[miss]},
        geometry=gpd.GeoSeries(np.asarray(cand["door"].array)[miss], crs=metric).values,
    )
    return NewAddresses(rows=rows, unaddressed=unaddressed, footprints=footprints)


def _taken(
    con: sqlite3.Connection, code: np.ndarray, number: np.ndarray
) -> tuple[set[tuple[str, int, str]], set[str]]:
    """Numbers already used (any status) where new doors land, and streets using letters.

    Returns every (street code, number, suffix) sharing a street and number with a new door,
    and the streets whose suffixes are letters; SQLite does the search.
    """
    pairs = sorted({(str(c), int(n)) for c, n in zip(code, number, strict=True)
                    if c is not None})
    con.execute("CREATE TEMP TABLE IF NOT EXISTS wanted_numbers (street_code TEXT, number "
                "INTEGER, PRIMARY KEY (street_code, number))")
    con.execute("DELETE FROM wanted_numbers")
    con.executemany("INSERT INTO wanted_numbers VALUES (?, ?)", pairs)
    rows = con.execute(
        "SELECT a.street_code, a.number, coalesce(a.suffix, '') FROM wanted_numbers w "
        "CROSS JOIN addresses a ON a.street_code = w.street_code AND a.number = w.number"
    ).fetchall()
    # capital-letter suffixes (A, B ... AA), found through the partial index of that name
    streets = {c for c, _ in pairs}
    letters = {r[0] for r in con.execute(
        "SELECT DISTINCT street_code FROM addresses WHERE suffix >= 'A' AND suffix < '['")
        if r[0] in streets}
    return {(str(c), int(n), str(x)) for c, n, x in rows}, letters


def _sides(con: sqlite3.Connection) -> pd.DataFrame:
    """Street, side, number and distance of the active addresses."""
    rows = con.execute("SELECT street_code, side, number, distance_m FROM addresses WHERE "
                       "status IN ('proposed', 'current')").fetchall()
    return pd.DataFrame(rows, columns=["street_code", "side", "number", "distance_m"])


def _new_address_rows(
    ctx: UpdateContext, n: _Numbered, streets: gpd.GeoDataFrame, old: _Old
) -> gpd.GeoDataFrame:
    """Register rows of the addressed new doors (``streets``: the current streets)."""
    k = np.flatnonzero(n.addressed)
    at = n.num["street"].to_numpy()[k]  # rows of ``streets``
    door = np.asarray(n.cand["door"].array)[k]
    frame = address_rows(
        building_ids=n.cand["building_id"].to_numpy(dtype=object)[k], doors=door,
        codes=n.code[k].astype(object), numbers=n.number[k], suffixes=n.suffix[k],
        street_names=streets["street_name"].to_numpy(dtype=object)[at],
        zones=streets["zone"].to_numpy(dtype=object)[at], numbering=n.num.iloc[k],
        quartiers=old.quartiers, passthrough=pd.DataFrame(n.cand.iloc[k]),
        settings=ctx.settings, metric_crs=ctx.metric, day=ctx.day, zone_polygons=old.zones,
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(door, crs=ctx.metric).values)


def _rows(frame: pd.DataFrame, *names: str) -> Iterator[tuple[Any, ...]]:
    """Iterate over some columns row by row (from lists: much faster than pandas Series)."""
    return zip(*[frame[n].tolist() for n in names], strict=True)


def _changes(
    new_rows: gpd.GeoDataFrame,
    retire: pd.DataFrame,
    deferred: pd.DataFrame,
    street_changes: list[tuple[str, ...]],
    unaddressed: gpd.GeoDataFrame,
    was_unaddressed: set[str],
) -> list[tuple[str, ...]]:
    """Rows of the changes table (:data:`CHANGE_COLUMNS`)."""
    cols = ("address_id", "building_id", "street_code", "label")
    out = list(street_changes)
    out += [("address_added", "address", a, b, c, lab,
             "building already in the register, unaddressed until now (a street in reach)"
             if str(b) in was_unaddressed else "new building")
            for a, b, c, lab in _rows(new_rows, *cols)]
    out += [("address_retired", "address", a, b, c, lab, "building no longer in the data")
            for a, b, c, lab in _rows(retire, *cols)]
    out += [("retirement_deferred", "address", a, b, c, lab,
             "building gone but its street is locked: review by hand")
            for a, b, c, lab in _rows(deferred, *cols)]
    out += [("unaddressed", "building", b, b, "", "", f"{r}: {d}")
            for b, r, d in _rows(unaddressed, "building_id", "reason", "detail")]
    return [tuple("" if v is None else str(v) for v in row) for row in out]


def _history(
    ctx: UpdateContext,
    new_rows: gpd.GeoDataFrame,
    retire: pd.DataFrame,
    street_changes: list[tuple[str, ...]],
) -> list[tuple[object, ...]]:
    """History rows of added and retired streets and addresses."""
    now, run_id, reason = history_time(ctx.run_date), ctx.run_id, ctx.reason
    rows: list[tuple[object, ...]] = []
    for change, _, code, *_rest in street_changes:
        before, after = (None, "current") if change == "street_added" else ("current",
                                                                             "retired")
        rows.append((now, run_id, "update", "street", code, "status", before, after,
                     reason or change.replace("_", " ")))
    rows += [(now, run_id, "update", "address", a, "status", None, "proposed",
              reason or f"new building {b}: {lab}")
             for a, b, lab in _rows(new_rows, "address_id", "building_id", "label")]
    rows += [(now, run_id, "update", "address", a, "status", st, "retired",
              reason or f"building {b} no longer in the data")
             for a, b, st in _rows(retire, "address_id", "building_id", "status")]
    return rows
