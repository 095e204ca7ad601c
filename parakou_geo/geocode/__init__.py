"""Find an address: forward and reverse search over an address register, offline.

Usage::

    from parakou_geo.geocode import Geocoder

    geo = Geocoder.from_register("register.gpkg")   # built in memory, once
    geo.search("12 bis rue 2.045").best             # ranked matches, best first
    geo.reverse([(2.6291, 9.3390)])                 # (lon, lat) points → nearest address

The examples of :class:`Geocoder` run on the embedded sample.
"""

from parakou_geo.geocode._load import RegisterTables, read_tables
from parakou_geo.geocode.geocoder import Geocoder
from parakou_geo.geocode.results import Match, MatchKind, SearchResult
from parakou_geo.geocode.reverse import REVERSE_COLUMNS, reverse_geocode

__all__ = [
    "REVERSE_COLUMNS",
    "Geocoder",
    "Match",
    "MatchKind",
    "RegisterTables",
    "SearchResult",
    "read_tables",
    "reverse_geocode",
]
