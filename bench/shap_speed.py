#!/usr/bin/python3
"""SHAP speed: a bundle's SHAP values against XGBoost's pred_contribs.

Usage: bench/shap_speed.py [--model DIR] [--time-limit S] [--rows N]
                           [--threads T] [--repeats R] [--tag TAG] [--no-append]

Trains a bundle on Adult's training rows the way the README pipeline does
(`tabpilot train --target income --time-limit S`, default 60) unless --model
names one, then runs build/bench/shap_bench (bench/shap_bench.cpp) on the
first N (default 1,000) of Adult's test rows: per tree member, the seconds of
our exact TreeSHAP over its compiled fold models and of XGBoost's own
pred_contribs over the same fold models and feature rows (median of R runs),
and the whole bundle's SHAP values through the model explainer (every
member, level-2 stacking carried back, log-odds). Raw results go to
bench/results/<date>-shap-speed[-TAG].json and a table is appended to
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
    p.add_argument("--rows", type=int, default=1000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--bin", default=str(REPO_ROOT / "build" / "src" / "cli" / "tabpilot"))
    p.add_argument("--shap-bench", default=str(REPO_ROOT / "build" / "bench" / "shap_bench"))
    p.add_argument("--tag", default="")
    p.add_argument("--no-append", action="store_true")
    return p.parse_args(argv)


def check(cmd):
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env)
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
    return json.loads(check([args.shap_bench, model, data / "adult_test.csv", args.rows, args.threads,
                             args.repeats]))


def table(r):
    lines = ["| member | family | level | trees | max depth | ours s | XGBoost pred_contribs s | theirs / ours |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for m in r["members"]:
        theirs = m["xgboost_pred_contribs_s"]
        ratio = f"{theirs / m['ours_s']:.2f}" if theirs else "—"
        theirs_text = f"{theirs:.3f}" if theirs else "—"
        lines.append(f"| {m['member']} | {m['family']} | {m['level']} | {m['trees']:,} | {m['max_depth']} | "
                     f"{m['ours_s']:.3f} | {theirs_text} | {ratio} |")
    ours, theirs = r["tree_members_ours_s"], r["tree_members_xgboost_s"]
    lines.append(f"| **tree members** | | | | | {ours:.3f} | {theirs:.3f} | {theirs / ours:.2f} |")
    lines.append(f"| **whole bundle** (every member, stacking carried back, log-odds) | | | | | "
                 f"{r['whole_bundle_s']:.3f} | | |")
    members = r.get("bundle_members", [])
    if members:
        described = ", ".join(f"{m['member']} ({m['family']}, level {m['level']}, weight {m['weight']:g}, "
                              f"{' + '.join(m['methods'])})" for m in members)
        lines.append("")
        lines.append(f"Whole bundle's members (how each is explained): {described}.")
    return "\n".join(lines)


def main(argv):
    args = parse_args(argv)
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="tabpilot-shap-") as tmp:
        results = measure(args, Path(tmp))
    date = datetime.datetime.now(datetime.timezone.utc)
    command = "bench/shap_speed.py " + " ".join(argv)
    meta = {"date": date.isoformat(timespec="seconds"), "command": command, "commit": adult.git_commit(),
            "machine": adult.machine_facts(load_start), "rows": args.rows, "threads": args.threads,
            "repeats": args.repeats, "train_time_limit_s": None if args.model else args.time_limit}
    path = adult.write_results("shap-speed", args.tag, date, {"meta": meta, "results": results})
    text = table(results)
    print(text)
    if not args.no_append:
        bundle = f"trained with --time-limit {args.time_limit}" if not args.model else "given"
        adult.append_docs_entry(
            "SHAP values, ours vs XGBoost's pred_contribs", args.tag, date,
            [f"machine: {adult.machine_line(meta['machine'])}", f"command: `{command}` at {meta['commit']['short']}",
             f"raw results: `{path.relative_to(REPO_ROOT)}`",
             f"data: the first {results['rows']:,} rows of adult_test.csv (bench/prepare_adult.py); bundle {bundle}; "
             f"{args.threads} threads; median of {args.repeats} runs. Per member, both engines explain the same "
             "fold models on the same feature rows (exact path-dependent TreeSHAP both; XGBoost's over each fold "
             "model in turn, ours over the member's fold models merged)."], text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
