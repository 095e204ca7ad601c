"""The numpy graph work of street building gives SciPy's answers exactly (it replaced them)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from parakou_geo import _lines, streets
from parakou_geo._street_graphs import components, distances_from
from parakou_geo.settings import AddressingSettings

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _scipy_components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    labels: np.ndarray = connected_components(graph, directed=False)[1]
    return labels.astype(np.int64)  # the street labels the former code kept (int64)


def _scipy_distances(n: int, a: np.ndarray, b: np.ndarray, w: np.ndarray,
                     origins: np.ndarray) -> np.ndarray:
    graph = coo_matrix((w, (a, b)), shape=(n, n)).tocsr()
    return dijkstra(graph, directed=False, indices=origins, min_only=True)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 120), st.integers(0, 10_000), st.integers(0, 300))
def test_components_are_scipys(n: int, seed: int, m: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, n, m), rng.integers(0, n, m)
    np.testing.assert_array_equal(components(n, a, b), _scipy_components(n, a, b))


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 120), st.integers(0, 10_000), st.integers(0, 300),
       st.sampled_from([0, 1, 3, 6, 9, 15]))
def test_distances_are_dijkstras_to_the_last_bit(n: int, seed: int, m: int,
                                                 decimals: int) -> None:
    """Random graphs with lengths from whole metres to full doubles, and several origins:
    the same sums along the same paths, so the same bits."""
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = a != b
    pairs = np.unique(np.c_[np.minimum(a, b), np.maximum(a, b)][keep], axis=0)
    w = np.round(rng.uniform(0.05, 300.0, len(pairs)) / rng.choice([1, 3, 7], len(pairs)),
                 decimals)
    w[w <= 0] = 0.5
    origins = np.unique(rng.integers(0, n, int(rng.integers(1, 4))))
    got = distances_from(n, pairs[:, 0], pairs[:, 1], w, origins)
    np.testing.assert_array_equal(got, _scipy_distances(n, pairs[:, 0], pairs[:, 1], w,
                                                        origins))


def test_components_label_by_smallest_node() -> None:
    # 4-5 and 0-3 joined, 1 and 2 alone: labels follow 0, 1, 2, 4
    labels = components(6, np.array([5, 3]), np.array([4, 0]))
    assert labels.tolist() == [0, 1, 2, 0, 3, 3]


def _network_with_scipy(monkeypatch: pytest.MonkeyPatch, roads: object) -> object:
    monkeypatch.setattr(streets, "components", _scipy_components)
    monkeypatch.setattr(_lines, "components", _scipy_components)
    monkeypatch.setattr(streets, "distances_from", _scipy_distances)
    from parakou_geo.access import street_network

    return street_network(roads, centre_xy=_centre(roads), settings=AddressingSettings())[0]


def _centre(roads: object) -> tuple[float, float]:
    minx, miny, maxx, maxy = roads.total_bounds  # type: ignore[attr-defined]
    return (minx + maxx) / 2, (miny + maxy) / 2


def _roads(path: Path | None) -> object:
    import geopandas as gpd

    from parakou_geo.datasets import load_sample
    from parakou_geo.prepare import prepare_roads

    raw = load_sample()["roads"] if path is None else gpd.read_file(path, layer="roads")
    metric = "EPSG:32631" if path is None else raw.estimate_utm_crs()
    return prepare_roads(raw, settings=AddressingSettings(), metric_crs=metric)[0]


@pytest.mark.parametrize("place", [None, "munich_altstadt", "porto"])
def test_streets_are_those_scipy_built(place: str | None,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Whole street networks, built both ways: same streets, same offsets, bit for bit."""
    path = None
    if place is not None:
        path = SHARED / "truth" / f"{place}.gpkg"
        if not path.exists():
            pytest.skip(f"{path} is absent (the shared real data lies beside the project)")
    from parakou_geo.access import street_network

    roads = _roads(path)
    ours = street_network(roads, centre_xy=_centre(roads), settings=AddressingSettings())[0]
    with monkeypatch.context() as patch:
        theirs = _network_with_scipy(patch, roads)
    pd.testing.assert_frame_equal(
        ours.segments.drop(columns="geometry"),  # type: ignore[attr-defined]
        theirs.segments.drop(columns="geometry"))  # type: ignore[attr-defined]
    assert shapely.equals_exact(
        np.asarray(ours.segments.geometry.array),  # type: ignore[attr-defined]
        np.asarray(theirs.segments.geometry.array), tolerance=0).all()  # type: ignore[attr-defined]
    assert len(ours.streets) > 10  # type: ignore[attr-defined]
