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
import math
import sys
import time
import warnings
from pathlib import Path

from parakou_geo.cli.evaluate import evaluate_file
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
    head = ("| place | street | baseline | side | baseline side | street, names stripped | "
            "side, names stripped | unaddressed | streets | streets with addresses | s |")
    print(head)
    print("|---" * 11 + "|")
    sums: dict[str, list[float]] = {"street": [], "base": [], "strip": []}
    for path in places:
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = evaluate_file(str(path), settings=settings)
        assert r.stripped is not None
        print(f"| {r.place} | {r.agreement.street:.3f} | {r.baseline.street:.3f} | "
              f"{r.agreement.side:.3f} | {r.baseline.side:.3f} | {r.stripped.street:.3f} | "
              f"{r.stripped.side:.3f} | {r.n_unaddressed} | {r.n_streets} | "
              f"{r.n_streets_addressed} | {time.perf_counter() - t0:.1f} |", flush=True)
        sums["street"].append(r.agreement.street)
        sums["base"].append(r.baseline.street)
        sums["strip"].append(r.stripped.street)

    def mean(xs: list[float]) -> float:
        return math.fsum(xs) / len(xs)

    print(f"\nmean street agreement {mean(sums['street']):.3f} (min {min(sums['street']):.3f}); "
          f"trivial baseline {mean(sums['base']):.3f}; names stripped {mean(sums['strip']):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
