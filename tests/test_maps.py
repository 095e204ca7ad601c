"""Planner maps without a browser: encoding, escaping, settings, errors, saving, CLI."""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _browser import SCRIPT_ID, XSS_NAME, hand_planning, hand_register, hand_zones
from conftest import lonlat, shift

from parakou_geo import CRSError, InputError, OutputError, SettingsError
from parakou_geo.cli import maps as cli_maps
from parakou_geo.maps import (
    MapSettings,
    addressing_map,
    load_map_settings,
    planning_layers,
    planning_map,
    save_map,
)
from parakou_geo.maps._assets import LIBRARIES, local_file_for_url, offline_assets
from parakou_geo.maps._geojson import display_values, encode_geometry, script_json
from parakou_geo.maps.planning import _service_area


def _html(m: object) -> str:
    return str(m.get_root().render())  # type: ignore[attr-defined]


def _spec(html: str) -> dict[str, object]:
    """The layer spec passed to ParakouMaps.init in a saved page."""
    match = re.search(r"ParakouMaps\.init\([^,]+, \{[^}]*\}, (\{.*\})\);\n", html)
    assert match is not None
    return json.loads(match.group(1))  # type: ignore[no-any-return]


# --- encoding -------------------------------------------------------------------------------

def test_script_json_cannot_close_the_script_element() -> None:
    text = script_json({"a": "</script><img src=x onerror=alert(1)>&\u2028"})
    assert "<" not in text
    assert ">" not in text
    assert "&" not in text
    assert "\u2028" not in text
    assert json.loads(text) == {"a": "</script><img src=x onerror=alert(1)>&\u2028"}


def test_points_are_delta_coded_integers() -> None:
    g = gpd.GeoSeries(shapely.points([(2.6, 9.3), (2.6000014, 9.3000026), (2.61, 9.29)]),
                      crs=4326)
    enc = encode_geometry(g, decimals=6)
    assert enc["kind"] == "point"
    assert enc["c"] == [2600000, 9300000, 1, 3, 9999, -10003]
    assert enc["o"] == []


def test_lines_and_multilines_share_one_ragged_array() -> None:
    g = gpd.GeoSeries([shapely.LineString([(0, 0), (0.000001, 0)]),
                       shapely.MultiLineString([[(1, 1), (1, 2)], [(2, 2), (3, 3), (4, 4)]])],
                      crs=4326)
    enc = encode_geometry(g, decimals=6)
    assert enc["kind"] == "line"
    flat = np.cumsum(np.array(enc["c"]).reshape(-1, 2), axis=0) / 1e6
    assert flat.tolist() == [[0, 0], [0.000001, 0], [1, 1], [1, 2], [2, 2], [3, 3], [4, 4]]
    assert enc["o"] == [[0, 2, 4, 7], [0, 1, 3]]  # parts → coords, features → parts


def test_mixed_geometry_types_are_an_error() -> None:
    g = gpd.GeoSeries([shapely.Point(0, 0), shapely.box(0, 0, 1, 1)], crs=4326)
    with pytest.raises(InputError, match="one layer per geometry type"):
        encode_geometry(g, decimals=6)


def test_any_column_type_becomes_a_json_value() -> None:
    values = pd.Series([dt.date(2026, 1, 2), dt.datetime(2026, 1, 2, 3, 4), decimal.Decimal("1.5"),
                        None, float("nan"), pd.NaT, pd.NA, b"bytes", 7, 2.0, 1 / 3, True,
                        {"a": 1}], dtype=object)
    assert display_values(values) == ["2026-01-02", "2026-01-02T03:04:00", 1.5, None, None,
                                      None, None, "bytes", 7, 2, 0.33, True, "{'a': 1}"]
    json.dumps(display_values(values), allow_nan=False)


# --- addressing map -------------------------------------------------------------------------

def test_addressing_map_ships_only_needed_fields_escaped() -> None:
    html = _html(addressing_map(hand_register(), zones=hand_zones()))
    assert XSS_NAME not in html
    assert SCRIPT_ID not in html
    assert html.count("</script>") == html.count("<script")  # no stray closing tag
    spec = _spec(html)
    layers = {lay["id"]: lay for lay in spec["layers"]}  # type: ignore[attr-defined]
    assert list(layers) == ["zones", "streets", "addresses"]
    ad = layers["addresses"]
    assert sorted(ad["props"]) == ["building_id", "label", "plus_code", "status"]
    assert ad["props"]["label"][0] == "12 Rue 1.001"
    assert ad["props"]["building_id"][3] == SCRIPT_ID
    assert ad["props"]["building_id"][4] is None
    assert ad["cats"]["status"] == ["en vigueur", "proposée", "rejetée", "retirée"]
    assert ad["props"]["status"] == [1, 0, 3, 1, 1, 2]
    # coordinates: EPSG:32631 reprojected to lon/lat, rounded to 1e-6 degree
    lon, lat = lonlat((12, 10))
    assert ad["geom"]["c"][:2] == [round(lon * 1e6), round(lat * 1e6)]
    assert ad["n"] == 6
    st = layers["streets"]
    assert st["props"]["_title"] == ["1.001 — Rue des Manguiers", f"1.002 — {XSS_NAME}", "2.001"]
    assert st["style"]["colours"] == {"1": "#1f77b4", "2": "#d62728"}
    assert st["geom"]["o"] == [[0, 2, 4, 6, 8], [0, 1, 2, 4]]
    # visible labels: "Rue <code>" plus the name, from zoom 16, at most 300 at once
    assert st["props"]["_label"] == ["Rue 1.001 — Rue des Manguiers", f"Rue 1.002 — {XSS_NAME}",
                                     "Rue 2.001"]
    assert st["labels"] == {"column": "_label", "min_zoom": 16, "max": 300}
    assert layers["addresses"]["labels"] is None


def test_street_label_settings() -> None:
    reg = hand_register()
    reg.streets.loc[2, "street_code"] = None
    reg.streets.loc[2, "street_name"] = "Voie sans code"
    s = MapSettings(street_prefix="Rue", street_labels_min_zoom=17, street_labels_max=50)
    st = _spec(_html(addressing_map(reg, settings=s)))["layers"][0]  # type: ignore[index]
    assert st["props"]["_label"][1:] == [f"Rue 1.002 — {XSS_NAME}", "Voie sans code"]
    assert st["labels"] == {"column": "_label", "min_zoom": 17, "max": 50}
    with pytest.raises(SettingsError, match=r"street_labels_min_zoom=21 .*street_labels_max=-1"):
        MapSettings(street_labels_min_zoom=21, street_labels_max=-1)
    with pytest.raises(SettingsError, match="street_labels_max=True"):
        MapSettings(street_labels_max=True)


def test_addressing_map_plus_codes_match_the_reference_library() -> None:
    from openlocationcode import openlocationcode as olc

    spec = _spec(_html(addressing_map(hand_register())))
    lon, lat = lonlat((290, 7))
    assert spec["layers"][-1]["props"]["plus_code"][5] == olc.encode(lat, lon, 10)  # type: ignore[index]


def test_addressing_map_online_and_offline_assets() -> None:
    online = _html(addressing_map(hand_register()))
    assert '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js">' in online
    assert "tile.openstreetmap.org" in online
    offline = _html(addressing_map(hand_register(), offline=True))
    assert re.findall(r'<(?:script|link)[^>]+(?:src|href)="https?:', offline) == []
    assert "tile.openstreetmap.org" not in offline
    # Font Awesome 6 brands, regular and solid, each embedded once
    assert offline.count("data:font/woff2;base64,") == 3
    assert "url(../webfonts" not in offline
    assert "url(images/" not in offline
    assert "Leaflet 1.9.3" in offline
    assert "jQuery v3.7.1" in offline


def test_offline_local_tiles_setting() -> None:
    s = MapSettings(local_tiles_url="tuiles/{z}/{x}/{y}.png", local_tiles_attribution="IGN Bénin")
    html = _html(addressing_map(hand_register(), offline=True, settings=s))
    assert '"tuiles/{z}/{x}/{y}.png"' in html
    assert '"attribution": "IGN B\\u00e9nin"' in html


def test_english_setting() -> None:
    html = _html(addressing_map(hand_register(), settings=MapSettings(language="en")))
    spec = _spec(html)
    assert spec["words"]["search"] == "Search an address or a street…"  # type: ignore[index]
    assert "Addresses" in html
    assert "Adresses" not in html


def test_addressing_map_reports_every_problem_at_once() -> None:
    reg = hand_register()
    reg.addresses = reg.addresses.drop(columns=["status"])
    reg.streets = reg.streets.set_crs(None, allow_override=True)
    zones = hand_zones().set_crs(None, allow_override=True)
    with pytest.raises(InputError, match="3 problems") as info:
        addressing_map(reg, zones=zones)
    text = str(info.value)
    assert "addresses lacks column(s) status" in text
    assert "streets has no CRS" in text
    assert "zones has no CRS" in text


def test_addressing_map_does_not_mutate_the_register() -> None:
    reg = hand_register()
    before = reg.addresses.copy()
    addressing_map(reg)
    pd.testing.assert_frame_equal(reg.addresses, before)
    assert "plus_code" not in reg.addresses


def test_addressing_map_from_gpkg_and_missing_file(tmp_path: Path) -> None:
    reg = hand_register()
    path = tmp_path / "register.gpkg"
    reg.addresses.to_file(path, layer="addresses")
    reg.streets.to_file(path, layer="streets")
    spec = _spec(_html(addressing_map(path)))
    assert [lay["n"] for lay in spec["layers"]] == [3, 6]  # type: ignore[attr-defined]
    with pytest.raises(InputError, match="does not exist"):
        addressing_map(tmp_path / "absent.gpkg")
    only = tmp_path / "only.gpkg"
    reg.streets.to_file(only, layer="streets")
    with pytest.raises(InputError, match="has no layer addresses"):
        addressing_map(only)


def test_empty_register_still_makes_a_map() -> None:
    reg = hand_register()
    reg.addresses = reg.addresses.iloc[:0]
    reg.streets = reg.streets.iloc[:0]
    spec = _spec(_html(addressing_map(reg)))
    assert [lay["n"] for lay in spec["layers"]] == [0, 0]  # type: ignore[attr-defined]


# --- planning map ---------------------------------------------------------------------------

def test_service_area_is_the_buffer_of_the_green_space() -> None:
    green = gpd.GeoDataFrame(geometry=[shapely.Point(shift((0, 0)))], crs=32631)
    area = _service_area(green, 300.0, MapSettings(simplify_m=0)).to_crs(32631)
    # a 32-sided polygon (quad_segs=8) inscribed in a 300 m circle: ½·32·r²·sin(2π/32)
    assert float(area.area.iloc[0]) == pytest.approx(0.5 * 32 * 300**2 * np.sin(2 * np.pi / 32),
                                                      rel=1e-6)


def test_planning_map_layers_and_columns() -> None:
    spec = _spec(_html(planning_map(**hand_planning())))
    layers = {lay["id"]: lay for lay in spec["layers"]}  # type: ignore[attr-defined]
    assert {k: v["n"] for k, v in layers.items()} == {
        "zones": 2, "forest": 1, "green_service": 1, "green_spaces": 2, "waste_points": 3,
        "water_points": 2, "uncovered": 4}
    assert layers["waste_points"]["ring_m"] == 300.0
    assert layers["water_points"]["ring_m"] == 500.0
    assert layers["waste_points"]["props"]["pop"] == [120.5, None, 3]
    assert layers["forest"]["props"]["area_ha"] == [1]
    assert layers["uncovered"]["geom"]["kind"] == "point"
    assert layers["green_spaces"]["group"] == layers["green_service"]["group"] == "green"
    # the water points were given in EPSG:4326: same place as drawn in EPSG:32631
    lon, lat = lonlat((200, 400))
    assert layers["water_points"]["geom"]["c"][:2] == [round(lon * 1e6), round(lat * 1e6)]


def test_planning_map_errors_all_at_once() -> None:
    with pytest.raises(InputError, match="at least one layer"):
        planning_map()
    water = hand_planning()["water_points"].set_crs(None, allow_override=True)
    with pytest.raises(InputError, match="2 problems") as info:
        planning_map(water_points=water, waste_radius_m=-1)
    assert "waste_radius_m=-1 must be a positive number of metres" in str(info.value)
    assert "water_points has no CRS" in str(info.value)
    with pytest.raises(CRSError):
        planning_map(water_points=water)
    with pytest.raises(InputError, match="forest must be a GeoDataFrame, got DataFrame"):
        planning_map(forest=pd.DataFrame({"a": [1]}))  # type: ignore[arg-type]


def test_planning_map_draws_service_area_around_counted_green_spaces_only() -> None:
    green = hand_planning()["green_spaces"]  # two 50 m squares, at x = 0 and x = 1000 m
    green["counted"] = [True, False]
    spec = _spec(_html(planning_map(green_spaces=green, green_service_m=300)))
    layers = {lay["id"]: lay for lay in spec["layers"]}  # type: ignore[attr-defined]
    assert layers["green_spaces"]["n"] == 2
    lons = np.cumsum(np.array(layers["green_service"]["geom"]["c"]).reshape(-1, 2)[:, 0]) / 1e6
    # the 300 m area around the counted square ends at x = 350 m, well before x = 1000 m
    assert lons.max() == pytest.approx(lonlat((350, 25))[0], abs=2e-5)
    green["counted"] = [False, False]
    spec = _spec(_html(planning_map(green_spaces=green)))
    assert [lay["id"] for lay in spec["layers"]] == ["green_spaces"]  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def sample_plan() -> dict[str, Any]:
    """The planning functions run on the synthetic sample (EPSG:32631)."""
    from parakou_geo.datasets import load_sample
    from parakou_geo.planning import (
        candidate_sites,
        green_access,
        plan_forest,
        site_new_points,
        waste_points,
        water_points,
    )
    from parakou_geo.planning.sample import load_planning_sample

    s = {k: v.to_crs(32631) for k, v in load_sample().items()}
    p = {k: v.to_crs(32631) for k, v in load_planning_sample().items()}
    b = s["buildings"]
    return {
        "zones": s["zones"],
        "forest": plan_forest(p["planned_forest"]),
        "green": green_access(b, p["green_spaces"]),
        "waste": waste_points(b, p["waste_points"]),
        "water": water_points(b, p["water_points"]),
        "siting": site_new_points(b, candidate_sites(s["roads"], spacing_m=100), k=3,
                                  radius_m=250, existing=p["waste_points"]),
    }


def test_planning_map_from_planning_results(sample_plan: dict[str, Any]) -> None:
    results = {k: v for k, v in sample_plan.items() if k != "zones"}
    layers = planning_layers(**results)
    waste = sample_plan["waste"]
    n_uncovered = int((~waste.coverage.buildings["covered"]).sum())
    assert n_uncovered == 2765 - 892  # the sample: 892 of 2,765 buildings within 300 m
    spec = _spec(_html(planning_map(**layers, zones=sample_plan["zones"])))
    by_id = {lay["id"]: lay for lay in spec["layers"]}  # type: ignore[attr-defined]
    assert {k: v["n"] for k, v in by_id.items()} == {
        "zones": 3, "forest": 2, "green_service": 1, "green_spaces": 4, "waste_points": 4,
        "water_points": 6, "new_sites": 3, "uncovered": n_uncovered}
    assert {k: v["ring_m"] for k, v in by_id.items() if v["ring_m"]} == {
        "waste_points": 300.0, "water_points": 500.0, "new_sites": 250.0}
    assert [by_id[k]["name"] for k in ("waste_points", "new_sites", "uncovered")] == [
        "Points de regroupement des déchets (300 m)", "Nouveaux sites proposés (250 m)",
        "Bâtiments à plus de 300 m d'un point de déchets"]
    # the results' own figures reach the popups
    assert by_id["forest"]["props"]["n_seedlings"] == [4320, 17]  # 4 ha and 0.1 ha at 3 × 3 m
    assert by_id["new_sites"]["props"]["rank"] == [1, 2, 3]
    assert by_id["waste_points"]["props"]["population"] == waste.points[
        "population"].tolist()
    assert sorted(by_id["uncovered"]["props"]) == ["_theme", "building_id", "distance_m",
                                                    "population"]
    assert min(by_id["uncovered"]["props"]["distance_m"]) > 300
    legend = [it["label"] for it in spec["legend"][0]["items"]]  # type: ignore[index]
    assert legend == ["Arrondissements", "Forêt communale (projet)",
                      "Espaces verts et zone desservie (300 m)",
                      "Points de regroupement des déchets (300 m)", "Points d'eau (500 m)",
                      "Nouveaux sites proposés (250 m)",
                      "Bâtiments à plus de 300 m d'un point de déchets"]


def test_planning_layers_choice_of_uncovered_buildings(sample_plan: dict[str, Any]) -> None:
    green, water = sample_plan["green"], sample_plan["water"]
    layers = planning_layers(green=green, water=water, uncovered="green")
    assert layers["uncovered_service"] == "green"
    assert len(layers["uncovered_buildings"]) == int(
        (~green.buildings["green_within"]).sum())
    auto = planning_layers(green=green, water=water)
    assert auto["uncovered_service"] == "water"  # waste, then water, then green
    assert len(auto["uncovered_buildings"]) == 2765 - 2081  # 2,081 within 500 m of water
    assert "uncovered_buildings" not in planning_layers(water=water,
                                                        uncovered="none")
    en = _spec(_html(planning_map(**layers, settings=MapSettings(language="en"))))
    assert [lay["name"] for lay in en["layers"]][-1] == (  # type: ignore[attr-defined]
        "Buildings more than 300 m from a green space")


def test_planning_layers_errors_all_at_once(sample_plan: dict[str, Any]) -> None:
    with pytest.raises(InputError, match="at least one result"):
        planning_layers()
    waste_gdf = sample_plan["waste"].points
    with pytest.raises(InputError, match="2 problems") as info:
        planning_layers(waste=waste_gdf, uncovered="water")
    text = str(info.value)
    assert ("waste must be a WasteResult (the result of parakou_geo.planning.waste_points), "
            "got GeoDataFrame; pass plain layers to planning_map(waste_points=...)") in text
    assert "uncovered='water' but no water result was given" in text
    with pytest.raises(InputError, match="2 problems") as info:
        planning_map(new_sites=waste_gdf, new_sites_radius_m=0,
                     uncovered_service="roads")  # type: ignore[arg-type]
    assert "new_sites_radius_m=0 must be a positive number" in str(info.value)
    assert "uncovered_service='roads' must be" in str(info.value)


# --- settings, assets, saving ---------------------------------------------------------------

def test_settings_validation_and_toml(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"language=.de.*coordinate_decimals=12"):
        MapSettings(language="de", coordinate_decimals=12)  # type: ignore[arg-type]
    with pytest.raises(SettingsError, match="zone_colours holds \\['red'\\]"):
        MapSettings(zone_colours=("red",))
    with pytest.raises(SettingsError, match="must be a tile URL template"):
        MapSettings(local_tiles_url="tuiles/")
    with pytest.raises(SettingsError, match="unknown map setting"):
        MapSettings().replace(colour="x")
    toml = tmp_path / "parakou_geo.toml"
    toml.write_text('[maps]\nlanguage = "en"\ndata_attribution = ["© OSM"]\n', encoding="utf-8")
    s = load_map_settings(toml)
    assert s.language == "en"
    assert s.data_attribution == ("© OSM",)
    toml.write_text("[maps]\nlanguage = 'xx'\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"parakou_geo\.toml: invalid map settings"):
        load_map_settings(toml)


def test_cdn_urls_map_to_packaged_files() -> None:
    for lib in LIBRARIES[:2] + LIBRARIES[3:]:  # the required ones
        for f in lib.js + lib.css:
            path = local_file_for_url(lib.cdn_base + f)
            assert path is not None
            assert path.is_file()
    fa = local_file_for_url("https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.1/"
                            "webfonts/fa-solid-900.woff2")
    assert fa is not None
    assert fa.name == "fa-solid-900.woff2"
    assert local_file_for_url("https://example.org/x.js") is None
    # Leaflet js+css, jQuery, Font Awesome css; Bootstrap js+css when XStatic-Bootstrap is there
    assert len(offline_assets()) == (6 if local_file_for_url(LIBRARIES[2].cdn_base + "js/"
                                                             "bootstrap.bundle.min.js") else 4)


def test_save_map_is_atomic_and_never_overwrites_silently(tmp_path: Path) -> None:
    m = addressing_map(hand_register())
    path = tmp_path / "carte.html"
    save_map(m, path)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(OutputError, match="already exists"):
        save_map(m, path)
    save_map(m, path, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["carte.html"]
    with pytest.raises(OutputError, match="does not exist"):
        save_map(m, tmp_path / "absent" / "carte.html")


# --- CLI ------------------------------------------------------------------------------------

def _cli(argv: list[str]) -> int:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    cli_maps.add_parsers(sub)
    args = p.parse_args(argv)
    code: int = args.func(args)
    return code


def test_cli_map_address(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reg = hand_register()
    gpkg = tmp_path / "register.gpkg"
    reg.addresses.to_file(gpkg, layer="addresses")
    reg.streets.to_file(gpkg, layer="streets")
    hand_zones().to_file(tmp_path / "zones.geojson")
    out = tmp_path / "carte.html"
    assert _cli(["map", "address", str(gpkg), "-o", str(out), "--offline", "--lang", "en",
                 "--zones", str(tmp_path / "zones.geojson"),
                 "--attribution", "© OpenStreetMap contributors"]) == 0
    html = out.read_text(encoding="utf-8")
    spec = _spec(html)
    assert [lay["id"] for lay in spec["layers"]] == ["zones", "streets", "addresses"]  # type: ignore[attr-defined]
    assert spec["attribution"] == ["© OpenStreetMap contributors"]
    assert "offline" in capsys.readouterr().out
    with pytest.raises(OutputError, match="already exists"):
        _cli(["map", "address", str(gpkg), "-o", str(out)])


def test_cli_map_plan(tmp_path: Path) -> None:
    layers = hand_planning()
    layers["waste_points"].to_file(tmp_path / "dechets.gpkg", layer="points")
    layers["green_spaces"].to_file(tmp_path / "verts.geojson")
    out = tmp_path / "plan.html"
    assert _cli(["map", "plan", "--waste-points", str(tmp_path / "dechets.gpkg"),
                 "--waste-points-layer", "points", "--green-spaces",
                 str(tmp_path / "verts.geojson"), "--waste-radius", "250", "-o", str(out)]) == 0
    spec = _spec(out.read_text(encoding="utf-8"))
    assert {lay["id"]: lay["ring_m"] for lay in spec["layers"]} == {  # type: ignore[attr-defined]
        "green_service": None, "green_spaces": None, "waste_points": 250.0}
    with pytest.raises(InputError, match="at least one layer file"):
        _cli(["map", "plan", "-o", str(tmp_path / "vide.html")])
    with pytest.raises(InputError, match="2 problems"):
        _cli(["map", "plan", "--forest", str(tmp_path / "a.gpkg"), "--water-points",
              str(tmp_path / "b.gpkg"), "-o", str(tmp_path / "x.html")])


def test_cli_map_plan_shows_the_new_sites_of_plan_waste(tmp_path: Path) -> None:
    from parakou_geo.cli import plan as cli_plan
    from parakou_geo.datasets import sample_path
    from parakou_geo.planning.sample import planning_sample_path

    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    cli_plan.add_parsers(sub)
    sample, planning = str(sample_path()), str(planning_sample_path())
    args = p.parse_args(["plan", "waste", "--buildings", sample, "--buildings-layer",
                         "buildings", "--points", planning, "--points-layer", "waste_points",
                         "--roads", sample, "--roads-layer", "roads", "--site", "2",
                         "-o", str(tmp_path)])
    assert args.func(args) == 0
    gpkg = str(tmp_path / "waste.gpkg")
    sites = gpd.read_file(gpkg, layer="waste_new_sites")
    out = tmp_path / "plan.html"
    assert _cli(["map", "plan", "--waste-points", gpkg, "--waste-points-layer", "waste_points",
                 "--new-sites", gpkg, "--new-sites-layer", "waste_new_sites",
                 "--new-sites-radius", "300", "-o", str(out)]) == 0
    by_id = {lay["id"]: lay for lay in _spec(out.read_text(encoding="utf-8"))["layers"]}  # type: ignore[attr-defined]
    assert by_id["new_sites"]["n"] == len(sites) == 2
    assert by_id["new_sites"]["ring_m"] == 300.0
    assert by_id["new_sites"]["props"]["rank"] == sites["rank"].tolist()


def _plan_waste(tmp_path: Path, *extra: str) -> str:
    from parakou_geo.cli import plan as cli_plan
    from parakou_geo.datasets import sample_path
    from parakou_geo.planning.sample import planning_sample_path

    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    cli_plan.add_parsers(sub)
    sample, planning = str(sample_path()), str(planning_sample_path())
    args = p.parse_args(["plan", "waste", "--buildings", sample, "--buildings-layer",
                         "buildings", "--points", planning, "--points-layer", "waste_points",
                         "--roads", sample, "--roads-layer", "roads", *extra,
                         "-o", str(tmp_path)])
    assert args.func(args) == 0
    return str(tmp_path / "waste.gpkg")


def test_cli_map_plan_uncovered_draws_only_the_uncovered_and_names_the_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gpkg = _plan_waste(tmp_path)
    every = gpd.read_file(gpkg, layer="waste_buildings")
    n_out = int((~every["covered"].astype(bool)).sum())
    assert 0 < n_out < len(every)
    capsys.readouterr()
    out = tmp_path / "plan.html"
    assert _cli(["map", "plan", "--uncovered", gpkg, "--uncovered-layer", "waste_buildings",
                 "-o", str(out)]) == 0
    assert (f"{n_out} of {len(every)} buildings of --uncovered are not covered by the waste "
            "service") in capsys.readouterr().out
    by_id = {lay["id"]: lay for lay in _spec(out.read_text(encoding="utf-8"))["layers"]}  # type: ignore[attr-defined]
    assert by_id["uncovered"]["n"] == n_out
    assert by_id["uncovered"]["name"] == "Bâtiments à plus de 300 m d'un point de déchets"
    assert min(by_id["uncovered"]["props"]["distance_m"]) > 300
    # the service can be named explicitly too (a layer name that says nothing)
    out2 = tmp_path / "plan2.html"
    every.to_file(tmp_path / "b.gpkg", layer="b")
    assert _cli(["map", "plan", "--uncovered", str(tmp_path / "b.gpkg"), "--uncovered-service",
                 "water", "--water-radius", "300", "-o", str(out2)]) == 0
    by_id = {lay["id"]: lay for lay in _spec(out2.read_text(encoding="utf-8"))["layers"]}  # type: ignore[attr-defined]
    assert by_id["uncovered"]["name"] == "Bâtiments à plus de 300 m d'un point d'eau"


def test_rings_follow_the_distance_used(tmp_path: Path) -> None:
    gpkg = _plan_waste(tmp_path, "--network", "--site", "1")
    out = tmp_path / "plan.html"
    assert _cli(["map", "plan", "--waste-points", gpkg, "--waste-points-layer", "waste_points",
                 "--new-sites", gpkg, "--new-sites-layer", "waste_new_sites",
                 "-o", str(out)]) == 0
    by_id = {lay["id"]: lay for lay in _spec(out.read_text(encoding="utf-8"))["layers"]}  # type: ignore[attr-defined]
    # coverage measured along the roads: no straight-line circle, and the legend says so
    for key in ("waste_points", "new_sites"):
        assert by_id[key]["ring_m"] is None
        assert by_id[key]["name"].endswith("distance mesurée par la route (pas de cercle)")
    straight = _plan_waste(tmp_path / "s")
    out = tmp_path / "plan_s.html"
    assert _cli(["map", "plan", "--waste-points", straight, "--waste-points-layer",
                 "waste_points", "-o", str(out)]) == 0
    by_id = {lay["id"]: lay for lay in _spec(out.read_text(encoding="utf-8"))["layers"]}  # type: ignore[attr-defined]
    assert by_id["waste_points"]["ring_m"] == 300.0
