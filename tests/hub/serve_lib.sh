# Shared by the hub's shell tests (sourced): a temporary folder removed at
# exit, and `tabpilot serve` started in the background on a free loopback
# port, stopped at exit.
#   source serve_lib.sh; start_serve BIN ARGS...   -> $url (http://127.0.0.1:PORT), $work
work=$(mktemp -d)
server=""
cleanup() {
  if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

start_serve() {
  "$1" serve --port 0 --access-log off "${@:2}" 2>"$work/serve.log" &
  server=$!
  url=""
  for _ in $(seq 1 200); do
    url=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/serve.log" | grep -o 'http://.*' || true)
    [[ -n "$url" ]] && return 0
    kill -0 "$server" 2>/dev/null || { echo "FAIL: serve exited:"; cat "$work/serve.log"; exit 1; }
    sleep 0.05
  done
  echo "FAIL: serve did not say where it listens"
  cat "$work/serve.log"
  exit 1
}
