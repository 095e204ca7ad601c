"""Private: append Arrow record batches to a GDAL layer with Python's GIL released.

``pyogrio.write_arrow`` hands each batch to GDAL (``OGR_L_WriteArrowBatch``) while it holds
the GIL: for a register of a million addresses that is about 3 s in which no other thread of
the program can run, so the CSV and the spatial indexes wait for GDAL. This module calls the
same GDAL function through :mod:`ctypes`, which releases the GIL for the length of each call.

The library called is the GDAL that pyogrio itself loaded: its functions are looked up
through pyogrio's own extension module, so the rows are written by the same code either way
(``tests/test_register_arrow_layer.py`` compares both ways with ``pyogrio.write_dataframe``).
The layer and its fields are created by pyogrio first; only the rows go through here. Where
that library cannot be reached so (another platform's loader, a pyogrio without Arrow
writing), :func:`available` is False and the caller writes through pyogrio.

GDAL reports errors through a handler of the calling thread: the one pyogrio installs belongs
to the thread that imported it, so here a handler of our own collects the messages, turns a
failure into the error pyogrio raises (:class:`pyogrio.errors.DataLayerError`) and a warning
into a :class:`RuntimeWarning`, as pyogrio does.
"""

from __future__ import annotations

import ctypes
import functools
import warnings
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
import pyogrio.errors

__all__ = ["append_batches", "available", "messages_kept"]

# GDALOpenEx flags (gdal.h)
_OF_UPDATE = 0x01
_OF_VECTOR = 0x04
_OF_VERBOSE_ERROR = 0x40
# CPLErr classes (cpl_error.h)
_CE_WARNING = 2
_CE_FAILURE = 3


class _ArrowSchema(ctypes.Structure):
    """The Arrow C data interface's ``struct ArrowSchema``."""


_ArrowSchema._fields_ = [
    ("format", ctypes.c_char_p), ("name", ctypes.c_char_p), ("metadata", ctypes.c_char_p),
    ("flags", ctypes.c_int64), ("n_children", ctypes.c_int64),
    ("children", ctypes.c_void_p), ("dictionary", ctypes.c_void_p),
    ("release", ctypes.CFUNCTYPE(None, ctypes.POINTER(_ArrowSchema))),
    ("private_data", ctypes.c_void_p),
]


class _ArrowArray(ctypes.Structure):
    """The Arrow C data interface's ``struct ArrowArray``."""


_ArrowArray._fields_ = [
    ("length", ctypes.c_int64), ("null_count", ctypes.c_int64), ("offset", ctypes.c_int64),
    ("n_buffers", ctypes.c_int64), ("n_children", ctypes.c_int64),
    ("buffers", ctypes.c_void_p), ("children", ctypes.c_void_p),
    ("dictionary", ctypes.c_void_p),
    ("release", ctypes.CFUNCTYPE(None, ctypes.POINTER(_ArrowArray))),
    ("private_data", ctypes.c_void_p),
]

#: ``void handler(CPLErr, CPLErrorNum, const char*)``; ctypes takes the GIL to run it.
_HANDLER = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_int, ctypes.c_char_p)


@functools.cache
def _gdal() -> Any:
    """Return pyogrio's GDAL as a :class:`ctypes.CDLL` with the functions used, or None."""
    try:
        from pyogrio import _io

        lib = ctypes.CDLL(_io.__file__)  # its symbols resolve to the GDAL it is linked to
        lib.GDALOpenEx.restype = ctypes.c_void_p
        lib.GDALOpenEx.argtypes = [ctypes.c_char_p, ctypes.c_uint, ctypes.c_void_p,
                                   ctypes.c_void_p, ctypes.c_void_p]
        lib.GDALDatasetGetLayerByName.restype = ctypes.c_void_p
        lib.GDALDatasetGetLayerByName.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.OGR_L_WriteArrowBatch.restype = ctypes.c_bool
        lib.OGR_L_WriteArrowBatch.argtypes = [ctypes.c_void_p, ctypes.POINTER(_ArrowSchema),
                                              ctypes.POINTER(_ArrowArray),
                                              ctypes.POINTER(ctypes.c_char_p)]
        lib.GDALClose.restype = ctypes.c_int  # CPLErr since GDAL 3.7 (void before: ignored)
        lib.GDALClose.argtypes = [ctypes.c_void_p]
        lib.CPLPushErrorHandlerEx.restype = None
        lib.CPLPushErrorHandlerEx.argtypes = [_HANDLER, ctypes.c_void_p]
        lib.CPLPopErrorHandler.restype = None
        lib.CPLPopErrorHandler.argtypes = []
    except (ImportError, OSError, AttributeError):
        return None
    return lib


def available() -> bool:
    """Whether batches can be appended here (else write them through pyogrio)."""
    return _gdal() is not None


def append_batches(path: str, layer: str, batches: Iterable[pa.RecordBatch], *,
                   geometry_name: str = "geometry") -> None:
    """Append record batches to an existing layer of a GDAL vector file.

    Parameters
    ----------
    path : str
        The file (a GeoPackage), opened for update.
    layer : str
        The layer, created beforehand with the batches' fields (e.g. by ``pyogrio.write_arrow``
        of an empty table of the same schema).
    batches : iterable of pyarrow.RecordBatch
        The rows; ``geometry_name`` holds each row's geometry as WKB.
    geometry_name : str
        The WKB column.

    Raises
    ------
    pyogrio.errors.DataSourceError
        When the file cannot be opened for update.
    pyogrio.errors.DataLayerError
        When the layer is missing or GDAL fails to write or close it; GDAL's message is in it.
    """
    lib = _gdal()
    if lib is None:
        raise RuntimeError("GDAL cannot be called directly here; write through pyogrio")
    with _collected(lib) as (messages, handler):
        options = (ctypes.c_char_p * 2)(f"GEOMETRY_NAME={geometry_name}".encode(), None)

        def write(handle: int, batch: pa.RecordBatch) -> None:
            """Write one batch (on the writer thread: GDAL's error handlers are per thread)."""
            array, schema = _ArrowArray(), _ArrowSchema()
            batch._export_to_c(ctypes.addressof(array), ctypes.addressof(schema))
            lib.CPLPushErrorHandlerEx(handler, None)
            try:
                ok = lib.OGR_L_WriteArrowBatch(handle, ctypes.byref(schema), ctypes.byref(array),
                                               options)
            finally:
                lib.CPLPopErrorHandler()
                if array.release:
                    array.release(ctypes.byref(array))
                if schema.release:
                    schema.release(ctypes.byref(schema))
            if not ok:
                raise pyogrio.errors.DataLayerError(
                    f"Error while writing batch to OGR layer: {_failure(messages)}")

        dataset = lib.GDALOpenEx(str(path).encode(), _OF_VECTOR | _OF_UPDATE | _OF_VERBOSE_ERROR,
                                 None, None, None)
        if not dataset:
            raise pyogrio.errors.DataSourceError(
                f"Failed to open dataset ({path}) for update: {_failure(messages)}")
        try:
            handle = lib.GDALDatasetGetLayerByName(dataset, layer.encode())
            if not handle:
                raise pyogrio.errors.DataLayerError(f"Layer '{layer}' could not be opened")
            # GDAL writes each batch on a thread of its own while this one makes the next
            # (leaving the pool waits for the batch GDAL is writing, also on an error, so the
            # file is never closed under it)
            with ThreadPoolExecutor(1, thread_name_prefix="gdal-append") as pool:
                pending: Future[None] | None = None
                for batch in batches:
                    if pending is not None:
                        pending.result()
                    pending = pool.submit(write, handle, batch)
                if pending is not None:
                    pending.result()
        finally:
            closed = lib.GDALClose(dataset)
        if closed >= _CE_FAILURE:
            raise pyogrio.errors.DataSourceError(
                f"Failed to write features to dataset {path}; {_failure(messages)}")


@contextmanager
def messages_kept() -> Iterator[None]:
    """Keep GDAL's messages on this thread from the console while pyogrio is called from it.

    pyogrio's handler, which turns GDAL's messages into its errors and warnings, belongs to the
    thread that imported it; on another thread GDAL prints its messages on the console, also
    the follow-up messages of a failure that pyogrio raises anyway. Here a handler of this
    thread collects them: failures are left to the error pyogrio raises (GDAL still records
    the last one for it), warnings are given as :class:`RuntimeWarning`, as pyogrio gives them.
    Where GDAL cannot be called directly this does nothing.
    """
    lib = _gdal()
    if lib is None:
        yield
        return
    with _collected(lib):
        yield


@contextmanager
def _collected(lib: Any) -> Iterator[tuple[list[tuple[int, str]], Any]]:
    """Collect GDAL's messages on this thread (its handler also serves other threads).

    Yields the list the messages go to, ``(class, text)``, and the handler, which a thread
    that calls GDAL for this one pushes for the length of its call. Warnings are given as
    :class:`RuntimeWarning` when the block ends, as pyogrio gives them.
    """
    messages: list[tuple[int, str]] = []

    def collect(err_class: int, _err_no: int, message: bytes | None) -> None:
        messages.append((err_class, (message or b"").decode("utf-8", "replace")))

    handler = _HANDLER(collect)  # kept alive while GDAL may call it
    lib.CPLPushErrorHandlerEx(handler, None)
    try:
        yield messages, handler
    finally:
        lib.CPLPopErrorHandler()
        for err_class, text in messages:
            if err_class == _CE_WARNING:
                warnings.warn(text, RuntimeWarning, stacklevel=4)


def _failure(messages: list[tuple[int, str]]) -> str:
    """GDAL's last failure message (what ``CPLGetLastErrorMsg`` would say)."""
    failures = [text for err_class, text in messages if err_class >= _CE_FAILURE]
    return failures[-1] if failures else "no error message"
