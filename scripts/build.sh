#!/usr/bin/env bash
# Configures and builds tabpilot.
# Usage: scripts/build.sh [BUILD_DIR] [extra cmake args...]
# BUILD_TARGETS (space-separated ninja targets) limits what is built; by
# default everything (the binary, the tests and the benchmark programs).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$root/build"}
shift || true
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
# shellcheck disable=SC2086 # BUILD_TARGETS is a list of words
ninja -C "$build" ${NINJA_JOBS:+-j "$NINJA_JOBS"} ${BUILD_TARGETS:-}
