"""No command writes over an input, the register, another output or (unasked) a file."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import lines, lonlat, squares

from parakou_geo import AddressingSettings, address, write_register
from parakou_geo.cli import main

GRID = [[(0, 0), (300, 0)], [(0, 120), (300, 120)], [(150, 0), (150, 120)]]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    roads = lines(*GRID, names=["Rue A", "Rue B", "Rue C"])
    bld = squares([(20 + 25 * i, 8) for i in range(10)])
    res = address(roads, bld, settings=AddressingSettings(centre=lonlat((-500, 0))))
    out = {"register": tmp_path / "register.gpkg", "roads": tmp_path / "roads.gpkg",
           "buildings": tmp_path / "buildings.gpkg", "other": tmp_path / "other.gpkg",
           "existing": tmp_path / "existing.csv"}
    write_register(res.register, out["register"])
    write_register(res.register, out["other"])
    roads.to_file(out["roads"])
    bld.to_file(out["buildings"])
    out["existing"].write_text("keep me\n", encoding="utf-8")
    return out


def _snapshot(files: dict[str, Path]) -> dict[str, bytes]:
    return {k: p.read_bytes() for k, p in files.items()}


CASES = [
    # (arguments, what the message must say); {name} is replaced by the fixture's file
    (["history", "{register}", "-o", "{register}"], "is also the input register"),
    (["history", "{register}", "-o", "{register}", "--overwrite"], "even with --overwrite"),
    (["history", "{register}", "-o", "{existing}"], "already exists"),
    (["diff", "{register}", "{other}", "-o", "{other}", "--overwrite"], "is also the input"),
    (["diff", "{register}", "{other}", "-o", "{existing}"], "already exists"),
    (["update", "{register}", "--roads", "{roads}", "--buildings", "{buildings}",
      "--changes", "{register}"], "is also the input register"),
    (["update", "{register}", "--roads", "{roads}", "--buildings", "{buildings}",
      "--changes", "{roads}", "--overwrite"], "is also the input --roads"),
    (["update", "{register}", "--roads", "{roads}", "--buildings", "{buildings}",
      "--changes", "{existing}"], "already exists"),
    (["address", "--roads", "{roads}", "--buildings", "{buildings}", "-o", "{roads}",
      "--overwrite"], "is also the input --roads"),
    (["address", "--roads", "{roads}", "--buildings", "{buildings}", "-o", "{tmp}/n.gpkg",
      "--csv", "{tmp}/n.gpkg"], "are the same file"),
    (["address", "--roads", "{roads}", "--buildings", "{buildings}", "-o", "{other}"],
     "already exists"),
    (["export", "tax", "{register}", "-o", "{register}", "--overwrite"], "is also the input"),
    (["export", "bal", "{register}", "-o", "{existing}"], "already exists"),
    (["map", "address", "{register}", "-o", "{register}", "--overwrite"], "is also the input"),
    (["plan", "forest", "--forest", "{roads}", "-o",
      "{existing}"], "is a file, not a folder"),
]


@pytest.mark.parametrize(("argv", "expected"), CASES, ids=[" ".join(c[0][:2]) + f"-{i}"
                                                          for i, c in enumerate(CASES)])
def test_outputs_never_destroy_files(
    argv: list[str], expected: str, files: dict[str, Path], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = _snapshot(files)
    names = {k: str(v) for k, v in files.items()} | {"tmp": str(tmp_path)}
    code = main(["-q", *[a.format(**names) for a in argv]])
    err = capsys.readouterr().err
    assert code == 2, err
    assert expected in err
    assert "Traceback" not in err
    assert _snapshot(files) == before  # every input and existing file intact
    assert not (tmp_path / "n.gpkg").exists()


def test_default_changes_csv_never_overwrites(files: dict[str, Path]) -> None:
    args = ["-q", "update", str(files["register"]), "--roads", str(files["roads"]),
            "--buildings", str(files["buildings"]), "--date", "2026-03-01"]
    assert main(args) == 0
    assert main(args) == 0
    folder = files["register"].parent
    assert sorted(p.name for p in folder.glob("register_changes_*.csv")) == [
        "register_changes_2026-03-01.csv", "register_changes_2026-03-01_2.csv"]


def test_history_output_with_overwrite_replaces_an_ordinary_file(files: dict[str, Path]) -> None:
    assert main(["-q", "history", str(files["register"]), "-o", str(files["existing"]),
                 "--overwrite"]) == 0
    assert files["existing"].read_text(encoding="utf-8").startswith("time,run_id,")


def test_plan_outputs_never_replace_an_input_in_the_output_folder(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = files["buildings"].parent
    forest = folder / "forest.gpkg"  # the name 'plan forest' gives its output layer file
    files["buildings"].rename(forest)
    before = forest.read_bytes()
    code = main(["-q", "plan", "forest", "--forest", str(forest), "-o", str(folder),
                 "--overwrite"])
    assert code == 2
    assert "is also the input --forest" in capsys.readouterr().err
    assert forest.read_bytes() == before
