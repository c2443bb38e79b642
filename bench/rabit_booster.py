#!/usr/bin/python3
"""One XGBoost booster on sharded data: 2 ranks through Rabit against one
process on the same rows, test AUC and time.

Usage (as root): bench/rabit_booster.py [--bin BIN] [--rounds R] [--tag TAG]
                 [--no-append]

Splits Adult's training rows (bench/prepare_adult.py) into two shards (the
first and second half), then runs `tabpilot train --distributed-data shards
--target income --rounds R --threads 1` (default R = 300) twice:
  one process   no MPI launcher: one process reads both shards
  2 ranks       scripts/netns_hosts.sh: mpirun in namespace host 0, rank 0
                (and XGBoost's tracker) in host 1, rank 1 in host 2, each
                rank reading one shard, Rabit over TCP between namespaces
and scores both bundles on adult_test.csv (16,281 rows) with `tabpilot
predict`: rank-based AUC. The issue asks |AUC(2 ranks) - AUC(one)| <= 0.002.
Raw results: bench/results/<date>-rabit-booster[-TAG].json; a table is
appended to docs/benchmarks.md (unless --no-append). Exit 2 on a failure.
"""

import argparse
import csv
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
import adult_benchmark as adult  # noqa: E402  (machine facts, commit, results files)

HOSTS = REPO_ROOT / "scripts" / "netns_hosts.sh"


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin", default=os.environ.get("TABPILOT_BIN", str(REPO_ROOT / "build" / "src" / "cli" / "tabpilot")))
    p.add_argument("--rounds", type=int, default=300)
    p.add_argument("--tag", default="")
    p.add_argument("--no-append", action="store_true")
    return p.parse_args(argv)


def rank_auc(scores, labels):
    pairs = sorted(zip(scores, labels))
    rank_sum, i = 0.0, 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        rank_sum += sum(((i + j + 1) / 2) for k in range(i, j) if pairs[k][1])
        i = j
    pos = sum(labels)
    neg = len(labels) - pos
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def test_auc(args, work, model):
    out = work / f"{model.name}.csv"
    adult.run_measured([args.bin, "predict", "--quiet", "--model", model, "--data", work / "adult_test.csv", "--output", out],
        work / f"predict-{model.name}.log")
    with open(work / "adult_test.csv") as f:
        labels = [1 if row["income"] == ">50K" else 0 for row in csv.DictReader(f)]
    with open(out) as f:
        scores = [float(row["proba_>50K"]) for row in csv.DictReader(f)]
    return rank_auc(scores, labels)


def measure(args, work):
    subprocess.check_call(["/usr/bin/python3", str(BENCH_DIR / "prepare_adult.py"), str(work)],
                          stdout=subprocess.DEVNULL)
    lines = (work / "adult_train.csv").read_text().splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    shards = work / "shards"
    shards.mkdir()
    half = len(rows) // 2
    (shards / "part-0.csv").write_text(header + "".join(rows[:half]))
    (shards / "part-1.csv").write_text(header + "".join(rows[half:]))
    train = ["train", "--distributed-data", shards, "--target", "income", "--rounds", args.rounds, "--threads", 1,
             "--checkpoint-every", 0]
    results = {}
    one = work / "one"
    results["one"] = {"seconds": adult.run_measured([args.bin] + train + ["--output", one], work / "one.log")[0]}
    name = f"tpr{os.getpid() % 10000}"
    if subprocess.call([str(HOSTS), "up", name, "3"]) != 0:
        print("error: cannot make network namespaces (run as root)", file=sys.stderr)
        sys.exit(2)
    try:
        hostfile = work / "hostfile"
        hostfile.write_text("10.77.0.11 slots=1\n10.77.0.12 slots=1\n")
        two = work / "two"
        results["two"] = {"seconds": adult.run_measured([HOSTS, "mpirun", name, "--hostfile", hostfile, "-np", 2, args.bin]
                                                        + train + ["--output", two], work / "two.log")[0]}
    finally:
        subprocess.call([str(HOSTS), "down", name, "3"])
    for key, model in (("one", one), ("two", two)):
        results[key]["auc"] = test_auc(args, work, model)
        results[key]["sharded"] = json.loads((model / "manifest.json").read_text())["training"]["sharded"]
    results["auc_difference"] = results["two"]["auc"] - results["one"]["auc"]
    return results


def table_text(r):
    rows = ["| run | ranks | rows (rank 0's) | rounds | boosting (s) | command (s) | test AUC |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for key, label in (("one", "one process, both shards"), ("two", "2 ranks over Rabit (namespace hosts)")):
        s = r[key]["sharded"]
        rows.append(f"| {label} | {s['ranks']} | {s['rows']:,} ({s['rows_rank0']:,}) | {s['rounds']} | "
                    f"{s['boost_seconds']:.2f} | {r[key]['seconds']:.2f} | {r[key]['auc']:.5f} |")
    rows.append("")
    rows.append(f"AUC difference (2 ranks - one): {r['auc_difference']:+.5f} (asked: within 0.002).")
    return "\n".join(rows)


def main(argv):
    args = parse_args(argv)
    if os.geteuid() != 0:
        print("error: run as root (network namespaces)", file=sys.stderr)
        return 2
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="tabpilot-rabit-") as tmp:
        result = measure(args, Path(tmp))
    date = datetime.datetime.now(datetime.timezone.utc)
    command = "bench/rabit_booster.py " + " ".join(argv)
    meta = {"date": date.isoformat(timespec="seconds"), "command": command, "commit": adult.git_commit(),
            "machine": adult.machine_facts(load_start)}
    path = adult.write_results("rabit-booster", args.tag, date, {"meta": meta, **result})
    text = table_text(result)
    print(text)
    if not args.no_append:
        adult.append_docs_entry(
            "one booster on sharded data (XGBoost Rabit), 2 ranks against one process", args.tag, date,
            [f"machine: {adult.machine_line(meta['machine'])}", f"command: `{command}` at {meta['commit']['short']}",
             f"raw results: `{path.relative_to(REPO_ROOT)}`",
             f"data: Adult's 32,561 training rows in two shards (first and second half), test AUC on adult_test.csv "
             f"(16,281 rows); --rounds {args.rounds}, --threads 1, xgboost defaults (learning rate 0.1, depth 6, "
             "hist); one run each"], text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
