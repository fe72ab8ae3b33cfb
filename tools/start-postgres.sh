#!/bin/bash
# Throw-away PostgreSQL server for tests and local experiments, from Debian's
# postgresql-15 binaries (initdb + pg_ctl; no cluster tooling, no systemd).
#
#   tools/start-postgres.sh [--port N] [--dir DIR] [--dsn-file FILE]
#       Creates DIR (default: a new temp dir), initialises a cluster with
#       trust auth, listens on 127.0.0.1:N (default: a free port) and on a
#       Unix socket in DIR/sock, then prints the libpq DSN as the last line of
#       stdout (and writes it to FILE and DIR/dsn).
#   tools/start-postgres.sh restart DIR   # pg_ctl restart (fast), same port
#   tools/start-postgres.sh stop DIR [--keep]
#       Stops the server and removes DIR (unless --keep).
#
# PostgreSQL refuses to run as root: when run as root the server runs as the
# `postgres` system user, or as a `lucidtest` user created on first use, and
# DIR is owned by that user.
set -euo pipefail

die() { echo "start-postgres: $*" >&2; exit 1; }

find_bindir() {
  local d
  for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then echo "$d"; return; fi
  done
  die "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (apt-get install postgresql-15)"
}

run_user() {
  if [[ $(id -u) -ne 0 ]]; then echo ""; return; fi
  if id postgres >/dev/null 2>&1; then echo postgres; return; fi
  if ! id lucidtest >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin lucidtest >/dev/null 2>&1 ||
      die "cannot create user lucidtest"
  fi
  echo lucidtest
}

# as USER CMD...: runs CMD as USER (or as ourselves when USER is empty).
as() {
  local user=$1; shift
  if [[ -z "$user" ]]; then "$@"; else runuser -u "$user" -- "$@"; fi
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

BINDIR=$(find_bindir)
USER_NAME=$(run_user)

case "${1:-}" in
  stop)
    dir=${2:-}; [[ -n "$dir" && -d "$dir/data" ]] || die "usage: $0 stop DIR (DIR/data must exist)"
    as "$USER_NAME" "$BINDIR/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    if [[ "${3:-}" != "--keep" ]]; then rm -rf "$dir"; fi
    exit 0
    ;;
  restart)
    dir=${2:-}; [[ -n "$dir" && -d "$dir/data" ]] || die "usage: $0 restart DIR"
    as "$USER_NAME" "$BINDIR/pg_ctl" -D "$dir/data" -m fast -w -t 60 -l "$dir/log" restart >/dev/null ||
      die "restart failed; see $dir/log"
    exit 0
    ;;
esac

PORT=""; DIR=""; DSN_FILE=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) PORT=$2; shift 2 ;;
    --dir) DIR=$2; shift 2 ;;
    --dsn-file) DSN_FILE=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) die "unknown argument $1" ;;
  esac
done

if [[ -z "$DIR" ]]; then
  DIR=$(mktemp -d "${TMPDIR:-/tmp}/lucid-pg.XXXXXX")
else
  mkdir -p "$DIR"
fi
DIR=$(cd "$DIR" && pwd)
[[ -e "$DIR/data" ]] && die "$DIR/data already exists"
mkdir -p "$DIR/sock"
if [[ -n "$USER_NAME" ]]; then
  chown -R "$USER_NAME" "$DIR"
  # The server user must be able to reach DIR through its parents.
  chmod 0755 "$DIR"
fi

as "$USER_NAME" "$BINDIR/initdb" -D "$DIR/data" -A trust -U postgres -E UTF8 --no-locale --no-sync \
  >"$DIR/initdb.log" 2>&1 || die "initdb failed; see $DIR/initdb.log"

# A throw-away server: durability is not worth the fsyncs.
OPTS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
for attempt in 1 2 3 4 5 6 7 8 9 10; do
  if [[ -z "$PORT" || $attempt -gt 1 ]]; then
    if [[ -n "$PORT" && $attempt -gt 1 && -n "${FIXED_PORT:-}" ]]; then die "port $PORT is busy"; fi
    PORT=$((20000 + RANDOM % 40000))
    port_free "$PORT" || continue
  else
    FIXED_PORT=1
  fi
  if as "$USER_NAME" "$BINDIR/pg_ctl" -D "$DIR/data" -w -t 60 -l "$DIR/log" \
       -o "-h 127.0.0.1 -p $PORT -k $DIR/sock $OPTS" start >/dev/null 2>&1; then
    DSN="host=127.0.0.1 port=$PORT user=postgres dbname=postgres sslmode=disable"
    echo "$DSN" >"$DIR/dsn"
    if [[ -n "$DSN_FILE" ]]; then echo "$DSN" >"$DSN_FILE"; fi
    echo "start-postgres: server in $DIR (stop: $0 stop $DIR)" >&2
    echo "$DSN"
    exit 0
  fi
  [[ -n "${FIXED_PORT:-}" ]] && die "pg_ctl start failed on port $PORT; see $DIR/log"
done
die "could not start PostgreSQL; see $DIR/log"
