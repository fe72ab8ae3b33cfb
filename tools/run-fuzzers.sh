#!/usr/bin/env bash
# Runs every built fuzzer for SECONDS each (default 30) from a fresh corpus
# directory; exits non-zero on the first crash, leak or timeout found.
set -euo pipefail
BUILD=${1:-build-fuzz}
SECONDS_EACH=${2:-30}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
for f in "$BUILD"/fuzz/*_fuzzer; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  mkdir -p "$OUT/$name"
  echo "== $name (${SECONDS_EACH}s)"
  "$f" -max_total_time="$SECONDS_EACH" -rss_limit_mb=1024 -timeout=10 -artifact_prefix="$OUT/" "$OUT/$name" 2>&1 | tail -2
done
