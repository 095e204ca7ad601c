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
                              issued=dt.date(2026, 2, 1))
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
    doc = certificate_html(reg, address_ids=["25 Rue 1.001"])
    # same version (size) of QR symbol as the one made for the Plus Code text
    size = (qr.modules_count + 4) * 8 / 10  # SvgPathImage draws in mm units (px / 10)
    assert f'width="{size:g}mm"' in doc


def test_whole_street_in_number_order() -> None:
    doc = certificate_html(make_register(), street_code="1.001",
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
    with pytest.raises(InputError, match="'A4' has status 'retired'; pass statuses"):
        certificate_html(reg, address_ids=["A4"])
    assert "91 Rue 1.003" in certificate_html(reg, address_ids=["A4"], statuses=None)
