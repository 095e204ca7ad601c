"""``parakou-geo evaluate``: measure street assignment against real addresses.

Builds a register from a truth file's roads and buildings with the normal ``address`` pipeline
and compares each building's street and side with the address people really use (a field
survey, or OpenStreetMap buildings carrying ``addr:street``), beside the trivial baseline.
"""

from __future__ import annotations

import argparse
import math
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from parakou_geo.cli.address import settings_from_args

if TYPE_CHECKING:  # the measures load geopandas: only when the command runs
    from parakou_geo.evaluate import PlaceReport
    from parakou_geo.settings import AddressingSettings

__all__ = ["add_parsers", "evaluate_file", "format_table"]


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``evaluate``."""
    ev = sub.add_parser(
        "evaluate", help="measure street assignment against real addresses (truth files)",
        description="Address each truth GeoPackage (layers 'roads': road_id, name, highway; "
                    "'buildings': building_id, truth_street, truth_number) with the normal "
                    "pipeline and print how many buildings got their real street and side, "
                    "beside the nearest named road (trivial baseline).",
    )
    ev.add_argument("truth", nargs="+", type=Path, help="truth GeoPackage(s)")
    ev.add_argument("--no-strip", action="store_true",
                    help="skip the second run with names kept only on main roads")
    ev.add_argument("--settings", type=Path, help="TOML settings file ([addressing] table)")
    ev.add_argument("--assignment", choices=["access", "nearest"],
                    help="how a door's street is chosen (default access)")
    ev.add_argument("--metric-crs", metavar="CRS", default="auto",
                    help="CRS of the work (default auto: the UTM zone of the data)")
    ev.set_defaults(func=_run)


def evaluate_file(
    path: str | Path, *, settings: AddressingSettings | None = None, strip: bool = True,
) -> PlaceReport:
    """Address a truth file with the normal pipeline and measure it.

    Parameters
    ----------
    path : str or pathlib.Path
        A truth GeoPackage (see :func:`parakou_geo.evaluate.read_truth`).
    settings : AddressingSettings, optional
        Defaults with ``crs="auto"`` when omitted.
    strip : bool
        Also run with names removed except on trunk/primary/secondary/tertiary roads.

    Returns
    -------
    PlaceReport
    """
    from parakou_geo.evaluate import measure_place, read_truth, strip_names
    from parakou_geo.pipeline import address
    from parakou_geo.settings import AddressingSettings

    s = settings if settings is not None else AddressingSettings(crs="auto")
    roads, buildings = read_truth(path)
    doors = buildings[["building_id", "geometry"]]
    result = address(roads, doors, settings=s)
    stripped = address(strip_names(roads), doors, settings=s).register if strip else None
    return measure_place(Path(path).stem, roads, buildings, result.register,
                         metric_crs=result.metric_crs, stripped_register=stripped)


def format_table(reports: list[PlaceReport]) -> str:
    """Return the reports as a Markdown table with the means under it."""
    lines = ["| place | street | baseline | side | baseline side | street, names stripped | "
             "side, names stripped | unaddressed | streets | streets with addresses |",
             "|---" * 10 + "|"]

    def f(x: float | None) -> str:
        return "-" if x is None or math.isnan(x) else f"{x:.3f}"

    for r in reports:
        st = r.stripped
        lines.append(f"| {r.place} | {f(r.agreement.street)} | {f(r.baseline.street)} | "
                     f"{f(r.agreement.side)} | {f(r.baseline.side)} | "
                     f"{f(st.street if st else None)} | {f(st.side if st else None)} | "
                     f"{r.n_unaddressed} | {r.n_streets} | {r.n_streets_addressed} |")

    def mean(xs: list[float]) -> float:
        xs = [x for x in xs if not math.isnan(x)]
        return math.fsum(xs) / len(xs) if xs else math.nan

    strip = [r.stripped.street for r in reports if r.stripped is not None]
    lines.append("")
    lines.append(f"mean street agreement {f(mean([r.agreement.street for r in reports]))}; "
                 f"trivial baseline {f(mean([r.baseline.street for r in reports]))}"
                 + (f"; names stripped {f(mean(strip))}" if strip else ""))
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    reports = []
    for path in args.truth:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reports.append(evaluate_file(path, settings=settings, strip=not args.no_strip))
    print(format_table(reports))
    return 0
