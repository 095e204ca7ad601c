"""The address register: its tables, and writing them safely to a GeoPackage and a CSV.

Layers of the register GeoPackage: ``addresses`` (points), ``streets`` (lines),
``unaddressed`` (points, with the reason) and ``run_info`` (a plain table: settings, input files
and their hashes, counts, version). Files are written to a temporary name first and moved into
place only when complete, so a failed run never leaves a half-written register.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import geopandas as gpd
    import pyarrow as pa

from parakou_geo._errors import OutputError

__all__ = [
    "ACTIVE_STATUSES",
    "ADDRESS_COLUMNS",
    "ADDRESS_NAMESPACE",
    "STATUSES",
    "Register",
    "address_order",
    "address_uuid",
    "address_uuid_array",
    "address_uuids",
    "atomic_path",
    "sort_addresses",
    "write_addresses_csv",
    "write_register",
    "zone_sort_key",
]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: Namespace of the address UUIDs (UUID version 5), fixed for the life of the project.
ADDRESS_NAMESPACE = uuid.UUID("3f1d2c8e-5b7a-4e39-9a41-6c0d8f2b7e15")

#: Columns of the ``addresses`` layer and CSV, in order (geometry excluded).
ADDRESS_COLUMNS: tuple[str, ...] = (
    "address_id",
    "label",
    "street_code",
    "street_name",
    "number",
    "suffix",
    "zone",
    "building_zone",
    "quartier",
    "building_id",
    "side",
    "distance_m",
    "distance_to_street_m",
    "street_choice",
    "method",
    "status",
    "official",
    "x",
    "y",
    "lon",
    "lat",
    "street_x",
    "street_y",
    "created",
    "updated",
    "retired",
    "source",
)

#: Lifecycle statuses of an address (ISO 19160-1).
STATUSES: tuple[str, ...] = ("proposed", "current", "retired", "rejected")
#: Statuses of addresses that hold their number on a door today.
ACTIVE_STATUSES: tuple[str, ...] = ("proposed", "current")


def address_uuid(building_id: str, street_code: str, number: int, suffix: str) -> str:
    """Return the stable id of an address: a UUID 5 of its building and label parts.

    The same building numbered the same way always gets the same id, so re-running the same
    input gives byte-identical files.

    Examples
    --------
    >>> address_uuid("B1", "2.045", 12, "bis") == address_uuid("B1", "2.045", 12, "bis")
    True
    """
    return str(uuid.uuid5(ADDRESS_NAMESPACE, f"{building_id}|{street_code}|{number}|{suffix}"))


_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
#: Where the 32 hex digits of a UUID go in its 36-character text (dashes elsewhere).
_HEX_SLOTS = np.r_[0:8, 9:13, 14:18, 19:23, 24:36]


def address_uuids(
    building_ids: Iterable[object],
    street_codes: Iterable[object],
    numbers: Iterable[int],
    suffixes: Iterable[object],
) -> np.ndarray:
    """Return :func:`address_uuid` of many addresses at once (the same text, ~6x faster).

    The names are joined by Arrow and hashed (SHA-1) by numpy, many at once
    (:mod:`parakou_geo.register._uuids`; values other than text and integers by
    :mod:`hashlib`); the UUID version and variant bits and the hex text are set with numpy.

    Parameters
    ----------
    building_ids, street_codes, numbers, suffixes : iterable
        One value per address, as given to :func:`address_uuid`.

    Returns
    -------
    numpy.ndarray of str
        Object array of UUID texts such as ``"1b4e28ba-2fa1-51d2-883f-0016d3cca427"``.

    Examples
    --------
    >>> address_uuids(["B1"], ["2.045"], [12], ["bis"])[0] == address_uuid("B1", "2.045", 12,
    ...                                                                     "bis")
    True
    """
    text = _uuid_chars(building_ids, street_codes, numbers, suffixes).tobytes().decode("ascii")
    return np.array([text[i:i + 36] for i in range(0, len(text), 36)], dtype=object)


def address_uuid_array(
    building_ids: Iterable[object],
    street_codes: Iterable[object],
    numbers: Iterable[int],
    suffixes: Iterable[object],
) -> pa.Array:
    """Return :func:`address_uuids` as an Arrow ``large_string`` array (no Python strings).

    The 36-character texts lie end to end in one buffer, which becomes the array's data.

    Examples
    --------
    >>> address_uuid_array(["B1"], ["2.045"], [12], ["bis"])[0].as_py() == address_uuid(
    ...     "B1", "2.045", 12, "bis")
    True
    """
    import pyarrow as pa

    chars = _uuid_chars(building_ids, street_codes, numbers, suffixes)
    n = len(chars)
    offsets = np.arange(0, 36 * (n + 1), 36, dtype=np.int64)
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars))


def _uuid_chars(
    building_ids: Iterable[object],
    street_codes: Iterable[object],
    numbers: Iterable[int],
    suffixes: Iterable[object],
) -> np.ndarray:
    """Return the UUID texts of :func:`address_uuids` as an ``(n, 36)`` array of ASCII bytes.

    :data:`_UUID_CHUNK` addresses at a time, so the messages of a million addresses never sit
    in memory at once: by :mod:`._uuids` (Arrow and numpy) for text and integers, else as
    Python strings hashed by :mod:`hashlib`.
    """
    from parakou_geo.register._uuids import uuid5_digests

    ns = ADDRESS_NAMESPACE.bytes
    sha1 = hashlib.sha1
    columns: list[Any] = [v if hasattr(v, "__getitem__") and hasattr(v, "__len__") else
                          list(v) for v in (building_ids, street_codes, numbers, suffixes)]
    n = len(columns[0])
    chars = np.full((n, 36), ord("-"), dtype=np.uint8)
    for start in range(0, n, _UUID_CHUNK):
        part = [c[start:start + _UUID_CHUNK] for c in columns]
        # text and integers: names and digests made by Arrow and numpy, outside the GIL
        raw = uuid5_digests(ns, part)
        if raw is None:  # other values: written and hashed by Python
            values = [_values(c) for c in part]
            digests = b"".join([
                sha1(ns + f"{b}|{c}|{m}|{x}".encode()).digest()[:16]
                for b, c, m, x in zip(*values, strict=True)
            ])
            raw = np.frombuffer(digests, dtype=np.uint8).reshape(-1, 16).copy()
        raw[:, 6] = (raw[:, 6] & 0x0F) | 0x50  # version 5
        raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
        rows = slice(start, start + len(raw))
        chars[rows, _HEX_SLOTS[0::2]] = _HEX_DIGITS[raw >> 4]
        chars[rows, _HEX_SLOTS[1::2]] = _HEX_DIGITS[raw & 0x0F]
    return chars


#: Addresses whose UUID messages are made at once (bounded temporaries).
_UUID_CHUNK = 16_384


def _values(part: Any) -> Any:
    """Return a slice of a column as Python values (what iterating over it gives)."""
    if isinstance(part, np.ndarray | pd.api.extensions.ExtensionArray):
        return part.tolist()
    if hasattr(part, "to_pylist"):  # Arrow
        return part.to_pylist()
    return part


@dataclass
class Register:
    """The tables of an address register (all geometries in the metric CRS).

    Attributes
    ----------
    addresses : geopandas.GeoDataFrame
        One row per address, columns :data:`ADDRESS_COLUMNS` then pass-through parcel ids.
    streets : geopandas.GeoDataFrame
        One row per street: code, name, zone, length, origin, geometry.
    unaddressed : geopandas.GeoDataFrame
        Buildings without an address: ``building_id``, ``reason``, ``detail``.
    run_info : pandas.DataFrame
        ``key``/``value`` text rows describing the run.
    segments : geopandas.GeoDataFrame
        The oriented street segments (``street_code``, ``offset_m``, ``road_id``) that door
        numbers are measured on; kept so updates measure new doors the same way.
    buildings : geopandas.GeoDataFrame
        Building footprints (or points) with ``building_id``, for matching in updates.
    meta : dict of str to str
        Settings, reference centre and input fingerprints, stored in the ``meta`` table.
    zones, quartiers : geopandas.GeoDataFrame or None
        The zone and quartier polygons used, kept so updates code and place new objects the
        same way.
    """

    addresses: gpd.GeoDataFrame
    streets: gpd.GeoDataFrame
    unaddressed: gpd.GeoDataFrame
    run_info: pd.DataFrame
    segments: gpd.GeoDataFrame | None = None
    buildings: gpd.GeoDataFrame | None = None
    meta: dict[str, str] | None = None
    zones: gpd.GeoDataFrame | None = None
    quartiers: gpd.GeoDataFrame | None = None


def sort_addresses(addresses: pd.DataFrame) -> pd.DataFrame:
    """Sort addresses by zone, street code, side, number and suffix order (stable)."""
    return addresses.iloc[address_order(addresses)].reset_index(drop=True)


def zone_sort_key(zones: object) -> np.ndarray:
    """Return the number of each zone for sorting; a zone that is not a number sorts last."""
    key: np.ndarray = pd.to_numeric(pd.Series(zones), errors="coerce").astype(float).fillna(
        np.inf).to_numpy(dtype=np.float64, copy=True)
    return key


def address_order(addresses: pd.DataFrame) -> np.ndarray:
    """Return the row order of :func:`sort_addresses`.

    Only the columns ``zone``, ``street_code``, ``side``, ``number``, ``distance_m`` and
    ``building_id`` are read, so the order can be computed before the whole table is built.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    zone_num = zone_sort_key(addresses["zone"])

    def text(column: str) -> object:
        values = addresses[column]
        if isinstance(values.dtype, pd.StringDtype):
            return pa.array(values.array)  # Arrow-backed text: no copy
        return pa.array(values.astype(str).to_numpy(dtype=object), type=pa.string())

    # one multi-key Arrow sort; UTF-8 bytes sort in code point order, as Python strings do
    keys = pa.table({
        "zone": zone_num,
        "street_code": text("street_code"),
        "side": text("side"),
        "number": addresses["number"].to_numpy(),
        "distance_m": addresses["distance_m"].to_numpy(),
        "building_id": text("building_id"),
    })
    order = pc.sort_indices(keys, sort_keys=[(k, "ascending") for k in keys.column_names])
    return np.asarray(order, dtype=np.int64)


@contextmanager
def atomic_path(path: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only on success.

    Parameters
    ----------
    path : str or os.PathLike
        The final file.
    overwrite : bool
        Replace an existing file. Without it an existing file is an error.

    Raises
    ------
    OutputError
        When ``path`` exists (and ``overwrite`` is false) or its folder does not exist.
    """
    final = Path(path)
    if final.exists() and not overwrite:
        raise OutputError(
            f"{final} already exists; choose another output name or folder, or pass "
            "--overwrite to replace it (an existing file is never replaced silently)"
        )
    if not final.parent.exists():
        raise OutputError(f"folder {final.parent} does not exist; create it first")
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{final.stem}.", suffix=f".tmp{final.suffix}", dir=final.parent
        )
    except OSError as exc:
        raise OutputError(
            f"cannot write in folder {final.parent} ({exc.strerror or exc}); choose a folder "
            "you can write to (not a read-only disk or share). Nothing was written"
        ) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        yield tmp
        if final.exists() and not overwrite:  # made by someone else meanwhile
            raise OutputError(f"{final} was created while this one was written; it was left "
                              "as it is: choose another output name, or pass --overwrite")
        try:
            os.replace(tmp, final)
        except OSError as exc:
            raise OutputError(f"cannot replace {final} ({exc.strerror or exc}); it was left "
                              "as it was") from exc
    finally:
        _remove_with_journal(tmp)


def _remove_with_journal(path: Path) -> None:
    """Remove a (temporary) SQLite file and the journal files SQLite may have left beside it."""
    for leftover in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)


def write_addresses_csv(addresses: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write the address table (no geometry) as UTF-8 CSV, one line per address."""
    from parakou_geo._csv import write_csv

    write_csv(_csv_table(addresses), path)


def _write_files(register: Register, tmp: Path, csv_final: Path | None, *, overwrite: bool,
                 footprints_written: bool = False) -> None:
    """Write the register into the temporary file ``tmp``, and its CSV to ``csv_final``.

    With ``footprints_written``, ``tmp`` already holds the footprints layer.
    """
    from parakou_geo.register import _write

    if csv_final is None:
        _write.write_layers(register, tmp, footprints_written=footprints_written)
        return
    with atomic_path(csv_final, overwrite=overwrite) as tmp_csv, \
            ThreadPoolExecutor(1, thread_name_prefix="register-csv") as pool:
        # the CSV is made by Arrow, which works outside the GIL, while GDAL writes the large
        # layers (outside it too where _gdal_append can call GDAL) and SQLite packs the
        # spatial indexes and sorts the attribute ones. Its table is taken here, so the
        # thread only reads it
        from parakou_geo._csv import write_csv

        table = _csv_table(register.addresses)
        jobs: list[Future[Path]] = []
        try:
            _write.write_layers(register, tmp, footprints_written=footprints_written,
                                before_large_layers=lambda: jobs.append(
                                    pool.submit(write_csv, table, tmp_csv)))
        finally:
            wait(jobs)
        for job in jobs:
            job.result()  # its error, if any, after the GeoPackage's


def _csv_table(addresses: pd.DataFrame) -> pd.DataFrame:
    """Return the columns of the addresses CSV: the table without its geometry."""
    # dropped from a plain view: GeoDataFrame.drop copies every number column
    return pd.DataFrame(addresses).drop(columns=["geometry"], errors="ignore")


def write_register(
    register: Register,
    path: str | os.PathLike[str],
    *,
    csv_path: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
) -> None:
    """Write the register GeoPackage (and optionally the addresses CSV) atomically.

    Parameters
    ----------
    register : Register
        The tables to write.
    path : str or os.PathLike
        The ``.gpkg`` file.
    csv_path : str or os.PathLike, optional
        Also write the addresses as CSV here.
    overwrite : bool
        Replace existing files.
    """
    from parakou_geo.register._new_file import new_register_file

    with new_register_file(path, csv_path=csv_path, overwrite=overwrite) as out:
        out.write(register)
    final = Path(path)
    logger.info("wrote register %s (%d addresses)", final, len(register.addresses))
