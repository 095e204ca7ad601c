"""Register maintenance commands.

``update``, ``validate``, ``reject``, ``lock``, ``unlock``, ``renumber``, ``move``,
``names``, ``history`` and ``diff``.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from parakou_geo._errors import RegisterError
from parakou_geo.cli._outputs import check_outputs
from parakou_geo.cli._progress import step_progress
from parakou_geo.settings import MAX_CHANGE_SHARE

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["add_parsers"]


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the register-maintenance commands."""
    up = sub.add_parser("update", help="update a register from new road and building data "
                        "(existing numbers never change)")
    up.add_argument("register", type=Path)
    up.add_argument("--roads", required=True, type=Path)
    up.add_argument("--roads-layer")
    up.add_argument("--buildings", required=True, type=Path)
    up.add_argument("--buildings-layer")
    up.add_argument("--crs", help="CRS of input layers that have none")
    up.add_argument("--changes", type=Path, help="changes CSV (default: beside the register, "
                    "named after the register and the date)")
    up.add_argument("--overwrite", action="store_true", help="replace an existing --changes file")
    up.add_argument("--csv", type=Path,
                    help="addresses CSV to refresh (default: the one `address` or `demo` "
                         "wrote beside the register, when it is there)")
    up.add_argument("--reason", help="recorded in the history")
    up.add_argument("--date", type=dt.date.fromisoformat, metavar="YYYY-MM-DD")
    up.add_argument("--max-change-share", type=_share, default=MAX_CHANGE_SHARE,
                    metavar="SHARE", help="largest share of the register (0-1, default "
                    f"{MAX_CHANGE_SHARE:g}) an update may retire or re-suffix unasked")
    up.add_argument("--allow-mass-retirement", action="store_true",
                    help="accept an update that retires or re-suffixes more than that")
    up.set_defaults(func=_update)

    va = sub.add_parser("validate", help="make proposed addresses current")
    _selection(va)
    va.add_argument("--official", action="store_true", help="also mark them official")
    va.add_argument("--reason", required=True)
    _date(va)
    va.set_defaults(func=_validate)

    rj = sub.add_parser("reject", help="reject proposed addresses")
    rj.add_argument("register", type=Path)
    rj.add_argument("address_id", nargs="+")
    rj.add_argument("--reason", required=True)
    _date(rj)
    rj.set_defaults(func=_reject)

    for name, helptext in (("lock", "lock a street against automatic changes"),
                           ("unlock", "unlock a street")):
        lk = sub.add_parser(name, help=helptext)
        lk.add_argument("register", type=Path)
        lk.add_argument("street_code")
        lk.add_argument("--reason", required=True)
        _date(lk)
        lk.set_defaults(func=_lock if name == "lock" else _unlock)

    rn = sub.add_parser("renumber", help="renumber one street (explicit, logged)")
    rn.add_argument("register", type=Path)
    rn.add_argument("street_code")
    rn.add_argument("--reason", required=True)
    _date(rn)
    rn.set_defaults(func=_renumber)

    mv = sub.add_parser("move", help="move an address to another street, keeping its id")
    mv.add_argument("register", type=Path)
    mv.add_argument("address_id")
    mv.add_argument("--to", required=True, dest="to_street", metavar="STREET_CODE")
    mv.add_argument("--reason", required=True)
    _date(mv)
    mv.set_defaults(func=_move)

    nm = sub.add_parser("names", help="import official street names (checked first)")
    nm.add_argument("register", type=Path)
    nm.add_argument("names_csv", type=Path)
    nm.add_argument("--reason")
    _date(nm)
    nm.set_defaults(func=_names)

    hi = sub.add_parser("history", help="show the register's history as CSV")
    hi.add_argument("register", type=Path)
    hi.add_argument("--since", type=dt.date.fromisoformat)
    hi.add_argument("--until", type=dt.date.fromisoformat)
    hi.add_argument("--id", dest="object_id")
    hi.add_argument("-o", "--output", type=Path, help="write to a CSV file")
    hi.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    hi.set_defaults(func=_history)

    df = sub.add_parser("diff", help="differences between two registers, or two dates")
    df.add_argument("register", type=Path)
    df.add_argument("other", type=Path, nargs="?", help="a second register file")
    df.add_argument("--since", type=dt.date.fromisoformat)
    df.add_argument("--until", type=dt.date.fromisoformat)
    df.add_argument("-o", "--output", type=Path, help="write to a CSV file")
    df.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    df.set_defaults(func=_diff)


def _free_name(path: Path) -> Path:
    """Return ``path``, or ``<stem>_2<suffix>``... when it exists (a default never overwrites)."""
    k = 1
    out = path
    while out.exists():
        k += 1
        out = path.with_name(f"{path.stem}_{k}{path.suffix}")
    return out


def _share(text: str) -> float:
    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a share between 0 and 1, e.g. 0.05 "
                                         "(or 5%)")
    return value


def _date(p: argparse.ArgumentParser) -> None:
    p.add_argument("--date", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                   help="date of the decision, written in the history (default today)")


def _selection(p: argparse.ArgumentParser) -> None:
    p.add_argument("register", type=Path)
    p.add_argument("--street", help="a whole street (code)")
    p.add_argument("--zone", help="a whole zone")
    p.add_argument("--address", action="append", dest="address_ids", metavar="ID",
                   help="one address id (repeat for more)")


def _update(args: argparse.Namespace) -> int:
    from parakou_geo.register.update import update_register_files

    changes = args.changes or _free_name(args.register.with_name(
        f"{args.register.stem}_changes_{(args.date or dt.date.today()).isoformat()}.csv"))
    check_outputs({"--changes": changes}, {"register": args.register, "--roads": args.roads,
                                           "--buildings": args.buildings},
                  overwrite=args.overwrite)
    step, close = step_progress(args.progress)
    report = update_register_files(
        args.register, args.roads, args.buildings, roads_layer=args.roads_layer,
        buildings_layer=args.buildings_layer, crs=args.crs, run_date=args.date,
        changes_csv=changes, reason=args.reason, progress=step,
        max_change_share=args.max_change_share,
        allow_mass_retirement=args.allow_mass_retirement)
    close()
    print(f"Register updated: {args.register}\nChanges CSV:      {changes}")
    csv = args.csv or _addresses_csv_beside(args.register)
    if csv is not None:
        _refresh_addresses_csv(args.register, csv)
        print(f"Addresses CSV:    {csv} (refreshed)")
    print(report.summary())
    return 0


def _addresses_csv_beside(register: Path) -> Path | None:
    """Return the addresses CSV written with this register, if it is there.

    `address` writes ``<stem>_addresses.csv``, `demo` ``addresses.csv`` beside
    ``register.gpkg``.
    """
    for candidate in (register.with_name(register.stem + "_addresses.csv"),
                      register.with_name("addresses.csv")):
        if candidate.is_file() and (candidate.name != "addresses.csv"
                                    or register.name == "register.gpkg"):
            return candidate
    return None


def _refresh_addresses_csv(register: Path, csv: Path) -> None:
    """Rewrite ``csv`` from the register's addresses layer, atomically."""
    from parakou_geo.register import atomic_path, write_addresses_csv
    from parakou_geo.register.read import read_register

    addresses = read_register(register, layers=("addresses",), geometry=False).addresses
    with atomic_path(csv, overwrite=True) as tmp:
        write_addresses_csv(addresses, tmp)


def _validate(args: argparse.Namespace) -> int:
    from parakou_geo.register.lifecycle import validate_addresses

    n = validate_addresses(args.register, address_ids=args.address_ids,
                           street_code=args.street, zone=args.zone, official=args.official,
                           reason=args.reason, run_date=args.date)
    print(f"{n} address(es) validated")
    return 0


def _reject(args: argparse.Namespace) -> int:
    from parakou_geo.register.lifecycle import reject_addresses

    n = reject_addresses(args.register, args.address_id, reason=args.reason,
                         run_date=args.date)
    print(f"{n} address(es) rejected")
    return 0


def _lock(args: argparse.Namespace) -> int:
    from parakou_geo.register.lifecycle import lock_street

    lock_street(args.register, args.street_code, reason=args.reason, run_date=args.date)
    print(f"street {args.street_code} locked")
    return 0


def _unlock(args: argparse.Namespace) -> int:
    from parakou_geo.register.lifecycle import unlock_street

    unlock_street(args.register, args.street_code, reason=args.reason, run_date=args.date)
    print(f"street {args.street_code} unlocked")
    return 0


def _renumber(args: argparse.Namespace) -> int:
    from parakou_geo.register.lifecycle import renumber_street

    changed = renumber_street(args.register, args.street_code, reason=args.reason,
                              run_date=args.date)
    print(f"{len(changed)} label(s) changed on {args.street_code}")
    for old, new in zip(changed["old_label"], changed["new_label"], strict=True):
        print(f"  {old} → {new}")
    return 0


def _move(args: argparse.Namespace) -> int:
    from parakou_geo.register.lifecycle import move_address

    label = move_address(args.register, args.address_id, to_street=args.to_street,
                         reason=args.reason, run_date=args.date)
    print(f"address {args.address_id} is now {label}")
    return 0


def _names(args: argparse.Namespace) -> int:
    from parakou_geo.names import import_names, read_official_names

    n = import_names(args.register, read_official_names(args.names_csv), reason=args.reason,
                     run_date=args.date)
    print(f"{n} street(s) named")
    return 0


def _history(args: argparse.Namespace) -> int:
    from parakou_geo.register.history import read_history

    table = read_history(args.register, since=args.since, until=args.until,
                         object_id=args.object_id)
    _emit(table, args.output, args.overwrite)
    return 0


def _diff(args: argparse.Namespace) -> int:
    from parakou_geo.register.history import changes_between, diff_registers

    if args.other is not None:
        table = diff_registers(args.register, args.other)
    elif args.since is not None and args.until is not None:
        table = changes_between(args.register, args.since, args.until)
    else:
        raise RegisterError("give a second register file, or --since and --until dates")
    _emit(table, args.output, args.overwrite)
    return 0


def _emit(table: pd.DataFrame, output: Path | None, overwrite: bool) -> None:
    from parakou_geo._csv import csv_text, write_csv

    if output is None:
        print(csv_text(table), end="")
    else:  # check_args has refused an input, the register or an unasked overwrite
        write_csv(table, output, overwrite=overwrite)
        print(f"{len(table)} row(s) written to {output}")
