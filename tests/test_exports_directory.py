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


# ---- issue 12: atlas pages that read in dense areas ----------------------------------------

def test_placed_labels_never_overlap_nor_leave_the_frame() -> None:
    import numpy as np
    import shapely

    from parakou_geo.exports.atlas import place_labels

    rng = np.random.default_rng(7)
    x, y = rng.uniform(0, 200, 400), rng.uniform(0, 200, 400)  # a dense quarter
    texts = np.array([f"{n} bis" for n in rng.integers(1, 999, 400)])
    taken: list[tuple[float, float, float, float]] = []
    keep = place_labels(x, y, texts, fontsize_pt=5, metres_per_pt=0.5,
                        frame=(0, 0, 200, 200), taken=taken)
    assert 20 < keep.sum() < 400  # some labels had to give way
    boxes = [shapely.box(*b) for b in taken]
    frame = shapely.box(0, 0, 200, 200)
    assert all(frame.contains(b) for b in boxes)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a.intersection(b).area < 1e-9
    # a label given earlier wins: a long street label is kept, the number under it is not
    keep = place_labels(np.array([100.0, 100.0]), np.array([100.0, 101.0]),
                        np.array(["1.016 Boulevard de l'Indépendance", "12"]),
                        fontsize_pt=7, metres_per_pt=0.5, frame=(0, 0, 200, 200),
                        centred=True)
    assert keep.tolist() == [True, False]


def test_atlas_sheets_have_scale_north_legend_and_footprints(tmp_path: Path) -> None:
    import shutil
    import subprocess

    import parakou_geo
    from parakou_geo.datasets import load_sample

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    s = load_sample()
    result = parakou_geo.address(s["roads"], s["buildings"], zones=s["zones"])
    path = tmp_path / "atlas.pdf"
    pages = write_atlas(result, path, settings=ExportSettings(grid_cell_m=1000))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout.split("\f")
    sheets = [p for p in text[1:pages] if p.strip()]
    assert len(sheets) == pages - 1
    for page in sheets:
        assert "Légende" in page
        assert "Bâtiment" in page
        assert " N" in page or "N\n" in page
        assert " m" in page  # the scale bar's length
    # footprints are drawn (their grey fill, #e3e3e3), and only when the register has them
    with_footprints = _footprint_pixels(path, tmp_path)
    result.register.buildings = None
    bare = write_atlas(result, tmp_path / "bare.pdf", settings=ExportSettings(grid_cell_m=1000))
    assert bare == pages
    # without footprints only a few anti-aliased pixels of lines and text have that grey
    assert with_footprints > 5 * _footprint_pixels(tmp_path / "bare.pdf", tmp_path)


def _footprint_pixels(pdf: Path, tmp: Path) -> int:
    import subprocess

    import numpy as np
    from PIL import Image

    stem = tmp / pdf.stem
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-f", "2", "-l", "2", str(pdf),
                    str(stem)], check=True)
    png = next(tmp.glob(f"{pdf.stem}-*2.png"))
    rgb = np.asarray(Image.open(png).convert("RGB")).astype(int)
    h = rgb.shape[0]
    inside = rgb[int(h * 0.09):int(h * 0.89)]  # the map frame, not the legend below it
    return int((inside == 227).all(axis=2).sum())  # the exact fill, not anti-aliased edges
