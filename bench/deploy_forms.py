#!/usr/bin/python3
"""The two forms of one bundle: bagged (every fold model) against full (each
member refit on all rows), on the quick suite's datasets and, with --adult,
on Adult's official split.

Usage:
  bench/deploy_forms.py [--suite quick|full|FILE] [--datasets a,b] [--time-limit 60]
                        [--threads 1] [--seed 0] [--run-folds N] [--adult]
                        [--accurate-reference] [--no-append] [--no-results] [--tag NAME]

Per dataset and fold (the suite's folds, prepared by suite/prepare.py), and
for Adult (bench/prepare_adult.py's adult_train.csv / adult_test.csv):
  tabpilot train --time-limit B once (the bundle holds both forms), then for
  each form F in bagged, full:
    tabpilot predict --form F (scored by suite/scoring.py: the suite's metrics),
    tabpilot evaluate --form F (cross-checked against those figures),
    tabpilot export --form F (the slim copy a deployment would ship),
  and the bytes each form reads: the files the manifest lists for it (feature
  pipelines, the member models it serves, the leaderboard) plus manifest.json
  and digest.json.
With --accurate-reference each fold also trains a second bundle with
`--cost-tolerance 0` (the most accurate ensemble, whatever it costs to
serve) and a second table compares what `tabpilot predict` serves by default
(the first bundle's default form: the cheapest ensemble within noise, refit)
against that bundle's bagged form, the same way.

The difference full - bagged of the main metric (binary AUC, multiclass
logloss, regression RMSE) is compared with its noise: a paired bootstrap over
each fold's test rows (the same resample for both forms), combined over the
folds as the standard error of the mean difference. "worse" / "better" is a
mean difference beyond two of those standard errors; otherwise "tie".

Outputs: one Markdown table on stdout, bench/results/<date>-deploy-forms[-TAG].json
and a dated entry appended to docs/benchmarks.md (unless --no-append /
--no-results). Environment as bench/suite/run.py: TABPILOT_BIN,
TABPILOT_DATASETS, TABPILOT_SUITE_CACHE. Every child gets
OMP_WAIT_POLICY=PASSIVE. Exit status 0, or 2 when a step failed.
"""

import argparse
import datetime
import json
import math
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
SUITE_DIR = BENCH_DIR / "suite"
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(SUITE_DIR))
sys.path.insert(1, str(BENCH_DIR))

import prepare as prep  # noqa: E402
import run as suite  # noqa: E402
import scoring  # noqa: E402
from specs import HIGHER_IS_BETTER, MAIN_METRIC, SECONDARY, TABPILOT_METRIC  # noqa: E402

FORMS = ("bagged", "full")
BOOTSTRAP = 200


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def parse_args(argv):
    p = argparse.ArgumentParser(description="bagged vs full form of the same bundles")
    p.add_argument("--suite", default="quick")
    p.add_argument("--datasets", default=None, help="comma-separated subset of the suite")
    p.add_argument("--time-limit", type=float, default=60.0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--run-folds", type=int, default=None, help="only the first N folds")
    p.add_argument("--adult", action="store_true",
                   help="also Adult's official split (bench/prepare_adult.py)")
    p.add_argument("--accurate-reference", action="store_true",
                   help="also train with --cost-tolerance 0 and compare the default deployment with its bagged form")
    p.add_argument("--tag", default="")
    p.add_argument("--no-append", action="store_true")
    p.add_argument("--no-results", action="store_true")
    args = p.parse_args(argv)
    args.tabpilot = os.environ.get("TABPILOT_BIN", str(REPO_ROOT / "build/src/cli/tabpilot"))
    return args


class StepFailed(Exception):
    pass


def tabpilot(args, work, name, *cmd):
    cmd = [args.tabpilot] + [str(c) for c in cmd]
    rc, wall, tail = suite.run_cmd(cmd, work / f"{name}.log", 3 * args.time_limit + 600)
    if rc != 0:
        raise StepFailed(f"{suite.display_command(cmd)} exited {rc}: {tail}")
    return wall, suite.display_command(cmd)


def form_bytes(model, form):
    """Bytes a load of `form` reads: the files the manifest lists for it plus
    manifest.json and digest.json."""
    manifest = json.loads((model / "manifest.json").read_text())
    files = manifest["files"]
    names = list(manifest["feature_pipelines"].values())
    names += [n for n in ("leaderboard.json", "leaderboard.csv") if n in files]
    for m in manifest["members"]:
        names += [m["full"]] if form == "full" and "full" in m else m["folds"]
    total = sum(files[n]["size"] for n in names)
    return total + sum((model / n).stat().st_size for n in ("manifest.json", "digest.json"))


def dir_bytes(path):
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def paired_bootstrap(task, y, preds, classes, positive, seed=0, a="full", b="bagged"):
    """Bootstrap standard deviation of main(preds[a]) - main(preds[b]) over
    the test rows, both scored on the same resample."""
    rng = np.random.default_rng(seed)
    y = np.asarray(y, dtype=float) if task == "regression" else scoring.encode(y, classes)
    diffs = []
    for _ in range(BOOTSTRAP):
        idx = rng.integers(0, len(y), len(y))
        if task == "binary" and len(np.unique(y[idx])) < 2:
            continue
        ma = scoring.main_metric(task, y[idx], preds[a][idx], classes, positive)
        mb = scoring.main_metric(task, y[idx], preds[b][idx], classes, positive)
        diffs.append(ma - mb)
    return float(np.std(diffs, ddof=1))


def train_cmd(args, meta, train, model):
    task = meta["task"]
    cmd = ["train", "--data", train, "--target", meta["target"], "--time-limit", f"{args.time_limit:g}",
           "--output", model, "--threads", args.threads, "--seed", args.seed,
           "--problem-type", task, "--metric", TABPILOT_METRIC[task]]
    if task == "binary":
        cmd += ["--positive-label", meta["positive_label"]]
    return cmd


def accurate_reference(args, meta, train, test, work, y_test, preds, rec):
    """The most accurate ensemble's bagged form (a training with
    --cost-tolerance 0) beside the default deployment of `rec`'s bundle."""
    task = meta["task"]
    classes, positive = meta.get("classes"), meta.get("positive_label")
    model = work / "model-accurate"
    shutil.rmtree(model, ignore_errors=True)
    _, command = tabpilot(args, work, "train-accurate", *train_cmd(args, meta, train, model), "--cost-tolerance", "0")
    manifest = json.loads((model / "manifest.json").read_text())
    out = work / "preds-accurate.csv"
    wall, _ = tabpilot(args, work, "predict-accurate", "predict", "--model", model, "--data", test,
                       "--output", out, "--threads", args.threads, "--form", "bagged", "--quiet")
    pred, hard = scoring.read_predictions(out, task, classes, len(y_test))
    preds["accurate"] = pred
    rec["accurate_members"] = len(manifest["members"])
    rec["accurate_train_command"] = command
    rec["by_form"]["accurate"] = {
        "metrics": scoring.score(task, y_test, pred, classes, positive, hard),
        "predict_ms_per_1k": wall / len(y_test) * 1e6, "bytes": form_bytes(model, "bagged")}
    main = MAIN_METRIC[task]
    deployed = rec["default_form"] or "bagged"
    rec["diff_deployed_main"] = (rec["by_form"][deployed]["metrics"][main]
                                 - rec["by_form"]["accurate"]["metrics"][main])
    rec["diff_deployed_std"] = paired_bootstrap(task, y_test, preds, classes, positive, a=deployed, b="accurate")
    shutil.rmtree(model, ignore_errors=True)


def run_fold(args, meta, train, test, work):
    """Trains once and measures both forms; returns the fold's record."""
    task, target = meta["task"], meta["target"]
    model = work / "model"
    shutil.rmtree(model, ignore_errors=True)
    wall, command = tabpilot(args, work, "train", *train_cmd(args, meta, train, model))
    manifest = json.loads((model / "manifest.json").read_text())
    rec = {"train_s": wall, "train_command": command, "forms": manifest.get("forms"),
           "default_form": manifest.get("default_form"),
           "members": len(manifest["members"]),
           "members_refitted": manifest["training"].get("members_refitted"),
           "num_folds": manifest["training"].get("num_folds"), "by_form": {}}
    y_test = scoring.read_column(test, target)
    classes, positive = meta.get("classes"), meta.get("positive_label")
    preds = {}
    for form in FORMS:
        out = work / f"preds-{form}.csv"
        wall, _ = tabpilot(args, work, f"predict-{form}", "predict", "--model", model, "--data", test,
                           "--output", out, "--threads", args.threads, "--form", form, "--quiet")
        pred, hard = scoring.read_predictions(out, task, classes, len(y_test))
        preds[form] = pred
        metrics = scoring.score(task, y_test, pred, classes, positive, hard)
        report = work / f"report-{form}.json"
        tabpilot(args, work, f"evaluate-{form}", "evaluate", "--model", model, "--data", test,
                 "--output", report, "--threads", args.threads, "--form", form, "--quiet")
        section = json.loads(report.read_text())[suite.REPORT_SECTION[task]]
        main = MAIN_METRIC[task]
        reported = float(section[suite.REPORT_KEY.get(main, main)]["value"])
        slim = work / f"export-{form}"
        tabpilot(args, work, f"export-{form}", "export", "--model", model, "--form", form,
                 "--output", slim, "--quiet")
        rec["by_form"][form] = {
            "metrics": metrics, "evaluate_main": reported,
            "evaluate_agrees": abs(reported - metrics[main]) <= suite.CROSS_CHECK_TOL,
            "predict_ms_per_1k": wall / len(y_test) * 1e6,
            "bytes": form_bytes(model, form), "export_bytes": dir_bytes(slim)}
        shutil.rmtree(slim, ignore_errors=True)
    rec["bundle_bytes"] = dir_bytes(model)
    main = MAIN_METRIC[task]
    rec["diff_main"] = rec["by_form"]["full"]["metrics"][main] - rec["by_form"]["bagged"]["metrics"][main]
    rec["diff_bootstrap_std"] = paired_bootstrap(task, y_test, preds, classes, positive)
    shutil.rmtree(model, ignore_errors=True)
    if args.accurate_reference:
        accurate_reference(args, meta, train, test, work, y_test, preds, rec)
    return rec


def summarize(name, task, protocol, folds):
    main = MAIN_METRIC[task]
    metrics = (main,) + tuple(m for m in SECONDARY[task] if m in ("logloss", "f1", "macro_f1"))
    out = {"dataset": name, "task": task, "protocol": protocol, "folds": folds, "metric": main}
    for form in FORMS:
        for m in metrics:
            out[f"{form}_{m}"] = float(np.mean([f["by_form"][form]["metrics"][m] for f in folds]))
        out[f"{form}_bytes"] = float(np.mean([f["by_form"][form]["bytes"] for f in folds]))
        out[f"{form}_export_bytes"] = float(np.mean([f["by_form"][form]["export_bytes"] for f in folds]))
        out[f"{form}_predict_ms_per_1k"] = float(np.mean([f["by_form"][form]["predict_ms_per_1k"]
                                                         for f in folds]))
    diffs = [f["diff_main"] for f in folds]
    out["diff"] = float(np.mean(diffs))
    # Standard error of the mean difference: the bootstrap's within-fold
    # noise, or the spread between folds when that is larger.
    boot = math.sqrt(sum(f["diff_bootstrap_std"] ** 2 for f in folds)) / len(folds)
    spread = float(np.std(diffs, ddof=1)) / math.sqrt(len(diffs)) if len(diffs) > 1 else 0.0
    out["diff_se"] = max(boot, spread)
    gain = out["diff"] if HIGHER_IS_BETTER[main] else -out["diff"]
    out["verdict"] = ("better" if gain > 2 * out["diff_se"]
                      else "worse" if gain < -2 * out["diff_se"] else "tie")
    if "bagged_logloss" in out and main != "logloss":
        out["diff_logloss"] = out["full_logloss"] - out["bagged_logloss"]
    out["refitted"] = f"{sum(f['members_refitted'] or 0 for f in folds)}/{sum(f['members'] for f in folds)}"
    if "accurate" in folds[0]["by_form"]:
        deployed = folds[0]["default_form"] or "bagged"
        out["deployed_form"] = deployed
        for m in metrics:
            out[f"accurate_{m}"] = float(np.mean([f["by_form"]["accurate"]["metrics"][m] for f in folds]))
        for key in ("bytes", "predict_ms_per_1k"):
            out[f"accurate_{key}"] = float(np.mean([f["by_form"]["accurate"][key] for f in folds]))
        diffs = [f["diff_deployed_main"] for f in folds]
        out["deployed_diff"] = float(np.mean(diffs))
        boot = math.sqrt(sum(f["diff_deployed_std"] ** 2 for f in folds)) / len(folds)
        spread = float(np.std(diffs, ddof=1)) / math.sqrt(len(diffs)) if len(diffs) > 1 else 0.0
        out["deployed_diff_se"] = max(boot, spread)
        gain = out["deployed_diff"] if HIGHER_IS_BETTER[main] else -out["deployed_diff"]
        out["deployed_verdict"] = ("better" if gain > 2 * out["deployed_diff_se"]
                                   else "worse" if gain < -2 * out["deployed_diff_se"] else "tie")
        out["members_accurate_to_deployed"] = (f"{sum(f['accurate_members'] for f in folds)} → "
                                               f"{sum(f['members'] for f in folds)}")
    return out


def render_deployed(summaries):
    """The default deployment against the most accurate ensemble's bagged form."""
    lines = ["| dataset | metric | most accurate, bagged | deployed (default) | deployed - accurate (± 1 SE) "
             "| verdict | logloss accurate → deployed | F1 accurate → deployed | members accurate → deployed "
             "| bytes accurate → deployed | predict ms/1k accurate → deployed |",
             "|---|---|---:|---:|---:|---|---|---|---|---|---|"]
    for s in summaries:
        if "deployed_diff" not in s:
            continue
        m, d = s["metric"], s["deployed_form"]
        ll = (f"{s['accurate_logloss']:.4f} → {s[f'{d}_logloss']:.4f}" if "accurate_logloss" in s else "-")
        f1_name = "f1" if "accurate_f1" in s else "macro_f1" if "accurate_macro_f1" in s else None
        f1 = (f"{s[f'accurate_{f1_name}']:.4f} → {s[f'{d}_{f1_name}']:.4f}" if f1_name else "-")
        lines.append(
            f"| {s['dataset']} ({s['protocol']}) | {m} | {s[f'accurate_{m}']:.4f} | {s[f'{d}_{m}']:.4f} "
            f"| {s['deployed_diff']:+.4f} ± {s['deployed_diff_se']:.4f} | {s['deployed_verdict']} | {ll} | {f1} "
            f"| {s['members_accurate_to_deployed']} | {s['accurate_bytes'] / 1024:.0f} KiB → "
            f"{s[f'{d}_bytes'] / 1024:.0f} KiB | {s['accurate_predict_ms_per_1k']:.0f} → "
            f"{s[f'{d}_predict_ms_per_1k']:.0f} |")
    return "\n".join(lines) if len(lines) > 2 else ""


def render(summaries):
    lines = ["| dataset | metric | bagged | full | full - bagged (± 1 SE) | verdict | logloss bagged → full "
             "| F1 bagged → full | refit members | bytes bagged | bytes full | full / bagged "
             "| predict ms/1k bagged → full |",
             "|---|---|---:|---:|---:|---|---|---|---:|---:|---:|---:|---|"]
    for s in summaries:
        m = s["metric"]
        ll = (f"{s['bagged_logloss']:.4f} → {s['full_logloss']:.4f}"
              if "diff_logloss" in s else "-")
        f1_name = "f1" if "bagged_f1" in s else "macro_f1" if "bagged_macro_f1" in s else None
        f1 = (f"{s[f'bagged_{f1_name}']:.4f} → {s[f'full_{f1_name}']:.4f}"
              + (" (macro)" if f1_name == "macro_f1" else "")
              if f1_name else "-")
        lines.append(
            f"| {s['dataset']} ({s['protocol']}) | {m} | {s[f'bagged_{m}']:.4f} | {s[f'full_{m}']:.4f} "
            f"| {s['diff']:+.4f} ± {s['diff_se']:.4f} | {s['verdict']} | {ll} | {f1} | {s['refitted']} "
            f"| {s['bagged_bytes'] / 1024:.0f} KiB | {s['full_bytes'] / 1024:.0f} KiB "
            f"| {s['full_bytes'] / s['bagged_bytes']:.3f} "
            f"| {s['bagged_predict_ms_per_1k']:.0f} → {s['full_predict_ms_per_1k']:.0f} |")
    return "\n".join(lines)


def suite_datasets(args, cache, work):
    spec = suite.load_suite(args.suite)
    names = spec["datasets"]
    if args.datasets:
        names = [d for d in args.datasets.split(",") if d]
    for name in names:
        meta = prep.prepare(name, cache, spec.get("folds", 5), args.seed, log=log)
        n = meta["n_folds"] if args.run_folds is None else min(args.run_folds, meta["n_folds"])
        folds = [(Path(meta["dir"]) / f"fold_{k}" / "train.csv", Path(meta["dir"]) / f"fold_{k}" / "test.csv")
                 for k in range(n)]
        yield name, meta, meta["protocol"], folds


def adult_dataset(work):
    data = work / "adult-data"
    subprocess.run([sys.executable, str(BENCH_DIR / "prepare_adult.py"), str(data)], check=True,
                   stdout=subprocess.DEVNULL)
    labels = scoring.read_column(data / "adult_train.csv", "income")
    meta = {"task": "binary", "target": "income", "classes": sorted(set(labels)),
            "positive_label": ">50K"}
    return "adult", meta, "official split", [(data / "adult_train.csv", data / "adult_test.csv")]


def append_docs(results, table):
    meta = results["meta"]
    entry = [
        "",
        f"## {meta['date'][:16].replace('T', ' ')} UTC: bagged vs full form of the same bundles "
        f"(tabpilot --time-limit {meta['time_limit']:g} s)",
        "",
        f"- machine: {meta['machine']}",
        f"- command: `{meta['command']}`",
        f"- repo at {meta['commit']}; threads {meta['threads']}, seed {meta['seed']}; raw results: "
        f"`{meta.get('results_file', '-')}`",
        "- one training per fold; both forms of that bundle predict the same test rows (`--form bagged`, "
        "`--form full`). Metrics: means over folds, scored by bench/suite/scoring.py from the predictions. "
        "SE: standard error of the mean difference (paired bootstrap over each fold's test rows, or the "
        "spread between folds when larger); worse / better = beyond 2 SE. Bytes: the files a load of the "
        "form reads (features, the member models it serves, leaderboard, manifest, digest). refit members: "
        "members with a model of their own on all rows / all members (own-OOF forests and kNN are one model "
        "already and count as refit).",
        "",
        table,
        "",
    ]
    with open(REPO_ROOT / "docs" / "benchmarks.md", "a", encoding="utf-8") as f:
        f.write("\n".join(entry))


def main(argv):
    args = parse_args(argv)
    cache = Path(os.environ.get("TABPILOT_SUITE_CACHE", prep.default_cache_dir()))
    started = datetime.datetime.now(datetime.timezone.utc)
    summaries, raw = [], {}
    with tempfile.TemporaryDirectory(prefix="deploy-forms-") as tmp:
        work = Path(tmp)
        datasets = list(suite_datasets(args, cache, work))
        if args.adult:
            datasets.append(adult_dataset(work))
        for name, meta, protocol, folds in datasets:
            if not folds:
                continue
            records = []
            for k, (train, test) in enumerate(folds):
                log(f"deploy-forms: {name} fold {k}")
                try:
                    records.append(run_fold(args, meta, train, test, work))
                except (StepFailed, scoring.ScoreError) as e:
                    log(f"deploy-forms: {name} fold {k} failed: {e}")
                    return 2
            raw[name] = {"task": meta["task"], "protocol": protocol, "folds": records}
            summaries.append(summarize(name, meta["task"], protocol, records))
            log(render(summaries[-1:]))
    table = render(summaries)
    deployed_table = render_deployed(summaries)
    if deployed_table:
        table += ("\n\nThe default deployment (the cheapest ensemble within one standard error, its default "
                  "form) against the most accurate ensemble's bagged form (a second training with "
                  "`--cost-tolerance 0`), on the same test rows:\n\n" + deployed_table)
    print(table)
    command = "bench/deploy_forms.py " + shlex.join(argv)
    results = {"meta": {"date": started.isoformat(), "command": command.strip(),
                        "commit": suite.git_commit(), "machine": suite.machine_description(),
                        "python": platform.python_version(), "threads": args.threads,
                        "seed": args.seed, "time_limit": args.time_limit},
               "summaries": summaries, "datasets": raw}
    if not args.no_results:
        stem = f"{started:%Y-%m-%d}-deploy-forms" + (f"-{args.tag}" if args.tag else "")
        out = REPO_ROOT / "bench" / "results" / f"{stem}.json"
        results["meta"]["results_file"] = str(out.relative_to(REPO_ROOT))
        out.write_text(json.dumps(results, indent=1) + "\n")
        log(f"deploy-forms: wrote {out}")
    if not args.no_append:
        append_docs(results, table)
        log("deploy-forms: appended the entry to docs/benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
