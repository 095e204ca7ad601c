"""Tax-service address lists: CSV/XLSX shape, filters, identifiers as text, injection safety."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from openlocationcode import openlocationcode as olc
from test_exports_helpers import CALC, HYPERLINK, make_register, write_test_register

from parakou_geo import InputError, OutputError
from parakou_geo.exports import ExportSettings, tax_table, write_tax_csv, write_tax_xlsx
from parakou_geo.exports._spreadsheet import neutralise
from parakou_geo.register import STATUSES

FR_HEADERS = ["Adresse", "Code de la rue", "Nom de la rue", "Numéro", "Suffixe", "Quartier",
              "Arrondissement", "Arrondissement de la rue", "Identifiant du bâtiment", "NUP",
              "Identifiant RFU",
              "Surface bâtie (m²)", "Longitude", "Latitude", "Plus Code", "Plus Code court",
              "Statut"]


def test_table_columns_order_and_values() -> None:
    t = tax_table(make_register())
    assert list(t.columns[:9]) == ["label", "street_code", "street_name", "number", "suffix",
                                   "quartier", "zone", "street_zone", "building_id"]
    assert list(t.columns[9:11]) == ["nup", "rfu_id"]
    # sorted by zone, street code, number; the retired A4 is left out by default
    assert t["label"].tolist() == ["25 Rue 1.001", "30 Rue 1.001", "12 bis Rue 1.002",
                                   "50 Rue 2.001"]
    assert t["building_id"].iloc[0] == "007"
    assert t["nup"].iloc[0] == "000123456"
    assert t["rfu_id"].iloc[1] == "RFU-1-0042"


def test_plus_codes_are_the_official_encoding() -> None:
    t = tax_table(make_register())
    for code, short, lon, lat in zip(t["plus_code"], t["plus_code_short"], t["lon"], t["lat"],
                                     strict=True):
        assert code == olc.encode(lat, lon, 10)
        area = olc.decode(code)
        assert area.latitudeLo <= lat <= area.latitudeHi
        assert area.longitudeLo <= lon <= area.longitudeHi
        # the short form is the last 6 characters + locality, and recovers the full code
        assert short == f"{code[4:]} Parakou"
        assert olc.recoverNearest(code[4:], 9.339005, 2.629183) == code


def test_filters_by_zone_quartier_status() -> None:
    reg = make_register()
    assert tax_table(reg, zones=[2])["label"].tolist() == ["50 Rue 2.001"]
    assert tax_table(reg, quartiers=["Zongo"])["label"].tolist() == ["12 bis Rue 1.002"]
    assert tax_table(reg, quartiers=["Zongo"], statuses=STATUSES)["label"].tolist() == [
        "12 bis Rue 1.002", "91 Rue 1.003"]
    assert tax_table(reg, statuses=["current"])["label"].tolist() == ["30 Rue 1.001"]
    assert len(tax_table(reg, zones=["1"], statuses=["proposed", "current"])) == 3
    assert tax_table(reg, statuses=["retired"])["label"].tolist() == ["91 Rue 1.003"]


def test_bad_filters_are_all_reported() -> None:
    with pytest.raises(InputError, match=r"(?s)3 problems.*zone\(s\) 9.*quartier\(s\) Nowhere.*"
                                         r"status\(es\) live") as info:
        tax_table(make_register(), zones=[9], quartiers=["Nowhere"], statuses=["live"])
    assert "Banikanni" in str(info.value)


def test_footprint_area_from_buildings() -> None:
    import geopandas as gpd
    import shapely
    from conftest import shift

    b = gpd.GeoDataFrame({"building_id": ["007", "B2"]},
                         geometry=[shapely.box(*shift((20, 5)), *shift((30, 15))),
                                   shapely.box(*shift((25, -15)), *shift((35, -5)))], crs=32631)
    t = tax_table(make_register(), buildings=b)
    assert t["area_m2"].tolist()[:2] == [100.0, 100.0]
    assert t["area_m2"].isna().sum() == 2
    with pytest.raises(InputError, match="geographic"):
        tax_table(make_register(), buildings=b.to_crs(4326))


def test_csv_is_excel_french(tmp_path: Path) -> None:
    path = write_tax_csv(write_test_register(tmp_path), tmp_path / "taxe.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    assert b"\r\n" in raw
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows[0] == FR_HEADERS
    assert len(rows) == 5
    first = dict(zip(rows[0], rows[1], strict=True))
    # digit identifiers as text formulas: a spreadsheet keeps their leading zeros
    assert first["Identifiant du bâtiment"] == '="007"'
    assert first["NUP"] == '="000123456"'
    assert first["Code de la rue"] == '="1.001"'
    assert first["Identifiant RFU"] == ""
    assert first["Statut"] == "proposée"
    assert "," in first["Longitude"]  # French decimal comma
    assert float(first["Longitude"].replace(",", ".")) == pytest.approx(2.62, abs=0.02)


def test_csv_neutralises_formulas_keeping_the_text(tmp_path: Path) -> None:
    path = write_tax_csv(make_register(), tmp_path / "taxe.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    names = [r["Nom de la rue"] for r in rows]
    assert "'" + HYPERLINK in names
    path = write_tax_csv(make_register(), tmp_path / "all.csv", statuses=STATUSES)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert "'" + CALC in [r["Nom de la rue"] for r in rows]
    # no cell of the file starts with a formula character, except the identifiers made of
    # digits written as ="<digits>" on purpose (nothing else can be inside)
    import re

    for row in rows:
        for value in row.values():
            if re.fullmatch(r'="[0-9]+(?:[.,][0-9]+)*"', value):
                continue
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_neutralise_each_formula_start(text: str) -> None:
    assert neutralise(text) == "'" + text


def test_csv_separator_and_english_are_settings(tmp_path: Path) -> None:
    s = ExportSettings(language="en", csv_separator=",", csv_decimal=".")
    path = write_tax_csv(make_register(), tmp_path / "tax.csv", settings=s)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=","))
    assert rows[0][:3] == ["Address", "Street code", "Street name"]
    assert rows[1][-1] == "proposed"


def test_xlsx_sheets_headers_panes_filters_and_text_ids(tmp_path: Path) -> None:
    path = write_tax_xlsx(make_register(), tmp_path / "taxe.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Résumé", "Arrondissement 1", "Arrondissement 2"]
    summary = wb["Résumé"]
    assert [c.value for c in summary[1]] == ["Arrondissement", "Nombre d'adresses", "proposée",
                                             "en vigueur", "Feuille"]
    assert [c.value for c in summary["B"]][1:4] == [3, 1, 4]
    for name, n_rows, longest in (("Arrondissement 1", 3, "12 bis Rue 1.002"),
                                  ("Arrondissement 2", 1, "50 Rue 2.001")):
        ws = wb[name]
        assert [c.value for c in ws[1]] == FR_HEADERS
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:Q{n_rows + 1}"
        assert ws.max_row == n_rows + 1
        assert ws.column_dimensions["A"].width == len(longest) + 2
    ws = wb["Arrondissement 1"]
    bld = ws.cell(row=2, column=9)
    assert bld.value == "007"
    assert bld.data_type == "s"
    assert ws.cell(row=2, column=10).value == "000123456"
    assert isinstance(ws.cell(row=2, column=4).value, int)  # numbers stay numbers


def test_xlsx_formula_names_are_plain_text(tmp_path: Path) -> None:
    path = write_tax_xlsx(make_register(), tmp_path / "taxe.xlsx", statuses=STATUSES)
    ws = openpyxl.load_workbook(path)["Arrondissement 1"]
    cells = {c.value: c for c in ws["C"][1:]}
    for text in (HYPERLINK, CALC):
        cell = cells[text]  # the exact visible text, no apostrophe added
        assert cell.data_type != "f"
        assert cell.data_type == "s"
        assert cell.quotePrefix
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


def test_existing_output_is_not_replaced(tmp_path: Path) -> None:
    target = tmp_path / "taxe.xlsx"
    target.write_text("keep")
    with pytest.raises(OutputError, match="already exists"):
        write_tax_xlsx(make_register(), target)
    assert target.read_text() == "keep"
    write_tax_xlsx(make_register(), target, overwrite=True)
    assert openpyxl.load_workbook(target).sheetnames[0] == "Résumé"


def test_missing_register_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"does not exist; build one with `parakou-geo"):
        tax_table(tmp_path / "nope.gpkg")


def test_geographic_register_is_rejected() -> None:
    reg = make_register()
    reg.addresses = reg.addresses.to_crs(4326)
    with pytest.raises(InputError, match="geographic"):
        tax_table(reg)


@pytest.mark.realdata
def test_exported_plus_codes_match_the_published_vectors() -> None:
    import pandas as pd
    from conftest import shared_file

    path = shared_file("olc_test_data", "encoding.csv")
    with path.open(encoding="utf-8") as fh:
        rows = [r for r in csv.reader(fh) if r and not r[0].startswith("#")]
    vectors = [r for r in rows if r[5] and int(r[4]) == 10]
    assert len(vectors) > 20
    reg = make_register()
    one = reg.addresses.iloc[[0]]
    addr = pd.concat([one] * len(vectors), ignore_index=True)
    addr["lat"] = [float(r[0]) for r in vectors]
    addr["lon"] = [float(r[1]) for r in vectors]
    addr["building_id"] = [f"V{i:03d}" for i in range(len(vectors))]
    reg.addresses = addr
    table = tax_table(reg).sort_values("building_id")
    mismatch = 0
    for got, r in zip(table["plus_code"], vectors, strict=True):
        if got != r[5]:
            # the vectors allow float rounding at cell edges: the integer path is exact
            assert olc.encodeIntegers(int(r[2]), int(r[3]), 10) == r[5]
            mismatch += 1
    assert mismatch <= 0.05 * len(vectors)


# ---- issue 12: what the tax service gets, on the sample register --------------------------

@pytest.fixture(scope="module")
def sample_register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import parakou_geo
    from parakou_geo.datasets import load_sample
    from parakou_geo.register import write_register

    s = load_sample()
    result = parakou_geo.address(s["roads"], s["buildings"], zones=s["zones"],
                                 quartiers=s["quartiers"])
    path = tmp_path_factory.mktemp("sample") / "register.gpkg"
    write_register(result.register, path)
    return path


def test_footprint_area_comes_from_the_registers_own_buildings(sample_register: Path) -> None:
    import pyogrio

    t = tax_table(sample_register)
    footprints = pyogrio.read_dataframe(sample_register, layer="buildings")
    area = footprints.set_index("building_id").geometry.area.round(1)
    assert t["area_m2"].notna().all()
    assert t["area_m2"].tolist() == area.loc[t["building_id"]].tolist()


def test_register_holds_both_zones_and_the_tax_list_groups_by_the_buildings(
    sample_register: Path
) -> None:
    import pyogrio

    addr = pyogrio.read_dataframe(sample_register, layer="addresses", read_geometry=False)
    assert {"zone", "building_zone"} <= set(addr.columns)
    # the sample's quartiers lie inside their arrondissement (quartier "2-B" in zone 2)
    assert (addr["building_zone"] == addr["quartier"].str.extract(r"(\d)-")[0]).all()
    streets = pyogrio.read_dataframe(sample_register, layer="streets", read_geometry=False)
    street_zone = dict(zip(streets["street_code"], streets["zone"], strict=True))
    assert (addr["zone"] == addr["street_code"].map(street_zone)).all()  # the street's zone
    # streets that cross a border: hundreds of buildings stand in another zone than their
    # street's (688 of 2,735 with the nearest-street rule, 694 with access-aware assignment)
    assert (addr["zone"] != addr["building_zone"]).sum() > 300
    t = tax_table(sample_register, quartiers=["Quartier synthétique 1-A"])
    assert set(t["zone"]) == {"1"}
    assert set(t["street_zone"]) > {"1"}  # some of its streets belong to other zones
    assert set(tax_table(sample_register, zones=[2])["quartier"]) == {
        f"Quartier synthétique 2-{q}" for q in "ABC"}


def test_retired_and_rejected_are_left_out_and_the_summary_counts_statuses(
    tmp_path: Path
) -> None:
    reg = make_register()
    reg.addresses.loc[reg.addresses["address_id"] == "A5", "status"] = "rejected"
    path = write_tax_xlsx(reg, tmp_path / "taxe.xlsx")
    summary = openpyxl.load_workbook(path)["Résumé"]
    rows = [[c.value for c in row] for row in summary.iter_rows()]
    assert rows[0] == ["Arrondissement", "Nombre d'adresses", "proposée", "en vigueur",
                       "Feuille"]
    assert rows[1] == ["1", 3, 2, 1, "Arrondissement 1"]
    assert rows[2] == ["Total", 3, 2, 1, None]
    assert rows[-1][-1] == ("2 adresse(s) non listée(s) : retirée, rejetée (option --status "
                            "pour les inclure)")
    listed = tax_table(reg, statuses=STATUSES)
    assert sorted(listed["status"]) == ["current", "proposed", "proposed", "rejected", "retired"]


def test_parcel_headers_are_translated(tmp_path: Path) -> None:
    fr = write_tax_csv(make_register(), tmp_path / "fr.csv")
    en = write_tax_csv(make_register(), tmp_path / "en.csv",
                       settings=ExportSettings(language="en"))
    assert "nup" not in fr.read_text(encoding="utf-8-sig").splitlines()[0].split(";")
    assert ";NUP;Identifiant RFU;" in fr.read_text(encoding="utf-8-sig").splitlines()[0]
    assert ";NUP;RFU id;" in en.read_text(encoding="utf-8-sig").splitlines()[0]


def test_xlsx_prints_landscape_fit_to_width_with_the_header_on_every_page(
    sample_register: Path, tmp_path: Path
) -> None:
    from _office import convert, pdf_pages

    path = write_tax_xlsx(sample_register, tmp_path / "taxe.xlsx")
    ws = openpyxl.load_workbook(path)["Arrondissement 1"]
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == "$1:$1"
    pages, width, height = pdf_pages(convert(path, "pdf", tmp_path))
    assert width > height  # landscape, as LibreOffice prints it
    # 2,735 rows of 18 columns: about 60 rows a page on one page width (306 pages before)
    assert pages < 60


def test_csv_opened_in_libreoffice_keeps_identifiers_as_written(tmp_path: Path) -> None:
    from _office import CSV_FRENCH, convert

    reg = make_register()
    reg.addresses["street_code"] = reg.addresses["street_code"].replace("1.001", "1.010")
    path = write_tax_csv(reg, tmp_path / "taxe.csv")
    xlsx = convert(path, "xlsx", tmp_path / "lo", infilter=CSV_FRENCH)
    ws = openpyxl.load_workbook(xlsx, data_only=True).active
    head = [c.value for c in ws[1]]
    rows = [dict(zip(head, [c.value for c in r], strict=True)) for r in ws.iter_rows(min_row=2)]
    first = next(r for r in rows if r["Adresse"] == "25 Rue 1.001")
    assert first["NUP"] == "000123456"  # not 123456
    assert first["Identifiant du bâtiment"] == "007"  # not 7
    assert first["Code de la rue"] == "1.010"  # not 1.01
    assert isinstance(first["Numéro"], int)  # numbers stay numbers
    assert first["Longitude"] == pytest.approx(2.62, abs=0.02)  # decimal comma read as such
    # a plain CSV for programs, when asked
    plain = write_tax_csv(reg, tmp_path / "plain.csv",
                          settings=ExportSettings(csv_ids_as_text=False))
    assert ";000123456;" in plain.read_text(encoding="utf-8-sig")
