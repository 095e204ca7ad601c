"""BAL 1.4 export: France's *Base Adresse Locale* CSV, the format of the partner city Orléans.

The file follows the BAL 1.4 column names and value rules (``;`` separator, UTF-8, one row per
address, ``cle_interop`` = ``<commune>_<voie>_<numéro 5 chiffres>[_<suffixe>]`` in lowercase,
``numero`` without leading zeros, ``position``, ``long``/``lat`` in degrees,
``date_der_maj`` as ``YYYY-MM-DD``, ``certification_commune`` 0/1).

Three rules of the format are tied to French territory and cannot hold in Benin:
``commune_insee`` stays empty (no INSEE code), the commune part of ``cle_interop`` is the
placeholder ``ExportSettings.bal_commune_key``, and ``long``/``lat`` lie outside France.
``x``/``y`` hold the register's metric coordinates (EPSG:32631, UTM 31N) instead of
Lambert-93; the ``id_ban_*`` columns stay empty (no BAN ids outside France).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from parakou_geo._csv import write_csv
from parakou_geo._errors import OutputError
from parakou_geo.exports._input import RegisterSource, load_register, select_addresses, text
from parakou_geo.exports.settings import ExportSettings
from parakou_geo.register.meta import label_prefix

__all__ = ["BAL_COLUMNS", "bal_table", "voie_key", "write_bal"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: Columns of a BAL 1.4 file, in order.
BAL_COLUMNS: tuple[str, ...] = (
    "id_ban_commune", "id_ban_toponyme", "id_ban_adresse", "cle_interop", "commune_insee",
    "commune_nom", "commune_deleguee_insee", "commune_deleguee_nom", "voie_nom",
    "lieudit_complement_nom", "numero", "suffixe", "position", "x", "y", "long", "lat",
    "cad_parcelles", "source", "date_der_maj", "certification_commune",
)

_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_CODE = re.compile(r"^(\d)\.(\d{3})$")


def voie_key(street_codes: Iterable[str]) -> dict[str, str]:
    """Return the 4-character BAL street key of each street code.

    ``2.045`` becomes ``2045`` (zone digit + 3-digit number). Codes that do not fit that
    shape get a base-36 key ``z000``, ``z001``... in sorted code order, unique within the file.

    Examples
    --------
    >>> voie_key(["2.045", "1.001"])
    {'1.001': '1001', '2.045': '2045'}
    """
    out: dict[str, str] = {}
    rank = 0
    for code in sorted(set(street_codes)):
        m = _CODE.match(code)
        if m and m.group(1) + m.group(2) != "0000":
            out[code] = m.group(1) + m.group(2)
        else:
            a, b = divmod(rank, 36 * 36)
            out[code] = "z" + _B36[a % 36] + _B36[b // 36] + _B36[b % 36]
            rank += 1
    return out


def bal_table(
    register: RegisterSource,
    *,
    zones: Iterable[str | int] | None = None,
    quartiers: Iterable[str] | None = None,
    statuses: Iterable[str] | None = ("proposed", "current"),
    street_prefix: str | None = None,
    settings: ExportSettings | None = None,
    update_date: dt.date | None = None,
) -> pd.DataFrame:
    """Return the register's addresses as a BAL 1.4 table (every value as text).

    Parameters
    ----------
    register : str, os.PathLike, Register or AddressingResult
        The register GeoPackage or object (EPSG:32631).
    zones, quartiers : iterable, optional
        Keep only these arrondissements / quartiers.
    statuses : iterable of str, optional
        Statuses exported (default proposed and current; retired/rejected never belong in a
        BAL). ``None`` keeps all.
    street_prefix : str, optional
        Word before the street code for streets without a name (``Rue 2.045``): the
        register's own ``street_prefix`` (from its stored settings); this value is used only
        for a register that stores no settings.
    settings : ExportSettings, optional
        ``commune_name``, ``bal_commune_key``, ``bal_source``, ``bal_position``.
    update_date : datetime.date, optional
        ``date_der_maj`` of every row; default the register's ``updated`` or ``created`` date
        of the row, else today.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`BAL_COLUMNS`.
    """
    s = settings or ExportSettings()
    reg = load_register(register)
    addr = select_addresses(reg, zones=zones, quartiers=quartiers, statuses=statuses)
    codes = text(addr["street_code"])
    keys = voie_key(codes.tolist())
    number = pd.to_numeric(addr["number"], errors="coerce").fillna(0).astype(np.int64)
    suffix = text(addr["suffix"]).str.strip()
    suffix_key = suffix.str.lower().str.replace(r"[^0-9a-z]", "", regex=True)
    cle = (s.bal_commune_key + "_" + codes.map(keys) + "_" + number.map("{:05d}".format)
           + np.where(suffix_key != "", "_" + suffix_key, ""))
    name = text(addr["street_name"]).str.strip()
    fallback = label_prefix(reg.meta, street_prefix) + " " + codes
    voie = name.where(name.str.len() >= 3, fallback)
    today = dt.date.today()
    if update_date is not None:
        dates = pd.Series(update_date.isoformat(), index=addr.index)
    else:
        col = next((c for c in ("updated", "created") if c in addr.columns), None)
        raw = text(addr[col]) if col else pd.Series("", index=addr.index)
        dates = raw.str.slice(0, 10)
        ok = dates.str.match(r"^\d{4}-\d{2}-\d{2}$") & (dates <= today.isoformat())
        dates = dates.where(ok, today.isoformat())
    lon = pd.to_numeric(addr["lon"], errors="coerce") if "lon" in addr.columns else \
        addr.geometry.to_crs(4326).x
    lat = pd.to_numeric(addr["lat"], errors="coerce") if "lat" in addr.columns else \
        addr.geometry.to_crs(4326).y
    empty = pd.Series("", index=addr.index)
    out = pd.DataFrame({
        "id_ban_commune": empty, "id_ban_toponyme": empty, "id_ban_adresse": empty,
        "cle_interop": cle,
        "commune_insee": empty,
        "commune_nom": s.commune_name,
        "commune_deleguee_insee": empty, "commune_deleguee_nom": empty,
        "voie_nom": voie,
        "lieudit_complement_nom": empty,
        "numero": number.astype(str),
        "suffixe": suffix,
        "position": s.bal_position,
        "x": addr.geometry.x.map("{:.2f}".format),
        "y": addr.geometry.y.map("{:.2f}".format),
        "long": lon.map("{:.7f}".format),
        "lat": lat.map("{:.7f}".format),
        "cad_parcelles": empty,
        "source": s.bal_source,
        "date_der_maj": dates,
        "certification_commune": np.where(text(addr["status"]) == "current", "1", "0"),
    }, index=addr.index)
    order = np.lexsort((out["suffixe"].to_numpy(dtype=str), number.to_numpy(),
                        codes.to_numpy(dtype=str)))
    return out.iloc[order].reset_index(drop=True)


def write_bal(
    register: RegisterSource,
    path: str | os.PathLike[str],
    *,
    zones: Iterable[str | int] | None = None,
    quartiers: Iterable[str] | None = None,
    statuses: Iterable[str] | None = ("proposed", "current"),
    street_prefix: str | None = None,
    settings: ExportSettings | None = None,
    update_date: dt.date | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a BAL 1.4 CSV (``;``, UTF-8 without BOM, Unix line ends).

    Parameters
    ----------
    register : str, os.PathLike, Register or AddressingResult
        The register (EPSG:32631).
    path : str or os.PathLike
        The ``.csv`` file.
    zones, quartiers, statuses, street_prefix, settings, update_date
        See :func:`bal_table`.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    table = bal_table(register, zones=zones, quartiers=quartiers, statuses=statuses,
                      street_prefix=street_prefix, settings=settings, update_date=update_date)
    final = Path(path)
    if final.exists() and not overwrite:
        raise OutputError(f"{final} already exists; choose another name or pass --overwrite")
    # coordinates and numbers are formatted above: written as they are, the text neutralised
    write_csv(table[list(BAL_COLUMNS)], final, sep=";", overwrite=True,
              plain=("numero", "x", "y", "long", "lat"))
    logger.info("wrote BAL file %s (%d addresses)", final, len(table))
    return final
