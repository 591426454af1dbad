#!/usr/bin/env bash
# Run the test suite on SQLite and on a throwaway PostgreSQL.
#
#   scripts/test.sh [pytest args...]
#
# Env:
#   RMBOT_TEST_DB=sqlite|postgresql   run only that database (default: both)
#
# The SQLite run leaves RMBOT_TEST_DATABASE_URL unset (the suite then uses a
# temporary SQLite file); the PostgreSQL run exports it with the URL printed by
# scripts/pg.sh.  The server is stopped on exit whatever happens.
# Exit status: 0 only when every selected run passed; pytest's exit 5 (no tests
# collected) counts as a failure.
set -euo pipefail

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"

want=${RMBOT_TEST_DB:-all}
case "$want" in
    all | both | "") run_sqlite=1 run_pg=1 ;;
    sqlite | sqlite3) run_sqlite=1 run_pg=0 ;;
    postgresql | postgres | pg) run_sqlite=0 run_pg=1 ;;
    *)
        echo "test.sh: RMBOT_TEST_DB must be sqlite or postgresql (got '$want')" >&2
        exit 2
        ;;
esac

"${MAKE:-make}" -s --no-print-directory -C "$root" venv

py="$root/.venv/bin/python"
work=$(mktemp -d "${TMPDIR:-/tmp}/rmbot-test.XXXXXX")
pg_dir=""
child=""

cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
        echo "test.sh: interrupted; stopping pytest" >&2
        kill -TERM "$child" 2>/dev/null || true
        wait "$child" 2>/dev/null || true
    fi
    if [ -n "$pg_dir" ]; then
        "$root/scripts/pg.sh" stop "$pg_dir" >/dev/null 2>&1 ||
            echo "test.sh: warning: could not stop PostgreSQL in $pg_dir" >&2
    fi
    rm -rf -- "$work"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# counts FILE -> "passed failed skipped" from pytest's JUnit XML (empty if none)
counts() {
    [ -s "$1" ] || return 0
    "$py" - "$1" <<'EOF' 2>/dev/null || true
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = f = s = 0
for su in suites:
    t += int(su.get("tests", 0))
    f += int(su.get("failures", 0)) + int(su.get("errors", 0))
    s += int(su.get("skipped", 0))
print(t - f - s, f, s)
EOF
}

explain() {
    case "$1" in
        0) echo "passed" ;;
        1) echo "FAILED (tests failed)" ;;
        2) echo "FAILED (interrupted, pytest exit 2)" ;;
        3) echo "FAILED (internal error, pytest exit 3)" ;;
        4) echo "FAILED (usage error, pytest exit 4)" ;;
        5) echo "FAILED (no tests collected, pytest exit 5)" ;;
        *) echo "FAILED (exit $1)" ;;
    esac
}

pytest_args=("$@")
status=0
summary=()
totals=(0 0 0)

# run_pytest LABEL TAG ENV-ARGS...: run pytest under `env ENV-ARGS`, record
# its outcome in the summary.
run_pytest() {
    local label=$1 tag=$2 rc=0 cnt p f s
    shift 2
    # In the background + `wait`, so that a TERM/INT/HUP sent to this script
    # is acted on at once (the trap stops pytest, then the server) instead of
    # after pytest has finished.  0<&0 keeps stdin (e.g. for --pdb).
    env "$@" "$py" -m pytest --junitxml="$work/$tag.xml" "${pytest_args[@]}" 0<&0 &
    child=$!
    wait "$child" || rc=$?
    child=""
    [ "$rc" -eq 0 ] || status=1
    summary+=("$label: $(explain "$rc")")
    cnt=$(counts "$work/$tag.xml")
    if [ -n "$cnt" ]; then
        read -r p f s <<<"$cnt"
        summary+=("$tag: $p passed, $f failed, $s skipped")
        totals=($((totals[0] + p)) $((totals[1] + f)) $((totals[2] + s)))
    fi
}

if [ "$run_sqlite" = 1 ]; then
    echo
    echo "== tests on SQLite =="
    run_pytest SQLite sqlite -u RMBOT_TEST_DATABASE_URL
fi

if [ "$run_pg" = 1 ]; then
    echo
    # As root the server runs as `postgres`, which must be able to reach the
    # directory: use /tmp rather than a TMPDIR that may sit under /root.
    if [ "$(id -u)" -eq 0 ]; then pg_tmp=/tmp; else pg_tmp=${TMPDIR:-/tmp}; fi
    pg_dir=$(mktemp -d "$pg_tmp/rmbot-pg.XXXXXX")
    echo "(starting a throwaway PostgreSQL in $pg_dir)" >&2
    if url=$(RMBOT_PG_OWNER_PID=$$ "$root/scripts/pg.sh" start "$pg_dir"); then
        pg_major=$(cat "$pg_dir/data/PG_VERSION" 2>/dev/null || true)
        pg_label="PostgreSQL${pg_major:+ $pg_major}"
        echo "== tests on $pg_label =="
        run_pytest "$pg_label" postgresql RMBOT_TEST_DATABASE_URL="$url"
        "$root/scripts/pg.sh" stop "$pg_dir" >/dev/null 2>&1 || true
        pg_dir=""
    else
        echo "== tests on PostgreSQL: NOT RUN, the server did not start (see above) =="
        summary+=("PostgreSQL: FAILED (the server did not start)")
        status=1
    fi
fi

echo
echo "== summary =="
printf '%s\n' "${summary[@]}"
if [ "$run_sqlite" = 1 ] && [ "$run_pg" = 1 ]; then
    echo "total: ${totals[0]} passed, ${totals[1]} failed, ${totals[2]} skipped"
fi
exit "$status"
