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
# browser tests run Debian's Chromium (never a downloaded browser)
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
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
