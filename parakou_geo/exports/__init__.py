"""What the register gives its users: exports for the tax service, partners and residents.

Tax lists, BAL, OpenStreetMap, street directory, map sheets, signage plan and address
certificates.

Every export reads a register GeoPackage path, a :class:`~parakou_geo.register.Register` or an
:class:`~parakou_geo.pipeline.AddressingResult`, filters by arrondissement (zone), quartier and
status, and writes its file atomically. User-facing words are French by default, English with
``ExportSettings(language="en")``.

=====================  ===============================================================
module                 output
=====================  ===============================================================
:mod:`.tax`            tax-service address list, CSV (BOM, ``;``) and XLSX
:mod:`.bal`            BAL 1.4 CSV (France's Base Adresse Locale format)
:mod:`.osm`            OpenStreetMap address points (GeoJSON, ``addr:*`` tags)
:mod:`.directory`      street directory (CSV, XLSX, printable HTML) with a name index
:mod:`.grid`           reference grid of map sheets (A1, B1...)
:mod:`.atlas`          PDF atlas, one page per grid cell plus an index page
:mod:`.signage`        street and door plates, counts and cost (CSV, XLSX)
:mod:`.certificate`    address certificates (printable HTML with map and QR code)
=====================  ===============================================================
"""

from __future__ import annotations

import logging

from parakou_geo.exports.atlas import write_atlas
from parakou_geo.exports.bal import BAL_COLUMNS, bal_table, write_bal
from parakou_geo.exports.certificate import certificate_html, write_certificates
from parakou_geo.exports.directory import (
    name_index,
    street_directory,
    write_directory_csv,
    write_directory_html,
    write_directory_xlsx,
)
from parakou_geo.exports.grid import cells_crossed, reference_grid
from parakou_geo.exports.osm import osm_features, write_osm_geojson
from parakou_geo.exports.settings import ExportSettings, load_export_settings
from parakou_geo.exports.signage import (
    SignagePlan,
    signage_plan,
    street_plates,
    write_signage_csv,
    write_signage_xlsx,
)
from parakou_geo.exports.tax import tax_table, write_tax_csv, write_tax_xlsx

__all__ = [
    "BAL_COLUMNS",
    "ExportSettings",
    "SignagePlan",
    "bal_table",
    "cells_crossed",
    "certificate_html",
    "load_export_settings",
    "name_index",
    "osm_features",
    "reference_grid",
    "signage_plan",
    "street_directory",
    "street_plates",
    "tax_table",
    "write_atlas",
    "write_bal",
    "write_certificates",
    "write_directory_csv",
    "write_directory_html",
    "write_directory_xlsx",
    "write_osm_geojson",
    "write_signage_csv",
    "write_signage_xlsx",
    "write_tax_csv",
    "write_tax_xlsx",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
