"""Signage plan: street plates at street ends and intersections, door plates, costs in FCFA.

Rules (World Bank method, DOMAIN.md): a street plate (code and name) at each end of a street
and at each intersection, one plate per street meeting there; a door plate per address of the
counted statuses. A street end that is also an intersection gets one plate for that street,
not two. Costs use the unit prices of :class:`ExportSettings`; posts are counted one per
plate location (street end or intersection), each holding up to ``plates_per_post`` plates.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parakou_geo.exports._input import RegisterSource, load_register, select_addresses, text
from parakou_geo.exports._spreadsheet import write_csv, write_xlsx
from parakou_geo.exports._words import Language, header, word
from parakou_geo.exports.settings import ExportSettings
from parakou_geo.pluscodes import plus_codes
from parakou_geo.register.meta import label_prefix

__all__ = ["SignagePlan", "signage_plan", "street_plates", "write_signage_csv",
           "write_signage_xlsx"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())


@dataclass(frozen=True)
class SignagePlan:
    """A signage plan.

    Attributes
    ----------
    plates : geopandas.GeoDataFrame
        One row per plate: ``kind`` (``street``/``door``), ``location`` (``end``,
        ``intersection`` or ``door``), ``street_code``, ``plate_text``, ``zone`` and
        ``quartier`` (where the plate stands: both from the same place, so they always
        match), ``node`` (plate location id; empty for door plates), ``x``/``y`` (EPSG:32631,
        cm), ``lon``/``lat`` (6 decimals), ``plus_code``, point geometry in EPSG:32631.
    counts : pandas.DataFrame
        Per arrondissement and quartier: ``street_plates``, ``door_plates``, ``posts``,
        ``cost_fcfa``; a last ``Total`` row.
    """

    plates: gpd.GeoDataFrame
    counts: pd.DataFrame

    @property
    def total_cost_fcfa(self) -> float:
        """Estimated cost of the whole plan in FCFA."""
        return float(self.counts["cost_fcfa"].iloc[-1])


def street_plates(streets: gpd.GeoDataFrame, *, snap_m: float = 0.5) -> pd.DataFrame:
    """Return one street plate per (street, location): street ends and intersections.

    Parameters
    ----------
    streets : geopandas.GeoDataFrame
        The register's streets (``street_code``, lines in EPSG:32631).
    snap_m : float
        Points closer than this (metres) are one location.

    Returns
    -------
    pandas.DataFrame
        Columns ``street_code``, ``location`` (``end``/``intersection``), ``node``, ``x``,
        ``y``, sorted by node then street code.
    """
    geoms = np.asarray(streets.geometry.array)
    codes = text(streets["street_code"]).to_numpy(dtype=object)
    merged = shapely.line_merge(geoms)
    # street ends: the boundary of each (merged) street, i.e. its odd-degree points
    ends = shapely.get_parts(shapely.boundary(merged), return_index=True)
    end_xy = shapely.get_coordinates(ends[0])
    end_street = ends[1]
    # crossings and touches between different streets
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    inter = shapely.intersection(geoms[a], geoms[b])
    pts = shapely.get_parts(shapely.extract_unique_points(inter))
    cross_xy = shapely.get_coordinates(pts)
    cand = np.vstack([end_xy, cross_xy]) if len(cross_xy) else end_xy
    if len(cand) == 0:
        return pd.DataFrame({"street_code": [], "location": [], "node": [], "x": [], "y": []})
    keys = np.round(cand / snap_m).astype(np.int64)
    _, first, node_of = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    node_of = node_of.ravel()
    node_xy = cand[first]
    # which streets pass each node
    node_pts = shapely.points(node_xy)
    n_idx, s_idx = tree.query(node_pts, predicate="dwithin", distance=snap_m)
    pairs = pd.DataFrame({"node": n_idx, "street": s_idx}).drop_duplicates()
    n_streets = pairs.groupby("node")["street"].nunique()
    end_pairs = set(zip(node_of[: len(end_xy)].tolist(), end_street.tolist(), strict=True))
    is_end = np.array([(n, s) in end_pairs for n, s in
                       zip(pairs["node"], pairs["street"], strict=True)], dtype=bool)
    is_inter = pairs["node"].map(n_streets).to_numpy() >= 2
    pairs = pairs.assign(location=np.where(is_inter, "intersection", "end"))
    pairs = pairs.loc[is_end | is_inter]
    out = pd.DataFrame({
        "street_code": codes[pairs["street"].to_numpy()].astype(str),
        "location": pairs["location"].to_numpy(),
        "node": pairs["node"].to_numpy(),
        "x": node_xy[pairs["node"].to_numpy(), 0],
        "y": node_xy[pairs["node"].to_numpy(), 1],
    })
    out = out.sort_values(["x", "y", "street_code"], kind="stable").reset_index(drop=True)
    out["node"] = pd.factorize(out["node"].to_numpy())[0].astype(np.int64)
    return out


def signage_plan(
    register: RegisterSource,
    *,
    zones: Iterable[str | int] | None = None,
    quartiers: Iterable[str] | None = None,
    statuses: Iterable[str] = ("proposed", "current"),
    street_prefix: str | None = None,
    settings: ExportSettings | None = None,
) -> SignagePlan:
    """Return the plates, counts per arrondissement and quartier, and their cost.

    Parameters
    ----------
    register : str, os.PathLike, Register or AddressingResult
        The register (EPSG:32631).
    zones, quartiers : iterable, optional
        Keep only the plates of these arrondissements / quartiers.
    statuses : iterable of str
        Address statuses that get a door plate (default proposed and current; a fresh
        register has only proposed addresses).
    street_prefix : str, optional
        Word before the code on a plate (``Rue 2.045``): the register's own
        ``street_prefix`` (from its stored settings); this value is used only for a register
        that stores no settings.
    settings : ExportSettings, optional
        Unit prices (FCFA) and ``plates_per_post``.

    Returns
    -------
    SignagePlan
        The plates and the counts.
    """
    s = settings or ExportSettings()
    reg = load_register(register)
    doors = select_addresses(reg, statuses=statuses)
    plates = street_plates(reg.streets)
    streets = reg.streets.assign(street_code=text(reg.streets["street_code"]))
    info = streets.drop_duplicates("street_code").set_index("street_code")
    names = text(info["street_name"])
    prefix = label_prefix(reg.meta, street_prefix)
    label: pd.Series = (prefix + " " + pd.Series(info.index, index=info.index)
                        + np.where(names != "", " — " + names, ""))
    plates["zone"] = plates["street_code"].map(text(info["zone"])).fillna("")
    plates["plate_text"] = plates["street_code"].map(label)
    # arrondissement and quartier of a street plate: both those of the nearest address (where
    # its building stands), so a summary row never pairs a zone with another zone's quartier
    pts = gpd.GeoDataFrame(plates, geometry=shapely.points(plates[["x", "y"]].to_numpy()),
                           crs=reg.streets.crs)
    all_addr = reg.addresses
    zone_col = "building_zone" if "building_zone" in all_addr.columns else "zone"
    if len(all_addr) and len(pts):
        tree = shapely.STRtree(np.asarray(all_addr.geometry.array))
        nearest = tree.nearest(np.asarray(pts.geometry.array))
        pts["quartier"] = text(all_addr["quartier"]).to_numpy()[nearest]
        near_zone = text(all_addr[zone_col]).to_numpy()[nearest]
        pts["zone"] = np.where(near_zone != "", near_zone, pts["zone"].to_numpy())
    else:
        pts["quartier"] = ""
    pts["kind"] = "street"
    door = gpd.GeoDataFrame({
        "street_code": text(doors["street_code"]).to_numpy(),
        "location": "door",
        "node": pd.NA,
        "x": doors.geometry.x.to_numpy(),
        "y": doors.geometry.y.to_numpy(),
        "zone": text(doors[zone_col]).to_numpy(),
        "plate_text": text(doors["label"]).to_numpy(),
        "quartier": text(doors["quartier"]).to_numpy(),
        "kind": "door",
    }, geometry=np.asarray(doors.geometry.array), crs=reg.streets.crs)
    allp = pd.concat([pts, door], ignore_index=True)
    allp = gpd.GeoDataFrame(allp, geometry="geometry", crs=reg.streets.crs)
    allp["node"] = pd.array(allp["node"], dtype="Int64")  # empty for door plates
    lonlat = allp.geometry.to_crs(4326)
    allp["lon"] = np.round(lonlat.x.to_numpy(), 6)
    allp["lat"] = np.round(lonlat.y.to_numpy(), 6)
    allp["plus_code"] = plus_codes(allp["lon"].to_numpy(), allp["lat"].to_numpy())
    allp["x"] = np.round(allp["x"].to_numpy(dtype=float), 2)
    allp["y"] = np.round(allp["y"].to_numpy(dtype=float), 2)
    if zones is not None:
        allp = allp.loc[allp["zone"].isin({str(z) for z in zones})]
    if quartiers is not None:
        allp = allp.loc[allp["quartier"].isin({str(q) for q in quartiers})]
    cols = ["kind", "location", "street_code", "plate_text", "zone", "quartier", "node",
            "lon", "lat", "plus_code", "x", "y", "geometry"]
    allp = allp[cols].reset_index(drop=True)
    return SignagePlan(plates=allp, counts=_counts(allp, s))


def _counts(plates: pd.DataFrame, s: ExportSettings) -> pd.DataFrame:
    street = plates.loc[plates["kind"] == "street"]
    # posts: per location, enough for its plates; counted in the first plate's quartier
    per_node = street.groupby("node").agg(zone=("zone", "first"),
                                          quartier=("quartier", "first"),
                                          n=("street_code", "size"))
    per_node["posts"] = np.ceil(per_node["n"] / s.plates_per_post)
    posts = per_node.groupby(["zone", "quartier"])["posts"].sum()
    counts = pd.DataFrame({
        "street_plates": street.groupby(["zone", "quartier"]).size(),
        "door_plates": plates.loc[plates["kind"] == "door"].groupby(["zone", "quartier"]).size(),
        "posts": posts,
    }).fillna(0).astype(np.int64)
    counts = counts.sort_index().reset_index()
    total = counts[["street_plates", "door_plates", "posts"]].sum()
    counts.loc[len(counts)] = ["Total", "", *total.tolist()]
    counts["cost_fcfa"] = (counts["street_plates"] * s.street_plate_fcfa
                           + counts["door_plates"] * s.door_plate_fcfa
                           + counts["posts"] * s.street_plate_post_fcfa).astype(float)
    return counts


def _presented(table: pd.DataFrame, lang: Language) -> pd.DataFrame:
    t = table.drop(columns=["geometry"], errors="ignore")
    if "kind" in t.columns:
        t = t.assign(kind=t["kind"].map({"street": word("street_plate", lang),
                                         "door": word("door_plate", lang)}),
                     location=t["location"].map({"end": word("street_end", lang),
                                                 "intersection": word("intersection", lang),
                                                 "door": ""}))
    return t.rename(columns={c: header(c, lang) for c in t.columns})


def write_signage_csv(
    plan: SignagePlan, path: str | os.PathLike[str], *,
    settings: ExportSettings | None = None, overwrite: bool = False,
) -> Path:
    """Write the plate list as CSV (UTF-8 with BOM, injection-safe).

    Parameters
    ----------
    plan : SignagePlan
        From :func:`signage_plan`.
    path : str or os.PathLike
        The CSV file.
    settings : ExportSettings, optional
        Language and separator.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    s = settings or ExportSettings()
    ids = [header("street_code", s.language)] if s.csv_ids_as_text else []  # type: ignore[arg-type]
    return write_csv(_presented(plan.plates, s.language),  # type: ignore[arg-type]
                     path, separator=s.csv_separator, decimal=s.csv_decimal,
                     overwrite=overwrite, id_columns=ids)


def write_signage_xlsx(
    plan: SignagePlan, path: str | os.PathLike[str], *,
    settings: ExportSettings | None = None, overwrite: bool = False,
) -> Path:
    """Write the counts and costs (first sheet) and the plate list (second sheet) as XLSX.

    Parameters
    ----------
    plan : SignagePlan
        From :func:`signage_plan`.
    path : str or os.PathLike
        The ``.xlsx`` file.
    settings : ExportSettings, optional
        Language.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    s = settings or ExportSettings()
    lang: Language = s.language  # type: ignore[assignment]
    return write_xlsx(
        [(word("signage_plan", lang), _presented(plan.counts, lang)),
         (word("plates", lang), _presented(plan.plates, lang))],
        path, text_columns=[header("street_code", lang), header("zone", lang)],
        overwrite=overwrite,
    )
