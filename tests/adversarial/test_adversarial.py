"""Run the adversarial suite: every bad or edge input gets its expected outcome, cleanly.

For every case (see ``cases.py``): no traceback, no "internal error", no hang (each case has a
time limit), the expected exit code, no partial output after an error, every input file intact
and, when a change is refused, the register byte-identical.
"""

from __future__ import annotations

import hashlib
import logging
import signal
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pandas as pd
import pyogrio
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cases import CASES, Case

from parakou_geo.cli import main

#: A case taking longer than this has hung (a tiny input takes well under a second).
TIME_LIMIT_S = 60


class _HangError(Exception):
    pass


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise _HangError


def _files(folder: Path) -> dict[str, str]:
    """Hash of every regular file under a folder (FIFOs and folders skipped)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def time_limit() -> Iterator[None]:
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIME_LIMIT_S)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_the_suite_is_large_and_names_are_unique() -> None:
    names = [c.name for c in CASES]
    assert len(set(names)) == len(names)
    assert len(CASES) >= 100
    assert {c.expect for c in CASES} == {"error", "warning", "ok"}


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_case(c: Case, tmp_path: Path, time_limit: None, capsys: pytest.CaptureFixture[str],
              caplog: pytest.LogCaptureFixture) -> None:
    d = tmp_path / "case"
    d.mkdir()
    with warnings.catch_warnings():  # writing broken inputs makes the writers complain
        warnings.simplefilter("ignore")
        argv = c.build(d)
    before = _files(d)
    caplog.set_level(logging.WARNING)
    try:
        code = main(["-q", *argv])
    except _HangError:
        pytest.fail(f"hang: {c.name} ran for more than {TIME_LIMIT_S} s")
    except SystemExit as exc:  # argparse refusing an option value
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    said = "\n".join([out, err, caplog.text]).lower()
    assert "traceback" not in said, said
    assert "internal error" not in said, said
    after = _files(d)
    # inputs intact: every file there before is unchanged, unless it is a register the
    # command was asked to change and did change successfully
    changed = {k for k in before if before[k] != after.get(k)}
    if code == 0 and c.register:
        changed.discard(c.register)
    assert not changed, f"inputs changed or destroyed: {sorted(changed)}"
    if c.expect == "error":
        assert code == 2, f"expected a clear error, got exit {code}:\n{said}"
        assert c.match.lower() in said, f"message lacks {c.match!r}:\n{said}"
        leftovers = [o for o in c.outputs if (d / o).exists() and o not in before]
        assert not leftovers, f"partial output after an error: {leftovers}"
        new_files = sorted(set(after) - set(before))
        assert not new_files, f"files left after an error: {new_files}"
        if c.register:
            assert after[c.register] == before[c.register], "refused, yet register changed"
    else:
        assert code == 0, f"expected success, got exit {code}:\n{said}"
        if c.expect == "warning":
            assert c.match.lower() in said, f"no warning {c.match!r}:\n{said}"
        if argv[0] == "address":  # complete outputs: the register and its CSV agree
            addresses = pyogrio.read_dataframe(d / "out.gpkg", layer="addresses",
                                               read_geometry=False)
            table = pd.read_csv(d / "out_addresses.csv", dtype=str, keep_default_na=False)
            assert len(table) == len(addresses)
            assert list(table["address_id"]) == list(addresses["address_id"])
        assert not list(d.rglob(".*tmp*")), "temporary files left behind"
