"""The packed spatial indexes of the register: SQLite's own format, entries and triggers."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely

from parakou_geo import address, write_register
from parakou_geo.datasets import load_sample
from parakou_geo.register._rtree import _boxes as rounded_boxes
from parakou_geo.register._rtree import _pack, add_spatial_index
from parakou_geo.register._storage import connect

QUERIES = [(500_100, 500_300, 500_200, 500_900), (503_000, 503_050, 509_000, 509_999),
           (0, 1e9, 0, 1e9), (499_000, 499_500, 499_000, 499_500)]


def _boxes(n: int, seed: int) -> np.ndarray:
    """Random boxes (minx, miny, maxx, maxy) in UTM-like coordinates, some of zero size."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 10_000, (n, 2)) + 500_000
    size = rng.uniform(0, 12, (n, 2)) * (rng.random((n, 1)) > 0.2)
    return np.column_stack([xy, xy + size])


def _rtree(con: sqlite3.Connection, name: str) -> None:
    con.execute(f"CREATE VIRTUAL TABLE {name} USING rtree(id, minx, maxx, miny, maxy)")


@pytest.mark.parametrize(("n", "contiguous"), [(1, True), (40, False), (51, True), (52, True),
                                               (3000, True), (3000, False), (140_000, True)])
def test_packed_tree_is_what_sqlite_builds(tmp_path: Path, n: int, contiguous: bool) -> None:
    """Same entries (rounding included), SQLite's rtreecheck passes, same query answers."""
    bounds = _boxes(n, seed=n)
    rng = np.random.default_rng(n + 1)
    ids = np.arange(1, n + 1) if contiguous else rng.choice(10 * n, n, replace=False) + 7
    ref = sqlite3.connect(tmp_path / "ref.db")
    _rtree(ref, "r")
    ref.executemany("INSERT INTO r VALUES (?, ?, ?, ?, ?)",
                    zip(ids.tolist(), bounds[:, 0].tolist(), bounds[:, 2].tolist(),
                        bounds[:, 1].tolist(), bounds[:, 3].tolist(), strict=True))
    ref.commit()
    ours = sqlite3.connect(tmp_path / "ours.db", isolation_level=None)
    _rtree(ours, "r")
    ours.execute("BEGIN")
    _pack(ours, "r", ids[::-1].copy(), rounded_boxes(bounds[::-1]))  # input order does not matter
    ours.execute("COMMIT")
    ours.close()
    ours = sqlite3.connect(tmp_path / "ours.db")  # a new connection: no cached nodes
    assert ours.execute("SELECT rtreecheck('r')").fetchone() == ("ok",)
    assert ours.execute("SELECT * FROM r ORDER BY id").fetchall() == \
        ref.execute("SELECT * FROM r ORDER BY id").fetchall()
    where = "SELECT id FROM r WHERE maxx >= ? AND minx <= ? AND maxy >= ? AND miny <= ? " \
            "ORDER BY id"
    answers = 0
    for q in QUERIES:
        got = ours.execute(where, q).fetchall()
        assert got == ref.execute(where, q).fetchall()
        answers += len(got)
    assert answers >= n  # the whole-extent query finds everything
    depth = int.from_bytes(ours.execute("SELECT data FROM r_node WHERE nodeno = 1")
                           .fetchone()[0][:2], "big")
    assert depth == next(d for d in range(6) if 51 ** (d + 1) >= n)  # full nodes of 51
    # the index stays usable: SQLite's own inserts and deletes go on from the packed tree
    ours.execute("INSERT INTO r VALUES (?, ?, ?, ?, ?)", (10**9, 1.0, 2.0, 3.0, 4.0))
    ours.execute("DELETE FROM r WHERE id = ?", (int(ids[0]),))
    assert ours.execute("SELECT rtreecheck('r')").fetchone() == ("ok",)
    assert ours.execute("SELECT count(*) FROM r").fetchone() == (n,)


def test_empty_layer_keeps_the_empty_root(tmp_path: Path) -> None:
    path = tmp_path / "empty.gpkg"
    import geopandas as gpd

    pyogrio.write_dataframe(gpd.GeoDataFrame({"a": []}, geometry=[], crs="EPSG:32631"), path,
                            layer="t", geometry_type="Point",
                            layer_options={"SPATIAL_INDEX": "NO"})
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("BEGIN")
    add_spatial_index(con, "t", "geom", np.array([], dtype=object), "Point")
    con.execute("COMMIT")
    assert con.execute("SELECT rtreecheck('rtree_t_geom')").fetchone() == ("ok",)
    assert pyogrio.read_info(path, layer="t")["capabilities"]["fast_spatial_filter"]


def test_rows_deleted_before_the_index_are_left_out(tmp_path: Path) -> None:
    """Feature ids with gaps (rows deleted after GDAL wrote them) and a row count that does
    not match the geometries given: the ids are read from the table, the mismatch refused."""
    import geopandas as gpd

    path = tmp_path / "gaps.gpkg"
    points = shapely.points(np.arange(5.0) * 10 + 452_000, np.arange(5.0) + 1_030_000)
    pyogrio.write_dataframe(gpd.GeoDataFrame({"a": range(5)}, geometry=points,
                                             crs="EPSG:32631"), path, layer="t",
                            layer_options={"SPATIAL_INDEX": "NO"})
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("DELETE FROM t WHERE fid = 3")
    assert con.execute("SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = 't'"
                       ).fetchone() == (4,)  # GDAL's triggers keep its count
    con.execute("BEGIN")
    with pytest.raises(sqlite3.DatabaseError, match="4 rows written for 5 geometries"):
        add_spatial_index(con, "t", "geom", np.asarray(points), "Point")
    con.execute("ROLLBACK")
    con.execute("BEGIN")
    add_spatial_index(con, "t", "geom", np.asarray(points)[[0, 1, 3, 4]], "Point")
    con.execute("COMMIT")
    assert con.execute("SELECT rtreecheck('rtree_t_geom')").fetchone() == ("ok",)
    assert [r[0] for r in con.execute("SELECT id FROM rtree_t_geom ORDER BY id")] == [1, 2, 4, 5]
    # without GDAL's count, the rows are counted
    con.execute("UPDATE gpkg_ogr_contents SET feature_count = NULL")
    from parakou_geo.register._rtree import _feature_count

    assert _feature_count(con, "t") == 4


@pytest.fixture(scope="module")
def register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sample = load_sample()
    res = address(sample["roads"], sample["buildings"], zones=sample["zones"],
                  run_date=dt.date(2026, 11, 29))
    out = tmp_path_factory.mktemp("rtree") / "register.gpkg"
    write_register(res.register, out)
    return out


def _triggers(con: sqlite3.Connection, table: str) -> list[str]:
    rows = con.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE ? "
                       "ORDER BY name", (f"rtree_{table}_geom%",)).fetchall()
    return [str(r[0]).replace(f'"{table}"', '"T"').replace(f"rtree_{table}_geom", "rtree_T")
            for r in rows]


@pytest.mark.parametrize("table", ["addresses", "buildings"])
def test_register_index_holds_every_stored_geometry(register: Path, table: str) -> None:
    """Each feature's box, read from its stored blob, is in the index; nothing else is."""
    con = connect(register)
    assert con.execute(f"SELECT rtreecheck('rtree_{table}_geom')").fetchone() == ("ok",)
    _rtree(con, "temp.expected")
    con.execute(f"INSERT INTO temp.expected SELECT fid, ST_MinX(geom), ST_MaxX(geom), "
                f"ST_MinY(geom), ST_MaxY(geom) FROM {table} WHERE NOT ST_IsEmpty(geom)")
    got = con.execute(f"SELECT * FROM rtree_{table}_geom ORDER BY id").fetchall()
    assert len(got) == con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 2000
    assert got == con.execute("SELECT * FROM temp.expected ORDER BY id").fetchall()
    # the triggers and the extension row are GDAL's, as on the layers GDAL indexed itself
    assert _triggers(con, table) == _triggers(con, "streets")
    assert len(_triggers(con, table)) == 6
    assert con.execute("SELECT scope FROM gpkg_extensions WHERE table_name = ? AND "
                       "extension_name = 'gpkg_rtree_index'", (table,)).fetchall() == \
        [("write-only",)]
    info = pyogrio.read_info(register, layer=table)
    assert info["capabilities"]["fast_spatial_filter"]


def test_gdal_spatial_filter_uses_the_index(register: Path) -> None:
    """A bbox read through GDAL returns exactly the features whose geometry meets the box."""
    full = pyogrio.read_dataframe(register, layer="buildings")
    x0, y0, x1, y1 = full.total_bounds
    box = (x0 + (x1 - x0) * 0.3, y0 + (y1 - y0) * 0.3, x0 + (x1 - x0) * 0.6,
           y0 + (y1 - y0) * 0.5)
    part = pyogrio.read_dataframe(register, layer="buildings", bbox=box)
    expected = full[shapely.intersects(full.geometry.values, shapely.box(*box))]
    assert 0 < len(part) < len(full)
    assert sorted(part["building_id"]) == sorted(expected["building_id"])


def test_triggers_keep_the_packed_index_current(tmp_path: Path, register: Path) -> None:
    copy = tmp_path / "copy.gpkg"
    copy.write_bytes(register.read_bytes())
    con = connect(copy)
    con.execute("BEGIN")
    con.execute("INSERT INTO buildings (building_id, geom) SELECT 'new', geom FROM buildings "
                "WHERE fid = 1")
    con.execute("DELETE FROM buildings WHERE fid = 2")
    con.execute("COMMIT")
    assert con.execute("SELECT rtreecheck('rtree_buildings_geom')").fetchone() == ("ok",)
    assert con.execute("SELECT count(*) FROM rtree_buildings_geom").fetchone() == \
        con.execute("SELECT count(*) FROM buildings").fetchone()
    new = con.execute("SELECT fid FROM buildings WHERE building_id = 'new'").fetchone()[0]
    assert con.execute("SELECT count(*) FROM rtree_buildings_geom WHERE id = ?",
                       (new,)).fetchone() == (1,)
    assert con.execute("SELECT count(*) FROM rtree_buildings_geom WHERE id = 2").fetchone() \
        == (0,)


@pytest.mark.parametrize("per_node", [51, 7])
def test_a_plan_made_before_the_rows_are_written_gives_the_same_index(
        tmp_path: Path, per_node: int) -> None:
    """The tree packed while GDAL writes the layer (``plan_spatial_index``) is the tree packed
    from the written layer; a plan for another node size (a file of small pages) is packed
    again. Missing and empty geometries get no entry; the others keep their feature ids."""
    import geopandas as gpd

    from parakou_geo.register._rtree import plan_spatial_index

    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 5_000, (700, 2)) + np.array([452_000.0, 1_026_000.0])
    geoms = np.asarray(shapely.buffer(shapely.points(xy), rng.uniform(1, 9, len(xy))))
    geoms[10], geoms[11] = None, shapely.Polygon()
    entries = {}
    for name, given in (("plan", plan_spatial_index(geoms, per_node=per_node)),
                        ("geoms", geoms)):
        path = tmp_path / f"{name}.gpkg"
        pyogrio.write_dataframe(gpd.GeoDataFrame({"a": range(len(geoms))}, geometry=geoms,
                                                 crs="EPSG:32631"), path, layer="t",
                                geometry_type="Unknown", layer_options={"SPATIAL_INDEX": "NO"})
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("BEGIN")
        add_spatial_index(con, "t", "geom", given, "Unknown")
        con.execute("COMMIT")
        assert con.execute("SELECT rtreecheck('rtree_t_geom')").fetchone() == ("ok",)
        entries[name] = con.execute("SELECT * FROM rtree_t_geom ORDER BY id").fetchall()
        nodes = con.execute("SELECT nodeno, data FROM rtree_t_geom_node ORDER BY nodeno")
        entries[name + " nodes"] = nodes.fetchall()
        con.close()
    assert entries["plan"] == entries["geoms"]
    assert entries["plan nodes"] == entries["geoms nodes"]  # the very same tree
    assert [row[0] for row in entries["plan"]] == [i + 1 for i in range(700) if i not in (10, 11)]
