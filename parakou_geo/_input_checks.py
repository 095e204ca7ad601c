"""Private: checks of input files and layers against broken or hostile data.

Called by :func:`parakou_geo.io.read_layer` (non-regular files, shapefiles without their
``.dbf``, undecodable geometries), by :func:`parakou_geo.check.check_layer` (the ``--crs``
option, empty, null or non-finite geometries, zones) and by the pipeline and updates (layers
far apart). Each returns problems naming the file, the features and the fix, or raises
:class:`~parakou_geo._errors.InputError` at once where nothing else can be read.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from pyproj import CRS

from parakou_geo._errors import InputError
from parakou_geo._threads import map_chunks
from parakou_geo.io import LayerKind
from parakou_geo.settings import AddressingSettings

__all__ = [
    "content_problems",
    "crs_option_problems",
    "ensure_regular_file",
    "layers_apart_problems",
    "shapefile_problems",
    "undecodable_geometries",
]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())


def _rows(rows: np.ndarray) -> str:
    shown = ", ".join(str(int(r) + 1) for r in rows[:10])
    return shown + (" ..." if len(rows) > 10 else "")



def ensure_regular_file(path: str | os.PathLike[str], what: str) -> Path:
    """Refuse at once a path that is not a regular file (a FIFO, a device, a socket).

    Reading a FIFO blocks until another program writes to it, so a command given one would
    hang; a folder is refused by the callers that accept folder formats themselves.

    Raises
    ------
    InputError
        Naming the file and what it is.
    """
    p = Path(path)
    try:
        mode = p.stat().st_mode
    except OSError:
        return p  # missing files get the caller's own "not found" message
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        return p
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device" if
            stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a special file")
    raise InputError(f"{p} is {kind}, not a regular file; give the {what} as a file on disk")


def shapefile_problems(path: Path) -> list[str]:
    """Return problems of a shapefile's side files (a missing ``.dbf`` loses every attribute)."""
    if path.suffix.lower() != ".shp":
        return []
    siblings = {p.name.lower() for p in path.parent.iterdir()} if path.parent.is_dir() else set()
    if f"{path.stem.lower()}.dbf" not in siblings:
        return [f"{path}: the shapefile's .dbf file (its attribute table: names, ids) is "
                "missing beside it, so every attribute would be lost. Fix: copy all the files "
                "of the shapefile (.shp, .shx, .dbf, .prj) together, or use a GeoPackage"]
    return []


def undecodable_geometries(path: Path, layer: str | None, gdf: gpd.GeoDataFrame) -> list[int]:
    """Return the feature ids of a GeoPackage layer whose geometry blob cannot be decoded.

    GDAL reads a corrupt blob as a missing geometry; this tells the two apart (only looked at
    when some geometries are missing, so a clean layer costs nothing).
    """
    if path.suffix.lower() != ".gpkg" or not gdf.geometry.isna().any():
        return []
    import sqlite3

    from parakou_geo.register._storage import _wkb_sql

    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
            row = con.execute(
                "SELECT table_name, column_name FROM gpkg_geometry_columns WHERE "
                "lower(table_name) = lower(coalesce(?, table_name)) LIMIT 1",
                (layer,)).fetchone()
            if row is None:
                return []
            table, column = row
            pk = next((r[1] for r in con.execute(f'PRAGMA table_info("{table}")') if r[5]),
                      "rowid")
            rows = con.execute(f'SELECT "{pk}", {_wkb_sql(column)} FROM "{table}" WHERE '
                               f'"{column}" IS NOT NULL').fetchall()
    except sqlite3.Error:
        return []
    if not rows:
        return []
    wkb = np.array([bytes(r[1]) if r[1] is not None else None for r in rows], dtype=object)
    with np.errstate(all="ignore"):
        decoded = shapely.from_wkb(wkb, on_invalid="ignore")
    return [int(r[0]) for r, g in zip(rows, decoded, strict=True) if g is None]


def crs_option_problems(crs: str | None) -> list[str]:
    """Return a problem when a ``--crs`` value is not a coordinate reference system."""
    if crs is None:
        return []
    try:
        CRS.from_user_input(crs)
    except Exception as exc:  # pyproj raises CRSError, or TypeError for odd values
        return [f"--crs {crs!r} is not a known coordinate reference system ({exc}). Fix: give "
                "an EPSG code such as EPSG:4326 (longitude/latitude) or EPSG:32631 (UTM 31N)"]
    return []


def content_problems(
    gdf: gpd.GeoDataFrame, kind: LayerKind, src: str, settings: AddressingSettings
) -> list[str]:
    """Return problems of a layer's content that make it unusable.

    No usable geometry, coordinates that are not finite, zone numbers that are not numbers,
    zones that overlap; duplicate road ids are logged as a warning.
    """
    from parakou_geo.check import detect_id_column  # check imports this module

    problems: list[str] = []
    geoms = np.asarray(gdf.geometry.array)
    missing = shapely.is_missing(geoms)
    usable = ~missing
    usable[usable] = ~shapely.is_empty(geoms[usable])
    if len(geoms) and not usable.any():
        problems.append(
            f"{src}: no feature has a geometry (all {len(geoms)} are null or empty). Fix: "
            "check that you gave the right file and layer, or export the layer again")
        return problems
    rows = _non_finite_rows(geoms)
    if len(rows):
        problems.append(
            f"{src}: {len(rows)} feature(s) have coordinates that are not finite numbers (NaN "
            f"or infinite) (rows {_rows(rows)}). Fix: repair or delete them, e.g. in QGIS "
            "with the Check Validity tool")
    if kind == "roads":
        id_column = detect_id_column(gdf, kind, settings.road_id_column)
        if id_column is not None and id_column in gdf.columns:
            ids = gdf[id_column].dropna()
            dup = ids[ids.duplicated(keep=False)]
            if len(dup):
                logger.warning("%s: %d road id(s) are used by more than one feature (%s); "
                               "duplicate road ids make names files by road_id ambiguous",
                               src, dup.nunique(), ", ".join(map(str, sorted(
                                   dup.astype(str).unique())[:10])))
    if kind == "zones" and settings.zone_column in gdf.columns:
        problems += _zone_problems(gdf, src, settings.zone_column, geoms, usable)
    return problems


def _non_finite_rows(geoms: np.ndarray) -> np.ndarray:
    """Return the rows of ``geoms`` with a coordinate that is NaN or infinite.

    Looked at in chunks on threads; only a chunk with such a coordinate is looked at again to
    find its rows (a clean layer never builds the coordinates' row index).
    """

    def work(part: slice) -> np.ndarray:
        coords = shapely.get_coordinates(geoms[part])
        if np.isfinite(coords).all():
            return np.zeros(0, dtype=np.intp)
        coords, index = shapely.get_coordinates(geoms[part], return_index=True)
        found: np.ndarray = part.start + np.unique(index[~np.isfinite(coords).all(axis=1)])
        return found

    rows: np.ndarray = np.concatenate([np.zeros(0, dtype=np.intp),
                                       *map_chunks(work, len(geoms))])
    return rows


def _zone_problems(gdf: gpd.GeoDataFrame, src: str, column: str, geoms: np.ndarray,
                   usable: np.ndarray) -> list[str]:
    problems: list[str] = []
    values = gdf[column]
    numbers = pd.to_numeric(values, errors="coerce")
    whole = numbers.notna() & np.isfinite(numbers) & (numbers == np.round(numbers)) \
        & (numbers >= 0)
    if (~whole).any():
        rows = np.flatnonzero(~whole.to_numpy())
        shown = ", ".join(repr(v) for v in values.iloc[rows[:5]].tolist())
        problems.append(
            f"{src}: {len(rows)} zone(s) have a {column!r} that is not a whole number ({shown}; "
            f"rows {_rows(rows)}); street codes start with the zone number (1.001). Fix: "
            "give each zone its number")
    idx = np.flatnonzero(usable)
    polys = geoms[idx]
    if len(polys) > 1:
        left, right = shapely.STRtree(polys).query(polys, predicate="intersects")
        pair = left < right
        left, right = left[pair], right[pair]
        if len(left):
            shared = shapely.area(shapely.intersection(polys[left], polys[right]))
            smaller = np.minimum(shapely.area(polys[left]), shapely.area(polys[right]))
            big = shared > 0.5 * np.where(smaller > 0, smaller, np.inf)
            if big.any():
                pairs = ", ".join(f"rows {idx[a] + 1} and {idx[b] + 1}" for a, b in
                                  zip(left[big][:5], right[big][:5], strict=True))
                problems.append(
                    f"{src}: {int(big.sum())} pair(s) of zones overlap by more than half "
                    f"({pairs}); a street would belong to two zones. Fix: remove the "
                    "duplicated zones or correct their boundaries")
    return problems


def layers_apart_problems(
    layers: dict[str, gpd.GeoDataFrame], *, crs: str | None, max_distance_m: float
) -> list[str]:
    """Return problems of layers that cannot work together: far apart, or zones off the roads.

    Compares the layers' extents in longitude/latitude (cheap: only their bounding boxes are
    transformed): buildings farther from every road than ``max_distance_m`` cannot be
    addressed, and zones that do not cover any road give no street its zone.
    """
    boxes: dict[str, shapely.Geometry] = {}
    for kind, gdf in layers.items():
        layer_crs = gdf.crs if gdf.crs is not None else crs
        if layer_crs is None or not len(gdf):
            continue
        bounds = np.asarray(gdf.total_bounds, dtype=float)
        if not np.isfinite(bounds).all():
            continue
        try:
            box = gpd.GeoSeries([shapely.box(*bounds)], crs=layer_crs).to_crs(4326).iloc[0]
        except Exception:
            continue
        boxes[kind] = box
    problems: list[str] = []
    roads = boxes.get("roads")
    if roads is None:
        return problems
    src = {k: str(g.attrs.get("source", k)) for k, g in layers.items()}
    buildings = boxes.get("buildings")
    if buildings is not None:
        metres = _degrees_to_m(roads, buildings)
        if metres > max_distance_m:
            problems.append(
                f"{src['buildings']}: the buildings are {metres / 1000:,.0f} km from the roads "
                f"of {src['roads']} (far more than max_distance_m={max_distance_m:g}), so none "
                "could be addressed. Fix: give layers of the same area, and check their CRS")
    zones = boxes.get("zones")
    if zones is not None and not zones.intersects(roads):
        problems.append(
            f"{src['zones']}: the zones do not cover any road of {src['roads']} (they are "
            f"{_degrees_to_m(roads, zones) / 1000:,.0f} km away). Fix: give the zones of the "
            "same area, and check their CRS")
    return problems


def _degrees_to_m(a: shapely.Geometry, b: shapely.Geometry) -> float:
    """Approximate distance in metres between two lon/lat geometries (0 when they touch)."""
    pa_, pb = shapely.ops.nearest_points(a, b)
    lat = np.radians((pa_.y + pb.y) / 2)
    dx = (pa_.x - pb.x) * 111_320 * np.cos(lat)
    dy = (pa_.y - pb.y) * 110_574
    return float(np.hypot(dx, dy))
