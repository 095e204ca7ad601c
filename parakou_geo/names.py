"""Official street names adopted by the council: checks, import and name history.

A names CSV gives, per street code, the name, its type (Rue, Avenue, Boulevard...), the
decision date and its reference. Every problem of the file is reported at once before anything
changes; an accepted import updates the streets and their addresses, closes the previous name
in the ``street_names`` table and records each change in the history. Codes never change.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import sqlite3
import uuid
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from parakou_geo._csv import FORMULA_STARTS
from parakou_geo._errors import InputError
from parakou_geo.register._transaction import append_history, history_time, record_run, transaction
from parakou_geo.streets import name_key

__all__ = ["NameRules", "check_names", "formula_problem", "full_name", "import_names",
           "read_official_names", "read_text_csv", "resolve_names"]

_FORBIDDEN = re.compile(r"[<>{}\[\]|\\^~\"#%*=@$;_\x00-\x1f\x7f]")


def formula_problem(name: str) -> str | None:
    """Return why a name cannot be official when a spreadsheet would run it as a formula.

    Names end up in CSV and XLSX files opened in spreadsheets: a name starting with ``=``,
    ``+``, ``-``, ``@`` (or a tab or carriage return, spaces before it included) is refused
    everywhere, whatever the command.

    Examples
    --------
    >>> formula_problem('=HYPERLINK("http://evil","x")') is not None
    True
    >>> formula_problem("Rue des Manguiers") is None
    True
    """
    text = name.lstrip(" ")
    if text.startswith(FORMULA_STARTS):
        return (f"{name!r} starts with {text[0]!r}, which spreadsheets run as a formula; "
                "remove that character")
    return None


@dataclass(frozen=True)
class NameRules:
    """Rules an official street name must follow.

    Parameters
    ----------
    max_length : int
        Longest name allowed, type included (characters).
    street_types : tuple of str
        Allowed street types.
    """

    max_length: int = 60
    street_types: tuple[str, ...] = (
        "Rue", "Avenue", "Boulevard", "Place", "Impasse", "Allée", "Route", "Chemin",
        "Ruelle", "Carrefour", "Voie", "Passage", "Square", "Quai",
    )


def read_text_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a names CSV as text: ``,`` or ``;``, UTF-8 with or without BOM (Excel).

    Column names are stripped and lower-cased; ``code`` is read as ``street_code``. Values are
    kept as text, untouched (an empty cell is an empty string).
    """
    from parakou_geo._input_checks import ensure_regular_file

    p = ensure_regular_file(path, "names CSV")
    if p.is_file() and p.stat().st_size == 0:
        raise InputError("the file is empty (0 bytes); it needs a header line and one line "
                         "per street", source=str(p))
    try:
        frame = pd.read_csv(p, dtype=str, sep=None, engine="python", encoding="utf-8-sig",
                            keep_default_na=False)
    except FileNotFoundError as exc:
        raise InputError(f"names file not found: {p}") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{p} is a folder; give the names CSV file") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError,
            csv.Error) as exc:
        raise InputError(
            f"cannot be read as a UTF-8 CSV ({exc}); save it from Excel as 'CSV UTF-8'",
            source=str(p),
        ) from exc
    frame.columns = [c.strip().lower() for c in frame.columns]
    if "code" in frame.columns and "street_code" not in frame.columns:
        frame = frame.rename(columns={"code": "street_code"})
    return frame


#: Columns an official names CSV may have besides ``name`` and a street key.
OPTIONAL_COLUMNS: tuple[str, ...] = ("street_type", "decision_date", "reference")


def read_official_names(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read an official names CSV (UTF-8, ``,`` or ``;``): the one reader of such files.

    Used by ``parakou-geo address --names`` and ``parakou-geo names``. Columns: ``name`` and
    ``street_code`` (or ``code``) and/or ``road_id``; optional ``street_type``,
    ``decision_date`` (YYYY-MM-DD) and ``reference`` (the council decision). All values are
    kept as text, untouched; the names are checked by :func:`check_names`.
    """
    p = Path(path)
    frame = read_text_csv(p)
    if "name" not in frame.columns or not ({"street_code", "road_id"} & set(frame.columns)):
        raise InputError(
            f"needs a 'name' column and a 'street_code' (or 'code') or 'road_id' column; "
            f"found {', '.join(frame.columns)} (optional: {', '.join(OPTIONAL_COLUMNS)})",
            source=str(p),
        )
    frame.attrs["source"] = str(p)
    return frame


def _cell(rec: Mapping[Hashable, object], column: str) -> str:
    value = rec.get(column)
    return "" if _text(value) is None else str(value)


def resolve_names(
    names: pd.DataFrame,
    road_codes: Mapping[str, Sequence[str]] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Give each line of a names table its street code(s).

    Parameters
    ----------
    names : pandas.DataFrame
        As returned by :func:`read_official_names`.
    road_codes : mapping of str to sequence of str, optional
        The street codes of each road id (for lines giving ``road_id`` only).

    Returns
    -------
    table, problems : pandas.DataFrame, list of str
        One row per (line, street): ``line``, ``street_code``, ``name``, ``street_type``,
        ``decision_date``, ``reference``, ``by_road`` (all text but ``line`` and
        ``by_road``); and the lines whose street cannot be found.
    """
    rows: list[tuple[object, ...]] = []
    problems: list[str] = []
    for line, rec in enumerate(names.to_dict("records"), start=2):
        code, road = _cell(rec, "street_code").strip(), _cell(rec, "road_id").strip()
        extra = tuple(_cell(rec, c) for c in OPTIONAL_COLUMNS)
        if code:
            codes: Sequence[str] = [code]
        elif road:
            if road_codes is None or road not in road_codes:
                problems.append(f"line {line}: road id {road!r} is not in the roads layer")
                continue
            codes = road_codes[road]
        else:
            problems.append(f"line {line}: neither street_code nor road_id given")
            continue
        rows += [(line, c, _cell(rec, "name"), *extra, not code) for c in codes]
    table = pd.DataFrame(rows, columns=["line", "street_code", "name", *OPTIONAL_COLUMNS,
                                        "by_road"])
    return table, problems


def check_names(
    names: pd.DataFrame,
    streets: pd.DataFrame,
    *,
    rules: NameRules | None = None,
    road_codes: Mapping[str, Sequence[str]] | None = None,
) -> list[str]:
    """Return every problem of an official names table (empty when it can be imported).

    The one checker of official names, used by the first build (``address --names``) and by
    ``parakou-geo names``. ``street_type`` and ``decision_date`` are checked when given.

    Parameters
    ----------
    names : pandas.DataFrame
        As returned by :func:`read_official_names`.
    streets : pandas.DataFrame
        The register's streets with ``street_code``, ``street_name``, ``street_type``,
        ``name_source`` and ``status``.
    rules : NameRules, optional
        Length limit and allowed types.
    road_codes : mapping of str to sequence of str, optional
        The street codes of each road id (for lines giving ``road_id``).

    Returns
    -------
    list of str
        One sentence per problem, naming the CSV line.
    """
    r = rules or NameRules()
    table, problems = resolve_names(names, road_codes)
    current = streets[streets["status"] == "current"]
    codes = set(current["street_code"].astype(str))
    types = {name_key(t): t for t in r.street_types}
    seen_code: dict[str, tuple[int, str, bool]] = {}
    seen_name: dict[str, tuple[int, str]] = {}
    done: set[int] = set()
    for rec in table.to_dict("records"):
        line, code, raw = int(rec["line"]), str(rec["street_code"]), str(rec["name"])
        kind, by_road = str(rec["street_type"]), bool(rec["by_road"])
        if code not in codes:
            problems.append(f"line {line}: unknown street code {code!r}")
        full = full_name(raw, kind)
        key = name_key(full) or ""
        if code in seen_code:
            first, first_key, first_by_road = seen_code[code]
            # two road ids of one street may give it the same name
            if not (by_road and first_by_road and first_key == key):
                problems.append(f"line {line}: street {code} is named twice (also line "
                                f"{first})")
        seen_code.setdefault(code, (line, key, by_road))
        if line in done:
            continue  # the checks of the name itself: once per line
        done.add(line)
        if not raw.strip():
            problems.append(f"line {line}: empty name for street {code}")
            continue
        problems += [f"line {line}: {p}" for p in _name_problems(raw, kind, full, r, types)]
        if rec["decision_date"]:
            try:
                dt.date.fromisoformat(str(rec["decision_date"]))
            except ValueError:
                problems.append(f"line {line}: decision date {rec['decision_date']!r} is not "
                                "YYYY-MM-DD")
        elif "decision_date" in names.columns:
            problems.append(f"line {line}: no decision date")
        if key in seen_name and seen_name[key][1] != code:
            problems.append(f"line {line}: {full!r} is already given to street "
                            f"{seen_name[key][1]} on line {seen_name[key][0]} (names must be "
                            "unique in the commune, ignoring case and accents)")
        seen_name.setdefault(key, (line, code))
    renamed = set(seen_code)
    official = current[(current["name_source"] == "official")
                       & ~current["street_code"].astype(str).isin(renamed)]
    for code, name, kind in zip(official["street_code"], official["street_name"],
                                official["street_type"], strict=True):
        key = name_key(full_name(name, kind or "")) or ""
        if key in seen_name:
            line, new_code = seen_name[key]
            problems.append(f"line {line}: the name of street {new_code} is already the "
                            f"official name of street {code} ({full_name(name, kind or '')})")
    return problems


def _name_problems(raw: str, kind: str, full: str, r: NameRules,
                   types: Mapping[str | None, str]) -> list[str]:
    """Problems of one name as written (spaces, formulas, characters, type, length)."""
    out = []
    if raw != raw.strip() or "  " in raw:
        out.append(f"stray spaces in {raw!r} (leading, trailing or double); remove them")
    formula = formula_problem(raw)
    if formula:
        out.append(formula)
    bad = sorted(set(_FORBIDDEN.findall(raw)))
    if bad:
        out.append(f"forbidden character(s) {' '.join(map(repr, bad))} in {raw!r}")
    if kind and name_key(kind) not in types:
        out.append(f"street type {kind!r} is not one of {', '.join(r.street_types)}")
    if len(full) > r.max_length:
        out.append(f"{full!r} has {len(full)} characters, more than {r.max_length}")
    return out


def full_name(name: object, street_type: object) -> str:
    """Return the name as written on plates: the type, then the name (``Rue des Karités``).

    A name that already starts with its type is kept as it is.

    Examples
    --------
    >>> full_name("des Karités", "Rue"), full_name("Rue des Karités", "rue")
    ('Rue des Karités', 'Rue des Karités')
    """
    n, t = str(name).strip(), str(street_type).strip()
    if not t or (name_key(n) or "").startswith((name_key(t) or "") + " "):
        return n
    return f"{t} {n}"


def _text(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return str(value)


def import_names(
    path: str | os.PathLike[str],
    names: pd.DataFrame,
    *,
    rules: NameRules | None = None,
    reason: str | None = None,
    run_date: dt.date | None = None,
) -> int:
    """Check and import official names into a register.

    Parameters
    ----------
    path : str or os.PathLike
        The register GeoPackage.
    names : pandas.DataFrame
        As returned by :func:`read_official_names`.
    rules : NameRules, optional
        Name rules.
    reason : str, optional
        Recorded in the history (default: the decision reference).
    run_date : datetime.date, optional
        Date written in the history (default today).

    Returns
    -------
    int
        How many streets got a new name.

    Raises
    ------
    InputError
        Listing every problem of the table; nothing is imported.
    """
    run_id = str(uuid.uuid4())
    with transaction(path) as con:
        streets = pd.read_sql_query(
            "SELECT street_code, street_name, street_type, name_source, status FROM streets",
            con)
        road_codes = _road_codes(con)
        problems = check_names(names, streets, rules=rules, road_codes=road_codes)
        if problems:
            raise InputError(problems, source=str(names.attrs.get("source", "names")),
                             note="Nothing was imported; fix the file and run again.")
        now = history_time(run_date)
        day = (run_date or dt.date.today()).isoformat()
        current = streets[streets["status"] == "current"].set_index("street_code")
        history: list[tuple[object, ...]] = []
        changed = 0
        table = resolve_names(names, road_codes)[0].drop_duplicates("street_code")
        for rec in table.to_dict("records"):
            code = str(rec["street_code"])
            name = full_name(rec["name"], rec["street_type"])
            kind = str(rec["street_type"]).strip() or None
            decided, ref = str(rec["decision_date"]) or day, str(rec["reference"]) or None
            old = _text(current.loc[code, "street_name"])
            old_kind = _text(current.loc[code, "street_type"])
            if old == name and old_kind == kind:
                continue
            changed += 1
            con.execute("UPDATE streets SET street_name = ?, street_type = ?, name_source = "
                        "'official' WHERE street_code = ? AND status = 'current'",
                        (name, kind, code))
            con.execute("UPDATE addresses SET street_name = ? WHERE street_code = ?",
                        (name, code))
            con.execute("UPDATE street_names SET valid_to = ? WHERE street_code = ? AND "
                        "valid_to IS NULL", (decided, code))
            con.execute("INSERT INTO street_names (street_code, name, street_type, "
                        "decision_date, reference, valid_from) VALUES (?, ?, ?, ?, ?, ?)",
                        (code, name, kind, rec["decision_date"] or None, ref, decided))
            history.append((now, run_id, "name", "street", code, "street_name", old, name,
                            reason or ref))
            if old_kind != kind:
                history.append((now, run_id, "name", "street", code, "street_type",
                                old_kind, kind, reason or ref))
        append_history(con, history)
        record_run(con, run_id, "names", f"{changed} streets named")
    return changed


def _road_codes(con: sqlite3.Connection) -> dict[str, list[str]]:
    """Return the current street codes of each road id of the register's segments."""
    rows = con.execute(
        "SELECT DISTINCT s.road_id, s.street_code FROM segments s JOIN streets t ON "
        "t.street_code = s.street_code AND t.status = 'current' WHERE s.road_id IS NOT NULL "
        "ORDER BY s.street_code").fetchall()
    out: dict[str, list[str]] = {}
    for road, code in rows:
        out.setdefault(str(road), []).append(str(code))
    return out
