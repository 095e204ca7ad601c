"""The addressing pipeline: from road and building layers to an address register.

:func:`address` works on GeoDataFrames; :func:`address_files` reads the files first. Both
check every input layer and report all problems at once before doing any work.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import os
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from parakou_geo._errors import InputError
from parakou_geo._input_checks import layers_apart_problems
from parakou_geo._memory import cycle_collection_paused, release_free_memory
from parakou_geo.access import CHOICE_REASONS, choose_streets, street_network
from parakou_geo.check import LayerReport, check_layer
from parakou_geo.codes import allocate_codes, apply_official_names, assign_zones, read_names_csv
from parakou_geo.io import combine_osm_ids, read_layer
from parakou_geo.numbering import LATIN_SUFFIXES, StreetIndex, number_doors
from parakou_geo.prepare import prepare_buildings, prepare_quartiers, prepare_roads, prepare_zones
from parakou_geo.register import Register
from parakou_geo.register.assemble import (  # noqa: F401 (the reasons stay importable here)
    REASON_EMPTY,
    REASON_NO_STREET,
    footprints_layer,
)
from parakou_geo.register.assemble import assemble as _assemble
from parakou_geo.register.assemble import run_info as _run_info
from parakou_geo.register.labels import make_labels
from parakou_geo.register.rows import (
    address_rows,
    file_fingerprint,
    input_fingerprint,
    quartier_of,
    roads_fingerprint,
)
from parakou_geo.settings import AddressingSettings
from parakou_geo.streets import StreetNetwork

__all__ = [
    "STEPS",
    "WRITE_STEP",
    "AddressingResult",
    "ProgressCallback",
    "address",
    "address_files",
    "address_rows",
    "input_fingerprint",
    "make_labels",
    "quartier_of",
    "resolve_centre",
    "roads_fingerprint",
    "street_network",
]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: The steps reported to a progress callback, in order.
STEPS: tuple[str, ...] = ("check", "streets", "codes", "numbering", "register")
#: The step :func:`address_files` reports after :data:`STEPS` when it writes the register.
WRITE_STEP = "write"

ProgressCallback = Callable[[str], None]

#: Set by :func:`address_files` while it writes the register: :func:`address` hands it the
#: footprints layer as soon as the buildings are checked, to be written while it goes on.
_FOOTPRINTS_AHEAD: contextvars.ContextVar[Callable[[gpd.GeoDataFrame], None] | None] = \
    contextvars.ContextVar("parakou_geo_footprints_ahead", default=None)


@dataclass
class AddressingResult:
    """What :func:`address` produces.

    Attributes
    ----------
    register : Register
        The register tables, ready for :func:`parakou_geo.register.write_register`.
    network : StreetNetwork
        The streets and oriented segments (metric CRS).
    reports : dict of str to LayerReport
        What validation did to each input layer.
    metric_crs : pyproj.CRS
        The CRS of all geometries.
    centre_xy : tuple of float
        The reference centre in the metric CRS.
    """

    register: Register
    network: StreetNetwork
    reports: dict[str, LayerReport]
    metric_crs: CRS
    centre_xy: tuple[float, float]
    counts: dict[str, int] = field(default_factory=dict)

    def unaddressed_by_reason(self) -> dict[str, int]:
        """Return the number of unaddressed buildings per reason."""
        counts = self.register.unaddressed["reason"].value_counts().sort_index()
        return {str(k): int(v) for k, v in counts.items()}


def resolve_centre(
    roads: gpd.GeoDataFrame, settings: AddressingSettings, metric_crs: CRS
) -> tuple[float, float]:
    """Return the reference centre in the metric CRS (see ``AddressingSettings.centre``)."""
    to_metric = Transformer.from_crs(4326, metric_crs, always_xy=True)
    lines = np.asarray(roads.geometry.array)
    centroid = shapely.centroid(shapely.multilinestrings(lines))
    roads_centre = (float(shapely.get_x(centroid)), float(shapely.get_y(centroid)))
    if isinstance(settings.centre, tuple):
        x, y = to_metric.transform(*settings.centre)
        return float(x), float(y)
    if settings.centre == "roads":
        return roads_centre
    x, y = to_metric.transform(*settings.centre_lonlat)
    minx, miny, maxx, maxy = roads.total_bounds
    pad = settings.centre_max_offset_m
    if minx - pad <= x <= maxx + pad and miny - pad <= y <= maxy + pad:
        return float(x), float(y)
    logger.info("reference centre %s lies far from the roads; using the roads' centroid",
                settings.centre_lonlat)
    return roads_centre


def address(
    roads: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    *,
    zones: gpd.GeoDataFrame | None = None,
    quartiers: gpd.GeoDataFrame | None = None,
    names: pd.DataFrame | None = None,
    settings: AddressingSettings | None = None,
    crs: str | None = None,
    run_date: dt.date | None = None,
    progress: ProgressCallback | None = None,
    inputs: dict[str, str] | None = None,
) -> AddressingResult:
    """Code every street and number every building.

    Parameters
    ----------
    roads : geopandas.GeoDataFrame
        Road lines in any CRS (reprojected to the metric CRS), with a name column.
    buildings : geopandas.GeoDataFrame
        Building footprints, parcels or points, in any CRS.
    zones : geopandas.GeoDataFrame, optional
        Zone polygons (arrondissements) with the ``settings.zone_column`` number.
    quartiers : geopandas.GeoDataFrame, optional
        Quartier polygons with the ``settings.quartier_column`` name; fills ``quartier``.
    names : pandas.DataFrame, optional
        Official street names (see :func:`parakou_geo.codes.read_names_csv`).
    settings : AddressingSettings, optional
        Defaults when omitted.
    crs : str, optional
        CRS of input layers that have none (e.g. ``"EPSG:4326"``).
    run_date : datetime.date, optional
        The ``created`` date of new addresses (default: today).
    progress : callable, optional
        Called with each step name of :data:`STEPS` as it starts.
    inputs : dict, optional
        Input file names and hashes, recorded in ``run_info``.

    Returns
    -------
    AddressingResult
        The register tables and what the run did.

    Raises
    ------
    InputError
        Listing every problem of every input layer, when any layer cannot be used.

    Examples
    --------
    >>> from parakou_geo.datasets import load_sample
    >>> sample = load_sample()
    >>> result = address(sample["roads"], sample["buildings"], zones=sample["zones"])
    >>> bool(result.register.addresses.label.str.contains(" Rue ").all())
    True
    """
    # no passes of the cyclic collector over a million geometries (parakou_geo._memory); a
    # block, not a decorator, so the buildings handed over are freed once checked (del below)
    with cycle_collection_paused():
        s = settings or AddressingSettings()
        step = progress or (lambda _name: None)
        step("check")
        if s.building_id_column is None:
            buildings = combine_osm_ids(buildings)
        combined_ids = bool(buildings.attrs.get("osm_ids_combined"))
        problems = check_layer(roads, "roads", settings=s, crs=crs)
        problems += check_layer(buildings, "buildings", settings=s, crs=crs)
        if zones is not None:
            problems += check_layer(zones, "zones", settings=s, crs=crs)
        if quartiers is not None:
            problems += check_layer(quartiers, "quartiers", settings=s, crs=crs)
        if not problems:  # layers far apart, zones off the roads
            problems = layers_apart_problems({"roads": roads, "buildings": buildings} | (
                {"zones": zones} if zones is not None else {}), crs=crs,
                max_distance_m=s.max_distance_m)
        if problems:
            raise InputError(problems)
        from parakou_geo._crs import check_metric_crs_fits, resolve_metric_crs

        roads_in = roads if roads.crs is not None else roads.set_crs(crs)
        metric = resolve_metric_crs(s.crs, roads_in)
        check_metric_crs_fits(metric, roads_in, str(roads.attrs.get("source", "roads")))
        road_m, road_report = prepare_roads(roads, settings=s, metric_crs=metric, crs=crs)
        bld_m, dropped, bld_report = prepare_buildings(buildings, settings=s, metric_crs=metric,
                                                       crs=crs)
        del buildings  # the input layer is no longer needed: freed here when the caller let it go
        release_free_memory()
        footprints = footprints_layer(bld_m)  # the register's buildings layer (a view)
        ahead = _FOOTPRINTS_AHEAD.get()
        if ahead is not None:  # address_files writing the register: its footprints go now
            ahead(footprints)
        zones_m = prepare_zones(zones, settings=s, metric_crs=metric, crs=crs) \
            if zones is not None else None
        quartiers_m = prepare_quartiers(quartiers, settings=s, metric_crs=metric, crs=crs) \
            if quartiers is not None else None
        centre = resolve_centre(road_m, s, metric)

        step("streets")
        net, n_sidewalks = street_network(road_m, centre_xy=centre, settings=s)

        step("codes")
        zone = assign_zones(net.streets, zones_m, default_zone=s.default_zone)
        codes = allocate_codes(net.streets, zone, centre_xy=centre, settings=s)
        table = pd.DataFrame(net.streets.drop(columns="geometry"))
        table["street_code"] = codes.to_numpy()
        table["zone"] = zone.to_numpy()
        if names is not None:
            table = apply_official_names(table, names, net.segments)
        else:
            table["name_source"] = table["name"].notna().map({True: "input", False: None})

        step("numbering")
        index = StreetIndex(net.segments)
        doors = gpd.GeoSeries(bld_m["door"].array, crs=metric)
        door_xy = shapely.get_coordinates(np.asarray(doors.array))  # once for every step below
        choice = choose_streets(
            np.asarray(bld_m.geometry.array), np.asarray(doors.array), index,
            street_named=net.streets["name"].notna().to_numpy(),
            entrance=bld_m["door_is_entrance"].to_numpy(dtype=bool), settings=s, door_xy=door_xy,
        )
        release_free_memory()  # the search's temporaries, made on two threads (two C heaps)
        numbered = {"doors": number_doors(
            doors, index, method=s.method, suffix_style=s.suffix_style,
            max_distance_m=s.max_distance_m, tiebreak=np.arange(len(bld_m)), choice=choice,
            door_xy=door_xy,
        )}
        del choice, doors  # a million doors' search results: not held while the rows are built
        release_free_memory()

        step("register")
        run_day = run_date or dt.date.today()
        # the numbering is handed over (popped): assemble frees it once it has taken its columns
        register = _assemble(bld_m, dropped, numbered.pop("doors"), table, net, index, s, metric,
                             run_day, quartiers_m, zones_m, door_xy=door_xy,
                             footprints=footprints)
        del door_xy, bld_m, footprints
        register.zones = zones_m
        register.quartiers = quartiers_m
        lettered = sorted(set(register.addresses.loc[
            register.addresses["suffix"].str.fullmatch(r"[A-Z]+").fillna(False), "street_code"]))
        if lettered and s.suffix_style == "latin":
            logger.warning(
                "streets %s have more than %d buildings on one number and side; they use letter "
                "suffixes (A, B, C...) instead of bis, ter...", ", ".join(lettered),
                len(LATIN_SUFFIXES))
        counts = {
            "roads": len(road_m),
            "segments": len(net.segments),
            "sidewalks": n_sidewalks,
            "streets": len(net.streets),
            "streets_with_addresses": int((register.streets["n_addresses"] > 0).sum()),
            "buildings": bld_report.n_input,
            "addresses": len(register.addresses),
            "unaddressed": len(register.unaddressed),
        }
        chosen = register.addresses["street_choice"].value_counts()
        counts.update({f"street_choice_{k}": int(chosen.get(k, 0)) for k in CHOICE_REASONS})
        reports = {"roads": road_report, "buildings": bld_report}
        register.run_info = _run_info(s, metric, centre, counts, reports, inputs or {}, run_day)
        info = dict(zip(register.run_info["key"], register.run_info["value"], strict=True))
        register.meta = {
            "register_id": str(uuid.uuid4()),
            "run_id": str(uuid.uuid4()),
            "created": run_day.isoformat(),
            "run_time_utc": info["run_time_utc"],
            "settings": info["settings"],
            "metric_crs": metric.to_string(),
            "centre_xy": info["centre_xy"],
            "roads_fingerprint": roads_fingerprint(road_m),
            "roads_input_fingerprint": input_fingerprint(roads, crs),
            "parakou_geo_version": info["parakou_geo_version"],
        }
        if combined_ids:  # updates combine the ids of new layers the same way
            register.meta["building_ids"] = "osm_combined"
        return AddressingResult(register=register, network=net, reports=reports,
                                metric_crs=metric, centre_xy=centre, counts=counts)


def address_files(
    roads: str | os.PathLike[str],
    buildings: str | os.PathLike[str],
    *,
    zones: str | os.PathLike[str] | None = None,
    quartiers: str | os.PathLike[str] | None = None,
    names: str | os.PathLike[str] | None = None,
    roads_layer: str | None = None,
    buildings_layer: str | None = None,
    zones_layer: str | None = None,
    quartiers_layer: str | None = None,
    settings: AddressingSettings | None = None,
    crs: str | None = None,
    run_date: dt.date | None = None,
    progress: ProgressCallback | None = None,
    output: str | os.PathLike[str] | None = None,
    csv_path: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
) -> AddressingResult:
    """Read the input files and run :func:`address`; optionally write the register.

    Parameters
    ----------
    roads, buildings : str or os.PathLike
        GeoPackage, Shapefile, GeoJSON, GeoParquet or OSM PBF files.
    zones : str or os.PathLike, optional
        Zone polygons (arrondissements).
    quartiers : str or os.PathLike, optional
        Quartier polygons.
    names : str or os.PathLike, optional
        Official names CSV.
    roads_layer, buildings_layer, zones_layer, quartiers_layer : str, optional
        Layer names in multi-layer files.
    settings, crs, run_date, progress
        As in :func:`address`.
    output : str or os.PathLike, optional
        Write the register GeoPackage here, as :func:`parakou_geo.register.write_register`
        does, but faster: its building footprints are written while the streets are
        numbered. The file names are checked before the inputs are read.
    csv_path : str or os.PathLike, optional
        With ``output``, also write the addresses as CSV here.
    overwrite : bool
        With ``output``, replace existing files.

    ``progress`` is called with :data:`WRITE_STEP` after the steps of :data:`STEPS` when the
    register is written.

    Returns
    -------
    AddressingResult
        As :func:`address`.

    Raises
    ------
    InputError
        When an input file cannot be read or used.
    OutputError
        When ``output`` or ``csv_path`` exists (without ``overwrite``) or cannot be written;
        nothing is written then.
    """
    if output is None and csv_path is not None:
        raise ValueError("csv_path is written with the register: give output too")
    from parakou_geo.register._new_file import new_register_file

    with (new_register_file(output, csv_path=csv_path, overwrite=overwrite)
          if output is not None else contextlib.nullcontext()) as out:
        # the run without the cyclic collector (parakou_geo._memory); the write keeps it (it is
        # faster with it)
        with cycle_collection_paused():
            layers, names_df, inputs = _read_inputs(
                {"roads": (roads, roads_layer), "buildings": (buildings, buildings_layer),
                 "zones": (zones, zones_layer), "quartiers": (quartiers, quartiers_layer)},
                names)
            token = _FOOTPRINTS_AHEAD.set(None if out is None else out.write_footprints_ahead)
            try:
                # the layers are handed over (popped): the input buildings are freed once checked
                result = address(
                    layers.pop("roads"), layers.pop("buildings"), zones=layers.get("zones"),
                    quartiers=layers.get("quartiers"), names=names_df, settings=settings,
                    crs=crs, run_date=run_date, progress=progress, inputs=inputs,
                )
            finally:
                _FOOTPRINTS_AHEAD.reset(token)
        if out is not None:
            if progress is not None:
                progress(WRITE_STEP)
            out.write(result.register)
            logger.info("wrote register %s (%d addresses)", output,
                        len(result.register.addresses))
    return result


def _read_inputs(
    layers: dict[str, tuple[str | os.PathLike[str] | None, str | None]],
    names: str | os.PathLike[str] | None,
) -> tuple[dict[str, gpd.GeoDataFrame], pd.DataFrame | None, dict[str, str]]:
    """Read the input layers (``kind: (file, layer name)``) and the official names.

    Returns the layers read, the names table and the files' fingerprints for the run record.

    Raises
    ------
    InputError
        Listing every file that cannot be read.
    """
    files = {k: p for k, (p, _) in layers.items() if p is not None and Path(p).is_file()}
    if names is not None and Path(names).is_file():
        files["names"] = names
    with ThreadPoolExecutor(1, thread_name_prefix="fingerprints") as pool:
        # the files are hashed for the run record while they are read (outside the GIL)
        hashes = pool.submit(lambda: {k: file_fingerprint(p) for k, p in files.items()})
        problems: list[str] = []
        read: dict[str, gpd.GeoDataFrame] = {}
        for kind, (path, layer) in layers.items():
            if path is None:
                continue
            try:
                read[kind] = read_layer(path, layer=layer, kind=kind)  # type: ignore[arg-type]
            except InputError as exc:
                problems.append(str(exc))
        names_df = None
        if names is not None:
            try:
                names_df = read_names_csv(names)
            except InputError as exc:
                problems.append(str(exc))
        if problems:
            raise InputError(problems)
        return read, names_df, hashes.result()
