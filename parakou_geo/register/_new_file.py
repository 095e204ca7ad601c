"""Private: a new register file, whose footprints layer can be written while the run goes on.

A register holds a footprint for every building. At a million buildings GDAL takes seconds to
write them, and the footprints are known as soon as the buildings are checked, long before the
addresses are. :func:`new_register_file` reserves the file (its checks fail before any work is
done), :meth:`NewRegisterFile.write_footprints_ahead` writes the footprints on a thread while
the streets are numbered, and :meth:`NewRegisterFile.write` adds the rest. The file is
written under a temporary name and moved into place only when complete, as
:func:`parakou_geo.register.write_register` (which uses it too) always did: a failed or
interrupted run leaves nothing behind, and the thread is stopped before the file is removed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from parakou_geo._errors import OutputError

if TYPE_CHECKING:
    import geopandas as gpd

    from parakou_geo.register import Register

__all__ = ["NewRegisterFile", "new_register_file"]


class NewRegisterFile:
    """A register file being written (made by :func:`new_register_file`).

    Parameters
    ----------
    tmp : pathlib.Path
        The temporary file beside the register, moved into place when the block ends.
    csv_final : pathlib.Path or None
        The addresses CSV to write too.
    overwrite : bool
        Replace an existing CSV.
    """

    def __init__(self, tmp: Path, csv_final: Path | None, overwrite: bool) -> None:
        self._tmp = tmp
        self._csv = csv_final
        self._overwrite = overwrite
        self._stop = threading.Event()
        self._pool: ThreadPoolExecutor | None = None
        self._ahead: Future[None] | None = None
        self._frame: gpd.GeoDataFrame | None = None
        self.written = False

    def write_footprints_ahead(self, buildings: gpd.GeoDataFrame) -> None:
        """Start writing the footprints layer on a thread (the run goes on meanwhile).

        Parameters
        ----------
        buildings : geopandas.GeoDataFrame
            The register's ``buildings`` layer (``building_id`` and footprint), which
            :meth:`write` will find as ``register.buildings``; it is only read.
        """
        from parakou_geo.register._write import write_footprints

        if self._ahead is not None:
            raise RuntimeError("the footprints of this register are already being written")
        self._frame = buildings
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="register-footprints")
        self._ahead = self._pool.submit(write_footprints, buildings, self._tmp, stop=self._stop)

    def write(self, register: Register) -> None:
        """Write the register (and its CSV) into the file.

        The footprints written ahead are kept when ``register.buildings`` is the frame they
        were written from; otherwise the file is started again.

        Raises
        ------
        OutputError
            When the file cannot be written (a full disk, a folder that went away...).
        """
        from parakou_geo.register import _remove_with_journal, _write_files

        footprints_written = False
        if self._ahead is not None:
            self._ahead.result()  # its failure, as the register's OutputError
            footprints_written = register.buildings is self._frame
            self._frame = None
            if not footprints_written:  # the tables were changed since: all written anew
                _remove_with_journal(self._tmp)
        _write_files(register, self._tmp, self._csv, overwrite=self._overwrite,
                     footprints_written=footprints_written)
        self.written = True

    def close(self) -> None:
        """Stop the footprints' thread (between two slices) and wait for it to end."""
        self._stop.set()
        if self._pool is not None:
            if self._ahead is not None:
                wait([self._ahead])  # its error, if any, is :meth:`write`'s to report
            self._pool.shutdown()
            self._pool = None


@contextmanager
def new_register_file(path: str | os.PathLike[str], *, csv_path: str | os.PathLike[str] | None,
                      overwrite: bool) -> Iterator[NewRegisterFile]:
    """Reserve a new register file; it is moved into place when the block ends without error.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.gpkg`` file.
    csv_path : str or os.PathLike, optional
        Also write the addresses as CSV here.
    overwrite : bool
        Replace existing files.

    Yields
    ------
    NewRegisterFile
        Call its :meth:`~NewRegisterFile.write` before the block ends.

    Raises
    ------
    OutputError
        At once when a file exists (without ``overwrite``), the name does not end in ``.gpkg``
        or the folder cannot be written; later, when the file cannot be written.
    """
    from parakou_geo.register import atomic_path

    final = Path(path)
    if final.suffix.lower() != ".gpkg":
        raise OutputError(f"{final}: the register must be a GeoPackage file ending in .gpkg")
    csv_final = Path(csv_path) if csv_path is not None else None
    if csv_final is not None and csv_final.exists() and not overwrite:
        raise OutputError(f"{csv_final} already exists; choose another name or pass --overwrite")
    with atomic_path(final, overwrite=overwrite) as tmp:
        out = NewRegisterFile(tmp, csv_final, overwrite)
        try:
            yield out
        finally:
            out.close()  # before the temporary file is removed
        if not out.written:
            raise RuntimeError("the register was not written: call write() in the block")
