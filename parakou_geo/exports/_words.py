"""French and English words shown to users: column headers, sheet names, document text.

French is the default (Parakou works in French); English is a setting
(``ExportSettings.language``). Every user-facing word of the exports comes from here.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["Language", "header", "headers", "status_word", "word"]

Language = Literal["fr", "en"]

#: Column headers, by internal column name: (French, English).
_HEADERS: dict[str, tuple[str, str]] = {
    "label": ("Adresse", "Address"),
    "street_code": ("Code de la rue", "Street code"),
    "street_name": ("Nom de la rue", "Street name"),
    "number": ("Numéro", "Number"),
    "suffix": ("Suffixe", "Suffix"),
    "quartier": ("Quartier", "Quartier"),
    "zone": ("Arrondissement", "Arrondissement"),
    "street_zone": ("Arrondissement de la rue", "Street's arrondissement"),
    "nup": ("NUP", "NUP"),
    "rfu_id": ("Identifiant RFU", "RFU id"),
    "building_id": ("Identifiant du bâtiment", "Building id"),
    "area_m2": ("Surface bâtie (m²)", "Footprint area (m²)"),
    "lon": ("Longitude", "Longitude"),
    "lat": ("Latitude", "Latitude"),
    "plus_code": ("Plus Code", "Plus Code"),
    "plus_code_short": ("Plus Code court", "Short Plus Code"),
    "status": ("Statut", "Status"),
    "n_addresses": ("Nombre d'adresses", "Number of addresses"),
    "length_m": ("Longueur (m)", "Length (m)"),
    "quartiers": ("Quartier(s)", "Quartier(s)"),
    "left_range": ("Numéros côté gauche (impairs)", "Left side numbers (odd)"),
    "right_range": ("Numéros côté droit (pairs)", "Right side numbers (even)"),
    "cells": ("Carreaux traversés", "Grid cells crossed"),
    "page": ("Page", "Page"),
    "kind": ("Type de plaque", "Plate type"),
    "plate_text": ("Texte de la plaque", "Plate text"),
    "x": ("X (m)", "X (m)"),
    "y": ("Y (m)", "Y (m)"),
    "street_plates": ("Plaques de rue", "Street plates"),
    "door_plates": ("Plaques de porte", "Door plates"),
    "posts": ("Poteaux", "Posts"),
    "location": ("Emplacement", "Location"),
    "node": ("N° d'emplacement", "Location no."),
    "cost_fcfa": ("Coût estimé (FCFA)", "Estimated cost (FCFA)"),
    "n_rows": ("Nombre de lignes", "Number of rows"),
    "sheet": ("Feuille", "Sheet"),
    "cell": ("Carreau", "Cell"),
    "name": ("Nom", "Name"),
}

#: Lifecycle statuses as shown to users: (French, English).
_STATUSES: dict[str, tuple[str, str]] = {
    "proposed": ("proposée", "proposed"),
    "current": ("en vigueur", "current"),
    "retired": ("retirée", "retired"),
    "rejected": ("rejetée", "rejected"),
}

#: Other words: (French, English).
_WORDS: dict[str, tuple[str, str]] = {
    "summary": ("Résumé", "Summary"),
    "arrondissement": ("Arrondissement", "Arrondissement"),
    "total": ("Total", "Total"),
    "no_zone": ("Sans arrondissement", "No arrondissement"),
    "tax_left_out": ("{n} adresse(s) non listée(s) : {statuses} (option --status pour les "
                     "inclure)", "{n} address(es) not listed: {statuses} (use --status to "
                     "include them)"),
    "street_directory": ("Répertoire des rues", "Street directory"),
    "name_index": ("Index alphabétique des noms", "Alphabetical name index"),
    "street_plate": ("plaque de rue", "street plate"),
    "door_plate": ("plaque de porte", "door plate"),
    "street_end": ("extrémité de rue", "street end"),
    "intersection": ("intersection", "intersection"),
    "signage_plan": ("Plan de signalisation", "Signage plan"),
    "plates": ("Plaques", "Plates"),
    "certificate": ("Certificat d'adressage", "Address certificate"),
    "republic": ("République du Bénin", "Republic of Benin"),
    "department": ("Département du Borgou", "Borgou Department"),
    "commune_of": ("Commune de", "Commune of"),
    "certifies": (
        "Le service de l'adressage certifie que le bâtiment ci-dessous porte l'adresse :",
        "The addressing service certifies that the building below has the address:",
    ),
    "address": ("Adresse", "Address"),
    "delivered_on": ("Délivré le", "Issued on"),
    "certificate_no": ("Certificat n°", "Certificate no."),
    "signatory": ("Pour le Maire, le Chef du service de l'adressage",
                  "For the Mayor, the Head of the addressing service"),
    "signature_stamp": ("Signature et cachet", "Signature and stamp"),
    "map_extract": ("Extrait de plan", "Map extract"),
    "qr_caption": ("QR code du Plus Code", "QR code of the Plus Code"),
    "index_page": ("Tableau d'assemblage", "Index sheet"),
    "legend": ("Légende", "Legend"),
    "legend_building": ("Bâtiment", "Building"),
    "legend_street": ("Rue (code et nom)", "Street (code and name)"),
    "legend_address": ("Adresse (numéro)", "Address (number)"),
    "sheet": ("Planche", "Sheet"),
    "unnamed": ("(sans nom)", "(unnamed)"),
    "osm_attribution": (
        "Données © contributeurs OpenStreetMap (ODbL 1.0) lorsque la source en provient",
        "Data © OpenStreetMap contributors (ODbL 1.0) where derived from OpenStreetMap",
    ),
}


def _pick(pair: tuple[str, str], language: Language) -> str:
    return pair[0] if language == "fr" else pair[1]


def header(column: str, language: Language) -> str:
    """Return the header shown for an internal column name (the name itself if unknown)."""
    pair = _HEADERS.get(column)
    return column if pair is None else _pick(pair, language)


def headers(columns: list[str], language: Language) -> dict[str, str]:
    """Return ``{column: header}`` for renaming a table's columns."""
    return {c: header(c, language) for c in columns}


def status_word(status: str, language: Language) -> str:
    """Return a lifecycle status as shown to users (the code itself if unknown)."""
    pair = _STATUSES.get(status)
    return status if pair is None else _pick(pair, language)


def word(key: str, language: Language) -> str:
    """Return a word or sentence of the exports in the chosen language."""
    return _pick(_WORDS[key], language)
