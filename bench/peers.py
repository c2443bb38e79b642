#!/usr/bin/python3
"""Train the peer systems that tabpilot is compared against, on one split.

Usage:
  peers.py --train TRAIN.csv --test TEST.csv --target income --task binary \
           --threads 2 --positive-label '>50K' --out results.json

Peers (Debian's python3-xgboost 1.7 and python3-sklearn 1.2, default settings
unless noted):
  xgboost         XGBClassifier/XGBRegressor defaults with tree_method=hist;
                  categoricals one-hot encoded, numeric NaN left to XGBoost.
  sklearn-hgb     HistGradientBoosting defaults; categoricals ordinal-encoded
                  and marked as categorical_features (a column with more levels
                  than HGB's 255-bin limit is passed as plain ordinal codes);
                  early stopping off when a class has a single training row
                  (its stratified validation split would raise).
  sklearn-rf      RandomForest, 300 trees; categoricals ordinal-encoded
                  (missing = -1), numeric NaN imputed with the training median
                  (sklearn 1.2 forests do not accept NaN).
  sklearn-linear  LogisticRegression(max_iter=1000) or Ridge (regression);
                  one-hot categoricals, median-imputed + standardized numerics.

Categorical = a column pandas reads as text. '?' and empty cells are missing;
a missing categorical is its own level for one-hot encoders. One-hot encoders
keep at most 255 levels per column (the most frequent; the rest share one
"infrequent" column), so free-text or id-like columns cannot blow a dense
matrix up to tens of thousands of columns.

--predictions-dir DIR also writes each peer's test predictions to DIR/<peer>.csv
(classification: one proba_<label> column per class, in the order of
meta.class_labels; regression: one 'prediction' column), so a caller can
score every system with the same code.

Measured per peer: test metrics (binary: auc, logloss, f1 of the positive class
at threshold 0.5; multiclass: logloss, accuracy, macro_f1; regression: rmse,
mae, r2), fit_seconds (preprocessing + model fit on the loaded frame),
predict_seconds for the whole test frame and predict_s_per_1k_rows, and
model_bytes (size of the pickled fitted pipeline, the peers' "bundle").

Binary tasks also get the peer's F1 with its decision threshold tuned the way
tabpilot tunes its own (bench/decision_threshold.py): for each K in
--threshold-folds (default 5), the peer's pipeline is cross-validated on the
training data (K stratified folds, shuffled with --seed; K = 1 is a stratified
10% holdout, as tabpilot's holdout plan), the threshold that maximizes F1 on
those out-of-fold predictions is applied to the test predictions of the model
fitted on all training rows. Reported per K under "thresholds" (threshold,
oof_f1, test_f1, seconds), and the first K's test F1 as metrics.f1_tuned. The
cross-validation time is not part of fit_seconds. --threshold-folds 0 skips it.

The output JSON is written atomically. Thread count: every peer gets
--threads (n_jobs, and OpenMP/BLAS pools via the environment and
threadpoolctl), and OMP_WAIT_POLICY defaults to PASSIVE because spin-waiting
OpenMP workers make oversubscribed runs many times slower.
"""

import argparse
import datetime
import json
import os
import pickle
import platform
import sys
import time


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Train XGBoost / scikit-learn peers on a train/test split.")
    p.add_argument("--train", required=True, help="training CSV (with header)")
    p.add_argument("--test", required=True, help="test CSV (same columns)")
    p.add_argument("--target", required=True, help="target column name")
    p.add_argument("--task", required=True,
                   choices=["binary", "multiclass", "regression"])
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                   help="threads for every peer (default: all cores)")
    p.add_argument("--positive-label", default=None,
                   help="binary: the positive class (default: the last label "
                        "in sorted order)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--peers", default="xgboost,sklearn-hgb,sklearn-rf,sklearn-linear",
                   help="comma-separated subset of peers to run")
    p.add_argument("--out", required=True, help="output JSON path")
    p.add_argument("--predictions-dir", default=None,
                   help="also write each peer's test predictions to DIR/<peer>.csv")
    p.add_argument("--threshold-folds", default="5",
                   help="binary: comma-separated fold counts K; per K, the F1 threshold "
                        "is tuned on the peer's K-fold out-of-fold predictions on the "
                        "training data (1 = a 10%% holdout; 0 = no tuning; default 5)")
    args = p.parse_args(argv)
    if args.threads < 1:
        p.error("--threads must be >= 1")
    try:
        folds = [int(k) for k in args.threshold_folds.split(",") if k.strip()]
    except ValueError:
        p.error("--threshold-folds: comma-separated integers expected")
    if any(k < 0 for k in folds):
        p.error("--threshold-folds: fold counts must be >= 0")
    args.threshold_folds = [] if folds in ([], [0]) else list(dict.fromkeys(folds))
    if 0 in args.threshold_folds:
        p.error("--threshold-folds: 0 (no tuning) cannot be combined with fold counts")
    return args


# Thread pools read these when the libraries load, so set them before the
# imports below (a caller's explicit value wins).
def configure_threads_env(threads):
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)


class PeerError(Exception):
    """Bad input data or arguments; the message names file/column."""


def load_frames(args, pd):
    # Class labels stay text as written (pandas would turn 'true'/'false'
    # into booleans and '1' into 1, and then name them differently).
    dtype = None if args.task == "regression" else {args.target: str}

    def read(path):
        if not os.path.isfile(path):
            raise PeerError(f"{path}: not found")
        return pd.read_csv(path, na_values=["?", ""], keep_default_na=False,
                           skipinitialspace=True, low_memory=False, dtype=dtype)

    train, test = read(args.train), read(args.test)
    for path, frame in ((args.train, train), (args.test, test)):
        if args.target not in frame.columns:
            raise PeerError(f"{path}: no column '{args.target}' "
                            f"(columns: {', '.join(map(str, frame.columns))})")
        if frame[args.target].isna().any():
            raise PeerError(f"{path}: column '{args.target}' has missing values")
    missing = [c for c in train.columns if c not in test.columns]
    if missing:
        raise PeerError(f"{args.test}: missing columns {missing}")
    test = test[list(train.columns)]
    return train, test


def encode_target(args, y_train, y_test, np):
    """Returns (y_train, y_test, class_labels) with classes as 0..K-1
    (binary: 1 = positive label)."""
    if args.task == "regression":
        try:
            return (y_train.astype(float).to_numpy(),
                    y_test.astype(float).to_numpy(), None)
        except ValueError as e:
            raise PeerError(f"target '{args.target}' is not numeric: {e}")
    y_train = y_train.astype(str)
    y_test = y_test.astype(str)
    labels = sorted(y_train.unique())
    unseen = sorted(set(y_test.unique()) - set(labels))
    if unseen:
        raise PeerError(f"{args.test}: target labels not in training data: {unseen}")
    if args.task == "binary":
        if len(labels) != 2:
            raise PeerError(f"{args.train}: binary task needs 2 target labels, "
                            f"found {len(labels)}: {labels[:10]}")
        positive = args.positive_label if args.positive_label is not None else labels[-1]
        if positive not in labels:
            raise PeerError(f"--positive-label '{positive}' is not one of {labels}")
        labels = [l for l in labels if l != positive] + [positive]
    index = {l: i for i, l in enumerate(labels)}
    return (y_train.map(index).to_numpy(dtype=np.int64),
            y_test.map(index).to_numpy(dtype=np.int64), labels)


MISSING_LEVEL = "__missing__"
# One-hot columns kept per categorical (the most frequent levels; the others
# share an "infrequent" column). Same bound as HGB's categorical limit.
MAX_ONEHOT_LEVELS = 255


def fill_missing_level(frame):
    """Categorical cells as strings, missing ones as their own level.
    Module-level so fitted pipelines can be pickled (for model_bytes)."""
    return frame.astype(object).where(frame.notna(), MISSING_LEVEL).astype(str)


def build_peers(args, X_train, n_classes, min_class_rows=None):
    """Returns {name: unfitted sklearn Pipeline}, in --peers order."""
    import numpy as np
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import (HistGradientBoostingClassifier,
                                  HistGradientBoostingRegressor,
                                  RandomForestClassifier, RandomForestRegressor)
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import (FunctionTransformer, OneHotEncoder,
                                       OrdinalEncoder, StandardScaler)
    import xgboost as xgb

    cat_cols = [c for c in X_train.columns
                if X_train[c].dtype == object or X_train[c].dtype == bool]
    num_cols = [c for c in X_train.columns if c not in cat_cols]
    regression = args.task == "regression"

    def one_hot():
        return Pipeline([
            ("fill", FunctionTransformer(fill_missing_level)),
            ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False,
                                     max_categories=MAX_ONEHOT_LEVELS,
                                     dtype=np.float32)),
        ])

    # XGBoost: one-hot categoricals, numerics untouched (NaN = missing).
    xgb_pre = ColumnTransformer([("cat", one_hot(), cat_cols),
                                 ("num", "passthrough", num_cols)])
    xgb_common = dict(tree_method="hist", n_jobs=args.threads,
                      random_state=args.seed)
    xgb_model = (xgb.XGBRegressor(**xgb_common) if regression
                 else xgb.XGBClassifier(**xgb_common))

    # HGB: ordinal codes first so categorical_features can be positional.
    hgb_pre = ColumnTransformer([
        ("cat", OrdinalEncoder(handle_unknown="use_encoded_value",
                               unknown_value=np.nan,
                               encoded_missing_value=np.nan), cat_cols),
        ("num", "passthrough", num_cols)])
    max_levels = 255  # HGB's limit for a categorical feature (max_bins)
    hgb_cat_mask = [X_train[c].nunique(dropna=True) <= max_levels for c in cat_cols]
    hgb_cat_mask += [False] * len(num_cols)
    hgb_kwargs = dict(categorical_features=hgb_cat_mask if any(hgb_cat_mask) else None,
                      random_state=args.seed)
    # HGB's automatic early stopping (on above 10,000 rows) holds out a
    # stratified 10%, which raises on a class with a single training row
    # (kddcup99's rarest attacks); without a possible split it is switched off.
    if not regression and min_class_rows is not None and min_class_rows < 2:
        hgb_kwargs["early_stopping"] = False
    hgb_model = (HistGradientBoostingRegressor(**hgb_kwargs) if regression
                 else HistGradientBoostingClassifier(**hgb_kwargs))

    rf_pre = ColumnTransformer([
        ("cat", OrdinalEncoder(handle_unknown="use_encoded_value",
                               unknown_value=-1, encoded_missing_value=-1), cat_cols),
        ("num", SimpleImputer(strategy="median"), num_cols)])
    rf_kwargs = dict(n_estimators=300, n_jobs=args.threads, random_state=args.seed)
    rf_model = (RandomForestRegressor(**rf_kwargs) if regression
                else RandomForestClassifier(**rf_kwargs))

    lin_pre = ColumnTransformer([
        ("cat", one_hot(), cat_cols),
        ("num", Pipeline([("impute", SimpleImputer(strategy="median")),
                          ("scale", StandardScaler())]), num_cols)])
    lin_model = (Ridge() if regression
                 else LogisticRegression(max_iter=1000, random_state=args.seed))

    all_peers = {
        "xgboost": Pipeline([("pre", xgb_pre), ("model", xgb_model)]),
        "sklearn-hgb": Pipeline([("pre", hgb_pre), ("model", hgb_model)]),
        "sklearn-rf": Pipeline([("pre", rf_pre), ("model", rf_model)]),
        "sklearn-linear": Pipeline([("pre", lin_pre), ("model", lin_model)]),
    }
    wanted = [name.strip() for name in args.peers.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in all_peers]
    if unknown or not wanted:
        raise PeerError(f"--peers: unknown peer(s) {unknown}; "
                        f"valid: {', '.join(all_peers)}")
    return {name: all_peers[name] for name in wanted}, cat_cols, num_cols


def score(task, y_true, pred, n_classes):
    """pred: probabilities (n, K) for classification, values for regression."""
    import numpy as np
    from sklearn import metrics
    if task == "regression":
        err = pred - y_true
        return {"rmse": float(np.sqrt(np.mean(err ** 2))),
                "mae": float(np.mean(np.abs(err))),
                "r2": float(metrics.r2_score(y_true, pred))}
    labels = list(range(n_classes))
    logloss = float(metrics.log_loss(y_true, pred, labels=labels))
    if task == "binary":
        p1 = pred[:, 1]
        return {"auc": float(metrics.roc_auc_score(y_true, p1)),
                "logloss": logloss,
                "f1": float(metrics.f1_score(y_true, (p1 >= 0.5).astype(int),
                                             pos_label=1, zero_division=0))}
    predicted = np.argmax(pred, axis=1)
    return {"logloss": logloss,
            "accuracy": float(metrics.accuracy_score(y_true, predicted)),
            "macro_f1": float(metrics.f1_score(y_true, predicted, average="macro",
                                               labels=labels, zero_division=0))}


def tuned_thresholds(args, pipe, X_train, y_train, p_test, y_test, np):
    """Per K in --threshold-folds: the F1 threshold tuned on the peer's own
    out-of-fold predictions on the training data, and the test F1 at it.
    y_*: 0/1 with 1 = positive; p_test: the full model's positive-class
    probabilities on the test rows."""
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold, StratifiedShuffleSplit
    from decision_threshold import f1_at, tune_f1_threshold

    out = []
    min_class = int(np.bincount(y_train, minlength=2).min())
    for k in args.threshold_folds:
        t0 = time.perf_counter()
        if k == 1:
            splitter = StratifiedShuffleSplit(n_splits=1, test_size=0.1,
                                              random_state=args.seed)
        elif k <= min_class:
            splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=args.seed)
        else:
            out.append({"folds": k, "threshold": None, "test_f1": None,
                        "note": f"the smaller class has {min_class} training rows, "
                                f"fewer than {k} folds"})
            continue
        oof = np.full(len(y_train), np.nan)
        for fit_rows, held_rows in splitter.split(X_train, y_train):
            model = clone(pipe).fit(X_train.iloc[fit_rows], y_train[fit_rows])
            oof[held_rows] = model.predict_proba(X_train.iloc[held_rows])[:, 1]
        scored = ~np.isnan(oof)
        threshold, oof_f1 = tune_f1_threshold(y_train[scored] == 1, oof[scored])
        out.append({"folds": k, "threshold": threshold, "oof_f1": oof_f1,
                    "oof_rows": int(scored.sum()),
                    "test_f1": f1_at(y_test == 1, p_test, threshold),
                    "seconds": time.perf_counter() - t0})
    return out


def run(args):
    configure_threads_env(args.threads)
    import numpy as np
    import pandas as pd
    import sklearn
    import xgboost
    from threadpoolctl import threadpool_limits

    t0 = time.perf_counter()
    train, test = load_frames(args, pd)
    load_seconds = time.perf_counter() - t0
    y_train, y_test, labels = encode_target(args, train[args.target],
                                            test[args.target], np)
    X_train = train.drop(columns=[args.target])
    X_test = test.drop(columns=[args.target])
    n_classes = len(labels) if labels else 0
    min_class_rows = (int(np.bincount(y_train.astype(int), minlength=n_classes).min())
                      if n_classes else None)
    peers, cat_cols, num_cols = build_peers(args, X_train, n_classes, min_class_rows)

    results = []
    with threadpool_limits(limits=args.threads):
        for name, pipe in peers.items():
            t0 = time.perf_counter()
            pipe.fit(X_train, y_train)
            fit_seconds = time.perf_counter() - t0
            t0 = time.perf_counter()
            pred = (pipe.predict(X_test) if args.task == "regression"
                    else pipe.predict_proba(X_test))
            predict_seconds = time.perf_counter() - t0
            pred = np.asarray(pred, dtype=np.float64)
            metrics = score(args.task, y_test, pred, n_classes)
            thresholds = None
            if args.task == "binary" and args.threshold_folds:
                thresholds = tuned_thresholds(args, pipe, X_train, y_train, pred[:, 1],
                                              y_test, np)
                metrics["f1_tuned"] = thresholds[0]["test_f1"]
            if args.predictions_dir:
                write_predictions(os.path.join(args.predictions_dir, f"{name}.csv"),
                                  pred, labels)
            entry = {
                "system": name,
                "model": type(pipe.named_steps["model"]).__name__,
                "metrics": metrics,
                "fit_seconds": fit_seconds,
                "predict_seconds": predict_seconds,
                "predict_s_per_1k_rows": predict_seconds / len(X_test) * 1000.0,
                "model_bytes": len(pickle.dumps(pipe, protocol=pickle.HIGHEST_PROTOCOL)),
            }
            if thresholds is not None:
                entry["thresholds"] = thresholds
            results.append(entry)
            shown = " ".join(f"{k}={v:.4f}" for k, v in metrics.items() if v is not None)
            for t in thresholds or []:
                if t["threshold"] is not None:
                    where = "holdout" if t["folds"] == 1 else f"{t['folds']}-fold OOF"
                    shown += (f" [{where} threshold {t['threshold']:.4f}: "
                              f"test f1={t['test_f1']:.4f}]")
            print(f"{name:15s} {shown} fit={fit_seconds:.1f}s "
                  f"predict={entry['predict_s_per_1k_rows'] * 1000:.2f}ms/1k",
                  file=sys.stderr, flush=True)

    return {
        "meta": {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "train": os.path.abspath(args.train),
            "test": os.path.abspath(args.test),
            "target": args.target,
            "task": args.task,
            "class_labels": labels,
            "positive_label": labels[-1] if args.task == "binary" else None,
            "threads": args.threads,
            "seed": args.seed,
            "rows_train": int(len(X_train)),
            "rows_test": int(len(X_test)),
            "categorical_columns": cat_cols,
            "numeric_columns": num_cols,
            "load_seconds": load_seconds,
            "versions": {"python": platform.python_version(),
                         "xgboost": xgboost.__version__,
                         "sklearn": sklearn.__version__,
                         "pandas": pd.__version__,
                         "numpy": np.__version__},
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
            "threshold_folds": args.threshold_folds if args.task == "binary" else [],
        },
        "results": results,
    }


def write_predictions(path, pred, labels):
    """Test predictions as CSV: proba_<label> per class (labels order) or
    'prediction' for regression; 17 significant digits so nothing is lost."""
    import csv
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        if labels is None:
            w.writerow(["prediction"])
            w.writerows([f"{v:.17g}"] for v in pred)
        else:
            w.writerow([f"proba_{l}" for l in labels])
            w.writerows([f"{v:.17g}" for v in row] for row in pred)


def write_json_atomic(path, doc):
    tmp = f"{path}.tmp-peers"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def main(argv):
    args = parse_args(argv)
    try:
        doc = run(args)
        write_json_atomic(args.out, doc)
    except PeerError as e:
        print(f"peers: error: {e}", file=sys.stderr)
        return 2
    except ImportError as e:
        print(f"peers: error: {e} (run with Debian's /usr/bin/python3, which has "
              "python3-xgboost, python3-sklearn and python3-pandas)", file=sys.stderr)
        return 2
    print(f"peers: wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
