#!/bin/sh
# Install CX Pilot into .venv, generate the demo company and serve the web app on
# http://127.0.0.1:8000 (the login to use is printed). Data goes to $CXPILOT_HOME
# (default: ./.cxpilot in this folder).
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/lock.txt
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
export CXPILOT_HOME="${CXPILOT_HOME:-$PWD/.cxpilot}"
exec .venv/bin/cxpilot demo start "$@"
