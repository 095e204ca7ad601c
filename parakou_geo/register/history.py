"""Reading a register's history, and differences between two registers or two dates."""

from __future__ import annotations

import contextlib
import datetime as dt
import os

import pandas as pd

from parakou_geo._errors import RegisterError
from parakou_geo.register._storage import connect
from parakou_geo.register._transaction import HISTORY_COLUMNS, read_meta

__all__ = ["DIFF_FIELDS", "changes_between", "diff_registers", "read_history"]

#: Address fields compared by :func:`diff_registers`.
DIFF_FIELDS: tuple[str, ...] = (
    "label", "status", "official", "street_code", "street_name", "number", "suffix", "zone",
    "building_id",
)


def read_history(
    path: str | os.PathLike[str],
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    object_id: str | None = None,
) -> pd.DataFrame:
    """Return the history rows of a register, oldest first.

    Parameters
    ----------
    path : str or os.PathLike
        The register GeoPackage.
    since, until : datetime.date, optional
        Keep changes made on or after ``since`` and on or before ``until`` (UTC dates).
    object_id : str, optional
        Keep the changes of one address id or street code.
    """
    read_meta(path)
    clauses, params = [], []
    if since is not None:
        clauses.append("substr(time, 1, 10) >= ?")
        params.append(since.isoformat())
    if until is not None:
        clauses.append("substr(time, 1, 10) <= ?")
        params.append(until.isoformat())
    if object_id is not None:
        clauses.append("object_id = ?")
        params.append(object_id)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    with contextlib.closing(connect(path)) as con:
        return pd.read_sql_query(
            f"SELECT {', '.join(HISTORY_COLUMNS)} FROM history{where} ORDER BY fid", con,
            params=params)


def changes_between(
    path: str | os.PathLike[str], since: dt.date, until: dt.date
) -> pd.DataFrame:
    """Summarise what changed between two dates: first old and last new value per field.

    Returns
    -------
    pandas.DataFrame
        ``object_type``, ``object_id``, ``field``, ``old_value``, ``new_value``, ``n_changes``.
    """
    if until < since:
        raise RegisterError(f"the end date {until} is before the start date {since}")
    h = read_history(path, since=since, until=until)
    if h.empty:
        return pd.DataFrame(columns=["object_type", "object_id", "field", "old_value",
                                     "new_value", "n_changes"])
    h["field"] = h["field"].fillna("")
    g = h.groupby(["object_type", "object_id", "field"], sort=True)
    return pd.DataFrame({
        "old_value": g["old_value"].first(),
        "new_value": g["new_value"].last(),
        "n_changes": g.size(),
    }).reset_index()


def diff_registers(
    before: str | os.PathLike[str], after: str | os.PathLike[str]
) -> pd.DataFrame:
    """Compare the addresses of two register files by address id.

    Returns
    -------
    pandas.DataFrame
        ``address_id``, ``change`` (``added``, ``removed`` or ``changed``), ``field``,
        ``before``, ``after``; one row per changed field.
    """
    from parakou_geo.register.read import read_register  # GDAL: not needed by read_history

    frames = []
    for p in (before, after):
        read_meta(p)
        frames.append(pd.DataFrame(read_register(
            p, layers=("addresses",), columns={"addresses": ("address_id", *DIFF_FIELDS)},
            geometry=False).addresses).set_index("address_id"))
    a, b = frames
    rows: list[tuple[object, ...]] = []
    rows += [(i, "added", "", "", b.loc[i, "label"]) for i in sorted(set(b.index) - set(a.index))]
    rows += [(i, "removed", "", a.loc[i, "label"], "")
             for i in sorted(set(a.index) - set(b.index))]
    common = a.index.intersection(b.index).sort_values()
    for f in DIFF_FIELDS:
        x = a.loc[common, f].astype(str).where(a.loc[common, f].notna(), "")
        y = b.loc[common, f].astype(str).where(b.loc[common, f].notna(), "")
        diff = x != y
        rows += [(i, "changed", f, x[i], y[i]) for i in common[diff.to_numpy()]]
    out = pd.DataFrame(rows, columns=["address_id", "change", "field", "before", "after"])
    return out.sort_values(["address_id", "change", "field"], kind="stable") \
        .reset_index(drop=True)
