#!/usr/bin/python3
"""Web UI page speed on a large store: each page's API answers and first render.

Usage: bench/ui_pages.py [--jobs N] [--versions N] [--executions N]
                         [--requests R] [--runs R] [--tag TAG] [--no-append]

Makes a store the way a user does (the Adult pipeline, examples/adult, with
10 s of AutoML: a job, a registered version, an execution, an endpoint),
grows it with copies of those records to --jobs AutoML jobs (100),
--versions registry versions (1,000) and --executions pipeline executions
(1,000) (BUILD/bench/ui_store_seed beside the tabpilot binary), starts `tabpilot ui` on it, then
measures:
  - server response: every API route a page calls, R (default 30)
    sequential requests each over loopback, median / p95 / max;
  - first render: each page opened cold in headless Chromium (a fresh
    context per load, web/tests/first_render.mjs), navigation start to the
    page's ready marker, median of --runs (5).
The targets (docs: issue text) are 50 ms per server response and 500 ms per
first render; the ratio column is ours / target. Raw results go to
bench/results/<date>-ui-pages[-TAG].json and a table to docs/benchmarks.md
(unless --no-append). Exit status 0, or 2 when a step fails.
"""

import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
import adult_benchmark as adult  # noqa: E402  (machine facts, commit, docs entry)

GROUP = "AutoMLModelPackageGroup"
SERVER_TARGET_MS = 50.0
RENDER_TARGET_MS = 500.0


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--jobs", type=int, default=100)
    p.add_argument("--versions", type=int, default=1000)
    p.add_argument("--executions", type=int, default=1000)
    p.add_argument("--requests", type=int, default=30)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--tag", default="")
    p.add_argument("--no-append", action="store_true")
    return p.parse_args(argv)


def check(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.stderr.write(f"failed: {' '.join(map(str, cmd))}\n{r.stdout}{r.stderr}")
        sys.exit(2)
    return r.stdout


def get(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read()


def start_ui(binary, store, work):
    log = open(work / "ui.log", "w")
    proc = subprocess.Popen([binary, "ui", "--store", store, "--port", "0",
                             "--web-dir", str(REPO_ROOT / "web" / "dist")], stderr=log)
    for _ in range(200):
        text = (work / "ui.log").read_text()
        m = re.search(r"http://127\.0\.0\.1:\d+", text)
        if m:
            return proc, m.group(0)
        if proc.poll() is not None:
            sys.stderr.write(text)
            sys.exit(2)
        time.sleep(0.05)
    sys.exit(2)


def page_routes(job, execution, versions):
    """Page -> the API routes it calls to render."""
    g = f"/api/groups/{GROUP}"
    return {
        "jobs": ["/api/session", "/api/jobs?limit=50"],
        "job": [f"/api/jobs/{job}"],
        "registry": ["/api/groups?limit=50"],
        "group": [f"{g}/versions?limit=50", f"{g}/metrics"],
        "version": [f"{g}/versions/1", f"{g}/versions/{max(1, versions // 2)}"],
        "version rows / explain": [f"{g}/versions/1/rows?limit=20", f"{g}/versions/1/explain?row=3"],
        "pipelines": ["/api/pipelines"],
        "pipeline": ["/api/executions?pipeline=AutoMLTrainingPipeline&limit=50"],
        "execution": [f"/api/executions/{execution}", f"/api/executions/{execution}/steps/AutoMLTraining/log"],
        "endpoints": ["/api/endpoints"],
    }


def time_routes(base, routes, requests):
    out = {}
    for page, paths in routes.items():
        for path in paths:
            get(base + path)  # warm: the first load of a version's model is timed apart below
            samples = []
            for _ in range(requests):
                t = time.perf_counter()
                body = get(base + path)
                samples.append((time.perf_counter() - t) * 1000.0)
            samples.sort()
            out[path] = {"page": page, "bytes": len(body), "median_ms": statistics.median(samples),
                         "p95_ms": samples[int(0.95 * (len(samples) - 1))], "max_ms": samples[-1]}
    return out


def measure(args, work):
    binary = adult.tabpilot_bin()
    # Beside the binary's build: BUILD/src/cli/tabpilot -> BUILD/bench/ui_store_seed.
    seed = Path(binary).resolve().parents[2] / "bench" / "ui_store_seed"
    if not seed.exists():
        sys.stderr.write(f"{seed} is missing: build the bench programs (scripts/build.sh build)\n")
        sys.exit(2)
    datasets = Path(os.environ.get("TABPILOT_DATASETS", REPO_ROOT.parent / "shared" / "datasets"))
    store = str(work / "store") + "/"
    check([binary, "pipeline", "run", str(REPO_ROOT / "examples" / "adult" / "pipeline.yaml"), "--store", store,
           "--threads", "2", "--param", "max_automl_runtime=10", "--param", f"data_dir={datasets / 'adult'}"])
    t = time.perf_counter()
    check([str(seed), "--store", store, "--group", GROUP, "--jobs", str(args.jobs), "--versions",
           str(args.versions), "--executions", str(args.executions)])
    seed_s = time.perf_counter() - t
    proc, base = start_ui(binary, store, work)
    try:
        session = json.loads(get(base + "/api/session"))
        jobs = json.loads(get(base + "/api/jobs?limit=1"))
        execs = json.loads(get(base + f"/api/executions?limit=1&offset={args.executions - 1}"))
        job = jobs["items"][0]["id"]
        execution = execs["items"][0]["id"]  # the pipeline's own (the oldest)
        # A version page's first visit, and the first load of its model (what
        # try it and per-row SHAP need, on the first such action), timed alone.
        t = time.perf_counter()
        get(base + f"/api/groups/{GROUP}/versions/{args.versions}")
        first_version_ms = (time.perf_counter() - t) * 1000.0
        t = time.perf_counter()
        get(base + f"/api/groups/{GROUP}/versions/{args.versions}/explain?row=0")
        first_model_ms = (time.perf_counter() - t) * 1000.0
        server = time_routes(base, page_routes(job, execution, args.versions), args.requests)
        pages = {"jobs": "#/jobs", "job": f"#/jobs/{job}", "registry": "#/registry",
                 "group": f"#/registry/{GROUP}", "version (quality)": f"#/registry/{GROUP}/1?tab=quality",
                 "version (explainability)": f"#/registry/{GROUP}/1?tab=explain", "pipelines": "#/pipelines",
                 "pipeline": "#/pipelines/AutoMLTrainingPipeline", "execution": f"#/executions/{execution}",
                 "endpoints": "#/endpoints", "endpoint": "#/endpoints/adult"}
        out = check(["node", str(REPO_ROOT / "web" / "tests" / "first_render.mjs"), "--base-url", base, "--runs",
                     str(args.runs)] + [f"{k}={v}" for k, v in pages.items()], cwd=REPO_ROOT / "web")
        render = json.loads(out.strip().splitlines()[-1])["pages"]
    finally:
        proc.terminate()
        proc.wait()
    bundle = {p.name: p.stat().st_size for p in (REPO_ROOT / "web" / "dist").iterdir() if p.is_file()}
    return {"counts": session["counts"], "seed_seconds": seed_s, "first_version_visit_ms": first_version_ms,
            "first_model_load_ms": first_model_ms,
            "server": server, "first_render": {k: {"runs_ms": v, "median_ms": statistics.median(v)}
                                               for k, v in render.items()}, "dist_bytes": bundle}


def table(r):
    lines = ["| page | what | ours (median) | p95 / runs | target | ours / target |", "|---|---|---:|---:|---:|---:|"]
    for path, s in r["server"].items():
        lines.append(f"| {s['page']} | server: `GET {path}` ({s['bytes']:,} B) | {s['median_ms']:.1f} ms | "
                     f"{s['p95_ms']:.1f} ms | {SERVER_TARGET_MS:.0f} ms | {s['median_ms'] / SERVER_TARGET_MS:.2f} |")
    for page, s in r["first_render"].items():
        runs = ", ".join(str(x) for x in s["runs_ms"])
        lines.append(f"| {page} | first render, cold (browser) | {s['median_ms']:.0f} ms | {runs} | "
                     f"{RENDER_TARGET_MS:.0f} ms | {s['median_ms'] / RENDER_TARGET_MS:.2f} |")
    return "\n".join(lines)


def main(argv):
    args = parse_args(argv)
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="tabpilot-ui-") as tmp:
        results = measure(args, Path(tmp))
    date = datetime.datetime.now(datetime.timezone.utc)
    command = "bench/ui_pages.py " + " ".join(argv)
    meta = {"date": date.isoformat(timespec="seconds"), "command": command, "commit": adult.git_commit(),
            "machine": adult.machine_facts(load_start)}
    path = adult.write_results("ui-pages", args.tag, date, {"meta": meta, "results": results})
    text = table(results)
    print(text)
    if not args.no_append:
        c = results["counts"]
        dist = ", ".join(f"{k} {v / 1024:.0f} KiB" for k, v in sorted(results["dist_bytes"].items()))
        adult.append_docs_entry(
            "Web UI page speed on a large store", args.tag, date,
            [f"machine: {adult.machine_line(meta['machine'])}", f"command: `{command}` at {meta['commit']['short']}",
             f"raw results: `{path.relative_to(REPO_ROOT)}`",
             f"store (SQLite): {c['jobs']:,} AutoML jobs, {c['versions']:,} registry versions, {c['executions']:,} "
             f"pipeline executions, {c['endpoints']} endpoint; the Adult pipeline's records (10 s of AutoML) and "
             "copies of them (bench/ui_store_seed.cpp)",
             f"server: `tabpilot ui`, {args.requests} sequential requests per route over loopback after one warm-up; "
             f"a version page's first visit took {results['first_version_visit_ms']:.0f} ms, and the first "
             f"try-it or row explanation on it (loading its model) {results['first_model_load_ms']:.0f} ms",
             f"first render: headless Chromium, a fresh context per load (cold cache), navigation start to the "
             f"page's ready marker, {args.runs} runs; pages: {dist}"], text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
