"""Road segments → streets, each oriented in its direction of progression.

Connected segments with the same name form one street. Unnamed segments are chained through
junctions by continuity (COINS-style strokes: at each junction, the pairs of segments with the
smallest deflection angle, below a threshold, continue each other). Each street gets an origin
(its end nearest the reference centre) and every segment gets its distance from that origin
along the street, so door numbers can be measured on forked streets too.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parakou_geo._crs import require_metric
from parakou_geo._lines import cluster_points, junction_cuts, split_at_measures
from parakou_geo._street_graphs import components, distances_from
from parakou_geo.settings import AddressingSettings

__all__ = ["SPUR_MAX_M", "StreetNetwork", "build_streets", "name_key", "spur_segments"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

_DIRECTION_SAMPLE_M = 10.0


@dataclass(frozen=True)
class StreetNetwork:
    """Streets and the oriented segments they are made of (metric CRS).

    Attributes
    ----------
    streets : geopandas.GeoDataFrame
        One row per street, index ``0..n-1`` in canonical order: ``name`` (None when unnamed),
        ``name_key``, ``length_m``, ``n_segments``, ``road_ids``, ``origin_x``, ``origin_y``
        and the merged, oriented ``geometry`` (LineString, MultiLineString for forked streets).
    segments : geopandas.GeoDataFrame
        One row per segment: ``street`` (row of ``streets``), ``road_id``, ``offset_m``
        (distance from the street origin to the segment start along the street),
        ``length_m``, ``access_rank`` (when the roads have one, see
        :mod:`parakou_geo.access`) and the oriented LineString ``geometry``.
    """

    streets: gpd.GeoDataFrame
    segments: gpd.GeoDataFrame


def name_key(name: object) -> str | None:
    """Return the comparison key of a street name: case, accents and spacing ignored.

    Examples
    --------
    >>> name_key("  Rue  du Marché ")
    'rue du marche'
    """
    if not isinstance(name, str):
        return None
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split()) or None


OriginHint = Callable[[np.ndarray], np.ndarray]


def build_streets(
    roads: gpd.GeoDataFrame,
    *,
    centre_xy: tuple[float, float],
    settings: AddressingSettings | None = None,
    origin_hint: OriginHint | None = None,
) -> StreetNetwork:
    """Group road segments into oriented streets.

    Parameters
    ----------
    roads : geopandas.GeoDataFrame
        LineStrings in a metric CRS (EPSG:32631 by default) with ``road_id`` and ``name``
        columns, as returned by :func:`parakou_geo.prepare.prepare_roads`.
    centre_xy : tuple of float
        Reference centre (metres, same CRS); each street's origin is its end nearest to it.
    settings : AddressingSettings, optional
        ``snap_tolerance_m`` and ``stroke_max_deflection_deg``.
    origin_hint : callable, optional
        Given the streets' unoriented geometries (one per street, metric CRS), returns an
        ``(n, 2)`` array of reference points: each street's origin is its end nearest its own
        reference point instead of ``centre_xy`` (used by register updates to keep an existing
        street's origin).

    Returns
    -------
    StreetNetwork
        Streets and oriented segments.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> roads = gpd.GeoDataFrame(
    ...     {"road_id": ["a", "b"], "name": ["Rue X", "Rue X"]},
    ...     geometry=[shapely.LineString([(0, 0), (50, 0)]),
    ...               shapely.LineString([(100, 0), (50, 0)])], crs=32631)
    >>> net = build_streets(roads, centre_xy=(0.0, 0.0))
    >>> len(net.streets), float(net.streets.length_m.iloc[0])
    (1, 100.0)
    """
    s = settings or AddressingSettings()
    require_metric(roads, "roads")
    lines = np.asarray(roads.geometry.array)
    li, m = junction_cuts(lines, snap_tolerance_m=s.snap_tolerance_m)
    pieces, parent = split_at_measures(lines, li, m, min_piece_m=min(0.01, s.snap_tolerance_m))
    names = roads["name"].to_numpy(dtype=object)[parent] if "name" in roads.columns \
        else np.full(len(pieces), None, dtype=object)
    keys = np.array([name_key(n) for n in pd.unique(names)], dtype=object)
    key_of = dict(zip(pd.unique(names), keys, strict=True))
    piece_keys = np.array([key_of[n] for n in names], dtype=object)
    road_ids = roads["road_id"].astype(str).to_numpy()[parent]
    ranks = roads["access_rank"].to_numpy(dtype=np.int64)[parent] \
        if "access_rank" in roads.columns else None

    start_xy = shapely.get_coordinates(shapely.get_point(pieces, 0))
    end_xy = shapely.get_coordinates(shapely.get_point(pieces, -1))
    n = len(pieces)
    node = cluster_points(np.concatenate([start_xy, end_xy]), s.snap_tolerance_m)
    u, v = node[:n], node[n:]
    street = _group(pieces, piece_keys, u, v, s.stroke_max_deflection_deg)
    n_streets = int(street.max()) + 1 if n else 0
    reference = np.tile(np.asarray(centre_xy, dtype=float), (n_streets, 1))
    if origin_hint is not None and n_streets:
        by_street = np.argsort(street, kind="stable")
        unoriented = shapely.line_merge(
            shapely.multilinestrings(pieces[by_street], indices=street[by_street]))
        reference = np.asarray(origin_hint(np.asarray(unoriented)), dtype=float)
        if reference.shape != (n_streets, 2):
            raise ValueError(f"origin_hint must return {n_streets} (x, y) points")
    seg = _orient(pieces, street, u, v, np.concatenate([start_xy, end_xy]), node, reference)
    segments = gpd.GeoDataFrame(
        {
            "street": street,
            "road_id": road_ids,
            "offset_m": seg["offset"],
            "length_m": shapely.length(seg["geometry"]),
        },
        geometry=gpd.GeoSeries(seg["geometry"], crs=roads.crs).values,
    )
    if ranks is not None:
        segments["access_rank"] = ranks
    order = np.lexsort((segments["offset_m"].to_numpy(), street))
    segments = segments.iloc[order].reset_index(drop=True)
    streets = _street_table(segments, names[order], piece_keys[order], seg["origin"], roads.crs)
    logger.info("%d road features → %d segments → %d streets", len(roads), n, len(streets))
    return StreetNetwork(streets=streets, segments=segments)


def _group(
    pieces: np.ndarray, keys: np.ndarray, u: np.ndarray, v: np.ndarray, max_deflection: float
) -> np.ndarray:
    """Return a street label per piece, numbered by the first piece of each street."""
    n = len(pieces)
    named = np.array([k is not None for k in keys])
    # named: pieces sharing a node and a name key are linked through a (node, key) vertex
    ends_piece = np.concatenate([np.arange(n), np.arange(n)])[np.concatenate([named, named])]
    ends_node = np.concatenate([u, v])[np.concatenate([named, named])]
    ends_key = np.concatenate([keys, keys])[np.concatenate([named, named])]
    pair = pd.factorize(pd.MultiIndex.from_arrays([ends_node, ends_key.astype(str)]))[0] \
        if len(ends_piece) else np.zeros(0, dtype=np.int64)
    rows = [ends_piece]
    cols = [n + pair]
    # unnamed: strokes through junctions
    a, b = _stroke_links(pieces, ~named, u, v, max_deflection)
    rows.append(a)
    cols.append(b)
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    size = n + (int(pair.max()) + 1 if len(pair) else 0)
    # numbered by their smallest node: a piece, since every (node, key) vertex links pieces
    return components(size, r, c)[:n]


def _stroke_links(
    pieces: np.ndarray, unnamed: np.ndarray, u: np.ndarray, v: np.ndarray, max_deflection: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of unnamed pieces that continue each other through a junction (best fit first)."""
    idx = np.flatnonzero(unnamed)
    if len(idx) < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    p = pieces[idx]
    length = shapely.length(p)
    step = np.minimum(_DIRECTION_SAMPLE_M, length)
    start = shapely.get_coordinates(shapely.get_point(p, 0))
    end = shapely.get_coordinates(shapely.get_point(p, -1))
    near_start = shapely.get_coordinates(shapely.line_interpolate_point(p, step))
    near_end = shapely.get_coordinates(shapely.line_interpolate_point(p, length - step))
    ends = pd.DataFrame(
        {
            "piece": np.concatenate([idx, idx]),
            "node": np.concatenate([u[idx], v[idx]]),
            "dx": np.concatenate([near_start[:, 0] - start[:, 0], near_end[:, 0] - end[:, 0]]),
            "dy": np.concatenate([near_start[:, 1] - start[:, 1], near_end[:, 1] - end[:, 1]]),
        }
    )
    ends["slot"] = np.arange(len(ends))
    pairs = ends.merge(ends, on="node", suffixes=("_a", "_b"))
    pairs = pairs[(pairs["slot_a"] < pairs["slot_b"]) & (pairs["piece_a"] != pairs["piece_b"])]
    if pairs.empty:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    dot = pairs["dx_a"] * pairs["dx_b"] + pairs["dy_a"] * pairs["dy_b"]
    norm = np.hypot(pairs["dx_a"], pairs["dy_a"]) * np.hypot(pairs["dx_b"], pairs["dy_b"])
    cos: np.ndarray = np.clip(dot / np.where(norm > 0, norm, 1.0), -1.0, 1.0)
    deflection = 180.0 - np.degrees(np.arccos(cos))
    pairs = pairs.assign(deflection=np.round(deflection.to_numpy(), 9))
    pairs = pairs[pairs["deflection"] < max_deflection]
    pairs = pairs.sort_values(["deflection", "node", "slot_a", "slot_b"], kind="stable")
    used = np.zeros(len(ends), dtype=bool)
    keep_a: list[int] = []
    keep_b: list[int] = []
    # greedy best-fit matching of junction slots (plain integers, not geometries)
    for sa, sb, pa, pb in zip(
        pairs["slot_a"].to_numpy(), pairs["slot_b"].to_numpy(),
        pairs["piece_a"].to_numpy(), pairs["piece_b"].to_numpy(), strict=True,
    ):
        if not used[sa] and not used[sb]:
            used[sa] = used[sb] = True
            keep_a.append(int(pa))
            keep_b.append(int(pb))
    return np.asarray(keep_a, dtype=np.int64), np.asarray(keep_b, dtype=np.int64)


def _orient(
    pieces: np.ndarray,
    street: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    end_xy: np.ndarray,
    node: np.ndarray,
    reference: np.ndarray,
) -> dict[str, np.ndarray]:
    """Orient pieces away from each street's origin; return geometry, offset and origins."""
    n = len(pieces)
    node_xy = np.zeros((int(node.max()) + 1, 2))
    node_xy[node[::-1]] = end_xy[::-1]  # coordinates of each node's first end point
    # street-local nodes
    local = pd.factorize(pd.MultiIndex.from_arrays([np.concatenate([street, street]),
                                                    np.concatenate([u, v])]))[0]
    lu, lv = local[:n], local[n:]
    n_local = int(local.max()) + 1
    local_street = np.zeros(n_local, dtype=np.int64)
    local_street[local] = np.concatenate([street, street])
    local_node = np.zeros(n_local, dtype=np.int64)
    local_node[local] = np.concatenate([u, v])
    degree = np.bincount(local, minlength=n_local)
    ref = reference[local_street]
    dist_c = np.round(np.hypot(node_xy[local_node, 0] - ref[:, 0],
                               node_xy[local_node, 1] - ref[:, 1]), 6)
    order = np.lexsort((local_node, dist_c, degree != 1, local_street))
    first = np.r_[True, local_street[order][1:] != local_street[order][:-1]]
    origins = order[first]  # one per street, in street order
    length = shapely.length(pieces)
    not_loop = lu != lv
    a, b = np.minimum(lu, lv)[not_loop], np.maximum(lu, lv)[not_loop]
    w = pd.DataFrame({"a": a, "b": b, "w": length[not_loop]}).groupby(["a", "b"])["w"].min()
    dist = distances_from(n_local, w.index.get_level_values(0).to_numpy(),
                          w.index.get_level_values(1).to_numpy(), w.to_numpy(), origins)
    du, dv = dist[lu], dist[lv]
    flip = dv < du
    geoms = np.asarray(pieces).copy()
    geoms[flip] = shapely.reverse(geoms[flip])
    offset = np.where(flip, dv, du)
    origin_xy = node_xy[local_node[origins]]
    return {"geometry": geoms, "offset": offset, "origin": origin_xy}


def _street_table(
    segments: gpd.GeoDataFrame,
    names: np.ndarray,
    keys: np.ndarray,
    origin_xy: np.ndarray,
    crs: object,
) -> gpd.GeoDataFrame:
    street = segments["street"].to_numpy()
    geoms = np.asarray(segments.geometry.array)
    merged = shapely.line_merge(shapely.multilinestrings(geoms, indices=street), directed=True)
    grouped = segments.groupby("street", sort=True)
    road_ids = grouped["road_id"].agg(lambda s: ";".join(sorted(set(s))))
    first = np.r_[True, street[1:] != street[:-1]]
    table = pd.DataFrame(
        {
            "name": names[first],
            "name_key": keys[first],
            "length_m": grouped["length_m"].sum().to_numpy(),
            "n_segments": grouped.size().to_numpy(),
            "road_ids": road_ids.to_numpy(),
            "origin_x": origin_xy[:, 0],
            "origin_y": origin_xy[:, 1],
        }
    )
    return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(merged, crs=crs).values)


#: Longest side branch (metres) of a street that doors are not measured along (see
#: :func:`spur_segments`): Munich's pedestrian streets carry 6-9 m connectors under their own
#: name; a real side street is longer than a building's depth.
SPUR_MAX_M = 25.0


def spur_segments(segments: gpd.GeoDataFrame, max_length_m: float = SPUR_MAX_M) -> np.ndarray:
    """Flag the segments that are short side branches of their street.

    A branch is shorter than ``max_length_m``, has one free end and its other end on a
    junction where at least three segments of the same street meet. The last stretch of a
    street after a crossing is not a branch (its junction joins only two of its segments).

    Parameters
    ----------
    segments : geopandas.GeoDataFrame
        Segments with a ``street`` column (one LineString each).
    max_length_m : float
        Longest branch, in metres.

    Returns
    -------
    numpy.ndarray of bool
        One flag per segment.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> lines = [shapely.LineString([(0, 0), (50, 0)]), shapely.LineString([(50, 0), (100, 0)]),
    ...          shapely.LineString([(50, 0), (50, 8)]), shapely.LineString([(100, 0), (108, 0)])]
    >>> segs = gpd.GeoDataFrame({"street": [0, 0, 0, 1]}, geometry=lines, crs=32631)
    >>> spur_segments(segs).tolist()
    [False, False, True, False]
    """
    geoms = np.asarray(segments.geometry.array)
    n = len(geoms)
    if n == 0:
        return np.zeros(0, dtype=bool)
    ends = np.vstack([shapely.get_coordinates(shapely.get_point(geoms, 0)),
                      shapely.get_coordinates(shapely.get_point(geoms, -1))])
    if len(ends) != 2 * n:  # a segment that is not a single line: no branch test
        return np.zeros(n, dtype=bool)
    key = pd.DataFrame({"street": np.tile(segments["street"].to_numpy(), 2),
                        "x": np.round(ends[:, 0], 2), "y": np.round(ends[:, 1], 2)})
    degree = key.groupby(["street", "x", "y"])["x"].transform("size").to_numpy()
    start, end = degree[:n], degree[n:]
    free_end = ((start == 1) & (end >= 3)) | ((end == 1) & (start >= 3))
    spur: np.ndarray = free_end & (shapely.length(geoms) < max_length_m)
    return spur
