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

from parakou_geo._errors import ParakouGeoError
from parakou_geo.cli import address, export, maps, plan, register, search

__all__ = ["EXIT_INPUT", "EXIT_INTERNAL", "build_parser", "main"]

EXIT_INPUT = 2
EXIT_INTERNAL = 3

#: Subcommand modules, in the order they appear in ``--help``.
_MODULES = (address, register, search, export, maps, plan)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``parakou-geo``."""
    parser = argparse.ArgumentParser(
        prog="parakou-geo",
        description="Street addressing and address register for the Commune of Parakou.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _MODULES:
        module.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s: %(message)s")
    try:
        code: int = args.func(args)
        return code
    except ParakouGeoError as exc:
        if args.debug:
            raise
        print(f"parakou-geo: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("parakou-geo: interrupted; no output was written", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"parakou-geo: internal error: {type(exc).__name__}: {exc}\n"
            "Nothing was written. Rerun with --debug for details and report it.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
