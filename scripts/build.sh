#!/usr/bin/env bash
# Configures and builds tabpilot.
# Usage: scripts/build.sh [BUILD_DIR] [extra cmake args...]
# BUILD_TARGETS (space-separated ninja targets) limits what is built; by
# default everything (the binary, the tests and the benchmark programs).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$root/build"}
shift || true
# A unity build (each target's sources compiled in batches) halves a clean
# build on two cores; TABPILOT_UNITY_BUILD=OFF compiles file by file, which
# rebuilds less after an edit.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_UNITY_BUILD="${TABPILOT_UNITY_BUILD:-ON}" "$@" >/dev/null
# shellcheck disable=SC2086 # BUILD_TARGETS is a list of words
ninja -C "$build" ${NINJA_JOBS:+-j "$NINJA_JOBS"} ${BUILD_TARGETS:-}
