"""The command line: demo, address, and bad input giving one clear message and no output."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from conftest import lines, lonlat, squares

from parakou_geo.cli import main
from parakou_geo.datasets import sample_path


def _write_inputs(tmp: Path) -> tuple[Path, Path]:
    roads = lines([(0, 0), (300, 0)], [(300, 0), (300, 200)], names=["Rue A", None])
    bld = squares([(50, 10), (120, -12), (310, 100)])
    rp, bp = tmp / "roads.gpkg", tmp / "buildings.gpkg"
    roads.to_file(rp, layer="roads")
    bld.to_file(bp, layer="buildings")
    return rp, bp


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["-q", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_address_command_writes_register_and_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rp, bp = _write_inputs(tmp_path)
    out = tmp_path / "register.gpkg"
    toml = tmp_path / "settings.toml"
    lon, lat = lonlat((-1000, 0))  # centre west of the streets: origins at their west end
    toml.write_text(f"[addressing]\ncentre = [{lon}, {lat}]\n", encoding="utf-8")
    code, stdout, err = _cli(["address", "--roads", str(rp), "--buildings", str(bp),
                              "--settings", str(toml), "-o", str(out)], capsys)
    assert code == 0, err
    assert "addresses:        3" in stdout
    csv = pd.read_csv(tmp_path / "register_addresses.csv", dtype=str)
    # Rue A (0,0)→(300,0) is nearer the centre: code 1.001. (50, 10) north = left → 51;
    # (120, -12) south = right → 120. The unnamed street runs north from (300, 0):
    # (310, 100) is east of it = right side at 100 m → 100.
    assert sorted(csv["label"]) == ["100 Rue 1.002", "120 Rue 1.001", "51 Rue 1.001"]
    import pyogrio

    layers = {str(n) for n, _ in pyogrio.list_layers(out)}
    assert layers == {"addresses", "streets", "unaddressed", "run_info", "segments",
                      "buildings", "meta", "history", "street_names", "runs",
                      "layer_styles"}
    # the register is never replaced silently
    code, _, err = _cli(["address", "--roads", str(rp), "--buildings", str(bp),
                         "-o", str(out)], capsys)
    assert code == 2
    assert "already exists" in err
    assert "--overwrite" in err


def test_demo_runs_on_the_embedded_sample(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stdout, err = _cli(["demo", "-o", str(tmp_path / "demo")], capsys)
    assert code == 0, err
    assert "SYNTHETIC" in stdout
    csv = pd.read_csv(tmp_path / "demo" / "addresses.csv", dtype=str)
    buildings = gpd.read_file(sample_path(), layer="buildings")
    un = gpd.read_file(tmp_path / "demo" / "register.gpkg", layer="unaddressed")
    assert len(csv) + len(un) == len(buildings)
    assert csv["street_name"].str.contains("Rue des Manguiers").any()  # official name applied
    # every sample address lies in one of the 9 synthetic quartiers
    assert csv["quartier"].notna().all()
    assert csv["quartier"].nunique() == 9


def _bad_inputs(tmp: Path) -> dict[str, tuple[list[str], str, str]]:
    rp, bp = _write_inputs(tmp)
    cases: dict[str, tuple[list[str], str, str]] = {}
    # 1. no CRS: a shapefile without .prj
    nocrs = tmp / "nocrs.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "crs was not provided": on purpose
        squares([(50, 10)]).rename(columns={"building_id": "bid"}).set_crs(
            None, allow_override=True).to_file(nocrs)
    nocrs.with_suffix(".prj").unlink(missing_ok=True)
    cases["no_crs"] = (["--roads", str(rp), "--buildings", str(nocrs)], "nocrs.shp",
                       "--crs")
    # 2. lines given as buildings
    cases["lines_as_buildings"] = (["--roads", str(rp), "--buildings", str(rp)], "roads.gpkg",
                                   "lines belong in --roads")
    # 3. corrupt file
    corrupt = tmp / "corrupt.gpkg"
    corrupt.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 8)
    cases["corrupt"] = (["--roads", str(corrupt), "--buildings", str(bp)], "corrupt.gpkg",
                        "QGIS")
    # 4. empty layer
    empty = tmp / "empty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    cases["empty"] = (["--roads", str(empty), "--buildings", str(bp)], "empty.geojson",
                      "0 features")
    # 5. longitude/latitude stored in a layer declared as UTM
    latlon = tmp / "latlon.gpkg"
    gpd.GeoDataFrame({"name": ["x"]}, geometry=[shapely.LineString([(2.62, 9.33),
                                                                    (2.63, 9.34)])],
                     crs=32631).to_file(latlon)
    cases["latlon_in_utm"] = (["--roads", str(latlon), "--buildings", str(bp)], "latlon.gpkg",
                              "EPSG:4326")
    # 6. missing file
    cases["missing"] = (["--roads", str(tmp / "nope.gpkg"), "--buildings", str(bp)],
                        "nope.gpkg", "Check the path")
    return cases


@pytest.mark.parametrize("case", ["no_crs", "lines_as_buildings", "corrupt", "empty",
                                  "latlon_in_utm", "missing"])
def test_bad_input_gives_one_clear_message_and_no_output(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args, file_name, fix = _bad_inputs(tmp_path)[case]
    out = tmp_path / "out" / "register.gpkg"
    out.parent.mkdir()
    code, _, err = _cli(["address", *args, "-o", str(out)], capsys)
    assert code == 2
    assert err.startswith("parakou-geo: error:")
    assert "Traceback" not in err
    assert file_name in err
    assert fix in err
    assert list(out.parent.iterdir()) == []


def test_every_problem_of_every_layer_is_reported_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = _bad_inputs(tmp_path)
    nocrs = cases["no_crs"][0][3]
    latlon = cases["latlon_in_utm"][0][1]
    code, _, err = _cli(["address", "--roads", latlon, "--buildings", nocrs,
                         "-o", str(tmp_path / "r.gpkg")], capsys)
    assert code == 2
    assert "2 problems found" in err
    assert "latlon.gpkg" in err
    assert "nocrs.shp" in err


def test_no_crs_is_accepted_when_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    args, _, _ = _bad_inputs(tmp_path)["no_crs"]
    code, stdout, err = _cli(["address", *args, "--crs", "EPSG:32631",
                              "-o", str(tmp_path / "r.gpkg")], capsys)
    assert code == 0, err
    assert "addresses:        1" in stdout


def test_console_script_runs_as_a_real_process(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "parakou_geo.cli", "address", "--roads", "x.gpkg",
         "--buildings", "y.gpkg", "-o", str(tmp_path / "r.gpkg")],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )
    assert proc.returncode == 2
    assert "file not found" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_metric_crs_far_from_the_data_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the default EPSG:32631 (Parakou) on data from UTM zone 28 (Freetown's longitude)
    roads = gpd.GeoDataFrame({"name": ["Rue A"]}, geometry=[shapely.LineString(
        [(-13.24, 8.48), (-13.23, 8.48)])], crs=4326)
    bld = gpd.GeoDataFrame(geometry=[shapely.Point(-13.235, 8.4801).buffer(0.00003)], crs=4326)
    rp, bp = tmp_path / "r.geojson", tmp_path / "b.geojson"
    roads.to_file(rp)
    bld.to_file(bp)
    code, _, err = _cli(["address", "--roads", str(rp), "--buildings", str(bp),
                         "-o", str(tmp_path / "reg.gpkg")], capsys)
    assert code == 2
    assert "--metric-crs auto (here EPSG:32628)" in err
    code, stdout, err = _cli(["address", "--roads", str(rp), "--buildings", str(bp),
                              "--metric-crs", "auto", "-o", str(tmp_path / "reg.gpkg")], capsys)
    assert code == 0, err
    assert "EPSG:32628" in stdout


def test_update_refreshes_the_addresses_csv_written_with_the_register(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rp, bp = _write_inputs(tmp_path)
    register = tmp_path / "register.gpkg"
    assert _cli(["address", "--roads", str(rp), "--buildings", str(bp), "-o", str(register)],
                capsys)[0] == 0
    csv = tmp_path / "register_addresses.csv"
    assert len(pd.read_csv(csv)) == 3
    more = squares([(50, 10), (120, -12), (310, 100), (200, 10)])
    more.to_file(bp, layer="buildings")
    code, out, _ = _cli(["update", str(register), "--roads", str(rp), "--buildings", str(bp)],
                        capsys)
    assert code == 0
    assert f"Addresses CSV:    {csv} (refreshed)" in out
    table = pd.read_csv(csv, dtype=str)
    assert len(table) == 4
    assert set(table["building_id"]) == {"B00", "B01", "B02", "B03"}


def test_shapefile_truncated_building_id_is_recognised_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    import parakou_geo

    roads = lines([(0, 0), (300, 0)], names=["Rue A"])
    bld = squares([(50, 10), (120, -12)])
    bld["building_id"] = ["MAISON-7", "MAISON-9"]
    with warnings.catch_warnings():  # GDAL and geopandas both say the name is cut
        warnings.simplefilter("ignore")
        bld.to_file(tmp_path / "bati.shp")
    read = gpd.read_file(tmp_path / "bati.shp")
    assert "building_i" in read.columns  # what the shapefile did to the name
    with caplog.at_level(logging.WARNING):
        res = parakou_geo.address(roads, read)
    assert sorted(res.register.addresses["building_id"]) == ["MAISON-7", "MAISON-9"]
    assert "column 'building_i' is used as building_id" in caplog.text


def test_console_run_leaves_large_results_to_exit_and_still_reports(tmp_path: Path) -> None:
    """``python -m parakou_geo.cli`` ends without freeing the result; outputs and text intact."""
    rp, bp = _write_inputs(tmp_path)
    out, csv = tmp_path / "register.gpkg", tmp_path / "addresses.csv"
    code = (
        "import atexit, sys\n"
        "from parakou_geo.cli import run\n"
        "atexit.register(lambda: print('atexit ran', file=sys.stderr))\n"
        f"sys.argv = ['parakou-geo', '-q', 'address', '--roads', {str(rp)!r}, '--buildings', "
        f"{str(bp)!r}, '-o', {str(out)!r}, '--csv', {str(csv)!r}]\n"
        "run()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert f"Register written: {out}" in proc.stdout
    assert "  addresses:        3" in proc.stdout.splitlines()
    # the process ended through os._exit: no interpreter teardown, so no atexit handler ran
    assert "atexit ran" not in proc.stderr
    assert len(pd.read_csv(csv)) == 3
    assert len(gpd.read_file(out, layer="addresses")) == 3


def test_main_called_from_python_keeps_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from parakou_geo.cli import _exit

    rp, bp = _write_inputs(tmp_path)
    code, _, _ = _cli(["address", "--roads", str(rp), "--buildings", str(bp),
                       "-o", str(tmp_path / "r.gpkg")], capsys)
    assert code == 0
    assert _exit._left == []
