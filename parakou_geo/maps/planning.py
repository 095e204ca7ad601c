"""The planning map: forest, green spaces, waste and water points, buildings not covered.

Green spaces are drawn with their service area, waste and water points with coverage rings.
Takes plain GeoDataFrames (the outputs of the planning functions or any layers) in any CRS;
service areas are computed in the metric CRS (``settings.metric_crs``, EPSG:32631) and
everything is reprojected to EPSG:4326 at the map boundary.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import shapely

from parakou_geo._errors import InputError
from parakou_geo.maps._base import LayerSpec, MapFrame
from parakou_geo.maps._geojson import raise_all, to_lonlat
from parakou_geo.maps._words import words
from parakou_geo.maps.settings import MapSettings

__all__ = ["THEME_COLOURS", "planning_map"]

#: Colour of each planning theme.
THEME_COLOURS: dict[str, str] = {
    "forest": "#1b5e20",
    "green_spaces": "#43a047",
    "green_service": "#a5d6a7",
    "waste_points": "#8d6e63",
    "uncovered": "#e53935",
    "water_points": "#1e88e5",
    "zones": "#333333",
}

#: Columns shown in popups when a layer has them.
_POPUP_CANDIDATES = ("name", "nom", "quartier", "type", "pop", "area_ha")


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
    zones: gpd.GeoDataFrame | None = None,
    offline: bool = False,
    settings: MapSettings | None = None,
) -> folium.Map:
    """Return the planning map; each theme is one toggleable layer with a legend entry.

    Parameters
    ----------
    forest : geopandas.GeoDataFrame, optional
        Planned communal forest polygons, any CRS.
    green_spaces : geopandas.GeoDataFrame, optional
        Public green spaces (polygons or points), any CRS; drawn with their service area.
    green_service_m : float
        Radius of the green-space service area, metres (WHO / 3-30-300: 300 m).
    waste_points : geopandas.GeoDataFrame, optional
        Waste regrouping points, any CRS (other geometries are drawn at a point inside).
    waste_radius_m : float
        Radius of the waste-point coverage rings, metres (default 300).
    uncovered_buildings : geopandas.GeoDataFrame, optional
        Buildings not covered by a service, any CRS (drawn as points).
    water_points : geopandas.GeoDataFrame, optional
        Water points, any CRS.
    water_radius_m : float
        Radius of the water-point coverage rings, metres (Sphere: 500).
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
        When no layer is given, a layer is not a GeoDataFrame or has no CRS, or a radius is not
        positive (all problems listed at once).
    """
    s = settings or MapSettings()
    w = words(s.language)
    given = {"forest": forest, "green_spaces": green_spaces, "waste_points": waste_points,
             "uncovered": uncovered_buildings, "water_points": water_points, "zones": zones}
    problems: list[str] = []
    for name, value in (("green_service_m", green_service_m), ("waste_radius_m", waste_radius_m),
                        ("water_radius_m", water_radius_m)):
        if not isinstance(value, int | float) or not value > 0:
            problems.append(f"{name}={value!r} must be a positive number of metres")
    layers: dict[str, gpd.GeoDataFrame] = {}
    errors: list[InputError] = []
    for key, gdf in given.items():
        if gdf is None:
            continue
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
    popup_fields = [(w.get(c, c), c) for c in _POPUP_CANDIDATES]

    def add(key: str, name: str, gdf: gpd.GeoDataFrame, style: dict[str, object], shape: str,
            *, group: str | None = None, ring_m: float | None = None,
            popup: bool = True) -> None:
        gdf = gdf.copy()
        gdf["_theme"] = name
        frame.layers.append(LayerSpec(
            id=key, group=group or key, name=name, gdf=gdf, style=style, ring_m=ring_m,
            popup_title="_theme" if popup else None,
            popup_fields=popup_fields if popup else (),
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
        add("green_service", name, _service_area(layers["green_spaces"], green_service_m, s), {
            "color": THEME_COLOURS["green_service"], "weight": 1, "opacity": 0.8,
            "fillOpacity": 0.25}, "box", group="green", popup=False)
        legend.pop()
        green = layers["green_spaces"]
        add("green_spaces", name, _with_area(green, s) if _is_polygonal(green) else green, {
            "color": THEME_COLOURS["green_spaces"], "weight": 1.5, "opacity": 1,
            "fillOpacity": 0.7, "radius": s.point_radius_px + 2}, "box", group="green")
    for key, radius, title in (("waste_points", waste_radius_m, "waste_points"),
                               ("water_points", water_radius_m, "water_points")):
        if key in layers:
            name = w[title].format(m=f"{radius:g}")
            frame.add_group(key, name)
            add(key, name, _points(layers[key]), {
                "color": THEME_COLOURS[key], "radius": s.point_radius_px + 2, "weight": 1,
                "stroke": "#222222", "opacity": 1, "fillOpacity": 0.95}, "ring",
                ring_m=float(radius))
    if "uncovered" in layers:
        frame.add_group("uncovered", w["uncovered"])
        add("uncovered", w["uncovered"], _points(layers["uncovered"]), {
            "color": THEME_COLOURS["uncovered"], "radius": s.point_radius_px, "weight": 0.5,
            "stroke": "#7f0000", "opacity": 1, "fillOpacity": 0.9}, "dot")
    frame.legend = [{"title": "", "items": legend}]
    return frame.build()


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
