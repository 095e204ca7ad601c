"""Old name of the input-layer checks, kept importable for one version.

"Validate" now means one thing: the lifecycle operation that makes proposed addresses current
(:func:`parakou_geo.register.lifecycle.validate_addresses`, ``parakou-geo validate``). The checks of
input layers are :mod:`parakou_geo.check` (:func:`~parakou_geo.check.check_layer`...), their
repair and reprojection :mod:`parakou_geo.prepare` (``prepare_*``). Every name this module had
is re-exported here unchanged; import it from its new module.
"""

from __future__ import annotations

from parakou_geo._input_checks import (
    content_problems,
    crs_option_problems,
    ensure_regular_file,
    layers_apart_problems,
    shapefile_problems,
    undecodable_geometries,
)
from parakou_geo.check import LayerReport, check_layer, detect_id_column
from parakou_geo.prepare import (
    _geometry_keys,
    prepare_buildings,
    prepare_quartiers,
    prepare_roads,
    prepare_zones,
)

__all__ = [
    "LayerReport",
    "_geometry_keys",
    "check_layer",
    "content_problems",
    "crs_option_problems",
    "detect_id_column",
    "ensure_regular_file",
    "layers_apart_problems",
    "prepare_buildings",
    "prepare_quartiers",
    "prepare_roads",
    "prepare_zones",
    "shapefile_problems",
    "undecodable_geometries",
]
