"""Signage plan on the hand-made street grid, against a count done on paper.

The grid (local metres, see test_exports_helpers): 1.001 y=0 x 0..200; 1.002 y=100 x 0..200;
1.003 x=100 y -50..150; 2.001 x=200 y 0..100 (zone 2).

Paper count of street plates, one per street at each location:

====================  ===========================  ==============  ================
location              streets there                kind            plates
====================  ===========================  ==============  ================
(0, 0)                1.001                        end             1
(100, 0)              1.001, 1.003 (crossing)      intersection    2
(200, 0)              1.001, 2.001 (both end)      intersection    2
(0, 100)              1.002                        end             1
(100, 100)            1.002, 1.003 (crossing)      intersection    2
(200, 100)            1.002, 2.001 (both end)      intersection    2
(100, -50)            1.003                        end             1
(100, 150)            1.003                        end             1
====================  ===========================  ==============  ================

Total 12 street plates (4 at street ends, 8 at intersections): per street 1.001: 3,
1.002: 3, 1.003: 4, 2.001: 2; zone 1: 10, zone 2: 2. 8 locations → 8 posts (≤ 2 plates each,
4 per post allowed).

Door plates: statuses proposed + current → A1, A2, A3, A5 = 4 (A4 is retired).

Quartier of a street plate = quartier of the nearest address (all statuses):
(0,0) A1 Banikanni; (100,0) A4 Zongo; (200,0) A5 Titirou; (0,100) A3 Zongo;
(100,100) A4 Zongo; (200,100) A5 Titirou; (100,-50) A2 Banikanni; (100,150) A3 Zongo.
Zone 1: Banikanni 2 street plates + 2 doors, 2 posts; Titirou 2 (1.001 and 1.002 ends
at x=200) + 0 doors, 2 posts (a post is counted with the first plate of its location, in
code order: 1.00x before 2.001); Zongo 6 + 1 door, 4 posts. Zone 2: Titirou 2 + 1 door,
0 posts.
Cost at 10,000 FCFA a street plate, 2,000 a door plate, 5,000 a post:
12 × 10,000 + 4 × 2,000 + 8 × 5,000 = 168,000 FCFA.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from conftest import shift
from test_exports_helpers import make_register

from parakou_geo.exports import (
    ExportSettings,
    signage_plan,
    street_plates,
    write_signage_csv,
    write_signage_xlsx,
)

PRICES = ExportSettings(street_plate_fcfa=10_000, door_plate_fcfa=2_000,
                        street_plate_post_fcfa=5_000)


def test_street_plates_match_paper() -> None:
    plates = street_plates(make_register().streets)
    assert len(plates) == 12
    assert plates["location"].value_counts().to_dict() == {"intersection": 8, "end": 4}
    assert plates.groupby("street_code").size().to_dict() == {
        "1.001": 3, "1.002": 3, "1.003": 4, "2.001": 2}
    assert plates["node"].nunique() == 8
    at = {(round(x - shift((0, 0))[0]), round(y - shift((0, 0))[1])): sorted(g["street_code"])
          for (x, y), g in plates.groupby(["x", "y"])}
    assert at == {
        (0, 0): ["1.001"], (100, 0): ["1.001", "1.003"], (200, 0): ["1.001", "2.001"],
        (0, 100): ["1.002"], (100, 100): ["1.002", "1.003"], (200, 100): ["1.002", "2.001"],
        (100, -50): ["1.003"], (100, 150): ["1.003"],
    }


def test_counts_and_cost_match_paper() -> None:
    plan = signage_plan(make_register(), settings=PRICES)
    rows = {(r.zone, r.quartier): (r.street_plates, r.door_plates, r.posts)
            for r in plan.counts.itertuples()}
    # the plates at (200, 0) and (200, 100) stand by A5, in Titirou, arrondissement 2: the
    # arrondissement and the quartier of a row come from the same place (never "1, Titirou")
    assert rows == {
        ("1", "Banikanni"): (2, 2, 2),
        ("1", "Zongo"): (6, 1, 4),
        ("2", "Titirou"): (4, 1, 2),
        ("Total", ""): (12, 4, 8),
    }
    assert plan.total_cost_fcfa == 168_000
    assert (plan.plates["kind"] == "door").sum() == 4


def test_counted_statuses_are_a_parameter() -> None:
    plan = signage_plan(make_register(), statuses=("current",), settings=PRICES)
    assert plan.counts.iloc[-1]["door_plates"] == 1
    plan = signage_plan(make_register(), zones=[2], settings=PRICES)  # plates standing in 2
    assert plan.counts.iloc[-1][["street_plates", "door_plates"]].tolist() == [4, 1]


def test_signage_files(tmp_path: Path) -> None:
    plan = signage_plan(make_register(), settings=PRICES)
    path = write_signage_csv(plan, tmp_path / "plaques.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert len(rows) == 16
    assert {r["Type de plaque"] for r in rows} == {"plaque de rue", "plaque de porte"}
    wb = openpyxl.load_workbook(write_signage_xlsx(plan, tmp_path / "plaques.xlsx",
                                                   settings=PRICES))
    assert wb.sheetnames == ["Plan de signalisation", "Plaques"]
    ws = wb["Plan de signalisation"]
    assert [c.value for c in ws[1]] == ["Arrondissement", "Quartier", "Plaques de rue",
                                        "Plaques de porte", "Poteaux", "Coût estimé (FCFA)"]
    assert ws.cell(row=ws.max_row, column=6).value == pytest.approx(168_000)
    assert wb["Plaques"].max_row == 17


def test_plates_carry_lon_lat_plus_code_and_no_fake_position() -> None:
    from openlocationcode import openlocationcode as olc

    plan = signage_plan(make_register(), settings=PRICES)
    p = plan.plates
    assert p["lon"].round(6).equals(p["lon"])
    assert p["lat"].round(6).equals(p["lat"])
    ll = p.geometry.to_crs(4326)
    assert (abs(p["lon"] - ll.x) < 1e-6).all()
    for code, lon, lat in zip(p["plus_code"], p["lon"], p["lat"], strict=True):
        assert code == olc.encode(lat, lon, 10)
    assert p["x"].round(2).equals(p["x"])
    doors = p.loc[p["kind"] == "door", "node"]
    assert doors.isna().all()  # a door plate stands at no numbered location (was -1)
    assert (p.loc[p["kind"] == "street", "node"] >= 0).all()


def test_signage_csv_shows_lon_lat_and_plus_code(tmp_path: Path) -> None:
    import csv as _csv

    path = write_signage_csv(signage_plan(make_register(), settings=PRICES),
                             tmp_path / "p.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(_csv.DictReader(fh, delimiter=";"))
    door = next(r for r in rows if r["Type de plaque"] == "plaque de porte")
    assert door["N° d'emplacement"] == ""
    assert len(door["Longitude"].split(",")[1]) <= 6
    assert door["Plus Code"].startswith("6FX4")
    assert len(door["X (m)"].split(",")[1]) <= 2
