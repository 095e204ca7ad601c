"""Private: write a large layer to a GeoPackage through Arrow, a slice of rows at a time.

``pyogrio.write_dataframe`` turns the whole table into Arrow and every geometry into WKB before
GDAL writes the first row, so a layer of a million features sits in memory twice; and with
``promote_to_multi`` it does not take the Arrow path at all. Here the attribute columns are
taken as Arrow (pandas' text columns already are: no copy), and the geometry column is encoded
one slice at a time while GDAL writes: door points straight from their coordinates, footprints
with :func:`shapely.to_wkb`, promoted to their multi type by a nine-byte header. pyogrio creates
the layer; the slices go to GDAL outside Python's GIL where :mod:`._gdal_append` can call it
(else through ``pyogrio.write_arrow``). :func:`check_layer` looks at a frame once, and can do so
on another thread while an earlier layer is written.

Rows, field types and geometry blobs in the file are those ``pyogrio.write_dataframe`` writes
(``tests/test_register_arrow_layer.py`` compares the two). Tables this path does not cover
(missing, empty or 3D geometries, date-time or mixed columns) are written by
``pyogrio.write_dataframe`` itself.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
import shapely

from parakou_geo.register import _gdal_append

__all__ = ["LayerCheck", "WriteStoppedError", "check_layer", "write_layer"]

#: Rows encoded and handed to GDAL at once.
ROWS_PER_BATCH = 65_536

#: A 2D point as little-endian WKB: byte order, type 1, x, y (21 bytes).
_POINT_WKB = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])

#: WKB types of the single geometries (point, line string, polygon); their multi is 3 more.
_SINGLE_WKB_TYPES = (1, 2, 3)


class WriteStoppedError(Exception):
    """A layer's write was stopped before its last rows (:func:`write_layer`'s ``stop``)."""


@dataclass(frozen=True)
class LayerCheck:
    """How the rows of a frame can be written (:func:`check_layer`).

    Attributes
    ----------
    attributes : pyarrow.Table or None
        The columns but the geometry, as Arrow; None when ``pyogrio.write_dataframe`` must
        write the frame itself.
    geometry_type : str or None
        The layer's geometry type.
    xy : numpy.ndarray or None
        ``(n, 2)`` coordinates of a layer of 2D points (their WKB is written from them).
    """

    attributes: pa.Table | None
    geometry_type: str | None
    xy: np.ndarray | None


def check_layer(frame: Any, *, geometry_type: str | None,
                promote_to_multi: bool = False) -> LayerCheck:
    """Look at a frame's columns and geometries once, before :func:`write_layer` writes it.

    It only reads the frame, so it can run on another thread while an earlier layer is
    written. Parameters are those of :func:`write_layer`.
    """
    geoms = np.asarray(frame.geometry.array)
    attributes = _attribute_table(frame)
    kinds = shapely.get_type_id(geoms)
    xy = None
    if len(geoms) and (kinds == 0).all() and not promote_to_multi:
        if geometry_type is None:
            geometry_type = "Point"  # what pyogrio infers for 2D points
        # one pass gives the WKB's coordinates and the checks: an empty point has none, and a
        # 2D one a z of NaN (a z of NaN counts as none)
        xyz = shapely.get_coordinates(geoms, include_z=True)
        plain = len(xyz) == len(geoms) and bool(np.isnan(xyz[:, 2]).all())
        xy = np.ascontiguousarray(xyz[:, :2]) if plain else None
        del xyz
    else:
        plain = _plain_geometries(geoms, kinds)
    if attributes is None or geometry_type is None or not plain:
        return LayerCheck(None, geometry_type, None)
    return LayerCheck(attributes, geometry_type, xy)


def write_layer(
    frame: Any,
    path: Any,
    *,
    layer: str,
    geometry_type: str | None,
    promote_to_multi: bool = False,
    layer_options: dict[str, str] | None = None,
    dataset_options: dict[str, str] | None = None,
    checked: LayerCheck | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Write a GeoDataFrame as a new layer of the GeoPackage ``path``.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        The layer; its geometries are points, line strings or polygons (2D).
    path : str or os.PathLike
        The GeoPackage (created if missing, else the layer is added).
    layer : str
        The layer name.
    geometry_type : str or None
        The layer's geometry type, as for ``pyogrio.write_dataframe`` (None: inferred, as
        it infers it).
    promote_to_multi : bool
        Store single geometries as their multi type with one part.
    layer_options : dict, optional
        GDAL layer creation options.
    dataset_options : dict, optional
        GDAL dataset creation options (used when the file is created).
    checked : LayerCheck, optional
        :func:`check_layer` of this frame with the same ``geometry_type`` and
        ``promote_to_multi``, when it was made beforehand.
    stop : threading.Event, optional
        When it is set, no further slice is written: :class:`WriteStoppedError` is raised (the
        rows already handed to GDAL stay in the file).

    Raises
    ------
    WriteStoppedError
        When ``stop`` was set before the last slice.
    """
    if checked is None:
        checked = check_layer(frame, geometry_type=geometry_type,
                              promote_to_multi=promote_to_multi)
    attributes, geometry_type, xy = checked.attributes, checked.geometry_type, checked.xy
    if attributes is None or geometry_type is None:
        _write_dataframe(frame, path, layer=layer, geometry_type=geometry_type,
                         promote_to_multi=promote_to_multi, layer_options=layer_options,
                         dataset_options=dataset_options)
        return
    geoms = np.asarray(frame.geometry.array)
    schema = attributes.schema.append(pa.field("geometry", pa.binary()))

    failed: list[BaseException] = []

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            for start in range(0, len(geoms), ROWS_PER_BATCH):
                if stop is not None and stop.is_set():
                    raise WriteStoppedError(f"writing layer {layer} was stopped")
                end = min(start + ROWS_PER_BATCH, len(geoms))
                wkb = _point_wkb(xy[start:end]) if xy is not None \
                    else _wkb(geoms[start:end], promote_to_multi)
                columns = [_one_chunk(c) for c in
                           attributes.slice(start, end - start).columns]
                yield pa.record_batch([*columns, wkb], schema=schema)
        except Exception as exc:  # GDAL only reports "error while accessing batch"
            failed.append(exc)
            raise

    epsg = frame.crs.to_epsg() if frame.crs is not None else None
    crs = f"EPSG:{epsg}" if epsg else (frame.crs.to_wkt("WKT1_GDAL") if frame.crs else None)
    try:
        if _gdal_append.available():
            # pyogrio creates the layer and its fields; the rows go to GDAL outside the GIL
            pyogrio.write_arrow(schema.empty_table(), path, layer=layer, driver="GPKG",
                                geometry_name="geometry", geometry_type=geometry_type,
                                crs=crs, layer_options=layer_options,
                                dataset_options=dataset_options)
            _gdal_append.append_batches(str(path), layer, batches(), geometry_name="geometry")
        else:
            pyogrio.write_arrow(pa.RecordBatchReader.from_batches(schema, batches()), path,
                                layer=layer, driver="GPKG", geometry_name="geometry",
                                geometry_type=geometry_type, crs=crs,
                                layer_options=layer_options, dataset_options=dataset_options)
    except RuntimeError as exc:
        if failed:  # the slice that could not be made, not GDAL's word for it
            raise failed[0] from exc
        raise


def _write_dataframe(frame: Any, path: Any, *, layer: str, geometry_type: str | None,
                     promote_to_multi: bool, layer_options: dict[str, str] | None,
                     dataset_options: dict[str, str] | None) -> None:
    """Write with ``pyogrio.write_dataframe`` itself (through Arrow when it can)."""
    pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG",
                            geometry_type=geometry_type, promote_to_multi=promote_to_multi,
                            use_arrow=not promote_to_multi, layer_options=layer_options,
                            dataset_options=dataset_options)


def _plain_geometries(geoms: np.ndarray, kinds: np.ndarray) -> bool:
    """Whether every geometry is a non-empty 2D point, line string, polygon or multi of one.

    ``kinds`` are their ``shapely.get_type_id``.
    """
    if not len(geoms):
        return False
    return bool(np.isin(kinds, (0, 1, 3, 4, 5, 6)).all() and not shapely.is_empty(geoms).any()
                and not shapely.has_z(geoms).any())


def _attribute_table(frame: pd.DataFrame) -> pa.Table | None:
    """Return the columns but the geometry as Arrow, typed as ``pyogrio.write_dataframe`` does.

    None when a column needs that function's own handling (date-times, mixed values).
    """
    # dropped from a plain view: GeoDataFrame.drop copies every number column
    plain = pd.DataFrame(frame).drop(columns=frame.geometry.name)
    for name, dtype in plain.dtypes.items():
        if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(dtype):
            return None
        if pd.api.types.is_object_dtype(dtype) and \
                pd.api.types.infer_dtype(plain[name]) not in ("string", "empty"):
            return None
    try:
        table = pa.Table.from_pandas(plain, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    for i, field in enumerate(table.schema):
        if pa.types.is_null(field.type):  # an all-missing column: text, as pyogrio writes it
            table = table.set_column(i, field.with_type(pa.string()),
                                     table.column(i).cast(pa.string()))
        elif pa.types.is_dictionary(field.type):
            return None
    return table.replace_schema_metadata(None)


def _one_chunk(column: pa.ChunkedArray) -> pa.Array:
    """Return a slice of a column as one array (a record batch takes no chunked arrays)."""
    if column.num_chunks == 1:
        return column.chunk(0)
    return pa.concat_arrays(column.chunks) if column.num_chunks else pa.array([], column.type)


def _point_wkb(xy: np.ndarray) -> pa.Array:
    """WKB of 2D points, written from their ``(n, 2)`` coordinates (no geometry is encoded)."""
    records = np.empty(len(xy), dtype=_POINT_WKB)
    records["order"] = 1
    records["type"] = 1
    records["x"] = xy[:, 0]
    records["y"] = xy[:, 1]
    offsets = np.arange(len(xy) + 1, dtype=np.int32) * _POINT_WKB.itemsize
    return pa.Array.from_buffers(pa.binary(), len(xy), [
        None, pa.py_buffer(offsets), pa.py_buffer(records.view(np.uint8))])


def _wkb(geoms: np.ndarray, promote_to_multi: bool) -> pa.Array:
    """WKB of 2D geometries; with ``promote_to_multi`` each single one in a multi of one part."""
    wkb = pa.array(shapely.to_wkb(geoms, byte_order=1, output_dimension=2), type=pa.binary())
    if not promote_to_multi:
        return wkb
    offsets = np.frombuffer(wkb.buffers()[1], dtype=np.int32)[wkb.offset:wkb.offset + len(wkb) + 1]
    data = np.frombuffer(wkb.buffers()[2], dtype=np.uint8)
    kinds = data[offsets[:-1] + 1]  # the type's low byte (little endian; 2D types are < 8)
    single = np.isin(kinds, _SINGLE_WKB_TYPES)
    # each single geometry gets a header: byte order, its multi type, one part
    header = np.zeros((int(single.sum()), 9), dtype=np.uint8)
    header[:, 0] = 1
    header[:, 1] = kinds[single] + 3
    header[:, 5] = 1
    header_offsets = np.zeros(len(wkb) + 1, dtype=np.int32)
    np.cumsum(np.where(single, 9, 0), out=header_offsets[1:])
    headers = pa.Array.from_buffers(pa.binary(), len(wkb), [
        None, pa.py_buffer(header_offsets), pa.py_buffer(header.tobytes())])
    joined: pa.Array = pc.binary_join_element_wise(headers, wkb, pa.scalar(b"", pa.binary()))
    return joined
