#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and fuzzes each for a
# while, keeping what it finds in a work corpus outside the repository.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#   FUZZ_BUILD (default build-fuzz), FUZZ_WORK (default fuzz-work) are folders
#   under the repository root; FUZZ_JOBS parallel targets (default: nproc).
# Prints one line per target: seconds, executions, executions per second,
# corpus size, and whether it crashed; crash inputs are left in FUZZ_WORK.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
shift || true
build="$root/${FUZZ_BUILD:-build-fuzz}"
work="$root/${FUZZ_WORK:-fuzz-work}"
jobs=${FUZZ_JOBS:-$(nproc)}

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_CXX_FLAGS="-O1 -g1" -DTABPILOT_FUZZ=ON -DTABPILOT_BUILD_TESTS=OFF -DTABPILOT_BUILD_BENCH=OFF \
  -DCMAKE_UNITY_BUILD=ON >/dev/null
if ! ninja -C "$build" >"$build/ninja.log" 2>&1; then
  tail -n 30 "$build/ninja.log" >&2
  exit 1
fi

targets=("$@")
if ((${#targets[@]} == 0)); then
  for f in "$root"/fuzz/fuzz_*.cpp; do
    t=$(basename "$f" .cpp)
    targets+=("${t#fuzz_}")
  done
fi

run_one() {
  local t=$1
  mkdir -p "$work/$t/corpus" "$work/$t/crashes"
  local log="$work/$t/last.log"
  local status=ok
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 OMP_WAIT_POLICY=PASSIVE \
    "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/$t/crashes/" "$work/$t/corpus" "$root/fuzz/corpus/$t" >"$log" 2>&1 || status=CRASH
  local execs rate
  execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
  rate=$(grep -m1 'stat::average_exec_per_sec' "$log" | awk '{print $2}')
  printf '%-22s %6ss %12s execs %8s/s corpus %5s files  %s\n' "$t" "$seconds" "${execs:-?}" "${rate:-?}" \
    "$(find "$work/$t/corpus" -type f | wc -l)" "$status"
}
export -f run_one
export build work seconds root
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}'
