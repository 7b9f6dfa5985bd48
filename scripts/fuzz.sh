#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/*_fuzz.cc, clang + ASan/UBSan) into
# build-fuzz/ and runs each for a bounded time on its seed corpus
# (tests/fuzz/corpus/<target without _fuzz>/ when it exists). Exit status is
# non-zero if any target finds a crash, a sanitizer report or a broken
# property; the reproducer is left in build-fuzz/artifacts/.
#   scripts/fuzz.sh              # every target, FUZZ_SECONDS (default 45) each
#   FUZZ_SECONDS=600 scripts/fuzz.sh promql_fuzz
#   FUZZ_JOBS=1 scripts/fuzz.sh  # one target at a time (default: one per core)
# The 45 s run is CI's smoke test. Before resolving an issue that changes a
# parser, run every target for 10 minutes (FUZZ_SECONDS=600, one target at a
# time on a shared machine: `nice`) and put each target's executed-units count
# (printed below; goal 10^6 per target) in the closing note; crash inputs
# become seeds in tests/fuzz/corpus/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build-fuzz}
seconds=${FUZZ_SECONDS:-45}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_C_COMPILER=clang -DVIGIA_FUZZ=ON -DVIGIA_BUILD_TESTS=OFF -DVIGIA_BUILD_BENCH=OFF >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for src in tests/fuzz/*_fuzz.cc; do targets+=("$(basename "$src" .cc)"); done
fi
cmake --build "$build_dir" -j "$(nproc)" --target "${targets[@]}"
mkdir -p "$build_dir/artifacts"
# Targets run FUZZ_JOBS at a time (default: one per core; each libFuzzer
# process is single-threaded, so each still gets a whole core for its time).
jobs=${FUZZ_JOBS:-$(nproc)}
run_one() {
  local t=$1 work="$build_dir/corpus/$1" seeds="tests/fuzz/corpus/${1%_fuzz}"
  mkdir -p "$work"
  local dirs=("$work")
  [ -d "$seeds" ] && dirs+=("$seeds")
  if ! "$build_dir/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$build_dir/artifacts/$t-" "${dirs[@]}" >"$build_dir/$t.log" 2>&1; then
    echo "-- $t: ${seconds}s"
    tail -n 60 "$build_dir/$t.log"
    echo "FAIL: $t (reproducer in $build_dir/artifacts/)"
    return 1
  fi
  echo "-- $t: ${seconds}s"
  grep -E "^(stat::number_of_executed_units|Done)" "$build_dir/$t.log" | tail -n 2
}
failed=0
running=0
for t in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
  run_one "$t" &
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
exit "$failed"
