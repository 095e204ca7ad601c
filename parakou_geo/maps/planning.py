"""The planning map: forest, green spaces, waste and water points, new sites, unserved buildings.

Green spaces are drawn with their service area, waste and water points and new sites with
coverage rings. :func:`planning_map` takes plain GeoDataFrames in any CRS;
:func:`planning_layers` turns the results of the planning functions (``plan_forest``,
``green_access``, ``waste_points``, ``water_points``, ``site_new_points``) into those layers.
Service areas are computed in the metric CRS (``settings.metric_crs``, EPSG:32631) and
everything is reprojected to EPSG:4326 at the map boundary.
"""

from __future__ import annotations

from typing import Literal, TypedDict

import folium
import geopandas as gpd
import shapely

from parakou_geo._errors import InputError
from parakou_geo.maps._base import LayerSpec, MapFrame
from parakou_geo.maps._geojson import raise_all, to_lonlat
from parakou_geo.maps._words import words
from parakou_geo.maps.settings import MapSettings
from parakou_geo.planning.forest import ForestPlan
from parakou_geo.planning.green import GreenAccessResult
from parakou_geo.planning.settings import PlanningSettings
from parakou_geo.planning.siting import SitingResult
from parakou_geo.planning.waste import WasteResult
from parakou_geo.planning.water import WaterResult

__all__ = ["THEME_COLOURS", "PlanningLayers", "UncoveredService", "not_covered",
           "planning_layers", "planning_map"]

#: The service the "buildings not covered" layer refers to.
UncoveredService = Literal["waste", "water", "green"]

#: Colour of each planning theme.
THEME_COLOURS: dict[str, str] = {
    "forest": "#1b5e20",
    "green_spaces": "#43a047",
    "green_service": "#a5d6a7",
    "waste_points": "#8d6e63",
    "uncovered": "#e53935",
    "water_points": "#1e88e5",
    "new_sites": "#fb8c00",
    "zones": "#333333",
}

#: Columns shown in popups when a layer has them: (word key, column), common then per theme.
_POPUP_COMMON = (("name", "name"), ("name", "nom"), ("quartier", "quartier"), ("type", "type"))
_POPUP_THEME: dict[str, tuple[tuple[str, str], ...]] = {
    "forest": (("area_ha", "area_ha"), ("n_seedlings", "n_seedlings")),
    "green_spaces": (("area_ha", "area_ha"),),
    "waste_points": (("pop", "pop"), ("population_assigned", "population"),
                     ("waste_kg_day", "waste_kg_day"), ("containers_needed", "containers_needed")),
    "water_points": (("pop", "pop"), ("population_assigned", "population"),
                     ("extra_points_needed", "extra_points_needed")),
    "new_sites": (("rank", "rank"), ("population_added", "population_added")),
    "uncovered": (("building_id", "building_id"), ("pop", "pop"), ("pop", "population"),
                  ("distance_m", "distance_m")),
}


def planning_map(
    *,
    forest: gpd.GeoDataFrame | None = None,
    green_spaces: gpd.GeoDataFrame | None = None,
    green_service_m: float = 300.0,
    waste_points: gpd.GeoDataFrame | None = None,
    waste_radius_m: float = 300.0,
    uncovered_buildings: gpd.GeoDataFrame | None = None,
    water_points: gpd.GeoDataFrame | None = None,
    water_radius_m: float = 500.0,
    new_sites: gpd.GeoDataFrame | None = None,
    new_sites_radius_m: float = 300.0,
    uncovered_service: UncoveredService | None = None,
    zones: gpd.GeoDataFrame | None = None,
    offline: bool = False,
    settings: MapSettings | None = None,
) -> folium.Map:
    """Return the planning map; each theme is one toggleable layer with a legend entry.

    To map the results of the planning functions, pass them through
    :func:`planning_layers`: ``planning_map(**planning_layers(waste=..., ...), zones=zones)``.

    Parameters
    ----------
    forest : geopandas.GeoDataFrame, optional
        Planned communal forest polygons, any CRS.
    green_spaces : geopandas.GeoDataFrame, optional
        Public green spaces (polygons or points), any CRS; drawn with their service area. When
        the layer has a boolean ``counted`` column (as ``GreenAccessResult.green_spaces``), the
        service area is drawn around the counted spaces only (those large enough).
    green_service_m : float
        Radius of the green-space service area, metres (WHO / 3-30-300: 300 m).
    waste_points : geopandas.GeoDataFrame, optional
        Waste regrouping points, any CRS (other geometries are drawn at a point inside).
    waste_radius_m : float
        Radius of the waste-point coverage rings, metres (default 300).
    uncovered_buildings : geopandas.GeoDataFrame, optional
        Buildings not covered by a service, any CRS (drawn as points). A layer of every
        building with a ``covered`` (or ``green_within``) column, such as the
        ``waste_buildings`` layer of ``parakou-geo plan waste``, is cut to the buildings not
        covered.
    water_points : geopandas.GeoDataFrame, optional
        Water points, any CRS.
    water_radius_m : float
        Radius of the water-point coverage rings, metres (Sphere: 500).
    new_sites : geopandas.GeoDataFrame, optional
        Proposed new sites (e.g. ``SitingResult.chosen``), any CRS.
    new_sites_radius_m : float
        Radius of the new sites' coverage rings, metres (default 300).

        Rings are straight-line circles: a points layer whose ``distance_mode`` column says
        ``network`` (coverage measured along the roads) gets no circle, and its legend says
        the distance is along the roads.
    uncovered_service : {"waste", "water", "green"}, optional
        The service ``uncovered_buildings`` are out of reach of; names the layer after it and
        its radius ("Bâtiments à plus de 300 m d'un point de déchets"). Without it the layer is
        "Bâtiments non desservis".
    zones : geopandas.GeoDataFrame, optional
        Zone (arrondissement) boundaries, any CRS.
    offline : bool
        Embed every library so the saved HTML works with no network.
    settings : MapSettings, optional
        Language, tiles, attribution and drawing settings.

    Returns
    -------
    folium.Map
        The map; save it with :func:`parakou_geo.maps.save_map`.

    Raises
    ------
    InputError
        When no layer is given, a layer is not a GeoDataFrame or has no CRS, a radius is not
        positive or ``uncovered_service`` is unknown (all problems listed at once).

    Examples
    --------
    >>> from parakou_geo.planning.sample import load_planning_sample
    >>> p = load_planning_sample()
    >>> m = planning_map(green_spaces=p["green_spaces"], water_points=p["water_points"])
    >>> type(m).__name__
    'Map'
    """
    s = settings or MapSettings()
    w = words(s.language)
    given = {"forest": forest, "green_spaces": green_spaces, "waste_points": waste_points,
             "uncovered": uncovered_buildings, "water_points": water_points,
             "new_sites": new_sites, "zones": zones}
    problems: list[str] = []
    radii = {"green": green_service_m, "waste": waste_radius_m, "water": water_radius_m,
             "new_sites": new_sites_radius_m}
    for name, value in (("green_service_m", green_service_m), ("waste_radius_m", waste_radius_m),
                        ("water_radius_m", water_radius_m),
                        ("new_sites_radius_m", new_sites_radius_m)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            problems.append(f"{name}={value!r} must be a positive number of metres")
    if uncovered_service is not None and uncovered_service not in ("waste", "water", "green"):
        problems.append(f"uncovered_service={uncovered_service!r} must be 'waste', 'water', "
                        "'green' or None")
    layers: dict[str, gpd.GeoDataFrame] = {}
    errors: list[InputError] = []
    for key, gdf in given.items():
        if gdf is None:
            continue
        if key == "uncovered":
            gdf = not_covered(gdf)
        try:
            layers[key] = to_lonlat(gdf, "uncovered_buildings" if key == "uncovered" else key)
        except InputError as exc:
            problems += exc.problems
            errors.append(exc)
    if not any(v is not None for v in given.values()):
        problems.append("planning_map needs at least one layer, e.g. "
                        "planning_map(green_spaces=gdf)")
    raise_all(problems, errors)

    frame = MapFrame(settings=s, offline=offline)
    legend: list[dict[str, str]] = []

    def add(key: str, name: str, gdf: gpd.GeoDataFrame, style: dict[str, object], shape: str,
            *, group: str | None = None, ring_m: float | None = None,
            popup: bool = True) -> None:
        gdf = gdf.copy()
        gdf["_theme"] = name
        fields = [(w[k], c) for k, c in _POPUP_COMMON + _POPUP_THEME.get(key, ())]
        frame.layers.append(LayerSpec(
            id=key, group=group or key, name=name, gdf=gdf, style=style, ring_m=ring_m,
            popup_title="_theme" if popup else None,
            popup_fields=fields if popup else (),
            tooltip=tuple(c for c in ("name", "nom") if c in gdf.columns),
        ))
        legend.append({"label": name, "colour": str(style["color"]), "shape": shape})

    if "zones" in layers:
        frame.add_group("zones", w["zones"])
        add("zones", w["zones"], layers["zones"], {
            "color": THEME_COLOURS["zones"], "weight": 2.5, "opacity": 0.9, "fill": False,
            "fillOpacity": 0.0, "dashArray": "8 6"}, "line", popup=False)
    if "forest" in layers:
        frame.add_group("forest", w["forest"])
        add("forest", w["forest"], _with_area(layers["forest"], s), {
            "color": THEME_COLOURS["forest"], "weight": 2, "opacity": 1, "fillOpacity": 0.55},
            "box")
    if "green_spaces" in layers:
        name = w["green_service"].format(m=f"{green_service_m:g}")
        frame.add_group("green", name)
        green = layers["green_spaces"]
        served = green
        if "counted" in green.columns:
            served = green.loc[green["counted"].astype("boolean").fillna(False).to_numpy(bool)]
        if len(served):
            add("green_service", name, _service_area(served, green_service_m, s), {
                "color": THEME_COLOURS["green_service"], "weight": 1, "opacity": 0.8,
                "fillOpacity": 0.25}, "box", group="green", popup=False)
            legend.pop()
        add("green_spaces", name, _with_area(green, s) if _is_polygonal(green) else green, {
            "color": THEME_COLOURS["green_spaces"], "weight": 1.5, "opacity": 1,
            "fillOpacity": 0.7, "radius": s.point_radius_px + 2}, "box", group="green")
    for key, radius, title in (("waste_points", waste_radius_m, "waste_points"),
                               ("water_points", water_radius_m, "water_points"),
                               ("new_sites", new_sites_radius_m, "new_sites")):
        if key in layers:
            name = w[title].format(m=f"{radius:g}")
            network = _is_network(layers[key])
            if network:  # a circle would show the straight line, not the walk along roads
                name = f"{name} — {w['along_roads']}"
            frame.add_group(key, name)
            add(key, name, _points(layers[key]), {
                "color": THEME_COLOURS[key], "radius": s.point_radius_px + 2, "weight": 1,
                "stroke": "#222222", "opacity": 1, "fillOpacity": 0.95},
                "dot" if network else "ring", ring_m=None if network else float(radius))
    if "uncovered" in layers:
        name = (w[f"uncovered_{uncovered_service}"].format(m=f"{radii[uncovered_service]:g}")
                if uncovered_service else w["uncovered"])
        if uncovered_service and _is_network(layers["uncovered"]):
            name = f"{name} — {w['along_roads']}"
        frame.add_group("uncovered", name)
        add("uncovered", name, _points(layers["uncovered"]), {
            "color": THEME_COLOURS["uncovered"], "radius": s.point_radius_px, "weight": 0.5,
            "stroke": "#7f0000", "opacity": 1, "fillOpacity": 0.9}, "dot")
    frame.legend = [{"title": "", "items": legend}]
    return frame.build()


class PlanningLayers(TypedDict, total=False):
    """Keyword arguments of :func:`planning_map` made by :func:`planning_layers`."""

    forest: gpd.GeoDataFrame
    green_spaces: gpd.GeoDataFrame
    green_service_m: float
    waste_points: gpd.GeoDataFrame
    waste_radius_m: float
    uncovered_buildings: gpd.GeoDataFrame
    uncovered_service: UncoveredService
    water_points: gpd.GeoDataFrame
    water_radius_m: float
    new_sites: gpd.GeoDataFrame
    new_sites_radius_m: float


#: The result type and the function making it, for each argument of planning_layers.
_RESULT_TYPES: dict[str, tuple[type, str]] = {
    "forest": (ForestPlan, "plan_forest"),
    "green": (GreenAccessResult, "green_access"),
    "waste": (WasteResult, "waste_points"),
    "water": (WaterResult, "water_points"),
    "siting": (SitingResult, "site_new_points"),
}
_PLAIN_KEYWORD = {"forest": "forest", "green": "green_spaces", "waste": "waste_points",
                  "water": "water_points", "siting": "new_sites"}
#: Columns of the not-covered buildings kept for the map (with the geometry).
_UNCOVERED_COLUMNS = ("building_id", "population", "distance_m")


def planning_layers(
    *,
    forest: ForestPlan | None = None,
    green: GreenAccessResult | None = None,
    waste: WasteResult | None = None,
    water: WaterResult | None = None,
    siting: SitingResult | None = None,
    uncovered: Literal["auto", "waste", "water", "green", "none"] = "auto",
    settings: PlanningSettings | None = None,
) -> PlanningLayers:
    """Turn the results of the planning functions into the layers of :func:`planning_map`.

    Radii come from the results themselves (``coverage.radius_m``, ``SitingResult.radius_m``)
    and the green-space distance from ``settings``, so the map shows what was computed. The
    layers stay in the results' CRS (EPSG:32631); :func:`planning_map` reprojects them.

    Parameters
    ----------
    forest : ForestPlan, optional
        From :func:`~parakou_geo.planning.plan_forest`: its ``parcels`` (with ``area_ha`` and
        ``n_seedlings``) become the forest layer.
    green : GreenAccessResult, optional
        From :func:`~parakou_geo.planning.green_access`: its ``green_spaces``; the service area
        is drawn around the counted ones (at least ``green_min_area_ha``).
    waste : WasteResult, optional
        From :func:`~parakou_geo.planning.waste_points`: the points with their load, and
        their radius.
    water : WaterResult, optional
        From :func:`~parakou_geo.planning.water_points`: the points and their radius.
    siting : SitingResult, optional
        From :func:`~parakou_geo.planning.site_new_points`: the chosen sites (``rank``,
        ``population_added``) and their radius.
    uncovered : {"auto", "waste", "water", "green", "none"}
        Which service's not-covered buildings to draw (one layer): ``"auto"`` takes the first
        of waste, water, green given; ``"none"`` draws none.
    settings : PlanningSettings, optional
        The settings the green result was computed with (``green_max_distance_m``, 300 m).

    Returns
    -------
    PlanningLayers
        A dict of :func:`planning_map` keyword arguments; add ``zones``, ``offline`` or
        ``settings`` when calling it.

    Raises
    ------
    InputError
        When an argument is not the expected result, no result is given, or ``uncovered``
        names a result not given (all problems listed at once).

    Examples
    --------
    >>> from parakou_geo.datasets import load_sample
    >>> from parakou_geo.planning import waste_points
    >>> from parakou_geo.planning.sample import load_planning_sample
    >>> buildings = load_sample()["buildings"].to_crs(32631)
    >>> points = load_planning_sample()["waste_points"].to_crs(32631)
    >>> layers = planning_layers(waste=waste_points(buildings, points))
    >>> sorted(layers)
    ['uncovered_buildings', 'uncovered_service', 'waste_points', 'waste_radius_m']
    >>> m = planning_map(**layers)
    """
    given = {"forest": forest, "green": green, "waste": waste, "water": water,
             "siting": siting}
    problems: list[str] = []
    for name, value in given.items():
        kind, function = _RESULT_TYPES[name]
        if value is not None and not isinstance(value, kind):
            problems.append(
                f"{name} must be a {kind.__name__} (the result of parakou_geo.planning."
                f"{function}), got {type(value).__name__}; pass plain layers to planning_map("
                f"{_PLAIN_KEYWORD[name]}=...) instead"
            )
    if all(v is None for v in given.values()):
        problems.append("planning_layers needs at least one result, e.g. "
                        "planning_layers(waste=waste_points(buildings, points))")
    if uncovered not in ("auto", "waste", "water", "green", "none"):
        problems.append(f"uncovered={uncovered!r} must be 'auto', 'waste', 'water', 'green' "
                        "or 'none'")
    elif uncovered in ("waste", "water", "green") and given[uncovered] is None:
        problems.append(f"uncovered={uncovered!r} but no {uncovered} result was given; pass "
                        f"{uncovered}=... or choose another service (or 'none')")
    if problems:
        raise InputError(problems)
    s = settings or PlanningSettings()
    out: PlanningLayers = {}
    if forest is not None:
        out["forest"] = forest.parcels
    if green is not None:
        out["green_spaces"] = green.green_spaces
        out["green_service_m"] = float(s.green_max_distance_m)
    if waste is not None:
        out["waste_points"] = waste.points
        out["waste_radius_m"] = waste.coverage.radius_m
    if water is not None:
        out["water_points"] = water.points
        out["water_radius_m"] = water.coverage.radius_m
    if siting is not None:
        out["new_sites"] = siting.chosen.assign(distance_mode=siting.distance_mode)
        out["new_sites_radius_m"] = siting.radius_m
    service = uncovered
    if service == "auto":
        service = next((k for k in ("waste", "water", "green") if given[k] is not None), "none")
    if service == "green" and green is not None:
        buildings, covered = green.buildings, green.buildings["green_within"]
        service_name: UncoveredService = "green"
    elif service == "waste" and waste is not None:
        buildings, covered = waste.coverage.buildings, waste.coverage.buildings["covered"]
        service_name = "waste"
    elif service == "water" and water is not None:
        buildings, covered = water.coverage.buildings, water.coverage.buildings["covered"]
        service_name = "water"
    else:
        return out
    keep = [c for c in _UNCOVERED_COLUMNS if c in buildings.columns]
    mask = ~covered.astype("boolean").fillna(False).to_numpy(bool)
    out["uncovered_buildings"] = buildings.loc[mask, [*keep, buildings.geometry.name]]
    out["uncovered_service"] = service_name
    return out


def not_covered(buildings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the buildings not covered: rows whose ``covered`` (or ``green_within``) is False.

    A layer without either column is taken as already cut to the buildings not covered.
    """
    for col in ("covered", "green_within"):
        if col in buildings.columns:
            flag = buildings[col].map(
                lambda v: str(v).strip().lower() in ("true", "1", "oui", "yes")
                if not isinstance(v, bool) else v)
            return buildings.loc[~flag.to_numpy(bool)]
    return buildings


def _is_network(gdf: gpd.GeoDataFrame) -> bool:
    return "distance_mode" in gdf.columns and bool(
        (gdf["distance_mode"].astype(str) == "network").any())


def _is_polygonal(gdf: gpd.GeoDataFrame) -> bool:
    return bool(shapely.get_dimensions(gdf.geometry.array).min() == 2) if len(gdf) else False


def _points(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if len(gdf) == 0 or bool((shapely.get_type_id(gdf.geometry.array) == 0).all()):
        return gdf
    out = gdf.copy()
    out.geometry = shapely.point_on_surface(gdf.geometry.array)
    return out


def _with_area(gdf: gpd.GeoDataFrame, s: MapSettings) -> gpd.GeoDataFrame:
    if "area_ha" in gdf.columns or not _is_polygonal(gdf):
        return gdf
    out = gdf.copy()
    out["area_ha"] = (gdf.to_crs(s.metric_crs).area / 10_000.0).round(2).to_numpy()
    return out


def _service_area(green: gpd.GeoDataFrame, radius_m: float, s: MapSettings) -> gpd.GeoDataFrame:
    """Union of the green spaces buffered by ``radius_m`` (metres, in the metric CRS)."""
    metric = green.to_crs(s.metric_crs).geometry
    area = shapely.union_all(shapely.buffer(metric.array, radius_m, quad_segs=8))
    if s.simplify_m > 0:
        area = shapely.simplify(area, s.simplify_m)
    return gpd.GeoDataFrame(geometry=[area], crs=s.metric_crs).to_crs(4326)
