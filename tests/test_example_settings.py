"""The example settings file stays valid for every part of the toolkit."""

from __future__ import annotations

from pathlib import Path

from parakou_geo.exports.settings import ExportSettings, load_export_settings
from parakou_geo.maps.settings import MapSettings, load_map_settings
from parakou_geo.planning.settings import PlanningSettings, load_planning_settings
from parakou_geo.settings import AddressingSettings, load_settings

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "parakou_geo.toml"


def test_example_file_loads_and_holds_the_defaults() -> None:
    assert load_settings(EXAMPLE) == AddressingSettings()
    assert load_export_settings(EXAMPLE) == ExportSettings()
    assert load_map_settings(EXAMPLE) == MapSettings()
    assert load_planning_settings(EXAMPLE) == PlanningSettings()
