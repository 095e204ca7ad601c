"""Planner maps in a real browser (Debian's Chromium + Playwright), with no network at all."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from _browser import (
    SCRIPT_ID,
    XSS_NAME,
    Browser,
    PageRun,
    browser,
    hand_planning,
    hand_register,
    hand_zones,
)
from conftest import lonlat

from parakou_geo.maps import MapSettings, addressing_map, planning_map, save_map

__all__ = ["browser"]  # the module-scoped fixture

BOOTSTRAP_INSTALLED = importlib.util.find_spec("xstatic.pkg.bootstrap") is not None

LABELS = ["12 Rue 1.001", "25 Rue 1.001", "40 bis Rue 1.001", "10 Rue 1.002", "60 Rue 1.002",
          "7 Rue 2.001"]
POINTS = [(12, 10), (25, -10), (40, 10), (-10, 10), (10, 60), (290, 7)]


def _click_address(run: PageRun, i: int) -> str:
    x, y = run.js("""(i) => {
        const s = ParakouMaps.last, f = s.layers.addresses.features[i];
        s.map.closePopup(); document.querySelectorAll('.leaflet-popup').forEach(e => e.remove());
        s.map.setView(f.getLatLng(), 18, {animate: false});
        const p = s.map.latLngToContainerPoint(f.getLatLng());
        const r = s.map.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }""", i)
    run.page.mouse.click(x, y)
    run.page.wait_for_selector(".leaflet-popup-content .pk-popup-title")
    return str(run.js("document.querySelector('.leaflet-popup-content .pk-popup-title')"
                      ".textContent"))


def _popup_row(run: PageRun, header: str) -> str | None:
    return run.js("""(h) => {
        for (const tr of document.querySelectorAll('.leaflet-popup-content tr'))
            if (tr.querySelector('th').textContent === h) return tr.querySelector('td').textContent;
        return null; }""", header)


def _street_labels(run: PageRun) -> list[str]:
    """Texts of the street labels shown (displayed, inside the map's box), sorted."""
    return sorted(run.js("""() => {
        const box = ParakouMaps.last.map.getContainer().getBoundingClientRect();
        return [...document.querySelectorAll('.pk-street-label')].filter(e => {
            if (e.style.display === 'none') return false;
            const r = e.getBoundingClientRect(), cx = (r.left + r.right) / 2,
                  cy = (r.top + r.bottom) / 2;
            return r.width > 0 && cx > box.left && cx < box.right && cy > box.top
                && cy < box.bottom;
        }).map(e => e.textContent); }"""))


def _view_street(run: PageRun, i: int, zoom: int) -> None:
    run.js("""([i, z]) => { const s = ParakouMaps.last, f = s.layers.streets.features[i];
        s.map.setView(f.getBounds().getCenter(), z, {animate: false}); }""", [i, zoom])


def _check_addressing_page(run: PageRun) -> None:
    assert run.js("ParakouMaps.last.counts()") == {"zones": 2, "streets": 3, "addresses": 6}
    # clicking an address opens its popup with its label, building id, status, Plus Code
    assert _click_address(run, 1) == "25 Rue 1.001"
    assert _popup_row(run, "Bâtiment") == "B02"
    assert _popup_row(run, "Statut") == "en vigueur"
    assert (_popup_row(run, "Plus Code") or "").startswith("6FX4")
    # the address whose building id holds a </script> tag shows it as text
    assert _click_address(run, 3) == "10 Rue 1.002"
    assert _popup_row(run, "Bâtiment") == SCRIPT_ID
    # search finds an address label and zooms to it
    assert run.map_search("40 bis rue 1.001") == "40 bis Rue 1.001"
    lon, lat = lonlat(POINTS[2])
    popup_at = run.js("(() => { const p = ParakouMaps.last.map._popup.getLatLng(); "
                      "return [p.lng, p.lat]; })()")
    assert popup_at == pytest.approx([lon, lat], abs=2e-6)
    assert run.js("([x, y]) => ParakouMaps.last.map.getBounds().contains([y, x])", [lon, lat])
    assert run.js("ParakouMaps.last.map.getZoom()") >= 18
    # search by street code finds the street named like an HTML tag: shown as text, not run
    assert run.map_search("1.002") == f"1.002 — {XSS_NAME}"
    assert run.js("document.querySelectorAll('.leaflet-popup-content img').length") == 0
    assert run.js("document.querySelectorAll('img[src=\"x\"]').length") == 0
    # search by street name (accents and case ignored)
    run.page.locator(".pk-search input").fill("MANGUIERS")
    run.page.wait_for_selector(".pk-results li.pk-hit")
    hits = run.js("[...document.querySelectorAll('.pk-results li')].map(li => li.textContent)")
    assert hits == ["1.001 — Rue des Manguiers · Rues"]
    run.page.locator(".pk-search input").fill("zzz")
    run.page.wait_for_selector(".pk-results li.pk-none")
    # French legend and layer names
    legend = run.js("document.querySelector('.pk-legend').textContent")
    assert "Légende" in legend
    assert "proposée" in legend
    assert "Arrondissement 2" in legend
    layers = run.js("[...document.querySelectorAll('.leaflet-control-layers-overlays label')]"
                    ".map(l => l.textContent.trim())")
    assert layers == ["Arrondissements", "Rues", "Adresses"]
    assert run.dialogs == []
    assert run.errors == []


def test_addressing_map_online(browser: Browser, tmp_path: Path) -> None:
    path = tmp_path / "adressage.html"
    settings = MapSettings(data_attribution=("Données de test <faites main>",))
    save_map(addressing_map(hand_register(), zones=hand_zones(), settings=settings), path)
    run = browser.open(path, mode="online")
    run.screenshot("maps_addressing_online.png")
    _check_addressing_page(run)
    # CDN assets and tiles came from local files; nothing else was asked for
    assert run.aborted == []
    assert any("leaflet@1.9.3" in u for u in run.served)
    assert any("tile.openstreetmap.org" in u for u in run.served)
    attribution = run.js("document.querySelector('.leaflet-control-attribution').textContent")
    assert "© OpenStreetMap contributors" in attribution
    assert "Données de test <faites main>" in attribution


def test_addressing_map_offline(browser: Browser, tmp_path: Path) -> None:
    path = tmp_path / "adressage_hors_ligne.html"
    save_map(addressing_map(hand_register(), zones=hand_zones(), offline=True), path)
    run = browser.open(path, mode="offline")
    run.screenshot("maps_addressing_offline.png")
    _check_addressing_page(run)
    # not a single network request, let alone a successful one
    assert [u for u in run.requests if not u.startswith(("file:", "data:"))] == []
    assert run.aborted == []
    assert run.finished_remote == []
    # Font Awesome's embedded font is really loaded (the tool buttons' icons)
    assert run.js("[...document.fonts].some(f => f.family.includes('Font Awesome') "
                  "&& f.status === 'loaded')")
    assert run.js("typeof jQuery === 'function'")
    if BOOTSTRAP_INSTALLED:
        assert run.js("typeof bootstrap === 'object'")


def test_addressing_map_english(browser: Browser, tmp_path: Path) -> None:
    path = tmp_path / "en.html"
    save_map(addressing_map(hand_register(), offline=True,
                            settings=MapSettings(language="en")), path)
    run = browser.open(path, mode="offline")
    assert _click_address(run, 0) == "12 Rue 1.001"
    assert _popup_row(run, "Building") == "B01"
    assert _popup_row(run, "Status") == "proposed"
    assert run.js("document.querySelector('.pk-search input').placeholder") == (
        "Search an address or a street…")
    assert run.errors == []


def test_measure_tool(browser: Browser, tmp_path: Path) -> None:
    path = tmp_path / "mesure.html"
    save_map(addressing_map(hand_register(), offline=True), path)
    run = browser.open(path, mode="offline")
    run.js("ParakouMaps.last.map.setView([9.33, 2.62], 16, {animate: false})")
    run.page.locator(".pk-measure").click()
    a = run.js("(() => { const m = ParakouMaps.last.map, r = m.getContainer()"
               ".getBoundingClientRect(); return [r.left + 300, r.top + 300]; })()")
    run.page.mouse.click(a[0], a[1])
    run.page.mouse.click(a[0] + 200, a[1])
    metres = run.js("ParakouMaps.last.measure.distance()")
    expected = run.js("""(() => { const m = ParakouMaps.last.map;
        return m.distance(m.containerPointToLatLng([300, 300]),
                          m.containerPointToLatLng([500, 300])); })()""")
    assert metres == pytest.approx(expected, rel=1e-6)
    assert 460 < metres < 485  # 200 px at zoom 16 near 9.3° N: 200 × 2.39 m × cos 9.3° ≈ 472 m
    text = run.js("document.querySelector('.pk-measure-result').textContent")
    assert text == f"Distance : {round(metres)} m"
    assert run.errors == []


def test_street_labels(browser: Browser, tmp_path: Path) -> None:
    path = tmp_path / "etiquettes.html"
    save_map(addressing_map(hand_register(), zones=hand_zones(), offline=True), path)
    run = browser.open(path, mode="offline")
    # zoom 15: below the label zoom (16), no label at all
    _view_street(run, 0, 15)
    assert _street_labels(run) == []
    assert run.js("ParakouMaps.last.streetLabels()") == []
    # zoom 17 on street 1.001 (200 m due east): its label is visible, along the street
    _view_street(run, 0, 17)
    label = run.page.locator(".pk-street-label", has_text="Rue 1.001 — Rue des Manguiers")
    assert label.count() == 1
    assert label.is_visible()
    angle = run.js("(e) => Number(/rotate\\(([-0-9.]+)deg\\)/.exec(e.style.transform)[1])",
                   label.element_handle())
    assert abs(angle) < 1  # an east-west street: horizontal text
    # 2.001 (no name) is labelled "Rue 2.001"; 1.002 starts at the same junction as 1.001 and
    # its 41-character label would overlap 1.001's at zoom 17, so it is left out
    assert _street_labels(run) == ["Rue 1.001 — Rue des Manguiers", "Rue 2.001"]
    # zoom 18 on street 1.002, whose name is an HTML tag: shown as text, nothing run
    _view_street(run, 1, 18)
    assert f"Rue 1.002 — {XSS_NAME}" in _street_labels(run)
    assert run.js("document.querySelectorAll('.pk-street-label img, img[src=\"x\"]').length") == 0
    # a street out of view has no label; hiding the streets layer hides every label
    run.js("void ParakouMaps.last.map.setView(ParakouMaps.last.layers.streets.features[2]"
           ".getBounds().getNorthEast(), 19, {animate: false})")
    assert _street_labels(run) == ["Rue 2.001"]
    run.page.locator(".leaflet-control-layers-overlays label", has_text="Rues").click()
    assert _street_labels(run) == []
    run.page.locator(".leaflet-control-layers-overlays label", has_text="Rues").click()
    assert _street_labels(run) == ["Rue 2.001"]
    run.screenshot("maps_street_labels.png")
    assert run.dialogs == []
    assert run.errors == []


def test_street_labels_are_capped(browser: Browser, tmp_path: Path) -> None:
    path = tmp_path / "cap.html"
    save_map(addressing_map(hand_register(), offline=True,
                            settings=MapSettings(street_labels_max=1, language="en",
                                                 street_prefix="Street")), path)
    run = browser.open(path, mode="offline")
    _view_street(run, 0, 17)
    # one label at most: the longest street in view (2.001, 300 m) comes first
    assert _street_labels(run) == ["Street 2.001"]
    assert run.js("ParakouMaps.last.streetLabels()") == [["streets", 2]]
    assert run.errors == []


@pytest.mark.parametrize("mode", ["online", "offline"])
def test_planning_map(browser: Browser, tmp_path: Path, mode: str) -> None:
    path = tmp_path / f"plan_{mode}.html"
    save_map(planning_map(**hand_planning(), offline=mode == "offline"), path)
    run = browser.open(path, mode=mode)  # type: ignore[arg-type]
    run.screenshot(f"maps_planning_{mode}.png")
    assert run.js("ParakouMaps.last.counts()") == {
        "zones": 2, "forest": 1, "green_service": 1, "green_spaces": 2, "waste_points": 3,
        "water_points": 2, "uncovered": 4}
    # each point theme also draws one coverage ring per point, of the right radius
    rings = run.js("""(id) => ParakouMaps.last.layers[id].inner.getLayers()
        .filter(l => l instanceof L.Circle && !(l instanceof L.CircleMarker && !l.getRadius))
        .map(l => l.getRadius())""", "waste_points")
    assert sorted(rings)[-3:] == [300, 300, 300]
    layers = run.js("[...document.querySelectorAll('.leaflet-control-layers-overlays label')]"
                    ".map(l => l.textContent.trim())")
    assert layers == ["Arrondissements", "Forêt communale (projet)",
                      "Espaces verts et zone desservie (300 m)",
                      "Points de regroupement des déchets (300 m)", "Points d'eau (500 m)",
                      "Bâtiments non desservis"]
    legend = run.js("[...document.querySelectorAll('.pk-legend-row')].map(r => r.textContent)")
    assert legend == layers
    # the forest's name holds HTML: shown as text in its popup
    run.js("ParakouMaps.last.go('forest', 0)")  # the map had no popup open yet
    run.page.wait_for_selector(".leaflet-popup-content")
    assert _popup_row(run, "Nom") == "Forêt <b>communale</b>"
    assert _popup_row(run, "Surface (ha)") == "1"
    assert run.js("document.querySelectorAll('.leaflet-popup-content b').length") == 0
    assert run.errors == []
    assert run.dialogs == []
    if mode == "offline":
        assert [u for u in run.requests if not u.startswith(("file:", "data:"))] == []


def test_sample_register_offline(browser: Browser, tmp_path: Path) -> None:
    import parakou_geo
    from parakou_geo.datasets import load_sample

    s = load_sample()
    result = parakou_geo.address(s["roads"], s["buildings"], zones=s["zones"],
                                 quartiers=s["quartiers"])
    reg = result.register
    path = tmp_path / "sample.html"
    save_map(addressing_map(reg, zones=s["zones"], quartiers=s["quartiers"], offline=True,
                            settings=MapSettings(data_attribution=(
                                "Données synthétiques (échantillon parakou_geo)",))), path)
    run = browser.open(path, mode="offline")
    run.screenshot("maps_sample_offline.png")
    assert run.js("ParakouMaps.last.counts()") == {
        "zones": len(s["zones"]), "quartiers": len(s["quartiers"]),
        "streets": len(reg.streets), "addresses": len(reg.addresses)}
    # the whole sample in view (zoom < 16): no street label
    assert run.js("ParakouMaps.last.map.getZoom()") < 16
    assert _street_labels(run) == []
    # zoom 17 on a named street: its label is there, as "Rue <code> — <name>"
    i = int(np.flatnonzero(reg.streets["street_name"].notna().to_numpy())[0])
    code, name = reg.streets["street_code"].iloc[i], reg.streets["street_name"].iloc[i]
    _view_street(run, i, 17)
    assert run.page.locator(".pk-street-label", has_text=f"Rue {code} — {name}").is_visible()
    shown = _street_labels(run)
    assert f"Rue {code} — {name}" in shown
    assert 1 < len(shown) < len(reg.streets)  # its neighbours too, not the whole town
    label = str(reg.addresses["label"].iloc[len(reg.addresses) // 2])
    assert run.map_search(label) == label
    assert run.errors == []
    assert run.dialogs == []


# ---- issue 12: online map with no internet, zoom cap, metric scale ---------------------------

def test_online_map_without_internet_keeps_the_data_and_says_why(
    browser: Browser, tmp_path: Path
) -> None:
    path = tmp_path / "plan_online_sans_internet.html"
    save_map(planning_map(**hand_planning()), path)  # an online map (CDN links, OSM tiles)
    run = browser.open(path, mode="offline")  # every request fails: no internet
    run.screenshot("maps_planning_online_no_internet.png")
    assert run.js("ParakouMaps.last.counts()") == {
        "zones": 2, "forest": 1, "green_service": 1, "green_spaces": 2, "waste_points": 3,
        "water_points": 2, "uncovered": 4}
    note = run.page.locator("#pk-no-network")
    assert note.is_visible()
    assert "Pas de connexion internet" in note.text_content()
    background = run.js("getComputedStyle(document.querySelector('.leaflet-container'))"
                        ".backgroundColor")
    assert background == "rgb(242, 239, 233)"
    assert run.js("typeof L.version") == "string"
    # only the page's own pieces failed to load: no script error
    assert [e for e in run.errors if "ERR_FAILED" not in e] == []


def test_online_map_with_internet_shows_no_note(browser: Browser, tmp_path: Path) -> None:
    path = tmp_path / "plan_online.html"
    save_map(planning_map(**hand_planning()), path)
    run = browser.open(path, mode="online")
    assert run.page.locator("#pk-no-network").count() == 0
    assert run.js("ParakouMaps.last.map.getMaxZoom()") == 19
    scale = run.page.locator(".leaflet-control-scale-line")
    assert scale.count() == 1  # metres only, no miles/feet line
    assert scale.first.text_content().strip().endswith(("m", "km"))
    assert run.errors == []
