#!/usr/bin/env bash
# Throwaway PostgreSQL server for the test suite.
#
#   scripts/pg.sh start DIR   -> prints the SQLAlchemy URL (one line on stdout)
#   scripts/pg.sh stop DIR    -> stops the server (immediate mode), removes DIR
#
# DIR should be a fresh directory (e.g. from `mktemp -d`); it is created when
# missing.  Layout: DIR/data (cluster), DIR/log (server log), DIR itself is the
# Unix socket directory.  Everything except the URL goes to stderr.
#
# When run as root the server runs as the `postgres` OS user (initdb refuses
# root).  When the PostgreSQL server binaries are missing they are installed
# with apt-get (root only).
#
# A server left behind by an earlier run that was killed (so its `stop` never
# ran) is cleaned up by a later `start`: when RMBOT_PG_OWNER_PID is set (as
# scripts/test.sh does), DIR records that pid, and any sibling DIR whose
# recorded owner has died is stopped and removed.  Servers started without
# RMBOT_PG_OWNER_PID (by hand) are never swept: stop them yourself.
#
# Env:
#   RMBOT_PG_BIN        directory with initdb/pg_ctl (default: newest
#                       /usr/lib/postgresql/*/bin, else the PATH)
#   RMBOT_PG_OWNER_PID  pid whose death marks DIR as stale (default: none,
#                       the server is never swept)
set -euo pipefail

MARKER=.rmbot-pg
DB_USER=rmbot
DB_NAME=rmbot_test

log() { printf 'pg.sh: %s\n' "$*" >&2; }
die() { printf 'pg.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
    cat >&2 <<'EOF'
usage: scripts/pg.sh start DIR   start a throwaway PostgreSQL in DIR, print its URL
       scripts/pg.sh stop DIR    stop it and remove DIR
EOF
    exit 2
}

# libpq/server settings from the caller's environment must not leak in
# (PGHOST, PGSSLMODE, PGDATA, PGOPTIONS, ...).
for _v in $(compgen -e | grep '^PG' || true); do unset "$_v"; done
unset _v

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command as the OS user that owns the cluster.
as_pg() {
    if is_root; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

abspath() {
    local d
    d=$(dirname -- "$1")
    printf '%s/%s\n' "$(cd -- "$d" && pwd -P)" "$(basename -- "$1")"
}

find_pg_bin() {
    local d best=""
    # Debian/Ubuntu layout; pick the highest major version.
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && best=$d
    done
    if [ -z "$best" ] && command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        best=$(dirname -- "$(command -v initdb)")
    fi
    [ -n "$best" ] && printf '%s\n' "$best"
}

ensure_pg_bin() {
    local bin
    if [ -n "${RMBOT_PG_BIN:-}" ]; then
        [ -x "$RMBOT_PG_BIN/initdb" ] && [ -x "$RMBOT_PG_BIN/pg_ctl" ] ||
            die "RMBOT_PG_BIN=$RMBOT_PG_BIN has no initdb/pg_ctl"
        printf '%s\n' "$RMBOT_PG_BIN"
        return 0
    fi
    bin=$(find_pg_bin || true)
    if [ -z "$bin" ]; then
        if ! is_root; then
            die "PostgreSQL server binaries (initdb, pg_ctl) not found.
  Install them, e.g. on Debian/Ubuntu:  sudo apt-get install -y postgresql
  (or set RMBOT_PG_BIN to the directory holding initdb and pg_ctl)."
        fi
        command -v apt-get >/dev/null 2>&1 ||
            die "PostgreSQL server binaries not found and apt-get is unavailable; install PostgreSQL manually"
        log "PostgreSQL server binaries not found; installing with apt-get ..."
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >&2 || die "apt-get update failed"
        apt-get install -y -q --no-install-recommends postgresql >&2 ||
            die "apt-get install postgresql failed"
        bin=$(find_pg_bin || true)
        [ -n "$bin" ] || die "postgresql installed but initdb/pg_ctl still not found"
    fi
    if is_root && ! id postgres >/dev/null 2>&1; then
        die "running as root but there is no 'postgres' OS user to run the server as (initdb refuses root)"
    fi
    printf '%s\n' "$bin"
}

free_port() {
    python3 - <<'EOF'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

# "pid starttime" of a process (starttime guards against pid reuse).
proc_ident() {
    local pid=$1 st=""
    [ -r "/proc/$pid/stat" ] || { printf '%s\n' "$pid"; return 0; }
    # field 22 of /proc/PID/stat; strip "pid (comm) " first, comm may hold spaces
    st=$(sed -E 's/^.*\) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $20}') || st=""
    printf '%s %s\n' "$pid" "$st"
}

owner_alive() {
    local f=$1 pid want
    [ -f "$f" ] || return 1
    read -r pid _ <"$f" || return 1
    [ -n "$pid" ] || return 1
    kill -0 "$pid" 2>/dev/null || [ -d "/proc/$pid" ] || return 1
    want=$(cat "$f")
    [ "$(proc_ident "$pid")" = "$want" ]
}

# Stop the server of DIR (if any) and remove DIR.  Only removes directories
# this script created (marker file), or empty ones.
stop_dir() {
    local dir=$1 bin pid
    if [ ! -e "$dir" ]; then
        log "$dir does not exist; nothing to stop"
        return 0
    fi
    if [ ! -f "$dir/$MARKER" ]; then
        if rmdir -- "$dir" 2>/dev/null; then
            return 0
        fi
        die "refusing to remove $dir: not a directory created by scripts/pg.sh start"
    fi
    if [ -f "$dir/data/postmaster.pid" ]; then
        bin=$(cat "$dir/bin" 2>/dev/null || find_pg_bin || true)
        pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
        # Only signal the pid if it still is this cluster's postmaster.
        if [ -n "$pid" ] && ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$dir/data"; then
            pid=""
        fi
        if [ -n "$bin" ]; then
            # -W: don't use pg_ctl's 1-second polling; we wait below.
            (cd / && as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -W stop) >&2 2>&1 || true
        elif [ -n "$pid" ]; then
            kill -QUIT "$pid" 2>/dev/null || true
        fi
        if [ -n "$pid" ]; then
            for _ in $(seq 100); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
            if [ -d "/proc/$pid" ]; then
                log "postmaster $pid did not stop; killing it"
                kill -KILL "$pid" 2>/dev/null || true
                sleep 0.2
            fi
        fi
    fi
    rm -rf -- "$dir"
}

sweep_stale() {
    local parent=$1 self=$2 m d
    for m in "$parent"/*/"$MARKER"; do
        [ -f "$m" ] || continue
        d=$(dirname -- "$m")
        [ "$d" = "$self" ] && continue
        [ -f "$d/owner" ] || continue   # started by hand: not ours to sweep
        if ! owner_alive "$d/owner"; then
            log "removing stale server dir from an earlier run: $d"
            (stop_dir "$d") || log "could not clean $d"
        fi
    done
}

cmd_start() {
    local dir bin port url ver i ok locale
    mkdir -p -- "$1"
    dir=$(abspath "$1")
    if [ -n "$(ls -A -- "$dir")" ]; then
        die "$dir is not empty; pass a fresh directory (e.g. \$(mktemp -d))"
    fi
    bin=$(ensure_pg_bin)
    ver=$("$bin/pg_ctl" --version | sed -E 's/^[^0-9]*([0-9]+(\.[0-9]+)?).*/\1/')
    log "using PostgreSQL $ver from $bin"

    if [ -n "${RMBOT_PG_OWNER_PID:-}" ]; then
        proc_ident "$RMBOT_PG_OWNER_PID" >"$dir/owner"
    fi
    touch "$dir/$MARKER"
    printf '%s\n' "$bin" >"$dir/bin"
    sweep_stale "$(dirname -- "$dir")" "$dir"

    if is_root; then
        chown postgres: "$dir"
        chmod 700 "$dir"
        runuser -u postgres -- test -w "$dir" ||
            die "user postgres cannot write $dir (is a parent directory closed to it? try TMPDIR=/tmp)"
    fi
    # The server user may not be able to enter the caller's cwd.
    cd "$dir"

    ok=0
    for locale in C.UTF-8 C; do
        rm -rf -- "$dir/data"
        if as_pg "$bin/initdb" -D "$dir/data" --auth=trust --username="$DB_USER" \
            --locale="$locale" --encoding=UTF8 --no-sync >"$dir/initdb.log" 2>&1; then
            ok=1
            break
        fi
        log "initdb with --locale=$locale failed:"
        tail -n 5 "$dir/initdb.log" | sed 's/^/    /' >&2
    done
    [ "$ok" = 1 ] || die "initdb failed (see above; full output in $dir/initdb.log)"

    # The free port is only free until someone takes it: retry on a clash.
    ok=0
    for i in 1 2 3 4 5; do
        port=$(free_port)
        if as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
            -o "-h 127.0.0.1 -p $port -k '$dir' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
            start >&2; then
            ok=1
            break
        fi
        log "server did not start on port $port (attempt $i); log tail:"
        tail -n 10 "$dir/log" 2>/dev/null | sed 's/^/    /' >&2 || true
        # pg_ctl -w may give up while the postmaster is still around
        as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    done
    [ "$ok" = 1 ] || die "could not start PostgreSQL (log: $dir/log)"
    printf '%s\n' "$port" >"$dir/port"

    "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$DB_USER" "$DB_NAME" >&2 ||
        die "createdb $DB_NAME failed"

    url="postgresql+psycopg://$DB_USER@127.0.0.1:$port/$DB_NAME"
    printf '%s\n' "$url" >"$dir/url"
    log "PostgreSQL $ver listening on 127.0.0.1:$port (dir $dir)"
    printf '%s\n' "$url"
}

cmd_stop() {
    local dir
    if [ ! -e "$1" ]; then
        log "$1 does not exist; nothing to stop"
        return 0
    fi
    dir=$(abspath "$1")
    stop_dir "$dir"
}

[ $# -eq 2 ] || usage
case "$1" in
    start) cmd_start "$2" ;;
    stop) cmd_stop "$2" ;;
    *) usage ;;
esac
