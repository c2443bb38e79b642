#!/usr/bin/env bash
# llama.cpp as a second oracle: its prebuilt CPU build (npm node-llama-cpp,
# bench/llama_cpp, installed by scripts/setup.sh) loads the test-made GGUF
# files and generates the same 16 greedy tokens as `tabpilot hub generate`,
# for GPT-2 and LLaMA shapes in f32, f16 and q8_0. (bf16 and q4_0 differ
# after a few tokens: llama.cpp rounds the activations differently there.)
#   llama_cpp_parity_test.sh TABPILOT_BINARY SOURCE_ROOT
set -euo pipefail
bin=$1
root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[[ -d "$root/bench/llama_cpp/node_modules/node-llama-cpp" ]] ||
  { echo "FAIL: bench/llama_cpp/node_modules is missing (run scripts/setup.sh)"; exit 1; }
prompt="to be or not"
for cfg in "gpt2 f32 --ascii" "gpt2 f16 --ascii" "gpt2 q8_0 --ascii" "llama f32" "llama f16" "llama q8_0"; do
  read -r arch type extra <<<"$cfg"
  dir="$work/$arch-$type"
  /usr/bin/python3 "$root/tests/hub/reference/tiny_model.py" --arch "$arch" --type "$type" $extra --ctx 256 --out "$dir" >/dev/null
  theirs=$(node "$root/bench/llama_cpp/greedy.mjs" "$dir/model.gguf" "$prompt" 16 |
    /usr/bin/python3 -c 'import json, sys; sys.stdout.write(json.load(sys.stdin)["text"])' | od -An -tx1)
  ours=$("$bin" hub generate --model "$dir/model.gguf" --prompt "$prompt" --max-tokens 16 --threads 1 -q |
    /usr/bin/python3 -c 'import sys; p = sys.argv[1].encode(); t = sys.stdin.buffer.read(); sys.stdout.buffer.write(t[len(p):-1])' "$prompt" |
    /usr/bin/python3 -c 'import sys; sys.stdout.write(sys.stdin.buffer.read().decode("utf-8", "replace"))' | od -An -tx1)
  if [[ "$theirs" != "$ours" ]]; then
    echo "FAIL: $arch $type: llama.cpp and tabpilot differ"
    echo "llama.cpp: $theirs"
    echo "tabpilot:  $ours"
    exit 1
  fi
  echo "$arch $type: the same 16 greedy tokens as llama.cpp"
done
