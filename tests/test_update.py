"""Register updates: numbers never change, retired numbers are never reused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from conftest import lines, lonlat, shared_file, shift, squares
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parakou_geo import AddressingSettings, address, write_register
from parakou_geo.register.update import update_register

D0, D1 = dt.date(2026, 1, 10), dt.date(2026, 6, 1)
GRID = [
    [(0, 0), (300, 0)], [(0, 120), (300, 120)], [(0, 0), (0, 120)], [(150, 0), (150, 120)],
    [(300, 0), (300, 120)],
]
NAMES = ["Rue Sud", "Rue Nord", "Rue Ouest", "Rue Milieu", "Rue Est"]
SETTINGS = AddressingSettings(centre=lonlat((-500, -500)))


def _register(tmp: Path, bld: gpd.GeoDataFrame, roads: gpd.GeoDataFrame | None = None,
              s: AddressingSettings = SETTINGS) -> Path:
    res = address(lines(*GRID, names=NAMES) if roads is None else roads, bld, settings=s,
                  run_date=D0)
    path = tmp / "register.gpkg"
    write_register(res.register, path)
    return path


def _addresses(path: Path) -> pd.DataFrame:
    return pd.DataFrame(pyogrio.read_dataframe(path, layer="addresses", read_geometry=False))


def _code(path: Path, name: str = "Rue Sud") -> str:
    streets = pyogrio.read_dataframe(path, layer="streets", read_geometry=False)
    return str(streets.loc[streets["street_name"] == name, "street_code"].iloc[0])


def _buildings(points: list[tuple[float, float]], ids: list[str]) -> gpd.GeoDataFrame:
    b = squares(points, size=3.0)
    b["building_id"] = ids
    return b


def test_new_buildings_are_numbered_and_existing_numbers_kept(tmp_path: Path) -> None:
    bld = _buildings([(40, 10), (80, 10), (80, -10)], ["a", "b", "c"])
    path = _register(tmp_path, bld)
    before = _addresses(path).set_index("building_id")
    sud = _code(path)
    assert before.loc["b", "label"] == f"81 Rue {sud}"  # Rue Sud starts at (0, 0)
    # d is 0.6 m from b along the street: same number, so it gets "bis"; e is new elsewhere
    new = pd.concat([bld, _buildings([(80.6, 25), (200, 10)], ["d", "e"])], ignore_index=True)
    rep = update_register(path, lines(*GRID, names=NAMES), new, run_date=D1,
                          changes_csv=tmp_path / "changes.csv")
    after = _addresses(path).set_index("building_id")
    assert rep.match_method == "building id"
    assert not rep.roads_changed
    assert rep.counts["added"] == 2
    assert rep.counts["kept"] == 3
    for b in "abc":
        assert after.loc[b, "label"] == before.loc[b, "label"]
        assert after.loc[b, "address_id"] == before.loc[b, "address_id"]
    assert after.loc["d", "label"] == f"81 bis Rue {sud}"
    assert after.loc["e", "label"] == f"201 Rue {sud}"
    assert after.loc["d", "created"] == D1.isoformat()
    changes = pd.read_csv(tmp_path / "changes.csv", dtype=str)
    assert sorted(changes.loc[changes["change"] == "address_added", "building_id"]) == ["d", "e"]


def test_gone_buildings_are_retired_and_their_numbers_never_reused(tmp_path: Path) -> None:
    bld = _buildings([(40, 10), (80, 10)], ["a", "b"])
    path = _register(tmp_path, bld)
    update_register(path, lines(*GRID, names=NAMES), bld.iloc[:1], run_date=D1)
    a = _addresses(path).set_index("building_id")
    assert a.loc["b", "status"] == "retired"
    assert a.loc["b", "retired"] == D1.isoformat()
    # a new building where b stood gets the next suffix: 81 is retired, never reused
    update_register(path, lines(*GRID, names=NAMES),
                    pd.concat([bld.iloc[:1], _buildings([(80, 10)], ["b2"])]), run_date=D1)
    a = _addresses(path).set_index("building_id")
    assert a.loc["b2", "label"] == f"81 bis Rue {_code(path)}"
    assert a.loc["b", "label"] == f"81 Rue {_code(path)}"
    history = pyogrio.read_dataframe(path, layer="history")
    retired = history[(history["object_id"] == a.loc["b", "address_id"])]
    assert retired["new_value"].tolist() == ["retired"]


def test_matching_by_footprint_overlap_when_there_are_no_ids(tmp_path: Path) -> None:
    bld = squares([(40, 10), (80, 10), (120, -10)], size=6.0).drop(columns="building_id")
    path = _register(tmp_path, bld)
    before = _addresses(path)
    moved = bld.copy()
    moved["geometry"] = moved.translate(0.8, 0.3)  # every footprint nudged by < 1 m
    new = pd.concat([moved.iloc[1:], squares([(220, 10)], size=6.0).drop(
        columns="building_id")], ignore_index=True)
    rep = update_register(path, lines(*GRID, names=NAMES), new, run_date=D1)
    after = _addresses(path)
    assert rep.match_method == "footprint overlap"
    kept = after.merge(before, on="address_id", suffixes=("", "_b"))
    assert (kept["label"] == kept["label_b"]).all()
    assert rep.counts == {**rep.counts, "added": 1, "retired": 1, "kept": 2}


def test_edited_street_keeps_code_and_new_street_gets_next_code(tmp_path: Path) -> None:
    bld = _buildings([(40, 10), (200, 10)], ["a", "b"])
    path = _register(tmp_path, bld)
    streets0 = pyogrio.read_dataframe(path, layer="streets").set_index("street_name")
    # Rue Sud redrawn with a bend, and a new street north of the grid
    grid = [[(0, 0), (150, 2), (300, 0)], *GRID[1:], [(0, 120), (0, 300)]]
    new = pd.concat([bld, _buildings([(10, 250)], ["n"])], ignore_index=True)
    rep = update_register(path, lines(*grid, names=[*NAMES, "Rue Neuve"]), new, run_date=D1)
    assert rep.roads_changed
    streets1 = pyogrio.read_dataframe(path, layer="streets").set_index("street_name")
    assert streets1.loc["Rue Sud", "street_code"] == streets0.loc["Rue Sud", "street_code"]
    top = max(int(c.split(".")[1]) for c in streets0["street_code"])
    assert streets1.loc["Rue Neuve", "street_code"] == f"1.{top + 1:03d}"
    a = _addresses(path).set_index("building_id")
    assert a.loc["a", "label"] == f"41 Rue {_code(path)}"
    assert a.loc["n", "street_code"] == f"1.{top + 1:03d}"


def test_locked_street_gets_no_automatic_change(tmp_path: Path) -> None:
    from parakou_geo.register.lifecycle import lock_street

    bld = _buildings([(40, 10), (80, 10)], ["a", "b"])
    path = _register(tmp_path, bld)
    lock_street(path, _code(path), reason="plates being installed")
    new = pd.concat([bld.iloc[:1], _buildings([(120, 10)], ["c"])], ignore_index=True)
    rep = update_register(path, lines(*GRID, names=NAMES), new, run_date=D1)
    a = _addresses(path).set_index("building_id")
    assert a.loc["b", "status"] == "proposed"  # not retired: the street is locked
    assert "c" not in a.index
    assert rep.counts["retirement_deferred"] == 1
    un = pyogrio.read_dataframe(path, layer="unaddressed")
    assert un.loc[un["building_id"] == "c", "reason"].tolist() == ["street_locked"]


def test_update_refuses_bad_input_before_touching_the_register(tmp_path: Path) -> None:
    from parakou_geo import InputError

    bld = _buildings([(40, 10)], ["a"])
    path = _register(tmp_path, bld)
    before = path.read_bytes()
    with pytest.raises(InputError, match="expected polygons"):
        update_register(path, lines(*GRID, names=NAMES), lines(*GRID), run_date=D1)
    assert path.read_bytes() == before


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.floats(5, 295), st.floats(-60, 60)),
        st.tuples(st.just("delete"), st.integers(0, 1000), st.just(0.0)),
        st.tuples(st.just("move"), st.integers(0, 1000), st.floats(-1.0, 1.0)),
    ),
    min_size=1, max_size=6,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(batches=st.lists(OPS, min_size=1, max_size=3))
def test_property_updates_never_renumber_and_never_reuse(
    tmp_path_factory: pytest.TempPathFactory, batches: list[list[tuple[str, float, float]]]
) -> None:
    tmp = tmp_path_factory.mktemp("prop")
    rng = np.random.default_rng(0)
    pts = [(float(x), float(y)) for x, y in zip(rng.uniform(5, 295, 12),
                                                rng.choice([-1, 1], 12) * rng.uniform(4, 50, 12),
                                                strict=True)]
    ids = [f"B{i:03d}" for i in range(len(pts))]
    path = _register(tmp, _buildings(pts, ids))
    current = dict(zip(ids, pts, strict=True))
    counter = len(ids)
    for batch in batches:
        for op, a, b in batch:
            if op == "add":
                current[f"B{counter:03d}"] = (a, b if abs(b) > 3 else 3.5)
                counter += 1
            elif current and op == "delete":
                current.pop(sorted(current)[int(a) % len(current)])
            elif current:
                key = sorted(current)[int(a) % len(current)]
                x, y = current[key]
                current[key] = (x + b, y + b / 2)
        before = _addresses(path)
        if current:
            # random batches may delete most buildings: a mass change asked for on purpose
            update_register(path, lines(*GRID, names=NAMES),
                            _buildings(list(current.values()), list(current)), run_date=D1,
                            allow_mass_retirement=True)
        after = _addresses(path)
        # 1. an active address whose building is still there keeps number, suffix and label
        merged = before.merge(after, on="address_id", suffixes=("_b", "_a"))
        still = merged["status_b"].isin(["proposed", "current"]) & \
            merged["building_id_b"].isin(list(current))
        for f in ("label", "number", "suffix", "street_code"):
            assert (merged.loc[still, f"{f}_b"] == merged.loc[still, f"{f}_a"]).all()
        # 2. nothing is ever deleted; a retired address stays retired
        assert set(before["address_id"]) <= set(after["address_id"])
        was_retired = merged["status_b"] == "retired"
        assert (merged.loc[was_retired, "status_a"] == "retired").all()
        # 3. new addresses never take a label that existed before (retired ones included)
        new = after[~after["address_id"].isin(before["address_id"])]
        assert not set(new["label"]) & set(before["label"])
        # 4. labels are unique among active addresses, and all labels are unique overall
        active = after[after["status"].isin(["proposed", "current"])]
        assert active["label"].is_unique
        assert after["label"].is_unique
        # 5. each street's address count follows
        streets = pyogrio.read_dataframe(path, layer="streets", read_geometry=False)
        counted = active["street_code"].value_counts()
        for code, n in zip(streets["street_code"], streets["n_addresses"], strict=True):
            assert n == counted.get(code, 0)


@pytest.mark.realdata
def test_kotka_register_from_90_percent_then_update_with_all(tmp_path: Path) -> None:
    gpkg = shared_file("cities", "kotka.gpkg")
    roads = gpd.read_file(gpkg, layer="roads")
    bld = gpd.read_file(gpkg, layer="buildings")
    keep = np.random.default_rng(42).random(len(bld)) < 0.9
    s = AddressingSettings(crs="auto")
    res = address(roads, bld[keep], settings=s, run_date=D0)
    path = tmp_path / "kotka.gpkg"
    write_register(res.register, path)
    before = _addresses(path)
    rep = update_register(path, roads, bld, run_date=D1)
    after = _addresses(path)
    merged = before.merge(after, on="address_id", suffixes=("_b", "_a"))
    changed = (merged["label_b"] != merged["label_a"]) | (merged["status_b"] != merged["status_a"])
    assert int(changed.sum()) == 0
    # a layer saved from OSM by GDAL/QGIS: osm_way_id (ways) and osm_id (relations) combined
    assert bld["osm_id"].isna().all()
    added_ids = set("w" + bld.loc[~keep, "osm_way_id"].astype(str))
    un = pyogrio.read_dataframe(path, layer="unaddressed")
    new_addr = set(after.loc[~after["address_id"].isin(before["address_id"]), "building_id"])
    assert added_ids <= new_addr | set(un["building_id"])
    assert un["reason"].notna().all()
    assert rep.counts["added"] == len(new_addr)
    assert rep.counts["added"] >= 0.95 * len(added_ids)


def test_updated_register_keeps_a_valid_spatial_index(tmp_path: Path) -> None:
    bld = _buildings([(40, 10), (80, 10)], ["a", "b"])
    path = _register(tmp_path, bld)
    new = pd.concat([bld, _buildings([(250, 60)], ["far"])], ignore_index=True)
    update_register(path, lines(*GRID, names=NAMES), new, run_date=D1)
    x, y = shift((250, 60))
    # GDAL answers a bounding-box query through the GeoPackage R-tree
    hit = pyogrio.read_dataframe(path, layer="addresses", bbox=(x - 5, y - 5, x + 5, y + 5))
    assert hit["building_id"].tolist() == ["far"]
    import sqlite3

    with sqlite3.connect(path) as con:
        n_rtree = con.execute("SELECT count(*) FROM rtree_addresses_geom").fetchone()[0]
        n_rows = con.execute("SELECT count(*) FROM addresses").fetchone()[0]
        triggers = {r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'addresses'")}
        count = con.execute("SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = "
                            "'addresses'").fetchone()[0]
    assert n_rtree == n_rows == 3
    assert {"rtree_addresses_geom_insert", "trigger_insert_feature_count_addresses"} <= triggers
    assert count == 3


def test_history_is_dated_by_the_update_date_and_runs_by_the_clock(tmp_path: Path) -> None:
    from parakou_geo.register.history import changes_between, read_history
    from parakou_geo.register.lifecycle import validate_addresses

    bld = _buildings([(40, 10), (80, 10)], ["a", "b"])
    path = _register(tmp_path, bld)
    new = pd.concat([bld, _buildings([(120, 10)], ["c"])], ignore_index=True)
    rep = update_register(path, lines(*GRID, names=NAMES), new, run_date=D1)
    mine = read_history(path, since=D1, until=D1)
    assert mine["run_id"].unique().tolist() == [rep.run_id]
    assert mine["object_id"].tolist() == rep.changes.loc[
        rep.changes["change"] == "address_added", "object_id"].tolist()
    later = dt.date(2026, 9, 15)
    validate_addresses(path, address_ids=mine["object_id"].tolist(), reason="council",
                       run_date=later)
    assert changes_between(path, later, later)["new_value"].tolist() == ["current"]
    assert changes_between(path, D1, D1)["new_value"].tolist() == ["proposed"]
    runs = pyogrio.read_dataframe(path, layer="runs")
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert [t[:10] for t in runs["time"].iloc[1:]] == [today, today]


def test_changes_csv_does_not_call_a_known_unaddressed_building_new(tmp_path: Path) -> None:
    # "far" stands 200 m below Rue Sud: unaddressed; a new road then passes 10 m from it
    bld = _buildings([(40, 10), (80, -200)], ["a", "far"])
    path = _register(tmp_path, bld)
    assert list(_addresses(path)["building_id"]) == ["a"]
    roads = lines(*GRID, [(0, -210), (300, -210)], names=[*NAMES, "Rue Neuve"])
    new = pd.concat([bld, _buildings([(200, -200)], ["brand_new"])], ignore_index=True)
    update_register(path, roads, new, run_date=D1, changes_csv=tmp_path / "changes.csv")
    changes = pd.read_csv(tmp_path / "changes.csv", dtype=str).set_index("building_id")
    added = changes.loc[changes["change"] == "address_added"]
    assert sorted(added.index) == ["brand_new", "far"]
    assert added.loc["brand_new", "detail"] == "new building"
    assert added.loc["far", "detail"].startswith("building already in the register, "
                                                 "unaddressed until now")
