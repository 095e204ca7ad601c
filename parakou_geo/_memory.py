"""Private: give memory freed by a large step back to the operating system.

On Linux, glibc keeps the memory of freed objects in its heaps for later use: after the street
choice of a million doors (temporaries made on two threads, each with its own heap), about
0.2 GB that nothing uses any more stays resident, and the next step's peak comes on top of it.
:func:`release_free_memory` asks glibc to return it (``malloc_trim``); elsewhere it does
nothing.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import sys
from collections.abc import Callable

__all__ = ["release_free_memory"]

logger = logging.getLogger(__name__)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """Return glibc's ``malloc_trim``, or None on another C library or system."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # musl and others have no malloc_trim
        return None
    return trim


def release_free_memory() -> None:
    """Return the free memory of the C heaps to the operating system, where possible.

    It takes a few tens of milliseconds after a step that freed a million objects; call it
    between large steps, not in loops.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
