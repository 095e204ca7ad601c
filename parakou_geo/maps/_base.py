"""Private: the map frame shared by every planner map (tiles, assets, runtime, layers, save).

A map is a :class:`folium.Map` drawn on a canvas (``prefer_canvas``) with one
:class:`folium.FeatureGroup` per theme (so the layer control can toggle it), filled in the
browser by the parakou_geo runtime from compact layer specs (see :mod:`._geojson`).
"""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import folium
import geopandas as gpd
import numpy as np
from branca.element import Element, MacroElement
from jinja2 import Template

from parakou_geo.maps import _assets
from parakou_geo.maps._geojson import categorical, display_values, encode_geometry, script_json
from parakou_geo.maps._words import words
from parakou_geo.maps.settings import MapSettings
from parakou_geo.register import atomic_path

__all__ = ["LayerSpec", "MapFrame", "save_map"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())


@dataclass
class LayerSpec:
    """One drawn layer: data in EPSG:4326 and how to show it."""

    id: str
    name: str
    gdf: gpd.GeoDataFrame
    style: dict[str, Any]
    group: str | None = None
    popup_title: str | None = None
    popup_fields: Sequence[tuple[str, str]] = ()
    tooltip: Sequence[str] = ()
    search: Sequence[str] = ()
    categorical: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    ring_m: float | None = None
    #: Visible labels of a line layer: ``column`` (text), ``min_zoom`` and ``max`` (count).
    labels: Mapping[str, Any] | None = None

    def to_json(self, decimals: int) -> dict[str, Any]:
        """Return the spec sent to the runtime (only the columns it shows)."""
        cols = {c for _, c in self.popup_fields} | set(self.tooltip) | set(self.search)
        if self.popup_title:
            cols.add(self.popup_title)
        if self.style.get("by"):
            cols.add(self.style["by"])
        if self.labels:
            cols.add(self.labels["column"])
        props: dict[str, Any] = {}
        cats: dict[str, list[str]] = {}
        for col in sorted(c for c in cols if c in self.gdf.columns):
            if col in self.categorical:
                codes, names = categorical(self.gdf[col])
                shown = self.categorical[col]
                props[col], cats[col] = codes, [shown.get(n, n) for n in names]
            else:
                props[col] = display_values(self.gdf[col])
        popup = None
        if self.popup_title or self.popup_fields:
            popup = {"title": self.popup_title,
                     "fields": [[label, col] for label, col in self.popup_fields
                                if col in self.gdf.columns]}
        return {
            "id": self.id,
            "group": self.group or self.id,
            "name": self.name,
            "geom": encode_geometry(self.gdf.geometry, decimals=decimals),
            "props": props,
            "cats": cats,
            "style": self.style,
            "popup": popup,
            "tooltip": [c for c in self.tooltip if c in self.gdf.columns],
            "search": [c for c in self.search if c in self.gdf.columns],
            "ring_m": self.ring_m,
            "labels": dict(self.labels) if self.labels else None,
            "n": len(self.gdf),
        }


class _Runtime(MacroElement):
    """Calls the runtime with the map, its theme groups and the layer specs."""

    _template = Template(
        "{% macro script(this, kwargs) %}\n"
        "ParakouMaps.init({{ this._parent.get_name() }}, { "
        "{% for key, var in this.groups %}{{ key }}: {{ var }}, {% endfor %}"
        " }, {{ this.spec_json }});\n"
        "{% endmacro %}"
    )

    def __init__(self, groups: list[tuple[str, str]], spec_json: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "ParakouRuntime"
        self.groups = groups
        self.spec_json = spec_json


#: Deepest zoom: building level (OpenStreetMap tiles stop at 19; deeper only blurs them).
_MAX_ZOOM = 19


class _MetricScale(MacroElement):
    """A scale bar in metres and kilometres only (no miles or feet)."""

    _template = Template(
        "{% macro script(this, kwargs) %}\n"
        "L.control.scale({imperial: false, metric: true})"
        ".addTo({{ this._parent.get_name() }});\n"
        "{% endmacro %}"
    )

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "MetricScale"


@dataclass
class MapFrame:
    """Collects themes and legend entries, then builds the :class:`folium.Map`."""

    settings: MapSettings
    offline: bool
    layers: list[LayerSpec] = field(default_factory=list)
    groups: list[tuple[str, str, bool]] = field(default_factory=list)
    legend: list[dict[str, Any]] = field(default_factory=list)
    search: bool = False

    def add_group(self, key: str, name: str, *, show: bool = True) -> None:
        """Add a toggleable theme (one entry of the layer control)."""
        self.groups.append((key, name, show))

    def build(self) -> folium.Map:
        """Return the map with every layer, control, legend and attribution."""
        s = self.settings
        w = words(s.language)
        bounds = _bounds([spec.gdf for spec in self.layers])
        centre = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
        m = folium.Map(location=centre, zoom_start=14, tiles=None, prefer_canvas=True,
                       control_scale=False, max_zoom=_MAX_ZOOM)
        root: Any = m.get_root()  # a branca Figure
        if self.offline:
            m.default_js, m.default_css = [], []
            for i, tag in enumerate(_assets.offline_assets()):
                root.header.add_child(Element(tag), name=f"pk_asset_{i}")
        else:
            m.default_js, m.default_css = _assets.online_links()
            # no internet: Leaflet from inert text, the data on a plain background, a note
            for i, tag in enumerate(_assets.no_network_fallback(w["no_network"])):
                root.html.add_child(Element(tag), name=f"pk_fallback_{i}")
        root.header.add_child(Element(f"<style>{_assets.runtime_css()}</style>"),
                              name="pk_runtime_css")
        root.header.add_child(Element(f"<script>{_assets.runtime_js()}</script>"),
                              name="pk_runtime_js")
        tiles, attribution = (s.local_tiles_url, s.local_tiles_attribution) if self.offline \
            else (s.tiles_url, s.tiles_attribution)
        if tiles:
            folium.TileLayer(tiles=tiles, attr=html.escape(attribution or " "), name="fond",
                             max_zoom=_MAX_ZOOM, max_native_zoom=19, control=False).add_to(m)
        if not tiles:
            root.header.add_child(
                Element("<style>.leaflet-container{background:#f2efe9}</style>"),
                name="pk_plain_background")
        group_vars: list[tuple[str, str]] = []
        for key, name, show in self.groups:
            fg = folium.FeatureGroup(name=html.escape(name), show=show)
            fg.add_to(m)
            group_vars.append((key, fg.get_name()))
        spec = {
            "words": {k: w[k] for k in ("search", "no_result", "fullscreen", "measure",
                                        "distance", "legend")},
            "layers": [layer.to_json(s.coordinate_decimals) for layer in self.layers],
            "legend": self.legend,
            "search": self.search,
            "attribution": list(s.data_attribution),
            "bounds": bounds,
        }
        _Runtime(group_vars, script_json(spec)).add_to(m)
        _MetricScale().add_to(m)
        folium.LayerControl(collapsed=False).add_to(m)
        logger.info("map built: %s", {lay.id: len(lay.gdf) for lay in self.layers})
        return m


def _bounds(frames: Sequence[gpd.GeoDataFrame]) -> list[list[float]]:
    boxes = np.array([f.total_bounds for f in frames if len(f)], dtype=float)
    if len(boxes) == 0:
        from parakou_geo.settings import MAIRIE_DE_PARAKOU_LONLAT

        lon, lat = MAIRIE_DE_PARAKOU_LONLAT
        return [[lat - 0.01, lon - 0.01], [lat + 0.01, lon + 0.01]]
    minx, miny = np.nanmin(boxes[:, 0]), np.nanmin(boxes[:, 1])
    maxx, maxy = np.nanmax(boxes[:, 2]), np.nanmax(boxes[:, 3])
    return [[round(float(miny), 6), round(float(minx), 6)],
            [round(float(maxy), 6), round(float(maxx), 6)]]


def save_map(m: folium.Map, path: str | os.PathLike[str], *, overwrite: bool = False) -> None:
    """Write a map to an HTML file, completely or not at all.

    Parameters
    ----------
    m : folium.Map
        A map from :func:`~parakou_geo.maps.addressing_map` or
        :func:`~parakou_geo.maps.planning_map` (any folium map works).
    path : str or os.PathLike
        The HTML file to write.
    overwrite : bool
        Replace an existing file; without it an existing file is an error.

    Raises
    ------
    OutputError
        When the file exists (and ``overwrite`` is false) or its folder does not exist.
    """
    with atomic_path(path, overwrite=overwrite) as tmp:
        tmp.write_text(m.get_root().render(), encoding="utf-8")
