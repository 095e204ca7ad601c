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
    t = pd.read_csv(tmp_path / "forest.csv", encoding="utf-8-sig", sep=";", decimal=",")
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
    assert set(by_zone["distance mode"]) == {"road network"}
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
    assert t["indicateur"].str.contains("indicateur de distance").all()
    assert run("green", "--buildings", SAMPLE, "--buildings-layer", "buildings",
               "--green", PLAN, "--green-layer", "green_spaces", "-o", str(tmp_path)) == 0
    g = pd.read_csv(tmp_path / "green_by_zone.csv", encoding="utf-8-sig", sep=";", decimal=",")
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


# ---- issue 12: what the planners get --------------------------------------------------------

def test_metric_crs_auto_picks_the_utm_zone(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    # the sample layers are in degrees (EPSG:4326): 'auto' must give UTM 31N for Parakou
    assert gpd.read_file(SAMPLE, layer="buildings").crs.to_epsg() == 4326
    for topic, layer in (("waste", "waste_points"), ("water", "water_points")):
        assert run(topic, "--buildings", SAMPLE, "--buildings-layer", "buildings",
                   "--points", PLAN, "--points-layer", layer, "--metric-crs", "auto",
                   "-o", str(tmp_path)) == 0
        out = gpd.read_file(tmp_path / f"{topic}.gpkg", layer=f"{topic}_buildings")
        assert out.crs.to_epsg() == 32631
    assert run("green", "--buildings", SAMPLE, "--buildings-layer", "buildings", "--green", PLAN,
               "--green-layer", "green_spaces", "--metric-crs", "auto", "-o",
               str(tmp_path)) == 0
    assert run("forest", "--forest", PLAN, "--forest-layer", "planned_forest",
               "--metric-crs", "auto", "-o", str(tmp_path)) == 0
    capsys.readouterr()


def test_siting_uses_the_network_distance_of_the_analysis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("water", "--buildings", SAMPLE, "--buildings-layer", "buildings",
               "--points", PLAN, "--points-layer", "water_points", "--roads", SAMPLE,
               "--roads-layer", "roads", "--network", "--site", "2", "-o", str(tmp_path)) == 0
    out = capsys.readouterr().out
    covered = gpd.read_file(tmp_path / "water.gpkg", layer="water_buildings")
    before = covered.loc[covered["covered"].astype(bool), "population"].sum()
    assert "Water points (along the roads): 46.54 % of 16477 people" in out
    # the siting starts from the analysis's own covered population (not the straight line's)
    assert f"covered population {before:.0f} → " in out
    assert round(before) == 7669


def _register_with_statuses(tmp_path: Path) -> Path:
    import parakou_geo
    from parakou_geo.datasets import load_sample
    from parakou_geo.register import write_register

    s = load_sample()
    result = parakou_geo.address(s["roads"], s["buildings"], zones=s["zones"])
    addr = result.register.addresses
    addr.loc[addr.index[:20], "status"] = "retired"
    addr.loc[addr.index[20:30], "status"] = "rejected"
    path = tmp_path / "register.gpkg"
    write_register(result.register, path)
    return path


def test_planning_from_the_register_uses_addresses_in_use_and_joins_population(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    register = _register_with_statuses(tmp_path)
    addresses = gpd.read_file(register, layer="addresses")
    in_use = addresses[addresses["status"].isin(["proposed", "current"])]
    assert len(in_use) == len(addresses) - 30
    assert run("water", "--buildings", str(register), "--buildings-layer", "addresses",
               "--points", PLAN, "--points-layer", "water_points", "-o", str(tmp_path)) == 0
    out = capsys.readouterr().out
    assert "30 retired or rejected address(es) left out" in out
    assert "population: no 'pop' column, so 5 persons per building" in out
    assert f"of {len(in_use) * 5} people" in out
    # with the buildings layer's real population, joined by building_id
    assert run("water", "--buildings", str(register), "--buildings-layer", "addresses",
               "--population", SAMPLE, "--population-layer", "buildings",
               "--points", PLAN, "--points-layer", "water_points", "-o", str(tmp_path),
               "--overwrite") == 0
    out = capsys.readouterr().out
    pop = gpd.read_file(SAMPLE, layer="buildings").set_index("building_id")["pop"]
    expected = pop.loc[in_use["building_id"]].sum()
    assert (f"population: column 'pop' of {SAMPLE} joined by building_id "
            f"({len(in_use)} of {len(in_use)} matched)") in out
    assert f"of {expected:.0f} people" in out


def test_planning_csv_is_french_like_the_tax_list(tmp_path: Path) -> None:
    assert run("waste", "--buildings", SAMPLE, "--buildings-layer", "buildings",
               "--points", PLAN, "--points-layer", "waste_points", "-o", str(tmp_path)) == 0
    text = (tmp_path / "waste_points.csv").read_text(encoding="utf-8-sig")
    header = text.splitlines()[0]
    assert header.startswith("nom;bâtiments;population;")
    t = pd.read_csv(tmp_path / "waste_points.csv", encoding="utf-8-sig", sep=";", decimal=",",
                    dtype=str)
    assert set(t["mode de distance"]) == {"ligne droite"}
    assert set(t["surcharge"]) <= {"oui", "non"}
    assert t["conteneurs nécessaires"].str.fullmatch(r"\d+").all()  # not 1.0, never -0.0
    assert t["déchets (kg/jour)"].str.contains(",").any()  # decimal comma
    for raw in ("True", "False", "straight_line"):
        assert raw not in text


def test_existing_plan_output_message_does_not_talk_about_a_register(tmp_path: Path) -> None:
    from parakou_geo import OutputError

    argv = ("forest", "--forest", PLAN, "--forest-layer", "planned_forest", "-o", str(tmp_path))
    assert run(*argv) == 0
    with pytest.raises(OutputError, match="already exists") as info:
        run(*argv)
    assert "register" not in str(info.value)
    assert "--overwrite" in str(info.value)
