#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/*_fuzz.cc, clang + ASan/UBSan) into
# build-fuzz/ and runs each for a bounded time on its seed corpus
# (tests/fuzz/corpus/<target without _fuzz>/ when it exists). Exit status is
# non-zero if any target finds a crash, a sanitizer report or a broken
# property; the reproducer is left in build-fuzz/artifacts/.
#   scripts/fuzz.sh              # every target, FUZZ_SECONDS (default 45) each
#   FUZZ_SECONDS=600 scripts/fuzz.sh promql_fuzz
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
for t in "${targets[@]}"; do
  work="$build_dir/corpus/$t"
  mkdir -p "$work"
  seeds="tests/fuzz/corpus/${t%_fuzz}"
  dirs=("$work")
  [ -d "$seeds" ] && dirs+=("$seeds")
  echo "-- $t: ${seconds}s"
  if ! "$build_dir/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$build_dir/artifacts/$t-" "${dirs[@]}" >"$build_dir/$t.log" 2>&1; then
    tail -n 60 "$build_dir/$t.log"
    echo "FAIL: $t (reproducer in $build_dir/artifacts/)"
    exit 1
  fi
  grep -E "^(stat::number_of_executed_units|Done)" "$build_dir/$t.log" | tail -n 2
done
