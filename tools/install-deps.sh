#!/usr/bin/env bash
# Installs the Debian 12 packages Lucid needs, only those that are missing.
#   tools/install-deps.sh build   # compilers and libraries
#   tools/install-deps.sh test    # + what the tests start: PostgreSQL, registry, proxy, validators
set -euo pipefail
BUILD_PKGS=(cmake ninja-build pkg-config ccache g++ make python3
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libcurl4-openssl-dev libarchive-dev zlib1g-dev libzstd-dev libbz2-dev liblzma-dev
  libxml2-dev libyaml-cpp-dev libpq-dev libsqlite3-dev librpm-dev libspdlog-dev libfmt-dev libcli11-dev
  librabbitmq-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev)
TEST_PKGS=(postgresql docker-registry skopeo curl python3-jsonschema python3-jwt python3-packaging tinyproxy dpkg sqlite3 gzip zstd wrk
  rpm db5.3-util  # rpm/rpmbuild and db5.3_load build real rpm databases in the rpm tests
  rabbitmq-server python3-pika)  # tools/start-rabbitmq.sh's broker and the test's AMQP client
want=("${BUILD_PKGS[@]}")
if [ "${1:-build}" = test ]; then want+=("${TEST_PKGS[@]}"); fi
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "installing: ${missing[*]}" >&2
SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
# The package's postinst may start a system broker on 5672; the tests start
# their own (tools/start-rabbitmq.sh) and must not depend on or collide with it.
if [[ " ${missing[*]} " == *" rabbitmq-server "* ]]; then
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now rabbitmq-server >/dev/null 2>&1 || true
  else
    $SUDO service rabbitmq-server stop >/dev/null 2>&1 || true
  fi
fi
