"""Settings validation and TOML loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from parakou_geo import AddressingSettings, SettingsError, load_settings


def test_defaults_follow_the_domain_notes() -> None:
    s = AddressingSettings()
    assert s.crs == "EPSG:32631"
    assert s.centre_lonlat == (2.629183, 9.339005)
    assert s.max_distance_m == 100
    assert s.method == "metric"


def test_all_invalid_values_are_reported_together() -> None:
    with pytest.raises(SettingsError) as err:
        AddressingSettings(method="roman", max_distance_m=-1)  # type: ignore[arg-type]
    assert "method='roman'" in str(err.value)
    assert "max_distance_m=-1" in str(err.value)


def test_unknown_setting_lists_the_known_ones() -> None:
    with pytest.raises(SettingsError, match=r"unknown addressing setting.*max_distance_m"):
        AddressingSettings().replace(max_dist=5)


def test_toml_file(tmp_path: Path) -> None:
    p = tmp_path / "s.toml"
    p.write_text('[addressing]\nmethod = "sequential"\ncentre = [2.6, 9.3]\n', encoding="utf-8")
    s = load_settings(p)
    assert s.method == "sequential"
    assert s.centre == (2.6, 9.3)
    p.write_text("[addressing]\nmax_distance_m = 0\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=str(p).replace("\\", "\\\\")):
        load_settings(p)
