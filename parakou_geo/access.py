"""Which street gives each building access: road classes, sidewalks, and the door's street.

The nearest line to a building is often not its street: on real data it is a sidewalk, a
footway, a courtyard path or a rear service lane. This module decides

- the **access rank** of every road from its class (trunk/primary 4, secondary 3, tertiary 2,
  residential/unclassified 1, pedestrian streets 0, tracks, service lanes (driveways, parking
  aisles, back lanes) and footway/path -1; roads without a class count as residential);
- which footways are **sidewalks** (tagged ``footway=sidewalk|crossing``, or unnamed and lying
  along a street for most of their length): they are part of that street, never a street;
- the **street of every door**: among the streets within reach of the building's footprint,
  the one of lowest cost ``distance from the footprint + door_distance_weight × distance from
  the door − class_step_m × rank + unnamed_penalty_m (for an unnamed path, lane, driveway
  or track)``; an entrance point
  takes the street nearest to it. Ties go to the lower street row, so corner buildings are
  decided the same way every run.

Each choice carries its reason (:data:`CHOICE_REASONS`), recorded in the register.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parakou_geo.numbering import StreetIndex
from parakou_geo.settings import AddressingSettings
from parakou_geo.streets import OriginHint, StreetNetwork, build_streets

__all__ = [
    "ACCESS_RANKS",
    "CHOICE_REASONS",
    "PATH_CLASSES",
    "StreetChoice",
    "access_ranks",
    "attach_sidewalks",
    "choose_streets",
    "find_sidewalks",
    "street_network",
]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: Access rank of each road class (OSM ``highway`` values); unknown classes rank 1.
ACCESS_RANKS: dict[str, int] = {
    "motorway": 4, "trunk": 4, "primary": 4,
    "motorway_link": 3, "trunk_link": 3, "primary_link": 3, "secondary": 3,
    "secondary_link": 2, "tertiary": 2,
    "tertiary_link": 1, "residential": 1, "unclassified": 1, "living_street": 1, "road": 1,
    "busway": 1,
    "pedestrian": 0,
    "track": -1, "service": -1, "footway": -1, "path": -1, "cycleway": -1, "bridleway": -1,
    "steps": -1,
    "corridor": -1, "sidewalk": -1, "crossing": -1,
}
#: Classes of ways for people on foot or bicycle; candidates for sidewalks.
PATH_CLASSES: tuple[str, ...] = ("footway", "path", "cycleway", "bridleway", "steps",
                                 "corridor", "sidewalk", "crossing")
_SIDEWALK_TAGS = ("sidewalk", "crossing")
_UNKNOWN_RANK = 1
_SAMPLE_M = 5.0

#: How a door's street was chosen (the register's ``street_choice``).
CHOICE_REASONS: dict[str, str] = {
    "entrance": "the street nearest to the building's entrance point",
    "nearest": "the nearest street to the building (footprint and door)",
    "named_street": "a named street preferred over a nearer unnamed lane, path or driveway",
    "higher_class": "a street of a higher class preferred over a nearer, lower one",
    "nearest_path": "the nearest way is a footway, path, track or service lane, and no street "
                    "wins over it within reach",
}


def access_ranks(road_class: pd.Series | np.ndarray | None, n: int) -> np.ndarray:
    """Return the access rank of each road (see :data:`ACCESS_RANKS`).

    Parameters
    ----------
    road_class : pandas.Series or numpy.ndarray or None
        Road classes (OSM ``highway`` values); None when the layer has no class column.
    n : int
        Number of roads.

    Examples
    --------
    >>> access_ranks(pd.Series(["primary", "footway", None, "pedestrian"]), 4).tolist()
    [4, -1, 1, 0]
    """
    if road_class is None:
        return np.full(n, _UNKNOWN_RANK, dtype=np.int64)
    values = pd.Series(np.asarray(road_class, dtype=object)).astype("string").str.lower()
    ranks = values.map(ACCESS_RANKS).fillna(_UNKNOWN_RANK)
    return ranks.to_numpy(dtype=np.int64)


def find_sidewalks(roads: gpd.GeoDataFrame, settings: AddressingSettings) -> np.ndarray:
    """Return which roads are sidewalks or crossings of a street.

    Parameters
    ----------
    roads : geopandas.GeoDataFrame
        Prepared roads (metric CRS) with ``name``, ``road_class`` and ``footway``.
    settings : AddressingSettings
        ``sidewalk_offset_m`` and ``sidewalk_share``.

    Returns
    -------
    numpy.ndarray of bool
        True for a way tagged ``footway=sidewalk|crossing``, and for an unnamed footway, path
        or cycleway with at least ``sidewalk_share`` of its length within
        ``sidewalk_offset_m`` of a street of rank 1 or more.
    """
    n = len(roads)
    cls = roads["road_class"].astype("string").str.lower() if "road_class" in roads.columns \
        else pd.Series(pd.NA, index=roads.index, dtype="string")
    foot = roads["footway"].astype("string").str.lower() if "footway" in roads.columns \
        else pd.Series(pd.NA, index=roads.index, dtype="string")
    rank = access_ranks(cls.to_numpy(dtype=object), n)
    tagged = foot.isin(_SIDEWALK_TAGS).fillna(False).to_numpy(dtype=bool)
    unnamed = roads["name"].isna().to_numpy() if "name" in roads.columns else np.ones(n, bool)
    candidate = cls.isin(PATH_CLASSES).fillna(False).to_numpy(dtype=bool) & unnamed & ~tagged
    streets = rank >= 1
    out = tagged.copy()
    if not candidate.any() or not streets.any():
        return out
    lines = np.asarray(roads.geometry.array)
    idx = np.flatnonzero(candidate)
    length = shapely.length(lines[idx])
    k = np.maximum(1, np.ceil(length / _SAMPLE_M)).astype(np.int64)
    owner = np.repeat(np.arange(len(idx)), k)
    first = np.repeat(np.cumsum(k) - k, k)
    frac = (np.arange(len(owner)) - first + 0.5) / np.repeat(k, k)
    pts = shapely.line_interpolate_point(lines[idx][owner], frac, normalized=True)
    near, _ = shapely.STRtree(lines[streets]).query(
        pts, predicate="dwithin", distance=settings.sidewalk_offset_m)
    close = np.zeros(len(pts), dtype=bool)
    close[near] = True
    share = np.bincount(owner, weights=close, minlength=len(idx)) / k
    out[idx[share >= settings.sidewalk_share]] = True
    return out


@dataclass(frozen=True)
class StreetChoice:
    """The street chosen for each door, and the piece of it the door is measured on.

    Attributes
    ----------
    door : numpy.ndarray of int
        Row of each door that has a street in reach (sorted).
    piece : numpy.ndarray of int
        The street piece (row of the :class:`~parakou_geo.numbering.StreetIndex`) nearest to
        the door on its chosen street.
    distance_m : numpy.ndarray of float
        Distance from the door point to that piece (metres).
    reason : numpy.ndarray of str
        Why that street (a key of :data:`CHOICE_REASONS`).
    """

    door: np.ndarray
    piece: np.ndarray
    distance_m: np.ndarray
    reason: np.ndarray


def choose_streets(
    footprints: np.ndarray,
    doors: np.ndarray,
    index: StreetIndex,
    *,
    street_named: np.ndarray,
    entrance: np.ndarray | None = None,
    settings: AddressingSettings | None = None,
    threads: int | None = None,
    door_xy: np.ndarray | None = None,
) -> StreetChoice:
    """Choose the street that gives each building access (vectorised).

    Street pieces are grouped by their preference (``class_step_m × rank`` less
    ``unnamed_penalty_m`` for unnamed paths, lanes and tracks); within one group the nearest
    piece is the cheapest, so each door needs one nearest-piece search per group (from the
    footprint and from the door point), not a search of every piece around it.

    Parameters
    ----------
    footprints : numpy.ndarray of shapely geometries
        Building footprints (polygons, or points for point buildings), metric CRS.
    doors : numpy.ndarray of shapely.Point
        Door points (representative points or entrances), same CRS and order.
    index : StreetIndex
        The prepared street pieces, with their ``rank``.
    street_named : numpy.ndarray of bool
        Whether each street (row of the streets table) has a name.
    entrance : numpy.ndarray of bool, optional
        Doors that are real entrance points: they take the street nearest to them.
    settings : AddressingSettings, optional
        ``max_distance_m``, ``class_step_m``, ``unnamed_penalty_m``, ``door_distance_weight``.
    threads : int, optional
        Threads for the nearest-piece searches.
    door_xy : numpy.ndarray, optional
        ``(n, 2)`` coordinates of ``doors`` when the caller has them already.

    Returns
    -------
    StreetChoice
        One row per door with a street within ``max_distance_m`` of its door point.
    """
    s = settings or AddressingSettings()
    xy = shapely.get_coordinates(doors) if door_xy is None else np.asarray(door_xy)
    door, near_piece, near_d = index.nearest(doors, max_distance_m=s.max_distance_m,
                                             threads=threads, xy=xy)
    reason = np.full(len(door), "nearest", dtype=object)
    if s.assignment == "nearest" or len(door) == 0:
        return StreetChoice(door, near_piece, near_d, reason)
    named = np.asarray(street_named, dtype=bool)
    # unnamed paths, lanes, driveways and tracks give way to a named street within reach;
    # an unnamed street of a street class does not (most Parakou streets have no name yet),
    # nor does a pedestrian street (old-town and market streets are streets)
    lane = (index.rank < 0) & ~named[index.street]
    penalty = np.where(lane, s.unnamed_penalty_m, 0.0) if named.any() else 0.0
    bonus = np.round(s.class_step_m * index.rank - penalty, 6)
    fp = footprints[door]
    is_point = shapely.get_type_id(fp) == 0
    is_entrance = np.zeros(len(door), dtype=bool) if entrance is None \
        else np.asarray(entrance, dtype=bool)[door]
    levels = np.unique(bonus)
    if len(levels) == 1 and is_point.all():
        return StreetChoice(door, near_piece, near_d, reason)

    w = s.door_distance_weight
    xy_d = xy[door]
    near_level = bonus[near_piece]
    # one R-tree per preference level, shared by the chunks below
    trees = []
    for level in levels:
        sub = np.flatnonzero(bonus == level)
        trees.append((level, sub, shapely.STRtree(index.pieces[sub])))
    ctx = _Search(index=index, fp=fp, pts=doors[door], xy=xy_d, near_piece=near_piece,
                  near_d=near_d, near_level=near_level, bonus=bonus, is_point=is_point,
                  is_entrance=is_entrance, trees=trees, w=w, max_distance_m=s.max_distance_m)
    # doors are independent: chunks bound the candidate pairs held in memory at once, and
    # run on threads (shapely releases the GIL)
    chunks = np.array_split(np.arange(len(door)), max(1, -(-len(door) // _CHUNK_DOORS)))
    workers = min(threads or min(8, os.cpu_count() or 1), len(chunks))
    if workers <= 1:
        parts = [ctx.solve(c) for c in chunks]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(ctx.solve, chunks))
    best_cost = np.concatenate([p[0] for p in parts])
    best_piece = np.concatenate([p[1] for p in parts])
    close_piece = np.concatenate([p[2] for p in parts])
    found = np.isfinite(best_cost)
    chosen = np.where(found, best_piece, near_piece)
    # measure the door on the chosen street: its piece nearest to the door point if the
    # door-point search found one on that street, else the piece facing the footprint
    chosen_street = index.street[chosen]
    same = index.street[near_piece] == chosen_street
    chosen = np.where(same, near_piece, chosen)
    d_chosen = index.distance(xy_d, chosen)
    b_street, c_street = chosen_street, index.street[close_piece]
    moved = found & (b_street != c_street)
    reason = np.select(
        [is_entrance, moved & named[b_street] & ~named[c_street], moved,
         index.rank[chosen] < 0],
        ["entrance", "named_street", "higher_class", "nearest_path"], default="nearest")
    return StreetChoice(door, chosen, d_chosen, reason.astype(object))


#: Doors whose candidate streets are searched at once (bounds the memory of the pairs).
_CHUNK_DOORS = 65_536


@dataclass(frozen=True)
class _Search:
    """What :func:`choose_streets` searches with, for one chunk of doors at a time."""

    index: StreetIndex
    fp: np.ndarray
    pts: np.ndarray
    xy: np.ndarray
    near_piece: np.ndarray
    near_d: np.ndarray
    near_level: np.ndarray
    bonus: np.ndarray
    is_point: np.ndarray
    is_entrance: np.ndarray
    trees: list[tuple[float, np.ndarray, shapely.STRtree]]
    w: float
    max_distance_m: float

    def solve(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Best cost, best piece and the piece nearest to the footprint of the doors ``rows``."""
        index, w = self.index, self.w
        n = len(rows)
        fp, is_point, xy = self.fp[rows], self.is_point[rows], self.xy[rows]
        near_piece, near_d = self.near_piece[rows], self.near_d[rows]
        near_level, is_entrance = self.near_level[rows], self.is_entrance[rows]
        best_cost = np.full(n, np.inf)
        best_piece, close_piece = near_piece.copy(), near_piece.copy()
        # how far the footprint reaches from its door point (0 for point buildings)
        radius = np.zeros(n)
        if (~is_point).any():
            vx, owner = shapely.get_coordinates(fp[~is_point], return_index=True)
            at = np.flatnonzero(~is_point)[owner]
            np.maximum.at(radius, at, np.hypot(vx[:, 0] - xy[at, 0], vx[:, 1] - xy[at, 1]))
        cand: list[np.ndarray] = [np.column_stack([np.arange(n), near_piece])]
        for level, sub, tree in self.trees:
            # A piece B of this level beats the nearest piece A only if (1 + w) d_door(B) - R
            # - L < (1 + w) d_door(A) - L_A (a wall is at most R from its door): search the
            # door's surroundings up to d_door(A) + R + (L - L_A) / (1 + w), where positive
            gain = np.maximum(level - near_level, 0.0) / (1.0 + w)
            ask = np.flatnonzero(((level > near_level) | (radius > 0)) & ~is_entrance)
            if len(ask):
                reach = np.minimum(near_d[ask] + radius[ask] + gain[ask], self.max_distance_m)
                qi, pi = index.pieces_within(self.pts[rows[ask]], xy[ask], reach, tree=tree,
                                             rows=sub)
                cand.append(np.column_stack([ask[qi], sub[pi]]))
        k, piece = np.concatenate(cand).T
        street = index.street[piece]
        # only a door with a candidate on another street than its nearest piece's can move
        other = np.zeros(n, dtype=bool)
        other[k[street != index.street[near_piece[k]]]] = True
        keep = other[k]
        k, piece, street = k[keep], piece[keep], street[keep]
        d_door = index.distance(xy[k], piece)
        d_fp = np.where(is_point[k], d_door, shapely.distance(fp[k], index.pieces[piece]))
        cost = np.where(is_entrance[k], d_door, d_fp + w * d_door - self.bonus[piece])
        cost = np.round(cost, 6)
        d_fp = np.round(d_fp, 6)
        # the cheapest candidate per door; a tie goes to the lower street row
        order = np.lexsort((street, cost, k))
        sel = order[np.r_[True, k[order][1:] != k[order][:-1]]] if len(k) else order
        best_cost[k[sel]] = cost[sel]
        best_piece[k[sel]] = piece[sel]
        # and the piece nearest to the footprint (for the reason)
        order = np.lexsort((street, d_fp, k))
        sel = order[np.r_[True, k[order][1:] != k[order][:-1]]] if len(k) else order
        close_piece[k[sel]] = piece[sel]
        return best_cost, best_piece, close_piece


def attach_sidewalks(
    streets: gpd.GeoDataFrame, segments: gpd.GeoDataFrame, sidewalks: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Return ``streets`` with each sidewalk's road id added to the street it runs along.

    Parameters
    ----------
    streets : geopandas.GeoDataFrame
        The streets table (``road_ids``: ``;``-joined sorted road ids).
    segments : geopandas.GeoDataFrame
        The oriented segments (``street`` column), same metric CRS.
    sidewalks : geopandas.GeoDataFrame
        The roads found by :func:`find_sidewalks` (``road_id``), same CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``streets`` whose ``road_ids`` also list their sidewalks and crossings.
    """
    out = streets.copy()
    if len(sidewalks) == 0 or len(segments) == 0:
        return out
    lines = np.asarray(sidewalks.geometry.array)
    mid = shapely.line_interpolate_point(lines, 0.5, normalized=True)
    si, gi = shapely.STRtree(np.asarray(segments.geometry.array)).query_nearest(
        mid, all_matches=False)
    owner = segments["street"].to_numpy()[gi]
    extra = pd.Series(sidewalks["road_id"].astype(str).to_numpy()[si]).groupby(owner).agg(list)
    ids = out["road_ids"].astype(str).to_numpy(dtype=object)
    for street, added in extra.items():
        ids[street] = ";".join(sorted(set(ids[street].split(";")) | set(added)))
    out["road_ids"] = ids
    return out


def street_network(
    roads: gpd.GeoDataFrame, *, centre_xy: tuple[float, float], settings: AddressingSettings,
    origin_hint: OriginHint | None = None,
) -> tuple[StreetNetwork, int]:
    """Build the streets from prepared roads, sidewalks folded into their street.

    Parameters
    ----------
    roads : geopandas.GeoDataFrame
        Roads from :func:`parakou_geo.prepare.prepare_roads` (metric CRS).
    centre_xy : tuple of float
        Reference centre (metres).
    settings : AddressingSettings
        Street and access settings.
    origin_hint : callable, optional
        As in :func:`parakou_geo.streets.build_streets`.

    Returns
    -------
    network : StreetNetwork
        Streets whose segments carry their ``access_rank``; each street's ``road_ids`` also
        lists its sidewalks and crossings.
    n_sidewalks : int
        Roads recognised as sidewalks or crossings (with ``assignment="access"``).
    """
    roads = roads.assign(access_rank=access_ranks(
        roads["road_class"] if "road_class" in roads.columns else None, len(roads)))
    sidewalk = find_sidewalks(roads, settings) if settings.assignment == "access" \
        else np.zeros(len(roads), dtype=bool)
    if sidewalk.all():
        sidewalk[:] = False  # nothing but footways: they are the streets
    net = build_streets(roads[~sidewalk].reset_index(drop=True), centre_xy=centre_xy,
                        settings=settings, origin_hint=origin_hint)
    if sidewalk.any():
        net = StreetNetwork(streets=attach_sidewalks(net.streets, net.segments, roads[sidewalk]),
                            segments=net.segments)
        logger.info("%d sidewalks and crossings are part of their street", int(sidewalk.sum()))
    return net, int(sidewalk.sum())
