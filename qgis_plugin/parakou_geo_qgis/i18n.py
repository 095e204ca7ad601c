"""French and English strings of the plugin, chosen from QGIS's interface language."""

#: key → (English, French)
STRINGS = {
    "provider": ("parakou_geo (addressing)", "parakou_geo (adressage)"),
    "setting.command": (
        "parakou-geo command (empty: found on the PATH; or a Python of an environment where "
        "parakou_geo is installed)",
        "Commande parakou-geo (vide : trouvée dans le PATH ; ou un Python d'un environnement "
        "où parakou_geo est installé)"),
    "group.register": ("Address register", "Registre des adresses"),
    "group.exports": ("Exports", "Exports"),
    "group.maps": ("Maps", "Cartes"),
    "group.planning": ("Planning", "Planification"),
    # build
    "build.name": ("Build an address register", "Créer un registre des adresses"),
    "build.help": (
        "Codes every street and numbers every building (parakou-geo address). Writes the "
        "register GeoPackage, styled and labelled for QGIS, and the addresses CSV, then adds "
        "the register's layers to the project. Inputs are checked first: a layer without a "
        "CRS, lines given as buildings or a missing column stop the run with a message "
        "saying what to fix, and nothing is written.",
        "Code chaque rue et numérote chaque bâtiment (parakou-geo address). Écrit le registre "
        "GeoPackage, avec ses styles et étiquettes pour QGIS, et le CSV des adresses, puis "
        "ajoute les couches du registre au projet. Les données sont d'abord vérifiées : une "
        "couche sans SCR, des lignes données comme bâtiments ou une colonne absente arrêtent "
        "le traitement avec un message qui dit quoi corriger, et rien n'est écrit."),
    "p.roads": ("Roads (lines)", "Voies (lignes)"),
    "p.buildings": ("Buildings (footprints, parcels or points)",
                    "Bâtiments (emprises, parcelles ou points)"),
    "p.zones": ("Zones (arrondissements)", "Zones (arrondissements)"),
    "p.zone_column": ("Zone number column (default arr_num)",
                      "Colonne du numéro de zone (défaut arr_num)"),
    "p.quartiers": ("Quartiers", "Quartiers"),
    "p.quartier_column": ("Quartier name column (default quartier)",
                          "Colonne du nom de quartier (défaut quartier)"),
    "p.names": ("Official street names (CSV)", "Noms officiels des rues (CSV)"),
    "p.method": ("Door numbering method", "Méthode de numérotation"),
    "p.suffix": ("Suffixes of inserted numbers", "Suffixes des numéros intercalés"),
    "p.max_distance": ("Maximum door-to-street distance (m)",
                       "Distance maximale porte-rue (m)"),
    "p.crs": ("CRS of input layers that have none (e.g. EPSG:4326)",
              "SCR des couches qui n'en ont pas (ex. EPSG:4326)"),
    "p.settings": ("Settings file (TOML)", "Fichier de paramètres (TOML)"),
    "p.register_out": ("Address register", "Registre des adresses"),
    "p.csv_out": ("Addresses CSV", "CSV des adresses"),
    "p.overwrite": ("Replace an existing register", "Remplacer un registre existant"),
    # update
    "update.name": ("Update an address register", "Mettre à jour un registre des adresses"),
    "update.help": (
        "Adds new roads and buildings to an existing register (parakou-geo update): existing "
        "numbers never change, new buildings get the next free number or suffix. Writes a "
        "changes CSV. The register's layers in the project are refreshed.",
        "Ajoute de nouvelles voies et de nouveaux bâtiments à un registre existant "
        "(parakou-geo update) : les numéros existants ne changent jamais, les nouveaux "
        "bâtiments reçoivent le prochain numéro ou suffixe libre. Écrit un CSV des "
        "changements. Les couches du registre dans le projet sont rafraîchies."),
    "p.register_in": ("Address register (.gpkg)", "Registre des adresses (.gpkg)"),
    "p.changes_out": ("Changes CSV", "CSV des changements"),
    "p.reason": ("Reason (kept in the history)", "Motif (conservé dans l'historique)"),
    # exports
    "tax.name": ("Export: address list for the tax service",
                 "Export : liste des adresses pour les impôts"),
    "tax.help": ("CSV for Excel or XLSX with one sheet per arrondissement "
                 "(parakou-geo export tax).",
                 "CSV pour Excel ou XLSX avec une feuille par arrondissement "
                 "(parakou-geo export tax)."),
    "bal.name": ("Export: BAL 1.4 address file", "Export : fichier d'adresses BAL 1.4"),
    "bal.help": ("Base Adresse Locale 1.4 CSV (parakou-geo export bal).",
                 "CSV Base Adresse Locale 1.4 (parakou-geo export bal)."),
    "streets.name": ("Export: street directory", "Export : répertoire des rues"),
    "streets.help": ("Street directory with a name index, as CSV, XLSX or HTML "
                     "(parakou-geo export streets).",
                     "Répertoire des rues avec index des noms, en CSV, XLSX ou HTML "
                     "(parakou-geo export streets)."),
    "signage.name": ("Export: signage plan", "Export : plan de signalisation"),
    "signage.help": ("Street and door plates, posts, counts and cost in FCFA, as CSV or XLSX "
                     "(parakou-geo export signage).",
                     "Plaques de rue et de porte, poteaux, quantités et coût en FCFA, en CSV ou "
                     "XLSX (parakou-geo export signage)."),
    "certificate.name": ("Export: address certificates", "Export : certificats d'adresse"),
    "certificate.help": ("Printable HTML certificates, one page per address, for the given "
                         "addresses or a whole street (parakou-geo export certificate).",
                         "Certificats HTML imprimables, une page par adresse, pour les "
                         "adresses données ou toute une rue (parakou-geo export certificate)."),
    "p.output_file": ("Output file", "Fichier de sortie"),
    "p.zone_filter": ("Keep these zones (comma-separated, empty: all)",
                      "Garder ces zones (séparées par des virgules, vide : toutes)"),
    "p.status_filter": ("Keep these statuses (none chosen: all)",
                        "Garder ces statuts (aucun choisi : tous)"),
    "p.language": ("Language of the output", "Langue du document"),
    "p.addresses": ("Addresses: ids or labels, separated by ';' (e.g. 12 bis Rue 2.045)",
                    "Adresses : identifiants ou libellés séparés par « ; » "
                    "(ex. 12 bis Rue 2.045)"),
    "p.street": ("Or every address of this street (code, e.g. 2.045)",
                 "Ou toutes les adresses de cette rue (code, ex. 2.045)"),
    "certificate.which": ("Give addresses or a street code, not both.",
                          "Donnez des adresses ou un code de rue, pas les deux."),
    # map
    "map.name": ("Addressing map (HTML)", "Carte d'adressage (HTML)"),
    "map.help": ("Web map of the register: streets by zone, addresses with popups, a search "
                 "box (parakou-geo map address). Offline: every library is embedded.",
                 "Carte web du registre : rues par zone, adresses avec fenêtres, recherche "
                 "(parakou-geo map address). Hors ligne : toutes les bibliothèques sont "
                 "incluses."),
    "p.offline": ("Works without internet (offline)", "Fonctionne sans internet (hors ligne)"),
    "p.map_out": ("Map (HTML)", "Carte (HTML)"),
    # planning
    "coverage.name": ("Planning: service coverage (waste, water)",
                      "Planification : couverture des services (déchets, eau)"),
    "coverage.help": (
        "Share of the population within reach of waste regrouping points or water points, "
        "per zone, and optionally K new sites that cover the most people (parakou-geo plan "
        "waste|water). Writes a GeoPackage of layers and tables into the output folder and "
        "adds the layers to the project.",
        "Part de la population à portée des points de regroupement des déchets ou des points "
        "d'eau, par zone, et en option K nouveaux sites couvrant le plus d'habitants "
        "(parakou-geo plan waste|water). Écrit un GeoPackage de couches et des tableaux dans "
        "le dossier de sortie et ajoute les couches au projet."),
    "p.topic": ("Service", "Service"),
    "topic.waste": ("Waste regrouping points", "Points de regroupement des déchets"),
    "topic.water": ("Water points", "Points d'eau"),
    "p.cov_buildings": ("Buildings or the register's addresses (population column optional)",
                        "Bâtiments ou adresses du registre (colonne population facultative)"),
    "p.points": ("Existing points of the service", "Points existants du service"),
    "p.radius": ("Coverage radius (m, 0: default 300 waste / 500 water)",
                 "Rayon de couverture (m, 0 : défaut 300 déchets / 500 eau)"),
    "p.network": ("Measure distances along the roads", "Mesurer les distances le long des voies"),
    "p.cov_roads": ("Roads (for distances along the roads and new sites)",
                    "Voies (pour les distances le long des voies et les nouveaux sites)"),
    "p.cov_zones": ("Zones for the per-zone table", "Zones pour le tableau par zone"),
    "p.site": ("New sites to propose (0: none)", "Nouveaux sites à proposer (0 : aucun)"),
    "p.population": ("Population column (default pop)", "Colonne de population (défaut pop)"),
    "p.folder_out": ("Output folder", "Dossier de sortie"),
    # messages
    "msg.running": ("Running: {cmd}", "Commande : {cmd}"),
    "msg.failed": ("parakou-geo failed: {message}", "parakou-geo a échoué : {message}"),
    "msg.canceled": ("Canceled: parakou-geo was stopped; it writes its outputs completely or "
                     "not at all.",
                     "Annulé : parakou-geo a été arrêté ; il écrit ses fichiers en entier ou "
                     "pas du tout."),
    "msg.overwrite": ("In QGIS: tick \"{option}\".", "Dans QGIS : cochez « {option} »."),
    "msg.no_layer": ("{param}: give a layer", "{param} : donnez une couche"),
    "msg.reloaded": ("Refreshed {n} layer(s) of the register in the project",
                     "{n} couche(s) du registre rafraîchie(s) dans le projet"),
}


def language():
    """Return ``"fr"`` or ``"en"``: QGIS's interface language (French for any fr_* locale)."""
    try:
        from qgis.core import QgsSettings
        from qgis.PyQt.QtCore import QLocale

        settings = QgsSettings()
        locale = ""
        if settings.value("locale/overrideFlag", False, type=bool):
            locale = settings.value("locale/userLocale", "", type=str)
        locale = locale or QLocale.system().name()
    except ImportError:  # outside QGIS (tests of the strings)
        import locale as _locale

        locale = _locale.getlocale()[0] or ""
    return "fr" if str(locale).lower().startswith("fr") else "en"


def tr(key, **fields):
    """Return the string ``key`` in the interface language, formatted with ``fields``."""
    english, french = STRINGS[key]
    text = french if language() == "fr" else english
    return text.format(**fields) if fields else text
