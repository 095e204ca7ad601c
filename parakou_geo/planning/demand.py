"""Demand for planning: buildings or register addresses, and where their population comes from.

Planning counts people. A buildings layer may carry a population column; the address
register does not, but its addresses keep the ``building_id`` of the building they number, so
the population of the buildings layer can be joined onto them. Only addresses in use
(``proposed`` or ``current``) stand for a building: retired and rejected ones are left out.
Every function says in plain words which population it used.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from parakou_geo._errors import InputError
from parakou_geo.planning.settings import PlanningSettings

__all__ = ["ACTIVE_STATUSES", "Demand", "planning_demand"]

#: Register statuses of addresses that stand for a building today.
ACTIVE_STATUSES: tuple[str, ...] = ("proposed", "current")


@dataclass(frozen=True)
class Demand:
    """Buildings (or addresses) to plan for, and how their population was found.

    Attributes
    ----------
    buildings : geopandas.GeoDataFrame
        The demand, with the population column when one was found or joined.
    population_note : str
        Which population is used (a column, a join, or the default persons per building).
    n_left_out : int
        Register addresses left out for their status (retired, rejected).
    """

    buildings: gpd.GeoDataFrame
    population_note: str
    n_left_out: int


def planning_demand(
    buildings: gpd.GeoDataFrame,
    *,
    population: pd.DataFrame | None = None,
    population_source: str = "the population layer",
    settings: PlanningSettings | None = None,
) -> Demand:
    """Return the demand to plan for and say which population it carries.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Buildings, or the register's ``addresses`` layer (recognised by its ``status``
        column), projected CRS in metres (EPSG:32631).
    population : pandas.DataFrame, optional
        A table (e.g. the buildings layer) with ``building_id`` and the population column
        (``settings.population_column``), joined onto ``buildings`` by ``building_id`` when
        ``buildings`` has no population column.
    population_source : str
        How to name ``population`` in the note (e.g. its file name).
    settings : PlanningSettings, optional
        Population column and persons per building.

    Returns
    -------
    Demand
        Addresses in use only (``proposed``, ``current``), with the population and a note.

    Raises
    ------
    InputError
        When ``population`` lacks ``building_id`` or the population column, or ``buildings``
        lacks ``building_id`` for the join.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> a = gpd.GeoDataFrame({"building_id": ["B1", "B2", "B3"],
    ...                       "status": ["current", "retired", "proposed"]},
    ...                      geometry=[shapely.Point(0, 0)] * 3, crs="EPSG:32631")
    >>> d = planning_demand(a, population=pd.DataFrame({"building_id": ["B1", "B3"],
    ...                                                 "pop": [4, 7]}))
    >>> d.buildings["pop"].tolist(), d.n_left_out
    ([4.0, 7.0], 1)
    """
    s = settings or PlanningSettings()
    col = s.population_column
    out = buildings
    n_left_out = 0
    if "status" in out.columns:
        keep = out["status"].astype(str).isin(ACTIVE_STATUSES).to_numpy()
        n_left_out = int((~keep).sum())
        out = out.loc[keep]
    out = out.copy()
    default = f"{s.persons_per_building:g} persons per building"
    if col in out.columns:
        n_missing = int(pd.to_numeric(out[col], errors="coerce").isna().sum())
        note = f"population: column {col!r}" + (
            f" ({n_missing} without a value take {default})" if n_missing else "")
        return Demand(out, note, n_left_out)
    if population is None:
        note = (f"population: no {col!r} column, so {default} (a project default, not a "
                f"count); give a layer with building_id and {col!r} to use real figures")
        return Demand(out, note, n_left_out)
    problems = [f"{population_source} has no {c!r} column" for c in ("building_id", col)
                if c not in population.columns]
    if "building_id" not in out.columns:
        problems.append("the buildings have no 'building_id' column to join the population on")
    if problems:
        raise InputError(problems)
    per_building = (pd.DataFrame({"building_id": population["building_id"].astype(str),
                                  col: pd.to_numeric(population[col], errors="coerce")})
                    .dropna(subset=[col]).drop_duplicates("building_id")
                    .set_index("building_id")[col])
    out[col] = out["building_id"].astype(str).map(per_building).astype(float)
    n_matched = int(out[col].notna().sum())
    note = (f"population: column {col!r} of {population_source} joined by building_id "
            f"({n_matched} of {len(out)} matched")
    note += f"; the others take {default})" if n_matched < len(out) else ")"
    return Demand(out, note, n_left_out)
