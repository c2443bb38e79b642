#!/usr/bin/python3
"""Benchmark suite: tabpilot against its peers on every dataset of a suite.

Usage:
  bench/suite/run.py --from-results bench/results/FILE.json [--no-append]
  bench/suite/run.py [--suite quick|full|FILE] [--time-limit 60 | --budgets 15,60,300]
                     [--folds N] [--run-folds N] [--threads 2] [--seed 0]
                     [--datasets a,b] [--systems tabpilot,xgboost,...]
                     [--no-append] [--plot] [--tag NAME] [--checkpoint FILE]
                     [--peer-threshold-folds 5]

Per dataset (prepared by prepare.py into identical CSV folds) and fold:
  tabpilot train --time-limit B (wall time, checked against B + 10%),
  tabpilot predict (wall time per 1,000 test rows), tabpilot evaluate (the
  metrics), du of the bundle; and each peer through bench/peers.py on the same
  files with the same thread count. Every system's predictions are also scored
  by scoring.py, which also scores the constant predictor (class priors / mean
  of the training fold).
Per suite: mean and std over folds (a single split's std is a bootstrap over
its test rows), normalized score per dataset and system (0 = constant
predictor, 1 = best system in the run), the mean normalized score per system,
tabpilot's win/tie/loss against each peer (tie = within one std) and the
defects: crash or time-out, budget overrun > 10%, worse than the best peer by
more than one std.

Outputs: one Markdown table on stdout (defects first), bench/results/
<date>-<suite>[-<tag>].json, a dated entry appended to docs/benchmarks.md
(unless --no-append), and with several budgets a PNG of the main metric
against the budget (bench/results/<date>-<suite>[-<tag>]-budgets.png).

A long run (all 5 folds of the full suite take ~2.75 h at 60 s) can be split
over several sittings with --checkpoint FILE: every finished fold is appended
to FILE (JSON lines), and a later run with the same arguments and the same
tabpilot binary skips the folds FILE already holds. A checkpoint made by a
different binary, peer script or argument set is refused, so one report
never mixes two versions.

Environment: TABPILOT_BIN (default <repo>/build/src/cli/tabpilot),
TABPILOT_DATASETS, TABPILOT_SUITE_CACHE (prepared folds, models, predictions;
default $TMPDIR/tabpilot-suite), PEERS_PYTHON (default /usr/bin/python3).
Every child process gets OMP_WAIT_POLICY=PASSIVE (spinning OpenMP workers
make an oversubscribed 2-core machine many times slower).
Exit status: 0 no defects, 1 defects found, 2 bad arguments or a prepare
failure.
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
import time
from pathlib import Path

SUITE_DIR = Path(__file__).resolve().parent
BENCH_DIR = SUITE_DIR.parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(SUITE_DIR))
sys.path.insert(1, str(BENCH_DIR))  # decision_threshold.py, used by scoring.py

import prepare as prep  # noqa: E402
import scoring  # noqa: E402
from specs import MAIN_METRIC, SECONDARY, SPECS, TABPILOT_METRIC  # noqa: E402

PEERS = ("xgboost", "sklearn-hgb", "sklearn-rf", "sklearn-linear")
TIME_SLACK = 1.10
# tabpilot evaluate report: section per task and our metric name -> report key.
REPORT_SECTION = {"binary": "binary_classification_metrics",
                  "multiclass": "multiclass_classification_metrics",
                  "regression": "regression_metrics"}
REPORT_KEY = {"macro_f1": "f1_macro"}
# Predictions-vs-report disagreement above this is printed as a warning.
CROSS_CHECK_TOL = 1e-3
# Metrics only peers have: binary F1 at the threshold tuned on the peer's own
# out-of-fold predictions (peers.py --threshold-folds), shown next to F1.
PEER_EXTRA_METRICS = {"binary": ("f1_tuned",)}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def parse_args(argv):
    p = argparse.ArgumentParser(description="tabpilot benchmark suite against peers.")
    p.add_argument("--suite", default="quick",
                   help="quick | full | path to a suite JSON file (default quick)")
    p.add_argument("--time-limit", type=float, default=60.0,
                   help="tabpilot --time-limit per fold, seconds (default 60)")
    p.add_argument("--budgets", default=None,
                   help="comma-separated time limits (overrides --time-limit); "
                        "several budgets also draw the score-vs-budget plot")
    p.add_argument("--folds", type=int, default=None,
                   help="CV folds for datasets without an official split "
                        "(default: the suite's, else 5)")
    p.add_argument("--run-folds", type=int, default=None,
                   help="run only the first N folds of each dataset")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--datasets", default=None, help="comma-separated subset")
    p.add_argument("--systems", default=",".join(("tabpilot",) + PEERS),
                   help="comma-separated: tabpilot and/or " + ", ".join(PEERS))
    p.add_argument("--peer-timeout", type=float, default=1800.0,
                   help="seconds before one peer's run on one fold is killed")
    p.add_argument("--peer-threshold-folds", type=int, default=5,
                   help="binary tasks: folds of the cross-validation on the training "
                        "fold that tunes each peer's F1 threshold (f1_tuned); 0 = off "
                        "(default 5)")
    p.add_argument("--from-results", metavar="JSON",
                   help="print and append the report of a saved results file; run nothing")
    p.add_argument("--no-append", action="store_true",
                   help="do not append the entry to docs/benchmarks.md")
    p.add_argument("--no-results", action="store_true",
                   help="do not write bench/results/*.json")
    p.add_argument("--plot", action="store_true",
                   help="draw the plot even with a single budget")
    p.add_argument("--tag", default="", help="suffix for the results file names")
    p.add_argument("--checkpoint", metavar="FILE", default=None,
                   help="append each finished fold to FILE and skip folds it already "
                        "holds (resume a long run; refused if FILE was made by another "
                        "binary or other arguments)")
    p.add_argument("--keep-models", action="store_true",
                   help="keep tabpilot bundles in the cache (default: deleted "
                        "after measuring)")
    args = p.parse_args(argv)
    if args.budgets:
        try:
            args.budgets = [float(b) for b in args.budgets.split(",") if b.strip()]
        except ValueError:
            p.error("--budgets: comma-separated numbers expected")
    else:
        args.budgets = [args.time_limit]
    if not args.budgets or min(args.budgets) <= 0:
        p.error("time limits must be positive")
    args.systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    bad = [s for s in args.systems if s != "tabpilot" and s not in PEERS]
    if bad or not args.systems:
        p.error(f"--systems: unknown {bad}; valid: tabpilot, {', '.join(PEERS)}")
    if args.threads < 1:
        p.error("--threads must be >= 1")
    if args.peer_threshold_folds < 0:
        p.error("--peer-threshold-folds must be >= 0")
    return args


def load_suite(name):
    path = SUITE_DIR / f"{name}.json" if name in ("quick", "full") else Path(name)
    if not path.is_file():
        raise SystemExit(f"suite: error: no suite file {path}")
    suite = json.loads(path.read_text())
    suite.setdefault("name", path.stem)
    if suite.get("datasets") == "all":
        suite["datasets"] = list(SPECS)
    unknown = [d for d in suite["datasets"] if d not in SPECS]
    if unknown:
        raise SystemExit(f"suite: error: {path}: unknown datasets {unknown}")
    return suite


def child_env():
    env = dict(os.environ)
    env["OMP_WAIT_POLICY"] = "PASSIVE"
    return env


def run_cmd(cmd, log_path, timeout):
    """Runs cmd; returns (returncode or None on timeout, wall seconds, tail of
    its stderr/stdout)."""
    t0 = time.perf_counter()
    with open(log_path, "w") as out:
        try:
            rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT,
                                env=child_env(), timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            rc = None
    wall = time.perf_counter() - t0
    text = Path(log_path).read_text(errors="replace").strip().splitlines()
    return rc, wall, "\n".join(text[-5:])


def display_command(cmd):
    """cmd as one shell line for the results and the docs, without this
    machine's paths: the repository's own files relative to its root, the
    fold cache as $TABPILOT_SUITE_CACHE and a binary from TABPILOT_BIN outside
    the repository as $TABPILOT_BIN."""
    line = shlex.join(str(c) for c in cmd)
    binary = os.environ.get("TABPILOT_BIN")
    if binary and not Path(binary).resolve().is_relative_to(REPO_ROOT):
        line = line.replace(binary, "$TABPILOT_BIN")
    line = line.replace(str(prep.default_cache_dir()), "$TABPILOT_SUITE_CACHE")
    return line.replace(str(REPO_ROOT) + "/", "")


def failure(record, what, cmd, rc, tail, timeout):
    record["status"] = "timeout" if rc is None else "crash"
    record["command"] = display_command(cmd)
    record["message"] = (f"{what} killed after {timeout:.0f} s" if rc is None
                         else f"{what} exited {rc}: {tail.splitlines()[-1] if tail else ''}")
    return record


def du_kib(path):
    out = subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True)
    return int(out.stdout.split()[0]) if out.returncode == 0 else None


def run_tabpilot(args, meta, fold_dir, work, budget, truth):
    task, target = meta["task"], meta["target"]
    name = f"tabpilot@{budget:g}s"
    rec = {"system": name, "budget": budget, "status": "ok"}
    model = work / f"model-{budget:g}"
    shutil.rmtree(model, ignore_errors=True)
    train = fold_dir / "train.csv"
    test = fold_dir / "test.csv"
    cmd = [args.tabpilot, "train", "--data", train, "--target", target,
           "--time-limit", f"{budget:g}", "--output", model, "--threads", args.threads,
           "--seed", args.seed, "--problem-type", task, "--metric", TABPILOT_METRIC[task]]
    if task == "binary":
        cmd += ["--positive-label", meta["positive_label"]]
    cmd = [str(c) for c in cmd]
    timeout = max(3 * budget, budget + 120)
    rc, wall, tail = run_cmd(cmd, work / f"train-{budget:g}.log", timeout)
    rec["train_s"] = wall
    rec["train_command"] = display_command(cmd)
    if rc != 0:
        return failure(rec, "train", cmd, rc, tail, timeout)
    rec["over_budget"] = wall > budget * TIME_SLACK
    rec["bundle_kib"] = du_kib(model)

    preds = work / f"preds-{budget:g}.csv"
    cmd = [str(c) for c in [args.tabpilot, "predict", "--model", model, "--data", test,
                            "--output", preds, "--threads", args.threads, "--quiet"]]
    rc, wall, tail = run_cmd(cmd, work / f"predict-{budget:g}.log", 600)
    if rc != 0:
        return failure(rec, "predict", cmd, rc, tail, 600)
    rec["predict_ms_per_1k"] = wall / len(truth["y_test"]) * 1e6

    report = work / f"report-{budget:g}.json"
    cmd = [str(c) for c in [args.tabpilot, "evaluate", "--model", model, "--data", test,
                            "--output", report, "--threads", args.threads, "--quiet"]]
    rc, wall, tail = run_cmd(cmd, work / f"evaluate-{budget:g}.log", 600)
    if rc != 0:
        return failure(rec, "evaluate", cmd, rc, tail, 600)
    if task == "binary":
        # F1 is scored at the bundle's threshold (predicted_label); with
        # --metric auc tabpilot does not tune it and it stays 0.5.
        try:
            manifest = json.loads((model / "manifest.json").read_text())
            rec["decision_threshold"] = manifest["problem"]["decision_threshold"]
        except (OSError, ValueError, KeyError) as e:
            rec.setdefault("warnings", []).append(f"no decision threshold in the bundle: {e}")
    if not args.keep_models:
        shutil.rmtree(model, ignore_errors=True)

    try:
        section = json.loads(report.read_text())[REPORT_SECTION[task]]
        metrics = {}
        for m in (MAIN_METRIC[task],) + SECONDARY[task]:
            entry = section.get(REPORT_KEY.get(m, m))
            metrics[m] = float(entry["value"]) if entry else None
        rec["metrics"] = metrics
        computed = score_predictions(meta, preds, truth, rec)
    except (scoring.ScoreError, KeyError, ValueError) as e:
        rec["status"] = "crash"
        rec["message"] = f"unreadable output: {e}"
        return rec
    rec["warnings"] = rec.get("warnings", []) + [
        f"{m}: evaluate {metrics[m]:.5f} vs predictions {computed[m]:.5f}"
        for m in metrics
        if metrics[m] is not None and abs(metrics[m] - computed[m]) > CROSS_CHECK_TOL]
    for m, v in computed.items():
        if metrics.get(m) is None:
            metrics[m] = v
    return rec


def score_predictions(meta, preds_path, truth, rec):
    """Scores a predictions file; stores the main metric's bootstrap std in
    rec and returns all metrics."""
    task = meta["task"]
    classes = meta.get("classes")
    positive = meta.get("positive_label")
    pred, hard = scoring.read_predictions(preds_path, task, classes, len(truth["y_test"]))
    rec["bootstrap_std"] = scoring.bootstrap_std(task, truth["y_test"], pred, classes,
                                                 positive)
    return scoring.score(task, truth["y_test"], pred, classes, positive, hard)


def run_peer(args, meta, fold_dir, work, peer, truth):
    rec = {"system": peer, "status": "ok"}
    out = work / f"{peer}.json"
    cmd = [args.peers_python, BENCH_DIR / "peers.py", "--train", fold_dir / "train.csv",
           "--test", fold_dir / "test.csv", "--target", meta["target"],
           "--task", meta["task"], "--threads", args.threads, "--seed", args.seed,
           "--peers", peer, "--out", out, "--predictions-dir", work,
           "--threshold-folds", args.peer_threshold_folds]
    if meta["task"] == "binary":
        cmd += ["--positive-label", meta["positive_label"]]
    cmd = [str(c) for c in cmd]
    rc, wall, tail = run_cmd(cmd, work / f"{peer}.log", args.peer_timeout)
    if rc != 0:
        return failure(rec, "peers.py", cmd, rc, tail, args.peer_timeout)
    result = json.loads(out.read_text())["results"][0]
    rec["train_s"] = result["fit_seconds"]
    rec["predict_ms_per_1k"] = result["predict_s_per_1k_rows"] * 1000.0
    rec["bundle_kib"] = result["model_bytes"] / 1024.0
    try:
        rec["metrics"] = score_predictions(meta, work / f"{peer}.csv", truth, rec)
        tuned = [t for t in result.get("thresholds", []) if t.get("threshold") is not None]
        if tuned:
            # Scored here from the predictions file like every other metric;
            # only the threshold comes from peers.py.
            rec["threshold_tuning"] = tuned[0]
            pred, _ = scoring.read_predictions(work / f"{peer}.csv", meta["task"],
                                               meta["classes"], len(truth["y_test"]))
            rec["metrics"]["f1_tuned"] = scoring.f1_at_threshold(
                truth["y_test"], pred, meta["classes"], meta["positive_label"],
                tuned[0]["threshold"])
    except scoring.ScoreError as e:
        rec["status"] = "crash"
        rec["message"] = f"unreadable predictions: {e}"
    return rec


def fmt(v, digits=4):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.1f}"
    return f"{v:.{digits}f}"


def aggregate(ds, n_run):
    """Fills per-system means, stds, normalized scores for one dataset."""
    task = ds["task"]
    main = MAIN_METRIC[task]
    const = ds["constant"]
    ds["constant_mean"] = sum(const) / len(const)
    for sysname, sys_ in ds["systems"].items():
        folds = sys_["folds"]
        # A failed fold counts as the constant predictor (as AMLB imputes).
        main_vals = [f["metrics"][main] if f["status"] == "ok" else const[i]
                     for i, f in enumerate(folds)]
        ok = [f for f in folds if f["status"] == "ok"]
        sys_["failed_folds"] = len(folds) - len(ok)
        sys_["mean"], sys_["std"] = scoring.mean_std(main_vals)
        if n_run == 1:
            sys_["std"] = ok[0].get("bootstrap_std") if ok else None
        sys_["secondary"] = {m: scoring.mean_std([f["metrics"][m] for f in ok])[0]
                             for m in SECONDARY[task]}
        for m in PEER_EXTRA_METRICS.get(task, ()):
            values = [f["metrics"].get(m) for f in ok]
            if any(v is not None for v in values):
                sys_["secondary"][m] = scoring.mean_std(values)[0]
        for key in ("train_s", "predict_ms_per_1k", "bundle_kib"):
            sys_[key] = scoring.mean_std([f.get(key) for f in ok])[0]
    means = [s["mean"] for s in ds["systems"].values() if s["failed_folds"] < len(s["folds"])]
    best = None
    for m in means:
        if best is None or scoring.better(main, m, best):
            best = m
    ds["best_mean"] = best
    for s in ds["systems"].values():
        s["normalized"] = scoring.normalized(s["mean"], ds["constant_mean"], best)


def find_defects(results, budgets):
    defects, wtl = [], {}
    for name, ds in results["datasets"].items():
        main = MAIN_METRIC[ds["task"]]
        peers = {k: v for k, v in ds["systems"].items() if not k.startswith("tabpilot")}
        for sysname, s in ds["systems"].items():
            for i, f in enumerate(s["folds"]):
                if f["status"] != "ok":
                    kind = "crash" if sysname.startswith("tabpilot") else "peer failure"
                    defects.append({"dataset": name, "system": sysname, "fold": i,
                                    "kind": kind, "message": f.get("message"),
                                    "command": f.get("command")})
                elif f.get("over_budget"):
                    defects.append({"dataset": name, "system": sysname, "fold": i,
                                    "kind": "budget overrun",
                                    "message": f"train took {f['train_s']:.1f} s for "
                                               f"--time-limit {f['budget']:g} "
                                               f"(+{(f['train_s'] / f['budget'] - 1) * 100:.0f}%)",
                                    "command": f.get("train_command")})
        ok_peers = {k: v for k, v in peers.items() if v["failed_folds"] < len(v["folds"])}
        for sysname, s in ds["systems"].items():
            if not sysname.startswith("tabpilot") or s["mean"] is None:
                continue
            if ok_peers:
                best_peer = max(ok_peers, key=lambda k: ok_peers[k]["mean"]
                                if scoring.better(main, 1, 0) else -ok_peers[k]["mean"])
                bp = ok_peers[best_peer]
                tol = max(s["std"] or 0.0, bp["std"] or 0.0)
                if scoring.better(main, bp["mean"], s["mean"]) and \
                        abs(bp["mean"] - s["mean"]) > tol:
                    defects.append({
                        "dataset": name, "system": sysname, "kind": "worse than best peer",
                        "message": f"{main} {s['mean']:.4f} vs {best_peer} "
                                   f"{bp['mean']:.4f} (tolerance {tol:.4f})"})
            for peer, p in peers.items():
                if p["mean"] is None:
                    continue
                outcome = scoring.compare(main, s["mean"], s["std"], p["mean"], p["std"])
                counts = wtl.setdefault(sysname, {}).setdefault(
                    peer, {"win": 0, "tie": 0, "loss": 0})
                counts[outcome] += 1
    return defects, wtl


def system_order(results):
    names = []
    for ds in results["datasets"].values():
        for k in ds["systems"]:
            if k not in names:
                names.append(k)
    def budget(k):
        return float(k.split("@")[1].rstrip("s")) if "@" in k else 0.0
    return sorted(names, key=lambda k: (not k.startswith("tabpilot"),
                                        PEERS.index(k) if k in PEERS else 0, budget(k)))


def render(results):
    """The Markdown report: defects, the per-dataset table, the summary."""
    lines = []
    d = results["defects"]
    tp_defects = [x for x in d if x["kind"] != "peer failure"]
    lines.append(f"**Defects ({len(tp_defects)})**" + ("" if tp_defects else ": none"))
    lines.append("")
    for x in d:
        where = f"{x['dataset']} fold {x['fold']}" if "fold" in x else x["dataset"]
        cmd = f" — `{x['command']}`" if x.get("command") else ""
        lines.append(f"- {x['kind']}: {x['system']} on {where}: {x['message']}{cmd}")
    if d:
        lines.append("")
    warns = [(n, s, i, w) for n, ds in results["datasets"].items()
             for s, sy in ds["systems"].items() for i, f in enumerate(sy["folds"])
             for w in f.get("warnings", [])]
    for n, s, i, w in warns:
        lines.append(f"- warning: {s} on {n} fold {i}: {w}")
    if warns:
        lines.append("")
    lines.append("| dataset | protocol | metric | system | mean ± std | normalized | "
                 "secondary | train s | predict ms/1k | bundle KiB | failed folds |")
    lines.append("|---|---|---|---|---:|---:|---|---:|---:|---:|---:|")
    order = system_order(results)
    for name, ds in results["datasets"].items():
        main = MAIN_METRIC[ds["task"]]
        protocol = ds["protocol"] + (f", {ds['folds_run']} run" if ds["folds_run"] !=
                                     ds["n_folds"] else "")
        lines.append(f"| {name} | {protocol} | {main} | constant | "
                     f"{fmt(ds['constant_mean'])} | 0 | | | | | |")
        for sysname in order:
            s = ds["systems"].get(sysname)
            if s is None:
                continue
            std = f" ± {fmt(s['std'])}" if s["std"] is not None else ""
            sec = ", ".join(f"{m} {fmt(v)}" for m, v in s["secondary"].items())
            lines.append(
                f"| {name} | | {main} | {sysname} | {fmt(s['mean'])}{std} | "
                f"{fmt(s['normalized'], 3)} | {sec} | {fmt(s['train_s'], 1)} | "
                f"{fmt(s['predict_ms_per_1k'], 2)} | {fmt(s['bundle_kib'], 0)} | "
                f"{s['failed_folds'] or ''} |")
    lines.append("")
    lines.append("| system | mean normalized score | datasets | "
                 + " | ".join(f"tabpilot vs {p} (W/T/L)" for p in PEERS
                              if p in order) + " |")
    lines.append("|---|---:|---:|" + "---|" * len([p for p in PEERS if p in order]))
    for sysname in order:
        mean_norm = results["summary"]["mean_normalized"].get(sysname)
        n = results["summary"]["datasets_scored"].get(sysname, 0)
        cells = []
        for p in PEERS:
            if p not in order:
                continue
            c = results["summary"]["wtl"].get(sysname, {}).get(p)
            cells.append(f"{c['win']}/{c['tie']}/{c['loss']}" if c else "")
        lines.append(f"| {sysname} | {fmt(mean_norm, 3)} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine_description():
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, {model}; load average {load} at the end"


def git_commit():
    out = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def plot(results, path):
    import matplotlib
    import matplotlib.ticker
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = list(results["datasets"])
    cols = min(3, len(names))
    rows = (len(names) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.4 * rows), squeeze=False)
    budgets = results["meta"]["budgets"]
    for ax, name in zip(axes.flat, names):
        ds = results["datasets"][name]
        main = MAIN_METRIC[ds["task"]]
        xs, ys, es = [], [], []
        for b in budgets:
            s = ds["systems"].get(f"tabpilot@{b:g}s")
            if s and s["mean"] is not None:
                xs.append(b)
                ys.append(s["mean"])
                es.append(s["std"] or 0.0)
        ax.errorbar(xs, ys, yerr=es, marker="o", capsize=3, color="black", label="tabpilot")
        for i, (sysname, s) in enumerate(ds["systems"].items()):
            if sysname.startswith("tabpilot") or s["mean"] is None:
                continue
            ax.axhline(s["mean"], linestyle="--", linewidth=1, color=f"C{i}", label=sysname)
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xticks(budgets)
        ax.set_xticklabels([f"{b:g}" for b in budgets])
        ax.set_xlabel("tabpilot --time-limit (s)")
        ax.set_ylabel(main + (" (higher is better)" if scoring.better(main, 1, 0)
                              else " (lower is better)"))
        runs = (f", {ds['folds_run']} fold run" if ds["folds_run"] != ds["n_folds"] else "")
        ax.set_title(f"{name} ({ds['protocol']}{runs})", fontsize=9)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.suptitle(f"tabpilot vs peers: {results['meta']['suite']} suite, "
                 f"{results['meta']['threads']} threads, {results['meta']['date'][:10]}")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def append_docs(results, table):
    meta = results["meta"]
    budgets = ", ".join(f"{b:g}" for b in meta["budgets"])
    f1_note = ""
    if meta.get("peer_threshold_folds"):
        f1_note = (" Binary f1: at tabpilot's bundle threshold (0.5 under --metric auc) "
                   "and at 0.5 for peers; f1_tuned: a peer's F1 at the threshold that "
                   f"maximizes F1 on its own {meta['peer_threshold_folds']}-fold "
                   "out-of-fold predictions on the training fold.")
    entry = [
        "",
        f"## {meta['date'][:16].replace('T', ' ')} UTC: benchmark suite '{meta['suite']}' "
        f"(tabpilot --time-limit {budgets} s)",
        "",
        f"- machine: {meta['machine']}",
        f"- command: `{meta['command']}`",
        f"- repo at {meta['commit']}; threads {meta['threads']}, seed {meta['seed']}; "
        f"folds as in the protocol column; raw results: `{meta.get('results_file', '-')}`",
        "- metrics are test-fold means ± std over folds (a single split: bootstrap std "
        "over its test rows); normalized: 0 = constant predictor of the training fold, "
        "1 = best system in this run; tie = within the larger of the two stds; a failed "
        "fold scores as the constant predictor. tabpilot train s / predict ms are CLI "
        "wall times (process start and CSV parsing included); peers' are in-process fit / "
        "predict on loaded frames; peers' bundle = pickled pipeline." + f1_note,
        "",
        table,
        "",
    ]
    with open(REPO_ROOT / "docs" / "benchmarks.md", "a", encoding="utf-8") as f:
        f.write("\n".join(entry))


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Checkpoint:
    """Finished folds of one run, as JSON lines: a header naming what the run
    is (arguments, tabpilot binary, peer script), then one line per fold."""

    def __init__(self, path, identity):
        self.path = Path(path)
        self.folds = {}
        if self.path.exists() and self.path.stat().st_size > 0:
            lines = self.path.read_text().splitlines()
            try:
                header = json.loads(lines[0])
                entries = [json.loads(line) for line in lines[1:] if line.strip()]
            except (json.JSONDecodeError, IndexError) as e:
                raise ValueError(f"{self.path}: not a checkpoint ({e})") from e
            if header.get("identity") != identity:
                changed = sorted(k for k in set(identity) | set(header.get("identity", {}))
                                 if identity.get(k) != header.get("identity", {}).get(k))
                raise ValueError(f"{self.path}: made by another run (differs in: "
                                 f"{', '.join(changed)}); use a new checkpoint file")
            for e in entries:
                self.folds[(e["dataset"], e["fold"])] = e
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps({"identity": identity}) + "\n")

    def get(self, dataset, fold):
        return self.folds.get((dataset, fold))

    def add(self, dataset, fold, constant, records):
        entry = {"dataset": dataset, "fold": fold, "constant": constant, "records": records}
        # One line per fold, flushed at once: a run killed mid-write loses at
        # most that line, which json.loads then rejects on resume.
        with open(self.path, "a") as f:
            f.write(json.dumps(entry) + "\n")
        self.folds[(dataset, fold)] = entry


def run_identity(args, folds):
    peers_script = BENCH_DIR / "peers.py"
    return {
        # Which datasets and how many folds of each may change between
        # sittings: a (dataset, fold) result does not depend on them.
        "folds": folds, "budgets": args.budgets, "threads": args.threads, "seed": args.seed,
        "systems": args.systems, "peer_timeout": args.peer_timeout,
        "peer_threshold_folds": args.peer_threshold_folds,
        "tabpilot_sha256": (file_sha256(args.tabpilot) if "tabpilot" in args.systems else None),
        "peers_sha256": file_sha256(peers_script),
        "scoring_sha256": file_sha256(SUITE_DIR / "scoring.py"),
    }


def main(argv):
    args = parse_args(argv)
    if args.from_results:
        # Re-render a saved run (e.g. one run with --no-append) and append it.
        results = json.loads(Path(args.from_results).read_text())
        table = render(results)
        print(table)
        if not args.no_append:
            append_docs(results, table)
            log("suite: appended the entry to docs/benchmarks.md")
        return 0
    suite = load_suite(args.suite)
    names = suite["datasets"]
    if args.datasets:
        wanted = [d.strip() for d in args.datasets.split(",") if d.strip()]
        unknown = [d for d in wanted if d not in SPECS]
        if unknown:
            print(f"suite: error: unknown datasets {unknown}", file=sys.stderr)
            return 2
        names = wanted
        suite["name"] = "custom"
    folds = args.folds or suite.get("folds") or 5
    cache = prep.default_cache_dir()
    args.tabpilot = os.environ.get("TABPILOT_BIN",
                                   str(REPO_ROOT / "build" / "src" / "cli" / "tabpilot"))
    args.peers_python = os.environ.get("PEERS_PYTHON", "/usr/bin/python3")
    if "tabpilot" in args.systems and not os.access(args.tabpilot, os.X_OK):
        print(f"suite: error: no tabpilot binary at {args.tabpilot} (set TABPILOT_BIN)",
              file=sys.stderr)
        return 2
    checkpoint = None
    if args.checkpoint:
        try:
            checkpoint = Checkpoint(args.checkpoint, run_identity(args, folds))
        except ValueError as e:
            print(f"suite: error: checkpoint: {e}", file=sys.stderr)
            return 2
        if checkpoint.folds:
            log(f"suite: resuming: {len(checkpoint.folds)} folds already in {args.checkpoint}")
    date = datetime.datetime.now(datetime.timezone.utc)
    results = {"meta": {
        "date": date.isoformat(timespec="seconds"), "suite": suite["name"],
        "command": shlex.join(["bench/suite/run.py"] + argv),
        "budgets": args.budgets, "threads": args.threads, "seed": args.seed,
        "folds": folds, "run_folds": args.run_folds, "systems": args.systems,
        "peer_threshold_folds": args.peer_threshold_folds,
        "commit": git_commit(), "python": platform.python_version(),
        "checkpoint_folds_reused": len(checkpoint.folds) if checkpoint else 0,
    }, "datasets": {}}

    for name in names:
        try:
            meta = prep.prepare(name, cache, folds, args.seed, log=log)
        except prep.PrepareError as e:
            print(f"suite: error: prepare {name}: {e}", file=sys.stderr)
            return 2
        n_run = min(meta["n_folds"], args.run_folds or meta["n_folds"])
        ds = {"task": meta["task"], "protocol": meta["protocol"], "n_folds": meta["n_folds"],
              "folds_run": n_run, "rows": meta["rows"], "constant": [], "systems": {}}
        results["datasets"][name] = ds
        for k in range(n_run):
            saved = checkpoint.get(name, k) if checkpoint else None
            if saved:
                ds["constant"].append(saved["constant"])
                records = saved["records"]
            else:
                fold_dir = Path(meta["dir"]) / f"fold_{k}"
                work = cache / "_runs" / name / Path(meta["dir"]).name / f"fold_{k}"
                work.mkdir(parents=True, exist_ok=True)
                target = meta["target"]
                truth = {"y_train": scoring.read_column(fold_dir / "train.csv", target),
                         "y_test": scoring.read_column(fold_dir / "test.csv", target)}
                ds["constant"].append(scoring.constant_score(
                    meta["task"], truth["y_train"], truth["y_test"], meta.get("classes"),
                    meta.get("positive_label")))
                records = []
                if "tabpilot" in args.systems:
                    for b in args.budgets:
                        records.append(run_tabpilot(args, meta, fold_dir, work, b, truth))
                for peer in (s for s in args.systems if s in PEERS):
                    records.append(run_peer(args, meta, fold_dir, work, peer, truth))
                if checkpoint:
                    checkpoint.add(name, k, ds["constant"][-1], records)
            for rec in records:
                key = rec["system"]
                if key.startswith("tabpilot") and len(args.budgets) == 1:
                    key = "tabpilot"
                ds["systems"].setdefault(key, {"folds": []})["folds"].append(rec)
                shown = (" ".join(f"{m}={v:.4f}" for m, v in rec["metrics"].items()
                                  if v is not None)
                         if rec["status"] == "ok" else f"{rec['status']}: {rec['message']}")
                log(f"[{name} fold {k}] {key}: {shown} train={rec.get('train_s', 0):.1f}s"
                    + (" (from the checkpoint)" if saved else ""))
        aggregate(ds, n_run)

    defects, wtl = find_defects(results, args.budgets)
    results["defects"] = defects
    order = system_order(results)
    results["summary"] = {
        "mean_normalized": {},
        "datasets_scored": {},
        "wtl": wtl,
    }
    for sysname in order:
        vals = [ds["systems"][sysname]["normalized"] for ds in results["datasets"].values()
                if sysname in ds["systems"] and ds["systems"][sysname]["normalized"] is not None]
        results["summary"]["mean_normalized"][sysname] = (sum(vals) / len(vals)
                                                          if vals else None)
        results["summary"]["datasets_scored"][sysname] = len(vals)
    results["meta"]["machine"] = machine_description()

    stem = f"{date:%Y-%m-%d}-{suite['name']}" + (f"-{args.tag}" if args.tag else "")
    results_dir = BENCH_DIR / "results"
    # Never overwrite an earlier run's files (docs entries link to them).
    if (results_dir / f"{stem}.json").exists() or (results_dir / f"{stem}-budgets.png").exists():
        stem += f"-{date:%H%M}"
    if not args.no_results:
        results_dir.mkdir(exist_ok=True)
        out = results_dir / f"{stem}.json"
        results["meta"]["results_file"] = str(out.relative_to(REPO_ROOT))
        out.write_text(json.dumps(results, indent=1) + "\n")
        log(f"suite: wrote {out}")
    if len(args.budgets) > 1 or args.plot:
        png = results_dir / f"{stem}-budgets.png"
        results_dir.mkdir(exist_ok=True)
        plot(results, png)
        log(f"suite: wrote {png}")
    table = render(results)
    print(table)
    if not args.no_append:
        append_docs(results, table)
        log("suite: appended the entry to docs/benchmarks.md")
    return 1 if any(d["kind"] != "peer failure" for d in defects) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
