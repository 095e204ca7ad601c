"""Progress display of the command line: a bar for people, JSON lines for programs.

``parakou-geo --progress json …`` writes one JSON object per line on stderr, so a program
running the command (the QGIS plugin in ``qgis_plugin/``) can drive its own progress bar and
show the error message without parsing text::

    {"event": "start", "command": "address"}
    {"event": "step", "step": "numbering", "text": "numbering doors", "index": 3,
     "total": 5, "percent": 60}
    {"event": "log", "level": "WARNING", "message": "..."}
    {"event": "done", "exit_code": 0, "percent": 100}
    {"event": "error", "exit_code": 2, "message": "roads.shp: the layer has no CRS; ..."}

The command's normal report still goes to stdout.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from typing import Any, Literal

__all__ = ["MODES", "JsonLogHandler", "ProgressMode", "emit", "step_progress"]

ProgressMode = Literal["bar", "json", "none"]
#: Values of ``--progress``.
MODES: tuple[ProgressMode, ...] = ("bar", "json", "none")

_STEP_TEXT = {
    "check": "reading and checking inputs",
    "streets": "grouping segments into streets",
    "codes": "coding streets",
    "buildings": "matching buildings",
    "numbering": "numbering doors",
    "register": "building the register",
    "write": "writing the register and the CSV",
}


def emit(event: str, **fields: Any) -> None:
    """Write one JSON progress event as a line on stderr."""
    line = json.dumps({"event": event, **fields}, ensure_ascii=False, default=str)
    print(line, file=sys.stderr, flush=True)


class JsonLogHandler(logging.Handler):
    """Logging handler writing each record as a ``log`` event."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            emit("log", level=record.levelname, message=record.getMessage())
        except Exception:  # a broken stderr must not hide the command's own error
            self.handleError(record)


def step_progress(mode: ProgressMode | bool, *, total: int | None = None
                  ) -> tuple[Callable[[str], None], Callable[[], None]]:
    """Return a step callback showing progress on stderr, and its closing function.

    Parameters
    ----------
    mode : {"bar", "json", "none"} or bool
        How to show progress; a bool is the old ``quiet`` flag (True: none, False: bar).
    total : int, optional
        Number of steps (default: the addressing steps of :data:`parakou_geo.pipeline.STEPS`).
    """
    from parakou_geo.pipeline import STEPS

    if isinstance(mode, bool):
        mode = "none" if mode else "bar"
    n = total or len(STEPS)
    if mode == "none":
        return (lambda _s: None), (lambda: None)
    if mode == "json":
        count = [0]

        def json_step(name: str) -> None:
            emit("step", step=name, text=_STEP_TEXT.get(name, name), index=count[0] + 1,
                 total=n, percent=round(100 * min(count[0], n) / n))
            count[0] += 1

        return json_step, (lambda: None)

    from tqdm import tqdm

    bar = tqdm(total=n, desc="parakou-geo", unit="step", file=sys.stderr,
               bar_format="{desc} {n_fmt}/{total_fmt} steps |{bar:20}| {elapsed}")
    seen: list[str] = []

    def step(name: str) -> None:
        if seen:
            bar.update(1)
        seen.append(name)
        bar.set_description(_STEP_TEXT.get(name, name))

    def close() -> None:
        bar.update(n - bar.n)
        bar.set_description("done")
        bar.close()

    return step, close
