"""Map settings: one frozen, validated dataclass, loadable from a ``[maps]`` TOML table."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Literal, get_args

from parakou_geo._errors import SettingsError
from parakou_geo._settings_io import load_table, replace_checked

__all__ = ["Language", "MapSettings", "load_map_settings"]

Language = Literal["fr", "en"]

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

#: Colours of zones (arrondissements) in order; repeated when there are more zones.
_ZONE_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
                 "#e377c2", "#17becf")


@dataclass(frozen=True)
class MapSettings:
    """Settings of the planner maps (language, background, attribution, drawing).

    Parameters
    ----------
    language : {"fr", "en"}
        Language of every map text (legend, popups, layer names, buttons). French by default.
    tiles_url : str or None
        Background tile URL template used online (default OpenStreetMap); ``None`` for a plain
        background.
    tiles_attribution : str
        Attribution of the online tiles.
    local_tiles_url : str or None
        Tile URL template of a local tile folder, e.g. ``"tuiles/{z}/{x}/{y}.png"`` (relative
        to the saved HTML file). Used in offline mode; without it offline maps have a plain
        background.
    local_tiles_attribution : str
        Attribution of the local tiles.
    data_attribution : tuple of str
        Attribution of every data source shown, e.g. ``("© OpenStreetMap contributors",)``.
        Always shown in the map's attribution line, as text.
    coordinate_decimals : int
        Decimals kept in longitudes/latitudes (6 ≈ 0.1 m).
    point_radius_px : float
        Radius of address and planning points, in screen pixels.
    zone_colours : tuple of str
        Colours (``#rrggbb``) of zones, in zone order.
    zone_column : str
        Zone label column of a zones layer (arrondissement ``arr_num``).
    quartier_column : str
        Name column of a quartiers layer.
    metric_crs : str
        Metric CRS used for service areas (buffers), default ``"EPSG:32631"``.
    simplify_m : float
        Tolerance (metres) used to simplify service areas and boundaries before drawing.
    street_prefix : str
        Word shown before a street code in the street labels of the addressing map
        (``"Rue"`` → ``Rue 2.045``) of a register that stores no settings; a register built
        by parakou_geo shows its own ``AddressingSettings.street_prefix``.
    street_labels_min_zoom : int
        Zoom level from which streets carry a visible label (16 ≈ a few hundred metres across
        a phone screen).
    street_labels_max : int
        Most street labels drawn at once (those in view, longest streets first); keeps maps of
        many thousand streets fast. ``0`` draws none.
    """

    language: Language = "fr"
    tiles_url: str | None = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    tiles_attribution: str = "© OpenStreetMap contributors"
    local_tiles_url: str | None = None
    local_tiles_attribution: str = ""
    data_attribution: tuple[str, ...] = ()
    coordinate_decimals: int = 6
    point_radius_px: float = 3.0
    zone_colours: tuple[str, ...] = _ZONE_COLOURS
    zone_column: str = "arr_num"
    quartier_column: str = "quartier"
    metric_crs: str = "EPSG:32631"
    simplify_m: float = 1.0
    street_prefix: str = "Rue"
    street_labels_min_zoom: int = 16
    street_labels_max: int = 300

    def __post_init__(self) -> None:
        problems: list[str] = []
        if self.language not in get_args(Language):
            problems.append(f"language={self.language!r} must be 'fr' or 'en'")
        if not isinstance(self.coordinate_decimals, int) or not 4 <= self.coordinate_decimals <= 8:
            problems.append(
                f"coordinate_decimals={self.coordinate_decimals!r} must be a whole number from "
                "4 to 8 (6 ≈ 0.1 m)"
            )
        if not isinstance(self.point_radius_px, int | float) or not self.point_radius_px > 0:
            problems.append(f"point_radius_px={self.point_radius_px!r} must be a positive number")
        if not isinstance(self.simplify_m, int | float) or self.simplify_m < 0:
            problems.append(f"simplify_m={self.simplify_m!r} must be zero or a positive number")
        if not isinstance(self.street_prefix, str):
            problems.append(f"street_prefix={self.street_prefix!r} must be a text, e.g. 'Rue'")
        if (isinstance(self.street_labels_min_zoom, bool)
                or not isinstance(self.street_labels_min_zoom, int)
                or not 0 <= self.street_labels_min_zoom <= 20):
            problems.append(f"street_labels_min_zoom={self.street_labels_min_zoom!r} must be a "
                            "whole zoom level from 0 to 20 (e.g. 16)")
        if (isinstance(self.street_labels_max, bool) or not isinstance(self.street_labels_max, int)
                or self.street_labels_max < 0):
            problems.append(f"street_labels_max={self.street_labels_max!r} must be a whole number "
                            "≥ 0 (0: no street labels)")
        if not isinstance(self.zone_colours, tuple) or not self.zone_colours:
            problems.append("zone_colours must be a non-empty tuple of '#rrggbb' colours")
        else:
            bad = [c for c in self.zone_colours if not isinstance(c, str) or not _COLOUR.match(c)]
            if bad:
                problems.append(f"zone_colours holds {bad!r}; use '#rrggbb' colours")
        if not isinstance(self.data_attribution, tuple) or not all(
            isinstance(a, str) for a in self.data_attribution
        ):
            problems.append("data_attribution must be a tuple of texts")
        for name in ("tiles_url", "local_tiles_url"):
            value = getattr(self, name)
            if value is not None and not all(k in value for k in ("{z}", "{x}", "{y}")):
                problems.append(
                    f"{name}={value!r} must be a tile URL template with {{z}}, {{x}} and {{y}}"
                )
        if problems:
            raise SettingsError("invalid map settings: " + "; ".join(problems))

    def replace(self, **changes: Any) -> MapSettings:
        """Return a copy with some settings changed (validated again).

        Parameters
        ----------
        **changes
            Setting names and their new values.

        Returns
        -------
        MapSettings
            The new settings.

        Examples
        --------
        >>> MapSettings().replace(language="en").language
        'en'
        """
        return replace_checked(self, "map", changes)


def load_map_settings(path: str | os.PathLike[str]) -> MapSettings:
    """Read map settings from the ``[maps]`` table of a TOML file.

    Parameters
    ----------
    path : str or os.PathLike
        A TOML file, e.g. ``parakou_geo.toml``.

    Returns
    -------
    MapSettings
        Defaults overridden by the file's values.

    Raises
    ------
    SettingsError
        When the file cannot be read or holds an unknown or invalid setting.
    """
    return load_table(path, "maps", MapSettings)
