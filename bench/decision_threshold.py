"""F1 at a decision threshold, and the F1-maximizing threshold of a binary
classifier chosen the way tabpilot chooses its own.

tabpilot (src/automl/threshold_tuning.cpp) tunes its binary decision threshold
on its out-of-fold predictions when the objective metric depends on one (F1,
the default for binary tasks): every cut between two distinct predicted
probabilities of the positive class is scored, the best F1 wins, and among
equal scores the cut closest to 0.5. A row is predicted positive when its
probability is >= the threshold. tune_f1_threshold() does the same, so a
peer's F1 can be reported with a threshold tuned the same way on the peer's
own out-of-fold predictions (bench/peers.py --threshold-folds).

Used by bench/peers.py, bench/adult_benchmark.py and bench/suite/scoring.py.
Needs numpy only.
"""

import numpy as np


def f1_at(y_positive, p_positive, threshold):
    """F1 of the positive class when rows with p >= threshold are predicted
    positive. y_positive: booleans (True = positive class)."""
    y = np.asarray(y_positive, dtype=bool)
    hard = np.asarray(p_positive, dtype=float) >= threshold
    tp = float(np.sum(hard & y))
    fp = float(np.sum(hard & ~y))
    fn = float(np.sum(~hard & y))
    return 2.0 * tp / (2.0 * tp + fp + fn) if tp > 0 else 0.0


def tune_f1_threshold(y_positive, p_positive):
    """Returns (threshold, f1 at that threshold) maximizing F1 over the rows
    given (e.g. out-of-fold predictions on the training data).

    Cuts: above the highest probability (everything negative), then halfway
    between each distinct probability and the next lower one, and for the
    lowest probability p half of it (everything positive), as tabpilot does.
    Ties in F1 go to the cut closest to 0.5."""
    y = np.asarray(y_positive, dtype=bool)
    p = np.asarray(p_positive, dtype=float)
    if y.shape != p.shape or y.ndim != 1 or len(y) == 0:
        raise ValueError(f"tune_f1_threshold: need two equal non-empty 1-d arrays, "
                         f"got {y.shape} and {p.shape}")
    order = np.argsort(-p, kind="stable")
    ps, ys = p[order], y[order]
    # Last index of each group of equal probabilities (highest first).
    ends = np.r_[np.nonzero(ps[1:] != ps[:-1])[0], len(ps) - 1]
    tp = np.cumsum(ys)[ends].astype(float)
    fp = (ends + 1).astype(float) - tp
    fn = float(np.sum(ys)) - tp
    denom = 2.0 * tp + fp + fn
    f1 = np.divide(2.0 * tp, denom, out=np.zeros_like(tp), where=denom > 0)
    group_p = ps[ends]
    next_lower = np.r_[group_p[1:], np.nan]
    cuts = np.where(np.isnan(next_lower), np.where(group_p > 0, 0.5 * group_p, group_p),
                    0.5 * (group_p + np.nan_to_num(next_lower)))
    # Everything negative: F1 0 (or 0 positives), cut above the top.
    top = group_p[0]
    all_negative_cut = 0.5 * (top + 1.0) if top < 1.0 else np.nextafter(top, np.inf)
    cuts = np.r_[all_negative_cut, cuts]
    f1 = np.r_[0.0, f1]
    best = f1.max()
    # Relative tolerance as in threshold_tuning.cpp (1e-12).
    tied = np.nonzero(f1 >= best - 1e-12 * max(1.0, abs(best)))[0]
    pick = tied[np.argmin(np.abs(cuts[tied] - 0.5))]
    return float(cuts[pick]), float(f1[pick])
