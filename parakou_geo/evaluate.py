"""Measure a register against addresses people really use.

A register can hold every internal rule (parity = side, increasing numbers, unique labels) while
doors sit on the wrong street. These functions compare it with known addresses — a field survey,
or buildings whose real address is mapped — so that street grouping and door assignment are
judged on the real world:

- **street agreement**: the share of buildings (whose real street is in the road data) that got a
  street carrying their real street's name (case and accents ignored);
- **side agreement**: over pairs of buildings given the same (right) street, the share whose
  "same side" in the register agrees with "same parity" of their real numbers;
- the **trivial baseline** to beat: the nearest road that has a name and is not a footway,
  cycleway, path or steps, measured from each building's representative point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parakou_geo.streets import name_key

if TYPE_CHECKING:
    from parakou_geo.register import Register

__all__ = [
    "Agreement",
    "PlaceReport",
    "agreement",
    "baseline_assignment",
    "measure_place",
    "read_truth",
    "real_number",
    "register_assignment",
    "side_agreement",
    "street_agreement",
    "strip_names",
]

#: Road classes the trivial baseline never assigns a door to.
BASELINE_EXCLUDED: tuple[str, ...] = ("footway", "cycleway", "path", "steps")

_NUMBER = re.compile(r"^\s*(\d+)(?:-(\d+))?")


@dataclass(frozen=True)
class Agreement:
    """Agreement of one assignment with the real addresses.

    Attributes
    ----------
    street : float
        Street agreement (NaN when no building has its real street in the data).
    side : float
        Side agreement (NaN when no pair of buildings can be compared).
    n_buildings : int
        Buildings whose real street is in the data (the street measure's denominator).
    n_pairs : int
        Pairs of buildings compared for the side measure.
    """

    street: float
    side: float
    n_buildings: int
    n_pairs: int


def real_number(text: object) -> int | None:
    """Return the house number whose parity tells the side, or None when it cannot be told.

    Several numbers joined with ``;`` count when they all have the same parity (the first is
    returned); Queens-style ``197-02`` numbers use the part after the hyphen.

    Examples
    --------
    >>> real_number("17 с1"), real_number("197-02"), real_number("12;14"), real_number("3;4")
    (17, 2, 12, None)
    """
    if not isinstance(text, str):
        return None
    found: list[int] = []
    for part in text.split(";"):
        m = _NUMBER.match(part)
        if m is None:
            return None
        found.append(int(m.group(2) or m.group(1)))
    if not found or len({n % 2 for n in found}) != 1:
        return None
    return found[0]


def register_assignment(
    addresses: pd.DataFrame, streets: pd.DataFrame, road_names: pd.Series
) -> pd.DataFrame:
    """Return each addressed building's street, side and the names its street carries.

    Parameters
    ----------
    addresses : pandas.DataFrame
        The register's ``addresses`` (``building_id``, ``street_code``, ``side``,
        ``street_name``).
    streets : pandas.DataFrame
        The register's ``streets`` (``street_code``, ``road_ids``).
    road_names : pandas.Series
        Road name by road id, from the full road data (for registers built on roads whose
        names were removed).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``building_id``: ``street`` (the street code), ``side``, ``name_key`` (the
        street's own name key, None when unnamed) and ``road_name_keys`` (a frozenset of the
        name keys of the roads the street is made of, in the full data).
    """
    keys_by_road = road_names.map(name_key)
    road_keys = {
        code: frozenset(k for r in str(ids).split(";")
                        if isinstance(k := keys_by_road.get(r), str))
        for code, ids in zip(streets["street_code"], streets["road_ids"], strict=True)
    }
    out = pd.DataFrame(
        {
            "street": addresses["street_code"].to_numpy(dtype=object),
            "side": addresses["side"].to_numpy(dtype=object),
            "name_key": [name_key(n) for n in addresses["street_name"]],
            "road_name_keys": [road_keys.get(c, frozenset()) for c in addresses["street_code"]],
        },
        index=pd.Index(addresses["building_id"].astype(str), name="building_id"),
    )
    return out[~out.index.duplicated()]


def baseline_assignment(
    roads: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame, *, max_distance_m: float = 100.0
) -> pd.DataFrame:
    """Put each building on the nearest named road that is not a footway (trivial baseline).

    Parameters
    ----------
    roads : geopandas.GeoDataFrame
        Roads in a metric CRS with ``road_id``, ``name`` and ``highway``.
    buildings : geopandas.GeoDataFrame
        Buildings in the same CRS with ``building_id``.
    max_distance_m : float
        Search radius (metres) from each building's representative point.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``building_id``, like :func:`register_assignment`: ``street`` (the road id),
        ``side`` (left or right of the road as drawn), ``name_key``, ``road_name_keys``.
    """
    keep = roads["name"].notna().to_numpy() & ~roads["highway"].isin(BASELINE_EXCLUDED).to_numpy()
    lines = np.asarray(roads.geometry.array)[keep]
    ids = roads["road_id"].to_numpy(dtype=object)[keep]
    names = roads["name"].to_numpy(dtype=object)[keep]
    pts = shapely.point_on_surface(np.asarray(buildings.geometry.array))
    (pi, ri) = shapely.STRtree(lines).query_nearest(pts, max_distance=max_distance_m,
                                                   all_matches=False)
    along = shapely.line_locate_point(lines[ri], pts[pi])
    ahead = shapely.line_interpolate_point(lines[ri], along + 0.5)
    behind = shapely.line_interpolate_point(lines[ri], np.maximum(along - 0.5, 0.0))
    a, b = shapely.get_coordinates(behind), shapely.get_coordinates(ahead)
    p = shapely.get_coordinates(pts[pi])
    cross = (b[:, 0] - a[:, 0]) * (p[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (p[:, 0] - a[:, 0])
    keys = [name_key(n) for n in names[ri]]
    return pd.DataFrame(
        {
            "street": ids[ri],
            "side": np.where(cross > 0, "left", "right"),
            "name_key": keys,
            "road_name_keys": [frozenset([k]) for k in keys],
        },
        index=pd.Index(buildings["building_id"].astype(str).to_numpy()[pi], name="building_id"),
    )


def _truth(truth: pd.DataFrame, road_names: pd.Series) -> pd.DataFrame:
    """Return the buildings whose real street is among the road names, with key and number."""
    known = {k for k in road_names.map(name_key) if isinstance(k, str)}
    t = pd.DataFrame(
        {
            "truth_key": [name_key(s) for s in truth["truth_street"]],
            "truth_number": [real_number(n) for n in truth["truth_number"]],
        },
        index=pd.Index(truth["building_id"].astype(str), name="building_id"),
    )
    return t[t["truth_key"].isin(known)]


def street_agreement(
    assignment: pd.DataFrame, truth: pd.DataFrame, road_names: pd.Series, *,
    by_roads: bool = False,
) -> tuple[pd.Series, int]:
    """Return, per building with a real street in the data, whether its street is right.

    Parameters
    ----------
    assignment : pandas.DataFrame
        From :func:`register_assignment` or :func:`baseline_assignment`.
    truth : pandas.DataFrame
        ``building_id``, ``truth_street``, ``truth_number``.
    road_names : pandas.Series
        Road name by road id (full data).
    by_roads : bool
        Right when any road of the street carries the real name (``road_name_keys``), for
        registers built with names removed; else the street's own name must be the real one.

    Returns
    -------
    right : pandas.Series of bool
        Indexed by building id (unaddressed buildings count as wrong).
    n : int
        The denominator: buildings whose real street is in the data.
    """
    t = _truth(truth, road_names)
    a = assignment.reindex(t.index)
    if by_roads:
        right = [isinstance(ks, frozenset) and k in ks
                 for k, ks in zip(t["truth_key"], a["road_name_keys"], strict=True)]
    else:
        right = list((a["name_key"] == t["truth_key"]).fillna(False).to_numpy(dtype=bool))
    return pd.Series(right, index=t.index, dtype=bool), len(t)


def side_agreement(
    assignment: pd.DataFrame, truth: pd.DataFrame, right: pd.Series
) -> tuple[float, int]:
    """Return the side agreement and the number of pairs compared.

    Only buildings on their right street (``right``) with a usable real number are paired: two
    buildings on one assigned street agree when "same side" equals "same parity".
    """
    t = truth.assign(building_id=truth["building_id"].astype(str)).set_index("building_id")
    ok = right[right].index
    numbers = pd.Series([real_number(n) for n in t.loc[ok, "truth_number"]], index=ok)
    numbers = numbers.dropna()
    a = assignment.loc[numbers.index]
    frame = pd.DataFrame({"street": a["street"].to_numpy(), "left": a["side"].eq("left"),
                          "odd": numbers.astype(int).to_numpy() % 2 == 1})
    counts = frame.pivot_table(index="street", columns=["left", "odd"], aggfunc="size",
                               fill_value=0)
    def col(left: bool, odd: bool) -> np.ndarray:
        return counts[(left, odd)].to_numpy() if (left, odd) in counts.columns \
            else np.zeros(len(counts), dtype=np.int64)

    le, lo, re_, ro = col(True, False), col(True, True), col(False, False), col(False, True)
    n = le + lo + re_ + ro

    def c2(x: np.ndarray) -> np.ndarray:
        out: np.ndarray = x * (x - 1) // 2
        return out

    agree = c2(le) + c2(lo) + c2(re_) + c2(ro) + le * ro + lo * re_
    pairs = int(c2(n).sum())
    return (float(agree.sum()) / pairs if pairs else float("nan")), pairs


def agreement(
    assignment: pd.DataFrame, truth: pd.DataFrame, road_names: pd.Series, *,
    by_roads: bool = False,
) -> Agreement:
    """Street and side agreement of an assignment (see the module documentation)."""
    right, n = street_agreement(assignment, truth, road_names, by_roads=by_roads)
    side, pairs = side_agreement(assignment, truth, right)
    return Agreement(street=float(right.mean()) if n else float("nan"), side=side,
                     n_buildings=n, n_pairs=pairs)


#: Road classes that keep their names when names are stripped (Parakou-like data).
KEEP_NAMES_CLASSES: tuple[str, ...] = ("trunk", "primary", "secondary", "tertiary")


@dataclass(frozen=True)
class PlaceReport:
    """What :func:`evaluate_file` measured on one place."""

    place: str
    agreement: Agreement
    baseline: Agreement
    stripped: Agreement | None
    n_addresses: int
    n_unaddressed: int
    n_streets: int
    n_streets_addressed: int
    choice_counts: dict[str, int]


def read_truth(path: str | Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Read a truth GeoPackage: its ``roads`` and ``buildings`` layers, checked.

    Parameters
    ----------
    path : str or pathlib.Path
        A GeoPackage with a ``roads`` layer (``road_id``, ``name``, ``highway``; optional
        ``other_tags``) and a ``buildings`` layer (``building_id``, ``truth_street``,
        ``truth_number``), as in ``shared/data/truth`` or a field survey.

    Returns
    -------
    roads, buildings : geopandas.GeoDataFrame

    Raises
    ------
    InputError
        When a layer or a column is missing (the message names the file and the fix).
    """
    import pyogrio

    from parakou_geo._errors import InputError

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file; give the path of a truth GeoPackage")
    try:
        layers = {str(row[0]) for row in pyogrio.list_layers(path)}
    except Exception as exc:
        raise InputError(f"{path}: cannot be read as a GeoPackage ({exc})") from exc
    need = {"roads": ("road_id", "name", "highway"),
            "buildings": ("building_id", "truth_street", "truth_number")}
    out = []
    for layer, columns in need.items():
        if layer not in layers:
            raise InputError(f"{path}: no layer {layer!r} (layers: {', '.join(sorted(layers))}); "
                             f"a truth file needs a 'roads' and a 'buildings' layer")
        gdf = gpd.read_file(path, layer=layer)
        missing = [c for c in columns if c not in gdf.columns]
        if missing:
            raise InputError(f"{path}, layer {layer!r}: missing column(s) "
                             f"{', '.join(missing)}; add them (see docs of "
                             f"parakou-geo evaluate)")
        out.append(gdf)
    return out[0], out[1]


def strip_names(roads: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the roads with names kept only on trunk/primary/secondary/tertiary roads."""
    bare = roads.copy()
    bare.loc[~bare["highway"].isin(KEEP_NAMES_CLASSES), "name"] = None
    return bare


def measure_place(
    place: str,
    roads: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    register: Register,
    *,
    metric_crs: object,
    stripped_register: Register | None = None,
) -> PlaceReport:
    """Measure a register (and optionally one built with names stripped) against the truth.

    Parameters
    ----------
    place : str
        Name shown in reports.
    roads, buildings : geopandas.GeoDataFrame
        From :func:`read_truth`.
    register : Register
        The register built on ``roads`` and ``buildings``.
    metric_crs : pyproj.CRS or str
        The metric CRS the register was built in (the baseline is measured in it).
    stripped_register : Register, optional
        The register built on :func:`strip_names` roads; measured by the roads each street
        is made of.

    Returns
    -------
    PlaceReport
    """
    truth = pd.DataFrame(buildings[["building_id", "truth_street", "truth_number"]])
    road_names = pd.Series(roads["name"].to_numpy(dtype=object),
                           index=roads["road_id"].astype(str).to_numpy())
    mine = register_assignment(register.addresses, register.streets, road_names)
    base = baseline_assignment(roads.to_crs(metric_crs), buildings.to_crs(metric_crs))
    stripped = None
    if stripped_register is not None:
        stripped = agreement(register_assignment(stripped_register.addresses,
                                                 stripped_register.streets, road_names),
                             truth, road_names, by_roads=True)
    adr = register.addresses
    choice = adr["street_choice"] if "street_choice" in adr.columns \
        else pd.Series([], dtype=object)
    return PlaceReport(
        place=place,
        agreement=agreement(mine, truth, road_names),
        baseline=agreement(base, truth, road_names),
        stripped=stripped,
        n_addresses=len(adr),
        n_unaddressed=len(register.unaddressed),
        n_streets=len(register.streets),
        n_streets_addressed=int((register.streets["n_addresses"] > 0).sum()),
        choice_counts={str(k): int(v) for k, v in choice.value_counts().sort_index().items()},
    )
