"""The reference grid of map sheets: square cells labelled A1, B1... over the addressed area.

Columns are letters from west to east (A... Z, AA, AB...), rows are numbers from north to
south, so ``A1`` is the north-west cell as on a printed map. Cell edges fall on multiples of
the cell size in EPSG:32631, so the grid does not move when the area grows a little.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parakou_geo._crs import require_metric
from parakou_geo._errors import InputError

__all__ = ["cells_crossed", "column_letters", "reference_grid"]


def column_letters(index: int) -> str:
    """Return the letters of a 0-based column index (0 → ``A``, 26 → ``AA``).

    Examples
    --------
    >>> [column_letters(i) for i in (0, 1, 25, 26, 27)]
    ['A', 'B', 'Z', 'AA', 'AB']
    """
    out = ""
    n = index + 1
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(ord("A") + r) + out
    return out


def _hits(geoms: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (box, feature) index pairs where a feature really lies in a box.

    A line counts in a cell when a stretch of it (length > 0) lies in the cell or along its
    edge; a line that only touches a corner or ends on an edge does not. Points and
    polygons count when they intersect the cell.
    """
    tree = shapely.STRtree(geoms)
    b_idx, f_idx = tree.query(boxes, predicate="intersects")
    lines = shapely.get_dimensions(geoms[f_idx]) == 1
    if lines.any():
        length = shapely.length(shapely.intersection(geoms[f_idx[lines]], boxes[b_idx[lines]]))
        keep = np.ones(len(f_idx), dtype=bool)
        keep[np.flatnonzero(lines)] = length > 0
        b_idx, f_idx = b_idx[keep], f_idx[keep]
    return b_idx, f_idx


def reference_grid(
    data: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    cell_m: float = 500.0,
    keep_empty: bool = False,
) -> gpd.GeoDataFrame:
    """Return the grid cells over ``data`` (cells touching no feature dropped by default).

    Parameters
    ----------
    data : geopandas.GeoDataFrame or geopandas.GeoSeries
        The addressed area's features (streets, addresses) in a metric CRS (EPSG:32631).
    cell_m : float
        Cell side in metres.
    keep_empty : bool
        Keep cells that touch no feature.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``cell`` (``A1``...), ``col``, ``row`` (0-based), polygon geometry in the
        CRS of ``data``; ordered by row then column.

    Examples
    --------
    >>> pts = gpd.GeoSeries.from_xy([459010, 459760], [1032990, 1032200], crs=32631)
    >>> reference_grid(pts, cell_m=500)["cell"].tolist()
    ['A1', 'B2']
    """
    require_metric(data, "data")
    if not cell_m > 0:
        raise InputError(f"cell_m={cell_m!r} must be a positive number of metres")
    geoms = np.asarray(data.geometry.array if isinstance(data, gpd.GeoDataFrame)
                       else data.array)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if len(geoms) == 0:
        raise InputError("data has no geometry; a grid needs streets or addresses")
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    x0 = math.floor(minx / cell_m) * cell_m
    y1 = math.ceil(maxy / cell_m) * cell_m
    ncol = max(1, math.ceil((maxx - x0) / cell_m))
    nrow = max(1, math.ceil((y1 - miny) / cell_m))
    mesh_cols, mesh_rows = np.meshgrid(np.arange(ncol), np.arange(nrow))
    cols, rows = mesh_cols.ravel(), mesh_rows.ravel()
    boxes = shapely.box(x0 + cols * cell_m, y1 - (rows + 1) * cell_m,
                        x0 + (cols + 1) * cell_m, y1 - rows * cell_m)
    labels = [f"{column_letters(int(c))}{int(r) + 1}" for c, r in zip(cols, rows, strict=True)]
    grid = gpd.GeoDataFrame({"cell": labels, "col": cols, "row": rows}, geometry=boxes,
                            crs=data.crs)
    if not keep_empty:
        g_idx, _ = _hits(geoms, boxes)
        grid = grid.iloc[np.unique(g_idx)]
    return grid.sort_values(["row", "col"], kind="stable").reset_index(drop=True)


def cells_crossed(features: gpd.GeoDataFrame | gpd.GeoSeries,
                  grid: gpd.GeoDataFrame) -> pd.Series:
    """Return, for each feature, the grid cells it crosses (``"A1, B1"``), indexed like it.

    A line crosses a cell when a stretch of it lies in the cell or along its edge (touching
    a corner does not count).

    Parameters
    ----------
    features : geopandas.GeoDataFrame or geopandas.GeoSeries
        Streets or points in the grid's CRS (EPSG:32631).
    grid : geopandas.GeoDataFrame
        From :func:`reference_grid`.

    Returns
    -------
    pandas.Series of str
        Labels in row-then-column order, joined by ``", "``.
    """
    geoms = np.asarray(features.geometry.array if isinstance(features, gpd.GeoDataFrame)
                       else features.array)
    g_idx, f_idx = _hits(geoms, np.asarray(grid.geometry.array))
    pairs = pd.DataFrame({"f": f_idx, "row": grid["row"].to_numpy()[g_idx],
                          "col": grid["col"].to_numpy()[g_idx],
                          "cell": grid["cell"].to_numpy()[g_idx]})
    pairs = pairs.sort_values(["f", "row", "col"], kind="stable")
    joined = pairs.groupby("f", sort=True)["cell"].agg(", ".join)
    out = pd.Series("", index=range(len(geoms)), dtype=object)
    out.loc[joined.index] = joined.to_numpy()
    out.index = features.index
    return out.rename("cells")
