"""Door numbers: each door point is measured along its nearest street.

Metric numbering (default) gives the distance in metres from the street origin to the point of
the street facing the door, odd on the left and even on the right of the direction of
progression, rounded to the nearest number of that parity. Sequential (1, 3, 5... / 2, 4, 6...)
and decametric (tens of metres) are options. A number taken twice on one side gets suffixes in
order along the street (``bis``, ``ter``... or ``A``, ``B``...).
"""

from __future__ import annotations

import logging
from collections.abc import Container, Iterable
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parakou_geo.settings import AddressingSettings, NumberingMethod, SuffixStyle
from parakou_geo.street_index import StreetIndex

if TYPE_CHECKING:
    from parakou_geo.access import StreetChoice

__all__ = ["LATIN_SUFFIXES", "StreetIndex", "next_free_suffix", "next_sequential_number",
           "number_doors", "parity_number", "sequential_insert_numbers", "street_suffix_style",
           "suffix_for", "suffix_rank"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: Latin suffixes, all within BAL's 9-character limit; a street needing more uses letters.
LATIN_SUFFIXES: tuple[str, ...] = (
    "bis", "ter", "quater", "quinquies", "sexies", "septies", "octies", "nonies", "decies",
)


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


def suffix_rank(suffix: str) -> int:
    """Return the order of a suffix: '' < bis < ter ... and '' < A < B ... < Z < AA.

    Examples
    --------
    >>> [suffix_rank(x) for x in ("", "bis", "ter", "A", "Z", "AA")]
    [0, 1, 2, 1, 26, 27]
    """
    if not suffix:
        return 0
    if suffix in LATIN_SUFFIXES:
        return LATIN_SUFFIXES.index(suffix) + 1
    rank = 0
    for ch in suffix:
        rank = rank * 26 + (ord(ch.upper()) - ord("A") + 1)
    return rank


#: Letter suffixes a street may use (A ... ZZ); latin ones stop at ``decies``.
MAX_LETTER_SUFFIXES = 26 * 27


def next_free_suffix(number: int, taken: Container[tuple[int, str]],
                     style: SuffixStyle) -> str | None:
    """Return the first suffix of ``number`` not in ``taken`` (None when all are taken).

    ``taken`` holds the (number, suffix) pairs of the street, every status included: a
    number once given is never given again.

    Examples
    --------
    >>> next_free_suffix(12, {(12, ""), (12, "bis")}, "latin")
    'ter'
    >>> next_free_suffix(13, {(12, "")}, "letters")
    ''
    """
    limit = len(LATIN_SUFFIXES) if style == "latin" else MAX_LETTER_SUFFIXES
    for rank in range(limit + 1):
        sfx = suffix_for(rank, style)
        if (number, sfx) not in taken:
            return sfx
    return None


def street_suffix_style(suffixes: Iterable[object], style: SuffixStyle) -> SuffixStyle:
    """Return the suffix style of a street: letters once any of its suffixes is a letter."""
    if style == "letters" or any(isinstance(x, str) and x.isalpha() and x.isupper()
                                 for x in suffixes):
        return "letters"
    return "latin"


def is_left_number(number: int) -> bool:
    """Return whether a door number belongs to the left side (odd numbers)."""
    return number % 2 == 1


def parity_number(distance_m: float, left: bool, method: NumberingMethod) -> int:
    """Return the metric (or decametric) number of a door ``distance_m`` along its street.

    The distance (in tens of metres for ``decametric``) rounded to the nearest number of the
    side's parity: odd on the left, even on the right (odd ≥ 1, even ≥ 2).

    Examples
    --------
    >>> parity_number(12.0, True, "metric"), parity_number(12.0, False, "metric")
    (13, 12)
    >>> parity_number(12.0, True, "decametric")
    1
    """
    x = distance_m / 10.0 if method == "decametric" else distance_m
    return int(_parity_round(np.array([x]), np.array([left]))[0])


def first_number(left: bool) -> int:
    """Return the first sequential number of a side: 1 on the left, 2 on the right."""
    return 1 if left else 2


def next_sequential_number(numbers: Iterable[int], left: bool) -> int:
    """Return the next free sequential number of a side (``numbers``: all on the street).

    Examples
    --------
    >>> next_sequential_number([1, 3, 5, 2], True), next_sequential_number([1, 3], False)
    (7, 2)
    """
    side = [int(n) for n in numbers if is_left_number(int(n)) == left]
    return max(side) + 2 if side else first_number(left)


def sequential_insert_numbers(
    codes: np.ndarray,
    sides: np.ndarray,
    distances: np.ndarray,
    live_codes: np.ndarray,
    live_sides: np.ndarray,
    live_distances: np.ndarray,
    live_numbers: np.ndarray,
) -> np.ndarray:
    """Return the numbers of new doors on sequentially numbered streets (update rule).

    Numbers never change, so a new door takes the number of the door before it on its side
    (the side's first number when none is before it), then the next free suffix: a door
    added between 3 and 5 becomes ``3 bis`` (a first build would renumber it 5). ``codes``
    (None: unaddressed), ``sides`` and ``distances`` describe the new doors, the ``live_*``
    arrays the active addresses; the result is one number per new door (0 without a code).
    """
    out = np.zeros(len(codes), dtype=np.int64)
    live = pd.DataFrame({"code": live_codes, "side": live_sides, "d": live_distances,
                         "n": live_numbers})
    by_side = {k: g.sort_values("d", kind="stable") for k, g in live.groupby(["code", "side"])}
    for i, (c, side, d) in enumerate(zip(codes, sides, distances, strict=True)):
        if c is None:
            continue
        g = by_side.get((c, side))
        before = None if g is None else g[g["d"] <= d]
        if g is None or g.empty:
            out[i] = first_number(side == "left")
        elif before is not None and len(before):
            out[i] = int(before["n"].iloc[-1])
        else:
            out[i] = int(g["n"].iloc[0])
    return out


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
    choice: StreetChoice | None = None,
    door_xy: np.ndarray | None = None,
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
    choice : StreetChoice, optional
        The street of each door chosen by :func:`parakou_geo.access.choose_streets`; without
        it each door goes to its nearest street piece.
    door_xy : numpy.ndarray, optional
        ``(n, 2)`` coordinates of ``doors`` when the caller has them already (reading them
        from a million points takes half a second).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``doors``: ``street`` (row of the streets table, -1 when none in reach),
        ``distance_to_street_m``, ``distance_m`` (along the street from its origin),
        ``side`` (``left``/``right``), ``number`` (0 when unaddressed), ``suffix``,
        ``street_x``/``street_y`` (the point of the street facing the door), ``street_choice``
        (how the street was chosen, None when unaddressed).

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
    xy = shapely.get_coordinates(pts) if door_xy is None else np.asarray(door_xy)
    if choice is None:
        pi, piece, dist = index.nearest(pts, max_distance_m=max_distance_m, threads=threads,
                                        xy=xy)
        reason = np.full(len(pi), "nearest", dtype=object)
    else:
        pi, piece, dist, reason = choice.door, choice.piece, choice.distance_m, choice.reason
    along, foot_x, foot_y, cross = index.project(xy[pi], index.off_spurs(xy[pi], piece))
    left = cross > 0
    along = np.round(along, 3)
    street = index.street[piece]
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
        letters = np.zeros(len(rank), dtype=bool)
        if suffix_style == "latin":
            top = np.zeros(int(street.max()) + 1, dtype=np.int64)
            np.maximum.at(top, street, rank)
            crowded = top > len(LATIN_SUFFIXES)
            for st in np.flatnonzero(crowded):
                logger.debug(
                    "street row %d needs more than %d suffixes on one number; "
                    "it uses letters A, B, C... instead", st, len(LATIN_SUFFIXES))
            letters = crowded[street]
        else:
            letters[:] = True
        high = int(rank.max())
        table = {
            "latin": np.array([suffix_for(r, "latin") if r <= len(LATIN_SUFFIXES) else ""
                               for r in range(high + 1)], dtype=object),
            "letters": np.array([suffix_for(r, "letters") for r in range(high + 1)],
                                dtype=object),
        }
        suffix = np.where(letters, table["letters"][rank], table["latin"][rank])

    def full(values: np.ndarray, fill: object, dtype: object) -> np.ndarray:
        arr: np.ndarray = np.full(n, fill, dtype=dtype)  # type: ignore[call-overload]
        arr[pi] = values
        return arr

    return pd.DataFrame(
        {
            "street": full(street, -1, np.int64),
            "distance_to_street_m": full(np.round(dist, 3), np.nan, float),
            "distance_m": full(along, np.nan, float),
            "side": pd.Series(full(_SIDES[left.view(np.uint8)], None, object),
                              index=doors.index, dtype=object),
            "number": full(number, 0, np.int64),
            "suffix": pd.Series(full(suffix, "", object), index=doors.index, dtype=object),
            "street_x": full(np.round(foot_x, 3), np.nan, float),
            "street_y": full(np.round(foot_y, 3), np.nan, float),
            "street_choice": pd.Series(full(reason, None, object), index=doors.index,
                                       dtype=object),
        },
        index=doors.index,
    )


#: The two side texts, shared by every door (not a million copies of "left" and "right").
_SIDES = np.array(["right", "left"], dtype=object)


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
