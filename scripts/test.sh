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
.venv/bin/python -m pip install --quiet -e '.[dev]'
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
