"""``parakou-geo --progress json``: machine-readable progress and errors on stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import lines, squares

from parakou_geo.cli import main
from parakou_geo.pipeline import STEPS, WRITE_STEP

GRID = [[(0, 0), (300, 0)], [(0, 120), (300, 120)], [(150, 0), (150, 120)]]


def _events(stderr: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stderr.splitlines() if line.strip()]


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    roads, bld = tmp_path / "roads.gpkg", tmp_path / "buildings.gpkg"
    lines(*GRID, names=["Rue A", "Rue B", "Rue C"]).to_file(roads)
    squares([(20 + 25 * i, 8) for i in range(10)]).to_file(bld)
    return roads, bld


def test_json_progress_reports_every_step_then_done(
    inputs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roads, bld = inputs
    out = tmp_path / "register.gpkg"
    code = main(["--progress", "json", "address", "--roads", str(roads), "--buildings",
                 str(bld), "-o", str(out)])
    captured = capsys.readouterr()
    assert code == 0
    events = _events(captured.err)  # every stderr line is JSON
    assert events[0] == {"event": "start", "command": "address"}
    steps = [e for e in events if e["event"] == "step"]
    assert [e["step"] for e in steps] == [*STEPS, WRITE_STEP]
    assert [e["percent"] for e in steps] == [0, 17, 33, 50, 67, 83]
    assert all(e["total"] == len(STEPS) + 1 for e in steps)
    assert events[-1] == {"event": "done", "exit_code": 0, "percent": 100}
    assert "Register written" in captured.out
    assert out.exists()


def test_json_progress_reports_the_error_message(
    inputs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roads, _ = inputs
    bad = tmp_path / "buildings_lines.gpkg"
    lines(*GRID).to_file(bad)  # lines given as buildings
    out = tmp_path / "register.gpkg"
    code = main(["--progress", "json", "address", "--roads", str(roads), "--buildings",
                 str(bad), "-o", str(out)])
    events = _events(capsys.readouterr().err)
    assert code == 2
    assert events[-1]["event"] == "error"
    assert events[-1]["exit_code"] == 2
    message = str(events[-1]["message"])
    assert "buildings_lines.gpkg" in message
    assert not message.startswith("parakou-geo:")
    assert not out.exists()


def test_quiet_wins_over_progress(inputs: tuple[Path, Path], tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    roads, bld = inputs
    code = main(["-q", "--progress", "json", "address", "--roads", str(roads),
                 "--buildings", str(bld), "-o", str(tmp_path / "r.gpkg")])
    assert code == 0
    assert capsys.readouterr().err == ""
