#!/usr/bin/env bash
# Installs every Debian 12 package vigia needs to build, test and benchmark.
# Idempotent: when everything is installed it only checks (well under a second).
#   scripts/install-deps.sh            build + test + bench dependencies
#   scripts/install-deps.sh --build    only what building vigia needs
set -euo pipefail

build_pkgs=(
  g++ cmake ninja-build pkg-config
  prometheus-cpp-dev libmicrohttpd-dev libpqxx-dev libhiredis-dev libcurl4-openssl-dev
  libyaml-cpp-dev libbenchmark-dev catch2 nlohmann-json3-dev zlib1g-dev libdeflate-dev libre2-dev libssl-dev
  libsimdjson-dev
  libsystemd-dev
  libgnutls28-dev libcrypt-dev
)
# Reference implementations and servers the tests and benchmarks run against.
test_pkgs=(
  python3 curl openssl procps clang libclang-rt-14-dev clang-format clang-tidy
  prometheus prometheus-node-exporter
  postgresql-15 pgbouncer prometheus-postgres-exporter
  redis-server prometheus-redis-exporter openssl libcivetweb-dev
  nginx prometheus-nginx-exporter
  rabbitmq-server erlang-base
  faketime
  prometheus-blackbox-exporter dnsmasq-base
  prometheus-alertmanager python3-aiosmtpd
  docker.io busybox-static
  prometheus-alertmanager tzdata
  dbus-daemon python3-dbus python3-gi
  python3-yaml
  # bench/compare_node_exporter.py: the host floor's plan is one vigia scrape's system calls.
  strace
  # deploy/: the Debian package (cpack's DEB generator runs dpkg-shlibdeps), its lintian check, the
  # debootstrap base image for the Dockerfile and the .deb's install test, docker-compose config,
  # systemd-analyze verify/security on the units.
  dpkg-dev fakeroot lintian debootstrap docker-compose systemd
)
# Node.js and npm for the dashboards' schema check (tests/e2e/test_dashboards_schema.py):
# Debian's packages, unless a node and an npm are already on PATH.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  test_pkgs+=(nodejs npm)
fi

# The npm packages of that check, pinned by tests/schema/package-lock.json, installed with
# `npm ci` into VIGIA_NPM_DIR (default ~/.cache/vigia/npm, where the test looks); skipped
# when the installed lock file is already the same.
npm_deps() {
  [ "${1:-}" = "--build" ] && return 0
  local src dir
  src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/schema"
  dir="${VIGIA_NPM_DIR:-$HOME/.cache/vigia/npm}"
  if [ -e "$dir/node_modules/typescript/bin/tsc" ] && cmp -s "$src/package-lock.json" "$dir/package-lock.json"; then
    return 0
  fi
  echo "install-deps: npm ci (tests/schema) into $dir" >&2
  mkdir -p "$dir"
  cp "$src/package.json" "$src/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
}

pkgs=("${build_pkgs[@]}")
[ "${1:-}" = "--build" ] || pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  npm_deps "${1:-}"
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Debian's packaged servers must not start as system services: the tests start
# their own on loopback at unusual ports.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
npm_deps "${1:-}"
