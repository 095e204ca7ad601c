"""``parakou-geo search`` and ``parakou-geo reverse``: find addresses in a register.

The geocoder is imported inside the commands, so ``parakou-geo --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from parakou_geo._errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from parakou_geo.geocode import Geocoder, Match

__all__ = ["add_parsers"]

#: Columns shown by ``--format table`` (all fields go to csv and json).
_TABLE = ("label", "status", "street_name", "quartier", "lon", "lat", "plus_code", "score",
          "why")


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``search`` and ``reverse``."""
    se = sub.add_parser(
        "search", help="find an address: label, street code or name, quartier, Plus Code",
        description="Find addresses in a register from free text: '12 bis rue 2.045', "
                    "'R2.045 12B', 'rue des manguiers 30 qtr Banikanni', '8JPJ+V4 Parakou'. "
                    "Accents, case, abbreviations and typos are tolerated. With --queries, "
                    "geocode a whole file (one query per line, or a CSV column) into a CSV "
                    "of best matches.")
    se.add_argument("register", type=Path, help="register .gpkg")
    se.add_argument("query", nargs="?", help="the text to find (quote it)")
    se.add_argument("--limit", type=int, default=5, help="at most this many results (5)")
    se.add_argument("--near", metavar="LON,LAT", help="prefer results near this point")
    se.add_argument("--format", choices=("table", "csv", "json"), default="table")
    se.add_argument("--queries", type=Path, metavar="FILE",
                    help="batch: a text file (one query per line) or a CSV")
    se.add_argument("--column", help="batch: CSV column holding the queries (default: "
                    "'query', else the first column)")
    se.add_argument("-o", "--output", type=Path, help="batch: CSV of best matches "
                    "(default: standard output)")
    se.add_argument("--overwrite", action="store_true", help="replace an existing output")
    se.set_defaults(func=_search)

    rv = sub.add_parser(
        "reverse", help="nearest address, street, side and number at a position",
        description="For a position (--at LAT,LON or a Plus Code) or a CSV of points, give "
                    "the nearest address, its street, the side and distance, and the number "
                    "a door there would get on that street.")
    rv.add_argument("register", type=Path, help="register .gpkg")
    rv.add_argument("--at", metavar="LAT,LON|PLUSCODE", help="one position")
    rv.add_argument("--points", type=Path, metavar="CSV", help="CSV of points")
    rv.add_argument("--lon-column", default="lon")
    rv.add_argument("--lat-column", default="lat")
    rv.add_argument("--max-distance", type=float, default=100.0, metavar="M",
                    help="streets farther than this are ignored (100 m)")
    rv.add_argument("--format", choices=("table", "csv", "json"), default="table")
    rv.add_argument("-o", "--output", type=Path, help="write the CSV here")
    rv.add_argument("--overwrite", action="store_true", help="replace an existing output")
    rv.set_defaults(func=_reverse)


def _pair(text: str, what: str, example: str) -> tuple[float, float]:
    parts = text.replace(";", ",").split(",")
    try:
        a, b = (float(p) for p in parts)
    except ValueError:
        raise InputError(f"{what}: expected two numbers separated by a comma, e.g. "
                         f"{example}; got {text!r}") from None
    return a, b


def _search(args: argparse.Namespace) -> int:
    from parakou_geo.geocode import Geocoder

    if args.limit < 1:
        raise InputError(f"--limit must be at least 1, got {args.limit}")
    near = _pair(args.near, "--near", "2.6292,9.3390") if args.near else None
    if (args.query is None) == (args.queries is None):
        raise InputError("give one query (in quotes) or --queries FILE, not both or none")
    geo = Geocoder.from_register(args.register)
    if args.queries is not None:
        return _batch(geo, args, near)
    result = geo.search(args.query, limit=args.limit, near=near)
    if not result.matches:
        print(f"parakou-geo search: no result: {result.message}", file=sys.stderr)
        return 1
    _show([m.as_dict() for m in result.matches], args.format)
    if result.message:
        print(f"note: {result.message}", file=sys.stderr)
    return 0


def _read_queries(path: Path, column: str | None) -> list[str]:
    import pandas as pd

    if not path.is_file():
        raise InputError(f"queries file {path} does not exist")
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text ({exc}); save it as UTF-8") from exc
    if path.suffix.lower() != ".csv":
        lines = raw.splitlines()
        while lines and not lines[-1].strip():
            lines.pop()
        return lines  # blank lines stay, so output rows line up with input lines
    import io

    sep = ";" if raw.split("\n", 1)[0].count(";") > raw.split("\n", 1)[0].count(",") else ","
    table = pd.read_csv(io.StringIO(raw), sep=sep, dtype=str, keep_default_na=False)
    if table.empty and not len(table.columns):
        raise InputError(f"{path} has no rows")
    col = column or ("query" if "query" in table.columns else str(table.columns[0]))
    if col not in table.columns:
        raise InputError(f"{path} has no column {col!r} (columns: "
                         f"{', '.join(map(str, table.columns))}); pass --column")
    return [str(v) for v in table[col].tolist()]


def _batch(geo: Geocoder, args: argparse.Namespace, near: tuple[float, float] | None) -> int:
    from parakou_geo.exports._spreadsheet import write_csv

    queries = _read_queries(args.queries, args.column)
    table = geo.search_many(queries, near=near)
    found = int(table["label"].notna().sum())
    if args.output is not None:
        write_csv(table, args.output, separator=",", decimal=".", overwrite=args.overwrite)
        print(f"{found} of {len(table)} queries found; best matches written to {args.output}")
    else:
        _show(_records(table), args.format if args.format != "table" else "csv")
        print(f"{found} of {len(table)} queries found", file=sys.stderr)
    return 0


def _reverse(args: argparse.Namespace) -> int:
    import pandas as pd

    from parakou_geo.geocode import Geocoder

    if (args.at is None) == (args.points is None):
        raise InputError("give --at LAT,LON (or a Plus Code) or --points FILE.csv")
    if args.at is not None:
        points = [_at(args.at)]
    else:
        if not args.points.is_file():
            raise InputError(f"points file {args.points} does not exist")
        table = pd.read_csv(args.points, sep=None, engine="python", encoding="utf-8-sig")
        missing = [c for c in (args.lon_column, args.lat_column) if c not in table.columns]
        if missing:
            raise InputError(f"{args.points} has no column(s) {', '.join(missing)} (columns: "
                             f"{', '.join(map(str, table.columns))}); use --lon-column and "
                             "--lat-column")
        lon = pd.to_numeric(table[args.lon_column], errors="coerce")
        lat = pd.to_numeric(table[args.lat_column], errors="coerce")
        bad = lon.isna() | lat.isna()
        if bad.any():
            raise InputError(f"{args.points}: {int(bad.sum())} row(s) without numeric "
                             f"coordinates (first: line {int(bad.to_numpy().argmax()) + 2})")
        points = list(zip(lon.tolist(), lat.tolist(), strict=True))
    geo = Geocoder.from_register(args.register)
    out = geo.reverse(points, max_distance_m=args.max_distance)
    if args.output is not None:
        from parakou_geo.exports._spreadsheet import write_csv

        write_csv(out, args.output, separator=",", decimal=".", overwrite=args.overwrite)
        print(f"{len(out)} points written to {args.output}")
        return 0
    records = _records(out)
    if args.format == "table":
        for i, rec in enumerate(records):
            if i:
                print()
            width = max(len(k) for k in rec)
            for k, v in rec.items():
                print(f"{k.ljust(width)}  {_cell(v)}")
        return 0
    _show(records, args.format)
    return 0


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    clean = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in clean.to_dict("records")]


def _at(text: str) -> tuple[float, float]:
    """Return ``(lon, lat)`` of ``--at`` (``LAT,LON`` or a Plus Code)."""
    from openlocationcode import openlocationcode as olc

    from parakou_geo.pluscodes import decode
    from parakou_geo.settings import MAIRIE_DE_PARAKOU_LONLAT

    code = text.strip().split()[0].upper() if text.strip() else ""
    if "+" in code:
        if olc.isShort(code):
            lon0, lat0 = MAIRIE_DE_PARAKOU_LONLAT
            code = olc.recoverNearest(code, lat0, lon0)
        if not olc.isValid(code):
            raise InputError(f"--at {text!r} is not a valid Plus Code (e.g. 6FX48JQH+JM or "
                             "8JQH+JM Parakou)")
        return decode(code)
    lat, lon = _pair(text, "--at", "9.3390,2.6292 (latitude first)")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"--at {text!r}: latitude {lat} or longitude {lon} out of range "
                         "(give LAT,LON, latitude first)")
    return lon, lat


def _show(rows: list[dict[str, object]] | list[Match], fmt: str) -> None:
    import csv

    records = [r if isinstance(r, dict) else r.as_dict() for r in rows]
    if fmt == "json":
        print(json.dumps(records, ensure_ascii=False, indent=2, default=str))
        return
    if fmt == "csv":
        from parakou_geo.exports._spreadsheet import neutralise

        writer = csv.writer(sys.stdout, lineterminator="\n")
        cols = list(records[0]) if records else []
        writer.writerow(cols)
        for r in records:
            writer.writerow([neutralise(_cell(r.get(c))) for c in cols])
        return
    cols = [c for c in _TABLE if records and c in records[0]] or (list(records[0])
                                                                  if records else [])
    cells = [[_cell(r.get(c)) for c in cols] for r in records]
    widths = [min(60, max([len(c), *(len(row[i]) for row in cells)]))
              for i, c in enumerate(cols)]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)).rstrip())
    for row in cells:
        print("  ".join(v[:w].ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        return f"{value:.6f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:.1f}"
    return str(value)
