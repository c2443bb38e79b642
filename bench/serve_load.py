#!/usr/bin/python3
"""The server under load: requests/s, latency and errors with wrk on loopback.

Usage: bench/serve_load.py [--model DIR] [--time-limit S] [--duration S]
                           [--connections C] [--server-threads T] [--wrk-threads W]
                           [--contended-wrk-threads W2] [--swap-every S] [--idle-connections N] [--soak-seconds S]
                           [--bin BIN] [--tree-bench BIN] [--tag TAG] [--no-append]

Trains a bundle on Adult's training rows (`tabpilot train --target income
--time-limit S`, default 60) unless --model names one, makes it endpoint
`adult` of a temporary store, starts `tabpilot serve --store ST --port 0`
(T threads, default 2; access log off; the store polled every 250 ms) and
drives it with wrk (Debian's wrk 4) from the same machine, C keep-alive
connections (default 16), S seconds a phase (default 60):
  one row     POST /invocations, text/csv, one Adult test row a request (the
              rows taken in turn); wrk with W threads (default 1: the
              server's T threads and wrk's share the 2 cores, and one wrk
              thread outpaces the server)
  contended   the same with --contended-wrk-threads (default 2; 0: skipped),
              wrk's threads and the server's competing for the cores
  1,000 rows  the same with 1,000 rows a request (rows/s = requests/s x 1,000)
  hot swap    one row, while `tabpilot endpoint update adult` makes the
              server load the model again every --swap-every s (default 10;
              0: skipped); the server's log must show every swap served
  idle        one row, in three rounds of S/3 s without and S/3 s with
              --idle-connections N (default 1,000; 0: skipped) idle keep-alive
              connections open, which must all still answer afterwards
  soak        one row for --soak-seconds (default 600; 0: skipped), the
              server's RSS sampled every 5 s; growth is from the first
              minute's end to the last sample
wrk's latency percentiles, its socket errors and non-2xx answers are
recorded. Next to them, the in-process one-row latency of the same bundle
(build/bench/tree_bench: the one-row path, one thread a call) and a
request's latency through the server alone (one connection, S/4 s, no
queue): the server's overhead is their ratio. Raw results go to
bench/results/<date>-serve-load[-TAG].json and a table is appended to
docs/benchmarks.md (unless --no-append). Exit status 0, or 2 when a step
fails.
"""

import argparse
import json
import os
import re
import resource
import socket
import subprocess
import sys
import threading
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
    p.add_argument("--wrk-threads", type=int, default=1)
    p.add_argument("--contended-wrk-threads", type=int, default=2,
                   help="one more one-row phase with this many wrk threads (0: skipped)")
    p.add_argument("--swap-every", type=float, default=10, help="seconds between hot swaps (0: no hot-swap phase)")
    p.add_argument("--idle-connections", type=int, default=1000, help="idle connections (0: no idle phase)")
    p.add_argument("--soak-seconds", type=int, default=600, help="soak length (0: no soak)")
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


def start_server(args, store, log):
    """The server process and its port (from its 'listening on' line)."""
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    proc = subprocess.Popen([args.bin, "serve", "--store", str(store), "--port", "0", "--threads",
                             str(args.server_threads), "--access-log", "off", "--poll-interval-ms", "250",
                             "--idle-timeout-s", "3600"],
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


def run_wrk(args, port, bodies, script, duration=None, threads=None, connections=None):
    env = dict(os.environ, BODIES=":".join(str(b) for b in bodies))
    out = check(["wrk", "-t", threads or args.wrk_threads, "-c", connections or args.connections, "-d", f"{duration or args.duration}s",
                 "--timeout", "10s", "-s", script, f"http://127.0.0.1:{port}/invocations"], env=env)
    line = next(l for l in out.splitlines() if l.startswith("RESULT "))
    r = json.loads(line[len("RESULT "):])
    r["requests_per_s"] = r["requests"] / (r["duration_us"] / 1e6)
    r["errors"] = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    return r


def serving_lines(log):
    return len(re.findall(r"endpoint 'adult': serving", Path(log).read_text()))


def hot_swap(args, port, one, script, store, log):
    """One-row load while the endpoint is updated every swap_every seconds."""
    before = serving_lines(log)
    stop = threading.Event()
    swaps = []

    def swapper():
        while not stop.wait(args.swap_every):
            check([args.bin, "endpoint", "update", "adult", "--model", args.model_path, "--store", store])
            swaps.append(time.monotonic())

    t = threading.Thread(target=swapper)
    t.start()
    try:
        r = run_wrk(args, port, one, script)
    finally:
        stop.set()
        t.join()
    time.sleep(2)  # the last update's load
    r["swaps"] = len(swaps)
    r["swaps_served"] = serving_lines(log) - before
    return r


def open_idle(port, n):
    """n connected sockets that send nothing."""
    out = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        out.append(s)
    return out


def idle_alive(sockets):
    """How many of the idle sockets still answer a GET /ping (then closed)."""
    alive = 0
    for s in sockets:
        try:
            s.settimeout(10)
            s.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
            if s.recv(64).startswith(b"HTTP/1.1 200"):
                alive += 1
        except OSError:
            pass
        finally:
            s.close()
    return alive


def idle_rounds(args, port, one, script):
    """Three rounds: one-row load without, then with, N idle connections."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, args.idle_connections + 256)), hard))
    seconds = max(5, args.duration // 3)
    rounds = []
    for _ in range(3):
        base = run_wrk(args, port, one, script, seconds)
        idle = open_idle(port, args.idle_connections)
        loaded = run_wrk(args, port, one, script, seconds)
        alive = idle_alive(idle)
        rounds.append({"without": base, "with": loaded, "idle_alive": alive})
    total = lambda key: sum(r[key]["requests"] for r in rounds) / sum(r[key]["duration_us"] / 1e6 for r in rounds)
    return {"rounds": rounds, "without_rps": total("without"), "with_rps": total("with"),
            "ratio": total("with") / total("without"), "idle": args.idle_connections,
            "idle_alive_min": min(r["idle_alive"] for r in rounds),
            "errors": sum(r["with"]["errors"] + r["without"]["errors"] for r in rounds)}


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def soak(args, proc, port, one, script):
    """One-row load for soak_seconds; the server's RSS every 5 s."""
    samples = []
    stop = threading.Event()

    def sampler():
        start = time.monotonic()
        while not stop.wait(5):
            samples.append((round(time.monotonic() - start, 1), rss_kib(proc.pid)))

    t = threading.Thread(target=sampler)
    t.start()
    try:
        r = run_wrk(args, port, one, script, args.soak_seconds)
    finally:
        stop.set()
        t.join()
    after_minute = next(kib for s, kib in samples if s >= 60)
    r["rss_samples"] = samples
    r["rss_first_kib"] = samples[0][1]
    r["rss_minute_kib"] = after_minute
    r["rss_last_kib"] = samples[-1][1]
    r["rss_growth_pct"] = 100.0 * (samples[-1][1] - after_minute) / after_minute
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
    args.model_path = str(model)
    store = str(work / "store")
    check([args.bin, "endpoint", "create", "adult", "--model", model, "--store", store])
    log = work / "serve.log"
    proc, port = start_server(args, store, log)
    try:
        results["one_row"] = run_wrk(args, port, one, script)
        results["one_row_single"] = run_wrk(args, port, one, script, max(5, args.duration // 4), 1, 1)
        results["thousand_rows"] = run_wrk(args, port, thousand, script)
        results["thousand_rows"]["rows_per_s"] = results["thousand_rows"]["requests_per_s"] * 1000
        if args.contended_wrk_threads > 0:
            results["one_row_contended"] = run_wrk(args, port, one, script, threads=args.contended_wrk_threads)
        if args.swap_every > 0:
            results["hot_swap"] = hot_swap(args, port, one, script, store, log)
        if args.idle_connections > 0:
            results["idle"] = idle_rounds(args, port, one, script)
        if args.soak_seconds > 0:
            results["soak"] = soak(args, proc, port, one, script)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    tb = json.loads(check([args.tree_bench, model, data / "adult_test.csv", 2000, 2, 1, "default"]))
    results["in_process_one_row"] = tb["one_row"]
    results["server_drained_exit"] = proc.returncode
    return results


def one_row_line(label, w):
    """A table row for a one-row-a-request wrk result (requests/s = rows/s)."""
    return (f"| {label} | {w['requests_per_s']:,.0f} | {w['requests_per_s']:,.0f} | {w['p50_us'] / 1000:.2f} ms | "
            f"{w['p99_us'] / 1000:.2f} ms | {w['errors']} |")


def table(r, args):
    o, t, ip, single = r["one_row"], r["thousand_rows"], r["in_process_one_row"], r["one_row_single"]
    overhead = single["p50_us"] / ip["median_us"] if ip["median_us"] else float("nan")
    lines = [
        "| load | requests/s | rows/s | p50 | p99 | errors |",
        "|---|---:|---:|---:|---:|---:|",
        f"| one row a request, {args.connections} connections | {o['requests_per_s']:,.0f} | "
        f"{o['requests_per_s']:,.0f} | {o['p50_us'] / 1000:.2f} ms | {o['p99_us'] / 1000:.2f} ms | {o['errors']} |",
        f"| 1,000 rows a request, {args.connections} connections | {t['requests_per_s']:,.0f} | "
        f"{t['rows_per_s']:,.0f} | {t['p50_us'] / 1000:.2f} ms | {t['p99_us'] / 1000:.2f} ms | {t['errors']} |",
        f"| in process, one-row path, 1 thread (tree_bench) | | | {ip['median_us']:.1f} µs | "
        f"{ip['p99_us']:.1f} µs | |",
        f"| one row, 1 connection (a request's own latency, no queue) | {single['requests_per_s']:,.0f} | "
        f"{single['requests_per_s']:,.0f} | {single['p50_us'] / 1000:.3f} ms | {single['p99_us'] / 1000:.3f} ms | "
        f"{single['errors']} |",
        f"| server over in-process, one row (1-connection p50 / in-process median) | | | {overhead:.1f}x | | |",
    ]
    if "one_row_contended" in r:
        lines.append(one_row_line(f"one row, wrk with {args.contended_wrk_threads} threads (wrk and server threads "
                                  "compete for the cores)", r["one_row_contended"]))
    if "hot_swap" in r:
        h = r["hot_swap"]
        lines.append(one_row_line(f"one row, a hot swap every {args.swap_every:g} s ({h['swaps_served']} of "
                                  f"{h['swaps']} swaps served)", h))
    if "idle" in r:
        i = r["idle"]
        lines.append(f"| one row, without / with {i['idle']:,} idle connections (3 rounds each; all "
                     f"{'still' if i['idle_alive_min'] == i['idle'] else 'NOT'} open after) | "
                     f"{i['without_rps']:,.0f} / {i['with_rps']:,.0f} ({100 * (i['ratio'] - 1):+.1f} %) | | | | "
                     f"{i['errors']} |")
    if "soak" in r:
        k = r["soak"]
        lines.append(one_row_line(f"one row, {args.soak_seconds} s soak: RSS {k['rss_minute_kib'] / 1024:.1f} MiB at "
                                  f"1 min, {k['rss_last_kib'] / 1024:.1f} MiB at the end ({k['rss_growth_pct']:+.2f} %)",
                                  k))
    return "\n".join(lines)


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
             f"`tabpilot serve --store ST --threads {args.server_threads} --access-log off` (endpoint adult = M); "
             f"wrk {args.wrk_threads} "
             f"threads, {args.connections} keep-alive connections, {args.duration} s a load; bodies: Adult test rows"],
            text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
