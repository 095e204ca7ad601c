"""``parakou-geo map address`` and ``parakou-geo map plan``: write planner maps as HTML."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from parakou_geo._errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd

    from parakou_geo.maps import MapSettings

__all__ = ["add_parsers"]

#: Planning themes: option name, planning_map keyword, help text.
_THEMES = (
    ("forest", "forest", "planned communal forest polygons"),
    ("green-spaces", "green_spaces", "public green spaces (polygons or points)"),
    ("waste-points", "waste_points", "waste regrouping points"),
    ("uncovered", "uncovered_buildings", "buildings not covered by a service"),
    ("water-points", "water_points", "water points"),
    ("new-sites", "new_sites", "proposed new sites, e.g. the layer waste_new_sites written by "
                               "'parakou-geo plan waste --site K'"),
    ("zones", "zones", "zone (arrondissement) polygons"),
)


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``map address`` and ``map plan``."""
    top = sub.add_parser("map", help="write planner maps (HTML, French by default)",
                         description="Write Folium HTML maps for planners: the addressing "
                                     "map of a register, or the planning map.")
    maps = top.add_subparsers(dest="map_command", required=True, metavar="MAP")

    addr = maps.add_parser("address", help="addressing map of a register",
                           description="Streets by zone, addresses with popups, search box.")
    addr.add_argument("register", type=Path, help="register .gpkg (parakou-geo address)")
    addr.add_argument("--zones", type=Path, help="zone polygons (arrondissements)")
    addr.add_argument("--zones-layer", help="layer of the zones file")
    addr.add_argument("--quartiers", type=Path, help="quartier polygons")
    addr.add_argument("--quartiers-layer", help="layer of the quartiers file")
    _common(addr)
    addr.set_defaults(func=_run_address)

    plan = maps.add_parser("plan", help="planning map (forest, green, waste, water)",
                           description="Each theme is one toggleable layer with a legend "
                                       "entry. Give at least one layer file.")
    for option, _, text in _THEMES:
        plan.add_argument(f"--{option}", type=Path, metavar="FILE", help=text)
        plan.add_argument(f"--{option}-layer", metavar="LAYER", help=f"layer of --{option}")
    plan.add_argument("--uncovered-service", choices=["waste", "water", "green"],
                      help="the service --uncovered refers to (default: from its layer name, "
                           "e.g. waste_buildings → waste); only buildings it does not cover "
                           "are drawn")
    plan.add_argument("--green-service", type=float, default=300.0, metavar="M",
                      help="green-space service radius in metres (default 300)")
    plan.add_argument("--waste-radius", type=float, default=300.0, metavar="M",
                      help="waste-point coverage radius in metres (default 300)")
    plan.add_argument("--water-radius", type=float, default=500.0, metavar="M",
                      help="water-point coverage radius in metres (default 500)")
    plan.add_argument("--new-sites-radius", type=float, default=300.0, metavar="M",
                      help="service radius drawn around --new-sites (default 300 m)")
    _common(plan)
    plan.set_defaults(func=_run_plan)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", required=True, type=Path, help="HTML file to write")
    p.add_argument("--offline", action="store_true",
                   help="embed every library: the page works with no internet")
    p.add_argument("--lang", choices=["fr", "en"], help="map language (default fr)")
    p.add_argument("--settings", type=Path, help="TOML settings file ([maps] table)")
    p.add_argument("--attribution", action="append", metavar="TEXT",
                   help="data source shown on the map, e.g. '© OpenStreetMap contributors' "
                        "(repeat for several)")
    p.add_argument("--local-tiles", metavar="URL",
                   help="tile URL template of a local tile folder for --offline, e.g. "
                        "'tuiles/{z}/{x}/{y}.png' (relative to the HTML file)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing HTML file")


def _settings(args: argparse.Namespace) -> MapSettings:
    from parakou_geo.maps import MapSettings, load_map_settings

    s = load_map_settings(args.settings) if args.settings else MapSettings()
    changes: dict[str, Any] = {}
    if args.lang:
        changes["language"] = args.lang
    if args.attribution:
        changes["data_attribution"] = s.data_attribution + tuple(args.attribution)
    if args.local_tiles:
        changes["local_tiles_url"] = args.local_tiles
    return s.replace(**changes) if changes else s


def _read_all(files: dict[str, tuple[Path | None, str | None]]) -> dict[str, gpd.GeoDataFrame]:
    """Read every given layer, reporting every unreadable file at once."""
    from parakou_geo.io import read_layer

    out: dict[str, gpd.GeoDataFrame] = {}
    problems: list[str] = []
    for key, (path, layer) in files.items():
        if path is None:
            continue
        try:
            out[key] = read_layer(path, layer=layer)
        except InputError as exc:
            problems.append(str(exc))
    if problems:
        raise InputError(problems)
    return out


def _run_address(args: argparse.Namespace) -> int:
    from parakou_geo.maps import addressing_map, save_map

    settings = _settings(args)
    layers = _read_all({"zones": (args.zones, args.zones_layer),
                        "quartiers": (args.quartiers, args.quartiers_layer)})
    m = addressing_map(args.register, zones=layers.get("zones"),
                       quartiers=layers.get("quartiers"), offline=args.offline,
                       settings=settings)
    save_map(m, args.output, overwrite=args.overwrite)
    print(f"Addressing map written: {args.output}"
          f"{' (offline: no internet needed)' if args.offline else ''}")
    return 0


def _run_plan(args: argparse.Namespace) -> int:
    from parakou_geo.maps import planning_map, save_map

    settings = _settings(args)
    files = {}
    for option, keyword, _ in _THEMES:
        attr = option.replace("-", "_")
        files[keyword] = (getattr(args, attr), getattr(args, f"{attr}_layer"))
    layers = _read_all(files)
    if not layers:
        raise InputError("map plan needs at least one layer file, e.g. --green-spaces "
                         "espaces_verts.gpkg (see parakou-geo map plan --help)")
    service = _uncovered_service(args)
    notes = []
    if "uncovered_buildings" in layers:
        from parakou_geo.maps.planning import not_covered

        every = layers["uncovered_buildings"]
        n_out = len(not_covered(every))
        what = f"the {service} service" if service else "a service (say which with " \
            "--uncovered-service waste|water|green)"
        notes.append(f"{n_out} of {len(every)} buildings of --uncovered are not covered by "
                     f"{what}; only those are drawn" if n_out < len(every) else
                     f"{n_out} buildings not covered by {what}")
    m = planning_map(**layers, uncovered_service=service, green_service_m=args.green_service,
                     waste_radius_m=args.waste_radius, water_radius_m=args.water_radius,
                     new_sites_radius_m=args.new_sites_radius,
                     offline=args.offline, settings=settings)
    save_map(m, args.output, overwrite=args.overwrite)
    print(f"Planning map written: {args.output} ({', '.join(sorted(layers))})")
    for note in notes:
        print(f"  {note}")
    return 0


def _uncovered_service(args: argparse.Namespace) -> Any:
    """Return the service of --uncovered: --uncovered-service, else from the layer name."""
    if args.uncovered is None:
        return None
    if args.uncovered_service:
        return args.uncovered_service
    for name in (args.uncovered_layer or "", args.uncovered.stem):
        for service, prefix in (("waste", "waste"), ("water", "water"), ("green", "green")):
            if name.lower().startswith(prefix):
                return service
    return None
