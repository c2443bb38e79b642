#!/usr/bin/python3
"""Prepare suite datasets: read the published files (see specs.py), clean them
and write headed CSV folds that every system then reads byte for byte.

Usage: prepare.py [--folds 5] [--seed 0] [--cache DIR] [DATASET ...]   (default: all)

Layout written under the cache folder (default $TABPILOT_SUITE_CACHE, else
$TMPDIR/tabpilot-suite, else /tmp/tabpilot-suite; never inside the repo), with
<variant> = official or cv<k>-seed<s>:
  <dataset>/<variant>/meta.json           task, target, classes, positive label
  <dataset>/<variant>/fold_<k>/train.csv  headed, comma separated, RFC 4180
  <dataset>/<variant>/fold_<k>/test.csv   quotes, missing = empty cell
A dataset whose meta.json matches the spec, fold count and seed is reused.

Splits: the official train/test split when the spec has one (a single fold),
else k folds, stratified by class for classification (each class's rows are
shuffled with the seed and dealt round-robin), shuffled for regression.
Only the standard library is used. Errors name the file and row.
"""

import argparse
import csv
import gzip
import hashlib
import json
import os
import random
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from specs import SPECS  # noqa: E402

# Bump when the cleaning or the split changes, so caches are rebuilt.
PREPARE_VERSION = 1


class PrepareError(Exception):
    """Bad or unexpected input; the message names the file/row."""


def datasets_dir():
    """$TABPILOT_DATASETS, else shared/datasets beside the repository."""
    env = os.environ.get("TABPILOT_DATASETS")
    if env:
        return Path(env)
    return (Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets").resolve()


def default_cache_dir():
    env = os.environ.get("TABPILOT_SUITE_CACHE")
    if env:
        return Path(env)
    return Path(os.environ.get("TMPDIR") or tempfile.gettempdir()) / "tabpilot-suite"


def open_text(path):
    # newline='' lets csv see quoted embedded newlines and CRLF itself.
    if str(path).endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return open(path, "r", encoding="utf-8", newline="")


_ATTR = re.compile(r"""@attribute\s+('([^']*)'|"([^"]*)"|(\S+))\s+(.*)$""", re.IGNORECASE)


def read_arff(path):
    """Dense Weka ARFF: returns (names, rows). Values may be single- or
    double-quoted; '%' lines are comments."""
    names, rows = [], []
    with open_text(path) as f:
        lines = f.read().splitlines()
    in_data = False
    for line_no, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("%"):
            continue
        if not in_data:
            low = line.lower()
            if low.startswith("@attribute"):
                m = _ATTR.match(line)
                if not m:
                    raise PrepareError(f"{path}:{line_no}: cannot parse '{line}'")
                names.append(next(g for g in m.group(2, 3, 4) if g is not None))
            elif low.startswith("@data"):
                in_data = True
            continue
        if line.startswith("{"):
            raise PrepareError(f"{path}:{line_no}: sparse ARFF is not supported")
        quote = "'" if "'" in line else '"'
        row = next(csv.reader([line], quotechar=quote, skipinitialspace=True))
        rows.append((line_no, row))
    if not in_data:
        raise PrepareError(f"{path}: no @data section")
    return names, rows


def read_part(path, part):
    """Returns (header or None, [(line_no, cells)])."""
    if part.format == "arff":
        return read_arff(path)
    rows = []
    with open_text(path) as f:
        if part.format == "ws":
            for line_no, line in enumerate(f, start=1):
                cells = line.split()
                if cells:
                    rows.append((line_no, cells))
        else:
            lines = (l for l in f
                     if not (part.skip_prefix and l.startswith(part.skip_prefix)))
            for record_no, cells in enumerate(csv.reader(lines, delimiter=part.delimiter),
                                              start=1):
                if not cells or all(not c.strip() for c in cells):
                    continue  # blank line (adult's trailing empty lines)
                rows.append((record_no, cells))
    header = None
    if part.header:
        if not rows:
            raise PrepareError(f"{path}: empty file")
        header = [c.strip() for c in rows[0][1]]
        rows = rows[1:]
    return header, rows


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def load(spec, root):
    """Reads and cleans one dataset. Returns (columns, rows, roles) with the
    target as the last column; roles[i] is the part role of row i."""
    columns, rows, roles = None, [], []
    for part in spec.parts:
        path = root / part.file
        if not path.is_file():
            raise PrepareError(f"{path}: not found (set TABPILOT_DATASETS?)")
        header, part_rows = read_part(path, part)
        names = list(spec.names) if spec.names else header
        if names is None:
            raise PrepareError(f"{path}: no header and no names in the spec")
        names = names + [c for c, _ in part.add]
        if columns is None:
            columns = names
        elif names != columns:
            raise PrepareError(f"{path}: columns differ from {spec.parts[0].file}")
        width = len(names) - len(part.add)
        extra = [v for _, v in part.add]
        for line_no, cells in part_rows:
            if len(cells) != width:
                raise PrepareError(f"{path}:{line_no}: {len(cells)} fields, "
                                   f"expected {width}")
            rows.append([c.strip() for c in cells] + extra)
            roles.append(part.role)
    if len(rows) != spec.rows:
        raise PrepareError(f"{spec.name}: read {len(rows)} rows, expected {spec.rows}")
    if spec.target not in columns:
        raise PrepareError(f"{spec.name}: no target column '{spec.target}' in {columns}")
    for c in spec.drop:
        if c not in columns:
            raise PrepareError(f"{spec.name}: column to drop '{c}' not found")

    keep = [i for i, c in enumerate(columns) if c not in spec.drop and c != spec.target]
    t = columns.index(spec.target)
    keep.append(t)
    columns = [columns[i] for i in keep]
    rows = [[r[i] for i in keep] for r in rows]

    na = set(spec.na)
    numeric_na = set(spec.numeric_na)
    for j in range(len(columns) - 1):
        col_na = set(na)
        if numeric_na:
            values = {r[j] for r in rows} - na - numeric_na
            if values and all(_is_number(v) for v in values):
                col_na |= numeric_na
        if col_na:
            for r in rows:
                if r[j] in col_na:
                    r[j] = ""
    for i, r in enumerate(rows):
        if spec.target_strip:
            r[-1] = r[-1].rstrip(spec.target_strip)
        if r[-1] == "" or r[-1] in na:
            raise PrepareError(f"{spec.name}: row {i + 1} has no target value")
        if spec.task == "regression" and not _is_number(r[-1]):
            raise PrepareError(f"{spec.name}: row {i + 1}: target '{r[-1]}' is not numeric")
    return columns, rows, roles


def split(spec, rows, roles, folds, seed):
    """Returns [(train_indices, test_indices)] per fold."""
    if spec.official_split:
        train = [i for i, r in enumerate(roles) if r == "train"]
        test = [i for i, r in enumerate(roles) if r == "test"]
        return [(train, test)]
    k = spec.folds or folds
    rng = random.Random(seed)
    fold_of = [0] * len(rows)
    if spec.task == "regression":
        order = list(range(len(rows)))
        rng.shuffle(order)
        for pos, i in enumerate(order):
            fold_of[i] = pos % k
    else:
        by_class = {}
        for i, r in enumerate(rows):
            by_class.setdefault(r[-1], []).append(i)
        offset = 0
        for label in sorted(by_class):
            members = by_class[label]
            rng.shuffle(members)
            for pos, i in enumerate(members):
                fold_of[i] = (offset + pos) % k
            offset += len(members)
    result = []
    for f in range(k):
        test = [i for i in range(len(rows)) if fold_of[i] == f]
        train = [i for i in range(len(rows)) if fold_of[i] != f]
        result.append((train, test))
    return result


def write_csv(path, columns, rows, indices):
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(columns)
        for i in indices:
            w.writerow(rows[i])
    os.replace(tmp, path)


def spec_key(spec, folds, seed):
    text = repr((PREPARE_VERSION, spec, spec.folds or folds, seed))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def prepare(name, cache, folds=5, seed=0, root=None, log=print):
    """Prepares one dataset (or reuses the cache); returns its meta dict."""
    spec = SPECS.get(name)
    if spec is None:
        raise PrepareError(f"unknown dataset '{name}' (known: {', '.join(SPECS)})")
    # One folder per protocol variant, so runs with other fold counts or seeds
    # do not rebuild each other's folds.
    variant = "official" if spec.official_split else f"cv{spec.folds or folds}-seed{seed}"
    out = Path(cache) / name / variant
    meta_path = out / "meta.json"
    key = spec_key(spec, folds, seed)
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        if meta.get("key") == key and all(
                (out / f"fold_{k}" / n).is_file()
                for k in range(meta["n_folds"]) for n in ("train.csv", "test.csv")):
            return meta
    columns, rows, roles = load(spec, Path(root) if root else datasets_dir())
    fold_sets = split(spec, rows, roles, folds, seed)
    counts = {}
    for r in rows:
        counts[r[-1]] = counts.get(r[-1], 0) + 1
    meta = {
        "key": key, "dir": str(out), "dataset": name, "task": spec.task, "target": spec.target,
        "rows": len(rows), "columns": columns, "n_folds": len(fold_sets),
        "protocol": "official split" if spec.official_split
                    else f"{len(fold_sets)}-fold {'stratified ' if spec.task != 'regression' else ''}CV",
        "seed": seed, "note": spec.note, "folds": [],
    }
    if spec.task != "regression":
        meta["classes"] = sorted(counts)
        meta["class_counts"] = counts
        if spec.task == "binary":
            if len(counts) != 2:
                raise PrepareError(f"{name}: binary task with {len(counts)} labels: "
                                   f"{sorted(counts)[:10]}")
            # Positive = minority class (tabpilot's default too), ties -> last label.
            meta["positive_label"] = min(sorted(counts, reverse=True), key=counts.get)
    for k, (train, test) in enumerate(fold_sets):
        d = out / f"fold_{k}"
        d.mkdir(parents=True, exist_ok=True)
        write_csv(d / "train.csv", columns, rows, train)
        write_csv(d / "test.csv", columns, rows, test)
        meta["folds"].append({"train_rows": len(train), "test_rows": len(test)})
    tmp = meta_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(meta, indent=1) + "\n")
    os.replace(tmp, meta_path)
    log(f"prepared {name}: {len(rows)} rows x {len(columns)} cols, {meta['protocol']} "
        f"-> {out}")
    return meta


def main(argv):
    p = argparse.ArgumentParser(description="Prepare benchmark-suite datasets.")
    p.add_argument("datasets", nargs="*", help="default: every dataset")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--cache", default=None)
    args = p.parse_args(argv)
    cache = Path(args.cache) if args.cache else default_cache_dir()
    status = 0
    for name in args.datasets or list(SPECS):
        try:
            meta = prepare(name, cache, args.folds, args.seed)
            print(f"{name}: {meta['rows']} rows, {meta['protocol']}, "
                  f"train/test rows {[(f['train_rows'], f['test_rows']) for f in meta['folds']][:2]}...")
        except PrepareError as e:
            print(f"prepare: error: {e}", file=sys.stderr)
            status = 2
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
