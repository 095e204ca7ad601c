"""``parakou-geo export …`` subcommands (parser built here until it is wired into main)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import openpyxl
import pytest
from test_exports_helpers import write_test_register

from parakou_geo import InputError, OutputError
from parakou_geo.cli import export


def run(*argv: str) -> int:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    export.add_parsers(sub)
    args = p.parse_args(["export", *argv])
    code: int = args.func(args)
    return code


@pytest.fixture
def register(tmp_path: Path) -> Path:
    return write_test_register(tmp_path)


def test_tax_xlsx_with_filters(register: Path, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "taxe.xlsx"
    assert run("tax", str(register), "-o", str(out), "--zone", "1", "--status", "proposed",
               "--status", "current") == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Résumé", "Arrondissement 1"]
    assert wb["Arrondissement 1"].max_row == 1 + 3
    assert "Tax list written" in capsys.readouterr().out


def test_tax_csv_english_comma(register: Path, tmp_path: Path) -> None:
    out = tmp_path / "tax.csv"
    assert run("tax", str(register), "-o", str(out), "--lang", "en", "--separator", ",") == 0
    assert out.read_text(encoding="utf-8-sig").startswith("Address,Street code,")


def test_every_kind_writes_its_file(register: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert run("bal", str(register), "-o", str(tmp_path / "bal.csv")) == 0
    assert (tmp_path / "bal.csv").read_text(encoding="utf-8").startswith("id_ban_commune;")
    assert run("osm", str(register), "-o", str(tmp_path / "a.geojson")) == 0
    assert len(json.loads((tmp_path / "a.geojson").read_text())["features"]) == 4
    assert run("streets", str(register), "-o", str(tmp_path / "rues.html")) == 0
    assert run("atlas", str(register), "-o", str(tmp_path / "atlas.pdf"),
               "--cell-size", "100") == 0
    assert "(8 pages: index + 7 sheets)" in capsys.readouterr().out
    assert run("signage", str(register), "-o", str(tmp_path / "plaques.xlsx")) == 0
    out = capsys.readouterr().out
    assert "12 street plates, 4 door plates, 8 posts" in out
    assert run("certificate", str(register), "-o", str(tmp_path / "c.html"),
               "--street", "1.001") == 0
    # only the current address of the street by default (the proposed one may still change)
    assert (tmp_path / "c.html").read_text(encoding="utf-8").count("<section") == 1
    assert run("certificate", str(register), "-o", str(tmp_path / "c2.html"), "--street",
               "1.001", "--status", "proposed", "--status", "current") == 0
    assert (tmp_path / "c2.html").read_text(encoding="utf-8").count("<section") == 2


def test_clear_errors(register: Path, tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"writes \.csv or \.xlsx files, not \.pdf"):
        run("tax", str(register), "-o", str(tmp_path / "taxe.pdf"))
    with pytest.raises(InputError, match="does not exist"):
        run("bal", str(tmp_path / "missing.gpkg"), "-o", str(tmp_path / "bal.csv"))
    with pytest.raises(InputError, match=r"zone\(s\) 7 not in the register"):
        run("tax", str(register), "-o", str(tmp_path / "t.csv"), "--zone", "7")
    (tmp_path / "t.csv").write_text("old")
    with pytest.raises(OutputError, match="already exists"):
        run("tax", str(register), "-o", str(tmp_path / "t.csv"))
    with pytest.raises(SystemExit):
        run("certificate", str(register), "-o", str(tmp_path / "c.html"))
