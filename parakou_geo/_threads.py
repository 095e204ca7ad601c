"""Private: run array work in chunks on threads, results in a fixed order.

Shapely 2's vectorised functions and most numpy functions release the GIL, so consecutive
chunks of a large array can be worked on by a few threads at once. The chunks are always cut
the same way and their results are put back in chunk order, so the result does not depend on
the number of threads or on which thread finishes first. Chunks also bound the temporaries
(a million cloned footprints are never held at once).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np

__all__ = ["CHUNK", "apply_chunked", "map_chunks", "thread_count"]

_T = TypeVar("_T")

#: Rows per chunk: large enough that the per-call overhead does not show, small enough that a
#: chunk's temporary geometries stay a few tens of megabytes.
CHUNK = 32_768


def thread_count() -> int:
    """Return the number of threads for chunked work: the CPUs this process may use, at most 8."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(8, cpus))


def map_chunks(
    func: Callable[[slice], _T], n: int, *, chunk: int = CHUNK, threads: int | None = None
) -> list[_T]:
    """Call ``func`` on consecutive slices of ``range(n)``, on threads.

    Parameters
    ----------
    func : callable
        Called once per slice ``slice(start, stop)``; it must not depend on the other slices.
    n : int
        Number of rows.
    chunk : int, default CHUNK
        Rows per slice.
    threads : int, optional
        Number of threads; defaults to :func:`thread_count`. One thread (or a single slice)
        runs in the calling thread.

    Returns
    -------
    list
        The results of ``func``, in slice order whatever the thread that computed them.
    """
    slices = [slice(start, min(start + chunk, n)) for start in range(0, n, chunk)]
    workers = min(threads or thread_count(), len(slices))
    if workers <= 1:
        return [func(s) for s in slices]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(func, slices))


def apply_chunked(
    func: Callable[[np.ndarray], np.ndarray],
    values: np.ndarray,
    *,
    dtype: np.dtype | type | str,
    chunk: int = CHUNK,
    threads: int | None = None,
) -> np.ndarray:
    """Return ``func(values)`` computed chunk by chunk on threads, for an element-wise ``func``.

    Parameters
    ----------
    func : callable
        An element-wise function of a 1-D array (e.g. ``shapely.is_valid``): its result has one
        element per input element.
    values : numpy.ndarray
        1-D input array.
    dtype : numpy dtype
        dtype of the result.
    chunk, threads
        As in :func:`map_chunks`.

    Returns
    -------
    numpy.ndarray
        The same array ``func(values)`` gives, written chunk by chunk into one output array.
    """
    out = np.empty(len(values), dtype=dtype)

    def work(part: slice) -> None:
        out[part] = func(values[part])

    map_chunks(work, len(values), chunk=chunk, threads=threads)
    return out
