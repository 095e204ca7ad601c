"""Private line plumbing: splitting lines at junctions and clustering their end points.

Everything here is vectorised with shapely 2 array functions and numpy; no per-line loops.
"""

from __future__ import annotations

import numpy as np
import shapely

from parakou_geo._street_graphs import components

__all__ = ["cluster_points", "curve_order", "junction_cuts", "split_at_measures"]


def junction_cuts(lines: np.ndarray, *, snap_tolerance_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Find where each line meets another one.

    Parameters
    ----------
    lines : numpy.ndarray of shapely.LineString
        Lines in a metric CRS.
    snap_tolerance_m : float
        A line end closer than this (metres) to another line is a T-junction on it.

    Returns
    -------
    line_index, measure : numpy.ndarray
        For every junction on a line: the line's position and the distance (metres) from the
        line's start to the junction. Shared vertices, crossings and near-miss T-junctions count.
    """
    tree = shapely.STRtree(lines)
    a, b = tree.query(lines, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    cut_line: list[np.ndarray] = []
    cut_measure: list[np.ndarray] = []
    if len(a):
        inter = shapely.intersection(lines[a], lines[b])
        xy, pidx = shapely.get_coordinates(inter, return_index=True)
        if len(xy):
            pts = shapely.points(xy)
            la, lb = a[pidx], b[pidx]
            cut_line += [la, lb]
            cut_measure += [
                shapely.line_locate_point(lines[la], pts),
                shapely.line_locate_point(lines[lb], pts),
            ]
    n = len(lines)
    ends = np.concatenate([shapely.get_point(lines, 0), shapely.get_point(lines, -1)])
    end_line = np.concatenate([np.arange(n), np.arange(n)])
    ei, li = tree.query(ends, predicate="dwithin", distance=snap_tolerance_m)
    other = end_line[ei] != li
    ei, li = ei[other], li[other]
    if len(ei):
        cut_line.append(li)
        cut_measure.append(shapely.line_locate_point(lines[li], ends[ei]))
    if not cut_line:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(cut_line).astype(np.int64), np.concatenate(cut_measure)


def split_at_measures(
    lines: np.ndarray,
    line_index: np.ndarray,
    measures: np.ndarray,
    *,
    min_piece_m: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Split lines at distances along them.

    Parameters
    ----------
    lines : numpy.ndarray of shapely.LineString
        The lines, metric CRS.
    line_index, measure : numpy.ndarray
        Cut positions: which line, and how far (metres) from its start. Cuts closer than
        ``min_piece_m`` to a line end or to another cut are ignored.
    min_piece_m : float
        Shortest piece created by a cut (metres).

    Returns
    -------
    pieces : numpy.ndarray of shapely.LineString
        The pieces, in line order then along each line.
    parent : numpy.ndarray of int
        The position of each piece's line in ``lines``.
    """
    coords, cidx = shapely.get_coordinates(lines, return_index=True)
    lengths = shapely.length(lines)
    first = np.r_[True, cidx[1:] != cidx[:-1]]
    step = np.zeros(len(coords))
    step[1:] = np.hypot(np.diff(coords[:, 0]), np.diff(coords[:, 1]))
    step[first] = 0.0
    cum = np.cumsum(step)
    line_start = np.flatnonzero(first)
    cum -= cum[line_start][cidx]

    # keep interior cuts, sorted and de-duplicated per line
    ok = (measures > min_piece_m) & (measures < lengths[line_index] - min_piece_m)
    cl, cm = line_index[ok], measures[ok]
    order = np.lexsort((cm, cl))
    cl, cm = cl[order], cm[order]
    if len(cl):
        dup = np.r_[False, (cl[1:] == cl[:-1]) & (np.diff(cm) < min_piece_m)]
        cl, cm = cl[~dup], cm[~dup]
    cut_xy = shapely.get_coordinates(shapely.line_interpolate_point(lines[cl], cm))

    # merge vertices and cuts; a vertex at a cut position becomes that cut
    all_line = np.concatenate([cidx, cl])
    all_m = np.concatenate([cum, cm])
    all_xy = np.concatenate([coords, cut_xy])
    all_cut = np.concatenate([np.zeros(len(cidx), bool), np.ones(len(cl), bool)])
    order = np.lexsort((all_cut, all_m, all_line))
    all_line, all_m, all_xy, all_cut = all_line[order], all_m[order], all_xy[order], all_cut[order]
    new = np.r_[True, (all_line[1:] != all_line[:-1]) | (np.diff(all_m) > 1e-7)]
    starts = np.flatnonzero(new)
    is_cut = np.maximum.reduceat(all_cut.astype(np.int8), starts).astype(bool)
    line_of = all_line[starts]
    xy = all_xy[starts]
    m = all_m[starts]

    # piece id: line position + number of cuts so far; a cut row belongs to two pieces
    c = np.cumsum(is_cut)
    piece = line_of + c
    piece[is_cut] -= 1
    rows = np.arange(len(xy))
    cut_rows = rows[is_cut]
    all_rows = np.concatenate([rows, cut_rows])
    all_piece = np.concatenate([piece, piece[is_cut] + 1])
    order = np.lexsort((m[all_rows], all_piece))
    all_rows, all_piece = all_rows[order], all_piece[order]
    _, piece_ids = np.unique(all_piece, return_inverse=True)
    pieces = shapely.linestrings(xy[all_rows], indices=piece_ids)
    parent_of_piece = np.zeros(piece_ids.max() + 1 if len(piece_ids) else 0, dtype=np.int64)
    parent_of_piece[piece_ids] = line_of[all_rows]
    good = shapely.length(pieces) > 0
    return np.asarray(pieces)[good], parent_of_piece[good]


def cluster_points(xy: np.ndarray, tolerance: float) -> np.ndarray:
    """Label points so that points closer than ``tolerance`` (transitively) share a label.

    Labels are numbered in order of first appearance, so the result is deterministic.
    """
    if len(xy) == 0:
        return np.zeros(0, dtype=np.int64)
    points = shapely.points(xy)
    i, j = shapely.STRtree(points).query(points, predicate="dwithin", distance=tolerance)
    # pairs within the tolerance (and each point with itself); components are numbered by
    # their first point
    return components(len(xy), i, j)


def curve_order(xy: np.ndarray) -> np.ndarray:
    """Order ``(n, 2)`` coordinates along a Z-order (Morton) curve on a 2^16 grid."""
    lo = xy.min(axis=0)
    span = np.maximum(xy.max(axis=0) - lo, 1e-9)
    q = ((xy - lo) / span * 65535).astype(np.uint64)
    code = _spread(q[:, 0]) | (_spread(q[:, 1]) << np.uint64(1))
    return np.argsort(code, kind="stable")


def _spread(v: np.ndarray) -> np.ndarray:
    v = v & np.uint64(0xFFFF)
    v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
    v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
    v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
    out: np.ndarray = (v | (v << np.uint64(1))) & np.uint64(0x55555555)
    return out
