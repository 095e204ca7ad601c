"""Private: read a register (file or object), check it, and select addresses by filters."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol, TypeAlias

import geopandas as gpd
import pandas as pd

from parakou_geo._crs import require_metric
from parakou_geo._errors import InputError
from parakou_geo.register import Register
from parakou_geo.register.read import read_register

__all__ = ["STATUSES", "HoldsRegister", "RegisterSource", "load_register", "read_footprints",
           "result_register", "select_addresses", "text"]

#: Lifecycle statuses of an address.
STATUSES: tuple[str, ...] = ("proposed", "current", "retired", "rejected")


class HoldsRegister(Protocol):
    """Anything holding a register as ``.register`` (e.g. an ``AddressingResult``).

    A protocol, so that readers of a register need not import the pipeline.
    """

    @property
    def register(self) -> Register: ...


RegisterSource: TypeAlias = "Register | HoldsRegister | str | os.PathLike[str]"


def result_register(source: object) -> Register | None:
    """Return the register of an ``AddressingResult`` (anything with a Register ``.register``)."""
    held = getattr(source, "register", None)
    return held if isinstance(held, Register) else None

_ADDRESS_NEEDS = ("label", "street_code", "street_name", "number", "suffix", "zone",
                  "quartier", "building_id", "status")
_STREET_NEEDS = ("street_code", "street_name", "zone", "length_m")


def load_register(source: RegisterSource) -> Register:
    """Return the register held by ``source`` (a GeoPackage path, Register or result).

    Raises
    ------
    InputError
        When the file is missing, is not a register, or lacks required columns.
    """
    held = result_register(source)
    if held is not None:
        register = held
    elif isinstance(source, Register):
        register = source
    elif isinstance(source, str | os.PathLike):
        register = read_register(source)
    else:
        raise InputError(
            f"register: expected a register .gpkg path, a Register or an AddressingResult, "
            f"got {type(source).__name__}"
        )
    _check(register)
    return register


def read_footprints(source: RegisterSource) -> gpd.GeoDataFrame | None:
    """Return the register's building footprints (its ``buildings`` layer), or None.

    Only a register file is read here (a Register object carries them already); a register
    without the layer gives None.
    """
    held = result_register(source)
    if held is not None:
        return held.buildings
    if isinstance(source, Register):
        return source.buildings
    if not isinstance(source, str | os.PathLike):
        return None
    path = Path(source)
    try:
        return read_register(path, layers=("buildings",)).buildings
    except InputError:
        return None


def _check(register: Register) -> None:
    problems = [f"addresses layer lacks column {c!r}" for c in _ADDRESS_NEEDS
                if c not in register.addresses.columns]
    problems += [f"streets layer lacks column {c!r}" for c in _STREET_NEEDS
                 if c not in register.streets.columns]
    if problems:
        raise InputError([*problems, "rebuild the register with the current parakou_geo"],
                         source="register")
    require_metric(register.addresses, "register.addresses")
    require_metric(register.streets, "register.streets")


def text(series: pd.Series) -> pd.Series:
    """Return ``series`` as text with missing values as empty strings (ids keep '007')."""
    out = series.astype(object).where(series.notna(), "")
    return out.map(str).astype(object)


def select_addresses(
    register: Register,
    *,
    zones: Iterable[str | int] | None = None,
    quartiers: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
    zone_column: str = "zone",
) -> gpd.GeoDataFrame:
    """Return a copy of the register's addresses kept by the filters (all when ``None``).

    ``zones`` are looked up in ``zone_column`` (``"building_zone"``: where the building stands).

    Raises
    ------
    InputError
        Listing every filter value that matches nothing, with the values that exist.
    """
    addr = register.addresses
    keep = pd.Series(True, index=addr.index)
    problems: list[str] = []
    zone_text, quartier_text = text(addr[zone_column]), text(addr["quartier"])
    for given, values, what, has in (
        (zones, zone_text, "zone(s)", "zones "), (quartiers, quartier_text, "quartier(s)", ""),
    ):
        if given is None:
            continue
        wanted = [str(v) for v in given]
        present = set(values)
        bad = [v for v in wanted if v not in present]
        if bad:
            problems.append(f"{what} {', '.join(bad)} not in the register; it has {has}"
                            f"{', '.join(sorted(v for v in present if v))}")
        keep &= values.isin(wanted)
    if statuses is not None:
        wanted_s = [str(s) for s in statuses]
        bad = [s for s in wanted_s if s not in STATUSES]
        if bad:
            problems.append(f"status(es) {', '.join(bad)} unknown; use {', '.join(STATUSES)}")
        keep &= text(addr["status"]).isin(wanted_s)
    if problems:
        raise InputError(problems, source="filters")
    return addr.loc[keep.to_numpy()].copy()
