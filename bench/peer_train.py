#!/usr/bin/python3
"""The one-model peer of a large training: pandas + XGBoost `hist`, defaults.

Usage: bench/peer_train.py --train TRAIN.csv --test TEST.csv [--target income]
                           [--threads T] [--drop COLUMN ...]

Reads TRAIN with pandas.read_csv, one-hot encodes its categorical columns
(pandas.get_dummies), fits one XGBClassifier with default settings and
tree_method "hist" on every row, then scores TEST (the same one-hot, columns
aligned to the training ones). Prints one JSON object: training rows, fit
seconds (read, encode and fit) and the test AUC. The caller measures peak
memory and wall time of the whole process. Binary targets only (Adult).
--drop leaves a column out of the features (an id, a group label).
"""

import argparse
import json
import sys
import time

import pandas as pd
import xgboost as xgb
from sklearn.metrics import roc_auc_score


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--train", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--target", default="income")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--drop", action="append", default=[], help="a column to leave out of the features")
    args = p.parse_args(argv)

    start = time.monotonic()
    train = pd.read_csv(args.train, skipinitialspace=True)
    labels = sorted(train[args.target].astype(str).str.strip().unique())
    positive = labels[-1]
    y = (train[args.target].astype(str).str.strip() == positive).astype(int)
    x = pd.get_dummies(train.drop(columns=[args.target, *args.drop]))
    del train
    model = xgb.XGBClassifier(tree_method="hist", n_jobs=args.threads).fit(x, y)
    seconds = time.monotonic() - start

    test = pd.read_csv(args.test, skipinitialspace=True)
    y_test = (test[args.target].astype(str).str.strip() == positive).astype(int)
    xt = pd.get_dummies(test.drop(columns=[args.target, *args.drop], errors="ignore")).reindex(
        columns=x.columns, fill_value=0)
    auc = roc_auc_score(y_test, model.predict_proba(xt)[:, 1])
    print(json.dumps({"rows": int(len(x)), "fit_seconds": seconds, "test_auc": auc}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
