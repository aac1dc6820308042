#!/bin/sh
# Install what the tests need into .venv and run the checks: ruff, the import contracts, mypy,
# and the test suite on SQLite + DuckDB; beside it, the tests that touch a database again on
# PostgreSQL when one answers at $CXPILOT_TEST_PG
# (default postgresql://postgres@127.0.0.1:5432/test), and the warehouse tests on local Spark.
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/test.txt
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
# The page tests drive the system's Chromium; install it where we can (Debian/Ubuntu as root).
if ! command -v chromium >/dev/null 2>&1 && [ -z "${CXPILOT_CHROMIUM:-}" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "== installing Chromium for the page tests"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q chromium >/dev/null 2>&1 \
            || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; } \
            || echo "   could not install Chromium: the page tests will be skipped"
    else
        echo "== no Chromium and no way to install it here: the page tests will be skipped"
    fi
fi
# The Spark pass runs a local Spark session, which needs Java (17 or newer).
if ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "== installing Java for the Spark pass"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q openjdk-17-jre-headless >/dev/null 2>&1 \
            || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q openjdk-17-jre-headless >/dev/null 2>&1; } \
            || echo "   could not install Java: the Spark pass will be skipped"
    else
        echo "== no Java and no way to install it here: the Spark pass will be skipped"
    fi
fi
# The linkage test on a slice of FEBRL4 reads the data set from its published wheel (the
# bench cache); fetched once, checked by its sha256.
echo "== the FEBRL4 data set for the linkage test"
.venv/bin/python -c "import sys; sys.path.insert(0, 'bench'); import eval_linkage; eval_linkage.fetch()" \
    || echo "   could not download it: the FEBRL4 slice test will be skipped"
echo "== the CDNOW sample for the customer-value tests"
.venv/bin/python -c "import sys; sys.path.insert(0, 'bench'); import eval_linkage; eval_linkage.fetch(wheel=eval_linkage.LIFETIMES_WHEEL)" \
    || echo "   could not download it: the CDNOW tests will be skipped"
echo "== the public churn data sets for the churn tests"
.venv/bin/python -c "import sys; sys.path.insert(0, 'bench'); import eval_churn; eval_churn.fetch()" \
    || echo "   could not download it: the public churn data tests will be skipped"
echo "== ruff"
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
echo "== import contracts"
.venv/bin/lint-imports --no-cache
echo "== mypy"
CXPILOT_HOME="$(mktemp -d)" .venv/bin/mypy
# The three passes are independent (their own Django database, warehouse and temporary
# directory), so they run side by side; each one's output is shown when it ends.
LOGS="$(mktemp -d)"
PASSES=""
start_pass() {  # start_pass NAME TITLE VAR=VALUE [PYTEST-ARGUMENT...]
    name=$1 title=$2 setting=$3
    shift 3
    echo "== $title: started"
    echo "$title" >"$LOGS/$name.title"
    (
        rc=0
        env "$setting" .venv/bin/python -m pytest --basetemp "$LOGS/$name.tmp" --durations=10 "$@" \
            >"$LOGS/$name.log" 2>&1 || rc=$?
        echo $rc >"$LOGS/$name.rc"
    ) &
    echo $! >"$LOGS/$name.pid"
    PASSES="$PASSES $name"
}
start_pass sqlite "tests on SQLite + DuckDB" CXPILOT_TEST_PASS=sqlite
PG="${CXPILOT_TEST_PG:-postgresql://postgres@127.0.0.1:5432/test}"
if .venv/bin/python -c "import psycopg, sys; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$PG" 2>/dev/null; then
    # the page tests and the demo end to end (marked slow) run on SQLite only: CI's time
    start_pass postgres "tests on PostgreSQL ($PG), but the slow ones" \
        CXPILOT_TEST_DATABASE_URL="$PG" -m "not slow"
else
    echo "== PostgreSQL pass skipped: no server answers at $PG"
fi
if command -v java >/dev/null 2>&1 || [ -n "${JAVA_HOME:-}" ]; then
    start_pass spark "the warehouse tests on local Spark" CXPILOT_TEST_SPARK=1 -m warehouse
else
    echo "== Spark pass skipped: no Java"
fi
failed=0
for name in $PASSES; do
    wait "$(cat "$LOGS/$name.pid")" || true
    echo "== $(cat "$LOGS/$name.title")"
    cat "$LOGS/$name.log"
    [ "$(cat "$LOGS/$name.rc" 2>/dev/null || echo 1)" = 0 ] || failed=1
done
rm -rf "$LOGS"
exit $failed
