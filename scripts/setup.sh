#!/usr/bin/env bash
# Installs everything tabpilot needs to build, test and benchmark on Debian 12.
# Idempotent: packages already present are left alone. Run as root (or with sudo).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git clang-format clang-tidy
  # the fuzz targets: clang with libFuzzer and its OpenMP runtime
  clang libclang-rt-dev libomp-dev
  # LLVM's linker: links the test executables faster than GNU ld
  lld
  # libraries
  libxgboost-dev nlohmann-json3-dev libcli11-dev libeigen3-dev libgtest-dev libgmock-dev
  libbenchmark-dev zlib1g-dev libyaml-cpp-dev libsqlite3-dev libpqxx-dev libssl-dev
  # the model hub's tokenizers: Unicode character classes
  libicu-dev
  # the server: Boost.Beast/Asio (header-only) and the Prometheus client library
  libboost-dev prometheus-cpp-dev
  # scale-out: the search over MPI ranks (mpirun / srun start the same binary)
  openmpi-bin libopenmpi-dev
  # the multi-host test's "hosts": network namespaces (ip netns)
  iproute2
  # services the tests start themselves (PostgreSQL for the shared-store tests)
  postgresql
  # the server's load generator (bench/serve_*), on loopback only
  wrk
  # the web UI's browser tests: headless Chromium driven by Playwright (from npm)
  chromium
  # benchmark peers (measured side by side with tabpilot); python3-xgboost is
  # also the tracker of train --distributed-data (XGBoost 1.7's is Python only)
  python3 python3-xgboost python3-sklearn python3-pandas python3-numpy python3-matplotlib
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Node.js and npm build the web UI (web/); a machine with Node.js from elsewhere
# (it bundles npm) keeps it.
if ! command -v npm >/dev/null 2>&1; then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi
echo "setup: all packages present"

# The web UI's pages: exact versions from web/package-lock.json (installed
# again only when the lockfile changed), then built into web/dist/ (a second).
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ ! -f "$root/web/node_modules/.package-lock.json" || "$root/web/package-lock.json" -nt "$root/web/node_modules/.package-lock.json" ]]; then
  (cd "$root/web" && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd "$root/web" && npm run --silent build)
echo "setup: web UI built in web/dist"

# The model hub's test oracles: GPT-2's and LLaMA's reference tokenizers with
# their real vocabularies (exact versions from tests/hub/oracle's lockfile).
oracle="$root/tests/hub/oracle"
if [[ ! -f "$oracle/node_modules/.package-lock.json" || "$oracle/package-lock.json" -nt "$oracle/node_modules/.package-lock.json" ]]; then
  (cd "$oracle" && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "setup: hub test oracles in tests/hub/oracle"

# The hub benchmark's reference: llama.cpp's prebuilt CPU build (npm
# node-llama-cpp; only the linux-x64 binaries, no install scripts).
bench_llama="$root/bench/llama_cpp"
if [[ ! -f "$bench_llama/node_modules/.package-lock.json" || "$bench_llama/package-lock.json" -nt "$bench_llama/node_modules/.package-lock.json" ]]; then
  (cd "$bench_llama" && npm ci --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
echo "setup: llama.cpp (benchmark reference) in bench/llama_cpp"
