"""Private: building the geocoder's in-memory index from the register's tables.

:class:`IndexBuilder` holds the steps (street table, name variants, former labels, the
replacements of retired addresses, quartier names); :class:`~parakou_geo.geocode.Geocoder`
inherits them and runs them once, when it is created.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from parakou_geo.exports._input import text
from parakou_geo.geocode._load import RegisterTables
from parakou_geo.geocode._names import NameVariant, name_words
from parakou_geo.geocode._query import fold, place_pattern
from parakou_geo.register.meta import label_prefix, stored_setting

__all__ = ["IndexBuilder", "StreetInfo", "prefix_of", "settings_value", "values"]


@dataclass
class StreetInfo:
    code: str
    name: str
    zone: str
    length_m: float
    method: str
    rows: np.ndarray  # its pieces in Geocoder._pieces
    setback_m: float
    numbers: tuple[int, int]
    quartiers: frozenset[str]


def values(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Return a column as an object array of text, missing values as ``""``."""
    if column not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    col = frame[column]
    arr = col.to_numpy(dtype=object, na_value="") if col.hasnans else col.to_numpy(
        dtype=object)
    if pd.api.types.infer_dtype(arr, skipna=False) in ("string", "empty"):
        return arr
    return text(col).to_numpy(dtype=object)


class IndexBuilder:
    """The index-building steps of the geocoder (arrays set by its ``__init__``)."""

    code: np.ndarray
    number: np.ndarray
    quartier: np.ndarray
    zone: np.ndarray
    status: np.ndarray
    address_id: np.ndarray
    building: np.ndarray
    x: np.ndarray
    y: np.ndarray
    active: np.ndarray
    zones: list[str]
    _pieces: gpd.GeoDataFrame
    _streets: dict[str, StreetInfo]
    _label_row: dict[str, int]
    _place_names: dict[str, str]
    _place_re: re.Pattern[str]
    _place_words: dict[str, str]
    _place_centre: dict[str, tuple[float, float]]

    def _street_table(self, tables: RegisterTables) -> dict[str, StreetInfo]:
        st = tables.streets
        status = values(st, "status")
        order = np.argsort(status != "current", kind="stable")  # current rows win
        codes = values(st, "street_code")[order]
        names = values(st, "street_name")[order]
        zones = values(st, "zone")[order]
        length = (st["length_m"].to_numpy(dtype=float)[order] if "length_m" in st.columns
                  else shapely.length(np.asarray(st.geometry.array))[order])
        counts = pd.DataFrame({"code": self.code, "method": values(tables.addresses, "method")}
                              ).value_counts().reset_index()  # most frequent first
        method_of = counts.drop_duplicates("code").set_index("code")["method"]
        default_method = settings_value(tables.meta, "method", "metric")
        dist_street = (pd.to_numeric(tables.addresses["distance_to_street_m"],
                                     errors="coerce").to_numpy(dtype=float)
                       if "distance_to_street_m" in tables.addresses.columns
                       else np.full(len(self.code), np.nan))
        setback = pd.Series(dist_street).groupby(pd.Series(self.code)).median()
        num_range = pd.Series(self.number).groupby(pd.Series(self.code)).agg(["min", "max"])
        quartiers: dict[str, frozenset[str]] = {
            str(c): frozenset(g) for c, g in pd.Series(self.quartier).groupby(
                pd.Series(self.code))}
        piece_rows = pd.Series(np.arange(len(self._pieces))).groupby(
            self._pieces["street_code"].to_numpy()).indices
        out: dict[str, StreetInfo] = {}
        for code, name, zone, length_m in zip(codes, names, zones, length, strict=True):
            if code in out or not code:
                continue
            sb = float(setback.get(code, np.nan))
            lo, hi = (num_range.loc[code].tolist() if code in num_range.index else (0, 0))
            out[code] = StreetInfo(
                code=code, name=name, zone=zone, length_m=float(length_m),
                method=str(method_of.get(code, "") or default_method),
                rows=np.asarray(piece_rows.get(code, np.zeros(0, dtype=np.int64))),
                setback_m=float(np.clip(sb, 3.0, 30.0)) if np.isfinite(sb) else 10.0,
                numbers=(int(lo), int(hi)),
                quartiers=quartiers.get(code, frozenset()),
            )
        return out

    def _variants(self, tables: RegisterTables) -> list[NameVariant]:
        out = [NameVariant(s.code, s.name, False, tuple(name_words(s.name)))
               for s in self._streets.values() if s.name]
        for code, name in zip(text(tables.former_names["street_code"]),
                              text(tables.former_names["name"]), strict=True):
            if code in self._streets and name and fold(name) != fold(
                    self._streets[code].name):
                out.append(NameVariant(code, name, True, tuple(name_words(name))))
        return out

    def _former_labels(self, former: pd.DataFrame) -> dict[str, int]:
        row_of = {a: i for i, a in enumerate(self.address_id)}
        return {fold(lab): row_of[a] for a, lab in zip(text(former["address_id"]),
                                                       text(former["label"]), strict=True)
                if a in row_of and lab not in self._label_row}

    def _replacements(self, addresses: pd.DataFrame) -> dict[int, tuple[int, str]]:
        """Retired addresses → the active address that replaced them, and how it is known.

        A replacement is the active address of the same building, else the nearest active
        address (within 15 m) created on or after the day the old one was retired: a new
        building put up where the old one stood. Without ``created``/``retired`` dates only
        the same building counts.
        """
        retired = np.flatnonzero(self.status == "retired")
        if len(retired) == 0 or not self.active.any():
            return {}
        active = np.flatnonzero(self.active)
        by_building = {b: i for b, i in zip(self.building[active], active, strict=True) if b}
        dated = {"created", "retired"} <= set(addresses.columns)
        created = values(addresses, "created")
        gone_on = values(addresses, "retired")
        tree = cKDTree(np.c_[self.x[active], self.y[active]])
        k = min(5, len(active))
        dist, near = tree.query(np.c_[self.x[retired], self.y[retired]], k=k,
                                distance_upper_bound=15.0)
        dist, near = dist.reshape(len(retired), k), near.reshape(len(retired), k)
        out: dict[int, tuple[int, str]] = {}
        for i, r in enumerate(retired):
            if self.building[r] and self.building[r] in by_building:
                out[int(r)] = (int(by_building[self.building[r]]), "same building")
                continue
            if not dated or not gone_on[r]:
                continue
            for d, j in zip(dist[i], near[i], strict=True):
                if np.isfinite(d) and created[active[j]] >= gone_on[r]:
                    out[int(r)] = (int(active[j]), f"new building {d:.0f} m away")
                    break
        return out

    def _places(self, tables: RegisterTables) -> None:
        names = sorted({q for q in self.quartier if q})
        centre: dict[str, tuple[float, float]] = {}
        if tables.quartiers is not None:
            qs = tables.quartiers
            pts = shapely.point_on_surface(np.asarray(qs.geometry.array))
            for q, p in zip(text(qs["quartier"]), pts, strict=True):
                if q:
                    centre[q] = (float(shapely.get_x(p)), float(shapely.get_y(p)))
            names = sorted(set(names) | set(centre))
        frame = pd.DataFrame({"q": self.quartier, "x": self.x, "y": self.y})
        for q, g in frame.groupby("q"):
            centre.setdefault(str(q), (float(g["x"].mean()), float(g["y"].mean())))
        keys: dict[str, str] = {}
        for q in names:
            k = fold(q)
            for key in {k, k.removeprefix("quartier ")}:
                keys[key] = q
                keys[re.sub(r"\b(\d+) ([a-z])\b", r"\1\2", key)] = q  # "2 a" and "2a"
        self._place_names = keys
        self._place_re = place_pattern(list(keys))
        self._place_words = {k: q for k, q in keys.items() if " " not in k and len(k) >= 5}
        self._place_centre = centre
        self.zones = sorted({z for z in self.zone if z}, key=lambda z: (len(z), z))


def prefix_of(meta: dict[str, str]) -> str:
    return label_prefix(meta)


def settings_value(meta: dict[str, str], key: str, default: str) -> str:
    return stored_setting(meta, key, default)

