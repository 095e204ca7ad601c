"""Private: write the layers and tables of a register into a new GeoPackage file.

The small layers are written by pyogrio; the two large ones (addresses, building footprints)
through Arrow a slice at a time (:mod:`._arrow_layer`), handed to GDAL outside the GIL where it
can be called directly (:mod:`._gdal_append`). Their spatial indexes are packed on a thread
meanwhile (:mod:`._rtree`), then written with the styles, the support tables and the attribute
indexes by this package's own SQLite connection, whose last commit makes the file durable.
:func:`parakou_geo.register.write_register` calls it on a temporary file.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyogrio

from parakou_geo._errors import OutputError
from parakou_geo._memory import release_free_memory

if TYPE_CHECKING:
    import geopandas as gpd

    from parakou_geo.register import Register

__all__ = ["write_footprints", "write_layers"]


#: GeoPackage 1.2: read without a warning by the GDAL of QGIS 3.22 (GDAL 3.6 warns that a 1.4
#: file "may only be partially supported").
_DATASET_OPTIONS = {"VERSION": "1.2"}

_FOOTPRINTS_OPTIONS = {"DESCRIPTION": "Building footprints of the addressed buildings",
                       "SPATIAL_INDEX": "NO"}


def write_footprints(buildings: gpd.GeoDataFrame, tmp: Path, *,
                     stop: threading.Event | None = None) -> None:
    """Write the footprints layer (``buildings``) and its spatial index into the new file ``tmp``.

    It creates the file. The footprints are known once the buildings are checked, so
    :class:`parakou_geo.register.NewRegisterFile` writes them on a thread while the streets are
    numbered; :func:`write_layers` then adds the rest (``footprints_written``). When ``stop`` is
    set, :class:`parakou_geo.register._arrow_layer.WriteStoppedError` is raised between two slices.
    """
    from parakou_geo.register._arrow_layer import write_layer
    from parakou_geo.register._gdal_append import messages_kept
    from parakou_geo.register._rtree import add_spatial_index, plan_spatial_index
    from parakou_geo.register._storage import connect
    from parakou_geo.register._transaction import unsynced_gdal_writes

    # not pyogrio's thread: its messages are kept from the console (pyogrio still raises)
    with messages_kept(), _failures_reported(tmp), unsynced_gdal_writes():
        write_layer(buildings, tmp, layer="buildings", geometry_type="Unknown",
                    promote_to_multi=True, layer_options=_FOOTPRINTS_OPTIONS,
                    dataset_options=_DATASET_OPTIONS, stop=stop)
        plan = plan_spatial_index(np.asarray(buildings.geometry.array))
        with contextlib.closing(connect(tmp, any_thread=True)) as con:
            # the file is made durable by the last commit of write_layers
            con.execute("PRAGMA synchronous = OFF")
            con.execute("BEGIN")
            add_spatial_index(con, "buildings", "geom", plan, "Unknown")
            con.execute("COMMIT")
    del plan
    # the index's nodes and GDAL's rows were made on this thread's heap, which the run's own
    # trims may not reach before its largest step (the register's rows)
    release_free_memory()


def write_layers(register: Register, tmp: Path, *,
                 before_large_layers: Callable[[], object] | None = None,
                 footprints_written: bool = False) -> None:
    """Write every layer and table of the register into the new file ``tmp``.

    ``before_large_layers`` is called when the small layers are written (the CSV starts then).
    With ``footprints_written``, ``tmp`` already holds the footprints layer and its index
    (:func:`write_footprints`), and the rest is added to it.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="register-ahead") as pool:
        _write_all(register, tmp, pool, before_large_layers, footprints_written)


def _write_all(register: Register, tmp: Path, pool: ThreadPoolExecutor,
               before_large_layers: Callable[[], object] | None,
               footprints_written: bool) -> None:
    """:func:`write_layers` with a thread for the work that can be done ahead of GDAL."""
    from parakou_geo._styles import write_styles
    from parakou_geo.register._arrow_layer import check_layer, write_layer
    from parakou_geo.register._rtree import IndexPlan, add_spatial_index, plan_spatial_index
    from parakou_geo.register._storage import connect, create_indexes
    from parakou_geo.register._transaction import (
        SCHEMA_VERSION,
        create_support_tables,
        unsynced_gdal_writes,
    )

    plans: dict[str, Future[IndexPlan]] = {}
    # the file is made durable by the last commit, below (GDAL's own commits would each
    # wait for the disk)
    with unsynced_gdal_writes(), _failures_reported(tmp):
        # the small layers first: GDAL reopens the file for each layer, and opening one
        # that already holds a million features takes longer
        pyogrio.write_dataframe(
            register.streets, tmp, layer="streets", driver="GPKG",
            promote_to_multi=True, dataset_options=_DATASET_OPTIONS,
            layer_options={"DESCRIPTION": "Coded streets, oriented from their origin"},
        )
        pyogrio.write_dataframe(
            register.unaddressed, tmp, layer="unaddressed", driver="GPKG",
            geometry_type="Point",
            layer_options={"DESCRIPTION": "Buildings without an address, with the reason"},
        )
        pyogrio.write_dataframe(
            register.run_info, tmp, layer="run_info", driver="GPKG",
            layer_options={"DESCRIPTION": "Settings, inputs, counts and version of the run"},
        )
        if register.segments is not None:
            pyogrio.write_dataframe(
                register.segments, tmp, layer="segments", driver="GPKG",
                layer_options={"DESCRIPTION": "Oriented street segments door numbers are "
                               "measured on"},
            )
        for name, frame in (("zones", register.zones), ("quartiers", register.quartiers)):
            if frame is not None:
                pyogrio.write_dataframe(frame, tmp, layer=name, driver="GPKG",
                                        promote_to_multi=True)
        if before_large_layers is not None:
            before_large_layers()
        # while GDAL writes the addresses (outside the GIL), the footprints are looked at
        # and both spatial indexes packed
        buildings = None if footprints_written else register.buildings
        footprints = pool.submit(check_layer, buildings, geometry_type="Unknown",
                                 promote_to_multi=True) if buildings is not None else None
        plans = {name: pool.submit(plan_spatial_index, np.asarray(frame.geometry.array))
                 for name, frame in (("addresses", register.addresses),
                                     ("buildings", buildings))
                 if frame is not None}
        # the two large layers through Arrow, a slice at a time, without GDAL's spatial
        # index: it is packed below (_rtree)
        write_layer(register.addresses, tmp, layer="addresses", geometry_type=None,
                    layer_options={"DESCRIPTION": "Addresses (one per building), parakou_geo "
                                   "register", "SPATIAL_INDEX": "NO"})
        if footprints is not None:
            write_layer(buildings, tmp, layer="buildings", geometry_type="Unknown",
                        promote_to_multi=True, checked=footprints.result(),
                        layer_options=_FOOTPRINTS_OPTIONS)
    meta = {"schema_version": str(SCHEMA_VERSION), **(register.meta or {})}
    # OSError and GDAL's errors too: the spatial index's template is written by GDAL
    with _failures_reported(tmp):
        create_support_tables(tmp, meta)
        with contextlib.closing(connect(tmp)) as con:
            con.execute("PRAGMA threads = 2")  # the indexes' sorts on two cores
            con.execute("BEGIN")
            add_spatial_index(con, "addresses", "geom", plans.pop("addresses").result(),
                              "Point")
            if "buildings" in plans:
                add_spatial_index(con, "buildings", "geom", plans.pop("buildings").result(),
                                  "Unknown")
            write_styles(con)
            create_indexes(con)  # for the register's own look-ups (updates, lifecycle)
            run_id = meta.get("run_id", "")
            con.execute(
                "INSERT INTO runs (run_id, time, operation, summary) VALUES (?, ?, 'address', "
                "?)", (run_id, meta.get("run_time_utc", ""),
                       f"{len(register.addresses)} addresses, {len(register.streets)} streets"),
            )
            con.execute("COMMIT")


@contextlib.contextmanager
def _failures_reported(tmp: Path) -> Iterator[None]:
    """Turn a failed write of the new file ``tmp`` (GDAL, SQLite, the system) into one error.

    Raises
    ------
    OutputError
        Saying why in plain words (:func:`parakou_geo.register._transaction.write_failure`).
    """
    from parakou_geo.register._transaction import write_failure

    try:
        yield
    except (sqlite3.Error, OSError, pyogrio.errors.DataSourceError,
            pyogrio.errors.DataLayerError) as exc:
        raise OutputError(f"cannot write the register: {write_failure(exc, tmp.parent)}; "
                          "nothing was written") from exc
