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
        "new_sites": "Nouveaux sites proposés ({m} m)",
        "uncovered_waste": "Bâtiments à plus de {m} m d'un point de déchets",
        "uncovered_water": "Bâtiments à plus de {m} m d'un point d'eau",
        "uncovered_green": "Bâtiments à plus de {m} m d'un espace vert",
        "along_roads": "distance mesurée par la route (pas de cercle)",
        "no_network": "Pas de connexion internet : le fond de carte n'a pas pu être chargé. "
                      "Les données restent affichées sur un fond uni (pour travailler sans "
                      "internet, créez la carte avec --offline).",
        "type": "Type",
        "distance_m": "Distance (m)",
        "population_assigned": "Habitants rattachés",
        "waste_kg_day": "Déchets (kg/jour)",
        "containers_needed": "Conteneurs nécessaires",
        "extra_points_needed": "Points supplémentaires nécessaires",
        "rank": "Rang",
        "population_added": "Habitants nouvellement desservis",
        "n_seedlings": "Plants à prévoir",
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
        "new_sites": "Proposed new sites ({m} m)",
        "uncovered_waste": "Buildings more than {m} m from a waste point",
        "uncovered_water": "Buildings more than {m} m from a water point",
        "uncovered_green": "Buildings more than {m} m from a green space",
        "along_roads": "distance measured along the roads (no circle)",
        "no_network": "No internet connection: the background map could not be loaded. The "
                      "data is still shown on a plain background (to work without internet, "
                      "make the map with --offline).",
        "type": "Type",
        "distance_m": "Distance (m)",
        "population_assigned": "Inhabitants assigned",
        "waste_kg_day": "Waste (kg/day)",
        "containers_needed": "Containers needed",
        "extra_points_needed": "Extra points needed",
        "rank": "Rank",
        "population_added": "Inhabitants newly covered",
        "n_seedlings": "Seedlings needed",
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
