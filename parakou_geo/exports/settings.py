"""Settings of the exports: language, CSV separator, grid size, signage unit prices, BAL fields.

One frozen, validated dataclass, loadable from the ``[exports]`` table of a TOML file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from parakou_geo._errors import SettingsError
from parakou_geo._settings_io import load_table, replace_checked
from parakou_geo.settings import MAIRIE_DE_PARAKOU_LONLAT

__all__ = ["ExportSettings", "load_export_settings"]


@dataclass(frozen=True)
class ExportSettings:
    """Settings shared by every export.

    Parameters
    ----------
    language : {"fr", "en"}
        Language of headers, sheet names and documents (French by default).
    csv_separator : str
        Field separator of CSV files (``";"`` opens directly in French Excel).
    csv_decimal : str
        Decimal mark of numbers in CSV files (``","`` for French Excel, ``"."`` otherwise).
    csv_ids_as_text : bool
        Write identifiers made of digits (NUP ``007123456``, street code ``1.010``) in CSV as
        ``="007123456"``, which Excel and LibreOffice open as the text ``007123456`` (a plain
        ``007123456`` opens as the number 7123456, ``1.010`` as 1.01). Set False for a CSV
        read by programs rather than spreadsheets.
    parcel_columns : tuple of str
        Register columns holding parcel identifiers (NUP, RFU id), copied untouched as text.
    commune_name : str
        Name of the commune, in documents and in the BAL ``commune_nom``.
    locality : str
        Locality appended to short Plus Codes (``8JPJ+V4 Parakou``).
    reference_lonlat : tuple of float
        Reference point (degrees) of short Plus Codes; default the Mairie de Parakou.
    grid_cell_m : float
        Side (metres, EPSG:32631) of the cells of the reference grid of map sheets.
    street_plate_fcfa, door_plate_fcfa, street_plate_post_fcfa : float
        Unit prices in FCFA of a street plate, a door plate and a post carrying street plates.
    plates_per_post : int
        Street plates an intersection post carries (one post per intersection or street end
        holds up to this many plates).
    bal_commune_key : str
        Lowercase placeholder for the commune part of BAL ``cle_interop`` (no INSEE code exists
        outside France).
    bal_source : str
        Value of the BAL ``source`` column.
    bal_position : str
        Value of the BAL ``position`` column (``"bâtiment"``: the point is the building).
    """

    language: str = "fr"
    csv_separator: str = ";"
    csv_decimal: str = ","
    csv_ids_as_text: bool = True
    parcel_columns: tuple[str, ...] = ("nup", "rfu_id")
    commune_name: str = "Parakou"
    locality: str = "Parakou"
    reference_lonlat: tuple[float, float] = MAIRIE_DE_PARAKOU_LONLAT
    grid_cell_m: float = 500.0
    street_plate_fcfa: float = 15000.0
    door_plate_fcfa: float = 3000.0
    street_plate_post_fcfa: float = 25000.0
    plates_per_post: int = 4
    bal_commune_key: str = "bj0pk"
    bal_source: str = "Commune de Parakou"
    bal_position: str = "bâtiment"

    def __post_init__(self) -> None:
        problems: list[str] = []
        if self.language not in ("fr", "en"):
            problems.append(f"language={self.language!r} must be 'fr' or 'en'")
        if self.csv_separator not in (";", ",", "\t", "|"):
            problems.append(
                f"csv_separator={self.csv_separator!r} must be one of ';' ',' tab '|'"
            )
        if self.csv_decimal not in (",", "."):
            problems.append(f"csv_decimal={self.csv_decimal!r} must be ',' or '.'")
        if self.csv_decimal == self.csv_separator:
            problems.append("csv_decimal and csv_separator must differ")
        if not isinstance(self.parcel_columns, tuple) or not all(
            isinstance(c, str) and c for c in self.parcel_columns
        ):
            problems.append("parcel_columns must be a tuple of column names")
        for name in ("grid_cell_m",):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not value > 0:
                problems.append(f"{name}={value!r} must be a positive number of metres")
        for name in ("street_plate_fcfa", "door_plate_fcfa", "street_plate_post_fcfa"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or value < 0:
                problems.append(f"{name}={value!r} must be a price in FCFA, 0 or more")
        if not isinstance(self.plates_per_post, int) or self.plates_per_post < 1:
            problems.append(f"plates_per_post={self.plates_per_post!r} must be 1 or more")
        key = self.bal_commune_key
        if not key or key != key.lower() or "_" in key:
            problems.append(
                f"bal_commune_key={key!r} must be non-empty, lowercase, without '_'"
            )
        if not self.commune_name:
            problems.append("commune_name must not be empty")
        if problems:
            raise SettingsError("invalid export settings: " + "; ".join(problems))

    def replace(self, **changes: Any) -> ExportSettings:
        """Return a copy with some settings changed (validated again).

        Parameters
        ----------
        **changes
            Setting names and their new values.

        Returns
        -------
        ExportSettings
            The new settings.

        Examples
        --------
        >>> ExportSettings().replace(language="en").language
        'en'
        """
        return replace_checked(self, "export", changes)


def load_export_settings(path: str | os.PathLike[str]) -> ExportSettings:
    """Read export settings from the ``[exports]`` table of a TOML file.

    Parameters
    ----------
    path : str or os.PathLike
        A TOML file, e.g. ``parakou_geo.toml``.

    Returns
    -------
    ExportSettings
        Defaults overridden by the file's values.

    Raises
    ------
    SettingsError
        When the file cannot be read or holds an unknown or invalid setting.
    """
    return load_table(path, "exports", ExportSettings)
