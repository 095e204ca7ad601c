"""Run the ``parakou-geo`` command and follow its JSON progress (no QGIS import here).

The command is started with ``--progress json``: it writes one JSON event per line on stderr
(``start``, ``step``, ``log``, ``done``, ``error``) and its report on stdout. Both streams are
read by two threads into one queue, so the caller's thread can report progress, notice a
cancel request and never block on a full pipe.
"""

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

COMMAND_NAME = "parakou-geo"
#: Seconds a canceled command has to stop after the interrupt before it is killed.
_GRACE_S = 10.0

#: Variables a QGIS installation sets for its own Python/GDAL/PROJ; the command is another
#: Python installation with its own libraries, so they are not passed on.
_DROPPED_ENV = (
    "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONEXECUTABLE", "PYTHONNOUSERSITE",
    "GDAL_DATA", "GDAL_DRIVER_PATH", "PROJ_LIB", "PROJ_DATA",
)


class CommandNotFoundError(Exception):
    """The ``parakou-geo`` command could not be found or started."""


@dataclass
class CliResult:
    """What a run of the command gave.

    Attributes
    ----------
    exit_code : int
        The command's exit code (0 on success, 2 bad input, 3 internal error).
    error : str or None
        The command's error message (from its ``error`` event, else its stderr text).
    stdout : list of str
        The lines of the command's report.
    events : list of dict
        Every JSON event received.
    """

    exit_code: int
    error: str = None
    stdout: list = field(default_factory=list)
    events: list = field(default_factory=list)


def find_command(configured=""):
    """Return the argument list that starts parakou-geo.

    Parameters
    ----------
    configured : str
        The path set in the Processing options: the ``parakou-geo`` executable, or a Python
        interpreter of an environment where parakou_geo is installed (then
        ``python -m parakou_geo.cli`` is run). Empty: ``parakou-geo`` found on the PATH.

    Raises
    ------
    CommandNotFoundError
        With a message telling where to set the path.
    """
    hint = ("Install parakou_geo (in its own Python environment) and give the path of its "
            "parakou-geo command in Settings > Options > Processing > Providers > parakou_geo "
            "/ Installez parakou_geo et indiquez le chemin de la commande parakou-geo dans "
            "Préférences > Options > Traitements > Fournisseurs > parakou_geo.")
    configured = (configured or "").strip()
    if not configured:
        found = shutil.which(COMMAND_NAME)
        if found is None:
            raise CommandNotFoundError(f"the {COMMAND_NAME} command is not on the PATH. {hint}")
        return [found]
    path = Path(configured).expanduser()
    if path.is_dir():
        for name in (COMMAND_NAME, COMMAND_NAME + ".exe"):
            for sub in ("", "bin", "Scripts"):
                candidate = path / sub / name
                if candidate.is_file():
                    return [str(candidate)]
        raise CommandNotFoundError(f"no {COMMAND_NAME} command in the folder {path}. {hint}")
    if not path.is_file():
        raise CommandNotFoundError(f"{path} does not exist. {hint}")
    if path.name.lower().startswith("python"):
        return [str(path), "-m", "parakou_geo.cli"]
    return [str(path)]


def command_env(base=None):
    """Return the environment for the command: QGIS's own Python/GDAL/PROJ variables removed."""
    env = dict(os.environ if base is None else base)
    for name in _DROPPED_ENV:
        env.pop(name, None)
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONUTF8"] = "1"
    return env


def _pump(stream, source, q):
    try:
        for line in stream:
            q.put((source, line.rstrip("\r\n")))
    finally:
        q.put((source, None))


def run_cli(command, args, *, on_event=None, on_text=None, is_canceled=None, poll_s=0.1):
    """Run ``command --progress json *args`` and return its :class:`CliResult`.

    Parameters
    ----------
    command : list of str
        From :func:`find_command`.
    args : list of str
        The subcommand and its options.
    on_event : callable, optional
        Called with each JSON event (a dict) as it arrives.
    on_text : callable, optional
        Called with ``(stream, line)`` for each report line (``"stdout"``) and each stderr
        line that is not JSON (``"stderr"``, e.g. a library warning).
    is_canceled : callable, optional
        Polled every ``poll_s`` seconds; when it returns True the command is interrupted
        (SIGINT, as Ctrl+C: parakou-geo then removes its unfinished files; killed if still
        running after 10 s) and the result has exit code -1.
    """
    full = [*command, "--progress", "json", *[str(a) for a in args]]
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) if sys.platform == "win32" else 0
    try:
        proc = subprocess.Popen(
            full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
            text=True, encoding="utf-8", errors="replace", env=command_env(),
            creationflags=flags,
        )
    except OSError as exc:
        raise CommandNotFoundError(f"cannot start {command[0]}: {exc}") from exc
    q = queue.Queue()
    threads = [threading.Thread(target=_pump, args=(proc.stdout, "stdout", q), daemon=True),
               threading.Thread(target=_pump, args=(proc.stderr, "stderr", q), daemon=True)]
    for t in threads:
        t.start()
    result = CliResult(exit_code=0)
    other_stderr = []
    open_streams = 2
    canceled_at = None
    while open_streams:
        if is_canceled is not None and canceled_at is None and is_canceled():
            canceled_at = time.monotonic()
            _interrupt(proc)
        elif canceled_at is not None and proc.poll() is None \
                and time.monotonic() - canceled_at > _GRACE_S:
            proc.kill()  # did not stop on the interrupt
        try:
            source, line = q.get(timeout=poll_s)
        except queue.Empty:
            continue
        if line is None:
            open_streams -= 1
            continue
        if source == "stderr":
            event = _parse_event(line)
            if event is not None:
                result.events.append(event)
                if event.get("event") == "error":
                    result.error = str(event.get("message", ""))
                if on_event is not None:
                    on_event(event)
                continue
            other_stderr.append(line)
        else:
            result.stdout.append(line)
        if on_text is not None and line.strip():
            on_text(source, line)
    for t in threads:
        t.join()
    proc.stdout.close()
    proc.stderr.close()
    code = proc.wait()
    result.exit_code = -1 if canceled_at is not None else code
    if result.exit_code != 0 and result.error is None:
        text = "\n".join(s for s in other_stderr if s.strip())
        result.error = text or f"{COMMAND_NAME} stopped with exit code {result.exit_code}"
    return result


def _interrupt(proc):
    """Ask the command to stop like Ctrl+C does, so it removes its unfinished files."""
    if sys.platform == "win32":
        proc.terminate()
    else:
        proc.send_signal(signal.SIGINT)


def _parse_event(line):
    text = line.strip()
    if not text.startswith("{"):
        return None
    try:
        event = json.loads(text)
    except ValueError:
        return None
    return event if isinstance(event, dict) and "event" in event else None
