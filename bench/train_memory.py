#!/usr/bin/python3
"""Training on large tables: peak memory, time and accuracy against one XGBoost.

Usage: bench/train_memory.py [--rows N[,N...]] [--time-limit S[,S...]]
                             [--threads T] [--before BIN] [--bin BIN]
                             [--no-peer] [--tag TAG] [--no-append]
                             [--keep-logs DIR] [--table adult|synthetic]
                             [--groups] [--cost-tolerance SE]
                             [--memory-limit GB]

For each size N (default 100,000 and 1,000,000 rows) builds a training CSV
from Adult's training rows repeated and jittered (fnlwgt moved by up to
+-500 and age by up to +-1, seeded, so rows are not exact copies; the file
lives in a temp folder), then measures, one run each:
  ours     `tabpilot train --target income --time-limit S` (default: 60 s
           for 100k rows, 120 s for 1M, 900 s for 10M; or the --time-limit
           list, one per size), then `tabpilot predict` on Adult's test rows
           for the test AUC; the ensemble's members and families are read
           from the bundle
  before   the same training with --before BIN (a build before a change)
  peer     bench/peer_train.py: pandas read_csv + get_dummies + one
           XGBClassifier with defaults and tree_method "hist" on every row,
           and its test AUC (--no-peer to skip)
On the synthetic table the test rows' AUC of the logit that drew their
labels is reported too: the ceiling no model can pass. Each run reports
wall time, peak resident memory (ru_maxrss of the child, from os.wait4)
and its ratio to the CSV's size; ours also the load's time
and rows read per second (the manifest's load_seconds: reading, splitting
and typing the CSV) and the search sample's rows when the table was
searched on one. With --groups the Adult table gets one more column,
`record` (the index of the Adult row each row copies), which ours is told
is the rows' group (`--group-column record`: validation keeps a record's
copies together) and the peer drops. --cost-tolerance is passed to ours
(0: the most accurate ensemble, not the cheapest within noise), and so is
--memory-limit (the table then gives the peak as a share of it). Raw results go to
bench/results/<date>-train-memory[-TAG].json and a table is appended to
docs/benchmarks.md (unless --no-append). Every child gets
OMP_WAIT_POLICY=PASSIVE. Exit status 0 on success, 2 when a step fails.
"""

import argparse
import csv
import datetime
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
import adult_benchmark as adult  # noqa: E402  (machine facts, commit, measured runs)

DEFAULT_LIMITS = {100_000: 60, 1_000_000: 120, 10_000_000: 900}
POSITIVE = ">50K"


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", default="100000,1000000", help="training sizes, comma-separated")
    p.add_argument("--time-limit", default="", help="budgets in seconds, one per size (default by size)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--before", help="a tabpilot binary built before the change, trained on the same files")
    p.add_argument("--bin", default=str(REPO_ROOT / "build" / "src" / "cli" / "tabpilot"))
    p.add_argument("--no-peer", action="store_true")
    p.add_argument("--tag", default="")
    p.add_argument("--no-append", action="store_true")
    p.add_argument("--keep-logs", help="copy each run's log into this folder")
    p.add_argument("--table", choices=["adult", "synthetic"], default="adult",
                   help="adult: Adult's rows repeated and jittered; synthetic: a numeric-only table, no repeats")
    p.add_argument("--groups", action="store_true",
                   help="adult only: add the copied record's index as column `record` and train with "
                        "--group-column record (the peer drops it)")
    p.add_argument("--cost-tolerance", help="passed to tabpilot train (0: the most accurate ensemble)")
    p.add_argument("--memory-limit", help="passed to tabpilot train (gigabytes); the table then says the peak's "
                                          "share of it")
    args = p.parse_args(argv)
    if args.groups and args.table != "adult":
        p.error("--groups applies to --table adult")
    args.sizes = [int(s) for s in args.rows.split(",") if s]
    limits = [int(s) for s in args.time_limit.split(",") if s]
    if limits and len(limits) != len(args.sizes):
        p.error("--time-limit needs one budget per size")
    args.limits = limits or [DEFAULT_LIMITS.get(n, max(60, n // 10_000)) for n in args.sizes]
    return args


def make_table(source, rows, path, seed, record_column=False):
    """Writes `rows` rows of `source` (headed CSV) repeated and jittered; with
    `record_column` a last column `record` holds the copied row's index."""
    rng = random.Random(seed)
    with open(source, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        records = list(reader)
    age, weight = header.index("age"), header.index("fnlwgt")
    with open(path, "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header + (["record"] if record_column else []))
        for i in range(rows):
            r = list(records[i % len(records)])
            if i >= len(records):
                r[age] = str(max(17, int(r[age]) + rng.randint(-1, 1)))
                r[weight] = str(max(1, int(r[weight]) + rng.randint(-500, 500)))
            writer.writerow(r + ([str(i % len(records))] if record_column else []))


def synthetic_logit(x):
    """The synthetic table's generating logit of its features (rows x 10)."""
    import numpy as np  # noqa: PLC0415  (Debian's python3-numpy)
    return 1.2 * (1.5 * np.sin(1.5 * x[:, 0]) + x[:, 1] * x[:, 2] + 0.8 * (x[:, 3] > 0.5) - 0.5 * x[:, 4] ** 2
                  + 0.7 * x[:, 5] + 0.3 * x[:, 6] * x[:, 7])


def make_synthetic(rows, path, seed):
    """Writes `rows` rows of a numeric-only table without repeated rows: ten
    N(0, 1) features and a label drawn from a nonlinear logit of six of them
    (labels "<=50K" / ">50K", target "income", like the Adult tables)."""
    import numpy as np  # noqa: PLC0415  (Debian's python3-numpy)
    rng = np.random.default_rng(seed)
    header = ",".join([f"x{i}" for i in range(10)] + ["income"]) + "\n"
    with open(path, "w") as out:
        out.write(header)
        for start in range(0, rows, 200_000):
            n = min(200_000, rows - start)
            x = rng.standard_normal((n, 10))
            y = rng.random(n) < 1 / (1 + np.exp(-synthetic_logit(x)))
            lines = [",".join(f"{v:.5f}" for v in row) + ("," + (">50K" if label else "<=50K"))
                     for row, label in zip(x, y)]
            out.write("\n".join(lines) + "\n")


def test_labels(test_csv):
    """1 for each positive test row, else 0."""
    with open(test_csv, newline="") as f:
        return [1 if row["income"].strip() == POSITIVE else 0 for row in csv.DictReader(f)]


def test_auc(preds_csv, test_csv):
    from sklearn.metrics import roc_auc_score  # noqa: PLC0415  (Debian's python3-sklearn)
    with open(preds_csv, newline="") as f:
        p = [float(row[f"proba_{POSITIVE}"]) for row in csv.DictReader(f)]
    return roc_auc_score(test_labels(test_csv), p)


def oracle_auc(test_csv):
    """The synthetic test rows' AUC of the logit that drew their labels: the
    most any model can reach on them (up to the written features' rounding)."""
    import numpy as np  # noqa: PLC0415
    from sklearn.metrics import roc_auc_score  # noqa: PLC0415
    x = np.loadtxt(test_csv, delimiter=",", skiprows=1, usecols=range(10))
    return roc_auc_score(test_labels(test_csv), synthetic_logit(x))


def bundle_members(model):
    manifest = json.loads((Path(model) / "manifest.json").read_text())
    return [{"name": m["name"], "family": m["family"], "level": m["level"], "weight": m["weight"]}
            for m in manifest["members"] if m["weight"] > 0 or m["level"] > 1]


def train_ours(binary, data, test, limit, threads, work, name, extra=()):
    model = work / f"model-{name}"
    wall, cpu, rss = adult.run_measured(
        [binary, "train", "--data", data, "--target", "income", "--output", model, "--time-limit", limit,
         "--threads", threads, *extra], work / f"train-{name}.log")
    preds = work / f"preds-{name}.csv"
    adult.run_measured([binary, "predict", "--model", model, "--data", test, "--output", preds, "--threads", threads],
                       work / f"predict-{name}.log")
    members = bundle_members(model)
    training = json.loads((Path(model) / "manifest.json").read_text())["training"]
    return {"wall_s": wall, "cpu_s": cpu, "peak_rss_mib": rss, "test_auc": test_auc(preds, test),
            "members": members, "families": sorted({m["family"] for m in members}),
            "load_s": training.get("load_seconds"), "search_sample_rows": training.get("search_sample_rows")}


def measure(args, work):
    data_dir = work / "data"
    data_dir.mkdir()
    subprocess.run([sys.executable, BENCH_DIR / "prepare_adult.py", data_dir], check=True, capture_output=True)
    test = data_dir / "adult_test.csv"
    if args.table == "synthetic":
        test = data_dir / "synthetic_test.csv"
        make_synthetic(50_000, test, seed=1)
    runs = []
    for n, limit in zip(args.sizes, args.limits):
        table = work / f"train-{n}.csv"
        if args.table == "synthetic":
            make_synthetic(n, table, seed=n + 2)
        else:
            make_table(data_dir / "adult_train.csv", n, table, seed=n, record_column=args.groups)
        csv_mib = table.stat().st_size / 2**20
        row = {"rows": n, "csv_mib": csv_mib, "time_limit_s": limit}
        extra = (["--group-column", "record"] if args.groups else []) + (
            ["--cost-tolerance", args.cost_tolerance] if args.cost_tolerance is not None else []) + (
            ["--memory-limit", args.memory_limit] if args.memory_limit is not None else [])
        row["ours"] = train_ours(args.bin, table, test, limit, args.threads, work, f"ours-{n}", extra)
        if args.before:
            row["before"] = train_ours(args.before, table, test, limit, args.threads, work, f"before-{n}", extra)
        if not args.no_peer:
            log = work / f"peer-{n}.log"
            wall, cpu, rss = adult.run_measured(
                [sys.executable, BENCH_DIR / "peer_train.py", "--train", table, "--test", test,
                 "--threads", args.threads, *(["--drop", "record"] if args.groups else [])], log)
            peer = json.loads(log.read_text().strip().splitlines()[-1])
            row["peer"] = {"wall_s": wall, "cpu_s": cpu, "peak_rss_mib": rss, "test_auc": peer["test_auc"],
                           "fit_s": peer["fit_seconds"]}
        if args.table == "synthetic":
            row["oracle_test_auc"] = oracle_auc(test)
        table.unlink()
        if args.keep_logs:
            Path(args.keep_logs).mkdir(parents=True, exist_ok=True)
            for log in work.glob("*.log"):
                (Path(args.keep_logs) / log.name).write_bytes(log.read_bytes())
        runs.append(row)
    return runs


def table_text(runs, memory_limit=None):
    lines = ["| rows | CSV MiB | run | budget s | wall s | load s | read rows/s | search sample | peak RSS MiB | "
             "RSS / CSV | test AUC | ensemble |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in runs:
        for name in ("ours", "before", "peer"):
            if name not in r:
                continue
            m = r[name]
            label = {"ours": "tabpilot train", "before": "before (binary)",
                     "peer": "peer: pandas + one XGBoost hist, defaults"}[name]
            budget = r["time_limit_s"] if name != "peer" else "—"
            ensemble = (", ".join(f"{x['name']} ({x['family']}, {x['weight']:.2f})" for x in m["members"])
                        if "members" in m else "one model")
            if memory_limit is not None and name != "peer":
                limit_mib = float(memory_limit) * 1e9 / 2**20
                ensemble += f"; peak = {m['peak_rss_mib'] / limit_mib:.0%} of --memory-limit {memory_limit} GB"
            load = m.get("load_s")
            load_text = f"{load:.1f} | {r['rows'] / load:,.0f}" if load else "— | —"
            sample = f"{m['search_sample_rows']:,}" if m.get("search_sample_rows") else "—"
            lines.append(f"| {r['rows']:,} | {r['csv_mib']:.0f} | {label} | {budget} | {m['wall_s']:.1f} | "
                         f"{load_text} | {sample} | {m['peak_rss_mib']:.0f} | "
                         f"{m['peak_rss_mib'] / r['csv_mib']:.1f} | {m['test_auc']:.4f} | {ensemble} |")
        if "oracle_test_auc" in r:
            lines.append(f"| {r['rows']:,} | {r['csv_mib']:.0f} | the logit that drew the labels (the ceiling) | — | — "
                         f"| — | — | — | — | — | {r['oracle_test_auc']:.4f} | — |")
    return "\n".join(lines)


def main(argv):
    args = parse_args(argv)
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="tabpilot-train-memory-") as tmp:
        runs = measure(args, Path(tmp))
    date = datetime.datetime.now(datetime.timezone.utc)
    command = "bench/train_memory.py " + " ".join(argv)
    meta = {"date": date.isoformat(timespec="seconds"), "command": command, "commit": adult.git_commit(),
            "machine": adult.machine_facts(load_start), "threads": args.threads}
    path = adult.write_results("train-memory", args.tag, date, {"meta": meta, "runs": runs})
    text = table_text(runs, args.memory_limit)
    print(text)
    if not args.no_append:
        adult.append_docs_entry(
            "training on large tables, peak memory", args.tag, date,
            [f"machine: {adult.machine_line(meta['machine'])}", f"command: `{command}` at {meta['commit']['short']}",
             f"raw results: `{path.relative_to(REPO_ROOT)}`",
             ("data: a numeric-only synthetic table (ten N(0,1) features, a nonlinear logit of six; no repeated "
              "rows), test AUC on 50,000 fresh rows" if args.table == "synthetic" else
              "data: Adult's training rows repeated and jittered (fnlwgt +-500, age +-1), test AUC on adult_test.csv"
              + ("; a `record` column names the copied row: ours trains with --group-column record, the peer "
                 "drops it" if args.groups else ""))
             + (f"; ours with --cost-tolerance {args.cost_tolerance}" if args.cost_tolerance is not None else "")
             + (f"; ours with --memory-limit {args.memory_limit}" if args.memory_limit is not None else "")
             + f"; {args.threads} threads; one run each; peak RSS = ru_maxrss of the process"], text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
