#!/usr/bin/python3
"""What a user would otherwise run for a batch transform: pandas + XGBoost.

Usage: bench/peer_predict.py --train TRAIN.csv --data DATA.csv --output OUT.csv
                             [--target income] [--threads T]

Fits one XGBoost classifier with default settings on TRAIN (one-hot
categoricals via pandas.get_dummies; not timed), then times the batch
transform: pandas.read_csv of DATA, the same one-hot (columns aligned to the
training ones), predict_proba, and DataFrame.to_csv of the label and the
positive-class probability. Prints one JSON object: rows, seconds and rows/s
of the timed part. Binary targets only (the Adult job).
"""

import argparse
import json
import sys
import time

import pandas as pd
import xgboost as xgb


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--train", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--target", default="income")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)

    train = pd.read_csv(args.train, skipinitialspace=True)
    labels = sorted(train[args.target].astype(str).str.strip().unique())
    positive = labels[-1]
    y = (train[args.target].astype(str).str.strip() == positive).astype(int)
    x = pd.get_dummies(train.drop(columns=[args.target]))
    model = xgb.XGBClassifier(n_jobs=args.threads).fit(x, y)

    start = time.monotonic()
    data = pd.read_csv(args.data, skipinitialspace=True)
    xp = pd.get_dummies(data.drop(columns=[args.target], errors="ignore")).reindex(columns=x.columns, fill_value=0)
    proba = model.predict_proba(xp)[:, 1]
    out = pd.DataFrame({"predicted_label": [positive if q >= 0.5 else labels[0] for q in proba],
                        f"proba_{positive}": proba})
    out.to_csv(args.output, index=False)
    seconds = time.monotonic() - start
    print(json.dumps({"rows": len(data), "seconds": seconds, "rows_per_s": len(data) / seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
