"""Planning settings: every default of the green, forest, waste and water analyses.

All defaults come from ``DOMAIN.md``; each is named with its source below. Project defaults
that are not a published standard say so. Load a ``[planning]`` TOML table with
:func:`load_planning_settings`, override per call with :meth:`PlanningSettings.replace`.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any, Literal, get_args

from parakou_geo._errors import SettingsError
from parakou_geo._settings_io import load_table, replace_checked

__all__ = ["DistanceMode", "Language", "PlanningSettings", "load_planning_settings"]

DistanceMode = Literal["straight", "network"]
Language = Literal["fr", "en"]

_POSITIVE = (
    "persons_per_building",
    "green_max_distance_m",
    "green_min_area_ha",
    "green_min_area_large_ha",
    "sdg_walk_distance_m",
    "walking_speed_kmh",
    "planting_spacing_x_m",
    "planting_spacing_y_m",
    "waste_radius_m",
    "waste_kg_per_person_day",
    "container_capacity_kg",
    "collections_per_week",
    "water_radius_m",
    "water_persons_per_point",
    "candidate_spacing_m",
    "snap_tolerance_m",
    "access_point_spacing_m",
)


@dataclass(frozen=True)
class PlanningSettings:
    """Settings of the planning analyses (distances in metres, areas in hectares).

    Parameters
    ----------
    crs : str
        Metric CRS of the work (default ``"EPSG:32631"``, UTM 31N, Parakou). Inputs must already
        be in a projected CRS in metres; this is the CRS suggested in error messages.
    population_column : str
        Building column holding persons per building (the sample's ``pop``, Kibera's ``POP``).
    persons_per_building : float
        Persons assumed per building when there is no population column, or where it is
        empty. **Project default 5.0**, an assumption (Benin's mean household size is about
        5 persons, RGPH4 2013); set it from local census data.
    distance_mode : {"straight", "network"}
        How distances are measured: straight line, or along the road network.
    detour_factor : float
        Straight-line to walking distance factor used when no network is given (DOMAIN.md,
        SDG 11.7.1 note: ~1.5).
    green_max_distance_m : float
        Access distance to a public green space: 300 m (WHO Europe 2016; the "300" of the
        3-30-300 rule, Konijnendijk 2021/2023).
    green_min_area_ha : float
        Smallest public green space counted: 0.5 ha (WHO Europe 2016).
    green_min_area_large_ha : float
        Second indicator: 1 ha (WHO Europe 2016).
    canopy_target_share : float
        Tree canopy share target per neighbourhood: 0.30 (3-30-300 rule).
    sdg_walk_distance_m : float
        SDG 11.7.1 access: 400 m walking to open public space.
    walking_speed_kmh : float
        Walking speed for times: 4.5 km/h (SDG 11.7.1 methodology default).
    planting_spacing_x_m, planting_spacing_y_m : float
        Planting grid spacing: 3 × 3 m (teak in Benin is planted at 2 × 2 to 3 × 3 m).
    replacement_margin : float
        Extra seedlings for losses, as a share: 0.20 (**project default** inside the planned
        15–40 % range).
    forest_buffer_m : float
        Width of the outer buffer band of a forest (fence/livestock protection): 10 m
        (**project default**, no published standard). ``0`` means no zoning.
    plant_buffer : bool
        Plant the buffer band too (default ``False``: only the inner core is planted).
    waste_radius_m : float
        Walking distance to a waste regrouping point: 300 m (**project default**; there is no
        published standard).
    waste_kg_per_person_day : float
        Household waste generation: 0.5 kg per inhabitant per day (Cotonou 0.42–0.59,
        Porto-Novo 0.49, Sub-Saharan average 0.46).
    container_capacity_kg : float
        What one container holds: 8,000 kg (a 15 m³ skip holds 8–10 t; lower bound).
    containers_per_point : int
        Containers a regrouping point can hold: 2 (Cotonou model, two 15–20 m³ containers).
    collections_per_week : float
        Collections per week: 2 (Cotonou model).
    water_radius_m : float
        Distance to a water point: 500 m (Sphere standard).
    water_persons_per_point : float
        Inhabitants per water point: 250 (Benin norm).
    candidate_spacing_m : float
        Spacing of candidate sites generated along roads for siting (**project default** 50 m).
    snap_tolerance_m : float
        Road ends closer than this are connected when building the network (0.5 m, the
        addressing default).
    access_point_spacing_m : float
        Spacing of access points along green-space boundaries for network distances (25 m,
        **project default**).
    language : {"fr", "en"}
        Language of table headers (French by default).
    """

    crs: str = "EPSG:32631"
    population_column: str = "pop"
    persons_per_building: float = 5.0
    distance_mode: DistanceMode = "straight"
    detour_factor: float = 1.5
    green_max_distance_m: float = 300.0
    green_min_area_ha: float = 0.5
    green_min_area_large_ha: float = 1.0
    canopy_target_share: float = 0.30
    sdg_walk_distance_m: float = 400.0
    walking_speed_kmh: float = 4.5
    planting_spacing_x_m: float = 3.0
    planting_spacing_y_m: float = 3.0
    replacement_margin: float = 0.20
    forest_buffer_m: float = 10.0
    plant_buffer: bool = False
    waste_radius_m: float = 300.0
    waste_kg_per_person_day: float = 0.5
    container_capacity_kg: float = 8000.0
    containers_per_point: int = 2
    collections_per_week: float = 2.0
    water_radius_m: float = 500.0
    water_persons_per_point: float = 250.0
    candidate_spacing_m: float = 50.0
    snap_tolerance_m: float = 0.5
    access_point_spacing_m: float = 25.0
    language: Language = "fr"

    def __post_init__(self) -> None:
        problems: list[str] = []
        for name in _POSITIVE:
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or value <= 0
            ):
                problems.append(f"{name}={value!r} must be a positive number")
        for name in ("replacement_margin", "canopy_target_share"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0 <= value <= 1:
                problems.append(f"{name}={value!r} must be a share between 0 and 1 (0.2 = 20 %)")
        if not isinstance(self.forest_buffer_m, int | float) or self.forest_buffer_m < 0:
            problems.append(f"forest_buffer_m={self.forest_buffer_m!r} must be 0 or more metres")
        if not isinstance(self.detour_factor, int | float) or self.detour_factor < 1:
            problems.append(f"detour_factor={self.detour_factor!r} must be 1 or more")
        if not isinstance(self.containers_per_point, int) or self.containers_per_point < 1:
            problems.append(
                f"containers_per_point={self.containers_per_point!r} must be a whole number ≥ 1"
            )
        if self.distance_mode not in get_args(DistanceMode):
            problems.append(f"distance_mode={self.distance_mode!r} must be 'straight' or 'network'")
        if self.language not in get_args(Language):
            problems.append(f"language={self.language!r} must be 'fr' or 'en'")
        if not isinstance(self.population_column, str) or not self.population_column:
            problems.append("population_column must be a column name")
        if problems:
            raise SettingsError("invalid planning settings: " + "; ".join(problems))

    def replace(self, **changes: Any) -> PlanningSettings:
        """Return a copy with some settings changed (validated again).

        Parameters
        ----------
        **changes
            Setting names and their new values.

        Returns
        -------
        PlanningSettings
            The new settings.

        Examples
        --------
        >>> PlanningSettings().replace(waste_radius_m=200).waste_radius_m
        200
        """
        return replace_checked(self, "planning", changes)


def load_planning_settings(path: str | os.PathLike[str]) -> PlanningSettings:
    """Read planning settings from the ``[planning]`` table of a TOML file.

    Parameters
    ----------
    path : str or os.PathLike
        A TOML file, e.g. ``parakou_geo.toml``; a missing ``[planning]`` table gives defaults.

    Returns
    -------
    PlanningSettings
        Defaults overridden by the file's values.

    Raises
    ------
    SettingsError
        When the file cannot be read or holds an unknown or invalid setting.
    """
    return load_table(path, "planning", PlanningSettings)
