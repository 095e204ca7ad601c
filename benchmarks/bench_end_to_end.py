"""Benchmark: ``parakou-geo address`` end to end against the bare minimum a user could script.

Run by hand, never by pytest::

    .venv/bin/python benchmarks/bench_end_to_end.py              # 10k x 200 and 100k x 5k
    .venv/bin/python benchmarks/bench_end_to_end.py --full       # also 1M x 20k (minutes)
    .venv/bin/python benchmarks/bench_end_to_end.py --sizes 10000x200 --rounds 5

Data (synthetic, deterministic from ``--seed``): the jittered street grid of
``bench_numbering.py`` in EPSG:32631 and, beside its streets, small square building footprints
(6-14 m, they may overlap) without an id column, as OpenStreetMap buildings come. Both layers
are written as GeoPackages, and both contestants read them and write a GeoPackage:

* **CLI**: ``python -m parakou_geo.cli -q address --roads … --buildings … -o … --csv …`` as a
  subprocess, exactly what a user waits for (start-up, imports, reading, checks, streets, codes,
  numbering, register GeoPackage with its 7 layers, indexes and styles, and the CSV);
* **naive**: a geopandas script (also a subprocess): read both layers with pyogrio through
  Arrow, ``representative_point``, ``sjoin_nearest(max_distance=100)``, ``line_locate_point``,
  ``to_file`` a GeoPackage.

The two are interleaved (their order alternates every round), ``--rounds`` times (>= 3), and
the median and minimum wall times are printed with the ratio CLI / naive and the peak RSS of each
child (``os.wait4``'s resource usage of that very child, spawned by a tiny launcher so that the
benchmark's own size does not count). The load average is printed before and
after each size: the machine is shared, so only ratios within one run mean anything.

Then one instrumented child runs the same library calls as the CLI with a timer at each step,
for the phase breakdown (for information; it is not part of the timed rounds).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_numbering import make_doors, make_roads

TARGETS = {100_000: 2.0, 1_000_000: 1.5}
TARGET_PEAK_GB_1M = 1.5

NAIVE = r"""
import sys
import geopandas as gpd
import shapely

roads_path, buildings_path, out = sys.argv[1:4]
roads = gpd.read_file(roads_path, engine="pyogrio", use_arrow=True)
buildings = gpd.read_file(buildings_path, engine="pyogrio", use_arrow=True)
doors = gpd.GeoDataFrame(geometry=buildings.representative_point(), crs=buildings.crs)
joined = gpd.sjoin_nearest(doors, roads[["road_id", "geometry"]], max_distance=100,
                           distance_col="distance_to_street_m")
joined = joined[~joined.index.duplicated()]
line = roads.geometry.values[joined["index_right"].to_numpy()]
joined["distance_m"] = shapely.line_locate_point(line, joined.geometry.values)
joined.drop(columns="index_right").to_file(out, driver="GPKG", engine="pyogrio")
"""

PHASES = r"""
import json, resource, sys, time
def clock():  # wall time, and the peak RSS so far (GB)
    return time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9
marks = [("import", clock())]  # each mark starts the phase it names
from parakou_geo._memory import tune_allocators
tune_allocators()  # as the console command does
from parakou_geo.pipeline import address_files
marks.append(("read", clock()))
roads, buildings, out, csv = sys.argv[1:5]
# as the CLI runs it: the footprints are written on a thread from the end of "check" (in the
# phases after it), the rest of the file and the CSV in the last phase
names = {"register": "register (assembly)", "write": "write GeoPackage + CSV"}

def step(name):
    marks.append((names.get(name, name), clock()))

result = address_files(roads, buildings, progress=step, output=out, csv_path=csv,
                       overwrite=True)
marks.append(("end", clock()))
phases = {}
for (name, (t, _)), (_, (t_next, peak)) in zip(marks[:-1], marks[1:]):
    seconds, _ = phases.get(name, (0.0, 0.0))
    phases[name] = (seconds + t_next - t, peak)  # peak RSS at the end of the phase
print(json.dumps(phases))
"""


@dataclass
class Run:
    """One child process: wall time (s), peak RSS (GB) and exit status."""

    seconds: float
    peak_gb: float
    status: int


def load() -> str:
    """Return the load averages (1, 5, 15 min) and the number of cores."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def make_city(n_buildings: int, n_segments: int, seed: int, folder: Path) -> tuple[Path, Path]:
    """Write the synthetic roads and building footprints as GeoPackages; return both paths."""
    rng = np.random.default_rng(seed)
    roads = make_roads(n_segments, rng)
    doors = make_doors(roads, n_buildings, rng)
    xy = shapely.get_coordinates(np.asarray(doors.array))
    half = rng.uniform(3.0, 7.0, size=(n_buildings, 1))
    boxes = shapely.box(xy[:, 0:1] - half, xy[:, 1:2] - half, xy[:, 0:1] + half,
                        xy[:, 1:2] + half).ravel()
    buildings = gpd.GeoDataFrame(
        {"building": np.full(n_buildings, "yes", dtype=object)}, geometry=boxes, crs=roads.crs
    )
    rp, bp = folder / "roads.gpkg", folder / "buildings.gpkg"
    pyogrio.write_dataframe(roads, rp, layer="roads", use_arrow=True)
    pyogrio.write_dataframe(buildings, bp, layer="buildings", use_arrow=True)
    return rp, bp


#: Runs one child with stdout discarded and prints its wall time, peak RSS and exit status.
#: It is itself a tiny process: Linux records the RSS a process had when it forked and exec'd
#: as the child's starting peak, so children spawned by this (large) benchmark process would
#: all report at least its size.
LAUNCHER = r"""
import json, os, sys, time
argv, err = json.loads(sys.argv[1]), sys.argv[2]
with open(os.devnull, "wb") as devnull, open(err, "wb") as fh:
    actions = [(os.POSIX_SPAWN_DUP2, devnull.fileno(), 1), (os.POSIX_SPAWN_DUP2, fh.fileno(), 2)]
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, dict(os.environ), file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - t0
print(json.dumps([seconds, usage.ru_maxrss * 1024 / 1e9, os.waitstatus_to_exitcode(status)]))
"""


def run_child(argv: list[str], err_path: Path) -> Run:
    """Run ``argv`` with stdout discarded; wall time and the peak RSS of that child alone."""
    out = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, json.dumps(argv), str(err_path)],
                         capture_output=True, text=True, check=True)
    seconds, peak_gb, status = json.loads(out.stdout)
    return Run(seconds, peak_gb, status)


def bench_size(n_buildings: int, n_segments: int, args: argparse.Namespace) -> dict[str, object]:
    """Time the CLI and the naive script on one city, interleaved; print and return figures."""
    with tempfile.TemporaryDirectory(prefix="bench_e2e_") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        rp, bp = make_city(n_buildings, n_segments, args.seed, folder)
        print(f"\n== {n_buildings:,} buildings x {n_segments:,} segments "
              f"(data written in {time.perf_counter() - t:.1f} s; "
              f"{bp.stat().st_size / 1e6:.0f} MB of buildings)")
        print(f"   before: {load()}")
        naive_py = folder / "naive.py"
        naive_py.write_text(NAIVE)
        cli = [sys.executable, "-m", "parakou_geo.cli", "-q", "address", "--roads", str(rp),
               "--buildings", str(bp), "-o", str(folder / "register.gpkg"),
               "--csv", str(folder / "addresses.csv"), "--overwrite"]
        naive = [sys.executable, str(naive_py), str(rp), str(bp), str(folder / "naive.gpkg")]
        runs: dict[str, list[Run]] = {"cli": [], "naive": []}
        for r in range(args.rounds):
            order = ("cli", "naive") if r % 2 == 0 else ("naive", "cli")
            for name in order:
                argv = cli if name == "cli" else naive
                run = run_child(argv, folder / f"{name}.err")
                if run.status != 0:
                    raise SystemExit(f"{name} failed ({run.status}):\n"
                                     + (folder / f"{name}.err").read_text()[-3000:])
                runs[name].append(run)
                print(f"   round {r + 1} {name:5s} {run.seconds:7.2f} s  "
                      f"peak RSS {run.peak_gb:.2f} GB")
        n_cli = pyogrio.read_info(folder / "register.gpkg", layer="addresses")["features"]
        n_naive = pyogrio.read_info(folder / "naive.gpkg")["features"]
        print(f"   after:  {load()}")
        print(f"   addresses written: CLI {n_cli:,}, naive script {n_naive:,}")
        phases: dict[str, tuple[float, float]] = {}
        if not args.skip_phases:
            relay = "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)"
            out = subprocess.run(  # through a tiny process, for its RSS (see LAUNCHER)
                [sys.executable, "-S", "-c", relay, sys.executable, "-c", PHASES, str(rp),
                 str(bp), str(folder / "p.gpkg"), str(folder / "p.csv")],
                capture_output=True, text=True, check=True)
            phases = json.loads(out.stdout.strip().splitlines()[-1])
    med = {k: statistics.median(x.seconds for x in v) for k, v in runs.items()}
    low = {k: min(x.seconds for x in v) for k, v in runs.items()}
    peak = {k: max(x.peak_gb for x in v) for k, v in runs.items()}
    ratio = med["cli"] / med["naive"]
    target = TARGETS.get(n_buildings)
    verdict = "" if target is None else (
        f"  target <= {target:g}: {'PASS' if ratio <= target else 'FAIL'}")
    print(f"   CLI   median {med['cli']:.2f} s, min {low['cli']:.2f} s, peak RSS "
          f"{peak['cli']:.2f} GB")
    print(f"   naive median {med['naive']:.2f} s, min {low['naive']:.2f} s, peak RSS "
          f"{peak['naive']:.2f} GB")
    print(f"   ratio CLI / naive: median {ratio:.2f}, min {low['cli'] / low['naive']:.2f}"
          f"{verdict}")
    if n_buildings >= 1_000_000:
        ok = peak["cli"] <= TARGET_PEAK_GB_1M
        print(f"   CLI peak RSS {peak['cli']:.2f} GB, target <= {TARGET_PEAK_GB_1M} GB: "
              f"{'PASS' if ok else 'FAIL'}")
    if phases:
        total = sum(sec for sec, _ in phases.values())
        print(f"   phases of one instrumented run ({total:.2f} s in all; peak RSS so far at "
              "the end of each phase):")
        for name, (sec, peak_gb) in phases.items():
            print(f"     {name:22s} {sec:7.2f} s  {100 * sec / total:5.1f} %   "
                  f"{peak_gb:5.2f} GB")
    return {"buildings": n_buildings, "segments": n_segments, "median": med, "min": low,
            "peak_gb": peak, "ratio": ratio, "phases": phases}


def parse_size(text: str) -> tuple[int, int]:
    """``"100000x5000"`` → ``(100000, 5000)``."""
    b, s = text.lower().split("x")
    return int(b), int(s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=parse_size,
                        default=[(10_000, 200), (100_000, 5_000)],
                        help="buildings x segments, e.g. 10000x200 100000x5000")
    parser.add_argument("--full", action="store_true", help="also 1,000,000 x 20,000")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per size (>= 3)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-phases", action="store_true", help="no phase breakdown")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if args.rounds < 3:
        parser.error("--rounds must be at least 3")
    sizes = list(args.sizes) + ([(1_000_000, 20_000)] if args.full else [])
    print(f"parakou-geo address vs a naive geopandas script; {args.rounds} interleaved rounds; "
          f"python {sys.version.split()[0]}, geopandas {gpd.__version__}, "
          f"shapely {shapely.__version__}")
    results = [bench_size(b, s, args) for b, s in sizes]
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
