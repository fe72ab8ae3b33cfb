#!/usr/bin/env bash
# Runs every test of a build directory. Servers the tests need (PostgreSQL,
# the image registry, the feed server, a proxy) are started by the tests
# themselves, on 127.0.0.1 only, and stopped when they finish.
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
ctest --test-dir "$BUILD" --output-on-failure -j"$(nproc)" --timeout 900
