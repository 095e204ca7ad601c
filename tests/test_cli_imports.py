"""Start-up: the command line and ``import parakou_geo`` load only what they need.

Each check runs in a fresh interpreter and inspects ``sys.modules`` after the command; it does
not time anything.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

#: Libraries that take most of the start-up time; none is needed to print the help.
HEAVY = ("numpy", "pandas", "geopandas", "shapely", "pyogrio", "pyproj", "scipy", "folium",
         "matplotlib", "pyarrow", "fiona", "openpyxl", "tqdm", "qrcode")

_PROBE = """
import contextlib, io, json, sys
code = {code!r}
with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(io.StringIO()):
    try:
        exec(code)
    except SystemExit as exc:
        status = exc.code
    else:
        status = None
heavy = {heavy!r}
print(json.dumps({{"status": status, "out": out.getvalue(),
                  "loaded": sorted(m for m in heavy if m in sys.modules)}}))
"""


def _probe(code: str) -> tuple[object, str, list[str]]:
    """Run ``code`` in a new interpreter: its exit status, its output, heavy modules loaded."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE.format(code=code, heavy=HEAVY)],
        capture_output=True, text=True, check=True,
    )
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    return probe["status"], str(probe["out"]), list(probe["loaded"])


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["address", "--help"], ["history", "--help"], ["export", "tax", "--help"],
     ["map", "plan", "--help"], ["plan", "waste", "--help"], ["search", "--help"],
     ["reverse", "--help"]],
)
def test_help_imports_no_heavy_library(argv: list[str]) -> None:
    status, out, loaded = _probe(f"from parakou_geo.cli import main\nmain({argv!r})")
    assert status == 0
    assert "usage: parakou-geo" in out
    assert loaded == []


def test_import_package_is_light_and_public_names_load_on_use() -> None:
    assert _probe("import parakou_geo")[2] == []
    _, out, loaded = _probe("import parakou_geo\nprint(parakou_geo.address.__module__, "
                            "parakou_geo.Register.__module__, parakou_geo.read_layer.__module__)")
    assert out.split() == ["parakou_geo.pipeline", "parakou_geo.register", "parakou_geo.io"]
    assert "geopandas" in loaded


def test_package_names_are_the_real_objects() -> None:
    import parakou_geo
    from parakou_geo import pipeline, register

    assert parakou_geo.address is pipeline.address
    assert parakou_geo.write_register is register.write_register
    assert set(parakou_geo.__all__) <= set(dir(parakou_geo))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = parakou_geo.nope  # type: ignore[attr-defined]


def test_history_loads_no_map_planning_or_geometry_library(tmp_path: Path) -> None:
    """``history`` reads a plain table of the register through SQLite: no geometry library
    (geopandas, shapely, pyproj) and no GDAL (pyogrio), whose imports were most of its time."""
    from parakou_geo.cli import main

    register = tmp_path / "out" / "register.gpkg"
    assert main(["-q", "demo", "-o", str(register.parent)]) == 0
    status, out, loaded = _probe(
        f"from parakou_geo.cli import main\nraise SystemExit(main(['history', {str(register)!r}]))")
    assert status == 0
    assert out.startswith("time,")
    assert not {"folium", "matplotlib", "scipy", "openpyxl", "qrcode"} & set(loaded)
    assert not {"geopandas", "shapely", "pyproj", "pyogrio", "fiona"} & set(loaded)


def test_the_address_pipeline_imports_no_scipy() -> None:
    """Building streets and numbering doors need no SciPy (its import took 0.17 s of every
    address run); the planning commands still use it."""
    loaded = _probe("import parakou_geo.pipeline, parakou_geo.register.update")[2]
    assert "geopandas" in loaded
    assert "scipy" not in loaded
