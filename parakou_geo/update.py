"""Updating a register from new survey data, without ever renumbering an existing address.

Existing addresses keep their id, street code, number, suffix and label. New buildings get
numbers by their street's method (a taken number gets the next free suffix); buildings that
disappeared are retired (kept, with a date; their numbers are never reused). Buildings are
matched by id, or by footprint overlap when the input has no ids. Streets are matched by
overlap: an edited street keeps its code and origin; a new street gets the next free code of its
zone. The whole update is one SQLite transaction: it happens completely or not at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import sqlite3
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from parakou_geo._csv import write_csv
from parakou_geo._errors import InputError, RegisterError
from parakou_geo._update_guard import check_mass_change
from parakou_geo._update_match import (
    _active_ids,
    _details,
    _load,
    _match_buildings,
    _Old,
    _rebuild_streets,
    _text,
)
from parakou_geo.access import choose_streets
from parakou_geo.io import combine_osm_ids, read_layer
from parakou_geo.numbering import (
    StreetIndex,
    next_free_suffix,
    number_doors,
    sequential_insert_numbers,
    street_suffix_style,
)
from parakou_geo.register import atomic_path
from parakou_geo.register._storage import (
    insert_features,
    prepare_insert,
    run_insert,
    touch_contents,
)
from parakou_geo.register._transaction import (
    append_history,
    history_time,
    read_meta,
    record_run,
    transaction,
    write_meta,
)
from parakou_geo.register.meta import load_settings_of
from parakou_geo.register.rows import address_rows, input_fingerprint, roads_fingerprint
from parakou_geo.settings import MAX_CHANGE_SHARE, AddressingSettings
from parakou_geo.validate import (
    check_layer,
    detect_id_column,
    layers_apart_problems,
    prepare_roads,
)

__all__ = [
    "MAX_CHANGE_SHARE",
    "UpdateReport",
    "load_settings_of",
    "update_register",
    "update_register_files",
]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: Columns of the changes table (and CSV) an update produces.
CHANGE_COLUMNS: tuple[str, ...] = (
    "change", "object_type", "object_id", "building_id", "street_code", "label", "detail",
)


@dataclass
class UpdateReport:
    """What an update did.

    Attributes
    ----------
    run_id : str
        Id of the update in the register's ``runs`` and ``history`` tables.
    changes : pandas.DataFrame
        One row per change (columns :data:`CHANGE_COLUMNS`).
    match_method : str
        ``"building id"`` or ``"footprint overlap"``: how buildings were recognised.
    roads_changed : bool
        Whether the road network differed from the register's.
    counts : dict of str to int
        Numbers of added, retired, unchanged addresses and added/retired streets.
    """

    run_id: str
    changes: pd.DataFrame
    match_method: str
    roads_changed: bool
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """Return a short human-readable summary."""
        c = self.counts
        return (
            f"buildings matched by {self.match_method}; roads "
            f"{'changed' if self.roads_changed else 'unchanged'}\n"
            f"  addresses kept:     {c.get('kept', 0)}\n"
            f"  addresses added:    {c.get('added', 0)}\n"
            f"  addresses retired:  {c.get('retired', 0)}\n"
            f"  streets added:      {c.get('streets_added', 0)}\n"
            f"  streets retired:    {c.get('streets_retired', 0)}\n"
            f"  unaddressed:        {c.get('unaddressed', 0)}"
        )


def _centre(meta: dict[str, str]) -> tuple[float, float]:
    x, y = (float(v) for v in meta["centre_xy"].split())
    return x, y


def update_register(
    path: str | os.PathLike[str],
    roads: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    *,
    crs: str | None = None,
    run_date: dt.date | None = None,
    changes_csv: str | os.PathLike[str] | None = None,
    reason: str | None = None,
    progress: Callable[[str], None] | None = None,
    max_change_share: float = MAX_CHANGE_SHARE,
    allow_mass_retirement: bool = False,
) -> UpdateReport:
    """Update a register from a new survey of roads and buildings.

    Parameters
    ----------
    path : str or os.PathLike
        The register GeoPackage (changed in place, atomically).
    roads, buildings : geopandas.GeoDataFrame
        The complete new road and building layers, in any CRS (reprojected to the register's
        metric CRS). Buildings absent from ``buildings`` are retired.
    crs : str, optional
        CRS of input layers that have none.
    run_date : datetime.date, optional
        Date written on new and retired addresses (default: today).
    changes_csv : str or os.PathLike, optional
        Also write the changes table here (UTF-8 CSV).
    reason : str, optional
        Recorded in the history with every change.
    progress : callable, optional
        Called with a step name as each step starts.
    max_change_share : float
        Largest share (0-1) of the register's active addresses an update may retire, or add
        again with a suffix, without ``allow_mass_retirement`` (default 5 %; at least
        :data:`parakou_geo._update_guard.MASS_CHANGE_MIN` addresses are always allowed).
    allow_mass_retirement : bool
        Accept an update above that share (a real mass change, checked by hand).

    Returns
    -------
    UpdateReport
        The changes made.

    Raises
    ------
    InputError
        Every problem of the input layers, before anything is changed.
    MassChangeError
        The update would retire or re-suffix more than ``max_change_share`` of the register
        (usually the building id column changed type or name, or features were unreadable);
        the message gives the counts and the likely cause. The register is unchanged.
    RegisterError
        The file is not a register of this version, or is being updated by another process.
    """
    if not 0 <= max_change_share <= 1:
        raise RegisterError(f"max_change_share={max_change_share!r}: give a share between 0 "
                            "and 1 (0.05 is 5 %)")
    p = Path(path)
    step = progress or (lambda _n: None)
    step("validate")
    with contextlib.ExitStack() as stack:
        # the changes CSV is written to a temporary file inside the transaction and moved into
        # place after the commit: a CSV that cannot be written leaves the register unchanged
        csv_tmp = (stack.enter_context(atomic_path(changes_csv, overwrite=True))
                   if changes_csv is not None else None)
        report = _apply(p, roads, buildings, csv_tmp, crs=crs, run_date=run_date,
                        reason=reason, step=step,
                        limit=None if allow_mass_retirement else max_change_share)
    logger.info("register %s updated: %s", p, report.counts)
    return report


def _apply(
    p: Path,
    roads: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    csv_tmp: Path | None,
    *,
    crs: str | None,
    run_date: dt.date | None,
    reason: str | None,
    step: Callable[[str], None],
    limit: float | None,
) -> UpdateReport:
    """Make the update in one transaction (and write the changes CSV before committing)."""
    meta = read_meta(p)
    s = load_settings_of(meta)
    metric = CRS.from_user_input(meta["metric_crs"])
    centre = _centre(meta)
    day = (run_date or dt.date.today()).isoformat()
    run_id = str(uuid.uuid4())
    if s.building_id_column is None and meta.get("building_ids") == "osm_combined":
        buildings = combine_osm_ids(buildings)  # the ids of the first build: w<way>, r<relation>
    id_col = detect_id_column(buildings, "buildings", s.building_id_column)
    with transaction(p) as con, ThreadPoolExecutor(max_workers=1) as pool:
        # the ids of the register's addresses are read (one SQLite call, without the GIL)
        # while the input layers are checked; nothing is written before both are done
        reading = pool.submit(_active_ids, con)
        problems = check_layer(roads, "roads", settings=s, crs=crs)
        problems += check_layer(buildings, "buildings", settings=s, crs=crs)
        if not problems:
            problems = layers_apart_problems({"roads": roads, "buildings": buildings},
                                             crs=crs, max_distance_m=s.max_distance_m)
        joined = reading.result()
        if problems:
            raise InputError(problems)
        step("streets")
        fingerprints = {"roads_input_fingerprint": input_fingerprint(roads, crs)}
        roads_changed = False
        if fingerprints["roads_input_fingerprint"] != meta.get("roads_input_fingerprint"):
            # the input differs at least in order or columns: compare the prepared network
            road_m, _ = prepare_roads(roads, settings=s, metric_crs=metric, crs=crs)
            fingerprints["roads_fingerprint"] = roads_fingerprint(road_m)
            roads_changed = fingerprints["roads_fingerprint"] != meta.get("roads_fingerprint")
        old = _load(con, joined, need_footprints=id_col is None, roads_changed=roads_changed)
        if roads_changed:
            streets, segments, street_changes = _rebuild_streets(road_m, old, s, centre, day)
        else:
            streets, segments, street_changes = old.streets, old.segments, []
        step("buildings")
        cand, dropped, gone_ids, method = _match_buildings(
            buildings, id_col, old.active_ids, old.footprints, s, metric, crs)
        step("numbering")
        new_rows, unaddressed, footprints = _number_new(cand, streets, segments, old, s,
                                                        metric, day, con)
        step("register")
        locked = set(streets.loc[streets["locked"].astype(bool), "street_code"])
        gone = _details(con, gone_ids)
        deferred = gone[gone["street_code"].isin(locked)]
        retire = gone[~gone["street_code"].isin(locked)]
        if limit is not None:
            check_mass_change(len(old.active_ids), len(gone), new_rows, limit, buildings,
                              id_col, old.active_ids, dropped)
        # the new rows are written (SQLite works without the GIL) while the lists are made
        writes = [pool.submit(run_insert, con, prepare_insert(old.layouts["addresses"],
                                                              new_rows))]
        writes.append(pool.submit(run_insert, con, prepare_insert(old.layouts["buildings"],
                                                                  footprints)))
        changes = _changes(new_rows, retire, deferred, street_changes,
                           unaddressed[~unaddressed["building_id"].isin(old.unaddressed_ids)],
                           {str(b) for b in old.unaddressed_ids})
        history = _history(new_rows, retire, street_changes, run_id, reason, run_date)
        now = history_time(run_date)
        history += [(now, run_id, "update", "address", a, None, st, st,
                     f"retirement deferred: building {b} is gone but street {c} is locked")
                    for a, b, c, st in zip(deferred["address_id"], deferred["building_id"],
                                           deferred["street_code"], deferred["status"],
                                           strict=True)]
        for done in writes:
            done.result()
        _write(con, new_rows, retire, unaddressed, dropped, streets, segments, roads_changed,
               footprints, history, run_id, day, fingerprints, method)
        table = pd.DataFrame(changes, columns=list(CHANGE_COLUMNS))
        if csv_tmp is not None:
            write_csv(table, csv_tmp)
    counts = {
        "kept": len(old.active_ids) - len(retire),
        "added": len(new_rows),
        "retired": len(retire),
        "retirement_deferred": len(deferred),
        "streets_added": sum(1 for c in street_changes if c[0] == "street_added"),
        "streets_retired": sum(1 for c in street_changes if c[0] == "street_retired"),
        "unaddressed": len(unaddressed) + len(dropped),
    }
    return UpdateReport(run_id=run_id, changes=table, match_method=method,
                        roads_changed=roads_changed, counts=counts)


def _number_new(
    cand: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame,
    old: _Old,
    s: AddressingSettings,
    metric: CRS,
    day: str,
    con: sqlite3.Connection,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Give numbers to the new buildings without touching any existing number.

    Returns the new address rows, the buildings left unaddressed (with the reason) and the
    footprints of the addressed buildings.
    """
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
    rows = _new_address_rows(cand, num, code, number, suffix, addressed, current, old, s,
                             metric, day)
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
    return rows, unaddressed, footprints


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
    cand: gpd.GeoDataFrame,
    num: pd.DataFrame,
    code: np.ndarray,
    number: np.ndarray,
    suffix: np.ndarray,
    addressed: np.ndarray,
    streets: gpd.GeoDataFrame,
    old: _Old,
    s: AddressingSettings,
    metric: CRS,
    day: str,
) -> gpd.GeoDataFrame:
    k = np.flatnonzero(addressed)
    at = num["street"].to_numpy()[k]  # rows of ``streets``
    c = code[k].astype(object)
    door = np.asarray(cand["door"].array)[k]
    frame = address_rows(
        building_ids=cand["building_id"].to_numpy(dtype=object)[k], doors=door, codes=c,
        numbers=number[k], suffixes=suffix[k],
        street_names=streets["street_name"].to_numpy(dtype=object)[at],
        zones=streets["zone"].to_numpy(dtype=object)[at], numbering=num.iloc[k],
        quartiers=old.quartiers, passthrough=pd.DataFrame(cand.iloc[k]), settings=s,
        metric_crs=metric, day=day, zone_polygons=old.zones,
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(door, crs=metric).values)


def _rows(frame: pd.DataFrame, *names: str) -> Iterator[tuple[Any, ...]]:
    """Iterate over some columns row by row (from lists: much faster than pandas Series)."""
    return zip(*[frame[n].tolist() for n in names], strict=True)


def _changes(
    new_rows: gpd.GeoDataFrame,
    retire: pd.DataFrame,
    deferred: pd.DataFrame,
    street_changes: list[tuple[str, ...]],
    unaddressed: gpd.GeoDataFrame,
    was_unaddressed: set[str] | frozenset[str] = frozenset(),
) -> list[tuple[str, ...]]:
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
    new_rows: gpd.GeoDataFrame,
    retire: pd.DataFrame,
    street_changes: list[tuple[str, ...]],
    run_id: str,
    reason: str | None,
    run_date: dt.date | None,
) -> list[tuple[object, ...]]:
    """History rows in :data:`parakou_geo._gpkg.HISTORY_COLUMNS` order."""
    now = history_time(run_date)
    rows: list[tuple[object, ...]] = []
    for change, _, code, *_rest in street_changes:
        old, new = (None, "current") if change == "street_added" else ("current", "retired")
        rows.append((now, run_id, "update", "street", code, "status", old, new,
                     reason or change.replace("_", " ")))
    rows += [(now, run_id, "update", "address", a, "status", None, "proposed",
              reason or f"new building {b}: {lab}")
             for a, b, lab in _rows(new_rows, "address_id", "building_id", "label")]
    rows += [(now, run_id, "update", "address", a, "status", st, "retired",
              reason or f"building {b} no longer in the data")
             for a, b, st in _rows(retire, "address_id", "building_id", "status")]
    return rows


def _write(
    con: sqlite3.Connection,
    new_rows: gpd.GeoDataFrame,
    retire: pd.DataFrame,
    unaddressed: gpd.GeoDataFrame,
    dropped: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame,
    roads_changed: bool,
    footprints: gpd.GeoDataFrame,
    history: list[tuple[object, ...]],
    run_id: str,
    day: str,
    fingerprints: dict[str, str],
    method: str,
) -> None:
    """Apply the rest of the update inside the register's transaction.

    The new addresses and footprints are inserted before, by :func:`run_insert`.
    """
    all_unaddressed = unaddressed if dropped.empty else pd.concat([unaddressed, dropped.assign(
        detail="the feature has no geometry or an empty one", distance_to_street_m=np.nan)],
        ignore_index=True)
    con.executemany(
        "UPDATE addresses SET status = 'retired', retired = ?, updated = ? "
        "WHERE address_id = ?",
        [(day, day, a) for a in retire["address_id"]])
    con.execute("DELETE FROM unaddressed")
    insert_features(con, "unaddressed", all_unaddressed)
    if roads_changed:
        con.execute("DELETE FROM streets")
        con.execute("DELETE FROM segments")
        insert_features(con, "streets", streets)
        insert_features(con, "segments", segments)
        touch_contents(con, "streets", streets.total_bounds)
        touch_contents(con, "segments", segments.total_bounds)
    if len(new_rows):  # the rows themselves are already inserted
        touch_contents(con, "addresses", new_rows.total_bounds)
        touch_contents(con, "buildings", footprints.total_bounds)
    touch_contents(con, "unaddressed")
    append_history(con, history)
    record_run(con, run_id, "update", json.dumps(
        {"added": len(new_rows), "retired": len(retire), "match": method}))
    write_meta(con, fingerprints)
    if roads_changed:
        counts = dict(con.execute(
            "SELECT street_code, count(*) FROM addresses WHERE status IN ('proposed', "
            "'current') GROUP BY street_code").fetchall())
        codes = [r[0] for r in con.execute("SELECT street_code FROM streets")]
        con.executemany("UPDATE streets SET n_addresses = ? WHERE street_code = ?",
                        [(int(counts.get(c, 0)), c) for c in codes])
    else:
        delta = Counter(new_rows["street_code"].tolist())
        delta.subtract(retire["street_code"].tolist())
        con.executemany("UPDATE streets SET n_addresses = n_addresses + ? WHERE "
                        "street_code = ? AND status = 'current'",
                        [(int(d), str(c)) for c, d in sorted(delta.items()) if d])


def update_register_files(
    path: str | os.PathLike[str],
    roads: str | os.PathLike[str],
    buildings: str | os.PathLike[str],
    *,
    roads_layer: str | None = None,
    buildings_layer: str | None = None,
    crs: str | None = None,
    run_date: dt.date | None = None,
    changes_csv: str | os.PathLike[str] | None = None,
    reason: str | None = None,
    progress: Callable[[str], None] | None = None,
    max_change_share: float = MAX_CHANGE_SHARE,
    allow_mass_retirement: bool = False,
) -> UpdateReport:
    """Read the new road and building files and run :func:`update_register`."""
    problems: list[str] = []
    layers: dict[str, gpd.GeoDataFrame] = {}
    for kind, file, layer in (("roads", roads, roads_layer),
                              ("buildings", buildings, buildings_layer)):
        try:
            layers[kind] = read_layer(file, layer=layer, kind=kind)  # type: ignore[arg-type]
        except InputError as exc:
            problems.append(str(exc))
    if problems:
        raise InputError(problems)
    return update_register(path, layers["roads"], layers["buildings"], crs=crs,
                           run_date=run_date, changes_csv=changes_csv, reason=reason,
                           progress=progress, max_change_share=max_change_share,
                           allow_mass_retirement=allow_mass_retirement)
