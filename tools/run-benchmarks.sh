#!/usr/bin/env bash
# Runs every benchmark of bench/ against a Release build and prints each
# result as a ratio to a baseline measured in the same run (see bench/README.md).
set -uo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
export LUCID_BIN=$PWD/$BUILD/lucid
echo "== layer indexing vs gzip -dc (issue 2, target <= 1.3x)"; "$BUILD/bench/lucid_layer_bench"
echo "== language scanners vs tar -tzf (issue 7, target <= 1.5x)"; "$BUILD/bench/lucid_lang_bench"
echo "== full update: peak RSS and unchanged re-run (issue 5)"; ninja -C "$BUILD" update_bench
echo "== storage: feed import and report time, SQLite and PostgreSQL (issue 4)"; ninja -C "$BUILD" storage_bench
echo "== API: vulnerability_report vs /healthz with wrk (issue 3)"; bench/api_bench.sh "$LUCID_BIN"
