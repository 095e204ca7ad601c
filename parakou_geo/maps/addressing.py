"""The addressing map: coded streets, address points, zones and quartiers, with a search box.

Built from a register (EPSG:32631) and reprojected to EPSG:4326 at the map boundary only.
Addresses are drawn on a canvas from a compact encoding, so 100,000 addresses stay usable.
"""

from __future__ import annotations

import os
from typing import Any

import folium
import geopandas as gpd
import numpy as np

from parakou_geo._errors import InputError
from parakou_geo.maps._base import LayerSpec, MapFrame
from parakou_geo.maps._geojson import categorical, raise_all, to_lonlat
from parakou_geo.maps._words import words
from parakou_geo.maps.settings import MapSettings
from parakou_geo.pluscodes import plus_codes
from parakou_geo.register import Register
from parakou_geo.register.meta import label_prefix
from parakou_geo.register.read import read_register

__all__ = ["STATUS_COLOURS", "addressing_map", "read_register_layers"]

#: Colour of address points by lifecycle status.
STATUS_COLOURS: dict[str, str] = {
    "proposed": "#ff9f1c",
    "current": "#6a3d9a",
    "retired": "#7f7f7f",
    "rejected": "#000000",
}

_ADDRESS_NEEDED = ("label", "building_id", "status")
_ADDRESS_OPTIONAL = ("plus_code", "street_code", "street_name", "zone")
_STREET_NEEDED = ("street_code",)
_STREET_OPTIONAL = ("street_name", "zone", "length_m", "n_addresses")


def read_register_layers(
    path: str | os.PathLike[str],
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Read the ``addresses`` and ``streets`` layers of a register GeoPackage.

    Only the columns the map shows are read.

    Parameters
    ----------
    path : str or os.PathLike
        A register written by ``parakou-geo address`` (EPSG:32631).

    Returns
    -------
    tuple of geopandas.GeoDataFrame
        Addresses (points) and streets (lines), in the register's CRS.

    Raises
    ------
    InputError
        When the file or one of its layers is missing.
    """
    reg = _read_shown(path)
    return reg.addresses, reg.streets


def _read_shown(path: str | os.PathLike[str]) -> Register:
    """Read the addresses and streets of a register file, only the columns the map shows."""
    return read_register(path, layers=("addresses", "streets"),
                         columns={"addresses": _ADDRESS_NEEDED + _ADDRESS_OPTIONAL,
                                  "streets": _STREET_NEEDED + _STREET_OPTIONAL})


def _check_columns(gdf: gpd.GeoDataFrame, needed: tuple[str, ...], name: str) -> list[str]:
    missing = [c for c in needed if c not in gdf.columns]
    if not missing:
        return []
    return [f"{name} lacks column(s) {', '.join(missing)} (has: "
            f"{', '.join(map(str, gdf.columns))}); give the register's {name} layer"]


def addressing_map(
    register: Register | str | os.PathLike[str],
    *,
    zones: gpd.GeoDataFrame | None = None,
    quartiers: gpd.GeoDataFrame | None = None,
    offline: bool = False,
    settings: MapSettings | None = None,
) -> folium.Map:
    """Return the addressing map of a register.

    Streets are coloured by zone, with their code and name as tooltip and popup, and from
    zoom ``settings.street_labels_min_zoom`` (16) labelled along the line (``Rue 1.001 —
    name``; only streets in view, at most ``settings.street_labels_max``); address
    points are coloured by status, their popup giving the label, building id, status and
    Plus Code; zone and quartier boundaries can be added. A search box finds an address
    label, a street code or a street name and zooms to it. All text is French by default
    (``settings.language``) and shown as text, never as HTML.

    Parameters
    ----------
    register : Register or str or os.PathLike
        The register (``AddressingResult.register``) or its GeoPackage. Its layers are in the
        metric CRS (EPSG:32631); they are reprojected to EPSG:4326 for the map only.
    zones : geopandas.GeoDataFrame, optional
        Zone (arrondissement) polygons in any CRS, labelled by ``settings.zone_column``.
    quartiers : geopandas.GeoDataFrame, optional
        Quartier polygons in any CRS, labelled by ``settings.quartier_column``.
    offline : bool
        Embed every library (Leaflet, jQuery, Bootstrap, Font Awesome) in the page so that
        the saved HTML works with no network; the background is then plain unless
        ``settings.local_tiles_url`` is set.
    settings : MapSettings, optional
        Language, tiles, attribution and drawing settings.

    Returns
    -------
    folium.Map
        The map; save it with :func:`parakou_geo.maps.save_map`.

    Raises
    ------
    InputError
        When a layer lacks a needed column or a CRS (all problems listed at once).

    Examples
    --------
    >>> import parakou_geo
    >>> from parakou_geo.datasets import load_sample
    >>> s = load_sample()
    >>> result = parakou_geo.address(s["roads"], s["buildings"], zones=s["zones"])
    >>> m = addressing_map(result.register, zones=s["zones"])
    >>> type(m).__name__
    'Map'
    """
    s = settings or MapSettings()
    w = words(s.language)
    if isinstance(register, str | os.PathLike):
        register = _read_shown(register)
    if not isinstance(register, Register):
        raise InputError(f"register must be a Register or a .gpkg path, got "
                         f"{type(register).__name__}; pass result.register")
    addresses, streets, meta = register.addresses, register.streets, register.meta
    problems = _check_columns(addresses, _ADDRESS_NEEDED, "addresses")
    problems += _check_columns(streets, _STREET_NEEDED, "streets")
    layers: dict[str, gpd.GeoDataFrame] = {}
    errors: list[InputError] = []
    for name, gdf in (("addresses", addresses), ("streets", streets), ("zones", zones),
                      ("quartiers", quartiers)):
        if gdf is None:
            continue
        try:
            layers[name] = to_lonlat(gdf, name)
        except InputError as exc:
            problems += exc.problems
            errors.append(exc)
    raise_all(problems, errors)

    frame = MapFrame(settings=s, offline=offline, search=True)
    zone_values = sorted(set(categorical(layers["streets"]["zone"])[1])
                         if "zone" in layers["streets"] else [])
    zone_colours = {z: s.zone_colours[i % len(s.zone_colours)] for i, z in enumerate(zone_values)}
    for key in ("zones", "quartiers"):
        if key in layers:
            frame.add_group(key, w[key])
            column = s.zone_column if key == "zones" else s.quartier_column
            frame.layers.append(LayerSpec(
                id=key, name=w[key], gdf=layers[key], tooltip=(column,),
                style={"color": "#333333" if key == "zones" else "#888888",
                       "weight": 2.5 if key == "zones" else 1.2, "opacity": 0.9,
                       "fill": False, "fillOpacity": 0.0,
                       "dashArray": "8 6" if key == "zones" else "3 4"},
            ))
    st = layers["streets"].copy()
    # the register's own prefix; the map setting only for a register storing no settings
    st["_title"], st["_label"] = _street_texts(st, label_prefix(meta, s.street_prefix))
    frame.add_group("streets", w["streets"])
    frame.layers.append(LayerSpec(
        id="streets", name=w["streets"], gdf=st, popup_title="_title",
        popup_fields=[(w[c], c) for c in ("street_code", "street_name", "zone", "length_m",
                                          "n_addresses")],
        tooltip=("_title",), search=("street_code", "street_name"),
        categorical={"zone": {}},
        style={"color": "#555555", "by": "zone", "colours": zone_colours, "weight": 3,
               "opacity": 0.85, "fillOpacity": 0.0},
        labels={"column": "_label", "min_zoom": s.street_labels_min_zoom,
                "max": s.street_labels_max},
    ))
    ad = layers["addresses"]
    if "plus_code" not in ad.columns:
        ad = ad.copy()
        ad["plus_code"] = plus_codes(ad.geometry.x.to_numpy(), ad.geometry.y.to_numpy())
    status_names = {k: w.get(k, k) for k in STATUS_COLOURS}
    frame.add_group("addresses", w["addresses"])
    frame.layers.append(LayerSpec(
        id="addresses", name=w["addresses"], gdf=ad, popup_title="label",
        popup_fields=[(w["building_id"], "building_id"), (w["status"], "status"),
                      (w["plus_code"], "plus_code")],
        search=("label",), categorical={"status": status_names},
        style={"color": "#ff9f1c", "by": "status",
               "colours": {status_names[k]: c for k, c in STATUS_COLOURS.items()},
               "radius": s.point_radius_px, "lod": True, "weight": 0.5, "stroke": "#333333",
               "opacity": 0.9, "fillOpacity": 0.9},
    ))
    frame.legend = _legend(w, zone_colours, sorted(set(categorical(ad["status"])[1])), layers)
    return frame.build()


def _street_texts(streets: gpd.GeoDataFrame, prefix: str) -> tuple[list[str], list[str | None]]:
    """Return the popup title (``1.001 — name``) and map label (``Rue 1.001 — name``).

    A street with neither code nor name has no label (``None``).
    """
    codes = streets["street_code"].astype(object).to_numpy()
    names = (streets["street_name"].astype(object).to_numpy() if "street_name" in streets
             else np.full(len(streets), None, dtype=object))
    titles: list[str] = []
    labels: list[str | None] = []
    for code, name in zip(codes, names, strict=True):
        text = "" if code is None or code != code else str(code)
        label = f"{prefix} {text}".strip() if text else ""
        if isinstance(name, str) and name.strip():
            text = f"{text} — {name}" if text else name
            label = f"{label} — {name}" if label else name
        titles.append(text)
        labels.append(label or None)
    return titles, labels


def _legend(w: dict[str, str], zone_colours: dict[str, str], statuses: list[str],
            layers: dict[str, gpd.GeoDataFrame]) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    if zone_colours:
        sections.append({"title": w["zone_title"], "items": [
            {"label": f"{w['zone']} {z}", "colour": c, "shape": "line"}
            for z, c in zone_colours.items()]})
    shown = [k for k in STATUS_COLOURS if k in statuses] or ["proposed"]
    sections.append({"title": w["status_title"], "items": [
        {"label": w.get(k, k), "colour": STATUS_COLOURS[k], "shape": "dot"} for k in shown]})
    bounds = [{"label": w[k], "colour": "#333333" if k == "zones" else "#888888",
               "shape": "line"} for k in ("zones", "quartiers") if k in layers]
    if bounds:
        sections.append({"title": "", "items": bounds})
    return sections
