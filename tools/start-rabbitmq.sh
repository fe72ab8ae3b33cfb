#!/bin/bash
# Throw-away RabbitMQ broker for tests and local experiments, from Debian's
# rabbitmq-server package (AMQP 0-9-1 plus the bundled rabbitmq_stomp plugin).
# The system service is neither needed nor touched: the Erlang node runs with
# its own node name, epmd port, distribution port, config, plugins file,
# database, logs and HOME (hence its own Erlang cookie), all inside DIR.
#
#   tools/start-rabbitmq.sh [--dir DIR] [--amqp-port N] [--stomp-port N] [--vhost NAME] [--conf-extra FILE]
#       Creates DIR (default: a new temp dir), starts the broker on
#       127.0.0.1 (free ports unless given), waits until both listeners
#       accept connections and prints "AMQP_PORT STOMP_PORT" as the last line
#       of stdout (also written to DIR/ports). User guest/guest with all
#       rights on one vhost, NAME (default "/"). RabbitMQ takes a STOMP
#       CONNECT's host header as the vhost, so a STOMP client that sends the
#       broker's host name there (as Clair's does) needs --vhost localhost.
#       FILE's rabbitmq.conf lines are appended (e.g. a TLS listener).
#   tools/start-rabbitmq.sh stop DIR [--keep]
#       Stops the broker and its epmd, then removes DIR (unless --keep).
#
# Runs as whoever calls it, root included (the Erlang VM does not mind).
set -euo pipefail

die() { echo "start-rabbitmq: $*" >&2; exit 1; }

RMQ_BIN=/usr/lib/rabbitmq/bin
[[ -x "$RMQ_BIN/rabbitmq-server" ]] || die "no $RMQ_BIN/rabbitmq-server (apt-get install rabbitmq-server)"
command -v erl >/dev/null || die "no erl on PATH (apt-get install rabbitmq-server)"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local p
  for _ in $(seq 1 200); do
    # Below Linux's ephemeral range, where outgoing connections take ports.
    p=$((10000 + RANDOM % 22000))
    if port_free "$p"; then echo "$p"; return; fi
  done
  die "no free port found"
}

stop_dir() {
  local dir=$1
  # DIR/pid is the startup script, which forwards SIGTERM to the VM as a
  # clean shutdown; DIR/vm.pid is the VM itself (a copy of rabbit.pid, which
  # the broker removes as it stops).
  local f pid
  for f in "$dir/pid" "$dir/vm.pid" "$dir/rabbit.pid"; do
    pid=$(cat "$f" 2>/dev/null) || continue
    [[ -n "$pid" ]] || continue
    kill -TERM "$pid" 2>/dev/null || true
  done
  for f in "$dir/vm.pid" "$dir/rabbit.pid" "$dir/pid"; do
    pid=$(cat "$f" 2>/dev/null) || continue
    [[ -n "$pid" ]] || continue
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  # Only our own epmd (it listens on the port we chose) is stopped.
  if [[ -f "$dir/epmd_port" ]]; then
    epmd -port "$(cat "$dir/epmd_port")" -kill >/dev/null 2>&1 || true
  fi
}

case "${1:-}" in
  stop)
    dir=${2:-}; [[ -n "$dir" && -f "$dir/rabbitmq.conf" ]] || die "usage: $0 stop DIR (DIR/rabbitmq.conf must exist)"
    stop_dir "$dir"
    if [[ "${3:-}" != "--keep" ]]; then rm -rf "$dir"; fi
    exit 0
    ;;
esac

DIR=""; AMQP_PORT=""; STOMP_PORT=""; VHOST="/"; CONF_EXTRA=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) DIR=$2; shift 2 ;;
    --amqp-port) AMQP_PORT=$2; shift 2 ;;
    --stomp-port) STOMP_PORT=$2; shift 2 ;;
    --vhost) VHOST=$2; shift 2 ;;
    --conf-extra) CONF_EXTRA=$2; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) die "unknown argument $1" ;;
  esac
done

if [[ -z "$DIR" ]]; then
  DIR=$(mktemp -d "${TMPDIR:-/tmp}/lucid-rmq.XXXXXX")
else
  mkdir -p "$DIR"
fi
DIR=$(cd "$DIR" && pwd)
[[ -e "$DIR/rabbitmq.conf" ]] && die "$DIR already holds a broker"
mkdir -p "$DIR/home"

FIXED_PORTS=""; [[ -n "$AMQP_PORT$STOMP_PORT" ]] && FIXED_PORTS=1

# distinct_free_port USED...: a free port not among USED.
distinct_free_port() {
  local p
  while true; do
    p=$(free_port)
    [[ " $* " == *" $p "* ]] || { echo "$p"; return; }
  done
}

# start_once: one attempt on fresh ports; 0 when the broker is up.
start_once() {
  rm -rf "$DIR/mnesia" "$DIR/log" && mkdir -p "$DIR/mnesia" "$DIR/log"
  AMQP=${AMQP_PORT:-$(distinct_free_port)}
  STOMP=${STOMP_PORT:-$(distinct_free_port "$AMQP")}
  EPMD_PORT=$(distinct_free_port "$AMQP" "$STOMP")
  DIST_PORT=$(distinct_free_port "$AMQP" "$STOMP" "$EPMD_PORT")
  NODE="lucid$$x$RANDOM@localhost"

  printf '%s\n' "listeners.tcp.default = 127.0.0.1:$AMQP" "stomp.listeners.tcp.1 = 127.0.0.1:$STOMP" \
    "default_vhost = $VHOST" "loopback_users = none" "log.file.level = info" "log.console = false" \
    >"$DIR/rabbitmq.conf"
  if [[ -n "$CONF_EXTRA" ]]; then cat "$CONF_EXTRA" >>"$DIR/rabbitmq.conf"; fi
  echo "[rabbitmq_stomp]." >"$DIR/enabled_plugins"
  : >"$DIR/rabbitmq-env.conf"
  echo "$EPMD_PORT" >"$DIR/epmd_port"

  # Every path the broker would otherwise take from /etc, /var/lib or /var/log.
  local env_vars=(
    HOME="$DIR/home"
    ERL_EPMD_PORT="$EPMD_PORT"
    ERL_EPMD_ADDRESS=127.0.0.1
    RABBITMQ_NODENAME="$NODE"
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    RABBITMQ_NODE_PORT="$AMQP"
    # Erlang distribution (rabbitmqctl's channel) on loopback and a known port.
    RABBITMQ_DIST_PORT="$DIST_PORT"
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    RABBITMQ_CONF_ENV_FILE="$DIR/rabbitmq-env.conf"
    RABBITMQ_CONFIG_FILE="$DIR/rabbitmq.conf"
    RABBITMQ_ADVANCED_CONFIG_FILE="$DIR/advanced.config"
    RABBITMQ_ENABLED_PLUGINS_FILE="$DIR/enabled_plugins"
    RABBITMQ_MNESIA_BASE="$DIR/mnesia"
    RABBITMQ_LOG_BASE="$DIR/log"
    RABBITMQ_PID_FILE="$DIR/rabbit.pid"
  )
  printf '%s\n' "${env_vars[@]}" >"$DIR/env"
  rm -f "$DIR/rabbit.pid" "$DIR/vm.pid"

  (cd "$DIR" && exec env "${env_vars[@]}" setsid "$RMQ_BIN/rabbitmq-server" >"$DIR/stdout.log" 2>&1 </dev/null) &
  echo $! >"$DIR/pid"
  local pid
  pid=$(cat "$DIR/pid")
  # Open ports alone could belong to someone else: wait for the broker's own
  # word that every listener, STOMP included, is up.
  for _ in $(seq 1 1200); do
    if ! kill -0 "$pid" 2>/dev/null; then
      stop_dir "$DIR"
      return 1
    fi
    if grep -qs "Server startup complete" "$DIR"/log/*.log && port_open "$AMQP" && port_open "$STOMP"; then
      cp "$DIR/rabbit.pid" "$DIR/vm.pid" 2>/dev/null || true
      return 0
    fi
    sleep 0.1
  done
  stop_dir "$DIR"
  die "broker did not start within 120 s; see $DIR/log"
}

for attempt in 1 2 3 4 5; do
  if start_once; then
    echo "$AMQP $STOMP" >"$DIR/ports"
    echo "start-rabbitmq: broker in $DIR, node $NODE (stop: $0 stop $DIR)" >&2
    echo "$AMQP $STOMP"
    exit 0
  fi
  # A port taken between choosing and binding it: choose again.
  if [[ -n "$FIXED_PORTS" ]] || ! grep -qsE "eaddrinuse|dist_port_already_used" "$DIR/stdout.log"; then break; fi
  echo "start-rabbitmq: a port was taken (attempt $attempt); retrying" >&2
done
die "broker exited during startup; see $DIR/stdout.log and $DIR/log"
