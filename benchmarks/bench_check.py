"""Benchmark: the check phase of ``parakou-geo address`` against an earlier revision's code.

Run by hand, never by pytest::

    .venv/bin/python benchmarks/bench_check.py                     # 100k x 5k
    .venv/bin/python benchmarks/bench_check.py --sizes 1000000x20000 --rounds 3
    .venv/bin/python benchmarks/bench_check.py --data /tmp/e2e/1000000   # existing layers

The check phase is what ``address`` does before any street work: read both layers
(:func:`parakou_geo.io.read_layer`), :func:`~parakou_geo.check.check_layer` them,
:func:`~parakou_geo.prepare.prepare_roads` and :func:`~parakou_geo.prepare.prepare_buildings`
(repair, canonical order, building ids, door points). The baseline is the same phase with the
modules ``prepare``, ``check`` and ``_input_checks`` of ``--baseline`` (a git revision, by
default ``main`` before this work) and pyogrio's feature-by-feature reader, which ``read_layer``
used then.

Data: the synthetic city of ``bench_end_to_end.py`` (jittered street grid in EPSG:32631,
square footprints without an id column), or the ``roads.gpkg`` and ``buildings.gpkg`` of
``--data``.

Printed: the load average before and after; the peak RSS of the whole phase for each code,
each in its own child process; then ``--rounds`` interleaved in-process rounds (the order
alternates) with the median and minimum of each step and the ratios current / baseline; and
whether the outputs are identical (building ids, order, attributes, footprints and door points
as WKB, dropped rows, reports, road layer, problems). The machine is shared: only same-run
ratios mean anything.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

#: main before the check-phase work of issue 16 (the baseline of the README's figures).
DEFAULT_BASELINE = "7c18ecc"
_MODULES = ("prepare", "check", "_input_checks")


def load() -> str:
    """Return the load averages (1, 5, 15 min) and the number of cores."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def baseline_modules(rev: str, folder: Path) -> dict[str, ModuleType]:
    """Import ``prepare``, ``check`` and ``_input_checks`` of ``rev`` as a separate package."""
    package = folder / "baseline_check"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    for name in _MODULES:
        text = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:parakou_geo/{name}.py"],
                              capture_output=True, text=True, check=True).stdout
        for other in _MODULES:
            text = text.replace(f"from parakou_geo.{other} import",
                                f"from baseline_check.{other} import")
        (package / f"{name}.py").write_text(text)
    sys.path.insert(0, str(folder))
    return {name: importlib.import_module(f"baseline_check.{name}") for name in _MODULES}


def current_modules() -> dict[str, ModuleType]:
    """Return this tree's modules."""
    return {name: importlib.import_module(f"parakou_geo.{name}") for name in _MODULES}


def read_both(data: Path, *, baseline: bool) -> tuple[Any, Any]:
    """Read both layers with read_layer; the baseline without the Arrow way for GeoPackages."""
    import parakou_geo.io as io

    saved = io._read_gpkg_arrow
    if baseline:
        io._read_gpkg_arrow = lambda p, layer: None
    try:
        return (io.read_layer(data / "roads.gpkg", kind="roads"),
                io.read_layer(data / "buildings.gpkg", kind="buildings"))
    finally:
        io._read_gpkg_arrow = saved


def phase(data: Path, mods: dict[str, ModuleType], *, baseline: bool
          ) -> tuple[dict[str, float], tuple[Any, ...]]:
    """Run the check phase as ``address`` does; return step times and outputs."""
    from pyproj import CRS

    from parakou_geo.settings import AddressingSettings

    settings, metric = AddressingSettings(), CRS.from_epsg(32631)
    t0 = time.perf_counter()
    roads, buildings = read_both(data, baseline=baseline)
    t1 = time.perf_counter()
    check = mods["check"].check_layer
    problems = check(roads, "roads", settings=settings)
    problems += check(buildings, "buildings", settings=settings)
    t2 = time.perf_counter()
    road_m, _ = mods["prepare"].prepare_roads(roads, settings=settings, metric_crs=metric)
    t3 = time.perf_counter()
    kept, dropped, report = mods["prepare"].prepare_buildings(buildings, settings=settings,
                                                              metric_crs=metric)
    t4 = time.perf_counter()
    times = {"read": t1 - t0, "check_layer": t2 - t1, "prepare_roads": t3 - t2,
             "prepare_buildings": t4 - t3, "phase": t4 - t0}
    return times, (problems, road_m, kept, dropped, vars(report))


def assert_identical(old: tuple[Any, ...], new: tuple[Any, ...]) -> None:
    """Fail unless both phases gave the same problems, roads, buildings, doors and drops."""
    (p0, r0, b0, d0, rep0), (p1, r1, b1, d1, rep1) = old, new
    assert p0 == p1, (p0, p1)
    assert rep0 == rep1, (rep0, rep1)
    for a, b, geometry_columns in ((r0, r1, ["geometry"]), (b0, b1, ["geometry", "door"]),
                                   (d0, d1, ["geometry"])):
        assert list(a.columns) == list(b.columns)
        assert (a.dtypes == b.dtypes).all(), (a.dtypes, b.dtypes)
        pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns=geometry_columns)),
                                      pd.DataFrame(b.drop(columns=geometry_columns)))
        for column in geometry_columns:
            wkb_a = shapely.to_wkb(np.asarray(a[column].values))
            wkb_b = shapely.to_wkb(np.asarray(b[column].values))
            assert (wkb_a == wkb_b).all(), column
            assert a[column].crs == b[column].crs


def child(data: Path, which: str, rev: str) -> None:
    """Run the phase once and print its time and the peak RSS of this process."""
    with tempfile.TemporaryDirectory() as tmp:
        mods = baseline_modules(rev, Path(tmp)) if which == "baseline" else current_modules()
        times, _ = phase(data, mods, baseline=which == "baseline")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(f"{times['phase']:.2f} {peak:.3f}")


def bench(data: Path, args: argparse.Namespace) -> None:
    """Peak RSS in children, then interleaved in-process rounds and the identity check."""
    print(f"\n== {data} ==\n{load()}")
    for which in ("baseline", "current"):
        out = subprocess.run([sys.executable, __file__, "--child", which, "--data", str(data),
                              "--baseline", args.baseline], capture_output=True, text=True,
                             check=True).stdout.split()
        print(f"{which:8s} child: phase {float(out[0]):.2f} s, peak RSS {float(out[1]):.3f} GB")
    with tempfile.TemporaryDirectory() as tmp:
        mods = {"baseline": baseline_modules(args.baseline, Path(tmp)),
                "current": current_modules()}
        times: dict[str, list[dict[str, float]]] = {"baseline": [], "current": []}
        outputs: dict[str, tuple[Any, ...]] = {}
        for i in range(args.rounds):
            for which in ("baseline", "current") if i % 2 == 0 else ("current", "baseline"):
                t, out = phase(data, mods[which], baseline=which == "baseline")
                times[which].append(t)
                if i == 0:
                    outputs[which] = out
                del out
                gc.collect()
            print(f"round {i + 1}: baseline {times['baseline'][-1]['phase']:.2f} s, "
                  f"current {times['current'][-1]['phase']:.2f} s")
        print(load())
        print(f"{'step':18s} {'baseline med (min)':>20s} {'current med (min)':>20s} "
              f"{'ratio med':>10s}")
        for step in times["baseline"][0]:
            old = [t[step] for t in times["baseline"]]
            new = [t[step] for t in times["current"]]
            print(f"{step:18s} {statistics.median(old):12.3f} s ({min(old):.3f}) "
                  f"{statistics.median(new):12.3f} s ({min(new):.3f}) "
                  f"{statistics.median(new) / statistics.median(old):10.2f}")
        assert_identical(outputs["baseline"], outputs["current"])
        print(f"identical outputs: {len(outputs['current'][2])} buildings, ids, order, "
              "attributes, footprints, doors, dropped rows, reports, roads, problems")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["100000x5000"],
                        help="buildings x segments of synthetic cities")
    parser.add_argument("--data", type=Path, help="a folder with roads.gpkg and buildings.gpkg")
    parser.add_argument("--rounds", type=int, default=3, help="in-process rounds (>= 3)")
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="git revision to compare")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", choices=["baseline", "current"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.data, args.child, args.baseline)
        return
    if args.data is not None:
        bench(args.data, args)
        return
    from bench_end_to_end import make_city

    for size in args.sizes:
        n_buildings, n_segments = (int(v) for v in size.lower().split("x"))
        with tempfile.TemporaryDirectory() as tmp:
            make_city(n_buildings, n_segments, args.seed, Path(tmp))
            bench(Path(tmp), args)


if __name__ == "__main__":
    main()
