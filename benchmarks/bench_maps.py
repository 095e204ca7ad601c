"""Benchmark of the addressing map (:mod:`parakou_geo.maps`) against ``GeoDataFrame.explore()``.

Run by hand, never by pytest::

    .venv/bin/python benchmarks/bench_maps.py                 # 100,000 addresses
    .venv/bin/python benchmarks/bench_maps.py --n 20000 --streets 500

Data (synthetic, deterministic for ``--seed``): ``--n`` address points in EPSG:32631 around
Parakou with every register column (label, ids, dates, lon/lat...), and ``--streets`` street
lines. Measured in the same run, both pages opened in headless Debian Chromium (Playwright,
CDN assets served from the local XStatic files, tiles answered with a blank image):

1. HTML size: ``addressing_map`` of the addresses (no streets) vs
   ``addresses.explore()`` on the same points (target ours / explore <= 0.2);
2. time from navigation start until every feature is drawn (load event, then two animation
   frames so the canvas/SVG is painted), and the number of drawn features checked against
   the data (target: ours faster);
3. for information: the full addressing map (addresses + streets), online and offline.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from _browser import Browser

from parakou_geo.maps import addressing_map, save_map
from parakou_geo.register import Register

DRAWN_JS = """() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(
    () => r(performance.now()))))"""


def make_register(n: int, n_streets: int, seed: int) -> Register:
    rng = np.random.default_rng(seed)
    x0, y0 = 459000.0, 1032000.0
    side = 6000.0
    sx = rng.uniform(-side, side, n_streets) + x0
    sy = rng.uniform(-side, side, n_streets) + y0
    ang = rng.uniform(0, np.pi, n_streets)
    length = rng.uniform(200, 1500, n_streets)
    ex, ey = sx + np.cos(ang) * length, sy + np.sin(ang) * length
    mid_x, mid_y = (sx + ex) / 2, (sy + ey) / 2
    streets = gpd.GeoDataFrame(
        {"street_code": [f"{1 + i % 3}.{i // 3 + 1:03d}" for i in range(n_streets)],
         "street_name": [f"Rue {i}" if i % 3 == 0 else None for i in range(n_streets)],
         "zone": [str(1 + i % 3) for i in range(n_streets)],
         "length_m": length.round(1), "n_addresses": rng.integers(0, 200, n_streets)},
        geometry=shapely.multilinestrings(
            shapely.linestrings(np.stack([np.stack([sx, sy], 1), np.stack([mid_x, mid_y], 1),
                                          np.stack([ex, ey], 1)], 1))[:, None].tolist()),
        crs=32631)
    street = rng.integers(0, n_streets, n)
    t = rng.uniform(0, 1, n)
    off = rng.normal(0, 20, n)
    px = sx[street] + (ex[street] - sx[street]) * t - np.sin(ang[street]) * off
    py = sy[street] + (ey[street] - sy[street]) * t + np.cos(ang[street]) * off
    number = (t * length[street]).round().astype(int)
    codes = streets["street_code"].to_numpy()[street]
    pts = gpd.GeoSeries(shapely.points(px, py), crs=32631)
    ll = pts.to_crs(4326)
    created = dt.date(2026, 11, 27).isoformat()
    addresses = gpd.GeoDataFrame(
        {"address_id": [f"{i:08x}-5b7a-4e39-9a41-6c0d8f2b7e15" for i in range(n)],
         "label": [f"{k} Rue {c}" for k, c in zip(number, codes, strict=True)],
         "street_code": codes, "street_name": streets["street_name"].to_numpy()[street],
         "number": number, "suffix": "", "zone": streets["zone"].to_numpy()[street],
         "quartier": [f"Quartier {i % 58}" for i in street], "building_id":
         [f"B{i:06d}" for i in range(n)], "side": np.where(off > 0, "left", "right"),
         "distance_m": (t * length[street]).round(3), "distance_to_street_m":
         np.abs(off).round(3), "method": "metric", "status": "proposed", "x": px.round(2),
         "y": py.round(2), "lon": ll.x.round(6), "lat": ll.y.round(6),
         "street_x": px.round(2), "street_y": py.round(2), "created": created,
         "source": "parakou_geo", "nup": [str(100000001 + i) for i in range(n)],
         "rfu_id": None},
        geometry=pts, crs=32631)
    return Register(addresses=addresses, streets=streets,
                    unaddressed=gpd.GeoDataFrame({"building_id": []}, geometry=[], crs=32631),
                    run_info=pd.DataFrame({"key": [], "value": []}))


def measure(browser: Browser, html: Path, *, mode: str, count_js: str,
            timeout_s: float) -> dict[str, object]:

    ctx = browser._browser.new_context(viewport={"width": 1200, "height": 800})
    page = ctx.new_page()
    page.set_default_timeout(timeout_s * 1000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _route(page, mode)
    t0 = time.perf_counter()
    page.goto(html.resolve().as_uri(), wait_until="load", timeout=timeout_s * 1000)
    drawn_ms = page.evaluate(DRAWN_JS)
    wall = time.perf_counter() - t0
    count = page.evaluate(count_js)
    ctx.close()
    return {"drawn_ms": round(float(drawn_ms)), "wall_s": round(wall, 2), "count": count,
            "errors": errors}


def _route(page: object, mode: str) -> None:
    import mimetypes

    from _browser import BLANK_PNG, TILE_HOSTS

    from parakou_geo.maps._assets import local_file_for_url

    def handler(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.startswith(("file:", "data:")):
            route.continue_()  # type: ignore[attr-defined]
            return
        path = local_file_for_url(url) if mode == "online" else None
        if path is not None:
            route.fulfill(status=200, body=path.read_bytes(),  # type: ignore[attr-defined]
                          content_type=mimetypes.guess_type(path.name)[0] or "font/woff2")
        elif mode == "online" and any(h in url for h in TILE_HOSTS):
            route.fulfill(status=200, body=BLANK_PNG,  # type: ignore[attr-defined]
                          content_type="image/png")
        else:
            route.abort()  # type: ignore[attr-defined]

    page.route("**/*", handler)  # type: ignore[attr-defined]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100_000, help="number of addresses")
    ap.add_argument("--streets", type=int, default=2_000, help="number of streets")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=600.0, help="page timeout in seconds")
    ap.add_argument("--out", type=Path, help="folder for the HTML files (default: temporary)")
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="bench_maps_"))
    out.mkdir(parents=True, exist_ok=True)

    t = time.perf_counter()
    reg = make_register(args.n, args.streets, args.seed)
    print(f"data: {args.n:,} addresses, {args.streets:,} streets "
          f"({time.perf_counter() - t:.1f} s)")
    points_only = Register(addresses=reg.addresses, streets=reg.streets.iloc[:0],
                           unaddressed=reg.unaddressed, run_info=reg.run_info)
    files: dict[str, Path] = {}
    build: dict[str, float] = {}
    for name, fn in (
        ("ours", lambda: addressing_map(points_only)),
        ("explore", lambda: reg.addresses.explore()),
        ("ours_full", lambda: addressing_map(reg)),
        ("ours_full_offline", lambda: addressing_map(reg, offline=True)),
    ):
        t = time.perf_counter()
        m = fn()
        files[name] = out / f"{name}.html"
        save_map(m, files[name], overwrite=True)
        build[name] = time.perf_counter() - t
    sizes = {k: p.stat().st_size for k, p in files.items()}

    ours_count = "() => ParakouMaps.last.counts()"
    explore_count = ("() => document.querySelectorAll('.leaflet-overlay-pane path').length"
                     " + document.querySelectorAll('.leaflet-marker-pane > *').length")
    browser = Browser()
    try:
        results = {
            "ours": measure(browser, files["ours"], mode="online", count_js=ours_count,
                            timeout_s=args.timeout),
            "explore": measure(browser, files["explore"], mode="online",
                               count_js=explore_count, timeout_s=args.timeout),
            "ours_full": measure(browser, files["ours_full"], mode="online",
                                 count_js=ours_count, timeout_s=args.timeout),
            "ours_full_offline": measure(browser, files["ours_full_offline"], mode="offline",
                                         count_js=ours_count, timeout_s=args.timeout),
        }
    finally:
        browser.close()

    print(f"{'map':<20}{'build s':>9}{'HTML MB':>10}{'drawn ms':>10}  features drawn")
    for k, r in results.items():
        print(f"{k:<20}{build[k]:>9.1f}{sizes[k] / 1e6:>10.2f}{r['drawn_ms']:>10}  {r['count']}"
              f"{'  ERRORS: ' + '; '.join(r['errors']) if r['errors'] else ''}")  # type: ignore[arg-type]
    ratio = sizes["ours"] / sizes["explore"]
    speed = results["explore"]["drawn_ms"] / results["ours"]["drawn_ms"]  # type: ignore[operator]
    ok_size, ok_speed = ratio <= 0.2, speed > 1
    print(f"size ours/explore = {ratio:.3f} (target <= 0.2): {'PASS' if ok_size else 'FAIL'}")
    print(f"draw time explore/ours = {speed:.1f}x (target > 1): {'PASS' if ok_speed else 'FAIL'}")
    print(json.dumps({"n": args.n, "sizes": sizes, "build_s": build, "results": results}))
    return 0 if ok_size and ok_speed else 1


if __name__ == "__main__":
    raise SystemExit(main())
