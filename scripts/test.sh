#!/usr/bin/env bash
# The project's one test command: sets up .venv, installs parakou_geo with its test and dev
# tools, then runs ruff, mypy and pytest. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# XStatic-Bootstrap (offline maps) is only published as an sdist whose setup.py needs
# pkg_resources, which setuptools 81 removed: build it with an older setuptools
constraint="$(mktemp)"
printf 'setuptools<81\n' > "$constraint"
.venv/bin/python -m pip install --quiet --build-constraint "$constraint" -e '.[dev]'
rm -f "$constraint"
# browser tests run Debian's Chromium (never a downloaded browser)
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
# the QGIS acceptance test (tests/test_qgis.py) runs Debian's QGIS 3.22 headless
if ! /usr/bin/python3 -c "import qgis.core" 2>/dev/null && [ "$(id -u)" = 0 ] \
        && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qgis python3-qgis >/dev/null
fi
# the reference BAL validator (npm), used by the BAL export test
if command -v npm >/dev/null 2>&1; then
    npm install --prefix .tools --no-audit --no-fund --silent @ban-team/validateur-bal fs-extra
fi
echo "== ruff"
.venv/bin/ruff check .
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
.venv/bin/python -m pytest "$@"
