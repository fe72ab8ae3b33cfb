#!/usr/bin/env bash
# Runs every test of a build directory. One PostgreSQL server is started here
# for the whole run (LUCID_TEST_PG_DSN), so that PostgreSQL tests do not each
# start their own; the other servers the tests need (the image registry, the
# feed server, proxies) are started by the tests themselves, on 127.0.0.1
# only, and stopped when they finish.
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
PGDIR=
cleanup() { [ -n "$PGDIR" ] && tools/start-postgres.sh stop "$PGDIR" >/dev/null 2>&1 || true; }
trap cleanup EXIT
if [ -z "${LUCID_TEST_PG_DSN:-}" ]; then
  PGDIR=$(mktemp -d /tmp/lucid-pg.XXXXXX)
  rmdir "$PGDIR"
  export LUCID_TEST_PG_DSN=$(tools/start-postgres.sh --dir "$PGDIR" | tail -1)
  echo "PostgreSQL for the tests: $LUCID_TEST_PG_DSN"
fi
ctest --test-dir "$BUILD" --output-on-failure -j"$(nproc)" --timeout 1500
