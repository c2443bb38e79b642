#!/usr/bin/python3
"""The search over MPI ranks: fold fits per minute with 1 and 2 worker ranks
on separate "hosts", and a simulation of rank 0's dispatch and gather for 64.

Usage (as root): bench/scaleout_farm.py [--bin BIN] [--max-models M]
                 [--rows R] [--tag TAG] [--no-append]

Makes network namespaces with scripts/netns_hosts.sh (mpirun in host 0,
rank 0 in host 1, worker rank i in host 1+i: each its own address and host
name, every message over TCP between namespaces), then runs the same search
(Adult's first R training rows, default all 32,561; --max-models M, default
8; --threads 1: one core per worker; seed 3) with N = 1 and N = 2 worker
ranks. Each run's farm record (the bundle manifest's training.farm) gives the
fold fits gathered and the span from the first job sent to the last outcome
gathered: fits per minute = fits / span. Both runs fit the same jobs (same
seed), which is checked on their leaderboards. Efficiency at N = 2 =
fits/min(2) / (2 x fits/min(1)); the issue asks >= 0.85.

The N = 64 figure is a simulation, from the N = 2 run's measurements: rank 0
serves the workers one message at a time; each fit costs it the measured
dispatch + gather time per fit (sending the job, receiving, decoding and
loading the outcome, recording it in the journal: send_seconds -
data_send_seconds + gather_seconds per fit, plus the journal's seconds per
record), and each worker first receives the data the measured run sent each
worker (data_bytes / N at the measured send rate). Fit durations are drawn
from the run's own (seeded). It reports dispatch + gather per fit as a share
of the median fit (the issue asks < 1 %), rank 0's busy share, and the
simulated efficiency (ideal makespan / simulated).

Raw results: bench/results/<date>-scaleout-farm[-TAG].json; a table is
appended to docs/benchmarks.md (unless --no-append). Exit 2 on a failure.
"""

import argparse
import heapq
import json
import os
import random
import statistics
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
    p.add_argument("--max-models", type=int, default=8)
    p.add_argument("--rows", type=int, default=0, help="Adult training rows to use (0 = all)")
    p.add_argument("--simulate", type=int, default=64, help="worker ranks to simulate")
    p.add_argument("--tag", default="")
    p.add_argument("--no-append", action="store_true")
    return p.parse_args(argv)


def search_on(args, work, data, workers, name):
    """One search with `workers` worker ranks; returns the farm record and the leaderboard."""
    hostfile = work / f"hosts-{workers}"
    hostfile.write_text("".join(f"10.77.0.{11 + i} slots=1\n" for i in range(workers + 1)))
    out = work / f"model-{workers}"
    cmd = [HOSTS, "mpirun", name, "--hostfile", hostfile, "-np", workers + 1, args.bin, "train", "--data", data,
           "--target", "income", "--time-limit", 7200, "--max-models", args.max_models, "--threads", 1, "--seed", 3,
           "--output", out]
    adult.run_measured(cmd, work / f"train-{workers}.log")
    manifest = json.loads((out / "manifest.json").read_text())
    board = [(r["model"], r["score_val"], r.get("ensemble_weight")) for r in
             json.loads((out / "leaderboard.json").read_text())]
    farm = dict(manifest["training"]["farm"])
    farm["journal"] = manifest["training"]["journal"]
    return farm, board


def simulate(farm, workers, rng, fits_total):
    """Rank 0 as one server: (its busy seconds, simulated makespan, ideal makespan)."""
    n = farm["workers"]
    journal = farm["journal"]
    per_fit = ((farm["send_seconds"] - farm["data_send_seconds"] + farm["gather_seconds"]) / farm["fits"]
               + journal["seconds"] / max(1, journal["records"]))
    rate = farm["data_bytes"] / max(farm["data_send_seconds"], 1e-9)  # bytes/s rank 0 sent data at
    data_per_worker = farm["data_bytes"] / n / rate
    durations = [rng.choice(farm["fit_times"]) for _ in range(fits_total)]
    rank0_free = 0.0
    free = []  # (time a worker is free, worker)
    for w in range(workers):  # each worker's data first, one after another
        rank0_free += data_per_worker
        heapq.heappush(free, (rank0_free, w))
    for d in durations:
        t, w = heapq.heappop(free)
        start = max(t, rank0_free)  # rank 0 gathers the last outcome and sends the next job
        rank0_free = start + per_fit
        heapq.heappush(free, (rank0_free + d, w))
    makespan = max(t for t, _ in free)
    busy = workers * data_per_worker + fits_total * per_fit
    return per_fit, busy, makespan, sum(durations) / workers


def measure(args, work):
    data = work / "train.csv"
    subprocess.check_call(["/usr/bin/python3", str(BENCH_DIR / "prepare_adult.py"), str(work)],
                          stdout=subprocess.DEVNULL)
    lines = (work / "adult_train.csv").read_text().splitlines(keepends=True)
    data.write_text("".join(lines[: args.rows + 1] if args.rows else lines))
    name = f"tpb{os.getpid() % 10000}"
    code = subprocess.call([str(HOSTS), "up", name, "4"])
    if code != 0:
        print("error: cannot make network namespaces (run as root)", file=sys.stderr)
        sys.exit(2)
    try:
        runs = {}
        for workers in (1, 2):
            farm, board = search_on(args, work, data, workers, name)
            runs[workers] = {"farm": farm, "leaderboard": board,
                             "fits_per_minute": farm["fits"] / farm["span_seconds"] * 60}
    finally:
        subprocess.call([str(HOSTS), "down", name, "4"])
    if runs[1]["leaderboard"] != runs[2]["leaderboard"]:
        print("error: the two runs' leaderboards differ", file=sys.stderr)
        sys.exit(2)
    rng = random.Random(7)
    farm2 = runs[2]["farm"]
    fits_total = args.simulate * 40
    per_fit, busy, makespan, ideal = simulate(farm2, args.simulate, rng, fits_total)
    sim = {"workers": args.simulate, "fits": fits_total, "per_fit_seconds": per_fit,
           "median_fit_seconds": statistics.median(farm2["fit_times"]),
           "rank0_busy_share": busy / makespan, "makespan_seconds": makespan, "ideal_seconds": ideal,
           "efficiency": ideal / makespan,
           "data_per_worker_bytes": farm2["data_bytes"] / farm2["workers"],
           "data_rate_bytes_per_second": farm2["data_bytes"] / max(farm2["data_send_seconds"], 1e-9)}
    return {"runs": {str(k): v for k, v in runs.items()}, "simulation": sim,
            "efficiency_2": runs[2]["fits_per_minute"] / (2 * runs[1]["fits_per_minute"])}


def table_text(result):
    r1, r2, sim = result["runs"]["1"], result["runs"]["2"], result["simulation"]
    rows = ["| worker ranks | fold fits | span (s) | fits/min | vs 1 rank | efficiency | rank 0 sending + gathering + journal (s) |",
            "|---:|---:|---:|---:|---:|---:|---:|"]
    for n, r in (("1", r1), ("2", r2)):
        f = r["farm"]
        ratio = r["fits_per_minute"] / r1["fits_per_minute"]
        rows.append(f"| {n} | {f['fits']} | {f['span_seconds']:.1f} | {r['fits_per_minute']:.1f} | {ratio:.2f}x | "
                    f"{ratio / int(n):.2f} | {f['send_seconds'] + f['gather_seconds'] + f['journal']['seconds']:.3f} |")
    rows.append(f"| {sim['workers']} (simulated) | {sim['fits']} | {sim['makespan_seconds']:.1f} | "
                f"{sim['fits'] / sim['makespan_seconds'] * 60:.1f} | "
                f"{sim['fits'] / sim['makespan_seconds'] * 60 / r1['fits_per_minute']:.1f}x | {sim['efficiency']:.2f} | "
                f"{sim['rank0_busy_share'] * 100:.1f} % busy |")
    rows.append("")
    rows.append(f"Dispatch + gather + journal per fit: {sim['per_fit_seconds'] * 1000:.2f} ms = "
                f"{sim['per_fit_seconds'] / sim['median_fit_seconds'] * 100:.2f} % of the median fit "
                f"({sim['median_fit_seconds']:.2f} s); data per worker {sim['data_per_worker_bytes'] / 1e6:.1f} MB "
                f"at {sim['data_rate_bytes_per_second'] / 1e6:.0f} MB/s. Efficiency at 2 ranks: "
                f"{result['efficiency_2']:.2f} (asked: >= 0.85); same leaderboard in both runs.")
    return "\n".join(rows)


def main(argv):
    args = parse_args(argv)
    if os.geteuid() != 0:
        print("error: run as root (network namespaces)", file=sys.stderr)
        return 2
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="tabpilot-scaleout-") as tmp:
        result = measure(args, Path(tmp))
    adult.record_run(
        "scaleout-farm", "scaleout_farm.py", argv, load_start, result, table_text(result),
        "the search over MPI ranks, fits per minute", args.tag,
        "ranks in network namespaces made by the script (own address and host name, TCP between them); "
        "rank 0 on its own host; Adult training rows, --max-models "
        f"{args.max_models}, --threads 1 (one core per worker), seed 3; one run each; the 64-rank row is a "
        "simulation from the 2-rank run's measured per-fit dispatch and gather, data sent and fit times",
        append=not args.no_append)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
