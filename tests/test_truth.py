"""Street assignment against real addresses (``../shared/data/truth``, ten real places).

Each place runs the normal pipeline with default settings and is compared with the trivial
baseline computed in the same run (see :mod:`parakou_geo.evaluate`). The floors are the
figures last measured (see benchmarks/README.md), less 0.02: a change that puts
doors on the wrong street fails here. ``benchmarks/bench_truth.py`` prints the full table.
"""

from __future__ import annotations

import math
import warnings

import pytest
from conftest import shared_file

from parakou_geo.cli.evaluate import evaluate_file
from parakou_geo.evaluate import PlaceReport, real_number

# place: (street agreement, side agreement, street agreement with names stripped) measured
FLOORS = {
    "boston_downtown": (0.860, 0.998, 0.843),
    "heidelberg_altstadt": (0.830, 0.988, 0.837),
    "liechtenstein": (0.816, 0.950, 0.841),
    "london_city": (0.743, 0.614, 0.740),
    "moscow_center": (0.699, 0.987, 0.699),
    "munich_altstadt": (0.772, 0.967, 0.805),
    "north_bayreuth": (0.885, 0.848, 0.878),
    "nyc_lower_east_side": (0.884, 0.994, 0.907),
    "porto": (0.758, 0.983, 0.767),
    "vancouver": (0.747, 0.966, 0.753),
}
_MARGIN = 0.02


@pytest.fixture(scope="module")
def reports() -> dict[str, PlaceReport]:
    out = {}
    for place in FLOORS:
        path = shared_file("truth", f"{place}.gpkg")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GDAL/pyproj notes on the OSM-derived files
            out[place] = evaluate_file(str(path))
    return out


@pytest.mark.realdata
@pytest.mark.parametrize("place", sorted(FLOORS))
def test_street_and_side_agreement_hold_on_real_places(
    reports: dict[str, PlaceReport], place: str
) -> None:
    r = reports[place]
    street, side, stripped = FLOORS[place]
    assert r.agreement.street >= street - _MARGIN
    assert r.agreement.side >= side - _MARGIN
    assert r.stripped is not None
    assert r.stripped.street >= stripped - _MARGIN
    # every door's street choice is recorded
    assert sum(r.choice_counts.values()) == r.n_addresses


@pytest.mark.realdata
def test_access_assignment_beats_the_trivial_baseline_on_average(
    reports: dict[str, PlaceReport],
) -> None:
    mine = math.fsum(r.agreement.street for r in reports.values()) / len(reports)
    base = math.fsum(r.baseline.street for r in reports.values()) / len(reports)
    assert mine >= base + 0.01
    # places where the baseline lost to the access rules when they were introduced
    for place in ("boston_downtown", "london_city", "moscow_center", "nyc_lower_east_side",
                  "porto", "vancouver"):
        assert reports[place].agreement.street > reports[place].baseline.street


@pytest.mark.realdata
def test_sidewalks_no_longer_inflate_the_street_list(reports: dict[str, PlaceReport]) -> None:
    # before: Liechtenstein 4,197 streets, Boston 126 (sidewalks and crossings as streets)
    assert reports["liechtenstein"].n_streets < 4100
    assert reports["boston_downtown"].n_streets < 80


def test_real_number_parsing() -> None:
    assert real_number("17 с1") == 17
    assert real_number("197-02") == 2
    assert real_number("12;14;16") == 12
    assert real_number("11;12") is None
    assert real_number(None) is None
