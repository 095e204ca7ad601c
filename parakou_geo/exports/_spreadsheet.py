"""Private: injection-safe CSV and XLSX writing for Excel users.

A text cell that a spreadsheet would run as a formula (first character ``=``, ``+``, ``-``,
``@``, tab or carriage return) is neutralised:

- in CSV, by a leading apostrophe (the OWASP recommendation): Excel shows ``'=SOMME(A1)``
  as text, the original text is intact after the apostrophe;
- in XLSX, by storing the cell as a string with the *quote prefix* style: Excel shows the
  exact text, never evaluates it, and keeps it as text when the cell is edited.

Files are written atomically: a failure never leaves a half-written file.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from parakou_geo._csv import FORMULA_STARTS, neutralise
from parakou_geo._csv import write_csv as _write_csv
from parakou_geo._errors import OutputError
from parakou_geo.register import atomic_path

__all__ = ["FORMULA_STARTS", "neutralise", "safe_sheet_title", "spreadsheet_text", "write_csv",
           "write_xlsx"]

_MAX_WIDTH = 60
_BAD_TITLE = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))


_DIGITS = re.compile(r"[0-9]+(?:[.,][0-9]+)*")


def spreadsheet_text(value: str) -> str:
    """Return an identifier made of digits as a text formula a spreadsheet keeps as written.

    ``007123456`` opened from a CSV becomes the number 7123456 in Excel and LibreOffice, and
    ``1.010`` becomes 1.01; ``="007123456"`` is shown as the text ``007123456`` by both. Only
    digits (with ``.`` or ``,`` between them) are wrapped, so the formula can never carry
    anything else; any other value is returned as it is.

    Examples
    --------
    >>> spreadsheet_text("007123456"), spreadsheet_text("RFU-1-0042")
    ('="007123456"', 'RFU-1-0042')
    """
    return f'="{value}"' if _DIGITS.fullmatch(value) else value


def _is_text(series: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series))


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value)


def write_csv(
    table: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    separator: str = ";",
    decimal: str = ",",
    overwrite: bool = False,
    id_columns: Sequence[str] = (),
) -> Path:
    """Write ``table`` as UTF-8 CSV with a BOM (Excel detects the encoding), text neutralised.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns already renamed to their headers; text columns are neutralised.
    path : str or os.PathLike
        The CSV file.
    separator : str
        Field separator (``";"`` for French Excel).
    decimal : str
        Decimal mark of floating-point numbers (``","`` for French Excel).
    overwrite : bool
        Replace an existing file.
    id_columns : sequence of str
        Headers of identifier columns whose digit-only values are written with
        :func:`spreadsheet_text` (kept as text when the file is opened in a spreadsheet).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    # the project's one CSV writer: same quoting and neutralisation as every other CSV;
    # identifier columns are prepared here (digits only → ="…", anything else neutralised)
    frame = table
    plain: list[str] = []
    if id_columns:
        frame = table.copy()
        for c in frame.columns:
            if str(c) in set(id_columns):
                frame[c] = [None if pd.isna(v) else
                            (spreadsheet_text(t) if _DIGITS.fullmatch(t := _cell_text(v))
                             else neutralise(t)) for v in frame[c].tolist()]
                plain.append(str(c))
    return _write_csv(frame, path, sep=separator, decimal_comma=decimal == ",", bom=True,
                      crlf=True, overwrite=overwrite, plain=tuple(plain))


def safe_sheet_title(title: str, taken: set[str]) -> str:
    r"""Return a valid, unique Excel sheet title (31 characters, no ``[]:*?/\\``)."""
    base = title.translate(_BAD_TITLE).strip("'")[:31] or "Sheet"
    out, i = base, 2
    while out.lower() in {t.lower() for t in taken}:
        suffix = f" ({i})"
        out = base[: 31 - len(suffix)] + suffix
        i += 1
    return out


def write_xlsx(
    sheets: Sequence[tuple[str, pd.DataFrame]],
    path: str | os.PathLike[str],
    *,
    text_columns: Sequence[str] = (),
    overwrite: bool = False,
) -> Path:
    """Write one sheet per table: bold frozen header, auto-filter, column widths, print setup.

    Each sheet prints in landscape on A4, fitted to the page width, with the header row
    repeated on every page.

    Parameters
    ----------
    sheets : sequence of (str, pandas.DataFrame)
        Sheet titles and tables (columns already renamed to their headers).
    path : str or os.PathLike
        The ``.xlsx`` file.
    text_columns : sequence of str
        Headers of columns always stored as text (identifiers: ``007`` stays ``007``).
        Every non-numeric column is text anyway.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    final = Path(path)
    if final.suffix.lower() != ".xlsx":
        raise OutputError(f"{final}: a spreadsheet file must end in .xlsx")
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    taken: set[str] = set()
    bold = Font(bold=True)
    forced = set(text_columns)
    for title, table in sheets:
        name = safe_sheet_title(title, taken)
        taken.add(name)
        ws = wb.create_sheet(name)
        cols = [str(c) for c in table.columns]
        ws.append(cols)
        for cell in ws[1]:
            cell.font = bold
        as_text = [c in forced or _is_text(table[c]) for c in table.columns]
        columns = [table[c].tolist() for c in table.columns]
        widths = [len(c) for c in cols]
        for r, row in enumerate(zip(*columns, strict=True) if columns else [], start=2):
            for j, value in enumerate(row):
                cell = ws.cell(row=r, column=j + 1)
                if as_text[j]:
                    s = _cell_text(value)
                    if not s:
                        continue
                    cell.value = s
                    cell.data_type = "s"  # never a formula, whatever the first character
                    cell.number_format = "@"
                    if s.startswith(FORMULA_STARTS):
                        cell.quotePrefix = True
                    widths[j] = max(widths[j], len(s))
                elif value is not None and not pd.isna(value):
                    cell.value = value.item() if isinstance(value, np.generic) else value
                    widths[j] = max(widths[j], len(str(cell.value)))
        ws.freeze_panes = "A2"
        # printing: landscape, every column on one page width, the header row on every page
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = "1:1"
        ws.auto_filter.ref = f"A1:{get_column_letter(max(1, len(cols)))}{max(1, len(table) + 1)}"
        for j, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = min(_MAX_WIDTH, w + 2)
    with atomic_path(final, overwrite=overwrite) as tmp:
        try:
            wb.save(tmp)
        except OSError as exc:
            raise OutputError(f"cannot write {final}: {exc}") from exc
    return final
