#!/usr/bin/env bash
# The official OpenAI client (npm openai, tests/hub/oracle) drives `tabpilot
# serve --hub-model` over HTTP on loopback: tests/hub/oracle/openai_client.mjs
# checks the answers. A test-made model (tests/hub/reference/tiny_model.py).
#   openai_client_test.sh TABPILOT_BINARY
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/serve_lib.sh"
[[ -d "$here/oracle/node_modules/openai" ]] || { echo "FAIL: tests/hub/oracle/node_modules/openai is missing (run scripts/setup.sh)"; exit 1; }
/usr/bin/python3 "$here/reference/tiny_model.py" --arch gpt2 --type f16 --ascii --ctx 512 --out "$work" >/dev/null
start_serve "$bin" --hub-model "writer=$work/model.gguf"
for _ in $(seq 1 200); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' "$url/health") == 200 ]] && break
  sleep 0.05
done
node "$here/oracle/openai_client.mjs" "${url##*:}"
