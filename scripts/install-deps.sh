#!/usr/bin/env bash
# Installs everything pg2ch needs to build and test on Debian 12, as root, non-interactively.
# Idempotent: when every package is already installed it touches nothing (no apt-get update),
# so repeated local runs cost a few dpkg queries.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  libpq-dev libcurl4-openssl-dev libsqlite3-dev nlohmann-json3-dev libcli11-dev
  libspdlog-dev libfmt-dev libcpp-httplib-dev libxxhash-dev
  postgresql-15-postgis-3
  libgtest-dev libgmock-dev libbenchmark-dev
  postgresql postgresql-client clickhouse-server clickhouse-client
  curl ca-certificates openssl procps python3 iptables
)

# npm fetches libchdb (ClickHouse 26, scripts/fetch-chdb.sh). Only the command matters: a
# NodeSource nodejs already ships npm and conflicts with Debian's npm package.
if ! command -v npm >/dev/null; then
  PACKAGES+=(npm)
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  # `dpkg -s` also succeeds for removed-but-configured packages: check the status line.
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages (run as root to install): ${missing[*]}" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
apt-get update -q
apt-get install -y -q --no-install-recommends "${apt_opts[@]}" "${missing[@]}" </dev/null

# Where an init system is present the postgresql package starts its default cluster on 5432.
# The tests start their own servers on free ports and never use it; stop it so it holds no
# port or memory on a shared machine. Nothing to do in containers (policy-rc.d denies it).
if command -v pg_lsclusters >/dev/null; then
  pg_lsclusters --no-header 2>/dev/null | while read -r version cluster _port status _rest; do
    if [ "$status" = online ]; then
      pg_ctlcluster "$version" "$cluster" stop || true  # best effort: the tests don't need it
    fi
  done
fi
echo "install-deps: done"
