#!/usr/bin/env bash
# A text-generation model through the registry, as a user runs it: hub add
# --pending -> hub list -> endpoint create --hub-model -> serve from the store
# (nothing served until approval) -> registry approve (the server loads it)
# -> a completion -> a second version approved (hot swap: the endpoint's
# status names v2) -> endpoint delete (404). Loopback only.
#   hub_registry_test.sh TABPILOT_BINARY
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/serve_lib.sh"
fail() { echo "FAIL: $*"; [[ -f "$work/serve.log" ]] && cat "$work/serve.log"; exit 1; }
# until CONDITION-COMMAND succeeds, at most 10 s
wait_for() { for _ in $(seq 1 200); do if eval "$1" >/dev/null 2>&1; then return 0; fi; sleep 0.05; done; fail "timed out: $1"; }

store="$work/store/"
for seed in 1 2; do
  /usr/bin/python3 "$here/reference/tiny_model.py" --arch gpt2 --type f16 --ascii --ctx 512 --seed $seed --out "$work/m$seed" >/dev/null
done
out=$("$bin" hub add writer --path "$work/m1/model.gguf" --pending --store "$store")
[[ $out == *"registered writer version 1 (PendingManualApproval): gpt2"* ]] || fail "hub add said: $out"
out=$("$bin" hub list --store "$store")
[[ $out == *"writer"*"1"*"PendingManualApproval"*"gpt2"*"f16"*"mit"* ]] || fail "hub list said: $out"
"$bin" endpoint create chat --hub-model writer --store "$store" >/dev/null
if "$bin" endpoint create other --hub-model nope --store "$store" 2>"$work/err"; then fail "a missing hub model was accepted"; fi
grep -q "model package group 'nope' does not exist" "$work/err" || fail "$(cat "$work/err")"

start_serve "$bin" --store "$store" --poll-interval-ms 100
# Pending: nothing is served yet.
[[ $(curl -s "$url/v1/models") == '{"object":"list","data":[]}' ]] || fail "a pending model is served"
"$bin" registry approve writer 1 --store "$store" >/dev/null
wait_for "curl -s '$url/v1/models' | grep -q '\"status\":\"ready\"'"
answer=$(curl -s "$url/v1/completions" -d '{"model":"chat","prompt":"to be","max_tokens":5,"temperature":0}')
[[ $answer == *'"finish_reason":"length"'* && $answer == *'"completion_tokens":5'* ]] || fail "completion: $answer"
wait_for "'$bin' endpoint describe chat --store '$store' | grep -q 'status: serving writer v1'"
# A second version, approved: the endpoint follows it.
"$bin" hub add writer --path "$work/m2/model.gguf" --store "$store" >/dev/null
wait_for "'$bin' endpoint describe chat --store '$store' | grep -q 'status: serving writer v2'"
answer=$(curl -s "$url/v1/completions" -d '{"model":"chat","prompt":"to be","max_tokens":5,"temperature":0}')
[[ $answer == *'"completion_tokens":5'* ]] || fail "completion after the swap: $answer"
# Deleted: gone.
"$bin" endpoint delete chat --store "$store" >/dev/null
wait_for "[[ \$(curl -s -o /dev/null -w '%{http_code}' '$url/v1/completions' -d '{\"model\":\"chat\",\"prompt\":\"x\"}') == 404 ]]"
echo "hub registry: every check passed"
