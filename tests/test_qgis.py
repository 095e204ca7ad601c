"""Acceptance test in a real QGIS: the Processing plugin builds a styled register.

Runs Debian's QGIS 3.22 (``qgis`` + ``python3-qgis``, installed by scripts/test.sh when
possible) headless through tests/qgis_driver.py under /usr/bin/python3: the plugin ZIP made by
scripts/build_qgis_plugin.sh is unpacked into a throw-away profile, "build a register" runs on
the embedded sample through Processing with this venv's parakou-geo, the register's layers are
loaded and rendered to PNGs kept in test-artifacts/, and bad inputs must fail with the
command's message in QGIS's log and leave no file. Skipped with the reason when there is no
QGIS.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest

from parakou_geo._styles import STATUS_COLOURS, STREET_COLOURS, UNADDRESSED_COLOUR
from parakou_geo.datasets import sample_names_path, sample_path
from parakou_geo.planning.sample import planning_sample_path

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
QGIS_PYTHON = "/usr/bin/python3"
LAYERS = ["addresses", "unaddressed", "streets", "segments", "zones", "quartiers", "buildings"]
ALGORITHMS = ["parakougeo:" + a for a in ("bal", "build", "certificate", "coverage", "map",
                                          "signage", "streets", "tax", "update")]
COLOURS = {
    "proposed": STATUS_COLOURS["proposed"],
    "street_zone1": STREET_COLOURS[0],
    "unaddressed": UNADDRESSED_COLOUR,
    "label_text": (20, 20, 20),
}


def _qgis_missing() -> str | None:
    if not Path(QGIS_PYTHON).exists():
        return f"{QGIS_PYTHON} is absent"
    probe = subprocess.run([QGIS_PYTHON, "-c", "import qgis.core, processing"],
                           capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": "/usr/share/qgis/python/plugins"})
    if probe.returncode != 0:
        return ("QGIS is not installed (apt-get install qgis python3-qgis; scripts/test.sh "
                f"does it when run as root): {probe.stderr.strip().splitlines()[-1:]}")
    return None


@pytest.fixture(scope="module")
def qgis_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    reason = _qgis_missing()
    if reason:
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("qgis")
    # the plugin as a user installs it: the ZIP unpacked into the profile's plugin folder
    built = subprocess.run(["bash", str(ROOT / "scripts" / "build_qgis_plugin.sh"),
                            str(tmp / "dist")], capture_output=True, text=True, check=True)
    zip_path = Path(built.stdout.strip().splitlines()[-1])
    profile = tmp / "profile"
    plugins = profile / "python" / "plugins"
    plugins.mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(plugins)
    # bad inputs: roads without a CRS (shapefile without .prj), lines given as buildings
    sample = sample_path()
    roads = gpd.read_file(sample, layer="roads")
    nocrs = tmp / "roads_nocrs.shp"
    roads.to_file(nocrs)
    nocrs.with_suffix(".prj").unlink()
    lines = tmp / "lines.gpkg"
    roads.to_file(lines, layer="lines")
    ARTIFACTS.mkdir(exist_ok=True)
    cfg = {
        "profile": str(profile),
        "command": str(Path(sys.executable).parent / "parakou-geo"),
        "sample": str(sample), "names": str(sample_names_path()),
        "planning": str(planning_sample_path()), "work": str(tmp),
        "register": str(tmp / "register.gpkg"),
        "roads_nocrs": str(nocrs), "lines": str(lines),
        "buildings": f"{sample}|layername=buildings",
        "bad_output": {"no_crs": str(tmp / "bad_nocrs.gpkg"),
                       "lines_as_buildings": str(tmp / "bad_lines.gpkg")},
        "size": [1200, 900], "zoom_half_width_m": 200,
        "png_zoom": str(ARTIFACTS / "qgis_register_zoom.png"),
        "png_zoom_nolabels": str(ARTIFACTS / "qgis_register_zoom_nolabels.png"),
        "png_full": str(ARTIFACTS / "qgis_register_full.png"),
        "png_coverage": str(ARTIFACTS / "qgis_waste_coverage.png"),
        "colours": {k: list(v) for k, v in COLOURS.items()},
        "tolerance": {"label_text": 40},
    }
    cfg_path, result_path = tmp / "config.json", tmp / "result.json"
    cfg_path.write_text(json.dumps(cfg), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    home = tmp / "home"  # QGIS settings of the run stay in the throw-away folder
    home.mkdir()
    env.update(QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(tmp), HOME=str(home),
               XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local"),
               PATH=os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                    if ".venv" not in p))
    proc = subprocess.run([QGIS_PYTHON, str(ROOT / "tests" / "qgis_driver.py"),
                           str(cfg_path), str(result_path)],
                          capture_output=True, text=True, env=env, timeout=900)
    (ARTIFACTS / "qgis_driver_stderr.txt").write_text(proc.stderr, encoding="utf-8")
    assert proc.returncode == 0, proc.stderr[-3000:]
    result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    result["_cfg"] = cfg
    result["_stderr"] = proc.stderr
    return result


def test_plugin_installs_from_its_zip_and_lists_its_algorithms(qgis_run: dict[str, Any]
                                                               ) -> None:
    assert qgis_run["qgis_version"].startswith("3.")
    assert qgis_run["plugin_found"]
    assert qgis_run["plugin_started"]
    assert qgis_run["algorithms"] == ALGORITHMS
    # QGIS in French: the plugin speaks French
    assert qgis_run["french"] == {"name": "Créer un registre des adresses",
                                  "group": "Registre des adresses",
                                  "provider": "parakou_geo (adressage)"}


def test_build_register_through_processing(qgis_run: dict[str, Any]) -> None:
    build = qgis_run["build"]
    register = Path(qgis_run["_cfg"]["register"])
    assert build["errors"] == []
    assert build["results"]["OUTPUT"] == str(register)
    # the command's JSON steps drove QGIS's progress bar
    # (then Processing's own progress while it loads the layers)
    # (six steps: the five of the run and the write)
    assert build["progress"][:6] == [17, 33, 50, 67, 83, 100]
    assert "numbering doors" in build["texts"]
    assert "writing the register and the CSV" in build["texts"]
    assert any(t.startswith("Register written") for t in build["texts"])
    # the register: every building of the sample is addressed or listed as unaddressed
    buildings = len(gpd.read_file(sample_path(), layer="buildings"))
    with sqlite3.connect(register) as con:
        n_addr = con.execute("SELECT count(*) FROM addresses").fetchone()[0]
        n_un = con.execute("SELECT count(*) FROM unaddressed").fetchone()[0]
        labels = con.execute("SELECT count(DISTINCT label) FROM addresses").fetchone()[0]
        named = dict(con.execute("SELECT street_code, street_name FROM streets "
                                 "WHERE street_name IS NOT NULL"))
    assert n_addr + n_un == buildings
    assert labels == n_addr > 2000
    official = pd.read_csv(sample_names_path(), dtype=str)
    assert set(official["name"]) & set(named.values())  # the names CSV was passed on
    assert (register.parent / "register_addresses.csv").exists()


def test_outputs_loaded_styled_and_ordered(qgis_run: dict[str, Any]) -> None:
    assert qgis_run["group_layers"] == LAYERS
    assert qgis_run["project_renderers"]["addresses"] == "categorizedSymbol"
    assert qgis_run["project_renderers"]["streets"] == "categorizedSymbol"
    assert qgis_run["project_labels"]["addresses"]


def test_every_layer_loads_its_default_style(qgis_run: dict[str, Any]) -> None:
    styles = qgis_run["styles"]
    assert set(styles) == set(LAYERS)
    for name, s in styles.items():
        assert s["valid"], name
        assert s["ok"], (name, s["message"])
        assert s["features"] > 0, name
    assert styles["addresses"]["renderer"] == "categorizedSymbol"
    # labels from 1:5,000 in: QGIS's minimum scale (most zoomed out) is 5000
    assert (styles["addresses"]["label_min_scale"], styles["addresses"]["label_max_scale"]) \
        == (5000, 0)
    assert styles["addresses"]["label_field"] == "label"
    # GDAL 3.6 reads the register without "v1.4.0 may only be partially supported"
    assert qgis_run["_cfg"]["register"] not in qgis_run["_stderr"]


def test_rendered_map_shows_labels_and_status_colours(qgis_run: dict[str, Any]) -> None:
    zoom, bare = qgis_run["render_zoom"], qgis_run["render_zoom_nolabels"]
    assert zoom["scale"] < 5000  # zoomed in past the label limit
    assert zoom["counts"]["proposed"] > 500
    assert zoom["counts"]["street_zone1"] > 500
    # label text is drawn: pixels of its colour that the same map without labels lacks
    assert zoom["counts"]["label_text"] - bare["counts"]["label_text"] > 3000
    full = qgis_run["render_full"]
    assert full["scale"] > 5000
    assert full["counts"]["unaddressed"] > 50
    assert full["counts"]["proposed"] > 500
    assert Path(qgis_run["_cfg"]["png_zoom"]).stat().st_size > 10_000


@pytest.mark.parametrize(("case", "message"), [
    ("no_crs", "roads_nocrs.shp: the layer has no coordinate reference system"),
    ("lines_as_buildings", "expected polygons (building footprints or parcels) or points"),
])
def test_bad_input_shows_the_command_message_and_writes_nothing(
    qgis_run: dict[str, Any], case: str, message: str
) -> None:
    bad = qgis_run["bad"][case]
    assert bad["exception"] is not None
    assert message in bad["exception"]
    assert any(message in m for m, tag, _ in bad["log"]), bad["log"]
    assert any(message in e for e in bad["feedback_errors"])
    assert not bad["output_exists"]


def test_exports_map_coverage_and_update_through_processing(qgis_run: dict[str, Any]) -> None:
    others, work = qgis_run["others"], Path(qgis_run["_cfg"]["work"])
    for alg, run in others.items():
        assert run["error"] is None, (alg, run["error"])
    with pd.ExcelFile(work / "tax.xlsx") as tax:
        assert len(tax.sheet_names) >= 2  # a summary and one sheet per arrondissement
    assert pd.read_csv(work / "bal.csv", sep=";", dtype=str).shape[0] > 2000
    assert "1.003" in (work / "streets.html").read_text(encoding="utf-8")
    signage = pd.read_csv(work / "signage.csv", sep=";", dtype=str)
    assert "Plate type" in signage.columns  # LANGUAGE 1: English headers
    assert set(signage["Plate type"]) >= {"street plate", "door plate"}
    assert (work / "certificates.html").read_text(encoding="utf-8").count("1.003") > 10
    assert "leaflet" in (work / "map.html").read_text(encoding="utf-8").lower()
    assert qgis_run["memory_points"] == {"provider": "memory", "features": 4}
    assert (work / "coverage" / "waste.gpkg").exists()
    assert str(work / "coverage") not in qgis_run["_stderr"]  # no GeoPackage 1.4 warning
    assert qgis_run["coverage_layers"] == ["waste_new_sites", "waste_points",
                                           "waste_buildings"]
    assert any(t.startswith("2 new site(s)") for t in others["coverage"]["texts"])
    assert qgis_run["coverage_renderers"]["waste_buildings"] == "categorizedSymbol"
    # the same roads and buildings again: nothing new, nothing changed
    changes = pd.read_csv(work / "changes.csv", dtype=str)
    assert len(changes) == 0


def test_an_existing_register_is_not_replaced(qgis_run: dict[str, Any]) -> None:
    bad = qgis_run["bad"]["exists"]
    assert "already exists" in bad["exception"]
    assert 'tick "Replace an existing register"' in bad["exception"]
    assert bad["unchanged"]


def test_cancel_stops_the_command_and_writes_nothing(qgis_run: dict[str, Any]) -> None:
    cancel = qgis_run["bad"]["cancel"]
    assert "Canceled" in cancel["exception"]
    assert not cancel["output_exists"]
    assert cancel["leftovers"] == []
