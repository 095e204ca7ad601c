"""Street directory, reference grid and PDF atlas."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
import shapely
from conftest import ORIGIN, shift
from test_exports_helpers import CALC, HYPERLINK, make_register

from parakou_geo import InputError
from parakou_geo.exports import (
    ExportSettings,
    cells_crossed,
    name_index,
    reference_grid,
    street_directory,
    write_atlas,
    write_directory_csv,
    write_directory_html,
    write_directory_xlsx,
)
from parakou_geo.exports.grid import column_letters

# The hand-made streets span local x 0..200, y -50..150 at ORIGIN (459000, 1032000), a
# multiple of 100 m: with 100 m cells the grid's west edge is local x 0 and its north edge
# local y 200 (ceil(1032150 / 100) * 100 = 1032200), so (streets only):
#   columns A: x 0-100, B: 100-200 (ceil(200 / 100) = 2 columns)
#   rows 1: y 100-200, 2: 0-100, 3: -100-0 (ceil(250 / 100) = 3 rows)
# A line counts in a cell when a stretch of it lies in or along the cell; a corner touch
# does not count.


def test_grid_labels_on_paper() -> None:
    reg = make_register()
    grid = reference_grid(reg.streets, cell_m=100)
    assert grid["cell"].tolist() == ["A1", "B1", "A2", "B2", "A3", "B3"]
    a1 = grid.geometry.iloc[0]
    assert a1.bounds == (ORIGIN[0], ORIGIN[1] + 100, ORIGIN[0] + 100, ORIGIN[1] + 200)
    cells = cells_crossed(reg.streets, grid)
    # 1.001 along y = 0 (x 0..200) lies on the edge between rows 2 and 3
    assert cells.tolist()[0] == "A2, B2, A3, B3"
    # 1.003 along x = 100 (y -50..150) lies on the edge between columns A and B
    assert cells.tolist()[2] == "A1, B1, A2, B2, A3, B3"
    # 2.001 along x = 200 from y 0 to 100: only B2 (B1 and B3 are touched at a corner)
    assert cells.tolist()[3] == "B2"


def test_grid_drops_empty_cells_and_checks_input() -> None:
    pts = gpd.GeoSeries([shapely.Point(shift((10, 10))), shapely.Point(shift((260, 160)))],
                        crs=32631)
    assert reference_grid(pts, cell_m=100)["cell"].tolist() == ["C1", "A2"]
    assert len(reference_grid(pts, cell_m=100, keep_empty=True)) == 6
    with pytest.raises(InputError, match="geographic"):
        reference_grid(pts.to_crs(4326))
    assert [column_letters(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


def test_directory_rows() -> None:
    d = street_directory(make_register(), settings=ExportSettings(grid_cell_m=100))
    assert d["street_code"].tolist() == ["1.001", "1.002", "1.003", "2.001"]
    first = d.iloc[0]
    assert (first["street_name"], first["zone"], first["quartiers"]) == (
        "Rue du Marché", "1", "Banikanni")
    assert (first["left_range"], first["right_range"], first["n_addresses"]) == ("25", "30", 2)
    assert first["length_m"] == 200.0
    # the retired address on 1.003 is not counted by default
    assert d.iloc[2]["n_addresses"] == 0
    all_status = street_directory(make_register(), statuses=None)
    assert all_status.iloc[2]["left_range"] == "91"
    assert d.iloc[3]["street_name"] == ""


def test_name_index_is_alphabetical_and_skips_unnamed() -> None:
    d = street_directory(make_register())
    idx = name_index(d)
    # accents ignored; punctuation sorts before letters
    assert idx["street_name"].tolist() == [CALC, HYPERLINK, "Rue du Marché"]
    assert idx["street_code"].tolist() == ["1.003", "1.002", "1.001"]


def test_directory_files(tmp_path: Path) -> None:
    reg = make_register()
    csv_path = write_directory_csv(reg, tmp_path / "rues.csv")
    text = csv_path.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("Code de la rue;Nom de la rue;Arrondissement")
    assert "'" + HYPERLINK.replace('"', '""') in text
    wb = openpyxl.load_workbook(write_directory_xlsx(reg, tmp_path / "rues.xlsx"))
    assert wb.sheetnames == ["Répertoire des rues", "Index alphabétique des noms"]
    ws = wb["Répertoire des rues"]
    assert ws.max_row == 5
    assert ws.freeze_panes == "A2"
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    html = write_directory_html(reg, tmp_path / "rues.html").read_text(encoding="utf-8")
    assert "=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)" in html
    assert HYPERLINK not in html
    assert html.count("<tr>") == 5  # header + 4 streets
    assert "Index alphabétique des noms" in html


def test_atlas_has_index_page_plus_one_page_per_cell(tmp_path: Path) -> None:
    reg = make_register()
    s = ExportSettings(grid_cell_m=100)
    pages = write_atlas(reg, tmp_path / "atlas.pdf", settings=s)
    # cells over streets and addresses: the 6 cells of test_grid_labels_on_paper plus C2,
    # which holds the address at local (210, 50) (that point widens the grid to column C;
    # C1 and C3 are only touched at a corner by 2.001)
    assert pages == 1 + 7
    data = (tmp_path / "atlas.pdf").read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) == 8
