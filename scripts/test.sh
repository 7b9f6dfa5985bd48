#!/usr/bin/env bash
# The test command: installs every package and server the tests need, builds,
# runs all tests (unit, integration, end-to-end) and the unit tests again under
# ASan+UBSan. Exit status 0 only if everything passed.
#
# A test that cannot run here (a server or package missing) is reported as
# skipped (exit 77); when CI is set, a skipped test fails the run, and so does
# a run in which no test ran (scripts/ctest.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

echo "== build (release, -Wall -Wextra -Werror)"
BUILD_DIR=build scripts/build.sh
echo "== style (clang-format on every file, clang-tidy on core/ and cmd/)"
BUILD_DIR=build scripts/lint.sh
echo "== tests"
scripts/ctest.sh --test-dir build -j 2

echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
BUILD_DIR=build-asan BUILD_TYPE=Debug scripts/build.sh -DVIGIA_SANITIZE=ON -DVIGIA_BUILD_BENCH=OFF
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  scripts/ctest.sh --test-dir build-asan -L unit -j 2

echo "== fuzz targets (libFuzzer, bounded time each)"
FUZZ_SECONDS=${FUZZ_SECONDS:-45} scripts/fuzz.sh
