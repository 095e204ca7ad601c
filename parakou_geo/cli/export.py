"""``parakou-geo export …``: the register's outputs for its users.

Subcommands: ``tax`` (CSV/XLSX for the tax service), ``bal`` (BAL 1.4 CSV), ``osm``
(GeoJSON for an OpenStreetMap import review), ``streets`` (street directory CSV/XLSX/HTML),
``atlas`` (PDF map sheets), ``signage`` (plates and costs CSV/XLSX), ``certificate``
(printable HTML certificates).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from parakou_geo._errors import OutputError

if TYPE_CHECKING:
    from parakou_geo.exports import ExportSettings

__all__ = ["add_parsers"]


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``export`` and its subcommands."""
    export = sub.add_parser(
        "export", help="write the register's outputs: tax lists, BAL, OSM, street "
        "directory, atlas, signage plan, certificates",
        description="Write an output of an address register (the .gpkg made by "
                    "`parakou-geo address`). French by default; --lang en for English.",
    )
    kinds = export.add_subparsers(dest="export_kind", required=True, metavar="KIND")

    def common(name: str, help_text: str, suffixes: tuple[str, ...],
               run: Callable[[argparse.Namespace, ExportSettings], str],
               filters: bool = True) -> argparse.ArgumentParser:
        p = kinds.add_parser(name, help=help_text, description=help_text)
        p.add_argument("register", type=Path, help="register GeoPackage (.gpkg)")
        p.add_argument("-o", "--output", required=True, type=Path,
                       help="output file (" + ", ".join(suffixes) + ")")
        if filters:
            p.add_argument("--zone", action="append", metavar="N",
                           help="keep this arrondissement (repeatable)")
            p.add_argument("--quartier", action="append", metavar="NAME",
                           help="keep this quartier (repeatable)")
        p.add_argument("--status", action="append",
                       choices=["proposed", "current", "retired", "rejected"],
                       help="keep addresses of this status (repeatable)")
        p.add_argument("--settings", type=Path, help="TOML settings file ([exports] table)")
        p.add_argument("--lang", choices=["fr", "en"], help="language (default fr)")
        p.add_argument("--overwrite", action="store_true", help="replace an existing file")
        p.set_defaults(func=_runner(run, suffixes))
        return p

    tax = common("tax", "address list for the tax service (CSV for Excel, or XLSX with one "
                 "sheet per arrondissement)", (".csv", ".xlsx"), _tax)
    tax.add_argument("--separator", choices=[";", ",", "tab"],
                     help="CSV field separator (default ';')")
    common("bal", "BAL 1.4 CSV (France's Base Adresse Locale format)", (".csv",), _bal)
    common("osm", "GeoJSON of address points with addr:* tags, for an OpenStreetMap import "
           "review (nothing is uploaded)", (".geojson", ".json"), _osm)
    streets = common("streets", "street directory (répertoire des rues) with a name index",
                     (".csv", ".xlsx", ".html"), _streets)
    streets.add_argument("--cell-size", type=float, metavar="M",
                         help="reference grid cell size in metres (default 500)")
    atlas = common("atlas", "PDF map sheets: an index page and one page per grid cell",
                   (".pdf",), _atlas, filters=False)
    atlas.add_argument("--cell-size", type=float, metavar="M",
                       help="reference grid cell size in metres (default 500)")
    common("signage", "signage plan: street and door plates, counts and cost (FCFA)",
           (".csv", ".xlsx"), _signage)
    cert = common("certificate", "address certificates (printable HTML, one page each)",
                  (".html",), _certificate, filters=False)
    which = cert.add_mutually_exclusive_group(required=True)
    which.add_argument("--address", action="append", metavar="ID_OR_LABEL",
                       help="an address_id or label such as '12 bis Rue 2.045' (repeatable)")
    which.add_argument("--street", metavar="CODE", help="every address of this street")


def _settings(args: argparse.Namespace) -> ExportSettings:
    from parakou_geo.exports import ExportSettings, load_export_settings

    s = load_export_settings(args.settings) if args.settings else ExportSettings()
    changes: dict[str, Any] = {}
    if args.lang:
        changes["language"] = args.lang
    if getattr(args, "separator", None):
        changes["csv_separator"] = "\t" if args.separator == "tab" else args.separator
        if changes["csv_separator"] == ",":
            changes["csv_decimal"] = "."
    if getattr(args, "cell_size", None) is not None:
        changes["grid_cell_m"] = args.cell_size
    return s.replace(**changes) if changes else s


def _filters(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if getattr(args, "zone", None):
        out["zones"] = args.zone
    if getattr(args, "quartier", None):
        out["quartiers"] = args.quartier
    if args.status:
        out["statuses"] = args.status
    return out


def _runner(run: Callable[[argparse.Namespace, ExportSettings], str],
            suffixes: tuple[str, ...]) -> Callable[[argparse.Namespace], int]:
    def func(args: argparse.Namespace) -> int:
        suffix = args.output.suffix.lower()
        if suffix not in suffixes:
            raise OutputError(
                f"--output {args.output}: `export {args.export_kind}` writes "
                f"{' or '.join(suffixes)} files, not {suffix or 'a file without extension'}; "
                f"e.g. -o {args.output.with_suffix(suffixes[0]).name}"
            )
        message = run(args, _settings(args))
        print(message)
        return 0

    return func


def _tax(args: argparse.Namespace, s: ExportSettings) -> str:
    from parakou_geo.exports import write_tax_csv, write_tax_xlsx

    write = write_tax_xlsx if args.output.suffix.lower() == ".xlsx" else write_tax_csv
    out = write(args.register, args.output, settings=s, overwrite=args.overwrite,
                **_filters(args))
    return f"Tax list written: {out}"


def _bal(args: argparse.Namespace, s: ExportSettings) -> str:
    from parakou_geo.exports import write_bal

    out = write_bal(args.register, args.output, settings=s, overwrite=args.overwrite,
                    **_filters(args))
    return (f"BAL 1.4 file written: {out} (commune_insee empty and long/lat outside France: "
            "the validator reports these three French-territory rules)")


def _osm(args: argparse.Namespace, s: ExportSettings) -> str:
    from parakou_geo.exports import write_osm_geojson

    out = write_osm_geojson(args.register, args.output, settings=s, overwrite=args.overwrite,
                            **_filters(args))
    return f"OpenStreetMap address file written: {out} (for an import review; not uploaded)"


def _streets(args: argparse.Namespace, s: ExportSettings) -> str:
    from parakou_geo.exports import (
        write_directory_csv,
        write_directory_html,
        write_directory_xlsx,
    )

    f = _filters(args)
    zones = f.get("zones")
    if "quartiers" in f or "statuses" in f:
        raise OutputError("export streets filters by --zone only")
    writers = {".csv": write_directory_csv, ".xlsx": write_directory_xlsx,
               ".html": write_directory_html}
    out = writers[args.output.suffix.lower()](args.register, args.output, zones=zones,
                                              settings=s, overwrite=args.overwrite)
    return f"Street directory written: {out}"


def _atlas(args: argparse.Namespace, s: ExportSettings) -> str:
    from parakou_geo.exports import write_atlas

    kwargs: dict[str, Any] = {"statuses": args.status} if args.status else {}
    pages = write_atlas(args.register, args.output, settings=s, overwrite=args.overwrite,
                        **kwargs)
    return f"Atlas written: {args.output} ({pages} pages: index + {pages - 1} sheets)"


def _signage(args: argparse.Namespace, s: ExportSettings) -> str:
    from parakou_geo.exports import signage_plan, write_signage_csv, write_signage_xlsx

    plan = signage_plan(args.register, settings=s, **_filters(args))
    write = write_signage_xlsx if args.output.suffix.lower() == ".xlsx" else write_signage_csv
    out = write(plan, args.output, settings=s, overwrite=args.overwrite)
    total = plan.counts.iloc[-1]
    return (f"Signage plan written: {out}: {int(total['street_plates'])} street plates, "
            f"{int(total['door_plates'])} door plates, {int(total['posts'])} posts, "
            f"estimated {plan.total_cost_fcfa:,.0f} FCFA")


def _certificate(args: argparse.Namespace, s: ExportSettings) -> str:
    from parakou_geo.exports import write_certificates

    kwargs: dict[str, Any] = {"statuses": args.status} if args.status else {}
    out = write_certificates(args.register, args.output, address_ids=args.address,
                             street_code=args.street, settings=s, overwrite=args.overwrite,
                             **kwargs)
    return f"Certificates written: {out}"
