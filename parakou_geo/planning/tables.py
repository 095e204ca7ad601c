"""Planning tables for Excel users: French headers by default, CSV or XLSX, atomic writes.

French tables are French throughout, like the tax list: ``;`` separator and decimal comma in
CSV, values in words (``oui``/``non``, ``ligne droite``/``réseau routier``), counts as whole
numbers.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from parakou_geo._errors import OutputError
from parakou_geo.planning.settings import Language

__all__ = ["COUNT_COLUMNS", "HEADERS", "VALUES", "translate_headers", "translate_values",
           "write_table"]

#: Column headers: internal name → (French, English).
HEADERS: dict[str, tuple[str, str]] = {
    "zone": ("zone", "zone"),
    "n_buildings": ("bâtiments", "buildings"),
    "n_buildings_covered": ("bâtiments couverts", "buildings covered"),
    "share_buildings_covered_pct": ("part des bâtiments couverts (%)", "buildings covered (%)"),
    "population": ("population", "population"),
    "population_covered": ("population couverte", "population covered"),
    "share_population_covered_pct": ("part couverte (%)", "population covered (%)"),
    "population_within_radius": ("population dans le rayon", "population within radius"),
    "radius_m": ("rayon (m)", "radius (m)"),
    "distance_mode": ("mode de distance", "distance mode"),
    "sdg_distance_mode": ("mode de distance ODD 11.7.1", "SDG 11.7.1 distance mode"),
    "waste_kg_day": ("déchets (kg/jour)", "waste (kg/day)"),
    "waste_kg_per_collection": ("déchets par collecte (kg)", "waste per collection (kg)"),
    "containers_needed": ("conteneurs nécessaires", "containers needed"),
    "over_capacity": ("surcharge", "over capacity"),
    "extra_points_needed": ("points supplémentaires nécessaires", "extra points needed"),
    "indicator": ("indicateur", "indicator"),
    "share_buildings_green_pct": ("bâtiments à ≤ 300 m d'un espace vert (%)",
                                  "buildings within 300 m of green space (%)"),
    "share_population_green_pct": ("population à ≤ 300 m d'un espace vert ≥ 0,5 ha (%)",
                                   "population within 300 m of green space ≥ 0.5 ha (%)"),
    "share_population_green_large_pct": ("population à ≤ 300 m d'un espace vert ≥ 1 ha (%)",
                                         "population within 300 m of green space ≥ 1 ha (%)"),
    "share_population_sdg_pct": ("population à ≤ 400 m à pied d'un espace public (ODD 11.7.1) (%)",
                                 "population within 400 m walk of open space (SDG 11.7.1) (%)"),
    "zone_area_ha": ("surface de la zone (ha)", "zone area (ha)"),
    "green_area_ha": ("espaces verts (ha)", "green space (ha)"),
    "green_share_pct": ("part d'espaces verts (%)", "green space share (%)"),
    "green_m2_per_inhabitant": ("espace vert par habitant (m²)", "green space per inhabitant (m²)"),
    "canopy_share_pct": ("canopée (%)", "tree canopy (%)"),
    "canopy_target_met": ("objectif de canopée atteint", "canopy target met"),
    "area_ha": ("surface (ha)", "area (ha)"),
    "perimeter_m": ("périmètre (m)", "perimeter (m)"),
    "core_area_ha": ("noyau (ha)", "core (ha)"),
    "buffer_area_ha": ("zone tampon (ha)", "buffer (ha)"),
    "plantable_area_ha": ("surface plantable (ha)", "plantable area (ha)"),
    "n_positions": ("emplacements de plantation", "planting positions"),
    "n_seedlings": ("plants (avec regarnissage)", "seedlings (with replacements)"),
    "stems_per_ha": ("plants par ha", "stems per ha"),
    "rank": ("rang", "rank"),
    "population_added": ("population ajoutée", "population added"),
    "facility": ("point", "point"),
    "distance_m": ("distance (m)", "distance (m)"),
    "covered": ("couvert", "covered"),
    "name": ("nom", "name"),
    "candidate_id": ("site candidat", "candidate site"),
}

#: Columns holding whole counts: written as integers (never ``1.0`` or ``-0.0``).
COUNT_COLUMNS: tuple[str, ...] = (
    "n_buildings", "n_buildings_covered", "containers_needed", "extra_points_needed", "rank",
    "n_positions", "n_seedlings",
)

#: Values shown in words: internal value → (French, English). Booleans are oui/non, yes/no.
VALUES: dict[str, tuple[str, str]] = {
    "straight_line": ("ligne droite", "straight line"),
    "network": ("réseau routier", "road network"),
    "walking_network": ("à pied, réseau routier", "walking, road network"),
    "distance proxy: within reach, not a measure of service quality": (
        "indicateur de distance : à portée, ce n'est pas une mesure de la qualité du service",
        "distance proxy: within reach, not a measure of service quality"),
}
_BOOLS: dict[bool, tuple[str, str]] = {True: ("oui", "yes"), False: ("non", "no")}


def translate_headers(table: pd.DataFrame, *, language: Language = "fr") -> pd.DataFrame:
    """Return a copy of ``table`` with readable headers (unknown columns are kept as they are).

    Parameters
    ----------
    table : pandas.DataFrame
        A table from a planning function.
    language : {"fr", "en"}
        Header language.

    Returns
    -------
    pandas.DataFrame
        The same values with translated headers.

    Examples
    --------
    >>> translate_headers(pd.DataFrame({"zone": ["1"], "population_covered": [10.0]})).columns
    Index(['zone', 'population couverte'], dtype='str')
    """
    pos = 0 if language == "fr" else 1
    return table.rename(columns={k: v[pos] for k, v in HEADERS.items()})


def translate_values(table: pd.DataFrame, *, language: Language = "fr") -> pd.DataFrame:
    """Return a copy of ``table`` with values in words and whole counts as integers.

    Booleans become ``oui``/``non`` (``yes``/``no``), the distance modes and the water
    indicator are written out (:data:`VALUES`), and :data:`COUNT_COLUMNS` are integers.

    Examples
    --------
    >>> t = pd.DataFrame({"covered": [True, False], "distance_mode": ["network"] * 2,
    ...                   "containers_needed": [1.0, -0.0]})
    >>> translate_values(t).values.tolist()
    [['oui', 'réseau routier', 1], ['non', 'réseau routier', 0]]
    """
    pos = 0 if language == "fr" else 1
    out = table.copy()
    for col in out.columns:
        values = out[col]
        if pd.api.types.is_bool_dtype(values):
            out[col] = values.map(lambda v: _BOOLS[bool(v)][pos]).astype(object)
        elif col in COUNT_COLUMNS and pd.api.types.is_numeric_dtype(values):
            out[col] = values.round().astype("Int64").abs()
        elif values.dtype == object or pd.api.types.is_string_dtype(values):
            out[col] = values.map(lambda v: _value_word(v, pos)).astype(object)
    return out


def _value_word(value: object, pos: int) -> object:
    if not isinstance(value, str):
        return value
    if value in VALUES:
        return VALUES[value][pos]
    base, times, factor = value.partition("×")  # "straight_line×1.5": SDG walk estimate
    if times and base in VALUES:
        return f"{VALUES[base][pos]} × {factor.replace('.', ',') if pos == 0 else factor}"
    return value


def write_table(
    table: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    language: Language = "fr",
    overwrite: bool = False,
) -> Path:
    """Write a planning table as CSV (UTF-8 with BOM, opens in Excel) or XLSX, atomically.

    French CSV uses ``;`` and the decimal comma (English: ``,`` and ``.``); values are in
    words and counts are integers (:func:`translate_values`). Text a spreadsheet would run as
    a formula is neutralised.

    Parameters
    ----------
    table : pandas.DataFrame
        The table; a geometry column is dropped.
    path : str or os.PathLike
        ``.csv`` or ``.xlsx`` file.
    language : {"fr", "en"}
        Header language.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    OutputError
        For another extension, an existing file without ``overwrite``, or a missing folder.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise OutputError(
            f"{p}: a table is written as .csv or .xlsx, not {suffix or 'no suffix'!r}; "
            "change the file name"
        )
    from parakou_geo.exports._spreadsheet import write_csv, write_xlsx

    frame = pd.DataFrame(table.drop(columns=["geometry"], errors="ignore"))
    frame = translate_headers(translate_values(frame, language=language), language=language)
    if suffix == ".csv":
        fr = language == "fr"
        return write_csv(frame, p, separator=";" if fr else ",", decimal="," if fr else ".",
                         overwrite=overwrite)
    return write_xlsx([(p.stem, frame)], p, overwrite=overwrite)
