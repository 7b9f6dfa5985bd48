#!/usr/bin/env bash
# ctest with the project's rules (scripts/test.sh runs every suite through it):
#   scripts/ctest.sh --test-dir build -j 2 [-L unit | -R name ...]
# A run in which no test matched is an error (--no-tests=error). When CI is set
# (and not 0/false), a test that did not run - skipped because a server or
# package is missing (exit 77, SKIP_RETURN_CODE), or disabled - fails the run.
set -euo pipefail

ci() { case "${CI:-}" in "" | 0 | false) return 1 ;; *) return 0 ;; esac; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
ctest --no-tests=error --output-on-failure "$@" 2>&1 | tee "$log" || status=$?
if [ "$status" -eq 0 ] && ci && grep -q "^The following tests did not run:" "$log"; then
  echo "ctest.sh: CI is set and the tests listed above did not run: failing" >&2
  status=1
fi
exit "$status"
