"""Command line ``parakou-geo``: one module per group of subcommands.

The CLI is the only part of parakou_geo that prints or exits. Errors are one clear message
(exit code 2 for bad input, 3 for an internal error), never a traceback unless ``--debug``.
Each subcommand module has ``add_parsers(subparsers)``, which registers its commands and sets
``func`` (a callable taking the parsed arguments and returning the exit code).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import NoReturn

from parakou_geo._errors import ParakouGeoError
from parakou_geo.cli import _exit, address, evaluate, export, maps, plan, register, search
from parakou_geo.cli._outputs import check_args
from parakou_geo.cli._progress import MODES, JsonLogHandler, emit

__all__ = ["EXIT_INPUT", "EXIT_INTERNAL", "build_parser", "main", "run"]

EXIT_INPUT = 2
EXIT_INTERNAL = 3

#: Subcommand modules, in the order they appear in ``--help``.
_MODULES = (address, register, search, export, maps, plan, evaluate)

def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``parakou-geo``."""
    parser = argparse.ArgumentParser(
        prog="parakou-geo",
        description="Street addressing and address register for the Commune of Parakou.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details")
    parser.add_argument("--progress", choices=MODES, default="bar",
                        help="progress on stderr: a bar (default), JSON lines for programs "
                             "such as the QGIS plugin, or none (same as -q)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _MODULES:
        module.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.quiet:
        args.progress = "none"
    as_json = args.progress == "json"
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s: %(message)s",
                        handlers=[JsonLogHandler()] if as_json else None)
    if as_json:
        emit("start", command=args.command)
    try:
        check_args(args)  # no output over an input, the register or (without --overwrite) a file
        code: int = args.func(args)
    except ParakouGeoError as exc:
        if args.debug:
            raise
        return _fail(as_json, EXIT_INPUT, f"parakou-geo: error: {exc}")
    except KeyboardInterrupt:
        return _fail(as_json, 130, "parakou-geo: interrupted; no output was written")
    except Exception as exc:
        if args.debug:
            raise
        return _fail(as_json, EXIT_INTERNAL,
                     f"parakou-geo: internal error: {type(exc).__name__}: {exc}\n"
                     "Register changes are rolled back on errors and other outputs are only "
                     "moved into place when complete, so files were left as they were. Rerun "
                     "with --debug for details and report it.")
    if as_json:
        emit("done", exit_code=code, percent=100)
    return code


def run() -> NoReturn:
    """Console entry point ``parakou-geo``: :func:`main`, then exit with its code.

    Large results a command left to the end of the process
    (:func:`parakou_geo.cli._exit.leave_to_exit`) are not freed one by one: the operating
    system reclaims them at once. The C allocators are tuned for large runs first
    (:func:`parakou_geo._memory.tune_allocators`).
    """
    from parakou_geo._memory import tune_allocators

    _exit.console = True
    tune_allocators()  # the process is ours: large freed blocks go back to the system
    _exit.exit_process(main())


def _fail(as_json: bool, code: int, message: str) -> int:
    """Report an error on stderr (as an ``error`` event in JSON mode); return the code."""
    if as_json:
        emit("error", exit_code=code, message=message.removeprefix("parakou-geo: error: "))
    else:
        print(message, file=sys.stderr)
    return code
