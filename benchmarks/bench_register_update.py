"""Benchmark: updating a 100,000-address register vs building it from scratch.

Run by hand, never by pytest::

    .venv/bin/python benchmarks/bench_register_update.py [--buildings 100000] [--new 1000]

Synthetic data in EPSG:32631 (a street grid near Parakou, square buildings beside the streets,
each with an id). In the same run it times:

- building the register from scratch: ``address()`` on the roads and ``--buildings`` buildings,
  then ``write_register()``;
- updating that register with all of them plus ``--new`` new buildings (``update_register``),
  each repetition on a fresh copy of the register.

Inputs are in memory for both (reading the input files is the same I/O for both and is left
out). Prints the best of ``--repeat`` runs of each and their ratio; target: update ≤ 5 % of
scratch. The fastest time of each update step (as reported to ``progress``: validate, streets,
buildings, numbering, register) is printed too; "register" includes the commit to disk.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import numpy as np
import shapely

from parakou_geo import AddressingSettings, address, write_register
from parakou_geo.update import UpdateReport, update_register

T = TypeVar("T")
ORIGIN = (455_000.0, 1_028_000.0)  # EPSG:32631, near Parakou
TARGET = 0.05


def make_roads(n_lines: int, spacing_m: float) -> gpd.GeoDataFrame:
    """Return a noded street grid of ``n_lines`` × ``n_lines`` lines (EPSG:32631)."""
    i, j = np.meshgrid(np.arange(n_lines), np.arange(n_lines - 1), indexing="ij")
    i, j = i.ravel(), j.ravel()
    x0, y0 = ORIGIN
    vertical = np.stack([np.column_stack([x0 + i * spacing_m, y0 + j * spacing_m]),
                         np.column_stack([x0 + i * spacing_m, y0 + (j + 1) * spacing_m])], 1)
    horizontal = np.stack([np.column_stack([x0 + j * spacing_m, y0 + i * spacing_m]),
                           np.column_stack([x0 + (j + 1) * spacing_m, y0 + i * spacing_m])], 1)
    lines = shapely.linestrings(np.concatenate([vertical, horizontal]))
    return gpd.GeoDataFrame({"road_id": [f"r{k:06d}" for k in range(len(lines))],
                             "name": [None] * len(lines)}, geometry=lines, crs=32631)


def make_buildings(roads: gpd.GeoDataFrame, n: int, rng: np.random.Generator,
                   setback_m: tuple[float, float] = (4.0, 40.0)) -> gpd.GeoDataFrame:
    """Return ``n`` 6 m × 6 m buildings set back ``setback_m`` beside random streets."""
    geoms = np.asarray(roads.geometry.array)
    k = rng.integers(0, len(geoms), n)
    at = shapely.get_coordinates(shapely.line_interpolate_point(
        geoms[k], rng.uniform(0.05, 0.95, n), normalized=True))
    start = shapely.get_coordinates(shapely.get_point(geoms[k], 0))
    end = shapely.get_coordinates(shapely.get_point(geoms[k], -1))
    vertical = np.isclose(start[:, 0], end[:, 0])
    offset = rng.choice([-1.0, 1.0], n) * rng.uniform(*setback_m, n)
    x = at[:, 0] + np.where(vertical, offset, 0.0)
    y = at[:, 1] + np.where(vertical, 0.0, offset)
    return gpd.GeoDataFrame({"building_id": [f"B{i:07d}" for i in range(n)]},
                            geometry=shapely.box(x - 3, y - 3, x + 3, y + 3), crs=32631)


def best_of(repeat: int, fn: Callable[[], T], before: Callable[[], None] | None = None
            ) -> tuple[float, T]:
    """Return the best wall time of ``repeat`` runs and the last result."""
    best = float("inf")
    result: T | None = None
    for _ in range(repeat):
        if before is not None:
            before()
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    assert result is not None
    return best, result


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table; return 1 with --strict when the target fails."""
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--buildings", type=int, default=100_000)
    p.add_argument("--new", type=int, default=1_000)
    p.add_argument("--grid", type=int, default=45, help="streets per side of the grid")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--strict", action="store_true")
    args = p.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    roads = make_roads(args.grid, 120.0)
    buildings = make_buildings(roads, args.buildings + args.new, rng)
    first = buildings.iloc[: args.buildings]
    settings = AddressingSettings(centre=(2.60, 9.30))
    work = Path(tempfile.mkdtemp(prefix="bench_register_"))
    reference = work / "reference.gpkg"
    register = work / "register.gpkg"

    def scratch() -> int:
        if reference.exists():
            reference.unlink()
        res = address(roads, first, settings=settings)
        write_register(res.register, reference)
        return len(res.register.addresses)

    t_scratch, n_addresses = best_of(args.repeat, scratch)

    def fresh_copy() -> None:
        shutil.copy(reference, register)

    steps: dict[str, list[float]] = {}

    def update() -> UpdateReport:
        marks: list[tuple[str, float]] = []
        rep = update_register(register, roads, buildings,
                              progress=lambda name: marks.append((name, time.perf_counter())))
        marks.append(("end", time.perf_counter()))
        for (name, start), (_, stop) in itertools.pairwise(marks):
            steps.setdefault(name, []).append(stop - start)
        return rep

    t_update, report = best_of(args.repeat, update, before=fresh_copy)
    ratio = t_update / t_scratch
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; "
          f"{len(roads):,} road segments, register of {n_addresses:,} addresses "
          f"({reference.stat().st_size / 1e6:.1f} MB), {args.new:,} new buildings; "
          f"best of {args.repeat}")
    print(f"{'step':<52} {'seconds':>8}")
    print(f"{'build the register from scratch (address + write)':<52} {t_scratch:8.3f}")
    print(f"{'update it with ' + format(args.new, ',') + ' new buildings':<52} {t_update:8.3f}")
    print("  fastest time of each update step: " + ", ".join(
        f"{name} {min(times):.3f}" for name, times in steps.items()))
    verdict = "PASS" if ratio <= TARGET else "FAIL"
    print(f"update / scratch = {ratio:.3f}  (target <= {TARGET}: {verdict}); "
          f"added {report.counts['added']}, kept {report.counts['kept']}")
    shutil.rmtree(work)
    return 1 if args.strict and ratio > TARGET else 0


if __name__ == "__main__":
    sys.exit(main())
