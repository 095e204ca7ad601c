"""Updating a register from new survey data, without ever renumbering an existing address.

Existing addresses keep their id, street code, number, suffix and label. New buildings get
numbers by their street's method (a taken number gets the next free suffix); buildings that
disappeared are retired (kept, with a date; their numbers are never reused). Buildings are
matched by id, or by footprint overlap when the input has no ids. Streets are matched by
overlap: an edited street keeps its code and origin; a new street gets the next free code of its
zone. The whole update is one SQLite transaction: it happens completely or not at all.

An update is made in two steps: a *plan* (:class:`UpdatePlan`, made by
:mod:`parakou_geo.register._update_plan` from what is read: nothing is written) and
:func:`apply_update`, which writes the plan in the register's transaction. The mass-change guard
looks at the plan before anything is written.
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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict, Unpack

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from parakou_geo._csv import write_csv
from parakou_geo._errors import InputError, RegisterError
from parakou_geo._input_checks import layers_apart_problems
from parakou_geo.check import check_layer, detect_id_column
from parakou_geo.io import combine_osm_ids, read_layer
from parakou_geo.prepare import prepare_roads
from parakou_geo.register import atomic_path
from parakou_geo.register._storage import (
    TableLayout,
    insert_features,
    prepare_insert,
    run_insert,
    table_layout,
    touch_contents,
)
from parakou_geo.register._transaction import (
    append_history,
    read_meta,
    record_run,
    transaction,
    write_meta,
)
from parakou_geo.register._update_guard import check_mass_change
from parakou_geo.register._update_match import (
    _active_ids,
    _details,
    _load,
    _match_buildings,
    _rebuild_streets,
)
from parakou_geo.register._update_plan import (
    CHANGE_COLUMNS,
    UpdateContext,
    UpdatePlan,
    number_new,
    plan_changes,
)
from parakou_geo.register.meta import load_settings_of
from parakou_geo.register.rows import input_fingerprint, roads_fingerprint
from parakou_geo.settings import MAX_CHANGE_SHARE

__all__ = [
    "CHANGE_COLUMNS",
    "MAX_CHANGE_SHARE",
    "UpdateOptions",
    "UpdatePlan",
    "UpdateReport",
    "apply_update",
    "load_settings_of",
    "update_register",
    "update_register_files",
]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())


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
        :data:`parakou_geo.register._update_guard.MASS_CHANGE_MIN` addresses are always allowed).
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
    step("check")
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
    """Plan the update and apply it in one transaction (changes CSV written before the commit).

    Everything is read and checked, and the plan made, before anything is written.
    """
    meta = read_meta(p)
    s = load_settings_of(meta)
    ctx = UpdateContext(settings=s, metric=CRS.from_user_input(meta["metric_crs"]),
                        run_id=str(uuid.uuid4()), run_date=run_date, reason=reason)
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
            road_m, _ = prepare_roads(roads, settings=s, metric_crs=ctx.metric, crs=crs)
            fingerprints["roads_fingerprint"] = roads_fingerprint(road_m)
            roads_changed = fingerprints["roads_fingerprint"] != meta.get("roads_fingerprint")
        old = _load(con, joined, need_footprints=id_col is None, roads_changed=roads_changed)
        if roads_changed:
            x, y = (float(v) for v in meta["centre_xy"].split())
            streets, segments, street_changes = _rebuild_streets(road_m, old, s, (x, y),
                                                                 ctx.day)
        else:
            streets, segments, street_changes = old.streets, old.segments, []
        step("buildings")
        match = _match_buildings(buildings, id_col, old, settings=s, metric=ctx.metric,
                                 crs=crs)
        step("numbering")
        added = number_new(ctx, match.new, streets, segments, old, con)
        step("register")
        plan = plan_changes(ctx, old, added, _details(con, match.gone_ids), match.dropped,
                            streets=streets, segments=segments,
                            street_changes=street_changes, roads_changed=roads_changed,
                            fingerprints=fingerprints, match_method=match.method)
        if limit is not None:
            check_mass_change(plan, match, old.active_ids, limit)
        apply_update(con, plan, layouts=old.layouts)
        if csv_tmp is not None:
            write_csv(plan.changes, csv_tmp)
    return UpdateReport(run_id=plan.run_id, changes=plan.changes, match_method=plan.match_method,
                        roads_changed=roads_changed, counts=plan.counts)


def apply_update(
    con: sqlite3.Connection,
    plan: UpdatePlan,
    *,
    layouts: dict[str, TableLayout] | None = None,
) -> None:
    """Write an :class:`UpdatePlan` inside the register's transaction ``con``.

    Parameters
    ----------
    con : sqlite3.Connection
        A connection inside :func:`~parakou_geo.register._transaction.transaction`.
    plan : UpdatePlan
        What to change (:func:`~parakou_geo.register._update_plan.plan_changes`).
    layouts : dict of str to TableLayout, optional
        The ``addresses`` and ``buildings`` table layouts, when already read.
    """
    layouts = layouts or {}
    new_rows, footprints, retire, day = (plan.added.rows, plan.added.footprints, plan.retire,
                                         plan.day)
    for table, frame in (("addresses", new_rows), ("buildings", footprints)):
        layout = layouts.get(table) or table_layout(con, table)
        run_insert(con, prepare_insert(layout, frame))
    con.executemany(
        "UPDATE addresses SET status = 'retired', retired = ?, updated = ? "
        "WHERE address_id = ?",
        [(day, day, a) for a in retire["address_id"]])
    con.execute("DELETE FROM unaddressed")
    insert_features(con, "unaddressed", plan.unaddressed)
    if plan.roads_changed:
        con.execute("DELETE FROM streets")
        con.execute("DELETE FROM segments")
        insert_features(con, "streets", plan.streets)
        insert_features(con, "segments", plan.segments)
        touch_contents(con, "streets", plan.streets.total_bounds)
        touch_contents(con, "segments", plan.segments.total_bounds)
    if len(new_rows):
        touch_contents(con, "addresses", new_rows.total_bounds)
        touch_contents(con, "buildings", footprints.total_bounds)
    touch_contents(con, "unaddressed")
    append_history(con, plan.history)
    record_run(con, plan.run_id, "update", json.dumps(
        {"added": len(new_rows), "retired": len(retire), "match": plan.match_method}))
    write_meta(con, plan.fingerprints)
    if plan.roads_changed:
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


class UpdateOptions(TypedDict, total=False):
    """Options of :func:`update_register` that :func:`update_register_files` passes on."""

    crs: str | None
    run_date: dt.date | None
    changes_csv: str | os.PathLike[str] | None
    reason: str | None
    progress: Callable[[str], None] | None
    max_change_share: float
    allow_mass_retirement: bool


def update_register_files(
    path: str | os.PathLike[str],
    roads: str | os.PathLike[str],
    buildings: str | os.PathLike[str],
    *,
    roads_layer: str | None = None,
    buildings_layer: str | None = None,
    **options: Unpack[UpdateOptions],
) -> UpdateReport:
    """Read the new road and building files and run :func:`update_register`.

    Parameters
    ----------
    path : str or os.PathLike
        The register GeoPackage.
    roads, buildings : str or os.PathLike
        The new road and building files (any format :func:`parakou_geo.io.read_layer` reads).
    roads_layer, buildings_layer : str, optional
        Their layer, in a file with several.
    **options
        ``crs``, ``run_date``, ``changes_csv``, ``reason``, ``progress``,
        ``max_change_share`` and ``allow_mass_retirement``, as in :func:`update_register`.
    """
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
    return update_register(path, layers["roads"], layers["buildings"], **options)
