#!/usr/bin/env bash
# Quick start: installs what vigia needs, builds it, and runs its main job on
# the embedded default (host metrics at http://localhost:9910/metrics).
# Extra arguments are passed to vigia.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --build
scripts/build.sh >/dev/null
exec build/vigia "$@"
