"""The SYNTHETIC planning layers of the embedded sample (made by scripts/make_planning_sample.py).

Invented green spaces, planned forest, waste points and water points placed among the synthetic
sample's roads and buildings (:func:`parakou_geo.datasets.load_sample`); not real Parakou data.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from parakou_geo._errors import InputError
from parakou_geo.io import read_layer

__all__ = ["PLANNING_SAMPLE_LAYERS", "load_planning_sample", "planning_sample_path"]

#: Layers of the planning sample GeoPackage (EPSG:4326).
PLANNING_SAMPLE_LAYERS: tuple[str, ...] = (
    "green_spaces", "planned_forest", "waste_points", "water_points"
)

_PACKAGE = Path(__file__).resolve().parents[1]
_NAME = "parakou_planning_sample.gpkg"


def planning_sample_path() -> Path:
    """Return the path of the planning sample GeoPackage."""
    for candidate in (_PACKAGE / "_sample" / _NAME, _PACKAGE.parent / "data" / _NAME):
        if candidate.is_file():
            return candidate
    raise InputError(
        f"the planning sample {_NAME} is missing from this installation; reinstall "
        "parakou_geo or regenerate it with scripts/make_planning_sample.py"
    )


def load_planning_sample() -> dict[str, gpd.GeoDataFrame]:
    """Read every layer of the planning sample.

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        :data:`PLANNING_SAMPLE_LAYERS`, in EPSG:4326.

    Examples
    --------
    >>> sorted(load_planning_sample())
    ['green_spaces', 'planned_forest', 'waste_points', 'water_points']
    """
    path = planning_sample_path()
    return {layer: read_layer(path, layer=layer) for layer in PLANNING_SAMPLE_LAYERS}
