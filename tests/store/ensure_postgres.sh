#!/bin/sh
# The store tests run against SQLite and against a real PostgreSQL server. This script
# makes sure one is listening for them: a throwaway cluster under /tmp, on loopback only,
# port 55432 (socket in the same folder), superuser "postgres" with trust authentication.
# It installs Debian's postgresql when the server binaries are missing and we are root.
# It exports nothing: tests/store/conftest.py connects to FRESQUE_TEST_POSTGRES_URL, which
# defaults to postgresql+psycopg://postgres@127.0.0.1:55432/postgres.
# Not fatal: without a server the PostgreSQL tests are skipped with a message, and fail
# under CI=true.
PORT="${FRESQUE_TEST_PG_PORT:-55432}"
ROOT="${FRESQUE_TEST_PG_DIR:-/tmp/fresque-pg}"
DATA="$ROOT/data"
LOG="$ROOT/server.log"

say() { echo "ensure_postgres: $*" >&2; }

find_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

BIN="$(find_bin)"
if [ -z "$BIN" ] || [ ! -x "$BIN/pg_ctl" ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        say "installing Debian's postgresql for the store tests (apt-get install -y postgresql)..."
        apt-get update -qq \
            && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
            || say "apt-get could not install postgresql."
        BIN="$(find_bin)"
    fi
fi
if [ -z "$BIN" ] || [ ! -x "$BIN/pg_ctl" ]; then
    say "PostgreSQL is missing: install it with sudo apt-get install -y postgresql."
    exit 0
fi

# The tests use the server over TCP on loopback; a server already there is reused.
if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres 2>/dev/null; then
    exit 0
fi

# As root, the cluster belongs to the "postgres" user (the server refuses to run as root).
if [ "$(id -u)" = "0" ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$ROOT" --shell /bin/sh postgres
    as_owner() { runuser -u postgres -- "$@"; }
else
    as_owner() { "$@"; }
fi

mkdir -p "$ROOT"
[ "$(id -u)" = "0" ] && chown postgres "$ROOT"
exec 9>"$ROOT.lock"
command -v flock >/dev/null 2>&1 && flock 9  # two `make test` at once start one server

if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres 2>/dev/null; then
    exit 0
fi
start() {
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $ROOT -c shared_buffers=32MB" \
        start >/dev/null
}
if [ ! -f "$DATA/PG_VERSION" ] || ! start; then
    say "creating a throwaway cluster in $DATA (port $PORT)..."
    [ -f "$DATA/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$DATA" stop -m immediate >/dev/null 2>&1
    rm -rf "$DATA"
    if ! as_owner "$BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --no-sync \
        >"$ROOT/initdb.log" 2>&1; then
        say "initdb failed, see $ROOT/initdb.log"
        exit 0
    fi
    start || { say "the server did not start, see $LOG"; exit 0; }
fi
say "PostgreSQL listening on 127.0.0.1:$PORT (data in $DATA; stop with: pg_ctl -D $DATA stop)"
exit 0
