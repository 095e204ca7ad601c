"""Private: how a console run of ``parakou-geo`` ends.

A command run from the console may hand its large result (a million geometries, table cells
and strings) to :func:`leave_to_exit`: freeing them one by one after the work is done took
2.4 s of a 47 s ``address`` run on a million buildings, and the operating system reclaims a
process's memory at once. Called from Python (tests, notebooks, the QGIS plugin), nothing is
kept and results are freed as usual.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from typing import NoReturn

#: Set by the console entry point (:func:`parakou_geo.cli.run`) only.
console = False

#: Large results of the finished command, kept alive until the process ends.
_left: list[object] = []


def leave_to_exit(result: object) -> None:
    """Keep ``result`` alive until the process ends, in a console run only.

    Call it only once every output of the command is complete and closed.
    """
    if console:
        _left.append(result)


def exit_process(code: int) -> NoReturn:
    """End the process with ``code``; skip freeing what :func:`leave_to_exit` kept."""
    if not _left:
        sys.exit(code)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing to show
            stream.flush()
    os._exit(code)
