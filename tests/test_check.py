"""Checks and preparation of input layers: every problem at once, repairs counted."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from conftest import lines, lonlat, shift, squares
from pyproj import CRS

from parakou_geo import AddressingSettings, InputError, address
from parakou_geo.check import check_layer
from parakou_geo.prepare import prepare_buildings, prepare_roads

S = AddressingSettings(centre=lonlat((-500, 0)))
ROADS = lines([(0, 0), (300, 0)], names=["Rue A"])


def test_invalid_footprint_is_repaired_and_counted() -> None:
    bld = squares([(50, 10), (120, 10)])
    x, y = shift((200, 10))
    bowtie = shapely.Polygon([(x, y), (x + 6, y + 6), (x + 6, y), (x, y + 6)])
    bld = gpd.GeoDataFrame({"building_id": ["a", "b", "c"]},
                           geometry=[*bld.geometry, bowtie], crs=32631)
    res = address(ROADS, bld, settings=S)
    assert res.reports["buildings"].n_repaired == 1
    assert sorted(res.register.addresses["building_id"]) == ["a", "b", "c"]


def test_null_and_empty_geometries_are_dropped_counted_and_listed() -> None:
    bld = squares([(50, 10)])
    bld = gpd.GeoDataFrame({"building_id": ["a", "null", "empty"]},
                           geometry=[bld.geometry.iloc[0], None, shapely.Polygon()], crs=32631)
    res = address(ROADS, bld, settings=S)
    assert res.reports["buildings"].n_dropped_empty == 2
    un = res.register.unaddressed.set_index("building_id")
    assert un.loc[["empty", "null"], "reason"].tolist() == ["empty_geometry"] * 2
    assert res.register.addresses["building_id"].tolist() == ["a"]


def test_all_problems_of_all_layers_at_once() -> None:
    bld = squares([(50, 10), (60, 10), (70, 10)])
    bld["building_id"] = ["x", "x", None]
    zones = gpd.GeoDataFrame({"name": ["1er"]}, geometry=[shapely.box(*shift((-9, -9)),
                                                                        *shift((9, 9)))],
                             crs=32631)
    with pytest.raises(InputError) as err:
        address(ROADS.set_crs(None, allow_override=True), bld, zones=zones, settings=S)
    text = str(err.value)
    assert "4 problems found" in text
    assert "no coordinate reference system" in text
    assert "1 feature(s) have no 'building_id'" in text
    assert "'building_id' value(s) are used by more than one feature (x)" in text
    assert "zone number column 'arr_num' not found" in text


def test_wrong_geometry_types_name_the_features() -> None:
    problems = check_layer(ROADS, "buildings", settings=S)
    assert len(problems) == 1
    assert "found 1 LineString" in problems[0]
    assert "(e.g. row 1)" in problems[0]
    assert "lines belong in --roads" in problems[0]


def test_explicit_id_column_must_exist() -> None:
    s = S.replace(building_id_column="parcel")
    assert "id column 'parcel' not found" in check_layer(squares([(0, 5)]), "buildings",
                                                          settings=s)[0]


def test_roads_are_exploded_filtered_and_canonically_ordered() -> None:
    multi = shapely.MultiLineString([[shift((0, 0)), shift((50, 0))],
                                     [shift((60, 0)), shift((90, 0))]])
    roads = gpd.GeoDataFrame(
        {"road_id": ["m", "s", "f"], "name": ["  Rue   B ", None, "X"],
         "highway": ["residential", "steps", "footway"]},
        geometry=[multi, shapely.LineString([shift((0, 5)), shift((9, 5))]),
                  shapely.LineString([shift((0, 9)), shift((9, 9))])], crs=32631)
    out, report = prepare_roads(roads, settings=S, metric_crs=CRS(32631))
    assert report.n_excluded_class == 1  # steps
    assert report.n_parts_added == 1
    assert out["road_id"].tolist() == ["f", "m", "m"]
    assert out.loc[out["road_id"] == "m", "name"].tolist() == ["Rue B", "Rue B"]
    shuffled, _ = prepare_roads(roads.iloc[::-1], settings=S, metric_crs=CRS(32631))
    assert (shuffled.geometry.to_wkb() == out.geometry.to_wkb()).all()


def test_entrance_column_gives_the_door_point() -> None:
    bld = squares([(50, 30)], size=20.0)
    ex, ey = shift((52, 20.5))
    bld["entree"] = [f"POINT ({ex} {ey})"]
    b, _, _ = prepare_buildings(bld, settings=S.replace(entrance_column="entree"),
                                metric_crs=CRS(32631))
    assert shapely.get_coordinates(b["door"].iloc[0]).tolist() == [[ex, ey]]
    res = address(ROADS, bld, settings=S.replace(entrance_column="entree"))
    assert res.register.addresses["number"].tolist() == [53]  # 52 m, left → odd


def test_lonlat_declared_as_utm_message_gives_a_fix_that_works() -> None:
    import geopandas as gpd
    import shapely

    from parakou_geo._crs import check_coordinates_match_crs

    gdf = gpd.GeoDataFrame(geometry=[shapely.Point(2.62, 9.34)], crs=32631)
    (message,) = check_coordinates_match_crs(gdf, "roads.gpkg")
    assert "set the layer's CRS to EPSG:4326 without reprojecting" in message
    # --crs only applies to layers without a CRS: suggesting it would not fix this one
    assert "pass --crs" not in message
    assert "--crs cannot fix it" in message


def test_old_validate_module_re_exports_the_same_objects() -> None:
    """``parakou_geo.validate`` stays importable for one version (issue 13 renamed it)."""
    import parakou_geo.check
    import parakou_geo.prepare
    import parakou_geo.validate as old

    assert old.check_layer is parakou_geo.check.check_layer
    assert old.LayerReport is parakou_geo.check.LayerReport
    assert old.prepare_roads is parakou_geo.prepare.prepare_roads
    assert old.prepare_buildings is parakou_geo.prepare.prepare_buildings
    assert "one version" in (old.__doc__ or "")
    assert set(old.__all__) >= {"check_layer", "detect_id_column", "prepare_zones",
                                "prepare_quartiers", "layers_apart_problems",
                                "ensure_regular_file"}


def test_non_finite_coordinates_are_found_in_every_chunk_of_a_large_layer() -> None:
    import numpy as np

    from parakou_geo._threads import CHUNK

    n = 2 * CHUNK + 500  # three chunks, looked at on threads
    xy = np.array(shift((0, 0))) + np.c_[np.arange(n) % 300, np.arange(n) // 300]
    geoms = shapely.points(xy)
    bad = [4, CHUNK + 7, 2 * CHUNK + 499]
    geoms[bad[0]] = shapely.Point(np.nan, xy[4, 1])
    geoms[bad[1]] = shapely.Polygon([(0, 0), (1, 0), (np.inf, 1), (0, 0)])
    geoms[bad[2]] = shapely.Point(xy[-1, 0], -np.inf)
    geoms[10] = None
    bld = gpd.GeoDataFrame({"building_id": [f"b{i}" for i in range(n)]}, geometry=geoms,
                           crs=32631)
    problems = [p for p in check_layer(bld, "buildings", settings=S) if "not finite" in p]
    assert len(problems) == 1
    assert f"3 feature(s) have coordinates that are not finite numbers (NaN or infinite) " \
           f"(rows 5, {CHUNK + 8}, {2 * CHUNK + 500})" in problems[0]


def test_degenerate_footprint_is_kept_as_the_centre_of_its_vertices() -> None:
    """A footprint that repair turns into nothing (a ring folded onto a line) still locates
    its building, as a point; a feature that had no geometry at all is dropped."""
    x, y = shift((150, 10))
    folded = shapely.Polygon([(x, y), (x + 6, y), (x + 12, y), (x, y)])  # no area
    assert shapely.is_empty(shapely.make_valid(folded).buffer(0))
    bld = squares([(50, 10)])
    bld = gpd.GeoDataFrame({"building_id": ["a", "folded", "empty"]},
                           geometry=[bld.geometry.iloc[0], folded, shapely.Polygon()],
                           crs=32631)
    b, dropped, report = prepare_buildings(bld, settings=S, metric_crs=CRS(32631))
    assert b["building_id"].tolist() == ["a", "folded"]
    point = b.geometry.iloc[1]
    assert point.geom_type == "Point"
    assert point.x == pytest.approx(x + 4.5)  # mean of the four vertices' x
    assert point.y == pytest.approx(y)
    assert dropped["building_id"].tolist() == ["empty"]
    assert report.n_dropped_empty == 1
    assert any("1 degenerate footprint(s)" in note for note in report.notes)
