"""The plan of a register update is made without files (plan_changes is pure)."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import shapely
from pyproj import CRS

from parakou_geo import AddressingSettings
from parakou_geo.register._update_match import _Old
from parakou_geo.register._update_plan import (
    CHANGE_COLUMNS,
    NewAddresses,
    UpdateContext,
    plan_changes,
)

M = "EPSG:32631"


def _points(n: int, **columns: list[object]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=[shapely.Point(i, i) for i in range(n)], crs=M)


def test_plan_of_an_update_retires_defers_adds_and_counts() -> None:
    streets = _points(2, street_code=["1.001", "1.002"], locked=[False, True],
                      status=["current", "current"])
    old = _Old(active_ids=pa.array(["b1", "b2", "b3"]), unaddressed_ids={"b9"},
               streets=streets, segments=_points(0), footprints=None, zones=None,
               quartiers=None, layouts={})
    added = NewAddresses(
        rows=_points(2, address_id=["a4", "a9"], building_id=["b4", "b9"],
                     street_code=["1.001", "1.001"], label=["4 Rue 1.001", "6 Rue 1.001"]),
        unaddressed=_points(2, building_id=["b5", "b9"], reason=["no_street_in_reach"] * 2,
                            detail=["no street within 60 m"] * 2,
                            distance_to_street_m=[80.0, 90.0]),
        footprints=_points(2, building_id=["b4", "b9"]))
    gone = pd.DataFrame({"address_id": ["a1", "a2"], "building_id": ["b1", "b2"],
                         "street_code": ["1.001", "1.002"], "label": ["1 Rue 1.001",
                                                                      "2 Rue 1.002"],
                         "status": ["current", "proposed"]})
    dropped = pd.DataFrame({"building_id": ["b7"], "reason": ["empty_geometry"]})
    ctx = UpdateContext(settings=AddressingSettings(), metric=CRS(M), run_id="run-1",
                        run_date=dt.date(2026, 3, 1), reason=None)
    plan = plan_changes(ctx, old, added, gone, gpd.GeoDataFrame(dropped), streets=streets,
                        segments=_points(0), street_changes=[], roads_changed=False,
                        fingerprints={"roads_input_fingerprint": "x"},
                        match_method="building id")

    assert plan.day == "2026-03-01"
    assert plan.retire["address_id"].tolist() == ["a1"]  # a2's street 1.002 is locked
    assert plan.deferred["address_id"].tolist() == ["a2"]
    assert plan.counts == {"kept": 2, "added": 2, "retired": 1, "retirement_deferred": 1,
                           "streets_added": 0, "streets_retired": 0, "unaddressed": 3}
    assert list(plan.changes.columns) == list(CHANGE_COLUMNS)
    rows = {tuple(r[:3]) for r in plan.changes.itertuples(index=False)}
    assert rows == {("address_added", "address", "a4"), ("address_added", "address", "a9"),
                    ("address_retired", "address", "a1"),
                    ("retirement_deferred", "address", "a2"),
                    ("unaddressed", "building", "b5")}  # b9 was already listed unaddressed
    detail = dict(zip(plan.changes["object_id"], plan.changes["detail"], strict=True))
    assert detail["a9"].startswith("building already in the register")
    assert detail["a4"] == "new building"
    # the written layer holds every unaddressed building, features without geometry too
    assert plan.unaddressed["building_id"].tolist() == ["b5", "b9", "b7"]
    history = [(h[4], h[6], h[7]) for h in plan.history]
    assert history == [("a4", None, "proposed"), ("a9", None, "proposed"),
                       ("a1", "current", "retired"), ("a2", "proposed", "proposed")]
    assert all(h[1] == "run-1" and h[0].startswith("2026-03-01") for h in plan.history)
