#!/usr/bin/python3
"""Trees alone: the compiled forests against each family's own predict.

Usage: bench/tree_speed.py [--model DIR] [--time-limit S] [--rows N]
                           [--threads T] [--repeats R] [--tag TAG] [--no-append]

Trains a bundle on Adult's training rows (`tabpilot train --target income
--time-limit S`, default 60) unless --model names one, then runs
build/bench/tree_bench (bench/tree_bench.cpp) on Adult's test rows repeated
to N (default 100,000) in memory, for each form the bundle holds: per tree
member (level 1) the seconds of its compiled forest (its fold models merged)
and of its models' own predict (XGBoost's predictor, the forest's walk) over
the same feature rows, the median of R runs, and the same for the whole
predictor (features, every member, stacking), and the latency of one-row
calls to the whole predictor: the one-row path from raw cells
(predict/row_predictor.h) with one thread a call and with T (each level's
members shared among them), and the batch path on typed one-row tables. Raw results go to
bench/results/<date>-tree-speed[-TAG].json and a table is appended to
docs/benchmarks.md (unless --no-append). Exit status 0, or 2 when a step fails.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
import adult_benchmark as adult  # noqa: E402  (machine facts, commit)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", help="a bundle to use (default: train one on adult_train.csv)")
    p.add_argument("--time-limit", type=int, default=60)
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--bin", default=str(REPO_ROOT / "build" / "src" / "cli" / "tabpilot"))
    p.add_argument("--tree-bench", default=str(REPO_ROOT / "build" / "bench" / "tree_bench"))
    p.add_argument("--forms", default="full,bagged",
                   help="the bundle's forms to time, comma-separated (default full,bagged; the bagged form of a "
                        "300 s bundle takes many minutes)")
    p.add_argument("--tag", default="")
    p.add_argument("--no-append", action="store_true")
    return p.parse_args(argv)


def check(cmd, **kw):
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env, **kw)
    if proc.returncode != 0:
        print(f"error: {' '.join(map(str, cmd))} exited with {proc.returncode}\n{proc.stderr}", file=sys.stderr)
        sys.exit(2)
    return proc.stdout


def measure(args, work):
    data = work / "data"
    data.mkdir()
    check([sys.executable, BENCH_DIR / "prepare_adult.py", data])
    model = Path(args.model).resolve() if args.model else work / "model"
    if not args.model:
        check([args.bin, "train", "--data", data / "adult_train.csv", "--target", "income", "--output", model,
               "--time-limit", args.time_limit, "--threads", args.threads, "--quiet"])
    manifest = json.loads((model / "manifest.json").read_text())
    forms = manifest.get("forms", ["bagged"])
    out = {}
    wanted = [f.strip() for f in args.forms.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in ("full", "bagged")]
    if unknown:
        print(f"error: --forms: unknown form {unknown[0]!r} (full, bagged)", file=sys.stderr)
        sys.exit(2)
    for form in ("full", "bagged"):
        if form not in forms or form not in wanted:
            continue
        out[form] = json.loads(check([args.tree_bench, model, data / "adult_test.csv", args.rows, args.threads,
                                      args.repeats, form]))
    return out


def table(results):
    lines = ["| form | member | family | folds | trees | max depth | compiled s | own predict s | own / compiled |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for form, r in results.items():
        for m in r["members"]:
            lines.append(f"| {form} | {m['member']} | {m['family']} | {m['folds']} | {m['trees']:,} | "
                         f"{m['max_depth']} | {m['compiled_s']:.3f} | {m['reference_s']:.3f} | {m['speedup']:.2f} |")
        t = r["level1_trees"]
        lines.append(f"| {form} | **level-1 trees** | | | | | {t['compiled_s']:.3f} | {t['reference_s']:.3f} | "
                     f"{t['speedup']:.2f} |")
        p = r["predictor"]
        lines.append(f"| {form} | **whole predictor** ({p['compiled_rows_per_s']:,.0f} rows/s compiled) | | | | | "
                     f"{p['compiled_s']:.3f} | {p['reference_s']:.3f} | {p['speedup']:.2f} |")
        o = r["one_row"]
        lines.append(f"| {form} | **one row**, one-row path from raw cells, 1 thread, {o['calls']:,} calls: median "
                     f"{o['median_us']:.1f} µs, p99 {o['p99_us']:.1f} µs | | | | | | | |")
        o = r.get("one_row_threads")
        if o:
            lines.append(f"| {form} | **one row**, one-row path from raw cells, {r['threads']} threads a call "
                         f"(each level's members shared), {o['calls']:,} calls: median "
                         f"{o['median_us']:.1f} µs, p99 {o['p99_us']:.1f} µs | | | | | | | |")
        b = r.get("one_row_batch_path")
        if b:
            lines.append(f"| {form} | one row through the batch path (typed one-row tables): median "
                         f"{b['median_us']:.1f} µs, p99 {b['p99_us']:.1f} µs | | | | | | | |")
    return "\n".join(lines)


def main(argv):
    args = parse_args(argv)
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="tabpilot-trees-") as tmp:
        results = measure(args, Path(tmp))
    date = datetime.datetime.now(datetime.timezone.utc)
    command = "bench/tree_speed.py " + " ".join(argv)
    meta = {"date": date.isoformat(timespec="seconds"), "command": command, "commit": adult.git_commit(),
            "machine": adult.machine_facts(load_start), "rows": args.rows, "threads": args.threads,
            "repeats": args.repeats, "train_time_limit_s": None if args.model else args.time_limit}
    path = adult.write_results("tree-speed", args.tag, date, {"meta": meta, "forms": results})
    text = table(results)
    print(text)
    if not args.no_append:
        bundle = f"trained with --time-limit {args.time_limit}" if not args.model else "given"
        adult.append_docs_entry(
            "trees alone, compiled vs each family's own predict", args.tag, date,
            [f"machine: {adult.machine_line(meta['machine'])}", f"command: `{command}` at {meta['commit']['short']}",
             f"raw results: `{path.relative_to(REPO_ROOT)}`",
             f"data: adult_test.csv (bench/prepare_adult.py) repeated to {args.rows:,} rows, features computed "
             f"once in memory; bundle {bundle}; {args.threads} threads; median of {args.repeats} runs. A member's "
             "compiled forest is all its models merged; its own predict runs each model in turn."], text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
