"""Find an address: forward search (text → addresses) over an address register.

Design: the whole index lives in memory and is built from the register when the
:class:`Geocoder` is created (well under a second for the sample, about a second for 100,000
addresses), so it never goes stale and no register operation (``update``, ``names``,
``move``, ``renumber``...) has to maintain it. Door numbers and street codes are looked up in
dictionaries; street and quartier names go through a word index with typo tolerance
(:mod:`parakou_geo.geocode._names`). A number missing from a metric street is placed where
it would be: in a metric register the number *is* the distance from the street's origin.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from rapidfuzz.distance import OSA

from parakou_geo._errors import InputError
from parakou_geo.exports._input import RegisterSource
from parakou_geo.geocode._index import StreetInfo, prefix_of, values
from parakou_geo.geocode._load import RegisterTables, read_tables
from parakou_geo.geocode._matches import MatchBuilder, group_rows
from parakou_geo.geocode._names import NameIndex, edit_budget
from parakou_geo.geocode._query import (
    MAX_QUERY_CHARS,
    STREET_TYPES,
    ParsedQuery,
    fold,
    parse_query,
    suffix_aliases,
)
from parakou_geo.geocode._streets import Pieces, oriented_segments
from parakou_geo.geocode.results import Match, MatchKind, SearchResult
from parakou_geo.settings import MAIRIE_DE_PARAKOU_LONLAT

__all__ = ["Geocoder", "Match", "MatchKind", "SearchResult"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: Statuses of addresses that hold their number on a door today.
_ACTIVE = ("proposed", "current")
_MIN_NAME_SCORE = 55.0


class Geocoder(MatchBuilder):
    """Forward and reverse search over an address register, built once, in memory.

    Parameters
    ----------
    tables : RegisterTables
        The register's tables (use :meth:`from_register` to read them from a file).
    reference_lonlat : tuple of float
        Point that short Plus Codes (``8JPJ+V4 Parakou``) are recovered near, EPSG:4326
        (default: Mairie de Parakou).

    Examples
    --------
    >>> from parakou_geo.geocode import Geocoder
    >>> from parakou_geo.datasets import load_sample
    >>> from parakou_geo.pipeline import address
    >>> s = load_sample()
    >>> result = address(s["roads"], s["buildings"], zones=s["zones"],
    ...                  quartiers=s["quartiers"])
    >>> geo = Geocoder.from_register(result)
    >>> geo.search("25 R1.001").best.label
    '25 Rue 1.001'
    >>> geo.search("rue du dispensiare 25").best.label
    '25 Rue 1.001'
    """

    def __init__(
        self,
        tables: RegisterTables,
        *,
        reference_lonlat: tuple[float, float] = MAIRIE_DE_PARAKOU_LONLAT,
    ) -> None:
        a = tables.addresses
        self.crs = a.crs
        self.reference_lonlat = reference_lonlat
        self._to_metric = Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        self._to_lonlat = Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)
        self.prefix = prefix_of(tables.meta)
        self.label = values(a, "label")
        self.code = values(a, "street_code")
        self.number = pd.to_numeric(a["number"], errors="coerce").fillna(-1).astype(
            np.int64).to_numpy()
        self.suffix = np.array([s.casefold() for s in values(a, "suffix")], dtype=object)
        self.status = values(a, "status")
        self.quartier = values(a, "quartier")
        self.zone = values(a, "zone")
        self.street_name = values(a, "street_name")
        self.address_id = values(a, "address_id")
        self.side = values(a, "side")
        self.building = values(a, "building_id")
        xy = shapely.get_coordinates(np.asarray(a.geometry.array))
        self.x, self.y = xy[:, 0], xy[:, 1]
        if {"lon", "lat"} <= set(a.columns):
            self.lon = a["lon"].to_numpy(dtype=float)
            self.lat = a["lat"].to_numpy(dtype=float)
        else:
            self.lon, self.lat = self._to_lonlat.transform(self.x, self.y)
        self.active = np.isin(self.status, _ACTIVE)
        self._by_number = group_rows(self.code, self.number)
        self._label_row = {lab: i for i, lab in enumerate(self.label)}
        self._pieces = oriented_segments(tables.streets, tables.segments)
        self._piece_arrays = Pieces(self._pieces)
        self._streets = self._street_table(tables)
        widths: dict[str, set[int]] = {}
        for c in self._streets:
            zone, _, digits = c.partition(".")
            widths.setdefault(zone, set()).add(len(digits))
        self._code_widths = {z: sorted(w) for z, w in widths.items()}
        self._names = NameIndex(self._variants(tables))
        self._former = self._former_labels(tables.former_labels)
        self._replaced = self._replacements(a)
        self._places(tables)

    @classmethod
    def from_register(
        cls,
        source: RegisterSource,
        *,
        reference_lonlat: tuple[float, float] = MAIRIE_DE_PARAKOU_LONLAT,
    ) -> Geocoder:
        """Build the geocoder of a register (a ``.gpkg`` path, a Register or a result).

        Raises
        ------
        InputError
            When the file is missing, is not a register, or lacks required columns.
        """
        return cls(read_tables(source), reference_lonlat=reference_lonlat)

    @classmethod
    def from_layers(
        cls,
        addresses: gpd.GeoDataFrame,
        streets: gpd.GeoDataFrame,
        *,
        segments: gpd.GeoDataFrame | None = None,
        quartiers: gpd.GeoDataFrame | None = None,
        reference_lonlat: tuple[float, float] = MAIRIE_DE_PARAKOU_LONLAT,
    ) -> Geocoder:
        """Build the geocoder from the register's ``addresses`` and ``streets`` layers.

        Parameters
        ----------
        addresses, streets : geopandas.GeoDataFrame
            The register's layers, in its metric CRS.
        segments : geopandas.GeoDataFrame, optional
            Oriented street segments (``street_code``, ``offset_m``); without them streets
            are measured from their ``origin_x``/``origin_y``.
        quartiers : geopandas.GeoDataFrame, optional
            Quartier polygons with a ``quartier`` column.
        reference_lonlat : tuple of float
            Where short Plus Codes are recovered (EPSG:4326).
        """
        from parakou_geo.register import Register

        register = Register(addresses=addresses, streets=streets,
                            unaddressed=gpd.GeoDataFrame(geometry=[], crs=addresses.crs),
                            run_info=pd.DataFrame({"key": [], "value": []}),
                            segments=segments, quartiers=quartiers)
        return cls(read_tables(register), reference_lonlat=reference_lonlat)

    # ------------------------------------------------------------------ search
    def search(
        self,
        query: str,
        *,
        limit: int = 5,
        near: tuple[float, float] | None = None,
    ) -> SearchResult:
        """Find the addresses, streets or places a text names, best first.

        Parameters
        ----------
        query : str
            What was heard or read: ``12 bis Rue 2.045``, ``R2.045 12B``, ``rue des
            manguiers 30 qtr 2-A``, ``8JPJ+V4 Parakou``... Case, accents, punctuation,
            abbreviations (``av.``, ``bd``, ``qtr``) and up to two typos per name are
            tolerated.
        limit : int
            At most this many matches.
        near : tuple of float, optional
            ``(lon, lat)`` in EPSG:4326: breaks ties in favour of nearby matches and is the
            reference point of short Plus Codes.

        Returns
        -------
        SearchResult
            The matches (possibly none) and, when the query cannot be answered or was
            odd, a message saying why. A bad query never raises.

        Raises
        ------
        InputError
            When ``limit`` is not a positive integer or ``near`` is not a (lon, lat) pair.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InputError(f"limit must be a positive whole number, got {limit!r}")
        near_xy = self._near(near)
        if not isinstance(query, str):
            return SearchResult(str(query), [], "the query must be text")
        q = query.strip()
        if not q:
            return SearchResult(query, [], "empty query: type an address such as "
                                "'12 bis Rue 2.045', a street name or a Plus Code")
        if len(q) > MAX_QUERY_CHARS:
            return SearchResult(query[:80] + "…", [], (
                f"query too long ({len(q)} characters, at most {MAX_QUERY_CHARS}): type "
                "one address, e.g. '12 bis Rue 2.045'"))
        parsed = parse_query(q, places=self._place_re, place_names=self._place_names)
        if not (parsed.number is not None or parsed.codes or parsed.plus_code
                or parsed.name_words or parsed.zones or parsed.quartiers):
            return SearchResult(query, [], f"nothing to search in {q!r}: type a number and a "
                                "street (code or name), a quartier or a Plus Code")
        notes: list[str] = []
        matches = self._search(parsed, near_xy, notes)
        if near_xy is not None:
            matches = [replace(m, score=round(max(0.0, m.score - min(
                5.0, math.hypot(m.x - near_xy[0], m.y - near_xy[1]) / 1000.0)), 1))
                for m in matches]
        matches.sort(key=lambda m: (-m.score, m.kind != "address", m.label))
        seen: set[tuple[str, str]] = set()
        unique = []
        for m in matches:
            if (m.kind, m.label) not in seen:
                seen.add((m.kind, m.label))
                unique.append(m)
        unique = unique[:limit]
        if not unique and not notes:
            notes.append(f"no address, street or quartier matches {q!r}")
        return SearchResult(query, self._with_codes(unique), "; ".join(notes))

    def search_many(
        self, queries: Iterable[str], *, near: tuple[float, float] | None = None
    ) -> pd.DataFrame:
        """Geocode many queries (a tax roll): one row per query with its best match.

        Returns
        -------
        pandas.DataFrame
            ``query`` then the :class:`Match` fields of the best match (empty when none)
            and ``message``.
        """
        fields = list(Match.__dataclass_fields__)
        rows = []
        for qtext in queries:
            res = self.search(qtext, limit=1, near=near)
            best = res.best
            row: dict[str, object] = {"query": qtext}
            row.update(best.as_dict() if best else dict.fromkeys(fields))
            row["message"] = res.message
            rows.append(row)
        return pd.DataFrame(rows, columns=["query", *fields, "message"])

    def _near(self, near: tuple[float, float] | None) -> tuple[float, float] | None:
        if near is None:
            return None
        try:
            lon, lat = (float(v) for v in near)
        except (TypeError, ValueError) as exc:
            raise InputError(f"near must be (lon, lat) in degrees, got {near!r}") from exc
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise InputError(f"near=({lon}, {lat}) is not a longitude/latitude in degrees "
                             "(give LON,LAT, e.g. 2.6292,9.3390)")
        x, y = self._to_metric.transform(lon, lat)
        return float(x), float(y)

    def _search(self, p: ParsedQuery, near_xy: tuple[float, float] | None,
                notes: list[str]) -> list[Match]:
        out: list[Match] = []
        if p.plus_code:
            out += self._plus_code(p.plus_code, near_xy, notes)
        words = p.name_words
        quartiers = list(p.quartiers)
        for w in list(words):  # a quartier name with a typo, when no street has that word
            if w in self._place_words or (len(w) >= 5 and w not in self._names.postings):
                hit = self._fuzzy_place(w)
                if hit:
                    quartiers.append(hit)
                    words.remove(w)
        streets = self._streets_for(p, words, notes)
        for code, (score, why) in streets.items():
            out += self._at_street(code, score, why, p, quartiers, notes)
        if not streets and not out:
            if quartiers and p.number is None:
                out += [self._place_match(q) for q in dict.fromkeys(quartiers)]
            elif p.number is not None and not p.codes and not words:
                notes.append(f"a number alone ({p.number}) is not an address: add the "
                             "street code or name")
            elif p.zones and not words:
                notes.append(f"arrondissement {', '.join(p.zones)} alone is not an address: "
                             "add a street or a quartier")
        return out

    def _fuzzy_place(self, word: str) -> str | None:
        if word in self._place_words:
            return self._place_words[word]
        best = None
        for key, q in self._place_words.items():
            if OSA.distance(word, key) <= edit_budget(key):
                best = q
        return best

    def _streets_for(self, p: ParsedQuery, words: list[str],
                     notes: list[str]) -> dict[str, tuple[float, str]]:
        found: dict[str, tuple[float, str]] = {}
        for written in p.codes:
            code = self._resolve_code(written)
            if code is not None:
                found[code] = (100.0, f"street code {code}")
            else:
                code = written
                notes.append(f"no street with code {code} in this register "
                             f"({self._code_hint(code)})")
        named: dict[str, tuple[float, str]] = {}
        if words and any(w not in STREET_TYPES for w in words):
            for i in self._names.candidates(words):
                score, _ = self._names.score(words, i)
                v = self._names.variants[i]
                if score < _MIN_NAME_SCORE:
                    continue
                why = (f"former name {v.name!r} (now {self._streets[v.street_code].name!r})"
                       if v.former else f"name {v.name!r}")
                if v.former:
                    score -= 2.0
                if score > named.get(v.street_code, (-1.0, ""))[0]:
                    named[v.street_code] = (score, why)
        if found:
            for code, (_, why) in named.items():
                if code in found:
                    found[code] = (100.0, f"{found[code][1]} and {why}")
            return found
        top = sorted(named.items(), key=lambda kv: (-kv[1][0], kv[0]))[:8]
        return dict(top)

    def _resolve_code(self, written: str) -> str | None:
        """Return the register's code for a code as written (``1.644`` → ``1.0644``)."""
        if written in self._streets:
            return written
        zone, _, digits = written.partition(".")
        for width in self._code_widths.get(zone, ()):
            code = f"{zone}.{int(digits):0{width}d}"
            if code in self._streets:
                return code
        return None

    def _code_hint(self, code: str) -> str:
        zone = code.split(".")[0]
        same = sorted(c for c in self._streets if c.split(".")[0] == zone)
        if same:
            return f"zone {zone} has codes {same[0]} to {same[-1]}"
        return f"its zones are {', '.join(self.zones) or 'none'}"

    def _at_street(self, code: str, sscore: float, why: str, p: ParsedQuery,
                   quartiers: list[str], notes: list[str]) -> list[Match]:
        st = self._streets[code]
        ctx = self._context(p, quartiers)
        if p.number is None:
            return [self._street_match(st, sscore - 2.0 + ctx(None, st), why)]
        rows = self._by_number.get((code, p.number), np.zeros(0, dtype=np.int64))
        out = []
        wanted = suffix_aliases(p.suffix) if p.suffix else frozenset({""})
        for r in rows:
            sfx = self.suffix[r]
            if sfx in wanted or (sfx and suffix_aliases(sfx) & wanted):
                adj, how = 0.0, ""
            elif not p.suffix:
                adj, how = -4.0, f", suffix {sfx} not typed"
            elif not p.suffix_firm and not sfx:
                adj, how = -1.0, ""
            else:
                have = f"suffix {sfx}" if sfx else "no suffix"
                adj, how = -8.0, f", {have} (not {p.suffix})"
            out.append(self._address_match(int(r), sscore + adj + ctx(int(r), st),
                                           f"{why}, number {p.number}{how}"))
        key = f"{p.number} {p.suffix} {self.prefix} {code}" if p.suffix else \
            f"{p.number} {self.prefix} {code}"
        former = self._former.get(fold(key))
        if former is None and p.suffix and not p.suffix_firm:
            former = self._former.get(fold(f"{p.number} {self.prefix} {code}"))
        if former is not None:
            m = self._address_match(former, sscore - 1.0 + ctx(former, st),
                                    f"{why}, former label of {self.label[former]}")
            out.append(replace(m, replaced_by=self.label[former]))
        if len(rows) == 0 and former is None:
            placed = self._interpolate(st, p.number)
            if placed is not None:
                out.append(replace(placed, score=sscore - 6.0 + ctx(None, st),
                                   why=f"{why}; number {p.number} is not in the register: "
                                   f"placed {placed.why}"))
            elif not out:
                lo, hi = st.numbers
                span = f"numbers {lo} to {hi}" if hi > 0 else "no numbers yet"
                if st.method not in ("metric", "decametric"):
                    span += ", numbered in sequence: a new door gets a suffix"
                notes.append(f"number {p.number} is not on {self.prefix} {code} ({span})")
                out.append(self._street_match(st, sscore - 15.0 + ctx(None, st),
                                              f"{why}; number {p.number} not found"))
        return out

    def _context(self, p: ParsedQuery,
                 quartiers: list[str]) -> Callable[[int | None, StreetInfo], float]:
        """Return the score change for an address (row) or a street given the context."""
        qs = {fold(q) for q in quartiers}
        zs = set(p.zones)

        def adjust(row: int | None, st: StreetInfo) -> float:
            adj = 0.0
            if qs:
                if row is not None:
                    adj += 3.0 if fold(self.quartier[row]) in qs else -3.0
                else:
                    adj += 3.0 if {fold(q) for q in st.quartiers} & qs else -3.0
            if zs:
                zone = self.zone[row] if row is not None else st.zone
                adj += 3.0 if zone in zs else -3.0
            return adj

        return adjust

    # ------------------------------------------------------------------ reverse
    def reverse(
        self,
        points: gpd.GeoSeries | gpd.GeoDataFrame | np.ndarray | Sequence[tuple[float, float]],
        *,
        max_distance_m: float = 100.0,
        with_plus_codes: bool = True,
    ) -> pd.DataFrame:
        """Find, for each point, the nearest address, its street, side and number.

        See :func:`parakou_geo.geocode.reverse.reverse_geocode` for the columns.

        Parameters
        ----------
        points : geopandas.GeoSeries, geopandas.GeoDataFrame or array-like
            Points in any CRS (GeoSeries/GeoDataFrame), or an ``(n, 2)`` array of
            ``(lon, lat)`` in EPSG:4326.
        max_distance_m : float
            A street farther than this (metres) from a point is not its street.
        with_plus_codes : bool
            Also give each point's Plus Code.

        Returns
        -------
        pandas.DataFrame
            One row per point, indexed like ``points``.
        """
        from parakou_geo.geocode.reverse import reverse_geocode

        return reverse_geocode(self, points, max_distance_m=max_distance_m,
                               with_plus_codes=with_plus_codes)

