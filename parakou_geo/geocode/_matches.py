"""Private: the geocoder's result builders (addresses, streets, quartiers, Plus Codes).

:class:`MatchBuilder` turns rows of the index into :class:`~parakou_geo.geocode.results.Match`
objects (with the retired-and-replaced note, interpolated doors on metric streets, Plus Codes
and the nearest address to one); :class:`~parakou_geo.geocode.Geocoder` inherits it.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cached_property

import numpy as np
import pandas as pd
from openlocationcode import openlocationcode as olc
from pyproj import Transformer
from scipy.spatial import cKDTree

from parakou_geo.geocode._index import IndexBuilder, StreetInfo
from parakou_geo.geocode._streets import Pieces, place_along
from parakou_geo.geocode.results import Match
from parakou_geo.numbering import is_left_number
from parakou_geo.pluscodes import plus_codes
from parakou_geo.register.labels import make_labels

__all__ = ["MatchBuilder", "group_rows"]


class MatchBuilder(IndexBuilder):
    """The match-building steps of the geocoder (arrays set by its ``__init__``)."""

    label: np.ndarray
    street_name: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    prefix: str
    reference_lonlat: tuple[float, float]
    _to_metric: Transformer
    _to_lonlat: Transformer
    _piece_arrays: Pieces
    _replaced: dict[int, tuple[int, str]]

    @cached_property
    def _active_tree(self) -> tuple[cKDTree, np.ndarray]:
        rows = np.flatnonzero(self.active)
        return cKDTree(np.c_[self.x[rows], self.y[rows]]), rows

    # ------------------------------------------------------------------ match builders
    def _address_match(self, r: int, score: float, why: str) -> Match:
        status = self.status[r]
        replaced = ""
        if status == "retired":
            score -= 1.0
            if r in self._replaced:
                j, how = self._replaced[r]
                replaced = self.label[j]
                why += f"; retired, replaced by {replaced} ({how})"
            else:
                why += "; retired"
        elif status == "rejected":
            score -= 2.0
            why += "; rejected"
        return Match("address", self.label[r], status, self.code[r], self.street_name[r],
                     self.quartier[r], self.zone[r], float(self.lon[r]), float(self.lat[r]),
                     float(self.x[r]), float(self.y[r]), "", round(min(score, 100.0), 1), why,
                     self.address_id[r], replaced)

    def _street_match(self, st: StreetInfo, score: float, why: str) -> Match:
        x, y = self._street_middle(st)
        lon, lat = self._to_lonlat.transform(x, y)
        return Match("street", f"{self.prefix} {st.code}", "", st.code, st.name,
                     "", st.zone, float(lon), float(lat), x, y, "", round(score, 1), why)

    def _street_middle(self, st: StreetInfo) -> tuple[float, float]:
        placed = place_along(self._piece_arrays, st.rows, st.length_m / 2.0, left=True,
                             setback_m=0.0)
        if placed is None:
            rows = np.flatnonzero(self.code == st.code)
            return float(self.x[rows].mean()), float(self.y[rows].mean())
        return placed[0], placed[1]

    def _place_match(self, quartier: str) -> Match:
        x, y = self._place_centre[quartier]
        lon, lat = self._to_lonlat.transform(x, y)
        zones = sorted(set(self.zone[self.quartier == quartier]))
        return Match("quartier", quartier, "", "", "", quartier, ", ".join(zones),
                     float(lon), float(lat), x, y, "", 90.0, f"quartier {quartier!r}")

    def _interpolate(self, st: StreetInfo, number: int) -> Match | None:
        if st.method == "metric":
            distance = float(number)
        elif st.method == "decametric":
            distance = 10.0 * number
        else:
            return None
        placed = place_along(self._piece_arrays, st.rows, distance, left=is_left_number(number),
                             setback_m=st.setback_m)
        if placed is None:
            return None
        x, y = float(placed[0]), float(placed[1])
        lon, lat = self._to_lonlat.transform(x, y)
        label = make_labels(np.array([number]), np.array([""], dtype=object),
                            np.array([st.code], dtype=object), self.prefix)[0]
        side = "left" if is_left_number(number) else "right"
        return Match("interpolated", label, "interpolated", st.code, st.name, "", st.zone,
                     float(lon), float(lat), x, y, "", 0.0,
                     f"{distance:g} m from the street's origin, {side} side "
                     f"({st.setback_m:.0f} m from the street)")

    def _plus_code(self, code: str, near_xy: tuple[float, float] | None,
                   notes: list[str]) -> list[Match]:
        if olc.isFull(code):
            full = code
        elif olc.isShort(code):
            if near_xy is not None:
                lon0, lat0 = self._to_lonlat.transform(*near_xy)
            else:
                lon0, lat0 = self.reference_lonlat
            full = olc.recoverNearest(code, lat0, lon0)
        else:
            notes.append(f"{code} is not a valid Plus Code")
            return []
        area = olc.decode(full)
        lon, lat = float(area.longitudeCenter), float(area.latitudeCenter)
        x, y = (float(v) for v in self._to_metric.transform(lon, lat))
        out = [Match("plus_code", full, "", "", "", "", "", lon, lat, x, y, full, 80.0,
                     f"centre of Plus Code {full}")]
        tree, rows = self._active_tree
        if len(rows):
            d, k = tree.query([x, y], k=1)
            if d <= 25.0:
                r = int(rows[k])
                out.append(self._address_match(r, 97.0 - d / 5.0, f"Plus Code {full}: "
                                               f"nearest address, {d:.0f} m from its centre"))
        return out

    def _with_codes(self, matches: list[Match]) -> list[Match]:
        if not matches:
            return matches
        codes = plus_codes(np.array([m.lon for m in matches]),
                           np.array([m.lat for m in matches]))
        return [m if m.plus_code else replace(m, plus_code=str(c or ""))
                for m, c in zip(matches, codes, strict=True)]


def group_rows(code: np.ndarray, number: np.ndarray) -> dict[tuple[str, int], np.ndarray]:
    """Return the rows of each (street code, number), in row order."""
    if len(code) == 0:
        return {}
    code_id, uniques = pd.factorize(code)
    order = np.lexsort((np.arange(len(code)), number, code_id))
    c, n = code_id[order], number[order]
    starts = np.flatnonzero(np.r_[True, (c[1:] != c[:-1]) | (n[1:] != n[:-1])])
    ends = np.r_[starts[1:], len(order)]
    keys = zip(np.asarray(uniques, dtype=object)[c[starts]].tolist(), n[starts].tolist(),
               strict=True)
    return {k: order[s:e] for k, s, e in zip(keys, starts.tolist(), ends.tolist(),
                                             strict=True)}
