"""How far geometry alone can go in choosing a building's street (``../shared/data/truth``).

The issue asked for street agreement >= 0.85 on every place and >= 0.90 on average. This script
measures what any chooser working from the road and building geometry (and road names and
classes) could reach, to tell a weak rule from missing information:

- ``nearest named``: the nearest road with a name (footprint distance), any class;
- ``rule``: the default access rule of :func:`parakou_geo.access.choose_streets` replayed on
  roads (``distance + 0.3 x door distance - 6 m x class rank + 60 m`` for unnamed lanes);
- ``top-3 oracle``: the share whose real street is among the rule's three best candidates
  (an upper bound for any re-ranking of them);
- ``learned``: a gradient-boosted classifier re-ranking those three candidates from twelve
  features (distances, class ranks, names, length of unobstructed facade looking onto the road,
  angle between the building's long axis and the road, building size and elongation, road
  length), trained on the other nine places and tested on this one (leave one place out), so
  its score is what learned weights would bring to a place they have not seen.

Candidates are roads grouped by name (an unnamed road is its own candidate), sidewalks removed,
as the pipeline does; the denominators are the pipeline's (buildings whose real street is among
the file's road names). Needs scikit-learn (installed with the planning dependencies).

Usage::

    .venv/bin/python benchmarks/bench_truth_ceiling.py [--truth ../shared/data/truth]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from parakou_geo.access import ACCESS_RANKS
from parakou_geo.streets import name_key

ROOT = Path(__file__).resolve().parents[1]
FEATURES = ["d", "d_door", "rank", "named", "front", "cos", "elong", "log_area", "log_len",
            "d_gap", "rank_gap", "order"]
RAY_M = 40.0
FACADE_STEP_M = 4.0


def _facade_frontage(fp: np.ndarray, lines: np.ndarray, group: np.ndarray) -> pd.DataFrame:
    """Length of each building's facade whose outward ray meets a road before a building."""
    fp = shapely.orient_polygons(fp, exterior_cw=False)
    parts, part_of = shapely.get_parts(fp, return_index=True)
    rings = shapely.segmentize(shapely.get_exterior_ring(parts), FACADE_STEP_M)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    a, b, owner = xy[:-1][same], xy[1:][same], part_of[ring[:-1][same]]
    v = b - a
    length = np.hypot(v[:, 0], v[:, 1])
    ok = length > 0.05
    a, b, owner, v, length = a[ok], b[ok], owner[ok], v[ok], length[ok]
    mid = (a + b) / 2
    normal = np.column_stack([v[:, 1], -v[:, 0]]) / length[:, None]  # outward on a CCW ring
    rays = shapely.linestrings(np.stack([mid + 0.3 * normal, mid + RAY_M * normal], axis=1))
    origin = shapely.points(mid)
    ri, li = shapely.STRtree(lines).query(rays, predicate="intersects")
    d_road = shapely.distance(origin[ri], shapely.intersection(rays[ri], lines[li]))
    bi, bj = shapely.STRtree(fp).query(rays, predicate="intersects")
    other = bj != owner[bi]
    bi, bj = bi[other], bj[other]
    d_bld = shapely.distance(origin[bi], shapely.intersection(rays[bi], fp[bj]))
    blocked = np.full(len(rays), np.inf)
    np.minimum.at(blocked, bi, d_bld)
    hit = pd.DataFrame({"ray": ri, "road": li, "d": d_road})
    hit = hit[hit["d"] < blocked[hit["ray"].to_numpy()]].sort_values(["ray", "d"])
    hit = hit.drop_duplicates("ray")
    rays_hit = hit["ray"].to_numpy()
    return (pd.DataFrame({"b": owner[rays_hit], "g": group[hit["road"].to_numpy()],
                          "front": length[rays_hit]})
            .groupby(["b", "g"])["front"].sum().reset_index())


def candidates(path: Path) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Per building and candidate street: features, and whether it is the real street."""
    roads = gpd.read_file(path, layer="roads")
    bld = gpd.read_file(path, layer="buildings")
    crs = roads.estimate_utm_crs()
    roads, bld = roads.to_crs(crs), bld.to_crs(crs)
    all_keys = {k for k in map(name_key, roads["name"]) if isinstance(k, str)}
    truth = np.array([name_key(s) for s in bld["truth_street"]], dtype=object)
    known = np.array([k in all_keys for k in truth])
    tags = roads["other_tags"].fillna("") if "other_tags" in roads.columns \
        else pd.Series("", index=roads.index)
    sidewalk = tags.str.contains('"footway"=>"sidewalk"', regex=False) \
        | tags.str.contains('"footway"=>"crossing"', regex=False)
    roads = roads[~sidewalk.to_numpy()].reset_index(drop=True)
    keys = np.array([name_key(n) for n in roads["name"]], dtype=object)
    group = np.where(pd.isna(keys), "id:" + roads["road_id"].astype(str).to_numpy(), keys)
    rank = np.array([ACCESS_RANKS.get(h, -1) for h in roads["highway"].fillna("")])
    lines = np.asarray(roads.geometry.array)
    fp = np.asarray(bld.geometry.array)
    bi, li = shapely.STRtree(lines).query(fp, predicate="dwithin", distance=100.0)
    door = shapely.point_on_surface(fp)
    cand = pd.DataFrame({"b": bi, "g": group[li], "key": keys[li],
                         "d": shapely.distance(fp[bi], lines[li]),
                         "d_door": shapely.distance(door[bi], lines[li]), "rank": rank[li]})
    # angle between the building's long axis and the road where it comes nearest
    near = shapely.get_point(shapely.shortest_line(fp[bi], lines[li]), 1)
    at = shapely.line_locate_point(lines[li], near)
    ahead = shapely.get_coordinates(shapely.line_interpolate_point(lines[li], at + 1.0))
    behind = shapely.get_coordinates(shapely.line_interpolate_point(lines[li],
                                                                    np.maximum(at - 1.0, 0)))
    road_dir = ahead - behind
    box = shapely.get_coordinates(shapely.get_exterior_ring(shapely.oriented_envelope(fp)),
                                  return_index=True)
    first = np.searchsorted(box[1], np.arange(len(fp)))
    e1 = box[0][first + 1] - box[0][first]
    e2 = box[0][first + 2] - box[0][first + 1]
    l1, l2 = np.hypot(*e1.T), np.hypot(*e2.T)
    axis = np.where((l1 >= l2)[:, None], e1, e2)
    cos = np.abs((axis[bi] * road_dir).sum(axis=1)) / np.maximum(
        np.hypot(*axis[bi].T) * np.hypot(*road_dir.T), 1e-9)
    cand["cos"] = cos
    cand["elong"] = (np.maximum(l1, l2) / np.maximum(np.minimum(l1, l2), 0.1))[bi]
    cand["log_area"] = np.log1p(shapely.area(fp))[bi]
    cand = (cand.sort_values(["b", "g", "d"])
            .groupby(["b", "g"], as_index=False)
            .agg(key=("key", "first"), d=("d", "min"), d_door=("d_door", "min"),
                 rank=("rank", "max"), cos=("cos", "first"), elong=("elong", "first"),
                 log_area=("log_area", "first")))
    road_len = pd.Series(shapely.length(lines)).groupby(group).sum()
    cand["log_len"] = np.log1p(road_len.reindex(cand["g"]).to_numpy())
    cand = cand.merge(_facade_frontage(fp, lines, group), on=["b", "g"], how="left")
    cand["front"] = cand["front"].fillna(0.0)
    cand["named"] = cand["key"].notna().astype(float)
    lane = cand["key"].isna() & (cand["rank"] <= 0)
    cand["cost"] = cand["d"] + 0.3 * cand["d_door"] - 6.0 * cand["rank"] + 60.0 * lane
    cand = cand.sort_values(["b", "cost", "g"])
    cand["order"] = cand.groupby("b").cumcount()
    best = cand.groupby("b")[["d", "rank"]].transform("first")
    cand["d_gap"] = cand["d"] - best["d"]
    cand["rank_gap"] = cand["rank"] - best["rank"]
    cand["truth"] = cand["key"].to_numpy() == truth[cand["b"].to_numpy()]
    return cand, truth, known


def _share(chosen: pd.Series, truth: np.ndarray, known: np.ndarray) -> float:
    got = chosen.reindex(np.arange(len(truth))).to_numpy()
    return float(np.mean((got == truth)[known]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--truth", type=Path, default=ROOT.parent / "shared" / "data" / "truth")
    args = ap.parse_args()
    try:
        from sklearn.ensemble import GradientBoostingClassifier
    except ImportError:
        print("needs scikit-learn (pip install scikit-learn)", file=sys.stderr)
        return 2
    paths = sorted(args.truth.glob("*.gpkg"))
    if not paths:
        print(f"no truth files in {args.truth}", file=sys.stderr)
        return 2
    data = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for p in paths:
            data[p.stem] = candidates(p)
    print("| place | nearest named | rule | top-3 oracle | learned (leave one place out) |")
    print("|---|---|---|---|---|")
    rows = []
    for place, (cand, truth, known) in data.items():
        top = cand[cand["order"] < 3]
        train = pd.concat([c[c["order"] < 3] for p, (c, _, _) in data.items() if p != place])
        model = GradientBoostingClassifier(n_estimators=150, max_depth=3, random_state=0)
        model.fit(train[FEATURES].to_numpy(), train["truth"].to_numpy())
        score = model.predict_proba(top[FEATURES].to_numpy())[:, 1]
        learned = top.assign(score=-score).sort_values(["b", "score"]).drop_duplicates("b")
        named = cand[cand["named"] > 0].sort_values(["b", "d"]).drop_duplicates("b")
        rule = cand[cand["order"] == 0]
        oracle = top.groupby("b")["truth"].any()
        row = (_share(named.set_index("b")["key"], truth, known),
               _share(rule.set_index("b")["key"], truth, known),
               float(np.mean(oracle.reindex(np.arange(len(truth)), fill_value=False)
                             .to_numpy()[known])),
               _share(learned.set_index("b")["key"], truth, known))
        rows.append(row)
        print(f"| {place} | " + " | ".join(f"{x:.3f}" for x in row) + " |", flush=True)
    means = np.mean(np.array(rows), axis=0)
    print("| **mean** | " + " | ".join(f"**{x:.3f}**" for x in means) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
