"""Read a register file: the one reader of its layers (:func:`read_register`).

Exports, maps, the geocoder, the history diff and the CLI read whole layers of a register
through :func:`read_register`, which checks the file once (it exists, is a GeoPackage, has the
``addresses`` and ``streets`` layers), undoes a change a killed program left unfinished, and
reads only the layers and columns asked for. Changes to a register read inside their own
transaction instead (:func:`parakou_geo.register._storage.read_features`), so that what they
read and what they write are the same state.

:func:`write_register` (in :mod:`parakou_geo.register`) is the one writer of a new register.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from parakou_geo._errors import InputError
from parakou_geo.register import Register
from parakou_geo.register._transaction import recover_interrupted
from parakou_geo.register.meta import read_stored_meta

__all__ = ["BASE_LAYERS", "OPTIONAL_LAYERS", "read_register", "register_layers"]

#: Layers read by default: a register always has the first two.
BASE_LAYERS: tuple[str, ...] = ("addresses", "streets", "unaddressed", "run_info")
#: Layers a register may have, read only when asked for (None in the Register when absent).
OPTIONAL_LAYERS: tuple[str, ...] = ("segments", "buildings", "zones", "quartiers")


def register_layers(path: str | os.PathLike[str]) -> set[str]:
    """Return the layer names of a register file, checking it is one.

    Raises
    ------
    InputError
        When the file is missing, cannot be read as a GeoPackage, or lacks the ``addresses``
        or ``streets`` layer.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(
            f"register file {p} does not exist; build one with `parakou-geo address` "
            "(or `parakou-geo demo`)"
        )
    recover_interrupted(p)
    try:
        layers = {str(name) for name, _ in pyogrio.list_layers(p)}
    except (pyogrio.errors.DataSourceError, OSError) as exc:
        raise InputError(f"{p} cannot be read as a GeoPackage ({exc})") from exc
    missing = [name for name in ("addresses", "streets") if name not in layers]
    if missing:
        raise InputError(
            f"{p} is not a parakou_geo register: it has no layer {', '.join(missing)} "
            f"(layers: {', '.join(sorted(layers)) or 'none'}); give a register written by "
            "`parakou-geo address`"
        )
    return layers


def read_register(
    path: str | os.PathLike[str],
    *,
    layers: Iterable[str] = BASE_LAYERS,
    columns: Mapping[str, Sequence[str]] | None = None,
    geometry: bool = True,
    fast: bool = False,
) -> Register:
    """Read a register file's layers into a :class:`~parakou_geo.register.Register`.

    Parameters
    ----------
    path : str or os.PathLike
        A register GeoPackage written by ``parakou-geo address`` (metric CRS, EPSG:32631 by
        default).
    layers : iterable of str
        The layers to read, among :data:`BASE_LAYERS` and :data:`OPTIONAL_LAYERS`. Base layers
        not read (or absent from the file) are empty; optional ones are None.
    columns : mapping of str to sequence of str, optional
        For some layers, only these columns (those the layer has; others are not read).
    geometry : bool
        Read the geometries (otherwise the frames have no geometry column).
    fast : bool
        Read through Arrow, and make address points from their ``x``/``y`` columns instead
        of decoding them (several times faster; used where only the position matters).

    Returns
    -------
    Register
        The layers asked for, and the register's stored settings (``meta``).

    Raises
    ------
    InputError
        When the file is missing, is not a GeoPackage, or is not a register (no ``addresses``
        or ``streets`` layer).

    Examples
    --------
    >>> from parakou_geo.register.read import read_register
    >>> reg = read_register("register.gpkg", layers=("addresses",),
    ...                     columns={"addresses": ("label",)})  # doctest: +SKIP
    """
    wanted = tuple(dict.fromkeys(layers))
    unknown = [name for name in wanted if name not in BASE_LAYERS + OPTIONAL_LAYERS]
    if unknown:
        raise ValueError(f"layers: unknown register layer(s) {', '.join(unknown)}; use some "
                         f"of {', '.join(BASE_LAYERS + OPTIONAL_LAYERS)}")
    p = Path(path)
    present = register_layers(p)
    frames: dict[str, gpd.GeoDataFrame | None] = {}
    for name in wanted:
        if name in present:
            frames[name] = _read_layer(p, name, (columns or {}).get(name), geometry=geometry,
                                       fast=fast)
    first = frames.get("addresses")
    crs = first.crs if first is not None and geometry else None
    run_info = frames.get("run_info")
    return Register(
        addresses=_or_empty(frames.get("addresses"), crs),
        streets=_or_empty(frames.get("streets"), crs),
        unaddressed=_or_empty(frames.get("unaddressed"), crs),
        run_info=(pd.DataFrame(run_info) if run_info is not None
                  else pd.DataFrame({"key": [], "value": []})),
        segments=frames.get("segments"),
        buildings=frames.get("buildings"),
        zones=frames.get("zones"),
        quartiers=frames.get("quartiers"),
        meta=read_stored_meta(p),
    )


def _or_empty(frame: gpd.GeoDataFrame | None, crs: object) -> gpd.GeoDataFrame:
    return frame if frame is not None else gpd.GeoDataFrame(geometry=[], crs=crs)


def _read_layer(
    path: Path, layer: str, wanted: Sequence[str] | None, *, geometry: bool, fast: bool
) -> gpd.GeoDataFrame:
    """Read one layer (only the ``wanted`` columns it has, when given)."""
    info = pyogrio.read_info(path, layer=layer)
    fields = {str(f) for f in info["fields"]}
    columns = None if wanted is None else [c for c in wanted if c in fields]
    has_geometry = info.get("geometry_type") is not None
    if fast and geometry and str(info.get("geometry_type", "")).startswith("Point") \
            and {"x", "y"} <= fields:
        extra = [c for c in ("x", "y") if columns is not None and c not in columns]
        frame = pyogrio.read_dataframe(
            path, layer=layer, columns=None if columns is None else [*columns, *extra],
            use_arrow=True, read_geometry=False)
        x = pd.to_numeric(frame["x"], errors="coerce").to_numpy(dtype=float)
        y = pd.to_numeric(frame["y"], errors="coerce").to_numpy(dtype=float)
        if np.isfinite(x).all() and np.isfinite(y).all():
            frame = frame.drop(columns=extra)
            return gpd.GeoDataFrame(frame, geometry=shapely.points(x, y), crs=info["crs"])
    frame = pyogrio.read_dataframe(path, layer=layer, columns=columns, use_arrow=fast,
                                   read_geometry=geometry and has_geometry)
    if isinstance(frame, gpd.GeoDataFrame):
        return frame
    return gpd.GeoDataFrame(frame)
