"""The README's two commands, in the README's order, in a fresh clone of the committed tree.

A new user runs the quick start (install, then ``parakou-geo demo``) and only then the test
command. Running them the other way round hid a broken build of an sdist for a long time, so
this test clones the repository and runs both, in order, exactly as the README writes them.

The clone test installs packages (from the pip cache when warm) and takes a few minutes: it is
marked ``fresh_clone``, left out of the plain ``pytest`` run, and run once by
``scripts/test.sh`` (``pytest -m fresh_clone``). It tests the *committed* tree (``git clone`` of
HEAD). A warm pip cache can hide a broken sdist build, so a quick test also checks that the
test tools install from wheels alone.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    """The two bash blocks of the README's quick start, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)
    return [b.strip() for b in blocks]


def test_readme_quick_start_names_the_two_commands() -> None:
    first, second = readme_commands()
    assert "pip install -e ." in first
    assert "parakou-geo demo" in first
    assert second == "bash scripts/test.sh"


def test_test_tools_install_from_wheels_only() -> None:
    """`scripts/test.sh` after the demo failed building the XStatic-Bootstrap sdist (its
    setup.py imports ``xstatic.pkg.bootstrap``, shadowed by the XStatic packages the demo
    installed). A fresh machine that happened to have a built wheel in its pip cache passed,
    so the check is that no sdist needs building at all: pip resolves ``.[dev]`` from wheels."""
    import sys

    run = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--only-binary",
         ":all:", "-e", f"{ROOT}[dev]"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]


@pytest.mark.fresh_clone
def test_readme_two_commands_in_order_in_a_fresh_clone(tmp_path: Path) -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout to clone")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    # the system Python first on PATH, as in a new shell (not this test's virtualenv)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if not p.startswith(str(ROOT)))
    env["PARAKOU_GEO_NESTED_FRESH_CLONE"] = "1"  # the clone's test.sh does not recurse
    first, second = readme_commands()
    run1 = subprocess.run(["bash", "-c", first], cwd=clone, env=env, capture_output=True,
                          text=True, timeout=1800)
    assert run1.returncode == 0, run1.stdout[-3000:] + "\n".join(
        line for line in run1.stderr.splitlines() if "WARNING: Location" not in line)[-3000:]
    assert (clone / "parakou_demo_output" / "register.gpkg").is_file()
    # the test command, after the demo: install of the test tools, ruff, mypy and the
    # collection of every test (the suite itself is what the outer run is executing)
    run2 = subprocess.run(["bash", "-c", f"{second} --collect-only -q"], cwd=clone, env=env,
                          capture_output=True, text=True, timeout=1800)
    out = "\n".join(line for line in (run2.stdout + run2.stderr).splitlines()
                    if "WARNING: Location" not in line)  # pip's notes on local indexes
    assert run2.returncode == 0, out[-5000:]
    assert "== mypy" in out
    assert re.search(r"\d+ tests? collected", out), out[-2000:]
