"""``parakou-geo evaluate`` on a truth file worked out on paper.

Two named streets 100 m apart, "Rue A" (y = 0) and "Rue B" (y = 100), both 200 m long. Houses:
three on Rue A (numbers 1 and 3 north of it, 2 south of it), one on Rue B (number 2), one whose
real address is on Rue B but which stands 8 m from Rue A (no geometry can get it right), and one
on "Rue Z", a street not in the road data (left out of the measure). Street agreement is 4 of 5
= 0.800 for the pipeline and for the baseline alike; side agreement: the three pairs on Rue A all
agree (1 and 3 same side and both odd; 2 alone on the other side and even) = 1.000.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from parakou_geo.cli import main

X0, Y0 = 455_000.0, 1_034_000.0  # Parakou, EPSG:32631


def _house(x: float, y: float) -> shapely.Polygon:
    return shapely.box(X0 + x, Y0 + y, X0 + x + 10, Y0 + y + 10)


def _line(*xy: tuple[float, float]) -> shapely.LineString:
    return shapely.LineString([(X0 + x, Y0 + y) for x, y in xy])


@pytest.fixture
def truth_file(tmp_path: Path) -> Path:
    path = tmp_path / "paper.gpkg"
    roads = gpd.GeoDataFrame(
        {"road_id": ["a", "b"], "name": ["Rue A", "Rue B"],
         "highway": ["residential", "residential"]},
        geometry=[_line((0, 0), (200, 0)), _line((0, 100), (200, 100))],
        crs=32631,
    )
    buildings = gpd.GeoDataFrame(
        {"building_id": ["h1", "h3", "h2", "b2", "far", "z"],
         "truth_street": ["Rue A", "Rue A", "Rue A", "Rue B", "Rue B", "Rue Z"],
         "truth_number": ["1", "3", "2", "2", "7", "5"]},
        geometry=[_house(20, 8), _house(60, 8), _house(40, -18), _house(20, 82),
                  _house(150, 8), _house(100, 40)],
        crs=32631,
    )
    roads.to_file(path, layer="roads")
    buildings.to_file(path, layer="buildings")
    return path


def test_evaluate_prints_agreement_beside_the_baseline(
    truth_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-q", "evaluate", str(truth_file), "--metric-crs", "EPSG:32631"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("| paper |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    # place, street, baseline, side, baseline side, stripped street, stripped side, ...
    assert cells[1:6] == ["0.800", "0.800", "1.000", "1.000", "0.800"]
    assert cells[7] == "0"  # unaddressed
    assert "mean street agreement 0.800; trivial baseline 0.800" in out


def test_evaluate_names_the_missing_layer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "roads_only.gpkg"
    gpd.GeoDataFrame({"road_id": ["a"], "name": ["Rue A"], "highway": ["residential"]},
                     geometry=[_line((0, 0), (1, 0))], crs=32631).to_file(
        path, layer="roads")
    assert main(["evaluate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "roads_only.gpkg: no layer 'buildings'" in err
    assert "Traceback" not in err
