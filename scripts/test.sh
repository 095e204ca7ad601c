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
# only wheels: the tests need no sdist build (XStatic-Bootstrap, an sdist that failed to build
# once the demo had installed the other XStatic packages, is the optional maps-bootstrap extra)
.venv/bin/python -m pip install --quiet -e '.[dev]'
# the programs users open the outputs with, headless: Debian's Chromium (browser tests; never
# a downloaded browser), LibreOffice Calc (CSV/XLSX as a spreadsheet shows them) and poppler
# (PDF pages); installed when missing and we are root
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v soffice >/dev/null || missing+=(libreoffice-calc-nogui)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
if [ "${#missing[@]}" -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
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
# the README's two commands, in its order, in a fresh clone of the committed tree (once)
if [ -z "${PARAKOU_GEO_NESTED_FRESH_CLONE:-}" ] && [ "${PARAKOU_GEO_SKIP_FRESH_CLONE:-}" != 1 ]; then
    echo "== fresh clone"
    .venv/bin/python -m pytest -m fresh_clone -p no:cacheprovider tests/test_fresh_clone.py
fi
