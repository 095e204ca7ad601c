"""Street assignment measured against real addresses (``../shared/data/truth``).

Runs the normal ``address`` pipeline with default settings (``crs="auto"``) on every place and
prints, per place and in one table: street agreement, side agreement, the trivial baseline
(nearest named road that is not a footway/cycleway/path/steps) computed in the same run, the
same measures with names removed except on trunk/primary/secondary/tertiary roads (a door is
right when its street contains a road carrying its real street's name), unaddressed buildings,
streets and streets carrying at least one address. ``--assignment nearest`` measures the
behaviour before access-aware assignment.

Usage::

    .venv/bin/python benchmarks/bench_truth.py [--truth ../shared/data/truth] [--assignment access]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

from parakou_geo.cli.evaluate import evaluate_file, format_table
from parakou_geo.settings import AddressingSettings

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--truth", type=Path, default=ROOT.parent / "shared" / "data" / "truth")
    ap.add_argument("--assignment", choices=["access", "nearest"], default="access")
    args = ap.parse_args()
    places = sorted(args.truth.glob("*.gpkg"))
    if not places:
        print(f"no truth files in {args.truth}", file=sys.stderr)
        return 2
    settings = AddressingSettings(crs="auto", assignment=args.assignment)
    reports = []
    for path in places:
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reports.append(evaluate_file(str(path), settings=settings))
        print(f"{path.stem}: {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    print(format_table(reports))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
