#!/usr/bin/env bash
# The official OpenAI client (npm openai, tests/hub/oracle) drives `tabpilot
# serve --hub-model` over HTTP on loopback: tests/hub/oracle/openai_client.mjs
# checks the answers. A test-made model (tests/hub/reference/tiny_model.py).
#   openai_client_test.sh TABPILOT_BINARY
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
server=""
cleanup() {
  if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
[[ -d "$here/oracle/node_modules/openai" ]] || { echo "FAIL: tests/hub/oracle/node_modules/openai is missing (run scripts/setup.sh)"; exit 1; }
/usr/bin/python3 "$here/reference/tiny_model.py" --arch gpt2 --type f16 --ascii --ctx 512 --out "$work" >/dev/null
"$bin" serve --port 0 --hub-model "writer=$work/model.gguf" --access-log off 2>"$work/serve.log" &
server=$!
port=""
for _ in $(seq 1 200); do
  port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/serve.log" | grep -o '[0-9]*$' || true)
  [[ -n "$port" ]] && break
  kill -0 "$server" 2>/dev/null || { echo "FAIL: serve exited:"; cat "$work/serve.log"; exit 1; }
  sleep 0.05
done
[[ -n "$port" ]] || { echo "FAIL: serve did not say where it listens"; cat "$work/serve.log"; exit 1; }
for _ in $(seq 1 200); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health") == 200 ]] && break
  sleep 0.05
done
node "$here/oracle/openai_client.mjs" "$port"
