#!/usr/bin/env bash
# The web UI in a real browser (headless Chromium driven by Playwright,
# web/tests/e2e.mjs): a store made by the Adult pipeline (10 s of AutoML:
# a job, a registered version, an execution, an endpoint), `tabpilot ui`
# started on it on a free loopback port, then the pages clicked through:
# sort the leaderboard, move the threshold slider, explain a row, approve
# with a comment, submit the try-it form, open the execution's DAG. Each
# page's screenshot is saved under ui-screenshots/ in the build folder.
# Usage: browser_test.sh TABPILOT_BINARY SOURCE_ROOT
set -euo pipefail
bin=$1
root=$2
datasets=${TABPILOT_DATASETS:-$root/../shared/datasets}
shots=$PWD/ui-screenshots
work=$(mktemp -d)
ui_pid=""
cleanup() {
  if [[ -n "$ui_pid" ]]; then kill "$ui_pid" 2>/dev/null || true; wait "$ui_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

for tool in node /usr/bin/chromium; do
  command -v "$tool" >/dev/null || { echo "browser test: $tool is missing (scripts/setup.sh installs it)"; exit 1; }
done
[[ -f "$root/web/dist/index.html" ]] || { echo "browser test: web/dist is not built (scripts/setup.sh builds it)"; exit 1; }
[[ -f "$datasets/adult/adult.data" ]] || { echo "browser test: $datasets/adult/adult.data is missing"; exit 1; }

store=$work/store/
"$bin" pipeline run "$root/examples/adult/pipeline.yaml" --store "$store" --threads 2 \
  --param max_automl_runtime=10 --param data_dir="$datasets/adult" >"$work/pipeline.log" 2>&1 ||
  { cat "$work/pipeline.log"; exit 1; }

"$bin" ui --store "$store" --port 0 --web-dir "$root/web/dist" 2>"$work/ui.log" &
ui_pid=$!
url=""
for _ in $(seq 100); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/ui.log" || true)
  [[ -n "$url" ]] && break
  kill -0 "$ui_pid" 2>/dev/null || { cat "$work/ui.log"; exit 1; }
  sleep 0.1
done
[[ -n "$url" ]] || { echo "browser test: tabpilot ui did not start"; cat "$work/ui.log"; exit 1; }

# The ids the pages are opened with, from the API itself.
read -r job execution < <(python3 - "$url" <<'PY'
import json, sys, urllib.request
base = sys.argv[1]
get = lambda p: json.load(urllib.request.urlopen(base + p, timeout=10))
print(get("/api/jobs")["items"][0]["id"], get("/api/executions")["items"][0]["id"])
PY
)
mkdir -p "$shots"
node "$root/web/tests/e2e.mjs" --base-url "$url" --screenshots "$shots" --group AutoMLModelPackageGroup \
  --version 1 --job "$job" --execution "$execution" --endpoint adult
echo "browser test: screenshots in $shots"
