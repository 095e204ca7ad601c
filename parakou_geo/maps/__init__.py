"""Planner maps: Folium HTML maps of the addressing programme and of the planning themes.

Builders return :class:`folium.Map` objects (French text by default, English as a setting);
:func:`save_map` writes the HTML. ``offline=True`` embeds every web library so the saved page
works with no network. Data are reprojected to EPSG:4326 at the map boundary only.
"""

from __future__ import annotations

import logging

from parakou_geo.maps._base import save_map
from parakou_geo.maps.addressing import addressing_map, read_register_layers
from parakou_geo.maps.planning import PlanningLayers, planning_layers, planning_map
from parakou_geo.maps.settings import MapSettings, load_map_settings

__all__ = [
    "MapSettings",
    "PlanningLayers",
    "addressing_map",
    "load_map_settings",
    "planning_layers",
    "planning_map",
    "read_register_layers",
    "save_map",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
