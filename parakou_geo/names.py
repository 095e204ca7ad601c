"""Official street names adopted by the council: validation, import and name history.

A names CSV gives, per street code, the name, its type (Rue, Avenue, Boulevard...), the
decision date and its reference. Every problem of the file is reported at once before anything
changes; an accepted import updates the streets and their addresses, closes the previous name
in the ``street_names`` table and records each change in the history. Codes never change.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from parakou_geo._csv import FORMULA_STARTS
from parakou_geo._errors import InputError
from parakou_geo._gpkg import append_history, history_time, record_run, transaction
from parakou_geo.codes import read_text_csv
from parakou_geo.streets import name_key

__all__ = ["NameRules", "check_names", "formula_problem", "full_name", "import_names",
           "read_official_names"]

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


def read_official_names(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read an official names CSV (UTF-8, ``,`` or ``;``).

    Columns: ``street_code``, ``name``, ``street_type``, ``decision_date`` (YYYY-MM-DD) and
    ``reference`` (the council decision). All values are kept as text, untouched.
    """
    p = Path(path)
    frame = read_text_csv(p)
    needed = ["street_code", "name", "street_type", "decision_date", "reference"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}; the file needs "
                         f"{', '.join(needed)}", source=str(p))
    frame.attrs["source"] = str(p)
    return frame[needed]


def check_names(
    names: pd.DataFrame,
    streets: pd.DataFrame,
    *,
    rules: NameRules | None = None,
) -> list[str]:
    """Return every problem of an official names table (empty when it can be imported).

    Parameters
    ----------
    names : pandas.DataFrame
        As returned by :func:`read_official_names`.
    streets : pandas.DataFrame
        The register's streets with ``street_code``, ``street_name``, ``street_type``,
        ``name_source`` and ``status``.
    rules : NameRules, optional
        Length limit and allowed types.

    Returns
    -------
    list of str
        One sentence per problem, naming the CSV line.
    """
    r = rules or NameRules()
    problems: list[str] = []
    current = streets[streets["status"] == "current"]
    codes = set(current["street_code"].astype(str))
    types = {name_key(t): t for t in r.street_types}
    seen_code: dict[str, int] = {}
    seen_name: dict[str, tuple[int, str]] = {}
    for line, rec in enumerate(names.to_dict("records"), start=2):
        code = str(rec["street_code"])
        raw = str(rec["name"])
        kind = str(rec["street_type"])
        if code.strip() not in codes:
            problems.append(f"line {line}: unknown street code {code!r}")
        if code in seen_code:
            problems.append(f"line {line}: street {code} is named twice (also line "
                            f"{seen_code[code]})")
        seen_code[code] = line
        if not raw.strip():
            problems.append(f"line {line}: empty name for street {code}")
            continue
        if raw != raw.strip() or "  " in raw:
            problems.append(f"line {line}: stray spaces in {raw!r} (leading, trailing or "
                            "double); remove them")
        formula = formula_problem(raw)
        if formula:
            problems.append(f"line {line}: {formula}")
        bad = sorted(set(_FORBIDDEN.findall(raw)))
        if bad:
            problems.append(f"line {line}: forbidden character(s) {' '.join(map(repr, bad))} "
                            f"in {raw!r}")
        if name_key(kind) not in types:
            problems.append(f"line {line}: street type {kind!r} is not one of "
                            f"{', '.join(r.street_types)}")
        full = full_name(raw, kind)
        if len(full) > r.max_length:
            problems.append(f"line {line}: {full!r} has {len(full)} characters, more than "
                            f"{r.max_length}")
        if rec["decision_date"]:
            try:
                dt.date.fromisoformat(str(rec["decision_date"]))
            except ValueError:
                problems.append(f"line {line}: decision date {rec['decision_date']!r} is not "
                                "YYYY-MM-DD")
        else:
            problems.append(f"line {line}: no decision date")
        key = name_key(full) or ""
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
    """Validate and import official names into a register.

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
        problems = check_names(names, streets, rules=rules)
        if problems:
            raise InputError(problems, source=str(names.attrs.get("source", "names")),
                             note="Nothing was imported; fix the file and run again.")
        now = history_time(run_date)
        current = streets[streets["status"] == "current"].set_index("street_code")
        history: list[tuple[object, ...]] = []
        changed = 0
        for rec in names.to_dict("records"):
            code, name = str(rec["street_code"]).strip(), full_name(rec["name"],
                                                                   rec["street_type"])
            kind, decided, ref = str(rec["street_type"]), str(rec["decision_date"]), \
                str(rec["reference"])
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
                        (code, name, kind, decided, ref, decided))
            history.append((now, run_id, "name", "street", code, "street_name", old, name,
                            reason or ref))
            if old_kind != kind:
                history.append((now, run_id, "name", "street", code, "street_type",
                                old_kind, kind, reason or ref))
        append_history(con, history)
        record_run(con, run_id, "names", f"{changed} streets named")
    return changed
