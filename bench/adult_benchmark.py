#!/usr/bin/python3
"""Adult (UCI census income) benchmark: tabpilot against its peers.

Usage: bench/adult_benchmark.py [options] [BUDGET_SECONDS ...]   (default: 60 300)
       bench/adult_benchmark.py --from-results bench/results/FILE.json

One run does, in a temporary folder:
  1. bench/prepare_adult.py            -> adult_train.csv / adult_test.csv
  2. for each budget B:
       tabpilot train --time-limit B   (wall time checked against B + 10%)
       tabpilot predict                (wall time -> ms per 1,000 rows)
       tabpilot evaluate               (its report, cross-checked below)
  3. bench/peers.py                    -> XGBoost / scikit-learn peers, same split,
                                          same thread count, their test predictions
                                          and their F1 thresholds tuned on their own
                                          out-of-fold predictions with the fold
                                          counts tabpilot's bundles used
Every system's metrics are then computed here (bench/suite/scoring.py,
scikit-learn) from its predictions file: AUC and logloss from the
probabilities, tabpilot's F1 from its predicted_label (its bundle's tuned
threshold), each peer's F1 at its own tuned threshold and everyone's F1 at 0.5.
tabpilot's evaluate report must agree with the recomputed figures (a mismatch
fails the run). PASS/FAIL per target of the Adult issue uses the recomputed
figures. The raw results (every system, every metric, times, bundle sizes, the
commit, the command, the date, the machine) are written to
bench/results/<date>-adult[-TAG].json; a Markdown table and the checks are
printed and appended as a dated entry to docs/benchmarks.md.

--from-results FILE prints the table and re-runs the checks from a saved
results file (nothing is trained): the way to check a published figure.

Environment:
  TABPILOT_BIN       tabpilot binary (default: <repo>/build/src/cli/tabpilot)
  TABPILOT_DATASETS  folder holding adult/ (default: <repo>/../shared/datasets)
  PEERS_PYTHON       interpreter with python3-xgboost/sklearn/pandas
                     (default: /usr/bin/python3)
This script itself needs numpy and scikit-learn (Debian's /usr/bin/python3).
Every child process gets OMP_WAIT_POLICY=PASSIVE: spin-waiting OpenMP workers
make runs on an oversubscribed machine many times slower.

Exit status: 0 every check passed, 1 a target, the time limit or a cross-check
failed, 2 a step failed or the arguments are wrong.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
SUITE_DIR = BENCH_DIR / "suite"
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(1, str(SUITE_DIR))

TARGET = "income"
POSITIVE = ">50K"
NEGATIVE = "<=50K"
CLASSES = [NEGATIVE, POSITIVE]
TIME_SLACK = 1.10  # train may overrun --time-limit by at most 10%
# tabpilot evaluate's figures and the ones recomputed from its predictions CSV
# must agree to this: AUC and logloss up to the CSV's rounding of probabilities
# to 6 significant digits; F1 exactly (both count the same predicted labels).
CROSS_CHECK_TOL = {"auc": 1e-4, "logloss": 1e-4, "f1": 1e-12}
# A predicted_label may disagree with proba >= threshold only this close to
# the threshold (CSV rounding).
THRESHOLD_ROUNDING = 1e-6
# Peers' F1 threshold folds when tabpilot did not run or its bundle does not
# say (tabpilot's automatic choice for Adult at 60 s).
DEFAULT_THRESHOLD_FOLDS = 5

# Targets from the Adult benchmark issue: (metric, comparison, bound).
TARGETS = {
    60: [("auc", ">=", 0.9285), ("logloss", "<=", 0.2755), ("f1", ">=", 0.720)],
    300: [("auc", ">=", 0.930), ("logloss", "<=", 0.273)],
}
HIGHER_IS_BETTER = {"auc": True, "logloss": False, "f1": True, "f1_at_0.5": True}


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
    p.add_argument("--threshold-folds", default="auto",
                   help="fold counts for the peers' F1 thresholds: 'auto' = the ones "
                        "tabpilot's bundles used (5 with --peers-only), or a "
                        "comma-separated list")
    p.add_argument("--peers-only", action="store_true",
                   help="skip tabpilot (e.g. while it cannot be built)")
    p.add_argument("--dry-run", action="store_true",
                   help="print the commands that would run, run nothing")
    p.add_argument("--no-append", action="store_true",
                   help="do not append the entry to docs/benchmarks.md")
    p.add_argument("--no-results", action="store_true",
                   help="do not write bench/results/<date>-adult.json")
    p.add_argument("--tag", default="", help="suffix for the results file name")
    p.add_argument("--keep", action="store_true",
                   help="keep the temporary folder (data, models, predictions, logs)")
    p.add_argument("--from-results", metavar="JSON",
                   help="print the table and re-run the checks of a saved results "
                        "file; run nothing (appends only with --append)")
    p.add_argument("--append", action="store_true",
                   help="with --from-results: append the entry to docs/benchmarks.md")
    args = p.parse_args(argv)
    if args.threads < 1:
        p.error("--threads must be >= 1")
    if not args.budgets or any(b <= 0 for b in args.budgets):
        p.error("budgets must be positive numbers of seconds")
    if args.threshold_folds != "auto":
        try:
            args.threshold_folds = [int(k) for k in args.threshold_folds.split(",")
                                    if k.strip()]
        except ValueError:
            p.error("--threshold-folds: 'auto' or comma-separated integers")
        if not args.threshold_folds or min(args.threshold_folds) < 1:
            p.error("--threshold-folds: fold counts must be >= 1")
    return args


def load_scoring():
    """The suite's scoring module (numpy + scikit-learn), imported late so
    --help and --dry-run work without them."""
    try:
        import scoring  # noqa: PLC0415
    except ImportError as e:
        raise StepError(f"cannot import numpy/scikit-learn ({e}); run with Debian's "
                        "/usr/bin/python3 (python3-sklearn)")
    return scoring


def reexec_with_peers_python(argv):
    """`python3 bench/adult_benchmark.py` may start an interpreter without
    scikit-learn (another python3 first on PATH); the peers' interpreter has
    it, so the harness continues there."""
    try:
        import sklearn  # noqa: F401, PLC0415
        return
    except ImportError:
        pass
    other = peers_python()
    if os.path.realpath(other) != os.path.realpath(sys.executable) and os.access(other, os.X_OK):
        print(f"adult_benchmark: no scikit-learn in {sys.executable}; continuing with {other}",
              file=sys.stderr)
        os.execv(other, [other, str(Path(__file__).resolve())] + argv)


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


def display(cmd, work):
    """cmd as one shell line without this run's temporary folder or the
    repository's absolute path, for the results file."""
    line = shlex.join(str(c) for c in cmd)
    line = line.replace(str(work), "$WORK")
    binary = os.environ.get("TABPILOT_BIN")
    if binary and not Path(binary).resolve().is_relative_to(REPO_ROOT):
        line = line.replace(binary, "$TABPILOT_BIN")
    return line.replace(str(REPO_ROOT) + "/", "")


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


def tree_bytes(path):
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


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


def read_bundle_facts(model):
    """What the bundle says about its decision threshold and validation:
    decision_threshold, num_folds (1 = a holdout), objective metric. Missing
    fields are None (the manifest's training section is informational)."""
    try:
        manifest = json.loads((Path(model) / "manifest.json").read_text(encoding="utf-8"))
        problem = manifest["problem"]
        threshold = float(problem["decision_threshold"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise StepError(f"{model}/manifest.json: no problem.decision_threshold ({e!r})")
    if problem.get("positive_label") not in (None, POSITIVE):
        raise StepError(f"{model}: positive label {problem.get('positive_label')!r}, "
                        f"expected {POSITIVE!r}")
    training = manifest.get("training", {}) if isinstance(manifest, dict) else {}
    folds = training.get("num_folds")
    if not isinstance(folds, int) or folds < 1:
        folds = None
    return {"decision_threshold": threshold, "num_folds": folds,
            "validation": training.get("validation"), "objective": training.get("metric")}


def score_file(scoring, y_test, preds_csv, threshold=None):
    """Metrics computed here from one predictions file. With `threshold`
    (tabpilot), F1 is taken at its predicted_label and checked against
    proba >= threshold; without, F1 is only reported at 0.5 here."""
    try:
        proba, predicted = scoring.read_predictions(preds_csv, "binary", CLASSES, len(y_test))
    except (scoring.ScoreError, ValueError, OSError) as e:
        raise StepError(f"{preds_csv}: {e}")
    out = {"f1_at_0.5": scoring.f1_at_threshold(y_test, proba, CLASSES, POSITIVE, 0.5)}
    if threshold is None:
        m = scoring.score("binary", y_test, proba, CLASSES, POSITIVE)
        out.update(auc=m["auc"], logloss=m["logloss"])
        return out, proba, None
    if predicted is None:
        raise StepError(f"{preds_csv}: no predicted_label column")
    m = scoring.score("binary", y_test, proba, CLASSES, POSITIVE, predicted)
    out.update(auc=m["auc"], logloss=m["logloss"], f1=m["f1"])
    # predicted_label must be proba >= the bundle's threshold (up to rounding).
    p_pos = proba[:, CLASSES.index(POSITIVE)]
    disagree = sum(1 for p, label in zip(p_pos, predicted)
                   if (p >= threshold) != (label == POSITIVE)
                   and abs(p - threshold) > THRESHOLD_ROUNDING)
    return out, proba, disagree


def run_tabpilot(args, work, data, budget, y_test, scoring):
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
    if args.dry_run:
        for cmd in (train_cmd, predict_cmd, evaluate_cmd):
            print("  " + shlex.join(cmd))
        return None
    print(f"tabpilot train --time-limit {budget} ...", file=sys.stderr, flush=True)
    train_s = run_step(f"tabpilot train ({budget} s)", train_cmd,
                       work / f"train-{budget}.log", timeout=max(2 * budget, budget + 120))
    predict_s = run_step("tabpilot predict", predict_cmd, work / f"predict-{budget}.log",
                         timeout=600)
    evaluate_s = run_step("tabpilot evaluate", evaluate_cmd, work / f"evaluate-{budget}.log",
                          timeout=600)
    facts = read_bundle_facts(model)
    metrics, _, disagree = score_file(scoring, y_test, preds, facts["decision_threshold"])
    reported = read_report_metrics(report)
    cross_check = {m: {"evaluate": reported[m], "recomputed": metrics[m],
                       "agree": abs(reported[m] - metrics[m]) <= CROSS_CHECK_TOL[m]}
                   for m in reported}
    return {"system": "tabpilot", "budget": budget, "metrics": metrics,
            "decision_threshold": facts["decision_threshold"],
            "threshold_folds": facts["num_folds"], "validation": facts["validation"],
            "objective": facts["objective"],
            "evaluate_report": cross_check, "labels_off_threshold": disagree,
            "train_s": train_s, "predict_s": predict_s, "evaluate_s": evaluate_s,
            "predict_ms_per_1k": predict_s * 1e6 / len(y_test),
            "bundle_kib": du_kib(model), "bundle_bytes": tree_bytes(model),
            "predictions_sha256": file_sha256(preds),
            "commands": [display(c, work) for c in (train_cmd, predict_cmd, evaluate_cmd)]}


def run_peers(args, work, data, folds, y_test, scoring):
    out = work / "peers.json"
    preds_dir = work / "peer-predictions"
    cmd = [peers_python(), str(BENCH_DIR / "peers.py"),
           "--train", str(data / "adult_train.csv"), "--test", str(data / "adult_test.csv"),
           "--target", TARGET, "--task", "binary", "--threads", str(args.threads),
           "--positive-label", POSITIVE, "--seed", str(args.seed), "--out", str(out),
           "--predictions-dir", str(preds_dir),
           "--threshold-folds", ",".join(str(k) for k in folds)]
    if args.dry_run:
        print("  " + shlex.join(cmd))
        return [], {}
    print("peers ...", file=sys.stderr, flush=True)
    run_step("peers.py", cmd, work / "peers.log", timeout=3600)
    doc = json.loads(out.read_text(encoding="utf-8"))
    rows = []
    for r in doc["results"]:
        preds = preds_dir / f"{r['system']}.csv"
        metrics, proba, _ = score_file(scoring, y_test, preds)
        tuned = {}
        for t in r.get("thresholds", []):
            if t.get("threshold") is None:
                continue
            # The threshold comes from peers.py; the F1 is scored here.
            tuned[str(t["folds"])] = {
                "threshold": t["threshold"], "oof_f1": t["oof_f1"],
                "f1": scoring.f1_at_threshold(y_test, proba, CLASSES, POSITIVE,
                                              t["threshold"]),
                "seconds": t["seconds"]}
        rows.append({"system": r["system"], "budget": None, "model": r["model"],
                     "metrics": metrics, "f1_tuned": tuned,
                     "train_s": r["fit_seconds"], "predict_s": r["predict_seconds"],
                     "predict_ms_per_1k": r["predict_s_per_1k_rows"] * 1000.0,
                     "bundle_kib": r["model_bytes"] / 1024.0,
                     "bundle_bytes": r["model_bytes"],
                     "predictions_sha256": file_sha256(preds)})
    return rows, {"versions": doc["meta"]["versions"], "command": display(cmd, work)}


def peer_rows(results):
    return [r for r in results["systems"] if r["system"] != "tabpilot"]


def best_peer(results, metric, folds=None):
    """(value, system) of the best peer for a metric; metric 'f1' means the
    peers' F1 at their tuned threshold for `folds` folds."""
    best = None
    for r in peer_rows(results):
        if metric == "f1":
            entry = r["f1_tuned"].get(str(folds))
            value = entry["f1"] if entry else None
        else:
            value = r["metrics"].get(metric)
        if value is None:
            continue
        if best is None or (value > best[0]) == HIGHER_IS_BETTER[metric] and value != best[0]:
            best = (value, r["system"])
    return best


def f1_folds_of(results, row):
    """Fold count of the peers' tuned F1 that a tabpilot row compares with."""
    k = row.get("threshold_folds")
    return k if k in results["meta"]["threshold_folds"] else results["meta"]["threshold_folds"][0]


def add_ratios(results):
    """value / best peer per metric; tabpilot's F1 against the best peer's F1
    tuned with the same fold count, and F1 at 0.5 against F1 at 0.5."""
    for r in results["systems"]:
        ratios = {}
        for m in ("auc", "logloss", "f1_at_0.5"):
            best = best_peer(results, m)
            if best and r["metrics"].get(m) is not None:
                ratios[m] = {"ratio": r["metrics"][m] / best[0], "best_peer": best[1]}
        if r["system"] == "tabpilot":
            k = f1_folds_of(results, r)
            best = best_peer(results, "f1", k)
            if best:
                ratios["f1"] = {"ratio": r["metrics"]["f1"] / best[0], "best_peer": best[1],
                                "peer_threshold_folds": k}
        else:
            for k, entry in r["f1_tuned"].items():
                best = best_peer(results, "f1", int(k))
                if best:
                    ratios[f"f1_tuned_{k}"] = {"ratio": entry["f1"] / best[0],
                                               "best_peer": best[1]}
        r["ratios"] = ratios


def evaluate_checks(results):
    """Every PASS/FAIL of the run, from the stored figures only (so that
    --from-results re-runs them): train wall time, targets on the metrics
    recomputed from the predictions, and the cross-checks against tabpilot
    evaluate and the bundle's threshold."""
    checks = []
    for r in results["systems"]:
        if r["system"] != "tabpilot":
            continue
        b = r["budget"]
        limit = b * results["meta"]["time_slack"]
        checks.append({"check": "time", "budget": b, "value": r["train_s"], "bound": limit,
                       "passed": r["train_s"] <= limit,
                       "line": f"budget {b} s: train wall {r['train_s']:.1f} s <= {limit:.1f} s"})
        for metric, op, bound in results["meta"]["targets"].get(str(b), []):
            value = r["metrics"][metric]
            passed = value >= bound if op == ">=" else value <= bound
            checks.append({"check": "target", "budget": b, "metric": metric, "op": op,
                           "bound": bound, "value": value, "passed": passed,
                           "line": f"budget {b} s: {metric} {value:.4f} {op} {bound} "
                                   "(recomputed from the predictions)"})
        for metric, c in r["evaluate_report"].items():
            tol = results["meta"]["cross_check_tol"][metric]
            agree = abs(c["evaluate"] - c["recomputed"]) <= tol
            line = (f"budget {b} s: tabpilot evaluate {metric} {c['evaluate']:.6f} = "
                    f"recomputed {c['recomputed']:.6f}")
            if not agree:
                line = (f"budget {b} s: MISMATCH: tabpilot evaluate reports {metric} "
                        f"{c['evaluate']:.6f}, the predictions file gives "
                        f"{c['recomputed']:.6f}")
            checks.append({"check": "cross-check", "budget": b, "metric": metric,
                           "passed": agree, "line": line})
        off = r["labels_off_threshold"]
        checks.append({"check": "threshold", "budget": b, "value": off, "passed": off == 0,
                       "line": f"budget {b} s: {off} predicted labels disagree with proba "
                               f">= the bundle's threshold {r['decision_threshold']:.6f}"
                       + ("" if off == 0 else " (MISMATCH)")})
    return checks


def fmt_threshold(t, k):
    where = "holdout" if k == 1 else f"{k}-fold"
    return f"{t:.4f} ({where})" if k else f"{t:.4f}"


def format_table(results):
    header = ["system", "budget s", "AUC", "logloss", "F1", "F1 threshold", "F1 @ 0.5",
              "train s", "predict ms/1k rows", "bundle KiB", "AUC / best peer",
              "logloss / best peer", "F1 / best tuned peer", "F1 @ 0.5 / best peer @ 0.5"]
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]

    def ratio(r, key):
        return f"{r['ratios'][key]['ratio']:.4f}" if key in r["ratios"] else "-"

    for r in results["systems"]:
        m = r["metrics"]
        if r["system"] == "tabpilot":
            f1 = f"{m['f1']:.4f}"
            threshold = fmt_threshold(r["decision_threshold"], r.get("threshold_folds"))
            f1_ratio = ratio(r, "f1")
        else:
            ks = sorted(r["f1_tuned"], key=int)
            f1 = " / ".join(f"{r['f1_tuned'][k]['f1']:.4f}" for k in ks) or "-"
            threshold = " / ".join(fmt_threshold(r["f1_tuned"][k]["threshold"], int(k))
                                   for k in ks) or "-"
            f1_ratio = " / ".join(ratio(r, f"f1_tuned_{k}") for k in ks) or "-"
        cells = [r["system"], str(r["budget"]) if r["budget"] else "defaults",
                 f"{m['auc']:.4f}", f"{m['logloss']:.4f}", f1, threshold,
                 f"{m['f1_at_0.5']:.4f}", f"{r['train_s']:.1f}",
                 f"{r['predict_ms_per_1k']:.2f}", f"{r['bundle_kib']:.0f}",
                 ratio(r, "auc"), ratio(r, "logloss"), f1_ratio, ratio(r, "f1_at_0.5")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def notes_line(results):
    meta = results["meta"]
    ks = " / ".join(str(k) for k in meta["threshold_folds"])
    return (f"threads {meta['threads']}, seed {meta['seed']}; repo at {meta['commit']['short']}"
            f"{' (uncommitted changes)' if meta['commit']['dirty'] else ''}, peers: "
            f"xgboost {meta['versions'].get('xgboost', '?')}, scikit-learn "
            f"{meta['versions'].get('sklearn', '?')}. Every metric is computed by the "
            "harness (scikit-learn) from each system's predictions file; tabpilot's "
            "evaluate report is checked against it. F1: tabpilot at its bundle's "
            "threshold (tuned on its own out-of-fold predictions); each peer at the "
            "threshold that maximizes F1 on its own out-of-fold predictions on "
            f"adult_train ({ks} folds: {meta.get('threshold_folds_source', '?')}); "
            "F1 / best tuned peer "
            "compares with the same fold count. tabpilot train s / predict ms are CLI "
            "wall times (process start, CSV parsing, bundle I/O included); peers' are "
            "in-process fit / predict_proba on loaded frames (their threshold "
            "cross-validation not included). Peers' bundle = pickled pipeline. Ratios: "
            "value / best peer (logloss: lower is better).")


def run_measured(cmd, log):
    """(wall s, CPU s = user + sys, peak RSS MiB) of one command run with
    OMP_WAIT_POLICY=PASSIVE, its output in `log`; exits 2 when it fails."""
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    start = time.monotonic()
    with open(log, "w") as out:
        proc = subprocess.Popen([str(c) for c in cmd], stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        print(f"error: {' '.join(map(str, cmd))} exited with {code} (log: {log})", file=sys.stderr)
        sys.exit(2)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0  # ru_maxrss is KiB on Linux


def write_results(name, tag, date, payload):
    """Writes bench/results/<date>-<name>[-<tag>].json (with -HHMM when that
    exists already) and returns its path."""
    stem = f"{date:%Y-%m-%d}-{name}" + (f"-{tag}" if tag else "")
    path = BENCH_DIR / "results" / f"{stem}.json"
    if path.exists():
        path = path.with_name(f"{stem}-{date:%H%M}.json")
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def append_docs_entry(title, tag, date, bullets, table):
    """Appends one entry to docs/benchmarks.md: a dated heading, bullet lines
    (machine, command, raw results, ...) and the table."""
    entry = (f"\n## {date:%Y-%m-%d %H:%M} UTC: {title}" + (f" ({tag})" if tag else "") + "\n\n"
             + "".join(f"- {b}\n" for b in bullets) + f"\n{table}\n")
    with open(REPO_ROOT / "docs" / "benchmarks.md", "a", encoding="utf-8") as f:
        f.write(entry)


def record_run(name, script, argv, load_start, payload, table, title, tag, notes, append=True, meta_extra=None):
    """What every benchmark does after measuring: the results file
    (bench/results/<date>-<name>[-<tag>].json, with the date, command, commit
    and machine), the table printed, and (unless `append` is false) a
    docs/benchmarks.md entry whose bullets are the machine, the command, the
    raw results and `notes`. Returns the results file's path."""
    date = datetime.datetime.now(datetime.timezone.utc)
    command = f"bench/{script} " + " ".join(argv)
    meta = {"date": date.isoformat(timespec="seconds"), "command": command, "commit": git_commit(),
            "machine": machine_facts(load_start), **(meta_extra or {})}
    path = write_results(name, tag, date, {"meta": meta, **payload})
    print(table)
    if append:
        append_docs_entry(title, tag, date,
                          [f"machine: {machine_line(meta['machine'])}",
                           f"command: `{command}` at {meta['commit']['short']}",
                           f"raw results: `{path.relative_to(REPO_ROOT)}`", notes], table)
    return path


def measure_in_tempdir(prefix, measure, args):
    """Runs measure(args, folder) in a temporary folder (removed after);
    returns (its results, the load average before, the UTC time after)."""
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        results = measure(args, Path(tmp))
    return results, load_start, datetime.datetime.now(datetime.timezone.utc)


def machine_facts(load_start):
    cpu = "unknown CPU"
    mem_kib = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    return {"cores": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0)),
            "cpu": cpu, "memory_kib": mem_kib, "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average_start": [round(x, 2) for x in load_start],
            "load_average_end": [round(x, 2) for x in os.getloadavg()]}


def machine_line(machine):
    load = ", ".join(f"{x:.1f}" for x in machine["load_average_end"])
    return f"{machine['cores']} cores, {machine['cpu']}; load average {load} at the end"


def exact_command(argv):
    prefix = [f"{var}={shlex.quote(os.environ[var])}"
              for var in ("TABPILOT_BIN", "TABPILOT_DATASETS", "PEERS_PYTHON")
              if os.environ.get(var)]
    return " ".join(prefix + [shlex.join(["bench/adult_benchmark.py"] + argv)])


def git_commit():
    def git(*a):
        return subprocess.run(["git", "-C", str(REPO_ROOT)] + list(a), capture_output=True,
                              text=True, check=True).stdout.strip()
    try:
        full = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.CalledProcessError):
        return {"full": "unknown", "short": "unknown", "dirty": None}
    return {"full": full, "short": full[:7], "dirty": dirty}


def append_entry(results, table, check_lines):
    meta = results["meta"]
    scope = " (peers only)" if meta["peers_only"] else ""
    stamp = meta["date"][:16].replace("T", " ")
    entry = (f"## {stamp} UTC: Adult (UCI census income), binary{scope}\n\n"
             f"- machine: {machine_line(meta['machine'])}\n"
             f"- command: `{meta['command']}`\n"
             f"- raw results: `{meta.get('results_file', '-')}`\n"
             f"- {notes_line(results)}\n\n{table}\n")
    if check_lines:
        entry += "\n```\n" + "\n".join(check_lines) + "\n```\n"
    path = REPO_ROOT / "docs" / "benchmarks.md"
    with open(path, "a", encoding="utf-8") as f:
        f.write("\n" + entry)
    print(f"appended to {path}", file=sys.stderr)


def report(results):
    """Prints the table, notes and checks; returns (table, check lines, ok)."""
    checks = evaluate_checks(results)
    table = format_table(results)
    lines = [f"{'PASS' if c['passed'] else 'FAIL'}  {c['line']}" for c in checks]
    print(table)
    print()
    print(notes_line(results))
    if lines:
        print()
        print("\n".join(lines))
    bad = [c for c in checks if not c["passed"] and c["check"] in ("cross-check", "threshold")]
    if bad:
        print("\n" + "!" * 72 + "\nMISMATCH between tabpilot's own report and its predictions "
              "file:\n" + "\n".join(c["line"] for c in bad) + "\n" + "!" * 72,
              file=sys.stderr)
    return table, lines, all(c["passed"] for c in checks), checks


def results_path(date, tag):
    results_dir = BENCH_DIR / "results"
    stem = f"{date:%Y-%m-%d}-adult" + (f"-{tag}" if tag else "")
    if (results_dir / f"{stem}.json").exists():  # never overwrite an earlier run
        stem += f"-{date:%H%M}"
    return results_dir / f"{stem}.json"


def from_results(args):
    path = Path(args.from_results)
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
        meta = results["meta"]
    except (OSError, ValueError, KeyError) as e:
        print(f"adult_benchmark: error: {path}: not an Adult results file ({e})",
              file=sys.stderr)
        return 2
    table, lines, ok, checks = report(results)
    stored = [c["passed"] for c in results.get("checks", [])]
    if stored != [c["passed"] for c in checks]:
        print("adult_benchmark: the checks re-run from the stored figures differ from the "
              "stored verdicts", file=sys.stderr)
        ok = False
    if args.append:
        append_entry(results, table, lines)
    print(f"(from {path}: {meta['command']}, {meta['date']})", file=sys.stderr)
    return 0 if ok else 1


def measure(args, argv, work):
    """Runs every step; returns the results document (None for --dry-run)."""
    load_start = os.getloadavg()
    date = datetime.datetime.now(datetime.timezone.utc)
    data = work / "data"
    prepare_cmd = [sys.executable, str(BENCH_DIR / "prepare_adult.py"), str(data)]
    if args.dry_run:
        print("would run (OMP_WAIT_POLICY=PASSIVE):")
        print("  " + shlex.join(prepare_cmd))
        scoring = y_test = None
    else:
        scoring = load_scoring()
        if not args.peers_only and not os.access(tabpilot_bin(), os.X_OK):
            raise StepError(f"{tabpilot_bin()}: no tabpilot binary (build it, set "
                            "TABPILOT_BIN, or pass --peers-only)")
        run_step("prepare_adult.py", prepare_cmd, work / "prepare.log", timeout=300)
        y_test = scoring.read_column(data / "adult_test.csv", TARGET)
    tab_rows = []
    if not args.peers_only:
        for budget in args.budgets:
            row = run_tabpilot(args, work, data, budget, y_test, scoring)
            if row:
                tab_rows.append(row)
    if args.threshold_folds == "auto":
        folds = list(dict.fromkeys(r["threshold_folds"] for r in tab_rows
                                   if r["threshold_folds"])) or [DEFAULT_THRESHOLD_FOLDS]
        for r in tab_rows:
            if not r["threshold_folds"]:
                print(f"adult_benchmark: warning: the {r['budget']} s bundle does not say its "
                      f"fold count (manifest.json training.num_folds); its F1 is compared "
                      f"with peers tuned on {folds[0]} folds", file=sys.stderr)
    else:
        folds = args.threshold_folds
    if args.dry_run and args.threshold_folds == "auto" and not args.peers_only:
        print("  (peers' --threshold-folds: the fold counts in tabpilot's bundles)")
    peers, peer_meta = run_peers(args, work, data, folds, y_test, scoring)
    if args.dry_run:
        return None
    binary = tabpilot_bin()
    meta = {
        "benchmark": "adult", "date": date.isoformat(timespec="seconds"),
        "command": exact_command(argv), "peers_command": peer_meta["command"],
        "commit": git_commit(), "machine": machine_facts(load_start),
        "threads": args.threads, "seed": args.seed, "budgets": args.budgets,
        "peers_only": args.peers_only, "threshold_folds": folds,
        "threshold_folds_source": ("--threshold-folds" if args.threshold_folds != "auto"
                                   else "those tabpilot's bundles used" if tab_rows
                                   else "the default"),
        "tabpilot_sha256": None if args.peers_only else file_sha256(binary),
        "versions": peer_meta["versions"], "test_rows": len(y_test),
        "positive_label": POSITIVE, "time_slack": TIME_SLACK,
        "cross_check_tol": CROSS_CHECK_TOL,
        "targets": {str(b): t for b, t in TARGETS.items()},
        "seconds": None,
    }
    results = {"meta": meta, "systems": tab_rows + peers}
    add_ratios(results)
    results["meta"]["seconds"] = (datetime.datetime.now(datetime.timezone.utc)
                                  - date).total_seconds()
    return results


def main(argv):
    args = parse_args(argv)
    if not args.dry_run and not args.from_results:
        reexec_with_peers_python(argv)
    if args.from_results:
        return from_results(args)
    work = Path(tempfile.mkdtemp(prefix="tabpilot-adult-"))
    try:
        results = measure(args, argv, work)
        if results is None:
            return 0
        date = datetime.datetime.fromisoformat(results["meta"]["date"])
        out = results_path(date, args.tag)
        if not args.no_results:
            results["meta"]["results_file"] = str(out.relative_to(REPO_ROOT))
        table, lines, ok, checks = report(results)
        results["checks"] = checks
        results["passed"] = ok
        if not args.no_results:
            out.parent.mkdir(exist_ok=True)
            tmp = out.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
            os.replace(tmp, out)
            print(f"wrote {out}", file=sys.stderr)
        if not args.no_append:
            append_entry(results, table, lines)
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
