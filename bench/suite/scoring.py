"""Scoring for the benchmark suite: every system's test predictions are scored
by the same code (scikit-learn metrics), plus the constant predictor, bootstrap
deviations for single-split runs, normalized scores and win/tie/loss.

Needs numpy and scikit-learn (Debian's /usr/bin/python3). Pure functions; no
state. bench/ must be importable too (bench/decision_threshold.py); run.py and
adult_benchmark.py put it on sys.path.
"""

import csv
import math

import numpy as np
from sklearn import metrics as skm

import decision_threshold
from specs import HIGHER_IS_BETTER, MAIN_METRIC


class ScoreError(Exception):
    """A predictions file does not match the test fold; the message says how."""


def read_column(path, column):
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if column not in header:
            raise ScoreError(f"{path}: no column '{column}'")
        j = header.index(column)
        return [row[j] for row in reader]


def _label_key(text):
    """'1' and '1.0' name the same class when a system reformats numbers."""
    if text.lower() in ("true", "false"):
        return text.lower()
    try:
        return repr(float(text))
    except ValueError:
        return text


def read_predictions(path, task, classes, n_rows):
    """Reads a predictions CSV (tabpilot's or peers.py's format).
    Returns (proba (n, K) in `classes` order, predicted labels or None) for
    classification, (values, None) for regression."""
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    if len(rows) != n_rows:
        raise ScoreError(f"{path}: {len(rows)} prediction rows, test fold has {n_rows}")
    if task == "regression":
        for name in ("prediction", "predicted_value", "predicted_label"):
            if name in header:
                j = header.index(name)
                return np.array([float(r[j]) for r in rows]), None
        numeric = [j for j, h in enumerate(header)]
        if len(numeric) == 1:
            return np.array([float(r[0]) for r in rows]), None
        raise ScoreError(f"{path}: no prediction column in {header}")
    by_key = {_label_key(h[len("proba_"):]): j for j, h in enumerate(header)
              if h.startswith("proba_")}
    if not by_key:
        raise ScoreError(f"{path}: no proba_<label> columns in {header}")
    proba = np.zeros((n_rows, len(classes)))
    matched = 0
    for k, label in enumerate(classes):
        j = by_key.get(_label_key(label))
        if j is not None:
            proba[:, k] = [float(r[j]) for r in rows]
            matched += 1
    if matched != len(by_key):
        raise ScoreError(f"{path}: proba columns {sorted(by_key)} do not all name "
                         f"classes of the data {classes}")
    predicted = None
    if "predicted_label" in header:
        j = header.index("predicted_label")
        predicted = [r[j] for r in rows]
    return proba, predicted


def encode(y_labels, classes):
    index = {_label_key(c): i for i, c in enumerate(classes)}
    return np.array([index[_label_key(v)] for v in y_labels])


def score(task, y, pred, classes=None, positive=None, predicted=None):
    """All metrics of one system on one test fold.
    y: labels (classification) or floats; pred: proba (n, K) or values;
    predicted: the system's own hard labels (its decision threshold), else
    argmax / 0.5 is used."""
    if task == "regression":
        y = np.asarray(y, dtype=float)
        err = pred - y
        return {"rmse": float(np.sqrt(np.mean(err ** 2))),
                "mae": float(np.mean(np.abs(err))),
                "r2": float(skm.r2_score(y, pred))}
    yi = encode(y, classes)
    labels = list(range(len(classes)))
    logloss = float(skm.log_loss(yi, np.clip(pred, 1e-15, 1.0), labels=labels))
    if predicted is not None:
        hard = encode(predicted, classes)
    elif task == "binary":
        pos = classes.index(positive)
        hard = np.where(pred[:, pos] >= 0.5, pos, 1 - pos)
    else:
        hard = np.argmax(pred, axis=1)
    if task == "binary":
        pos = classes.index(positive)
        return {"auc": float(skm.roc_auc_score(yi == pos, pred[:, pos])),
                "logloss": logloss,
                "f1": float(skm.f1_score(yi == pos, hard == pos, zero_division=0))}
    return {"logloss": logloss,
            "accuracy": float(skm.accuracy_score(yi, hard)),
            # scikit-learn's default label set (classes in the test fold or in
            # the predictions), as tabpilot's evaluate reports it: a class
            # absent from the fold and never predicted is not scored as 0.
            "macro_f1": float(skm.f1_score(yi, hard, average="macro", zero_division=0))}


def f1_at_threshold(y, pred, classes, positive, threshold):
    """Binary F1 of the positive class when rows whose positive-class
    probability is >= threshold are predicted positive (a peer's threshold
    tuned on its own out-of-fold predictions, see peers.py)."""
    pos = classes.index(positive)
    return decision_threshold.f1_at(encode(y, classes) == pos, pred[:, pos], threshold)


def main_metric(task, y, pred, classes=None, positive=None):
    """Only the task's main metric (used by the bootstrap)."""
    if task == "regression":
        return float(np.sqrt(np.mean((pred - y) ** 2)))
    if task == "binary":
        pos = classes.index(positive)
        return float(skm.roc_auc_score(y == pos, pred[:, pos]))
    return float(skm.log_loss(y, np.clip(pred, 1e-15, 1.0), labels=list(range(len(classes)))))


def bootstrap_std(task, y, pred, classes=None, positive=None, n=100, seed=0):
    """Standard deviation of the main metric over bootstrap resamples of the
    test rows: the spread used when a dataset has a single split."""
    rng = np.random.default_rng(seed)
    if task == "regression":
        y = np.asarray(y, dtype=float)
    else:
        y = encode(y, classes)
    values = []
    for _ in range(n):
        idx = rng.integers(0, len(y), len(y))
        yb = y[idx]
        if task == "binary" and len(np.unique(yb)) < 2:
            continue
        values.append(main_metric(task, yb, pred[idx], classes, positive))
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def constant_score(task, y_train, y_test, classes=None, positive=None):
    """Main metric of the constant predictor fitted on the training fold:
    class priors (AUC is 0.5 by definition), or the training mean."""
    if task == "regression":
        mean = float(np.mean(np.asarray(y_train, dtype=float)))
        return float(np.sqrt(np.mean((np.asarray(y_test, dtype=float) - mean) ** 2)))
    if task == "binary":
        return 0.5
    yi_train = encode(y_train, classes)
    prior = np.bincount(yi_train, minlength=len(classes)) / len(yi_train)
    pred = np.tile(prior, (len(y_test), 1))
    return main_metric(task, encode(y_test, classes), pred, classes, positive)


def mean_std(values):
    values = [v for v in values if v is not None and not math.isnan(v)]
    if not values:
        return None, None
    if len(values) == 1:
        return values[0], None
    return float(np.mean(values)), float(np.std(values, ddof=1))


def normalized(value, constant, best):
    """0 = constant predictor, 1 = best system; lower-is-better metrics work
    unchanged because both differences flip sign."""
    if value is None or best is None or constant is None or best == constant:
        return None
    return (value - constant) / (best - constant)


def better(metric, a, b):
    """True when a is better than b for this metric."""
    return a > b if HIGHER_IS_BETTER[metric] else a < b


def compare(metric, mean_a, std_a, mean_b, std_b):
    """'win' / 'tie' / 'loss' of a against b: a tie is a difference within one
    standard deviation (the larger of the two systems' deviations)."""
    tol = max(std_a or 0.0, std_b or 0.0)
    if abs(mean_a - mean_b) <= tol:
        return "tie"
    return "win" if better(metric, mean_a, mean_b) else "loss"


__all__ = ["ScoreError", "read_column", "read_predictions", "score", "f1_at_threshold",
           "bootstrap_std", "constant_score", "mean_std", "normalized", "better", "compare",
           "MAIN_METRIC"]
