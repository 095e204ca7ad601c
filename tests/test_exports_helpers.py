"""A hand-made register for the export tests (EPSG:32631, placed at ORIGIN).

Streets (local metres):

- ``1.001`` "Rue du Marché"            (0, 0) → (200, 0)      zone 1
- ``1.002`` '=HYPERLINK("http://x","y")' (0, 100) → (200, 100)  zone 1
- ``1.003`` "+cmd|' /C calc'!A0"       (100, -50) → (100, 150) zone 1
- ``2.001`` (unnamed)                  (200, 0) → (200, 100)   zone 2

Addresses:

===  =======  ======  =========  =========  ==========  ==========  =========
id   street   number  suffix     position   quartier    building    status
===  =======  ======  =========  =========  ==========  ==========  =========
A1   1.001    25                 (25, 10)   Banikanni   007         proposed
A2   1.001    30                 (30, -10)  Banikanni   B2          current
A3   1.002    12      bis        (12, 110)  Zongo       B3          proposed
A4   1.003    91                 (90, 40)   Zongo       B4          retired
A5   2.001    50                 (210, 50)  Titirou     B5          proposed
===  =======  ======  =========  =========  ==========  ==========  =========
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from conftest import shift

from parakou_geo.exports._input import load_register
from parakou_geo.register import Register, write_register

HYPERLINK = '=HYPERLINK("http://x","y")'
CALC = "+cmd|' /C calc'!A0"

STREETS = [
    ("1.001", "Rue du Marché", "1", [(0, 0), (200, 0)]),
    ("1.002", HYPERLINK, "1", [(0, 100), (200, 100)]),
    ("1.003", CALC, "1", [(100, -50), (100, 150)]),
    ("2.001", "", "2", [(200, 0), (200, 100)]),
]

ADDRESSES = [
    # id, street, number, suffix, side, (x, y), quartier, building, nup, rfu, status
    ("A1", "1.001", 25, "", "left", (25, 10), "Banikanni", "007", "000123456", "", "proposed"),
    ("A2", "1.001", 30, "", "right", (30, -10), "Banikanni", "B2", "", "RFU-1-0042",
     "current"),
    ("A3", "1.002", 12, "bis", "left", (12, 110), "Zongo", "B3", "100000001", "", "proposed"),
    ("A4", "1.003", 91, "", "left", (90, 40), "Zongo", "B4", "", "", "retired"),
    ("A5", "2.001", 50, "", "right", (210, 50), "Titirou", "B5", "", "", "proposed"),
]


def make_register() -> Register:
    """Return the hand-made register described in the module docstring."""
    names = {code: name for code, name, _, _ in STREETS}
    zones = {code: zone for code, _, zone, _ in STREETS}
    streets = gpd.GeoDataFrame({
        "street_code": [s[0] for s in STREETS],
        "street_name": [s[1] for s in STREETS],
        "name_source": ["input"] * len(STREETS),
        "zone": [s[2] for s in STREETS],
        "length_m": [200.0, 200.0, 200.0, 100.0],
        "n_segments": [1] * len(STREETS),
        "n_addresses": [2, 1, 1, 1],
        "origin_x": [shift(s[3][0])[0] for s in STREETS],
        "origin_y": [shift(s[3][0])[1] for s in STREETS],
        "road_ids": [f"r{i}" for i in range(len(STREETS))],
    }, geometry=[shapely.MultiLineString([[shift(p) for p in s[3]]]) for s in STREETS],
        crs=32631)
    pts = gpd.GeoSeries([shapely.Point(shift(a[5])) for a in ADDRESSES], crs=32631)
    ll = pts.to_crs(4326)
    rows = []
    for a, lon, lat in zip(ADDRESSES, ll.x, ll.y, strict=True):
        aid, code, number, suffix, side, _, quartier, bld, nup, rfu, status = a
        label = f"{number}{' ' + suffix if suffix else ''} Rue {code}"
        rows.append({
            "address_id": aid, "label": label, "street_code": code,
            "street_name": names[code], "number": number, "suffix": suffix,
            "zone": zones[code], "quartier": quartier, "building_id": bld, "side": side,
            "distance_m": float(number), "distance_to_street_m": 10.0, "method": "metric",
            "status": status, "lon": round(lon, 6), "lat": round(lat, 6),
            "created": "2026-01-15", "source": "test", "nup": nup, "rfu_id": rfu,
            "extra_column": "tolerated",
        })
    addresses = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=pts.to_numpy(), crs=32631)
    addresses["x"] = addresses.geometry.x
    addresses["y"] = addresses.geometry.y
    unaddressed = gpd.GeoDataFrame({"building_id": [], "reason": [], "detail": []},
                                   geometry=gpd.GeoSeries([], crs=32631), crs=32631)
    run_info = pd.DataFrame({"key": ["test"], "value": ["hand-made"]})
    return Register(addresses=addresses, streets=streets, unaddressed=unaddressed,
                    run_info=run_info)


def write_test_register(folder: Path) -> Path:
    """Write the hand-made register to ``folder/register.gpkg`` and return its path."""
    path = folder / "register.gpkg"
    write_register(make_register(), path)
    return path


def test_hand_register_round_trips_through_geopackage(tmp_path: Path) -> None:
    reg = load_register(write_test_register(tmp_path))
    assert len(reg.addresses) == 5
    assert reg.addresses["building_id"].tolist()[0] == "007"
    assert reg.addresses["nup"].tolist()[0] == "000123456"
    assert reg.streets["street_name"].tolist()[1] == HYPERLINK
