"""Door numbers: each door point is measured along its nearest street.

Metric numbering (default) gives the distance in metres from the street origin to the point of
the street facing the door, odd on the left and even on the right of the direction of
progression, rounded to the nearest number of that parity. Sequential (1, 3, 5... / 2, 4, 6...)
and decametric (tens of metres) are options. A number taken twice on one side gets suffixes in
order along the street (``bis``, ``ter``... or ``A``, ``B``...).
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parakou_geo._crs import require_metric
from parakou_geo.settings import AddressingSettings, NumberingMethod, SuffixStyle

__all__ = ["LATIN_SUFFIXES", "StreetIndex", "number_doors", "suffix_for"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: Latin suffixes, all within BAL's 9-character limit; a street needing more uses letters.
LATIN_SUFFIXES: tuple[str, ...] = (
    "bis", "ter", "quater", "quinquies", "sexies", "septies", "octies", "nonies", "decies",
)
_SIDE_STEP_M = 0.5


class StreetIndex:
    """A prepared spatial index of oriented street segments, built once and reused.

    Parameters
    ----------
    segments : geopandas.GeoDataFrame
        Oriented segments in a metric CRS with ``street`` and ``offset_m`` columns, as in
        :attr:`parakou_geo.streets.StreetNetwork.segments`.
    """

    def __init__(self, segments: gpd.GeoDataFrame) -> None:
        require_metric(segments, "segments")
        self.crs = segments.crs
        self.geoms = np.asarray(segments.geometry.array)
        self.street = segments["street"].to_numpy()
        self.offset = segments["offset_m"].to_numpy(dtype=float)
        self.tree = shapely.STRtree(self.geoms)

    def nearest(
        self, points: np.ndarray, *, max_distance_m: float, threads: int | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Find the nearest segment of each point within ``max_distance_m``.

        Points are sorted along a space-filling curve for cache locality and split across
        threads (shapely releases the GIL).

        Parameters
        ----------
        points : numpy.ndarray of shapely.Point
            Door points, same metric CRS.
        max_distance_m : float
            Search radius in metres.
        threads : int, optional
            Worker threads; default: the number of CPUs (at most 8).

        Returns
        -------
        point_index, segment_index, distance_m : numpy.ndarray
            One row per point that has a segment in reach.
        """
        n = len(points)
        if n == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        order = _curve_order(points)
        workers = threads or min(8, os.cpu_count() or 1)
        chunks = np.array_split(order, max(1, min(workers, n // 20_000 + 1)))

        def query(chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            (pi, si), dist = self.tree.query_nearest(
                points[chunk], max_distance=max_distance_m, return_distance=True,
                all_matches=False,
            )
            return chunk[pi], si, dist

        if len(chunks) == 1:
            results = [query(chunks[0])]
        else:
            with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
                results = list(pool.map(query, chunks))
        pi = np.concatenate([r[0] for r in results])
        si = np.concatenate([r[1] for r in results])
        dist = np.concatenate([r[2] for r in results])
        back = np.argsort(pi, kind="stable")
        return pi[back], si[back], dist[back]


def _curve_order(points: np.ndarray) -> np.ndarray:
    """Order points along a Z-order (Morton) curve on a 2^16 grid."""
    xy = shapely.get_coordinates(points)
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


def suffix_for(rank: int, style: SuffixStyle) -> str:
    """Return the suffix of the ``rank``-th building sharing a number (0 → no suffix).

    Examples
    --------
    >>> [suffix_for(r, "latin") for r in range(4)]
    ['', 'bis', 'ter', 'quater']
    >>> [suffix_for(r, "letters") for r in (1, 2, 26, 27)]
    ['A', 'B', 'Z', 'AA']
    """
    if rank <= 0:
        return ""
    if style == "latin":
        return LATIN_SUFFIXES[rank - 1]
    letters = ""
    k = rank
    while k > 0:
        k, r = divmod(k - 1, 26)
        letters = chr(ord("A") + r) + letters
    return letters


def _parity_round(x: np.ndarray, odd: np.ndarray) -> np.ndarray:
    """Round to the nearest whole number of the given parity (odd ≥ 1, even ≥ 2)."""
    p = odd.astype(np.int64)
    n = 2 * np.floor((x - p) / 2.0 + 0.5).astype(np.int64) + p
    out: np.ndarray = np.maximum(n, 2 - p)
    return out


def number_doors(
    doors: gpd.GeoSeries,
    index: StreetIndex,
    *,
    method: NumberingMethod = "metric",
    suffix_style: SuffixStyle = "latin",
    max_distance_m: float = 100.0,
    tiebreak: np.ndarray | None = None,
    threads: int | None = None,
) -> pd.DataFrame:
    """Give every door point a street, side, number and suffix.

    Parameters
    ----------
    doors : geopandas.GeoSeries
        Door points (building representative points or entrances) in the metric CRS of
        ``index`` (EPSG:32631 by default).
    index : StreetIndex
        The prepared street segments.
    method : {"metric", "sequential", "decametric"}
        Numbering method.
    suffix_style : {"latin", "letters"}
        Suffixes for a number taken twice on one side of one street.
    max_distance_m : float
        Doors farther than this (metres) from every street get no number.
    tiebreak : numpy.ndarray, optional
        Sortable value per door deciding the order of doors at the same distance along a
        street (default: their position).
    threads : int, optional
        Threads for the nearest-segment search.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``doors``: ``street`` (row of the streets table, -1 when none in reach),
        ``distance_to_street_m``, ``distance_m`` (along the street from its origin),
        ``side`` (``left``/``right``), ``number`` (0 when unaddressed), ``suffix``,
        ``street_x``/``street_y`` (the point of the street facing the door).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> from parakou_geo.streets import build_streets
    >>> roads = gpd.GeoDataFrame({"road_id": ["a"], "name": ["Rue X"]},
    ...     geometry=[shapely.LineString([(0, 0), (200, 0)])], crs=32631)
    >>> net = build_streets(roads, centre_xy=(0.0, 0.0))
    >>> doors = gpd.GeoSeries(shapely.points([(12, 8), (12, -8), (47, 5)]), crs=32631)
    >>> number_doors(doors, StreetIndex(net.segments))[["side", "number"]].values.tolist()
    [['left', 13], ['right', 12], ['left', 47]]
    """
    if doors.crs != index.crs:
        raise ValueError(
            f"doors are in {doors.crs} but streets in {index.crs}; reproject the doors: "
            f"doors.to_crs({index.crs.to_string()!r})"
        )
    pts = np.asarray(doors.array)
    n = len(pts)
    pi, si, dist = index.nearest(pts, max_distance_m=max_distance_m, threads=threads)
    seg = index.geoms[si]
    p = pts[pi]
    d_local = shapely.line_locate_point(seg, p)
    seg_len = shapely.length(seg)
    proj = shapely.get_coordinates(shapely.line_interpolate_point(seg, d_local))
    a = shapely.get_coordinates(
        shapely.line_interpolate_point(seg, np.maximum(d_local - _SIDE_STEP_M, 0.0)))
    b = shapely.get_coordinates(
        shapely.line_interpolate_point(seg, np.minimum(d_local + _SIDE_STEP_M, seg_len)))
    pxy = shapely.get_coordinates(p)
    cross = (b[:, 0] - a[:, 0]) * (pxy[:, 1] - a[:, 1]) \
        - (b[:, 1] - a[:, 1]) * (pxy[:, 0] - a[:, 0])
    left = cross > 0
    along = np.round(index.offset[si] + d_local, 3)
    street = index.street[si]
    tb = np.arange(n) if tiebreak is None else np.asarray(tiebreak)

    if method == "sequential":
        order = np.lexsort((tb[pi], along, ~left, street))
        group_start = np.r_[True, (street[order][1:] != street[order][:-1])
                            | (left[order][1:] != left[order][:-1])]
        rank = _rank_in_groups(group_start)
        number = np.empty(len(order), dtype=np.int64)
        number[order] = 2 * rank + np.where(left[order], 1, 2)
    else:
        scale = 10.0 if method == "decametric" else 1.0
        number = _parity_round(along / scale, left)

    order = np.lexsort((tb[pi], along, number, ~left, street))
    same = (street[order][1:] == street[order][:-1]) & (left[order][1:] == left[order][:-1]) \
        & (number[order][1:] == number[order][:-1])
    rank_sorted = _rank_in_groups(np.r_[True, ~same])
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = rank_sorted
    suffix = np.full(len(order), "", dtype=object)
    if len(rank):
        styles = dict.fromkeys(np.unique(street), suffix_style)
        if suffix_style == "latin":
            too_many = pd.Series(rank).groupby(street).max()
            for st in too_many.index[too_many.to_numpy() > len(LATIN_SUFFIXES)]:
                styles[st] = "letters"
                logger.warning(
                    "street row %d needs more than %d suffixes on one number; "
                    "it uses letters A, B, C... instead", st, len(LATIN_SUFFIXES))
        has = np.flatnonzero(rank > 0)
        suffix[has] = [suffix_for(int(rank[i]), styles[street[i]]) for i in has]

    def full(values: np.ndarray, fill: object, dtype: object) -> np.ndarray:
        arr: np.ndarray = np.full(n, fill, dtype=dtype)  # type: ignore[call-overload]
        arr[pi] = values
        return arr

    return pd.DataFrame(
        {
            "street": full(street, -1, np.int64),
            "distance_to_street_m": full(np.round(dist, 3), np.nan, float),
            "distance_m": full(along, np.nan, float),
            "side": full(np.where(left, "left", "right"), None, object),
            "number": full(number, 0, np.int64),
            "suffix": full(suffix, "", object),
            "street_x": full(np.round(proj[:, 0], 3), np.nan, float),
            "street_y": full(np.round(proj[:, 1], 3), np.nan, float),
        },
        index=doors.index,
    )


def _rank_in_groups(group_start: np.ndarray) -> np.ndarray:
    """Position of each row within its run of rows (runs begin where ``group_start``)."""
    idx = np.arange(len(group_start))
    starts = np.maximum.accumulate(np.where(group_start, idx, 0))
    return idx - starts


def settings_kwargs(settings: AddressingSettings) -> dict[str, object]:
    """Keyword arguments of :func:`number_doors` taken from settings."""
    return {
        "method": settings.method,
        "suffix_style": settings.suffix_style,
        "max_distance_m": settings.max_distance_m,
    }
