#!/usr/bin/env python3
"""Turn the UCI Adult originals into two headed CSV files.

Usage: prepare_adult.py OUTPUT_DIR

Reads adult.data and adult.test from $TABPILOT_DATASETS/adult (default: the
shared/datasets folder next to the repository, found from this script's own
location) and writes OUTPUT_DIR/adult_train.csv (32,561 rows) and
OUTPUT_DIR/adult_test.csv (16,281 rows), each with the header listed in
adult.names. The originals separate fields by ", ", have no header, and
adult.test starts with a '|1x3 Cross validator' line and ends each label with
'.'; all of that is normalised here. '?' (missing) is kept as it is, so every
system reads exactly the same bytes and handles missing values its own way.

Only the Python standard library is used, so this is also the data-preparation
step that the README documents for anyone reproducing the benchmark.
Exits non-zero with a one-line message on any surprise (missing file, wrong
field count, unknown label, wrong row count).
"""

import csv
import os
import sys
from pathlib import Path

COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education-num",
    "marital-status", "occupation", "relationship", "race", "sex",
    "capital-gain", "capital-loss", "hours-per-week", "native-country",
    "income",
]
LABELS = {"<=50K", ">50K"}
EXPECTED_ROWS = {"adult.data": 32561, "adult.test": 16281}
OUTPUT_NAMES = {"adult.data": "adult_train.csv", "adult.test": "adult_test.csv"}


class PrepareError(Exception):
    """A problem with the input files; the message names file and line."""


def datasets_dir():
    """$TABPILOT_DATASETS, else <repo root>/../shared/datasets."""
    env = os.environ.get("TABPILOT_DATASETS")
    if env:
        return Path(env)
    repo_root = Path(__file__).resolve().parent.parent
    return (repo_root / ".." / "shared" / "datasets").resolve()


def read_rows(path):
    """Parses one original file into lists of 15 stripped fields."""
    rows = []
    with open(path, newline="", encoding="ascii") as f:
        for line_no, line in enumerate(f, start=1):
            line = line.strip()
            if not line:
                continue
            if line.startswith("|"):
                # adult.test's first line, '|1x3 Cross validator', is a comment.
                continue
            fields = [field.strip() for field in line.split(",")]
            if len(fields) != len(COLUMNS):
                raise PrepareError(
                    f"{path}:{line_no}: expected {len(COLUMNS)} fields, "
                    f"found {len(fields)}")
            label = fields[-1]
            if label.endswith("."):
                label = label[:-1]
            if label not in LABELS:
                raise PrepareError(
                    f"{path}:{line_no}: unknown income label '{fields[-1]}'")
            fields[-1] = label
            rows.append(fields)
    return rows


def write_csv(path, rows):
    """Writes header + rows via a temp file and rename, so a crash never
    leaves a half-written CSV that a later run would trust."""
    tmp = path.with_name(path.name + ".tmp-prepare")
    with open(tmp, "w", newline="", encoding="ascii") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    os.replace(tmp, path)


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    out_dir = Path(argv[1])
    src_dir = datasets_dir() / "adult"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, expected in EXPECTED_ROWS.items():
            src = src_dir / name
            if not src.is_file():
                raise PrepareError(
                    f"{src}: not found (set TABPILOT_DATASETS to the folder "
                    "that holds adult/)")
            rows = read_rows(src)
            if len(rows) != expected:
                raise PrepareError(
                    f"{src}: expected {expected} data rows, found {len(rows)}")
            dst = out_dir / OUTPUT_NAMES[name]
            write_csv(dst, rows)
            positives = sum(1 for r in rows if r[-1] == ">50K")
            print(f"{dst}: {len(rows)} rows ({positives} >50K)")
    except (PrepareError, OSError, UnicodeDecodeError) as e:
        print(f"prepare_adult: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
