"""OpenStreetMap export: address points as GeoJSON with ``addr:*`` tags, for an import review.

Nothing is uploaded: the file is meant for the OSM import process (review in JOSM, discussion
with the local community, the import guidelines), never for a blind upload.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from parakou_geo.exports._input import RegisterSource, load_register, select_addresses, text
from parakou_geo.exports.settings import ExportSettings
from parakou_geo.register import atomic_path

__all__ = ["osm_features", "write_osm_geojson"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())


def osm_features(
    register: RegisterSource,
    *,
    zones: Iterable[str | int] | None = None,
    quartiers: Iterable[str] | None = None,
    statuses: Iterable[str] | None = ("proposed", "current"),
    settings: ExportSettings | None = None,
) -> gpd.GeoDataFrame:
    """Return address points in EPSG:4326 with OpenStreetMap address tags.

    Parameters
    ----------
    register : str, os.PathLike, Register or AddressingResult
        The register (EPSG:32631).
    zones, quartiers, statuses : iterable, optional
        Filters (default statuses: proposed and current).
    settings : ExportSettings, optional
        ``commune_name`` gives ``addr:city``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``addr:housenumber`` (``12`` or ``12 bis``), ``addr:street`` (the street's
        name; empty for an unnamed street: OpenStreetMap wants the name on the ground, not a
        made-up ``Rue 2.045``), ``addr:city``, ``addr:country`` (``BJ``), ``ref:street_code``
        (the street code, always), ``source``; points in EPSG:4326; sorted by street code and
        number.
    """
    s = settings or ExportSettings()
    addr = select_addresses(load_register(register), zones=zones, quartiers=quartiers,
                            statuses=statuses)
    number = pd.to_numeric(addr["number"], errors="coerce").astype("Int64").astype(str)
    suffix = text(addr["suffix"]).str.strip()
    house = number.where(suffix == "", number + " " + suffix)
    code = text(addr["street_code"])
    name = text(addr["street_name"]).str.strip()
    street = name.where(name != "", None)
    out = gpd.GeoDataFrame({
        "addr:housenumber": house,
        "addr:street": street,
        "addr:city": s.commune_name,
        "addr:country": "BJ",
        "ref:street_code": code,
        "source": "parakou_geo",
    }, geometry=addr.geometry.to_crs(4326).to_numpy(), crs=4326)
    order = np.lexsort((house.to_numpy(dtype=str),
                        pd.to_numeric(addr["number"], errors="coerce").fillna(-1).to_numpy(),
                        code.to_numpy(dtype=str)))
    return out.iloc[order].reset_index(drop=True)


def write_osm_geojson(
    register: RegisterSource,
    path: str | os.PathLike[str],
    *,
    zones: Iterable[str | int] | None = None,
    quartiers: Iterable[str] | None = None,
    statuses: Iterable[str] | None = ("proposed", "current"),
    settings: ExportSettings | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the OSM address points as GeoJSON (EPSG:4326, 7 decimals).

    Parameters
    ----------
    register : str, os.PathLike, Register or AddressingResult
        The register (EPSG:32631).
    path : str or os.PathLike
        The ``.geojson`` file.
    zones, quartiers, statuses, settings
        See :func:`osm_features`. A tag without a value (``addr:street`` of an unnamed
        street) is left out of the feature.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    gdf = osm_features(register, zones=zones, quartiers=quartiers, statuses=statuses,
                       settings=settings)
    props = [{k: v for k, v in p.items() if isinstance(v, str) and v}
             for p in gdf.drop(columns="geometry").to_dict(orient="records")]
    xs = np.round(gdf.geometry.x.to_numpy(), 7)
    ys = np.round(gdf.geometry.y.to_numpy(), 7)
    features = [
        {"type": "Feature", "properties": p,
         "geometry": {"type": "Point", "coordinates": [float(x), float(y)]}}
        for p, x, y in zip(props, xs, ys, strict=True)
    ]
    doc = {"type": "FeatureCollection", "features": features}
    final = Path(path)
    with atomic_path(final, overwrite=overwrite) as tmp:
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=None), encoding="utf-8")
    logger.info("wrote OSM address file %s (%d points)", final, len(features))
    return final
