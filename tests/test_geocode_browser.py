"""The addressing map's search box understands the number/suffix/code forms of the geocoder.

Run in Debian's Chromium through Playwright with every network request blocked (offline map).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _browser import Browser, PageRun, browser
from _geocode_register import build_search_register

from parakou_geo.maps import addressing_map, save_map

__all__ = ["browser"]  # the module-scoped fixture

#: Query typed → title of the first result's popup (address label, or "code — name").
CASES = [
    ("56 bis Rue 2.010", "56 bis Rue 2.010"),
    ("56bis rue 2.010", "56 bis Rue 2.010"),
    ("56 BIS RUE 2.010", "56 bis Rue 2.010"),
    ("56b R2.010", "56 bis Rue 2.010"),
    ("56 B rue 2 010", "56 bis Rue 2.010"),
    ("rue 2.010 56 bis", "56 bis Rue 2.010"),
    ("56 rue 2.010", "56 Rue 2.010"),
    ("25 R1.001", "25 Rue 1.001"),
    ("25, rue 1,001", "25 Rue 1.001"),
    ("r1004 499b", "499 bis Rue 1.004"),
    ("839 rue 2.2", "839 Rue 2.002"),
    ("N° 25 R. 1.001", "25 Rue 1.001"),
    ("2.011", "2.011 — Route de Tchaourou"),
    ("R3.002", "3.002 — Avenue du Marché"),
    ("AVENUE DU MARCHE", "3.002 — Avenue du Marché"),
    ("av. du marché", "3.002 — Avenue du Marché"),
    ("51 av du marche", "51 Rue 3.002"),
    ("avenue du marché 66", "66 Rue 3.002"),
    ("7 bd de l'indépendance", "7 Rue 1.018"),
    ("6 RUE DE L'HÔPITAL", "6 Rue 3.010"),
]


@pytest.fixture(scope="module")
def page(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> PageRun:
    folder = tmp_path_factory.mktemp("map")
    register = build_search_register(folder)
    html = folder / "map.html"
    save_map(addressing_map(register, offline=True), html)
    return browser.open(html, mode="offline")


@pytest.mark.parametrize(("query", "title"), CASES)
def test_search_box_understands_address_forms(page: PageRun, query: str, title: str) -> None:
    assert page.map_search(query) == title


def test_search_box_lists_nothing_for_unknown_code_and_runs_clean(
    page: PageRun, tmp_path: Path
) -> None:
    box = page.page.locator(".pk-search input")
    box.fill("12 rue 9.999")
    page.page.wait_for_selector(".pk-results li.pk-none")
    box.fill("!!!")
    page.page.wait_for_selector(".pk-results li.pk-none")
    box.fill("56b R2.010")
    page.page.wait_for_selector(".pk-results li.pk-hit")
    hits = page.js("[...document.querySelectorAll('.pk-results li')].map(li => li.textContent)")
    assert hits[0].startswith("56 bis Rue 2.010")
    page.screenshot("geocode_search_box.png")
    assert page.errors == []
    assert page.finished_remote == []
