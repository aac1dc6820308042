#!/bin/sh
# Install what the tests need into .venv and run the checks: ruff, mypy, and the test suite
# on SQLite + DuckDB, then again on PostgreSQL when one answers at $CXPILOT_TEST_PG
# (default postgresql://postgres@127.0.0.1:5432/test).
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/test.txt
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
echo "== ruff"
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
echo "== mypy"
CXPILOT_HOME="$(mktemp -d)" .venv/bin/mypy
echo "== tests on SQLite + DuckDB"
.venv/bin/python -m pytest
PG="${CXPILOT_TEST_PG:-postgresql://postgres@127.0.0.1:5432/test}"
if .venv/bin/python -c "import psycopg, sys; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$PG" 2>/dev/null; then
    echo "== tests on PostgreSQL ($PG)"
    CXPILOT_TEST_DATABASE_URL="$PG" .venv/bin/python -m pytest
else
    echo "== PostgreSQL pass skipped: no server answers at $PG"
fi
