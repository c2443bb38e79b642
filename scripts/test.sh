#!/usr/bin/env bash
# Builds and runs the whole test suite: a Release build with every test, then
# an AddressSanitizer + UndefinedBehaviorSanitizer build of the unit tests
# (the slow end-to-end tests, labelled "slow", run in the Release build only).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export OMP_WAIT_POLICY=PASSIVE
jobs=$(nproc)

echo "== release build"
bash "$root/scripts/build.sh" "$root/build"
(cd "$root/build" && ctest --output-on-failure -j "$jobs" --timeout 1200)

if [[ "${TABPILOT_SKIP_SANITIZE:-0}" != 1 ]]; then
  echo "== sanitizer build (ASan + UBSan)"
  # -O1 without debug info: sanitizer reports stay readable, and the build is
  # much faster than RelWithDebInfo on a 2-core machine.
  bash "$root/scripts/build.sh" "$root/build-asan" -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS=-O1 \
    -DTABPILOT_SANITIZE=ON -DTABPILOT_BUILD_BENCH=OFF
  # LeakSanitizer reports OpenMP's never-freed thread pool; leaks are not what this build checks.
  (cd "$root/build-asan" && ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
     ctest --output-on-failure -j "$jobs" --timeout 1200 -LE slow)
fi

if [[ "${TABPILOT_SKIP_FUZZ:-0}" != 1 ]]; then
  echo "== fuzz targets (clang, ASan + UBSan), a few seconds each on their corpora"
  cmake -S "$root" -B "$root/build-fuzz" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=None \
    -DCMAKE_CXX_FLAGS="-O1 -g1" -DTABPILOT_FUZZ=ON -DTABPILOT_BUILD_TESTS=OFF -DTABPILOT_BUILD_BENCH=OFF \
    -DCMAKE_UNITY_BUILD=ON -DTABPILOT_FUZZ_SECONDS=5 >/dev/null
  ninja -C "$root/build-fuzz"
  (cd "$root/build-fuzz" && ctest --output-on-failure -j "$jobs" -L fuzz)
fi
