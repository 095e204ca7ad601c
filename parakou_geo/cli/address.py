"""``parakou-geo address`` and ``parakou-geo demo``: build a new register."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from parakou_geo.cli._exit import leave_to_exit
from parakou_geo.cli._progress import step_progress
from parakou_geo.settings import AddressingSettings, load_settings

if TYPE_CHECKING:
    from parakou_geo.pipeline import AddressingResult

__all__ = ["add_parsers", "add_settings_options", "settings_from_args", "step_progress"]


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``address`` and ``demo``."""
    addr = sub.add_parser(
        "address", help="code streets and number buildings into a new register",
        description="Code every street and number every building; write a register "
                    "GeoPackage and an addresses CSV.",
    )
    addr.add_argument("--roads", required=True, type=Path, help="road lines (gpkg, shp, "
                      "geojson, parquet, osm.pbf)")
    addr.add_argument("--roads-layer", help="layer of the roads file")
    addr.add_argument("--buildings", required=True, type=Path,
                      help="building footprints, parcels or points")
    addr.add_argument("--buildings-layer", help="layer of the buildings file")
    addr.add_argument("--zones", type=Path, help="zone polygons (arrondissements)")
    addr.add_argument("--zones-layer", help="layer of the zones file")
    addr.add_argument("--zone-column", help="zone number column (default arr_num)")
    addr.add_argument("--quartiers", type=Path, help="quartier polygons")
    addr.add_argument("--quartiers-layer", help="layer of the quartiers file")
    addr.add_argument("--quartier-column", help="quartier name column (default quartier)")
    addr.add_argument("--names", type=Path, help="official names CSV (street_code or "
                      "road_id, name)")
    add_settings_options(addr)
    addr.add_argument("-o", "--output", required=True, type=Path, help="register .gpkg")
    addr.add_argument("--csv", type=Path, help="addresses CSV (default: beside the register)")
    addr.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    addr.set_defaults(func=_run_address)

    demo = sub.add_parser("demo", help="run the whole addressing job on the embedded "
                          "(synthetic) sample")
    demo.add_argument("-o", "--output-dir", type=Path, default=Path("parakou_demo_output"),
                      help="folder for the demo outputs (default ./parakou_demo_output)")
    add_settings_options(demo)
    demo.set_defaults(func=_run_demo)


def add_settings_options(p: argparse.ArgumentParser) -> None:
    """Add the options that override addressing settings."""
    p.add_argument("--settings", type=Path, help="TOML settings file ([addressing] table)")
    p.add_argument("--method", choices=["metric", "sequential", "decametric"],
                   help="door numbering method (default metric)")
    p.add_argument("--suffix-style", choices=["latin", "letters"],
                   help="bis/ter... or A/B... (default latin)")
    p.add_argument("--max-distance", type=float, metavar="M",
                   help="maximum door-to-street distance in metres (default 100)")
    p.add_argument("--metric-crs", metavar="CRS",
                   help="CRS of the work: an EPSG code or 'auto' (default EPSG:32631)")
    p.add_argument("--crs", metavar="CRS",
                   help="CRS of input layers that have none, e.g. EPSG:4326")
    p.add_argument("--date", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                   help="creation date written on new addresses (default today)")
    p.add_argument("--building-id", metavar="COLUMN",
                   help="building/parcel id column (default: building_id, bld_id, "
                        "osm_way_id + osm_id combined, osm_id, id; else numbered)")
    p.add_argument("--road-id", metavar="COLUMN",
                   help="road id column (default: road_id, osm_id, id; else numbered)")
    p.add_argument("--assignment", choices=["access", "nearest"],
                   help="how a door's street is chosen: the street giving access (default) "
                        "or the nearest line of any class")


def settings_from_args(args: argparse.Namespace) -> AddressingSettings:
    """Return the settings file's values (or the defaults) overridden by the options."""
    s = load_settings(args.settings) if args.settings else AddressingSettings()
    changes: dict[str, Any] = {}
    for opt, key in (("method", "method"), ("suffix_style", "suffix_style"),
                     ("max_distance", "max_distance_m"), ("metric_crs", "crs"),
                     ("zone_column", "zone_column"), ("building_id", "building_id_column"),
                     ("road_id", "road_id_column"), ("assignment", "assignment"),
                     ("quartier_column", "quartier_column")):
        value = getattr(args, opt, None)
        if value is not None:
            changes[key] = value
    return s.replace(**changes) if changes else s


def _summary(result: AddressingResult, register: Path, csv: Path) -> str:
    c = result.counts
    lines = [
        f"Register written: {register}",
        f"Addresses CSV:    {csv}",
        f"  metric CRS:       {result.metric_crs.to_string()}",
        f"  road features:    {c['roads']} → {c['segments']} segments → {c['streets']} streets"
        + (f" ({c['sidewalks']} sidewalks/crossings folded into their street)"
           if c.get("sidewalks") else ""),
        f"  streets with addresses: {c.get('streets_with_addresses', 0)} "
        f"(without: {c['streets'] - c.get('streets_with_addresses', 0)})",
        f"  buildings:        {c['buildings']}",
        f"  addresses:        {c['addresses']}",
        f"  unaddressed:      {c['unaddressed']}",
    ]
    lines += [f"    {reason}: {n}" for reason, n in result.unaddressed_by_reason().items()]
    chosen = {k.removeprefix("street_choice_"): n for k, n in c.items()
              if k.startswith("street_choice_") and n}
    if chosen:
        lines.append("  street chosen by: " + ", ".join(f"{k} {n}" for k, n in chosen.items()))
    for layer, rep in result.reports.items():
        notes = []
        if rep.n_repaired:
            notes.append(f"{rep.n_repaired} invalid geometries repaired")
        if rep.n_dropped_empty:
            notes.append(f"{rep.n_dropped_empty} empty geometries dropped")
        if rep.n_excluded_class:
            notes.append(f"{rep.n_excluded_class} features of excluded road classes left out")
        notes += rep.notes
        if notes:
            lines.append(f"  {layer}: " + "; ".join(notes))
    return "\n".join(lines)


def _run_address(args: argparse.Namespace) -> int:
    from parakou_geo.pipeline import STEPS, address_files

    settings = settings_from_args(args)
    output: Path = args.output
    csv = args.csv or output.with_name(output.stem + "_addresses.csv")
    step, close = step_progress(args.progress, total=len(STEPS) + 1)  # and the write
    result = address_files(
        args.roads, args.buildings, zones=args.zones, quartiers=args.quartiers,
        names=args.names, roads_layer=args.roads_layer, buildings_layer=args.buildings_layer,
        zones_layer=args.zones_layer, quartiers_layer=args.quartiers_layer, settings=settings,
        crs=args.crs, run_date=args.date, progress=step,
        output=output, csv_path=csv, overwrite=args.overwrite,
    )
    close()
    print(_summary(result, output, csv))
    leave_to_exit(result)
    return 0


def _run_demo(args: argparse.Namespace) -> int:
    from parakou_geo.datasets import sample_names_path, sample_path
    from parakou_geo.pipeline import STEPS, address_files

    out: Path = args.output_dir
    out.mkdir(parents=True, exist_ok=True)
    settings = settings_from_args(args)
    step, close = step_progress(args.progress, total=len(STEPS) + 1)  # and the write
    sample = sample_path()
    register = out / "register.gpkg"
    csv = out / "addresses.csv"
    result = address_files(
        sample, sample, zones=sample, quartiers=sample, names=sample_names_path(),
        roads_layer="roads", buildings_layer="buildings", zones_layer="zones",
        quartiers_layer="quartiers", settings=settings, crs=args.crs,
        run_date=args.date, progress=step, output=register, csv_path=csv, overwrite=True,
    )
    close()
    print("Demo on the embedded SYNTHETIC Parakou-like sample (not real data).")
    print(_summary(result, register, csv))
    leave_to_exit(result)
    return 0
