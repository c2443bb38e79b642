#!/usr/bin/env python3
"""Adult (UCI census income) benchmark: tabpilot against its peers.

Usage: bench/adult_benchmark.py [options] [BUDGET_SECONDS ...]   (default: 60 300)

One run does, in a temporary folder:
  1. bench/prepare_adult.py            -> adult_train.csv / adult_test.csv
  2. bench/peers.py                    -> XGBoost / scikit-learn peers, same split,
                                          same thread count as tabpilot
  3. for each budget B:
       tabpilot train --time-limit B   (wall time checked against B + 10%)
       tabpilot predict                (wall time -> ms per 1,000 rows)
       tabpilot evaluate               (AUC / logloss / F1 from the report JSON)
and prints one Markdown table (tabpilot rows and peer rows, each metric also
as a ratio to the best peer), PASS/FAIL per target from the Adult issue, and
appends a dated entry with machine and command to docs/benchmarks.md.

Environment:
  TABPILOT_BIN       tabpilot binary (default: <repo>/build/src/cli/tabpilot)
  TABPILOT_DATASETS  folder holding adult/ (default: <repo>/../shared/datasets)
  PEERS_PYTHON       interpreter with python3-xgboost/sklearn/pandas
                     (default: /usr/bin/python3)
Every child process gets OMP_WAIT_POLICY=PASSIVE: spin-waiting OpenMP workers
make runs on an oversubscribed machine many times slower.

Exit status: 0 all targets met, 1 a target or the time limit was missed,
2 a step failed or the arguments are wrong. Uses only the standard library.
"""

import argparse
import csv
import datetime
import json
import math
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
TARGET = "income"
POSITIVE = ">50K"
TEST_ROWS = 16281
TIME_SLACK = 1.10  # train may overrun --time-limit by at most 10%

# Targets from the Adult benchmark issue: (metric, comparison, bound).
TARGETS = {
    60: [("auc", ">=", 0.9285), ("logloss", "<=", 0.2755), ("f1", ">=", 0.720)],
    300: [("auc", ">=", 0.930), ("logloss", "<=", 0.273)],
}
HIGHER_IS_BETTER = {"auc": True, "logloss": False, "f1": True}


class StepError(Exception):
    """A step of the benchmark failed; the message says which and why."""


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Adult benchmark: tabpilot vs XGBoost / scikit-learn peers.")
    p.add_argument("budgets", nargs="*", type=int, default=[60, 300],
                   metavar="BUDGET_SECONDS",
                   help="tabpilot --time-limit values (default: 60 300)")
    p.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)),
                   help="threads for tabpilot and every peer (default: all cores)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--peers-only", action="store_true",
                   help="skip tabpilot (e.g. while it cannot be built)")
    p.add_argument("--dry-run", action="store_true",
                   help="print the commands that would run, run nothing")
    p.add_argument("--no-append", action="store_true",
                   help="do not append the entry to docs/benchmarks.md")
    p.add_argument("--keep", action="store_true",
                   help="keep the temporary folder (data, models, logs)")
    args = p.parse_args(argv)
    if args.threads < 1:
        p.error("--threads must be >= 1")
    if not args.budgets or any(b <= 0 for b in args.budgets):
        p.error("budgets must be positive numbers of seconds")
    return args


def child_env():
    env = dict(os.environ)
    env["OMP_WAIT_POLICY"] = "PASSIVE"
    return env


def peers_python():
    if os.environ.get("PEERS_PYTHON"):
        return os.environ["PEERS_PYTHON"]
    return "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def tabpilot_bin():
    return os.environ.get("TABPILOT_BIN") or str(REPO_ROOT / "build/src/cli/tabpilot")


def run_step(name, cmd, log_path, timeout=None):
    """Runs cmd with output to log_path; returns wall seconds. Raises
    StepError naming the step, exit code and the log's last lines."""
    start = time.perf_counter()
    with open(log_path, "w", encoding="utf-8") as log:
        try:
            proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT,
                                  env=child_env(), timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise StepError(f"{name}: killed after {timeout:.0f} s: {shlex.join(cmd)}")
        except OSError as e:
            raise StepError(f"{name}: cannot run {cmd[0]}: {e.strerror}")
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        tail = Path(log_path).read_text(encoding="utf-8", errors="replace")
        tail = "\n".join(tail.splitlines()[-15:])
        raise StepError(f"{name}: exit code {proc.returncode}: {shlex.join(cmd)}\n{tail}")
    return seconds


def du_kib(path):
    out = subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return int(out.split()[0])


def read_report_metrics(path):
    """AUC / logloss / F1 from a SageMaker-style model-quality report."""
    try:
        report = json.loads(Path(path).read_text(encoding="utf-8"))
        section = report["binary_classification_metrics"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise StepError(f"{path}: not a binary model-quality report ({e!r})")
    aliases = {"auc": ["auc"], "logloss": ["logloss", "log_loss"], "f1": ["f1"]}
    metrics = {}
    for name, keys in aliases.items():
        for key in keys:
            if isinstance(section.get(key), dict) and "value" in section[key]:
                metrics[name] = float(section[key]["value"])
                break
        else:
            raise StepError(f"{path}: binary_classification_metrics.{name}.value missing")
    return metrics


def auc_score(labels, scores):
    """ROC AUC via the rank-sum statistic, ties sharing their mean rank."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2.0 + 1.0
        i = j + 1
    n_pos = sum(labels)
    n_neg = len(labels) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    rank_sum = sum(r for r, y in zip(ranks, labels) if y)
    return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


def metrics_from_predictions(test_csv, preds_csv):
    """Recomputes AUC / logloss / F1 from `tabpilot predict` output, to
    cross-check the evaluate report (F1 from predicted_label, since tabpilot
    may use a tuned decision threshold)."""
    with open(test_csv, newline="", encoding="utf-8") as f:
        truth = [row[TARGET] == POSITIVE for row in csv.DictReader(f)]
    with open(preds_csv, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        column = f"proba_{POSITIVE}"
        if not reader.fieldnames or column not in reader.fieldnames \
                or "predicted_label" not in reader.fieldnames:
            raise StepError(f"{preds_csv}: needs columns predicted_label and {column}, "
                            f"has {reader.fieldnames}")
        rows = list(reader)
    if len(rows) != len(truth):
        raise StepError(f"{preds_csv}: {len(rows)} rows, test set has {len(truth)}")
    proba = [float(r[column]) for r in rows]
    predicted = [r["predicted_label"] == POSITIVE for r in rows]
    eps = 1e-15
    logloss = -sum(math.log(min(max(p if y else 1.0 - p, eps), 1.0))
                   for p, y in zip(proba, truth)) / len(truth)
    tp = sum(1 for p, y in zip(predicted, truth) if p and y)
    fp = sum(1 for p, y in zip(predicted, truth) if p and not y)
    fn = sum(1 for p, y in zip(predicted, truth) if not p and y)
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {"auc": auc_score(truth, proba), "logloss": logloss, "f1": f1}


def check_binary():
    binary = tabpilot_bin()
    if not os.access(binary, os.X_OK):
        raise StepError(f"{binary}: no tabpilot binary (build it, set TABPILOT_BIN, "
                        "or pass --peers-only)")


def run_tabpilot(args, work, data, budget, dry_run, warnings):
    binary = tabpilot_bin()
    model = work / f"model-{budget}"
    preds = work / f"preds-{budget}.csv"
    report = work / f"report-{budget}.json"
    test_csv = data / "adult_test.csv"
    train_cmd = [binary, "train", "--data", str(data / "adult_train.csv"),
                 "--target", TARGET, "--time-limit", str(budget),
                 "--output", str(model), "--seed", str(args.seed),
                 "--threads", str(args.threads)]
    predict_cmd = [binary, "predict", "--model", str(model), "--data", str(test_csv),
                   "--output", str(preds)]
    evaluate_cmd = [binary, "evaluate", "--model", str(model), "--data", str(test_csv),
                    "--output", str(report)]
    if dry_run:
        for cmd in (train_cmd, predict_cmd, evaluate_cmd):
            print("  " + shlex.join(cmd))
        return None
    print(f"tabpilot train --time-limit {budget} ...", file=sys.stderr, flush=True)
    train_s = run_step(f"tabpilot train ({budget} s)", train_cmd,
                       work / f"train-{budget}.log", timeout=max(2 * budget, budget + 120))
    predict_s = run_step("tabpilot predict", predict_cmd, work / f"predict-{budget}.log",
                         timeout=600)
    run_step("tabpilot evaluate", evaluate_cmd, work / f"evaluate-{budget}.log", timeout=600)
    metrics = read_report_metrics(report)
    check = metrics_from_predictions(test_csv, preds)
    for name, value in metrics.items():
        if not abs(check[name] - value) <= 1e-3:
            warnings.append(f"WARNING  budget {budget} s: report {name}={value:.4f} but "
                            f"the predictions CSV gives {check[name]:.4f}")
    return {"system": "tabpilot", "budget": budget, "metrics": metrics,
            "train_s": train_s, "predict_ms_1k": predict_s * 1000.0 / TEST_ROWS * 1000.0,
            "bundle_kib": du_kib(model)}


def run_peers(args, work, data, dry_run):
    out = work / "peers.json"
    cmd = [peers_python(), str(BENCH_DIR / "peers.py"),
           "--train", str(data / "adult_train.csv"), "--test", str(data / "adult_test.csv"),
           "--target", TARGET, "--task", "binary", "--threads", str(args.threads),
           "--positive-label", POSITIVE, "--seed", str(args.seed), "--out", str(out)]
    if dry_run:
        print("  " + shlex.join(cmd))
        return [], {}
    print("peers ...", file=sys.stderr, flush=True)
    run_step("peers.py", cmd, work / "peers.log", timeout=1800)
    doc = json.loads(out.read_text(encoding="utf-8"))
    rows = [{"system": r["system"], "budget": None, "metrics": r["metrics"],
             "train_s": r["fit_seconds"],
             "predict_ms_1k": r["predict_s_per_1k_rows"] * 1000.0,
             "bundle_kib": r["model_bytes"] / 1024.0}
            for r in doc["results"]]
    return rows, doc["meta"]["versions"]


def format_table(rows, peer_rows):
    best = {}
    for name, higher in HIGHER_IS_BETTER.items():
        values = [r["metrics"][name] for r in peer_rows]
        if values:
            best[name] = max(values) if higher else min(values)

    def ratio(row, name):
        return f"{row['metrics'][name] / best[name]:.4f}" if name in best else "-"

    header = ["system", "budget s", "AUC", "logloss", "F1", "train s",
              "predict ms/1k rows", "bundle KiB", "AUC / best peer",
              "logloss / best peer", "F1 / best peer"]
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    for r in rows:
        m = r["metrics"]
        cells = [r["system"], str(r["budget"]) if r["budget"] else "defaults",
                 f"{m['auc']:.4f}", f"{m['logloss']:.4f}", f"{m['f1']:.4f}",
                 f"{r['train_s']:.1f}", f"{r['predict_ms_1k']:.2f}",
                 f"{r['bundle_kib']:.0f}",
                 ratio(r, "auc"), ratio(r, "logloss"), ratio(r, "f1")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def check_targets(tab_rows, time_checks):
    """Returns (lines, all_passed)."""
    lines, ok = [], True
    for budget, train_s in time_checks:
        limit = budget * TIME_SLACK
        passed = train_s <= limit
        ok &= passed
        lines.append(f"{'PASS' if passed else 'FAIL'}  budget {budget} s: train wall "
                     f"{train_s:.1f} s <= {limit:.1f} s")
    for r in tab_rows:
        for metric, op, bound in TARGETS.get(r["budget"], []):
            value = r["metrics"][metric]
            passed = value >= bound if op == ">=" else value <= bound
            ok &= passed
            lines.append(f"{'PASS' if passed else 'FAIL'}  budget {r['budget']} s: "
                         f"{metric} {value:.4f} {op} {bound}")
    return lines, ok


def machine_line():
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cores} cores, {cpu}"


def exact_command(argv):
    prefix = [f"{var}={shlex.quote(os.environ[var])}"
              for var in ("TABPILOT_BIN", "TABPILOT_DATASETS", "PEERS_PYTHON")
              if os.environ.get(var)]
    return " ".join(prefix + [shlex.join(["bench/adult_benchmark.py"] + argv)])


def git_revision():
    try:
        rev = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return rev


def append_entry(entry):
    path = REPO_ROOT / "docs" / "benchmarks.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    new_file = not path.exists()
    with open(path, "a", encoding="utf-8") as f:
        if new_file:
            f.write("# Benchmarks\n\nDated entries appended by the scripts in bench/ "
                    "(see bench/README.md), oldest first. Times on the shared 2-core "
                    "machine are noisy: compare ratios measured in the same run.\n")
        f.write("\n" + entry)
    print(f"appended to {path}", file=sys.stderr)


def main(argv):
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="tabpilot-adult-"))
    data = work / "data"
    try:
        prepare_cmd = [sys.executable, str(BENCH_DIR / "prepare_adult.py"), str(data)]
        if args.dry_run:
            print("would run (OMP_WAIT_POLICY=PASSIVE):")
            print("  " + shlex.join(prepare_cmd))
        else:
            if not args.peers_only:
                check_binary()  # fail before the minutes spent on peers
            run_step("prepare_adult.py", prepare_cmd, work / "prepare.log", timeout=300)
        peer_rows, versions = run_peers(args, work, data, args.dry_run)
        tab_rows, warnings = [], []
        if not args.peers_only:
            for budget in args.budgets:
                row = run_tabpilot(args, work, data, budget, args.dry_run, warnings)
                if row:
                    tab_rows.append(row)
        if args.dry_run:
            return 0

        table = format_table(tab_rows + peer_rows, peer_rows)
        target_lines, ok = check_targets(
            tab_rows, [(r["budget"], r["train_s"]) for r in tab_rows])
        target_lines += warnings
        notes = (f"threads {args.threads}, seed {args.seed}; repo at {git_revision()}, "
                 f"peers: xgboost {versions.get('xgboost', '?')}, "
                 f"scikit-learn {versions.get('sklearn', '?')}. "
                 "tabpilot train s / predict ms are CLI wall times (process start, CSV "
                 "parsing, bundle I/O included); peers' are in-process fit / "
                 "predict_proba on loaded frames. Peers' bundle = pickled pipeline. "
                 "Ratios: value / best peer (logloss: lower is better).")
        print(table)
        print()
        print(notes)
        if target_lines:
            print()
            print("\n".join(target_lines))

        if not args.no_append:
            stamp = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
            scope = " (peers only)" if args.peers_only else ""
            entry = (f"## {stamp}: Adult (UCI census income), binary{scope}\n\n"
                     f"- machine: {machine_line()}\n"
                     f"- command: `{exact_command(argv)}`\n"
                     f"- {notes}\n\n{table}\n")
            if target_lines:
                entry += "\n```\n" + "\n".join(target_lines) + "\n```\n"
            append_entry(entry)
        return 0 if ok else 1
    except StepError as e:
        print(f"adult_benchmark: error: {e}", file=sys.stderr)
        if not args.keep:
            print("(rerun with --keep to inspect the logs)", file=sys.stderr)
        return 2
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
