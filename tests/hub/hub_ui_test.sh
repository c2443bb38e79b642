#!/usr/bin/env bash
# The model hub page in a real browser (headless Chromium, web/tests/hub_e2e.mjs):
# a test-made model added to a store (hub add: Approved) and served by an
# endpoint, `tabpilot serve --ui` on a free loopback port, then the page's
# card and its streamed "try it". The screenshot goes to ui-screenshots/.
#   hub_ui_test.sh TABPILOT_BINARY SOURCE_ROOT
set -euo pipefail
bin=$1
root=$2
here=$(cd "$(dirname "$0")" && pwd)
source "$here/serve_lib.sh"
for tool in node /usr/bin/chromium; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (scripts/setup.sh installs it)"; exit 1; }
done
[[ -f "$root/web/dist/index.html" ]] || { echo "FAIL: web/dist is not built (scripts/setup.sh builds it)"; exit 1; }
store="$work/store/"
/usr/bin/python3 "$root/tests/hub/reference/tiny_model.py" --arch gpt2 --type f16 --ascii --ctx 1024 --out "$work/m" >/dev/null
echo "Use it kindly." > "$work/LICENSE"
"$bin" hub add poet --path "$work/m/model.gguf" --license-file "$work/LICENSE" --usage-terms "research only" \
  --store "$store" >/dev/null
"$bin" endpoint create poet-live --hub-model poet --store "$store" >/dev/null
start_serve "$bin" --ui --store "$store" --poll-interval-ms 100 --web-dir "$root/web/dist"
for _ in $(seq 1 200); do
  curl -s "$url/v1/models" | grep -q '"status":"ready"' && break
  sleep 0.05
done
mkdir -p "$PWD/ui-screenshots"
node "$root/web/tests/hub_e2e.mjs" --base-url "$url/ui/" --model poet --screenshot "$PWD/ui-screenshots/hub.png"
