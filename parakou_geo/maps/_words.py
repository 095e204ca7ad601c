"""Every text shown on the maps, in French (default) and English."""

from __future__ import annotations

from typing import Literal

__all__ = ["WORDS", "words"]

WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "addresses": "Adresses",
        "streets": "Rues",
        "zones": "Arrondissements",
        "quartiers": "Quartiers",
        "label": "Adresse",
        "building_id": "Bâtiment",
        "status": "Statut",
        "plus_code": "Plus Code",
        "street_code": "Code de rue",
        "street_name": "Nom de rue",
        "zone": "Arrondissement",
        "quartier": "Quartier",
        "length_m": "Longueur (m)",
        "n_addresses": "Adresses",
        "proposed": "proposée",
        "current": "en vigueur",
        "retired": "retirée",
        "rejected": "rejetée",
        "status_title": "Statut des adresses",
        "zone_title": "Rues par arrondissement",
        "legend": "Légende",
        "search": "Rechercher une adresse ou une rue…",
        "no_result": "Aucun résultat",
        "fullscreen": "Plein écran",
        "measure": "Mesurer une distance (cliquer sur la carte, double-clic pour finir)",
        "distance": "Distance",
        "forest": "Forêt communale (projet)",
        "green_spaces": "Espaces verts",
        "green_service": "Espaces verts et zone desservie ({m} m)",
        "waste_points": "Points de regroupement des déchets ({m} m)",
        "uncovered": "Bâtiments non desservis",
        "water_points": "Points d'eau ({m} m)",
        "name": "Nom",
        "area_ha": "Surface (ha)",
        "pop": "Habitants",
        "synthetic": "Données synthétiques (échantillon parakou_geo)",
        "title_address": "Plan d'adressage",
        "title_plan": "Plan des espaces verts, déchets et eau",
    },
    "en": {
        "addresses": "Addresses",
        "streets": "Streets",
        "zones": "Arrondissements",
        "quartiers": "Quartiers",
        "label": "Address",
        "building_id": "Building",
        "status": "Status",
        "plus_code": "Plus Code",
        "street_code": "Street code",
        "street_name": "Street name",
        "zone": "Arrondissement",
        "quartier": "Quartier",
        "length_m": "Length (m)",
        "n_addresses": "Addresses",
        "proposed": "proposed",
        "current": "current",
        "retired": "retired",
        "rejected": "rejected",
        "status_title": "Address status",
        "zone_title": "Streets by arrondissement",
        "legend": "Legend",
        "search": "Search an address or a street…",
        "no_result": "No result",
        "fullscreen": "Full screen",
        "measure": "Measure a distance (click on the map, double-click to finish)",
        "distance": "Distance",
        "forest": "Communal forest (planned)",
        "green_spaces": "Green spaces",
        "green_service": "Green spaces and service area ({m} m)",
        "waste_points": "Waste collection points ({m} m)",
        "uncovered": "Buildings not covered",
        "water_points": "Water points ({m} m)",
        "name": "Name",
        "area_ha": "Area (ha)",
        "pop": "Inhabitants",
        "synthetic": "Synthetic data (parakou_geo sample)",
        "title_address": "Addressing plan",
        "title_plan": "Green spaces, waste and water plan",
    },
}


def words(language: Literal["fr", "en"]) -> dict[str, str]:
    """Return the texts of ``language``.

    Examples
    --------
    >>> words("fr")["addresses"], words("en")["addresses"]
    ('Adresses', 'Addresses')
    """
    return WORDS[language]
