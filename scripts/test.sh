#!/usr/bin/env bash
# The test command: installs every package and server the tests need, builds,
# runs all tests (unit, integration, end-to-end) and the unit tests again under
# ASan+UBSan. Exit status 0 only if everything passed.
#
# A test that cannot run here (a server or package missing) is reported as
# skipped (exit 77); when CI is set, a skipped test fails the run, and so does
# a run in which no test ran.
set -euo pipefail
cd "$(dirname "$0")/.."

ci() { case "${CI:-}" in "" | 0 | false) return 1 ;; *) return 0 ;; esac; }

# run_ctest ARGS...: ctest with ARGS (no tests is an error); under CI, a test
# that did not run (skipped, or disabled) is an error too.
run_ctest() {
  local log status=0
  log=$(mktemp)
  ctest --no-tests=error --output-on-failure "$@" 2>&1 | tee "$log" || status=$?
  if [ "$status" -eq 0 ] && ci && grep -q "^The following tests did not run:" "$log"; then
    echo "test.sh: CI is set and tests did not run (listed above): failing" >&2
    status=1
  fi
  rm -f "$log"
  return "$status"
}

scripts/install-deps.sh

echo "== build (release, -Wall -Wextra -Werror)"
BUILD_DIR=build scripts/build.sh
echo "== tests"
run_ctest --test-dir build -j 2

echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
BUILD_DIR=build-asan BUILD_TYPE=Debug scripts/build.sh -DVIGIA_SANITIZE=ON -DVIGIA_BUILD_BENCH=OFF
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  run_ctest --test-dir build-asan -L unit -j 2

echo "== fuzz targets (libFuzzer, bounded time each)"
FUZZ_SECONDS=${FUZZ_SECONDS:-45} scripts/fuzz.sh
