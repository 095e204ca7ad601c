"""The results of a search: :class:`Match` and :class:`SearchResult`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Match", "MatchKind", "SearchResult"]

MatchKind = Literal["address", "interpolated", "street", "quartier", "plus_code"]


@dataclass(frozen=True)
class Match:
    """One search result.

    Attributes
    ----------
    kind : {"address", "interpolated", "street", "quartier", "plus_code"}
        What was found: a register address, a number placed on its street (not in the
        register), a whole street, a quartier, or the centre of a Plus Code.
    label : str
        The address label (``12 bis Rue 2.045``), the street (``Rue 2.045``) or the name.
    status : str
        The address's lifecycle status; ``"interpolated"`` for a placed number; empty for
        streets and places.
    street_code, street_name, quartier, zone : str
        Where it is (empty when unknown).
    lon, lat : float
        Position in EPSG:4326 (the building point; the placed door; the street's middle).
    x, y : float
        The same position in the register's metric CRS.
    plus_code : str
        Full Plus Code of the position.
    score : float
        0-100; higher is better.
    why : str
        How the query matched, in words.
    address_id : str
        The register id (addresses only).
    replaced_by : str
        For a retired or renamed address: the label that replaced it, when known.
    """

    kind: MatchKind
    label: str
    status: str
    street_code: str
    street_name: str
    quartier: str
    zone: str
    lon: float
    lat: float
    x: float
    y: float
    plus_code: str
    score: float
    why: str
    address_id: str = ""
    replaced_by: str = ""

    def as_dict(self) -> dict[str, object]:
        """Return the fields as a plain dict (for JSON and CSV)."""
        return {f: getattr(self, f) for f in self.__dataclass_fields__}


@dataclass
class SearchResult:
    """The ranked matches of one query, and a message when there are none or it was odd.

    Iterating, ``len()`` and indexing go to :attr:`matches`.
    """

    query: str
    matches: list[Match] = field(default_factory=list)
    message: str = ""

    def __iter__(self) -> Iterator[Match]:
        return iter(self.matches)

    def __len__(self) -> int:
        return len(self.matches)

    def __getitem__(self, i: int) -> Match:
        return self.matches[i]

    @property
    def best(self) -> Match | None:
        """The first match, or ``None``."""
        return self.matches[0] if self.matches else None
