"""Which street gets each door: hand-made layouts whose answers are worked out on paper.

All layouts are in local metres (EPSG:32631, placed at Parakou by ``conftest.shift``) with the
reference centre far to the south-west, so every street is numbered from its west or south end.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import lines, lonlat, shift, squares

from parakou_geo import AddressingSettings, address
from parakou_geo.access import access_ranks, find_sidewalks
from parakou_geo.io import combine_osm_ids
from parakou_geo.prepare import prepare_roads

CENTRE = lonlat((-2000.0, -2000.0))
SETTINGS = AddressingSettings(centre=CENTRE)


def _roads(rows: list[tuple[list[tuple[float, float]], str | None, str, str | None]],
           ) -> gpd.GeoDataFrame:
    """Roads from (coordinates, name, highway, footway tag) rows."""
    gdf = lines(*[r[0] for r in rows], names=[r[1] for r in rows])
    gdf["highway"] = [r[2] for r in rows]
    gdf["other_tags"] = [None if r[3] is None else f'"footway"=>"{r[3]}"' for r in rows]
    return gdf


def _box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(*shift((x0, y0)), *shift((x1, y1)))


def _buildings(boxes: list[shapely.Polygon]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"building_id": [f"B{i:02d}" for i in range(len(boxes))]},
                            geometry=boxes, crs=32631)


def _by_building(result: object) -> pd.DataFrame:
    reg = result.register  # type: ignore[attr-defined]
    return reg.addresses.set_index("building_id")


@pytest.mark.parametrize("tag", ["sidewalk", None])
def test_building_between_street_and_its_sidewalk_goes_to_the_street(tag: str | None) -> None:
    # Rue A along y = 0; its sidewalk (tagged, or untagged but parallel) along y = 9; the
    # building (y 5..8) is 1 m from the sidewalk and 5 m from the street.
    roads = _roads([([(0, 0), (200, 0)], "Rue A", "residential", None),
                    ([(0, 9), (200, 9)], None, "footway", tag)])
    result = address(roads, _buildings([_box(46, 5, 54, 8)]), settings=SETTINGS)
    a = _by_building(result).loc["B00"]
    assert a["street_name"] == "Rue A"
    # north of a street drawn west → east is the left side; foot point x = 50 → 51
    assert (a["side"], a["number"]) == ("left", 51)
    streets = result.register.streets
    assert len(streets) == 1  # the sidewalk is not a street of its own
    assert streets["road_ids"].iloc[0] == "r0;r1"  # ... it is part of Rue A
    assert result.counts["sidewalks"] == 1


def test_sidewalk_detection_leaves_paths_that_lead_away_from_streets() -> None:
    roads = _roads([([(0, 0), (200, 0)], "Rue A", "residential", None),
                    ([(0, 6), (100, 6)], None, "footway", None),        # along the street
                    ([(50, 2), (50, 120)], None, "path", None),         # leads away from it
                    ([(120, -6), (120, 6)], None, "footway", "crossing")])
    s = AddressingSettings()
    prepared, _ = prepare_roads(roads, settings=s, metric_crs=roads.crs)
    flags = dict(zip(prepared["road_id"], find_sidewalks(prepared, s), strict=True))
    assert flags == {"r0": False, "r1": True, "r2": False, "r3": True}


def test_named_street_in_front_wins_over_service_lane_behind() -> None:
    # Rue B along y = 0, an unnamed service lane along y = 50. Building y 40..45: the named
    # street is 40 m in front, the lane 5 m behind. Cost (metres): street 40 + 0.3 × 42.5
    # − 6 × 1 = 46.75; lane 5 + 0.3 × 7.5 − 6 × (−1) + 60 = 73.25 → Rue B.
    roads = _roads([([(0, 0), (200, 0)], "Rue B", "residential", None),
                    ([(0, 50), (200, 50)], None, "service", None)])
    result = address(roads, _buildings([_box(95, 40, 105, 45)]), settings=SETTINGS)
    a = _by_building(result).loc["B00"]
    assert a["street_name"] == "Rue B"
    assert a["street_choice"] == "named_street"
    assert (a["side"], a["number"]) == ("left", 101)


def test_service_lane_wins_when_the_named_street_is_too_far() -> None:
    # the same building with the street 80 m in front: 80 + 0.3 × 82.5 − 6 = 98.75 > 73.25
    roads = _roads([([(0, -40), (200, -40)], "Rue B", "residential", None),
                    ([(0, 50), (200, 50)], None, "service", None)])
    result = address(roads, _buildings([_box(95, 40, 105, 45)]), settings=SETTINGS)
    a = _by_building(result).loc["B00"]
    assert a["street_name"] is None or pd.isna(a["street_name"])
    assert a["street_choice"] == "nearest_path"


@pytest.mark.parametrize(("highway", "street", "choice"), [
    # a pedestrian street is a street (Heidelberg's Hauptstrasse, a market street): not
    # charged when unnamed; 5 + 0.3 x 7.5 - 6 x 0 = 7.25 against Rue B's 46.75
    ("pedestrian", None, "nearest"),
    # a track is a lane: 5 + 0.3 x 7.5 - 6 x (-1) + 60 = 73.25 > 46.75, Rue B in front wins
    ("track", "Rue B", "named_street"),
])
def test_unnamed_pedestrian_street_keeps_its_doors_a_track_does_not(
    highway: str, street: str | None, choice: str
) -> None:
    roads = _roads([([(0, 0), (200, 0)], "Rue B", "residential", None),
                    ([(0, 50), (200, 50)], None, highway, None)])
    result = address(roads, _buildings([_box(95, 40, 105, 45)]), settings=SETTINGS)
    a = _by_building(result).loc["B00"]
    assert (a["street_name"] if isinstance(a["street_name"], str) else None) == street
    assert a["street_choice"] == choice


def test_unnamed_street_in_front_wins_over_named_street_behind() -> None:
    # Parakou: most streets have a code, not a name. An unnamed residential street 5 m in
    # front beats a named one 40 m behind (no unnamed penalty for street classes):
    # 5 + 0.3 × 7.5 − 6 = 1.25 against 40 + 0.3 × 42.5 − 6 = 46.75
    roads = _roads([([(0, 0), (200, 0)], "Rue B", "residential", None),
                    ([(0, 50), (200, 50)], None, "residential", None)])
    result = address(roads, _buildings([_box(95, 40, 105, 45)]), settings=SETTINGS)
    a = _by_building(result).loc["B00"]
    assert pd.isna(a["street_name"])
    assert a["street_choice"] == "nearest"


def test_nearest_mode_keeps_the_old_behaviour() -> None:
    roads = _roads([([(0, 0), (200, 0)], "Rue B", "residential", None),
                    ([(0, 50), (200, 50)], None, "service", None)])
    s = SETTINGS.replace(assignment="nearest")
    result = address(roads, _buildings([_box(95, 40, 105, 45)]), settings=s)
    assert pd.isna(_by_building(result).loc["B00", "street_name"])


def test_corner_building_is_decided_the_same_way_whatever_the_row_order() -> None:
    # two named residential streets meet at (0, 0); a square building sits in the corner,
    # 5 m from both: a tie decided by street order, not by input order
    roads = _roads([([(0, 0), (200, 0)], "Rue C", "residential", None),
                    ([(0, 0), (0, 200)], "Rue D", "residential", None)])
    bld = _buildings([_box(5, 5, 15, 15), _box(60, 5, 70, 12), _box(5, 60, 12, 70)])
    first = _by_building(address(roads, bld, settings=SETTINGS))
    again = _by_building(address(roads.iloc[::-1], bld.iloc[::-1], settings=SETTINGS))
    assert first.loc["B00", "street_name"] == again.loc["B00", "street_name"]
    assert first.loc["B01", "street_name"] == "Rue C"
    assert first.loc["B02", "street_name"] == "Rue D"


def test_corner_building_goes_to_the_higher_class_street() -> None:
    # the corner building is 5 m from the residential street and 8 m from the primary road
    roads = _roads([([(0, 0), (200, 0)], "Rue C", "residential", None),
                    ([(-3, 0), (-3, 200)], "Route D", "primary", None)])
    result = address(roads, _buildings([_box(5, 5, 15, 15)]), settings=SETTINGS)
    a = _by_building(result).loc["B00"]
    assert a["street_name"] == "Route D"
    assert a["street_choice"] == "higher_class"


def test_entrance_point_wins_over_everything() -> None:
    # the building fronts the primary Rue E (3 m) but its entrance, on the back wall, opens
    # on Rue F, 7 m behind (13 m from Rue E): without the entrance Rue E would win
    roads = _roads([([(0, 0), (200, 0)], "Rue E", "primary", None),
                    ([(0, 20), (200, 20)], "Rue F", "residential", None)])
    bld = _buildings([_box(90, 3, 110, 13), _box(130, 3, 140, 13)])
    bld["entrance"] = [shapely.Point(shift((100, 13))).wkt, None]
    result = address(roads, bld, settings=SETTINGS.replace(entrance_column="entrance"))
    a = _by_building(result)
    assert a.loc["B00", "street_name"] == "Rue F"
    assert a.loc["B00", "street_choice"] == "entrance"
    # the door is the entrance, measured at x = 100, south of Rue F: right side
    assert (a.loc["B00", "side"], a.loc["B00", "number"]) == ("right", 100)
    assert a.loc["B01", "street_name"] == "Rue E"


def test_cluster_with_paths_only_stays_addressed() -> None:
    # a Kibera-like cluster: unnamed footpaths only, structures packed along them
    paths = [([(0, 0), (120, 0)], None, "path", None),
             ([(0, 30), (120, 30)], None, "footway", None),
             ([(60, 0), (60, 30)], None, "path", None)]
    roads = _roads(paths)
    centres = [(x, y) for x in range(5, 120, 8) for y in (4, 12, 20, 26)]
    result = address(roads, squares(centres, size=5.0), settings=SETTINGS)
    reg = result.register
    assert len(reg.addresses) == len(centres)
    assert len(reg.unaddressed) == 0
    assert set(reg.addresses["street_choice"]) <= {"nearest", "nearest_path"}
    assert result.counts["sidewalks"] == 0


def test_access_ranks() -> None:
    ranks = access_ranks(pd.Series(["trunk", "secondary", "tertiary", "residential",
                                    "service", "footway", "unknown", None]), 8)
    assert ranks.tolist() == [4, 3, 2, 1, -1, -1, 1, 1]


def test_osm_layer_saved_from_qgis_combines_its_two_id_columns() -> None:
    # GDAL/QGIS export of OSM multipolygons: osm_id for relations, osm_way_id for ways
    roads = _roads([([(0, 0), (200, 0)], "Rue A", "residential", None)])
    bld = _buildings([_box(10, 5, 20, 12), _box(40, 5, 50, 12)]).drop(columns="building_id")
    bld["osm_id"] = [None, "77"]
    bld["osm_way_id"] = ["1234", None]
    result = address(roads, bld, settings=SETTINGS)
    assert sorted(result.register.addresses["building_id"]) == ["r77", "w1234"]
    assert combine_osm_ids(bld)["building_id"].tolist() == ["w1234", "r77"]


def test_street_choice_counts_are_in_the_run_summary() -> None:
    roads = _roads([([(0, 0), (200, 0)], "Rue B", "residential", None),
                    ([(0, 50), (200, 50)], None, "service", None)])
    result = address(roads, _buildings([_box(95, 40, 105, 45), _box(95, -8, 105, -3)]),
                     settings=SETTINGS)
    assert result.counts["street_choice_named_street"] == 1
    assert result.counts["street_choice_nearest"] == 1
    info = dict(zip(result.register.run_info["key"], result.register.run_info["value"],
                    strict=True))
    assert info["count_street_choice_named_street"] == "1"
    assert np.isin(result.register.addresses["street_choice"],
                   ["nearest", "named_street"]).all()


def test_update_matches_combined_osm_ids_only_on_registers_built_with_them(
    tmp_path: Path,
) -> None:
    import json
    import sqlite3

    from parakou_geo.register import write_register
    from parakou_geo.update import update_register

    roads = _roads([([(0, 0), (200, 0)], "Rue A", "residential", None)])
    bld = _buildings([_box(10, 5, 20, 12), _box(40, 5, 50, 12)]).drop(columns="building_id")
    bld["osm_id"] = [None, None]
    bld["osm_way_id"] = ["1234", "5678"]
    for combined in (True, False):
        path = tmp_path / f"reg_{combined}.gpkg"
        res = address(roads, bld, settings=SETTINGS)
        if not combined:  # a register made before ids were combined: raw way ids
            res = address(roads, bld, settings=SETTINGS.replace(building_id_column="osm_way_id"))
            meta = {k: v for k, v in (res.register.meta or {}).items() if k != "building_ids"}
            stored = json.loads(meta["settings"])
            stored["building_id_column"] = None  # ... detected, not given
            meta["settings"] = json.dumps(stored)
            res.register.meta = meta
        write_register(res.register, path)
        report = update_register(path, roads, bld)
        assert report.counts["retired"] == 0
        assert report.counts["added"] == 0
        with sqlite3.connect(path) as con:
            ids = sorted(r[0] for r in con.execute("SELECT building_id FROM addresses"))
        assert ids == (["w1234", "w5678"] if combined else ["1234", "5678"])


def _osm_xml(path: Path) -> None:
    """A tiny OSM file: Rue X (primary) south of a building, Rue Y (residential) north of it,
    and an ``entrance=main`` node on the building's north wall."""
    lat0, lon0, m = 9.34, 2.63, 1 / 111_320  # about one metre in degrees at Parakou
    def node(i: int, x: float, y: float, tags: str = "") -> str:
        return (f'<node id="{i}" version="1" lat="{lat0 + y * m:.8f}" '
                f'lon="{lon0 + x * m:.8f}">{tags}</node>')
    nodes = [node(1, 0, 0), node(2, 200, 0), node(3, 0, 20), node(4, 200, 20),
             node(10, 90, 3), node(11, 110, 3), node(12, 110, 13),
             node(13, 100, 13, '<tag k="entrance" v="main"/>'), node(14, 90, 13)]
    ways = [
        '<way id="100" version="1"><nd ref="1"/><nd ref="2"/>'
        '<tag k="highway" v="primary"/><tag k="name" v="Rue X"/></way>',
        '<way id="101" version="1"><nd ref="3"/><nd ref="4"/>'
        '<tag k="highway" v="residential"/><tag k="name" v="Rue Y"/></way>',
        '<way id="200" version="1"><nd ref="10"/><nd ref="11"/><nd ref="12"/><nd ref="13"/>'
        '<nd ref="14"/><nd ref="10"/><tag k="building" v="yes"/></way>',
    ]
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n'
                    + "\n".join(nodes + ways) + "\n</osm>\n", encoding="utf-8")


def test_osm_entrance_node_inside_a_footprint_is_the_door(tmp_path: Path) -> None:
    from parakou_geo.io import read_layer

    path = tmp_path / "place.osm"
    _osm_xml(path)
    roads = read_layer(path, kind="roads")
    bld = read_layer(path, kind="buildings")
    assert bld["building_id"].tolist() == ["w200"]
    assert bld["osm_entrance"].notna().all()
    result = address(roads, bld, settings=AddressingSettings(centre=(2.62, 9.33)))
    a = _by_building(result).loc["w200"]
    # without the entrance the primary Rue X, 3 m from the wall, would win
    assert a["street_name"] == "Rue Y"
    assert a["street_choice"] == "entrance"


def test_update_chooses_streets_like_the_first_build(tmp_path: Path) -> None:
    import sqlite3

    from parakou_geo.register import write_register
    from parakou_geo.update import update_register

    roads = _roads([([(0, 0), (200, 0)], "Rue B", "residential", None),
                    ([(0, 50), (200, 50)], None, "service", None)])
    first = _buildings([_box(20, -10, 30, -4)])
    path = tmp_path / "reg.gpkg"
    write_register(address(roads, first, settings=SETTINGS).register, path)
    both = _buildings([_box(20, -10, 30, -4), _box(95, 40, 105, 45)])
    update_register(path, roads, both)
    with sqlite3.connect(path) as con:
        row = con.execute("SELECT street_name, label FROM addresses WHERE building_id = 'B01'"
                          ).fetchone()
    built = _by_building(address(roads, both, settings=SETTINGS)).loc["B01"]
    assert row == ("Rue B", built["label"])
