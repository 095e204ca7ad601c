"""Top-1 accuracy of the search on geocoder-tester style query files.

``tests/data/geocode/generated.csv`` is written by ``scripts/make_geocode_tests.py`` (seeded
corruptions of the sample register's addresses); ``hand.csv`` was written by hand to cover
every query form of issue 15 (queries, expected labels and kinds by hand; the coordinates of
the expected addresses copied from the register, those of placed numbers measured on the
street line, tolerances 1 m for addresses, 35 m for placed numbers). A query is right when
the first match has the expected label and kind and lies within the tolerance of the
expected coordinate (``lat,lon,metres``).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from _geocode_register import build_search_register

from parakou_geo.geocode import Geocoder

DATA = Path(__file__).parent / "data" / "geocode"


@pytest.fixture(scope="module")
def geocoder(tmp_path_factory: pytest.TempPathFactory) -> Geocoder:
    return Geocoder.from_register(build_search_register(tmp_path_factory.mktemp("search")))


def _cases(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    k = math.pi / 180.0
    dx = (lon2 - lon1) * k * math.cos((lat1 + lat2) / 2 * k) * 6_371_000
    dy = (lat2 - lat1) * k * 6_371_000
    return math.hypot(dx, dy)


def evaluate(geo: Geocoder, cases: list[dict[str, str]]) -> tuple[float, list[str]]:
    """Return the share of queries answered right first, and the failures described."""
    failures = []
    for case in cases:
        near = None
        if case.get("lon") and case.get("lat"):
            near = (float(case["lon"]), float(case["lat"]))
        result = geo.search(case["query"], limit=1, near=near)
        best = result.best
        lat, lon, tol = (float(v) for v in case["expected_coordinate"].split(","))
        ok = (best is not None and best.label == case["expected_label"]
              and _metres(lat, lon, best.lat, best.lon) <= tol
              and (not case.get("expected_kind") or best.kind == case["expected_kind"]))
        if not ok:
            got = (f"{best.label} ({best.kind}, {_metres(lat, lon, best.lat, best.lon):.0f} m"
                   f", {best.why})" if best else f"nothing ({result.message})")
            failures.append(f"{case['query']!r}: expected {case['expected_label']}, got {got}"
                            f"  [{case.get('comment', '')}]")
    return 1.0 - len(failures) / len(cases), failures


def test_generated_queries_top1_at_least_98_percent(geocoder: Geocoder) -> None:
    cases = _cases("generated.csv")
    assert len(cases) >= 500
    share, failures = evaluate(geocoder, cases)
    assert share >= 0.98, f"top-1 {share:.1%}; failures:\n" + "\n".join(failures)


def test_hand_written_queries_top1_at_least_95_percent(geocoder: Geocoder) -> None:
    cases = _cases("hand.csv")
    assert len(cases) >= 60
    share, failures = evaluate(geocoder, cases)
    assert share >= 0.95, f"top-1 {share:.1%}; failures:\n" + "\n".join(failures)
