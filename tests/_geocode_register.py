"""The register the search tests run on: the embedded sample after a year of changes.

Built the way a clerk would get it (no geocoder code involved): ``parakou-geo demo``'s
register, then official names for three streets (two renamings, so two former names), then an
update in which ten buildings are gone (their addresses retired) and two new buildings stand
where two of them were (their new addresses replace the retired ones), then one address moved
to another street (its old label becomes a former label). Used by
``tests/test_geocode_accuracy.py`` and by ``scripts/make_geocode_tests.py``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely

from parakou_geo.datasets import sample_names_path, sample_path
from parakou_geo.names import import_names, read_official_names
from parakou_geo.pipeline import address_files
from parakou_geo.register import write_register
from parakou_geo.register.lifecycle import move_address
from parakou_geo.register.update import update_register

DAY0 = dt.date(2026, 1, 15)
DAY1 = dt.date(2026, 6, 1)

#: Official names given by the council: (code, name, type). 1.001 and 1.003 had names before.
NAMES = (
    ("1.001", "Rue du Docteur Tchabi", "Rue"),
    ("1.003", "Avenue Mama Gnon", "Avenue"),
    ("2.003", "Rue des Karités", "Rue"),
)
#: Buildings demolished in the update (their addresses are retired).
GONE = ("B00010", "B00100", "B00200", "B00300", "B00400", "B00500", "B00600", "B00700",
        "B00800", "B00900")
#: New buildings standing where two of the demolished ones were: id → the id it replaces.
REBUILT = {"B90001": "B00100", "B90002": "B00500"}


def build_search_register(folder: Path) -> Path:
    """Write the search test register in ``folder`` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "register.gpkg"
    sample = sample_path()
    result = address_files(
        sample, sample, zones=sample, quartiers=sample, names=sample_names_path(),
        roads_layer="roads", buildings_layer="buildings", zones_layer="zones",
        quartiers_layer="quartiers", run_date=DAY0,
    )
    write_register(result.register, path, overwrite=True)
    names_csv = folder / "names.csv"
    pd.DataFrame(
        [{"street_code": c, "name": n.removeprefix(t + " "), "street_type": t,
          "decision_date": "2026-03-01", "reference": "Délibération 2026-014"}
         for c, n, t in NAMES]
    ).to_csv(names_csv, index=False)
    import_names(path, read_official_names(names_csv))
    roads = pyogrio.read_dataframe(sample, layer="roads")
    buildings = pyogrio.read_dataframe(sample, layer="buildings")
    kept = buildings[~buildings["building_id"].isin(GONE)]
    new = buildings[buildings["building_id"].isin(REBUILT.values())].copy()
    new["building_id"] = new["building_id"].map({v: k for k, v in REBUILT.items()})
    # the new building is a little smaller, in the same place
    new["geometry"] = new.geometry.scale(0.8, 0.8)
    update_register(path, roads, pd.concat([kept, new], ignore_index=True),
                    run_date=DAY1, reason="survey 2026")
    _move_one(path)
    return path


def _move_one(path: Path) -> None:
    """Move the first active address (in label order) that has a second street in reach."""
    addresses = pyogrio.read_dataframe(path, layer="addresses")
    segments = pyogrio.read_dataframe(path, layer="segments")
    active = addresses[addresses["status"].isin(["proposed", "current"])].sort_values("label")
    geoms = np.asarray(segments.geometry.array)
    for a_id, code, point in zip(active["address_id"], active["street_code"],
                                 active.geometry, strict=True):
        d = shapely.distance(geoms, point)
        other = segments.loc[(d < 40) & (segments["street_code"] != code).to_numpy(),
                             "street_code"]
        if len(other):
            move_address(path, a_id, to_street=str(sorted(other)[0]),
                         reason="door opens on the other street", run_date=DAY1)
            return
    raise AssertionError("no address with a second street within 40 m")
