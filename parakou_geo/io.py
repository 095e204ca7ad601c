"""Reading vector layers: GeoPackage, Shapefile, GeoJSON, GeoParquet and OSM PBF.

One call per layer, :func:`read_layer`. Every failure becomes an :class:`InputError` naming the
file and the fix, never a bare GDAL traceback.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import shapely

from parakou_geo._errors import InputError
from parakou_geo._threads import map_chunks
from parakou_geo.register._transaction import recover_interrupted

__all__ = [
    "LayerKind",
    "combine_osm_ids",
    "read_layer",
]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

LayerKind = Literal["roads", "buildings", "zones", "quartiers", "any"]

_OSM_SUFFIXES = (".pbf", ".osm")
_PARQUET_SUFFIXES = (".parquet", ".geoparquet")
_KIND_TYPES: dict[str, tuple[str, ...]] = {
    "roads": ("LineString", "MultiLineString", "LineString Z", "MultiLineString Z"),
    "buildings": ("Polygon", "MultiPolygon", "Point", "Polygon Z", "MultiPolygon Z", "Point Z"),
    "zones": ("Polygon", "MultiPolygon", "Polygon Z", "MultiPolygon Z"),
    "quartiers": ("Polygon", "MultiPolygon", "Polygon Z", "MultiPolygon Z"),
}


def read_layer(
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    kind: LayerKind = "any",
) -> gpd.GeoDataFrame:
    """Read one vector layer from a file.

    Parameters
    ----------
    path : str or os.PathLike
        A GeoPackage, Shapefile, GeoJSON, GeoParquet (``.parquet``) or OSM extract
        (``.osm.pbf``).
    layer : str, optional
        Layer name for multi-layer files. When omitted, the only layer, or the only layer of the
        right geometry type for ``kind``, is read.
    kind : {"roads", "buildings", "zones", "quartiers", "any"}
        What the layer is for. For OSM extracts it selects ``highway`` lines (roads) or
        ``building`` polygons (buildings).

    Returns
    -------
    geopandas.GeoDataFrame
        The features in the file's own CRS; ``attrs["source"]`` names the file and layer.

    Raises
    ------
    InputError
        When the file is missing, unreadable, has no such layer, or the layer is empty.

    Examples
    --------
    >>> from parakou_geo.datasets import sample_path
    >>> roads = read_layer(sample_path(), layer="roads", kind="roads")
    >>> roads.crs.to_epsg()
    4326
    """
    p = Path(path)
    if not p.exists():
        raise InputError(
            f"file not found: {p}. Check the path (relative paths start from {Path.cwd()})"
        )
    if p.is_dir() and p.suffix.lower() != ".gdb":
        raise InputError(f"{p} is a folder; give the path of a GIS file inside it")
    from parakou_geo._input_checks import (  # _input_checks imports this module
        ensure_regular_file,
        shapefile_problems,
        undecodable_geometries,
    )

    ensure_regular_file(p, f"{kind} layer" if kind != "any" else "layer")
    if shapefile_problems(p):
        raise InputError(shapefile_problems(p))
    name = p.name.lower()
    if name.endswith(_OSM_SUFFIXES):
        gdf = _read_osm(p, kind)
        source = f"{p} (OSM {kind})"
    elif name.endswith(_PARQUET_SUFFIXES):
        gdf = _read_parquet(p)
        source = str(p)
    else:
        if name.endswith(".gpkg"):
            recover_interrupted(p)  # GDAL reads read-only: undo a killed change first
        layer = layer if layer is not None else _pick_layer(p, kind)
        gdf = _read_ogr(p, layer)
        source = f"{p} (layer {layer})" if layer is not None else str(p)
        broken = undecodable_geometries(p, layer, gdf)
        if broken:
            logger.warning(
                "%s: %d feature(s) have a geometry that could not be decoded (a corrupt "
                "GeoPackage blob; fid %s): they are left out as if they had no geometry. "
                "Repair or redraw them, e.g. in QGIS", source, len(broken),
                ", ".join(map(str, broken[:10])) + (" ..." if len(broken) > 10 else ""))
    if len(gdf) == 0:
        raise InputError(
            f"the layer is empty (0 features). Check that you chose the right file and layer"
            f"{' (--' + kind + '-layer)' if kind != 'any' else ''}",
            source=source,
        )
    gdf.attrs["source"] = source
    logger.info("read %d features from %s", len(gdf), source)
    return gdf


def _osm_ids(gdf: gpd.GeoDataFrame) -> pd.Series:
    """``w<way id>`` or ``r<relation id>`` from GDAL's ``osm_way_id`` / ``osm_id`` columns."""
    ids = pd.Series(pd.NA, index=gdf.index, dtype="string")
    way, rel = gdf.get("osm_way_id"), gdf.get("osm_id")
    if way is not None:
        ids = ids.fillna("w" + _id_text(way))
    if rel is not None:
        ids = ids.fillna("r" + _id_text(rel))
    return ids


def _id_text(values: pd.Series) -> pd.Series:
    """Ids as text; whole floats (``123.0`` from a column with empty cells) lose their ``.0``."""
    if pd.api.types.is_float_dtype(values):
        values = values.astype("Int64")
    text = values.astype("string").str.strip()
    return text.where(text != "", pd.NA)


def combine_osm_ids(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Give a building layer exported from OSM by GDAL or QGIS one ``building_id`` column.

    Such a layer has two id columns, ``osm_id`` (relations) and ``osm_way_id`` (ways), each
    empty where the other is set. When a layer has both and no ``building_id``, the ids are
    combined as the OSM PBF reader does: ``w<way id>`` or ``r<relation id>``.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        A building layer as read.

    Returns
    -------
    geopandas.GeoDataFrame
        ``gdf`` itself when the layout is another one, else a copy with ``building_id`` first.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> gdf = gpd.GeoDataFrame({"osm_id": [None, "7"], "osm_way_id": ["12", None]},
    ...                        geometry=[shapely.Point(0, 0)] * 2)
    >>> combine_osm_ids(gdf)["building_id"].tolist()
    ['w12', 'r7']
    """
    if "building_id" in gdf.columns or not {"osm_id", "osm_way_id"} <= set(gdf.columns):
        return gdf
    out = gdf.copy()
    out.insert(0, "building_id", _osm_ids(gdf).astype(object).where(lambda s: s.notna(), None))
    out.attrs["osm_ids_combined"] = True
    logger.info("buildings: 'osm_id' (relations) and 'osm_way_id' (ways) combined into "
                "building_id (w<way id>, r<relation id>)")
    return out


def _with_entrances(gdf: gpd.GeoDataFrame, p: Path) -> gpd.GeoDataFrame:
    """Add ``osm_entrance``: an ``entrance=*`` node inside each footprint (WKT), if any.

    Of several entrances, ``main`` comes first, then the one with the smallest node id.
    """
    try:
        points = _read_ogr(p, "points")
    except InputError:
        return gdf
    tags = points["other_tags"].astype("string") if "other_tags" in points.columns else None
    if tags is None or len(gdf) == 0:
        return gdf
    kind = tags.str.extract(r'"entrance"=>"([^"]*)"', expand=False)
    found = kind.notna().to_numpy()
    if not found.any():
        return gdf
    pts = np.asarray(points.geometry.array)[found]
    kind = kind[found].to_numpy(dtype=object)
    node = pd.to_numeric(points["osm_id"], errors="coerce").to_numpy()[found] \
        if "osm_id" in points.columns else np.arange(int(found.sum()))
    bi, pi = shapely.STRtree(pts).query(np.asarray(gdf.geometry.array), predicate="covers")
    if len(bi) == 0:
        return gdf
    order = np.lexsort((node[pi], kind[pi] != "main", bi))
    first = np.r_[True, bi[order][1:] != bi[order][:-1]]
    out = np.full(len(gdf), None, dtype=object)
    out[bi[order][first]] = shapely.to_wkt(pts[pi[order][first]])
    gdf = gdf.copy()
    gdf["osm_entrance"] = out
    logger.info("%d buildings have an entrance node", int(first.sum()))
    return gdf


@contextmanager
def _gdal_warnings_to_log(p: Path) -> Iterator[None]:
    """Turn GDAL's Python warnings into log records naming the file."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        logger.warning("%s: %s", p, w.message)


_T = TypeVar("_T")


def _quiet(p: Path, func: Callable[[], _T]) -> _T:
    with _gdal_warnings_to_log(p):
        return func()


def _unreadable(p: Path, exc: Exception) -> InputError:
    """Return the error for a file GDAL cannot open as a vector dataset."""
    return InputError(
        f"cannot be read as a GIS file ({_first_line(exc)}). The file may be corrupt, "
        "truncated or not a vector format; open it in QGIS to check, or export it again "
        "as GeoPackage",
        source=str(p),
    )


def _read_ogr(p: Path, layer: str | None) -> gpd.GeoDataFrame:
    if p.suffix.lower() == ".gpkg":
        fast = _read_gpkg_arrow(p, layer)
        if fast is not None:
            return fast
    kwargs: dict[str, Any] = {"on_invalid": "fix"}
    if layer is not None:
        kwargs["layer"] = layer
    try:
        return _quiet(p, lambda: pyogrio.read_dataframe(p, **kwargs))
    except pyogrio.errors.DataLayerError as exc:
        raise InputError(f"cannot read layer {layer!r}: {exc}", source=str(p)) from exc
    except (pyogrio.errors.DataSourceError, pyogrio.errors.FieldError) as exc:
        raise _unreadable(p, exc) from exc
    except shapely.errors.GEOSException as exc:
        raise InputError(
            f"holds geometries that cannot be decoded ({exc}); repair them in QGIS "
            "(Vector ▸ Geometry Tools ▸ Fix Geometries) and save again",
            source=str(p),
        ) from exc


#: Field types that GDAL's Arrow stream gives as the feature-by-feature reader does (same
#: pandas dtypes and values, nulls included; compared in tests/test_io.py). Dates, times, lists,
#: booleans and JSON are read the slow way.
_ARROW_FIELD_TYPES = frozenset({"OFTString", "OFTInteger", "OFTInteger64", "OFTReal"})
_ARROW_GEOMETRY_TYPES = frozenset(
    f"{kind}{z}" for kind in ("Point", "LineString", "Polygon", "MultiPoint",
                              "MultiLineString", "MultiPolygon") for z in ("", " Z"))


def _read_gpkg_arrow(p: Path, layer: str | None) -> gpd.GeoDataFrame | None:
    """Read a GeoPackage layer through GDAL's Arrow stream, or return None.

    Gives the frame ``pyogrio.read_dataframe(p, layer=layer, on_invalid="fix")`` gives, in
    about half the time and without a million WKB ``bytes`` objects at once: the WKB are
    decoded chunk by chunk on threads. Returns None (the caller reads the slow way) for a
    layer whose field or geometry types could come out differently (dates, booleans, M
    values, mixed geometry types...), for a corrupt geometry blob and on any error (the slow
    reader then reports it).
    """
    try:
        info = _quiet(p, lambda: pyogrio.read_info(p, layer=layer))
        if (info["geometry_type"] not in _ARROW_GEOMETRY_TYPES
                or not set(info["ogr_types"]) <= _ARROW_FIELD_TYPES
                or set(info["ogr_subtypes"]) - {"OFSTNone"}):
            return None
        meta, table = _quiet(p, lambda: pyogrio.read_arrow(p, layer=layer))
        name = meta["geometry_name"] or "wkb_geometry"
        column = table.column(name)
        wkb = pa.chunked_array([c.storage if isinstance(c, pa.ExtensionArray) else c
                                for c in column.chunks], type=column.type.storage_type
                               if isinstance(column.type, pa.ExtensionType) else column.type)
        frame = table.drop_columns([name]).to_pandas(self_destruct=True)
        del table, column
        geoms = np.empty(len(wkb), dtype=object)

        def decode(part: slice) -> None:
            blobs = wkb.slice(part.start, part.stop - part.start).to_numpy(
                zero_copy_only=False)
            with np.errstate(all="ignore"):
                geoms[part] = shapely.from_wkb(blobs, on_invalid="fix")

        map_chunks(decode, len(wkb))
        if wkb.null_count != int(shapely.is_missing(geoms).sum()):
            return None  # a blob GDAL could not read: the slow reader names it
        for field in meta["fields"]:  # the slow reader keeps Python None where all are empty
            if len(frame) and frame[field].isna().all() and \
                    info["ogr_types"][list(info["fields"]).index(field)] == "OFTString":
                frame[field] = pd.Series(np.full(len(frame), None, dtype=object),
                                         index=frame.index, dtype=object)
    except Exception:  # any doubt: the slow reader gives the answer or the error
        return None
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=meta["crs"])


def _read_parquet(p: Path) -> gpd.GeoDataFrame:
    try:
        return gpd.read_parquet(p)
    except Exception as exc:  # pyarrow raises many types for corrupt files
        raise InputError(
            f"cannot be read as GeoParquet ({_first_line(exc)}). Check that the file is a "
            "GeoParquet file with a geometry column",
            source=str(p),
        ) from exc


def _read_osm(p: Path, kind: LayerKind) -> gpd.GeoDataFrame:
    if kind not in ("roads", "buildings"):
        raise InputError(
            "OSM extracts can be read as roads (highway lines) or buildings (building "
            f"polygons), not as {kind}; give a GeoPackage or GeoJSON for this layer",
            source=str(p),
        )
    osm_layer, column = ("lines", "highway") if kind == "roads" else ("multipolygons", "building")
    gdf = _read_ogr(p, osm_layer)
    if column not in gdf.columns:
        raise InputError(f"OSM layer {osm_layer!r} has no {column!r} tag column", source=str(p))
    gdf = gdf[gdf[column].notna() & (gdf[column] != "no")].copy()
    if kind == "buildings":
        gdf.insert(0, "building_id", _osm_ids(gdf))
        gdf = _with_entrances(gdf, p)
    else:
        gdf.insert(0, "road_id", "w" + gdf["osm_id"].astype("string"))
    return gdf.reset_index(drop=True)


def _pick_layer(p: Path, kind: LayerKind) -> str | None:
    try:
        layers = _quiet(p, lambda: pyogrio.list_layers(p))
    except pyogrio.errors.DataSourceError as exc:
        raise _unreadable(p, exc) from exc
    if len(layers) <= 1:
        return None
    wanted = _KIND_TYPES.get(kind)
    names = [str(n) for n, _ in layers]
    if wanted is not None:
        matching = [str(n) for n, t in layers if t in wanted]
        by_name = [n for n in matching if n.lower() == kind]
        if by_name:
            return by_name[0]
        if len(matching) == 1:
            return matching[0]
    raise InputError(
        f"has {len(names)} layers ({', '.join(names)}); say which one to read "
        f"(CLI: --{kind}-layer NAME; Python: layer='NAME')",
        source=str(p),
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
