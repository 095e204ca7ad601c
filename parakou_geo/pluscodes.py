"""Plus Codes (Open Location Code) for addresses, using the official ``openlocationcode``.

A Plus Code gives every building a usable address, also in quartiers that were never
subdivided. Full codes have 10 characters (about 14 m × 14 m); the short form drops the first
four characters and names the town instead (``8JPJ+V4 Parakou``), which is valid within about
30 km of the reference point.
"""

from __future__ import annotations

import numpy as np
from openlocationcode import openlocationcode as olc

from parakou_geo._errors import InputError
from parakou_geo.settings import MAIRIE_DE_PARAKOU_LONLAT

__all__ = ["decode", "plus_codes", "short_plus_codes"]


def plus_codes(lon: np.ndarray, lat: np.ndarray, *, length: int = 10) -> np.ndarray:
    """Return the full Plus Code of each point.

    Parameters
    ----------
    lon, lat : numpy.ndarray
        Longitudes and latitudes in degrees (EPSG:4326).
    length : int
        Code length (10 ≈ 14 m, 11 ≈ 3 m).

    Returns
    -------
    numpy.ndarray of str
        Codes such as ``"6FX48JQH+JM"``; ``None`` where a coordinate is missing.

    Examples
    --------
    >>> plus_codes(np.array([2.629183]), np.array([9.339005])).tolist()
    ['6FX48JQH+JM']
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if lon.shape != lat.shape:
        raise InputError(f"lon and lat differ in length ({lon.shape} vs {lat.shape})")
    out = np.full(lon.shape, None, dtype=object)
    ok = np.isfinite(lon) & np.isfinite(lat)
    out[ok] = [olc.encode(float(y), float(x), length) for x, y in zip(lon[ok], lat[ok],
                                                                     strict=True)]
    return out


def short_plus_codes(
    codes: np.ndarray,
    *,
    reference_lonlat: tuple[float, float] = MAIRIE_DE_PARAKOU_LONLAT,
    locality: str = "Parakou",
) -> np.ndarray:
    """Return the locality short form of full codes (``8JPJ+V4 Parakou``).

    Parameters
    ----------
    codes : numpy.ndarray of str
        Full codes from :func:`plus_codes`.
    reference_lonlat : tuple of float
        The locality's reference point (default: Mairie de Parakou).
    locality : str
        Name appended to the short code.

    Returns
    -------
    numpy.ndarray of str
        Short codes; the full code where the point is too far from the reference to be
        shortened by four characters; ``None`` stays ``None``.

    Examples
    --------
    >>> short_plus_codes(np.array(["6FX48JPJ+V4"])).tolist()
    ['8JPJ+V4 Parakou']
    """
    lon0, lat0 = reference_lonlat
    out = np.full(len(codes), None, dtype=object)
    for i, code in enumerate(codes):
        if code is None:
            continue
        shortest = olc.shorten(str(code), lat0, lon0)
        # keep exactly four characters off: the locality form people write
        out[i] = f"{code[4:]} {locality}" if len(code) - len(shortest) >= 4 else code
    return out


def decode(code: str) -> tuple[float, float]:
    """Return the centre ``(lon, lat)`` of a full Plus Code."""
    if not olc.isFull(code):
        raise InputError(f"{code!r} is not a full Plus Code (e.g. 6FX48JQH+JM)")
    area = olc.decode(code)
    return float(area.longitudeCenter), float(area.latitudeCenter)
