"""Test helper: open a file in LibreOffice (headless), as the tax service and planners do.

Tests skip with the reason when ``soffice`` is missing, except under CI=true where they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

#: LibreOffice's CSV import as a user in a French locale gets it: ``;`` separator, ``"`` quotes,
#: UTF-8, from line 1, language French (1036: decimal comma), every other option at its default.
CSV_FRENCH = "CSV:59,34,76,1,,1036"


def soffice() -> str:
    """Return the soffice executable, or skip (fail under CI=true) when there is none."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        reason = "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return exe


def convert(path: Path, fmt: str, outdir: Path, *, infilter: str | None = None) -> Path:
    """Convert ``path`` with LibreOffice to ``fmt`` (e.g. ``"pdf"``, ``"xlsx"``) in ``outdir``."""
    exe = soffice()
    profile = outdir / "lo-profile"
    cmd = [exe, "--headless", f"-env:UserInstallation={profile.as_uri()}"]
    if infilter:
        cmd.append(f"--infilter={infilter}")
    cmd += ["--convert-to", fmt, "--outdir", str(outdir), str(path)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    out = outdir / f"{path.stem}.{fmt.split(':')[0]}"
    assert out.is_file(), f"LibreOffice did not convert {path} to {fmt}"
    return out


def pdf_pages(pdf: Path) -> tuple[int, float, float]:
    """Return the page count and the first page's width and height (points), via pdfinfo."""
    exe = shutil.which("pdfinfo")
    if exe is None:
        pytest.skip("pdfinfo (poppler-utils) is not installed")
    info = subprocess.run([exe, str(pdf)], check=True, capture_output=True, text=True).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    size = fields["Page size"].split()
    return int(fields["Pages"]), float(size[0]), float(size[2])
