"""Private: the GeoPackage spatial index (R-tree) of a large layer, packed in one pass.

GDAL builds the ``rtree_<table>_<column>`` index of a new layer by inserting every feature's
box into an R*-tree: about 3 s of a core for a million footprints. The register knows every
box when it writes a layer, so it writes the layer without an index and packs the tree
itself (Sort-Tile-Recursive: boxes sorted into vertical slices, each slice by ``y``, full nodes
of neighbours), about twice as fast.

The index is SQLite's own R*Tree module, so its tables are written in that module's format:

- ``<name>_node(nodeno, data)``: one blob per node, all of the root's length; two bytes
  (big-endian) with the tree's depth in the root, two with the number of cells, then the
  cells, each an 8-byte id (a feature id in leaves, a child node number above) and the box
  as four 4-byte floats ``minx, maxx, miny, maxy``, rounded outwards as SQLite rounds them;
- ``<name>_rowid(rowid, nodeno)``: the leaf of every feature id;
- ``<name>_parent(nodeno, parentnode)``: the parent of every node but the root (number 1).

The virtual table, its triggers (which keep the index up to date when features are added,
moved or deleted later) and the ``gpkg_extensions`` row are taken from a one-feature layer
that the running GDAL writes with its own index, so they are exactly what GDAL writes.
``SELECT rtreecheck(...)`` (SQLite's own consistency check) passes on every packed index;
the tests also compare its entries with an index SQLite builds itself.
"""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

__all__ = ["IndexPlan", "add_spatial_index", "plan_spatial_index"]

#: One cell of an R*Tree node: id, then minx, maxx, miny, maxy (all big-endian).
_CELL = np.dtype([("id", ">i8"), ("minx", ">f4"), ("maxx", ">f4"), ("miny", ">f4"),
                  ("maxy", ">f4")])

#: SQLite's factors to round a double outwards to a 4-byte float (rtree.c, RNDTOWARDS/AWAY).
_TOWARDS = 1.0 - 1.0 / 8388608.0
_AWAY = 1.0 + 1.0 / 8388608.0
_NO_BOXES = np.empty((0, 4), dtype=np.float32)


#: Cells per node of SQLite's R*Tree (``RTREE_MAXCELLS``) in a file of pages of 1292 bytes or
#: more (GDAL's GeoPackages have 4096); a file of smaller pages has fewer (then re-planned).
_CELLS_PER_NODE = 51


@dataclass
class IndexPlan:
    """The packed tree of a layer's boxes, made before the layer's rows are in the file.

    Attributes
    ----------
    n : int
        The number of geometries (rows of the layer).
    per_node : int
        Cells per node the tree was packed for.
    levels : list of (numpy.ndarray, numpy.ndarray)
        Each level's cells, leaves first: their ids (in the leaves, the positions of the
        geometries; above, node indexes within the level below) and their rounded boxes.
    """

    n: int
    per_node: int
    levels: list[tuple[np.ndarray, np.ndarray]]


def plan_spatial_index(geoms: np.ndarray, per_node: int = _CELLS_PER_NODE) -> IndexPlan:
    """Pack the R-tree of ``geoms`` (no file needed: it can run while the layer is written).

    Parameters
    ----------
    geoms : numpy.ndarray
        The layer's geometries in the order they are written (feature ids 1, 2...).
    per_node : int
        Cells per node.

    Returns
    -------
    IndexPlan
        For :func:`add_spatial_index`.
    """
    bounds = shapely.bounds(geoms)
    keep = np.isfinite(bounds).all(axis=1)  # no entry for a missing or empty geometry
    rows = np.arange(len(geoms), dtype=np.int64)
    if not keep.all():
        rows, bounds = rows[keep], bounds[keep]
    box = _boxes(bounds)
    del bounds  # a million rows: only the rounded boxes are kept while the tree is packed
    return IndexPlan(len(geoms), per_node, _levels(rows, box, per_node))


def add_spatial_index(con: sqlite3.Connection, table: str, column: str,
                      geoms: np.ndarray | IndexPlan, geometry_type: str) -> None:
    """Create and fill the GeoPackage R-tree of ``table``, written without one.

    Parameters
    ----------
    con : sqlite3.Connection
        The open GeoPackage, inside a transaction.
    table, column : str
        The layer and its geometry column, as written by GDAL with ``SPATIAL_INDEX=NO``.
    geoms : numpy.ndarray or IndexPlan
        The layer's geometries in the order they were written (feature ids 1, 2...), or
        their tree packed beforehand by :func:`plan_spatial_index`.
    geometry_type : str
        The layer's geometry type as given to GDAL (``"Point"``, ``"Unknown"``...).
    """
    plan = geoms if isinstance(geoms, IndexPlan) else plan_spatial_index(geoms)
    n = _feature_count(con, table)
    low = con.execute(f'SELECT min(fid) FROM "{table}"').fetchone()[0]  # one B-tree step each
    high = con.execute(f'SELECT max(fid) FROM "{table}"').fetchone()[0]
    if n != plan.n:
        raise sqlite3.DatabaseError(f"{table}: {n} rows written for {plan.n} geometries")
    if n and (low, high) == (1, n):
        fids = None  # what GDAL gives a new layer: 1, 2... (position + 1)
    else:
        fids = np.array([row[0] for row in con.execute(
            f'SELECT fid FROM "{table}" ORDER BY fid')], dtype=np.int64)
    create, triggers, extension, extensions_table = _gdal_index_sql(table, column,
                                                                    geometry_type)
    con.execute(create)
    name = f"rtree_{table}_{column}"
    size, per_node = _node_size(con, name)
    levels = plan.levels
    plan.levels = []  # written level by level below, and freed as they are
    if levels and per_node != plan.per_node:  # pages of another size: packed again
        levels = _levels(*levels[0], per_node)
    if levels:  # the leaves' ids: feature ids
        rows, box = levels[0]
        levels[0] = (rows + 1 if fids is None else fids[rows], box)
    _write_levels(con, name, levels, per_node, size)
    for sql in triggers:
        con.execute(sql)
    if con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                   "name = 'gpkg_extensions'").fetchone()[0] == 0:
        con.execute(extensions_table)  # a file whose layers had no extension yet
    con.execute("INSERT INTO gpkg_extensions (table_name, column_name, extension_name, "
                "definition, scope) VALUES (?, ?, ?, ?, ?)", extension)


def _feature_count(con: sqlite3.Connection, table: str) -> int:
    """Return the rows of ``table``: GDAL's own count when it kept one, else counted."""
    kept = con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                       "name = 'gpkg_ogr_contents'").fetchone()[0]
    if kept:
        row = con.execute("SELECT feature_count FROM gpkg_ogr_contents WHERE "
                          "lower(table_name) = lower(?)", (table,)).fetchone()
        if row is not None and row[0] is not None:
            return int(row[0])
    return int(con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])


def _gdal_index_sql(table: str, column: str,
                    geometry_type: str) -> tuple[str, list[str], tuple[str, ...], str]:
    """Return GDAL's SQL for the index of ``table``.

    The virtual table, the triggers, the ``gpkg_extensions`` row and that table's definition.
    """
    import geopandas as gpd
    import pyogrio

    from parakou_geo.register._transaction import unsynced_gdal_writes

    name = f"rtree_{table}_{column}"
    with tempfile.TemporaryDirectory(prefix="parakou_geo_rtree_") as folder:
        path = Path(folder) / "template.gpkg"
        one = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs="EPSG:32631")
        with unsynced_gdal_writes():  # a file thrown away: no need to wait for the disk
            pyogrio.write_dataframe(one, path, layer=table, driver="GPKG",
                                    geometry_type=geometry_type,
                                    dataset_options={"VERSION": "1.2"},
                                    layer_options={"GEOMETRY_NAME": column,
                                                   "SPATIAL_INDEX": "YES"})
        template = sqlite3.connect(path)
        try:
            create = template.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND "
                                      "name = ?", (name,)).fetchone()
            triggers = [row[0] for row in template.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE ? "
                "ORDER BY name", (f"{name}%",))]
            extension = template.execute(
                "SELECT table_name, column_name, extension_name, definition, scope FROM "
                "gpkg_extensions WHERE extension_name = 'gpkg_rtree_index'").fetchone()
            extensions_table = template.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND "
                "name = 'gpkg_extensions'").fetchone()
        finally:
            template.close()
    if create is None or not triggers or extension is None or extensions_table is None:
        raise sqlite3.DatabaseError(f"GDAL wrote no spatial index for {table}")
    return (str(create[0]), triggers, tuple(str(v) for v in extension),
            str(extensions_table[0]))


def _round_down(d: np.ndarray) -> np.ndarray:
    """Round doubles to 4-byte floats no larger than them, as SQLite's R*Tree does."""
    f = d.astype(np.float32)
    over = f.astype(np.float64) > d
    f[over] = (d[over] * np.where(d[over] < 0, _AWAY, _TOWARDS)).astype(np.float32)
    return f


def _round_up(d: np.ndarray) -> np.ndarray:
    """Round doubles to 4-byte floats no smaller than them, as SQLite's R*Tree does."""
    f = d.astype(np.float32)
    under = f.astype(np.float64) < d
    f[under] = (d[under] * np.where(d[under] < 0, _TOWARDS, _AWAY)).astype(np.float32)
    return f


def _str_order(box: np.ndarray, per_node: int) -> np.ndarray:
    """Order boxes so that each run of ``per_node`` is a Sort-Tile-Recursive node."""
    n = len(box)
    slices = int(np.ceil(np.sqrt(-(-n // per_node))))
    cx = box[:, 0] + box[:, 1]  # twice the centre: the order is what counts
    cy = box[:, 2] + box[:, 3]
    by_x = np.argsort(cx, kind="stable")
    slice_of = np.empty(n, dtype=np.int64)
    slice_of[by_x] = np.arange(n) // (slices * per_node)
    return np.lexsort((cy, slice_of))


def _boxes(bounds: np.ndarray) -> np.ndarray:
    """Return ``(minx, maxx, miny, maxy)`` 4-byte float boxes holding shapely ``bounds``."""
    return np.column_stack([_round_down(bounds[:, 0]), _round_up(bounds[:, 2]),
                            _round_down(bounds[:, 1]), _round_up(bounds[:, 3])])


def _pack(con: sqlite3.Connection, name: str, ids: np.ndarray, box: np.ndarray) -> None:
    """Fill the (just created, empty) R*Tree ``name`` with ``ids`` and their ``box``.

    ``box`` holds the rounded ``(minx, maxx, miny, maxy)`` of each id (:func:`_boxes`).
    """
    size, per_node = _node_size(con, name)
    _write_levels(con, name, _levels(ids.astype(np.int64), box, per_node), per_node, size)


def _node_size(con: sqlite3.Connection, name: str) -> tuple[int, int]:
    """Return the bytes of a node of the (just created) R*Tree ``name`` and its cells."""
    size = int(con.execute(f'SELECT length(data) FROM "{name}_node" WHERE nodeno = 1')
               .fetchone()[0])
    return size, (size - 4) // _CELL.itemsize


def _levels(cell_ids: np.ndarray, box: np.ndarray,
            per_node: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Pack ``cell_ids`` with their rounded ``box`` into levels of nodes (Sort-Tile-Recursive).

    Returns each level's (cell ids, boxes), leaves first, each run of ``per_node`` cells one
    node; above the leaves a cell's id is the index of its node in the level below.
    """
    if len(cell_ids) == 0:
        return []
    levels: list[tuple[np.ndarray, np.ndarray]] = []
    while True:
        if len(cell_ids) > per_node:
            order = _str_order(box, per_node)
            cell_ids, box = cell_ids[order], box[order]
        levels.append((cell_ids, box))
        if len(cell_ids) <= per_node:
            return levels
        starts = np.arange(0, len(cell_ids), per_node)
        box = np.column_stack([np.minimum.reduceat(box[:, 0], starts),
                               np.maximum.reduceat(box[:, 1], starts),
                               np.minimum.reduceat(box[:, 2], starts),
                               np.maximum.reduceat(box[:, 3], starts)])
        cell_ids = np.arange(len(starts), dtype=np.int64)  # node index within its level


def _write_levels(con: sqlite3.Connection, name: str,
                  levels: list[tuple[np.ndarray, np.ndarray]], per_node: int,
                  size: int) -> None:
    """Write packed ``levels`` (leaf ids: feature ids) into the empty R*Tree ``name``.

    Each level's boxes are freed once its nodes are written.
    """
    if not levels:
        return  # the empty root SQLite made is the whole index
    n_nodes = [-(-len(c) // per_node) for c, _ in levels]
    # node numbers: the root is 1, then each level from the top down
    first = [0] * len(levels)
    next_no = 1
    for level in range(len(levels) - 1, -1, -1):
        first[level] = next_no
        next_no += n_nodes[level]
    con.execute(f'DELETE FROM "{name}_node"')
    for level in range(len(levels) - 1, -1, -1):
        cells_id, cells_box = levels[level]
        k, nn = len(cells_id), n_nodes[level]
        cells = np.zeros(nn * per_node, dtype=_CELL)
        cells["id"][:k] = cells_id if level == 0 else first[level - 1] + cells_id
        for j, field in enumerate(("minx", "maxx", "miny", "maxy")):
            cells[field][:k] = cells_box[:, j]
        blobs = np.zeros((nn, size), dtype=np.uint8)
        blobs[:, 4:4 + per_node * _CELL.itemsize] = cells.view(np.uint8).reshape(nn, -1)
        counts = np.minimum(per_node, k - np.arange(nn) * per_node).astype(">u2")
        blobs[:, 2:4] = counts.view(np.uint8).reshape(nn, 2)
        if level == len(levels) - 1:
            blobs[0, 0:2] = np.array([level], dtype=">u2").view(np.uint8)
        nodenos = first[level] + np.arange(nn)
        con.executemany(f'INSERT INTO "{name}_node" (nodeno, data) VALUES (?, ?)',
                        zip(nodenos.tolist(), map(bytes, blobs), strict=True))
        del cells, blobs, cells_box
        levels[level] = (cells_id, _NO_BOXES)  # the boxes are written: freed
        node_of = first[level] + np.arange(k) // per_node
        if level == 0:
            _insert_leaves(con, f"{name}_rowid", cells_id, node_of)
        else:
            con.executemany(f'INSERT INTO "{name}_parent" (nodeno, parentnode) VALUES (?, ?)',
                            zip((first[level - 1] + cells_id).tolist(), node_of.tolist(),
                                strict=True))


def _insert_leaves(con: sqlite3.Connection, table: str, ids: np.ndarray,
                   leaf: np.ndarray) -> None:
    """Write the leaf of every id (in id order: one pass through the table's B-tree)."""
    order = np.argsort(ids, kind="stable")
    ids, leaf = ids[order], leaf[order]
    if len(ids) and ids[0] == 1 and ids[-1] == len(ids) and (np.diff(ids) == 1).all():
        # ids 1..n, the feature ids GDAL gives: one statement over a JSON array (~3x faster)
        con.execute(f'INSERT INTO "{table}" (rowid, nodeno) SELECT key + 1, value FROM '
                    "json_each(?)", (_json_list(leaf),))
    else:
        con.executemany(f'INSERT INTO "{table}" (rowid, nodeno) VALUES (?, ?)',
                        zip(ids.tolist(), leaf.tolist(), strict=True))


def _json_list(values: np.ndarray) -> str:
    """Return integers as a JSON list, made by Arrow (no Python object per value)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(values, type=pa.int64()).cast(pa.string())
    joined = pc.binary_join(pa.ListArray.from_arrays(pa.array([0, len(text)], pa.int32()), text),
                            ",")
    return f"[{joined[0].as_py()}]"
