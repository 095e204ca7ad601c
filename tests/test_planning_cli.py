"""``parakou-geo plan ...`` on the embedded synthetic sample (parser built in the test)."""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from parakou_geo import InputError
from parakou_geo.cli import plan
from parakou_geo.datasets import sample_path
from parakou_geo.planning.sample import planning_sample_path


def run(*argv: str) -> int:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    plan.add_parsers(sub)
    args = p.parse_args(["plan", *argv])
    code: int = args.func(args)
    return code


SAMPLE = str(sample_path())
PLAN = str(planning_sample_path())


def test_plan_forest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run("forest", "--forest", PLAN, "--forest-layer", "planned_forest",
               "-o", str(tmp_path))
    assert code == 0
    t = pd.read_csv(tmp_path / "forest.csv", encoding="utf-8-sig")
    # 4 ha square 200 m × 200 m, 10 m buffer: core 180 × 180 m → 60 × 60 = 3,600 positions,
    # 3,600 × 1.2 = 4,320 seedlings
    assert t["surface (ha)"].tolist()[0] == 4.0
    assert t["emplacements de plantation"].tolist()[0] == 3600
    assert t["plants (avec regarnissage)"].tolist()[0] == 4320
    layers = {name for name, _ in pyogrio.list_layers(tmp_path / "forest.gpkg")}
    assert layers == {"forest_parcels", "forest_zoning", "planting"}
    # plus the 40 m × 25 m quartier forest: core 20 m × 5 m → 7 × 2 = 14 positions, 17 seedlings
    out = capsys.readouterr().out
    assert "3614 planting positions, 4337 seedlings" in out


def test_plan_waste_with_siting_and_zones(tmp_path: Path) -> None:
    code = run("waste", "--buildings", SAMPLE, "--buildings-layer", "buildings",
               "--points", PLAN, "--points-layer", "waste_points",
               "--roads", SAMPLE, "--roads-layer", "roads", "--network",
               "--zones", SAMPLE, "--zones-layer", "zones", "--site", "2",
               "--language", "en", "-o", str(tmp_path))
    assert code == 0
    by_zone = pd.read_csv(tmp_path / "waste_by_zone.csv", encoding="utf-8-sig")
    assert set(by_zone["distance mode"]) == {"network"}
    assert by_zone["population"].sum() == gpd.read_file(SAMPLE, layer="buildings")["pop"].sum()
    points = pd.read_csv(tmp_path / "waste_points.csv", encoding="utf-8-sig")
    assert len(points) == 4
    assert (points["waste (kg/day)"] == points["population"] * 0.5).all()
    sites = gpd.read_file(tmp_path / "waste.gpkg", layer="waste_new_sites")
    assert len(sites) == 2
    assert (sites["population_added"] > 0).all()


def test_plan_water_and_green(tmp_path: Path) -> None:
    assert run("water", "--buildings", SAMPLE, "--buildings-layer", "buildings",
               "--points", PLAN, "--points-layer", "water_points", "--xlsx",
               "-o", str(tmp_path)) == 0
    t = pd.read_excel(tmp_path / "water_points.xlsx")
    assert t["indicateur"].str.contains("distance proxy").all()
    assert run("green", "--buildings", SAMPLE, "--buildings-layer", "buildings",
               "--green", PLAN, "--green-layer", "green_spaces", "-o", str(tmp_path)) == 0
    g = pd.read_csv(tmp_path / "green_by_zone.csv", encoding="utf-8-sig")
    assert g["zone"].tolist() == ["commune"]


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--network measures distances along the roads"):
        run("water", "--buildings", SAMPLE, "--buildings-layer", "buildings",
            "--points", PLAN, "--points-layer", "water_points", "--network",
            "-o", str(tmp_path))
    with pytest.raises(InputError, match="--site needs candidate sites"):
        run("waste", "--buildings", SAMPLE, "--buildings-layer", "buildings",
            "--points", PLAN, "--points-layer", "waste_points", "--site", "1",
            "-o", str(tmp_path))
    assert not (tmp_path / "waste.gpkg").exists()
