"""The QGIS plugin's runner (no QGIS needed): finding parakou-geo, following its JSON events."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "qgis_plugin"))
from parakou_geo_qgis import runner


def _script(tmp_path: Path, body: str) -> list[str]:
    """Return a command running a fake parakou-geo written in Python."""
    path = tmp_path / "fake_cli.py"
    path.write_text("import json, sys, time\nargs = sys.argv[1:]\n" + body, encoding="utf-8")
    return [sys.executable, str(path)]


def test_events_report_lines_and_exit_code(tmp_path: Path) -> None:
    command = _script(tmp_path, (
        "assert args[:2] == ['--progress', 'json'], args\n"
        "for i, p in enumerate((0, 50)):\n"
        "    print(json.dumps({'event': 'step', 'step': str(i), 'percent': p}),"
        " file=sys.stderr, flush=True)\n"
        "print('Warning 1: a GDAL note', file=sys.stderr)\n"
        "print('Register written: x.gpkg')\n"
        "print(json.dumps({'event': 'done', 'exit_code': 0}), file=sys.stderr)\n"))
    events: list[dict[str, object]] = []
    texts: list[tuple[str, str]] = []
    result = runner.run_cli(command, ["address", "--roads", "r.gpkg"], on_event=events.append,
                            on_text=lambda s, t: texts.append((s, t)))
    assert result.exit_code == 0
    assert result.error is None
    assert [e.get("percent") for e in events if e["event"] == "step"] == [0, 50]
    assert events[-1]["event"] == "done"
    assert ("stdout", "Register written: x.gpkg") in texts
    assert ("stderr", "Warning 1: a GDAL note") in texts
    assert result.stdout == ["Register written: x.gpkg"]


def test_error_event_gives_the_message(tmp_path: Path) -> None:
    command = _script(tmp_path, (
        "print(json.dumps({'event': 'error', 'exit_code': 2, 'message': "
        "'roads.shp: the layer has no coordinate reference system'}), file=sys.stderr)\n"
        "sys.exit(2)\n"))
    result = runner.run_cli(command, ["address"])
    assert result.exit_code == 2
    assert result.error == "roads.shp: the layer has no coordinate reference system"


def test_a_crash_without_event_keeps_its_stderr(tmp_path: Path) -> None:
    command = _script(tmp_path, "print('Traceback: boom', file=sys.stderr)\nsys.exit(3)\n")
    result = runner.run_cli(command, [])
    assert (result.exit_code, result.error) == (3, "Traceback: boom")


def test_cancel_stops_the_command(tmp_path: Path) -> None:
    command = _script(tmp_path, (
        "print(json.dumps({'event': 'start'}), file=sys.stderr, flush=True)\n"
        "time.sleep(60)\n"))
    started = threading.Event()
    result = runner.run_cli(command, [], on_event=lambda e: started.set(),
                            is_canceled=started.is_set)
    assert result.exit_code == -1


def test_find_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exe = tmp_path / "bin" / "parakou-geo"
    exe.parent.mkdir()
    exe.write_text("#!/bin/sh\n", encoding="utf-8")
    exe.chmod(0o755)
    assert runner.find_command(str(exe)) == [str(exe)]
    assert runner.find_command(str(tmp_path)) == [str(exe)]  # a folder: its bin/
    python = tmp_path / "python3"
    python.write_text("", encoding="utf-8")
    assert runner.find_command(str(python)) == [str(python), "-m", "parakou_geo.cli"]
    monkeypatch.setenv("PATH", str(exe.parent))
    assert runner.find_command("") == [str(exe)]
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    with pytest.raises(runner.CommandNotFoundError, match="Processing > Providers"):
        runner.find_command("")
    with pytest.raises(runner.CommandNotFoundError, match="does not exist"):
        runner.find_command(str(tmp_path / "missing"))


def test_command_env_drops_qgis_python_and_gdal_paths() -> None:
    env = runner.command_env({"PYTHONPATH": "/usr/share/qgis/python", "PROJ_LIB": "/x",
                              "GDAL_DATA": "/y", "HOME": "/home/u"})
    assert env["HOME"] == "/home/u"
    assert not {"PYTHONPATH", "PROJ_LIB", "GDAL_DATA"} & set(env)
    assert env["PYTHONIOENCODING"] == "utf-8"


def test_every_string_used_by_the_plugin_exists_in_both_languages() -> None:
    import re
    import string

    from parakou_geo_qgis import i18n

    plugin = Path(__file__).resolve().parents[1] / "qgis_plugin" / "parakou_geo_qgis"
    code = "\n".join(p.read_text(encoding="utf-8") for p in plugin.glob("*.py"))
    used = set(re.findall(r'tr\(\s*"([a-z_.]+)"', code))
    keys = {f"{k}.{s}" for k in ("build", "update", "tax", "bal", "streets", "signage",
                                 "certificate", "map", "coverage") for s in ("name", "help")}
    keys |= {f"group.{g}" for g in ("register", "exports", "maps", "planning")}
    assert used | keys <= set(i18n.STRINGS)
    fmt = string.Formatter()
    for key, (english, french) in i18n.STRINGS.items():
        assert english.strip(), key
        assert french.strip(), key
        fields = ({f for _, f, _, _ in fmt.parse(english) if f},
                  {f for _, f, _, _ in fmt.parse(french) if f})
        assert fields[0] == fields[1], key
