"""Settings: one frozen, validated dataclass per domain, loadable from a TOML file.

Every default from ``DOMAIN.md`` lives here, never as a module global. Override per call with
:meth:`AddressingSettings.replace` or load a file with :func:`load_settings`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Literal, get_args

from parakou_geo._errors import SettingsError
from parakou_geo._settings_io import load_table, replace_checked

__all__ = [
    "MAIRIE_DE_PARAKOU_LONLAT",
    "MAX_CHANGE_SHARE",
    "AddressingSettings",
    "AssignmentMode",
    "NumberingMethod",
    "SuffixStyle",
    "load_settings",
]

#: Default largest share of the register an update may retire or re-suffix unasked
#: (``parakou-geo update --max-change-share``).
MAX_CHANGE_SHARE = 0.05

#: Mairie de Parakou (town hall), the default reference centre, as (longitude, latitude).
MAIRIE_DE_PARAKOU_LONLAT: tuple[float, float] = (2.629183, 9.339005)

NumberingMethod = Literal["metric", "sequential", "decametric"]
SuffixStyle = Literal["latin", "letters"]
CentreMode = Literal["auto", "roads"]
AssignmentMode = Literal["access", "nearest"]

_DEFAULT_EXCLUDED = (
    "motorway",
    "motorway_link",
    "proposed",
    "construction",
    "abandoned",
    "razed",
    "platform",
    "raceway",
    "steps",
    "corridor",
    "elevator",
    "bus_stop",
    "escape",
)


@dataclass(frozen=True)
class AddressingSettings:
    """Settings of the addressing engine (streets, codes, door numbers, register).

    Parameters
    ----------
    crs : str
        Metric CRS for all work, e.g. ``"EPSG:32631"`` (UTM 31N, Parakou), or ``"auto"`` for the
        UTM zone of the road data (Freetown, Kotka...).
    centre : {"auto", "roads"} or tuple of float
        Reference centre for street origins and code order. A ``(lon, lat)`` tuple in degrees;
        ``"roads"`` for the centroid of the roads; ``"auto"`` for ``centre_lonlat`` when it lies
        within ``centre_max_offset_m`` of the roads' extent, else the roads' centroid.
    centre_lonlat : tuple of float
        The default centre, Mairie de Parakou ``(2.629183, 9.339005)``.
    centre_max_offset_m : float
        How far (metres) ``centre_lonlat`` may lie outside the roads' extent for ``"auto"``.
    road_name_column, road_class_column : str
        Columns holding the street name and the road class (OSM ``highway``).
    road_id_column : str or None
        Column of road ids; ``None`` detects ``road_id``, ``osm_id``, ``id`` or numbers the roads.
    excluded_road_classes : tuple of str
        Road classes left out of addressing (default: motorways, steps, construction...).
    building_id_column : str or None
        Column of building/parcel ids; ``None`` detects ``building_id``, ``bld_id``,
        ``osm_way_id``, ``osm_id``, ``id`` or numbers the buildings in a stable spatial order.
    entrance_column : str or None
        Column of entrance points (shapely Points or WKT text, same CRS as the buildings) used
        as door points instead of each building's representative point.
    max_distance_m : float
        A building farther than this (metres) from every street is left unaddressed.
    method : {"metric", "sequential", "decametric"}
        Door-numbering method.
    suffix_style : {"latin", "letters"}
        ``bis, ter, quater...`` or ``A, B, C...`` for numbers already taken on a side.
    stroke_max_deflection_deg : float
        Unnamed segments continue through a junction when they deflect less than this (degrees).
    snap_tolerance_m : float
        Segment ends closer than this (metres) are one junction.
    assignment : {"access", "nearest"}
        How a door's street is chosen. ``"access"`` (default): the street that gives the
        building access — distance from the footprint, a named street or a street of a higher
        class preferred over a nearer unnamed lane, path or driveway (see the next three
        settings); sidewalks are part of their street. ``"nearest"``: the nearest street
        from the door point, whatever its class (the behaviour before version 0.2).
    class_step_m : float
        How many metres of distance one step of road class is worth (classes, high to low:
        trunk/primary, secondary, tertiary, residential/unclassified, pedestrian streets,
        then tracks, service lanes and footways/paths). Measured on ``shared/data/truth``
        (6 m: best mean street agreement of 2, 4, 6 and 8 m).
    unnamed_penalty_m : float
        Extra distance (metres) charged to an unnamed path, service lane, driveway or track
        when some street has a name: a named street up to about this much farther wins.
        Unnamed streets of a street class (residential..., and pedestrian streets) are not
        charged: most Parakou streets have a code, not yet a name. Measured on
        ``shared/data/truth`` (60 m: mean street agreement 0.800, names stripped 0.773; 40 m:
        0.792 / 0.775; 80 m: 0.803 / 0.770; 100 m: 0.804 / 0.765; then pedestrian streets no
        longer charged, tracks ranked with service lanes: 0.799 / 0.807).
    door_distance_weight : float
        Weight of the distance from the door point, added to the distance from the footprint
        (0.3: a deep building is drawn to the street its door faces). Measured as above.
    sidewalk_offset_m : float
        An unnamed footway, path or cycleway lying within this many metres of a street for
        most of its length (``sidewalk_share``) is that street's sidewalk, like one tagged
        ``footway=sidewalk``: part of the street, never a street of its own (12 m: half of a
        typical 20–25 m urban right of way).
    sidewalk_share : float
        Share (0–1) of a footway's length that must lie within ``sidewalk_offset_m`` of a
        street for it to count as a sidewalk.
    zone_column : str
        Column of the zones layer holding the zone number (arrondissement ``arr_num``).
    quartier_column : str
        Column of the quartiers layer holding the quartier name.
    default_zone : str
        Zone used when no zones layer is given.
    code_digits : int
        Minimum number of digits of the street number in a code (``3`` → ``2.045``).
    code_band_m : float
        Width (metres) of the distance bands from the centre used to order street codes.
    street_prefix : str
        Word shown before a street code in labels (``"Rue"`` → ``12 bis Rue 2.045``).
    source : str
        Value of the register's ``source`` column.
    passthrough_columns : tuple of str
        Building columns copied untouched, as text, into the register (parcel identifiers
        such as the NUP and the RFU id) when present.
    """

    crs: str = "EPSG:32631"
    centre: CentreMode | tuple[float, float] = "auto"
    centre_lonlat: tuple[float, float] = MAIRIE_DE_PARAKOU_LONLAT
    centre_max_offset_m: float = 5000.0
    road_name_column: str = "name"
    road_class_column: str = "highway"
    road_id_column: str | None = None
    excluded_road_classes: tuple[str, ...] = _DEFAULT_EXCLUDED
    building_id_column: str | None = None
    entrance_column: str | None = None
    max_distance_m: float = 100.0
    method: NumberingMethod = "metric"
    suffix_style: SuffixStyle = "latin"
    stroke_max_deflection_deg: float = 45.0
    snap_tolerance_m: float = 0.5
    assignment: AssignmentMode = "access"
    class_step_m: float = 6.0
    unnamed_penalty_m: float = 60.0
    door_distance_weight: float = 0.3
    sidewalk_offset_m: float = 12.0
    sidewalk_share: float = 0.8
    zone_column: str = "arr_num"
    quartier_column: str = "quartier"
    default_zone: str = "1"
    code_digits: int = 3
    code_band_m: float = 500.0
    street_prefix: str = "Rue"
    source: str = "parakou_geo"
    passthrough_columns: tuple[str, ...] = ("nup", "rfu_id")

    def __post_init__(self) -> None:
        problems: list[str] = []
        if self.method not in get_args(NumberingMethod):
            problems.append(
                f"method={self.method!r} is not one of {', '.join(get_args(NumberingMethod))}"
            )
        if self.suffix_style not in get_args(SuffixStyle):
            problems.append(f"suffix_style={self.suffix_style!r} is not 'latin' or 'letters'")
        for name in ("max_distance_m", "snap_tolerance_m", "code_band_m", "centre_max_offset_m"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0 < value < float("inf"):
                problems.append(f"{name}={value!r} must be a positive number of metres")
        if self.assignment not in get_args(AssignmentMode):
            problems.append(f"assignment={self.assignment!r} is not 'access' or 'nearest'")
        for name in ("class_step_m", "unnamed_penalty_m", "door_distance_weight",
                     "sidewalk_offset_m"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0 <= value < float("inf"):
                problems.append(f"{name}={value!r} must be a finite number >= 0")
        if not isinstance(self.sidewalk_share, int | float) or not 0 < self.sidewalk_share <= 1:
            problems.append(f"sidewalk_share={self.sidewalk_share!r} must be in (0, 1]")
        if not 0 < self.stroke_max_deflection_deg < 180:
            problems.append(
                f"stroke_max_deflection_deg={self.stroke_max_deflection_deg!r} must be between "
                "0 and 180 degrees"
            )
        if not isinstance(self.code_digits, int) or not 1 <= self.code_digits <= 6:
            problems.append(f"code_digits={self.code_digits!r} must be a whole number from 1 to 6")
        if isinstance(self.centre, str):
            if self.centre not in ("auto", "roads"):
                problems.append(
                    f"centre={self.centre!r} must be 'auto', 'roads' or a (lon, lat) pair"
                )
        elif not _is_lonlat(self.centre):
            problems.append(f"centre={self.centre!r} must be a (lon, lat) pair in degrees")
        if not _is_lonlat(self.centre_lonlat):
            problems.append(f"centre_lonlat={self.centre_lonlat!r} must be a (lon, lat) pair")
        if not self.default_zone or "." in self.default_zone:
            problems.append(f"default_zone={self.default_zone!r} must be non-empty, without '.'")
        if not isinstance(self.excluded_road_classes, tuple):
            problems.append("excluded_road_classes must be a tuple of road class names")
        if not self.crs:
            problems.append("crs must be an EPSG code such as 'EPSG:32631', or 'auto'")
        if problems:
            raise SettingsError("invalid addressing settings: " + "; ".join(problems))

    def replace(self, **changes: Any) -> AddressingSettings:
        """Return a copy with some settings changed (validated again).

        Parameters
        ----------
        **changes
            Setting names and their new values.

        Returns
        -------
        AddressingSettings
            The new settings.

        Examples
        --------
        >>> AddressingSettings().replace(method="sequential").method
        'sequential'
        """
        return replace_checked(self, "addressing", changes)


def _is_lonlat(value: object) -> bool:
    if not isinstance(value, tuple) or len(value) != 2:
        return False
    lon, lat = value
    return (
        isinstance(lon, int | float)
        and isinstance(lat, int | float)
        and -180 <= lon <= 180
        and -90 <= lat <= 90
    )


def load_settings(path: str | os.PathLike[str]) -> AddressingSettings:
    """Read addressing settings from the ``[addressing]`` table of a TOML file.

    Parameters
    ----------
    path : str or os.PathLike
        A TOML file, e.g. ``parakou_geo.toml``.

    Returns
    -------
    AddressingSettings
        Defaults overridden by the file's values.

    Raises
    ------
    SettingsError
        When the file cannot be read or holds an unknown or invalid setting.
    """
    return load_table(path, "addressing", AddressingSettings)
