"""Acceptance checks on real geometry from ../shared/data (skipped when it is absent)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import shared_file

from parakou_geo import AddressingSettings, address_files, read_layer
from parakou_geo.numbering import LATIN_SUFFIXES
from parakou_geo.pipeline import AddressingResult
from parakou_geo.streets import name_key

pytestmark = pytest.mark.realdata

CASES = {
    "freetown": ("cities/freetown_cbd.gpkg", "roads", "buildings"),
    "kotka_pbf": ("cities/kotka.osm.pbf", None, None),
    "kibera": ("cities/kibera.gpkg", "kibera_roads", "kianda_structures"),
}
NAME_COLUMN = {"kibera": "Name"}


@pytest.fixture(scope="module", params=sorted(CASES))
def run(request: pytest.FixtureRequest) -> tuple[str, Path, AddressingResult]:
    rel, roads_layer, bld_layer = CASES[request.param]
    path = shared_file(*rel.split("/"))
    settings = AddressingSettings(
        crs="auto", road_name_column=NAME_COLUMN.get(request.param, "name"))
    result = address_files(path, path, roads_layer=roads_layer, buildings_layer=bld_layer,
                           settings=settings)
    return request.param, path, result


def _door_distances(path: Path, result: AddressingResult, layer: str | None) -> np.ndarray:
    roads = read_layer(path, layer=CASES_LAYERS[path.name][0], kind="roads")
    bld = read_layer(path, layer=layer, kind="buildings")
    roads = roads.to_crs(result.metric_crs)
    bld = bld.to_crs(result.metric_crs)
    geoms = np.asarray(bld.geometry.array)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    pts = shapely.point_on_surface(shapely.make_valid(geoms[ok]))
    (pi, _), dist = shapely.STRtree(np.asarray(roads.geometry.array)).query_nearest(
        pts, return_distance=True, all_matches=False)
    out = np.full(len(pts), np.inf)
    out[pi] = dist
    return out


CASES_LAYERS = {Path(v[0]).name: (v[1], v[2]) for v in CASES.values()}


def test_at_least_98_percent_of_buildings_near_a_road_are_addressed(
    run: tuple[str, Path, AddressingResult],
) -> None:
    _, path, result = run
    near = int((_door_distances(path, result, CASES_LAYERS[path.name][1]) <= 100).sum())
    addressed = len(result.register.addresses)
    assert near > 1000
    assert addressed / near >= 0.98, (addressed, near)


def test_no_duplicate_labels_and_parity_matches_side(
    run: tuple[str, Path, AddressingResult],
) -> None:
    a = run[2].register.addresses
    assert not a["label"].duplicated().any()
    assert not a["address_id"].duplicated().any()
    odd = a["number"] % 2 == 1
    assert (odd == (a["side"] == "left")).all()


def _suffix_rank(s: str) -> int:
    if s == "":
        return 0
    if s in LATIN_SUFFIXES:
        return LATIN_SUFFIXES.index(s) + 1
    rank = 0
    for ch in s:
        rank = rank * 26 + (ord(ch) - ord("A") + 1)
    return rank


def test_numbers_strictly_increase_with_distance_on_each_side(
    run: tuple[str, Path, AddressingResult],
) -> None:
    a = run[2].register.addresses.copy()
    a["rank"] = a["suffix"].map(_suffix_rank)
    for _, grp in a.groupby(["street_code", "side"]):
        grp = grp.sort_values(["distance_m", "number", "rank"])
        keys = list(zip(grp["number"], grp["rank"], strict=True))
        assert keys == sorted(keys)
        assert len(set(keys)) == len(keys)
        # numbers never go down when the distance goes up
        assert (np.diff(grp["number"].to_numpy()) >= 0).all()


def test_touching_segments_with_the_same_name_form_one_street(
    run: tuple[str, Path, AddressingResult],
) -> None:
    result = run[2]
    seg = result.network.segments
    names = result.network.streets["name_key"].to_numpy(dtype=object)[seg["street"].to_numpy()]
    geoms = np.asarray(seg.geometry.array)
    a, b = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=0.01)
    keep = a < b
    a, b = a[keep], b[keep]
    same = np.array([x is not None and x == y for x, y in zip(names[a], names[b], strict=True)],
                    dtype=bool)
    street = seg["street"].to_numpy()
    assert same.sum() > 0
    assert (street[a[same]] == street[b[same]]).all()


def test_named_input_roads_keep_their_name(run: tuple[str, Path, AddressingResult]) -> None:
    name, path, result = run
    roads = read_layer(path, layer=CASES_LAYERS[path.name][0], kind="roads")
    wanted = {name_key(n) for n in roads[NAME_COLUMN.get(name, "name")].dropna()} - {None}
    got = set(result.register.streets["street_name"].dropna().map(name_key))
    assert wanted
    assert wanted <= got


def test_kotka_gpkg_and_pbf_give_the_same_streets() -> None:
    pbf = shared_file("cities", "kotka.osm.pbf")
    gpkg = shared_file("cities", "kotka.gpkg")
    s = AddressingSettings(crs="auto")
    a = address_files(pbf, pbf, settings=s)
    b = address_files(gpkg, gpkg, roads_layer="roads", buildings_layer="buildings", settings=s)
    assert a.metric_crs.to_epsg() == 32635
    assert a.counts["streets"] == b.counts["streets"]
    assert len(a.register.addresses) == len(b.register.addresses)
    pd.testing.assert_series_equal(
        a.register.streets["street_code"], b.register.streets["street_code"])
