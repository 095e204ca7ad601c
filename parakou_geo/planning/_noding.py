"""Private numpy kernels of noding: where road lines meet, and splitting them there.

Everything works on coordinate arrays of the lines' straight pieces (:class:`Pieces`); a
numpy bucket-grid self-join pairs their bounding boxes and no GEOS geometry is created until
the cut lines are rebuilt. :mod:`parakou_geo.planning.network` builds the graph with them.
"""

from __future__ import annotations

import numpy as np
import shapely

from parakou_geo._lines import split_at_measures
from parakou_geo.planning._graph import Pieces, _cell_of, _cells, _piece_distance, stable_order


def box_pairs(lo: np.ndarray, hi: np.ndarray, cell: float) -> tuple[np.ndarray, np.ndarray]:
    """Every pair ``i < j`` of boxes ``lo``-``hi`` (arrays ``(n, 2)``) that intersect, once.

    A bucket grid in numpy: boxes are registered in the cells they cover, pairs are formed
    within each cell, and a pair is kept only in the cell holding the lower-left corner of the
    two boxes' intersection, so no pair appears twice and no sort is needed.
    """
    origin = lo.min(axis=0)
    c0 = _cell_of(lo, origin, cell).astype(np.int64)
    c1 = _cell_of(hi, origin, cell).astype(np.int64)
    nx = int(c1[:, 0].max()) + 1
    which, cx, cy = _cells(c0, c1)
    key = cy * nx + cx
    order = stable_order(key)
    which, key = which[order], key[order]
    start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    size = np.diff(np.r_[start, len(key)])
    count = np.repeat(start + size, size) - np.arange(len(key)) - 1  # entries after it
    i = np.repeat(np.arange(len(key)), count)
    j = i + 1 + (np.arange(len(i)) - np.repeat(np.cumsum(count) - count, count))
    bi, bj, pair_key = which[i], which[j], key[i]  # a box is in a cell once: bi != bj
    bi, bj = np.minimum(bi, bj), np.maximum(bi, bj)
    lx, ly, hx, hy = (np.ascontiguousarray(v) for v in (lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1]))
    corner_x, corner_y = np.maximum(lx[bi], lx[bj]), np.maximum(ly[bi], ly[bj])
    keep = (corner_x <= np.minimum(hx[bi], hx[bj])) & (corner_y <= np.minimum(hy[bi], hy[bj]))
    bi, bj, pair_key, corner_x, corner_y = (v[keep] for v in (bi, bj, pair_key, corner_x,
                                                                corner_y))
    keep = (_cell_of(corner_y, origin[1], cell).astype(np.int64) * nx
            + _cell_of(corner_x, origin[0], cell).astype(np.int64)) == pair_key
    return bi[keep], bj[keep]


def junction_cuts(lines: np.ndarray, *, snap_tolerance_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Where each line meets another one: line position and distance along it (metres).

    The same cuts as :func:`parakou_geo._lines.junction_cuts` (crossings, shared points,
    overlaps and line ends within ``snap_tolerance_m`` of another line), found on the lines'
    straight pieces with numpy: the spatial index only pairs bounding boxes, and the
    intersections and distances are computed on coordinate arrays.
    """
    pc = Pieces.of(lines)
    tol = snap_tolerance_m
    lo, hi = np.minimum(pc.a, pc.b), np.maximum(pc.a, pc.b)
    span = hi.max(axis=0) - lo.min(axis=0)
    size = np.max(hi - lo, axis=1)
    cell = max(1.5 * float(np.median(size)), float(np.sqrt(span[0] * span[1] / 4e6)), 1.0)
    # boxes grown by half the tolerance: a line end within ``tol`` of a piece lies in a piece
    # whose grown box meets that piece's, so one self-join gives both kinds of candidates
    i, j = box_pairs(lo - tol / 2, hi + tol / 2, cell)
    keep = pc.edge[i] != pc.edge[j]
    i, j = i[keep], j[keep]
    cut_line: list[np.ndarray] = []
    cut_m: list[np.ndarray] = []
    _end_cuts(pc, i, j, tol, cut_line, cut_m)
    ax, ay, dx, dy, _ = pc.columns
    lx, ly = np.minimum(ax, pc.b[:, 0]), np.minimum(ay, pc.b[:, 1])
    hx, hy = np.maximum(ax, pc.b[:, 0]), np.maximum(ay, pc.b[:, 1])
    meet = (np.maximum(lx[i], lx[j]) <= np.minimum(hx[i], hx[j])) & (
        np.maximum(ly[i], ly[j]) <= np.minimum(hy[i], hy[j]))
    i, j = i[meet], j[meet]  # the pieces' own boxes meet

    # crossings and touches of two pieces: A + t r = C + u s
    rx, ry, sx, sy = dx[i], dy[i], dx[j], dy[j]
    denom = rx * sy - ry * sx
    cax, cay = ax[j] - ax[i], ay[j] - ay[i]
    cross = cax * ry - cay * rx
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (cax * sy - cay * sx) / denom
        u = cross / denom
    hit = (denom != 0) & (t >= 0) & (t <= 1) & (u >= 0) & (u <= 1)
    if hit.any():
        ih, jh, th = i[hit], j[hit], t[hit]
        xy = pc.a[ih] + th[:, None] * (pc.b[ih] - pc.a[ih])
        cut_line += [pc.edge[ih], pc.edge[jh]]
        cut_m += [pc.start_m[ih] + np.hypot(*(xy - pc.a[ih]).T),
                  pc.start_m[jh] + np.hypot(*(xy - pc.a[jh]).T)]
    # collinear pieces: the ends of their overlap (a point when they touch end to end)
    line = (denom == 0) & (cross == 0)
    line &= (pc.length[i] > 0) & (pc.length[j] > 0)
    if line.any():
        il, jl = i[line], j[line]
        for on, other in ((il, jl), (jl, il)):  # ends of one piece lying on the other
            for end in (pc.a[on], pc.b[on]):
                d = pc.b[other] - pc.a[other]
                t = np.einsum("nc,nc->n", end - pc.a[other], d) / pc.length[other] ** 2
                inside = (t >= 0) & (t <= 1)
                xy = end[inside]
                for side in (on[inside], other[inside]):
                    cut_line.append(pc.edge[side])
                    cut_m.append(pc.start_m[side] + np.hypot(*(xy - pc.a[side]).T))

    if not cut_line:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(cut_line).astype(np.int64), np.concatenate(cut_m)


def _end_cuts(pc: Pieces, i: np.ndarray, j: np.ndarray, tol: float,
              cut_line: list[np.ndarray], cut_m: list[np.ndarray]) -> None:
    """Cut lines where another line's end lies within ``tol``: at their nearest point.

    ``i, j`` are candidate pairs of pieces of different lines (every piece holding a line end
    is paired with every piece within ``tol`` of it). On ties the line's first piece wins.
    """
    last = np.r_[pc.edge[1:] != pc.edge[:-1], True]
    first = np.r_[True, last[:-1]]
    # (line end, other piece) candidates; a line's ends are the start of its first piece and
    # the end of its last, numbered 2 * line and 2 * line + 1
    ends, xys, others = [], [], []
    for on, other in ((i, j), (j, i)):
        for side, is_end, xy in ((0, first, pc.a), (1, last, pc.b)):
            k = np.flatnonzero(is_end[on])
            ends.append(2 * pc.edge[on[k]] + side)
            xys.append(xy[on[k]])
            others.append(other[k])
    end, q = np.concatenate(ends), np.concatenate(others)
    xy = np.concatenate(xys)
    gap, tq = _piece_distance(xy[:, 0].copy(), xy[:, 1].copy(), pc, q)
    near = gap <= tol
    end, q, tq, gap = end[near], q[near], tq[near], gap[near]
    if len(end):
        # one cut per (end, other line): on its nearest piece, the first one on ties
        group = end * (int(pc.edge[-1]) + 1) + pc.edge[q]
        order = stable_order(group)
        group, q, tq, gap = group[order], q[order], tq[order], gap[order]
        first = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        count = np.diff(np.r_[first, len(group)])
        low = np.where(gap == np.repeat(np.minimum.reduceat(gap, first), count), q, len(pc.a))
        best = q == np.repeat(np.minimum.reduceat(low, first), count)  # one row a group
        q, tq = q[best], tq[best]
        cut_line.append(pc.edge[q])
        cut_m.append(pc.start_m[q] + tq * pc.length[q])


def split_lines(
    lines: np.ndarray, cut_line: np.ndarray, cut_m: np.ndarray, *, min_piece_m: float
) -> np.ndarray:
    """Split lines at their cuts, as :func:`parakou_geo._lines.split_at_measures` does.

    Only the lines with a cut farther than ``min_piece_m`` from both ends (or with vertices
    closer than a micrometre, which the split merges) are rebuilt; the others are kept as they
    are. Returns the pieces in line order, then along each line.
    """
    length = shapely.length(lines)
    inside = (cut_m > min_piece_m) & (cut_m < length[cut_line] - min_piece_m)
    cut_line, cut_m = cut_line[inside], cut_m[inside]
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    same = owner[1:] == owner[:-1]
    step = np.hypot(coords[1:, 0] - coords[:-1, 0], coords[1:, 1] - coords[:-1, 1])
    redo = np.zeros(len(lines), dtype=bool)
    redo[cut_line] = True
    redo[owner[1:][same & (step <= 1e-6)]] = True
    if not redo.any():
        return lines
    sub = np.flatnonzero(redo)
    position = np.cumsum(redo) - 1  # a rebuilt line's position in ``sub``
    pieces, parent = split_at_measures(lines[sub], position[cut_line], cut_m,
                                       min_piece_m=min_piece_m)
    count = np.ones(len(lines), dtype=np.int64)
    count[sub] = np.bincount(parent, minlength=len(sub))
    start = np.cumsum(count) - count
    out = np.empty(int(count.sum()), dtype=object)
    kept = np.flatnonzero(~redo)
    out[start[kept]] = lines[kept]
    rank = np.arange(len(parent)) - np.searchsorted(parent, parent)  # along its line
    out[start[sub[parent]] + rank] = pieces
    return out
