#!/usr/bin/env bash
# Style checks: clang-format on every C++ file (the whole tree, .clang-format),
# clang-tidy (.clang-tidy: naming, modernize and bugprone subsets) on core/ and
# cmd/, the code every area shares, or with --all on every product file (about
# 10 s of CPU per file: too long for every CI run).
#   scripts/lint.sh [--all] [--fix]     needs a configured build/ (compile_commands.json)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
all=0 fix=0
for a in "$@"; do
  case "$a" in
    --all) all=1 ;;
    --fix) fix=1 ;;
    *) echo "usage: scripts/lint.sh [--all] [--fix]" >&2; exit 2 ;;
  esac
done

mapfile -t files < <(git ls-files '*.cc' '*.h' | grep -v '^tests/fixtures/')
echo "== clang-format (${#files[@]} files)"
if [ "$fix" = 1 ]; then
  clang-format -i "${files[@]}"
else
  clang-format --dry-run --Werror "${files[@]}"
fi

if [ "$all" = 1 ]; then
  scope='(core|cmd|exporters|alerting)/'
else
  scope='(core|cmd)/'
fi
echo "== clang-tidy ($scope)"
run-clang-tidy -quiet -p "$build_dir" -j "$(nproc)" -extra-arg=-Wno-unknown-warning-option \
  "$(pwd)/$scope" > "$build_dir/clang-tidy.log" 2>&1 || {
  grep -E "warning:|error:" "$build_dir/clang-tidy.log" | head -50
  echo "clang-tidy: see $build_dir/clang-tidy.log" >&2
  exit 1
}
echo "clang-tidy: clean"
