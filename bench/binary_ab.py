#!/usr/bin/python3
"""What a change costs: two tabpilot binaries on the same Adult job, in turn.

Usage: bench/binary_ab.py --before BIN [--after BIN] [--runs N] [--max-models K]
                          [--threads T] [--tag TAG] [--no-append]

Both binaries run the same fixed amount of work, A B A B ... (so drift in the
machine's speed hits both alike):
  train     --max-models K --seed 1 --time-limit 3600 (the model count, not
            the clock, ends the search, so wall time measures the work)
  predict   adult_test.csv (16,281 rows) with the bundle that binary trained
  evaluate  the same rows
Each binary uses its own bundle (a bundle's format may differ between them).
Reported per step, for wall time and for CPU time (user + sys of the child,
which a busy machine disturbs much less than wall time): the median of each
binary, the median of the per-pair ratios after/before, and whether both trained the same models (same
leaderboard scores). Raw results go to bench/results/<date>-ab[-TAG].json and a
table is appended to docs/benchmarks.md (unless --no-append).

Data: bench/prepare_adult.py (TABPILOT_DATASETS as there). Every child gets
OMP_WAIT_POLICY=PASSIVE. Exit status 0 on success, 2 when a step fails.
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
import adult_benchmark as adult  # noqa: E402  (machine facts, commit, sha256)

STEPS = ("train", "predict", "evaluate")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--before", required=True, help="the reference binary")
    p.add_argument("--after", default=str(REPO_ROOT / "build" / "src" / "cli" / "tabpilot"),
                   help="the binary under test (default: build/src/cli/tabpilot)")
    p.add_argument("--runs", type=int, default=5, help="pairs of runs (default 5)")
    p.add_argument("--max-models", type=int, default=6, help="models trained (default 6)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--tag", default="")
    p.add_argument("--no-append", action="store_true")
    return p.parse_args(argv)


def timed(cmd, log):
    """(wall seconds, CPU seconds = user + sys of the child) of one command."""
    return adult.run_measured(cmd, log)[:2]


def leaderboard_scores(model):
    """(model, score_val) pairs: equal when both binaries trained the same models."""
    board = json.loads((model / "leaderboard.json").read_text())
    return sorted((r["model"], round(float(r["score_val"]), 9)) for r in board)


def one_run(binary, work, data, args, label, i):
    model = work / f"model-{label}"
    preds = work / f"pred-{label}.csv"
    report = work / f"report-{label}.json"
    logs = work / f"{label}-{i}"
    walls = {}
    walls["train"] = timed([binary, "train", "--data", data / "adult_train.csv", "--target", "income",
                            "--output", model, "--max-models", args.max_models, "--seed", "1",
                            "--time-limit", "3600", "--threads", args.threads, "--quiet"],
                           f"{logs}-train.log")
    walls["predict"] = timed([binary, "predict", "--model", model, "--data", data / "adult_test.csv",
                              "--output", preds, "--threads", args.threads], f"{logs}-predict.log")
    walls["evaluate"] = timed([binary, "evaluate", "--model", model, "--data", data / "adult_test.csv",
                               "--output", report, "--threads", args.threads], f"{logs}-evaluate.log")
    return walls, leaderboard_scores(model)


def summarize(runs):
    out = {}
    for step in STEPS:
        for i, kind in enumerate(("wall", "cpu")):
            before = [r["before"][step][i] for r in runs]
            after = [r["after"][step][i] for r in runs]
            ratios = [a / b for a, b in zip(after, before)]
            out[f"{step} {kind}"] = {"before_median_s": statistics.median(before),
                                     "after_median_s": statistics.median(after),
                                     "ratio_median": statistics.median(ratios), "ratio_min": min(ratios),
                                     "ratio_max": max(ratios), "before_s": before, "after_s": after}
    return out


def table(summary):
    lines = ["| step | time | before (median s) | after (median s) | after / before (median of pairs) | range |",
             "|---|---|---:|---:|---:|---|"]
    for key, s in summary.items():
        step, kind = key.split()
        lines.append(f"| {step} | {'wall' if kind == 'wall' else 'CPU (user + sys)'} | {s['before_median_s']:.2f} | "
                     f"{s['after_median_s']:.2f} | {s['ratio_median']:.3f} | "
                     f"{s['ratio_min']:.3f}–{s['ratio_max']:.3f} |")
    return "\n".join(lines)


def main(argv):
    args = parse_args(argv)
    load_start = os.getloadavg()
    binaries = {"before": Path(args.before).resolve(), "after": Path(args.after).resolve()}
    for name, b in binaries.items():
        if not b.is_file():
            print(f"error: --{name} {b} is not a file", file=sys.stderr)
            return 2
    with tempfile.TemporaryDirectory(prefix="tabpilot-ab-") as tmp:
        work = Path(tmp)
        data = work / "data"
        data.mkdir()
        subprocess.run([sys.executable, str(BENCH_DIR / "prepare_adult.py"), str(data)], check=True,
                       stdout=subprocess.DEVNULL)
        runs, scores = [], {}
        for i in range(args.runs):
            run = {}
            for label in ("before", "after"):
                run[label], scores[label] = one_run(binaries[label], work, data, args, label, i)
            runs.append(run)
            print(f"pair {i + 1}/{args.runs}: " + ", ".join(
                f"{s} wall {run['after'][s][0] / run['before'][s][0]:.3f} cpu "
                f"{run['after'][s][1] / run['before'][s][1]:.3f}" for s in STEPS), file=sys.stderr)
    summary = summarize(runs)
    date = datetime.datetime.now(datetime.timezone.utc)
    same_models = scores["before"] == scores["after"]
    command = "bench/binary_ab.py " + " ".join(argv)
    results = {"meta": {"date": date.isoformat(timespec="seconds"), "command": command,
                        "commit": adult.git_commit(), "machine": adult.machine_facts(load_start),
                        "binaries": {k: {"path": str(v), "sha256": adult.file_sha256(v)}
                                     for k, v in binaries.items()},
                        "runs": args.runs, "max_models": args.max_models, "threads": args.threads},
               "same_models": same_models, "steps": summary}
    path = adult.write_results("ab", args.tag, date, results)
    text = table(summary)
    print(text)
    print(f"same models trained by both: {same_models}")
    if not args.no_append:
        adult.append_docs_entry(
            "before/after, Adult train/predict/evaluate", args.tag, date,
            [f"machine: {adult.machine_line(results['meta']['machine'])}", f"command: `{command}`",
             f"raw results: `{path.relative_to(REPO_ROOT)}`",
             f"{args.runs} pairs, run in turn; train = {args.max_models} models, seed 1, "
             f"{args.threads} threads; same models trained by both: {'yes' if same_models else 'no'}"], text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
