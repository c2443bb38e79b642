#!/usr/bin/python3
"""The server under load: requests/s, latency and errors with wrk on loopback.

Usage: bench/serve_load.py [--model DIR] [--time-limit S] [--duration S]
                           [--connections C] [--server-threads T] [--wrk-threads W]
                           [--bin BIN] [--tree-bench BIN] [--tag TAG] [--no-append]

Trains a bundle on Adult's training rows (`tabpilot train --target income
--time-limit S`, default 60) unless --model names one, starts `tabpilot serve
--model DIR --port 0` (T threads, default 2; access log off) and drives it with
wrk (Debian's wrk 4) from the same machine, C keep-alive connections (default
16), for S seconds each (default 60):
  one row     POST /invocations, text/csv, one Adult test row a request (the
              rows taken in turn)
  1,000 rows  the same with 1,000 rows a request (rows/s = requests/s x 1,000)
wrk's latency percentiles, its socket errors and non-2xx answers are
recorded. Next to them, the in-process one-row latency of the same bundle
(build/bench/tree_bench: the one-row path, one thread a call), so the
server's overhead is the ratio. Raw results go to
bench/results/<date>-serve-load[-TAG].json and a table is appended to
docs/benchmarks.md (unless --no-append). Exit status 0, or 2 when a step
fails.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
import adult_benchmark as adult  # noqa: E402  (machine facts, commit)

# wrk's Lua: requests cycle through the bodies in BODIES (one file a body,
# listed in the env var), and done() prints one JSON line.
WRK_SCRIPT = r"""
local bodies = {}
for path in string.gmatch(os.getenv("BODIES"), "[^:]+") do
  local f = io.open(path, "rb"); table.insert(bodies, f:read("*a")); f:close()
end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/csv"
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, "/invocations", nil, bodies[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", help="a bundle to serve (default: train one on adult_train.csv)")
    p.add_argument("--time-limit", type=int, default=60)
    p.add_argument("--duration", type=int, default=60, help="seconds of load for each request size")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--server-threads", type=int, default=2)
    p.add_argument("--wrk-threads", type=int, default=2)
    p.add_argument("--bin", default=str(REPO_ROOT / "build" / "src" / "cli" / "tabpilot"))
    p.add_argument("--tree-bench", default=str(REPO_ROOT / "build" / "bench" / "tree_bench"))
    p.add_argument("--tag", default="")
    p.add_argument("--no-append", action="store_true")
    return p.parse_args(argv)


def check(cmd, **kw):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if r.returncode != 0:
        print(f"error: {' '.join(map(str, cmd))} exited with {r.returncode}:\n{r.stderr[-2000:]}", file=sys.stderr)
        sys.exit(2)
    return r.stdout


def start_server(args, model, log):
    """The server process and its port (from its 'listening on' line)."""
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    proc = subprocess.Popen([args.bin, "serve", "--model", str(model), "--port", "0", "--threads",
                             str(args.server_threads), "--access-log", "off"],
                            stdout=subprocess.DEVNULL, stderr=open(log, "w"), env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        m = re.search(r"listening on http://[^:]+:(\d+)", Path(log).read_text())
        if m:
            return proc, int(m.group(1))
        if proc.poll() is not None:
            print(f"error: tabpilot serve exited with {proc.returncode} (log: {log})", file=sys.stderr)
            sys.exit(2)
        time.sleep(0.1)
    proc.kill()
    print("error: tabpilot serve did not start listening in 120 s", file=sys.stderr)
    sys.exit(2)


def run_wrk(args, port, bodies, script):
    env = dict(os.environ, BODIES=":".join(str(b) for b in bodies))
    out = check(["wrk", "-t", args.wrk_threads, "-c", args.connections, "-d", f"{args.duration}s",
                 "--timeout", "10s", "-s", script, f"http://127.0.0.1:{port}/invocations"], env=env)
    line = next(l for l in out.splitlines() if l.startswith("RESULT "))
    r = json.loads(line[len("RESULT "):])
    r["requests_per_s"] = r["requests"] / (r["duration_us"] / 1e6)
    r["errors"] = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    return r


def measure(args, work):
    data = work / "data"
    check(["/usr/bin/python3", BENCH_DIR / "prepare_adult.py", data])
    model = args.model
    if model is None:
        model = work / "model"
        check([args.bin, "train", "--data", data / "adult_train.csv", "--target", "income", "--output", model,
               "--time-limit", args.time_limit, "--threads", 2, "--quiet"])
    rows = (data / "adult_test.csv").read_text().splitlines(keepends=True)
    header, body = rows[0], rows[1:]
    one = []
    for i in range(200):
        path = work / f"one_{i}.csv"
        path.write_text(header + body[i])
        one.append(path)
    thousand = []
    for i in range(4):
        path = work / f"thousand_{i}.csv"
        path.write_text(header + "".join(body[i * 1000:(i + 1) * 1000]))
        thousand.append(path)
    script = work / "bodies.lua"
    script.write_text(WRK_SCRIPT)
    results = {"model": str(model)}
    proc, port = start_server(args, model, work / "serve.log")
    try:
        results["one_row"] = run_wrk(args, port, one, script)
        results["thousand_rows"] = run_wrk(args, port, thousand, script)
        results["thousand_rows"]["rows_per_s"] = results["thousand_rows"]["requests_per_s"] * 1000
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    tb = json.loads(check([args.tree_bench, model, data / "adult_test.csv", 2000, 2, 1, "default"]))
    results["in_process_one_row"] = tb["one_row"]
    results["server_drained_exit"] = proc.returncode
    return results


def table(r, args):
    o, t, ip = r["one_row"], r["thousand_rows"], r["in_process_one_row"]
    overhead = o["p50_us"] / ip["median_us"] if ip["median_us"] else float("nan")
    return "\n".join([
        "| load | requests/s | rows/s | p50 | p99 | errors |",
        "|---|---:|---:|---:|---:|---:|",
        f"| one row a request, {args.connections} connections | {o['requests_per_s']:,.0f} | "
        f"{o['requests_per_s']:,.0f} | {o['p50_us'] / 1000:.2f} ms | {o['p99_us'] / 1000:.2f} ms | {o['errors']} |",
        f"| 1,000 rows a request, {args.connections} connections | {t['requests_per_s']:,.0f} | "
        f"{t['rows_per_s']:,.0f} | {t['p50_us'] / 1000:.2f} ms | {t['p99_us'] / 1000:.2f} ms | {t['errors']} |",
        f"| in process, one-row path, 1 thread (tree_bench) | | | {ip['median_us']:.1f} µs | "
        f"{ip['p99_us']:.1f} µs | |",
        f"| server p50 / in-process median (one row) | | | {overhead:.0f}x | | |",
    ])


def main(argv):
    args = parse_args(argv)
    results, load_start, date = adult.measure_in_tempdir("tabpilot-serve-", measure, args)
    command = "bench/serve_load.py " + " ".join(argv)
    meta = {"date": date.isoformat(), "command": command, "commit": adult.git_commit(),
            "machine": adult.machine_facts(load_start), "duration_s": args.duration,
            "connections": args.connections, "server_threads": args.server_threads, "wrk_threads": args.wrk_threads}
    path = adult.write_results("serve-load", args.tag, date, {"meta": meta, "results": results})
    text = table(results, args)
    print(text)
    if not args.no_append:
        adult.append_docs_entry(
            "the server under wrk on loopback", args.tag, date,
            [f"machine: {adult.machine_line(meta['machine'])} (wrk and the server share it)",
             f"command: `{command}` at {meta['commit']['short']}",
             f"raw results: `{path.relative_to(REPO_ROOT)}`",
             f"`tabpilot serve --model M --threads {args.server_threads} --access-log off`; wrk {args.wrk_threads} "
             f"threads, {args.connections} keep-alive connections, {args.duration} s a load; bodies: Adult test rows"],
            text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
