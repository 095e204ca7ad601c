"""Street codes, zones and official names."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from conftest import lines, lonlat, shift, squares

from parakou_geo import AddressingSettings, InputError, address
from parakou_geo.codes import allocate_codes, apply_official_names, assign_zones, read_names_csv


def _zones() -> gpd.GeoDataFrame:
    # zone 1 west of x = 100, zone 2 east of it
    w = shapely.box(*shift((-1000, -1000)), *shift((100, 1000)))
    e = shapely.box(*shift((100, -1000)), *shift((1000, 1000)))
    return gpd.GeoDataFrame({"zone": ["1", "2"]}, geometry=[w, e], crs=32631)


def test_street_crossing_zones_belongs_to_the_zone_with_most_length() -> None:
    streets = lines([(0, 0), (130, 0)], [(60, 10), (300, 10)], [(2000, 0), (2100, 0)])
    z = assign_zones(streets, _zones())
    assert z.tolist() == ["1", "2", "2"]  # the last one lies outside: nearest zone


def test_no_zones_layer_uses_the_default_zone() -> None:
    streets = lines([(0, 0), (130, 0)])
    assert assign_zones(streets, None, default_zone="7").tolist() == ["7"]


def test_codes_run_from_the_centre_outwards_per_zone() -> None:
    streets = gpd.GeoDataFrame(
        {"origin_x": [shift((x, 0))[0] for x in (900, 20, 600, 1200, 30)],
         "origin_y": [shift((0, 0))[1]] * 5},
        geometry=[shapely.Point(0, 0)] * 5, crs=32631)
    zone = pd.Series(["1", "1", "1", "2", "2"])
    codes = allocate_codes(streets, zone, centre_xy=shift((0, 0)))
    assert codes.tolist() == ["1.003", "1.001", "1.002", "2.002", "2.001"]


def test_code_width_grows_only_when_needed() -> None:
    n = 1005
    streets = gpd.GeoDataFrame(
        {"origin_x": [shift((float(i), 0))[0] for i in range(n)],
         "origin_y": [shift((0, 0))[1]] * n},
        geometry=[shapely.Point(0, 0)] * n, crs=32631)
    codes = allocate_codes(streets, pd.Series(["3"] * n), centre_xy=shift((0, 0)))
    assert codes.iloc[0] == "3.0001"
    assert codes.iloc[-1] == "3.1005"


def test_official_names_by_code_and_by_road_id(tmp_path: object) -> None:
    streets = pd.DataFrame({"street_code": ["1.001", "1.002"], "name": ["Old", None]})
    segments = pd.DataFrame({"street": [0, 1, 1], "road_id": ["a", "b", "c"]})
    names = pd.DataFrame({"street_code": ["1.001", ""], "road_id": ["", "c"],
                          "name": ["Rue Neuve", "Rue des Manguiers"]})
    out = apply_official_names(streets, names, segments)
    assert out["name"].tolist() == ["Rue Neuve", "Rue des Manguiers"]
    assert out["name_source"].tolist() == ["official", "official"]
    assert out["street_code"].tolist() == ["1.001", "1.002"]


def test_official_names_report_every_problem_at_once() -> None:
    streets = pd.DataFrame({"street_code": ["1.001"], "name": [None]})
    segments = pd.DataFrame({"street": [0], "road_id": ["a"]})
    names = pd.DataFrame({"street_code": ["9.999", "1.001", "1.001", ""],
                          "road_id": ["", "", "", "zz"],
                          "name": ["X", "", "Rue Y", "Rue Z"]})
    with pytest.raises(InputError) as err:
        apply_official_names(streets, names, segments)
    text = str(err.value)
    assert "unknown street code '9.999'" in text
    assert "line 3: empty name" in text
    assert "road id 'zz'" in text


def test_names_csv_reading_accepts_semicolons_and_bom(tmp_path: pytest.TempPathFactory) -> None:
    p = tmp_path / "names.csv"  # type: ignore[operator]
    p.write_bytes("\ufeffcode;name\n1.001;Rue Bio Guéra\n".encode())
    frame = read_names_csv(p)
    assert frame.to_dict("records") == [{"street_code": "1.001", "name": "Rue Bio Guéra"}]


def test_names_csv_without_needed_columns(tmp_path: pytest.TempPathFactory) -> None:
    p = tmp_path / "names.csv"  # type: ignore[operator]
    p.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="needs a 'name' column"):
        read_names_csv(p)


def test_pipeline_codes_follow_zones() -> None:
    roads = lines([(0, 0), (90, 0)], [(150, 50), (400, 50)], names=["Rue A", "Rue B"])
    bld = squares([(40, 8), (200, 60)])
    zones = _zones().rename(columns={"zone": "arr_num"})
    res = address(roads, bld, zones=zones, settings=AddressingSettings(centre=lonlat((0, 0))))
    st = res.register.streets.set_index("street_name")
    assert st.loc["Rue A", "street_code"] == "1.001"
    assert st.loc["Rue B", "street_code"] == "2.001"
    assert res.register.addresses["zone"].tolist() == ["1", "2"]
