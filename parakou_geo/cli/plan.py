"""``parakou-geo plan forest|green|waste|water``: planning figures, layers and tables.

Every command reads its layers (any format :func:`parakou_geo.read_layer` reads), reprojects
layers in degrees to the metric CRS (``--metric-crs``, default EPSG:32631), and writes into the
output folder one GeoPackage of layers for QGIS / the planning map and CSV or XLSX tables with
French headers (``--language en`` for English). Files are written completely or not at all.
"""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from parakou_geo._errors import CRSError, InputError
from parakou_geo.cli._outputs import check_outputs

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from parakou_geo.io import LayerKind
    from parakou_geo.planning.network import RoadGraph
    from parakou_geo.planning.settings import PlanningSettings

__all__ = ["add_parsers"]

_MODE_WORDS = {"straight_line": "straight line", "network": "along the roads"}


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``plan`` and its subcommands ``forest``, ``green``, ``waste``, ``water``."""
    plan = sub.add_parser(
        "plan", help="planning: communal forest, green access, waste points, water points",
        description="Planning figures for green spaces, the communal forest, household waste "
                    "and water points; layers (GeoPackage) and tables (CSV/XLSX).",
    )
    psub = plan.add_subparsers(dest="plan_command", required=True, metavar="TOPIC")

    forest = psub.add_parser("forest", help="areas, core/buffer zoning, planting grid, "
                             "seedlings of planned forest polygons")
    _layer(forest, "forest", "planned forest polygons", required=True)
    forest.add_argument("--spacing", type=float, metavar="M",
                        help="planting spacing in metres, both ways (default 3)")
    forest.add_argument("--buffer", type=float, metavar="M",
                        help="outer buffer width in metres, 0 for none (default 10)")
    forest.add_argument("--margin", type=float, metavar="SHARE",
                        help="replacement seedlings as a share, e.g. 0.2 (default 0.2)")
    _common(forest)
    forest.set_defaults(func=_run_forest)

    green = psub.add_parser("green", help="distance to public green space, 300 m shares, "
                            "SDG 11.7.1")
    _layer(green, "buildings", "buildings or the register (population column optional)",
           required=True)
    _population(green)
    _layer(green, "green", "public green space polygons", required=True)
    _network(green)
    _zones(green)
    _common(green)
    green.set_defaults(func=_run_green)

    for topic, text in (("waste", "waste regrouping points: coverage, waste per point, "
                                  "containers, siting of new points"),
                        ("water", "water points: coverage (a distance proxy), inhabitants "
                                  "per point")):
        p = psub.add_parser(topic, help=text)
        _layer(p, "buildings", "buildings or the register (population column optional)",
               required=True)
        _population(p)
        _layer(p, "points", f"existing {topic} points", required=True)
        _network(p)
        _zones(p)
        p.add_argument("--radius", type=float, metavar="M",
                       help="coverage radius in metres (default: 300 waste, 500 water)")
        p.add_argument("--site", type=int, metavar="K",
                       help="also choose K new points maximising the population covered")
        _layer(p, "candidates", "candidate sites for --site (default: along --roads)")
        p.add_argument("--exact", action="store_true",
                       help="exact MCLP solver (needs spopt and pulp) instead of greedy")
        _common(p)
        p.set_defaults(func=_run_service, topic=topic)


def _layer(p: argparse.ArgumentParser, name: str, text: str, *, required: bool = False) -> None:
    p.add_argument(f"--{name}", type=Path, required=required, help=text)
    p.add_argument(f"--{name}-layer", help=f"layer of the --{name} file")


def _population(p: argparse.ArgumentParser) -> None:
    _layer(p, "population", "layer with building_id and the population column (e.g. the "
           "buildings file), joined onto a register's addresses")


def _demand(args: argparse.Namespace, s: PlanningSettings) -> gpd.GeoDataFrame:
    """Read the demand (buildings or register addresses in use) and say which population."""
    import pandas as pd

    from parakou_geo.io import read_layer
    from parakou_geo.planning.demand import planning_demand

    buildings = _required(args, "buildings", s, kind="buildings")
    population = None
    if args.population is not None:
        population = pd.DataFrame(read_layer(args.population, layer=args.population_layer))
    demand = planning_demand(buildings, population=population, settings=s,
                             population_source=str(args.population))
    if demand.n_left_out:
        print(f"{demand.n_left_out} retired or rejected address(es) left out: only addresses "
              "in use (proposed, current) are planned for")
    print(demand.population_note)
    return demand.buildings


def _network(p: argparse.ArgumentParser) -> None:
    _layer(p, "roads", "road lines (for --network and candidate sites)")
    p.add_argument("--network", action="store_true",
                   help="measure distances along the roads instead of straight lines")


def _zones(p: argparse.ArgumentParser) -> None:
    _layer(p, "zones", "zone or quartier polygons for per-zone tables")
    p.add_argument("--zone-column", default=None,
                   help="zone column: of --zones (default arr_num), or of the buildings when "
                        "no --zones is given (e.g. zone or quartier of the register)")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--settings", type=Path, help="TOML settings file ([planning] table)")
    p.add_argument("--population-column", help="persons per building column (default pop)")
    p.add_argument("--metric-crs", metavar="CRS",
                   help="metric CRS for layers in degrees, or 'auto' for their UTM zone "
                        "(default EPSG:32631)")
    p.add_argument("--language", choices=["fr", "en"], help="table headers (default fr)")
    p.add_argument("--xlsx", action="store_true", help="write tables as .xlsx instead of .csv")
    p.add_argument("-o", "--output-dir", type=Path, required=True, help="output folder")
    p.add_argument("--overwrite", action="store_true", help="replace existing outputs")


def _settings(args: argparse.Namespace) -> PlanningSettings:
    from parakou_geo.planning.settings import PlanningSettings, load_planning_settings

    s = load_planning_settings(args.settings) if args.settings else PlanningSettings()
    changes: dict[str, Any] = {}
    for opt, key in (("population_column", "population_column"), ("metric_crs", "crs"),
                     ("language", "language"), ("buffer", "forest_buffer_m"),
                     ("margin", "replacement_margin")):
        value = getattr(args, opt, None)
        if value is not None:
            changes[key] = value
    if getattr(args, "spacing", None) is not None:
        changes["planting_spacing_x_m"] = changes["planting_spacing_y_m"] = args.spacing
    if getattr(args, "network", False):
        changes["distance_mode"] = "network"
    return s.replace(**changes) if changes else s


def _read(args: argparse.Namespace, name: str, s: PlanningSettings,
          kind: LayerKind = "any") -> gpd.GeoDataFrame | None:
    from parakou_geo.io import read_layer

    path = getattr(args, name)
    if path is None:
        return None
    gdf = read_layer(path, layer=getattr(args, f"{name}_layer"), kind=kind)
    if gdf.crs is None:
        raise CRSError(f"{path}: the layer has no CRS; set it in QGIS (Layer ▸ Set CRS) or "
                       "save it with one")
    if not gdf.crs.is_projected:
        gdf = gdf.to_crs(_metric_crs(args, s, gdf))
    return gdf


def _metric_crs(args: argparse.Namespace, s: PlanningSettings, gdf: gpd.GeoDataFrame) -> Any:
    """Return the metric CRS of this run, decided once for every layer of the run.

    ``--metric-crs``, or with ``auto`` the UTM zone of the first layer read in degrees.
    """
    from parakou_geo._crs import resolve_metric_crs

    chosen = getattr(args, "_metric_crs", None)
    if chosen is None:
        chosen = resolve_metric_crs(s.crs, gdf)
        args._metric_crs = chosen
    return chosen


def _required(args: argparse.Namespace, name: str, s: PlanningSettings,
              kind: LayerKind = "any") -> gpd.GeoDataFrame:
    gdf = _read(args, name, s, kind)
    if gdf is None:
        raise InputError(f"--{name} FILE is required")
    return gdf


def _out(args: argparse.Namespace, name: str) -> Path:
    folder: Path = args.output_dir
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    inputs = {f"--{k.replace('_', '-')}": v for k, v in sorted(vars(args).items())
              if isinstance(v, Path) and k != "output_dir"}
    check_outputs({f"-o {folder}: {name}": path}, inputs, overwrite=args.overwrite)
    return path


def _write_layers(path: Path, layers: dict[str, gpd.GeoDataFrame], overwrite: bool,
                  styles_topic: str | None = None) -> None:
    from parakou_geo.register import atomic_path

    with atomic_path(path, overwrite=overwrite) as tmp:
        for name, gdf in layers.items():
            g = gdf.copy()
            for col in g.columns:
                if col != g.geometry.name and g[col].dtype == object:
                    g[col] = g[col].map(lambda v: None if v is None or v != v else str(v))
            g.reset_index(names="fid_input" if "fid_input" not in g.columns else None).to_file(
                tmp, layer=name, driver="GPKG", VERSION="1.2"  # read cleanly by QGIS 3.22
            )
        if styles_topic is not None:  # QGIS styles of the coverage layers
            with contextlib.closing(sqlite3.connect(tmp)) as con, con:
                from parakou_geo._styles import write_coverage_styles

                write_coverage_styles(con, styles_topic)


def _table(args: argparse.Namespace, s: PlanningSettings, table: pd.DataFrame,
           stem: str) -> Path:
    from parakou_geo.planning.tables import write_table

    path = _out(args, stem + (".xlsx" if args.xlsx else ".csv"))
    return write_table(table, path, language=s.language, overwrite=args.overwrite)


def _groups(args: argparse.Namespace, buildings: gpd.GeoDataFrame,
            s: PlanningSettings) -> pd.Series | None:
    from parakou_geo.planning.coverage import zone_of

    zones = _read(args, "zones", s, kind="zones")
    if zones is not None:
        return zone_of(buildings, zones.to_crs(buildings.crs), column=args.zone_column or
                       "arr_num")
    if args.zone_column:
        if args.zone_column not in buildings.columns:
            raise InputError(f"--zone-column {args.zone_column!r} is not a column of the "
                             f"buildings ({', '.join(map(str, buildings.columns))})")
        col: pd.Series = buildings[args.zone_column].astype(str)
        return col
    return None


def _graph(args: argparse.Namespace, roads: gpd.GeoDataFrame | None,
           s: PlanningSettings) -> RoadGraph | None:
    from parakou_geo.planning.network import build_road_graph

    if s.distance_mode == "network" and roads is None:
        raise InputError("--network measures distances along the roads: give --roads FILE")
    return build_road_graph(roads, snap_tolerance_m=s.snap_tolerance_m) if roads is not None \
        and s.distance_mode == "network" else None


def _run_forest(args: argparse.Namespace) -> int:
    import pandas as pd

    from parakou_geo.planning.forest import plan_forest

    s = _settings(args)
    forest = _required(args, "forest", s, kind="zones")
    plan = plan_forest(forest, settings=s)
    gpkg = _out(args, "forest.gpkg")
    _write_layers(gpkg, {"forest_parcels": plan.parcels, "forest_zoning": plan.zoning,
                         "planting": plan.planting}, args.overwrite)
    table = _table(args, s, pd.DataFrame(plan.parcels.drop(columns="geometry")), "forest")
    t = plan.summary()
    print(f"Forest: {t['n_parcels']} parcel(s), {t['area_ha']} ha, perimeter "
          f"{t['perimeter_m']} m; {t['n_positions']} planting positions, {t['n_seedlings']} "
          f"seedlings with the {s.replacement_margin:.0%} replacement margin")
    print(f"Layers: {gpkg}\nTable:  {table}")
    return 0


def _run_green(args: argparse.Namespace) -> int:
    import pandas as pd

    from parakou_geo.planning.green import green_access
    from parakou_geo.planning.network import build_road_graph

    s = _settings(args)
    buildings = _demand(args, s)
    green = _required(args, "green", s, kind="zones").to_crs(buildings.crs)
    roads = _read(args, "roads", s, kind="roads")
    roads = roads.to_crs(buildings.crs) if roads is not None else None
    graph = build_road_graph(roads, snap_tolerance_m=s.snap_tolerance_m) if roads is not None \
        else None
    if s.distance_mode == "network" and graph is None:
        raise InputError("--network measures distances along the roads: give --roads FILE")
    res = green_access(buildings, green, graph=graph, settings=s)
    groups = _groups(args, buildings, s)
    key = groups if groups is not None else pd.Series("commune", index=buildings.index)
    gpkg = _out(args, "green.gpkg")
    _write_layers(gpkg, {"green_access": res.buildings, "green_spaces": res.green_spaces},
                  args.overwrite)
    table = _table(args, s, res.by_group(key), "green_by_zone")
    t = res.summary()
    mode = _MODE_WORDS.get(str(t["distance_mode"]), "")
    print(f"Green access ({mode}): {t['share_population_green_pct']} % of the "
          f"population within {s.green_max_distance_m:g} m of a green space ≥ "
          f"{s.green_min_area_ha:g} ha; SDG 11.7.1 ({t['sdg_distance_mode']}): "
          f"{t['share_population_sdg_pct']} %")
    print(f"Layers: {gpkg}\nTable:  {table}")
    return 0


def _run_service(args: argparse.Namespace) -> int:
    import pandas as pd

    from parakou_geo.planning.coverage import CoverageResult
    from parakou_geo.planning.siting import candidate_sites, site_new_points
    from parakou_geo.planning.waste import waste_points
    from parakou_geo.planning.water import water_points

    s = _settings(args)
    topic: str = args.topic
    if args.radius is not None:
        s = s.replace(**{f"{topic}_radius_m": args.radius})
    buildings = _demand(args, s)
    points = _required(args, "points", s).to_crs(buildings.crs)
    roads = _read(args, "roads", s, kind="roads")
    roads = roads.to_crs(buildings.crs) if roads is not None else None
    graph = _graph(args, roads, s)
    res = (waste_points if topic == "waste" else water_points)(
        buildings, points, graph=graph, settings=s
    )
    cov: CoverageResult = res.coverage
    layers = {f"{topic}_buildings": cov.buildings, f"{topic}_points": res.points}
    groups = _groups(args, buildings, s)
    key = groups if groups is not None else pd.Series("commune", index=buildings.index)
    tables = [_table(args, s, pd.DataFrame(res.points.drop(columns="geometry")),
                     f"{topic}_points"),
              _table(args, s, cov.by_group(key), f"{topic}_by_zone")]
    t = res.summary()
    radius = s.waste_radius_m if topic == "waste" else s.water_radius_m
    print(f"{topic.capitalize()} points ({_MODE_WORDS.get(str(t['distance_mode']), '')}): "
          f"{t['share_population_covered_pct']}"
          f" % of {t['population']:.0f} people within {radius:g} m")
    if args.site:
        cands = _read(args, "candidates", s)
        if cands is None:
            if roads is None:
                raise InputError("--site needs candidate sites: give --candidates FILE, or "
                                 "--roads FILE to generate them along the roads")
            cands = candidate_sites(roads, spacing_m=s.candidate_spacing_m)
        site = site_new_points(buildings, cands.to_crs(buildings.crs), k=args.site,
                               radius_m=radius, existing=points,
                               method="exact" if args.exact else "greedy", settings=s,
                               graph=graph)
        layers[f"{topic}_new_sites"] = site.chosen
        tables.append(_table(args, s, pd.DataFrame(site.chosen.drop(columns="geometry")),
                             f"{topic}_new_sites"))
        u = site.summary()
        print(f"{len(site.chosen)} new site(s) ({site.method}): covered population "
              f"{u['population_covered_before']:.0f} → {u['population_covered_after']:.0f} "
              f"({u['share_covered_after_pct']} %)")
        for note in site.notes:
            print(f"  note: {note}")
        if len(site.uncoverable):
            print(f"  {len(site.uncoverable)} building(s), "
                  f"{site.uncoverable['population'].sum():.0f} people, are out of reach of "
                  "every candidate: " + site.uncoverable["reason"].iloc[0])
    if topic == "water":
        print(f"  ({t['indicator']})")
    gpkg = _out(args, f"{topic}.gpkg")
    _write_layers(gpkg, layers, args.overwrite, styles_topic=topic)
    print(f"Layers: {gpkg}\nTables: " + ", ".join(map(str, tables)))
    return 0
