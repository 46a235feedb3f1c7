#!/usr/bin/env bash
# The sanitized half of the test command (scripts/test.sh runs it after the other tests): a clang
# build with ASan + UBSan and libFuzzer coverage in build-fuzz/, then
#   1. every unit test under the sanitizers;
#   2. every fuzz target over its seed corpus and its regressions (tests/fuzz/corpus/<target>,
#      tests/fuzz/regressions/<target>: inputs that once crashed it), once each;
#   3. every fuzz target for PG2CH_FUZZ_SECONDS (default 20) of new inputs from that corpus.
# Any sanitizer report, uncaught exception or broken property fails the run; the input that
# did it is kept in build-fuzz/findings/<target>/ (copy it into tests/fuzz/regressions/<target>/
# with the fix, so that it stays tested).
#   PG2CH_FUZZ_SECONDS=0   skip step 3
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${PG2CH_FUZZ_SECONDS:-20}"
build_dir=build-fuzz
jobs="$(nproc)"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# Optimised but debuggable, without the size of full debug info (the build is the slow part).
CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS_RELEASE="-O1 -gline-tables-only" -DPG2CH_FUZZ=ON \
  -DPG2CH_INTEGRATION_TESTS=OFF
cmake --build "$build_dir" --parallel "$jobs" --target unit_tests $(
  cd tests/fuzz && for f in fuzz_*.cpp; do echo "${f%.cpp}"; done)

echo "fuzz.sh: unit tests under ASan + UBSan"
"$build_dir/tests/unit_tests" --gtest_brief=1

echo "fuzz.sh: corpora and regressions"
ctest --test-dir "$build_dir" -L fuzz --output-on-failure --parallel "$jobs"

[ "$seconds" = 0 ] && exit 0
status=0
for source in tests/fuzz/fuzz_*.cpp; do
  target=$(basename "$source" .cpp)
  work="$build_dir/fuzz-corpus/$target"
  findings="$build_dir/findings/$target"
  mkdir -p "$work" "$findings"
  seeds=()
  for dir in tests/fuzz/corpus/$target tests/fuzz/regressions/$target; do
    [ -d "$dir" ] && seeds+=("$dir")
  done
  # New inputs go to the first directory (the build's), never into the repository's corpus.
  if "$build_dir/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix="$findings/" "$work" "${seeds[@]}" \
      >"$build_dir/fuzz-$target.log" 2>&1; then
    echo "fuzz.sh: $target: $(grep -o 'stat::number_of_executed_units: [0-9]*' \
      "$build_dir/fuzz-$target.log" | grep -o '[0-9]*$') inputs in ${seconds} s, no finding"
  else
    echo "fuzz.sh: $target FAILED; its log:" >&2
    tail -60 "$build_dir/fuzz-$target.log" >&2
    status=1
  fi
done
exit "$status"
