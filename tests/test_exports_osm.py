"""OpenStreetMap export: address points with addr:* tags in EPSG:4326."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import lonlat
from test_exports_helpers import HYPERLINK, make_register

from parakou_geo.exports import osm_features, write_osm_geojson


def test_tags_and_positions(tmp_path: Path) -> None:
    path = write_osm_geojson(make_register(), tmp_path / "adresses.geojson")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    feats = doc["features"]
    assert len(feats) == 4  # A4 is retired
    tags = [(f["properties"]["addr:housenumber"], f["properties"].get("addr:street"),
             f["properties"]["ref:street_code"]) for f in feats]
    # the unnamed street 2.001: no made-up addr:street, its code in ref:street_code
    assert tags == [("25", "Rue du Marché", "1.001"), ("30", "Rue du Marché", "1.001"),
                    ("12 bis", HYPERLINK, "1.002"), ("50", None, "2.001")]
    assert "addr:street" not in feats[3]["properties"]
    assert "Rue 2.001" not in path.read_text(encoding="utf-8")
    assert {f["properties"]["addr:city"] for f in feats} == {"Parakou"}
    assert {f["properties"]["addr:country"] for f in feats} == {"BJ"}
    lon, lat = lonlat((25, 10))
    assert feats[0]["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=1e-6)


def test_filters_and_crs() -> None:
    gdf = osm_features(make_register(), zones=[2])
    assert gdf.crs.to_epsg() == 4326
    assert gdf["addr:street"].tolist() == [None]
    assert gdf["ref:street_code"].tolist() == ["2.001"]
    assert osm_features(make_register(), statuses=None).shape[0] == 5
