"""Private: the one CSV writer of parakou_geo (quoting, formula neutralisation, atomic writes).

Every CSV the project writes goes through :func:`write_csv`, so all of them follow the same
rules:

- a text cell that a spreadsheet would run as a formula (first character ``=``, ``+``, ``-``,
  ``@``, tab or carriage return, also after leading spaces) gets a leading apostrophe, the
  OWASP recommendation: LibreOffice and Excel show ``'=SOMME(A1)`` as text and the original
  text is intact after the apostrophe. DDE payloads (``=cmd|' /C calc'!A0``) start with one of
  these characters, so they are neutralised too. Column headers are neutralised the same way;
- a field is quoted (``"..."``, inner quotes doubled) when it contains the separator, a quote,
  a carriage return or a line feed (RFC 4180), and only then;
- numbers are written by Arrow (``.`` decimal mark) or, with ``decimal_comma``, with a comma;
  missing values are empty fields;
- the file is written to a temporary name beside the target and renamed into place only when
  complete: a failure never leaves a half-written file.

The columns are turned into text with Arrow compute functions (no per-cell Python loop), so
large tables (the register CSV) are written quickly.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from parakou_geo._errors import OutputError

__all__ = ["FORMULA_STARTS", "csv_text", "neutralise", "neutralise_column", "write_csv"]

#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

#: A text value a spreadsheet would run: a formula starter, possibly after spaces.
_FORMULA_RE = r"^[ ]*[=+\-@\t\r]"


def neutralise(value: str) -> str:
    r"""Return ``value`` with a leading apostrophe when a spreadsheet would run it.

    Examples
    --------
    >>> neutralise('=HYPERLINK("http://x","y")')
    '\'=HYPERLINK("http://x","y")'
    >>> neutralise("Rue 2.045")
    'Rue 2.045'
    """
    return "'" + value if value.lstrip(" ").startswith(FORMULA_STARTS) else value


def _s(text: str) -> pa.Scalar:
    return pa.scalar(text, type=pa.large_string())


def neutralise_column(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Return a string column with a leading apostrophe on every value a spreadsheet would run."""
    values = pc.cast(values, pa.large_string())
    risky = pc.match_substring_regex(values, _FORMULA_RE)
    if not pc.any(risky).as_py():
        return values
    return pc.if_else(risky, pc.binary_join_element_wise(_s("'"), values, _s("")), values)


def _text_column(
    column: pd.Series, *, decimal_comma: bool
) -> tuple[pa.Array | pa.ChunkedArray, bool]:
    """Return a column as Arrow text with missing values null, and whether it holds text.

    Text (as opposed to numbers, booleans and dates) is what :func:`neutralise_column` is for.
    """
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        arr = pa.array(column, from_pandas=True)
        return pc.if_else(arr, _s("True"), _s("False")), False
    if pd.api.types.is_integer_dtype(dtype):
        return pc.cast(pa.array(column, from_pandas=True), pa.large_string()), False
    if pd.api.types.is_float_dtype(dtype):
        values = column.to_numpy(dtype=float, na_value=np.nan)
        text = pc.cast(pa.array(values, from_pandas=True), pa.large_string())
        # Arrow writes 2.0 as "2": add ".0" like Python and pandas do. Only a finite whole
        # number can be written without "." or "e", so only those texts are looked at.
        with np.errstate(invalid="ignore"):
            candidate = np.flatnonzero(np.isfinite(values) & (np.floor(values) == values))
        if len(candidate):
            some = text.take(pa.array(candidate))
            bare = pc.invert(pc.match_substring_regex(some, "[.e]"))
            if pc.any(bare).as_py():
                mask = np.zeros(len(values), dtype=bool)
                mask[candidate[np.asarray(bare, dtype=bool)]] = True
                text = pc.replace_with_mask(text, pa.array(mask), pc.binary_join_element_wise(
                    some.filter(bare), _s(".0"), _s("")))
        return (pc.replace_substring(text, ".", ",") if decimal_comma else text), False
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return pa.array(column.astype(str).where(column.notna(), None),
                        type=pa.large_string()), False
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        # pandas' text columns already hold Arrow strings: no round trip through Python
        return pc.cast(pa.array(column.array), pa.large_string()), True
    values = column.to_numpy(dtype=object)
    try:  # text (or missing) only: converted by Arrow at once
        text = pa.array(values, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed values: each one as text
        missing = pd.isna(column).to_numpy()
        text = pa.array([None if m else str(v) for v, m in
                         zip(values.tolist(), missing.tolist(), strict=True)],
                        type=pa.large_string())
    return text, True


def _field(values: pa.Array | pa.ChunkedArray, sep: str,
           neutral: bool) -> pa.Array | pa.ChunkedArray:
    """Return text fields as written: neutralised (with ``neutral``), quoted where needed.

    One scan of the column's bytes finds the columns with nothing to neutralise or quote
    (nearly all of them); only the others are looked at value by value.
    """
    values = _no_nulls(values)
    if not _may_be_special(values, sep, neutral):
        return values
    return _quoted(neutralise_column(values) if neutral else values, sep)


def _no_nulls(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Return text with its missing values as empty texts (the column itself when none is)."""
    return pc.fill_null(values, _s("")) if values.null_count else values


#: Bytes that make a field quoted (besides the separator): quote, CR, LF.
_QUOTED_BYTES = b'"\r\n'
#: First bytes of a text a spreadsheet may run (:data:`FORMULA_STARTS`, and a space, after
#: which one may come: those texts are looked at by :data:`_FORMULA_RE`).
_FORMULA_FIRST_BYTES = "".join(FORMULA_STARTS).encode("ascii") + b" "


def _may_be_special(values: pa.Array | pa.ChunkedArray, sep: str, neutral: bool) -> bool:
    """Whether any text (no nulls) holds a byte that needs quoting, or starts like a formula.

    A scan of the Arrow buffers with numpy: the bytes of all texts at once, and the first
    byte of each. ``False`` means that no field of the column is neutralised or quoted.
    """
    special = np.zeros(256, dtype=bool)
    special[np.frombuffer(_QUOTED_BYTES + sep.encode("utf-8"), dtype=np.uint8)] = True
    first = np.zeros(256, dtype=bool)
    first[np.frombuffer(_FORMULA_FIRST_BYTES, dtype=np.uint8)] = neutral
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    for chunk in chunks:
        chunk = pc.cast(chunk, pa.large_string())
        if not len(chunk):
            continue
        _, offsets_buf, data_buf = chunk.buffers()
        offsets = np.frombuffer(offsets_buf, dtype=np.int64)[
            chunk.offset:chunk.offset + len(chunk) + 1]
        if data_buf is None or offsets[-1] == offsets[0]:
            continue
        data = np.frombuffer(data_buf, dtype=np.uint8)
        if special[data[offsets[0]:offsets[-1]]].any():
            return True
        starts = offsets[:-1][offsets[1:] > offsets[:-1]]
        if first[data[starts]].any():
            return True
    return False


def _quoted(values: pa.Array | pa.ChunkedArray, sep: str) -> pa.Array | pa.ChunkedArray:
    """Quote the fields that need it (separator, quote, CR or LF inside); nulls become ""."""
    values = pc.fill_null(values, _s(""))
    needs = pc.match_substring_regex(values, _needs_quotes(sep))
    if not pc.any(needs).as_py():
        return values
    doubled = pc.replace_substring(values, '"', '""')
    wrapped = pc.binary_join_element_wise(_s('"'), doubled, _s('"'), _s(""))
    return pc.if_else(needs, wrapped, values)


def _needs_quotes(sep: str) -> str:
    """Regular expression of a field that is quoted: separator, quote, CR or LF inside."""
    return "[" + _regex_escape(sep) + '"\r\n]'


def _regex_escape(char: str) -> str:
    """Escape one character for use inside a regular-expression character class."""
    return "\\" + char if char in "]\\^-[" else char


def write_csv(
    table: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    sep: str = ",",
    decimal_comma: bool = False,
    bom: bool = False,
    crlf: bool = False,
    overwrite: bool = True,
    plain: tuple[str, ...] = (),
) -> Path:
    """Write a table as UTF-8 CSV, injection-safe, atomically.

    Parameters
    ----------
    table : pandas.DataFrame
        The table (a geometry column, if any, should be dropped first); the index is not
        written. Text columns are neutralised; numbers and booleans are written as they are.
    path : str or os.PathLike
        The CSV file. It is written under a temporary name and renamed into place at the end.
    sep : str
        Field separator (one character).
    decimal_comma : bool
        Write floating-point numbers with a decimal comma (French spreadsheets; use with
        ``sep=";"``).
    bom : bool
        Start the file with a UTF-8 byte order mark (Excel then detects the encoding).
    crlf : bool
        End lines with CR LF instead of LF.
    overwrite : bool
        Replace an existing file (callers check their own overwrite rules first).
    plain : tuple of str
        Text columns written without neutralisation: numbers the caller formatted itself
        (BAL coordinates), never free text.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    OutputError
        When the file cannot be written (the target is left as it was).
    """
    from parakou_geo.register import atomic_path

    if len(sep) != 1 or sep in "\"'\r\n":
        raise OutputError(f"CSV separator {sep!r}: give one character other than quotes")
    final = Path(path)
    with atomic_path(final, overwrite=overwrite) as tmp:
        try:
            with tmp.open("wb") as fh:
                if bom:
                    fh.write(b"\xef\xbb\xbf")
                # in slices of rows: the text of a million addresses never sits in memory whole
                for start in range(0, max(len(table), 1), _ROWS_PER_WRITE):
                    for part in _lines(table.iloc[start:start + _ROWS_PER_WRITE], sep=sep,
                                       decimal_comma=decimal_comma, crlf=crlf, plain=plain,
                                       header=start == 0):
                        fh.write(part)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise OutputError(f"cannot write {final}: {exc.strerror or exc}; nothing was "
                              "written there") from exc
    return final


def csv_text(table: pd.DataFrame, *, sep: str = ",") -> str:
    """Return a table as CSV text with the rules of :func:`write_csv` (for the terminal)."""
    return b"".join(bytes(part) for part in _lines(table, sep=sep, decimal_comma=False,
                                                   crlf=False)).decode("utf-8")


#: Rows turned into CSV text at once by :func:`write_csv`.
_ROWS_PER_WRITE = 50_000


def _lines(
    table: pd.DataFrame, *, sep: str, decimal_comma: bool, crlf: bool, plain: tuple[str, ...] = (),
    header: bool = True,
) -> list[bytes | pa.Buffer]:
    """Return the CSV text of ``table`` (its header line first, unless not asked) as UTF-8.

    The parts are written one after the other; the rows are one Arrow buffer, not copied.
    """
    end = "\r\n" if crlf else "\n"
    head = sep.join(
        _quoted(neutralise_column(pa.array([str(c)], type=pa.large_string())), sep)[0].as_py()
        for c in table.columns)
    parts: list[bytes | pa.Buffer] = [(head + end).encode("utf-8")] if header else []
    if not len(table.columns) or not len(table):
        return parts
    columns = []
    for j in range(table.shape[1]):
        column = table.iloc[:, j]
        text, textual = _text_column(column, decimal_comma=decimal_comma)
        numeric = pd.api.types.is_numeric_dtype(column.dtype) and not (
            decimal_comma and sep == ",")
        # numbers and booleans never hold a separator, a quote or a line break
        columns.append(_no_nulls(text) if numeric else _field(
            text, sep, neutral=textual and str(table.columns[j]) not in plain))
    rows = pc.binary_join_element_wise(*columns, _s(sep)) if len(columns) > 1 else columns[0]
    lines = pc.binary_join_element_wise(rows, _s(""), _s(end))  # each row and its line end
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    # the text of all lines lies end to end in the array's data buffer
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:]
    data = lines.buffers()[2]
    if data is not None:
        parts.append(data.slice(int(offsets[0]), int(offsets[len(lines)] - offsets[0])))
    return parts
