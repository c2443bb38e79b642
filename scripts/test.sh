#!/usr/bin/env bash
# Builds and runs the whole test suite, each test built and run once: a
# Release build of the product, the benchmark programs and the slow
# end-to-end tests (labelled "slow": whole trainings, pipelines, the shipped
# binary's determinism), then a clang AddressSanitizer +
# UndefinedBehaviorSanitizer build of every other test (the unit tests) and
# the fuzz targets.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export OMP_WAIT_POLICY=PASSIVE
jobs=$(nproc)
# As root (CI) the multi-host MPI test can make its network namespaces, so it
# must: it fails instead of skipping.
if [[ $(id -u) -eq 0 ]]; then export TABPILOT_REQUIRE_NETNS=1; fi

# One PostgreSQL server for both test runs: without TABPILOT_TEST_POSTGRES_URL
# every test process that touches the PostgreSQL backend starts (initdb) and
# stops a server of its own, a second or more each (see
# tests/store/store_test_support.h). Each test still gets a fresh database.
if [[ -z "${TABPILOT_TEST_POSTGRES_URL:-}" ]]; then
  pg_out=$(bash "$root/scripts/postgres.sh" start)
  pg_url=$(grep -m1 '^postgresql://' <<<"$pg_out")
  pg_dir=$(grep -A1 '^postgresql://' <<<"$pg_out" | sed -n 2p)
  trap 'bash "$root/scripts/postgres.sh" stop "$pg_dir"' EXIT
  export TABPILOT_TEST_POSTGRES_URL=$pg_url
fi

echo "== release build (the end-to-end tests)"
bash "$root/scripts/build.sh" "$root/build" -DTABPILOT_UNIT_TESTS=OFF
(cd "$root/build" && ctest --output-on-failure -j "$jobs" --timeout 1200)

if [[ "${TABPILOT_SKIP_SANITIZE:-0}" != 1 ]]; then
  echo "== sanitizer build (clang, ASan + UBSan) with the fuzz targets"
  # clang's UBSan checks more than GCC's (float-to-int overflow, pointer
  # arithmetic on null), and building the libFuzzer targets in the same tree
  # saves a third build. -O1 without debug info keeps the build short on two
  # cores; reports still name functions. The tests' own sources (not the
  # code they test) are compiled at -O0, half the time of -O1, and so are the
  # subsystems whose tests wait on sockets, files and processes rather than
  # compute (serve, ui, pipeline, registry, store, jobs, the command line:
  # 255 -> 127 s of compiling, their tests ~8% slower). Each fuzz
  # target runs a few seconds on its corpus as a test (label "fuzz"; longer
  # runs: scripts/fuzz.sh).
  bash "$root/scripts/build.sh" "$root/build-asan" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=None \
    -DCMAKE_CXX_FLAGS=-O1 -DTABPILOT_FUZZ=ON -DTABPILOT_FUZZ_SECONDS=5 -DTABPILOT_BUILD_BENCH=OFF \
    -DTABPILOT_SLOW_TESTS=OFF -DTABPILOT_UNIT_TESTS=ON -DTABPILOT_TEST_COMPILE_OPTIONS=-O0 \
    -DTABPILOT_SERVICE_COMPILE_OPTIONS=-O0
  # LeakSanitizer reports OpenMP's never-freed thread pool; leaks are not what
  # the unit tests check (the fuzz targets, which set their own options, do).
  (cd "$root/build-asan" && ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
     ctest --output-on-failure -j "$jobs" --timeout 1200 -LE slow)
fi
