"""Private: the one rule for output files of every command.

No command writes over an existing file without ``--overwrite``, and none ever writes over one
of its own inputs or the register it reads or changes, even with ``--overwrite``. Two outputs
of one command may not be the same file either. :func:`check_args` applies the rule to the
parsed arguments of any command before it runs; commands that derive an output name
themselves call :func:`check_outputs`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path

from parakou_geo._errors import OutputError

__all__ = ["OUTPUT_FILE_OPTIONS", "check_args", "check_outputs"]

#: Argument names (``dest``) that are output files; every other path argument is an input.
OUTPUT_FILE_OPTIONS: dict[str, str] = {"output": "-o/--output", "csv": "--csv",
                                       "changes": "--changes"}
#: Argument names that are output folders (their files are checked as they are written).
_OUTPUT_DIRS = ("output_dir",)


def _option(dest: str) -> str:
    return OUTPUT_FILE_OPTIONS.get(dest, dest if dest in ("register", "other")
                                   else "--" + dest.replace("_", "-"))


def _same(a: Path, b: Path) -> bool:
    """Whether two paths name the same file (links and relative paths included)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def check_outputs(
    outputs: Mapping[str, Path], inputs: Mapping[str, Path], *, overwrite: bool
) -> None:
    """Refuse outputs that would destroy an input, each other, or an existing file.

    Parameters
    ----------
    outputs : mapping of str to pathlib.Path
        Option name (for the message) to output file.
    inputs : mapping of str to pathlib.Path
        Option name to input file (the register included).
    overwrite : bool
        Whether ``--overwrite`` was given.

    Raises
    ------
    OutputError
        Naming the option, the file and the fix.
    """
    items = list(outputs.items())
    for i, (name, out) in enumerate(items):
        for in_name, source in inputs.items():
            if _same(out, source):
                raise OutputError(
                    f"{name} {out} is also the input {in_name}: writing there would destroy "
                    "it, so it is refused even with --overwrite; choose another output name")
        for other_name, other in items[i + 1:]:
            if _same(out, other):
                raise OutputError(f"{name} and {other_name} are the same file ({out}); give "
                                  "each output its own name")
        if out.is_dir():
            raise OutputError(f"{name} {out} is a folder; give a file name")
        if (out.exists() or out.is_symlink()) and not overwrite:
            raise OutputError(f"{name} {out} already exists; choose another name or pass "
                              "--overwrite to replace it")


def check_args(args: argparse.Namespace) -> None:
    """Apply :func:`check_outputs` to a command's parsed arguments (path options only)."""
    outputs: dict[str, Path] = {}
    inputs: dict[str, Path] = {}
    for dest, value in sorted(vars(args).items()):
        paths = value if isinstance(value, list) else [value]
        for path in paths:
            if not isinstance(path, Path):
                continue
            if dest in OUTPUT_FILE_OPTIONS:
                outputs[_option(dest)] = path
            elif dest in _OUTPUT_DIRS:
                inputs_dir = path
                if inputs_dir.exists() and not inputs_dir.is_dir():
                    raise OutputError(f"{_option(dest)} {path} is a file, not a folder; give "
                                      "a folder for the outputs")
            else:
                inputs[_option(dest)] = path
    check_outputs(outputs, inputs, overwrite=bool(getattr(args, "overwrite", False)))
