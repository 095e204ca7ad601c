"""Browser-test helper: Debian's Chromium driven by Playwright, with no network at all.

Online-mode pages get their CDN assets from the local package files (the same XStatic files
used for offline mode) and a blank image for map tiles; offline-mode pages have every network
request blocked. Tests skip with the reason when Chromium or playwright is missing, except under
CI=true where they fail.
"""

from __future__ import annotations

import base64
import mimetypes
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync"]

#: A 1×1 transparent PNG served for online tile requests.
BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
TILE_HOSTS = ("tile.openstreetmap.org",)


def require_browser() -> Any:
    """Return the playwright sync API module, or skip (fail under CI=true) when unusable."""
    problems = []
    if not CHROMIUM.exists():
        problems.append(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    try:
        from playwright import sync_api
    except ImportError:
        sync_api = None
        problems.append("the playwright Python package is missing (pip install playwright)")
    if problems:
        reason = "browser test: " + "; ".join(problems)
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " — required under CI=true")
        pytest.skip(reason)
    return sync_api


@dataclass
class PageRun:
    """A loaded page and what happened while loading it."""

    page: Any
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    served: list[str] = field(default_factory=list)
    aborted: list[str] = field(default_factory=list)
    finished_remote: list[str] = field(default_factory=list)

    def js(self, expr: str, arg: Any = None) -> Any:
        return self.page.evaluate(expr, arg)

    def map_search(self, text: str) -> str:
        """Type ``text`` in the addressing map's search box; return the popup's title."""
        self.js("ParakouMaps.last.map.closePopup(); "
                "document.querySelectorAll('.leaflet-popup').forEach(e => e.remove())")
        box = self.page.locator(".pk-search input")
        box.fill(text)
        box.press("Enter")
        self.page.wait_for_selector(".leaflet-popup-content .pk-popup-title")
        return str(self.js("document.querySelector('.leaflet-popup-content .pk-popup-title')"
                           ".textContent"))

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path))
        return path


def _local(url: str) -> bool:
    return url.startswith(("file:", "data:", "about:", "blob:"))


class Browser:
    """One Chromium for a test module; :meth:`open` loads a saved map."""

    def __init__(self) -> None:
        api = require_browser()
        self._pw = api.sync_playwright().start()
        self._browser = self._pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)

    def close(self) -> None:
        self._browser.close()
        self._pw.stop()

    def open(self, html: Path, *, mode: Literal["online", "offline"],
             size: tuple[int, int] = (1000, 700)) -> PageRun:
        """Load ``html`` with the network replaced (online) or blocked (offline)."""
        from parakou_geo.maps._assets import local_file_for_url

        context = self._browser.new_context(viewport={"width": size[0], "height": size[1]},
                                            service_workers="block")
        page = context.new_page()
        run = PageRun(page)
        page.on("pageerror", lambda exc: run.errors.append(f"pageerror: {exc}"))
        page.on("console", lambda msg: run.errors.append(f"console: {msg.text}")
                if msg.type == "error" else None)

        def on_dialog(dialog: Any) -> None:
            run.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("request", lambda req: run.requests.append(req.url))
        page.on("requestfinished", lambda req: None if _local(req.url)
                else run.finished_remote.append(req.url))

        def handler(route: Any) -> None:
            url = route.request.url
            if _local(url):
                route.continue_()
                return
            if mode == "online":
                path = local_file_for_url(url)
                if path is not None:
                    ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    if path.suffix == ".woff2":
                        ctype = "font/woff2"
                    route.fulfill(status=200, body=path.read_bytes(), content_type=ctype,
                                  headers={"Access-Control-Allow-Origin": "*"})
                    run.served.append(url)
                    return
                if any(host in url for host in TILE_HOSTS):
                    route.fulfill(status=200, body=BLANK_PNG, content_type="image/png")
                    run.served.append(url)
                    return
            run.aborted.append(url)
            route.abort()

        page.route("**/*", handler)
        page.goto(html.resolve().as_uri(), wait_until="load")
        page.wait_for_function("window.ParakouMaps && window.ParakouMaps.last !== null")
        return run


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """A Chromium shared by the tests of a module."""
    b = Browser()
    try:
        yield b
    finally:
        b.close()


# --- hand-made map data (EPSG:32631, placed at conftest.ORIGIN) ---------------------------

XSS_NAME = "<img src=x onerror=alert(1)>"
SCRIPT_ID = "</script><script>alert(2)</script>"


def hand_register() -> Any:
    """A register of 3 streets and 6 addresses whose map content is known on paper.

    Street 1.002 is named :data:`XSS_NAME`; address ``10 Rue 1.002`` has building id
    :data:`SCRIPT_ID`. Extra columns of awkward types (dates, decimals, nulls) are included.
    """
    import datetime as dt
    import decimal

    import geopandas as gpd
    import pandas as pd
    import shapely
    from conftest import shift

    from parakou_geo.register import Register

    streets = gpd.GeoDataFrame(
        {"street_code": ["1.001", "1.002", "2.001"],
         "street_name": ["Rue des Manguiers", XSS_NAME, None],
         "zone": ["1", "1", "2"], "length_m": [200.0, 200.0, 300.0],
         "n_addresses": [3, 2, 1], "road_ids": ["r0", "r1", "r2"]},
        geometry=[shapely.MultiLineString([[shift((0, 0)), shift((200, 0))]]),
                  shapely.MultiLineString([[shift((0, 0)), shift((0, 200))]]),
                  shapely.MultiLineString([[shift((300, 0)), shift((300, 150))],
                                           [shift((300, 150)), shift((300, 300))]])],
        crs=32631)
    pts = [(12, 10), (25, -10), (40, 10), (-10, 10), (10, 60), (290, 7)]
    addresses = gpd.GeoDataFrame(
        {"address_id": [f"id{i}" for i in range(6)],
         "label": ["12 Rue 1.001", "25 Rue 1.001", "40 bis Rue 1.001", "10 Rue 1.002",
                   "60 Rue 1.002", "7 Rue 2.001"],
         "street_code": ["1.001", "1.001", "1.001", "1.002", "1.002", "2.001"],
         "street_name": ["Rue des Manguiers"] * 3 + [XSS_NAME] * 2 + [None],
         "building_id": ["B01", "B02", "B03", SCRIPT_ID, None, "B06"],
         "status": ["proposed", "current", "retired", "proposed", "proposed", "rejected"],
         "zone": ["1", "1", "1", "1", "1", "2"],
         "created": [dt.date(2026, 1, 1)] * 5 + [None],
         "nup": [decimal.Decimal("100000001"), None, pd.NA, None, None, None],
         "distance_m": [12.0, 25.0, float("nan"), 10.0, 60.0, 7.0]},
        geometry=shapely.points([shift(p) for p in pts]), crs=32631)
    return Register(addresses=addresses, streets=streets,
                    unaddressed=gpd.GeoDataFrame({"building_id": []}, geometry=[], crs=32631),
                    run_info=pd.DataFrame({"key": [], "value": []}))


def hand_zones() -> Any:
    """Two zone squares: zone 1 (x < 150 m) and zone 2 (x ≥ 150 m), 400 m high."""
    import geopandas as gpd
    import shapely
    from conftest import shift

    return gpd.GeoDataFrame(
        {"arr_num": [1, 2]},
        geometry=[shapely.box(*shift((-100, -100)), *shift((150, 300))),
                  shapely.box(*shift((150, -100)), *shift((400, 300)))], crs=32631)


def hand_planning() -> dict[str, Any]:
    """Planning layers: 1 forest, 2 green spaces, 3 waste points, 2 water points, 4 uncovered
    buildings (polygons), 2 zones; one layer in EPSG:4326 to check reprojection."""
    import datetime as dt
    import decimal

    import geopandas as gpd
    import shapely
    from conftest import shift

    def pts(coords: list[tuple[float, float]], **cols: Any) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(cols, geometry=shapely.points([shift(p) for p in coords]),
                                crs=32631)

    forest = gpd.GeoDataFrame({"name": ["Forêt <b>communale</b>"]},
                              geometry=[shapely.box(*shift((500, 500)), *shift((600, 600)))],
                              crs=32631)
    green = gpd.GeoDataFrame(
        {"name": ["Jardin A", None], "opened": [dt.datetime(2020, 5, 1, 8, 30), None]},
        geometry=[shapely.box(*shift((0, 0)), *shift((50, 50))),
                  shapely.box(*shift((1000, 0)), *shift((1050, 50)))], crs=32631)
    waste = pts([(100, 100), (400, 100), (700, 100)], name=["PR1", "PR2", "PR3"],
                pop=[decimal.Decimal("120.5"), None, 3])
    water = pts([(200, 400), (900, 400)], type=["forage", "borne-fontaine"]).to_crs(4326)
    uncovered = gpd.GeoDataFrame(
        {"pop": [4, 6, None, 2]},
        geometry=[shapely.box(*shift((x, 800)), *shift((x + 8, 808)))
                  for x in (0, 100, 200, 300)], crs=32631)
    return {"forest": forest, "green_spaces": green, "waste_points": waste,
            "water_points": water, "uncovered_buildings": uncovered, "zones": hand_zones()}
