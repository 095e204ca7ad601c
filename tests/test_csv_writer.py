"""The one CSV writer: quoting, formula neutralisation, and every CSV of the project using it.

The LibreOffice test opens every kind of CSV the project writes in the real program
(``soffice --headless --convert-to xlsx``) and checks that the hostile strings are text cells,
never formulas, and that no row was split.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import lines, lonlat, squares
from test_exports_helpers import CALC, HYPERLINK, make_register

from parakou_geo import AddressingSettings, address, write_register
from parakou_geo._csv import neutralise, write_csv
from parakou_geo.cli import main
from parakou_geo.exports import (
    signage_plan,
    write_bal,
    write_directory_csv,
    write_signage_csv,
    write_tax_csv,
)
from parakou_geo.planning.tables import write_table
from parakou_geo.register.lifecycle import lock_street
from parakou_geo.register.update import update_register

#: Strings a spreadsheet would run, or that break naive CSV (separators, quotes, line ends).
HOSTILE = [
    "=2+2", CALC, "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1", HYPERLINK, "a,b", "a;b", 'a"b',
    "line1\nline2", "cr\rsplit", " =1+1", "=cmd|'/c calc'!A1", "==1", "'quoted", "=1+1;2",
    '=DDE("cmd";"/C calc";"x")', "+33 6 12", "@", "-", "=",
]


def _read(path: Path, sep: str = ",") -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=sep))


@pytest.mark.parametrize(("sep", "options"), [
    (",", {}), (";", {"decimal_comma": True, "bom": True, "crlf": True}), ("\t", {}),
])
def test_hostile_text_round_trips_neutralised(
    tmp_path: Path, sep: str, options: dict[str, bool]
) -> None:
    table = pd.DataFrame({"n": np.arange(len(HOSTILE)), "text": HOSTILE,
                          "x": np.linspace(-1.5, 2.0, len(HOSTILE))})
    path = write_csv(table, tmp_path / "h.csv", sep=sep, **options)
    rows = _read(path, sep)
    assert rows[0] == ["n", "text", "x"]
    assert len(rows) == len(HOSTILE) + 1  # no row split by a CR or LF inside a field
    for (n, text, x), original in zip(rows[1:], HOSTILE, strict=True):
        assert text == neutralise(original)
        assert not text.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r"))
        assert float(x.replace(",", ".")) == pytest.approx(-1.5 + 3.5 * int(n) / 21)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == options.get("bom", False)
    assert raw.split(b"\n")[0].endswith(b"\r") == options.get("crlf", False)


def test_fields_are_quoted_only_when_needed(tmp_path: Path) -> None:
    table = pd.DataFrame({"a": ["plain", "x,y", 'q"r', "l\nm", None], "b": [1, 2, 3, 4, 5],
                          "c": [1.0, 2.5, np.nan, 0.1, 1e20], "d": [True, False] * 2 + [True]})
    text = write_csv(table, tmp_path / "q.csv").read_text(encoding="utf-8")
    assert text == ('a,b,c,d\nplain,1,1.0,True\n"x,y",2,2.5,False\n"q""r",3,,True\n'
                    '"l\nm",4,0.1,False\n,5,1e+20,True\n')


def test_a_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "keep.csv"
    path.write_text("old\n", encoding="utf-8")
    with pytest.raises(TypeError):
        write_csv(pd.DataFrame({"a": [object()]}).astype({"a": "int64"}), path)
    assert path.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.csv"]


def _project_csvs(folder: Path) -> dict[str, tuple[Path, str]]:
    """Write every kind of CSV the project writes, each holding hostile text."""
    out: dict[str, tuple[Path, str]] = {}
    reg = make_register()  # street names include HYPERLINK and CALC
    out["tax"] = (write_tax_csv(reg, folder / "tax.csv"), ";")
    out["bal"] = (write_bal(reg, folder / "bal.csv", update_date=dt.date(2026, 1, 1)), ";")
    out["directory"] = (write_directory_csv(reg, folder / "directory.csv"), ";")
    out["signage"] = (write_signage_csv(signage_plan(reg), folder / "signage.csv"), ";")
    out["planning"] = (write_table(pd.DataFrame({"site": ["=2+2", CALC], "n": [1, 2]}),
                                   folder / "plan.csv"), ",")
    roads = lines([(0, 0), (300, 0)], [(0, 120), (300, 120)], names=["=2+2", HYPERLINK])
    bld = squares([(20 + 25 * i, 8) for i in range(6)])
    res = address(roads, bld, settings=AddressingSettings(centre=lonlat((-500, 0))))
    write_register(res.register, folder / "register.gpkg",
                   csv_path=folder / "register.csv")
    out["register"] = (folder / "register.csv", ",")
    more = squares([(20 + 25 * i, 8) for i in range(6)] + [(40, 112)])
    more.loc[6, "building_id"] = "=1+1"
    update_register(folder / "register.gpkg", roads, more, changes_csv=folder / "changes.csv",
                    reason=CALC)
    out["changes"] = (folder / "changes.csv", ",")
    lock_street(folder / "register.gpkg", str(res.register.streets["street_code"].iloc[0]),
                reason=HYPERLINK)
    assert main(["-q", "history", str(folder / "register.gpkg"), "-o",
                 str(folder / "history.csv")]) == 0
    out["history"] = (folder / "history.csv", ",")
    return out


_DIGIT_ID = re.compile(r'="[0-9]+(?:[.,][0-9]+)*"')


def test_every_project_csv_neutralises_hostile_text(tmp_path: Path) -> None:
    for name, (path, sep) in _project_csvs(tmp_path).items():
        cells = [c for row in _read(path, sep) for c in row]
        if name == "signage":  # plate texts put the street code first: "Rue 1.002 — =HYP..."
            assert any(HYPERLINK in c for c in cells)
        else:
            assert any(c.startswith(("'=", "'+")) for c in cells), name
        # the one formula let through: an identifier of digits written ="007123456" (tax
        # list), so that a spreadsheet keeps its leading zeros; it can carry nothing else
        assert not [c for c in cells if c.lstrip(" ").startswith(("=", "+", "@", "\t", "\r"))
                    and not _DIGIT_ID.fullmatch(c)], name


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) absent")
def test_libreoffice_shows_hostile_strings_as_text(tmp_path: Path) -> None:
    files = _project_csvs(tmp_path)
    table = pd.DataFrame({"n": np.arange(len(HOSTILE)), "text": HOSTILE})
    files["writer"] = (write_csv(table, tmp_path / "writer.csv", sep=";"), ";")
    out = tmp_path / "xlsx"
    out.mkdir()
    env = {**os.environ, "HOME": str(tmp_path / "home")}
    for name, (path, sep) in files.items():
        subprocess.run(
            ["soffice", "--headless", f"--infilter=CSV:{ord(sep)},34,76,1", "--convert-to",
             "xlsx", "--outdir", str(out), str(path)],
            check=True, capture_output=True, timeout=120, env=env)
        book = openpyxl.load_workbook(out / f"{path.stem}.xlsx")
        sheet = book.active
        assert sheet is not None
        cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
        assert [c.coordinate for c in cells if c.data_type == "f"
                and not _DIGIT_ID.fullmatch(str(c.value))] == [], name
        assert sheet.max_row == len(_read(path, sep)), name  # same rows: none split
        texts = [str(c.value) for c in cells if c.data_type == "s"]
        assert any(t.startswith(("'=", "'+")) or (name == "signage" and HYPERLINK in t)
                   for t in texts), name
    book = openpyxl.load_workbook(out / "writer.xlsx")
    sheet = book.active
    assert sheet is not None
    shown = [sheet.cell(row=r + 2, column=2).value for r in range(len(HOSTILE))]
    assert shown == [neutralise(h).replace("\r", "\n") for h in HOSTILE]


def test_rows_written_in_slices_give_the_same_bytes(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import parakou_geo._csv as csv_module

    table = pd.DataFrame({"n": np.arange(10), "x": np.linspace(0, 1, 10),
                          "text": ["=1+1", "a;b", 'q"q', "ok", None, "\r", "+x", "@", "é", ""]})
    whole = write_csv(table, tmp_path / "whole.csv", sep=";", decimal_comma=True, bom=True)
    monkeypatch.setattr(csv_module, "_ROWS_PER_WRITE", 3)
    sliced = write_csv(table, tmp_path / "sliced.csv", sep=";", decimal_comma=True, bom=True)
    assert sliced.read_bytes() == whole.read_bytes()
    empty = write_csv(table.iloc[:0], tmp_path / "empty.csv")
    assert empty.read_bytes() == b"n,x,text\n"


@pytest.mark.parametrize("sep", [",", ";", "\t", "§"])
def test_the_byte_scan_sends_every_special_field_to_the_slow_path(sep: str) -> None:
    """Columns go to neutralisation and quoting only when a scan of their bytes finds a
    separator, quote, CR or LF, or a first character a formula may start with. The scan looks
    at the array's own bytes: a slice of a larger buffer, and a column in several chunks."""
    import pyarrow as pa

    from parakou_geo._csv import _field, _may_be_special, _quoted, neutralise_column

    clean = ["Rue 1.001", "12 bis", "", "é à", "x" * 30]
    needs = re.compile(r"^[ ]*[=+\-@\t\r]|[" + re.escape(sep) + '"\r\n]')
    for special in [*HOSTILE, f"a{sep}b", " leading space", "end\n"]:
        values = pa.array([*clean, special, *clean], type=pa.large_string())
        inside = values.slice(len(clean), 1)
        if needs.search(special):
            assert _may_be_special(values, sep, neutral=True), special
            assert _may_be_special(inside, sep, neutral=True), special
        # the special text lies in the buffer, outside the slice: not seen
        assert not _may_be_special(values.slice(0, len(clean)), sep, neutral=True)
        assert not _may_be_special(values.slice(len(clean) + 1), sep, neutral=True)
        chunked = pa.chunked_array([values.slice(0, 3), values.slice(3)])
        assert _may_be_special(chunked, sep, neutral=True) or not needs.search(special)
        for column in (values, inside, chunked, values.slice(2, 5)):
            for neutral in (True, False):
                want = _quoted(neutralise_column(column) if neutral else column, sep)
                got = _field(column, sep, neutral)
                assert got.to_pylist() == want.to_pylist(), (special, neutral)
    # numbers written as text with a formula start: only text columns are neutralised
    assert not _may_be_special(pa.array(["-1.5", "+2"], type=pa.large_string()), sep,
                               neutral=False)
    with_nulls = pa.array(["ok", None, "fine"], type=pa.large_string())
    assert _field(with_nulls, sep, neutral=True).to_pylist() == ["ok", "", "fine"]
