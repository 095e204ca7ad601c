"""Checks of the input layers, before any addressing work.

:func:`check_layer` collects *every* problem of a layer (CRS, geometry types, ids, content...)
so that all of them are reported at once; :func:`detect_id_column` finds a layer's id column.
The checks of files and contents shared with reading live in :mod:`parakou_geo._input_checks`;
repairing, cleaning and reprojecting the checked layers is :mod:`parakou_geo.prepare`.

"Check" means only this: the input layers. ``validate`` is the lifecycle operation that makes
proposed addresses current (:func:`parakou_geo.register.lifecycle.validate_addresses`,
``parakou-geo validate``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parakou_geo._crs import check_coordinates_match_crs
from parakou_geo._input_checks import _rows, content_problems, crs_option_problems
from parakou_geo.io import LayerKind
from parakou_geo.settings import AddressingSettings

__all__ = ["LayerReport", "check_layer", "detect_id_column"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

_ALLOWED: dict[str, tuple[str, ...]] = {
    "roads": ("LineString", "MultiLineString"),
    "buildings": ("Polygon", "MultiPolygon", "Point"),
    "zones": ("Polygon", "MultiPolygon"),
    "quartiers": ("Polygon", "MultiPolygon"),
}
_TYPE_IDS = {"Point": 0, "LineString": 1, "Polygon": 3, "MultiPoint": 4, "MultiLineString": 5,
             "MultiPolygon": 6}
_ID_CANDIDATES: dict[str, tuple[str, ...]] = {
    "roads": ("road_id", "osm_id", "id", "fid"),
    # "building_i": building_id cut to 10 characters by the shapefile format
    "buildings": ("building_id", "building_i", "bld_id", "osm_way_id", "osm_id", "id", "fid"),
}
_EXPECTED_TEXT = {
    "roads": "lines (LineString)",
    "buildings": "polygons (building footprints or parcels) or points",
    "zones": "polygons",
    "quartiers": "polygons",
}


@dataclass
class LayerReport:
    """What checking and preparing did to one layer (counts for the run summary)."""

    source: str
    n_input: int = 0
    n_repaired: int = 0
    n_dropped_empty: int = 0
    n_excluded_class: int = 0
    n_parts_added: int = 0
    notes: list[str] = field(default_factory=list)


def detect_id_column(
    gdf: gpd.GeoDataFrame, kind: LayerKind, explicit: str | None
) -> str | None:
    """Return the id column of a layer: the explicit one, else the first known name present."""
    if explicit is not None:
        return explicit
    for name in _ID_CANDIDATES.get(kind, ()):
        if name in gdf.columns:
            return name
    return None


def check_layer(
    gdf: gpd.GeoDataFrame,
    kind: LayerKind,
    *,
    settings: AddressingSettings,
    source: str | None = None,
    crs: str | None = None,
) -> list[str]:
    """Return every problem that prevents using ``gdf`` as a ``kind`` layer.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer as read, in any CRS.
    kind : {"roads", "buildings", "zones"}
        What the layer is used for.
    settings : AddressingSettings
        Column names (ids, zone number).
    source : str, optional
        Name of the file and layer for the messages; defaults to ``gdf.attrs["source"]``.
    crs : str, optional
        CRS given by the user for a layer that has none.

    Returns
    -------
    list of str
        Problems, each naming the file, the features and the fix; empty when the layer is fine.
    """
    src = source or str(gdf.attrs.get("source", kind))
    problems: list[str] = []
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        return [f"{src}: is not a layer with geometries; give a vector GIS layer"]
    if len(gdf) == 0:
        return [f"{src}: the layer is empty (0 features)"]
    bad_crs = crs_option_problems(crs)
    if bad_crs:  # reported once, with the roads (every command checks them)
        problems += bad_crs if kind == "roads" else []
        if gdf.crs is None:
            return problems
        crs = None
    if gdf.crs is None and crs is None:
        problems.append(
            f"{src}: the layer has no coordinate reference system (CRS). Fix: give it with "
            "--crs (e.g. --crs EPSG:4326 for longitude/latitude, --crs EPSG:32631 for UTM 31N), "
            "in Python gdf.set_crs('EPSG:4326'), or in QGIS Layer ▸ Set CRS then save"
        )
    else:
        checked = gdf if gdf.crs is not None else gdf.set_crs(crs)
        problems += check_coordinates_match_crs(checked, src)

    geoms = np.asarray(gdf.geometry.array)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    allowed = _ALLOWED.get(kind, ())
    if allowed:
        type_ids = shapely.get_type_id(geoms)
        wrong = present & ~np.isin(type_ids, [_TYPE_IDS[t] for t in allowed])
        if wrong.any():
            type_names = pd.Series(gdf.geometry.geom_type.to_numpy()[wrong])
            counts = type_names.value_counts().sort_index()
            found = ", ".join(f"{n} {t}" for t, n in counts.items())
            examples = _feature_names(gdf, np.flatnonzero(wrong), kind, settings)
            problems.append(
                f"{src}: expected {_EXPECTED_TEXT[kind]} for {kind}, found {found} "
                f"(e.g. {examples}). Fix: check that you gave the right file or layer for "
                f"--{kind}" + (" (lines belong in --roads)" if kind == "buildings" else "")
            )

    id_column = detect_id_column(gdf, kind, _explicit_id(kind, settings))
    if _explicit_id(kind, settings) is not None and id_column not in gdf.columns:
        problems.append(
            f"{src}: id column {id_column!r} not found; columns are: "
            f"{', '.join(map(str, gdf.columns))}. Fix: name an existing column"
        )
    elif kind == "buildings" and id_column is not None:
        ids = gdf[id_column]
        if ids.isna().any():
            rows = np.flatnonzero(ids.isna().to_numpy())
            problems.append(
                f"{src}: {len(rows)} feature(s) have no {id_column!r} (rows "
                f"{_rows(rows)}). Fix: fill the ids, or name another id column"
            )
        present_ids = ids.dropna() if ids.hasnans else ids
        dup = ids.iloc[:0] if present_ids.is_unique else \
            ids[ids.notna() & ids.duplicated(keep=False)]
        if len(dup):
            shown = ", ".join(map(str, sorted(dup.astype(str).unique())[:10]))
            problems.append(
                f"{src}: {dup.nunique()} {id_column!r} value(s) are used by more than one "
                f"feature ({shown}). Fix: make the ids unique (QGIS: Field Calculator), or "
                "name another id column"
            )
    if kind == "zones" and settings.zone_column not in gdf.columns:
        problems.append(
            f"{src}: zone number column {settings.zone_column!r} not found; columns are: "
            f"{', '.join(map(str, gdf.columns))}. Fix: set zone_column (CLI --zone-column)"
        )
    if kind == "quartiers" and settings.quartier_column not in gdf.columns:
        problems.append(
            f"{src}: quartier name column {settings.quartier_column!r} not found; columns "
            f"are: {', '.join(map(str, gdf.columns))}. Fix: set quartier_column "
            "(CLI --quartier-column)"
        )
    if kind == "roads" and settings.road_id_column is None and id_column is None:
        logger.info("%s: no road id column; roads are numbered in a stable spatial order", src)
    problems += content_problems(gdf, kind, src, settings)
    return problems


def _explicit_id(kind: LayerKind, settings: AddressingSettings) -> str | None:
    if kind == "roads":
        return settings.road_id_column
    if kind == "buildings":
        return settings.building_id_column
    return None


def _feature_names(
    gdf: gpd.GeoDataFrame, rows: np.ndarray, kind: LayerKind, settings: AddressingSettings
) -> str:
    id_column = detect_id_column(gdf, kind, _explicit_id(kind, settings))
    if id_column is not None and id_column in gdf.columns:
        vals = gdf[id_column].iloc[rows[:5]].astype(str).tolist()
        return ", ".join(f"{id_column} {v}" for v in vals)
    return ("row " if len(rows) == 1 else "rows ") + _rows(rows)
