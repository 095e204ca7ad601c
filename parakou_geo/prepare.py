"""Preparing checked input layers: repair, clean, canonical order, metric CRS.

The ``prepare_*`` functions take layers that passed :func:`parakou_geo.check.check_layer`,
repair invalid geometries, drop empty ones, clean text, order features canonically (so the same
data in any row order gives the same register) and reproject to the metric CRS.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
import shapely.ops
from pyproj import CRS

from parakou_geo._errors import InputError
from parakou_geo._input_checks import _rows
from parakou_geo._keys import geometry_keys, key_order
from parakou_geo._threads import apply_chunked
from parakou_geo.check import LayerReport, detect_id_column
from parakou_geo.settings import AddressingSettings

__all__ = ["prepare_buildings", "prepare_quartiers", "prepare_roads", "prepare_zones"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())


#: Old name of :func:`parakou_geo._keys.geometry_keys` (``parakou_geo.validate`` re-exports it).
_geometry_keys = geometry_keys


def _with_crs(gdf: gpd.GeoDataFrame, crs: str | None) -> gpd.GeoDataFrame:
    return gdf.set_crs(crs) if gdf.crs is None and crs is not None else gdf


def _repair(geoms: np.ndarray, polygonal: bool) -> tuple[np.ndarray, int]:
    """Repair invalid geometries, keeping only the parts of the layer's dimension."""
    invalid = ~apply_chunked(shapely.is_valid, geoms, dtype=bool) & ~shapely.is_missing(geoms)
    n = int(invalid.sum())
    if n:
        fixed = shapely.make_valid(geoms[invalid])
        dim = 2 if polygonal else 1
        parts, idx = shapely.get_parts(fixed, return_index=True)
        keep = shapely.get_dimensions(parts) == dim
        rebuilt = np.full(len(fixed), None, dtype=object)
        if keep.any():
            kept = pd.Series(parts[keep]).groupby(idx[keep]).agg(
                lambda s: shapely.union_all(np.asarray(s))
            )
            rebuilt[kept.index.to_numpy()] = kept.to_numpy()
        geoms = geoms.copy()
        geoms[invalid] = rebuilt
    return geoms, n


def prepare_roads(
    gdf: gpd.GeoDataFrame,
    *,
    settings: AddressingSettings,
    metric_crs: CRS,
    crs: str | None = None,
) -> tuple[gpd.GeoDataFrame, LayerReport]:
    """Clean roads and reproject them to the metric CRS.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Roads that passed :func:`check_layer`.
    settings : AddressingSettings
        Column names and excluded road classes.
    metric_crs : pyproj.CRS
        The metric CRS of the work (EPSG:32631 by default).
    crs : str, optional
        CRS of a layer that has none.

    Returns
    -------
    roads : geopandas.GeoDataFrame
        One LineString per row with ``road_id``, ``name`` (None when unnamed),
        ``road_class`` and ``footway`` (the OSM tag, None when absent), in ``metric_crs``,
        in canonical order (independent of input order).
    report : LayerReport
        Counts of repaired, dropped, excluded and exploded features.
    """
    source = str(gdf.attrs.get("source", "roads"))
    report = LayerReport(source=source, n_input=len(gdf))
    gdf = _with_crs(gdf, crs).to_crs(metric_crs)
    id_col = detect_id_column(gdf, "roads", settings.road_id_column)
    cls = settings.road_class_column
    if cls in gdf.columns:
        excluded = gdf[cls].astype("string").isin(settings.excluded_road_classes).fillna(False)
        report.n_excluded_class = int(excluded.sum())
        gdf = gdf[~excluded.to_numpy()]
    geoms, report.n_repaired = _repair(np.asarray(gdf.geometry.array), polygonal=False)
    parts, idx = shapely.get_parts(geoms, return_index=True)
    parts = shapely.force_2d(parts)
    keep = ~shapely.is_empty(parts) & (shapely.length(parts) > 0)
    parts, idx = parts[keep], idx[keep]
    report.n_parts_added = max(0, len(parts) - len(gdf))
    present = np.zeros(len(gdf), dtype=bool)
    present[idx] = True
    report.n_dropped_empty = int((~present).sum())
    if settings.road_name_column in gdf.columns:
        names = _clean_text(gdf[settings.road_name_column])
    else:
        names = pd.Series([None] * len(gdf), dtype=object)
    road_ids = gdf[id_col].astype(str).to_numpy() if id_col is not None else None
    out = pd.DataFrame(
        {
            "name": names.to_numpy()[idx],
            "road_class": (gdf[cls].astype(object).where(gdf[cls].notna(), None).to_numpy()[idx]
                           if cls in gdf.columns else None),
            "footway": _footway_tag(gdf)[idx],
        }
    )
    keys = geometry_keys(parts)
    order = np.lexsort((keys,)) if road_ids is None else np.lexsort((keys, road_ids[idx]))
    out = out.iloc[order].reset_index(drop=True)
    parts = parts[order]
    if road_ids is None:
        out.insert(0, "road_id", [f"r{i + 1:06d}" for i in range(len(out))])
    else:
        out.insert(0, "road_id", road_ids[idx][order])
    roads = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(parts, crs=metric_crs).values)
    if len(roads) == 0:
        raise InputError(
            "no usable road remains after leaving out empty geometries and the excluded road "
            f"classes ({', '.join(settings.excluded_road_classes)}); check the file or the "
            "excluded_road_classes setting",
            source=source,
        )
    return roads, report


_FOOTWAY_IN_TAGS = r'"footway"=>"([^"]*)"'


def _footway_tag(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Return the OSM ``footway`` tag (``sidewalk``, ``crossing``...) of each road, or None.

    Read from a ``footway`` column, else from GDAL's ``other_tags`` hstore text (OSM PBF files
    and layers saved from them by QGIS).
    """
    if "footway" in gdf.columns:
        tag = gdf["footway"].astype("string")
    elif "other_tags" in gdf.columns:
        tag = gdf["other_tags"].astype("string").str.extract(_FOOTWAY_IN_TAGS, expand=False)
    else:
        return np.full(len(gdf), None, dtype=object)
    out: np.ndarray = tag.astype(object).where(tag.notna(), None).to_numpy(dtype=object)
    return out


def _clean_text(values: pd.Series) -> pd.Series:
    """Strip and collapse white space; empty strings become None."""
    s = values.astype("string").str.strip().str.replace(r"\s+", " ", regex=True)
    s = s.where(s.notna() & (s != ""), None)
    return s.astype(object).where(s.notna(), None)


def prepare_buildings(
    gdf: gpd.GeoDataFrame,
    *,
    settings: AddressingSettings,
    metric_crs: CRS,
    crs: str | None = None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, LayerReport]:
    """Clean buildings, compute door points and reproject to the metric CRS.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Buildings or parcels (polygons or points) that passed :func:`check_layer`.
    settings : AddressingSettings
        Id and entrance columns.
    metric_crs : pyproj.CRS
        The metric CRS of the work.
    crs : str, optional
        CRS of a layer that has none.

    Returns
    -------
    buildings : geopandas.GeoDataFrame
        ``building_id`` (text), every input attribute, the footprint ``geometry`` and the door
        point ``door`` (a second geometry column) with ``door_is_entrance`` (True where it
        is an entrance point), in ``metric_crs`` and canonical order.
    dropped : geopandas.GeoDataFrame
        Features that cannot be addressed (null or empty geometry) with ``reason``.
    report : LayerReport
        Counts of repaired and dropped features.
    """
    source = str(gdf.attrs.get("source", "buildings"))
    report = LayerReport(source=source, n_input=len(gdf))
    gdf = _with_crs(gdf, crs)
    geom_name = gdf.geometry.name
    id_col = detect_id_column(gdf, "buildings", settings.building_id_column)
    if id_col == "building_i":
        logger.warning("%s: column 'building_i' is used as building_id (a shapefile cuts column "
                       "names to 10 characters); save the layer as GeoPackage to keep the name",
                       source)
    data = gdf.to_crs(metric_crs)
    original = np.asarray(data.geometry.array)
    geoms, report.n_repaired = _repair(original, polygonal=True)
    if shapely.has_z(geoms).any():  # a 2-D layer is not copied (1M footprints: ~0.4 GB)
        geoms = shapely.force_2d(geoms)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    # a degenerate footprint (e.g. a ring of two points) still locates a building: keep the
    # centre of its coordinates as a point rather than losing the building
    lost = np.flatnonzero(missing)  # those that had a geometry before the repair
    lost = lost[~(shapely.is_missing(original[lost]) | shapely.is_empty(original[lost]))]
    if len(lost):
        xy, which = shapely.get_coordinates(original[lost], return_index=True)
        geoms = geoms.copy()
        geoms[lost[np.unique(which)]] = shapely.centroid(
            shapely.multipoints(xy, indices=which))
        missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        report.notes.append(
            f"{len(lost)} degenerate footprint(s) could not be repaired into polygons; "
            "each is kept as a point at the centre of its vertices"
        )
    report.n_dropped_empty = int(missing.sum())
    attrs = pd.DataFrame(data.drop(columns=[geom_name])).reset_index(drop=True)
    ids: np.ndarray | pd.api.extensions.ExtensionArray
    if id_col is not None:
        ids, order = _ids_in_order(attrs[id_col])
    else:
        order = key_order(geoms)
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        ids = _building_labels(len(order)).take(rank)  # b0000001... in key order
    if "building_id" in attrs.columns:
        attrs = attrs.drop(columns="building_id")
    attrs.insert(0, "building_id", pd.Series(ids, index=attrs.index))
    door, at_entrance = _door_points(geoms, attrs, settings, gdf, metric_crs, source)
    attrs = attrs.iloc[order].reset_index(drop=True)
    geoms, door, missing = geoms[order], door[order], missing[order]
    at_entrance = at_entrance[order]
    buildings = gpd.GeoDataFrame(
        attrs[~missing].reset_index(drop=True),
        geometry=gpd.GeoSeries(geoms[~missing], crs=metric_crs).values,
    )
    buildings["door"] = gpd.GeoSeries(door[~missing], crs=metric_crs).values
    buildings["door_is_entrance"] = at_entrance[~missing]
    dropped = gpd.GeoDataFrame(
        {"building_id": attrs["building_id"].to_numpy()[missing],
         "reason": "empty_geometry"},
        geometry=gpd.GeoSeries(np.full(int(missing.sum()), None, dtype=object),
                               crs=metric_crs).values,
    )
    if id_col is not None and id_col != "building_id":
        buildings.attrs["id_column"] = id_col
    return buildings, dropped, report


def _ids_in_order(
    column: pd.Series,
) -> tuple[np.ndarray | pd.api.extensions.ExtensionArray, np.ndarray]:
    """Return a building id column as text and its stable sort order.

    Text ids held by Arrow (pandas' ``str`` columns) are sorted by Arrow: UTF-8 bytes sort in
    code point order, as Python compares ``str``, and the sort is stable. Other columns (or
    ids with gaps, which :func:`check_layer` refuses) sort as Python objects.
    """
    text = column.astype(str)
    if (isinstance(text.dtype, pd.StringDtype) and text.dtype.storage == "pyarrow"
            and not text.isna().any()):
        values = text.array
        order = pc.sort_indices(pa.array(values)).to_numpy()
        return values, order.astype(np.intp)
    ids = text.to_numpy(dtype=object)
    return ids, np.lexsort((ids,))


def _building_labels(n: int, *, first: int = 1) -> pd.api.extensions.ExtensionArray:
    """Return ``b0000001``, ``b0000002``, ... (``f"b{i:07d}"`` for i = first ... first + n - 1).

    Built from digit bytes with numpy into one Arrow buffer, in pandas' ``str`` dtype (the
    dtype pandas gives the same labels made one by one as Python strings).
    """
    blocks = []  # numbers of the same width (7 digits, then 8 from 10**7...) side by side
    start, width = first, 7
    while start < first + n:
        stop = min(first + n, 10**width)
        if start < stop:
            number = np.arange(start, stop, dtype=np.int64)
            block = np.empty((len(number), 1 + width), dtype=np.uint8)
            block[:, 0] = ord("b")
            for column in range(width, 0, -1):
                number, digit = np.divmod(number, 10)
                block[:, column] = digit + ord("0")
            blocks.append(block)
            start = stop
        width += 1
    data = np.concatenate([np.zeros(0, dtype=np.uint8), *(b.ravel() for b in blocks)])
    sizes = [np.full(b.shape[0], b.shape[1], dtype=np.int64) for b in blocks]
    offsets = np.cumsum(np.concatenate([np.zeros(1, dtype=np.int64), *sizes]))
    labels = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))
    dtype = pd.Series(np.array(["b"], dtype=object)).dtype
    return pd.Series(labels, dtype=dtype).array


def _door_points(
    geoms: np.ndarray,
    attrs: pd.DataFrame,
    settings: AddressingSettings,
    original: gpd.GeoDataFrame,
    metric_crs: CRS,
    source: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Door point of each building and whether it is a real entrance."""
    door = apply_chunked(shapely.point_on_surface, geoms, dtype=object)
    col = settings.entrance_column
    if col is None and "osm_entrance" in attrs.columns:
        col = "osm_entrance"  # entrance=* nodes found by the OSM PBF reader
    if col is None:
        return np.asarray(door), np.zeros(len(geoms), dtype=bool)
    if col not in attrs.columns:
        raise InputError(
            f"entrance column {col!r} not found; columns are "
            f"{', '.join(map(str, attrs.columns))}. Fix: name an existing column",
            source=source,
        )
    values = attrs[col]
    if isinstance(original[col].dtype, gpd.array.GeometryDtype):
        ent = np.asarray(original[col].to_crs(metric_crs).array) if original[col].crs \
            else np.asarray(gpd.GeoSeries(original[col].values, crs=original.crs)
                            .to_crs(metric_crs).array)
    else:
        text = values.astype("string")
        ent_raw = shapely.from_wkt(text.fillna("").to_numpy(dtype=object), on_invalid="ignore")
        ent = np.asarray(gpd.GeoSeries(ent_raw, crs=original.crs).to_crs(metric_crs).array)
    usable = ~(shapely.is_missing(ent) | shapely.is_empty(ent))
    bad = usable & (shapely.get_type_id(ent) != 0)
    if bad.any():
        raise InputError(
            f"entrance column {col!r} holds non-point values (rows {_rows(np.flatnonzero(bad))}); "
            "give one entrance point per building (WKT 'POINT (x y)') or leave it empty",
            source=source,
        )
    return np.where(usable, ent, door), usable


def prepare_zones(
    gdf: gpd.GeoDataFrame,
    *,
    settings: AddressingSettings,
    metric_crs: CRS,
    crs: str | None = None,
) -> gpd.GeoDataFrame:
    """Return zones (arrondissements) with a text ``zone`` column, in the metric CRS.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Zone polygons with the ``settings.zone_column`` number column.
    settings : AddressingSettings
        Gives ``zone_column``.
    metric_crs, crs
        The metric CRS of the work, and the CRS of a layer that has none (as in
        :func:`prepare_roads`).

    Returns
    -------
    geopandas.GeoDataFrame
        ``zone`` (text, e.g. ``"2"``) and polygon ``geometry``, sorted by zone.
    """
    source = str(gdf.attrs.get("source", "zones"))
    data = _with_crs(gdf, crs).to_crs(metric_crs)
    geoms, _ = _repair(np.asarray(data.geometry.array), polygonal=True)
    raw = data[settings.zone_column]
    as_text = raw.map(_zone_text)
    bad = as_text.isna() | as_text.str.contains(".", regex=False).fillna(True)
    if bad.any():
        raise InputError(
            f"zone column {settings.zone_column!r} has empty or dotted values in rows "
            f"{_rows(np.flatnonzero(bad.to_numpy()))}; give each zone a number such as 1, 2, 3",
            source=source,
        )
    zones = gpd.GeoDataFrame({"zone": as_text.to_numpy()}, geometry=gpd.GeoSeries(
        geoms, crs=metric_crs).values)
    zones = zones[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    zones = zones.dissolve(by="zone", as_index=False)
    return zones.sort_values("zone", key=_zone_sort_key).reset_index(drop=True)


def prepare_quartiers(
    gdf: gpd.GeoDataFrame,
    *,
    settings: AddressingSettings,
    metric_crs: CRS,
    crs: str | None = None,
) -> gpd.GeoDataFrame:
    """Return quartiers with a text ``quartier`` column, in the metric CRS, sorted by name.

    As :func:`prepare_zones`, for quartier polygons named in ``settings.quartier_column``;
    polygons without a name are left out.
    """
    data = _with_crs(gdf, crs).to_crs(metric_crs)
    geoms, _ = _repair(np.asarray(data.geometry.array), polygonal=True)
    names = _clean_text(data[settings.quartier_column]).to_numpy(dtype=object)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) & pd.notna(names)
    out = gpd.GeoDataFrame({"quartier": names[keep]},
                           geometry=gpd.GeoSeries(geoms[keep], crs=metric_crs).values)
    out = out.dissolve(by="quartier", as_index=False)
    return out.sort_values("quartier").reset_index(drop=True)


def _zone_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _zone_sort_key(s: pd.Series) -> pd.Series:
    return s.map(lambda z: f"0{int(z):012d}" if z.isdigit() else f"1{z}")
