"""Private: give memory freed by a large step back to the operating system.

On Linux, glibc keeps the memory of freed objects in its heaps for later use: after the street
choice of a million doors (temporaries made on two threads, each with its own heap), about
0.2 GB that nothing uses any more stays resident, and the next step's peak comes on top of it.
:func:`release_free_memory` asks glibc to return it (``malloc_trim``); elsewhere it does
nothing.

:func:`tune_allocators` is for a process that is ours alone (the ``parakou-geo`` console
command): it makes large arrays and Arrow buffers go back to the system when freed, so the
peak memory of a large run is what it holds, not what earlier steps left in the heaps.

:func:`cycle_collection_paused` pauses Python's cyclic garbage collector while a million
geometries are made: each shapely geometry is an object the collector follows, and its full
passes over millions of them took about 2 s of a million-building run.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator

__all__ = ["cycle_collection_paused", "release_free_memory", "tune_allocators"]

#: glibc's ``mallopt`` parameter number of the mmap threshold (``M_MMAP_THRESHOLD``).
_M_MMAP_THRESHOLD = -3
#: Blocks this large or larger get their own mapping, returned to the system when freed: a
#: column of half a million numbers. Smaller blocks stay in the heap, where they are reused
#: without the cost of new pages (a threshold of 128 KiB made a 100,000-building run 5 %
#: slower, for no lower peak at a million).
_MMAP_THRESHOLD = 4 * 1024 * 1024

logger = logging.getLogger(__name__)


@functools.cache
def _glibc(name: str) -> Callable[..., int] | None:
    """Return the glibc function ``name``, or None on another C library or system."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function: Callable[..., int] = getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):  # musl and others have no malloc_trim, mallopt
        return None
    return function


def release_free_memory() -> None:
    """Return the free memory of the C heaps to the operating system, where possible.

    It takes a few tens of milliseconds after a step that freed a million objects; call it
    between large steps, not in loops.
    """
    trim = _glibc("malloc_trim")
    if trim is not None:
        trim(0)


def tune_allocators() -> None:
    """Make the C heaps return large freed blocks to the system (a process of our own only).

    Two settings, for the whole process:

    - glibc serves large blocks from their own mappings, and gives them back when they are
      freed. Its threshold starts at 128 KiB but rises (up to 32 MiB) each time such a block
      is freed, after which the large temporaries of a million-row step stay in the heap,
      where later steps cannot always reuse them. The threshold is fixed at 4 MiB.
    - Arrow allocates from the same C heap (its ``system`` pool), not from its own mimalloc
      heap, whose freed pages nothing else can use. A user's ``ARROW_DEFAULT_MEMORY_POOL``
      is kept.

    With both, the peak memory of ``parakou-geo address`` on a million buildings is about
    0.15 GB lower, at the same speed (``benchmarks/README.md``). Elsewhere than glibc, only
    the Arrow pool is set. Call it before the work starts, never from a library function:
    the settings are the whole process's.
    """
    mallopt = _glibc("mallopt")
    if mallopt is not None:
        mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
    if "ARROW_DEFAULT_MEMORY_POOL" in os.environ:
        return
    if "pyarrow" in sys.modules:  # read at its first allocation: set it directly
        import pyarrow as pa

        pa.set_memory_pool(pa.system_memory_pool())
    else:
        os.environ["ARROW_DEFAULT_MEMORY_POOL"] = "system"


class _Pause:
    """The blocks of :func:`cycle_collection_paused` running, and the collector's state before."""

    lock = threading.Lock()
    depth = 0
    was_enabled = False


@contextlib.contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block; put it back as it was after.

    Objects are still freed as soon as nothing refers to them (reference counting); only the
    collector's passes in search of reference cycles wait. Those passes follow every object
    that can hold others, shapely geometries included: in a run that makes a million
    footprints, door points and search boxes, the passes over the objects already made come
    again and again (about 2 s of a million-building run). The runs of this package make
    no large cycles, and the peak memory is the same.

    Blocks may be nested and run on several threads at once: the collector is paused by the
    first and put back when the last ends, also when one raises. As a decorator
    (``@cycle_collection_paused()``), the whole function is one block.
    """
    with _Pause.lock:
        if _Pause.depth == 0:
            _Pause.was_enabled = gc.isenabled()
            gc.disable()
        _Pause.depth += 1
    try:
        yield
    finally:
        with _Pause.lock:
            _Pause.depth -= 1
            if _Pause.depth == 0 and _Pause.was_enabled:
                gc.enable()
