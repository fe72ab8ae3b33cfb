#!/usr/bin/env bash
# The README's first command ends here: serve the real Debian security feed
# from ../shared on 127.0.0.1 (this machine has no internet), load it with
# `lucid update`, then scan the real debian-app image.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${LUCID_SHARED:-$ROOT/../shared}
LUCID=$ROOT/build/lucid
WORK=$(mktemp -d)
trap 'kill $FEEDS 2>/dev/null || true; wait $FEEDS 2>/dev/null || true; rm -rf "$WORK"' EXIT

python3 "$SHARED/tools/serve-feeds.py" --port 0 --ready-file "$WORK/feeds" >"$WORK/feeds.log" 2>&1 &
FEEDS=$!
for _ in $(seq 100); do [ -s "$WORK/feeds" ] && break; sleep 0.1; done
BASE=$(grep -o 'http://[^ ]*' "$WORK/feeds" | head -1)
BASE=${BASE%/}
export LUCID_DATA_DIR=${LUCID_DATA_DIR:-$WORK/data}
cat >"$WORK/config.yaml" <<YAML
log_level: warn
updaters:
  sets: [debian]
  config:
    debian:
      json_url: $BASE/debian/json
YAML
echo "== lucid update (Debian security tracker served from $BASE)" >&2
"$LUCID" update --config "$WORK/config.yaml"
echo "== lucid scan oci:$SHARED/images/oci:debian-app" >&2
"$LUCID" scan --config "$WORK/config.yaml" "oci:$SHARED/images/oci:debian-app"
