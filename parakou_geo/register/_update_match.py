"""Private parts of register updates: reading the register's state and matching.

Streets of a new road layer are matched to the register's streets by shared length (an edited
street keeps its code, name, lock and origin); buildings are matched by id, or by footprint
overlap when the input has no ids.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyproj import CRS

from parakou_geo.access import street_network
from parakou_geo.codes import allocate_codes, assign_zones
from parakou_geo.numbering import StreetIndex
from parakou_geo.prepare import prepare_buildings
from parakou_geo.register._storage import TableLayout, create_indexes, read_features, table_layout
from parakou_geo.settings import AddressingSettings

_STREET_BUFFER_M = 5.0
_MIN_STREET_OVERLAP = 0.5
_MIN_FOOTPRINT_IOU = 0.5
_POINT_MATCH_M = 2.0
#: What numbering new doors needs of the streets table when the roads did not change.
_NUMBERING_STREET_COLUMNS = ("street_code", "street_name", "zone", "status", "locked")


@dataclass
class _Old:
    active_ids: pa.Array
    unaddressed_ids: set[str]
    streets: gpd.GeoDataFrame
    segments: gpd.GeoDataFrame
    footprints: gpd.GeoDataFrame | None
    zones: gpd.GeoDataFrame | None
    quartiers: gpd.GeoDataFrame | None
    layouts: dict[str, TableLayout]


def _active_ids(con: sqlite3.Connection) -> str | None:
    """Return the building ids of the active addresses joined by char(31) (SQL only).

    One joined string is much faster to move out of SQLite than 100,000 rows; the partial
    index ``addresses_active_building`` (created here when missing) holds exactly these ids.
    Being a single SQLite call, it runs without the GIL, beside other work.
    """
    create_indexes(con)
    joined: str | None = con.execute(
        "SELECT group_concat(building_id, char(31)) FROM addresses WHERE status IN "
        "('proposed', 'current')").fetchone()[0]
    return joined


def _load(
    con: sqlite3.Connection, joined: str | None, *, need_footprints: bool, roads_changed: bool
) -> _Old:
    """Read what an update needs of the register's present state.

    Unless the roads changed, streets are read without geometry and segments with only what
    numbering uses.
    """
    tables = {r[0] for r in con.execute("SELECT table_name FROM gpkg_contents")}
    listed = {r[0] for r in con.execute("SELECT building_id FROM unaddressed")}
    if roads_changed:
        streets, segments = read_features(con, "streets"), read_features(con, "segments")
    else:
        streets = read_features(con, "streets", columns=_NUMBERING_STREET_COLUMNS,
                                geometry=False)
        seg_cols = {r[1] for r in con.execute('PRAGMA table_info("segments")')}
        segments = read_features(con, "segments", columns=("street_code", "offset_m") + (
            ("access_rank",) if "access_rank" in seg_cols else ()))
    return _Old(
        active_ids=_split(joined),
        unaddressed_ids=listed,
        streets=streets,
        segments=segments,
        footprints=read_features(con, "buildings") if need_footprints else None,
        zones=read_features(con, "zones") if "zones" in tables else None,
        quartiers=read_features(con, "quartiers") if "quartiers" in tables else None,
        layouts={t: table_layout(con, t) for t in ("addresses", "buildings")},
    )


def _details(con: sqlite3.Connection, building_ids: set[str]) -> pd.DataFrame:
    """Full rows of the active addresses of some buildings."""
    cols = ["address_id", "building_id", "street_code", "label", "status"]
    if not building_ids:
        return pd.DataFrame(columns=cols, dtype=object)
    con.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (building_id TEXT PRIMARY KEY)")
    con.execute("DELETE FROM wanted")
    con.executemany("INSERT INTO wanted VALUES (?)", [(b,) for b in sorted(building_ids)])
    rows = con.execute(
        f"SELECT {', '.join('a.' + c for c in cols)} FROM wanted w CROSS JOIN addresses a "
        "ON a.building_id = w.building_id WHERE a.status IN ('proposed', 'current') "
        "ORDER BY a.street_code, a.number, a.suffix").fetchall()
    return pd.DataFrame(rows, columns=cols, dtype=object)


def _rebuild_streets(
    road_m: gpd.GeoDataFrame, old: _Old, s: AddressingSettings, centre: tuple[float, float],
    day: str,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, list[tuple[str, ...]]]:
    """Build streets from new roads; matched ones keep their code, name, lock and origin."""
    old_streets = old.streets.reset_index(drop=True)
    current = np.flatnonzero(old_streets["status"].to_numpy() == "current")
    old_geoms = np.asarray(old_streets.geometry.array)[current]
    matched: dict[str, np.ndarray] = {}

    def hint(geoms: np.ndarray) -> np.ndarray:
        match = _match_lines(geoms, old_geoms)
        matched["rows"] = np.where(match >= 0, current[np.maximum(match, 0)], -1)
        ref = np.tile(np.asarray(centre, dtype=float), (len(geoms), 1))
        hit = match >= 0
        ref[hit, 0] = old_streets["origin_x"].to_numpy()[matched["rows"][hit]]
        ref[hit, 1] = old_streets["origin_y"].to_numpy()[matched["rows"][hit]]
        return ref

    net, _ = street_network(road_m, centre_xy=centre, settings=s, origin_hint=hint)
    rows = matched.get("rows", np.full(len(net.streets), -1))
    is_old = rows >= 0
    # keep the measuring origin: shift offsets by where the old origin falls on the new line
    seg = net.segments.copy()
    shift = np.zeros(len(net.streets))
    if is_old.any():
        index = StreetIndex(seg)
        ox = old_streets["origin_x"].to_numpy()[np.maximum(rows, 0)][index.street]
        oy = old_streets["origin_y"].to_numpy()[np.maximum(rows, 0)][index.street]
        along, fx, fy, _ = index.project(np.column_stack([ox, oy]), np.arange(len(index.street)))
        gap = np.hypot(fx - ox, fy - oy)
        best = pd.DataFrame({"street": index.street, "gap": gap, "along": along}) \
            .sort_values(["street", "gap", "along"]).drop_duplicates("street")
        shift[best["street"].to_numpy()] = best["along"].to_numpy()
        shift[~is_old] = 0.0
    seg["offset_m"] = seg["offset_m"].to_numpy() - shift[seg["street"].to_numpy()]

    zone = assign_zones(net.streets, old.zones, default_zone=s.default_zone)
    codes = np.full(len(net.streets), None, dtype=object)
    codes[is_old] = old_streets["street_code"].to_numpy(dtype=object)[rows[is_old]]
    new_idx = np.flatnonzero(~is_old)
    if len(new_idx):
        used = old_streets["street_code"].astype(str).str.split(".", n=1, expand=True)
        top = used.assign(n=pd.to_numeric(used[1])).groupby(0)["n"].max()
        first = {str(z): int(n) + 1 for z, n in top.items()}
        sub = net.streets.iloc[new_idx]
        codes[new_idx] = allocate_codes(sub, zone.iloc[new_idx], centre_xy=centre, settings=s,
                                        first_number=first).to_numpy()
    keep_cols = ["street_name", "name_source", "locked", "street_type"]
    carried = old_streets[keep_cols].to_numpy(dtype=object)[np.maximum(rows, 0)]
    streets = gpd.GeoDataFrame(
        {
            "street_code": codes,
            "street_name": np.where(is_old, carried[:, 0], net.streets["name"].to_numpy(
                dtype=object)),
            "name_source": np.where(is_old, carried[:, 1], net.streets["name"].notna().map(
                {True: "input", False: None}).to_numpy(dtype=object)),
            "zone": np.where(is_old, np.array([str(c).split(".")[0] for c in codes],
                                              dtype=object), zone.to_numpy(dtype=object)),
            "length_m": np.round(net.streets["length_m"].to_numpy(), 1),
            "n_segments": net.streets["n_segments"].to_numpy(),
            "n_addresses": 0,
            "origin_x": np.where(is_old, old_streets["origin_x"].to_numpy()[np.maximum(rows, 0)],
                                 np.round(net.streets["origin_x"].to_numpy(), 2)),
            "origin_y": np.where(is_old, old_streets["origin_y"].to_numpy()[np.maximum(rows, 0)],
                                 np.round(net.streets["origin_y"].to_numpy(), 2)),
            "road_ids": net.streets["road_ids"].to_numpy(dtype=object),
            "status": "current",
            "locked": np.where(is_old, carried[:, 2], False).astype(bool),
            "street_type": np.where(is_old, carried[:, 3], None),
        },
        geometry=net.streets.geometry.values, crs=old.streets.crs,
    )
    gone = np.setdiff1d(current, rows[is_old])
    retired = old_streets.iloc[gone].copy()
    retired["status"] = "retired"
    streets = gpd.GeoDataFrame(pd.concat([streets, retired.drop(columns=[], errors="ignore")],
                                         ignore_index=True), crs=old.streets.crs)
    segments = gpd.GeoDataFrame(
        {"street_code": codes[seg["street"].to_numpy()], "offset_m": np.round(
            seg["offset_m"].to_numpy(), 3), "road_id": seg["road_id"].to_numpy(dtype=object),
         "access_rank": seg["access_rank"].to_numpy(dtype=np.int64)},
        geometry=seg.geometry.values, crs=old.streets.crs,
    )
    changes: list[tuple[str, ...]] = [
        ("street_added", "street", str(c), "", str(c), "", "new street") for c in codes[new_idx]
    ]
    changes += [
        ("street_retired", "street", str(c), "", str(c), "", "no longer in the road data")
        for c in retired["street_code"]
    ]
    return streets, segments, changes


def _match_lines(new: np.ndarray, old: np.ndarray) -> np.ndarray:
    """For each new line, the old line it continues (by shared length), or -1 (one-to-one)."""
    out = np.full(len(new), -1, dtype=np.int64)
    if len(new) == 0 or len(old) == 0:
        return out
    buffered = shapely.buffer(old, _STREET_BUFFER_M)
    ni, oi = shapely.STRtree(buffered).query(new, predicate="intersects")
    shared = shapely.length(shapely.intersection(new[ni], buffered[oi]))
    need = _MIN_STREET_OVERLAP * np.minimum(shapely.length(new[ni]), shapely.length(old[oi]))
    ok = shared >= need
    ni, oi, shared = ni[ok], oi[ok], shared[ok]
    used_old: set[int] = set()
    for k in np.lexsort((oi, ni, -np.round(shared, 3))):
        a, b = int(ni[k]), int(oi[k])
        if out[a] < 0 and b not in used_old:
            out[a] = b
            used_old.add(b)
    return out


@dataclass(frozen=True)
class BuildingMatch:
    """The new building layer matched against the register's buildings.

    Attributes
    ----------
    buildings : geopandas.GeoDataFrame
        The new building layer, as given.
    id_col : str or None
        Its building id column (None: matched by footprint overlap).
    new : geopandas.GeoDataFrame
        The buildings not in the register, prepared (metric CRS), to be numbered.
    dropped : geopandas.GeoDataFrame
        Features without a usable geometry (``building_id``, ``reason``).
    gone_ids : set of str
        Building ids of the register's active addresses absent from the new layer.
    method : str
        ``"building id"`` or ``"footprint overlap"``.
    """

    buildings: gpd.GeoDataFrame
    id_col: str | None
    new: gpd.GeoDataFrame
    dropped: gpd.GeoDataFrame
    gone_ids: set[str]
    method: str


def _match_buildings(
    buildings: gpd.GeoDataFrame,
    id_col: str | None,
    old: _Old,
    *,
    settings: AddressingSettings,
    metric: CRS,
    crs: str | None,
) -> BuildingMatch:
    """Match the new buildings with the register's (by id, else by footprint overlap)."""
    s, active_ids, footprints = settings, old.active_ids, old.footprints
    if id_col is not None:
        # set operations on 100,000s of ids, done by Arrow
        ids = id_keys(buildings[id_col])
        # position among the active, or null
        where = pc.index_in(ids, value_set=text_id_keys(active_ids))
        new = where.is_null().to_numpy(zero_copy_only=False)
        seen = np.zeros(len(active_ids), dtype=bool)
        seen[where.drop_null().to_numpy()] = True
        gone = set(active_ids.filter(pa.array(~seen)).to_pylist())
        cand_raw = buildings[new]
        cand, dropped, _ = prepare_buildings(cand_raw, settings=s, metric_crs=metric, crs=crs)
        return BuildingMatch(buildings, id_col, cand, dropped, gone, "building id")
    bld, dropped, _ = prepare_buildings(buildings, settings=s, metric_crs=metric, crs=crs)
    assert footprints is not None
    active = set(active_ids.to_pylist())
    fp = footprints[footprints["building_id"].astype(str).isin(active)]
    new_g = np.asarray(bld.geometry.array)
    old_g = np.asarray(fp.geometry.array)
    old_ids = fp["building_id"].astype(str).to_numpy()
    match = np.full(len(new_g), None, dtype=object)
    if len(new_g) and len(old_g):
        ni, oi = shapely.STRtree(old_g).query(new_g, predicate="dwithin",
                                              distance=_POINT_MATCH_M)
        inter = shapely.area(shapely.intersection(new_g[ni], old_g[oi]))
        union = shapely.area(shapely.union(new_g[ni], old_g[oi]))
        iou = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
        points = (shapely.get_type_id(new_g[ni]) == 0) | (shapely.get_type_id(old_g[oi]) == 0)
        score = np.where(points, 1.0 - shapely.distance(new_g[ni], old_g[oi]) / 10.0, iou)
        ok = np.where(points, True, iou >= _MIN_FOOTPRINT_IOU)
        ni, oi, score = ni[ok], oi[ok], score[ok]
        taken: set[int] = set()
        for k in np.lexsort((oi, ni, -np.round(score, 6))):
            a, b = int(ni[k]), int(oi[k])
            if match[a] is None and b not in taken:
                match[a] = old_ids[b]
                taken.add(b)
    matched = pd.notna(match)
    gone = active - set(match[matched])
    cand = bld[~matched].copy()
    cand["building_id"] = _fresh_ids(len(cand), set(old_ids) | active)
    return BuildingMatch(buildings, id_col, cand.reset_index(drop=True), dropped, gone,
                         "footprint overlap")


def id_keys(column: pd.Series) -> pa.Array:
    """Return building ids as matching keys: ``1``, ``1.0`` and ``"1.0"`` are one building.

    Integral floats lose their ``.0`` (a column read as float in one survey and as integer in
    the next keeps matching); text ids stay text, so zero-padded ``000123`` stays distinct from
    ``123``. Surrounding spaces are ignored.
    """
    if pd.api.types.is_float_dtype(column.dtype):
        values = column.to_numpy(dtype=float, na_value=np.nan)
        whole = np.isfinite(values) & (values == np.round(values))
        text = [None if v != v else (str(int(v)) if w else repr(v))
                for v, w in zip(values.tolist(), whole.tolist(), strict=True)]
        return pa.array(text, type=pa.string())
    if pd.api.types.is_integer_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype):
        return pc.cast(pa.array(column, from_pandas=True), pa.string())
    values = column.to_numpy(dtype=object)
    missing = pd.isna(column).to_numpy()
    cells = [None if m else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
             for v, m in zip(values.tolist(), missing.tolist(), strict=True)]
    return text_id_keys(pa.array(cells, type=pa.string()))


def text_id_keys(ids: pa.Array) -> pa.Array:
    """Return the matching keys of ids stored as text (see :func:`id_keys`)."""
    ids = pc.utf8_trim_whitespace(pc.cast(ids, pa.string()))
    return pc.replace_substring_regex(ids, r"^(-?[0-9]+)\.0+$", r"\1")


def _split(joined: str | None) -> pa.Array:
    """Return the ids of a ``group_concat(..., char(31))`` as an Arrow string array."""
    if not joined:
        return pa.array([], type=pa.string())
    return pc.split_pattern(pa.array([joined]), "\x1f")[0].values


def _text(values: object) -> np.ndarray:
    """Sort keys as plain strings, missing values as ''."""
    return np.array(["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
                     for v in values], dtype=str)  # type: ignore[attr-defined]


def _fresh_ids(n: int, used: set[str]) -> list[str]:
    top = max((int(i[1:]) for i in used if i[:1] == "b" and i[1:].isdigit()), default=0)
    return [f"b{top + k + 1:07d}" for k in range(n)]
