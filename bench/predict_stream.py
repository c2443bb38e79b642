#!/usr/bin/python3
"""Batch transform of a large file: wall time, rows/s and peak memory.

Usage: bench/predict_stream.py [--rows N] [--model DIR] [--time-limit S]
                               [--threads T] [--chunk-rows K[,K...]]
                               [--before BIN] [--bin BIN] [--peer] [--tag TAG] [--no-append]

Builds an N-row CSV (default 1,000,000) from Adult's test rows repeated
(bench/prepare_adult.py; the file lives in a temp folder and is removed at the
end), trains a bundle on Adult's training rows (`tabpilot train --target
income --time-limit S`, default 60) unless --model names one, then runs
`tabpilot predict` on the large file:
  whole      --chunk-rows 0: the whole file read, typed and predicted at once
             (the path before streaming, kept behind the hidden option)
  streamed   the default chunk size, and each --chunk-rows K given
  before     the binary --before BIN, if given (a build before the change)
  peer       with --peer, what a user would otherwise run: bench/peer_predict.py
             (pandas read_csv + one-hot + one default XGBoost's predict_proba
             + to_csv; its fit is not timed)
and, for the memory a bundle costs by itself, `predict` on 10 rows. Each run
reports wall time, CPU time (user + sys), rows/s and peak resident memory
(ru_maxrss of the child, from os.wait4), and checks that every run wrote the
same bytes as the whole-file run. Raw results go to
bench/results/<date>-predict-stream[-TAG].json and a table is appended to
docs/benchmarks.md (unless --no-append). Every child gets
OMP_WAIT_POLICY=PASSIVE. Exit status 0 on success, 2 when a step fails or
outputs differ.
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
import adult_benchmark as adult  # noqa: E402  (machine facts, commit, sha256)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_000_000, help="rows of the large file (default 1,000,000)")
    p.add_argument("--model", help="a bundle to use (default: train one on adult_train.csv)")
    p.add_argument("--time-limit", type=int, default=60, help="train budget in seconds (default 60)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--chunk-rows", default="", help="extra chunk sizes to run, comma-separated")
    p.add_argument("--before", help="a tabpilot binary built before the change, run on the same file")
    p.add_argument("--bin", default=str(REPO_ROOT / "build" / "src" / "cli" / "tabpilot"),
                   help="the binary under test (default: build/src/cli/tabpilot)")
    p.add_argument("--peer", action="store_true",
                   help="also run bench/peer_predict.py (pandas + one default XGBoost) on the same file")
    p.add_argument("--tag", default="")
    p.add_argument("--no-append", action="store_true")
    return p.parse_args(argv)


def run(cmd, log):
    """(wall s, CPU s, peak RSS MiB) of one command; exits 2 when it fails."""
    return adult.run_measured(cmd, log)


def build_large_csv(test_csv, out, rows):
    """The header, then test_csv's rows repeated until `rows` rows."""
    lines = test_csv.read_text().splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    with open(out, "w") as f:
        f.write(header)
        written = 0
        while written < rows:
            take = body[:rows - written]
            f.writelines(take)
            written += len(take)


def display_path(path):
    """A path for the results: relative to the repository, else its name."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return path.name


def measure(args, work):
    data = work / "data"
    data.mkdir()
    subprocess.run([sys.executable, str(BENCH_DIR / "prepare_adult.py"), str(data)], check=True,
                   stdout=subprocess.DEVNULL)
    large = work / "large.csv"
    build_large_csv(data / "adult_test.csv", large, args.rows)
    small = work / "small.csv"
    build_large_csv(data / "adult_test.csv", small, 10)
    binary = Path(args.bin).resolve()
    model = Path(args.model).resolve() if args.model else work / "model"
    train = None
    if not args.model:
        wall, cpu, rss = run([binary, "train", "--data", data / "adult_train.csv", "--target", "income",
                              "--output", model, "--time-limit", args.time_limit, "--threads", args.threads,
                              "--quiet"], work / "train.log")
        train = {"wall_s": wall, "cpu_s": cpu, "peak_rss_mib": rss}
    runs = [("bundle only (10 rows)", binary, small, None), ("whole file", binary, large, 0),
            ("streamed (default chunk)", binary, large, None)]
    runs += [(f"streamed, {k}-row chunks", binary, large, int(k)) for k in args.chunk_rows.split(",") if k]
    if args.before:
        runs.append(("before (binary)", Path(args.before).resolve(), large, None))
    results, reference = [], None
    for i, (label, exe, input_csv, chunk) in enumerate(runs):
        out = work / f"pred-{i}.csv"
        cmd = [exe, "predict", "--model", model, "--data", input_csv, "--output", out, "--threads", args.threads,
               "--quiet"]
        if chunk is not None:
            cmd += ["--chunk-rows", chunk]
        wall, cpu, rss = run(cmd, work / f"predict-{i}.log")
        rows = args.rows if input_csv == large else 10
        digest = adult.file_sha256(out) if input_csv == large else None
        if digest and reference is None:
            reference = digest
        results.append({"run": label, "binary": display_path(exe), "chunk_rows": chunk, "rows": rows,
                        "wall_s": wall, "cpu_s": cpu, "rows_per_s": rows / wall, "peak_rss_mib": rss,
                        "output_sha256": digest, "same_output": digest is None or digest == reference})
        print(f"{label}: {wall:.1f} s, {rows / wall:,.0f} rows/s, peak RSS {rss:.0f} MiB", file=sys.stderr)
        out.unlink()
    if args.peer:
        results.append(measure_peer(args, data, large, work))
    bundle_mib = adult.tree_bytes(model) / 2**20
    return train, bundle_mib, results


def measure_peer(args, data, large, work):
    """The peer's batch transform of the same file: its own timing of read,
    one-hot, predict_proba and to_csv (its fit is not counted); CPU and peak
    RSS are the whole process's, fit included."""
    log = work / "peer.log"
    _, cpu, rss = run([sys.executable, BENCH_DIR / "peer_predict.py", "--train", data / "adult_train.csv",
                       "--data", large, "--output", work / "peer.csv", "--threads", args.threads], log)
    timed = json.loads(log.read_text().strip().splitlines()[-1])
    print(f"peer: {timed['seconds']:.1f} s, {timed['rows_per_s']:,.0f} rows/s", file=sys.stderr)
    return {"run": "peer: pandas read_csv + get_dummies + XGBoost predict_proba + to_csv (fit not counted)",
            "binary": "bench/peer_predict.py", "chunk_rows": None, "peer": True, "rows": timed["rows"],
            "wall_s": timed["seconds"], "cpu_s": cpu, "rows_per_s": timed["rows_per_s"], "peak_rss_mib": rss,
            "output_sha256": None, "same_output": True}


def table(results):
    lines = ["| run | chunk rows | wall s | CPU s | rows/s | peak RSS MiB | same bytes as whole file |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for r in results:
        chunk = "default" if r["chunk_rows"] is None else ("whole" if r["chunk_rows"] == 0 else f"{r['chunk_rows']:,}")
        if r.get("peer"):
            chunk = "—"
        same = "—" if r["output_sha256"] is None else ("yes" if r["same_output"] else "NO")
        lines.append(f"| {r['run']} | {chunk} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['rows_per_s']:,.0f} | "
                     f"{r['peak_rss_mib']:.0f} | {same} |")
    return "\n".join(lines)


def main(argv):
    args = parse_args(argv)
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="tabpilot-stream-") as tmp:
        train, bundle_mib, results = measure(args, Path(tmp))
    date = datetime.datetime.now(datetime.timezone.utc)
    command = "bench/predict_stream.py " + " ".join(argv)
    meta = {"date": date.isoformat(timespec="seconds"), "command": command, "commit": adult.git_commit(),
            "machine": adult.machine_facts(load_start), "rows": args.rows, "threads": args.threads,
            "train_time_limit_s": None if args.model else args.time_limit, "bundle_mib": bundle_mib}
    path = adult.write_results("predict-stream", args.tag, date, {"meta": meta, "train": train, "runs": results})
    text = table(results)
    print(text)
    if not args.no_append:
        bundle = f"trained with --time-limit {args.time_limit}" if not args.model else "given"
        adult.append_docs_entry(
            f"streaming batch transform, {args.rows:,} Adult rows", args.tag, date,
            [f"machine: {adult.machine_line(meta['machine'])}", f"command: `{command}` at {meta['commit']['short']}",
             f"raw results: `{path.relative_to(REPO_ROOT)}`",
             f"data: adult_test.csv (bench/prepare_adult.py) repeated to {args.rows:,} rows; bundle {bundle} "
             f"({bundle_mib:.0f} MiB on disk); {args.threads} threads; one run each"], text)
    return 0 if all(r["same_output"] for r in results) else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
