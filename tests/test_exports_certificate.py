"""Address certificates: heading, address, Plus Code, map extract, QR code, escaping."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openlocationcode import openlocationcode as olc
from test_exports_helpers import HYPERLINK, make_register

from parakou_geo import InputError
from parakou_geo.exports import ExportSettings, certificate_html, write_certificates


def test_one_certificate(tmp_path: Path) -> None:
    reg = make_register()
    path = write_certificates(reg, tmp_path / "certificat.html", address_ids=["A3"],
                              statuses=["proposed", "current"], issued=dt.date(2026, 2, 1))
    doc = path.read_text(encoding="utf-8")
    row = reg.addresses.iloc[2]
    code = olc.encode(row["lat"], row["lon"], 10)
    assert doc.count('<section class="certificate">') == 1
    assert "République du Bénin" in doc
    assert "Commune de Parakou" in doc
    assert "Certificat d&#x27;adressage" in doc
    assert "12 bis Rue 1.002" in doc
    assert code in doc
    assert f"{code[4:]} Parakou" in doc
    assert "Délivré le 2026-02-01" in doc
    # the street name is escaped, never raw HTML
    assert HYPERLINK not in doc
    assert "=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)" in doc
    assert doc.count("<svg") == 2  # the map extract and the QR code
    assert "100000001" in doc  # the NUP


def test_qr_code_encodes_the_plus_code() -> None:
    import qrcode

    reg = make_register()
    row = reg.addresses.iloc[0]
    code = olc.encode(row["lat"], row["lon"], 10)
    qr = qrcode.QRCode(border=2, box_size=8)
    qr.add_data(code)
    qr.make(fit=True)
    doc = certificate_html(reg, address_ids=["25 Rue 1.001"], statuses=None)
    # same version (size) of QR symbol as the one made for the Plus Code text
    size = (qr.modules_count + 4) * 8 / 10  # SvgPathImage draws in mm units (px / 10)
    assert f'width="{size:g}mm"' in doc


def test_whole_street_in_number_order() -> None:
    doc = certificate_html(make_register(), street_code="1.001", statuses=None,
                           settings=ExportSettings(language="en"))
    assert doc.count('<section class="certificate">') == 2
    assert doc.index("25 Rue 1.001") < doc.index("30 Rue 1.001")
    assert "Address certificate" in doc
    assert "Republic of Benin" in doc


def test_errors_name_the_argument() -> None:
    reg = make_register()
    with pytest.raises(InputError, match="either address_ids"):
        certificate_html(reg)
    with pytest.raises(InputError, match="'nope' is not in the register"):
        certificate_html(reg, address_ids=["nope"])
    with pytest.raises(InputError, match=r"street_code .9\.999. has no address"):
        certificate_html(reg, street_code="9.999")
    # retired addresses are not certified by default
    with pytest.raises(InputError, match="'A4' has status 'retired': only current addresses"):
        certificate_html(reg, address_ids=["A4"])
    assert "91 Rue 1.003" in certificate_html(reg, address_ids=["A4"], statuses=None)


# ---- issue 12: certificates for addresses in force, numbered, signed, with footprints -------

def test_only_current_addresses_are_certified_by_default() -> None:
    reg = make_register()
    with pytest.raises(InputError, match=r"'A3' has status 'proposed': only current addresses "
                                         r"are certified \(validate it first"):
        certificate_html(reg, address_ids=["A3"])
    doc = certificate_html(reg, street_code="1.001")  # A1 proposed, A2 current
    assert doc.count('<section class="certificate">') == 1
    assert "30 Rue 1.001" in doc
    assert "25 Rue 1.001" not in doc


def test_once_the_register_has_official_addresses_only_those_are_certified() -> None:
    reg = make_register()
    reg.addresses["status"] = "current"
    reg.addresses["official"] = reg.addresses["address_id"] == "A1"
    with pytest.raises(InputError, match="'A2' is not official yet"):
        certificate_html(reg, address_ids=["A2"])
    assert "25 Rue 1.001" in certificate_html(reg, address_ids=["A1"])
    assert "30 Rue 1.001" in certificate_html(reg, address_ids=["A2"], official_only=False)


def test_certificate_number_signature_and_footprints() -> None:
    import geopandas as gpd
    import shapely
    from conftest import shift

    reg = make_register()
    reg.buildings = gpd.GeoDataFrame(
        {"building_id": ["B2", "B9"]},
        geometry=[shapely.box(*shift((25, -15)), *shift((35, -5))),
                  shapely.box(*shift((45, -15)), *shift((55, -5)))], crs=32631)
    doc = certificate_html(reg, address_ids=["A2"], issued=dt.date(2026, 2, 1))
    aid = reg.addresses.loc[reg.addresses["address_id"] == "A2", "address_id"].iloc[0]
    assert f"Certificat n° 2026-{aid.replace('-', '')[:8].upper()}" in doc
    assert "Signature et cachet" in doc
    assert "Pour le Maire" in doc
    # the two footprints are drawn, the certified building outlined in red
    assert doc.count("<polygon") == 2
    assert doc.count('stroke="#c00" stroke-width="2"') == 1


def test_certificate_prints_on_one_page_with_everything_visible(tmp_path: Path) -> None:
    import shutil
    import subprocess

    from _browser import CHROMIUM, require_browser

    require_browser()
    import parakou_geo
    from parakou_geo.datasets import load_sample

    s = load_sample()
    result = parakou_geo.address(s["roads"], s["buildings"], zones=s["zones"],
                                 quartiers=s["quartiers"])
    label = result.register.addresses["label"].iloc[100]
    path = write_certificates(result, tmp_path / "c.html", address_ids=[label], statuses=None)
    pdf = tmp_path / "c.pdf"
    subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
                    f"--print-to-pdf={pdf}", "--no-pdf-header-footer", path.as_uri()],
                   check=True, capture_output=True, timeout=120)
    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo (poppler-utils) is not installed")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "Pages:           1" in info
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    for needed in (label, "Certificat n°", "Signature et cachet", "Délivré le"):
        assert needed in text
