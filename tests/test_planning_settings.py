"""Planning settings and tables: validation, TOML, French/English headers, atomic writes."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from parakou_geo import OutputError, SettingsError
from parakou_geo.planning import PlanningSettings, load_planning_settings, write_table


def test_defaults_from_domain() -> None:
    s = PlanningSettings()
    assert (s.green_max_distance_m, s.green_min_area_ha, s.green_min_area_large_ha) == (
        300.0, 0.5, 1.0)
    assert (s.waste_radius_m, s.waste_kg_per_person_day) == (300.0, 0.5)
    assert (s.water_radius_m, s.water_persons_per_point) == (500.0, 250.0)
    assert (s.sdg_walk_distance_m, s.canopy_target_share, s.crs) == (400.0, 0.3, "EPSG:32631")
    assert s.language == "fr"


def test_all_problems_reported_at_once() -> None:
    with pytest.raises(SettingsError, match=r"waste_radius_m=-1.*replacement_margin=2.*"
                                            r"language='de'"):
        PlanningSettings(waste_radius_m=-1, replacement_margin=2, language="de")  # type: ignore[arg-type]
    with pytest.raises(SettingsError, match=r"unknown planning setting.*radius"):
        PlanningSettings().replace(radius=3)


def test_toml(tmp_path: Path) -> None:
    f = tmp_path / "parakou_geo.toml"
    f.write_text('[addressing]\nmethod = "metric"\n[planning]\nwaste_radius_m = 200\n'
                 'language = "en"\n', encoding="utf-8")
    s = load_planning_settings(f)
    assert (s.waste_radius_m, s.language, s.water_radius_m) == (200, "en", 500.0)
    f.write_text("[planning]\nwater_radius_m = 0\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"parakou_geo\.toml: .*water_radius_m=0"):
        load_planning_settings(f)


def test_write_table_french_and_english(tmp_path: Path) -> None:
    t = pd.DataFrame({"zone": ["1"], "population_covered": [12.0],
                      "share_population_covered_pct": [40.0]})
    csv = write_table(t, tmp_path / "t.csv")
    text = csv.read_text(encoding="utf-8-sig").splitlines()
    assert text[0] == "zone;population couverte;part couverte (%)"  # French, like the tax list
    assert text[1] == "1;12,0;40,0"
    xlsx = write_table(t, tmp_path / "t.xlsx", language="en")
    ws = openpyxl.load_workbook(xlsx).active
    assert [c.value for c in ws[1]] == ["zone", "population covered", "population covered (%)"]
    with pytest.raises(OutputError, match="already exists"):
        write_table(t, csv)
    with pytest.raises(OutputError, match=r"\.csv or \.xlsx, not '\.txt'"):
        write_table(t, tmp_path / "t.txt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv", "t.xlsx"]
