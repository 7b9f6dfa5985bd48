#!/usr/bin/env bash
# Quick start: installs what vigia needs, builds it, and runs its main job on
# the embedded default: host metrics at http://localhost:9910/metrics and the
# built-in alert rules evaluated on them (alert state in ./data/).
# Extra arguments are passed to vigia.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} >/dev/null
# Only the binary and its module: the tests and benchmarks are scripts/test.sh's.
cmake --build build -j "$(nproc)" --target vigia >/dev/null
exec build/vigia "$@"
