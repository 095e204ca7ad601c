"""The street directory (répertoire des rues): one row per street, with an alphabetical index.

Columns: code, name, arrondissement, quartier(s), length, door-number range on each side,
number of addresses and the reference-grid cells the street crosses. Sorted by code; the name
index lists named streets alphabetically with their code.
"""

from __future__ import annotations

import html
import logging
import os
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from parakou_geo.exports._input import RegisterSource, load_register, select_addresses, text
from parakou_geo.exports._spreadsheet import write_csv, write_xlsx
from parakou_geo.exports._words import Language, header, word
from parakou_geo.exports.grid import cells_crossed, reference_grid
from parakou_geo.exports.settings import ExportSettings
from parakou_geo.register import atomic_path

__all__ = [
    "name_index",
    "street_directory",
    "write_directory_csv",
    "write_directory_html",
    "write_directory_xlsx",
]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

_DIRECTORY_COLUMNS = ("street_code", "street_name", "zone", "quartiers", "length_m",
                      "left_range", "right_range", "n_addresses", "cells")


def _code_key(codes: pd.Series) -> np.ndarray:
    parts = codes.str.split(".", n=1, expand=True).reindex(columns=[0, 1]).fillna("")
    zone = pd.to_numeric(parts[0], errors="coerce").fillna(np.inf).to_numpy()
    num = pd.to_numeric(parts[1], errors="coerce").fillna(np.inf).to_numpy()
    return np.lexsort((codes.to_numpy(dtype=str), num, zone))


def _range(numbers: pd.Series) -> str:
    if numbers.empty:
        return ""
    lo, hi = int(numbers.min()), int(numbers.max())
    return str(lo) if lo == hi else f"{lo}–{hi}"


def street_directory(
    register: RegisterSource,
    *,
    zones: Iterable[str | int] | None = None,
    statuses: Iterable[str] | None = ("proposed", "current"),
    settings: ExportSettings | None = None,
) -> pd.DataFrame:
    """Return the street directory, one row per street, sorted by code.

    Parameters
    ----------
    register : str, os.PathLike, Register or AddressingResult
        The register (EPSG:32631).
    zones : iterable, optional
        Keep only the streets of these arrondissements.
    statuses : iterable of str, optional
        Statuses of the addresses counted in ranges and totals (default proposed, current).
    settings : ExportSettings, optional
        ``grid_cell_m`` (metres) sets the reference grid.

    Returns
    -------
    pandas.DataFrame
        Columns ``street_code, street_name, zone, quartiers, length_m, left_range,
        right_range, n_addresses, cells``.
    """
    s = settings or ExportSettings()
    reg = load_register(register)
    addr = select_addresses(reg, statuses=statuses)
    streets = reg.streets
    if zones is not None:
        wanted = {str(z) for z in zones}
        streets = streets.loc[text(streets["zone"]).isin(wanted).to_numpy()]
    grid = reference_grid(reg.streets, cell_m=s.grid_cell_m)
    codes = text(streets["street_code"])
    a = pd.DataFrame({"street_code": text(addr["street_code"]),
                      "quartier": text(addr["quartier"]),
                      "side": text(addr["side"]) if "side" in addr.columns else "",
                      "number": pd.to_numeric(addr["number"], errors="coerce")})
    quartiers = (a.loc[a["quartier"] != ""].groupby("street_code")["quartier"]
                 .agg(lambda q: ", ".join(sorted(set(q)))))
    counts = a.groupby("street_code").size()
    left = a.loc[a["side"] == "left"].groupby("street_code")["number"].agg(_range)
    right = a.loc[a["side"] == "right"].groupby("street_code")["number"].agg(_range)
    out = pd.DataFrame({
        "street_code": codes,
        "street_name": text(streets["street_name"]),
        "zone": text(streets["zone"]),
        "quartiers": codes.map(quartiers).fillna(""),
        "length_m": pd.to_numeric(streets["length_m"], errors="coerce").round(1),
        "left_range": codes.map(left).fillna(""),
        "right_range": codes.map(right).fillna(""),
        "n_addresses": codes.map(counts).fillna(0).astype(np.int64),
        "cells": cells_crossed(streets, grid),
    })
    return out.iloc[_code_key(out["street_code"])].reset_index(drop=True)


def _fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def name_index(directory: pd.DataFrame) -> pd.DataFrame:
    """Return the named streets in alphabetical order (accents ignored): name, code."""
    named = directory.loc[directory["street_name"].str.strip() != "",
                          ["street_name", "street_code"]]
    keys = named["street_name"].map(_fold)
    order = np.lexsort((named["street_code"].to_numpy(dtype=str), keys.to_numpy(dtype=str)))
    return named.iloc[order].reset_index(drop=True)


def _presented(table: pd.DataFrame, lang: Language) -> pd.DataFrame:
    return table.rename(columns={c: header(c, lang) for c in table.columns})


def write_directory_csv(
    register: RegisterSource,
    path: str | os.PathLike[str],
    *,
    zones: Iterable[str | int] | None = None,
    settings: ExportSettings | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the street directory as CSV (UTF-8 with BOM, injection-safe).

    Parameters
    ----------
    register : str, os.PathLike, Register or AddressingResult
        The register (EPSG:32631).
    path : str or os.PathLike
        The CSV file.
    zones : iterable, optional
        Keep only these arrondissements.
    settings : ExportSettings, optional
        Language, separator, grid cell size.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    s = settings or ExportSettings()
    table = street_directory(register, zones=zones, settings=s)
    ids = [header("street_code", s.language)] if s.csv_ids_as_text else []  # type: ignore[arg-type]
    return write_csv(_presented(table, s.language), path,  # type: ignore[arg-type]
                     separator=s.csv_separator, decimal=s.csv_decimal, overwrite=overwrite,
                     id_columns=ids)


def write_directory_xlsx(
    register: RegisterSource,
    path: str | os.PathLike[str],
    *,
    zones: Iterable[str | int] | None = None,
    settings: ExportSettings | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the street directory and its name index as two XLSX sheets.

    Parameters
    ----------
    register : str, os.PathLike, Register or AddressingResult
        The register (EPSG:32631).
    path : str or os.PathLike
        The ``.xlsx`` file.
    zones : iterable, optional
        Keep only these arrondissements.
    settings : ExportSettings, optional
        Language, grid cell size.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    s = settings or ExportSettings()
    lang: Language = s.language  # type: ignore[assignment]
    table = street_directory(register, zones=zones, settings=s)
    index = name_index(table)
    return write_xlsx(
        [(word("street_directory", lang), _presented(table, lang)),
         (word("name_index", lang), _presented(index, lang))],
        path, text_columns=[header("street_code", lang), header("zone", lang)],
        overwrite=overwrite,
    )


def directory_html(table: pd.DataFrame, *, settings: ExportSettings | None = None) -> str:
    """Return a printable HTML page of a directory table and its name index (text escaped)."""
    s = settings or ExportSettings()
    lang: Language = s.language  # type: ignore[assignment]
    esc = html.escape
    title = f"{word('street_directory', lang)} — {word('commune_of', lang)} {s.commune_name}"
    head = "".join(f"<th>{esc(header(c, lang))}</th>" for c in _DIRECTORY_COLUMNS)
    rows = "\n".join(
        "<tr>" + "".join(f"<td>{esc(str(v))}</td>" for v in rec) + "</tr>"
        for rec in table[list(_DIRECTORY_COLUMNS)].itertuples(index=False, name=None)
    )
    index = name_index(table)
    items = "\n".join(f"<li>{esc(n)} — {esc(c)}</li>"
                      for n, c in index.itertuples(index=False, name=None))
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>
body {{ font-family: sans-serif; font-size: 10pt; margin: 1.5cm; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #999; padding: 2px 4px; text-align: left; }}
th {{ background: #eee; }} thead {{ display: table-header-group; }}
tr {{ page-break-inside: avoid; }}
.index {{ page-break-before: always; columns: 2; }}
</style></head><body>
<h1>{esc(title)}</h1>
<table><thead><tr>{head}</tr></thead><tbody>
{rows}
</tbody></table>
<div class="index"><h2>{esc(word('name_index', lang))}</h2><ul>
{items}
</ul></div>
</body></html>
"""


def write_directory_html(
    register: RegisterSource,
    path: str | os.PathLike[str],
    *,
    zones: Iterable[str | int] | None = None,
    settings: ExportSettings | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the street directory as a printable HTML page with the name index.

    Parameters
    ----------
    register : str, os.PathLike, Register or AddressingResult
        The register (EPSG:32631).
    path : str or os.PathLike
        The ``.html`` file.
    zones : iterable, optional
        Keep only these arrondissements.
    settings : ExportSettings, optional
        Language, commune name, grid cell size.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    table = street_directory(register, zones=zones, settings=settings)
    final = Path(path)
    with atomic_path(final, overwrite=overwrite) as tmp:
        tmp.write_text(directory_html(table, settings=settings), encoding="utf-8")
    return final
