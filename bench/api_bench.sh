#!/usr/bin/env bash
# API throughput: GET vulnerability_report/<digest> against the static
# baseline GET /healthz (introspection listener), measured with wrk.
#
#   bench/api_bench.sh [LUCID_BIN]      (default: $LUCID_BIN, else build/lucid)
#   DURATION=5s ROUNDS=3 CONNS="1 16 256" bench/api_bench.sh ...
#
# Starts, all on 127.0.0.1 and all stopped on exit: the feed server, the test
# registry, and `lucid -mode combo` with PSK auth and the Debian feed. Once the
# first update has stored data it indexes debian-app the way Quay does (layer
# URIs on the registry), then runs wrk at 1, 16 and 256 connections for
# $DURATION (default 10s) per point, for the report without and with
# Accept-Encoding: gzip, and prints requests/s, p99 latency and the ratio
# report/healthz. Target: report >= 0.5x healthz throughput.
# PROFILE_DIR=DIR also records `perf record -e cpu-clock -g` of the lucid
# process during each point (DIR/<case>-<conns>.data; read with perf report).
# Needs: wrk, curl, python3 with jwt (python3-jwt), docker-registry, skopeo.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARED=${LUCID_SHARED:-$(cd "$ROOT/../shared" && pwd)}
LUCID=${1:-${LUCID_BIN:-$ROOT/build/lucid}}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-1}
CONNS=${CONNS:-"1 16 256"}
PY=/usr/bin/python3

for t in wrk curl "$PY"; do command -v "$t" >/dev/null || { echo "missing $t (apt-get install wrk curl python3-jwt)" >&2; exit 1; }; done
[ -x "$LUCID" ] || { echo "no lucid binary at $LUCID" >&2; exit 1; }

T=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT

wait_file() {  # file seconds
  for _ in $(seq $(( $2 * 10 ))); do [ -s "$1" ] && return 0; sleep 0.1; done
  echo "timed out waiting for $1" >&2; exit 1
}
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$PY" "$SHARED/tools/serve-feeds.py" --port 0 --ready-file "$T/feeds" >"$T/feeds.log" 2>&1 & PIDS+=($!)
setsid bash "$SHARED/images/serve-registry.sh" --ready-file "$T/registry" --timeout 1800 >"$T/registry.log" 2>&1 & PIDS+=($!)
wait_file "$T/feeds" 30
FEEDS=$(grep -o 'http://[0-9.:]*' "$T/feeds" | head -1)
wait_file "$T/registry" 180
REGISTRY=$(cat "$T/registry")

API=$(free_port); INTRO=$(free_port)
KEY=$("$PY" -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')
cat >"$T/config.yaml" <<EOF
http_listen_addr: 127.0.0.1:$API
introspection_addr: 127.0.0.1:$INTRO
log_level: warn
auth:
  psk:
    key: $KEY
    iss: [quay]
updaters:
  sets: [debian]
  config:
    debian:
      json_url: $FEEDS/debian/json
EOF
LUCID_DATA_DIR="$T/data" "$LUCID" -conf "$T/config.yaml" -mode combo 2>"$T/lucid.log" & PIDS+=($!)
LUCID_PID=$!

TOKEN=$("$PY" -c 'import base64,sys,time,jwt; n=int(time.time()); print(jwt.encode({"iss":"quay","iat":n,"nbf":n-60,"exp":n+7200}, base64.b64decode(sys.argv[1]), algorithm="HS256"))' "$KEY")
AUTH="Authorization: Bearer $TOKEN"
BASE=http://127.0.0.1:$API

for _ in $(seq 600); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$INTRO/readyz" || true)" = 200 ] && break; sleep 0.1
done

# The Clair Manifest Quay would send for debian-app.
"$PY" - "$REGISTRY" >"$T/manifest.json" <<'EOF'
import json, sys, urllib.request
reg = sys.argv[1]
req = urllib.request.Request("http://%s/v2/debian-app/manifests/latest" % reg,
                             headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
with urllib.request.urlopen(req) as r:
    m, digest = json.load(r), r.headers["Docker-Content-Digest"]
print(json.dumps({"hash": digest, "layers": [
    {"hash": l["digest"], "uri": "http://%s/v2/debian-app/blobs/%s" % (reg, l["digest"]), "headers": {}}
    for l in m["layers"]]}))
EOF
DIGEST=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["hash"])' "$T/manifest.json")
code=$(curl -s -o "$T/index.json" -w '%{http_code}' -H "$AUTH" --data-binary @"$T/manifest.json" "$BASE/indexer/api/v1/index_report")
[ "$code" = 201 ] || { echo "index failed: HTTP $code $(head -c 300 "$T/index.json")" >&2; exit 1; }

REPORT_URL=$BASE/matcher/api/v1/vulnerability_report/$DIGEST
for i in $(seq 1200); do
  code=$(curl -s -o "$T/report.json" -w '%{http_code}' -H "$AUTH" "$REPORT_URL")
  [ "$code" = 200 ] && break
  [ "$code" = 202 ] || { echo "vulnerability_report: HTTP $code" >&2; exit 1; }
  sleep 0.5
done
[ "$code" = 200 ] || { echo "no vulnerability data in time" >&2; exit 1; }
# The first update run goes on after the first updater's data is visible (the
# other updaters, then clean-up). Measure only once the database files have
# stopped changing, so that no update competes with the load.
last="" stable=0
for _ in $(seq 1200); do
  cur=$(stat -c '%n %s %Y' "$T"/data/* 2>/dev/null | tr '\n' ' ')
  if [ "$cur" = "$last" ]; then stable=$((stable + 1)); else stable=0 last=$cur; fi
  [ "$stable" -ge 10 ] && break
  sleep 0.5
done
curl -s -o "$T/report.json" -H "$AUTH" "$REPORT_URL"
echo "debian-app $DIGEST: report $(wc -c <"$T/report.json") bytes," \
  "$("$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(len(r["packages"]), "packages,", sum(map(len, r["package_vulnerabilities"].values())), "matches")' "$T/report.json")"

# wrk prints "Requests/sec: N" and, with --latency, "99%  12.34ms".
measure() {  # name url conns [header...] -> "rps p99_ms non2xx"
  local name=$1 url=$2 c=$3 threads=2 out h=() perf_pid=""
  shift 3
  for x in "$@"; do h+=(-H "$x"); done
  [ "$c" -lt 2 ] && threads=1
  if [ -n "${PROFILE_DIR:-}" ]; then
    mkdir -p "$PROFILE_DIR"
    perf record -q -e cpu-clock -g -o "$PROFILE_DIR/$name-$c.data" -p "$LUCID_PID" >/dev/null 2>&1 & perf_pid=$!
  fi
  out=$(wrk -t"$threads" -c"$c" -d"$DURATION" --timeout 30s --latency "${h[@]}" "$url")
  if [ -n "$perf_pid" ]; then kill -INT "$perf_pid" 2>/dev/null; wait "$perf_pid" 2>/dev/null || true; fi
  echo "$out" >>"$T/wrk.log"
  "$PY" - "$out" <<'EOF'
import re, sys
out = sys.argv[1]
rps = float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1))
m = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
errs = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
print("%.1f %.2f %s" % (rps, p99, errs.group(1) if errs else "0"))
EOF
}

# "identity": no Accept-Encoding (like wrk/curl). "gzip": what Quay's client
# (python-requests: "gzip, deflate") and Go's client send.
printf '\n%-6s | %-26s | %-26s | %-26s | %s\n' "" "report identity" "report gzip" "healthz (static)" "ratio report/healthz"
printf '%-6s | %12s %12s | %12s %12s | %12s %12s | %s\n' conns "req/s" "p99 ms" "req/s" "p99 ms" "req/s" "p99 ms" "identity  gzip"
printf -- '-------+----------------------------+----------------------------+----------------------------+---------------\n'
for c in $CONNS; do
  # ROUNDS alternations of the three cases; each ratio compares neighbouring
  # runs, so load from other jobs on the machine hits both sides alike. The
  # row shows medians (req/s, p99 and, separately, the per-round ratios).
  : >"$T/round"
  for _ in $(seq "$ROUNDS"); do
    read -r rrps rp99 rerr < <(measure report "$REPORT_URL" "$c" "$AUTH")
    read -r grps gp99 gerr < <(measure report-gzip "$REPORT_URL" "$c" "$AUTH" "Accept-Encoding: gzip, deflate")
    read -r hrps hp99 _ < <(measure healthz "http://127.0.0.1:$INTRO/healthz" "$c")
    echo "$rrps $rp99 $grps $gp99 $hrps $hp99 $rerr $gerr" >>"$T/round"
  done
  "$PY" - "$c" "$T/round" <<'EOF2'
import statistics as st, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[2]) if l.strip()]
med = lambda i: st.median(r[i] for r in rows)
r1 = st.median(r[0] / r[4] for r in rows)
r2 = st.median(r[2] / r[4] for r in rows)
errs = sum(r[6] + r[7] for r in rows)
print("%-6s | %12.1f %12.2f | %12.1f %12.2f | %12.1f %12.2f | %8.2f %5.2f%s" % (
    sys.argv[1], med(0), med(1), med(2), med(3), med(4), med(5), r1, r2,
    " (non-2xx: %d)" % errs if errs else ""))
EOF2
done
echo
echo "target: report/healthz >= 0.50 (wrk -d$DURATION per run, $ROUNDS rounds per row, medians; $(nproc) CPUs shared with the load generator)"
